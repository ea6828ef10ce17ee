"""Vocabularies, patterns and field helpers shared by the table models.

Examples
--------
>>> "survey" in MEASURES, PANEL_BASES
(True, ('published', 'dukcapil', 'bps'))
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera import extensions

# --------------------------------------------------------------------------- vocabularies

#: ``region_level`` of raw rows and observations.
LEVELS: tuple[str, ...] = ("province", "regency", "national")
#: ``kind`` of a gazetteer row.
REGION_KINDS: tuple[str, ...] = ("province", "kabupaten", "kota")
#: What an enrolment figure counts: registered participants, active ones, or a survey share.
MEASURES: tuple[str, ...] = ("registered", "active", "survey")
#: Canonical population bases (``population.basis``, ``enrolment.population_basis``).
POPULATION_BASES: tuple[str, ...] = (
    "dukcapil_dkb",
    "bps_census",
    "bps_projection",
    "bps_estimate",
    "other",
    "unspecified",
)
#: Denominator family of a population basis.
BASIS_FAMILIES: tuple[str, ...] = ("dukcapil", "bps", "unspecified")
#: ``basis`` of a panel row: the source's own denominator, or a population series.
PANEL_BASES: tuple[str, ...] = ("published", "dukcapil", "bps")
#: ``kind`` of a commitment.
COMMITMENT_KINDS: tuple[str, ...] = ("award", "budget", "mou", "target", "other")
#: Kinds of raw file (``enrolment*.csv`` ...).
FILE_KINDS: tuple[str, ...] = ("enrolment", "population", "commitments")
#: Precision of a period (``2023``, ``2023-S1``, ``2023-09``, ``2023-09-01``).
PRECISIONS: tuple[str, ...] = ("year", "semester", "month", "day")
#: Role of a raw row in its observation: the first one, or another source of it.
RAW_ROW_ROLES: tuple[str, ...] = ("kept", "merged")
#: How a panel value was obtained ("" where there is no value).
PARTICIPANTS_STATUSES: tuple[str, ...] = (
    "",
    "published",
    "derived_from_pct_source_population",
    "derived_from_pct_dukcapil_population",
    "derived_from_pct_bps_population",
)
SERIES_STATUSES: tuple[str, ...] = (
    "published",
    "interpolated",
    "extrapolated",
    "extrapolated_other_basis_rate",
    "extrapolated_province_rate",
)
POPULATION_STATUSES: tuple[str, ...] = ("", "derived_from_count_and_pct", *SERIES_STATUSES)
COVERAGE_STATUSES: tuple[str, ...] = ("published", "computed", "no_denominator_published")
#: ``metrics.status``.
METRIC_STATUSES: tuple[str, ...] = ("at_or_above", "below", "no_figure")
#: ``projections.status``.
PROJECTION_STATUSES: tuple[str, ...] = (
    "reached",
    "on_track",
    "overdue",
    "not_on_current_trend",
    "insufficient_data",
)
#: ``model`` of projections and projection paths (the default forecast's, see
#: :mod:`uhc_analysis.analysis.forecast.projecting`).
PROJECTION_MODELS: tuple[str, ...] = ("rw_drift", "rw_drift_linked")

_REGION_CODE = r"^(ID|\d{2}|\d{4})$"
_PROVINCE_CODE = r"^(\d{2})?$"
_PERIOD = r"^\d{4}(-S[12]|-\d{2}(-\d{2})?)?$"
_OPTIONAL_PERIOD = r"^(\d{4}(-S[12]|-\d{2}(-\d{2})?)?)?$"
_SOURCE_ID = r"^S[0-9a-f]{10}$"
_URL = r"^https?://\S+$"

# Column annotations: plain dtypes, not ``Series[...]``: pandera resolves a
# ``Series[...]`` annotation by first asking whether geopandas knows it, which
# imports geopandas (the data layers must not load it).
Text = str
Int = pd.Int64Dtype
Float = float
Flag = bool
Date = pa.DateTime


# --------------------------------------------------------------------------- shared fields


def _one_of(values: Sequence[str]) -> Any:
    return pa.Field(isin=list(values))


def text_matches(series: pd.Series, *, pattern: str) -> pd.Series:
    """Whether each value matches ``pattern`` (``re.match``), testing each distinct value once.

    Pandera's ``str_matches`` runs the regex on every row; codes, periods and
    ids repeat a lot, so testing the distinct values and mapping back is what
    keeps validating a national-size panel cheap.
    """
    regex = re.compile(pattern)
    bad = [v for v in series.dropna().unique().tolist() if not regex.match(str(v))]
    return ~series.isin(bad) if bad else pd.Series(True, index=series.index)


if not hasattr(pa.Check, "text_matches"):  # registered once per process
    extensions.register_check_method(statistics=["pattern"], check_type="vectorized")(text_matches)


def _matches(pattern: str, nullable: bool = False) -> Any:
    return pa.Field(text_matches=pattern, nullable=nullable)


def _count(nullable: bool = False, ge: int = 0) -> Any:
    return pa.Field(ge=ge, nullable=nullable)


def _number(ge: float | None = None, nullable: bool = True) -> Any:
    return pa.Field(ge=ge, nullable=nullable) if ge is not None else pa.Field(nullable=nullable)


def _observation_id(prefix: str) -> Any:
    return _matches(rf"^{prefix}-")


class _Table(pa.DataFrameModel):
    """Config shared by every model: coerce to the declared dtypes, exact columns in order."""

    class Config:
        coerce = True
        strict = True
        ordered = True
