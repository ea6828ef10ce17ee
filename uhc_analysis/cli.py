"""Command line: ``uhc-analysis build|metrics|project|figures|notebooks|all|sync-raw``.

The subcommands mirror the pipeline stages (raw -> processed -> metrics ->
projections -> figures -> executed notebooks); each takes its default paths
from :mod:`uhc_analysis.config`. Every error a user can fix (a broken raw
file, a mixed processed set, a read-only or full disk, a malformed argument
such as ``--at 2023-02-30``) ends with one line on stderr,
``uhc-analysis: <file or argument>: <what happened>; <what to do>``, and exit
code 2; ``--debug`` shows the traceback instead.

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
import csv
import datetime as dt
import errno
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from uhc_analysis import __version__, config, pipeline


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line: ``uhc-analysis: <argument>: <problem>``."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"uhc-analysis: {message}; see `{self.prog} --help`\n")


def iso_date(text: str) -> str:
    """An ``--at``/``--as-of`` value: a real calendar day written ``YYYY-MM-DD``.

    Examples
    --------
    >>> iso_date("2024-02-29")
    '2024-02-29'
    >>> iso_date("2023-02-30")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: '2023-02-30' is not a date: day is out of range for month \
(write a real calendar day as YYYY-MM-DD)
    """
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (write YYYY-MM-DD)")
    try:
        dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date: {exc} (write a real calendar day as YYYY-MM-DD)"
        ) from None
    return text


def province_code(text: str) -> str:
    """A ``--provinces`` value: a 2-digit BPS province code (``16``).

    Examples
    --------
    >>> province_code("17")
    '17'
    """
    if not re.fullmatch(r"\d{2}", text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a 2-digit BPS province code (e.g. 16)")
    return text


def _cmd_build(args: argparse.Namespace) -> int:
    pipeline.build(args.raw_dir, args.out_dir, allow_empty=args.allow_empty)
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
        args.provinces,
        args.lang,
        args.figures_dir,
        args.formats,
        args.out_dir,
        trend_formats=args.trend_formats,
    )
    print(f"wrote {len(paths)} files to {args.figures_dir}")
    return 0


def _cmd_init(args: argparse.Namespace) -> int:
    from uhc_analysis.workspace import init_workspace

    folder = init_workspace(args.folder)
    print(f"workspace ready: {folder}")
    print(f"next: cd {args.folder} && uhc-analysis all")
    return 0


def _cmd_notebooks(args: argparse.Namespace) -> int:
    from uhc_analysis.notebook_parameters import settle_parameters

    settle_parameters(provinces=list(args.provinces), processed_dir=str(args.out_dir))
    params = {"provinces": list(args.provinces), "lang": args.lang, "basis": args.basis}
    # folders only when not the defaults, so executed notebooks carry no machine paths
    if Path(args.out_dir) != config.DATA_PROCESSED:
        params["processed_dir"] = str(args.out_dir)
    if Path(args.figures_dir) != config.FIGURES_DIR:
        params["figures_dir"] = str(args.figures_dir)
    return pipeline.notebooks(
        args.notebooks or None, parameters=params, out_dir=args.reports_dir, floor=args.floor
    )


def _cmd_findings(args: argparse.Namespace) -> int:
    readme = config.PROJECT_ROOT / "README.md" if args.update_readme else None
    print(f"wrote {pipeline.findings(args.out_dir, readme=readme)}")
    return 0


def _cmd_all(args: argparse.Namespace) -> int:
    return pipeline.run_all(
        args.raw_dir,
        args.out_dir,
        provinces=args.provinces,
        langs=tuple(args.lang),
        formats=args.formats,
        figures_dir=args.figures_dir,
        at=args.at,
        trend_formats=args.trend_formats,
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
    parser = _Parser(
        prog="uhc-analysis",
        description="JKN Universal Health Coverage analysis: clean, merge, project, map.",
    )
    parser.add_argument("--version", action="version", version=f"uhc-analysis {__version__}")
    parser.add_argument(
        "--debug",
        action="store_true",
        help="show the full traceback of an error (default: one line saying what to do)",
    )
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

    p = sub.add_parser("build", help="raw -> processed tables, coverage panel, quality summary")
    p.add_argument(
        "--allow-empty",
        action="store_true",
        help="publish an empty set when the raw folder yields no observation (default: refuse)",
    )
    p.set_defaults(func=_cmd_build)
    p = sub.add_parser("metrics", help="UHC status, gaps, budgets, ranks -> metrics.csv")
    p.add_argument(
        "--at",
        type=iso_date,
        default=None,
        help="rank regencies at this date (YYYY-MM-DD; default: latest observation)",
    )
    p.set_defaults(func=_cmd_metrics)
    p = sub.add_parser(
        "project", help="time to UHC and its as-of backtest -> time_to_uhc.csv, backtest_*.csv"
    )
    p.add_argument(
        "--as-of", type=iso_date, default=None, help="the date 'today' means (YYYY-MM-DD)"
    )
    p.set_defaults(func=_cmd_project)

    p = sub.add_parser("status", help="every region against every UHC criterion, with evidence age")
    p.add_argument(
        "--as-of", type=iso_date, default=None, help="the date 'today' means (YYYY-MM-DD)"
    )
    p.set_defaults(func=_cmd_status)

    def _figure_args(p: argparse.ArgumentParser, many_langs: bool = False) -> None:
        p.add_argument(
            "--provinces",
            type=province_code,
            nargs="+",
            default=list(config.FOCUS_PROVINCES),
            help="BPS province codes (default: 16 17 64)",
        )
        if many_langs:
            p.add_argument(
                "--lang",
                choices=["en", "id"],
                nargs="+",
                default=["en"],
                help="label language(s); several are drawn in parallel worker processes",
            )
            p.add_argument(
                "--trend-formats",
                nargs="+",
                default=None,
                help="formats of the per-regency trend charts (default: png)",
            )
        else:
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
    _figure_args(p, many_langs=True)
    p.set_defaults(func=_cmd_figures)
    p = sub.add_parser(
        "all",
        help="every stage in order: build, metrics, project, status, figures, findings, notebooks",
    )
    _figure_args(p, many_langs=True)
    p.add_argument("--at", type=iso_date, default=None, help="as in `metrics --at`")
    p.set_defaults(func=_cmd_all)
    p = sub.add_parser("notebooks", help="execute the numbered notebooks headless -> reports/")
    _figure_args(p)
    p.add_argument("notebooks", nargs="*", help="notebook paths (default: notebooks/[0-9]*.ipynb)")
    p.add_argument(
        "--reports-dir",
        type=Path,
        default=None,
        help="where the executed notebooks go (default: reports/ for the default parameters, "
        "else reports/runs/<provinces>-<lang>/)",
    )
    p.add_argument(
        "--floor",
        action="store_true",
        help="also time a bare `jupyter nbconvert --execute` of an empty notebook "
        "(into rerun_times.json)",
    )
    p.set_defaults(func=_cmd_notebooks)
    p = sub.add_parser("init", help="lay out a new workspace (raw figures, notebooks) in FOLDER")
    p.add_argument("folder", type=Path, help="a new or empty folder")
    p.set_defaults(func=_cmd_init)
    p = sub.add_parser(
        "sync-raw", help="append new fact files and rows from shared/data/facts (append-only)"
    )
    p.add_argument(
        "--facts-dir", type=Path, default=config.PROJECT_ROOT.parent / "shared" / "data" / "facts"
    )
    p.set_defaults(func=_cmd_sync_raw)
    return parser


def _shown(path: object) -> str:
    return config.display_path(path) if isinstance(path, (str, Path)) and path else "?"


def _os_error(exc: OSError, args: argparse.Namespace) -> str:
    """One sentence for a failed file operation: which file, what happened, what to do."""
    where = _shown(exc.filename) if exc.filename else _shown(getattr(args, "out_dir", ""))
    if isinstance(exc, FileNotFoundError) and exc.filename is None:
        return str(exc)  # the package's own message (file and the command that makes it)
    code = exc.errno
    if code == errno.ENOSPC:
        what = "no space left on the device; free some space and run again"
    elif code == errno.EROFS:
        what = "the file system is read-only; choose a writable folder (--out-dir)"
    elif isinstance(exc, PermissionError):
        what = (
            f"permission denied ({exc.strerror}); make it writable (or readable), "
            "or choose another folder (--out-dir)"
        )
    elif isinstance(exc, IsADirectoryError):
        what = "is a folder where a file was expected; rename or remove it"
    elif isinstance(exc, (NotADirectoryError, FileExistsError)):
        what = "is a file where a folder was expected; remove it or choose another folder"
    elif isinstance(exc, FileNotFoundError):
        what = "does not exist; check the path"
    else:
        what = f"{exc.strerror or exc}; check the path and try again"
    writes_processed = getattr(args, "command", "") in ("build", "metrics", "project", "status")
    return f"{where}: {what}" + (" (the previous processed set is intact)" * writes_processed)


def describe_error(exc: BaseException, args: argparse.Namespace) -> str | None:
    """The one-line message for an error a user can fix; ``None`` for a bug (traceback).

    Errors of the package itself (raw files, schemas, corrections, the
    processed set, ...), failed file operations, undecodable text and CSV
    syntax are described; anything else is a bug and keeps its traceback.
    """
    if isinstance(exc, OSError):
        message = _os_error(exc, args)
    elif isinstance(exc, UnicodeDecodeError):
        bad = exc.object[exc.start : exc.start + 4] if isinstance(exc.object, bytes) else b""
        guess = "UTF-16" if b"\x00" in exc.object[:200] else "Latin-1/Windows-1252"
        message = (
            f"input file: not valid UTF-8 (bytes {bad!r} at offset {exc.start}); it looks like "
            f"{guess}: re-save it as UTF-8"
        )
    elif isinstance(exc, csv.Error):
        message = f"CSV file: {exc}; re-save it with LF or CRLF line endings"
    elif type(exc).__module__.startswith("uhc_analysis."):
        message = str(exc)
    else:
        return None
    message = " ".join(message.split())
    for base in sorted({config.PROJECT_ROOT, config.PACKAGE_DIR.parent}, key=str, reverse=True):
        message = message.replace(f"{base}/", "")  # paths as the project names them
    if ";" not in message:
        message += "; run again with --debug for the details"
    return message


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``uhc-analysis`` console script.

    A known error ends with one line on stderr,
    ``uhc-analysis: <file or argument>: <what happened>; <what to do>``, and
    exit code 2 (``--debug``: the traceback instead).
    """
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("uhc-analysis: interrupted; the previous processed set is intact", file=sys.stderr)
        return 130
    except Exception as exc:
        message = None if args.debug else describe_error(exc, args)
        if message is None:
            raise
        if config.WORKSPACE is None and args.command != "init":
            message = f"{message} (no workspace here: {config.NO_WORKSPACE_HINT})"
        print(f"uhc-analysis: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
