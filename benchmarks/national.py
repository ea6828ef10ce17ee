"""National-scale benchmark: synthetic raw data -> build -> panel -> projections -> map.

One command::

    python benchmarks/national.py [--regions N] [--years Y] [--json out.json]

generates the synthetic national dataset of :mod:`synthetic` (every regency
of the gazetteer, monthly 2014-01 to 2025-12 by default) in a temporary
folder, then runs each stage in a fresh Python process and records its wall
time and peak resident memory (``resource.getrusage(...).ru_maxrss``):

``import``
    ``import uhc_analysis`` (lazy; target < 0.5 s), and, for information,
    ``import uhc_analysis.transform.clean`` (pandas and friends).
``read_csv``
    ``pd.read_csv`` of every raw file as text: the floor the build is compared
    with (``build / read_csv`` ratio).
``build``
    :func:`uhc_analysis.pipeline.build` (raw -> ``processed/``: clean tables,
    coverage panel, population series, quality summary), as ``uhc-analysis
    build`` runs it. The coverage panel is part of it.
``panel``
    :func:`uhc_analysis.transform.panel.coverage_panel` alone, on the processed tables
    (already included in ``build``; shown to split the build time).
``projections``
    :func:`uhc_analysis.analysis.forecast.project` for every province of the
    data (skipped, with a note, if the module or function is missing).
``map``
    one national coverage map with :mod:`uhc_analysis.plotting.maps` (skipped, with a
    note, if the module or the boundaries are unavailable).

Each stage reports ``work_s`` (the stage's own work, measured inside the
child after its imports) and ``process_s`` (the whole child, interpreter and
imports included). The pipeline total compared with the target is
``build + projections`` work time (the build contains the panel). The
targets are reported, never enforced: the script exits 0 whatever the
figures, and 1 only if a stage fails.

``--profile N`` adds a cProfile run of the build (slower; not part of the
timings) and prints its top ``N`` functions by own time and by cumulative
time.

This file imports nothing heavy at module level, so the ``import`` stage of
its child processes measures a cold ``import uhc_analysis``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
#: Reference date of the benchmark build (rows after it are "future").
TODAY = "2026-11-23"
#: Targets of the "Scale and robustness" issue (reported, not enforced).
TARGETS = {"import_s": 0.5, "pipeline_s": 15.0, "peak_rss_mib": 2048.0}
STAGES: tuple[str, ...] = ("import", "read_csv", "build", "panel", "projections", "map")
STAGE_TIMEOUT_S = 3600


# --------------------------------------------------------------------------- child side


def _peak_rss_mib() -> float:
    """Peak resident set size of this process in MiB (``ru_maxrss`` is KiB on Linux)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024 / (1024 if sys.platform == "darwin" else 1)


def _stage_import(args: dict[str, Any]) -> dict[str, Any]:
    t0 = time.perf_counter()
    import uhc_analysis  # noqa: F401

    t1 = time.perf_counter()
    import uhc_analysis.transform.clean  # noqa: F401

    t2 = time.perf_counter()
    return {
        "work_s": t1 - t0,
        "import_clean_s": t2 - t1,
        "note": "work_s: import uhc_analysis; import_clean_s: + uhc_analysis.transform.clean",
    }


def _stage_read_csv(args: dict[str, Any]) -> dict[str, Any]:
    import pandas as pd

    files = sorted(Path(args["raw_dir"]).rglob("*.csv"))
    t0 = time.perf_counter()
    rows = sum(len(pd.read_csv(f, dtype=str, keep_default_na=False)) for f in files)
    return {"work_s": time.perf_counter() - t0, "rows": rows, "files": len(files)}


def _build(args: dict[str, Any]) -> Any:
    from uhc_analysis import pipeline
    from uhc_analysis.transform import clean

    settings = clean.CleanSettings(today=args["today"])
    return pipeline.build(
        Path(args["raw_dir"]), Path(args["out_dir"]), verbose=False, settings=settings
    )


