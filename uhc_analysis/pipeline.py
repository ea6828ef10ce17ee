"""The one orchestrator: raw -> processed -> metrics -> projections -> figures -> notebooks.

This is the only module that knows the order of the stages and where each
stage's inputs and outputs live. Stage modules (``ingest``, ``transform``,
``analysis``, ``plotting``) take frames and return frames; every read and
write of ``data/processed`` goes through :mod:`uhc_analysis.io`. The command
line (:mod:`uhc_analysis.cli`) and the Makefile call the functions here. Every
stage that writes ``data/processed`` publishes its files as one unit through
:func:`uhc_analysis.io.staged_outputs` (under the folder's writer lock, with
``manifest.json`` updated), so readers never take a half-published set, and
then rewrites ``datapackage.json`` (:mod:`uhc_analysis.datapackage`, a
Frictionless data package of every processed table with its Table Schema).

============  =====================================  ======================================
stage         reads                                  writes
============  =====================================  ======================================
build         ``data/raw/**.csv``                    observations, sources, rejects,
                                                     footnotes, accounting, raw_manifest,
                                                     regions, panel,
                                                     population series, link tables
                                                     (observation_sources, _raw_rows,
                                                     panel_population, ...), quality summary
metrics       coverage_panel, commitments            metrics, budget_check
project       coverage_panel, commitments,           time_to_uhc, projections,
              regions, criteria                      projection_paths, backtest_predictions,
                                                     backtest_scores
status        criteria, panel, commitments,          uhc_criteria, uhc_status,
              time_to_uhc, projection_paths          uhc_contradictions, award_evidence,
                                                     activity_rates
figures       panel, metrics, projections, paths     ``reports/figures/*``
findings      regions, panel, projections,           ``reports/findings.md`` (+ README)
              uhc_status, backtest_scores
notebooks     processed tables, figures              ``reports/*.ipynb``, ``*.html``
============  =====================================  ======================================

Examples
--------
>>> from uhc_analysis import pipeline
>>> pipeline.STAGES
('build', 'metrics', 'project', 'status', 'figures', 'findings', 'notebooks')
"""

from __future__ import annotations

import dataclasses
import os
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from uhc_analysis import config
from uhc_analysis.io import read_table, staged_outputs, table_path, write_table, write_text

if TYPE_CHECKING:
    from uhc_analysis.transform.clean import CleanSettings
    from uhc_analysis.transform.observations import CleanResult

#: The stages in the order :func:`run_all` runs them.
STAGES: tuple[str, ...] = (
    "build",
    "metrics",
    "project",
    "status",
    "figures",
    "findings",
    "notebooks",
)

_STATUS_MARKERS = ("<!-- status:start -->", "<!-- status:end -->")
_OUTPUTS_MARKERS = ("<!-- outputs:start -->", "<!-- outputs:end -->")
_FINDINGS_MARKERS = ("<!-- findings:start -->", "<!-- findings:end -->")
_BACKTEST_MARKERS = ("<!-- backtest:start -->", "<!-- backtest:end -->")


def _folder(path: Path | str | None, default: Path) -> Path:
    return Path(default if path is None else path)


def _describe(out: Path, stage: Path) -> None:
    """``datapackage.json`` of the set as it will be once ``stage`` is published into ``out``."""
    from uhc_analysis.datapackage import write_datapackage

    write_datapackage(out, staged=stage)


# --------------------------------------------------------------------------- build


def write_clean(result: CleanResult, out_dir: Path | str) -> list[Path]:
    """Write the cleaned tables of ``result`` to ``out_dir`` (atomically, stable bytes)."""
    return [
        write_table(result.regions, "regions", out_dir),
        write_table(result.enrolment, "enrolment", out_dir),
        write_table(result.population, "population", out_dir),
        write_table(result.commitments, "commitments", out_dir),
        write_table(result.sources, "sources", out_dir),
        write_table(result.rejects, "rejects", out_dir),
        write_table(result.accounting, "accounting", out_dir),
        write_table(result.manifest, "raw_manifest", out_dir),
        write_table(result.observation_sources, "observation_sources", out_dir),
        write_table(result.observation_raw_rows, "observation_raw_rows", out_dir),
    ]


