"""Regency names on a map: placed inside each regency, pushed apart when they collide.

Each name starts at the pole of inaccessibility of its regency's largest part
(:func:`shapely.ops.polylabel`, always inside the polygon). Names of regencies
smaller than their label start outside, away from the map centre; then
overlapping label boxes are pushed apart (:func:`repel`) and a displaced label
gets a leader line to its anchor.

Examples
--------
>>> from shapely.geometry import Point, box
>>> ell = box(0, 0, 4, 1).union(box(0, 0, 1, 4))  # an L: its centroid lies outside it
>>> ell.contains(ell.centroid), ell.contains(Point(label_anchor(ell)))
(False, True)
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from uhc_analysis.plotting.labels import wrap_name

if TYPE_CHECKING:
    import geopandas as gpd
    import numpy as np
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Text


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


def repel(
    anchors: np.ndarray,
    sizes: np.ndarray,
    box: tuple[float, float, float, float],
    start: np.ndarray,
    *,
    max_iter: int = 400,
) -> np.ndarray:
    """Move label boxes (display units) apart until none overlap; deterministic.

    ``anchors`` and ``start`` are (n, 2) centre points, ``sizes`` (n, 2) widths
    and heights, ``box`` the (x0, y0, x1, y1) area the labels must stay in.
    Each overlapping pair is separated along the axis of smaller overlap, each
    label moving half the distance; positions are clamped to ``box``.

    Why not adjustText: it is not a dependency of the package, its result
    depends on its iteration and expansion settings, and it does not know the
    two things this placement needs (labels kept inside the axes box, and a
    start outside tiny regencies); this loop is 30 lines, exact and
    deterministic for the few dozen labels of a province map.

    Examples
    --------
    >>> import numpy as np
    >>> at = np.array([[10.0, 10.0], [12.0, 10.0]])
    >>> repel(at, np.array([[6.0, 4.0], [6.0, 4.0]]), (0, 0, 100, 100), at).tolist()
    [[10.0, 7.5], [12.0, 12.5]]
    """
    import numpy as np

    cur = start.astype(float).copy()
    half = sizes / 2.0
    lo = np.array([box[0], box[1]]) + half
    hi = np.array([box[2], box[3]]) - half
    hi = np.maximum(hi, lo)
    n = len(cur)
    for _ in range(max_iter):
        moved = False
        for i in range(n):
            for j in range(i + 1, n):
                d = cur[j] - cur[i]
                overlap = half[i] + half[j] - np.abs(d)
                if overlap[0] <= 0 or overlap[1] <= 0:
                    continue
                moved = True
                axis = 1 if overlap[1] <= overlap[0] else 0
                sign = np.sign(d[axis])
                if sign == 0:
                    sign = np.sign(anchors[j, axis] - anchors[i, axis]) or 1.0
                step = overlap[axis] / 2.0 + 0.5
                cur[i, axis] -= sign * step
                cur[j, axis] += sign * step
        cur = np.clip(cur, lo, hi)
        if not moved:
            break
    return cur


def label_regions(ax: Axes, gdf: gpd.GeoDataFrame, *, fontsize: float = 7.5) -> list[Text]:
    """Write the regency names (``gdf["name"]``) without collisions; leader lines when displaced.

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
    from matplotlib import patheffects

    if gdf.empty:
        return []
    ax.apply_aspect()
    fig = ax.figure
    renderer = _renderer(fig)
    anchors_data = np.array([label_anchor(g) for g in gdf.geometry])
    halo = [patheffects.withStroke(linewidth=2.4, foreground="white")]
    texts = [
        ax.text(
            x,
            y,
            wrap_name(str(name)),
            ha="center",
            va="center",
            fontsize=fontsize,
            color="#1a1a1a",
            linespacing=0.95,
            zorder=6,
            path_effects=halo,
        )
        for (x, y), name in zip(anchors_data, gdf["name"], strict=True)
    ]
    pad = 2.0 * fig.dpi / 72.0
    sizes = np.array(
        [
            [bb.width + 2 * pad, bb.height + 2 * pad]
            for bb in (t.get_window_extent(renderer) for t in texts)
        ]
    )
    anchors = ax.transData.transform(anchors_data)
    # polygons smaller than their label get the label pushed outward from the map centre
    start = anchors.copy()
    centre = ax.transData.transform(np.array(gdf.geometry.union_all().centroid.coords)[0:1])[0]
    for i, geom in enumerate(gdf.geometry):
        x0, y0, x1, y1 = geom.bounds
        (px0, py0), (px1, py1) = ax.transData.transform([(x0, y0), (x1, y1)])
        if abs(px1 - px0) < sizes[i, 0] * 0.9 and abs(py1 - py0) < sizes[i, 1] * 2.5:
            direction = anchors[i] - centre
            norm = float(np.hypot(*direction)) or 1.0
            start[i] = anchors[i] + direction / norm * (sizes[i].max() * 0.75 + 4 * pad)
    axbox = ax.get_window_extent(renderer)
    final = repel(anchors, sizes, (axbox.x0, axbox.y0, axbox.x1, axbox.y1), start)
    inv = ax.transData.inverted()
    for i, text in enumerate(texts):
        text.set_position(tuple(inv.transform(final[i])))
        offset = final[i] - anchors[i]
        if abs(offset[0]) > sizes[i, 0] * 0.35 or abs(offset[1]) > sizes[i, 1] * 0.45:
            # leader line from the anchor to the edge of the label box
            half = sizes[i] / 2.0
            t = min(
                half[0] / abs(offset[0]) if offset[0] else np.inf,
                half[1] / abs(offset[1]) if offset[1] else np.inf,
            )
            edge = final[i] - offset * min(t, 1.0)
            (ax0, ay0), (ex, ey) = inv.transform([anchors[i], edge])
            ax.plot([ax0, ex], [ay0, ey], color="#404040", linewidth=0.6, zorder=5)
            ax.plot([ax0], [ay0], marker="o", markersize=1.8, color="#404040", zorder=5)
    return texts
