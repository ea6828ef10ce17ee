"""Property tests of the parsers: no stray exceptions, and round-trips where defined.

Every parser of published text either returns a value or raises its own
``ValueError`` subclass (:class:`~uhc_analysis.ingest.parsing.ParseError`,
:class:`~uhc_analysis.ingest.regions.RegionResolutionError`), whose message quotes
the offending text; a bare ``IndexError``, ``KeyError``, ``OverflowError``
or ``TypeError`` from arbitrary text would surface as a traceback in the
build. The gazetteer tests adapt to whatever :func:`load_regions` holds (the
three focus provinces or the whole country).
"""

from __future__ import annotations

import datetime as dt
import math
import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from uhc_analysis.ingest.parsing import ParseError, parse_number, parse_period, parse_quantity
from uhc_analysis.ingest.regions import (
    RegionResolutionError,
    load_regions,
    normalise_name,
    resolve_region,
    split_kind,
)

#: Deterministic (derandomize) so a failure reproduces on every run and machine.
PROPERTY = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
KINDS = ("count", "percent", "money", "number")

#: Characters that occur in published figures, so random text often *almost* parses.
_NUMBERISH = st.text(
    alphabet=st.sampled_from(list("0123456789.,+-% ~±()/") + ["\u00a0", "\u0663", "\u00b2"]),
    max_size=16,
)
_WORDS = st.sampled_from(
    [
        "Rp",
        "rp.",
        "juta",
        "miliar",
        "ribu",
        "jt",
        "m",
        "t",
        "persen",
        "%",
        "jiwa",
        "sekitar",
        "lebih dari",
        "hampir",
        "lebih",
        "nan",
        "inf",
        "1e9",
        "Sep",
        "September",
        "Agustus",
        "semester",
        "S",
        "I",
        "II",
        "-",
        "/",
        "kab.",
        "kota",
        "(",
        ")",
        "Bengkulu",
    ]
)
#: Arbitrary text, text made of number characters, and shuffled figure fragments.
ARBITRARY = st.one_of(
    st.text(max_size=40),
    _NUMBERISH,
    st.lists(st.one_of(_WORDS, _NUMBERISH), max_size=6).map(" ".join),
)

REGIONS = load_regions()
REGENCIES = REGIONS[REGIONS["kind"] != "province"].reset_index(drop=True)
PROVINCES = REGIONS[REGIONS["kind"] == "province"].reset_index(drop=True)
PROVINCE_HINTS = st.one_of(
    st.none(), st.sampled_from(sorted(PROVINCES["bps_code"])), st.text(max_size=8)
)


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")


# --------------------------------------------------------------------------- no stray errors


@PROPERTY
@given(text=ARBITRARY, kind=st.sampled_from(KINDS))
@example(text="8,39,1x", kind="count")
@example(text="1e999", kind="number")
@example(text="9" * 400, kind="money")
@example(text="\u0663\u0660\u0660", kind="count")
def test_quantity_parsers_raise_only_parse_error(text: str, kind: str) -> None:
    try:
        parsed = parse_quantity(text, kind)  # type: ignore[arg-type]
    except ParseError as exc:
        assert isinstance(exc, ValueError)
        assert str(exc), "a ParseError must say what is wrong"
        return
    if parsed is not None:
        assert math.isfinite(parsed.value)
        if kind in ("count", "money", "percent"):
            assert parsed.value >= 0
        if kind == "count":
            assert parsed.value == round(parsed.value)
    assert parse_number(text, kind) == (None if parsed is None else parsed.value)  # type: ignore[arg-type]


@PROPERTY
@given(value=st.one_of(st.integers(), st.floats(), st.binary(max_size=4), st.lists(st.text())))
def test_quantity_parsers_reject_non_text(value: object) -> None:
    with pytest.raises(ParseError):
        parse_quantity(value, "count")  # type: ignore[arg-type]


@PROPERTY
@given(text=ARBITRARY)
@example(text="2023-13")
@example(text="2023-02-30")
@example(text="0000")
@example(text="31 Februari 2024")
@example(text="semester III 2023")
def test_period_parser_raises_only_parse_error(text: str) -> None:
    try:
        period = parse_period(text)
    except ParseError as exc:
        assert isinstance(exc, ValueError) and str(exc)
        return
    assert period.start <= period.end
    assert period.precision in ("year", "semester", "month", "day")
    assert period.start <= period.date <= period.end
    assert parse_period(period.iso()) == parse_period(period.iso())  # canonical text re-parses


@PROPERTY
@given(name=ARBITRARY, province=PROVINCE_HINTS)
@example(name="", province=None)
@example(name="()", province="17")
@example(name="Kabupaten", province=None)
@example(name="Pemprov", province="17")
@example(name="99.99", province=None)
def test_region_resolution_raises_only_region_error(name: str, province: str | None) -> None:
    try:
        code = resolve_region(name, province=province)
    except RegionResolutionError as exc:
        assert isinstance(exc, ValueError)
        assert "region_aliases.csv" in str(exc), "the error must name the file to edit"
        return
    assert code in set(REGIONS["bps_code"])


@PROPERTY
@given(name=st.text(max_size=40))
def test_name_normalisation_never_raises(name: str) -> None:
    kind, rest = split_kind(name)
    assert kind in (None, "kabupaten", "kota", "province")
    assert normalise_name(name) == rest
    assert rest == rest.strip() and "  " not in rest


# --------------------------------------------------------------------------- round-trips


@PROPERTY
@given(n=st.integers(min_value=0, max_value=10**15))
@example(n=0)
@example(n=999)
@example(n=1000)
@example(n=817221)
def test_count_with_indonesian_thousands_dots_round_trips(n: int) -> None:
    assert parse_number(_thousands(n), kind="count") == n
    assert parse_number(str(n), kind="count") == n
    assert parse_number(_thousands(n), kind="money") == n


