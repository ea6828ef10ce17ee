"""The published UHC criteria as data: read, check, flag conflicts, choose by a reviewed rule.

"UHC" has meant different things over time: 95 % of residents registered (the
RPJMN 2020-2024 target, the basis of the UHC awards up to 2024; the 2024 award
also asked for 75 % active participants), 98 % (the national target from 2025),
UHC prioritas (98 % registered and 80 % active, from 2025) and the three tiers
of the UHC Awards 2026 (Pratama, Madya, Utama). ``data/raw/national/uhc_criteria.csv``
(copied unchanged from ``shared/data/facts``) holds them, one row per criterion
*as one source states it*; sources disagree on some thresholds.

This module turns that file into a reviewed reference table:

* :func:`read_criteria` reads and checks the file; a bad cell raises
  :class:`CriteriaError` with one line naming file, line, column and value.
* :func:`criteria_reference` gives one row per source row with a
  ``criterion_id`` (``scheme_year[_tier]``), a ``conflict`` flag when the
  sources of one scheme/year/tier disagree on a stated value, and a ``used``
  flag. Which of two conflicting values is used is never decided in code: it
  comes from the reviewed table ``uhc_analysis/reference/criteria_decisions.csv``
  (``scheme, year, tier, field, chosen_value, reason, reviewer``); a conflict
  without a decision, or a decision that matches nothing, is an error. A
  decision on a field that is not in conflict (e.g. an empty ``valid_to``)
  sets it for every row of the group and is written in ``decision``.
* The fixed thresholds are rows too (:func:`fixed_criteria`): ``rpjmn_95``
  (2020-2024), ``national_98`` (from 2025) and ``full_100``, built from
  :data:`uhc_analysis.config.THRESHOLDS`, so a threshold stays a parameter and
  a new criterion arrives as a row of the file, not as code.
* :func:`criteria_in_force` collapses the used rows to one row per criterion
  and keeps those that apply at a date.

Examples
--------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "uhc_criteria.csv"
>>> _ = path.write_text(",".join(CRITERIA_COLUMNS) + "\\n"
...     "uhc_award,2024,2024,,95,75,,,X,https://x.example/a,r\\n")
>>> no_decisions = load_criteria_decisions().head(0)
>>> ref = criteria_reference(read_criteria(path), no_decisions)
>>> criteria_in_force(ref, "2024-08-08")["criterion_id"].tolist()
['uhc_award_2024', 'rpjmn_95', 'full_100']
>>> criteria_in_force(ref, "2026-12-02")["criterion_id"].tolist()
['national_98', 'full_100']
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from uhc_analysis import config

#: Where the criteria file lives once copied from ``shared/data/facts/national``.
CRITERIA_CSV: Path = config.DATA_RAW / "national" / "uhc_criteria.csv"
#: The reviewed decisions on conflicting thresholds.
DECISIONS_CSV: Path = config.REFERENCE_DIR / "criteria_decisions.csv"

#: Columns of ``uhc_criteria.csv`` (``shared/data/facts/README.md``).
CRITERIA_COLUMNS: tuple[str, ...] = (
    "scheme",
    "valid_from",
    "valid_to",
    "category",
    "min_coverage_pct",
    "min_active_pct",
    "other_conditions",
    "published",
    "publisher",
    "url",
    "remarks",
)
#: Columns of ``criteria_decisions.csv``.
DECISION_COLUMNS: tuple[str, ...] = (
    "scheme",
    "year",
    "tier",
    "field",
    "chosen_value",
    "reason",
    "reviewer",
)
#: Award tiers, lowest first.
TIERS: tuple[str, ...] = ("pratama", "madya", "utama")
#: Fields a decision may set (the values sources can disagree on).
DECISION_FIELDS: tuple[str, ...] = ("min_coverage_pct", "min_active_pct", "valid_to")

#: The reviewed reference table, one row per source row (plus the fixed thresholds).
CRITERIA_REFERENCE: tuple[str, ...] = (
    "criterion_id",
    "scheme",
    "tier",
    "valid_from",
    "valid_to",
    "min_coverage_pct",
    "min_active_pct",
    "other_conditions",
    "source",
    "published",
    "publisher",
    "url",
    "remarks",
    "conflict",
    "conflict_fields",
    "used",
    "decision",
)
#: Columns of :func:`read_criteria` (the file's, typed, with ``source``).
_READ_COLUMNS: tuple[str, ...] = tuple(
    c
    for c in CRITERIA_REFERENCE
    if c not in ("criterion_id", "conflict", "conflict_fields", "used", "decision")
)
#: One row per criterion (the used rows collapsed), as :func:`criteria_in_force` returns.
CRITERIA: tuple[str, ...] = (
    "criterion_id",
    "scheme",
    "tier",
    "valid_from",
    "valid_to",
    "min_coverage_pct",
    "min_active_pct",
    "other_conditions",
    "n_sources",
    "conflict",
    "urls",
    "decision",
)

# Fixed thresholds: (criterion_id, scheme, valid_from, valid_to, url, remarks).
_FIXED: dict[float, tuple[str, str, int | None, int | None, str, str]] = {
    95.0: (
        "rpjmn_95",
        "rpjmn",
        2020,
        2024,
        "https://news.okezone.com:443/read/2024/08/09/337/3046431/"
        "pemprov-sultra-terima-penghargaan-universal-health-coverage-uhc-award-2024",
        "95 % of residents registered: the RPJMN 2020-2024 target ('target RPJMN sebesar 95%'),"
        " the basis of the UHC awards up to 2024",
    ),
    98.0: (
        "national_98",
        "national_target",
        2025,
        None,
        "https://planet.merdeka.com/amp/hot-news/"
        "cakupan-jkn-di-oki-sumsel-hampir-capai-target-rpjmn-2029-402208-mvk.html",
        "98 % of residents registered: the national target of the RPJMN 2025-2029"
        " ('target RPJMN 2029 sebesar 98 persen')",
    ),
    100.0: ("full_100", "full_coverage", None, None, "", "every resident registered"),
}


class CriteriaError(ValueError):
    """A criteria or decisions file cannot be used; the message names file, line and value."""


def _year(text: str) -> int | None:
    if not re.fullmatch(r"\d{4}", text):
        raise ValueError("expected a year YYYY")
    return int(text)


def _pct(text: str) -> float:
    value = float(text)
    if not (0.0 < value <= 100.0):
        raise ValueError("expected a percentage in (0, 100]")
    return value


def _records(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """``(line, row)`` pairs of a CSV whose header must be exactly ``columns``."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CriteriaError(f"{path}: not valid UTF-8 ({exc})") from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise CriteriaError(f"{path}: line 1: empty file; expected header {','.join(columns)}")
    header = [h.strip() for h in header]
    if tuple(header) != columns:
        raise CriteriaError(
            f"{path}: line 1: header {','.join(header)!r} differs from {','.join(columns)!r}"
        )
    out: list[tuple[int, dict[str, str]]] = []
    line = reader.line_num + 1
    for cells in reader:
        if any(c.strip() for c in cells):
            if len(cells) != len(columns):
                raise CriteriaError(
                    f"{path}: line {line}: expected {len(columns)} fields, found {len(cells)}"
                )
            out.append((line, {c: v.strip() for c, v in zip(columns, cells, strict=True)}))
        line = reader.line_num + 1
    return out


