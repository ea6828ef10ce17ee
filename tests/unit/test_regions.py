"""Unit tests of the region gazetteer and name resolution (uhc_analysis.ingest.regions)."""

from __future__ import annotations

import csv
import pickle
from pathlib import Path

import pandas as pd
import pytest

from uhc_analysis import config
from uhc_analysis.ingest.raw import discover_raw_files
from uhc_analysis.ingest.regions import (
    ALIAS_COLUMNS,
    Gazetteer,
    RegionResolutionError,
    kemendagri_to_bps,
    load_aliases,
    load_regions,
    normalise_name,
    province_of,
    region_name,
    resolve_region,
    split_kind,
)
from uhc_analysis.schemas import REGIONS

# --------------------------------------------------------------------------- expected data

#: BPS codes of the three focus provinces, as listed in
#: shared/data/mirror/boundaries/SOURCES.md (BPS 2020 master list).
FOCUS_REGENCIES: dict[str, set[str]] = {
    "16": {
        "1601", "1602", "1603", "1604", "1605", "1606", "1607", "1608", "1609",
        "1610", "1611", "1612", "1613", "1671", "1672", "1673", "1674",
    },
    "17": {"1701", "1702", "1703", "1704", "1705", "1706", "1707", "1708", "1709", "1771"},
    "64": {"6401", "6402", "6403", "6404", "6405", "6409", "6411", "6471", "6472", "6474"},
}  # fmt: skip

KALTARA = {
    "6501": "Malinau",
    "6502": "Bulungan",
    "6503": "Tana Tidung",
    "6504": "Nunukan",
    "6571": "Kota Tarakan",
}

#: Kemendagri -> BPS where the two differ (SOURCES.md; Kaltara and Papua checked
#: against Kemendagri code lists), plus identical pairs as controls.
KEMENDAGRI_PAIRS: list[tuple[str, str]] = [
    ("16.09", "1608"), ("16.08", "1609"), ("16.74", "1672"), ("16.72", "1673"),
    ("16.73", "1674"), ("64.07", "6402"), ("64.02", "6403"), ("64.08", "6404"),
    ("64.03", "6405"), ("65.01", "6502"), ("65.02", "6501"), ("65.03", "6504"),
    ("65.04", "6503"), ("65.71", "6571"), ("17.06", "1706"), ("17.71", "1771"),
    ("16.01", "1601"), ("64.11", "6411"), ("16", "16"), ("91", "94"), ("92", "91"),
    ("93", "95"), ("94", "96"), ("95", "97"), ("96", "92"),
]  # fmt: skip

PROVINCES_2022: dict[str, str] = {
    "91": "Papua Barat", "92": "Papua Barat Daya", "94": "Papua", "95": "Papua Selatan",
    "96": "Papua Tengah", "97": "Papua Pegunungan",
}  # fmt: skip

