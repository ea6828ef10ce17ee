"""Ship the workspace template (the transcribed figures and the notebooks) inside the wheel.

Everything else is declared in ``pyproject.toml``. setuptools' ``package-data``
only takes files inside the package folder, while the checkout keeps the raw
figures in ``data/raw/`` and the notebooks in ``notebooks/`` (the Cookiecutter
Data Science layout). This ``build_py`` copies them into the built package as
``uhc_analysis/workspace_template/`` so that ``uhc-analysis init DIR`` can lay
out a working folder from a regular (non-editable) install. An editable install
needs no copy: it works in its checkout.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
#: Folders of the checkout copied into the wheel, and the file patterns taken from each.
TEMPLATE = {"data/raw": ("**/*.csv", "**/*.md"), "notebooks": ("*.ipynb", "jupytext.toml")}


class BuildWithTemplate(build_py):
    """``build_py`` that also copies :data:`TEMPLATE` into the built package."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        target = Path(self.build_lib) / "uhc_analysis" / "workspace_template"
        for folder, patterns in TEMPLATE.items():
            for pattern in patterns:
                for src in sorted((HERE / folder).glob(pattern)):
                    dest = target / folder / src.relative_to(HERE / folder)
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(src, dest)


setup(cmdclass={"build_py": BuildWithTemplate})
