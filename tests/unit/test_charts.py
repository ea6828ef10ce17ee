"""Charts on small hand-built panels: trend with fan, small multiples, ranked bars."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from uhc_analysis import schemas  # noqa: E402
from uhc_analysis.plotting import bars, charts, style  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _row(code: str, year: float, pct: float, basis: str = "published", **kw) -> dict:
    row = dict.fromkeys(schemas.PANEL, "")
    row.update(
        region_code=code,
        region_name=f"Name {code}",
        region_level="regency",
        province_code=code[:2],
        period=str(int(year)),
        date=f"{int(year)}-12-31",
        decimal_year=year,
        measure="registered",
        basis=basis,
        coverage_pct=pct,
        lower_bound=False,
        observation_id=f"E-{code}-{year}",
    )
    row.update(kw)
    return row


@pytest.fixture
def panel() -> pd.DataFrame:
    rows = [
        _row("1701", 2019.5, 80.0),
        _row("1701", 2021.5, 88.0),
        _row("1701", 2023.5, 96.0),
        _row("1701", 2023.5, 95.0, basis="dukcapil"),
        _row("1701", 2024.5, 98.0, lower_bound=True),
        _row("1701", 2022.5, 70.0, measure="active"),
        _row("1702", 2022.5, 91.0),
    ]
    return pd.DataFrame(rows, columns=list(schemas.PANEL))


@pytest.fixture
def paths() -> pd.DataFrame:
    years = np.arange(2025, 2031)
    mid = np.linspace(98.0, 100.0, len(years))
    return pd.DataFrame(
        {
            "region_code": "1701",
            "measure": "registered",
            "model": "rw_drift",
            "year": years.astype(float),
            "median": mid,
            "coverage_pct": mid,
            "lo80": mid - 1,
            "hi80": mid + 1,
            "lo95": mid - 2,
            "hi95": mid + 2,
            "cap": 100.0,
            "borrowed_trend": False,
        },
        columns=list(schemas.PROJECTION_PATHS),
    )


def _hlines(ax: Axes) -> set[float]:
    return {
        float(line.get_ydata()[0])
        for line in ax.lines
        if len(set(line.get_ydata())) == 1 and len(line.get_ydata()) == 2
    }


def test_trend_has_thresholds_fan_and_lower_bound(panel, paths) -> None:
    ax = charts.plot_coverage_trend(panel, "1701", projections_paths=paths)
    assert isinstance(ax, Axes)
    assert {95.0, 98.0} <= _hlines(ax)
    fans = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(fans) == 2  # 95 % and 80 % bands
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "projection (median)" in legend and "80 % interval" in legend
    assert not [t for t in legend if "rw_drift" in t or "mixed" in t]  # no model names
    assert any("lower bound" in t for t in legend)
    assert "as published (source's denominator)" in legend
    assert "recomputed, Dukcapil denominator" in legend
    # the registered measure only: 4 published points (line) and no 70 % active point
    published = [ln for ln in ax.lines if ln.get_label().startswith("as published")][0]
    assert list(published.get_ydata()) == [80.0, 88.0, 96.0, 98.0]


def test_trend_without_paths_and_in_indonesian(panel) -> None:
    fig, ax = plt.subplots()
    out = charts.plot_coverage_trend(panel, "1701", ax=ax, lang="id")
    assert out is ax
    assert not [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert ax.get_ylabel() == "Cakupan (% penduduk)"


def test_trend_of_region_without_figures_is_hatched(panel) -> None:
    ax = charts.plot_coverage_trend(panel, "1709")  # a Bengkulu regency, not in the panel
    assert [p for p in ax.patches if p.get_hatch() == style.NO_DATA_HATCH]
    assert any(t.get_text() == "no data" for t in ax.texts)
    assert ax.get_title(loc="left") == "JKN coverage, Bengkulu Tengah"


def test_trend_of_unknown_region_raises(panel) -> None:
    with pytest.raises(ValueError, match="'9999'"):
        charts.plot_coverage_trend(panel, "9999")
    # a region of the panel that is not in the gazetteer is drawn
    other = pd.DataFrame([_row("9901", 2023.5, 90.0)], columns=list(schemas.PANEL))
    ax = charts.plot_coverage_trend(pd.concat([panel, other]), "9901")
    assert ax.get_title(loc="left") == "JKN coverage, Name 9901"


def test_trend_with_several_models_needs_model(panel, paths) -> None:
    two = pd.concat([paths, paths.assign(model="linear")])
    with pytest.raises(ValueError, match="model="):
        charts.plot_coverage_trend(panel, "1701", projections_paths=two)
    ax = charts.plot_coverage_trend(panel, "1701", projections_paths=two, model="linear")
    assert "projection (median)" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_small_multiples_one_panel_per_regency(panel) -> None:
    sources = pd.DataFrame(
        {"region_code": ["1701", "1702", "1601"], "url": ["https://a", "https://b", "https://c"]}
    )
    fig = charts.plot_province_small_multiples(panel, "17", sources=sources)
    assert any("(2 web pages;" in t.get_text() for t in fig.texts)
    assert isinstance(fig, Figure)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 10  # Bengkulu has 10 regencies/cities in the gazetteer
    no_data = [ax for ax in visible if any(t.get_text() == "no data" for t in ax.texts)]
    assert len(no_data) == 8  # all but 1701 and 1702
    titles = [ax.get_title(loc="left") for ax in visible]
    assert "Bengkulu Selatan" in titles and "Kota Bengkulu" in titles


def test_ranked_bars_order_colours_and_missing() -> None:
    latest = pd.DataFrame(
        {
            "region_code": ["1701", "1702", "1703", "1704", "1601"],
            "region_name": ["A", "B", "C", "D", "Other province"],
            "coverage_pct": [88.0, 98.5, np.nan, 95.0, 99.0],
            "lower_bound": [False, True, False, False, False],
            "basis": ["published"] * 5,
            "period": ["2024-06"] * 5,
        }
    )
    sources = pd.DataFrame({"region_code": ["1701", "1702"], "url": ["https://x.id/1"] * 2})
    ax = charts.plot_ranked_bars(latest, "17", sources=sources, as_of="2024-12-31")
    assert charts.plot_ranked_bars is bars.plot_ranked_bars  # the notebooks' import
    assert isinstance(ax, Axes)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["B", "D", "A", "C"]
    widths = [p.get_width() for p in ax.patches[:4]]
    assert widths[:3] == [98.5, 95.0, 88.0]
    colours = [matplotlib.colors.to_hex(p.get_facecolor()) for p in ax.patches[:4]]
    assert colours == [
        style.COVERAGE_COLORS[4],
        style.COVERAGE_COLORS[3],
        style.COVERAGE_COLORS[1],
        style.NO_DATA_FACE,
    ]
    texts = [t.get_text() for t in ax.texts]
    assert "> 98.5 %" in texts and "no data" in texts
    assert any("(1 web page;" in t for t in texts)
    assert {95.0, 98.0} <= {float(ln.get_xdata()[0]) for ln in ax.lines}


def test_ranked_bars_refuses_duplicates() -> None:
    latest = pd.DataFrame({"region_code": ["1701", "1701"], "coverage_pct": [1.0, 2.0]})
    with pytest.raises(ValueError, match="several rows"):
        charts.plot_ranked_bars(latest)


def test_lower_bound_must_be_boolean(panel) -> None:
    """read_table gives bool columns; text is refused, not parsed."""
    with pytest.raises(TypeError, match="lower_bound"):
        charts.plot_coverage_trend(panel.assign(lower_bound="True"), "1701")
    ax = charts.plot_coverage_trend(
        panel.assign(lower_bound=pd.array([True] * 7, "boolean")), "1701"
    )
    assert any("lower bound" in t.get_text() for t in ax.get_legend().get_texts())


def test_ranked_bars_date_old_and_mixed_figures_and_mark_provinces() -> None:
    """A figure older than the status table's age limit is dated and dotted; provinces tagged."""
    latest = pd.DataFrame(
        {
            "region_code": ["1701", "1702", "6401"],
            "coverage_pct": [97.0, 76.0, 96.2],
            "period": ["2026-01", "2022-06", "2026-01"],
        }
    )
    ax = charts.plot_ranked_bars(latest, None, as_of="2026-12-02")
    texts = [t.get_text() for t in ax.texts]
    assert "76.0 % (2022-06)" in texts  # older than 24 months: dated even if alone
    assert "97.0 % (2026-01)" in texts  # the dates differ: every value dated
    assert [str(p.get_hatch()) for p in ax.patches if p.get_hatch()] == [".."]
    legend = (
        [t.get_text() for t in ax.figure.legends[0].get_texts()]
        if ax.figure.legends
        else [t.get_text() for t in ax.get_legend().get_texts()]
    )
    assert legend[-1] == "figure more than 24 months old (1)"
    assert {"Bengkulu", "Kaltim"} <= set(texts)  # province tags beside the names
    fig = ax.figure
    fig.draw_without_rendering()
    right = fig.bbox.x1
    assert ax.title.get_window_extent().x1 <= right  # the title ends inside the figure
    assert ax.get_xlim()[1] < 115 and ax.get_position().width > 0.4  # bars not squeezed
    assert all(t.get_window_extent().x1 <= right + 1 for t in ax.texts)
