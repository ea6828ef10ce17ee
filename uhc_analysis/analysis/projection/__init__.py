"""Time-to-UHC projections with honest uncertainty, and their backtest.

For every region of the focus provinces (from the gazetteer) and every coverage
threshold (95, 98, 100 %), :func:`project_coverage` says whether the region has
already *reached* it, is *on track* (projected year with 80 % and 95 %
intervals), is *not on the current trend*, or has *insufficient data*.

Modules
-------
==========================  ====================================================
``settings``                :class:`ProjectionSettings`, output columns, logit scale
``inputs``                  focus regions, prepared observations, censored evidence
``lines``                   fitted logit lines, bands, the censored refit loop
``models_wls``              ``logit_wls`` (statsmodels ``WLS``)
``models_mixed``            ``mixed`` (statsmodels ``MixedLM``) and its fallback
``models_baselines``        ``cagr`` and ``last_value``
``models``                  :func:`fit_models`: all four, in dependency order
``status``                  the status rules per region x threshold
``project``                 :func:`project_coverage`: projections and paths
``backtest``                :func:`backtest_predictions`, :func:`backtest`
``synthetic``               :func:`synthetic_panel` (tests and examples)
==========================  ====================================================

Models (``model`` column)
-------------------------
``logit_wls`` (default)
    Weighted least squares of ``logit(coverage / ceiling)`` on ``decimal_year``,
    one region at a time. The ceiling (``ProjectionSettings.ceiling``, 105) sits
    above 100 because Dukcapil-denominator coverage can exceed 100 % (103 % is
    published). Shares are clipped to ``[min_share, max_share]`` first. Rounded
    figures ("7,9 juta") get weight ``rounded_weight``.

    *Residual variance.* With 2-4 points the residual variance of one region is
    almost unidentified (0-2 degrees of freedom), so it is moderated towards the
    pooled residual variance ``s0²`` of all regions with at least 3
    observations (empirical Bayes, Smyth 2004):
    ``s² = (SSR + prior_df·s0²) / (df + prior_df)``, with ``df + prior_df``
    degrees of freedom for the t quantiles, and floored at ``min_resid_sd²``.
    The fit is then redone with the scale fixed at ``s²`` (statsmodels WLS with
    ``cov_type="fixed scale"``; its results are ``Line.results``), and its
    observation (prediction) intervals, those of ``get_prediction(...)
    .summary_frame(alpha=...)``, are transformed back with ``ceiling · expit``.
    The point path is the back-transformed logit mean, i.e. the predictive median.

    *Slope shrinkage* (``slope_prior=True``, default). Two to four scattered
    figures from different sources give wild slopes (two figures a month apart
    can imply a jump to the ceiling within a year). Each region's slope
    therefore gets an empirical-Bayes normal prior: its province's slope from
    the ``mixed`` fit, with variance ``Var(β_province) + τ²`` (τ² = the
    between-region slope variance). It enters the WLS as one pseudo-observation
    of the slope (exog ``[0, 1]``, weight ``s² / prior variance``), so with the
    residual variance fixed the fit is the exact Gaussian posterior. A region
    with many figures keeps its own slope; one with few borrows. On the panel
    of November 2026 the backtest MAE of ``logit_wls`` without it was 4.67 pp,
    worse than carrying the last value forward (3.82); with it, 3.25 (rerun
    ``benchmarks/backtest.py`` for current figures). The price: a region needs
    more evidence of a flat trend to be called ``not_on_current_trend``.
``mixed``
    One pooled model for all regions: statsmodels ``MixedLM(...).fit(
    reml=True, method=["lbfgs"])`` on logit coverage with fixed intercept and
    slope per province and a random intercept and slope per region (regencies
    nested in their province; the province's own series is one more group). A
    regency with 1-2 observations gets its province's slope, nudged by its
    own data (BLUP), instead of being dropped. MixedLM takes no observation
    weights, so rounded figures and censored pseudo-observations count fully
    here. The prediction variance of a region is ``L·Cov(β)·Lᵀ + Cov(b | y) +
    σ²`` (GLS covariance of the fixed effects plus the conditional covariance
    of its random effects, ``random_effects_cov``; their cross-covariance is
    ignored), with normal quantiles. If MixedLM raises, does not converge or
    returns non-finite estimates (a random-effect covariance on the boundary
    is accepted and noted), the package falls back *explicitly* to
    empirical-Bayes shrinkage (per-region WLS slopes shrunk towards the
    precision-weighted province mean slope, DerSimonian-Laird between-region
    variance from statsmodels ``combine_effects``); the estimator used is
    written in every ``reason`` and in ``DataFrame.attrs["mixed_estimator"]``.
``cagr`` and ``last_value`` (baselines)
    ``cagr``: compound annual growth rate between the first and the last
    observation, extrapolated (UN ESCAP "anticipated progress", Open SDG
    progress), capped at the ceiling. ``last_value``: latest figure carried
    forward. Their intervals are empirical: quantiles of rolling-origin
    one-step errors of the same baseline inside the data, scaled by
    ``sqrt(horizon)`` and clipped to ``[0, ceiling]``; NaN when fewer than
    ``empirical_min_errors`` such errors exist.

Selection rule (``settings.model == "logit_wls"``)
    ``logit_wls`` for a region with at least ``min_obs_wls`` (3) point
    observations on distinct dates spanning at least ``min_span_wls`` (1) year;
    otherwise ``mixed`` for a region with at least one observation; otherwise
    ``insufficient_data``. With ``settings.model`` set to another model, that
    model is used for every region it can fit.

Censored evidence
    A UHC award (``commitments.csv`` rows with ``kind == "award"``) means
    coverage was at least 95 % at its date; a ``lower_bound`` figure ("lebih
    dari 98 persen") means coverage was at least that value. Both set status
    ``reached`` (with the first such period). In the fits they act as a
    one-sided Tobit-like adjustment: after a fit, each censored bound that lies
    *above* the fitted median at its date is added as a pseudo-observation at
    the truncated-normal mean ``E[y | y > bound]`` (logit scale, weight
    ``censored_weight``) and the model is refitted; a bound already below the
    fitted path carries no information and is not added. Once added a bound
    stays in; iteration stops when the imputed values move by less than 1e-6
    or after ``censored_max_iter`` rounds. The residual variance is not
    re-estimated from censored points (it comes from point observations).

Status (per region x threshold, first match wins; :mod:`.status`)
    ``reached``: an observation, lower bound or award at/above the threshold
    (``first_period_reached``, ``year_reached`` = its date; ``model`` says
    which evidence: ``observed``, ``award`` or ``lower_bound``;
    ``years_to_uhc`` = that date minus the first point observation, i.e. the
    retrospective time to reach *this row's* threshold, NaN if it was already
    met at or before the first observation: left-censored). Point figures
    averaged per region x date are compared with the threshold, so a region
    that later dips below stays ``reached`` (``reason`` says so).
    ``insufficient_data``: no usable model, ``model == "none"`` (``reason``
    says why, e.g. "no registered/published coverage observations").
    ``not_on_current_trend``: the two-sided ``1 - trend_alpha`` (80 %)
    interval of the slope includes values <= 0 (flat or declining), or the
    projected crossing is after the horizon (end of ``horizon``).
    ``on_track``: otherwise. ``year_reached`` is the decimal year at which the
    median path crosses the threshold (the latest observation's date if the
    fitted path is already above it there); ``year_reached_lo80`` / ``_hi80``
    (``_lo95``/``_hi95``) are the first dates, from the latest observation on,
    at which the upper / lower 80 % (95 %) prediction band reaches the
    threshold; NaN means "not before the end of the horizon". Rows
    ``not_on_current_trend`` still carry these when the point slope is
    positive and the crossing falls within the horizon.

Paths (``projection_paths.csv``)
    One row per region x year for the region's selected model (the ``model``
    of its projected rows), from the first observed year to ``horizon``; with
    ``paths_baselines=True`` also the two baselines from the year after the
    latest observation (then a region has several models). ``coverage_pct``
    is evaluated at 1 January of ``year`` (``decimal_year == year``), so
    ``year`` lines up with the observations' ``decimal_year`` on a chart.

Everything is deterministic: no simulation is used.

Examples
--------
>>> import pandas as pd
>>> regions = pd.DataFrame({"bps_code": ["17", "1701"], "name": ["Bengkulu", "Bengkulu Selatan"],
...                         "kind": ["province", "regency"], "province_code": ["17", "17"]})
>>> panel = synthetic_panel({"1701": [(2018.5, 70.0), (2020.5, 80.0), (2022.5, 88.0)]})
>>> proj, paths = project_coverage(panel, regions=regions,
...                                settings=ProjectionSettings(provinces=("17",)))
>>> proj.loc[proj.region_code.eq("1701"), ["threshold", "model", "status"]].to_numpy().tolist()
[[95.0, 'logit_wls', 'on_track'], [98.0, 'logit_wls', 'on_track'], [100.0, 'logit_wls', 'on_track']]
"""

