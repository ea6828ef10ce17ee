"""Time-to-UHC projections with honest uncertainty, and their backtest.

For every region of the focus provinces (from the gazetteer) and every coverage
threshold (95, 98, 100 %), :func:`project_coverage` says whether the region has
already *reached* it, is *on track* (projected year with 80 % and 95 %
intervals), is *not on the current trend*, or has *insufficient data*.

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
    The fit is then redone in statsmodels with ``cov_type="fixed scale"`` so
    that ``get_prediction(...).summary_frame(alpha=...)`` gives the
    observation (prediction) intervals, which are transformed back with
    ``ceiling · expit``. The point path is the back-transformed logit mean,
    i.e. the predictive median.

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
    One pooled model for all regions: statsmodels ``MixedLM`` (REML) on logit
    coverage with fixed intercept and slope per province and a random
    intercept and slope per region (regencies nested in their province; the
    province's own series is one more group). A regency with 1-2
    observations gets its province's slope, nudged by its own data (BLUP),
    instead of being dropped. MixedLM takes no observation weights, so rounded
    figures and censored pseudo-observations count fully here. The prediction
    variance of a region is ``L·Cov(β)·Lᵀ + Cov(b | y) + σ²`` (GLS covariance
    of the fixed effects plus the conditional covariance of its random
    effects; their cross-covariance is ignored), with normal quantiles. If
    MixedLM raises, does not converge or returns non-finite estimates (a
    random-effect covariance on the boundary is accepted and noted), the
    module falls back *explicitly* to
    empirical-Bayes shrinkage (per-region WLS slopes shrunk towards the
    precision-weighted province mean slope, DerSimonian-Laird between-region
    variance); the estimator used is written in every ``reason`` and in
    ``DataFrame.attrs["mixed_estimator"]``.
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

Status (per region x threshold, first match wins)
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

import dataclasses
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import special, stats

from uhc_analysis import config, schemas, storage

#: The four models :func:`backtest` compares, default first.
MODELS: tuple[str, ...] = ("logit_wls", "mixed", "cagr", "last_value")

#: Columns of :func:`backtest` (``data/processed/backtest.csv``).
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

#: Columns of :func:`backtest_predictions`.
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

_STATUSES = ("reached", "on_track", "not_on_current_trend", "insufficient_data")
_LEVELS = {
    "province": "province",
    "regency": "regency",
    "city": "regency",
    "kabupaten": "regency",
    "kota": "regency",
}
_PANEL_NEEDED = (
    "region_code",
    "region_level",
    "province_code",
    "period",
    "decimal_year",
    "measure",
    "basis",
    "coverage_pct",
    "lower_bound",
    "rounded",
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
    #: Primary model; regions it cannot fit fall back as in the module docstring.
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


# --------------------------------------------------------------------------- helpers


def _logit(pct: np.ndarray | float, s: ProjectionSettings) -> np.ndarray:
    share = np.clip(np.asarray(pct, dtype=float) / s.ceiling, s.min_share, s.max_share)
    return special.logit(share)


def _expit_pct(y: np.ndarray, s: ProjectionSettings) -> np.ndarray:
    return s.ceiling * special.expit(np.asarray(y, dtype=float))


def decimal_year(dates: pd.Series) -> pd.Series:
    """Dates (strings or timestamps) as decimal years: ``year + (day_of_year - 1) / days``.

    Examples
    --------
    >>> decimal_year(pd.Series(["2023-01-01", "2024-07-02"])).round(3).tolist()
    [2023.0, 2024.5]
    """
    ts = pd.to_datetime(dates, format="ISO8601")
    days = np.where(ts.dt.is_leap_year, 366.0, 365.0)
    return ts.dt.year + (ts.dt.day_of_year - 1) / days


def _as_bool(values: pd.Series, column: str) -> pd.Series:
    """Booleans from bool/str columns; anything else raises (no silent coercion)."""
    if values.dtype == bool:
        return values
    mapping = {"true": True, "false": False, "1": True, "0": False, "1.0": True, "0.0": False}
    text = values.astype("string").str.strip().str.lower()
    bad = sorted(set(text.dropna()) - set(mapping))
    if bad or text.isna().any():
        raise ValueError(f"column {column!r} must be boolean; got {bad or 'missing values'}")
    return text.map(mapping).astype(bool)


def _fmt_period(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


# --------------------------------------------------------------------------- inputs


def focus_regions(regions: pd.DataFrame | None, settings: ProjectionSettings) -> pd.DataFrame:
    """The provinces and regencies/cities of ``settings.provinces`` from the gazetteer.

    Returns columns ``region_code, region_name, region_level, province_code``,
    sorted by code. An unknown ``kind`` raises.

    Examples
    --------
    >>> g = pd.DataFrame({"bps_code": ["17", "1771", "64"], "name": ["B", "Kota B", "K"],
    ...                   "kind": ["province", "city", "province"],
    ...                   "province_code": ["17", "17", "64"]})
    >>> focus_regions(g, ProjectionSettings(provinces=("17",))).region_code.tolist()
    ['17', '1771']
    """
    if regions is None:
        from uhc_analysis.regions import load_regions

        regions = load_regions()
    missing = [c for c in ("bps_code", "name", "kind", "province_code") if c not in regions]
    if missing:
        raise schemas.SchemaError(
            f"gazetteer lacks columns {missing} (see uhc_analysis/regions.py)"
        )
    g = regions.assign(
        region_code=regions["bps_code"].astype("string").str.strip(),
        province_code=regions["province_code"].astype("string").str.strip(),
        kind=regions["kind"].astype("string").str.strip().str.lower(),
    )
    g = g[g["province_code"].isin(settings.provinces) & g["kind"].ne("national")]
    unknown = sorted(set(g["kind"]) - set(_LEVELS))
    if unknown:
        raise ValueError(
            f"unknown region kind(s) {unknown} in the gazetteer; known: {sorted(_LEVELS)}"
        )
    out = pd.DataFrame(
        {
            "region_code": g["region_code"].astype(str),
            "region_name": g["name"].astype(str),
            "region_level": g["kind"].map(_LEVELS).astype(str),
            "province_code": g["province_code"].astype(str),
        }
    )
    if out["region_code"].duplicated().any():
        dup = sorted(out.loc[out["region_code"].duplicated(), "region_code"])
        raise ValueError(f"gazetteer has duplicated codes {dup}")
    return out.sort_values("region_code", ignore_index=True)


def prepare_observations(
    panel: pd.DataFrame, regions: pd.DataFrame, settings: ProjectionSettings
) -> pd.DataFrame:
    """Point and lower-bound observations of ``settings.measure``/``basis``, one per region x date.

    Rows with ``use_in_analysis == False`` (when that column exists) are
    dropped; rows sharing a region, a decimal year and ``lower_bound`` are
    averaged (``rounded`` only if all were rounded). Rows of regions outside
    the focus provinces, or of the national level, are ignored; a focus-province
    code that the gazetteer does not know raises. Rows without ``coverage_pct``
    are dropped and counted per region in ``attrs["n_missing"]``.

    Returns columns ``region_code, province_code, region_level, decimal_year,
    period, coverage_pct, lower_bound, rounded, weight, n_rows, observation_ids``.

    Examples
    --------
    >>> p = synthetic_panel({"1701": [(2020.0, 80.0), (2020.0, 82.0), (2021.0, 85.0)]})
    >>> g = pd.DataFrame({"region_code": ["1701"], "region_name": ["x"],
    ...                   "region_level": ["regency"], "province_code": ["17"]})
    >>> prepare_observations(p, g, ProjectionSettings()).coverage_pct.tolist()
    [81.0, 85.0]
    """
    missing = [c for c in _PANEL_NEEDED if c not in panel.columns]
    if missing:
        raise schemas.SchemaError(f"coverage panel lacks columns {missing} (see schemas.PANEL)")
    p = panel.loc[
        panel["measure"].astype(str).eq(settings.measure)
        & panel["basis"].astype(str).eq(settings.basis)
    ].copy()
    if "use_in_analysis" in p.columns:
        p = p.loc[_as_bool(p["use_in_analysis"], "use_in_analysis")]
    p["region_code"] = p["region_code"].astype("string").str.strip()
    p["province_code"] = p["province_code"].astype("string").str.strip()
    p = p.loc[p["region_level"].isin(["province", "regency"])]
    p = p.loc[p["province_code"].isin(settings.provinces)]
    unknown = sorted(set(p["region_code"]) - set(regions["region_code"]))
    if unknown:
        raise ValueError(
            f"panel region codes {unknown} are not in the gazetteer "
            f"(edit {config.REGIONS_CSV} or fix the panel)"
        )
    p["coverage_pct"] = pd.to_numeric(p["coverage_pct"], errors="raise")
    p["decimal_year"] = pd.to_numeric(p["decimal_year"], errors="raise")
    lacking = p["coverage_pct"].isna() | p["decimal_year"].isna()
    n_missing = p.loc[lacking].groupby("region_code").size().to_dict()
    p = p.loc[~lacking].assign(
        lower_bound=lambda d: _as_bool(d["lower_bound"], "lower_bound"),
        rounded=lambda d: _as_bool(d["rounded"], "rounded"),
        observation_id=lambda d: d["observation_id"].astype(str) if "observation_id" in d else "",
    )
    keys = ["region_code", "decimal_year", "lower_bound"]
    out = (
        p.sort_values([*keys, "period"], kind="stable")
        .groupby(keys, as_index=False, sort=True)
        .agg(
            province_code=("province_code", "first"),
            region_level=("region_level", "first"),
            period=("period", "first"),
            coverage_pct=("coverage_pct", "mean"),
            rounded=("rounded", "all"),
            n_rows=("coverage_pct", "size"),
            observation_ids=("observation_id", lambda s: ";".join(sorted(set(s)))),
        )
    )
    out["region_level"] = out["region_level"].astype(str)
    out["region_code"] = out["region_code"].astype(str)
    out["province_code"] = out["province_code"].astype(str)
    out["weight"] = np.where(out["rounded"], settings.rounded_weight, 1.0)
    cols = [
        "region_code",
        "province_code",
        "region_level",
        "decimal_year",
        "period",
        "coverage_pct",
        "lower_bound",
        "rounded",
        "weight",
        "n_rows",
        "observation_ids",
    ]
    out = out[cols].sort_values(["region_code", "decimal_year"], ignore_index=True)
    out.attrs["n_missing"] = n_missing
    return out


def censored_evidence(
    obs: pd.DataFrame,
    commitments: pd.DataFrame | None,
    regions: pd.DataFrame,
    settings: ProjectionSettings,
) -> pd.DataFrame:
    """Lower bounds (coverage >= value at date): lower-bound figures and UHC awards (>= 95 %).

    Returns columns ``region_code, province_code, decimal_year, period, bound_pct,
    source`` (``lower_bound`` or ``award``), sorted.

    Examples
    --------
    >>> g = pd.DataFrame({"region_code": ["1701"], "region_name": ["x"],
    ...                   "region_level": ["regency"], "province_code": ["17"]})
    >>> c = pd.DataFrame({"region_code": ["1701"], "date": ["2023-03-14"], "kind": ["award"]})
    >>> obs = prepare_observations(synthetic_panel({}), g, ProjectionSettings())
    >>> censored_evidence(obs, c, g, ProjectionSettings()).bound_pct.tolist()
    [95.0]
    """
    lb = obs.loc[obs["lower_bound"]]
    parts = [
        pd.DataFrame(
            {
                "region_code": lb["region_code"],
                "province_code": lb["province_code"],
                "decimal_year": lb["decimal_year"],
                "period": lb["period"].astype(str),
                "bound_pct": lb["coverage_pct"],
                "source": "lower_bound",
            }
        )
    ]
    if commitments is not None and len(commitments):
        for c in ("region_code", "date", "kind"):
            if c not in commitments:
                raise schemas.SchemaError(
                    f"commitments lack column {c!r} (see schemas.COMMITMENTS)"
                )
        aw = commitments.loc[commitments["kind"].astype(str).eq("award")].copy()
        aw["region_code"] = aw["region_code"].astype("string").str.strip()
        aw = aw.loc[aw["region_code"].isin(regions["region_code"])]
        if aw["date"].isna().any():
            raise ValueError("award rows without a date in commitments.csv")
        period = aw["period"] if "period" in aw else aw["date"]
        prov = regions.set_index("region_code")["province_code"]
        parts.append(
            pd.DataFrame(
                {
                    "region_code": aw["region_code"].astype(str),
                    "province_code": aw["region_code"].map(prov).astype(str),
                    "decimal_year": decimal_year(aw["date"].astype(str)).to_numpy(),
                    "period": period.astype(str),
                    "bound_pct": 95.0,
                    "source": "award",
                }
            )
        )
    out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    return (
        out.drop_duplicates(["region_code", "decimal_year", "bound_pct"])
        .sort_values(["region_code", "decimal_year", "bound_pct"], ignore_index=True)
        .astype(
            {"region_code": str, "province_code": str, "decimal_year": float, "bound_pct": float}
        )
    )


# --------------------------------------------------------------------------- fitted lines


@dataclass(frozen=True)
class _Line:
    """A straight line ``a + b·(t - reference_year)`` on the logit scale, with uncertainty."""

    model: str
    params: np.ndarray
    cov: np.ndarray
    scale: float
    df: float
    note: str
    n_censored: int = 0
    results: Any = field(default=None, repr=False)  # statsmodels WLS results (logit_wls)
    #: pooled lines: (mean, variance) of the slope of a new region of the same province
    slope_prior: tuple[float, float] | None = None

    def quantile(self, p: float) -> float:
        return float(stats.norm.ppf(p) if math.isinf(self.df) else stats.t.ppf(p, self.df))

    def logit_mean(self, years: np.ndarray, s: ProjectionSettings) -> np.ndarray:
        x = np.asarray(years, dtype=float) - s.reference_year
        return self.params[0] + self.params[1] * x

    def predict(self, years: np.ndarray, s: ProjectionSettings) -> pd.DataFrame:
        """Median path and 80/95 % prediction intervals (percent) at ``years``."""
        years = np.asarray(years, dtype=float)
        exog = np.column_stack([np.ones_like(years), years - s.reference_year])
        out = {}
        for level, alpha in (("80", 0.20), ("95", 0.05)):
            if self.results is not None:
                frame = self.results.get_prediction(exog).summary_frame(alpha=alpha)
                mean = frame["mean"].to_numpy()
                lo, hi = frame["obs_ci_lower"].to_numpy(), frame["obs_ci_upper"].to_numpy()
            else:
                mean = exog @ self.params
                se = np.sqrt(np.einsum("ij,jk,ik->i", exog, self.cov, exog) + self.scale)
                q = self.quantile(1 - alpha / 2)
                lo, hi = mean - q * se, mean + q * se
            out["coverage_pct"] = _expit_pct(mean, s)
            out[f"lo{level}"] = _expit_pct(lo, s)
            out[f"hi{level}"] = _expit_pct(hi, s)
        return pd.DataFrame(out)[["coverage_pct", "lo80", "hi80", "lo95", "hi95"]]

    def slope_interval(self, alpha: float) -> tuple[float, float, float]:
        """Slope (logit units per year) and its two-sided ``1 - alpha`` interval."""
        se = math.sqrt(max(self.cov[1, 1], 0.0))
        q = self.quantile(1 - alpha / 2)
        b = float(self.params[1])
        return b, b - q * se, b + q * se


def _with_censored(
    fit: Callable[[pd.DataFrame], dict[str, _Line]],
    data: pd.DataFrame,
    cens: pd.DataFrame,
    s: ProjectionSettings,
) -> dict[str, _Line]:
    """Refit with informative lower bounds imputed at E[y | y > bound] (see module docstring)."""
    lines = fit(data)
    cens = cens.loc[cens["region_code"].isin(list(lines))].reset_index(drop=True)
    if cens.empty:
        return lines
    bound = _logit(cens["bound_pct"].to_numpy(), s)
    included = np.zeros(len(cens), dtype=bool)
    imputed = np.full(len(cens), np.nan)
    for _ in range(s.censored_max_iter):
        mu = np.array(
            [
                lines[r].logit_mean(np.array([t]), s)[0] if r in lines else np.nan
                for r, t in zip(cens["region_code"], cens["decimal_year"], strict=True)
            ]
        )
        sd = np.array(
            [math.sqrt(lines[r].scale) if r in lines else np.nan for r in cens["region_code"]]
        )
        included |= np.nan_to_num(mu, nan=np.inf) < bound
        a = (bound - mu) / sd
        new = np.where(
            included, mu + sd * np.exp(stats.norm.logpdf(a) - stats.norm.logsf(a)), np.nan
        )
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


def _model_frame(obs: pd.DataFrame, s: ProjectionSettings) -> pd.DataFrame:
    points = obs.loc[~obs["lower_bound"]]
    return pd.DataFrame(
        {
            "region_code": points["region_code"],
            "province_code": points["province_code"],
            "decimal_year": points["decimal_year"],
            "y": _logit(points["coverage_pct"].to_numpy(), s),
            "weight": points["weight"],
            "censored": False,
        }
    ).reset_index(drop=True)


def pooled_residual_variance(obs: pd.DataFrame, settings: ProjectionSettings) -> float:
    """Pooled residual variance (logit scale) of per-region WLS lines, floored.

    ``Σ weighted SSR / Σ df`` over regions with at least 3 point observations on
    distinct dates; ``min_resid_sd²`` when no region has residual degrees of
    freedom.

    Examples
    --------
    >>> g = pd.DataFrame({"region_code": ["1701"], "region_name": ["x"],
    ...                   "region_level": ["regency"], "province_code": ["17"]})
    >>> p = synthetic_panel({"1701": [(2018.0, 60.0), (2019.0, 70.0), (2020.0, 80.0)]})
    >>> round(pooled_residual_variance(prepare_observations(p, g, ProjectionSettings()),
    ...                                ProjectionSettings()), 4)
    0.01
    """
    frame = _model_frame(obs, settings)
    ssr, df = 0.0, 0
    for _, d in frame.groupby("region_code", sort=True):
        if d["decimal_year"].nunique() < 3:
            continue
        x = np.column_stack([np.ones(len(d)), d["decimal_year"] - settings.reference_year])
        res = sm.WLS(d["y"].to_numpy(), x, weights=d["weight"].to_numpy()).fit()
        ssr += float(res.ssr)
        df += int(res.df_resid)
    return max(ssr / df if df else 0.0, settings.min_resid_sd**2)


def _fit_wls_one(
    d: pd.DataFrame,
    s: ProjectionSettings,
    prior_var: float,
    slope_prior: tuple[float, float] | None = None,
) -> _Line:
    """WLS of ``y`` on time with moderated residual variance and an optional slope prior.

    ``slope_prior = (mean, variance)`` is added as one pseudo-observation of
    the slope (exog ``[0, 1]``, endog ``mean``, weight ``scale / variance``);
    with the residual variance fixed this gives exactly the Gaussian posterior
    of intercept and slope under a flat prior on the intercept.
    """
    x = np.column_stack([np.ones(len(d)), d["decimal_year"].to_numpy() - s.reference_year])
    y, w = d["y"].to_numpy(), d["weight"].to_numpy()
    point = ~d["censored"].to_numpy(bool)
    n_points = int(point.sum())
    if slope_prior is not None:
        x = np.vstack([x, [0.0, 1.0]])
        y = np.append(y, slope_prior[0])

    def weights(scale: float) -> np.ndarray:
        return w if slope_prior is None else np.append(w, scale / slope_prior[1])

    first = sm.WLS(y, x, weights=weights(prior_var)).fit()
    # residual df and SSR from point observations only: censored pseudo-points say nothing on σ²
    df_own = max(n_points - 2, 0)
    resid = first.resid[: len(w)]
    ssr = float(np.sum(w[point] * resid[point] ** 2)) if df_own > 0 else 0.0
    df_total = df_own + s.prior_df
    scale = (ssr + s.prior_df * prior_var) / df_total if df_total > 0 else prior_var
    scale = max(scale, s.min_resid_sd**2)
    df_t = df_total if df_total > 0 else math.inf
    model = sm.WLS(y, x, weights=weights(scale))
    model.df_resid = df_t
    res = model.fit(cov_type="fixed scale", cov_kwds={"scale": scale}, use_t=True)
    note = f"residual sd {math.sqrt(scale):.3f} logit (own df {df_own}, prior df {s.prior_df:g})"
    if slope_prior is not None:
        note += f"; slope prior {slope_prior[0]:+.3f} ± {math.sqrt(slope_prior[1]):.3f} logit/yr"
    return _Line(
        model="logit_wls",
        params=np.asarray(res.params, dtype=float),
        cov=np.asarray(res.cov_params(), dtype=float),
        scale=scale,
        df=df_t,
        note=note,
        n_censored=int(d["censored"].sum()),
        results=res,
    )


def fit_logit_wls(
    obs: pd.DataFrame,
    cens: pd.DataFrame,
    settings: ProjectionSettings,
    prior_var: float,
    slope_priors: Mapping[str, tuple[float, float]] | None = None,
) -> dict[str, _Line]:
    """Per-region logit-WLS lines for regions with >= 2 distinct dates.

    ``slope_priors`` maps a province code to ``(mean, variance)`` of the slope
    prior of its regions (see :func:`fit_mixed`); ``None`` fits without prior.
    """
    frame = _model_frame(obs, settings)
    lines: dict[str, _Line] = {}
    for region, d in frame.groupby("region_code", sort=True):
        if d["decimal_year"].nunique() < 2:
            continue
        r_cens = cens.loc[cens["region_code"].eq(region)]
        prior = (slope_priors or {}).get(str(d["province_code"].iloc[0]))

        def fit_one(
            data: pd.DataFrame, region: str = str(region), prior: Any = prior
        ) -> dict[str, _Line]:
            return {region: _fit_wls_one(data, settings, prior_var, prior)}

        lines.update(_with_censored(fit_one, d, r_cens, settings))
    return lines


class _PoolingFailedError(RuntimeError):
    """MixedLM could not be used; the caller falls back to shrinkage."""


def _fe_design(frame: pd.DataFrame) -> tuple[np.ndarray, list[str], str]:
    provs = sorted(frame["province_code"].unique())
    x = frame["decimal_year"].to_numpy()
    cols, names = [], []
    for p in provs:
        cols.append(frame["province_code"].eq(p).to_numpy(float))
        names.append(f"a_{p}")
    for p in provs:
        cols.append(frame["province_code"].eq(p).to_numpy(float) * x)
        names.append(f"b_{p}")
    X = np.column_stack(cols)
    if np.linalg.matrix_rank(X) == X.shape[1]:
        return X, names, "province slopes"
    X = np.column_stack(cols[: len(provs)] + [x])
    return X, names[: len(provs)] + ["b_all"], "one common slope (province slopes not identified)"


def _mixedlm_lines(frame: pd.DataFrame, s: ProjectionSettings) -> dict[str, _Line]:
    from statsmodels.regression.mixed_linear_model import MixedLM
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    frame = frame.assign(decimal_year=frame["decimal_year"] - s.reference_year)
    X, names, design = _fe_design(frame)
    Z = np.column_stack([np.ones(len(frame)), frame["decimal_year"].to_numpy()])
    y = frame["y"].to_numpy()
    groups = frame["region_code"].to_numpy()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            res = MixedLM(y, X, groups=groups, exog_re=Z).fit(reml=True, method=["lbfgs"])
        except (np.linalg.LinAlgError, ValueError) as exc:
            raise _PoolingFailedError(f"MixedLM raised {type(exc).__name__}: {exc}") from exc
    boundary = any(
        issubclass(w.category, ConvergenceWarning) and "boundary" in str(w.message) for w in caught
    )
    other = [
        str(w.message)
        for w in caught
        if issubclass(w.category, ConvergenceWarning) and "boundary" not in str(w.message)
    ]
    beta = np.asarray(res.fe_params, dtype=float)
    G = np.asarray(res.cov_re, dtype=float)
    sigma2 = float(res.scale)
    if not res.converged or other:
        raise _PoolingFailedError(
            "MixedLM did not converge: " + ("; ".join(other) or "converged=False")
        )
    if not (
        np.isfinite(beta).all() and np.isfinite(G).all() and np.isfinite(sigma2) and sigma2 > 0
    ):
        raise _PoolingFailedError("MixedLM returned non-finite estimates")
    # GLS covariance of β and BLUPs with their conditional covariance, group by group
    info = np.zeros((len(beta), len(beta)))
    per_group: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
    for g in sorted(set(groups)):
        m = groups == g
        Zg, Xg, rg = Z[m], X[m], y[m] - X[m] @ beta
        Vinv = np.linalg.inv(Zg @ G @ Zg.T + sigma2 * np.eye(m.sum()))
        info += Xg.T @ Vinv @ Xg
        per_group[g] = (Zg, Vinv, rg, Xg)
    cov_beta = np.linalg.pinv(info)
    scale = max(sigma2, s.min_resid_sd**2)
    note = f"MixedLM REML ({design}; residual sd {math.sqrt(sigma2):.3f} logit"
    note += "; random-effect covariance on the boundary)" if boundary else ")"
    lines = {}
    prov_of = frame.groupby("region_code")["province_code"].first()
    for g, (Zg, Vinv, rg, _) in per_group.items():
        p = prov_of[g]
        L = np.zeros((2, len(beta)))
        L[0, names.index(f"a_{p}")] = 1.0
        L[1, names.index(f"b_{p}") if f"b_{p}" in names else names.index("b_all")] = 1.0
        b = G @ Zg.T @ Vinv @ rg
        C = G - G @ Zg.T @ Vinv @ Zg @ G
        fixed_cov = L @ cov_beta @ L.T
        prior = (float((L @ beta)[1]), float(fixed_cov[1, 1] + G[1, 1]))
        n_cens = int(frame.loc[frame["region_code"].eq(g), "censored"].sum())
        lines[g] = _Line(
            "mixed", L @ beta + b, fixed_cov + C, scale, math.inf, note, n_cens, slope_prior=prior
        )
    return lines


def _shrinkage_lines(
    frame: pd.DataFrame, s: ProjectionSettings, prior_var: float
) -> dict[str, _Line]:
    """Empirical-Bayes fallback: per-region slopes shrunk to the province mean slope."""
    slopes: dict[str, tuple[float, float]] = {}
    for g, d in frame.groupby("region_code", sort=True):
        if d["decimal_year"].nunique() >= 2:
            line = _fit_wls_one(d, s, prior_var)
            slopes[str(g)] = (float(line.params[1]), float(line.cov[1, 1]))
    prov_of = frame.groupby("region_code")["province_code"].first()
    all_b = np.array([v[0] for v in slopes.values()])
    all_v = np.array([v[1] for v in slopes.values()])

    def pool(b: np.ndarray, v: np.ndarray) -> tuple[float, float, float]:
        if len(b) == 0:
            raise _PoolingFailedError("no region has two dated observations to estimate a slope")
        w = 1 / v
        mu = float(np.sum(w * b) / np.sum(w))
        q = float(np.sum(w * (b - mu) ** 2))
        denom = float(np.sum(w) - np.sum(w**2) / np.sum(w))
        tau2 = max((q - (len(b) - 1)) / denom, 0.0) if denom > 0 else 0.0
        w2 = 1 / (v + tau2)
        mu = float(np.sum(w2 * b) / np.sum(w2))
        return mu, 1 / float(np.sum(w2)), tau2

    overall = pool(all_b, all_v)
    lines = {}
    for g, d in frame.groupby("region_code", sort=True):
        g = str(g)
        members = [r for r in slopes if prov_of[r] == prov_of[g]]
        mu, var_mu, tau2 = (
            pool(
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
        lines[g] = _Line(
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
) -> tuple[dict[str, _Line], str]:
    """Pooled lines for every region with an observation, and the estimator actually used."""
    frame = _model_frame(obs, settings)
    if frame.empty:
        return {}, "none (no observations)"

    def fit_mixedlm(data: pd.DataFrame) -> dict[str, _Line]:
        return _mixedlm_lines(data, settings)

    try:
        return _with_censored(fit_mixedlm, frame, cens, settings), "MixedLM"
    except _PoolingFailedError as exc:
        reason = str(exc)

    def fit_shrink(data: pd.DataFrame) -> dict[str, _Line]:
        return _shrinkage_lines(data, settings, prior_var)

    try:
        lines = _with_censored(fit_shrink, frame, cens, settings)
    except _PoolingFailedError as exc:
        return {}, f"none (MixedLM failed: {reason}; shrinkage failed: {exc})"
    estimator = f"empirical-Bayes shrinkage (fallback: {reason})"
    lines = {g: dataclasses.replace(v, note=f"{v.note}; {estimator}") for g, v in lines.items()}
    return lines, estimator


# --------------------------------------------------------------------------- baselines


@dataclass(frozen=True)
class _Baseline:
    model: str
    t_last: float
    c_last: float
    rate: float  # annual growth rate (0 for last_value)
    quantiles: Mapping[float, float] | None  # standardised error quantiles, or None
    note: str

    def predict(self, years: np.ndarray, s: ProjectionSettings) -> pd.DataFrame:
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
        return pd.DataFrame(out)

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
    """Rolling-origin one-step errors (actual - forecast) / sqrt(horizon) inside ``points``."""
    errors = []
    for _, d in points.groupby("region_code", sort=True):
        t, c = d["decimal_year"].to_numpy(), d["coverage_pct"].to_numpy()
        for j in range(1, len(t)):
            h = t[j] - t[j - 1]
            if h <= 0:
                continue
            rate = 0.0 if model == "last_value" else _cagr(t[:j], c[:j])
            if math.isnan(rate):
                continue
            pred = min(c[j - 1] * (1 + rate) ** h, s.ceiling)
            errors.append((c[j] - pred) / math.sqrt(h))
    return np.asarray(errors)


def fit_baselines(
    obs: pd.DataFrame, settings: ProjectionSettings
) -> dict[str, dict[str, _Baseline]]:
    """``{"cagr": {...}, "last_value": {...}}`` per region (cagr needs 2 dates spanning > 0)."""
    points = obs.loc[~obs["lower_bound"]]
    out: dict[str, dict[str, _Baseline]] = {}
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
        for region, d in points.groupby("region_code", sort=True):
            t, c = d["decimal_year"].to_numpy(), d["coverage_pct"].to_numpy()
            rate = 0.0 if model == "last_value" else _cagr(t, c)
            if math.isnan(rate):
                continue
            fits[str(region)] = _Baseline(model, float(t[-1]), float(c[-1]), rate, q, note)
        out[model] = fits
    return out


@dataclass(frozen=True)
class _Fits:
    lines: dict[str, dict[str, _Line]]
    baselines: dict[str, dict[str, _Baseline]]
    mixed_estimator: str
    prior_var: float

    def get(self, model: str, region: str) -> _Line | _Baseline | None:
        table = self.lines.get(model) or self.baselines.get(model) or {}
        return table.get(region)


def fit_models(obs: pd.DataFrame, cens: pd.DataFrame, settings: ProjectionSettings) -> _Fits:
    """Fit all four models on prepared observations (see :func:`prepare_observations`)."""
    prior_var = pooled_residual_variance(obs, settings)
    mixed, estimator = fit_mixed(obs, cens, settings, prior_var)
    priors: dict[str, tuple[float, float]] = {}
    if settings.slope_prior:
        province = obs.groupby("region_code")["province_code"].first()
        for region, line in sorted(mixed.items()):
            if line.slope_prior is not None:
                priors.setdefault(str(province[region]), line.slope_prior)
    wls = fit_logit_wls(obs, cens, settings, prior_var, priors)
    return _Fits(
        lines={"logit_wls": wls, "mixed": mixed},
        baselines=fit_baselines(obs, settings),
        mixed_estimator=estimator,
        prior_var=prior_var,
    )


# --------------------------------------------------------------------------- projections


def _select_model(
    points: pd.DataFrame, fits: _Fits, region: str, s: ProjectionSettings
) -> str | None:
    if s.model != "logit_wls":
        return s.model if fits.get(s.model, region) is not None else None
    t = points["decimal_year"]
    if t.nunique() >= s.min_obs_wls and t.max() - t.min() >= s.min_span_wls:
        return "logit_wls"
    return "mixed" if fits.get("mixed", region) is not None else None


def _first_crossing(grid: np.ndarray, values: np.ndarray, threshold: float) -> float:
    hit = np.flatnonzero(values >= threshold)
    return float(grid[hit[0]]) if len(hit) else math.nan


def _project_threshold(
    fit: _Line | _Baseline, threshold: float, t_last: float, s: ProjectionSettings
) -> dict[str, Any]:
    end = s.horizon + 1.0
    grid = np.arange(t_last, end + 1e-9, s.grid_step)
    band = fit.predict(grid, s)
    row: dict[str, Any] = {
        f"year_reached_{k}": _first_crossing(grid, band[c].to_numpy(), threshold)
        for k, c in (("lo80", "hi80"), ("hi80", "lo80"), ("lo95", "hi95"), ("hi95", "lo95"))
    }
    if isinstance(fit, _Line):
        b, b_lo, b_hi = fit.slope_interval(s.trend_alpha)
        target = float(_logit(threshold, s))
        year = s.reference_year + (target - fit.params[0]) / b if b > 0 else math.nan
        level = 100 * (1 - s.trend_alpha)
        slope_txt = f"slope {b:+.3f} logit/yr ({level:.0f}% CI {b_lo:+.3f} to {b_hi:+.3f})"
        flat = b_lo <= 0
    else:
        year = fit.year_reached(threshold)
        slope_txt = f"growth {100 * fit.rate:+.2f}%/yr"
        flat = fit.rate <= 0
    if not math.isnan(year) and year < t_last:
        slope_txt += "; fitted path already at/above the threshold at the latest observation"
        year = t_last
    if flat:
        status, why = "not_on_current_trend", f"flat or declining trend: {slope_txt}"
    elif math.isnan(year) or year >= end:
        status, why = "not_on_current_trend", f"projected after {s.horizon}: {slope_txt}"
    else:
        status, why = "on_track", f"projected {year:.1f}: {slope_txt}"
        if year < float(decimal_year(pd.Series([config.TODAY])).iloc[0]):
            why += f" (projected date already past on {config.TODAY}: no newer figure)"
    row.update(status=status, reason=why, year_reached=year if year < end else math.nan)
    return row


def _reached(
    points: pd.DataFrame, lbs: pd.DataFrame, threshold: float
) -> tuple[float, str, str, str] | None:
    """(decimal year, period, kind, text) of the first evidence at/above ``threshold``.

    ``kind`` is ``observed``, ``award`` or ``lower_bound``; it fills the
    ``model`` column of ``reached`` rows.
    """
    cands = [
        (
            float(r.decimal_year),
            _fmt_period(r.period),
            "observed",
            f"observed {r.coverage_pct:.2f}%",
        )
        for r in points.loc[points["coverage_pct"] >= threshold].itertuples()
    ] + [
        (
            float(r.decimal_year),
            _fmt_period(r.period),
            str(r.source),
            "UHC award (>= 95%)"
            if r.source == "award"
            else f"lower bound 'more than {r.bound_pct:g}%'",
        )
        for r in lbs.loc[lbs["bound_pct"] >= threshold].itertuples()
    ]
    return min(cands) if cands else None


def _region_rows(
    region: pd.Series,
    obs: pd.DataFrame,
    cens: pd.DataFrame,
    fits: _Fits,
    s: ProjectionSettings,
    n_missing: int,
) -> tuple[list[dict[str, Any]], str | None]:
    code = region["region_code"]
    points = obs.loc[obs["region_code"].eq(code) & ~obs["lower_bound"]]
    lbs = cens.loc[cens["region_code"].eq(code)]
    model = _select_model(points, fits, code, s) if len(points) else None
    fit = fits.get(model, code) if model else None
    base = {
        "region_code": code,
        "region_name": region["region_name"],
        "region_level": region["region_level"],
        "province_code": region["province_code"],
        "n_obs": len(points),
        "first_year": points["decimal_year"].min() if len(points) else math.nan,
        "last_year": points["decimal_year"].max() if len(points) else math.nan,
        "latest_coverage_pct": points["coverage_pct"].iloc[-1] if len(points) else math.nan,
    }
    if fit is not None:
        span = f"{base['first_year']:.1f}"
        if base["last_year"] > base["first_year"]:
            span += f"-{base['last_year']:.1f}"
        n_cens = getattr(fit, "n_censored", 0)
        extra = f"; {n_cens} censored bound(s) used in the fit" if n_cens else ""
        fit_txt = f"{model} on {len(points)} obs ({span}); {fit.note}{extra}"
    rows = []
    for threshold in s.thresholds:
        row = dict.fromkeys(schemas.PROJECTIONS, math.nan) | base | {"threshold": float(threshold)}
        hit = _reached(points, lbs, threshold)
        if hit is not None:
            t_hit, period, kind, evidence = hit
            row.update(
                status="reached",
                model=kind,
                first_period_reached=period,
                year_reached=t_hit,
            )
            reason = f"{evidence} in {period}"
            if (
                len(points)
                and points["coverage_pct"].iloc[-1] < threshold
                and t_hit < base["last_year"]
            ):
                reason += f"; latest observation {base['latest_coverage_pct']:.2f}% is below"
            if not len(points):
                reason += "; no point observation, so years_to_uhc is unknown"
            elif t_hit > base["first_year"]:
                row["years_to_uhc"] = t_hit - base["first_year"]
            else:
                reason += "; already at/above by the first observation (years_to_uhc left-censored)"
            row["reason"] = reason
        elif fit is None:
            why = (
                f"no {s.measure}/{s.basis} coverage observations"
                if not len(points)
                else f"no model could be fitted (pooled estimator: {fits.mixed_estimator})"
            )
            if n_missing:
                why += f"; {n_missing} panel row(s) lack coverage_pct"
            if len(lbs):
                why += f"; only censored evidence (>= {lbs['bound_pct'].max():g}%)"
            row.update(status="insufficient_data", model="none", reason=why)
        else:
            proj = _project_threshold(fit, threshold, base["last_year"], s)
            proj["reason"] = f"{proj['reason']}; {fit_txt}"
            row.update(proj, model=model)
        rows.append(row)
    return rows, model


def _paths_for(
    region: str, model: str | None, obs_r: pd.DataFrame, fits: _Fits, s: ProjectionSettings
) -> list[pd.DataFrame]:
    out = []
    if model is None:
        return out
    first, last = obs_r["decimal_year"].min(), obs_r["decimal_year"].max()
    plans = [(model, math.floor(first))]
    if s.paths_baselines:
        plans += [(b, math.floor(last) + 1) for b in ("cagr", "last_value") if b != model]
    for name, start in plans:
        fit = fits.get(name, region)
        if fit is None or start > s.horizon:
            continue
        years = np.arange(start, s.horizon + 1)
        frame = fit.predict(years.astype(float), s)
        out.append(frame.assign(region_code=region, model=name, year=years))
    return out


def project_coverage(
    panel: pd.DataFrame,
    commitments: pd.DataFrame | None = None,
    *,
    settings: ProjectionSettings = ProjectionSettings(),  # noqa: B008 (frozen)
    regions: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Status and time-to-threshold for every focus region x threshold, and yearly paths.

    Parameters
    ----------
    panel
        The coverage panel (``schemas.PANEL`` columns; ``use_in_analysis`` is
        respected when present).
    commitments
        ``commitments.csv``; its ``kind == "award"`` rows are evidence of >= 95 %.
    settings
        :class:`ProjectionSettings`.
    regions
        Gazetteer (``bps_code, name, kind, province_code``); default
        :func:`uhc_analysis.regions.load_regions`.

    Returns
    -------
    (projections, paths)
        ``schemas.PROJECTIONS`` (one row per region x threshold, sorted by
        ``region_code, threshold``) and ``schemas.PROJECTION_PATHS``. The
        pooled estimator used is in ``projections.attrs["mixed_estimator"]``.

    Examples
    --------
    >>> g = pd.DataFrame({"bps_code": ["17", "1701"], "name": ["B", "BS"],
    ...                   "kind": ["province", "regency"], "province_code": ["17", "17"]})
    >>> proj, _ = project_coverage(synthetic_panel({"1701": [(2020.5, 96.0)]}), regions=g,
    ...                            settings=ProjectionSettings(provinces=("17",)))
    >>> proj[["region_code", "threshold", "status"]].head(2).to_numpy().tolist()
    [['17', 95.0, 'insufficient_data'], ['17', 98.0, 'insufficient_data']]
    """
    regs = focus_regions(regions, settings)
    obs = prepare_observations(panel, regs, settings)
    cens = censored_evidence(obs, commitments, regs, settings)
    fits = fit_models(obs, cens, settings)
    rows, paths = [], []
    for _, region in regs.iterrows():
        code = region["region_code"]
        r_rows, model = _region_rows(
            region, obs, cens, fits, settings, obs.attrs["n_missing"].get(code, 0)
        )
        rows += r_rows
        points = obs.loc[obs["region_code"].eq(code) & ~obs["lower_bound"]]
        paths += _paths_for(code, model, points, fits, settings)
    proj = pd.DataFrame(rows, columns=list(schemas.PROJECTIONS))
    proj = _tidy_projections(proj)
    path_df = (
        pd.concat(paths, ignore_index=True)
        if paths
        else pd.DataFrame(columns=list(schemas.PROJECTION_PATHS))
    )
    path_df = path_df[list(schemas.PROJECTION_PATHS)].sort_values(
        ["region_code", "model", "year"], ignore_index=True
    )
    path_df[["coverage_pct", "lo80", "hi80", "lo95", "hi95"]] = (
        path_df[["coverage_pct", "lo80", "hi80", "lo95", "hi95"]].astype(float).round(3)
    )
    path_df["year"] = path_df["year"].astype(int)
    _check_projections(proj, regs, settings)
    schemas.check_columns(path_df, schemas.PROJECTION_PATHS, "projection_paths")
    proj.attrs["mixed_estimator"] = fits.mixed_estimator
    proj.attrs["residual_variance_prior"] = fits.prior_var
    return proj, path_df


