"""The production forecast at one as-of date: inputs checked, fits, paths and crossings.

:func:`forecast` refuses any input dated after ``as_of`` (panel rows, awards
by their ceremony or evidence date), runs the observation model, fits both
measures and returns a :class:`Forecast` that draws levels at any dates.
:func:`project` turns it into the two tidy tables; the backtest calls
:func:`forecast` exactly as :func:`project` does.

Examples
--------
>>> panel = synthetic_panel({"1701": [(2019.5, 80.0), (2021.5, 88.0), (2023.5, 93.0)],
...     "1702": [(2020.5, 70.0), (2022.5, 80.0)], "1703": [(2021.5, 90.0)],
...     "1704": [(2021.5, 97.0), (2023.5, 99.5)]})
>>> cross, paths = project(panel, None, as_of="2024-01-01", settings=ForecastSettings(n_draws=200))
>>> r95 = cross.loc[cross.measure.eq("registered") & cross.threshold.eq(95.0)]
>>> r95["status"].tolist(), r95["borrowed_trend"].tolist()
(['on_track', 'on_track', 'on_track', 'reached'], [False, False, True, False])
>>> bool((paths["median"] <= paths["cap"] + 1e-9).all())
True
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from uhc_analysis.analysis.evidence import decimal_year
from uhc_analysis.analysis.forecast.draws import (
    Evidence,
    evidence_arrays,
    first_crossing,
    first_year,
    latest,
    reached_at,
    simulate,
)
from uhc_analysis.analysis.forecast.model import (
    ForecastSettings,
    MeasureFit,
    fit_active,
    fit_registered,
)
from uhc_analysis.analysis.forecast.observations import (
    censored_evidence,
    observations,
)
from uhc_analysis.analysis.forecast.uncertainty import bands, crossing_quantiles

#: Columns of the crossings table.
CROSSINGS: tuple[str, ...] = (
    "region_code",
    "province_code",
    "measure",
    "threshold",
    "threshold_active",
    "model",
    "method",
    "status",
    "year_reached",
    "year_reached_lo80",
    "year_reached_hi80",
    "year_reached_lo95",
    "year_reached_hi95",
    "probability_at_or_above",
    "as_of",
    "n_own_obs",
    "borrowed_trend",
    "first_date",
    "latest_date",
    "latest_pct",
    "not_before",
    "ceiling",
    "cap",
    "reason",
)
#: Columns of the paths table.
PATHS: tuple[str, ...] = (
    "region_code",
    "measure",
    "model",
    "year",
    "median",
    "coverage_pct",
    "lo80",
    "hi80",
    "lo95",
    "hi95",
    "cap",
    "borrowed_trend",
)
#: ``model`` of each measure's rows (and ``rw_drift_joint`` for the joint criteria).
MODEL_NAMES = {"registered": "rw_drift", "active": "rw_drift_linked"}


class FutureInputError(ValueError):
    """An input is dated after the forecast's as-of date."""


def _as_of(as_of: str | dt.date | pd.Timestamp) -> pd.Timestamp:
    return pd.Timestamp(as_of).normalize()


def check_as_of(panel: pd.DataFrame, commitments: pd.DataFrame | None, as_of: pd.Timestamp) -> None:
    """Raise :class:`FutureInputError` if any panel row or award is dated after ``as_of``.

    Examples
    --------
    >>> p = pd.DataFrame({"date": pd.to_datetime(["2024-05-01"]), "observation_id": ["E1"]})
    >>> check_as_of(p, None, pd.Timestamp("2024-01-01"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    uhc_analysis.analysis.forecast.projecting.FutureInputError: 1 panel row(s) dated after ...
    """
    late = panel.loc[pd.to_datetime(panel["date"]) > as_of]
    if len(late):
        first = late.sort_values("date").iloc[0]
        raise FutureInputError(
            f"{len(late)} panel row(s) dated after {as_of.date()} (first: "
            f"{first['observation_id']} on {pd.Timestamp(first['date']).date()}); cut the "
            "inputs at the as-of date"
        )
    if commitments is not None and len(commitments):
        aw = commitments.loc[commitments["kind"].astype(str).eq("award")]
        late_aw = aw.loc[pd.to_datetime(aw["date"].astype(str)) > as_of]
        if len(late_aw):
            raise FutureInputError(
                f"{len(late_aw)} award(s) dated after {as_of.date()} (first: "
                f"{late_aw['observation_id'].iloc[0]}); cut the inputs at the as-of date"
            )