def _stage_build(args: dict[str, Any]) -> dict[str, Any]:
    import uhc_analysis.analysis.quality  # noqa: F401
    import uhc_analysis.transform.clean  # noqa: F401  (imports are not part of the build time)
    import uhc_analysis.transform.panel  # noqa: F401

    t0 = time.perf_counter()
    result = _build(args)
    work = time.perf_counter() - t0
    acc = result.accounting
    totals = {k: int(acc[k].sum()) for k in ("read", "kept", "merged", "rejected")}
    reasons: dict[str, int] = {}
    for reason in result.rejects["reason"]:
        category = _reject_category(reason)
        reasons[category] = reasons.get(category, 0) + 1
    return {
        "work_s": work,
        "accounting": totals,
        "balanced": bool(acc["balanced"].all()),
        "rejects_by_category": reasons,
        "rows": {
            "enrolment": len(result.enrolment),
            "population": len(result.population),
            "commitments": len(result.commitments),
        },
    }


def _stage_profile(args: dict[str, Any]) -> dict[str, Any]:
    import cProfile
    import io
    import pstats

    import uhc_analysis.analysis.quality  # noqa: F401
    import uhc_analysis.transform.clean  # noqa: F401
    import uhc_analysis.transform.panel  # noqa: F401

    profiler = cProfile.Profile()
    t0 = time.perf_counter()
    profiler.enable()
    _build(args)
    profiler.disable()
    work = time.perf_counter() - t0
    out: dict[str, Any] = {"work_s": work, "note": "under cProfile (slower than build)"}
    for order in ("tottime", "cumulative"):
        buf = io.StringIO()
        stats = pstats.Stats(profiler, stream=buf)
        stats.sort_stats(order)
        rows = []
        for func in stats.fcn_list[: args["profile_top"]]:  # type: ignore[attr-defined]
            cc, nc, tt, ct, _ = stats.stats[func]  # type: ignore[attr-defined]
            filename, line, name = func
            short = filename.split("site-packages/")[-1].split("/work/main/")[-1]
            rows.append(
                {
                    "function": f"{short}:{line}({name})",
                    "calls": nc,
                    "tottime_s": round(tt, 3),
                    "cumtime_s": round(ct, 3),
                }
            )
        out[f"top_{order}"] = rows
    return out


def _stage_panel(args: dict[str, Any]) -> dict[str, Any]:
    from uhc_analysis.io import load_processed
    from uhc_analysis.transform import panel

    t0 = time.perf_counter()
    enrolment = load_processed("enrolment", Path(args["out_dir"]))
    population = load_processed("population", Path(args["out_dir"]))
    links = load_processed("observation_sources", Path(args["out_dir"]))
    sources = load_processed("sources", Path(args["out_dir"]))
    t1 = time.perf_counter()
    cov = panel.coverage_panel(enrolment, population, observation_sources=links, sources=sources)
    return {"work_s": time.perf_counter() - t1, "load_s": t1 - t0, "rows": len(cov)}


def _stage_projections(args: dict[str, Any]) -> dict[str, Any]:
    try:
        from uhc_analysis.analysis.forecast import ForecastSettings
        from uhc_analysis.analysis.forecast import project as project_forecast
    except (ImportError, AttributeError) as exc:
        return {"status": "skipped", "note": f"uhc_analysis.analysis.forecast unavailable: {exc}"}
    import pandas as pd

    from uhc_analysis.io import load_panel, load_processed

    out = Path(args["out_dir"])
    t0 = time.perf_counter()
    panel = load_panel(out)
    commitments = load_processed("commitments", out)
    provinces = tuple(sorted(set(panel["province_code"].astype(str)) - {""}))
    dates = [pd.Timestamp(panel["date"].max())]
    if len(commitments):
        dates.append(pd.Timestamp(pd.to_datetime(commitments["date"].astype(str)).max()))
    as_of = max(dates).date().isoformat()  # the forecast refuses inputs dated after it
    t1 = time.perf_counter()
    projections, paths = project_forecast(
        panel,
        commitments,
        as_of=as_of,
        settings=ForecastSettings(provinces=provinces),
    )
    work = time.perf_counter() - t1
    statuses = projections["status"].value_counts().to_dict()
    return {
        "work_s": work,
        "load_s": t1 - t0,
        "rows": len(projections),
        "paths": len(paths),
        "regions": int(projections["region_code"].nunique()),
        "provinces": len(provinces),
        "status_counts": {str(k): int(v) for k, v in statuses.items()},
        "mixed_estimator": str(projections.attrs.get("mixed_estimator", "")),
    }


