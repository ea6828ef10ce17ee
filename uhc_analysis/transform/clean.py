"""Cleaning and validation: raw text rows -> processed observation tables.

This is the ``uhc-analysis build`` stage. For every raw row it either produces
a clean record or a reject ``(file, line, column, value, reason)``; clean
records reporting the same figure (several outlets quoting one BPJS
statement) are then merged into one *observation* that keeps every source, and
observations that disagree for the same region and period are flagged as a
conflict group. Every raw row ends up in exactly one of: kept (it represents an
observation), merged (it is another source of an observation), rejected.

Rules (documented here because analyses depend on them)
-------------------------------------------------------
*Same figure*: same region, same measure (enrolment) / basis (population) /
kind (commitments), periods that nest (``2023-09`` contains ``2023-09-01``,
``2023`` contains ``2023-07``) and every value stated by both rows equal.
Values stated by only one row complete the observation; the observation takes
the most precise period.

*Conflict*: two observations of the same region and measure/basis whose
periods nest at month precision or finer (the same month or day) but whose
values differ. Year-only figures do not conflict with dated ones (a year
figure refers to an unknown time within the year). In each conflict group
exactly one observation has ``use_in_analysis = True``, chosen by, in order:
not rounded, more sources, more values stated, finer period, latest
publication, then the observation id (so the choice is deterministic). The
others stay in the table, flagged.

Examples
--------
>>> from uhc_analysis.transform import clean
>>> result = clean.clean_all()            # doctest: +SKIP
>>> result.accounting[["file", "read", "kept", "merged", "rejected"]]  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from uhc_analysis import config, schemas
from uhc_analysis.ingest.parsing import ParseError, Period, parse_period, parse_quantity
from uhc_analysis.ingest.raw import RawFile, RawFileError, discover_raw_files, read_raw_file
from uhc_analysis.ingest.regions import RegionResolutionError, load_regions, resolve_region
from uhc_analysis.transform.rows import iter_values

#: Canonical population bases, and the labels seen for each in real files.
BASIS_LABELS: dict[str, str] = {
    "dukcapil_dkb": "dukcapil_dkb",
    "dukcapil": "dukcapil_dkb",
    "dkb": "dukcapil_dkb",
    "disdukcapil": "dukcapil_dkb",
    "civil_registry": "dukcapil_dkb",
    "bps_census": "bps_census",
    "census": "bps_census",
    "sensus": "bps_census",
    "bps_projection": "bps_projection",
    "projection": "bps_projection",
    "proyeksi": "bps_projection",
    "bps_estimate": "bps_estimate",
    "estimate": "bps_estimate",
    "other": "other",
    "unspecified": "unspecified",
    "not_stated": "unspecified",
}
#: Denominator family of each canonical basis.
BASIS_FAMILY: dict[str, str] = {
    "dukcapil_dkb": "dukcapil",
    "bps_census": "bps",
    "bps_projection": "bps",
    "bps_estimate": "bps",
    "other": "unspecified",
    "unspecified": "unspecified",
}
MEASURES: tuple[str, ...] = ("registered", "active", "survey")
COMMITMENT_KINDS: tuple[str, ...] = ("award", "budget", "mou", "target", "other")
LEVELS: tuple[str, ...] = ("province", "regency", "national")
NATIONAL_CODE = "ID"
NATIONAL_NAMES = frozenset({"indonesia", "nasional", "national", "ri"})

_ROUNDED_RE = re.compile(r"round|sekitar|approximat|hampir|kurang lebih", re.IGNORECASE)
_LOWER_BOUND_RE = re.compile(
    r"lower bound(?!,? rounded)|lebih dari \d|\d\s*%\s*lebih"
    r"|more than \d+(?:[.,]\d+)? ?(?:percent|%)",
    re.IGNORECASE,
)
_URL_RE = re.compile(r"^https?://\S+$")
_CODE2 = re.compile(r"^\d{2}$")
_CODE4 = re.compile(r"^\d{4}$")


@dataclass(frozen=True)
class CleanSettings:
    """Validation limits of the cleaning stage.

    Examples
    --------
    >>> CleanSettings().flag_coverage_pct
    120.0
    """

    #: Reference date: rows dated after it are rejected (None: the real date).
    today: str | None = config.TODAY
    #: Coverage above this is flagged (``over_120``) but kept.
    flag_coverage_pct: float = 120.0
    #: Coverage above this is rejected as absurd.
    max_coverage_pct: float = 200.0
    #: Counts above this are rejected (Indonesia has about 280 million people).
    max_people: float = 400e6

    def today_date(self) -> dt.date:
        return dt.date.fromisoformat(self.today) if self.today else dt.date.today()


class RowRejected(Exception):
    """Internal signal: the current row goes to the rejects table."""

    def __init__(self, column: str, value: str, reason: str) -> None:
        super().__init__(reason)
        self.column, self.value, self.reason = column, value, reason


# ----------------------------------------------------------------------------- fields


@lru_cache(maxsize=65536)
def _period(text: str) -> Period:
    return parse_period(text)


def _parse_period(row: dict[str, str], column: str, settings: CleanSettings) -> Period:
    value = row[column]
    if not value:
        raise RowRejected(column, value, f"{column} is empty")
    try:
        period = _period(value)
    except ParseError as exc:
        raise RowRejected(column, value, str(exc)) from None
    if period.start > settings.today_date():
        raise RowRejected(
            column, value, f"{column} {value} is in the future (after {settings.today_date()})"
        )
    return period


@lru_cache(maxsize=262144)
def _quantity(value: str, kind: str) -> tuple[float | None, bool, bool] | str:
    """Parsed (value, approximate, lower_bound), or the error text; each distinct text once."""
    try:
        parsed = parse_quantity(value, kind)  # type: ignore[arg-type]
    except ParseError as exc:
        return str(exc)
    if parsed is None:
        return None, False, False
    return parsed.value, parsed.approximate, parsed.lower_bound


def _parse_value(row: dict[str, str], column: str, kind: str) -> tuple[float | None, bool, bool]:
    value = row[column]
    result = _quantity(value, kind)
    if isinstance(result, str):
        raise RowRejected(column, value, f"malformed {kind}: {result}")
    return result


def _normalise_label(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).strip().lower()
    return re.sub(r"[\s\-]+", "_", text)


def normalise_basis(label: str) -> str:
    """Canonical population basis for a label as written in a raw file.

    Examples
    --------
    >>> normalise_basis("Dukcapil")
    'dukcapil_dkb'
    >>> normalise_basis("bps projection")
    'bps_projection'
    """
    key = _normalise_label(label)
    if key not in BASIS_LABELS:
        raise ValueError(f"unknown population basis {label!r}; known: {sorted(set(BASIS_LABELS))}")
    return BASIS_LABELS[key]


@lru_cache(maxsize=65536)
def _resolve(name: str, province: str, kind: str | None = None) -> tuple[str | None, str]:
    """(code, "") or (None, error message); cached for speed on national data."""
    try:
        return resolve_region(name, province=province or None, kind=kind), ""
    except RegionResolutionError as exc:
        # only an *ambiguous* name may be settled by the row's code; the candidates of an
        # unknown name are mere suggestions and never accepted
        ambiguous = str(getattr(exc, "reason", "")).startswith("ambiguous")
        candidates = tuple(code for code, _ in exc.candidates) if ambiguous else ()
        return None, str(exc) + "\x00" + ",".join(candidates)


@lru_cache(maxsize=1)
def _gazetteer() -> dict[str, tuple[str, str, str]]:
    regions = load_regions()
    return {
        row.bps_code: (row.name, row.kind, row.province_code)
        for row in regions.itertuples(index=False)
    }


def _region(row: dict[str, str]) -> dict[str, str]:
    """Validate level, codes and reported name; return region_code/name/level/province."""
    level = row["region_level"].strip().lower()
    name = row["region_name_reported"].strip()
    pcode = row["province_code"].strip()
    rcode = row["region_code"].strip()
    if level not in LEVELS:
        raise RowRejected(
            "region_level", row["region_level"], f"region_level must be one of {LEVELS}"
        )
    if level == "national":
        if pcode or rcode:
            raise RowRejected(
                "region_code",
                rcode or pcode,
                "a national row must not carry a province/region code",
            )
        if name.casefold() not in NATIONAL_NAMES:
            raise RowRejected("region_name_reported", name, "a national row must name Indonesia")
        return {
            "region_code": NATIONAL_CODE,
            "region_name": "Indonesia",
            "region_level": level,
            "province_code": "",
        }
    if not name:
        raise RowRejected("region_name_reported", name, "region name is empty")
    if pcode and not _CODE2.match(pcode):
        raise RowRejected("province_code", pcode, "province_code must be a 2-digit BPS code")
    if level == "province":
        rcode = rcode or pcode
        if not _CODE2.match(rcode) or (pcode and rcode != pcode):
            raise RowRejected(
                "region_code", rcode, "a province row needs region_code = province_code (2 digits)"
            )
    elif rcode:
        if not _CODE4.match(rcode):
            raise RowRejected("region_code", rcode, "region_code must be a 4-digit BPS code")
        if pcode and rcode[:2] != pcode:
            raise RowRejected(
                "region_code", rcode, f"region_code {rcode} is not in province {pcode}"
            )
    gaz = _gazetteer()
    resolved, error = _resolve(name, pcode, level)
    if not rcode:
        if resolved is None:
            raise RowRejected("region_name_reported", name, error.split("\x00")[0])
        rcode = resolved
    if rcode not in gaz:
        raise RowRejected("region_code", rcode, f"unknown BPS code {rcode} (not in the gazetteer)")
    if resolved is None:
        candidates = error.split("\x00")[1].split(",") if "\x00" in error else []
        if rcode not in candidates:
            raise RowRejected(
                "region_name_reported",
                name,
                f"reported name {name!r} does not resolve ({error.split(chr(0))[0]}); "
                f"region_code is {rcode} ({gaz[rcode][0]})",
            )
        # the name is ambiguous (e.g. "Bengkulu") and the code picks one of its readings
    elif resolved != rcode:
        other = gaz.get(resolved, ("?",))[0]
        raise RowRejected(
            "region_name_reported",
            name,
            f"region_code {rcode} ({gaz[rcode][0]}) disagrees with reported name {name!r} "
            f"({resolved} {other})",
        )
    gname, kind, gprov = gaz[rcode]
    if (level == "province") != (kind == "province"):
        raise RowRejected("region_level", level, f"region_level {level} but {rcode} is a {kind}")
    return {
        "region_code": rcode,
        "region_name": gname,
        "region_level": level,
        "province_code": gprov,
    }


def _common(row: dict[str, str], settings: CleanSettings, period_column: str) -> dict[str, Any]:
    region = _region(row)
    period = _parse_period(row, period_column, settings)
    url = row["url"]
    if not _URL_RE.match(url):
        raise RowRejected(
            "url", url, "url must be an http(s) address (every figure needs its source)"
        )
    published = row["published"]
    if published:
        try:
            published = _period(published).iso()
        except ParseError as exc:
            raise RowRejected("published", published, str(exc)) from None
    remarks = row["remarks"]
    return {
        **region,
        "period": period.iso(),
        "period_precision": period.precision,
        "_period": period,
        "date": period.date.isoformat(),
        "url": url,
        "publisher": row["publisher"],
        "published": published,
        "remarks": remarks,
        "rounded": bool(_ROUNDED_RE.search(remarks)),
        "lower_bound": bool(_LOWER_BOUND_RE.search(remarks)),
    }


def _check_people(value: float | None, column: str, raw: str, settings: CleanSettings) -> None:
    if value is not None and (value <= 0 or value > settings.max_people):
        raise RowRejected(
            column, raw, f"{column} {raw} is outside 1..{settings.max_people:,.0f} people"
        )


def clean_enrolment_row(row: dict[str, str], settings: CleanSettings) -> dict[str, Any]:
    """Validate one raw enrolment row (text) into a clean record; raises RowRejected."""
    rec = _common(row, settings, "period")
    measure = row["measure"].strip().lower()
    if measure not in MEASURES:
        raise RowRejected("measure", row["measure"], f"measure must be one of {MEASURES}")
    enrolled, approx_e, lb_e = _parse_value(row, "enrolled", "count")
    pct, approx_p, lb_p = _parse_value(row, "coverage_pct", "percent")
    population, approx_n, _ = _parse_value(row, "population", "count")
    if enrolled is None and pct is None:
        raise RowRejected("enrolled", "", "no figure: both enrolled and coverage_pct are empty")
    _check_people(enrolled, "enrolled", row["enrolled"], settings)
    _check_people(population, "population", row["population"], settings)
    if pct is not None and not 0 < pct <= settings.max_coverage_pct:
        raise RowRejected(
            "coverage_pct",
            row["coverage_pct"],
            f"coverage {pct}% is outside 0-{settings.max_coverage_pct:g}%",
        )
    basis = row["population_basis"]
    if basis:
        try:
            basis = normalise_basis(basis)
        except ValueError as exc:
            raise RowRejected("population_basis", basis, str(exc)) from None
    elif population is not None:
        basis = "unspecified"
    rec.update(
        measure=measure,
        enrolled=enrolled,
        coverage_pct=pct,
        population=population,
        population_basis=basis,
        over_120=pct is not None and pct > settings.flag_coverage_pct,
    )
    rec["rounded"] = rec["rounded"] or approx_e or approx_p or approx_n
    rec["lower_bound"] = rec["lower_bound"] or lb_e or lb_p
    return rec


def clean_population_row(row: dict[str, str], settings: CleanSettings) -> dict[str, Any]:
    """Validate one raw population row (text) into a clean record; raises RowRejected."""
    rec = _common(row, settings, "period")
    population, approx, _ = _parse_value(row, "population", "count")
    if population is None:
        raise RowRejected("population", "", "population is empty")
    _check_people(population, "population", row["population"], settings)
    if not row["basis"]:
        raise RowRejected("basis", "", "basis is empty (use 'other' when the source does not say)")
    try:
        basis = normalise_basis(row["basis"])
    except ValueError as exc:
        raise RowRejected("basis", row["basis"], str(exc)) from None
    rec.update(population=population, basis=basis, basis_family=BASIS_FAMILY[basis])
    rec["rounded"] = rec["rounded"] or approx
    return rec


def clean_commitment_row(row: dict[str, str], settings: CleanSettings) -> dict[str, Any]:
    """Validate one raw commitments row (text) into a clean record; raises RowRejected."""
    rec = _common(row, settings, "date")
    kind = row["kind"].strip().lower()
    if kind not in COMMITMENT_KINDS:
        raise RowRejected("kind", row["kind"], f"kind must be one of {COMMITMENT_KINDS}")
    target_pct, _, _ = _parse_value(row, "target_pct", "percent")
    if target_pct is not None and not 0 < target_pct <= settings.max_coverage_pct:
        raise RowRejected("target_pct", row["target_pct"], "target_pct outside 0-200%")
    target_date = row["target_date"]
    if target_date:
        try:
            target_date = _period(target_date).iso()
        except ParseError as exc:
            raise RowRejected("target_date", target_date, str(exc)) from None
    budget, _, _ = _parse_value(row, "budget_idr", "money")
    if budget is not None and budget <= 0:
        raise RowRejected("budget_idr", row["budget_idr"], "budget must be positive")
    people, _, _ = _parse_value(row, "people_funded", "count")
    _check_people(people, "people_funded", row["people_funded"], settings)
    rec.update(
        kind=kind,
        target_pct=target_pct,
        target_date=target_date,
        budget_idr=budget,
        people_funded=people,
        segment=row["segment"],
    )
    return rec


#: Per kind of file: row cleaner, value fields that identify a figure, grouping field.
_KINDS: dict[str, tuple[Callable[..., dict[str, Any]], tuple[str, ...], str, str]] = {
    "enrolment": (clean_enrolment_row, ("enrolled", "coverage_pct", "population"), "measure", "E"),
    "population": (clean_population_row, ("population",), "basis", "P"),
    "commitments": (
        clean_commitment_row,
        ("target_pct", "target_date", "budget_idr", "people_funded"),
        "kind",
        "C",
    ),
}


# ----------------------------------------------------------------------------- grouping


@lru_cache(maxsize=65536)
def source_id(url: str) -> str:
    """Stable id of a source URL.

    Examples
    --------
    >>> source_id("https://example.org/a")
    'S6d3cc6f0c7'
    """
    return "S" + hashlib.sha1(url.encode("utf-8")).hexdigest()[:10]


def _stated(rec: dict[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    return {f: rec[f] for f in fields if rec.get(f) not in (None, "")}


def _compatible(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return all(b[k] == v for k, v in a.items() if k in b)


@dataclass
class _Observation:
    members: list[dict[str, Any]]
    values: dict[str, Any]
    period: Period
    conflict_group: str = ""
    use: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


def _group(records: list[dict[str, Any]], fields: tuple[str, ...], by: str) -> list[_Observation]:
    """Merge records of the same figure into observations (rules in the module doc)."""
    order = {"day": 0, "month": 1, "semester": 2, "year": 3}
    buckets: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for rec in records:
        buckets.setdefault((rec["region_code"], rec[by]), []).append(rec)
    observations: list[_Observation] = []
    for key in sorted(buckets):
        recs = sorted(
            buckets[key],
            key=lambda r: (
                order[r["_period"].precision],
                r["_period"].start,
                r["_file"],
                r["_line"],
            ),
        )
        local: list[_Observation] = []
        by_year: dict[int, list[_Observation]] = {}  # candidates indexed by year (speed)
        for rec in recs:
            stated = _stated(rec, fields)
            p = rec["_period"]
            candidates = [
                o for y in range(p.start.year, p.end.year + 1) for o in by_year.get(y, [])
            ]
            for obs in candidates:
                if (obs.period.contains(p) or p.contains(obs.period)) and _compatible(
                    stated, obs.values
                ):
                    obs.members.append(rec)
                    obs.values = {**stated, **obs.values}
                    if order[p.precision] < order[obs.period.precision]:
                        obs.period = p
                    break
            else:
                new = _Observation(members=[rec], values=stated, period=p)
                local.append(new)
                for y in range(p.start.year, p.end.year + 1):
                    by_year.setdefault(y, []).append(new)
        observations.extend(local)
    return observations


def _observation_id(prefix: str, obs: _Observation, by_value: str, fields: tuple[str, ...]) -> str:
    first = obs.members[0]
    payload = "|".join([by_value, *(f"{f}={obs.values.get(f, '')}" for f in fields)])
    digest = hashlib.sha1(payload.encode("utf-8")).hexdigest()[:8]
    return f"{prefix}-{first['region_code']}-{obs.period.iso()}-{digest}"


def _mark_conflicts(observations: list[_Observation], prefix: str, by: str) -> None:
    """Assign conflict groups and choose the observation analyses use (module doc)."""
    buckets: dict[tuple[str, str], list[_Observation]] = {}
    for obs in observations:
        m = obs.members[0]
        buckets.setdefault((m["region_code"], m[by]), []).append(obs)
    for (region, by_value), group in sorted(buckets.items()):
        fine = [o for o in group if o.period.precision in ("day", "month")]
        parent = list(range(len(fine)))

        def find(i: int, parent: list[int] = parent) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        by_month: dict[tuple[int, int], list[int]] = {}
        for i, o in enumerate(fine):
            by_month.setdefault((o.period.start.year, o.period.start.month), []).append(i)
        for members_idx in by_month.values():
            for x, i in enumerate(members_idx):
                for j in members_idx[x + 1 :]:
                    a, b = fine[i].period, fine[j].period
                    if a.contains(b) or b.contains(a):
                        parent[find(i)] = find(j)
        clusters: dict[int, list[_Observation]] = {}
        for i, obs in enumerate(fine):
            clusters.setdefault(find(i), []).append(obs)
        for members in clusters.values():
            if len(members) < 2:
                continue
            ranked = sorted(
                members,
                key=lambda o: (
                    all(m["rounded"] for m in o.members),
                    -len({m["url"] for m in o.members}),
                    -len(o.values),
                    {"day": 0, "month": 1}[o.period.precision],
                    tuple(-ord(c) for c in max(m["published"] for m in o.members)),
                    o.extra["observation_id"],
                ),
            )
            gid = f"K{prefix}-{region}-{by_value}-{min(o.period.iso() for o in members)}"
            for obs in ranked:
                obs.conflict_group = gid
                obs.use = obs is ranked[0]


def _observations_frame(kind: str, records: list[dict[str, Any]]) -> pd.DataFrame:
    _, fields, by, prefix = _KINDS[kind]
    observations = _group(records, fields, by)
    for obs in observations:
        obs.extra["observation_id"] = _observation_id(prefix, obs, obs.members[0][by], fields)
    if kind != "commitments":
        _mark_conflicts(observations, prefix, by)
    rows = []
    for obs in observations:
        first = obs.members[0]
        urls = sorted({m["url"] for m in obs.members})
        remarks = list(dict.fromkeys(m["remarks"] for m in obs.members if m["remarks"]))
        row: dict[str, Any] = {
            "observation_id": obs.extra["observation_id"],
            "region_code": first["region_code"],
            "region_name": first["region_name"],
            "region_level": first["region_level"],
            "province_code": first["province_code"],
            "period": obs.period.iso(),
            "period_precision": obs.period.precision,
            "date": obs.period.date.isoformat(),
            by: first[by],
            **{f: obs.values.get(f) for f in fields},
            "rounded": all(m["rounded"] for m in obs.members),
            "lower_bound": all(m["lower_bound"] for m in obs.members),
            "conflict_group": obs.conflict_group,
            "use_in_analysis": obs.use,
            "n_sources": len(urls),
            "source_ids": ";".join(sorted(source_id(u) for u in urls)),
            "urls": " ".join(urls),
            "raw_refs": ";".join(f"{m['_file']}:{m['_line']}" for m in obs.members),
            "remarks": " || ".join(remarks),
        }
        if kind == "enrolment":
            bases = [
                m["population_basis"]
                for m in obs.members
                if m["population"] == obs.values.get("population") and m["population_basis"]
            ]
            row["population_basis"] = bases[0] if bases else ""
            # flagged per record with the build's settings; members agree on the percentage
            row["over_120"] = any(m["over_120"] for m in obs.members)
        elif kind == "population":
            row["basis_family"] = BASIS_FAMILY[first["basis"]]
        else:
            row["segment"] = " | ".join(
                dict.fromkeys(m["segment"] for m in obs.members if m["segment"])
            )
        rows.append(row)
    columns = {
        "enrolment": schemas.ENROLMENT,
        "population": schemas.POPULATION,
        "commitments": schemas.COMMITMENTS,
    }[kind]
    frame = pd.DataFrame(rows, columns=list(columns))
    frame = frame.sort_values(["region_code", "date", "observation_id"], kind="mergesort")
    dupes = frame["observation_id"][frame["observation_id"].duplicated()]
    if len(dupes):  # pragma: no cover - would be a bug in _group
        raise AssertionError(f"duplicate observation ids: {sorted(dupes)[:5]}")
    return frame.reset_index(drop=True)


# ----------------------------------------------------------------------------- build


@dataclass
class CleanResult:
    """Everything the build stage produces (also written to ``data/processed``)."""

    regions: pd.DataFrame
    enrolment: pd.DataFrame
    population: pd.DataFrame
    commitments: pd.DataFrame
    sources: pd.DataFrame
    rejects: pd.DataFrame
    accounting: pd.DataFrame
    manifest: pd.DataFrame


def clean_files(
    files: Iterable[Path], raw_dir: Path | None = None, settings: CleanSettings | None = None
) -> CleanResult:
    """Read, validate and merge the given raw files (see module doc for rules).

    A file that cannot be read at all (not UTF-8, wrong header, wrong delimiter,
    empty) raises :class:`~uhc_analysis.ingest.raw.RawFileError` naming file and line.
    """
    settings = settings or CleanSettings()
    raw_dir = Path(raw_dir) if raw_dir else config.DATA_RAW
    raws: list[RawFile] = [read_raw_file(Path(f), raw_dir) for f in files]
    records: dict[str, list[dict[str, Any]]] = {k: [] for k in _KINDS}
    rejects: list[tuple[str, int, str, str, str]] = []
    for raw in raws:
        rejects.extend(raw.rejects)
        cleaner = _KINDS[raw.kind][0]
        columns = [c for c in raw.rows.columns if not c.startswith("_")]
        for values in iter_values(raw.rows):
            file, line, *cells = values
            row = dict(zip(columns, cells, strict=True))
            try:
                rec = cleaner(row, settings)
            except RowRejected as exc:
                rejects.append((file, line, exc.column, exc.value, exc.reason))
                continue
            rec["_file"], rec["_line"] = file, line
            records[raw.kind].append(rec)
    frames = {kind: _observations_frame(kind, recs) for kind, recs in records.items()}
    rejects_df = (
        pd.DataFrame(rejects, columns=list(schemas.REJECTS))
        .sort_values(["file", "line", "column"], kind="mergesort")
        .reset_index(drop=True)
    )
    accounting = _accounting(raws, frames, rejects_df)
    sources = _sources_table(records)
    manifest = (
        pd.DataFrame(
            [(r.file, r.kind, r.sha256, r.n_read) for r in raws],
            columns=["file", "kind", "sha256", "rows"],
        )
        .sort_values("file")
        .reset_index(drop=True)
    )
    regions = load_regions().copy()
    for frame, name in [
        (frames["enrolment"], "enrolment"),
        (frames["population"], "population"),
        (frames["commitments"], "commitments"),
        (sources, "sources"),
        (rejects_df, "rejects"),
        (regions, "regions"),
    ]:
        schemas.check_columns(frame, getattr(schemas, name.upper()), name)
    return CleanResult(
        regions=regions,
        enrolment=frames["enrolment"],
        population=frames["population"],
        commitments=frames["commitments"],
        sources=sources,
        rejects=rejects_df,
        accounting=accounting,
        manifest=manifest,
    )


def _accounting(
    raws: list[RawFile], frames: dict[str, pd.DataFrame], rejects: pd.DataFrame
) -> pd.DataFrame:
    kept: dict[str, int] = {}
    merged: dict[str, int] = {}
    for frame in frames.values():
        for refs in frame["raw_refs"]:
            parts = refs.split(";")
            first = parts[0].rsplit(":", 1)[0]
            kept[first] = kept.get(first, 0) + 1
            for part in parts[1:]:
                f = part.rsplit(":", 1)[0]
                merged[f] = merged.get(f, 0) + 1
    rejected = rejects.groupby("file").size().to_dict()
    rows = []
    for raw in raws:
        k, m, r = kept.get(raw.file, 0), merged.get(raw.file, 0), int(rejected.get(raw.file, 0))
        rows.append((raw.file, raw.kind, raw.n_read, k, m, r, raw.n_read == k + m + r))
    return (
        pd.DataFrame(
            rows, columns=["file", "kind", "read", "kept", "merged", "rejected", "balanced"]
        )
        .sort_values("file")
        .reset_index(drop=True)
    )


def _sources_table(records: dict[str, list[dict[str, Any]]]) -> pd.DataFrame:
    by_url: dict[str, dict[str, Any]] = {}
    for recs in records.values():
        for rec in recs:
            entry = by_url.setdefault(
                rec["url"], {"publishers": set(), "published": set(), "n": 0, "files": set()}
            )
            if rec["publisher"]:
                entry["publishers"].add(rec["publisher"])
            if rec["published"]:
                entry["published"].add(rec["published"])
            entry["n"] += 1
            entry["files"].add(rec["_file"])
    rows = [
        (
            source_id(url),
            url,
            " | ".join(sorted(e["publishers"])),
            min(e["published"]) if e["published"] else "",
            e["n"],
            ";".join(sorted(e["files"])),
        )
        for url, e in by_url.items()
    ]
    return (
        pd.DataFrame(rows, columns=list(schemas.SOURCES))
        .sort_values("source_id")
        .reset_index(drop=True)
    )


def clean_all(raw_dir: Path | None = None, settings: CleanSettings | None = None) -> CleanResult:
    """Clean every raw file below ``raw_dir`` (default ``data/raw``)."""
    raw_dir = Path(raw_dir) if raw_dir else config.DATA_RAW
    return clean_files(discover_raw_files(raw_dir), raw_dir=raw_dir, settings=settings)


def format_accounting(accounting: pd.DataFrame) -> str:
    """The per-file accounting as a fixed-width text table (printed by the build)."""
    lines = [f"{'file':<28} {'read':>5} {'kept':>5} {'merged':>6} {'rejected':>8}"]
    for r in accounting.itertuples(index=False):
        flag = "" if r.balanced else "  <-- does not balance"
        lines.append(f"{r.file:<28} {r.read:>5} {r.kept:>5} {r.merged:>6} {r.rejected:>8}{flag}")
    t = accounting[["read", "kept", "merged", "rejected"]].sum()
    lines.append(f"{'total':<28} {t.read:>5} {t.kept:>5} {t.merged:>6} {t.rejected:>8}")
    return "\n".join(lines)


__all__ = [
    "CleanResult",
    "CleanSettings",
    "RawFileError",
    "clean_all",
    "clean_files",
    "format_accounting",
    "normalise_basis",
    "source_id",
]
