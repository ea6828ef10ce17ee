"""The tables of the package, declared once as pandera models.

Every raw table (a file of ``data/raw`` as :func:`uhc_analysis.ingest.raw.read_raw_file`
returns it) and every processed table (a file of ``data/processed``) has a
:class:`pandera.pandas.DataFrameModel` here: its columns in order, their
dtypes, nullability, allowed values and ranges, and its primary key
(``Config.unique``, also listed in :data:`PRIMARY_KEYS` and checked unique).
The vocabularies (allowed values) are in
:mod:`uhc_analysis.schemas.fields`, the models in
:mod:`uhc_analysis.schemas.tables`; both are re-exported here. Each stage
validates what it returns with :func:`validate`, and
:mod:`uhc_analysis.io` validates every table it writes and reads back the
declared dtypes, so a frame in memory and the same table read from disk are
equal.

Dtypes (one convention for every table):

* text: pandas ``str`` (pandas' default string dtype). Codes stay text with
  their leading digits (``"1706"``, ``"0101"``) and periods stay as written
  (``"2024-08"``). A CSV cannot tell an empty cell from a missing one, so
  text columns are non-nullable and hold ``""`` where there is nothing, except
  the few declared ``nullable`` (e.g. ``split_from``), which hold a missing
  value instead;
* whole numbers: ``Int64`` (nullable), e.g. ``rank_in_province``, ``line``;
* measurements: ``float64`` (NaN where unknown); coverage is ``>= 0`` and never
  capped at 100;
* flags: ``bool``, never missing;
* ``date`` columns (the reference date of a figure): ``datetime64[ns]``.

Examples
--------
>>> PRIMARY_KEYS["coverage_panel"]
('observation_id', 'basis')
>>> PANEL[:3]
('region_code', 'region_name', 'region_level')
>>> import pandas as pd
>>> frame = pd.DataFrame({"observation_id": ["E-17-2024-1"], "source_id": ["S6d3cc6f0c7"]})
>>> (validate(frame, "observation_sources").dtypes == "str").all()
np.True_
>>> validate(frame.assign(source_id="x"), "observation_sources")
Traceback (most recent call last):
...
uhc_analysis.schemas.SchemaError: table 'observation_sources': column 'source_id' \
fails text_matches(pattern=^S[0-9a-f]{10}$) (1 rows): ['x']
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd
import pandera.pandas as pa

from uhc_analysis.schemas.correction_tables import CorrectionsAppliedSchema
from uhc_analysis.schemas.fields import (
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
)
from uhc_analysis.schemas.forecast_tables import (
    CROSSING_STATUSES,
    BacktestPredictionsSchema,
    BacktestScoresSchema,
    TimeToUhcSchema,
)
from uhc_analysis.schemas.status_tables import (
    UHC_STATUSES,
    ActivityRatesSchema,
    AwardEvidenceSchema,
    UhcContradictionsSchema,
    UhcCriteriaSchema,
    UhcStatusSchema,
)
from uhc_analysis.schemas.tables import (
    AccountingSchema,
    BudgetCheckSchema,
    CommitmentsSchema,
    EnrolmentSchema,
    FootnotesSchema,
    MetricsSchema,
    ObservationRawRowsSchema,
    ObservationSourcesSchema,
    PanelPopulationSchema,
    PanelSchema,
    PopulationSchema,
    PopulationSeriesObservationsSchema,
    PopulationSeriesSchema,
    ProjectionPathsSchema,
    ProjectionsSchema,
    RawCommitmentsSchema,
    RawEnrolmentSchema,
    RawManifestSchema,
    RawPopulationSchema,
    RegionsSchema,
    RejectsSchema,
    SourcesSchema,
)

if TYPE_CHECKING:
    from pandera.api.pandas.model import DataFrameModel

__all__ = [
    "ACCOUNTING",
    "AccountingSchema",
    "BASIS_FAMILIES",
    "BUDGET_CHECK",
    "BacktestPredictionsSchema",
    "BacktestScoresSchema",
    "TimeToUhcSchema",
    "CROSSING_STATUSES",
    "BudgetCheckSchema",
    "COMMITMENTS",
    "UHC_STATUSES",
    "ActivityRatesSchema",
    "AwardEvidenceSchema",
    "UhcContradictionsSchema",
    "UhcCriteriaSchema",
    "UhcStatusSchema",
    "COMMITMENT_KINDS",
    "COVERAGE_STATUSES",
    "CommitmentsSchema",
    "CorrectionsAppliedSchema",
    "ENROLMENT",
    "EnrolmentSchema",
    "FILE_KINDS",
    "FootnotesSchema",
    "LEVELS",
    "MEASURES",
    "METRICS",
    "METRIC_STATUSES",
    "MetricsSchema",
    "OBSERVATION_RAW_ROWS",
    "OBSERVATION_SOURCES",
    "ObservationRawRowsSchema",
    "ObservationSourcesSchema",
    "PANEL",
    "PANEL_BASES",
    "PANEL_POPULATION",
    "PARTICIPANTS_STATUSES",
    "POPULATION",
    "POPULATION_BASES",
    "POPULATION_SERIES",
    "POPULATION_SERIES_OBSERVATIONS",
    "POPULATION_STATUSES",
    "PRECISIONS",
    "PRIMARY_KEYS",
    "PROJECTIONS",
    "PROJECTION_MODELS",
    "PROJECTION_PATHS",
    "TIME_TO_UHC",
    "PROJECTION_STATUSES",
    "PanelPopulationSchema",
    "PanelSchema",
    "PopulationSchema",
    "PopulationSeriesObservationsSchema",
    "PopulationSeriesSchema",
    "ProjectionPathsSchema",
    "ProjectionsSchema",
    "RAW_MANIFEST",
    "RAW_ROW_ROLES",
    "RAW_TABLES",
    "REGIONS",
    "REGION_KINDS",
    "REJECTS",
    "RawCommitmentsSchema",
    "RawEnrolmentSchema",
    "RawManifestSchema",
    "RawPopulationSchema",
    "RegionsSchema",
    "RejectsSchema",
    "SERIES_STATUSES",
    "SOURCES",
    "SchemaError",
    "SourcesSchema",
    "TABLES",
    "check_columns",
    "columns_of",
    "schema_of",
    "is_validated",
    "validate",
    "with_empty_text",
]


# --------------------------------------------------------------------------- registry

#: Processed table name (file ``data/processed/<name>.csv``) -> its model.
TABLES: dict[str, type[DataFrameModel]] = {
    "regions": RegionsSchema,
    "sources": SourcesSchema,
    "enrolment": EnrolmentSchema,
    "population": PopulationSchema,
    "commitments": CommitmentsSchema,
    "rejects": RejectsSchema,
    "footnotes": FootnotesSchema,
    "accounting": AccountingSchema,
    "raw_manifest": RawManifestSchema,
    "observation_sources": ObservationSourcesSchema,
    "observation_raw_rows": ObservationRawRowsSchema,
    "corrections_applied": CorrectionsAppliedSchema,
    "panel_population": PanelPopulationSchema,
    "population_series_observations": PopulationSeriesObservationsSchema,
    "coverage_panel": PanelSchema,
    "population_series": PopulationSeriesSchema,
    "metrics": MetricsSchema,
    "budget_check": BudgetCheckSchema,
    "projections": ProjectionsSchema,
    "projection_paths": ProjectionPathsSchema,
    "time_to_uhc": TimeToUhcSchema,
    "backtest_predictions": BacktestPredictionsSchema,
    "backtest_scores": BacktestScoresSchema,
    "uhc_criteria": UhcCriteriaSchema,
    "uhc_status": UhcStatusSchema,
    "uhc_contradictions": UhcContradictionsSchema,
    "award_evidence": AwardEvidenceSchema,
    "activity_rates": ActivityRatesSchema,
}
#: Raw file kind -> the model of its rows as read.
RAW_TABLES: dict[str, type[DataFrameModel]] = {
    "enrolment": RawEnrolmentSchema,
    "population": RawPopulationSchema,
    "commitments": RawCommitmentsSchema,
}


def schema_of(table: str | type[DataFrameModel]) -> pa.DataFrameSchema:
    """The :class:`pandera.pandas.DataFrameSchema` of a table name or model.

    Examples
    --------
    >>> schema_of("metrics").columns["rank_in_province"].dtype
    DataType(Int64)
    """
    if isinstance(table, str):
        name = table.removesuffix(".csv")
        if name in TABLES:
            return TABLES[name].to_schema()
        if name.startswith("raw_") and name[4:] in RAW_TABLES:
            return RAW_TABLES[name[4:]].to_schema()
        raise KeyError(
            f"no schema is declared for table {table!r} in uhc_analysis/schemas/tables.py "
            f"(known: {', '.join(sorted(TABLES))})"
        )
    return table.to_schema()


def columns_of(table: str | type[DataFrameModel]) -> tuple[str, ...]:
    """The columns of a table, in order.

    Examples
    --------
    >>> columns_of(ObservationSourcesSchema)
    ('observation_id', 'source_id')
    """
    return tuple(schema_of(table).columns)


#: Table name -> primary key (unique in every valid table).
PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    name: tuple(model.to_schema().unique or ()) for name, model in TABLES.items()
}

# Column tuples for callers that need only the names (plotting, projections, tests).
REGIONS = columns_of(RegionsSchema)
SOURCES = columns_of(SourcesSchema)
ENROLMENT = columns_of(EnrolmentSchema)
POPULATION = columns_of(PopulationSchema)
COMMITMENTS = columns_of(CommitmentsSchema)
REJECTS = columns_of(RejectsSchema)
ACCOUNTING = columns_of(AccountingSchema)
RAW_MANIFEST = columns_of(RawManifestSchema)
OBSERVATION_SOURCES = columns_of(ObservationSourcesSchema)
OBSERVATION_RAW_ROWS = columns_of(ObservationRawRowsSchema)
PANEL_POPULATION = columns_of(PanelPopulationSchema)
POPULATION_SERIES_OBSERVATIONS = columns_of(PopulationSeriesObservationsSchema)
PANEL = columns_of(PanelSchema)
POPULATION_SERIES = columns_of(PopulationSeriesSchema)
METRICS = columns_of(MetricsSchema)
BUDGET_CHECK = columns_of(BudgetCheckSchema)
PROJECTIONS = columns_of(ProjectionsSchema)
PROJECTION_PATHS = columns_of(ProjectionPathsSchema)
TIME_TO_UHC = columns_of(TimeToUhcSchema)


# --------------------------------------------------------------------------- checking


class SchemaError(ValueError):
    """A table breaks its contract; the message is one line naming table, column and values."""


def _summary(failures: pd.DataFrame, table: str) -> str:
    """One line out of pandera's failure cases: the first failing check, its first values."""
    columns = {
        "column_in_dataframe": "missing columns",
        "column_in_schema": "unexpected columns",
        "column_ordered": "columns out of order",
    }
    parts = []
    keys = ["schema_context", "column", "check"]
    for (context, column, check), group in failures.groupby(keys, sort=False, dropna=False):
        values = list(dict.fromkeys(str(v) for v in group["failure_case"]))
        shown = values[:5] + (["..."] if len(values) > 5 else [])
        if context == "DataFrameSchema" and check in columns:
            parts.append(f"{columns[check]} {shown}")
        else:
            parts.append(f"column {column!r} fails {check} ({len(group)} rows): {shown}")
    more = f"; and {len(parts) - 3} more problems" if len(parts) > 3 else ""
    return f"table {table!r}: " + "; ".join(parts[:3]) + more


