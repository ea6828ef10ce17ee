"""Trend model: registered coverage and activity as two linked statsmodels fits.

*Registered coverage* (current model, chosen on the backtest's tuning set):
a random walk with drift on the logit scale, anchored at the region's latest
figure: ``forecast(t) = y_last + b_r * (t - t_last) + W(t - t_last)``. The drift
is fitted on consecutive increments ``dy = (b + u_r) * dt + e`` (``sm.MixedLM``,
one pooled drift ``b`` and a random region drift ``u_r``; ``province_drift``
gives one per province) of increments *starting below* ``drift_below_pct``
(growth, not the noise of figures at the top). The squared residuals of the
increments are split (:func:`_innovation`) into observation noise (also the
anchor's variance) and the random walk's innovation variance ``q`` per year,
so intervals widen with the horizon. A future drift is never below
``min_drift`` (0: a fall such as Lebong's 80.6 -> 54 % in 2020 is a level
shift, not a trend to extrapolate). A predicted *figure* also carries the
plateau's spread in points (:func:`plateau_noise`): near the ceiling the
logit scale would squeeze every band to nothing, yet figures at the top move
by points between reports as denominators change. A lower bound or award
after the latest figure that the anchored line is below moves the anchor to
the bound. Regions without a figure get the mean of their province's latest
figures. Evaluated on the tuning set and not used: one drift per province,
noise only from the growth increments, a slower drift above
``drift_below_pct`` (worse: regions just below 95 % often jump well past it),
the plateau median as the cap.
(The paragraphs below on MixedLM lines and one-step imputation describe the
earlier level model; activity still works that way.)

*Earlier level model*: logit-linear in time with a ceiling ``K``:
``logit(value / K) = a_r + b_r * (t - t0) + e``. Region intercepts and slopes
are partially pooled to their province: a ``statsmodels`` :class:`MixedLM`
with province fixed intercepts and slopes and a random intercept and slope
per region (REML). A region's line has mean ``fixed + BLUP`` and covariance
``cov(fixed) + conditional cov(BLUP)`` (``MixedLMResults.random_effects_cov``;
their cross-covariance is ignored). A region without figures gets its
province's fixed line with covariance ``cov(fixed) + cov_re`` (the spread of
regions around their province). When a province has no region with two
figures the model falls back to one slope for all provinces, and when MixedLM
cannot be fitted to a pooled :class:`WLS` with region intercepts and one
slope (``method`` says which).

*The ceiling* ``K`` is the highest used point figure of the fitted data plus
``ceiling_margin_pp``: the smallest ceiling under which every published
figure is a finite logit (registered coverage with published denominators
exceeds 100 %: 108 % in Paser 2024). It is fixed by this rule, not tuned.

*The cap* (what the published data support): no simulated level, hence no
median path, exceeds the highest figure published in the fitted data
(``cap_at_highest``; with it off, ``max(the region's own highest figure, the
plateau)``, the plateau being the median of the used figures at or above
``plateau_from_pct``). Published-basis figures above 100 % are common (the
denominators lag the registry), so paths of regions at the top drift above
100 % towards that cap: read them as "at the top", not as a forecast of a
particular figure above 100 %.

*Activity* is linked to registered coverage: ``logit(active / K) =
line_r(t) + d_r + e``, the offset ``d_r`` a random intercept per region
around a pooled mean (MixedLM; pooled WLS of a constant when fewer than three
regions have activity figures). Activity then follows the region's
registered trend at its own distance below it.

Censored evidence (lower bounds, awards by their year's criteria) enters by
one-step imputation: where the fitted mean line is below a bound at its date
a pseudo-observation at the bound is added and the model refitted once. A
simple stand-in for a censored likelihood, which statsmodels does not offer
for mixed models.

Examples
--------
>>> rows = [("1701", 2019.0 + i, 80.0 + 4 * i) for i in range(4)]
>>> rows += [("1702", 2019.5 + i, 70.0 + 5 * i) for i in range(3)]
>>> obs = pd.DataFrame(rows, columns=["region_code", "decimal_year", "value_pct"])
>>> obs = obs.assign(province_code="17", measure="registered", kind="observed", used=True)
>>> fit = fit_registered(obs, pd.DataFrame(columns=["region_code", "measure",
...     "decimal_year", "bound_pct"]), ["1701", "1702", "1703"],
...     dict.fromkeys(["1701", "1702", "1703"], "17"), ForecastSettings())
>>> fit.method, sorted(fit.lines)
('wls_drift', ['1701', '1702', '1703'])
>>> bool(fit.lines["1701"].mean[1] > 0), fit.lines["1703"].n_own
(True, 0)
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy.special import expit, logit

from uhc_analysis import config


@dataclass(frozen=True)
class ForecastSettings:
    """Settings of the forecast (fixed before the backtest; see :mod:`..backtest`).

    Examples
    --------
    >>> ForecastSettings().provinces
    ('16', '17', '64')
    >>> import dataclasses
    >>> dataclasses.replace(ForecastSettings(), n_draws=500).n_draws
    500
    """

    provinces: tuple[str, ...] = config.FOCUS_PROVINCES
    basis: str = "published"
    #: Centre of the time axis (decimal year).
    t0: float = 2023.0
    #: Ceiling K = highest used figure + this margin (pp).
    ceiling_margin_pp: float = 1.0
    #: Drifts are fitted on increments starting below this figure (growth, not noise at the top).
    drift_below_pct: float = 95.0
    #: One drift per province (True) or one for all (False), region drifts partially pooled.
    province_drift: bool = False
    #: Observation noise from all increments (True) or only those the drift uses.
    noise_from_all: bool = True
    #: The future drift's variance is at least the spread of drifts between regions.
    drift_renews: bool = True
    #: Add the random-walk innovation after the anchor (intervals widen with the horizon).
    random_walk: bool = True
    #: Add the plateau's spread (pp) to a predicted figure (see :func:`plateau_noise`).
    top_noise: bool = True
    #: Lowest future drift (logit per year); a drop is a level shift, not a trend.
    min_drift: float = 0.0
    #: Multiplier of the fitted drift (1: undamped).
    drift_shrink: float = 1.0
    #: The cap is the highest used figure (True) or the plateau's median (False).
    cap_at_highest: bool = True
    #: Figures at or above this form the plateau of the cap rule.
    plateau_from_pct: float = 95.0
    #: Regions with fewer own figures get the province trend (``borrowed_trend``).
    min_own_obs: int = 2
    n_draws: int = 1000
    seed: int = 20261202
    #: Paths run from the first figure to ``as_of + horizon_years``.
    horizon_years: float = 15.0
    path_step: float = 0.25
    repeat_months: float = 24.0
    conflict_days: float = 31.0
    pct_tolerance_pp: float = 0.5
    thresholds: tuple[float, ...] = config.THRESHOLDS
    #: Activity thresholds (the pipeline takes the criteria's ``min_active_pct`` values).
    activity_thresholds: tuple[float, ...] = (75.0, 80.0, 85.0, 95.0)
    #: Joint criteria (registered >=, active >=), reported as measure ``joint``; the
    #: pipeline takes them from the criteria table (:func:`joint_thresholds`).
    joint: tuple[tuple[float, float], ...] = ((98.0, 80.0),)


@dataclass
class Line:
    """A region's line on the logit scale: mean (a, b) and covariance."""

    mean: np.ndarray
    cov: np.ndarray
    n_own: int
    province_code: str
    cap: float
    #: Random-walk innovation variance per year (logit scale) after ``t_anchor``.
    rw_var: float = 0.0
    #: Decimal year from which the random walk runs (the anchor's date); NaN: none.
    t_anchor: float = math.nan


