"""Child of ``bench/run.py --parts v2``: where the figures' CPU time goes.

    python bench/v2_figures.py EXPORT

Does what a figure worker does for a run on EXPORT, in this one process and
one figure after the other: warms up as a worker does
(``figure_jobs._warm``: matplotlib, its backends, the fonts), takes each
figure's data as the run does (``figure_data`` on the run's descriptive
tables), then draws each figure once (``figures.draw_figure``) into a
temporary folder. Each part of the drawing is timed in CPU seconds
(``time.process_time``) by wrapping the function that does it:

``plot``      building the figure (``new_figure``, ``plot_figure``)
``layout``    the constrained layout, run once (``figures._lay_out``)
``agg``       rasterising at 200 dpi (``FigureCanvasAgg.draw``)
``png``       encoding the PNG and the Word PNG (``figures._write_png``)
``svg``       the SVG (matplotlib's ``print_svg``: drawing and writing)
``pdf``       the PDF (``print_pdf``), of which ``pdf_fonts`` embedding the fonts
``other``     the rest of ``draw_figure`` (saving set-up, the title band, files)

Prints, as the last line of stdout, a JSON object: ``warm_s`` (CPU seconds of
the warm-up), ``figures`` (how many), ``total_s`` and ``parts`` (seconds by
part). The figures are drawn once, as in a run, so the first figures carry
the costs a worker pays once (first use of a backend, text metrics).
"""

from __future__ import annotations

import functools
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _timed(owner: Any, name: str, part: str, spent: dict[str, float]) -> None:
    """Wrap ``owner.name`` so that its CPU time is counted under ``part``
    (less the time of the wrapped calls it makes itself)."""
    real: Callable[..., Any] = getattr(owner, name)

    @functools.wraps(real)  # matplotlib reads print_svg's and print_pdf's signatures
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        inner_before = spent.get("_inner", 0.0)  # the wrapped calls' time so far
        try:
            return real(*args, **kwargs)
        finally:
            took = time.process_time() - start
            inner = spent.get("_inner", 0.0) - inner_before
            spent[part] = spent.get(part, 0.0) + took - inner
            spent["_inner"] = inner_before + took

    setattr(owner, name, wrapper)


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    export = Path(args[0])
    from dmp_survey import pipeline
    from dmp_survey.outputs import figure_jobs

    start = time.process_time()
    figure_jobs._warm()
    warm = time.process_time() - start
    from matplotlib.backends import backend_pdf, backend_svg
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from dmp_survey.outputs import figures
    from dmp_survey.outputs.figure_data import figure_data

    inputs = pipeline.load_inputs(export)
    got: dict[str, Any] = {}
    pipeline.analyse(inputs, described=lambda d: got.setdefault("described", d))
    described = got["described"]
    source = inputs.study.texts.source_name(inputs.lang)
    datas = [
        figure_data(
            described.descriptive,
            figure,
            inputs.codebook,
            inputs.lang,
            described.reconstructed,
            source,
            described.numeric,
            described.bins,
        )
        for figure in sorted(inputs.plan.figures, key=lambda f: f.number)
    ]
    spent: dict[str, float] = {}
    for owner, name, part in (
        (figures, "draw_figure", "other"),
        (figures, "new_figure", "plot"),
        (figures, "plot_figure", "plot"),
        (figures, "_lay_out", "layout"),
        (FigureCanvasAgg, "draw", "agg"),
        (figures, "_write_png", "png"),
        (backend_svg.FigureCanvasSVG, "print_svg", "svg"),
        (backend_pdf.FigureCanvasPdf, "print_pdf", "pdf"),
        (backend_pdf.PdfFile, "writeFonts", "pdf_fonts"),
    ):
        _timed(owner, name, part, spent)
    with tempfile.TemporaryDirectory(prefix="dmp-survey-bench-figures-") as out:
        start = time.process_time()
        for data in datas:
            figures.draw_figure(data, Path(out))
        total = time.process_time() - start
    spent.pop("_inner", None)
    parts = {k: round(v, 3) for k, v in sorted(spent.items(), key=lambda kv: -kv[1])}
    result = {"warm_s": round(warm, 3), "figures": len(datas), "total_s": round(total, 3), "parts": parts}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
