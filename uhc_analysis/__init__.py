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
    "resolve_region": "uhc_analysis.ingest.regions",
    "load_regions": "uhc_analysis.ingest.regions",
    "RegionResolutionError": "uhc_analysis.ingest.regions",
    "build": "uhc_analysis.pipeline",
    "load_processed": "uhc_analysis.io",
    "load_panel": "uhc_analysis.io",
    "population_series": "uhc_analysis.transform.population",
    "coverage_panel": "uhc_analysis.transform.panel",
    "trace_sources": "uhc_analysis.transform.panel",
    "uhc_metrics": "uhc_analysis.analysis.metrics",
    "project": "uhc_analysis.analysis.forecast",
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