@dataclass
class MeasureFit:
    """A fitted measure: ceiling, per-region lines, residual variance, method."""

    measure: str
    ceiling: float
    scale: float
    method: str
    lines: dict[str, Line] = field(default_factory=dict)
    #: Activity only: per-region offset mean and variance.
    offsets: dict[str, tuple[float, float]] = field(default_factory=dict)
    n_imputed: int = 0
    #: Variance (pp^2) of a new figure around the latest one at the plateau: ``c0 + c1 * years``.
    top_noise: tuple[float, float] = (0.0, 0.0)


def to_logit(value: np.ndarray | float, ceiling: float) -> np.ndarray:
    """``logit(value / ceiling)``, values clipped into (0.1, ceiling - 0.01)."""
    v = np.clip(np.asarray(value, dtype=float), 0.1, ceiling - 0.01)
    return np.asarray(logit(v / ceiling))


def from_logit(y: np.ndarray | float, ceiling: float) -> np.ndarray:
    """Inverse of :func:`to_logit`."""
    return np.asarray(ceiling * expit(np.asarray(y, dtype=float)))


def plateau_level(points: pd.DataFrame, from_pct: float) -> float:
    """The median of the used figures at or above ``from_pct``: where regions that reached UHC sit.

    Examples
    --------
    >>> plateau_level(pd.DataFrame({"value_pct": [80.0, 99.0, 100.0, 104.0]}), 95.0)
    100.0
    """
    v = points["value_pct"].astype(float)
    high = v.loc[v.ge(from_pct)]
    return float(high.median()) if len(high) else float(v.max()) if len(v) else 100.0


