"""The public API a researcher can guess: one import, verbs, settings, an example everywhere."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

import uhc_analysis

PUBLIC = [n for n in uhc_analysis.__all__ if n != "__version__"]


def test_import_is_light() -> None:
    """``import uhc_analysis`` loads no pandas, matplotlib or geopandas (they load on first use)."""
    heavy = "{'pandas', 'matplotlib', 'geopandas'}"
    code = f"import sys, uhc_analysis; print(sorted({heavy} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_name_resolves_and_has_an_example(name: str) -> None:
    obj = getattr(uhc_analysis, name)
    doc = inspect.getdoc(obj) or ""
    assert doc, f"{name} has no docstring"
    if inspect.isclass(obj) and issubclass(obj, BaseException):
        return
    assert "Examples\n--------" in doc, f"{name} has no Examples section"


def test_the_guessable_names() -> None:
    for name in (
        "load_panel",
        "load_processed",
        "build",
        "init_workspace",
        "compute_metrics",
        "assemble_panel",
        "estimate_population",
        "evaluate_status",
        "project",
        "ForecastSettings",
        "StatusSettings",
        "CleanSettings",
        "PopulationSettings",
        "plot_coverage_map",
        "plot_coverage_trend",
        "plot_ranked_bars",
        "plot_status_map",
    ):
        assert name in uhc_analysis.__all__, name
    assert uhc_analysis.compute_metrics is uhc_analysis.uhc_metrics
    assert uhc_analysis.assemble_panel is uhc_analysis.coverage_panel


def test_unknown_name() -> None:
    with pytest.raises(AttributeError, match="no attribute 'plot_everything'"):
        uhc_analysis.plot_everything  # noqa: B018
