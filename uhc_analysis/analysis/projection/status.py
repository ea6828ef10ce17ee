"""Status rules: per region x threshold, ``reached``, ``on_track``, ``not_on_current_trend``
or ``insufficient_data``, with the years and the ``reason``.

The rules, first match wins (the package docstring has the full wording):

1. ``reached`` (:func:`reached_evidence`): an observation, lower bound or
   award at/above the threshold.
2. ``insufficient_data``: no model could be selected (:func:`select_model`).
3. ``not_on_current_trend`` / ``on_track`` (:func:`project_threshold`): the
   slope interval and the projected crossing of the selected model.

:func:`region_rows` applies them to one region; everything a rule needs
comes in through :class:`RegionEvidence` and the fitted models
(:class:`~.models.Fits`), so a new rule is a new function here.

Examples
--------
>>> import numpy as np
>>> ev = RegionEvidence(np.array([2020.0, 2021.0]), np.array([90.0, 96.0]),
...                     np.array(["2020", "2021"]), *(np.zeros(0) for _ in range(4)))
>>> reached_evidence(ev, 95.0)
(2021.0, '2021', 'observed', 'observed 96.00%')
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from uhc_analysis import config, schemas
from uhc_analysis.analysis.projection.inputs import split_by_region
from uhc_analysis.analysis.projection.lines import Line
from uhc_analysis.analysis.projection.models import Fits
from uhc_analysis.analysis.projection.models_baselines import Baseline
from uhc_analysis.analysis.projection.settings import ProjectionSettings, logit
from uhc_analysis.ingest.parsing import decimal_years

#: The statuses of ``projections.csv``, in rule order.
STATUSES: tuple[str, ...] = ("reached", "on_track", "not_on_current_trend", "insufficient_data")


@dataclass(frozen=True)
class RegionEvidence:
    """One region's point observations and censored evidence, as arrays in table order."""

    t: np.ndarray  # decimal years of the point observations
    pct: np.ndarray
    period: np.ndarray
    lb_t: np.ndarray  # censored evidence (lower bounds and awards)
    lb_pct: np.ndarray
    lb_period: np.ndarray
    lb_source: np.ndarray


NO_EVIDENCE = RegionEvidence(*(np.zeros(0) for _ in range(7)))


def region_evidence(obs: pd.DataFrame, cens: pd.DataFrame) -> dict[str, RegionEvidence]:
    """:class:`RegionEvidence` of every region with a point observation or censored evidence.

    One grouping pass instead of filtering the tables region by region.
    """
    points = obs.loc[~obs["lower_bound"]]
    p_rows = dict(split_by_region(points["region_code"].to_numpy()))
    c_rows = dict(split_by_region(cens["region_code"].to_numpy()))
    p_cols = [points[c].to_numpy() for c in ("decimal_year", "coverage_pct", "period")]
    c_cols = [cens[c].to_numpy() for c in ("decimal_year", "bound_pct", "period", "source")]
    none = np.zeros(0, dtype=int)
    return {
        code: RegionEvidence(
            *(col[p_rows.get(code, none)] for col in p_cols),
            *(col[c_rows.get(code, none)] for col in c_cols),
        )
        for code in sorted(set(p_rows) | set(c_rows))
    }


def select_model(t: np.ndarray, fits: Fits, region: str, s: ProjectionSettings) -> str | None:
    """The model of a region with point observations at decimal years ``t`` (None: none fits).

    ``logit_wls`` with at least ``min_obs_wls`` distinct dates spanning
    ``min_span_wls`` years, else ``mixed``; another ``settings.model`` is used
    wherever it has a fit.
    """
    if s.model != "logit_wls":
        return s.model if fits.get(s.model, region) is not None else None
    if len(np.unique(t)) >= s.min_obs_wls and t.max() - t.min() >= s.min_span_wls:
        return "logit_wls"
    return "mixed" if fits.get("mixed", region) is not None else None


def _first_crossing(grid: np.ndarray, values: np.ndarray, threshold: float) -> float:
    hit = np.flatnonzero(values >= threshold)
    return float(grid[hit[0]]) if len(hit) else math.nan


def _decimal_today(today: str | None) -> float:
    """``config.TODAY`` as a decimal year (NaN when unset)."""
    return math.nan if today is None else float(decimal_years([today])[0])


def project_threshold(
    fit: Line | Baseline, threshold: float, t_last: float, s: ProjectionSettings
) -> dict[str, Any]:
    """``status``, ``reason`` and the ``year_reached*`` columns of a projected row.

    ``not_on_current_trend`` when the slope interval (lines) or the growth
    rate (baselines) allows no increase, or the crossing is after the
    horizon; ``on_track`` otherwise.
    """
    end = s.horizon + 1.0
    grid = np.arange(t_last, end + 1e-9, s.grid_step)
    band = fit.band(grid, s)
    row: dict[str, Any] = {
        f"year_reached_{k}": _first_crossing(grid, band[c], threshold)
        for k, c in (("lo80", "hi80"), ("hi80", "lo80"), ("lo95", "hi95"), ("hi95", "lo95"))
    }
    if isinstance(fit, Line):
        b, b_lo, b_hi = fit.slope_interval(s.trend_alpha)
        target = float(logit(threshold, s))
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


def _fmt_period(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def reached_evidence(ev: RegionEvidence, threshold: float) -> tuple[float, str, str, str] | None:
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


def region_rows(
    region: Mapping[str, Any],
    ev: RegionEvidence,
    fits: Fits,
    s: ProjectionSettings,
    n_missing: int,
) -> tuple[list[dict[str, Any]], str | None]:
    """The ``schemas.PROJECTIONS`` rows of one gazetteer region, and its selected model."""
    code = region["region_code"]
    n = len(ev.t)
    model = select_model(ev.t, fits, code, s) if n else None
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
        hit = reached_evidence(ev, threshold)
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
            proj = project_threshold(fit, threshold, base["last_year"], s)
            proj["reason"] = f"{proj['reason']}; {fit_txt}"
            row.update(proj, model=model)
        rows.append(row)
    return rows, model
