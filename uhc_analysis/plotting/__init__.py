"""Plotting layer: the maps, the interactive map, the charts and their export.

Plotting functions follow seaborn/geopandas conventions: a tidy frame in, ``ax=None``, Axes out.

==============  ==============================================================
module          job
==============  ==============================================================
``style``       colours, hatching, line styles
``labels``      every text, in English and Indonesian; number and period formats
``classes``     the fixed policy classes (``pd.cut``) and their legend texts
``frames``      input checks; :func:`~uhc_analysis.plotting.frames.region_urls`
``layers``      regency polygons joined to data and classified
``placement``   regency names placed without collisions
``maps``        static choropleths (one province, three provinces)
``interactive`` the self-contained folium/Leaflet coverage map
``charts``      coverage over time (one regency, small multiples)
``bars``        regencies ranked by latest coverage
``panels``      the map layout the status and activity maps share
``status_maps`` each region's UHC status at a criterion, with its evidence month
``activity``    activity rates: choropleth and ranked chart with the criteria's lines
``export``      every figure to files, byte-stable (``uhc-analysis figures``)
``examples``    tiny synthetic regencies for examples and tests
==============  ==============================================================
"""
