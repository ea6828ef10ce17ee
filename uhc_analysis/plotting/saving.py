"""Save one figure as PNG, SVG and PDF: laid out once, rendered once per format, one box.

``savefig(bbox_inches="tight")`` renders a figure twice per format: a dry
run, in which the layout engine runs and the tight box is measured, then the
real render inside that box. For a map with a hundred labels each render is
most of a second, and a figure saved in three formats is rendered six times.
:func:`save_figure` renders it three times, once per format:

1. The PNG is rendered on the whole canvas at :data:`PNG_DPI`; that render
   runs the constrained layout. The tight box is measured on it, the layout
   is frozen (the layout engine is removed, so the positions stay), the
   map's leader lines are frozen (:func:`freeze_leaders`), and the PNG is the
   canvas cut to the padded box (:func:`crop_to_box`), without the alpha
   channel when the figure is opaque (a quarter less to compress). When
   something is drawn outside the canvas, the cut would lose it, so that PNG
   is rendered again inside the box, as ``savefig`` does.
2. SVG and PDF are rendered inside the same box, so the three files show the
   same picture at the same size; PDF fonts are subset by
   :func:`uhc_analysis.plotting.pdf_fonts.lean_font_subsets`.

Without PNG, :func:`fix_layout` runs the layout once without rendering.

Why this exists: matplotlib has no way to keep the layout and the tight box
of one ``savefig`` for the next; each call starts again.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> fig, ax = plt.subplots(figsize=(3, 2), layout="constrained")
>>> _ = ax.plot([0, 1], [0, 1])
>>> [p.name for p in save_figure(fig, Path(tempfile.mkdtemp()), "line", ("png", "svg"))]
['line.png', 'line.svg']
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from uhc_analysis.io import atomic_write
from uhc_analysis.plotting.pdf_fonts import lean_font_subsets

if TYPE_CHECKING:
    import numpy as np
    from matplotlib.figure import Figure
    from matplotlib.transforms import Bbox

#: Metadata that removes timestamps and software versions from each format.
METADATA: dict[str, dict[str, None]] = {
    "png": {"Software": None},
    "svg": {"Date": None},
    "pdf": {"CreationDate": None, "ModDate": None},
}
PNG_DPI = 300
#: zlib level of the PNGs: 3 writes a 300-dpi map in about two thirds of the time of
#: PIL's default 6, for files about 5 % larger (the pixels are the same).
PNG_COMPRESS_LEVEL = 3
#: White margin around the tight box of every exported figure (inches).
PAD_INCHES = 0.15


def save_figure(fig: Figure, out_dir: Path, stem: str, formats: Sequence[str]) -> list[Path]:
    """Save ``fig`` once per format, atomically, without timestamps; close it.

    Parameters
    ----------
    fig
        The figure (any layout engine, or none).
    out_dir
        Existing folder to write to.
    stem
        File name without the suffix.
    formats
        Any of ``"png"`` (:data:`PNG_DPI`), ``"svg"``, ``"pdf"``.

    Returns
    -------
    list of pathlib.Path
        The files written, in the order of ``formats``.
    """
    import matplotlib.pyplot as plt

    written = []
    try:
        unknown = [f for f in formats if f not in METADATA]
        if unknown:
            raise ValueError(f"unknown figure format {unknown[0]!r}; use some of {tuple(METADATA)}")
        pixels = None
        if "png" in formats:
            pixels, box = render_png(fig)
        elif formats:
            box = fix_layout(fig)
        for fmt in formats:
            kwargs: dict[str, object] = {"format": fmt, "metadata": METADATA[fmt]}
            if fmt == "png" and pixels is not None:
                written.append(atomic_write(out_dir / f"{stem}.png", _png_writer(pixels)))
                continue
            kwargs["bbox_inches"] = box
            if fmt == "png":  # something lies outside the canvas: render inside the box
                kwargs["dpi"] = PNG_DPI
                kwargs["pil_kwargs"] = {"compress_level": PNG_COMPRESS_LEVEL}

            def write(tmp: Path, kwargs: dict[str, object] = kwargs) -> None:
                with lean_font_subsets():
                    fig.savefig(tmp, **kwargs)

            written.append(atomic_write(out_dir / f"{stem}.{fmt}", write))
    finally:
        plt.close(fig)
    return written


def _png_writer(pixels: np.ndarray) -> object:
    """A writer for :func:`~uhc_analysis.io.atomic_write` of ``pixels`` as a PNG.

    PIL writes it as ``matplotlib.image.imsave`` would (resolution in the
    ``pHYs`` chunk, no text chunks: :data:`METADATA` removes the only one),
    except that an RGB array stays RGB (``imsave`` adds an alpha channel).
    """
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    def write(tmp: Path) -> None:
        info = PngInfo()
        for key, value in METADATA["png"].items():
            if value is not None:
                info.add_text(key, value)
        Image.fromarray(pixels).save(
            tmp,
            format="png",
            dpi=(PNG_DPI, PNG_DPI),
            pnginfo=info,
            compress_level=PNG_COMPRESS_LEVEL,
        )

    return write


def render_png(fig: Figure) -> tuple[np.ndarray | None, Bbox]:
    """Render ``fig`` at :data:`PNG_DPI` (layout included); return its PNG pixels and box.

    The box is the figure's tight box padded by :data:`PAD_INCHES` (inches).
    The layout and the leader lines are frozen afterwards, so the SVG and PDF
    drawn next have the PNG's layout. The pixels are ``None`` when the figure
    has no Agg canvas or draws outside its canvas (the PNG is then rendered
    inside the box by ``savefig``).
    """
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if not isinstance(fig.canvas, FigureCanvasAgg):
        return None, fix_layout(fig)
    dpi = fig.get_dpi()
    fig.set_dpi(PNG_DPI)
    try:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        tight = fig.get_tightbbox(renderer)
        fig.set_layout_engine(None)
        freeze_leaders(fig)
        rgba = np.asarray(fig.canvas.buffer_rgba())
        width, height = fig.get_size_inches()
    finally:
        fig.set_dpi(dpi)
    box = tight.padded(PAD_INCHES)
    slack = 1.0 / PNG_DPI  # a pixel
    inside = (
        tight.x0 >= -slack
        and tight.y0 >= -slack
        and tight.x1 <= width + slack
        and tight.y1 <= height + slack
    )
    return (crop_to_box(rgba, box, PNG_DPI) if inside else None), box


def crop_to_box(rgba: np.ndarray, box: Bbox, dpi: float) -> np.ndarray:
    """The part of a rendered canvas inside ``box`` (inches from the bottom left), white outside.

    The size is the one ``savefig(bbox_inches=box)`` gives (``int`` of the box's
    size in pixels); a canvas whose every pixel is opaque loses its alpha channel.

    Examples
    --------
    >>> import numpy as np
    >>> from matplotlib.transforms import Bbox
    >>> canvas = np.zeros((4, 6, 4), np.uint8); canvas[..., 3] = 255
    >>> crop_to_box(canvas, Bbox([[-1, 1], [3, 3]]), dpi=1).shape
    (2, 4, 3)
    >>> crop_to_box(canvas, Bbox([[-1, 1], [3, 3]]), dpi=1)[:, :, 0].tolist()
    [[255, 0, 0, 0], [255, 0, 0, 0]]
    """
    import numpy as np

    opaque = bool((rgba[..., 3] == 255).all())
    canvas = rgba[..., :3] if opaque else rgba
    height_px, width_px = canvas.shape[:2]
    out_w, out_h = int(box.width * dpi), int(box.height * dpi)
    left = math.floor(box.x0 * dpi + 0.5)
    top = math.floor((height_px - box.y1 * dpi) + 0.5)
    out = np.full((out_h, out_w, canvas.shape[2]), 255, dtype=np.uint8)
    x0, y0 = max(left, 0), max(top, 0)
    x1, y1 = min(left + out_w, width_px), min(top + out_h, height_px)
    if x1 > x0 and y1 > y0:
        out[y0 - top : y1 - top, x0 - left : x1 - left] = canvas[y0:y1, x0:x1]
    return out


def fix_layout(fig: Figure) -> Bbox:
    """Lay ``fig`` out once, at the PNG resolution; return its padded tight box (inches).

    For a figure saved without PNG: the constrained layout is run without
    rendering, its positions are kept (the layout engine is removed), the
    leader lines are frozen (:func:`freeze_leaders`), and the box is passed to
    every format, so each format renders once.
    """
    dpi = fig.get_dpi()
    fig.set_dpi(PNG_DPI)
    try:
        fig.draw_without_rendering()
        box = fig.get_tightbbox(fig.canvas.get_renderer()).padded(PAD_INCHES)
        fig.set_layout_engine(None)
        freeze_leaders(fig)
    finally:
        fig.set_dpi(dpi)
    return box


def freeze_leaders(fig: Figure) -> int:
    """Replace each plain leader line (``FancyArrowPatch``, style ``-``) by a line; return how many.

    The map labels' leader lines (drawn by :func:`adjustText.adjust_text`) are
    ``FancyArrowPatch`` objects that matplotlib clips to their label and
    shortens at both ends again at every render, by bisection in Python
    (about a millisecond per leader per render: a tenth of the figures
    stage). Once the layout is fixed the labels no longer move, so each path
    is clipped once (:meth:`~matplotlib.patches.FancyArrowPatch.get_path`, in
    the patch's own coordinates) and drawn as a :class:`~matplotlib.lines.Line2D`
    with the same colour, width, ends and order.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import ArrowStyle, FancyArrowPatch

    frozen = 0
    for ax in fig.axes:
        for arrow in list(ax.patches):
            if not isinstance(arrow, FancyArrowPatch):
                continue
            if type(arrow.get_arrowstyle()) is not ArrowStyle.Curve:  # "-": a line, no head
                continue
            path = arrow.get_path()
            line = Line2D(
                path.vertices[:, 0],
                path.vertices[:, 1],
                transform=arrow.get_transform(),
                color=arrow.get_edgecolor(),
                linewidth=arrow.get_linewidth(),
                linestyle=arrow.get_linestyle(),
                solid_capstyle=arrow.get_capstyle(),
                solid_joinstyle=arrow.get_joinstyle(),
                antialiased=arrow.get_antialiased(),
                zorder=arrow.get_zorder(),
                clip_on=arrow.get_clip_on(),
            )
            ax.add_line(line)
            line.set_clip_path(arrow.get_clip_path())
            arrow.remove()
            frozen += 1
    return frozen