def read_criteria(path: Path | str | None = None) -> pd.DataFrame:
    """Read and check ``uhc_criteria.csv``; one row per source row, typed.

    Parameters
    ----------
    path
        The file (default :data:`CRITERIA_CSV`).

    Returns
    -------
    pandas.DataFrame
        The file's columns (``category`` renamed ``tier``), years as ``Int64``,
        thresholds as float (NaN = not stated), plus ``source`` (``file:line``).

    Raises
    ------
    CriteriaError
        One line naming file, line, column and value: a missing file, a wrong
        header, an empty scheme, a year that is not ``YYYY``, ``valid_to``
        before ``valid_from``, an unknown tier, a percentage outside (0, 100],
        a row stating no threshold, a URL not starting with ``http``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "c.csv"
    >>> _ = p.write_text(",".join(CRITERIA_COLUMNS) + "\\n"
    ...     "uhc_award,2026,2026,best,98,80,,,X,https://x.example,r\\n")
    >>> read_criteria(p)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    uhc_analysis.ingest.criteria.CriteriaError: ...c.csv: line 2: column 'category': value 'best': \
expected one of ['', 'pratama', 'madya', 'utama']
    """
    path = Path(path) if path is not None else CRITERIA_CSV
    if not path.is_file():
        raise CriteriaError(
            f"{path}: criteria file not found (copy shared/data/facts/national/uhc_criteria.csv "
            "there: `uhc-analysis sync-raw`)"
        )
    rows: list[dict[str, object]] = []
    for line, row in _records(path, CRITERIA_COLUMNS):

        def bad(column: str, why: str, line: int = line, row: dict[str, str] = row) -> None:
            raise CriteriaError(
                f"{path}: line {line}: column {column!r}: value {row[column]!r}: {why}"
            )

        if not re.fullmatch(r"[a-z][a-z0-9_]*", row["scheme"]):
            bad("scheme", "expected a lower-case identifier such as 'uhc_award'")
        parsed: dict[str, object] = {}
        for column in ("valid_from", "valid_to"):
            try:
                parsed[column] = _year(row[column]) if row[column] else None
            except ValueError as exc:
                bad(column, str(exc))
        if parsed["valid_from"] is None:
            bad("valid_from", "the year a criterion applies from is required")
        if parsed["valid_to"] is not None and parsed["valid_to"] < parsed["valid_from"]:  # type: ignore[operator]
            bad("valid_to", f"before valid_from {parsed['valid_from']}")
        if row["category"].lower() not in ("", *TIERS):
            bad("category", f"expected one of {['', *TIERS]}")
        for column in ("min_coverage_pct", "min_active_pct"):
            try:
                parsed[column] = _pct(row[column]) if row[column] else math.nan
            except ValueError as exc:
                bad(column, str(exc).replace("could not convert string to float", "not a number"))
        if all(math.isnan(parsed[c]) for c in ("min_coverage_pct", "min_active_pct")):  # type: ignore[arg-type]
            bad("min_coverage_pct", "a criterion must state min_coverage_pct or min_active_pct")
        if not row["url"].startswith(("http://", "https://")):
            bad("url", "every criterion needs the URL of its source")
        rows.append(
            {
                "scheme": row["scheme"],
                "tier": row["category"].lower(),
                "valid_from": parsed["valid_from"],
                "valid_to": parsed["valid_to"],
                "min_coverage_pct": parsed["min_coverage_pct"],
                "min_active_pct": parsed["min_active_pct"],
                "other_conditions": row["other_conditions"],
                "source": f"{path.parent.name}/{path.name}:{line}",
                "published": row["published"],
                "publisher": row["publisher"],
                "url": row["url"],
                "remarks": row["remarks"],
            }
        )
    out = pd.DataFrame(rows, columns=list(_READ_COLUMNS))
    for column in ("valid_from", "valid_to"):
        out[column] = pd.array(out[column].tolist(), dtype="Int64")
    return out


