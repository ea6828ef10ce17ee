"""JKN activity ("tingkat keaktifan") by regency/city: a choropleth and ranked bars.

``activity_rates.csv`` (``uhc-analysis status``,
:func:`uhc_analysis.analysis.activity.activity_rates`) holds every published
activity figure twice: per resident (active participants / population) and,
where a registered count lies close enough, per participant (active /
registered). The figures here show each regency's latest figure
(:func:`uhc_analysis.analysis.status_views.latest_activity`):

* :func:`activity_map`: one province, classed at the activity thresholds of
  the UHC criteria (read from ``uhc_criteria.csv`` with
  :func:`~uhc_analysis.analysis.status_views.activity_thresholds`, never
  typed), no data hatched, the month of each figure under the regency's name;
  :func:`activity_map_provinces` draws a panel per province;
* :func:`activity_ranking`: regencies ranked by activity per resident (bars
  in the map's class colours), the per-participant rate as an open diamond,
  the figure's value and month at the end of each bar, and a dotted line at
  each activity threshold.

Both state the denominator: the legend title names the per-resident basis.
Conventions and text as in :mod:`uhc_analysis.plotting.maps` and
:mod:`uhc_analysis.plotting.bars`.

Examples
--------
>>> import pandas as pd
>>> a = pd.DataFrame({"region_code": ["1701", "1702"], "region_name": ["A", "B"],
...     "region_level": "regency", "province_code": "17", "period": ["2024-08", "2025-02"],
...     "date": pd.to_datetime(["2024-08-15", "2025-02-01"]), "observation_id": ["X", "Y"],
...     "per_resident_pct": [89.3, None], "per_resident_basis": "published",
...     "per_participant_pct": [86.0, 77.5], "lower_bound": False})
>>> ax = activity_ranking(a, "17", thresholds=[75, 80])
>>> [t.get_text() for t in ax.get_yticklabels()]
['A', 'B']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from uhc_analysis import config
from uhc_analysis.analysis.status_views import activity_thresholds, latest_activity
from uhc_analysis.plotting.frames import gazetteer_names, urls_of
from uhc_analysis.plotting.labels import (
    basis_text,
    fmt_int,
    fmt_pct,
    fmt_threshold,
    label,
    period_text,
    source_text,
    wrap_to_width,
)
from uhc_analysis.plotting.layers import Layer, join_regencies, province_name, province_shapes
from uhc_analysis.plotting.panels import province_panels, region_text, single_map
from uhc_analysis.plotting.style import (
    NO_DATA_FACE,
    SOURCE_COLOR,
    SUBTITLE_COLOR,
    THRESHOLD_COLOR,
    legend_below,
    note_above,
)

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "activity_class_labels",
    "activity_classes",
    "activity_colors",
    "activity_layer",
    "activity_map",
    "activity_map_provinces",
    "activity_ranking",
]

#: ColorBrewer PuBuGn (colour-blind safe) by number of classes, low to high activity.
_PUBUGN: dict[int, tuple[str, ...]] = {
    2: ("#ece2f0", "#1c9099"),
    3: ("#ece2f0", "#a6bddb", "#1c9099"),
    4: ("#f6eff7", "#bdc9e1", "#67a9cf", "#02818a"),
    5: ("#f6eff7", "#bdc9e1", "#67a9cf", "#1c9099", "#016c59"),
    6: ("#f6eff7", "#d0d1e6", "#a6bddb", "#67a9cf", "#1c9099", "#016c59"),
    7: ("#f6eff7", "#d0d1e6", "#a6bddb", "#67a9cf", "#3690c0", "#02818a", "#016450"),
}
#: Marker of the per-participant rate on the ranked bars.
PARTICIPANT_MARKER: dict[str, object] = {
    "marker": "D",
    "markersize": 5.0,
    "markerfacecolor": "white",
    "markeredgecolor": "#1a1a1a",
    "markeredgewidth": 1.0,
    "linestyle": "none",
}


def activity_colors(n: int) -> tuple[str, ...]:
    """``n`` class colours, light to dark (ColorBrewer PuBuGn; sampled beyond seven).

    Examples
    --------
    >>> activity_colors(5)[0], len(activity_colors(9))
    ('#f6eff7', 9)
    """
    if n in _PUBUGN:
        return _PUBUGN[n]
    import matplotlib as mpl
    import numpy as np
    from matplotlib.colors import to_hex

    cmap = mpl.colormaps["PuBuGn"]
    return tuple(to_hex(cmap(x)) for x in np.linspace(0.05, 0.95, n))


def _thresholds(criteria: pd.DataFrame | None, thresholds: Sequence[float] | None) -> list[float]:
    if thresholds is not None:
        return sorted(float(t) for t in thresholds)
    if criteria is None:
        raise ValueError("pass criteria= (read_table('uhc_criteria')) or thresholds=")
    found = activity_thresholds(criteria)["min_active_pct"].tolist()
    if not found:
        raise ValueError("uhc_criteria.csv has no activity threshold (min_active_pct) in use")
    return found


def activity_classes(values: Sequence[float] | pd.Series, breaks: Sequence[float]) -> pd.Series:
    """Class of each rate: 0 below ``breaks[0]``, … ``len(breaks)`` at or above the last.

    Examples
    --------
    >>> activity_classes([74.9, 75.0, 96.0, float("nan")], [75, 80, 85, 95]).tolist()
    [0, 1, 4, <NA>]
    """
    import math

    import pandas as pd

    s = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=float)
    bins = [-math.inf, *sorted(float(b) for b in breaks), math.inf]
    return pd.cut(s.astype(float), bins, right=False, labels=False).astype("Int64")


def activity_class_labels(breaks: Sequence[float], lang: str = "en") -> list[str]:
    """Legend texts of the activity classes.

    Examples
    --------
    >>> activity_class_labels([75, 80, 97.5], "id")
    ['< 75 %', '75\u201380 %', '80\u201397,5 %', '\u2265 97,5 %']
    """
    b = [fmt_threshold(x, lang) for x in sorted(breaks)]
    return (
        [f"< {b[0]} %"]
        + [f"{lo}\u2013{hi} %" for lo, hi in zip(b[:-1], b[1:], strict=True)]
        + [f"\u2265 {b[-1]} %"]
    )


def _legend_title(bases: Sequence[str], lang: str) -> str:
    return f"{label('legend_activity', lang)}\n{basis_text(list(bases), lang)}"


def activity_layer(
    activity: pd.DataFrame,
    shapes: gpd.GeoDataFrame,
    breaks: Sequence[float],
    lang: str = "en",
    sources: pd.DataFrame | None = None,
) -> tuple[Layer, list[str]]:
    """The per-resident activity layer of one province, and the label of each region."""
    province = str(shapes["province_code"].iloc[0])
    latest = latest_activity(activity, provinces=[province])
    latest = latest.loc[latest["per_resident_pct"].notna()]
    cols = ["region_code", "per_resident_pct", "per_resident_basis", "evidence_month", "period"]
    gdf = join_regencies(shapes, latest, cols, "activity_rates")
    classes = activity_classes(gdf["per_resident_pct"], breaks)
    has = classes.notna().to_numpy()
    bases = gdf.loc[has, "per_resident_basis"].dropna().astype(str).tolist()
    layer = Layer(
        gdf=gdf,
        classes=classes,
        class_labels=activity_class_labels(breaks, lang),
        colors=activity_colors(len(breaks) + 1),
        no_data_label=label("no_data", lang),
        legend_title=_legend_title(bases, lang),
        subtitle=label("subtitle_activity", lang),
        periods=[m for m in gdf.loc[has, "evidence_month"] if isinstance(m, str) and m],
        urls=urls_of(sources, gdf.loc[has, "bps_code"]),
    )
    texts = [
        region_text(name, month if isinstance(month, str) else "")
        for name, month in zip(gdf["name"], gdf["evidence_month"], strict=True)
    ]
    return layer, texts


def activity_map(
    activity: pd.DataFrame,
    boundaries: gpd.GeoDataFrame | None,
    *,
    province: str | None = None,
    criteria: pd.DataFrame | None = None,
    thresholds: Sequence[float] | None = None,
    ax: Axes | None = None,
    lang: str = "en",
    sources: pd.DataFrame | None = None,
) -> Axes:
    """Choropleth of each regency's latest activity per resident, one province.

    Parameters
    ----------
    activity
        ``read_table("activity_rates")`` (several rows per region: the latest
        with a per-resident rate is shown).
    boundaries
        Output of :func:`uhc_analysis.boundaries.load_boundaries` (None: load it).
    province
        2-digit BPS code; default the only province of ``boundaries``.
    criteria, thresholds
        ``read_table("uhc_criteria")``, whose activity thresholds in use are
        the class limits; or the limits themselves.
    ax, lang, sources
        As in :func:`uhc_analysis.plotting.maps.plot_coverage_map`.

    Examples
    --------
    >>> import pandas as pd
    >>> from uhc_analysis.plotting.examples import squares
    >>> a = pd.DataFrame({"region_code": ["1701"], "region_level": "regency",
    ...     "province_code": "17", "date": pd.to_datetime(["2024-08-15"]),
    ...     "period": ["2024-08"], "observation_id": ["X"], "per_resident_pct": [89.3],
    ...     "per_resident_basis": "published", "per_participant_pct": [86.0]})
    >>> ax = activity_map(a, squares("17", 2), thresholds=[75, 80, 85, 95])
    >>> ax.get_legend().get_title().get_text().splitlines()[1]
    'Denominator: population as stated by each source'
    >>> [t.get_text() for t in ax.get_legend().get_texts()][3:]
    ['85\u201395 % (1)', '\u2265 95 % (0)', 'no data (1)']
    """
    if province is None:
        codes = sorted(set((boundaries if boundaries is not None else activity)["province_code"]))
        if len(codes) != 1:
            raise ValueError(f"pass province= (one of {codes}), or use activity_map_provinces")
        province = str(codes[0])
    shapes = province_shapes(str(province), boundaries)
    breaks = _thresholds(criteria, thresholds)
    layer, texts = activity_layer(activity, shapes, breaks, lang, sources)
    title = label("title_activity", lang, province=province_name(shapes, str(province)))
    source = source_text(len(layer.urls), layer.periods, lang, maps=True)
    return single_map(layer, texts, ax, title, source)


def activity_map_provinces(
    activity: pd.DataFrame,
    boundaries: gpd.GeoDataFrame | None = None,
    *,
    provinces: Sequence[str] = config.FOCUS_PROVINCES,
    criteria: pd.DataFrame | None = None,
    thresholds: Sequence[float] | None = None,
    lang: str = "en",
    sources: pd.DataFrame | None = None,
) -> Figure:
    """:func:`activity_map` with a panel per province (default the focus provinces), one legend.

    Examples
    --------
    >>> import pandas as pd
    >>> from uhc_analysis.plotting.examples import squares
    >>> shapes = pd.concat([squares("16", 2), squares("17", 2, x0=102)], ignore_index=True)
    >>> a = pd.DataFrame({"region_code": ["1601"], "region_level": "regency",
    ...     "province_code": "16", "date": pd.to_datetime(["2024-05-01"]),
    ...     "period": ["2024-05-01"], "observation_id": ["X"], "per_resident_pct": [85.5],
    ...     "per_resident_basis": "published", "per_participant_pct": [float("nan")]})
    >>> fig = activity_map_provinces(a, shapes, provinces=("16", "17"), thresholds=[75, 95])
    >>> [t.get_text() for t in fig.legends[0].get_texts()]
    ['< 75 % (0)', '75\u201395 % (1)', '\u2265 95 % (0)', 'no data (3)']
    """
    if boundaries is None:
        from uhc_analysis.boundaries import load_boundaries

        boundaries = load_boundaries(list(provinces))
    breaks = _thresholds(criteria, thresholds)
    panels = []
    for p in provinces:
        shapes = province_shapes(p, boundaries)
        layer, texts = activity_layer(activity, shapes, breaks, lang, sources)
        panels.append((str(p), shapes, layer, texts))
    bases = sorted(
        {
            str(b)
            for _, _, lay, _ in panels
            for b in lay.gdf.loc[lay.classes.notna().to_numpy(), "per_resident_basis"].dropna()
        }
    )
    panels[0][2].legend_title = _legend_title(bases, lang)
    urls: set[str] = set().union(*(lay.urls for _, _, lay, _ in panels))
    periods = [m for _, _, lay, _ in panels for m in lay.periods]
    return province_panels(
        panels,
        label("title_activity_all", lang),
        label("subtitle_activity", lang),
        source_text(len(urls), periods, lang, maps=True),
    )


def _criteria_names(criteria: pd.DataFrame | None, thresholds: Sequence[float], lang: str) -> str:
    """``75 % UHC award 2024; 80 % …`` for the note under the ranked bars ("" without criteria)."""
    if criteria is None:
        return ""
    from uhc_analysis.analysis.status_views import criterion_years
    from uhc_analysis.plotting.status_maps import criterion_text

    years = criterion_years(criteria)
    first = criteria.drop_duplicates("criterion_id").set_index("criterion_id")
    table = activity_thresholds(criteria)
    parts = []
    for t, ids in zip(table["min_active_pct"], table["criterion_ids"], strict=True):
        if float(t) not in {float(x) for x in thresholds}:
            continue
        names = [
            criterion_text(
                {
                    "criterion_id": c,
                    "scheme": first.loc[c, "scheme"],
                    "tier": first.loc[c, "tier"],
                    "min_coverage_pct": float("nan"),
                    "min_active_pct": float("nan"),
                },
                lang,
                years,
            )
            for c in ids
        ]
        parts.append(f"{fmt_threshold(t, lang)} %: {' / '.join(names)}")
    return label("activity_lines", lang, lines="; ".join(parts)) if parts else ""


def activity_ranking(
    activity: pd.DataFrame,
    province: str | None = None,
    *,
    provinces: Sequence[str] | None = None,
    criteria: pd.DataFrame | None = None,
    thresholds: Sequence[float] | None = None,
    regions: pd.DataFrame | None = None,
    ax: Axes | None = None,
    lang: str = "en",
    sources: pd.DataFrame | None = None,
) -> Axes:
    """Horizontal bars of regencies ranked by their latest activity per resident.

    Each bar ends with the value and the month of its figure; an open diamond
    marks the per-participant rate where one is known (a regency with only
    that rate is ranked after the others, its value written after a
    diamond); ``>`` marks a lower bound; dotted vertical lines are the
    activity thresholds, with the criteria that set them named under the
    chart when ``criteria`` is given.

    Parameters
    ----------
    activity
        ``read_table("activity_rates")`` (or
        :func:`~uhc_analysis.analysis.status_views.latest_activity`).
    province
        2-digit BPS code, or None for every regency of ``provinces``.
    provinces
        With ``province`` None: the provinces to show (default all in ``activity``).
    criteria, thresholds
        As in :func:`activity_map`.
    regions
        ``region_code``, ``region_name`` of every regency to account for:
        those without a figure are named in a line under the chart.
    ax, lang, sources
        As in :func:`uhc_analysis.plotting.bars.plot_ranked_bars`.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"region_code": ["1701"], "region_name": ["A"],
    ...     "region_level": "regency", "province_code": "17", "period": ["2024-08"],
    ...     "date": pd.to_datetime(["2024-08-15"]), "observation_id": ["X"],
    ...     "per_resident_pct": [89.3], "per_resident_basis": "published",
    ...     "per_participant_pct": [86.0], "lower_bound": True})
    >>> ax = activity_ranking(a, "17", thresholds=[80], lang="id",
    ...     regions=pd.DataFrame({"region_code": ["1701", "1702"], "region_name": ["A", "B"]}))
    >>> [t.get_text() for t in ax.texts][0], [t.get_text() for t in ax.texts][-1]
    ('> 89,3 % \u00b7 2024-08', 'Tanpa angka keaktifan (1): B.')
    """
    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd
    import seaborn as sns
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    breaks = _thresholds(criteria, thresholds)
    shown = [str(province)] if province is not None else provinces
    d = latest_activity(activity, provinces=shown, regions=regions)
    if d.empty:
        raise ValueError(f"no regency activity rows for province {province!r}")
    gaz = gazetteer_names()
    d["region_name"] = [
        n if isinstance(n, str) and n else gaz.get(c, c)
        for c, n in zip(d["region_code"], d["region_name"], strict=True)
    ]
    res, part = d["per_resident_pct"], d["per_participant_pct"]
    d["_group"] = np.where(res.notna(), 0, np.where(part.notna(), 1, 2))
    d["_key"] = res.fillna(part).fillna(0.0)
    d = d.sort_values(["_group", "_key", "region_code"], ascending=[True, False, True])
    missing = d.loc[d["_group"] == 2].sort_values("region_name", kind="mergesort")
    d = d.loc[d["_group"] < 2].reset_index(drop=True)
    res, part = d["per_resident_pct"], d["per_participant_pct"]
    classes = activity_classes(res, breaks)
    colors = activity_colors(len(breaks) + 1)

    n = max(len(d), 1)
    if ax is None:
        _, ax = plt.subplots(figsize=(8.0, 0.3 * n + 3.2), layout="constrained")
    y = np.arange(len(d))
    ax.barh(
        y,
        res.fillna(0.0),
        color=[NO_DATA_FACE if pd.isna(c) else colors[int(c)] for c in classes],
        edgecolor="#7f7f7f",
        linewidth=0.4,
        height=0.72,
        zorder=2,
    )
    ax.plot(part, y, zorder=4, **PARTICIPANT_MARKER)  # type: ignore[arg-type]
    for yi, row in d.iterrows():
        month = str(row["evidence_month"] or "")
        if row["_group"] == 1:
            value = fmt_pct(row["per_participant_pct"], lang)
            text = label("activity_participant_only", lang, value=value, month=month)
            x = row["per_participant_pct"]
        else:
            text = ("> " if row["lower_bound"] else "") + fmt_pct(row["per_resident_pct"], lang)
            text += f" \u00b7 {month}" if month else ""
            x = np.nanmax([row["per_resident_pct"], row["per_participant_pct"]])
        ax.annotate(
            text,
            xy=(x, yi),
            xytext=(7, 0),
            textcoords="offset points",
            va="center",
            ha="left",
            fontsize=8,
            color="#262626",
            zorder=5,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6, "alpha": 0.85},
        )
    # threshold labels in two rows where neighbours are close
    row_of: list[int] = []
    for k, t in enumerate(breaks):
        close = k > 0 and t - breaks[k - 1] < 8 and row_of[-1] == 0
        row_of.append(1 if close else 0)
        ax.axvline(t, color=THRESHOLD_COLOR, linestyle=":", linewidth=1.0, zorder=3)
        ax.text(
            t,
            -0.75 - 0.7 * row_of[-1],
            f"{fmt_threshold(t, lang)} %",
            ha="center",
            va="bottom",
            fontsize=7.5,
            color=THRESHOLD_COLOR,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.4},
        )
    lift = max(row_of)
    ax.set_yticks(y, d["region_name"].astype(str), fontsize=8.5)
    ax.set_ylim(n - 0.5, -1.3 - 0.7 * lift)
    top = np.nanmax(np.r_[res.to_numpy(float), part.to_numpy(float), 0.0])
    ax.set_xlim(0, max(105.0, float(top) + 22))
    ax.set_xticks([x for x in ax.get_xticks() if x <= 100])
    ax.set_xticklabels([fmt_int(x, lang) for x in ax.get_xticks()])
    ax.set_xlabel(label("activity_axis", lang))
    ax.grid(axis="x", color="#e6e6e6", linewidth=0.6)
    ax.set_axisbelow(True)
    sns.despine(ax=ax, left=True)
    ax.tick_params(axis="y", length=0)

    if province is None:
        codes = sorted(set(pd.concat([d, missing])["province_code"].dropna().astype(str)))
        if set(codes) == set(config.FOCUS_PROVINCES):
            prov_name = label("all_provinces", lang)
        else:
            prov_name = ", ".join(gaz.get(c, c) for c in codes)
    else:
        prov_name = gaz.get(str(province), str(province))
    bases = d.loc[res.notna(), "per_resident_basis"].dropna().astype(str).tolist()
    periods = d["evidence_month"].tolist()
    width_in = ax.figure.get_figwidth() * 0.9
    sub = label(
        "subtitle_activity_ranked",
        lang,
        basis=basis_text(bases, lang),
        periods=period_text(periods, lang),
    )
    note = _criteria_names(criteria, breaks, lang)
    sub = wrap_to_width(sub + (" " + note if note else ""), width_in, 8.5)
    note_above(ax, sub, fontsize=8.5, color=SUBTITLE_COLOR, offset=8 + 9 * lift)
    title = label("title_activity_ranked", lang, province=prov_name)
    ax.set_title(
        wrap_to_width(title, width_in * 0.8, 12),
        loc="left",
        fontsize=12,
        fontweight="bold",
        pad=12 + 9 * lift + 11 * (sub.count("\n") + 1),
    )
    handles: list[object] = [
        Patch(facecolor=c, edgecolor="#7f7f7f", linewidth=0.4, label=lab)
        for c, lab in zip(colors, activity_class_labels(breaks, lang), strict=True)
    ]
    handles.append(
        Line2D([], [], label=label("activity_per_participant", lang), **PARTICIPANT_MARKER)  # type: ignore[arg-type]
    )
    rows = legend_below(ax, handles, f"{label('legend_activity', lang)}. {basis_text(bases, lang)}")
    # under the legend: the regencies without a figure, then the sources
    offset = -34.0 - 24 - 11 * rows
    lines: list[tuple[str, float, str]] = []
    if len(missing):
        names = ", ".join(missing["region_name"].astype(str))
        text = label("activity_missing", lang, n=len(missing), names=names)
        lines.append((text, 7.5, SUBTITLE_COLOR))
    urls = urls_of(sources, d["region_code"])
    if urls:
        lines.append((source_text(len(urls), periods, lang, maps=False), 7.0, SOURCE_COLOR))
    for text, size, color in lines:
        wrapped = wrap_to_width(text, width_in, size)
        ax.annotate(
            wrapped,
            xy=(0, 0),
            xycoords="axes fraction",
            xytext=(0, offset),
            textcoords="offset points",
            fontsize=size,
            color=color,
            va="top",
        )
        offset -= (wrapped.count("\n") + 1) * size * 1.25 + 5
    return ax
