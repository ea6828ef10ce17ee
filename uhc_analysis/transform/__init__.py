"""Transform layer: raw rows -> validated observations, population series and the coverage panel.

Imports only the ingest layer and the base modules (config, schemas, io).
"""
