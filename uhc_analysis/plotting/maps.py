"""Choropleth maps of JKN coverage by regency/city (geopandas + mapclassify + matplotlib).

Each plotting function follows the geopandas convention: it takes a tidy
DataFrame and ``ax=None``, creates a figure only when ``ax`` is None, and
returns the Axes (the Figure for the multi-panel map). Nothing is shown or
saved here; :mod:`uhc_analysis.plotting.export` writes the files.

Conventions shared by every map:

* fixed policy classes (coverage ``< 80``, ``80–90``, ``90–95``, ``95–98``,
  ``≥ 98`` %; intervals closed on the left) classified with
  ``mapclassify.UserDefined``, so maps of different provinces and dates are
  comparable;
* colour-blind-safe ColorBrewer palettes (YlGnBu, YlOrBr) plus one orange for
  "not on current trend";
* regencies without data are drawn grey and hatched, and listed in the legend
  ("no data" / "tidak ada data"); the legend gives the count of regencies per
  class;
* regency names are placed at the pole of inaccessibility of their largest
  part and pushed apart deterministically when they collide, with a leader
  line when a label had to move off its regency;
* a subtitle states the denominator basis and a line under the map gives the
  sources and dates.

All text comes from :mod:`uhc_analysis.plotting.labels` (``lang="en"`` or ``"id"``).

Examples
--------
>>> import pandas as pd
>>> data = pd.DataFrame({"region_code": ["1701"], "coverage_pct": [96.0],
...                      "period": ["2024-06"], "basis": ["published"],
...                      "urls": ["https://example.org/a"]})
>>> ax = plot_coverage_map(data, "17")  # doctest: +SKIP
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from uhc_analysis import config
from uhc_analysis.plotting.labels import basis_text, fmt_int, fmt_pct, label

if TYPE_CHECKING:
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

#: Lower edges of the coverage policy classes (percent), after the first class.
COVERAGE_BREAKS: tuple[float, ...] = (80.0, 90.0, 95.0, 98.0)
#: ColorBrewer YlGnBu, 5 classes (colour-blind safe), low to high coverage.
COVERAGE_COLORS: tuple[str, ...] = ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494")
#: Upper edges of the gap classes (people); the first class is exactly 0.
GAP_BREAKS: tuple[int, ...] = (0, 5_000, 20_000, 50_000)
#: ColorBrewer YlOrBr, 5 classes (colour-blind safe), small to large gap.
GAP_COLORS: tuple[str, ...] = ("#ffffd4", "#fed98e", "#fe9929", "#d95f0e", "#993404")
#: Projected-year classes: reached, three year bins, not on current trend.
PROJECTED_COLORS: tuple[str, ...] = ("#253494", "#2c7fb8", "#7fcdbb", "#edf8b1", "#e66101")
#: Default year bins of the projected-year map: ``<= 2026``, ``2027–2030``, ``> 2030``.
YEAR_BINS: tuple[int, int] = (2026, 2030)
#: Status values of ``projections.csv``.
PROJECTION_STATUSES: tuple[str, ...] = (
    "reached",
    "on_track",
    "not_on_current_trend",
    "insufficient_data",
)
#: The focus provinces in panel order.
PANEL_PROVINCES: tuple[str, ...] = ("16", "17", "64")

NO_DATA_FACE = "#d9d9d9"
NO_DATA_EDGE = "#7f7f7f"
NO_DATA_HATCH = "////"
BORDER_COLOR = "#ffffff"
OUTLINE_COLOR = "#595959"
MAP_KINDS: tuple[str, ...] = ("coverage", "projected_year", "gap")


# --------------------------------------------------------------------------- classes


def coverage_classes(values: Iterable[float]) -> pd.Series:
    """Policy class of each coverage value: 0 ``<80``, 1 ``80–90``, … 4 ``≥98`` %.

    Intervals are closed on the left (80.0 is in class 1, 98.0 in class 4).
    Missing values get ``<NA>``.

    Examples
    --------
    >>> coverage_classes([79.9, 80.0, 95.0, 98.0, float("nan")]).tolist()
    [0, 1, 3, 4, <NA>]
    """
    import mapclassify
    import numpy as np
    import pandas as pd

    s = pd.Series(values, dtype=float) if not isinstance(values, pd.Series) else values
    s = s.astype(float)
    out = pd.Series(pd.NA, index=s.index, dtype="Int64")
    ok = s.notna()
    if ok.any():
        # mapclassify bins are closed on the right; step each break down by one ulp
        bins = [float(np.nextafter(b, -np.inf)) for b in COVERAGE_BREAKS] + [np.inf]
        out[ok] = mapclassify.UserDefined(s[ok].to_numpy(), bins=bins).yb
    return out


def coverage_class_labels(lang: str = "en") -> list[str]:
    """Legend texts of the coverage classes.

    Examples
    --------
    >>> coverage_class_labels()
    ['< 80 %', '80\u201390 %', '90\u201395 %', '95\u201398 %', '\u2265 98 %']
    """
    b = [fmt_int(x, lang) for x in COVERAGE_BREAKS]
    return (
        [f"< {b[0]} %"]
        + [f"{lo}\u2013{hi} %" for lo, hi in zip(b[:-1], b[1:], strict=True)]
        + [f"\u2265 {b[-1]} %"]
    )


def gap_classes(values: Iterable[float]) -> pd.Series:
    """Class of each gap (people to enrol): 0 none, then ``≤5k``, ``≤20k``, ``≤50k``, more.

    Raises ``ValueError`` on negative gaps.

    Examples
    --------
    >>> gap_classes([0, 1, 5000, 5001, 60000]).tolist()
    [0, 1, 1, 2, 4]
    """
    import mapclassify
    import numpy as np
    import pandas as pd

    s = pd.Series(values, dtype=float) if not isinstance(values, pd.Series) else values
    s = s.astype(float)
    if (s < 0).any():
        raise ValueError(f"negative gap_people: {s[s < 0].tolist()}")
    out = pd.Series(pd.NA, index=s.index, dtype="Int64")
    ok = s.notna()
    if ok.any():
        bins = [float(b) for b in GAP_BREAKS] + [np.inf]
        out[ok] = mapclassify.UserDefined(s[ok].to_numpy(), bins=bins).yb
    return out


def gap_class_labels(threshold: float, lang: str = "en") -> list[str]:
    """Legend texts of the gap classes.

    Examples
    --------
    >>> gap_class_labels(95)[1]
    '1\u20135,000'
    """
    edges = list(GAP_BREAKS)
    out = [label("gap_zero", lang, threshold=_fmt_threshold(threshold, lang))]
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        out.append(f"{fmt_int(lo + 1, lang)}\u2013{fmt_int(hi, lang)}")
    out.append(label("gap_more", lang, value=fmt_int(edges[-1], lang)))
    return out


def projected_classes(
    projections: pd.DataFrame, year_bins: tuple[int, int] = YEAR_BINS
) -> pd.Series:
    """Class of each projection row: 0 reached, 1–3 year bins, 4 not on trend, NA no data.

    ``on_track`` rows are binned by ``floor(year_reached)``: ``<= year_bins[0]``,
    ``<= year_bins[1]``, later. ``insufficient_data`` and missing statuses get
    ``<NA>``. An unknown status, or an ``on_track`` row without a year, raises.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"status": ["reached", "on_track", "on_track",
    ...                               "not_on_current_trend", "insufficient_data"],
    ...                    "year_reached": [2021, 2025.5, 2034, None, None]})
    >>> projected_classes(df).tolist()
    [0, 1, 3, 4, <NA>]
    """
    import numpy as np
    import pandas as pd

    status = projections["status"]
    unknown = sorted(set(status.dropna()) - set(PROJECTION_STATUSES))
    if unknown:
        raise ValueError(f"unknown projection status {unknown}; expected {PROJECTION_STATUSES}")
    year = np.floor(pd.to_numeric(projections["year_reached"], errors="raise").astype(float))
    on = status.eq("on_track").fillna(False).astype(bool)
    if (on & year.isna()).any():
        codes = projections.loc[on & year.isna()].get("region_code", pd.Series()).tolist()
        raise ValueError(f"on_track projections without year_reached: {codes}")
    first, second = year_bins
    out = pd.Series(pd.NA, index=projections.index, dtype="Int64")
    out[status.eq("reached").fillna(False).astype(bool)] = 0
    out[on & (year <= first)] = 1
    out[on & (year > first) & (year <= second)] = 2
    out[on & (year > second)] = 3
    out[status.eq("not_on_current_trend").fillna(False).astype(bool)] = 4
    return out


def projected_class_labels(year_bins: tuple[int, int] = YEAR_BINS, lang: str = "en") -> list[str]:
    """Legend texts of the projected-year classes.

    Examples
    --------
    >>> projected_class_labels()[:3]
    ['already reached (at least once)', 'by 2026', '2027\u20132030']
    """
    first, second = year_bins
    return [
        label("proj_reached", lang),
        label("proj_by", lang, year=first),
        label("proj_between", lang, start=first + 1, end=second),
        label("proj_after", lang, year=second),
        label("proj_not_on_trend", lang),
    ]


def _fmt_threshold(threshold: float, lang: str) -> str:
    t = float(threshold)
    return (
        fmt_int(t, lang) if t.is_integer() else f"{t:g}".replace(".", "," if lang == "id" else ".")
    )


# --------------------------------------------------------------------------- data plumbing


@dataclass
class _Layer:
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


def split_urls(values: Iterable[object]) -> set[str]:
    """All distinct URLs in cells holding one or more URLs (space, ``|`` or ``;`` separated).

    Examples
    --------
    >>> sorted(split_urls(["https://a.id/x https://b.id/y", None, "https://a.id/x"]))
    ['https://a.id/x', 'https://b.id/y']
    """
    out: set[str] = set()
    for value in values:
        if isinstance(value, str):
            out.update(u for u in re.split(r"[\s|;]+", value) if u.startswith("http"))
    return out


def province_shapes(province: str, boundaries: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """Regency polygons of one province, from ``boundaries`` or :func:`load_boundaries`.

    Examples
    --------
    >>> len(province_shapes("17"))  # doctest: +SKIP
    10
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


