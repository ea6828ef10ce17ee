"""The parameters of the notebooks: checked before a run and again inside the kernel.

papermill injects any value it is given (it only logs unknown names), so
``provinces="17"`` would run every cell on the characters of a string, and
``papermill nb.ipynb out.ipynb -p provinces '["64"]'`` injects the *string*
``'["64"]'``. Two checks stop that:

:func:`plan_parameters` / :func:`check_parameters`
    before ``uhc-analysis notebooks`` runs anything: each value must have the
    kind of the notebook's default (as read by :func:`papermill.inspect_notebook`),
    and a name no notebook declares is refused.
:func:`settle_parameters`
    the first code cell of every notebook, whoever started it (papermill,
    nbconvert, JupyterLab): a JSON text where a list belongs is parsed, any
    other misfit is refused with one line, and province codes must be BPS
    provinces with figures in the processed panel.

:func:`run_folder` names the folder of a parameterised run
(``reports/runs/<provinces>-<lang>/``), so a rerun for one province or the other
language never overwrites the default run in ``reports/``.

Examples
--------
>>> settle_parameters(provinces='["64"]', lang="id")
(['64'], 'id')
>>> settle_parameters(provinces=["99"])  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
uhc_analysis.notebook_parameters.ParameterError: parameter provinces: 99 is not a BPS province ...
>>> run_folder({"provinces": ["17"], "lang": "id"}, Path("reports")).as_posix()
'reports/runs/17-id'
"""

from __future__ import annotations

import ast
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from uhc_analysis import config


class ParameterError(ValueError):
    """A parameter value does not fit the notebook's ``parameters`` cell."""


#: The kind of every parameter a notebook declares, as a default of that kind
#: (what :func:`settle_parameters` checks values against inside the kernel).
KINDS: dict[str, Any] = {
    "provinces": list(config.FOCUS_PROVINCES),
    "thresholds": [95, 98, 100],
    "basis": "published",
    "lang": "en",
    "processed_dir": None,
    "figures_dir": None,
}
#: Allowed values of the text parameters.
CHOICES: dict[str, tuple[str, ...]] = {
    "basis": ("published", "dukcapil", "bps"),
    "lang": ("en", "id"),
}


def notebook_parameters(path: Path | str) -> dict[str, Any]:
    """The defaults of the notebook's ``parameters`` cell, ``{name: value}``.

    Names and default expressions come from :func:`papermill.inspect_notebook`;
    each default must be a Python literal (a string, number, list, ``None``),
    which is what makes them checkable.

    Examples
    --------
    >>> notebook_parameters("notebooks/02-coverage-trends.ipynb")["provinces"]
    ['16', '17', '64']
    """
    import papermill

    out: dict[str, Any] = {}
    for name, info in papermill.inspect_notebook(str(path)).items():
        try:
            out[name] = ast.literal_eval(info["default"])
        except (ValueError, SyntaxError) as exc:
            raise ParameterError(
                f"{Path(path).name}: the default of parameter {name} is not a literal "
                f"({info['default']!r}); write it as a plain value"
            ) from exc
    return out


def _kind(value: Any) -> str:
    """``bool``, ``number`` (int or float), ``str``, ``list``, ``dict`` or the type's name."""
    for kind, types in (("bool", bool), ("number", int | float), ("list", list | tuple)):
        if isinstance(value, types):
            return kind
    return type(value).__name__


def _check_one(name: str, value: Any, default: Any, where: str) -> Any:
    """``value`` made injectable (tuples -> lists, paths -> str), or a :class:`ParameterError`."""
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if isinstance(value, tuple):
        value = list(value)
    if default is None:  # an optional path: None or text
        if value is not None and not isinstance(value, str):
            raise ParameterError(
                f"{where}: parameter {name} must be None or a string, not {value!r}"
            )
        return value
    want, got = _kind(default), _kind(value)
    if want != got:
        hint = f" (pass [{value!r}])" if want == "list" and got in ("str", "number") else ""
        raise ParameterError(
            f"{where}: parameter {name} must be a {want} like {default!r}, "
            f"not the {got} {value!r}{hint}"
        )
    if want == "list":
        kinds = {_kind(v) for v in default}
        bad = [v for v in value if kinds and _kind(v) not in kinds]
        if bad:
            raise ParameterError(
                f"{where}: parameter {name} must hold {' or '.join(sorted(kinds))} values "
                f"like {default!r}; {bad!r} do not fit"
            )
    return value


