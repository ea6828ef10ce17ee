"""Population series: any region's population at any date, per basis family.

Coverage is participants / population, and the denominator matters: BPJS and
local governments divide by the Dukcapil civil-registry count ("DKB"), BPS
publishes census and projection counts. :class:`PopulationModel` gives the
population of a region at any date in each basis family (``dukcapil``,
``bps``), with how the value was obtained and which population observations it
came from; :func:`population_series` tabulates it yearly
(``population_series.csv``) with its link table
(``population_series_observations.csv``).

Rules
-----
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

Examples
--------
>>> import pandas as pd
>>> population = pd.DataFrame({
...     "observation_id": ["P-1", "P-2"], "region_code": ["1607", "1607"],
...     "region_name": ["Banyuasin"] * 2, "region_level": ["regency"] * 2,
...     "province_code": ["16"] * 2, "date": ["2020-07-01", "2022-07-01"],
...     "population": [800_000.0, 882_000.0], "basis": ["dukcapil_dkb"] * 2,
...     "basis_family": ["dukcapil"] * 2, "use_in_analysis": [True, True]})
>>> at = PopulationModel(population).at("1607", "dukcapil", ["2021-07-01"])
>>> round(at["population"][0]), at["population_status"][0], at["population_ids"][0]
(839972, 'interpolated', 'P-1;P-2')
>>> settings = PopulationSettings(first_year=2021, last_year=2021)
>>> series, links = population_series_tables(population, settings)
>>> series["population_ids"].tolist()
['P-1', 'P-1;P-2', 'P-2']
>>> links["population_id"].tolist()
['P-1', 'P-1', 'P-2', 'P-2']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from uhc_analysis import schemas
from uhc_analysis.ingest.parsing import decimal_years, iso_dates

#: The basis families of the population series (the panel's bases other than ``published``).
FAMILIES: tuple[str, ...] = schemas.PANEL_BASES[1:]
_BASIS_PRIORITY = {"bps_census": 0, "dukcapil_dkb": 0, "bps_projection": 1, "bps_estimate": 2}
#: The population observations behind one value (one, or the two it lies between).
Ids = tuple[str, ...]


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
) -> tuple[np.ndarray, list[str], list[Ids]]:
    """Population, status and contributing observation ids at query times (vectorised)."""
    n = len(s.t)
    values = np.full(len(tq), np.nan)
    status = np.full(len(tq), "", dtype=object)
    ids: list[Ids] = [()] * len(tq)
    if not len(tq):
        return values, list(status), ids
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
    for k in np.flatnonzero(exact):
        ids[k] = (s.ids[which[k]],)
    # interior: log-linear interpolation between the neighbouring points
    inside = ~exact & (tq > s.t[0]) & (tq < s.t[-1])
    if inside.any():
        hi = pos[inside]
        lo = hi - 1
        w = (tq[inside] - s.t[lo]) / (s.t[hi] - s.t[lo])
        values[inside] = np.exp(s.logp[lo] + w * (s.logp[hi] - s.logp[lo]))
        status[inside] = "interpolated"
        for k, a, b in zip(np.flatnonzero(inside), lo, hi, strict=True):
            ids[k] = (s.ids[a], s.ids[b])
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
        ids[k] = (s.ids[edge],)
    return values, list(status), ids


class PopulationModel:
    """Population of any region at any date, per basis family (rules in module doc).

    ``population`` is the population observation table (``use_in_analysis``
    rows are used); examples in the module docstring.
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
        self, code: str, family: str, dates: Sequence[object]
    ) -> tuple[np.ndarray, list[str], list[Ids]]:
        """Population values, statuses and observation ids at ``dates`` (ISO text or dates)."""
        s = self.series.get((code, family))
        if s is None or not len(dates):
            return np.full(len(dates), np.nan), [""] * len(dates), [()] * len(dates)
        return _evaluate(
            s,
            decimal_years(dates),
            self._fallbacks(code, family),
            self.settings.max_extrapolation_years,
            self.settings.max_rate_staleness_years,
        )

    def at(self, code: str, family: str, dates: Sequence[object]) -> pd.DataFrame:
        """Population of ``code`` under ``family`` at ``dates``, as a frame.

        ``population_ids`` joins the observations with ``;``, for people;
        :meth:`values_at` gives them as tuples.
        """
        values, status, ids = self.values_at(code, family, list(dates))
        return pd.DataFrame(
            {
                "population": values,
                "population_status": status,
                "population_ids": [";".join(i) for i in ids],
            }
        )


def population_series_tables(
    population: pd.DataFrame,
    settings: PopulationSettings | None = None,
    model: PopulationModel | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``population_series`` and its link table ``population_series_observations``.

    Yearly (1 July) population per region and basis family, with how it was
    obtained, plus every published point. Rows where no value can honestly be
    given (too far from any published point) are left out. The link table has
    one row per value and population observation it came from.
    """
    settings = settings or PopulationSettings()
    model = model or PopulationModel(population, settings)
    names = population.drop_duplicates("region_code").set_index("region_code")
    years = [f"{y}-07-01" for y in range(settings.first_year, settings.last_year + 1)]
    date_of = dict(
        zip(population["observation_id"].tolist(), iso_dates(population["date"]), strict=True)
    )
    records: list[tuple[str, str, str, float, str, Ids]] = []
    for (code, fam), series in sorted(model.series.items()):
        dates = sorted(set(years) | {date_of[i] for i in series.ids})
        values, status, ids = model.values_at(code, fam, dates)
        records += [
            (code, fam, d, v, st, i)
            for d, v, st, i in zip(dates, values, status, ids, strict=True)
            if not np.isnan(v)
        ]
    key = ["region_code", "basis", "date"]
    out = pd.DataFrame.from_records(
        records, columns=[*key, "population", "population_status", "ids"]
    )
    out = out.sort_values(key).reset_index(drop=True)
    links = out[[*key, "ids"]].explode("ids").dropna(subset=["ids"])
    links = links.rename(columns={"ids": "population_id"}).sort_values(
        [*key, "population_id"], kind="mergesort"
    )
    out["population_ids"] = [";".join(i) for i in out["ids"].tolist()]  # for people
    for col in ("region_name", "region_level", "province_code"):
        out[col] = out["region_code"].map(names[col]) if len(out) else ""
    out["population"] = out["population"].astype(float).round(0)
    return (
        schemas.validate(out.loc[:, list(schemas.POPULATION_SERIES)], "population_series"),
        schemas.validate(links.reset_index(drop=True), "population_series_observations"),
    )


def population_series(
    population: pd.DataFrame,
    settings: PopulationSettings | None = None,
    model: PopulationModel | None = None,
) -> pd.DataFrame:
    """The ``population_series`` table alone (see :func:`population_series_tables`).

    Examples
    --------
    >>> from uhc_analysis.transform.observations import clean_all
    >>> from uhc_analysis import config
    >>> series = population_series(clean_all(config.DATA_RAW).population)
    >>> sorted(series["basis"].unique())  # doctest: +ELLIPSIS
    [...'bps'...]
    """
    return population_series_tables(population, settings, model)[0]


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


__all__ = [
    "FAMILIES",
    "PopulationModel",
    "PopulationSettings",
    "population_series",
    "population_series_tables",
    "province_total_check",
]
