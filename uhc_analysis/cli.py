"""Command line: ``uhc-analysis build|metrics|project|figures|notebooks|all|sync-raw``.

The subcommands mirror the pipeline stages (raw -> processed -> metrics ->
projections -> figures -> executed notebooks); each takes its default paths
from :mod:`uhc_analysis.config`.

Examples
--------
>>> parser = build_parser()
>>> parser.parse_args(["metrics", "--at", "2024-12-31"]).at
'2024-12-31'
>>> sorted(parser._subparsers._group_actions[0].choices)[:4]
['all', 'build', 'figures', 'findings']
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from uhc_analysis import __version__, config, pipeline


def _cmd_build(args: argparse.Namespace) -> int:
    pipeline.build(args.raw_dir, args.out_dir)
    return 0


def _cmd_metrics(args: argparse.Namespace) -> int:
    path = pipeline.metrics(args.out_dir, at=args.at)
    print(f"wrote {path}")
    return 0


def _cmd_project(args: argparse.Namespace) -> int:
    for path in pipeline.project(args.out_dir, args.raw_dir, as_of=args.as_of):
        print(f"wrote {path}")
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    for path in pipeline.status(args.out_dir, args.raw_dir, as_of=args.as_of):
        print(f"wrote {path}")
    return 0


def _cmd_figures(args: argparse.Namespace) -> int:
    paths = pipeline.figures(
        args.provinces, args.lang, args.figures_dir, args.formats, args.out_dir
    )
    print(f"wrote {len(paths)} files to {args.figures_dir}")
    return 0


def _cmd_notebooks(args: argparse.Namespace) -> int:
    params = {"provinces": list(args.provinces), "lang": args.lang, "basis": args.basis}
    # folders only when not the defaults, so executed notebooks carry no machine paths
    if Path(args.out_dir) != config.DATA_PROCESSED:
        params["processed_dir"] = str(args.out_dir)
    if Path(args.figures_dir) != config.FIGURES_DIR:
        params["figures_dir"] = str(args.figures_dir)
    return pipeline.notebooks(args.notebooks or None, parameters=params)


def _cmd_findings(args: argparse.Namespace) -> int:
    readme = config.PROJECT_ROOT / "README.md" if args.update_readme else None
    print(f"wrote {pipeline.findings(args.out_dir, readme=readme)}")
    return 0


def _cmd_all(args: argparse.Namespace) -> int:
    return pipeline.run_all(
        args.raw_dir,
        args.out_dir,
        provinces=args.provinces,
        langs=(args.lang,),
        formats=args.formats,
        figures_dir=args.figures_dir,
        at=args.at,
    )


def _cmd_sync_raw(args: argparse.Namespace) -> int:
    from uhc_analysis.ingest.raw import sync_raw

    changed = sync_raw(args.facts_dir, args.raw_dir)
    print(f"{len(changed)} raw file(s) added or extended from {args.facts_dir}")
    for path in changed:
        print(f"  {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    parser = argparse.ArgumentParser(
        prog="uhc-analysis",
        description="JKN Universal Health Coverage analysis: clean, merge, project, map.",
    )
    parser.add_argument("--version", action="version", version=f"uhc-analysis {__version__}")
    parser.add_argument(
        "--raw-dir",
        type=Path,
        default=config.DATA_RAW,
        help="raw figures folder (default: data/raw)",
    )
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=config.DATA_PROCESSED,
        help="processed tables folder (default: data/processed)",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser(
        "build", help="raw -> processed tables, coverage panel, quality summary"
    ).set_defaults(func=_cmd_build)
    p = sub.add_parser("metrics", help="UHC status, gaps, budgets, ranks -> metrics.csv")
    p.add_argument(
        "--at",
        default=None,
        help="rank regencies at this date (YYYY-MM-DD; default: latest observation)",
    )
    p.set_defaults(func=_cmd_metrics)
    p = sub.add_parser(
        "project", help="time to UHC and its as-of backtest -> time_to_uhc.csv, backtest_*.csv"
    )
    p.add_argument("--as-of", default=None, help="the date 'today' means (YYYY-MM-DD)")
    p.set_defaults(func=_cmd_project)

    p = sub.add_parser("status", help="every region against every UHC criterion, with evidence age")
    p.add_argument("--as-of", default=None, help="the date 'today' means (YYYY-MM-DD)")
    p.set_defaults(func=_cmd_status)

    def _figure_args(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--provinces",
            nargs="+",
            default=list(config.FOCUS_PROVINCES),
            help="BPS province codes (default: 16 17 64)",
        )
        p.add_argument("--lang", choices=["en", "id"], default="en", help="label language")
        p.add_argument("--formats", nargs="+", default=["png", "svg", "pdf"])
        p.add_argument("--figures-dir", type=Path, default=config.FIGURES_DIR)
        p.add_argument(
            "--basis",
            choices=["published", "dukcapil", "bps"],
            default="published",
            help="denominator basis (notebooks)",
        )

    p = sub.add_parser("findings", help="findings table -> reports/findings.md")
    p.add_argument(
        "--update-readme", action="store_true", help="also replace the findings block of README.md"
    )
    p.set_defaults(func=_cmd_findings)
    p = sub.add_parser("figures", help="maps and charts -> reports/figures (png, svg, pdf)")
    _figure_args(p)
    p.set_defaults(func=_cmd_figures)
    p = sub.add_parser("all", help="build, metrics, project and figures in one go")
    _figure_args(p)
    p.add_argument("--at", default=None)
    p.set_defaults(func=_cmd_all)
    p = sub.add_parser("notebooks", help="execute the numbered notebooks headless -> reports/")
    _figure_args(p)
    p.add_argument("notebooks", nargs="*", help="notebook paths (default: notebooks/[0-9]*.ipynb)")
    p.set_defaults(func=_cmd_notebooks)
    p = sub.add_parser(
        "sync-raw", help="append new fact files and rows from shared/data/facts (append-only)"
    )
    p.add_argument(
        "--facts-dir", type=Path, default=config.PROJECT_ROOT.parent / "shared" / "data" / "facts"
    )
    p.set_defaults(func=_cmd_sync_raw)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``uhc-analysis`` console script."""
    from uhc_analysis.ingest.raw import RawFileError

    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (RawFileError, FileNotFoundError) as exc:
        print(f"uhc-analysis {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
