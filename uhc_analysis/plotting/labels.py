"""Bilingual (English / Bahasa Indonesia) labels for maps and charts.

Every piece of text a figure shows comes from :data:`LABELS`, so a figure can
be drawn in either language by passing ``lang="en"`` or ``lang="id"``. An
unknown key or language raises instead of falling back silently.

Numbers follow each language's convention: ``12,345`` and ``97.5`` in English,
``12.345`` and ``97,5`` in Indonesian.

Examples
--------
>>> label("no_data", "id")
'tidak ada data'
>>> label("title_coverage", "en", province="Bengkulu")
'JKN coverage by regency/city, Bengkulu'
>>> fmt_int(12345, "id"), fmt_pct(97.46, "en")
('12.345', '97.5 %')
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable

#: Languages every label is available in.
LANGS: tuple[str, ...] = ("en", "id")

#: Parts of the source lines under maps and charts.
_FIGURES: dict[str, str] = {
    "en": "Source: JKN figures published by BPJS Kesehatan, regional governments and news media",
    "id": "Sumber: angka JKN yang dipublikasikan BPJS Kesehatan, pemerintah daerah dan media",
}
_PAGES: dict[str, str] = {
    "en": "{pages}; URLs in the data tables",
    "id": "{pages}; URL dalam tabel data",
}
_URLS: dict[str, str] = {"en": "URLs in the data tables", "id": "URL dalam tabel data"}
_BOUNDARIES: dict[str, str] = {
    "en": "Boundaries: BPS 2020 via OCHA ROAP/HDX (cod-ab-idn), CC BY 3.0 IGO.",
    "id": "Batas wilayah: BPS 2020 melalui OCHA ROAP/HDX (cod-ab-idn), CC BY 3.0 IGO.",
}

#: key -> {lang -> text}; ``{name}`` placeholders are filled by :func:`label`.
LABELS: dict[str, dict[str, str]] = {
    # --- shared ---------------------------------------------------------------
    "no_data": {"en": "no data", "id": "tidak ada data"},
    "coverage_axis": {"en": "Coverage (% of population)", "id": "Cakupan (% penduduk)"},
    "year_axis": {"en": "Year", "id": "Tahun"},
    "threshold_line": {"en": "{threshold} % threshold", "id": "ambang {threshold} %"},
    "uhc_line": {"en": "UHC: 95 %", "id": "UHC: 95 %"},
    "target_line": {"en": "national target: 98 %", "id": "target nasional: 98 %"},
    "lower_bound": {
        "en": "lower bound (\u201cmore than \u2026\u201d)",
        "id": "batas bawah (\u201clebih dari \u2026\u201d)",
    },
    "denominator": {"en": "Denominator: {basis}", "id": "Penyebut: {basis}"},
    "basis_published": {
        "en": "population as stated by each source",
        "id": "jumlah penduduk sebagaimana disebut sumber",
    },
    "basis_dukcapil": {
        "en": "Dukcapil civil-registry population",
        "id": "penduduk menurut Dukcapil (administrasi kependudukan)",
    },
    "basis_bps": {
        "en": "BPS population estimates",
        "id": "proyeksi/estimasi penduduk BPS",
    },
    "basis_short_published": {
        "en": "as published (source's denominator)",
        "id": "sesuai publikasi (penyebut sumber)",
    },
    "basis_short_dukcapil": {
        "en": "recomputed, Dukcapil denominator",
        "id": "dihitung ulang, penyebut Dukcapil",
    },
    "basis_short_bps": {"en": "recomputed, BPS denominator", "id": "dihitung ulang, penyebut BPS"},
    "basis_mixed": {"en": "mixed: {bases}", "id": "campuran: {bases}"},
    "measure_registered": {"en": "registered participants", "id": "peserta terdaftar"},
    "measure_active": {"en": "active participants", "id": "peserta aktif"},
    "measure_survey": {"en": "Susenas survey", "id": "survei Susenas"},
    "periods": {"en": "latest figures dated {periods}", "id": "angka terakhir per {periods}"},
    "period_span": {"en": "{start} to {end}", "id": "{start} s.d. {end}"},
    "source_line": {
        lang: f"{_FIGURES[lang]} ({_PAGES[lang]}); {{periods}}. {_BOUNDARIES[lang]}"
        for lang in LANGS
    },
    "source_projection": {
        "en": (
            "Source: uhc-analysis trend projections (projections.csv) of JKN figures published by "
            f"BPJS Kesehatan, regional governments and news media. {_BOUNDARIES['en']}"
        ),
        "id": (
            "Sumber: proyeksi tren uhc-analysis (projections.csv) atas angka JKN yang "
            f"dipublikasikan BPJS Kesehatan, pemerintah daerah dan media. {_BOUNDARIES['id']}"
        ),
    },
    "source_line_nourl": {
        "en": f"{_FIGURES['en']} (URLs in the data tables); {{periods}}. {_BOUNDARIES['en']}",
        "id": f"{_FIGURES['id']} (URL dalam tabel data); {{periods}}. {_BOUNDARIES['id']}",
    },
    "source_line_chart": {
        lang: f"{_FIGURES[lang]} ({_PAGES[lang]}); {{periods}}." for lang in LANGS
    },
    # --- coverage map -----------------------------------------------------------
    "title_coverage": {
        "en": "JKN coverage by regency/city, {province}",
        "id": "Cakupan JKN per kabupaten/kota, {province}",
    },
    "title_coverage_all": {
        "en": "JKN coverage by regency/city",
        "id": "Cakupan JKN per kabupaten/kota",
    },
    "legend_coverage": {
        "en": "Coverage, % of population",
        "id": "Cakupan, % penduduk",
    },
    # --- projected-year map -----------------------------------------------------
    "title_projected": {
        "en": "Year coverage reaches {threshold} % on current trend, {province}",
        "id": "Tahun cakupan mencapai {threshold} % menurut tren saat ini, {province}",
    },
    "title_projected_all": {
        "en": "Year coverage reaches {threshold} % on current trend",
        "id": "Tahun cakupan mencapai {threshold} % menurut tren saat ini",
    },
    "legend_projected": {
        "en": "Year {threshold} % is reached",
        "id": "Tahun tercapainya {threshold} %",
    },
    "subtitle_projected": {
        "en": "Trend projection of registered coverage. {basis}",
        "id": "Proyeksi tren cakupan peserta terdaftar. {basis}",
    },
    "proj_reached": {"en": "already reached (at least once)", "id": "sudah pernah tercapai"},
    "proj_by": {"en": "by {year}", "id": "paling lambat {year}"},
    "proj_between": {"en": "{start}\u2013{end}", "id": "{start}\u2013{end}"},
    "proj_after": {"en": "after {year}", "id": "setelah {year}"},
    "proj_not_on_trend": {"en": "not on current trend", "id": "tidak tercapai menurut tren"},
    "proj_no_data": {
        "en": "no data or too few figures",
        "id": "tidak ada data atau data terlalu sedikit",
    },
    # --- gap map ----------------------------------------------------------------
    "title_gap": {
        "en": "People still to enrol to reach {threshold} %, {province}",
        "id": "Penduduk yang masih perlu didaftarkan untuk mencapai {threshold} %, {province}",
    },
    "title_gap_all": {
        "en": "People still to enrol to reach {threshold} %",
        "id": "Penduduk yang masih perlu didaftarkan untuk mencapai {threshold} %",
    },
    "legend_gap": {"en": "People (persons)", "id": "Penduduk (jiwa)"},
    "gap_zero": {
        "en": "0 (at or above {threshold} %)",
        "id": "0 (sudah \u2265 {threshold} %)",
    },
    "gap_more": {"en": "more than {value}", "id": "lebih dari {value}"},
    # --- map dates, staleness and classes of issue 15 (maps) ----------------------
    "legend_gap_people": {"en": "People to enrol", "id": "Penduduk yang perlu didaftarkan"},
    "gap_unknown": {
        "en": "below {threshold} %, number unknown (no population in the source)",
        "id": "di bawah {threshold} %, jumlah tidak diketahui (sumber tanpa jumlah penduduk)",
    },
    "map_stale": {
        "en": "figure more than {months} months old",
        "id": "angka berumur lebih dari {months} bulan",
    },
    "proj_reached_earlier": {
        "en": "reached earlier, latest figure below",
        "id": "pernah tercapai, angka terbaru di bawah",
    },
    "map_value_date": {"en": "{value} ({date})", "id": "{value} ({date})"},
    # --- charts -----------------------------------------------------------------
    "title_trend": {"en": "JKN coverage, {region}", "id": "Cakupan JKN, {region}"},
    "title_small_multiples": {
        "en": "JKN coverage over time by regency/city, {province}",
        "id": "Perkembangan cakupan JKN per kabupaten/kota, {province}",
    },
    "title_ranked": {
        "en": "Latest JKN coverage by regency/city, {province}",
        "id": "Cakupan JKN terakhir per kabupaten/kota, {province}",
    },
    "all_provinces": {
        "en": "Sumatera Selatan, Bengkulu and Kalimantan Timur",
        "id": "Sumatera Selatan, Bengkulu dan Kalimantan Timur",
    },
    "observed": {"en": "published figure", "id": "angka yang dipublikasikan"},
    "projection": {"en": "projection (median)", "id": "proyeksi (median)"},
    "band80": {"en": "80 % interval", "id": "interval 80 %"},
    "band95": {"en": "95 % interval", "id": "interval 95 %"},
    "basis_legend": {"en": "Denominator", "id": "Penyebut"},
    # --- dates, province tags and source lines of the charts (issue 15, charts) --
    "value_date": {"en": "{value} ({date})", "id": "{value} ({date})"},
    "bars_dated": {
        "en": "the month of each figure in brackets",
        "id": "bulan tiap angka dalam kurung",
    },
    "province_short_16": {"en": "Sumsel", "id": "Sumsel"},
    "province_short_17": {"en": "Bengkulu", "id": "Bengkulu"},
    "province_short_64": {"en": "Kaltim", "id": "Kaltim"},
    "province_key": {"en": "Province: {keys}", "id": "Provinsi: {keys}"},
    "periods_all": {"en": "figures dated {periods}", "id": "angka bertanggal {periods}"},
    "source_line_chart_nourl": {
        lang: f"{_FIGURES[lang]} ({_URLS[lang]}); {{periods}}." for lang in LANGS
    },
    "source_projection_chart": {
        "en": (
            "Projection: uhc-analysis trend model of the published figures (projection_paths.csv)."
        ),
        "id": (
            "Proyeksi: model tren uhc-analysis atas angka yang dipublikasikan "
            "(projection_paths.csv)."
        ),
    },
    "band_beyond": {
        "en": "{band} extends beyond the chart (to {value})",
        "id": "{band} melampaui grafik (hingga {value})",
    },
    "one_line_per_basis": {
        "en": "Coverage of {measure}, one line per denominator basis",
        "id": "Cakupan {measure}, satu garis per jenis penyebut",
    },
    # --- UHC status maps (plotting.status_maps) ---------------------------------
    "status_confirmed": {
        "en": "confirmed: figure or award at or above",
        "id": "terkonfirmasi: angka atau penghargaan di atas ambang",
    },
    "status_probably_reached": {
        "en": "probably reached (trend; no recent figure)",
        "id": "kemungkinan tercapai (tren; tanpa angka baru)",
    },
    "status_on_track": {
        "en": "on track: below, trend crosses later",
        "id": "sesuai jalur: di bawah, tren melewati kemudian",
    },
    "status_borrowed_trend": {
        "en": "below; trend borrowed from the province",
        "id": "di bawah; tren dipinjam dari provinsi",
    },
    "status_stale": {
        "en": "stale: evidence older than {months} months",
        "id": "usang: bukti lebih dari {months} bulan",
    },
    "status_reached_earlier_latest_below": {
        "en": "reached earlier, latest figure below",
        "id": "pernah tercapai, angka terakhir di bawah",
    },
    "status_overdue": {
        "en": "overdue: projected date has passed",
        "id": "terlambat: tanggal proyeksi terlewati",
    },
    "status_not_on_current_trend": {
        "en": "not on current trend",
        "id": "tidak tercapai menurut tren",
    },
    "status_insufficient_data": {"en": "insufficient data", "id": "data tidak cukup"},
    "legend_status": {"en": "Status on {date}", "id": "Status per {date}"},
    "title_status": {
        "en": "UHC status: {criterion}, {province}",
        "id": "Status UHC: {criterion}, {province}",
    },
    "title_status_all": {"en": "UHC status: {criterion}", "id": "Status UHC: {criterion}"},
    "subtitle_status": {
        "en": (
            "Colour: each region's status on {date}{historic}. Confirmed needs evidence at or "
            "above the threshold dated within {months} months. Under each name: the month of "
            "the evidence the status rests on{kinds}."
        ),
        "id": (
            "Warna: status tiap wilayah per {date}{historic}. Terkonfirmasi memerlukan bukti di "
            "atas ambang yang bertanggal dalam {months} bulan terakhir. Di bawah nama: bulan "
            "bukti yang menjadi dasar status{kinds}."
        ),
    },
    "status_historic": {
        "en": ", the last day the criterion was in force",
        "id": ", hari terakhir kriteria berlaku",
    },
    "status_kinds": {
        "en": " (a figure unless marked: {kinds})",
        "id": " (angka, kecuali ditandai: {kinds})",
    },
    "kind_award": {"en": "award", "id": "penghargaan"},
    "kind_projection": {"en": "trend", "id": "tren"},
    "kind_lower_bound": {"en": "lower bound", "id": "batas bawah"},
    "kind_note_award": {
        "en": "\u201caward\u201d a UHC award",
        "id": "\u201cpenghargaan\u201d penghargaan UHC",
    },
    "kind_note_projection": {
        "en": "\u201ctrend\u201d the latest figure, the status coming from its projection",
        "id": "\u201ctren\u201d angka terakhir, status dari proyeksinya",
    },
    "kind_note_lower_bound": {
        "en": "\u201clower bound\u201d a \u201cmore than \u2026\u201d figure",
        "id": "\u201cbatas bawah\u201d angka \u201clebih dari \u2026\u201d",
    },
    "criterion_coverage": {"en": "registered \u2265 {pct} %", "id": "terdaftar \u2265 {pct} %"},
    "criterion_active": {"en": "active \u2265 {pct} %", "id": "aktif \u2265 {pct} %"},
    "scheme_uhc_award": {"en": "UHC award", "id": "Penghargaan UHC"},
    "scheme_uhc_prioritas": {"en": "UHC prioritas", "id": "UHC prioritas"},
    "scheme_uhc_non_cut_off": {"en": "UHC non cut off", "id": "UHC non cut off"},
    "scheme_rpjmn": {"en": "RPJMN target", "id": "Target RPJMN"},
    "scheme_national_target": {"en": "national target", "id": "Target nasional"},
    "scheme_full_coverage": {"en": "full coverage", "id": "Cakupan penuh"},
    "years_one": {"en": "{year}", "id": "{year}"},
    "years_from": {"en": "from {year}", "id": "sejak {year}"},
    "years_until": {"en": "until {year}", "id": "s.d. {year}"},
    "years_span": {"en": "{start}\u2013{end}", "id": "{start}\u2013{end}"},
    "evidence_span": {"en": "evidence dated {span}", "id": "bukti bertanggal {span}"},
    "source_status": {
        "en": (
            "Source: uhc-analysis UHC status (uhc_status.csv) from JKN figures and UHC awards "
            "published by BPJS Kesehatan, regional governments and news media, and trend "
            f"projections; {{periods}}. {_BOUNDARIES['en']}"
        ),
        "id": (
            "Sumber: status UHC uhc-analysis (uhc_status.csv) dari angka JKN dan penghargaan UHC "
            "yang dipublikasikan BPJS Kesehatan, pemerintah daerah dan media, serta proyeksi "
            f"tren; {{periods}}. {_BOUNDARIES['id']}"
        ),
    },
    # --- activity (plotting.activity) -------------------------------------------
    "title_activity": {
        "en": "Active JKN participants per resident, {province}",
        "id": "Peserta JKN aktif per penduduk, {province}",
    },
    "title_activity_all": {
        "en": "Active JKN participants per resident",
        "id": "Peserta JKN aktif per penduduk",
    },
    "legend_activity": {
        "en": "Active participants, % of residents",
        "id": "Peserta aktif, % penduduk",
    },
    "subtitle_activity": {
        "en": (
            "Latest activity figure of each regency/city (its month under the name); classes "
            "break at the activity thresholds of the UHC criteria (uhc_criteria.csv)."
        ),
        "id": (
            "Angka keaktifan terakhir tiap kabupaten/kota (bulannya di bawah nama); batas kelas "
            "pada ambang keaktifan kriteria UHC (uhc_criteria.csv)."
        ),
    },
    "subtitle_activity_ranked": {
        "en": "Bars: per resident; \u25c7 per participant. {basis}; {periods}.",
        "id": "Batang: per penduduk; \u25c7 per peserta. {basis}; {periods}.",
    },
    "activity_participant_only": {
        "en": "\u25c7 {value} \u00b7 {month}",
        "id": "\u25c7 {value} \u00b7 {month}",
    },
    "title_activity_ranked": {
        "en": "Latest JKN activity rate by regency/city, {province}",
        "id": "Tingkat keaktifan JKN terakhir per kabupaten/kota, {province}",
    },
    "activity_axis": {"en": "Active participants (%)", "id": "Peserta aktif (%)"},
    "activity_per_participant": {
        "en": "per participant (active / registered)",
        "id": "per peserta (aktif / peserta terdaftar)",
    },
    "activity_missing": {
        "en": "No activity figure ({n}): {names}.",
        "id": "Tanpa angka keaktifan ({n}): {names}.",
    },
    "activity_lines": {
        "en": "Dotted lines: activity thresholds of the UHC criteria (uhc_criteria.csv): {lines}.",
        "id": "Garis titik: ambang keaktifan kriteria UHC (uhc_criteria.csv): {lines}.",
    },
    "interactive_name": {"en": "Regency/city", "id": "Kabupaten/kota"},
    "interactive_coverage": {"en": "Coverage", "id": "Cakupan"},
    "interactive_class": {"en": "Class", "id": "Kelas"},
    "interactive_period": {"en": "Period", "id": "Periode"},
    "interactive_basis": {"en": "Denominator", "id": "Penyebut"},
    "interactive_source": {"en": "Source", "id": "Sumber"},
}


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; use one of {LANGS}")


def label(key: str, lang: str = "en", **fields: object) -> str:
    """Return the text for ``key`` in ``lang``, with ``{placeholders}`` filled.

    Parameters
    ----------
    key
        A key of :data:`LABELS`.
    lang
        ``"en"`` or ``"id"``.
    **fields
        Values for the placeholders of the text.

    Raises
    ------
    KeyError
        If ``key`` is not in :data:`LABELS` (add it there, in both languages).
    ValueError
        If ``lang`` is not one of :data:`LANGS`.

    Examples
    --------
    >>> label("proj_by", "en", year=2026)
    'by 2026'
    """
    _check_lang(lang)
    try:
        text = LABELS[key][lang]
    except KeyError:
        raise KeyError(
            f"no label {key!r}; add it to LABELS in uhc_analysis/plotting/labels.py for {LANGS}"
        ) from None
    return text.format(**fields) if fields else text


def fmt_int(value: float, lang: str = "en") -> str:
    """Format a whole number with the language's thousands separator.

    Examples
    --------
    >>> fmt_int(1234567, "en"), fmt_int(1234567, "id")
    ('1,234,567', '1.234.567')
    """
    _check_lang(lang)
    text = f"{round(value):,d}"
    return text.replace(",", ".") if lang == "id" else text


def fmt_num(value: float, lang: str = "en", decimals: int = 1) -> str:
    """Format a number with ``decimals`` decimals and the language's decimal mark.

    Examples
    --------
    >>> fmt_num(97.46, "id")
    '97,5'
    """
    _check_lang(lang)
    text = f"{value:.{decimals}f}"
    return text.replace(".", ",") if lang == "id" else text


def fmt_pct(value: float, lang: str = "en", decimals: int = 1) -> str:
    """Format a percentage, e.g. ``'97.5 %'``; missing values give ``'no data'``.

    Examples
    --------
    >>> fmt_pct(float("nan"), "id")
    'tidak ada data'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return label("no_data", lang)
    return f"{fmt_num(value, lang, decimals)} %"


