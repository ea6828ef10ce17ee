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
    The fit is then redone with the scale fixed at ``s²`` (statsmodels WLS with
    ``cov_type="fixed scale"``, computed in closed form; the statsmodels
    results are built on request in ``_Line.results``), and its observation
    (prediction) intervals, those of ``get_prediction(...).summary_frame(
    alpha=...)``, are transformed back with ``ceiling · expit``. The point
    path is the back-transformed logit mean, i.e. the predictive median.

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
    instead of being dropped. The REML fit is statsmodels' (``MixedLM(...).fit(
    reml=True, method=["lbfgs"])``) replicated on 2 x 2 group cross-products
    (:class:`_PooledREML`; statsmodels itself is run where rounding could
    change the outcome), so national runs take seconds. MixedLM takes no
    observation weights, so rounded
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
import functools
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from uhc_analysis import config, schemas

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
        from uhc_analysis.ingest.regions import load_regions

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
    p = p.sort_values([*keys, "period"], kind="stable")
    grouped = p.groupby(keys, as_index=False, sort=True)
    out = grouped.agg(
        province_code=("province_code", "first"),
        region_level=("region_level", "first"),
        period=("period", "first"),
        coverage_pct=("coverage_pct", "mean"),
        rounded=("rounded", "all"),
        n_rows=("coverage_pct", "size"),
    )
    # ";".join(sorted(set(ids))) per group, spelled out only for the groups of several rows
    gid = grouped.ngroup().to_numpy()
    ids = pd.Series(p["observation_id"].to_numpy(dtype=object), index=gid)
    ids = ids[gid >= 0]
    first = ids[~ids.index.duplicated()]
    joined = np.empty(len(out), dtype=object)
    joined[first.index.to_numpy()] = first.to_numpy(dtype=object)
    several = ids.index.duplicated(keep=False)
    if several.any():
        multi = ids[several].groupby(level=0).agg(lambda s: ";".join(sorted(set(s))))
        joined[multi.index.to_numpy()] = multi.to_numpy()
    out["observation_ids"] = joined
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


@functools.lru_cache(maxsize=4096)
def _quantile(p: float, df: float) -> float:
    """``p`` quantile of the standard normal (``df`` infinite) or of Student's t."""
    return float(stats.norm.ppf(p) if math.isinf(df) else stats.t.ppf(p, df))


class _LazyWLSResults:
    """statsmodels results of a ``logit_wls`` line, built on first attribute access.

    :meth:`_Line.predict` does not need them (its closed form equals
    ``get_prediction(...).summary_frame(alpha=...)``, which the unit tests
    check), so national runs never pay for thousands of statsmodels fits.
    """

    __slots__ = ("_design", "_res")

    def __init__(
        self, exog: np.ndarray, endog: np.ndarray, weights: np.ndarray, scale: float, df: float
    ) -> None:
        self._design = (exog, endog, weights, scale, df)
        self._res: Any = None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if self._res is None:
            import statsmodels.api as sm

            exog, endog, weights, scale, df = self._design
            model = sm.WLS(endog, exog, weights=weights, hasconst=True)
            model.df_resid = df
            self._res = model.fit(cov_type="fixed scale", cov_kwds={"scale": scale}, use_t=True)
        return getattr(self._res, name)


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
    #: logit_wls: the statsmodels WLS results (built lazily; not used by ``predict``)
    results: Any = field(default=None, repr=False)
    #: pooled lines: (mean, variance) of the slope of a new region of the same province
    slope_prior: tuple[float, float] | None = None

    def quantile(self, p: float) -> float:
        return _quantile(p, float(self.df))

    def logit_mean(self, years: np.ndarray, s: ProjectionSettings) -> np.ndarray:
        x = np.asarray(years, dtype=float) - s.reference_year
        return self.params[0] + self.params[1] * x

    def band(self, years: np.ndarray, s: ProjectionSettings) -> dict[str, np.ndarray]:
        """Median path and 80/95 % prediction limits (percent) at ``years``, as arrays.

        Observation (prediction) intervals ``mean ± q·sqrt(x·Cov·xᵀ + scale)``
        with ``q`` the normal or t quantile (``df``): for ``logit_wls`` this is
        exactly statsmodels' ``get_prediction(exog).summary_frame(alpha)``
        ``obs_ci_lower``/``obs_ci_upper`` of the fixed-scale WLS fit.
        """
        years = np.asarray(years, dtype=float)
        exog = np.column_stack([np.ones_like(years), years - s.reference_year])
        mean = exog @ self.params
        se = np.sqrt(np.einsum("ij,jk,ik->i", exog, self.cov, exog) + self.scale)
        out = {"coverage_pct": _expit_pct(mean, s)}
        for level, alpha in (("80", 0.20), ("95", 0.05)):
            q = self.quantile(1 - alpha / 2)
            out[f"lo{level}"] = _expit_pct(mean - q * se, s)
            out[f"hi{level}"] = _expit_pct(mean + q * se, s)
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


def _imputed_bounds(
    mu: np.ndarray, sd: np.ndarray, bound: np.ndarray, included: np.ndarray
) -> np.ndarray:
    """``E[y | y > bound]`` of ``N(mu, sd²)`` where ``included``, NaN elsewhere."""
    a = (bound - mu) / sd
    # stats.norm.logpdf(a) - stats.norm.logsf(a), without scipy's per-call argument checks
    log_hazard = -(a**2) / 2.0 - _LOG_SQRT_2PI - special.log_ndtr(-a)
    return np.where(included, mu + sd * np.exp(log_hazard), np.nan)