from __future__ import annotations

from uhc_analysis.analysis.projection.backtest import backtest, backtest_predictions
from uhc_analysis.analysis.projection.inputs import (
    censored_evidence,
    focus_regions,
    prepare_observations,
)
from uhc_analysis.analysis.projection.models import Fits, fit_models
from uhc_analysis.analysis.projection.models_baselines import fit_baselines
from uhc_analysis.analysis.projection.models_mixed import fit_mixed
from uhc_analysis.analysis.projection.models_wls import fit_logit_wls, pooled_residual_variance
from uhc_analysis.analysis.projection.project import project_coverage
from uhc_analysis.analysis.projection.settings import (
    BACKTEST,
    BACKTEST_PREDICTIONS,
    MODELS,
    ProjectionSettings,
)
from uhc_analysis.analysis.projection.status import STATUSES
from uhc_analysis.analysis.projection.synthetic import synthetic_panel

__all__ = [
    "BACKTEST",
    "BACKTEST_PREDICTIONS",
    "MODELS",
    "STATUSES",
    "Fits",
    "ProjectionSettings",
    "backtest",
    "backtest_predictions",
    "censored_evidence",
    "fit_baselines",
    "fit_logit_wls",
    "fit_mixed",
    "fit_models",
    "focus_regions",
    "pooled_residual_variance",
    "prepare_observations",
    "project_coverage",
    "synthetic_panel",
]
