"""``datapackage.json``: generated from the pandera models, valid for the ``frictionless`` library.

The real data is built once into a temporary folder (every stage: ``build``,
``metrics``, ``project``, ``status``; about 20 s) and described by
:func:`uhc_analysis.datapackage.write_datapackage`; ``frictionless.validate``
then checks every file against its Table Schema (types, constraints, primary
and foreign keys, size and sha256).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import frictionless
import pytest

from uhc_analysis import __version__, datapackage, pipeline, schemas


def _errors(report: frictionless.Report) -> list[tuple]:
    """Every error of a report as (table, row, field, type, note), for the failure message."""
    keys = ["rowNumber", "fieldName", "type", "note"]
    errors = [(None, *e) for e in report.flatten(keys)]  # package-level errors
    return errors + [(task.name, *e) for task in report.tasks for e in task.flatten(keys)]


@pytest.fixture(scope="module")
def processed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real data built into a temporary folder, with its ``datapackage.json``."""
    out = tmp_path_factory.mktemp("processed")
    pipeline.build(out_dir=out, verbose=False)
    pipeline.metrics(out)
    pipeline.project(out)
    pipeline.status(out)
    datapackage.write_datapackage(out)
    return out


def test_the_package_of_the_real_data_is_valid(processed: Path) -> None:
    report = frictionless.validate(str(processed / datapackage.DATAPACKAGE_NAME))
    assert report.valid, _errors(report)[:20]
    rows = {task.name: task.stats.get("rows") for task in report.tasks}
    assert rows["coverage_panel"] and rows["time_to_uhc"] and rows["uhc_status"]  # all read


def test_one_resource_per_table_with_its_schema(processed: Path) -> None:
    package = json.loads((processed / datapackage.DATAPACKAGE_NAME).read_text(encoding="utf-8"))
    assert package["name"] == "uhc-analysis-processed"
    assert package["version"] == __version__
    assert "created" not in package
    assert "CC BY 3.0 IGO" in package["description"]  # named, and said not to be included
    assert package["licenses"][0]["name"] == "MIT"
    resources = {r["name"]: r for r in package["resources"]}
    assert list(resources) == list(schemas.TABLES)  # every stage ran: every table is described
    for name, resource in resources.items():
        assert resource["path"] == f"{name}.csv"
        assert resource["bytes"] == (processed / f"{name}.csv").stat().st_size
        schema = resource["schema"]
        assert [f["name"] for f in schema["fields"]] == list(schemas.columns_of(name))
        assert schema["primaryKey"] == list(schemas.PRIMARY_KEYS[name])
        assert schema["missingValues"] == [""]
        for key in schema.get("foreignKeys", []):
            assert key["reference"]["resource"] in resources


def test_a_rerun_gives_the_same_bytes(processed: Path) -> None:
    path = processed / datapackage.DATAPACKAGE_NAME
    before = path.read_bytes()
    assert datapackage.write_datapackage(processed).read_bytes() == before
    assert not [p for p in processed.iterdir() if p.name.endswith(".tmp")]


def test_a_broken_table_is_refused(processed: Path, tmp_path: Path) -> None:
    """An unknown source id (foreign key) and a measure outside its vocabulary (enum)."""
    for name in ("sources", "observation_sources", "metrics"):
        shutil.copy(processed / f"{name}.csv", tmp_path / f"{name}.csv")
    links = tmp_path / "observation_sources.csv"
    lines = links.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].rsplit(",", 1)[0] + ",Sffffffffff"
    links.write_text("\n".join(lines) + "\n", encoding="utf-8")
    metrics = tmp_path / "metrics.csv"
    metrics.write_text(
        metrics.read_text(encoding="utf-8").replace(",registered,", ",enrolled,", 1),
        encoding="utf-8",
    )
    report = frictionless.validate(str(datapackage.write_datapackage(tmp_path)))
    assert not report.valid
    found = {(table, kind) for table, _, _, kind, _ in _errors(report)}
    assert ("observation_sources", "foreign-key") in found
    assert ("metrics", "constraint-error") in found
    # a file changed after the package was written no longer matches its size and hash
    (tmp_path / "sources.csv").write_text("source_id,url,publisher,published,n_figures,files\n")
    report = frictionless.validate(str(tmp_path / datapackage.DATAPACKAGE_NAME))
    kinds = {kind for _, _, _, kind, _ in _errors(report)}
    assert {"hash-count", "byte-count"} <= kinds


@pytest.mark.parametrize("table", sorted(schemas.TABLES))
def test_every_table_schema_is_a_valid_table_schema(table: str) -> None:
    """Also the tables the fixture does not build (projections, UHC status)."""
    descriptor = datapackage.table_schema(table)
    report = frictionless.Schema.validate_descriptor(descriptor)
    assert report.valid, report.flatten(["type", "note"])
    schema = schemas.schema_of(table)
    fields = {f["name"]: f for f in descriptor["fields"]}
    for name, column in schema.columns.items():
        dtype = str(column.dtype)
        if dtype.startswith("datetime64"):
            assert fields[name]["type"] == "date"
        if not column.nullable and fields[name]["type"] != "string":
            assert fields[name]["constraints"]["required"] is True
