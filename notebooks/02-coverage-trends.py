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
# # 02 · Coverage trends, denominators, gaps and budgets
#
# JKN coverage is participants divided by population, and the denominator
# matters. BPJS Kesehatan and local governments divide by the Dukcapil
# civil-registry count; BPS publishes census-based projections. The coverage panel
# (`data/processed/coverage_panel.csv`, built by `uhc-analysis build`) holds every
# enrolment observation on up to three *bases*:
#
# * `published`: the percentage as the source gave it, with its own denominator;
# * `dukcapil`: participants divided by the Dukcapil population at that date;
# * `bps`: participants divided by the BPS population at that date.
#
# Thresholds: **95 %** (the UHC award), **98 %** (the national 2024 target) and
# **100 %**.

# %% tags=["parameters"]
provinces = ["16", "17", "64"]
thresholds = [95, 98, 100]
basis = "published"
lang = "en"

# %%
# ruff: noqa: E402  (imports follow the parameters cell, as in every notebook)
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

from uhc_analysis import charts, metrics
from uhc_analysis.clean import load_processed
from uhc_analysis.panel import load_panel

pd.set_option("display.max_rows", 80)
pd.set_option("display.width", 160)
pd.set_option("display.max_colwidth", 60)
pd.set_option("display.float_format", "{:,.1f}".format)
plt.rcParams["figure.dpi"] = 80

panel = load_panel()
panel = panel[panel["province_code"].isin(provinces)].reset_index(drop=True)
registered = panel[panel["measure"] == "registered"]
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
prov = registered[registered["region_level"] == "province"]
display(
    prov.pivot_table(
        index=["region_name", "period"], columns="basis", values="coverage_pct", aggfunc="first"
    ).reindex(columns=["published", "dukcapil", "bps"])
)
fig, axes = plt.subplots(1, len(provinces), figsize=(5 * len(provinces), 3.8), squeeze=False)
for ax, code in zip(axes[0], provinces, strict=True):
    charts.plot_coverage_trend(panel, code, ax=ax, lang=lang, thresholds=thresholds[:2])
fig.tight_layout()

# %% [markdown]
# ## Regencies and cities, one panel each
#
# Each small panel is one regency or city; hatched panels have no figure at all.
# Lines join observations of the same basis; an open triangle marks a figure
# published as a lower bound ("more than 98 %").

# %%
for code in provinces:
    charts.plot_province_small_multiples(panel, code, lang=lang, thresholds=thresholds[:2])

# %% [markdown]
# ## Latest coverage, ranked
#
# Each regency at its latest observation (on the chosen basis). The bars take the
# colours of the maps in notebook 04.

# %%
latest = metrics.latest_coverage(panel, basis=basis)
latest_reg = latest[latest["region_level"] == "regency"]
for code in provinces:
    charts.plot_ranked_bars(latest_reg, code, lang=lang, thresholds=thresholds[:2])
display(
    pd.DataFrame(
        {
            f">= {t} %": latest_reg.groupby("province_code")["coverage_pct"].apply(
                lambda s, t=t: int((s >= t).sum())
            )
            for t in thresholds
        }
    ).assign(regencies_with_a_figure=latest_reg.groupby("province_code").size())
)

# %% [markdown]
# ## Dukcapil vs BPS denominators
#
# The same participants divided by the two population series, for every regency
# observation that can be put on both. A positive difference means coverage looks
# higher on the BPS denominator (BPS counts fewer residents than Dukcapil).

# %%
both = (
    registered[registered["region_level"] == "regency"]
    .pivot_table(
        index=["province_code", "region_name", "date"],
        columns="basis",
        values="coverage_pct",
        aggfunc="first",
    )
    .dropna(subset=["dukcapil", "bps"])
    .groupby(level=["province_code", "region_name"])
    .tail(1)
)
both["bps_minus_dukcapil"] = both["bps"] - both["dukcapil"]
display(both[["published", "dukcapil", "bps", "bps_minus_dukcapil"]])
display(both.groupby(level="province_code")["bps_minus_dukcapil"].describe())

# %% [markdown]
# ## Registered vs active participants
#
# A registered participant whose contributions are in arrears is not *active*:
# their card does not work at the clinic. Few sources report active coverage; here
# are all of them, next to the latest registered figure of the same region on or
# before that date.

# %%
when = {"date": lambda df: pd.to_datetime(df["date"])}
active = panel[(panel["measure"] == "active") & (panel["basis"] == basis)].assign(**when)
reg_same = registered[registered["basis"] == basis].assign(**when).sort_values("date")
paired = pd.merge_asof(
    active.sort_values("date")[["region_code", "region_name", "date", "coverage_pct"]],
    reg_same[["region_code", "date", "coverage_pct"]].assign(registered_date=lambda d: d["date"]),
    on="date",
    by="region_code",
    suffixes=("_active", "_registered"),
)
paired["registered_minus_active"] = (
    paired["coverage_pct_registered"] - paired["coverage_pct_active"]
)
display(paired.sort_values(["region_code", "date"]))

# %% [markdown]
# ## Gaps and budgets
#
# For each regency below a threshold: the people still to enrol, and the yearly
# budget to enrol them as PBPU Pemda (regency-paid) participants at the class III
# contribution in force (`uhc_analysis/reference/contribution_rates.csv`).
# The gap needs a population: where the source published a percentage without a
# denominator, the `published` basis has no gap; the `dukcapil` basis fills most
# of those.

# %%
m = metrics.uhc_metrics(panel, thresholds=tuple(thresholds))
m_reg = m[(m["measure"] == "registered") & (m["region_level"] == "regency")]
below = m_reg[(m_reg["basis"] == basis) & (m_reg["status"] == "below")]
gap_index = ["province_code", "region_name", "period", "coverage_pct", "threshold"]
display(below.set_index(gap_index)["gap_people"].unstack("threshold"))
totals = m_reg.groupby(["province_code", "basis", "threshold"]).agg(
    below=("status", lambda s: int((s == "below").sum())),
    gap_unknown=("gap_people", lambda s: int(s.isna().sum())),
    gap_people=("gap_people", "sum"),
    budget_idr_bn_year=("budget_idr_year", lambda s: s.sum() / 1e9),
)
display(totals)

# %% [markdown]
# Published budget lines, converted to a cost per person per year and compared
# with the class III contribution in force: `months_covered` near 12 means the
# line pays a full year of contributions for the people it names.

# %%
checks = metrics.budget_check(load_processed("commitments"))
checks = checks[checks["region_code"].str[:2].isin(provinces)]
display(
    checks[
        [
            "region_name",
            "period",
            "segment",
            "budget_idr",
            "people_funded",
            "idr_per_person_month",
            "rate_in_force_month",
            "months_covered",
        ]
    ]
)

# %% [markdown]
# ## Findings
#
# _Written from the executed outputs above._
