"""Maps a policy writer can publish (issue 15): scale, dates, palette, consistent data presence.

* every static map carries a matplotlib-scalebar ``ScaleBar``;
* labels (static) and tooltips/labels (interactive) of figures older than the
  evidence age rule carry their date, and such figures are marked;
* the coverage palette puts the lowest class forward (darkest) and stays
  distinguishable for the three kinds of colour blindness and in greyscale;
* the gap, coverage and status maps agree on which regencies have data (on the
  processed tables of ``data/processed``; skipped when they are absent or out
  of date).
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib_scalebar.scalebar import ScaleBar  # noqa: E402

from uhc_analysis.plotting import (  # noqa: E402
    activity,
    classes,
    export,
    interactive,
    layers,
    maps,
    saving,
    status_maps,
    style,
)
from uhc_analysis.plotting.examples import squares  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
AS_OF = "2026-12-02"
NBSP = "\u00a0"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    from uhc_analysis import config

    monkeypatch.setattr(config, "today", lambda: dt.date.fromisoformat(AS_OF))


def _coverage() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "region_code": ["1701", "1702", "1703"],
            "coverage_pct": [76.0, 96.5, 99.0],
            "period": ["2022-06", "2026-01", "2025-11"],
            "basis": ["published"] * 3,
        }
    )


def _status(codes: list[str], province: str = "17") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "region_code": codes,
            "region_level": "regency",
            "province_code": province,
            "criterion_id": "national_98",
            "scheme": "national_target",
            "tier": "",
            "min_coverage_pct": 98.0,
            "min_active_pct": float("nan"),
            "in_force": True,
            "evaluated_at": AS_OF,
            "status": "confirmed",
            "evidence_date": "2026-01-27",
            "evidence_kind": "award",
            "reason": "r",
            "recent_months": 24.0,
        }
    )


def _bars(ax) -> list[ScaleBar]:
    return [a for a in ax.artists if isinstance(a, ScaleBar)]


# --------------------------------------------------------------------------- scale bar


def test_every_static_map_has_a_scale_bar() -> None:
    shapes = squares("17", 3)
    metrics = pd.DataFrame(
        {"region_code": ["1701"], "threshold": [95], "gap_people": [1200], "basis": ["bps"],
         "period": ["2026-01"]}
    )  # fmt: skip
    proj = pd.DataFrame(
        {"region_code": ["1701"], "threshold": [95], "status": ["on_track"],
         "year_reached": [2027.4], "first_period_reached": [""]}
    )  # fmt: skip
    singles = [
        maps.plot_coverage_map(_coverage(), "17", boundaries=shapes),
        maps.plot_gap_map(metrics, "17", boundaries=shapes),
        maps.plot_projected_year_map(proj, "17", boundaries=shapes),
        status_maps.status_map(_status(["1701"]), shapes, "national_98"),
    ]
    for ax in singles:
        assert len(_bars(ax)) == 1
    both = pd.concat([squares("16", 2), squares("17", 3, x0=102)], ignore_index=True)
    data = _coverage().assign(region_code=["1601", "1702", "1703"])
    figs = [
        maps.plot_three_province_map(data, boundaries=both, provinces=("16", "17")),
        status_maps.status_map_provinces(
            pd.concat([_status(["1601"], "16"), _status(["1702"])]),
            both,
            "national_98",
            provinces=("16", "17"),
        ),
    ]
    for fig in figs:
        assert sum(len(_bars(ax)) for ax in fig.axes) == 2
        # one common scale: the bars show one length
        assert {b.fixed_value for ax in fig.axes for b in _bars(ax)} == {100}


def test_activity_map_has_a_scale_bar() -> None:
    rates = pd.DataFrame(
        {"region_code": ["1701"], "region_level": "regency", "province_code": "17",
         "date": pd.to_datetime(["2024-08-15"]), "period": ["2024-08"],
         "observation_id": ["X"], "per_resident_pct": [89.3],
         "per_resident_basis": "published", "per_participant_pct": [86.0]}
    )  # fmt: skip
    ax = activity.activity_map(rates, squares("17", 2), thresholds=[75, 80, 85, 95])
    assert len(_bars(ax)) == 1


def test_scale_bar_length_is_true(tmp_path: Path) -> None:
    """The map is drawn in metres: one data unit is one metre on the bar."""
    ax = maps.plot_coverage_map(_coverage(), "17", boundaries=squares("17", 3))
    (bar,) = _bars(ax)
    assert bar.dx == 1.0 and bar.units == "m"
    x0, x1 = ax.get_xlim()
    # three half-degree squares at 3 degrees south: about 166 km across
    assert 160e3 < x1 - x0 < 185e3


# --------------------------------------------------------------------------- dates


def test_labels_of_old_figures_carry_their_date_and_are_dotted() -> None:
    ax = maps.plot_coverage_map(_coverage(), "17", boundaries=squares("17", 3))
    texts = [t.get_text().replace(NBSP, " ") for t in ax.texts]
    assert "Regency A\n76.0 % (2022-06)" in texts
    assert "Regency B\n96.5 % (2026-01)" in texts  # figures differ in date: all dated
    dotted = [c for c in ax.collections if c.get_hatch() == style.STALE_HATCH]
    assert len(dotted) == 1 and len(dotted[0].get_paths()) == 1
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "figure more than 24 months old (1)" in legend


def test_same_date_figures_are_not_dated_but_old_ones_are() -> None:
    data = _coverage().assign(period="2026-01")
    ax = maps.plot_coverage_map(data, "17", boundaries=squares("17", 3))
    texts = [t.get_text().replace(NBSP, " ") for t in ax.texts]
    assert "Regency B\n96.5 %" in texts
    data = _coverage().assign(period="2022-06")
    ax = maps.plot_coverage_map(data, "17", boundaries=squares("17", 3))
    texts = [t.get_text().replace(NBSP, " ") for t in ax.texts]
    assert "Regency B\n96.5 % (2022-06)" in texts


def test_staleness_rule_is_the_uhc_status_one() -> None:
    from uhc_analysis.analysis.uhc_status import StatusSettings

    assert classes.RECENT_MONTHS == StatusSettings().recent_months
    stale = classes.stale_figures(["2024-12-01", "2024-12-03"], AS_OF)
    assert stale.tolist() == [True, False]


def _decoded(html: str) -> str:
    """The page with folium's JSON escapes of <, > and & undone."""
    for escaped, char in (("\\u003c", "<"), ("\\u003e", ">"), ("\\u0026", "&")):
        html = html.replace(escaped, char)
    return html


