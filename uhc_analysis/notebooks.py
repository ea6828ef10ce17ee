"""Execute the numbered notebooks headless with papermill: ``uhc-analysis notebooks``.

Every ``notebooks/[0-9][0-9]-*.ipynb`` runs top to bottom, in order, through
:func:`papermill.execute_notebook`: a fresh kernel (:data:`KERNEL_NAME`),
``notebooks/`` as working directory, :data:`CELL_TIMEOUT` seconds per cell,
the parameters injected by papermill in a cell tagged ``injected-parameters``
right after the cell tagged ``parameters`` (so the notebook's own defaults stay
visible and the values used follow them), and papermill's per-cell timing in
the cell metadata. On a failing cell papermill stops and keeps the partial
notebook with the traceback.

This module adds what papermill lacks, and nothing else:

:func:`check_parameters`
    papermill injects any value it is given (it only logs unknown names), so
    ``provinces="17"`` would run every cell on the characters of a string. Here
    each value must have the type of the notebook's default (as read by
    :func:`papermill.inspect_notebook`), and a name no notebook declares is
    refused, before anything runs.
:func:`strip_volatile`
    removes what changes from run to run (papermill and nbclient timestamps,
    the random ids of the cells papermill adds, object addresses in reprs), so
    two reruns on the same inputs give byte-identical notebooks.
:func:`render_html`
    nbconvert's HTML (``lab`` template, figures inline as base64 PNG).
:class:`NotebookExecutionError`
    one line naming the notebook, the cell (numbered as Jupyter shows the
    notebook in ``notebooks/``) and the exception.
``rerun_times.json``
    seconds per notebook with its slowest cells (from papermill's metadata),
    and the *floor* (:func:`measure_floor`): a bare ``jupyter nbconvert
    --execute`` of an empty notebook, which no notebook run on its own beats.

Outputs, with stable names, in ``out_dir`` (default ``reports/``):
``<name>.ipynb`` (executed, volatile metadata removed), ``<name>.html`` and
``rerun_times.json``. Execution stops at the first failing notebook; its
partial notebook and HTML are still written and the return code is 1.

Examples
--------
>>> [p.name for p in discover_notebooks()][0]
'01-data-cleaning.ipynb'
>>> check_parameters({"provinces": "17"}, {"provinces": ["16", "17", "64"]}, "02.ipynb")
... # doctest: +NORMALIZE_WHITESPACE
Traceback (most recent call last):
...
uhc_analysis.notebook_parameters.ParameterError: 02.ipynb: parameter provinces must be a list
like ['16', '17', '64'], not the str '17' (pass ['17'])
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from unittest import mock

from uhc_analysis import config
from uhc_analysis.io import write_text
from uhc_analysis.notebook_parameters import (
    ParameterError,
    check_parameters,
    notebook_parameters,
    plan_parameters,
)

if TYPE_CHECKING:
    import nbformat

#: Glob of the notebooks ``run_notebooks`` executes by default.
NOTEBOOK_GLOB: str = "[0-9][0-9]-*.ipynb"
#: Kernel every notebook runs in (the project's virtualenv registers it).
KERNEL_NAME: str = "python3"
#: Kernel command-line options. jupyter_client interrupts (SIGINT) every kernel before
#: shutting it down, and an idle ipykernel logs that as "KeyboardInterrupt caught in
#: kernel" on the terminal after a successful run; cell errors reach the notebook over
#: the messaging channels, not the kernel's log, so the log keeps only critical lines.
KERNEL_ARGUMENTS: tuple[str, ...] = ("--IPKernelApp.log_level=CRITICAL",)
#: Seconds a single cell may run before the notebook is declared failed.
CELL_TIMEOUT: int = 600
#: Seconds the kernel may take to start.
START_TIMEOUT: int = 120
#: Times a kernel that dies before running any cell is started again. jupyter_client
#: picks free ports by binding and releasing them, so kernels started at the same
#: moment in parallel workers can be handed the same port ("ZMQError: Address already
#: in use", "Kernel died before replying to kernel_info"); a new start picks new ports.
START_RETRIES: int = 2
#: Tags papermill uses: the defaults cell, the cell it injects, its error markers.
PARAMETERS_TAG: str = "parameters"
INJECTED_TAG: str = "injected-parameters"
ERROR_TAG: str = "papermill-error-cell-tag"
#: matplotlib backend of the kernels: figures go into the cell outputs as PNG.
INLINE_BACKEND: str = "module://matplotlib_inline.backend_inline"
#: Name of the timings file written to ``out_dir``.
TIMES_FILE: str = "rerun_times.json"
#: Slowest cells of each notebook listed in ``rerun_times.json``.
SLOWEST_CELLS: int = 3

#: Notebook-level and cell-level metadata that change from run to run.
_VOLATILE_NB_METADATA: tuple[str, ...] = ("papermill", "widgets", "execution")
_VOLATILE_CELL_METADATA: tuple[str, ...] = ("execution", "papermill", "ExecuteTime")
#: Object addresses in reprs (``<Line2D at 0x7f...>``) differ between runs.
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+>")


@dataclass
class NotebookRun:
    """Outcome of one notebook: name, seconds, where it failed if it did, slowest cells."""

    notebook: str
    seconds: float
    ok: bool
    cell: int | None = None
    error: str = ""
    outputs: list[str] = field(default_factory=list)
    slowest: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready record (seconds rounded to 0.01)."""
        out: dict[str, Any] = {
            "notebook": self.notebook,
            "seconds": round(self.seconds, 2),
            "status": "ok" if self.ok else "failed",
            "slowest_cells": self.slowest,
        }
        if not self.ok:
            out.update(cell=self.cell, error=self.error)
        return out


