"""Region gazetteer and name resolution: every reported name becomes a BPS code.

Two reviewed data files drive this module; adding regions or spellings is a
data change only, never a code change:

* ``reference/regions.csv`` (:data:`uhc_analysis.config.REGIONS_CSV`), the
  gazetteer: one row per province (2-digit BPS code) and per kabupaten/kota
  (4-digit BPS code), with the Kemendagri code for cross-walking.
* ``reference/region_aliases.csv`` (:data:`uhc_analysis.config.ALIASES_CSV`):
  abbreviations and spelling variants (``okut``, ``kukar``, ``mahakam hulu``),
  written in normalised form (see :func:`normalise_name`).

Resolution rules of :func:`resolve_region`, in order:

1. A bare BPS code (``"1706"``, ``"17"``) or a dotted Kemendagri code
   (``"16.09"``) resolves directly; Kemendagri codes go through the cross-walk
   (16.09 is BPS 1608). An undotted 2-digit code is always read as BPS.
2. Otherwise the name is normalised (case, accents, punctuation) and compared
   space-insensitively (``"Lubuk Linggau"`` == ``"Lubuklinggau"``) with the
   official names and the aliases.
3. A leading kind word (``Kab.``, ``Kabupaten``, ``Pemkab``, ``Kota``,
   ``Pemkot``, ``Provinsi``, ``Pemprov``, ...) or a trailing English one
   (``Regency``, ``City``, ``Province``) narrows the candidates to that kind.
   If nothing of that kind matches, the whole text is tried as a name
   (``"Kota Baru"`` can be the kabupaten Kotabaru). An alias that itself starts
   with a kind word (``kabupaten prabumulih``) applies only to names carrying
   that kind word and overrides the narrowing: it records a reviewed source
   error.
4. A trailing parenthesised part is an alternative name
   (``"Kabupaten Kutai Kartanegara (Kukar)"``); it inherits the kind word of
   the main part. Parts that match nothing are ignored (``"(in Kutim)"``);
   the codes of the parts that match are intersected, so two parts naming
   different regions raise. A parenthesised part inside the name is a gloss
   and is dropped (``"Ogan Komering Ulu (OKU) Timur"``).
5. ``province`` (a BPS code or a province name) and ``kind`` (``"province"``,
   ``"regency"``, ``"kabupaten"``, ``"kota"``) restrict the candidates. A name
   made only of a province kind word (``"Pemprov"``) resolves to the hinted
   province.
6. Exactly one candidate must remain. A name shared by a province and a city
   (``"Bengkulu"``) stays ambiguous even with ``province="17"``, because the
   city lies inside that province; only a kind word (``"Kota Bengkulu"``,
   ``"Provinsi Bengkulu"``) or ``kind=`` decides. Nothing is ever guessed:
   an unknown or ambiguous name raises :class:`RegionResolutionError`, which
   lists the closest candidates and names the alias file to edit.

Examples
--------
>>> resolve_region("Kab. Muko-Muko")
'1706'
>>> resolve_region("OKUT", province="Sumsel")
'1609'
>>> resolve_region("16.09")
'1608'
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from uhc_analysis import config
from uhc_analysis.schemas import REGIONS, check_columns

__all__ = [
    "ALIAS_COLUMNS",
    "KINDS",
    "Gazetteer",
    "RegionResolutionError",
    "kemendagri_to_bps",
    "load_aliases",
    "load_regions",
    "normalise_name",
    "province_of",
    "region_name",
    "resolve_region",
    "split_kind",
]

#: Columns of ``region_aliases.csv``, in order.
ALIAS_COLUMNS: tuple[str, ...] = ("alias", "bps_code", "province_code", "note", "reviewed_by")

#: Allowed values of the gazetteer's ``kind`` column.
KINDS: frozenset[str] = frozenset({"province", "kabupaten", "kota"})

#: Values of the ``kind`` argument of :func:`resolve_region` -> allowed gazetteer kinds.
_KIND_ARGUMENT: dict[str, frozenset[str]] = {
    "province": frozenset({"province"}),
    "regency": frozenset({"kabupaten", "kota"}),
    "kabupaten": frozenset({"kabupaten"}),
    "kota": frozenset({"kota"}),
}

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

#: Names of the whole country: deliberately never resolved (no alias either).
_NATIONAL: frozenset[str] = frozenset({"indonesia", "nasional", "national", "republik indonesia"})

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_PAREN = re.compile(r"\(([^()]*)\)")
_BPS_CODE = re.compile(r"\d{2}(?:\d{2})?")
_KEMENDAGRI_CODE = re.compile(r"\d{2}\.\d{2}")


class RegionResolutionError(ValueError):
    """A region name (or code) that does not resolve to exactly one region.

    Attributes
    ----------
    name : str
        The name as given.
    province : str or None
        The province hint as given.
    candidates : list of tuple of (str, str)
        ``(bps_code, official name)`` of the regions the name could mean
        (ambiguous) or of the closest names (unknown), best first.
    reason : str
        What went wrong, in words.
    alias_file : pathlib.Path
        The reviewed alias file to edit if the name is a valid spelling.

    Examples
    --------
    >>> try:
    ...     resolve_region("Bengkulu")
    ... except RegionResolutionError as err:
    ...     sorted(err.candidates)
    [('17', 'Bengkulu'), ('1771', 'Kota Bengkulu')]
    """

    def __init__(
        self,
        name: str,
        province: str | None = None,
        candidates: Iterable[tuple[str, str]] = (),
        reason: str = "no region has this name",
        alias_file: Path | str | None = None,
    ) -> None:
        self.name = name
        self.province = province
        self.candidates: list[tuple[str, str]] = list(candidates)
        self.reason = reason
        self.alias_file = Path(alias_file) if alias_file is not None else config.ALIASES_CSV
        super().__init__(self._message())

    def _message(self) -> str:
        hint = "" if self.province is None else f" (province {self.province!r})"
        listed = ", ".join(f"{code} {name}" for code, name in self.candidates) or "none"
        try:
            alias = normalise_name(self.name)
        except (TypeError, AttributeError):
            alias = "?"
        return (
            f"cannot resolve region {self.name!r}{hint}: {self.reason}. "
            f"Candidates: {listed}. If it is a valid spelling of one region, add a row "
            f"to {self.alias_file} (columns {','.join(ALIAS_COLUMNS)}; alias in normalised "
            f"form, e.g. {alias!r}); never map it in code."
        )

    def __reduce__(self):  # keep the attributes when pickled (multiprocessing)
        return (
            type(self),
            (self.name, self.province, self.candidates, self.reason, self.alias_file),
        )


# --------------------------------------------------------------------------- text


def _clean(text: str) -> str:
    """Casefold, strip accents, turn every non-alphanumeric run into one space."""
    decomposed = unicodedata.normalize("NFKD", text)
    no_accents = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_ALNUM.sub(" ", no_accents.casefold()).strip()


def _split_parentheses(text: str) -> tuple[str, list[str]]:
    """Return the text without parenthesised parts, and the trailing parts.

    Examples
    --------
    >>> _split_parentheses("Kabupaten Ogan Ilir (OI)")
    ('Kabupaten Ogan Ilir  ', ['OI'])
    >>> _split_parentheses("Ogan Komering Ulu (OKU) Timur")
    ('Ogan Komering Ulu   Timur', [])
    """
    alternatives = [
        m.group(1) for m in _PAREN.finditer(text) if not _clean(_PAREN.sub(" ", text[m.end() :]))
    ]
    return _PAREN.sub(" ", text), alternatives


def _split_kind_tokens(tokens: list[str]) -> tuple[str | None, list[str]]:
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
    main, _ = _split_parentheses(name)
    kind, tokens = _split_kind_tokens(_clean(main).split())
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


def _compact(text: str) -> str:
    return text.replace(" ", "")


# --------------------------------------------------------------------------- loading


def _line(position: int) -> int:
    """File line of the data row at ``position`` (the header is line 1)."""
    return position + 2


def _read_csv(path: Path) -> pd.DataFrame:
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    return df.apply(lambda col: col.str.strip())


@functools.lru_cache(maxsize=8)
def _load_regions_cached(path: Path) -> pd.DataFrame:
    df = _read_csv(path)
    check_columns(df, REGIONS, f"regions ({path})")
    problems: list[str] = []

    def bad(position: int, message: str) -> None:
        problems.append(f"{path}:{_line(position)}: {message}")

    def stop_if_bad() -> None:
        if problems:
            raise ValueError("invalid gazetteer:\n" + "\n".join(problems))

    duplicated = df["bps_code"].duplicated(keep=False)
    for pos in duplicated[duplicated].index:
        bad(pos, f"bps_code {df.at[pos, 'bps_code']!r} is not unique")
    kemendagri = df["kemendagri_code"]
    duplicated = kemendagri.ne("") & kemendagri.duplicated(keep=False)
    for pos in duplicated[duplicated].index:
        bad(pos, f"kemendagri_code {kemendagri[pos]!r} is not unique")
    stop_if_bad()

    provinces = df[df["kind"] == "province"].set_index("bps_code")
    for pos, row in df.iterrows():
        code, kind, prov = row["bps_code"], row["kind"], row["province_code"]
        if kind not in KINDS:
            bad(pos, f"kind {kind!r} not in {sorted(KINDS)}")
            continue
        if not row["name"]:
            bad(pos, "empty name")
        if kind == "province":
            if not re.fullmatch(r"\d{2}", code):
                bad(pos, f"province bps_code {code!r} is not 2 digits")
            if prov != code:
                bad(pos, f"province_code {prov!r} of a province must equal its bps_code {code!r}")
            if row["province_name"] != row["name"]:
                bad(pos, "province_name of a province must equal its name")
            if row["kemendagri_code"] and not re.fullmatch(r"\d{2}", row["kemendagri_code"]):
                bad(pos, f"province kemendagri_code {row['kemendagri_code']!r} is not 2 digits")
            continue
        if not re.fullmatch(r"\d{4}", code):
            bad(pos, f"{kind} bps_code {code!r} is not 4 digits")
        if code[:2] != prov:
            bad(pos, f"bps_code {code!r} does not start with province_code {prov!r}")
        if prov not in provinces.index:
            bad(pos, f"province_code {prov!r} has no province row")
            continue
        if row["province_name"] != provinces.at[prov, "name"]:
            bad(pos, f"province_name {row['province_name']!r} differs from province {prov}")
        if kind == "kota" and not row["name"].startswith("Kota "):
            bad(pos, f"kota name {row['name']!r} must start with 'Kota '")
        kcode = row["kemendagri_code"]
        if kcode and not (
            _KEMENDAGRI_CODE.fullmatch(kcode) and kcode[:2] == provinces.at[prov, "kemendagri_code"]
        ):
            bad(pos, f"kemendagri_code {kcode!r} is not 'NN.NN' under its province's code")
    for pos, value in df["formed_year"].items():
        if value and not re.fullmatch(r"\d{4}", value):
            bad(pos, f"formed_year {value!r} is not a year")
    for pos, value in df["split_from"].items():
        if value and not _BPS_CODE.fullmatch(value):
            bad(pos, f"split_from {value!r} is not a BPS code")
    stop_if_bad()

    out = df.copy()
    for column in ("kemendagri_code", "split_from"):
        out[column] = out[column].replace("", pd.NA)
    out["formed_year"] = pd.to_numeric(out["formed_year"].replace("", pd.NA)).astype("Int64")
    return out


def load_regions(path: Path | None = None) -> pd.DataFrame:
    """Load and validate the region gazetteer.

    Parameters
    ----------
    path : pathlib.Path, optional
        CSV with the columns of :data:`uhc_analysis.schemas.REGIONS`;
        defaults to :data:`uhc_analysis.config.REGIONS_CSV`.

    Returns
    -------
    pandas.DataFrame
        One row per region in file order; codes and names as strings
        (``kemendagri_code`` and ``split_from`` missing where empty),
        ``formed_year`` as ``Int64``. A fresh copy of a cached frame.

    Raises
    ------
    ValueError
        Naming ``file:line`` for every violation: duplicate codes, unknown
        kinds, malformed codes, a regency whose code does not start with its
        province code, a province with no row.

    Examples
    --------
    >>> regions = load_regions()
    >>> regions.loc[regions["bps_code"] == "1706", "name"].item()
    'Mukomuko'
    """
    path = Path(path) if path is not None else config.REGIONS_CSV
    return _load_regions_cached(path.resolve()).copy()


def load_aliases(path: Path | None = None, regions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Load and validate the reviewed alias table.

    Parameters
    ----------
    path : pathlib.Path, optional
        CSV with the columns :data:`ALIAS_COLUMNS`; defaults to
        :data:`uhc_analysis.config.ALIASES_CSV`.
    regions : pandas.DataFrame, optional
        Gazetteer the codes must exist in; defaults to :func:`load_regions`.

    Returns
    -------
    pandas.DataFrame
        The aliases, all columns as strings.

    Raises
    ------
    ValueError
        Naming ``file:line`` when an alias is empty or not in normalised form,
        its code is unknown, its province_code is not the code's province, it
        is listed twice in a province, or ``reviewed_by`` is empty.

    Examples
    --------
    >>> aliases = load_aliases()
    >>> aliases.loc[aliases["alias"] == "okut", "bps_code"].item()
    '1609'
    """
    path = Path(path) if path is not None else config.ALIASES_CSV
    regions = load_regions() if regions is None else regions
    province = dict(zip(regions["bps_code"], regions["province_code"], strict=True))
    df = _read_csv(path)
    if tuple(df.columns) != ALIAS_COLUMNS:
        raise ValueError(
            f"{path}: columns {list(df.columns)} differ from {list(ALIAS_COLUMNS)} "
            "(uhc_analysis.ingest.regions.ALIAS_COLUMNS)"
        )
    problems: list[str] = []
    seen: dict[tuple[str, str], int] = {}
    for pos, row in df.iterrows():
        where = f"{path}:{_line(pos)}"
        alias, code = row["alias"], row["bps_code"]
        if not alias or alias != _clean(alias):
            problems.append(f"{where}: alias {alias!r} is not normalised (write {_clean(alias)!r})")
        kind, core = _split_kind_tokens(alias.split())
        if not core:
            problems.append(f"{where}: alias {alias!r} is only a kind word")
        if code not in province:
            problems.append(f"{where}: bps_code {code!r} is not in the gazetteer")
        elif row["province_code"] != province[code]:
            problems.append(
                f"{where}: province_code {row['province_code']!r} is not the province of "
                f"{code} ({province[code]})"
            )
        if not row["reviewed_by"]:
            problems.append(f"{where}: reviewed_by is empty")
        key = (_compact(alias), row["province_code"])
        if key in seen:
            problems.append(
                f"{where}: alias {alias!r} already listed for province "
                f"{row['province_code']} on line {_line(seen[key])}"
            )
        seen.setdefault(key, pos)
    if problems:
        raise ValueError("invalid alias table:\n" + "\n".join(problems))
    return df


