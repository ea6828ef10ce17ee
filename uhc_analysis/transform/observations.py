"""Clean records -> observations, their sources and raw rows, and the build's accounting.

Clean records reporting the same figure (several outlets quoting one BPJS
statement) are merged into one *observation* that keeps every source;
observations that disagree for the same region and period are flagged as a
conflict group. Every raw row ends up in exactly one of: kept (the row an
observation was started from), merged (another source of an observation),
rejected. The links are tables, one value per cell: ``observation_sources``
(observation, source) and ``observation_raw_rows`` (observation, raw file and
line, role); the accounting per file is counted from them.

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
>>> import tempfile, pathlib
>>> from uhc_analysis.ingest.raw import RAW_COLUMNS
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> (folder / "prov").mkdir()
>>> row = ("regency,16,1607,Kabupaten Banyuasin,2023-09,817221,97.63,registered,,,,A,"
...        "https://a.example/1,")
>>> _ = (folder / "prov" / "enrolment.csv").write_text(
...     ",".join(RAW_COLUMNS["enrolment"]) + "\\n" + row + "\\n"
...     + row.replace("a.example/1", "b.example/2") + "\\n")
>>> result = clean_all(folder, CleanSettings(today="2026-11-23"))
>>> result.accounting[["file", "read", "kept", "merged", "rejected"]].values.tolist()
[['prov/enrolment.csv', 2, 1, 1, 0]]
>>> result.observation_raw_rows[["line", "role"]].values.tolist()
[[2, 'kept'], [3, 'merged']]
>>> len(result.enrolment), len(result.observation_sources)
(1, 2)
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from uhc_analysis import config, schemas
from uhc_analysis.ingest.corrections import CORRECTIONS_CSV, load_corrections
from uhc_analysis.ingest.parsing import Period
from uhc_analysis.ingest.raw import RawFile, RawFileError, discover_raw_files, read_raw_files
from uhc_analysis.ingest.regions import load_regions
from uhc_analysis.transform.clean import BASIS_FAMILY, CleanSettings, Reject, clean_rows
from uhc_analysis.transform.corrections import CORRECTIONS_APPLIED, correct_raw_files

#: Per kind of file: value fields that identify a figure, grouping field, id prefix.
_GROUPING: dict[str, tuple[tuple[str, ...], str, str]] = {
    "enrolment": (("enrolled", "coverage_pct", "population"), "measure", "E"),
    "population": (("population",), "basis", "P"),
    "commitments": (("target_pct", "target_date", "budget_idr", "people_funded"), "kind", "C"),
}


# ----------------------------------------------------------------------------- grouping


@lru_cache(maxsize=65536)
def source_id(url: str) -> str:
    """Stable id of a source URL.

    Examples
    --------
    >>> source_id("https://example.org/a")
    'S579f2a2cee'
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


def _observations_frame(
    kind: str, records: list[dict[str, Any]]
) -> tuple[pd.DataFrame, list[tuple[str, str]], list[tuple[str, str, int, str]]]:
    """The observation table of one kind, its (observation, source) and raw-row links."""
    fields, by, prefix = _GROUPING[kind]
    observations = _group(records, fields, by)
    for obs in observations:
        obs.extra["observation_id"] = _observation_id(prefix, obs, obs.members[0][by], fields)
    if kind != "commitments":
        _mark_conflicts(observations, prefix, by)
    names = list(schemas.columns_of(kind))
    columns: dict[str, list[Any]] = {c: [] for c in names}
    # one list per column, no dict per row; a field the table does not have is dropped
    put = defaultdict(lambda: _drop, {c: columns[c].append for c in names})
    sources: list[tuple[str, str]] = []
    raw_rows: list[tuple[str, str, int, str]] = []
    for obs in observations:
        first = obs.members[0]
        oid = obs.extra["observation_id"]
        urls = sorted({m["url"] for m in obs.members})
        ids = sorted(source_id(u) for u in urls)
        sources += [(oid, sid) for sid in ids]
        raw_rows += [
            (oid, m["_file"], m["_line"], "kept" if k == 0 else "merged")
            for k, m in enumerate(obs.members)
        ]
        remarks = list(dict.fromkeys(m["remarks"] for m in obs.members if m["remarks"]))
        put["observation_id"](oid)
        for c in ("region_code", "region_name", "region_level", "province_code", by):
            put[c](first[c])
        put["period"](obs.period.iso())
        put["period_precision"](obs.period.precision)
        put["date"](obs.period.date.isoformat())
        for f in fields:
            put[f](obs.values.get(f))
        put["rounded"](all(m["rounded"] for m in obs.members))
        put["lower_bound"](all(m["lower_bound"] for m in obs.members))
        put["conflict_group"](obs.conflict_group)
        put["use_in_analysis"](obs.use)
        # for people reading the file; code uses the link tables
        put["n_sources"](len(urls))
        put["source_ids"](";".join(ids))
        put["urls"](" ".join(urls))
        put["raw_refs"](";".join(f"{m['_file']}:{m['_line']}" for m in obs.members))
        put["remarks"](" || ".join(remarks))
        if kind == "enrolment":
            bases = [
                m["population_basis"]
                for m in obs.members
                if m["population"] == obs.values.get("population") and m["population_basis"]
            ]
            put["population_basis"](bases[0] if bases else "")
            # flagged per record with the build's settings; members agree on the percentage
            put["over_120"](any(m["over_120"] for m in obs.members))
        elif kind == "population":
            put["basis_family"](BASIS_FAMILY[first["basis"]])
        else:
            put["segment"](
                " | ".join(dict.fromkeys(m["segment"] for m in obs.members if m["segment"]))
            )
    frame = pd.DataFrame(columns, columns=names)
    frame = frame.sort_values(["region_code", "date", "observation_id"], kind="mergesort")
    frame = schemas.with_empty_text(frame.reset_index(drop=True), kind)
    return schemas.validate(frame, kind), sources, raw_rows


