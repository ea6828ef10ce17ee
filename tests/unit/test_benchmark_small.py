"""The national benchmark at a small size, and the accounting on its synthetic data.

``benchmarks/national.py`` runs here on 20 regencies of the focus provinces
over two years (the full national run is ``python benchmarks/national.py``),
so the benchmark keeps working as the package changes. On the synthetic data
the accounting must be exact, not merely balanced: every deliberately bad row
is one reject of its kind, every duplicated row is merged, every other row is
kept.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

from uhc_analysis.transform import observations
from uhc_analysis.transform.clean import CleanSettings

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BENCHMARKS = PROJECT_ROOT / "benchmarks"
SMALL = {"n_regions": 20, "months": ("2024-01", "2025-12"), "provinces": ("16", "17", "64")}


def load_module(name: str) -> ModuleType:
    """A file of ``benchmarks/`` (not a package) imported by path."""
    spec = importlib.util.spec_from_file_location(
        f"uhc_benchmarks_{name}", BENCHMARKS / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def synthetic() -> ModuleType:
    return load_module("synthetic")


@pytest.fixture(scope="module")
def small(synthetic: ModuleType, tmp_path_factory: pytest.TempPathFactory):
    raw = tmp_path_factory.mktemp("small") / "raw"
    counts = synthetic.generate(raw, **SMALL)
    files = sorted(raw.rglob("*.csv"))
    result = observations.clean_files(
        files, raw_dir=raw, settings=CleanSettings(today="2026-11-23")
    )
    return raw, counts, result


def digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*.csv")):
        h.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def test_generator_is_deterministic(synthetic: ModuleType, tmp_path: Path) -> None:
    args = {"n_regions": 3, "months": ("2025-01", "2025-12")}
    a = synthetic.generate(tmp_path / "a", **args)
    b = synthetic.generate(tmp_path / "b", **args)
    synthetic.generate(tmp_path / "c", **args, seed=1)
    assert a == b and digest(tmp_path / "a") == digest(tmp_path / "b")
    assert digest(tmp_path / "a") != digest(tmp_path / "c")


def test_generator_writes_the_raw_layout(small) -> None:
    raw, counts, _ = small
    folders = sorted(p.name for p in raw.iterdir())
    assert len(folders) == counts["provinces"] == 3
    for folder in folders:
        assert sorted(p.name for p in (raw / folder).iterdir()) == [
            "commitments.csv",
            "enrolment.csv",
            "population.csv",
        ]
    enrolment = pd.concat(
        pd.read_csv(p, dtype=str, keep_default_na=False) for p in raw.glob("*/enrolment.csv")
    )
    names = enrolment["region_name_reported"]
    assert names.str.startswith("Kab. ").any() and names.str.startswith("Kota ").any()
    assert names.str.isupper().any() and names.str.islower().any()
    assert enrolment["enrolled"].str.fullmatch(r"\d{1,3}(\.\d{3})+").any()  # "817.221"
    assert enrolment["coverage_pct"].str.fullmatch(r"\d+,\d\d").any()  # "97,63"
    assert (enrolment["region_code"] == "").any()
    assert counts["name_fallbacks"] == 0


def test_accounting_on_synthetic_data_is_exact(small, synthetic: ModuleType) -> None:
    _, counts, result = small
    acc = result.accounting
    assert acc["balanced"].all()
    assert (acc["read"] == acc["kept"] + acc["merged"] + acc["rejected"]).all()
    totals = {k: int(acc[k].sum()) for k in ("read", "kept", "merged", "rejected")}
    assert totals == counts["expected"]
    assert totals["read"] == counts["rows"]
    assert 0.01 < (counts["bad_total"] + counts["duplicates"]) / counts["rows"] < 0.06
    national = load_module("national")
    by_kind = result.rejects["reason"].map(national._reject_category).value_counts().to_dict()
    expected = {k: v for k, v in counts["bad"].items() if v}
    assert by_kind == expected, result.rejects


def test_benchmark_command_runs_and_reports(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run(
        [
            sys.executable,
            str(BENCHMARKS / "national.py"),
            "--regions",
            "20",
            "--years",
            "2",
            "--provinces",
            *SMALL["provinces"],
            "--skip",
            "map",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "build / read_csv ratio" in proc.stdout
    report = json.loads(out.read_text())
    stages = {s["stage"]: s for s in report["stages"]}
    assert list(stages) == ["import", "read_csv", "build", "panel", "projections", "map"]
    assert stages["map"]["status"] == "skipped"
    for name in ("import", "read_csv", "build", "panel"):
        assert stages[name]["status"] == "ok", stages[name]
        assert stages[name]["work_s"] >= 0 and stages[name]["peak_rss_mib"] > 0
    assert stages["projections"]["status"] in ("ok", "skipped"), stages["projections"]
    build = stages["build"]
    assert build["balanced"] is True
    assert build["accounting"] == report["counts"]["expected"]
    assert build["rejects_by_category"] == {k: v for k, v in report["counts"]["bad"].items() if v}
    summary = report["summary"]
    assert summary["accounting_matches"] is True
    assert summary["build_to_read_csv_ratio"] > 0
    assert report["data"]["regions"] == 20 and report["data"]["months"] == 24
