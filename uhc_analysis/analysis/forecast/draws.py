"""Draws of one region and measure, computed only where they are read.

:func:`simulate` is the one place a region's draws are made (the backtest's
:meth:`~uhc_analysis.analysis.forecast.projecting.Forecast.draws` and
:func:`~uhc_analysis.analysis.forecast.projecting.project` both call it). Its
random stream is fixed: a generator per region and measure
(:func:`~uhc_analysis.analysis.forecast.uncertainty.rng_for`), drawing the
line, the activity offset, the random walk, the observation noise and the
plateau noise in that order and in full, so a draw does not depend on which
other regions are projected nor on which columns are read. What is *computed*
from the noise is limited to ``obs_columns`` (the crossings read a published
figure at ``as_of`` only: one column of a monthly grid), and activity reuses
the registered level draws it is capped by instead of drawing them again.

:func:`evidence_arrays` groups the used figures and the lower bounds of every
region x measure once (sorted by date), and :func:`latest`, :func:`reached_at`
read them without pandas.

Examples
--------
>>> from uhc_analysis.analysis.forecast.projecting import forecast, synthetic_panel
>>> from uhc_analysis.analysis.forecast.model import ForecastSettings
>>> panel = synthetic_panel({"1701": [(2019.5, 80.0), (2021.5, 88.0), (2023.5, 93.0)],
...     "1702": [(2020.5, 70.0), (2022.5, 80.0)]})
>>> f = forecast(panel, None, as_of="2024-01-01", settings=ForecastSettings(n_draws=50))
>>> t = np.array([2024.0, 2025.0, 2026.0])
>>> lev, obs = simulate(f, "1701", "registered", t)
>>> lev2, obs2 = simulate(f, "1701", "registered", t, obs_columns=np.array([1]))
>>> bool(np.array_equal(lev, lev2) and np.array_equal(obs[:, [1]], obs2))
True
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from uhc_analysis.analysis.forecast.uncertainty import level_draws, observation_draws, rng_for

if TYPE_CHECKING:
    from uhc_analysis.analysis.forecast.projecting import Forecast

#: Per region x measure: (years, values, is an observed point), sorted by year.
Evidence = tuple[np.ndarray, np.ndarray, np.ndarray]


def simulate(
    f: Forecast,
    region: str,
    measure: str,
    times: np.ndarray,
    *,
    obs_columns: np.ndarray | None = None,
    registered: np.ndarray | None = None,
    levels_only: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """(level draws, observation draws) of ``measure`` at decimal ``times``.

    ``obs_columns``: indices of ``times`` whose observation draws are wanted
    (default: all); the noise is drawn in full either way (the stream stays).
    ``registered``: the registered level draws at the same ``times`` (activity
    is capped by them); drawn here when not given. ``levels_only``: stop after
    the level draws (the observation draws come back empty).
    """
    s = f.settings
    reg = f.fits["registered"]
    fit = f.fits[measure]
    line = fit.lines[region]
    t = np.asarray(times, float)
    rng = rng_for(s.seed, region, measure)
    offset = fit.offsets.get(region) if measure == "active" else None
    lev = level_draws(line, fit.ceiling, t, rng, s.n_draws, s.t0, offset, s.min_drift)
    if measure == "active":  # activity per resident cannot exceed registered coverage
        if registered is None:
            registered, _ = simulate(f, region, "registered", t, levels_only=True)
        lev = np.minimum(lev, registered)
    if levels_only:
        return lev, lev[:, :0]
    obs = observation_draws(lev, reg.ceiling, fit.scale, rng, obs_columns)
    c0, c1 = reg.top_noise
    if c0 > 0 or c1 > 0:  # the denominators' relative spread (model.plateau_noise)
        z = rng.normal(0.0, 1.0, size=lev.shape)
        tc = t if obs_columns is None else t[obs_columns]
        h = np.maximum(tc - line.t_anchor, 0.0) if np.isfinite(line.t_anchor) else 0.0 * tc
        lc = lev if obs_columns is None else lev[:, obs_columns]
        spread = np.sqrt(c0 + c1 * h)[None, :] * lc / 100.0
        obs = obs + (z if obs_columns is None else z[:, obs_columns]) * spread
    return lev, obs


def evidence_arrays(obs: pd.DataFrame, censored: pd.DataFrame) -> dict[tuple[str, str], Evidence]:
    """Used figures (every kind) and lower bounds per (region, measure), sorted by year.

    Examples
    --------
    >>> o = pd.DataFrame({"region_code": ["1701", "1701"], "measure": "registered",
    ...     "decimal_year": [2021.0, 2020.0], "value_pct": [90.0, 85.0], "kind": "observed",
    ...     "used": True})
    >>> c = pd.DataFrame({"region_code": ["1701"], "measure": ["registered"],
    ...     "decimal_year": [2022.0], "bound_pct": [95.0]})
    >>> y, v, is_obs = evidence_arrays(o, c)[("1701", "registered")]
    >>> y.tolist(), v.tolist(), is_obs.tolist()
    ([2020.0, 2021.0, 2022.0], [85.0, 90.0, 95.0], [True, True, False])
    """
    o = obs.loc[obs["used"].astype(bool)]
    frame = pd.DataFrame(
        {
            "region_code": np.concatenate(
                [o["region_code"].astype(str).to_numpy(), censored["region_code"].astype(str)]
            ),
            "measure": np.concatenate(
                [o["measure"].astype(str).to_numpy(), censored["measure"].astype(str)]
            ),
            "year": np.concatenate(
                [o["decimal_year"].to_numpy(float), censored["decimal_year"].to_numpy(float)]
            ),
            "value": np.concatenate(
                [o["value_pct"].to_numpy(float), censored["bound_pct"].to_numpy(float)]
            ),
            "observed": np.concatenate(
                [o["kind"].astype(str).eq("observed").to_numpy(), np.zeros(len(censored), bool)]
            ),
        }
    ).sort_values(["region_code", "measure", "year"], kind="mergesort", ignore_index=True)
    key = (frame["region_code"] + "|" + frame["measure"]).to_numpy()
    if not len(key):
        return {}
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    ends = np.r_[starts[1:], len(key)]
    y = frame["year"].to_numpy()
    v = frame["value"].to_numpy()
    ob = frame["observed"].to_numpy()
    out: dict[tuple[str, str], Evidence] = {}
    for a, b in zip(starts, ends, strict=True):
        region, measure = str(key[a]).split("|", 1)
        out[(region, measure)] = (y[a:b], v[a:b], ob[a:b])
    return out


_EMPTY: Evidence = (np.zeros(0), np.zeros(0), np.zeros(0, bool))


def latest(ev: Evidence | None) -> tuple[float, float, int]:
    """(decimal year, value, n) of the latest observed figure; NaN and 0 when none.

    Examples
    --------
    >>> latest((np.array([2020.0, 2021.0]), np.array([80.0, 99.0]), np.array([True, False])))
    (2020.0, 80.0, 1)
    """
    y, v, ob = ev or _EMPTY
    yo = y[ob]
    if not len(yo):
        return math.nan, math.nan, 0
    return float(yo[-1]), float(v[ob][-1]), len(yo)


def first_year(ev: Evidence | None) -> float:
    """Decimal year of the first observed figure (NaN when none)."""
    y, _, ob = ev or _EMPTY
    return float(y[ob][0]) if ob.any() else math.nan


def reached_at(ev: Evidence | None, threshold: float) -> float:
    """Decimal year the evidence shows ``threshold`` reached, else NaN.

    The latest observed figure below the threshold: the first later evidence
    (figure or bound) at or above it. Otherwise the first evidence at or above
    it after the last observed figure below it.

    Examples
    --------
    >>> ev = (np.array([2020.0, 2021.0, 2022.0]), np.array([96.0, 94.0, 95.5]),
    ...     np.array([True, True, False]))
    >>> reached_at(ev, 95.0), reached_at(ev, 97.0)
    (2022.0, nan)
    """
    y, v, ob = ev or _EMPTY
    vo = v[ob]
    if len(vo) and vo[-1] < threshold:
        later = (y > y[ob][-1]) & (v >= threshold)
        return float(y[later][0]) if later.any() else math.nan
    above = v >= threshold
    if not above.any():
        return math.nan
    below = (v < threshold) & ob
    after = above & (y > y[below].max()) if below.any() else above
    return float(y[after][0])


def first_crossing(hit: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Per draw (row of ``hit``), the first time a column is True (inf: never).

    Examples
    --------
    >>> first_crossing(np.array([[False, True], [False, False]]), np.array([1.0, 2.0]))
    array([ 2., inf])
    """
    if not hit.shape[1]:
        return np.full(hit.shape[0], np.inf)
    first = np.argmax(hit, axis=1)
    return np.where(hit[np.arange(hit.shape[0]), first], np.asarray(times)[first], np.inf)
