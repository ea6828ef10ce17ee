"""Execute the numbered notebooks headless: ``uhc-analysis notebooks``.

Every ``notebooks/[0-9][0-9]-*.ipynb`` runs top to bottom, in order, each in a
fresh ``python3`` kernel with ``notebooks/`` as working directory. Parameters
are injected the way papermill does it: a new code cell tagged
``injected-parameters`` right after the cell tagged ``parameters`` (or at the
top when there is none), so the notebook's own defaults stay visible and the
values actually used follow them.

Outputs, with stable names, in ``out_dir`` (default ``reports/``):

``<name>.ipynb``
    the executed notebook, with volatile metadata removed (execution
    timestamps, papermill and widget state), so two reruns on the same inputs
    give identical files;
``<name>.html``
    the HTML rendering (nbconvert's ``lab`` template), figures inline as
    base64 PNG;
``rerun_times.json``
    seconds per notebook and the *floor*: the time of a bare
    ``jupyter nbconvert --execute`` of an empty notebook (interpreter, nbconvert
    import and kernel start-up), which no notebook can beat when run on its
    own; also the kernel start-and-stop time alone, which each per-notebook
    time includes.

Execution stops at the first failing cell; the message names the notebook,
the cell number and the exception, the partially executed notebook is still
written (with the traceback in the failing cell) and the return code is 1.

A notebook whose ``parameters`` cell defines ``figures_dir`` also gets
``figures_dir = "<out_dir>/figures"``, so a run into a temporary folder never
writes into the repository's ``reports/figures``.

Examples
--------
>>> from uhc_analysis.notebooks import run_notebooks
>>> run_notebooks(parameters={"lang": "id"})             # doctest: +SKIP
[1/5] 01-data-cleaning.ipynb ... ok 6.1 s
...
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from uhc_analysis import config
from uhc_analysis.io import write_text

if TYPE_CHECKING:
    import nbformat

#: Glob of the notebooks ``run_notebooks`` executes by default.
NOTEBOOK_GLOB: str = "[0-9][0-9]-*.ipynb"
#: Kernel every notebook runs in (the project's virtualenv registers it).
KERNEL_NAME: str = "python3"
#: Seconds a single cell may run before the notebook is declared failed.
CELL_TIMEOUT: int = 600
#: Tag of the cell holding the defaults, and of the cell holding injected values.
PARAMETERS_TAG: str = "parameters"
INJECTED_TAG: str = "injected-parameters"
#: matplotlib backend of the kernels: figures go into the cell outputs as PNG.
INLINE_BACKEND: str = "module://matplotlib_inline.backend_inline"
#: Name of the timings file written to ``out_dir``.
TIMES_FILE: str = "rerun_times.json"

#: Notebook-level metadata keys that change from run to run.
_VOLATILE_NB_METADATA: tuple[str, ...] = ("papermill", "widgets", "execution")
#: Object addresses in reprs (``<Line2D at 0x7f...>``) differ between runs.
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+>")
#: Cell-level metadata keys that change from run to run.
_VOLATILE_CELL_METADATA: tuple[str, ...] = ("execution", "papermill", "ExecuteTime")


@dataclass
class NotebookRun:
    """Outcome of one notebook: name, seconds, and where it failed if it did."""

    notebook: str
    seconds: float
    ok: bool
    cell: int | None = None
    error: str = ""
    outputs: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready record (seconds rounded to 0.01)."""
        out: dict[str, Any] = {
            "notebook": self.notebook,
            "seconds": round(self.seconds, 2),
            "status": "ok" if self.ok else "failed",
        }
        if not self.ok:
            out.update(cell=self.cell, error=self.error)
        return out


class NotebookExecutionError(RuntimeError):
    """A notebook cell raised; carries notebook name, cell number and the exception text."""

    def __init__(
        self, notebook: str, cell: int | None, cell_kind: str, error: str, source_head: str
    ) -> None:
        self.notebook, self.cell, self.error = notebook, cell, error
        if cell is not None:
            where = f"cell {cell} ({cell_kind})"
        else:
            where = cell_kind or "start-up, before the first cell"
        msg = f"{notebook} failed at {where}: {error}"
        if source_head:
            msg += f"\n    the cell starts: {source_head}"
        super().__init__(msg)


