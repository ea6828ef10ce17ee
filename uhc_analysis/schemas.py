"""Column contracts of every table the package writes, declared once.

Each stage checks what it puts out with :func:`check_columns`, so a renamed or
missing column fails loudly at the stage that caused it, not three steps later
in a plot.

Examples
--------
>>> import pandas as pd
>>> check_columns(pd.DataFrame(columns=list(SOURCES)), SOURCES, "sources")
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

#: ``data/processed/regions.csv`` and :func:`uhc_analysis.ingest.regions.load_regions`.
REGIONS: tuple[str, ...] = (
    "bps_code",
    "kemendagri_code",
    "name",
    "kind",
    "province_code",
    "province_name",
    "formed_year",
    "split_from",
)

#: One row per URL.
SOURCES: tuple[str, ...] = ("source_id", "url", "publisher", "published", "n_figures", "files")

#: ``data/processed/enrolment.csv``: one row per observation (a figure, with all its sources).
ENROLMENT: tuple[str, ...] = (
    "observation_id",
    "region_code",
    "region_name",
    "region_level",
    "province_code",
    "period",
    "period_precision",
    "date",
    "measure",
    "enrolled",
    "coverage_pct",
    "population",
    "population_basis",
    "lower_bound",
    "rounded",
    "over_120",
    "conflict_group",
    "use_in_analysis",
    "n_sources",
    "source_ids",
    "urls",
    "raw_refs",
    "remarks",
)

#: ``data/processed/population.csv``.
POPULATION: tuple[str, ...] = (
    "observation_id",
    "region_code",
    "region_name",
    "region_level",
    "province_code",
    "period",
    "period_precision",
    "date",
    "population",
    "basis",
    "basis_family",
    "rounded",
    "conflict_group",
    "use_in_analysis",
    "n_sources",
    "source_ids",
    "urls",
    "raw_refs",
    "remarks",
)

#: ``data/processed/commitments.csv``.
COMMITMENTS: tuple[str, ...] = (
    "observation_id",
    "region_code",
    "region_name",
    "region_level",
    "province_code",
    "period",
    "period_precision",
    "date",
    "kind",
    "target_pct",
    "target_date",
    "budget_idr",
    "people_funded",
    "segment",
    "n_sources",
    "source_ids",
    "urls",
    "raw_refs",
    "remarks",
)

#: ``data/processed/rejects.csv``.
REJECTS: tuple[str, ...] = ("file", "line", "column", "value", "reason")

#: ``data/processed/coverage_panel.csv``: one row per region x period x measure x basis.
#: ``basis`` is ``published`` (the source's own denominator, whatever it was),
#: ``dukcapil`` or ``bps``.
PANEL: tuple[str, ...] = (
    "region_code",
    "region_name",
    "region_level",
    "province_code",
    "period",
    "period_precision",
    "date",
    "decimal_year",
    "measure",
    "basis",
    "participants",
    "population",
    "coverage_pct",
    "participants_status",
    "population_status",
    "coverage_status",
    "published_coverage_pct",
    "lower_bound",
    "rounded",
    "over_100",
    "observation_id",
    "population_ids",
    "source_ids",
    "urls",
)

#: ``data/processed/metrics.csv``: one row per region x measure x basis x threshold,
#: computed at each region's latest observation.
METRICS: tuple[str, ...] = (
    "region_code",
    "region_name",
    "region_level",
    "province_code",
    "measure",
    "basis",
    "period",
    "date",
    "coverage_pct",
    "population",
    "participants",
    "threshold",
    "status",
    "gap_people",
    "contribution_idr_month",
    "budget_idr_year",
    "rank_in_province",
    "n_ranked_in_province",
    "first_period_at_or_above",
    "lower_bound",
    "source_ids",
    "urls",
)

#: ``data/processed/projections.csv``: one row per region x threshold.
PROJECTIONS: tuple[str, ...] = (
    "region_code",
    "region_name",
    "region_level",
    "province_code",
    "threshold",
    "model",
    "status",
    "reason",
    "first_period_reached",
    "year_reached",
    "year_reached_lo80",
    "year_reached_hi80",
    "year_reached_lo95",
    "year_reached_hi95",
    "n_obs",
    "first_year",
    "last_year",
    "latest_coverage_pct",
    "years_to_uhc",
)

#: ``data/processed/projection_paths.csv``: projected coverage by year.
PROJECTION_PATHS: tuple[str, ...] = (
    "region_code",
    "model",
    "year",
    "coverage_pct",
    "lo80",
    "hi80",
    "lo95",
    "hi95",
)


class SchemaError(ValueError):
    """A table does not have the columns its contract declares."""


def check_columns(df: pd.DataFrame, expected: Sequence[str], table: str) -> None:
    """Raise :class:`SchemaError` unless ``df`` has exactly ``expected`` columns, in order."""
    got = list(df.columns)
    if got != list(expected):
        missing = [c for c in expected if c not in got]
        extra = [c for c in got if c not in expected]
        raise SchemaError(
            f"table {table!r}: columns differ from the contract in uhc_analysis/schemas.py; "
            f"missing={missing}, unexpected={extra}"
            + ("" if missing or extra else f", order={got}")
        )
