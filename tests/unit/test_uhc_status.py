"""UHC criteria as data, corrections, activity rates, award evidence and the status vocabulary.

Small synthetic frames only; the real-data checks are in tests/data/test_uhc_status_real.py.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from uhc_analysis.analysis import activity, evidence, uhc_status
from uhc_analysis.ingest import corrections as ingest_corrections
from uhc_analysis.ingest import criteria
from uhc_analysis.transform import corrections

AS_OF = "2026-12-02"

# The thresholds of the real criteria file (shared/data/facts/national/uhc_criteria.csv),
# with the Madya conflict, so the unit tests do not depend on data/raw.
CRITERIA_TEXT = """\
scheme,valid_from,valid_to,category,min_coverage_pct,min_active_pct,other_conditions,published,publisher,url,remarks
uhc_award,2024,2024,,95,75,,,A,https://a.example,r
uhc_award,2024,2024,,95,,,2024-08-09,B,https://b.example,r
uhc_award,2026,2026,pratama,98,80,PBPU paid,2026-01-26,C,https://c.example,r
uhc_award,2026,2026,madya,98,98,PBPU share,2026-01-26,C,https://c.example,r
uhc_award,2026,2026,madya,98,85,PBPU share,2026-01-26,D,https://d.example,r
uhc_award,2026,2026,utama,99,95,18 % by Pemda,2026-01-26,D,https://d.example,r
uhc_prioritas,2025,,,98,80,,,E,https://e.example,r
uhc_non_cut_off,2023,,,98,,,,F,https://f.example,r
"""


@pytest.fixture()
def criteria_file(tmp_path: Path) -> Path:
    path = tmp_path / "national" / "uhc_criteria.csv"
    path.parent.mkdir()
    path.write_text(CRITERIA_TEXT, encoding="utf-8")
    return path


@pytest.fixture()
def reference(criteria_file: Path) -> pd.DataFrame:
    return criteria.load_criteria(criteria_file)


def open_ended(threshold: float) -> pd.DataFrame:
    """A coverage criterion always in force (a threshold as a parameter)."""
    return criteria.fixed_criteria((threshold,)).assign(valid_from=pd.NA, valid_to=pd.NA)


def panel(rows: list[dict]) -> pd.DataFrame:
    """A coverage panel from (region_code, date, coverage_pct[, measure, participants...])."""
    out = []
    for i, r in enumerate(rows):
        out.append(
            {
                "region_code": r["region_code"],
                "region_name": r.get("region_name", "R" + r["region_code"]),
                "region_level": "province" if len(r["region_code"]) == 2 else "regency",
                "province_code": r["region_code"][:2],
                "period": r["date"],
                "date": r["date"],
                "measure": r.get("measure", "registered"),
                "basis": "published",
                "participants": r.get("participants", math.nan),
                "population": r.get("population", math.nan),
                "coverage_pct": r["coverage_pct"],
                "published_coverage_pct": r["coverage_pct"],
                "participants_status": r.get("participants_status", ""),
                "population_status": r.get("population_status", ""),
                "lower_bound": r.get("lower_bound", False),
                "observation_id": r.get("observation_id", f"E{i}"),
                "urls": "https://x.example",
            }
        )
    return pd.DataFrame(out)


REGIONS = pd.DataFrame(
    {
        "bps_code": ["17", "1701", "1702", "1703", "1704", "3501"],
        "name": ["Bengkulu", "A", "B", "C", "D", "Elsewhere"],
        "kind": ["province", "kabupaten", "kabupaten", "kabupaten", "kabupaten", "kabupaten"],
        "province_code": ["17", "17", "17", "17", "17", "35"],
    }
)
NO_COMMITMENTS = pd.DataFrame(
    columns=["region_code", "observation_id", "kind", "date", "period", "urls", "remarks"]
)


def award(code: str, date: str, remarks: str, oid: str = "C1") -> dict:
    return {
        "region_code": code,
        "observation_id": oid,
        "kind": "award",
        "date": date,
        "period": date,
        "urls": "https://award.example",
        "remarks": remarks,
    }


def path(code: str, years: list[int], median: list[float], spread: float = 2.0) -> pd.DataFrame:
    """A projection path with a symmetric normal band of sd ``spread``."""
    m = np.asarray(median, dtype=float)
    z80, z95 = stats.norm.ppf(0.9), stats.norm.ppf(0.975)
    return pd.DataFrame(
        {
            "region_code": code,
            "model": "logit_wls",
            "year": years,
            "coverage_pct": m,
            "lo80": m - z80 * spread,
            "hi80": m + z80 * spread,
            "lo95": m - z95 * spread,
            "hi95": m + z95 * spread,
        }
    )


def status_of(result: uhc_status.StatusResult, code: str, cid: str) -> pd.Series:
    rows = result.status.loc[
        result.status["region_code"].eq(code) & result.status["criterion_id"].eq(cid)
    ]
    assert len(rows) == 1, rows
    return rows.iloc[0]


# --------------------------------------------------------------------------- criteria


def test_criteria_conflict_is_flagged_and_decided_by_the_reviewed_table(
    reference: pd.DataFrame,
) -> None:
    madya = reference.loc[reference["criterion_id"].eq("uhc_award_2026_madya")]
    assert madya["conflict"].all()
    assert madya["conflict_fields"].eq("min_active_pct").all()
    assert madya.loc[madya["used"], "min_active_pct"].tolist() == [85.0]
    assert madya.loc[~madya["used"], "min_active_pct"].tolist() == [98.0]
    assert madya["decision"].str.contains("Balleonews").all()
    # rows that agree, or leave a value unstated, are not conflicts
    assert not reference.loc[reference["scheme"].eq("uhc_prioritas"), "conflict"].any()
    assert not reference.loc[reference["criterion_id"].eq("uhc_award_2024"), "conflict"].any()
    # one row per source row plus the three fixed thresholds
    assert len(reference) == CRITERIA_TEXT.count("\n") - 1 + 3


def test_criteria_in_force_by_date(reference: pd.DataFrame) -> None:
    def ids(date: str) -> list[str]:
        return criteria.criteria_in_force(reference, date)["criterion_id"].tolist()

    assert ids("2024-08-08") == ["uhc_award_2024", "uhc_non_cut_off_2023", "rpjmn_95", "full_100"]
    assert ids("2026-12-02") == [
        "uhc_award_2026_pratama",
        "uhc_award_2026_madya",
        "uhc_award_2026_utama",
        "uhc_prioritas_2025",
        "national_98",
        "full_100",
    ]
    table = criteria.criteria_in_force(reference, "2026-12-02").set_index("criterion_id")
    assert table.loc["uhc_award_2026_madya", ["min_coverage_pct", "min_active_pct"]].tolist() == [
        98.0,
        85.0,
    ]
    assert table.loc["uhc_prioritas_2025", "n_sources"] == 1


def test_a_new_criterion_arrives_as_a_row(criteria_file: Path) -> None:
    criteria_file.write_text(
        CRITERIA_TEXT + "uhc_award,2027,2027,pratama,99,85,,,G,https://g.example,r\n"
    )
    ref = criteria.load_criteria(criteria_file, thresholds=(95, 98, 100, 99.5))
    ids = criteria.criteria_in_force(ref, "2027-06-01")["criterion_id"].tolist()
    assert "uhc_award_2027_pratama" in ids and "threshold_99.5" in ids


def test_conflict_without_decision_is_an_error(criteria_file: Path) -> None:
    raw = criteria.read_criteria(criteria_file)
    with pytest.raises(criteria.CriteriaError, match="uhc_award_2026_madya.*add a decision"):
        criteria.criteria_reference(raw, criteria.load_criteria_decisions().head(0))


@pytest.mark.parametrize(
    ("cell", "value", "message"),
    [
        ("95", "95%", "column 'min_coverage_pct': value '95%'"),
        ("2024", "24", "column 'valid_from': value '24': expected a year"),
        ("95", "150", "column 'min_coverage_pct': value '150': expected a percentage"),
    ],
)
def test_bad_criteria_cell_names_file_line_and_value(
    criteria_file: Path, cell: str, value: str, message: str
) -> None:
    lines = CRITERIA_TEXT.splitlines()
    lines[1] = lines[1].replace(f",{cell},", f",{value},", 1)
    criteria_file.write_text("\n".join(lines) + "\n")
    with pytest.raises(criteria.CriteriaError) as info:
        criteria.read_criteria(criteria_file)
    text = str(info.value)
    assert "\n" not in text
    assert f"{criteria_file}: line 2: {message}" in text


def test_missing_criteria_file_says_how_to_get_it(tmp_path: Path) -> None:
    with pytest.raises(criteria.CriteriaError, match="sync-raw"):
        criteria.read_criteria(tmp_path / "nope.csv")


# --------------------------------------------------------------------------- awards


@pytest.mark.parametrize(
    ("date", "remarks", "implied", "tier"),
    [
        ("2023-03-14", "UHC award received in Jakarta", (95.0, math.nan), ""),
        ("2024-08-08", "UHC Award 2024 category Madya", (95.0, 75.0), "madya"),
        ("2026-01-27", "UHC Award 2026 kategori Pratama", (98.0, 80.0), "pratama"),
        ("2026-01-27", "UHC Awards 2026 category Madya", (98.0, 85.0), "madya"),
        ("2026-01-27", "UHC Awards 2026 category Utama", (99.0, 95.0), "utama"),
        ("2026-01-27", "UHC Award 2026 (tier not given)", (98.0, 80.0), ""),
    ],
)
def test_an_award_implies_its_own_years_thresholds(
    reference: pd.DataFrame, date: str, remarks: str, implied: tuple[float, float], tier: str
) -> None:
    out = evidence.award_evidence(pd.DataFrame([award("1701", date, remarks)]), reference)
    row = out.iloc[0]
    assert row["award_year"] == int(date[:4])
    assert row["tier"] == tier
    assert row["min_coverage_pct"] == implied[0]
    assert row["min_active_pct"] == implied[1] or (
        math.isnan(row["min_active_pct"]) and math.isnan(implied[1])
    )
    if not tier and date.startswith("2026"):
        assert "lowest tier" in row["note"]
    if date.startswith("2023"):
        assert "no award criteria for 2023" in row["note"]


def test_award_dated_at_data_reference_date_else_ceremony(reference: pd.DataFrame) -> None:
    out = evidence.award_evidence(
        pd.DataFrame(
            [
                award("1701", "2026-01-27", "UHC Award 2026 Pratama; BPJS data per 1 Januari 2026"),
                award("1702", "2026-01-27", "UHC Award 2026 category Madya", "C2"),
            ]
        ),
        reference,
    ).set_index("region_code")
    assert out.loc["1701", "evidence_date"] == pd.Timestamp("2026-01-01")
    assert out.loc["1701", "date_basis"] == "data reference date in the remarks"
    assert out.loc["1702", "evidence_date"] == pd.Timestamp("2026-01-27")
    assert out.loc["1702", "date_basis"].startswith("ceremony date")


def test_a_2024_award_confirms_the_2024_award_criterion_including_activity(
    reference: pd.DataFrame,
) -> None:
    commitments = pd.DataFrame([award("1701", "2024-08-08", "UHC Award 2024")])
    result = uhc_status.uhc_status(
        panel([{"region_code": "1701", "date": "2024-05-15", "coverage_pct": 90.0}]),
        commitments,
        reference,
        REGIONS,
        as_of="2024-10-01",
    )
    row = status_of(result, "1701", "uhc_award_2024")
    assert row["status"] == "confirmed"
    assert row["coverage_evidence_kind"] == "award" and row["activity_evidence_kind"] == "award"
    assert row["coverage_value_pct"] == 95.0 and row["activity_value_pct"] == 75.0
    # ... but not the 98 % of the non-cut-off scheme: a 2024 award says >= 95 only
    assert status_of(result, "1701", "uhc_non_cut_off_2023")["status"] != "confirmed"


def test_figure_contradicting_an_award_of_the_same_period_is_flagged(
    reference: pd.DataFrame,
) -> None:
    commitments = pd.DataFrame([award("1702", "2026-01-27", "UHC Award 2026 kategori Pratama")])
    p = panel(
        [
            {"region_code": "1702", "date": "2025-05-14", "coverage_pct": 97.84},
            {
                "region_code": "1702",
                "date": "2026-01-01",
                "coverage_pct": 81.85,
                "observation_id": "OKI",
            },
        ]
    )
    result = uhc_status.uhc_status(p, commitments, reference, REGIONS, as_of=AS_OF)
    flagged = result.contradictions
    assert flagged[["region_code", "figure_observation_id", "implied_min_pct"]].values.tolist() == [
        ["1702", "OKI", 98.0]
    ]
    row = status_of(result, "1702", "national_98")
    assert "contradicted" in row["reason"]


# --------------------------------------------------------------------------- statuses


def test_recent_figure_above_is_confirmed() -> None:
    p = panel([{"region_code": "1701", "date": "2026-03-15", "coverage_pct": 99.1}])
    result = uhc_status.uhc_status(p, NO_COMMITMENTS, open_ended(98), REGIONS, as_of=AS_OF)
    row = status_of(result, "1701", "national_98")
    assert row["status"] == "confirmed"
    assert row["evidence_date"] == "2026-03-15" and row["evidence_kind"] == "observed"
    assert row["evidence_age_months"] == pytest.approx(8.6, abs=0.1)
    assert row["evidence_value_pct"] == 99.1 and row["reason"]


def test_stale_region_is_stale_not_reached() -> None:
    p = panel(
        [
            {"region_code": "1701", "date": "2018-05-15", "coverage_pct": 92.0},
            {"region_code": "1701", "date": "2019-05-15", "coverage_pct": 97.0},
        ]
    )
    # a flat path around 96 %: P(>= 95 %) well below 0.8
    flat = path("1701", list(range(2018, 2031)), [96.0] * 13, spread=3.0)
    result = uhc_status.uhc_status(
        p, NO_COMMITMENTS, open_ended(95), REGIONS, paths=flat, as_of=AS_OF
    )
    row = status_of(result, "1701", "rpjmn_95")
    assert row["status"] == "stale"
    assert row["evidence_date"] == "2019-05-15" and row["evidence_age_months"] > 24
    assert 0 < row["probability_at_or_above_today"] < 0.8
    # with a path that says "surely above today", the same evidence is probably_reached
    high = path("1701", list(range(2018, 2031)), [99.0] * 13, spread=1.0)
    result = uhc_status.uhc_status(
        p, NO_COMMITMENTS, open_ended(95), REGIONS, paths=high, as_of=AS_OF
    )
    row = status_of(result, "1701", "rpjmn_95")
    assert row["status"] == "probably_reached" and row["probability_at_or_above_today"] > 0.99
    assert row["evidence_kind"] == "projection"


def test_a_later_figure_below_is_reached_earlier_latest_below() -> None:
    p = panel(
        [
            {"region_code": "1701", "date": "2021-07-15", "coverage_pct": 97.6},
            {"region_code": "1701", "date": "2026-06-15", "coverage_pct": 76.0},
        ]
    )
    result = uhc_status.uhc_status(p, NO_COMMITMENTS, open_ended(95), REGIONS, as_of=AS_OF)
    row = status_of(result, "1701", "rpjmn_95")
    assert row["status"] == "reached_earlier_latest_below"
    assert row["evidence_value_pct"] == 76.0 and "97.60 %" in row["reason"]


@pytest.mark.parametrize(
    ("median", "expected"),
    [
        ([90.0, 92.0, 94.0, 96.0, 98.0], "on_track"),  # crosses 95 in 2027.5
        ([94.0, 96.0, 98.0, 99.0, 99.5], "overdue"),  # crossed in 2025.5: already past
        ([90.0, 90.5, 91.0, 91.5, 92.0], "not_on_current_trend"),
    ],
)
def test_projection_statuses_and_no_on_track_date_in_the_past(
    median: list[float], expected: str
) -> None:
    p = panel(
        [
            {"region_code": "1701", "date": "2025-06-15", "coverage_pct": 90.5},
            {"region_code": "1701", "date": "2026-06-15", "coverage_pct": 91.0},
        ]
    )
    paths = path("1701", [2025, 2026, 2027, 2028, 2029], median, spread=0.5)
    result = uhc_status.uhc_status(
        p, NO_COMMITMENTS, open_ended(95), REGIONS, paths=paths, as_of=AS_OF
    )
    row = status_of(result, "1701", "rpjmn_95")
    assert row["status"] == expected
    if expected == "on_track":
        assert row["projected_year"] > evidence.decimal_year(dt.date(2026, 12, 2))
    if expected == "overdue":
        assert row["projected_year"] < 2026.92 and "already past" in row["reason"]
    if expected == "not_on_current_trend":
        assert math.isnan(row["projected_year"])


def test_one_own_figure_is_a_borrowed_trend() -> None:
    p = panel([{"region_code": "1703", "date": "2022-09-01", "coverage_pct": 62.4}])
    paths = path("1703", [2022, 2023, 2024, 2025, 2026, 2027], [70, 80, 88, 93, 96, 98])
    result = uhc_status.uhc_status(
        p, NO_COMMITMENTS, open_ended(95), REGIONS, paths=paths, as_of=AS_OF
    )
    row = status_of(result, "1703", "rpjmn_95")
    assert row["status"] == "borrowed_trend"
    assert row["n_own_figures"] == 1 and "province's trend" in row["reason"]


def test_activity_part_without_an_activity_figure_is_insufficient_data(
    reference: pd.DataFrame,
) -> None:
    p = panel(
        [
            {"region_code": "1701", "date": "2026-05-15", "coverage_pct": 99.0},
            {
                "region_code": "1704",
                "date": "2026-05-15",
                "coverage_pct": 99.0,
                "participants": 990.0,
                "population": 1000.0,
                "participants_status": "published",
                "population_status": "published",
            },
            {
                "region_code": "1704",
                "date": "2026-05-15",
                "coverage_pct": 85.0,
                "measure": "active",
                "participants": 850.0,
                "population": 1000.0,
                "participants_status": "published",
                "population_status": "published",
            },
        ]
    )
    result = uhc_status.uhc_status(p, NO_COMMITMENTS, reference, REGIONS, as_of=AS_OF)
    row = status_of(result, "1701", "uhc_prioritas_2025")
    assert row["status"] == "insufficient_data"
    assert row["coverage_status"] == "confirmed" and row["activity_status"] == "insufficient_data"
    assert "no activity figure" in row["reason"]
    row = status_of(result, "1704", "uhc_prioritas_2025")
    assert row["status"] == "confirmed" and row["activity_denominator"] == "resident"
    # Madya needs 85 % active: met per resident (85.0), Utama (95 %) is not
    assert status_of(result, "1704", "uhc_award_2026_madya")["status"] == "confirmed"
    utama = status_of(result, "1704", "uhc_award_2026_utama")
    assert utama["activity_status"] == "insufficient_data"  # below, and no path was given
    rates = result.activity.set_index("region_code")
    assert rates.loc["1704", "per_resident_pct"] == 85.0
    assert rates.loc["1704", "per_participant_pct"] == pytest.approx(85.0 / 0.99)
    assert rates.loc["1704", "stated_denominator"] == "resident"


def test_historic_criterion_uses_only_evidence_up_to_its_last_day() -> None:
    p = panel(
        [
            {"region_code": "1701", "date": "2023-05-15", "coverage_pct": 90.0},
            {"region_code": "1701", "date": "2025-05-15", "coverage_pct": 99.0},
        ]
    )
    result = uhc_status.uhc_status(
        p, NO_COMMITMENTS, criteria.fixed_criteria((95,)), REGIONS, as_of=AS_OF
    )
    row = status_of(result, "1701", "rpjmn_95")
    assert row["evaluated_at"] == "2024-12-31" and not row["in_force"]
    assert row["status"] != "confirmed" and row["evidence_date"] == "2023-05-15"


def test_every_focus_region_gets_a_row_and_others_none() -> None:
    p = panel([{"region_code": "1701", "date": "2026-03-15", "coverage_pct": 99.1}])
    result = uhc_status.uhc_status(p, NO_COMMITMENTS, open_ended(98), REGIONS, as_of=AS_OF)
    assert result.status["region_code"].tolist() == ["17", "1701", "1702", "1703", "1704"]
    assert result.status["status"].isin(uhc_status.STATUSES).all()
    assert result.status["reason"].ne("").all()


def test_probability_matches_a_normal_band() -> None:
    band = path("1701", [2026], [96.0], spread=2.0)
    for threshold in (92.0, 95.0, 96.0, 98.0, 99.0):
        expected = stats.norm.sf(threshold, loc=96.0, scale=2.0)
        got = evidence.probability_at_or_above(band, 2026.0, threshold)
        assert got == pytest.approx(expected, abs=0.01)
    assert math.isnan(evidence.probability_at_or_above(band, 2030.0, 95.0))


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="activity_denominator"):
        uhc_status.StatusSettings(activity_denominator="household")


# --------------------------------------------------------------------------- corrections


def test_corrections_log_and_refusal() -> None:
    rows = pd.DataFrame(
        {
            "_file": ["s/enrolment.csv", "s/enrolment.csv"],
            "_line": [18, 19],
            "measure": ["registered", "registered"],
        }
    )
    fix = pd.DataFrame(
        {
            "file": ["s/enrolment.csv", "other/enrolment.csv"],
            "line": [19, 2],
            "column": ["measure", "measure"],
            "old_value": ["registered", "registered"],
            "new_value": ["active", "active"],
            "reason": ["source says 'tingkat keaktifan'", "x"],
            "url": ["https://x.example", "https://y.example"],
            "reviewer": ["me", "me"],
        }
    )
    new, log = corrections.apply_corrections(rows, fix)
    assert new["measure"].tolist() == ["registered", "active"]
    assert log[["file", "line"]].values.tolist() == [["s/enrolment.csv", 19]]
    with pytest.raises(corrections.CorrectionError, match="never applied.*other/enrolment.csv:2"):
        corrections.check_all_applied(fix, log)
    with pytest.raises(corrections.CorrectionError, match="no readable raw row"):
        corrections.apply_corrections(rows, fix.assign(line=[40, 2]))


def test_corrections_table_is_checked(tmp_path: Path) -> None:
    header = ",".join(ingest_corrections.CORRECTION_COLUMNS)
    p = tmp_path / "c.csv"
    p.write_text(header + "\nsumsel/enrolment.csv,18,measure,registered,active,,https://x,me\n")
    with pytest.raises(ingest_corrections.CorrectionsError, match="line 2: column 'reason'"):
        ingest_corrections.load_corrections(p)
    p.write_text(header + "\nsumsel/enrolment.csv,1,measure,registered,active,r,https://x,me\n")
    with pytest.raises(ingest_corrections.CorrectionsError, match="column 'line': value '1'"):
        ingest_corrections.load_corrections(p)
    shipped = ingest_corrections.load_corrections()
    assert list(shipped.columns) == list(ingest_corrections.CORRECTION_COLUMNS)


def test_activity_rate_per_participant_needs_a_near_registered_count() -> None:
    p = panel(
        [
            {
                "region_code": "1701",
                "date": "2025-05-15",
                "coverage_pct": 80.0,
                "measure": "active",
                "participants": 800.0,
                "population": 1000.0,
                "participants_status": "published",
            },
            {
                "region_code": "1701",
                "date": "2024-01-15",
                "coverage_pct": 97.0,
                "participants": 970.0,
                "participants_status": "published",
            },
        ]
    )
    out = activity.activity_rates(p)
    assert math.isnan(out.loc[0, "per_participant_pct"])  # 16 months apart
    out = activity.activity_rates(p, match_months=18)
    assert out.loc[0, "per_participant_pct"] == pytest.approx(100 * 800 / 970)


def test_severity_orders_exactly_the_schema_statuses() -> None:
    assert sorted(uhc_status.SEVERITY) == sorted(uhc_status.STATUSES)