def _province_name(shapes: gpd.GeoDataFrame, province: str) -> str:
    if "province_name" in shapes.columns and shapes["province_name"].notna().any():
        return str(shapes["province_name"].dropna().iloc[0])
    return province


def _join(
    shapes: gpd.GeoDataFrame, data: pd.DataFrame, columns: Sequence[str], what: str
) -> gpd.GeoDataFrame:
    """Left-join ``data`` (one row per regency) to the polygons, refusing unknown codes."""
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise KeyError(f"{what}: missing columns {missing}")
    province = str(shapes["province_code"].iloc[0])
    d = data.loc[:, list(columns)].copy()
    d["region_code"] = d["region_code"].astype(str).str.strip()
    d = d.loc[d["region_code"].str.fullmatch(r"\d{4}") & d["region_code"].str.startswith(province)]
    dup = sorted(d.loc[d["region_code"].duplicated(), "region_code"].unique())
    if dup:
        raise ValueError(
            f"{what}: several rows for regencies {dup}; pass one row per regency "
            "(filter measure, basis and threshold first)"
        )
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


def _period_text(periods: Iterable[object], lang: str) -> str:
    ps = sorted({str(p) for p in periods if isinstance(p, str) and p})
    if not ps:
        return label("periods", lang, periods=label("no_data", lang))
    span = ps[0] if ps[0] == ps[-1] else label("period_span", lang, start=ps[0], end=ps[-1])
    return label("periods", lang, periods=span)


