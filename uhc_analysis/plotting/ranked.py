"""What the ranked bar charts share: dated value labels, stale marks, province tags, layout.

The coverage bars (:mod:`uhc_analysis.plotting.bars`) and the activity bars
(:mod:`uhc_analysis.plotting.activity`) rank figures of different dates side
by side, so a reader must see how old each one is:

* :func:`dated_values`: each value label carries the month of its figure
  (``76.0 % (2022-06)``) where the figures shown differ in date, and always
  when the figure is older than the evidence age rule of the UHC status table
  (:data:`uhc_analysis.plotting.classes.RECENT_MONTHS`, :func:`stale_of`);
* :func:`draw_stale`: those stale bars get the dots the maps use
  (:data:`uhc_analysis.plotting.style.STALE_HATCH`), explained by the legend
  patch of :func:`stale_handle`;
* :func:`province_tags`: on a chart of several provinces, a short province name
  in grey between each regency's name and its bar, keyed by :func:`province_key`;
* :func:`clear_of_lines`: value labels moved right of any threshold line they
  would sit on, the x axis widened until every label fits;
* :func:`fit_title`: a title wrapped so it ends within the figure.

Examples
--------
>>> dated_values(["76.0 %", "98.1 %"], ["2022-06", "2026-01"], [True, False], "en")
['76.0 % (2022-06)', '98.1 % (2026-01)']
>>> dated_values(["98.1 %", "99.0 %"], ["2026-01", "2026-01"], [False, False], "en")
['98.1 %', '99.0 %']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from uhc_analysis import config
from uhc_analysis.plotting.classes import RECENT_MONTHS, figure_month, stale_figures
from uhc_analysis.plotting.labels import fmt_threshold, label, wrap_to_width
from uhc_analysis.plotting.style import STALE_HATCH, STALE_HATCH_COLOR

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch
    from matplotlib.text import Annotation, Text

#: Grey of the province tags.
TAG_COLOR = "#595959"


def stale_of(
    periods: Iterable[object],
    dates: Iterable[object] | None = None,
    *,
    as_of: object | None = None,
    months: float = RECENT_MONTHS,
) -> pd.Series:
    """Whether each figure is older than ``months`` at ``as_of`` (default today).

    :func:`uhc_analysis.plotting.classes.stale_figures`, the rule the maps use,
    with ``as_of`` defaulting to :func:`uhc_analysis.config.today`.

    Examples
    --------
    >>> stale_of(["2022-06", "2026-01", None], as_of="2026-12-02").tolist()
    [True, False, False]
    """
    when = config.today() if as_of is None else as_of
    return stale_figures(periods, when, months, dates)


def figure_months(frame: pd.DataFrame, column: str = "period") -> list[str]:
    """The month (``YYYY-MM``) or year of each row's figure; ``""`` without a ``column``.

    Examples
    --------
    >>> import pandas as pd
    >>> figure_months(pd.DataFrame({"period": ["2024-07-31", "2024", None]}))
    ['2024-07', '2024', '']
    """
    if column not in frame.columns:
        return [""] * len(frame)
    return figure_month(frame[column].tolist())


def dated_values(
    values: Sequence[str], months: Sequence[str], stale: Sequence[bool], lang: str = "en"
) -> list[str]:
    """Value labels with the month of their figure where the months differ, or the figure is stale.

    Examples
    --------
    >>> dated_values(["65,0 %", "99,2 %"], ["2022-11", "2022-11"], [True, False], "id")
    ['65,0 % (2022-11)', '99,2 %']
    """
    differ = len({m for m in months if m}) > 1
    return [
        label("value_date", lang, value=v, date=m) if m and (differ or s) else v
        for v, m, s in zip(values, months, stale, strict=True)
    ]


def draw_stale(ax: Axes, y: Sequence[float], widths: Sequence[float], height: float) -> None:
    """Dots (the maps' stale hatch) over the bars at ``y`` of ``widths``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> draw_stale(ax, [0, 1], [80.0, 65.0], 0.7)
    >>> [str(p.get_hatch()) for p in ax.patches]
    ['..', '..']
    >>> plt.close(fig)
    """
    if not len(y):
        return
    ax.barh(
        list(y),
        list(widths),
        height=height,
        facecolor="none",
        edgecolor=STALE_HATCH_COLOR,
        hatch=STALE_HATCH,
        linewidth=0.0,
        zorder=2.1,
    )


def stale_handle(n: int, months: float, lang: str = "en") -> Patch:
    """The legend patch of the stale figures: dots on white, with their count.

    Examples
    --------
    >>> stale_handle(3, 24, "id").get_label()
    'angka berumur lebih dari 24 bulan (3)'
    """
    from matplotlib.patches import Patch

    text = label("map_stale", lang, months=fmt_threshold(months, lang))
    return Patch(
        facecolor="white",
        edgecolor=STALE_HATCH_COLOR,
        hatch=STALE_HATCH,
        linewidth=0.5,
        label=f"{text} ({n})",
    )


def province_short(code: str, lang: str = "en") -> str:
    """Short name of a province for the tags (``Sumsel``, ``Kaltim``); else the gazetteer's name.

    Examples
    --------
    >>> province_short("64"), province_short("17"), province_short("11")
    ('Kaltim', 'Bengkulu', 'Aceh')
    """
    from uhc_analysis.plotting.frames import gazetteer_names
    from uhc_analysis.plotting.labels import LABELS

    key = f"province_short_{code}"
    if key in LABELS:
        return label(key, lang)
    return gazetteer_names([code]).get(code, code)


def province_key(codes: Iterable[str], lang: str = "en") -> str:
    """The key of the province tags: each short name that differs from the full one.

    Examples
    --------
    >>> province_key(["64", "16", "17", "16"], "en")
    'Province: Sumsel = Sumatera Selatan, Kaltim = Kalimantan Timur'
    """
    from uhc_analysis.plotting.frames import gazetteer_names

    names = gazetteer_names()
    parts = []
    for code in sorted(set(codes)):
        short, full = province_short(code, lang), names.get(code, code)
        if short != full:
            parts.append(f"{short} = {full}")
    return label("province_key", lang, keys=", ".join(parts)) if parts else ""


def text_width_pt(text: str, fontsize: float, weight: str = "normal") -> float:
    """Width of one line of ``text`` in points, in the current font (layout independent).

    Examples
    --------
    >>> text_width_pt("Kaltim", 10) > text_width_pt("Kaur", 10)
    True
    """
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    prop = FontProperties(size=fontsize, weight=weight)
    return float(text_to_path.get_text_width_height_descent(text, prop, ismath=False)[0])


def province_tags(
    ax: Axes, codes: Sequence[str], lang: str = "en", *, fontsize: float = 7.5
) -> list[Annotation]:
    """Grey province tags between the y tick labels (names) and the bars, one per row.

    The tick labels are moved left by the widest tag, so names, tags and bars
    form three columns.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.set_yticks([0, 1], ["Paser", "Kaur"])
    >>> [t.get_text() for t in province_tags(ax, ["6401", "1704"])]
    ['Kaltim', 'Bengkulu']
    >>> plt.close(fig)
    """
    tags = [province_short(str(c)[:2], lang) for c in codes]
    width = max((text_width_pt(t, fontsize) for t in tags), default=0.0)
    out = [
        ax.annotate(
            tag,
            xy=(0, yi),
            xycoords=("axes fraction", "data"),
            xytext=(-4, 0),
            textcoords="offset points",
            ha="right",
            va="center",
            fontsize=fontsize,
            color=TAG_COLOR,
        )
        for yi, tag in enumerate(tags)
    ]
    ax.tick_params(axis="y", pad=width + 10)
    return out


def clear_of_lines(
    ax: Axes,
    texts: Sequence[Annotation],
    lines: Sequence[float],
    *,
    margin_pt: float = 2.0,
    rounds: int = 4,
) -> None:
    """Move value labels right of the threshold lines they would sit on.

    Each label is an annotation at ``(x, y)`` in data coordinates with an
    offset in points; one whose box (plus ``margin_pt``) covers a line is
    anchored on that line instead (then the next line is checked). The x
    range is left alone: a label may end right of the axes, and the figure's
    constrained layout makes room for it (widening the x range instead fed
    back on itself and squeezed the bars). A few rounds, since the layout
    moves the lines under the labels.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(figsize=(4, 2), layout="constrained")
    >>> _ = ax.set_xlim(0, 100)
    >>> t = ax.annotate("93.5 % (2023-09)", xy=(93.5, 0), xytext=(3, 0),
    ...                 textcoords="offset points", va="center")
    >>> clear_of_lines(ax, [t], [95.0, 98.0])
    >>> t.xy[0], tuple(map(float, ax.get_xlim()))
    (98.0, (0.0, 100.0))
    >>> plt.close(fig)
    """
    if not texts:
        return
    fig = ax.figure
    ordered = sorted(float(x) for x in lines)
    pad = margin_pt * fig.dpi / 72.0
    for _ in range(rounds):
        fig.draw_without_rendering()
        renderer = fig.canvas.get_renderer()
        moved = False
        for t in texts:
            box = t.get_window_extent(renderer)
            x0, x1 = box.x0, box.x1
            anchor_px = ax.transData.transform(t.xy)[0]
            for line in ordered:
                line_px = ax.transData.transform((line, t.xy[1]))[0]
                if line > t.xy[0] and x0 - pad <= line_px <= x1 + pad:
                    shift = line_px - anchor_px
                    x0, x1, anchor_px = x0 + shift, x1 + shift, line_px
                    t.xy = (line, t.xy[1])
                    moved = True
        if not moved:
            return


def lay_out(fig: Figure) -> None:
    """Place the axes of ``fig`` as its layout engine would at the next draw, without drawing.

    :func:`wrap_inside` and :func:`fit_title` need only the axes' positions
    after the layout; ``fig.draw_without_rendering()`` would also draw every
    artist (with a null renderer), which is most of a layout pass's time for
    a chart. A figure without a layout engine keeps its positions.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(figsize=(4, 2), layout="constrained")
    >>> _ = ax.set_yticks([0], ["a long regency name"])
    >>> before = ax.get_position().x0
    >>> lay_out(fig)
    >>> bool(ax.get_position().x0 > before)
    True
    >>> plt.close(fig)
    """
    engine = fig.get_layout_engine()
    if engine is not None and fig.axes:
        engine.execute(fig)


def wrap_inside(ax: Axes, items: Sequence[tuple[Text, str, float]]) -> list[str]:
    """Wrap each text (artist, unwrapped text, font size) to end inside the figure; return them.

    Texts anchored at the axes' left edge (subtitle, source line) must fit
    between that edge and the figure's right edge, which is known only after a
    layout pass; they are left out of that pass (so a long line cannot squeeze
    the axes) and wrapped to the width found.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(figsize=(4, 2), layout="constrained")
    >>> _ = ax.set_yticks([0], ["a long regency name"])
    >>> t = ax.annotate("", xy=(0, 1), xycoords="axes fraction")
    >>> wrap_inside(ax, [(t, "word " * 30, 8.0)])[0].count("\\n") >= 2
    True
    >>> plt.close(fig)
    """
    fig = ax.figure
    for artist, _, _ in items:
        artist.set_in_layout(False)
    lay_out(fig)
    avail_in = (1.0 - ax.get_position().x0) * fig.get_figwidth() - 0.15
    out = []
    for artist, raw, size in items:
        text = wrap_to_width(raw, avail_in, size)
        artist.set_text(text)
        artist.set_in_layout(True)
        out.append(text)
    return out


def fit_title(ax: Axes, text: str, *, fontsize: float = 12, **kwargs: object) -> str:
    """Set ``text`` as the left title, wrapped so it ends inside the figure; return it.

    The width is that of the figure right of the axes' left edge (after a
    layout pass), measured in the title's bold font.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(figsize=(3, 2))
    >>> fit_title(ax, "Latest JKN coverage by regency/city, Sumatera Selatan").count("\\n") >= 1
    True
    >>> plt.close(fig)
    """
    fig = ax.figure
    lay_out(fig)
    left_in = ax.get_position().x0 * fig.get_figwidth()
    avail_pt = (fig.get_figwidth() - left_in) * 72.0 - 14.0
    lines: list[str] = []
    for word in text.split(" "):
        trial = f"{lines[-1]} {word}" if lines else word
        if lines and text_width_pt(trial, fontsize, "bold") > avail_pt:
            lines.append(word)
        elif lines:
            lines[-1] = trial
        else:
            lines.append(word)
    wrapped = "\n".join(lines)
    ax.set_title(wrapped, loc="left", fontsize=fontsize, fontweight="bold", **kwargs)  # type: ignore[arg-type]
    return wrapped
