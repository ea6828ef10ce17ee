"""Maps of the UHC status of each regency/city against one criterion (``uhc_status.csv``).

``uhc-analysis status`` (:mod:`uhc_analysis.analysis.uhc_status`) gives every
region a status per criterion, with the evidence it rests on and that
evidence's date. :func:`status_map` colours one province's regencies by their
status against one criterion and writes under each name the month of that
evidence (and "award", "trend" or "lower bound" when it is not a plain
figure); :func:`status_map_provinces` draws a panel per province with one
legend.

Conventions are those of :mod:`uhc_analysis.plotting.maps`: a fixed class
order (:data:`~uhc_analysis.analysis.status_views.STATUS_ORDER`, best first)
with fixed colours (:data:`STATUS_COLORS`), every status in the legend with
its count, regencies without a row hatched grey ("no data"), bilingual text
from :mod:`uhc_analysis.plotting.labels`. The subtitle gives the date each
status holds on (``evaluated_at``) and the evidence age rule, read from the
table (:func:`~uhc_analysis.analysis.status_views.recent_months`).

Examples
--------
>>> import pandas as pd
>>> from uhc_analysis.plotting.examples import squares
>>> status = pd.DataFrame({"region_code": ["1701", "1702"], "region_level": "regency",
...     "province_code": "17", "criterion_id": "national_98", "scheme": "national_target",
...     "tier": "", "min_coverage_pct": 98.0, "min_active_pct": float("nan"),
...     "in_force": True, "evaluated_at": "2026-12-02", "status": ["confirmed", "stale"],
...     "evidence_date": ["2026-01-27", "2022-06-01"], "evidence_kind": ["award", "observed"],
...     "reason": ["x", "nothing newer within 24 months of 2026-12-02"],
...     "recent_months": 24.0})
>>> ax = status_map(status, squares("17", 3), "national_98")
>>> legend = [t.get_text() for t in ax.get_legend().get_texts()]
>>> legend[0], legend[4], legend[-1]
('confirmed: figure or award at or above (1)', 'stale: evidence older than 24 months (1)', 'no data (1)')
"""  # noqa: E501

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from uhc_analysis import config
from uhc_analysis.analysis.status_views import (
    STATUS_ORDER,
    criterion_years,
    recent_months,
    status_for_criterion,
)
from uhc_analysis.plotting.labels import LABELS, fmt_threshold, label
from uhc_analysis.plotting.layers import Layer, join_regencies, province_name, province_shapes
from uhc_analysis.plotting.panels import province_panels, region_text, single_map

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "STATUS_COLORS",
    "criterion_text",
    "status_class_labels",
    "status_layer",
    "status_map",
    "status_map_provinces",
]

#: Colour of each status: blues and greens reached or on a trend, purple too old to
#: say, oranges below or late (as "not on current trend" on the projected-year map),
#: grey insufficient data. Regencies without a row are hatched (``missing_kwds``).
STATUS_COLORS: dict[str, str] = {
    "confirmed": "#253494",
    "probably_reached": "#2c7fb8",
    "on_track": "#7fcdbb",
    "borrowed_trend": "#c7e9b4",
    "stale": "#b2abd2",
    "reached_earlier_latest_below": "#fee0b6",
    "overdue": "#fdb863",
    "not_on_current_trend": "#e66101",
    "insufficient_data": "#969696",
}
#: Evidence kinds marked after the month (a plain figure, ``observed``, is not).
MARKED_KINDS: tuple[str, ...] = ("award", "projection", "lower_bound")

if set(STATUS_COLORS) != set(STATUS_ORDER):  # pragma: no cover - a new status needs a colour
    raise ImportError(f"STATUS_COLORS must colour exactly {STATUS_ORDER}")


