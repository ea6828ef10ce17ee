"""Activity rates ("tingkat keaktifan") labelled by their denominator.

An activity rate is active participants divided either by all registered
participants (*per participant*) or by the population (*per resident*).
Sources rarely say which. The coverage panel keeps ``active`` figures as their
own measure with the population as denominator, i.e. per resident; this module
adds the per-participant rate where the counts allow it, so both can be shown
and a criterion can be evaluated with the one it means.

:func:`activity_rates` returns one row per ``active`` observation of the panel:

* ``per_resident_pct``: the panel's coverage of the ``active`` row at ``basis``
  (active participants / population, as published or computed);
* ``per_participant_pct``: active participants / registered participants of
  the nearest ``registered`` figure of the same region within ``match_months``
  (a count, stated or derived from a percentage; both statuses are kept);
* ``stated_denominator``: ``resident`` or ``participant`` when the published
  percentage equals that ratio of *stated* counts (within 0.05 points),
  ``either`` when both, otherwise empty (the source does not let us tell).

Examples
--------
>>> import pandas as pd
>>> panel = pd.DataFrame({
...     "region_code": ["6403", "6403"], "region_name": "Kutai Kartanegara",
...     "region_level": "regency", "province_code": "64",
...     "date": ["2024-09-01", "2024-09-01"], "period": ["2024-09-01"] * 2,
...     "measure": ["active", "registered"], "basis": "published",
...     "participants": [619360.0, 816220.0], "population": [788113.0, 788133.0],
...     "coverage_pct": [78.59, 103.57], "published_coverage_pct": [78.59, 103.57],
...     "participants_status": "published", "population_status": "published",
...     "lower_bound": False, "observation_id": ["A", "R"], "urls": "u"})
>>> r = activity_rates(panel)
>>> r[["per_resident_pct", "per_participant_pct", "stated_denominator"]].round(2).values.tolist()
[[78.59, 75.88, 'resident']]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Columns of :func:`activity_rates`.
ACTIVITY_RATES: tuple[str, ...] = (
    "region_code",
    "region_name",
    "region_level",
    "province_code",
    "period",
    "date",
    "observation_id",
    "active_participants",
    "active_participants_status",
    "population",
    "published_pct",
    "per_resident_pct",
    "per_resident_basis",
    "registered_observation_id",
    "registered_date",
    "registered_participants",
    "registered_participants_status",
    "days_apart",
    "per_participant_pct",
    "stated_denominator",
    "lower_bound",
    "urls",
)

_DAYS_PER_MONTH = 365.25 / 12
_TOLERANCE_PP = 0.05


def _stated(status: object) -> bool:
    return str(status) == "published"


def activity_rates(
    panel: pd.DataFrame, *, basis: str = "published", match_months: float = 3.0
) -> pd.DataFrame:
    """Per-resident and per-participant activity rates of every ``active`` figure.

    Parameters
    ----------
    panel
        The coverage panel (:data:`uhc_analysis.schemas.PANEL` columns).
    basis
        Denominator basis of the per-resident rate (``published``: the
        source's own, as the projections use; or ``dukcapil``/``bps``).
    match_months
        How far (in months, either side) the registered figure used as the
        per-participant denominator may be from the active figure.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ACTIVITY_RATES`, one row per active observation at
        ``basis``, sorted by region and date. ``per_participant_pct`` is NaN
        when no registered figure with a participant count lies within
        ``match_months``.

    Notes
    -----
    The nearest registered figure is found with a small loop rather than
    ``pandas.merge_asof(direction="nearest")``: the tie rule (the later
    figure, then one with a stated count) must be explicit, and ``merge_asof``
    leaves ties unspecified.
    """
    p = panel.loc[panel["basis"].astype(str).eq(basis)].copy()
    p["_t"] = pd.to_datetime(p["date"].astype(str), errors="coerce")
    active = p.loc[p["measure"].astype(str).eq("active")].sort_values(
        ["region_code", "_t", "observation_id"], kind="mergesort"
    )
    registered = p.loc[
        p["measure"].astype(str).eq("registered")
        & p["participants"].notna()
        & ~p["lower_bound"].astype(bool)
    ]
    by_region = {code: g for code, g in registered.groupby("region_code", sort=False)}
    rows: list[dict[str, object]] = []
    limit = match_months * _DAYS_PER_MONTH
    for a in active.to_dict("records"):
        row: dict[str, object] = {
            "region_code": a["region_code"],
            "region_name": a["region_name"],
            "region_level": a["region_level"],
            "province_code": a["province_code"],
            "period": a["period"],
            "date": a["date"],
            "observation_id": a["observation_id"],
            "active_participants": a["participants"],
            "active_participants_status": a["participants_status"],
            "population": a["population"],
            "published_pct": a["published_coverage_pct"],
            "per_resident_pct": a["coverage_pct"],
            "per_resident_basis": basis,
            "registered_observation_id": "",
            "registered_date": "",
            "registered_participants": np.nan,
            "registered_participants_status": "",
            "days_apart": np.nan,
            "per_participant_pct": np.nan,
            "stated_denominator": "",
            "lower_bound": bool(a["lower_bound"]),
            "urls": a["urls"],
        }
        cands = by_region.get(a["region_code"])
        if cands is not None and pd.notna(a["participants"]) and pd.notna(a["_t"]):
            days = (cands["_t"] - a["_t"]).dt.days.abs()
            near = cands.assign(_d=days).loc[days.le(limit)]
            if len(near):
                # nearest; on a tie the later figure, then the stated count
                near = near.assign(_s=~near["participants_status"].map(_stated))
                best = near.sort_values(["_d", "_t", "_s"], ascending=[True, False, True]).iloc[0]
                row.update(
                    registered_observation_id=best["observation_id"],
                    registered_date=best["date"],
                    registered_participants=best["participants"],
                    registered_participants_status=best["participants_status"],
                    days_apart=float(best["_d"]),
                    per_participant_pct=100.0 * a["participants"] / best["participants"],
                )
        row["stated_denominator"] = _stated_denominator(a, row)
        rows.append(row)
    return pd.DataFrame(rows, columns=list(ACTIVITY_RATES)).reset_index(drop=True)


def _stated_denominator(active: dict[str, object], row: dict[str, object]) -> str:
    """Which ratio of *stated* counts the published percentage equals, if any."""
    pct = active["published_coverage_pct"]
    if pd.isna(pct) or not _stated(active["participants_status"]):
        return ""
    hits = []
    if _stated(active.get("population_status")) and pd.notna(active["population"]):
        ratio = 100.0 * float(active["participants"]) / float(active["population"])  # type: ignore[arg-type]
        if abs(ratio - float(pct)) <= _TOLERANCE_PP:  # type: ignore[arg-type]
            hits.append("resident")
    if _stated(row["registered_participants_status"]) and pd.notna(row["per_participant_pct"]):
        if abs(float(row["per_participant_pct"]) - float(pct)) <= _TOLERANCE_PP:  # type: ignore[arg-type]
            hits.append("participant")
    return {0: "", 1: hits[0] if hits else "", 2: "either"}[len(hits)]
