"""Every table the build writes against its pandera model (uhc_analysis/schemas/).

The real data is built into a temporary folder (build, metrics, project); each
processed table must have a schema, validate against it, have a unique primary
key, and come back from ``io.read_table`` with the declared dtypes.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from uhc_analysis import config, io, pipeline, schemas
from uhc_analysis.ingest.raw import discover_raw_files, read_raw_file, read_raw_files
from uhc_analysis.transform.clean import CleanSettings

#: The dtype each schema dtype comes back as.
DTYPES = {
    "string[python]": "str",
    "Int64": "Int64",
    "float64": "float64",
    "bool": "bool",
    "datetime64[ns]": "datetime64[ns]",
}


@pytest.fixture(scope="module")
def processed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("processed")
    pipeline.build(out_dir=out, verbose=False, settings=CleanSettings(today="2026-11-23"))
    pipeline.metrics(out)
    pipeline.project(out)
    pipeline.status(out, as_of="2026-11-23")
    return out


def test_every_processed_table_has_a_schema_and_every_schema_a_table(processed: Path) -> None:
    written = {p.stem for p in processed.glob("*.csv")}
    assert written == set(schemas.TABLES)


@pytest.mark.parametrize("name", sorted(schemas.TABLES))
def test_table_validates_and_its_primary_key_is_unique(processed: Path, name: str) -> None:
    raw = pd.read_csv(processed / f"{name}.csv", dtype=str, keep_default_na=False)
    assert tuple(raw.columns) == schemas.columns_of(name)
    table = io.read_table(name, processed)  # validates
    key = list(schemas.PRIMARY_KEYS[name])
    assert key, f"{name} declares no primary key"
    assert not table.duplicated(key).any()
    assert table[key].notna().all().all()
    assert len(table) == len(raw)


@pytest.mark.parametrize("name", sorted(schemas.TABLES))
def test_read_table_returns_the_declared_dtypes(processed: Path, name: str) -> None:
    table = io.read_table(name, processed)
    declared = schemas.schema_of(name).columns
    got = {c: str(table[c].dtype) for c in table.columns}
    assert got == {c: DTYPES[str(col.dtype)] for c, col in declared.items()}


@pytest.mark.parametrize("name", sorted(schemas.TABLES))
def test_writing_what_was_read_gives_the_same_bytes(
    processed: Path, tmp_path: Path, name: str
) -> None:
    io.write_table(io.read_table(name, processed), name, tmp_path)
    assert (tmp_path / f"{name}.csv").read_bytes() == (processed / f"{name}.csv").read_bytes()


def test_dtypes_that_used_to_come_back_wrong(processed: Path) -> None:
    metrics = io.read_table("metrics", processed)
    assert str(metrics["rank_in_province"].dtype) == "Int64"
    assert metrics["lower_bound"].dtype == bool
    assert str(metrics["date"].dtype) == "datetime64[ns]"
    regions = io.read_table("regions", processed)
    assert str(regions["formed_year"].dtype) == "Int64"
    # a nullable text column holds missing values, never ""
    assert regions["split_from"].isna().any()
    assert (regions["split_from"].dropna() != "").all()
    # codes keep their digits; empty text is "", not missing
    enrolment = io.read_table("enrolment", processed)
    assert enrolment["region_code"].str.fullmatch(r"ID|\d{2}|\d{4}").all()
    assert enrolment["conflict_group"].notna().all()
    assert (enrolment["conflict_group"] == "").any()


def test_coverage_is_never_capped(processed: Path) -> None:
    panel = io.read_table("coverage_panel", processed)
    assert panel["coverage_pct"].max() > 100
    assert panel.loc[panel["coverage_pct"] > 100, "over_100"].all()


def test_the_panel_key_is_observation_and_basis(processed: Path) -> None:
    panel = io.read_table("coverage_panel", processed)
    assert schemas.PRIMARY_KEYS["coverage_panel"] == ("observation_id", "basis")
    assert not panel.duplicated(["observation_id", "basis"]).any()
    # every dukcapil/bps row has its denominator's observations in panel_population
    links = io.read_table("panel_population", processed)
    family = panel[panel["basis"] != "published"][["observation_id", "basis"]]
    linked = links[["observation_id", "basis"]].drop_duplicates()
    assert len(family.merge(linked)) == len(family) == len(linked)


def test_every_raw_file_reads_as_its_raw_schema() -> None:
    for path in discover_raw_files(config.DATA_RAW):
        raw = read_raw_file(path, config.DATA_RAW)
        schema = schemas.RAW_TABLES[raw.kind]
        assert tuple(raw.rows.columns) == schemas.columns_of(schema)
        assert str(raw.rows["_line"].dtype) == "Int64"
        assert (raw.rows.drop(columns="_line").dtypes == "str").all()


def test_reading_the_raw_files_together_gives_each_files_rows() -> None:
    paths = discover_raw_files(config.DATA_RAW)
    for path, raw in zip(paths, read_raw_files(paths, config.DATA_RAW), strict=True):
        alone = read_raw_file(path, config.DATA_RAW)
        pd.testing.assert_frame_equal(raw.rows, alone.rows, check_exact=True)
        assert (raw.file, raw.n_read, raw.rejects) == (alone.file, alone.n_read, alone.rejects)


def test_a_bad_table_is_refused_in_one_line_and_not_written(
    processed: Path, tmp_path: Path
) -> None:
    metrics = io.read_table("metrics", processed)
    bad = metrics.assign(status=metrics["status"].where(metrics.index > 1, "maybe"))
    with pytest.raises(schemas.SchemaError) as err:
        io.write_table(bad, "metrics", tmp_path)
    message = str(err.value)
    assert "\n" not in message
    assert "'metrics'" in message and "'status'" in message and "maybe" in message
    assert not (tmp_path / "metrics.csv").exists()
    # a duplicated primary key is refused too
    with pytest.raises(schemas.SchemaError, match="region_code"):
        io.write_table(pd.concat([metrics, metrics.head(1)]), "metrics", tmp_path)
    with pytest.raises(KeyError, match="no schema is declared"):
        io.write_table(metrics, "not_a_table", tmp_path)
