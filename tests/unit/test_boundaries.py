"""Boundaries: pooch download/mirror with sha256 check, cleaning and the gazetteer join.

Tests that need the real file use the offline mirror (``UHC_ANALYSIS_MIRROR``
if set, else ``shared/data/mirror`` next to the checkout) and are skipped when
neither holds it. The cache always points at ``tmp_path``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from uhc_analysis import boundaries, config
from uhc_analysis.boundaries import (
    FILE_NAME,
    BoundariesMismatchError,
    BoundariesUnavailableError,
)


def _find_mirror() -> Path | None:
    candidates = [
        os.environ.get(config.MIRROR_ENV),
        config.PROJECT_ROOT.parent / "shared/data/mirror",
    ]
    for c in candidates:
        if c and (Path(c) / "boundaries" / FILE_NAME).is_file():
            return Path(c)
    return None


MIRROR = _find_mirror()
needs_mirror = pytest.mark.skipif(MIRROR is None, reason="no boundaries mirror available")


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cache"
    monkeypatch.setattr(config, "CACHE_DIR", path)
    return path


@pytest.fixture
def mirror(monkeypatch: pytest.MonkeyPatch) -> Path:
    assert MIRROR is not None
    monkeypatch.setenv(config.MIRROR_ENV, str(MIRROR))
    return MIRROR


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """No mirror and no network: the URL uses a scheme nothing can download."""
    monkeypatch.delenv(config.MIRROR_ENV, raising=False)
    monkeypatch.setattr(boundaries, "URL", f"unreachable://nowhere/{FILE_NAME}")


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


@needs_mirror
def test_focus_provinces_have_37_valid_polygons(cache: Path, mirror: Path) -> None:
    gdf = boundaries.load_boundaries(config.FOCUS_PROVINCES)
    assert len(gdf) == 37
    assert gdf.crs.to_epsg() == 4326
    assert gdf["bps_code"].is_unique
    assert gdf.groupby("province_code").size().to_dict() == {"16": 17, "17": 10, "64": 10}
    gaz = boundaries.gazetteer_regencies(config.FOCUS_PROVINCES)
    assert set(gdf["bps_code"]) == set(gaz["bps_code"])  # no unmatched code either way
    assert "1688" not in set(gdf["bps_code"])  # the lake (Danau Ranau) is dropped
    assert gdf.is_valid.all()
    assert set(gdf.geom_type) <= {"Polygon", "MultiPolygon"}
    assert gdf.loc[gdf["bps_code"] == "6411", "name"].item() == "Mahakam Ulu"
    assert _files(cache) == [cache / FILE_NAME]


@needs_mirror
def test_raw_file_holds_the_lake_and_invalid_shapes(cache: Path, mirror: Path) -> None:
    raw = boundaries.read_boundaries()
    assert len(raw) == 522
    assert raw.loc[raw["bps_code"] == "1688", "ADM2_EN"].item() == "Danau"
    invalid = set(
        raw.loc[~raw.is_valid & raw["province_code"].isin(["16", "17", "64"]), "bps_code"]
    )
    assert invalid == {"6403", "6404", "6405"}


@needs_mirror
def test_cached_file_is_used_without_mirror_or_network(
    cache: Path, mirror: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = boundaries.fetch_boundaries()
    monkeypatch.delenv(config.MIRROR_ENV)
    monkeypatch.setattr(boundaries, "URL", f"unreachable://nowhere/{FILE_NAME}")
    assert boundaries.fetch_boundaries() == first


def test_hash_mismatch_raises_and_leaves_no_file(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "fake_mirror"
    (fake / "boundaries").mkdir(parents=True)
    (fake / "boundaries" / FILE_NAME).write_text('{"type": "FeatureCollection", "features": []}')
    monkeypatch.setenv(config.MIRROR_ENV, str(fake))
    with pytest.raises(BoundariesUnavailableError, match="sha256") as info:
        boundaries.fetch_boundaries()
    assert config.MIRROR_ENV in str(info.value)
    assert _files(cache) == []


def test_mirror_without_the_file_says_what_to_do(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(config.MIRROR_ENV, str(tmp_path / "empty"))
    with pytest.raises(BoundariesUnavailableError, match="does not exist"):
        boundaries.fetch_boundaries()
    assert _files(cache) == []


def test_no_mirror_no_network_gives_one_clear_sentence(cache: Path, offline: None) -> None:
    with pytest.raises(BoundariesUnavailableError) as info:
        boundaries.fetch_boundaries()
    message = str(info.value)
    assert f"{config.MIRROR_ENV} to a folder holding boundaries/{FILE_NAME}" in message
    assert "connect to the network" in message
    assert "\n" not in message and message.endswith(".") and message.count(". ") == 0
    assert _files(cache) == []


def test_load_boundaries_raises_the_same_error_offline(cache: Path, offline: None) -> None:
    with pytest.raises(BoundariesUnavailableError):
        boundaries.load_boundaries(["17"])


@needs_mirror
def test_gazetteer_mismatch_names_the_regencies(cache: Path, mirror: Path) -> None:
    gaz = boundaries.gazetteer_regencies(["17"])
    extra = pd.DataFrame({"bps_code": ["1799"], "name": ["Fantasia"], "province_code": ["17"]})
    with pytest.raises(BoundariesMismatchError, match="1799 Fantasia"):
        boundaries.load_boundaries(["17"], regions=pd.concat([gaz, extra]))
    with pytest.raises(BoundariesMismatchError, match="1701 Bengkulu Selatan"):
        boundaries.load_boundaries(["17"], regions=gaz.loc[gaz["bps_code"] != "1701"])


def test_unknown_province_raises(cache: Path, offline: None) -> None:
    with pytest.raises(BoundariesMismatchError, match="99"):
        boundaries.load_boundaries(["99"])


def test_example_file_loads_without_mirror_or_network(cache: Path, offline: None) -> None:
    """The synthetic file in the upstream layout goes through the whole cleaning and join."""
    regions = pd.DataFrame(
        {
            "bps_code": ["17", "1701", "1702"],
            "name": ["Bengkulu", "Bengkulu Selatan", "Rejang Lebong"],
            "province_code": "17",
        }
    )
    gdf = boundaries.load_boundaries(["17"], regions=regions, path=boundaries.example_file())
    assert gdf["bps_code"].tolist() == ["1701", "1702"]
    assert gdf.crs.to_epsg() == 4326 and gdf.is_valid.all()
    with pytest.raises(BoundariesMismatchError, match="1702 Rejang Lebong"):
        boundaries.load_boundaries(["17"], regions=regions.iloc[:2], path=boundaries.example_file())
    assert _files(cache) == []