def _coverage_layer(data: pd.DataFrame, shapes: gpd.GeoDataFrame, lang: str) -> _Layer:
    cols = ["region_code", "coverage_pct", "period", "basis", "urls"]
    gdf = _join(shapes, data, cols, "coverage data")
    gdf["coverage_pct"] = gdf["coverage_pct"].astype(float)
    classes = coverage_classes(gdf["coverage_pct"])
    has = classes.notna().to_numpy()
    return _Layer(
        gdf=gdf,
        classes=classes,
        class_labels=coverage_class_labels(lang),
        colors=COVERAGE_COLORS,
        no_data_label=label("no_data", lang),
        legend_title=label("legend_coverage", lang),
        subtitle=basis_text(gdf.loc[has, "basis"].dropna().tolist(), lang),
        periods=gdf.loc[has, "period"].dropna().tolist(),
        urls=split_urls(gdf.loc[has, "urls"]),
    )


def _gap_layer(
    metrics: pd.DataFrame, shapes: gpd.GeoDataFrame, threshold: float, lang: str
) -> _Layer:
    cols = ["region_code", "threshold", "gap_people", "basis", "period"]
    cols += [c for c in ("urls",) if c in metrics.columns]
    sel = metrics.loc[metrics["threshold"].astype(float) == float(threshold)]
    gdf = _join(shapes, sel, cols, f"metrics at threshold {threshold}")
    gdf["gap_people"] = gdf["gap_people"].astype(float)
    classes = gap_classes(gdf["gap_people"])
    has = classes.notna().to_numpy()
    return _Layer(
        gdf=gdf,
        classes=classes,
        class_labels=gap_class_labels(threshold, lang),
        colors=GAP_COLORS,
        no_data_label=label("no_data", lang),
        legend_title=label("legend_gap", lang),
        subtitle=basis_text(gdf.loc[has, "basis"].dropna().tolist(), lang),
        periods=gdf.loc[has, "period"].dropna().tolist(),
        urls=split_urls(gdf.loc[has, "urls"]) if "urls" in gdf.columns else set(),
    )


def _projected_layer(
    projections: pd.DataFrame,
    shapes: gpd.GeoDataFrame,
    threshold: float,
    lang: str,
    year_bins: tuple[int, int],
) -> _Layer:
    cols = ["region_code", "threshold", "status", "year_reached", "first_period_reached"]
    cols += [c for c in ("basis", "model") if c in projections.columns]
    sel = projections.loc[projections["threshold"].astype(float) == float(threshold)]
    gdf = _join(shapes, sel, cols, f"projections at threshold {threshold}")
    classes = projected_classes(gdf, year_bins)
    has = classes.notna().to_numpy()
    bases = gdf.loc[has, "basis"].dropna().tolist() if "basis" in gdf.columns else []
    basis = (
        basis_text(bases, lang)
        if bases
        else label("denominator", lang, basis=label("basis_published", lang))
    )
    return _Layer(
        gdf=gdf,
        classes=classes,
        class_labels=projected_class_labels(year_bins, lang),
        colors=PROJECTED_COLORS,
        no_data_label=label("proj_no_data", lang),
        legend_title=label("legend_projected", lang, threshold=_fmt_threshold(threshold, lang)),
        subtitle=label("subtitle_projected", lang, basis=basis),
    )


# --------------------------------------------------------------------------- drawing


def _legend_handles(layer: _Layer, counts: Sequence[int] | None = None) -> list[Patch]:
    from matplotlib.patches import Patch

    if counts is None:
        counts = _counts(layer)
    handles = [
        Patch(facecolor=c, edgecolor="#969696", linewidth=0.5, label=f"{lab} ({n})")
        for lab, c, n in zip(layer.class_labels, layer.colors, counts[:-1], strict=True)
    ]
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


def _counts(layer: _Layer) -> list[int]:
    k = len(layer.class_labels)
    return [int((layer.classes == i).fillna(False).sum()) for i in range(k)] + [
        int(layer.classes.isna().sum())
    ]


def _draw_layer(ax: Axes, layer: _Layer, *, linewidth: float = 0.6) -> None:
    """Fill every polygon by class; hatched grey for no data; outline the province."""
    for i, color in enumerate(layer.colors):
        sel = layer.gdf.loc[(layer.classes == i).fillna(False).to_numpy()]
        if len(sel):
            sel.plot(ax=ax, color=color, edgecolor=BORDER_COLOR, linewidth=linewidth, zorder=1)
    nodata = layer.gdf.loc[layer.classes.isna().to_numpy()]
    if len(nodata):
        nodata.plot(
            ax=ax,
            facecolor=NO_DATA_FACE,
            edgecolor=NO_DATA_EDGE,
            hatch=NO_DATA_HATCH,
            linewidth=linewidth * 0.6,
            zorder=1,
        )
    outline = layer.gdf.geometry.union_all().boundary
    import geopandas as gpd

    gpd.GeoSeries([outline], crs=layer.gdf.crs).plot(
        ax=ax, color=OUTLINE_COLOR, linewidth=linewidth, zorder=2
    )
    ax.set_axis_off()


def _wrap_name(name: str, width: int = 13) -> str:
    """Break a long name into two balanced lines at a space.

    Examples
    --------
    >>> _wrap_name("Penukal Abab Lematang Ilir")
    'Penukal Abab\\nLematang Ilir'
    """
    if len(name) <= width or " " not in name:
        return name
    words = name.split(" ")
    best = min(
        range(1, len(words)),
        key=lambda i: (max(len(" ".join(words[:i])), len(" ".join(words[i:]))), i),
    )
    return " ".join(words[:best]) + "\n" + " ".join(words[best:])


