"""A rolling-origin backtest that cannot peek.

For each origin (1 January and 1 July from ``first_origin`` to the last
figure) the panel and the commitments are cut at the origin (rows dated
after it are removed), and :func:`uhc_analysis.analysis.forecast.projecting.
forecast` -- the production setup: observation model, awards read by their
year's criteria, both fits, the cap -- runs on what is left. It refuses any
input dated after the origin (:class:`FutureInputError`), so province
parameters, the ceiling, the cap and the awards only know the past.

Targets are the used point figures of the full data's observation model
(repeats already merged) dated 0.5 to 3 years after the origin, of regions
with at least one figure at the origin. Each is predicted by the median and
80 % interval of a published figure at its date and by the probability of
being at or above 95 %, and compared with carrying the latest figure forward.

*Sets*: a region x measure's newest figure is ``test``, all others
``tuning``. Settings are chosen on ``tuning`` only; both are reported.

Scores (:func:`score`): MAE, bias, 80 % coverage with its Clopper-Pearson
interval (``scipy.stats.binomtest(...).proportion_ci(method="exact")``), the
interval score (Gneiting & Raftery 2007, alpha = 0.2), and the Brier score of
P(at or above 95 at the target date) next to the naive rule "the latest
figure is at or above 95" (0/1).

Examples
--------
>>> from uhc_analysis.analysis.forecast.projecting import synthetic_panel
>>> from uhc_analysis.analysis.forecast.model import ForecastSettings
>>> panel = synthetic_panel({"1701": [(2019.5 + i, 80.0 + 3 * i) for i in range(5)],
...     "1702": [(2019.2 + i, 70.0 + 5 * i) for i in range(5)]})
>>> pred, scores = run_backtest(panel, None, ForecastSettings(n_draws=200), first_origin=2021.0)
>>> int(pred["horizon"].min() >= 0.5), sorted(pred["set"].unique())
(1, ['test', 'tuning'])
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from uhc_analysis.analysis.evidence import decimal_year
from uhc_analysis.analysis.forecast.model import ForecastSettings
from uhc_analysis.analysis.forecast.observations import observations
from uhc_analysis.analysis.forecast.projecting import forecast

#: Columns of the predictions table.
PREDICTIONS: tuple[str, ...] = (
    "origin",
    "region_code",
    "measure",
    "target_date",
    "horizon",
    "set",
    "observed",
    "median",
    "lo80",
    "hi80",
    "p_at_or_above_95",
    "last_value",
    "last_date",
    "latest_below_95",
    "method",
)
ALPHA = 0.2
#: Columns of the scores table (:func:`score`).
SCORES: tuple[str, ...] = (
    "set",
    "subset",
    "n",
    "mae",
    "bias",
    "mae_last_value",
    "bias_last_value",
    "mae_ratio",
    "coverage80",
    "coverage80_lo",
    "coverage80_hi",
    "interval_score80",
    "brier",
    "brier_naive",
)


def cut(
    panel: pd.DataFrame,
    commitments: pd.DataFrame | None,
    origin: pd.Timestamp,
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The inputs as known at ``origin``: rows dated after it removed."""
    p = panel.loc[pd.to_datetime(panel["date"]) <= origin]
    if commitments is None:
        return p, None
    return p, commitments.loc[pd.to_datetime(commitments["date"].astype(str)) <= origin]


def origins(obs: pd.DataFrame, first_origin: float) -> list[pd.Timestamp]:
    """1 January and 1 July from ``first_origin`` up to the last figure minus half a year."""
    last = float(obs["decimal_year"].max())
    out = []
    year = first_origin
    while year <= last - 0.5:
        y = int(math.floor(year))
        out.append(pd.Timestamp(f"{y}-01-01" if year % 1 < 0.25 else f"{y}-07-01"))
        year += 0.5
    return out


