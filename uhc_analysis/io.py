"""Reading and writing derived files: declared dtypes, atomic replace, stable bytes.

:func:`read_table` and :func:`write_table` are the one reader and writer of
processed tables; both go through the table's schema
(:mod:`uhc_analysis.schemas`). Every processed table and report is written
through :func:`atomic_write`, so an
interrupted build never leaves a half-written file (the new content is written
to a temporary file in the same folder and then renamed over the old one) and
two runs on the same inputs produce byte-identical files.

*One set.* The stages write into ``data/processed`` through
:func:`staged_outputs`: under a lock (:func:`writer_lock`, a
:class:`filelock.FileLock` on ``.uhc-analysis.lock``: a second writer waits)
the files are written into a staging folder, then published with
``manifest.json`` (every published file's sha256, sorted, no timestamps;
:func:`publish`). :func:`read_table` checks the folder against its manifest
(:func:`check_processed_set`) and refuses a mixed set, e.g. after a kill
half-way through a publication, with one sentence saying how to rebuild.

*Safe to open.* No CSV cell written here is evaluated by a spreadsheet: a
text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return gets a leading ``'`` (OWASP's rule for CSV injection), in text columns
only, never in numbers or dates (:func:`neutralise_formulas`).
:func:`read_table` strips exactly that quote again
(:func:`restore_formulas`), so a round trip is exact and the analysis sees the
original text; a reader of the raw CSV file (a spreadsheet, ``pandas.read_csv``)
sees the quote. Described in ``data/README.md``.

Examples
--------
>>> import pandas as pd, tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
>>> write_csv(pd.DataFrame({"a": [1, 2]}), path).read_text()
'a\\n1\\n2\\n'
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from uhc_analysis import config

if TYPE_CHECKING:
    import pandas as pd


def atomic_write(path: Path | str, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` then rename the temporary file to ``path``.

    The temporary file lives in the destination folder (same filesystem), so
    the final ``os.replace`` is atomic; on any error it is removed and the old
    ``path`` is left untouched.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> atomic_write(p, lambda t: t.write_text("hi")).read_text()
    'hi'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


#: Text cells a spreadsheet would evaluate (OWASP CSV injection): they begin with
#: ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, possibly after quotes
#: this module added (so the prefix stays reversible).
_FORMULA_START = r"^'*[=+\-@\t\r]"
#: The prefix :func:`read_table` strips again: one quote before such a cell.
_FORMULA_ESCAPED = r"^'(?='*[=+\-@\t\r])"
_FORMULA_RE = re.compile(_FORMULA_START)
#: The same test on cells joined by NUL: a match may be a false alarm, never a miss.
_FORMULA_ANYWHERE = re.compile("\x00" + _FORMULA_START[1:])


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with every text cell a spreadsheet would evaluate prefixed by ``'``.

    Only text columns (``str``/``object``) are touched, never numbers (a
    ``-1.5`` in a float column stays a number) or dates; a text cell that
    begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (after
    any quotes) gets one more quote, which :func:`read_table` removes again, so
    ``read_table(write_table(df))`` is exact.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"t": ["=1+1", "'=x", "ok", "-2"], "x": [-1.5, 2.0, 3.0, 4.0]})
    >>> neutralise_formulas(df).values.tolist()
    [["'=1+1", -1.5], ["''=x", 2.0], ['ok', 3.0], ["'-2", 4.0]]
    """
    import pandas as pd

    out = df
    for column in df.columns:
        values = df[column]
        if not (values.dtype == object or pd.api.types.is_string_dtype(values.dtype)):
            continue
        mask = _formula_cells(values)
        if mask is not None:
            if out is df:
                out = df.copy()
            escaped = values.astype(object).copy()
            escaped[mask] = ["'" + v for v in values[mask]]
            out[column] = escaped.astype(values.dtype) if values.dtype != object else escaped
    return out


