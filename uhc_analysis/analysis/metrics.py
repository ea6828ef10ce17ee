"""UHC metrics policy writers ask for (``uhc-analysis metrics``).

For each region, measure and denominator basis, at its latest observation
(or at a chosen date): status against the 95 % (UHC award), 98 % (national
2024 target) and 100 % thresholds; the gap in people to each threshold; the
yearly budget to close that gap by enrolling the missing residents as PBPU
Pemda / PBI daerah participants at the class III contribution in force that
year (``reference/contribution_rates.csv``, reviewed data with sources); the
rank of each regency within its province; the first period each region was
observed at or above each threshold. Every row says how old its figure is at
the evaluation date (``evaluated_at``: the ``at`` date, else today):
``figure_age_months``. A region with figures only after ``at`` is not dropped:
it has rows with status ``no_figure`` and no value.

A lower-bound figure ("lebih dari 98 persen") counts as at or above a threshold
it equals or exceeds; coverage above 100 % is kept as published.

Examples
--------
>>> coverage_gap(2_032_767, 80.62, 98)
353295
>>> contribution_rate("2023-09-01")
42000
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from uhc_analysis import config, schemas


@lru_cache(maxsize=4)
def load_contribution_rates(path: Path | None = None) -> pd.DataFrame:
    """The reviewed contribution-rate table, sorted by ``valid_from``."""
    rates = pd.read_csv(path or config.CONTRIBUTION_RATES_CSV, dtype={"valid_from": str})
    return rates.sort_values("valid_from").reset_index(drop=True)


def contribution_rate(date: str, rates: pd.DataFrame | None = None) -> int:
    """Class III monthly contribution (Rp per person) in force at ``date``.

    Examples
    --------
    >>> contribution_rate("2015-06-30")
    19225
    """
    rates = load_contribution_rates() if rates is None else rates
    valid = rates[rates["valid_from"] <= str(date)[:10]]
    if valid.empty:
        raise ValueError(f"no contribution rate in force at {date} (first: {rates.valid_from[0]})")
    return int(valid["idr_per_person_month"].iloc[-1])


def coverage_gap(population: float, coverage_pct: float, threshold: float) -> int:
    """People to enrol to reach ``threshold`` % (0 when at or above).

    Examples
    --------
    >>> coverage_gap(1000, 99.0, 95)
    0
    """
    if any(
        v is None or (isinstance(v, float) and math.isnan(v)) for v in (population, coverage_pct)
    ):
        raise ValueError("population and coverage are needed for a gap")
    return max(0, math.ceil(population * (threshold - coverage_pct) / 100 - 1e-9))


def latest_coverage(
    panel: pd.DataFrame,
    *,
    measure: str = "registered",
    basis: str = "published",
    at: str | None = None,
) -> pd.DataFrame:
    """One row per region: its latest panel row (on or before ``at``) with a coverage value.

    The frame maps and ranked bar charts take (columns of the panel).
    """
    rows = panel[
        (panel["measure"] == measure) & (panel["basis"] == basis) & panel["coverage_pct"].notna()
    ]
    if at is not None:
        rows = rows[rows["date"] <= at]
    rows = rows.sort_values(["region_code", "date", "observation_id"], kind="mergesort")
    return rows.groupby("region_code", sort=True).tail(1).reset_index(drop=True)


def first_period_at_or_above(
    panel: pd.DataFrame, threshold: float, *, measure: str = "registered", basis: str = "published"
) -> pd.Series:
    """Per region, the first period observed at or above ``threshold`` (NaN if never)."""
    rows = panel[
        (panel["measure"] == measure)
        & (panel["basis"] == basis)
        & (panel["coverage_pct"] >= threshold)
    ]
    rows = rows.sort_values(["region_code", "date"], kind="mergesort")
    return rows.groupby("region_code", sort=True)["period"].first()


def rank_in_province(latest: pd.DataFrame) -> pd.DataFrame:
    """Rank regencies within their province by coverage (1 = highest; ties share a rank)."""
    reg = latest[latest["region_level"] == "regency"]
    rank = reg.groupby("province_code")["coverage_pct"].rank(ascending=False, method="min")
    size = reg.groupby("province_code")["coverage_pct"].transform("size")
    return pd.DataFrame(
        {
            "region_code": reg["region_code"],
            "rank_in_province": rank.astype(int),
            "n_ranked_in_province": size.astype(int),
        }
    )


def uhc_metrics(
    panel: pd.DataFrame,
    *,
    at: str | None = None,
    thresholds: tuple[float, ...] = config.THRESHOLDS,
    rates: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Status, gap, budget, rank and first period for every region x measure x basis x threshold.

    Parameters
    ----------
    panel
        The coverage panel (:func:`uhc_analysis.transform.panel.coverage_panel`).
    at
        Evaluate at this date (ISO): each region's latest figure on or before
        it; default each region's latest figure, aged at today's date.
    thresholds
        Coverage thresholds (percent) to evaluate.
    rates
        Contribution rates (default ``reference/contribution_rates.csv``).

    Returns
    -------
    pandas.DataFrame
        :class:`uhc_analysis.schemas.MetricsSchema`. ``budget_idr_year`` is
        ``gap_people x monthly class III rate in force at the observation date
        x 12``; a figure without a published population has its gap measured
        against the population its participants and percentage imply;
        ``figure_age_months`` the age of the figure at ``evaluated_at``;
        a region of the panel without any figure by ``at`` has status
        ``no_figure`` and empty values.

    Examples
    --------
    >>> panel = pd.DataFrame({"region_code": ["1701", "1702"], "region_name": ["A", "B"],
    ...     "region_level": "regency", "province_code": "17", "measure": "registered",
    ...     "basis": "published", "period": ["2020-06", "2024-06"],
    ...     "date": pd.to_datetime(["2020-06-30", "2024-06-30"]), "coverage_pct": [90.0, 96.0],
    ...     "population": [1000.0, 2000.0], "participants": [900.0, 1920.0],
    ...     "lower_bound": False, "source_ids": "", "urls": "", "observation_id": ["E-1", "E-2"]})
    >>> m = uhc_metrics(panel, at="2023-12-31", thresholds=(95,))
    >>> print(m[["region_code", "status", "figure_age_months"]].to_string(index=False))
    region_code    status  figure_age_months
           1701     below               42.0
           1702 no_figure                NaN
    """
    rates = load_contribution_rates() if rates is None else rates
    when = pd.Timestamp(at if at is not None else config.today())
    frames = []
    combos = panel[["measure", "basis"]].drop_duplicates().sort_values(["measure", "basis"])
    for measure, basis in combos.itertuples(index=False):
        latest = latest_coverage(panel, measure=measure, basis=basis, at=at)
        missing = _regions_without_figure(panel, latest, measure, basis)
        ranks = rank_in_province(latest).set_index("region_code")
        for t in thresholds:
            if not missing.empty:
                frames.append(missing.assign(threshold=float(t), status="no_figure"))
            if latest.empty:
                continue
            first = first_period_at_or_above(
                panel if at is None else panel[panel["date"] <= at], t, measure=measure, basis=basis
            )
            m = latest.copy()
            m["threshold"] = float(t)
            m["status"] = np.where(m["coverage_pct"] >= t, "at_or_above", "below")
            denominators = _denominators(m)
            gaps = [
                0 if c >= t else (coverage_gap(p, c, t) if pd.notna(p) else np.nan)
                for p, c in zip(denominators, m["coverage_pct"], strict=True)
            ]
            m["gap_people"] = pd.array(gaps, dtype="Float64").round(0)
            m["contribution_idr_month"] = [contribution_rate(d, rates) for d in m["date"]]
            m["budget_idr_year"] = m["gap_people"] * m["contribution_idr_month"] * 12
            m["rank_in_province"] = m["region_code"].map(ranks["rank_in_province"])
            m["n_ranked_in_province"] = m["region_code"].map(ranks["n_ranked_in_province"])
            m["first_period_at_or_above"] = m["region_code"].map(first).astype(object).fillna("")
            frames.append(m)
    if not frames:
        return schemas.validate(pd.DataFrame(columns=list(schemas.METRICS)), "metrics")
    out = pd.concat(frames, ignore_index=True)
    out["evaluated_at"] = when
    age = (when - pd.to_datetime(out["date"])).dt.days / 30.4375
    out["figure_age_months"] = age.round(1)
    for col in ("period", "first_period_at_or_above", "source_ids", "urls"):
        out[col] = out[col].astype(object).where(out[col].notna(), "")
    out["lower_bound"] = out["lower_bound"].astype("boolean").fillna(False).astype(bool)
    out = (
        out.loc[:, list(schemas.METRICS)]
        .sort_values(["region_code", "measure", "basis", "threshold"], kind="mergesort")
        .reset_index(drop=True)
    )
    return schemas.validate(out, "metrics")


