"""Static choropleth maps of JKN coverage by regency/city (geopandas + matplotlib).

Each plotting function follows the geopandas convention: it takes a tidy
DataFrame and ``ax=None``, creates a figure only when ``ax`` is None, and
returns the Axes (the Figure for the multi-panel map). Nothing is shown or
saved here; :mod:`uhc_analysis.plotting.export` writes the files.

Conventions shared by every map:

* fixed policy classes (:mod:`uhc_analysis.plotting.classes`), so maps of
  different provinces and dates are comparable, drawn with
  ``GeoDataFrame.plot(categorical=True)``;
* colour-blind-safe ColorBrewer palettes (YlGnBu, YlOrBr) plus one orange for
  "not on current trend" (:mod:`uhc_analysis.plotting.style`);
* regencies without data are drawn grey and hatched (geopandas'
  ``missing_kwds``) and listed in the legend ("no data" / "tidak ada data");
  the legend gives the count of regencies per class;
* regency names are placed inside their regency and pushed apart when they
  collide (:mod:`uhc_analysis.plotting.placement`);
* a subtitle states the denominator basis and a line under the map gives the
  number of source web pages (from the tidy ``sources`` frame, one row per
  region and URL, see :func:`uhc_analysis.plotting.frames.region_urls`) and
  the dates.

All text comes from :mod:`uhc_analysis.plotting.labels` (``lang="en"`` or ``"id"``).
The interactive map is in :mod:`uhc_analysis.plotting.interactive`; the class
functions and colours are re-exported here for the notebooks.

Examples
--------
>>> import pandas as pd
>>> from uhc_analysis.plotting.examples import squares
>>> data = pd.DataFrame({"region_code": ["1701", "1702"], "coverage_pct": [96.0, 79.0],
...                      "period": ["2024-06", "2023-12"], "basis": ["published"] * 2})
>>> sources = pd.DataFrame({"region_code": ["1701"], "url": ["https://example.org/a"]})
>>> ax = plot_coverage_map(data, "17", boundaries=squares("17", 3), sources=sources)
>>> [t.get_text() for t in ax.get_legend().get_texts()][-1]
'no data (1)'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from uhc_analysis import config
from uhc_analysis.plotting.classes import (
    COVERAGE_BREAKS,
    GAP_BREAKS,
    PROJECTION_STATUSES,
    YEAR_BINS,
    coverage_class_labels,
    coverage_classes,
    gap_class_labels,
    gap_classes,
    projected_class_labels,
    projected_classes,
)
from uhc_analysis.plotting.interactive import interactive_map, interactive_map_html
from uhc_analysis.plotting.labels import fmt_threshold, label, source_text, wrap_to_width
from uhc_analysis.plotting.layers import (
    Layer,
    class_counts,
    coverage_layer,
    gap_layer,
    legend_handles,
    projected_layer,
    province_name,
    province_shapes,
)
from uhc_analysis.plotting.placement import label_regions
from uhc_analysis.plotting.style import (
    BORDER_COLOR,
    COVERAGE_COLORS,
    GAP_COLORS,
    NO_DATA_EDGE,
    NO_DATA_FACE,
    NO_DATA_HATCH,
    OUTLINE_COLOR,
    PROJECTED_COLORS,
    SOURCE_COLOR,
    SUBTITLE_COLOR,
    note_above,
)

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "COVERAGE_BREAKS",
    "COVERAGE_COLORS",
    "GAP_BREAKS",
    "GAP_COLORS",
    "MAP_KINDS",
    "NO_DATA_EDGE",
    "NO_DATA_FACE",
    "NO_DATA_HATCH",
    "PROJECTED_COLORS",
    "PROJECTION_STATUSES",
    "YEAR_BINS",
    "coverage_class_labels",
    "coverage_classes",
    "gap_class_labels",
    "gap_classes",
    "interactive_map",
    "interactive_map_html",
    "plot_coverage_map",
    "plot_gap_map",
    "plot_projected_year_map",
    "plot_three_province_map",
    "projected_class_labels",
    "projected_classes",
    "province_shapes",
]

MAP_KINDS: tuple[str, ...] = ("coverage", "projected_year", "gap")


# --------------------------------------------------------------------------- drawing


def draw_layer(ax: Axes, layer: Layer, *, linewidth: float = 0.6) -> None:
    """Fill every polygon by class, hatched grey for no data; outline the province.

    One ``GeoDataFrame.plot(categorical=True)`` call: geopandas draws one
    collection per class, in class order, with the class's colour (``cmap`` a
    dict), and the regencies without a class with ``missing_kwds``. Only the
    classes present are passed as ``categories``, so an empty class adds no
    empty collection to the SVG (the legend comes from :func:`legend_handles`).
    """
    import geopandas as gpd

    layer.gdf.assign(_class=layer.classes.to_numpy()).plot(
        column="_class",
        categorical=True,
        categories=sorted(int(c) for c in layer.classes.dropna().unique()),
        cmap=dict(enumerate(layer.colors)),
        ax=ax,
        edgecolor=BORDER_COLOR,
        linewidth=linewidth,
        zorder=1,
        missing_kwds={
            "facecolor": NO_DATA_FACE,
            "edgecolor": NO_DATA_EDGE,
            "hatch": NO_DATA_HATCH,
            "linewidth": linewidth * 0.6,
        },
    )
    outline = layer.gdf.geometry.union_all().boundary
    gpd.GeoSeries([outline], crs=layer.gdf.crs).plot(
        ax=ax, color=OUTLINE_COLOR, linewidth=linewidth, zorder=2
    )
    ax.set_axis_off()


def annotate_axes(
    ax: Axes, title: str, subtitle: str, source: str | None, *, wrap_width_in: float | None = None
) -> None:
    """Bold title, subtitle under it, and a small source line under the axes."""
    fig = ax.figure
    ax.apply_aspect()
    width_in = wrap_width_in or ax.get_position().width * fig.get_figwidth()
    sub = wrap_to_width(subtitle, width_in, 9)
    n_sub = sub.count("\n") + 1
    note_above(ax, sub, fontsize=9, color=SUBTITLE_COLOR, offset=6)
    ax.set_title(
        wrap_to_width(title, width_in, 12.5),
        loc="left",
        fontsize=12.5,
        fontweight="bold",
        pad=10 + 11.5 * n_sub,
    )
    if source:
        ax.annotate(
            wrap_to_width(source, width_in, 7),
            xy=(0, 0),
            xycoords="axes fraction",
            xytext=(0, -8),
            textcoords="offset points",
            ha="left",
            va="top",
            fontsize=7,
            color=SOURCE_COLOR,
        )


def _single_map(layer: Layer, ax: Axes | None, title: str, source: str) -> Axes:
    """One province's map with its legend right of it, titles and names."""
    import matplotlib.pyplot as plt

    if ax is None:
        fig = plt.figure(figsize=(10.0, 7.5))
        ax = fig.add_axes((0.03, 0.12, 0.62, 0.74))
        wrap_in = fig.get_figwidth() * 0.94
    else:
        wrap_in = None
    draw_layer(ax, layer)
    ax.legend(
        handles=legend_handles(layer),
        title=layer.legend_title,
        loc="upper left",
        bbox_to_anchor=(1.02, 1.0),
        frameon=False,
        fontsize=9,
        title_fontsize=9.5,
        alignment="left",
        handlelength=2.2,
        handleheight=1.4,
    )
    annotate_axes(ax, title, layer.subtitle, source, wrap_width_in=wrap_in)
    label_regions(ax, layer.gdf)
    return ax


