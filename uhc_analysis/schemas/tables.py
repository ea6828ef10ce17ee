"""The pandera models of every raw and processed table (rules in :mod:`uhc_analysis.schemas`).

Examples
--------
>>> list(ObservationSourcesSchema.to_schema().columns)
['observation_id', 'source_id']
"""

from __future__ import annotations

import pandera.pandas as pa

from uhc_analysis.schemas.fields import (
    _OPTIONAL_PERIOD,
    _PERIOD,
    _PROVINCE_CODE,
    _REGION_CODE,
    _SOURCE_ID,
    _URL,
    BASIS_FAMILIES,
    COMMITMENT_KINDS,
    COVERAGE_STATUSES,
    FILE_KINDS,
    LEVELS,
    MEASURES,
    METRIC_STATUSES,
    PANEL_BASES,
    PARTICIPANTS_STATUSES,
    POPULATION_BASES,
    POPULATION_STATUSES,
    PRECISIONS,
    PROJECTION_MODELS,
    PROJECTION_STATUSES,
    RAW_ROW_ROLES,
    REGION_KINDS,
    SERIES_STATUSES,
    Date,
    Flag,
    Float,
    Int,
    Text,
    _count,
    _matches,
    _number,
    _observation_id,
    _one_of,
    _Table,
)

# --------------------------------------------------------------------------- raw tables


class _RawRow(_Table):
    """Where a raw row comes from, and the region columns every raw file starts with."""

    file_: Text = pa.Field(alias="_file")
    line_: Int = pa.Field(alias="_line", ge=1)
    region_level: Text
    province_code: Text
    region_code: Text
    region_name_reported: Text

    class Config:
        unique = ["_file", "_line"]


class RawEnrolmentSchema(_RawRow):
    """Rows of a raw ``enrolment*.csv`` as read (every cell text, stripped)."""

    period: Text
    enrolled: Text
    coverage_pct: Text
    measure: Text
    population: Text
    population_basis: Text
    published: Text
    publisher: Text
    url: Text
    remarks: Text


class RawPopulationSchema(_RawRow):
    """Rows of a raw ``population*.csv`` as read."""

    period: Text
    population: Text
    basis: Text
    published: Text
    publisher: Text
    url: Text
    remarks: Text


class RawCommitmentsSchema(_RawRow):
    """Rows of a raw ``commitments*.csv`` as read."""

    date: Text
    kind: Text
    target_pct: Text
    target_date: Text
    budget_idr: Text
    people_funded: Text
    segment: Text
    published: Text
    publisher: Text
    url: Text
    remarks: Text


# --------------------------------------------------------------------------- cleaned tables


class _Region(_Table):
    """The region columns analysis tables start with."""

    region_code: Text = _matches(_REGION_CODE)
    region_name: Text
    region_level: Text = _one_of(LEVELS)
    province_code: Text = _matches(_PROVINCE_CODE)


class _Observation(_Table):
    """The columns observation tables start with: id, region, period and its date."""

    observation_id: Text = _matches(r"^[EPC]-")
    region_code: Text = _matches(_REGION_CODE)
    region_name: Text
    region_level: Text = _one_of(LEVELS)
    province_code: Text = _matches(_PROVINCE_CODE)
    period: Text = _matches(_PERIOD)
    period_precision: Text = _one_of(PRECISIONS)
    date: Date


class RegionsSchema(_Table):
    """``regions.csv``: the gazetteer (:func:`uhc_analysis.ingest.regions.load_regions`)."""

    bps_code: Text = _matches(r"^\d{2}(\d{2})?$")
    kemendagri_code: Text = _matches(r"^\d{2}(\.\d{2})?$", nullable=True)
    name: Text = pa.Field(str_length={"min_value": 1})
    kind: Text = _one_of(REGION_KINDS)
    province_code: Text = _matches(r"^\d{2}$")
    province_name: Text
    formed_year: Int = pa.Field(nullable=True, ge=1945, le=2100)
    split_from: Text = _matches(r"^\d{2}(\d{2})?$", nullable=True)

    class Config:
        unique = ["bps_code"]


class SourcesSchema(_Table):
    """``sources.csv``: one row per source URL (``files``: a ';'-joined list, for people)."""

    source_id: Text = _matches(_SOURCE_ID)
    url: Text = _matches(_URL)
    publisher: Text
    published: Text = _matches(_OPTIONAL_PERIOD)
    n_figures: Int = _count(ge=1)
    files: Text

    class Config:
        unique = ["source_id"]


class EnrolmentSchema(_Observation):
    """``enrolment.csv``: one row per observation (a figure, with all its sources).

    ``n_sources``, ``source_ids``, ``urls`` and ``raw_refs`` are for people
    reading the file; code uses the link tables ``observation_sources`` and
    ``observation_raw_rows``.
    """

    observation_id: Text = _observation_id("E")
    measure: Text = _one_of(MEASURES)
    enrolled: Float = _number(ge=0)
    coverage_pct: Float = _number(ge=0)
    population: Float = _number(ge=0)
    population_basis: Text = _one_of(("", *POPULATION_BASES))
    lower_bound: Flag
    rounded: Flag
    over_120: Flag
    conflict_group: Text
    use_in_analysis: Flag
    n_sources: Int = _count(ge=1)
    source_ids: Text
    urls: Text
    raw_refs: Text
    remarks: Text

    class Config:
        unique = ["observation_id"]