def _denominators(rows: pd.DataFrame) -> pd.Series:
    """Each row's population; where the source gives none, the one its figures imply.

    A source that publishes participants and a coverage percentage but no
    population divided by ``participants * 100 / coverage_pct`` residents; the
    gap to a threshold is measured against that same denominator (the row's
    ``population`` column stays empty, as published).
    """
    implied = rows["participants"] * 100 / rows["coverage_pct"].where(rows["coverage_pct"] > 0)
    return rows["population"].where(rows["population"].notna(), implied)


def _regions_without_figure(
    panel: pd.DataFrame, latest: pd.DataFrame, measure: str, basis: str
) -> pd.DataFrame:
    """Region columns of the regions with ``measure``/``basis`` figures, none of them by then."""
    rows = panel[
        (panel["measure"] == measure) & (panel["basis"] == basis) & panel["coverage_pct"].notna()
    ]
    cols = ["region_code", "region_name", "region_level", "province_code"]
    regions = rows.sort_values("region_code", kind="mergesort").drop_duplicates("region_code")
    regions = regions.loc[~regions["region_code"].isin(latest["region_code"]), cols]
    return regions.assign(measure=measure, basis=basis).reset_index(drop=True)


def budget_check(commitments: pd.DataFrame, rates: pd.DataFrame | None = None) -> pd.DataFrame:
    """Published budget lines as a cost per person per year, against the rate in force.

    For every ``kind == "budget"`` commitment stating both an amount and the
    people it funds: cost per person per year and per month, the class III
    rate in force at its date, and the share of a full year of contributions
    the line pays for (``months_covered`` = cost per person / monthly rate).

    Examples
    --------
    >>> c = pd.DataFrame({"kind": ["budget"], "budget_idr": [6_631_423_690],
    ...     "people_funded": [38_096], "date": ["2023-07-01"], "region_code": ["1607"],
    ...     "region_name": ["Banyuasin"], "period": ["2023"], "segment": [""], "urls": [""],
    ...     "observation_id": ["C-1"]})
    >>> round(float(budget_check(c)["idr_per_person_year"][0]))
    174071
    """
    rates = load_contribution_rates() if rates is None else rates
    b = commitments[
        (commitments["kind"] == "budget")
        & commitments["budget_idr"].notna()
        & commitments["people_funded"].notna()
    ].copy()
    b["idr_per_person_year"] = b["budget_idr"] / b["people_funded"]
    b["idr_per_person_month"] = b["idr_per_person_year"] / 12
    b["rate_in_force_month"] = [contribution_rate(d, rates) for d in b["date"]]
    b["full_year_at_rate_idr"] = b["people_funded"] * b["rate_in_force_month"] * 12
    b["months_covered"] = b["idr_per_person_year"] / b["rate_in_force_month"]
    out = b.loc[:, list(schemas.BUDGET_CHECK)].sort_values(
        ["region_code", "period", "observation_id"]
    )
    return schemas.validate(out.reset_index(drop=True), "budget_check")
