"""All four models fitted on prepared observations, in the order they depend on each other.

The pooled residual variance comes first (it moderates every ``logit_wls``
line and is the fallback's scale), then ``mixed`` (whose province slopes are
the priors of ``logit_wls``), then ``logit_wls`` and the baselines.

Examples
--------
>>> import pandas as pd
>>> from uhc_analysis.analysis.projection import synthetic_panel
>>> from uhc_analysis.analysis.projection.inputs import censored_evidence, prepare_observations
>>> g = pd.DataFrame({"region_code": ["1701"], "region_name": ["x"],
...                   "region_level": ["regency"], "province_code": ["17"]})
>>> s = ProjectionSettings()
>>> obs = prepare_observations(
...     synthetic_panel({"1701": [(2018.0, 60.0), (2019.0, 70.0), (2020.0, 80.0)]}), g, s)
>>> fits = fit_models(obs, censored_evidence(obs, None, g, s), s)
>>> [m for m in ("logit_wls", "mixed", "cagr", "last_value") if fits.get(m, "1701")]
['logit_wls', 'mixed', 'cagr', 'last_value']
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from uhc_analysis.analysis.projection.lines import Line
from uhc_analysis.analysis.projection.models_baselines import Baseline, fit_baselines
from uhc_analysis.analysis.projection.models_mixed import fit_mixed
from uhc_analysis.analysis.projection.models_wls import fit_logit_wls, pooled_residual_variance
from uhc_analysis.analysis.projection.settings import ProjectionSettings


@dataclass(frozen=True)
class Fits:
    """The fitted models: lines (``logit_wls``, ``mixed``) and baselines, per region."""

    lines: dict[str, dict[str, Line]]
    baselines: dict[str, dict[str, Baseline]]
    mixed_estimator: str
    prior_var: float

    def get(self, model: str, region: str) -> Line | Baseline | None:
        table = self.lines.get(model) or self.baselines.get(model) or {}
        return table.get(region)


def fit_models(obs: pd.DataFrame, cens: pd.DataFrame, settings: ProjectionSettings) -> Fits:
    """Fit all four models on prepared observations (see :func:`~.inputs.prepare_observations`).

    ``cens`` is :func:`~.inputs.censored_evidence`. With ``settings.slope_prior``
    each province's slope prior is the ``slope_prior`` of its first region
    (by code) in the ``mixed`` fit.
    """
    prior_var = pooled_residual_variance(obs, settings)
    mixed, estimator = fit_mixed(obs, cens, settings, prior_var)
    priors: dict[str, tuple[float, float]] = {}
    if settings.slope_prior:
        province = obs.groupby("region_code")["province_code"].first()
        for region, line in sorted(mixed.items()):
            if line.slope_prior is not None:
                priors.setdefault(str(province[region]), line.slope_prior)
    wls = fit_logit_wls(obs, cens, settings, prior_var, priors)
    return Fits(
        lines={"logit_wls": wls, "mixed": mixed},
        baselines=fit_baselines(obs, settings),
        mixed_estimator=estimator,
        prior_var=prior_var,
    )