class PopulationSchema(_Observation):
    """``population.csv``: one row per population observation."""

    observation_id: Text = _observation_id("P")
    population: Float = _number(ge=0, nullable=False)
    basis: Text = _one_of(POPULATION_BASES)
    basis_family: Text = _one_of(BASIS_FAMILIES)
    rounded: Flag
    conflict_group: Text
    use_in_analysis: Flag
    n_sources: Int = _count(ge=1)
    source_ids: Text
    urls: Text
    raw_refs: Text
    remarks: Text

    class Config:
        unique = ["observation_id"]


class CommitmentsSchema(_Observation):
    """``commitments.csv``: awards, budgets, MoUs and targets, one row per observation."""

    observation_id: Text = _observation_id("C")
    kind: Text = _one_of(COMMITMENT_KINDS)
    target_pct: Float = _number(ge=0)
    target_date: Text = _matches(_OPTIONAL_PERIOD)
    budget_idr: Float = _number(ge=0)
    people_funded: Float = _number(ge=0)
    segment: Text
    n_sources: Int = _count(ge=1)
    source_ids: Text
    urls: Text
    raw_refs: Text
    remarks: Text

    class Config:
        unique = ["observation_id"]


class RejectsSchema(_Table):
    """``rejects.csv``: one row per raw row that is not data, with the reason."""

    file: Text
    line: Int = _count(ge=1)
    column: Text
    value: Text
    reason: Text = pa.Field(str_length={"min_value": 1})

    class Config:
        unique = ["file", "line"]


class FootnotesSchema(_Table):
    """``footnotes.csv``: a footnote mark printed after a raw figure (``249711¹``).

    The mark is split off the number (never read as a digit); the row of the
    figure is kept, and this table says which cell carried which mark.
    """

    file: Text
    line: Int = _count(ge=1)
    column: Text
    value: Text
    mark: Text = pa.Field(str_length={"min_value": 1})

    class Config:
        unique = ["file", "line", "column"]


class AccountingSchema(_Table):
    """``accounting.csv``: per raw file, rows read = kept + merged + rejected."""

    file: Text
    kind: Text = _one_of(FILE_KINDS)
    read: Int = _count()
    kept: Int = _count()
    merged: Int = _count()
    rejected: Int = _count()
    balanced: Flag

    class Config:
        unique = ["file"]


class RawManifestSchema(_Table):
    """``raw_manifest.csv``: the raw files a build read, with their checksums."""

    file: Text
    kind: Text = _one_of(FILE_KINDS)
    sha256: Text = _matches(r"^[0-9a-f]{64}$")
    rows: Int = _count()

    class Config:
        unique = ["file"]


# --------------------------------------------------------------------------- link tables


class ObservationSourcesSchema(_Table):
    """``observation_sources.csv``: which sources state each observation (E-, P-, C-)."""

    observation_id: Text = _matches(r"^[EPC]-")
    source_id: Text = _matches(_SOURCE_ID)

    class Config:
        unique = ["observation_id", "source_id"]


class ObservationRawRowsSchema(_Table):
    """``observation_raw_rows.csv``: the raw rows behind each observation.

    ``kept``: the row the observation was started from; ``merged``: another
    source of the same figure. With ``rejects`` this accounts for every raw row.
    """

    observation_id: Text = _matches(r"^[EPC]-")
    file: Text
    line: Int = _count(ge=1)
    role: Text = _one_of(RAW_ROW_ROLES)

    class Config:
        unique = ["file", "line"]


class PanelPopulationSchema(_Table):
    """``panel_population.csv``: the population observations behind a panel denominator."""

    observation_id: Text = _observation_id("E")
    basis: Text = _one_of(PANEL_BASES[1:])
    population_id: Text = _observation_id("P")

    class Config:
        unique = ["observation_id", "basis", "population_id"]


class PopulationSeriesObservationsSchema(_Table):
    """``population_series_observations.csv``: the observations behind each series value."""

    region_code: Text = _matches(_REGION_CODE)
    basis: Text = _one_of(PANEL_BASES[1:])
    date: Date
    population_id: Text = _observation_id("P")

    class Config:
        unique = ["region_code", "basis", "date", "population_id"]


# --------------------------------------------------------------------------- panel and series


class PanelSchema(_Region):
    """``coverage_panel.csv``: one row per enrolment observation x basis.

    ``basis`` is ``published`` (the source's own denominator, whatever it was),
    ``dukcapil`` or ``bps``. ``population_ids``, ``source_ids`` and ``urls``
    are for people; code uses ``panel_population`` and ``observation_sources``.
    """

    period: Text = _matches(_PERIOD)
    period_precision: Text = _one_of(PRECISIONS)
    date: Date
    decimal_year: Float = pa.Field(ge=1900, le=2101, nullable=False)
    measure: Text = _one_of(MEASURES)
    basis: Text = _one_of(PANEL_BASES)
    participants: Float = _number(ge=0)
    population: Float = _number(ge=0)
    coverage_pct: Float = _number(ge=0)
    participants_status: Text = _one_of(PARTICIPANTS_STATUSES)
    population_status: Text = _one_of(POPULATION_STATUSES)
    coverage_status: Text = _one_of(COVERAGE_STATUSES)
    published_coverage_pct: Float = _number(ge=0)
    lower_bound: Flag
    rounded: Flag
    over_100: Flag
    observation_id: Text = _observation_id("E")
    population_ids: Text
    source_ids: Text
    urls: Text

    class Config:
        unique = ["observation_id", "basis"]


