"""The interactive HTML map on the real boundaries: offline, reproducible, full tooltips.

The map must open without network (Leaflet inlined from ``uhc_analysis/vendor``,
no CDN scripts or stylesheets, no tiles), two runs must give byte-identical
files, and each regency's tooltip must give its name, coverage, period,
denominator basis and source URLs. Tests that need the regency polygons use
the offline mirror and are skipped when it is unavailable (no
``shared/data/mirror`` beside the checkout and ``UHC_ANALYSIS_MIRROR`` unset).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pandas as pd
import pytest

from uhc_analysis.plotting import interactive


@pytest.fixture(autouse=True, scope="module")
def _today_of_the_test_data():
    """The test figures (2023-2024) are recent: staleness is judged at the end of 2024."""
    import datetime as dt

    from uhc_analysis import config

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(config, "today", lambda: dt.date(2024, 12, 31))
        yield


REPO = Path(__file__).resolve().parents[2]
MIRROR = REPO.parent / "shared" / "data" / "mirror"
PROVINCES = ("17", "64")
FIELDS = ["name", "coverage", "class_text", "period", "basis", "source"]
URL_A = "https://example.org/bengkulu?a=1&b=2"
URL_B = "https://example.net/jkn/uhc-2024"
URL_C = "http://example.com/kaltim"

needs_boundaries = pytest.mark.skipif(
    not MIRROR.is_dir() and not os.environ.get("UHC_ANALYSIS_MIRROR"),
    reason="no boundaries mirror (shared/data/mirror) and UHC_ANALYSIS_MIRROR unset",
)


@pytest.fixture(scope="module")
def boundaries():
    from uhc_analysis.boundaries import BoundariesUnavailableError, load_boundaries

    try:
        return load_boundaries(list(PROVINCES))
    except BoundariesUnavailableError as exc:  # pragma: no cover - depends on the machine
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def coverage(boundaries) -> pd.DataFrame:
    """Coverage of every regency of the two provinces but the last one of each."""
    codes = []
    for p in PROVINCES:
        codes += sorted(boundaries.loc[boundaries["province_code"] == p, "bps_code"])[:-1]
    n = len(codes)
    return pd.DataFrame(
        {
            "region_code": codes,
            "coverage_pct": [96.0, 98.0] + [70.0 + 30.0 * i / n for i in range(n - 2)],
            "period": ["2024-06", "2023-12"] + ["2024-01"] * (n - 2),
            "basis": ["published", "dukcapil"] + ["published"] * (n - 2),
            "lower_bound": [False, True] + [False] * (n - 2),
        }
    )


@pytest.fixture(scope="module")
def sources(coverage) -> pd.DataFrame:
    """Two URLs for the first regency, one for the second, none for the others."""
    first, second = coverage["region_code"].iloc[:2]
    return pd.DataFrame({"region_code": [first, first, second], "url": [URL_A, URL_B, URL_C]})


@pytest.fixture(scope="module")
def html_paths(boundaries, coverage, sources, tmp_path_factory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("interactive")
    kw = {"boundaries": boundaries, "sources": sources}
    first = interactive.interactive_map(coverage, PROVINCES, out / "a" / "map.html", **kw)
    second = interactive.interactive_map(coverage, PROVINCES, out / "b" / "map.html", **kw)
    return first, second


@pytest.fixture(scope="module")
def html(html_paths) -> str:
    return html_paths[0].read_text(encoding="utf-8")


def _features(html: str) -> list[dict]:
    """The GeoJSON features embedded in the page."""
    start = html.index('{"bbox"', html.index("_add("))
    collection, _ = json.JSONDecoder().raw_decode(html, start)
    return collection["features"]


def _vendored_urls() -> set[str]:
    text = "".join(
        (interactive.LEAFLET_DIR / name).read_text(encoding="utf-8")
        for name in ("leaflet.js", "leaflet.css")
    )
    return set(re.findall(r"https?://[^\s\"'<>\\)]+", text))


@needs_boundaries
def test_html_loads_nothing_from_the_network(html: str) -> None:
    # no external (or any) script/stylesheet/image reference, no @import, no CSS url(http...)
    assert not re.search(r"<script\b[^>]*\bsrc\s*=", html, re.IGNORECASE)
    assert not re.search(r"<link\b[^>]*\bhref\s*=", html, re.IGNORECASE)
    assert not re.search(r"<(?:img|iframe|embed|source)\b", html, re.IGNORECASE)
    assert "@import" not in html
    assert not re.search(r"url\(\s*[\"']?\s*(?:https?:)?//", html)
    for cdn in ("cdn.jsdelivr", "cdnjs", "code.jquery", "bootstrapcdn", "tile.openstreetmap"):
        assert cdn not in html
    # Leaflet (JS and CSS) is inlined from the vendored copy
    assert "Leaflet 1.9.4" in html and ".leaflet-pane" in html and "L.map(" in html
    assert "sourceMappingURL" not in html
    # every http(s) URL left is a source URL of the data or a string inside Leaflet itself
    # (folium writes the data as JSON with <, > and & as \u escapes)
    text = html.replace('\\"', '"')
    for escaped, char in (("\\u0026", "&"), ("\\u003c", "<"), ("\\u003e", ">")):
        text = text.replace(escaped, char)
    found = set(re.findall(r"https?://[^\s\"'<>\\)]+", text))
    data_urls = {URL_A.replace("&", "&amp;"), URL_B, URL_C}
    assert found <= data_urls | _vendored_urls(), found - data_urls - _vendored_urls()
    assert data_urls <= found


@needs_boundaries
def test_two_runs_are_byte_identical(html_paths, boundaries, coverage, sources) -> None:
    first, second = html_paths
    assert first.read_bytes() == second.read_bytes()
    # and a rerun over an existing file replaces it atomically with the same bytes
    again = interactive.interactive_map(
        coverage, PROVINCES, first, boundaries=boundaries, sources=sources
    )
    assert again.read_bytes() == second.read_bytes()
    assert sorted(p.name for p in first.parent.iterdir()) == ["map.html"]
    # folium's random ids are gone: element names are numbered in order
    ids = set(re.findall(r"(?:map|geo_json)_([0-9a-f]{32})\b", first.read_text()))
    assert ids == {f"{1:032x}", f"{2:032x}"}


@needs_boundaries
def test_tooltips_give_name_coverage_period_basis_and_sources(
    html: str, boundaries, coverage
) -> None:
    layer = f"geo_json_{2:032x}"
    assert html.count(f"{layer}.bindTooltip(") == 1 and html.count(f"{layer}.bindPopup(") == 1
    assert f"let fields = {json.dumps(FIELDS)};" in html
    assert (
        'let aliases = ["Regency/city", "Coverage", "Class", "Period", "Denominator", "Source"];'
        in html
    )
    features = {f["properties"]["name"]: f["properties"] for f in _features(html)}
    assert len(features) == len(boundaries)
    names = boundaries.set_index("bps_code")["name"]
    first = features[names[coverage["region_code"].iloc[0]]]
    assert first["coverage"] == "96.0 %" and first["class_text"] == "95\u201398 %"
    assert first["period"] == "2024-06"
    assert first["basis"] == "population as stated by each source"
    # one URL per line, HTML-escaped (the tooltip inserts the text as HTML)
    assert first["source"] == URL_B + "<br>https://example.org/bengkulu?a=1&amp;b=2"
    assert f'<a href="{URL_B}" target="_blank"' in first["source_links"]
    second = features[names[coverage["region_code"].iloc[1]]]
    assert second["coverage"] == "&gt; 98.0 %"  # a "more than 98 %" figure
    assert second["basis"] == "Dukcapil civil-registry population"
    assert second["source"] == URL_C
    assert any(p["class_text"] == "&lt; 80 %" for p in features.values())
    # regencies without data say so and are listed in the legend
    missing = [p for p in features.values() if p["class"] == "no data"]
    assert len(missing) == len(PROVINCES)
    assert all(p["coverage"] == "no data" and p["source"] == "" for p in missing)
    assert "no data (2)" in html


@needs_boundaries
def test_indonesian_labels(boundaries, coverage, tmp_path: Path) -> None:
    out = interactive.interactive_map(
        coverage, PROVINCES, tmp_path / "peta.html", lang="id", boundaries=boundaries
    )
    text = out.read_text(encoding="utf-8")
    assert '"Kabupaten/kota", "Cakupan"' in text and "tidak ada data (2)" in text
    assert "96,0 %" in text


def test_unknown_external_assets_are_refused() -> None:
    page = '<head><script src="https://example.org/plugin.js"></script></head>'
    with pytest.raises(ValueError, match="not vendored"):
        interactive.inline_assets(page)
    page = '<head><img src="https://example.org/x.png"></head>'
    with pytest.raises(ValueError, match="still fetch"):
        interactive.inline_assets(page)


def test_leaflet_is_inlined_and_unused_cdn_links_dropped() -> None:
    page = (
        "<head>\n"
        '    <script src="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"></script>\n'
        '    <script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>\n'
        '    <link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/'
        'leaflet.css"/>\n'
        '    <link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/'
        'css/bootstrap.min.css"/>\n'
        "</head>"
    )
    out = interactive.inline_assets(page)
    assert "Leaflet 1.9.4" in out and ".leaflet-pane" in out
    assert "jquery" not in out and "bootstrap" not in out and "cdn.jsdelivr" not in out
    assert out.count("<script>") == 1 and out.count("<style>") == 1


def test_every_script_runs_after_the_map_it_uses(html) -> None:
    """A script touching the map variable before ``L.map(...)`` stops the whole page."""
    name = re.search(r"var (map_[0-9a-f]+) = L\.map\(", html)
    assert name, "no L.map() in the page"
    created = name.start(1)
    uses = [  # the variable, not the div's quoted id or CSS selector
        m.start() for m in re.finditer(rf"(?<![\"\w#]){name.group(1)}\b(?!\")", html)
    ]
    assert len(uses) > 2 and min(uses) == created


def test_the_page_renders_without_script_errors_in_chromium(html_paths, tmp_path) -> None:
    """Headless Chromium (Debian's ``chromium``, skipped where absent) logs no uncaught error."""
    import shutil
    import subprocess

    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("headless Chromium is not installed (apt-get install chromium)")
    shot = tmp_path / "map.png"
    run = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr",
         "--window-size=1200,900", "--virtual-time-budget=4000", f"--screenshot={shot}",
         html_paths[0].resolve().as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    console = [ln for ln in run.stderr.splitlines() if "CONSOLE" in ln]
    assert not [ln for ln in console if "Uncaught" in ln or "Error" in ln], console
    assert shot.is_file() and shot.stat().st_size > 0
