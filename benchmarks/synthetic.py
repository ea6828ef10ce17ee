"""A realistic synthetic national JKN dataset in the raw layout of ``data/raw``.

For every regency/city of the gazetteer (:func:`uhc_analysis.ingest.regions.load_regions`:
the whole country once the national gazetteer is there, otherwise whatever it
holds), :func:`generate` writes monthly enrolment figures, Dukcapil (semester)
and BPS-projection (yearly) population figures and a few commitments, one
folder per province, exactly like the transcribed files:

* coverage follows a logistic path from 35-75 % in January 2014 towards a
  ceiling of 95-103 % (Dukcapil denominators exceed 100 %), with a little noise;
* names are spelled as real sources spell them (``"Kab. X"``,
  ``"KABUPATEN X"``, ``"Kota X"``, ``"x"``, ``"X (ABBR)"``), numbers sometimes
  in Indonesian notation (``"817.221"``, ``"97,63"``), population bases under
  several labels (``dukcapil_dkb``, ``Dukcapil``, ``proyeksi``), files with
  LF or CRLF line endings;
* about 3 % of rows are bad on purpose: malformed numbers, unknown regions,
  future dates, negative counts (each must be rejected by the build) and
  exact duplicates (each must be merged into the row it copies, not lost).

Every name spelling written for a good row is one the package resolves to
the right code (checked with :func:`uhc_analysis.ingest.regions.resolve_region`; a
spelling that does not is replaced by the official name and counted in
``name_fallbacks``), so the expected accounting is exact:
``kept == good``, ``merged == duplicates``, ``rejected == bad_total``.

The output is a pure function of ``(gazetteer, n_regions, months, seed)``:
each region draws from its own random stream, so a region's rows do not
depend on which other regions are generated.

Examples
--------
>>> import tempfile, pathlib
>>> counts = generate(pathlib.Path(tempfile.mkdtemp()), n_regions=2,
...                   months=("2024-01", "2024-12"))        # doctest: +SKIP
>>> counts["expected"]["read"] == counts["rows"]            # doctest: +SKIP
True
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from uhc_analysis.ingest.raw import RAW_COLUMNS
from uhc_analysis.ingest.regions import (
    RegionResolutionError,
    load_aliases,
    load_regions,
    resolve_region,
)

#: The full national period: January 2014 (start of JKN) to December 2025.
NATIONAL_MONTHS: tuple[str, str] = ("2014-01", "2025-12")

#: Start of JKN (1 January 2014) as a decimal year: coverage and population paths start here.
JKN_START: float = 2014.0

#: Kinds of deliberately bad rows; each must end up as exactly one reject.
BAD_KINDS: tuple[str, ...] = ("malformed_number", "unknown_region", "future_date", "negative_count")

#: Numbers no parser may accept (one per kind of value).
MALFORMED_COUNTS: tuple[str, ...] = ("8,39,1x", "12.34.5", "1o0.000", "7,9,1 juta", "±±")
MALFORMED_PERCENTS: tuple[str, ...] = ("97,6,3", "9x,5", "..", "95..1")

#: Region names that exist nowhere in Indonesia.
UNKNOWN_NAMES: tuple[str, ...] = (
    "Kabupaten Atlantis",
    "Kota Antah Berantah",
    "Kab. Negeri Dongeng",
    "KABUPATEN XYZZY UTARA",
)


@dataclass(frozen=True)
class SyntheticSettings:
    """Shares and ranges of the synthetic data (frozen; pass a new one to change).

    Examples
    --------
    >>> SyntheticSettings().bad_share_each * (len(BAD_KINDS) + 1)
    0.03
    """

    #: Probability, per good enrolment/population row, of each bad kind and of a duplicate.
    bad_share_each: float = 0.006
    #: Share of good rows with an empty region_code (the name alone must resolve).
    no_code_share: float = 0.10
    #: Share of enrolment rows that also state the population (Dukcapil).
    stated_population_share: float = 0.20
    #: Share of numbers written in Indonesian notation ("817.221", "97,63").
    indonesian_notation_share: float = 0.30
    #: Share of rows spelled with the official name (the rest: variants).
    official_name_share: float = 0.40


# --------------------------------------------------------------------------- helpers


def _months(months: tuple[str, str]) -> list[tuple[int, int]]:
    """Every (year, month) from ``months[0]`` to ``months[1]`` inclusive.

    Examples
    --------
    >>> _months(("2024-11", "2025-02"))
    [(2024, 11), (2024, 12), (2025, 1), (2025, 2)]
    """
    (y0, m0), (y1, m1) = (tuple(int(p) for p in m.split("-")) for m in months)
    out = []
    y, m = y0, m0
    while (y, m) <= (y1, m1):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    if not out:
        raise ValueError(f"empty month range {months}")
    return out


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _thousands(n: int) -> str:
    """Indonesian thousands notation: ``817221 -> '817.221'``."""
    return f"{n:,}".replace(",", ".")


def _fmt_count(n: int, rng: random.Random, share: float) -> str:
    return _thousands(n) if rng.random() < share else str(n)


def _fmt_pct(pct: float, rng: random.Random, share: float) -> str:
    text = f"{pct:.2f}"
    return text.replace(".", ",") if rng.random() < share else text


def _core(official: str, kind: str) -> str:
    return official[len("Kota ") :] if kind == "kota" and official.startswith("Kota ") else official


def _abbreviation(core: str, code: str, aliases: dict[str, list[str]]) -> str | None:
    """A short form: a reviewed alias of the code, else the initials of a multi-word name."""
    for alias in aliases.get(code, []):
        if len(alias) <= 6 and " " not in alias:
            return alias.upper()
    words = [w for w in re.split(r"[\s\-]+", core) if w]
    return "".join(w[0] for w in words).upper() if len(words) >= 2 else None


def name_variants(official: str, kind: str, abbreviation: str | None) -> list[str]:
    """Spellings of a regency/city name as sources write them.

    Examples
    --------
    >>> name_variants("Mukomuko", "kabupaten", "MM")[:4]
    ['Kabupaten Mukomuko', 'Kab. Mukomuko', 'KABUPATEN MUKOMUKO', 'mukomuko']
    >>> name_variants("Kota Bengkulu", "kota", None)
    ['Kota Bengkulu', 'KOTA BENGKULU', 'kota bengkulu', 'bengkulu']
    """
    core = _core(official, kind)
    if kind == "kota":
        out = [f"Kota {core}", f"KOTA {core.upper()}", f"kota {core.lower()}", core.lower()]
        if abbreviation:
            out.append(f"Kota {core} ({abbreviation})")
    else:
        out = [f"Kabupaten {core}", f"Kab. {core}", f"KABUPATEN {core.upper()}", core.lower()]
        if abbreviation:
            out.append(f"{core} ({abbreviation})")
    return out


def _accepted(name: str, code: str, province: str, with_code: bool) -> bool:
    """Whether the build accepts ``name`` for ``code`` (with or without the code given).

    Without a code the name must resolve to exactly ``code``; with it, it may
    also be ambiguous between ``code`` and other regions (``"bengkulu"`` with
    ``1771``). An *unknown* name is never accepted, whatever its closest
    candidates are.
    """
    try:
        return resolve_region(name, province=province) == code
    except RegionResolutionError as exc:
        ambiguous = exc.reason.startswith("ambiguous")
        return with_code and ambiguous and code in [c for c, _ in exc.candidates]


@dataclass
class _Region:
    code: str
    name: str
    kind: str
    province_code: str
    province_name: str
    with_code: list[str]
    without_code: list[str]


def select_regions(
    n_regions: int | None = None, provinces: Sequence[str] | None = None
) -> list[_Region]:
    """The regencies/cities to generate, with the name spellings the build accepts.

    ``n_regions`` picks that many regencies evenly spread over the sorted
    gazetteer (so a small sample still spans several provinces); ``None``
    takes them all. ``provinces`` (BPS codes) restricts the choice to those
    provinces first.
    """
    regions = load_regions()
    aliases: dict[str, list[str]] = {}
    for alias, code in zip(load_aliases()["alias"], load_aliases()["bps_code"], strict=True):
        aliases.setdefault(code, []).append(alias)
    regs = regions[regions["kind"] != "province"].sort_values("bps_code")
    if provinces is not None:
        unknown = sorted(set(provinces) - set(regs["province_code"]))
        if unknown:
            raise ValueError(f"provinces {unknown} have no regency in the gazetteer")
        regs = regs[regs["province_code"].isin(list(provinces))]
    rows = list(regs.itertuples(index=False))
    if n_regions is not None:
        if n_regions < 1:
            raise ValueError("n_regions must be at least 1")
        n = min(n_regions, len(rows))
        rows = [rows[(i * len(rows)) // n] for i in range(n)]
    out = []
    for r in rows:
        variants = name_variants(
            r.name, r.kind, _abbreviation(_core(r.name, r.kind), r.bps_code, aliases)
        )
        with_code = [
            v for v in [r.name, *variants] if _accepted(v, r.bps_code, r.province_code, True)
        ]
        without = [v for v in with_code if _accepted(v, r.bps_code, r.province_code, False)]
        out.append(
            _Region(
                r.bps_code,
                r.name,
                r.kind,
                r.province_code,
                r.province_name,
                list(dict.fromkeys(with_code)),
                list(dict.fromkeys(without)),
            )
        )
    return out


# --------------------------------------------------------------------------- one region


class _Writer:
    """Rows of one region, with the bookkeeping of what each row should become."""

    def __init__(
        self,
        region: _Region,
        rng: random.Random,
        settings: SyntheticSettings,
        counts: dict[str, Any],
    ) -> None:
        self.region, self.rng, self.s, self.counts = region, rng, settings, counts
        self.rows: dict[str, list[list[str]]] = {k: [] for k in RAW_COLUMNS}

    def name_and_code(self) -> tuple[str, str]:
        r, rng = self.region, self.rng
        if rng.random() < self.s.no_code_share:
            if r.without_code:
                return rng.choice(r.without_code), ""
            self.counts["name_fallbacks"] += 1
        if rng.random() < self.s.official_name_share or not r.with_code:
            if not r.with_code:
                self.counts["name_fallbacks"] += 1
            return r.name, r.code
        return rng.choice(r.with_code), r.code

    def add(self, kind: str, values: dict[str, str], spoil: dict[str, Any] | None = None) -> None:
        """Append a good row, then maybe a bad copy and/or an exact duplicate."""
        columns = RAW_COLUMNS[kind]
        row = [values.get(c, "") for c in columns]
        block = [row]
        self.counts["good"] += 1
        self.counts["rows_by_kind"][kind] += 1
        if spoil is not None:
            for bad_kind in BAD_KINDS:
                if self.rng.random() < self.s.bad_share_each:
                    bad = dict(values)
                    bad.update(spoil[bad_kind](self.rng))
                    block.append([bad.get(c, "") for c in columns])
                    self.counts["bad"][bad_kind] += 1
                    self.counts["rows_by_kind"][kind] += 1
            if self.rng.random() < self.s.bad_share_each:
                block.append(list(row))
                self.counts["duplicates"] += 1
                self.counts["rows_by_kind"][kind] += 1
        self.rows[kind].extend(block)


def _unknown_region(region: _Region, gazetteer_codes: set[str]) -> Any:
    def spoil(rng: random.Random) -> dict[str, str]:
        if rng.random() < 0.5:
            return {"region_code": "", "region_name_reported": rng.choice(UNKNOWN_NAMES)}
        fake = next(
            f"{region.province_code}{n:02d}"
            for n in range(98, 0, -1)
            if f"{region.province_code}{n:02d}" not in gazetteer_codes
        )
        return {"region_code": fake}

    return spoil


def _generate_region(
    region: _Region,
    months: list[tuple[int, int]],
    seed: int,
    settings: SyntheticSettings,
    counts: dict[str, Any],
    gazetteer_codes: set[str],
) -> _Writer:
    rng = random.Random(f"uhc-synthetic-{seed}-{region.code}")
    w = _Writer(region, rng, settings, counts)
    nl = settings.indonesian_notation_share
    prov_slug = _slug(region.province_name)
    t0 = JKN_START  # paths are anchored at the start of JKN whatever months are written
    pop0 = math.exp(rng.uniform(math.log(20_000), math.log(4_000_000)))
    if region.kind == "kota":
        pop0 = min(pop0, 2_500_000.0)
    growth = rng.uniform(0.005, 0.025)
    cap = rng.uniform(95.0, 103.0)
    c0 = rng.uniform(35.0, 75.0)
    k = rng.uniform(0.25, 0.9)
    bps_factor = rng.uniform(0.97, 1.03)

    def population(t: float) -> float:
        return pop0 * math.exp(growth * (t - t0))

    def coverage(t: float) -> float:
        return cap / (1 + (cap / c0 - 1) * math.exp(-k * (t - t0)))

    unknown = _unknown_region(region, gazetteer_codes)
    enrol_spoil = {
        "malformed_number": lambda r: (
            {"enrolled": r.choice(MALFORMED_COUNTS)}
            if r.random() < 0.5
            else {"coverage_pct": r.choice(MALFORMED_PERCENTS)}
        ),
        "unknown_region": unknown,
        "future_date": lambda r: {"period": f"{r.randint(2031, 2040)}-{r.randint(1, 12):02d}"},
        "negative_count": lambda r: {"enrolled": f"-{r.randint(1, 900_000)}"},
    }
    pop_spoil = {
        "malformed_number": lambda r: {"population": r.choice(MALFORMED_COUNTS)},
        "unknown_region": unknown,
        "future_date": lambda r: {"period": str(r.randint(2031, 2040))},
        "negative_count": lambda r: {"population": f"-{r.randint(1, 900_000)}"},
    }
    award_done = False
    for y, m in months:
        t = y + (m - 0.5) / 12
        pop = population(t)
        pct_true = coverage(t) * (1 + rng.gauss(0, 0.003))
        enrolled = max(1, round(pct_true / 100 * pop))
        pct = round(100 * enrolled / round(pop), 2)
        name, code = w.name_and_code()
        values = {
            "region_level": "regency",
            "province_code": region.province_code,
            "region_code": code,
            "region_name_reported": name,
            "period": f"{y}-{m:02d}",
            "enrolled": _fmt_count(enrolled, rng, nl),
            "coverage_pct": _fmt_pct(pct, rng, nl),
            "measure": "registered",
            "publisher": f"BPJS Kesehatan {region.province_name} (synthetic)",
            "url": f"https://synthetic.example.org/{prov_slug}/jkn/{y}-{m:02d}",
            "remarks": "synthetic figure",
        }
        if rng.random() < settings.stated_population_share:
            values["population"] = _fmt_count(round(pop), rng, nl)
            values["population_basis"] = rng.choice(["dukcapil_dkb", "Dukcapil", "DKB"])
        w.add("enrolment", values, enrol_spoil)
        if not award_done and pct >= 95.0:
            award_done = True
            name, code = w.name_and_code()
            w.add(
                "commitments",
                {
                    "region_level": "regency",
                    "province_code": region.province_code,
                    "region_code": code,
                    "region_name_reported": name,
                    "date": f"{y}-{m:02d}-20",
                    "kind": "award",
                    "publisher": "BPJS Kesehatan",
                    "url": f"https://synthetic.example.org/uhc-award/{y}",
                    "remarks": "UHC Award: coverage at least 95 % (synthetic)",
                },
            )
        if m in (6, 12):
            name, code = w.name_and_code()
            w.add(
                "population",
                {
                    "region_level": "regency",
                    "province_code": region.province_code,
                    "region_code": code,
                    "region_name_reported": name,
                    "period": f"{y}-{m:02d}",
                    "population": _fmt_count(round(population(y + m / 12)), rng, nl),
                    "basis": rng.choice(["dukcapil_dkb", "dukcapil_dkb", "Dukcapil", "DKB"]),
                    "publisher": "Dukcapil (synthetic)",
                    "url": f"https://synthetic.example.org/{prov_slug}/dkb/{y}-s{m // 6}",
                    "remarks": "DKB semester figure (synthetic)",
                },
                pop_spoil,
            )
        if m == 7 or (y, m) == months[0] and m > 7:
            name, code = w.name_and_code()
            w.add(
                "population",
                {
                    "region_level": "regency",
                    "province_code": region.province_code,
                    "region_code": code,
                    "region_name_reported": name,
                    "period": str(y),
                    "population": _fmt_count(round(population(y + 0.5) * bps_factor), rng, nl),
                    "basis": rng.choice(["bps_projection", "bps_projection", "proyeksi"]),
                    "publisher": "BPS (synthetic)",
                    "url": f"https://synthetic.example.org/{prov_slug}/bps/{y}",
                    "remarks": "BPS projection, mid-year (synthetic)",
                },
                pop_spoil,
            )
        if m == 1:
            funded = round(pop * rng.uniform(0.05, 0.25))
            budget = funded * 42_000 * 12
            name, code = w.name_and_code()
            w.add(
                "commitments",
                {
                    "region_level": "regency",
                    "province_code": region.province_code,
                    "region_code": code,
                    "region_name_reported": name,
                    "date": f"{y}-01",
                    "kind": "budget",
                    "budget_idr": (
                        f"Rp {budget / 1e9:.1f} miliar".replace(".", ",")
                        if rng.random() < nl
                        else str(budget)
                    ),
                    "people_funded": _fmt_count(funded, rng, nl),
                    "segment": "PBI APBD",
                    "publisher": "Pemda (synthetic)",
                    "url": f"https://synthetic.example.org/{prov_slug}/apbd/{y}",
                    "remarks": "contributions budgeted for the year; rounded (synthetic)",
                },
            )
    return w


# --------------------------------------------------------------------------- public API


def _write_csv(path: Path, header: Sequence[str], rows: list[list[str]], crlf: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n" if crlf else "\n")
        writer.writerow(header)
        writer.writerows(rows)


def generate(
    out_dir: Path | str,
    n_regions: int | None = None,
    months: tuple[str, str] = NATIONAL_MONTHS,
    seed: int = 0,
    settings: SyntheticSettings | None = None,
    provinces: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Write a synthetic raw dataset below ``out_dir`` and say what it contains.

    Parameters
    ----------
    out_dir
        Folder to fill (one sub-folder per province, each with
        ``enrolment.csv``, ``population.csv`` and ``commitments.csv``).
    n_regions
        How many regencies/cities (evenly spread over the gazetteer); ``None``:
        all of them.
    months
        First and last month (``"YYYY-MM"``) of the monthly enrolment series.
    seed
        Random seed; the output is byte-identical for the same arguments and
        gazetteer.
    settings
        :class:`SyntheticSettings`.
    provinces
        Only regencies of these provinces (BPS codes); default: all.

    Returns
    -------
    dict
        ``regions``, ``provinces``, ``files``, ``months``, ``rows`` (data
        rows written), ``rows_by_kind``, ``good``, ``duplicates``, ``bad``
        (per kind of :data:`BAD_KINDS`), ``bad_total``, ``name_fallbacks``
        and ``expected``: the accounting the build must report
        (``read``, ``kept``, ``merged``, ``rejected``).
    """
    settings = settings or SyntheticSettings()
    out = Path(out_dir)
    month_list = _months(months)
    regions = select_regions(n_regions, provinces)
    gazetteer_codes = set(load_regions()["bps_code"])
    counts: dict[str, Any] = {
        "good": 0,
        "duplicates": 0,
        "bad": dict.fromkeys(BAD_KINDS, 0),
        "rows_by_kind": dict.fromkeys(RAW_COLUMNS, 0),
        "name_fallbacks": 0,
    }
    by_province: dict[str, dict[str, list[list[str]]]] = {}
    folder: dict[str, str] = {}
    for region in regions:
        w = _generate_region(region, month_list, seed, settings, counts, gazetteer_codes)
        rows = by_province.setdefault(region.province_code, {k: [] for k in RAW_COLUMNS})
        folder[region.province_code] = _slug(region.province_name)
        for kind, kind_rows in w.rows.items():
            rows[kind].extend(kind_rows)
    n_files = 0
    for pcode, rows in sorted(by_province.items()):
        crlf = int(pcode) % 2 == 1  # offices differ in line endings
        for kind, kind_rows in rows.items():
            _write_csv(out / folder[pcode] / f"{kind}.csv", RAW_COLUMNS[kind], kind_rows, crlf)
            n_files += 1
    bad_total = sum(counts["bad"].values())
    n_rows = sum(counts["rows_by_kind"].values())
    return {
        "regions": len(regions),
        "provinces": len(by_province),
        "files": n_files,
        "months": len(month_list),
        "rows": n_rows,
        "rows_by_kind": counts["rows_by_kind"],
        "good": counts["good"],
        "duplicates": counts["duplicates"],
        "bad": counts["bad"],
        "bad_total": bad_total,
        "name_fallbacks": counts["name_fallbacks"],
        "expected": {
            "read": n_rows,
            "kept": counts["good"],
            "merged": counts["duplicates"],
            "rejected": bad_total,
        },
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python benchmarks/synthetic.py OUT_DIR [--regions N] [--start YYYY-MM]``.

    Prints the counts of :func:`generate` as JSON.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--regions", type=int, default=None, help="default: every regency")
    parser.add_argument("--start", default=NATIONAL_MONTHS[0])
    parser.add_argument("--end", default=NATIONAL_MONTHS[1])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--provinces", nargs="*", default=None, help="BPS province codes")
    args = parser.parse_args(argv)
    counts = generate(
        args.out_dir, args.regions, (args.start, args.end), args.seed, provinces=args.provinces
    )
    json.dump(counts, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
