"""Map frames shared by the status and activity maps: one province, or a panel per province.

The UHC-status maps (:mod:`uhc_analysis.plotting.status_maps`) and the activity
maps (:mod:`uhc_analysis.plotting.activity`) draw a classified
:class:`~uhc_analysis.plotting.layers.Layer` exactly as the coverage maps do
(:func:`uhc_analysis.plotting.maps.draw_layer`: fixed classes, hatched grey
for no data, the count per class in the legend, titles from
:func:`~uhc_analysis.plotting.maps.annotate_axes`), but label each region with
more than its name: the name and, under it, the month of the figure shown.
:func:`region_text` builds that label; :func:`single_map` and
:func:`province_panels` lay out the figure.

Examples
--------
>>> region_text("Penukal Abab Lematang Ilir", "2024-08 \u00b7 award").split("\\n")
['Penukal\\xa0Abab', 'Lematang\\xa0Ilir', '2024-08\\xa0·\\xa0award']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from uhc_analysis.plotting.labels import wrap_name, wrap_to_width
from uhc_analysis.plotting.layers import Layer, class_counts, legend_handles, province_name
from uhc_analysis.plotting.maps import annotate_axes, draw_layer
from uhc_analysis.plotting.placement import label_regions
from uhc_analysis.plotting.style import SOURCE_COLOR, SUBTITLE_COLOR

if TYPE_CHECKING:
    import geopandas as gpd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: No-break space: keeps :func:`~uhc_analysis.plotting.labels.wrap_name` from re-wrapping a label.
NBSP = "\u00a0"


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


def _legend_kwargs() -> dict[str, object]:
    return {
        "frameon": False,
        "fontsize": 9,
        "title_fontsize": 9.5,
        "handlelength": 2.2,
        "handleheight": 1.4,
    }


def single_map(
    layer: Layer,
    texts: Sequence[str],
    ax: Axes | None,
    title: str,
    source: str,
    *,
    fontsize: float = 7.0,
) -> Axes:
    """One province's map, its legend right of it, titles, and a label per region.

    Examples
    --------
    >>> import pandas as pd
    >>> from uhc_analysis.plotting.examples import squares
    >>> from uhc_analysis.plotting.layers import coverage_layer
    >>> data = pd.DataFrame({"region_code": ["1701"], "coverage_pct": [96.0],
    ...     "period": ["2024-06"], "basis": ["published"]})
    >>> layer = coverage_layer(data, squares("17", 2), "en")
    >>> ax = single_map(layer, ["A\\n2024-06", "B"], None, "Title", "Source")
    >>> [t.get_text() for t in ax.texts if t.get_text().startswith(("A", "B"))]
    ['A\\n2024-06', 'B']
    """
    import matplotlib.pyplot as plt

    if ax is None:
        fig = plt.figure(figsize=(10.0, 7.5))
        ax = fig.add_axes((0.03, 0.12, 0.6, 0.72))
        wrap_in = fig.get_figwidth() * 0.94
    else:
        wrap_in = None
    draw_layer(ax, layer)
    ax.legend(
        handles=legend_handles(layer),
        title=layer.legend_title,
        loc="upper left",
        bbox_to_anchor=(1.02, 1.0),
        alignment="left",
        **_legend_kwargs(),
    )
    annotate_axes(ax, title, layer.subtitle, source, wrap_width_in=wrap_in)
    label_regions(ax, labelled(layer, texts), fontsize=fontsize)
    return ax


def province_panels(
    panels: Sequence[tuple[str, gpd.GeoDataFrame, Layer, Sequence[str]]],
    title: str,
    subtitle: str,
    source: str,
    *,
    legend_ncols: int | None = None,
    fontsize: float = 6.0,
) -> Figure:
    """A map panel per province (code, shapes, layer, labels), one legend under them.

    The legend is that of the first layer with the counts summed over the
    panels; ``legend_ncols`` (default: one row) sets its columns.

    Examples
    --------
    >>> import pandas as pd
    >>> from uhc_analysis.plotting.examples import squares
    >>> from uhc_analysis.plotting.layers import coverage_layer
    >>> data = pd.DataFrame({"region_code": ["1601", "1702"], "coverage_pct": [91.0, 99.0],
    ...     "period": ["2024-06"] * 2, "basis": ["bps"] * 2})
    >>> panels = [(p, s, coverage_layer(data, s, "en"), list(s["name"]))
    ...           for p, s in (("16", squares("16", 2)), ("17", squares("17", 3, x0=102)))]
    >>> fig = province_panels(panels, "Title", "Subtitle", "Source")
    >>> len(fig.axes), [t.get_text() for t in fig.legends[0].get_texts()][-1]
    (2, 'no data (3)')
    """
    import matplotlib.pyplot as plt

    layers = [layer for _, _, layer, _ in panels]
    first = layers[0]
    counts = [sum(c) for c in zip(*(class_counts(lay) for lay in layers), strict=True)]
    ncols = legend_ncols or len(counts)
    rows = -(-len(counts) // ncols)
    width_in = 16.0
    sub = wrap_to_width(subtitle, width_in * 0.85, 9.5)
    n_sub = sub.count("\n") + 1
    n_title = first.legend_title.count("\n") + 1
    legend_in = 0.24 * rows + 0.18 * n_title + 0.1
    height_in = 7.3 + legend_in + 0.16 * (n_sub - 1)
    fig = plt.figure(figsize=(width_in, height_in))

    def frac(inches: float) -> float:
        return inches / height_in

    legend_top = frac(0.65 + legend_in)
    panel_title = 1.0 - frac(0.75 + 0.16 * n_sub + 0.35)
    bottom, top = legend_top + frac(0.15), panel_title - frac(0.12)
    gap = 0.018
    width = (0.97 - gap * (len(panels) - 1)) / len(panels)
    axes = [
        fig.add_axes((0.015 + i * (width + gap), bottom, width, top - bottom))
        for i in range(len(panels))
    ]
    for ax, (code, shapes, layer, texts) in zip(axes, panels, strict=True):
        draw_layer(ax, layer, linewidth=0.5)
        ax.apply_aspect()
        fig.text(
            ax.get_position().x0,
            panel_title,
            province_name(shapes, code),
            fontsize=11.5,
            fontweight="bold",
            va="bottom",
        )
        label_regions(ax, labelled(layer, texts), fontsize=fontsize)
    fig.legend(
        handles=legend_handles(first, counts),
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
