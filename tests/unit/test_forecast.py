"""Tests of uhc_analysis.analysis.forecast (fast: small synthetic panels, few draws)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit, logit

from uhc_analysis.analysis.forecast import (
    ForecastSettings,
    FutureInputError,
    forecast,
    observations,
    project,
    run_backtest,
)
from uhc_analysis.analysis.forecast.projecting import synthetic_panel

FAST = ForecastSettings(n_draws=200, horizon_years=8.0)


def _known_panel() -> tuple[pd.DataFrame, float]:
    """Three regions on logit lines with slope 0.45 under K = 100 (max figure 99 + margin 1)."""
    slope, rng = 0.45, np.random.default_rng(7)
    series = {}
    for code, shift in (("1701", 0.0), ("1702", -0.6), ("1703", -1.2)):
        years = np.arange(2017.5, 2025.0, 1.0)
        y = logit(0.99) - 0.3 + shift + slope * (years - years[-1])
        values = 100.0 * expit(y + rng.normal(0, 0.05, len(years)))
        series[code] = list(zip(years, np.minimum(values, 98.9), strict=True))
    series["1701"][-1] = (2024.5, 99.0)
    return synthetic_panel(series), slope


def test_known_slope_is_recovered() -> None:
    panel, slope = _known_panel()
    f = forecast(panel, None, as_of="2025-01-01", settings=FAST)
    fit = f.fits["registered"]
    assert fit.ceiling == pytest.approx(100.0)
    for code in ("1702", "1703"):
        line = fit.lines[code]
        sd = float(np.sqrt(line.cov[1, 1]))
        assert abs(line.mean[1] - slope) < 2.0 * sd + 0.05, (code, line.mean, sd)


def test_redated_repeat_counts_once() -> None:
    panel = synthetic_panel({"1708": [(2022.5, 96.43), (2024.0, 96.43), (2024.6, 95.0)]})
    obs = observations(panel)
    used = obs.loc[obs["used"]]
    assert used["value_pct"].tolist() == [96.43, 95.0]
    assert obs.loc[obs["role"].eq("repeat"), "observation_id"].tolist() == ["E-1708-1"]
    assert used["merged_ids"].iloc[0] == "E-1708-0;E-1708-1"


def test_forecast_refuses_data_after_origin() -> None:
    panel, _ = _known_panel()
    with pytest.raises(FutureInputError):
        forecast(panel, None, as_of="2022-01-01", settings=FAST)
    awards = pd.DataFrame(
        {
            "region_code": ["1701"],
            "observation_id": ["C1"],
            "kind": ["award"],
            "date": ["2023-03-14"],
            "period": ["2023-03-14"],
            "urls": ["u"],
            "remarks": [""],
        }
    )
    early = panel.loc[panel["date"] <= "2022-01-01"]
    with pytest.raises(FutureInputError):
        forecast(early, awards, as_of="2022-01-01", settings=FAST)


def test_backtest_uses_only_data_before_each_origin() -> None:
    panel, _ = _known_panel()
    pred, scores = run_backtest(panel, None, FAST, first_origin=2021.0)
    assert len(pred) and (pred["horizon"] >= 0.5).all()
    assert (pd.to_datetime(pred["last_date"]) <= pd.to_datetime(pred["origin"])).all()
    assert {"mae", "coverage80", "brier", "brier_naive"} <= set(scores.columns)


def test_deterministic_and_capped() -> None:
    panel, _ = _known_panel()
    a = project(panel, None, as_of="2025-01-01", settings=FAST)
    b = project(panel, None, as_of="2025-01-01", settings=FAST)
    pd.testing.assert_frame_equal(a[0], b[0])
    pd.testing.assert_frame_equal(a[1], b[1])
    paths = a[1]
    assert (paths["median"] <= paths["cap"] + 1e-9).all()
    cross = a[0]
    future = cross.loc[cross["status"].eq("on_track")]
    assert (future["year_reached"] >= 2025.0).all()


def _growing_panel() -> pd.DataFrame:
    """Four regions growing at different speeds, one of them with a fall (a level shift)."""
    return synthetic_panel(
        {
            "1701": [(2018.5, 70.0), (2019.5, 76.0), (2020.5, 80.0), (2021.5, 85.0)],
            "1702": [(2018.5, 60.0), (2019.5, 68.0), (2020.5, 73.0), (2021.5, 79.0)],
            "1703": [(2018.5, 80.0), (2019.5, 84.0), (2020.5, 88.0), (2021.5, 91.0)],
            "1704": [(2018.5, 82.0), (2019.5, 85.0), (2020.5, 60.0)],
            "1705": [(2018.5, 97.0), (2019.5, 99.5), (2020.5, 98.0), (2021.5, 100.5)],
        }
    )


def test_intervals_widen_with_the_horizon() -> None:
    _, paths = project(_growing_panel(), None, as_of="2022-01-01", settings=FAST)
    p = paths.loc[paths["region_code"].eq("1702") & paths["measure"].eq("registered")]
    width = (p["hi80"] - p["lo80"]).to_numpy()
    near = width[p["year"].to_numpy() == 2022.5][0]
    far = width[p["year"].to_numpy() == 2025.0][0]
    assert far > near > 0


def test_a_fall_is_not_extrapolated_as_a_trend() -> None:
    _, paths = project(_growing_panel(), None, as_of="2022-01-01", settings=FAST)
    p = paths.loc[paths["region_code"].eq("1704") & paths["measure"].eq("registered")]
    future = p.loc[p["year"] > 2021.0, "median"]
    assert (future >= 60.0 - 1e-9).all() and future.iloc[-1] > future.iloc[0]


def test_joint_criteria_come_from_the_same_paths() -> None:
    settings = ForecastSettings(n_draws=200, horizon_years=8.0, joint=((95.0, 75.0),))
    cross, _ = project(_growing_panel(), None, as_of="2022-01-01", settings=settings)
    by = cross.set_index(["region_code", "measure", "threshold"])
    for code in ("1701", "1705"):
        joint = by.loc[(code, "joint", 95.0)]
        assert joint["threshold_active"] == 75.0
        reg = by.loc[(code, "registered", 95.0), "probability_at_or_above"]
        act = cross.loc[
            cross["region_code"].eq(code)
            & cross["measure"].eq("active")
            & cross["threshold"].eq(75.0),
            "probability_at_or_above",
        ].iloc[0]
        assert joint["probability_at_or_above"] <= min(reg, act) + 1e-9


def test_target_checks_say_met_and_not_met() -> None:
    from uhc_analysis.analysis.forecast.backtest import target_checks

    scores = pd.DataFrame(
        {
            "set": "tuning",
            "subset": ["all", "latest_below_95"],
            "n": [50, 20],
            "mae_ratio": [0.8, 0.75],
            "coverage80": [0.7, 0.7],
            "brier": [0.1, 0.1],
            "brier_naive": [0.2, 0.2],
        }
    )
    checks = target_checks(scores).set_index("target")["met"]
    assert checks["at least 40 scored forecasts"]
    assert not checks["80 % intervals cover 72-88 %"]
    assert not checks["the same, origins whose latest figure is below 95 %: <= 0.70"]