def caps(points: pd.DataFrame, regions: list[str], settings: ForecastSettings) -> dict[str, float]:
    """The cap rule of the module docstring, per region."""
    v = points["value_pct"].astype(float)
    plateau = plateau_level(points, settings.plateau_from_pct)
    if settings.cap_at_highest and len(v):
        plateau = float(v.max())
    own = points.groupby("region_code")["value_pct"].max().to_dict()
    return {r: max(plateau, float(own.get(r, -math.inf))) for r in regions}


def _frame(points: pd.DataFrame, ceiling: float, settings: ForecastSettings) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "region_code": points["region_code"].astype(str).to_numpy(),
            "province_code": points["province_code"].astype(str).to_numpy(),
            "t": points["decimal_year"].astype(float).to_numpy() - settings.t0,
            "y": to_logit(points["value_pct"].to_numpy(dtype=float), ceiling),
        }
    ).sort_values(["region_code", "t"], kind="mergesort", ignore_index=True)


def increments(frame: pd.DataFrame) -> pd.DataFrame:
    """Consecutive differences ``dy`` over ``dt`` (years) of each region's used figures.

    Examples
    --------
    >>> f = pd.DataFrame({"region_code": ["a", "a", "a", "b"], "province_code": "17",
    ...     "t": [0.0, 1.0, 3.0, 0.0], "y": [0.0, 0.5, 1.5, 2.0]})
    >>> increments(f)[["region_code", "dt", "dy"]].values.tolist()
    [['a', 1.0, 0.5], ['a', 2.0, 1.0]]
    """
    f = frame.sort_values(["region_code", "t"], kind="mergesort")
    g = f.groupby("region_code", sort=False)
    out = f.assign(dt=g["t"].diff(), dy=g["y"].diff(), y_start=g["y"].shift())
    return out.loc[out["dt"].gt(0)].reset_index(drop=True)


@dataclass
class _Drift:
    """Fitted drifts: province means and variances, region posteriors, spread, noise."""

    method: str
    province: dict[str, tuple[float, float]]
    region: dict[str, tuple[float, float]]
    tau2: float
    scale: float
    #: Random-walk innovation variance per year (see :func:`_innovation`).
    rw_var: float = 0.0