# ----------------------------------------------------------------------------- discovery


def discover_notebooks(notebooks_dir: Path | str | None = None) -> list[Path]:
    """The numbered notebooks, in run order.

    Examples
    --------
    >>> [p.name for p in discover_notebooks()][:1]           # doctest: +SKIP
    ['01-data-cleaning.ipynb']
    """
    folder = Path(notebooks_dir) if notebooks_dir else config.NOTEBOOKS_DIR
    return sorted(folder.glob(NOTEBOOK_GLOB))


# ----------------------------------------------------------------------------- parameters


def _tags(cell: Any) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def parameter_names(nb: nbformat.NotebookNode) -> set[str]:
    """Names assigned at top level in the cell tagged ``parameters``.

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
    ...     "lang = 'en'\\nbasis = 'bps'", metadata={"tags": ["parameters"]})])
    >>> sorted(parameter_names(nb))
    ['basis', 'lang']
    """
    names: set[str] = set()
    for cell in nb.cells:
        if cell.cell_type == "code" and PARAMETERS_TAG in _tags(cell):
            tree = ast.parse(cell.source)
            for node in tree.body:
                targets = (
                    node.targets
                    if isinstance(node, ast.Assign)
                    else ([node.target] if isinstance(node, ast.AnnAssign) else [])
                )
                names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def inject_parameters(
    nb: nbformat.NotebookNode, parameters: Mapping[str, Any]
) -> nbformat.NotebookNode:
    """Return a copy of ``nb`` with a papermill-style ``injected-parameters`` cell.

    The new cell follows the cell tagged ``parameters`` (or opens the notebook
    when none is tagged); a previously injected cell is replaced. Values are
    written with ``repr`` so strings, numbers, lists and dicts round-trip.

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
    ...     "lang = 'en'", metadata={"tags": ["parameters"]})])
    >>> inject_parameters(nb, {"lang": "id"}).cells[1].source
    "# Parameters\\nlang = 'id'\\n"
    """
    import copy

    import nbformat

    new = copy.deepcopy(nb)
    new.cells = [c for c in new.cells if INJECTED_TAG not in _tags(c)]
    if not parameters:
        return new
    lines = ["# Parameters"] + [f"{name} = {value!r}" for name, value in parameters.items()]
    cell = nbformat.v4.new_code_cell("\n".join(lines) + "\n", metadata={"tags": [INJECTED_TAG]})
    cell.pop("id", None)  # ids are assigned below, deterministically
    at = next((i + 1 for i, c in enumerate(new.cells) if PARAMETERS_TAG in _tags(c)), 0)
    new.cells.insert(at, cell)
    if new.nbformat == 4 and new.nbformat_minor >= 5:
        cell["id"] = INJECTED_TAG
    return new


# ----------------------------------------------------------------------------- volatile metadata


