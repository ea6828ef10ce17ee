"""The numbered notebooks: kept clean in git, paired with their scripts, read-only, and they run.

* Each ``notebooks/NN-*.ipynb`` has a jupytext percent-format twin
  ``NN-*.py`` with the same cells (``notebooks/jupytext.toml`` pairs them), and
  the committed ``.ipynb`` carries no outputs or execution counts.
* Each opens with a ``parameters`` cell holding the project defaults (papermill
  reads them) and ends with a code cell that writes its findings with a
  :mod:`uhc_analysis.analysis.narrative` function; no markdown cell has a
  number typed into it, and no code cell recomputes a stage or writes a file.
* Each executes top to bottom in a fresh kernel through
  :func:`uhc_analysis.notebooks.run_notebooks` (papermill), on processed
  tables and figures built into temporary folders (``conftest.py``): with the
  defaults, and for one province in Indonesian. Marked ``slow`` but part of
  the default test run.
* The runner's own work (parameter checks, failure report, volatile metadata,
  byte-identical reruns) is checked on tiny hand-made notebooks.
"""

from __future__ import annotations

import filecmp
import json
import os
import re
from pathlib import Path

import jupytext
import nbformat
import pytest

from uhc_analysis import config
from uhc_analysis import notebooks as nbrun

NOTEBOOKS = nbrun.discover_notebooks()
IDS = [p.stem for p in NOTEBOOKS]
EXPECTED_PARAMETERS = {
    "provinces": ["16", "17", "64"],
    "thresholds": [95, 98, 100],
    "basis": "published",
    "lang": "en",
    "processed_dir": None,
}
#: Calls a notebook must not make: they recompute a stage, export figures, write
#: files or decide by file times.
FORBIDDEN = (
    "project_coverage",
    "backtest(",
    "uhc_metrics(",
    "budget_check(",
    "clean_all(",
    "coverage_panel(",
    "export_figures",
    "plotting.export",
    "pipeline",
    "write_table",
    "write_text",
    "to_csv",
    "savefig",
    "st_mtime",
    "getmtime",
)


def test_the_numbered_notebooks_exist() -> None:
    assert [p.name[:3] for p in NOTEBOOKS] == [f"0{k}-" for k in range(1, len(NOTEBOOKS) + 1)]
    assert len(NOTEBOOKS) == 5
    toml = (config.NOTEBOOKS_DIR / "jupytext.toml").read_text()
    assert 'formats = "ipynb,py:percent"' in toml


# ----------------------------------------------------------------------------- committed form


