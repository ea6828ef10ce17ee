"""PDF font embedding without the layout tables: the same glyphs, subset five times faster.

matplotlib embeds each TrueType font of a PDF as a subset made with
fontTools (``pdf.fonttype`` 42, so the text stays editable). Its subsetter
keeps the OpenType layout tables (``GSUB``, ``GPOS``, ``GDEF``) and the
``kern`` table, and decoding DejaVu's ``GPOS`` is most of the time: about
0.25 s per font, three or four fonts per PDF, about a third of the figures
stage. A PDF never uses those tables (matplotlib has already placed every
glyph; viewers and editors read the glyph outlines, the widths and the
``ToUnicode`` map, which matplotlib writes itself), so :func:`lean_font_subsets`
subsets without them: the same outlines of the same glyphs, in about a fifth
of the time and a smaller file.

Why this exists: matplotlib has no option for the subsetter (its
``get_glyphs_subset`` builds the fontTools options inside). The context
manager replaces that one private function for the duration of a ``savefig``
with one that calls fontTools' public subsetting API with leaner options, and
puts matplotlib's back afterwards. When the function is missing (another
matplotlib version), it does nothing and matplotlib's own subsetting runs.

Examples
--------
>>> import io
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> fig, ax = plt.subplots()
>>> _ = ax.set_title("Cakupan JKN ≥ 95 %")
>>> buffer = io.BytesIO()
>>> with matplotlib.rc_context({"pdf.fonttype": 42}), lean_font_subsets():
...     fig.savefig(buffer, format="pdf")
>>> plt.close(fig)
>>> buffer.getvalue()[:5], b"/FontFile2" in buffer.getvalue()
(b'%PDF-', True)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

#: Tables a PDF does not read: the OpenType layout (shaping is done), kerning (done),
#: device and hinting metrics for screens (the PDF viewer hints itself), and the
#: tool-specific tables matplotlib already drops.
DROPPED_TABLES: tuple[str, ...] = (
    "GSUB", "GPOS", "GDEF", "BASE", "JSTF", "kern", "hdmx", "LTSH", "VDMX",
    "FFTM", "PfEd", "BDF", "meta", "MERG", "TSIV", "Zapf", "bdat", "bloc", "cidg",
    "fdsc", "feat", "fmtx", "fond", "just", "kerx", "ltag", "morx", "trak", "xref",
)  # fmt: skip


class FontSubset(NamedTuple):
    """What matplotlib's PDF backend reads from a subset: the font and the glyph index map."""

    font: Any
    glyph_index_map: dict[int, int]


@contextmanager
def subset_without_layout(fontfile: Any, glyphs: Iterable[int]) -> Iterator[FontSubset]:
    """Subset ``fontfile`` to ``glyphs`` as matplotlib does, minus :data:`DROPPED_TABLES`.

    Parameters
    ----------
    fontfile
        The font path matplotlib passes (a ``str`` subclass with ``face_index``).
    glyphs
        Glyph indices to keep.

    Yields
    ------
    FontSubset
        The subset font (closed when the block ends) and the map from the
        requested glyph indices to the subset's.
    """
    from fontTools import subset

    options = subset.Options(glyph_names=False, recommended_glyphs=True, layout_features=[])
    options.drop_tables += list(DROPPED_TABLES)
    options.font_number = getattr(fontfile, "face_index", 0)
    # no glyph names: the subset is written without them (glyph_names=False)
    font = subset.load_font(fontfile, options, dontLoadGlyphNames=True)
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(gids=set(glyphs))
    subsetter.subset(font)
    with font:
        yield FontSubset(font, subsetter.glyph_index_map)


@contextmanager
def lean_font_subsets() -> Iterator[None]:
    """Within the block, PDFs embed their fonts through :func:`subset_without_layout`."""
    from matplotlib.backends import _backend_pdf_ps

    original = getattr(_backend_pdf_ps, "get_glyphs_subset", None)
    if original is None:
        yield
        return
    _backend_pdf_ps.get_glyphs_subset = subset_without_layout
    try:
        yield
    finally:
        _backend_pdf_ps.get_glyphs_subset = original
