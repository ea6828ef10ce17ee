"""All paths and fixed settings of uhc-analysis, in one place.

Every other module takes its default paths from here (Cookiecutter Data Science
convention); functions still accept explicit paths so tests can point them at
temporary folders.

Examples
--------
>>> from uhc_analysis import config
>>> config.DATA_RAW.name
'raw'
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

PACKAGE_DIR: Path = Path(__file__).resolve().parent

#: Environment variable naming the workspace folder (see :func:`find_workspace`).
ROOT_ENV: str = "UHC_ANALYSIS_ROOT"
#: The folders that make a folder a workspace: the raw figures and the notebooks.
WORKSPACE_MARKERS: tuple[str, ...] = ("data/raw", "notebooks")


def is_workspace(folder: Path | str) -> bool:
    """Whether ``folder`` holds the project layout (``data/raw/`` and ``notebooks/``).

    Examples
    --------
    >>> is_workspace(PACKAGE_DIR)
    False
    """
    return all((Path(folder) / marker).is_dir() for marker in WORKSPACE_MARKERS)


def find_workspace(start: Path | str | None = None) -> Path | None:
    """The workspace the package works in, or ``None`` when there is none.

    In order: the folder named by ``UHC_ANALYSIS_ROOT``; the current folder
    (or ``start``) or the nearest of its parents that holds the project layout
    (:func:`is_workspace`), so a notebook running in ``notebooks/`` or a run
    folder under ``reports/`` finds its workspace; the checkout the package was
    installed from in editable mode. A regular install used from an unrelated
    folder has none: ``uhc-analysis init DIR`` makes one.

    Examples
    --------
    >>> find_workspace(PACKAGE_DIR) == find_workspace(PACKAGE_DIR.parent)
    True
    """
    named = os.environ.get(ROOT_ENV)
    if named:
        return Path(named).expanduser().resolve()
    here = Path(start if start is not None else Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if is_workspace(folder):
            return folder
    checkout = PACKAGE_DIR.parent
    if (checkout / "pyproject.toml").is_file() and is_workspace(checkout):
        return checkout
    return None


#: The workspace found when the package was imported (:func:`find_workspace`).
WORKSPACE: Path | None = find_workspace()
#: Project root: the workspace, else the current folder (then nothing is found in it
#: and every stage says so, naming ``uhc-analysis init``).
PROJECT_ROOT: Path = WORKSPACE if WORKSPACE is not None else Path.cwd().resolve()
#: One line telling a user without a workspace how to make one.
NO_WORKSPACE_HINT: str = (
    "run `uhc-analysis init DIR` to create a workspace with the published figures, "
    f"then work in DIR (or set {ROOT_ENV}=DIR)"
)

#: Reviewed reference tables shipped with the package (gazetteer, aliases, rates).
REFERENCE_DIR: Path = PACKAGE_DIR / "reference"
REGIONS_CSV: Path = REFERENCE_DIR / "regions.csv"
ALIASES_CSV: Path = REFERENCE_DIR / "region_aliases.csv"
CONTRIBUTION_RATES_CSV: Path = REFERENCE_DIR / "contribution_rates.csv"

DATA_DIR: Path = PROJECT_ROOT / "data"
#: Immutable transcribed figures (copied unchanged from ``shared/data/facts``).
DATA_RAW: Path = DATA_DIR / "raw"
#: Derived tables, rebuilt by ``uhc-analysis build``; never edited by hand.
DATA_PROCESSED: Path = DATA_DIR / "processed"

NOTEBOOKS_DIR: Path = PROJECT_ROOT / "notebooks"
REPORTS_DIR: Path = PROJECT_ROOT / "reports"
FIGURES_DIR: Path = REPORTS_DIR / "figures"


def _user_cache() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("uhc-analysis", appauthor=False))


#: Where downloaded public files (boundaries) are cached: ``UHC_ANALYSIS_CACHE``,
#: else the user's cache folder (``~/.cache/uhc-analysis`` on Linux), never the
#: installed package or the workspace.
CACHE_DIR: Path = Path(os.environ.get("UHC_ANALYSIS_CACHE") or _user_cache()).resolve()

#: Environment variable naming a local folder laid out like ``shared/data/mirror``.
MIRROR_ENV: str = "UHC_ANALYSIS_MIRROR"

#: The three focus provinces (BPS codes): Sumatera Selatan, Bengkulu, Kalimantan Timur.
FOCUS_PROVINCES: tuple[str, ...] = ("16", "17", "64")

#: Coverage thresholds (percent): UHC award, national 2024 target, full coverage.
THRESHOLDS: tuple[float, ...] = (95.0, 98.0, 100.0)

#: Raw figures dated after "today" are rejected as in the future. ``None`` means
#: the real date; set ``UHC_ANALYSIS_TODAY=YYYY-MM-DD`` to pin it (tests do).
TODAY: str | None = os.environ.get("UHC_ANALYSIS_TODAY") or None


def today() -> dt.date:
    """The date "today" means: ``UHC_ANALYSIS_TODAY`` when set, else the real date."""
    return dt.date.fromisoformat(TODAY) if TODAY else dt.date.today()


def display_path(path: Path | str) -> str:
    """``path`` as messages show it: relative to the project (or the package's parent).

    Messages and reject reasons never carry the absolute path the package is
    installed at; a path outside both is shown as given.

    Examples
    --------
    >>> display_path(ALIASES_CSV)
    'uhc_analysis/reference/region_aliases.csv'
    >>> display_path("/elsewhere/raw")
    '/elsewhere/raw'
    """
    path = Path(path)
    absolute = path if path.is_absolute() else Path.cwd() / path
    for base in (PROJECT_ROOT, PACKAGE_DIR.parent, Path.cwd()):
        try:
            return absolute.relative_to(base).as_posix() or "."
        except ValueError:
            continue
    return str(path)