def _drift_mixedlm(inc: pd.DataFrame, provinces: list[str], by_province: bool) -> _Drift:
    """``dy = (b_province + u_region) * dt + e`` by :class:`sm.MixedLM` (REML)."""
    dt = inc["dt"].to_numpy(dtype=float)
    cols = (
        {f"b_{p}": inc["province_code"].eq(p).to_numpy(dtype=float) * dt for p in provinces}
        if by_province
        else {"b": dt}
    )
    model = sm.MixedLM(
        inc["dy"].to_numpy(dtype=float),
        pd.DataFrame(cols, index=inc.index),
        groups=inc["region_code"],
        exog_re=dt[:, None],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = model.fit(reml=True, method=["lbfgs", "powell"])
    fe = res.fe_params
    cov = res.cov_params().loc[fe.index, fe.index].to_numpy()
    tau2 = float(np.asarray(res.cov_re)[0, 0])
    if not np.all(np.isfinite(cov)) or not np.isfinite(tau2) or not np.isfinite(res.scale):
        raise np.linalg.LinAlgError("MixedLM gave a non-finite covariance")
    names = list(fe.index)
    prov = {}
    for p in provinces:
        i = names.index(f"b_{p}" if by_province else "b")
        prov[p] = (float(fe.iloc[i]), float(cov[i, i]))
    region = {}
    re, re_cov = res.random_effects, res.random_effects_cov
    first_province = inc.groupby("region_code", sort=True)["province_code"].first()
    for code, p in first_province.items():
        b, v = prov[str(p)]
        blup = float(np.asarray(re[code])[0])
        bvar = float(np.asarray(re_cov[code])[0, 0])
        region[str(code)] = (b + blup, v + bvar)
    method = "mixedlm_drift" if by_province else "mixedlm_drift_common"
    means = {code: bv[0] for code, bv in region.items()}
    fitted = inc["region_code"].astype(str).map(means).to_numpy(dtype=float) * dt
    scale, rw = _innovation(inc["dy"].to_numpy(dtype=float) - fitted, dt, float(res.scale))
    return _Drift(method, prov, region, tau2, scale, rw)


def _innovation(resid: np.ndarray, dt: np.ndarray, total: float) -> tuple[float, float]:
    """Split the increments' residual variance into observation noise and random-walk innovation.

    Under a local level with drift, an increment over ``dt`` years has variance
    ``2 * sigma2 + q * dt`` (two observation errors and the innovations in
    between). ``sm.OLS`` of the squared residuals on ``[1, dt]`` (a method of
    moments, which statsmodels has no ready-made estimator for in a mixed
    model) gives both; a negative part is set to zero and the other refitted
    alone. Returns ``(sigma2, q)``; with fewer than four increments
    ``(total / 2, 0)``, with one gap length ``(mean(resid^2) / 2, 0)``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> dt = rng.uniform(0.5, 3.0, 4000)
    >>> r = rng.normal(0, np.sqrt(2 * 0.01 + 0.04 * dt))
    >>> s2, q = _innovation(r, dt, 0.1)
    >>> round(s2, 2), round(q, 2)
    (0.01, 0.04)
    """
    r2 = np.asarray(resid, dtype=float) ** 2
    dt = np.asarray(dt, dtype=float)
    if len(r2) < 4:
        return total / 2.0, 0.0
    if np.ptp(dt) <= 0:  # one gap length: the two parts cannot be told apart
        return float(r2.mean()) / 2.0, 0.0
    c0, c1 = sm.OLS(r2, np.column_stack([np.ones_like(dt), dt])).fit().params
    if c1 < 0:
        return float(r2.mean()) / 2.0, 0.0
    if c0 < 0:
        return 0.0, float(sm.OLS(r2, dt[:, None]).fit().params[0])
    return float(c0) / 2.0, float(c1)


def _drift_wls(inc: pd.DataFrame, provinces: list[str]) -> _Drift:
    """Fallback: one drift for all regions by :class:`sm.WLS` (no partial pooling)."""
    if len(inc) < 2:
        return _Drift("none", dict.fromkeys(provinces, (0.0, 0.25)), {}, 0.25, 0.05)
    dt = inc["dt"].to_numpy(dtype=float)
    res = sm.WLS(inc["dy"].to_numpy(dtype=float), dt[:, None], weights=np.ones(len(dt))).fit()
    b, v = float(res.params[0]), float(np.asarray(res.cov_params())[0, 0])
    scale = float(res.scale) / 2.0 if np.isfinite(res.scale) and res.df_resid > 0 else 0.05
    tau2 = v * len(dt)  # the spread of one region's drift around the pooled one
    if np.isfinite(res.scale) and res.df_resid > 0:
        scale, rw = _innovation(np.asarray(res.resid), dt, 2.0 * scale)
    else:
        rw = 0.0
    return _Drift("wls_drift", dict.fromkeys(provinces, (b, v)), {}, tau2, scale, rw)


def _fit_drift(
    frame: pd.DataFrame, provinces: list[str], below: float, by_province: bool
) -> _Drift:
    inc = increments(frame)
    inc = inc.loc[inc["y_start"].lt(below)]
    with_inc = set(inc["province_code"].astype(str))
    attempts = [True] if with_inc >= set(provinces) and by_province else []
    attempts.append(False)
    if inc["region_code"].nunique() >= 3 and len(inc) >= 4:
        for by_province in attempts:
            try:
                return _drift_mixedlm(inc, provinces, by_province)
            except (np.linalg.LinAlgError, ValueError):
                continue
    return _drift_wls(inc, provinces)


def plateau_noise(points: pd.DataFrame, from_pct: float) -> tuple[float, float]:
    """How far a figure at the plateau moves from the previous one: ``(c0, c1)`` in pp^2.

    Near the ceiling the logit scale squeezes every band to a few hundredths
    of a point, yet published figures at 98-108 % move by points between
    reports (new population denominators, data cleansing). The squared
    changes (pp) between consecutive figures that start at or above
    ``from_pct`` are regressed on ``[1, dt]`` (:func:`_innovation`, which
    reports half the constant): ``c0 + c1 * dt`` is the variance of a new
    figure's change over ``dt`` years. ``(0, 0)`` with fewer than four changes.
    A denominator error is relative, so a predicted figure gets this spread
    scaled by its level / 100 (:meth:`..projecting.Forecast.draws`).

    Examples
    --------
    >>> pts = pd.DataFrame({"region_code": list("aaaabbbb"),
    ...     "decimal_year": [2020, 2021, 2022, 2023] * 2,
    ...     "value_pct": [99, 101, 98, 100, 100, 97, 100, 99.0]})
    >>> c0, c1 = plateau_noise(pts, 95.0)
    >>> round(c0 + c1, 1)
    6.0
    """
    f = pd.DataFrame(
        {
            "region_code": points["region_code"].astype(str).to_numpy(),
            "t": points["decimal_year"].astype(float).to_numpy(),
            "y": points["value_pct"].astype(float).to_numpy(),
        }
    )
    inc = increments(f)
    inc = inc.loc[inc["y_start"].ge(from_pct)]
    if len(inc) < 4:
        return 0.0, 0.0
    half, q = _innovation(inc["dy"].to_numpy(dtype=float), inc["dt"].to_numpy(dtype=float), 0.0)
    return 2.0 * half, q


def _anchor_cov(t: float, var_y: float, var_b: float) -> np.ndarray:
    """Covariance of (intercept at 0, slope) of a line through an anchor at centred time ``t``."""
    jac = np.array([[1.0, -t], [0.0, 1.0]])
    return jac @ np.diag([var_y, var_b]) @ jac.T


def _bumped(
    y: float, t: float, b: float, bounds: pd.DataFrame, ceiling: float, t0: float
) -> tuple[float, float, bool]:
    """Move the anchor to the latest lower bound after ``t`` that the anchored line is below."""
    moved = False
    for rec in bounds.sort_values("decimal_year").to_dict("records"):
        tb = float(rec["decimal_year"]) - t0
        target = float(to_logit(float(rec["bound_pct"]), ceiling))
        if tb > t and y + b * (tb - t) < target:
            y, t, moved = target, tb, True
    return y, t, moved


def fit_registered(
    points: pd.DataFrame,
    bounds: pd.DataFrame,
    regions: list[str],
    province_of: dict[str, str],
    settings: ForecastSettings,
) -> MeasureFit:
    """Fit registered coverage (see the module docstring).

    ``points``: used point figures (columns ``region_code, province_code,
    decimal_year, value_pct``); ``bounds``: lower bounds of the measure
    (``region_code, decimal_year, bound_pct``); ``regions``: every region to
    give a line (those without figures get the province's level and drift);
    ``province_of``: their provinces.
    """
    pts = points.loc[points["measure"].eq("registered")]
    top = float(pts["value_pct"].max()) if len(pts) else 100.0
    ceiling = top + settings.ceiling_margin_pp
    frame = _frame(pts, ceiling, settings)
    provinces = sorted({*frame["province_code"], *(province_of[r] for r in regions)})
    below = float(to_logit(settings.drift_below_pct, ceiling))
    drift = _fit_drift(frame, provinces, below, settings.province_drift)
    if settings.noise_from_all:  # observation noise from every increment, the top included
        drift.scale = _fit_drift(frame, provinces, math.inf, settings.province_drift).scale
    rw_var = drift.rw_var if settings.random_walk else 0.0
    damp = settings.drift_shrink
    b_bounds = bounds.loc[bounds["measure"].eq("registered")] if "measure" in bounds else bounds
    latest = frame.groupby("region_code", sort=True).tail(1).set_index("region_code")
    counts = frame.groupby("region_code").size()
    cap = caps(pts, regions, settings)
    out = MeasureFit("registered", ceiling, drift.scale, drift.method)
    if settings.top_noise:
        out.top_noise = plateau_noise(pts, settings.plateau_from_pct)
    n_bumped = 0
    by_region = {str(code): g for code, g in b_bounds.groupby(b_bounds["region_code"].astype(str))}
    for r in regions:
        p = province_of[r]
        b_p, v_p = drift.province[p]
        b, v = drift.region.get(r, (b_p, v_p + drift.tau2))
        if settings.drift_renews:  # a region's future drift varies as much as regions do
            v = max(v, v_p + drift.tau2)
        b, v = damp * b, damp**2 * v
        if r in latest.index:
            y, t, var_y = float(latest.at[r, "y"]), float(latest.at[r, "t"]), drift.scale
        else:
            same = latest.loc[latest["province_code"].eq(p)]
            same = same if len(same) else latest
            y = float(same["y"].mean()) if len(same) else 0.0
            t = float(same["t"].mean()) if len(same) else 0.0
            var_y = (float(same["y"].var()) if len(same) > 1 else 1.0) + drift.scale
        y, t, moved = _bumped(y, t, b, by_region.get(r, b_bounds.iloc[0:0]), ceiling, settings.t0)
        n_bumped += moved
        mean = np.array([y - b * t, b])  # t is centred at t0 already
        line = Line(
            mean,
            _anchor_cov(t, var_y, v),
            int(counts.get(r, 0)),
            p,
            min(cap[r], ceiling),
            rw_var,
            t + settings.t0,
        )
        out.lines[r] = line
    out.n_imputed = n_bumped
    return out


def _violations(
    lines: dict[str, Line],
    bounds: pd.DataFrame,
    ceiling: float,
    settings: ForecastSettings,
    offsets: dict[str, tuple[float, float]] | None = None,
) -> pd.DataFrame:
    """Bounds the mean line (plus offset for activity) falls below, as pseudo-rows at the bound."""
    rows = []
    for b in bounds.to_dict("records"):
        line = lines.get(str(b["region_code"]))
        if line is None:
            continue
        t = float(b["decimal_year"]) - settings.t0
        y = float(line.mean[0] + line.mean[1] * t)
        if offsets is not None:
            y += offsets.get(str(b["region_code"]), (0.0, 0.0))[0]
        target = float(to_logit(float(b["bound_pct"]), ceiling))
        if y < target:
            rows.append(
                {
                    "region_code": str(b["region_code"]),
                    "province_code": line.province_code,
                    "t": t,
                    "y": target,
                    "line_y": y,
                    "imputed": True,
                }
            )
    return pd.DataFrame(
        rows, columns=["region_code", "province_code", "t", "y", "line_y", "imputed"]
    )


def fit_active(
    points: pd.DataFrame,
    bounds: pd.DataFrame,
    registered: MeasureFit,
    settings: ForecastSettings,
) -> MeasureFit:
    """Fit activity as an offset from the registered line (see the module docstring)."""
    pts = points.loc[points["measure"].eq("active")]
    ceiling = registered.ceiling
    regions = sorted(registered.lines)
    t = pts["decimal_year"].to_numpy(dtype=float) - settings.t0
    codes = pts["region_code"].astype(str).to_numpy()
    intercept = {c: line.mean[0] for c, line in registered.lines.items()}
    slope = {c: line.mean[1] for c, line in registered.lines.items()}
    a = pd.Series(codes, dtype=object).map(intercept).to_numpy(dtype=float)
    line_y = a + pd.Series(codes, dtype=object).map(slope).to_numpy(dtype=float) * t
    frame = pd.DataFrame(
        {"region_code": codes, "d": to_logit(pts["value_pct"], ceiling) - line_y, "imputed": False}
    ).dropna()
    b = bounds.loc[bounds["measure"].eq("active")] if "measure" in bounds else bounds

    def fit(f: pd.DataFrame) -> tuple[str, dict[str, tuple[float, float]], float, float, float]:
        if f["region_code"].nunique() >= 3 and len(f) >= 4:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    res = sm.MixedLM(
                        f["d"].to_numpy(), np.ones((len(f), 1)), groups=f["region_code"]
                    ).fit(reml=True, method=["lbfgs"])
                mu = float(np.asarray(res.fe_params)[0])
                var_mu = float(np.asarray(res.cov_params())[0, 0])
                offs = {
                    str(g): (
                        mu + float(np.asarray(res.random_effects[g])[0]),
                        var_mu + float(np.asarray(res.random_effects_cov[g])[0, 0]),
                    )
                    for g in res.random_effects
                }
                tau2 = float(np.asarray(res.cov_re)[0, 0])
                if all(np.isfinite([mu, var_mu, tau2, res.scale])):
                    return "mixedlm_offset", offs, mu, var_mu + tau2, float(res.scale)
            except (np.linalg.LinAlgError, ValueError):
                pass
        if not len(f):
            return "none", {}, -1.0, 4.0, 0.25
        res = sm.WLS(f["d"].to_numpy(), np.ones((len(f), 1)), weights=np.ones(len(f))).fit()
        mu = float(res.params[0])
        resid = float(res.scale) if len(f) > 1 and np.isfinite(res.scale) else 0.25
        var_mu = resid / len(f)
        offs = {str(g): (mu, var_mu + resid) for g in f["region_code"].unique()}
        return "wls_pooled_offset", offs, mu, var_mu + resid, resid

    method, offs, mu, var_new, scale = fit(frame)
    extra = _violations(
        registered.lines, b, ceiling, settings, {r: offs.get(r, (mu, var_new)) for r in regions}
    )
    if len(extra):
        pseudo = pd.DataFrame(
            {
                "region_code": extra["region_code"],
                "d": extra["y"]
                - (extra["line_y"] - [offs.get(r, (mu, 0))[0] for r in extra["region_code"]]),
                "imputed": True,
            }
        )
        method, offs, mu, var_new, scale = fit(pd.concat([frame, pseudo], ignore_index=True))
    own = pts.groupby("region_code").size()
    own_max = pts.groupby("region_code")["value_pct"].max()
    cap_act = float(pts["value_pct"].max()) if len(pts) else math.nan
    out = MeasureFit("active", ceiling, scale, method, n_imputed=len(extra))
    for r in regions:
        reg = registered.lines[r]
        cap = (
            max(cap_act, float(own_max[r]) if r in own.index else -math.inf)
            if math.isfinite(cap_act)
            else reg.cap
        )
        out.lines[r] = Line(
            reg.mean,
            reg.cov,
            int(own.get(r, 0)),
            reg.province_code,
            min(cap, reg.cap),
            reg.rw_var,
            reg.t_anchor,
        )
        out.offsets[r] = offs.get(r, (mu, var_new))
    return out
