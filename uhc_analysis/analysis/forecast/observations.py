"""The observation model: which published figures are observations, before any trend is fitted.

:func:`observations` turns the coverage panel into one series per region x
measure (``registered``, ``active``) at one denominator basis (``published``
by default). Every panel row of those series comes out, with ``used`` saying
whether it enters the fit and ``role`` and ``note`` saying why (nothing is
dropped silently):

``observation``
    a figure that enters the fit.
``repeat``
    the same value (to 0.01 pp) and kind as an earlier used figure of the same
    series dated at most ``repeat_months`` before: a later article repeating
    a figure. It is one observation at its *first* date; its id is listed in
    the first one's ``merged_ids``. Round numbers that truly recur within
    ``repeat_months`` are merged too (the conservative reading: one figure).
``conflict_dropped``
    the conflict rule: figures of the same series and kind dated at most
    ``conflict_days`` apart with different values are one measurement
    reported differently. The kept figure is the first by (1) a published
    percentage consistent with its own counts over an inconsistent one, (2)
    more sources, (3) not rounded, (4) the later date (a later report
    supersedes), (5) observation id. The others are kept in the output with
    ``used == False``.
``no_value``
    a row without a percentage or a date (nothing to fit).

*Consistency check* (``pct_check``): where a row states both counts
(``participants_status`` and ``population_status`` ``published``) and a
published percentage, ``computed_pct = 100 * participants / population`` is
compared with it: ``consistent`` within ``pct_tolerance_pp``, else
``mismatch`` (flagged, the published figure is not changed), else
``not_checkable``.

:func:`censored_evidence` gives the lower bounds: lower-bound figures ("more
than 98 %") and UHC awards read by their year's criteria
(:func:`uhc_analysis.analysis.evidence.award_evidence`: 2024 -> registered >=
95 and active >= 75; 2026 Pratama -> >= 98 and >= 80, ...), dated at their
evidence date.

Examples
--------
>>> panel = pd.DataFrame({"region_code": "1708", "region_level": "regency",
...     "province_code": "17", "measure": "registered", "basis": "published",
...     "date": pd.to_datetime(["2022-07-01", "2024-01-01", "2024-08-15"]),
...     "coverage_pct": [96.43, 96.43, 95.0], "published_coverage_pct": [96.43, 96.43, 95.0],
...     "participants": float("nan"), "population": float("nan"),
...     "participants_status": "", "population_status": "", "lower_bound": False,
...     "rounded": False, "observation_id": ["A", "B", "C"], "source_ids": "S"})
>>> obs = observations(panel)
>>> obs[["observation_id", "used", "role", "merged_ids"]].values.tolist()
[['A', True, 'observation', 'A;B'], ['B', False, 'repeat', 'B'], ['C', True, 'observation', 'C']]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from uhc_analysis.analysis.evidence import award_evidence, award_figures
from uhc_analysis.ingest.criteria import fixed_criteria
from uhc_analysis.ingest.parsing import decimal_years

#: Measures the forecast models.
MEASURES: tuple[str, ...] = ("registered", "active")
#: Columns of :func:`observations`.
OBSERVATIONS: tuple[str, ...] = (
    "region_code",
    "province_code",
    "region_level",
    "measure",
    "date",
    "decimal_year",
    "value_pct",
    "kind",
    "used",
    "role",
    "note",
    "observation_id",
    "merged_ids",
    "pct_check",
    "computed_pct",
    "rounded",
    "n_sources",
)
#: Columns of :func:`censored_evidence`.
CENSORED: tuple[str, ...] = (
    "region_code",
    "measure",
    "date",
    "decimal_year",
    "bound_pct",
    "source",
    "known_date",
    "observation_id",
    "label",
)


def _check_pct(p: pd.DataFrame, tolerance: float) -> tuple[pd.Series, pd.Series]:
    stated = p["participants_status"].astype(str).eq("published") & p["population_status"].astype(
        str
    ).eq("published")
    parts = pd.to_numeric(p["participants"], errors="coerce")
    pop = pd.to_numeric(p["population"], errors="coerce")
    published = pd.to_numeric(p["published_coverage_pct"], errors="coerce")
    computed = (100.0 * parts / pop).where(stated & pop.gt(0))
    checkable = computed.notna() & published.notna()
    ok = (computed - published).abs().le(tolerance)
    check = np.where(checkable, np.where(ok, "consistent", "mismatch"), "not_checkable")
    return pd.Series(check, index=p.index), computed.round(4)


_NS_PER_DAY = 86_400 * 10**9


def _series_roles(
    cols: dict[str, list[object]], idx: list[int], repeat_days: float, conflict_days: float
) -> None:
    """Set ``used``/``role``/``note``/``merged_ids`` of one series' rows (``idx``, by date).

    ``cols``: the columns as lists (``date`` as nanoseconds), changed in place.
    Earlier figures kept are scanned back only as far as the longer window.
    """
    kind, value, date = cols["kind"], cols["value_pct"], cols["date_ns"]
    oid = cols["observation_id"]
    role, used, note, merged = cols["role"], cols["used"], cols["note"], cols["merged_ids"]
    window = max(repeat_days, conflict_days)

    def key(i: int) -> tuple[object, ...]:  # the conflict rule, smallest wins (module docstring)
        check = cols["pct_check"][i]
        return (
            0 if check == "consistent" else 1 if check == "not_checkable" else 2,
            -int(cols["n_sources"][i]),  # type: ignore[call-overload]
            bool(cols["rounded"][i]),
            -int(date[i]),  # type: ignore[call-overload]
            str(oid[i]),
        )

    def day(i: int) -> str:
        return str(pd.Timestamp(int(date[i])).date())  # type: ignore[call-overload]

    kept: list[int] = []
    for r in idx:
        if role[r] == "no_value":
            continue
        same: list[int] = []
        near: list[int] = []
        for k in reversed(kept):  # kept is in date order
            days = (int(date[r]) - int(date[k])) // _NS_PER_DAY  # type: ignore[call-overload]
            if days > window:
                break
            if kind[k] != kind[r]:
                continue
            if abs(float(value[k]) - float(value[r])) < 0.005 and days <= repeat_days:  # type: ignore[arg-type]
                same.append(k)
            if days <= conflict_days:
                near.append(k)
        if same:
            first = same[-1]
            used[r], role[r] = False, "repeat"
            note[r] = f"repeats {oid[first]} of {day(first)}"
            merged[first] = f"{merged[first]};{oid[r]}"
            continue
        if not near:
            kept.append(r)
            continue
        group = [*reversed(near), r]
        winner = min(group, key=key)
        for g in group:
            if g == winner:
                continue
            used[g], role[g] = False, "conflict_dropped"
            note[g] = (
                f"conflicts with {oid[winner]} ({float(value[winner]):.2f}"  # type: ignore[arg-type]
                f" % on {day(winner)}): conflict rule keeps that one"
            )
            if g in kept:
                kept.remove(g)
        if winner == r:
            kept.append(r)


def _n_sources(sources: pd.Series) -> np.ndarray:
    """The number of non-empty ``;``-separated source ids of each value (once per value)."""
    codes, uniques = pd.factorize(sources)
    counts = np.array([len([x for x in str(u).split(";") if x]) for u in uniques], dtype=int)
    return counts[codes] if len(codes) else np.zeros(0, dtype=int)


def observations(
    panel: pd.DataFrame,
    *,
    basis: str = "published",
    repeat_months: float = 24.0,
    conflict_days: float = 31.0,
    pct_tolerance_pp: float = 0.5,
) -> pd.DataFrame:
    """Registered coverage and activity series, one row per panel row (:data:`OBSERVATIONS`).

    National rows are left out (not a region of the model); see the module
    docstring for ``role`` and ``pct_check``.

    Examples
    --------
    >>> panel = pd.DataFrame({"region_code": "16", "region_level": "province",
    ...     "province_code": "16", "measure": "registered", "basis": "published",
    ...     "date": pd.to_datetime(["2023-09-01", "2023-09-20"]),
    ...     "coverage_pct": [95.9, 93.0], "published_coverage_pct": [95.9, 93.0],
    ...     "participants": [8396170.0, 1.0], "population": [8755130.0, 1.0],
    ...     "participants_status": "published", "population_status": "published",
    ...     "lower_bound": False, "rounded": False, "observation_id": ["A", "B"],
    ...     "source_ids": ["S1", "S2;S3"]})
    >>> observations(panel)[["observation_id", "used", "pct_check"]].values.tolist()
    [['A', True, 'consistent'], ['B', False, 'mismatch']]
    """
    p = panel.loc[
        panel["measure"].astype(str).isin(MEASURES)
        & panel["basis"].astype(str).eq(basis)
        & panel["region_level"].astype(str).isin(["province", "regency"])
    ].copy()
    p["date"] = pd.to_datetime(p["date"], errors="coerce")
    check, computed = _check_pct(p, pct_tolerance_pp)
    values = pd.to_numeric(p["coverage_pct"], errors="coerce")
    lacking = values.isna() | p["date"].isna()
    sources = (
        p["source_ids"].fillna("").astype(str) if "source_ids" in p else pd.Series("", p.index)
    )
    out = pd.DataFrame(
        {
            "region_code": p["region_code"].astype(str),
            "province_code": p["province_code"].astype(str),
            "region_level": p["region_level"].astype(str),
            "measure": p["measure"].astype(str),
            "date": p["date"],
            "value_pct": values,
            "kind": np.where(p["lower_bound"].astype(bool), "lower_bound", "observed"),
            "used": ~lacking,
            "role": np.where(lacking, "no_value", "observation"),
            "note": np.where(lacking, "no percentage or no date", ""),
            "observation_id": p["observation_id"].astype(str),
            "merged_ids": p["observation_id"].astype(str),
            "pct_check": check,
            "computed_pct": computed,
            "rounded": p["rounded"].astype(bool) if "rounded" in p else False,
            "n_sources": _n_sources(sources),
        }
    )
    out = out.sort_values(["region_code", "measure", "date", "observation_id"], kind="mergesort")
    cols: dict[str, list[object]] = {c: out[c].tolist() for c in out.columns if c != "date"}
    cols["date_ns"] = out["date"].to_numpy("datetime64[ns]").astype("int64").tolist()
    series = (out["region_code"] + "|" + out["measure"]).to_numpy()
    starts = np.flatnonzero(np.r_[True, series[1:] != series[:-1]]) if len(out) else []
    bounds = [*starts, len(out)]
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        _series_roles(cols, list(range(a, b)), repeat_months * 365.25 / 12, conflict_days)
    del cols["date_ns"]
    res = out.reset_index(drop=True)
    for c in ("used", "role", "note", "merged_ids"):
        res[c] = pd.Series(cols[c], dtype=res[c].dtype)
    res = res[[c for c in OBSERVATIONS if c != "decimal_year"]]
    res["decimal_year"] = np.nan
    ok = res["date"].notna()
    res.loc[ok, "decimal_year"] = decimal_years(res.loc[ok, "date"])
    res["used"] = res["used"].astype(bool)
    mism = res["pct_check"].eq("mismatch")
    res.loc[mism, "note"] = (
        res.loc[mism, "note"].where(res.loc[mism, "note"].eq(""), res.loc[mism, "note"] + "; ")
        + "published % differs from its own counts ("
        + res.loc[mism, "computed_pct"].astype(str)
        + " %); kept as published"
    )
    return res[list(OBSERVATIONS)].reset_index(drop=True)


def censored_evidence(
    obs: pd.DataFrame,
    commitments: pd.DataFrame | None,
    criteria: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Lower bounds (value >= bound at date) from lower-bound figures and awards (:data:`CENSORED`).

    ``criteria`` is the criteria reference table; without it awards are read
    as registered >= 95 % (:func:`uhc_analysis.ingest.criteria.fixed_criteria`
    has no award rows). ``known_date`` is when the evidence was public (an
    award's ceremony, a figure's date): the backtest uses it for its cut-off.

    Examples
    --------
    >>> obs = pd.DataFrame(columns=list(OBSERVATIONS))
    >>> c = pd.DataFrame({"region_code": ["1701"], "observation_id": ["C1"], "kind": ["award"],
    ...     "date": ["2023-03-14"], "period": ["2023-03-14"], "urls": ["u"], "remarks": [""]})
    >>> censored_evidence(obs, c)[["measure", "bound_pct", "source"]].values.tolist()
    [['registered', 95.0, 'award']]
    """
    lb = obs.loc[obs["used"].astype(bool) & obs["kind"].eq("lower_bound")]
    parts = [
        pd.DataFrame(
            {
                "region_code": lb["region_code"].astype(str),
                "measure": lb["measure"].astype(str),
                "date": pd.to_datetime(lb["date"]),
                "bound_pct": lb["value_pct"].astype(float),
                "source": "lower_bound",
                "known_date": pd.to_datetime(lb["date"]),
                "observation_id": lb["observation_id"].astype(str),
                "label": "lower-bound figure",
            }
        )
    ]
    if commitments is not None and len(commitments):
        awards = award_evidence(commitments, criteria if criteria is not None else fixed_criteria())
        af = award_figures(awards)
        ceremony = dict(zip(awards["observation_id"], awards["ceremony_date"], strict=True))
        parts.append(
            pd.DataFrame(
                {
                    "region_code": af["region_code"].astype(str),
                    "measure": af["measure"].astype(str),
                    "date": pd.to_datetime(af["date"]),
                    "bound_pct": af["value_pct"].astype(float),
                    "source": "award",
                    "known_date": pd.to_datetime(af["observation_id"].map(ceremony)),
                    "observation_id": af["observation_id"].astype(str),
                    "label": af["label"].astype(str),
                }
            )
        )
    out = pd.concat([x for x in parts if len(x)] or parts[:1], ignore_index=True)
    out["decimal_year"] = decimal_years(out["date"]) if len(out) else np.zeros(0)
    out = out.sort_values(["region_code", "measure", "date", "observation_id"], kind="mergesort")
    return out[list(CENSORED)].reset_index(drop=True)