class NotebookExecutionError(RuntimeError):
    """A notebook cell raised; one line with notebook name, cell number and the exception.

    ``partial`` is the notebook executed so far, with the traceback (if any).

    Examples
    --------
    >>> str(NotebookExecutionError("02.ipynb", 11, "code cell 7 of 12", "KeyError: 'bps'", "x"))
    "02.ipynb failed at cell 11 (code cell 7 of 12): KeyError: 'bps'\\n    the cell starts: x"
    """

    def __init__(
        self,
        notebook: str,
        cell: int | None,
        cell_kind: str,
        error: str,
        source_head: str,
        partial: nbformat.NotebookNode | None = None,
    ) -> None:
        self.notebook, self.cell, self.error, self.partial = notebook, cell, error, partial
        where = f"cell {cell} ({cell_kind})" if cell is not None else (cell_kind or "start-up")
        msg = f"{notebook} failed at {where}: {error}"
        if source_head:
            msg += f"\n    the cell starts: {source_head}"
        super().__init__(msg)


# ----------------------------------------------------------------------------- discovery


def discover_notebooks(notebooks_dir: Path | str | None = None) -> list[Path]:
    """The numbered notebooks of ``notebooks_dir`` (default ``notebooks/``), in run order."""
    folder = Path(notebooks_dir) if notebooks_dir else config.NOTEBOOKS_DIR
    return sorted(folder.glob(NOTEBOOK_GLOB))


# ----------------------------------------------------------------------------- volatile metadata


