"""Findings of notebook 03-time-to-uhc: status at the target, backtest, who is late, cautions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from uhc_analysis.analysis import findings, tables
from uhc_analysis.analysis.narrative.common import SHARP_FALL_PP, name_of, province_names
from uhc_analysis.analysis.prose import bullets, count_noun, join_names, markdown_table, pct


def projection_scope(
    projections: pd.DataFrame, provinces: Sequence[str], basis: str, projected_basis: str
) -> str:
    """What ``projections.csv`` covers for the notebook's parameters, in one or two sentences.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"region_code": ["17", "1701"], "province_code": "17",
    ...                   "threshold": [98, 98]})
    >>> print(projection_scope(p, ["17", "11"], "bps", "published"))
    ... # doctest: +NORMALIZE_WHITESPACE
    2 regions x 1 threshold on the `published` basis. No projection for province 11:
    `uhc-analysis project` projects the provinces of ProjectionSettings.provinces. The `basis`
    parameter (bps) does not apply to the projections, which `uhc-analysis project` makes on
    the `published` basis (ProjectionSettings.basis).
    """
    n_thr = projections["threshold"].nunique()
    text = (
        f"{count_noun(projections['region_code'].nunique(), 'region')} x "
        f"{count_noun(n_thr, 'threshold')} on the `{projected_basis}` basis."
    )
    absent = [p for p in provinces if p not in set(projections["province_code"])]
    if absent:
        text += (
            f" No projection for province {join_names(absent)}: `uhc-analysis project` projects "
            "the provinces of ProjectionSettings.provinces."
        )
    if basis != projected_basis:
        text += (
            f" The `basis` parameter ({basis}) does not apply to the projections, which "
            f"`uhc-analysis project` makes on the `{projected_basis}` basis "
            "(ProjectionSettings.basis)."
        )
    return text


def timing_findings(
    projections: pd.DataFrame,
    backtest: pd.DataFrame,
    verdicts: pd.DataFrame,
    panel: pd.DataFrame,
    regions: pd.DataFrame,
    *,
    thresholds: Sequence[float],
    model: str = "logit_wls",
    target_pct: float = findings.NATIONAL_TARGET_PCT,
) -> str:
    """Findings of notebook 03: status at the target, the backtest, who is late, cautions.

    ``projections`` and ``panel`` restricted to the provinces shown;
    ``verdicts`` is :func:`findings.target_verdicts` of those projections;
    ``model`` is the projections' primary model (``ProjectionSettings.model``).
    """
    names = province_names(regions)
    reg = projections[projections["region_level"] == "regency"]
    at = reg[reg["threshold"].astype(float) == float(target_pct)]
    rows = []
    for code, g in at.groupby("province_code", sort=True):
        count = g["status"].value_counts()
        short = g.loc[g["status"] == "insufficient_data", "region_name"].tolist()
        rows.append(
            [
                name_of(names, code),
                f"{int(count.get('reached', 0))} of {len(g)}",
                int(count.get("on_track", 0)),
                int(count.get("not_on_current_trend", 0)),
                f"{len(short)}" + (f" ({join_names(short)})" if short else ""),
            ]
        )
    others = []
    for t in thresholds:
        if float(t) == float(target_pct):
            continue
        g = reg[reg["threshold"].astype(float) == float(t)]
        others.append(f"at {t:g} %, {int((g['status'] == 'reached').sum())} of {len(g)}")
    status = (
        f"**Status at {target_pct:g} %** (regencies and cities):\n\n"
        + markdown_table(
            rows, ["province", "reached", "on track", "not on current trend", "insufficient data"]
        )
        + (f"\n\nReached {join_names(others)}." if others else "")
    )
    return "\n".join(
        [
            "## Findings",
            "",
            bullets(
                [
                    status,
                    _backtest_sentence(backtest, model),
                    _lateness(verdicts, names, target_pct),
                    _falls_sentence(tables.sharp_falls(panel, SHARP_FALL_PP)),
                ]
            ),
            "",
        ]
    )


def _backtest_sentence(bt: pd.DataFrame, model: str) -> str:
    if bt.empty or model not in set(bt["model"]):
        return f"**Backtest.** `backtest.csv` has no row for the `{model}` model."
    b = bt.set_index("model")
    m = b.loc[model]
    baselines = [x for x in ("last_value", "cagr") if x in b.index]
    beats = all(m["mae_pp"] < b.loc[x, "mae_pp"] for x in baselines)
    verdict = "beats the naive baselines" if beats else "does not beat every naive baseline"
    against = join_names(f"{b.loc[x, 'mae_pp']:.2f} for `{x}`" for x in baselines)
    bias = m["bias_pp"]
    direction = "over-forecasts" if bias > 0 else "under-forecasts"
    return (
        f"**The default model {verdict}.** Each of {int(m['n_heldout'])} regions had its latest "
        f"figure held out. `{model}` missed by {m['mae_pp']:.2f} points on average (median "
        f"{m['median_ae_pp']:.2f})"
        + (f", against {against}" if baselines else "")
        + f". Its 80 % intervals held {100 * m['coverage_80']:.0f} % of the held-out figures. It "
        f"{direction} by {abs(bias):.1f} points on average."
    )


def _span(values: pd.Series) -> str:
    lo, hi = f"{values.min():.1f}", f"{values.max():.1f}"
    return lo if lo == hi else f"{lo}–{hi}"


def _lateness(v: pd.DataFrame, names: Mapping[str, str], target_pct: float) -> str:
    def years(x: float) -> str:
        return "beyond the projection horizon" if pd.isna(x) else f"{x:.1f} years"

    parts = []
    count = v["verdict"].value_counts()
    parts.append(
        f"**On time:** {count_noun(int(count.get('on time', 0)), 'regency', 'regencies')}."
    )
    late_r = v[v["verdict"] == "late, reached"].sort_values("years_late")
    if len(late_r):
        items = [f"{r.region_name} ({r.first_period_reached})" for r in late_r.itertuples()]
        unsure = late_r.loc[late_r["first_figure_at_target"], "region_name"].tolist()
        text = (
            f"**Reached it later:** {count_noun(len(late_r), 'regency', 'regencies')}, whose "
            f"first figure at or above {target_pct:g} % is dated after the deadline: "
            f"{join_names(items)}, "
            f"each at most {_span(late_r['years_late'])} years late."
        )
        if unsure:
            text += (
                f" For {join_names(unsure)} the first figure is already at or above "
                f"{target_pct:g} %, so {'it' if len(unsure) == 1 else 'they'} may not have been "
                "late at all."
            )
        parts.append(text)
    late_p = v[v["verdict"] == "late, projected"].sort_values("years_late", ascending=False)
    if len(late_p):
        items = []
        for r in late_p.itertuples():
            item = f"{r.region_name}: {years(r.years_late)}"
            if pd.notna(r.lo80) or pd.notna(r.hi80):
                lo = "now" if pd.isna(r.lo80) else f"{r.lo80:+.1f}"
                hi = "beyond the horizon" if pd.isna(r.hi80) else f"{r.hi80:+.1f}"
                item += f" (80 % interval {lo} to {hi})"
            items.append(item)
        parts.append(
            f"**Projected to be late:** {count_noun(len(late_p), 'regency', 'regencies')}, latest "
            "first:\n" + bullets(items)
        )
    off = v[v["verdict"] == "late, not on trend"]
    if len(off):
        parts.append(f"**Not on the current trend:** {join_names(off['region_name'])}.")
    unconf = v[v["verdict"] == "unconfirmed"].sort_values("last_year")
    if len(unconf):
        items = [f"{r.region_name} (last figure {int(r.last_year)})" for r in unconf.itertuples()]
        parts.append(
            f"**Unconfirmed:** {count_noun(len(unconf), 'regency', 'regencies')} whose trend "
            f"crossed {target_pct:g} % before the deadline with no figure showing it: "
            f"{join_names(items)}."
        )
    nodata = v[v["verdict"] == "insufficient data"]
    if len(nodata):
        parts.append(f"**Insufficient data:** {join_names(nodata['region_name'])}.")
    late = v[v["verdict"].isin(findings.LATE_VERDICTS)]
    if len(late):
        by = late.groupby("province_code").size()
        total = v.groupby("province_code").size()
        worst = by.idxmax()
        where = name_of(names, worst)
        lead = f"Lateness is most frequent in {where}:" if len(total) > 1 else f"In {where},"
        parts.append(f"{lead} {by[worst]} of its {total[worst]} regencies are late.")
    return (
        f"**Who is late for {target_pct:g} % by the end of 2024** "
        f"({count_noun(len(v), 'regency', 'regencies')}):\n" + bullets(parts)
    )


def _falls_sentence(falls: pd.DataFrame) -> str:
    if falls.empty:
        return (
            f"**No sharp fall.** No regency's latest figure is {SHARP_FALL_PP:g} points or more "
            "below the one before."
        )
    items = [
        f"{r.region_name} went from {pct(r.before)} ({r.period_before}) to {pct(r.latest)} "
        f"({r.period})"
        for r in falls.itertuples()
    ]
    return (
        f"**Caution on {count_noun(len(falls), 'regency', 'regencies')}.** "
        f"The latest figure is a fall of {SHARP_FALL_PP:g} points or more: {join_names(items)}. "
        "A smooth trend cannot represent such a fall; verdicts resting on the earlier figures "
        "should be read with that in mind."
    )
