"""Backtest the time-to-UHC models against the SDG-progress baselines.

Reads ``data/processed/coverage_panel.csv``, holds out each region's latest
observation (regions with at least 3), refits every model on the rest and
forecasts the held-out figure (see :func:`uhc_analysis.analysis.projection.backtest`).
Prints the table model by model and writes ``data/processed/backtest.csv``.

Acceptance: the default model (``logit_wls``) must have a lower MAE than both
baselines (``cagr``, ``last_value``) and its 80 % intervals must cover 70-90 %
of the held-out figures; the script exits with status 1 otherwise.

Examples
--------
    .venv/bin/python benchmarks/backtest.py
    .venv/bin/python benchmarks/backtest.py --processed-dir /tmp/processed --holdout 2
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import pandas as pd

from uhc_analysis import config, io
from uhc_analysis.analysis.projection import (
    ProjectionSettings,
    backtest,
    backtest_predictions,
)


def acceptance(table: pd.DataFrame, default: str = "logit_wls") -> list[str]:
    """Reasons the default model fails the acceptance criteria (empty list: passes).

    Examples
    --------
    >>> t = pd.DataFrame({"model": ["logit_wls", "cagr", "last_value"],
    ...                   "mae_pp": [1.0, 2.0, 3.0], "coverage_80": [0.8, 0.5, 0.5]})
    >>> acceptance(t)
    []
    """
    t = table.set_index("model")
    failures = [
        f"MAE {t.loc[default, 'mae_pp']:.2f} pp is not below {b} ({t.loc[b, 'mae_pp']:.2f} pp)"
        for b in ("cagr", "last_value")
        if not t.loc[default, "mae_pp"] < t.loc[b, "mae_pp"]
    ]
    cov = t.loc[default, "coverage_80"]
    if not 0.70 <= cov <= 0.90:
        failures.append(f"80% interval coverage {cov:.2f} is outside 0.70-0.90")
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processed-dir", type=Path, default=config.DATA_PROCESSED)
    parser.add_argument("--holdout", type=int, default=1, help="latest figures held out")
    args = parser.parse_args(argv)

    settings = dataclasses.replace(
        ProjectionSettings(), holdout=args.holdout, backtest_min_obs=max(3, args.holdout + 2)
    )
    panel = io.read_table("coverage_panel", args.processed_dir)
    predictions = backtest_predictions(panel, settings=settings)
    table = backtest(panel, settings=settings, predictions=predictions)

    print(
        f"Backtest: {settings.measure}/{settings.basis} coverage, latest {settings.holdout} "
        f"figure(s) held out per region with >= {settings.backtest_min_obs} figures"
    )
    for row in table.itertuples():
        print(
            f"  {row.model:<11} regions {row.n_regions:>3}  held out {row.n_heldout:>3}  "
            f"MAE {row.mae_pp:6.2f} pp  median AE {row.median_ae_pp:6.2f} pp  "
            f"bias {row.bias_pp:+6.2f} pp  80% cover {row.coverage_80:5.2f}  "
            f"95% cover {row.coverage_95:5.2f}  80% width {row.mean_width80_pp:6.2f} pp"
            + (f"  ({row.note})" if row.note else "")
        )
    out = io.write_csv(table, args.processed_dir / "backtest.csv")
    print(f"wrote {out}")
    failures = acceptance(table)
    for failure in failures:
        print(f"ACCEPTANCE FAILED: logit_wls {failure}")
    if not failures:
        print("acceptance: logit_wls beats both baselines and its 80% intervals cover 70-90%")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
