"""The numbered notebooks: kept clean in git, paired with their scripts, and they run.

* Each ``notebooks/NN-*.ipynb`` has a jupytext percent-format twin
  ``NN-*.py`` with the same cells (``notebooks/jupytext.toml`` pairs them), and
  the committed ``.ipynb`` carries no outputs or execution counts.
* Each opens with a ``parameters`` cell holding the project defaults and ends
  with a "Findings" markdown cell.
* Each executes top to bottom in a fresh kernel through
  :func:`uhc_analysis.notebooks.run_notebooks` into a temporary folder, after
  ``uhc-analysis build`` (the ``processed_data`` fixture): marked ``slow`` but
  part of the default test run.
* The runner itself (parameter injection, failure report, volatile metadata)
  is checked on tiny hand-made notebooks.
"""

from __future__ import annotations

import json
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
}


def test_the_numbered_notebooks_exist() -> None:
    assert [p.name[:3] for p in NOTEBOOKS] == [f"0{k}-" for k in range(1, len(NOTEBOOKS) + 1)]
    assert len(NOTEBOOKS) >= 2
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
    from_ipynb = jupytext.read(path)
    from_py = jupytext.read(script)
    assert _cells(from_ipynb) == _cells(from_py), (
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
def test_parameters_cell_and_findings(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", []), "first code cell must be tagged"
    namespace: dict[str, object] = {}
    exec(code[0].source, namespace)  # noqa: S102 - the defaults, plain literals
    assert {k: namespace[k] for k in EXPECTED_PARAMETERS} == EXPECTED_PARAMETERS
    last = nb.cells[-1]
    assert last.cell_type == "markdown" and last.source.lstrip().startswith("## Findings")
    assert "_Written from the executed outputs" not in last.source, "findings not written yet"


# ----------------------------------------------------------------------------- execution


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_executes(path: Path, processed_data: Path, tmp_path: Path) -> None:
    code = nbrun.run_notebooks([path], out_dir=tmp_path, floor=False)
    times = json.loads((tmp_path / nbrun.TIMES_FILE).read_text())
    assert code == 0, times["notebooks"][-1].get("error")
    executed = nbformat.read(tmp_path / path.name, as_version=4)
    errors = [o for c in executed.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    assert not any("execution" in c.metadata for c in executed.cells), "volatile metadata left"
    html = (tmp_path / f"{path.stem}.html").read_text(encoding="utf-8")
    pngs = sum(
        "image/png" in o.get("data", {}) for c in executed.cells for o in c.get("outputs", [])
    )
    assert html.count("data:image/png;base64,") >= pngs


MAPS_NOTEBOOK = config.NOTEBOOKS_DIR / "04-choropleth-maps.ipynb"


@pytest.mark.slow
@pytest.mark.skipif(not MAPS_NOTEBOOK.exists(), reason="no maps notebook yet")
def test_maps_notebook_without_boundaries(
    processed_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No mirror file and an empty cache: the maps are skipped with a message, no crash."""
    monkeypatch.setenv(config.MIRROR_ENV, str(tmp_path / "no-mirror"))
    monkeypatch.setenv("UHC_ANALYSIS_CACHE", str(tmp_path / "empty-cache"))
    out = tmp_path / "out"
    assert nbrun.run_notebooks([MAPS_NOTEBOOK], out_dir=out, floor=False) == 0
    executed = nbformat.read(out / MAPS_NOTEBOOK.name, as_version=4)
    outputs = [o for c in executed.cells for o in c.get("outputs", [])]
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "MAPS SKIPPED" in printed and "boundaries are unavailable" in printed
    assert not any("image/png" in o.get("data", {}) for o in outputs), "a map was drawn"


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


def test_inject_parameters_after_the_tagged_cell() -> None:
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("x"),
            nbformat.v4.new_code_cell("lang = 'en'", metadata={"tags": ["parameters"]}),
            nbformat.v4.new_code_cell("print(lang)"),
        ]
    )
    once = nbrun.inject_parameters(nb, {"lang": "id", "provinces": ["17"]})
    twice = nbrun.inject_parameters(once, {"lang": "en"})
    assert [c.metadata.get("tags") for c in once.cells] == [
        None,
        ["parameters"],
        ["injected-parameters"],
        None,
    ]
    assert once.cells[2].source == "# Parameters\nlang = 'id'\nprovinces = ['17']\n"
    assert len(twice.cells) == 4 and twice.cells[2].source.endswith("lang = 'en'\n")
    assert len(nb.cells) == 3, "input notebook must not be modified"


def test_runner_injects_strips_and_renders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MPLBACKEND", "Agg")  # as the Makefile exports it
    path = _toy(
        tmp_path,
        "01-toy.ipynb",
        "lang = 'en'\nfigures_dir = None",
        "import os\nprint(lang, os.path.basename(os.getcwd()), figures_dir)\nobject()",
        "import matplotlib.pyplot as plt\nplt.plot([1, 2]);",
        tags=("parameters",),
    )
    out = tmp_path / "out"
    assert nbrun.run_notebooks([path], {"lang": "id"}, out_dir=out, floor=False) == 0
    text = (out / "01-toy.ipynb").read_text()
    nb = nbformat.reads(text, as_version=4)
    stream = nb.cells[3].outputs[0].text
    assert stream == f"id nb {(out / 'figures').resolve()}\n", "parameters and cwd"
    assert nb.cells[3].outputs[1].data["text/plain"] == "<object>", "address stripped"
    assert "image/png" in nb.cells[4].outputs[0].data, "figure not inline (MPLBACKEND leaked)"
    assert '"execution"' not in text and "iopub" not in text
    html = (out / "01-toy.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in html
    assert json.loads((out / nbrun.TIMES_FILE).read_text())["notebooks"][0]["status"] == "ok"


def test_runner_stops_at_the_first_failure(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    bad = _toy(tmp_path, "01-bad.ipynb", "x = 1", "y = 2", "raise ValueError('boom')")
    later = _toy(tmp_path, "02-later.ipynb", "print('never')")
    out = tmp_path / "out"
    assert nbrun.run_notebooks([bad, later], out_dir=out, floor=False) == 1
    err = capsys.readouterr().err
    assert "01-bad.ipynb failed at cell 4 (code cell 3 of 3): ValueError: boom" in err
    assert "not run: 02-later.ipynb" in err
    assert (out / "01-bad.ipynb").exists() and not (out / "02-later.ipynb").exists()
    times = json.loads((out / nbrun.TIMES_FILE).read_text())
    assert [(r["notebook"], r["status"], r["cell"]) for r in times["notebooks"]] == [
        ("01-bad.ipynb", "failed", 4)
    ]