def test_interactive_labels_and_tooltips_of_old_figures_carry_their_date() -> None:
    html = _decoded(
        interactive.interactive_map_html(_coverage(), ["17"], boundaries=squares("17", 3))
    )
    assert "Regency A<br>76.0 % (2022-06)" in html
    assert '"period": "2022-06"' in html and '"stale": true' in html
    assert "figure more than 24 months old (1)" in html
    assert 'class="uhc-source"' in html and "latest figures dated 2022-06 to 2026-01" in html
    assert "uhc-province-label" in html and "Province 17" in html


def test_interactive_labels_are_escaped() -> None:
    shapes = squares("17", 2).assign(name=["<b>A&B</b>", "Kota 'C'"])
    html = _decoded(
        interactive.interactive_map_html(_coverage().iloc[:2], ["17"], boundaries=shapes)
    )
    assert "<b>A&B</b>" not in html and "&lt;b&gt;A&amp;B&lt;/b&gt;" in html


# --------------------------------------------------------------------------- palette

#: Machado, Oliveira & Fernandes (2009) simulation matrices at full severity (linear RGB).
CVD = {
    "protanopia": [
        [0.152286, 1.052583, -0.204868],
        [0.114503, 0.786281, 0.099216],
        [-0.003882, -0.048116, 1.051998],
    ],
    "deuteranopia": [
        [0.367322, 0.860646, -0.227968],
        [0.280085, 0.672501, 0.047413],
        [-0.011820, 0.042940, 0.968881],
    ],
    "tritanopia": [
        [1.255528, -0.076749, -0.178779],
        [-0.078411, 0.930809, 0.147602],
        [0.004733, 0.691367, 0.303900],
    ],
}


