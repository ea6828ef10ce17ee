# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 03 · Time to UHC: projections, their backtest, and who is late
#
# For every regency and city of the provinces and every threshold, `uhc-analysis
# project` (`uhc_analysis.analysis.projection.project_coverage`) says whether it
# has already **reached** the threshold (an observation, a "more than ..." lower
# bound or a UHC award), is **on track** (projected year with two prediction
# intervals, `lo80`–`hi80` and `lo95`–`hi95`), is **not on the current trend**,
# or has **insufficient data**; it writes `projections.csv`, `projection_paths.csv`
# and `backtest.csv`, which this notebook reads.
#
# The default model is a weighted logistic trend per region (`logit_wls`), whose
# slope borrows strength from the province when a region has few figures; a
# region with one or two figures gets the pooled mixed model (`mixed`). The
# docstring of `uhc_analysis.analysis.projection` has the details. The backtest
# holds out each region's latest figure and checks how well each model would have
# predicted it.

# %% tags=["parameters"]
provinces = ["16", "17", "64"]
thresholds = [95, 98, 100]
basis = "published"
lang = "en"
# Folder of the processed tables; None means data/processed.
processed_dir = None

# %%
# ruff: noqa: E402  (imports follow the parameters cell, as in every notebook)
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from uhc_analysis.analysis import findings, narrative, tables
from uhc_analysis.analysis.projection import ProjectionSettings
from uhc_analysis.io import load_panel, read_table
from uhc_analysis.plotting import charts

pd.set_option("display.max_rows", 120)
pd.set_option("display.width", 160)
pd.set_option("display.max_colwidth", 80)
pd.set_option("display.float_format", "{:.1f}".format)
plt.rcParams["figure.dpi"] = 80

settings = ProjectionSettings()
panel = tables.in_provinces(load_panel(processed_dir), provinces)
proj = tables.in_provinces(read_table("projections", processed_dir), provinces)
proj = tables.require_thresholds(proj, thresholds, "projections.csv")
paths = read_table("projection_paths", processed_dir)
bt = read_table("backtest", processed_dir)
print(narrative.projection_scope(proj, provinces, basis, settings.basis))

# %% [markdown]
# ## Status at each threshold
#
# Counts of regencies and cities (the provinces themselves excluded) by status.

# %%
display(tables.status_counts(proj))

# %% [markdown]
# ## Projections for the regencies not there yet
#
# The projected year is when the median path crosses the threshold; the inner
# interval (`year_reached_lo80` to `year_reached_hi80`) runs from the year the
# optimistic band crosses it to the year the pessimistic band does (empty: not
# before the projection horizon). `n_obs` is the number of figures the fit used.

# %%
display(tables.pending(proj))

# %% [markdown]
# ## How good are the models? The backtest
#
# Each region with enough figures has its latest figure held out; every model is
# refitted on the rest and forecasts it. `mae_pp` is the mean absolute error in
# percentage points; `coverage_80` the share of held-out figures inside the inner
# interval (it should be near its nominal level). `cagr` (constant growth rate) and
# `last_value` (carry the last figure forward) are the naive baselines a model
# must beat.

# %%
with pd.option_context("display.float_format", "{:.2f}".format):
    display(bt.set_index("model"))

# %% [markdown]
# ## Who is late, and by how much
#
# Against the national target (`findings.NATIONAL_TARGET_PCT` by the end of the
# RPJMN period, `findings.NATIONAL_TARGET_YEAR`). `years_late` is the date of the
# first figure at or above the target (for regencies that reached it) or of the
# projected crossing (for the others), minus the deadline, with the inner interval
# of the projection (`lo80`, `hi80`). The verdicts and their rules are in
# `uhc_analysis.analysis.findings.target_verdicts`:
#
# * *late, reached*: the first figure at or above the target is dated after the
#   deadline. The crossing happened before that figure, so this is the most it
#   was late by (when even the regency's first figure is at or above the target,
#   `first_figure_at_target`, we cannot tell whether it was late at all);
# * *late, projected*: not there yet, and the trend crosses the target after the
#   deadline;
# * *unconfirmed*: the trend crossed the target before the deadline but no figure
#   shows it: the latest figure (`last_year`) is older; a new figure would settle
#   it.

# %%
verdicts = findings.target_verdicts(proj)
display(verdicts[verdicts["verdict"] != "on time"].set_index(["province_code", "region_name"]))
display(findings.verdict_counts(verdicts))

# %% [markdown]
# The trend of each regency still on its way to the target, with the projection
# fan (both bands) of its selected model.

# %%
short = verdicts[verdicts["status"] == "on_track"]
ncols = 2
nrows = max(1, -(-len(short) // ncols))
fig, axes = plt.subplots(nrows, ncols, figsize=(7.5 * ncols, 4.2 * nrows), squeeze=False)
for ax, code in zip(axes.flat, short["region_code"], strict=False):
    charts.plot_coverage_trend(
        panel, code, projections_paths=paths, ax=ax, lang=lang, thresholds=thresholds[:2]
    )
for ax in list(axes.flat)[len(short) :]:
    ax.set_visible(False)
fig.tight_layout()

# %% [markdown]
# The findings below are written from these tables by
# `uhc_analysis.analysis.narrative.timing_findings`.

# %%
display(
    Markdown(
        narrative.timing_findings(
            proj,
            bt,
            verdicts,
            panel,
            regions=read_table("regions", processed_dir),
            thresholds=thresholds,
            model=settings.model,
        )
    )
)