# --------------------------------------------------------------------------- public maps


def plot_coverage_map(
    data: pd.DataFrame,
    province: str,
    *,
    ax: Axes | None = None,
    lang: str = "en",
    boundaries: gpd.GeoDataFrame | None = None,
    sources: pd.DataFrame | None = None,
) -> Axes:
    """Choropleth of the latest JKN coverage of each regency/city of one province.

    Parameters
    ----------
    data
        One row per regency with ``region_code`` (4-digit BPS), ``coverage_pct``,
        ``period`` and ``basis``, e.g.
        :func:`uhc_analysis.analysis.metrics.latest_coverage`; rows of other
        provinces and province/national rows are ignored; a code that is not a
        regency of the province raises.
    province
        2-digit BPS province code, e.g. ``"17"``.
    ax
        Axes to draw into; a new figure is made when None.
    lang
        ``"en"`` or ``"id"``.
    boundaries
        Output of :func:`uhc_analysis.boundaries.load_boundaries` (default: load it).
    sources
        Source URLs, one row per region and URL (columns ``region_code``,
        ``url``; :func:`uhc_analysis.plotting.frames.region_urls`); the source
        line counts those of the regencies with data. Without it the line
        gives no count.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> from uhc_analysis.plotting.examples import squares
    >>> data = pd.DataFrame({"region_code": ["1701", "1702"], "coverage_pct": [96.1, 88.0],
    ...     "period": ["2024-06", "2023-12"], "basis": ["published"] * 2})
    >>> ax = plot_coverage_map(data, "17", lang="id", boundaries=squares("17", 2))
    >>> ax.get_title(loc="left")
    'Cakupan JKN per kabupaten/kota, Province 17'
    """
    shapes = province_shapes(province, boundaries)
    layer = coverage_layer(data, shapes, lang, sources)
    name = province_name(shapes, str(province))
    source = source_text(len(layer.urls), layer.periods, lang, maps=True)
    return _single_map(layer, ax, label("title_coverage", lang, province=name), source)


