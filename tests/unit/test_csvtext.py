"""The CSV text of :mod:`uhc_analysis.csvtext` is byte for byte that of ``DataFrame.to_csv``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from uhc_analysis.csvtext import csv_text

TEXTS = ["a", 'say "hi"', None, "x,y", "two\nlines", "cr\rhere", "", " padded ", "=1+1", "é"]
FRAME = pd.DataFrame(
    {
        "text": pd.array(TEXTS, dtype="str"),
        "float": [0.1 + 0.2, -0.0, np.nan, 1e20, -3.0, 2 / 3, np.inf, 0.0, 1e-12, 97.63],
        "int": pd.array([1, None, -5, 0, 10**12, 7, 8, 9, 10, 11], dtype="Int64"),
        "flag": [True, False] * 5,
        "date": pd.to_datetime(["2024-01-31", None, "2020-02-29"] + ["2019-01-01"] * 7),
        "object": pd.Series(["x", None, "=1", "y", "z", "w", "v", "u", "t", "s"], dtype=object),
    }
)


def _to_csv(df: pd.DataFrame) -> str:
    return df.to_csv(index=False, lineterminator="\n", float_format="%.10g")


@pytest.mark.parametrize(
    "columns",
    [list(FRAME.columns), *([c] for c in FRAME.columns), ["text", "float"]],
    ids=lambda c: "+".join(c),
)
def test_same_text_as_to_csv(columns: list[str]) -> None:
    frame = FRAME[columns]
    assert csv_text(frame, float_format="%.10g") == _to_csv(frame)
    assert csv_text(frame.iloc[:0], float_format="%.10g") == _to_csv(frame.iloc[:0])
    assert csv_text(frame.iloc[::-1], float_format="%.10g") == _to_csv(frame.iloc[::-1])


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"when": pd.to_datetime(["2024-01-31 10:30", "2024-02-01 00:00"])}),
        pd.DataFrame({"c": pd.Categorical(["a", "b", "a"])}),
        pd.DataFrame({"mixed": pd.Series([1, "a", 2.5], dtype=object)}),
        pd.DataFrame({"b": pd.array([True, None], dtype="boolean")}),
        pd.DataFrame(columns=["a", "b"]),
    ],
    ids=["times", "categorical", "mixed_object", "nullable_bool", "empty"],
)
def test_other_dtypes_are_left_to_to_csv(frame: pd.DataFrame) -> None:
    assert csv_text(frame, float_format="%.10g") == _to_csv(frame)


def test_write_table_checks_again_a_validated_frame_changed_in_place(tmp_path) -> None:
    """A stage's validated result is written unchecked; once a column is changed it is checked."""
    from uhc_analysis import io, schemas

    links = pd.DataFrame({"observation_id": ["E-1"], "source_id": ["S6d3cc6f0c7"]})
    valid = schemas.validate(links, "observation_sources")
    assert io.write_table(valid, "observation_sources", tmp_path).exists()
    valid["source_id"] = pd.Series([None], dtype=object)
    with pytest.raises(schemas.SchemaError, match="observation_sources"):
        io.write_table(valid, "observation_sources", tmp_path)
