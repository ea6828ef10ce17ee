# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 05 · Brief-ready figures
#
# `uhc-analysis figures` (`uhc_analysis.plotting.export.export_figures`) writes
# every map and chart of the policy brief to `reports/figures`, with stable names
# and byte-identical reruns (fixed font, no timestamps), as PNG, SVG and PDF in
# English and Indonesian:
#
# | file | what it shows |
# | --- | --- |
# | `map_coverage_{province}_{lang}` | latest coverage per regency, one province |
# | `map_coverage_all_{lang}` | the same for the provinces together, one legend |
# | `map_projected_year_{t}_…` | the year each regency reaches *t* % on its trend |
# | `map_gap_{t}_…` | people still to enrol to reach *t* % |
# | `chart_ranked_…` | regencies ranked by latest coverage, threshold lines |
# | `chart_trends_{province}_{lang}` | one small coverage panel per regency |
# | `chart_trend_{regency}_{lang}` | one regency over time, all bases, projection fan |
# | `map_coverage_{lang}.html` | interactive map (Leaflet) |
#
# This notebook draws nothing: it lists the files the figures stage wrote to
# `figures_dir` in the language of its `lang` parameter and shows a few of them
# (the combined figures of the provinces, or the province's own when there is one).
# A missing file is named, with the command that makes it.

# %% tags=["parameters"]
provinces = ["16", "17", "64"]
thresholds = [95, 98, 100]
basis = "published"
lang = "en"
# Folder of the processed tables; None means data/processed.
processed_dir = None
# Folder of the figures; None means reports/figures (where `uhc-analysis figures` writes).
figures_dir = None

# %%
# ruff: noqa: E402  (imports follow the parameters cell, as in every notebook)
from uhc_analysis.notebook_parameters import settle_parameters

# the parameters as papermill, nbconvert or JupyterLab set them, checked (a JSON text
# where a list belongs is parsed; an unknown province is refused with one line)
provinces, thresholds, basis, lang, processed_dir, figures_dir = settle_parameters(
    provinces=provinces,
    thresholds=thresholds,
    basis=basis,
    lang=lang,
    processed_dir=processed_dir,
    figures_dir=figures_dir,
)
from pathlib import Path

from IPython.display import Markdown, display
from PIL import Image

from uhc_analysis import config
from uhc_analysis.analysis import narrative, tables
from uhc_analysis.analysis.metrics import latest_coverage
from uhc_analysis.io import load_panel, read_table

folder = Path(figures_dir) if figures_dir else config.FIGURES_DIR
#: Threshold of the maps `uhc-analysis figures` writes (the UHC award level).
map_threshold = float(thresholds[0])
inventory = tables.figure_inventory(sorted(folder.glob(f"*_{lang}.*")))
if inventory.empty:
    print(narrative.missing_figure(None, str(folder), lang, provinces, processed_dir))
else:
    display(inventory)

missing = []


def show(name: str, reduce: int = 3) -> None:
    """Show a PNG of the figures stage at 1/``reduce`` of its size, or say that it is missing."""
    path = folder / name
    if path.is_file():
        display(Image.open(path).reduce(reduce))
    else:
        missing.append(name)
        print(narrative.missing_figure(name, str(folder), lang, provinces, processed_dir))


# %% [markdown]
# ## Coverage

# %%
show(narrative.figure_name("map_coverage", lang, provinces))

# %% [markdown]
# ## Regencies ranked by latest coverage

# %%
show(narrative.figure_name("chart_ranked", lang, provinces))

# %% [markdown]
# ## When each regency reaches the threshold of the maps

# %%
show(narrative.figure_name("map_projected_year", lang, provinces, map_threshold))

# %% [markdown]
# ## People still to enrol to reach it

# %%
show(narrative.figure_name("map_gap", lang, provinces, map_threshold))

# %% [markdown]
# The findings below are written from the figure files found and the processed
# tables by `uhc_analysis.analysis.narrative.figures_findings`.

# %%
panel = tables.in_provinces(load_panel(processed_dir), provinces)
latest = latest_coverage(panel, basis=basis)
display(
    Markdown(
        narrative.figures_findings(
            inventory,
            missing,
            latest,
            read_table("regions", processed_dir),
            provinces,
            threshold=map_threshold,
        )
    )
)
