"""The pandera models of the forecast tables (written by ``uhc-analysis project``).

``time_to_uhc`` holds the default model's crossing dates for every region x
measure x threshold (registered coverage, activity and the joint criteria such
as UHC prioritas); ``backtest_predictions`` and ``backtest_scores`` are the
strict as-of rolling backtest of that same model
(:mod:`uhc_analysis.analysis.forecast`).

Examples
--------
>>> TimeToUhcSchema.Config.unique
['region_code', 'target']
>>> "overdue" in CROSSING_STATUSES
True
"""

from __future__ import annotations

import pandera.pandas as pa

from uhc_analysis.schemas.fields import (
    _PROVINCE_CODE,
    _REGION_CODE,
    LEVELS,
    Flag,
    Float,
    Int,
    Text,
    _matches,
    _number,
    _one_of,
    _Table,
)

#: ``time_to_uhc.status``: what the default model says of a crossing.
CROSSING_STATUSES: tuple[str, ...] = ("reached", "on_track", "overdue", "not_on_current_trend")
#: ``time_to_uhc.measure``: the two series and the joint criteria.
CROSSING_MEASURES: tuple[str, ...] = ("registered", "active", "joint")
#: ``model`` of the default forecast (see :mod:`uhc_analysis.analysis.forecast.projecting`).
FORECAST_MODELS: tuple[str, ...] = ("rw_drift", "rw_drift_linked", "rw_drift_joint")
_SETS: tuple[str, ...] = ("tuning", "test", "all")


class TimeToUhcSchema(_Table):
    """``time_to_uhc.csv``: when each region meets each threshold, with an 80/95 % interval."""

    region_code: Text = _matches(_REGION_CODE)
    region_name: Text
    region_level: Text = _one_of(LEVELS)
    province_code: Text = _matches(_PROVINCE_CODE)
    measure: Text = _one_of(CROSSING_MEASURES)
    #: What is met, in words: ``registered >= 95``, ``registered >= 98 and active >= 80``.
    target: Text = pa.Field(str_length={"min_value": 1})
    threshold: Float = _number(ge=0, nullable=False)
    threshold_active: Float = _number(ge=0)
    model: Text = _one_of(FORECAST_MODELS)
    method: Text
    status: Text = _one_of(CROSSING_STATUSES)
    year_reached: Float = _number()
    year_reached_lo80: Float = _number()
    year_reached_hi80: Float = _number()
    year_reached_lo95: Float = _number()
    year_reached_hi95: Float = _number()
    probability_at_or_above: Float = pa.Field(ge=0, le=1)
    as_of: Text = _matches(r"^\d{4}-\d{2}-\d{2}$")
    n_own_obs: Int = pa.Field(ge=0)
    borrowed_trend: Flag
    first_date: Float = _number()
    latest_date: Float = _number()
    latest_pct: Float = _number(ge=0)
    not_before: Float = _number()
    ceiling: Float = _number(ge=0)
    cap: Float = _number(ge=0)
    reason: Text = pa.Field(str_length={"min_value": 1})

    class Config:
        unique = ["region_code", "target"]


class BacktestPredictionsSchema(_Table):
    """``backtest_predictions.csv``: every scored forecast of the strict as-of backtest."""

    origin: Text = _matches(r"^\d{4}-\d{2}-\d{2}$")
    region_code: Text = _matches(_REGION_CODE)
    measure: Text = _one_of(("registered", "active"))
    target_date: Text = _matches(r"^\d{4}-\d{2}-\d{2}$")
    horizon: Float = _number(ge=0, nullable=False)
    set: Text = _one_of(("tuning", "test"))
    observed: Float = _number(ge=0, nullable=False)
    median: Float = _number(ge=0)
    lo80: Float = _number(ge=0)
    hi80: Float = _number(ge=0)
    p_at_or_above_95: Float = pa.Field(ge=0, le=1)
    last_value: Float = _number(ge=0)
    last_date: Text
    latest_below_95: Flag
    method: Text

    class Config:
        unique = ["origin", "region_code", "measure", "target_date"]


class BacktestScoresSchema(_Table):
    """``backtest_scores.csv``: MAE, bias, 80 % coverage (Clopper-Pearson), Brier, by set."""

    set: Text = _one_of(_SETS)
    subset: Text
    n: Int = pa.Field(ge=0)
    mae: Float = _number(ge=0)
    bias: Float = _number()
    mae_last_value: Float = _number(ge=0)
    bias_last_value: Float = _number()
    mae_ratio: Float = _number(ge=0)
    coverage80: Float = pa.Field(ge=0, le=1, nullable=True)
    coverage80_lo: Float = pa.Field(ge=0, le=1, nullable=True)
    coverage80_hi: Float = pa.Field(ge=0, le=1, nullable=True)
    interval_score80: Float = _number(ge=0)
    brier: Float = _number(ge=0)
    brier_naive: Float = _number(ge=0)

    class Config:
        unique = ["set", "subset"]
