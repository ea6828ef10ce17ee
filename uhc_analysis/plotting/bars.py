"""Ranked bars: the regencies of a province by their latest coverage (seaborn + matplotlib).

Bars take the colours of the map's policy classes
(:mod:`uhc_analysis.plotting.classes`), with the 95 % and 98 % lines; figures
published as lower bounds get a ``>`` before their value; regencies without a
figure are listed at the bottom as "no data".

Examples
--------
>>> import pandas as pd
>>> latest = pd.DataFrame({"region_code": ["1701", "1702"], "coverage_pct": [88.5, 96.0],
...                        "region_name": ["Bengkulu Selatan", "Rejang Lebong"]})
>>> ax = plot_ranked_bars(latest, "17")
>>> [t.get_text() for t in ax.get_yticklabels()]
['Rejang Lebong', 'Bengkulu Selatan']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from uhc_analysis.plotting.classes import coverage_class_labels, coverage_classes
from uhc_analysis.plotting.frames import (
    gazetteer_names,
    lower_bounds,
    regency_rows,
    require_columns,
    urls_of,
)
from uhc_analysis.plotting.labels import (
    basis_text,
    fmt_pct,
    label,
    period_text,
    source_text,
    wrap_to_width,
)
from uhc_analysis.plotting.style import (
    COVERAGE_COLORS,
    NO_DATA_EDGE,
    NO_DATA_FACE,
    SOURCE_COLOR,
    SUBTITLE_COLOR,
    THRESHOLD_COLOR,
    note_above,
    threshold_linestyle,
)

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes


def plot_ranked_bars(
    latest: pd.DataFrame,
    province: str | None = None,
    *,
    ax: Axes | None = None,
    lang: str = "en",
    thresholds: Sequence[float] = (95.0, 98.0),
    sources: pd.DataFrame | None = None,
    legend: bool | str = "auto",
) -> Axes:
    """Horizontal bars of regencies ranked by their latest coverage, with threshold lines.

    Parameters
    ----------
    latest
        One row per regency with ``region_code`` and ``coverage_pct``
        (optional: ``region_name``, ``basis``, ``period``, bool
        ``lower_bound``), e.g. :func:`uhc_analysis.analysis.metrics.latest_coverage`
        at one measure and basis.
    province
        2-digit BPS province code, or None for every regency in ``latest``.
    ax
        Axes to draw into; a new figure is made when None.
    lang
        ``"en"`` or ``"id"``.
    thresholds
        Vertical reference lines, percent.
    sources
        Source URLs, one row per region and URL (columns ``region_code``,
        ``url``); when the regencies with a figure have some, a source line
        under the chart counts them.
    legend
        ``"auto"`` (default): the class legend and the source line under the
        chart on a figure of its own; on an Axes the caller gave, the legend
        inside it (``loc="best"``) and no source line, so nothing is drawn
        outside the caller's layout; ``True``: always under; ``False``: none.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> latest = pd.DataFrame({"region_code": ["1701", "1702"], "coverage_pct": [98.5, None],
    ...                        "lower_bound": [True, False]})
    >>> ax = plot_ranked_bars(latest, "17", lang="id")
    >>> [t.get_text() for t in ax.texts][:2]
    ['> 98,5 %', 'tidak ada data']
    """
    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd
    import seaborn as sns
    from matplotlib.patches import Patch
    from matplotlib.transforms import offset_copy

    require_columns(latest, ["region_code", "coverage_pct"], "latest")
    d = regency_rows(latest, province, "latest")
    if d.empty:
        raise ValueError(f"no regency rows for province {province!r}")
    d["coverage_pct"] = pd.to_numeric(d["coverage_pct"], errors="raise")
    gaz = gazetteer_names()
    if "region_name" not in d.columns:
        d["region_name"] = [gaz.get(c, c) for c in d["region_code"]]
    d["lower_bound"] = lower_bounds(d)
    d["_missing"] = d["coverage_pct"].isna()
    d = d.sort_values(
        ["_missing", "coverage_pct", "region_code"], ascending=[True, False, True]
    ).reset_index(drop=True)
    classes = coverage_classes(d["coverage_pct"])

    n = len(d)
    own_figure = ax is None
    if ax is None:
        _, ax = plt.subplots(figsize=(8.0, 0.3 * n + 2.6), layout="constrained")
    y = np.arange(n)
    colors = [NO_DATA_FACE if pd.isna(c) else COVERAGE_COLORS[int(c)] for c in classes]
    ax.barh(
        y,
        d["coverage_pct"].fillna(0.0),
        color=colors,
        edgecolor="#7f7f7f",
        linewidth=0.4,
        height=0.72,
        zorder=2,
    )
    for yi, (v, lb) in enumerate(zip(d["coverage_pct"], d["lower_bound"], strict=True)):
        if pd.isna(v):
            ax.text(
                1.0,
                yi,
                label("no_data", lang),
                va="center",
                ha="left",
                fontsize=8,
                style="italic",
                color="#595959",
            )
        else:
            ax.text(
                v + 0.8,
                yi,
                ("> " if lb else "") + fmt_pct(v, lang),
                va="center",
                ha="left",
                fontsize=8,
                color="#262626",
                zorder=4,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6, "alpha": 0.85},
            )
    for k, t in enumerate(sorted(thresholds)):
        ax.axvline(
            t, color=THRESHOLD_COLOR, linestyle=threshold_linestyle(t), linewidth=0.9, zorder=3
        )
        # first label left of its line, the others right, so neighbours do not collide
        ax.text(
            t + (-0.6 if k == 0 else 0.6),
            -0.75,
            f"{t:g} %",
            ha="right" if k == 0 else "left",
            va="bottom",
            fontsize=8,
            color=THRESHOLD_COLOR,
        )
    ax.set_yticks(y, d["region_name"].astype(str), fontsize=8.5)
    ax.set_ylim(n - 0.5, -1.3)
    top = d["coverage_pct"].max()
    ax.set_xlim(0, max(105.0, (0 if pd.isna(top) else top) + 10))
    ax.set_xlabel(label("coverage_axis", lang))
    ax.grid(axis="x", color="#e6e6e6", linewidth=0.6)
    ax.set_axisbelow(True)
    sns.despine(ax=ax, left=True)
    ax.tick_params(axis="y", length=0)

    if province is None:
        prov_name = label("all_provinces", lang)
    else:
        prov_name = gaz.get(str(province), str(province))
    has = ~d["_missing"]
    sub = basis_text(d.loc[has, "basis"].dropna().tolist(), lang) if "basis" in d.columns else ""
    if "period" in d.columns:
        sub = (sub + "; " if sub else "") + period_text(d.loc[has, "period"].tolist(), lang)
    width_in = ax.figure.get_figwidth() * 0.9
    sub = wrap_to_width(sub, width_in, 8.5)
    note_above(ax, sub, fontsize=8.5, color=SUBTITLE_COLOR)
    ax.set_title(
        label("title_ranked", lang, province=prov_name),
        loc="left",
        fontsize=12,
        fontweight="bold",
        pad=9 + 11 * (sub.count("\n") + 1),
    )
    handles = [
        Patch(facecolor=c, edgecolor="#7f7f7f", linewidth=0.4, label=lab)
        for c, lab in zip(COVERAGE_COLORS, coverage_class_labels(lang), strict=True)
    ]
    if d["_missing"].any():
        handles.append(
            Patch(facecolor=NO_DATA_FACE, edgecolor=NO_DATA_EDGE, label=label("no_data", lang))
        )
    under = legend is True or (legend == "auto" and own_figure)
    if not under:
        if legend == "auto":
            ax.legend(handles=handles, loc="best", fontsize=7, framealpha=0.9)
        return ax
    below = offset_copy(ax.transAxes, fig=ax.figure, y=-34, units="points")
    box = ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        bbox_transform=below,
        ncols=len(handles),
        frameon=False,
        fontsize=7.5,
        handlelength=1.4,
        columnspacing=1.0,
        title=label("legend_coverage", lang),
        title_fontsize=8,
    )
    box.set_in_layout(True)
    urls = urls_of(sources, d.loc[has, "region_code"])
    if urls:
        periods = d.loc[has, "period"].tolist() if "period" in d.columns else []
        ax.annotate(
            wrap_to_width(source_text(len(urls), periods, lang, maps=False), width_in, 7),
            xy=(0, 0),
            xycoords="axes fraction",
            xytext=(0, -80),
            textcoords="offset points",
            fontsize=7,
            color=SOURCE_COLOR,
            va="top",
        )
    return ax
