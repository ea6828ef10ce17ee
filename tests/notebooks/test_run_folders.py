"""Parameterised notebook reruns each go to their own folder and leave the default run alone.

As a researcher reruns them: ``uhc-analysis notebooks`` (the default run, into
``reports/``), then ``uhc-analysis notebooks --provinces P --lang L`` for every
focus province alone and for all three, in English and Indonesian, in a
workspace of their own (``UHC_ANALYSIS_ROOT``). Each parameterised run must
land in ``reports/runs/<provinces>-<lang>/`` with every notebook run, and the
default run's files must keep their bytes (compared by sha256).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from uhc_analysis import config
from uhc_analysis.workspace import init_workspace

pytestmark = pytest.mark.slow

#: (provinces, lang) of every rerun after the default one.
RERUNS: list[tuple[list[str], str]] = [
    *[([p], lang) for p in config.FOCUS_PROVINCES for lang in ("en", "id")],
    (list(config.FOCUS_PROVINCES), "id"),
]


def _hashes(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


def _cli(ws: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, config.ROOT_ENV: str(ws), "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0"}
    return subprocess.run(
        [sys.executable, "-m", "uhc_analysis", *args],
        cwd=ws,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )


@pytest.fixture(scope="module")
def workspace(
    processed_dir: Path, figures_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A workspace holding the session's processed tables and figures."""
    ws = init_workspace(tmp_path_factory.mktemp("runs") / "ws")
    shutil.rmtree(ws / "data" / "processed")
    shutil.copytree(processed_dir, ws / "data" / "processed")
    shutil.rmtree(ws / "reports" / "figures")
    shutil.copytree(figures_dir, ws / "reports" / "figures")
    return ws


def test_every_province_alone_and_together_in_both_languages(workspace: Path) -> None:
    done = _cli(workspace, "notebooks")
    assert done.returncode == 0, done.stderr[-3000:]
    reports = workspace / "reports"
    default = _hashes(reports)
    assert {f"{p.stem}.html" for p in (workspace / "notebooks").glob("0*.ipynb")} <= set(default)
    for provinces, lang in RERUNS:
        done = _cli(workspace, "notebooks", "--provinces", *provinces, "--lang", lang)
        assert done.returncode == 0, f"{provinces} {lang}: {done.stderr[-3000:]}"
        assert "KeyboardInterrupt" not in done.stdout + done.stderr
        folder = reports / "runs" / f"{'-'.join(sorted(provinces))}-{lang}"
        times = json.loads((folder / "rerun_times.json").read_text())
        assert [n["status"] for n in times["notebooks"]] == ["ok"] * len(times["notebooks"])
        assert len(times["notebooks"]) == len(list((workspace / "notebooks").glob("0*.ipynb")))
        assert times["parameters"]["01-data-cleaning.ipynb"]["provinces"] == provinces
        assert _hashes(reports) == default, f"the run {provinces} {lang} touched reports/"


def test_an_unknown_province_is_refused_before_anything_runs(workspace: Path) -> None:
    done = _cli(workspace, "notebooks", "--provinces", "99")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "uhc-analysis: parameter provinces: 99 is not a BPS province code; "
        "pass 2-digit codes such as the focus provinces 16, 17, 64"
    ]
    assert not (workspace / "reports" / "runs" / "99-en").exists()
