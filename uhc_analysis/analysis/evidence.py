"""Evidence with a date: figures, UHC awards read by their year's criteria, projected bands.

Three kinds of evidence feed the UHC status (:mod:`uhc_analysis.analysis.uhc_status`):

*Figures* (:func:`figures`): registered coverage and activity rates from the
panel, each with its date, ``observed`` (a point) or ``lower_bound`` ("more
than 98 %").

*Awards* (:func:`award_evidence`): a UHC award is censored evidence. It says
what *that year's* criteria say, not "95 %" for every year: an award of 2024
implies registered coverage >= 95 % and activity >= 75 %; a 2026 Pratama award
>= 98 % and >= 80 %, Madya >= 98 % and >= 85 %, Utama >= 99 % and >= 95 %. The
year is the one in the award's name ("UHC Award 2024") or else the year of its
date; the tier is the one the remarks name after "category"/"kategori" (the
lowest when sources name several, the lowest of the year when none); the
thresholds are those of the criteria table (``uhc_award`` rows of that year and
tier). Years without award criteria in the table (up to 2023) are read as
>= 95 % registered, the RPJMN target those awards used. The award is dated at
the data reference date its remarks give ("data per 1 Januari 2026", "by 1 Mar
2023"), else at the ceremony date, and ``date_basis`` says which.

*Contradictions* (:func:`contradictions`): a point figure dated within
``window_months`` of an award's evidence date that is below what the award
implies (Ogan Komering Ilir: 81.85 % registered per 1 January 2026 next to a
2026 Pratama award, which needs >= 98 %).

*Projected bands* (:func:`probability_at_or_above`, :func:`crossing_year`):
the projection paths give, per region and year, the predictive median and the
80 % and 95 % bands.

Examples
--------
>>> path = pd.DataFrame({"year": [2026, 2027], "coverage_pct": [96.0, 98.0],
...     "lo80": [94.0, 96.0], "hi80": [98.0, 100.0], "lo95": [93.0, 95.0], "hi95": [99.0, 101.0]})
>>> round(probability_at_or_above(path, 2026.0, 96.0), 2)
0.5
>>> crossing_year(path, 97.0)
2026.5
"""

from __future__ import annotations

import datetime as dt
import math
import re

import numpy as np
import pandas as pd
from scipy import stats

from uhc_analysis.ingest.criteria import TIERS, collapse_criteria
from uhc_analysis.ingest.parsing import decimal_years

#: Columns of :func:`figures`.
FIGURES: tuple[str, ...] = (
    "region_code",
    "measure",
    "date",
    "value_pct",
    "kind",
    "denominator",
    "observation_id",
    "label",
    "urls",
)
#: Columns of :func:`award_evidence`.
AWARD_EVIDENCE: tuple[str, ...] = (
    "region_code",
    "observation_id",
    "award_year",
    "tier",
    "criterion_id",
    "min_coverage_pct",
    "min_active_pct",
    "ceremony_date",
    "evidence_date",
    "date_basis",
    "note",
    "urls",
)
#: Columns of :func:`contradictions`.
CONTRADICTIONS: tuple[str, ...] = (
    "region_code",
    "region_name",
    "measure",
    "figure_observation_id",
    "figure_date",
    "figure_pct",
    "award_observation_id",
    "award_year",
    "award_tier",
    "award_evidence_date",
    "implied_min_pct",
    "gap_pp",
    "days_apart",
    "note",
)