def _drop(value: Any) -> None:
    """Where :func:`_observations_frame` puts a field its table does not have."""


def _sorted_frame(rows: list[Any], table: str, by: list[str]) -> pd.DataFrame:
    """Rows as the validated table ``table``, sorted by ``by``."""
    frame = pd.DataFrame(rows, columns=list(schemas.columns_of(table)))
    return schemas.validate(frame.sort_values(by, kind="mergesort").reset_index(drop=True), table)


# ----------------------------------------------------------------------------- build


@dataclass
class CleanResult:
    """Everything the build stage produces (also written to ``data/processed``).

    Each frame is the processed table of the same name (``manifest``:
    ``raw_manifest``), validated against its schema. ``corrections_applied``
    lists the reviewed corrections applied to raw cells (none by default);
    ``footnotes`` the footnote marks split off raw figures (``249711¹``).
    """

    regions: pd.DataFrame
    enrolment: pd.DataFrame
    population: pd.DataFrame
    commitments: pd.DataFrame
    sources: pd.DataFrame
    rejects: pd.DataFrame
    accounting: pd.DataFrame
    manifest: pd.DataFrame
    observation_sources: pd.DataFrame
    observation_raw_rows: pd.DataFrame
    corrections_applied: pd.DataFrame = field(
        default_factory=lambda: schemas.validate(
            pd.DataFrame(columns=list(CORRECTIONS_APPLIED)), "corrections_applied"
        )
    )
    footnotes: pd.DataFrame = field(
        default_factory=lambda: schemas.validate(
            pd.DataFrame(columns=list(schemas.columns_of("footnotes"))), "footnotes"
        )
    )


def clean_files(
    files: Iterable[Path],
    raw_dir: Path | None = None,
    settings: CleanSettings | None = None,
    corrections: Path | str | None = None,
) -> CleanResult:
    """Read, validate and merge the given raw files (see module doc for rules).

    A file that cannot be read at all (not UTF-8, wrong header, wrong delimiter,
    empty) raises :class:`~uhc_analysis.ingest.raw.RawFileError` naming file and line.
    ``corrections`` is a reviewed corrections table
    (:func:`~uhc_analysis.ingest.corrections.load_corrections`), applied to the
    raw rows before they are cleaned; every correction in it must apply to one
    of ``files``, else :class:`~uhc_analysis.transform.corrections.CorrectionError`
    (one line naming the table's line, the raw file, line and value).
    """
    settings = settings or CleanSettings()
    raw_dir = Path(raw_dir) if raw_dir else config.DATA_RAW
    raws: list[RawFile] = read_raw_files(files, raw_dir)
    applied = pd.DataFrame(columns=list(CORRECTIONS_APPLIED))
    if corrections is not None:
        table = config.display_path(corrections)  # named in messages, never by its install path
        raws, applied = correct_raw_files(raws, load_corrections(corrections), table)
    records, rejects = clean_rows(raws, settings)
    frames: dict[str, pd.DataFrame] = {}
    source_links: list[tuple[str, str]] = []
    raw_links: list[tuple[str, str, int, str]] = []
    for kind, recs in records.items():
        frames[kind], sources, raw_rows = _observations_frame(kind, recs)
        source_links += sources
        raw_links += raw_rows
    rejects_df = _sorted_frame(rejects, "rejects", ["file", "line", "column"])
    footnotes = _sorted_frame(
        [
            (rec["_file"], rec["_line"], *note)
            for recs in records.values()
            for rec in recs
            for note in rec["_footnotes"]
        ],
        "footnotes",
        ["file", "line", "column"],
    )
    observation_raw_rows = _sorted_frame(raw_links, "observation_raw_rows", ["file", "line"])
    manifest = _sorted_frame(
        [(r.file, r.kind, r.sha256, r.n_read) for r in raws], "raw_manifest", ["file"]
    )
    return CleanResult(
        regions=load_regions(),
        enrolment=frames["enrolment"],
        population=frames["population"],
        commitments=frames["commitments"],
        sources=_sources_table(records),
        rejects=rejects_df,
        accounting=accounting(manifest, observation_raw_rows, rejects_df),
        manifest=manifest,
        observation_sources=_sorted_frame(
            source_links, "observation_sources", ["observation_id", "source_id"]
        ),
        observation_raw_rows=observation_raw_rows,
        corrections_applied=schemas.validate(applied, "corrections_applied"),
        footnotes=footnotes,
    )


