"""uhc-analysis: Indonesia's progress toward Universal Health Coverage (JKN), regency by regency.

Heavy libraries (pandas, geopandas, statsmodels, matplotlib) are imported lazily,
so ``import uhc_analysis`` stays fast; the public functions below are loaded on
first use.

Examples
--------
>>> import uhc_analysis
>>> uhc_analysis.resolve_region("Kab. Muko-Muko")
'1706'
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: public name -> module that defines it
_LAZY: dict[str, str] = {
    "resolve_region": "uhc_analysis.regions",
    "load_regions": "uhc_analysis.regions",
    "RegionResolutionError": "uhc_analysis.regions",
    "build": "uhc_analysis.clean",
    "load_processed": "uhc_analysis.clean",
    "population_series": "uhc_analysis.panel",
    "coverage_panel": "uhc_analysis.panel",
    "trace_sources": "uhc_analysis.panel",
    "uhc_metrics": "uhc_analysis.metrics",
    "project_coverage": "uhc_analysis.projection",
    "load_boundaries": "uhc_analysis.boundaries",
}

__all__ = ["__version__", *sorted(_LAZY)]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'uhc_analysis' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
