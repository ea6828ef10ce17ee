"""The CSV text of a frame, column by column: the bytes ``DataFrame.to_csv`` writes, faster.

:func:`csv_text` gives exactly what ``df.to_csv(index=False,
lineterminator="\\n", float_format=...)`` gives for the dtypes of processed
tables (text, ``float64``, ``Int64``, ``bool``, date-only ``datetime64``);
for any other dtype it hands the frame to ``to_csv`` itself.

Written by hand because ``to_csv`` formats every cell in Python (the float
format is applied value by value, and every text cell goes through the
:mod:`csv` writer): on the national benchmark that was most of the time the
build spends writing. Here each *distinct* value of a column is formatted
once (:func:`pandas.factorize`), the codes pick the formatted text back, and
only a cell that needs quoting (holding a comma, a double quote or a line
break) goes through :mod:`csv`, so the quoting rules stay those of the
:mod:`csv` module that ``to_csv`` uses.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"t": ["a", 'say "hi", then', None], "x": [1.5, float("nan"), 1e-12],
...                    "n": pd.array([1, None, 3], dtype="Int64"), "b": [True, False, True]})
>>> print(csv_text(df, float_format="%.10g"), end="")
t,x,n,b
a,1.5,1,True
"say ""hi"", then",,,False
,1e-12,3,True
>>> csv_text(df, float_format="%.10g") == df.to_csv(
...     index=False, lineterminator="\\n", float_format="%.10g")
True
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

#: Characters that make the :mod:`csv` writer quote a field (delimiter, quote, line breaks).
_SPECIAL_RE = re.compile(r'[,"\n\r]')


def _quoted(text: str) -> str:
    """``text`` as the :mod:`csv` writer writes it as one field of a row (quoted if needed).

    Examples
    --------
    >>> _quoted("a,b"), _quoted("plain")
    ('"a,b"', 'plain')
    """
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([text, "x"])
    return buf.getvalue()[: -len(",x\n")]


def _field(text: str) -> str:
    return _quoted(text) if _SPECIAL_RE.search(text) else text


def _same(text: str) -> str:
    return text


def _text_fields(series: pd.Series) -> np.ndarray | None:
    """The cells of a text column as they are, when none needs quoting (else ``None``).

    One scan of the joined text decides for the whole column (the usual
    case: codes, ids, URLs, labels).
    """
    import pandas as pd

    if not (isinstance(series.dtype, pd.StringDtype) or series.dtype == object):
        return None
    cells = series.to_numpy(dtype=object, na_value="")
    return None if _SPECIAL_RE.search("".join(cells)) else cells


def _formatter(series: pd.Series, float_format: str | None) -> Callable[[Any], str] | None:
    """How ``to_csv`` writes one (non-missing) value of ``series``; ``None``: not handled here."""
    import numpy as np
    import pandas as pd

    dtype = series.dtype
    kind = dtype.kind if isinstance(dtype, np.dtype) else ""  # numpy dtypes only
    if isinstance(dtype, pd.StringDtype) or kind == "O":
        if kind == "O" and not all(isinstance(v, str) for v in pd.unique(series.dropna())):
            return None  # numbers or other objects in a text column: to_csv decides
        return str
    if kind == "b" or isinstance(dtype, pd.Int64Dtype):
        return str
    if dtype == "float64" and float_format:
        return lambda v: float_format % v
    if pd.api.types.is_datetime64_dtype(dtype) and not getattr(dtype, "tz", None):
        values = series.dropna()
        if len(values) and not (values == values.dt.normalize()).all():
            return None  # times of day: to_csv's own format
        return lambda v: v.strftime("%Y-%m-%d")
    return None


def _column_text(series: pd.Series, format_one: Callable[[Any], str]) -> np.ndarray:
    """Each cell of ``series`` as its CSV field (missing: ``""``), one format per distinct value."""
    import numpy as np
    import pandas as pd

    if format_one is str and (text := _text_fields(series)) is not None:
        return text
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    quote = _field if format_one is str else _same  # only text can hold a comma or a quote
    fields = [quote(format_one(v)) for v in uniques]
    table = np.array([*fields, ""], dtype=object)  # code -1 (missing) -> the last entry
    text = table[codes]
    if series.dtype == "float64":
        values = series.to_numpy()
        zero = values == 0
        if zero.any():  # factorize counts 0.0 and -0.0 as one value: each gets its own text
            negative = np.signbit(values)
            text[zero & negative] = _field(format_one(-0.0))
            text[zero & ~negative] = _field(format_one(0.0))
    return text


def csv_text(df: pd.DataFrame, float_format: str | None = None) -> str:
    """``df.to_csv(index=False, lineterminator="\\n", float_format=float_format)``, faster.

    Parameters
    ----------
    df
        The frame; its index is not written.
    float_format
        ``%``-format of ``float64`` cells (missing ones are empty).

    Returns
    -------
    str
        The header and one line per row, each ending in ``"\\n"``.
    """
    formats = [_formatter(df.iloc[:, i], float_format) for i in range(df.shape[1])]
    if not df.shape[1] or any(f is None for f in formats) or not df.columns.is_unique:
        return df.to_csv(index=False, lineterminator="\n", float_format=float_format)
    header = ",".join(_field(str(c)) for c in df.columns) + "\n"
    if len(df.columns) == 1 and header == "\n":
        header = '""\n'  # the csv writer's row of one empty field
    if not len(df):
        return header
    columns = [_column_text(df.iloc[:, i], f) for i, f in enumerate(formats)]  # type: ignore[arg-type]
    if len(columns) == 1:
        # a row of one empty field is written quoted by the csv writer
        lines = ['""' if v == "" else v for v in columns[0]]
    else:
        lines = [",".join(row) for row in zip(*columns, strict=True)]
    return header + "\n".join(lines) + "\n"


__all__ = ["csv_text"]
