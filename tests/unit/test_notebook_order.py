"""The notebooks stage starts the longest notebook first (by the last run's times)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from uhc_analysis import notebooks


def test_the_longest_notebook_of_the_last_run_starts_first(tmp_path: Path) -> None:
    runs = [{"notebook": "01-a.ipynb", "seconds": 4.9}, {"notebook": "04-d.ipynb", "seconds": 21.9},
            {"notebook": "02-b.ipynb", "seconds": 13.5}]  # fmt: skip
    (tmp_path / notebooks.TIMES_FILE).write_text(json.dumps({"notebooks": runs}))
    names = ["01-a.ipynb", "02-b.ipynb", "03-c.ipynb", "04-d.ipynb"]
    jobs = [(Path(n), {}, tmp_path) for n in names]
    order = [job[0].name for job in notebooks.longest_first(jobs)]
    assert order == ["04-d.ipynb", "02-b.ipynb", "01-a.ipynb", "03-c.ipynb"]


def test_without_times_the_notebooks_keep_their_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from uhc_analysis import config

    monkeypatch.setattr(config, "REPORTS_DIR", tmp_path / "none")
    (tmp_path / notebooks.TIMES_FILE).write_text("{not json")
    jobs = [(Path(f"0{i}.ipynb"), {}, tmp_path) for i in range(1, 6)]
    assert notebooks.longest_first(jobs) == jobs
