"""Population series and the coverage panel (merge stage).

Coverage is participants / population, and the denominator matters: BPJS and
local governments divide by the Dukcapil civil-registry count ("DKB"), BPS
publishes census and projection counts. The panel therefore carries, for every
enrolment observation, up to three rows:

``published``
    the figure as the source gave it, with the source's own denominator
    (whatever its basis; often unstated);
``dukcapil``
    participants divided by the Dukcapil population series at that date;
``bps``
    participants divided by the BPS population series at that date.

Population series rules
-----------------------
* Published points of one basis family (Dukcapil DKB; BPS census, projection
  and estimate together, census preferred at equal dates) are used as given.
* Between two points: interpolation on the log scale (constant growth rate).
* Beyond the first/last point: the growth rate of the nearest two points at
  least a year apart, for at most ``max_extrapolation_years`` (3) years; no
  value further out. A region with a single point borrows the growth rate of
  the same region under the other basis, else of its province (same basis,
  then other basis), provided the points behind that rate lie within
  ``max_rate_staleness_years`` (5) of the date; with none, only the point
  itself is used.
* Every value says how it was obtained (``published`` / ``interpolated`` /
  ``extrapolated``) and which population observations it came from.

Participants: the published count; if a source gives only a percentage, the
count is derived from it and the population the source states, or, when it
states none, the Dukcapil series (the basis BPJS uses), then the BPS series;
``participants_status`` says which. Coverage above 100 % is kept and flagged
(``over_100``), never capped. Survey-reported coverage (Susenas) has no
participant count and appears only as published. Measures are never mixed.

Examples
--------
>>> from uhc_analysis.transform import clean, panel
>>> cleaned = clean.clean_all()                                  # doctest: +SKIP
>>> cov = panel.coverage_panel(cleaned.enrolment, cleaned.population)  # doctest: +SKIP
>>> cov.query("region_code == '1607' and period == '2023-09-01'")     # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from uhc_analysis import schemas
from uhc_analysis.ingest.parsing import decimal_years
from uhc_analysis.io import read_table
from uhc_analysis.transform.rows import iter_rows

FAMILIES: tuple[str, ...] = ("dukcapil", "bps")
_BASIS_PRIORITY = {"bps_census": 0, "dukcapil_dkb": 0, "bps_projection": 1, "bps_estimate": 2}


@dataclass(frozen=True)
class PopulationSettings:
    """Tunables of the population series.

    Examples
    --------
    >>> PopulationSettings().max_extrapolation_years
    3.0
    """

    max_extrapolation_years: float = 3.0
    #: minimum spacing of the two points that define an edge growth rate
    min_rate_span_years: float = 1.0
    #: a borrowed growth rate must come from points within this many years of the date
    max_rate_staleness_years: float = 5.0
    #: yearly mid-year values written to ``population_series.csv``
    first_year: int = 2014
    last_year: int = 2026


@dataclass
class _Series:
    t: np.ndarray  # decimal years, ascending, unique
    logp: np.ndarray
    ids: list[str]
    rate_lo: float | None
    rate_hi: float | None


def _edge_rate(t: np.ndarray, logp: np.ndarray, at_end: bool, min_span: float) -> float | None:
    if len(t) < 2:
        return None
    if at_end:
        i = len(t) - 1
        j = next((k for k in range(i - 1, -1, -1) if t[i] - t[k] >= min_span), 0)
    else:
        j = 0
        i = next((k for k in range(1, len(t)) if t[k] - t[j] >= min_span), len(t) - 1)
    return float((logp[i] - logp[j]) / (t[i] - t[j]))


def _series_points(
    population: pd.DataFrame, settings: PopulationSettings
) -> dict[tuple[str, str], _Series]:
    pop = population[population["use_in_analysis"].astype(bool)].copy()
    pop["family"] = pop["basis_family"]
    pop = pop[pop["family"].isin(FAMILIES)]
    pop["t"] = decimal_years(pop["date"])
    pop["priority"] = pop["basis"].map(_BASIS_PRIORITY).fillna(9)
    pop = pop.sort_values(["region_code", "family", "t", "priority", "observation_id"])
    pop = pop.drop_duplicates(["region_code", "family", "t"], keep="first")
    out: dict[tuple[str, str], _Series] = {}
    for (code, fam), g in pop.groupby(["region_code", "family"], sort=True):
        t = g["t"].to_numpy()
        logp = np.log(g["population"].to_numpy(dtype=float))
        out[(code, fam)] = _Series(
            t,
            logp,
            list(g["observation_id"]),
            _edge_rate(t, logp, False, settings.min_rate_span_years),
            _edge_rate(t, logp, True, settings.min_rate_span_years),
        )
    return out


#: A borrowed growth rate: (rate, first and last year of the points behind it, label).
_Fallback = tuple[float, float, float, str]


def _evaluate(
    s: _Series,
    tq: np.ndarray,
    fallbacks: list[_Fallback],
    max_years: float,
    max_staleness: float,
) -> tuple[np.ndarray, list[str], list[str]]:
    """Population, status and contributing observation ids at query times (vectorised)."""
    n = len(s.t)
    values = np.full(len(tq), np.nan)
    status = np.full(len(tq), "", dtype=object)
    ids = np.full(len(tq), "", dtype=object)
    if not len(tq):
        return values, list(status), list(ids)
    ids_arr = np.asarray(s.ids, dtype=object)
    pos = np.searchsorted(s.t, tq)
    # exact hits: the point at pos (or pos-1) equals the query time
    near = np.clip(pos, 0, n - 1)
    prev = np.clip(pos - 1, 0, n - 1)
    hit_near = np.abs(s.t[near] - tq) <= 1e-9
    hit_prev = np.abs(s.t[prev] - tq) <= 1e-9
    exact = hit_near | hit_prev
    which = np.where(hit_near, near, prev)
    values[exact] = np.exp(s.logp[which[exact]])
    status[exact] = "published"
    ids[exact] = ids_arr[which[exact]]
    # interior: log-linear interpolation between the neighbouring points
    inside = ~exact & (tq > s.t[0]) & (tq < s.t[-1])
    if inside.any():
        hi = pos[inside]
        lo = hi - 1
        w = (tq[inside] - s.t[lo]) / (s.t[hi] - s.t[lo])
        values[inside] = np.exp(s.logp[lo] + w * (s.logp[hi] - s.logp[lo]))
        status[inside] = "interpolated"
        ids[inside] = [f"{a};{b}" for a, b in zip(ids_arr[lo], ids_arr[hi], strict=True)]
    # beyond the edges: the edge growth rate, or a borrowed one, for max_years at most
    for k in np.flatnonzero(~exact & ~inside):
        t = tq[k]
        before = t < s.t[0]
        edge = 0 if before else n - 1
        rate = s.rate_lo if before else s.rate_hi
        label = "extrapolated"
        if rate is None:
            usable = [f for f in fallbacks if f[1] - max_staleness <= t <= f[2] + max_staleness]
            if usable:
                rate, label = usable[0][0], f"extrapolated_{usable[0][3]}_rate"
        if rate is None or abs(t - s.t[edge]) > max_years:
            continue
        values[k] = np.exp(s.logp[edge] + rate * (t - s.t[edge]))
        status[k] = label
        ids[k] = s.ids[edge]
    return values, list(status), list(ids)


class PopulationModel:
    """Population of any region at any date, per basis family (rules in module doc).

    Examples
    --------
    >>> model = PopulationModel(cleaned.population)     # doctest: +SKIP
    >>> model.at("1607", "dukcapil", ["2023-09-01"])      # doctest: +SKIP
    """

    def __init__(self, population: pd.DataFrame, settings: PopulationSettings | None = None):
        self.settings = settings or PopulationSettings()
        self.series = _series_points(population, self.settings)

    def _fallbacks(self, code: str, family: str) -> list[_Fallback]:
        """Growth rates to borrow when a series has a single point, in order of preference:
        the same region under the other basis, then its province (same basis, other basis).
        """
        other = next(f for f in FAMILIES if f != family)
        keys = [((code, other), "other_basis")]
        if len(code) == 4:
            keys += [((code[:2], family), "province"), ((code[:2], other), "province")]
        out: list[_Fallback] = []
        for key, label in keys:
            s = self.series.get(key)
            if s is not None and len(s.t) >= 2:
                rate = float((s.logp[-1] - s.logp[0]) / (s.t[-1] - s.t[0]))
                out.append((rate, float(s.t[0]), float(s.t[-1]), label))
        return out

    def values_at(
        self, code: str, family: str, dates: list[str]
    ) -> tuple[np.ndarray, list[str], list[str]]:
        """Population values, statuses and observation ids at ``dates`` (ISO strings)."""
        s = self.series.get((code, family))
        if s is None or not len(dates):
            return np.full(len(dates), np.nan), [""] * len(dates), [""] * len(dates)
        return _evaluate(
            s,
            decimal_years(dates),
            self._fallbacks(code, family),
            self.settings.max_extrapolation_years,
            self.settings.max_rate_staleness_years,
        )

    def at(self, code: str, family: str, dates: pd.Series | list[str]) -> pd.DataFrame:
        """Population of ``code`` under ``family`` at ``dates`` (ISO strings), as a frame."""
        values, status, ids = self.values_at(code, family, list(dates))
        return pd.DataFrame(
            {"population": values, "population_status": status, "population_ids": ids}
        )


def population_series(
    population: pd.DataFrame,
    settings: PopulationSettings | None = None,
    model: PopulationModel | None = None,
) -> pd.DataFrame:
    """Yearly (1 July) population per region and basis family, with how it was obtained.

    Rows where no value can honestly be given (too far from any published
    point) are left out; the published points themselves are always included.
    """
    settings = settings or PopulationSettings()
    model = model or PopulationModel(population, settings)
    names = population.drop_duplicates("region_code").set_index("region_code")
    years = [f"{y}-07-01" for y in range(settings.first_year, settings.last_year + 1)]
    date_of = dict(zip(population["observation_id"], population["date"], strict=True))
    records: list[tuple[str, str, str, float, str, str]] = []
    for (code, fam), series in sorted(model.series.items()):
        dates = sorted(set(years) | {date_of[i] for i in series.ids})
        values, status, ids = model.values_at(code, fam, dates)
        records += [
            (code, fam, d, v, st, i)
            for d, v, st, i in zip(dates, values, status, ids, strict=True)
            if not np.isnan(v)
        ]
    frames = (
        [
            pd.DataFrame.from_records(
                records,
                columns=[
                    "region_code",
                    "basis",
                    "date",
                    "population",
                    "population_status",
                    "population_ids",
                ],
            )
        ]
        if records
        else []
    )
    cols = [
        "region_code",
        "region_name",
        "region_level",
        "province_code",
        "basis",
        "date",
        "population",
        "population_status",
        "population_ids",
    ]
    if not frames:
        return pd.DataFrame(columns=cols)
    out = pd.concat(frames, ignore_index=True)
    out["region_name"] = out["region_code"].map(names["region_name"])
    out["region_level"] = out["region_code"].map(names["region_level"])
    out["province_code"] = out["region_code"].map(names["province_code"])
    out["population"] = out["population"].round(0)
    return out[cols].sort_values(["region_code", "basis", "date"]).reset_index(drop=True)


def province_total_check(series: pd.DataFrame, regions: pd.DataFrame) -> pd.DataFrame:
    """Province population against the sum of its regencies, per basis and date.

    Only dates where the province and every one of its regencies (as of that
    date; regencies formed later are skipped) have a value are compared; the
    difference is reported, not hidden.
    """
    rows = []
    regencies = regions[regions["kind"] != "province"]
    for (prov, fam, date), g in series[series["region_level"] == "province"].groupby(
        ["region_code", "basis", "date"]
    ):
        year = int(str(date)[:4])
        members = regencies[
            (regencies["province_code"] == prov)
            & ~(regencies["formed_year"].fillna(0).astype(int) > year)
        ]
        sub = series[
            (series["basis"] == fam)
            & (series["date"] == date)
            & series["region_code"].isin(members["bps_code"])
        ]
        if len(sub) != len(members) or not len(members):
            continue
        total = float(g["population"].iloc[0])
        summed = float(sub["population"].sum())
        rows.append(
            (
                prov,
                fam,
                date,
                total,
                summed,
                total - summed,
                100 * (total - summed) / total,
                len(members),
            )
        )
    return pd.DataFrame(
        rows,
        columns=[
            "province_code",
            "basis",
            "date",
            "province_population",
            "sum_of_regencies",
            "difference",
            "difference_pct",
            "n_regencies",
        ],
    )


def _join_ids(*parts: str) -> str:
    ids = sorted({p for part in parts for p in str(part).split(";") if p})
    return ";".join(ids)


def coverage_panel(
    enrolment: pd.DataFrame,
    population: pd.DataFrame,
    settings: PopulationSettings | None = None,
    model: PopulationModel | None = None,
) -> pd.DataFrame:
    """The tidy coverage panel: region x period x measure x basis (see module doc).

    Parameters
    ----------
    enrolment, population
        Processed observation tables (``clean.clean_all()`` or
        ``clean.load_processed``). Only observations with
        ``use_in_analysis`` are used (conflicts are resolved by the rule in
        :mod:`uhc_analysis.transform.clean`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`uhc_analysis.schemas.PANEL`, sorted by region, date,
        measure, basis.
    """
    model = model or PopulationModel(population, settings)
    pop_sources = population.set_index("observation_id")["source_ids"].to_dict()
    pop_urls = population.set_index("observation_id")["urls"].to_dict()
    enr = enrolment[enrolment["use_in_analysis"].astype(bool)].reset_index(drop=True)
    rows: list[dict] = []
    for code, g in enr.groupby("region_code", sort=True):
        lookups = {
            fam: model.at(code, fam, g["date"].tolist()).to_dict("records") for fam in FAMILIES
        }
        for k, obs in enumerate(iter_rows(g)):
            enrolled = _num(obs.enrolled)
            pct = _num(obs.coverage_pct)
            src_pop = _num(obs.population)
            base = {
                "region_code": code,
                "region_name": obs.region_name,
                "region_level": obs.region_level,
                "province_code": obs.province_code,
                "period": obs.period,
                "period_precision": obs.period_precision,
                "date": obs.date,
                "measure": obs.measure,
                "published_coverage_pct": pct,
                "lower_bound": bool(obs.lower_bound),
                "rounded": bool(obs.rounded),
                "observation_id": obs.observation_id,
            }
            # participants: published, or derived from the percentage
            if enrolled is not None:
                participants, p_status = enrolled, "published"
            elif pct is not None and src_pop is not None and obs.measure != "survey":
                participants, p_status = pct / 100 * src_pop, "derived_from_pct_source_population"
            else:
                participants, p_status = None, ""
                if pct is not None and obs.measure != "survey":
                    for fam in FAMILIES:
                        fam_pop = lookups[fam][k]
                        if not np.isnan(fam_pop["population"]):
                            participants = pct / 100 * fam_pop["population"]
                            p_status = f"derived_from_pct_{fam}_population"
                            break
            # the published row (source's own denominator)
            if pct is not None:
                pub_pop, pop_status = src_pop, ("published" if src_pop is not None else "")
                if pub_pop is None and enrolled is not None and pct > 0:
                    pub_pop, pop_status = enrolled / (pct / 100), "derived_from_count_and_pct"
                rows.append(
                    {
                        **base,
                        "basis": "published",
                        "participants": participants if obs.measure != "survey" else None,
                        "participants_status": p_status if obs.measure != "survey" else "",
                        "population": pub_pop,
                        "population_status": pop_status,
                        "coverage_pct": pct,
                        "coverage_status": "published",
                        "population_ids": "",
                        "source_ids": obs.source_ids,
                        "urls": obs.urls,
                    }
                )
            elif enrolled is not None and src_pop is not None:
                rows.append(
                    {
                        **base,
                        "basis": "published",
                        "participants": enrolled,
                        "participants_status": "published",
                        "population": src_pop,
                        "population_status": "published",
                        "coverage_pct": 100 * enrolled / src_pop,
                        "coverage_status": "computed",
                        "population_ids": "",
                        "source_ids": obs.source_ids,
                        "urls": obs.urls,
                    }
                )
            else:  # a count with no denominator from the source: kept, coverage unknown
                rows.append(
                    {
                        **base,
                        "basis": "published",
                        "participants": enrolled,
                        "participants_status": "published",
                        "population": None,
                        "population_status": "",
                        "coverage_pct": None,
                        "coverage_status": "no_denominator_published",
                        "population_ids": "",
                        "source_ids": obs.source_ids,
                        "urls": obs.urls,
                    }
                )
            if obs.measure == "survey" or participants is None:
                continue
            for fam in FAMILIES:
                fam_pop = lookups[fam][k]
                if np.isnan(fam_pop["population"]):
                    continue
                ids = fam_pop["population_ids"]
                rows.append(
                    {
                        **base,
                        "basis": fam,
                        "participants": participants,
                        "participants_status": p_status,
                        "population": fam_pop["population"],
                        "population_status": fam_pop["population_status"],
                        "coverage_pct": 100 * participants / fam_pop["population"],
                        "coverage_status": "computed",
                        "population_ids": ids,
                        "source_ids": _join_ids(
                            obs.source_ids, *(pop_sources.get(i, "") for i in ids.split(";"))
                        ),
                        "urls": " ".join(
                            sorted(
                                set(obs.urls.split())
                                | {
                                    u
                                    for i in ids.split(";")
                                    for u in str(pop_urls.get(i, "")).split()
                                }
                            )
                        ),
                    }
                )
    panel = pd.DataFrame(rows)
    if panel.empty:
        panel = pd.DataFrame(columns=list(schemas.PANEL))
    panel["decimal_year"] = decimal_years(panel["date"]) if len(panel) else []
    panel["over_100"] = panel["coverage_pct"].astype(float) > 100
    for col in ("participants", "population"):
        panel[col] = panel[col].astype(float).round(0)
    panel["coverage_pct"] = panel["coverage_pct"].astype(float).round(4)
    order = {"published": 0, "dukcapil": 1, "bps": 2}
    panel = (
        panel.assign(_b=panel["basis"].map(order))
        .sort_values(["region_code", "date", "measure", "_b", "observation_id"], kind="mergesort")
        .drop(columns="_b")
    )
    panel = panel.loc[:, list(schemas.PANEL)].reset_index(drop=True)
    schemas.check_columns(panel, schemas.PANEL, "coverage_panel")
    return panel


def _num(value: object) -> float | None:
    if value is None or value == "":
        return None
    try:
        f = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if np.isnan(f) else f


def trace_sources(panel_row: pd.Series | dict, processed_dir: Path | None = None) -> pd.DataFrame:
    """Where the numbers of one panel row came from: one row per source URL.

    Returns the enrolment observation's sources (role ``participants`` /
    ``coverage``) and the population observations' sources (role
    ``population``), with publisher and publication date from ``sources.csv``
    and the raw file lines.

    Examples
    --------
    >>> cov = load_panel()                                            # doctest: +SKIP
    >>> trace_sources(cov.iloc[0])[["role", "url"]]                   # doctest: +SKIP
    """
    from uhc_analysis.io import load_processed

    row = dict(panel_row)
    sources = load_processed("sources", processed_dir).set_index("source_id")
    enrolment = read_table("enrolment", processed_dir).set_index("observation_id")
    population = read_table("population", processed_dir).set_index("observation_id")
    out = []
    obs = enrolment.loc[row["observation_id"]]
    for sid in obs["source_ids"].split(";"):
        out.append(("participants/coverage", row["observation_id"], sid, obs["raw_refs"]))
    for pid in filter(None, str(row.get("population_ids", "") or "").split(";")):
        p = population.loc[pid]
        for sid in p["source_ids"].split(";"):
            out.append(("population", pid, sid, p["raw_refs"]))
    frame = pd.DataFrame(out, columns=["role", "observation_id", "source_id", "raw_refs"])
    frame = frame.join(sources[["url", "publisher", "published"]], on="source_id")
    return frame.sort_values(["role", "observation_id", "source_id"]).reset_index(drop=True)


def recompute_check(
    enrolment: pd.DataFrame,
    model: PopulationModel | None = None,
    population: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Published percentages against the ones recomputed from published counts.

    Where a source states participants, percentage and population, the
    percentage is recomputed; tolerance is the published rounding (half a unit
    of the last decimal printed, at least 0.05 points), widened to 1 % of the
    value for figures the remarks call rounded. Where a source states
    participants and percentage but no population, the implied population is
    compared with the Dukcapil series (tolerance 3 %).
    """
    if model is None:
        model = PopulationModel(population if population is not None else pd.DataFrame())
    rows = []
    # Dukcapil population at every date needed, one model call per region (speed)
    needs = enrolment[
        enrolment["enrolled"].notna()
        & enrolment["coverage_pct"].notna()
        & enrolment["population"].isna()
        & (enrolment["measure"] != "survey")
    ]
    dukcapil: dict[tuple[str, str], float] = {}
    for code, g in needs.groupby("region_code", sort=True):
        dates = sorted(set(g["date"]))
        values = model.at(code, "dukcapil", dates)["population"].to_numpy()
        dukcapil.update({(code, d): float(v) for d, v in zip(dates, values, strict=True)})
    for obs in iter_rows(enrolment):
        e, p, n = _num(obs.enrolled), _num(obs.coverage_pct), _num(obs.population)
        if e is None or p is None or obs.measure == "survey":
            continue
        tol = 0.05 if not obs.rounded else max(0.05, 0.01 * p)
        if n is not None:
            recomputed = 100 * e / n
            diff = recomputed - p
            rows.append(
                (
                    obs.observation_id,
                    obs.region_code,
                    obs.region_name,
                    obs.period,
                    "pct_from_published_counts",
                    p,
                    recomputed,
                    diff,
                    abs(diff) > tol,
                    obs.urls,
                )
            )
        else:
            implied = e / (p / 100)
            reference = dukcapil.get((obs.region_code, obs.date), np.nan)
            if np.isnan(reference):
                continue
            diff = 100 * (implied - reference) / reference
            rows.append(
                (
                    obs.observation_id,
                    obs.region_code,
                    obs.region_name,
                    obs.period,
                    "implied_population_vs_dukcapil_pct",
                    implied,
                    reference,
                    diff,
                    abs(diff) > 3.0,
                    obs.urls,
                )
            )
    out = pd.DataFrame(
        rows,
        columns=[
            "observation_id",
            "region_code",
            "region_name",
            "period",
            "check",
            "published",
            "recomputed",
            "difference",
            "beyond_rounding",
            "urls",
        ],
    )
    out["beyond_rounding"] = out["beyond_rounding"].astype(bool)
    return out


__all__ = [
    "PopulationModel",
    "PopulationSettings",
    "coverage_panel",
    "population_series",
    "province_total_check",
    "recompute_check",
    "trace_sources",
]
