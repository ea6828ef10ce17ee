"""Regency names on a map: inside each regency when they fit, else beside a symbol; no overlaps.

Each name starts at the pole of inaccessibility of its regency's largest part
(:func:`shapely.ops.polylabel`, always inside the polygon). A regency whose
label box would lie more than :data:`OUTSIDE_SHARE` outside its own polygon
(a small city, a narrow regency; the label would straddle a neighbour) gets a
round symbol at that point, filled with its class colour, and its label starts
beside it, away from the map centre. The overlaps that remain, between labels
and with the symbols, the legend, the scale bar and the inset, are removed by
:func:`adjustText.adjust_text`, which draws a leader line from each moved
label to its symbol.

What stays hand-written, and why: adjustText moves labels apart but knows
neither which labels cannot sit inside their polygon nor which way is "out of
the map", so the choice of inside/beside, the names of far islands
(:func:`detached_parts`, e.g. Enggano, part of Bengkulu Utara) (:func:`needs_symbol`) and the
outward start of the labels beside a symbol (a few lines of
:func:`label_regions`) are ours. adjustText runs with an iteration limit and
no time limit, so the placement, and the figure's bytes, are the same on
every run.

Examples
--------
>>> from shapely.geometry import Point, box
>>> ell = box(0, 0, 4, 1).union(box(0, 0, 1, 4))  # an L: its centroid lies outside it
>>> ell.contains(ell.centroid), ell.contains(Point(label_anchor(ell)))
(False, True)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from uhc_analysis.plotting.labels import wrap_name

if TYPE_CHECKING:
    import geopandas as gpd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox

#: A detached part (an island) at least this share of its regency's largest part, and
#: farther from it than :data:`ISLAND_DISTANCE` times that part's size, is named too.
ISLAND_SHARE: float = 0.04
ISLAND_DISTANCE: float = 0.3
#: A label more than this share outside its polygon is set beside a symbol instead.
OUTSIDE_SHARE: float = 0.25
#: Symbol of a regency labelled beside it: diameter (points) and edge colour.
SYMBOL_SIZE: float = 6.0
SYMBOL_EDGE = "#262626"
LEADER_COLOR = "#404040"
TEXT_COLOR = "#1a1a1a"


def label_anchor(geom: object) -> tuple[float, float]:
    """Pole of inaccessibility of the largest polygon part (always inside it)."""
    from shapely.ops import polylabel

    parts = list(getattr(geom, "geoms", [geom]))
    largest = max(parts, key=lambda g: g.area)
    tolerance = max(math.sqrt(largest.area) / 200.0, 1e-6)
    pt = polylabel(largest, tolerance=tolerance)
    return float(pt.x), float(pt.y)


def _renderer(fig: Figure) -> object:
    get = getattr(fig.canvas, "get_renderer", None)
    return get() if get is not None else fig._get_renderer()


def detached_parts(geom: object) -> list[object]:
    """The large island parts of ``geom`` far from its largest part (named on the map).

    Examples
    --------
    >>> from shapely.geometry import box
    >>> main, island, speck = box(0, 0, 10, 10), box(0, -20, 4, -16), box(20, 0, 20.5, 0.5)
    >>> [p.bounds for p in detached_parts(main.union(island).union(speck))]
    [(0.0, -20.0, 4.0, -16.0)]
    """
    parts = list(getattr(geom, "geoms", [geom]))
    if len(parts) < 2:
        return []
    largest = max(parts, key=lambda g: g.area)
    size = math.sqrt(largest.area)
    return [
        p
        for p in parts
        if p is not largest
        and p.area >= ISLAND_SHARE * largest.area
        and p.distance(largest) > ISLAND_DISTANCE * size
    ]


def needs_symbol(geom: object, box: tuple[float, float, float, float]) -> bool:
    """Whether a label box ``(x0, y0, x1, y1)`` (data units) lies too far outside ``geom``.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> needs_symbol(box(0, 0, 10, 10), (2, 2, 8, 4)), needs_symbol(box(0, 0, 3, 3), (0, 0, 8, 2))
    (False, True)
    """
    from shapely.geometry import box as make_box

    label = make_box(*box)
    if label.area == 0:
        return False
    outside = label.difference(geom).area / label.area  # type: ignore[attr-defined]
    return outside > OUTSIDE_SHARE


def label_regions(
    ax: Axes,
    gdf: gpd.GeoDataFrame,
    *,
    fontsize: float = 7.5,
    colors: Sequence[str] | None = None,
    avoid: Sequence[Bbox] = (),
    names: Sequence[str] | None = None,
) -> list[Text]:
    """Write ``gdf["name"]`` in each region without overlaps; small regions get a symbol.

    Parameters
    ----------
    ax
        The map's axes, drawn and laid out.
    gdf
        Regions in the axes' data coordinates, with the label text in ``name``.
    fontsize
        Label size in points.
    colors
        Fill of the symbol of each region labelled beside it (its class
        colour); default white.
    avoid
        Display boxes the labels must keep clear of (legend, scale bar, inset).
    names
        The regions' plain names, written on their far islands
        (:func:`detached_parts`); default the first line of each label.

    Examples
    --------
    >>> import geopandas as gpd, matplotlib.pyplot as plt
    >>> from shapely.geometry import box
    >>> gdf = gpd.GeoDataFrame({"name": ["Kota A", "Kabupaten B"]},
    ...                        geometry=[box(0, 0, 1, 1), box(1, 0, 3, 1)])
    >>> fig, ax = plt.subplots()
    >>> _ = gdf.plot(ax=ax)
    >>> [t.get_text() for t in label_regions(ax, gdf)]
    ['Kota A', 'Kabupaten B']
    >>> plt.close(fig)
    """
    import numpy as np
    from adjustText import adjust_text
    from matplotlib import patheffects

    if gdf.empty:
        return []
    ax.apply_aspect()
    fig = ax.figure
    renderer = _renderer(fig)
    anchors = np.array([label_anchor(g) for g in gdf.geometry])
    halo = [patheffects.withStroke(linewidth=2.4, foreground="white")]
    texts = [
        ax.text(
            x,
            y,
            wrap_name(str(name)),
            ha="center",
            va="center",
            fontsize=fontsize,
            color=TEXT_COLOR,
            linespacing=0.95,
            zorder=6,
            path_effects=halo,
        )
        for (x, y), name in zip(anchors, gdf["name"], strict=True)
    ]
    inv = ax.transData.inverted()
    boxes = [inv.transform(t.get_window_extent(renderer).get_points()) for t in texts]
    small = [
        needs_symbol(geom, (b[0, 0], b[0, 1], b[1, 0], b[1, 1]))
        for geom, b in zip(gdf.geometry, boxes, strict=True)
    ]
    fill = list(colors) if colors is not None else ["white"] * len(texts)
    centre = np.array(gdf.geometry.union_all().centroid.coords)[0]
    symbols = []
    for i, text in enumerate(texts):
        if not small[i]:
            continue
        x, y = anchors[i]
        symbols.append(
            ax.plot(
                [x],
                [y],
                marker="o",
                markersize=SYMBOL_SIZE,
                markerfacecolor=fill[i],
                markeredgecolor=SYMBOL_EDGE,
                markeredgewidth=0.7,
                linestyle="none",
                zorder=5,
            )[0]
        )
        # start beside the symbol, away from the map centre
        direction = anchors[i] - centre
        norm = float(np.hypot(*direction)) or 1.0
        size = boxes[i][1] - boxes[i][0]
        step = np.abs(direction / norm) * size / 2.0 + np.abs(size).max() * 0.35
        text.set_position(tuple(anchors[i] + np.sign(direction) * step))
    # islands far from their regency's mainland (Enggano) carry the regency's name too
    if names is None:
        names = [str(n).split("\n")[0] for n in gdf["name"]]
    targets = [tuple(a) for a in anchors]
    for geom, name in zip(gdf.geometry, names, strict=True):
        for part in detached_parts(geom):
            x, y = label_anchor(part)
            texts.append(
                ax.text(
                    x,
                    y,
                    wrap_name(name),
                    ha="center",
                    va="center",
                    fontsize=fontsize * 0.9,
                    style="italic",
                    color=TEXT_COLOR,
                    linespacing=0.95,
                    zorder=6,
                    path_effects=halo,
                )  # fmt: skip
            )
            targets.append((x, y))
    sx = [anchors[i, 0] for i in range(len(gdf)) if small[i]]
    sy = [anchors[i, 1] for i in range(len(gdf)) if small[i]]
    adjust_text(
        texts,
        x=sx or None,
        y=sy or None,
        objects=list(avoid) or None,
        target_x=[t[0] for t in targets],
        target_y=[t[1] for t in targets],
        avoid_self=False,
        ax=ax,
        expand=(1.08, 1.25),
        force_pull=(0.005, 0.005),
        ensure_inside_axes=True,
        iter_lim=400,
        time_lim=None,
        min_arrow_len=SYMBOL_SIZE * 1.5,
        arrowprops={
            "arrowstyle": "-",
            "color": LEADER_COLOR,
            "linewidth": 0.6,
            "shrinkA": 1.5,
            "shrinkB": SYMBOL_SIZE / 2.0,
        },
    )
    return [_as_live_text(ax, t) for t in texts]


def _as_live_text(ax: Axes, text: Text) -> Text:
    """Keep ``text``'s white halo as an outline only, and draw its letters as a plain twin.

    matplotlib draws a text with path effects as paths in every backend, so
    the SVG would have no ``<text>`` element for a regency name; the twin (no
    path effects, same place and style, just above) is written as live text an
    illustrator can edit, while the halo below it still separates the name
    from the map. Returns the twin.
    """
    from matplotlib import patheffects

    text.set_path_effects([patheffects.Stroke(linewidth=2.4, foreground="white")])
    twin = ax.text(
        *text.get_position(),
        text.get_text(),
        ha=text.get_ha(),
        va=text.get_va(),
        fontsize=text.get_fontsize(),
        fontstyle=text.get_fontstyle(),
        color=text.get_color(),
        linespacing=getattr(text, "_linespacing", 1.2),  # no public getter
        zorder=text.get_zorder() + 0.01,
    )
    return twin
