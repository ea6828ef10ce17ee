"""The UHC-status maps, the activity map and the activity bars, on small synthetic frames."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from uhc_analysis.analysis import status_views  # noqa: E402
from uhc_analysis.analysis.status_views import STATUS_ORDER  # noqa: E402
from uhc_analysis.plotting import activity, export, saving, status_maps  # noqa: E402
from uhc_analysis.plotting.examples import squares  # noqa: E402
from uhc_analysis.plotting.labels import LANGS, label  # noqa: E402
from uhc_analysis.plotting.panels import NBSP  # noqa: E402


@pytest.fixture(autouse=True, scope="module")
def _today_of_the_test_data():
    """The test figures (2023-2024) are recent: staleness is judged at the end of 2024."""
    import datetime as dt

    from uhc_analysis import config

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(config, "today", lambda: dt.date(2024, 12, 31))
        yield


CRITERION = "national_98"


def _status(statuses: list[str], *, province: str = "17", months: int = 18) -> pd.DataFrame:
    """One criterion's rows, a region per status; dated evidence except for insufficient data."""
    n = len(statuses)
    return pd.DataFrame(
        {
            "region_code": [f"{province}{i + 1:02d}" for i in range(n)],
            "region_name": [f"Regency {chr(65 + i)}" for i in range(n)],
            "region_level": "regency",
            "province_code": province,
            "criterion_id": CRITERION,
            "scheme": "national_target",
            "tier": "",
            "min_coverage_pct": 98.0,
            "min_active_pct": np.nan,
            "in_force": True,
            "evaluated_at": "2026-12-02",
            "status": statuses,
            "evidence_date": ["" if s == "insufficient_data" else "2024-08-15" for s in statuses],
            "evidence_kind": [
                "" if s == "insufficient_data" else ("award" if i % 2 else "observed")
                for i, s in enumerate(statuses)
            ],
            "reason": [f"x; nothing newer within {months} months of 2026-12-02"] * n,
            "recent_months": float(months),
        }
    )


def _criteria() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "criterion_id": ["award_a", "award_b", "prioritas", "unused", CRITERION],
            "scheme": ["uhc_award", "uhc_award", "uhc_prioritas", "uhc_award", "national_target"],
            "tier": ["", "pratama", "", "madya", ""],
            "valid_from": pd.array([2024, 2026, 2025, 2026, 2025], dtype="Int64"),
            "valid_to": pd.array([2024, 2026, None, 2026, None], dtype="Int64"),
            "min_coverage_pct": [95.0, 98.0, 98.0, 98.0, 98.0],
            "min_active_pct": [70.0, 90.0, 90.0, 99.0, np.nan],
            "used": [True, True, True, False, True],
        }
    )


def _activity() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "region_code": ["1701", "1701", "1702", "1703"],
            "region_name": ["Regency A", "Regency A", "Regency B", "Regency C"],
            "region_level": "regency",
            "province_code": "17",
            "period": ["2023-01", "2024-08", "2025-02", "2024-05"],
            "date": pd.to_datetime(["2023-01-15", "2024-08-15", "2025-02-01", "2024-05-15"]),
            "observation_id": ["A0", "A1", "B1", "C1"],
            "per_resident_pct": [70.0, 92.5, np.nan, 65.0],
            "per_resident_basis": "published",
            "per_participant_pct": [71.0, 90.0, 77.5, np.nan],
            "lower_bound": [False, False, False, True],
        }
    )


@pytest.fixture(autouse=True)
def _close_figures() -> None:
    yield
    plt.close("all")


def _legend_texts(legend: object) -> list[str]:
    return [t.get_text() for t in legend.get_texts()]  # type: ignore[attr-defined]


def _face_colors(ax: object) -> set[str]:
    out = set()
    for coll in ax.collections:  # type: ignore[attr-defined]
        for c in coll.get_facecolor():
            out.add(to_hex(c))
    return out


# ----------------------------------------------------------------------------- status maps


