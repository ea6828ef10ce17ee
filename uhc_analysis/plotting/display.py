"""Regency polygons made ready for display: a metric projection and a simplified coastline.

The boundaries are stored in EPSG:4326 (:func:`uhc_analysis.boundaries.load_boundaries`).
The static maps draw them in a transverse Mercator projection centred on the
province (:func:`display_crs`): shapes and distances are true to well under
1 % across a province, one data unit is a metre (so the scale bar of
:mod:`uhc_analysis.plotting.scale` is exact), and the simplification tolerance
is in metres.

:func:`display_frame` then simplifies the polygons as a coverage
(:meth:`geopandas.GeoSeries.simplify_coverage`: shared borders are simplified
once, so neighbours keep meeting without gaps or slivers) with a tolerance of
about one printed pixel, and drops island parts too small to be seen at the
map's scale (never a regency's largest part), so deltas such as the Mahakam's
and the Berau islands read as land, not as a scribble of outlines.

Examples
--------
>>> from uhc_analysis.plotting.examples import squares
>>> shapes = squares("17", 2)
>>> op = display_crs(shapes).coordinate_operation
>>> op.method_name, round({p.name: p.value for p in op.params}["Longitude of natural origin"], 6)
('Transverse Mercator', 100.5)
>>> [round(v / 1000) for v in display_frame(shapes).total_bounds]
[-56, -332, 56, -276]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import geopandas as gpd
    from pyproj import CRS

#: Tolerance of the simplification as a fraction of the larger side of the map (metres):
#: about one pixel of a 7-inch map printed at 300 dpi.
TOLERANCE_FRACTION: float = 1 / 2000
#: Island parts smaller than this many squared tolerances are not drawn.
MIN_PART_TOLERANCES: float = 12.0
#: Channels and inlets narrower than twice this many tolerances are filled (a closing).
CLOSE_TOLERANCES: float = 3.0


def display_crs(gdf: gpd.GeoDataFrame) -> CRS:
    """Transverse Mercator (WGS84, metres) centred on the middle longitude of ``gdf``.

    The central meridian is rounded to half a degree, so the projection, and
    with it the figure's bytes, do not move with small edits of the polygons.
    """
    from pyproj import CRS

    x0, _, x1, _ = gdf.to_crs(4326).total_bounds
    lon = round((x0 + x1) / 2 * 2) / 2
    return CRS.from_proj4(f"+proj=tmerc +lat_0=0 +lon_0={lon:g} +k=1 +datum=WGS84 +units=m")


def _drop_specks(geom: object, min_area: float) -> object:
    """``geom`` without the polygon parts smaller than ``min_area`` (the largest part stays)."""
    from shapely.geometry import MultiPolygon

    parts = list(getattr(geom, "geoms", [geom]))
    if len(parts) < 2:
        return geom
    largest = max(parts, key=lambda g: g.area)
    kept = [g for g in parts if g is largest or g.area >= min_area]
    return kept[0] if len(kept) == 1 else MultiPolygon(kept)


def close_channels(geoms: list[object], distance: float) -> list[object]:
    """Fill the water narrower than ``2 * distance`` inside or beside each polygon.

    A morphological closing (buffer out, then in) of each polygon, less the
    land of the others and what earlier polygons (in order) already took, so
    the result is still a coverage: delta islands merge with their mainland
    and no two polygons overlap.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> islands = [box(0, 0, 10, 10).union(box(10.5, 0, 20, 10))]
    >>> [round(g.area) for g in close_channels(islands, 1.0)]
    [200]
    """
    from shapely import union_all

    land = union_all(geoms)
    taken = land
    out = []
    for g in geoms:
        closed = g.buffer(distance, quad_segs=4).buffer(-distance, quad_segs=4)
        extra = closed.difference(taken)
        new = g.union(extra) if not extra.is_empty else g
        taken = taken.union(extra) if not extra.is_empty else taken
        out.append(new)
    return out


def display_frame(
    gdf: gpd.GeoDataFrame, *, crs: CRS | None = None, tolerance_m: float | None = None
) -> gpd.GeoDataFrame:
    """``gdf`` projected to ``crs`` (default :func:`display_crs`) and simplified for display.

    Parameters
    ----------
    gdf
        Regency polygons (any CRS), e.g. :attr:`Layer.gdf <uhc_analysis.plotting.layers.Layer>`.
    crs
        Projected CRS in metres to draw in.
    tolerance_m
        Simplification tolerance in metres; default :data:`TOLERANCE_FRACTION`
        of the larger side of the projected bounds.

    Returns
    -------
    geopandas.GeoDataFrame
        Same rows and columns, geometry in ``crs``; every row keeps a polygon.
    """
    import shapely

    crs = display_crs(gdf) if crs is None else crs
    out = gdf.to_crs(crs)
    x0, y0, x1, y1 = out.total_bounds
    tol = tolerance_m if tolerance_m is not None else max(x1 - x0, y1 - y0) * TOLERANCE_FRACTION
    if tol <= 0 or out.empty:
        return out
    geoms = out.geometry.copy()
    geoms[:] = close_channels(list(geoms), CLOSE_TOLERANCES * tol)
    try:
        simple = geoms.simplify_coverage(tol)
        if not simple.is_valid.all() or simple.is_empty.any():
            raise ValueError("coverage simplification left invalid or empty polygons")
    except Exception:  # noqa: BLE001 - not a clean coverage: simplify each polygon alone
        simple = geoms.simplify(tol, preserve_topology=True)
    min_area = MIN_PART_TOLERANCES * tol * tol
    simple = simple.apply(lambda g: _drop_specks(g, min_area))
    simple = shapely.make_valid(simple.to_numpy())
    return out.set_geometry(list(simple), crs=crs)
