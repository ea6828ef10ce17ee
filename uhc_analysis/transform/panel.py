"""The coverage panel (merge stage): every enrolment observation under each denominator.

Coverage is participants / population. The panel carries, for every
enrolment observation used in analysis, up to three rows:

``published``
    the figure as the source gave it, with the source's own denominator
    (whatever its basis; often unstated);
``dukcapil``
    participants divided by the Dukcapil population series at that date;
``bps``
    participants divided by the BPS population series at that date
    (:class:`uhc_analysis.transform.population.PopulationModel`).

Participants: the published count; if a source gives only a percentage, the
count is derived from it and the population the source states, or, when it
states none, the Dukcapil series (the basis BPJS uses), then the BPS series;
``participants_status`` says which. Coverage above 100 % is kept and flagged
(``over_100``), never capped. Survey-reported coverage (Susenas) has no
participant count and appears only as published. Measures are never mixed.

Which population observations a ``dukcapil``/``bps`` row divides by is the
link table ``panel_population``; the row's sources are those of its
enrolment observation and of those population observations
(``observation_sources``). The panel's ``population_ids``, ``source_ids`` and
``urls`` columns repeat them joined into one cell, for people.

Examples
--------
>>> import pandas as pd
>>> enrolment = pd.DataFrame({
...     "observation_id": ["E-1"], "region_code": ["1607"], "region_name": ["Banyuasin"],
...     "region_level": ["regency"], "province_code": ["16"], "period": ["2021-07"],
...     "period_precision": ["month"], "date": ["2021-07-01"], "measure": ["registered"],
...     "enrolled": [800_000.0], "coverage_pct": [None], "population": [None],
...     "lower_bound": [False], "rounded": [False], "use_in_analysis": [True]})
>>> population = pd.DataFrame({
...     "observation_id": ["P-1"], "region_code": ["1607"], "region_name": ["Banyuasin"],
...     "region_level": ["regency"], "province_code": ["16"], "date": ["2021-07-01"],
...     "population": [840_000.0], "basis": ["dukcapil_dkb"], "basis_family": ["dukcapil"],
...     "use_in_analysis": [True]})
>>> links = pd.DataFrame({"observation_id": ["E-1", "P-1"],
...                       "source_id": ["S0000000001", "S0000000002"]})
>>> sources = pd.DataFrame({"source_id": ["S0000000001", "S0000000002"],
...                         "url": ["https://a.example/1", "https://b.example/2"]})
>>> panel, denominators = coverage_panel_tables(
...     enrolment, population, observation_sources=links, sources=sources)
>>> panel[["basis", "coverage_pct", "coverage_status", "urls"]].values.tolist()
[['published', nan, 'no_denominator_published', 'https://a.example/1'], \
['dukcapil', 95.2381, 'computed', 'https://a.example/1 https://b.example/2']]
>>> denominators.values.tolist()
[['E-1', 'dukcapil', 'P-1']]
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from uhc_analysis import schemas
from uhc_analysis.ingest.parsing import decimal_years, iso_dates
from uhc_analysis.transform.population import (
    FAMILIES,
    PopulationModel,
    PopulationSettings,
)
from uhc_analysis.transform.rows import iter_rows


def coverage_panel(
    enrolment: pd.DataFrame,
    population: pd.DataFrame,
    settings: PopulationSettings | None = None,
    model: PopulationModel | None = None,
    *,
    observation_sources: pd.DataFrame,
    sources: pd.DataFrame,
) -> pd.DataFrame:
    """The coverage panel alone (see :func:`coverage_panel_tables`).

    Examples
    --------
    >>> from uhc_analysis.transform.observations import clean_all
    >>> from uhc_analysis import config
    >>> r = clean_all(config.DATA_RAW)
    >>> panel = coverage_panel(r.enrolment, r.population,
    ...                        observation_sources=r.observation_sources, sources=r.sources)
    >>> sorted(panel["basis"].unique())
    ['bps', 'dukcapil', 'published']
    """
    return coverage_panel_tables(
        enrolment,
        population,
        settings,
        model,
        observation_sources=observation_sources,
        sources=sources,
    )[0]


def coverage_panel_tables(
    enrolment: pd.DataFrame,
    population: pd.DataFrame,
    settings: PopulationSettings | None = None,
    model: PopulationModel | None = None,
    *,
    observation_sources: pd.DataFrame,
    sources: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The tidy coverage panel (region x period x measure x basis) and ``panel_population``.

    Parameters
    ----------
    enrolment, population
        Observation tables (:class:`~uhc_analysis.transform.observations.CleanResult`
        or ``read_table``). Only observations with ``use_in_analysis`` are used
        (conflicts are resolved by the rule in
        :mod:`uhc_analysis.transform.observations`).
    observation_sources, sources
        The link table observation -> source and the sources (``source_id``,
        ``url``): where the panel's ``source_ids`` and ``urls`` come from.

    Returns
    -------
    tuple of pandas.DataFrame
        The panel (:class:`uhc_analysis.schemas.PanelSchema`, sorted by region,
        date, measure, basis) and the population observations behind each
        ``dukcapil``/``bps`` row (:class:`uhc_analysis.schemas.PanelPopulationSchema`).
    """
    model = model or PopulationModel(population, settings)
    enr = enrolment[enrolment["use_in_analysis"].astype(bool)].reset_index(drop=True)
    panel = _panel_rows(enr, model)
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
    panel = panel.reset_index(drop=True)
    fam_rows = panel[panel["basis"].isin(FAMILIES)]
    denominators = (
        fam_rows[["observation_id", "basis", "population_ids"]]
        .explode("population_ids")
        .rename(columns={"population_ids": "population_id"})
        .dropna(subset=["population_id"])
        .sort_values(["observation_id", "basis", "population_id"], kind="mergesort")
        .reset_index(drop=True)
    )
    panel = _with_sources(panel, observation_sources, sources)
    return (
        schemas.validate(panel.loc[:, list(schemas.PANEL)], "coverage_panel"),
        schemas.validate(denominators, "panel_population"),
    )