_DAYS_PER_MONTH = 365.25 / 12
_MONTHS = {
    **dict.fromkeys(("jan", "januari", "january"), 1),
    **dict.fromkeys(("feb", "februari", "february", "pebruari"), 2),
    **dict.fromkeys(("mar", "maret", "march"), 3),
    **dict.fromkeys(("apr", "april"), 4),
    **dict.fromkeys(("may", "mei"), 5),
    **dict.fromkeys(("jun", "juni", "june"), 6),
    **dict.fromkeys(("jul", "juli", "july"), 7),
    **dict.fromkeys(("aug", "agu", "agustus", "august"), 8),
    **dict.fromkeys(("sep", "sept", "september"), 9),
    **dict.fromkeys(("oct", "okt", "oktober", "october"), 10),
    **dict.fromkeys(("nov", "nopember", "november"), 11),
    **dict.fromkeys(("dec", "des", "desember", "december"), 12),
}
_DATA_DATE = re.compile(
    r"(?:data\s+(?:per|as\s+of|hingga|sampai|up\s+to)|\bper|\bas\s+of|\bby)\s+"
    r"(\d{1,2})\s+([a-z]+)\.?\s+(\d{4})",
    re.IGNORECASE,
)
_AWARD_YEAR = re.compile(r"\buhc\s+awards?\s+(?:tahun\s+)?(\d{4})", re.IGNORECASE)
_TIER = re.compile(
    r"(?:categor(?:y|ies)|kategori|predikat)\s+['\"]?(pratama|madya|utama)", re.IGNORECASE
)
#: Quantile columns of a projection path and their standard-normal scores.
_KNOTS: tuple[tuple[str, float], ...] = (
    ("lo95", float(stats.norm.ppf(0.025))),
    ("lo80", float(stats.norm.ppf(0.10))),
    ("coverage_pct", 0.0),
    ("hi80", float(stats.norm.ppf(0.90))),
    ("hi95", float(stats.norm.ppf(0.975))),
)


def decimal_year(date: dt.date | pd.Timestamp) -> float:
    """``2026-07-02`` -> ``2026.5``, by :func:`uhc_analysis.ingest.parsing.decimal_years`.

    The convention of the panel's ``decimal_year`` and of the projection
    paths' ``year`` (a path value at ``2026`` is the value on 1 January 2026).

    Examples
    --------
    >>> decimal_year(dt.date(2026, 1, 1))
    2026.0
    """
    return float(decimal_years([pd.Timestamp(date).date().isoformat()])[0])


def months_between(earlier: pd.Timestamp, later: pd.Timestamp) -> float:
    """Months (of 365.25/12 days) from ``earlier`` to ``later``."""
    return (pd.Timestamp(later) - pd.Timestamp(earlier)).days / _DAYS_PER_MONTH


# --------------------------------------------------------------------------- figures


def figures(
    panel: pd.DataFrame,
    activity: pd.DataFrame,
    *,
    basis: str = "published",
    activity_denominator: str = "resident",
) -> pd.DataFrame:
    """Registered coverage and activity figures as dated evidence (columns :data:`FIGURES`).

    Registered coverage comes from the panel at ``basis``; activity from
    :func:`uhc_analysis.analysis.activity.activity_rates`, per resident or
    per participant as ``activity_denominator`` says, the other one where the
    first is missing (``denominator`` says which was used). Rows without a
    value or a date are left out (there is nothing to compare).

    Examples
    --------
    >>> panel = pd.DataFrame({"region_code": ["1701"], "measure": ["registered"],
    ...     "basis": ["published"], "date": ["2024-08-15"], "coverage_pct": [103.89],
    ...     "lower_bound": [False], "observation_id": ["E1"], "urls": ["u"]})
    >>> act = pd.DataFrame(columns=["region_code", "date", "per_resident_pct",
    ...     "per_participant_pct", "lower_bound", "observation_id", "urls"])
    >>> figures(panel, act)[["measure", "value_pct", "kind", "denominator"]].values.tolist()
    [['registered', 103.89, 'observed', 'resident']]
    """
    reg = panel.loc[
        panel["measure"].astype(str).eq("registered") & panel["basis"].astype(str).eq(basis)
    ]
    parts = [
        pd.DataFrame(
            {
                "region_code": reg["region_code"].astype(str),
                "measure": "registered",
                "date": pd.to_datetime(reg["date"].astype(str), errors="coerce"),
                "value_pct": pd.to_numeric(reg["coverage_pct"], errors="coerce"),
                "kind": np.where(reg["lower_bound"].astype(bool), "lower_bound", "observed"),
                "denominator": "resident",
                "observation_id": reg["observation_id"].astype(str),
                "label": np.where(reg["lower_bound"].astype(bool), "lower bound", "figure"),
                "urls": reg["urls"].astype(str),
            }
        )
    ]
    if activity_denominator not in ("resident", "participant"):
        raise ValueError(f"activity_denominator {activity_denominator!r}: resident or participant")
    other = "participant" if activity_denominator == "resident" else "resident"
    first = activity[f"per_{activity_denominator}_pct"].astype(float)
    second = activity[f"per_{other}_pct"].astype(float)
    parts.append(
        pd.DataFrame(
            {
                "region_code": activity["region_code"].astype(str),
                "measure": "active",
                "date": pd.to_datetime(activity["date"].astype(str), errors="coerce"),
                "value_pct": first.where(first.notna(), second),
                "kind": np.where(activity["lower_bound"].astype(bool), "lower_bound", "observed"),
                "denominator": np.where(first.notna(), activity_denominator, other),
                "observation_id": activity["observation_id"].astype(str),
                "label": np.where(
                    first.notna(), f"figure, per {activity_denominator}", f"figure, per {other}"
                ),
                "urls": activity["urls"].astype(str),
            }
        )
    )
    out = (
        pd.concat([p for p in parts if len(p)], ignore_index=True)
        if any(len(p) for p in parts)
        else pd.DataFrame(columns=list(FIGURES))
    )
    out = out.loc[out["value_pct"].notna() & out["date"].notna()]
    return out.sort_values(["region_code", "measure", "date", "observation_id"]).reset_index(
        drop=True
    )[list(FIGURES)]


