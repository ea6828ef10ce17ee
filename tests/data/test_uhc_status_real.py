"""The UHC status table on the real data: every region, every criterion, evidence and reason.

A small driver builds the processed tables and projections into a temporary
folder (``pipeline.build`` and ``pipeline.project``), reads them back with
``uhc_analysis.io.read_table`` and evaluates the criteria of
``data/raw/national/uhc_criteria.csv`` (or, in a checkout where that copy is
not made yet, the same file in ``../shared/data/facts``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from uhc_analysis import config, pipeline
from uhc_analysis.analysis import uhc_status
from uhc_analysis.analysis.evidence import decimal_year
from uhc_analysis.ingest import criteria
from uhc_analysis.ingest.corrections import load_corrections
from uhc_analysis.ingest.raw import discover_raw_files, file_kind, read_raw_file
from uhc_analysis.io import read_table
from uhc_analysis.transform.corrections import (
    CorrectionError,
    apply_corrections,
    check_all_applied,
)

AS_OF = "2026-12-02"
FACTS_CRITERIA = config.PROJECT_ROOT.parent / "shared/data/facts/national/uhc_criteria.csv"


def criteria_file() -> Path:
    for path in (criteria.CRITERIA_CSV, FACTS_CRITERIA):
        if path.is_file():
            return path
    pytest.skip(f"no criteria file at {criteria.CRITERIA_CSV} or {FACTS_CRITERIA}")


@pytest.fixture(scope="module")
def processed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("processed")
    pipeline.build(out_dir=out, verbose=False)
    pipeline.project(out, as_of=AS_OF)
    return out


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return criteria.load_criteria(criteria_file())


@pytest.fixture(scope="module")
def result(processed: Path, reference: pd.DataFrame) -> uhc_status.StatusResult:
    return uhc_status.uhc_status(
        read_table("coverage_panel", processed),
        read_table("commitments", processed),
        reference,
        read_table("regions", processed),
        read_table("time_to_uhc", processed),
        read_table("projection_paths", processed),
        as_of=AS_OF,
    )


def test_raw_copy_of_criteria_is_byte_identical() -> None:
    if not (criteria.CRITERIA_CSV.is_file() and FACTS_CRITERIA.is_file()):
        pytest.skip("needs both data/raw/national/uhc_criteria.csv and shared/data/facts")
    assert criteria.CRITERIA_CSV.read_bytes() == FACTS_CRITERIA.read_bytes()


def test_real_criteria_table(reference: pd.DataFrame) -> None:
    ids = criteria.criteria_in_force(reference, AS_OF)["criterion_id"].tolist()
    assert ids == [
        "uhc_award_2026_pratama",
        "uhc_award_2026_madya",
        "uhc_award_2026_utama",
        "uhc_prioritas_2025",
        "national_98",
        "full_100",
    ]
    madya = reference.loc[reference["criterion_id"].eq("uhc_award_2026_madya")]
    assert madya["conflict"].all() and madya.loc[madya["used"], "min_active_pct"].tolist() == [85]


def test_every_region_has_a_status_for_every_criterion(
    result: uhc_status.StatusResult,
) -> None:
    st = result.status
    assert st["region_code"].nunique() == 40
    assert set(st.loc[st["region_level"].eq("province"), "region_code"]) == {"16", "17", "64"}
    evaluated = set(result.criteria["criterion_id"])
    assert {"rpjmn_95", "national_98", "uhc_prioritas_2025", "uhc_award_2026_utama"} <= evaluated
    assert len(st) == 40 * len(evaluated)
    assert not st.duplicated(["region_code", "criterion_id"]).any()
    assert st["status"].isin(uhc_status.STATUSES).all()
    assert st["reason"].str.len().gt(20).all()
    # an evidence date on every row, except where there is no evidence at all yet
    missing = st.loc[st["evidence_date"].eq("")]
    # (or only a path: the pooled trend of regions with figures)
    assert missing["status"].isin(["insufficient_data", "borrowed_trend"]).all()
    assert missing["reason"].str.contains("no registered coverage figure or award").all()
    assert len(missing) <= 3  # Ogan Komering Ulu Timur before its first figure (2025)
    in_force = st.loc[st["in_force"]]
    assert in_force["evidence_date"].ne("").all()


def test_no_on_track_row_has_a_projected_date_in_the_past(
    result: uhc_status.StatusResult,
) -> None:
    track = result.status.loc[result.status["status"].eq("on_track")]
    assert (track["projected_year"] > decimal_year(pd.Timestamp(AS_OF))).all()


def test_oki_january_2026_figure_is_flagged_against_its_2026_award(
    result: uhc_status.StatusResult,
) -> None:
    c = result.contradictions
    oki = c.loc[c["region_code"].eq("1602") & c["measure"].eq("registered")]
    assert len(oki) == 1
    row = oki.iloc[0]
    assert (row["figure_date"], row["figure_pct"]) == ("2026-01-01", 81.85)
    assert (row["award_year"], row["award_tier"], row["implied_min_pct"]) == (2026, "pratama", 98)
    status = result.status.set_index(["region_code", "criterion_id"])
    assert "81.85" in status.loc[("1602", "national_98"), "reason"]


def test_awards_follow_their_years_criteria(result: uhc_status.StatusResult) -> None:
    aw = result.awards
    assert aw.loc[aw["award_year"].eq(2024), "min_active_pct"].eq(75).all()
    assert aw.loc[aw["award_year"].le(2023), "min_coverage_pct"].eq(95).all()
    tiers = aw.loc[aw["award_year"].eq(2026)].groupby("tier")["min_coverage_pct"].first()
    assert tiers.to_dict() == {"madya": 98, "pratama": 98, "utama": 99}


def test_activity_rates_are_labelled_by_denominator(result: uhc_status.StatusResult) -> None:
    a = result.activity.set_index("observation_id")
    kukar = a.loc[a["region_code"].eq("6403")].iloc[0]
    assert kukar["per_resident_pct"] == pytest.approx(78.59)
    assert kukar["per_participant_pct"] == pytest.approx(100 * 619360 / 816220)
    assert kukar["stated_denominator"] == "resident"


# --------------------------------------------------------------------------- corrections


def _raw_files() -> list[pd.DataFrame]:
    """The rows of every raw figure file, one frame per file (as the cleaning stage reads them)."""
    files = [f for f in discover_raw_files(config.DATA_RAW) if _is_figure_file(f)]
    return [read_raw_file(f, config.DATA_RAW).rows for f in files]


def _is_figure_file(path: Path) -> bool:
    try:
        file_kind(path)
    except ValueError:
        return False
    return True


def test_shipped_corrections_apply_to_the_real_raw_rows() -> None:
    shipped = load_corrections()
    logs = []
    for rows in _raw_files():
        new, log = apply_corrections(rows, shipped)
        assert new.shape == rows.shape and new["_line"].equals(rows["_line"])
        logs.append(log)
    log = pd.concat(logs, ignore_index=True)
    check_all_applied(shipped, log)
    assert len(log) == len(shipped)


def test_a_measure_correction_on_the_real_oki_row() -> None:
    (rows,) = [r for r in _raw_files() if r["_file"].eq("sumsel/enrolment.csv").all()]
    line = rows.loc[
        rows["_file"].eq("sumsel/enrolment.csv")
        & rows["region_code"].eq("1602")
        & rows["coverage_pct"].eq("81.85"),
        "_line",
    ].tolist()
    assert len(line) == 2  # Mattanews and Pelopor Sumatera
    fix = pd.DataFrame(
        {
            "file": ["sumsel/enrolment.csv"],
            "line": [line[0]],
            "column": ["measure"],
            "old_value": ["registered"],
            "new_value": ["active"],
            "reason": ["test only"],
            "url": ["https://example.org"],
            "reviewer": ["test"],
        }
    )
    new, log = apply_corrections(rows, fix)
    changed = new.loc[new["measure"].ne(rows["measure"])]
    assert changed[["_file", "_line", "measure"]].values.tolist() == [
        ["sumsel/enrolment.csv", line[0], "active"]
    ]
    assert len(log) == 1
    with pytest.raises(CorrectionError, match="holds 'registered', not the corrected 'survey'"):
        apply_corrections(rows, fix.assign(old_value="survey"))


def test_joint_criteria_rest_on_joint_paths_and_time_to_uhc_has_every_target(
    processed: Path, result: uhc_status.StatusResult
) -> None:
    st = result.status
    prioritas = st.loc[st["criterion_id"].eq("uhc_prioritas_2025")]
    assert prioritas["probability_of"].eq("coverage and activity (joint simulated paths)").all()
    assert prioritas["probability_at_or_above_today"].between(0, 1).all()
    # activity has paths now: no activity part is left without a status for want of one
    assert not st["activity_status"].eq("insufficient_data").any()
    t = read_table("time_to_uhc", processed)
    assert t["region_code"].nunique() == 40
    assert "registered >= 98 and active >= 80" in set(t["target"])
    assert not t.duplicated(["region_code", "target"]).any()
    # a crossing is never dated before the latest figure below the threshold
    pending = t.loc[t["status"].isin(["on_track", "overdue"]) & t["not_before"].notna()]
    assert (pending["year_reached_lo80"] >= pending["not_before"] - 1e-9).all()
    future = t.loc[t["status"].eq("on_track")]
    assert (future["year_reached"] > 2026.9).all()


@pytest.mark.slow
def test_projections_do_not_depend_on_the_slice_asked_for(processed_data: Path) -> None:
    """The model is fitted on every focus province; ``regions=``/``provinces=`` only select."""
    from uhc_analysis.analysis.forecast import ForecastSettings, project
    from uhc_analysis.io import read_table

    panel = read_table("coverage_panel", processed_data)
    commitments = read_table("commitments", processed_data)
    kw = {"as_of": "2026-12-02", "settings": ForecastSettings(n_draws=400)}
    full, full_paths = project(panel, commitments, **kw)
    one, one_paths = project(panel, commitments, regions=["1703"], **kw)
    prov, _ = project(panel, commitments, provinces=["17"], **kw)

    def pick(frame: pd.DataFrame, code: str = "1703") -> pd.DataFrame:
        return frame.loc[frame["region_code"].eq(code)].reset_index(drop=True)

    assert len(one) and pick(full).equals(one.reset_index(drop=True))
    assert pick(full_paths).equals(one_paths.reset_index(drop=True))
    assert pick(prov).equals(one.reset_index(drop=True))
    assert set(prov["region_code"].str[:2]) == {"17"}
    with pytest.raises(ValueError, match="regions: 9999 has no projection"):
        project(panel, commitments, regions=["9999"], **kw)
