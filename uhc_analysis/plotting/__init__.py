"""Plotting layer: labels, choropleth maps, the interactive map, charts and their export.

Plotting functions follow seaborn/geopandas conventions: a tidy frame in, ``ax=None``, Axes out.
"""