def _formula_cells(values: pd.Series) -> pd.Series | None:
    """Which text cells of ``values`` a spreadsheet would evaluate; ``None`` when none.

    Each distinct text is tested once (a column repeats few values: codes,
    labels, URLs) instead of a regular expression per cell.

    Examples
    --------
    >>> import pandas as pd
    >>> _formula_cells(pd.Series(["=1", "ok", None, "=1"], dtype=object)).tolist()
    [True, False, False, True]
    >>> _formula_cells(pd.Series(["ok", 5], dtype=object)) is None
    True
    """
    import pandas as pd

    cells = values.dropna().to_numpy(dtype=object)
    if all(isinstance(v, str) for v in cells[:1]):
        try:  # one scan of the column's text: does any cell start like a formula?
            if not _FORMULA_ANYWHERE.search("\x00" + "\x00".join(cells)):
                return None
        except TypeError:  # not only text: test each distinct value
            pass
    hits = [v for v in pd.unique(values) if isinstance(v, str) and _FORMULA_RE.match(v)]
    return values.isin(hits).to_numpy(dtype=bool) if hits else None


def restore_formulas(text: pd.Series) -> pd.Series:
    """Undo :func:`neutralise_formulas` on a text column read back from a CSV.

    Examples
    --------
    >>> import pandas as pd
    >>> restore_formulas(pd.Series(["'=1+1", "''=x", "'ok", "'-2"])).tolist()
    ['=1+1', "'=x", "'ok", '-2']
    """
    if not text.str.startswith("'").any():
        return text
    return text.str.replace(_FORMULA_ESCAPED, "", regex=True)


def write_csv(df: pd.DataFrame, path: Path | str) -> Path:
    """Write ``df`` as UTF-8 CSV with LF endings, no index, atomically.

    Floats are written with up to 10 significant digits so platform noise in
    the last bits does not change the file between reruns. Text cells that a
    spreadsheet would evaluate as a formula are neutralised
    (:func:`neutralise_formulas`). The text is that of ``DataFrame.to_csv``,
    formatted column by column (:func:`uhc_analysis.csvtext.csv_text`).
    """
    from uhc_analysis.csvtext import csv_text

    safe = neutralise_formulas(df)
    return atomic_write(path, lambda tmp: _write_utf8(csv_text(safe, float_format="%.10g"), tmp))


def _write_utf8(text: str, path: Path) -> None:
    """Write ``text`` to ``path`` as UTF-8, line endings as they are."""
    path.write_bytes(text.encode("utf-8"))


def write_text(text: str, path: Path | str) -> Path:
    """Write ``text`` (UTF-8, LF) atomically."""
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8", newline="\n"))


def remove_stale_temporaries(folder: Path | str) -> list[Path]:
    """Delete temporary files/folders an interrupted run left in ``folder``."""
    folder = Path(folder)
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") and path.name.endswith(".tmp"):
            path.unlink(missing_ok=True)
            removed.append(path)
        elif path.name.startswith(".staging-") and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


# --------------------------------------------------------------------------- the processed set

#: The manifest of a processed folder: every published file's sha256 (sorted JSON, no dates).
MANIFEST_NAME = "manifest.json"
#: The lock file that serialises the writers of one processed folder (kept, empty).
LOCK_NAME = ".uhc-analysis.lock"
#: Who holds the lock (pid and command), written while a writer holds it.
LOCK_OWNER_NAME = ".uhc-analysis.lock.owner"
#: Seconds a writer waits for the lock before giving up.
LOCK_TIMEOUT = float(os.environ.get("UHC_ANALYSIS_LOCK_TIMEOUT", "3600"))

#: sha256 of files already hashed, by (path, inode, size, mtime): a reread costs a stat.
_HASHES: dict[tuple[str, int, int, int], str] = {}


class ProcessedSetError(RuntimeError):
    """The processed folder is not one complete set (or cannot be locked); one line."""


def _rebuild_hint() -> str:
    return (
        "rebuild it with `uhc-analysis build` and then the later stages "
        "(`uhc-analysis metrics`, `project`, `status`; or `make analysis`)"
    )


