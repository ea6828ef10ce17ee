"""Colours, hatching, line styles and the subtitle placement shared by every map and chart.

The class palettes are ColorBrewer schemes (colour-blind safe); the coverage
classes run from the strongest colour for the lowest class (furthest from UHC)
to the palest for the highest, so the laggards stand out (YlOrRd, reversed);
the gap classes from pale (no gap) to dark (largest gap), so on both maps
"darker" means "further from UHC". The basis colours are entries of seaborn's
"colorblind" palette. Regencies without data
are grey and hatched everywhere (maps, bars, small multiples).

Examples
--------
>>> COVERAGE_COLORS[0], NO_DATA_HATCH
('#bd0026', '////')
>>> threshold_linestyle(95), threshold_linestyle(100)
('--', '-.')
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: ColorBrewer YlOrRd, 5 classes (colour-blind safe), reversed: the lowest coverage
#: class (< 80 %) is the strongest colour, the highest (>= 98 %) the palest.
COVERAGE_COLORS: tuple[str, ...] = ("#bd0026", "#f03b20", "#fd8d3c", "#fecc5c", "#ffffb2")
#: ColorBrewer YlOrBr, 5 classes (colour-blind safe), small to large gap.
GAP_COLORS: tuple[str, ...] = ("#ffffd4", "#fed98e", "#fe9929", "#d95f0e", "#993404")
#: Projected-year classes: reached, three year bins, not on current trend (orange), and
#: reached earlier with the latest figure below (the status maps' pale orange).
PROJECTED_COLORS: tuple[str, ...] = (
    "#253494",
    "#2c7fb8",
    "#7fcdbb",
    "#edf8b1",
    "#e66101",
    "#fee0b6",
)
#: Gap map: below the threshold, but the source gives no population to count the gap
#: from (ColorBrewer Purples; not a no-data region: its coverage is known).
GAP_UNKNOWN_COLOR = "#9e9ac8"

#: Figures older than the evidence age rule: dots over the class colour.
STALE_HATCH = ".."
STALE_HATCH_COLOR = "#525252"

NO_DATA_FACE = "#d9d9d9"
NO_DATA_EDGE = "#7f7f7f"
NO_DATA_HATCH = "////"
#: Regency borders inside a map, and the outline of the province.
BORDER_COLOR = "#ffffff"
OUTLINE_COLOR = "#595959"

#: Plot order of the denominator bases.
BASES: tuple[str, ...] = ("published", "dukcapil", "bps")
#: seaborn "colorblind" palette entries per basis.
BASIS_COLORS: dict[str, str] = {"published": "#0173b2", "dukcapil": "#de8f05", "bps": "#029e73"}
BASIS_MARKERS: dict[str, str] = {"published": "o", "dukcapil": "s", "bps": "D"}
#: Projection median and its 80 % / 95 % bands.
FAN_COLOR = "#7570b3"

#: Line style of the 95 % (UHC) and 98 % (national target) reference lines.
THRESHOLD_STYLES: dict[float, str] = {95.0: "--", 98.0: ":"}
THRESHOLD_COLOR = "#404040"
#: Grey of subtitles and of source lines.
SUBTITLE_COLOR = "#404040"
SOURCE_COLOR = "#525252"


def threshold_linestyle(threshold: float) -> str:
    """Line style of a threshold line: ``--`` at 95 %, ``:`` at 98 %, ``-.`` otherwise."""
    return THRESHOLD_STYLES.get(float(threshold), "-.")


def note_above(ax: Axes, text: str, *, fontsize: float, color: str, offset: float = 5) -> None:
    """Left-aligned text ``offset`` points above the axes (a subtitle).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> note_above(ax, "Denominator: BPS", fontsize=8, color=SUBTITLE_COLOR)
    >>> [t.get_text() for t in ax.texts]
    ['Denominator: BPS']
    >>> plt.close(fig)
    """
    ax.annotate(
        text,
        xy=(0, 1),
        xycoords="axes fraction",
        xytext=(0, offset),
        textcoords="offset points",
        fontsize=fontsize,
        color=color,
        va="bottom",
    )


def legend_below(ax: Axes, handles: list[Artist], title: str, *, max_cols: int = 4) -> int:
    """The legend of a bar chart, centred under the axes (34 points below); return its rows.

    Shared by the ranked coverage and activity bars so their legends line up;
    the source lines under it are placed from the rows returned.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from matplotlib.patches import Patch
    >>> fig, ax = plt.subplots()
    >>> legend_below(ax, [Patch(label=str(i)) for i in range(5)], "Coverage")
    2
    >>> ax.get_legend().get_title().get_text()
    'Coverage'
    >>> plt.close(fig)
    """
    from matplotlib.transforms import offset_copy

    ncols = min(len(handles), max_cols)
    box = ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        bbox_transform=offset_copy(ax.transAxes, fig=ax.figure, y=-34, units="points"),
        ncols=ncols,
        frameon=False,
        fontsize=7.5,
        handlelength=1.4,
        columnspacing=1.0,
        title=title,
        title_fontsize=8,
    )
    box.set_in_layout(True)
    return -(-len(handles) // ncols)


@contextmanager
def deferred_draw(fig: Figure) -> Iterator[Figure]:
    """Within the block, ``fig.canvas.draw_idle()`` does nothing.

    geopandas ends every ``plot`` call with ``canvas.draw_idle()``. On the Agg
    and PDF/SVG canvases that is a full render of the figure, thrown away (a
    map with its layers, labels and locator was rendered six times before it
    was saved, about a tenth of the figures stage); the figure is drawn when
    it is saved or shown anyway. matplotlib has no switch for this, hence the
    instance attribute, removed on exit.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> with deferred_draw(fig):
    ...     fig.canvas.draw_idle()  # no render
    >>> "draw_idle" in vars(fig.canvas)
    False
    >>> plt.close(fig)
    """
    canvas = fig.canvas
    canvas.draw_idle = _no_draw  # type: ignore[method-assign]
    try:
        yield fig
    finally:
        vars(canvas).pop("draw_idle", None)


def _no_draw(*args: object, **kwargs: object) -> None:
    return None