#: The enrolment columns copied onto each of an observation's panel rows.
_BASE = (
    "region_code",
    "region_name",
    "region_level",
    "province_code",
    "period",
    "period_precision",
    "date",
    "measure",
)


def _panel_rows(enr: pd.DataFrame, model: PopulationModel) -> pd.DataFrame:
    """The panel's rows, unsorted: each observation's published row and one per family.

    Rules: *participants* are the published count, else the percentage times
    the source's population, else the percentage times the first family's
    population (never for a survey). The *published* row has the source's
    own denominator (or the one implied by count and percentage), or the
    coverage computed from count and population, or only the count. A
    ``dukcapil``/``bps`` row is added when there are participants and the
    family has a population at the date (:meth:`PopulationModel.values_at`,
    per region). Computed column by column over all observations (the
    arithmetic is the same, value for value, as one row at a time).
    """
    n = len(enr)
    columns = [c for c in schemas.PANEL if c not in _JOINED]
    if not n:
        return pd.DataFrame([], columns=columns)
    dates = enr["date"].to_numpy()
    fam_pop = {fam: np.full(n, np.nan) for fam in FAMILIES}
    fam_status: dict[str, list[str]] = {fam: [""] * n for fam in FAMILIES}
    fam_ids: dict[str, list[tuple[str, ...]]] = {fam: [()] * n for fam in FAMILIES}
    for code, positions in sorted(enr.groupby("region_code", sort=True).indices.items()):
        for fam in FAMILIES:
            values, statuses, ids = model.values_at(code, fam, dates[positions])
            fam_pop[fam][positions] = values
            for k, status, id_ in zip(positions.tolist(), statuses, ids, strict=True):
                fam_status[fam][k], fam_ids[fam][k] = status, id_
    enrolled, pct, src_pop = (enr[c].to_numpy(dtype=float) for c in _FIGURES)
    has_e, has_p, has_s = ~np.isnan(enrolled), ~np.isnan(pct), ~np.isnan(src_pop)
    survey = (enr["measure"] == "survey").to_numpy(dtype=bool)

    participants = np.where(has_e, enrolled, np.nan)
    p_status = np.where(has_e, "published", "").astype(object)
    from_source = ~has_e & has_p & has_s & ~survey
    participants[from_source] = pct[from_source] / 100 * src_pop[from_source]
    p_status[from_source] = "derived_from_pct_source_population"
    rest = ~has_e & ~from_source & has_p & ~survey
    for fam in FAMILIES:
        use = rest & ~np.isnan(fam_pop[fam])
        participants[use] = pct[use] / 100 * fam_pop[fam][use]
        p_status[use] = f"derived_from_pct_{fam}_population"
        rest &= ~use

    # the published row (source's own denominator)
    computed = ~has_p & has_e & has_s
    population = np.where(has_s & (has_p | computed), src_pop, np.nan)
    pop_status = np.where(has_s & (has_p | computed), "published", "").astype(object)
    implied = has_p & ~has_s & has_e & (np.nan_to_num(pct) > 0)
    population[implied] = enrolled[implied] / (pct[implied] / 100)
    pop_status[implied] = "derived_from_count_and_pct"
    coverage = np.where(has_p, pct, np.nan)
    coverage[computed] = 100 * enrolled[computed] / src_pop[computed]
    cov_status = np.where(
        has_p, "published", np.where(computed, "computed", "no_denominator_published")
    ).astype(object)
    base = {c: enr[c].to_numpy(dtype=object) for c in _BASE if c != "date"}
    base["date"] = dates
    base["published_coverage_pct"] = np.where(has_p, pct, np.nan)
    base["lower_bound"] = enr["lower_bound"].to_numpy(dtype=bool)
    base["rounded"] = enr["rounded"].to_numpy(dtype=bool)
    base["observation_id"] = enr["observation_id"].to_numpy(dtype=object)
    parts = [
        pd.DataFrame(
            {
                **base,
                "basis": "published",
                "participants": np.where(
                    has_p & survey, np.nan, np.where(has_p, participants, enrolled)
                ),
                "participants_status": np.where(
                    has_p, np.where(survey, "", p_status), "published"
                ).astype(object),
                "population": population,
                "population_status": pop_status,
                "coverage_pct": coverage,
                "coverage_status": cov_status,
                "population_ids": [()] * n,
            },
            columns=columns,
        )
    ]
    # one row per family with a population at the date
    for fam in FAMILIES:
        use = ~survey & ~np.isnan(participants) & ~np.isnan(fam_pop[fam])
        at = np.flatnonzero(use)
        parts.append(
            pd.DataFrame(
                {
                    **{c: v[use] for c, v in base.items()},
                    "basis": fam,
                    "participants": participants[use],
                    "participants_status": p_status[use],
                    "population": fam_pop[fam][use],
                    "population_status": [fam_status[fam][k] for k in at],
                    "coverage_pct": 100 * participants[use] / fam_pop[fam][use],
                    "coverage_status": "computed",
                    "population_ids": [fam_ids[fam][k] for k in at],
                },
                columns=columns,
            )
        )
    return pd.concat(parts, ignore_index=True)


