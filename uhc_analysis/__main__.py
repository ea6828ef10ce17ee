"""``python -m uhc_analysis`` is the same as the ``uhc-analysis`` console script."""

from uhc_analysis.cli import main

raise SystemExit(main())
