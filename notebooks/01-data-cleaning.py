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
# Those files are never edited; `uhc_analysis.clean` turns each raw row into
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

from uhc_analysis import clean, quality
from uhc_analysis.panel import PopulationModel, recompute_check

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
conflicts = focus[focus["conflict_group"] != ""]
display(
    conflicts[
        [
            "conflict_group",
            "region_name",
            "period",
            "enrolled",
            "coverage_pct",
            "n_sources",
            "rounded",
            "use_in_analysis",
        ]
    ]
)
pop_conflicts = result.population[
    result.population["province_code"].isin(provinces) & (result.population["conflict_group"] != "")
]
display(
    pop_conflicts[
        [
            "conflict_group",
            "region_name",
            "period",
            "basis",
            "population",
            "n_sources",
            "use_in_analysis",
        ]
    ]
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
# _Written from the executed outputs above; see the last section of the notebook._
