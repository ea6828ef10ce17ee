"""export_figures on tiny synthetic processed tables: stable names, identical bytes."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from uhc_analysis import boundaries, config, schemas
from uhc_analysis.boundaries import FILE_NAME
from uhc_analysis.io import write_table
from uhc_analysis.plotting import export, saving

BENGKULU = ["1701", "1702", "1703", "1704", "1705", "1706", "1707", "1708", "1709", "1771"]


def _find_mirror() -> Path | None:
    for c in (os.environ.get(config.MIRROR_ENV), config.PROJECT_ROOT.parent / "shared/data/mirror"):
        if c and (Path(c) / "boundaries" / FILE_NAME).is_file():
            return Path(c)
    return None


MIRROR = _find_mirror()


def _default(dtype: object) -> object:
    """An empty cell of a column: False for flags, missing for numbers and dates, "" for text."""
    text = str(dtype)
    if text == "bool":
        return False
    return "" if text.startswith("str") else np.nan


def _write(rows: list[dict], table: str, folder: Path) -> None:
    """Write ``rows`` as processed table ``table`` (validated by its schema), cells filled."""
    columns = schemas.schema_of(table).columns
    defaults = {c: _default(col.dtype) for c, col in columns.items()}
    frame = pd.DataFrame([{**defaults, **r} for r in rows], columns=list(columns))
    write_table(frame, table, folder)


#: The link tables a build writes beside the panel (sources of each observation).
LINK_TABLES = ("observation_sources", "sources", "panel_population")
#: The criteria of the status maps: id, scheme, min_coverage_pct, min_active_pct, in force.
STATUS_CRITERIA = (
    ("rpjmn_95", "rpjmn", 95.0, np.nan, False),
    ("national_98", "national_target", 98.0, np.nan, True),
    ("uhc_prioritas_2025", "uhc_prioritas", 98.0, 80.0, True),
)


def write_status_tables(folder: Path) -> None:
    """``uhc-analysis status`` tables: statuses of 4 regencies, activity of 2, three criteria."""
    statuses = ("confirmed", "stale", "on_track", "insufficient_data")
    status, activity, criteria = [], [], []
    for crit, scheme, cov, act, now in STATUS_CRITERIA:
        criteria.append(
            dict(
                criterion_id=crit,
                scheme=scheme,
                valid_from=2020,
                min_coverage_pct=cov,
                min_active_pct=act,
                source="synthetic",
                used=True,
            )
        )
        for k, code in enumerate(BENGKULU[:4]):
            status.append(
                dict(
                    region_code=code,
                    region_name=f"R{code}",
                    region_level="regency",
                    province_code="17",
                    criterion_id=crit,
                    scheme=scheme,
                    min_coverage_pct=cov,
                    min_active_pct=act,
                    in_force=now,
                    evaluated_at="2026-11-23" if now else "2024-12-31",
                    status=statuses[k],
                    evidence_date="" if k == 3 else f"{2024 - k}-06-15",
                    evidence_kind="" if k == 3 else ("observed", "award", "projection")[k],
                    reason="nothing newer within 24 months" if k == 1 else "synthetic",
                    recent_months=24.0,
                    n_own_figures=3,
                )
            )
    for k, code in enumerate(BENGKULU[:2]):
        activity.append(
            dict(
                region_code=code,
                region_name=f"R{code}",
                region_level="regency",
                province_code="17",
                period="2024-06",
                date="2024-06-15",
                observation_id=f"E-{code}-2024-06-0000000{k}",
                per_resident_pct=78.0 + 5 * k,
                per_resident_basis="published",
                per_participant_pct=80.0 + 5 * k,
            )
        )
    for table, rows in (
        ("uhc_criteria", criteria),
        ("uhc_status", status),
        ("activity_rates", activity),
    ):
        _write(rows, table, folder)


def write_processed(folder: Path) -> Path:
    """Tiny processed tables for Bengkulu: 4 regencies with figures, 6 without."""
    folder.mkdir(parents=True)
    panel, metrics, projections, paths = [], [], [], []
    links, sources = [], []
    for k, code in enumerate(BENGKULU[:4]):
        for j, year in enumerate((2020, 2022, 2024)):
            pct = 80.0 + 5 * k + 3 * j
            panel.append(
                dict(
                    region_code=code,
                    region_name=f"R{code}",
                    region_level="regency",
                    province_code="17",
                    period=f"{year}-06",
                    period_precision="month",
                    date=f"{year}-06-15",
                    decimal_year=year + 0.45,
                    coverage_status="published",
                    measure="registered",
                    basis="published",
                    coverage_pct=pct,
                    lower_bound=j == 2 and k == 3,
                    observation_id=f"E-{code}-{year}-06-0000000{k}",
                    urls=f"https://x.id/{code}/{year}",
                )
            )
            source_id = f"S{code}{year}ab"
            links.append({"observation_id": panel[-1]["observation_id"], "source_id": source_id})
            sources.append(
                {"source_id": source_id, "url": f"https://x.id/{code}/{year}", "n_figures": 1}
            )
        for thr in (95, 98, 100):
            metrics.append(
                dict(
                    region_code=code,
                    region_name=f"R{code}",
                    region_level="regency",
                    province_code="17",
                    measure="registered",
                    basis="published",
                    period="2024-06",
                    date="2024-06-15",
                    evaluated_at="2026-12-02",
                    figure_age_months=29.6,
                    coverage_pct=pct,
                    population=100000,
                    threshold=thr,
                    status="below" if pct < thr else "at_or_above",
                    gap_people=max(0, round((thr - pct) * 1000)),
                    contribution_idr_month=42000,
                    lower_bound=False,
                    urls=f"https://x.id/{code}/2024",
                )
            )
            status = "reached" if pct >= thr else ("on_track" if k < 3 else "not_on_current_trend")
            projections.append(
                dict(
                    region_code=code,
                    region_name=f"R{code}",
                    region_level="regency",
                    province_code="17",
                    threshold=thr,
                    model="rw_drift",
                    status=status,
                    year_reached={"reached": 2023.5, "on_track": 2026.0 + 2 * k}.get(
                        status, np.nan
                    ),
                    first_period_reached="2023-06" if status == "reached" else "",
                    reason="synthetic",
                    n_obs=3,
                )
            )
        for year in range(2025, 2031):
            mid = min(100.0, pct + (year - 2024))
            paths.append(
                dict(
                    region_code=code,
                    measure="registered",
                    model="rw_drift",
                    year=float(year),
                    median=mid,
                    coverage_pct=mid,
                    lo80=mid - 2,
                    hi80=mid + 2,
                    lo95=mid - 4,
                    hi95=mid + 4,
                    cap=100.0,
                    borrowed_trend=False,
                )
            )
    for table, rows in (
        ("coverage_panel", panel),
        ("metrics", metrics),
        ("projections", projections),
        ("projection_paths", paths),
        ("observation_sources", links),
        ("sources", sources),
        ("panel_population", []),
    ):
        _write(rows, table, folder)
    write_status_tables(folder)
    return folder


@pytest.fixture
def processed(tmp_path: Path) -> Path:
    return write_processed(tmp_path / "processed")


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(config, "CACHE_DIR", tmp_path / "cache")
    return tmp_path / "cache"


@pytest.fixture
def no_boundaries(cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.MIRROR_ENV, str(tmp_path / "empty_mirror"))


CHARTS = (
    {f"chart_ranked_17_en.{e}" for e in ("png", "svg")}
    | {f"chart_trends_17_en.{e}" for e in ("png", "svg")}
    | {f"chart_trend_{c}_en.png" for c in BENGKULU}  # trend charts: PNG unless asked
    | {f"chart_activity_17_en.{e}" for e in ("png", "svg")}
)
MAPS = {
    f"{stem}.{e}"
    for stem in (
        "map_coverage_17_en",
        "map_projected_year_95_17_en",
        "map_gap_95_17_en",
        "map_activity_17_en",
        *(f"map_status_{crit}_17_en" for crit, *_ in STATUS_CRITERIA),
    )
    for e in ("png", "svg")
} | {"map_coverage_en.html"}


@pytest.mark.skipif(MIRROR is None, reason="no boundaries mirror available")
def test_export_twice_gives_identical_bytes(
    processed: Path, tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(config.MIRROR_ENV, str(MIRROR))
    monkeypatch.setattr(saving, "PNG_DPI", 60)  # speed; the bytes logic is the same at 300
    kw = {"provinces": ("17",), "formats": ("png", "svg"), "processed_dir": processed}
    first = export.export_figures(out_dir=tmp_path / "a", **kw)
    second = export.export_figures(out_dir=tmp_path / "b", **kw)
    assert first == sorted(first)
    assert {p.name for p in first} == CHARTS | MAPS
    assert [p.name for p in first] == [p.name for p in second]
    for a, b in zip(first, second, strict=True):
        if a.suffix in (".png", ".svg"):
            assert a.read_bytes() == b.read_bytes(), a.name
    # no temporary files left behind
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == sorted(p.name for p in first)
    png = (tmp_path / "a" / "map_coverage_17_en.png").read_bytes()
    assert b"Software" not in png and b"matplotlib" not in png.lower()
    assert "<dc:date>" not in (tmp_path / "a" / "chart_ranked_17_en.svg").read_text()
    # every SVG keeps its text as text (editable in Inkscape or Illustrator), names included
    for svg in (p for p in first if p.suffix == ".svg"):
        assert "<text" in svg.read_text(encoding="utf-8"), svg.name
    coverage_map = (tmp_path / "a" / "map_coverage_17_en.svg").read_text(encoding="utf-8")
    assert re.search(r"<text[^>]*>Selatan<", coverage_map)  # Bengkulu Selatan (1701)
    assert "DejaVu Sans" in coverage_map


def test_pdf_embeds_its_fonts(
    processed: Path, tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(config.MIRROR_ENV, str(MIRROR))
    out = export.export_figures(
        ("17",), formats=("pdf",), processed_dir=processed, out_dir=tmp_path
    )
    pdf = next(p for p in out if p.name == "chart_ranked_17_en.pdf").read_bytes()
    assert b"/FontFile2" in pdf  # TrueType embedded (pdf.fonttype 42)


def test_pdf_bytes_are_stable(tmp_path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from uhc_analysis.plotting import charts

    latest = pd.DataFrame({"region_code": ["1701", "1702"], "coverage_pct": [96.0, 81.5]})
    out = []
    for name in ("a", "b"):
        with matplotlib.rc_context(export.RC_PARAMS):
            ax = charts.plot_ranked_bars(latest, "17")
            out += saving.save_figure(ax.figure, tmp_path / name, "bars", ("pdf",))
    assert out[0].read_bytes() == out[1].read_bytes()
    assert b"CreationDate" not in out[0].read_bytes()


def test_missing_boundaries_still_writes_charts(
    processed: Path, tmp_path: Path, no_boundaries: None, capsys: pytest.CaptureFixture[str]
) -> None:
    written = export.export_figures(
        provinces=("17",), formats=("png", "svg"), processed_dir=processed, out_dir=tmp_path / "o"
    )
    assert {p.name for p in written} == CHARTS
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and config.MIRROR_ENV in err and err.startswith("Maps skipped")
    cache = tmp_path / "cache"
    assert not cache.exists() or not [p for p in cache.rglob("*") if p.is_file()]
    from PIL import Image

    with Image.open(tmp_path / "o" / "chart_ranked_17_en.png") as img:
        assert round(img.info["dpi"][0]) == 300


def test_missing_tables_are_named(tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    with pytest.raises(FileNotFoundError, match="projection_paths.csv"):
        export.export_figures(processed_dir=tmp_path / "p", out_dir=tmp_path / "o")


@pytest.mark.parametrize("table", LINK_TABLES)
def test_missing_link_table_names_the_build(processed: Path, tmp_path: Path, table: str) -> None:
    """A build without the link tables is refused; the joined ``urls`` column is never parsed."""
    (processed / f"{table}.csv").unlink()
    with pytest.raises(FileNotFoundError, match=rf"{table}\.csv \(run `uhc-analysis build`\)"):
        export.export_figures(processed_dir=processed, out_dir=tmp_path / "o")
    assert not (tmp_path / "o").exists()


def test_source_urls_come_from_the_link_tables(processed: Path) -> None:
    from uhc_analysis.plotting.frames import region_urls

    tables = export.read_processed(processed)
    latest = export.latest_regencies(
        tables["coverage_panel"],
        tables["metrics"],
        ("17",),
        measure="registered",
        basis="published",
        threshold=95,
    )
    urls = region_urls(
        latest, tables["observation_sources"], tables["sources"], tables["panel_population"]
    )
    assert urls["url"].tolist() == [f"https://x.id/{c}/2024" for c in BENGKULU[:4]]


def test_stale_metrics_are_refused(processed: Path, tmp_path: Path) -> None:
    metrics = pd.read_csv(processed / "metrics.csv", dtype=str, keep_default_na=False)
    metrics.loc[metrics["region_code"] == "1702", "coverage_pct"] = "50"
    metrics.to_csv(processed / "metrics.csv", index=False)
    with pytest.raises(ValueError, match=r"\['1702'\].*uhc-analysis metrics"):
        export.export_figures(processed_dir=processed, out_dir=tmp_path / "o")


def test_schema_mismatch_raises(processed: Path, tmp_path: Path, no_boundaries: None) -> None:
    df = pd.read_csv(processed / "metrics.csv").drop(columns="gap_people")
    df.to_csv(processed / "metrics.csv", index=False)
    with pytest.raises(schemas.SchemaError, match="gap_people"):
        export.export_figures(processed_dir=processed, out_dir=tmp_path / "o")


def test_boundaries_module_is_configured_at_call_time(cache: Path) -> None:
    assert boundaries.config.CACHE_DIR == cache


def test_trend_charts_in_every_format_on_request(processed: Path, tmp_path: Path) -> None:
    from uhc_analysis import pipeline

    written = pipeline.figures(
        ("17",),
        ["en", "id"],
        tmp_path / "o",
        ("svg",),
        processed,
        trend_formats=("svg", "png"),
        workers=1,
    )
    names = {p.name for p in written}
    code = BENGKULU[0]
    assert {
        f"chart_trend_{code}_{lang}.{e}" for lang in ("en", "id") for e in ("svg", "png")
    } <= names
    assert "chart_ranked_17_id.svg" in names and "chart_ranked_17_id.png" not in names


def test_one_language_split_between_workers_writes_the_same_files(
    processed: Path, tmp_path: Path
) -> None:
    """Two workers share one language (interleaved parts): same files, same bytes, once each."""
    from uhc_analysis import pipeline

    kw = {"formats": ("svg",), "processed_dir": processed}
    whole = export.export_figures(("17",), "en", tmp_path / "whole", **kw)
    split = pipeline.figures(("17",), "en", tmp_path / "split", workers=2, **kw)
    assert [p.name for p in split] == [p.name for p in whole]
    for a, b in zip(whole, split, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    halves = [
        export.export_figures(("17",), "en", tmp_path / f"part{i}", part=(i, 2), **kw)
        for i in range(2)
    ]
    assert not {p.name for p in halves[0]} & {p.name for p in halves[1]}
    assert {"map_coverage_en.html"} <= {p.name for p in halves[0]}


def _count_renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every full render of a figure (each ``Figure.draw``), by the renderer's class."""
    from matplotlib.figure import Figure

    renders: list[str] = []
    real = Figure.draw

    def counted(self: Figure, renderer: object) -> None:
        renders.append(type(renderer).__name__)
        real(self, renderer)

    monkeypatch.setattr(Figure, "draw", counted)
    return renders


