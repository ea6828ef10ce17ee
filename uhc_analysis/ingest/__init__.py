"""Ingest layer: read the raw transcribed figures, parse numbers and dates, resolve names.

Nothing here knows about later stages; it depends only on :mod:`uhc_analysis.config`,
:mod:`uhc_analysis.schemas` and :mod:`uhc_analysis.io`.
"""
