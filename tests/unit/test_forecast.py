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
