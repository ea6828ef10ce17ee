"""Reading and writing derived files: declared dtypes, atomic replace, stable bytes.

:func:`read_table` and :func:`write_table` are the one reader and writer of
processed tables; both go through the table's schema
(:mod:`uhc_analysis.schemas`). Every processed table and report is written
through :func:`atomic_write`, so an
interrupted build never leaves a half-written file (the new content is written
to a temporary file in the same folder and then renamed over the old one) and
two runs on the same inputs produce byte-identical files.

Examples
--------
>>> import pandas as pd, tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
>>> write_csv(pd.DataFrame({"a": [1, 2]}), path).read_text()
'a\\n1\\n2\\n'
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

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


def write_csv(df: pd.DataFrame, path: Path | str) -> Path:
    """Write ``df`` as UTF-8 CSV with LF endings, no index, atomically.

    Floats are written with up to 10 significant digits so platform noise in
    the last bits does not change the file between reruns.
    """
    return atomic_write(
        path,
        lambda tmp: df.to_csv(
            tmp, index=False, encoding="utf-8", lineterminator="\n", float_format="%.10g"
        ),
    )


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


@contextmanager
def staged_outputs(folder: Path | str) -> Iterator[Path]:
    """Write a set of files into a staging folder, then move them all into ``folder``.

    On an exception (or a kill) nothing in ``folder`` has changed; stale
    staging folders and temporary files of earlier interrupted runs are
    removed first.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> with staged_outputs(out) as stage:
    ...     _ = write_text("x", stage / "a.txt")
    >>> sorted(p.name for p in out.iterdir())
    ['a.txt']
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(folder)
    stage = Path(tempfile.mkdtemp(prefix=".staging-", dir=folder))
    try:
        yield stage
        for path in sorted(stage.iterdir()):
            os.replace(path, folder / path.name)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


# --------------------------------------------------------------------------- processed tables


def table_path(name: str, processed_dir: Path | str | None = None) -> Path:
    """The file of processed table ``name`` (``"enrolment"`` or ``"enrolment.csv"``)."""
    from uhc_analysis import config

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
        raise FileNotFoundError(f"{path} does not exist: run `uhc-analysis build` first")
    text = pd.read_csv(path, dtype=str, keep_default_na=False)
    table = path.stem
    return schemas.validate(_from_text(text, table), table)


def write_table(df: pd.DataFrame, name: str, out_dir: Path | str | None = None) -> Path:
    """Validate ``df`` against table ``name``'s schema, then write it atomically.

    The one writer of ``data/processed``. Missing values in non-nullable
    text columns are written as the empty cell they would be anyway; anything
    else that breaks the schema raises :class:`uhc_analysis.schemas.SchemaError`
    and nothing is written.
    """
    from uhc_analysis import schemas

    table = name.removesuffix(".csv")
    valid = schemas.validate(schemas.with_empty_text(df, table), table)
    return write_csv(valid, table_path(table, out_dir))


def load_processed(name: str, processed_dir: Path | str | None = None) -> pd.DataFrame:
    """Public name of :func:`read_table` (``uhc.load_processed("enrolment")``)."""
    return read_table(name, processed_dir)


def load_panel(processed_dir: Path | str | None = None) -> pd.DataFrame:
    """The coverage panel, ``read_table("coverage_panel")``."""
    return read_table("coverage_panel", processed_dir)
