"""Reader of the reviewed corrections table ``uhc_analysis/reference/corrections.csv``.

Raw files are never edited (``data/raw`` is append-only, copied from
``shared/data/facts``). When a reviewed source shows that a transcribed cell is
wrong - typically a figure filed under the wrong ``measure`` - the correction is
a row here instead: the raw file and line it applies to (stable, because raw
files only grow), the column, the value the raw cell must still hold, the new
value, and ``reason``, ``url`` and ``reviewer``. The reason quotes the source.
:func:`uhc_analysis.transform.corrections.apply_corrections` applies them and
lists each one applied.

Examples
--------
>>> load_corrections().columns.tolist() == list(CORRECTION_COLUMNS)
True
>>> load_corrections().index.name
'source_line'
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from uhc_analysis import config
from uhc_analysis.ingest.raw import RAW_COLUMNS, RawFileError, file_kind

#: The shipped table.
CORRECTIONS_CSV: Path = config.REFERENCE_DIR / "corrections.csv"

#: Columns of ``corrections.csv``.
CORRECTION_COLUMNS: tuple[str, ...] = (
    "file",
    "line",
    "column",
    "old_value",
    "new_value",
    "reason",
    "url",
    "reviewer",
)

#: Index name of :func:`load_corrections`: the line of the corrections table.
SOURCE_LINE: str = "source_line"


class CorrectionsError(ValueError):
    """The corrections table cannot be used; the message names file, line, column and value."""


def load_corrections(path: Path | str | None = None) -> pd.DataFrame:
    """Read and check the corrections table (default :data:`CORRECTIONS_CSV`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CORRECTION_COLUMNS`, all text except ``line`` (int),
        indexed by the physical line of the table each correction is on (index
        name :data:`SOURCE_LINE`), so an error about a correction can name it.

    Raises
    ------
    CorrectionsError
        A wrong header; ``file`` not a raw file name (``province/kind.csv``);
        ``line`` not a data line number (>= 2); ``column`` not a column of that
        kind of raw file; ``old_value`` equal to ``new_value``; an empty
        ``reason`` or ``reviewer``; a ``url`` not starting with ``http``; two
        corrections of the same cell.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "c.csv"
    >>> _ = p.write_text(",".join(CORRECTION_COLUMNS) + "\\n"
    ...     "sumsel/enrolment.csv,18,meassure,registered,active,r,https://x.example,me\\n")
    >>> load_corrections(p)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    uhc_analysis.ingest.corrections.CorrectionsError: ...c.csv: line 2: column 'column': \
value 'meassure': not a column of enrolment files
    """
    path = Path(path) if path is not None else CORRECTIONS_CSV
    text = path.read_bytes().decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader, [])]
    if tuple(header) != CORRECTION_COLUMNS:
        raise CorrectionsError(
            f"{path}: line 1: header {','.join(header)!r} differs from "
            f"{','.join(CORRECTION_COLUMNS)!r}"
        )
    rows: list[dict[str, object]] = []
    lines: list[int] = []
    seen: set[tuple[str, int, str]] = set()
    line = reader.line_num + 1
    for cells in reader:
        if not any(c.strip() for c in cells):
            line = reader.line_num + 1
            continue
        if len(cells) != len(CORRECTION_COLUMNS):
            raise CorrectionsError(
                f"{path}: line {line}: expected {len(CORRECTION_COLUMNS)} fields, "
                f"found {len(cells)}"
            )
        row = {c: v.strip() for c, v in zip(CORRECTION_COLUMNS, cells, strict=True)}

        def bad(column: str, why: str, line: int = line, row: dict[str, str] = row) -> None:
            raise CorrectionsError(
                f"{path}: line {line}: column {column!r}: value {row[column]!r}: {why}"
            )

        if not re.fullmatch(r"[\w-]+/[\w-]+\.csv", row["file"]):
            bad("file", "expected a raw file path such as 'sumsel/enrolment.csv'")
        try:
            kind = file_kind(Path(row["file"]))
        except RawFileError:
            bad("file", f"not a raw data file (kinds {sorted(RAW_COLUMNS)})")
        if not re.fullmatch(r"\d+", row["line"]) or int(row["line"]) < 2:
            bad("line", "expected the physical line number of a data row (>= 2)")
        if row["column"] not in RAW_COLUMNS[kind]:
            bad("column", f"not a column of {kind} files")
        if row["old_value"] == row["new_value"]:
            bad("new_value", "equal to old_value")
        for column in ("reason", "reviewer"):
            if not row[column]:
                bad(column, "required (a correction says why and who reviewed it)")
        if not row["url"].startswith(("http://", "https://")):
            bad("url", "the URL of the source that shows the correction is required")
        key = (row["file"], int(row["line"]), row["column"])
        if key in seen:
            bad("column", f"a second correction of {row['file']}:{row['line']}")
        seen.add(key)
        rows.append({**row, "line": int(row["line"])})
        lines.append(line)
        line = reader.line_num + 1
    index = pd.Index(lines, dtype="int64", name=SOURCE_LINE)
    out = pd.DataFrame(rows, columns=list(CORRECTION_COLUMNS), index=index)
    out["line"] = out["line"].astype("int64")
    return out