def check_parameters(
    parameters: Mapping[str, Any], defaults: Mapping[str, Any], notebook: str = "notebook"
) -> dict[str, Any]:
    """``parameters`` checked against a notebook's ``defaults`` (see module doc).

    Each value must have the kind of its default: a list for a list (with
    elements of the default's element types), a string for a string, a number
    (int or float) for a number, a bool for a bool, and ``None`` or a string
    for a ``None`` default. Tuples are passed as lists and paths as strings.

    Raises
    ------
    ParameterError
        Naming the notebook, the parameter, the value and the expected form;
        also for a name the notebook does not declare.

    Examples
    --------
    >>> check_parameters({"thresholds": (95, 98.5)}, {"thresholds": [95, 98, 100]})
    {'thresholds': [95, 98.5]}
    >>> check_parameters({"provinces": [17]}, {"provinces": ["16"]})
    ... # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    ...
    uhc_analysis.notebook_parameters.ParameterError: notebook: parameter provinces must hold str
    values like ['16']; [17] do not fit
    """
    unknown = sorted(set(parameters) - set(defaults))
    if unknown:
        raise ParameterError(
            f"{notebook}: unknown parameter(s) {', '.join(unknown)}; "
            f"its parameters cell declares {', '.join(sorted(defaults)) or 'none'}"
        )
    return {
        name: _check_one(name, value, defaults[name], notebook)
        for name, value in parameters.items()
    }


def plan_parameters(
    notebooks: Iterable[Path], parameters: Mapping[str, Any]
) -> dict[Path, dict[str, Any]]:
    """The checked parameters of each notebook: the given ones it declares.

    A parameter may be meant for some notebooks only (``figures_dir``), so each
    notebook gets the names its parameters cell declares; a name no notebook
    declares raises :class:`ParameterError`.

    Examples
    --------
    >>> nb = Path("notebooks/05-policy-charts.ipynb")
    >>> plan_parameters([nb], {"lang": "id", "figures_dir": "/tmp/f"})[nb]
    {'lang': 'id', 'figures_dir': '/tmp/f'}
    """
    plan, declared = {}, set()
    for path in notebooks:
        defaults = notebook_parameters(path)
        declared |= set(defaults)
        mine = {k: v for k, v in parameters.items() if k in defaults}
        plan[path] = check_parameters(mine, defaults, path.name)
    unknown = sorted(set(parameters) - declared)
    if unknown:
        raise ParameterError(
            f"unknown parameter(s) {', '.join(unknown)}: no notebook run declares them "
            f"(declared: {', '.join(sorted(declared))})"
        )
    return plan


def _from_json(name: str, value: Any, default: Any) -> Any:
    """``value`` parsed when it is a JSON (or Python) text where a list belongs."""
    if not (isinstance(default, list) and isinstance(value, str)):
        return value
    text = value.strip()
    if not text.startswith("["):
        return value
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        try:
            return ast.literal_eval(text)
        except (ValueError, SyntaxError):
            raise ParameterError(
                f"parameter {name}: {value!r} is neither a list nor JSON text of one "
                f"(pass it like -p {name} '{json.dumps(default)}')"
            ) from None


def known_provinces(processed_dir: Path | str | None = None) -> dict[str, str]:
    """``{code: name}`` of the BPS provinces, and which of them have figures.

    Returns the gazetteer's provinces; the second check (figures in the
    processed panel) happens in :func:`settle_parameters`.

    Examples
    --------
    >>> known_provinces()["17"]
    'Bengkulu'
    """
    from uhc_analysis.ingest.regions import load_regions

    regions = load_regions()
    provinces = regions.loc[regions["kind"] == "province"]
    return dict(zip(provinces["bps_code"].astype(str), provinces["name"].astype(str), strict=True))


def _provinces_with_figures(processed_dir: Path | str | None) -> set[str] | None:
    """Province codes of the processed coverage panel; ``None`` when it is not built yet."""
    import pandas as pd

    path = Path(processed_dir or config.DATA_PROCESSED) / "coverage_panel.csv"
    if not path.is_file():
        return None
    col = pd.read_csv(path, usecols=["province_code"], dtype=str)["province_code"]
    return set(col.dropna())


