"""Maps on hand-built square "regencies": classes, hatching, legends, labels, HTML."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import geopandas as gpd  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from shapely.geometry import box  # noqa: E402

from uhc_analysis.plotting import maps  # noqa: E402
from uhc_analysis.plotting.labels import label  # noqa: E402


def _squares(province: str, n: int, x0: float = 100.0) -> gpd.GeoDataFrame:
    """n adjacent 0.5-degree squares in a row, named Regency A, B, ..."""
    return gpd.GeoDataFrame(
        {
            "bps_code": [f"{province}{i + 1:02d}" for i in range(n)],
            "province_code": province,
            "province_name": f"Province {province}",
            "name": [f"Regency {chr(65 + i)}" for i in range(n)],
        },
        geometry=[box(x0 + 0.5 * i, -3.0, x0 + 0.5 * (i + 1), -2.5) for i in range(n)],
        crs=4326,
    )


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def shapes() -> gpd.GeoDataFrame:
    return pd.concat(
        [_squares("17", 4), _squares("16", 3, 104.0), _squares("64", 2, 110.0)], ignore_index=True
    )


@pytest.fixture
def coverage() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "region_code": ["1701", "1702", "1703", "17", "1601", "6401"],
            "coverage_pct": [96.0, 79.9, 98.0, 90.0, 85.0, 99.0],
            "period": ["2024-06", "2023-12", "2024-06", "2024-06", "2024-01", "2024-03"],
            "basis": ["published"] * 6,
            "urls": ["https://a.id/1 https://b.id/2", "https://a.id/1", "", "", "", ""],
        }
    )


def _legend_texts(legend) -> list[str]:
    return [t.get_text() for t in legend.get_texts()]


def test_coverage_classes_are_closed_on_the_left() -> None:
    values = [0, 79.99, 80, 89.99, 90, 94.99, 95, 97.99, 98, 104, np.nan]
    assert maps.coverage_classes(values).tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, pd.NA]


def test_gap_classes_and_negative_gap() -> None:
    assert maps.gap_classes([0, 1, 5000, 5001, 20000, 50000, 50001]).tolist() == [
        0,
        1,
        1,
        2,
        2,
        3,
        4,
    ]
    with pytest.raises(ValueError, match="negative"):
        maps.gap_classes([-1])


def test_projected_classes_bins_and_strictness() -> None:
    df = pd.DataFrame(
        {
            "status": [
                "reached",
                "on_track",
                "on_track",
                "on_track",
                "on_track",
                "not_on_current_trend",
                "insufficient_data",
                None,
            ],
            "year_reached": [2020.5, 2026.9, 2027.0, 2030.99, 2031.0, np.nan, np.nan, np.nan],
        }
    )
    assert maps.projected_classes(df).tolist() == [0, 1, 2, 2, 3, 4, pd.NA, pd.NA]
    with pytest.raises(ValueError, match="unknown projection status"):
        maps.projected_classes(pd.DataFrame({"status": ["maybe"], "year_reached": [np.nan]}))
    with pytest.raises(ValueError, match="without year_reached"):
        maps.projected_classes(
            pd.DataFrame({"region_code": ["1701"], "status": ["on_track"], "year_reached": [None]})
        )


def test_coverage_map_returns_axes_with_hatched_no_data(shapes, coverage) -> None:
    ax = maps.plot_coverage_map(coverage, "17", boundaries=shapes)
    assert isinstance(ax, Axes)
    hatched = [c for c in ax.collections if c.get_hatch() == maps.NO_DATA_HATCH]
    assert len(hatched) == 1  # Regency D has no figure
    texts = _legend_texts(ax.get_legend())
    assert texts == [
        "< 80 % (1)",
        "80–90 % (0)",
        "90–95 % (0)",
        "95–98 % (1)",
        "≥ 98 % (1)",
        "no data (1)",
    ]
    assert ax.get_legend().legend_handles[-1].get_hatch() == maps.NO_DATA_HATCH
    assert ax.get_legend().get_title().get_text() == "Coverage, % of population"
    names = {t.get_text() for t in ax.texts}
    assert {"Regency A", "Regency D"} <= names
    all_text = " ".join(t.get_text() for t in ax.texts)
    assert "Denominator: population as stated by each source" in all_text
    assert "2 web pages" in all_text and "2023-12 to 2024-06" in all_text


def test_coverage_map_class_colours(shapes, coverage) -> None:
    ax = maps.plot_coverage_map(coverage, "17", boundaries=shapes)
    faces = {
        matplotlib.colors.to_hex(c.get_facecolor()[0])
        for c in ax.collections
        if len(c.get_facecolor())
    }
    expected = {maps.COVERAGE_COLORS[i] for i in (0, 3, 4)} | {maps.NO_DATA_FACE}
    assert expected <= faces


def test_coverage_map_in_indonesian_draws_into_given_axes(shapes, coverage) -> None:
    fig, ax = plt.subplots()
    out = maps.plot_coverage_map(coverage, "17", boundaries=shapes, ax=ax, lang="id")
    assert out is ax
    assert _legend_texts(ax.get_legend())[-1] == "tidak ada data (1)"
    assert ax.get_title(loc="left").startswith("Cakupan JKN per kabupaten/kota")


def test_coverage_map_refuses_unknown_and_duplicate_codes(shapes, coverage) -> None:
    bad = pd.concat([coverage, coverage.iloc[[0]].assign(region_code="1709")])
    with pytest.raises(ValueError, match="1709"):
        maps.plot_coverage_map(bad, "17", boundaries=shapes)
    with pytest.raises(ValueError, match="several rows"):
        maps.plot_coverage_map(pd.concat([coverage, coverage.iloc[[0]]]), "17", boundaries=shapes)
    with pytest.raises(KeyError, match="urls"):
        maps.plot_coverage_map(coverage.drop(columns="urls"), "17", boundaries=shapes)


def test_labels_of_crowded_small_regencies_do_not_overlap() -> None:
    tiny = gpd.GeoDataFrame(
        {
            "bps_code": [f"17{i + 1:02d}" for i in range(8)],
            "province_code": "17",
            "name": [f"Kota Long Name Number {i}" for i in range(8)],
        },
        geometry=[box(100 + 0.02 * i, -3, 100 + 0.02 * (i + 1), -2.98) for i in range(7)]
        + [box(99.0, -4.0, 101.0, -2.0).difference(box(99.99, -3.01, 100.15, -2.97))],
        crs=4326,
    )
    data = pd.DataFrame(
        {
            "region_code": tiny["bps_code"],
            "coverage_pct": 90.0,
            "period": "2024",
            "basis": "bps",
            "urls": "",
        }
    )
    ax = maps.plot_coverage_map(data, "17", boundaries=tiny)
    renderer = ax.figure.canvas.get_renderer()
    names = set(tiny["name"].map(maps._wrap_name))
    boxes = [t.get_window_extent(renderer) for t in ax.texts if t.get_text() in names]
    assert len(boxes) == 8
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b)
    axbox = ax.get_window_extent(renderer)
    assert all(axbox.x0 - 1 <= b.x0 and b.x1 <= axbox.x1 + 1 for b in boxes)


def test_projected_year_map_legend(shapes) -> None:
    proj = pd.DataFrame(
        {
            "region_code": ["1701", "1702", "1703", "1701"],
            "threshold": [95.0, 95.0, 95.0, 98.0],
            "status": ["reached", "on_track", "not_on_current_trend", "on_track"],
            "year_reached": [2021.0, 2028.3, np.nan, 2040.0],
            "first_period_reached": ["2021-06", None, None, None],
        }
    )
    ax = maps.plot_projected_year_map(proj, "17", boundaries=shapes)
    assert _legend_texts(ax.get_legend()) == [
        "already reached (at least once) (1)",
        "by 2026 (0)",
        "2027–2030 (1)",
        "after 2030 (0)",
        "not on current trend (1)",
        "no data or too few figures (1)",
    ]
    ax98 = maps.plot_projected_year_map(proj, "17", boundaries=shapes, threshold=98)
    assert _legend_texts(ax98.get_legend())[3] == "after 2030 (1)"


def test_gap_map_legend(shapes) -> None:
    metrics = pd.DataFrame(
        {
            "region_code": ["1701", "1702", "1703", "1704"],
            "threshold": [95.0] * 4,
            "gap_people": [0, 4200, 61000, np.nan],
            "basis": ["dukcapil"] * 4,
            "period": ["2024-06"] * 4,
        }
    )
    ax = maps.plot_gap_map(metrics, "17", boundaries=shapes, lang="id")
    texts = _legend_texts(ax.get_legend())
    assert texts[0] == "0 (sudah ≥ 95 %) (1)"
    assert texts[1] == "1–5.000 (1)"
    assert texts[4] == "lebih dari 50.000 (1)"
    assert texts[5] == "tidak ada data (1)"


def test_three_province_map_is_a_figure_with_three_panels(shapes, coverage) -> None:
    fig = maps.plot_three_province_map(coverage, boundaries=shapes)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 3
    legend_texts = _legend_texts(fig.legends[0])
    assert legend_texts[-1] == "no data (4)"  # 1704, 1602, 1603, 6402
    assert any(t.get_text() == "Province 64" for t in fig.texts)
    with pytest.raises(ValueError, match="kind"):
        maps.plot_three_province_map(coverage, kind="pie", boundaries=shapes)


def test_interactive_map_writes_html(shapes, coverage, tmp_path: Path) -> None:
    out = maps.interactive_map(coverage, ["17", "16"], tmp_path / "map.html", boundaries=shapes)
    html = out.read_text()
    assert "Regency A" in html and "https://b.id/2" in html and "96.0 %" in html
    assert "tile.openstreetmap" not in html
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.html"]


def test_labels_are_bilingual() -> None:
    assert label("no_data", "en") == "no data"
    assert label("no_data", "id") == "tidak ada data"
    with pytest.raises(ValueError):
        label("no_data", "fr")
    with pytest.raises(KeyError, match="labels.py"):
        label("nope", "en")
    from uhc_analysis.plotting.labels import LABELS, LANGS

    assert all(set(v) == set(LANGS) for v in LABELS.values())


def test_importing_plot_modules_stays_light() -> None:
    code = (
        "import sys, uhc_analysis.plotting.maps, uhc_analysis.plotting.charts, "
        "uhc_analysis.boundaries, uhc_analysis.plotting.export, uhc_analysis.plotting.labels; "
        "heavy = {'geopandas', 'matplotlib', 'pooch', 'folium', 'seaborn', 'pandas'}; "
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
