"""The findings table for the README and the notebooks (``uhc-analysis findings``).

One row per regency/city of the chosen provinces (and the provinces
themselves): latest registered coverage as published, its date and source
count, and the time-to-UHC projection at 95 % (status, projected year with
its 80 % interval, model). Rendered as Markdown from the processed tables
only, so it is deterministic.

Examples
--------
>>> table = findings_table()                      # doctest: +SKIP
>>> print(findings_markdown(table))               # doctest: +SKIP
"""

from __future__ import annotations

import pandas as pd

from uhc_analysis import config
from uhc_analysis.analysis.metrics import latest_coverage


def findings_table(
    regions: pd.DataFrame,
    panel: pd.DataFrame,
    projections: pd.DataFrame,
    provinces: tuple[str, ...] = config.FOCUS_PROVINCES,
    threshold: float = 95.0,
) -> pd.DataFrame:
    """Latest coverage and projected UHC year per region (see module doc)."""
    regions = regions[regions["province_code"].isin(provinces)]
    latest = latest_coverage(panel).set_index("region_code")
    proj = projections
    proj = proj[proj["threshold"].astype(float) == threshold].set_index("region_code")
    rows = []
    for reg in regions.sort_values(
        ["province_code", "kind", "bps_code"],
        key=lambda s: s.map({"province": "0"}).fillna(s) if s.name == "kind" else s,
    ).itertuples(index=False):
        code = reg.bps_code
        lat = latest.loc[code] if code in latest.index else None
        p = proj.loc[code] if code in proj.index else None
        year = ""
        if p is not None and p["status"] == "reached":
            year = f"reached {p['first_period_reached']}"
        elif p is not None and p["status"] == "on_track" and pd.notna(p["year_reached"]):
            lo, hi = p["year_reached_lo80"], p["year_reached_hi80"]
            interval = (
                f" ({float(lo):.0f}–{float(hi):.0f})" if pd.notna(lo) and pd.notna(hi) else ""
            )
            year = f"{float(p['year_reached']):.1f}{interval}"
        rows.append(
            {
                "code": code,
                "region": reg.name,
                "province": reg.province_code,
                "latest coverage %": ""
                if lat is None
                else f"{lat['coverage_pct']:.2f}" + (" (≥)" if bool(lat["lower_bound"]) else ""),
                "as of": "" if lat is None else lat["period"],
                "status at 95 %": ""
                if p is None
                else (
                    "reached, latest below"
                    if p["status"] == "reached"
                    and lat is not None
                    and float(lat["coverage_pct"]) < threshold
                    else p["status"]
                ),
                "projected 95 % year (80 % interval)": year,
                "model": "" if p is None else p["model"],
            }
        )
    return pd.DataFrame(rows)


def findings_markdown(table: pd.DataFrame) -> str:
    """The table as GitHub Markdown."""
    cols = list(table.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    lines += [
        "| " + " | ".join(str(v) for v in row) + " |" for row in table.itertuples(index=False)
    ]
    n = len(table)
    reached = int(table["status at 95 %"].str.startswith("reached").sum())
    fell_back = int((table["status at 95 %"] == "reached, latest below").sum())
    on_track = int((table["status at 95 %"] == "on_track").sum())
    late = int((table["status at 95 %"] == "not_on_current_trend").sum())
    nodata = int((table["status at 95 %"] == "insufficient_data").sum())
    summary = (
        f"Of {n} regions (3 provinces and their regencies/cities): {reached} observed at or "
        f"above 95 % (registered participants, published denominator; {fell_back} of them "
        f"with a later figure below 95 %), {on_track} on "
        f"track, {late} not on their current trend, {nodata} with too little data."
    )
    return summary + "\n\n" + "\n".join(lines) + "\n"


def backtest_markdown(bt: pd.DataFrame) -> str:
    """The backtest table (``backtest.csv``) as Markdown, model by model."""
    cols = {
        "model": "model",
        "n_regions": "regions",
        "n_heldout": "held out",
        "mae_pp": "MAE (pp)",
        "bias_pp": "bias (pp)",
        "median_ae_pp": "median AE (pp)",
        "coverage_80": "inside 80 % interval",
        "coverage_95": "inside 95 % interval",
    }
    bt = bt[list(cols)].rename(columns=cols)
    lines = ["| " + " | ".join(bt.columns) + " |", "|" + "|".join("---" for _ in bt.columns) + "|"]
    for row in bt.itertuples(index=False):
        cells = [f"{v:.2f}" if isinstance(v, float) else str(v) for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return (
        "Each region with at least three observations has its latest one held out, the models "
        "are fitted on the rest and forecast it (`python benchmarks/backtest.py`; bias = "
        "forecast − actual).\n\n" + "\n".join(lines) + "\n"
    )