def settle_parameters(**values: Any) -> Any:
    """The notebook's parameters, checked (and JSON texts parsed), in the order given.

    Called in the first code cell of each notebook with the values the
    parameters cell (or papermill's injected cell) set. One value comes back
    as itself, several as a tuple in the order given.

    Raises
    ------
    ParameterError
        One line naming the parameter, the value and what fits.

    Examples
    --------
    >>> settle_parameters(thresholds="[95, 98]", basis="published")
    ([95, 98], 'published')
    >>> settle_parameters(lang="fr")
    Traceback (most recent call last):
    ...
    uhc_analysis.notebook_parameters.ParameterError: parameter lang: 'fr' is not one of en, id
    """
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name not in KINDS:
            raise ParameterError(
                f"parameter {name}: not a notebook parameter (known: {', '.join(KINDS)})"
            )
        value = _from_json(name, value, KINDS[name])
        value = _check_one(name, value, KINDS[name], "notebook")
        if name in CHOICES and value not in CHOICES[name]:
            raise ParameterError(
                f"parameter {name}: {value!r} is not one of {', '.join(CHOICES[name])}"
            )
        if name == "thresholds" and not all(0 < float(t) <= 100 for t in value):
            raise ParameterError(f"parameter thresholds: {value!r} must be percentages in (0, 100]")
        out[name] = value
    if "provinces" in out:
        out["provinces"] = _checked_provinces(out["provinces"], out.get("processed_dir"))
    result = tuple(out.values())
    return result[0] if len(result) == 1 else result


def _checked_provinces(codes: list[str], processed_dir: str | None) -> list[str]:
    known = known_provinces()
    if not codes:
        raise ParameterError("parameter provinces: empty; name at least one (e.g. ['17'])")
    focus = ", ".join(config.FOCUS_PROVINCES)
    for code in codes:
        if code not in known:
            raise ParameterError(
                f"parameter provinces: {code} is not a BPS province code; "
                f"pass 2-digit codes such as the focus provinces {focus}"
            )
    with_figures = _provinces_with_figures(processed_dir)
    if with_figures is not None:
        empty = [c for c in codes if c not in with_figures]
        if empty:
            raise ParameterError(
                f"parameter provinces: {', '.join(f'{c} ({known[c]})' for c in empty)} "
                f"has no figures in the processed panel; pass provinces with figures: "
                f"{', '.join(sorted(with_figures))}"
            )
    return list(codes)


def run_folder(parameters: Mapping[str, Any], reports_dir: Path | str) -> Path:
    """Where a run with ``parameters`` writes: ``reports_dir`` for the defaults, else a run folder.

    The folder is ``runs/<provinces joined by ->-<lang>`` (plus ``-<basis>``
    and ``-t<thresholds>`` when not the defaults); a run with other processed
    or figure folders gets ``-custom``.

    Examples
    --------
    >>> run_folder({"provinces": ["16", "17", "64"], "lang": "en"}, Path("reports")).as_posix()
    'reports'
    >>> run_folder({"provinces": ["64", "16"], "lang": "en"}, Path("r")).as_posix()
    'r/runs/16-64-en'
    """
    p = {k: v for k, v in parameters.items() if v is not None}
    provinces = sorted(p.get("provinces", KINDS["provinces"]))
    lang = p.get("lang", KINDS["lang"])
    defaults = (
        provinces == sorted(KINDS["provinces"])
        and lang == KINDS["lang"]
        and p.get("basis", KINDS["basis"]) == KINDS["basis"]
        and list(p.get("thresholds", KINDS["thresholds"])) == KINDS["thresholds"]
        and not {"processed_dir", "figures_dir"} & set(p)
    )
    if defaults:
        return Path(reports_dir)
    name = f"{'-'.join(provinces)}-{lang}"
    if p.get("basis", KINDS["basis"]) != KINDS["basis"]:
        name += f"-{p['basis']}"
    if list(p.get("thresholds", KINDS["thresholds"])) != KINDS["thresholds"]:
        name += "-t" + "-".join(f"{t:g}" for t in p["thresholds"])
    if {"processed_dir", "figures_dir"} & set(p):
        name += "-custom"
    return Path(reports_dir) / "runs" / name


__all__ = [
    "CHOICES",
    "KINDS",
    "ParameterError",
    "check_parameters",
    "known_provinces",
    "notebook_parameters",
    "plan_parameters",
    "run_folder",
    "settle_parameters",
]
