"""Shared test set-up: a pinned "today", the offline boundaries mirror, processed data.

* ``UHC_ANALYSIS_TODAY`` is pinned to :data:`TODAY` unless already set, so raw
  figures dated "in the future" are judged against a fixed date and the
  processed tables do not change with the calendar.
* ``UHC_ANALYSIS_MIRROR`` points at ``<repo>/../shared/data/mirror`` when that
  folder exists and the variable is unset, so boundaries load without network.

Both are set in :func:`pytest_configure`, before any test module imports
:mod:`uhc_analysis.config` (which reads them at import time); notebook kernels
started by the tests inherit them. The session fixture :func:`analysis_env`
returns what was set.

:func:`processed_data` runs ``uhc-analysis build`` once per session into a
temporary folder (the checkout's own ``data/processed`` is never written by the
tests, so ``make analysis`` after ``make test`` still finds its outputs current).

:func:`analysed_data` adds the metrics, projections and statuses to that folder.
A test asks for either by name::

    def test_something(processed_data):
        assert (processed_data / "coverage_panel.csv").exists()
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO: Path = Path(__file__).resolve().parents[1]
#: Offline copy of the public downloads (boundaries), beside the clone.
MIRROR: Path = REPO.parent / "shared" / "data" / "mirror"
#: The date the test suite treats as today.
TODAY: str = "2026-11-23"
MIRROR_ENV: str = "UHC_ANALYSIS_MIRROR"  # same as uhc_analysis.config.MIRROR_ENV
TODAY_ENV: str = "UHC_ANALYSIS_TODAY"


def _set_environment() -> dict[str, str]:
    """Set the two variables when unset; return their values (absent: not set)."""
    if MIRROR.is_dir() and not os.environ.get(MIRROR_ENV):
        os.environ[MIRROR_ENV] = str(MIRROR)
    if not os.environ.get(TODAY_ENV):
        os.environ[TODAY_ENV] = TODAY
    return {k: os.environ[k] for k in (MIRROR_ENV, TODAY_ENV) if os.environ.get(k)}


def pytest_configure(config: pytest.Config) -> None:
    """Set the environment before test modules (and uhc_analysis.config) are imported."""
    _set_environment()


@pytest.fixture(scope="session", autouse=True)
def analysis_env() -> dict[str, str]:
    """The analysis environment variables in force for the session (see module doc)."""
    return _set_environment()


@pytest.fixture(scope="session")
def processed_data(analysis_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run ``uhc-analysis build`` once into a temporary folder; return that folder."""
    from uhc_analysis.pipeline import build

    out = tmp_path_factory.mktemp("processed")
    build(out_dir=out, verbose=False)
    return out


@pytest.fixture(scope="session")
def analysed_data(processed_data: Path) -> Path:
    """:func:`processed_data` with ``metrics``, ``project`` and ``status`` run on it too."""
    from uhc_analysis import pipeline

    pipeline.metrics(processed_data)
    pipeline.project(processed_data)
    pipeline.status(processed_data)
    return processed_data
