"""The notebooks' findings follow the data: change an input figure and the sentences change.

Hand-built frames for one province (Bengkulu, ``17``) with three regencies;
each test changes one figure and checks the generated Markdown
(:mod:`uhc_analysis.analysis.narrative`), and that the verdict rules of
notebook 03 (:func:`uhc_analysis.analysis.findings.target_verdicts`) hold.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from uhc_analysis.analysis import findings, narrative, tables

REGIONS = pd.DataFrame(
    {
        "bps_code": ["17", "1701", "1702", "1703"],
        "name": ["Bengkulu", "Kaur", "Lebong", "Seluma"],
        "kind": ["province", "regency", "regency", "regency"],
        "province_code": "17",
    }
)
NAMES = dict(zip(REGIONS["bps_code"], REGIONS["name"], strict=True))


def _panel(latest_lebong: float = 90.0) -> pd.DataFrame:
    """Registered coverage, published basis: the province and three regencies."""
    rows = [
        ("17", "2020-06", 80.0),
        ("17", "2024-08", 99.9),
        ("1701", "2022-01", 93.0),
        ("1701", "2024-05", 99.5),
        ("1702", "2021-03", 85.0),
        ("1702", "2024-08", latest_lebong),
        ("1703", "2023-01", 96.0),
    ]
    frame = pd.DataFrame(rows, columns=["region_code", "period", "coverage_pct"])
    frame["region_name"] = frame["region_code"].map(NAMES)
    frame["region_level"] = np.where(frame["region_code"].str.len() == 2, "province", "regency")
    frame["province_code"] = "17"
    frame["date"] = frame["period"] + "-15"
    frame["measure"] = "registered"
    frame["basis"] = "published"
    frame["lower_bound"] = False
    frame["observation_id"] = [f"E{k}" for k in range(len(frame))]
    return frame


def _metrics(panel: pd.DataFrame, thresholds: tuple[float, ...] = (95.0, 98.0)) -> pd.DataFrame:
    """What ``uhc-analysis metrics`` writes, reduced to the columns the findings use."""
    latest = panel.sort_values("date").groupby("region_code").tail(1)
    frames = []
    for t in thresholds:
        m = latest.copy()
        m["threshold"] = t
        m["status"] = np.where(m["coverage_pct"] >= t, "at_or_above", "below")
        m["gap_people"] = np.where(m["coverage_pct"] >= t, 0.0, (t - m["coverage_pct"]) * 1000)
        m["budget_idr_year"] = m["gap_people"] * 42_000 * 12
        frames.append(m)
    return pd.concat(frames, ignore_index=True)


def _trends(panel: pd.DataFrame) -> str:
    empty_budget = pd.DataFrame(columns=list(tables.BUDGET_COLUMNS) + ["months_covered"])
    return narrative.trends_findings(
        panel, _metrics(panel), empty_budget, REGIONS, thresholds=[95, 98]
    )


def test_trends_findings_change_with_one_coverage_figure() -> None:
    before = _trends(_panel(latest_lebong=90.0))
    after = _trends(_panel(latest_lebong=99.0))
    assert before != after
    assert "Bengkulu: of 3, 2 at ≥ 95 % and 1 at ≥ 98 %." in before
    assert "Bengkulu: of 3, 3 at ≥ 95 % and 2 at ≥ 98 %." in after
    assert "Lebong (90.0 %, 2024-08)" in before and "Lebong (99.0 %, 2024-08)" in after
    assert "Bengkulu rose from 80.0 % (2020-06) to 99.9 % (2024-08)." in before
    # the gap of Lebong at 98 % (8,000 people in these frames) disappears with the new figure
    assert "Lebong (8,000 people, 2024-08)" in before and "Lebong (" not in after.split("gaps")[-1]


def _projections(year_lebong: float = 2024.5) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "region_code": ["1701", "1702", "1703"],
            "region_name": ["Kaur", "Lebong", "Seluma"],
            "region_level": "regency",
            "province_code": "17",
            "threshold": 98,
            "model": ["observed", "logit_wls", "none"],
            "status": ["reached", "on_track", "insufficient_data"],
            "first_period_reached": ["2024-05", "", ""],
            "year_reached": [2024.37, year_lebong, np.nan],
            "year_reached_lo80": [np.nan, year_lebong - 1, np.nan],
            "year_reached_hi80": [np.nan, year_lebong + 2, np.nan],
            "first_year": [2022.0, 2021.2, np.nan],
            "last_year": [2024.37, 2024.6, np.nan],
            "latest_coverage_pct": [99.5, 90.0, np.nan],
        }
    )


BACKTEST = pd.DataFrame(
    {
        "set": ["tuning", "test"],
        "subset": "all",
        "n": [60, 40],
        "mae": [3.0, 2.0],
        "bias": [-1.0, 0.5],
        "mae_ratio": [0.6, 0.7],
        "coverage80": [0.8, 0.75],
    }
)


def _timing(proj: pd.DataFrame, panel: pd.DataFrame) -> str:
    verdicts = findings.target_verdicts(proj)
    return narrative.timing_findings(proj, BACKTEST, verdicts, panel, REGIONS, thresholds=[98])


def test_timing_findings_follow_the_projection() -> None:
    before = _timing(_projections(year_lebong=2024.5), _panel())
    after = _timing(_projections(year_lebong=2026.5), _panel())
    assert "**Unconfirmed:** 1 regency" in before and "Lebong (last figure 2024)" in before
    assert "**Projected to be late:** 1 regency" in after and "Lebong: 1.5 years" in after
    assert "**On time:** 1 regency." in before and "**Insufficient data:** Seluma." in before
    assert "beats carrying the last figure forward" in before
    assert "newest figures (test) by 2.00 points (0.70 x)" in before


def test_timing_findings_flag_a_sharp_fall() -> None:
    calm = _timing(_projections(), _panel(latest_lebong=90.0))
    assert "**No sharp fall.**" in calm
    fallen = _timing(_projections(), _panel(latest_lebong=70.0))
    assert "Lebong went from 85.0 % (2021-03) to 70.0 % (2024-08)" in fallen


def test_backtest_sentence_says_when_the_model_loses() -> None:
    worse = BACKTEST.assign(mae_ratio=[0.9, 1.2])
    text = narrative.timing_findings(
        _projections(),
        worse,
        findings.target_verdicts(_projections()),
        _panel(),
        REGIONS,
        thresholds=[98],
    )
    assert "does not beat every naive baseline" in text


def _maps(panel: pd.DataFrame) -> str:
    latest = panel.sort_values("date").groupby("region_code").tail(1)
    latest = latest[latest["region_level"] == "regency"]
    return narrative.maps_findings(
        latest,
        _projections(),
        _metrics(panel),
        REGIONS,
        threshold=98.0,
        breaks=(80.0, 90.0, 95.0, 98.0),
        year_bins=(2026, 2030),
    )


def test_maps_findings_change_with_one_coverage_figure() -> None:
    before, after = _maps(_panel(latest_lebong=90.0)), _maps(_panel(latest_lebong=75.0))
    assert "No regency is below 80 %." in before
    assert "Below 80 %: Lebong (75.0 %)." in after
    assert "1 of the 3 regencies and cities are in the top class (≥ 98 %)" in before
    assert "Lebong (8,000 people, Rp 4.0 bn a year)" in before
    assert "Lebong (23,000 people, Rp 11.6 bn a year)" in after


def test_ranked_sentence_changes_with_one_coverage_figure() -> None:
    latest = _panel().sort_values("date").groupby("region_code").tail(1)
    assert "from the 1 below: Lebong." in narrative.ranked_sentence(latest, 95.0)
    latest.loc[latest["region_code"] == "1702", "coverage_pct"] = 95.0
    text = narrative.ranked_sentence(latest, 95.0)
    assert "the 3 regencies at or above it from the 0 below" in text
    assert "Lebong sits exactly at 95.0 %." in text


# ----------------------------------------------------------------------------- verdict rules


@pytest.mark.parametrize(
    ("status", "year", "first_year", "verdict", "first_at_target"),
    [
        ("reached", 2024.5, 2020.0, "on time", False),
        ("reached", 2026.0, 2020.0, "late, reached", False),
        ("reached", 2026.0, 2026.0, "late, reached", True),
        ("on_track", 2027.0, 2020.0, "late, projected", False),
        ("on_track", np.nan, 2020.0, "late, projected", False),  # beyond the horizon
        ("on_track", 2024.2, 2020.0, "unconfirmed", False),
        ("not_on_current_trend", np.nan, 2020.0, "late, not on trend", False),
        ("insufficient_data", np.nan, np.nan, "insufficient data", False),
    ],
)
def test_target_verdict_rules(
    status: str, year: float, first_year: float, verdict: str, first_at_target: bool
) -> None:
    proj = (
        _projections()
        .iloc[:1]
        .assign(status=status, year_reached=year, first_year=first_year, model="m")
    )
    row = findings.target_verdicts(proj).iloc[0]
    assert row["verdict"] == verdict
    assert bool(row["first_figure_at_target"]) is first_at_target
    if not np.isnan(year):
        assert row["years_late"] == pytest.approx(year - findings.NATIONAL_TARGET_YEAR)


def test_target_verdicts_need_the_target_threshold() -> None:
    with pytest.raises(ValueError, match="no rows at 98 %"):
        findings.target_verdicts(_projections().assign(threshold=95))


def test_require_thresholds_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="metrics.csv has thresholds 95, 98 and not 90"):
        tables.require_thresholds(_metrics(_panel()), [90], "metrics.csv")


def test_timing_headline_uses_the_uhc_statuses_with_their_evidence_age() -> None:
    status = pd.DataFrame(
        {
            "region_code": ["1701", "1702", "1703"],
            "region_level": "regency",
            "province_code": "17",
            "criterion_id": "national_98",
            "min_coverage_pct": 98.0,
            "min_active_pct": np.nan,
            "status": ["confirmed", "stale", "confirmed"],
            "evaluated_at": "2026-12-02",
            "evidence_age_months": [3.0, 30.0, 5.0],
        }
    )
    verdicts = findings.target_verdicts(_projections())
    text = narrative.timing_findings(
        _projections(), BACKTEST, verdicts, _panel(), REGIONS, thresholds=[98], status=status
    )
    assert "**Status at `national_98` (>= 98 % registered) on 2026-12-02**" in text
    assert "median age of that evidence 5 months" in text
    assert "| confirmed | stale | regions |" in text
