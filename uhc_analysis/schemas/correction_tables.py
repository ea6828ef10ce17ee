"""The pandera model of ``corrections_applied.csv`` (written by ``uhc-analysis build``).

One row per reviewed correction
(``uhc_analysis/reference/corrections.csv``) applied to a raw cell before the
row was cleaned: the raw file and line, the column, the value the raw file
holds and the value used, and why, where it is shown and who reviewed it.

Examples
--------
>>> CorrectionsAppliedSchema.Config.unique
['file', 'line', 'column']
"""

from __future__ import annotations

import pandera.pandas as pa

from uhc_analysis.schemas.fields import _URL, Int, Text, _count, _matches, _Table


class CorrectionsAppliedSchema(_Table):
    """``corrections_applied.csv``: every reviewed correction the build applied."""

    file: Text = _matches(r"^[\w-]+/[\w-]+\.csv$")
    line: Int = _count(ge=2)
    column: Text = pa.Field(str_length={"min_value": 1})
    old_value: Text
    new_value: Text
    reason: Text = pa.Field(str_length={"min_value": 1})
    url: Text = _matches(_URL)
    reviewer: Text = pa.Field(str_length={"min_value": 1})

    class Config:
        unique = ["file", "line", "column"]