def accounting(
    manifest: pd.DataFrame, observation_raw_rows: pd.DataFrame, rejects: pd.DataFrame
) -> pd.DataFrame:
    """Per raw file: rows read, kept, merged and rejected, and whether they balance.

    Counted from the raw-row links and the rejects; a file balances when
    every row it holds is in exactly one of them.

    Examples
    --------
    >>> manifest = pd.DataFrame({"file": ["a.csv"], "kind": ["enrolment"], "sha256": ["0"],
    ...                          "rows": [3]})
    >>> links = pd.DataFrame({"observation_id": ["E-1", "E-1"], "file": ["a.csv"] * 2,
    ...                       "line": [2, 3], "role": ["kept", "merged"]})
    >>> rejects = pd.DataFrame({"file": ["a.csv"], "line": [4], "column": [""],
    ...                         "value": [""], "reason": ["r"]})
    >>> print(accounting(manifest, links, rejects).to_string(index=False))
     file      kind  read  kept  merged  rejected  balanced
    a.csv enrolment     3     1       1         1      True
    """
    roles = pd.crosstab(observation_raw_rows["file"], observation_raw_rows["role"])
    counts = pd.DataFrame(
        {
            "kept": roles.get("kept", pd.Series(dtype=int)),
            "merged": roles.get("merged", pd.Series(dtype=int)),
            "rejected": rejects.groupby("file").size(),
        }
    )
    counts = counts.reindex(manifest["file"]).fillna(0).astype(int)
    out = pd.DataFrame(
        {
            "file": manifest["file"].to_numpy(),
            "kind": manifest["kind"].to_numpy(),
            "read": manifest["rows"].to_numpy(),
            **{c: counts[c].to_numpy() for c in ("kept", "merged", "rejected")},
        }
    )
    out["balanced"] = out["read"] == out["kept"] + out["merged"] + out["rejected"]
    return _sorted_frame(out.values.tolist(), "accounting", ["file"])


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
            ";".join(sorted(e["files"])),  # for people; not parsed
        )
        for url, e in by_url.items()
    ]
    return _sorted_frame(rows, "sources", ["source_id"])


def default_corrections(raw_dir: Path | str | None = None) -> Path | None:
    """The corrections table a build of ``raw_dir`` applies when given none.

    The shipped table (:data:`~uhc_analysis.ingest.corrections.CORRECTIONS_CSV`)
    names files and lines of ``data/raw``, so it is the default for that folder
    only; another raw folder (a test's, a user's) is built without corrections
    unless a table is passed.

    Examples
    --------
    >>> default_corrections() == CORRECTIONS_CSV, default_corrections("elsewhere")
    (True, None)
    """
    folder = Path(raw_dir) if raw_dir else config.DATA_RAW
    return CORRECTIONS_CSV if folder.resolve() == config.DATA_RAW.resolve() else None


def clean_all(
    raw_dir: Path | None = None,
    settings: CleanSettings | None = None,
    corrections: Path | str | None = None,
) -> CleanResult:
    """Clean every raw file below ``raw_dir`` (default ``data/raw``).

    ``corrections``: the reviewed corrections table to apply (default
    :func:`default_corrections`: the shipped one for ``data/raw``).
    """
    raw_dir = Path(raw_dir) if raw_dir else config.DATA_RAW
    if corrections is None:
        corrections = default_corrections(raw_dir)
    return clean_files(
        discover_raw_files(raw_dir), raw_dir=raw_dir, settings=settings, corrections=corrections
    )


def check_not_empty(result: CleanResult, raw_dir: Path | str) -> None:
    """Refuse a build that would publish no observation at all.

    An empty raw folder, or one whose files hold only headers or only rejected
    rows, is almost always a mistake (a wrong ``--raw-dir``, a failed copy);
    publishing it would replace a good processed set with empty tables. The
    build calls this unless asked to allow it (``uhc-analysis build --allow-empty``).

    Raises
    ------
    RawFileError
        One sentence naming the folder, what it held, and what to do.
    """
    kept = len(result.enrolment) + len(result.population) + len(result.commitments)
    if kept:
        return
    where = config.display_path(raw_dir)
    files = len(result.accounting)
    if not files:
        found = "holds no raw figures files (*.csv)"
    else:
        t = result.accounting[["read", "rejected"]].sum()
        found = (
            f"holds {files} raw file(s) that yield no observation ({int(t['read'])} rows read, "
            f"{int(t['rejected'])} rejected: see the rejects of a build with --allow-empty)"
        )
    raise RawFileError(
        f"{where}: {found}; nothing was written and the previous processed set is intact "
        "(check --raw-dir, or pass --allow-empty to build an empty set on purpose)"
    )


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
    "Reject",
    "accounting",
    "check_not_empty",
    "clean_all",
    "clean_files",
    "default_corrections",
    "format_accounting",
    "source_id",
]