#: Every distinct non-national (region_name_reported, province_code, region_level,
#: region_code) of data/raw/*/*.csv at the time of writing.
RAW_NAMES: list[tuple[str, str, str, str]] = [
    ("Provinsi Sumatera Selatan", "16", "province", "16"),
    ("Provinsi Sumsel", "16", "province", "16"),
    ("Sumatera Selatan", "16", "province", "16"),
    ("Sumsel", "16", "province", "16"),
    ("Kabupaten OKU", "16", "regency", "1601"),
    ("Kabupaten Ogan Komering Ulu", "16", "regency", "1601"),
    ("Kabupaten Ogan Komering Ulu (OKU)", "16", "regency", "1601"),
    ("Kabupaten Ogan Komering Ilir", "16", "regency", "1602"),
    ("Kabupaten Ogan Komering Ilir (OKI)", "16", "regency", "1602"),
    ("OKI", "16", "regency", "1602"),
    ("Kabupaten Muara Enim", "16", "regency", "1603"),
    ("Kabupaten Lahat", "16", "regency", "1604"),
    ("Kabupaten Mura", "16", "regency", "1605"),
    ("Kabupaten Musi Rawas", "16", "regency", "1605"),
    ("Kabupaten Musi Rawas (Mura)", "16", "regency", "1605"),
    ("Kabupaten Muba", "16", "regency", "1606"),
    ("Kabupaten Musi Banyuasin", "16", "regency", "1606"),
    ("Pemerintah Kabupaten Musi Banyuasin", "16", "regency", "1606"),
    ("Pemkab Musi Banyuasin (Muba)", "16", "regency", "1606"),
    ("Kabupaten Banyuasin", "16", "regency", "1607"),
    ("Kabupaten Ogan Komering Ulu Selatan", "16", "regency", "1608"),
    ("Kabupaten Ogan Komering Ulu Selatan (OKUS)", "16", "regency", "1608"),
    ("Kabupaten OKU Timur", "16", "regency", "1609"),
    ("Kabupaten Ogan Komering Ulu (OKU) Timur", "16", "regency", "1609"),
    ("Kabupaten Ogan Komering Ulu Timur", "16", "regency", "1609"),
    ("OKU Timur", "16", "regency", "1609"),
    ("Ogan Komering Ulu Timur", "16", "regency", "1609"),
    ("Kabupaten Ogan Ilir", "16", "regency", "1610"),
    ("Kabupaten Ogan Ilir (OI)", "16", "regency", "1610"),
    ("Empat Lawang", "16", "regency", "1611"),
    ("Kabupaten Empat Lawang", "16", "regency", "1611"),
    ("Kabupaten Pali", "16", "regency", "1612"),
    ("Kabupaten Penukal Abab Lematang Ilir (PALI)", "16", "regency", "1612"),
    ("Kabupaten Penukal Abab Lematang Ilir (Pali)", "16", "regency", "1612"),
    ("Pemkab PALI", "16", "regency", "1612"),
    ("Kabupaten Musi Rawas Utara", "16", "regency", "1613"),
    ("Kabupaten Musi Rawas Utara (Muratara)", "16", "regency", "1613"),
    ("Kabupaten Musirawas Utara (Muratara)", "16", "regency", "1613"),
    ("Kota Palembang", "16", "regency", "1671"),
    ("Palembang", "16", "regency", "1671"),
    ("Kabupaten Prabumulih", "16", "regency", "1672"),
    ("Kota Prabumulih", "16", "regency", "1672"),
    ("Kota Pagar Alam", "16", "regency", "1673"),
    ("Kota Pagaralam", "16", "regency", "1673"),
    ("Pagar Alam", "16", "regency", "1673"),
    ("Kota Lubuk Linggau", "16", "regency", "1674"),
    ("Kota Lubuklinggau", "16", "regency", "1674"),
    ("Lubuklinggau", "16", "regency", "1674"),
    ("Bengkulu", "17", "province", "17"),
    ("Pemerintah Provinsi Bengkulu", "17", "province", "17"),
    ("Pemprov", "17", "province", "17"),
    ("Pemprov Bengkulu", "17", "province", "17"),
    ("Provinsi Bengkulu", "17", "province", "17"),
    ("provinsi Bengkulu", "17", "province", "17"),
    ("Bengkulu Selatan", "17", "regency", "1701"),
    ("Kabupaten Bengkulu Selatan", "17", "regency", "1701"),
    ("Kabupaten Bengkulu Selatan (BS)", "17", "regency", "1701"),
    ("Pemkab Bengkulu Selatan", "17", "regency", "1701"),
    ("Kabupaten Rejang Lebong", "17", "regency", "1702"),
    ("Rejang Lebong", "17", "regency", "1702"),
    ("Bengkulu Utara", "17", "regency", "1703"),
    ("Kabupaten Bengkulu Utara", "17", "regency", "1703"),
    ("Kabupaten Kaur", "17", "regency", "1704"),
    ("Kaur", "17", "regency", "1704"),
    ("Kabupaten Seluma", "17", "regency", "1705"),
    ("Seluma", "17", "regency", "1705"),
    ("Kabupaten Mukomuko", "17", "regency", "1706"),
    ("Kabupaten Lebong", "17", "regency", "1707"),
    ("Lebong", "17", "regency", "1707"),
    ("kabupaten Lebong", "17", "regency", "1707"),
    ("Kabupaten Kepahiang", "17", "regency", "1708"),
    ("Kepahiang", "17", "regency", "1708"),
    ("Kabupaten Bengkulu Tengah", "17", "regency", "1709"),
    ("Kota Bengkulu", "17", "regency", "1771"),
    ("East Kalimantan", "64", "province", "64"),
    ("Kalimantan Timur", "64", "province", "64"),
    ("Kalimantan Timur (Kaltim)", "64", "province", "64"),
    ("Kaltim", "64", "province", "64"),
    ("Pemprov Kalimantan Timur (in Kutim)", "64", "province", "64"),
    ("Provinsi Kalimantan Timur", "64", "province", "64"),
    ("Provinsi Kalimantan Timur (all regencies/cities)", "64", "province", "64"),
    ("Kab. Paser", "64", "regency", "6401"),
    ("Kabupaten Paser", "64", "regency", "6401"),
    ("Paser", "64", "regency", "6401"),
    ("Paser Regency", "64", "regency", "6401"),
    ("Pemerintah Kabupaten Paser", "64", "regency", "6401"),
    ("Pemkab Paser", "64", "regency", "6401"),
    ("Kabupaten Kutai Barat", "64", "regency", "6402"),
    ("Kutai Barat", "64", "regency", "6402"),
    ("Kutai Barat (Kubar)", "64", "regency", "6402"),
    ("Pemkab Kutai Barat", "64", "regency", "6402"),
    ("West Kutai (Kutai Barat)", "64", "regency", "6402"),
    ("West Kutai Regency (Kabupaten Kutai Barat)", "64", "regency", "6402"),
    ("Kabupaten Kukar", "64", "regency", "6403"),
    ("Kabupaten Kutai Kartanegara", "64", "regency", "6403"),
    ("Kabupaten Kutai Kartanegara (Kukar)", "64", "regency", "6403"),
    ("Kabupaten Kutai Kertanegara", "64", "regency", "6403"),
    ("Kukar", "64", "regency", "6403"),
    ("Kutai Kartanegara", "64", "regency", "6403"),
    ("Kutai Kartanegara Regency", "64", "regency", "6403"),
    ("Pemerintah Kabupaten Kutai Kartanegara", "64", "regency", "6403"),
    ("Pemkab Kukar", "64", "regency", "6403"),
    ("Pemkab Kutai Kartanegara", "64", "regency", "6403"),
    ("East Kutai (Kutai Timur)", "64", "regency", "6404"),
    ("Kabupaten Kutai Timur", "64", "regency", "6404"),
    ("Kutai Timur", "64", "regency", "6404"),
    ("Kutai Timur (Kutim)", "64", "regency", "6404"),
    ("Kutim", "64", "regency", "6404"),
    ("Pemerintah Kabupaten Kutai Timur (Kutim)", "64", "regency", "6404"),
    ("Pemkab Kutim", "64", "regency", "6404"),
    ("Berau", "64", "regency", "6405"),
    ("Kabupaten Berau", "64", "regency", "6405"),
    ("Pemerintah Kabupaten (Pemkab) Berau", "64", "regency", "6405"),
    ("Pemkab Berau", "64", "regency", "6405"),
    ("Kabupaten Penajam Paser Utara", "64", "regency", "6409"),
    ("Kabupaten Penajam Paser Utara (PPU)", "64", "regency", "6409"),
    ("PPU", "64", "regency", "6409"),
    ("Pemerintah Kabupaten Penajam Paser Utara (PPU)", "64", "regency", "6409"),
    ("Penajam North Paser (Penajam Paser Utara)", "64", "regency", "6409"),
    ("Penajam Paser Utara", "64", "regency", "6409"),
    ("Penajam Paser Utara (PPU)", "64", "regency", "6409"),
    ("Penajem Paser Utara", "64", "regency", "6409"),
    ("Kabupaten Mahakam Ulu", "64", "regency", "6411"),
    ("Kabupaten Mahulu", "64", "regency", "6411"),
    ("Mahakam Ulu", "64", "regency", "6411"),
    ("Mahakam Ulu (Mahulu)", "64", "regency", "6411"),
    ("Mahulu", "64", "regency", "6411"),
    ("Pemkab Mahakam Ulu", "64", "regency", "6411"),
    ("Pemkab Mahulu", "64", "regency", "6411"),
    ("Balikpapan", "64", "regency", "6471"),
    ("Kota Balikpapan", "64", "regency", "6471"),
    ("Kota Samarinda", "64", "regency", "6472"),
    ("Samarinda", "64", "regency", "6472"),
    ("Bontang", "64", "regency", "6474"),
    ("Kota Bontang", "64", "regency", "6474"),
    ("Pemkot Bontang", "64", "regency", "6474"),
    ("Kalimantan Utara", "65", "province", "65"),
    ("Kaltara", "65", "province", "65"),
    ("Pemprov Kalimantan Utara", "65", "province", "65"),
    ("Pemprov Kaltara", "65", "province", "65"),
    ("Provinsi Kalimantan Utara (Kaltara)", "65", "province", "65"),
    ("Provinsi Kaltara", "65", "province", "65"),
    ("Kabupaten Malinau", "65", "regency", "6501"),
    ("Malinau", "65", "regency", "6501"),
    ("Pemkab Malinau", "65", "regency", "6501"),
    ("Bulungan", "65", "regency", "6502"),
    ("Kabupaten Bulungan", "65", "regency", "6502"),
    ("Pemkab Bulungan", "65", "regency", "6502"),
    ("Kabupaten Tana Tidung", "65", "regency", "6503"),
    ("Pemkab Tana Tidung", "65", "regency", "6503"),
    ("Tana Tidung", "65", "regency", "6503"),
    ("Kabupaten Nunukan", "65", "regency", "6504"),
    ("Nunukan", "65", "regency", "6504"),
    ("Pemkab Nunukan", "65", "regency", "6504"),
    ("Kota Tarakan", "65", "regency", "6571"),
    ("Pemerintah Kota Tarakan", "65", "regency", "6571"),
    ("Pemkot Tarakan", "65", "regency", "6571"),
    ("Tarakan", "65", "regency", "6571"),
]