def _label_anchor(geom: object) -> tuple[float, float]:
    """Pole of inaccessibility of the largest polygon part (always inside it)."""
    from shapely.ops import polylabel

    parts = list(getattr(geom, "geoms", [geom]))
    largest = max(parts, key=lambda g: g.area)
    tolerance = max(math.sqrt(largest.area) / 200.0, 1e-6)
    pt = polylabel(largest, tolerance=tolerance)
    return float(pt.x), float(pt.y)


def _renderer(fig: Figure) -> object:
    get = getattr(fig.canvas, "get_renderer", None)
    return get() if get is not None else fig._get_renderer()


def _repel(
    anchors: np.ndarray,
    sizes: np.ndarray,
    box: tuple[float, float, float, float],
    start: np.ndarray,
    *,
    max_iter: int = 400,
) -> np.ndarray:
    """Move label boxes (display units) apart until none overlap; deterministic.

    ``anchors`` and ``start`` are (n, 2) centre points, ``sizes`` (n, 2) widths
    and heights, ``box`` the (x0, y0, x1, y1) area the labels must stay in.
    Each overlapping pair is separated along the axis of smaller overlap, each
    label moving half the distance; positions are clamped to ``box``.
    """
    import numpy as np

    cur = start.astype(float).copy()
    half = sizes / 2.0
    lo = np.array([box[0], box[1]]) + half
    hi = np.array([box[2], box[3]]) - half
    hi = np.maximum(hi, lo)
    n = len(cur)
    for _ in range(max_iter):
        moved = False
        for i in range(n):
            for j in range(i + 1, n):
                d = cur[j] - cur[i]
                overlap = half[i] + half[j] - np.abs(d)
                if overlap[0] <= 0 or overlap[1] <= 0:
                    continue
                moved = True
                axis = 1 if overlap[1] <= overlap[0] else 0
                sign = np.sign(d[axis])
                if sign == 0:
                    sign = np.sign(anchors[j, axis] - anchors[i, axis]) or 1.0
                step = overlap[axis] / 2.0 + 0.5
                cur[i, axis] -= sign * step
                cur[j, axis] += sign * step
        cur = np.clip(cur, lo, hi)
        if not moved:
            break
    return cur


def _label_regions(ax: Axes, gdf: gpd.GeoDataFrame, *, fontsize: float = 7.5) -> list[object]:
    """Write regency names without collisions; leader lines for displaced labels."""
    import numpy as np
    from matplotlib import patheffects

    if gdf.empty:
        return []
    ax.apply_aspect()
    fig = ax.figure
    renderer = _renderer(fig)
    anchors_data = np.array([_label_anchor(g) for g in gdf.geometry])
    halo = [patheffects.withStroke(linewidth=2.4, foreground="white")]
    texts = [
        ax.text(
            x,
            y,
            _wrap_name(str(name)),
            ha="center",
            va="center",
            fontsize=fontsize,
            color="#1a1a1a",
            linespacing=0.95,
            zorder=6,
            path_effects=halo,
        )
        for (x, y), name in zip(anchors_data, gdf["name"], strict=True)
    ]
    pad = 2.0 * fig.dpi / 72.0
    sizes = np.array(
        [
            [bb.width + 2 * pad, bb.height + 2 * pad]
            for bb in (t.get_window_extent(renderer) for t in texts)
        ]
    )
    anchors = ax.transData.transform(anchors_data)
    # polygons smaller than their label get the label pushed outward from the map centre
    start = anchors.copy()
    centre = ax.transData.transform(np.array(gdf.geometry.union_all().centroid.coords)[0:1])[0]
    for i, geom in enumerate(gdf.geometry):
        x0, y0, x1, y1 = geom.bounds
        (px0, py0), (px1, py1) = ax.transData.transform([(x0, y0), (x1, y1)])
        if abs(px1 - px0) < sizes[i, 0] * 0.9 and abs(py1 - py0) < sizes[i, 1] * 2.5:
            direction = anchors[i] - centre
            norm = float(np.hypot(*direction)) or 1.0
            start[i] = anchors[i] + direction / norm * (sizes[i].max() * 0.75 + 4 * pad)
    axbox = ax.get_window_extent(renderer)
    final = _repel(anchors, sizes, (axbox.x0, axbox.y0, axbox.x1, axbox.y1), start)
    inv = ax.transData.inverted()
    for i, text in enumerate(texts):
        text.set_position(tuple(inv.transform(final[i])))
        offset = final[i] - anchors[i]
        if abs(offset[0]) > sizes[i, 0] * 0.35 or abs(offset[1]) > sizes[i, 1] * 0.45:
            # leader line from the anchor to the edge of the label box
            half = sizes[i] / 2.0
            t = min(
                half[0] / abs(offset[0]) if offset[0] else np.inf,
                half[1] / abs(offset[1]) if offset[1] else np.inf,
            )
            edge = final[i] - offset * min(t, 1.0)
            (ax0, ay0), (ex, ey) = inv.transform([anchors[i], edge])
            ax.plot([ax0, ex], [ay0, ey], color="#404040", linewidth=0.6, zorder=5)
            ax.plot([ax0], [ay0], marker="o", markersize=1.8, color="#404040", zorder=5)
    return texts


def _source_text(layer_urls: set[str], periods: list[str], lang: str, *, boundaries: bool) -> str:
    if not boundaries:
        key = "source_line_chart"
    else:
        key = "source_line" if layer_urls else "source_line_nourl"
    return label(key, lang, n_urls=len(layer_urls), periods=_period_text(periods, lang))


def _wrap_to_width(text: str, width_in: float, fontsize: float) -> str:
    chars = max(40, int(width_in * 72.0 / (fontsize * 0.52)))
    return "\n".join(textwrap.wrap(text, chars, break_on_hyphens=False))