def load_criteria_decisions(path: Path | str | None = None) -> pd.DataFrame:
    """Read the reviewed decisions table (default :data:`DECISIONS_CSV`).

    Raises
    ------
    CriteriaError
        Wrong header, a year that is not ``YYYY``, an unknown tier or field,
        an empty ``reason`` or ``reviewer``, or a repeated decision.

    Examples
    --------
    >>> d = load_criteria_decisions()
    >>> d.loc[d["tier"] == "madya", ["field", "chosen_value"]].values.tolist()
    [['min_active_pct', '85']]
    """
    path = Path(path) if path is not None else DECISIONS_CSV
    rows: list[dict[str, object]] = []
    seen: set[tuple[str, int, str, str]] = set()
    for line, row in _records(path, DECISION_COLUMNS):

        def bad(column: str, why: str, line: int = line, row: dict[str, str] = row) -> None:
            raise CriteriaError(
                f"{path}: line {line}: column {column!r}: value {row[column]!r}: {why}"
            )

        try:
            year = _year(row["year"])
        except ValueError as exc:
            bad("year", str(exc))
        if row["tier"] not in ("", *TIERS):
            bad("tier", f"expected one of {['', *TIERS]}")
        if row["field"] not in DECISION_FIELDS:
            bad("field", f"expected one of {list(DECISION_FIELDS)}")
        for column in ("chosen_value", "reason", "reviewer"):
            if not row[column]:
                bad(column, "required (a decision says what, why and who)")
        key = (row["scheme"], year, row["tier"], row["field"])  # type: ignore[arg-type]
        if key in seen:
            bad("field", f"a second decision for {key}")
        seen.add(key)
        rows.append({**row, "year": year, "line": line})
    return pd.DataFrame(rows, columns=[*DECISION_COLUMNS, "line"])


