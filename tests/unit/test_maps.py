"""Maps on hand-built square "regencies": classes, hatching, legends, labels, sources, HTML."""

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

from uhc_analysis import config  # noqa: E402
from uhc_analysis.plotting import interactive, maps, style  # noqa: E402
from uhc_analysis.plotting.examples import squares as _squares  # noqa: E402
from uhc_analysis.plotting.frames import region_urls  # noqa: E402
from uhc_analysis.plotting.labels import label, wrap_name  # noqa: E402


@pytest.fixture(autouse=True, scope="module")
def _today_of_the_test_data():
    """The test figures (2023-2024) are recent: staleness is judged at the end of 2024."""
    import datetime as dt

    from uhc_analysis import config

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(config, "today", lambda: dt.date(2024, 12, 31))
        yield


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def shapes() -> gpd.GeoDataFrame:
    return pd.concat(
        [_squares("17", 4), _squares("16", 3, x0=104.0), _squares("64", 2, x0=110.0)],
        ignore_index=True,
    )


@pytest.fixture
def coverage() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "region_code": ["1701", "1702", "1703", "17", "1601", "6401"],
            "coverage_pct": [96.0, 79.9, 98.0, 90.0, 85.0, 99.0],
            "period": ["2024-06", "2023-12", "2024-06", "2024-06", "2024-01", "2024-03"],
            "basis": ["published"] * 6,
        }
    )


@pytest.fixture
def sources() -> pd.DataFrame:
    """Two web pages for 1701, one of them also for 1702, one for a regency without data."""
    return pd.DataFrame(
        {
            "region_code": ["1701", "1701", "1702", "1704"],
            "url": ["https://a.id/1", "https://b.id/2", "https://a.id/1", "https://c.id/3"],
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


def test_coverage_map_returns_axes_with_hatched_no_data(shapes, coverage, sources) -> None:
    ax = maps.plot_coverage_map(coverage, "17", boundaries=shapes, sources=sources)
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
    names = {t.get_text().split("\n")[0] for t in ax.texts}
    assert {"Regency\xa0A", "Regency\xa0D"} <= names
    all_text = " ".join(" ".join(t.get_text() for t in ax.texts).split())
    assert "Denominator: population as stated by each source" in all_text
    # 1704 has a URL but no figure: not counted
    assert "2 web pages" in all_text and "2023-12 to 2024-06" in all_text


def test_coverage_map_without_sources_gives_no_count(shapes, coverage) -> None:
    ax = maps.plot_coverage_map(coverage, "17", boundaries=shapes)
    all_text = " ".join(t.get_text() for t in ax.texts)
    assert "web pages" not in all_text and "URLs in the data tables" in all_text


def test_coverage_map_class_colours(shapes, coverage) -> None:
    ax = maps.plot_coverage_map(coverage, "17", boundaries=shapes)
    faces = [
        matplotlib.colors.to_hex(face)
        for c in ax.collections
        if len(c.get_paths()) and c.get_hatch() is None
        for face in c.get_facecolor()
    ]
    # regencies A (96 %), B (79.9 %), C (98 %) in class order; D has no data
    assert faces[:3] == [style.COVERAGE_COLORS[i] for i in (0, 3, 4)]
    hatched = [c for c in ax.collections if c.get_hatch() == style.NO_DATA_HATCH]
    assert [matplotlib.colors.to_hex(f) for f in hatched[0].get_facecolor()] == [style.NO_DATA_FACE]


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
    with pytest.raises(KeyError, match="period"):
        maps.plot_coverage_map(coverage.drop(columns="period"), "17", boundaries=shapes)


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
        }
    )
    ax = maps.plot_coverage_map(data, "17", boundaries=tiny)
    renderer = ax.figure.canvas.get_renderer()
    names = set(tiny["name"].map(wrap_name))
    boxes = [
        t.get_window_extent(renderer)
        for t in ax.texts
        if t.get_text().replace("\xa0", " ").rsplit("\n", 1)[0] in names
        and not t.get_path_effects()  # the live-text twin, not its halo outline below
    ]
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
        "reached earlier, latest figure below (0)",
        "no data or too few figures (1)",
    ]
    ax98 = maps.plot_projected_year_map(proj, "17", boundaries=shapes, threshold=98)
    assert _legend_texts(ax98.get_legend())[3] == "after 2030 (1)"