def _annotate_axes(
    ax: Axes, title: str, subtitle: str, source: str | None, *, wrap_width_in: float | None = None
) -> None:
    """Bold title, subtitle under it, and a small source line under the axes."""
    fig = ax.figure
    ax.apply_aspect()
    width_in = wrap_width_in or ax.get_position().width * fig.get_figwidth()
    sub = _wrap_to_width(subtitle, width_in, 9)
    n_sub = sub.count("\n") + 1
    ax.annotate(
        sub,
        xy=(0, 1),
        xycoords="axes fraction",
        xytext=(0, 6),
        textcoords="offset points",
        ha="left",
        va="bottom",
        fontsize=9,
        color="#404040",
    )
    ax.set_title(
        _wrap_to_width(title, width_in, 12.5),
        loc="left",
        fontsize=12.5,
        fontweight="bold",
        pad=10 + 11.5 * n_sub,
    )
    if source:
        ax.annotate(
            _wrap_to_width(source, width_in, 7),
            xy=(0, 0),
            xycoords="axes fraction",
            xytext=(0, -8),
            textcoords="offset points",
            ha="left",
            va="top",
            fontsize=7,
            color="#525252",
        )


def _new_map_axes() -> Axes:
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(10.0, 7.5))
    return fig.add_axes((0.03, 0.12, 0.62, 0.74))


def _single_map(layer: _Layer, ax: Axes | None, title: str, lang: str, source: str) -> Axes:
    if ax is None:
        ax = _new_map_axes()
        wrap_in = ax.figure.get_figwidth() * 0.94
    else:
        wrap_in = None
    _draw_layer(ax, layer)
    ax.legend(
        handles=_legend_handles(layer),
        title=layer.legend_title,
        loc="upper left",
        bbox_to_anchor=(1.02, 1.0),
        frameon=False,
        fontsize=9,
        title_fontsize=9.5,
        alignment="left",
        handlelength=2.2,
        handleheight=1.4,
    )
    _annotate_axes(ax, title, layer.subtitle, source, wrap_width_in=wrap_in)
    _label_regions(ax, layer.gdf)
    return ax


# --------------------------------------------------------------------------- public maps


def plot_coverage_map(
    data: pd.DataFrame,
    province: str,
    *,
    ax: Axes | None = None,
    lang: str = "en",
    boundaries: gpd.GeoDataFrame | None = None,
) -> Axes:
    """Choropleth of the latest JKN coverage of each regency/city of one province.

    Parameters
    ----------
    data
        One row per regency with ``region_code`` (4-digit BPS), ``coverage_pct``,
        ``period``, ``basis`` and ``urls``; rows of other provinces and
        province/national rows are ignored; a code that is not a regency of
        the province raises.
    province
        2-digit BPS province code, e.g. ``"17"``.
    ax
        Axes to draw into; a new figure is made when None.
    lang
        ``"en"`` or ``"id"``.
    boundaries
        Output of :func:`uhc_analysis.boundaries.load_boundaries` (default: load it).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"region_code": ["1701", "1702"], "coverage_pct": [96.1, 88.0],
    ...     "period": ["2024-06", "2023-12"], "basis": ["published"] * 2, "urls": ["", ""]})
    >>> ax = plot_coverage_map(data, "17", lang="id")  # doctest: +SKIP
    """
    shapes = province_shapes(province, boundaries)
    layer = _coverage_layer(data, shapes, lang)
    name = _province_name(shapes, str(province))
    source = _source_text(layer.urls, layer.periods, lang, boundaries=True)
    return _single_map(layer, ax, label("title_coverage", lang, province=name), lang, source)


def plot_projected_year_map(
    projections: pd.DataFrame,
    province: str,
    *,
    threshold: float = 95,
    ax: Axes | None = None,
    lang: str = "en",
    boundaries: gpd.GeoDataFrame | None = None,
    year_bins: tuple[int, int] = YEAR_BINS,
) -> Axes:
    """Map of the year each regency reaches ``threshold`` % coverage on its current trend.

    Classes: already reached; on track by ``year_bins[0]``, up to
    ``year_bins[1]``, later; not on current trend; no data (hatched; also
    ``insufficient_data``).

    Parameters
    ----------
    projections
        ``projections.csv`` rows with ``region_code``, ``threshold``, ``status``,
        ``year_reached``, ``first_period_reached``; only rows at ``threshold`` are used.
    province, ax, lang, boundaries
        As in :func:`plot_coverage_map`.
    threshold
        Coverage threshold in percent (95 UHC, 98 national target).
    year_bins
        Last years of the first two on-track bins.

    Examples
    --------
    >>> import pandas as pd
    >>> proj = pd.DataFrame({"region_code": ["1701"], "threshold": [95], "status": ["on_track"],
    ...     "year_reached": [2027], "first_period_reached": [None]})
    >>> ax = plot_projected_year_map(proj, "17")  # doctest: +SKIP
    """
    shapes = province_shapes(province, boundaries)
    layer = _projected_layer(projections, shapes, threshold, lang, year_bins)
    name = _province_name(shapes, str(province))
    title = label("title_projected", lang, threshold=_fmt_threshold(threshold, lang), province=name)
    return _single_map(layer, ax, title, lang, _projection_source(lang))


def _projection_source(lang: str) -> str:
    return label("source_projection", lang)


def plot_gap_map(
    metrics: pd.DataFrame,
    province: str,
    *,
    threshold: float = 95,
    ax: Axes | None = None,
    lang: str = "en",
    boundaries: gpd.GeoDataFrame | None = None,
) -> Axes:
    """Map of the number of people each regency must still enrol to reach ``threshold`` %.

    Parameters
    ----------
    metrics
        ``metrics.csv`` rows with ``region_code``, ``threshold``, ``gap_people``
        (0 when at or above the threshold), ``basis``, ``period`` (``urls``
        optional); one row per regency at ``threshold``.
    province, ax, lang, boundaries
        As in :func:`plot_coverage_map`.
    threshold
        Coverage threshold in percent.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"region_code": ["1701"], "threshold": [95], "gap_people": [1200],
    ...     "basis": ["dukcapil"], "period": ["2024-06"]})
    >>> ax = plot_gap_map(m, "17")  # doctest: +SKIP
    """
    shapes = province_shapes(province, boundaries)
    layer = _gap_layer(metrics, shapes, threshold, lang)
    name = _province_name(shapes, str(province))
    title = label("title_gap", lang, threshold=_fmt_threshold(threshold, lang), province=name)
    source = _source_text(layer.urls, layer.periods, lang, boundaries=True)
    return _single_map(layer, ax, title, lang, source)


