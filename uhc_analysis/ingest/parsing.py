"""Parsers for the notations found in published Indonesian figures.

Numbers come as ``817221``, ``817.221`` (dot as thousands separator),
``97,63`` (comma as decimal mark), ``7,9 juta``, ``Rp 6,6 miliar`` or
``hampir Rp 229 miliar``; periods come at the precision the source gives
(``2023``, ``2023-09``, ``2023-09-01``, ``September 2023``). Every parser
either returns a value or raises :class:`ParseError` (a ``ValueError``) whose
message quotes the offending text; nothing else escapes. Footnote marks
printed after a figure (``249711¹``, ``88,4⁴``, ``12,3*``: see
:data:`FOOTNOTE_MARKS`) are split off into :attr:`ParsedNumber.footnote`
before Unicode normalisation, which would otherwise turn ``¹`` into a digit.

Examples
--------
>>> parse_number("817.221", kind="count")
817221.0
>>> parse_number("97,63", kind="percent")
97.63
>>> parse_number("Rp 6,6 miliar", kind="money")
6600000000.0
>>> parse_period("2023-09").precision
'month'
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np

NumberKind = Literal["count", "percent", "money", "number"]


class ParseError(ValueError):
    """A value could not be parsed; the message quotes the value and says why."""


#: Scale words of Indonesian (and English) reporting.
SCALE_WORDS: dict[str, float] = {
    "ribu": 1e3,
    "rb": 1e3,
    "ribuan": 1e3,
    "thousand": 1e3,
    "juta": 1e6,
    "jt": 1e6,
    "million": 1e6,
    "miliar": 1e9,
    "milyar": 1e9,
    "m": 1e9,
    "billion": 1e9,
    "triliun": 1e12,
    "trilyun": 1e12,
    "t": 1e12,
    "trillion": 1e12,
}

#: Hedge words that keep the value but say it is approximate (rounded) ...
APPROX_WORDS: tuple[str, ...] = (
    "sekitar",
    "kurang lebih",
    "hampir",
    "nyaris",
    "approximately",
    "about",
    "around",
    "±",
    "~",
)
#: ... or a lower bound.
LOWER_BOUND_WORDS: tuple[str, ...] = ("lebih dari", "di atas", "more than", "over", "at least")

_UNIT_WORDS = ("rupiah", "rp.", "rp", "idr", "jiwa", "orang", "peserta", "persen", "percent", "%")

_NUMBER_RE = re.compile(r"^[+-]?\d[\d.,]*$")
#: digits with at most one decimal point and no thousands-like group: safe to read as is
_PLAIN_RE = re.compile(r"^\d{1,3}(?:\.\d{1,2}|\.\d{4,})?$|^\d+$", re.ASCII)
_THOUSANDS_DOT = re.compile(r"^\d{1,3}(\.\d{3})+$")
_THOUSANDS_COMMA = re.compile(r"^\d{1,3}(,\d{3})+$")
#: The commonest Indonesian notations, ASCII digits only: read without the full parser.
_ASCII_THOUSANDS_DOT = re.compile(r"\d{1,3}(?:\.\d{3})+", re.ASCII)
_ASCII_DECIMAL_COMMA = re.compile(r"\d+,\d+", re.ASCII)


@dataclass(frozen=True)
class ParsedNumber:
    """A number with the hedges that came with it, and any footnote mark printed after it."""

    value: float
    approximate: bool = False
    lower_bound: bool = False
    footnote: str = ""


#: Footnote marks a source prints right after a figure (``249711¹``, ``88,4⁴``, ``12,3*``).
FOOTNOTE_MARKS: str = "¹²³⁰⁴⁵⁶⁷⁸⁹*†‡§¶#"
#: A run of footnote marks ending a number: after a digit, before a space, a unit or the end
#: (never before another digit or separator, so ``24⁹711`` is refused, not read as 249711).
_MARKS = rf"((?:[{re.escape(FOOTNOTE_MARKS)}]|⁽[⁰¹²³⁴⁵⁶⁷⁸⁹]+⁾)+)"
_FOOTNOTE_RE = re.compile(rf"(?<=\d)\s?{_MARKS}(?![\d.,])|(?<=[%A-Za-z])\s?{_MARKS}\s*$")


def split_footnote(text: str) -> tuple[str, str]:
    """``text`` without the footnote marks that end its numbers, and the marks.

    Examples
    --------
    >>> split_footnote("249711¹"), split_footnote("88,4⁴ persen"), split_footnote("12,3*")
    (('249711', '¹'), ('88,4 persen', '⁴'), ('12,3', '*'))
    >>> split_footnote("24⁹711"), split_footnote("7,9 juta*")
    (('24⁹711', ''), ('7,9 juta', '*'))
    """
    marks: list[str] = []

    def keep(match: re.Match[str]) -> str:
        marks.append(match.group(1) or match.group(2))
        return ""

    return _FOOTNOTE_RE.sub(keep, text), "".join(marks)


def _odd_character(text: str) -> str | None:
    """The first character the parsers do not expect: one that NFKC would turn into a digit
    (superscripts, subscripts, circled or fraction digits) or an invisible control/format
    character; ``None`` if there is none."""
    for char in text:
        category = unicodedata.category(char)
        if category == "Nd":
            continue
        folded = unicodedata.normalize("NFKC", char)
        if any(c.isdigit() for c in folded) or category in ("Cc", "Cf", "Co", "Cs", "Cn"):
            if char in "\t\n\r":
                continue
            name = unicodedata.name(char, "control character" if category == "Cc" else "unnamed")
            return f"{char!r} (U+{ord(char):04X} {name})"
    return None


@lru_cache(maxsize=16)
def _word_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """One compiled alternation of ``words`` (longest first, whole words for letters)."""
    parts = [
        re.escape(w) if not w[0].isalpha() else rf"(?<![a-z]){re.escape(w)}(?![a-z])"
        for w in sorted(words, key=len, reverse=True)
    ]
    return re.compile("|".join(parts))


def _strip_words(text: str, words: tuple[str, ...]) -> tuple[str, bool]:
    text, n = _word_pattern(words).subn(" ", text)
    return text, n > 0


def _digits_to_float(token: str, kind: NumberKind, scaled: bool, original: str) -> float:
    sign = -1.0 if token.startswith("-") else 1.0
    token = token.lstrip("+-")
    if "." in token and "," in token:
        # whichever separator comes last is the decimal mark
        if token.rfind(",") > token.rfind("."):
            token = token.replace(".", "").replace(",", ".")
        else:
            token = token.replace(",", "")
    elif "," in token:
        if kind in ("count", "money", "number") and not scaled and _THOUSANDS_COMMA.match(token):
            token = token.replace(",", "")
        elif token.count(",") == 1:
            token = token.replace(",", ".")
        else:
            raise ParseError(f"cannot read {original!r} as a number: several commas")
    elif "." in token:
        # a dot before groups of three digits separates thousands, also before a scale
        # word ("Rp 1.500 miliar" is 1,500 billion); "7.9 juta" stays a decimal
        if kind in ("count", "money") and _THOUSANDS_DOT.match(token):
            token = token.replace(".", "")
        elif token.count(".") > 1:
            if _THOUSANDS_DOT.match(token):
                token = token.replace(".", "")
            else:
                raise ParseError(f"cannot read {original!r} as a number: misplaced dots")
    try:
        return sign * float(token)
    except ValueError as exc:  # pragma: no cover - guarded by the regex
        raise ParseError(f"cannot read {original!r} as a number") from exc


def parse_quantity(text: str, kind: NumberKind = "number") -> ParsedNumber | None:
    """Parse a published figure, keeping its hedges.

    Parameters
    ----------
    text
        The figure as printed. Empty or blank text means "not stated" and
        gives ``None``.
    kind
        ``count`` (people: must be a whole, non-negative number), ``percent``
        (``,`` and ``.`` are decimal marks), ``money`` (rupiah) or ``number``.

    Examples
    --------
    >>> parse_quantity("hampir Rp 229 miliar", kind="money")
    ParsedNumber(value=229000000000.0, approximate=True, lower_bound=False, footnote='')
    >>> parse_quantity("lebih dari 98 persen", kind="percent").lower_bound
    True

    A footnote mark after a number is kept apart, never read as a digit; a
    character no notation uses (a superscript inside the digits, a zero-width
    space) is an error naming it:

    >>> parse_quantity("249711¹", kind="count")
    ParsedNumber(value=249711.0, approximate=False, lower_bound=False, footnote='¹')
    >>> parse_quantity("2497¹11", kind="count")
    Traceback (most recent call last):
    ...
    uhc_analysis.ingest.parsing.ParseError: unexpected character '¹' (U+00B9 SUPERSCRIPT ONE) \