def _tags(cell: Any) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def strip_volatile(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove run-dependent metadata in place; return ``nb``.

    Drops papermill's and nbclient's timestamps and timings (notebook and
    cells), gives the cells papermill adds (injected parameters, error
    markers) fixed ids instead of random ones, and removes object addresses
    from plain-text reprs (``<Axes at 0x7f...>`` becomes ``<Axes>``). Outputs
    and execution counts stay: in a fresh kernel they follow from the inputs.

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
    ...     "x", metadata={"tags": ["injected-parameters"], "papermill": {"duration": 1.0}})])
    >>> cell = strip_volatile(nb).cells[0]
    >>> cell.id, "papermill" in cell.metadata
    ('injected-parameters', False)
    """
    for key in _VOLATILE_NB_METADATA:
        nb.metadata.pop(key, None)
    errors = 0
    for cell in nb.cells:
        for key in _VOLATILE_CELL_METADATA:
            cell.get("metadata", {}).pop(key, None)
        if INJECTED_TAG in _tags(cell):
            cell["id"] = INJECTED_TAG
        elif ERROR_TAG in _tags(cell):
            errors += 1
            cell["id"] = f"papermill-error-{errors}"
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if isinstance(data.get("text/plain"), str):
                data["text/plain"] = _ADDRESS.sub(">", data["text/plain"])
    return nb


def cell_seconds(nb: nbformat.NotebookNode, top: int = SLOWEST_CELLS) -> list[dict[str, Any]]:
    """The ``top`` slowest cells by papermill's timing: ``[{"cell": n, "seconds": s}]``.

    Cells are numbered as in the notebook as written (see :func:`_cell_label`).

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
    ...     "x", metadata={"papermill": {"duration": 2.5}})])
    >>> cell_seconds(nb)
    [{'cell': 1, 'seconds': 2.5}]
    """
    timed = []
    for index, cell in enumerate(nb.cells):
        seconds = cell.get("metadata", {}).get("papermill", {}).get("duration")
        number = _cell_label(nb, index)[0]
        if seconds is not None and number is not None:
            timed.append({"cell": number, "seconds": round(float(seconds), 2)})
    return sorted(timed, key=lambda t: -t["seconds"])[:top]


# ----------------------------------------------------------------------------- execution


def _cell_label(nb: nbformat.NotebookNode, index: int) -> tuple[int | None, str, str]:
    """Number, kind and first source line of cell ``index`` (0-based) of an executed notebook.

    The number is 1-based and counts the cells of the notebook as written (the
    cells papermill adds are not counted), so it matches what Jupyter shows
    when the notebook in ``notebooks/`` is opened.
    """
    cell = nb.cells[index]
    head = next((ln.strip() for ln in cell.source.splitlines() if ln.strip()), "")[:100]
    if INJECTED_TAG in _tags(cell):
        return None, "the injected-parameters cell", head
    own = [i for i, c in enumerate(nb.cells) if not {INJECTED_TAG, ERROR_TAG} & set(_tags(c))]
    if index not in own:
        return None, "a papermill error marker", head
    code = [i for i in own if nb.cells[i].cell_type == "code"]
    kind = cell.cell_type + " cell"
    if index in code:
        kind = f"code cell {code.index(index) + 1} of {len(code)}"
    return own.index(index) + 1, kind, head


def _failed_cell(nb: nbformat.NotebookNode, exc: BaseException) -> int | None:
    """Index of the cell that failed: papermill's, else the last cell papermill started."""
    index = getattr(exc, "cell_index", None)
    if index is not None:
        # papermill inserts an error anchor before the failing cell, and a header at the top
        markers = [i for i, c in enumerate(nb.cells) if ERROR_TAG in _tags(c)]
        return index + len(markers)
    started = [
        i
        for i, c in enumerate(nb.cells)
        if c.get("metadata", {}).get("papermill", {}).get("start_time")
    ]
    return started[-1] if started else None


def _kernel_config() -> Any:
    """Traitlets config asking for CurveZMQ-encrypted kernel sockets when available.

    Recent jupyter_client can provision CurveZMQ keys for kernels that declare
    support (ipykernel does); without them every kernel warns on stderr that it
    runs over TCP without encryption.
    """
    import zmq
    from jupyter_client.manager import KernelManager
    from traitlets.config import Config

    cfg = Config()
    if "transport_encryption" in KernelManager.class_trait_names() and zmq.has("curve"):
        cfg.KernelManager.transport_encryption = "auto"
    return cfg


def execute_notebook(
    path: Path | str,
    parameters: Mapping[str, Any] | None = None,
    *,
    timeout: int = CELL_TIMEOUT,
    kernel_name: str = KERNEL_NAME,
) -> nbformat.NotebookNode:
    """Run ``path`` with papermill in its own folder; return the executed notebook.

    ``parameters`` are injected as they are (check them first with
    :func:`check_parameters`). The kernel draws with matplotlib's inline
    backend even when the caller exports ``MPLBACKEND=Agg`` (the Makefile does,
    for the figure stages), else the notebooks and their HTML would have no
    figures; papermill takes no ``env``, so the variable is patched around it.

    Raises
    ------
    NotebookExecutionError
        At the first failing cell, a timeout or a dead kernel; its ``partial``
        attribute is the notebook executed so far, with the traceback.
    """
    import nbformat
    import papermill

    path = Path(path).resolve()
    for attempt in range(START_RETRIES + 1):
        with tempfile.TemporaryDirectory(prefix="uhc-nb-") as tmp:
            partial = Path(tmp) / path.name
            try:
                with mock.patch.dict(os.environ, {"MPLBACKEND": INLINE_BACKEND}):
                    return papermill.execute_notebook(
                        str(path),
                        str(partial),
                        parameters=dict(parameters or {}),
                        kernel_name=kernel_name,
                        cwd=str(path.parent),
                        execution_timeout=timeout,
                        start_timeout=START_TIMEOUT,
                        progress_bar=False,
                        log_output=False,
                        config=_kernel_config(),
                        extra_arguments=list(KERNEL_ARGUMENTS),
                    )
            except Exception as exc:  # a cell error, a timeout, a dead or missing kernel
                nb = nbformat.read(partial, as_version=4) if partial.exists() else None
                index = None if nb is None else _failed_cell(nb, exc)
                if _died_at_start(exc, index) and attempt < START_RETRIES:
                    continue
                error = _error_text(exc, timeout)
                number, kind, head = (None, "", "") if index is None else _cell_label(nb, index)
                raise NotebookExecutionError(path.name, number, kind, error, head, nb) from exc
    raise AssertionError("unreachable: the last attempt returns or raises")  # pragma: no cover


