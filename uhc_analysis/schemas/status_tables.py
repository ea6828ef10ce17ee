"""The pandera models of the UHC-status tables (written by ``uhc-analysis status``).

Examples
--------
>>> UhcStatusSchema.Config.unique
['region_code', 'criterion_id']
"""

from __future__ import annotations

import pandera.pandas as pa

from uhc_analysis.schemas.fields import (
    _PROVINCE_CODE,
    _REGION_CODE,
    LEVELS,
    MEASURES,
    Date,
    Flag,
    Float,
    Int,
    Text,
    _matches,
    _number,
    _one_of,
    _Table,
)

#: The status vocabulary (see :mod:`uhc_analysis.analysis.uhc_status`).
UHC_STATUSES: tuple[str, ...] = (
    "confirmed",
    "reached_earlier_latest_below",
    "probably_reached",
    "stale",
    "overdue",
    "on_track",
    "borrowed_trend",
    "not_on_current_trend",
    "insufficient_data",
)
_PART_STATUSES: tuple[str, ...] = (*UHC_STATUSES, "")


class UhcCriteriaSchema(_Table):
    """``uhc_criteria.csv``: the reviewed criteria, one row per source row (plus fixed targets)."""

    criterion_id: Text
    scheme: Text
    tier: Text
    valid_from: Int = pa.Field(nullable=True)
    valid_to: Int = pa.Field(nullable=True)
    min_coverage_pct: Float = _number(ge=0)
    min_active_pct: Float = _number(ge=0)
    other_conditions: Text
    source: Text
    published: Text
    publisher: Text
    url: Text
    remarks: Text
    conflict: Flag
    conflict_fields: Text
    used: Flag
    decision: Text

    class Config:
        unique = ["criterion_id", "source"]


class UhcStatusSchema(_Table):
    """``uhc_status.csv``: every focus region x criterion, with its evidence and its age."""

    region_code: Text = _matches(_REGION_CODE)
    region_name: Text
    region_level: Text = _one_of(LEVELS)
    province_code: Text = _matches(_PROVINCE_CODE)
    criterion_id: Text
    scheme: Text
    tier: Text
    min_coverage_pct: Float = _number(ge=0)
    min_active_pct: Float = _number(ge=0)
    in_force: Flag
    evaluated_at: Text
    status: Text = _one_of(UHC_STATUSES)
    probability_at_or_above_today: Float = _number(ge=0)
    probability_of: Text
    evidence_date: Text
    evidence_kind: Text
    evidence_age_months: Float = _number()
    #: The evidence age rule: ``confirmed`` needs evidence at most this old.
    recent_months: Float = _number(ge=0, nullable=False)
    evidence_value_pct: Float = _number(ge=0)
    evidence_measure: Text
    evidence_observation_id: Text
    reason: Text
    coverage_status: Text = _one_of(_PART_STATUSES)
    coverage_evidence_date: Text
    coverage_evidence_kind: Text
    coverage_value_pct: Float = _number(ge=0)
    activity_status: Text = _one_of(_PART_STATUSES)
    activity_evidence_date: Text
    activity_evidence_kind: Text
    activity_value_pct: Float = _number(ge=0)
    activity_denominator: Text
    projected_year: Float = _number()
    projected_year_lo80: Float = _number()
    projected_year_hi80: Float = _number()
    projection_model: Text
    n_own_figures: Int = pa.Field(ge=0)
    not_evaluated: Text

    class Config:
        unique = ["region_code", "criterion_id"]


class UhcContradictionsSchema(_Table):
    """``uhc_contradictions.csv``: figures below what an award of the same period implies."""

    region_code: Text = _matches(_REGION_CODE)
    region_name: Text
    measure: Text = _one_of(MEASURES)
    figure_observation_id: Text
    figure_date: Text
    figure_pct: Float = _number(ge=0, nullable=False)
    award_observation_id: Text
    award_year: Int
    award_tier: Text
    award_evidence_date: Text
    implied_min_pct: Float = _number(ge=0, nullable=False)
    gap_pp: Float = _number(nullable=False)
    days_apart: Float = _number(nullable=False)
    note: Text

    class Config:
        unique = ["figure_observation_id", "award_observation_id"]


class AwardEvidenceSchema(_Table):
    """``award_evidence.csv``: each UHC award read with the criteria of its own year."""

    region_code: Text = _matches(_REGION_CODE)
    observation_id: Text
    award_year: Int
    tier: Text
    criterion_id: Text
    min_coverage_pct: Float = _number(ge=0, nullable=False)
    min_active_pct: Float = _number(ge=0)
    ceremony_date: Date
    evidence_date: Date
    date_basis: Text
    note: Text
    urls: Text

    class Config:
        unique = ["observation_id"]


class ActivityRatesSchema(_Table):
    """``activity_rates.csv``: active participants per resident and per registered participant."""

    region_code: Text = _matches(_REGION_CODE)
    region_name: Text
    region_level: Text = _one_of(LEVELS)
    province_code: Text = _matches(_PROVINCE_CODE)
    period: Text
    date: Date
    observation_id: Text
    active_participants: Float = _number(ge=0)
    active_participants_status: Text
    population: Float = _number(ge=0)
    published_pct: Float = _number(ge=0)
    per_resident_pct: Float = _number(ge=0)
    per_resident_basis: Text
    registered_observation_id: Text
    registered_date: Date = pa.Field(nullable=True)
    registered_participants: Float = _number(ge=0)
    registered_participants_status: Text
    days_apart: Float = _number()
    per_participant_pct: Float = _number(ge=0)
    stated_denominator: Text
    lower_bound: Flag
    urls: Text

    class Config:
        unique = ["observation_id"]
