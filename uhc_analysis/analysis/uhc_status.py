"""Who meets which UHC criterion, on what evidence, and how old that evidence is.

:func:`uhc_status` evaluates every region of the focus provinces against every
criterion of the reviewed criteria table (:mod:`uhc_analysis.ingest.criteria`):
those in force at ``as_of`` at ``as_of``, the historic ones (``valid_to``
before the year of ``as_of``) at the last day they were in force. Frames in,
frames out: the panel, the commitments (awards), the criteria, the regions and
(optionally) the projections and their paths.

A criterion has up to two conditions, *parts*: registered coverage >=
``min_coverage_pct`` and activity >= ``min_active_pct``. Each part gets a
status from its own evidence (:mod:`uhc_analysis.analysis.evidence`): figures
of that measure, UHC awards read by their year's criteria (lower bounds), and
for registered coverage the projection path. Only evidence dated on or before
the evaluation date counts. The first rule that matches gives the status:

================================  ===========================================================
status                            meaning (quotable)
================================  ===========================================================
``confirmed``                     a figure or award at or above the threshold dated within
                                  ``recent_months`` (default 24) of the evaluation date, and
                                  no later figure below it
``reached_earlier_latest_below``  at or above once, but a later figure is below
``probably_reached``              no recent confirming figure; the projection puts the
                                  probability of being at or above at >= 0.8
``stale``                         no figure or award for more than ``recent_months``: too
                                  old to say (reached before, or below and old)
``borrowed_trend``                never at or above, fewer than two own figures (or none):
                                  the projected path is mostly the pooled trend of others
``not_on_current_trend``          recent figures below, and the projected path does not reach
                                  the threshold by the end of the projection
``overdue``                       recent figures below, and the projected crossing date has
                                  already passed
``on_track``                      recent figures below, the projected crossing is after
                                  ``as_of`` (never a date in the past)
``insufficient_data``             no figure or award of that measure and no path, or
                                  figures below and nothing that projects them
================================  ===========================================================

"Ever at or above" is checked first (``confirmed``, ``reached_earlier_latest_below``,
then ``probably_reached`` or ``stale``), then the "never" branch in the order
``insufficient_data``, ``borrowed_trend``, ``probably_reached``/``stale`` (no
recent figure), ``not_on_current_trend``, ``overdue``, ``on_track``.

A criterion with both parts takes the status of the weaker part, in the order
:data:`SEVERITY` (worst first); its evidence columns are that part's.
Activity is evaluated per resident (``activity_denominator``), the rate the
transcribed sources print (active / population), falling back to per
participant where only that can be computed; the denominator used is in
``activity_denominator``. Conditions other than the two thresholds (PBPU Pemda
share, paid contributions) are not evaluated and listed in ``not_evaluated``.

``probability_at_or_above_today`` is the probability, from the projection
path's predictive band at ``as_of``, that the measure is at or above the
criterion's threshold (:func:`uhc_analysis.analysis.evidence.
probability_at_or_above`); for a criterion with both parts it is the share of
joint simulated paths of coverage and activity meeting both
(``time_to_uhc.csv``'s ``joint`` rows, :func:`joint_probabilities`), and
``probability_of`` says which.

Examples
--------
>>> import pandas as pd
>>> from uhc_analysis.ingest.criteria import fixed_criteria
>>> panel = pd.DataFrame({"region_code": ["1701", "1702"], "measure": "registered",
...     "basis": "published", "date": ["2026-05-15", "2019-05-15"],
...     "period": ["2026-05", "2019-05"], "coverage_pct": [99.0, 97.0],
...     "lower_bound": False, "observation_id": ["E1", "E2"], "urls": "u",
...     "participants": float("nan"), "population": float("nan"),
...     "published_coverage_pct": [99.0, 97.0], "participants_status": "",
...     "population_status": "", "region_name": "x", "region_level": "regency",
...     "province_code": "17"})
>>> regions = pd.DataFrame({"bps_code": ["1701", "1702"], "name": ["A", "B"],
...     "kind": "kabupaten", "province_code": "17"})
>>> commitments = pd.DataFrame(columns=["region_code", "observation_id", "kind", "date",
...     "period", "urls", "remarks"])
>>> out = uhc_status(panel, commitments, fixed_criteria((98,)), regions, as_of="2026-12-02")
>>> out.status[["region_code", "status", "evidence_date"]].values.tolist()
[['1701', 'confirmed', '2026-05-15'], ['1702', 'stale', '2019-05-15']]
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import pandas as pd

from uhc_analysis import config, schemas
from uhc_analysis.analysis.activity import activity_rates
from uhc_analysis.analysis.evidence import (
    award_evidence,
    award_figures,
    contradictions,
    decimal_year,
    figures,
    joint_key,
    joint_probabilities,
    months_between,
    paths_by_region,
    probability_at_or_above,
    projected_crossing,
    projection_index,
)
from uhc_analysis.analysis.regions import focus_regions
from uhc_analysis.ingest.criteria import collapse_criteria, in_force
from uhc_analysis.schemas import UHC_STATUSES

#: Statuses, worst first: a criterion with two parts takes the worse part's status.
SEVERITY: tuple[str, ...] = (
    "insufficient_data",
    "not_on_current_trend",
    "overdue",
    "reached_earlier_latest_below",
    "stale",
    "borrowed_trend",
    "on_track",
    "probably_reached",
    "confirmed",
)
STATUSES: frozenset[str] = frozenset(UHC_STATUSES)

#: Columns of the status table.
UHC_STATUS: tuple[str, ...] = (
    "region_code",
    "region_name",
    "region_level",
    "province_code",
    "criterion_id",
    "scheme",
    "tier",
    "min_coverage_pct",
    "min_active_pct",
    "in_force",
    "evaluated_at",
    "status",
    "probability_at_or_above_today",
    "probability_of",
    "evidence_date",
    "evidence_kind",
    "evidence_age_months",
    "recent_months",
    "evidence_value_pct",
    "evidence_measure",
    "evidence_observation_id",
    "reason",
    "coverage_status",
    "coverage_evidence_date",
    "coverage_evidence_kind",
    "coverage_value_pct",
    "activity_status",
    "activity_evidence_date",
    "activity_evidence_kind",
    "activity_value_pct",
    "activity_denominator",
    "projected_year",
    "projected_year_lo80",
    "projected_year_hi80",
    "projection_model",
    "n_own_figures",
    "not_evaluated",
)

_LABEL = {"registered": "registered coverage", "active": "activity"}


@dataclass(frozen=True)
class StatusSettings:
    """Settings of :func:`uhc_status` (all are parameters, none is tuned on the data).

    Examples
    --------
    >>> StatusSettings(recent_months=12).recent_months
    12.0
    """

    #: A figure is recent when dated within this many months of the evaluation date.
    recent_months: float = 24.0
    #: Probability at or above from which a region without a recent figure is
    #: ``probably_reached``.
    probability_reached: float = 0.8
    #: Denominator basis of registered coverage (``published``, as the projections use).
    basis: str = "published"
    #: ``resident`` (active / population) or ``participant`` (active / registered).
    activity_denominator: str = "resident"
    #: Months either side for the registered figure of a per-participant rate.
    activity_match_months: float = 3.0
    #: Months either side of an award in which a lower figure contradicts it.
    contradiction_months: float = 6.0
    #: Focus provinces (BPS codes).
    provinces: tuple[str, ...] = config.FOCUS_PROVINCES
    #: Path model used when the projections name none for a region, in order.
    path_models: tuple[str, ...] = ("rw_drift", "rw_drift_linked")

    def __post_init__(self) -> None:
        object.__setattr__(self, "recent_months", float(self.recent_months))
        if not 0.5 <= self.probability_reached < 1.0:
            raise ValueError("probability_reached must be in [0.5, 1)")
        if self.activity_denominator not in ("resident", "participant"):
            raise ValueError("activity_denominator must be 'resident' or 'participant'")


@dataclass
class StatusResult:
    """Everything :func:`uhc_status` computed, as frames."""

    status: pd.DataFrame
    contradictions: pd.DataFrame
    awards: pd.DataFrame
    activity: pd.DataFrame
    criteria: pd.DataFrame
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- inputs


def criteria_to_evaluate(
    criteria: pd.DataFrame, as_of: dt.date, *, include_historic: bool = True
) -> pd.DataFrame:
    """The criteria with the date each is evaluated at.

    In force at ``as_of``: evaluated at ``as_of``. Ended before (``valid_to``
    < year of ``as_of``): at 31 December of ``valid_to``, when
    ``include_historic``. Not yet in force: left out.

    Examples
    --------
    >>> from uhc_analysis.ingest.criteria import fixed_criteria
    >>> t = criteria_to_evaluate(fixed_criteria(), dt.date(2026, 12, 2))
    >>> t[["criterion_id", "in_force", "evaluated_at"]].values.tolist()
    [['rpjmn_95', False, datetime.date(2024, 12, 31)], \
['national_98', True, datetime.date(2026, 12, 2)], \
['full_100', True, datetime.date(2026, 12, 2)]]
    """
    table = collapse_criteria(criteria) if "used" in criteria.columns else criteria.copy()
    now = in_force(table, as_of)
    ended = table["valid_to"].astype("Int64").lt(as_of.year).fillna(False).astype(bool)
    keep = now | (ended & include_historic)
    out = table.loc[keep].copy()
    out["in_force"] = now.loc[keep].to_numpy()
    out["evaluated_at"] = [
        as_of if f else dt.date(int(end), 12, 31)
        for f, end in zip(out["in_force"], out["valid_to"], strict=True)
    ]
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- one part


@dataclass
class _Part:
    status: str
    evidence: dict[str, object] | None
    kind: str
    reason: str
    n_own: int
    p_today: float
    projected: tuple[float, float, float]
    #: The projection model of the part's path ("" when the status does not rest on it).
    model: str = ""


def _records(evidence: pd.DataFrame) -> list[dict[str, object]]:
    """Evidence rows as records, oldest first (ties: by kind, then observation id)."""
    ordered = evidence.sort_values(["date", "kind", "observation_id"], kind="mergesort")
    return ordered.to_dict("records")


def _describe(e: dict[str, object], at: dt.date) -> str:
    date = pd.Timestamp(e["date"]).date()
    age = months_between(pd.Timestamp(date), pd.Timestamp(at))
    value = float(e["value_pct"])  # type: ignore[arg-type]
    sign = ">= " if e["kind"] in ("award", "lower_bound") else ""
    return f"{sign}{value:.2f} % on {date} ({e['label']}, {age:.0f} months old)"


def _year(value: float) -> str:
    return "never by the end of the projection" if math.isnan(value) else f"{value:.1f}"


def evaluate_part(
    evidence: pd.DataFrame | list[dict[str, object]],
    threshold: float,
    *,
    at: dt.date,
    as_of: dt.date,
    path: pd.DataFrame | None,
    projected: tuple[float, float, float],
    settings: StatusSettings,
    label: str,
    model: str = "",
) -> _Part:
    """Status of one condition (a measure >= ``threshold``) at ``at`` from its evidence.

    ``evidence`` has the :data:`uhc_analysis.analysis.evidence.FIGURES`
    columns for one region and one measure (figures and awards), as a frame
    or as records sorted by date. See the module docstring for the order of
    the rules.
    """
    if isinstance(evidence, pd.DataFrame):
        evidence = _records(evidence)
    cutoff = pd.Timestamp(at)
    rows = [r for r in evidence if r["date"] <= cutoff]  # type: ignore[operator]
    window = cutoff - pd.Timedelta(days=settings.recent_months * 365.25 / 12)
    n_own = len({r["date"] for r in rows if r["kind"] == "observed"})
    t_at, t_now = decimal_year(at), decimal_year(as_of)
    p_at = probability_at_or_above(path, t_at, threshold) if path is not None else math.nan
    p_now = probability_at_or_above(path, t_now, threshold) if path is not None else math.nan
    p_text = "" if math.isnan(p_at) else f"; projected P(>= {threshold:g} %) {p_at:.2f} on {at}"
    if p_text and n_own < 2:
        p_text += f" (from a path that is mostly the province's trend: {n_own} own figure(s))"
    newest = rows[-1] if rows else None
    above = [r for r in rows if float(r["value_pct"]) >= threshold]
    target = f"{label} >= {threshold:g} %"

    def part(
        status: str, e: dict[str, object] | None, kind: str, why: str, trend: bool = False
    ) -> _Part:
        # the projected crossing is reported where the status rests on the trend
        none = (math.nan, math.nan, math.nan)
        return _Part(
            status, e, kind, why, n_own, p_now, projected if trend else none, model if trend else ""
        )

    if above:
        last = above[-1]
        below = [
            r
            for r in rows
            if r["kind"] == "observed"
            and r["date"] > last["date"]
            and float(r["value_pct"]) < threshold
        ]
        if below:
            return part(
                "reached_earlier_latest_below",
                below[-1],
                str(below[-1]["kind"]),
                f"{target} was met by {_describe(last, at)}, but the later "
                f"{_describe(below[-1], at)} is below",
            )
        if last["date"] > window:
            return part("confirmed", last, str(last["kind"]), f"{target}: {_describe(last, at)}")
        if not math.isnan(p_at) and p_at >= settings.probability_reached:
            return part(
                "probably_reached",
                newest,
                "projection",
                f"{target} last shown by {_describe(last, at)}; no evidence in the "
                f"{settings.recent_months:g} months before {at}{p_text}",
            )
        return part(
            "stale",
            newest,
            str(newest["kind"]),  # type: ignore[index]
            f"{target} last shown by {_describe(last, at)}; nothing newer within "
            f"{settings.recent_months:g} months of {at}{p_text}",
        )
    if newest is None and path is None:
        return part("insufficient_data", None, "", f"no {label} figure or award up to {at}")
    year, lo, hi = projected
    when = f"projected {_year(year)}" + (
        f" (80 % {lo:.1f}-{hi:.1f})" if not (math.isnan(lo) or math.isnan(hi)) else ""
    )
    if newest is None:  # a path, but none of the region's own evidence
        return part(
            "borrowed_trend",
            None,
            "projection",
            f"no {label} figure or award up to {at}; the path is the pooled trend "
            f"of the other regions: {when}{p_text}",
            trend=True,
        )
    if newest["kind"] == "observed":
        latest = f"latest {_describe(newest, at)} is below {threshold:g} %"
    else:  # a lower bound under the threshold neither shows it met nor missed
        latest = f"latest evidence {_describe(newest, at)} does not show {threshold:g} %"
    if path is None:
        if newest["date"] <= window:
            return part("stale", newest, str(newest["kind"]), f"{latest}; nothing more recent")
        return part(
            "insufficient_data",
            newest,
            str(newest["kind"]),
            f"{latest}; no projection of {label} says when it may be met",
        )
    if n_own < 2:
        return part(
            "borrowed_trend",
            newest,
            "projection",
            f"{latest}; only {n_own} own figure(s), so the path is the province's trend: "
            f"{when}{p_text}",
            trend=True,
        )
    if newest["date"] <= window:
        if not math.isnan(p_at) and p_at >= settings.probability_reached:
            return part(
                "probably_reached",
                newest,
                "projection",
                f"{latest}; no figure within {settings.recent_months:g} months, {when}{p_text}",
                trend=True,
            )
        return part(
            "stale",
            newest,
            str(newest["kind"]),
            f"{latest}; no figure within {settings.recent_months:g} months, {when}{p_text}",
            trend=True,
        )
    if math.isnan(year):
        return part("not_on_current_trend", newest, "projection", f"{latest}; {when}{p_text}", True)
    if year <= t_now:
        return part(
            "overdue",
            newest,
            "projection",
            f"{latest}; {when}, already past on {as_of} with no figure at or above{p_text}",
            trend=True,
        )
    return part("on_track", newest, "projection", f"{latest}; {when}{p_text}", True)


# --------------------------------------------------------------------------- all regions


def _as_of(as_of: str | dt.date | None) -> dt.date:
    if as_of is None:
        return config.today()
    return pd.Timestamp(as_of).date()


def _ev_columns(prefix: str, p: _Part | None) -> dict[str, object]:
    if p is None:
        return {
            f"{prefix}_status": "",
            f"{prefix}_evidence_date": "",
            f"{prefix}_evidence_kind": "",
            f"{prefix}_value_pct": math.nan,
        }
    e = p.evidence
    return {
        f"{prefix}_status": p.status,
        f"{prefix}_evidence_date": "" if e is None else pd.Timestamp(e["date"]).date().isoformat(),
        f"{prefix}_evidence_kind": p.kind,
        f"{prefix}_value_pct": math.nan if e is None else float(e["value_pct"]),  # type: ignore[arg-type]
    }


def _combine(
    crit: dict[str, object],
    region: dict[str, object],
    parts: dict[str, _Part],
    flagged: dict[tuple[str, str], list[str]],
    joint_p: float | None = None,
) -> dict[str, object]:
    at: dt.date = crit["evaluated_at"]  # type: ignore[assignment]
    order = sorted(parts, key=lambda m: (SEVERITY.index(parts[m].status), m != "registered"))
    measure = order[0]
    binding = parts[measure]
    shown = binding
    if binding.evidence is None:  # fall back on the other part's evidence, and say so
        shown = next((parts[m] for m in order if parts[m].evidence is not None), binding)
    e = shown.evidence
    ordered = sorted(parts, key=lambda m: m != "registered")
    if len(parts) == 1:
        reason = parts[ordered[0]].reason
    else:
        reason = "; ".join(f"[{_LABEL[m]}: {parts[m].status}] {parts[m].reason}" for m in ordered)
    if shown is not binding:
        reason += (
            f"; the evidence columns show the {_LABEL[order[-1]]} evidence "
            f"(there is no {_LABEL[measure]} evidence)"
        )
    for m in ordered:
        e_m = parts[m].evidence
        oid = "" if e_m is None else str(e_m["observation_id"])
        for note in flagged.get((oid, m), []):
            reason += f"; contradicted: {note}"
    probs = {m: p.p_today for m, p in parts.items()}
    if len(parts) == 2 and joint_p is not None and not math.isnan(joint_p):
        prob, of = joint_p, "coverage and activity (joint simulated paths)"
    elif len(parts) == 2 and not any(math.isnan(v) for v in probs.values()):
        prob, of = probs["registered"] * probs["active"], "coverage and activity (independent)"
    elif "registered" in parts:
        prob = probs["registered"]
        of = "coverage" + (" (activity not projected)" if "active" in parts else "")
    else:
        prob, of = probs["active"], "activity"
    if math.isnan(prob):
        of = ""
    age = math.nan if e is None else months_between(pd.Timestamp(e["date"]), pd.Timestamp(at))
    cov, act = parts.get("registered"), parts.get("active")
    den = "" if act is None or act.evidence is None else str(act.evidence["denominator"])
    proj = binding.projected
    return {
        **region,
        "criterion_id": crit["criterion_id"],
        "scheme": crit["scheme"],
        "tier": crit["tier"],
        "min_coverage_pct": crit["min_coverage_pct"],
        "min_active_pct": crit["min_active_pct"],
        "in_force": bool(crit["in_force"]),
        "evaluated_at": at.isoformat(),
        "status": binding.status,
        "probability_at_or_above_today": prob,
        "probability_of": of,
        "evidence_date": "" if e is None else pd.Timestamp(e["date"]).date().isoformat(),
        "evidence_kind": shown.kind,
        "evidence_age_months": round(age, 1) if not math.isnan(age) else math.nan,
        "evidence_value_pct": math.nan if e is None else float(e["value_pct"]),  # type: ignore[arg-type]
        "evidence_measure": "" if e is None else str(e["measure"]),
        "evidence_observation_id": "" if e is None else str(e["observation_id"]),
        "reason": reason,
        **_ev_columns("coverage", cov),
        **_ev_columns("activity", act),
        "activity_denominator": den,
        "projected_year": proj[0],
        "projected_year_lo80": proj[1],
        "projected_year_hi80": proj[2],
        "projection_model": binding.model,
        "n_own_figures": binding.n_own,
        "not_evaluated": crit["other_conditions"],
    }


def uhc_status(
    panel: pd.DataFrame,
    commitments: pd.DataFrame,
    criteria: pd.DataFrame,
    regions: pd.DataFrame,
    projections: pd.DataFrame | None = None,
    paths: pd.DataFrame | None = None,
    *,
    as_of: str | dt.date | None = None,
    settings: StatusSettings | None = None,
    include_historic: bool = True,
) -> StatusResult:
    """Evaluate every focus region against every criterion.

    Parameters
    ----------
    panel
        ``read_table("coverage_panel")``.
    commitments
        ``read_table("commitments")`` (the awards are used).
    criteria
        The criteria reference table (:func:`uhc_analysis.ingest.criteria.load_criteria`).
    regions
        ``read_table("regions")``.
    projections, paths
        ``read_table("projections")`` and ``read_table("projection_paths")``;
        without them no region gets a projection-based status.
    as_of
        The date "today" means (default: ``UHC_ANALYSIS_TODAY`` or the real date).
    settings
        :class:`StatusSettings`.
    include_historic
        Also evaluate criteria no longer in force, at their last day in force.

    Returns
    -------
    StatusResult
        ``status`` (columns :data:`UHC_STATUS`, one row per region x criterion),
        ``contradictions`` (figures below an award of the same period),
        ``awards`` (what each award implies), ``activity`` (activity rates by
        denominator) and ``criteria`` (with ``evaluated_at``).

    Examples
    --------
    >>> import tempfile
    >>> from uhc_analysis import io, pipeline
    >>> from uhc_analysis.ingest.criteria import load_criteria
    >>> out = tempfile.mkdtemp()
    >>> _ = pipeline.build(out_dir=out, verbose=False)
    >>> panel, awards, regions = (
    ...     io.read_table(t, out) for t in ("coverage_panel", "commitments", "regions"))
    >>> r = uhc_status(panel, awards, load_criteria(), regions, as_of="2026-12-02")
    >>> len(r.status.query("region_code == '1706' and criterion_id == 'rpjmn_95'"))
    1
    """
    s = settings or StatusSettings()
    today = _as_of(as_of)
    regs = focus_regions(regions, s.provinces)
    codes = set(regs["region_code"])
    notes: list[str] = []
    activity = activity_rates(panel, basis=s.basis, match_months=s.activity_match_months)
    figs = figures(panel, activity, basis=s.basis, activity_denominator=s.activity_denominator)
    future = figs["date"].gt(pd.Timestamp(today))
    if future.any():
        notes.append(f"{int(future.sum())} figures dated after {today} were not used")
    awards = award_evidence(commitments, criteria)
    awards = awards.loc[awards["region_code"].isin(codes)].reset_index(drop=True)
    evidence = pd.concat([figs, award_figures(awards)], ignore_index=True)
    evidence = evidence.loc[evidence["region_code"].isin(codes)]
    flagged_frame = contradictions(
        figs.loc[~future], awards, regs, window_months=s.contradiction_months
    )
    flagged: dict[tuple[str, str], list[str]] = {}
    for row in flagged_frame.to_dict("records"):
        for oid in (row["figure_observation_id"], row["award_observation_id"]):
            flagged.setdefault((str(oid), str(row["measure"])), []).append(str(row["note"]))
    table = criteria_to_evaluate(criteria, today, include_historic=include_historic)
    measures = ("registered", "active")
    by_path = {m: paths_by_region(paths, projections, s.path_models, m) for m in measures}
    proj_index = {m: projection_index(projections, m) for m in measures}
    joint = joint_probabilities(projections)
    groups = {
        key: _records(g) for key, g in evidence.groupby(["region_code", "measure"], sort=False)
    }
    rows: list[dict[str, object]] = []
    for region in regs.to_dict("records"):
        code = str(region["region_code"])
        for crit in table.to_dict("records"):
            parts: dict[str, _Part] = {}
            for measure, column in (
                ("registered", "min_coverage_pct"),
                ("active", "min_active_pct"),
            ):
                threshold = crit[column]
                if pd.isna(threshold):
                    continue
                model, mpath = by_path[measure].get(code, ("", None))
                known = [
                    r
                    for r in groups.get((code, measure), [])
                    if r["date"] <= pd.Timestamp(crit["evaluated_at"])
                ]
                after = decimal_year(known[-1]["date"]) if known else -math.inf
                parts[measure] = evaluate_part(
                    groups.get((code, measure), []),
                    float(threshold),
                    at=crit["evaluated_at"],
                    as_of=today,
                    path=mpath,
                    projected=projected_crossing(
                        proj_index[measure], mpath, code, float(threshold), after
                    )
                    if mpath is not None
                    else (math.nan,) * 3,
                    settings=s,
                    label=_LABEL[measure],
                    model=model,
                )
            key = (code, crit["min_coverage_pct"], crit["min_active_pct"])
            rows.append(_combine(crit, region, parts, flagged, joint.get(joint_key(*key))))
    status = pd.DataFrame(rows, columns=list(UHC_STATUS))
    status["recent_months"] = float(s.recent_months)  # the evidence age rule of this table
    check_status(status, today)
    return StatusResult(status, flagged_frame, awards, activity, table, notes)


def check_status(status: pd.DataFrame, as_of: dt.date) -> None:
    """Raise unless the status table keeps its promises.

    Columns as :data:`UHC_STATUS`; every status in the vocabulary; every row
    with a reason; no ``on_track`` row with a projected year at or before
    ``as_of``.
    """
    schemas.check_columns(status, UHC_STATUS, "uhc_status")
    unknown = sorted(set(status["status"]) - STATUSES)
    if unknown:
        raise ValueError(f"uhc_status: unknown statuses {unknown}")
    if status["reason"].eq("").any():
        raise ValueError("uhc_status: rows without a reason")
    track = status.loc[status["status"].eq("on_track")]
    past = track.loc[~(track["projected_year"].astype(float) > decimal_year(as_of))]
    if len(past):
        raise ValueError(
            f"uhc_status: on_track rows with a projected year not after {as_of}: "
            f"{past[['region_code', 'criterion_id', 'projected_year']].values.tolist()}"
        )
