""":func:`project_coverage`: the projections table and the yearly paths.

Inputs (:mod:`.inputs`) -> models (:mod:`.models`) -> status rules per
region x threshold (:mod:`.status`) and paths per region, then tidied and
checked against ``schemas.PROJECTIONS`` / ``schemas.PROJECTION_PATHS``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from uhc_analysis import schemas
from uhc_analysis.analysis.projection.inputs import (
    censored_evidence,
    focus_regions,
    prepare_observations,
)
from uhc_analysis.analysis.projection.models import Fits, fit_models
from uhc_analysis.analysis.projection.settings import ProjectionSettings
from uhc_analysis.analysis.projection.status import (
    NO_EVIDENCE,
    STATUSES,
    region_evidence,
    region_rows,
)


def _paths_for(
    region: str, model: str | None, t: np.ndarray, fits: Fits, s: ProjectionSettings
) -> list[dict[str, np.ndarray]]:
    """Yearly band of the selected model from the first observed year (and the baselines)."""
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
        :class:`~.settings.ProjectionSettings`.
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
    >>> from uhc_analysis.analysis.projection import synthetic_panel
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
    evidence = region_evidence(obs, cens)
    rows, paths = [], []
    for region in regs.to_dict("records"):
        code = region["region_code"]
        ev = evidence.get(code, NO_EVIDENCE)
        r_rows, model = region_rows(region, ev, fits, settings, obs.attrs["n_missing"].get(code, 0))
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
    assert proj["status"].isin(STATUSES).all(), proj["status"].unique()
    assert proj["reason"].notna().all(), "every row must say why"
    on_track = proj["status"].eq("on_track")
    assert proj.loc[on_track, "year_reached"].notna().all()
    reached = proj["status"].eq("reached")
    assert proj.loc[reached, "first_period_reached"].notna().all()
