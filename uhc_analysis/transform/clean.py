"""Row rules of the cleaning stage: one raw text row -> one clean record, or a reject.

For every raw row (text, as :func:`uhc_analysis.ingest.raw.read_raw_file`
returns it) the cleaner of its kind of file either returns a clean record
(codes resolved against the gazetteer, numbers and periods parsed, caveats
such as "rounded" or "lower bound" read from the remarks) or raises
:class:`RowRejected` with the column, the value and the reason, which becomes a
row of ``rejects.csv``. :func:`clean_rows` runs them over raw files. Merging
records into observations is :mod:`uhc_analysis.transform.observations`.

Examples
--------
>>> settings = CleanSettings(today="2026-11-23")
>>> row = {"region_level": "regency", "province_code": "16", "region_code": "",
...        "region_name_reported": "Kab. Banyuasin", "period": "September 2023",
...        "enrolled": "817.221", "coverage_pct": "97,63", "measure": "registered",
...        "population": "", "population_basis": "", "published": "2023-09-14",
...        "publisher": "Antara", "url": "https://example.org/a", "remarks": ""}
>>> rec = clean_enrolment_row(row, settings)
>>> rec["region_code"], rec["period"], rec["enrolled"], rec["coverage_pct"]
('1607', '2023-09', 817221.0, 97.63)
>>> clean_enrolment_row({**row, "measure": "insured"}, settings)
Traceback (most recent call last):
...
uhc_analysis.transform.clean.RowRejected: measure must be one of ('registered', 'active', 'survey')
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from uhc_analysis import config
from uhc_analysis.ingest.parsing import ParseError, Period, parse_period, parse_quantity
from uhc_analysis.ingest.raw import RawFile
from uhc_analysis.ingest.regions import (
    NATIONAL_CODE,
    NATIONAL_NAME,
    RegionResolutionError,
    is_national_name,
    load_regions,
    resolve_region,
)
from uhc_analysis.schemas import COMMITMENT_KINDS, LEVELS, MEASURES
from uhc_analysis.transform.rows import iter_values

#: Canonical population bases (:data:`uhc_analysis.schemas.POPULATION_BASES`), and the
#: labels seen for each in real files.
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
    result = _checked_period(value, column, settings.today_date())
    if isinstance(result, tuple):
        raise RowRejected(*result)
    return result


@lru_cache(maxsize=65536)
def _checked_period(value: str, column: str, today: dt.date) -> Period | tuple[str, str, str]:
    """The period of ``value``, or the reject's (column, value, reason); each text once."""
    if not value:
        return column, value, f"{column} is empty"
    try:
        period = _period(value)
    except ParseError as exc:
        return column, value, str(exc)
    if period.start > today:
        return column, value, f"{column} {value} is in the future (after {today})"
    return period


@lru_cache(maxsize=262144)
def _quantity(value: str, kind: str) -> tuple[float | None, bool, bool, str] | str:
    """Parsed (value, approximate, lower_bound, footnote), or the error text; each text once."""
    try:
        parsed = parse_quantity(value, kind)  # type: ignore[arg-type]
    except ParseError as exc:
        return str(exc)
    if parsed is None:
        return None, False, False, ""
    return parsed.value, parsed.approximate, parsed.lower_bound, parsed.footnote


def _parse_value(
    row: dict[str, str], column: str, kind: str, rec: dict[str, Any] | None = None
) -> tuple[float | None, bool, bool]:
    """The parsed figure of ``row[column]``; a footnote mark is listed in ``rec["_footnotes"]``."""
    value = row[column]
    result = _quantity(value, kind)
    if isinstance(result, str):
        raise RowRejected(column, value, f"malformed {kind}: {result}")
    number, approximate, lower_bound, footnote = result
    if footnote and rec is not None:
        rec["_footnotes"].append((column, value, footnote))
    return number, approximate, lower_bound


@lru_cache(maxsize=4096)
def _label_key(label: str) -> str:
    return _normalise_label(label)


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
    key = _label_key(label)
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
    result = _region_of(
        row["region_level"], row["region_name_reported"], row["province_code"], row["region_code"]
    )
    if isinstance(result, RowRejected):
        raise RowRejected(result.column, result.value, result.reason)
    return dict(result)