#: The figures of an enrolment observation (missing: NaN).
_FIGURES = ("enrolled", "coverage_pct", "population")

#: Panel columns that join several values into one cell, for people.
_JOINED = ("source_ids", "urls")


def _with_sources(
    panel: pd.DataFrame, observation_sources: pd.DataFrame, sources: pd.DataFrame
) -> pd.DataFrame:
    """The panel with its convenience columns joined from the link tables.

    A row's sources are those of its enrolment observation and of the
    population observations of its denominator (``population_ids``, tuples
    here); ``source_ids`` and ``urls`` are sorted, ``population_ids`` keeps
    the order of the series (earlier point first).
    """
    by_obs: dict[str, set[str]] = {}
    for oid, sid in zip(
        observation_sources["observation_id"].tolist(),
        observation_sources["source_id"].tolist(),
        strict=True,
    ):
        by_obs.setdefault(oid, set()).add(sid)
    url_of = dict(zip(sources["source_id"].tolist(), sources["url"].tolist(), strict=True))
    frozen = {oid: frozenset(sids) for oid, sids in by_obs.items()}
    joined: dict[frozenset[str], tuple[str, str]] = {}  # rows share sets: each joined once
    source_ids, urls = [], []
    for oid, pids in zip(
        panel["observation_id"].tolist(), panel["population_ids"].tolist(), strict=True
    ):
        for i in (oid, *pids):
            if i not in frozen:
                raise ValueError(f"observation {i} has no source in observation_sources")
        sids = frozen[oid].union(*(frozen[p] for p in pids)) if pids else frozen[oid]
        text = joined.get(sids)
        if text is None:
            text = joined[sids] = (
                ";".join(sorted(sids)),
                " ".join(sorted(url_of[sid] for sid in sids)),
            )
        source_ids.append(text[0])
        urls.append(text[1])
    return panel.assign(
        population_ids=[";".join(p) for p in panel["population_ids"].tolist()],
        source_ids=source_ids,
        urls=urls,
    )


def _num(value: object) -> float | None:
    if value is None or value == "":
        return None
    try:
        f = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if np.isnan(f) else f


