"""Root pytest hooks shared by the tests and the package's doctests.

The doctests of :mod:`uhc_analysis.plotting` draw on pyplot figures and leave
them for the reader to inspect; this closes them after each test so a full
run does not keep hundreds of figures in memory. matplotlib is never
imported here (the data-layer tests check it stays out of ``sys.modules``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _close_pyplot_figures() -> Iterator[None]:
    yield
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")