def basis_text(bases: list[str] | tuple[str, ...], lang: str = "en") -> str:
    """Describe the denominator basis (or bases) of a figure in words.

    Raises ``KeyError`` for an unknown basis.

    Examples
    --------
    >>> basis_text(["dukcapil"], "en")
    'Denominator: Dukcapil civil-registry population'
    """
    unique = sorted(set(bases))
    if not unique:
        return label("denominator", lang, basis=label("no_data", lang))
    words = [label(f"basis_{b}", lang) for b in unique]
    if len(words) == 1:
        return label("denominator", lang, basis=words[0])
    return label("denominator", lang, basis=label("basis_mixed", lang, bases="; ".join(words)))


def fmt_threshold(threshold: float, lang: str = "en") -> str:
    """A threshold as written in titles and legends: ``95``, ``97.25`` (``97,25`` in Indonesian).

    Examples
    --------
    >>> fmt_threshold(95.0), fmt_threshold(97.25, "id")
    ('95', '97,25')
    """
    _check_lang(lang)
    t = float(threshold)
    if t.is_integer():
        return fmt_int(t, lang)
    return f"{t:g}".replace(".", "," if lang == "id" else ".")


def period_text(periods: Iterable[object], lang: str = "en", *, latest: bool = True) -> str:
    """The dates of the figures shown, as one span (empty or missing periods are ignored).

    ``latest``: the figures are each region's latest ("latest figures dated
    …"); False for every figure of a series ("figures dated …").

    Examples
    --------
    >>> period_text(["2024-06", "2023-12", "", None])
    'latest figures dated 2023-12 to 2024-06'
    >>> period_text([], "id")
    'angka terakhir per tidak ada data'
    >>> period_text(["2019-06", "2022-06"], "id", latest=False)
    'angka bertanggal 2019-06 s.d. 2022-06'
    """
    key = "periods" if latest else "periods_all"
    ps = sorted({str(p) for p in periods if isinstance(p, str) and p})
    if not ps:
        return label(key, lang, periods=label("no_data", lang))
    span = ps[0] if ps[0] == ps[-1] else label("period_span", lang, start=ps[0], end=ps[-1])
    return label(key, lang, periods=span)