def _died_at_start(exc: BaseException, index: int | None) -> bool:
    """Whether the kernel died before running any cell (worth starting it again).

    A missing kernel (``NoSuchKernel``) or a cell error is not retried: starting
    again would fail the same way.

    Examples
    --------
    >>> _died_at_start(RuntimeError("Kernel died before replying to kernel_info"), None)
    True
    >>> _died_at_start(RuntimeError("Kernel died before replying to kernel_info"), 3)
    False
    """
    from jupyter_client.kernelspec import NoSuchKernel
    from papermill.exceptions import PapermillExecutionError

    if index is not None or isinstance(exc, (NoSuchKernel, PapermillExecutionError)):
        return False
    return "kernel" in str(exc).lower() or "zmq" in type(exc).__module__


def _error_text(exc: BaseException, timeout: int) -> str:
    from nbclient.exceptions import CellTimeoutError
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        return f"{exc.ename}: {exc.evalue}"
    if isinstance(exc, CellTimeoutError):
        return f"cell timed out after {timeout} s (CellTimeoutError)"
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[-1] if lines else ''}"


def render_html(nb: nbformat.NotebookNode, name: str) -> str:
    """HTML of an executed notebook (``lab`` template; PNG outputs inline as base64)."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab")
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": name}})
    return body


def _write_notebook(nb: nbformat.NotebookNode, path: Path) -> Path:
    import nbformat

    return write_text(nbformat.writes(nb) + "\n", path)


def run_notebook(
    path: Path | str,
    parameters: Mapping[str, Any] | None = None,
    out_dir: Path | str = config.REPORTS_DIR,
    *,
    timeout: int = CELL_TIMEOUT,
    kernel_name: str = KERNEL_NAME,
) -> NotebookRun:
    """Execute one notebook; write ``<name>.ipynb`` and ``<name>.html`` to ``out_dir``.

    ``parameters`` must be checked already (:func:`plan_parameters`). Never
    raises for a failing cell: the returned :class:`NotebookRun` says where it
    failed (the partial notebook and its HTML are written anyway).
    """
    path = Path(path)
    out = Path(out_dir)
    start = time.perf_counter()
    run = NotebookRun(notebook=path.name, seconds=0.0, ok=True)
    try:
        nb = execute_notebook(path, parameters, timeout=timeout, kernel_name=kernel_name)
    except NotebookExecutionError as exc:
        run.ok, run.cell, run.error = False, exc.cell, str(exc)
        nb = exc.partial
    run.seconds = time.perf_counter() - start
    if nb is None:  # the kernel did not even start: nothing to write
        return run
    run.slowest = cell_seconds(nb)
    strip_volatile(nb)
    run.outputs = [
        str(_write_notebook(nb, out / path.name)),
        str(write_text(render_html(nb, path.stem), out / f"{path.stem}.html")),
    ]
    return run


# ----------------------------------------------------------------------------- the floor


def measure_floor(kernel_name: str = KERNEL_NAME, timeout: int = 120) -> float:
    """Seconds of a bare ``jupyter nbconvert --execute`` of an empty notebook.

    The floor every notebook pays (interpreter start, nbconvert import, kernel
    start-up and shutdown) before running any of its own code.

    Examples
    --------
    >>> 0 < measure_floor() < 120
    True
    """
    import nbformat

    with tempfile.TemporaryDirectory(prefix="uhc-floor-") as tmp:
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": kernel_name, "display_name": "", "language": "python"}
        empty = write_text(nbformat.writes(nb), Path(tmp) / "empty.ipynb")
        cmd = [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute"]
        cmd += [f"--ExecutePreprocessor.kernel_name={kernel_name}", str(empty)]
        cmd += ["--output", str(Path(tmp) / "empty.out.ipynb")]
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, timeout=timeout, cwd=tmp)
        return time.perf_counter() - start


def _progress(total: int) -> Any:
    """A tqdm bar on a terminal's stderr; disabled (no output at all) when not a terminal."""
    from tqdm import tqdm

    return tqdm(total=total, desc="notebooks", unit="notebook", disable=None, file=sys.stderr)


