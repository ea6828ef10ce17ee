"""Findings of notebook 02-coverage-trends: trends, denominators, active, gaps, budgets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from uhc_analysis.analysis import tables
from uhc_analysis.analysis.metrics import latest_coverage
from uhc_analysis.analysis.narrative.common import name_of, province_names, year_of
from uhc_analysis.analysis.prose import bullets, count_noun, join_names, markdown_table, number, pct


def _trajectory(rows: pd.DataFrame) -> str:
    rows = rows[rows["coverage_pct"].notna()].sort_values("date", kind="mergesort")
    first, last = rows.iloc[0], rows.iloc[-1]
    verb = "rose" if last["coverage_pct"] > first["coverage_pct"] else "went"
    if last["coverage_pct"] < first["coverage_pct"]:
        verb = "fell"
    text = (
        f"{first['region_name']} {verb} from {pct(first['coverage_pct'])} ({first['period']}) to "
        f"{pct(last['coverage_pct'])} ({last['period']})"
    )
    top = rows.loc[rows["coverage_pct"].idxmax()]
    if top["coverage_pct"] > 100 and top["observation_id"] != last["observation_id"]:
        text += f", with a peak of {pct(top['coverage_pct'])} in {top['period']}"
    return text + "."


def _stragglers(latest_reg: pd.DataFrame, n: int = 5) -> str:
    low = latest_reg.sort_values("coverage_pct", kind="mergesort").head(n)
    if low.empty:
        return "No regency has a figure."
    names = [f"{r.region_name} ({pct(r.coverage_pct)}, {r.period})" for r in low.itertuples()]
    years = low["period"].map(year_of).value_counts()
    text = f"The lowest latest figures: {join_names(names)}."
    if len(low) > 1 and years.iloc[0] > 1:
        text += f" {years.iloc[0]} of these {len(low)} figures date from {years.index[0]}."
    return text


def trends_findings(
    panel: pd.DataFrame,
    metrics: pd.DataFrame,
    budget: pd.DataFrame,
    regions: pd.DataFrame,
    *,
    thresholds: Sequence[float],
    basis: str = "published",
) -> str:
    """Findings of notebook 02 for the provinces present in ``panel``.

    ``panel``, ``metrics`` (``metrics.csv``) and ``budget`` (``budget_check.csv``)
    already restricted to the provinces shown; ``regions`` is the gazetteer.
    """
    names = province_names(regions)
    registered = panel[(panel["measure"] == "registered") & (panel["basis"] == basis)]
    prov = registered[registered["region_level"] == "province"]
    trajectories = [_trajectory(g) for _, g in prov.groupby("region_code", sort=True)]
    latest = latest_coverage(panel, basis=basis)
    latest_reg = latest[latest["region_level"] == "regency"]
    counted = list(thresholds[:2])
    all_regs = regions[(regions["kind"] != "province")]
    per_prov = []
    for code in sorted(set(panel["province_code"])):
        g = latest_reg[latest_reg["province_code"] == code]
        total = int((all_regs["province_code"] == code).sum())
        at = join_names(f"{int((g['coverage_pct'] >= t).sum())} at ≥ {t:g} %" for t in counted)
        with_fig = (
            f"of {total}" if len(g) == total else f"of the {len(g)} (of {total}) with a figure"
        )
        per_prov.append(f"{name_of(names, code)}: {with_fig}, {at}.")
    items = [
        f"**Provinces** ({basis} basis):\n" + bullets(trajectories or ["no province figure"]),
        f"**Regencies, latest figure.**\n{bullets(per_prov)}\n\n{_stragglers(latest_reg)}",
        _denominator_sentence(
            tables.basis_comparison(panel), names, sorted(set(panel["province_code"]))
        ),
        _active_sentence(tables.registered_vs_active(panel, basis), names),
    ]
    target = 98.0 if 98 in [float(t) for t in thresholds] else float(thresholds[0])
    items.append(_gap_sentence(metrics, names, target, basis))
    items.append(_budget_sentence(budget))
    return "## Findings\n\n" + f"Basis `{basis}`.\n\n" + bullets(items) + "\n"


def _denominator_sentence(
    both: pd.DataFrame, names: Mapping[str, str], provinces: list[str]
) -> str:
    head = "**The denominator moves the answer.** "
    if both.empty:
        return head + (
            "No regency figure in these provinces can be put on both the Dukcapil and the BPS "
            "basis, so the two denominators cannot be compared here."
        )
    have = set(both.index.get_level_values("province_code"))
    missing = [name_of(names, p) for p in provinces if p not in have]
    lower = both[both["bps_minus_dukcapil"] < 0]
    higher = both[both["bps_minus_dukcapil"] >= 0]
    text = (
        f"{count_noun(len(both), 'regency', 'regencies')} have a figure on both the Dukcapil "
        "and the BPS basis"
        + (f" (none in {join_names(missing)})" if missing else "")
        + f". BPS-based coverage is lower in {len(lower)} of {len(both)}"
    )
    if len(lower):
        worst = lower["bps_minus_dukcapil"].idxmin()
        r = lower.loc[worst]
        text += (
            f", by up to {abs(r['bps_minus_dukcapil']):.1f} points "
            f"({worst[1]} {year_of(worst[2])}: "
            f"{pct(r['dukcapil'])} on Dukcapil vs {pct(r['bps'])} on BPS)"
        )
    if len(higher):
        ups = [
            f"{i[1]} {year_of(i[2])} ({v:+.1f})" for i, v in higher["bps_minus_dukcapil"].items()
        ]
        text += f"; higher or equal in {join_names(ups)}"
    return head + text + "."


def _active_sentence(paired: pd.DataFrame, names: Mapping[str, str]) -> str:
    head = "**Registered is not active.** "
    known = paired.dropna(subset=["coverage_pct_registered"])
    if known.empty:
        return head + "No active-coverage figure has a registered figure to compare with."
    latest = known.sort_values("date").groupby("region_code").tail(1)
    gaps = latest.sort_values("registered_minus_active", ascending=False)
    big = [
        f"{r.region_name} ({r.registered_minus_active:.1f} points, {r.date:%Y-%m}: "
        f"{pct(r.coverage_pct_registered)} vs {pct(r.coverage_pct_active)})"
        for r in gaps.head(3).itertuples()
    ]
    small = gaps[gaps["registered_minus_active"].abs() < 2]["region_name"].tolist()
    provinces = sorted({str(c)[:2] for c in paired["region_code"]})
    text = (
        "At each region's latest active figure, the registered figure on or before that date "
        f"exceeds it most in {join_names(big)}."
    )
    if small:
        text += f" In {join_names(small)} the two are within 2 points."
    return (
        head
        + text
        + f" Active figures exist for {join_names(name_of(names, p) for p in provinces)}."
    )


def _gap_sentence(
    metrics: pd.DataFrame, names: Mapping[str, str], threshold: float, basis: str
) -> str:
    totals = tables.gap_totals(metrics)
    rows = []
    bases = [basis] + (["dukcapil"] if basis != "dukcapil" else [])
    for code in sorted({k[0] for k in totals.index}):
        cells: list[object] = [name_of(names, code)]
        for b in bases:
            key = (code, b, threshold)
            if key not in totals.index:
                cells += ["—", "—"]
                continue
            t = totals.loc[key]
            cells += [
                f"{int(t['below'])} ({int(t['gap_unknown'])})",
                f"{number(t['gap_people'])}; {number(t['budget_idr_bn_year'], 1)}",
            ]
        rows.append(cells)
    header = ["province"]
    for b in bases:
        header += [f"`{b}`: below (gap unknown)", f"`{b}`: people; Rp bn/yr"]
    gaps = tables.gaps_below(metrics, basis, threshold).dropna(subset=["gap_people"])
    largest = [
        f"{r.region_name} ({number(r.gap_people)} people, {r.period})"
        for r in gaps.head(3).itertuples()
    ]
    return (
        f"**Gaps and budgets at {threshold:g} %** (regencies below the threshold, of which "
        "without a known gap; the known gaps summed):\n\n"
        + markdown_table(rows, header)
        + f"\n\nThe largest single gaps on the `{basis}` basis: {join_names(largest)}."
    )


def _budget_sentence(budget: pd.DataFrame) -> str:
    if budget.empty:
        return "**Budget lines.** No published budget line in these provinces."
    groups = tables.budget_line_groups(budget)
    parts = []
    for label, _, _ in tables.BUDGET_GROUPS:
        g = budget[groups == label]
        if g.empty:
            continue
        lo, hi = g["months_covered"].min(), g["months_covered"].max()
        span = f"{lo:.1f} months" if len(g) == 1 else f"{lo:.1f}–{hi:.1f} months"
        text = f"{count_noun(len(g), 'line')} {label} ({span})"
        if label != "a full year":
            examples = g.sort_values("months_covered").head(3)
            text += ": " + join_names(
                f"{r.region_name} {r.period} (Rp {number(r.budget_idr / 1e9, 1)} bn for "
                f"{number(r.people_funded)} people)"
                for r in examples.itertuples()
            )
        parts.append(text)
    unknown = int((groups == "").sum())
    if unknown:
        parts.append(f"{count_noun(unknown, 'line')} without the months they pay")
    return (
        f"**Budget lines.** The {count_noun(len(budget), 'published budget line')}, in months of "
        "class III contributions per person named:\n" + bullets(parts)
    )