#: The tables :func:`trace_sources` reads.
TRACE_TABLES: tuple[str, ...] = (
    "sources",
    "observation_sources",
    "observation_raw_rows",
    "panel_population",
)


def trace_sources(
    panel_row: pd.Series | Mapping[str, object],
    processed_dir: Path | str | None = None,
    *,
    tables: Mapping[str, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """Where the numbers of one panel row came from: one row per observation and source.

    Returns the enrolment observation's sources (role
    ``participants/coverage``) and those of the population observations of
    its denominator (role ``population``, from ``panel_population``), with
    URL, publisher and publication date from ``sources`` and the raw file
    lines (``raw_refs``, ``file:line`` joined for people, from
    ``observation_raw_rows``). The link tables are read from
    ``processed_dir`` unless given as ``tables`` (:data:`TRACE_TABLES`).

    Examples
    --------
    >>> import pandas as pd
    >>> tables = {
    ...     "sources": pd.DataFrame({"source_id": ["S1", "S2"], "url": ["https://a", "https://b"],
    ...                              "publisher": ["A", "B"], "published": ["2024-01", ""]}),
    ...     "observation_sources": pd.DataFrame({"observation_id": ["E-1", "P-1"],
    ...                                          "source_id": ["S1", "S2"]}),
    ...     "observation_raw_rows": pd.DataFrame({"observation_id": ["E-1", "P-1"],
    ...         "file": ["x/enrolment.csv", "x/population.csv"], "line": [2, 5],
    ...         "role": ["kept", "kept"]}),
    ...     "panel_population": pd.DataFrame({"observation_id": ["E-1"], "basis": ["bps"],
    ...                                       "population_id": ["P-1"]})}
    >>> row = {"observation_id": "E-1", "basis": "bps"}
    >>> trace_sources(row, tables=tables)[["role", "observation_id", "url", "raw_refs"]]
                        role observation_id        url            raw_refs
    0  participants/coverage            E-1  https://a   x/enrolment.csv:2
    1             population            P-1  https://b  x/population.csv:5
    """
    if tables is None:
        from uhc_analysis.io import read_table

        tables = {name: read_table(name, processed_dir) for name in TRACE_TABLES}
    oid, basis = panel_row["observation_id"], panel_row.get("basis", "published")
    denominators = tables["panel_population"]
    pids = denominators.loc[
        (denominators["observation_id"] == oid) & (denominators["basis"] == basis),
        "population_id",
    ]
    wanted = pd.DataFrame(
        {
            "role": ["participants/coverage"] + ["population"] * len(pids),
            "observation_id": [oid, *pids],
        }
    )
    raw = tables["observation_raw_rows"]
    raw = raw[raw["observation_id"].isin(wanted["observation_id"])].sort_values(
        ["observation_id", "role", "file", "line"], kind="mergesort"
    )
    refs = (
        (raw["file"] + ":" + raw["line"].astype(str))
        .groupby(raw["observation_id"], sort=False)
        .agg(";".join)
        .rename("raw_refs")
    )
    sources = tables["sources"].set_index("source_id")[["url", "publisher", "published"]]
    frame = (
        wanted.merge(tables["observation_sources"], on="observation_id")
        .join(refs, on="observation_id")
        .join(sources, on="source_id")
    )
    columns = ["role", "observation_id", "source_id", "raw_refs", "url", "publisher", "published"]
    return (
        frame.loc[:, columns]
        .sort_values(["role", "observation_id", "source_id"])
        .reset_index(drop=True)
    )


#: The enrolment columns :func:`recompute_check` reads.
_CHECKED = (
    "observation_id",
    "region_code",
    "region_name",
    "period",
    "date",
    "measure",
    "enrolled",
    "coverage_pct",
    "population",
    "rounded",
    "urls",
)


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
        dates = sorted(set(iso_dates(g["date"])))
        values = model.values_at(code, "dukcapil", dates)[0]
        dukcapil.update({(code, d): float(v) for d, v in zip(dates, values, strict=True)})
    # only rows that can be checked (the loop skips the others again, whatever the dtypes)
    stated = enrolment[
        enrolment["enrolled"].notna()
        & enrolment["coverage_pct"].notna()
        & (enrolment["measure"] != "survey")
    ]
    stated = stated[list(_CHECKED)].assign(iso_date=iso_dates(stated["date"]))
    for obs in iter_rows(stated.drop(columns="date")):
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
            reference = dukcapil.get((obs.region_code, obs.iso_date), np.nan)
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
