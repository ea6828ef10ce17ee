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

#: public name -> (module that defines it, its name there)
_LAZY: dict[str, tuple[str, str]] = {
    # workspace and the pipeline's stages (what the ``uhc-analysis`` subcommands run)
    "init_workspace": ("uhc_analysis.workspace", "init_workspace"),
    "build": ("uhc_analysis.pipeline", "build"),
    "run_all": ("uhc_analysis.pipeline", "run_all"),
    "run_notebooks": ("uhc_analysis.notebooks", "run_notebooks"),
    # reading the processed tables (dtypes as their schemas declare)
    "load_processed": ("uhc_analysis.io", "load_processed"),
    "load_panel": ("uhc_analysis.io", "load_panel"),
    "load_regions": ("uhc_analysis.ingest.regions", "load_regions"),
    "load_boundaries": ("uhc_analysis.boundaries", "load_boundaries"),
    "resolve_region": ("uhc_analysis.ingest.regions", "resolve_region"),
    "RegionResolutionError": ("uhc_analysis.ingest.regions", "RegionResolutionError"),
    # transform and analysis, by verb (the nouns the stages write are kept as aliases)
    "assemble_panel": ("uhc_analysis.transform.panel", "coverage_panel"),
    "estimate_population": ("uhc_analysis.transform.population", "population_series"),
    "trace_sources": ("uhc_analysis.transform.panel", "trace_sources"),
    "compute_metrics": ("uhc_analysis.analysis.metrics", "uhc_metrics"),
    "project": ("uhc_analysis.analysis.forecast", "project"),
    "evaluate_status": ("uhc_analysis.analysis.uhc_status", "uhc_status"),
    "coverage_panel": ("uhc_analysis.transform.panel", "coverage_panel"),
    "population_series": ("uhc_analysis.transform.population", "population_series"),
    "uhc_metrics": ("uhc_analysis.analysis.metrics", "uhc_metrics"),
    "uhc_status": ("uhc_analysis.analysis.uhc_status", "uhc_status"),
    # settings of the stages
    "CleanSettings": ("uhc_analysis.transform.clean", "CleanSettings"),
    "PopulationSettings": ("uhc_analysis.transform.population", "PopulationSettings"),
    "ForecastSettings": ("uhc_analysis.analysis.forecast", "ForecastSettings"),
    "StatusSettings": ("uhc_analysis.analysis.uhc_status", "StatusSettings"),
    # plotting: a tidy frame in, ``ax=None``, the Axes out
    "plot_coverage_map": ("uhc_analysis.plotting.maps", "plot_coverage_map"),
    "plot_gap_map": ("uhc_analysis.plotting.maps", "plot_gap_map"),
    "plot_projected_year_map": ("uhc_analysis.plotting.maps", "plot_projected_year_map"),
    "plot_three_province_map": ("uhc_analysis.plotting.maps", "plot_three_province_map"),
    "plot_coverage_trend": ("uhc_analysis.plotting.charts", "plot_coverage_trend"),
    "plot_province_small_multiples": (
        "uhc_analysis.plotting.charts",
        "plot_province_small_multiples",
    ),
    "plot_ranked_bars": ("uhc_analysis.plotting.bars", "plot_ranked_bars"),
    "plot_status_map": ("uhc_analysis.plotting.status_maps", "status_map"),
    "plot_activity_map": ("uhc_analysis.plotting.activity", "activity_map"),
    "plot_activity_ranking": ("uhc_analysis.plotting.activity", "activity_ranking"),
    "interactive_map": ("uhc_analysis.plotting.interactive", "interactive_map"),
}

__all__ = ["__version__", *sorted(_LAZY)]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'uhc_analysis' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