def build(
    raw_dir: Path | str | None = None,
    out_dir: Path | str | None = None,
    *,
    verbose: bool = True,
    settings: CleanSettings | None = None,
    corrections: Path | str | None = None,
    allow_empty: bool = False,
) -> CleanResult:
    """Raw figures -> ``data/processed`` (``uhc-analysis build``).

    Applies the reviewed corrections table to the raw rows (``corrections``;
    default: ``uhc_analysis/reference/corrections.csv`` when building
    ``data/raw``, none for another raw folder) and lists each one applied in
    ``corrections_applied.csv``; a correction that no longer matches its raw
    cell fails the build. Cleans every raw file, assembles the coverage panel
    and the population series, writes the data-quality summary. Everything is
    computed before anything is written; the files go to a staging folder and
    are then moved into place, so a build killed half-way leaves the previous
    outputs intact. A raw folder that yields no observation is refused (the
    previous set stays) unless ``allow_empty``; files below it that are not
    read are named (printed and listed in the quality summary).

    Examples
    --------
    >>> import tempfile
    >>> out = tempfile.mkdtemp()
    >>> result = build(out_dir=out, verbose=False)
    >>> (Path(out) / "coverage_panel.csv").is_file(), len(result.rejects)
    (True, 0)
    """
    from uhc_analysis.analysis.quality import quality_summary
    from uhc_analysis.ingest.raw import unread_files
    from uhc_analysis.transform.observations import (
        check_not_empty,
        clean_all,
        format_accounting,
    )
    from uhc_analysis.transform.panel import coverage_panel_tables
    from uhc_analysis.transform.population import PopulationModel, population_series_tables

    raw = _folder(raw_dir, config.DATA_RAW)
    out = _folder(out_dir, config.DATA_PROCESSED)
    result = clean_all(raw, settings, corrections=corrections)
    if not allow_empty:
        check_not_empty(result, raw)
    unread = unread_files(raw)
    model = PopulationModel(result.population)
    cov, cov_links = coverage_panel_tables(
        result.enrolment,
        result.population,
        model=model,
        observation_sources=result.observation_sources,
        sources=result.sources,
    )
    pop, pop_links = population_series_tables(result.population, model=model)
    summary = quality_summary(result, cov, model=model, series=pop, unread=unread)
    with staged_outputs(out) as stage:
        write_clean(result, stage)
        write_table(result.corrections_applied, "corrections_applied", stage)
        write_table(result.footnotes, "footnotes", stage)
        write_table(cov, "coverage_panel", stage)
        write_table(cov_links, "panel_population", stage)
        write_table(pop, "population_series", stage)
        write_table(pop_links, "population_series_observations", stage)
        write_text(summary, stage / "quality_summary.md")
        _describe(out, stage)
    if verbose:
        for name, why in unread:
            print(f"not read: {name} ({why})")
        print(format_accounting(result.accounting))
        print(
            f"observations: enrolment {len(result.enrolment)}, "
            f"population {len(result.population)}, "
            f"commitments {len(result.commitments)}; sources {len(result.sources)}; "
            f"rejects {len(result.rejects)}; panel rows {len(cov)} -> {out}"
        )
    return result


# --------------------------------------------------------------------------- metrics


def metrics(processed_dir: Path | str | None = None, *, at: str | None = None) -> Path:
    """``coverage_panel`` -> ``metrics.csv`` and ``budget_check.csv`` (``uhc-analysis metrics``)."""
    from uhc_analysis.analysis.metrics import budget_check, uhc_metrics

    out = _folder(processed_dir, config.DATA_PROCESSED)
    panel = read_table("coverage_panel", out)
    budgets = budget_check(read_table("commitments", out))
    table = uhc_metrics(panel, at=at)
    with staged_outputs(out) as stage:  # published with the manifest, under the lock
        write_table(budgets, "budget_check", stage)
        write_table(table, "metrics", stage)
        _describe(out, stage)
    return table_path("metrics", out)


# --------------------------------------------------------------------------- projections


