"""Reviewed corrections in the build, and the quality summary's corrections and contradictions.

A small build of a temporary raw folder with a temporary corrections table:
the correction reclassifies one registered figure as active without touching
the raw file, is listed in ``corrections_applied.csv`` and in the quality
summary, and the accounting still balances; a correction that no longer
matches its raw cell fails the build with one line.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from uhc_analysis import config, pipeline, schemas
from uhc_analysis.analysis import quality, tables
from uhc_analysis.ingest.corrections import CORRECTION_COLUMNS, CORRECTIONS_CSV
from uhc_analysis.ingest.raw import RAW_COLUMNS
from uhc_analysis.io import read_table
from uhc_analysis.transform import clean, observations
from uhc_analysis.transform.corrections import CORRECTIONS_APPLIED, CorrectionError

SETTINGS = clean.CleanSettings(today="2026-11-23")
REASON = "the source reports tingkat keaktifan (active participants), not registration"
URL = "https://review.example/oki-2026"
REVIEWER = "A. Reviewer"


def _enr(**kw: str) -> dict[str, str]:
    row = {
        "region_level": "regency",
        "province_code": "16",
        "region_code": "1602",
        "region_name_reported": "Kabupaten Ogan Komering Ilir",
        "period": "2026-01-01",
        "enrolled": "",
        "coverage_pct": "81.85",
        "measure": "registered",
        "url": "https://a.example/1",
        "publisher": "A",
        "remarks": "",
    }
    row.update(kw)
    return row


@pytest.fixture
def raw_dir(tmp_path: Path) -> Path:
    """``prov/enrolment.csv``: line 2 the figure to reclassify, line 3 another, line 4 a reject."""
    rows = [
        _enr(),
        _enr(
            region_code="1607",
            region_name_reported="Kabupaten Banyuasin",
            coverage_pct="97.63",
            url="https://b.example/2",
        ),
        _enr(measure="insured", url="https://c.example/3"),
    ]
    folder = tmp_path / "raw" / "prov"
    folder.mkdir(parents=True)
    frame = pd.DataFrame(rows, columns=list(RAW_COLUMNS["enrolment"]), dtype=object).fillna("")
    frame.to_csv(folder / "enrolment.csv", index=False)
    return tmp_path / "raw"


def _corrections(path: Path, *rows: dict[str, object]) -> Path:
    frame = pd.DataFrame(list(rows), columns=list(CORRECTION_COLUMNS))
    frame.to_csv(path, index=False)
    return path


def _fix(**kw: object) -> dict[str, object]:
    row: dict[str, object] = {
        "file": "prov/enrolment.csv",
        "line": 2,
        "column": "measure",
        "old_value": "registered",
        "new_value": "active",
        "reason": REASON,
        "url": URL,
        "reviewer": REVIEWER,
    }
    row.update(kw)
    return row


def _measure_of_line(out: Path, line: int) -> str:
    links = read_table("observation_raw_rows", out)
    enrolment = read_table("enrolment", out)
    (oid,) = links.loc[links["line"].eq(line), "observation_id"].tolist()
    (measure,) = enrolment.loc[enrolment["observation_id"].eq(oid), "measure"].tolist()
    return str(measure)


def test_a_correction_reclassifies_a_figure_and_is_listed(raw_dir: Path, tmp_path: Path) -> None:
    raw_file = raw_dir / "prov" / "enrolment.csv"
    before = raw_file.read_bytes()
    fix = _corrections(tmp_path / "corrections.csv", _fix())
    out = tmp_path / "out"
    result = pipeline.build(raw_dir, out, verbose=False, settings=SETTINGS, corrections=fix)

    assert _measure_of_line(out, 2) == "active"
    assert _measure_of_line(out, 3) == "registered"
    assert raw_file.read_bytes() == before  # raw files are never edited
    manifest = read_table("raw_manifest", out)
    assert manifest["sha256"].tolist() == [hashlib.sha256(before).hexdigest()]

    applied = read_table("corrections_applied", out)
    assert applied.to_dict("records") == [_fix()]
    assert result.corrections_applied.equals(applied)

    accounting = read_table("accounting", out)
    assert accounting[["read", "kept", "merged", "rejected"]].values.tolist() == [[3, 2, 0, 1]]
    assert accounting["balanced"].all()

    summary = (out / "quality_summary.md").read_text(encoding="utf-8")
    section = summary.split("## Corrections applied", 1)[1].split("\n## ", 1)[0]
    assert "\n1 reviewed corrections applied" in section
    row = next(line for line in section.splitlines() if line.startswith("| prov/enrolment.csv"))
    assert row.split(" | ")[1:] == [
        "2",
        "measure",
        "registered",
        "active",
        REASON,
        URL,
        f"{REVIEWER} |",
    ]
    # the contradictions section waits for the status stage
    assert "## Contradictions with awards" in summary
    assert quality.contradictions_markdown(None) in summary


def test_without_a_corrections_table_nothing_is_corrected(raw_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    pipeline.build(raw_dir, out, verbose=False, settings=SETTINGS)
    assert _measure_of_line(out, 2) == "registered"
    applied = read_table("corrections_applied", out)
    assert applied.empty and list(applied.columns) == list(CORRECTIONS_APPLIED)
    assert "\n0 reviewed corrections applied" in (out / "quality_summary.md").read_text()
    # the shipped table is for data/raw only; another raw folder is built without it
    assert observations.default_corrections(raw_dir) is None
    assert observations.default_corrections(config.DATA_RAW) == CORRECTIONS_CSV


@pytest.mark.parametrize(
    ("fix", "expected"),
    [
        (
            _fix(old_value="survey"),
            "prov/enrolment.csv:2: column 'measure' holds 'registered', not the corrected 'survey'",
        ),
        (
            _fix(line=40),
            "prov/enrolment.csv:40: no readable raw row at that line to correct "
            "(column 'measure', value 'registered')",
        ),
        (
            _fix(file="other/enrolment.csv"),
            "other/enrolment.csv:2: no such raw file was read (column 'measure', "
            "value 'registered')",
        ),
    ],
    ids=["stale-value", "no-such-line", "no-such-file"],
)
def test_a_correction_that_does_not_apply_fails_the_build(
    raw_dir: Path, tmp_path: Path, fix: dict[str, object], expected: str
) -> None:
    table = _corrections(tmp_path / "corrections.csv", _fix(line=3, old_value="registered"), fix)
    out = tmp_path / "out"
    with pytest.raises(CorrectionError) as info:
        pipeline.build(raw_dir, out, verbose=False, settings=SETTINGS, corrections=table)
    message = str(info.value)
    assert "\n" not in message
    # the corrections table's line (its header is line 1, the bad correction line 3)
    assert message.startswith(f"{table}: line 3: {expected}")
    assert not (out / "enrolment.csv").exists()  # nothing was written


def test_corrections_applied_table_is_registered() -> None:
    assert schemas.columns_of("corrections_applied") == CORRECTIONS_APPLIED
    assert schemas.PRIMARY_KEYS["corrections_applied"] == ("file", "line", "column")
    assert tables.CLEAN_TABLES["corrections_applied"] == "corrections_applied"


def _contradictions() -> pd.DataFrame:
    row = {
        "region_code": "1602",
        "region_name": "Ogan Komering Ilir",
        "measure": "registered",
        "figure_observation_id": "E-1602-2026-01-01-0000",
        "figure_date": "2026-01-01",
        "figure_pct": 81.85,
        "award_observation_id": "C-1602-2026-01-27-0000",
        "award_year": 2026,
        "award_tier": "pratama",
        "award_evidence_date": "2026-01-27",
        "implied_min_pct": 98.0,
        "gap_pp": -16.15,
        "days_apart": 26.0,
        "note": "n",
    }
    return schemas.validate(pd.DataFrame([row]), "uhc_contradictions")


def test_contradictions_are_flagged_in_the_quality_summary(raw_dir: Path) -> None:
    result = observations.clean_all(raw_dir, SETTINGS)
    built = quality.quality_summary(result)
    flagged = quality.with_contradictions(built, _contradictions())
    # filling the section in is what rendering it with the table gives, and is idempotent
    assert flagged == quality.quality_summary(result, contradictions=_contradictions())
    assert quality.with_contradictions(flagged, _contradictions()) == flagged
    section = flagged.split("## Contradictions with awards", 1)[1]
    assert section.count("\n1 figures contradict an award of the same period") == 1
    assert "| Ogan Komering Ilir | registered | 2026-01-01 | 81.85 | 2026 | pratama |" in section
    assert quality.contradictions_markdown(None) not in flagged
    assert built == quality.quality_summary(result)  # deterministic
    with pytest.raises(ValueError, match="rebuild it"):
        quality.with_contradictions("# no block", _contradictions())
