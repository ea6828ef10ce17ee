"""Atomic writes and the command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from uhc_analysis import cli
from uhc_analysis.io import atomic_write, write_csv


def test_failed_write_leaves_the_old_file(tmp_path: Path) -> None:
    path = write_csv(pd.DataFrame({"a": [1]}), tmp_path / "t.csv")
    old = path.read_bytes()

    def boom(tmp: Path) -> None:
        tmp.write_text("half a fi")
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        atomic_write(path, boom)
    assert path.read_bytes() == old
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]


def test_cli_lists_the_stages() -> None:
    help_text = cli.build_parser().format_help()
    for command in ("build", "metrics", "project", "figures", "notebooks", "findings"):
        assert command in help_text


def test_python_dash_m_build_reports_a_bad_file_in_one_line(tmp_path: Path) -> None:
    raw = tmp_path / "raw" / "prov"
    raw.mkdir(parents=True)
    (raw / "enrolment.csv").write_bytes(b"region_level;province_code\nx;y\n")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "uhc_analysis",
            "--raw-dir",
            str(tmp_path / "raw"),
            "--out-dir",
            str(tmp_path / "out"),
            "build",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1
    assert "prov/enrolment.csv" in proc.stderr and "';'" in proc.stderr
    assert "Traceback" not in proc.stderr