def plot_projected_year_map(
    projections: pd.DataFrame,
    province: str,
    *,
    threshold: float = 95,
    ax: Axes | None = None,
    lang: str = "en",
    boundaries: gpd.GeoDataFrame | None = None,
    year_bins: tuple[int, int] = YEAR_BINS,
) -> Axes:
    """Map of the year each regency reaches ``threshold`` % coverage on its current trend.

    Classes: already reached; on track by ``year_bins[0]``, up to
    ``year_bins[1]``, later; not on current trend; no data (hatched; also
    ``insufficient_data``).

    Parameters
    ----------
    projections
        ``projections.csv`` rows with ``region_code``, ``threshold``, ``status``,
        ``year_reached``, ``first_period_reached``; only rows at ``threshold`` are used.
    province, ax, lang, boundaries
        As in :func:`plot_coverage_map`.
    threshold
        Coverage threshold in percent (95 UHC, 98 national target).
    year_bins
        Last years of the first two on-track bins.

    Examples
    --------
    >>> import pandas as pd
    >>> from uhc_analysis.plotting.examples import squares
    >>> proj = pd.DataFrame({"region_code": ["1701"], "threshold": [95], "status": ["on_track"],
    ...     "year_reached": [2027.4], "first_period_reached": [""]})
    >>> ax = plot_projected_year_map(proj, "17", boundaries=squares("17", 2))
    >>> [t.get_text() for t in ax.get_legend().get_texts()][2]
    '2027\u20132030 (1)'
    """
    shapes = province_shapes(province, boundaries)
    layer = projected_layer(projections, shapes, threshold, lang, year_bins)
    name = province_name(shapes, str(province))
    title = label("title_projected", lang, threshold=fmt_threshold(threshold, lang), province=name)
    return _single_map(layer, ax, title, label("source_projection", lang))


def plot_gap_map(
    metrics: pd.DataFrame,
    province: str,
    *,
    threshold: float = 95,
    ax: Axes | None = None,
    lang: str = "en",
    boundaries: gpd.GeoDataFrame | None = None,
    sources: pd.DataFrame | None = None,
) -> Axes:
    """Map of the number of people each regency must still enrol to reach ``threshold`` %.

    Parameters
    ----------
    metrics
        ``metrics.csv`` rows with ``region_code``, ``threshold``, ``gap_people``
        (0 when at or above the threshold), ``basis``, ``period``; one row per
        regency at ``threshold``.
    province, ax, lang, boundaries, sources
        As in :func:`plot_coverage_map`.
    threshold
        Coverage threshold in percent.

    Examples
    --------
    >>> import pandas as pd
    >>> from uhc_analysis.plotting.examples import squares
    >>> m = pd.DataFrame({"region_code": ["1701"], "threshold": [95], "gap_people": [1200],
    ...     "basis": ["dukcapil"], "period": ["2024-06"]})
    >>> ax = plot_gap_map(m, "17", boundaries=squares("17", 2))
    >>> [t.get_text() for t in ax.get_legend().get_texts()][1]
    '1\u20135,000 (1)'
    """
    shapes = province_shapes(province, boundaries)
    layer = gap_layer(metrics, shapes, threshold, lang, sources)
    name = province_name(shapes, str(province))
    title = label("title_gap", lang, threshold=fmt_threshold(threshold, lang), province=name)
    source = source_text(len(layer.urls), layer.periods, lang, maps=True)
    return _single_map(layer, ax, title, source)