def project(
    processed_dir: Path | str | None = None,
    raw_dir: Path | str | None = None,
    *,
    as_of: str | None = None,
) -> list[Path]:
    """Time to UHC with the default model, and its strict as-of backtest (``uhc-analysis project``).

    Reads ``coverage_panel``, ``commitments``, ``regions`` and the criteria
    (``data/raw/national/uhc_criteria.csv``: awards are read by their year's
    criteria, and every coverage + activity pair of a criterion is projected
    jointly); writes ``time_to_uhc.csv`` (every region x measure x threshold),
    ``projections.csv`` (its registered-coverage rows, which the charts read),
    ``projection_paths.csv``, ``backtest_predictions.csv`` and
    ``backtest_scores.csv``. ``as_of`` defaults to ``UHC_ANALYSIS_TODAY`` or
    the real date.
    """
    from uhc_analysis.analysis.forecast import ForecastSettings, run_backtest
    from uhc_analysis.analysis.forecast import project as forecast_project
    from uhc_analysis.analysis.forecast.tables import projections_table, time_to_uhc_table
    from uhc_analysis.analysis.regions import focus_regions
    from uhc_analysis.ingest.criteria import joint_thresholds, load_criteria

    out = _folder(processed_dir, config.DATA_PROCESSED)
    panel = read_table("coverage_panel", out)
    # a panel without commitments (awards) is a valid input, e.g. a user's own panel
    has_commitments = table_path("commitments", out).is_file()
    commitments = read_table("commitments", out) if has_commitments else None
    criteria = load_criteria(_folder(raw_dir, config.DATA_RAW) / "national" / "uhc_criteria.csv")
    regions = focus_regions(read_table("regions", out))
    joint = joint_thresholds(criteria)
    settings = dataclasses.replace(
        ForecastSettings(),
        joint=joint,
        activity_thresholds=tuple(sorted({a for _, a in joint})) or (80.0,),
    )
    crossings, paths = forecast_project(
        panel,
        commitments,
        as_of=as_of or config.today(),
        settings=settings,
        criteria=criteria,
        gazetteer=regions,
    )
    time_to_uhc = time_to_uhc_table(crossings, regions)
    predictions, scores = run_backtest(panel, commitments, settings, criteria=criteria)
    with staged_outputs(out) as stage:
        write_table(time_to_uhc, "time_to_uhc", stage)
        write_table(projections_table(time_to_uhc), "projections", stage)
        write_table(paths, "projection_paths", stage)
        write_table(predictions, "backtest_predictions", stage)
        write_table(scores, "backtest_scores", stage)
        _describe(out, stage)
    names = ("time_to_uhc", "projections", "projection_paths")
    names += ("backtest_predictions", "backtest_scores")
    return [table_path(name, out) for name in names]


# --------------------------------------------------------------------------- UHC status


def status(
    processed_dir: Path | str | None = None,
    raw_dir: Path | str | None = None,
    *,
    as_of: str | None = None,
) -> list[Path]:
    """Every focus region against every UHC criterion, with evidence and its age.

    Reads ``data/raw/national/uhc_criteria.csv`` (the criteria by year and tier,
    reviewed by ``uhc_analysis/reference/criteria_decisions.csv``), the panel,
    the awards and the projections; writes ``uhc_criteria.csv``,
    ``uhc_status.csv``, ``uhc_contradictions.csv``, ``award_evidence.csv`` and
    ``activity_rates.csv`` (``uhc-analysis status``). ``as_of`` defaults to
    ``UHC_ANALYSIS_TODAY`` or the real date.
    """
    from uhc_analysis.analysis.quality import with_contradictions
    from uhc_analysis.analysis.uhc_status import uhc_status
    from uhc_analysis.ingest.criteria import load_criteria

    out = _folder(processed_dir, config.DATA_PROCESSED)
    criteria = load_criteria(_folder(raw_dir, config.DATA_RAW) / "national" / "uhc_criteria.csv")
    result = uhc_status(
        read_table("coverage_panel", out),
        read_table("commitments", out),
        criteria,
        read_table("regions", out),
        read_table("time_to_uhc", out),
        read_table("projection_paths", out),
        as_of=as_of,
    )
    with staged_outputs(out) as stage:
        write_table(criteria, "uhc_criteria", stage)
        write_table(result.status, "uhc_status", stage)
        write_table(result.contradictions, "uhc_contradictions", stage)
        write_table(result.awards, "award_evidence", stage)
        write_table(result.activity, "activity_rates", stage)
        summary = out / "quality_summary.md"  # the build's summary gains the contradictions
        if summary.is_file():
            text = with_contradictions(summary.read_text(encoding="utf-8"), result.contradictions)
            write_text(text, stage / "quality_summary.md")
        _describe(out, stage)
    names = ("uhc_criteria", "uhc_status", "uhc_contradictions", "award_evidence", "activity_rates")
    return [table_path(name, out) for name in names]


# --------------------------------------------------------------------------- figures


