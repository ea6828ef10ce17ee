"""Region names as text: normalisation, kind words, names of the whole country.

The text rules :func:`uhc_analysis.ingest.regions.resolve_region` applies
before it looks a name up (case, accents and punctuation folded; a leading
``Kab.``/``Kota``/``Provinsi`` or trailing ``Regency``/``City`` split off as
the kind; parenthesised parts separated), and the one list of names that mean
the whole country (:data:`NATIONAL_NAMES`), used both by the resolver (which
refuses them as regions) and by the cleaning of ``region_level = national``
rows (which requires one of them).

Examples
--------
>>> normalise_name("Kab. Muko-Muko")
'muko muko'
>>> is_national_name("Republik Indonesia"), is_national_name("RI"), is_national_name("Bengkulu")
(True, True, False)
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "NATIONAL_CODE",
    "NATIONAL_NAME",
    "NATIONAL_NAMES",
    "clean_text",
    "compact",
    "is_national_name",
    "normalise_name",
    "split_kind",
    "split_kind_tokens",
    "split_parentheses",
]

#: ``region_code`` and ``region_name`` of national figures.
NATIONAL_CODE = "ID"
NATIONAL_NAME = "Indonesia"
#: Names of the whole country (in :func:`clean_text` form): a national row must carry
#: one; the resolver never reads one as a region (no alias may either).
NATIONAL_NAMES: frozenset[str] = frozenset(
    {"indonesia", "nasional", "national", "republik indonesia", "ri"}
)

#: Leading kind words (as normalised tokens) -> kind; longest prefix wins.
_KIND_PREFIXES: dict[tuple[str, ...], str] = {
    ("pemerintah", "kabupaten", "administrasi"): "kabupaten",
    ("pemerintah", "kabupaten"): "kabupaten",
    ("pemerintah", "kota", "administrasi"): "kota",
    ("pemerintah", "kota"): "kota",
    ("pemerintah", "provinsi"): "province",
    ("pemerintah", "propinsi"): "province",
    ("kabupaten", "administrasi"): "kabupaten",
    ("kab", "adm"): "kabupaten",
    ("kota", "administrasi"): "kota",
    ("kota", "adm"): "kota",
    ("pemkab",): "kabupaten",
    ("kabupaten",): "kabupaten",
    ("kab",): "kabupaten",
    ("pemkot",): "kota",
    ("kota",): "kota",
    ("kotamadya",): "kota",
    ("kodya",): "kota",
    ("pemprov",): "province",
    ("provinsi",): "province",
    ("propinsi",): "province",
    ("prov",): "province",
}
_PREFIXES_LONGEST_FIRST = sorted(_KIND_PREFIXES, key=len, reverse=True)

#: Trailing English kind words ("Paser Regency", "Bengkulu Province").
_KIND_SUFFIXES: dict[str, str] = {"regency": "kabupaten", "city": "kota", "province": "province"}

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_PAREN = re.compile(r"\(([^()]*)\)")


def clean_text(text: str) -> str:
    """Casefold, strip accents, turn every non-alphanumeric run into one space."""
    decomposed = unicodedata.normalize("NFKD", text)
    no_accents = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_ALNUM.sub(" ", no_accents.casefold()).strip()


def split_parentheses(text: str) -> tuple[str, list[str]]:
    """Return the text without parenthesised parts, and the trailing parts.

    Examples
    --------
    >>> split_parentheses("Kabupaten Ogan Ilir (OI)")
    ('Kabupaten Ogan Ilir  ', ['OI'])
    >>> split_parentheses("Ogan Komering Ulu (OKU) Timur")
    ('Ogan Komering Ulu   Timur', [])
    """
    alternatives = [
        m.group(1)
        for m in _PAREN.finditer(text)
        if not clean_text(_PAREN.sub(" ", text[m.end() :]))
    ]
    return _PAREN.sub(" ", text), alternatives


def split_kind_tokens(tokens: list[str]) -> tuple[str | None, list[str]]:
    for prefix in _PREFIXES_LONGEST_FIRST:
        if tuple(tokens[: len(prefix)]) == prefix:
            return _KIND_PREFIXES[prefix], tokens[len(prefix) :]
    if len(tokens) > 1 and tokens[-1] in _KIND_SUFFIXES:
        return _KIND_SUFFIXES[tokens[-1]], tokens[:-1]
    return None, tokens


def split_kind(name: str) -> tuple[str | None, str]:
    """Split a leading (or trailing English) kind word off a name.

    The name is normalised first (see :func:`normalise_name`), and
    parenthesised parts are dropped.

    Parameters
    ----------
    name : str
        A region name as reported, e.g. ``"Pemkab Kutai Barat"``.

    Returns
    -------
    tuple of (str or None, str)
        The kind (``"kabupaten"``, ``"kota"``, ``"province"`` or None when the
        name has no kind word) and the normalised rest.

    Examples
    --------
    >>> split_kind("Kab. Muko-Muko")
    ('kabupaten', 'muko muko')
    >>> split_kind("Pemerintah Provinsi Bengkulu")
    ('province', 'bengkulu')
    >>> split_kind("Paser Regency")
    ('kabupaten', 'paser')
    >>> split_kind("Kotabaru")
    (None, 'kotabaru')
    """
    main, _ = split_parentheses(name)
    kind, tokens = split_kind_tokens(clean_text(main).split())
    return kind, " ".join(tokens)


def normalise_name(name: str) -> str:
    """Normalise a region name for comparison.

    Casefolds, strips accents, drops parenthesised parts, turns hyphens, dots,
    underscores (any punctuation) into spaces, collapses spaces and removes the
    kind word (use :func:`split_kind` to get it). Lookups also ignore the
    remaining spaces, so ``"muko muko"`` matches ``"mukomuko"``.

    Parameters
    ----------
    name : str
        A region name as reported.

    Returns
    -------
    str
        The normalised name; aliases in ``region_aliases.csv`` are written in
        this form (optionally preceded by a full kind word, see the module
        docstring).

    Examples
    --------
    >>> normalise_name("  Kab. Muko-Muko ")
    'muko muko'
    >>> normalise_name("Kabupaten Kutai Kartanegara (Kukar)")
    'kutai kartanegara'
    """
    return split_kind(name)[1]


def compact(text: str) -> str:
    """The text without spaces (names are compared space-insensitively)."""
    return text.replace(" ", "")


def is_national_name(name: str) -> bool:
    """Whether ``name`` names the whole country (:data:`NATIONAL_NAMES`, after :func:`clean_text`).

    Examples
    --------
    >>> is_national_name("  NASIONAL "), is_national_name("Indonesia Raya")
    (True, False)
    """
    return clean_text(name) in NATIONAL_NAMES
