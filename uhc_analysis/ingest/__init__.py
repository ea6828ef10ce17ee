"""Ingest layer: read the raw transcribed figures, parse numbers and dates, resolve names.

:mod:`~uhc_analysis.ingest.raw` (raw files as text rows),
:mod:`~uhc_analysis.ingest.parsing` (numbers, periods, dates),
:mod:`~uhc_analysis.ingest.names` (region names as text, names of the whole
country), :mod:`~uhc_analysis.ingest.regions` (the gazetteer and name
resolution). Nothing here knows about later stages; it depends only on
:mod:`uhc_analysis.config`, :mod:`uhc_analysis.schemas` and :mod:`uhc_analysis.io`.
"""
