# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 04 · Choropleth maps of the provinces
#
# Three kinds of map, drawn by `uhc_analysis.plotting.maps` on the BPS regency
# boundaries (OCHA/HDX `cod-ab-idn`, CC BY IGO):
#
# * **coverage**: each regency's latest registered JKN coverage, in fixed policy
#   classes (the legend gives the limits), so maps of different provinces and
#   dates can be compared;
# * **projected year**: when each regency reaches the threshold on its current
#   trend (notebook 03), or that it already has;
# * **gap**: how many people each regency must still enrol to reach the threshold;
# * **UHC status**: each regency's status against a UHC criterion on its evaluation
#   date, and the month of the evidence it rests on (`uhc_status.csv`, notebook 03);
# * **activity**: each regency's latest share of active participants per resident
#   (`activity_rates.csv`).
#
# The data are the processed tables (`coverage_panel.csv`, `metrics.csv`,
# `projections.csv`, `uhc_status.csv`, `activity_rates.csv`, `uhc_criteria.csv`);
# the maps are drawn here, inline, and not saved
# (`uhc-analysis figures` writes the files, notebook 05 shows them). Regencies
# without a figure are grey and hatched, and counted in the legend; the line
# under each map gives the sources and dates. The boundaries are downloaded once
# (or copied from the offline mirror named by `UHC_ANALYSIS_MIRROR`); when they
# cannot be obtained this notebook says so and skips the maps instead of failing.

# %% tags=["parameters"]
provinces = ["16", "17", "64"]
thresholds = [95, 98, 100]
basis = "published"
lang = "en"
# Folder of the processed tables; None means data/processed.
processed_dir = None

# %%
# ruff: noqa: E402  (imports follow the parameters cell, as in every notebook)
from uhc_analysis.notebook_parameters import settle_parameters

# the parameters as papermill, nbconvert or JupyterLab set them, checked (a JSON text
# where a list belongs is parsed; an unknown province is refused with one line)
provinces, thresholds, basis, lang, processed_dir = settle_parameters(
    provinces=provinces, thresholds=thresholds, basis=basis, lang=lang, processed_dir=processed_dir
)
import warnings

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from uhc_analysis.analysis import findings, narrative, status_views, tables
from uhc_analysis.analysis.metrics import latest_coverage
from uhc_analysis.boundaries import BoundariesUnavailableError, load_boundaries
from uhc_analysis.io import load_panel, read_table
from uhc_analysis.plotting import activity, maps, status_maps

pd.set_option("display.float_format", "{:,.1f}".format)
plt.rcParams["figure.dpi"] = 72
# pooch (the boundaries download) imports tqdm, which warns in a kernel without ipywidgets
warnings.filterwarnings("ignore", message="IProgress not found")

#: Threshold of the projected-year and gap maps: the national target when asked for.
map_threshold = findings.map_threshold(thresholds)

panel = tables.in_provinces(load_panel(processed_dir), provinces)
latest = latest_coverage(panel, basis=basis)
latest = latest[latest["region_level"] == "regency"]
metrics = tables.in_provinces(read_table("metrics", processed_dir), provinces)
metrics = tables.require_thresholds(metrics, [map_threshold], "metrics.csv")
gaps = tables.regency_metrics(metrics, basis)
proj = tables.in_provinces(read_table("projections", processed_dir), provinces)
proj = tables.require_thresholds(proj, [map_threshold], "projections.csv")
proj = proj[proj["region_level"] == "regency"]
regions = read_table("regions", processed_dir)
status = tables.in_provinces(read_table("uhc_status", processed_dir), provinces)
criteria = read_table("uhc_criteria", processed_dir)
rates = tables.in_provinces(read_table("activity_rates", processed_dir), provinces)

try:
    boundaries = load_boundaries(provinces)
    print(f"boundaries: {len(boundaries)} regencies and cities in provinces {provinces}")
except BoundariesUnavailableError as exc:
    boundaries = None
    print(f"MAPS SKIPPED. {exc}")

# %% [markdown]
# ## Coverage, the provinces side by side
#
# One shared legend; the count next to each class is the number of regencies in it.

