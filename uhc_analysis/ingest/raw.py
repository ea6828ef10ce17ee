"""Readers for the transcribed raw figures in ``data/raw/`` (the first stage).

The raw files are immutable CSVs copied from ``shared/data/facts``; one folder
per province, three kinds of file (``enrolment``, ``population``,
``commitments``). This module only *reads*: it checks encoding, delimiter and
header, finds the header below any spreadsheet-style title rows, and returns
every data row as text with its file and line number. Rows that cannot be read
as a row (wrong number of fields, a repeated header, a title row) go to the
rejects with a reason; problems with a whole file raise :class:`RawFileError`
naming the file, line and value.

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "population.csv").write_text(",".join(RAW_COLUMNS["population"]) + "\\n")
>>> read_raw_file(d / "population.csv").rows.shape[0]
0
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from uhc_analysis import config, schemas

#: Columns of each kind of raw file, as described in ``data/raw/FACTS_README.md``
#: (the text columns of the models in :data:`uhc_analysis.schemas.RAW_TABLES`).
RAW_COLUMNS: dict[str, tuple[str, ...]] = {
    kind: tuple(c for c in schemas.columns_of(model) if not c.startswith("_"))
    for kind, model in schemas.RAW_TABLES.items()
}

#: How many lines above the header may be spreadsheet title rows.
MAX_TITLE_ROWS = 10


class RawFileError(ValueError):
    """A raw file cannot be read at all; the message names file, line and value."""


@dataclass
class RawFile:
    """The readable rows of one raw file, and the rows that were not.

    ``rows`` has the file's columns as text plus ``_file`` (path relative to the
    raw folder) and ``_line`` (1-based physical line of the row's start), as
    declared by the file kind's model in :data:`uhc_analysis.schemas.RAW_TABLES`.
    ``rejects`` is a list of ``(file, line, column, value, reason)`` tuples.
    """

    file: str
    kind: str
    sha256: str
    n_read: int
    rows: pd.DataFrame
    rejects: list[tuple[str, int, str, str, str]] = field(default_factory=list)


def file_kind(path: Path) -> str:
    """Kind of raw file from its name (``enrolment*.csv`` -> ``enrolment``).

    Examples
    --------
    >>> file_kind(Path("sumsel/enrolment.csv"))
    'enrolment'
    """
    stem = path.stem.lower()
    for kind in RAW_COLUMNS:
        if stem.startswith(kind):
            return kind
    raise RawFileError(
        f"{path}: cannot tell the kind of file from its name; expected a name starting with "
        f"one of {sorted(RAW_COLUMNS)}"
    )


#: Raw files that are not figures: read by their own readers, not by the cleaning
#: stage (``national/uhc_criteria.csv``: :mod:`uhc_analysis.ingest.criteria`).
REFERENCE_FILES: frozenset[str] = frozenset({"national/uhc_criteria.csv"})

#: Suffixes of documentation files kept beside the raw figures (never data).
DOC_SUFFIXES: tuple[str, ...] = (".md",)


def _is_figures_file(path: Path, raw_dir: Path) -> bool:
    """A ``.csv`` (any case) that is not hidden and not a reference file."""
    rel = path.relative_to(raw_dir).as_posix().lower()
    return (
        path.suffix.lower() == ".csv"
        and not path.name.startswith(".")
        and rel not in REFERENCE_FILES
        and not path.is_symlink()
    )


def discover_raw_files(raw_dir: Path | None = None) -> list[Path]:
    """All raw figure files below ``raw_dir``, sorted (new files are picked up as data).

    Every CSV is a figures file (the extension in any case: ``enrolment.CSV``)
    except the reference files in :data:`REFERENCE_FILES`; a CSV whose name
    tells no kind is an error later (:func:`file_kind`), never skipped
    silently, and so is a folder named like a CSV. Everything else below the
    folder that is not documentation is listed by :func:`unread_files`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> (d / "bengkulu").mkdir()
    >>> for name in ("enrolment.CSV", "population.csv", "notes.xlsx", "README.md"):
    ...     _ = (d / "bengkulu" / name).write_text("x")
    >>> [p.name for p in discover_raw_files(d)]
    ['enrolment.CSV', 'population.csv']
    >>> unread_files(d)
    [('bengkulu/notes.xlsx', 'not a .csv file')]
    """
    raw_dir = Path(raw_dir or config.DATA_RAW)
    if not raw_dir.is_dir():
        raise RawFileError(
            f"{config.display_path(raw_dir)}: the raw data folder does not exist; "
            "pass --raw-dir with the folder of the raw CSV files"
        )
    files = []
    for path in sorted(raw_dir.rglob("*")):
        if not _is_figures_file(path, raw_dir):
            continue
        if path.is_dir():
            raise RawFileError(
                f"{path.relative_to(raw_dir).as_posix()}: is a folder, expected a raw CSV "
                "file; rename or remove it"
            )
        files.append(path)
    return files


def unread_files(raw_dir: Path | None = None) -> list[tuple[str, str]]:
    """Files below ``raw_dir`` that look like data but the build does not read, with why.

    Everything that is neither a figures file (:func:`discover_raw_files`), a
    reference file nor documentation (``*.md``): spreadsheets, other
    extensions, hidden files, symbolic links (never followed). The build
    names each one, so no data is skipped without a word.
    """
    raw_dir = Path(raw_dir or config.DATA_RAW)
    if not raw_dir.is_dir():
        return []
    out = []
    for path in sorted(raw_dir.rglob("*")):
        rel = path.relative_to(raw_dir).as_posix()
        if path.is_symlink():
            out.append((rel, "a symbolic link (never followed); copy the file itself"))
        elif path.is_dir() or _is_figures_file(path, raw_dir):
            continue
        elif rel.lower() in REFERENCE_FILES or path.suffix.lower() in DOC_SUFFIXES:
            continue
        elif path.name.startswith("."):
            out.append((rel, "a hidden file"))
        else:
            out.append((rel, "not a .csv file"))
    return out


def _encoding_guess(data: bytes) -> str:
    """What a file that is not UTF-8 most likely is (for the message).

    Examples
    --------
    >>> _encoding_guess("a,b".encode("utf-16")), _encoding_guess("café".encode("latin-1"))
    ('UTF-16', 'Latin-1/Windows-1252')
    """
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or data[:4] in (b"\xff\xfe\x00\x00",):
        return "UTF-16" if data[:4] != b"\xff\xfe\x00\x00" else "UTF-32"
    head = data[:4000]
    if head and head.count(b"\x00") > len(head) // 4:
        return "UTF-16"  # ASCII text with a NUL byte after (or before) every character
    try:
        head.decode("cp1252")
    except UnicodeDecodeError:
        return "an unknown encoding"
    return "Latin-1/Windows-1252"


def _decode(path: Path, data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        bad = data[exc.start : exc.start + 8]
        raise RawFileError(
            f"{path}: line {line}: not valid UTF-8 (bytes {bad!r} at offset {exc.start}); "
            f"it looks like {_encoding_guess(data)}: re-save the file as UTF-8"
        ) from exc
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise RawFileError(
            f"{path}: line {line}: holds NUL bytes (a binary file, or {_encoding_guess(data)}); "
            "re-save the file as UTF-8 CSV"
        )
    if "\r" in text and "\n" not in text:
        raise RawFileError(
            f"{path}: line 1: the lines end in a bare carriage return (CR, old Mac style); "
            "re-save the file with LF or CRLF line endings"
        )
    return text


def _header_key(cells: list[str]) -> list[str]:
    return [c.strip().lower() for c in cells]


def _lines_of(text: str) -> list[str]:
    """Physical lines ending in LF (CRLF stays intact); other separators are content."""
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


class _Lines:
    """An iterator over lines that can be rewound (for re-reading after a bad quote)."""

    def __init__(self, lines: list[str]) -> None:
        self.lines, self.pos = lines, 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self.pos >= len(self.lines):
            raise StopIteration
        self.pos += 1
        return self.lines[self.pos - 1]


def _split_records(
    text: str, name: str
) -> tuple[list[tuple[int, list[str]]], list[tuple[str, int, str, str, str]]]:
    """CSV records with their first line number; lines with an unbalanced quote are rejected.

    A record whose raw text holds an odd number of double quotes has an
    unbalanced quote (a stray ``"`` or a file cut inside a quoted field). The
    csv module would swallow every following line into it; instead its first
    line is rejected and reading resumes on the next line, so no valid row
    vanishes with it.
    """
    lines = _lines_of(text)
    source = _Lines(lines)
    records: list[tuple[int, list[str]]] = []
    rejects: list[tuple[str, int, str, str, str]] = []
    reader = csv.reader(source, strict=False)  # between records it holds no state: reused
    while source.pos < len(lines):
        start = source.pos
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            what = (
                "a bare carriage return (CR) inside an unquoted field"
                if "new-line" in str(exc)
                else str(exc)
            )
            raise RawFileError(
                f"{name}: line {start + 1}: {what}; re-save the file with LF or CRLF line "
                "endings (quote fields that hold line breaks)"
            ) from exc
        raw_text = lines[start] if source.pos == start + 1 else "".join(lines[start : source.pos])
        if raw_text.count('"') % 2:
            rejects.append(
                (
                    name,
                    start + 1,
                    "",
                    lines[start].rstrip("\r\n")[:200],
                    "unbalanced quote (a stray double quote, or the file is cut inside a "
                    "quoted field)",
                )
            )
            source.pos = start + 1
            continue
        records.append((start + 1, cells))
    return records, rejects


def read_raw_file(path: Path, raw_dir: Path | None = None) -> RawFile:
    """Read one raw CSV file as text rows, with line numbers.

    Parameters
    ----------
    path
        The CSV file.
    raw_dir
        Folder that file names in the output are relative to (default: the
        file's grandparent when it sits in a province folder).

    Raises
    ------
    RawFileError
        Empty file, not UTF-8, wrong delimiter, no recognisable header,
        missing or unexpected columns.
    """
    raw = _read_unchecked(Path(path), raw_dir)
    raw.rows = schemas.validate(raw.rows, schemas.RAW_TABLES[raw.kind])
    return raw


def read_raw_files(paths: Iterable[Path], raw_dir: Path | None = None) -> list[RawFile]:
    """:func:`read_raw_file` of every path, in order, each kind validated once.

    The rows of all files of one kind are checked against their model in one
    :func:`uhc_analysis.schemas.validate` call (one per file cost more than
    reading them on national data); every file's rows already have the
    model's columns and dtypes, so this is the same check as one per file.

    Raises
    ------
    RawFileError
        As :func:`read_raw_file`, for the first file that cannot be read.
    """
    raws = [_read_unchecked(Path(p), raw_dir) for p in paths]
    for kind, model in schemas.RAW_TABLES.items():
        frames = [r.rows for r in raws if r.kind == kind]
        if frames:
            schemas.validate(pd.concat(frames, ignore_index=True), model)
    return raws


def _read_unchecked(path: Path, raw_dir: Path | None) -> RawFile:
    """:func:`read_raw_file` with the rows in the model's dtypes but not validated."""
    kind = file_kind(path)
    expected = RAW_COLUMNS[kind]
    base = Path(raw_dir) if raw_dir else path.parent.parent
    try:
        name = path.relative_to(base).as_posix()
    except ValueError:
        name = path.name
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise RawFileError(
            f"{name}: is a folder, expected a raw CSV file; rename or remove it"
        ) from None
    except OSError as exc:
        raise RawFileError(
            f"{name}: cannot be read ({exc.strerror or exc}); check the file and its permissions"
        ) from None
    sha = hashlib.sha256(data).hexdigest()
    if not data.strip():
        raise RawFileError(
            f"{name}: the file is empty (expected a header line: {','.join(expected)})"
        )
    text = _decode(Path(name), data)
    records, quote_rejects = _split_records(text, name)

    # find the header (possibly below spreadsheet title rows)
    header_idx = None
    for i, (_, cells) in enumerate(records[: MAX_TITLE_ROWS + 1]):
        key = _header_key(cells)
        if "region_level" in key or set(key) & set(expected) == set(expected):
            header_idx = i
            break
    if header_idx is None:
        for line_no, cells_ in records[: MAX_TITLE_ROWS + 1]:
            text_line = ",".join(cells_)
            for delim in (";", "\t", "|"):
                cells = [c.strip().strip('"').lower() for c in text_line.split(delim)]
                if delim in text_line and len(set(cells) & set(expected)) >= 2:
                    raise RawFileError(
                        f"{name}: line {line_no}: the file uses {delim!r} as delimiter; "
                        f"expected ',' (header {text_line[:80]!r})"
                    )
        first_line, first = records[0]
        joined = ",".join(first)
        raise RawFileError(
            f"{name}: no header line found in the first {MAX_TITLE_ROWS + 1} lines; "
            f"expected {','.join(expected)!r}, line {first_line} is {joined[:80]!r}"
        )
    header_line, header_cells = records[header_idx]
    header = _header_key(header_cells)
    missing = [c for c in expected if c not in header]
    extra = [c for c in header if c not in expected]
    dupes = sorted({c for c in header if header.count(c) > 1})
    if missing or extra or dupes:
        raise RawFileError(
            f"{name}: line {header_line}: header does not match a {kind} file: "
            f"missing columns {missing}, unexpected columns {extra}, repeated columns {dupes}"
        )
    rejects: list[tuple[str, int, str, str, str]] = list(quote_rejects)
    n_title = 0
    for line, cells in records[:header_idx]:
        if not any(c.strip() for c in cells):
            continue  # a blank line above the header is not a row
        n_title += 1
        rejects.append((name, line, "", ",".join(cells)[:200], "title row above the header"))
    rows: list[list[str]] = []
    lines: list[int] = []
    n_read = n_title + len(quote_rejects)  # title rows and broken lines count as read
    for line, cells in records[header_idx + 1 :]:
        if not any(c.strip() for c in cells):
            continue  # blank line: not a row
        n_read += 1
        if cells[0].strip().lower() == header[0] and _header_key(cells) == header:
            rejects.append((name, line, "", ",".join(cells)[:200], "repeated header line"))
            continue
        if len(cells) != len(header):
            rejects.append(
                (
                    name,
                    line,
                    "",
                    ",".join(cells)[:200],
                    f"expected {len(header)} fields, found {len(cells)} "
                    "(truncated row, stray delimiter or unbalanced quote)",
                )
            )
            continue
        rows.append([c.strip() for c in cells])
        lines.append(line)
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    frame = frame.loc[:, list(expected)] if len(frame) else pd.DataFrame(columns=list(expected))
    frame.insert(0, "_line", pd.Series(lines, dtype="int64"))
    frame.insert(0, "_file", name)
    frame = frame.astype({c: "Int64" if c == "_line" else "str" for c in frame.columns})
    return RawFile(file=name, kind=kind, sha256=sha, n_read=n_read, rows=frame, rejects=rejects)


def _appended_only(old: bytes, new: bytes) -> list[int]:
    r"""Line numbers (1-based) of ``old`` that ``new`` does not keep in place.

    Raw files are append-only: an update may add lines at the end, never edit
    or remove one. ``[]`` means ``new`` keeps every line of ``old``.

    Examples
    --------
    >>> _appended_only(b"a\nb\n", b"a\nb\nc\n")
    []
    >>> _appended_only(b"a\nb\n", b"a\nB\nc\n")
    [2]
    """
    old_lines, new_lines = old.splitlines(), new.splitlines()
    changed = [
        i + 1 for i, line in enumerate(old_lines) if i >= len(new_lines) or new_lines[i] != line
    ]
    return changed


def sync_raw(facts_dir: Path, raw_dir: Path | None = None) -> list[Path]:
    """Copy new fact files, and new rows of known ones, from ``facts_dir`` into ``raw_dir``.

    ``shared/data/facts`` receives new figures from time to time; this copies
    them byte for byte so the next build takes them as data. Raw is
    append-only: a facts file that changes or removes an existing raw line is
    refused, naming the lines (corrections go through the reviewed corrections
    table, never by editing raw). Symlinks are never followed or written
    through; temporary files are created safely in the destination folder.
    Returns the files written.

    Raises
    ------
    RawFileError
        ``facts_dir`` does not exist, a file is a symlink, or an update would
        alter raw lines.
    """
    import os
    import tempfile

    facts_dir = Path(facts_dir)
    raw_dir = Path(raw_dir or config.DATA_RAW)
    if not facts_dir.is_dir():
        raise RawFileError(
            f"{config.display_path(facts_dir)}: the facts folder does not exist (or is not a "
            "folder); pass --facts-dir with the folder of the fact files"
        )
    plan: list[tuple[Path, bytes]] = []
    for src in sorted(facts_dir.rglob("*")):
        rel = src.relative_to(facts_dir)
        linked = src.is_symlink() or any(
            p.is_symlink() for p in src.parents if facts_dir in p.parents
        )
        if not linked and (src.is_dir() or src.suffix.lower() != ".csv"):
            continue
        if linked:
            raise RawFileError(
                f"{config.display_path(src)}: is (or lies below) a symbolic link; facts files "
                "must be regular files inside the facts folder: copy the file itself there"
            )
        dest = raw_dir / rel
        if dest.is_symlink() or any(
            p.is_symlink() for p in dest.parents if raw_dir in p.parents or p == raw_dir
        ):
            raise RawFileError(
                f"{config.display_path(dest)}: is (or lies below) a symbolic link; not writing "
                "through it: replace the link by a regular file or folder"
            )
        data = src.read_bytes()
        if dest.exists():
            if dest.is_dir():
                raise RawFileError(
                    f"{config.display_path(dest)}: is a folder, expected a raw file; rename or "
                    "remove it"
                )
            old = dest.read_bytes()
            if old == data:
                continue
            changed = _appended_only(old, data)
            if changed:
                shown = ", ".join(str(n) for n in changed[:10])
                raise RawFileError(
                    f"{config.display_path(src)}: would change or remove raw line(s) {shown} of "
                    f"{config.display_path(dest)}; raw files are append-only (use "
                    "uhc_analysis/reference/corrections.csv for corrections)"
                )
        plan.append((dest, data))
    written: list[Path] = []
    for dest, data in plan:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp_name, dest)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        written.append(dest)
    return written
