"""Tunables, output columns and the logit scale of the projections.

Examples
--------
>>> s = ProjectionSettings()
>>> round(float(expit_pct(logit(80.0, s), s)), 6)
80.0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from uhc_analysis import config

#: The four models :func:`~uhc_analysis.analysis.projection.backtest` compares, default first.
MODELS: tuple[str, ...] = ("logit_wls", "mixed", "cagr", "last_value")

#: Columns of :func:`~uhc_analysis.analysis.projection.backtest` (``backtest.csv``).
BACKTEST: tuple[str, ...] = (
    "model",
    "n_regions",
    "n_heldout",
    "mae_pp",
    "rmse_pp",
    "bias_pp",
    "median_ae_pp",
    "coverage_80",
    "coverage_95",
    "mean_width80_pp",
    "note",
)

#: Columns of :func:`~uhc_analysis.analysis.projection.backtest_predictions`.
BACKTEST_PREDICTIONS: tuple[str, ...] = (
    "model",
    "region_code",
    "region_level",
    "province_code",
    "n_train",
    "train_first_year",
    "train_last_year",
    "decimal_year",
    "horizon_years",
    "actual_pct",
    "predicted_pct",
    "lo80",
    "hi80",
    "lo95",
    "hi95",
    "error_pp",
    "inside_80",
    "inside_95",
)


@dataclass(frozen=True)
class ProjectionSettings:
    """Tunables of the projections (frozen: pass a new instance to change one).

    Examples
    --------
    >>> ProjectionSettings(ceiling=104.0).ceiling
    104.0
    >>> ProjectionSettings(ceiling=99.0)
    Traceback (most recent call last):
    ...
    ValueError: ceiling (99.0) must be above every threshold (100.0)
    """

    #: Asymptote of the logistic path (percent); above 100 because Dukcapil
    #: denominators give coverage above 100 %.
    ceiling: float = 105.0
    #: Last projected year (inclusive: a crossing during this year counts).
    horizon: int = 2035
    thresholds: tuple[float, ...] = config.THRESHOLDS
    provinces: tuple[str, ...] = config.FOCUS_PROVINCES
    measure: str = "registered"
    basis: str = "published"
    #: Primary model; regions it cannot fit fall back as in the package docstring.
    model: str = "logit_wls"
    min_obs_wls: int = 3
    min_span_wls: float = 1.0
    #: Shares coverage/ceiling are clipped to this range before the logit.
    min_share: float = 0.01
    max_share: float = 0.99
    rounded_weight: float = 0.5
    censored_weight: float = 0.5
    #: Prior degrees of freedom of the moderated residual variance.
    prior_df: float = 4.0
    #: logit_wls: shrink each region's slope towards its province's pooled slope
    #: (empirical-Bayes prior taken from the ``mixed`` fit).
    slope_prior: bool = True
    #: Floor of the residual standard deviation (logit scale).
    min_resid_sd: float = 0.10
    #: The slope's two-sided (1 - trend_alpha) interval must exclude 0 for ``on_track``.
    trend_alpha: float = 0.20
    #: Centre of the time axis (numerical stability only).
    reference_year: float = 2022.0
    censored_max_iter: int = 25
    #: Backtest: latest observations held out per region, and the minimum number
    #: of point observations a region needs to be backtested.
    holdout: int = 1
    backtest_min_obs: int = 3
    empirical_min_errors: int = 8
    #: Also write the cagr/last_value paths (several models per region) to the paths table.
    paths_baselines: bool = False
    #: Step (years) of the grid on which interval crossings are searched.
    grid_step: float = 1 / 48

    def __post_init__(self) -> None:
        if self.ceiling <= max(self.thresholds):
            raise ValueError(
                f"ceiling ({self.ceiling}) must be above every threshold ({max(self.thresholds)})"
            )
        if not 0 < self.min_share < self.max_share < 1:
            raise ValueError("need 0 < min_share < max_share < 1")
        if self.model not in MODELS:
            raise ValueError(f"model {self.model!r} is not one of {MODELS}")
        if self.holdout < 1 or self.backtest_min_obs < self.holdout + 2:
            raise ValueError("need holdout >= 1 and backtest_min_obs >= holdout + 2")
        if self.min_obs_wls < 2 or self.prior_df < 0 or self.min_resid_sd <= 0:
            raise ValueError("need min_obs_wls >= 2, prior_df >= 0 and min_resid_sd > 0")


def logit(pct: np.ndarray | float, s: ProjectionSettings) -> np.ndarray:
    """``logit(coverage / ceiling)``, the share clipped to ``[min_share, max_share]`` first."""
    share = np.clip(np.asarray(pct, dtype=float) / s.ceiling, s.min_share, s.max_share)
    return special.logit(share)


def expit_pct(y: np.ndarray, s: ProjectionSettings) -> np.ndarray:
    """Back from the logit scale to percent: ``ceiling · expit(y)``."""
    return s.ceiling * special.expit(np.asarray(y, dtype=float))
