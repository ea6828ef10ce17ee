"""Unit tests of the uhc_analysis.analysis.projection package on tiny hand-built panels."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from scipy import special

from uhc_analysis import pipeline, schemas
from uhc_analysis.analysis import projection as P
from uhc_analysis.analysis.projection import models_mixed
from uhc_analysis.analysis.projection.inputs import model_frame
from uhc_analysis.analysis.projection.settings import expit_pct

SETTINGS = P.ProjectionSettings(provinces=("16", "17", "64"))


def gazetteer(codes: list[str]) -> pd.DataFrame:
    """A gazetteer with the given codes (2 digits: province, else regency)."""
    return pd.DataFrame(
        {
            "bps_code": codes,
            "name": [f"Region {c}" for c in codes],
            "kind": ["province" if len(c) == 2 else "kabupaten" for c in codes],
            "province_code": [c[:2] for c in codes],
        }
    )


def logistic(years: np.ndarray, a: float, b: float, ceiling: float = 105.0) -> np.ndarray:
    return ceiling * special.expit(a + b * (years - 2022.0))


def true_year(threshold: float, a: float, b: float, ceiling: float = 105.0) -> float:
    return 2022.0 + (special.logit(threshold / ceiling) - a) / b


def growing(code: str, start: float, a: float, b: float, n: int, seed: int) -> list:
    """n yearly figures of a logistic path with small deterministic noise."""
    rng = np.random.default_rng(seed)
    years = start + np.arange(n, dtype=float)
    values = logistic(years, a, b) + rng.normal(0, 0.3, n)
    return list(zip(years.tolist(), values.tolist(), strict=True))


@pytest.fixture(scope="module")
def province_17() -> dict[str, list]:
    """Province 17: four well-observed regencies growing at similar speed."""
    return {
        "1701": growing("1701", 2016.0, 0.6, 0.35, 6, 1),
        "1702": growing("1702", 2017.0, 0.3, 0.40, 5, 2),
        "1703": growing("1703", 2016.5, 0.0, 0.30, 6, 3),
        "1704": growing("1704", 2017.5, 0.8, 0.45, 4, 4),
    }


def run(series, codes, commitments=None, lower_bound=None, settings=SETTINGS):
    panel = P.synthetic_panel(series, lower_bound=lower_bound)
    return P.project_coverage(panel, commitments, settings=settings, regions=gazetteer(codes))


def rows(proj: pd.DataFrame, code: str) -> pd.DataFrame:
    return proj.loc[proj["region_code"].eq(code)].set_index("threshold")


def test_logistic_series_recovers_threshold_years():
    a, b = 1.0, 0.4
    years = np.arange(2015.0, 2023.0)
    rng = np.random.default_rng(0)
    values = logistic(years, a, b) + rng.normal(0, 0.2, len(years))
    series = {"6471": list(zip(years.tolist(), values.tolist(), strict=True))}
    proj, _ = run(series, ["64", "6471"])
    r = rows(proj, "6471")
    assert (r["model"] == "logit_wls").all()
    assert (r["status"] == "on_track").all()
    for threshold in (95.0, 98.0, 100.0):
        expected = true_year(threshold, a, b)
        assert abs(r.loc[threshold, "year_reached"] - expected) <= 0.5, (threshold, expected)
        lo, hi = r.loc[threshold, ["year_reached_lo80", "year_reached_hi80"]]
        assert lo <= r.loc[threshold, "year_reached"] <= hi


def test_already_covered_region_is_reached_with_first_period():
    series = {"1701": [(2019.2, 90.0), (2021.2, 96.0), (2022.4, 97.0)]}
    proj, _ = run(series, ["17", "1701"])
    r = rows(proj, "1701")
    assert r.loc[95.0, "status"] == "reached"
    assert r.loc[95.0, "model"] == "observed"
    assert r.loc[95.0, "first_period_reached"] == "2021-03"
    assert r.loc[95.0, "years_to_uhc"] == pytest.approx(2.0, abs=1e-3)
    assert r.loc[98.0, "status"] != "reached"


def test_award_and_lower_bound_count_as_reached():
    series = {"1701": [(2019.5, 88.0), (2020.5, 91.0), (2021.5, 93.0)]}
    awards = pd.DataFrame(
        {
            "region_code": ["1701"],
            "period": ["2022-03-14"],
            "date": ["2022-03-14"],
            "kind": ["award"],
        }  # fmt: skip
    )
    proj, _ = run(series, ["17", "1701"], awards, lower_bound={"1701": [(2023.5, 98.0)]})
    r = rows(proj, "1701")
    assert r.loc[95.0, ["status", "model", "first_period_reached"]].tolist() == [
        "reached", "award", "2022-03-14"
    ]  # fmt: skip
    assert r.loc[98.0, ["status", "model"]].tolist() == ["reached", "lower_bound"]
    assert r.loc[100.0, "status"] != "reached"


def test_censored_bounds_pull_the_fit_up():
    series = {"1701": [(2017.5, 70.0), (2019.5, 76.0), (2021.5, 82.0)]}
    awards = pd.DataFrame({"region_code": ["1701"], "date": ["2022-01-01"], "kind": ["award"]})
    without, _ = run(series, ["17", "1701"])
    with_award, _ = run(series, ["17", "1701"], awards)
    y0 = rows(without, "1701").loc[98.0, "year_reached"]
    y1 = rows(with_award, "1701").loc[98.0, "year_reached"]
    assert y1 < y0
    assert "censored bound(s) used in the fit" in rows(with_award, "1701").loc[98.0, "reason"]


def test_flat_series_is_not_on_current_trend():
    values = [80.2, 79.8, 80.1, 79.9, 80.0, 80.1]
    series = {"6401": [(2017.0 + i, v) for i, v in enumerate(values)]}
    proj, _ = run(series, ["64", "6401"])
    r = rows(proj, "6401")
    assert (r["status"] == "not_on_current_trend").all()
    assert r["reason"].str.contains("flat or declining").all()


def test_one_point_regency_gets_pooled_projection(province_17):
    series = {**province_17, "1705": [(2021.5, 72.0)]}
    proj, paths = run(series, ["17", "1701", "1702", "1703", "1704", "1705"])
    r = rows(proj, "1705")
    assert (r["model"] == "mixed").all()
    assert r["status"].isin(["on_track", "not_on_current_trend"]).all()
    assert r["year_reached"].notna().all()
    assert proj.attrs["mixed_estimator"] == "MixedLM"
    assert "mixed" in set(paths.loc[paths["region_code"].eq("1705"), "model"])


def test_mixed_falls_back_explicitly_to_shrinkage(province_17, monkeypatch):
    def fail(frame, s):
        raise models_mixed.PoolingFailedError("forced failure")

    monkeypatch.setattr(models_mixed, "mixedlm_lines", fail)
    series = {**province_17, "1705": [(2021.5, 72.0)]}
    proj, _ = run(series, ["17", "1701", "1702", "1703", "1704", "1705"])
    r = rows(proj, "1705")
    assert (r["model"] == "mixed").all()
    assert r["year_reached"].notna().all()
    assert proj.attrs["mixed_estimator"].startswith("empirical-Bayes shrinkage")
    assert r["reason"].str.contains("forced failure").all()


def test_output_columns_equal_the_schema(province_17):
    proj, paths = run(province_17, ["17", "1701", "1702", "1703", "1704"])
    assert list(proj.columns) == list(schemas.PROJECTIONS)
    assert list(paths.columns) == list(schemas.PROJECTION_PATHS)
    assert paths["year"].max() == SETTINGS.horizon
    assert proj.equals(proj.sort_values(["region_code", "threshold"], ignore_index=True))


def test_paths_hold_the_selected_model_only(province_17):
    codes = ["17", "1701", "1702", "1703", "1704"]
    proj, paths = run(province_17, codes)
    assert paths.groupby("region_code")["model"].nunique().max() == 1
    projected = proj.loc[proj["model"].isin(P.MODELS)].groupby("region_code")["model"].first()
    assert paths.groupby("region_code")["model"].first().equals(projected)
    with_baselines = dataclasses.replace(SETTINGS, paths_baselines=True)
    _, paths = run(province_17, codes, settings=with_baselines)
    assert {"cagr", "last_value"} <= set(paths["model"])
    assert paths[["lo95", "hi95"]].stack().between(0, with_baselines.ceiling).all()


def test_every_gazetteer_region_gets_a_status(province_17):
    codes = ["16", "1601", "1671", "17", "1701", "1702", "1703", "1704", "1709", "64", "6474"]
    proj, _ = run(province_17, codes)
    assert len(proj) == len(codes) * 3
    assert set(proj["region_code"]) == set(codes)
    assert proj["status"].notna().all() and proj["reason"].notna().all()
    empty = rows(proj, "1709")
    assert (empty["status"] == "insufficient_data").all()
    assert empty["reason"].str.contains("no registered/published coverage observations").all()
    assert (empty["model"] == "none").all()


def test_panel_code_unknown_to_gazetteer_raises(province_17):
    with pytest.raises(ValueError, match="not in the gazetteer"):
        run(province_17, ["17", "1701"])


def test_use_in_analysis_is_respected():
    panel = P.synthetic_panel({"1701": [(2019.0, 80.0), (2020.0, 99.0), (2021.0, 90.0)]})
    panel["use_in_analysis"] = [True, False, True]
    proj, _ = P.project_coverage(panel, settings=SETTINGS, regions=gazetteer(["17", "1701"]))
    assert rows(proj, "1701").loc[95.0, "status"] != "reached"


def test_logit_wls_lines_are_statsmodels_wls_fits(province_17):
    s = SETTINGS
    regions = P.focus_regions(gazetteer(["17", *province_17]), s)
    obs = P.prepare_observations(P.synthetic_panel(province_17), regions, s)
    fits = P.fit_models(obs, P.censored_evidence(obs, None, regions, s), s)
    line = fits.lines["logit_wls"]["1701"]
    assert line.results.cov_type == "fixed scale"
    np.testing.assert_array_equal(line.params, line.results.params)
    np.testing.assert_array_equal(line.cov, line.results.cov_params())
    np.testing.assert_allclose(line.cov, line.scale * line.results.normalized_cov_params)
    # the bands are statsmodels' observation intervals, back-transformed
    years = np.array([2018.0, 2024.0, 2030.0])
    band = line.predict(years, s)
    exog = np.column_stack([np.ones(len(years)), years - s.reference_year])
    for level, alpha in (("80", 0.20), ("95", 0.05)):
        frame = line.results.get_prediction(exog).summary_frame(alpha=alpha)
        np.testing.assert_allclose(
            expit_pct(frame[["obs_ci_lower", "obs_ci_upper"]].to_numpy(), s),
            band[[f"lo{level}", f"hi{level}"]].to_numpy(),
            atol=1e-9,
        )
        np.testing.assert_allclose(expit_pct(frame["mean"].to_numpy(), s), band["coverage_pct"])
    assert (band["lo80"] <= band["coverage_pct"]).all()
    assert (band["hi95"] >= band["hi80"]).all()


def _pooled_frame(province_17):
    """Model frame of province 17 plus a one-point regency."""
    s = SETTINGS
    series = {**province_17, "1705": [(2021.5, 72.0)]}
    regions = P.focus_regions(gazetteer(["17", *series]), s)
    return model_frame(P.prepare_observations(P.synthetic_panel(series), regions, s), s)


@pytest.mark.filterwarnings("ignore:The MLE may be on the boundary")
def test_mixed_lines_are_statsmodels_mixedlm(province_17):
    from statsmodels.regression.mixed_linear_model import MixedLM

    frame = _pooled_frame(province_17)
    lines = models_mixed.mixedlm_lines(frame, SETTINGS)
    x = frame["decimal_year"].to_numpy() - SETTINGS.reference_year
    exog = np.column_stack([np.ones(len(x)), x])  # one province: its intercept and slope
    res = MixedLM(frame["y"].to_numpy(), exog, groups=frame["region_code"], exog_re=exog).fit(
        reml=True, method=["lbfgs"]
    )
    assert list(lines) == sorted(frame["region_code"].unique())
    cov_re = np.asarray(res.cov_re)
    # the GLS covariance of the fixed effects, (Xᵀ V⁻¹ X)⁻¹ with V built densely
    v = res.scale * np.eye(len(x))
    for rows in frame.groupby("region_code").indices.values():
        v[np.ix_(rows, rows)] += exog[rows] @ cov_re @ exog[rows].T
    cov_beta = np.linalg.inv(exog.T @ np.linalg.solve(v, exog))
    for region, line in lines.items():
        blup = res.random_effects[region].to_numpy()
        np.testing.assert_allclose(line.params, res.fe_params + blup, rtol=1e-6, atol=1e-9)
        cond = res.random_effects_cov[region].to_numpy()
        np.testing.assert_allclose(line.cov, cov_beta + cond, rtol=1e-6, atol=1e-12)
        assert line.slope_prior == pytest.approx(
            (res.fe_params[1], cov_beta[1, 1] + cov_re[1, 1]), rel=1e-6
        )
        assert line.note.startswith("MixedLM REML (province slopes; residual sd")


def test_shrinkage_pooling_is_dersimonian_laird():
    rng = np.random.default_rng(5)
    b, v = rng.normal(0.3, 0.2, 6), rng.uniform(0.001, 0.01, 6)
    w = 1 / v
    q = np.sum(w * (b - np.sum(w * b) / np.sum(w)) ** 2)
    tau2 = (q - (len(b) - 1)) / (np.sum(w) - np.sum(w**2) / np.sum(w))  # textbook DL
    assert tau2 > 0
    w2 = 1 / (v + tau2)
    mean, var_mean, got_tau2 = models_mixed._pool(b, v)
    assert got_tau2 == pytest.approx(tau2, rel=1e-12)
    assert mean == pytest.approx(np.sum(w2 * b) / np.sum(w2), rel=1e-12)
    assert var_mean == pytest.approx(1 / np.sum(w2), rel=1e-12)
    # homogeneous slopes: the negative moment estimate is truncated, the mean is the fixed one
    same = np.full(4, 0.3) + np.array([1e-4, -1e-4, 0.0, 0.0])
    mean, var_mean, got_tau2 = models_mixed._pool(same, np.full(4, 0.01))
    assert got_tau2 == 0.0 and mean == pytest.approx(0.3) and var_mean == pytest.approx(0.0025)
    assert models_mixed._pool(np.array([0.2]), np.array([0.01])) == (0.2, 0.01, 0.0)
    with pytest.raises(models_mixed.PoolingFailedError, match="no region"):
        models_mixed._pool(np.zeros(0), np.zeros(0))


def test_deterministic(province_17):
    a = run(province_17, ["17", "1701", "1702", "1703", "1704"])
    b = run(province_17, ["17", "1701", "1702", "1703", "1704"])
    pd.testing.assert_frame_equal(a[0], b[0])
    pd.testing.assert_frame_equal(a[1], b[1])


def test_backtest_returns_the_four_models(province_17):
    panel = P.synthetic_panel(province_17)
    regions = gazetteer(["17", *province_17])
    pred = P.backtest_predictions(panel, settings=SETTINGS, regions=regions)
    assert list(pred.columns) == list(P.BACKTEST_PREDICTIONS)
    assert set(pred["region_code"]) == set(province_17)
    table = P.backtest(panel, settings=SETTINGS, regions=regions, predictions=pred)
    assert table["model"].tolist() == ["logit_wls", "mixed", "cagr", "last_value"]
    assert list(table.columns) == list(P.BACKTEST)
    assert (table["n_heldout"] == len(province_17)).all()
    assert table["mae_pp"].notna().all()
    # forecasting the smooth synthetic series, the logit model beats carrying forward
    mae = table.set_index("model")["mae_pp"]
    assert mae["logit_wls"] < mae["last_value"]


def test_write_projections(tmp_path, province_17):
    P.synthetic_panel(province_17).to_csv(tmp_path / "coverage_panel.csv", index=False)
    paths = pipeline.project(tmp_path)
    assert [p.name for p in paths] == [
        "projections.csv",
        "projection_paths.csv",
        "backtest.csv",
    ]
    proj = pd.read_csv(paths[0], dtype={"region_code": str})
    assert list(proj.columns) == list(schemas.PROJECTIONS)
    first = [p.read_bytes() for p in paths]
    assert [p.read_bytes() for p in pipeline.project(tmp_path)] == first


def test_settings_are_validated():
    with pytest.raises(ValueError, match="ceiling"):
        P.ProjectionSettings(ceiling=100.0)
    with pytest.raises(ValueError, match="model"):
        P.ProjectionSettings(model="arima")
    assert math.isclose(P.ProjectionSettings().ceiling, 105.0)


def test_mixedlm_warnings_other_than_boundary_fail_the_pooling(province_17, monkeypatch):
    frame = _pooled_frame(province_17)
    real = models_mixed.statsmodels_mixedlm

    def warned(*args):
        return real(*args)[0], ["Gradient optimization failed, |grad| = 0.1"]

    monkeypatch.setattr(models_mixed, "statsmodels_mixedlm", warned)
    with pytest.raises(models_mixed.PoolingFailedError, match="did not converge: Gradient"):
        models_mixed.mixedlm_lines(frame, SETTINGS)
