"""Run the analysis twice and check that every output file is byte-identical.

The stages are those of ``make analysis`` (without ``sync-raw``, which takes
new facts from outside the repository, and ``findings``, which edits the
README)::

    uhc-analysis build
    uhc-analysis metrics
    uhc-analysis project
    uhc-analysis status
    uhc-analysis figures --lang en
    uhc-analysis figures --lang id
    uhc-analysis notebooks

By default each run happens in its own scratch copy of the repository (the
raw data, notebooks, reference files and scripts; ``UHC_ANALYSIS_ROOT`` points
the package at it), so the working tree is not touched and the two runs cannot
read each other's outputs; ``--in-place`` runs twice in the repository itself
instead. Both runs get the same ``UHC_ANALYSIS_TODAY`` (default: today),
``MPLBACKEND=Agg`` and, like the Makefile, ``PYTHONHASHSEED=0``
(``--hashseeds 0 1`` gives the runs different seeds, to catch results that
depend on set or dict iteration order).

Compared: the sha256 of every file under ``data/processed`` and
``reports/figures``, which must be identical; and the executed notebooks in
``reports/``, which may differ only in volatile metadata (the runner already
strips execution timestamps; the scratch folder's path is masked). Every hash
is printed; the exit status is 1 on any difference or a file present in only
one run, 2 when a stage fails.

Examples
--------
    .venv/bin/python scripts/check_determinism.py
    .venv/bin/python scripts/check_determinism.py --skip-notebooks --hashseeds 0 1
    .venv/bin/python scripts/check_determinism.py --in-place
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO: Path = Path(__file__).resolve().parents[1]
#: Folders whose files must be byte-identical between runs (relative to the root).
COMPARED: tuple[str, ...] = ("data/processed", "reports/figures")
#: What a scratch copy leaves out: outputs, caches, environments, history.
IGNORED: tuple[str, ...] = (
    ".git",
    ".venv",
    ".cache",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    "__pycache__",
    "*.egg-info",
    ".ipynb_checkpoints",
    "build",
)
#: Cell and notebook metadata that may differ between runs.
VOLATILE = ("execution", "papermill", "widgets", "ExecuteTime")


def stages(skip_notebooks: bool) -> list[list[str]]:
    """Commands of one analysis run (``make analysis`` minus sync-raw and findings).

    Examples
    --------
    >>> [s[-1] for s in stages(skip_notebooks=True)][:3]
    ['build', 'metrics', 'project']
    """
    cli = [sys.executable, "-m", "uhc_analysis"]
    out = [
        [*cli, "build"],
        [*cli, "metrics"],
        [*cli, "project"],
        [*cli, "status"],
        [*cli, "figures", "--lang", "en", "id"],
    ]
    if not skip_notebooks:
        out.append([*cli, "notebooks"])
    return out


def sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def hash_tree(root: Path, folders: Sequence[str] = COMPARED) -> dict[str, str]:
    """``{relative path: sha256}`` of every file under ``root/<folder>`` (dot-files skipped)."""
    hashes: dict[str, str] = {}
    for folder in folders:
        base = root / folder
        if not base.is_dir():
            continue
        for path in sorted(p for p in base.rglob("*") if p.is_file()):
            rel = path.relative_to(root).as_posix()
            if not any(part.startswith(".") for part in Path(rel).parts):
                hashes[rel] = sha256(path)
    return hashes


def normalised_notebook(path: Path, root: Path) -> str:
    """sha256 of an executed notebook without volatile metadata and with ``root`` masked.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.ipynb"
    >>> _ = p.write_text('{"cells": [], "metadata": {"papermill": {"duration": 1}}}')
    >>> normalised_notebook(p, p.parent) == normalised_notebook(p, pathlib.Path("/x"))
    True
    """
    nb = json.loads(path.read_text(encoding="utf-8"))
    for key in VOLATILE:
        nb.get("metadata", {}).pop(key, None)
    for cell in nb.get("cells", []):
        for key in VOLATILE:
            cell.get("metadata", {}).pop(key, None)
    text = json.dumps(nb, sort_keys=True).replace(str(root.resolve()), "<ROOT>")
    return hashlib.sha256(text.encode()).hexdigest()


def scratch_copy(dest: Path) -> Path:
    """Copy the repository (inputs only) to ``dest``; outputs start empty."""
    shutil.copytree(REPO, dest, ignore=shutil.ignore_patterns(*IGNORED), symlinks=True)
    for folder in ("data/processed", "reports"):
        target = dest / folder
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
    return dest


def run_analysis(root: Path, env: dict[str, str], commands: list[list[str]], label: str) -> bool:
    """Run ``commands`` in ``root``; print each with its time; False at the first failure."""
    for cmd in commands:
        shown = " ".join(Path(c).name if k == 0 else c for k, c in enumerate(cmd))
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True)
        print(f"  [{label}] {shown:<45} {time.perf_counter() - start:6.1f} s  rc={proc.returncode}")
        if proc.returncode != 0:
            print(f"--- stdout of `{shown}`\n{proc.stdout[-4000:]}", file=sys.stderr)
            print(f"--- stderr of `{shown}`\n{proc.stderr[-4000:]}", file=sys.stderr)
            return False
    return True


def compare(first: dict[str, str], second: dict[str, str], kind: str) -> int:
    """Print one line per file (both hashes when they differ); return the number of differences."""
    differences = 0
    for rel in sorted(set(first) | set(second)):
        a, b = first.get(rel, "<missing>"), second.get(rel, "<missing>")
        if a == b:
            print(f"  same  {a[:16]}  {rel}")
        else:
            differences += 1
            print(f"  DIFF  {a[:16]} != {b[:16]}  {rel}")
    print(f"{kind}: {len(set(first) | set(second))} files compared, {differences} differ")
    return differences


def _environment(root: Path, today: str, hashseed: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        UHC_ANALYSIS_ROOT=str(root),
        UHC_ANALYSIS_TODAY=today,
        MPLBACKEND="Agg",
        PYTHONHASHSEED=hashseed,
    )
    mirror = REPO.parent / "shared" / "data" / "mirror"
    if not env.get("UHC_ANALYSIS_MIRROR") and (mirror / "boundaries").is_dir():
        env["UHC_ANALYSIS_MIRROR"] = str(mirror)
    if root != REPO:
        env["UHC_ANALYSIS_CACHE"] = str(root / ".cache" / "uhc-analysis")
    return env


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--in-place",
        action="store_true",
        help="run twice in the repository itself instead of scratch copies",
    )
    parser.add_argument(
        "--skip-notebooks", action="store_true", help="leave out `uhc-analysis notebooks` (faster)"
    )
    parser.add_argument(
        "--today",
        default=os.environ.get("UHC_ANALYSIS_TODAY") or dt.date.today().isoformat(),
        help="UHC_ANALYSIS_TODAY for both runs",
    )
    parser.add_argument(
        "--hashseeds",
        nargs=2,
        default=["0", "0"],
        metavar=("RUN1", "RUN2"),
        help="PYTHONHASHSEED of each run (default: 0 0, as the Makefile)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch copies")
    args = parser.parse_args(argv)

    commands = stages(args.skip_notebooks)
    scratch = Path(tempfile.mkdtemp(prefix="uhc-determinism-"))
    roots: list[Path] = []
    trees: list[dict[str, str]] = []
    notebooks: list[dict[str, str]] = []
    try:
        for k in (1, 2):
            root = REPO if args.in_place else scratch_copy(scratch / f"run{k}")
            print(
                f"run {k} in {root} (PYTHONHASHSEED={args.hashseeds[k - 1]}, "
                f"UHC_ANALYSIS_TODAY={args.today})",
                flush=True,
            )
            env = _environment(root, args.today, args.hashseeds[k - 1])
            if not run_analysis(root, env, commands, f"run {k}"):
                print(f"run {k} failed; nothing compared", file=sys.stderr)
                return 2
            roots.append(root)
            trees.append(hash_tree(root))
            notebooks.append(
                {
                    p.relative_to(root).as_posix(): normalised_notebook(p, root)
                    for p in sorted((root / "reports").glob("[0-9][0-9]-*.ipynb"))
                }
            )
        print("\nsha256 of data/processed and reports/figures (first 16 hex digits):")
        differences = compare(trees[0], trees[1], "processed tables and figures")
        if not args.skip_notebooks:
            print("\nexecuted notebooks, volatile metadata removed and paths masked:")
            differences += compare(notebooks[0], notebooks[1], "executed notebooks")
    finally:
        if args.keep:
            print(f"scratch copies kept in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    if differences:
        print(f"\nNOT deterministic: {differences} file(s) differ between the two runs")
        return 1
    print("\ndeterministic: every compared file is byte-identical between the two runs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
