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
# # 03 · Time to UHC: who meets which criterion, when the others will, and how sure we are
#
# Two stages feed this notebook. `uhc-analysis status` (`uhc_analysis.analysis.uhc_status`)
# evaluates every region against every UHC criterion of `uhc_criteria.csv` (the share of
# residents registered that the RPJMN and the earlier awards asked for, the national
# target, UHC prioritas and the UHC Award tiers with their activity conditions) and says
# what each status rests on and how old that evidence is. `uhc-analysis project` (`uhc_analysis.analysis.forecast`) projects
# when each region meets each threshold: registered coverage, activity, and both together
# for every criterion with an activity condition (`time_to_uhc.csv`, with two intervals,
# `lo80`-`hi80` and `lo95`-`hi95`, from simulating the fitted parameters), and scores itself in a strict as-of
# rolling backtest (`backtest_scores.csv`).
#
# The default model is a random walk with drift on the logit scale, anchored at each
# region's latest figure; drifts are partially pooled across regions (statsmodels
# `MixedLM`), a future drift is never below zero, and intervals widen with the horizon.
# Activity follows the region's registered path at a fitted offset. The module docstrings
# of `uhc_analysis.analysis.forecast` have the details.

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

from uhc_analysis.analysis import findings, narrative, status_views, tables
from uhc_analysis.analysis.forecast import ForecastSettings
from uhc_analysis.analysis.forecast.backtest import target_checks
from uhc_analysis.io import load_panel, read_table
from uhc_analysis.plotting import activity, charts

pd.set_option("display.max_rows", 120)
pd.set_option("display.width", 160)
pd.set_option("display.max_colwidth", 80)
pd.set_option("display.float_format", "{:.1f}".format)
plt.rcParams["figure.dpi"] = 80

settings = ForecastSettings()
panel = tables.in_provinces(load_panel(processed_dir), provinces)
proj = tables.in_provinces(read_table("projections", processed_dir), provinces)
proj = tables.require_thresholds(proj, thresholds, "projections.csv")
time_to_uhc = tables.in_provinces(read_table("time_to_uhc", processed_dir), provinces)
paths = read_table("projection_paths", processed_dir)
scores = read_table("backtest_scores", processed_dir)
status = tables.in_provinces(read_table("uhc_status", processed_dir), provinces)
criteria = read_table("uhc_criteria", processed_dir)
print(narrative.projection_scope(proj, provinces, basis, settings.basis))

# %% [markdown]
# ## Who meets which UHC criterion, on what evidence
#
# `uhc-analysis status` (`uhc_analysis.analysis.uhc_status`) evaluates every region
# against every criterion of the reviewed criteria table (`uhc_criteria.csv`):
# the criteria in force on today's date, the historic ones (the RPJMN target, the
# earlier award rules) on the last day they were in force. `uhc_status.csv` has
# one row per region and criterion with its status, the evidence the status rests
# on (a figure, a UHC award, or the projection of the latest figure), that
# evidence's date and age, and a reason in words. A figure or award counts as
# recent only within the age rule printed below (read from the table); older
# evidence makes a region `stale`, or `probably_reached` when its projection
# says so with high probability.
#
# Regencies and cities per criterion and status, best status first.

# %%
months = status_views.recent_months(status)
print(f"evidence is recent when dated within {months:g} months of the evaluation date")
display(status_views.status_count_table(status, provinces=provinces))

# %% [markdown]
# Each regency's status against the criteria that notebook 04 maps, with the
# month and kind of the evidence it rests on (`projection`: the latest figure,
# judged by its trend).

# %%
mapped = [c for c in status_views.MAP_CRITERIA if c in set(status["criterion_id"])]
shown = status[(status["region_level"] == "regency") & status["criterion_id"].isin(mapped)]
month = status_views.evidence_month(shown["evidence_date"]).to_numpy()
shown = shown.assign(evidence=(month + " " + shown["evidence_kind"]).str.strip())
display(
    shown.pivot(
        index=["province_code", "region_name"],
        columns="criterion_id",
        values=["status", "evidence"],
    )
    .swaplevel(axis=1)
    .sort_index(axis=1, level=0, sort_remaining=False)[mapped]
)

