"""Broken raw files: every problem gets a clear error or a reject row, never a traceback.

Each test writes its fixture into ``tmp_path`` (no binary fixture is committed)
and checks one of two outcomes:

* the whole file cannot be read: :class:`~uhc_analysis.ingest.raw.RawFileError`
  (a ``ValueError``) whose message names the file, the line and the value;
* a row cannot be used: a reject ``(file, line, column, value, reason)``,
  and the per-file accounting balances (``read == kept + merged + rejected``).

The command line turns a ``RawFileError`` into exit code 2 and one line on
stderr. Tests whose docstring says "Regression" pin bugs found (and fixed) while
writing this file.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from uhc_analysis.ingest.raw import RAW_COLUMNS, RawFileError, read_raw_file
from uhc_analysis.transform import observations
from uhc_analysis.transform.clean import CleanSettings
from uhc_analysis.transform.observations import CleanResult

SETTINGS = CleanSettings(today="2026-11-23")
PROJECT_ROOT = Path(__file__).resolve().parents[2]

#: One valid row per kind of file (Mukomuko, Bengkulu: a focus-province regency).
GOOD: dict[str, dict[str, str]] = {
    "enrolment": {
        "region_level": "regency",
        "province_code": "17",
        "region_code": "1706",
        "region_name_reported": "Kab. Muko-Muko",
        "period": "2023-09",
        "enrolled": "150000",
        "coverage_pct": "95,5",
        "measure": "registered",
        "population": "157068",
        "population_basis": "dukcapil_dkb",
        "published": "2023-10-02",
        "publisher": "Synthetic Post",
        "url": "https://example.org/mukomuko-2023-09",
        "remarks": "per 30 Sep 2023, stated by the Dinkes",
    },
    "population": {
        "region_level": "regency",
        "province_code": "17",
        "region_code": "1706",
        "region_name_reported": "Mukomuko",
        "period": "2023-06",
        "population": "157.068",
        "basis": "dukcapil_dkb",
        "published": "",
        "publisher": "Dukcapil",
        "url": "https://example.org/dkb-2023-s1",
        "remarks": "DKB semester I",
    },
    "commitments": {
        "region_level": "regency",
        "province_code": "17",
        "region_code": "1706",
        "region_name_reported": "Kabupaten Mukomuko",
        "date": "2024-01-15",
        "kind": "budget",
        "target_pct": "",
        "target_date": "",
        "budget_idr": "Rp 6,6 miliar",
        "people_funded": "12.500",
        "segment": "PBI APBD",
        "published": "",
        "publisher": "Pemkab",
        "url": "https://example.org/apbd-2024",
        "remarks": "",
    },
}


def header(kind: str, sep: str = ",") -> str:
    return sep.join(RAW_COLUMNS[kind])


def row(kind: str = "enrolment", sep: str = ",", **changes: str) -> str:
    """A CSV line of the good row of ``kind`` with some fields changed (quoted as needed)."""
    values = {**GOOD[kind], **changes}
    cells = []
    for column in RAW_COLUMNS[kind]:
        value = values[column]
        quoted = '"' + value.replace('"', '""') + '"'
        cells.append(quoted if sep in value or '"' in value else value)
    return sep.join(cells)


def lines(*parts: str, eol: str = "\n") -> str:
    return eol.join(parts) + eol


@pytest.fixture
def raw_dir(tmp_path: Path) -> Path:
    path = tmp_path / "raw"
    path.mkdir()
    return path


def put(raw_dir: Path, rel: str, content: str | bytes) -> Path:
    path = raw_dir / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def run(raw_dir: Path) -> CleanResult:
    """Clean every file below ``raw_dir``; check the invariants every run must keep."""
    files = sorted(raw_dir.rglob("*.csv"))
    result = observations.clean_files(files, raw_dir=raw_dir, settings=SETTINGS)
    acc = result.accounting
    assert (acc["read"] == acc["kept"] + acc["merged"] + acc["rejected"]).all(), acc
    assert acc["balanced"].all(), acc
    rejects = result.rejects
    assert list(rejects.columns) == ["file", "line", "column", "value", "reason"]
    for r in rejects.itertuples(index=False):
        assert r.file and int(r.line) >= 1 and r.reason, r
        assert "Traceback" not in r.reason and not r.reason.startswith("KeyError"), r
    return result


def only_reject(result: CleanResult) -> pd.Series:
    assert len(result.rejects) == 1, result.rejects
    return result.rejects.iloc[0]


def totals(result: CleanResult) -> tuple[int, int, int, int]:
    t = result.accounting[["read", "kept", "merged", "rejected"]].sum()
    return int(t["read"]), int(t["kept"]), int(t["merged"]), int(t["rejected"])


def assert_file_error(path: Path, raw_dir: Path, *fragments: str) -> str:
    """``read_raw_file`` and ``clean_files`` raise RawFileError naming all fragments."""
    with pytest.raises(RawFileError) as info:
        read_raw_file(path, raw_dir)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    with pytest.raises(RawFileError):
        observations.clean_files([path], raw_dir=raw_dir, settings=SETTINGS)
    assert "\n" not in message, "the message must fit on one line"
    return message


# --------------------------------------------------------------------------- whole-file errors


def test_empty_file_is_an_error_naming_the_file(raw_dir: Path) -> None:
    path = put(raw_dir, "bengkulu/enrolment.csv", "")
    assert_file_error(path, raw_dir, "bengkulu/enrolment.csv", "empty", "region_level")


def test_whitespace_only_file_is_empty(raw_dir: Path) -> None:
    path = put(raw_dir, "bengkulu/population.csv", "\n\r\n   \n")
    assert_file_error(path, raw_dir, "bengkulu/population.csv", "empty")


@pytest.mark.parametrize("sep", [";", "\t"])
def test_wrong_delimiter_is_named(raw_dir: Path, sep: str) -> None:
    path = put(raw_dir, "bengkulu/enrolment.csv", lines(header("enrolment", sep), row(sep=sep)))
    assert_file_error(path, raw_dir, "bengkulu/enrolment.csv", "line 1", repr(sep), "region_level")


def test_latin1_file_names_line_and_bytes(raw_dir: Path) -> None:
    text = lines(header("enrolment"), row(), row(period="2023-10", remarks="café, Dinas"))
    path = put(raw_dir, "bengkulu/enrolment.csv", text.encode("latin-1"))
    message = assert_file_error(path, raw_dir, "bengkulu/enrolment.csv", "line 3", "UTF-8")
    assert r"\xe9" in message, "the offending bytes are quoted"


def test_utf16_file_is_not_read_as_garbage(raw_dir: Path) -> None:
    path = put(raw_dir, "bengkulu/enrolment.csv", lines(header("enrolment")).encode("utf-16"))
    assert_file_error(path, raw_dir, "bengkulu/enrolment.csv", "line 1", "UTF-8")


def test_missing_column_is_named_with_the_header_line(raw_dir: Path) -> None:
    cols = [c for c in RAW_COLUMNS["enrolment"] if c != "coverage_pct"]
    body = ",".join(
        GOOD["enrolment"][c] if "," not in GOOD["enrolment"][c] else '"x"' for c in cols
    )
    path = put(raw_dir, "bengkulu/enrolment.csv", lines(",".join(cols), body))
    assert_file_error(path, raw_dir, "bengkulu/enrolment.csv", "line 1", "coverage_pct")


def test_unexpected_and_repeated_columns_are_named(raw_dir: Path) -> None:
    cols = [*RAW_COLUMNS["population"], "notes", "period"]
    path = put(raw_dir, "sumsel/population.csv", lines(",".join(cols)))
    assert_file_error(path, raw_dir, "sumsel/population.csv", "line 1", "notes", "period")


def test_header_too_far_down_is_an_error(raw_dir: Path) -> None:
    titles = [f"Rekap {i}" for i in range(12)]
    path = put(raw_dir, "bengkulu/enrolment.csv", lines(*titles, header("enrolment"), row()))
    assert_file_error(path, raw_dir, "bengkulu/enrolment.csv", "no header", "Rekap 0")


def test_unknown_kind_of_file_is_named(raw_dir: Path) -> None:
    path = put(raw_dir, "bengkulu/notes.csv", "a,b\n1,2\n")
    with pytest.raises(RawFileError, match=r"notes\.csv.*enrolment"):
        read_raw_file(path, raw_dir)


# --------------------------------------------------------------------------- rows -> rejects


def test_header_only_file_reads_zero_rows(raw_dir: Path) -> None:
    put(raw_dir, "bengkulu/enrolment.csv", lines(header("enrolment")))
    result = run(raw_dir)
    assert totals(result) == (0, 0, 0, 0)
    assert result.enrolment.empty and result.rejects.empty


@pytest.mark.parametrize("eol", ["\n", "\r\n"])
@pytest.mark.parametrize("final_newline", [True, False])
def test_truncated_last_row_is_rejected(raw_dir: Path, eol: str, final_newline: bool) -> None:
    cut = row(period="2023-10")[:43]  # cut mid-way through the enrolled figure
    assert cut.endswith(",2023-10,1500")
    text = lines(header("enrolment"), row(), cut, eol=eol)
    put(raw_dir, "bengkulu/enrolment.csv", text if final_newline else text.rstrip(eol))
    result = run(raw_dir)
    reject = only_reject(result)
    assert (reject["file"], reject["line"], reject["value"]) == ("bengkulu/enrolment.csv", 3, cut)
    assert re.search(r"expected 14 fields, found \d+ \(truncated row", reject["reason"])
    assert totals(result) == (2, 1, 0, 1)


def test_row_truncated_inside_a_quoted_field_is_rejected(raw_dir: Path) -> None:
    full = row(period="2023-10", publisher="Post, Bengkulu")
    cut = full[: full.index("Bengkulu")]  # the file ends inside the quoted publisher
    put(raw_dir, "bengkulu/enrolment.csv", lines(header("enrolment"), row()) + cut)
    result = run(raw_dir)
    reject = only_reject(result)
    assert reject["line"] == 3 and "unbalanced quote" in reject["reason"]
    assert totals(result) == (2, 1, 0, 1)


def test_file_cut_inside_the_quoted_last_field_is_rejected(raw_dir: Path) -> None:
    """A file cut inside its quoted *last* field is rejected, not kept with truncated remarks.

    Regression: ``raw.read_raw_file`` used ``csv`` with ``strict=False``, so the
    cut row still had 14 fields and was kept (remarks carry the lower-bound flags).
    """
    full = row(period="2023-10", remarks="LOWER BOUND, 'lebih dari 95 persen'")
    cut = full[: full.index("dari")]
    put(raw_dir, "bengkulu/enrolment.csv", lines(header("enrolment"), row()) + cut)
    result = run(raw_dir)
    assert totals(result) == (2, 1, 0, 1)
    assert only_reject(result)["line"] == 3


def test_unbalanced_quote_does_not_swallow_the_following_rows(raw_dir: Path) -> None:
    """A stray quote costs its own line only, not every line after it.

    Regression: ``raw.read_raw_file`` let the csv module swallow all following
    lines into one record; valid rows vanished without a reject of their own.
    """
    plain = {"coverage_pct": "95.5", "remarks": "no quotes in this file"}
    stray = row(**plain).replace(",Synthetic Post,", ',"Synthetic Post,')  # opening quote only
    text = lines(
        header("enrolment"), stray, row(period="2023-10", **plain), row(period="2023-11", **plain)
    )
    put(raw_dir, "bengkulu/enrolment.csv", text)
    result = run(raw_dir)
    assert totals(result) == (3, 2, 0, 1)
    assert only_reject(result)["line"] == 2


def test_spreadsheet_title_rows_are_rejected_and_counted(raw_dir: Path) -> None:
    text = lines(
        "Rekap Kepesertaan JKN Kabupaten Mukomuko 2023", ",,,,,,", header("enrolment"), row()
    )
    put(raw_dir, "bengkulu/enrolment.csv", text)
    result = run(raw_dir)
    # the all-empty spreadsheet row is a blank line, not a row; the title is a rejected row
    assert totals(result) == (2, 1, 0, 1)
    assert list(result.rejects["line"]) == [1]
    assert set(result.rejects["reason"]) == {"title row above the header"}
    assert result.rejects["value"].iloc[0].startswith("Rekap Kepesertaan")


def test_repeated_header_inside_the_file_is_rejected(raw_dir: Path) -> None:
    text = lines(header("enrolment"), row(), header("enrolment"), row(period="2023-10"))
    put(raw_dir, "bengkulu/enrolment.csv", text)
    result = run(raw_dir)
    reject = only_reject(result)
    assert (reject["line"], reject["reason"]) == (3, "repeated header line")
    assert totals(result) == (3, 2, 0, 1)


#: (kind, changed fields, rejected column, value quoted, reason pattern)
ROW_PROBLEMS: dict[str, tuple[str, dict[str, str], str, str, str]] = {
    "negative_count": ("enrolment", {"enrolled": "-150000"}, "enrolled", "-150000", "negative"),
    "negative_population": (
        "population",
        {"population": "-157.068"},
        "population",
        "-157.068",
        "negative",
    ),
    "negative_percent": ("enrolment", {"coverage_pct": "-5"}, "coverage_pct", "-5", "negative"),
    "zero_count": ("enrolment", {"enrolled": "0"}, "enrolled", "0", r"outside 1\.\."),
    "absurd_count": (
        "enrolment",
        {"enrolled": "999.999.999.999"},
        "enrolled",
        "999.999.999.999",
        r"outside 1\.\.400,000,000",
    ),
    "absurd_population": (
        "population",
        {"population": "7,9 miliar"},
        "population",
        "7,9 miliar",
        "outside",
    ),
    "coverage_250": ("enrolment", {"coverage_pct": "250"}, "coverage_pct", "250", "outside 0-200"),
    "coverage_250_comma": (
        "enrolment",
        {"coverage_pct": "250,5"},
        "coverage_pct",
        "250,5",
        "outside 0-200",
    ),
    "future_period": ("enrolment", {"period": "2030-01"}, "period", "2030-01", "in the future"),
    "future_year": ("population", {"period": "2031"}, "period", "2031", "in the future"),
    "future_commitment": (
        "commitments",
        {"date": "2027-01-01"},
        "date",
        "2027-01-01",
        "in the future",
    ),
    "impossible_date": ("enrolment", {"period": "2023-02-30"}, "period", "2023-02-30", "date"),
    "malformed_number": (
        "enrolment",
        {"enrolled": "8,39,1x"},
        "enrolled",
        "8,39,1x",
        "malformed count",
    ),
    "malformed_percent": (
        "enrolment",
        {"coverage_pct": "97,6,3"},
        "coverage_pct",
        "97,6,3",
        "malformed percent",
    ),
    "malformed_money": (
        "commitments",
        {"budget_idr": "Rp 6,6,6 miliar"},
        "budget_idr",
        "Rp 6,6,6 miliar",
        "malformed money",
    ),
    "fractional_people": (
        "population",
        {"population": "157068,5"},
        "population",
        "157068,5",
        "whole number",
    ),
    "unknown_region_name": (
        "enrolment",
        {"region_code": "", "region_name_reported": "Kabupaten Atlantis"},
        "region_name_reported",
        "Kabupaten Atlantis",
        r"cannot resolve.*region_aliases\.csv",
    ),
    "unknown_region_code": (
        "enrolment",
        {"region_code": "1798"},
        "region_code",
        "1798",
        "unknown BPS code 1798",
    ),
    "code_name_disagree": (
        "enrolment",
        {"region_code": "1701"},
        "region_name_reported",
        "Kab. Muko-Muko",
        r"region_code 1701 \(Bengkulu Selatan\) disagrees",
    ),
    "code_in_other_province": (
        "population",
        {"province_code": "16"},
        "region_code",
        "1706",
        "not in province 16",
    ),
    "bad_level": (
        "enrolment",
        {"region_level": "kecamatan"},
        "region_level",
        "kecamatan",
        "one of",
    ),
    "bad_measure": ("enrolment", {"measure": "insured"}, "measure", "insured", "one of"),
    "bad_basis": ("population", {"basis": "guess"}, "basis", "guess", "unknown population basis"),
    "no_url": ("population", {"url": "www.example.org"}, "url", "www.example.org", "http"),
    "no_figure": ("enrolment", {"enrolled": "", "coverage_pct": ""}, "enrolled", "", "no figure"),
}


@pytest.mark.parametrize("case", sorted(ROW_PROBLEMS))
def test_bad_value_is_one_reject_with_column_value_and_reason(raw_dir: Path, case: str) -> None:
    kind, changes, column, value, reason = ROW_PROBLEMS[case]
    ok = {
        "enrolment": {"period": "2023-08"},
        "population": {"period": "2022-12"},
        "commitments": {"date": "2023-01-15"},
    }[kind]
    put(raw_dir, f"bengkulu/{kind}.csv", lines(header(kind), row(kind, **ok), row(kind, **changes)))
    result = run(raw_dir)
    reject = only_reject(result)
    assert (reject["file"], reject["line"]) == (f"bengkulu/{kind}.csv", 3)
    assert (reject["column"], reject["value"]) == (column, value)
    assert re.search(reason, reject["reason"]), reject["reason"]
    assert totals(result) == (2, 1, 0, 1)


@pytest.mark.parametrize(("province", "code"), [("17", "1706"), ("65", "6501")])
def test_unknown_name_with_a_valid_code_is_rejected(
    raw_dir: Path, province: str, code: str
) -> None:
    """An unknown name is rejected even when the row's code is one of its closest spellings.

    Regression: ``uhc_analysis.transform.clean._region`` accepted it when the code was among the
    difflib suggestions (cutoff 0) of the error, e.g. ``"Zzzz"`` with 1706.
    """
    changes = {"province_code": province, "region_code": code, "region_name_reported": "Zzzz"}
    put(raw_dir, "x/enrolment.csv", lines(header("enrolment"), row(**changes)))
    reject = only_reject(run(raw_dir))
    assert reject["column"] == "region_name_reported" and "does not resolve" in reject["reason"]


def test_coverage_above_120_is_kept_and_flagged(raw_dir: Path) -> None:
    put(
        raw_dir,
        "bengkulu/enrolment.csv",
        lines(header("enrolment"), row(coverage_pct="150", population="")),
    )
    result = run(raw_dir)
    assert result.rejects.empty and bool(result.enrolment["over_120"].iloc[0])


def test_duplicated_row_is_merged_not_lost(raw_dir: Path) -> None:
    put(raw_dir, "bengkulu/enrolment.csv", lines(header("enrolment"), row(), row()))
    result = run(raw_dir)
    assert totals(result) == (2, 1, 1, 0)
    obs = result.enrolment.iloc[0]
    assert obs["raw_refs"] == "bengkulu/enrolment.csv:2;bengkulu/enrolment.csv:3"
    assert (obs["enrolled"], obs["coverage_pct"]) == (150000, 95.5)


def test_duplicated_row_in_another_file_is_merged_there(raw_dir: Path) -> None:
    put(raw_dir, "bengkulu/enrolment.csv", lines(header("enrolment"), row()))
    put(raw_dir, "copy/enrolment.csv", lines(header("enrolment"), row(), eol="\r\n"))
    result = run(raw_dir)
    acc = result.accounting.set_index("file")
    assert acc.loc["bengkulu/enrolment.csv", ["kept", "merged"]].tolist() == [1, 0]
    assert acc.loc["copy/enrolment.csv", ["kept", "merged"]].tolist() == [0, 1]
    assert len(result.enrolment) == 1


def test_every_problem_in_one_file_balances(raw_dir: Path) -> None:
    """All row-level problems together, with title rows, CRLF and a BOM, still balance."""
    bad_rows = [row(k, **c) for k, c, *_ in ROW_PROBLEMS.values() if k == "enrolment"]
    text = lines(
        "Rekap JKN",
        header("enrolment"),
        row(),
        row(),
        *bad_rows,
        header("enrolment"),
        row(period="2023-10")[:30],
        row(period="2023-11"),
        eol="\r\n",
    )
    put(raw_dir, "bengkulu/enrolment.csv", "\ufeff" + text)
    result = run(raw_dir)
    n_bad = len(bad_rows) + 3  # + title row, repeated header, truncated row
    assert totals(result) == (3 + n_bad, 2, 1, n_bad)
    assert result.rejects["line"].is_unique


# --------------------------------------------------------------------------- command line


def cli(raw: Path, out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "UHC_ANALYSIS_TODAY": "2026-11-23", "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "uhc_analysis", "--raw-dir", str(raw), "--out-dir", str(out), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=raw.parent,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("content", "fragments"),
    [
        (lines(header("enrolment", ";"), row(sep=";")).encode(), ["';'", "line 1"]),
        (lines(header("enrolment"), row(remarks="café")).encode("latin-1"), ["line 2", "UTF-8"]),
        (b"", ["empty"]),
    ],
    ids=["semicolon", "latin1", "empty"],
)
def test_cli_build_on_a_broken_file_exits_2_with_one_line(
    tmp_path: Path, content: bytes, fragments: list[str]
) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    put(raw, "bengkulu/population.csv", lines(header("population"), row("population")))
    put(raw, "bengkulu/enrolment.csv", content)
    proc = cli(raw, out, "build")
    assert proc.returncode == 2, proc.stderr
    err = proc.stderr.strip().splitlines()
    assert len(err) == 1, proc.stderr
    assert err[0].startswith("uhc-analysis: bengkulu/enrolment.csv")
    for fragment in fragments:
        assert fragment in err[0]
    assert "Traceback" not in proc.stderr
    assert not out.exists() or not any(out.glob("*.csv")), "nothing is written on error"


def test_cli_build_on_a_missing_raw_dir_exits_2(tmp_path: Path) -> None:
    proc = cli(tmp_path / "nowhere", tmp_path / "out", "build")
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "does not exist" in proc.stderr


def test_cli_build_without_checkable_figures_succeeds(tmp_path: Path) -> None:
    """A build with no figure to cross-check still writes its quality summary.

    Regression: ``quality.quality_summary`` got a bare ``KeyError`` indexing the
    empty ``recompute_check`` frame with its (object dtype) ``beyond_rounding``.
    """
    raw, out = tmp_path / "raw", tmp_path / "out"
    put(raw, "bengkulu/enrolment.csv", lines(header("enrolment"), row(population="")))
    proc = cli(raw, out, "build")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (out / "coverage_panel.csv").exists()


def test_recompute_check_of_nothing_has_boolean_flags() -> None:
    """An empty recompute check keeps ``beyond_rounding`` boolean (usable as a row mask).

    Regression: the empty frame's column was object dtype, so ``checks[mask]``
    selected columns instead of rows.
    """
    from uhc_analysis import schemas
    from uhc_analysis.transform import panel

    checks = panel.recompute_check(
        pd.DataFrame(columns=list(schemas.ENROLMENT)),
        population=pd.DataFrame(columns=list(schemas.POPULATION)),
    )
    assert checks["beyond_rounding"].dtype == bool
    assert list(checks[checks["beyond_rounding"]].columns) == list(checks.columns)


def test_cli_build_with_row_problems_succeeds_and_balances(tmp_path: Path) -> None:
    raw, out = tmp_path / "raw", tmp_path / "out"
    put(
        raw,
        "bengkulu/enrolment.csv",
        lines(
            header("enrolment"),
            row(),
            row(),
            *[row(k, **c) for k, c, *_ in ROW_PROBLEMS.values() if k == "enrolment"],
        ),
    )
    put(raw, "bengkulu/population.csv", lines(header("population"), row("population")))
    proc = cli(raw, out, "build")
    assert proc.returncode == 0, proc.stderr[-2000:]
    acc = pd.read_csv(out / "accounting.csv")
    assert acc["balanced"].all()
    assert (acc["read"] == acc["kept"] + acc["merged"] + acc["rejected"]).all()
    rejects = pd.read_csv(out / "rejects.csv", keep_default_na=False)
    assert len(rejects) == acc["rejected"].sum() > 0
    assert (out / "coverage_panel.csv").stat().st_size > 0