#: Spellings resolved without any hint: (name, expected BPS code).
SPELLINGS: list[tuple[str, str]] = [
    # Bengkulu
    ("MUKOMUKO", "1706"),
    ("Mukomuko", "1706"),
    ("Kab. Muko-Muko", "1706"),
    ("Kabupaten Muko Muko", "1706"),
    ("kab muko_muko", "1706"),
    ("kabupaten Lebong", "1707"),
    ("Kota Bengkulu", "1771"),
    ("Pemkot Bengkulu", "1771"),
    ("Bengkulu City", "1771"),
    ("Provinsi Bengkulu", "17"),
    ("Prov. Bengkulu", "17"),
    ("Bengkulu Province", "17"),
    ("Benteng", "1709"),
    ("Kabupaten Benteng", "1709"),
    ("BS", "1701"),
    ("BU", "1703"),
    ("RL", "1702"),
    ("Bengkulu Tengah", "1709"),
    ("Kaur", "1704"),
    # Sumatera Selatan
    ("OKUT", "1609"),
    ("OKU Timur", "1609"),
    ("Kab. OKU Timur", "1609"),
    ("OKUS", "1608"),
    ("OKU Selatan", "1608"),
    ("OKU", "1601"),
    ("OKI", "1602"),
    ("OI", "1610"),
    ("PALI", "1612"),
    ("Pali", "1612"),
    ("Penukal Abab Lematang Ilir", "1612"),
    ("Muratara", "1613"),
    ("Musirawas Utara", "1613"),
    ("Musi Rawas Utara", "1613"),
    ("Mura", "1605"),
    ("Musirawas", "1605"),
    ("Muba", "1606"),
    ("Banyu Asin", "1607"),
    ("BANYUASIN", "1607"),
    ("Kota Lubuk Linggau", "1674"),
    ("Lubuk-Linggau", "1674"),
    ("Pagaralam", "1673"),
    ("Kota Pagar Alam", "1673"),
    ("Kota Prabumulih", "1672"),
    ("Kabupaten Prabumulih", "1672"),
    ("Sumsel", "16"),
    ("South Sumatra", "16"),
    ("Pemprov Sumsel", "16"),
    ("Kabupaten Ogan Ilir (OI)", "1610"),
    ("Kabupaten Ogan Komering Ulu (OKU) Timur", "1609"),
    ("Muara Enim", "1603"),
    ("Muaraenim", "1603"),
    # Kalimantan Timur / Utara
    ("Kabupaten Kutai Kartanegara (Kukar)", "6403"),
    ("Kukar", "6403"),
    ("Kutim", "6404"),
    ("Kubar", "6402"),
    ("PPU", "6409"),
    ("ppu", "6409"),
    ("Mahulu", "6411"),
    ("Mahakam Hulu", "6411"),
    ("Mahakam Ulu", "6411"),
    ("Kabupaten Mahakam Ulu (Mahulu)", "6411"),
    ("Pasir", "6401"),
    ("Kaltim", "64"),
    ("Kaltara", "65"),
    ("Provinsi Kaltara", "65"),
    ("Kota Tarakan", "6571"),
    ("KTT", "6503"),
    ("Kabupaten Tana Tidung", "6503"),
    ("Kota Balikpapan", "6471"),
    ("Kota Samarinda", "6472"),
    # accents, spacing, case, punctuation
    ("  Kabupaten   Kaur  ", "1704"),
    ("KABUPATEN SELUMA", "1705"),
    ("Kepahiáng", "1708"),
    ("Rejang-Lebong", "1702"),
    ("Kab.Lahat", "1604"),
    # other provinces of the gazetteer
    ("Papua Barat Daya", "92"),
    ("Papua Pegunungan", "97"),
    ("Provinsi Papua", "94"),
    ("Jawa Barat", "32"),
    ("DKI Jakarta", "31"),
    # codes
    ("1706", "1706"),
    ("17", "17"),
    (" 6411 ", "6411"),
    ("16.09", "1608"),
    ("64.02", "6403"),
    ("65.01", "6502"),
]

