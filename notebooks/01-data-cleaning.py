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
# # 01 · Data cleaning: from transcribed figures to observations
#
# Every number in this project was transcribed by hand from a public source
# (BPJS Kesehatan statements, provincial and regency governments, BPS, news
# reports) into `data/raw/<province>/{enrolment,population,commitments}.csv`.
# Those files are never edited; `uhc_analysis.transform.clean` turns each raw row into
# exactly one of
#
# * **kept**: it is an observation (a figure for one region and period),
# * **merged**: another source reporting the same figure (the observation keeps
#   every URL),
# * **rejected**: it fails validation, with file, line, column and reason.
#
# This notebook re-runs the cleaning in memory (the same code `uhc-analysis build`
# runs) and shows the sources, the accounting, the rejects, the conflicting
# figures and the quality checks.

# %% tags=["parameters"]
provinces = ["16", "17", "64"]
thresholds = [95, 98, 100]
basis = "published"
lang = "en"

# %%
# ruff: noqa: E402  (imports follow the parameters cell, as in every notebook)
import pandas as pd
from IPython.display import display

from uhc_analysis.transform import clean
from uhc_analysis.analysis import quality
from uhc_analysis.transform.panel import PopulationModel, recompute_check

pd.set_option("display.max_rows", 80)
pd.set_option("display.max_colwidth", 120)
pd.set_option("display.width", 160)
pd.set_option("display.float_format", "{:,.2f}".format)

result = clean.clean_all()
print(f"raw folder: data/raw ({len(result.manifest)} files); provinces shown: {provinces}")

# %% [markdown]
# ## Sources
#
# The raw manifest pins each raw file by its sha256, so every processed table can
# say which inputs made it. The sources table has one row per URL, with the
# publisher and publication date.

# %%
display(result.manifest)
print(
    f"{len(result.sources)} distinct source URLs from "
    f"{result.sources['publisher'].nunique()} publishers; "
    f"{(result.sources['published'] == '').sum()} without a publication date"
)
display(result.sources["publisher"].value_counts().head(10).rename("URLs").to_frame())

# %% [markdown]
# ## The accounting
#
# For every raw file, `read = kept + merged + rejected` must hold: no row
# disappears silently.

# %%
print(clean.format_accounting(result.accounting))
assert result.accounting["balanced"].all(), "a raw file does not balance"

# %% [markdown]
# ## Rejects
#
# Rows that fail validation (unparseable number or date, unknown region name,
# percentage above 120, a date in the future, ...) go to `rejects.csv` with the
# reason. The alias and correction files are reviewed, so most problems are fixed
# upstream and the table is normally short.

# %%
print(f"{len(result.rejects)} rejected rows")
display(result.rejects)

# %% [markdown]
# ## Observations
#
# After merging, each observation carries all its sources. Enrolment observations
# come in three *measures* that are never mixed: `registered` (JKN participants on
# the books), `active` (participants whose contributions are paid up) and `survey`
# (Susenas self-reported coverage).

# %%
focus = result.enrolment[result.enrolment["province_code"].isin(provinces)]
display(
    focus.pivot_table(
        index="province_code",
        columns="measure",
        values="observation_id",
        aggfunc="count",
        fill_value=0,
    )
)
print(
    f"{len(focus)} enrolment observations in the provinces shown; "
    f"{(focus['n_sources'] > 1).sum()} are reported by more than one source"
)

# %% [markdown]
# ## Conflicts
#
# Two observations of the same region and measure for the same month (or day)
# with different values form a *conflict group*. Exactly one observation per
# group is used in the analysis; the rule (not rounded, more sources, more values
# stated, finer period, latest publication) is in `uhc_analysis/clean.py`. The
# others stay in the table, flagged.

# %%
display(quality.conflict_table(focus))
display(
    quality.conflict_table(result.population[result.population["province_code"].isin(provinces)])
)

# %% [markdown]
# ## Quality summary
#
# Observations per region: regencies with fewer than three registered-coverage
# observations are the ones whose projections must borrow strength from their
# province (notebook 03).

# %%
summary = quality.region_summary(result)
summary = summary[summary["province"].isin(provinces)]
display(quality.sparse_regencies(summary))
display(summary)

# %% [markdown]
# Published percentages checked against counts: where a source gives
# participants, percentage and population, the percentage is recomputed; where it
# gives participants and percentage only, the implied population is compared with
# the Dukcapil series.

# %%
checks = recompute_check(result.enrolment, PopulationModel(result.population))
checks = checks[checks["region_code"].str[:2].isin(provinces)]
print(f"{len(checks)} figures checked, {checks['beyond_rounding'].sum()} beyond rounding")
display(
    checks[checks["beyond_rounding"]][
        ["region_name", "period", "check", "published", "recomputed", "difference"]
    ]
)

# %% [markdown]
# The full summary is written by `uhc-analysis build` to
# `data/processed/quality_summary.md`.

# %% [markdown]
# ## Findings
#
# From the run on the nine raw files listed above (parameters: the three provinces).
#
# * **Nothing is lost.** The 645 raw rows split into 565 observations, 80 extra
#   sources of an observation already seen, and 0 rejects. Every file balances
#   (`read = kept + merged + rejected`).
# * **Sources.** There are 261 distinct URLs from 174 publishers, led by the three Antara
#   regional desks (11, 10 and 9 URLs). 174 of the 261 URLs have no publication date
#   transcribed, so an observation's date is usually the period the figure refers to.
# * **Observations.** The three provinces have 155 enrolment observations: 144
#   registered, 9 active and 2 survey. All 9 active-coverage figures are from
#   Kalimantan Timur. 23 observations are confirmed by more than one source.
# * **Conflicts are few.** There are 5 enrolment conflict groups: Sumatera Selatan
#   2023-09, Bengkulu 2024-08, Paser 2021-07, Kutai Kartanegara 2023-03 and Kota
#   Balikpapan 2023-09. There are also 2 population conflicts: Lebong 2019-06 and
#   the Kalimantan Timur 2020 census. In each group the rule picks the
#   unrounded or better-sourced figure. For example, Kutai Kartanegara's 101.54 %
#   (2 sources) is used over 100.00 % (1 source).
# * **Data are thin in Sumatera Selatan.** 11 of its 17 regencies have fewer than
#   three registered-coverage figures. In Bengkulu the number is 3 of 10, and
#   Bengkulu Tengah has none. In Kalimantan Timur it is 2 of 10. Projections for
#   these regencies lean on their province (notebook 03).
# * **Some published percentages do not match their own counts.** Of 44 checkable
#   figures, 7 disagree beyond rounding. The largest are Bengkulu Utara at
#   2018-12-31 (72 % published, 93.0 % from its own counts) and Kota Prabumulih at
#   2018-07 (66 % published, 49.3 % recomputed). Mukomuko's 2023-03 figure implies a
#   population 15.5 % below the Dukcapil series. These figures are kept, and the
#   panel carries both versions.