def strip_volatile(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove run-dependent metadata in place (timestamps, papermill, widgets).

    Outputs and execution counts stay: in a fresh kernel they are a function
    of the inputs, except object addresses in plain-text reprs
    (``<Axes at 0x7f...>`` becomes ``<Axes>``). Returns ``nb`` for chaining.

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
    >>> nb.cells[0].metadata["execution"] = {"iopub.status.busy": "2026-11-23T10:00:00Z"}
    >>> "execution" in strip_volatile(nb).cells[0].metadata
    False
    """
    for key in _VOLATILE_NB_METADATA:
        nb.metadata.pop(key, None)
    for cell in nb.cells:
        for key in _VOLATILE_CELL_METADATA:
            cell.get("metadata", {}).pop(key, None)
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if isinstance(data.get("text/plain"), str):
                data["text/plain"] = _ADDRESS.sub(">", data["text/plain"])
    return nb


def clear_outputs(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove outputs and execution counts in place (the form kept in git)."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return strip_volatile(nb)


# ----------------------------------------------------------------------------- execution


def _cell_label(nb: nbformat.NotebookNode, index: int) -> tuple[int | None, str, str]:
    """Number, kind and first source line of cell ``index`` (0-based) of an executed notebook.

    The number is 1-based and counts the cells of the notebook as written (the
    injected-parameters cell is not counted), so it matches what Jupyter shows
    when the notebook in ``notebooks/`` is opened.
    """
    cell = nb.cells[index]
    head = next((ln.strip() for ln in cell.source.splitlines() if ln.strip()), "")[:100]
    if INJECTED_TAG in _tags(cell):
        return None, "the injected-parameters cell", head
    own = [i for i, c in enumerate(nb.cells) if INJECTED_TAG not in _tags(c)]
    code = [i for i in own if nb.cells[i].cell_type == "code"]
    kind = cell.cell_type + " cell"
    if index in code:
        kind = f"code cell {code.index(index) + 1} of {len(code)}"
    return own.index(index) + 1, kind, head


def _kernel_config() -> Any:
    """Traitlets config asking for CurveZMQ-encrypted kernel sockets when available.

    Recent jupyter_client can provision CurveZMQ keys for kernels that declare
    support (ipykernel does); without them every kernel warns that it runs over
    TCP without encryption.
    """
    import zmq
    from jupyter_client.manager import KernelManager
    from traitlets.config import Config

    config = Config()
    if "transport_encryption" in KernelManager.class_trait_names() and zmq.has("curve"):
        config.KernelManager.transport_encryption = "auto"
    return config


def kernel_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment of a notebook kernel: ours, with matplotlib's inline backend.

    The Makefile exports ``MPLBACKEND=Agg`` for the figure stages; a kernel
    inheriting it would draw every chart off-screen and the executed notebooks
    (and their HTML) would have no figures.

    Examples
    --------
    >>> kernel_environment({"MPLBACKEND": "Agg", "X": "1"})
    {'X': '1', 'MPLBACKEND': 'module://matplotlib_inline.backend_inline'}
    """
    env = {
        k: v for k, v in (os.environ if environ is None else environ).items() if k != "MPLBACKEND"
    }
    env["MPLBACKEND"] = INLINE_BACKEND
    return env


def execute_notebook(
    nb: nbformat.NotebookNode,
    name: str,
    cwd: Path,
    *,
    timeout: int = CELL_TIMEOUT,
    kernel_name: str = KERNEL_NAME,
) -> nbformat.NotebookNode:
    """Run every cell of ``nb`` in place in a fresh kernel; raise on the first error.

    Raises
    ------
    NotebookExecutionError
        With the 1-based cell number (counting every cell, as Jupyter shows
        them), the cell kind and the exception; ``nb`` keeps the outputs
        produced so far, including the traceback.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    current = {"index": None}

    def on_start(cell: Any, cell_index: int) -> None:
        current["index"] = cell_index

    client = NotebookClient(
        nb,
        config=_kernel_config(),
        timeout=timeout,
        kernel_name=kernel_name,
        record_timing=False,
        allow_errors=False,
        resources={"metadata": {"path": str(cwd)}},
        on_cell_start=on_start,
    )
    try:
        client.execute(env=kernel_environment())
    except Exception as exc:  # a cell error, a timeout, a dead or missing kernel
        index = current["index"]
        if isinstance(exc, CellExecutionError):
            error = f"{exc.ename}: {exc.evalue}"
        elif isinstance(exc, CellTimeoutError):
            error = f"cell timed out after {timeout} s (CellTimeoutError)"
        else:
            lines = str(exc).strip().splitlines()
            error = f"{type(exc).__name__}: {lines[-1] if lines else ''}"
        number, kind, head = _cell_label(nb, index) if index is not None else (None, "", "")
        raise NotebookExecutionError(name, number, kind, error, head) from exc
    return nb


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
    """Execute one notebook and write ``<name>.ipynb`` and ``<name>.html`` to ``out_dir``.

    Never raises for a failing cell: the returned :class:`NotebookRun` says
    where it failed (the partial notebook and its HTML are written anyway).

    Examples
    --------
    >>> run_notebook("notebooks/01-data-cleaning.ipynb", out_dir="/tmp/r").ok  # doctest: +SKIP
    True
    """
    import nbformat

    path = Path(path).resolve()
    out = Path(out_dir)
    nb = nbformat.read(path, as_version=4)
    params = dict(parameters or {})
    if "figures_dir" in parameter_names(nb) and "figures_dir" not in params:
        params["figures_dir"] = str((out / "figures").resolve())
    nb = inject_parameters(nb, params)
    start = time.perf_counter()
    run = NotebookRun(notebook=path.name, seconds=0.0, ok=True)
    try:
        execute_notebook(nb, path.name, path.parent, timeout=timeout, kernel_name=kernel_name)
    except NotebookExecutionError as exc:
        run.ok, run.cell, run.error = False, exc.cell, str(exc)
    run.seconds = time.perf_counter() - start
    strip_volatile(nb)
    run.outputs = [
        str(_write_notebook(nb, out / path.name)),
        str(write_text(render_html(nb, path.stem), out / f"{path.stem}.html")),
    ]
    return run


# ----------------------------------------------------------------------------- the floor


def _jupyter_command() -> list[str]:
    exe = Path(sys.executable).parent / ("jupyter.exe" if os.name == "nt" else "jupyter")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("jupyter")
    return [found] if found else [sys.executable, "-m", "jupyter"]


def measure_floor(kernel_name: str = KERNEL_NAME, timeout: int = 120) -> float:
    """Seconds of a bare ``jupyter nbconvert --execute`` of an empty notebook.

    The floor every notebook pays (interpreter start, nbconvert import, kernel
    start-up and shutdown) before running any of its own code.

    Examples
    --------
    >>> measure_floor() > 0                                   # doctest: +SKIP
    True
    """
    import nbformat

    with tempfile.TemporaryDirectory(prefix="uhc-floor-") as tmp:
        empty = Path(tmp) / "empty.ipynb"
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {
            "name": kernel_name,
            "display_name": kernel_name,
            "language": "python",
        }
        nbformat.write(nb, empty)
        cmd = [
            *_jupyter_command(),
            "nbconvert",
            "--to",
            "notebook",
            "--execute",
            f"--ExecutePreprocessor.kernel_name={kernel_name}",
            "--output",
            str(Path(tmp) / "empty.out.ipynb"),
            str(empty),
        ]
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, timeout=timeout, cwd=tmp)
        return time.perf_counter() - start


def measure_kernel_floor(kernel_name: str = KERNEL_NAME) -> float:
    """Seconds to execute an empty notebook in-process, as :func:`run_notebook` does.

    Kernel start-up and shutdown only: the part of :func:`measure_floor` that
    the per-notebook times printed by :func:`run_notebooks` also contain.

    Examples
    --------
    >>> measure_kernel_floor() > 0                            # doctest: +SKIP
    True
    """
    import nbformat

    with tempfile.TemporaryDirectory(prefix="uhc-floor-") as tmp:
        start = time.perf_counter()
        execute_notebook(
            nbformat.v4.new_notebook(), "empty.ipynb", Path(tmp), kernel_name=kernel_name
        )
        return time.perf_counter() - start


# ----------------------------------------------------------------------------- all notebooks


def run_notebooks(
    paths: Iterable[Path | str] | None = None,
    parameters: Mapping[str, Any] | None = None,
    out_dir: Path | str = config.REPORTS_DIR,
    *,
    timeout: int = CELL_TIMEOUT,
    kernel_name: str = KERNEL_NAME,
    floor: bool = True,
) -> int:
    """Execute the notebooks in order; write them, their HTML and the timings to ``out_dir``.

    Parameters
    ----------
    paths
        Notebooks to run; default every ``notebooks/[0-9][0-9]-*.ipynb``, sorted.
    parameters
        Values injected after each notebook's ``parameters`` cell, e.g.
        ``{"provinces": ["16", "17", "64"], "lang": "en", "basis": "published"}``.
    out_dir
        Where the executed notebooks, ``.html`` files and ``rerun_times.json`` go.
    timeout
        Seconds allowed per cell.
    floor
        Also time a bare ``jupyter nbconvert --execute`` of an empty notebook.

    Returns
    -------
    int
        0 when every notebook ran; 1 at the first failure (later notebooks
        are not run); 2 when there is no notebook to run.

    Examples
    --------
    >>> run_notebooks(["notebooks/01-data-cleaning.ipynb"], out_dir="/tmp/r")  # doctest: +SKIP
    [1/1] 01-data-cleaning.ipynb ... ok 5.2 s
    0
    """
    notebooks = [Path(p) for p in paths] if paths else discover_notebooks()
    if not notebooks:
        print(f"no notebook matches {config.NOTEBOOKS_DIR / NOTEBOOK_GLOB}", file=sys.stderr)
        return 2
    missing = [str(p) for p in notebooks if not p.exists()]
    if missing:
        print(f"notebook(s) not found: {', '.join(missing)}", file=sys.stderr)
        return 2
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    runs: list[NotebookRun] = []
    total_start = time.perf_counter()
    code = 0
    for k, path in enumerate(notebooks, start=1):
        print(f"[{k}/{len(notebooks)}] {path.name} ... ", end="", flush=True)
        run = run_notebook(path, parameters, out, timeout=timeout, kernel_name=kernel_name)
        runs.append(run)
        if run.ok:
            print(f"ok {run.seconds:.1f} s", flush=True)
            continue
        print(f"FAILED after {run.seconds:.1f} s", flush=True)
        print(f"error: {run.error}", file=sys.stderr)
        print(f"    the executed notebook with the traceback: {out / path.name}", file=sys.stderr)
        if k < len(notebooks):
            print(f"    not run: {', '.join(p.name for p in notebooks[k:])}", file=sys.stderr)
        code = 1
        break
    total = time.perf_counter() - total_start
    floor_s = kernel_s = None
    if floor:
        try:
            floor_s = measure_floor(kernel_name)
            kernel_s = measure_kernel_floor(kernel_name)
        except (subprocess.SubprocessError, OSError, NotebookExecutionError) as exc:
            print(f"floor not measured: {exc}", file=sys.stderr)
    times = {
        "parameters": dict(parameters or {}),
        "floor_seconds": None if floor_s is None else round(floor_s, 2),
        "floor_command": "jupyter nbconvert --to notebook --execute <empty notebook>",
        "kernel_floor_seconds": None if kernel_s is None else round(kernel_s, 2),
        "notebooks": [r.as_dict() for r in runs],
        "total_seconds": round(total, 2),
    }
    write_text(json.dumps(times, indent=2) + "\n", out / TIMES_FILE)
    if floor_s is not None:
        print(
            f"floor: bare `jupyter nbconvert --execute` of an empty notebook {floor_s:.1f} s "
            f"(kernel start and stop alone, in-process: {kernel_s:.1f} s)"
        )
    for r in runs:
        extra = "" if kernel_s is None else f"  ({r.seconds - kernel_s:+.1f} s over kernel start)"
        print(f"  {r.notebook:<28} {r.seconds:6.1f} s{extra}")
    print(f"  {'total (with HTML)':<28} {total:6.1f} s -> {out}")
    return code


__all__ = [
    "NotebookExecutionError",
    "NotebookRun",
    "clear_outputs",
    "discover_notebooks",
    "execute_notebook",
    "inject_parameters",
    "kernel_environment",
    "measure_floor",
    "measure_kernel_floor",
    "parameter_names",
    "render_html",
    "run_notebook",
    "run_notebooks",
    "strip_volatile",
]