def status_class_labels(lang: str = "en", months: float = 24.0) -> list[str]:
    """Legend text of every status, in :data:`STATUS_ORDER`.

    Examples
    --------
    >>> status_class_labels("id", 24)[4]
    'usang: bukti lebih dari 24 bulan'
    """
    return [
        label(f"status_{s}", lang, months=fmt_threshold(months, lang))
        if s == "stale"
        else label(f"status_{s}", lang)
        for s in STATUS_ORDER
    ]


def _years(start: float, end: float, lang: str) -> str:
    import math

    has_start, has_end = not math.isnan(start), not math.isnan(end)
    if has_start and has_end:
        if start == end:
            return label("years_one", lang, year=int(start))
        return label("years_span", lang, start=int(start), end=int(end))
    if has_start:
        return label("years_from", lang, year=int(start))
    if has_end:
        return label("years_until", lang, year=int(end))
    return ""


def criterion_text(
    row: Mapping[str, object],
    lang: str = "en",
    years: Mapping[str, tuple[float, float]] | None = None,
) -> str:
    """A criterion in words: scheme, tier, years in force, and its thresholds.

    ``row`` has ``criterion_id``, ``scheme``, ``tier``, ``min_coverage_pct``
    and ``min_active_pct`` (a ``uhc_status.csv`` row); ``years`` maps criterion
    ids to their years in force
    (:func:`~uhc_analysis.analysis.status_views.criterion_years`). A scheme
    without a label is named by its criterion id.

    Examples
    --------
    >>> row = {"criterion_id": "uhc_award_2026_pratama", "scheme": "uhc_award",
    ...        "tier": "pratama", "min_coverage_pct": 98.0, "min_active_pct": 80.0}
    >>> criterion_text(row, "en", {"uhc_award_2026_pratama": (2026.0, 2026.0)})
    'UHC award 2026, pratama (registered \u2265 98 %, active \u2265 80 %)'
    >>> criterion_text({**row, "scheme": "new", "min_active_pct": float("nan")}, "id")
    'uhc_award_2026_pratama, pratama (terdaftar \u2265 98 %)'
    """
    import math

    key = f"scheme_{row['scheme']}"
    name = label(key, lang) if key in LABELS else str(row["criterion_id"])
    start, end = (years or {}).get(str(row["criterion_id"]), (math.nan, math.nan))
    when = _years(start, end, lang)
    if when:
        name = f"{name} {when}"
    tier = row.get("tier")
    tier = tier if isinstance(tier, str) else ""
    if tier:
        name = f"{name}, {tier}"
    parts = []
    for column, part in (
        ("min_coverage_pct", "criterion_coverage"),
        ("min_active_pct", "criterion_active"),
    ):
        value = row.get(column)
        if value is not None and not math.isnan(float(value)):  # type: ignore[arg-type]
            parts.append(label(part, lang, pct=fmt_threshold(float(value), lang)))  # type: ignore[arg-type]
    return f"{name} ({', '.join(parts)})" if parts else name


def _detail(month: str, kind: str, lang: str) -> str:
    if not month:
        return ""
    return f"{month} \u00b7 {label(f'kind_{kind}', lang)}" if kind in MARKED_KINDS else month


def _status_date(rows: pd.DataFrame, lang: str) -> str:
    """The evaluation date(s) of the rows with a status."""
    dates = sorted(set(rows["evaluated_at"].astype(str)))
    return ", ".join(dates) if dates else label("no_data", lang)


def _status_subtitle(rows: pd.DataFrame, lang: str, months: float) -> str:
    """Date of the statuses, the evidence age rule, and the evidence kinds marked on the map."""
    historic = len(rows) > 0 and not rows["in_force"].astype(bool).any()
    kinds = [k for k in MARKED_KINDS if k in set(rows["evidence_kind"].astype(str))]
    notes = "; ".join(label(f"kind_note_{k}", lang) for k in kinds)
    return label(
        "subtitle_status",
        lang,
        date=_status_date(rows, lang),
        historic=label("status_historic", lang) if historic else "",
        months=fmt_threshold(months, lang),
        kinds=label("status_kinds", lang, kinds=notes) if notes else "",
    )