def _tidy_projections(proj: pd.DataFrame) -> pd.DataFrame:
    years = [
        "year_reached",
        "year_reached_lo80",
        "year_reached_hi80",
        "year_reached_lo95",
        "year_reached_hi95",
        "first_year",
        "last_year",
        "years_to_uhc",
    ]
    proj[years] = proj[years].astype(float).round(3)
    proj["latest_coverage_pct"] = proj["latest_coverage_pct"].astype(float).round(3)
    proj["n_obs"] = proj["n_obs"].astype(int)
    proj["threshold"] = proj["threshold"].astype(float)
    proj["first_period_reached"] = (
        proj["first_period_reached"]
        .astype(object)
        .where(proj["first_period_reached"].notna(), None)
    )
    return proj.sort_values(["region_code", "threshold"], ignore_index=True)


def _check_projections(proj: pd.DataFrame, regs: pd.DataFrame, s: ProjectionSettings) -> None:
    schemas.check_columns(proj, schemas.PROJECTIONS, "projections")
    expected = len(regs) * len(s.thresholds)
    assert len(proj) == expected, f"{len(proj)} projection rows, expected {expected}"
    assert proj["status"].isin(_STATUSES).all(), proj["status"].unique()
    assert proj["reason"].notna().all(), "every row must say why"
    on_track = proj["status"].eq("on_track")
    assert proj.loc[on_track, "year_reached"].notna().all()
    reached = proj["status"].eq("reached")
    assert proj.loc[reached, "first_period_reached"].notna().all()


