"""A working folder for a regular install: ``uhc-analysis init DIR``.

A checkout is already a workspace (:func:`uhc_analysis.config.find_workspace`).
A wheel carries the transcribed figures and the notebooks as
``uhc_analysis/workspace_template/`` (``setup.py`` copies them in at build
time); :func:`init_workspace` lays them out in a new folder with the
Cookiecutter Data Science layout, so every stage works there:

``data/raw/``
    the transcribed figures, one row per figure with its source URL;
``data/processed/``, ``reports/figures/``
    empty, filled by ``uhc-analysis all``;
``notebooks/``
    the numbered notebooks (without outputs).

Examples
--------
>>> import tempfile
>>> ws = init_workspace(Path(tempfile.mkdtemp()) / "ws")
>>> sorted(p.name for p in ws.iterdir())
['data', 'notebooks', 'reports']
>>> (ws / "data" / "raw" / "national" / "uhc_criteria.csv").is_file()
True
"""

from __future__ import annotations

import shutil
from pathlib import Path

from uhc_analysis import config

#: Where a wheel keeps the workspace template (absent in a checkout).
TEMPLATE_DIR: Path = config.PACKAGE_DIR / "workspace_template"
#: The folders copied from the template, and the empty ones created beside them.
COPIED: tuple[str, ...] = ("data/raw", "notebooks")
CREATED: tuple[str, ...] = ("data/processed", "reports/figures")


class WorkspaceError(RuntimeError):
    """A workspace cannot be made where asked (one line naming the folder)."""


def template_dir() -> Path:
    """The folder the template is copied from: the wheel's, else the package's checkout.

    Examples
    --------
    >>> config.is_workspace(template_dir())
    True
    """
    if config.is_workspace(TEMPLATE_DIR):
        return TEMPLATE_DIR
    checkout = config.PACKAGE_DIR.parent
    if config.is_workspace(checkout):
        return checkout
    raise WorkspaceError(
        f"{TEMPLATE_DIR}: the package carries no workspace template (a broken install?); "
        "reinstall uhc-analysis"
    )


def init_workspace(dest: Path | str) -> Path:
    """Lay out a workspace in ``dest`` (created; must not exist or be empty); return it.

    Raises
    ------
    WorkspaceError
        When ``dest`` is a file, or a folder that is not empty.

    Examples
    --------
    >>> init_workspace(config.PACKAGE_DIR)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    uhc_analysis.workspace.WorkspaceError: .../uhc_analysis: not empty; name a new folder ...
    """
    dest = Path(dest).expanduser().resolve()
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise WorkspaceError(
            f"{dest}: not empty; name a new folder for the workspace "
            "(an existing workspace is used as it is: work in it)"
        )
    src = template_dir()
    for folder in COPIED:
        shutil.copytree(
            src / folder,
            dest / folder,
            ignore=shutil.ignore_patterns("*.py", ".ipynb_checkpoints", "__pycache__"),
        )
    for folder in CREATED:
        (dest / folder).mkdir(parents=True, exist_ok=True)
    return dest


__all__ = ["TEMPLATE_DIR", "WorkspaceError", "init_workspace", "template_dir"]
