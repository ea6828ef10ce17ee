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
    RECENT_MONTHS,
    YEAR_BINS,
    coverage_class_labels,
    coverage_classes,
    figure_month,
    gap_class_labels,
    gap_classes,
    projected_class_labels,
    projected_classes,
)
from uhc_analysis.plotting.interactive import interactive_map, interactive_map_html
from uhc_analysis.plotting.labels import fmt_int, fmt_pct, fmt_threshold, label, source_text
from uhc_analysis.plotting.layers import (
    Layer,
    coverage_layer,
    gap_layer,
    projected_layer,
    province_name,
    province_shapes,
)
from uhc_analysis.plotting.panels import (
    annotate_axes,
    draw_layer,
    province_panels,
    region_text,
    single_map,
)
from uhc_analysis.plotting.style import (
    COVERAGE_COLORS,
    GAP_COLORS,
    NO_DATA_EDGE,
    NO_DATA_FACE,
    NO_DATA_HATCH,
    PROJECTED_COLORS,
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
    "RECENT_MONTHS",
    "YEAR_BINS",
    "annotate_axes",
    "coverage_class_labels",
    "coverage_classes",
    "draw_layer",
    "figure_texts",
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


# --------------------------------------------------------------------------- labels


def figure_texts(layer: Layer, value: str, lang: str) -> list[str]:
    """Each region's map label: its name, then its figure and, where dates differ, its month.

    ``value`` is the column of ``layer.gdf`` shown (``coverage_pct`` or
    ``gap_people``). The month is added to every figure when the figures of
    the map are not all of one month, and to every stale figure in any case.

    Examples
    --------
    >>> import pandas as pd
    >>> from uhc_analysis.plotting.examples import squares
    >>> data = pd.DataFrame({"region_code": ["1701", "1702"], "coverage_pct": [76.0, 98.2],
    ...     "period": ["2022-06", "2026-01"], "basis": ["published"] * 2})
    >>> layer = coverage_layer(data, squares("17", 3), "en", as_of="2026-12-02")
    >>> [t.replace("\\xa0", " ").split("\\n") for t in figure_texts(layer, "coverage_pct", "en")]
    [['Regency A', '76.0 % (2022-06)'], ['Regency B', '98.2 % (2026-01)'], ['Regency C']]
    """
    import math

    gdf = layer.gdf
    has = layer.classes.notna().to_numpy()
    months = figure_month(gdf["period"])
    differ = len({m for m, h in zip(months, has, strict=True) if h and m}) > 1
    stale = layer.stale.to_numpy() if layer.stale is not None else [False] * len(gdf)
    lower = gdf["lower_bound"].eq(True).to_numpy() if "lower_bound" in gdf.columns else None
    out = []
    for i, name in enumerate(gdf["name"]):
        v = gdf[value].iloc[i]
        if not has[i] or v is None or (isinstance(v, float) and math.isnan(v)):
            out.append(region_text(str(name), months[i] if has[i] and differ else ""))
            continue
        if value == "coverage_pct":
            text = ("> " if lower is not None and lower[i] else "") + fmt_pct(float(v), lang)
        else:
            text = fmt_int(float(v), lang)
        if months[i] and (differ or stale[i]):
            text = label("map_value_date", lang, value=text, date=months[i])
        out.append(region_text(str(name), text))
    return out


def _single_map(
    layer: Layer, ax: Axes | None, title: str, source: str, texts: Sequence[str] | None = None
) -> Axes:
    """One province's map (:func:`uhc_analysis.plotting.panels.single_map`)."""
    names = [region_text(str(n)) for n in layer.gdf["name"]] if texts is None else texts
    return single_map(layer, names, ax, title, source, fontsize=7.5)


# --------------------------------------------------------------------------- public maps


def plot_coverage_map(
    data: pd.DataFrame,
    province: str,
    *,
    ax: Axes | None = None,
    lang: str = "en",
    boundaries: gpd.GeoDataFrame | None = None,
    sources: pd.DataFrame | None = None,
    as_of: object | None = None,
    months: float = RECENT_MONTHS,
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
    as_of, months
        Figures older than ``months`` months at ``as_of`` (default today) are
        dotted and dated: the evidence age rule of ``uhc_status.csv``
        (:data:`~uhc_analysis.plotting.classes.RECENT_MONTHS`).

    Each regency is labelled with its figure, and with the figure's month
    when the figures of the map are not all of one month.

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
    layer = coverage_layer(data, shapes, lang, sources, as_of=as_of, months=months)
    name = province_name(shapes, str(province))
    source = source_text(len(layer.urls), layer.periods, lang, maps=True)
    title = label("title_coverage", lang, province=name)
    return _single_map(layer, ax, title, source, figure_texts(layer, "coverage_pct", lang))


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
    as_of: object | None = None,
    months: float = RECENT_MONTHS,
) -> Axes:
    """Map of the number of people each regency must still enrol to reach ``threshold`` %.

    Parameters
    ----------
    metrics
        ``metrics.csv`` rows with ``region_code``, ``threshold``, ``gap_people``
        (0 when at or above the threshold), ``basis``, ``period``; one row per
        regency at ``threshold``.
    province, ax, lang, boundaries, sources, as_of, months
        As in :func:`plot_coverage_map`.
    threshold
        Coverage threshold in percent.

    A regency with a coverage figure (``coverage_pct`` column) but no gap
    (its source gives no population) is drawn "number unknown", not "no data".

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
    layer = gap_layer(metrics, shapes, threshold, lang, sources, as_of=as_of, months=months)
    name = province_name(shapes, str(province))
    title = label("title_gap", lang, threshold=fmt_threshold(threshold, lang), province=name)
    source = source_text(len(layer.urls), layer.periods, lang, maps=True)
    return _single_map(layer, ax, title, source, figure_texts(layer, "gap_people", lang))


def plot_three_province_map(
    data: pd.DataFrame,
    *,
    kind: str = "coverage",
    lang: str = "en",
    threshold: float = 95,
    boundaries: gpd.GeoDataFrame | None = None,
    provinces: Sequence[str] = config.FOCUS_PROVINCES,
    sources: pd.DataFrame | None = None,
    as_of: object | None = None,
    months: float = RECENT_MONTHS,
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
    sources, as_of, months
        As in :func:`plot_coverage_map` (not used by ``projected_year``).

    The panels are at one common scale (:func:`uhc_analysis.plotting.panels.province_panels`).

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
    (3, 'no data (3)')
    """
    if kind not in MAP_KINDS:
        raise ValueError(f"unknown map kind {kind!r}; use one of {MAP_KINDS}")
    if boundaries is None:
        from uhc_analysis.boundaries import load_boundaries

        boundaries = load_boundaries(list(provinces))
    panels = []
    for p in provinces:
        shapes = province_shapes(p, boundaries)
        if kind == "coverage":
            layer = coverage_layer(data, shapes, lang, sources, as_of=as_of, months=months)
            texts = figure_texts(layer, "coverage_pct", lang)
        elif kind == "gap":
            layer = gap_layer(data, shapes, threshold, lang, sources, as_of=as_of, months=months)
            texts = figure_texts(layer, "gap_people", lang)
        else:
            layer = projected_layer(data, shapes, threshold, lang, YEAR_BINS)
            texts = [region_text(str(n)) for n in layer.gdf["name"]]
        panels.append((str(p), shapes, layer, texts))
    title_key = {
        "coverage": "title_coverage_all",
        "gap": "title_gap_all",
        "projected_year": "title_projected_all",
    }[kind]
    title = label(title_key, lang, threshold=fmt_threshold(threshold, lang))
    subtitle = " / ".join(sorted({lay.subtitle for _, _, lay, _ in panels}))
    if kind == "projected_year":
        source = label("source_projection", lang)
    else:
        urls: set[str] = set().union(*(lay.urls for _, _, lay, _ in panels))
        periods = [p for _, _, lay, _ in panels for p in lay.periods]
        source = source_text(len(urls), periods, lang, maps=True)
    return province_panels(panels, title, subtitle, source, fontsize=6.0)
