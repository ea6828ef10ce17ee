"""Ranked bars: the regencies of a province by their latest coverage (seaborn + matplotlib).

Bars take the colours of the map's policy classes
(:mod:`uhc_analysis.plotting.classes`), with the 95 % and 98 % lines; figures
published as lower bounds get a ``>`` before their value; regencies without a
figure are listed at the bottom as "no data". Where the figures differ in
date each value carries its month (``76.0 % (2022-06)``), and figures older
than the UHC status table's evidence age rule are dotted, as on the maps
(:mod:`uhc_analysis.plotting.ranked`). A chart of several provinces tags
each regency with its province.

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

from uhc_analysis.plotting.classes import RECENT_MONTHS, coverage_class_labels, coverage_classes
from uhc_analysis.plotting.frames import (
    gazetteer_names,
    lower_bounds,
    regency_rows,
    require_columns,
    urls_of,
)
from uhc_analysis.plotting.labels import (
    basis_text,
    fmt_int,
    fmt_pct,
    label,
    period_text,
    source_text,
)
from uhc_analysis.plotting.ranked import (
    clear_of_lines,
    dated_values,
    draw_stale,
    figure_months,
    fit_title,
    province_key,
    province_tags,
    stale_handle,
    stale_of,
    wrap_inside,
)
from uhc_analysis.plotting.style import (
    COVERAGE_COLORS,
    NO_DATA_EDGE,
    NO_DATA_FACE,
    SOURCE_COLOR,
    SUBTITLE_COLOR,
    THRESHOLD_COLOR,
    legend_below,
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
    as_of: object | None = None,
    months: float = RECENT_MONTHS,
) -> Axes:
    """Horizontal bars of regencies ranked by their latest coverage, with threshold lines.

    Parameters
    ----------
    latest
        One row per regency with ``region_code`` and ``coverage_pct``
        (optional: ``region_name``, ``basis``, ``period``, ``date``, bool
        ``lower_bound``), e.g. :func:`uhc_analysis.analysis.metrics.latest_coverage`
        at one measure and basis.
    province
        2-digit BPS province code, or None for every regency in ``latest``
        (each tagged with its province when there are several).
    ax
        Axes to draw into; a new figure is made when None.
    lang
        ``"en"`` or ``"id"``.
    thresholds
        Vertical reference lines, percent; value labels are kept clear of them.
    sources
        Source URLs, one row per region and URL (columns ``region_code``,
        ``url``), counted in the source line under the chart.
    legend
        ``"auto"`` (default): the class legend and the source line under the
        chart on a figure of its own; on an Axes the caller gave, the legend
        inside it (``loc="best"``) and no source line, so nothing is drawn
        outside the caller's layout; ``True``: always under; ``False``: none.
    as_of, months
        A figure dated more than ``months`` months before ``as_of`` (default
        today; the evidence age rule of the UHC status table) is dotted, its
        label dated, and counted in a legend entry.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ValueError
        If ``latest`` has no regency of ``province`` (e.g. an unknown code).

    Examples
    --------
    >>> import pandas as pd
    >>> latest = pd.DataFrame({"region_code": ["1701", "1702"], "coverage_pct": [98.5, None],
    ...                        "lower_bound": [True, False]})
    >>> ax = plot_ranked_bars(latest, "17", lang="id")
    >>> [t.get_text() for t in ax.texts][:2]
    ['> 98,5 %', 'tidak ada data']

    A figure more than 24 months old carries its month and is dotted:

    >>> latest = pd.DataFrame({"region_code": ["1701", "1702"], "coverage_pct": [96.0, 76.0],
    ...     "period": ["2026-01", "2022-06"]})
    >>> ax = plot_ranked_bars(latest, "17", as_of="2026-12-02")
    >>> [t.get_text() for t in ax.texts][:2]
    ['96.0 % (2026-01)', '76.0 % (2022-06)']
    >>> ax.get_legend().get_texts()[-1].get_text()
    'figure more than 24 months old (1)'

    On an Axes of the caller's, the legend stays inside it:

    >>> import matplotlib.pyplot as plt
    >>> fig, (left, right) = plt.subplots(1, 2)
    >>> plot_ranked_bars(latest, "17", ax=left) is left, fig.legends
    (True, [])
    >>> plot_ranked_bars(latest, "99")
    Traceback (most recent call last):
    ...
    ValueError: no regency rows for province '99'
    """
    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd
    import seaborn as sns
    from matplotlib.patches import Patch

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
    has = ~d["_missing"]
    periods = d["period"].tolist() if "period" in d.columns else [None] * len(d)
    dates = d["date"].tolist() if "date" in d.columns else None
    stale = (stale_of(periods, dates, as_of=as_of, months=months) & has).to_numpy()
    month = [m if h else "" for m, h in zip(figure_months(d), has, strict=True)]
    provinces = sorted({c[:2] for c in d["region_code"]})

    n = len(d)
    own_figure = ax is None
    if ax is None:
        _, ax = plt.subplots(figsize=(8.0, 0.3 * n + 2.9), layout="constrained")
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
    draw_stale(ax, y[stale], d.loc[stale, "coverage_pct"], 0.72)
    values = [
        ("> " if lb else "") + fmt_pct(v, lang)
        for v, lb in zip(d["coverage_pct"], d["lower_bound"], strict=True)
    ]
    texts = dated_values(values, month, list(stale), lang)
    placed = []
    for yi, (v, text) in enumerate(zip(d["coverage_pct"], texts, strict=True)):
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
            continue
        placed.append(
            ax.annotate(
                text,
                xy=(v, yi),
                xytext=(3, 0),
                textcoords="offset points",
                va="center",
                ha="left",
                fontsize=8,
                color="#262626",
                zorder=4,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6, "alpha": 0.85},
            )
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
    if len(provinces) > 1:
        province_tags(ax, d["region_code"].tolist(), lang)
    ax.set_ylim(n - 0.5, -1.3)
    top = d["coverage_pct"].max()
    top = 0.0 if pd.isna(top) else float(top)
    ax.set_xlim(0, max(105.0, top + 5))
    ticks = [x for x in range(0, 101, 20)]
    ax.set_xticks(ticks, [fmt_int(x, lang) for x in ticks])
    ax.set_xlabel(label("coverage_axis", lang))
    ax.grid(axis="x", color="#e6e6e6", linewidth=0.6)
    ax.set_axisbelow(True)
    sns.despine(ax=ax, left=True)
    ax.tick_params(axis="y", length=0)

    if province is None:
        prov_name = (
            label("all_provinces", lang)
            if len(provinces) > 1
            else gaz.get(provinces[0], provinces[0])
        )
    else:
        prov_name = gaz.get(str(province), str(province))
    notes = []
    if "basis" in d.columns:
        notes.append(basis_text(d.loc[has, "basis"].dropna().tolist(), lang))
    if "period" in d.columns:
        notes.append(period_text([p for p, h in zip(periods, has, strict=True) if h], lang))
    if any(t != v for t, v in zip(texts, values, strict=True)):
        notes.append(label("bars_dated", lang))
    sub = "; ".join(x for x in notes if x)
    key = province_key(provinces, lang) if len(provinces) > 1 else ""
    if key:
        sub = f"{sub}. {key}" if sub else key
    note_above(ax, sub, fontsize=8.5, color=SUBTITLE_COLOR)
    wrapped = [(ax.texts[-1], sub, 8.5)]
    handles = [
        Patch(facecolor=c, edgecolor="#7f7f7f", linewidth=0.4, label=lab)
        for c, lab in zip(COVERAGE_COLORS, coverage_class_labels(lang), strict=True)
    ]
    if d["_missing"].any():
        handles.append(
            Patch(facecolor=NO_DATA_FACE, edgecolor=NO_DATA_EDGE, label=label("no_data", lang))
        )
    if stale.any():
        handles.append(stale_handle(int(stale.sum()), months, lang))
    under = legend is True or (legend == "auto" and own_figure)
    if not under:
        if legend == "auto":
            ax.legend(handles=handles, loc="best", fontsize=7, framealpha=0.9)
    else:
        rows = legend_below(ax, handles, label("legend_coverage", lang))
        urls = urls_of(sources, d.loc[has, "region_code"])
        source = source_text(
            len(urls), [p for p, h in zip(periods, has, strict=True) if h], lang, maps=False
        )
        source_artist = ax.annotate(
            source,
            xy=(0, 0),
            xycoords="axes fraction",
            xytext=(0, -34 - 26 - 11 * rows),
            textcoords="offset points",
            fontsize=7,
            color=SOURCE_COLOR,
            va="top",
        )
        wrapped.append((source_artist, source, 7.0))
    sub = wrap_inside(ax, wrapped)[0]
    clear_of_lines(ax, placed, thresholds)
    fit_title(
        ax,
        label("title_ranked", lang, province=prov_name),
        fontsize=12,
        pad=9 + 11 * (sub.count("\n") + 1),
    )
    return ax
