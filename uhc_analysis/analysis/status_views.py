"""Tidy views of the UHC-status and activity tables for the status maps and activity charts.

Pure pandas: the plotting layer (:mod:`uhc_analysis.plotting.status_maps`,
:mod:`uhc_analysis.plotting.activity`) and the notebooks draw and show what
these functions select.

* :func:`status_for_criterion`: one ``uhc_status.csv`` row per region for one
  criterion, with the month of its evidence;
* :func:`status_count_table`: regions per criterion and status;
  :func:`status_by_province`: per status and province, for one criterion;
* :func:`recent_months`: the evidence age rule the status table was made with;
* :func:`latest_activity`: each region's latest activity rate;
* :func:`activity_thresholds`: the activity thresholds of the criteria in use.

Statuses are listed in :data:`STATUS_ORDER`, best first: the reverse of the
severity order of :mod:`uhc_analysis.analysis.uhc_status`.

Examples
--------
>>> import pandas as pd
>>> s = pd.DataFrame({"region_code": ["1701", "1702"], "region_level": "regency",
...     "province_code": "17", "criterion_id": "national_98",
...     "status": ["confirmed", "stale"], "evidence_date": ["2026-01-27", ""]})
>>> status_for_criterion(s, "national_98")[["region_code", "evidence_month"]].values.tolist()
[['1701', '2026-01'], ['1702', '']]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from uhc_analysis.analysis.uhc_status import SEVERITY

#: The statuses of ``uhc_status.csv``, best first (legend and table order).
STATUS_ORDER: tuple[str, ...] = tuple(reversed(SEVERITY))
#: Criteria the figures map (``uhc-analysis figures``, notebook 04): 95 % registered
#: (RPJMN, to 2024), the 98 % national target, and UHC prioritas (98 % registered and
#: 80 % active).
MAP_CRITERIA: tuple[str, ...] = ("rpjmn_95", "national_98", "uhc_prioritas_2025")


def evidence_month(dates: Iterable[object]) -> pd.Series:
    """``YYYY-MM`` of each ISO date (``""`` when missing or empty).

    Examples
    --------
    >>> evidence_month(["2024-08-15", "", None, "2023"]).tolist()
    ['2024-08', '', '', '2023']
    """
    values = pd.Series(list(dates), dtype=object)
    text = values.where(values.notna(), "").astype(str).str.strip()
    return text.str.slice(0, 7).where(text.str.len() > 0, "")


def _select(
    frame: pd.DataFrame, level: str | None, provinces: Sequence[str] | None
) -> pd.DataFrame:
    keep = pd.Series(True, index=frame.index)
    if level is not None:
        keep &= frame["region_level"].astype(str).eq(level)
    if provinces is not None:
        keep &= frame["province_code"].astype(str).isin([str(p) for p in provinces])
    return frame.loc[keep]


def status_for_criterion(
    status: pd.DataFrame,
    criterion_id: str,
    *,
    level: str | None = "regency",
    provinces: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The ``uhc_status.csv`` rows of one criterion, one per region, with ``evidence_month``.

    Parameters
    ----------
    status
        ``read_table("uhc_status")``.
    criterion_id
        A ``criterion_id`` of the table, e.g. ``"national_98"``.
    level
        ``"regency"`` (default), ``"province"`` or None for both.
    provinces
        2-digit BPS codes to keep (default all).

    Raises
    ------
    ValueError
        If the criterion is not in the table (the message lists those that
        are), or a region has several rows for it.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"region_code": ["1701"], "region_level": "regency",
    ...     "province_code": "17", "criterion_id": "rpjmn_95", "status": "confirmed",
    ...     "evidence_date": "2024-08-15"})
    >>> status_for_criterion(s, "national_98")
    Traceback (most recent call last):
    ...
    ValueError: uhc_status.csv has no criterion 'national_98'; it has ['rpjmn_95']
    """
    ids = status["criterion_id"].astype(str)
    if criterion_id not in set(ids):
        known = list(dict.fromkeys(ids))
        raise ValueError(f"uhc_status.csv has no criterion {criterion_id!r}; it has {known}")
    rows = _select(status.loc[ids.eq(criterion_id)], level, provinces).copy()
    dup = sorted(rows.loc[rows["region_code"].duplicated(), "region_code"].unique())
    if dup:
        raise ValueError(f"uhc_status.csv: several rows of {criterion_id} for regions {dup}")
    unknown = sorted(set(rows["status"]) - set(STATUS_ORDER))
    if unknown:
        raise ValueError(f"uhc_status.csv: unknown statuses {unknown}; expected {STATUS_ORDER}")
    rows["evidence_month"] = evidence_month(rows["evidence_date"]).to_numpy()
    return rows.sort_values("region_code", kind="mergesort").reset_index(drop=True)


