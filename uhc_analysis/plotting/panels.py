"""Map frames of every static map: one province, or a panel per province at one scale.

The coverage, gap and projected-year maps (:mod:`uhc_analysis.plotting.maps`),
the UHC-status maps (:mod:`uhc_analysis.plotting.status_maps`) and the
activity maps (:mod:`uhc_analysis.plotting.activity`) all draw a classified
:class:`~uhc_analysis.plotting.layers.Layer` here:

* :func:`draw_layer`: fixed classes, hatched grey for no data, figures older
  than the evidence age rule dotted, the province outlined;
* the polygons in a metric projection with a display-simplified coastline
  (:func:`uhc_analysis.plotting.display.display_frame`);
* a scale bar on every map and a locator map of Indonesia
  (:mod:`uhc_analysis.plotting.scale`);
* every region labelled (:func:`uhc_analysis.plotting.placement.label_regions`),
  with a symbol in its class colour when the label does not fit inside;
* :func:`single_map` sizes the figure to the province's shape and puts the
  legend, scale bar and locator in the emptiest corners of the map (the
  legend under the map when no corner is free), so the canvas has no dead
  band; :func:`province_panels` draws the provinces side by side at one
  common scale (panel widths proportional to the provinces' extents) with
  one legend under them.

:func:`region_text` builds a label of a name and a detail line (a value, a
date).

Examples
--------
>>> region_text("Penukal Abab Lematang Ilir", "2024-08 \u00b7 award").split("\\n")
['Penukal\\xa0Abab', 'Lematang\\xa0Ilir', '2024-08\\xa0·\\xa0award']
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

from uhc_analysis.plotting.display import display_frame
from uhc_analysis.plotting.labels import wrap_name, wrap_to_width
from uhc_analysis.plotting.layers import (
    Layer,
    class_counts,
    legend_handles,
    province_name,
    stale_count,
)
from uhc_analysis.plotting.placement import label_regions
from uhc_analysis.plotting.scale import add_scale_bar, draw_locator, locator_country
from uhc_analysis.plotting.style import (
    BORDER_COLOR,
    NO_DATA_EDGE,
    NO_DATA_FACE,
    NO_DATA_HATCH,
    OUTLINE_COLOR,
    SOURCE_COLOR,
    STALE_HATCH,
    STALE_HATCH_COLOR,
    SUBTITLE_COLOR,
    deferred_draw,
    note_above,
)

if TYPE_CHECKING:
    import geopandas as gpd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: No-break space: keeps :func:`~uhc_analysis.plotting.labels.wrap_name` from re-wrapping a label.
NBSP = "\u00a0"
#: Corners of a map, as matplotlib locations, in the order they are tried.
CORNERS: tuple[str, ...] = ("upper right", "lower left", "lower right", "upper left")
#: A legend/inset may cover at most this share of land in a corner of the map.
MAX_COVER: float = 0.002


def region_text(name: str, detail: str = "") -> str:
    """A region's map label: its name on one or two lines, then ``detail`` on its own line.

    Spaces become no-break spaces, so
    :func:`~uhc_analysis.plotting.placement.label_regions` (which wraps long
    names at spaces) keeps these lines as they are.

    Examples
    --------
    >>> region_text("Kaur", "2024-05")
    'Kaur\\n2024-05'
    >>> region_text("Kaur")
    'Kaur'
    """
    lines = [wrap_name(str(name))] + ([detail] if detail else [])
    return "\n".join(lines).replace(" ", NBSP)


def labelled(layer: Layer, texts: Sequence[str]) -> gpd.GeoDataFrame:
    """The layer's polygons with ``name`` replaced by ``texts`` (one per polygon)."""
    if len(texts) != len(layer.gdf):
        raise ValueError(f"{len(texts)} labels for {len(layer.gdf)} regions")
    return layer.gdf.assign(name=list(texts))


def display_layer(layer: Layer) -> Layer:
    """The layer with its polygons projected and simplified for display (:func:`display_frame`)."""
    return dataclasses.replace(layer, gdf=display_frame(layer.gdf))


