"""The findings of the numbered notebooks, written from the processed outputs.

Each notebook ends with ``display(Markdown(narrative.<notebook>_findings(...)))``:
every number, name and date in its findings comes from the tables passed in,
so a rerun on new raw figures rewrites the sentences instead of leaving stale
ones. The functions take frames (as read by :func:`uhc_analysis.io.read_table`
and shaped by :mod:`uhc_analysis.analysis.tables`) and return Markdown.

========================  ===========================================  ==============
notebook                  function                                     module
========================  ===========================================  ==============
01-data-cleaning          :func:`cleaning_findings`                    ``cleaning``
02-coverage-trends        :func:`trends_findings`                      ``trends``
03-time-to-uhc            :func:`timing_findings`                      ``timing``
04-choropleth-maps        :func:`maps_findings`                        ``mapping``
05-policy-charts          :func:`figures_findings`                     ``figures``
========================  ===========================================  ==============

Examples
--------
>>> import pandas as pd
>>> latest = pd.DataFrame({"region_code": ["1701", "1702"], "region_name": ["Kaur", "Lebong"],
...     "province_code": "17", "region_level": "regency", "period": ["2024-05", "2025"],
...     "coverage_pct": [99.5, 90.0]})
>>> print(ranked_sentence(latest, 95.0))  # doctest: +NORMALIZE_WHITESPACE
The ranked bars run from Kaur (99.5 %) down to Lebong (90.0 %). The 95 % line separates
the 1 regency at or above it from the 1 below: Lebong.
"""

from __future__ import annotations

from uhc_analysis.analysis.narrative.cleaning import cleaning_findings
from uhc_analysis.analysis.narrative.common import SHARP_FALL_PP, province_names
from uhc_analysis.analysis.narrative.figures import (
    figure_name,
    figures_findings,
    missing_figure,
    ranked_sentence,
)
from uhc_analysis.analysis.narrative.mapping import maps_findings
from uhc_analysis.analysis.narrative.timing import projection_scope, timing_findings
from uhc_analysis.analysis.narrative.trends import trends_findings

__all__ = [
    "SHARP_FALL_PP",
    "cleaning_findings",
    "figure_name",
    "figures_findings",
    "maps_findings",
    "missing_figure",
    "projection_scope",
    "province_names",
    "ranked_sentence",
    "timing_findings",
    "trends_findings",
]