def with_empty_text(df: pd.DataFrame, table: str | type[DataFrameModel]) -> pd.DataFrame:
    """``df`` with missing values of its non-nullable text columns as ``""``.

    A CSV cell cannot tell missing text from empty text, so the convention is
    ``""`` (see the module docstring); stages that build text from optional
    values (``target_date``, ``first_period_reached``) use this before
    :func:`validate`.

    Examples
    --------
    >>> frame = pd.DataFrame({"observation_id": ["E-1"], "source_id": [None]})
    >>> with_empty_text(frame, "observation_sources")["source_id"].tolist()
    ['']
    """
    columns = schema_of(table).columns
    text = [
        c
        for c in df.columns
        if c in columns
        and str(columns[c].dtype).startswith("str")
        and not columns[c].nullable
        and df[c].isna().any()
    ]
    return df.assign(**{c: df[c].fillna("") for c in text}) if text else df


def validate(df: pd.DataFrame, table: str | type[DataFrameModel]) -> pd.DataFrame:
    """``df`` checked against the table's model and coerced to its dtypes.

    Every check runs (pandera's ``lazy=True``); the first problems are raised as
    one :class:`SchemaError` line naming the table, the column, the check and
    the first failing values.
    """
    schema = schema_of(table)
    name = table if isinstance(table, str) else str(schema.name)
    key = [c for c in schema.unique or () if c in df.columns]
    if key and df.duplicated(key).any():
        dupes = df.loc[df.duplicated(key, keep=False), key].drop_duplicates()
        shown = [tuple(map(str, r)) for r in dupes.head(3).itertuples(index=False)]
        raise SchemaError(
            f"table {name!r}: primary key ({', '.join(key)}) is not unique "
            f"({len(dupes)} values repeated): {shown}"
        )
    try:
        # pandera's report of a failing key cannot handle a repeated index: check a plain one
        valid = schema.validate(df.reset_index(drop=True), lazy=True)
    except pa.errors.SchemaErrors as exc:
        raise SchemaError(_summary(exc.failure_cases, name)) from None
    valid.index = df.index
    _remember(valid, name.removesuffix(".csv"))
    return valid


