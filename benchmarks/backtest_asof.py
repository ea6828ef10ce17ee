"""Print the strict as-of rolling backtest of :mod:`uhc_analysis.analysis.forecast` and its targets.

Usage: ``python benchmarks/backtest_asof.py [PROCESSED_DIR] [CRITERIA_CSV]`` (defaults: the
configured processed folder and ``data/raw/national/uhc_criteria.csv``). Prints the score
table (tuning, test, all) and the issue-12 targets with the measured figures.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd

from uhc_analysis import config, io
from uhc_analysis.analysis.forecast import ForecastSettings, run_backtest
from uhc_analysis.ingest.criteria import criteria_reference, load_criteria_decisions, read_criteria


def main(argv: list[str]) -> int:
    directory = Path(argv[0]) if argv else config.DATA_PROCESSED
    criteria_path = argv[1] if len(argv) > 1 else None
    panel = io.read_table("coverage_panel", directory)
    commitments = io.read_table("commitments", directory)
    criteria = criteria_reference(read_criteria(criteria_path), load_criteria_decisions())
    start = time.perf_counter()
    pred, scores = run_backtest(panel, commitments, ForecastSettings(), criteria=criteria)
    seconds = time.perf_counter() - start
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 30)
    print(
        f"strict as-of rolling backtest: {len(pred)} scored forecasts, "
        f"{pred['origin'].nunique()} origins, horizons {pred['horizon'].min():.2f}-"
        f"{pred['horizon'].max():.2f} y ({seconds:.0f} s)"
    )
    print(scores.round(3).to_string(index=False))
    print("\ntargets (issue 12), per set:")
    for name in ("tuning", "test", "all"):
        s = scores.loc[scores["set"].eq(name)].set_index("subset")
        if "all" not in s.index:
            continue
        a = s.loc["all"]
        below = s.loc["latest_below_95"] if "latest_below_95" in s.index else None
        checks = [
            ("n >= 40", a["n"], a["n"] >= 40),
            ("MAE ratio <= 0.85", a["mae_ratio"], a["mae_ratio"] <= 0.85),
            (
                "MAE ratio (latest < 95) <= 0.70",
                below["mae_ratio"] if below is not None else float("nan"),
                below is not None and below["mae_ratio"] <= 0.70,
            ),
            ("80 % coverage in [0.72, 0.88]", a["coverage80"], 0.72 <= a["coverage80"] <= 0.88),
            (
                "Brier < naive",
                f"{a['brier']:.3f} vs {a['brier_naive']:.3f}",
                a["brier"] < a["brier_naive"],
            ),
        ]
        for label, value, ok in checks:
            shown = f"{value:.3f}" if isinstance(value, float) else str(value)
            print(f"  {name:6s} {label:34s} {shown:>18s}  {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