def fixed_criteria(thresholds: Sequence[float] = config.THRESHOLDS) -> pd.DataFrame:
    """The coverage thresholds as criterion rows (``rpjmn_95``, ``national_98``, ``full_100``).

    Thresholds other than 95/98/100 become ``threshold_<t>`` rows that always apply.

    Examples
    --------
    >>> fixed_criteria((95, 97.5))[["criterion_id", "valid_from", "valid_to"]].values.tolist()
    [['rpjmn_95', 2020, 2024], ['threshold_97.5', <NA>, <NA>]]
    """
    rows = []
    for t in thresholds:
        t = float(t)
        cid, scheme, start, end, url, remarks = _FIXED.get(
            t, (f"threshold_{t:g}", "threshold", None, None, "", f"{t:g} % registered (setting)")
        )
        rows.append(
            {
                "criterion_id": cid,
                "scheme": scheme,
                "tier": "",
                "valid_from": start,
                "valid_to": end,
                "min_coverage_pct": t,
                "min_active_pct": math.nan,
                "other_conditions": "",
                "source": "setting: uhc_analysis.config.THRESHOLDS",
                "published": "",
                "publisher": "",
                "url": url,
                "remarks": remarks,
                "conflict": False,
                "conflict_fields": "",
                "used": True,
                "decision": "",
            }
        )
    out = pd.DataFrame(rows, columns=list(CRITERIA_REFERENCE))
    for column in ("valid_from", "valid_to"):
        out[column] = pd.array(out[column].tolist(), dtype="Int64")
    return out


def _same(a: object, b: object) -> bool:
    return bool(pd.isna(a) and pd.isna(b)) or (not pd.isna(a) and not pd.isna(b) and a == b)


