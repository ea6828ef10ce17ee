"""Which function and notebook make each output: the map from files to code in the README.

The reviewed table ``uhc_analysis/reference/outputs.csv`` lists every processed
table, document and figure family the stages write, one row each: a glob
``pattern`` (relative to the workspace), the ``command`` (``uhc-analysis
<command>``) and the function (``made_by``, a dotted path) that make it, and
the notebook that shows it. A table's description is the first line of its
pandera schema's docstring (:mod:`uhc_analysis.schemas`), so it is written once.

:func:`uncatalogued` names the files of a workspace no row describes (the test
suite runs it after a build, so a new output cannot go unlisted), and
:func:`catalogue_markdown` is the README's "Which code makes each output" block.

Examples
--------
>>> cat = load_catalogue()
>>> cat.set_index("pattern").loc["data/processed/coverage_panel.csv", "command"]
'build'
>>> uncatalogued(["data/processed/coverage_panel.csv", "reports/figures/map_gap_95_17_en.png",
...               "reports/figures/stray.png"])
['reports/figures/stray.png']
"""

from __future__ import annotations

import importlib
import re
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pandas as pd

from uhc_analysis import config, schemas

#: The reviewed catalogue of outputs.
OUTPUTS_CSV: Path = config.REFERENCE_DIR / "outputs.csv"
#: Its columns, in order.
COLUMNS: tuple[str, ...] = (
    "output",
    "kind",
    "pattern",
    "command",
    "made_by",
    "notebook",
    "description",
)


def load_catalogue(path: Path | str | None = None) -> pd.DataFrame:
    """The catalogue, with each table's description taken from its schema.

    Examples
    --------
    >>> load_catalogue().query("output == 'metrics'")["description"].iloc[0][:26]
    'one row per region x measu'
    """
    cat = pd.read_csv(path or OUTPUTS_CSV, dtype=str, keep_default_na=False)
    if tuple(cat.columns) != COLUMNS:
        raise ValueError(f"{config.display_path(path or OUTPUTS_CSV)}: columns must be {COLUMNS}")
    tables = cat["kind"] == "table"
    cat.loc[tables, "description"] = [
        _schema_line(Path(p).stem) for p in cat.loc[tables, "pattern"]
    ]
    return cat


def _schema_line(table: str) -> str:
    """The first line of the table's pandera model docstring, without its file name."""
    doc = (schemas.TABLES[table].__doc__ or "").strip()
    line = doc.splitlines()[0] if doc else ""
    return line.split(": ", 1)[1] if line.startswith("``") and ": " in line else line


def resolve(dotted: str) -> Any:
    """The object a ``made_by`` path names (``module.function``), imported.

    Examples
    --------
    >>> resolve("uhc_analysis.analysis.metrics.uhc_metrics").__name__
    'uhc_metrics'
    """
    module, _, name = dotted.rpartition(".")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        # a sub-package re-exports: uhc_analysis.analysis.forecast.project
        head, _, attr = module.rpartition(".")
        return getattr(getattr(importlib.import_module(head), attr), name)


def uncatalogued(paths: list[str], catalogue: pd.DataFrame | None = None) -> list[str]:
    """The ``paths`` (relative to the workspace) that match no pattern of the catalogue."""
    patterns = list((catalogue if catalogue is not None else load_catalogue())["pattern"])
    return sorted(p for p in paths if not any(fnmatchcase(p, pat) for pat in patterns))


def catalogue_markdown(catalogue: pd.DataFrame | None = None) -> str:
    """The README block: every output with the command, function and notebook that make it.

    Examples
    --------
    >>> catalogue_markdown().splitlines()[0]
    '| output | file(s) | what it holds | made by | notebook |'
    """
    cat = catalogue if catalogue is not None else load_catalogue()
    lines = [
        "| output | file(s) | what it holds | made by | notebook |",
        "|---|---|---|---|---|",
    ]
    for row in cat.itertuples(index=False):
        what = re.sub(r":\w+:`~?([^`]+)`", r"`\1`", row.description)
        what = what.replace("|", "\\|").replace("``", "`")
        made = f"`uhc-analysis {row.command}` → `{row.made_by.removeprefix('uhc_analysis.')}`"
        nb = f"`{row.notebook}`" if row.notebook else ""
        lines.append(f"| {row.output} | `{row.pattern}` | {what} | {made} | {nb} |")
    return "\n".join(lines) + "\n"


__all__ = [
    "COLUMNS",
    "OUTPUTS_CSV",
    "catalogue_markdown",
    "load_catalogue",
    "resolve",
    "uncatalogued",
]
