"""Classified map layers: regency polygons joined to one row of data each, with a legend.

A :class:`Layer` is what the static maps (:mod:`uhc_analysis.plotting.maps`)
and the interactive map (:mod:`uhc_analysis.plotting.interactive`) draw: the
polygons of one province with their data, the class of each polygon, the
legend texts and colours, the subtitle, and the periods and source URLs of the
regencies that have data, and which figures are older than the evidence age
rule (``stale``, drawn dotted, with their own legend entry).

Examples
--------
>>> import pandas as pd
>>> from uhc_analysis.plotting.examples import squares
>>> data = pd.DataFrame({"region_code": ["1701"], "coverage_pct": [96.0],
...     "period": ["2024-06"], "basis": ["published"]})
>>> layer = coverage_layer(data, squares("17", 2), "en", as_of="2024-12-31")
>>> layer.classes.tolist(), class_counts(layer)
([3, <NA>], [0, 0, 0, 1, 0, 1])
>>> [h.get_label() for h in legend_handles(layer)][-2:]
['\u2265 98 % (0)', 'no data (1)']
>>> later = coverage_layer(data, squares("17", 2), "en", as_of="2026-12-02")
>>> [h.get_label() for h in legend_handles(later)][-2:]
['figure more than 24 months old (1)', 'no data (1)']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from uhc_analysis.plotting.classes import (
    RECENT_MONTHS,
    YEAR_BINS,
    coverage_class_labels,
    coverage_classes,
    gap_class_labels,
    gap_classes,
    projected_class_labels,
    projected_classes,
    stale_figures,
)
from uhc_analysis.plotting.frames import regency_rows, require_columns, urls_of
from uhc_analysis.plotting.labels import basis_text, fmt_threshold, label
from uhc_analysis.plotting.style import (
    COVERAGE_COLORS,
    GAP_COLORS,
    GAP_UNKNOWN_COLOR,
    NO_DATA_EDGE,
    NO_DATA_FACE,
    NO_DATA_HATCH,
    PROJECTED_COLORS,
    STALE_HATCH,
    STALE_HATCH_COLOR,
)

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    from matplotlib.patches import Patch


@dataclass
class Layer:
    """A classified map layer: polygons joined to data, class per polygon, legend."""

    gdf: gpd.GeoDataFrame
    classes: pd.Series
    class_labels: list[str]
    colors: tuple[str, ...]
    no_data_label: str
    legend_title: str
    subtitle: str
    periods: list[str] = field(default_factory=list)
    urls: set[str] = field(default_factory=set)
    #: Whether each polygon's figure is older than the evidence age rule (None: not judged).
    stale: pd.Series | None = None
    stale_label: str = ""


def province_shapes(province: str, boundaries: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """Regency polygons of one province, from ``boundaries`` or :func:`load_boundaries`.

    Examples
    --------
    >>> import pandas as pd
    >>> from uhc_analysis.plotting.examples import squares
    >>> both = pd.concat([squares("16", 1), squares("17", 2)])
    >>> province_shapes("17", both)["bps_code"].tolist()
    ['1701', '1702']
    """
    province = str(province)
    if boundaries is None:
        from uhc_analysis.boundaries import load_boundaries

        boundaries = load_boundaries([province])
    missing = [c for c in ("bps_code", "province_code", "name") if c not in boundaries.columns]
    if missing:
        raise KeyError(f"boundaries lack columns {missing}; use uhc_analysis.load_boundaries()")
    shapes = boundaries.loc[boundaries["province_code"].astype(str) == province]
    if shapes.empty:
        raise ValueError(f"the boundaries hold no regency of province {province!r}")
    return shapes.sort_values("bps_code").reset_index(drop=True)


def province_name(shapes: gpd.GeoDataFrame, province: str) -> str:
    """The ``province_name`` of the shapes, else the code.

    Examples
    --------
    >>> from uhc_analysis.plotting.examples import squares
    >>> province_name(squares("17"), "17"), province_name(squares("17")[["name"]], "17")
    ('Province 17', '17')
    """
    if "province_name" in shapes.columns and shapes["province_name"].notna().any():
        return str(shapes["province_name"].dropna().iloc[0])
    return province


def join_regencies(
    shapes: gpd.GeoDataFrame, data: pd.DataFrame, columns: Sequence[str], what: str
) -> gpd.GeoDataFrame:
    """Left-join ``data`` (one row per regency) to the polygons, refusing unknown codes.

    Examples
    --------
    >>> import pandas as pd
    >>> from uhc_analysis.plotting.examples import squares
    >>> data = pd.DataFrame({"region_code": ["17", "1701"], "coverage_pct": [90.0, 96.0]})
    >>> join_regencies(squares("17", 2), data, ["region_code", "coverage_pct"], "data")[
    ...     ["bps_code", "coverage_pct"]]
      bps_code  coverage_pct
    0     1701          96.0
    1     1702           NaN
    >>> join_regencies(squares("17", 2), data.iloc[1:].assign(region_code="1709"),
    ...                ["region_code", "coverage_pct"], "data")
    Traceback (most recent call last):
    ...
    ValueError: data: region codes ['1709'] are not regencies of province 17 in the boundaries/gazetteer
    """  # noqa: E501
    require_columns(data, columns, what)
    province = str(shapes["province_code"].iloc[0])
    d = regency_rows(data.loc[:, list(columns)], province, what)
    merged = shapes.merge(
        d, left_on="bps_code", right_on="region_code", how="outer", validate="1:1", indicator=True
    )
    unknown = sorted(merged.loc[merged["_merge"] == "right_only", "region_code"])
    if unknown:
        raise ValueError(
            f"{what}: region codes {unknown} are not regencies of province {province} "
            "in the boundaries/gazetteer"
        )
    merged = merged.drop(columns="_merge")
    return merged.sort_values("bps_code").reset_index(drop=True)


def _as_of(as_of: object | None) -> object:
    from uhc_analysis import config

    return config.today() if as_of is None else as_of


def _figure_layer(
    gdf: gpd.GeoDataFrame,
    classes: pd.Series,
    class_labels: list[str],
    colors: tuple[str, ...],
    legend_title: str,
    lang: str,
    sources: pd.DataFrame | None,
    *,
    as_of: object | None = None,
    months: float = RECENT_MONTHS,
) -> Layer:
    """A layer of observed figures: subtitle, periods, URLs and staleness of those with a class.

    A figure is stale when older than ``months`` at ``as_of`` (default today,
    :func:`uhc_analysis.config.today`), the rule of the UHC status table.
    """

    has = classes.notna().to_numpy()
    dates = gdf["date"] if "date" in gdf.columns else None
    stale = stale_figures(gdf["period"], _as_of(as_of), months, dates) & has
    stale.index = gdf.index
    return Layer(
        gdf=gdf,
        classes=classes,
        class_labels=class_labels,
        colors=colors,
        no_data_label=label("no_data", lang),
        legend_title=legend_title,
        subtitle=basis_text(gdf.loc[has, "basis"].dropna().tolist(), lang),
        periods=gdf.loc[has, "period"].dropna().tolist(),
        urls=urls_of(sources, gdf.loc[has, "bps_code"]),
        stale=stale,
        stale_label=label("map_stale", lang, months=fmt_threshold(months, lang)),
    )


def coverage_layer(
    data: pd.DataFrame,
    shapes: gpd.GeoDataFrame,
    lang: str,
    sources: pd.DataFrame | None = None,
    *,
    as_of: object | None = None,
    months: float = RECENT_MONTHS,
) -> Layer:
    """The coverage layer of one province (columns region_code, coverage_pct, period, basis).

    Optional columns ``date`` (the figure's date, else its ``period``) and
    ``lower_bound`` are kept; ``as_of`` and ``months`` set the staleness rule.
    """
    cols = ["region_code", "coverage_pct", "period", "basis"]
    cols += [c for c in ("date", "lower_bound") if c in data.columns]
    gdf = join_regencies(shapes, data, cols, "coverage data")
    gdf["coverage_pct"] = gdf["coverage_pct"].astype(float)
    return _figure_layer(
        gdf,
        coverage_classes(gdf["coverage_pct"]),
        coverage_class_labels(lang),
        COVERAGE_COLORS,
        label("legend_coverage", lang),
        lang,
        sources,
        as_of=as_of,
        months=months,
    )


def gap_layer(
    metrics: pd.DataFrame,
    shapes: gpd.GeoDataFrame,
    threshold: float,
    lang: str,
    sources: pd.DataFrame | None = None,
    *,
    as_of: object | None = None,
    months: float = RECENT_MONTHS,
) -> Layer:
    """The gap layer of one province from ``metrics.csv`` rows at ``threshold``.

    A regency with a coverage figure (``coverage_pct``, when the column is
    there) but no ``gap_people`` (its source states no population, so the
    number of people to enrol cannot be counted) is not "no data": it gets the
    last class, "below the threshold, number unknown", so the gap map shows
    data wherever the coverage map does.
    """
    cols = ["region_code", "threshold", "gap_people", "basis", "period"]
    require_columns(metrics, cols, "metrics")
    cols += [c for c in ("coverage_pct", "date") if c in metrics.columns]
    sel = metrics.loc[metrics["threshold"].astype(float) == float(threshold)]
    gdf = join_regencies(shapes, sel, cols, f"metrics at threshold {threshold}")
    gdf["gap_people"] = gdf["gap_people"].astype(float)
    classes = gap_classes(gdf["gap_people"])
    labels = gap_class_labels(threshold, lang)
    if "coverage_pct" in gdf.columns:
        known = gdf["coverage_pct"].astype(float).notna().to_numpy()
        classes[known & classes.isna().to_numpy()] = len(labels)
    labels.append(label("gap_unknown", lang, threshold=fmt_threshold(threshold, lang)))
    return _figure_layer(
        gdf,
        classes,
        labels,
        (*GAP_COLORS, GAP_UNKNOWN_COLOR),
        label("legend_gap_people", lang),
        lang,
        sources,
        as_of=as_of,
        months=months,
    )


def projected_layer(
    projections: pd.DataFrame,
    shapes: gpd.GeoDataFrame,
    threshold: float,
    lang: str,
    year_bins: tuple[int, int] = YEAR_BINS,
) -> Layer:
    """The projected-year layer of one province from ``projections.csv`` rows at ``threshold``."""
    cols = ["region_code", "threshold", "status", "year_reached", "first_period_reached"]
    require_columns(projections, cols, "projections")
    cols += [c for c in ("basis", "model", "latest_coverage_pct") if c in projections.columns]
    sel = projections.loc[projections["threshold"].astype(float) == float(threshold)]
    gdf = join_regencies(shapes, sel, cols, f"projections at threshold {threshold}")
    classes = projected_classes(gdf, year_bins)
    has = classes.notna().to_numpy()
    bases = gdf.loc[has, "basis"].dropna().tolist() if "basis" in gdf.columns else []
    basis = (
        basis_text(bases, lang)
        if bases
        else label("denominator", lang, basis=label("basis_published", lang))
    )
    return Layer(
        gdf=gdf,
        classes=classes,
        class_labels=projected_class_labels(year_bins, lang),
        colors=PROJECTED_COLORS,
        no_data_label=label("proj_no_data", lang),
        legend_title=label("legend_projected", lang, threshold=fmt_threshold(threshold, lang)),
        subtitle=label("subtitle_projected", lang, basis=basis),
    )


def class_counts(layer: Layer) -> list[int]:
    """Regencies per class, then the number without data."""
    k = len(layer.class_labels)
    return [int((layer.classes == i).fillna(False).sum()) for i in range(k)] + [
        int(layer.classes.isna().sum())
    ]


def stale_count(layer: Layer) -> int:
    """Number of regencies whose figure is older than the evidence age rule."""
    return 0 if layer.stale is None else int(layer.stale.sum())


def legend_handles(
    layer: Layer, counts: Sequence[int] | None = None, n_stale: int | None = None
) -> list[Patch]:
    """Legend patches with the count of regencies per class; the no-data patch is hatched.

    When some figures are stale (``n_stale``, default :func:`stale_count`) a
    dotted white patch before "no data" says so.
    """
    from matplotlib.patches import Patch

    if counts is None:
        counts = class_counts(layer)
    n_stale = stale_count(layer) if n_stale is None else n_stale
    handles = [
        Patch(facecolor=c, edgecolor="#969696", linewidth=0.5, label=f"{lab} ({n})")
        for lab, c, n in zip(layer.class_labels, layer.colors, counts[:-1], strict=True)
    ]
    if n_stale:
        handles.append(
            Patch(
                facecolor="white",
                edgecolor=STALE_HATCH_COLOR,
                hatch=STALE_HATCH,
                linewidth=0.5,
                label=f"{layer.stale_label} ({n_stale})",
            )
        )
    handles.append(
        Patch(
            facecolor=NO_DATA_FACE,
            edgecolor=NO_DATA_EDGE,
            hatch=NO_DATA_HATCH,
            linewidth=0.5,
            label=f"{layer.no_data_label} ({counts[-1]})",
        )
    )
    return handles