def file_sha256(path: Path | str) -> str:
    """The sha256 of a file (cached by inode, size and modification time).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> _ = p.write_text("hi")
    >>> file_sha256(p)[:12]
    '8f434346648f'
    """
    path = Path(path)
    st = path.stat()
    key = (str(path), st.st_ino, st.st_size, st.st_mtime_ns)
    if key not in _HASHES:
        _HASHES[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return _HASHES[key]


def manifest_text(entries: dict[str, str]) -> str:
    """The bytes of ``manifest.json``: sorted, no timestamps, so reruns give the same file.

    Examples
    --------
    >>> print(manifest_text({"b.csv": "2", "a.csv": "1"}), end="")
    {
      "files": {
        "a.csv": "1",
        "b.csv": "2"
      }
    }
    """
    return json.dumps({"files": dict(sorted(entries.items()))}, indent=2) + "\n"


def read_manifest(folder: Path | str) -> dict[str, str] | None:
    """The entries of ``folder``'s manifest (file name -> sha256), ``None`` without one."""
    path = Path(folder) / MANIFEST_NAME
    if not path.is_file():
        return None
    try:
        files = json.loads(path.read_text(encoding="utf-8"))["files"]
        if not isinstance(files, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in files.items()
        ):
            raise TypeError("files is not a mapping of names to hashes")
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise ProcessedSetError(
            f"{config.display_path(path)}: the manifest cannot be read ({exc}); " + _rebuild_hint()
        ) from None
    return files


def check_processed_set(folder: Path | str) -> None:
    """Refuse a mixed processed set: every file its manifest lists must have that sha256.

    A folder without a manifest (written before manifests existed, or by hand
    with :func:`write_table`) is not checked. Files the manifest does not list
    are not checked either.

    Raises
    ------
    ProcessedSetError
        One sentence naming the files that differ and how to rebuild.
    """
    folder = Path(folder)
    entries = read_manifest(folder)
    if not entries:
        return
    missing, changed = [], []
    for name, sha in sorted(entries.items()):
        path = folder / name
        if not path.is_file():
            missing.append(name)
        elif file_sha256(path) != sha:
            changed.append(name)
    if missing or changed:
        what = []
        if changed:
            what.append(f"{', '.join(changed[:5])}{' ...' if len(changed) > 5 else ''} differ")
        if missing:
            what.append(f"{', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''} missing")
        raise ProcessedSetError(
            f"{config.display_path(folder)}: the processed files are a mixed set "
            f"({' and '.join(what)} from {MANIFEST_NAME}: a build or stage was interrupted or "
            "files were changed by hand); " + _rebuild_hint()
        )


def _owner(folder: Path) -> str:
    try:
        return (folder / LOCK_OWNER_NAME).read_text(encoding="utf-8").strip() or "another run"
    except OSError:
        return "another run"


@contextmanager
def writer_lock(folder: Path | str, timeout: float | None = None) -> Iterator[None]:
    """Hold the writers' lock of ``folder`` (a :class:`filelock.FileLock`): one writer at a time.

    A second writer waits for the first one (saying on stderr who holds the
    lock) and goes on when it is done; after ``timeout`` seconds (default
    :data:`LOCK_TIMEOUT`) it gives up with :class:`ProcessedSetError`.
    """
    import filelock

    folder = Path(folder)
    lock = filelock.FileLock(str(folder / LOCK_NAME))
    try:
        lock.acquire(timeout=0)
    except filelock.Timeout:
        print(
            f"uhc-analysis: {config.display_path(folder)}: {_owner(folder)} is writing here; "
            "waiting for it to finish",
            file=sys.stderr,
            flush=True,
        )
        wait = LOCK_TIMEOUT if timeout is None else timeout
        try:
            lock.acquire(timeout=wait)
        except filelock.Timeout:
            raise ProcessedSetError(
                f"{config.display_path(folder)}: still locked by {_owner(folder)} after "
                f"{wait:g} s; wait for that run to finish and try again"
            ) from None
    owner = folder / LOCK_OWNER_NAME
    try:
        script = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python"
        script = "uhc-analysis" if script in ("__main__.py", "uhc-analysis") else script
        command = " ".join([script, *sys.argv[1:]])
        owner.write_text(f"pid {os.getpid()} ({command[:120]})\n", encoding="utf-8")
        yield
    finally:
        owner.unlink(missing_ok=True)
        lock.release()


def publish(stage: Path | str, folder: Path | str) -> list[Path]:
    """Move every file of ``stage`` into ``folder`` as one unit, with the updated manifest.

    The manifest keeps the entries of files already in ``folder`` and takes
    the new hashes of the staged files; it is moved in *first*, then the
    files one by one. So at every step a reader sees the old set (nothing
    moved yet), the new one (everything moved) or a set whose files disagree
    with the manifest, which :func:`check_processed_set` refuses, also on a
    folder's first publication. The caller holds :func:`writer_lock`.
    """
    stage, folder = Path(stage), Path(folder)
    names = sorted(p.name for p in stage.iterdir() if p.is_file() and p.name != MANIFEST_NAME)
    try:
        old = read_manifest(folder) or {}
    except ProcessedSetError:
        old = {}  # an unreadable manifest is replaced; its files are rehashed below
    entries = {name: sha for name, sha in old.items() if (folder / name).is_file()}
    entries.update({name: file_sha256(stage / name) for name in names})
    write_text(manifest_text(entries), stage / MANIFEST_NAME)
    os.replace(stage / MANIFEST_NAME, folder / MANIFEST_NAME)
    for name in names:
        os.replace(stage / name, folder / name)
    return [folder / name for name in names]


@contextmanager
def staged_outputs(folder: Path | str) -> Iterator[Path]:
    """Write a set of files into a staging folder, then publish them all into ``folder``.

    Holds the writers' lock of ``folder`` (:func:`writer_lock`) throughout, so
    two runs never interleave; stale staging folders and temporary files of
    earlier interrupted runs are removed first. On an exception (or a kill)
    before the publication nothing in ``folder`` has changed; the publication
    itself (:func:`publish`) updates ``manifest.json``, so a set interrupted
    half-way is refused on load, never read as a mix.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> with staged_outputs(out) as stage:
    ...     _ = write_text("x", stage / "a.txt")
    >>> sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    ['a.txt', 'manifest.json']
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with writer_lock(folder):
        remove_stale_temporaries(folder)
        stage = Path(tempfile.mkdtemp(prefix=".staging-", dir=folder))
        try:
            yield stage
            publish(stage, folder)
        finally:
            shutil.rmtree(stage, ignore_errors=True)


# --------------------------------------------------------------------------- processed tables


def stage_writing(name: str) -> str:
    """The ``uhc-analysis`` command that writes processed table ``name``.

    Read from the reviewed outputs table (``reference/outputs.csv``, which
    :mod:`uhc_analysis.analysis.catalogue` checks against the real outputs);
    ``build`` for a table it does not list.

    Examples
    --------
    >>> stage_writing("uhc_status"), stage_writing("metrics"), stage_writing("coverage_panel")
    ('status', 'metrics', 'build')
    """
    import csv

    with (config.REFERENCE_DIR / "outputs.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["kind"] == "table" and Path(row["pattern"]).name == f"{name}.csv":
                return row["command"]
    return "build"


def table_path(name: str, processed_dir: Path | str | None = None) -> Path:
    """The file of processed table ``name`` (``"enrolment"`` or ``"enrolment.csv"``)."""
    folder = Path(config.DATA_PROCESSED if processed_dir is None else processed_dir)
    return folder / f"{name.removesuffix('.csv')}.csv"


def _from_text(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """CSV cells (all text, ``""`` when empty) -> the dtypes the table's schema declares.

    Done by hand rather than by ``read_csv(dtype=...)`` because a CSV cannot
    tell an empty text from a missing one (non-nullable text keeps ``""``,
    nullable text becomes missing) and because a bad flag or date must be
    named, not silently turned into ``True`` or ``NaT``.
    """
    import pandas as pd

    from uhc_analysis import schemas

    columns = schemas.schema_of(name).columns
    out = {}
    for col in df.columns:
        text = df[col]
        spec = columns.get(col)
        kind = str(spec.dtype) if spec is not None else "str"
        empty = text.eq("")
        if kind in ("str", "string", "string[python]"):
            text = restore_formulas(text)
            out[col] = text.mask(empty) if spec is not None and spec.nullable else text
        elif kind == "bool":
            flags = text.str.lower().map({"true": True, "false": False})
            bad = flags.isna()
            if bad.any():
                raise schemas.SchemaError(
                    f"table {name!r}: column {col!r} holds values that are not True/False: "
                    f"{list(dict.fromkeys(text[bad]))[:5]}"
                )
            out[col] = flags.astype(bool)
        elif kind.startswith("datetime64"):
            dates = pd.to_datetime(text.mask(empty), format="%Y-%m-%d", errors="coerce")
            bad = dates.isna() & ~empty
            if bad.any():
                raise schemas.SchemaError(
                    f"table {name!r}: column {col!r} holds values that are not YYYY-MM-DD "
                    f"dates: {list(dict.fromkeys(text[bad]))[:5]}"
                )
            out[col] = dates
        else:  # Int64, float64: numbers, empty = missing; the schema says which may be
            out[col] = pd.to_numeric(text.mask(empty), errors="coerce").astype(
                "Int64" if kind == "Int64" else float
            )
    return pd.DataFrame(out, index=df.index, columns=df.columns)


def read_table(name: str, processed_dir: Path | str | None = None) -> pd.DataFrame:
    """Read processed table ``name`` back with the dtypes its schema declares.

    The one reader of ``data/processed``: the dtypes, columns and values are
    those of :mod:`uhc_analysis.schemas` (text as ``str`` with ``""`` for
    empty, whole numbers as ``Int64``, flags as ``bool``, ``date`` as
    ``datetime64``), and the table is validated, so it equals the frame the
    stage wrote.

    Raises
    ------
    FileNotFoundError
        Naming the file and the command that builds it.
    ProcessedSetError
        The folder's files disagree with its ``manifest.json`` (a mixed set:
        :func:`check_processed_set`).
    uhc_analysis.schemas.SchemaError
        The file breaks its schema (one line naming column and values).

    Examples
    --------
    >>> import pandas as pd, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> links = pd.DataFrame({"observation_id": ["E-1"], "basis": ["bps"],
    ...                       "population_id": ["P-1"]})
    >>> _ = write_table(links, "panel_population", folder)
    >>> read_table("panel_population", folder).equals(links)
    True
    """
    import pandas as pd

    from uhc_analysis import schemas

    path = table_path(name, processed_dir)
    if not path.is_file():
        raise FileNotFoundError(
            f"{config.display_path(path)}: does not exist; run `uhc-analysis "
            f"{stage_writing(name)}` (after the stages before it, or `uhc-analysis all`)"
        )
    check_processed_set(path.parent)
    try:
        text = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        reason = " ".join(str(exc).split())[:200]
        raise ProcessedSetError(
            f"{config.display_path(path)}: cannot be read as a CSV table ({reason}); "
            + _rebuild_hint()
        ) from None
    table = path.stem
    return schemas.validate(_from_text(text, table), table)


def write_table(df: pd.DataFrame, name: str, out_dir: Path | str | None = None) -> Path:
    """Validate ``df`` against table ``name``'s schema, then write it atomically.

    The one writer of ``data/processed``. Missing values in non-nullable
    text columns are written as the empty cell they would be anyway; anything
    else that breaks the schema raises :class:`uhc_analysis.schemas.SchemaError`
    and nothing is written. A frame :func:`uhc_analysis.schemas.validate` returned
    for this table (a stage's result) is not checked a second time
    (:func:`uhc_analysis.schemas.is_validated`).
    """
    from uhc_analysis import schemas

    table = name.removesuffix(".csv")
    if schemas.is_validated(df, table):  # a stage's result, checked when it was made
        return write_csv(df, table_path(table, out_dir))
    valid = schemas.validate(schemas.with_empty_text(df, table), table)
    return write_csv(valid, table_path(table, out_dir))


def load_processed(name: str, processed_dir: Path | str | None = None) -> pd.DataFrame:
    """Public name of :func:`read_table` (``uhc.load_processed("enrolment")``).

    Examples
    --------
    >>> import tempfile
    >>> from uhc_analysis import pipeline
    >>> out = tempfile.mkdtemp()
    >>> _ = pipeline.build(out_dir=out, verbose=False)
    >>> enrolment = load_processed("enrolment", out)
    >>> str(enrolment["date"].dtype), str(enrolment["n_sources"].dtype)
    ('datetime64[ns]', 'Int64')
    """
    return read_table(name, processed_dir)


def load_panel(processed_dir: Path | str | None = None) -> pd.DataFrame:
    """The coverage panel, ``read_table("coverage_panel")``: one row per figure and denominator.

    Examples
    --------
    >>> import tempfile
    >>> from uhc_analysis import pipeline
    >>> out = tempfile.mkdtemp()
    >>> _ = pipeline.build(out_dir=out, verbose=False)
    >>> panel = load_panel(out)
    >>> sorted(panel["basis"].unique())
    ['bps', 'dukcapil', 'published']
    """
    return read_table("coverage_panel", processed_dir)