HINTED: list[tuple[str, str | None, str | None, str]] = [
    # (name, province hint, kind, expected)
    ("OKUT", "16", None, "1609"),
    ("OKUT", "Sumsel", None, "1609"),
    ("OKUT", "Sumatera Selatan", None, "1609"),
    ("OKUT", "Provinsi Sumatera Selatan", None, "1609"),
    ("Mukomuko", "Bengkulu", None, "1706"),
    ("Bengkulu", None, "province", "17"),
    ("Bengkulu", "17", "province", "17"),
    ("Bengkulu", "17", "regency", "1771"),
    ("Bengkulu", None, "kota", "1771"),
    ("Pemprov", "17", None, "17"),
    ("Provinsi", "Kaltara", None, "65"),
    ("Tarakan", "Kaltara", "regency", "6571"),
    ("Kaltara", "65", "province", "65"),
    ("1674", "16", "regency", "1674"),
]

AMBIGUOUS: list[tuple[str, str | None, set[str]]] = [
    ("Bengkulu", None, {"17", "1771"}),
    ("Bengkulu", "17", {"17", "1771"}),
    ("Bengkulu", "Bengkulu", {"17", "1771"}),
    ("BENGKULU", None, {"17", "1771"}),
]

UNKNOWN: list[tuple[str, str | None]] = [
    ("Atlantis", None),
    ("Kabupaten Bandungg", None),
    ("Kota Bandung", "33"),
    ("Oku Barat", None),
    ("Mukomuko", "16"),  # exists, but not in the hinted province
    ("Kota Lebong", None),  # Lebong is a kabupaten
    ("Provinsi Mukomuko", None),
    ("Kabupaten Bengkulu", None),
    ("Kaltim", "65"),
    ("Pemprov", None),  # kind word only and no province hint
    ("nasional", None),
    ("Indonesia", None),
    ("", None),
    ("Kabupaten", None),
    ("Kutai", None),
    ("1799", None),
    ("16.99", None),
    ("99", None),
    ("1706", "16"),  # code outside the hinted province
]