def _national_map(maps: Any, data: Any, boundaries: Any) -> tuple[Any, str]:
    """One national coverage map; returns the Axes and how it was drawn.

    Uses a national function of :mod:`uhc_analysis.plotting.maps` if it has one;
    otherwise a plain geopandas choropleth of all regencies with the module's
    own policy classes and palette (:func:`~uhc_analysis.plotting.maps.coverage_classes`,
    ``COVERAGE_COLORS``), no-data hatched, no labels (514 labels do not fit a
    national map; the per-province maps place them).
    """
    import matplotlib.pyplot as plt

    for name in ("plot_national_map", "plot_national_coverage_map"):
        if hasattr(maps, name):
            return getattr(maps, name)(data, boundaries=boundaries), f"maps.{name}"
    gdf = boundaries.merge(
        data[["region_code", "coverage_pct"]],
        left_on="bps_code",
        right_on="region_code",
        how="left",
        validate="1:1",
    )
    classes = maps.coverage_classes(gdf["coverage_pct"].astype(float)).to_numpy()
    fig, ax = plt.subplots(figsize=(16, 6.5))
    for i, color in enumerate(maps.COVERAGE_COLORS):
        selected = gdf.loc[classes == i]
        if len(selected):
            selected.plot(ax=ax, color=color, edgecolor="white", linewidth=0.2)
    nodata = gdf.loc[pd_isna(classes)]
    if len(nodata):
        nodata.plot(
            ax=ax,
            facecolor=getattr(maps, "NO_DATA_FACE", "#d9d9d9"),
            edgecolor=getattr(maps, "NO_DATA_EDGE", "#7f7f7f"),
            hatch=getattr(maps, "NO_DATA_HATCH", "////"),
            linewidth=0.1,
        )
    ax.set_axis_off()
    return ax, "geopandas + maps.coverage_classes (maps has no national function)"


def pd_isna(values: Any) -> Any:
    import pandas as pd

    return pd.isna(values)


def _stage_map(args: dict[str, Any]) -> dict[str, Any]:
    os.environ.setdefault("MPLBACKEND", "Agg")
    try:
        from uhc_analysis.boundaries import load_boundaries
        from uhc_analysis.plotting import maps
    except ImportError as exc:
        return {"status": "skipped", "note": f"uhc_analysis.plotting.maps unavailable: {exc}"}
    from uhc_analysis.io import load_panel

    t0 = time.perf_counter()
    try:
        boundaries = load_boundaries(None)
    except Exception as exc:  # noqa: BLE001 - any failure to get boundaries skips the stage
        return {
            "status": "skipped",
            "note": f"boundaries unavailable: {type(exc).__name__}: {str(exc)[:300]}",
        }
    panel = load_panel(Path(args["out_dir"]))
    t1 = time.perf_counter()
    latest = (
        panel[
            (panel["basis"] == "published")
            & (panel["measure"] == "registered")
            & (panel["region_level"] != "province")
        ]
        .sort_values(["region_code", "date"])
        .drop_duplicates("region_code", keep="last")
    )
    import matplotlib.pyplot as plt

    ax, how = _national_map(maps, latest, boundaries)
    figure = ax if hasattr(ax, "savefig") else ax.figure
    png = Path(args["out_dir"]) / "national_map.png"
    figure.savefig(png, dpi=100)
    plt.close("all")
    return {
        "work_s": time.perf_counter() - t1,
        "load_s": t1 - t0,
        "regions": len(latest),
        "polygons": len(boundaries),
        "how": how,
        "png_bytes": png.stat().st_size,
    }


