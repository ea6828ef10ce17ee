"""True scale on the static maps: a scale bar, and a locator inset of Indonesia.

:func:`add_scale_bar` adds a :class:`matplotlib_scalebar.scalebar.ScaleBar`
to a map's axes. The maps are drawn in a local transverse Mercator projection
in metres (:func:`uhc_analysis.plotting.display.display_frame`), where one
data unit is one metre; for axes in geographic degrees (EPSG:4326) the length
of one degree of longitude at the centre of the view is measured on the WGS84
ellipsoid (:class:`pyproj.Geod`), which is what the bar needs along x.

:func:`add_locator_inset` draws a small map of Indonesia's provinces (the
regencies of the boundaries file dissolved by province) with the mapped
province filled, so a reader of the three-province figure sees where each
panel lies and how large it is.

Examples
--------
>>> import matplotlib.pyplot as plt
>>> fig, ax = plt.subplots()
>>> _ = ax.set(xlim=(0, 200_000), ylim=(0, 100_000))
>>> bar = add_scale_bar(ax, "+proj=tmerc +lon_0=102 +datum=WGS84 +units=m")
>>> type(bar).__name__, bar.dx
('ScaleBar', 1.0)
>>> plt.close(fig)
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from uhc_analysis.plotting.style import deferred_draw

if TYPE_CHECKING:
    import geopandas as gpd
    from matplotlib.axes import Axes
    from matplotlib_scalebar.scalebar import ScaleBar

#: Colour of the scale bar and its text, and of the provinces on the locator inset.
SCALE_COLOR = "#404040"
LOCATOR_LAND = "#e0e0e0"
LOCATOR_EDGE = "#bdbdbd"
LOCATOR_HIGHLIGHT = "#404040"
#: Simplification tolerance of the country outline of the locator inset (degrees, ~2 km).
LOCATOR_TOLERANCE_DEG = 0.02


def metres_per_unit(ax: Axes, crs: object = "EPSG:4326") -> float:
    """Metres per data unit along x of ``ax`` whose data coordinates are in ``crs``.

    A projected CRS in metres gives 1; a geographic CRS gives the WGS84 length
    of one degree of longitude at the latitude of the centre of the view.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.set(xlim=(100, 104), ylim=(-1, 1))
    >>> round(metres_per_unit(ax))
    111319
    >>> plt.close(fig)
    """
    from pyproj import CRS, Geod

    c = CRS.from_user_input(crs)
    if c.is_geographic:
        x0, x1 = ax.get_xlim()
        y0, y1 = ax.get_ylim()
        lon, lat = (x0 + x1) / 2.0, (y0 + y1) / 2.0
        _, _, dist = Geod(ellps="WGS84").inv(lon - 0.5, lat, lon + 0.5, lat)
        return float(dist)
    unit = c.axis_info[0].unit_conversion_factor if c.axis_info else 1.0
    return float(unit)


def add_scale_bar(
    ax: Axes,
    crs: object = "EPSG:4326",
    *,
    location: str = "lower left",
    fontsize: float = 7.0,
    length_fraction: float = 0.25,
    fixed_value_km: int | None = None,
) -> ScaleBar:
    """Add a kilometre scale bar to the map ``ax`` whose data coordinates are in ``crs``.

    Parameters
    ----------
    ax
        The map's axes (limits set: call after drawing).
    crs
        CRS of the data coordinates (anything :meth:`pyproj.CRS.from_user_input`
        takes); the maps of this package use
        :func:`uhc_analysis.plotting.display.display_crs`.
    location
        Matplotlib legend location of the bar.
    fontsize
        Size of the bar's text.
    length_fraction
        Preferred length of the bar as a fraction of the axes width (the bar
        is rounded to a round number of kilometres).
    fixed_value_km
        A fixed length instead (maps side by side at one scale show the same
        length, e.g. 100 km).

    Returns
    -------
    matplotlib_scalebar.scalebar.ScaleBar
        The artist, added to ``ax``.
    """
    from matplotlib_scalebar.scalebar import ScaleBar

    bar = ScaleBar(
        metres_per_unit(ax, crs),
        units="m",
        dimension="si-length",
        location=location,
        length_fraction=length_fraction,
        width_fraction=0.008,
        box_alpha=0.0,
        frameon=False,
        color=SCALE_COLOR,
        scale_loc="top",
        border_pad=0.6,
        sep=2,
        font_properties={"size": fontsize},
        fixed_value=fixed_value_km,
        fixed_units=None if fixed_value_km is None else "km",
    )
    ax.add_artist(bar)
    return bar


@lru_cache(maxsize=2)
def _country_provinces(path: str | None) -> gpd.GeoDataFrame:
    from uhc_analysis.boundaries import read_boundaries

    raw = read_boundaries(path)
    raw = raw.set_geometry(raw.geometry.make_valid())
    provinces = raw[["province_code", "geometry"]].dissolve(by="province_code", sort=True)
    provinces = provinces.set_geometry(
        provinces.geometry.simplify(LOCATOR_TOLERANCE_DEG, preserve_topology=True)
    )
    return provinces.reset_index()


def country_provinces(path: str | None = None) -> gpd.GeoDataFrame:
    """Indonesia's provinces (``province_code``, geometry in EPSG:4326), simplified for an inset.

    The regencies of the boundaries file (:func:`uhc_analysis.boundaries.read_boundaries`,
    the mirror or the cache; ``path`` another file) dissolved by province; read
    once per process.
    """
    return _country_provinces(None if path is None else str(path)).copy()


def locator_country(shapes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The provinces to draw on a locator map of ``shapes`` (regency polygons).

    Shapes loaded from the boundaries file (:func:`~uhc_analysis.boundaries.load_boundaries`,
    recognised by its ``adm2_name`` column) get Indonesia's provinces
    (:func:`country_provinces`); other shapes (e.g. the example squares) their
    own provinces, so the maps never need the file for shapes that are not from it.
    """
    if "adm2_name" in shapes.columns:
        from uhc_analysis.boundaries import BoundariesUnavailableError

        try:
            return country_provinces()
        except BoundariesUnavailableError:  # pragma: no cover - the shapes came from the file
            pass
    own = shapes.to_crs(4326)[["province_code", "geometry"]]
    return own.dissolve(by="province_code", sort=True).reset_index()


