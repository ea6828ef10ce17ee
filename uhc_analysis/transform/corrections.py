"""Apply reviewed corrections to raw rows, refusing any whose old value no longer matches.

A correction (``uhc_analysis/reference/corrections.csv``, read by
:func:`uhc_analysis.ingest.corrections.load_corrections`) names a raw file and
line, a column, the value the cell must hold (``old_value``) and the value it
is given (``new_value``). Raw files are append-only, so file + line stays the
same row; the old-value check catches the case where it does not (a re-synced
file whose lines moved, a cell already fixed upstream), and the correction is
refused with an error rather than applied to the wrong figure.

:func:`apply_corrections` works on the rows of one or more raw files as
:func:`uhc_analysis.ingest.raw.read_raw_file` returns them (``_file``,
``_line`` and the file's text columns) and returns the corrected rows and a log
of every correction applied (written as ``corrections_applied.csv``).
Corrections of files not in ``rows`` are left for the call that has them;
:func:`check_all_applied` says which were never applied.
:func:`correct_raw_files` is what the build uses: it applies the table to every
raw file read, before any row is cleaned, and refuses with one line naming the
corrections table's line, the raw file and line, and the value, a correction
that does not apply (stale old value, no such line, no such file).

Examples
--------
>>> import pandas as pd
>>> rows = pd.DataFrame({"_file": ["s/enrolment.csv"], "_line": [18],
...                      "coverage_pct": ["81.85"], "measure": ["registered"]})
>>> fix = pd.DataFrame({"file": ["s/enrolment.csv"], "line": [18], "column": ["measure"],
...     "old_value": ["registered"], "new_value": ["active"], "reason": ["r"],
...     "url": ["https://x.example"], "reviewer": ["me"]})
>>> new, log = apply_corrections(rows, fix)
>>> new["measure"].tolist(), log[["file", "line", "column", "new_value"]].values.tolist()
(['active'], [['s/enrolment.csv', 18, 'measure', 'active']])
>>> rows["measure"].tolist()  # the input is not modified
['registered']
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Sequence

import pandas as pd

from uhc_analysis.ingest.corrections import CORRECTION_COLUMNS, SOURCE_LINE
from uhc_analysis.ingest.raw import RawFile

#: Columns of the log of applied corrections (``corrections_applied.csv``).
CORRECTIONS_APPLIED: tuple[str, ...] = CORRECTION_COLUMNS


class CorrectionError(ValueError):
    """A correction cannot be applied; the message names the raw cell and both values.

    ``correction`` is the index label of the correction at fault (with
    :func:`~uhc_analysis.ingest.corrections.load_corrections`, its line in the
    corrections table), or None.
    """

    def __init__(self, message: str, correction: Hashable | None = None) -> None:
        super().__init__(message)
        self.correction = correction


def apply_corrections(
    rows: pd.DataFrame, corrections: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply the corrections that concern the files in ``rows``.

    Parameters
    ----------
    rows
        Raw rows with ``_file``, ``_line`` and text columns.
    corrections
        The reviewed table (:data:`CORRECTIONS_APPLIED` columns).

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        A corrected copy of ``rows`` (same rows, same order) and the log, one
        row per correction applied, in the order of ``corrections``.

    Raises
    ------
    CorrectionError
        A correction of a file in ``rows`` whose line is not a row there, whose
        column is not a column of ``rows``, or whose cell does not hold
        ``old_value``.

    Examples
    --------
    >>> rows = pd.DataFrame({"_file": ["s/e.csv"], "_line": [5], "measure": ["active"]})
    >>> fix = pd.DataFrame({"file": ["s/e.csv"], "line": [5], "column": ["measure"],
    ...     "old_value": ["registered"], "new_value": ["active"], "reason": ["r"],
    ...     "url": ["https://x.example"], "reviewer": ["me"]})
    >>> apply_corrections(rows, fix)
    Traceback (most recent call last):
    ...
    uhc_analysis.transform.corrections.CorrectionError: s/e.csv:5: column 'measure' holds \
'active', not the corrected 'registered' (the raw row changed or was fixed upstream: \
review the correction)
    """
    out = rows.copy()
    files = set(out["_file"].astype(str))
    mine = corrections.loc[corrections["file"].astype(str).isin(files)]
    applied: list[dict[str, object]] = []
    position = {
        (f, int(n)): i
        for i, f, n in zip(out.index, out["_file"].astype(str), out["_line"], strict=True)
    }
    for label, fix in zip(mine.index, mine.to_dict("records"), strict=True):
        where = f"{fix['file']}:{fix['line']}"
        key = (str(fix["file"]), int(fix["line"]))
        column = str(fix["column"])
        cell = f"column {column!r}, value {fix['old_value']!r}"
        if key not in position:
            raise CorrectionError(
                f"{where}: no readable raw row at that line to correct ({cell})", label
            )
        if column not in out.columns or column.startswith("_"):
            raise CorrectionError(f"{where}: column {column!r} is not a raw column", label)
        current = str(out.at[position[key], column])
        if current != str(fix["old_value"]):
            raise CorrectionError(
                f"{where}: column {column!r} holds {current!r}, not the corrected "
                f"{fix['old_value']!r} (the raw row changed or was fixed upstream: review the "
                "correction)",
                label,
            )
        out.at[position[key], column] = str(fix["new_value"])
        applied.append({c: fix[c] for c in CORRECTIONS_APPLIED})
    log = pd.DataFrame(applied, columns=list(CORRECTIONS_APPLIED))
    log["line"] = log["line"].astype("int64")
    return out, log