def test_gap_map_legend(shapes, sources) -> None:
    metrics = pd.DataFrame(
        {
            "region_code": ["1701", "1702", "1703", "1704"],
            "threshold": [95.0] * 4,
            "gap_people": [0, 4200, 61000, np.nan],
            "basis": ["dukcapil"] * 4,
            "period": ["2024-06"] * 4,
        }
    )
    ax = maps.plot_gap_map(metrics, "17", boundaries=shapes, lang="id", sources=sources)
    # every regency with a gap counts: 1701 and 1702 (2 pages), 1704 has no gap (no count)
    assert "2 halaman web" in " ".join(t.get_text() for t in ax.texts)
    texts = _legend_texts(ax.get_legend())
    assert texts[0] == "0 (sudah ≥ 95 %) (1)"
    assert texts[1] == "1–5.000 (1)"
    assert texts[4] == "lebih dari 50.000 (1)"
    assert texts[5].startswith("di bawah 95 %, jumlah tidak diketahui")
    assert texts[-1] == "tidak ada data (1)"


def test_three_province_map_is_a_figure_with_three_panels(shapes, coverage) -> None:
    fig = maps.plot_three_province_map(coverage, boundaries=shapes)
    # the panels are the focus provinces, in their order
    assert [t.get_text() for t in fig.texts[:3]] == [
        f"Province {p}" for p in config.FOCUS_PROVINCES
    ]
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 4  # three panels and the locator map
    legend_texts = _legend_texts(fig.legends[0])
    assert legend_texts[-1] == "no data (4)"  # 1704, 1602, 1603, 6402
    assert any(t.get_text() == "Province 64" for t in fig.texts)
    with pytest.raises(ValueError, match="kind"):
        maps.plot_three_province_map(coverage, kind="pie", boundaries=shapes)


def test_interactive_map_writes_html(shapes, coverage, sources, tmp_path: Path) -> None:
    out = interactive.interactive_map(
        coverage, ["17", "16"], tmp_path / "map.html", boundaries=shapes, sources=sources
    )
    html = out.read_text()
    assert "Regency A" in html and "https://b.id/2" in html and "96.0 %" in html
    assert "https://c.id/3" not in html  # the URL of a regency without data is not shown
    assert "tile.openstreetmap" not in html
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.html"]
    assert maps.interactive_map is interactive.interactive_map  # the notebooks' import


def test_region_urls_follow_the_link_tables() -> None:
    panel = pd.DataFrame(
        {
            "region_code": ["1701", "1701", "1702", "1703"],
            "observation_id": ["E1", "E1", "E2", "E3"],
            "basis": ["published", "bps", "published", "published"],
        }
    )
    links = pd.DataFrame(
        {"observation_id": ["E1", "E2", "P1", "P2"], "source_id": ["S1", "S2", "S3", "S1"]}
    )
    sources = pd.DataFrame(
        {"source_id": ["S1", "S2", "S3"], "url": ["https://a", "https://b", "https://c"]}
    )
    denominators = pd.DataFrame(
        {
            "observation_id": ["E1", "E1", "E2"],
            "basis": ["bps", "bps", "dukcapil"],
            "population_id": ["P1", "P2", "P1"],
        }
    )
    out = region_urls(panel, links, sources, denominators)
    assert out.to_dict("list") == {
        # E1 and its BPS denominators P1, P2; E2's dukcapil denominator is not a shown row;
        # E3 has no source link
        "region_code": ["1701", "1701", "1702"],
        "url": ["https://a", "https://c", "https://b"],
    }
    with pytest.raises(ValueError, match="S9"):
        region_urls(panel, links.assign(source_id="S9"), sources, denominators)
    with pytest.raises(KeyError, match="population_id"):
        region_urls(panel, links, sources, denominators.drop(columns="population_id"))


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
        "import sys, uhc_analysis.boundaries, uhc_analysis.plotting.maps, "
        "uhc_analysis.plotting.charts, uhc_analysis.plotting.bars, "
        "uhc_analysis.plotting.interactive, uhc_analysis.plotting.export, "
        "uhc_analysis.plotting.labels, uhc_analysis.plotting.frames, "
        "uhc_analysis.plotting.examples; "
        "heavy = {'geopandas', 'matplotlib', 'pooch', 'folium', 'seaborn', 'pandas'}; "
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_plotting_knows_the_schema_projection_statuses() -> None:
    from uhc_analysis.plotting import classes
    from uhc_analysis.schemas import fields

    assert classes.PROJECTION_STATUSES == fields.PROJECTION_STATUSES
