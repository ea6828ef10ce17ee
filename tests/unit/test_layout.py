"""The package's shape: layers that do not load plotting libraries, modules of a readable size."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "uhc_analysis"
#: The issue's limit ("no module over about 700 lines").
MAX_LINES = 700


@pytest.mark.parametrize(
    "layer", ["uhc_analysis.ingest", "uhc_analysis.transform", "uhc_analysis.analysis"]
)
def test_data_layers_load_no_plotting_or_gis_library(layer: str) -> None:
    """Importing every module of a data layer leaves matplotlib and geopandas unloaded."""
    code = (
        "import importlib, pkgutil, sys\n"
        f"pkg = importlib.import_module({layer!r})\n"
        "for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "    importlib.import_module(m.name)\n"
        "heavy = {'matplotlib', 'geopandas', 'seaborn', 'folium', 'shapely', 'pooch'}\n"
        "print(sorted(heavy & {name.split('.')[0] for name in sys.modules}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_no_module_is_longer_than_the_limit() -> None:
    sizes = {
        str(p.relative_to(PACKAGE)): len(p.read_text(encoding="utf-8").splitlines())
        for p in PACKAGE.rglob("*.py")
    }
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}


def test_no_utils_module() -> None:
    assert not [p for p in PACKAGE.rglob("*.py") if p.stem in {"utils", "helpers", "misc"}]