def _with_censored(
    fit: Callable[[pd.DataFrame], dict[str, _Line]],
    data: pd.DataFrame,
    cens: pd.DataFrame,
    s: ProjectionSettings,
) -> dict[str, _Line]:
    """Refit with informative lower bounds imputed at E[y | y > bound] (see module docstring).

    :func:`_wls_with_censored` is the same loop for one region's ``logit_wls``
    line on arrays; keep the two in step.
    """
    lines = fit(data)
    cens = cens.loc[cens["region_code"].isin(list(lines))].reset_index(drop=True)
    if cens.empty:
        return lines
    bound = _logit(cens["bound_pct"].to_numpy(), s)
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
        new = _imputed_bounds(mu, sd, bound, included)
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


def _split_by_region(codes: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """``(code, row positions)`` per distinct code, codes sorted, rows in their original order.

    The same groups, in the same order, as ``DataFrame.groupby(codes, sort=True)``.
    """
    codes = np.asarray(codes).astype(str)
    if not len(codes):
        return []
    order = np.argsort(codes, kind="stable")
    uniq, starts = np.unique(codes[order], return_index=True)
    bounds = [*starts[1:], len(codes)]
    return [(str(u), order[a:b]) for u, a, b in zip(uniq, starts, bounds, strict=True)]


def _wls(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted least squares of ``y`` on ``x`` (an n x 2 design): params, (XᵀWX)⁻¹.

    The closed form of statsmodels' ``WLS(y, x, weights=w).fit()`` (``params``
    and ``normalized_cov_params``), without its per-fit overhead.
    """
    xtw = x.T * w
    xtwx = xtw @ x
    try:
        inv = np.linalg.inv(xtwx)
    except np.linalg.LinAlgError:
        inv = np.linalg.pinv(xtwx)
    return inv @ (xtw @ y), inv


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
    t_all = frame["decimal_year"].to_numpy(float)
    y_all, w_all = frame["y"].to_numpy(float), frame["weight"].to_numpy(float)
    ssr, df = 0.0, 0
    for _, rows in _split_by_region(frame["region_code"].to_numpy()):
        t = t_all[rows]
        if len(np.unique(t)) < 3:
            continue
        x = np.column_stack([np.ones(len(rows)), t - settings.reference_year])
        y, w = y_all[rows], w_all[rows]
        params, _ = _wls(x, y, w)
        ssr += float(np.sum(w * (y - x @ params) ** 2))
        df += len(rows) - int(np.linalg.matrix_rank(np.sqrt(w)[:, None] * x))
    return max(ssr / df if df else 0.0, settings.min_resid_sd**2)


def _fit_wls_arrays(
    t: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    censored: np.ndarray,
    s: ProjectionSettings,
    prior_var: float,
    slope_prior: tuple[float, float] | None = None,
) -> _Line:
    """:func:`_fit_wls_one` on arrays (decimal years, logits, weights, censored flags)."""
    x = np.column_stack([np.ones(len(t)), t - s.reference_year])
    point = ~censored
    n_points = int(point.sum())
    if slope_prior is not None:
        x = np.vstack([x, [0.0, 1.0]])
        y = np.append(y, slope_prior[0])

    def weights(scale: float) -> np.ndarray:
        return w if slope_prior is None else np.append(w, scale / slope_prior[1])

    first, _ = _wls(x, y, weights(prior_var))
    # residual df and SSR from point observations only: censored pseudo-points say nothing on σ²
    df_own = max(n_points - 2, 0)
    resid = (y - x @ first)[: len(w)]
    ssr = float(np.sum(w[point] * resid[point] ** 2)) if df_own > 0 else 0.0
    df_total = df_own + s.prior_df
    scale = (ssr + s.prior_df * prior_var) / df_total if df_total > 0 else prior_var
    scale = max(scale, s.min_resid_sd**2)
    df_t = df_total if df_total > 0 else math.inf
    final_weights = weights(scale)
    params, normalized_cov = _wls(x, y, final_weights)
    note = f"residual sd {math.sqrt(scale):.3f} logit (own df {df_own}, prior df {s.prior_df:g})"
    if slope_prior is not None:
        note += f"; slope prior {slope_prior[0]:+.3f} ± {math.sqrt(slope_prior[1]):.3f} logit/yr"
    return _Line(
        model="logit_wls",
        params=params,
        cov=scale * normalized_cov,
        scale=scale,
        df=df_t,
        note=note,
        n_censored=int(censored.sum()),
        results=_LazyWLSResults(x, y, final_weights, scale, df_t),
    )


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
    of intercept and slope under a flat prior on the intercept. The fit is
    statsmodels' WLS (``cov_type="fixed scale"``) in closed form; the
    statsmodels results are in ``_Line.results`` (built on first use).
    """
    return _fit_wls_arrays(
        d["decimal_year"].to_numpy(float),
        d["y"].to_numpy(float),
        d["weight"].to_numpy(float),
        d["censored"].to_numpy(bool),
        s,
        prior_var,
        slope_prior,
    )


def _wls_with_censored(
    t: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    cens_t: np.ndarray,
    cens_pct: np.ndarray,
    s: ProjectionSettings,
    prior_var: float,
    prior: tuple[float, float] | None,
) -> _Line:
    """:func:`_with_censored` for one region's ``logit_wls`` line, on arrays."""

    def fit(t_: np.ndarray, y_: np.ndarray, w_: np.ndarray, n_pseudo: int) -> _Line:
        censored = np.zeros(len(t_), dtype=bool)
        censored[len(t_) - n_pseudo :] = True
        return _fit_wls_arrays(t_, y_, w_, censored, s, prior_var, prior)

    line = fit(t, y, w, 0)
    if not len(cens_t):
        return line
    bound = _logit(cens_pct, s)
    included = np.zeros(len(cens_t), dtype=bool)
    imputed = np.full(len(cens_t), np.nan)
    for _ in range(s.censored_max_iter):
        mu = line.logit_mean(cens_t, s)
        sd = np.full(len(cens_t), math.sqrt(line.scale))
        included |= np.nan_to_num(mu, nan=np.inf) < bound
        new = _imputed_bounds(mu, sd, bound, included)
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
) -> dict[str, _Line]:
    """Per-region logit-WLS lines for regions with >= 2 distinct dates.

    ``slope_priors`` maps a province code to ``(mean, variance)`` of the slope
    prior of its regions (see :func:`fit_mixed`); ``None`` fits without prior.
    """
    frame = _model_frame(obs, settings)
    t_all = frame["decimal_year"].to_numpy(float)
    y_all, w_all = frame["y"].to_numpy(float), frame["weight"].to_numpy(float)
    prov_all = frame["province_code"].to_numpy().astype(str)
    cens_t_all = cens["decimal_year"].to_numpy(float)
    cens_pct_all = cens["bound_pct"].to_numpy(float)
    cens_rows = dict(_split_by_region(cens["region_code"].to_numpy()))
    no_rows = np.zeros(0, dtype=int)
    lines: dict[str, _Line] = {}
    for region, rows in _split_by_region(frame["region_code"].to_numpy()):
        t = t_all[rows]
        if len(np.unique(t)) < 2:
            continue
        prior = (slope_priors or {}).get(str(prov_all[rows[0]]))
        c_rows = cens_rows.get(region, no_rows)
        lines[region] = _wls_with_censored(
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


class _PoolingFailedError(RuntimeError):
    """MixedLM could not be used; the caller falls back to shrinkage."""


def _fe_design(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, list[str], str]:
    """Fixed-effect design: per row, the columns of its intercept and of its slope.

    Row ``i`` of the design matrix X is ``1`` in column ``a[i]`` and
    ``decimal_year[i]`` in column ``b[i]`` (zero elsewhere): an intercept and a
    slope per province (``a_<code>``, ``b_<code>``), or one common slope
    (``b_all``) when ``np.linalg.matrix_rank(X)`` says the province slopes are
    not identified. The province columns are blocks ``[1, x]`` with disjoint
    rows and columns, so the singular values of X are those of the blocks and
    the rank is computed from them (same tolerance as ``matrix_rank``).
    """
    prov = frame["province_code"].to_numpy().astype(str)
    provs, p_idx = np.unique(prov, return_inverse=True)
    x = frame["decimal_year"].to_numpy(float)
    k = 2 * len(provs)
    names = [f"a_{p}" for p in provs] + [f"b_{p}" for p in provs]
    sv = np.concatenate(
        [
            np.linalg.svd(np.column_stack([np.ones(int(m.sum())), x[m]]), compute_uv=False)
            for m in (p_idx == i for i in range(len(provs)))
        ]
    )
    tol = sv.max() * max(len(x), k) * np.finfo(float).eps
    if int(np.count_nonzero(sv > tol)) == k:
        return p_idx, p_idx + len(provs), names, "province slopes"
    return (
        p_idx,
        np.full(len(x), len(provs)),
        names[: len(provs)] + ["b_all"],
        "one common slope (province slopes not identified)",
    )


class _PooledREML:
    """REML fit of ``y = Xβ + Zb + e`` with ``Z = [1, x]`` and ``X_g = Z_g L_g``, group-vectorised.

    Every region ``g`` is a group with random intercept and slope
    ``b_g ~ N(0, G)``, ``e ~ N(0, σ² I)``. Because each row of the fixed-effect
    design is its random-effect row placed in two columns (``L_g`` selects the
    intercept and slope columns of the region's province), every quantity of
    the likelihood reduces to the 2 x 2 group cross-products ``ZᵀZ``, ``Zᵀr``
    and ``rᵀr``: ``V_g⁻¹`` is never formed (Woodbury identity).

    :meth:`fit` replicates ``statsmodels.MixedLM(y, X, groups, exog_re=Z).fit(
    reml=True, method=["lbfgs"])`` (statsmodels 0.14-0.15) step by step: the
    same profile REML log-likelihood, score and Hessian (:meth:`loglike`,
    :meth:`score`, :meth:`hessian`, equal to statsmodels' up to rounding;
    ``tests/unit/test_projection.py`` checks them), the same Cholesky-root
    parametrisation and start values, the same L-BFGS-B call and the same
    post-processing, so the optimiser takes the same path. Where rounding
    could still change the outcome, :meth:`fit` returns None and statsmodels
    itself is run (:func:`_statsmodels_mixedlm`).
    """

    _IX = ((0, 0), (1, 0), (1, 1))  # packed lower triangle (statsmodels' order)
    #: :meth:`fit` hands over to statsmodels when ``cov_re`` at an iterate / at the
    #: optimum is worse conditioned than this (statsmodels inverts it; its objective
    #: then carries rounding noise of roughly 1e-17 x the condition number)
    MAX_COND_PATH = 1e7
    MAX_COND_END = 1e4

    def __init__(
        self, y: np.ndarray, x: np.ndarray, group: np.ndarray, cols: np.ndarray, k_fe: int
    ) -> None:
        self.y, self.x, self.group = y, x, group
        self.n, self.k_fe = len(y), k_fe
        n_groups = int(group.max()) + 1
        self.cols = cols  # (groups, 2): intercept and slope column of each group
        cnt = np.bincount(group, minlength=n_groups).astype(float)
        sx = np.bincount(group, weights=x, minlength=n_groups)
        sxx = np.bincount(group, weights=x * x, minlength=n_groups)
        self.S = np.stack([np.stack([cnt, sx], -1), np.stack([sx, sxx], -1)], 1)
        self.zy = self._zt(y)
        self.yy = np.bincount(group, weights=y * y, minlength=n_groups)
        self._lift_index = (cols[:, :, None] * k_fe + cols[:, None, :]).ravel()
        self._fe_cache: tuple[Any, Any] = (None, None)

    # ---- group algebra
    def _zt(self, v: np.ndarray) -> np.ndarray:
        m = len(self.S)
        return np.stack(
            [
                np.bincount(self.group, weights=v, minlength=m),
                np.bincount(self.group, weights=v * self.x, minlength=m),
            ],
            -1,
        )

    def _lift(self, a: np.ndarray) -> np.ndarray:
        """``Σ_g L_gᵀ a_g L_g`` for per-group 2 x 2 matrices ``a``."""
        k = self.k_fe
        return np.bincount(self._lift_index, weights=a.ravel(), minlength=k * k).reshape(k, k)

    def _lift_vec(self, v: np.ndarray) -> np.ndarray:
        """``Σ_g L_gᵀ v_g`` for per-group 2-vectors ``v``."""
        return np.bincount(self.cols.ravel(), weights=v.ravel(), minlength=self.k_fe)

    def _resid(self, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per group ``Zᵀr`` and ``rᵀr`` of ``r = y - Xβ``."""
        bg = beta[self.cols]
        r = self.y - (bg[self.group, 0] + bg[self.group, 1] * self.x)
        return self._zt(r), np.bincount(self.group, weights=r * r, minlength=len(self.S))

    def _solve_parts(self, qi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(ZᵀZ + Qi)⁻¹`` (statsmodels' SMW solver) and ``ZᵀV⁻¹Z`` per group."""
        qm = np.linalg.inv(self.S + qi)
        return qm, self.S - self.S @ qm @ self.S

    @staticmethod
    def _mv(m: np.ndarray, v: np.ndarray) -> np.ndarray:
        return np.einsum("gij,gj->gi", m, v)

    @classmethod
    def cov_re(cls, packed: np.ndarray) -> np.ndarray:
        low = np.zeros((2, 2))
        low[tuple(np.array(cls._IX).T)] = packed
        return np.dot(low, low.T)

    # ---- statsmodels MixedLM methods
    def fe_params(self, cov_re: np.ndarray, tol: float = 1e-10) -> tuple[np.ndarray, bool]:
        """``MixedLM.get_fe_params``: GLS fixed effects given the (unscaled) ``cov_re``."""
        key = (cov_re.tobytes(), tol)  # loglike and score ask at the same point in turn
        if self._fe_cache[0] != key:
            self._fe_cache = (key, self._fe_params(cov_re, tol))
        fe, sing = self._fe_cache[1]
        return fe.copy(), sing

    def _fe_params(self, cov_re: np.ndarray, tol: float) -> tuple[np.ndarray, bool]:
        w, v = np.linalg.eigh(cov_re)
        sing = bool(w.min() < tol)
        if sing:
            keep = np.flatnonzero(w >= tol)
            qi = np.dot(v[:, keep] / w[keep], v[:, keep].T) if len(keep) else np.zeros((2, 2))
        else:
            qi = np.linalg.inv(cov_re)
        qm, a = self._solve_parts(qi)
        xvx = self._lift(a)
        xvy = self._lift_vec(self.zy - self._mv(self.S @ qm, self.zy))
        fe = np.dot(np.linalg.pinv(xvx), xvy) if sing else np.linalg.solve(xvx, xvy)
        return fe, sing

    @staticmethod
    def _inv_re(cov_re: np.ndarray) -> np.ndarray:
        try:
            return np.linalg.inv(cov_re)
        except np.linalg.LinAlgError:
            return np.linalg.pinv(cov_re)

    def _qf(self, qm: np.ndarray, beta: np.ndarray) -> tuple[Any, np.ndarray, np.ndarray]:
        """``Σ rᵀV⁻¹r``, per-group ``Zᵀr`` and ``ZᵀV⁻¹r``."""
        zr, rr = self._resid(beta)
        qz = self._mv(qm, zr)
        # a numpy float, as in statsmodels: qf / 0 is inf (with a warning), not an error
        qf = np.sum(rr - np.einsum("gi,gi->g", zr, qz))
        return qf, zr, zr - self._mv(self.S, qz)

    def loglike(self, packed: np.ndarray) -> float:
        """``MixedLM.loglike`` (REML, scale and fixed effects profiled out)."""
        cov_re = self.cov_re(packed)
        beta, _ = self.fe_params(cov_re)
        qi = self._inv_re(cov_re)
        _, re_logdet = np.linalg.slogdet(cov_re)
        qm, a = self._solve_parts(qi)
        _, ld1 = np.linalg.slogdet(self.S + qi)
        qf, _, _ = self._qf(qm, beta)
        m = self.n - self.k_fe
        like = -float(np.sum(re_logdet + ld1)) / 2.0
        like -= m * np.log(qf) / 2.0
        like -= np.linalg.slogdet(self._lift(a))[1] / 2.0
        like -= m * np.log(2 * np.pi) / 2.0
        like += m * np.log(m) / 2.0
        like -= m / 2.0
        return float(like)

    def score(self, packed: np.ndarray) -> np.ndarray:
        """``MixedLM.score`` (``score_full`` and the chain rule of ``score_sqrt``)."""
        cov_re = self.cov_re(packed)
        beta, _ = self.fe_params(cov_re)
        qm, a = self._solve_parts(self._inv_re(cov_re))
        rvir, _, vir = self._qf(qm, beta)
        xvxi = np.linalg.inv(self._lift(a))
        kg = xvxi[self.cols[:, :, None], self.cols[:, None, :]]  # L_g xvx⁻¹ L_gᵀ
        fac = self.n - self.k_fe
        full = np.zeros(3)
        for jj, (j1, j2) in enumerate(self._IX):
            a1, a2 = a[:, :, j1], a[:, :, j2]
            dlv = a[:, j2, j1] if j1 == j2 else a[:, j2, j1] + a[:, j1, j2]
            rvavr = vir[:, j1] * vir[:, j2] * (1.0 if j1 == j2 else 2.0)
            tr = np.einsum("gi,gji,gj->g", a1, kg, a2)
            if j1 != j2:
                tr = tr + np.einsum("gi,gji,gj->g", a2, kg, a1)
            full[jj] = (
                -0.5 * float(np.sum(dlv))
                + 0.5 * fac * float(np.sum(rvavr)) / rvir
                + 0.5 * float(np.sum(tr))
            )
        # chain rule to the Cholesky root, recomputed from cov_re as statsmodels does
        try:
            low = np.linalg.cholesky(cov_re)
        except np.linalg.LinAlgError:
            low = np.diag(np.sqrt(np.diag(cov_re)))
        l00, l10, l11 = low[0, 0], low[1, 0], low[1, 1]
        jac = np.array([[2 * l00, 0.0, 0.0], [l10, l00, 0.0], [0.0, 2 * l10, 2 * l11]])
        return full @ jac

    def scale(self, beta: np.ndarray, cov_re: np.ndarray) -> float:
        """``MixedLM.get_scale`` (REML)."""
        qm, _ = self._solve_parts(self._inv_re(cov_re))
        qf, _, _ = self._qf(qm, beta)
        return qf / (self.n - self.k_fe)

    def hessian(self, beta: np.ndarray, cov_re: np.ndarray) -> np.ndarray:
        """``MixedLM.hessian`` (REML) at fixed effects ``beta`` and unscaled ``cov_re``.

        With respect to ``(fe_params, cov_re lower triangle)``; statsmodels
        uses it only to warn when a diagonal entry is not negative and to
        invert it (``LinAlgError`` when singular). Each statsmodels term
        ``Z_jᵀ V⁻¹ Z_k``, ``Xᵀ V⁻¹ Z_j`` (``= L_gᵀ A_g[:, j]``) or
        ``Z_jᵀ V⁻¹ r`` is a 2 x 2 group quantity here.
        """
        k = self.k_fe
        qm, a = self._solve_parts(self._inv_re(cov_re))
        rvir, _, u = self._qf(qm, beta)
        xtvix = self._lift(a)
        fac = self.n - k
        m = len(self._IX)
        hess_re, d_mat = np.zeros((m, m)), np.zeros((m, m))
        hess_fere, b_vec = np.zeros((m, k)), np.zeros(m)
        xtax, f_mat = [], {}
        for jj1, (p1, q1) in enumerate(self._IX):
            sym1 = p1 == q1
            fere = a[:, :, p1] * u[:, q1, None]
            if not sym1:
                fere = fere + a[:, :, q1] * u[:, p1, None]
            hess_fere[jj1] = self._lift_vec(fere)
            t = a[:, :, p1, None] * a[:, None, :, q1]  # A[:, p1] A[:, q1]ᵀ
            xtax.append(self._lift(t if sym1 else t + np.swapaxes(t, 1, 2)))
            b_vec[jj1] = float(np.sum(u[:, p1] * u[:, q1])) * (1 if sym1 else 2)
            for jj2, (p2, q2) in enumerate(self._IX[: jj1 + 1]):
                sym2 = p2 == q2
                # V⁻¹ dV/dθ1 = Σ V⁻¹Z_p Z_qᵀ: Z_jᵀ V⁻¹ dV/dθ1 = (coefficients on Zᵀ)
                rho = np.zeros((len(a), 2))
                rho[:, q1] += a[:, q2, p1]
                if not sym1:
                    rho[:, p1] += a[:, q2, q1]
                vt = 2 * u[:, p2] * np.einsum("gi,gi->g", rho, u)
                rt = np.einsum("gi,gi->g", a[:, p2, :], rho) / 2
                um = a[:, :, p2, None] * np.einsum("gi,gij->gj", rho, a)[:, None, :]
                f = um + np.swapaxes(um, 1, 2)
                if not sym2:
                    lam = np.zeros((len(a), 2))
                    lam[:, q1] += a[:, p2, p1]
                    if not sym1:
                        lam[:, p1] += a[:, p2, q1]
                    vt = vt + 2 * u[:, q2] * np.einsum("gi,gi->g", lam, u)
                    rt = rt + np.einsum("gi,gi->g", a[:, q2, :], lam) / 2
                    um = a[:, :, q2, None] * np.einsum("gi,gij->gj", lam, a)[:, None, :]
                    f = f + um + np.swapaxes(um, 1, 2)
                for i, j in {(jj1, jj2), (jj2, jj1)}:
                    d_mat[i, j] += float(np.sum(vt))
                    hess_re[i, j] += float(np.sum(rt))
                f_mat[jj1, jj2] = self._lift(f)
        hess_fe = -fac * xtvix / rvir
        hess_re = hess_re - 0.5 * fac * (d_mat / rvir - np.outer(b_vec, b_vec) / rvir**2)
        hess_fere = -fac * hess_fere / rvir
        ql = [np.linalg.solve(xtvix, x) for x in xtax]
        for j1 in range(m):
            for j2 in range(j1 + 1):
                v = float(np.sum(ql[j1].T * ql[j2]))
                v -= np.trace(np.linalg.solve(xtvix, f_mat[j1, j2]))
                for i, j in {(j1, j2), (j2, j1)}:
                    hess_re[i, j] += 0.5 * v
        hess = np.zeros((k + m, k + m))
        hess[:k, :k] = hess_fe
        hess[:k, k:] = hess_fere.T
        hess[k:, :k] = hess_fere
        hess[k:, k:] = hess_re
        return hess

    def fit(self) -> tuple[np.ndarray, np.ndarray, float, bool, list[str]] | None:
        """``(fe_params, cov_re, scale, converged, ConvergenceWarning messages)``, or None.

        None when the outcome could depend on rounding, so that statsmodels
        itself must decide (see :func:`_mixedlm_lines`): the optimisation did
        not converge or raised, it ended with a negative diagonal of the
        Cholesky root (where statsmodels' score, which re-derives the root
        from ``cov_re``, no longer matches the objective and line searches end
        in rounding noise), an iterate had a near-singular ``cov_re`` (whose
        inverse makes statsmodels' objective noisy), or a warning threshold
        (boundary, Hessian sign) is within rounding of being crossed.
        """
        from scipy import optimize

        n = self.n
        worst_cond = [1.0]

        def track(packed: np.ndarray) -> None:  # after each iteration; changes nothing
            worst_cond[0] = max(worst_cond[0], float(np.linalg.cond(self.cov_re(packed))))

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                xopt, _, info = optimize.fmin_l_bfgs_b(
                    lambda p: -self.loglike(p) / n,
                    np.array([1.0, 0.0, 1.0]),  # Cholesky root of the identity
                    fprime=lambda p: -self.score(p) / n,
                    maxiter=100,
                    bounds=[(None, None)] * 3,
                    callback=track,
                )
                if (
                    info["warnflag"] != 0
                    or xopt[0] <= 0
                    or xopt[2] <= 0
                    # near-singular cov_re (see MAX_COND_PATH)
                    or not worst_cond[0] < self.MAX_COND_PATH
                    or not float(np.linalg.cond(self.cov_re(xopt))) < self.MAX_COND_END
                ):
                    return None
                cov_unscaled = self.cov_re(xopt)
                beta, _ = self.fe_params(cov_unscaled)
                scale = self.scale(beta, cov_unscaled)
                cov_re = scale * cov_unscaled
                hess = self.hessian(beta, cov_unscaled)
                np.linalg.inv(-hess)  # as statsmodels: LinAlgError if singular
                hess_diag = np.diag(hess)
        except (np.linalg.LinAlgError, ValueError, ZeroDivisionError, FloatingPointError):
            return None
        smallest = float(np.min(np.abs(np.diag(cov_re))))
        if (
            not (np.isfinite(beta).all() and np.isfinite(cov_re).all() and np.isfinite(scale))
            or abs(smallest - 0.01) <= 1e-8
            or np.any(hess_diag > -1e-8 * np.max(np.abs(hess_diag)))
        ):
            return None
        messages = ["The MLE may be on the boundary of the parameter space."] * (smallest < 0.01)
        return beta, cov_re, float(scale), True, messages


def _statsmodels_mixedlm(
    y: np.ndarray, x: np.ndarray, groups: np.ndarray, a_col: np.ndarray, b_col: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray, float, bool, list[str]]:
    """statsmodels ``MixedLM`` REML fit: the reference :class:`_PooledREML` reproduces.

    Used when the fast fit cannot vouch for giving the same answer. Raises
    :class:`_PoolingFailedError` when statsmodels raises.
    """
    from statsmodels.regression.mixed_linear_model import MixedLM
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    X = np.zeros((len(y), k))
    X[np.arange(len(y)), a_col] = 1.0
    X[np.arange(len(y)), b_col] = x
    Z = np.column_stack([np.ones(len(y)), x])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            res = MixedLM(y, X, groups=groups, exog_re=Z).fit(reml=True, method=["lbfgs"])
        except (np.linalg.LinAlgError, ValueError) as exc:
            raise _PoolingFailedError(f"MixedLM raised {type(exc).__name__}: {exc}") from exc
    messages = [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]
    beta = np.asarray(res.fe_params, dtype=float)
    return beta, np.asarray(res.cov_re, dtype=float), float(res.scale), res.converged, messages


def _mixedlm_lines(frame: pd.DataFrame, s: ProjectionSettings) -> dict[str, _Line]:
    x = frame["decimal_year"].to_numpy(float) - s.reference_year
    y = frame["y"].to_numpy(float)
    region = frame["region_code"].to_numpy().astype(str)
    codes, first, group = np.unique(region, return_index=True, return_inverse=True)
    a_col, b_col, names, design = _fe_design(
        frame.assign(decimal_year=x)  # the design on the centred time axis
    )
    cols = np.stack([a_col[first], b_col[first]], -1)
    model = _PooledREML(y, x, group, cols, len(names))
    fitted = model.fit()
    if fitted is None:
        fitted = _statsmodels_mixedlm(y, x, region, a_col, b_col, len(names))
    beta, G, sigma2, converged, messages = fitted
    boundary = any("boundary" in m for m in messages)
    other = [m for m in messages if "boundary" not in m]
    if not converged or other:
        raise _PoolingFailedError(
            "MixedLM did not converge: " + ("; ".join(other) or "converged=False")
        )
    if not (
        np.isfinite(beta).all() and np.isfinite(G).all() and np.isfinite(sigma2) and sigma2 > 0
    ):
        raise _PoolingFailedError("MixedLM returned non-finite estimates")
    # GLS covariance of β and BLUPs with their conditional covariance, group by group:
    # with V_g = σ²I + Z_g G Z_gᵀ, Z_gᵀV_g⁻¹ = H_g Z_gᵀ where H_g = (σ²I + Z_gᵀZ_g G)⁻¹
    # (Woodbury / push-through), so only 2 x 2 matrices are inverted.
    H = np.linalg.inv(sigma2 * np.eye(2) + model.S @ G)
    zvz = H @ model.S  # Z_gᵀ V_g⁻¹ Z_g; X_gᵀ V_g⁻¹ X_g = L_gᵀ (Z_gᵀ V_g⁻¹ Z_g) L_g
    cov_beta = np.linalg.pinv(model._lift(zvz))
    zr, _ = model._resid(beta)
    blup = np.einsum("ij,gjk,gk->gi", G, H, zr)  # G Z_gᵀ V_g⁻¹ r_g
    cond = G - G @ zvz @ G  # G - G Z_gᵀ V_g⁻¹ Z_g G
    fixed = beta[cols]  # L_g β
    fixed_cov = cov_beta[cols[:, :, None], cols[:, None, :]]  # L_g Cov(β) L_gᵀ
    n_cens = np.bincount(group, weights=frame["censored"].to_numpy(float), minlength=len(codes))
    scale = max(sigma2, s.min_resid_sd**2)
    note = f"MixedLM REML ({design}; residual sd {math.sqrt(sigma2):.3f} logit"
    note += "; random-effect covariance on the boundary)" if boundary else ")"
    return {
        str(g): _Line(
            "mixed",
            fixed[i] + blup[i],
            fixed_cov[i] + cond[i],
            scale,
            math.inf,
            note,
            int(n_cens[i]),
            slope_prior=(float(fixed[i, 1]), float(fixed_cov[i, 1, 1] + G[1, 1])),
        )
        for i, g in enumerate(codes)
    }


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
    for _, rows in _split_by_region(points["region_code"].to_numpy()):
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
) -> dict[str, dict[str, _Baseline]]:
    """``{"cagr": {...}, "last_value": {...}}`` per region (cagr needs 2 dates spanning > 0)."""
    points = obs.loc[~obs["lower_bound"]]
    t_all = points["decimal_year"].to_numpy()
    c_all = points["coverage_pct"].to_numpy()
    groups = _split_by_region(points["region_code"].to_numpy())
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
        for region, rows in groups:
            t, c = t_all[rows], c_all[rows]
            rate = 0.0 if model == "last_value" else _cagr(t, c)
            if math.isnan(rate):
                continue
            fits[region] = _Baseline(model, float(t[-1]), float(c[-1]), rate, q, note)
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


@dataclass(frozen=True)
class _RegionEvidence:
    """One region's point observations and censored evidence, as arrays in table order."""

    t: np.ndarray  # decimal years of the point observations
    pct: np.ndarray
    period: np.ndarray
    lb_t: np.ndarray  # censored evidence (lower bounds and awards)
    lb_pct: np.ndarray
    lb_period: np.ndarray
    lb_source: np.ndarray


def _region_evidence(obs: pd.DataFrame, cens: pd.DataFrame) -> dict[str, _RegionEvidence]:
    """:class:`_RegionEvidence` of every region with a point observation or censored evidence.

    One grouping pass instead of filtering the tables region by region.
    """
    points = obs.loc[~obs["lower_bound"]]
    p_rows = dict(_split_by_region(points["region_code"].to_numpy()))
    c_rows = dict(_split_by_region(cens["region_code"].to_numpy()))
    p_cols = [points[c].to_numpy() for c in ("decimal_year", "coverage_pct", "period")]
    c_cols = [cens[c].to_numpy() for c in ("decimal_year", "bound_pct", "period", "source")]
    none = np.zeros(0, dtype=int)
    return {
        code: _RegionEvidence(
            *(col[p_rows.get(code, none)] for col in p_cols),
            *(col[c_rows.get(code, none)] for col in c_cols),
        )
        for code in sorted(set(p_rows) | set(c_rows))
    }


def _select_model(t: np.ndarray, fits: _Fits, region: str, s: ProjectionSettings) -> str | None:
    if s.model != "logit_wls":
        return s.model if fits.get(s.model, region) is not None else None
    if len(np.unique(t)) >= s.min_obs_wls and t.max() - t.min() >= s.min_span_wls:
        return "logit_wls"
    return "mixed" if fits.get("mixed", region) is not None else None


def _first_crossing(grid: np.ndarray, values: np.ndarray, threshold: float) -> float:
    hit = np.flatnonzero(values >= threshold)
    return float(grid[hit[0]]) if len(hit) else math.nan


@functools.lru_cache(maxsize=16)
def _decimal_today(today: str | None) -> float:
    """``config.TODAY`` as a decimal year (NaN when unset), computed once per value."""
    return float(decimal_year(pd.Series([today])).iloc[0])


def _project_threshold(
    fit: _Line | _Baseline, threshold: float, t_last: float, s: ProjectionSettings
) -> dict[str, Any]:
    end = s.horizon + 1.0
    grid = np.arange(t_last, end + 1e-9, s.grid_step)
    band = fit.band(grid, s)
    row: dict[str, Any] = {
        f"year_reached_{k}": _first_crossing(grid, band[c], threshold)
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
        if year < _decimal_today(config.TODAY):
            why += f" (projected date already past on {config.TODAY}: no newer figure)"
    row.update(status=status, reason=why, year_reached=year if year < end else math.nan)
    return row


def _reached(ev: _RegionEvidence, threshold: float) -> tuple[float, str, str, str] | None:
    """(decimal year, period, kind, text) of the first evidence at/above ``threshold``.

    ``kind`` is ``observed``, ``award`` or ``lower_bound``; it fills the
    ``model`` column of ``reached`` rows. The smallest such tuple: earliest
    date first (only the candidates of that date are spelled out).
    """
    obs_hit = np.flatnonzero(ev.pct >= threshold)
    lb_hit = np.flatnonzero(ev.lb_pct >= threshold)
    if not len(obs_hit) and not len(lb_hit):
        return None
    first = min(np.min(ev.t[obs_hit], initial=np.inf), np.min(ev.lb_t[lb_hit], initial=np.inf))
    cands = [
        (
            float(ev.t[i]),
            _fmt_period(ev.period[i]),
            "observed",
            f"observed {ev.pct[i]:.2f}%",
        )
        for i in obs_hit
        if ev.t[i] == first
    ] + [
        (
            float(ev.lb_t[i]),
            _fmt_period(ev.lb_period[i]),
            str(ev.lb_source[i]),
            "UHC award (>= 95%)"
            if ev.lb_source[i] == "award"
            else f"lower bound 'more than {ev.lb_pct[i]:g}%'",
        )
        for i in lb_hit
        if ev.lb_t[i] == first
    ]
    return min(cands)


_NO_EVIDENCE = _RegionEvidence(*(np.zeros(0) for _ in range(7)))


def _region_rows(
    region: Mapping[str, Any],
    ev: _RegionEvidence,
    fits: _Fits,
    s: ProjectionSettings,
    n_missing: int,
) -> tuple[list[dict[str, Any]], str | None]:
    code = region["region_code"]
    n = len(ev.t)
    model = _select_model(ev.t, fits, code, s) if n else None
    fit = fits.get(model, code) if model else None
    base = {
        "region_code": code,
        "region_name": region["region_name"],
        "region_level": region["region_level"],
        "province_code": region["province_code"],
        "n_obs": n,
        "first_year": ev.t.min() if n else math.nan,
        "last_year": ev.t.max() if n else math.nan,
        "latest_coverage_pct": ev.pct[-1] if n else math.nan,
    }
    if fit is not None:
        span = f"{base['first_year']:.1f}"
        if base["last_year"] > base["first_year"]:
            span += f"-{base['last_year']:.1f}"
        n_cens = getattr(fit, "n_censored", 0)
        extra = f"; {n_cens} censored bound(s) used in the fit" if n_cens else ""
        fit_txt = f"{model} on {n} obs ({span}); {fit.note}{extra}"
    rows = []
    for threshold in s.thresholds:
        row = dict.fromkeys(schemas.PROJECTIONS, math.nan) | base | {"threshold": float(threshold)}
        hit = _reached(ev, threshold)
        if hit is not None:
            t_hit, period, kind, evidence = hit
            row.update(
                status="reached",
                model=kind,
                first_period_reached=period,
                year_reached=t_hit,
            )
            reason = f"{evidence} in {period}"
            if n and ev.pct[-1] < threshold and t_hit < base["last_year"]:
                reason += f"; latest observation {base['latest_coverage_pct']:.2f}% is below"
            if not n:
                reason += "; no point observation, so years_to_uhc is unknown"
            elif t_hit > base["first_year"]:
                row["years_to_uhc"] = t_hit - base["first_year"]
            else:
                reason += "; already at/above by the first observation (years_to_uhc left-censored)"
            row["reason"] = reason
        elif fit is None:
            why = (
                f"no {s.measure}/{s.basis} coverage observations"
                if not n
                else f"no model could be fitted (pooled estimator: {fits.mixed_estimator})"
            )
            if n_missing:
                why += f"; {n_missing} panel row(s) lack coverage_pct"
            if len(ev.lb_t):
                why += f"; only censored evidence (>= {ev.lb_pct.max():g}%)"
            row.update(status="insufficient_data", model="none", reason=why)
        else:
            proj = _project_threshold(fit, threshold, base["last_year"], s)
            proj["reason"] = f"{proj['reason']}; {fit_txt}"
            row.update(proj, model=model)
        rows.append(row)
    return rows, model


def _paths_for(
    region: str, model: str | None, t: np.ndarray, fits: _Fits, s: ProjectionSettings
) -> list[dict[str, np.ndarray]]:
    out: list[dict[str, np.ndarray]] = []
    if model is None:
        return out
    first, last = t.min(), t.max()
    plans = [(model, math.floor(first))]
    if s.paths_baselines:
        plans += [(b, math.floor(last) + 1) for b in ("cagr", "last_value") if b != model]
    for name, start in plans:
        fit = fits.get(name, region)
        if fit is None or start > s.horizon:
            continue
        years = np.arange(start, s.horizon + 1)
        band = fit.band(years.astype(float), s)
        out.append(
            band
            | {
                "region_code": np.full(len(years), region, dtype=object),
                "model": np.full(len(years), name, dtype=object),
                "year": years,
            }
        )
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
        :func:`uhc_analysis.ingest.regions.load_regions`.

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
    evidence = _region_evidence(obs, cens)
    rows, paths = [], []
    for region in regs.to_dict("records"):
        code = region["region_code"]
        ev = evidence.get(code, _NO_EVIDENCE)
        r_rows, model = _region_rows(
            region, ev, fits, settings, obs.attrs["n_missing"].get(code, 0)
        )
        rows += r_rows
        paths += _paths_for(code, model, ev.t, fits, settings)
    proj = pd.DataFrame(rows, columns=list(schemas.PROJECTIONS))
    proj = _tidy_projections(proj)
    path_df = (
        pd.DataFrame({c: np.concatenate([p[c] for p in paths]) for c in paths[0]})
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
    train_t = train_points["decimal_year"].to_numpy()
    train_rows = dict(_split_by_region(train_points["region_code"].to_numpy()))
    no_train = pd.Series(dtype=float)
    no_pred = dict.fromkeys(["coverage_pct", "lo80", "hi80", "lo95", "hi95"], math.nan)
    rows = []
    for model in models:
        for r in held.itertuples():
            fit = fits.get(model, r.region_code)
            rr = train_rows.get(r.region_code)
            tp = pd.Series(train_t[rr]) if rr is not None else no_train
            pred = (
                {k: v[0] for k, v in fit.band(np.array([r.decimal_year]), settings).items()}
                if fit is not None
                else no_pred
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
