"""The tables the notebooks show, built from the processed outputs.

Each function takes processed tables (as read by :func:`uhc_analysis.io.read_table`)
and returns a frame to display; none reads or writes a file and none reruns a
stage. The notebooks only call these and
:mod:`uhc_analysis.analysis.narrative` (the sentences), so what they show is
tested here rather than in notebook cells.

Examples
--------
>>> import pandas as pd
>>> latest = pd.DataFrame({"province_code": ["16", "16", "17"], "region_level": "regency",
...                        "coverage_pct": [99.0, 90.0, 96.0]})
>>> threshold_counts(latest, [95, 98]).to_dict("index")  # doctest: +NORMALIZE_WHITESPACE
{'16': {'>= 95 %': 1, '>= 98 %': 1, 'regencies_with_a_figure': 2},
 '17': {'>= 95 %': 1, '>= 98 %': 0, 'regencies_with_a_figure': 1}}
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from uhc_analysis.transform.observations import CleanResult

#: Fields of :class:`~uhc_analysis.transform.observations.CleanResult` and the processed
#: table each is written to by ``uhc-analysis build`` (the same name, but ``manifest``).
CLEAN_TABLES: dict[str, str] = {
    f.name: "raw_manifest" if f.name == "manifest" else f.name
    for f in dataclasses.fields(CleanResult)
}
#: Columns of ``budget_check.csv`` the notebooks show.
BUDGET_COLUMNS: tuple[str, ...] = (
    "region_name",
    "period",
    "segment",
    "budget_idr",
    "people_funded",
    "idr_per_person_month",
    "rate_in_force_month",
    "months_covered",
)
#: Months of class III contributions per person a budget line pays: the groups of
#: :func:`budget_line_groups`, as ``(label, lower bound, upper bound)``, lower
#: bound included. A year's worth is 10 to 13 months (lines rarely match the
#: rate exactly: mid-year rate changes, rounded budgets).
BUDGET_GROUPS: tuple[tuple[str, float, float], ...] = (
    ("less than a year", 0.0, 10.0),
    ("a full year", 10.0, 13.0),
    ("more than a year", 13.0, 24.0),
    ("far more than contributions", 24.0, np.inf),
)
#: Figure files the figures stage writes: name prefix -> what they show. A
#: ``_all_`` in the name means the three-province version.
FIGURE_KINDS: dict[str, str] = {
    "map_coverage": "coverage map",
    "map_projected_year": "projected-year map",
    "map_gap": "gap map",
    "map_status": "UHC-status map",
    "map_activity": "activity map",
    "chart_activity": "ranked activity rates",
    "chart_ranked": "ranked bars",
    "chart_trends": "small multiples of a province",
    "chart_trend": "trend of one regency",
}


def clean_result(tables: Mapping[str, pd.DataFrame]) -> CleanResult:
    """The build's :class:`CleanResult` again, from its processed tables (:data:`CLEAN_TABLES`).

    Examples
    --------
    >>> import pandas as pd
    >>> r = clean_result({k: pd.DataFrame() for k in CLEAN_TABLES})
    >>> type(r).__name__
    'CleanResult'
    """
    missing = sorted(set(CLEAN_TABLES) - set(tables))
    if missing:
        raise KeyError(f"clean_result needs the tables {missing}")
    return CleanResult(**{field: tables[field] for field in CLEAN_TABLES})


def in_provinces(frame: pd.DataFrame, provinces: Sequence[str]) -> pd.DataFrame:
    """The rows of ``frame`` in ``provinces`` (by ``province_code``, else the code prefix).

    Examples
    --------
    >>> import pandas as pd
    >>> in_provinces(pd.DataFrame({"region_code": ["16", "1701"]}), ["17"])["region_code"].tolist()
    ['1701']
    """
    codes = [str(p) for p in provinces]
    if "province_code" in frame.columns:
        keep = frame["province_code"].isin(codes)
    else:
        keep = frame["region_code"].astype(str).str[:2].isin(codes)
    return frame[keep].reset_index(drop=True)


def require_thresholds(frame: pd.DataFrame, thresholds: Iterable[float], name: str) -> pd.DataFrame:
    """The rows of ``frame`` at ``thresholds``; a clear error if one of them is not in the table.

    ``metrics.csv`` and ``projections.csv`` are computed at fixed thresholds
    (``config.THRESHOLDS``); a notebook asked for another one must say so
    rather than show empty tables.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"threshold": [95, 98]})
    >>> len(require_thresholds(t, [98], "metrics.csv"))
    1
    >>> require_thresholds(t, [90], "metrics.csv")  # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    ...
    ValueError: metrics.csv has thresholds 95, 98 and not 90: pass thresholds among them
    (the stages compute config.THRESHOLDS)
    """
    wanted = [float(t) for t in thresholds]
    have = sorted(set(frame["threshold"].astype(float)))
    absent = [t for t in wanted if t not in have]
    if absent and not frame.empty:
        raise ValueError(
            f"{name} has thresholds {', '.join(f'{t:g}' for t in have)} and not "
            f"{', '.join(f'{t:g}' for t in absent)}: pass thresholds among them "
            "(the stages compute config.THRESHOLDS)"
        )
    return frame[frame["threshold"].astype(float).isin(wanted)].reset_index(drop=True)


def measure_counts(enrolment: pd.DataFrame) -> pd.DataFrame:
    """Enrolment observations per province (rows) and measure (columns).

    Examples
    --------
    >>> import pandas as pd
    >>> e = pd.DataFrame({"province_code": ["16", "16", "17"], "observation_id": ["a", "b", "c"],
    ...                   "measure": ["registered", "active", "registered"]})
    >>> measure_counts(e).to_dict("index")
    {'16': {'active': 1, 'registered': 1}, '17': {'active': 0, 'registered': 1}}
    """
    return enrolment.pivot_table(
        index="province_code",
        columns="measure",
        values="observation_id",
        aggfunc="count",
        fill_value=0,
    ).rename_axis(index=None, columns=None)


def bases_by_period(panel: pd.DataFrame, level: str = "province") -> pd.DataFrame:
    """Registered coverage of the regions at ``level``, per period, on each basis (columns).

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"region_level": "province", "measure": "registered",
    ...     "region_name": "Bengkulu", "period": "2024-08", "basis": ["published", "bps"],
    ...     "coverage_pct": [99.9, 97.0]})
    >>> bases_by_period(p).to_dict("index")
    {('Bengkulu', '2024-08'): {'published': 99.9, 'dukcapil': nan, 'bps': 97.0}}
    """
    rows = panel[(panel["region_level"] == level) & (panel["measure"] == "registered")]
    table = rows.pivot_table(
        index=["region_name", "period"], columns="basis", values="coverage_pct", aggfunc="first"
    )
    return table.reindex(columns=["published", "dukcapil", "bps"]).rename_axis(columns=None)


def threshold_counts(latest: pd.DataFrame, thresholds: Iterable[float]) -> pd.DataFrame:
    """Per province: regencies at or above each threshold at their latest figure, and with one."""
    reg = latest[latest["region_level"] == "regency"]
    by = reg.groupby("province_code")["coverage_pct"]
    out = pd.DataFrame(
        {f">= {t:g} %": by.apply(lambda s, t=t: int((s >= t).sum())) for t in thresholds}
    )
    out["regencies_with_a_figure"] = by.size()
    return out.rename_axis(index=None)


def basis_comparison(panel: pd.DataFrame) -> pd.DataFrame:
    """Each regency's latest registered figure that can be put on both the Dukcapil and BPS basis.

    Columns ``published``, ``dukcapil``, ``bps`` (coverage %) and
    ``bps_minus_dukcapil`` (points); index province, region, date. Empty (with
    these columns) when no figure has both denominators.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"region_level": "regency", "measure": "registered",
    ...     "province_code": "64", "region_name": "Paser", "date": "2022-06-15",
    ...     "basis": ["published", "dukcapil", "bps"], "coverage_pct": [76.0, 76.0, 80.4]})
    >>> basis_comparison(p)["bps_minus_dukcapil"].round(1).tolist()
    [4.4]
    >>> basis_comparison(p[p["basis"] != "bps"]).empty
    True
    """
    cols = ["published", "dukcapil", "bps"]
    rows = panel[(panel["region_level"] == "regency") & (panel["measure"] == "registered")]
    wide = rows.pivot_table(
        index=["province_code", "region_name", "date"],
        columns="basis",
        values="coverage_pct",
        aggfunc="first",
    ).reindex(columns=cols)
    both = wide.dropna(subset=["dukcapil", "bps"])
    both = both.groupby(level=["province_code", "region_name"]).tail(1).copy()
    both["bps_minus_dukcapil"] = both["bps"] - both["dukcapil"]
    return both.rename_axis(columns=None)


def registered_vs_active(panel: pd.DataFrame, basis: str = "published") -> pd.DataFrame:
    """Every active-coverage figure next to the latest registered figure on or before its date.

    ``registered_minus_active`` is in points; ``registered_date`` is the date
    of the registered figure (NaT when the region has none that early).

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"region_code": "6403", "region_name": "Kukar", "basis": "published",
    ...     "measure": ["registered", "active"], "date": ["2024-09-01", "2024-09-15"],
    ...     "coverage_pct": [103.6, 78.6]})
    >>> registered_vs_active(p)["registered_minus_active"].round(1).tolist()
    [25.0]
    >>> registered_vs_active(p[p["measure"] == "registered"]).empty
    True
    """
    when = {"date": lambda df: pd.to_datetime(df["date"])}
    on = panel[panel["basis"] == basis]
    active = on[on["measure"] == "active"].assign(**when).sort_values("date")
    registered = on[on["measure"] == "registered"].assign(**when).sort_values("date")
    if active.empty:
        cols = ["region_code", "region_name", "date", "coverage_pct_active"]
        cols += ["coverage_pct_registered", "registered_date", "registered_minus_active"]
        return pd.DataFrame(columns=cols)
    registered["date"] = registered["date"].astype(active["date"].dtype)
    paired = pd.merge_asof(
        active[["region_code", "region_name", "date", "coverage_pct"]],
        registered[["region_code", "date", "coverage_pct"]].assign(
            registered_date=lambda d: d["date"]
        ),
        on="date",
        by="region_code",
        suffixes=("_active", "_registered"),
    )
    paired["registered_minus_active"] = (
        paired["coverage_pct_registered"] - paired["coverage_pct_active"]
    )
    return paired.sort_values(["region_code", "date"], kind="mergesort").reset_index(drop=True)


def regency_metrics(metrics: pd.DataFrame, basis: str | None = None) -> pd.DataFrame:
    """The registered-coverage rows of the regencies in ``metrics.csv`` (one basis, or all)."""
    keep = (metrics["measure"] == "registered") & (metrics["region_level"] == "regency")
    if basis is not None:
        keep &= metrics["basis"] == basis
    return metrics[keep].reset_index(drop=True)


def gaps_below(metrics: pd.DataFrame, basis: str, threshold: float) -> pd.DataFrame:
    """Regencies below ``threshold`` on ``basis``: people to enrol and their yearly budget (Rp bn).

    Sorted by gap, largest first; a regency whose source gave no population
    has an empty gap (``NaN``) and comes last.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"measure": "registered", "region_level": "regency",
    ...     "basis": "published", "threshold": 98, "status": "below",
    ...     "province_code": "64", "region_name": ["Paser", "X"], "period": "2022",
    ...     "coverage_pct": [76.0, 90.0], "gap_people": [61600.0, float("nan")],
    ...     "budget_idr_year": [31.0e9, float("nan")]})
    >>> gaps_below(m, "published", 98)["budget_idr_bn_year"].tolist()
    [31.0, nan]
    """
    m = regency_metrics(metrics, basis)
    m = m[(m["threshold"].astype(float) == float(threshold)) & (m["status"] == "below")]
    out = m.assign(budget_idr_bn_year=m["budget_idr_year"] / 1e9)[
        [
            "province_code",
            "region_name",
            "period",
            "coverage_pct",
            "gap_people",
            "budget_idr_bn_year",
        ]
    ]
    return out.sort_values("gap_people", ascending=False, na_position="last").reset_index(drop=True)


def gap_totals(metrics: pd.DataFrame) -> pd.DataFrame:
    """Per province, basis and threshold: regencies below, of which with no known gap, sums.

    ``gap_people`` and ``budget_idr_bn_year`` sum the known gaps only.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"measure": "registered", "region_level": "regency",
    ...     "basis": "published", "threshold": 98, "province_code": "17",
    ...     "status": ["below", "below", "at_or_above"],
    ...     "gap_people": [100.0, float("nan"), 0.0], "budget_idr_year": [5e8, float("nan"), 0]})
    >>> gap_totals(m).to_dict("records")
    [{'below': 2, 'gap_unknown': 1, 'gap_people': 100.0, 'budget_idr_bn_year': 0.5}]
    """
    m = regency_metrics(metrics)
    below = m["status"] == "below"
    return (
        m.assign(below=below, gap_unknown=below & m["gap_people"].isna())
        .groupby(["province_code", "basis", "threshold"])
        .agg(
            below=("below", "sum"),
            gap_unknown=("gap_unknown", "sum"),
            gap_people=("gap_people", "sum"),
            budget_idr_bn_year=("budget_idr_year", lambda s: s.sum() / 1e9),
        )
    ).astype({"below": int, "gap_unknown": int})


def budget_line_groups(checks: pd.DataFrame) -> pd.Series:
    """The :data:`BUDGET_GROUPS` label of each budget line (by ``months_covered``; else ``""``).

    Examples
    --------
    >>> import pandas as pd
    >>> budget_line_groups(pd.DataFrame({"months_covered": [0.6, 12.0, 14.1, 367.0]})).tolist()
    ['less than a year', 'a full year', 'more than a year', 'far more than contributions']
    """
    edges = [g[1] for g in BUDGET_GROUPS] + [BUDGET_GROUPS[-1][2]]
    labels = [g[0] for g in BUDGET_GROUPS]
    groups = pd.cut(checks["months_covered"], bins=edges, labels=labels, right=False)
    return groups.astype(object).where(groups.notna(), "").astype(str)


def status_counts(projections: pd.DataFrame, level: str = "regency") -> pd.DataFrame:
    """Regions at ``level`` per province and threshold (rows) and projection status (columns).

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"region_level": "regency", "province_code": "17", "threshold": 98,
    ...     "status": ["reached", "on_track", "reached"], "region_code": ["a", "b", "c"]})
    >>> status_counts(p).to_dict("index")
    {('17', 98): {'reached': 2, 'on_track': 1}}
    """
    order = ["reached", "on_track", "overdue", "not_on_current_trend", "insufficient_data"]
    rows = projections[projections["region_level"] == level]
    table = rows.pivot_table(
        index=["province_code", "threshold"],
        columns="status",
        values="region_code",
        aggfunc="count",
        fill_value=0,
    )
    cols = [c for c in order if c in table.columns] + sorted(set(table.columns) - set(order))
    return table[cols].rename_axis(columns=None)


def pending(projections: pd.DataFrame) -> pd.DataFrame:
    """Regencies not yet at a threshold, with the projection of each (sorted by threshold, year)."""
    rows = projections[
        (projections["region_level"] == "regency") & (projections["status"] != "reached")
    ]
    cols = [
        "province_code",
        "region_name",
        "threshold",
        "status",
        "model",
        "n_obs",
        "latest_coverage_pct",
        "year_reached",
        "year_reached_lo80",
        "year_reached_hi80",
    ]
    return (
        rows[cols]
        .sort_values(["threshold", "province_code", "year_reached"], kind="mergesort")
        .reset_index(drop=True)
    )


def time_to_target(
    time_to_uhc: pd.DataFrame, coverage_pct: float, active_pct: float | None = None
) -> pd.DataFrame:
    """When each region meets one target of ``time_to_uhc.csv``, as a table to read.

    ``coverage_pct`` alone is the registered-coverage target; with
    ``active_pct`` the joint one (both met on the same simulated path, e.g.
    UHC prioritas 98 % and 80 %). Rows: region; columns: status, the median
    projected year and its 80 % interval (empty where the threshold is
    ``reached``), the probability that it is met today, the latest registered
    figure and its date, whether the path is borrowed, and the reason.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"province_code": "17", "region_name": ["A", "B"],
    ...     "region_code": ["1701", "1702"], "measure": "joint", "threshold": 98.0,
    ...     "threshold_active": 80.0, "status": ["on_track", "reached"],
    ...     "year_reached": [2028.25, 2024.5], "year_reached_lo80": [2027.0, 2024.5],
    ...     "year_reached_hi80": [2031.0, 2024.5], "probability_at_or_above": [0.1, 0.9],
    ...     "latest_pct": [90.0, 99.0], "latest_date": [2025.5, 2025.0],
    ...     "borrowed_trend": [False, True], "reason": ["r", "s"]})
    >>> time_to_target(t, 98, 80)["projected year"].tolist()
    [nan, 2028.2]
    """
    t = time_to_uhc.loc[time_to_uhc["threshold"].astype(float).eq(float(coverage_pct))]
    if active_pct is None:
        t = t.loc[t["measure"].eq("registered")]
    else:
        t = t.loc[t["measure"].eq("joint") & t["threshold_active"].astype(float).eq(active_pct)]
    pending = t["status"].ne("reached")
    year = t["year_reached"].astype(float).where(pending)
    out = pd.DataFrame(
        {
            "province_code": t["province_code"],
            "region_name": t["region_name"],
            "status": t["status"],
            "projected year": year.round(1),
            "80 % from": t["year_reached_lo80"].astype(float).where(pending).round(1),
            "80 % to": t["year_reached_hi80"].astype(float).where(pending).round(1),
            "P(met today)": t["probability_at_or_above"].astype(float).round(2),
            "latest registered %": t["latest_pct"].astype(float).round(2),
            "latest figure (year)": t["latest_date"].astype(float).round(2),
            "borrowed trend": t["borrowed_trend"].astype(bool),
            "reason": t["reason"],
        }
    )
    order = {"reached": 0, "on_track": 1, "overdue": 2, "not_on_current_trend": 3}
    return (
        out.assign(_o=out["status"].map(order))
        .sort_values(["_o", "projected year", "province_code", "region_name"], kind="mergesort")
        .drop(columns="_o")
        .set_index(["province_code", "region_name"])
    )


def coverage_class_counts(
    latest: pd.DataFrame, breaks: Sequence[float], labels: Sequence[str]
) -> pd.DataFrame:
    """Regencies per coverage class (rows, ``labels`` in order) and province (columns).

    ``breaks`` are the class limits (a value equal to a limit goes to the
    upper class), e.g. the maps' ``(80, 90, 95, 98)`` with five labels.

    Examples
    --------
    >>> import pandas as pd
    >>> latest = pd.DataFrame({"province_code": ["16", "16"], "region_code": ["a", "b"],
    ...                        "coverage_pct": [79.0, 98.0]})
    >>> coverage_class_counts(latest, [80, 98], ["low", "mid", "high"])["16"].tolist()
    [1, 0, 1]
    """
    if len(labels) != len(breaks) + 1:
        raise ValueError(f"{len(breaks)} breaks need {len(breaks) + 1} labels, got {len(labels)}")
    classes = pd.cut(
        latest["coverage_pct"], bins=[-np.inf, *breaks, np.inf], labels=list(labels), right=False
    )
    table = pd.crosstab(classes, latest["province_code"]).reindex(list(labels), fill_value=0)
    return table.rename_axis(index="coverage_class", columns=None)


def sharp_falls(
    panel: pd.DataFrame, min_drop: float = 10.0, basis: str = "published"
) -> pd.DataFrame:
    """Regencies whose latest registered figure is ``min_drop`` points or more below the previous.

    A smooth trend cannot represent such a fall, so projections of these
    regencies deserve caution.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"region_level": "regency", "measure": "registered",
    ...     "basis": "published", "region_code": "6401", "region_name": "Paser",
    ...     "province_code": "64", "date": ["2021-11-15", "2022-06-15"],
    ...     "period": ["2021-11", "2022-06"], "coverage_pct": [97.6, 76.0]})
    >>> sharp_falls(p)[["region_name", "before", "latest", "drop"]].round(1).to_dict("records")
    [{'region_name': 'Paser', 'before': 97.6, 'latest': 76.0, 'drop': 21.6}]
    """
    rows = panel[
        (panel["region_level"] == "regency")
        & (panel["measure"] == "registered")
        & (panel["basis"] == basis)
        & panel["coverage_pct"].notna()
    ].sort_values(["region_code", "date"], kind="mergesort")
    out = []
    for code, g in rows.groupby("region_code", sort=True):
        if len(g) < 2:
            continue
        before, last = g.iloc[-2], g.iloc[-1]
        drop = float(before["coverage_pct"]) - float(last["coverage_pct"])
        if drop >= min_drop:
            out.append(
                {
                    "region_code": code,
                    "region_name": last["region_name"],
                    "province_code": last["province_code"],
                    "period_before": before["period"],
                    "before": float(before["coverage_pct"]),
                    "period": last["period"],
                    "latest": float(last["coverage_pct"]),
                    "drop": drop,
                }
            )
    cols = ["region_code", "region_name", "province_code", "period_before", "before", "period"]
    return pd.DataFrame(out, columns=[*cols, "latest", "drop"])


def figure_kind(name: str) -> str:
    """What a figure file of the figures stage shows, from its name (``""`` if not one of ours).

    Examples
    --------
    >>> figure_kind("map_gap_95_all_en.png"), figure_kind("chart_trend_1601_id.svg")
    ('gap map, all provinces', 'trend of one regency')
    >>> figure_kind("map_coverage_en.html"), figure_kind("notes.txt")
    ('interactive map', '')
    """
    stem, _, ext = name.rpartition(".")
    parts = stem.split("_")
    if ext == "html":
        return "interactive map" if stem.startswith("map_coverage_") else ""
    for prefix, kind in FIGURE_KINDS.items():  # "chart_trends" is tried before "chart_trend"
        if stem.startswith(prefix + "_"):
            if prefix.startswith("chart_trend"):
                return kind
            return kind + (", all provinces" if "all" in parts else ", one province")
    return ""


def figure_inventory(paths: Iterable[Path | str]) -> pd.DataFrame:
    """The figure files found, one row per kind and format: files and kilobytes.

    Examples
    --------
    >>> names = ["map_gap_95_all_en.png", "map_gap_95_16_en.png", "map_gap_95_17_en.png"]
    >>> figure_inventory(names)[["kind", "files"]].to_dict("records")  # files do not exist: 0 kB
    [{'kind': 'gap map, all provinces', 'files': 1}, {'kind': 'gap map, one province', 'files': 2}]
    """
    rows = []
    for path in paths:
        p = Path(path)
        kind = figure_kind(p.name)
        if kind:
            size = p.stat().st_size if p.is_file() else 0
            rows.append({"kind": kind, "format": p.suffix.lstrip("."), "bytes": size})
    frame = pd.DataFrame(rows, columns=["kind", "format", "bytes"])
    out = (
        frame.groupby(["kind", "format"], sort=True)
        .agg(files=("bytes", "size"), kB=("bytes", lambda b: round(b.sum() / 1024)))
        .reset_index()
    )
    return out.astype({"files": int, "kB": int})


__all__ = [
    "BUDGET_COLUMNS",
    "BUDGET_GROUPS",
    "CLEAN_TABLES",
    "FIGURE_KINDS",
    "bases_by_period",
    "basis_comparison",
    "budget_line_groups",
    "clean_result",
    "coverage_class_counts",
    "figure_inventory",
    "figure_kind",
    "gap_totals",
    "gaps_below",
    "in_provinces",
    "measure_counts",
    "pending",
    "registered_vs_active",
    "regency_metrics",
    "require_thresholds",
    "sharp_falls",
    "status_counts",
    "threshold_counts",
]
