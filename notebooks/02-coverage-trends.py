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
# # 02 · Coverage trends, denominators, gaps and budgets
#
# JKN coverage is participants divided by population, and the denominator
# matters. BPJS Kesehatan and local governments divide by the Dukcapil
# civil-registry count; BPS publishes census-based projections. The coverage panel
# (`coverage_panel.csv`, written by `uhc-analysis build`) holds every enrolment
# observation on up to three *bases*:
#
# * `published`: the percentage as the source gave it, with its own denominator;
# * `dukcapil`: participants divided by the Dukcapil population at that date;
# * `bps`: participants divided by the BPS population at that date.
#
# The gaps and budgets come from `metrics.csv` and `budget_check.csv`
# (`uhc-analysis metrics`). The thresholds are those of the `thresholds`
# parameter: the UHC award level, the national target and full coverage.

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
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from uhc_analysis.analysis import narrative, tables
from uhc_analysis.analysis.metrics import latest_coverage
from uhc_analysis.io import load_panel, read_table
from uhc_analysis.plotting import charts

pd.set_option("display.max_rows", 80)
pd.set_option("display.width", 160)
pd.set_option("display.max_colwidth", 60)
pd.set_option("display.float_format", "{:,.1f}".format)
plt.rcParams["figure.dpi"] = 80

panel = tables.in_provinces(load_panel(processed_dir), provinces)
metrics = tables.in_provinces(read_table("metrics", processed_dir), provinces)
budget = tables.in_provinces(read_table("budget_check", processed_dir), provinces)
regions = read_table("regions", processed_dir)
print(
    f"{panel['observation_id'].nunique()} observations, {len(panel)} panel rows "
    f"in provinces {provinces}; basis shown in the tables: {basis!r}"
)

# %% [markdown]
# ## The provinces over time
#
# Province-level figures on every basis. Where a source stated a percentage but
# no denominator, the participants were derived with the Dukcapil series (or the
# BPS one when there is no Dukcapil population at that date), so the `published`
# value coincides with that basis.

# %%
display(tables.bases_by_period(panel, "province"))
for code in provinces:
    charts.plot_coverage_trend(panel, code, lang=lang, thresholds=thresholds[:2])

# %% [markdown]
# ## Regencies and cities, one panel each
#
# Each small panel is one regency or city; hatched panels have no figure at all.
# Lines join observations of the same basis; an open triangle marks a figure
# published as a lower bound ("more than ...").

# %%
for code in provinces:
    charts.plot_province_small_multiples(panel, code, lang=lang, thresholds=thresholds[:2])

# %% [markdown]
# ## Latest coverage, ranked
#
# Each regency at its latest observation (on the chosen basis). The bars take the
# colours of the maps in notebook 04.

# %%
latest = latest_coverage(panel, basis=basis)
latest_reg = latest[latest["region_level"] == "regency"]
for code in provinces:
    charts.plot_ranked_bars(latest_reg, code, lang=lang, thresholds=thresholds[:2])
display(tables.threshold_counts(latest_reg, thresholds))

# %% [markdown]
# ## Dukcapil vs BPS denominators
#
# The same participants divided by the two population series, for every regency
# observation that can be put on both. A positive difference means coverage looks
# higher on the BPS denominator (BPS counts fewer residents than Dukcapil). A
# province without such an observation has no row.

# %%
both = tables.basis_comparison(panel)
display(both)
display(both.groupby(level="province_code")["bps_minus_dukcapil"].describe())

# %% [markdown]
# ## Registered vs active participants
#
# A registered participant whose contributions are in arrears is not *active*:
# their card does not work at the clinic. Few sources report active coverage; here
# are all of them, next to the latest registered figure of the same region on or
# before that date.

# %%
display(tables.registered_vs_active(panel, basis))

# %% [markdown]
# ## Gaps and budgets
#
# For each regency below a threshold: the people still to enrol, and the yearly
# budget to enrol them as PBPU Pemda (regency-paid) participants at the class III
# contribution in force (`uhc_analysis/reference/contribution_rates.csv`).
# The gap needs a population: where the source published a percentage without a
# denominator, the `published` basis has no gap; the `dukcapil` basis fills most
# of those. The second table sums per province, basis and threshold: regencies
# `below`, how many of them have no known gap, the known gap in people and its
# cost in billion rupiah a year.

# %%
gaps = pd.concat(tables.gaps_below(metrics, basis, t).assign(threshold=t) for t in thresholds)
display(gaps.set_index(["province_code", "region_name", "threshold"]))
display(tables.gap_totals(metrics))

# %% [markdown]
# Published budget lines, converted to a cost per person per year and compared
# with the class III contribution in force: `months_covered` near a year means the
# line pays a full year of contributions for the people it names.

# %%
display(budget.loc[:, list(tables.BUDGET_COLUMNS)].assign(group=tables.budget_line_groups(budget)))

# %% [markdown]
# The findings below are written from these tables by
# `uhc_analysis.analysis.narrative.trends_findings`.

# %%
display(
    Markdown(
        narrative.trends_findings(
            panel, metrics, budget, regions, thresholds=thresholds, basis=basis
        )
    )
)
