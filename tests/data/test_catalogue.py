"""Every output a build writes is in the catalogue of outputs, and every entry names real code."""

from __future__ import annotations

from pathlib import Path

import pytest

from uhc_analysis import config, pipeline
from uhc_analysis.analysis import catalogue


def test_every_made_by_resolves_and_every_notebook_exists() -> None:
    cat = catalogue.load_catalogue()
    assert cat["pattern"].is_unique
    for dotted in cat["made_by"]:
        assert callable(catalogue.resolve(dotted)), dotted
    for nb in filter(None, cat["notebook"]):
        assert (config.NOTEBOOKS_DIR / f"{nb}.ipynb").is_file(), nb
    commands = pipeline.__dict__
    assert set(cat["command"]) <= {"build", "metrics", "project", "status", "figures", "findings"}
    assert all(c in commands for c in set(cat["command"]))


@pytest.mark.slow
def test_every_processed_file_is_catalogued(analysed_data: Path) -> None:
    names = [
        f"data/processed/{p.name}"
        for p in sorted(analysed_data.iterdir())
        if p.is_file() and not p.name.startswith(".")  # .gitkeep, the writers' lock
    ]
    assert catalogue.uncatalogued(names) == []
    listed = {p for p in catalogue.load_catalogue()["pattern"] if p.startswith("data/processed/")}
    assert listed <= set(names), sorted(listed - set(names))


def test_every_figure_name_the_export_writes_is_catalogued(tmp_path: Path) -> None:
    """The figure families: one name of each, as :mod:`uhc_analysis.plotting.export` names them."""
    names = [
        "map_coverage_17_en.png",
        "map_coverage_all_id.svg",
        "map_coverage_en.html",
        "map_projected_year_95_16_en.pdf",
        "map_gap_95_all_en.png",
        "map_status_national_98_17_id.png",
        "map_activity_64_en.png",
        "chart_ranked_all_en.png",
        "chart_activity_16_id.png",
        "chart_trend_1703_en.png",
        "chart_trends_17_en.png",
    ]
    assert catalogue.uncatalogued([f"reports/figures/{n}" for n in names]) == []
    figures = config.FIGURES_DIR
    if figures.is_dir():  # after `make analysis`: every file there
        found = [f"reports/figures/{p.name}" for p in figures.iterdir() if p.is_file()]
        assert catalogue.uncatalogued(found) == []
