"""Inputs of the projections: focus regions, prepared observations, censored evidence.

Also the two small shapes every model shares: the logit model frame
(:func:`model_frame`) and the per-region row groups (:func:`split_by_region`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from uhc_analysis import config, schemas
from uhc_analysis.analysis.projection.settings import ProjectionSettings, logit
from uhc_analysis.ingest.parsing import decimal_years

#: Gazetteer ``kind`` -> ``region_level`` of the projections.
LEVELS = {
    "province": "province",
    "regency": "regency",
    "city": "regency",
    "kabupaten": "regency",
    "kota": "regency",
}
_PANEL_NEEDED = (
    "region_code",
    "region_level",
    "province_code",
    "period",
    "decimal_year",
    "measure",
    "basis",
    "coverage_pct",
    "lower_bound",
    "rounded",
)


def _as_bool(values: pd.Series, column: str) -> pd.Series:
    """Booleans from bool/str columns; anything else raises (no silent coercion)."""
    if values.dtype == bool:
        return values
    mapping = {"true": True, "false": False, "1": True, "0": False, "1.0": True, "0.0": False}
    text = values.astype("string").str.strip().str.lower()
    bad = sorted(set(text.dropna()) - set(mapping))
    if bad or text.isna().any():
        raise ValueError(f"column {column!r} must be boolean; got {bad or 'missing values'}")
    return text.map(mapping).astype(bool)


def focus_regions(regions: pd.DataFrame | None, settings: ProjectionSettings) -> pd.DataFrame:
    """The provinces and regencies/cities of ``settings.provinces`` from the gazetteer.

    Returns columns ``region_code, region_name, region_level, province_code``,
    sorted by code. An unknown ``kind`` raises.

    Examples
    --------
    >>> g = pd.DataFrame({"bps_code": ["17", "1771", "64"], "name": ["B", "Kota B", "K"],
    ...                   "kind": ["province", "city", "province"],
    ...                   "province_code": ["17", "17", "64"]})
    >>> focus_regions(g, ProjectionSettings(provinces=("17",))).region_code.tolist()
    ['17', '1771']
    """
    if regions is None:
        from uhc_analysis.ingest.regions import load_regions

        regions = load_regions()
    missing = [c for c in ("bps_code", "name", "kind", "province_code") if c not in regions]
    if missing:
        raise schemas.SchemaError(
            f"gazetteer lacks columns {missing} (see uhc_analysis/ingest/regions.py)"
        )
    g = regions.assign(
        region_code=regions["bps_code"].astype("string").str.strip(),
        province_code=regions["province_code"].astype("string").str.strip(),
        kind=regions["kind"].astype("string").str.strip().str.lower(),
    )
    g = g[g["province_code"].isin(settings.provinces) & g["kind"].ne("national")]
    unknown = sorted(set(g["kind"]) - set(LEVELS))
    if unknown:
        raise ValueError(
            f"unknown region kind(s) {unknown} in the gazetteer; known: {sorted(LEVELS)}"
        )
    out = pd.DataFrame(
        {
            "region_code": g["region_code"].astype(str),
            "region_name": g["name"].astype(str),
            "region_level": g["kind"].map(LEVELS).astype(str),
            "province_code": g["province_code"].astype(str),
        }
    )
    if out["region_code"].duplicated().any():
        dup = sorted(out.loc[out["region_code"].duplicated(), "region_code"])
        raise ValueError(f"gazetteer has duplicated codes {dup}")
    return out.sort_values("region_code", ignore_index=True)


def prepare_observations(
    panel: pd.DataFrame, regions: pd.DataFrame, settings: ProjectionSettings
) -> pd.DataFrame:
    """Point and lower-bound observations of ``settings.measure``/``basis``, one per region x date.

    Rows with ``use_in_analysis == False`` (when that column exists) are
    dropped; rows sharing a region, a decimal year and ``lower_bound`` are
    averaged (``rounded`` only if all were rounded). Rows of regions outside
    the focus provinces, or of the national level, are ignored; a focus-province
    code that the gazetteer does not know raises. Rows without ``coverage_pct``
    are dropped and counted per region in ``attrs["n_missing"]``.

    Returns columns ``region_code, province_code, region_level, decimal_year,
    period, coverage_pct, lower_bound, rounded, weight, n_rows, observation_ids``.

    Examples
    --------
    >>> from uhc_analysis.analysis.projection import synthetic_panel
    >>> p = synthetic_panel({"1701": [(2020.0, 80.0), (2020.0, 82.0), (2021.0, 85.0)]})
    >>> g = pd.DataFrame({"region_code": ["1701"], "region_name": ["x"],
    ...                   "region_level": ["regency"], "province_code": ["17"]})
    >>> prepare_observations(p, g, ProjectionSettings()).coverage_pct.tolist()
    [81.0, 85.0]
    """
    missing = [c for c in _PANEL_NEEDED if c not in panel.columns]
    if missing:
        raise schemas.SchemaError(f"coverage panel lacks columns {missing} (see schemas.PANEL)")
    p = panel.loc[
        panel["measure"].astype(str).eq(settings.measure)
        & panel["basis"].astype(str).eq(settings.basis)
    ].copy()
    if "use_in_analysis" in p.columns:
        p = p.loc[_as_bool(p["use_in_analysis"], "use_in_analysis")]
    p["region_code"] = p["region_code"].astype("string").str.strip()
    p["province_code"] = p["province_code"].astype("string").str.strip()
    p = p.loc[p["region_level"].isin(["province", "regency"])]
    p = p.loc[p["province_code"].isin(settings.provinces)]
    unknown = sorted(set(p["region_code"]) - set(regions["region_code"]))
    if unknown:
        raise ValueError(
            f"panel region codes {unknown} are not in the gazetteer "
            f"(edit {config.REGIONS_CSV} or fix the panel)"
        )
    p["coverage_pct"] = pd.to_numeric(p["coverage_pct"], errors="raise")
    p["decimal_year"] = pd.to_numeric(p["decimal_year"], errors="raise")
    lacking = p["coverage_pct"].isna() | p["decimal_year"].isna()
    n_missing = p.loc[lacking].groupby("region_code").size().to_dict()
    p = p.loc[~lacking].assign(
        lower_bound=lambda d: _as_bool(d["lower_bound"], "lower_bound"),
        rounded=lambda d: _as_bool(d["rounded"], "rounded"),
        observation_id=lambda d: d["observation_id"].astype(str) if "observation_id" in d else "",
    )
    keys = ["region_code", "decimal_year", "lower_bound"]
    p = p.sort_values([*keys, "period"], kind="stable")
    grouped = p.groupby(keys, as_index=False, sort=True)
    out = grouped.agg(
        province_code=("province_code", "first"),
        region_level=("region_level", "first"),
        period=("period", "first"),
        coverage_pct=("coverage_pct", "mean"),
        rounded=("rounded", "all"),
        n_rows=("coverage_pct", "size"),
    )
    # ";".join(sorted(set(ids))) per group, spelled out only for the groups of several rows
    gid = grouped.ngroup().to_numpy()
    ids = pd.Series(p["observation_id"].to_numpy(dtype=object), index=gid)
    ids = ids[gid >= 0]
    first = ids[~ids.index.duplicated()]
    joined = np.empty(len(out), dtype=object)
    joined[first.index.to_numpy()] = first.to_numpy(dtype=object)
    several = ids.index.duplicated(keep=False)
    if several.any():
        multi = ids[several].groupby(level=0).agg(lambda s: ";".join(sorted(set(s))))
        joined[multi.index.to_numpy()] = multi.to_numpy()
    out["observation_ids"] = joined
    out["region_level"] = out["region_level"].astype(str)
    out["region_code"] = out["region_code"].astype(str)
    out["province_code"] = out["province_code"].astype(str)
    out["weight"] = np.where(out["rounded"], settings.rounded_weight, 1.0)
    cols = [
        "region_code",
        "province_code",
        "region_level",
        "decimal_year",
        "period",
        "coverage_pct",
        "lower_bound",
        "rounded",
        "weight",
        "n_rows",
        "observation_ids",
    ]
    out = out[cols].sort_values(["region_code", "decimal_year"], ignore_index=True)
    out.attrs["n_missing"] = n_missing
    return out


def censored_evidence(
    obs: pd.DataFrame,
    commitments: pd.DataFrame | None,
    regions: pd.DataFrame,
    settings: ProjectionSettings,
) -> pd.DataFrame:
    """Lower bounds (coverage >= value at date): lower-bound figures and UHC awards (>= 95 %).

    Returns columns ``region_code, province_code, decimal_year, period, bound_pct,
    source`` (``lower_bound`` or ``award``), sorted. Award dates become decimal
    years with :func:`uhc_analysis.ingest.parsing.decimal_years`.

    Examples
    --------
    >>> from uhc_analysis.analysis.projection import synthetic_panel
    >>> g = pd.DataFrame({"region_code": ["1701"], "region_name": ["x"],
    ...                   "region_level": ["regency"], "province_code": ["17"]})
    >>> c = pd.DataFrame({"region_code": ["1701"], "date": ["2023-03-14"], "kind": ["award"]})
    >>> obs = prepare_observations(synthetic_panel({}), g, ProjectionSettings())
    >>> censored_evidence(obs, c, g, ProjectionSettings()).bound_pct.tolist()
    [95.0]
    """
    lb = obs.loc[obs["lower_bound"]]
    parts = [
        pd.DataFrame(
            {
                "region_code": lb["region_code"],
                "province_code": lb["province_code"],
                "decimal_year": lb["decimal_year"],
                "period": lb["period"].astype(str),
                "bound_pct": lb["coverage_pct"],
                "source": "lower_bound",
            }
        )
    ]
    if commitments is not None and len(commitments):
        for c in ("region_code", "date", "kind"):
            if c not in commitments:
                raise schemas.SchemaError(
                    f"commitments lack column {c!r} (see schemas.COMMITMENTS)"
                )
        aw = commitments.loc[commitments["kind"].astype(str).eq("award")].copy()
        aw["region_code"] = aw["region_code"].astype("string").str.strip()
        aw = aw.loc[aw["region_code"].isin(regions["region_code"])]
        if aw["date"].isna().any():
            raise ValueError("award rows without a date in commitments.csv")
        period = aw["period"] if "period" in aw else aw["date"]
        prov = regions.set_index("region_code")["province_code"]
        parts.append(
            pd.DataFrame(
                {
                    "region_code": aw["region_code"].astype(str),
                    "province_code": aw["region_code"].map(prov).astype(str),
                    "decimal_year": decimal_years(aw["date"]),
                    "period": period.astype(str),
                    "bound_pct": 95.0,
                    "source": "award",
                }
            )
        )
    out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    return (
        out.drop_duplicates(["region_code", "decimal_year", "bound_pct"])
        .sort_values(["region_code", "decimal_year", "bound_pct"], ignore_index=True)
        .astype(
            {"region_code": str, "province_code": str, "decimal_year": float, "bound_pct": float}
        )
    )


def model_frame(obs: pd.DataFrame, s: ProjectionSettings) -> pd.DataFrame:
    """The point observations on the logit scale, as the models take them.

    Columns ``region_code, province_code, decimal_year, y, weight, censored``
    (all ``censored`` False; the censored loop appends pseudo-observations).

    Examples
    --------
    >>> obs = pd.DataFrame({"region_code": ["1701"], "province_code": ["17"],
    ...                     "decimal_year": [2020.0], "coverage_pct": [52.5],
    ...                     "weight": [1.0], "lower_bound": [False]})
    >>> model_frame(obs, ProjectionSettings())["y"].round(6).tolist()
    [0.0]
    """
    points = obs.loc[~obs["lower_bound"]]
    return pd.DataFrame(
        {
            "region_code": points["region_code"],
            "province_code": points["province_code"],
            "decimal_year": points["decimal_year"],
            "y": logit(points["coverage_pct"].to_numpy(), s),
            "weight": points["weight"],
            "censored": False,
        }
    ).reset_index(drop=True)


def split_by_region(codes: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """``(code, row positions)`` per distinct code, codes sorted, rows in their original order.

    The same groups, in the same order, as ``DataFrame.groupby(codes, sort=True)``
    (``groupby(...).indices``), without building a GroupBy per call: the fits
    index plain arrays with these positions.

    Examples
    --------
    >>> [(c, r.tolist()) for c, r in split_by_region(np.array(["b", "a", "b"]))]
    [('a', [1]), ('b', [0, 2])]
    """
    codes = np.asarray(codes).astype(str)
    if not len(codes):
        return []
    order = np.argsort(codes, kind="stable")
    uniq, starts = np.unique(codes[order], return_index=True)
    bounds = [*starts[1:], len(codes)]
    return [(str(u), order[a:b]) for u, a, b in zip(uniq, starts, bounds, strict=True)]
