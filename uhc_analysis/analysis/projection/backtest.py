"""Backtest: hold out each region's latest figure(s), refit, forecast them, score the models.

``benchmarks/backtest.py`` prints the table and checks the acceptance
criteria of the default model against the baselines.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from uhc_analysis.analysis.projection.inputs import (
    censored_evidence,
    focus_regions,
    prepare_observations,
    split_by_region,
)
from uhc_analysis.analysis.projection.models import fit_models
from uhc_analysis.analysis.projection.settings import (
    BACKTEST,
    BACKTEST_PREDICTIONS,
    MODELS,
    ProjectionSettings,
)


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
    >>> from uhc_analysis.analysis.projection import synthetic_panel
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
    train_rows = dict(split_by_region(train_points["region_code"].to_numpy()))
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
    >>> from uhc_analysis.analysis.projection import synthetic_panel
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
