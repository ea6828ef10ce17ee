"""The interactive (folium/Leaflet) coverage map: one self-contained, reproducible HTML file.

:func:`interactive_map_html` draws the coverage layer of
:mod:`uhc_analysis.plotting.layers` with ``GeoDataFrame.explore`` (categorical,
no tiles), then makes the page work offline and byte-stable, two things folium
does not offer: Leaflet's JavaScript and CSS (vendored in
``uhc_analysis/vendor/leaflet``) are inlined, the other CDN links folium adds
by default are dropped (:func:`inline_assets`), and folium's random element
ids are replaced by sequential ones (:func:`stable_ids`).

To orient a reader without a basemap the page has a pale sea, the province
names (shown zoomed out) and the regency names with their figure (zoomed in;
the figure's month where figures differ in date, always for a figure older
than the evidence age rule) as Leaflet ``DivIcon`` labels, a legend with the
count of regencies per class, and a box with the dates of the figures and
their source. Every text is HTML-escaped.

Examples
--------
>>> import pandas as pd
>>> from uhc_analysis.plotting.examples import squares
>>> data = pd.DataFrame({"region_code": ["1701"], "coverage_pct": [96.0],
...     "period": ["2024-06"], "basis": ["published"], "lower_bound": [True]})
>>> sources = pd.DataFrame({"region_code": ["1701"], "url": ["https://example.org/a"]})
>>> html = interactive_map_html(data, ["17"], boundaries=squares("17", 2), sources=sources)
>>> "gt; 96.0 %" in html, "https://example.org/a" in html, "no data (1)" in html
(True, True, True)
>>> "uhc-label" in html and "uhc-source" in html and "latest figures dated 2024-06" in html
True
>>> html == interactive_map_html(data, ["17"], boundaries=squares("17", 2), sources=sources)
True
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from uhc_analysis import config
from uhc_analysis.plotting.classes import coverage_class_labels, figure_month
from uhc_analysis.plotting.frames import lower_bounds, urls_by_region
from uhc_analysis.plotting.labels import basis_text, fmt_pct, label, source_text
from uhc_analysis.plotting.layers import (
    class_counts,
    coverage_layer,
    province_name,
    province_shapes,
    stale_count,
)
from uhc_analysis.plotting.style import BORDER_COLOR, COVERAGE_COLORS, NO_DATA_EDGE, NO_DATA_FACE

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    from branca.element import MacroElement

#: Vendored Leaflet build (npm ``leaflet@1.9.4``, BSD-2-Clause) inlined into the HTML map.
LEAFLET_DIR: Path = config.PACKAGE_DIR / "vendor" / "leaflet"
#: Parts of the URLs of the scripts/stylesheets folium links by default that the
#: coverage map does not use (jQuery, Bootstrap, marker icons); they are dropped.
UNUSED_ASSETS: tuple[str, ...] = (
    "jquery",
    "bootstrap",
    "awesome-markers",
    "awesome.rotate",
    "fontawesome",
)

_SCRIPT_SRC = re.compile(
    r"""[ \t]*<script\b[^>]*?\bsrc\s*=\s*["']?([^"'\s>]+)["']?[^>]*>\s*</script>[ \t]*\n?""",
    re.IGNORECASE,
)
_LINK_HREF = re.compile(
    r"""[ \t]*<link\b[^>]*?\bhref\s*=\s*["']?([^"'\s>]+)["']?[^>]*>[ \t]*\n?""", re.IGNORECASE
)
#: Anything that would make a browser fetch a file when the page is opened.
_FETCHES = re.compile(
    r"""<(?:script|link|img|iframe|embed|object|source|audio|video|track)\b[^>]*"""
    r"""\b(?:src|href|data|srcset)\s*=|@import\b|url\(\s*["']?\s*(?:https?:)?//""",
    re.IGNORECASE,
)
#: Zoom from which the regency labels are shown instead of the province names.
LABEL_ZOOM: int = 8
_INTERACTIVE_CSS = """<style>
.folium-map.leaflet-container { background: #eef3f7; }
.uhc-label { pointer-events: none; }
.uhc-label div {
  transform: translate(-50%, -50%); width: max-content; text-align: center;
  font: 11px/1.15 "Helvetica Neue", Arial, Helvetica, sans-serif; color: #1a1a1a;
  text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff;
}
.uhc-label .uhc-province { font-size: 15px; font-weight: bold; color: #262626; }
.leaflet-marker-icon.uhc-regency-label { display: none; }
.uhc-zoomed .leaflet-marker-icon.uhc-regency-label { display: block; }
.uhc-zoomed .leaflet-marker-icon.uhc-province-label { display: none; }
.uhc-source {
  position: absolute; z-index: 1000; bottom: 24px; right: 10px; max-width: 36em;
  padding: 6px 8px; border-radius: 4px; background: rgba(255, 255, 255, 0.9);
  box-shadow: 0 0 12px rgba(0, 0, 0, 0.2);
  font: 11px/1.35 "Helvetica Neue", Arial, Helvetica, sans-serif; color: #404040;
}
.leaflet-tooltip.foliumtooltip { width: max-content; max-width: 32em; white-space: normal; }
.leaflet-tooltip.foliumtooltip td, .leaflet-popup.foliumpopup td { overflow-wrap: anywhere; }
.uhc-legend {
  position: absolute; z-index: 1000; top: 10px; right: 10px; max-width: 20em;
  padding: 8px 10px; border-radius: 4px; background: rgba(255, 255, 255, 0.9);
  box-shadow: 0 0 12px rgba(0, 0, 0, 0.2);
  font: 12px/1.35 "Helvetica Neue", Arial, Helvetica, sans-serif; color: #262626;
}
.uhc-legend h1 { margin: 0 0 2px; font-size: 13px; }
.uhc-legend p { margin: 0 0 6px; color: #525252; }
.uhc-legend ul { margin: 0; padding: 0; list-style: none; }
.uhc-legend li { margin: 0 0 2px; }
.uhc-legend span {
  display: inline-block; width: 14px; height: 14px; margin-right: 6px;
  vertical-align: -3px; border: 1px solid #969696;
}
.uhc-legend span.uhc-stale { background: #fd8d3c; opacity: 0.4; }
</style>"""


def leaflet_asset(name: str) -> str:
    """Text of a vendored Leaflet file (``leaflet.js`` / ``leaflet.css``), ready to inline.

    Examples
    --------
    >>> "Leaflet 1.9.4" in leaflet_asset("leaflet.js")
    True
    """
    text = (LEAFLET_DIR / name).read_text(encoding="utf-8")
    # the source map is not shipped; dev tools would try to fetch it
    text = re.sub(r"\n?//# sourceMappingURL=\S+\s*$", "\n", text)
    if re.search(r"</(?:script|style)", text, re.IGNORECASE):
        raise ValueError(f"{LEAFLET_DIR / name} cannot be inlined: it contains a closing tag")
    return text


def inline_assets(html: str) -> str:
    """Inline Leaflet's JS/CSS and drop the other CDN scripts/stylesheets folium links.

    Raises ``ValueError`` for a linked script/stylesheet that is neither Leaflet
    nor known to be unused (e.g. a plugin a newer folium needs), and when
    anything else would still be fetched, so a map that does not work offline
    is never written silently.

    Examples
    --------
    >>> inline_assets('<script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>')
    ''
    >>> inline_assets('<img src="https://example.org/x.png">')
    Traceback (most recent call last):
    ...
    ValueError: the interactive map would still fetch '<img src='
    """

    def replace(match: re.Match[str], inline: str, tag: str) -> str:
        url = match.group(1)
        if url.split("?", 1)[0].rsplit("/", 1)[-1] == inline:
            return f"<{tag}>\n{leaflet_asset(inline)}</{tag}>\n"
        if any(part in url.lower() for part in UNUSED_ASSETS):
            return ""
        raise ValueError(
            f"the interactive map links {url!r}, which is not vendored; "
            "vendor it under uhc_analysis/vendor/ or add it to interactive.UNUSED_ASSETS"
        )

    html = _SCRIPT_SRC.sub(lambda m: replace(m, "leaflet.js", "script"), html)
    html = _LINK_HREF.sub(lambda m: replace(m, "leaflet.css", "style"), html)
    left = _FETCHES.search(html)
    if left:
        raise ValueError(f"the interactive map would still fetch {left.group(0)!r}")
    return html


def stable_ids(html: str, ids: Iterable[str]) -> str:
    """Replace folium's random element ids by sequential ones, in order of appearance.

    Examples
    --------
    >>> ids = ["ab12cd34ef56ab78", "0123456789abcdef"]
    >>> html = stable_ids("map_ab12cd34ef56ab78 geo_0123456789abcdef map_ab12cd34ef56ab78", ids)
    >>> html.replace("0" * 31, "")
    'map_1 geo_2 map_1'

    Only ids of 16 or more characters are replaced (folium's are 32 hex digits),
    so short custom ids cannot collide with other text.
    """
    ids = sorted({i for i in ids if len(i) >= 16}, key=len, reverse=True)
    if not ids:
        return html
    new: dict[str, str] = {}

    def replace(match: re.Match[str]) -> str:
        return new.setdefault(match.group(0), f"{len(new) + 1:032x}")

    return re.sub("|".join(map(re.escape, ids)), replace, html)


def element_ids(root: object) -> list[str]:
    """Ids of ``root`` and all its descendants (branca ``Element`` tree).

    Examples
    --------
    >>> import branca.element
    >>> root = branca.element.Figure()
    >>> child = branca.element.Element("<p>x</p>")
    >>> _ = root.add_child(child)
    >>> child.get_name() in {f"element_{i}" for i in element_ids(root)}
    True
    """
    out: list[str] = []
    stack = [root]
    while stack:
        element = stack.pop()
        out.append(str(element._id))
        stack.extend(element._children.values())
    return out


def tooltip_urls(urls: Sequence[str], *, links: bool) -> str:
    """HTML of a region's URLs: one per line, escaped, as links when ``links``.

    Examples
    --------
    >>> tooltip_urls(["https://a.id/?x=1&y=2"], links=False)
    'https://a.id/?x=1&amp;y=2'
    """
    from html import escape

    if links:
        return "<br>".join(
            f'<a href="{escape(u)}" target="_blank" rel="noopener noreferrer">{escape(u)}</a>'
            for u in urls
        )
    return "<br>".join(escape(u) for u in urls)


def legend_html(
    title: str,
    subtitle: str,
    labels: Sequence[str],
    colors: Sequence[str],
    counts: Sequence[int],
    stale: tuple[str, int] | None = None,
) -> str:
    """The legend box of the map: title, subtitle and one swatch per class with its count.

    ``stale`` (label, count) adds a pale swatch for the figures older than
    the evidence age rule (drawn with a lighter fill).

    Examples
    --------
    >>> legend_html("T", "S", ["a & b"], ["#fff"], [2])
    '<div class="uhc-legend"><h1>T</h1><p>S</p><ul><li><span style="background:#fff"></span>a &amp; b (2)</li></ul></div>'
    """  # noqa: E501
    from html import escape

    items = "".join(
        f'<li><span style="background:{c}"></span>{escape(lab)} ({n})</li>'
        for lab, c, n in zip(labels, colors, counts, strict=True)
    )
    if stale is not None and stale[1]:
        items += f'<li><span class="uhc-stale"></span>{escape(stale[0])} ({stale[1]})</li>'
    return (
        f'<div class="uhc-legend"><h1>{escape(title)}</h1><p>{escape(subtitle)}</p>'
        f"<ul>{items}</ul></div>"
    )


def interactive_map_html(
    data: pd.DataFrame,
    provinces: Iterable[str],
    *,
    lang: str = "en",
    boundaries: gpd.GeoDataFrame | None = None,
    sources: pd.DataFrame | None = None,
) -> str:
    """HTML text of the interactive coverage map written by :func:`interactive_map`.

    Self-contained (Leaflet inlined, no tiles, no CDN links) and byte-identical
    for identical inputs. Parameters as in :func:`interactive_map`.
    """
    from html import escape

    import branca.element
    import geopandas as gpd
    import pandas as pd

    provinces = [str(p) for p in provinces]
    if boundaries is None:
        from uhc_analysis.boundaries import load_boundaries

        boundaries = load_boundaries(provinces)
    lower = set(data.loc[lower_bounds(data).to_numpy(), "region_code"].astype(str).str.strip())
    urls = urls_by_region(sources)
    frames = []
    labels: list[tuple[float, float, str, str]] = []
    periods: list[str] = []
    n_urls: set[str] = set()
    n_stale = 0
    stale_label = ""
    counts = [0] * (len(COVERAGE_COLORS) + 1)
    bases: list[str] = []
    class_labels = coverage_class_labels(lang)
    no_data = label("no_data", lang)
    for p in provinces:
        shapes = province_shapes(p, boundaries)
        layer = coverage_layer(data, shapes, lang)
        g = layer.gdf
        cls = layer.classes
        periods += layer.periods
        n_urls |= {u for c, k in zip(g["bps_code"], cls, strict=True) if pd.notna(k)
                   for u in urls.get(c, [])}  # fmt: skip
        n_stale += stale_count(layer)
        stale_label = layer.stale_label
        stale = layer.stale.to_numpy() if layer.stale is not None else [False] * len(g)
        # URLs of the regencies with data only, as in the source lines of the static maps
        codes = [c if pd.notna(k) else "" for c, k in zip(g["bps_code"], cls, strict=True)]
        counts = [a + b for a, b in zip(counts, class_counts(layer), strict=True)]
        bases += g.loc[cls.notna().to_numpy(), "basis"].dropna().tolist()
        coverage = [
            ("> " if code in lower and pd.notna(v) else "") + fmt_pct(v, lang)
            for code, v in zip(g["bps_code"].astype(str), g["coverage_pct"], strict=True)
        ]
        labels += _region_labels(g, coverage, stale, cls, lang)
        labels.append(_province_label(shapes, province_name(shapes, p)))
        frame = gpd.GeoDataFrame(
            {
                "name": [escape(str(n)) for n in g["name"]],
                "stale": [bool(x) for x in stale],
                "class": [no_data if pd.isna(c) else class_labels[int(c)] for c in cls],
                "class_text": [
                    escape(no_data if pd.isna(c) else class_labels[int(c)]) for c in cls
                ],
                "coverage": [escape(c) for c in coverage],
                "period": [escape(str(v)) if isinstance(v, str) else "" for v in g["period"]],
                "basis": [
                    escape(basis_text([b], lang).split(": ", 1)[-1]) if b else ""
                    for b in g["basis"].fillna("")
                ],
                "source": [tooltip_urls(urls.get(c, []), links=False) for c in codes],
                "source_links": [tooltip_urls(urls.get(c, []), links=True) for c in codes],
            },
            geometry=g.geometry.to_numpy(),
            crs=g.crs,
        )
        frames.append(frame)
    gdf = pd.concat(frames, ignore_index=True)
    categories = [*class_labels, no_data]
    # every shown value is HTML text: folium's tooltip inserts it with innerHTML
    fields = ["name", "coverage", "class_text", "period", "basis", "source"]
    aliases = [
        label(k, lang)
        for k in (
            "interactive_name",
            "interactive_coverage",
            "interactive_class",
            "interactive_period",
            "interactive_basis",
            "interactive_source",
        )
    ]
    m = gdf.explore(
        column="class",
        categorical=True,
        categories=categories,
        cmap=[*COVERAGE_COLORS, NO_DATA_FACE],
        tiles=None,
        tooltip=fields,
        tooltip_kwds={"aliases": aliases, "sticky": True},
        popup=[*fields[:-1], "source_links"],
        popup_kwds={"aliases": aliases},
        legend=False,
        style_kwds={
            "color": BORDER_COLOR,
            "weight": 1,
            "fillOpacity": 0.9,
            # grey "no data" polygons get a dashed dark outline (the static maps hatch them)
            "style_function": lambda f: (
                {"color": NO_DATA_EDGE, "dashArray": "4 3"}
                if f["properties"]["class"] == no_data
                else ({"fillOpacity": 0.4} if f["properties"]["stale"] else {})
            ),
        },
    )
    import folium

    for lat, lon, html_text, kind in labels:
        folium.Marker(
            [lat, lon],
            icon=folium.DivIcon(html=f"<div>{html_text}</div>", class_name=f"uhc-label {kind}"),
            interactive=False,
        ).add_to(m)
    root = m.get_root()
    root.header.add_child(branca.element.Element(_INTERACTIVE_CSS), name="uhc_style")
    legend = legend_html(
        label("title_coverage_all", lang),
        basis_text(bases, lang),
        categories,
        [*COVERAGE_COLORS, NO_DATA_FACE],
        counts,
        stale=(stale_label, n_stale),
    )
    root.html.add_child(branca.element.Element(legend), name="uhc_legend")
    source = source_text(len(n_urls), periods, lang, maps=True)
    root.html.add_child(
        branca.element.Element(f'<div class="uhc-source">{escape(source)}</div>'),
        name="uhc_source",
    )
    _zoom_labels().add_to(m)  # regency names zoomed in, province names zoomed out
    html = root.render()
    return inline_assets(stable_ids(html, element_ids(root)))


def _zoom_labels() -> MacroElement:
    """The script that shows the regency labels from zoom ``LABEL_ZOOM`` on.

    A child of the map, so folium renders it *after* the map's own script
    (the map variable exists only from there; a script added to the page root
    before rendering ran first and stopped the whole map with a TypeError).

    Examples
    --------
    >>> import folium
    >>> m = folium.Map()
    >>> _ = _zoom_labels().add_to(m)
    >>> html = m.get_root().render()
    >>> html.index(f"var {m.get_name()} = L.map(") < html.index(f"}})({m.get_name()});")
    True
    """
    import branca
    import jinja2

    element = branca.element.MacroElement()
    element._name = "UhcZoomLabels"
    element._template = jinja2.Template(
        "{% macro script(this, kwargs) %}"
        "(function (map) { function labels() {"
        " map.getContainer().classList.toggle('uhc-zoomed',"
        f" map.getZoom() >= {LABEL_ZOOM}); }}"
        " map.on('zoomend', labels); labels(); })({{ this._parent.get_name() }});"
        "{% endmacro %}"
    )
    return element


def _region_labels(
    g: gpd.GeoDataFrame, coverage: Sequence[str], stale: Sequence[bool], cls: pd.Series, lang: str
) -> list[tuple[float, float, str, str]]:
    """(lat, lon, HTML, class) of each regency's label: name, figure, and month where needed."""
    from html import escape

    import pandas as pd

    from uhc_analysis.plotting.placement import label_anchor

    months = figure_month(g["period"])
    has = cls.notna().to_numpy()
    differ = len({m for m, h in zip(months, has, strict=True) if h and m}) > 1
    out = []
    for i, (name, geom) in enumerate(zip(g["name"], g.geometry, strict=True)):
        lon, lat = label_anchor(geom)
        text = escape(str(name))
        if has[i] and pd.notna(g["coverage_pct"].iloc[i]):
            value = coverage[i]
            if months[i] and (differ or stale[i]):
                value = label("map_value_date", lang, value=value, date=months[i])
            text += f"<br>{escape(value)}"
        out.append((round(lat, 6), round(lon, 6), text, "uhc-regency-label"))
    return out


def _province_label(shapes: gpd.GeoDataFrame, name: str) -> tuple[float, float, str, str]:
    """(lat, lon, HTML, class) of a province's name, at the middle of its largest part."""
    from html import escape

    from uhc_analysis.plotting.placement import label_anchor

    lon, lat = label_anchor(shapes.geometry.union_all())
    html_text = f'<span class="uhc-province">{escape(name)}</span>'
    return round(lat, 6), round(lon, 6), html_text, "uhc-province-label"


def interactive_map(
    data: pd.DataFrame,
    provinces: Iterable[str],
    path: Path | str,
    *,
    lang: str = "en",
    boundaries: gpd.GeoDataFrame | None = None,
    sources: pd.DataFrame | None = None,
) -> Path:
    """Write a self-contained interactive (folium/Leaflet) coverage map to ``path``.

    Uses ``GeoDataFrame.explore`` with ``tiles=None`` (no basemap), then makes
    the page work offline: Leaflet's JavaScript and CSS (vendored in
    ``uhc_analysis/vendor/leaflet``) are inlined and the other CDN scripts and
    stylesheets folium links by default (jQuery, Bootstrap, marker icons; not
    used by this map) are removed. folium's random element ids are replaced by
    sequential ones, so reruns on the same inputs give byte-identical files;
    the file is written atomically.

    Hovering a regency shows its name, coverage (``> `` for a "more than"
    figure), class, period, denominator basis and source URLs; clicking it
    opens the same as a popup with clickable source links. A legend gives the
    regencies per class.

    Parameters
    ----------
    data
        Coverage data as for :func:`uhc_analysis.plotting.maps.plot_coverage_map`;
        an optional bool ``lower_bound`` column marks "more than" figures.
    provinces
        2-digit BPS province codes.
    path
        Output ``.html`` file.
    lang, boundaries
        As in :func:`uhc_analysis.plotting.maps.plot_coverage_map`.
    sources
        Source URLs, one row per region and URL (columns ``region_code``,
        ``url``), shown in the tooltips of the regencies with data.

    Returns
    -------
    pathlib.Path
        ``path``.

    Examples
    --------
    >>> import pandas as pd, pathlib, tempfile
    >>> from uhc_analysis.plotting.examples import squares
    >>> data = pd.DataFrame({"region_code": ["1701"], "coverage_pct": [96.0],
    ...     "period": ["2024-06"], "basis": ["published"]})
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "coverage.html"
    >>> interactive_map(data, ["17"], path, boundaries=squares("17", 2)) == path
    True
    """
    from uhc_analysis.io import write_text

    html = interactive_map_html(data, provinces, lang=lang, boundaries=boundaries, sources=sources)
    return write_text(html, path)
