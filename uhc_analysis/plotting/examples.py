"""Tiny synthetic regencies, to try the maps without the boundaries file.

The docstring examples of the plotting modules draw on these squares, so they
run in a fraction of a second and without a download.

Examples
--------
>>> shapes = squares("17", 3)
>>> shapes[["bps_code", "name"]].values.tolist()
[['1701', 'Regency A'], ['1702', 'Regency B'], ['1703', 'Regency C']]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import geopandas as gpd


def squares(province: str = "17", n: int = 3, *, x0: float = 100.0) -> gpd.GeoDataFrame:
    """``n`` adjacent 0.5-degree squares in a row: the regencies of one province.

    Columns are those of :func:`uhc_analysis.boundaries.load_boundaries` that
    the maps use: ``bps_code`` (``{province}01``, ``{province}02``, …),
    ``province_code``, ``province_name`` (``Province {province}``), ``name``
    (``Regency A``, ``Regency B``, …) and ``geometry`` (EPSG:4326).

    Examples
    --------
    >>> squares("64", 2, x0=110).total_bounds.tolist()
    [110.0, -3.0, 111.0, -2.5]
    """
    import geopandas as gpd
    from shapely.geometry import box

    return gpd.GeoDataFrame(
        {
            "bps_code": [f"{province}{i + 1:02d}" for i in range(n)],
            "province_code": province,
            "province_name": f"Province {province}",
            "name": [f"Regency {chr(65 + i)}" for i in range(n)],
        },
        geometry=[box(x0 + 0.5 * i, -3.0, x0 + 0.5 * (i + 1), -2.5) for i in range(n)],
        crs=4326,
    )
