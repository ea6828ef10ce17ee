"""The two baselines, ``cagr`` and ``last_value``, with empirical intervals.

``cagr`` extrapolates the compound annual growth rate between the first and
the last observation (UN ESCAP "anticipated progress", Open SDG progress),
capped at the ceiling; ``last_value`` carries the latest figure forward.
Their 80/95 % intervals are quantiles of rolling-origin one-step errors of
the same baseline inside the data, scaled by ``sqrt(horizon)``. Both are a
few lines of arithmetic, so no forecasting library is involved.

Examples
--------
>>> import pandas as pd
>>> from uhc_analysis.analysis.projection.settings import ProjectionSettings
>>> obs = pd.DataFrame({"region_code": "1701", "decimal_year": [2018.0, 2020.0],
...                     "coverage_pct": [64.0, 81.0], "lower_bound": False})
>>> fits = fit_baselines(obs, ProjectionSettings())
>>> round(float(fits["cagr"]["1701"].rate), 4), fits["last_value"]["1701"].c_last
(0.125, 81.0)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from uhc_analysis.analysis.projection.inputs import split_by_region
from uhc_analysis.analysis.projection.settings import ProjectionSettings


@dataclass(frozen=True)
class Baseline:
    """The path ``c_last · (1 + rate)^h`` from the latest observation, capped at the ceiling."""

    model: str
    t_last: float
    c_last: float
    rate: float  # annual growth rate (0 for last_value)
    quantiles: Mapping[float, float] | None  # standardised error quantiles, or None
    note: str

    def band(self, years: np.ndarray, s: ProjectionSettings) -> dict[str, np.ndarray]:
        """Path and empirical 80/95 % limits (percent) at ``years``, as arrays."""
        h = np.maximum(np.asarray(years, dtype=float) - self.t_last, 0.0)
        mean = np.minimum(self.c_last * (1 + self.rate) ** h, s.ceiling)
        out = {"coverage_pct": mean}
        for level, (pl, ph) in (("80", (0.1, 0.9)), ("95", (0.025, 0.975))):
            if self.quantiles is None:
                out[f"lo{level}"] = out[f"hi{level}"] = np.full_like(mean, np.nan)
            else:
                # clipped to the possible range [0, ceiling]
                lo = mean + self.quantiles[pl] * np.sqrt(h)
                hi = mean + self.quantiles[ph] * np.sqrt(h)
                out[f"lo{level}"] = np.clip(lo, 0.0, s.ceiling)
                out[f"hi{level}"] = np.clip(hi, 0.0, s.ceiling)
        return out

    def predict(self, years: np.ndarray, s: ProjectionSettings) -> pd.DataFrame:
        return pd.DataFrame(self.band(years, s))

    def year_reached(self, threshold: float) -> float:
        if self.c_last >= threshold:
            return self.t_last
        if self.rate <= 0:
            return math.nan
        return self.t_last + math.log(threshold / self.c_last) / math.log1p(self.rate)


def _cagr(t: np.ndarray, c: np.ndarray) -> float:
    span = t[-1] - t[0]
    return (c[-1] / c[0]) ** (1 / span) - 1 if span > 0 and c[0] > 0 else math.nan


def _baseline_errors(points: pd.DataFrame, model: str, s: ProjectionSettings) -> np.ndarray:
    """Rolling-origin one-step errors (actual - forecast) / sqrt(horizon) inside ``points``.

    For each region (sorted) and each observation ``j >= 1`` with a positive
    gap ``h`` to the previous one: the baseline fitted on observations
    ``0..j-1`` (:func:`_cagr`, or rate 0) forecasts ``j``; vectorised per region.
    """
    t_all = points["decimal_year"].to_numpy(float)
    c_all = points["coverage_pct"].to_numpy(float)
    errors = [np.zeros(0)]
    for _, rows in split_by_region(points["region_code"].to_numpy()):
        t, c = t_all[rows], c_all[rows]
        if len(t) < 2:
            continue
        h = t[1:] - t[:-1]
        with np.errstate(all="ignore"):
            if model == "last_value":
                rate = np.zeros(len(h))
            else:
                span = t[:-1] - t[0]  # _cagr(t[:j], c[:j])
                ok = (span > 0) & (c[0] > 0)
                rate = np.where(ok, (c[:-1] / c[0]) ** (1 / np.where(ok, span, 1.0)) - 1, np.nan)
            pred = np.minimum(c[:-1] * (1 + rate) ** h, s.ceiling)
            err = (c[1:] - pred) / np.sqrt(np.where(h > 0, h, 1.0))
        errors.append(err[(h > 0) & ~np.isnan(rate)])
    return np.concatenate(errors)


def fit_baselines(
    obs: pd.DataFrame, settings: ProjectionSettings
) -> dict[str, dict[str, Baseline]]:
    """``{"cagr": {...}, "last_value": {...}}`` per region (cagr needs 2 dates spanning > 0)."""
    points = obs.loc[~obs["lower_bound"]]
    t_all = points["decimal_year"].to_numpy()
    c_all = points["coverage_pct"].to_numpy()
    groups = split_by_region(points["region_code"].to_numpy())
    out: dict[str, dict[str, Baseline]] = {}
    for model in ("cagr", "last_value"):
        err = _baseline_errors(points, model, settings)
        q = (
            {p: float(np.quantile(err, p)) for p in (0.025, 0.1, 0.9, 0.975)}
            if len(err) >= settings.empirical_min_errors
            else None
        )
        note = (
            f"empirical intervals from {len(err)} rolling-origin errors"
            if q
            else f"no interval (only {len(err)} rolling-origin errors)"
        )
        fits = {}
        for region, rows in groups:
            t, c = t_all[rows], c_all[rows]
            rate = 0.0 if model == "last_value" else _cagr(t, c)
            if math.isnan(rate):
                continue
            fits[region] = Baseline(model, float(t[-1]), float(c[-1]), rate, q, note)
        out[model] = fits
    return out
