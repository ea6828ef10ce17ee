"""Writing derived files safely: atomic replace, stable bytes.

Every processed table and report goes through these functions, so an
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

#: Columns read back as text, so codes keep their digits ("1706", "0101") and
#: periods stay as written ("2024-08", not a date). Empty cells become "".
TEXT_COLUMNS: frozenset[str] = frozenset(
    {
        "region_code",
        "province_code",
        "bps_code",
        "kemendagri_code",
        "split_from",
        "period",
        "date",
        "observation_id",
        "conflict_group",
        "source_ids",
        "population_ids",
        "urls",
        "target_date",
        "published",
        "first_period_at_or_above",
        "first_period_reached",
        "model",
        "status",
        "basis",
        "measure",
    }
)
#: Columns written as ``True``/``False`` and read back as bool.
BOOL_COLUMNS: frozenset[str] = frozenset({"lower_bound", "rounded", "over_100"})


def table_path(name: str, processed_dir: Path | str | None = None) -> Path:
    """The file of processed table ``name`` (``"enrolment"`` or ``"enrolment.csv"``)."""
    from uhc_analysis import config

    folder = Path(config.DATA_PROCESSED if processed_dir is None else processed_dir)
    return folder / f"{name.removesuffix('.csv')}.csv"


def read_table(name: str, processed_dir: Path | str | None = None) -> pd.DataFrame:
    """Read processed table ``name`` back with its declared dtypes.

    The one reader of ``data/processed``: codes and periods as text, flags as
    bool, numbers as numbers.

    Raises
    ------
    FileNotFoundError
        Naming the file and the command that builds it.
    """
    import pandas as pd

    path = table_path(name, processed_dir)
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist: run `uhc-analysis build` first")
    header = pd.read_csv(path, nrows=0).columns
    text = [c for c in header if c in TEXT_COLUMNS]
    df = pd.read_csv(path, dtype=dict.fromkeys(text, str), keep_default_na=False, na_values=[""])
    for col in text:
        df[col] = df[col].fillna("")
    for col in header:
        if col in BOOL_COLUMNS:
            df[col] = df[col].astype(str).str.lower().eq("true")
    return df


def write_table(df: pd.DataFrame, name: str, out_dir: Path | str | None = None) -> Path:
    """Write processed table ``name`` atomically (the one writer of ``data/processed``)."""
    return write_csv(df, table_path(name, out_dir))


def load_processed(name: str, processed_dir: Path | str | None = None) -> pd.DataFrame:
    """Public name of :func:`read_table` (``uhc.load_processed("enrolment")``)."""
    return read_table(name, processed_dir)


def load_panel(processed_dir: Path | str | None = None) -> pd.DataFrame:
    """The coverage panel, ``read_table("coverage_panel")``."""
    return read_table("coverage_panel", processed_dir)
