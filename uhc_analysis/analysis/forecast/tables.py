"""The forecast's output tables: ``time_to_uhc`` and the ``projections`` view the charts read.

:func:`time_to_uhc_table` adds the region's name and level to the crossings of
:func:`uhc_analysis.analysis.forecast.projecting.project` (every region x
measure x threshold, the joint criteria included). :func:`projections_table`
is the registered-coverage part of it in the columns of ``projections.csv``
(one row per region x threshold), which the maps, the fan charts and the
findings read: ``first_period_reached`` is the month the evidence shows the
threshold reached, ``years_to_uhc`` the crossing year minus the first figure's.

Examples
--------
>>> crossings = pd.DataFrame({"region_code": ["1701", "1701"], "province_code": "17",
...     "measure": ["registered", "joint"], "threshold": [95.0, 98.0],
...     "threshold_active": [float("nan"), 80.0], "model": ["rw_drift", "rw_drift_joint"],
...     "method": "wls_drift", "status": ["reached", "on_track"],
...     "year_reached": [2024.5, 2028.2], "year_reached_lo80": [2024.5, 2027.0],
...     "year_reached_hi80": [2024.5, 2031.0], "year_reached_lo95": [2024.5, 2026.5],
...     "year_reached_hi95": [2024.5, float("nan")], "probability_at_or_above": [0.9, 0.2],
...     "as_of": "2026-12-02", "n_own_obs": [4, 2], "borrowed_trend": False,
...     "first_date": [2019.4, 2024.2], "latest_date": [2025.0, 2025.0],
...     "latest_pct": [97.0, 97.0], "not_before": float("nan"), "ceiling": 109.0,
...     "cap": [108.0, float("nan")], "reason": ["r", "r"]})
>>> regions = pd.DataFrame({"region_code": ["1701"], "region_name": ["Bengkulu Selatan"],
...     "region_level": ["regency"], "province_code": ["17"]})
>>> t = time_to_uhc_table(crossings, regions)
>>> t[["target", "status"]].values.tolist()
[['registered >= 98 and active >= 80', 'on_track'], ['registered >= 95', 'reached']]
>>> p = projections_table(t)
>>> p[["threshold", "first_period_reached", "years_to_uhc"]].values.tolist()
[[95.0, '2024-07', 5.1]]
"""

from __future__ import annotations

import math

import pandas as pd

from uhc_analysis import schemas
from uhc_analysis.ingest.parsing import date_of_decimal_year

#: Columns of ``projections.csv`` (:class:`uhc_analysis.schemas.tables.ProjectionsSchema`).
PROJECTIONS: tuple[str, ...] = tuple(schemas.columns_of("projections"))


def time_to_uhc_table(crossings: pd.DataFrame, regions: pd.DataFrame) -> pd.DataFrame:
    """Crossings with ``region_name`` and ``region_level``, sorted by region, measure, threshold.

    ``regions``: ``region_code, region_name, region_level`` (e.g.
    :func:`uhc_analysis.analysis.regions.focus_regions`); a crossing
    of a region not in it raises.
    """
    names = regions.set_index("region_code")[["region_name", "region_level"]]
    unknown = sorted(set(crossings["region_code"]) - set(names.index))
    if unknown:
        raise ValueError(f"time_to_uhc: regions not in the gazetteer: {unknown}")
    out = crossings.join(names, on="region_code")
    out["target"] = [
        f"registered >= {t:g} and active >= {a:g}" if m == "joint" else f"{m} >= {t:g}"
        for m, t, a in zip(out["measure"], out["threshold"], out["threshold_active"], strict=True)
    ]
    cols = ["region_code", "region_name", "region_level", "province_code", "measure", "target"]
    out = out[cols + [c for c in crossings.columns if c not in cols]]
    return out.sort_values(
        ["region_code", "measure", "threshold", "threshold_active"],
        kind="mergesort",
        ignore_index=True,
    )


def _period(year: float) -> str:
    """``YYYY-MM`` of a decimal year, ``""`` for NaN."""
    if not math.isfinite(year):
        return ""
    return date_of_decimal_year(year).strftime("%Y-%m")


def projections_table(time_to_uhc: pd.DataFrame) -> pd.DataFrame:
    """The registered-coverage rows of ``time_to_uhc`` as ``projections.csv`` (see module)."""
    t = time_to_uhc.loc[time_to_uhc["measure"].eq("registered")]
    year = t["year_reached"].astype(float)
    reached = t["status"].eq("reached")
    out = pd.DataFrame(
        {
            "region_code": t["region_code"],
            "region_name": t["region_name"],
            "region_level": t["region_level"],
            "province_code": t["province_code"],
            "threshold": t["threshold"].astype(float),
            "model": t["model"],
            "status": t["status"],
            "reason": t["reason"],
            "first_period_reached": [
                _period(y) if r else "" for y, r in zip(year, reached, strict=True)
            ],
            "year_reached": year,
            "year_reached_lo80": t["year_reached_lo80"].astype(float),
            "year_reached_hi80": t["year_reached_hi80"].astype(float),
            "year_reached_lo95": t["year_reached_lo95"].astype(float),
            "year_reached_hi95": t["year_reached_hi95"].astype(float),
            "n_obs": t["n_own_obs"].astype(int),
            "first_year": t["first_date"].astype(float),
            "last_year": t["latest_date"].astype(float),
            "latest_coverage_pct": t["latest_pct"].astype(float),
            "years_to_uhc": (year - t["first_date"].astype(float)).round(3),
        }
    )
    return out[list(PROJECTIONS)].reset_index(drop=True)