@lru_cache(maxsize=65536)
def _region_of(
    level_text: str, name_text: str, pcode_text: str, rcode_text: str
) -> tuple[tuple[str, str], ...] | RowRejected:
    """:func:`_region` of one distinct spelling (the items, or the reject); each once.

    A national file repeats each region's spelling in thousands of rows.
    """
    try:
        return tuple(_resolve_region(level_text, name_text, pcode_text, rcode_text).items())
    except RowRejected as exc:
        return exc


def _resolve_region(
    level_text: str, name_text: str, pcode_text: str, rcode_text: str
) -> dict[str, str]:
    level = level_text.strip().lower()
    name = name_text.strip()
    pcode = pcode_text.strip()
    rcode = rcode_text.strip()
    if level not in LEVELS:
        raise RowRejected("region_level", level_text, f"region_level must be one of {LEVELS}")
    if level == "national":
        if pcode or rcode:
            raise RowRejected(
                "region_code",
                rcode or pcode,
                "a national row must not carry a province/region code",
            )
        if not is_national_name(name):
            raise RowRejected("region_name_reported", name, "a national row must name Indonesia")
        return {
            "region_code": NATIONAL_CODE,
            "region_name": NATIONAL_NAME,
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
        "rounded": _remarks_flags(remarks)[0],
        "lower_bound": _remarks_flags(remarks)[1],
        "_footnotes": [],  # (column, value, mark): listed in footnotes.csv
    }


@lru_cache(maxsize=65536)
def _remarks_flags(remarks: str) -> tuple[bool, bool]:
    """(rounded, lower bound) as the remarks say; each text once."""
    return bool(_ROUNDED_RE.search(remarks)), bool(_LOWER_BOUND_RE.search(remarks))


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
    enrolled, approx_e, lb_e = _parse_value(row, "enrolled", "count", rec)
    pct, approx_p, lb_p = _parse_value(row, "coverage_pct", "percent", rec)
    population, approx_n, _ = _parse_value(row, "population", "count", rec)
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
    population, approx, _ = _parse_value(row, "population", "count", rec)
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
    target_pct, _, _ = _parse_value(row, "target_pct", "percent", rec)
    if target_pct is not None and not 0 < target_pct <= settings.max_coverage_pct:
        raise RowRejected("target_pct", row["target_pct"], "target_pct outside 0-200%")
    target_date = row["target_date"]
    if target_date:
        try:
            target_date = _period(target_date).iso()
        except ParseError as exc:
            raise RowRejected("target_date", target_date, str(exc)) from None
    budget, _, _ = _parse_value(row, "budget_idr", "money", rec)
    if budget is not None and budget <= 0:
        raise RowRejected("budget_idr", row["budget_idr"], "budget must be positive")
    people, _, _ = _parse_value(row, "people_funded", "count", rec)
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


#: The row cleaner of each kind of raw file.
ROW_CLEANERS: dict[str, Callable[[dict[str, str], CleanSettings], dict[str, Any]]] = {
    "enrolment": clean_enrolment_row,
    "population": clean_population_row,
    "commitments": clean_commitment_row,
}

#: A reject: ``(file, line, column, value, reason)``.
Reject = tuple[str, int, str, str, str]


def clean_rows(
    raws: Iterable[RawFile], settings: CleanSettings
) -> tuple[dict[str, list[dict[str, Any]]], list[Reject]]:
    """Clean records per kind of file (each with ``_file``/``_line``) and every reject.

    The rejects are the raw reader's (rows that are not rows) followed by the
    rows a rule refused; every raw row is in exactly one of the two outputs.
    """
    records: dict[str, list[dict[str, Any]]] = {k: [] for k in ROW_CLEANERS}
    rejects: list[Reject] = []
    for raw in raws:
        rejects.extend(raw.rejects)
        cleaner = ROW_CLEANERS[raw.kind]
        columns = [c for c in raw.rows.columns if not c.startswith("_")]
        for values in iter_values(raw.rows):
            file, line, *cells = values
            row = dict(zip(columns, cells, strict=True))
            try:
                rec = cleaner(row, settings)
            except RowRejected as exc:
                rejects.append((file, int(line), exc.column, exc.value, exc.reason))
                continue
            rec["_file"], rec["_line"] = file, int(line)
            records[raw.kind].append(rec)
    return records, rejects


__all__ = [
    "BASIS_FAMILY",
    "BASIS_LABELS",
    "ROW_CLEANERS",
    "CleanSettings",
    "RowRejected",
    "clean_commitment_row",
    "clean_enrolment_row",
    "clean_population_row",
    "clean_rows",
    "normalise_basis",
]
