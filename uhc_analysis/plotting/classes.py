"""The fixed policy classes of the maps and bars, and their legend texts.

Classes are fixed (not data-driven quantiles), so maps of different provinces
and dates are comparable:

* coverage: ``< 80``, ``80–90``, ``90–95``, ``95–98``, ``≥ 98`` % (closed on the left);
* gap (people to enrol): exactly 0, then ``≤ 5,000``, ``≤ 20,000``, ``≤ 50,000``, more;
* projected year: reached, on track by 2026, 2027–2030, later, not on current trend,
  and "reached earlier, latest figure below" (a region that reached the threshold
  once but whose latest figure is below it: the ``reached_earlier_latest_below``
  status of :mod:`uhc_analysis.analysis.uhc_status`, not "already reached").

:func:`stale_figures` marks the figures older than the evidence age rule of
the UHC status table (:data:`RECENT_MONTHS`), which the maps draw dotted.

Each ``*_classes`` function returns an ``Int64`` series of class numbers
(``<NA>`` for no data), binned with :func:`pandas.cut`.

Examples
--------
>>> coverage_classes([79.9, 96.0]).tolist()
[0, 3]
>>> [coverage_class_labels()[i] for i in (0, 3)]
['< 80 %', '95\u201398 %']
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

from uhc_analysis.plotting.labels import fmt_int, fmt_threshold, label

if TYPE_CHECKING:
    import pandas as pd

#: Lower edges of the coverage policy classes (percent), after the first class.
COVERAGE_BREAKS: tuple[float, ...] = (80.0, 90.0, 95.0, 98.0)
#: Upper edges of the gap classes (people); the first class is exactly 0.
GAP_BREAKS: tuple[int, ...] = (0, 5_000, 20_000, 50_000)
#: Default year bins of the projected-year map: ``<= 2026``, ``2027–2030``, ``> 2030``.
YEAR_BINS: tuple[int, int] = (2026, 2030)


#: Evidence age rule (months): a figure older than this at the evaluation date is stale.
#: The default of :class:`uhc_analysis.analysis.uhc_status.StatusSettings` (a test checks
#: it; not imported because that module loads pandera).
RECENT_MONTHS: float = 24.0

#: Status values of ``projections.csv`` (the same as
#: :data:`uhc_analysis.schemas.fields.PROJECTION_STATUSES`, a test checks it; not imported
#: from there because the schemas load pandera, which plotting modules must not at import).
PROJECTION_STATUSES: tuple[str, ...] = (
    "reached",
    "on_track",
    "overdue",
    "not_on_current_trend",
    "insufficient_data",
)


def _cut(values: Iterable[float], edges: Iterable[float], *, right: bool) -> pd.Series:
    """Class number of each value between ``-inf``, ``edges`` and ``inf`` (``<NA>`` if missing)."""
    import pandas as pd

    s = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=float)
    bins = [-math.inf, *edges, math.inf]
    return pd.cut(s.astype(float), bins, right=right, labels=False).astype("Int64")


def coverage_classes(values: Iterable[float]) -> pd.Series:
    """Policy class of each coverage value: 0 ``<80``, 1 ``80–90``, … 4 ``≥98`` %.

    Intervals are closed on the left (80.0 is in class 1, 98.0 in class 4).
    Missing values get ``<NA>``.

    Examples
    --------
    >>> coverage_classes([79.9, 80.0, 95.0, 98.0, float("nan")]).tolist()
    [0, 1, 3, 4, <NA>]
    """
    return _cut(values, COVERAGE_BREAKS, right=False)


def coverage_class_labels(lang: str = "en") -> list[str]:
    """Legend texts of the coverage classes.

    Examples
    --------
    >>> coverage_class_labels()
    ['< 80 %', '80\u201390 %', '90\u201395 %', '95\u201398 %', '\u2265 98 %']
    """
    b = [fmt_int(x, lang) for x in COVERAGE_BREAKS]
    return (
        [f"< {b[0]} %"]
        + [f"{lo}\u2013{hi} %" for lo, hi in zip(b[:-1], b[1:], strict=True)]
        + [f"\u2265 {b[-1]} %"]
    )


def gap_classes(values: Iterable[float]) -> pd.Series:
    """Class of each gap (people to enrol): 0 none, then ``≤5k``, ``≤20k``, ``≤50k``, more.

    Intervals are closed on the right. Raises ``ValueError`` on negative gaps.

    Examples
    --------
    >>> gap_classes([0, 1, 5000, 5001, 60000, None]).tolist()
    [0, 1, 1, 2, 4, <NA>]
    """
    import pandas as pd

    s = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=float)
    s = s.astype(float)
    if (s < 0).any():
        raise ValueError(f"negative gap_people: {s[s < 0].tolist()}")
    return _cut(s, GAP_BREAKS, right=True)


def gap_class_labels(threshold: float, lang: str = "en") -> list[str]:
    """Legend texts of the gap classes.

    Examples
    --------
    >>> gap_class_labels(95)[1]
    '1\u20135,000'
    """
    edges = list(GAP_BREAKS)
    out = [label("gap_zero", lang, threshold=fmt_threshold(threshold, lang))]
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        out.append(f"{fmt_int(lo + 1, lang)}\u2013{fmt_int(hi, lang)}")
    out.append(label("gap_more", lang, value=fmt_int(edges[-1], lang)))
    return out


def projected_classes(
    projections: pd.DataFrame, year_bins: tuple[int, int] = YEAR_BINS
) -> pd.Series:
    """Class of each projection row: 0 reached, 1–3 year bins, 4 not on trend, NA no data.

    Class 5 is a ``reached`` row whose ``latest_coverage_pct`` (when the
    column is there) is below its ``threshold``: reached once, latest below.

    ``on_track`` and ``overdue`` rows (a projected year already past, no
    figure confirming it) are binned by ``floor(year_reached)``: ``<= year_bins[0]``,
    ``<= year_bins[1]``, later. ``insufficient_data`` and missing statuses
    (``NA`` or ``""``, e.g. a regency without a projection row) get ``<NA>``.
    An unknown status, or an ``on_track`` row without a year, raises.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"status": ["reached", "on_track", "on_track",
    ...                               "not_on_current_trend", "insufficient_data"],
    ...                    "year_reached": [2021, 2025.5, 2034, None, None]})
    >>> projected_classes(df).tolist()
    [0, 1, 3, 4, <NA>]
    """
    import numpy as np
    import pandas as pd

    status = projections["status"].where(projections["status"].ne(""))
    unknown = sorted(set(status.dropna()) - set(PROJECTION_STATUSES))
    if unknown:
        raise ValueError(f"unknown projection status {unknown}; expected {PROJECTION_STATUSES}")
    year = np.floor(pd.to_numeric(projections["year_reached"], errors="raise").astype(float))
    on = status.isin(["on_track", "overdue"]).fillna(False).astype(bool)
    if (on & year.isna()).any():
        codes = projections.loc[on & year.isna()].get("region_code", pd.Series()).tolist()
        raise ValueError(f"on_track/overdue projections without year_reached: {codes}")
    out = pd.Series(pd.NA, index=projections.index, dtype="Int64")
    out[status.eq("reached").fillna(False).astype(bool)] = 0
    out[on] = _cut(year[on], year_bins, right=True) + 1
    out[status.eq("not_on_current_trend").fillna(False).astype(bool)] = 4
    if {"latest_coverage_pct", "threshold"} <= set(projections.columns):
        latest = pd.to_numeric(projections["latest_coverage_pct"], errors="coerce").astype(float)
        below = latest < projections["threshold"].astype(float)
        out[(status.eq("reached").fillna(False).astype(bool) & below).to_numpy()] = 5
    return out


def projected_class_labels(year_bins: tuple[int, int] = YEAR_BINS, lang: str = "en") -> list[str]:
    """Legend texts of the projected-year classes.

    Examples
    --------
    >>> projected_class_labels()[:3]
    ['already reached (at least once)', 'by 2026', '2027\u20132030']
    """
    first, second = year_bins
    return [
        label("proj_reached", lang),
        label("proj_by", lang, year=first),
        label("proj_between", lang, start=first + 1, end=second),
        label("proj_after", lang, year=second),
        label("proj_not_on_trend", lang),
        label("proj_reached_earlier", lang),
    ]


def figure_dates(periods: Iterable[object], dates: Iterable[object] | None = None) -> pd.Series:
    """Date of each figure: ``dates`` where given, else its ``period`` (a year is its 1 July).

    Examples
    --------
    >>> figure_dates(["2022-06", "2024", None]).dt.strftime("%Y-%m-%d").tolist()
    ['2022-06-01', '2024-07-01', nan]
    """
    import pandas as pd

    text = pd.Series(list(periods), dtype=object).astype("string").str.strip()
    text = text.where(~text.str.fullmatch(r"\d{4}").fillna(False), text + "-07-01")
    out = pd.to_datetime(text, errors="coerce", format="mixed")
    if dates is not None:
        given = pd.to_datetime(pd.Series(list(dates), dtype=object), errors="coerce")
        out = given.where(given.notna(), out)
    return out


def stale_figures(
    periods: Iterable[object],
    as_of: object,
    months: float = RECENT_MONTHS,
    dates: Iterable[object] | None = None,
) -> pd.Series:
    """Whether each figure is older than ``months`` months at ``as_of`` (the UHC status rule).

    The window is the one of :func:`uhc_analysis.analysis.uhc_status.evaluate_part`:
    ``months * 365.25 / 12`` days before ``as_of``. Missing periods are not stale.

    Examples
    --------
    >>> stale_figures(["2022-06", "2025-01", "2024", None], "2026-12-02").tolist()
    [True, False, True, False]
    """
    import pandas as pd

    when = figure_dates(periods, dates)
    cutoff = pd.Timestamp(as_of) - pd.Timedelta(days=months * 365.25 / 12)
    return (when < cutoff).fillna(False).astype(bool)


def figure_month(periods: Iterable[object]) -> list[str]:
    """The month (``YYYY-MM``) or year of each period, as map labels write it.

    Examples
    --------
    >>> figure_month(["2022-06-01", "2024", None])
    ['2022-06', '2024', '']
    """
    out = []
    for p in periods:
        text = str(p).strip() if isinstance(p, str) else ""
        out.append(text[:7] if len(text) >= 7 else text)
    return out