# --------------------------------------------------------------------------- gazetteer


class Gazetteer:
    """Name and code indexes over a gazetteer and an alias table.

    Built once (the module-level functions share one cached instance); every
    index maps a key to a *set* of codes, so names shared by several regions
    (Kabupaten and Kota Bandung, Provinsi and Kota Bengkulu) never overwrite
    each other: they surface as ambiguities.

    Parameters
    ----------
    regions : pandas.DataFrame
        Output of :func:`load_regions`.
    aliases : pandas.DataFrame
        Output of :func:`load_aliases`.
    alias_file : pathlib.Path, optional
        Named in error messages; defaults to :data:`config.ALIASES_CSV`.

    Examples
    --------
    >>> gaz = Gazetteer.from_csv()
    >>> gaz.resolve("Kota Lubuk Linggau")
    '1674'
    """

    def __init__(
        self,
        regions: pd.DataFrame,
        aliases: pd.DataFrame,
        alias_file: Path | None = None,
    ) -> None:
        self.alias_file = alias_file if alias_file is not None else config.ALIASES_CSV
        codes = list(regions["bps_code"])
        self._name: dict[str, str] = dict(zip(codes, regions["name"], strict=True))
        self._kind: dict[str, str] = dict(zip(codes, regions["kind"], strict=True))
        self._province: dict[str, str] = dict(zip(codes, regions["province_code"], strict=True))
        self._kemendagri: dict[str, str] = {
            k: c
            for k, c in zip(regions["kemendagri_code"], codes, strict=True)
            if isinstance(k, str) and k
        }
        by_key: dict[str, set[str]] = {}
        by_kind_key: dict[tuple[str, str], set[str]] = {}
        #: (normalised spaced text, code) pairs offered by difflib in errors
        self._spellings: list[tuple[str, str]] = []
        for code, name in zip(codes, regions["name"], strict=True):
            kind, core = split_kind(name)
            if kind is not None and kind != self._kind[code]:
                core = _clean(name)  # e.g. a kabupaten officially named "Kota ..."
            by_key.setdefault(_compact(core), set()).add(code)
            self._spellings.append((core, code))
        for alias, code in zip(aliases["alias"], aliases["bps_code"], strict=True):
            kind, tokens = _split_kind_tokens(alias.split())
            core = " ".join(tokens)
            if kind is None:
                by_key.setdefault(_compact(core), set()).add(code)
            else:
                by_kind_key.setdefault((kind, _compact(core)), set()).add(code)
            self._spellings.append((alias, code))
        self._by_key: Mapping[str, frozenset[str]] = {k: frozenset(v) for k, v in by_key.items()}
        self._by_kind_key: Mapping[tuple[str, str], frozenset[str]] = {
            k: frozenset(v) for k, v in by_kind_key.items()
        }
        self._cache: dict[tuple[str, str | None, str | None], str] = {}

    @classmethod
    def from_csv(
        cls, regions_path: Path | None = None, aliases_path: Path | None = None
    ) -> Gazetteer:
        """Build from the two CSV files (defaults from :mod:`uhc_analysis.config`)."""
        regions = load_regions(regions_path)
        aliases_path = Path(aliases_path) if aliases_path is not None else config.ALIASES_CSV
        return cls(regions, load_aliases(aliases_path, regions), aliases_path)

    # ----------------------------------------------------------------- codes

    def _error(
        self,
        name: str,
        province: str | None,
        codes: Iterable[str],
        reason: str,
    ) -> RegionResolutionError:
        candidates = [(c, self._name[c]) for c in codes]
        return RegionResolutionError(name, province, candidates, reason, self.alias_file)

    def region_name(self, code: str) -> str:
        """Official name of a BPS code (see :func:`region_name`)."""
        try:
            return self._name[code]
        except (KeyError, TypeError):
            raise self._error(str(code), None, (), "unknown BPS code") from None

    def province_of(self, code: str) -> str:
        """BPS province code of a BPS code (see :func:`province_of`)."""
        try:
            return self._province[code]
        except (KeyError, TypeError):
            raise self._error(str(code), None, (), "unknown BPS code") from None

    def kemendagri_to_bps(self, code: str) -> str:
        """BPS code of a Kemendagri code (see :func:`kemendagri_to_bps`)."""
        text = code.strip() if isinstance(code, str) else code
        try:
            return self._kemendagri[text]
        except (KeyError, TypeError):
            reason = "unknown Kemendagri code (write regencies as 'NN.NN', provinces as 'NN')"
            raise self._error(str(code), None, (), reason) from None

    # ----------------------------------------------------------------- names

    def _province_hint(self, province: str) -> str:
        text = province.strip()
        if _BPS_CODE.fullmatch(text):
            if self._kind.get(text) != "province":
                raise self._error(province, None, (), "province hint is not a BPS province code")
            return text
        return self.resolve(text, kind="province")

    def _filter(
        self, codes: Iterable[str], province: str | None, kinds: frozenset[str] | None
    ) -> set[str]:
        return {
            c
            for c in codes
            if (province is None or self._province[c] == province)
            and (kinds is None or self._kind[c] in kinds)
        }

    def _lookup(
        self,
        text: str,
        inherited_kind: str | None,
        province: str | None,
        kinds: frozenset[str] | None,
    ) -> set[str]:
        """Codes one name part (main text or a trailing parenthesis) can mean."""
        cleaned = _clean(text)
        kind_word, tokens = _split_kind_tokens(cleaned.split())
        kind_word = kind_word or inherited_kind
        key = "".join(tokens)
        if not key:
            if kind_word == "province" and province is not None:
                return self._filter((province,), province, kinds)
            return set()
        found = self._filter(self._by_key.get(key, ()), province, kinds)
        if kind_word is not None:
            found = {c for c in found if self._kind[c] == kind_word}
            found |= self._filter(self._by_kind_key.get((kind_word, key), ()), province, kinds)
            if not found:  # "Kota Baru" may be the kabupaten Kotabaru
                found = self._filter(self._by_key.get(_compact(cleaned), ()), province, kinds)
        return found

    def _closest(
        self,
        name: str,
        province: str | None,
        kinds: frozenset[str] | None,
        kind_word: str | None,
    ) -> list[str]:
        """Up to five codes whose spellings are closest to ``name`` (difflib)."""
        allowed = self._filter(self._name, province, kinds)
        if kind_word is not None:
            allowed = {c for c in allowed if self._kind[c] == kind_word} or allowed
        allowed = allowed or set(self._name)
        spellings: dict[str, set[str]] = {}
        for text, code in self._spellings:
            if code in allowed:
                spellings.setdefault(text, set()).add(code)
        target = normalise_name(name) or _clean(name)
        codes: list[str] = []
        for text in difflib.get_close_matches(target, list(spellings), n=8, cutoff=0.0):
            codes.extend(sorted(spellings[text] - set(codes)))
        return codes[:5]

    def resolve(self, name: str, province: str | None = None, *, kind: str | None = None) -> str:
        """Resolve a name or code to one BPS code (see :func:`resolve_region`)."""
        if not isinstance(name, str):
            raise TypeError(f"region name must be a str, not {type(name).__name__}")
        cache_key = (name, province, kind)
        if cache_key in self._cache:
            return self._cache[cache_key]
        if len(self._cache) > 100_000:
            self._cache.clear()
        if kind is not None and kind not in _KIND_ARGUMENT:
            raise ValueError(f"kind must be one of {sorted(_KIND_ARGUMENT)} or None, not {kind!r}")
        kinds = _KIND_ARGUMENT[kind] if kind is not None else None
        hint = self._province_hint(province) if province is not None else None
        text = name.strip()

        if _BPS_CODE.fullmatch(text) or _KEMENDAGRI_CODE.fullmatch(text):
            code = self._kemendagri.get(text) if "." in text else text
            if code not in self._name:
                raise self._error(name, province, (), "unknown code")
            if not self._filter((code,), hint, kinds):
                reason = f"code {code} ({self._name[code]}) does not fit the province/kind given"
                raise self._error(name, province, (code,), reason)
            self._cache[cache_key] = code
            return code

        main, alternatives = _split_parentheses(text)
        main_kind, _ = _split_kind_tokens(_clean(main).split())
        parts = [self._lookup(main, None, hint, kinds)]
        parts += [self._lookup(alt, main_kind, hint, kinds) for alt in alternatives]
        matched = [p for p in parts if p]
        if not matched:
            closest = self._closest(text, hint, kinds, main_kind)
            reason = "no region has this name"
            if _clean(main) in _NATIONAL:
                reason = "national figures are not a region; handle region_level 'national' first"
            raise self._error(name, province, closest, reason)
        common = set.intersection(*matched)
        if len(common) == 1:
            (code,) = common
            self._cache[cache_key] = code
            return code
        if common:
            reason = "ambiguous; add a kind word (Kabupaten, Kota, Provinsi) or pass kind="
            raise self._error(name, province, sorted(common), reason)
        union = sorted(set.union(*matched))
        raise self._error(name, province, union, "the name and its parenthesis disagree")