def test_each_format_renders_once_and_all_share_one_box(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One render per format (the PNG's runs the layout); PNG, SVG and PDF cut to one box."""
    import matplotlib.pyplot as plt
    from PIL import Image

    fig, ax = plt.subplots(figsize=(4, 3), layout="constrained")
    ax.plot([0, 1], [0, 1])
    ax.set_title("a title")
    renders = _count_renders(monkeypatch)
    written = saving.save_figure(fig, tmp_path, "fig", ("png", "svg", "pdf"))
    assert renders == ["RendererAgg", "MixedModeRenderer", "MixedModeRenderer"], renders
    assert Image.open(written[0]).mode == "RGB"  # opaque: no alpha channel to compress
    png_w, png_h = (v / saving.PNG_DPI * 72 for v in Image.open(written[0]).size)
    svg = written[1].read_text()
    svg_w, svg_h = (
        float(v) for v in re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"', svg).groups()
    )
    pdf = written[2].read_bytes()
    box = [float(v) for v in re.search(rb"/MediaBox \[ *([\d. ]+)\]", pdf).group(1).split()]
    for w, h in ((svg_w, svg_h), (box[2] - box[0], box[3] - box[1])):
        assert w == pytest.approx(png_w, abs=0.5) and h == pytest.approx(png_h, abs=0.5)


def test_png_cut_from_the_canvas_matches_the_one_rendered_in_the_box(tmp_path: Path) -> None:
    """The PNG cut from the whole canvas is savefig's PNG of the same box, to a pixel."""
    import matplotlib.pyplot as plt
    from PIL import Image

    def figure() -> object:
        fig, ax = plt.subplots(figsize=(4, 3), layout="constrained")
        ax.plot([0, 1], [0, 1], lw=4)
        ax.set_title("Cakupan JKN, Bengkulu")
        return fig

    cut = saving.save_figure(figure(), tmp_path, "cut", ("png",))[0]
    fig = figure()
    box = saving.fix_layout(fig)
    fig.savefig(tmp_path / "boxed.png", dpi=saving.PNG_DPI, bbox_inches=box)
    plt.close(fig)
    a = np.asarray(Image.open(cut).convert("RGB"), dtype=int)
    b = np.asarray(Image.open(tmp_path / "boxed.png").convert("RGB"), dtype=int)
    assert a.shape == b.shape
    assert (np.abs(a - b).max(axis=2) > 64).mean() < 0.01  # anti-aliasing at half a pixel apart


def test_a_figure_drawing_outside_its_canvas_is_rendered_in_its_box(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A text beyond the figure's edge would be lost by the cut: that PNG is rendered in the box."""
    import matplotlib.pyplot as plt
    from PIL import Image

    fig, ax = plt.subplots(figsize=(3, 2))
    ax.text(1.3, 0.5, "beyond the edge", transform=ax.transAxes)
    renders = _count_renders(monkeypatch)
    (png,) = saving.save_figure(fig, tmp_path, "wide", ("png",))
    assert renders == ["RendererAgg", "RendererAgg"], renders
    assert Image.open(png).size[0] > 3 * saving.PNG_DPI


def test_drawing_a_map_renders_once_before_it_is_saved(monkeypatch: pytest.MonkeyPatch) -> None:
    """geopandas asks for a render after every layer; the map functions defer it to the save.

    The one render left is adjustText's layout pass (it measures the labels).
    """
    import matplotlib.pyplot as plt

    from uhc_analysis.plotting.examples import squares
    from uhc_analysis.plotting.maps import plot_coverage_map

    latest = pd.DataFrame({"region_code": ["1701"], "coverage_pct": [96.0], "period": ["2024-06"],
                           "basis": ["dukcapil"]})  # fmt: skip
    renders = _count_renders(monkeypatch)
    ax = plot_coverage_map(latest, "17", boundaries=squares("17", 3))
    assert len(renders) == 1, renders
    assert "draw_idle" not in vars(ax.figure.canvas), "the canvas keeps its own draw_idle"
    plt.close(ax.figure)


def test_leader_lines_are_clipped_once_and_drawn_as_lines() -> None:
    """A plain leader becomes a line along its clipped path; an arrow with a head stays."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrowPatch

    fig, ax = plt.subplots()
    label = ax.text(0.2, 0.2, "Kota Samarinda")
    leader = FancyArrowPatch((0.2, 0.2), (0.8, 0.8), patchA=label, arrowstyle="-", shrinkB=3)
    head = FancyArrowPatch((0.1, 0.9), (0.9, 0.1), arrowstyle="->")
    ax.add_patch(leader)
    ax.add_patch(head)
    fig.draw_without_rendering()
    clipped = leader.get_path().vertices
    assert saving.freeze_leaders(fig) == 1
    assert ax.patches[:] == [head]
    (line,) = [a for a in ax.lines if isinstance(a, Line2D)]
    np.testing.assert_allclose(line.get_xydata(), clipped)
    assert tuple(line.get_color()) == tuple(leader.get_edgecolor())
    assert line.get_linewidth() == leader.get_linewidth()
    plt.close(fig)