def write_projections(processed_dir: Path = config.DATA_PROCESSED) -> list[Path]:
    """Read ``coverage_panel.csv`` and ``commitments.csv`` and write the projections.

    Writes ``projections.csv`` and ``projection_paths.csv`` in ``processed_dir``
    (atomically, via :func:`uhc_analysis.storage.write_csv`) and returns their paths.

    Examples
    --------
    >>> write_projections()  # doctest: +SKIP
    [PosixPath('.../projections.csv'), PosixPath('.../projection_paths.csv')]
    """
    processed_dir = Path(processed_dir)
    panel = read_panel(processed_dir / "coverage_panel.csv")
    commitments_path = processed_dir / "commitments.csv"
    commitments = (
        pd.read_csv(commitments_path, dtype={"region_code": str, "province_code": str})
        if commitments_path.exists()
        else None
    )
    proj, paths = project_coverage(panel, commitments)
    return [
        storage.write_csv(proj, processed_dir / "projections.csv"),
        storage.write_csv(paths, processed_dir / "projection_paths.csv"),
    ]


def read_panel(path: Path) -> pd.DataFrame:
    """Read ``coverage_panel.csv`` with codes as strings."""
    return pd.read_csv(path, dtype={"region_code": str, "province_code": str, "period": str})


# --------------------------------------------------------------------------- backtest


