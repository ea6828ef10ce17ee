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
#: Project root (the folder holding ``pyproject.toml``) when run from a checkout.
PROJECT_ROOT: Path = Path(os.environ.get("UHC_ANALYSIS_ROOT", PACKAGE_DIR.parent)).resolve()

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

#: Where downloaded public files (boundaries) are cached; ignored by git.
CACHE_DIR: Path = Path(
    os.environ.get("UHC_ANALYSIS_CACHE", PROJECT_ROOT / ".cache" / "uhc-analysis")
).resolve()

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