def check_all_applied(corrections: pd.DataFrame, log: pd.DataFrame) -> None:
    """Raise unless every correction appears in ``log`` (the logs of all files, concatenated).

    Examples
    --------
    >>> fix = pd.DataFrame({"file": ["s/e.csv"], "line": [5], "column": ["measure"]})
    >>> check_all_applied(fix, fix.iloc[0:0])
    Traceback (most recent call last):
    ...
    uhc_analysis.transform.corrections.CorrectionError: corrections never applied \
(no such raw file was read): s/e.csv:5 measure
    """
    key = ["file", "line", "column"]
    done = set(map(tuple, log[key].astype(str).to_numpy().tolist()))
    missing = [
        f"{f}:{n} {c}"
        for f, n, c in corrections[key].astype(str).to_numpy().tolist()
        if (f, n, c) not in done
    ]
    if missing:
        raise CorrectionError(
            "corrections never applied (no such raw file was read): " + ", ".join(missing)
        )


def _which(corrections: pd.DataFrame, label: Hashable | None) -> str:
    """How an error names a correction: its table line (from load_corrections), else its row."""
    return f"line {label}" if corrections.index.name == SOURCE_LINE else f"row {label}"


def correct_raw_files(
    raws: Sequence[RawFile], corrections: pd.DataFrame, source: str = "corrections"
) -> tuple[list[RawFile], pd.DataFrame]:
    """Apply the whole corrections table to the raw files of a build, before cleaning.

    Parameters
    ----------
    raws
        Every raw file the build read (:func:`uhc_analysis.ingest.raw.read_raw_file`).
    corrections
        The reviewed table (:func:`uhc_analysis.ingest.corrections.load_corrections`).
    source
        How errors name the table (its path).

    Returns
    -------
    (list of RawFile, pandas.DataFrame)
        The raw files, those with a correction carrying corrected ``rows``
        (the same rows, lines and counts; the others unchanged), and the log of
        every correction applied (:data:`CORRECTIONS_APPLIED`), sorted by file,
        line and column.

    Raises
    ------
    CorrectionError
        One line, ``<source>: line <n>: <raw file>:<line>: ...`` naming the
        value: a correction whose raw cell no longer holds ``old_value``, whose
        line is not a readable row, or whose file was not read.

    Examples
    --------
    >>> rows = pd.DataFrame({"_file": ["s/enrolment.csv"], "_line": [2],
    ...                      "measure": ["registered"]})
    >>> raw = RawFile("s/enrolment.csv", "enrolment", "0", 1, rows)
    >>> fix = pd.DataFrame({"file": ["t/enrolment.csv"], "line": [2], "column": ["measure"],
    ...     "old_value": ["registered"], "new_value": ["active"], "reason": ["r"],
    ...     "url": ["https://x.example"], "reviewer": ["me"]},
    ...     index=pd.Index([2], name="source_line"))
    >>> correct_raw_files([raw], fix, "corrections.csv")
    Traceback (most recent call last):
    ...
    uhc_analysis.transform.corrections.CorrectionError: corrections.csv: line 2: \
t/enrolment.csv:2: no such raw file was read (column 'measure', value 'registered')
    >>> raws, log = correct_raw_files([raw], fix.assign(file="s/enrolment.csv"))
    >>> raws[0].rows["measure"].tolist(), len(log)
    (['active'], 1)
    """
    out: list[RawFile] = []
    logs: list[pd.DataFrame] = []
    files = corrections["file"].astype(str)
    for raw in raws:
        if not files.eq(raw.file).any():
            out.append(raw)
            continue
        try:
            rows, log = apply_corrections(raw.rows, corrections)
        except CorrectionError as exc:
            which = _which(corrections, exc.correction)
            raise CorrectionError(f"{source}: {which}: {exc}", exc.correction) from None
        out.append(dataclasses.replace(raw, rows=rows))
        logs.append(log)
    read = {raw.file for raw in raws}
    for label, fix in zip(corrections.index, corrections.to_dict("records"), strict=True):
        if str(fix["file"]) not in read:
            raise CorrectionError(
                f"{source}: {_which(corrections, label)}: {fix['file']}:{fix['line']}: no such "
                f"raw file was read (column {fix['column']!r}, value {fix['old_value']!r})",
                label,
            )
    empty = pd.DataFrame(columns=list(CORRECTIONS_APPLIED)).astype({"line": "int64"})
    log = pd.concat(logs, ignore_index=True) if logs else empty
    log = log.sort_values(["file", "line", "column"], kind="mergesort").reset_index(drop=True)
    return out, log
