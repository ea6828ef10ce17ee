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


def _conflict_key(row: dict[str, object]) -> tuple[object, ...]:
    """Sort key of the conflict rule (smallest wins), see the module docstring."""
    return (
        0 if row["pct_check"] == "consistent" else 1 if row["pct_check"] == "not_checkable" else 2,
        -int(row["n_sources"]),  # type: ignore[call-overload]
        bool(row["rounded"]),
        -pd.Timestamp(row["date"]).value,  # type: ignore[arg-type]
        str(row["observation_id"]),
    )


def _series_roles(rows: list[dict[str, object]], repeat_days: float, conflict_days: float) -> None:
    """Set ``used``/``role``/``note``/``merged_ids`` of one series' rows (by date) in place."""
    kept: list[dict[str, object]] = []
    for r in rows:
        if r["role"] == "no_value":
            continue
        same = [
            k
            for k in kept
            if k["kind"] == r["kind"]
            and abs(float(k["value_pct"]) - float(r["value_pct"])) < 0.005  # type: ignore[arg-type]
            and (pd.Timestamp(r["date"]) - pd.Timestamp(k["date"])).days <= repeat_days  # type: ignore[arg-type]
        ]
        if same:
            first = same[0]
            r.update(
                used=False,
                role="repeat",
                note=f"repeats {first['observation_id']} of {pd.Timestamp(first['date']).date()}",
            )  # type: ignore[arg-type]
            first["merged_ids"] = f"{first['merged_ids']};{r['observation_id']}"
            continue
        near = [
            k
            for k in kept
            if k["kind"] == r["kind"]
            and (pd.Timestamp(r["date"]) - pd.Timestamp(k["date"])).days <= conflict_days  # type: ignore[arg-type]
        ]
        if not near:
            kept.append(r)
            continue
        group = [*near, r]
        winner = min(group, key=_conflict_key)
        for g in group:
            if g is winner:
                continue
            g.update(
                used=False,
                role="conflict_dropped",
                note=f"conflicts with {winner['observation_id']} ({float(winner['value_pct']):.2f}"  # type: ignore[arg-type]
                f" % on {pd.Timestamp(winner['date']).date()}): conflict rule keeps that one",  # type: ignore[arg-type]
            )
            if g in kept:
                kept.remove(g)
        if winner is r:
            kept.append(r)


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
            "n_sources": [len([s for s in x.split(";") if s]) for x in sources],
        }
    )
    out = out.sort_values(["region_code", "measure", "date", "observation_id"], kind="mergesort")
    rows = out.to_dict("records")
    series: dict[tuple[str, str], list[dict[str, object]]] = {}
    for r in rows:
        series.setdefault((str(r["region_code"]), str(r["measure"])), []).append(r)
    for s in series.values():
        _series_roles(s, repeat_months * 365.25 / 12, conflict_days)
    res = pd.DataFrame(rows, columns=[c for c in OBSERVATIONS if c != "decimal_year"])
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