def plot_three_province_map(
    data: pd.DataFrame,
    *,
    kind: str = "coverage",
    lang: str = "en",
    threshold: float = 95,
    boundaries: gpd.GeoDataFrame | None = None,
    provinces: Sequence[str] = PANEL_PROVINCES,
) -> Figure:
    """One figure with a map panel per province (16, 17, 64 by default), one shared legend.

    Parameters
    ----------
    data
        The frame the single-province function of ``kind`` takes: coverage
        data (``kind="coverage"``), projections (``"projected_year"``) or
        metrics (``"gap"``).
    kind
        ``"coverage"``, ``"projected_year"`` or ``"gap"``.
    lang
        ``"en"`` or ``"id"``.
    threshold
        Threshold for ``projected_year`` and ``gap``.
    boundaries
        Output of :func:`load_boundaries` for the provinces (default: load it).
    provinces
        Panel order.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_three_province_map(data, kind="coverage", lang="en")  # doctest: +SKIP
    """
    import matplotlib.pyplot as plt

    if kind not in MAP_KINDS:
        raise ValueError(f"unknown map kind {kind!r}; use one of {MAP_KINDS}")
    if boundaries is None:
        from uhc_analysis.boundaries import load_boundaries

        boundaries = load_boundaries(list(provinces))
    layers = []
    for p in provinces:
        shapes = province_shapes(p, boundaries)
        if kind == "coverage":
            layer = _coverage_layer(data, shapes, lang)
        elif kind == "gap":
            layer = _gap_layer(data, shapes, threshold, lang)
        else:
            layer = _projected_layer(data, shapes, threshold, lang, YEAR_BINS)
        layers.append((p, shapes, layer))

    fig = plt.figure(figsize=(16.0, 7.6))
    gap = 0.018
    width = (0.97 - gap * (len(layers) - 1)) / len(layers)
    axes = [
        fig.add_axes((0.015 + i * (width + gap), 0.17, width, 0.64)) for i in range(len(layers))
    ]
    for ax, (p, shapes, layer) in zip(axes, layers, strict=True):
        _draw_layer(ax, layer, linewidth=0.5)
        ax.apply_aspect()
        # panel titles on one line across the figure, whatever each map's aspect
        fig.text(
            ax.get_position().x0,
            0.845,
            _province_name(shapes, p),
            fontsize=11.5,
            fontweight="bold",
            va="bottom",
        )
        _label_regions(ax, layer.gdf, fontsize=6.5)

    first = layers[0][2]
    counts = [sum(c) for c in zip(*(_counts(lay) for _, _, lay in layers), strict=True)]
    fig.legend(
        handles=_legend_handles(first, counts),
        title=first.legend_title,
        loc="lower center",
        bbox_to_anchor=(0.5, 0.055),
        ncols=len(counts),
        frameon=False,
        fontsize=9,
        title_fontsize=9.5,
        handlelength=2.2,
        handleheight=1.4,
    )
    thr = _fmt_threshold(threshold, lang)
    title_key = {
        "coverage": "title_coverage_all",
        "gap": "title_gap_all",
        "projected_year": "title_projected_all",
    }[kind]
    fig.text(
        0.015,
        0.965,
        label(title_key, lang, threshold=thr),
        fontsize=14,
        fontweight="bold",
        va="top",
    )
    bases = sorted({lay.subtitle for _, _, lay in layers})
    fig.text(0.015, 0.915, " / ".join(bases), fontsize=9.5, color="#404040", va="top")
    if kind == "projected_year":
        source = _projection_source(lang)
    else:
        urls: set[str] = set().union(*(lay.urls for _, _, lay in layers))
        periods = [p for _, _, lay in layers for p in lay.periods]
        source = _source_text(urls, periods, lang, boundaries=True)
    fig.text(
        0.015, 0.035, _wrap_to_width(source, 15.5, 7.5), fontsize=7.5, color="#525252", va="top"
    )
    return fig


# --------------------------------------------------------------------------- interactive

#: Vendored Leaflet build (npm ``leaflet@1.9.4``, BSD-2-Clause) inlined into the HTML map.
LEAFLET_DIR: Path = config.PACKAGE_DIR / "vendor" / "leaflet"
#: Parts of the URLs of the scripts/stylesheets folium links by default that the
#: coverage map does not use (jQuery, Bootstrap, marker icons); they are dropped.
UNUSED_ASSETS: tuple[str, ...] = (
    "jquery",
    "bootstrap",
    "awesome-markers",
    "awesome.rotate",
    "fontawesome",
)

