"""Charts of JKN coverage over time (seaborn + matplotlib).

Same conventions as :mod:`uhc_analysis.plotting.maps`: each function takes a
tidy frame and ``ax=None``, returns the Axes (the Figure for multi-panel
charts), and never shows or saves. Text comes from
:mod:`uhc_analysis.plotting.labels`.

* :func:`plot_coverage_trend`: one regency over time, one series per
  denominator basis, the 95 % and 98 % lines and the projection fan (80 % and
  95 % bands) from ``projection_paths.csv``.
* :func:`plot_province_small_multiples`: one small panel per regency of a
  province, shared axes; regencies without figures get a hatched "no data" panel.
* :func:`plot_ranked_bars` (from :mod:`uhc_analysis.plotting.bars`, re-exported
  here): regencies ranked by their latest coverage.

Figures published as lower bounds ("more than 98 %") are marked with an open
triangle.

Examples
--------
>>> import pandas as pd
>>> panel = pd.DataFrame({"region_code": ["1701"] * 2, "region_name": ["Bengkulu Selatan"] * 2,
...     "region_level": ["regency"] * 2, "province_code": ["17"] * 2,
...     "period": ["2022", "2023"], "date": ["2022-12-31", "2023-12-31"],
...     "decimal_year": [2022.99, 2023.99], "measure": ["registered"] * 2,
...     "basis": ["published"] * 2, "coverage_pct": [91.0, 96.5], "lower_bound": [False, True]})
>>> ax = plot_coverage_trend(panel, "1701")
>>> ax.get_title(loc="left")
'JKN coverage, Bengkulu Selatan'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from uhc_analysis.plotting.bars import plot_ranked_bars
from uhc_analysis.plotting.frames import gazetteer_names, lower_bounds, require_columns, urls_of
from uhc_analysis.plotting.labels import fmt_pct, label, source_text, wrap_name
from uhc_analysis.plotting.ranked import wrap_inside
from uhc_analysis.plotting.style import (
    BASES,
    BASIS_COLORS,
    BASIS_MARKERS,
    FAN_COLOR,
    NO_DATA_EDGE,
    NO_DATA_FACE,
    NO_DATA_HATCH,
    SOURCE_COLOR,
    SUBTITLE_COLOR,
    THRESHOLD_COLOR,
    note_above,
    threshold_linestyle,
)

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

__all__ = ["plot_coverage_trend", "plot_province_small_multiples", "plot_ranked_bars"]

#: x range of a chart without any figure.
EMPTY_XLIM: tuple[float, float] = (2014.0, 2026.0)


# --------------------------------------------------------------------------- helpers


def _observations(panel: pd.DataFrame, measure: str) -> pd.DataFrame:
    """Rows of one measure with a coverage value, as a fresh frame (``lower_bound`` as bool)."""
    import pandas as pd

    require_columns(
        panel, ["region_code", "measure", "basis", "decimal_year", "coverage_pct"], "panel"
    )
    rows = panel.loc[panel["measure"] == measure].copy()
    rows["region_code"] = rows["region_code"].astype(str).str.strip()
    rows["decimal_year"] = pd.to_numeric(rows["decimal_year"], errors="raise")
    rows["coverage_pct"] = pd.to_numeric(rows["coverage_pct"], errors="raise")
    rows["lower_bound"] = lower_bounds(rows)
    unknown = sorted(set(rows["basis"].dropna()) - set(BASES))
    if unknown:
        raise ValueError(f"unknown basis {unknown}; expected {BASES}")
    return rows.loc[rows["coverage_pct"].notna()]


def _select_paths(paths: pd.DataFrame, code: str, model: str | None) -> pd.DataFrame:
    import pandas as pd

    need = ["region_code", "model", "year", "coverage_pct", "lo80", "hi80", "lo95", "hi95"]
    require_columns(paths, need, "projection paths")
    sel = paths.loc[paths["region_code"].astype(str).str.strip() == code]
    if "measure" in sel.columns:  # the chart draws registered coverage
        sel = sel.loc[sel["measure"].astype(str).eq("registered")]
    if model is not None:
        sel = sel.loc[sel["model"] == model]
    models = sorted(sel["model"].dropna().unique())
    if len(models) > 1:
        raise ValueError(
            f"region {code} has projection paths of several models {models}; pass model="
        )
    sel = sel.loc[:, need].copy()
    for c in need[2:]:
        sel[c] = pd.to_numeric(sel[c], errors="raise")
    return sel.sort_values("year")


def _draw_thresholds(ax: Axes, thresholds: Sequence[float], *, text: bool) -> None:
    from matplotlib.transforms import blended_transform_factory

    trans = blended_transform_factory(ax.transAxes, ax.transData)
    for t in thresholds:
        ax.axhline(
            t, color=THRESHOLD_COLOR, linestyle=threshold_linestyle(t), linewidth=0.9, zorder=1
        )
        if text:
            ax.text(
                1.005,
                t,
                f"{t:g} %",
                transform=trans,
                va="center",
                ha="left",
                fontsize=8,
                color=THRESHOLD_COLOR,
            )


def _draw_series(ax: Axes, rows: pd.DataFrame, lang: str, *, markersize: float = 5.0) -> None:
    for basis in [b for b in BASES if b in set(rows["basis"])]:
        sub = rows.loc[rows["basis"] == basis].sort_values(["decimal_year", "coverage_pct"])
        ax.plot(
            sub["decimal_year"],
            sub["coverage_pct"],
            marker=BASIS_MARKERS[basis],
            markersize=markersize,
            color=BASIS_COLORS[basis],
            linewidth=1.2,
            label=label(f"basis_short_{basis}", lang),
            zorder=4 if basis == "published" else 3,
        )
        lb = sub.loc[sub["lower_bound"]]
        if len(lb):
            ax.scatter(
                lb["decimal_year"],
                lb["coverage_pct"],
                marker="^",
                s=(markersize * 2.4) ** 2,
                facecolors="none",
                edgecolors=BASIS_COLORS[basis],
                linewidths=1.0,
                zorder=5,
            )


def _lower_bound_handle(lang: str) -> Line2D:
    from matplotlib.lines import Line2D

    return Line2D(
        [],
        [],
        marker="^",
        linestyle="none",
        markerfacecolor="none",
        markeredgecolor="#404040",
        markersize=9,
        label=label("lower_bound", lang),
    )


def _threshold_handles(thresholds: Sequence[float], lang: str) -> list[Line2D]:
    from matplotlib.lines import Line2D

    return [
        Line2D(
            [],
            [],
            color=THRESHOLD_COLOR,
            linestyle=threshold_linestyle(t),
            linewidth=0.9,
            label=label("threshold_line", lang, threshold=f"{t:g}"),
        )
        for t in thresholds
    ]


def no_data_box(ax: Axes, lang: str, fontsize: float = 9) -> None:
    """Hatched grey background and an italic "no data" in the middle of ``ax``."""
    from matplotlib.patches import Rectangle

    ax.add_patch(
        Rectangle(
            (0, 0),
            1,
            1,
            transform=ax.transAxes,
            facecolor=NO_DATA_FACE,
            alpha=0.5,
            edgecolor=NO_DATA_EDGE,
            hatch=NO_DATA_HATCH,
            linewidth=0,
            zorder=0,
        )
    )
    ax.text(
        0.5,
        0.5,
        label("no_data", lang),
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=fontsize,
        color="#404040",
        style="italic",
        bbox={"facecolor": "white", "edgecolor": "none", "pad": 2},
    )


def _ylim(values: Sequence[float], thresholds: Sequence[float]) -> tuple[float, float]:
    vals = [v for v in values if v == v] + list(thresholds)
    low = max(0.0, math.floor((min(vals) - 3) / 10.0) * 10.0)
    high = max(102.0, min(130.0, max(vals) + 3))
    return low, high


# --------------------------------------------------------------------------- public charts


def plot_coverage_trend(
    panel: pd.DataFrame,
    region_code: str,
    *,
    projections_paths: pd.DataFrame | None = None,
    ax: Axes | None = None,
    lang: str = "en",
    measure: str = "registered",
    model: str | None = None,
    thresholds: Sequence[float] = (95.0, 98.0),
    legend: bool | str = "auto",
    sources: pd.DataFrame | None = None,
) -> Axes:
    """Coverage of one region over time, with threshold lines and the projection fan.

    Parameters
    ----------
    panel
        ``coverage_panel`` (:func:`uhc_analysis.io.load_panel`); rows of
        ``measure`` and ``region_code`` are plotted, one line per denominator
        ``basis``.
    region_code
        BPS code of the region (4 digits for a regency). A region of the panel
        or of the gazetteer without a figure gets a hatched "no data" chart; a
        code in neither raises ``ValueError``.
    projections_paths
        ``projection_paths.csv`` (columns region_code, model, year,
        coverage_pct, lo80, hi80, lo95, hi95); its rows for the region are drawn
        as a dashed median with 80 % and 95 % bands, from the region's first
        figure on. The y axis holds both bands up to 0-130 %; a band reaching
        beyond that is said so in a note, never cut silently.
    ax
        Axes to draw into; a new figure is made when None.
    lang
        ``"en"`` or ``"id"``.
    measure
        ``registered`` (default), ``active`` or ``survey``.
    model
        Projection model to draw when the paths hold several for the region.
    thresholds
        Horizontal reference lines, percent.
    legend
        ``"auto"`` (default): beside the plot on a figure of its own, inside the
        Axes (``loc="best"``) on an Axes the caller gave, so nothing is drawn
        outside the caller's layout; ``True``: always beside; ``False``: none
        (``ax.get_legend_handles_labels()`` still has the entries).
    sources
        Source URLs, one row per region and URL (columns ``region_code``,
        ``url``); counted in the source line under a chart on a figure of its
        own (the maps' wording, with the dates of every figure shown and, with
        a fan, the projection's provenance).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> import matplotlib.pyplot as plt
    >>> panel = pd.DataFrame({"region_code": ["1701"], "measure": ["registered"],
    ...     "basis": ["published"], "decimal_year": [2023.5], "coverage_pct": [96.0],
    ...     "lower_bound": [False]})
    >>> fig, (left, right) = plt.subplots(1, 2)
    >>> ax = plot_coverage_trend(panel, "1701", ax=left)
    >>> ax is left, ax.get_legend()._loc == 0  # inside the caller's Axes ("best")
    (True, True)
    >>> plot_coverage_trend(panel, "1701", ax=right, legend=False).get_legend() is None
    True
    >>> panel = pd.DataFrame({"region_code": ["1701"], "measure": ["registered"],
    ...     "basis": ["published"], "decimal_year": [2023.5], "coverage_pct": [96.0]})
    >>> ax = plot_coverage_trend(panel, "1709", lang="id")  # in the gazetteer, no figure
    >>> ax.get_title(loc="left"), any(t.get_text() == "tidak ada data" for t in ax.texts)
    ('Cakupan JKN, Bengkulu Tengah', True)
    >>> paths = pd.DataFrame({"region_code": "1701", "model": "rw_drift", "year": [2023.0, 2024.0,
    ...     2025.0], "coverage_pct": [94.0, 96.0, 97.0], "lo80": [90.0, 91.0, 92.0], "hi80": 99.0,
    ...     "lo95": [85.0, 80.0, 40.0], "hi95": 101.0})
    >>> ax = plot_coverage_trend(panel, "1701", projections_paths=paths)
    >>> float(ax.lines[0].get_xdata().min())  # the fan starts at the first figure, not before
    2023.5
    >>> bool(ax.get_ylim()[0] <= 40.0)  # the 95 % band is not clipped
    True
    >>> ax.texts[-1].get_text().startswith("Source: JKN figures")
    True
    >>> plot_coverage_trend(panel, "9999")
    Traceback (most recent call last):
    ...
    ValueError: region '9999' is neither in the panel nor in the gazetteer
    """
    import matplotlib.pyplot as plt
    import seaborn as sns
    from matplotlib.ticker import MaxNLocator

    code = str(region_code).strip()
    require_columns(panel, ["region_code"], "panel")
    in_panel = panel["region_code"].astype(str).str.strip().eq(code).any()
    known = gazetteer_names([code])
    if not in_panel and not known:
        raise ValueError(f"region {code!r} is neither in the panel nor in the gazetteer")
    rows = _observations(panel, measure)
    rows = rows.loc[rows["region_code"] == code]
    paths = None if projections_paths is None else _select_paths(projections_paths, code, model)
    own_figure = ax is None
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 4.6), layout="constrained")

    values = list(rows["coverage_pct"])
    xs = list(rows["decimal_year"])
    if paths is not None and len(paths) and len(xs):
        paths = _from_first_figure(paths, min(xs))
    beyond: list[str] = []
    if paths is not None and len(paths):
        for level, alpha in (("95", 0.15), ("80", 0.3)):
            ax.fill_between(
                paths["year"],
                paths[f"lo{level}"],
                paths[f"hi{level}"],
                color=FAN_COLOR,
                alpha=alpha,
                linewidth=0,
                label=label(f"band{level}", lang),
                zorder=1,
            )
        ax.plot(
            paths["year"],
            paths["coverage_pct"],
            color=FAN_COLOR,
            linestyle="--",
            linewidth=1.4,
            label=label("projection", lang),
            zorder=2,
        )
        values += [v for c in ("coverage_pct", "lo80", "hi80", "lo95", "hi95") for v in paths[c]]
        xs += list(paths["year"])
    _draw_series(ax, rows, lang)
    _draw_thresholds(ax, thresholds, text=True)

    names = rows["region_name"].dropna() if "region_name" in rows.columns else []
    name = str(names.iloc[0]) if len(names) else known.get(code, code)
    ax.set_title(
        label("title_trend", lang, region=name), loc="left", fontsize=12, fontweight="bold", pad=20
    )
    ax.set_ylabel(label("coverage_axis", lang))
    ax.set_xlabel(label("year_axis", lang))
    low, high = _ylim(values, thresholds)
    ax.set_ylim(low, high)
    if paths is not None and len(paths):
        beyond = _bands_beyond(paths, low, high, lang)
    if xs:
        ax.set_xlim(math.floor(min(xs)) - 0.3, math.ceil(max(xs)) + 0.3)
    else:
        ax.set_xlim(*EMPTY_XLIM)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(axis="y", color="#e0e0e0", linewidth=0.6)
    ax.set_axisbelow(True)
    sns.despine(ax=ax)
    if rows.empty and (paths is None or paths.empty):
        no_data_box(ax, lang)
    else:
        handles, _ = ax.get_legend_handles_labels()
        if rows["lower_bound"].any():
            handles.append(_lower_bound_handle(lang))
        handles += _threshold_handles(thresholds, lang)
        beside = legend is True or (legend == "auto" and own_figure)
        if beside:
            ax.legend(
                handles=handles,
                loc="upper left",
                bbox_to_anchor=(1.09, 1.0),
                frameon=False,
                fontsize=8,
            )
        elif legend == "auto":
            ax.legend(handles=handles, loc="best", frameon=True, framealpha=0.9, fontsize=7)
    if not rows.empty:
        note = label("one_line_per_basis", lang, measure=label(f"measure_{measure}", lang))
        note = "; ".join([note, *beyond])
        note_above(ax, note, fontsize=8, color=SOURCE_COLOR)
    if own_figure and legend in ("auto", True) and not rows.empty:
        periods = list(rows["period"]) if "period" in rows.columns else []
        source = source_text(len(urls_of(sources, [code])), periods, lang, maps=False, latest=False)
        if paths is not None and len(paths):
            source += " " + label("source_projection_chart", lang)
        artist = ax.annotate(
            source,
            xy=(0, 0),
            xycoords="axes fraction",
            xytext=(0, -34),
            textcoords="offset points",
            fontsize=7,
            color=SOURCE_COLOR,
            va="top",
        )
        wrap_inside(ax, [(artist, source, 7.0)])
    return ax


def _from_first_figure(paths: pd.DataFrame, first: float) -> pd.DataFrame:
    """``paths`` from the first figure's date on (interpolated there when it falls inside).

    A fan before the first figure would draw the model's backcast where there
    is no evidence at all.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"year": [2020.0, 2021.0], "coverage_pct": [80.0, 90.0]})
    >>> _from_first_figure(p, 2020.5).to_dict("list")
    {'year': [2020.5, 2021.0], 'coverage_pct': [85.0, 90.0]}
    """
    import numpy as np
    import pandas as pd

    p = paths.sort_values("year").reset_index(drop=True)
    years = p["year"].to_numpy(dtype=float)
    if not len(p) or years[0] >= first or years[-1] < first:
        return p
    head = {c: first if c == "year" else p[c].iloc[0] for c in p.columns}
    for c in p.select_dtypes("number").columns.drop("year"):
        head[c] = float(np.interp(first, years, p[c].to_numpy(dtype=float)))
    after = p.loc[p["year"] > first]
    return pd.concat([pd.DataFrame([head]), after], ignore_index=True).astype(p.dtypes.to_dict())


def _bands_beyond(paths: pd.DataFrame, low: float, high: float, lang: str) -> list[str]:
    """Notes for the bands that reach outside ``low``-``high`` (the chart's y range).

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"lo80": [90.0], "hi80": [99.0], "lo95": [85.0], "hi95": [141.2]})
    >>> _bands_beyond(p, 40.0, 130.0, "en")
    ['95 % interval extends beyond the chart (to 141.2 %)']
    """
    notes = []
    for level in ("80", "95"):
        lo, hi = float(paths[f"lo{level}"].min()), float(paths[f"hi{level}"].max())
        far = [v for v in (lo, hi) if v < low or v > high]
        if far:
            value = fmt_pct(min(far) if lo < low else max(far), lang)
            notes.append(label("band_beyond", lang, band=label(f"band{level}", lang), value=value))
    return notes


def plot_province_small_multiples(
    panel: pd.DataFrame,
    province: str,
    *,
    lang: str = "en",
    measure: str = "registered",
    thresholds: Sequence[float] = (95.0, 98.0),
    ncols: int = 5,
    sources: pd.DataFrame | None = None,
) -> Figure:
    """One small coverage-over-time panel per regency/city of ``province``, shared axes.

    Regencies are taken from the gazetteer (so those without any figure get a
    hatched "no data" panel) together with any regency of the province in
    ``panel``.

    Parameters
    ----------
    panel
        ``coverage_panel`` (:func:`uhc_analysis.io.load_panel`).
    province
        2-digit BPS province code.
    lang, measure, thresholds
        As in :func:`plot_coverage_trend`.
    ncols
        Panels per row.
    sources
        Source URLs, one row per region and URL (columns ``region_code``,
        ``url``; :func:`uhc_analysis.plotting.frames.region_urls`); the source
        line counts those of the province's regencies.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> panel = pd.DataFrame({"region_code": ["1701"], "measure": ["registered"],
    ...     "basis": ["published"], "decimal_year": [2023.5], "coverage_pct": [96.0]})
    >>> fig = plot_province_small_multiples(panel, "17")
    >>> sum(ax.get_visible() for ax in fig.axes)  # Bengkulu has 10 regencies and cities
    10
    """
    import matplotlib.pyplot as plt
    import seaborn as sns
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator

    province = str(province)
    obs = _observations(panel, measure)
    obs = obs.loc[
        obs["region_code"].str.fullmatch(r"\d{4}") & obs["region_code"].str.startswith(province)
    ]
    gazetteer = gazetteer_names()
    names = {c: n for c, n in gazetteer.items() if len(c) == 4 and c[:2] == province}
    prov_name = gazetteer.get(province, province)
    if "region_name" in obs.columns:
        for c, n in zip(obs["region_code"], obs["region_name"], strict=True):
            names.setdefault(c, str(n))
    codes = sorted(names)
    if not codes:
        raise ValueError(f"no regency of province {province!r} in the gazetteer or the panel")

    nrows = math.ceil(len(codes) / ncols)
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(2.55 * ncols + 0.6, 2.05 * nrows + 1.9),
        sharex=True,
        sharey=True,
        squeeze=False,
    )
    height = fig.get_figheight()
    fig.subplots_adjust(
        left=0.06, right=0.98, top=1 - 1.0 / height, bottom=1.25 / height, hspace=0.42, wspace=0.08
    )
    years = list(obs["decimal_year"])
    xlim = (math.floor(min(years)) - 0.3, math.ceil(max(years)) + 0.3) if years else EMPTY_XLIM
    for ax, code in zip(axes.flat, codes, strict=False):
        rows = obs.loc[obs["region_code"] == code]
        _draw_thresholds(ax, thresholds, text=False)
        _draw_series(ax, rows, lang, markersize=3.2)
        if rows.empty:
            no_data_box(ax, lang, fontsize=8)
        ax.set_title(wrap_name(names[code], 24), fontsize=8.5, loc="left")
        ax.grid(axis="y", color="#e6e6e6", linewidth=0.5)
        ax.set_axisbelow(True)
        ax.tick_params(labelsize=7.5)
        sns.despine(ax=ax)
    for ax in axes.flat[len(codes) :]:
        ax.set_visible(False)
    # bottom row of visible panels keeps its x tick labels when the grid is ragged
    for ax in axes.flat[max(0, len(codes) - ncols) : len(codes)]:
        ax.xaxis.set_tick_params(labelbottom=True)
    ax0 = axes.flat[0]
    ax0.set_ylim(*_ylim(list(obs["coverage_pct"]), thresholds))
    ax0.set_xlim(*xlim)
    ax0.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
    fig.supylabel(label("coverage_axis", lang), fontsize=9, x=0.01)

    handles: list[Line2D] = [
        Line2D(
            [],
            [],
            color=BASIS_COLORS[b],
            marker=BASIS_MARKERS[b],
            markersize=4,
            label=label(f"basis_short_{b}", lang),
        )
        for b in BASES
        if b in set(obs["basis"])
    ]
    if obs["lower_bound"].any():
        handles.append(_lower_bound_handle(lang))
    handles += _threshold_handles(thresholds, lang)
    fig.legend(
        handles=handles,
        loc="lower center",
        bbox_to_anchor=(0.5, 0.42 / height),
        ncols=len(handles),
        frameon=False,
        fontsize=8.5,
    )
    fig.text(
        0.06,
        1 - 0.3 / height,
        label("title_small_multiples", lang, province=prov_name),
        fontsize=13,
        fontweight="bold",
        va="top",
    )
    fig.text(
        0.06,
        1 - 0.62 / height,
        label("one_line_per_basis", lang, measure=label(f"measure_{measure}", lang)),
        fontsize=9,
        color=SUBTITLE_COLOR,
        va="top",
    )
    periods = list(obs["period"]) if "period" in obs.columns else []
    fig.text(
        0.06,
        0.12 / height,
        source_text(
            len(urls_of(sources, obs["region_code"])), periods, lang, maps=False, latest=False
        ),
        fontsize=7,
        color=SOURCE_COLOR,
        va="bottom",
    )
    return fig
