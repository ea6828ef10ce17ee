"""Print the strict as-of rolling backtest of the default model and the issue-12 targets.

Usage: ``python benchmarks/backtest.py [PROCESSED_DIR]`` (default: the configured
processed folder). Reads ``backtest_scores.csv`` and ``backtest_predictions.csv``,
which ``uhc-analysis project`` writes (:func:`uhc_analysis.analysis.forecast.run_backtest`),
and prints the scores by set (tuning, test, all), the 80 % interval coverage by
horizon, and each target with the measured figure.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from uhc_analysis import config, io
from uhc_analysis.analysis.forecast.backtest import target_checks


def main(argv: list[str]) -> int:
    directory = Path(argv[0]) if argv else config.DATA_PROCESSED
    if not io.table_path("backtest_scores", directory).is_file():
        print(f"{directory}: no backtest_scores.csv; run `uhc-analysis project` first")
        return 1
    scores = io.read_table("backtest_scores", directory)
    pred = io.read_table("backtest_predictions", directory)
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 30)
    print(
        f"strict as-of rolling backtest: {len(pred)} scored forecasts, "
        f"{pred['origin'].nunique()} origins, horizons {pred['horizon'].min():.2f}-"
        f"{pred['horizon'].max():.2f} y"
    )
    print(scores.round(3).to_string(index=False))
    inside = pred["observed"].between(pred["lo80"], pred["hi80"])
    band = pd.cut(pred["horizon"], [0.5, 1.0, 1.5, 2.0, 3.0], include_lowest=True)
    by = pred.assign(inside=inside, horizon_years=band).groupby(
        ["set", "horizon_years"], observed=True
    )
    print("\n80 % interval coverage and width (pp) by horizon:")
    print(
        by.agg(
            n=("inside", "size"),
            coverage80=("inside", "mean"),
            width80=("hi80", "mean"),
        )
        .assign(width80=by.apply(lambda g: (g["hi80"] - g["lo80"]).mean(), include_groups=False))
        .round(3)
        .to_string()
    )
    print("\ntargets (issue 12), per set:")
    for row in target_checks(scores).to_dict("records"):
        status = "met" if row["met"] else "NOT met"
        print(f"  {row['set']:6s} {row['target']:62s} {row['value']:8.3f}  {status}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