def region_colors(layer: Layer) -> list[str]:
    """The fill of each polygon: its class colour, or the no-data grey."""
    import pandas as pd

    return [NO_DATA_FACE if pd.isna(c) else layer.colors[int(c)] for c in layer.classes]


# --------------------------------------------------------------------------- drawing


def draw_layer(ax: Axes, layer: Layer, *, linewidth: float = 0.6) -> None:
    """Fill every polygon by class, hatched grey for no data, dotted when stale; outline.

    One ``GeoDataFrame.plot(categorical=True)`` call: geopandas draws one
    collection per class, in class order, with the class's colour (``cmap`` a
    dict), and the regencies without a class with ``missing_kwds``. Only the
    classes present are passed as ``categories``, so an empty class adds no
    empty collection to the SVG (the legend comes from :func:`legend_handles`).
    The polygons of stale figures (``layer.stale``) get dots over their colour.
    """
    with deferred_draw(ax.figure):
        _draw_layer(ax, layer, linewidth)
    ax.set_axis_off()


def _draw_layer(ax: Axes, layer: Layer, linewidth: float) -> None:
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
    if layer.stale is not None and bool(layer.stale.any()):
        layer.gdf.loc[layer.stale.to_numpy()].plot(
            ax=ax,
            facecolor="none",
            edgecolor=STALE_HATCH_COLOR,
            hatch=STALE_HATCH,
            linewidth=0.0,
            zorder=1.5,
        )
    outline = layer.gdf.geometry.union_all().boundary
    gpd.GeoSeries([outline], crs=layer.gdf.crs).plot(
        ax=ax, color=OUTLINE_COLOR, linewidth=linewidth, zorder=2
    )


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


def _legend_kwargs() -> dict[str, object]:
    return {
        "frameon": False,
        "fontsize": 9,
        "title_fontsize": 9.5,
        "handlelength": 2.2,
        "handleheight": 1.4,
    }