def status_count_table(
    status: pd.DataFrame,
    *,
    level: str | None = "regency",
    provinces: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Regions per criterion (rows, in table order) and status (columns, :data:`STATUS_ORDER`).

    Columns ``evaluated_at`` and ``in_force`` come first, ``total`` last; only
    statuses that occur are shown.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"region_code": ["1701", "1702", "1701"], "region_level": "regency",
    ...     "province_code": "17", "criterion_id": ["national_98", "national_98", "rpjmn_95"],
    ...     "status": ["stale", "confirmed", "confirmed"], "in_force": [True, True, False],
    ...     "evaluated_at": ["2026-12-02", "2026-12-02", "2024-12-31"]})
    >>> status_count_table(s).reset_index().values.tolist()
    [['national_98', '2026-12-02', True, 1, 1, 2], ['rpjmn_95', '2024-12-31', False, 1, 0, 1]]
    """
    rows = _select(status, level, provinces)
    order = list(dict.fromkeys(rows["criterion_id"].astype(str)))
    counts = pd.crosstab(rows["criterion_id"], rows["status"])
    counts = counts.reindex(index=order, columns=[s for s in STATUS_ORDER if s in counts.columns])
    info = rows.groupby("criterion_id", sort=False).agg(
        evaluated_at=("evaluated_at", lambda v: ", ".join(sorted(set(v.astype(str))))),
        in_force=("in_force", "all"),
    )
    table = info.reindex(order).join(counts.fillna(0).astype(int))
    table["total"] = counts.sum(axis=1).astype(int)
    return table.rename_axis(index="criterion_id", columns=None)


def status_by_province(
    status: pd.DataFrame,
    criterion_id: str,
    *,
    level: str | None = "regency",
    provinces: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Regions per status (rows, :data:`STATUS_ORDER`) and province (columns) for one criterion.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"region_code": ["1601", "1701", "1702"], "region_level": "regency",
    ...     "province_code": ["16", "17", "17"], "criterion_id": "national_98",
    ...     "status": ["stale", "confirmed", "stale"], "evidence_date": ""})
    >>> status_by_province(s, "national_98").to_dict("index")
    {'confirmed': {'16': 0, '17': 1, 'all': 1}, 'stale': {'16': 1, '17': 1, 'all': 2}}
    """
    rows = status_for_criterion(status, criterion_id, level=level, provinces=provinces)
    table = pd.crosstab(rows["status"], rows["province_code"])
    table = table.reindex([s for s in STATUS_ORDER if s in table.index])
    table["all"] = table.sum(axis=1)
    return table.rename_axis(index="status", columns=None).astype(int)


def recent_months(status: pd.DataFrame) -> float:
    """The evidence age rule (months) ``uhc_status.csv`` was made with (its ``recent_months``).

    Raises
    ------
    ValueError
        If the table has no rule or states more than one.

    Examples
    --------
    >>> import pandas as pd
    >>> recent_months(pd.DataFrame({"recent_months": [18.0, 18.0]}))
    18.0
    """
    found = sorted(set(status["recent_months"].astype(float).dropna())) if len(status) else []
    if len(found) != 1:
        raise ValueError(f"uhc_status.csv: expected one evidence age rule, found {found}")
    return float(found[0])


#: Columns of :func:`latest_activity`.
LATEST_ACTIVITY: tuple[str, ...] = (
    "region_code",
    "region_name",
    "region_level",
    "province_code",
    "period",
    "date",
    "evidence_month",
    "observation_id",
    "per_resident_pct",
    "per_resident_basis",
    "per_participant_pct",
    "lower_bound",
)


