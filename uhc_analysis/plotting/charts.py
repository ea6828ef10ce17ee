"""Charts of JKN coverage over time and across regencies (seaborn + matplotlib).

Same conventions as :mod:`uhc_analysis.plotting.maps`: each function takes a tidy
frame and ``ax=None``, returns the Axes (the Figure for multi-panel charts),
and never shows or saves. Text comes from :mod:`uhc_analysis.plotting.labels`.

* :func:`plot_coverage_trend`: one regency over time, one series per
  denominator basis, the 95 % and 98 % lines and the projection fan (80 % and
  95 % bands) from ``projection_paths.csv``.
* :func:`plot_province_small_multiples`: one small panel per regency of a
  province, shared axes; regencies without figures get a hatched "no data" panel.
* :func:`plot_ranked_bars`: regencies ranked by their latest coverage,
  coloured with the map's policy classes, with threshold lines.

Figures published as lower bounds ("more than 98 %") are marked with an open
triangle.

Examples
--------
>>> import pandas as pd
>>> panel = pd.DataFrame({"region_code": ["1701"] * 2, "region_name": ["Bengkulu Selatan"] * 2,
...     "region_level": ["regency"] * 2, "province_code": ["17"] * 2,
...     "period": ["2022", "2023"], "date": ["2022-12-31", "2023-12-31"],
...     "decimal_year": [2022.99, 2023.99], "measure": ["registered"] * 2,
...     "basis": ["published"] * 2, "coverage_pct": [91.0, 96.5], "lower_bound": [False] * 2})
>>> ax = plot_coverage_trend(panel, "1701")  # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from uhc_analysis.plotting.labels import basis_text, fmt_pct, label
from uhc_analysis.plotting.maps import (
    COVERAGE_COLORS,
    NO_DATA_EDGE,
    NO_DATA_FACE,
    NO_DATA_HATCH,
    _period_text,
    _source_text,
    _wrap_name,
    coverage_class_labels,
    coverage_classes,
    split_urls,
)

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Plot order of the denominator bases.
BASES: tuple[str, ...] = ("published", "dukcapil", "bps")
#: seaborn "colorblind" palette entries per basis.
BASIS_COLORS: dict[str, str] = {"published": "#0173b2", "dukcapil": "#de8f05", "bps": "#029e73"}
BASIS_MARKERS: dict[str, str] = {"published": "o", "dukcapil": "s", "bps": "D"}
FAN_COLOR = "#7570b3"
#: x range of a chart without any figure.
EMPTY_XLIM: tuple[float, float] = (2014.0, 2026.0)
THRESHOLD_STYLES: dict[float, str] = {95.0: "--", 98.0: ":"}
THRESHOLD_COLOR = "#404040"
_TRUE = {"true", "1", "yes", "t"}
_FALSE = {"false", "0", "no", "f", "", "nan", "none"}


# --------------------------------------------------------------------------- helpers


def _as_bool(values: pd.Series) -> pd.Series:
    """Booleans from a bool column or its CSV text ("True"/"False"); unknown text raises."""
    import pandas as pd

    if pd.api.types.is_bool_dtype(values):
        return values.astype(bool)
    text = values.astype(object).where(values.notna(), "").astype(str).str.strip().str.lower()
    bad = sorted(set(text) - _TRUE - _FALSE)
    if bad:
        raise ValueError(f"lower_bound must be True/False, got {bad}")
    return text.isin(_TRUE)


def _observations(panel: pd.DataFrame, measure: str) -> pd.DataFrame:
    """Regency-level rows of one measure with numeric coverage, as a fresh frame."""
    import pandas as pd

    need = ["region_code", "measure", "basis", "decimal_year", "coverage_pct"]
    missing = [c for c in need if c not in panel.columns]
    if missing:
        raise KeyError(f"panel lacks columns {missing}; see schemas.PANEL")
    rows = panel.loc[panel["measure"] == measure].copy()
    rows["region_code"] = rows["region_code"].astype(str).str.strip()
    rows["decimal_year"] = pd.to_numeric(rows["decimal_year"], errors="raise")
    rows["coverage_pct"] = pd.to_numeric(rows["coverage_pct"], errors="raise")
    rows["lower_bound"] = _as_bool(rows["lower_bound"]) if "lower_bound" in rows.columns else False
    unknown = sorted(set(rows["basis"].dropna()) - set(BASES))
    if unknown:
        raise ValueError(f"unknown basis {unknown}; expected {BASES}")
    return rows.loc[rows["coverage_pct"].notna()]


def _select_paths(paths: pd.DataFrame, code: str, model: str | None) -> pd.DataFrame:
    import pandas as pd

    need = ["region_code", "model", "year", "coverage_pct", "lo80", "hi80", "lo95", "hi95"]
    missing = [c for c in need if c not in paths.columns]
    if missing:
        raise KeyError(f"projection paths lack columns {missing}; see schemas.PROJECTION_PATHS")
    sel = paths.loc[paths["region_code"].astype(str).str.strip() == code]
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


def _gazetteer_names() -> dict[str, str]:
    try:
        from uhc_analysis.boundaries import load_gazetteer

        gaz = load_gazetteer()
    except FileNotFoundError:
        return {}
    return dict(zip(gaz["bps_code"].astype(str), gaz["name"].astype(str), strict=True))


def _draw_thresholds(ax: Axes, thresholds: Sequence[float], lang: str, *, text: bool) -> None:
    from matplotlib.transforms import blended_transform_factory

    trans = blended_transform_factory(ax.transAxes, ax.transData)
    for t in thresholds:
        ax.axhline(
            t,
            color=THRESHOLD_COLOR,
            linestyle=THRESHOLD_STYLES.get(float(t), "-."),
            linewidth=0.9,
            zorder=1,
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


def _lower_bound_handle(lang: str) -> object:
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


def _threshold_handles(thresholds: Sequence[float], lang: str) -> list[object]:
    from matplotlib.lines import Line2D

    return [
        Line2D(
            [],
            [],
            color=THRESHOLD_COLOR,
            linestyle=THRESHOLD_STYLES.get(float(t), "-."),
            linewidth=0.9,
            label=label("threshold_line", lang, threshold=f"{t:g}"),
        )
        for t in thresholds
    ]


def _no_data_box(ax: Axes, lang: str, fontsize: float = 9) -> None:
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


def _wrap_for_axes(ax: Axes, text: str, fontsize: float) -> str:
    from uhc_analysis.plotting.maps import _wrap_to_width

    return _wrap_to_width(text, ax.figure.get_figwidth() * 0.9, fontsize)


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
) -> Axes:
    """Coverage of one region over time, with threshold lines and the projection fan.

    Parameters
    ----------
    panel
        ``coverage_panel.csv`` (``schemas.PANEL``); rows of ``measure`` and
        ``region_code`` are plotted, one line per denominator ``basis``.
    region_code
        BPS code of the region (4 digits for a regency).
    projections_paths
        ``projection_paths.csv`` (columns region_code, model, year,
        coverage_pct, lo80, hi80, lo95, hi95); its rows for the region are drawn
        as a dashed median with 80 % and 95 % bands.
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

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_coverage_trend(panel, "1701", lang="id")  # doctest: +SKIP
    """
    import matplotlib.pyplot as plt
    import seaborn as sns
    from matplotlib.ticker import MaxNLocator

    code = str(region_code).strip()
    rows = _observations(panel, measure)
    rows = rows.loc[rows["region_code"] == code]
    paths = None if projections_paths is None else _select_paths(projections_paths, code, model)
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 4.6), layout="constrained")

    values = list(rows["coverage_pct"])
    xs = list(rows["decimal_year"])
    if paths is not None and len(paths):
        used_model = str(paths["model"].iloc[0])
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
            label=label("projection", lang, model=used_model),
            zorder=2,
        )
        values += list(paths["coverage_pct"]) + list(paths["lo80"])
        xs += list(paths["year"])
    _draw_series(ax, rows, lang)
    _draw_thresholds(ax, thresholds, lang, text=True)

    names = rows["region_name"].dropna() if "region_name" in rows.columns else []
    name = str(names.iloc[0]) if len(names) else _gazetteer_names().get(code, code)
    ax.set_title(
        label("title_trend", lang, region=name), loc="left", fontsize=12, fontweight="bold", pad=20
    )
    ax.set_ylabel(label("coverage_axis", lang))
    ax.set_xlabel(label("year_axis", lang))
    ax.set_ylim(*_ylim(values, thresholds))
    if xs:
        ax.set_xlim(math.floor(min(xs)) - 0.3, math.ceil(max(xs)) + 0.3)
    else:
        ax.set_xlim(*EMPTY_XLIM)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(axis="y", color="#e0e0e0", linewidth=0.6)
    ax.set_axisbelow(True)
    sns.despine(ax=ax)
    if rows.empty and (paths is None or paths.empty):
        _no_data_box(ax, lang)
    else:
        handles, _ = ax.get_legend_handles_labels()
        if rows["lower_bound"].any():
            handles.append(_lower_bound_handle(lang))
        handles += _threshold_handles(thresholds, lang)
        ax.legend(
            handles=handles, loc="upper left", bbox_to_anchor=(1.09, 1.0), frameon=False, fontsize=8
        )
    if not rows.empty:
        ax.annotate(
            label("one_line_per_basis", lang, measure=label(f"measure_{measure}", lang)),
            xy=(0, 1),
            xycoords="axes fraction",
            xytext=(0, 5),
            textcoords="offset points",
            fontsize=8,
            color="#525252",
            va="bottom",
        )
    return ax


def plot_province_small_multiples(
    panel: pd.DataFrame,
    province: str,
    *,
    lang: str = "en",
    measure: str = "registered",
    thresholds: Sequence[float] = (95.0, 98.0),
    ncols: int = 5,
) -> Figure:
    """One small coverage-over-time panel per regency/city of ``province``, shared axes.

    Regencies are taken from the gazetteer (so those without any figure get a
    hatched "no data" panel) together with any regency of the province in
    ``panel``.

    Parameters
    ----------
    panel
        ``coverage_panel.csv`` (``schemas.PANEL``).
    province
        2-digit BPS province code.
    lang, measure, thresholds
        As in :func:`plot_coverage_trend`.
    ncols
        Panels per row.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_province_small_multiples(panel, "17")  # doctest: +SKIP
    """
    import matplotlib.pyplot as plt
    import seaborn as sns
    from matplotlib.ticker import MaxNLocator

    province = str(province)
    obs = _observations(panel, measure)
    obs = obs.loc[
        obs["region_code"].str.fullmatch(r"\d{4}") & obs["region_code"].str.startswith(province)
    ]
    names = {c: n for c, n in _gazetteer_names().items() if len(c) == 4 and c[:2] == province}
    prov_name = _gazetteer_names().get(province, province)
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
    top = 1 - 1.0 / fig.get_figheight()
    bottom = 1.25 / fig.get_figheight()
    fig.subplots_adjust(left=0.06, right=0.98, top=top, bottom=bottom, hspace=0.42, wspace=0.08)
    ylim = _ylim(list(obs["coverage_pct"]), thresholds)
    years = list(obs["decimal_year"])
    xlim = (math.floor(min(years)) - 0.3, math.ceil(max(years)) + 0.3) if years else EMPTY_XLIM
    for ax, code in zip(axes.flat, codes, strict=False):
        rows = obs.loc[obs["region_code"] == code]
        _draw_thresholds(ax, thresholds, lang, text=False)
        _draw_series(ax, rows, lang, markersize=3.2)
        if rows.empty:
            _no_data_box(ax, lang, fontsize=8)
        ax.set_title(_wrap_name(names[code], 24), fontsize=8.5, loc="left")
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
    ax0.set_ylim(*ylim)
    ax0.set_xlim(*xlim)
    ax0.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
    fig.supylabel(label("coverage_axis", lang), fontsize=9, x=0.01)

    from matplotlib.lines import Line2D

    present = [b for b in BASES if b in set(obs["basis"])]
    handles = [
        Line2D(
            [],
            [],
            color=BASIS_COLORS[b],
            marker=BASIS_MARKERS[b],
            markersize=4,
            label=label(f"basis_short_{b}", lang),
        )
        for b in present
    ]
    if obs["lower_bound"].any():
        handles.append(_lower_bound_handle(lang))
    handles += _threshold_handles(thresholds, lang)
    fig.legend(
        handles=handles,
        loc="lower center",
        bbox_to_anchor=(0.5, 0.42 / fig.get_figheight()),
        ncols=len(handles),
        frameon=False,
        fontsize=8.5,
    )
    fig.text(
        0.06,
        1 - 0.3 / fig.get_figheight(),
        label("title_small_multiples", lang, province=prov_name),
        fontsize=13,
        fontweight="bold",
        va="top",
    )
    fig.text(
        0.06,
        1 - 0.62 / fig.get_figheight(),
        label("one_line_per_basis", lang, measure=label(f"measure_{measure}", lang)),
        fontsize=9,
        color="#404040",
        va="top",
    )
    urls = split_urls(obs["urls"]) if "urls" in obs.columns else set()
    periods = list(obs["period"]) if "period" in obs.columns else []
    fig.text(
        0.06,
        0.12 / fig.get_figheight(),
        _source_text(urls, periods, lang, boundaries=False),
        fontsize=7,
        color="#525252",
        va="bottom",
    )
    return fig


def plot_ranked_bars(
    latest: pd.DataFrame,
    province: str | None = None,
    *,
    ax: Axes | None = None,
    lang: str = "en",
    thresholds: Sequence[float] = (95.0, 98.0),
) -> Axes:
    """Horizontal bars of regencies ranked by their latest coverage, with threshold lines.

    Bars take the colours of the map's policy classes; figures published as
    lower bounds get a ``>`` before their value; regencies without a figure
    are listed at the bottom as "no data".

    Parameters
    ----------
    latest
        One row per regency with ``region_code`` and ``coverage_pct``
        (optional: ``region_name``, ``basis``, ``period``, ``urls``,
        ``lower_bound``), e.g. ``metrics.csv`` at one measure, basis and threshold.
    province
        2-digit BPS province code, or None for every regency in ``latest``.
    ax
        Axes to draw into; a new figure is made when None.
    lang
        ``"en"`` or ``"id"``.
    thresholds
        Vertical reference lines, percent.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> latest = pd.DataFrame({"region_code": ["1701", "1702"], "coverage_pct": [96.0, 88.5],
    ...                        "region_name": ["Bengkulu Selatan", "Rejang Lebong"]})
    >>> ax = plot_ranked_bars(latest, "17")  # doctest: +SKIP
    """
    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd
    import seaborn as sns
    from matplotlib.patches import Patch
    from matplotlib.transforms import offset_copy

    missing = [c for c in ("region_code", "coverage_pct") if c not in latest.columns]
    if missing:
        raise KeyError(f"latest lacks columns {missing}")
    d = latest.copy()
    d["region_code"] = d["region_code"].astype(str).str.strip()
    d = d.loc[d["region_code"].str.fullmatch(r"\d{4}")]
    if province is not None:
        d = d.loc[d["region_code"].str.startswith(str(province))]
    dup = sorted(d.loc[d["region_code"].duplicated(), "region_code"].unique())
    if dup:
        raise ValueError(f"several rows for regencies {dup}; pass one row per regency")
    if d.empty:
        raise ValueError(f"no regency rows for province {province!r}")
    d["coverage_pct"] = pd.to_numeric(d["coverage_pct"], errors="raise")
    gaz = _gazetteer_names()
    if "region_name" not in d.columns:
        d["region_name"] = [gaz.get(c, c) for c in d["region_code"]]
    d["lower_bound"] = _as_bool(d["lower_bound"]) if "lower_bound" in d.columns else False
    d["_missing"] = d["coverage_pct"].isna()
    d = d.sort_values(
        ["_missing", "coverage_pct", "region_code"], ascending=[True, False, True]
    ).reset_index(drop=True)
    classes = coverage_classes(d["coverage_pct"])

    n = len(d)
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
            t,
            color=THRESHOLD_COLOR,
            linestyle=THRESHOLD_STYLES.get(float(t), "-."),
            linewidth=0.9,
            zorder=3,
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
        sub = (sub + "; " if sub else "") + _period_text(d.loc[has, "period"].tolist(), lang)
    sub = _wrap_for_axes(ax, sub, 8.5)
    ax.annotate(
        sub,
        xy=(0, 1),
        xycoords="axes fraction",
        xytext=(0, 5),
        textcoords="offset points",
        fontsize=8.5,
        color="#404040",
        va="bottom",
    )
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
    below = offset_copy(ax.transAxes, fig=ax.figure, y=-34, units="points")
    legend = ax.legend(
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
    legend.set_in_layout(True)
    urls = split_urls(d.loc[has, "urls"]) if "urls" in d.columns else set()
    if urls:
        periods = d.loc[has, "period"].tolist() if "period" in d.columns else []
        ax.annotate(
            _wrap_for_axes(ax, _source_text(urls, periods, lang, boundaries=False), 7),
            xy=(0, 0),
            xycoords="axes fraction",
            xytext=(0, -80),
            textcoords="offset points",
            fontsize=7,
            color="#525252",
            va="top",
        )
    return ax
