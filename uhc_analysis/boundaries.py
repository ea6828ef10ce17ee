"""Regency/city (admin level 2) boundaries of Indonesia: download, check, load.

The boundaries are the BPS 2020 layer published by OCHA ROAP on HDX
(``cod-ab-idn``, layer ``idn_admbnda_adm2_bps_20200401``), in the simplified
GeoJSON copy kept in the GitHub repository ``baridisna/Dash`` at a fixed commit.
Provenance, licence (CC BY 3.0 IGO) and a feature-by-feature validation are in
``shared/data/mirror/boundaries/SOURCES.md``.

:func:`fetch_boundaries` downloads the file with pooch into
:data:`uhc_analysis.config.CACHE_DIR` (git-ignored) and checks its sha256; with
the environment variable ``UHC_ANALYSIS_MIRROR`` set, it copies the file from a
local mirror folder instead (``$UHC_ANALYSIS_MIRROR/boundaries/<file>``), with
the same hash check. :func:`load_boundaries` reads it, drops the lakes/forest
features, repairs geometries and joins the gazetteer one-to-one on the BPS code.

Configuration (``config.CACHE_DIR``, the mirror variable) is read when the
functions are called, so tests can point them at temporary folders.

The examples below read a tiny synthetic file in the upstream layout (two
squares), so they run without the real file; :func:`example_file` writes it.

Examples
--------
>>> import pandas as pd
>>> regions = pd.DataFrame({"bps_code": ["17", "1701", "1702"], "name": ["Bengkulu",
...     "Bengkulu Selatan", "Rejang Lebong"], "province_code": "17"})
>>> gdf = load_boundaries(["17"], regions=regions, path=example_file())
>>> gdf[["bps_code", "name", "adm2_name"]].values.tolist(), gdf.crs.to_epsg()
([['1701', 'Bengkulu Selatan', 'Bengkulu Selatan'], ['1702', 'Rejang Lebong', 'Rejang Lebong']], 4326)
"""  # noqa: E501

from __future__ import annotations

import os
import shutil
import urllib.parse
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from typing import IO, TYPE_CHECKING

from uhc_analysis import config

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = [
    "ATTRIBUTION",
    "BoundariesMismatchError",
    "BoundariesUnavailableError",
    "FILE_NAME",
    "NON_ADMINISTRATIVE",
    "SHA256",
    "URL",
    "example_file",
    "fetch_boundaries",
    "gazetteer_regencies",
    "load_boundaries",
    "load_gazetteer",
    "read_boundaries",
]

#: File name, identical upstream, in the mirror and in the cache.
FILE_NAME: str = "idn_admbnda_adm2_bps_20200401.json"
#: sha256 of the file (SOURCES.md); both the download and the mirror copy are checked.
SHA256: str = "5a087ac8e654f3a73ac86ac6db082e4217a869439ea733284c5b4e9d489d6975"
KNOWN_HASH: str = f"sha256:{SHA256}"
#: Raw URL at the only commit that touches the file.
URL: str = (
    "https://raw.githubusercontent.com/baridisna/Dash/"
    "a1113a8b4d04f49af9373672aff7652d7c9753a5/" + FILE_NAME
)
#: Sub-folder of a mirror folder that holds the file.
MIRROR_SUBDIR: str = "boundaries"

#: The 8 features that are not administrative units (lakes, reservoirs, one
#: forest), listed in SOURCES.md; they are dropped before the gazetteer join.
NON_ADMINISTRATIVE: dict[str, str] = {
    "1288": "Danau Toba",
    "1388": "Danau (Sumatera Barat)",
    "1688": "Danau (Sumatera Selatan)",
    "1888": "Danau (Lampung)",
    "3288": "Waduk Cirata",
    "3388": "Wadung Kedungombo",
    "3399": "Hutan (Jawa Tengah)",
    "7188": "Danau (Sulawesi Utara)",
}
assert all(code[2:] in ("88", "99") for code in NON_ADMINISTRATIVE)

#: Attribution to print with every map.
ATTRIBUTION: str = (
    "Administrative boundaries \u00a9 BPS \u2013 Statistics Indonesia, via OCHA ROAP / HDX "
    "(cod-ab-idn), CC BY 3.0 IGO; simplified copy from github.com/baridisna/Dash"
)

_WHAT_TO_DO = (
    f"set {config.MIRROR_ENV} to a folder holding {MIRROR_SUBDIR}/{FILE_NAME}, "
    "or connect to the network"
)


class BoundariesUnavailableError(RuntimeError):
    """The boundaries file could not be obtained with the expected sha256."""


class BoundariesMismatchError(ValueError):
    """The boundaries and the gazetteer do not match one-to-one."""