# --------------------------------------------------------------------------- gazetteer


@pytest.fixture(scope="module")
def regions() -> pd.DataFrame:
    return load_regions()


def test_gazetteer_columns_and_types(regions: pd.DataFrame) -> None:
    assert tuple(regions.columns) == REGIONS
    assert str(regions["formed_year"].dtype) == "Int64"
    for column in ("bps_code", "province_code", "name", "kind"):
        assert regions[column].map(type).eq(str).all(), column


def test_gazetteer_is_sorted_and_unique(regions: pd.DataFrame) -> None:
    assert list(regions["bps_code"]) == sorted(regions["bps_code"])
    assert regions["bps_code"].is_unique
    assert regions["kemendagri_code"].dropna().is_unique


def test_38_provinces(regions: pd.DataFrame) -> None:
    provinces = regions[regions["kind"] == "province"]
    assert len(provinces) == 38
    assert (provinces["province_code"] == provinces["bps_code"]).all()
    names = dict(zip(provinces["bps_code"], provinces["name"], strict=True))
    for code, name in PROVINCES_2022.items():
        assert names[code] == name
    assert "93" not in names  # BPS does not use 93 (Kemendagri does)


@pytest.mark.parametrize("province", sorted(FOCUS_REGENCIES))
def test_focus_province_regency_codes(regions: pd.DataFrame, province: str) -> None:
    inside = regions[(regions["province_code"] == province) & (regions["kind"] != "province")]
    assert set(inside["bps_code"]) == FOCUS_REGENCIES[province]


def test_37_focus_regencies_and_kaltara(regions: pd.DataFrame) -> None:
    regencies = regions[regions["kind"] != "province"]
    focus = regencies[regencies["province_code"].isin(FOCUS_REGENCIES)]
    assert len(focus) == 37
    kaltara = regencies[regencies["province_code"] == "65"]
    assert dict(zip(kaltara["bps_code"], kaltara["name"], strict=True)) == KALTARA


def test_kinds_and_city_names(regions: pd.DataFrame) -> None:
    assert set(regions["kind"]) == {"province", "kabupaten", "kota"}
    focus = regions[regions["province_code"].isin(["16", "17", "64", "65"])]
    cities = focus[focus["kind"] == "kota"]
    assert set(cities["bps_code"]) == {
        "1671",
        "1672",
        "1673",
        "1674",
        "1771",
        "6471",
        "6472",
        "6474",
        "6571",
    }
    assert cities["bps_code"].str[2:].astype(int).ge(71).all()


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("1706", "Mukomuko"),
        ("1607", "Banyuasin"),
        ("1612", "Penukal Abab Lematang Ilir"),
        ("6411", "Mahakam Ulu"),
        ("1771", "Kota Bengkulu"),
        ("1674", "Kota Lubuklinggau"),
        ("1673", "Kota Pagar Alam"),
        ("16", "Sumatera Selatan"),
        ("65", "Kalimantan Utara"),
    ],
)
def test_official_names(code: str, name: str) -> None:
    assert region_name(code) == name