_SCRIPT_SRC = re.compile(
    r"""[ \t]*<script\b[^>]*?\bsrc\s*=\s*["']?([^"'\s>]+)["']?[^>]*>\s*</script>[ \t]*\n?""",
    re.IGNORECASE,
)
_LINK_HREF = re.compile(
    r"""[ \t]*<link\b[^>]*?\bhref\s*=\s*["']?([^"'\s>]+)["']?[^>]*>[ \t]*\n?""", re.IGNORECASE
)
#: Anything that would make a browser fetch a file when the page is opened.
_FETCHES = re.compile(
    r"""<(?:script|link|img|iframe|embed|object|source|audio|video|track)\b[^>]*"""
    r"""\b(?:src|href|data|srcset)\s*=|@import\b|url\(\s*["']?\s*(?:https?:)?//""",
    re.IGNORECASE,
)
_TRUE_TEXT = frozenset({"true", "1", "yes", "t"})
_INTERACTIVE_CSS = """<style>
.folium-map.leaflet-container { background: #ffffff; }
.leaflet-tooltip.foliumtooltip { width: max-content; max-width: 32em; white-space: normal; }
.leaflet-tooltip.foliumtooltip td, .leaflet-popup.foliumpopup td { overflow-wrap: anywhere; }
.uhc-legend {
  position: absolute; z-index: 1000; top: 10px; right: 10px; max-width: 20em;
  padding: 8px 10px; border-radius: 4px; background: rgba(255, 255, 255, 0.9);
  box-shadow: 0 0 12px rgba(0, 0, 0, 0.2);
  font: 12px/1.35 "Helvetica Neue", Arial, Helvetica, sans-serif; color: #262626;
}
.uhc-legend h1 { margin: 0 0 2px; font-size: 13px; }
.uhc-legend p { margin: 0 0 6px; color: #525252; }
.uhc-legend ul { margin: 0; padding: 0; list-style: none; }
.uhc-legend li { margin: 0 0 2px; }
.uhc-legend span {
  display: inline-block; width: 14px; height: 14px; margin-right: 6px;
  vertical-align: -3px; border: 1px solid #969696;
}
</style>"""


def _leaflet_asset(name: str) -> str:
    """Text of a vendored Leaflet file (``leaflet.js`` / ``leaflet.css``), ready to inline."""
    text = (LEAFLET_DIR / name).read_text(encoding="utf-8")
    # the source map is not shipped; dev tools would try to fetch it
    text = re.sub(r"\n?//# sourceMappingURL=\S+\s*$", "\n", text)
    if re.search(r"</(?:script|style)", text, re.IGNORECASE):
        raise ValueError(f"{LEAFLET_DIR / name} cannot be inlined: it contains a closing tag")
    return text


def _inline_assets(html: str) -> str:
    """Inline Leaflet's JS/CSS and drop the other CDN scripts/stylesheets folium links.

    Raises ``ValueError`` for a linked script/stylesheet that is neither Leaflet
    nor known to be unused (e.g. a plugin a newer folium needs), and when
    anything else would still be fetched, so a map that does not work offline
    is never written silently.
    """

    def replace(match: re.Match[str], inline: str, tag: str) -> str:
        url = match.group(1)
        if url.split("?", 1)[0].rsplit("/", 1)[-1] == inline:
            return f"<{tag}>\n{_leaflet_asset(inline)}</{tag}>\n"
        if any(part in url.lower() for part in UNUSED_ASSETS):
            return ""
        raise ValueError(
            f"the interactive map links {url!r}, which is not vendored; "
            "vendor it under uhc_analysis/vendor/ or add it to maps.UNUSED_ASSETS"
        )

    html = _SCRIPT_SRC.sub(lambda m: replace(m, "leaflet.js", "script"), html)
    html = _LINK_HREF.sub(lambda m: replace(m, "leaflet.css", "style"), html)
    left = _FETCHES.search(html)
    if left:
        raise ValueError(f"the interactive map would still fetch {left.group(0)!r}")
    return html


def _stable_ids(html: str, ids: Iterable[str]) -> str:
    """Replace folium's random element ids by sequential ones, in order of appearance.

    Examples
    --------
    >>> ids = ["ab12cd34ef56ab78", "0123456789abcdef"]
    >>> html = _stable_ids("map_ab12cd34ef56ab78 geo_0123456789abcdef map_ab12cd34ef56ab78", ids)
    >>> html.replace("0" * 31, "")
    'map_1 geo_2 map_1'

    Only ids of 16 or more characters are replaced (folium's are 32 hex digits),
    so short custom ids cannot collide with other text.
    """
    ids = sorted({i for i in ids if len(i) >= 16}, key=len, reverse=True)
    if not ids:
        return html
    new: dict[str, str] = {}

    def replace(match: re.Match[str]) -> str:
        return new.setdefault(match.group(0), f"{len(new) + 1:032x}")

    return re.sub("|".join(map(re.escape, ids)), replace, html)


def _element_ids(root: object) -> list[str]:
    """Ids of ``root`` and all its descendants (branca ``Element`` tree)."""
    out: list[str] = []
    stack = [root]
    while stack:
        element = stack.pop()
        out.append(str(element._id))
        stack.extend(element._children.values())
    return out


def _is_true(value: object) -> bool:
    if isinstance(value, bool):
        return value
    try:
        import pandas as pd

        if pd.isna(value):
            return False
    except (TypeError, ValueError):
        pass
    return str(value).strip().lower() in _TRUE_TEXT


def _tooltip_urls(value: object, *, links: bool) -> str:
    """HTML of the URLs in one ``urls`` cell: one per line, as links when ``links``."""
    from html import escape

    urls = sorted(split_urls([value]))
    if links:
        return "<br>".join(
            f'<a href="{escape(u)}" target="_blank" rel="noopener noreferrer">{escape(u)}</a>'
            for u in urls
        )
    return "<br>".join(escape(u) for u in urls)


def _legend_html(
    title: str, subtitle: str, labels: Sequence[str], colors: Sequence[str], counts: Sequence[int]
) -> str:
    from html import escape

    items = "".join(
        f'<li><span style="background:{c}"></span>{escape(lab)} ({n})</li>'
        for lab, c, n in zip(labels, colors, counts, strict=True)
    )
    return (
        f'<div class="uhc-legend"><h1>{escape(title)}</h1><p>{escape(subtitle)}</p>'
        f"<ul>{items}</ul></div>"
    )


