"""Findings of notebook 04-choropleth-maps: what each map shows, in numbers."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from uhc_analysis.analysis import tables
from uhc_analysis.analysis.narrative.common import name_of, province_names
from uhc_analysis.analysis.prose import bullets, count_noun, join_names, number, pct


def maps_findings(
    latest: pd.DataFrame,
    projections: pd.DataFrame,
    metrics: pd.DataFrame,
    regions: pd.DataFrame,
    *,
    threshold: float,
    breaks: Sequence[float],
    year_bins: tuple[int, int],
    basis: str = "published",
) -> str:
    """Findings of notebook 04: what each map shows, in numbers.

    ``latest`` is one row per regency with a figure (provinces shown),
    ``projections`` and ``metrics`` restricted to those provinces; ``breaks``
    and ``year_bins`` are the maps' class limits, ``threshold`` the one of the
    projected-year and gap maps.
    """
    names = province_names(regions)
    provinces = sorted(set(projections["province_code"]) | set(latest["province_code"]))
    all_regs = tables.in_provinces(regions[regions["kind"] != "province"], provinces)
    top = latest[latest["coverage_pct"] >= breaks[-1]]
    low = latest[latest["coverage_pct"] < breaks[0]].sort_values("coverage_pct")
    without = all_regs[~all_regs["bps_code"].isin(latest["region_code"])]["name"].tolist()
    per = []
    for code in provinces:
        n = int((all_regs["province_code"] == code).sum())
        per.append(f"{int((top['province_code'] == code).sum())} of {n} in {name_of(names, code)}")
    coverage = (
        f"**Coverage map.** {len(top)} of the {count_noun(len(all_regs), 'regency', 'regencies')} "
        f"and cities are in the top class (≥ {breaks[-1]:g} %): {join_names(per)}. "
        + (
            f"Below {breaks[0]:g} %: "
            f"{join_names(f'{r.region_name} ({pct(r.coverage_pct)})' for r in low.itertuples())}. "
            if len(low)
            else f"No regency is below {breaks[0]:g} %. "
        )
        + (
            f"Hatched, with no figure: {join_names(without)}."
            if without
            else "Every regency has a figure."
        )
    )
    at = projections[
        (projections["region_level"] == "regency")
        & (projections["threshold"].astype(float) == float(threshold))
    ]
    reached = at["status"] == "reached"
    on = at[at["status"].isin(["on_track", "overdue"])]  # both have a projected year
    year = np.floor(on["year_reached"].astype(float))  # as the map bins them
    soon = on[year <= year_bins[0]]
    mid = on[(year > year_bins[0]) & (year <= year_bins[1])]
    later = on[~on.index.isin(soon.index) & ~on.index.isin(mid.index)]
    not_on = at[at["status"] == "not_on_current_trend"]
    nodata = at[at["status"] == "insufficient_data"]
    still = at[~reached].groupby("province_code").size()
    classes = [
        f"{int(reached.sum())} already reached it",
        f"{len(soon)} expected by {year_bins[0]}",
        f"{len(mid)} in {year_bins[0] + 1}–{year_bins[1]}"
        + (f" ({join_names(mid['region_name'])})" if 0 < len(mid) <= 3 else ""),
        f"{len(later)} later",
        f"{len(not_on)} not on the current trend",
        f"{len(nodata)} without the data"
        + (f" ({join_names(nodata['region_name'])})" if len(nodata) else ""),
    ]
    projected = (
        f"**Projected-year map ({threshold:g} %).** Of {len(at)} regencies, {join_names(classes)}."
    )
    if len(still):
        worst = still.idxmax()
        projected += f" {name_of(names, worst)} has the most still to get there ({still[worst]})."
    gaps = tables.gaps_below(metrics, basis, threshold)
    known = gaps.dropna(subset=["gap_people"])
    unknown = gaps[gaps["gap_people"].isna()]["region_name"].tolist()
    gap = (
        f"**Gap map ({threshold:g} %).** The largest known gaps: "
        + join_names(
            f"{r.region_name} ({number(r.gap_people)} people, "
            f"Rp {number(r.budget_idr_bn_year, 1)} bn a year)"
            for r in known.head(3).itertuples()
        )
        + f". {count_noun(len(without) + len(unknown), 'regency is', 'regencies are')} hatched "
        "as no data"
    )
    hatched = []
    if without:
        hatched.append(f"{join_names(without)}, with no figure at all")
    if unknown:
        hatched.append(
            f"{join_names(unknown)}, below {threshold:g} % with a percentage but no population "
            "(the `dukcapil` basis of notebook 02 fills them in)"
        )
    gap += (": " + "; ".join(hatched) if hatched else "") + "."
    dates = latest.sort_values("date", kind="mergesort")
    when = (
        f"**The dates differ.** Each regency's latest figure has its own date, from "
        f"{dates.iloc[0]['period']} ({dates.iloc[0]['region_name']}) to {dates.iloc[-1]['period']} "
        f"({dates.iloc[-1]['region_name']}), so a map is not a snapshot at one date."
        if len(dates)
        else "**No figure to map.**"
    )
    return (
        "## Findings\n\n"
        + f"Basis `{basis}`.\n\n"
        + bullets([coverage, projected, gap, when])
        + "\n"
    )