# %% [markdown]
# ## When does each region meet UHC prioritas?
#
# UHC prioritas needs registered coverage and activity at once (the thresholds are read
# from `uhc_criteria.csv`). Each row is the median year at which the simulated paths of
# both measures first meet them, with the inner interval (`80 % from`, `80 % to`), and the probability that both
# are met today; `borrowed trend` marks regions whose path is mostly the pooled trend of
# other regions (fewer than two own figures of a measure). A year is never earlier than
# the latest figure below the threshold.

# %%
prioritas = criteria[(criteria["scheme"] == "uhc_prioritas") & criteria["used"]].iloc[0]
print(
    f"UHC prioritas: registered >= {prioritas['min_coverage_pct']:g} %, "
    f"active >= {prioritas['min_active_pct']:g} %"
)
display(
    tables.time_to_target(
        time_to_uhc[time_to_uhc["region_level"] == "regency"],
        float(prioritas["min_coverage_pct"]),
        float(prioritas["min_active_pct"]),
    ).drop(columns="reason")
)

# %% [markdown]
# ## Registered coverage: status of the projection at each threshold
#
# Counts of regencies and cities (the provinces themselves excluded) by what the
# projection says of registered coverage alone: `reached` (the latest evidence is at or
# above), `on_track` (median crossing after today), `overdue` (the median crossing has
# passed, no figure shows it yet), `not_on_current_trend`.

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
# ## How good is the model? A backtest that cannot peek
#
# At each origin (the first of January and of July) everything dated after it is removed,
# the production forecast runs on the rest, and it predicts the figures published between
# half a year and three years later. Each region's newest figure is the test set; the settings were chosen on
# the other figures (tuning) only. `mae_ratio` compares the error with carrying the last
# figure forward; `coverage80` is the share of figures inside the inner interval
# (`lo80`-`hi80`, with its Clopper-Pearson interval); `brier` scores the probability of
# being at or above the RPJMN threshold against the naive rule "the latest figure is at or
# above" (`brier_naive`). The targets and whether each is met are in the second table.

# %%
with pd.option_context("display.float_format", "{:.3f}".format):
    display(scores.set_index(["set", "subset"]))
    display(target_checks(scores).set_index(["set", "target"]))

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
short = verdicts[verdicts["status"].isin(["on_track", "overdue"])]
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
# ## Activity: active participants per resident and per participant
#
# UHC prioritas and the award tiers also ask for a share of *active*
# participants. `activity_rates.csv` holds every activity figure per resident
# (active participants / population, the rate the sources print) and, where a
# registered count lies close enough in time, per participant (active /
# registered). The bars rank each regency's latest figure per resident; the open
# diamond is its per-participant rate, and the dotted lines are the activity
# thresholds of the criteria in use, read from `uhc_criteria.csv`. Regencies
# without any activity figure are named under the chart.

# %%
rates = tables.in_provinces(read_table("activity_rates", processed_dir), provinces)
regions = read_table("regions", processed_dir)
regencies = regions[
    (regions["bps_code"].str.len() == 4) & regions["province_code"].isin(provinces)
].rename(columns={"bps_code": "region_code", "name": "region_name"})
activity.activity_ranking(
    rates, provinces=provinces, criteria=criteria, regions=regencies, lang=lang
)
plt.show()
display(status_views.activity_thresholds(criteria))
display(
    status_views.latest_activity(rates, provinces=provinces).set_index(
        ["province_code", "region_name"]
    )[["evidence_month", "per_resident_pct", "per_participant_pct", "lower_bound"]]
)

# %% [markdown]
# The findings below are written from these tables by
# `uhc_analysis.analysis.narrative.timing_findings`.

# %%
display(
    Markdown(
        narrative.timing_findings(
            proj,
            scores,
            verdicts,
            panel,
            regions=regions,
            thresholds=thresholds,
            status=status,
        )
    )
)