@dataclass
class Forecast:
    """Fitted measures at one as-of date, with the evidence they rest on."""

    as_of: pd.Timestamp
    settings: ForecastSettings
    obs: pd.DataFrame
    censored: pd.DataFrame
    fits: dict[str, MeasureFit]
    _points: dict[tuple[str, str], pd.DataFrame] | None = field(default=None, repr=False)

    @property
    def regions(self) -> list[str]:
        return sorted(self.fits["registered"].lines)

    def draws(self, region: str, measure: str, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(level draws, observation draws) of ``measure`` at decimal ``times`` (``simulate``)."""
        return simulate(self, region, measure, np.asarray(times, float))

    def points(self, region: str, measure: str) -> pd.DataFrame:
        """The used figures of one region and measure (grouped once, then looked up)."""
        if self._points is None:
            o = self.obs.loc[self.obs["used"]]
            self._points = {
                (str(r), str(m)): g for (r, m), g in o.groupby(["region_code", "measure"])
            }
        return self._points.get((region, measure), self.obs.iloc[0:0])


def forecast(
    panel: pd.DataFrame,
    commitments: pd.DataFrame | None,
    *,
    as_of: str | dt.date | pd.Timestamp,
    settings: ForecastSettings | None = None,
    criteria: pd.DataFrame | None = None,
    regions: pd.DataFrame | None = None,
) -> Forecast:
    """Check the inputs against ``as_of``, run the observation model and fit both measures.

    ``regions`` (``region_code``, ``province_code``) lists regions to give a
    path even without figures (the province's); default: those in the panel.
    """
    s = settings or ForecastSettings()
    when = _as_of(as_of)
    check_as_of(panel, commitments, when)
    obs = observations(
        panel,
        basis=s.basis,
        repeat_months=s.repeat_months,
        conflict_days=s.conflict_days,
        pct_tolerance_pp=s.pct_tolerance_pp,
    )
    obs = obs.loc[obs["province_code"].isin(s.provinces)].reset_index(drop=True)
    cens = censored_evidence(obs, commitments, criteria)
    cens = cens.loc[
        cens["region_code"].isin(
            set(obs["region_code"])
            | set(regions["region_code"].astype(str) if regions is not None else [])
        )
    ]
    late = cens.loc[(cens["date"] > when) | (cens["known_date"] > when)]
    if len(late):
        raise FutureInputError(
            f"censored evidence dated after {when.date()}: {late['observation_id'].tolist()}"
        )
    province_of = dict(zip(obs["region_code"], obs["province_code"], strict=False))
    if regions is not None:
        r = regions.loc[regions["province_code"].astype(str).isin(s.provinces)]
        province_of.update(
            zip(r["region_code"].astype(str), r["province_code"].astype(str), strict=True)
        )
    cens = cens.loc[cens["region_code"].isin(province_of)]
    points = obs.loc[obs["used"] & obs["kind"].eq("observed")]
    reg = fit_registered(points, cens, sorted(province_of), province_of, s)
    act = fit_active(points, cens, reg, s)
    return Forecast(when, s, obs, cens, {"registered": reg, "active": act})


def _crossing_row(
    f: Forecast,
    region: str,
    measure: str,
    threshold: float,
    threshold_active: float,
    grid: np.ndarray,
    now: float,
    lev: dict[str, np.ndarray],
    obs_now: dict[str, np.ndarray],
    ev: Mapping[tuple[str, str], Evidence],
) -> dict[str, object]:
    """One row of :data:`CROSSINGS`; ``obs_now``: the observation draws at ``now``."""
    s = f.settings
    base = "registered" if measure not in ("registered", "active") else measure
    parts = (
        [("registered", threshold), ("active", threshold_active)]
        if base != measure
        else [(measure, threshold)]
    )
    line = f.fits[base].lines[region]
    last = {m: latest(ev.get((region, m))) for m, _ in parts}
    n_own = min(last[m][2] for m, _ in parts)
    borrowed = n_own < s.min_own_obs
    reached = [reached_at(ev.get((region, m)), thr) for m, thr in parts]
    not_before = -math.inf
    latest_date, latest_pct = last[parts[0][0]][:2]
    first = first_year(ev.get((region, parts[0][0])))
    for m, thr in parts:
        d, v, _ = last[m]
        if math.isfinite(d) and v < thr:
            not_before = max(not_before, d)
    hit_obs = np.ones(s.n_draws, dtype=bool)
    i0 = int(np.searchsorted(grid, not_before, side="left"))  # grid is sorted
    hit_lev = np.ones((s.n_draws, len(grid) - i0), dtype=bool)
    for m, thr in parts:
        hit_obs &= obs_now[m] >= thr
        hit_lev &= lev[m][:, i0:] >= thr
    prob = float(hit_obs.mean())
    q = crossing_quantiles(first_crossing(hit_lev, grid[i0:]))
    fit = f.fits[base]
    if all(math.isfinite(r) for r in reached):
        status, year = "reached", max(reached)
        q = [year] * 5
        reason = f"evidence at or above since {year:.2f}"
    elif not math.isfinite(q[2]):
        status, year = "not_on_current_trend", math.nan
        reason = f"the median path does not reach it by {grid[-1]:.0f}"
    else:
        year = q[2]
        status = "overdue" if year < now else "on_track"
        reason = f"projected median crossing {year:.2f} (80 %: {q[1]:.2f}-{q[3]:.2f})"
    if borrowed and status != "reached":
        reason += (
            "; fewer than two own figures: the province's trend through the region's own level"
            if n_own
            else "; no own figure: the province's path"
        )
    if math.isfinite(not_before) and status != "reached":
        reason += f"; not before the latest figure below ({not_before:.2f})"
    return {
        "region_code": region,
        "province_code": line.province_code,
        "measure": measure,
        "threshold": float(threshold),
        "threshold_active": float(threshold_active) if base != measure else math.nan,
        "model": MODEL_NAMES.get(base, "rw_drift_joint"),
        "method": fit.method,
        "status": status,
        "year_reached": year,
        "year_reached_lo80": q[1],
        "year_reached_hi80": q[3],
        "year_reached_lo95": q[0],
        "year_reached_hi95": q[4],
        "probability_at_or_above": prob,
        "as_of": f.as_of.date().isoformat(),
        "n_own_obs": int(n_own),
        "borrowed_trend": bool(borrowed),
        "first_date": first,
        "latest_date": latest_date,
        "latest_pct": latest_pct,
        "not_before": not_before if math.isfinite(not_before) else math.nan,
        "ceiling": fit.ceiling,
        "cap": line.cap if base == measure else math.nan,
        "reason": reason,
    }


def project(
    panel: pd.DataFrame,
    commitments: pd.DataFrame | None,
    *,
    as_of: str | dt.date | pd.Timestamp,
    thresholds: tuple[float, ...] | None = None,
    settings: ForecastSettings | None = None,
    criteria: pd.DataFrame | None = None,
    gazetteer: pd.DataFrame | None = None,
    regions: Iterable[str] | None = None,
    provinces: Iterable[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Crossings (:data:`CROSSINGS`) and paths (:data:`PATHS`) of every region x measure.

    The model is always fitted on the whole ``panel`` for ``settings.provinces``
    (drifts are pooled across regions), and ``regions`` (4-digit codes) and
    ``provinces`` (2-digit codes) only select the rows returned, so a region's
    answer does not depend on the slice asked for. ``gazetteer``
    (``region_code``, ``province_code``) lists regions to give a path even
    without figures (their province's trend); default: those in the panel.

    Examples
    --------
    >>> panel = synthetic_panel({"1701": [(2019.5, 80.0), (2021.5, 88.0), (2023.5, 93.0)],
    ...     "1702": [(2020.5, 70.0), (2022.5, 80.0)]})
    >>> s = ForecastSettings(n_draws=200)
    >>> full, _ = project(panel, None, as_of="2024-01-01", settings=s)
    >>> one, _ = project(panel, None, as_of="2024-01-01", settings=s, regions=["1702"])
    >>> one.reset_index(drop=True).equals(
    ...     full.loc[full.region_code.eq("1702")].reset_index(drop=True))
    True

    Crossings: one row per region x measure x threshold (registered:
    ``settings.thresholds``; activity: ``settings.activity_thresholds``; the
    joint criteria ``settings.joint`` as measure ``joint``, e.g. UHC prioritas
    98 % and 80 % active), the median and 80/95 % crossing years from the
    level draws, never before the latest figure below,
    ``probability_at_or_above`` at ``as_of`` from the observation draws.
    Paths: per region x measure x year (step ``settings.path_step``, from the
    step before the latest figure on) the median (capped, also as
    ``coverage_pct`` for :mod:`..uhc_status`) and bands of a published figure.
    """
    s = settings or ForecastSettings()
    f = forecast(panel, commitments, as_of=as_of, settings=s, criteria=criteria, regions=gazetteer)
    lines = f.fits["registered"].lines
    province_of = {r: str(lines[r].province_code) for r in f.regions}
    selected = select_regions(f.regions, regions, provinces, province_of)
    thr_reg = tuple(thresholds or s.thresholds)
    thr_act = tuple(s.activity_thresholds)
    now = decimal_year(f.as_of)
    first = float(f.obs["decimal_year"].min()) if len(f.obs) else now
    start = math.floor(min(first, now))
    grid = np.round(np.arange(start, now + s.horizon_years + 1e-9, 1 / 12), 6)
    grid = np.unique(np.append(grid, now))
    path_years = np.round(np.arange(start, now + s.horizon_years + 1e-9, s.path_step), 6)
    i_now = np.array([int(np.searchsorted(grid, now))])
    ev = evidence_arrays(f.obs, f.censored)
    rows: list[dict[str, object]] = []
    cols: dict[str, list[object]] = {c: [] for c in PATHS}
    for region in selected:
        lev, obs_now = {}, {}
        for m in ("registered", "active"):
            reg = lev.get("registered")
            lev[m], o = simulate(f, region, m, grid, obs_columns=i_now, registered=reg)
            obs_now[m] = o[:, 0]
        for m, thrs in (("registered", thr_reg), ("active", thr_act)):
            for thr in thrs:
                rows.append(_crossing_row(f, region, m, thr, math.nan, grid, now, lev, obs_now, ev))
        for r_thr, a_thr in s.joint:
            rows.append(
                _crossing_row(f, region, "joint", r_thr, a_thr, grid, now, lev, obs_now, ev)
            )
        reg_years, reg_lev = None, None
        for m in ("registered", "active"):
            line = f.fits[m].lines[region]
            # the path starts at the anchor (the latest figure): before it there are figures
            years = path_years
            if math.isfinite(line.t_anchor):
                years = path_years[path_years >= line.t_anchor - s.path_step]
            same = reg_years is not None and np.array_equal(years, reg_years)
            lv, o = simulate(f, region, m, years, registered=reg_lev if same else None)
            if m == "registered":
                reg_years, reg_lev = years, lv
            b = bands(o, line.cap)
            k = len(years)
            cols["region_code"].append(np.full(k, region, dtype=object))
            cols["measure"].append(np.full(k, m, dtype=object))
            cols["model"].append(np.full(k, MODEL_NAMES[m], dtype=object))
            cols["year"].append(years)
            cols["median"].append(b["median"])
            cols["coverage_pct"].append(b["median"])
            for c in ("lo80", "hi80", "lo95", "hi95"):
                cols[c].append(b[c])
            cols["cap"].append(np.full(k, line.cap, dtype=float))
            cols["borrowed_trend"].append(
                np.full(k, latest(ev.get((region, m)))[2] < s.min_own_obs, dtype=bool)
            )
    crossings = pd.DataFrame(rows, columns=list(CROSSINGS))
    if not cols["year"]:  # no region of the settings' provinces
        return crossings, pd.DataFrame(columns=list(PATHS))
    paths = pd.DataFrame({c: np.concatenate(v) for c, v in cols.items()})[list(PATHS)]
    return crossings, paths


def select_regions(
    fitted: Iterable[str],
    regions: Iterable[str] | None,
    provinces: Iterable[str] | None,
    province_of: Mapping[str, str],
) -> list[str]:
    """The fitted regions a caller asked for, in fitted order; unknown codes are refused.

    Raises
    ------
    ValueError
        Naming a region or province code the forecast has no path for.

    Examples
    --------
    >>> select_regions(["1701", "1702", "6401"], None, ["17"], {"1701": "17", "1702": "17",
    ...                "6401": "64"})
    ['1701', '1702']
    >>> select_regions(["1701"], ["9999"], None, {"1701": "17"})
    Traceback (most recent call last):
    ...
    ValueError: regions: 9999 has no projection (projected: 1701)
    """
    fitted = list(fitted)
    out = fitted
    if regions is not None:
        wanted = [str(r) for r in regions]
        unknown = [r for r in wanted if r not in set(fitted)]
        if unknown:
            raise ValueError(
                f"regions: {', '.join(unknown)} has no projection "
                f"(projected: {', '.join(fitted[:8])}{' ...' if len(fitted) > 8 else ''})"
            )
        out = [r for r in out if r in set(wanted)]
    if provinces is not None:
        wanted_p = [str(p) for p in provinces]
        known = sorted(set(province_of.values()))
        unknown = [p for p in wanted_p if p not in known]
        if unknown:
            raise ValueError(
                f"provinces: {', '.join(unknown)} has no projection (projected: {', '.join(known)})"
            )
        out = [r for r in out if province_of.get(r) in set(wanted_p)]
    return out


def synthetic_panel(
    series: dict[str, list[tuple[float, float]]], province_code: str = "17"
) -> pd.DataFrame:
    """A small coverage panel of registered figures ``{region: [(decimal year, pct), ...]}``."""
    rows = []
    for code, pts in series.items():
        for i, (year, pct) in enumerate(pts):
            day = pd.Timestamp(f"{int(year)}-01-01") + pd.Timedelta(days=round((year % 1) * 365))
            rows.append(
                {
                    "region_code": code,
                    "region_level": "regency",
                    "province_code": province_code,
                    "measure": "registered",
                    "basis": "published",
                    "date": day,
                    "coverage_pct": pct,
                    "published_coverage_pct": pct,
                    "participants": math.nan,
                    "population": math.nan,
                    "participants_status": "",
                    "population_status": "",
                    "lower_bound": False,
                    "rounded": False,
                    "observation_id": f"E-{code}-{i}",
                    "source_ids": "S",
                }
            )
    return pd.DataFrame(rows)