def figures(
    provinces: Sequence[str] = config.FOCUS_PROVINCES,
    lang: str | Sequence[str] = "en",
    figures_dir: Path | str | None = None,
    formats: Sequence[str] = ("png", "svg", "pdf"),
    processed_dir: Path | str | None = None,
    *,
    trend_formats: Sequence[str] | None = None,
    workers: int | None = None,
) -> list[Path]:
    """Every map and chart -> ``reports/figures`` (``uhc-analysis figures``).

    ``lang`` is one language or several. The figures are drawn in parallel
    worker processes (``concurrent.futures.ProcessPoolExecutor``, ``workers``
    of them, default the number of CPUs): each language is split into as
    many interleaved shares (``export_figures(part=...)``) as it takes to give
    every worker one, so one language uses every core too; each file is
    written by exactly one share. ``trend_formats``: formats of the
    per-regency trend charts, the largest group (default: PNG only; pass
    ``formats`` to get them all).
    """
    import os
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    langs = [lang] if isinstance(lang, str) else list(dict.fromkeys(lang))
    cpus = workers or os.cpu_count() or 1
    shares = -(-cpus // len(langs)) if langs else 1
    jobs = [
        {
            "provinces": tuple(provinces),
            "lang": one,
            "out_dir": figures_dir,
            "formats": tuple(formats),
            "processed_dir": processed_dir,
            "trend_formats": None if trend_formats is None else tuple(trend_formats),
            "part": (i, shares),
        }
        for one in langs
        for i in range(shares)
    ]
    from tqdm import tqdm

    n = min(len(jobs), cpus)
    # a bar on a terminal's stderr only (tqdm's disable=None); then each figure ticks it
    with tqdm(desc="figures", unit="figure", disable=None, file=sys.stderr) as bar:
        if n <= 1:
            tick = None if bar.disable else (lambda _stem: bar.update())
            return sorted(p for job in jobs for p in _figures_job({**job, "progress": tick}))
        if bar.disable:
            with ProcessPoolExecutor(n, mp_context=get_context("spawn")) as pool:
                return sorted(p for done in pool.map(_figures_job, jobs) for p in done)
        return _figures_with_bar(jobs, n, bar)


def _figures_with_bar(jobs: list[dict[str, Any]], n: int, bar: Any) -> list[Path]:
    """The worker processes of :func:`figures`, each figure they write ticking ``bar``."""
    import queue
    from concurrent.futures import ProcessPoolExecutor, wait
    from multiprocessing import get_context

    ctx = get_context("spawn")
    with ctx.Manager() as manager, ProcessPoolExecutor(n, mp_context=ctx) as pool:
        ticks = manager.Queue()
        futures = [pool.submit(_figures_job, {**job, "progress": ticks.put}) for job in jobs]
        pending = set(futures)
        while pending:
            _, pending = wait(pending, timeout=0.2)
            try:
                while True:
                    ticks.get_nowait()
                    bar.update()
            except queue.Empty:
                pass
        return sorted(p for f in futures for p in f.result())


def _figures_job(job: dict[str, Any]) -> list[Path]:
    """One share of one language of :func:`figures` (top level, so a worker process can run it)."""
    from uhc_analysis.plotting.export import export_figures

    return export_figures(**job)


# --------------------------------------------------------------------------- findings


def update_readme_block(readme: Path | str, text: str, markers: tuple[str, str]) -> None:
    """Replace the text between two HTML-comment markers of ``readme``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "R.md"
    >>> _ = p.write_text("a\\n<!-- x -->\\nold\\n<!-- y -->\\nb\\n")
    >>> update_readme_block(p, "new", ("<!-- x -->", "<!-- y -->"))
    >>> p.read_text()
    'a\\n<!-- x -->\\nnew\\n<!-- y -->\\nb\\n'
    """
    content = Path(readme).read_text(encoding="utf-8")
    start, end = markers
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if not pattern.search(content):
        raise ValueError(f"{readme}: markers {start!r} … {end!r} not found")
    new = pattern.sub(lambda _: f"{start}\n{text.rstrip()}\n{end}", content)
    write_text(new, readme)


def findings(
    processed_dir: Path | str | None = None,
    reports_dir: Path | str | None = None,
    readme: Path | str | None = None,
) -> Path:
    """``reports/findings.md``; with ``readme``, also its findings and backtest blocks."""
    from uhc_analysis.analysis.findings import (
        backtest_markdown,
        findings_markdown,
        findings_table,
        status_markdown,
    )

    out = _folder(processed_dir, config.DATA_PROCESSED)
    status_table = read_table("uhc_status", out)
    table = findings_table(
        read_table("regions", out),
        read_table("coverage_panel", out),
        status_table,
        read_table("time_to_uhc", out),
    )
    text = findings_markdown(table, status_table)
    status_text = status_markdown(status_table)
    path = write_text(
        status_text + "\n" + text, _folder(reports_dir, config.REPORTS_DIR) / "findings.md"
    )
    if readme is not None:
        from uhc_analysis.analysis.catalogue import catalogue_markdown

        if _OUTPUTS_MARKERS[0] in Path(readme).read_text(encoding="utf-8"):  # optional block
            update_readme_block(readme, catalogue_markdown(), _OUTPUTS_MARKERS)
        update_readme_block(readme, status_text, _STATUS_MARKERS)
        update_readme_block(readme, text, _FINDINGS_MARKERS)
        update_readme_block(
            readme, backtest_markdown(read_table("backtest_scores", out)), _BACKTEST_MARKERS
        )
    return path


# --------------------------------------------------------------------------- notebooks


def notebooks(
    paths: Sequence[Path | str] | None = None,
    parameters: Mapping[str, Any] | None = None,
    out_dir: Path | str | None = None,
    *,
    floor: bool = False,
) -> int:
    """Execute the numbered notebooks headless (``uhc-analysis notebooks``); the exit code.

    ``floor``: also time a bare ``jupyter nbconvert --execute`` of an empty
    notebook, into ``rerun_times.json`` (``--floor``).

    The default run writes to ``reports/``; a run with other parameters (one
    province, the other language, ...) to its own folder,
    ``reports/runs/<provinces>-<lang>/`` (:func:`~uhc_analysis.notebook_parameters.run_folder`),
    so it never overwrites the default run's notebooks.
    """
    from uhc_analysis.notebook_parameters import run_folder
    from uhc_analysis.notebooks import run_notebooks

    folder = Path(out_dir) if out_dir else run_folder(parameters or {}, config.REPORTS_DIR)
    return run_notebooks(
        paths or None,
        parameters=parameters,
        out_dir=folder,
        workers=os.cpu_count() or 1,
        floor=floor,
    )


# --------------------------------------------------------------------------- everything


def run_all(
    raw_dir: Path | str | None = None,
    processed_dir: Path | str | None = None,
    *,
    provinces: Sequence[str] = config.FOCUS_PROVINCES,
    langs: Sequence[str] = ("en", "id"),
    formats: Sequence[str] = ("png", "svg", "pdf"),
    figures_dir: Path | str | None = None,
    readme: Path | str | None = None,
    run_notebooks: bool = True,
    at: str | None = None,
    trend_formats: Sequence[str] | None = None,
    reports_dir: Path | str | None = None,
) -> int:
    """Every stage in order (``uhc-analysis all``); returns the notebooks' exit code.

    Build, metrics, projections, statuses, figures (each language in a worker
    process), findings and, unless ``run_notebooks`` is false, the notebooks.
    ``reports_dir`` (default ``reports/``) receives the findings, the figures
    (unless ``figures_dir`` names another folder) and the executed notebooks.

    Examples
    --------
    >>> import tempfile
    >>> tmp = Path(tempfile.mkdtemp())
    >>> run_all(processed_dir=tmp / "processed", reports_dir=tmp / "reports", provinces=("17",),
    ...         langs=("en",), formats=("png",), run_notebooks=False)  # doctest: +ELLIPSIS
    file ... read  kept merged rejected
    ...
    0
    >>> sorted(p.name for p in (tmp / "reports").glob("*.md"))
    ['findings.md']
    >>> (tmp / "reports" / "figures" / "map_coverage_17_en.png").is_file()
    True
    """
    build(raw_dir, processed_dir)
    print(f"wrote {metrics(processed_dir, at=at)}")
    for path in project(processed_dir, raw_dir, as_of=at):
        print(f"wrote {path}")
    for path in status(processed_dir, raw_dir, as_of=at):
        print(f"wrote {path}")
    if figures_dir is None and reports_dir is not None:
        figures_dir = Path(reports_dir) / "figures"
    written = figures(
        provinces, list(langs), figures_dir, formats, processed_dir, trend_formats=trend_formats
    )
    print(f"wrote {len(written)} files ({', '.join(langs)})")
    print(f"wrote {findings(processed_dir, reports_dir, readme=readme)}")
    if not run_notebooks:
        return 0
    params: dict[str, Any] = {"provinces": list(provinces), "lang": langs[0]}
    # folders only when not the defaults: the default run goes to reports/, and executed
    # notebooks carry no machine paths
    if processed_dir is not None and Path(processed_dir) != config.DATA_PROCESSED:
        params["processed_dir"] = str(processed_dir)
    if figures_dir is not None and Path(figures_dir) != config.FIGURES_DIR:
        params["figures_dir"] = str(figures_dir)
    from uhc_analysis.notebook_parameters import run_folder

    folder = run_folder(params, _folder(reports_dir, config.REPORTS_DIR))
    return notebooks(parameters=params, out_dir=folder)
