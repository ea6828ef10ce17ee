"""Transform layer: raw rows -> validated observations, population series and the coverage panel.

One module per job: :mod:`~uhc_analysis.transform.clean` (row rules: one raw
row -> a clean record or a reject), :mod:`~uhc_analysis.transform.observations`
(records -> observations, conflicts, sources, link tables, accounting;
``clean_all``), :mod:`~uhc_analysis.transform.population` (population series
per basis family), :mod:`~uhc_analysis.transform.panel` (the coverage panel,
``trace_sources``, ``recompute_check``). Imports only the ingest layer and the
base modules (config, schemas, io).
"""
