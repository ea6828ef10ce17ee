"""Fitted straight lines on the logit scale, and the censored-evidence refit loop.

:class:`Line` is what ``logit_wls`` and ``mixed`` return per region: a line
``a + b·(t - reference_year)`` with its parameter covariance and residual
variance, from which the median path, the prediction bands and the slope
interval follow.

Examples
--------
>>> import numpy as np
>>> from uhc_analysis.analysis.projection.settings import ProjectionSettings
>>> line = Line("logit_wls", np.array([0.0, 0.5]), np.diag([0.01, 0.001]), 0.04, 10.0, "")
>>> line.predict(np.array([2022.0]), ProjectionSettings()).round(2).to_numpy().tolist()
[[52.5, 44.51, 60.49, 39.69, 65.31]]
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from uhc_analysis.analysis.projection.settings import ProjectionSettings, expit_pct, logit


@functools.lru_cache(maxsize=4096)
def quantile(p: float, df: float) -> float:
    """``p`` quantile of the standard normal (``df`` infinite) or of Student's t, cached.

    Examples
    --------
    >>> round(quantile(0.975, math.inf), 4), round(quantile(0.975, 4.0), 4)
    (1.96, 2.7764)
    """
    return float(stats.norm.ppf(p) if math.isinf(df) else stats.t.ppf(p, df))


@dataclass(frozen=True)
class Line:
    """A straight line ``a + b·(t - reference_year)`` on the logit scale, with uncertainty."""

    model: str
    params: np.ndarray
    cov: np.ndarray
    scale: float
    df: float
    note: str
    n_censored: int = 0
    #: logit_wls: the statsmodels WLS results the line was read from
    results: Any = field(default=None, repr=False)
    #: pooled lines: (mean, variance) of the slope of a new region of the same province
    slope_prior: tuple[float, float] | None = None

    def quantile(self, p: float) -> float:
        return quantile(p, float(self.df))

    def logit_mean(self, years: np.ndarray, s: ProjectionSettings) -> np.ndarray:
        x = np.asarray(years, dtype=float) - s.reference_year
        return self.params[0] + self.params[1] * x

    def band(self, years: np.ndarray, s: ProjectionSettings) -> dict[str, np.ndarray]:
        """Median path and 80/95 % prediction limits (percent) at ``years``, as arrays.

        Observation (prediction) intervals ``mean ± q·sqrt(x·Cov·xᵀ + scale)``
        with ``q`` the normal or t quantile (``df``): for ``logit_wls`` this is
        statsmodels' ``results.get_prediction(exog).summary_frame(alpha)``
        ``obs_ci_lower``/``obs_ci_upper`` of the fixed-scale WLS fit (the unit
        tests check it). It is written out because the crossing search
        evaluates it on a fine grid for every region and threshold, and
        because the pooled ``mixed`` lines have no statsmodels results object.
        """
        years = np.asarray(years, dtype=float)
        exog = np.column_stack([np.ones_like(years), years - s.reference_year])
        mean = exog @ self.params
        se = np.sqrt(np.einsum("ij,jk,ik->i", exog, self.cov, exog) + self.scale)
        out = {"coverage_pct": expit_pct(mean, s)}
        for level, alpha in (("80", 0.20), ("95", 0.05)):
            q = self.quantile(1 - alpha / 2)
            out[f"lo{level}"] = expit_pct(mean - q * se, s)
            out[f"hi{level}"] = expit_pct(mean + q * se, s)
        return out

    def predict(self, years: np.ndarray, s: ProjectionSettings) -> pd.DataFrame:
        """Median path and 80/95 % prediction intervals (percent) at ``years``."""
        return pd.DataFrame(self.band(years, s))[["coverage_pct", "lo80", "hi80", "lo95", "hi95"]]

    def slope_interval(self, alpha: float) -> tuple[float, float, float]:
        """Slope (logit units per year) and its two-sided ``1 - alpha`` interval."""
        se = math.sqrt(max(self.cov[1, 1], 0.0))
        q = self.quantile(1 - alpha / 2)
        b = float(self.params[1])
        return b, b - q * se, b + q * se


_LOG_SQRT_2PI = np.log(np.sqrt(2 * np.pi))  # as scipy.stats.norm


def imputed_bounds(
    mu: np.ndarray, sd: np.ndarray, bound: np.ndarray, included: np.ndarray
) -> np.ndarray:
    """``E[y | y > bound]`` of ``N(mu, sd²)`` where ``included``, NaN elsewhere.

    ``mu + sd · pdf(a) / sf(a)`` with ``a = (bound - mu) / sd`` (the mean of
    ``scipy.stats.truncnorm``), in logs and without scipy's per-call argument
    checks: the censored loop calls it once per iteration and region.

    Examples
    --------
    >>> one = np.ones(1)
    >>> imputed_bounds(0 * one, one, 0 * one, one.astype(bool)).round(4).tolist()
    [0.7979]
    """
    a = (bound - mu) / sd
    log_hazard = -(a**2) / 2.0 - _LOG_SQRT_2PI - special.log_ndtr(-a)
    return np.where(included, mu + sd * np.exp(log_hazard), np.nan)


def with_censored(
    fit: Callable[[pd.DataFrame], dict[str, Line]],
    data: pd.DataFrame,
    cens: pd.DataFrame,
    s: ProjectionSettings,
) -> dict[str, Line]:
    """Refit with informative lower bounds imputed at ``E[y | y > bound]``.

    ``fit`` maps a model frame (:func:`~.inputs.model_frame`, plus censored
    pseudo-rows) to lines per region. After each fit, every bound above the
    fitted median at its date joins (and stays in) the data as a
    pseudo-observation at its truncated-normal mean, weight
    ``censored_weight``; the loop stops when the imputed values move by less
    than 1e-6 or after ``censored_max_iter`` rounds (see the package docstring).
    :func:`~.models_wls.wls_with_censored` is the same loop for one region's
    ``logit_wls`` line on arrays; keep the two in step.
    """
    lines = fit(data)
    cens = cens.loc[cens["region_code"].isin(list(lines))].reset_index(drop=True)
    if cens.empty:
        return lines
    bound = logit(cens["bound_pct"].to_numpy(), s)
    included = np.zeros(len(cens), dtype=bool)
    imputed = np.full(len(cens), np.nan)
    t_cens = cens["decimal_year"].to_numpy(float)
    for _ in range(s.censored_max_iter):
        mu = np.array(
            [
                lines[r].logit_mean(np.array([t]), s)[0] if r in lines else np.nan
                for r, t in zip(cens["region_code"], t_cens, strict=True)
            ]
        )
        sd = np.array(
            [math.sqrt(lines[r].scale) if r in lines else np.nan for r in cens["region_code"]]
        )
        included |= np.nan_to_num(mu, nan=np.inf) < bound
        new = imputed_bounds(mu, sd, bound, included)
        if not included.any():
            return lines
        converged = np.allclose(np.nan_to_num(new), np.nan_to_num(imputed), atol=1e-6, rtol=0)
        imputed = new
        if converged:
            break
        pseudo = cens.loc[included, ["region_code", "province_code", "decimal_year"]].assign(
            y=imputed[included], weight=s.censored_weight, censored=True
        )
        lines = fit(pd.concat([data, pseudo], ignore_index=True))
    return lines
