"""Region gazetteer and name resolution: every reported name becomes a BPS code.

Two reviewed data files (read and checked by :mod:`uhc_analysis.ingest.gazetteer`)
drive this module; adding regions or spellings is a data change only, never a
code change:

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
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from uhc_analysis import config
from uhc_analysis.ingest.gazetteer import (
    ALIAS_COLUMNS,
    BPS_CODE,
    KEMENDAGRI_CODE,
    KINDS,
    load_aliases,
    load_regions,
)
from uhc_analysis.ingest.names import (
    NATIONAL_CODE,
    NATIONAL_NAME,
    NATIONAL_NAMES,
    clean_text,
    compact,
    is_national_name,
    normalise_name,
    split_kind,
    split_kind_tokens,
    split_parentheses,
)

__all__ = [
    "ALIAS_COLUMNS",
    "KINDS",
    "NATIONAL_CODE",
    "NATIONAL_NAME",
    "NATIONAL_NAMES",
    "Gazetteer",
    "RegionResolutionError",
    "kemendagri_to_bps",
    "load_aliases",
    "is_national_name",
    "load_regions",
    "normalise_name",
    "province_of",
    "region_name",
    "resolve_region",
    "split_kind",
]

#: Values of the ``kind`` argument of :func:`resolve_region` -> allowed gazetteer kinds.
_KIND_ARGUMENT: dict[str, frozenset[str]] = {
    "province": frozenset({"province"}),
    "regency": frozenset({"kabupaten", "kota"}),
    "kabupaten": frozenset({"kabupaten"}),
    "kota": frozenset({"kota"}),
}


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
            f"to {config.display_path(self.alias_file)} (columns {','.join(ALIAS_COLUMNS)}; "
            f"alias in normalised form, e.g. {alias!r}); never map it in code."
        )

    def __reduce__(self):  # keep the attributes when pickled (multiprocessing)
        return (
            type(self),
            (self.name, self.province, self.candidates, self.reason, self.alias_file),
        )


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
                core = clean_text(name)  # e.g. a kabupaten officially named "Kota ..."
            by_key.setdefault(compact(core), set()).add(code)
            self._spellings.append((core, code))
        for alias, code in zip(aliases["alias"], aliases["bps_code"], strict=True):
            kind, tokens = split_kind_tokens(alias.split())
            core = " ".join(tokens)
            if kind is None:
                by_key.setdefault(compact(core), set()).add(code)
            else:
                by_kind_key.setdefault((kind, compact(core)), set()).add(code)
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
        if BPS_CODE.fullmatch(text):
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
        cleaned = clean_text(text)
        kind_word, tokens = split_kind_tokens(cleaned.split())
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
                found = self._filter(self._by_key.get(compact(cleaned), ()), province, kinds)
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
        target = normalise_name(name) or clean_text(name)
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

        if BPS_CODE.fullmatch(text) or KEMENDAGRI_CODE.fullmatch(text):
            code = self._kemendagri.get(text) if "." in text else text
            if code not in self._name:
                raise self._error(name, province, (), "unknown code")
            if not self._filter((code,), hint, kinds):
                reason = f"code {code} ({self._name[code]}) does not fit the province/kind given"
                raise self._error(name, province, (code,), reason)
            self._cache[cache_key] = code
            return code

        main, alternatives = split_parentheses(text)
        main_kind, _ = split_kind_tokens(clean_text(main).split())
        parts = [self._lookup(main, None, hint, kinds)]
        parts += [self._lookup(alt, main_kind, hint, kinds) for alt in alternatives]
        matched = [p for p in parts if p]
        if not matched:
            closest = self._closest(text, hint, kinds, main_kind)
            reason = "no region has this name"
            if is_national_name(main):
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