def _legend_size_in(handles: Sequence[object], title: str, ncols: int = 1) -> tuple[float, float]:
    """Estimated (width, height) in inches of a legend of ``handles`` at 9 pt."""
    texts = [h.get_label() for h in handles]  # type: ignore[attr-defined]
    rows = -(-len(texts) // ncols)
    col_w = max(len(t) for t in texts) * 0.072 + 0.55
    width = max(col_w * ncols, len(max(title.split("\n"), key=len)) * 0.078)
    return width + 0.1, 0.27 * rows + 0.2 * (title.count("\n") + 1) + 0.15


def _corner_box(
    corner: str, size: tuple[float, float], bounds: Sequence[float], per_in: float
) -> tuple[float, float, float, float]:
    """Data box of ``size`` inches in ``corner`` of ``bounds`` (x0, y0, x1, y1) at ``per_in``."""
    x0, y0, x1, y1 = bounds
    w, h = size[0] * per_in, size[1] * per_in
    left = x0 if "left" in corner else x1 - w
    bottom = y0 if "lower" in corner else y1 - h
    return left, bottom, left + w, bottom + h


def _free_corner(
    land: object,
    sizes: tuple[float, float],
    bounds: Sequence[float],
    per_in: float,
    taken: Sequence[str],
) -> tuple[str, float]:
    """The corner of ``bounds`` where a box of ``sizes`` inches covers the least land."""
    from shapely.geometry import box

    best = ("", 1.0)
    for corner in CORNERS:
        if corner in taken:
            continue
        b = box(*_corner_box(corner, sizes, bounds, per_in))
        share = b.intersection(land).area / b.area  # type: ignore[attr-defined]
        if share < best[1] - 1e-9:
            best = (corner, share)
    return best


def _bar_location(corner: str) -> str:
    return corner if corner else "lower left"


def _avoid_boxes(ax: Axes, artists: Sequence[object]) -> list[object]:
    from uhc_analysis.plotting.placement import _renderer

    renderer = _renderer(ax.figure)
    return [a.get_window_extent(renderer) for a in artists]  # type: ignore[attr-defined]


def single_map(
    layer: Layer,
    texts: Sequence[str],
    ax: Axes | None,
    title: str,
    source: str,
    *,
    fontsize: float = 7.0,
    locator: bool = True,
) -> Axes:
    """One province's map: the figure sized to its shape, legend/scale/locator in free corners.

    Without ``ax`` the figure is made here: the map is as large as fits in
    8 x 7 inches at the province's proportions; the legend goes into the
    corner of the map with the least land (under the map when every corner is
    taken), the scale bar and the locator of Indonesia (``locator``) into the
    next free corners. With ``ax`` the map fills it and the legend goes into a
    free corner or right of the axes.

    Examples
    --------
    >>> import pandas as pd
    >>> from uhc_analysis.plotting.examples import squares
    >>> from uhc_analysis.plotting.layers import coverage_layer
    >>> data = pd.DataFrame({"region_code": ["1701"], "coverage_pct": [96.0],
    ...     "period": ["2024-06"], "basis": ["published"]})
    >>> layer = coverage_layer(data, squares("17", 2), "en", as_of="2024-12-31")
    >>> ax = single_map(layer, ["A\\n2024-06", "B"], None, "Title", "Source")
    >>> [t.get_text() for t in ax.texts  # the live text (its halo outline is a twin)
    ...  if t.get_text().startswith(("A", "B")) and not t.get_path_effects()]
    ['A\\n2024-06', 'B']
    >>> [type(a).__name__ for a in ax.artists]
    ['ScaleBar']
    """
    import matplotlib.pyplot as plt

    layer = display_layer(layer)
    handles = legend_handles(layer)
    x0, y0, x1, y1 = layer.gdf.total_bounds
    pad = 0.02 * max(x1 - x0, y1 - y0)
    bounds = (x0 - pad, y0 - pad, x1 + pad, y1 + pad)
    w_m, h_m = bounds[2] - bounds[0], bounds[3] - bounds[1]
    land = layer.gdf.geometry.union_all()
    legend_in = _legend_size_in(handles, layer.legend_title)
    if ax is None:
        map_w = min(8.0, 7.0 * w_m / h_m)
        map_h = map_w * h_m / w_m
        per_in = w_m / map_w
        corner, cover = _free_corner(land, legend_in, bounds, per_in, ())
        inside = cover <= MAX_COVER
        below = 0.0 if inside else _legend_size_in(handles, layer.legend_title, 2)[1] + 0.25
        fig_w = max(map_w, 6.5) + 0.3
        top_in, bottom_in = 1.15, 0.55 + below
        fig_h = map_h + top_in + bottom_in
        fig = plt.figure(figsize=(fig_w, fig_h))
        ax = fig.add_axes((0.15 / fig_w, bottom_in / fig_h, map_w / fig_w, map_h / fig_h))
        wrap_in = fig_w - 0.3
    else:
        fig = ax.figure
        pos = ax.get_position()
        ax_w, ax_h = pos.width * fig.get_figwidth(), pos.height * fig.get_figheight()
        per_in = max(w_m / ax_w, h_m / ax_h)
        corner, cover = _free_corner(land, legend_in, bounds, per_in, ())
        inside, below = cover <= MAX_COVER, 0.0
        wrap_in = None
    draw_layer(ax, layer)
    ax.set_xlim(bounds[0], bounds[2])
    ax.set_ylim(bounds[1], bounds[3])
    if inside:
        legend = ax.legend(
            handles=handles, title=layer.legend_title, loc=corner, alignment="left",
            borderaxespad=0.2, **_legend_kwargs(),
        )  # fmt: skip
    elif below:
        legend = ax.legend(
            handles=handles, title=layer.legend_title, loc="upper left",
            bbox_to_anchor=(0.0, -0.01), ncols=2, alignment="left", **_legend_kwargs(),
        )  # fmt: skip
    else:
        legend = ax.legend(
            handles=handles, title=layer.legend_title, loc="upper left",
            bbox_to_anchor=(1.02, 1.0), alignment="left", **_legend_kwargs(),
        )  # fmt: skip
    taken = [corner] if inside else []
    bar_corner, _ = _free_corner(land, (1.8, 0.4), bounds, per_in, taken)
    bar = add_scale_bar(ax, layer.gdf.crs, location=_bar_location(bar_corner))
    avoid = [legend, bar]
    if locator:
        size = (1.7, 0.75)
        loc_corner, loc_cover = _free_corner(land, size, bounds, per_in, [*taken, bar_corner])
        if loc_corner and loc_cover <= MAX_COVER:
            box = _corner_box(loc_corner, size, bounds, per_in)
            inset = ax.inset_axes(
                (box[0], box[1], box[2] - box[0], box[3] - box[1]), transform=ax.transData
            )
            shapes = layer.gdf
            draw_locator(inset, [str(shapes["province_code"].iloc[0])], locator_country(shapes))
            avoid.append(inset)
    if below:
        # the source line under the legend (the figure's empty bottom is cropped on saving)
        annotate_axes(ax, title, layer.subtitle, None, wrap_width_in=wrap_in)
        width_in = wrap_in or ax.get_position().width * ax.figure.get_figwidth()
        ax.annotate(
            wrap_to_width(source, width_in, 7), xy=(0, 0), xycoords=legend, xytext=(0, -6),
            textcoords="offset points", ha="left", va="top", fontsize=7, color=SOURCE_COLOR,
        )  # fmt: skip
    else:
        annotate_axes(ax, title, layer.subtitle, source, wrap_width_in=wrap_in)
    label_regions(
        ax,
        labelled(layer, texts),
        fontsize=fontsize,
        colors=region_colors(layer),
        avoid=_avoid_boxes(ax, avoid),
        names=[str(n) for n in layer.gdf["name"]],
    )
    return ax


def panel_rects(
    extents: Sequence[tuple[float, float]], width_in: float, max_height_in: float, gap_in: float
) -> tuple[list[tuple[float, float]], float]:
    """Panel sizes (inches) at one common scale for extents (metres), and the scale (in/m).

    Examples
    --------
    >>> sizes, scale = panel_rects([(400e3, 300e3), (200e3, 300e3)], 6.3, 5.0, 0.3)
    >>> [(round(w, 2), round(h, 2)) for w, h in sizes], round(scale * 1e5, 3)
    ([(4.0, 3.0), (2.0, 3.0)], 1.0)
    """
    total_w = sum(w for w, _ in extents)
    max_h = max(h for _, h in extents)
    scale = min((width_in - gap_in * (len(extents) - 1)) / total_w, max_height_in / max_h)
    return [(w * scale, h * scale) for w, h in extents], scale


def province_panels(
    panels: Sequence[tuple[str, gpd.GeoDataFrame, Layer, Sequence[str]]],
    title: str,
    subtitle: str,
    source: str,
    *,
    legend_ncols: int | None = None,
    fontsize: float = 6.0,
) -> Figure:
    """A map panel per province (code, shapes, layer, labels) at one scale, one legend under them.

    Panel widths are proportional to the provinces' extents (one kilometre is
    as long on every panel; each panel's scale bar shows the same length);
    a locator map of Indonesia in the header shows the provinces. The legend
    is that of the first layer with the counts summed over the panels;
    ``legend_ncols`` (default: one row) sets its columns.

    Examples
    --------
    >>> import pandas as pd
    >>> from uhc_analysis.plotting.examples import squares
    >>> from uhc_analysis.plotting.layers import coverage_layer
    >>> data = pd.DataFrame({"region_code": ["1601", "1702"], "coverage_pct": [91.0, 99.0],
    ...     "period": ["2024-06"] * 2, "basis": ["bps"] * 2})
    >>> panels = [(p, s, coverage_layer(data, s, "en", as_of="2024-12-31"), list(s["name"]))
    ...           for p, s in (("16", squares("16", 2)), ("17", squares("17", 3, x0=102)))]
    >>> fig = province_panels(panels, "Title", "Subtitle", "Source")
    >>> len(fig.axes), [t.get_text() for t in fig.legends[0].get_texts()][-1]
    (3, 'no data (3)')
    """
    import matplotlib.pyplot as plt

    shown = [(code, shapes, display_layer(layer), texts) for code, shapes, layer, texts in panels]
    layers = [layer for _, _, layer, _ in shown]
    first = layers[0]
    counts = [sum(c) for c in zip(*(class_counts(lay) for lay in layers), strict=True)]
    n_stale = sum(stale_count(lay) for lay in layers)
    handles = legend_handles(first, counts, n_stale)
    ncols = legend_ncols or len(handles)
    rows = -(-len(handles) // ncols)
    width_in = 16.0
    sub = wrap_to_width(subtitle, width_in * 0.68, 9.5)
    n_sub = sub.count("\n") + 1
    n_title = first.legend_title.count("\n") + 1
    legend_in = 0.24 * rows + 0.18 * n_title + 0.1
    bounds = []
    for lay in layers:
        x0, y0, x1, y1 = lay.gdf.total_bounds
        pad = 0.02 * max(x1 - x0, y1 - y0)
        bounds.append((x0 - pad, y0 - pad, x1 + pad, y1 + pad))
    gap_in = 0.35
    sizes, _ = panel_rects(
        [(b[2] - b[0], b[3] - b[1]) for b in bounds], width_in - 0.4, 6.4, gap_in
    )
    map_h = max(h for _, h in sizes)
    header_in = max(0.75 + 0.16 * n_sub + 0.5, 1.45)
    bottom_in = 0.65 + legend_in + 0.15
    height_in = header_in + map_h + bottom_in
    fig = plt.figure(figsize=(width_in, height_in))

    def frac(inches: float) -> float:
        return inches / height_in

    left = 0.2
    legend_top = frac(0.65 + legend_in)
    top = 1.0 - frac(header_in)
    axes = []
    for (code, shapes, layer, texts), (w, h), b in zip(shown, sizes, bounds, strict=True):
        ax = fig.add_axes((left / width_in, top - frac(h), w / width_in, frac(h)))
        left += w + gap_in
        draw_layer(ax, layer, linewidth=0.5)
        ax.set_xlim(b[0], b[2])
        ax.set_ylim(b[1], b[3])
        fig.text(
            ax.get_position().x0,
            top + frac(0.08),
            province_name(shapes, code),
            fontsize=11.5,
            fontweight="bold",
            va="bottom",
        )
        per_in = (b[2] - b[0]) / w
        land = layer.gdf.geometry.union_all()
        corner, _ = _free_corner(land, (1.5, 0.4), b, per_in, ())
        bar = add_scale_bar(ax, layer.gdf.crs, location=_bar_location(corner), fixed_value_km=100)
        axes.append((ax, layer, texts, bar))
    locator = fig.add_axes((1.0 - 3.3 / width_in, 1.0 - frac(1.35), 3.1 / width_in, frac(1.2)))
    draw_locator(locator, [c for c, _, _, _ in shown], locator_country(panels[0][1]))
    for ax, layer, texts, bar in axes:
        label_regions(
            ax,
            labelled(layer, texts),
            fontsize=fontsize,
            colors=region_colors(layer),
            avoid=_avoid_boxes(ax, [bar]),
            names=[str(n) for n in layer.gdf["name"]],
        )
    fig.legend(
        handles=handles,
        title=first.legend_title,
        loc="upper center",
        bbox_to_anchor=(0.5, legend_top),
        ncols=ncols,
        **_legend_kwargs(),
    )
    fig.text(0.015, 1.0 - frac(0.3), title, fontsize=14, fontweight="bold", va="top")
    fig.text(0.015, 1.0 - frac(0.72), sub, fontsize=9.5, color=SUBTITLE_COLOR, va="top")
    fig.text(
        0.015,
        frac(0.45),
        wrap_to_width(source, width_in * 0.85, 7.5),
        fontsize=7.5,
        color=SOURCE_COLOR,
        va="top",
    )
    return fig
