"""Write every map and chart of the report to files with stable names and stable bytes.

:func:`export_figures` reads the processed tables (``coverage_panel.csv``,
``metrics.csv``, ``projections.csv``, ``projection_paths.csv``), draws the
maps of :mod:`uhc_analysis.plotting.maps` and the charts of :mod:`uhc_analysis.plotting.charts`
for the chosen provinces, and saves each as PNG (300 dpi), SVG and PDF, plus
one interactive HTML map.

Reruns on the same inputs give byte-identical PNG, SVG and PDF files: the Agg
backend, a fixed font (DejaVu Sans, shipped with matplotlib), a fixed SVG hash
salt and no timestamps or software versions in the file metadata. Every file
is written atomically (:func:`uhc_analysis.io.atomic_write`).

File names (``{t}`` threshold, ``{p}`` province, ``{c}`` regency, ``{lang}``)::

    map_coverage_{p}_{lang}            map_coverage_all_{lang}
    map_projected_year_{t}_{p}_{lang}  map_projected_year_{t}_all_{lang}
    map_gap_{t}_{p}_{lang}             map_gap_{t}_all_{lang}
    chart_ranked_{p}_{lang}            chart_ranked_all_{lang}
    chart_trends_{p}_{lang}            chart_trend_{c}_{lang}
    map_coverage_{lang}.html

Examples
--------
>>> paths = export_figures(provinces=("17",), lang="id", formats=("png",))  # doctest: +SKIP
>>> paths[0].name  # doctest: +SKIP
'chart_ranked_17_id.png'
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from uhc_analysis import config, schemas
from uhc_analysis.io import atomic_write

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

#: Processed tables read by :func:`export_figures`, with their column contracts.
TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "panel": ("coverage_panel.csv", schemas.PANEL),
    "metrics": ("metrics.csv", schemas.METRICS),
    "projections": ("projections.csv", schemas.PROJECTIONS),
    "paths": ("projection_paths.csv", schemas.PROJECTION_PATHS),
}
#: Columns read as text so codes keep their digits and periods stay as written.
TEXT_COLUMNS: tuple[str, ...] = (
    "region_code",
    "province_code",
    "period",
    "date",
    "first_period_reached",
    "first_period_at_or_above",
    "observation_id",
    "population_ids",
    "source_ids",
    "urls",
    "model",
    "status",
    "basis",
    "measure",
)
#: matplotlib settings that make the output identical across runs and machines.
RC_PARAMS: dict[str, object] = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "svg.hashsalt": "uhc-analysis",
    "svg.fonttype": "path",
    "pdf.fonttype": 42,
    "savefig.facecolor": "white",
    "figure.facecolor": "white",
}
#: Metadata that removes timestamps and software versions from each format.
METADATA: dict[str, dict[str, None]] = {
    "png": {"Software": None},
    "svg": {"Date": None},
    "pdf": {"CreationDate": None, "ModDate": None},
}
PNG_DPI = 300


def read_processed(processed_dir: Path | str | None = None) -> dict[str, pd.DataFrame]:
    """Read the four processed tables the figures need, checking their columns.

    Returns a dict with keys ``panel``, ``metrics``, ``projections``, ``paths``.

    Raises
    ------
    FileNotFoundError
        Naming the missing files and the command that builds them.
    uhc_analysis.schemas.SchemaError
        If a table's columns differ from its contract.

    Examples
    --------
    >>> sorted(read_processed())  # doctest: +SKIP
    ['metrics', 'panel', 'paths', 'projections']
    """
    import pandas as pd

    folder = Path(config.DATA_PROCESSED if processed_dir is None else processed_dir)
    missing = [name for name, _ in TABLES.values() if not (folder / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"missing processed tables {missing} in {folder}; "
            "run `uhc-analysis build`, `metrics` and `project` first"
        )
    out = {}
    for key, (name, columns) in TABLES.items():
        header = pd.read_csv(folder / name, nrows=0).columns
        dtype = {c: str for c in TEXT_COLUMNS if c in header}
        df = pd.read_csv(folder / name, dtype=dtype, keep_default_na=True)
        schemas.check_columns(df, columns, name)
        out[key] = df
    return out


def _fmt_threshold(threshold: float) -> str:
    t = float(threshold)
    return str(int(t)) if t.is_integer() else f"{t:g}".replace(".", "p")


def latest_coverage(
    metrics: pd.DataFrame,
    *,
    measure: str = "registered",
    basis: str = "published",
    threshold: float = 95.0,
) -> pd.DataFrame:
    """Latest coverage per regency (one row each) from ``metrics.csv``.

    ``metrics.csv`` has one row per region x measure x basis x threshold at
    each region's latest observation; the coverage does not depend on the
    threshold, so the rows of ``threshold`` are taken.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"region_code": ["1701", "1701"], "region_level": ["regency"] * 2,
    ...     "measure": ["registered"] * 2, "basis": ["published"] * 2, "threshold": [95, 98],
    ...     "coverage_pct": [96.0, 96.0]})
    >>> latest_coverage(m)["coverage_pct"].tolist()
    [96.0]
    """
    sel = metrics.loc[
        (metrics["region_level"] == "regency")
        & (metrics["measure"] == measure)
        & (metrics["basis"] == basis)
        & (metrics["threshold"].astype(float) == float(threshold))
    ].copy()
    dup = sorted(sel.loc[sel["region_code"].duplicated(), "region_code"].unique())
    if dup:
        raise ValueError(
            f"metrics.csv has several rows for regencies {dup} at one "
            f"measure/basis/threshold ({measure}, {basis}, {threshold})"
        )
    return sel.reset_index(drop=True)


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
        raise ValueError(f"metrics.csv has regencies {sorted(extra)} missing from the gazetteer")
    merged = merged.loc[merged["_merge"] != "right_only"].copy()
    merged["region_code"] = merged["bps_code"]
    merged["region_name"] = merged["region_name"].where(
        merged["region_name"].notna(), merged["name"]
    )
    merged["coverage_pct"] = pd.to_numeric(merged["coverage_pct"])
    return merged.drop(columns=["bps_code", "name", "_merge"]).reset_index(drop=True)


def _save(fig: Figure, out_dir: Path, stem: str, formats: Sequence[str]) -> list[Path]:
    """Save ``fig`` once per format, atomically, without timestamps; close it."""
    import matplotlib.pyplot as plt

    written = []
    try:
        for fmt in formats:
            if fmt not in METADATA:
                raise ValueError(f"unknown figure format {fmt!r}; use some of {tuple(METADATA)}")
            kwargs: dict[str, object] = {
                "format": fmt,
                "metadata": METADATA[fmt],
                "bbox_inches": "tight",
                "pad_inches": 0.15,
            }
            if fmt == "png":
                kwargs["dpi"] = PNG_DPI

            def write(tmp: Path, kwargs: dict[str, object] = kwargs) -> None:
                fig.savefig(tmp, **kwargs)

            written.append(atomic_write(out_dir / f"{stem}.{fmt}", write))
    finally:
        plt.close(fig)
    return written


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

    Returns
    -------
    list of pathlib.Path
        Every file written, sorted.

    Notes
    -----
    Switches matplotlib to the Agg backend (and back afterwards). When the
    boundaries are unavailable (:class:`BoundariesUnavailableError`), one
    sentence goes to stderr and only the charts are written.

    Examples
    --------
    >>> export_figures(("17",), lang="en", formats=("png",))  # doctest: +SKIP
    [PosixPath('.../chart_ranked_17_en.png'), ...]
    """
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
) -> list[Path]:
    from uhc_analysis.boundaries import (
        BoundariesUnavailableError,
        gazetteer_regencies,
        load_boundaries,
    )
    from uhc_analysis.plotting import charts, maps

    tables = read_processed(processed_dir)
    panel, metrics = tables["panel"], tables["metrics"]
    projections, paths = tables["projections"], tables["paths"]
    latest = latest_coverage(metrics, measure=measure, basis=basis, threshold=threshold)
    latest = latest.loc[latest["region_code"].str[:2].isin(provinces)]
    thr = _fmt_threshold(threshold)
    written: list[Path] = []

    def save(stem: str, draw: Callable[[], object]) -> None:
        result = draw()
        fig = result if hasattr(result, "savefig") else result.figure
        written.extend(_save(fig, out_dir, stem, formats))

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
        for p in provinces:
            save(f"map_coverage_{p}_{lang}", lambda p=p: maps.plot_coverage_map(latest, p, **kw))
            save(
                f"map_projected_year_{thr}_{p}_{lang}",
                lambda p=p: maps.plot_projected_year_map(proj, p, threshold=threshold, **kw),
            )
            save(
                f"map_gap_{thr}_{p}_{lang}",
                lambda p=p: maps.plot_gap_map(gap, p, threshold=threshold, **kw),
            )
        if len(provinces) > 1:
            for kind, frame, stem in (
                ("coverage", latest, f"map_coverage_all_{lang}"),
                ("projected_year", proj, f"map_projected_year_{thr}_all_{lang}"),
                ("gap", gap, f"map_gap_{thr}_all_{lang}"),
            ):
                save(
                    stem,
                    lambda kind=kind, frame=frame: maps.plot_three_province_map(
                        frame, kind=kind, threshold=threshold, provinces=provinces, **kw
                    ),
                )
        written.append(
            maps.interactive_map(latest, provinces, out_dir / f"map_coverage_{lang}.html", **kw)
        )

    ranked = _with_all_regencies(latest, provinces)
    models = _fan_models(paths, projections, threshold)
    for p in provinces:
        save(f"chart_ranked_{p}_{lang}", lambda p=p: charts.plot_ranked_bars(ranked, p, lang=lang))
        save(
            f"chart_trends_{p}_{lang}",
            lambda p=p: charts.plot_province_small_multiples(panel, p, lang=lang, measure=measure),
        )
    if len(provinces) > 1:
        save(f"chart_ranked_all_{lang}", lambda: charts.plot_ranked_bars(ranked, lang=lang))
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
            ),
        )
    return sorted(written)


def _fan_models(paths: pd.DataFrame, projections: pd.DataFrame, threshold: float) -> dict[str, str]:
    """Projection model whose path to draw for each region that has paths.

    A region with paths of one model gets that model. With several, the model
    of its ``projections.csv`` row at ``threshold`` is taken; if that is not
    among them, a ``ValueError`` names the region.
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
