"""The findings table covers every focus region; the notebooks' findings build for each province."""

from __future__ import annotations

from pathlib import Path

import pytest

from uhc_analysis import config, pipeline
from uhc_analysis.analysis import findings, narrative
from uhc_analysis.io import load_processed
from uhc_analysis.transform import clean


@pytest.fixture(scope="module")
def processed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("processed")
    pipeline.build(out_dir=out, verbose=False, settings=clean.CleanSettings(today="2026-11-23"))
    pipeline.metrics(out)
    pipeline.project(out, as_of="2026-11-23")
    pipeline.status(out, as_of="2026-11-23")
    return out


def test_findings_cover_the_40_focus_regions(processed: Path) -> None:
    status = load_processed("uhc_status", processed)
    table = findings.findings_table(
        load_processed("regions", processed),
        load_processed("coverage_panel", processed),
        status,
        load_processed("time_to_uhc", processed),
    )
    assert len(table) == 40  # 37 regencies/cities + 3 provinces
    for criterion in findings.HEADLINE_CRITERIA:
        assert table[criterion].str.len().gt(0).all(), criterion
    # Ogan Komering Ilir: 97.84 % in May 2025, then "81.85 %" per 1 January 2026
    oki = table.set_index("code").loc["1602"]
    assert oki["national_98"] == "confirmed (2026-01)"  # the 2026 award; the figure is flagged
    assert oki["latest coverage %"] == "81.85"
    # Paser: 76 % in June 2022, then the regent's 95.95 % for 2024 (raw rows of December 2026)
    assert table.set_index("code").loc["6401", "latest coverage %"] == "95.95"
    text = findings.findings_markdown(table, status)
    assert text.startswith("Of 40 regions (3 provinces") and "rpjmn_95 (on 2024-12-31)" in text


def test_readme_blocks_are_replaced(processed: Path, tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(
        "x\n<!-- status:start -->\nold\n<!-- status:end -->\n"
        "<!-- findings:start -->\nold\n<!-- findings:end -->\n"
        "<!-- backtest:start -->\nold\n<!-- backtest:end -->\ny\n"
    )
    pipeline.findings(processed, tmp_path, readme=readme)
    text = readme.read_text()
    assert "\nold\n" not in text and "| 1706 | Mukomuko |" in text and "| tuning | all |" in text
    assert "| uhc_prioritas_2025 |" in text and "Status of 40 regions on 2026-11-23" in text
    assert text.startswith("x\n") and text.endswith("y\n")


# ----------------------------------------------------------------------------- notebook findings


def _notebook_findings(processed: Path, provinces: list[str]) -> dict[str, str]:
    """The findings of notebooks 01-05, built from the processed tables as the notebooks do."""
    from uhc_analysis.analysis import tables
    from uhc_analysis.analysis.metrics import latest_coverage
    from uhc_analysis.transform.panel import recompute_check
    from uhc_analysis.transform.population import PopulationModel

    result = tables.clean_result(
        {field: load_processed(name, processed) for field, name in tables.CLEAN_TABLES.items()}
    )
    checks = recompute_check(result.enrolment, PopulationModel(result.population))
    panel = tables.in_provinces(load_processed("coverage_panel", processed), provinces)
    metrics = tables.in_provinces(load_processed("metrics", processed), provinces)
    budget = tables.in_provinces(load_processed("budget_check", processed), provinces)
    proj = tables.in_provinces(load_processed("projections", processed), provinces)
    regions = result.regions
    latest = latest_coverage(panel)
    latest = latest[latest["region_level"] == "regency"]
    return {
        "01": narrative.cleaning_findings(result, checks, provinces),
        "02": narrative.trends_findings(panel, metrics, budget, regions, thresholds=[95, 98, 100]),
        "03": narrative.timing_findings(
            proj,
            load_processed("backtest_scores", processed),
            findings.target_verdicts(proj),
            panel,
            regions,
            thresholds=[95, 98, 100],
        ),
        "04": narrative.maps_findings(
            latest,
            proj,
            metrics,
            regions,
            threshold=98.0,
            breaks=(80.0, 90.0, 95.0, 98.0),
            year_bins=(2026, 2030),
        ),
        "05": narrative.figures_findings(
            tables.figure_inventory([]), [], latest, regions, provinces, threshold=95.0
        ),
    }


@pytest.mark.parametrize("provinces", [["16"], ["17"], ["64"], ["16", "17", "64"]], ids=str)
def test_notebook_findings_for_each_province(processed: Path, provinces: list[str]) -> None:
    """Every notebook's findings build for each province alone (Bengkulu has no BPS basis)."""
    names = narrative.province_names(load_processed("regions", processed))
    for notebook, text in _notebook_findings(processed, provinces).items():
        assert text.startswith("## Findings"), notebook
        assert "nan" not in text and "n/a" not in text, (notebook, text)
        if notebook in ("01", "02", "03"):
            for code in provinces:
                assert names[code] in text, (notebook, code)
        others = set(config.FOCUS_PROVINCES) - set(provinces)
        if notebook in ("02", "03"):
            assert not any(names[code] in text for code in others), notebook


def test_notebook_03_verdicts_cover_every_regency(processed: Path) -> None:
    proj = load_processed("projections", processed)
    verdicts = findings.target_verdicts(proj)
    regencies = proj[(proj["region_level"] == "regency") & (proj["threshold"] == 98)]
    assert len(verdicts) == len(regencies) and verdicts["region_code"].is_unique
    assert set(verdicts["verdict"]) <= set(findings.VERDICTS)
    counts = findings.verdict_counts(verdicts)
    assert counts.loc["all", "all"] == len(regencies)
    text = _notebook_findings(processed, list(config.FOCUS_PROVINCES))["03"]
    assert f"**On time:** {counts.loc['on time', 'all']} regencies." in text
