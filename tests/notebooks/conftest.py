"""Processed outputs and figures for the notebook tests, in temporary folders.

The notebooks read the processed tables through their ``processed_dir``
parameter and the figures through ``figures_dir`` (notebook 05), so the tests
build them once per session into temporary folders and never touch
``data/processed`` or ``reports/``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from uhc_analysis import pipeline

#: The province whose figures the session draws (one province: a few seconds, not a minute).
FIGURES_PROVINCE: str = "17"
#: Their language: the figures notebook run in English finds none, in Indonesian all.
FIGURES_LANG: str = "id"


@pytest.fixture(scope="session")
def processed_dir(analysis_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``uhc-analysis build``, ``metrics`` and ``project`` into a temporary folder."""
    out = tmp_path_factory.mktemp("processed")
    pipeline.build(out_dir=out, verbose=False)
    pipeline.metrics(out)
    pipeline.project(out)
    pipeline.status(out)
    return out


@pytest.fixture(scope="session")
def figures_dir(processed_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``uhc-analysis figures --provinces 17 --lang id --formats png`` into a temporary folder."""
    out = tmp_path_factory.mktemp("figures")
    pipeline.figures((FIGURES_PROVINCE,), FIGURES_LANG, out, ("png",), processed_dir)
    return out
