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
# # 01 · Data cleaning: from transcribed figures to observations
#
# Every number in this project was transcribed by hand from a public source
# (BPJS Kesehatan statements, provincial and regency governments, BPS, news
# reports) into `data/raw/<province>/{enrolment,population,commitments}.csv`.
# Those files are never edited; `uhc-analysis build` (`uhc_analysis.transform`)
# turns each raw row into exactly one of
#
# * **kept**: it is an observation (a figure for one region and period),
# * **merged**: another source reporting the same figure (the observation keeps
#   every URL),
# * **rejected**: it fails validation, with file, line, column and reason.
#
# This notebook reads what the build wrote to `data/processed` (or the
# `processed_dir` parameter) and shows the sources, the accounting, the rejects,
# the conflicting figures and the quality checks. It computes nothing the build
# does not; run `uhc-analysis build` first.

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
import pandas as pd
from IPython.display import Markdown, display

from uhc_analysis.analysis import narrative, quality, tables
from uhc_analysis.io import read_table
from uhc_analysis.transform.observations import format_accounting
from uhc_analysis.transform.panel import recompute_check
from uhc_analysis.transform.population import PopulationModel

pd.set_option("display.max_rows", 80)
pd.set_option("display.max_colwidth", 120)
pd.set_option("display.width", 160)
pd.set_option("display.float_format", "{:,.2f}".format)

result = tables.clean_result(
    {field: read_table(name, processed_dir) for field, name in tables.CLEAN_TABLES.items()}
)
print(f"{len(result.manifest)} raw files built; provinces shown: {provinces}")

# %% [markdown]
# ## Sources
#
# The raw manifest pins each raw file by its sha256, so every processed table can
# say which inputs made it. The sources table has one row per URL, with the
# publisher and publication date.

# %%
display(result.manifest)
display(result.sources["publisher"].value_counts().head(10).rename("URLs").to_frame())

# %% [markdown]
# ## The accounting
#
# For every raw file, `read = kept + merged + rejected` must hold: no row
# disappears silently.

# %%
print(format_accounting(result.accounting))

# %% [markdown]
# ## Rejects
#
# Rows that fail validation (unparseable number or date, unknown region name, a
# percentage out of range, a date in the future, ...) go to `rejects.csv` with the
# reason. The alias and correction files are reviewed, so most problems are fixed
# upstream and the table is normally short.

# %%
display(result.rejects)

# %% [markdown]
# ## Observations
#
# After merging, each observation carries all its sources. Enrolment observations
# come in three *measures* that are never mixed: `registered` (JKN participants on
# the books), `active` (participants whose contributions are paid up) and `survey`
# (Susenas self-reported coverage).

# %%
focus = tables.in_provinces(result.enrolment, provinces)
display(tables.measure_counts(focus))

# %% [markdown]
# ## Conflicts
#
# Two observations of the same region and measure for the same month (or day)
# with different values form a *conflict group*. Exactly one observation per
# group is used in the analysis; the rule (not rounded, more sources, more values
# stated, finer period, latest publication) is in `uhc_analysis/transform/observations.py`.
# The others stay in the table, flagged.

# %%
display(quality.conflict_table(focus))
display(quality.conflict_table(tables.in_provinces(result.population, provinces)))

# %% [markdown]
# ## Quality summary
#
# Observations per region: regencies with few registered-coverage observations
# are the ones whose projections must borrow strength from their province
# (notebook 03).

# %%
summary = quality.region_summary(result)
summary = summary[summary["province"].isin(provinces)]
display(quality.sparse_regencies(summary))
display(summary)

# %% [markdown]
# Published percentages checked against counts: where a source gives
# participants, percentage and population, the percentage is recomputed; where it
# gives participants and percentage only, the implied population is compared with
# the Dukcapil series. The build writes the full summary to
# `data/processed/quality_summary.md`.

# %%
checks = recompute_check(result.enrolment, PopulationModel(result.population))
display(
    tables.in_provinces(checks, provinces)
    .query("beyond_rounding")
    .loc[:, ["region_name", "period", "check", "published", "recomputed", "difference"]]
)

# %% [markdown]
# The findings below are written from the tables above by
# `uhc_analysis.analysis.narrative.cleaning_findings`, so a rerun on new raw
# figures rewrites them.

# %%
display(Markdown(narrative.cleaning_findings(result, checks, provinces)))
