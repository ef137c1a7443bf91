"""Jobs of the figures stage besides the figure kinds: sweep browser, plotly.js, report pages.

Every figure kind's job is losslandscape.render.registry.draw.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from plotly.offline import get_plotlyjs

from .. import paths
from ..io import read_parquet, write_text
from ..render.browser import BrowserRow, write_browser
from ..render.interactive import inline_plotly, plotly_url
from ..render.registry import REGISTRY
from ..render.surfaces import gallery_orders
from ..sweep import page_of
from .common import log


def gallery_browser_job(
    summary: str,
    output: str,
    sheet: Mapping[str, Any],
    seeds: Sequence[int],
    provenance_text: str = "",
) -> None:
    """The sweep browser: every landscape of the gallery summary as a row -> index.html.

    Each row links its rotating GIF (still as thumbnail), grid, critical points and the
    contact-sheet page that shows it (same page rule as the sheets: losslandscape.sweep).
    """

    table = read_parquet(summary)
    columns = list(table.column_names)
    records = table.to_pylist()
    base = os.path.dirname(output) or "."

    def rel(path: str) -> str:
        return os.path.relpath(path, start=base).replace(os.sep, "/")

    combos = list(dict.fromkeys((int(r["n"]), str(r["pair"])) for r in records))
    orders = gallery_orders(seeds, sheet, summary, combos)
    pages = {combo: page_of(order, int(sheet["per_page"])) for combo, order in orders.items()}
    rotation = REGISTRY["rotation"].outputs()
    sheet_png = REGISTRY["contact_sheet"].outputs()["png"]
    rows = []
    for record in records:
        key = {"seed": int(record["seed"]), "n": int(record["n"]), "pair": str(record["pair"])}
        combo = (key["n"], key["pair"])
        links = [
            ("rotation", rel(rotation["gif"].format(**key))),
            ("grid", rel(paths.GRID.format(**key))),
            ("critical points", rel(paths.CRITICAL_POINTS.format(**key))),
            ("plateaus", rel(paths.PLATEAUS.format(**key))),
        ]
        if key["seed"] in pages[combo]:
            page = pages[combo][key["seed"]]
            links.append((f"sheet {page}", rel(sheet_png.format(page=page, **key))))
        rows.append(BrowserRow(record, rel(rotation["png"].format(**key)), links))
    write_browser(
        output,
        columns,
        rows,
        title=f"Gallery sweep: {len(rows)} landscapes",
        provenance=provenance_text,
    )
    log.info("wrote %s (%d landscapes, %d columns)", output, len(rows), len(columns))


def plotly_js_job(output: str) -> None:
    """The one offline copy of plotly.js that the results' interactive pages load."""

    write_text(output, get_plotlyjs())
    log.info("wrote %s (plotly.js of the installed plotly)", output)


def report_page_job(page: str, plotly_js: str, output: str) -> None:
    """A self-contained copy of an interactive page (plotly.js inline), for the report."""

    url = plotly_url(plotly_js, page)
    assert url is not None
    text = inline_plotly(
        Path(page).read_text(encoding="utf-8"), url, Path(plotly_js).read_text(encoding="utf-8")
    )
    write_text(output, text)
    log.info("wrote %s (%s with plotly.js inline)", output, page)
