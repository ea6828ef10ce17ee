"""Small pieces of English prose built from numbers: lists of names, counts, percentages.

The findings of the notebooks (:mod:`uhc_analysis.analysis.narrative`) are
sentences generated from the processed tables, so that a rerun on new raw
figures cannot leave a stale sentence behind. These helpers keep the wording
and the number formats the same everywhere. They are hand-written because the
libraries we use have no English-list or plural helpers (``inflect`` would be
a dependency for two functions).

Examples
--------
>>> join_names(["Paser", "Empat Lawang", "Kaur"])
'Paser, Empat Lawang and Kaur'
>>> count_noun(1, "regency", "regencies")
'1 regency'
>>> pct(98.0)
'98.0 %'
"""

from __future__ import annotations

import math
from collections.abc import Iterable


def join_names(names: Iterable[object], empty: str = "none") -> str:
    """``"A"``, ``"A and B"``, ``"A, B and C"``; ``empty`` when there is none.

    Examples
    --------
    >>> join_names([])
    'none'
    >>> join_names(["Lahat", "Kaur"])
    'Lahat and Kaur'
    """
    items = [str(n) for n in names]
    if not items:
        return empty
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def count_noun(n: int, singular: str, plural: str | None = None) -> str:
    """``n`` with the noun in the right number (``plural`` defaults to ``singular + "s"``).

    Examples
    --------
    >>> count_noun(0, "figure"), count_noun(2, "figure")
    ('0 figures', '2 figures')
    """
    word = singular if n == 1 else (plural or singular + "s")
    return f"{int(n)} {word}"


def pct(value: float, decimals: int = 1) -> str:
    """A percentage as printed in the findings (``"97.8 %"``; ``"n/a"`` for a missing value).

    Examples
    --------
    >>> pct(101.544, 2), pct(float("nan"))
    ('101.54 %', 'n/a')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{float(value):.{decimals}f} %"


def number(value: float, decimals: int = 0) -> str:
    """A number with thousands separators (``"61,600"``; ``"n/a"`` for a missing value).

    Examples
    --------
    >>> number(61600), number(18.61, 1)
    ('61,600', '18.6')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{float(value):,.{decimals}f}"


def bullets(items: Iterable[str], indent: int = 0) -> str:
    """Markdown bullet list, one item a line (items may span lines; they are indented).

    Examples
    --------
    >>> print(bullets(["one", "two\\nmore"]))
    * one
    * two
      more
    """
    pad = " " * indent
    lines = []
    for item in items:
        first, *rest = str(item).split("\n")
        lines.append(f"{pad}* {first}")
        lines.extend(f"{pad}  {r}" if r else "" for r in rest)
    return "\n".join(lines)


def markdown_table(rows: list[list[object]], header: list[str]) -> str:
    """A small GitHub Markdown table from already formatted cells.

    ``DataFrame.to_markdown`` would do it but needs ``tabulate``, which is not
    a dependency, and pads the cells (longer lines in the findings).

    Examples
    --------
    >>> print(markdown_table([["a", 1]], ["x", "n"]))
    | x | n |
    | --- | --- |
    | a | 1 |
    """
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


__all__ = ["bullets", "count_noun", "join_names", "markdown_table", "number", "pct"]
