"""What every notebook's findings need: province names, and the year of a period."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

#: A figure whose latest value is this many points below the one before is a "sharp fall".
SHARP_FALL_PP: float = 10.0


def province_names(regions: pd.DataFrame) -> dict[str, str]:
    """BPS province code -> name, from the ``regions`` table.

    Examples
    --------
    >>> import pandas as pd
    >>> province_names(pd.DataFrame({"bps_code": ["17", "1701"], "name": ["Bengkulu", "Kaur"],
    ...                              "kind": ["province", "regency"]}))
    {'17': 'Bengkulu'}
    """
    prov = regions[regions["kind"] == "province"]
    return dict(zip(prov["bps_code"].astype(str), prov["name"], strict=True))


def name_of(names: Mapping[str, str], code: str) -> str:
    """The name of province ``code`` (the code itself when unknown)."""
    return names.get(str(code), str(code))


def year_of(period: object) -> str:
    """The year of a period (``"2024-08"`` -> ``"2024"``)."""
    return str(period)[:4]


__all__ = ["SHARP_FALL_PP", "name_of", "province_names", "year_of"]
