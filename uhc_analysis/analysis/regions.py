"""The regions an analysis covers: the focus provinces and their regencies/cities.

Examples
--------
>>> g = pd.DataFrame({"bps_code": ["17", "1771", "64"], "name": ["B", "Kota B", "K"],
...                   "kind": ["province", "city", "province"],
...                   "province_code": ["17", "17", "64"]})
>>> focus_regions(g, ("17",)).values.tolist()
[['17', 'B', 'province', '17'], ['1771', 'Kota B', 'regency', '17']]
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from uhc_analysis import config, schemas

#: Gazetteer ``kind`` -> ``region_level`` of the analysis tables.
LEVELS: dict[str, str] = {
    "province": "province",
    "regency": "regency",
    "city": "regency",
    "kabupaten": "regency",
    "kota": "regency",
}


def focus_regions(
    regions: pd.DataFrame | None, provinces: Sequence[str] = config.FOCUS_PROVINCES
) -> pd.DataFrame:
    """The provinces and regencies/cities of ``provinces`` from the gazetteer.

    Returns columns ``region_code, region_name, region_level, province_code``,
    sorted by code. ``regions`` is ``read_table("regions")`` (``None``: the
    shipped gazetteer). An unknown ``kind`` or a duplicated code raises.
    """
    if regions is None:
        from uhc_analysis.ingest.regions import load_regions

        regions = load_regions()
    missing = [c for c in ("bps_code", "name", "kind", "province_code") if c not in regions]
    if missing:
        raise schemas.SchemaError(
            f"gazetteer lacks columns {missing} (see uhc_analysis/ingest/regions.py)"
        )
    g = regions.assign(
        region_code=regions["bps_code"].astype("string").str.strip(),
        province_code=regions["province_code"].astype("string").str.strip(),
        kind=regions["kind"].astype("string").str.strip().str.lower(),
    )
    g = g[g["province_code"].isin(list(provinces)) & g["kind"].ne("national")]
    unknown = sorted(set(g["kind"]) - set(LEVELS))
    if unknown:
        raise ValueError(
            f"unknown region kind(s) {unknown} in the gazetteer; known: {sorted(LEVELS)}"
        )
    out = pd.DataFrame(
        {
            "region_code": g["region_code"].astype(str),
            "region_name": g["name"].astype(str),
            "region_level": g["kind"].map(LEVELS).astype(str),
            "province_code": g["province_code"].astype(str),
        }
    )
    if out["region_code"].duplicated().any():
        dup = sorted(out.loc[out["region_code"].duplicated(), "region_code"])
        raise ValueError(f"gazetteer has duplicated codes {dup}")
    return out.sort_values("region_code", ignore_index=True)