in '2497¹11'
    """
    if text is None:
        return None
    if not isinstance(text, str):
        raise ParseError(f"expected text, got {type(text).__name__} {text!r}")
    original = text
    if _PLAIN_RE.match(text) and (kind != "count" or text.isdigit()):
        value = float(text)  # fast path: plain ASCII digits, the common case
        if math.isfinite(value):
            return ParsedNumber(value=value)
    if kind in ("count", "money") and _ASCII_THOUSANDS_DOT.fullmatch(text):
        # fast path: "817.221", what the full reading below gives (dots group thousands)
        value = float(text.replace(".", ""))
        if math.isfinite(value):
            return ParsedNumber(value=value)
    if kind == "percent" and _ASCII_DECIMAL_COMMA.fullmatch(text):
        value = float(text.replace(",", "."))  # fast path: "97,63"
        if math.isfinite(value):
            return ParsedNumber(value=value)
    text, footnote = split_footnote(text)
    odd = _odd_character(text)
    if odd is not None:
        raise ParseError(f"unexpected character {odd} in {original!r}")
    text = unicodedata.normalize("NFKC", text).strip().lower().replace("\u00a0", " ")
    if not text:
        return None
    text, approx = _strip_words(text, APPROX_WORDS)
    text, lower = _strip_words(text, LOWER_BOUND_WORDS)
    text, _ = _strip_words(text, _UNIT_WORDS)
    if kind == "percent":
        # a trailing "lebih" ("96% lebih") is a lower bound too
        text, more = _strip_words(text, ("lebih",))
        lower = lower or more
    tokens = text.split()
    if not tokens:
        raise ParseError(f"no number in {original!r}")
    scale = 1.0
    if len(tokens) >= 2 and tokens[-1] in SCALE_WORDS:
        scale = SCALE_WORDS[tokens.pop()]
    elif len(tokens) == 1:
        m = re.match(r"^([+-]?\d[\d.,]*)([a-z]+)$", tokens[0])
        if m and m.group(2) in SCALE_WORDS:
            tokens = [m.group(1)]
            scale = SCALE_WORDS[m.group(2)]
    if len(tokens) != 1 or not _NUMBER_RE.match(tokens[0]):
        raise ParseError(f"cannot read {original!r} as a number")
    value = _digits_to_float(tokens[0], kind, scale != 1.0, original) * scale
    if not math.isfinite(value):
        raise ParseError(f"{original!r} is not a finite number")
    if kind == "count":
        if value < 0:
            raise ParseError(f"{original!r} is a negative count")
        if abs(value - round(value)) > 1e-6 * max(1.0, abs(value)):
            raise ParseError(f"{original!r} is not a whole number of people")
        value = float(round(value))
    if kind in ("money", "percent") and value < 0:
        raise ParseError(f"{original!r} is negative")
    return ParsedNumber(
        value=value, approximate=approx or scale != 1.0, lower_bound=lower, footnote=footnote
    )


def parse_number(text: str, kind: NumberKind = "number") -> float | None:
    """Parse a published figure to a float (``None`` if blank).

    Examples
    --------
    >>> parse_number("7,9 juta", kind="count")
    7900000.0
    >>> parse_number("")
    """
    parsed = parse_quantity(text, kind)
    return None if parsed is None else parsed.value


# --------------------------------------------------------------------------- periods

Precision = Literal["year", "semester", "month", "day"]

_MONTHS: dict[str, int] = {}
for _i in range(1, 13):
    _MONTHS[calendar.month_name[_i].lower()] = _i
    _MONTHS[calendar.month_abbr[_i].lower()] = _i
_MONTHS.update(
    {
        "januari": 1,
        "februari": 2,
        "pebruari": 2,
        "maret": 3,
        "mei": 5,
        "juni": 6,
        "juli": 7,
        "agustus": 8,
        "agust": 8,
        "agu": 8,
        "okt": 10,
        "oktober": 10,
        "nopember": 11,
        "desember": 12,
        "des": 12,
        "sept": 9,
    }
)


@dataclass(frozen=True, order=True)
class Period:
    """A reference period at the precision its source gave.

    ``start`` and ``end`` bound the period (inclusive); ``date`` is the
    representative date used on time axes: the day itself, the 15th of a month,
    the middle of a semester, 1 July of a year.
    """

    start: dt.date
    end: dt.date
    precision: str
    text: str

    @property
    def date(self) -> dt.date:
        if self.precision == "day":
            return self.start
        if self.precision == "month":
            return self.start.replace(day=15)
        if self.precision == "semester":
            return dt.date(self.start.year, self.start.month + 3, 1)
        return dt.date(self.start.year, 7, 1)

    @property
    def decimal_year(self) -> float:
        return decimal_year(self.date)

    def contains(self, other: Period) -> bool:
        """True when ``other`` lies within this period (e.g. 2023-09 contains 2023-09-01)."""
        return self.start <= other.start and other.end <= self.end

    def iso(self) -> str:
        """Canonical text: ``YYYY``, ``YYYY-S1``, ``YYYY-MM`` or ``YYYY-MM-DD``."""
        if self.precision == "year":
            return f"{self.start.year:04d}"
        if self.precision == "semester":
            return f"{self.start.year:04d}-S{1 if self.start.month == 1 else 2}"
        if self.precision == "month":
            return f"{self.start.year:04d}-{self.start.month:02d}"
        return self.start.isoformat()


def decimal_year(day: dt.date) -> float:
    """Calendar date as a decimal year (2024-07-01 -> about 2024.5).

    Examples
    --------
    >>> round(decimal_year(dt.date(2023, 1, 1)), 3)
    2023.0
    """
    start = dt.date(day.year, 1, 1)
    length = (dt.date(day.year + 1, 1, 1) - start).days
    return day.year + (day - start).days / length


def date_of_decimal_year(year: float) -> dt.date:
    """The inverse of :func:`decimal_year`, to the nearest day.

    Examples
    --------
    >>> date_of_decimal_year(2024.5), date_of_decimal_year(decimal_year(dt.date(2023, 3, 15)))
    (datetime.date(2024, 7, 2), datetime.date(2023, 3, 15))
    """
    whole = int(year // 1)
    start = dt.date(whole, 1, 1)
    length = (dt.date(whole + 1, 1, 1) - start).days
    return start + dt.timedelta(days=round((year - whole) * length))


@lru_cache(maxsize=65536)
def _decimal_year_of(iso: str) -> float:
    return decimal_year(dt.date.fromisoformat(str(iso)[:10]))


def iso_dates(dates: Iterable[object]) -> list[str]:
    """``YYYY-MM-DD`` text of dates given as ISO text, dates or timestamps.

    Processed tables hold ``date`` as ``datetime64``; the population series
    works on ISO text (hashable, sortable with the yearly ``YYYY-07-01``).

    Examples
    --------
    >>> import pandas as pd
    >>> iso_dates([pd.Timestamp("2024-07-15"), "2023-01-01", dt.date(2020, 2, 1)])
    ['2024-07-15', '2023-01-01', '2020-02-01']
    """
    values = np.asarray(dates if hasattr(dates, "__len__") else list(dates))
    if values.dtype == object and len(values) and isinstance(values[0], dt.date):
        values = values.astype("datetime64[D]")  # dates or timestamps
    if values.dtype.kind == "M":  # one vectorised conversion (str() of a Timestamp is slow)
        return np.datetime_as_string(values, unit="D").tolist()
    return [str(d)[:10] for d in values.tolist()]


def decimal_years(dates: Iterable[object]) -> np.ndarray:
    """ISO dates (``YYYY-MM-DD`` text, dates or timestamps) as decimal years.

    The one vectorised home of :func:`decimal_year`; each distinct date is
    converted once (cached), which is what makes national-size panels fast.

    Examples
    --------
    >>> decimal_years(["2023-01-01", "2024-07-02"]).round(3).tolist()
    [2023.0, 2024.5]
    """
    values = iso_dates(dates)
    return np.fromiter((_decimal_year_of(d) for d in values), dtype=float, count=len(values))


def _month_period(year: int, month: int, text: str) -> Period:
    last = calendar.monthrange(year, month)[1]
    return Period(dt.date(year, month, 1), dt.date(year, month, last), "month", text)


def _check_year(year: int, text: str) -> int:
    if not 1900 <= year <= 2100:
        raise ParseError(f"year {year} in {text!r} is out of range 1900-2100")
    return year


def parse_period(text: str) -> Period:
    """Parse a reference period, keeping its precision.

    Accepts ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` (also with ``/``), month names
    in Indonesian or English (``September 2023``, ``Sep 2023``, ``1 Sep 2023``)
    and semesters (``semester I 2024``, ``S2 2023``, ``2023-S2``).

    Examples
    --------
    >>> p = parse_period("2023-09-01")
    >>> (p.precision, p.iso())
    ('day', '2023-09-01')
    >>> parse_period("Agustus 2024").iso()
    '2024-08'
    """
    if not isinstance(text, str):
        raise ParseError(f"expected a period as text, got {text!r}")
    original = text
    odd = _odd_character(text)
    if odd is not None:
        raise ParseError(f"unexpected character {odd} in period {original!r}")
    s = unicodedata.normalize("NFKC", text).strip().lower()
    if not s:
        raise ParseError("empty period")
    try:
        m = re.fullmatch(r"(\d{4})", s)
        if m:
            year = _check_year(int(m.group(1)), original)
            return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), "year", original)
        m = re.fullmatch(r"(\d{4})[-/](\d{1,2})", s)
        if m:
            year, month = _check_year(int(m.group(1)), original), int(m.group(2))
            return _month_period(year, month, original)
        m = re.fullmatch(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})", s)
        if m:
            day = dt.date(_check_year(int(m.group(1)), original), int(m.group(2)), int(m.group(3)))
            return Period(day, day, "day", original)
        m = re.fullmatch(r"(?:semester\s*|s)(i{1,2}|[12])\s*(\d{4})", s) or re.fullmatch(
            r"(\d{4})[-\s]s(?:emester)?\s*(i{1,2}|[12])", s
        )
        if m:
            a, b = m.groups()
            sem, year = (a, b) if not a.isdigit() or len(a) == 1 else (b, a)
            half = 1 if sem in ("1", "i") else 2
            year_i = _check_year(int(year), original)
            if half == 1:
                return Period(dt.date(year_i, 1, 1), dt.date(year_i, 6, 30), "semester", original)
            return Period(dt.date(year_i, 7, 1), dt.date(year_i, 12, 31), "semester", original)
        m = re.fullmatch(r"(?:(\d{1,2})\s+)?([a-z]+)\.?\s+(\d{4})", s)
        if m and m.group(2) in _MONTHS:
            year, month = _check_year(int(m.group(3)), original), _MONTHS[m.group(2)]
            if m.group(1):
                day = dt.date(year, month, int(m.group(1)))
                return Period(day, day, "day", original)
            return _month_period(year, month, original)
    except ValueError as exc:
        if isinstance(exc, ParseError):
            raise
        raise ParseError(f"{original!r} is not a valid date: {exc}") from exc
    raise ParseError(
        f"cannot read {original!r} as a period (expected YYYY, YYYY-MM, YYYY-MM-DD or 'Month YYYY')"
    )
