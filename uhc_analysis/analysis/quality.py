"""The data-quality summary (``data/processed/quality_summary.md``).

Rendered from the processed tables only, so it is deterministic: no dates,
no timings, sorted rows. It answers, per region: how many observations, which
years, how many sources, how many conflicts; per province: which regencies
have fewer than three observations (the ones projections must pool) and which
have none; where published percentages disagree with the ones recomputed
from published counts beyond rounding; which reviewed corrections were applied
to raw cells (with reason, source and reviewer); and which figures contradict
an award of the same period. That last section comes from the status stage
(``uhc_contradictions.csv``): the build writes it as "not checked yet" between
:data:`CONTRADICTIONS_MARKERS`, and ``uhc-analysis status`` fills it in with
:func:`with_contradictions`.

Examples
--------
>>> import tempfile, pathlib
>>> from uhc_analysis.ingest.raw import RAW_COLUMNS
>>> from uhc_analysis.transform.observations import CleanSettings, clean_all
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> (folder / "bengkulu").mkdir()
>>> _ = (folder / "bengkulu" / "enrolment.csv").write_text(
...     ",".join(RAW_COLUMNS["enrolment"]) + "\\n"
...     "regency,17,1706,Mukomuko,2023-09,170000,95.1,registered,,,,A,https://a.example/1,\\n")
>>> result = clean_all(folder, CleanSettings(today="2026-11-23"))
>>> region_summary(result).query("code == '1706'")[["observations", "sources"]].values.tolist()
[[1, 1]]
>>> quality_summary(result).splitlines()[0]
'# Data-quality summary'
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

import pandas as pd

from uhc_analysis import config
from uhc_analysis.ingest.corrections import CORRECTION_COLUMNS
from uhc_analysis.transform.observations import CleanResult, format_accounting
from uhc_analysis.transform.panel import recompute_check
from uhc_analysis.transform.population import (
    PopulationModel,
    population_series,
    province_total_check,
)

#: The comments around the "Contradictions with awards" section of the summary.
CONTRADICTIONS_MARKERS: tuple[str, str] = (
    "<!-- contradictions:start -->",
    "<!-- contradictions:end -->",
)
#: Columns of ``uhc_contradictions.csv`` the summary shows.
_CONTRADICTION_COLUMNS: list[str] = [
    "region_name",
    "measure",
    "figure_date",
    "figure_pct",
    "award_year",
    "award_tier",
    "award_evidence_date",
    "implied_min_pct",
    "gap_pp",
    "figure_observation_id",
]
#: Columns of ``corrections_applied.csv`` the summary shows (all of them).
_CORRECTION_COLUMNS: list[str] = list(CORRECTION_COLUMNS)


def md_cell(value: object) -> str:
    """Text of one Markdown table cell: HTML escaped (raw text is never markup), one line.

    Examples
    --------
    >>> print(md_cell('<img src=x onerror="alert(1)"> | x'))
    &lt;img src=x onerror="alert(1)"&gt; \\| x
    """
    text = html.escape(str(value), quote=False).replace("|", "\\|")
    return " ".join(text.splitlines()) if ("\n" in text or "\r" in text) else text


def _md_table(df: pd.DataFrame) -> str:
    if df.empty:
        return "_none_\n"
    cols = list(df.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join(" --- " for _ in cols) + "|"]
    for row in df.itertuples(index=False):
        cells = []
        for v in row:
            if isinstance(v, float):
                cells.append(f"{v:,.2f}")
            elif isinstance(v, pd.Timestamp):
                cells.append(v.date().isoformat())
            else:
                cells.append(md_cell(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def conflict_table(observations: pd.DataFrame) -> pd.DataFrame:
    """The observations that belong to a conflict group, with the columns that tell them apart.

    Works for the enrolment table (measure, enrolled, coverage) and the
    population table (basis, population); ``used`` marks the one analyses use.
    """
    values = (
        ["measure", "enrolled", "coverage_pct"]
        if "measure" in observations.columns
        else ["basis", "population"]
    )
    rows = observations[observations["conflict_group"] != ""]
    cols = ["conflict_group", "region_name", "period", *values, "n_sources", "use_in_analysis"]
    return rows[cols].rename(columns={"use_in_analysis": "used"}).reset_index(drop=True)


def region_summary(result: CleanResult) -> pd.DataFrame:
    """Per region: observations (registered measure), years covered, sources, conflicts.

    Sources are counted from ``result.observation_sources`` (every observation
    of the region, used or not).
    """
    enr = result.enrolment
    regions = result.regions
    region_of = enr.set_index("observation_id")["region_code"]
    links = result.observation_sources
    n_sources = (
        links.assign(region_code=links["observation_id"].map(region_of))
        .groupby("region_code")["source_id"]
        .nunique()
    )
    focus = regions[regions["province_code"].isin(config.FOCUS_PROVINCES)]
    rows = []
    for reg in focus.itertuples(index=False):
        g = enr[enr["region_code"] == reg.bps_code]
        used = g[g["use_in_analysis"].astype(bool)]
        reg_obs = used[used["measure"] == "registered"]
        years = sorted({int(str(p)[:4]) for p in used["period"]})
        rows.append(
            {
                "code": reg.bps_code,
                "region": reg.name,
                "kind": reg.kind,
                "province": reg.province_code,
                "observations": len(used),
                "registered_obs": len(reg_obs),
                "active_obs": int((used["measure"] == "active").sum()),
                "survey_obs": int((used["measure"] == "survey").sum()),
                "years": f"{years[0]}–{years[-1]}" if years else "",
                "sources": int(n_sources.get(reg.bps_code, 0)),
                "conflict_groups": g.loc[g["conflict_group"] != "", "conflict_group"].nunique(),
            }
        )
    return pd.DataFrame(rows)


def sparse_regencies(summary: pd.DataFrame) -> pd.DataFrame:
    """Per province, regencies with fewer than three registered observations, and none."""
    rows = []
    regs = summary[summary["kind"] != "province"]
    for prov, g in regs.groupby("province", sort=True):
        few = g[(g["registered_obs"] > 0) & (g["registered_obs"] < 3)]
        none = g[g["registered_obs"] == 0]
        rows.append(
            {
                "province": prov,
                "regencies": len(g),
                "fewer_than_3": ", ".join(
                    f"{r.region} ({r.registered_obs})" for r in few.itertuples()
                ),
                "none": ", ".join(none["region"]) or "—",
            }
        )
    return pd.DataFrame(rows)


def quality_summary(
    result: CleanResult,
    panel: pd.DataFrame | None = None,
    *,
    model: PopulationModel | None = None,
    series: pd.DataFrame | None = None,
    contradictions: pd.DataFrame | None = None,
    unread: Sequence[tuple[str, str]] = (),
) -> str:
    """Render the whole Markdown summary (``model``/``series`` avoid recomputing them).

    ``unread``: files below the raw folder the build did not read, with why
    (:func:`uhc_analysis.ingest.raw.unread_files`). Text from raw files is
    HTML-escaped in every table (:func:`md_cell`).

    ``contradictions``: ``uhc_contradictions.csv`` when it is known (the build
    does not know it: the section says "not checked yet" until
    :func:`with_contradictions` fills it in).
    """
    parts = [
        "# Data-quality summary",
        "",
        "Generated by `uhc-analysis build` from `data/raw/`; do not edit by hand.",
        "",
        "## Accounting per raw file",
        "",
        "Every raw row is kept (it represents an observation), merged (another source "
        "of the same figure) or rejected (see `rejects.csv`).",
        "",
        "```",
        html.escape(format_accounting(result.accounting).replace("`", "'"), quote=False),
        "```",
        "",
    ]
    summary = region_summary(result)
    parts += ["## Observations per region (focus provinces)", "", _md_table(summary)]
    parts += [
        "## Regencies the projections must pool",
        "",
        "Registered-coverage observations used in analysis; fewer than three means "
        "the projection borrows strength from the province.",
        "",
        _md_table(sparse_regencies(summary)),
    ]
    parts += [
        "## Conflicting figures",
        "",
        "Same region, measure and month, different values. The row marked `used` is the "
        "one analyses use (rule in `uhc_analysis/transform/observations.py`).",
        "",
        _md_table(conflict_table(result.enrolment)),
        "### Population conflicts",
        "",
        _md_table(conflict_table(result.population)),
    ]
    model = model or PopulationModel(result.population)
    checks = recompute_check(result.enrolment, model)
    beyond = checks[checks["beyond_rounding"]]
    parts += [
        "## Published percentages vs recomputed",
        "",
        f"{len(checks)} figures could be checked; {len(beyond)} disagree beyond rounding "
        "(percentage from published counts: > 0.05 points, or 1 % for rounded figures; "
        "implied population vs the Dukcapil series: > 3 %).",
        "",
        _md_table(
            beyond[["region_name", "period", "check", "published", "recomputed", "difference"]]
        ),
    ]
    series = series if series is not None else population_series(result.population, model=model)
    totals = province_total_check(series, result.regions)
    parts += [
        "## Province totals vs the sum of their regencies",
        "",
        "Dates where the province and all its regencies have a population value "
        "(published or interpolated) in the same basis.",
        "",
        _md_table(totals.round({"difference_pct": 2})),
    ]
    if panel is not None and len(panel):
        over = panel[panel["over_100"]]
        parts += [
            "## Coverage above 100 %",
            "",
            "Kept, never capped: it happens when participants registered in a region "
            "outnumber the population of the denominator used.",
            "",
            _md_table(over[["region_name", "period", "measure", "basis", "coverage_pct"]]),
        ]
    rej = result.rejects
    parts += [
        "## Rejected rows",
        "",
        f"{len(rej)} rows rejected.",
        "",
        _md_table(rej[["file", "line", "column", "value", "reason"]]),
    ]
    notes = result.footnotes
    parts += [
        "## Footnote marks",
        "",
        f"{len(notes)} figures carry a footnote mark after the number (e.g. `249711¹`); the "
        "mark is split off, never read as a digit (`footnotes.csv`).",
        "",
        _md_table(notes[["file", "line", "column", "value", "mark"]]),
        "## Files not read",
        "",
        "Files below the raw folder that are neither figures (`*.csv`), reference tables nor "
        "documentation (`*.md`).",
        "",
        _md_table(pd.DataFrame(list(unread), columns=["file", "why"])),
    ]
    parts += [corrections_markdown(result.corrections_applied)]
    parts += [
        "## Contradictions with awards",
        "",
        CONTRADICTIONS_MARKERS[0],
        contradictions_markdown(contradictions),
        CONTRADICTIONS_MARKERS[1],
        "",
    ]
    return "\n".join(parts)


def corrections_markdown(applied: pd.DataFrame) -> str:
    """The "Corrections applied" section: how many, and each one with reason, URL and reviewer.

    ``applied`` is ``corrections_applied.csv`` (the build's log of the reviewed
    corrections, ``uhc_analysis/reference/corrections.csv``, it applied).

    Examples
    --------
    >>> log = pd.DataFrame({"file": ["sumsel/enrolment.csv"], "line": [18],
    ...     "column": ["measure"], "old_value": ["registered"], "new_value": ["active"],
    ...     "reason": ["the source says tingkat keaktifan"], "url": ["https://x.example/a"],
    ...     "reviewer": ["A. Reviewer"]})
    >>> print(corrections_markdown(log))  # doctest: +NORMALIZE_WHITESPACE
    ## Corrections applied
    <BLANKLINE>
    1 reviewed corrections applied to raw cells before cleaning (raw files are never
    edited; the table is `uhc_analysis/reference/corrections.csv`, the log
    `corrections_applied.csv`).
    <BLANKLINE>
    | file | line | column | old_value | new_value | reason | url | reviewer |
    | --- | --- | --- | --- | --- | --- | --- | --- |
    | sumsel/enrolment.csv | 18 | measure | registered | active | the source says tingkat
    keaktifan | https://x.example/a | A. Reviewer |
    <BLANKLINE>
    """
    rows = applied[_CORRECTION_COLUMNS].sort_values(["file", "line", "column"], kind="mergesort")
    return "\n".join(
        [
            "## Corrections applied",
            "",
            f"{len(rows)} reviewed corrections applied to raw cells before cleaning (raw files "
            "are never edited; the table is `uhc_analysis/reference/corrections.csv`, the log "
            "`corrections_applied.csv`).",
            "",
            _md_table(rows.reset_index(drop=True)),
        ]
    )


def contradictions_markdown(contradictions: pd.DataFrame | None) -> str:
    """The body of the "Contradictions with awards" section (between the markers).

    ``contradictions`` is ``uhc_contradictions.csv`` (written by
    ``uhc-analysis status``): figures of registered coverage or activity below
    what a UHC award of the same period implies. None: not checked yet.

    Examples
    --------
    >>> print(contradictions_markdown(None))
    Not checked yet: `uhc-analysis status` fills this section in (from `uhc_contradictions.csv`).
    >>> c = pd.DataFrame({"region_code": ["1602"], "region_name": ["Ogan Komering Ilir"],
    ...     "measure": ["registered"], "figure_observation_id": ["E-1602-2026-01-01-x"],
    ...     "figure_date": ["2026-01-01"], "figure_pct": [81.85], "award_observation_id": ["C"],
    ...     "award_year": [2026], "award_tier": ["pratama"],
    ...     "award_evidence_date": ["2026-01-27"], "implied_min_pct": [98.0],
    ...     "gap_pp": [-16.15], "days_apart": [26.0], "note": ["n"]})
    >>> contradictions_markdown(c).splitlines()[0]
    '1 figures contradict an award of the same period (`uhc_contradictions.csv`): each is \
below the minimum the award implies for its measure, so the figure or the award is wrong, or \
the figure is another measure (a reviewed correction can reclassify it).'
    """
    if contradictions is None:
        return (
            "Not checked yet: `uhc-analysis status` fills this section in "
            "(from `uhc_contradictions.csv`)."
        )
    rows = contradictions.sort_values(
        ["region_code", "figure_date", "award_observation_id", "figure_observation_id"],
        kind="mergesort",
    )
    return "\n".join(
        [
            f"{len(rows)} figures contradict an award of the same period "
            "(`uhc_contradictions.csv`): each is below the minimum the award implies for its "
            "measure, so the figure or the award is wrong, or the figure is another measure "
            "(a reviewed correction can reclassify it).",
            "",
            _md_table(rows[_CONTRADICTION_COLUMNS].reset_index(drop=True)),
        ]
    ).rstrip("\n")


def with_contradictions(summary: str, contradictions: pd.DataFrame) -> str:
    """``summary`` (the text of ``quality_summary.md``) with its contradictions section filled in.

    Replaces what is between :data:`CONTRADICTIONS_MARKERS`, so running the
    status stage again gives the same text.

    Examples
    --------
    >>> markers = [CONTRADICTIONS_MARKERS[0], "old", CONTRADICTIONS_MARKERS[1]]
    >>> text = "# S\\n" + "\\n".join(markers)
    >>> from uhc_analysis.schemas import columns_of
    >>> empty = pd.DataFrame(columns=list(columns_of("uhc_contradictions")))
    >>> print(with_contradictions(text, empty))
    # S
    <!-- contradictions:start -->
    0 figures contradict an award of the same period (`uhc_contradictions.csv`): each is below \
the minimum the award implies for its measure, so the figure or the award is wrong, or the \
figure is another measure (a reviewed correction can reclassify it).
    <BLANKLINE>
    _none_
    <!-- contradictions:end -->
    """
    start, end = CONTRADICTIONS_MARKERS
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if not pattern.search(summary):
        raise ValueError(
            f"the quality summary has no {start!r} ... {end!r} block: rebuild it "
            "(`uhc-analysis build`)"
        )
    body = contradictions_markdown(contradictions)
    return pattern.sub(lambda _: f"{start}\n{body}\n{end}", summary, count=1)