def _reject_category(reason: str) -> str:
    """The kind of deliberately bad row a reject reason points to (synthetic data)."""
    text = reason.lower()
    if "negative" in text:
        return "negative_count"
    if "in the future" in text:
        return "future_date"
    if "cannot resolve region" in text or "unknown bps code" in text:
        return "unknown_region"
    if text.startswith("malformed"):
        return "malformed_number"
    return "other"


_CHILD: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "import": _stage_import,
    "read_csv": _stage_read_csv,
    "build": _stage_build,
    "panel": _stage_panel,
    "projections": _stage_projections,
    "map": _stage_map,
    "profile": _stage_profile,
}


def _child_main(stage: str, args_json: str) -> int:
    try:
        result = _CHILD[stage](json.loads(args_json))
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which exits 1
        import traceback

        traceback.print_exc()
        result = {"status": "failed", "note": f"{type(exc).__name__}: {str(exc)[:500]}"}
    result.setdefault("status", "ok")
    result["peak_rss_mib"] = _peak_rss_mib()
    print("@@RESULT@@" + json.dumps(result, default=str))
    return 0


# --------------------------------------------------------------------------- parent side


def default_mirror() -> Path | None:
    """The boundaries mirror: ``$UHC_ANALYSIS_MIRROR``, else ``../shared/data/mirror``
    beside the project (where ``sync-raw`` also looks), if it exists."""
    from uhc_analysis import config

    candidate = (
        os.environ.get(config.MIRROR_ENV) or config.PROJECT_ROOT.parent / "shared/data/mirror"
    )
    return Path(candidate) if Path(candidate).is_dir() else None