# %%
if boundaries is not None:
    maps.plot_three_province_map(
        latest, kind="coverage", lang=lang, boundaries=boundaries, provinces=provinces
    )
else:
    print("no boundaries: map skipped")
display(
    tables.coverage_class_counts(latest, maps.COVERAGE_BREAKS, maps.coverage_class_labels(lang))
)

# %% [markdown]
# ## Each province
#
# The same classes, one province at a time, with every regency named. The date of
# each regency's latest figure differs; the source line under the map gives the
# range of dates.

# %%
for code in provinces:
    if boundaries is None:
        print(f"no boundaries: coverage map of {code} skipped")
        continue
    maps.plot_coverage_map(latest, code, lang=lang, boundaries=boundaries)
display(
    latest.sort_values(["province_code", "coverage_pct"])[
        ["province_code", "region_name", "period", "coverage_pct", "lower_bound"]
    ].set_index(["province_code", "region_name"])
)

# %% [markdown]
# ## When each regency reaches the threshold
#
# Dark blue: already reached (an observation, a lower bound or an award). Lighter
# shades: the year the current trend crosses the threshold. Orange: not on the
# current trend. Hatched: not enough data to say.

# %%
if boundaries is not None:
    maps.plot_three_province_map(
        proj,
        kind="projected_year",
        threshold=map_threshold,
        lang=lang,
        boundaries=boundaries,
        provinces=provinces,
    )
else:
    print("no boundaries: projected-year map skipped")
display(tables.status_counts(proj).xs(map_threshold, level="threshold"))

# %% [markdown]
# ## How many people are still missing
#
# People to enrol to reach the threshold, at each regency's latest figure. A
# regency whose source gave a percentage without a population has no gap on the
# `published` basis and is hatched.

# %%
if boundaries is not None:
    maps.plot_three_province_map(
        gaps,
        kind="gap",
        threshold=map_threshold,
        lang=lang,
        boundaries=boundaries,
        provinces=provinces,
    )
else:
    print("no boundaries: gap map skipped")
display(
    tables.gaps_below(metrics, basis, map_threshold).set_index(["province_code", "region_name"])
)

# %% [markdown]
# ## UHC status against the criteria
#
# One map per criterion: the RPJMN registered-coverage target (evaluated on the
# last day it was in force), the national target, and UHC prioritas, which also
# asks for a share of active participants. The colour is each regency's status on
# the evaluation date in the subtitle; under each name is the month of the
# evidence the status rests on, marked when it is an award, a "more than ..."
# figure or the trend of the latest figure. The age rule behind *confirmed* and
# *stale* is read from `uhc_status.csv`. Each map is followed by its counts per
# province.

# %%
mapped = [c for c in status_views.MAP_CRITERIA if c in set(status["criterion_id"])]
for criterion in mapped:
    if boundaries is not None:
        status_maps.status_map_provinces(
            status, boundaries, criterion, provinces=provinces, lang=lang, criteria=criteria
        )
        plt.show()
    else:
        print(f"no boundaries: status map of {criterion} skipped")
    display(status_views.status_by_province(status, criterion, provinces=provinces))

# %% [markdown]
# ## Activity per resident
#
# Each regency's latest activity figure: active participants as a share of its
# population (the denominator the legend names). The classes break at the
# activity thresholds of the UHC criteria in use (`uhc_criteria.csv`); regencies
# without an activity figure are hatched. The ranked bars of notebook 03 show the
# same figures with their per-participant rates.

# %%
if boundaries is not None:
    activity.activity_map_provinces(
        rates, boundaries, provinces=provinces, criteria=criteria, lang=lang
    )
    plt.show()
else:
    print("no boundaries: activity map skipped")
display(status_views.activity_thresholds(criteria))

# %% [markdown]
# The findings below are written from these tables by
# `uhc_analysis.analysis.narrative.maps_findings`.

# %%
display(
    Markdown(
        narrative.maps_findings(
            latest,
            proj,
            metrics,
            regions,
            threshold=map_threshold,
            breaks=maps.COVERAGE_BREAKS,
            year_bins=maps.YEAR_BINS,
            basis=basis,
        )
    )
)