# --------------------------------------------------------------------------- awards


def data_reference_date(remarks: str) -> dt.date | None:
    """The data reference date a remark gives ("data per 1 Januari 2026"), if any.

    Hand-written because the remarks mix Indonesian and English month names
    ("Januari", "Mar") that ``pandas.to_datetime`` does not read, and only a
    date introduced by "data per"/"per"/"as of"/"by" is a data reference date
    (a ceremony date in brackets is not).

    Examples
    --------
    >>> data_reference_date("BPJS data per 1 Januari 2026; award 27 Jan 2026")
    datetime.date(2026, 1, 1)
    >>> data_reference_date("listed among 22 provinces meeting UHC by 1 Mar 2023")
    datetime.date(2023, 3, 1)
    >>> data_reference_date("UHC Award 2024 received (14 Mar 2023)") is None
    True
    """
    for day, month, year in _DATA_DATE.findall(str(remarks)):
        number = _MONTHS.get(month.lower())
        if number is None:
            continue
        try:
            return dt.date(int(year), number, int(day))
        except ValueError:
            continue
    return None


def _award_year(remarks: str, date: pd.Timestamp) -> tuple[int, str]:
    named = sorted({int(y) for y in _AWARD_YEAR.findall(str(remarks))})
    if len(named) == 1:
        return named[0], ""
    if len(named) > 1:
        return date.year, f"remarks name award years {named}; the year of the date is used"
    return date.year, ""


def _award_tier(remarks: str) -> tuple[str, str]:
    named = sorted({t.lower() for t in _TIER.findall(str(remarks))}, key=TIERS.index)
    if len(named) > 1:
        return named[0], f"sources name tiers {named}; the lowest ({named[0]}) is used"
    return (named[0], "") if named else ("", "")


def _implied(awards: pd.DataFrame, year: int, tier: str) -> tuple[str, float, float, str]:
    """(criterion_id, min coverage, min active, note) an award of ``year``/``tier`` implies."""
    start = awards["valid_from"].astype("Int64")
    end = awards["valid_to"].astype("Int64")
    rows = awards.loc[(start.isna() | start.le(year)) & (end.isna() | end.ge(year)).fillna(False)]
    rows = rows.loc[rows["valid_from"].notna()]
    if not len(rows):
        return (
            "",
            95.0,
            math.nan,
            f"no award criteria for {year} in the criteria table: read as >= 95 % registered "
            "(the RPJMN target the awards up to 2024 used)",
        )
    note = ""
    if tier and rows["tier"].eq(tier).any():
        rows = rows.loc[rows["tier"].eq(tier)]
    elif rows["tier"].ne("").any():
        lowest = min(rows["tier"].loc[rows["tier"].ne("")], key=TIERS.index)
        note = f"tier not stated: the lowest tier of {year} ({lowest}) is assumed"
        rows = rows.loc[rows["tier"].eq(lowest)]
    row = rows.iloc[0]
    return str(row["criterion_id"]), row["min_coverage_pct"], row["min_active_pct"], note