def test_formed_year_and_split_from(regions: pd.DataFrame) -> None:
    split = regions.dropna(subset=["formed_year"]).set_index("bps_code")
    expected = {
        "1612": (2013, "1603"),
        "1613": (2013, "1605"),
        "6411": (2012, "6402"),
        "65": (2012, "64"),
        "92": (2022, "91"),
        "95": (2022, "94"),
        "96": (2022, "94"),
        "97": (2022, "94"),
    }
    got = {c: (int(r["formed_year"]), r["split_from"]) for c, r in split.iterrows()}
    assert got == expected
    assert regions["split_from"].notna().sum() == len(expected)


@pytest.mark.parametrize(("kemendagri", "bps"), KEMENDAGRI_PAIRS)
def test_kemendagri_crosswalk(kemendagri: str, bps: str) -> None:
    assert kemendagri_to_bps(kemendagri) == bps


def test_kemendagri_crosswalk_rejects_undotted_and_unknown() -> None:
    for code in ("1609", "16.99", "97", "x"):
        with pytest.raises(RegionResolutionError):
            kemendagri_to_bps(code)


def test_province_of() -> None:
    assert province_of("1706") == "17"
    assert province_of("6571") == "65"
    assert province_of("64") == "64"
    with pytest.raises(RegionResolutionError):
        province_of("9999")
    with pytest.raises(RegionResolutionError):
        region_name("1799")


# --------------------------------------------------------------------------- aliases


def test_alias_table_is_consistent(regions: pd.DataFrame) -> None:
    aliases = load_aliases()
    assert tuple(aliases.columns) == ALIAS_COLUMNS
    codes = dict(zip(regions["bps_code"], regions["province_code"], strict=True))
    assert aliases["bps_code"].isin(list(codes)).all()
    assert (aliases["bps_code"].map(codes) == aliases["province_code"]).all()
    per_province = aliases.assign(key=aliases["alias"].str.replace(" ", "", regex=False))
    targets = per_province.groupby(["province_code", "key"])["bps_code"].nunique()
    assert targets.max() == 1
    assert not per_province.duplicated(["province_code", "key"]).any()
    assert aliases["reviewed_by"].str.len().gt(0).all()
    assert aliases["note"].str.len().gt(0).all()
    assert not aliases["alias"].isin(["nasional", "indonesia"]).any()