def _cells(nb: nbformat.NotebookNode) -> list[tuple[str, str, tuple[str, ...]]]:
    return [
        (c.cell_type, c.source.strip(), tuple(c.get("metadata", {}).get("tags", [])))
        for c in nb.cells
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_pair_in_sync(path: Path) -> None:
    script = path.with_suffix(".py")
    assert script.exists(), f"{script.name} missing: run `jupytext --sync {path}`"
    assert _cells(jupytext.read(path)) == _cells(jupytext.read(script)), (
        f"{path.name} and {script.name} differ: run `jupytext --sync notebooks/{path.name}`"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_committed_without_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    dirty = [
        k + 1
        for k, c in enumerate(nb.cells)
        if c.cell_type == "code" and (c.outputs or c.execution_count is not None)
    ]
    assert not dirty, (
        f"{path.name}: cells {dirty} carry outputs or execution counts; clear them "
        "(`jupyter nbconvert --clear-output --inplace`) before committing"
    )
    assert not any("execution" in c.get("metadata", {}) for c in nb.cells)
    assert nb.metadata.get("kernelspec", {}).get("name") == nbrun.KERNEL_NAME


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_parameters_cell(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", []), "first code cell must be tagged"
    defaults = nbrun.notebook_parameters(path)  # what papermill sees
    assert {k: defaults[k] for k in EXPECTED_PARAMETERS} == EXPECTED_PARAMETERS
    namespace: dict[str, object] = {}
    exec(code[0].source, namespace)  # noqa: S102 - the defaults, plain literals
    assert {k: namespace[k] for k in defaults} == defaults


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_findings_are_written_by_the_package(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    last = nb.cells[-1]
    assert last.cell_type == "code", "the findings are generated, not typed"
    assert re.search(r"Markdown\(\s*narrative\.\w+_findings\(", last.source), last.source
    assert not any(c.source.lstrip().startswith("## Findings") for c in nb.cells)


def _untyped(markdown: str) -> str:
    """Markdown without what may carry digits: code spans, titles, notebook numbers, sha256."""
    text = re.sub(r"`[^`]*`", "", markdown)
    text = re.sub(r"^# \d\d · ", "", text, flags=re.MULTILINE)
    text = re.sub(r"notebooks? \d\d", "", text)
    return text.replace("sha256", "")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_number_typed_into_prose(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    typed = [
        (k + 1, line)
        for k, c in enumerate(nb.cells)
        if c.cell_type == "markdown"
        for line in _untyped(c.source).splitlines()
        if re.search(r"\d", line)
    ]
    assert not typed, f"{path.name}: numbers typed into markdown: {typed}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebooks_only_read(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    found = [f for f in FORBIDDEN if f in code]
    assert not found, f"{path.name} recomputes a stage or writes files: {found}"
    reads = re.findall(r"\b(?:read_table|load_panel)\(([^()]*)\)", code)
    assert reads, "reads the processed tables through uhc_analysis.io"
    assert all("processed_dir" in args for args in reads), f"{path.name}: {reads}"


def test_the_pre_refactor_notebook_02_failure_is_gone() -> None:
    """Bengkulu has no BPS-basis rows: the Dukcapil-vs-BPS table must not index ``bps``."""
    code = "\n".join(
        c.source
        for c in nbformat.read(config.NOTEBOOKS_DIR / "02-coverage-trends.ipynb", 4).cells
        if c.cell_type == "code"
    )
    assert 'dropna(subset=["dukcapil", "bps"])' not in code
    assert "tables.basis_comparison(panel)" in code


# ----------------------------------------------------------------------------- execution


def _params(path: Path, processed_dir: Path, figures_dir: Path, **extra: object) -> dict:
    params: dict[str, object] = {"processed_dir": str(processed_dir), **extra}
    if "figures_dir" in nbrun.notebook_parameters(path):
        params["figures_dir"] = str(figures_dir)
    return params


def _outputs(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [o for c in nb.cells for o in c.get("outputs", [])]


def _findings(nb: nbformat.NotebookNode) -> str:
    md = [o["data"]["text/markdown"] for o in nb.cells[-1].outputs if "data" in o]
    assert md and md[0].startswith("## Findings"), "no generated findings"
    return md[0]


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_executes(
    path: Path, processed_dir: Path, figures_dir: Path, tmp_path: Path
) -> None:
    params = _params(path, processed_dir, figures_dir)
    code = nbrun.run_notebooks([path], params, out_dir=tmp_path, floor=False)
    times = json.loads((tmp_path / nbrun.TIMES_FILE).read_text())
    assert code == 0, times["notebooks"][-1].get("error")
    assert times["notebooks"][0]["slowest_cells"], "papermill's cell timings"
    executed = nbformat.read(tmp_path / path.name, as_version=4)
    assert not [o for o in _outputs(executed) if o.output_type == "error"]
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and str(processed_dir) in injected[0].source
    assert not any({"execution", "papermill"} & set(c.metadata) for c in executed.cells)
    assert "papermill" not in executed.metadata
    _findings(executed)
    html = (tmp_path / f"{path.stem}.html").read_text(encoding="utf-8")
    pngs = sum("image/png" in o.get("data", {}) for o in _outputs(executed))
    assert html.count("data:image/png;base64,") >= pngs


@pytest.mark.slow
def test_one_province_in_indonesian(processed_dir: Path, figures_dir: Path, tmp_path: Path) -> None:
    """As ``uhc-analysis notebooks --provinces 17 --lang id``: all run, 05 shows the figures."""
    params = {
        "provinces": ["17"],
        "lang": "id",
        "processed_dir": str(processed_dir),
        "figures_dir": str(figures_dir),
    }
    assert nbrun.run_notebooks(None, params, out_dir=tmp_path, floor=False) == 0
    trends = _findings(nbformat.read(tmp_path / "02-coverage-trends.ipynb", as_version=4))
    assert "Bengkulu" in trends and "Sumatera Selatan" not in trends
    # the denominator sentence is generated either way (with the raw rows of December 2026,
    # Bengkulu regencies have figures on both the Dukcapil and the BPS basis)
    assert "**The denominator moves the answer.**" in trends
    charts = nbformat.read(tmp_path / "05-policy-charts.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for o in _outputs(charts) if o.output_type == "stream")
    assert "is not in" not in printed, printed
    assert sum("image/png" in o.get("data", {}) for o in _outputs(charts)) == 4


@pytest.mark.slow
def test_missing_figures_are_named_with_their_command(processed_dir: Path, tmp_path: Path) -> None:
    path = config.NOTEBOOKS_DIR / "05-policy-charts.ipynb"
    params = {"processed_dir": str(processed_dir), "figures_dir": str(tmp_path / "none")}
    assert nbrun.run_notebooks([path], params, out_dir=tmp_path, floor=False) == 0
    executed = nbformat.read(tmp_path / path.name, as_version=4)
    printed = "".join(o.get("text", "") for o in _outputs(executed) if o.output_type == "stream")
    assert "There is no figure in" in printed
    assert "map_coverage_all_en.png is not in" in printed and "uhc-analysis --out-dir" in printed
    assert not any("image/png" in o.get("data", {}) for o in _outputs(executed))


@pytest.mark.slow
def test_maps_notebook_without_boundaries(
    processed_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No mirror file and an empty cache: the maps are skipped with a message, no crash."""
    monkeypatch.setenv(config.MIRROR_ENV, str(tmp_path / "no-mirror"))
    monkeypatch.setenv("UHC_ANALYSIS_CACHE", str(tmp_path / "empty-cache"))
    maps_notebook = config.NOTEBOOKS_DIR / "04-choropleth-maps.ipynb"
    out = tmp_path / "out"
    params = {"processed_dir": str(processed_dir)}
    assert nbrun.run_notebooks([maps_notebook], params, out_dir=out, floor=False) == 0
    executed = nbformat.read(out / maps_notebook.name, as_version=4)
    printed = "".join(o.get("text", "") for o in _outputs(executed) if o.output_type == "stream")
    assert "MAPS SKIPPED" in printed and "boundaries are unavailable" in printed
    assert not any("image/png" in o.get("data", {}) for o in _outputs(executed)), "a map was drawn"


@pytest.mark.slow
def test_reruns_are_byte_identical(processed_dir: Path, tmp_path: Path) -> None:
    path = config.NOTEBOOKS_DIR / "01-data-cleaning.ipynb"
    params = {"processed_dir": str(processed_dir)}
    for run in ("a", "b"):
        assert nbrun.run_notebooks([path], params, out_dir=tmp_path / run, floor=False) == 0
    for name in (path.name, f"{path.stem}.html"):
        assert filecmp.cmp(tmp_path / "a" / name, tmp_path / "b" / name, shallow=False), name


# ----------------------------------------------------------------------------- the runner


def _toy(tmp_path: Path, name: str, *sources: str, tags: tuple[str, ...] = ()) -> Path:
    cells = [nbformat.v4.new_markdown_cell(f"# {name}")]
    for k, src in enumerate(sources):
        meta = {"tags": list(tags)} if k == 0 and tags else {}
        cells.append(nbformat.v4.new_code_cell(src, metadata=meta))
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = tmp_path / "nb" / name
    path.parent.mkdir(exist_ok=True)
    nbformat.write(nb, path)
    return path


def test_check_parameters_by_the_defaults() -> None:
    defaults = {"provinces": ["16"], "thresholds": [95, 98], "lang": "en", "dir": None, "n": 3}
    ok = nbrun.check_parameters(
        {"provinces": ("17",), "thresholds": [98.5], "dir": Path("/tmp/x"), "n": 2.5}, defaults
    )
    assert ok == {"provinces": ["17"], "thresholds": [98.5], "dir": "/tmp/x", "n": 2.5}
    for bad, message in [
        ({"provinces": "17"}, "must be a list like ['16'], not the str '17' (pass ['17'])"),
        ({"provinces": [17]}, "must hold str values"),
        ({"thresholds": ["95"]}, "must hold number values"),
        ({"lang": ["id"]}, "must be a str like 'en'"),
        ({"n": True}, "must be a number like 3, not the bool True"),
        ({"dir": 3}, "must be None or a string"),
        ({"colour": "red"}, "unknown parameter(s) colour"),
    ]:
        with pytest.raises(nbrun.ParameterError, match=re.escape(message)):
            nbrun.check_parameters(bad, defaults, "toy.ipynb")


def test_a_refused_parameter_runs_nothing(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = _toy(tmp_path, "01-toy.ipynb", "provinces = ['16']", "x = 1", tags=("parameters",))
    out = tmp_path / "out"
    assert nbrun.run_notebooks([path], {"provinces": "17"}, out_dir=out, floor=False) == 2
    err = capsys.readouterr().err
    assert "01-toy.ipynb: parameter provinces must be a list like ['16']" in err
    assert nbrun.run_notebooks([path], {"province": ["17"]}, out_dir=out, floor=False) == 2
    assert "unknown parameter(s) province: no notebook run declares them" in capsys.readouterr().err
    assert not out.exists()


def test_runner_injects_strips_and_renders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MPLBACKEND", "Agg")  # as the Makefile exports it
    path = _toy(
        tmp_path,
        "01-toy.ipynb",
        "lang = 'en'\nprovinces = ['16']",
        "import os\nprint(lang, provinces, os.path.basename(os.getcwd()))\nobject()",
        "import matplotlib.pyplot as plt\nplt.plot([1, 2]);",
        tags=("parameters",),
    )
    out = tmp_path / "out"
    params = {"lang": "id", "provinces": ("17",)}
    assert nbrun.run_notebooks([path], params, out_dir=out, floor=False) == 0
    text = (out / "01-toy.ipynb").read_text()
    nb = nbformat.reads(text, as_version=4)
    injected = nb.cells[2]
    assert (
        injected.metadata["tags"] == ["injected-parameters"]
        and injected.id == "injected-parameters"
    )
    assert 'lang = "id"' in injected.source and 'provinces = ["17"]' in injected.source
    assert nb.cells[3].outputs[0].text == "id ['17'] nb\n", "parameters and cwd"
    assert nb.cells[3].outputs[1].data["text/plain"] == "<object>", "address stripped"
    assert "image/png" in nb.cells[4].outputs[0].data, "figure not inline (MPLBACKEND leaked)"
    assert '"execution"' not in text and "iopub" not in text and "start_time" not in text
    html = (out / "01-toy.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in html
    times = json.loads((out / nbrun.TIMES_FILE).read_text())
    assert times["notebooks"][0]["status"] == "ok"
    assert times["parameters"] == {"01-toy.ipynb": {"lang": "id", "provinces": ["17"]}}
    assert os.environ["MPLBACKEND"] == "Agg", "the kernel's backend leaked into the caller"


def test_runner_stops_at_the_first_failure(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    bad = _toy(tmp_path, "01-bad.ipynb", "x = 1", "y = 2", "raise ValueError('boom')")
    later = _toy(tmp_path, "02-later.ipynb", "print('never')")
    out = tmp_path / "out"
    assert nbrun.run_notebooks([bad, later], out_dir=out, floor=False) == 1
    err = capsys.readouterr().err
    assert "01-bad.ipynb failed at cell 4 (code cell 3 of 3): ValueError: boom" in err
    assert "the cell starts: raise ValueError('boom')" in err
    assert "not run: 02-later.ipynb" in err
    assert (out / "01-bad.ipynb").exists() and not (out / "02-later.ipynb").exists()
    partial = nbformat.read(out / "01-bad.ipynb", as_version=4)
    assert [o.ename for c in partial.cells for o in c.get("outputs", [])] == ["ValueError"]
    times = json.loads((out / nbrun.TIMES_FILE).read_text())
    assert [(r["notebook"], r["status"], r["cell"]) for r in times["notebooks"]] == [
        ("01-bad.ipynb", "failed", 4)
    ]


def test_runner_reports_a_timeout(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    slow = _toy(tmp_path, "01-slow.ipynb", "x = 1", "import time\ntime.sleep(30)")
    assert nbrun.run_notebooks([slow], out_dir=tmp_path / "out", timeout=2, floor=False) == 1
    err = capsys.readouterr().err
    assert "01-slow.ipynb failed at cell 3 (code cell 2 of 2): cell timed out after 2 s" in err


def test_a_kernel_that_dies_at_start_is_started_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kernels started together can race for a port; the runner starts such a kernel again."""
    import papermill

    real = papermill.execute_notebook
    calls: list[str] = []
    deaths = [1]  # the first start dies, as in a port race

    def flaky(*args: object, **kwargs: object) -> object:
        calls.append(str(args[0]))
        if deaths:
            deaths.pop()
            raise RuntimeError("Kernel died before replying to kernel_info")
        return real(*args, **kwargs)

    monkeypatch.setattr(papermill, "execute_notebook", flaky)
    good = _toy(tmp_path, "01-good.ipynb", "print('ran')")
    nb = nbrun.execute_notebook(good)
    assert len(calls) == 2 and nb.cells[-1].outputs[0].text == "ran\n"

    calls.clear()
    bad = _toy(tmp_path, "02-bad.ipynb", "raise ValueError('boom')")
    with pytest.raises(nbrun.NotebookExecutionError, match="ValueError: boom"):
        nbrun.execute_notebook(bad)
    assert len(calls) == 1, "a cell error is not retried"

    def always_dead(*args: object, **kwargs: object) -> object:
        calls.append(str(args[0]))
        raise RuntimeError("Kernel died before replying to kernel_info")

    calls.clear()
    monkeypatch.setattr(papermill, "execute_notebook", always_dead)
    with pytest.raises(nbrun.NotebookExecutionError, match="Kernel died"):
        nbrun.execute_notebook(good)
    assert len(calls) == nbrun.START_RETRIES + 1