def criteria_reference(
    criteria: pd.DataFrame,
    decisions: pd.DataFrame,
    thresholds: Sequence[float] = config.THRESHOLDS,
) -> pd.DataFrame:
    """The reviewed reference table: source rows with ids, conflicts and the used flag.

    Parameters
    ----------
    criteria
        :func:`read_criteria` output.
    decisions
        :func:`load_criteria_decisions` output.
    thresholds
        Fixed coverage thresholds appended as rows (:func:`fixed_criteria`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CRITERIA_REFERENCE`. Rows of one scheme, year
        (``valid_from``) and tier form one criterion; ``conflict`` is True for
        all of them when two state different values of a field in
        :data:`DECISION_FIELDS` (an empty cell is "not stated", not a
        conflict); ``used`` is False for a row whose value differs from the
        decision's ``chosen_value``.

    Raises
    ------
    CriteriaError
        A conflict without a decision, a decision whose value no source
        states, or a decision that matches no criterion.

    Examples
    --------
    >>> c = pd.DataFrame({"scheme": ["uhc_award"] * 2, "tier": ["madya"] * 2,
    ...     "valid_from": [2026] * 2, "valid_to": [2026] * 2,
    ...     "min_coverage_pct": [98.0, 98.0], "min_active_pct": [98.0, 85.0],
    ...     "other_conditions": "", "source": ["f:2", "f:3"], "published": "",
    ...     "publisher": "", "url": "https://x.example", "remarks": ""})
    >>> madya = load_criteria_decisions().query("tier == 'madya'")
    >>> ref = criteria_reference(c, madya, thresholds=())
    >>> ref[["criterion_id", "min_active_pct", "conflict", "used"]].values.tolist()
    [['uhc_award_2026_madya', 98.0, True, False], ['uhc_award_2026_madya', 85.0, True, True]]
    """
    ref = criteria.copy()
    ref["criterion_id"] = [
        f"{s}_{y}" + (f"_{t}" if t else "")
        for s, y, t in zip(ref["scheme"], ref["valid_from"], ref["tier"], strict=True)
    ]
    ref["conflict"] = False
    ref["conflict_fields"] = ""
    ref["used"] = True
    ref["decision"] = ""
    matched: set[int] = set()
    for cid, idx in ref.groupby("criterion_id", sort=False).groups.items():
        group = ref.loc[idx]
        first = group.iloc[0]
        conflicting = [f for f in DECISION_FIELDS if group[f].dropna().astype(float).nunique() > 1]
        ref.loc[idx, "conflict"] = bool(conflicting)
        ref.loc[idx, "conflict_fields"] = ";".join(conflicting)
        mine = decisions.loc[
            decisions["scheme"].eq(first["scheme"])
            & decisions["year"].eq(int(first["valid_from"]))
            & decisions["tier"].eq(first["tier"])
        ]
        for field in conflicting:
            if not mine["field"].eq(field).any():
                values = sorted(set(group[field].dropna().astype(float)))
                raise CriteriaError(
                    f"criterion {cid}: sources disagree on {field} ({values}, rows "
                    f"{', '.join(group['source'])}); add a decision to {DECISIONS_CSV}"
                )
        for d in mine.itertuples(index=False):
            matched.add(int(d.line))
            chosen = float(d.chosen_value)
            note = f"{d.field} = {d.chosen_value}: {d.reason} ({d.reviewer})"
            if d.field in conflicting:
                keep = group[d.field].astype(float).eq(chosen) | group[d.field].isna()
                if not group[d.field].astype(float).eq(chosen).any():
                    raise CriteriaError(
                        f"{DECISIONS_CSV}: line {d.line}: column 'chosen_value': value "
                        f"{d.chosen_value!r}: no source of {cid} states it"
                    )
                ref.loc[keep[~keep].index, "used"] = False
            else:
                value = int(chosen) if d.field == "valid_to" else chosen
                ref.loc[idx, d.field] = value
            ref.loc[idx, "decision"] = [
                f"{old}; {note}" if old else note for old in ref.loc[idx, "decision"]
            ]
    stale = decisions.loc[~decisions["line"].isin(matched)]
    if len(stale):
        d = stale.iloc[0]
        raise CriteriaError(
            f"{DECISIONS_CSV}: line {d['line']}: column 'scheme': value {d['scheme']!r}: "
            f"no criterion {d['scheme']} {d['year']} {d['tier'] or '(no tier)'} "
            "in the criteria file"
        )
    ref = ref[list(CRITERIA_REFERENCE)]
    fixed = fixed_criteria(thresholds)
    out = pd.concat([ref, fixed], ignore_index=True) if len(fixed) else ref.reset_index(drop=True)
    for column in ("valid_from", "valid_to"):
        out[column] = out[column].astype("Int64")
    return out


def load_criteria(
    path: Path | str | None = None,
    decisions_path: Path | str | None = None,
    thresholds: Sequence[float] = config.THRESHOLDS,
) -> pd.DataFrame:
    """:func:`read_criteria` + :func:`load_criteria_decisions` -> :func:`criteria_reference`."""
    return criteria_reference(
        read_criteria(path), load_criteria_decisions(decisions_path), thresholds
    )


