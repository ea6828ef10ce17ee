"""Findings of notebook 05-policy-charts: the figure files and what the ranked bars say."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from uhc_analysis.analysis import tables
from uhc_analysis.analysis.prose import bullets, count_noun, join_names, pct


def ranked_sentence(latest: pd.DataFrame, threshold: float) -> str:
    """What the ranked bars show: top, bottom and the split at ``threshold`` (module doc)."""
    reg = latest[latest["region_level"] == "regency"].sort_values(
        "coverage_pct", ascending=False, kind="mergesort"
    )
    if reg.empty:
        return "No regency has a figure to rank."
    hi, lo = reg.iloc[0], reg.iloc[-1]
    below = reg[reg["coverage_pct"] < threshold]
    exact = reg[np.isclose(reg["coverage_pct"], threshold)]
    text = (
        f"The ranked bars run from {hi['region_name']} ({pct(hi['coverage_pct'])}) down to "
        f"{lo['region_name']} ({pct(lo['coverage_pct'])}). The {threshold:g} % line separates the "
        f"{count_noun(len(reg) - len(below), 'regency', 'regencies')} at or above it from the "
        f"{len(below)} below: {join_names(below['region_name'])}."
    )
    if len(exact):
        verb = "sits" if len(exact) == 1 else "sit"
        text += f" {join_names(exact['region_name'])} {verb} exactly at {pct(threshold)}."
    return text


def figures_findings(
    inventory: pd.DataFrame,
    missing: Sequence[str],
    latest: pd.DataFrame,
    regions: pd.DataFrame,
    provinces: Sequence[str],
    *,
    threshold: float,
) -> str:
    """Findings of notebook 05: which figure files exist, and what the ranked bars say.

    ``inventory`` is :func:`tables.figure_inventory` of the figures folder;
    ``missing`` the files the notebook wanted to show and did not find.
    """
    all_regs = tables.in_provinces(regions[regions["kind"] != "province"], provinces)
    without = all_regs[~all_regs["bps_code"].isin(latest["region_code"])]["name"].tolist()
    total_mb = inventory["kB"].sum() / 1024
    kinds = [f"{int(r.files)} {r.kind} ({r.format})" for r in inventory.itertuples()]
    files = (
        f"**Files.** The figures folder holds {count_noun(int(inventory['files'].sum()), 'file')} "
        f"({total_mb:.1f} MB):\n" + bullets(kinds)
        if len(inventory)
        else "**Files.** The figures folder holds no figure of the figures stage."
    )
    if missing:
        files += f"\n\nNot found: {join_names(f'`{m}`' for m in missing)}."
    ranked = f"**The ranked bars.** {ranked_sentence(latest, threshold)}"
    if without:
        ranked += (
            f" {join_names(without)} {'is' if len(without) == 1 else 'are'} listed as no data."
        )
    return (
        "## Findings\n\n"
        + bullets(
            [
                files,
                ranked,
                "**Determinism.** Reruns on the same inputs give byte-identical figure files "
                "(checked by `scripts/check_determinism.py`).",
            ]
        )
        + "\n"
    )


def missing_figure(
    name: str | None,
    figures_dir: str,
    lang: str,
    provinces: Sequence[str],
    processed_dir: str | None = None,
) -> str:
    """One sentence saying a figure file (or, with ``name=None``, every figure) is missing.

    The sentence ends with the command that makes it.

    Examples
    --------
    >>> print(missing_figure("map_gap_95_all_en.png", "reports/figures", "en", ["16", "17"]))
    ... # doctest: +NORMALIZE_WHITESPACE
    map_gap_95_all_en.png is not in reports/figures: `uhc-analysis figures --lang en
    --formats png --provinces 16 17 --figures-dir reports/figures` makes it (maps also need
    the boundaries).
    """
    fmt = "png" if name is None else name.rpartition(".")[2]
    out = f"--out-dir {processed_dir} " if processed_dir else ""
    command = (
        f"`uhc-analysis {out}figures --lang {lang} --formats {fmt} "
        f"--provinces {' '.join(provinces)} --figures-dir {figures_dir}`"
    )
    if name is None:
        return f"There is no figure in {figures_dir}: {command} makes them."
    maps = " (maps also need the boundaries)" if name.startswith("map_") else ""
    return f"{name} is not in {figures_dir}: {command} makes it{maps}."


def figure_name(
    prefix: str, lang: str, provinces: Sequence[str], threshold: float | None = None
) -> str:
    """The PNG the figures stage writes for ``prefix`` (``"map_gap"``, ``"chart_ranked"``, ...).

    With several provinces it is the combined ``_all_`` figure, with one the
    province's own; ``threshold`` is part of the projected-year and gap names.

    Examples
    --------
    >>> figure_name("map_gap", "en", ["16", "17"], 95.0), figure_name("chart_ranked", "id", ["17"])
    ('map_gap_95_all_en.png', 'chart_ranked_17_id.png')
    """
    scope = "all" if len(provinces) > 1 else str(provinces[0])
    thr = "" if threshold is None else f"_{float(threshold):g}".replace(".", "p")
    return f"{prefix}{thr}_{scope}_{lang}.png"