#: The frames :func:`validate` returned, by ``id``: (a weak reference to it, its table,
#: its shape, columns and dtypes when validated).
_VALIDATED: dict[int, tuple[weakref.ref[pd.DataFrame], str, tuple[object, ...]]] = {}


def _structure(df: pd.DataFrame) -> tuple[object, ...]:
    """Shape, column names and dtypes: what an in-place column assignment or drop changes."""
    return (df.shape, tuple(df.columns), tuple(map(str, df.dtypes)))


def _remember(valid: pd.DataFrame, table: str) -> None:
    key = id(valid)
    ref = weakref.ref(valid, lambda _: _VALIDATED.pop(key, None))
    _VALIDATED[key] = (ref, table, _structure(valid))


def is_validated(df: pd.DataFrame, table: str | type[DataFrameModel]) -> bool:
    """Whether ``df`` is a frame :func:`validate` returned for ``table`` (still alive).

    Lets :func:`uhc_analysis.io.write_table` skip checking again a table a
    stage has just validated (its result, which no stage changes in place). A
    frame whose shape, columns or dtypes changed since (a column assigned or
    dropped in place, rows appended) counts as not validated; an in-place edit
    of values that keeps all three is not detected (hashing every cell would
    cost about as much as validating again).

    Examples
    --------
    >>> links = pd.DataFrame({"observation_id": ["E-1"], "source_id": ["S6d3cc6f0c7"]})
    >>> frame = validate(links, "observation_sources")
    >>> is_validated(frame, "observation_sources"), is_validated(links, "observation_sources")
    (True, False)
    >>> frame["note"] = "added after the check"
    >>> is_validated(frame, "observation_sources")
    False
    """
    name = table if isinstance(table, str) else str(schema_of(table).name)
    entry = _VALIDATED.get(id(df))
    return (
        entry is not None
        and entry[0]() is df
        and entry[1] == name.removesuffix(".csv")
        and entry[2] == _structure(df)
    )


def check_columns(df: pd.DataFrame, expected: Sequence[str], table: str) -> None:
    """Raise :class:`SchemaError` unless ``df`` has exactly ``expected`` columns, in order.

    The cheap check for callers that only need the column names (``expected``
    is typically one of the tuples above); :func:`validate` checks everything.
    """
    got = list(df.columns)
    if got != list(expected):
        missing = [c for c in expected if c not in got]
        extra = [c for c in got if c not in expected]
        raise SchemaError(
            f"table {table!r}: columns differ from the contract in uhc_analysis/schemas/tables.py; "
            f"missing={missing}, unexpected={extra}"
            + ("" if missing or extra else f", order={got}")
        )