def _copy_downloader(url: str, output_file: str | IO[bytes], pooch: object = None) -> None:
    """pooch downloader for ``file://`` URLs: copy the local file to ``output_file``."""
    source = Path(urllib.request.url2pathname(urllib.parse.urlparse(url).path))
    with open(source, "rb") as src:
        if isinstance(output_file, str | os.PathLike):
            with open(output_file, "wb") as dst:
                shutil.copyfileobj(src, dst)
        else:
            shutil.copyfileobj(src, output_file)


def fetch_boundaries() -> Path:
    """Return the path of the cached boundaries file, downloading it if needed.

    The file is stored as ``config.CACHE_DIR / FILE_NAME``. A cached file whose
    sha256 matches is used as is. Otherwise it is fetched from :data:`URL`, or,
    when the environment variable ``UHC_ANALYSIS_MIRROR`` is set, copied from
    ``$UHC_ANALYSIS_MIRROR/boundaries/`` (no network used). pooch writes to a
    temporary file in the cache folder and only renames it once the sha256
    matches, so a failed or corrupt download never leaves a file behind.

    Returns
    -------
    pathlib.Path
        Path of the verified file.

    Raises
    ------
    BoundariesUnavailableError
        If neither the mirror nor the network gives a file with the expected sha256.

    Examples
    --------
    A mirror whose copy does not have the expected hash is refused (the cache
    is pointed at an empty folder here, so no earlier download is used):

    >>> import tempfile
    >>> from unittest import mock
    >>> mirror = Path(tempfile.mkdtemp())
    >>> (mirror / MIRROR_SUBDIR).mkdir()
    >>> _ = (mirror / MIRROR_SUBDIR / FILE_NAME).write_bytes(example_file().read_bytes())
    >>> with mock.patch.dict(os.environ, {config.MIRROR_ENV: str(mirror)}), mock.patch.object(
    ...     config, "CACHE_DIR", Path(tempfile.mkdtemp())):
    ...     fetch_boundaries()  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    uhc_analysis.boundaries.BoundariesUnavailableError: The regency boundaries are unavailable because the file from the mirror file .../idn_admbnda_adm2_bps_20200401.json does not have the expected sha256 5a087ac8...; set UHC_ANALYSIS_MIRROR to a folder holding boundaries/idn_admbnda_adm2_bps_20200401.json, or connect to the network.
    """  # noqa: E501
    import pooch

    cache_dir = Path(config.CACHE_DIR)
    mirror = os.environ.get(config.MIRROR_ENV, "").strip()
    if mirror:
        source = Path(mirror).expanduser().resolve() / MIRROR_SUBDIR / FILE_NAME
        where = f"the mirror file {source}"
        cached = cache_dir / FILE_NAME
        if not source.is_file() and not (
            cached.is_file() and pooch.file_hash(str(cached)) == SHA256
        ):
            raise BoundariesUnavailableError(
                f"The regency boundaries are unavailable because {where} does not exist; "
                + _WHAT_TO_DO
                + "."
            )
        url, downloader = source.as_uri(), _copy_downloader
    else:
        url, downloader, where = URL, None, URL
    try:
        path = pooch.retrieve(
            url,
            known_hash=KNOWN_HASH,
            fname=FILE_NAME,
            path=cache_dir,
            downloader=downloader,
            progressbar=False,
        )
    except ValueError as exc:
        if "hash" in str(exc).lower():
            reason = f"the file from {where} does not have the expected sha256 {SHA256}"
        else:
            reason = f"{where} could not be downloaded ({type(exc).__name__})"
        raise BoundariesUnavailableError(
            f"The regency boundaries are unavailable because {reason}; {_WHAT_TO_DO}."
        ) from exc
    except Exception as exc:  # network errors from requests, OS errors from the copy
        raise BoundariesUnavailableError(
            f"The regency boundaries are unavailable because {where} could not be "
            f"downloaded ({type(exc).__name__}); {_WHAT_TO_DO}."
        ) from exc
    return Path(path)


def load_gazetteer() -> pd.DataFrame:
    """The package gazetteer, :func:`uhc_analysis.ingest.regions.load_regions`.

    Examples
    --------
    >>> gaz = load_gazetteer()
    >>> gaz.loc[gaz["bps_code"] == "1771", "name"].item()
    'Kota Bengkulu'
    """
    from uhc_analysis.ingest.regions import load_regions

    return load_regions()


