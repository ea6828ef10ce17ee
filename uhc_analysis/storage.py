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
