"""``mixed``: one pooled model of all regions (statsmodels MixedLM), with an explicit fallback.

The REML fit, the fixed effects, the random-effect covariance, the BLUPs and
their conditional covariances all come from
``statsmodels.regression.mixed_linear_model.MixedLM``. When MixedLM raises,
does not converge or returns non-finite estimates, :func:`fit_mixed` falls
back to empirical-Bayes shrinkage whose between-region slope variance is the
DerSimonian-Laird estimate of ``statsmodels.stats.meta_analysis.combine_effects``;
the estimator used is returned and ends up in every ``reason``.

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"region_code": ["1701"] * 3 + ["1702"] * 3,
...                       "province_code": "17",
...                       "decimal_year": [2018.0, 2019.0, 2020.0] * 2,
...                       "y": [0.1, 0.3, 0.5, -0.2, 0.3, 0.8], "weight": 1.0,
...                       "censored": False})
>>> from uhc_analysis.analysis.projection.settings import ProjectionSettings
>>> lines = shrinkage_lines(frame, ProjectionSettings(), prior_var=0.01)
>>> [round(float(line.params[1]), 3) for line in lines.values()]  # own slopes 0.2 and 0.5
[0.217, 0.483]
>>> lines["1701"].note
'empirical-Bayes shrinkage (between-region slope var 0.0400)'
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from typing import Any

import numpy as np
import pandas as pd

from uhc_analysis.analysis.projection.inputs import model_frame
from uhc_analysis.analysis.projection.lines import Line, with_censored
from uhc_analysis.analysis.projection.models_wls import fit_wls_frame
from uhc_analysis.analysis.projection.settings import ProjectionSettings


class PoolingFailedError(RuntimeError):
    """MixedLM could not be used; the caller falls back to shrinkage."""


@dataclasses.dataclass(frozen=True)
class FixedDesign:
    """Fixed-effect design of the pooled model.

    ``exog`` row ``i`` is ``1`` in column ``a_col[i]`` and the centred
    ``decimal_year[i]`` in column ``b_col[i]`` (zero elsewhere).
    """

    exog: np.ndarray
    a_col: np.ndarray
    b_col: np.ndarray
    names: list[str]
    kind: str


def fe_design(province: np.ndarray, x: np.ndarray) -> FixedDesign:
    """An intercept and a slope per province, or one common slope if those are not identified.

    ``province`` per row, ``x`` the centred time. Province slopes
    (``a_<code>``, ``b_<code>``) are used when ``np.linalg.matrix_rank`` of
    the design is full; otherwise the intercepts stay per province and the
    slope is one common ``b_all``.

    Examples
    --------
    >>> d = fe_design(np.array(["17", "17", "64"]), np.array([-1.0, 1.0, 0.0]))
    >>> d.names, d.kind
    (['a_17', 'a_64', 'b_all'], 'one common slope (province slopes not identified)')
    """
    provs, p_idx = np.unique(np.asarray(province).astype(str), return_inverse=True)
    n, m = len(x), len(provs)
    rows = np.arange(n)
    exog = np.zeros((n, 2 * m))
    exog[rows, p_idx] = 1.0
    exog[rows, p_idx + m] = x
    if int(np.linalg.matrix_rank(exog)) == 2 * m:
        names = [f"a_{p}" for p in provs] + [f"b_{p}" for p in provs]
        return FixedDesign(exog, p_idx, p_idx + m, names, "province slopes")
    common = np.column_stack([exog[:, :m], x])
    return FixedDesign(
        common,
        p_idx,
        np.full(n, m),
        [f"a_{p}" for p in provs] + ["b_all"],
        "one common slope (province slopes not identified)",
    )


def statsmodels_mixedlm(
    y: np.ndarray, exog: np.ndarray, x: np.ndarray, groups: np.ndarray
) -> tuple[Any, list[str]]:
    """``MixedLM(y, exog, groups, exog_re=[1, x]).fit(reml=True, method=["lbfgs"])``.

    Returns the results and the messages of its ``ConvergenceWarning``\\ s;
    raises :class:`PoolingFailedError` when statsmodels raises.
    """
    from statsmodels.regression.mixed_linear_model import MixedLM
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    exog_re = np.column_stack([np.ones(len(y)), x])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            res = MixedLM(y, exog, groups=groups, exog_re=exog_re).fit(reml=True, method=["lbfgs"])
        except (np.linalg.LinAlgError, ValueError) as exc:
            raise PoolingFailedError(f"MixedLM raised {type(exc).__name__}: {exc}") from exc
    messages = [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]
    return res, messages


def _gls_cov(
    x: np.ndarray, group: np.ndarray, cols: np.ndarray, cov_re: np.ndarray, sigma2: float, k: int
) -> np.ndarray:
    """GLS covariance ``(Xᵀ V⁻¹ X)⁻¹`` of the fixed effects, ``V = σ²I + Z G Zᵀ``.

    Written out because MixedLM does not expose it: its ``cov_params()`` is
    the inverse observed information of the REML criterion, which also
    carries the fixed/random-effect cross terms. Per group, with ``S_g =
    Z_gᵀZ_g`` (2 x 2), ``Z_gᵀ V_g⁻¹ Z_g = (σ²I + S_g G)⁻¹ S_g`` (Woodbury /
    push-through), and ``X_g = Z_g L_g`` with ``L_g`` selecting the group's
    intercept and slope columns (``cols``), so only 2 x 2 matrices are inverted.
    """
    n_groups = len(cols)
    cnt = np.bincount(group, minlength=n_groups).astype(float)
    sx = np.bincount(group, weights=x, minlength=n_groups)
    sxx = np.bincount(group, weights=x * x, minlength=n_groups)
    s = np.stack([np.stack([cnt, sx], -1), np.stack([sx, sxx], -1)], 1)
    zvz = np.linalg.inv(sigma2 * np.eye(2) + s @ cov_re) @ s
    lift = (cols[:, :, None] * k + cols[:, None, :]).ravel()  # Σ_g L_gᵀ zvz_g L_g
    xvx = np.bincount(lift, weights=zvz.ravel(), minlength=k * k).reshape(k, k)
    return np.linalg.pinv(xvx)


def mixedlm_lines(frame: pd.DataFrame, s: ProjectionSettings) -> dict[str, Line]:
    """Pooled lines of every region of the model ``frame`` from one statsmodels MixedLM fit.

    A region's line is its province's fixed effects plus its BLUP
    (``results.random_effects``); its covariance is ``L·Cov(β)·Lᵀ`` (GLS,
    :func:`_gls_cov`) plus the conditional covariance of its random effects
    (``results.random_effects_cov``), their cross-covariance ignored. A
    random-effect covariance on the boundary is accepted and noted; any other
    ``ConvergenceWarning``, ``converged=False`` or non-finite estimates raise
    :class:`PoolingFailedError`.
    """
    x = frame["decimal_year"].to_numpy(float) - s.reference_year
    y = frame["y"].to_numpy(float)
    region = frame["region_code"].to_numpy().astype(str)
    codes, first, group = np.unique(region, return_index=True, return_inverse=True)
    design = fe_design(frame["province_code"].to_numpy(), x)
    res, messages = statsmodels_mixedlm(y, design.exog, x, region)
    beta = np.asarray(res.fe_params, dtype=float)
    G = np.asarray(res.cov_re, dtype=float)
    sigma2 = float(res.scale)
    boundary = any("boundary" in m for m in messages)
    other = [m for m in messages if "boundary" not in m]
    if not res.converged or other:
        raise PoolingFailedError(
            "MixedLM did not converge: " + ("; ".join(other) or "converged=False")
        )
    if not (
        np.isfinite(beta).all() and np.isfinite(G).all() and np.isfinite(sigma2) and sigma2 > 0
    ):
        raise PoolingFailedError("MixedLM returned non-finite estimates")
    try:
        blup, cond = res.random_effects, res.random_effects_cov
    except (np.linalg.LinAlgError, ValueError) as exc:
        raise PoolingFailedError(f"MixedLM random effects: {exc}") from exc
    cols = np.stack([design.a_col[first], design.b_col[first]], -1)
    cov_beta = _gls_cov(x, group, cols, G, sigma2, len(design.names))
    fixed = beta[cols]  # L_g β
    fixed_cov = cov_beta[cols[:, :, None], cols[:, None, :]]  # L_g Cov(β) L_gᵀ
    n_cens = np.bincount(group, weights=frame["censored"].to_numpy(float), minlength=len(codes))
    scale = max(sigma2, s.min_resid_sd**2)
    note = f"MixedLM REML ({design.kind}; residual sd {math.sqrt(sigma2):.3f} logit"
    note += "; random-effect covariance on the boundary)" if boundary else ")"
    return {
        str(g): Line(
            "mixed",
            fixed[i] + np.asarray(blup[g], dtype=float),
            fixed_cov[i] + np.asarray(cond[g], dtype=float),
            scale,
            math.inf,
            note,
            int(n_cens[i]),
            slope_prior=(float(fixed[i, 1]), float(fixed_cov[i, 1, 1] + G[1, 1])),
        )
        for i, g in enumerate(codes)
    }


def _pool(b: np.ndarray, v: np.ndarray) -> tuple[float, float, float]:
    """Random-effects mean of slopes ``b`` (variances ``v``): ``(mean, its variance, tau²)``.

    ``combine_effects(b, v, method_re="dl")``; statsmodels returns the raw
    DerSimonian-Laird moment estimate, which can be negative, so it is
    truncated at 0 as DerSimonian and Laird define it (then the mean is the
    fixed-effect one). One slope has no between-region variance to estimate.
    """
    if len(b) == 0:
        raise PoolingFailedError("no region has two dated observations to estimate a slope")
    if len(b) == 1:
        return float(b[0]), float(v[0]), 0.0
    from statsmodels.stats.meta_analysis import combine_effects

    with np.errstate(divide="ignore", invalid="ignore"):  # I² of identical slopes
        res = combine_effects(b, v, method_re="dl")
    tau2 = float(res.tau2)
    if not (math.isfinite(tau2) and tau2 > 0):
        return float(res.mean_effect_fe), float(res.var_eff_w_fe), 0.0
    return float(res.mean_effect_re), float(res.var_eff_w_re), tau2


def shrinkage_lines(
    frame: pd.DataFrame, s: ProjectionSettings, prior_var: float
) -> dict[str, Line]:
    """Empirical-Bayes fallback: per-region WLS slopes shrunk to the province mean slope.

    The province mean and the between-region variance ``tau²`` come from
    :func:`_pool` (all regions when the province has fewer than two slopes);
    a region's slope is ``mu + k·(b - mu)`` with ``k = tau² / (tau² + v)``,
    and a region without a slope gets ``mu`` with variance ``tau² + Var(mu)``.
    """
    slopes: dict[str, tuple[float, float]] = {}
    for g, d in frame.groupby("region_code", sort=True):
        if d["decimal_year"].nunique() >= 2:
            line = fit_wls_frame(d, s, prior_var)
            slopes[str(g)] = (float(line.params[1]), float(line.cov[1, 1]))
    prov_of = frame.groupby("region_code")["province_code"].first()
    overall = _pool(
        np.array([v[0] for v in slopes.values()]), np.array([v[1] for v in slopes.values()])
    )
    lines = {}
    for g, d in frame.groupby("region_code", sort=True):
        g = str(g)
        members = [r for r in slopes if prov_of[r] == prov_of[g]]
        mu, var_mu, tau2 = (
            _pool(
                np.array([slopes[r][0] for r in members]), np.array([slopes[r][1] for r in members])
            )
            if len(members) >= 2
            else overall
        )
        if g in slopes:
            b_own, v_own = slopes[g]
            k = tau2 / (tau2 + v_own) if tau2 + v_own > 0 else 0.0
            b = mu + k * (b_own - mu)
            var_b = k * v_own + (1 - k) ** 2 * var_mu
        else:
            b, var_b = mu, tau2 + var_mu
        x = d["decimal_year"].to_numpy() - s.reference_year
        w = d["weight"].to_numpy()
        xbar = float(np.sum(w * x) / np.sum(w))
        ybar = float(np.sum(w * d["y"].to_numpy()) / np.sum(w))
        var_level = prior_var / float(np.sum(w))
        a = ybar - b * xbar
        cov = np.array([[var_level + xbar**2 * var_b, -xbar * var_b], [-xbar * var_b, var_b]])
        note = f"empirical-Bayes shrinkage (between-region slope var {tau2:.4f})"
        lines[g] = Line(
            "mixed",
            np.array([a, b]),
            cov,
            prior_var,
            math.inf,
            note,
            int(d["censored"].sum()),
            slope_prior=(mu, var_mu + tau2),
        )
    return lines


def fit_mixed(
    obs: pd.DataFrame, cens: pd.DataFrame, settings: ProjectionSettings, prior_var: float
) -> tuple[dict[str, Line], str]:
    """Pooled lines for every region with an observation, and the estimator actually used.

    MixedLM (:func:`mixedlm_lines`) inside the censored loop; if it fails,
    :func:`shrinkage_lines`, with the failure written into the estimator and
    every line's note; if that fails too, no lines.
    """
    frame = model_frame(obs, settings)
    if frame.empty:
        return {}, "none (no observations)"

    def fit_mixedlm(data: pd.DataFrame) -> dict[str, Line]:
        return mixedlm_lines(data, settings)

    try:
        return with_censored(fit_mixedlm, frame, cens, settings), "MixedLM"
    except PoolingFailedError as exc:
        reason = str(exc)

    def fit_shrink(data: pd.DataFrame) -> dict[str, Line]:
        return shrinkage_lines(data, settings, prior_var)

    try:
        lines = with_censored(fit_shrink, frame, cens, settings)
    except PoolingFailedError as exc:
        return {}, f"none (MixedLM failed: {reason}; shrinkage failed: {exc})"
    estimator = f"empirical-Bayes shrinkage (fallback: {reason})"
    lines = {g: dataclasses.replace(v, note=f"{v.note}; {estimator}") for g, v in lines.items()}
    return lines, estimator
