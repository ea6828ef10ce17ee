"""Merge, conflict and rejection rules of the cleaning stage, on tiny hand-built files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from uhc_analysis import pipeline
from uhc_analysis.ingest.raw import RAW_COLUMNS
from uhc_analysis.transform import clean, observations

SETTINGS = clean.CleanSettings(today="2026-11-23")


def _write(tmp: Path, kind: str, rows: list[dict[str, str]]) -> Path:
    folder = tmp / "prov"
    folder.mkdir(exist_ok=True)
    frame = pd.DataFrame(rows, columns=list(RAW_COLUMNS[kind]), dtype=object).fillna("")
    path = folder / f"{kind}.csv"
    frame.to_csv(path, index=False)
    return path


def _enr(**kw: str) -> dict[str, str]:
    row = {
        "region_level": "regency",
        "province_code": "16",
        "region_code": "1607",
        "region_name_reported": "Kabupaten Banyuasin",
        "period": "2023-09",
        "enrolled": "817221",
        "coverage_pct": "97.63",
        "measure": "registered",
        "url": "https://a.example/1",
        "publisher": "A",
        "remarks": "",
    }
    row.update(kw)
    return row


def test_same_figure_from_two_sources_is_one_observation(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "enrolment",
        [
            _enr(),
            _enr(
                period="2023-09-01",
                url="https://b.example/2",
                publisher="B",
                enrolled="817.221",
                coverage_pct="97,63",
            ),
        ],
    )
    res = observations.clean_files([path], raw_dir=tmp_path, settings=SETTINGS)
    assert len(res.enrolment) == 1
    obs = res.enrolment.iloc[0]
    assert obs["period"] == "2023-09-01" and obs["n_sources"] == 2
    assert res.accounting.iloc[0][["read", "kept", "merged", "rejected"]].tolist() == [2, 1, 1, 0]
    assert len(res.sources) == 2


def test_conflicting_figures_are_both_kept_and_one_is_used(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "enrolment",
        [
            _enr(period="2023-09-01"),
            _enr(
                period="2023-09-01",
                url="https://b.example/2",
                enrolled="8390000",
                remarks="rounded as published",
            ),
            _enr(period="2023", url="https://c.example/3", enrolled="736856", coverage_pct="89.13"),
        ],
    )
    res = observations.clean_files([path], raw_dir=tmp_path, settings=SETTINGS)
    enr = res.enrolment.set_index("enrolled")
    assert enr.loc[817221, "use_in_analysis"] and not enr.loc[8390000, "use_in_analysis"]
    assert enr.loc[817221, "conflict_group"] == enr.loc[8390000, "conflict_group"] != ""
    # a year-only figure does not conflict with a dated one
    assert enr.loc[736856, "conflict_group"] == "" and enr.loc[736856, "use_in_analysis"]


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        (_enr(region_name_reported="Kabupaten Lahat"), "region_name_reported", "disagrees"),
        (_enr(region_name_reported="Atlantis"), "region_name_reported", "does not resolve"),
        (
            _enr(region_code="1699", region_name_reported="Atlantis"),
            "region_code",
            "unknown BPS code",
        ),
        (_enr(region_code="1799"), "region_code", "not in province 16"),
        (_enr(enrolled="-5"), "enrolled", "negative"),
        (_enr(enrolled="900000000"), "enrolled", "outside"),
        (_enr(coverage_pct="250"), "coverage_pct", "outside"),
        (_enr(period="2031-01"), "period", "future"),
        (_enr(measure="insured"), "measure", "measure must be"),
        (_enr(enrolled="", coverage_pct=""), "enrolled", "no figure"),
        (_enr(url="www.example.org"), "url", "http"),
        (_enr(enrolled="8,39,1x"), "enrolled", "malformed"),
    ],
)
def test_bad_rows_are_rejected_with_a_reason(
    tmp_path: Path, row: dict[str, str], column: str, reason: str
) -> None:
    path = _write(tmp_path, "enrolment", [_enr(), row])
    res = observations.clean_files([path], raw_dir=tmp_path, settings=SETTINGS)
    assert len(res.rejects) == 1
    rej = res.rejects.iloc[0]
    assert (rej["file"], rej["line"], rej["column"]) == ("prov/enrolment.csv", 3, column)
    assert reason in rej["reason"]
    assert res.accounting["balanced"].all()


def test_code_and_name_disagreement_names_both(tmp_path: Path) -> None:
    path = _write(tmp_path, "enrolment", [_enr(region_name_reported="Kabupaten Lahat")])
    res = observations.clean_files([path], raw_dir=tmp_path, settings=SETTINGS)
    reason = res.rejects.iloc[0]["reason"]
    assert "1607" in reason and "Banyuasin" in reason and "1604" in reason and "Lahat" in reason


def test_coverage_over_120_is_flagged_not_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, "enrolment", [_enr(coverage_pct="130.5", enrolled="")])
    res = observations.clean_files([path], raw_dir=tmp_path, settings=SETTINGS)
    assert res.enrolment.iloc[0]["over_120"] and res.rejects.empty


def test_basis_labels_are_normalised() -> None:
    assert (
        clean.normalise_basis("dukcapil") == clean.normalise_basis("Dukcapil DKB") == "dukcapil_dkb"
    )
    with pytest.raises(ValueError, match="unknown population basis"):
        clean.normalise_basis("guess")


def test_outputs_are_byte_identical_across_runs(tmp_path: Path) -> None:
    path = _write(tmp_path, "enrolment", [_enr(), _enr(period="2024-08", coverage_pct="98.2")])
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        pipeline.write_clean(
            observations.clean_files([path], raw_dir=tmp_path, settings=SETTINGS), out
        )
    for f in sorted(a.iterdir()):
        assert f.read_bytes() == (b / f.name).read_bytes(), f.name


@pytest.mark.parametrize("name", ["Indonesia", "Republik Indonesia", "RI", "Nasional"])
def test_national_names_are_one_list_for_cleaning_and_regions(tmp_path: Path, name: str) -> None:
    """A national row named "Republik Indonesia" was rejected by cleaning but known to regions."""
    from uhc_analysis.ingest import regions

    assert regions.is_national_name(name)
    with pytest.raises(regions.RegionResolutionError, match="national figures are not a region"):
        regions.resolve_region(name)
    row = _enr(region_level="national", province_code="", region_code="", region_name_reported=name)
    res = observations.clean_files(
        [_write(tmp_path, "enrolment", [row])], raw_dir=tmp_path, settings=SETTINGS
    )
    assert res.rejects.empty
    assert res.enrolment[["region_code", "region_name"]].values.tolist() == [["ID", "Indonesia"]]


def test_a_national_row_must_name_the_country(tmp_path: Path) -> None:
    row = _enr(
        region_level="national", province_code="", region_code="", region_name_reported="Jawa"
    )
    res = observations.clean_files(
        [_write(tmp_path, "enrolment", [row])], raw_dir=tmp_path, settings=SETTINGS
    )
    assert res.rejects["reason"].tolist() == ["a national row must name Indonesia"]


def test_link_tables_account_for_every_row(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "enrolment",
        [_enr(), _enr(url="https://b.example/2"), _enr(measure="insured")],
    )
    res = observations.clean_files([path], raw_dir=tmp_path, settings=SETTINGS)
    (oid,) = res.enrolment["observation_id"]
    assert res.observation_raw_rows.values.tolist() == [
        [oid, "prov/enrolment.csv", 2, "kept"],
        [oid, "prov/enrolment.csv", 3, "merged"],
    ]
    assert res.rejects["line"].tolist() == [4]
    assert res.observation_sources["observation_id"].tolist() == [oid, oid]
    assert set(res.observation_sources["source_id"]) == set(res.sources["source_id"])