def plot_three_province_map(
    data: pd.DataFrame,
    *,
    kind: str = "coverage",
    lang: str = "en",
    threshold: float = 95,
    boundaries: gpd.GeoDataFrame | None = None,
    provinces: Sequence[str] = config.FOCUS_PROVINCES,
    sources: pd.DataFrame | None = None,
) -> Figure:
    """One figure with a map panel per province (the focus provinces by default), one legend.

    Parameters
    ----------
    data
        The frame the single-province function of ``kind`` takes: coverage
        data (``kind="coverage"``), projections (``"projected_year"``) or
        metrics (``"gap"``).
    kind
        ``"coverage"``, ``"projected_year"`` or ``"gap"``.
    lang
        ``"en"`` or ``"id"``.
    threshold
        Threshold for ``projected_year`` and ``gap``.
    boundaries
        Output of :func:`load_boundaries` for the provinces (default: load it).
    provinces
        Panel order; default :data:`uhc_analysis.config.FOCUS_PROVINCES`.
    sources
        As in :func:`plot_coverage_map` (not used by ``projected_year``).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> from uhc_analysis.plotting.examples import squares
    >>> shapes = pd.concat([squares("16", 2), squares("17", 3, x0=102)], ignore_index=True)
    >>> data = pd.DataFrame({"region_code": ["1601", "1702"], "coverage_pct": [91.0, 99.0],
    ...     "period": ["2024-06"] * 2, "basis": ["bps"] * 2})
    >>> fig = plot_three_province_map(data, boundaries=shapes, provinces=("16", "17"))
    >>> len(fig.axes), [t.get_text() for t in fig.legends[0].get_texts()][-1]
    (2, 'no data (3)')
    """
    import matplotlib.pyplot as plt

    if kind not in MAP_KINDS:
        raise ValueError(f"unknown map kind {kind!r}; use one of {MAP_KINDS}")
    if boundaries is None:
        from uhc_analysis.boundaries import load_boundaries

        boundaries = load_boundaries(list(provinces))
    layers = []
    for p in provinces:
        shapes = province_shapes(p, boundaries)
        if kind == "coverage":
            layer = coverage_layer(data, shapes, lang, sources)
        elif kind == "gap":
            layer = gap_layer(data, shapes, threshold, lang, sources)
        else:
            layer = projected_layer(data, shapes, threshold, lang, YEAR_BINS)
        layers.append((p, shapes, layer))

    fig = plt.figure(figsize=(16.0, 7.6))
    gap = 0.018
    width = (0.97 - gap * (len(layers) - 1)) / len(layers)
    axes = [
        fig.add_axes((0.015 + i * (width + gap), 0.17, width, 0.64)) for i in range(len(layers))
    ]
    for ax, (p, shapes, layer) in zip(axes, layers, strict=True):
        draw_layer(ax, layer, linewidth=0.5)
        ax.apply_aspect()
        # panel titles on one line across the figure, whatever each map's aspect
        fig.text(
            ax.get_position().x0,
            0.845,
            province_name(shapes, p),
            fontsize=11.5,
            fontweight="bold",
            va="bottom",
        )
        label_regions(ax, layer.gdf, fontsize=6.5)

    first = layers[0][2]
    counts = [sum(c) for c in zip(*(class_counts(lay) for _, _, lay in layers), strict=True)]
    fig.legend(
        handles=legend_handles(first, counts),
        title=first.legend_title,
        loc="lower center",
        bbox_to_anchor=(0.5, 0.055),
        ncols=len(counts),
        frameon=False,
        fontsize=9,
        title_fontsize=9.5,
        handlelength=2.2,
        handleheight=1.4,
    )
    title_key = {
        "coverage": "title_coverage_all",
        "gap": "title_gap_all",
        "projected_year": "title_projected_all",
    }[kind]
    fig.text(
        0.015,
        0.965,
        label(title_key, lang, threshold=fmt_threshold(threshold, lang)),
        fontsize=14,
        fontweight="bold",
        va="top",
    )
    bases = sorted({lay.subtitle for _, _, lay in layers})
    fig.text(0.015, 0.915, " / ".join(bases), fontsize=9.5, color=SUBTITLE_COLOR, va="top")
    if kind == "projected_year":
        source = label("source_projection", lang)
    else:
        urls: set[str] = set().union(*(lay.urls for _, _, lay in layers))
        periods = [p for _, _, lay in layers for p in lay.periods]
        source = source_text(len(urls), periods, lang, maps=True)
    fig.text(
        0.015, 0.035, wrap_to_width(source, 15.5, 7.5), fontsize=7.5, color=SOURCE_COLOR, va="top"
    )
    return fig
