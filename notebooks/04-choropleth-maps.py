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
# # 04 · Choropleth maps of the three provinces
#
# Three kinds of map, drawn by `uhc_analysis.plotting.maps` on the BPS 2020 regency
# boundaries (OCHA/HDX `cod-ab-idn`, CC BY 3.0 IGO):
#
# * **coverage**: each regency's latest registered JKN coverage, in fixed policy
#   classes (< 80, 80–90, 90–95, 95–98, ≥ 98 %), so maps of different provinces
#   and dates can be compared;
# * **projected year**: when each regency reaches the threshold on its current
#   trend (notebook 03), or that it already has;
# * **gap**: how many people each regency must still enrol to reach the threshold.
#
# Regencies without a figure are grey and hatched, and counted in the legend; the
# line under each map gives the sources and dates. The boundaries are downloaded
# once (or copied from the offline mirror named by `UHC_ANALYSIS_MIRROR`); when
# they cannot be obtained this notebook says so and skips the maps instead of
# failing.

# %% tags=["parameters"]
provinces = ["16", "17", "64"]
thresholds = [95, 98, 100]
basis = "published"
lang = "en"

# %%
# ruff: noqa: E402  (imports follow the parameters cell, as in every notebook)
import dataclasses
import warnings

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

from uhc_analysis.plotting import maps
from uhc_analysis.analysis import metrics, projection
from uhc_analysis.boundaries import BoundariesUnavailableError, load_boundaries
from uhc_analysis.io import load_processed
from uhc_analysis.io import load_panel

pd.set_option("display.float_format", "{:,.1f}".format)
plt.rcParams["figure.dpi"] = 72
# pooch (the boundaries download) imports tqdm, which warns in a kernel without ipywidgets
warnings.filterwarnings("ignore", message="IProgress not found")

#: Threshold of the projected-year and gap maps: the national 98 % target when asked for.
map_threshold = 98.0 if 98 in thresholds else float(thresholds[0])

panel = load_panel()
latest = metrics.latest_coverage(panel, basis=basis)
latest = latest[(latest["region_level"] == "regency") & latest["province_code"].isin(provinces)]
m = metrics.uhc_metrics(panel, thresholds=tuple(thresholds))
gaps = m[
    (m["region_level"] == "regency")
    & m["province_code"].isin(provinces)
    & (m["measure"] == "registered")
    & (m["basis"] == basis)
]
settings = dataclasses.replace(
    projection.ProjectionSettings(),
    provinces=tuple(provinces),
    thresholds=tuple(float(t) for t in thresholds),
    basis=basis,
)
proj, _ = projection.project_coverage(panel, load_processed("commitments"), settings=settings)
proj = proj[proj["region_level"] == "regency"]

try:
    boundaries = load_boundaries(provinces)
    print(f"boundaries: {len(boundaries)} regencies and cities in provinces {provinces}")
except BoundariesUnavailableError as exc:
    boundaries = None
    print(f"MAPS SKIPPED. {exc}")

# %% [markdown]
# ## Coverage, the three provinces side by side
#
# One shared legend; the count next to each class is the number of regencies in it.

# %%
if boundaries is not None:
    maps.plot_three_province_map(
        latest, kind="coverage", lang=lang, boundaries=boundaries, provinces=provinces
    )
else:
    print("no boundaries: map skipped")
classes = dict(enumerate(maps.coverage_class_labels(lang)))
display(
    latest.assign(coverage_class=maps.coverage_classes(latest["coverage_pct"]).map(classes))
    .pivot_table(
        index="coverage_class",
        columns="province_code",
        values="region_code",
        aggfunc="count",
        fill_value=0,
    )
    .reindex(list(classes.values()), fill_value=0)
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
at = proj[proj["threshold"] == map_threshold]
display(
    at.pivot_table(
        index="status", columns="province_code", values="region_code", aggfunc="count", fill_value=0
    )
)

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
g = gaps[gaps["threshold"] == map_threshold]
display(
    g[g["status"] == "below"]
    .assign(budget_idr_bn_year=lambda d: d["budget_idr_year"] / 1e9)[
        [
            "province_code",
            "region_name",
            "period",
            "coverage_pct",
            "gap_people",
            "budget_idr_bn_year",
        ]
    ]
    .sort_values("gap_people", ascending=False)
    .set_index(["province_code", "region_name"])
)

# %% [markdown]
# ## Findings
#
# Parameters: the three provinces, `published` basis; projected-year and gap maps at 98 %.
#
# * **Coverage map.** 24 of the 37 regencies and cities are in the top class (≥ 98 %):
#   9 of 17 in Sumatera Selatan, 7 of 10 in Bengkulu and 8 of 10 in Kalimantan
#   Timur. 3 are below 80 %: Ogan Komering Ulu Selatan (62.4 %) and Empat Lawang
#   (65.0 %) in Sumatera Selatan, and Paser (76.0 %) in Kalimantan Timur.
#   Bengkulu Tengah is the only hatched regency, with no figure. The low classes
#   sit on the edges of the provinces. In Sumatera Selatan they are the
#   south-western highlands (Empat Lawang, Ogan Komering Ulu Selatan) and the
#   large eastern Ogan Komering Ilir (81.8 %). In Kalimantan Timur it is Paser in
#   the south.
# * **Projected-year map (98 %).** 26 regencies are dark blue (already reached), 9
#   are expected by 2026, 1 (Ogan Komering Ilir) in 2027–2030, and 1 (Bengkulu
#   Tengah) lacks the data. Kalimantan Timur is almost uniformly dark, Paser
#   excepted. Sumatera Selatan shows the most regencies still to get there (7).
# * **Gap map (98 %).** The largest known gaps are Paser (61,600 people, Rp 31.0 bn
#   a year), Empat Lawang (45,185; Rp 22.8 bn) and Bengkulu Utara (36,979; Rp 18.6
#   bn). 5 regencies are hatched as "no data":
#   * Bengkulu Tengah, which has no figure at all;
#   * 4 regencies below 98 % whose sources gave a percentage without a population:
#     Ogan Komering Ilir, Ogan Komering Ulu Selatan, Penukal Abab Lematang Ilir and
#     Kepahiang. The `dukcapil` basis (notebook 02) fills them in.
#   Regencies already at or above 98 % have a gap of zero, with or without a
#   published population.
# * **The dates differ.** Each regency's latest figure has its own date, from 2020-01
#   (Penukal Abab Lematang Ilir) to 2026-02 (Kutai Timur), so the map is not a
#   snapshot at one date. The source line under each map gives the range.