@pytest.mark.parametrize("lang", LANGS)
def test_status_map_colours_every_status_and_lists_them_all(lang: str) -> None:
    statuses = list(STATUS_ORDER)
    ax = status_maps.status_map(
        _status(statuses), squares("17", len(statuses) + 1), CRITERION, lang=lang
    )
    assert isinstance(ax, matplotlib.axes.Axes)
    texts = _legend_texts(ax.get_legend())
    labels = status_maps.status_class_labels(lang, 18)
    assert texts == [f"{lab} (1)" for lab in labels] + [f"{label('no_data', lang)} (1)"]
    assert len(set(labels)) == len(STATUS_ORDER)
    faces = _face_colors(ax)
    assert {status_maps.STATUS_COLORS[s] for s in statuses} <= faces
    # the legend's title holds the date the statuses hold on
    assert "2026-12-02" in ax.get_legend().get_title().get_text()


def test_each_region_gets_its_own_status_colour() -> None:
    statuses = ["overdue", "confirmed", "stale"]
    shapes = squares("17", 3)
    layer, _ = status_maps.status_layer(_status(statuses), shapes, CRITERION, "en")
    colours = [layer.colors[int(c)] for c in layer.classes]
    assert colours == [status_maps.STATUS_COLORS[s] for s in statuses]


def test_status_map_labels_carry_the_evidence_month_and_kind() -> None:
    ax = status_maps.status_map(
        _status(["confirmed", "stale", "insufficient_data"]), squares("17", 3), CRITERION
    )
    names = {t.get_text().replace(NBSP, " ") for t in ax.texts}
    assert "Regency A\n2024-08" in names
    assert "Regency B\n2024-08 \u00b7 award" in names
    assert "Regency C" in names  # no evidence, no date


def test_status_map_states_the_age_rule_of_the_table() -> None:
    ax = status_maps.status_map(_status(["stale"], months=18), squares("17", 1), CRITERION)
    shown = " ".join(t.get_text() for t in ax.texts).replace("\n", " ")
    assert "within 18 months" in shown and "2026-12-02" in shown
    assert "stale: evidence older than 18 months (1)" in _legend_texts(ax.get_legend())


def test_status_map_in_indonesian_and_with_years_from_the_criteria() -> None:
    ax = status_maps.status_map(
        _status(["confirmed"]), squares("17", 1), CRITERION, lang="id", criteria=_criteria()
    )
    assert ax.get_title(loc="left") == (
        "Status UHC: Target nasional sejak 2025 (terdaftar \u2265 98 %), Province 17"
    )


def test_unknown_criterion_is_named() -> None:
    with pytest.raises(ValueError, match=r"no criterion 'full_100'.*\['national_98'\]"):
        status_maps.status_map(_status(["confirmed"]), squares("17", 1), "full_100")


def test_status_map_of_several_provinces_sums_the_counts() -> None:
    status = pd.concat(
        [_status(["confirmed", "overdue"], province="16"), _status(["confirmed"], province="17")]
    )
    shapes = pd.concat([squares("16", 2), squares("17", 2, x0=102)], ignore_index=True)
    fig = status_maps.status_map_provinces(status, shapes, CRITERION, provinces=("16", "17"))
    assert isinstance(fig, matplotlib.figure.Figure) and len(fig.axes) == 3  # and the locator
    texts = _legend_texts(fig.legends[0])
    assert texts[0].endswith("(2)") and texts[-1] == "no data (1)"
    assert "overdue: projected date has passed (1)" in texts


def test_status_svg_is_byte_stable(tmp_path: Path) -> None:
    out = []
    for name in ("a", "b"):
        with matplotlib.rc_context(export.RC_PARAMS):
            ax = status_maps.status_map(
                _status(["confirmed", "stale"]), squares("17", 2), CRITERION
            )
            out += saving.save_figure(ax.figure, tmp_path / name, "status", ("svg",))
    assert out[0].read_bytes() == out[1].read_bytes()


# ----------------------------------------------------------------------------- activity


@pytest.mark.parametrize("lang", LANGS)
def test_activity_map_classes_come_from_the_criteria(lang: str) -> None:
    ax = activity.activity_map(
        _activity(), squares("17", 4), province="17", criteria=_criteria(), lang=lang
    )
    texts = _legend_texts(ax.get_legend())
    # thresholds in use: 70 and 90 (99 is on an unused row)
    assert texts == [
        "< 70 % (1)",
        "70\u201390 % (0)",
        "\u2265 90 % (1)",
        f"{label('no_data', lang)} (2)",
    ]
    title = ax.get_legend().get_title().get_text()
    assert label("legend_activity", lang) in title
    assert label("basis_published", lang) in title  # the denominator is named
    names = {t.get_text().replace(NBSP, " ") for t in ax.texts}
    assert "Regency A\n2024-08" in names  # latest per-resident figure, dated