@functools.lru_cache(maxsize=1)
def _default() -> Gazetteer:
    return Gazetteer.from_csv()


# --------------------------------------------------------------------------- public API


def resolve_region(name: str, province: str | None = None, *, kind: str | None = None) -> str:
    """Resolve a reported region name (or code) to its BPS code.

    Follows the rules in the module docstring; never guesses.

    Parameters
    ----------
    name : str
        Name as reported (``"Kab. Muko-Muko"``, ``"OKUT"``,
        ``"Kabupaten Kutai Kartanegara (Kukar)"``), a BPS code (``"1706"``,
        ``"17"``) or a dotted Kemendagri code (``"16.09"``).
    province : str, optional
        Province hint: a BPS province code (``"17"``) or a province name or
        alias (``"Bengkulu"``, ``"Sumsel"``). Only regions of that province
        (and the province itself) are considered.
    kind : {"province", "regency", "kabupaten", "kota"}, optional
        Restrict to provinces, to kabupaten/kota (``"regency"``, the
        ``region_level`` of raw files) or to one of the two.

    Returns
    -------
    str
        The 4-digit BPS code of a kabupaten/kota, or the 2-digit code of a
        province.

    Raises
    ------
    RegionResolutionError
        The name is unknown, ambiguous, or its parts disagree; the error lists
        candidates and the alias file to edit.

    Examples
    --------
    >>> resolve_region("Kota Bengkulu"), resolve_region("Provinsi Bengkulu")
    ('1771', '17')
    >>> resolve_region("Bengkulu", kind="province")
    '17'
    >>> resolve_region("Kabupaten Kutai Kartanegara (Kukar)")
    '6403'
    """
    return _default().resolve(name, province, kind=kind)


