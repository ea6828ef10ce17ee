"""Unit tests of uhc_analysis.analysis.projection on tiny hand-built panels."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from scipy import special

from uhc_analysis import pipeline, schemas
from uhc_analysis.analysis import projection as P

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
        raise P._PoolingFailedError("forced failure")

    monkeypatch.setattr(P, "_mixedlm_lines", fail)
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


def test_statsmodels_intervals_match_the_closed_form(province_17):
    s = SETTINGS
    regions = P.focus_regions(gazetteer(["17", *province_17]), s)
    obs = P.prepare_observations(P.synthetic_panel(province_17), regions, s)
    fits = P.fit_models(obs, P.censored_evidence(obs, None, regions, s), s)
    line = fits.lines["logit_wls"]["1701"]
    years = np.array([2018.0, 2024.0, 2030.0])
    via_statsmodels = line.predict(years, s)
    closed_form = dataclasses.replace(line, results=None).predict(years, s)
    np.testing.assert_allclose(via_statsmodels.to_numpy(), closed_form.to_numpy(), atol=1e-9)
    assert (via_statsmodels["lo80"] <= via_statsmodels["coverage_pct"]).all()
    assert (via_statsmodels["hi95"] >= via_statsmodels["hi80"]).all()
    # predict is the closed form; the (lazily built) statsmodels results agree with it
    exog = np.column_stack([np.ones(len(years)), years - s.reference_year])
    for level, alpha in (("80", 0.20), ("95", 0.05)):
        frame = line.results.get_prediction(exog).summary_frame(alpha=alpha)
        np.testing.assert_allclose(
            P._expit_pct(frame[["obs_ci_lower", "obs_ci_upper"]].to_numpy(), s),
            via_statsmodels[[f"lo{level}", f"hi{level}"]].to_numpy(),
            atol=1e-9,
        )
    np.testing.assert_allclose(line.results.params, line.params, rtol=1e-12)
    np.testing.assert_allclose(line.results.cov_params(), line.cov, rtol=1e-10)


def _pooled_data(province_17):
    """Model frame of province 17 plus a one-point regency, and its _PooledREML."""
    s = SETTINGS
    series = {**province_17, "1705": [(2021.5, 72.0)]}
    regions = P.focus_regions(gazetteer(["17", *series]), s)
    frame = P._model_frame(P.prepare_observations(P.synthetic_panel(series), regions, s), s)
    x = frame["decimal_year"].to_numpy() - s.reference_year
    codes, first, group = np.unique(frame["region_code"], return_index=True, return_inverse=True)
    a_col, b_col, names, _ = P._fe_design(frame.assign(decimal_year=x))
    cols = np.stack([a_col[first], b_col[first]], -1)
    model = P._PooledREML(frame["y"].to_numpy(), x, group, cols, len(names))
    X = np.zeros((len(x), len(names)))
    X[np.arange(len(x)), a_col] = 1.0
    X[np.arange(len(x)), b_col] = x
    return frame, model, X, np.column_stack([np.ones(len(x)), x])


@pytest.mark.filterwarnings("ignore:The MLE may be on the boundary")
def test_pooled_reml_equals_statsmodels_mixedlm(province_17):
    from statsmodels.regression.mixed_linear_model import MixedLM, MixedLMParams

    frame, model, X, Z = _pooled_data(province_17)
    reference = MixedLM(frame["y"].to_numpy(), X, groups=frame["region_code"], exog_re=Z)
    fitted = reference.fit(reml=True, method=["lbfgs"])  # also sets the model's fit state
    for packed in ([1.0, 0.0, 1.0], [0.7, -0.3, 0.2], [2.0, 0.5, 0.05]):
        packed = np.array(packed)
        cov_re = model.cov_re(packed)
        beta, _ = model.fe_params(cov_re)
        np.testing.assert_allclose(beta, reference.get_fe_params(cov_re, np.zeros(0))[0])
        np.testing.assert_allclose(model.loglike(packed), reference.loglike(packed), rtol=1e-12)
        np.testing.assert_allclose(model.score(packed), reference.score(packed), rtol=1e-9)
        sm_hess, _ = reference.hessian(MixedLMParams.from_components(beta, cov_re=cov_re))
        np.testing.assert_allclose(model.hessian(beta, cov_re), sm_hess, rtol=1e-8, atol=1e-10)
    beta, cov_re, scale, converged, _ = model.fit()
    assert converged
    np.testing.assert_allclose(beta, fitted.fe_params, rtol=1e-8)
    np.testing.assert_allclose(cov_re, fitted.cov_re, rtol=1e-7)
    np.testing.assert_allclose(scale, fitted.scale, rtol=1e-8)


def test_mixed_lines_same_through_statsmodels(province_17, monkeypatch):
    frame, *_ = _pooled_data(province_17)
    fast = P._mixedlm_lines(frame, SETTINGS)
    monkeypatch.setattr(P._PooledREML, "fit", lambda self: None)  # force statsmodels
    slow = P._mixedlm_lines(frame, SETTINGS)
    assert list(fast) == list(slow)
    for region, line in fast.items():
        assert line.note == slow[region].note
        np.testing.assert_allclose(line.params, slow[region].params, rtol=1e-7)
        np.testing.assert_allclose(line.cov, slow[region].cov, rtol=1e-7)
        np.testing.assert_allclose(line.slope_prior, slow[region].slope_prior, rtol=1e-7)


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