def run_stage(stage: str, args: dict[str, Any]) -> dict[str, Any]:
    """Run one stage in a fresh interpreter; return its measurements."""
    env = {
        **os.environ,
        "UHC_ANALYSIS_TODAY": args["today"],
        "MPLBACKEND": "Agg",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    if args.get("mirror"):
        env["UHC_ANALYSIS_MIRROR"] = args["mirror"]
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", stage, json.dumps(args)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=STAGE_TIMEOUT_S)
    elapsed = time.perf_counter() - t0
    marker = [ln for ln in proc.stdout.splitlines() if ln.startswith("@@RESULT@@")]
    if proc.returncode != 0 or not marker:
        tail = (proc.stderr or proc.stdout)[-1500:]
        return {
            "stage": stage,
            "status": "failed",
            "process_s": elapsed,
            "note": f"exit {proc.returncode}: {tail}",
        }
    result = json.loads(marker[-1][len("@@RESULT@@") :])
    if result.get("status") == "failed":
        result["note"] = result.get("note", "") + " | " + proc.stderr[-800:]
    return {"stage": stage, **result, "process_s": elapsed}


def _months(years: int | None, start: str | None, end: str | None) -> tuple[str, str]:
    from synthetic import NATIONAL_MONTHS

    last = end or NATIONAL_MONTHS[1]
    if start:
        return start, last
    if years:
        return f"{int(last[:4]) - years + 1}-01", last
    return NATIONAL_MONTHS[0], last


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def format_table(report: dict[str, Any]) -> str:
    """The stages as a fixed-width text table, followed by the summary lines."""
    lines = [f"{'stage':<12} {'status':<8} {'work s':>8} {'process s':>10} {'peak MiB':>9}  note"]
    for s in report["stages"]:
        note = s.get("note", "")
        if s["stage"] == "import":
            note = f"import uhc_analysis.transform.clean: {s.get('import_clean_s', 0):.2f} s"
        elif s["stage"] == "panel" and s.get("status") == "ok":
            note = f"{s['rows']} panel rows (already inside build)"
        elif s["stage"] == "build" and s.get("status") == "ok":
            a = s["accounting"]
            note = (
                f"read {a['read']} = kept {a['kept']} + merged {a['merged']} + "
                f"rejected {a['rejected']}"
            )
        elif s["stage"] == "projections" and s.get("status") == "ok":
            note = f"{s['regions']} regions x thresholds = {s['rows']} rows"
        elif s["stage"] == "read_csv" and s.get("status") == "ok":
            note = f"{s['rows']} rows in {s['files']} files"
        elif s["stage"] == "map" and s.get("status") == "ok":
            note = f"{s['regions']} regions on {s['polygons']} polygons ({s['how']})"
        lines.append(
            f"{s['stage']:<12} {s.get('status', ''):<8} {_fmt(s.get('work_s')):>8} "
            f"{_fmt(s.get('process_s')):>10} {_fmt(s.get('peak_rss_mib'), 0):>9}  {note[:110]}"
        )
    summ = report["summary"]
    lines += [
        "",
        f"data: {report['data']['regions']} regions, {report['data']['months']} months, "
        f"{report['data']['rows']} raw rows in {report['data']['files']} files "
        f"(generated in {report['generate_s']:.1f} s)",
        f"build / read_csv ratio: {_fmt(summ['build_to_read_csv_ratio'], 1)}x",
        f"pipeline (build incl. panel + projections): {_fmt(summ['pipeline_s'])} s "
        f"(target < {TARGETS['pipeline_s']:g} s: {summ['pipeline_ok']})",
        f"import uhc_analysis: {_fmt(summ['import_s'], 3)} s "
        f"(target < {TARGETS['import_s']:g} s: {summ['import_ok']})",
        f"peak memory of build/panel/projections: {_fmt(summ['peak_rss_mib'], 0)} MiB "
        f"(target < {TARGETS['peak_rss_mib']:g} MiB: {summ['memory_ok']})",
        f"accounting matches the deliberate defects: {summ['accounting_matches']}",
        f"machine: {report['machine']['cpus']} CPUs, load average "
        f"{report['machine']['load_before']} -> {report['machine']['load_after']}",
    ]
    return "\n".join(lines)


def _summary(stages: dict[str, dict[str, Any]], expected: dict[str, int]) -> dict[str, Any]:
    def work(name: str) -> float | None:
        s = stages.get(name, {})
        return s.get("work_s") if s.get("status") == "ok" else None

    build, read, proj, imp = work("build"), work("read_csv"), work("projections"), work("import")
    pipeline = None if build is None else build + (proj or 0.0)
    peaks = [
        stages[n]["peak_rss_mib"]
        for n in ("build", "panel", "projections")
        if stages.get(n, {}).get("status") == "ok"
    ]
    b = stages.get("build", {})
    return {
        "build_to_read_csv_ratio": build / read if build and read else None,
        "pipeline_s": pipeline,
        "pipeline_includes_projections": proj is not None,
        "pipeline_ok": None if pipeline is None else pipeline < TARGETS["pipeline_s"],
        "import_s": imp,
        "import_ok": None if imp is None else imp < TARGETS["import_s"],
        "peak_rss_mib": max(peaks) if peaks else None,
        "memory_ok": max(peaks) < TARGETS["peak_rss_mib"] if peaks else None,
        "accounting_matches": b.get("accounting") == expected if b else None,
    }


def benchmark(
    n_regions: int | None = None,
    months: tuple[str, str] | None = None,
    seed: int = 0,
    skip: Sequence[str] = (),
    profile_top: int = 0,
    work_dir: Path | None = None,
    provinces: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Generate the synthetic data and measure every stage; return the report.

    Parameters
    ----------
    n_regions
        Regencies to generate (``None``: the whole gazetteer).
    months
        First and last month; default the national period of :mod:`synthetic`.
    seed
        Seed of the synthetic data.
    skip
        Stages not to run (names in :data:`STAGES`).
    profile_top
        When positive, also profile the build and keep this many hotspots.
    work_dir
        Folder for the raw and processed data (default: a temporary folder,
        removed afterwards).
    provinces
        Only regencies of these provinces (default: the whole gazetteer).
    """
    sys.path.insert(0, str(HERE))
    from synthetic import NATIONAL_MONTHS, generate

    months = months or NATIONAL_MONTHS
    tmp = Path(work_dir) if work_dir else Path(tempfile.mkdtemp(prefix="uhc-bench-"))
    raw_dir, out_dir = tmp / "raw", tmp / "processed"
    try:
        load_before = [round(x, 2) for x in os.getloadavg()]
        t0 = time.perf_counter()
        counts = generate(
            raw_dir, n_regions=n_regions, months=months, seed=seed, provinces=provinces
        )
        generate_s = time.perf_counter() - t0
        mirror = default_mirror()
        args = {
            "raw_dir": str(raw_dir),
            "out_dir": str(out_dir),
            "today": TODAY,
            "profile_top": profile_top,
            "mirror": str(mirror) if mirror else "",
        }
        stages: dict[str, dict[str, Any]] = {}
        for stage in STAGES:
            if stage in skip:
                stages[stage] = {"stage": stage, "status": "skipped", "note": "--skip"}
            elif stage in ("panel", "projections", "map") and stages["build"]["status"] != "ok":
                stages[stage] = {"stage": stage, "status": "skipped", "note": "build failed"}
            else:
                stages[stage] = run_stage(stage, args)
        if profile_top > 0:
            stages["profile"] = run_stage("profile", args)
        report = {
            "data": {k: counts[k] for k in ("regions", "provinces", "files", "months", "rows")},
            "months": list(months),
            "seed": seed,
            "provinces": list(provinces) if provinces else "all",
            "counts": counts,
            "generate_s": generate_s,
            "stages": list(stages.values()),
            "summary": _summary(stages, counts["expected"]),
            "targets": TARGETS,
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "platform": platform.platform(),
                "load_before": load_before,
                "load_after": [round(x, 2) for x in os.getloadavg()],
            },
        }
        return report
    finally:
        if work_dir is None:
            shutil.rmtree(tmp, ignore_errors=True)


def _print_profile(stage: dict[str, Any]) -> None:
    if stage.get("status") != "ok":
        print(f"profile: {stage.get('status')}: {stage.get('note', '')}")
        return
    for order in ("tottime", "cumulative"):
        print(f"\ncProfile of the build, top by {order} (total {stage['work_s']:.1f} s):")
        print(f"{'tottime':>8} {'cumtime':>8} {'calls':>9}  function")
        for r in stage[f"top_{order}"]:
            print(f"{r['tottime_s']:>8.3f} {r['cumtime_s']:>8.3f} {r['calls']:>9}  {r['function']}")


def main(argv: Sequence[str] | None = None) -> int:
    """Command line; see the module docstring."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--child"]:
        return _child_main(argv[1], argv[2])
    parser = argparse.ArgumentParser(description="National-scale benchmark of uhc-analysis.")
    parser.add_argument("--regions", type=int, default=None, help="default: every regency")
    parser.add_argument(
        "--years",
        type=int,
        default=None,
        help="last Y years up to 2025-12 (default: 2014-01 to 2025-12)",
    )
    parser.add_argument("--start", default=None, help="first month YYYY-MM (overrides --years)")
    parser.add_argument("--end", default=None, help="last month YYYY-MM (default 2025-12)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--provinces",
        nargs="*",
        default=None,
        help="only regencies of these BPS province codes (default: all)",
    )
    parser.add_argument("--json", type=Path, default=None, help="write the report here")
    parser.add_argument("--skip", nargs="*", default=[], choices=STAGES, help="stages to skip")
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="also profile the build and print the top N functions",
    )
    parser.add_argument(
        "--keep", type=Path, default=None, help="keep the raw and processed data in this folder"
    )
    args = parser.parse_args(argv)
    sys.path.insert(0, str(HERE))
    report = benchmark(
        n_regions=args.regions,
        months=_months(args.years, args.start, args.end),
        seed=args.seed,
        skip=args.skip,
        profile_top=args.profile,
        work_dir=args.keep,
        provinces=args.provinces,
    )
    print(format_table(report))
    for stage in report["stages"]:
        if stage["stage"] == "profile":
            _print_profile(stage)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    failed = [s["stage"] for s in report["stages"] if s.get("status") == "failed"]
    if failed:
        print(f"failed stages: {failed}", file=sys.stderr)
        for s in report["stages"]:
            if s.get("status") == "failed":
                print(f"--- {s['stage']}: {s.get('note', '')}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