def joint_thresholds(criteria: pd.DataFrame) -> tuple[tuple[float, float], ...]:
    """The distinct (coverage >=, activity >=) pairs of the used criteria that state both.

    Examples
    --------
    >>> c = pd.DataFrame({"min_coverage_pct": [95.0, 98.0, 98.0, 98.0],
    ...     "min_active_pct": [75.0, 80.0, 80.0, float("nan")], "used": True})
    >>> joint_thresholds(c)
    ((95.0, 75.0), (98.0, 80.0))
    """
    used = criteria.loc[criteria["used"].astype(bool)] if "used" in criteria else criteria
    both = used[["min_coverage_pct", "min_active_pct"]].dropna().astype(float)
    pairs = sorted({(float(a), float(b)) for a, b in both.itertuples(index=False)})
    return tuple(pairs)


def _collapse(group: pd.DataFrame) -> dict[str, object]:
    first = group.iloc[0]
    out: dict[str, object] = {"criterion_id": first["criterion_id"]}
    for column in ("scheme", "tier", "valid_from", "valid_to"):
        out[column] = first[column]
    for column in ("min_coverage_pct", "min_active_pct"):
        stated = group[column].dropna()
        out[column] = float(stated.iloc[0]) if len(stated) else math.nan
    conditions = [c for c in dict.fromkeys(group["other_conditions"]) if c]
    out["other_conditions"] = " | ".join(conditions)
    out["n_sources"] = len(group)
    out["conflict"] = bool(group["conflict"].any())
    out["urls"] = ";".join(u for u in dict.fromkeys(group["url"]) if u)
    out["decision"] = next((d for d in group["decision"] if d), "")
    return out


def collapse_criteria(criteria: pd.DataFrame) -> pd.DataFrame:
    """One row per criterion from the used rows of the reference table (columns :data:`CRITERIA`).

    Used rows of a criterion agree on every stated value (conflicts were
    resolved by a decision), so a threshold is the value any used row states.

    Examples
    --------
    >>> table = collapse_criteria(fixed_criteria((98,)))
    >>> table[["criterion_id", "min_coverage_pct"]].values.tolist()
    [['national_98', 98.0]]
    """
    used = criteria.loc[criteria["used"].astype(bool)]
    rows = [_collapse(g) for _, g in used.groupby("criterion_id", sort=False)]
    out = pd.DataFrame(rows, columns=list(CRITERIA))
    for column in ("valid_from", "valid_to"):
        out[column] = out[column].astype("Int64")
    return out


def _as_date(date: str | dt.date | pd.Timestamp) -> dt.date:
    return pd.Timestamp(date).date()


def in_force(criteria: pd.DataFrame, date: str | dt.date | pd.Timestamp) -> pd.Series:
    """Which rows of ``criteria`` apply at ``date``: ``valid_from <= year <= valid_to``.

    Examples
    --------
    >>> in_force(fixed_criteria(), "2024-12-31").tolist()
    [True, False, True]
    """
    year = _as_date(date).year
    start = criteria["valid_from"].astype("Int64")
    end = criteria["valid_to"].astype("Int64")
    return (start.isna() | start.le(year)).fillna(False).astype(bool) & (
        end.isna() | end.ge(year)
    ).fillna(False).astype(bool)


def criteria_in_force(criteria: pd.DataFrame, date: str | dt.date | pd.Timestamp) -> pd.DataFrame:
    """The criteria that apply at ``date``, one row each (columns :data:`CRITERIA`).

    ``criteria`` is the reference table (:func:`criteria_reference`) or an
    already collapsed one; unused rows are ignored.

    Examples
    --------
    >>> criteria_in_force(fixed_criteria(), "2026-12-02")["criterion_id"].tolist()
    ['national_98', 'full_100']
    """
    table = collapse_criteria(criteria) if "used" in criteria.columns else criteria
    return table.loc[in_force(table, date)].reset_index(drop=True)


def last_day_in_force(criterion: pd.Series) -> dt.date | None:
    """31 December of ``valid_to`` (None when the criterion has no end).

    Examples
    --------
    >>> last_day_in_force(fixed_criteria().iloc[0])
    datetime.date(2024, 12, 31)
    """
    end = criterion["valid_to"]
    return None if pd.isna(end) else dt.date(int(end), 12, 31)
