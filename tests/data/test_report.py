"""The findings table covers every focus region and says which figures it used."""

from __future__ import annotations

from pathlib import Path

import pytest

from uhc_analysis import pipeline
from uhc_analysis.analysis import findings
from uhc_analysis.io import load_processed
from uhc_analysis.transform import clean


@pytest.fixture(scope="module")
def processed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("processed")
    pipeline.build(out_dir=out, verbose=False, settings=clean.CleanSettings(today="2026-11-23"))
    pipeline.metrics(out)
    pipeline.project(out)
    return out


def test_findings_cover_the_40_focus_regions(processed: Path) -> None:
    table = findings.findings_table(
        load_processed("regions", processed),
        load_processed("coverage_panel", processed),
        load_processed("projections", processed),
    )
    assert len(table) == 40  # 37 regencies/cities + 3 provinces
    assert table["status at 95 %"].str.len().gt(0).all()
    paser = table.set_index("code").loc["6401"]
    assert paser["status at 95 %"] == "reached, latest below"
    assert paser["latest coverage %"] == "76.00"


def test_readme_blocks_are_replaced(processed: Path, tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(
        "x\n<!-- findings:start -->\nold\n<!-- findings:end -->\n"
        "<!-- backtest:start -->\nold\n<!-- backtest:end -->\ny\n"
    )
    pipeline.findings(processed, tmp_path, readme=readme)
    text = readme.read_text()
    assert "old" not in text and "| 1706 | Mukomuko |" in text and "| logit_wls |" in text
    assert text.startswith("x\n") and text.endswith("y\n")
