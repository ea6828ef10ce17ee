"""A build killed half-way leaves the previous processed outputs intact.

The build computes every table first, writes them into a hidden staging folder
(``.staging-XXXX``, each file itself written atomically) and only then moves
them into place (:func:`uhc_analysis.io.staged_outputs`). The test builds
a small dataset, then starts ``uhc-analysis build`` on a larger synthetic
dataset in a subprocess and kills it (``SIGKILL``) twice: shortly after it
starts (still computing), and the instant the staging folder appears (tables
being written). Both times every final-named file must still hold the bytes of
the previous build. A rerun must then finish normally, remove the leftover
staging folder, and give the accounting of the synthetic data exactly as the
generator wrote it.
"""

from __future__ import annotations

import importlib.util
import io
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

from uhc_analysis import pipeline
from uhc_analysis.io import LOCK_NAME, LOCK_OWNER_NAME
from uhc_analysis.transform.clean import CleanSettings

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TODAY = "2026-11-23"
#: Names of the temporary files of storage.atomic_write (".<final name>.<random>.tmp").
TEMP_NAME = re.compile(r"^\.(?P<final>.+)\.[^.]+\.tmp$")


def load_synthetic() -> ModuleType:
    """``benchmarks/synthetic.py`` (not a package) imported by path."""
    path = PROJECT_ROOT / "benchmarks" / "synthetic.py"
    spec = importlib.util.spec_from_file_location("uhc_benchmarks_synthetic", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


#: The writers' lock of the folder and its owner note (not part of the published set).
LOCK_FILES = {LOCK_NAME, LOCK_OWNER_NAME}


def snapshot_bytes(folder: Path) -> dict[str, bytes]:
    return {
        p.name: p.read_bytes()
        for p in sorted(folder.iterdir())
        if p.is_file() and p.name not in LOCK_FILES
    }


def snapshot_stat(folder: Path) -> dict[str, tuple[int, int, int]]:
    out = {}
    for entry in os.scandir(folder):
        try:
            st = entry.stat()
        except FileNotFoundError:  # a temporary file renamed away meanwhile
            continue
        out[entry.name] = (st.st_ino, st.st_mtime_ns, st.st_size)
    return out


def start_build(raw: Path, out: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "UHC_ANALYSIS_TODAY": TODAY, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uhc_analysis",
            "--raw-dir",
            str(raw),
            "--out-dir",
            str(out),
            "build",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def kill(proc: subprocess.Popen[bytes]) -> int:
    """SIGKILL the build we started (by its pid) and reap it."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    return proc.returncode


def stderr_of(proc: subprocess.Popen[bytes]) -> str:
    assert proc.stderr is not None
    text = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    return text[-2000:]


def kill_when(proc: subprocess.Popen[bytes], out: Path, moment: str, timeout: float = 300) -> int:
    """Poll the output folder; SIGKILL the build at ``moment``.

    ``"staging"``: as soon as a staging folder appears (tables being written);
    ``"early"``: after a quarter of a second (the build is still computing).
    """
    deadline = time.monotonic() + timeout
    start = time.monotonic()
    while time.monotonic() < deadline and proc.poll() is None:
        if moment == "early" and time.monotonic() - start > 0.25:
            return kill(proc)
        if moment == "staging" and any(n.startswith(".staging-") for n in os.listdir(out)):
            return kill(proc)
        time.sleep(0.001)
    return kill(proc)


def check_old_or_new(
    state: dict[str, bytes], old: dict[str, bytes], new: dict[str, bytes]
) -> dict[str, str]:
    """Every final-named file is exactly the old or the new content; say which."""
    which = {}
    for name in old:
        assert name in state, f"{name} disappeared after the kill"
    for name, data in state.items():
        match = TEMP_NAME.match(name)
        if match:
            assert match.group("final") in new, f"unexpected temporary file {name}"
            continue
        assert name in new, f"unexpected file {name} in the output folder"
        if data == old.get(name):
            which[name] = "old"
        elif data == new[name]:
            which[name] = "new"
        else:
            pytest.fail(f"{name} is neither the old nor the complete new file ({len(data)} bytes)")
        if name.endswith(".csv"):
            pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    return which


@pytest.fixture(scope="module")
def datasets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    synthetic = load_synthetic()
    root = tmp_path_factory.mktemp("interrupted")
    small = synthetic.generate(root / "small", n_regions=3, months=("2025-01", "2025-06"))
    big = synthetic.generate(root / "big", n_regions=12, months=("2023-01", "2025-12"), seed=1)
    return {"root": root, "small": small, "big": big}


def test_killed_build_leaves_old_or_new_files_and_rerun_completes(datasets) -> None:
    root: Path = datasets["root"]  # type: ignore[assignment]
    out = root / "out"
    pipeline.build(root / "small", out, verbose=False, settings=CleanSettings(today=TODAY))
    old = snapshot_bytes(out)
    assert {"enrolment.csv", "accounting.csv", "coverage_panel.csv"} <= set(old)

    states = {}
    for moment in ("early", "staging"):
        proc = start_build(root / "big", out)
        code = kill_when(proc, out, moment)
        assert code == -signal.SIGKILL, f"the build was not running any more: {stderr_of(proc)}"
        stderr_of(proc)
        states[moment] = snapshot_bytes(out)

    rerun = subprocess.run(
        [
            sys.executable,
            "-m",
            "uhc_analysis",
            "--raw-dir",
            str(root / "big"),
            "--out-dir",
            str(out),
            "build",
        ],
        env={**os.environ, "UHC_ANALYSIS_TODAY": TODAY},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    new = {n: b for n, b in snapshot_bytes(out).items() if not TEMP_NAME.match(n)}
    assert set(new) >= set(old)

    # killed while computing, and while writing into the staging folder: every final file old
    for moment in ("early", "staging"):
        which = check_old_or_new(states[moment], old, new)
        assert set(which.values()) == {"old"}, (moment, which)
    leftovers = [n for n in os.listdir(out) if n.startswith(".") and n != LOCK_NAME]
    assert not leftovers, "leftovers after the rerun"

    acc = pd.read_csv(out / "accounting.csv")
    assert acc["balanced"].all()
    assert (acc["read"] == acc["kept"] + acc["merged"] + acc["rejected"]).all()
    expected = datasets["big"]["expected"]  # type: ignore[index]
    assert {k: int(acc[k].sum()) for k in ("read", "kept", "merged", "rejected")} == expected


def test_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    """An exception inside the writer leaves the old bytes and no temporary file."""
    from uhc_analysis.io import atomic_write, write_csv

    path = write_csv(pd.DataFrame({"a": [1, 2]}), tmp_path / "t.csv")
    old = path.read_bytes()

    def broken(tmp: Path) -> None:
        tmp.write_text("a\n1\n")  # half of the new content, then a crash
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(path, broken)
    assert path.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv"]