def region_name(code: str) -> str:
    """Official name of a region.

    Parameters
    ----------
    code : str
        BPS code (2 or 4 digits).

    Returns
    -------
    str
        Name as in the gazetteer (cities carry ``"Kota "``).

    Examples
    --------
    >>> region_name("1612")
    'Penukal Abab Lematang Ilir'
    """
    return _default().region_name(code)


def kemendagri_to_bps(code: str) -> str:
    """Cross-walk a Kemendagri code to the BPS code.

    Parameters
    ----------
    code : str
        Kemendagri code: ``"NN.NN"`` for a kabupaten/kota, ``"NN"`` for a
        province (Kemendagri numbers the Papua provinces differently from BPS:
        Kemendagri ``"91"`` is Papua, BPS ``"94"``).

    Returns
    -------
    str
        The BPS code.

    Examples
    --------
    >>> kemendagri_to_bps("16.09"), kemendagri_to_bps("64.02"), kemendagri_to_bps("91")
    ('1608', '6403', '94')
    """
    return _default().kemendagri_to_bps(code)


def province_of(code: str) -> str:
    """BPS code of the province a region belongs to (a province's own code).

    Examples
    --------
    >>> province_of("6571"), province_of("65")
    ('65', '65')
    """
    return _default().province_of(code)
