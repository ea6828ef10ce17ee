"""A regular (non-editable) install works from an unrelated folder.

Builds the wheel, installs it into a fresh virtual environment and runs, from
a temporary folder that is not the checkout: ``init`` -> ``build`` ->
``metrics`` -> ``project`` -> ``status`` -> one province's figures -> one
notebook. The fresh environment borrows the project environment's
dependencies through a ``.pth`` file (the wheel is installed ``--no-deps``), so
the test needs no network beyond pip's build backend; the wheel's own copy of
``uhc_analysis`` comes first on its path.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _run(cmd: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"{' '.join(cmd)}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """``(bin folder of the fresh venv, environment)`` with the wheel installed."""
    tmp = tmp_path_factory.mktemp("wheel")
    env = {k: v for k, v in os.environ.items() if not k.startswith("UHC_ANALYSIS_ROOT")}
    env.update(MPLBACKEND="Agg", PYTHONHASHSEED="0")
    out = _run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-w", str(tmp / "dist")],
        ROOT,
        env,
    )
    assert "deprecat" not in out.lower(), out
    wheel = next((tmp / "dist").glob("uhc_analysis-*.whl"))
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], tmp, env)
    py = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(purelib, "project-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run([str(py), "-m", "pip", "install", "--no-deps", "--quiet", str(wheel)], tmp, env)
    # data files of the borrowed dependencies (nbconvert templates, the jupyter commands)
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    env["PATH"] = (
        f"{venv / 'bin'}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    )
    env["UHC_ANALYSIS_CACHE"] = str(tmp / "cache")
    return venv / "bin", env


def test_wheel_runs_every_stage_outside_the_checkout(
    installed: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    bin_dir, env = installed
    cli = str(bin_dir / "uhc-analysis")
    where = _run(
        [str(bin_dir / "python"), "-c", "import uhc_analysis; print(uhc_analysis.__file__)"],
        tmp_path,
        env,
    )
    assert str(ROOT) not in where, where  # the wheel's copy, not the checkout
    # no workspace yet: one line naming `init`
    done = subprocess.run([cli, "build"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 2 and "uhc-analysis init" in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    _run([cli, "init", "ws"], tmp_path, env)
    ws = tmp_path / "ws"
    out = _run([cli, "build"], ws, env)
    assert "rejects 0" in out
    _run([cli, "metrics"], ws, env)
    _run([cli, "project"], ws, env)
    _run([cli, "status"], ws, env)
    assert (ws / "data" / "processed" / "time_to_uhc.csv").stat().st_size > 0
    if env.get("UHC_ANALYSIS_MIRROR") or (ROOT.parent / "shared" / "data" / "mirror").is_dir():
        env = {
            **env,
            "UHC_ANALYSIS_MIRROR": env.get("UHC_ANALYSIS_MIRROR")
            or str(ROOT.parent / "shared" / "data" / "mirror"),
        }
        _run([cli, "figures", "--provinces", "17", "--formats", "png"], ws, env)
        assert (ws / "reports" / "figures" / "map_coverage_17_en.png").is_file()
    _run([cli, "notebooks", "notebooks/01-data-cleaning.ipynb"], ws, env)
    assert (ws / "reports" / "01-data-cleaning.html").is_file()
    # nothing was written into the installed package
    site = Path(where.strip()).parent
    assert not (site / "data").exists() and not (site.parent / ".cache").exists()
