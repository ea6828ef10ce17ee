"""Write every map and chart of the report to files with stable names and stable bytes.

:func:`export_figures` reads the processed tables through
:func:`uhc_analysis.io.read_table` (``coverage_panel``, ``metrics``,
``projections``, ``projection_paths``, the UHC-status tables ``uhc_status``,
``activity_rates`` and ``uhc_criteria`` and, for the source URLs, the link
tables ``observation_sources``, ``panel_population`` and ``sources``), draws
the maps of :mod:`uhc_analysis.plotting.maps`, the status maps of
:mod:`uhc_analysis.plotting.status_maps` (one per criterion of
:data:`uhc_analysis.analysis.status_views.MAP_CRITERIA`), the activity map and bars of
:mod:`uhc_analysis.plotting.activity` and the charts of
:mod:`uhc_analysis.plotting.charts` for the chosen provinces, and saves each
as PNG (300 dpi), SVG and PDF, plus one interactive HTML map
(:mod:`uhc_analysis.plotting.interactive`).

Reruns on the same inputs give byte-identical PNG, SVG and PDF files: the Agg
backend, a fixed font (DejaVu Sans, shipped with matplotlib), a fixed SVG hash
salt and no timestamps or software versions in the file metadata. Every file
is written atomically (:func:`uhc_analysis.io.atomic_write`).

File names (``{t}`` threshold, ``{p}`` province, ``{c}`` regency, ``{k}``
criterion id, ``{lang}``)::

    map_coverage_{p}_{lang}            map_coverage_all_{lang}
    map_projected_year_{t}_{p}_{lang}  map_projected_year_{t}_all_{lang}
    map_gap_{t}_{p}_{lang}             map_gap_{t}_all_{lang}
    map_status_{k}_{p}_{lang}          map_status_{k}_all_{lang}
    map_activity_{p}_{lang}            map_activity_all_{lang}
    chart_ranked_{p}_{lang}            chart_ranked_all_{lang}
    chart_activity_{p}_{lang}          chart_activity_all_{lang}
    chart_trends_{p}_{lang}            chart_trend_{c}_{lang}
    map_coverage_{lang}.html
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from uhc_analysis import config
from uhc_analysis.io import read_table, table_path
from uhc_analysis.plotting.saving import save_figure

if TYPE_CHECKING:
    import pandas as pd

#: Processed tables read by :func:`export_figures` and the command that writes each.
TABLES: dict[str, str] = {
    "coverage_panel": "build",
    "observation_sources": "build",
    "panel_population": "build",
    "sources": "build",
    "metrics": "metrics",
    "projections": "project",
    "projection_paths": "project",
    "uhc_criteria": "status",
    "uhc_status": "status",
    "activity_rates": "status",
}
#: matplotlib settings that make the output identical across runs and machines.
RC_PARAMS: dict[str, object] = {
    "font.family": "sans-serif",
    # one font, named in the files with common fallbacks, so an SVG opened on a
    # designer's machine keeps its metrics when DejaVu Sans is missing
    "font.sans-serif": ["DejaVu Sans", "Verdana", "Arial", "Helvetica"],
    "svg.hashsalt": "uhc-analysis",
    # SVG text stays text (editable and searchable in Inkscape or Illustrator);
    # PDF embeds TrueType (Type 42) fonts
    "svg.fonttype": "none",
    "pdf.fonttype": 42,
    "savefig.facecolor": "white",
    "figure.facecolor": "white",
}


def read_processed(processed_dir: Path | str | None = None) -> dict[str, pd.DataFrame]:
    """The processed tables of :data:`TABLES`, read with :func:`uhc_analysis.io.read_table`.

    A thin wrapper: it first names every missing table with the command that
    writes it (one message for all), then reads each with ``read_table``,
    which validates it against its schema (:mod:`uhc_analysis.schemas`).

    Raises
    ------
    FileNotFoundError
        Naming the missing files and the commands that build them.
    uhc_analysis.schemas.SchemaError
        If a table breaks its schema.

    Examples
    --------
    >>> import tempfile
    >>> read_processed(tempfile.mkdtemp())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    FileNotFoundError: missing processed tables in ...: coverage_panel.csv, ...
    """
    missing: dict[str, list[str]] = {}
    for name, command in TABLES.items():
        if not table_path(name, processed_dir).is_file():
            missing.setdefault(command, []).append(f"{name}.csv")
    if missing:
        folder = table_path("x", processed_dir).parent
        parts = [f"{', '.join(names)} (run `uhc-analysis {cmd}`)" for cmd, names in missing.items()]
        raise FileNotFoundError(f"missing processed tables in {folder}: {'; '.join(parts)}")
    return {name: read_table(name, processed_dir) for name in TABLES}


def _fmt_threshold(threshold: float) -> str:
    """The threshold as written in file names.

    Examples
    --------
    >>> _fmt_threshold(95.0), _fmt_threshold(97.5)
    ('95', '97p5')
    """
    t = float(threshold)
    return str(int(t)) if t.is_integer() else f"{t:g}".replace(".", "p")


def latest_regencies(
    panel: pd.DataFrame,
    metrics: pd.DataFrame,
    provinces: Sequence[str],
    *,
    measure: str,
    basis: str,
    threshold: float,
) -> pd.DataFrame:
    """Latest panel row of each regency of ``provinces``, as of the date ``metrics.csv`` was made.

    :func:`uhc_analysis.analysis.metrics.latest_coverage` evaluated at the
    latest date among the ``metrics`` rows of ``measure``, ``basis`` and
    ``threshold`` (``uhc-analysis metrics --at`` may have used an earlier
    date than today), so the coverage maps and bars show the figures the gap
    map counts from.

    Raises
    ------
    ValueError
        If those ``metrics`` rows are not the latest panel rows (a panel rebuilt
        after the metrics): run ``uhc-analysis metrics`` again.

    Examples
    --------
    >>> import pandas as pd
    >>> panel = pd.DataFrame({"region_code": ["1701", "1701", "17"], "region_level":
    ...     ["regency", "regency", "province"], "province_code": "17", "measure": "registered",
    ...     "basis": "published", "date": ["2023-06-15", "2024-06-15", "2024-06-15"],
    ...     "observation_id": ["E1", "E2", "E3"], "coverage_pct": [93.0, 96.0, 95.0]})
    >>> metrics = panel.iloc[[0]].assign(threshold=95.0)  # metrics made --at 2023-12-31
    >>> latest_regencies(panel, metrics, ["17"], measure="registered", basis="published",
    ...                  threshold=95)[["region_code", "date", "coverage_pct"]]
      region_code        date  coverage_pct
    0        1701  2023-06-15          93.0
    >>> latest_regencies(panel, metrics.assign(coverage_pct=90.0), ["17"],
    ...                  measure="registered", basis="published", threshold=95)
    Traceback (most recent call last):
    ...
    ValueError: metrics.csv differs from coverage_panel.csv for regencies ['1701']: run `uhc-analysis metrics` again
    """  # noqa: E501
    from uhc_analysis.analysis.metrics import latest_coverage

    def regencies(df: pd.DataFrame) -> pd.DataFrame:
        keep = (df["region_level"] == "regency") & df["province_code"].isin(provinces)
        return df.loc[keep]

    sel = regencies(metrics)
    sel = sel.loc[
        (sel["measure"] == measure)
        & (sel["basis"] == basis)
        & (sel["threshold"].astype(float) == float(threshold))
    ]
    at = sel["date"].max() if len(sel) else None
    latest = regencies(latest_coverage(panel, measure=measure, basis=basis, at=at))
    latest = latest.reset_index(drop=True)
    if len(sel):
        key = ["region_code", "date", "coverage_pct"]
        both = latest[key].merge(sel[key], how="outer", indicator=True)
        stale = sorted(set(both.loc[both["_merge"] != "both", "region_code"]))
        if stale:
            raise ValueError(
                f"metrics.csv differs from coverage_panel.csv for regencies {stale}: "
                "run `uhc-analysis metrics` again"
            )
    return latest


def _with_all_regencies(latest: pd.DataFrame, provinces: Sequence[str]) -> pd.DataFrame:
    """Add a row (coverage missing) for each gazetteer regency absent from ``latest``."""
    import pandas as pd

    from uhc_analysis.boundaries import gazetteer_regencies

    gaz = gazetteer_regencies(provinces)[["bps_code", "name"]]
    merged = gaz.merge(
        latest,
        left_on="bps_code",
        right_on="region_code",
        how="outer",
        validate="1:1",
        indicator=True,
    )
    extra = merged.loc[
        (merged["_merge"] == "right_only") & merged["region_code"].str[:2].isin(provinces),
        "region_code",
    ]
    if len(extra):
        raise ValueError(f"the panel has regencies {sorted(extra)} missing from the gazetteer")
    merged = merged.loc[merged["_merge"] != "right_only"].copy()
    merged["region_code"] = merged["bps_code"]
    merged["region_name"] = merged["region_name"].where(
        merged["region_name"].notna(), merged["name"]
    )
    merged["coverage_pct"] = pd.to_numeric(merged["coverage_pct"])
    merged["lower_bound"] = merged["lower_bound"].eq(True)
    return merged.drop(columns=["bps_code", "name", "_merge"]).reset_index(drop=True)


def export_figures(
    provinces: Sequence[str] = config.FOCUS_PROVINCES,
    lang: str = "en",
    out_dir: Path | str | None = None,
    formats: Sequence[str] = ("png", "svg", "pdf"),
    processed_dir: Path | str | None = None,
    *,
    basis: str = "published",
    measure: str = "registered",
    threshold: float = 95.0,
    status_criteria: Sequence[str] | None = None,
    trend_formats: Sequence[str] | None = None,
    progress: Callable[[str], object] | None = None,
    part: tuple[int, int] = (0, 1),
) -> list[Path]:
    """Write every map and chart for ``provinces``; return the written paths, sorted.

    Parameters
    ----------
    provinces
        2-digit BPS province codes (default the three focus provinces).
    lang
        ``"en"`` or ``"id"``.
    out_dir
        Output folder; default ``config.FIGURES_DIR`` (read at call time).
    formats
        Any of ``"png"`` (300 dpi), ``"svg"``, ``"pdf"``.
    processed_dir
        Folder of the processed tables; default ``config.DATA_PROCESSED``.
    basis
        Denominator basis of the maps and ranked bars (``published``,
        ``dukcapil`` or ``bps``); the trend charts show every basis.
    measure
        ``registered`` (default), ``active`` or ``survey``.
    threshold
        Threshold of the projected-year and gap maps.
    status_criteria
        Criterion ids of ``uhc_status.csv`` to draw a status map of (default
        :data:`uhc_analysis.analysis.status_views.MAP_CRITERIA`); one missing
        from the table is skipped with a line on stderr.
    trend_formats
        Formats of the per-regency trend charts (``chart_trend_<code>``), the
        largest group of figures; default ``("png",)`` when ``formats`` has
        PNG, else ``formats``. Pass ``formats`` again for every format.
    progress
        Called with each figure's file stem once its files are written (the
        figures stage's progress bar; it must pickle to reach a worker process).
    part
        ``(i, n)``: write only the ``i``-th of ``n`` interleaved shares of the
        figures (every ``n``-th figure from the ``i``-th; the interactive map in
        share 0), so ``n`` worker processes can split one language. The files
        of a share are those the whole run writes.

    Returns
    -------
    list of pathlib.Path
        Every file written, sorted.

    Notes
    -----
    Switches matplotlib to the Agg backend (and back afterwards). When the
    boundaries are unavailable (:class:`BoundariesUnavailableError`), one
    sentence goes to stderr and only the charts are written.

    Raises
    ------
    FileNotFoundError
        When a processed table is missing (see :func:`read_processed`), e.g.
        the link tables of a build older than this version of the package.

    Examples
    --------
    >>> import tempfile
    >>> export_figures(("17",), processed_dir=tempfile.mkdtemp())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    FileNotFoundError: missing processed tables in ...: coverage_panel.csv, observation_sources.csv, panel_population.csv, sources.csv (run `uhc-analysis build`); metrics.csv (run `uhc-analysis metrics`); projections.csv, projection_paths.csv (run `uhc-analysis project`); uhc_criteria.csv, uhc_status.csv, activity_rates.csv (run `uhc-analysis status`)
    """  # noqa: E501
    import matplotlib

    previous = matplotlib.get_backend()
    matplotlib.use("Agg")
    try:
        with matplotlib.rc_context(RC_PARAMS):
            return _export(
                tuple(str(p) for p in provinces),
                lang,
                Path(config.FIGURES_DIR if out_dir is None else out_dir),
                tuple(formats),
                processed_dir,
                basis=basis,
                measure=measure,
                threshold=threshold,
                status_criteria=None if status_criteria is None else tuple(status_criteria),
                trend_formats=_trend_formats(tuple(formats), trend_formats),
                progress=progress,
                part=_check_part(part),
            )
    finally:
        if previous.lower() != "agg":
            try:
                matplotlib.use(previous)
            except (ImportError, ValueError):  # e.g. a GUI backend on a headless machine
                pass


def _export(
    provinces: tuple[str, ...],
    lang: str,
    out_dir: Path,
    formats: tuple[str, ...],
    processed_dir: Path | str | None,
    *,
    basis: str,
    measure: str,
    threshold: float,
    status_criteria: tuple[str, ...] | None = None,
    trend_formats: tuple[str, ...] | None = None,
    progress: Callable[[str], object] | None = None,
    part: tuple[int, int] = (0, 1),
) -> list[Path]:
    from uhc_analysis.analysis.status_views import MAP_CRITERIA
    from uhc_analysis.boundaries import (
        BoundariesUnavailableError,
        gazetteer_regencies,
        load_boundaries,
    )
    from uhc_analysis.plotting import activity, bars, charts, interactive, maps, status_maps
    from uhc_analysis.plotting.frames import region_urls

    tables = read_processed(processed_dir)
    panel, metrics = tables["coverage_panel"], tables["metrics"]
    projections, paths = tables["projections"], tables["projection_paths"]
    links = (tables["observation_sources"], tables["sources"], tables["panel_population"])
    latest = latest_regencies(
        panel, metrics, provinces, measure=measure, basis=basis, threshold=threshold
    )
    # source URLs: of each regency's latest figure (maps, bars), of all its figures (trends)
    latest_sources = region_urls(latest, *links)
    shown = panel.loc[
        (panel["measure"] == measure)
        & panel["coverage_pct"].notna()
        & (panel["region_level"] == "regency")
        & panel["province_code"].isin(provinces)
    ]
    trend_sources = region_urls(shown, *links)
    status, criteria = tables["uhc_status"], tables["uhc_criteria"]
    rates = tables["activity_rates"]
    activity_sources = region_urls(_activity_rows(rates, provinces), *links)
    known = set(status["criterion_id"].astype(str))
    status_criteria = MAP_CRITERIA if status_criteria is None else status_criteria
    for crit in status_criteria:
        if crit not in known:
            print(f"Status map of {crit} skipped: not in uhc_status.csv", file=sys.stderr)
    crits = [c for c in status_criteria if c in known]
    thr = _fmt_threshold(threshold)
    written: list[Path] = []

    count = iter(range(1 << 30))

    def save(stem: str, draw: Callable[[], object], kinds: tuple[str, ...] = formats) -> None:
        if next(count) % part[1] != part[0]:
            return
        result = draw()
        fig = result if hasattr(result, "savefig") else result.figure
        written.extend(save_figure(fig, out_dir, stem, kinds))
        if progress is not None:
            progress(stem)

    try:
        boundaries = load_boundaries(list(provinces))
    except BoundariesUnavailableError as exc:
        print(f"Maps skipped: {exc}", file=sys.stderr)
        boundaries = None
    if boundaries is not None:
        gap = metrics.loc[
            (metrics["region_level"] == "regency")
            & (metrics["measure"] == measure)
            & (metrics["basis"] == basis)
        ]
        proj = projections.loc[projections["region_level"] == "regency"]
        kw = {"lang": lang, "boundaries": boundaries}
        src = {"sources": latest_sources}
        for p in provinces:
            save(
                f"map_coverage_{p}_{lang}",
                lambda p=p: maps.plot_coverage_map(latest, p, **kw, **src),
            )
            save(
                f"map_projected_year_{thr}_{p}_{lang}",
                lambda p=p: maps.plot_projected_year_map(proj, p, threshold=threshold, **kw),
            )
            save(
                f"map_gap_{thr}_{p}_{lang}",
                lambda p=p: maps.plot_gap_map(gap, p, threshold=threshold, **kw, **src),
            )
        skw = {"lang": lang, "criteria": criteria}
        akw = {"lang": lang, "criteria": criteria, "sources": activity_sources}
        for p in provinces:
            for crit in crits:
                save(
                    f"map_status_{crit}_{p}_{lang}",
                    lambda p=p, crit=crit: status_maps.status_map(
                        status, boundaries, crit, province=p, **skw
                    ),
                )
            save(
                f"map_activity_{p}_{lang}",
                lambda p=p: activity.activity_map(rates, boundaries, province=p, **akw),
            )
        if len(provinces) > 1:
            for crit in crits:
                save(
                    f"map_status_{crit}_all_{lang}",
                    lambda crit=crit: status_maps.status_map_provinces(
                        status, boundaries, crit, provinces=provinces, **skw
                    ),
                )
            save(
                f"map_activity_all_{lang}",
                lambda: activity.activity_map_provinces(
                    rates, boundaries, provinces=provinces, **akw
                ),
            )
            for kind, frame, stem in (
                ("coverage", latest, f"map_coverage_all_{lang}"),
                ("projected_year", proj, f"map_projected_year_{thr}_all_{lang}"),
                ("gap", gap, f"map_gap_{thr}_all_{lang}"),
            ):
                save(
                    stem,
                    lambda kind=kind, frame=frame: maps.plot_three_province_map(
                        frame, kind=kind, threshold=threshold, provinces=provinces, **kw, **src
                    ),
                )
        if part[0] == 0:
            written.append(
                interactive.interactive_map(
                    latest, provinces, out_dir / f"map_coverage_{lang}.html", **kw, **src
                )
            )

    ranked = _with_all_regencies(latest, provinces)
    models = _fan_models(paths, projections, threshold)
    gaz = gazetteer_regencies(provinces).rename(
        columns={"bps_code": "region_code", "name": "region_name"}
    )[["region_code", "region_name", "province_code"]]
    rkw = {"criteria": criteria, "regions": gaz, "lang": lang, "sources": activity_sources}
    for p in provinces:
        save(
            f"chart_ranked_{p}_{lang}",
            lambda p=p: bars.plot_ranked_bars(ranked, p, lang=lang, sources=latest_sources),
        )
        save(
            f"chart_activity_{p}_{lang}",
            lambda p=p: activity.activity_ranking(rates, p, **rkw),
        )
        save(
            f"chart_trends_{p}_{lang}",
            lambda p=p: charts.plot_province_small_multiples(
                panel, p, lang=lang, measure=measure, sources=trend_sources
            ),
        )
    if len(provinces) > 1:
        save(
            f"chart_ranked_all_{lang}",
            lambda: bars.plot_ranked_bars(ranked, lang=lang, sources=latest_sources),
        )
        save(
            f"chart_activity_all_{lang}",
            lambda: activity.activity_ranking(rates, provinces=provinces, **rkw),
        )
    for code in gazetteer_regencies(provinces)["bps_code"]:
        model = models.get(code)
        save(
            f"chart_trend_{code}_{lang}",
            lambda code=code, model=model: charts.plot_coverage_trend(
                panel,
                code,
                projections_paths=paths if model is not None else None,
                model=model,
                lang=lang,
                measure=measure,
                sources=trend_sources,
            ),
            trend_formats or formats,
        )
    return sorted(written)


def _check_part(part: tuple[int, int]) -> tuple[int, int]:
    """``part`` as two ints, refused unless ``0 <= i < n``.

    Examples
    --------
    >>> _check_part((1, 2))
    (1, 2)
    >>> _check_part((2, 2))
    Traceback (most recent call last):
    ...
    ValueError: part (2, 2): need (i, n) with 0 <= i < n
    """
    i, n = (int(v) for v in part)
    if not 0 <= i < n:
        raise ValueError(f"part {tuple(part)}: need (i, n) with 0 <= i < n")
    return i, n


def _trend_formats(formats: tuple[str, ...], asked: Sequence[str] | None) -> tuple[str, ...]:
    """The formats of the per-regency trend charts (see :func:`export_figures`).

    Examples
    --------
    >>> _trend_formats(("png", "svg", "pdf"), None), _trend_formats(("svg",), None)
    (('png',), ('svg',))
    >>> _trend_formats(("png", "svg"), ["svg", "png"])
    ('svg', 'png')
    """
    if asked is not None:
        return tuple(asked)
    return ("png",) if "png" in formats else formats


def _activity_rows(rates: pd.DataFrame, provinces: Sequence[str]) -> pd.DataFrame:
    """The activity figures the maps and bars show, as panel rows (for their source URLs).

    Examples
    --------
    >>> import pandas as pd
    >>> rates = pd.DataFrame({"region_code": ["1701"], "region_level": "regency",
    ...     "province_code": "17", "date": pd.to_datetime(["2024-08-15"]),
    ...     "observation_id": ["A1"], "per_resident_pct": [89.3],
    ...     "per_resident_basis": "published", "per_participant_pct": [86.0]})
    >>> _activity_rows(rates, ["17"]).values.tolist()
    [['1701', 'A1', 'published']]
    """
    from uhc_analysis.analysis.status_views import latest_activity

    shown = latest_activity(rates, provinces=provinces)
    rows = shown.loc[:, ["region_code", "observation_id", "per_resident_basis"]]
    return rows.rename(columns={"per_resident_basis": "basis"}).reset_index(drop=True)


def _fan_models(paths: pd.DataFrame, projections: pd.DataFrame, threshold: float) -> dict[str, str]:
    """Projection model whose path to draw for each region that has paths.

    A region with paths of one model gets that model. With several, the model
    of its ``projections.csv`` row at ``threshold`` is taken; if that is not
    among them, a ``ValueError`` names the region.

    Examples
    --------
    >>> import pandas as pd
    >>> paths = pd.DataFrame({"region_code": ["1701", "1702", "1702"],
    ...                       "model": ["logit_wls", "logit_wls", "mixed"]})
    >>> proj = pd.DataFrame({"region_code": ["1701", "1702"], "threshold": [95.0, 95.0],
    ...                      "model": ["logit_wls", "mixed"]})
    >>> _fan_models(paths, proj, 95)
    {'1701': 'logit_wls', '1702': 'mixed'}
    """
    chosen = projections.loc[projections["threshold"].astype(float) == float(threshold)]
    preferred = dict(zip(chosen["region_code"], chosen["model"], strict=True))
    out = {}
    for code, models in paths.groupby("region_code")["model"]:
        options = sorted(set(models.dropna()))
        if len(options) == 1:
            out[code] = options[0]
        elif preferred.get(code) in options:
            out[code] = preferred[code]
        else:
            raise ValueError(
                f"projection_paths.csv has models {options} for region {code} and "
                f"projections.csv does not say which one to draw at {threshold} %"
            )
    return out
