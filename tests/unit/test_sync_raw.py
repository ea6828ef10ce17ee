"""``sync-raw`` only appends: new files and new rows are copied, edits of raw lines refused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from uhc_analysis.ingest.raw import RawFileError, discover_raw_files, sync_raw

HEADER = b"region_level,province_code\n"


def _facts(tmp_path: Path, content: bytes) -> Path:
    facts = tmp_path / "facts" / "bengkulu"
    facts.mkdir(parents=True, exist_ok=True)
    (facts / "enrolment.csv").write_bytes(content)
    return tmp_path / "facts"


def test_new_rows_are_appended(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    facts = _facts(tmp_path, HEADER + b"regency,17\n")
    assert [p.name for p in sync_raw(facts, raw)] == ["enrolment.csv"]
    _facts(tmp_path, HEADER + b"regency,17\nprovince,17\n")
    assert sync_raw(facts, raw) == [raw / "bengkulu" / "enrolment.csv"]
    assert (raw / "bengkulu" / "enrolment.csv").read_bytes().endswith(b"province,17\n")
    assert sync_raw(facts, raw) == []  # nothing new
    assert not [p for p in (raw / "bengkulu").iterdir() if p.name.endswith(".tmp")]


def test_an_edited_raw_line_is_refused_and_named(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    facts = _facts(tmp_path, HEADER + b"regency,17\n")
    sync_raw(facts, raw)
    before = (raw / "bengkulu" / "enrolment.csv").read_bytes()
    _facts(tmp_path, HEADER + b"regency,16\n")
    with pytest.raises(RawFileError, match=r"line\(s\) 2 .*append-only"):
        sync_raw(facts, raw)
    assert (raw / "bengkulu" / "enrolment.csv").read_bytes() == before


def test_missing_facts_folder_and_symlinks_are_refused(tmp_path: Path) -> None:
    with pytest.raises(RawFileError, match="does not exist"):
        sync_raw(tmp_path / "nowhere", tmp_path / "raw")
    facts = _facts(tmp_path, HEADER)
    os.symlink("/etc/passwd", facts / "bengkulu" / "population.csv")
    with pytest.raises(RawFileError, match="symbolic link"):
        sync_raw(facts, tmp_path / "raw")


def test_criteria_file_is_not_taken_as_figures(tmp_path: Path) -> None:
    (tmp_path / "national").mkdir()
    (tmp_path / "national" / "uhc_criteria.csv").write_text("scheme\n")
    (tmp_path / "national" / "enrolment.csv").write_text("x\n")
    assert [p.relative_to(tmp_path).as_posix() for p in discover_raw_files(tmp_path)] == [
        "national/enrolment.csv"
    ]
