"""Time to UHC: observation model, linked trend fits, simulated uncertainty, as-of backtest.

Frames in, frames out:

* :func:`project` -> ``(crossings, paths)`` at an as-of date
  (:mod:`.projecting`);
* :func:`run_backtest` -> ``(predictions, scores)`` on rolling origins with a
  strict as-of cut-off (:mod:`.backtest`).

Modules: :mod:`.observations` (which figures are observations; censored
evidence), :mod:`.model` (the statsmodels fits), :mod:`.uncertainty` (draws
from the fitted covariance), :mod:`.projecting`, :mod:`.backtest`.
"""

from uhc_analysis.analysis.forecast.backtest import run_backtest
from uhc_analysis.analysis.forecast.model import ForecastSettings
from uhc_analysis.analysis.forecast.observations import censored_evidence, observations
from uhc_analysis.analysis.forecast.projecting import (
    CROSSINGS,
    PATHS,
    FutureInputError,
    forecast,
    project,
)

__all__ = [
    "CROSSINGS",
    "PATHS",
    "ForecastSettings",
    "FutureInputError",
    "censored_evidence",
    "forecast",
    "observations",
    "project",
    "run_backtest",
]