def _linear(hex_colour: str) -> np.ndarray:
    c = np.array([int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _lab(linear: np.ndarray) -> np.ndarray:
    xyz = np.array(
        [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]
    ) @ np.clip(linear, 0, 1)
    xyz = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


@pytest.mark.parametrize("palette", ["COVERAGE_COLORS", "GAP_COLORS"])
def test_palette_is_safe_for_colour_blindness_and_greyscale(palette: str) -> None:
    colours = getattr(style, palette)
    lightness = [_lab(_linear(c))[0] for c in colours]
    # greyscale: lightness steps of at least 10 L* between neighbouring classes, monotonic
    steps = np.diff(lightness)
    assert (np.abs(steps) >= 10).all() and (np.sign(steps) == np.sign(steps[0])).all()
    for name, matrix in CVD.items():
        labs = [_lab(np.array(matrix) @ _linear(c)) for c in colours]
        gaps = [float(np.linalg.norm(a - b)) for a, b in zip(labs, labs[1:], strict=False)]
        assert min(gaps) >= 10, (name, gaps)


def test_lowest_coverage_class_is_the_strongest_colour() -> None:
    lightness = [_lab(_linear(c))[0] for c in style.COVERAGE_COLORS]
    assert lightness[0] == min(lightness) and lightness[-1] == max(lightness)
    assert lightness == sorted(lightness)


# --------------------------------------------------------------------------- consistency


def test_gap_map_keeps_regencies_whose_gap_cannot_be_counted() -> None:
    metrics = pd.DataFrame(
        {"region_code": ["1701", "1702"], "threshold": 95.0, "gap_people": [np.nan, 0.0],
         "coverage_pct": [81.8, 96.0], "basis": "published", "period": "2026-01"}
    )  # fmt: skip
    layer = layers.gap_layer(metrics, squares("17", 3), 95, "en")
    assert layer.classes.tolist() == [5, 0, pd.NA]
    assert layer.class_labels[5].startswith("below 95 %, number unknown")


def test_projected_map_does_not_call_a_region_below_reached() -> None:
    proj = pd.DataFrame(
        {"region_code": ["1701", "1702"], "threshold": 95.0, "status": "reached",
         "year_reached": [2021.0, 2022.0], "first_period_reached": ["2021-06", "2022-01"],
         "latest_coverage_pct": [76.0, 97.0]}
    )  # fmt: skip
    layer = layers.projected_layer(proj, squares("17", 2), 95, "en")
    assert layer.classes.tolist() == [5, 0]
    assert layer.class_labels[5] == "reached earlier, latest figure below"


@pytest.fixture(scope="module")
def processed(analysed_data: Path) -> dict[str, pd.DataFrame]:
    return export.read_processed(analysed_data)


@pytest.fixture(scope="module")
def real_boundaries():
    from uhc_analysis.boundaries import BoundariesUnavailableError, load_boundaries

    try:
        return load_boundaries(["16", "17", "64"])
    except BoundariesUnavailableError as exc:  # pragma: no cover - depends on the machine
        pytest.skip(str(exc))


def test_gap_coverage_and_status_maps_agree_on_data_presence(processed, real_boundaries) -> None:
    panel, metrics = processed["coverage_panel"], processed["metrics"]
    provinces = ("16", "17", "64")
    latest = export.latest_regencies(
        panel, metrics, provinces, measure="registered", basis="published", threshold=95
    )
    gap = metrics.loc[
        (metrics["region_level"] == "regency")
        & (metrics["measure"] == "registered")
        & (metrics["basis"] == "published")
    ]
    status = processed["uhc_status"]
    for p in provinces:
        shapes = layers.province_shapes(p, real_boundaries)
        cov = layers.coverage_layer(latest, shapes, "en")
        gp = layers.gap_layer(gap, shapes, 95, "en")
        st, _ = status_maps.status_layer(status, shapes, "national_98", "en")
        has_cov = set(cov.gdf.loc[cov.classes.notna().to_numpy(), "bps_code"])
        has_gap = set(gp.gdf.loc[gp.classes.notna().to_numpy(), "bps_code"])
        has_status = set(st.gdf.loc[st.classes.notna().to_numpy(), "bps_code"])
        assert has_cov == has_gap, (p, has_cov ^ has_gap)
        assert has_cov <= has_status, (p, has_cov - has_status)


# --------------------------------------------------------------------------- determinism


def test_real_province_map_is_byte_stable(real_boundaries) -> None:
    data = pd.DataFrame(
        {
            "region_code": sorted(real_boundaries.loc[
                real_boundaries["province_code"] == "17", "bps_code"]),
        }
    )  # fmt: skip
    data["coverage_pct"] = np.linspace(70, 100, len(data))
    data["period"] = ["2022-06", "2025-01"] * (len(data) // 2) + ["2026-01"] * (len(data) % 2)
    data["basis"] = "published"
    out = []
    for _ in range(2):
        with matplotlib.rc_context(export.RC_PARAMS):
            ax = maps.plot_coverage_map(data, "17", boundaries=real_boundaries)
            buf = io.BytesIO()
            ax.figure.savefig(buf, format="svg", metadata=saving.METADATA["svg"])
            plt.close(ax.figure)
        out.append(buf.getvalue())
    assert out[0] == out[1]


@pytest.mark.parametrize("lang", ["en", "id"])
def test_ranked_bars_of_the_real_figures_keep_their_scale(processed, lang) -> None:
    """Dated labels moved off the threshold lines must not stretch x and squeeze the bars."""
    from uhc_analysis.plotting import bars

    provinces = ("16", "17", "64")
    latest = export.latest_regencies(
        processed["coverage_panel"], processed["metrics"], provinces,
        measure="registered", basis="published", threshold=95,
    )  # fmt: skip
    ax = bars.plot_ranked_bars(export._with_all_regencies(latest, provinces), lang=lang)
    ax.figure.savefig(io.BytesIO(), format="pdf")
    assert ax.get_xlim()[1] < 115
    assert ax.get_position().width > 0.4
    plt.close(ax.figure)