def test_alias_is_written_normalised() -> None:
    with open(config.ALIASES_CSV, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            alias = row["alias"]
            core = normalise_name(alias)
            assert alias in {core, f"kabupaten {core}", f"kota {core}", f"provinsi {core}"}, row
            assert core and alias == alias.strip().casefold(), row


# --------------------------------------------------------------------------- resolution


@pytest.mark.parametrize(("name", "province", "level", "code"), RAW_NAMES)
def test_raw_reported_names(name: str, province: str, level: str, code: str) -> None:
    assert resolve_region(name, province=province, kind=level) == code


def test_raw_files_fully_covered() -> None:
    raw = discover_raw_files(config.DATA_RAW) if config.DATA_RAW.is_dir() else []
    if not raw:
        pytest.skip("no raw files in this checkout")
    expected = set(RAW_NAMES)
    for path in raw:
        with open(path, encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                if row["region_level"] == "national":
                    continue
                key = (
                    row["region_name_reported"],
                    row["province_code"],
                    row["region_level"],
                    row["region_code"],
                )
                if key not in expected:
                    got = resolve_region(key[0], province=key[1], kind=key[2])
                    assert got == key[3], (path, key)


@pytest.mark.parametrize(("name", "code"), SPELLINGS)
def test_spellings(name: str, code: str) -> None:
    assert resolve_region(name) == code


@pytest.mark.parametrize(("name", "province", "kind", "code"), HINTED)
def test_hints(name: str, province: str | None, kind: str | None, code: str) -> None:
    assert resolve_region(name, province=province, kind=kind) == code


@pytest.mark.parametrize(("name", "province", "codes"), AMBIGUOUS)
def test_ambiguous_names_raise(name: str, province: str | None, codes: set[str]) -> None:
    with pytest.raises(RegionResolutionError, match="ambiguous") as info:
        resolve_region(name, province=province)
    err = info.value
    assert {code for code, _ in err.candidates} == codes
    assert err.name == name and err.province == province
    # named relative to the project, never by its absolute install path (issue 13)
    assert config.display_path(config.ALIASES_CSV) in str(err)
    assert str(config.ALIASES_CSV) not in str(err)


@pytest.mark.parametrize(("name", "province"), UNKNOWN)
def test_unknown_names_raise(name: str, province: str | None) -> None:
    with pytest.raises(RegionResolutionError) as info:
        resolve_region(name, province=province)
    err = info.value
    assert isinstance(err, ValueError)
    # named relative to the project, never by its absolute install path (issue 13)
    assert config.display_path(config.ALIASES_CSV) in str(err)
    assert str(config.ALIASES_CSV) not in str(err)
    assert all(len(c) == 2 for c in err.candidates)


def test_unknown_name_lists_close_candidates() -> None:
    with pytest.raises(RegionResolutionError) as info:
        resolve_region("Kabupaten Mukomukko")
    assert info.value.candidates[0] == ("1706", "Mukomuko")
    assert "1706 Mukomuko" in str(info.value)
    with pytest.raises(RegionResolutionError) as info:
        resolve_region("Kabupaten Bandungg")
    assert info.value.candidates  # closest loaded names, never auto-accepted


def test_parenthesis_must_agree() -> None:
    with pytest.raises(RegionResolutionError, match="disagree") as info:
        resolve_region("Kabupaten Kutai Barat (Kukar)")
    assert {c for c, _ in info.value.candidates} == {"6402", "6403"}
    # a parenthesis that matches nothing is a remark, not a name
    assert resolve_region("Pemprov Kalimantan Timur (in Kutim)") == "64"


def test_bad_hint_and_kind() -> None:
    with pytest.raises(RegionResolutionError):
        resolve_region("Kaur", province="1704")  # not a province code
    with pytest.raises(RegionResolutionError):
        resolve_region("Kaur", province="Atlantis")
    with pytest.raises(ValueError, match="kind"):
        resolve_region("Kaur", kind="national")
    with pytest.raises(TypeError):
        resolve_region(1706)  # type: ignore[arg-type]


def test_error_pickles_with_attributes() -> None:
    with pytest.raises(RegionResolutionError) as info:
        resolve_region("Bengkulu")
    copy = pickle.loads(pickle.dumps(info.value))
    assert copy.candidates == info.value.candidates
    assert str(copy) == str(info.value)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Kab. Muko-Muko", ("kabupaten", "muko muko")),
        ("Pemerintah Kota Tarakan", ("kota", "tarakan")),
        ("Pemerintah Kabupaten (Pemkab) Berau", ("kabupaten", "berau")),
        ("Pemprov", ("province", "")),
        ("Prov. Kaltim", ("province", "kaltim")),
        ("Kutai Kartanegara Regency", ("kabupaten", "kutai kartanegara")),
        ("Kotabaru", (None, "kotabaru")),
        ("Lubuk_Linggau", (None, "lubuk linggau")),
    ],
)
def test_split_kind(name: str, expected: tuple[str | None, str]) -> None:
    assert split_kind(name) == expected


def test_normalise_name() -> None:
    assert normalise_name("Kabupaten Kutai Kartanegara (Kukar)") == "kutai kartanegara"
    assert normalise_name("  KÉPAHIANG ") == "kepahiang"
    assert normalise_name("Ogan Komering Ulu (OKU) Timur") == "ogan komering ulu timur"


# --------------------------------------------------------------------------- scaling


