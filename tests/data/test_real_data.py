"""The cleaning, panel and metrics stages on the real transcribed figures in data/raw.

These tests pin published figures: if a number here changes, either the raw
data or a rule changed, and the change must be deliberate.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from uhc_analysis import config, pipeline
from uhc_analysis.analysis import metrics
from uhc_analysis.ingest.raw import discover_raw_files
from uhc_analysis.transform import observations, panel, population
from uhc_analysis.transform.clean import CleanSettings
from uhc_analysis.transform.observations import CleanResult

FOCUS_CODES = {
    "17": {"1701", "1702", "1703", "1704", "1705", "1706", "1707", "1708", "1709", "1771"},
    "16": {
        "1601",
        "1602",
        "1603",
        "1604",
        "1605",
        "1606",
        "1607",
        "1608",
        "1609",
        "1610",
        "1611",
        "1612",
        "1613",
        "1671",
        "1672",
        "1673",
        "1674",
    },
    "64": {"6401", "6402", "6403", "6404", "6405", "6409", "6411", "6471", "6472", "6474"},
}


@pytest.fixture(scope="module")
def result() -> CleanResult:
    return observations.clean_all(settings=CleanSettings(today="2026-11-23"))


@pytest.fixture(scope="module")
def cov(result: CleanResult) -> pd.DataFrame:
    return panel.coverage_panel(
        result.enrolment,
        result.population,
        observation_sources=result.observation_sources,
        sources=result.sources,
    )


def _obs(df: pd.DataFrame, code: str, period: str, **kw: str) -> pd.Series:
    rows = df[(df["region_code"] == code) & (df["period"] == period)]
    for k, v in kw.items():
        rows = rows[rows[k] == v]
    assert len(rows) == 1, rows
    return rows.iloc[0]


# --------------------------------------------------------------------------- accounting


def test_every_raw_row_is_kept_merged_or_rejected(result: CleanResult) -> None:
    acc = result.accounting
    assert acc["balanced"].all(), acc
    assert (acc["read"] == acc["kept"] + acc["merged"] + acc["rejected"]).all()
    # and exactly once: each (file, line) is in observation_raw_rows or in rejects
    links = result.observation_raw_rows
    refs = [f"{f}:{line}" for f, line in zip(links["file"], links["line"], strict=True)]
    refs += [
        f"{f}:{line}"
        for f, line in zip(result.rejects["file"], result.rejects["line"], strict=True)
    ]
    assert len(refs) == len(set(refs))
    # one kept row per observation, and the links name only real observations
    ids = pd.concat([result.enrolment, result.population, result.commitments])["observation_id"]
    kept = links[links["role"] == "kept"]
    assert sorted(kept["observation_id"]) == sorted(ids)
    assert set(links["observation_id"]) == set(ids)
    expected = set()
    for path in discover_raw_files(config.DATA_RAW):
        name = path.relative_to(config.DATA_RAW).as_posix()
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            next(reader)
            start = 2
            for _ in reader:
                expected.add(f"{name}:{start}")
                start = reader.line_num + 1
    assert set(refs) == expected


def test_every_observation_keeps_its_urls(result: CleanResult) -> None:
    urls = set(result.sources["url"])
    links = result.observation_sources.merge(result.sources, on="source_id", how="left")
    assert links["url"].notna().all()
    for frame in (result.enrolment, result.population, result.commitments):
        assert set(frame["observation_id"]) <= set(links["observation_id"])
        # the convenience column for people says the same as the link table
        per_obs = links.groupby("observation_id")["url"].agg(lambda u: " ".join(sorted(u)))
        assert frame.set_index("observation_id")["urls"].equals(
            per_obs.reindex(frame["observation_id"]).rename("urls")
        )
    assert set(links["url"]) == urls
    # sources.csv lists exactly the URLs of the raw files, both ways
    raw_urls = set()
    for path in discover_raw_files(config.DATA_RAW):
        raw_urls |= set(pd.read_csv(path, dtype=str)["url"].dropna())
    assert raw_urls == urls


def test_regions_has_the_37_focus_regencies(result: CleanResult) -> None:
    regions = result.regions
    for prov, codes in FOCUS_CODES.items():
        got = regions[(regions["province_code"] == prov) & (regions["kind"] != "province")]
        assert set(got["bps_code"]) == codes
    assert sum(len(c) for c in FOCUS_CODES.values()) == 37


# --------------------------------------------------------------------------- pinned figures


def test_banyuasin_september_2023(result: CleanResult) -> None:
    obs = _obs(result.enrolment, "1607", "2023-09-01", measure="registered")
    assert obs["enrolled"] == 817_221
    assert obs["coverage_pct"] == pytest.approx(97.63)
    assert obs["n_sources"] >= 2  # Sumeks and Antara report the same figure: one observation
    assert "sumeks.disway.id" in obs["urls"] and "antaranews" in obs["urls"]


def test_south_sumatra_september_2023(result: CleanResult) -> None:
    rows = result.enrolment[
        (result.enrolment["region_code"] == "16") & (result.enrolment["period"] == "2023-09-01")
    ]
    used = rows[rows["use_in_analysis"]].iloc[0]
    assert used["enrolled"] == 8_396_170
    assert used["coverage_pct"] == pytest.approx(95.90)
    # Antara's rounded 8.39 million is kept, flagged as a conflict, not used
    assert len(rows) == 2 and rows["conflict_group"].nunique() == 1
    assert rows.loc[~rows["use_in_analysis"], "enrolled"].iloc[0] == 8_390_000


def test_bengkulu_november_2021(result: CleanResult) -> None:
    obs = _obs(result.enrolment, "17", "2021-11", measure="registered")
    assert obs["coverage_pct"] == pytest.approx(80.62)
    assert obs["population"] == 2_032_767


def test_lower_bound_and_rounding_caveats_are_kept(result: CleanResult) -> None:
    muara_enim = _obs(result.enrolment, "1603", "2024-08", measure="registered")
    assert muara_enim["lower_bound"] and muara_enim["coverage_pct"] == 98
    sumsel_june = _obs(result.enrolment, "16", "2023-06", measure="registered")
    assert sumsel_june["rounded"] and sumsel_june["enrolled"] == 7_900_000


def test_measures_are_kept_apart(result: CleanResult) -> None:
    assert set(result.enrolment["measure"]) == {"registered", "active", "survey"}
    survey = result.enrolment[result.enrolment["measure"] == "survey"]
    assert (survey["region_code"] == "1603").any()


# --------------------------------------------------------------------------- panel arithmetic


def test_bengkulu_2021_participants_and_gap(cov: pd.DataFrame) -> None:
    row = _obs(cov, "17", "2021-11", measure="registered", basis="published")
    assert row["participants"] == pytest.approx(1_638_800, abs=100)
    assert row["participants_status"] == "derived_from_pct_source_population"
    assert metrics.coverage_gap(row["population"], row["coverage_pct"], 98) == pytest.approx(
        353_300, abs=100
    )


def test_banyuasin_implied_population(cov: pd.DataFrame) -> None:
    row = _obs(cov, "1607", "2023-09-01", measure="registered", basis="published")
    assert row["population"] == pytest.approx(837_060, abs=5)
    assert row["population_status"] == "derived_from_count_and_pct"


def test_coverage_above_100_is_kept_not_capped(cov: pd.DataFrame) -> None:
    lahat = _obs(cov, "1604", "2024-08", measure="registered", basis="published")
    assert lahat["coverage_pct"] == pytest.approx(102.25) and lahat["over_100"]
    assert cov["coverage_pct"].max() > 100


def test_panel_has_every_observation_and_both_denominators(
    result: CleanResult, cov: pd.DataFrame
) -> None:
    used = result.enrolment[result.enrolment["use_in_analysis"]]
    assert set(used["observation_id"]) == set(cov["observation_id"])
    model = population.PopulationModel(result.population)
    for row in cov[(cov["basis"] == "published") & cov["participants"].notna()].itertuples():
        for fam in population.FAMILIES:
            pop = model.at(row.region_code, fam, [row.date])["population"].iloc[0]
            has = ((cov["observation_id"] == row.observation_id) & (cov["basis"] == fam)).any()
            assert has == (not np.isnan(pop)), (row.region_code, row.period, fam)
    # every focus regency with any figure is in the panel
    regencies = {c for codes in FOCUS_CODES.values() for c in codes}
    with_figures = set(used["region_code"]) & regencies
    assert with_figures <= set(cov["region_code"])
    assert len(with_figures) >= 30


def test_measures_never_mixed_in_a_series(cov: pd.DataFrame) -> None:
    key = ["region_code", "period", "measure", "basis", "observation_id"]
    assert not cov.duplicated(key).any()
    survey = cov[cov["measure"] == "survey"]
    assert set(survey["basis"]) == {"published"}


def test_population_values_say_how_they_were_obtained(cov: pd.DataFrame) -> None:
    fam = cov[cov["basis"].isin(population.FAMILIES)]
    assert set(fam["population_status"]) <= {
        "published",
        "interpolated",
        "extrapolated",
        "extrapolated_other_basis_rate",
        "extrapolated_province_rate",
    }
    assert fam["population_ids"].str.len().gt(0).all()


def test_a_panel_row_traces_back_to_its_urls(
    tmp_path: Path, result: CleanResult, cov: pd.DataFrame
) -> None:
    row = _obs(cov, "1702", "2022-12-01", measure="registered", basis="dukcapil")
    pipeline.build(out_dir=tmp_path, verbose=False, settings=CleanSettings(today="2026-11-23"))
    trace = panel.trace_sources(row, tmp_path)
    roles = set(trace["role"])
    assert roles == {"participants/coverage", "population"}
    assert trace["url"].str.startswith("http").all()
    assert "bengkulu.antaranews.com" in " ".join(trace["url"])
    assert " ".join(sorted(set(trace["url"]))) == row["urls"]
    assert set(trace.loc[trace["role"] == "population", "observation_id"]) == set(
        row["population_ids"].split(";")
    )


# --------------------------------------------------------------------------- metrics


def test_banyuasin_apbd_line_as_cost_per_person(result: CleanResult) -> None:
    checks = metrics.budget_check(result.commitments)
    row = checks[(checks["region_code"] == "1607") & (checks["budget_idr"] == 6_631_423_690)]
    assert len(row) == 1
    row = row.iloc[0]
    assert row["people_funded"] == 38_096
    assert row["idr_per_person_year"] == pytest.approx(174_071, abs=1)
    assert row["rate_in_force_month"] == 42_000
    # the line pays for about 4.1 months of the Rp 42,000 class III contribution
    assert row["months_covered"] == pytest.approx(4.14, abs=0.01)


def test_metrics_status_gap_rank(cov: pd.DataFrame) -> None:
    m = metrics.uhc_metrics(cov)
    mm = m[(m["measure"] == "registered") & (m["basis"] == "published")]
    # every region with a coverage figure has a row per threshold
    assert set(mm.groupby("region_code")["threshold"].nunique()) == {3}
    muko = mm[(mm["region_code"] == "1706") & (mm["threshold"] == 95)].iloc[0]
    assert muko["status"] == "at_or_above"
    assert muko["first_period_at_or_above"] == "2022-10-01"
    ranks = mm[
        (mm["province_code"] == "17") & (mm["region_level"] == "regency") & (mm["threshold"] == 95)
    ]
    assert sorted(ranks["rank_in_province"].dropna()) == sorted(
        ranks["coverage_pct"].rank(ascending=False, method="min").astype(int)
    )
    # at or above a threshold the gap is zero, even where the source gave no population
    assert (mm.loc[mm["status"] == "at_or_above", "gap_people"] == 0).all()
    below = mm[(mm["status"] == "below") & mm["population"].notna()]
    assert (below["gap_people"] > 0).all()
    assert (
        below["budget_idr_year"] == below["gap_people"] * below["contribution_idr_month"] * 12
    ).all()


def test_rank_at_a_chosen_date(cov: pd.DataFrame) -> None:
    m = metrics.uhc_metrics(cov, at="2022-12-31")
    dated = m.loc[m["status"] != "no_figure"]
    assert (dated["date"] <= "2022-12-31").all()
    # regions with figures only after the date are listed, not dropped
    missing = m.loc[m["status"] == "no_figure"]
    assert missing["coverage_pct"].isna().all() and missing["date"].isna().all()
    assert (dated["figure_age_months"] >= 0).all()
