"""Indonesian notation: numbers, money, percentages and periods."""

from __future__ import annotations

import datetime as dt

import pytest

from uhc_analysis.ingest.parsing import ParseError, parse_number, parse_period, parse_quantity


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("817221", "count", 817_221),
        ("817.221", "count", 817_221),
        ("8.396.170", "count", 8_396_170),
        ("8,396,170", "count", 8_396_170),
        ("7,9 juta", "count", 7_900_000),
        ("7,78 juta jiwa", "count", 7_780_000),
        ("89 ribu", "count", 89_000),
        ("sekitar 8,7 juta jiwa", "count", 8_700_000),
        ("97,63", "percent", 97.63),
        ("97.63", "percent", 97.63),
        ("95,90 persen", "percent", 95.90),
        ("100%", "percent", 100.0),
        ("Rp 6,6 miliar", "money", 6.6e9),
        ("Rp6.631.423.690", "money", 6_631_423_690),
        ("hampir Rp 229 miliar", "money", 229e9),
        ("Rp 4,7 triliun", "money", 4.7e12),
        ("1.234.567,89", "money", 1_234_567.89),
        ("", "count", None),
        ("   ", "percent", None),
    ],
)
def test_numbers(text: str, kind: str, expected: float | None) -> None:
    got = parse_number(text, kind=kind)  # type: ignore[arg-type]
    assert got == (pytest.approx(expected) if expected is not None else None)


def test_hedges_are_kept() -> None:
    assert parse_quantity("lebih dari 98 persen", "percent").lower_bound
    assert parse_quantity("96% lebih", "percent").lower_bound
    assert parse_quantity("hampir Rp 229 miliar", "money").approximate
    assert parse_quantity("7,9 juta", "count").approximate  # a scale word means rounded
    assert not parse_quantity("817.221", "count").approximate


@pytest.mark.parametrize(
    ("text", "kind", "message"),
    [
        ("12.5", "count", "not a whole number"),
        ("-5", "count", "negative"),
        ("abc", "count", "cannot read"),
        ("8,39,1x", "count", "cannot read"),
        ("1e5", "count", "cannot read"),
        ("Rp -3 miliar", "money", "negative"),
    ],
)
def test_malformed_numbers_name_the_value(text: str, kind: str, message: str) -> None:
    with pytest.raises(ParseError, match=message) as info:
        parse_number(text, kind=kind)  # type: ignore[arg-type]
    assert repr(text) in str(info.value)


@pytest.mark.parametrize(
    ("text", "precision", "iso", "date"),
    [
        ("2023", "year", "2023", dt.date(2023, 7, 1)),
        ("2023-09", "month", "2023-09", dt.date(2023, 9, 15)),
        ("2023-09-01", "day", "2023-09-01", dt.date(2023, 9, 1)),
        ("2023/9", "month", "2023-09", dt.date(2023, 9, 15)),
        ("September 2023", "month", "2023-09", dt.date(2023, 9, 15)),
        ("Agustus 2024", "month", "2024-08", dt.date(2024, 8, 15)),
        ("1 Desember 2025", "day", "2025-12-01", dt.date(2025, 12, 1)),
        ("semester I 2024", "semester", "2024-S1", dt.date(2024, 4, 1)),
        ("2023-S2", "semester", "2023-S2", dt.date(2023, 10, 1)),
    ],
)
def test_periods_keep_precision(text: str, precision: str, iso: str, date: dt.date) -> None:
    p = parse_period(text)
    assert (p.precision, p.iso(), p.date) == (precision, iso, date)


def test_period_nesting() -> None:
    assert parse_period("2023-09").contains(parse_period("2023-09-01"))
    assert parse_period("2023").contains(parse_period("2023-07"))
    assert not parse_period("2023-09").contains(parse_period("2023-10-01"))


@pytest.mark.parametrize("text", ["2023-13", "2023-02-30", "13/2023", "", "sometime", "1850"])
def test_bad_periods(text: str) -> None:
    with pytest.raises(ParseError):
        parse_period(text)
