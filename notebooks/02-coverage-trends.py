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

from uhc_analysis.plotting import charts
from uhc_analysis.analysis import metrics
from uhc_analysis.io import load_processed
from uhc_analysis.io import load_panel

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
for code in provinces:
    charts.plot_coverage_trend(panel, code, lang=lang, thresholds=thresholds[:2])

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
# of those. The second table sums per province, basis and threshold: regencies
# `below`, how many of them have no known gap, the known gap in people and its
# cost in billion rupiah a year.

# %%
m = metrics.uhc_metrics(panel, thresholds=tuple(thresholds))
m_reg = m[(m["measure"] == "registered") & (m["region_level"] == "regency")]
below = m_reg[(m_reg["basis"] == basis) & (m_reg["status"] == "below")]
gap_index = ["province_code", "region_name", "period", "coverage_pct", "threshold"]
display(below.set_index(gap_index)["gap_people"].unstack("threshold"))
is_below = m_reg["status"] == "below"
totals = (
    m_reg.assign(below=is_below, gap_unknown=is_below & m_reg["gap_people"].isna())
    .groupby(["province_code", "basis", "threshold"])
    .agg(
        below=("below", "sum"),
        gap_unknown=("gap_unknown", "sum"),
        gap_people=("gap_people", "sum"),
        budget_idr_bn_year=("budget_idr_year", lambda s: s.sum() / 1e9),
    )
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
# Parameters: the three provinces, `published` basis.
#
# * **Provinces.** Every province now reports 98 % or more:
#   * Bengkulu rose from 69.7 % (2018-03) to 98.0 % (2023-09) and 99.9 % (2024-08).
#   * Sumatera Selatan rose from 90.1 % (2023-02) to 98.9 % (2024-07).
#   * Kalimantan Timur rose from 76.0 % (2017-12) to 100 % (2025), with published
#     figures above 100 % (105.0 % in 2024-05). Coverage above 100 % means more
#     registered participants than residents in the denominator used.
# * **Regencies, latest figure.** Counted at 95 % and 98 %:
#   * Sumatera Selatan: 13 of 17 regencies at ≥ 95 % and 9 at ≥ 98 %.
#   * Bengkulu: 8 of the 9 with a figure at ≥ 95 % and 7 at ≥ 98 %.
#   * Kalimantan Timur: 9 of 10 at ≥ 95 % and 8 at ≥ 98 %.
#
#   The stragglers are Ogan Komering Ulu Selatan (62.4 %, 2022), Empat Lawang (65.0 %,
#   2022), Paser (76.0 %, 2022), Ogan Komering Ilir (81.8 %, 2026-01) and Bengkulu
#   Utara (85.4 %, 2022). Four of these five figures date from 2022.
# * **The denominator moves the answer by several points.** Only 6 regency
#   observations can be put on both the Dukcapil and the BPS basis, and none of them
#   is in Bengkulu. On these, BPS-based coverage is lower than Dukcapil-based
#   coverage in 4 of 6 cases, by up to 9.2 points (Kutai Kartanegara 2025: 98.2 %
#   vs 89.0 %). It is higher in Paser 2022 (+4.4) and Berau 2024 (+0.1).
# * **Registered is not active.** The registered figure near the same date exceeds
#   active coverage by 25.0 points in Kutai Kartanegara (2024-09: 103.6 % vs
#   78.6 %), 19.6 in Kota Samarinda (2022) and 18.5 in Berau (2025-05). In
#   Mahakam Ulu and Penajam Paser Utara the gap is about 1 point. Active figures
#   exist only for Kalimantan Timur.
# * **Gaps and budgets, 98 % threshold.**
#
#   | province | below (gap unknown) | `published`: people; Rp bn/yr | `dukcapil`: same |
#   | --- | --- | --- | --- |
#   | Sumatera Selatan | 8 (3) | 80,091; 40.4 | 265,651; 102.8 |
#   | Bengkulu | 2 (1) | 36,979; 18.6 | 102,716; 45.0 |
#   | Kalimantan Timur | 2 (0) | 63,311; 31.9 | 84,394; 42.5 |
#
#   On the `published` basis only the known gaps are summed. The `dukcapil` basis
#   has a population for every regency below 98 %, so its totals are complete.
#
#   The three largest single gaps are Paser (61,600 people), Empat Lawang (45,185)
#   and Bengkulu Utara (36,979). All three rest on 2022 figures.
# * **Budget lines.** The 17 published budget lines fall into four groups, measured
#   in months of class III contributions per person named:
#   * 8 pay 10.6–12.1 months, i.e. a full year.
#   * 6 pay less, 0.6–8.3 months. These are partial-year or partial lines, e.g.
#     Banyuasin 2023 at 4.1 months, and Bengkulu 2021 at 0.6 months (contribution
#     assistance for 733,761 people).
#   * Kota Bengkulu 2024–25 pays 14.1–14.3 months, above the class III rate.
#   * Sumatera Selatan 2023-09 (Rp 4.7 trillion for 305,248 people, 367 months) is
#     a total that covers more than contributions.