def _report_failure(run: NotebookRun, out: Path, not_run: list[Path]) -> None:
    print(f"error: {run.error}", file=sys.stderr)
    if run.outputs:
        print(
            f"    the executed notebook with the traceback: {out / run.notebook}", file=sys.stderr
        )
    if not_run:
        print(f"    not run: {', '.join(p.name for p in not_run)}", file=sys.stderr)


def _run_in_order(jobs: list[tuple[Any, ...]]) -> tuple[list[NotebookRun], int]:
    """Run the notebooks one after the other; stop at the first failure."""
    runs: list[NotebookRun] = []
    with _progress(len(jobs)) as bar:
        for k, job in enumerate(jobs, start=1):
            print(f"[{k}/{len(jobs)}] {job[0].name} ... ", end="", flush=True)
            run = run_notebook(*job[:3], timeout=job[3], kernel_name=job[4])
            runs.append(run)
            bar.update()
            if run.ok:
                print(f"ok {run.seconds:.1f} s", flush=True)
                continue
            print(f"FAILED after {run.seconds:.1f} s", flush=True)
            _report_failure(run, job[2], [j[0] for j in jobs[k:]])
            return runs, 1
    return runs, 0


def _run_job(job: tuple[Any, ...]) -> NotebookRun:
    """One notebook in a worker process (a top-level function, so it pickles)."""
    return run_notebook(*job[:3], timeout=job[3], kernel_name=job[4])


def _run_parallel(jobs: list[tuple[Any, ...]], workers: int) -> tuple[list[NotebookRun], int]:
    """Run the notebooks in ``workers`` processes; report each as it finishes, in run order."""
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from multiprocessing import get_context

    done: dict[str, NotebookRun] = {}
    with (
        ProcessPoolExecutor(min(workers, len(jobs)), mp_context=get_context("spawn")) as pool,
        _progress(len(jobs)) as bar,
    ):
        # longest first (by the last run's times), so no worker is left with a long one at the end
        futures = {pool.submit(_run_job, job): job for job in longest_first(jobs)}
        for k, future in enumerate(as_completed(futures), start=1):
            run = future.result()
            done[run.notebook] = run
            bar.update()
            state = "ok" if run.ok else "FAILED after"
            print(f"[{k}/{len(jobs)}] {run.notebook} ... {state} {run.seconds:.1f} s", flush=True)
            if not run.ok:
                _report_failure(run, futures[future][2], [])
    runs = [done[job[0].name] for job in jobs]
    return runs, int(any(not r.ok for r in runs))