def status_layer(
    status: pd.DataFrame,
    shapes: gpd.GeoDataFrame,
    criterion_id: str,
    lang: str = "en",
    *,
    months: float | None = None,
) -> tuple[Layer, list[str]]:
    """The status layer of one province for one criterion, and the label of each region.

    ``months`` is the evidence age rule (default: read from ``status`` with
    :func:`~uhc_analysis.analysis.status_views.recent_months`).
    """
    import pandas as pd

    months = recent_months(status) if months is None else months
    province = str(shapes["province_code"].iloc[0])
    rows = status_for_criterion(status, criterion_id, provinces=[province])
    cols = ["region_code", "status", "evidence_month", "evidence_kind", "evaluated_at", "in_force"]
    gdf = join_regencies(shapes, rows, cols, f"uhc_status of {criterion_id}")
    code = {s: i for i, s in enumerate(STATUS_ORDER)}
    classes = pd.Series(
        [code.get(s, pd.NA) if isinstance(s, str) else pd.NA for s in gdf["status"]],
        index=gdf.index,
        dtype="Int64",
    )
    has = classes.notna().to_numpy()
    date = _status_date(gdf.loc[has], lang)
    subtitle = _status_subtitle(gdf.loc[has], lang, months)
    layer = Layer(
        gdf=gdf,
        classes=classes,
        class_labels=status_class_labels(lang, months),
        colors=tuple(STATUS_COLORS[s] for s in STATUS_ORDER),
        no_data_label=label("no_data", lang),
        legend_title=label("legend_status", lang, date=date),
        subtitle=subtitle,
        periods=[m for m in gdf.loc[has, "evidence_month"] if isinstance(m, str) and m],
    )
    texts = [
        region_text(name, _detail(m if isinstance(m, str) else "", str(k), lang))
        for name, m, k in zip(gdf["name"], gdf["evidence_month"], gdf["evidence_kind"], strict=True)
    ]
    return layer, texts


def _source(periods: Sequence[str], lang: str) -> str:
    ps = sorted(set(periods))
    if not ps:
        span = label("no_data", lang)
    else:
        span = ps[0] if ps[0] == ps[-1] else label("period_span", lang, start=ps[0], end=ps[-1])
    return label("source_status", lang, periods=label("evidence_span", lang, span=span))


def _criterion(
    status: pd.DataFrame, criterion_id: str, lang: str, criteria: pd.DataFrame | None
) -> str:
    rows = status_for_criterion(status, criterion_id, level=None)
    return criterion_text(rows.iloc[0].to_dict(), lang, criterion_years(criteria))


def _only_province(boundaries: gpd.GeoDataFrame | None, status: pd.DataFrame) -> str:
    source = boundaries if boundaries is not None else status
    codes = sorted(set(source["province_code"].astype(str)))
    if len(codes) != 1:
        raise ValueError(
            f"pass province= (one of {codes}), or use status_map_provinces for several"
        )
    return codes[0]