def latest_activity(
    activity: pd.DataFrame,
    *,
    level: str | None = "regency",
    provinces: Sequence[str] | None = None,
    regions: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Each region's latest activity figure: per resident, and per participant where known.

    The latest row (by date, then observation id) with a per-resident rate;
    a region with none takes its latest row with a per-participant rate (its
    ``per_resident_pct`` stays missing).

    Parameters
    ----------
    activity
        ``read_table("activity_rates")`` (or this function's output).
    level, provinces
        As in :func:`status_for_criterion`.
    regions
        Optional frame of ``region_code``, ``region_name`` (and
        ``province_code``): regions without a figure get a row with missing rates.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`LATEST_ACTIVITY`, one row per region, sorted by code.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"region_code": ["1707", "1707", "1702"], "region_name": "x",
    ...     "region_level": "regency", "province_code": "17",
    ...     "period": ["2024-03", "2024-08", "2025-02"],
    ...     "date": pd.to_datetime(["2024-03-01", "2024-08-15", "2025-02-01"]),
    ...     "observation_id": ["A", "B", "C"], "per_resident_pct": [75.45, 75.0, None],
    ...     "per_resident_basis": "published", "per_participant_pct": [75.0, 74.99, 77.5],
    ...     "lower_bound": False})
    >>> latest_activity(a)[["region_code", "evidence_month", "per_resident_pct",
    ...                     "per_participant_pct"]].values.tolist()
    [['1702', '2025-02', nan, 77.5], ['1707', '2024-08', 75.0, 74.99]]
    """
    rows = _select(activity, level, provinces).copy()
    rows["_t"] = pd.to_datetime(rows["date"].astype(str), errors="coerce")
    rows["_res"] = rows["per_resident_pct"].notna()
    rows = rows.loc[rows["_res"] | rows["per_participant_pct"].notna()]
    rows = rows.sort_values(["region_code", "_res", "_t", "observation_id"], kind="mergesort")
    latest = rows.groupby("region_code", sort=True).tail(1)
    latest = latest.assign(
        date=latest["_t"].dt.strftime("%Y-%m-%d").fillna(""),
        evidence_month=evidence_month(latest["_t"].dt.strftime("%Y-%m-%d")).to_numpy(),
    )
    if "lower_bound" in latest.columns:
        latest["lower_bound"] = latest["lower_bound"].fillna(False).astype(bool)
    else:
        latest["lower_bound"] = False
    latest = latest.reindex(columns=list(LATEST_ACTIVITY))
    if regions is not None:
        extra = regions.loc[~regions["region_code"].astype(str).isin(set(latest["region_code"]))]
        extra = extra.assign(
            region_code=extra["region_code"].astype(str),
            region_level=level or "",
            evidence_month="",
            lower_bound=False,
        )
        if "province_code" not in extra.columns:
            extra["province_code"] = extra["region_code"].str[:2]
        if provinces is not None:
            extra = extra.loc[extra["province_code"].astype(str).isin([str(p) for p in provinces])]
        latest = pd.concat([latest, extra.reindex(columns=list(LATEST_ACTIVITY))])
    for col in ("per_resident_pct", "per_participant_pct"):
        latest[col] = pd.to_numeric(latest[col]).astype(float)
    latest["lower_bound"] = latest["lower_bound"].astype(bool)
    return latest.sort_values("region_code", kind="mergesort").reset_index(drop=True)


def activity_thresholds(criteria: pd.DataFrame) -> pd.DataFrame:
    """The activity thresholds of the criteria in use, with the criteria that set each.

    Rows of ``uhc_criteria.csv`` with ``used`` true (all rows when the column
    is absent) and a ``min_active_pct``; one row per threshold, ascending,
    with ``criterion_ids`` (in table order).

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"criterion_id": ["a", "a", "b", "c", "d"],
    ...                   "min_active_pct": [75.0, None, 80.0, 98.0, 80.0],
    ...                   "used": [True, True, True, False, True]})
    >>> activity_thresholds(c).values.tolist()
    [[75.0, ['a']], [80.0, ['b', 'd']]]
    """
    rows = criteria
    if "used" in rows.columns:
        rows = rows.loc[rows["used"].fillna(False).astype(bool)]
    rows = rows.loc[rows["min_active_pct"].notna()]
    out = [
        {
            "min_active_pct": float(t),
            "criterion_ids": list(dict.fromkeys(g["criterion_id"].astype(str))),
        }
        for t, g in rows.groupby(rows["min_active_pct"].astype(float), sort=True)
    ]
    return pd.DataFrame(out, columns=["min_active_pct", "criterion_ids"])


def criterion_years(criteria: pd.DataFrame | None) -> dict[str, tuple[float, float]]:
    """``criterion_id -> (valid_from, valid_to)`` of ``uhc_criteria.csv`` (NaN when open).

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"criterion_id": ["a", "a", "b"], "valid_from": [2024, 2024, 2025],
    ...                   "valid_to": [2024, 2024, None]})
    >>> criterion_years(c)
    {'a': (2024.0, 2024.0), 'b': (2025.0, nan)}
    """
    if criteria is None or criteria.empty:
        return {}
    frame = criteria.assign(
        valid_from=pd.to_numeric(criteria["valid_from"]).astype(float),
        valid_to=pd.to_numeric(criteria["valid_to"]).astype(float),
    )
    grouped = frame.groupby("criterion_id", sort=False).agg(
        valid_from=("valid_from", "min"), valid_to=("valid_to", "max")
    )
    return {
        str(c): (float(r.valid_from), float(r.valid_to))
        for c, r in zip(grouped.index, grouped.itertuples(), strict=True)
    }
