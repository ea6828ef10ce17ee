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
# `uhc_analysis.plotting.export.export_figures` writes every map and chart of the policy
# brief with stable names and byte-identical reruns (fixed font, no timestamps):
#
# | file | what it shows |
# | --- | --- |
# | `map_coverage_{province}_{lang}` | latest coverage per regency, one province |
# | `map_coverage_all_{lang}` | the same for the three provinces, one legend |
# | `map_projected_year_{t}_…` | the year each regency reaches *t* % on its trend |
# | `map_gap_{t}_…` | people still to enrol to reach *t* % |
# | `chart_ranked_…` | regencies ranked by latest coverage, threshold lines |
# | `chart_trends_{province}_{lang}` | one small coverage panel per regency |
# | `chart_trend_{regency}_{lang}` | one regency over time, all bases, projection fan |
# | `map_coverage_{lang}.html` | interactive map (Leaflet) |
#
# `uhc-analysis figures` writes PNG (300 dpi), SVG and PDF in English and
# Indonesian; this notebook re-creates the PNGs in the language of its `lang`
# parameter and shows a few of them.

# %% tags=["parameters"]
provinces = ["16", "17", "64"]
thresholds = [95, 98, 100]
basis = "published"
lang = "en"
#: Output folder; None means reports/figures (`uhc-analysis notebooks` sets it).
figures_dir = None
formats = ["png"]

# %%
# ruff: noqa: E402  (imports follow the parameters cell, as in every notebook)
import warnings
from pathlib import Path

import pandas as pd
from IPython.display import display
from PIL import Image

from uhc_analysis import config
from uhc_analysis.plotting import export
from uhc_analysis.analysis import metrics, projection

# pooch (the boundaries download) imports tqdm, which warns in a kernel without ipywidgets
warnings.filterwarnings("ignore", message="IProgress not found")

out = Path(figures_dir) if figures_dir else config.FIGURES_DIR
processed = config.DATA_PROCESSED

# export_figures reads metrics.csv and the projections; after a bare `uhc-analysis build`
# (or a rebuild) they are missing or older than the panel, so their stages run here.
panel_time = (processed / "coverage_panel.csv").stat().st_mtime
for table, stage in (
    ("metrics.csv", pipeline.metrics),
    ("projections.csv", pipeline.project),
):
    if not (processed / table).exists() or (processed / table).stat().st_mtime < panel_time:
        print(f"data/processed/{table} missing or older than the panel: running its stage")
        stage()

# %% [markdown]
# ## Export
#
# Maps and charts for the provinces of the `provinces` parameter, on the `basis`
# denominator, with the projected-year and gap maps at the first threshold (95 %,
# the UHC award) as in `uhc-analysis figures`.

# %%
written = export.export_figures(
    provinces=tuple(provinces),
    lang=lang,
    out_dir=out,
    formats=tuple(formats),
    basis=basis,
    threshold=float(thresholds[0]),
)
files = pd.DataFrame({"file": [p.name for p in written]})
files["kind"] = files["file"].str.replace(r"(_\d+)*(_all)?_(en|id)(?=\.)", r"\2", regex=True)
files["kind"] = files["kind"].str.replace(r"^(.*)\.(\w+)$", r"\1 (\2)", regex=True)
files["kB"] = [round(p.stat().st_size / 1024) for p in written]
print(f"{len(written)} files written")
display(files.groupby("kind").agg(files=("file", "count"), total_kB=("kB", "sum")))


# %%
def preview(name: str, reduce: int = 3) -> None:
    """Show an exported PNG at 1/``reduce`` of its 300 dpi size (or say it is missing)."""
    if (out / name).exists():
        display(Image.open(out / name).reduce(reduce))
    else:
        print(f"{name} was not written (maps need the boundaries; see the export messages)")


# %% [markdown]
# ## The three provinces' coverage

# %%
preview(f"map_coverage_all_{lang}.png")

# %% [markdown]
# ## Regencies ranked by latest coverage

# %%
preview(f"chart_ranked_all_{lang}.png")

# %% [markdown]
# ## When each regency reaches 95 %

# %%
preview(f"map_projected_year_{thresholds[0]:g}_all_{lang}.png")

# %% [markdown]
# ## People still to enrol for 95 %

# %%
preview(f"map_gap_{thresholds[0]:g}_all_{lang}.png")

# %% [markdown]
# ## Findings
#
# Parameters: the three provinces, `lang = "en"`, `published` basis, PNG only.
#
# * **Files.** The export writes 57 files:
#   * 37 single-regency trend charts;
#   * 3 small-multiple charts and 4 ranked-bar charts;
#   * 4 coverage maps, 4 projected-year maps and 4 gap maps at 95 %;
#   * 1 interactive HTML map.
#
#   They total about 16 MB of 300-dpi PNG. They are the files `uhc-analysis figures`
#   writes (which adds SVG, PDF and the Indonesian versions), with the same
#   names and the same bytes.
# * **The ranked bars** run from Kutai Timur (106.0 %) down to Ogan Komering Ulu
#   Selatan (62.4 %), with Bengkulu Tengah listed as "no data". The 95 % line
#   separates the 30 regencies at or above it from the 6 below: Musi Rawas,
#   Bengkulu Utara, Ogan Komering Ilir, Paser, Empat Lawang and Ogan Komering Ulu
#   Selatan. Penukal Abab Lematang Ilir and Kepahiang sit exactly at 95.0 %.
# * **At 95 %**, almost every regency is already dark blue (reached) on the
#   projected-year map. The gap map at 95 % points to the same three places as
#   notebook 04: Paser, Empat Lawang and Bengkulu Utara.
# * **Determinism.** Two complete reruns in fresh copies of the repository give
#   byte-identical files, checked by `scripts/check_determinism.py`. This covers all
#   354 files under `data/processed` and `reports/figures` (the PNG, SVG and PDF
#   figures and the interactive HTML maps) and the five executed notebooks.
