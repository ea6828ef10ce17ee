"""Rerun benchmark on the real data: every stage beside the nbconvert floor, measured in one run.

One command::

    python benchmarks/rerun.py [--json reports/rerun_benchmark.json] [--readme README.md]

In a fresh workspace (:func:`uhc_analysis.workspace.init_workspace`, a scratch
folder) it measures, in this order and on this machine, now:

``floor``
    a warm ``jupyter nbconvert --execute`` of a notebook whose only cell
    imports pandas, geopandas, matplotlib, statsmodels and seaborn (the floor
    of issue 16: no rerun that executes notebooks can beat it);
``read_csv``
    ``pd.read_csv`` of every raw file (the floor of the build);
each stage
    ``uhc-analysis <stage>`` as a user runs it (a fresh process: interpreter,
    imports and work): ``build``, ``metrics``, ``project``, ``status``,
    ``figures --lang en id``, ``findings``, ``notebooks``;
``no_change``
    ``make analysis`` in the checkout run twice: the second run, with nothing
    changed, is the no-change rerun (only when ``--make`` is given, as
    ``make benchmark`` does).

It prints each time with its ratio to the floor, and the targets of issue 16
(reported, never enforced: the script exits 0 whatever the figures, 1 only if
a stage fails). ``--readme`` rewrites the README's timings block from this
run, so the README never carries a typed timing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
#: ``uhc-analysis`` subcommands of a full rerun, in order.
STAGES: tuple[tuple[str, ...], ...] = (
    ("build",),
    ("metrics",),
    ("project",),
    ("status",),
    ("figures", "--lang", "en", "id"),
    ("findings",),
    ("notebooks",),
)
#: Targets of issue 16, as multiples of the floor.
TARGETS = {"analysis_x_floor": 10.0, "no_change_x_floor": 1.0}
FLOOR_IMPORTS = "import pandas, geopandas, matplotlib, statsmodels.api, seaborn"
MARKERS = ("<!-- timings:start -->", "<!-- timings:end -->")


def _timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-2000:] + done.stderr[-3000:])
        raise SystemExit(f"rerun benchmark: `{' '.join(cmd)}` failed ({done.returncode})")
    return seconds


def nbconvert_floor(env: dict[str, str]) -> float:
    """Seconds of a warm ``jupyter nbconvert --execute`` of the import-only notebook."""
    import nbformat

    with tempfile.TemporaryDirectory(prefix="uhc-floor-") as tmp:
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(FLOOR_IMPORTS)])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "", "language": "python"}
        path = Path(tmp) / "floor.ipynb"
        nbformat.write(nb, path)
        cmd = [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute"]
        cmd += [str(path), "--output", str(Path(tmp) / "out.ipynb")]
        _timed(cmd, Path(tmp), env)  # warm the file cache
        return _timed(cmd, Path(tmp), env)


def read_csv_floor(raw_dir: Path) -> float:
    """Seconds of ``pd.read_csv`` of every raw file, as text."""
    import pandas as pd

    start = time.perf_counter()
    for f in sorted(raw_dir.rglob("*.csv")):
        pd.read_csv(f, dtype=str, keep_default_na=False)
    return time.perf_counter() - start


def measure(use_make: bool) -> dict[str, Any]:
    """Every time of the module docstring, in seconds, with the machine it ran on."""
    from uhc_analysis.workspace import init_workspace

    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0"}
    env.setdefault("UHC_ANALYSIS_MIRROR", str(ROOT.parent / "shared" / "data" / "mirror"))
    out: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}",
        "floor_s": nbconvert_floor(env),
        "stages": [],
    }
    with tempfile.TemporaryDirectory(prefix="uhc-rerun-") as tmp:
        ws = init_workspace(Path(tmp) / "ws")
        out["read_csv_s"] = read_csv_floor(ws / "data" / "raw")
        env["UHC_ANALYSIS_ROOT"] = str(ws)
        cli = [sys.executable, "-m", "uhc_analysis"]
        for stage in STAGES:
            seconds = _timed([*cli, *stage], ws, env)
            out["stages"].append({"stage": " ".join(stage), "seconds": seconds})
    out["analysis_s"] = sum(s["seconds"] for s in out["stages"])
    if use_make:
        make = ["make", "--no-print-directory", "analysis"]
        clean_env = {k: v for k, v in env.items() if k != "UHC_ANALYSIS_ROOT"}
        out["make_first_s"] = _timed(make, ROOT, clean_env)
        out["no_change_s"] = _timed(make, ROOT, clean_env)
    return out


def table(m: dict[str, Any]) -> str:
    """The Markdown table of one run: each time and its multiple of the floor."""
    floor = m["floor_s"]
    rows = [
        "| step | seconds | × floor |",
        "|---|---:|---:|",
        "| floor: warm `jupyter nbconvert --execute` of an import-only notebook "
        f"| {floor:.1f} | 1.0 |",
        f"| `pd.read_csv` of the raw files (the build's floor) | {m['read_csv_s']:.2f} | |",
    ]
    for s in m["stages"]:
        rows.append(
            f"| `uhc-analysis {s['stage']}` | {s['seconds']:.1f} | {s['seconds'] / floor:.1f} |"
        )
    target = TARGETS["analysis_x_floor"]
    rows.append(
        f"| **every stage** (target ≤ {target:g} × floor) | **{m['analysis_s']:.1f}** | "
        f"**{m['analysis_s'] / floor:.1f}** |"
    )
    if "no_change_s" in m:
        rows.append(
            "| `make analysis`, nothing changed "
            f"(target ≤ {TARGETS['no_change_x_floor']:g} × floor) "
            f"| {m['no_change_s']:.1f} | {m['no_change_s'] / floor:.2f} |"
        )
    return "\n".join(rows) + f"\n\nMeasured by `make benchmark` on {m['machine']}.\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, default=None, help="also write the times as JSON")
    parser.add_argument("--readme", type=Path, default=None, help="rewrite its timings block")
    parser.add_argument("--make", action="store_true", help="also time `make analysis` twice")
    args = parser.parse_args(argv)
    m = measure(args.make)
    text = table(m)
    print(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(m, indent=2) + "\n")
    if args.readme:
        from uhc_analysis.pipeline import update_readme_block

        update_readme_block(args.readme, text, MARKERS)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