def interactive_map_html(
    data: pd.DataFrame,
    provinces: Iterable[str],
    *,
    lang: str = "en",
    boundaries: gpd.GeoDataFrame | None = None,
) -> str:
    """HTML text of the interactive coverage map written by :func:`interactive_map`.

    Self-contained (Leaflet inlined, no tiles, no CDN links) and byte-identical
    for identical inputs.
    """
    from html import escape

    import branca.element
    import geopandas as gpd
    import pandas as pd

    provinces = [str(p) for p in provinces]
    if boundaries is None:
        from uhc_analysis.boundaries import load_boundaries

        boundaries = load_boundaries(provinces)
    lower: set[str] = set()
    if "lower_bound" in data.columns:
        codes = data["region_code"].astype(str).str.strip()
        lower = {c for c, lb in zip(codes, data["lower_bound"], strict=True) if _is_true(lb)}
    frames = []
    counts = [0] * (len(COVERAGE_BREAKS) + 2)
    bases: list[str] = []
    class_labels = coverage_class_labels(lang)
    no_data = label("no_data", lang)
    for p in provinces:
        layer = _coverage_layer(data, province_shapes(p, boundaries), lang)
        g = layer.gdf
        cls = layer.classes
        counts = [a + b for a, b in zip(counts, _counts(layer), strict=True)]
        bases += g.loc[cls.notna().to_numpy(), "basis"].dropna().tolist()
        coverage = [
            ("> " if code in lower and pd.notna(v) else "") + fmt_pct(v, lang)
            for code, v in zip(g["bps_code"].astype(str), g["coverage_pct"], strict=True)
        ]
        frame = gpd.GeoDataFrame(
            {
                "name": [escape(str(n)) for n in g["name"]],
                "class": [no_data if pd.isna(c) else class_labels[int(c)] for c in cls],
                "class_text": [
                    escape(no_data if pd.isna(c) else class_labels[int(c)]) for c in cls
                ],
                "coverage": [escape(c) for c in coverage],
                "period": [escape(str(v)) if isinstance(v, str) else "" for v in g["period"]],
                "basis": [
                    escape(basis_text([b], lang).split(": ", 1)[-1]) if isinstance(b, str) else ""
                    for b in g["basis"]
                ],
                "source": [_tooltip_urls(u, links=False) for u in g["urls"]],
                "source_links": [_tooltip_urls(u, links=True) for u in g["urls"]],
            },
            geometry=g.geometry.to_numpy(),
            crs=g.crs,
        )
        frames.append(frame)
    gdf = pd.concat(frames, ignore_index=True)
    categories = [*class_labels, no_data]
    # every shown value is HTML text: folium's tooltip inserts it with innerHTML
    fields = ["name", "coverage", "class_text", "period", "basis", "source"]
    aliases = [
        label(k, lang)
        for k in (
            "interactive_name",
            "interactive_coverage",
            "interactive_class",
            "interactive_period",
            "interactive_basis",
            "interactive_source",
        )
    ]
    m = gdf.explore(
        column="class",
        categorical=True,
        categories=categories,
        cmap=[*COVERAGE_COLORS, NO_DATA_FACE],
        tiles=None,
        tooltip=fields,
        tooltip_kwds={"aliases": aliases, "sticky": True},
        popup=[*fields[:-1], "source_links"],
        popup_kwds={"aliases": aliases},
        legend=False,
        style_kwds={
            "color": BORDER_COLOR,
            "weight": 1,
            "fillOpacity": 0.9,
            # grey "no data" polygons get a dashed dark outline (the static maps hatch them)
            "style_function": lambda f: (
                {"color": NO_DATA_EDGE, "dashArray": "4 3"}
                if f["properties"]["class"] == no_data
                else {}
            ),
        },
    )
    root = m.get_root()
    root.header.add_child(branca.element.Element(_INTERACTIVE_CSS), name="uhc_style")
    legend = _legend_html(
        label("title_coverage_all", lang),
        basis_text(bases, lang),
        categories,
        [*COVERAGE_COLORS, NO_DATA_FACE],
        counts,
    )
    root.html.add_child(branca.element.Element(legend), name="uhc_legend")
    html = root.render()
    return _inline_assets(_stable_ids(html, _element_ids(root)))


def interactive_map(
    data: pd.DataFrame,
    provinces: Iterable[str],
    path: Path | str,
    *,
    lang: str = "en",
    boundaries: gpd.GeoDataFrame | None = None,
) -> Path:
    """Write a self-contained interactive (folium/Leaflet) coverage map to ``path``.

    Uses ``GeoDataFrame.explore`` with ``tiles=None`` (no basemap), then makes
    the page work offline: Leaflet's JavaScript and CSS (vendored in
    ``uhc_analysis/vendor/leaflet``) are inlined and the other CDN scripts and
    stylesheets folium links by default (jQuery, Bootstrap, marker icons; not
    used by this map) are removed. folium's random element ids are replaced by
    sequential ones, so reruns on the same inputs give byte-identical files;
    the file is written atomically.

    Hovering a regency shows its name, coverage (``> `` for a "more than"
    figure), class, period, denominator basis and source URLs; clicking it
    opens the same as a popup with clickable source links. A legend gives the
    regencies per class.

    Parameters
    ----------
    data
        Coverage data as for :func:`plot_coverage_map`; an optional
        ``lower_bound`` column marks "more than" figures.
    provinces
        2-digit BPS province codes.
    path
        Output ``.html`` file.
    lang, boundaries
        As in :func:`plot_coverage_map`.

    Returns
    -------
    pathlib.Path
        ``path``.

    Examples
    --------
    >>> interactive_map(data, ["17"], "coverage.html")  # doctest: +SKIP
    PosixPath('coverage.html')
    """
    from uhc_analysis.io import write_text

    html = interactive_map_html(data, provinces, lang=lang, boundaries=boundaries)
    return write_text(html, path)