def backtest_predictions(
    panel: pd.DataFrame,
    *,
    settings: ProjectionSettings = ProjectionSettings(),  # noqa: B008 (frozen)
    regions: pd.DataFrame | None = None,
    models: Sequence[str] = MODELS,
) -> pd.DataFrame:
    """Hold out each region's latest observation(s), refit, and forecast them with every model.

    A region is backtested when it has at least ``settings.backtest_min_obs``
    point observations on distinct dates; its latest ``settings.holdout`` are
    held out, and so are its lower bounds dated at or after the first held-out
    date. All models are fitted once on the pooled training data (regions not
    backtested contribute all their observations), so ``mixed`` borrows from
    the other regions' training data only. Each model is forced (no selection
    rule): ``logit_wls`` fits any region with two training dates. Awards are
    not used (only the panel is given); the panel's lower-bound figures are.

    Examples
    --------
    >>> g = pd.DataFrame({"bps_code": ["1701"], "name": ["x"], "kind": ["regency"],
    ...                   "province_code": ["17"]})
    >>> p = synthetic_panel({"1701": [(2018.0, 60.0), (2019.0, 70.0), (2020.0, 78.0)]})
    >>> s = ProjectionSettings(provinces=("17",))
    >>> backtest_predictions(p, regions=g, settings=s).model.tolist()
    ['logit_wls', 'mixed', 'cagr', 'last_value']
    """
    regs = focus_regions(regions, settings)
    obs = prepare_observations(panel, regs, settings)
    points = obs.loc[~obs["lower_bound"]]
    n_dates = points.groupby("region_code")["decimal_year"].nunique()
    eligible = sorted(n_dates.index[n_dates >= settings.backtest_min_obs])
    held = (
        points.loc[points["region_code"].isin(eligible)]
        .groupby("region_code")
        .tail(settings.holdout)
    )
    cutoff = held.groupby("region_code")["decimal_year"].min()
    late = obs["decimal_year"] >= obs["region_code"].map(cutoff).fillna(np.inf)
    train = obs.loc[~late].reset_index(drop=True)
    cens = censored_evidence(train, None, regs, settings)
    fits = fit_models(train, cens, settings)
    train_points = train.loc[~train["lower_bound"]]
    rows = []
    for model in models:
        for r in held.itertuples():
            fit = fits.get(model, r.region_code)
            tp = train_points.loc[train_points["region_code"].eq(r.region_code), "decimal_year"]
            pred = (
                fit.predict(np.array([r.decimal_year]), settings).iloc[0]
                if fit is not None
                else pd.Series(dtype=float, index=["coverage_pct", "lo80", "hi80", "lo95", "hi95"])
            )
            rows.append(
                {
                    "model": model,
                    "region_code": r.region_code,
                    "region_level": r.region_level,
                    "province_code": r.province_code,
                    "n_train": len(tp),
                    "train_first_year": tp.min(),
                    "train_last_year": tp.max(),
                    "decimal_year": r.decimal_year,
                    "horizon_years": r.decimal_year - tp.max(),
                    "actual_pct": r.coverage_pct,
                    "predicted_pct": pred["coverage_pct"],
                    "lo80": pred["lo80"],
                    "hi80": pred["hi80"],
                    "lo95": pred["lo95"],
                    "hi95": pred["hi95"],
                }
            )
    out = pd.DataFrame(
        rows,
        columns=[
            c for c in BACKTEST_PREDICTIONS if c not in ("error_pp", "inside_80", "inside_95")
        ],
    )
    out["error_pp"] = out["predicted_pct"] - out["actual_pct"]
    for level in ("80", "95"):
        inside = (out["actual_pct"] >= out[f"lo{level}"]) & (out["actual_pct"] <= out[f"hi{level}"])
        out[f"inside_{level}"] = inside.astype(float).where(out[f"lo{level}"].notna())
    out.attrs["mixed_estimator"] = fits.mixed_estimator
    return out[list(BACKTEST_PREDICTIONS)]


