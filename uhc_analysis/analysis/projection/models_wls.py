"""``logit_wls``: one weighted least-squares line per region, fitted with statsmodels.

Every estimate comes from ``statsmodels.regression.linear_model.WLS``: the
pooled residual variance from the ``ssr`` and ``df_resid`` of plain fits, and
each region's line from a fit with the moderated residual variance as fixed
scale (``cov_type="fixed scale"``), whose ``params`` and ``cov_params()``
the :class:`~.lines.Line` carries (with the results themselves in
``Line.results``). What is done by hand is only the bookkeeping around it:
the empirical-Bayes moderation of the residual variance, the slope prior as
one pseudo-observation and the censored-evidence loop.

Examples
--------
>>> import pandas as pd
>>> from uhc_analysis.analysis.projection import synthetic_panel
>>> from uhc_analysis.analysis.projection.inputs import prepare_observations
>>> from uhc_analysis.analysis.projection.settings import ProjectionSettings
>>> g = pd.DataFrame({"region_code": ["1701"], "region_name": ["x"],
...                   "region_level": ["regency"], "province_code": ["17"]})
>>> s = ProjectionSettings()
>>> obs = prepare_observations(
...     synthetic_panel({"1701": [(2018.0, 60.0), (2019.0, 70.0), (2020.0, 80.0)]}), g, s)
>>> cens = obs.iloc[:0].assign(bound_pct=[])
>>> line = fit_logit_wls(obs, cens, s, prior_var=0.01)["1701"]
>>> round(float(line.params[1]), 3), line.results.cov_type
(0.438, 'fixed scale')
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from uhc_analysis.analysis.projection.inputs import model_frame, split_by_region
from uhc_analysis.analysis.projection.lines import Line, imputed_bounds
from uhc_analysis.analysis.projection.settings import ProjectionSettings, logit


def _wls(
    x: np.ndarray, y: np.ndarray, w: np.ndarray, *, scale: float | None = None, df: float = 0.0
) -> Any:
    """``statsmodels`` ``WLS(y, x, weights=w)`` results (``x`` has a constant column).

    With ``scale`` the covariance is ``scale · (XᵀWX)⁻¹`` (``cov_type="fixed
    scale"``) and t quantiles use ``df`` degrees of freedom (``df_resid``).
    """
    from statsmodels.regression.linear_model import WLS

    model = WLS(y, x, weights=w, hasconst=True)
    if scale is None:
        return model.fit()
    model.df_resid = df
    return model.fit(cov_type="fixed scale", cov_kwds={"scale": scale}, use_t=True)


def _design(t: np.ndarray, s: ProjectionSettings) -> np.ndarray:
    return np.column_stack([np.ones(len(t)), t - s.reference_year])


def pooled_residual_variance(obs: pd.DataFrame, settings: ProjectionSettings) -> float:
    """Pooled residual variance (logit scale) of per-region WLS lines, floored.

    ``Σ ssr / Σ df_resid`` of statsmodels ``WLS`` fits over regions with at
    least 3 point observations on distinct dates; ``min_resid_sd²`` when no
    region has residual degrees of freedom.

    Examples
    --------
    >>> from uhc_analysis.analysis.projection import synthetic_panel
    >>> from uhc_analysis.analysis.projection.inputs import prepare_observations
    >>> g = pd.DataFrame({"region_code": ["1701"], "region_name": ["x"],
    ...                   "region_level": ["regency"], "province_code": ["17"]})
    >>> p = synthetic_panel({"1701": [(2018.0, 60.0), (2019.0, 70.0), (2020.0, 80.0)]})
    >>> round(pooled_residual_variance(prepare_observations(p, g, ProjectionSettings()),
    ...                                ProjectionSettings()), 4)
    0.01
    """
    frame = model_frame(obs, settings)
    t_all = frame["decimal_year"].to_numpy(float)
    y_all, w_all = frame["y"].to_numpy(float), frame["weight"].to_numpy(float)
    ssr, df = 0.0, 0
    for _, rows in split_by_region(frame["region_code"].to_numpy()):
        t = t_all[rows]
        if len(np.unique(t)) < 3:
            continue
        res = _wls(_design(t, settings), y_all[rows], w_all[rows])
        ssr += float(res.ssr)
        df += int(res.df_resid)
    return max(ssr / df if df else 0.0, settings.min_resid_sd**2)


def fit_wls_arrays(
    t: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    censored: np.ndarray,
    s: ProjectionSettings,
    prior_var: float,
    slope_prior: tuple[float, float] | None = None,
) -> Line:
    """WLS of ``y`` on time with moderated residual variance and an optional slope prior.

    ``t, y, w, censored``: decimal years, logits, weights and censored flags
    of one region. ``slope_prior = (mean, variance)`` is added as one
    pseudo-observation of the slope (exog ``[0, 1]``, endog ``mean``, weight
    ``scale / variance``); with the residual variance fixed this gives
    exactly the Gaussian posterior of intercept and slope under a flat prior
    on the intercept. A first WLS fit (scale ``prior_var`` for the prior's
    weight) gives the residuals of the point observations; the moderated
    variance ``s² = (SSR + prior_df·prior_var) / (df + prior_df)`` (floored at
    ``min_resid_sd²``) is then the fixed scale of the final fit.
    """
    x = _design(t, s)
    point = ~censored
    n_points = int(point.sum())
    if slope_prior is not None:
        x = np.vstack([x, [0.0, 1.0]])
        y = np.append(y, slope_prior[0])

    def weights(scale: float) -> np.ndarray:
        return w if slope_prior is None else np.append(w, scale / slope_prior[1])

    first = _wls(x, y, weights(prior_var))
    # residual df and SSR from point observations only: censored pseudo-points say nothing on σ²
    df_own = max(n_points - 2, 0)
    resid = np.asarray(first.resid)[: len(w)]
    ssr = float(np.sum(w[point] * resid[point] ** 2)) if df_own > 0 else 0.0
    df_total = df_own + s.prior_df
    scale = (ssr + s.prior_df * prior_var) / df_total if df_total > 0 else prior_var
    scale = max(scale, s.min_resid_sd**2)
    df_t = df_total if df_total > 0 else math.inf
    res = _wls(x, y, weights(scale), scale=scale, df=df_t)
    note = f"residual sd {math.sqrt(scale):.3f} logit (own df {df_own}, prior df {s.prior_df:g})"
    if slope_prior is not None:
        note += f"; slope prior {slope_prior[0]:+.3f} ± {math.sqrt(slope_prior[1]):.3f} logit/yr"
    return Line(
        model="logit_wls",
        params=np.asarray(res.params, dtype=float),
        cov=np.asarray(res.cov_params(), dtype=float),
        scale=scale,
        df=df_t,
        note=note,
        n_censored=int(censored.sum()),
        results=res,
    )


def fit_wls_frame(
    d: pd.DataFrame,
    s: ProjectionSettings,
    prior_var: float,
    slope_prior: tuple[float, float] | None = None,
) -> Line:
    """:func:`fit_wls_arrays` on one region's model frame (:func:`~.inputs.model_frame`)."""
    return fit_wls_arrays(
        d["decimal_year"].to_numpy(float),
        d["y"].to_numpy(float),
        d["weight"].to_numpy(float),
        d["censored"].to_numpy(bool),
        s,
        prior_var,
        slope_prior,
    )


def wls_with_censored(
    t: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    cens_t: np.ndarray,
    cens_pct: np.ndarray,
    s: ProjectionSettings,
    prior_var: float,
    prior: tuple[float, float] | None,
) -> Line:
    """:func:`~.lines.with_censored` for one region's ``logit_wls`` line, on arrays."""

    def fit(t_: np.ndarray, y_: np.ndarray, w_: np.ndarray, n_pseudo: int) -> Line:
        censored = np.zeros(len(t_), dtype=bool)
        censored[len(t_) - n_pseudo :] = True
        return fit_wls_arrays(t_, y_, w_, censored, s, prior_var, prior)

    line = fit(t, y, w, 0)
    if not len(cens_t):
        return line
    bound = logit(cens_pct, s)
    included = np.zeros(len(cens_t), dtype=bool)
    imputed = np.full(len(cens_t), np.nan)
    for _ in range(s.censored_max_iter):
        mu = line.logit_mean(cens_t, s)
        sd = np.full(len(cens_t), math.sqrt(line.scale))
        included |= np.nan_to_num(mu, nan=np.inf) < bound
        new = imputed_bounds(mu, sd, bound, included)
        if not included.any():
            return line
        converged = np.allclose(np.nan_to_num(new), np.nan_to_num(imputed), atol=1e-6, rtol=0)
        imputed = new
        if converged:
            break
        k = int(included.sum())
        line = fit(
            np.concatenate([t, cens_t[included]]),
            np.concatenate([y, imputed[included]]),
            np.concatenate([w, np.full(k, s.censored_weight)]),
            k,
        )
    return line


def fit_logit_wls(
    obs: pd.DataFrame,
    cens: pd.DataFrame,
    settings: ProjectionSettings,
    prior_var: float,
    slope_priors: Mapping[str, tuple[float, float]] | None = None,
) -> dict[str, Line]:
    """Per-region logit-WLS lines for regions with >= 2 distinct dates.

    ``cens`` is :func:`~.inputs.censored_evidence`. ``slope_priors`` maps a
    province code to ``(mean, variance)`` of the slope prior of its regions
    (see :func:`~.models_mixed.fit_mixed`); ``None`` fits without prior.
    """
    frame = model_frame(obs, settings)
    t_all = frame["decimal_year"].to_numpy(float)
    y_all, w_all = frame["y"].to_numpy(float), frame["weight"].to_numpy(float)
    prov_all = frame["province_code"].to_numpy().astype(str)
    cens_t_all = cens["decimal_year"].to_numpy(float)
    cens_pct_all = cens["bound_pct"].to_numpy(float)
    cens_rows = dict(split_by_region(cens["region_code"].to_numpy()))
    no_rows = np.zeros(0, dtype=int)
    lines: dict[str, Line] = {}
    for region, rows in split_by_region(frame["region_code"].to_numpy()):
        t = t_all[rows]
        if len(np.unique(t)) < 2:
            continue
        prior = (slope_priors or {}).get(str(prov_all[rows[0]]))
        c_rows = cens_rows.get(region, no_rows)
        lines[region] = wls_with_censored(
            t,
            y_all[rows],
            w_all[rows],
            cens_t_all[c_rows],
            cens_pct_all[c_rows],
            settings,
            prior_var,
            prior,
        )
    return lines