def status_map(
    status: pd.DataFrame,
    boundaries: gpd.GeoDataFrame | None,
    criterion_id: str,
    *,
    province: str | None = None,
    ax: Axes | None = None,
    lang: str = "en",
    criteria: pd.DataFrame | None = None,
) -> Axes:
    """Choropleth of each regency's UHC status against ``criterion_id``, one province.

    Parameters
    ----------
    status
        ``read_table("uhc_status")``: one row per region and criterion
        (columns ``region_code``, ``region_level``, ``province_code``,
        ``criterion_id``, ``scheme``, ``tier``, ``min_coverage_pct``,
        ``min_active_pct``, ``in_force``, ``evaluated_at``, ``status``,
        ``evidence_date``, ``evidence_kind``, ``reason``).
    boundaries
        Output of :func:`uhc_analysis.boundaries.load_boundaries` (None: load it).
    criterion_id
        A criterion of the table, e.g. ``"national_98"``.
    province
        2-digit BPS code; default the only province of ``boundaries``.
    ax
        Axes to draw into; a new figure is made when None.
    lang
        ``"en"`` or ``"id"``.
    criteria
        ``read_table("uhc_criteria")``, for the years in force in the title.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> from uhc_analysis.plotting.examples import squares
    >>> s = pd.DataFrame({"region_code": ["1701"], "region_level": "regency",
    ...     "province_code": "17", "criterion_id": "rpjmn_95", "scheme": "rpjmn", "tier": "",
    ...     "min_coverage_pct": 95.0, "min_active_pct": float("nan"), "in_force": False,
    ...     "evaluated_at": "2024-12-31", "status": "confirmed", "evidence_date": "2024-08-15",
    ...     "evidence_kind": "observed", "reason": "a figure", "recent_months": 24.0})
    >>> ax = status_map(s, squares("17", 1), "rpjmn_95", lang="id")
    >>> ax.get_title(loc="left")
    'Status UHC: Target RPJMN (terdaftar \u2265 95 %), Province 17'
    """
    province = str(province) if province is not None else _only_province(boundaries, status)
    shapes = province_shapes(province, boundaries)
    layer, texts = status_layer(status, shapes, criterion_id, lang)
    title = label(
        "title_status",
        lang,
        criterion=_criterion(status, criterion_id, lang, criteria),
        province=province_name(shapes, province),
    )
    return single_map(layer, texts, ax, title, _source(layer.periods, lang))


def status_map_provinces(
    status: pd.DataFrame,
    boundaries: gpd.GeoDataFrame | None,
    criterion_id: str,
    *,
    provinces: Sequence[str] = config.FOCUS_PROVINCES,
    lang: str = "en",
    criteria: pd.DataFrame | None = None,
) -> Figure:
    """:func:`status_map` with a panel per province (default the focus provinces), one legend.

    Examples
    --------
    >>> import pandas as pd
    >>> from uhc_analysis.plotting.examples import squares
    >>> shapes = pd.concat([squares("16", 2), squares("17", 2, x0=102)], ignore_index=True)
    >>> s = pd.DataFrame({"region_code": ["1601", "1702"], "region_level": "regency",
    ...     "province_code": ["16", "17"], "criterion_id": "national_98",
    ...     "scheme": "national_target", "tier": "", "min_coverage_pct": 98.0,
    ...     "min_active_pct": float("nan"), "in_force": True, "evaluated_at": "2026-12-02",
    ...     "status": ["overdue", "insufficient_data"], "evidence_date": ["2025-04-01", ""],
    ...     "evidence_kind": ["projection", ""], "reason": "r", "recent_months": 24.0})
    >>> fig = status_map_provinces(s, shapes, "national_98", provinces=("16", "17"))
    >>> [t.get_text() for t in fig.legends[0].get_texts()][-2:]
    ['insufficient data (1)', 'no data (2)']
    """
    if boundaries is None:
        from uhc_analysis.boundaries import load_boundaries

        boundaries = load_boundaries(list(provinces))
    panels = []
    for p in provinces:
        shapes = province_shapes(p, boundaries)
        layer, texts = status_layer(status, shapes, criterion_id, lang)
        panels.append((str(p), shapes, layer, texts))
    title = label(
        "title_status_all", lang, criterion=_criterion(status, criterion_id, lang, criteria)
    )
    import pandas as pd

    periods = [m for _, _, lay, _ in panels for m in lay.periods]
    shown = pd.concat([lay.gdf.loc[lay.classes.notna().to_numpy()] for _, _, lay, _ in panels])
    subtitle = _status_subtitle(shown, lang, recent_months(status))
    return province_panels(panels, title, subtitle, _source(periods, lang), legend_ncols=4)
