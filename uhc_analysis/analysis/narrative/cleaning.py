"""Findings of notebook 01-data-cleaning: accounting, sources, conflicts, thin data, checks."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from uhc_analysis.analysis import quality, tables
from uhc_analysis.analysis.narrative.common import name_of, province_names
from uhc_analysis.analysis.prose import bullets, count_noun, join_names, number, pct
from uhc_analysis.transform.observations import CleanResult


def _conflict_phrase(group: pd.DataFrame) -> str:
    used = group[group["used"].astype(bool)]
    others = group[~group["used"].astype(bool)]
    first = group.iloc[0]
    where = f"{first['region_name']} {first['period']}"
    if used.empty:
        return where
    col, fmt = ("population", number)
    if "coverage_pct" in group.columns:
        differs = group["coverage_pct"].nunique(dropna=False) > 1
        col, fmt = ("coverage_pct", lambda v: pct(v, 2)) if differs else ("enrolled", number)

    def one(row: pd.Series) -> str:
        return f"{fmt(row[col])} ({count_noun(int(row['n_sources']), 'source')})"

    over = join_names([one(r) for _, r in others.iterrows()])
    return f"{where}: {one(used.iloc[0])} is used over {over}"


def cleaning_findings(result: CleanResult, checks: pd.DataFrame, provinces: Sequence[str]) -> str:
    """Findings of notebook 01: accounting, sources, observations, conflicts, thin data, checks.

    ``result`` is the build's output read back (:func:`tables.clean_result`);
    ``checks`` is :func:`uhc_analysis.transform.panel.recompute_check` of its
    enrolment; both cover every province, the text only ``provinces``.
    """
    names = province_names(result.regions)
    acc = result.accounting
    read, kept, merged, rejected = (
        int(acc[c].sum()) for c in ("read", "kept", "merged", "rejected")
    )
    unbalanced = acc.loc[~acc["balanced"].astype(bool), "file"].tolist()
    balance = (
        "Every file balances (`read = kept + merged + rejected`)."
        if not unbalanced
        else f"**{join_names(unbalanced)} do not balance.**"
    )
    src = result.sources
    top = src["publisher"].value_counts().head(3)
    undated = int((src["published"].astype(str) == "").sum())
    enr = tables.in_provinces(result.enrolment, provinces)
    by_measure = enr["measure"].value_counts()
    measures = join_names(f"{int(n)} {m}" for m, n in by_measure.items())
    active_prov = sorted(set(enr.loc[enr["measure"] == "active", "province_code"]))
    multi = int((enr["n_sources"] > 1).sum())
    conflicts_e = _conflict_list(enr)
    conflicts_p = _conflict_list(tables.in_provinces(result.population, provinces))
    summary = tables.in_provinces(
        quality.region_summary(result).rename(columns={"province": "province_code"}), provinces
    )
    thin = []
    for code, g in summary[summary["kind"] != "province"].groupby("province_code"):
        few = g[g["registered_obs"] < 3]
        none = g.loc[g["registered_obs"] == 0, "region"].tolist()
        text = (
            f"{name_of(names, code)}: {len(few)} of {count_noun(len(g), 'regency', 'regencies')} "
            "have fewer than three registered-coverage figures"
        )
        text += f" ({join_names(none)} none at all)" if none else ""
        thin.append(text)
    return "\n".join(
        [
            "## Findings",
            "",
            f"From the {count_noun(len(result.manifest), 'raw file')} of the build; "
            f"provinces {join_names(name_of(names, p) for p in provinces)}.",
            "",
            bullets(
                [
                    f"**Accounting.** The {number(read)} raw rows split into {number(kept)} "
                    f"observations, {number(merged)} extra sources of an observation already "
                    f"seen, and {number(rejected)} rejects. {balance}",
                    f"**Sources** (all raw files). {number(len(src))} distinct URLs from "
                    f"{number(src['publisher'].nunique())} publishers, led by "
                    f"{join_names(f'{p} ({n})' for p, n in top.items())}. {number(undated)} of "
                    "them have no publication date transcribed, so an observation's date is "
                    "usually the period the figure refers to.",
                    f"**Observations.** The provinces shown have {number(len(enr))} enrolment "
                    f"observations: {measures}. "
                    + (
                        "Active-coverage figures come from "
                        f"{join_names(name_of(names, p) for p in active_prov)} only. "
                        if active_prov
                        else "None of these provinces has an active-coverage figure. "
                    )
                    + f"{count_noun(multi, 'observation')} "
                    f"{'is' if multi == 1 else 'are'} reported by more than one source.",
                    f"**Conflicts.** {count_noun(len(conflicts_e), 'enrolment conflict group')}"
                    + (":\n" + bullets(conflicts_e) if conflicts_e else ".")
                    + f"\n\n{count_noun(len(conflicts_p), 'population conflict group')}"
                    + (":\n" + bullets(conflicts_p) if conflicts_p else "."),
                    "**Where the data are thin** (projections of these regencies lean on their "
                    "province, notebook 03):\n"
                    + bullets(thin or ["no regency in these provinces"]),
                    _checks_sentence(tables.in_provinces(checks, provinces)),
                ]
            ),
            "",
        ]
    )


def _conflict_list(observations: pd.DataFrame) -> list[str]:
    table = quality.conflict_table(observations)
    return [_conflict_phrase(g) for _, g in table.groupby("conflict_group", sort=True)]


def _checks_sentence(checks: pd.DataFrame) -> str:
    pct_checks = checks[checks["check"] == "pct_from_published_counts"]
    pop_checks = checks[checks["check"] != "pct_from_published_counts"]
    off = pct_checks[pct_checks["beyond_rounding"].astype(bool)]
    off = off.reindex(off["difference"].abs().sort_values(ascending=False).index)
    text = (
        f"**Published percentages against their own counts.** Of "
        f"{count_noun(len(pct_checks), 'figure')} with counts and a percentage, "
        f"{len(off)} disagree beyond rounding."
    )
    if len(off):
        worst = [
            f"{r.region_name} {r.period} ({pct(r.published)} published, "
            f"{pct(r.recomputed)} from its counts)"
            for r in off.head(2).itertuples()
        ]
        text += f" The largest: {join_names(worst)}."
    pop_off = pop_checks[pop_checks["beyond_rounding"].astype(bool)]
    if len(pop_off):
        r = pop_off.loc[pop_off["difference"].abs().idxmax()]
        side = "below" if r["difference"] < 0 else "above"
        text += (
            f" Of {count_noun(len(pop_checks), 'percentage')} without a population, "
            f"{len(pop_off)} {'implies' if len(pop_off) == 1 else 'imply'} a population more "
            "than 3 % off the Dukcapil series; the "
            f"largest is {r['region_name']} {r['period']}, {abs(r['difference']):.1f} % {side}."
        )
    return text + " These figures are kept; the panel carries both versions."