def award_evidence(commitments: pd.DataFrame, criteria: pd.DataFrame) -> pd.DataFrame:
    """What each UHC award implies, by its year's criteria (columns :data:`AWARD_EVIDENCE`).

    Parameters
    ----------
    commitments
        The processed commitments table (rows with ``kind == "award"`` are used).
    criteria
        The criteria reference table or its collapsed form
        (:mod:`uhc_analysis.ingest.criteria`).

    Examples
    --------
    >>> from uhc_analysis.ingest.criteria import fixed_criteria
    >>> crit = pd.concat([fixed_criteria(), pd.DataFrame({"criterion_id": ["uhc_award_2024"],
    ...     "scheme": ["uhc_award"], "tier": [""], "valid_from": [2024], "valid_to": [2024],
    ...     "min_coverage_pct": [95.0], "min_active_pct": [75.0], "used": [True],
    ...     "other_conditions": "", "conflict": False, "url": "u", "decision": ""})])
    >>> c = pd.DataFrame({"region_code": ["1771", "1702"], "observation_id": ["C1", "C2"],
    ...     "kind": ["award", "award"], "date": ["2024-08-08", "2023-03-14"],
    ...     "period": ["2024-08-08", "2023-03-14"], "urls": ["u", "u"],
    ...     "remarks": ["UHC Award 2024 category Pratama", "UHC award (14 Mar 2023)"]})
    >>> out = award_evidence(c, crit)
    >>> out[["region_code", "award_year", "min_coverage_pct", "min_active_pct"]].values.tolist()
    [['1702', 2023, 95.0, nan], ['1771', 2024, 95.0, 75.0]]
    """
    table = collapse_criteria(criteria) if "used" in criteria.columns else criteria
    awards_crit = table.loc[table["scheme"].astype(str).eq("uhc_award")]
    aw = commitments.loc[commitments["kind"].astype(str).eq("award")]
    rows: list[dict[str, object]] = []
    for a in aw.to_dict("records"):
        ceremony = pd.Timestamp(str(a["date"]))
        remarks = str(a.get("remarks", "") or "")
        year, year_note = _award_year(remarks, ceremony)
        tier, tier_note = _award_tier(remarks)
        cid, cov, act, crit_note = _implied(awards_crit, year, tier)
        ref = data_reference_date(remarks)
        if ref is not None:
            date, basis = pd.Timestamp(ref), "data reference date in the remarks"
        elif re.fullmatch(r"\d{4}", str(a.get("period", ""))):
            date, basis = ceremony, "year only (dated mid-year); no data reference date"
        elif re.fullmatch(r"\d{4}-\d{2}", str(a.get("period", ""))):
            date, basis = ceremony, "month only (dated mid-month); no data reference date"
        else:
            date, basis = ceremony, "ceremony date; no data reference date in the sources"
        notes = [n for n in (year_note, tier_note, crit_note) if n]
        rows.append(
            {
                "region_code": str(a["region_code"]),
                "observation_id": a["observation_id"],
                "award_year": year,
                "tier": tier,
                "criterion_id": cid,
                "min_coverage_pct": float(cov),
                "min_active_pct": float(act),
                "ceremony_date": ceremony,
                "evidence_date": date,
                "date_basis": basis,
                "note": "; ".join(notes),
                "urls": a.get("urls", ""),
            }
        )
    out = pd.DataFrame(rows, columns=list(AWARD_EVIDENCE))
    out["award_year"] = out["award_year"].astype("int64")
    return out.sort_values(["region_code", "evidence_date", "observation_id"]).reset_index(
        drop=True
    )