def longest_first(jobs: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """``jobs`` (notebook path, parameters, out folder, ...) by last run's seconds, longest first.

    The seconds come from ``rerun_times.json`` in each job's out folder, or,
    for a folder without one, in the default run's (``reports/``); a notebook
    without a time keeps its place after the timed ones. With
    more notebooks than workers this is the longest-processing-time rule: on
    two workers the five notebooks end about when their total over two does,
    not when the longest one, started last, does.

    Examples
    --------
    >>> from pathlib import Path
    >>> jobs = [(Path(f"0{i}.ipynb"), {}, Path("/nonexistent")) for i in (1, 2)]
    >>> [j[0].name for j in longest_first(jobs)]
    ['01.ipynb', '02.ipynb']
    """
    seconds: dict[str, dict[str, float]] = {}
    for out in {Path(job[2]) for job in jobs}:
        for times_file in (out / TIMES_FILE, config.REPORTS_DIR / TIMES_FILE):
            try:
                times = json.loads(times_file.read_text(encoding="utf-8"))
                seconds[str(out)] = {r["notebook"]: float(r["seconds"]) for r in times["notebooks"]}
                break
            except (OSError, ValueError, KeyError, TypeError):
                continue
    order = {id(job): k for k, job in enumerate(jobs)}

    def key(job: tuple[Any, ...]) -> tuple[float, int]:
        last = seconds.get(str(Path(job[2])), {}).get(Path(job[0]).name, -1.0)
        return -last, order[id(job)]

    return sorted(jobs, key=key)


# ----------------------------------------------------------------------------- all notebooks


def run_notebooks(
    paths: Iterable[Path | str] | None = None,
    parameters: Mapping[str, Any] | None = None,
    out_dir: Path | str = config.REPORTS_DIR,
    *,
    timeout: int = CELL_TIMEOUT,
    kernel_name: str = KERNEL_NAME,
    floor: bool = False,
    workers: int = 1,
) -> int:
    """Execute the notebooks in order; write them, their HTML and the timings to ``out_dir``.

    Parameters
    ----------
    paths
        Notebooks to run; default every ``notebooks/[0-9][0-9]-*.ipynb``, sorted.
    parameters
        Values injected after each notebook's ``parameters`` cell, e.g.
        ``{"provinces": ["16", "17", "64"], "lang": "en", "basis": "published",
        "processed_dir": "/tmp/p"}``; each notebook gets the names it declares,
        checked against its defaults (:func:`check_parameters`) before any runs.
    out_dir
        Where the executed notebooks, ``.html`` files and ``rerun_times.json`` go.
    timeout
        Seconds allowed per cell.
    floor
        Also time a bare ``jupyter nbconvert --execute`` of an empty notebook
        after the notebooks (``uhc-analysis notebooks --floor``; ``make
        benchmark`` measures its own).
    workers
        Notebooks run at once. The notebooks are independent (each reads the
        processed tables and figures, none writes what another reads), so
        ``uhc-analysis notebooks`` runs them in worker processes, one per CPU.
        With one worker they run in order and stop at the first failure; with
        several, every notebook runs and each failure is reported.

    Returns
    -------
    int
        0 when every notebook ran; 1 when one failed; 2 when there is nothing
        to run or a parameter is refused.

    Examples
    --------
    >>> run_notebooks(["notebooks/02-coverage-trends.ipynb"], {"provinces": "17"})
    2
    """
    notebooks = [Path(p) for p in paths] if paths else discover_notebooks()
    if not notebooks:
        hint = f" (no workspace here: {config.NO_WORKSPACE_HINT})" if not config.WORKSPACE else ""
        print(f"no notebook matches {config.NOTEBOOKS_DIR / NOTEBOOK_GLOB}{hint}", file=sys.stderr)
        return 2
    missing = [str(p) for p in notebooks if not p.exists()]
    if missing:
        print(f"notebook(s) not found: {', '.join(missing)}", file=sys.stderr)
        return 2
    try:
        plan = plan_parameters(notebooks, parameters or {})
    except ParameterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    total_start = time.perf_counter()
    jobs = [(path, plan[path], out, timeout, kernel_name) for path in notebooks]
    if workers > 1 and len(jobs) > 1:
        runs, code = _run_parallel(jobs, workers)
    else:
        runs, code = _run_in_order(jobs)
    total = time.perf_counter() - total_start
    floor_s = None
    if floor:
        try:
            floor_s = measure_floor(kernel_name)
        except (subprocess.SubprocessError, OSError) as exc:
            print(f"floor not measured: {exc}", file=sys.stderr)
    times = {
        "parameters": {str(p.name): v for p, v in plan.items()},
        "floor_seconds": None if floor_s is None else round(floor_s, 2),
        "floor_command": "python -m jupyter nbconvert --to notebook --execute <empty notebook>",
        "notebooks": [r.as_dict() for r in runs],
        "total_seconds": round(total, 2),
    }
    write_text(json.dumps(times, indent=2) + "\n", out / TIMES_FILE)
    if floor_s is not None:
        print(f"floor: bare `jupyter nbconvert --execute` of an empty notebook {floor_s:.1f} s")
    for r in runs:
        print(f"  {r.notebook:<28} {r.seconds:6.1f} s")
    print(f"  {'total (with HTML)':<28} {total:6.1f} s -> {out}")
    return code


__all__ = [
    "NotebookExecutionError",
    "NotebookRun",
    "ParameterError",
    "cell_seconds",
    "check_parameters",
    "discover_notebooks",
    "execute_notebook",
    "measure_floor",
    "notebook_parameters",
    "plan_parameters",
    "render_html",
    "run_notebook",
    "run_notebooks",
    "strip_volatile",
]