@PROPERTY
@given(hundredths=st.integers(min_value=0, max_value=20_000))
@example(hundredths=9763)
def test_percent_with_decimal_comma_round_trips(hundredths: int) -> None:
    text = f"{hundredths // 100},{hundredths % 100:02d}"
    expected = float(f"{hundredths // 100}.{hundredths % 100:02d}")
    assert parse_number(text, kind="percent") == pytest.approx(expected, abs=1e-12)
    assert parse_number(text.replace(",", "."), kind="percent") == pytest.approx(expected)
    assert parse_number(f"{text}%", kind="percent") == pytest.approx(expected)


@PROPERTY
@given(day=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_iso_periods_round_trip(day: dt.date) -> None:
    year, month = f"{day.year:04d}", f"{day.year:04d}-{day.month:02d}"
    assert parse_period(year).iso() == year
    assert parse_period(month).iso() == month
    assert parse_period(day.isoformat()).iso() == day.isoformat()
    assert parse_period(day.isoformat()).precision == "day"
    assert parse_period(month).contains(parse_period(day.isoformat()))


# --------------------------------------------------------------------------- gazetteer names


def _core(name: str, kind: str) -> str:
    return name[len("Kota ") :] if kind == "kota" and name.startswith("Kota ") else name


def _variants(name: str, kind: str) -> list[str]:
    """Spellings with a kind word: they must resolve within the region's province."""
    core = _core(name, kind)
    if kind == "province":
        return [f"Provinsi {core}", f"PROVINSI {core.upper()}", f"Pemprov {core}"]
    if kind == "kota":
        return [
            name,
            f"Kota {core}",
            f"KOTA {core.upper()}",
            f"kota {core.lower()}",
            f"Pemkot {core}",
            f"{core} City",
        ]
    return [
        f"Kabupaten {core}",
        f"Kab. {core}",
        f"KABUPATEN {core.upper()}",
        f"kabupaten {core.lower()}",
        f"Pemkab {core}",
        f"{core} Regency",
    ]


def _official_problem(code: str, name: str, province: str | None) -> str | None:
    """None when the official name resolves to its code, or is ambiguous with the code a
    candidate (``"Bandung"``: kabupaten and kota); otherwise what went wrong."""
    try:
        got = resolve_region(name, province=province)
    except RegionResolutionError as exc:
        if exc.reason.startswith("ambiguous") and code in [c for c, _ in exc.candidates]:
            return None
        return f"{name!r} (province {province}) -> {exc.reason}; expected {code}"
    return None if got == code else f"{name!r} (province {province}) -> {got}, expected {code}"


def test_every_official_name_resolves_to_its_code() -> None:
    """Every gazetteer row: official name, bare code and kind-word spellings (exhaustive)."""
    problems: list[str] = []
    for row in REGIONS.itertuples(index=False):
        for province in (None, row.province_code):
            problem = _official_problem(row.bps_code, row.name, province)
            if problem:
                problems.append(problem)
        if resolve_region(row.bps_code) != row.bps_code:
            problems.append(f"code {row.bps_code} does not resolve to itself")
        for variant in _variants(row.name, row.kind):
            try:
                got = resolve_region(variant, province=row.province_code)
            except RegionResolutionError as exc:
                got = exc.reason
            if got != row.bps_code:
                problems.append(
                    f"{variant!r} (province {row.province_code}) -> {got}, expected {row.bps_code}"
                )
    assert not problems, f"{len(problems)} spellings do not resolve:\n" + "\n".join(problems)


def test_kind_word_variants_resolve_nationally_when_unique() -> None:
    """Without a province hint, a kind-word spelling resolves unless another region shares it."""
    key = {
        code: (kind, re.sub(r"[^0-9a-z]", "", normalise_name(name)))
        for code, name, kind in zip(
            REGIONS["bps_code"], REGIONS["name"], REGIONS["kind"], strict=True
        )
    }
    shared = {k for k in key.values() if list(key.values()).count(k) > 1}
    for row in REGIONS.itertuples(index=False):
        variant = _variants(row.name, row.kind)[0]
        if key[row.bps_code] in shared:
            with pytest.raises(RegionResolutionError):
                resolve_region(variant)
        else:
            assert resolve_region(variant) == row.bps_code, variant


@PROPERTY
@given(
    index=st.integers(min_value=0, max_value=max(len(REGENCIES) - 1, 0)),
    spaces=st.sampled_from([" ", "  ", "\u00a0", " - "]),
    upper=st.booleans(),
    pad=st.sampled_from(["", " ", "\t"]),
    alt=st.sampled_from(["", " (in synthetic data)"]),
)
def test_spelling_noise_keeps_the_code(
    index: int, spaces: str, upper: bool, pad: str, alt: str
) -> None:
    """Case, padding, separators and an unmatched trailing gloss do not change the answer."""
    if REGENCIES.empty:
        pytest.skip("the gazetteer holds no regency")
    row = REGENCIES.iloc[index]
    variant = _variants(row["name"], row["kind"])[0].replace(" ", spaces)
    variant = pad + (variant.upper() if upper else variant) + alt + pad
    assert resolve_region(variant, province=row["province_code"]) == row["bps_code"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Rp 1.500 miliar", 1.5e12), ("Rp1.250 juta", 1.25e9), ("Rp 12.500 juta", 1.25e10)],
)
def test_thousands_dots_before_a_scale_word_are_thousands(text: str, expected: float) -> None:
    assert parse_number(text, kind="money") == expected