def award_figures(awards: pd.DataFrame) -> pd.DataFrame:
    """Awards as lower-bound evidence rows in the layout of :func:`figures` (``kind="award"``).

    One row per award and measure it states a minimum for.
    """
    parts = []
    for measure, column in (("registered", "min_coverage_pct"), ("active", "min_active_pct")):
        a = awards.loc[awards[column].notna()]
        parts.append(
            pd.DataFrame(
                {
                    "region_code": a["region_code"].astype(str),
                    "measure": measure,
                    "date": pd.to_datetime(a["evidence_date"]),
                    "value_pct": a[column].astype(float),
                    "kind": "award",
                    "denominator": "resident" if measure == "registered" else "unstated",
                    "observation_id": a["observation_id"].astype(str),
                    "label": [
                        f"UHC Award {y}{' ' + t if t else ''}, {b}"
                        for y, t, b in zip(a["award_year"], a["tier"], a["date_basis"], strict=True)
                    ],
                    "urls": a["urls"].astype(str),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)[list(FIGURES)]


def contradictions(
    figs: pd.DataFrame,
    awards: pd.DataFrame,
    regions: pd.DataFrame,
    *,
    window_months: float = 6.0,
) -> pd.DataFrame:
    """Figures below what an award of the same period implies (columns :data:`CONTRADICTIONS`).

    A figure (``kind == "observed"``) of registered coverage or activity dated
    within ``window_months`` of an award's evidence date and below the
    award's implied minimum for that measure. ``regions`` gives the names
    (``region_code``, ``region_name``).

    Examples
    --------
    >>> f = pd.DataFrame({"region_code": ["1602"], "measure": ["registered"],
    ...     "date": [pd.Timestamp("2026-01-01")], "value_pct": [81.85], "kind": ["observed"],
    ...     "denominator": ["resident"], "observation_id": ["E"], "urls": ["u"]})
    >>> a = pd.DataFrame({"region_code": ["1602"], "observation_id": ["C"], "award_year": [2026],
    ...     "tier": ["pratama"], "min_coverage_pct": [98.0], "min_active_pct": [80.0],
    ...     "evidence_date": [pd.Timestamp("2026-01-27")]})
    >>> g = pd.DataFrame({"region_code": ["1602"], "region_name": ["Ogan Komering Ilir"]})
    >>> out = contradictions(f, a, g)
    >>> out[["figure_pct", "implied_min_pct", "gap_pp", "days_apart"]].values.tolist()
    [[81.85, 98.0, -16.15, 26.0]]
    """
    names = dict(zip(regions["region_code"], regions["region_name"], strict=True))
    points = figs.loc[figs["kind"].eq("observed")]
    by_key = {key: g.to_dict("records") for key, g in points.groupby(["region_code", "measure"])}
    rows: list[dict[str, object]] = []
    limit = window_months * _DAYS_PER_MONTH
    for a in awards.to_dict("records"):
        when = pd.Timestamp(a["evidence_date"])
        for measure, column in (("registered", "min_coverage_pct"), ("active", "min_active_pct")):
            floor = a[column]
            if pd.isna(floor):
                continue
            for f in by_key.get((a["region_code"], measure), []):
                d = (f["date"] - when).days
                if abs(d) > limit or not f["value_pct"] < floor:
                    continue
                rows.append(
                    {
                        "region_code": a["region_code"],
                        "region_name": names.get(a["region_code"], ""),
                        "measure": measure,
                        "figure_observation_id": f["observation_id"],
                        "figure_date": f["date"].date().isoformat(),
                        "figure_pct": f["value_pct"],
                        "award_observation_id": a["observation_id"],
                        "award_year": a["award_year"],
                        "award_tier": a["tier"],
                        "award_evidence_date": pd.Timestamp(a["evidence_date"]).date().isoformat(),
                        "implied_min_pct": float(floor),
                        "gap_pp": round(float(f["value_pct"]) - float(floor), 4),
                        "days_apart": float(abs(d)),
                        "note": (
                            f"{measure} {f['value_pct']:.2f} % on {f['date'].date()} is below the "
                            f"{float(floor):g} % a {a['award_year']} "
                            f"{a['tier'] + ' ' if a['tier'] else ''}award implies "
                            f"({abs(d)} days apart): one of the two is wrong or the figure is "
                            "another measure"
                        ),
                    }
                )
    out = pd.DataFrame(rows, columns=list(CONTRADICTIONS))
    return out.sort_values(["region_code", "figure_date", "award_observation_id"]).reset_index(
        drop=True
    )


# --------------------------------------------------------------------------- projected bands


def band_at(path: pd.DataFrame, year: float) -> dict[str, float]:
    """The path's median and band quantiles at decimal ``year`` (linear in time; NaN outside)."""
    years = path["year"].to_numpy(dtype=float)
    out: dict[str, float] = {}
    for column, _ in _KNOTS:
        if column not in path or not len(years) or not (years.min() <= year <= years.max()):
            out[column] = math.nan
            continue
        values = path[column].to_numpy(dtype=float)
        ok = np.isfinite(values)
        out[column] = float(np.interp(year, years[ok], values[ok])) if ok.sum() else math.nan
    return out


def probability_at_or_above(path: pd.DataFrame, year: float, threshold: float) -> float:
    """P(value >= ``threshold``) at decimal ``year`` from a path's predictive band.

    The path gives five quantiles (2.5, 10, 50, 90, 97.5 %: ``lo95``, ``lo80``,
    the median ``coverage_pct``, ``hi80``, ``hi95``). Their standard-normal
    scores are interpolated linearly in the value (and extrapolated with the
    outermost slope), and P = 1 - Phi(z(threshold)). This is exact for a
    normal band and follows the asymmetry of a band that was normal on the
    logit scale (the projection's own), without assuming its ceiling. Written
    here because no library builds a distribution from a handful of quantiles;
    knots whose value does not increase (a band clipped at the ceiling) are
    dropped. NaN outside the path's years or with fewer than two quantiles.

    Examples
    --------
    >>> path = pd.DataFrame({"year": [2026], "coverage_pct": [96.0], "lo80": [94.0],
    ...     "hi80": [98.0], "lo95": [93.0], "hi95": [99.0]})
    >>> round(probability_at_or_above(path, 2026.0, 98.0), 3)
    0.1
    >>> round(probability_at_or_above(path, 2026.0, 90.0), 4)
    1.0
    """
    q = band_at(path, year)
    values, scores = [], []
    for column, z in _KNOTS:
        v = q[column]
        if math.isfinite(v) and (not values or v > values[-1]):
            values.append(v)
            scores.append(z)
    if len(values) < 2:
        return math.nan
    if threshold <= values[0]:
        slope = (scores[1] - scores[0]) / (values[1] - values[0])
        z = scores[0] + (threshold - values[0]) * slope
    elif threshold >= values[-1]:
        slope = (scores[-1] - scores[-2]) / (values[-1] - values[-2])
        z = scores[-1] + (threshold - values[-1]) * slope
    else:
        z = float(np.interp(threshold, values, scores))
    return float(stats.norm.sf(z))


def crossing_year(path: pd.DataFrame, threshold: float, column: str = "coverage_pct") -> float:
    """First decimal year the path's ``column`` reaches ``threshold`` (linear between years).

    The path's first year when it starts at or above; NaN when it never does.

    Examples
    --------
    >>> p = pd.DataFrame({"year": [2025, 2026, 2027], "coverage_pct": [90.0, 94.0, 96.0]})
    >>> crossing_year(p, 95.0), crossing_year(p, 99.0)
    (2026.5, nan)
    """
    if column not in path or not len(path):
        return math.nan
    years = path["year"].to_numpy(dtype=float)
    values = path[column].to_numpy(dtype=float)
    above = np.flatnonzero(values >= threshold)
    if not len(above):
        return math.nan
    i = int(above[0])
    if i == 0:
        return float(years[0])
    v0, v1 = values[i - 1], values[i]
    return float(years[i - 1] + (threshold - v0) / (v1 - v0) * (years[i] - years[i - 1]))


def _of_measure(table: pd.DataFrame, measure: str) -> pd.DataFrame:
    """Rows of ``measure`` (a table without a ``measure`` column is registered coverage)."""
    if "measure" in table.columns:
        return table.loc[table["measure"].astype(str).eq(measure)]
    return table if measure == "registered" else table.iloc[0:0]


def paths_by_region(
    paths: pd.DataFrame | None,
    projections: pd.DataFrame | None,
    path_models: tuple[str, ...] = ("rw_drift", "rw_drift_linked"),
    measure: str = "registered",
) -> dict[str, tuple[str, pd.DataFrame]]:
    """Region -> (model, path of ``measure``) for the model the projections chose.

    The model the projections table names for the region when the paths have
    it, else the first of ``path_models`` the paths have, else the first by name.
    """
    if paths is None or not len(paths):
        return {}
    p = _of_measure(paths, measure)
    named: dict[str, list[str]] = {}
    if projections is not None and len(projections):
        proj = _of_measure(projections, measure)
        for code, model in zip(proj["region_code"], proj["model"], strict=True):
            named.setdefault(str(code), []).append(str(model))
    out: dict[str, tuple[str, pd.DataFrame]] = {}
    for code, g in p.groupby(p["region_code"].astype(str), sort=True):
        models = sorted(set(g["model"].astype(str)))
        order = [m for m in named.get(code, []) if m in models]
        order += [m for m in path_models if m in models] + models
        model = order[0]
        out[code] = (model, g.loc[g["model"].astype(str).eq(model)].sort_values("year"))
    return out


def projection_index(
    projections: pd.DataFrame | None, measure: str = "registered"
) -> dict[tuple[str, float], tuple[float, float, float]]:
    """(region, threshold) -> projected (year, lo80, hi80) of ``measure``'s rows still to cross."""
    if projections is None or not len(projections):
        return {}
    p = _of_measure(projections, measure)
    p = p.loc[p["status"].isin(["on_track", "overdue", "not_on_current_trend"])]
    return {
        (str(code), round(float(t), 6)): (float(y), float(lo), float(hi))
        for code, t, y, lo, hi in zip(
            p["region_code"],
            p["threshold"],
            p["year_reached"],
            p["year_reached_lo80"],
            p["year_reached_hi80"],
            strict=True,
        )
    }


def projected_crossing(
    index: dict[tuple[str, float], tuple[float, float, float]],
    path: pd.DataFrame | None,
    code: str,
    threshold: float,
    after: float = -math.inf,
) -> tuple[float, float, float]:
    """(median year, lo80, hi80) the projection gives for reaching ``threshold``.

    The projections table's own figures where it has the threshold and they are
    not before ``after`` (the date of the latest evidence, which a crossing
    cannot precede), else the crossings of the path's median and 80 % band
    from ``after`` on.

    Examples
    --------
    >>> p = pd.DataFrame({"year": [2020.0, 2022.0, 2024.0], "coverage_pct": [94.0, 96.0, 97.0],
    ...     "lo80": [92.0, 94.0, 96.0], "hi80": [96.0, 98.0, 99.0]})
    >>> projected_crossing({}, p, "1701", 95.0)
    (2021.0, 2020.0, 2023.0)
    >>> projected_crossing({}, p, "1701", 95.0, after=2023.0)
    (2023.0, 2023.0, 2023.0)
    """
    key = (code, round(float(threshold), 6))
    if key in index and not index[key][1] < after:
        return index[key]
    if path is None:
        return math.nan, math.nan, math.nan
    if math.isfinite(after):
        years = path["year"].to_numpy(dtype=float)
        if after > years.min():
            cut = {
                c: np.interp(after, years, path[c].to_numpy(dtype=float))
                for c in ("coverage_pct", "lo80", "hi80")
                if c in path
            }
            head = pd.DataFrame({"year": [after], **{c: [v] for c, v in cut.items()}})
            path = pd.concat([head, path.loc[path["year"] > after]], ignore_index=True)
    # the upper band reaches a threshold first, the lower band last
    return (
        crossing_year(path, threshold),
        crossing_year(path, threshold, "hi80"),
        crossing_year(path, threshold, "lo80"),
    )


def joint_key(code: object, coverage: object, active: object) -> tuple[str, float, float]:
    """The key of :func:`joint_probabilities`: region code and the two thresholds, rounded."""
    return str(code), round(float(coverage), 6), round(float(active), 6)  # type: ignore[arg-type]


def joint_probabilities(
    projections: pd.DataFrame | None,
) -> dict[tuple[str, float, float], float]:
    """(region, coverage threshold, activity threshold) -> P(both met today) of the joint rows.

    The ``joint`` rows of ``time_to_uhc`` come from the same simulated paths of
    coverage and activity, so their probability keeps the two measures'
    dependence (activity per resident never exceeds registered coverage).

    Examples
    --------
    >>> t = pd.DataFrame({"region_code": ["1701"], "measure": ["joint"], "threshold": [98.0],
    ...     "threshold_active": [80.0], "probability_at_or_above": [0.25]})
    >>> joint_probabilities(t)
    {('1701', 98.0, 80.0): 0.25}
    """
    if projections is None or "threshold_active" not in projections.columns:
        return {}
    j = projections.loc[projections["measure"].astype(str).eq("joint")]
    return {
        joint_key(c, t, a): float(p)
        for c, t, a, p in zip(
            j["region_code"],
            j["threshold"],
            j["threshold_active"],
            j["probability_at_or_above"],
            strict=True,
        )
    }
