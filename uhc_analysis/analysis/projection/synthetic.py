"""Tiny synthetic coverage panels for tests and examples."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd

from uhc_analysis import schemas


def synthetic_panel(
    series: Mapping[str, Sequence[tuple[float, float]]],
    *,
    lower_bound: Mapping[str, Sequence[tuple[float, float]]] | None = None,
) -> pd.DataFrame:
    """A tiny coverage panel with ``schemas.PANEL`` columns, for tests and examples.

    ``series`` maps a region code to ``(decimal_year, coverage_pct)`` pairs;
    ``lower_bound`` adds "more than X %" figures the same way.

    Examples
    --------
    >>> p = synthetic_panel({"1701": [(2020.5, 80.0)]})
    >>> p[["region_code", "period", "coverage_pct"]].to_numpy().tolist()
    [['1701', '2020-07', 80.0]]
    """
    rows = []
    for flag, mapping in ((False, series), (True, lower_bound or {})):
        for code, pairs in mapping.items():
            for t, c in pairs:
                year, frac = int(math.floor(t)), t - math.floor(t)
                month = min(int(frac * 12) + 1, 12)
                rows.append(
                    {
                        "region_code": code,
                        "region_name": f"Region {code}",
                        "region_level": "province" if len(code) == 2 else "regency",
                        "province_code": code[:2],
                        "period": f"{year}-{month:02d}",
                        "period_precision": "month",
                        "date": f"{year}-{month:02d}-15",
                        "decimal_year": float(t),
                        "measure": "registered",
                        "basis": "published",
                        "coverage_pct": float(c),
                        "coverage_status": "published",
                        "lower_bound": flag,
                        "rounded": False,
                        "over_100": c > 100,
                        "observation_id": f"E-{code}-{t:.3f}-{int(flag)}",
                    }
                )
    df = pd.DataFrame(rows, columns=list(schemas.PANEL))
    for c in ("lower_bound", "rounded", "over_100"):
        df[c] = df[c].astype(bool)
    return df