def test_activity_map_needs_thresholds() -> None:
    with pytest.raises(ValueError, match="criteria="):
        activity.activity_map(_activity(), squares("17", 3), province="17")


def test_activity_map_of_several_provinces() -> None:
    shapes = pd.concat([squares("16", 2), squares("17", 3, x0=102)], ignore_index=True)
    fig = activity.activity_map_provinces(
        _activity(), shapes, provinces=("16", "17"), criteria=_criteria()
    )
    assert _legend_texts(fig.legends[0])[-1] == "no data (3)"


@pytest.mark.parametrize("lang", LANGS)
def test_activity_ranking(lang: str) -> None:
    regions = pd.DataFrame(
        {
            "region_code": ["1701", "1702", "1703", "1704"],
            "region_name": ["Regency A", "Regency B", "Regency C", "Regency D"],
        }
    )
    ax = activity.activity_ranking(
        _activity(), "17", criteria=_criteria(), regions=regions, lang=lang
    )
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Regency A", "Regency C", "Regency B"]
    lines = sorted(
        round(line.get_xdata()[0], 6) for line in ax.lines if line.get_linestyle() == ":"
    )
    assert lines == [70.0, 90.0]
    markers = [line for line in ax.lines if line.get_marker() == "D"]
    assert len(markers) == 1
    assert np.allclose(
        np.asarray(markers[0].get_xdata(), float), [90.0, np.nan, 77.5], equal_nan=True
    )
    texts = [t.get_text() for t in ax.texts]
    decimal = "," if lang == "id" else "."
    assert f"92{decimal}5 % \u00b7 2024-08" in texts
    assert f"> 65{decimal}0 % \u00b7 2024-05" in texts
    assert f"\u25c7 77{decimal}5 % \u00b7 2025-02" in texts
    assert any(t.endswith("(1): Regency D.") for t in texts)  # no figure: named under the chart
    legend = _legend_texts(ax.get_legend())
    assert label("activity_per_participant", lang) in legend
    assert label("basis_published", lang) in ax.get_legend().get_title().get_text()


# ----------------------------------------------------------------------------- data shaping


def test_status_count_table_orders_statuses_best_first() -> None:
    table = status_views.status_count_table(_status(["stale", "confirmed", "stale"]))
    assert list(table.columns) == ["evaluated_at", "in_force", "confirmed", "stale", "total"]
    assert table.loc[CRITERION, "stale"] == 2 and table.loc[CRITERION, "total"] == 3


def test_recent_months_refuses_two_rules() -> None:
    both = pd.concat([_status(["stale"], months=18), _status(["stale"], months=24)])
    with pytest.raises(ValueError, match="expected one evidence age rule"):
        status_views.recent_months(both)


def test_latest_activity_prefers_the_per_resident_figure() -> None:
    latest = status_views.latest_activity(_activity())
    assert latest["observation_id"].tolist() == ["A1", "B1", "C1"]


# ----------------------------------------------------------------------------- export


def test_missing_status_tables_name_the_command(tmp_path: Path) -> None:
    for name in export.TABLES:
        if name != "uhc_status":
            (tmp_path / f"{name}.csv").write_text("x\n")
    with pytest.raises(FileNotFoundError) as err:
        export.read_processed(tmp_path)
    message = str(err.value)
    assert "\n" not in message
    assert message.endswith(": uhc_status.csv (run `uhc-analysis status`)")
    assert {export.TABLES[t] for t in ("uhc_status", "activity_rates", "uhc_criteria")} == {
        "status"
    }


def test_figures_name_the_same_commands_as_the_outputs_table() -> None:
    """export.TABLES and a missing table's message (io.stage_writing) agree on who writes what."""
    from uhc_analysis.io import stage_writing

    assert {name: stage_writing(name) for name in export.TABLES} == export.TABLES


def test_a_missing_table_names_the_stage_that_writes_it(tmp_path: Path) -> None:
    from uhc_analysis.io import read_table

    with pytest.raises(
        FileNotFoundError, match=r"uhc_status\.csv: does not exist; run `uhc-analysis status`"
    ):
        read_table("uhc_status", tmp_path)