def _regencies(regions: pd.DataFrame) -> pd.DataFrame:
    """Regency/city rows (4-digit BPS code) of a gazetteer, as strings."""
    missing = [c for c in ("bps_code", "name", "province_code") if c not in regions.columns]
    if missing:
        raise KeyError(f"gazetteer lacks columns {missing}; see schemas.REGIONS")
    codes = regions["bps_code"].astype(str).str.strip()
    out = regions.loc[codes.str.fullmatch(r"\d{4}")].copy()
    out["bps_code"] = out["bps_code"].astype(str).str.strip()
    out["province_code"] = out["province_code"].astype(str).str.strip()
    bad = out.loc[out["bps_code"].str[:2] != out["province_code"], "bps_code"].tolist()
    if bad:
        raise BoundariesMismatchError(f"gazetteer codes outside their province: {bad}")
    dup = out.loc[out["bps_code"].duplicated(keep=False), "bps_code"].unique().tolist()
    if dup:
        raise BoundariesMismatchError(f"gazetteer has duplicate regency codes: {dup}")
    return out


def gazetteer_regencies(
    provinces: Iterable[str] | None = None, *, regions: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Regency/city rows of the gazetteer (4-digit ``bps_code``), optionally of ``provinces``.

    The gazetteer is :func:`load_gazetteer` unless ``regions`` is given.

    Examples
    --------
    >>> gazetteer_regencies(["17"])["bps_code"].tolist()[:3]
    ['1701', '1702', '1703']
    """
    gaz = _regencies(load_gazetteer() if regions is None else regions)
    if provinces is not None:
        gaz = gaz.loc[gaz["province_code"].isin({str(p) for p in provinces})]
    return gaz.sort_values("bps_code", ignore_index=True)


def read_boundaries(path: Path | str | None = None) -> gpd.GeoDataFrame:
    """Read the raw boundaries file as EPSG:4326, with ``bps_code`` and ``province_code``.

    No feature is dropped and geometries are not repaired; see
    :func:`load_boundaries` for the cleaned layer.

    Examples
    --------
    >>> raw = read_boundaries(example_file())
    >>> raw[["ADM2_PCODE", "bps_code", "province_code"]].values.tolist()
    [['ID1701', '1701', '17'], ['ID1702', '1702', '17']]
    """
    import geopandas as gpd

    gdf = gpd.read_file(fetch_boundaries() if path is None else path, engine="pyogrio")
    gdf = gdf.set_crs(4326) if gdf.crs is None else gdf.to_crs(4326)
    gdf["bps_code"] = gdf["ADM2_PCODE"].astype(str).str[2:]
    gdf["province_code"] = gdf["ADM1_PCODE"].astype(str).str[2:]
    bad = gdf.loc[
        ~gdf["bps_code"].str.fullmatch(r"\d{4}")
        | (gdf["bps_code"].str[:2] != gdf["province_code"]),
        "ADM2_PCODE",
    ].tolist()
    if bad:
        raise BoundariesMismatchError(f"boundary features with malformed P-codes: {bad}")
    return gdf


def load_boundaries(
    provinces: Iterable[str] | None = None,
    *,
    regions: pd.DataFrame | None = None,
    path: Path | str | None = None,
) -> gpd.GeoDataFrame:
    """Load the regency/city polygons of ``provinces``, joined one-to-one to the gazetteer.

    Steps: read the file (pyogrio) as EPSG:4326; keep the requested provinces;
    drop the lake/forest features of :data:`NON_ADMINISTRATIVE`; repair
    geometries with ``shapely.make_valid``; join the gazetteer on the BPS code
    (``validate="1:1"``, ``indicator=True``). Every gazetteer regency of the
    requested provinces must match exactly one polygon and every polygon one
    gazetteer regency.

    Parameters
    ----------
    provinces
        2-digit BPS province codes; ``None`` means every province with
        regencies in the gazetteer.
    regions
        Gazetteer (columns of ``schemas.REGIONS``; at least ``bps_code``,
        ``name``, ``province_code``); default :func:`uhc_analysis.ingest.regions.load_regions`.
    path
        A boundaries file to read instead of :func:`fetch_boundaries`.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per regency/city, sorted by ``bps_code``, with columns
        ``bps_code``, ``province_code``, the other gazetteer columns, ``adm2_name``
        (the file's own name) and ``geometry`` (EPSG:4326, all valid).

    Raises
    ------
    BoundariesUnavailableError
        If the file cannot be obtained (see :func:`fetch_boundaries`).
    BoundariesMismatchError
        If a gazetteer regency has no polygon, a polygon has no gazetteer
        regency, or a code appears twice; the message names the regencies.

    Examples
    --------
    A gazetteer regency without a polygon is named:

    >>> import pandas as pd
    >>> regions = pd.DataFrame({"bps_code": ["1701", "1702", "1703"],
    ...     "name": ["Bengkulu Selatan", "Rejang Lebong", "Bengkulu Utara"], "province_code": "17"})
    >>> load_boundaries(["17"], regions=regions, path=example_file())
    Traceback (most recent call last):
    ...
    uhc_analysis.boundaries.BoundariesMismatchError: gazetteer regencies without a polygon: 1703 Bengkulu Utara (provinces ['17']; gazetteer: the regions frame given)
    """  # noqa: E501
    import geopandas as gpd
    import pandas as pd

    gaz = _regencies(load_gazetteer() if regions is None else regions)
    if provinces is None:
        wanted = sorted(gaz["province_code"].unique())
    else:
        wanted = sorted({str(p).strip() for p in provinces})
        unknown = [p for p in wanted if p not in set(gaz["province_code"])]
        if unknown:
            raise BoundariesMismatchError(f"provinces {unknown} have no regency in the gazetteer")
    gaz = gaz.loc[gaz["province_code"].isin(wanted)]

    raw = read_boundaries(path)
    raw = raw.loc[raw["province_code"].isin(wanted)]
    non_admin = raw["bps_code"].isin(NON_ADMINISTRATIVE)
    dropped = sorted(raw.loc[non_admin, "bps_code"])
    expected_drop = sorted(c for c in NON_ADMINISTRATIVE if c[:2] in wanted)
    assert dropped == expected_drop, f"non-administrative features {dropped} != {expected_drop}"
    feats = raw.loc[~non_admin, ["bps_code", "ADM2_EN", "geometry"]].rename(
        columns={"ADM2_EN": "adm2_name"}
    )
    feats = feats.set_geometry(feats.geometry.make_valid())
    not_polygonal = feats.loc[~feats.geom_type.isin(["Polygon", "MultiPolygon"]), "adm2_name"]
    if len(not_polygonal):
        raise BoundariesMismatchError(
            f"make_valid left non-polygonal geometries: {not_polygonal.tolist()}"
        )

    dup = feats.loc[feats["bps_code"].duplicated(keep=False)]
    if len(dup):
        names = sorted(f"{c} {n}" for c, n in zip(dup["bps_code"], dup["adm2_name"], strict=True))
        raise BoundariesMismatchError(f"several polygons share a regency code: {names}")
    merged = pd.merge(
        gaz,
        pd.DataFrame(feats),
        on="bps_code",
        how="outer",
        validate="1:1",
        indicator=True,
    )
    no_polygon = merged.loc[merged["_merge"] == "left_only"]
    no_regency = merged.loc[merged["_merge"] == "right_only"]
    if len(no_polygon) or len(no_regency):
        problems = []
        if len(no_polygon):
            problems.append(
                "gazetteer regencies without a polygon: "
                + ", ".join(
                    f"{c} {n}" for c, n in zip(no_polygon.bps_code, no_polygon.name, strict=True)
                )
            )
        if len(no_regency):
            problems.append(
                "polygons without a gazetteer regency: "
                + ", ".join(
                    f"{c} {n}"
                    for c, n in zip(no_regency.bps_code, no_regency.adm2_name, strict=True)
                )
            )
        source = "the regions frame given" if regions is not None else config.REGIONS_CSV.name
        raise BoundariesMismatchError(
            "; ".join(problems) + f" (provinces {wanted}; gazetteer: {source})"
        )
    merged = merged.drop(columns="_merge").sort_values("bps_code", ignore_index=True)
    cols = ["bps_code", "province_code"] + [
        c for c in merged.columns if c not in ("bps_code", "province_code", "geometry")
    ]
    return gpd.GeoDataFrame(merged[cols], geometry=merged["geometry"], crs=4326)


def example_file(folder: Path | str | None = None) -> Path:
    """Write a tiny boundaries file in the upstream layout (two squares of province 17).

    GeoJSON with the upstream properties (``ADM1_PCODE``, ``ADM2_PCODE``,
    ``ADM2_EN``) for Bengkulu Selatan (1701) and Rejang Lebong (1702), for
    examples and tests that must not need the real file. Written to a new
    temporary folder unless ``folder`` is given.

    Examples
    --------
    >>> example_file().name
    'idn_admbnda_adm2_bps_20200401.json'
    """
    import json
    import tempfile

    features = [
        {
            "type": "Feature",
            "properties": {"ADM1_PCODE": "ID17", "ADM2_PCODE": f"ID{code}", "ADM2_EN": name},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[x, -4.0], [x + 0.5, -4.0], [x + 0.5, -3.5], [x, -3.5], [x, -4.0]]
                ],
            },
        }
        for code, name, x in (("1701", "Bengkulu Selatan", 102.0), ("1702", "Rejang Lebong", 102.5))
    ]
    out = Path(tempfile.mkdtemp() if folder is None else folder) / FILE_NAME
    out.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    return out
