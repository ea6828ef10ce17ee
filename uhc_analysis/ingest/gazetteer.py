"""The two reviewed files behind region resolution, read and checked.

* ``reference/regions.csv`` (:data:`uhc_analysis.config.REGIONS_CSV`), the
  gazetteer: one row per province (2-digit BPS code) and per kabupaten/kota
  (4-digit BPS code), with the Kemendagri code for cross-walking
  (:class:`uhc_analysis.schemas.RegionsSchema`);
* ``reference/region_aliases.csv`` (:data:`uhc_analysis.config.ALIASES_CSV`):
  reviewed spellings, in normalised form (:data:`ALIAS_COLUMNS`).

Every problem is reported with ``file:line`` (the checks here come before the
schema's, which cannot name a line).

Examples
--------
>>> load_regions().set_index("bps_code").loc["1706", "name"]
'Mukomuko'
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pandas as pd

from uhc_analysis import config, schemas
from uhc_analysis.ingest.names import clean_text, compact, split_kind_tokens

__all__ = ["ALIAS_COLUMNS", "KINDS", "load_aliases", "load_regions"]

#: Columns of ``region_aliases.csv``, in order.
ALIAS_COLUMNS: tuple[str, ...] = ("alias", "bps_code", "province_code", "note", "reviewed_by")

#: Allowed values of the gazetteer's ``kind`` column.
KINDS: frozenset[str] = frozenset(schemas.REGION_KINDS)

BPS_CODE = re.compile(r"\d{2}(?:\d{2})?")
KEMENDAGRI_CODE = re.compile(r"\d{2}\.\d{2}")


def _line(position: int) -> int:
    """File line of the data row at ``position`` (the header is line 1)."""
    return position + 2


def _read_csv(path: Path) -> pd.DataFrame:
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    return df.apply(lambda col: col.str.strip())


@functools.lru_cache(maxsize=8)
def _load_regions_cached(path: Path) -> pd.DataFrame:
    df = _read_csv(path)
    schemas.check_columns(df, schemas.REGIONS, f"regions ({path})")
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
            KEMENDAGRI_CODE.fullmatch(kcode) and kcode[:2] == provinces.at[prov, "kemendagri_code"]
        ):
            bad(pos, f"kemendagri_code {kcode!r} is not 'NN.NN' under its province's code")
    for pos, value in df["formed_year"].items():
        if value and not re.fullmatch(r"\d{4}", value):
            bad(pos, f"formed_year {value!r} is not a year")
    for pos, value in df["split_from"].items():
        if value and not BPS_CODE.fullmatch(value):
            bad(pos, f"split_from {value!r} is not a BPS code")
    stop_if_bad()

    out = df.copy()
    for column in ("kemendagri_code", "split_from"):
        out[column] = out[column].replace("", pd.NA)
    out["formed_year"] = pd.to_numeric(out["formed_year"].replace("", pd.NA)).astype("Int64")
    return schemas.validate(out, "regions")


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
        if not alias or alias != clean_text(alias):
            problems.append(
                f"{where}: alias {alias!r} is not normalised (write {clean_text(alias)!r})"
            )
        kind, core = split_kind_tokens(alias.split())
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
        key = (compact(alias), row["province_code"])
        if key in seen:
            problems.append(
                f"{where}: alias {alias!r} already listed for province "
                f"{row['province_code']} on line {_line(seen[key])}"
            )
        seen.setdefault(key, pos)
    if problems:
        raise ValueError("invalid alias table:\n" + "\n".join(problems))
    return df