class PopulationSeriesSchema(_Region):
    """``population_series.csv``: yearly (1 July) and published population per basis family."""

    basis: Text = _one_of(PANEL_BASES[1:])
    date: Date
    population: Float = _number(ge=0, nullable=False)
    population_status: Text = _one_of(SERIES_STATUSES)
    population_ids: Text

    class Config:
        unique = ["region_code", "basis", "date"]


# --------------------------------------------------------------------------- analysis tables


class MetricsSchema(_Region):
    """``metrics.csv``: one row per region x measure x basis x threshold, at the latest figure.

    A region without any figure by the evaluation date has status ``no_figure``
    and empty values; ``figure_age_months`` is the age of the figure used at
    ``evaluated_at``.
    """

    measure: Text = _one_of(MEASURES)
    basis: Text = _one_of(PANEL_BASES)
    period: Text = _matches(_OPTIONAL_PERIOD)
    date: Date = pa.Field(nullable=True)
    evaluated_at: Date
    figure_age_months: Float = _number(ge=0)
    coverage_pct: Float = _number(ge=0)
    population: Float = _number(ge=0)
    participants: Float = _number(ge=0)
    threshold: Float = _number(ge=0, nullable=False)
    status: Text = _one_of(METRIC_STATUSES)
    gap_people: Float = _number(ge=0)
    contribution_idr_month: Int = _count(nullable=True, ge=1)
    budget_idr_year: Float = _number(ge=0)
    rank_in_province: Int = _count(nullable=True, ge=1)
    n_ranked_in_province: Int = _count(nullable=True, ge=1)
    first_period_at_or_above: Text = _matches(_OPTIONAL_PERIOD)
    lower_bound: Flag
    source_ids: Text
    urls: Text

    class Config:
        unique = ["region_code", "measure", "basis", "threshold"]


class BudgetCheckSchema(_Table):
    """``budget_check.csv``: published budget lines as a cost per person, against the rate."""

    observation_id: Text = _observation_id("C")
    region_code: Text = _matches(_REGION_CODE)
    region_name: Text
    period: Text = _matches(_PERIOD)
    segment: Text
    budget_idr: Float = _number(ge=0, nullable=False)
    people_funded: Float = _number(ge=0, nullable=False)
    idr_per_person_year: Float = _number(ge=0, nullable=False)
    idr_per_person_month: Float = _number(ge=0, nullable=False)
    rate_in_force_month: Int = _count(ge=1)
    full_year_at_rate_idr: Float = _number(ge=0, nullable=False)
    months_covered: Float = _number(ge=0, nullable=False)
    urls: Text

    class Config:
        unique = ["observation_id"]


class ProjectionsSchema(_Region):
    """``projections.csv``: one row per region x threshold."""

    threshold: Float = _number(ge=0, nullable=False)
    model: Text = _one_of(PROJECTION_MODELS)
    status: Text = _one_of(PROJECTION_STATUSES)
    reason: Text = pa.Field(str_length={"min_value": 1})
    first_period_reached: Text = _matches(_OPTIONAL_PERIOD)
    year_reached: Float = _number()
    year_reached_lo80: Float = _number()
    year_reached_hi80: Float = _number()
    year_reached_lo95: Float = _number()
    year_reached_hi95: Float = _number()
    n_obs: Int = _count()
    first_year: Float = _number()
    last_year: Float = _number()
    latest_coverage_pct: Float = _number(ge=0)
    years_to_uhc: Float = _number()

    class Config:
        unique = ["region_code", "threshold"]


class ProjectionPathsSchema(_Table):
    """``projection_paths.csv``: the default model's path per region x measure x year.

    ``median`` (also ``coverage_pct``) and the 80/95 % bands of a published
    figure at ``year`` (decimal, step a quarter); ``cap`` is the cap rule's
    ceiling on the median; ``borrowed_trend`` marks paths that are the
    province's (fewer than two own figures).
    """

    region_code: Text = _matches(_REGION_CODE)
    measure: Text = _one_of(("registered", "active"))
    model: Text = _one_of(PROJECTION_MODELS)
    year: Float = _number(nullable=False)
    median: Float = _number(ge=0)
    coverage_pct: Float = _number(ge=0)
    lo80: Float = _number(ge=0)
    hi80: Float = _number(ge=0)
    lo95: Float = _number(ge=0)
    hi95: Float = _number(ge=0)
    cap: Float = _number(ge=0)
    borrowed_trend: Flag

    class Config:
        unique = ["region_code", "measure", "model", "year"]