def source_text(
    n_urls: int,
    periods: Iterable[object],
    lang: str = "en",
    *,
    maps: bool,
    latest: bool = True,
) -> str:
    """The source line under a map (``maps=True``, with the boundaries' credit) or a chart.

    Maps and charts share the wording; a chart has no boundaries to credit.
    ``latest`` as in :func:`period_text`.

    Examples
    --------
    >>> source_text(2, ["2024-06"], maps=False)
    'Source: JKN figures published by BPJS Kesehatan, regional governments and news media (2 web pages; URLs in the data tables); latest figures dated 2024-06.'
    >>> source_text(0, ["2019", "2022-06"], "id", maps=False, latest=False)
    'Sumber: angka JKN yang dipublikasikan BPJS Kesehatan, pemerintah daerah dan media (URL dalam tabel data); angka bertanggal 2019 s.d. 2022-06.'
    """  # noqa: E501
    if not maps:
        key = "source_line_chart" if n_urls else "source_line_chart_nourl"
    else:
        key = "source_line" if n_urls else "source_line_nourl"
    pages = f"{n_urls} halaman web" if lang == "id" else f"{n_urls} web page" + "s" * (n_urls != 1)
    return label(key, lang, pages=pages, periods=period_text(periods, lang, latest=latest))


def wrap_name(name: str, width: int = 13) -> str:
    """Break a long name into two balanced lines at a space.

    Examples
    --------
    >>> wrap_name("Penukal Abab Lematang Ilir")
    'Penukal Abab\\nLematang Ilir'
    """
    if len(name) <= width or " " not in name:
        return name
    words = name.split(" ")
    best = min(
        range(1, len(words)),
        key=lambda i: (max(len(" ".join(words[:i])), len(" ".join(words[i:]))), i),
    )
    return " ".join(words[:best]) + "\n" + " ".join(words[best:])


def wrap_to_width(text: str, width_in: float, fontsize: float) -> str:
    """Wrap ``text`` to lines that fit ``width_in`` inches at ``fontsize`` points (>= 40 chars).

    Examples
    --------
    >>> wrap_to_width("a " * 30, 2.0, 10).count("\\n")
    1
    """
    chars = max(40, int(width_in * 72.0 / (fontsize * 0.52)))
    return "\n".join(textwrap.wrap(text, chars, break_on_hyphens=False))