def run_backtest(
    panel: pd.DataFrame,
    commitments: pd.DataFrame | None,
    settings: ForecastSettings | None = None,
    *,
    criteria: pd.DataFrame | None = None,
    first_origin: float = 2019.0,
    horizons: tuple[float, float] = (0.5, 3.0),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Predictions (:data:`PREDICTIONS`) and scores (:func:`score`) on rolling as-of origins."""
    s = settings or ForecastSettings()
    full = observations(
        panel,
        basis=s.basis,
        repeat_months=s.repeat_months,
        conflict_days=s.conflict_days,
        pct_tolerance_pp=s.pct_tolerance_pp,
    )
    full = full.loc[
        full["used"] & full["kind"].eq("observed") & full["province_code"].isin(s.provinces)
    ]
    newest = full.groupby(["region_code", "measure"])["decimal_year"].transform("max")
    full = full.assign(set=np.where(full["decimal_year"].eq(newest), "test", "tuning"))
    rows: list[dict[str, object]] = []
    for origin in origins(full, first_origin):
        p, c = cut(panel, commitments, origin)
        if p["measure"].astype(str).eq("registered").sum() < 4:
            continue
        f = forecast(p, c, as_of=origin, settings=s, criteria=criteria)
        o_year = decimal_year(origin)
        due = full.loc[full["decimal_year"].between(o_year + horizons[0], o_year + horizons[1])]
        for (region, measure), g in due.groupby(["region_code", "measure"], sort=True):
            known = f.points(str(region), str(measure))
            known = known.loc[known["kind"].eq("observed")]
            if not len(known) or str(region) not in f.fits[str(measure)].lines:
                continue
            last = known.sort_values("decimal_year").iloc[-1]
            times = g["decimal_year"].to_numpy(dtype=float)
            _, draws = f.draws(str(region), str(measure), times)
            cap = f.fits[str(measure)].lines[str(region)].cap
            q = np.quantile(draws, [ALPHA / 2, 0.5, 1 - ALPHA / 2], axis=0)
            for i, t in enumerate(g.to_dict("records")):
                rows.append(
                    {
                        "origin": origin.date().isoformat(),
                        "region_code": region,
                        "measure": measure,
                        "target_date": pd.Timestamp(t["date"]).date().isoformat(),
                        "horizon": round(times[i] - o_year, 4),
                        "set": t["set"],
                        "observed": float(t["value_pct"]),
                        "median": float(min(q[1, i], cap)),
                        "lo80": float(min(q[0, i], q[1, i], cap)),
                        "hi80": float(q[2, i]),
                        "p_at_or_above_95": float((draws[:, i] >= 95.0).mean()),
                        "last_value": float(last["value_pct"]),
                        "last_date": pd.Timestamp(last["date"]).date().isoformat(),
                        "latest_below_95": bool(last["value_pct"] < 95.0),
                        "method": f.fits[str(measure)].method,
                    }
                )
    pred = pd.DataFrame(rows, columns=list(PREDICTIONS))
    return pred, score(pred)


def _scores(g: pd.DataFrame) -> dict[str, float]:
    y = g["observed"].to_numpy(float)
    err = g["median"].to_numpy(float) - y
    lv = g["last_value"].to_numpy(float) - y
    lo, hi = g["lo80"].to_numpy(float), g["hi80"].to_numpy(float)
    inside = int(((y >= lo) & (y <= hi)).sum())
    n = len(g)
    ci = stats.binomtest(inside, n).proportion_ci(method="exact") if n else None
    iscore = (hi - lo) + 2 / ALPHA * (np.maximum(lo - y, 0) + np.maximum(y - hi, 0))
    outcome = (y >= 95.0).astype(float)
    naive = (g["last_value"].to_numpy(float) >= 95.0).astype(float)
    mae, mae_lv = float(np.mean(np.abs(err))), float(np.mean(np.abs(lv)))
    return {
        "n": n,
        "mae": mae,
        "bias": float(np.mean(err)),
        "mae_last_value": mae_lv,
        "bias_last_value": float(np.mean(lv)),
        "mae_ratio": mae / mae_lv if mae_lv > 0 else math.nan,
        "coverage80": inside / n if n else math.nan,
        "coverage80_lo": float(ci.low) if ci else math.nan,
        "coverage80_hi": float(ci.high) if ci else math.nan,
        "interval_score80": float(np.mean(iscore)),
        "brier": float(np.mean((g["p_at_or_above_95"].to_numpy(float) - outcome) ** 2)),
        "brier_naive": float(np.mean((naive - outcome) ** 2)),
    }


def score(pred: pd.DataFrame) -> pd.DataFrame:
    """Scores by set (``tuning``, ``test``, ``all``) x subset (``all``, ``latest_below_95``).

    Examples
    --------
    >>> pred = pd.DataFrame({"set": ["test", "tuning"], "observed": [96.0, 90.0],
    ...     "median": [95.0, 91.0], "lo80": [94.0, 89.0], "hi80": [97.0, 92.0],
    ...     "p_at_or_above_95": [0.7, 0.1], "last_value": [93.0, 88.0],
    ...     "latest_below_95": [True, True], "horizon": [1.0, 1.0], "measure": "registered"})
    >>> s = score(pred)
    >>> s.loc[s.set.eq("all") & s.subset.eq("all"), ["n", "mae", "mae_ratio", "coverage80"]
    ...     ].values.tolist()
    [[2.0, 1.0, 0.4, 1.0]]
    """
    rows = []
    for name in ("tuning", "test", "all"):
        g0 = pred if name == "all" else pred.loc[pred["set"].eq(name)]
        for subset, g in (
            ("all", g0),
            ("latest_below_95", g0.loc[g0["latest_below_95"]]),
            ("registered", g0.loc[g0["measure"].eq("registered")]),
        ):
            if len(g):
                rows.append({"set": name, "subset": subset, **_scores(g)})
    return pd.DataFrame(rows, columns=list(SCORES))


#: The issue-12 targets: (name, subset, column, lower, upper); NaN: no bound.
TARGETS: tuple[tuple[str, str, str, float, float], ...] = (
    ("at least 40 scored forecasts", "all", "n", 40.0, math.nan),
    ("MAE <= 0.85 x carrying the last value forward", "all", "mae_ratio", math.nan, 0.85),
    (
        "the same, origins whose latest figure is below 95 %: <= 0.70",
        "latest_below_95",
        "mae_ratio",
        math.nan,
        0.70,
    ),
    ("80 % intervals cover 72-88 %", "all", "coverage80", 0.72, 0.88),
    ("Brier score below the naive rule's", "all", "brier_gap", math.nan, 0.0),
)


def target_checks(scores: pd.DataFrame) -> pd.DataFrame:
    """Each target of :data:`TARGETS` per set, with the measured value and ``met``.

    ``brier_gap`` is ``brier - brier_naive`` (met when negative).

    Examples
    --------
    >>> s = pd.DataFrame({"set": "test", "subset": ["all", "latest_below_95"], "n": [50, 20],
    ...     "mae_ratio": [0.6, 0.5], "coverage80": [0.9, 0.8], "brier": [0.1, 0.2],
    ...     "brier_naive": [0.3, 0.4]})
    >>> target_checks(s)[["target", "value", "met"]].values.tolist()[3]
    ['80 % intervals cover 72-88 %', 0.9, False]
    """
    rows = []
    for name, g in scores.groupby("set", sort=False):
        by = g.set_index("subset")
        for target, subset, column, lower, upper in TARGETS:
            if subset not in by.index:
                continue
            r = by.loc[subset]
            value = (
                float(r["brier"] - r["brier_naive"]) if column == "brier_gap" else float(r[column])
            )
            ok = (math.isnan(lower) or value >= lower) and (math.isnan(upper) or value <= upper)
            if column == "brier_gap":
                ok = value < 0
            rows.append({"set": name, "target": target, "value": value, "met": bool(ok)})
    return pd.DataFrame(rows, columns=["set", "target", "value", "met"])
