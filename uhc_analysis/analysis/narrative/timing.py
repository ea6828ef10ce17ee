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
    `uhc-analysis project` projects the provinces of ForecastSettings.provinces. The `basis`
    parameter (bps) does not apply to the projections, which `uhc-analysis project` makes on
    the `published` basis (ForecastSettings.basis).
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
            "the provinces of ForecastSettings.provinces."
        )
    if basis != projected_basis:
        text += (
            f" The `basis` parameter ({basis}) does not apply to the projections, which "
            f"`uhc-analysis project` makes on the `{projected_basis}` basis "
            "(ForecastSettings.basis)."
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
    model: str = "rw_drift",
    target_pct: float = findings.NATIONAL_TARGET_PCT,
    status: pd.DataFrame | None = None,
    criterion: str = "national_98",
) -> str:
    """Findings of notebook 03: status at the target, the backtest, who is late, cautions.

    ``projections`` and ``panel`` restricted to the provinces shown;
    ``verdicts`` is :func:`findings.target_verdicts` of those projections;
    ``backtest`` is ``backtest_scores.csv``; ``model`` names the default model.
    With ``status`` (``uhc_status.csv``, restricted to the same provinces) the
    headline counts are that table's statuses at ``criterion``, with the date
    they were evaluated at; without it, the projections' statuses at ``target_pct``.
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
    headline = (
        f"**Status at {target_pct:g} %** (regencies and cities):\n\n"
        + markdown_table(
            rows, ["province", "reached", "on track", "not on current trend", "insufficient data"]
        )
        + (f"\n\nReached {join_names(others)}." if others else "")
    )
    if status is not None:
        headline = _status_headline(status, criterion, names)
    return "\n".join(
        [
            "## Findings",
            "",
            bullets(
                [
                    headline,
                    _backtest_sentence(backtest, model),
                    _lateness(verdicts, names, target_pct),
                    _falls_sentence(tables.sharp_falls(panel, SHARP_FALL_PP)),
                ]
            ),
            "",
        ]
    )


def _status_headline(status: pd.DataFrame, criterion: str, names: Mapping[str, str]) -> str:
    """Counts of ``uhc_status`` statuses per province at ``criterion`` (regencies and cities)."""
    from uhc_analysis.schemas import UHC_STATUSES

    at = status.loc[status["criterion_id"].eq(criterion) & status["region_level"].eq("regency")]
    if not len(at):
        return f"**Status at `{criterion}`:** `uhc_status.csv` has no row for it."
    present = [s for s in UHC_STATUSES if s in set(at["status"])]
    rows = []
    for code, g in at.groupby("province_code", sort=True):
        count = g["status"].value_counts()
        rows.append([name_of(names, code), *(int(count.get(s, 0)) for s in present), len(g)])
    first = at.iloc[0]
    thresholds = f">= {float(first['min_coverage_pct']):g} % registered"
    if pd.notna(first["min_active_pct"]):
        thresholds += f", >= {float(first['min_active_pct']):g} % active"
    when = ", ".join(sorted(at["evaluated_at"].astype(str).unique()))
    ages = at["evidence_age_months"].astype(float)
    return (
        f"**Status at `{criterion}` ({thresholds}) on {when}** (regencies and cities; each "
        f"status rests on a dated figure, award or projection; median age of that evidence "
        f"{ages.median():.0f} months):\n\n"
        + markdown_table(rows, ["province", *(s.replace("_", " ") for s in present), "regions"])
    )


def _backtest_sentence(scores: pd.DataFrame, model: str) -> str:
    """What the strict as-of backtest (``backtest_scores.csv``) says of the default model."""
    by = scores.set_index(["set", "subset"]) if len(scores) else scores
    if not len(scores) or ("test", "all") not in by.index or ("tuning", "all") not in by.index:
        return "**Backtest.** `backtest_scores.csv` has no tuning and test rows."
    tune, test = by.loc[("tuning", "all")], by.loc[("test", "all")]
    beats = bool(tune["mae_ratio"] < 1 and test["mae_ratio"] < 1)
    verdict = (
        "beats carrying the last figure forward" if beats else "does not beat every naive baseline"
    )
    bias = float(test["bias"])
    direction = "over-forecasts" if bias > 0 else "under-forecasts"
    return (
        f"**The default model (`{model}`) {verdict}.** In a rolling backtest that only knows what "
        f"was published before each origin, it missed the {int(tune['n'])} tuning figures by "
        f"{tune['mae']:.2f} points on average ({tune['mae_ratio']:.2f} x the error of the last "
        f"figure) and the {int(test['n'])} newest figures (test) by {test['mae']:.2f} points "
        f"({test['mae_ratio']:.2f} x). Its 80 % intervals held {100 * tune['coverage80']:.0f} % "
        f"of the tuning and {100 * test['coverage80']:.0f} % of the test figures. On the test "
        f"set it {direction} by {abs(bias):.1f} points on average."
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
