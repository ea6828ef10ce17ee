"""The findings table of the README (``uhc-analysis findings``), and notebook 03's verdicts.

:func:`findings_table` has one row per regency/city of the chosen provinces
(and the provinces themselves): latest registered coverage as published, its
date, the status at each headline criterion (``uhc_status.csv``, with the
month of the evidence it rests on) and the projected year of the last one
(``time_to_uhc.csv``, with its 80 % interval). :func:`findings_markdown`
renders it with a summary sentence, :func:`backtest_markdown` the backtest. All are built from the
processed tables only, so they are deterministic.

:func:`target_verdicts` holds the rules of notebook 03: which regencies met
the national target (98 % by the end of 2024) on time, which reached it late,
which are projected to be late, and which are unconfirmed.

Examples
--------
>>> import pandas as pd
>>> proj = pd.DataFrame({
...     "region_code": ["1601", "1602"], "region_name": ["A", "B"],
...     "region_level": "regency", "province_code": "16", "threshold": 98,
...     "model": ["observed", "logit_wls"], "status": ["reached", "on_track"],
...     "first_period_reached": ["2023-03", ""], "year_reached": [2023.2, 2027.5],
...     "year_reached_lo80": [float("nan"), 2026.0], "year_reached_hi80": float("nan"),
...     "first_year": [2021.0, 2020.0], "last_year": [2024.0, 2024.5],
...     "latest_coverage_pct": [99.0, 90.0]})
>>> target_verdicts(proj)[["region_name", "verdict", "years_late"]]
  region_name          verdict  years_late
0           A          on time        -1.8
1           B  late, projected         2.5
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from uhc_analysis import config
from uhc_analysis.analysis.metrics import latest_coverage
from uhc_analysis.ingest.parsing import date_of_decimal_year

#: The national target the regencies were asked to meet: 98 % of residents
#: covered by the end of 2024 (RPJMN 2020-2024), i.e. by decimal year 2025.0.
NATIONAL_TARGET_PCT: float = 98.0
NATIONAL_TARGET_YEAR: float = 2025.0
#: The verdicts of :func:`target_verdicts`, in the order the notebooks list them.
VERDICTS: tuple[str, ...] = (
    "on time",
    "late, reached",
    "late, projected",
    "late, not on trend",
    "unconfirmed",
    "insufficient data",
)
#: The verdicts that count as late.
LATE_VERDICTS: tuple[str, ...] = ("late, reached", "late, projected", "late, not on trend")


#: The criteria of the README's findings table (ids of ``uhc_criteria.csv``).
HEADLINE_CRITERIA: tuple[str, ...] = ("rpjmn_95", "national_98", "uhc_prioritas_2025")


def _month(date: object) -> str:
    text = str(date)
    return text[:7] if text and text != "nan" else ""


def findings_table(
    regions: pd.DataFrame,
    panel: pd.DataFrame,
    status: pd.DataFrame,
    time_to_uhc: pd.DataFrame,
    provinces: tuple[str, ...] = config.FOCUS_PROVINCES,
    criteria: Sequence[str] = HEADLINE_CRITERIA,
) -> pd.DataFrame:
    """Latest coverage, the status at each of ``criteria`` and the projected year of the last.

    ``status`` is ``uhc_status.csv``, ``time_to_uhc`` is ``time_to_uhc.csv``.
    A status cell is ``status (evidence month)``; the last column is the
    default model's median crossing year of the last criterion's thresholds
    (the joint row when it has an activity condition) with its 80 % interval,
    or the month the evidence shows it reached.

    Examples
    --------
    >>> regions = pd.DataFrame({"bps_code": ["17", "1701"], "name": ["Bengkulu", "Kaur"],
    ...                         "kind": ["province", "regency"], "province_code": "17"})
    >>> panel = pd.DataFrame({"region_code": "1701", "measure": "registered",
    ...     "basis": "published", "coverage_pct": [90.0], "date": "2024-01-15",
    ...     "observation_id": "E1", "period": "2024-01", "lower_bound": False})
    >>> st = pd.DataFrame({"region_code": ["1701"], "criterion_id": ["national_98"],
    ...     "status": ["overdue"], "evidence_date": ["2024-01-15"], "min_coverage_pct": [98.0],
    ...     "min_active_pct": [float("nan")]})
    >>> t = pd.DataFrame({"region_code": ["1701"], "measure": ["registered"],
    ...     "threshold": [98.0], "threshold_active": [float("nan")], "status": ["overdue"],
    ...     "year_reached": [2026.4], "year_reached_lo80": [2025.0],
    ...     "year_reached_hi80": [2029.0]})
    >>> findings_table(regions, panel, st, t, criteria=["national_98"]).iloc[1].to_dict()
    ... # doctest: +NORMALIZE_WHITESPACE
    {'code': '1701', 'region': 'Kaur', 'province': '17', 'latest coverage %': '90.00',
     'as of': '2024-01', 'national_98': 'overdue (2024-01)',
     'national_98: projected year (80 % interval)': '2026.4 (2025–2029)'}
    """
    regions = regions[regions["province_code"].isin(provinces)]
    latest = latest_coverage(panel).set_index("region_code")
    by = status.set_index(["region_code", "criterion_id"])
    last = status.loc[status["criterion_id"].eq(criteria[-1])]
    cov = float(last["min_coverage_pct"].iloc[0]) if len(last) else float("nan")
    act = float(last["min_active_pct"].iloc[0]) if len(last) else float("nan")
    t = time_to_uhc.loc[time_to_uhc["threshold"].astype(float).eq(cov)]
    if pd.notna(act):
        t = t.loc[t["measure"].eq("joint") & t["threshold_active"].astype(float).eq(act)]
    else:
        t = t.loc[t["measure"].eq("registered")]
    t = t.set_index("region_code")
    rows = []
    for reg in regions.sort_values(
        ["province_code", "kind", "bps_code"],
        key=lambda s: s.map({"province": "0"}).fillna(s) if s.name == "kind" else s,
    ).itertuples(index=False):
        code = reg.bps_code
        lat = latest.loc[code] if code in latest.index else None
        row: dict[str, str] = {
            "code": code,
            "region": reg.name,
            "province": reg.province_code,
            "latest coverage %": ""
            if lat is None
            else f"{lat['coverage_pct']:.2f}" + (" (≥)" if bool(lat["lower_bound"]) else ""),
            "as of": "" if lat is None else lat["period"],
        }
        for c in criteria:
            if (code, c) in by.index:
                r = by.loc[(code, c)]
                month = _month(r["evidence_date"])
                row[c] = str(r["status"]) + (f" ({month})" if month else "")
            else:
                row[c] = ""
        year = ""
        if code in t.index:
            p = t.loc[code]
            if p["status"] == "reached":
                year = f"reached {_month(date_of_decimal_year(float(p['year_reached'])))}"
            elif pd.notna(p["year_reached"]):
                lo, hi = p["year_reached_lo80"], p["year_reached_hi80"]
                interval = (
                    f" ({float(lo):.0f}–{float(hi):.0f})"
                    if pd.notna(lo) and pd.notna(hi)
                    else f" (from {float(lo):.0f})"
                    if pd.notna(lo)
                    else ""
                )
                year = f"{float(p['year_reached']):.1f}{interval}"
            else:
                year = "not on the current trend"
        row[f"{criteria[-1]}: projected year (80 % interval)"] = year
        rows.append(row)
    return pd.DataFrame(rows)


def _markdown_rows(table: pd.DataFrame, fmt: object = str) -> list[str]:
    """Header, rule and rows of a GitHub Markdown table.

    ``DataFrame.to_markdown`` needs ``tabulate`` (not a dependency) and pads
    every cell to the column width, which would rewrite the README block.
    """
    cols = [str(c) for c in table.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    lines += [
        "| " + " | ".join(fmt(v) for v in row) + " |"  # type: ignore[operator]
        for row in table.itertuples(index=False)
    ]
    return lines


def findings_markdown(table: pd.DataFrame, status: pd.DataFrame) -> str:
    """The table as GitHub Markdown, after one sentence per headline criterion counting statuses.

    Examples
    --------
    >>> t = pd.DataFrame({"code": ["17", "1701"], "province": ["17", "17"],
    ...                   "national_98": ["confirmed (2025-01)", "overdue (2024-01)"]})
    >>> st = pd.DataFrame({"region_code": ["17", "1701"], "criterion_id": "national_98",
    ...     "status": ["confirmed", "overdue"], "evaluated_at": "2026-12-02"})
    >>> print(findings_markdown(t, st).splitlines()[0])  # doctest: +NORMALIZE_WHITESPACE
    Of 2 regions (1 province and their regencies/cities): national_98 (on 2026-12-02):
    1 confirmed, 1 overdue.
    """
    from uhc_analysis.schemas import UHC_STATUSES

    lines = _markdown_rows(table)
    n = len(table)
    n_prov = table["province"].nunique()
    codes = set(table["code"])
    parts = []
    for c in [c for c in table.columns if c in set(status["criterion_id"])]:
        g = status.loc[status["criterion_id"].eq(c) & status["region_code"].isin(codes)]
        counts = g["status"].value_counts()
        said = [f"{int(counts[s])} {s.replace('_', ' ')}" for s in UHC_STATUSES if s in counts]
        when = ", ".join(sorted(g["evaluated_at"].astype(str).unique()))
        parts.append(f"{c} (on {when}): " + ", ".join(said))
    summary = (
        f"Of {n} regions ({n_prov} province{'s' if n_prov != 1 else ''} and their "
        f"regencies/cities): " + "; ".join(parts) + "."
    )
    return summary + "\n\n" + "\n".join(lines) + "\n"


def backtest_markdown(scores: pd.DataFrame) -> str:
    """The strict as-of backtest (``backtest_scores.csv``) and its targets as Markdown.

    Examples
    --------
    >>> import pandas as pd
    >>> sc = pd.DataFrame({"set": ["tuning", "test"], "subset": "all", "n": [176, 128],
    ...     "mae": [7.2, 4.1], "bias": [-3.6, 1.0], "mae_last_value": [12.9, 6.6],
    ...     "mae_ratio": [0.56, 0.61], "coverage80": [0.73, 0.91], "coverage80_lo": [0.66, 0.84],
    ...     "coverage80_hi": [0.79, 0.95], "brier": [0.22, 0.13], "brier_naive": [0.56, 0.26]})
    >>> backtest_markdown(sc).splitlines()[4]
    '| tuning | all | 176 | 7.20 | -3.60 | 12.90 | 0.56 | 0.73 (0.66-0.79) | 0.220 | 0.560 |'
    """
    from uhc_analysis.analysis.forecast.backtest import target_checks

    cols = ["set", "subset", "n", "mae", "bias", "mae_last_value", "mae_ratio"]
    head = [
        "set", "subset", "forecasts", "MAE (pp)", "bias (pp)", "MAE last value (pp)",
        "MAE ratio", "inside 80 % interval (95 % CI)", "Brier", "Brier naive",
    ]  # fmt: skip
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for r in scores.to_dict("records"):
        cells = [str(r[c]) for c in cols[:3]]
        cells += [f"{float(r[c]):.2f}" for c in cols[3:]]
        cells.append(
            f"{float(r['coverage80']):.2f} ({float(r['coverage80_lo']):.2f}-"
            f"{float(r['coverage80_hi']):.2f})"
        )
        cells += [f"{float(r['brier']):.3f}", f"{float(r['brier_naive']):.3f}"]
        lines.append("| " + " | ".join(cells) + " |")
    checks = target_checks(scores)
    items = [
        f"- {c['set']}: {c['target']}: {c['value']:.3g}, {'met' if c['met'] else 'NOT met'}"
        for c in checks.to_dict("records")
    ]
    return (
        "Strict as-of rolling backtest of the default model (`uhc-analysis project` writes it, "
        "`python benchmarks/backtest.py` prints it): at each origin (1 January and 1 July) "
        "everything dated after it is removed, the production forecast runs on the rest and "
        "predicts the figures published 0.5-3 years later. Each region's newest figure is the "
        "test set, all others the tuning set (settings were chosen on tuning only); bias = "
        "forecast - actual; the naive rule says a region is at or above 95 % when its latest "
        "figure is.\n\n"
        + "\n".join(lines)
        + "\n\nTargets (issue 12):\n\n"
        + "\n".join(items)
        + "\n"
    )


# --------------------------------------------------------------------------- notebook 03


def map_threshold(thresholds: Sequence[float]) -> float:
    """The threshold of the projected-year and gap maps: the national target when asked for.

    Examples
    --------
    >>> map_threshold([95, 98, 100]), map_threshold([95, 100])
    (98.0, 95.0)
    """
    values = [float(t) for t in thresholds]
    if not values:
        raise ValueError("no threshold given")
    return NATIONAL_TARGET_PCT if NATIONAL_TARGET_PCT in values else values[0]


def target_verdicts(
    projections: pd.DataFrame,
    target_pct: float = NATIONAL_TARGET_PCT,
    target_year: float = NATIONAL_TARGET_YEAR,
) -> pd.DataFrame:
    """Who met the target (``target_pct`` by decimal year ``target_year``) on time, and who is late.

    One row per regency/city of ``projections`` (``projections.csv``) at
    ``target_pct``; the provinces themselves are left out. ``years_late`` is
    ``year_reached - target_year``: the date of the first figure at or above
    the target for a region that reached it, the projected crossing for the
    others (with ``lo80``/``hi80`` from the 80 % interval). The rules:

    ``on time``
        reached, the first figure at or above the target is dated by ``target_year``;
    ``late, reached``
        reached, but the first such figure is dated later: the crossing
        happened before that figure, so ``years_late`` is the most it was late
        by; when even the region's first figure is at or above the target
        (``first_figure_at_target``) we cannot tell whether it was late at all;
    ``late, projected``
        on track, the trend crosses the target after ``target_year`` (or
        beyond the projection horizon);
    ``late, not on trend``
        not reached, and the current trend does not reach it;
    ``unconfirmed``
        on track, the trend crossed the target by ``target_year``, but no
        figure shows it (the latest figure, ``last_year``, is older or lower);
    ``insufficient data``
        too little data to say.

    Raises
    ------
    ValueError
        When ``projections`` has no row at ``target_pct``.

    Examples
    --------
    >>> import pandas as pd
    >>> proj = pd.DataFrame({"region_code": ["1", "2", "3"], "region_name": ["A", "B", "C"],
    ...     "region_level": "regency", "province_code": "16", "threshold": 98.0,
    ...     "model": "m", "status": ["reached", "on_track", "insufficient_data"],
    ...     "first_period_reached": ["2026-01", "", ""],
    ...     "year_reached": [2026.04, 2024.5, float("nan")],
    ...     "year_reached_lo80": float("nan"), "year_reached_hi80": float("nan"),
    ...     "first_year": [2026.04, 2020.0, float("nan")], "last_year": [2026.04, 2021.0,
    ...     float("nan")], "latest_coverage_pct": [99.0, 95.0, float("nan")]})
    >>> target_verdicts(proj)[["region_name", "verdict", "first_figure_at_target"]]
      region_name            verdict  first_figure_at_target
    0           A      late, reached                    True
    1           B        unconfirmed                   False
    2           C  insufficient data                   False
    """
    at = projections[
        (projections["threshold"].astype(float) == float(target_pct))
        & (projections["region_level"] == "regency")
    ]
    if at.empty and not projections.empty:
        found = sorted(set(projections["threshold"].astype(float)))
        raise ValueError(
            f"projections have no rows at {target_pct:g} % (thresholds {found}); "
            "run `uhc-analysis project` with that threshold"
        )
    year = at["year_reached"].astype(float)
    late = year > target_year
    status = at["status"]
    verdict = pd.Series("insufficient data", index=at.index, dtype=object)
    verdict[(status == "reached") & ~late] = "on time"
    verdict[(status == "reached") & late] = "late, reached"
    pending = status.isin(["on_track", "overdue"])  # projected, not yet shown by a figure
    verdict[pending & (late | year.isna())] = "late, projected"
    verdict[pending & (year <= target_year)] = "unconfirmed"
    verdict[status == "not_on_current_trend"] = "late, not on trend"
    out = pd.DataFrame(
        {
            "region_code": at["region_code"],
            "region_name": at["region_name"],
            "province_code": at["province_code"],
            "verdict": verdict,
            "status": status,
            "model": at["model"],
            "latest_coverage_pct": at["latest_coverage_pct"].astype(float),
            "last_year": at["last_year"].astype(float),
            "first_period_reached": at["first_period_reached"],
            "years_late": (year - target_year).round(3),
            "lo80": (at["year_reached_lo80"].astype(float) - target_year).round(3),
            "hi80": (at["year_reached_hi80"].astype(float) - target_year).round(3),
            "first_figure_at_target": (status == "reached")
            & (year <= at["first_year"].astype(float) + 1e-6),
        }
    )
    return out.sort_values(["province_code", "region_code"], kind="mergesort").reset_index(
        drop=True
    )


def verdict_counts(verdicts: pd.DataFrame) -> pd.DataFrame:
    """Regencies per verdict (rows, in :data:`VERDICTS` order) and province, with totals.

    Examples
    --------
    >>> import pandas as pd
    >>> v = pd.DataFrame({"verdict": ["on time", "on time", "unconfirmed"],
    ...                   "province_code": ["16", "17", "17"], "region_code": ["a", "b", "c"]})
    >>> verdict_counts(v).to_dict("index")  # doctest: +NORMALIZE_WHITESPACE
    {'on time': {'16': 1, '17': 1, 'all': 2}, 'unconfirmed': {'16': 0, '17': 1, 'all': 1},
     'all': {'16': 1, '17': 2, 'all': 3}}
    """
    table = pd.crosstab(verdicts["verdict"], verdicts["province_code"])
    order = [v for v in VERDICTS if v in table.index]
    table = table.reindex(order + sorted(set(table.index) - set(order)))
    table["all"] = table.sum(axis=1)
    table.loc["all"] = table.sum(axis=0)
    return table.astype(int)


__all__ = [
    "LATE_VERDICTS",
    "NATIONAL_TARGET_PCT",
    "NATIONAL_TARGET_YEAR",
    "VERDICTS",
    "backtest_markdown",
    "findings_markdown",
    "findings_table",
    "map_threshold",
    "target_verdicts",
    "verdict_counts",
]


def status_markdown(status: pd.DataFrame, recent_months: float | None = None) -> str:
    """Counts of regions by criterion and status, as Markdown, with the evidence ages.

    ``status`` is ``uhc_status.csv`` (:func:`uhc_analysis.analysis.uhc_status.uhc_status`);
    one row per criterion in force, in the vocabulary of the status module.

    Examples
    --------
    >>> s = pd.DataFrame({"criterion_id": ["national_98"] * 3, "in_force": [True] * 3,
    ...                   "status": ["confirmed", "confirmed", "stale"],
    ...                   "evaluated_at": ["2026-12-02"] * 3,
    ...                   "evidence_age_months": [3.0, 20.0, 40.0]})
    >>> print(status_markdown(s))  # doctest: +NORMALIZE_WHITESPACE
    Status of 3 regions on 2026-12-02 ...
    | criterion | confirmed | stale | median age of evidence (months) |
    |---|---|---|---|
    | national_98 | 2 | 1 | 20 |
    """
    from uhc_analysis.analysis.uhc_status import StatusSettings
    from uhc_analysis.schemas import UHC_STATUSES

    recent = StatusSettings().recent_months if recent_months is None else recent_months
    now = status[status["in_force"]]
    counts = now.groupby(["criterion_id", "status"]).size().unstack(fill_value=0)
    counts = counts[[s for s in UHC_STATUSES if s in counts.columns]]
    ages = now.groupby("criterion_id")["evidence_age_months"].median()
    counts["median age of evidence (months)"] = ages.round(0).astype("Int64")
    counts = counts.reset_index().rename(columns={"criterion_id": "criterion"})
    n = int(now.groupby("criterion_id").size().max()) if len(now) else 0
    when = ", ".join(sorted(now["evaluated_at"].astype(str).unique()))
    head = (
        f"Status of {n} regions on {when} against every UHC criterion in force "
        "(`uhc_status.csv`: each row names its evidence, the evidence's date and age, and "
        "a reason). `confirmed` needs a figure or award at or above the threshold within "
        f"the last {recent:g} months; a region without its own activity figures is "
        "`borrowed_trend` on criteria with an activity condition (its path is the pooled "
        "trend of the regions with figures)."
    )
    return head + "\n\n" + "\n".join(_markdown_rows(counts)) + "\n"
