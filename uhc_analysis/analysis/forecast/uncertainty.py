"""Uncertainty by simulation from the fitted parameters' covariance.

Each region's line (intercept, slope) is drawn ``n_draws`` times from
``N(mean, cov)`` of :class:`uhc_analysis.analysis.forecast.model.Line`
(``numpy.random.default_rng`` seeded by the settings' seed and the region
code, so results are deterministic and do not depend on which other regions
are fitted); activity adds a draw of the region's offset. A *level* draw is
the line mapped back through the ceiling and capped by the cap rule; an
*observation* draw adds the residual noise on the logit scale (the model's
residual variance), so intervals for a published figure include both
parameter uncertainty and observation noise.

* Crossing years come from the level draws only (parameter uncertainty): the
  first time on a monthly grid, not earlier than ``not_before`` (the date of
  the latest figure when that figure is below the threshold: the evidence
  rules out an earlier crossing), at which the draw's level is at or above the
  threshold. Draws that never cross within the horizon count as ``inf``;
  a quantile that falls on them is reported as NaN ("not within the horizon").
* The probability of being at or above a threshold at a date is the share of
  observation draws at or above it.

Examples
--------
>>> import numpy as np
>>> from uhc_analysis.analysis.forecast.model import Line
>>> line = Line(np.array([0.0, 0.5]), np.diag([0.01, 0.001]), 3, "17", 99.0)
>>> t = np.array([2023.0, 2025.0])
>>> lev = level_draws(line, 100.0, t, rng_for(1, "1701"), 200, 2023.0)
>>> lev.shape, bool(lev.max() <= 99.0)
((200, 2), True)
>>> crossing_quantiles(np.array([2024.0, 2025.0, np.inf, 2026.0]), (0.5,))
[2025.5]
"""

from __future__ import annotations

import zlib

import numpy as np

from uhc_analysis.analysis.forecast.model import Line, from_logit, to_logit

#: Quantile levels of the bands: (lo95, lo80, median, hi80, hi95).
LEVELS: tuple[float, ...] = (0.025, 0.10, 0.5, 0.90, 0.975)
BAND_COLUMNS: tuple[str, ...] = ("lo95", "lo80", "median", "hi80", "hi95")


def rng_for(seed: int, region_code: str, salt: str = "") -> np.random.Generator:
    """A generator seeded by ``seed`` and a stable hash (CRC32) of the region and ``salt``."""
    return np.random.default_rng([int(seed), zlib.crc32(f"{region_code}|{salt}".encode())])


def line_draws(line: Line, rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` draws of (intercept, slope) from ``N(line.mean, line.cov)``."""
    return rng.multivariate_normal(line.mean, line.cov, size=n, method="eigh", check_valid="ignore")


def level_draws(
    line: Line,
    ceiling: float,
    times: np.ndarray,
    rng: np.random.Generator,
    n: int,
    t0: float,
    offset: tuple[float, float] | None = None,
    min_slope: float = -np.inf,
) -> np.ndarray:
    """Level draws (n x len(times)): the drawn line through the ceiling, capped at ``line.cap``.

    A drawn slope below ``min_slope`` is raised to it, pivoting about the anchor
    (``line.t_anchor``) so the anchored level stays.
    """
    times = np.asarray(times, dtype=float)
    ab = line_draws(line, rng, n)
    if np.isfinite(min_slope):
        pivot = (line.t_anchor if np.isfinite(line.t_anchor) else t0) - t0
        raised = np.maximum(ab[:, 1], min_slope)
        ab[:, 0] = ab[:, 0] + (ab[:, 1] - raised) * pivot
        ab[:, 1] = raised
    y = ab[:, :1] + ab[:, 1:] * (times[None, :] - t0)
    if offset is not None:
        y = y + rng.normal(offset[0], np.sqrt(max(offset[1], 0.0)), size=(n, 1))
    if line.rw_var > 0 and np.isfinite(line.t_anchor) and len(times):
        y = y + random_walk(times, line.t_anchor, line.rw_var, rng, n)
    return np.minimum(from_logit(y, ceiling), line.cap)


def random_walk(
    times: np.ndarray, start: float, var_per_year: float, rng: np.random.Generator, n: int
) -> np.ndarray:
    """``n`` Brownian paths (n x len(times)): 0 up to ``start``, variance ``q * (t - start)``.

    The paths are cumulative sums over the sorted times, so one draw is one
    coherent path (a crossing found on it is a crossing of that path).

    Examples
    --------
    >>> w = random_walk(np.array([2020.0, 2022.0, 2021.0]), 2020.5, 1.0, rng_for(1, "x"), 20000)
    >>> [round(float(v), 1) for v in w.var(axis=0)]
    [0.0, 1.5, 0.5]
    """
    times = np.asarray(times, dtype=float)
    ordered = bool(np.all(times[1:] >= times[:-1]))
    order = np.arange(len(times)) if ordered else np.argsort(times, kind="mergesort")
    t = np.maximum(times[order], start)
    steps = np.diff(np.concatenate([[start], t]))
    walk = np.cumsum(rng.normal(0.0, 1.0, size=(n, len(t))) * np.sqrt(var_per_year * steps), axis=1)
    if ordered:
        return walk
    out = np.empty_like(walk)
    out[:, order] = walk
    return out


def observation_draws(
    levels: np.ndarray,
    ceiling: float,
    scale: float,
    rng: np.random.Generator,
    columns: np.ndarray | None = None,
) -> np.ndarray:
    """Levels plus residual noise on the logit scale (what a published figure would be).

    The noise is drawn for every column of ``levels`` (the random stream does
    not depend on ``columns``); the figures are computed for ``columns`` only
    (default: all).
    """
    noise = rng.normal(0.0, np.sqrt(max(scale, 0.0)), size=levels.shape)
    if columns is not None:
        levels, noise = levels[:, columns], noise[:, columns]
    return from_logit(to_logit(levels, ceiling) + noise, ceiling)


def bands(draws: np.ndarray, cap: float | None = None) -> dict[str, np.ndarray]:
    """Quantile bands over draws (axis 0); the median is capped at ``cap``; bands stay ordered."""
    q = np.quantile(draws, LEVELS, axis=0)
    out = dict(zip(BAND_COLUMNS, q, strict=True))
    if cap is not None:
        out["median"] = np.minimum(out["median"], cap)
        out["lo80"] = np.minimum(out["lo80"], out["median"])
        out["lo95"] = np.minimum(out["lo95"], out["lo80"])
    return out


def crossing_draws(
    levels: np.ndarray, times: np.ndarray, threshold: float, not_before: float
) -> np.ndarray:
    """Per draw, the first grid time >= ``not_before`` with level >= ``threshold`` (inf: never)."""
    ok = np.asarray(times) >= not_before
    t = np.asarray(times)[ok]
    hit = levels[:, ok] >= threshold
    first = np.argmax(hit, axis=1)
    return np.where(hit.any(axis=1), t[first], np.inf)


def crossing_quantiles(draws: np.ndarray, levels: tuple[float, ...] = LEVELS) -> list[float]:
    """Quantiles of crossing draws; NaN where a quantile is ``inf`` (beyond the horizon)."""
    if not len(draws):
        return [float("nan")] * len(levels)
    never = 1e9  # stands for inf, so the interpolation between draws stays finite
    q = np.quantile(np.where(np.isfinite(draws), draws, never), levels, method="linear")
    return [float(x) if x < never / 2 else float("nan") for x in q]
