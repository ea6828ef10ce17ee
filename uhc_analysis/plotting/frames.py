"""Checks and selections of the tidy frames the maps and charts take.

* :func:`region_urls` turns the link tables of a build into the tidy
  ``sources`` frame (one row per region and URL) that the maps and charts take
  for their source lines and tooltips;
* :func:`regency_rows`, :func:`lower_bounds` and :func:`require_columns` are
  the input checks every plotting function shares;
* :func:`gazetteer_names` gives region names for frames that lack them.

Examples
--------
>>> import pandas as pd
>>> rows = regency_rows(pd.DataFrame({"region_code": ["17", "1701", "1601"]}), "17", "data")
>>> rows["region_code"].tolist()
['1701']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

#: Columns of the tidy ``sources`` frame the plotting functions take.
SOURCE_COLUMNS: tuple[str, str] = ("region_code", "url")


def require_columns(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    """Raise ``KeyError`` naming the columns of ``columns`` that ``frame`` lacks.

    Examples
    --------
    >>> import pandas as pd
    >>> require_columns(pd.DataFrame({"a": [1]}), ["a", "b"], "data")
    Traceback (most recent call last):
    ...
    KeyError: "data lacks columns ['b']"
    """
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"{what} lacks columns {missing}")


def regency_rows(frame: pd.DataFrame, province: str | None, what: str) -> pd.DataFrame:
    """The regency rows (4-digit ``region_code``) of ``province`` (all when None), one per regency.

    Province and national rows are left out; several rows for one regency
    raise ``ValueError`` (filter measure, basis and threshold first).

    Examples
    --------
    >>> import pandas as pd
    >>> regency_rows(pd.DataFrame({"region_code": ["1701", "1701"]}), None, "latest")
    Traceback (most recent call last):
    ...
    ValueError: latest: several rows for regencies ['1701']; pass one row per regency (filter measure, basis and threshold first)
    """  # noqa: E501
    require_columns(frame, ["region_code"], what)
    d = frame.copy()
    d["region_code"] = d["region_code"].astype(str).str.strip()
    keep = d["region_code"].str.fullmatch(r"\d{4}")
    if province is not None:
        keep &= d["region_code"].str.startswith(str(province))
    d = d.loc[keep]
    dup = sorted(d.loc[d["region_code"].duplicated(), "region_code"].unique())
    if dup:
        raise ValueError(
            f"{what}: several rows for regencies {dup}; pass one row per regency "
            "(filter measure, basis and threshold first)"
        )
    return d


def lower_bounds(frame: pd.DataFrame) -> pd.Series:
    """The ``lower_bound`` flags of ``frame`` ("more than …" figures); all False without it.

    The column must be boolean, as :func:`uhc_analysis.io.read_table` returns
    it (missing values of a nullable boolean count as False); text raises
    ``TypeError`` rather than being guessed at.

    Examples
    --------
    >>> import pandas as pd
    >>> lower_bounds(pd.DataFrame({"lower_bound": [True, False]})).tolist()
    [True, False]
    >>> lower_bounds(pd.DataFrame({"x": [1]})).tolist()
    [False]
    >>> lower_bounds(pd.DataFrame({"lower_bound": ["True"]}))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: lower_bound must be a bool column (as uhc_analysis.io.read_table returns it), got ...
    """  # noqa: E501
    import pandas as pd

    if "lower_bound" not in frame.columns:
        return pd.Series(False, index=frame.index)
    values = frame["lower_bound"]
    if not pd.api.types.is_bool_dtype(values):
        raise TypeError(
            "lower_bound must be a bool column (as uhc_analysis.io.read_table returns it), "
            f"got {values.dtype}"
        )
    return values.fillna(False).astype(bool)


def region_urls(
    panel_rows: pd.DataFrame,
    observation_sources: pd.DataFrame,
    sources: pd.DataFrame,
    panel_population: pd.DataFrame,
) -> pd.DataFrame:
    """The source URLs of some coverage-panel rows: one row per region and URL.

    A panel row's sources are those of its enrolment observation
    (``observation_id``) and, for a recomputed basis (``dukcapil``, ``bps``),
    those of the population observations that are its denominator
    (``panel_population``: observation_id, basis, population_id).

    Parameters
    ----------
    panel_rows
        Rows of ``coverage_panel`` with ``region_code``, ``observation_id``, ``basis``.
    observation_sources
        ``observation_sources.csv``: observation_id, source_id.
    sources
        ``sources.csv``: source_id, url (one row per URL).
    panel_population
        ``panel_population.csv``: observation_id, basis, population_id.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SOURCE_COLUMNS`, sorted, without duplicates. An
        observation without source links adds no row.

    Raises
    ------
    ValueError
        If a linked ``source_id`` is not in ``sources``.

    Examples
    --------
    >>> import pandas as pd
    >>> panel = pd.DataFrame({"region_code": ["1701", "1702"], "observation_id": ["E1", "E2"],
    ...                       "basis": ["published", "dukcapil"]})
    >>> links = pd.DataFrame({"observation_id": ["E1", "E2", "P9"],
    ...                       "source_id": ["S1", "S1", "S2"]})
    >>> sources = pd.DataFrame({"source_id": ["S1", "S2"],
    ...                         "url": ["https://a.id/x", "https://b.id/y"]})
    >>> denominators = pd.DataFrame({"observation_id": ["E2"], "basis": ["dukcapil"],
    ...                              "population_id": ["P9"]})
    >>> region_urls(panel, links, sources, denominators)
      region_code             url
    0        1701  https://a.id/x
    1        1702  https://a.id/x
    2        1702  https://b.id/y
    """
    import pandas as pd

    for frame, columns, what in (
        (panel_rows, ["region_code", "observation_id", "basis"], "panel rows"),
        (observation_sources, ["observation_id", "source_id"], "observation_sources"),
        (sources, ["source_id", "url"], "sources"),
        (panel_population, ["observation_id", "basis", "population_id"], "panel_population"),
    ):
        require_columns(frame, columns, what)
    rows = panel_rows.loc[:, ["region_code", "observation_id", "basis"]]
    denominators = rows.merge(
        panel_population.loc[:, ["observation_id", "basis", "population_id"]],
        on=["observation_id", "basis"],
    )
    observations = pd.concat(
        [
            rows.loc[:, ["region_code", "observation_id"]],
            denominators.loc[:, ["region_code", "population_id"]].rename(
                columns={"population_id": "observation_id"}
            ),
        ],
        ignore_index=True,
    )
    linked = observations.merge(observation_sources, on="observation_id")
    linked = linked.merge(sources.loc[:, ["source_id", "url"]], on="source_id", how="left")
    unknown = sorted(linked.loc[linked["url"].isna(), "source_id"].unique())
    if unknown:
        raise ValueError(f"observation_sources links source ids {unknown} missing from sources")
    return (
        linked.loc[:, list(SOURCE_COLUMNS)]
        .drop_duplicates()
        .sort_values(list(SOURCE_COLUMNS))
        .reset_index(drop=True)
    )


def urls_of(sources: pd.DataFrame | None, region_codes: Iterable[str]) -> set[str]:
    """The distinct URLs of ``region_codes`` in a ``sources`` frame (empty when None).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"region_code": ["1701", "1702"], "url": ["https://a", "https://b"]})
    >>> urls_of(s, ["1702", "1709"]), urls_of(None, ["1701"])
    ({'https://b'}, set())
    """
    if sources is None:
        return set()
    require_columns(sources, SOURCE_COLUMNS, "sources")
    return set(sources.loc[sources["region_code"].isin(set(region_codes)), "url"])


def urls_by_region(sources: pd.DataFrame | None) -> dict[str, list[str]]:
    """Sorted URLs of each region of a ``sources`` frame (empty when None).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"region_code": ["1701", "1701"], "url": ["https://b", "https://a"]})
    >>> urls_by_region(s)
    {'1701': ['https://a', 'https://b']}
    """
    if sources is None:
        return {}
    require_columns(sources, SOURCE_COLUMNS, "sources")
    return {
        str(code): sorted(set(urls))
        for code, urls in sources.groupby("region_code", sort=True)["url"]
    }


def gazetteer_names(codes: Sequence[str] | None = None) -> dict[str, str]:
    """BPS code -> name of every region of the gazetteer (or of ``codes``).

    Examples
    --------
    >>> gazetteer_names(["1706"])
    {'1706': 'Mukomuko'}
    """
    from uhc_analysis.boundaries import load_gazetteer

    gaz = load_gazetteer()
    names = dict(zip(gaz["bps_code"].astype(str), gaz["name"].astype(str), strict=True))
    if codes is None:
        return names
    return {c: names[c] for c in codes if c in names}
