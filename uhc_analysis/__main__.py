"""``python -m uhc_analysis`` is the same as the ``uhc-analysis`` console script."""

from uhc_analysis.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