def backtest(
    panel: pd.DataFrame,
    *,
    settings: ProjectionSettings = ProjectionSettings(),  # noqa: B008 (frozen)
    regions: pd.DataFrame | None = None,
    predictions: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per-model hold-out accuracy: mean/median absolute error, bias, interval coverage.

    ``bias_pp`` is the mean of forecast minus actual (positive: over-forecast).

    ``coverage_80``/``coverage_95`` are the shares of held-out figures inside
    the 80/95 % prediction intervals (baselines: empirical intervals, NaN when
    unavailable). Pass ``predictions`` from :func:`backtest_predictions` to
    avoid refitting.

    Examples
    --------
    >>> g = pd.DataFrame({"bps_code": ["1701"], "name": ["x"], "kind": ["regency"],
    ...                   "province_code": ["17"]})
    >>> p = synthetic_panel({"1701": [(2018.0, 60.0), (2019.0, 70.0), (2020.0, 78.0)]})
    >>> backtest(p, regions=g, settings=ProjectionSettings(provinces=("17",)))["model"].tolist()
    ['logit_wls', 'mixed', 'cagr', 'last_value']
    """
    pred = (
        predictions
        if predictions is not None
        else backtest_predictions(panel, settings=settings, regions=regions)
    )
    rows = []
    for model in [m for m in MODELS if m in set(pred["model"])]:
        d = pred.loc[pred["model"].eq(model)]
        ok = d.loc[d["predicted_pct"].notna()]
        note = (
            f"{len(d) - len(ok)} held-out figure(s) without a forecast" if len(ok) < len(d) else ""
        )
        if model == "mixed":
            note = "; ".join(x for x in (note, pred.attrs.get("mixed_estimator", "")) if x)
        rows.append(
            {
                "model": model,
                "n_regions": ok["region_code"].nunique(),
                "n_heldout": len(ok),
                "mae_pp": ok["error_pp"].abs().mean(),
                "rmse_pp": math.sqrt((ok["error_pp"] ** 2).mean()) if len(ok) else math.nan,
                "bias_pp": ok["error_pp"].mean(),
                "median_ae_pp": ok["error_pp"].abs().median(),
                "coverage_80": ok["inside_80"].mean(),
                "coverage_95": ok["inside_95"].mean(),
                "mean_width80_pp": (ok["hi80"] - ok["lo80"]).mean(),
                "note": note,
            }
        )
    out = pd.DataFrame(rows, columns=list(BACKTEST))
    num = [c for c in BACKTEST if c not in ("model", "n_regions", "n_heldout", "note")]
    out[num] = out[num].astype(float).round(4)
    return out


# --------------------------------------------------------------------------- test data


def synthetic_panel(
    series: Mapping[str, Sequence[tuple[float, float]]],
    *,
    lower_bound: Mapping[str, Sequence[tuple[float, float]]] | None = None,
) -> pd.DataFrame:
    """A tiny coverage panel with ``schemas.PANEL`` columns, for tests and examples.

    ``series`` maps a region code to ``(decimal_year, coverage_pct)`` pairs;
    ``lower_bound`` adds "more than X %" figures the same way.

    Examples
    --------
    >>> p = synthetic_panel({"1701": [(2020.5, 80.0)]})
    >>> p[["region_code", "period", "coverage_pct"]].to_numpy().tolist()
    [['1701', '2020-07', 80.0]]
    """
    rows = []
    for flag, mapping in ((False, series), (True, lower_bound or {})):
        for code, pairs in mapping.items():
            for t, c in pairs:
                year, frac = int(math.floor(t)), t - math.floor(t)
                month = min(int(frac * 12) + 1, 12)
                rows.append(
                    {
                        "region_code": code,
                        "region_name": f"Region {code}",
                        "region_level": "province" if len(code) == 2 else "regency",
                        "province_code": code[:2],
                        "period": f"{year}-{month:02d}",
                        "period_precision": "month",
                        "date": f"{year}-{month:02d}-15",
                        "decimal_year": float(t),
                        "measure": "registered",
                        "basis": "published",
                        "coverage_pct": float(c),
                        "lower_bound": flag,
                        "rounded": False,
                        "over_100": c > 100,
                        "observation_id": f"{code}-{t:.3f}-{int(flag)}",
                    }
                )
    df = pd.DataFrame(rows, columns=list(schemas.PANEL))
    for c in ("lower_bound", "rounded", "over_100"):
        df[c] = df[c].astype(bool)
    return df
