"""environment.yml lists the same dependencies (and lower bounds) as pyproject.toml."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _pyproject_requirements() -> dict[str, str]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(meta["dependencies"]) + [
        r for extra in meta["optional-dependencies"].values() for r in extra
    ]
    out = {}
    for req in reqs:
        m = re.match(r"^([A-Za-z0-9_.-]+)\s*(.*)$", req)
        assert m, req
        out[m.group(1).lower()] = m.group(2).replace(" ", "")
    return out


def _environment_requirements() -> dict[str, str]:
    out = {}
    text = (ROOT / "environment.yml").read_text()
    deps = text.split("dependencies:", 1)[1]
    for line in deps.splitlines():
        m = re.match(r"^\s+-\s+([A-Za-z0-9_.-]+)\s*([<>=!].*)?$", line)
        if m and m.group(1) not in ("python", "pip"):
            out[m.group(1).lower()] = (m.group(2) or "").replace(" ", "")
    return out


def test_environment_matches_pyproject() -> None:
    assert _environment_requirements() == _pyproject_requirements()


def test_python_version_matches() -> None:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert meta["requires-python"] == ">=3.11"
    assert "  - python>=3.11" in (ROOT / "environment.yml").read_text()