def _write(path: Path, header: tuple[str, ...], rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _row(code: str, kem: str, name: str, kind: str, prov: str, pname: str) -> list[str]:
    return [code, kem, name, kind, prov, pname, "", ""]


@pytest.fixture
def national_like(tmp_path: Path) -> Gazetteer:
    """A gazetteer with names shared across kinds and provinces (as with all 514)."""
    rows = [
        _row("32", "32", "Jawa Barat", "province", "32", "Jawa Barat"),
        _row("3204", "32.04", "Bandung", "kabupaten", "32", "Jawa Barat"),
        _row("3273", "32.73", "Kota Bandung", "kota", "32", "Jawa Barat"),
        _row("63", "63", "Kalimantan Selatan", "province", "63", "Kalimantan Selatan"),
        _row("6302", "63.02", "Kotabaru", "kabupaten", "63", "Kalimantan Selatan"),
        _row("75", "75", "Gorontalo", "province", "75", "Gorontalo"),
        _row("7501", "75.01", "Gorontalo", "kabupaten", "75", "Gorontalo"),
        _row("7571", "75.71", "Kota Gorontalo", "kota", "75", "Gorontalo"),
        _row("94", "91", "Papua", "province", "94", "Papua"),
        _row("9403", "91.03", "Jayapura", "kabupaten", "94", "Papua"),
        _row("9471", "91.71", "Kota Jayapura", "kota", "94", "Papua"),
    ]
    regions = _write(tmp_path / "regions.csv", REGIONS, rows)
    aliases = _write(
        tmp_path / "aliases.csv", ALIAS_COLUMNS, [["kab bdg", "3204", "32", "test", "tester"]]
    )
    return Gazetteer.from_csv(regions, aliases)


def test_shared_names_never_overwrite(national_like: Gazetteer) -> None:
    gaz = national_like
    assert gaz.resolve("Kabupaten Bandung") == "3204"
    assert gaz.resolve("Kota Bandung") == "3273"
    assert gaz.resolve("Kab Bdg") == "3204"
    assert gaz.resolve("Kota Baru") == "6302"  # falls back to the whole text
    assert gaz.resolve("Provinsi Gorontalo") == "75"
    assert gaz.resolve("Kabupaten Gorontalo") == "7501"
    assert gaz.resolve("Gorontalo", kind="kota") == "7571"
    assert gaz.resolve("91.03") == "9403"
    assert gaz.kemendagri_to_bps("91") == "94"
    with pytest.raises(RegionResolutionError):
        gaz.resolve("91")  # undotted codes are BPS codes; Kemendagri 91 is not one
    with pytest.raises(RegionResolutionError) as info:
        gaz.resolve("Bandung")
    assert {c for c, _ in info.value.candidates} == {"3204", "3273"}
    with pytest.raises(RegionResolutionError) as info:
        gaz.resolve("Gorontalo", province="75")
    assert {c for c, _ in info.value.candidates} == {"75", "7501", "7571"}
    with pytest.raises(RegionResolutionError):
        gaz.resolve("Gorontalo", kind="regency")
    with pytest.raises(RegionResolutionError) as info:
        gaz.resolve("Mukomuko")  # not loaded here
    assert config.display_path(gaz.alias_file) in str(info.value)


# --------------------------------------------------------------------------- validation


def _regions_with(tmp_path: Path, extra: list[list[str]]) -> Path:
    rows = [
        _row("17", "17", "Bengkulu", "province", "17", "Bengkulu"),
        _row("1706", "17.06", "Mukomuko", "kabupaten", "17", "Bengkulu"),
    ]
    return _write(tmp_path / "regions.csv", REGIONS, rows + extra)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([_row("1706", "17.16", "Dup", "kabupaten", "17", "Bengkulu")], r"regions.csv:4: .*unique"),
        ([_row("1707", "17.07", "Lebong", "regency", "17", "Bengkulu")], r"regions.csv:4: kind"),
        ([_row("1807", "17.07", "Lebong", "kabupaten", "17", "Bengkulu")], r":4: .*start with"),
        ([_row("170", "17.07", "Lebong", "kabupaten", "17", "Bengkulu")], r":4: .*4 digits"),
        ([_row("1771", "17.71", "Bengkulu", "kota", "17", "Bengkulu")], r":4: .*'Kota '"),
        ([_row("1801", "18.01", "X", "kabupaten", "18", "Lampung")], r":4: .*no province row"),
        ([_row("1707", "1707", "Lebong", "kabupaten", "17", "Bengkulu")], r":4: kemendagri"),
    ],
)
def test_load_regions_names_file_and_line(
    tmp_path: Path, extra: list[list[str]], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        load_regions(_regions_with(tmp_path, extra))


def test_load_aliases_rejects_conflicts(tmp_path: Path) -> None:
    regions = load_regions(_regions_with(tmp_path, []))
    bad = [
        ["muko muko", "1706", "17", "ok", "tester"],
        ["mukomuko", "17", "17", "same key, other code", "tester"],
        ["Muko", "1706", "17", "not normalised", "tester"],
        ["xx", "1799", "17", "unknown code", "tester"],
        ["yy", "1706", "16", "wrong province", "tester"],
        ["zz", "1706", "17", "no reviewer", ""],
    ]
    path = _write(tmp_path / "aliases.csv", ALIAS_COLUMNS, bad)
    with pytest.raises(ValueError) as info:
        load_aliases(path, regions)
    text = str(info.value)
    for line in range(3, 8):
        assert f"aliases.csv:{line}:" in text


def test_load_regions_is_cached_copy() -> None:
    first = load_regions()
    first.loc[0, "name"] = "changed"
    assert load_regions().loc[0, "name"] != "changed"