def draw_locator(inset: Axes, provinces: Sequence[str], country: gpd.GeoDataFrame) -> Axes:
    """Draw ``country`` (provinces) into ``inset``, the ``provinces`` filled dark."""
    codes = country["province_code"].astype(str)
    country = country.to_crs(4326)
    hit = codes.isin([str(p) for p in provinces]).to_numpy()
    with deferred_draw(inset.figure):
        country.plot(ax=inset, color=LOCATOR_LAND, edgecolor=LOCATOR_EDGE, linewidth=0.2)
        if hit.any():
            country.loc[hit].plot(ax=inset, color=LOCATOR_HIGHLIGHT, linewidth=0)
    inset.set_xticks([])
    inset.set_yticks([])
    inset.set_xlabel("")
    inset.set_ylabel("")
    for spine in inset.spines.values():
        spine.set_edgecolor(LOCATOR_EDGE)
        spine.set_linewidth(0.5)
    inset.set_facecolor("white")
    return inset


def add_locator_inset(
    ax: Axes,
    province: str | Sequence[str],
    *,
    country: gpd.GeoDataFrame | None = None,
    bounds: tuple[float, float, float, float] = (0.0, 0.0, 0.34, 0.2),
) -> Axes:
    """Add a small map of Indonesia to ``ax`` with ``province`` filled dark.

    Parameters
    ----------
    ax
        The map's axes.
    province
        2-digit BPS code(s) of the province(s) to highlight.
    country
        Provinces to draw (``province_code``, geometry; any CRS): default
        :func:`country_provinces`.
    bounds
        ``(x0, y0, width, height)`` of the inset in axes fraction.

    Returns
    -------
    matplotlib.axes.Axes
        The inset axes.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from uhc_analysis.plotting.examples import squares
    >>> both = squares("16", 2).assign(province_code=["16", "17"])
    >>> fig, ax = plt.subplots()
    >>> inset = add_locator_inset(ax, "17", country=both)
    >>> [c.get_facecolor()[0].round(2).tolist() for c in inset.collections][-1]
    [0.25, 0.25, 0.25, 1.0]
    >>> plt.close(fig)
    """
    country = country_provinces() if country is None else country
    codes = [province] if isinstance(province, str) else list(province)
    return draw_locator(ax.inset_axes(bounds), codes, country)
