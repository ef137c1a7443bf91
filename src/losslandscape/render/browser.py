"""Offline "sweep browser": one self-contained HTML page to sort and filter many landscapes.

The page is a table with one row per landscape: a thumbnail linked to its image, the summary
columns, and links to the landscape's files. It is a single file with inline CSS and vanilla
JavaScript (no scripts, fonts or anything else from the network), rows rendered as plain HTML,
and the same bytes for the same inputs (no timestamps, no random ids). No Snakemake import.

Cells show floats with 4 significant digits; ``data-value`` keeps the full value for sorting and
filtering. Empty cells (None, NaN) show nothing and sort last in both directions.

Sorting: click a column header; numeric columns sort numerically, others as strings; a second
click reverses. The sort is stable (ties keep the input order).

Filter syntax (the box above the table): whitespace-separated terms, all must hold.

- ``column<op>value`` with op one of ``<= >= != = < >`` compares that column's cells. ``=`` and
  ``!=`` compare numerically when both the cell and value are numbers, else as strings ignoring
  case (an empty cell is the empty string, so ``loss=`` keeps empty cells). ``< <= > >=`` need a
  number and keep only cells that are numbers satisfying it.
- Any other term keeps rows whose text contains it, ignoring case.

A term naming an unknown column, or an ordering term whose value is not a number, is ignored and
reported in a message above the table. A column whose name holds whitespace or one of ``<>=!``
cannot be named in a term.

The view lives in the URL hash, ``#sort=<column>&dir=asc|desc&filter=<urlencoded filter>``: read
on load (and on ``hashchange``) and applied through the same code as a click or typing, and
rewritten with ``history.replaceState`` on every change, so a view can be shared as a link.
"""

from __future__ import annotations

import html
import math
import numbers
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..io import write_text

#: Cells in each row before the first value column (the thumbnail).
_LEAD = 1


@dataclass(frozen=True)
class BrowserRow:
    """One landscape: its summary-table row, a thumbnail URL (or None) and (label, URL) links."""

    values: Mapping[str, Any]
    thumbnail: str | None
    links: Sequence[tuple[str, str]]


def _esc(text: str) -> str:
    """Escape text for element content and quoted attribute values."""
    return html.escape(text, quote=True)


def _float_text(value: float) -> str:
    """A float with 4 significant digits and a short exponent (1.235e-5, not 1.235e-05)."""
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    text = format(value, ".4g")
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text


def _cell(value: Any) -> tuple[str, str | None, str | None]:
    """(shown text, data-value or None when empty, kind 'num'/'str' or None when empty)."""
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return "", None, None
    if isinstance(value, bool | np.bool_):
        text = "true" if value else "false"
        return text, text, "str"
    if isinstance(value, numbers.Integral):
        text = str(int(value))
        return text, text, "num"
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isnan(number):
            return "", None, None
        full = _float_text(number) if math.isinf(number) else repr(number)
        return _float_text(number), full, "num"
    if isinstance(value, str):
        return value, value, "str"
    raise TypeError(f"unsupported cell type {type(value).__name__}: {value!r}")


def _comment(text: str) -> str:
    """Text that cannot end or nest an HTML comment: no '<', '>' or '--'."""
    text = html.escape(text, quote=False)
    return re.sub(r"-(?=-)", "- ", text)


def _check(columns: Sequence[str], rows: Sequence[BrowserRow], thumb_px: int) -> None:
    """Raise ValueError/TypeError on bad columns, rows or thumbnail size."""
    if isinstance(columns, str):
        raise TypeError("columns must be a sequence of column names, not one string")
    if len(columns) == 0:
        raise ValueError("columns must not be empty")
    for name in columns:
        if not isinstance(name, str) or not name:
            raise ValueError(f"column names must be non-empty strings, got {name!r}")
    known = set(columns)
    if len(known) != len(columns):
        duplicates = sorted({name for name in columns if list(columns).count(name) > 1})
        raise ValueError(f"duplicate columns: {duplicates}")
    if (
        isinstance(thumb_px, bool | np.bool_)
        or not isinstance(thumb_px, numbers.Integral)
        or thumb_px <= 0
    ):
        raise ValueError(f"thumb_px must be a positive integer, got {thumb_px!r}")
    for i, row in enumerate(rows):
        if not isinstance(row, BrowserRow):
            raise TypeError(f"row {i} is a {type(row).__name__}, not a BrowserRow")
        keys = list(row.values)
        missing = [name for name in columns if name not in row.values]
        extra = [name for name in keys if name not in known]
        if missing or extra:
            raise ValueError(f"row {i}: missing columns {missing}, extra columns {extra}")
        if row.thumbnail is not None and not isinstance(row.thumbnail, str):
            raise TypeError(f"row {i}: thumbnail must be a URL string or None")
        for link in row.links:
            if (
                not isinstance(link, tuple | list)
                or len(link) != 2
                or not all(isinstance(part, str) for part in link)
            ):
                raise TypeError(f"row {i}: links must be (label, URL) string pairs, got {link!r}")


_CSS = """
:root { color-scheme: light; }
body { font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  margin: 1rem 1.5rem; color: #1f2328; background: #fff; }
h1 { font-size: 1.35rem; margin: 0 0 .25rem; }
p { margin: .25rem 0; }
.summary, .help { color: #57606a; }
.controls { display: flex; align-items: center; gap: .6rem; margin: .6rem 0 .3rem; }
#filter { font: inherit; padding: .25rem .45rem; width: min(36rem, 70vw);
  border: 1px solid #afb8c1; border-radius: 4px; }
#count { color: #57606a; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  background: #f3f4f6; padding: 0 .2rem; border-radius: 3px; }
.message { color: #8a1c1c; background: #fff0f0; border: 1px solid #f0b4b4;
  padding: .3rem .5rem; border-radius: 4px; }
table { border-collapse: separate; border-spacing: 0; margin-top: .5rem; }
th, td { padding: .2rem .5rem; text-align: left; vertical-align: middle;
  border-bottom: 1px solid #eaeef2; }
thead th { position: sticky; top: 0; z-index: 1; background: #f6f8fa;
  border-bottom: 1px solid #afb8c1; white-space: nowrap; }
th button { font: inherit; font-weight: 600; color: inherit; background: none; border: 0;
  padding: 0; cursor: pointer; }
th button:hover, th button:focus-visible { text-decoration: underline; }
.ind { display: inline-block; min-width: 1em; padding-left: .2em; font-size: .8em; }
tbody tr:nth-child(even of :not([hidden])) { background: #f6f8fa; }
tbody tr:hover { background: #eef4ff; }
td { font-variant-numeric: tabular-nums; white-space: nowrap; }
td.thumb { padding: .15rem .3rem; }
td.thumb img { display: block; height: auto; aspect-ratio: auto 4 / 3; }
td.links a { display: block; white-space: nowrap; }
a { color: #0969da; }
"""

_JS = r"""
(() => {
  "use strict";
  const LEAD = __LEAD__;
  const table = document.getElementById("sweep");
  const tbody = table.tBodies[0];
  const heads = Array.from(table.tHead.querySelectorAll("th[data-col]"));
  const columns = heads.map((th) => th.dataset.col);
  const numeric = heads.map((th) => th.dataset.type === "num");
  const rows = Array.from(tbody.rows);
  const input = document.getElementById("filter");
  const counter = document.getElementById("count");
  const message = document.getElementById("message");
  const state = { sort: null, dir: "asc", filter: "" };
  const problems = { sort: "", filter: "" };
  const cache = { values: new Map(), numbers: new Map(), texts: null };
  const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;
  const OPERATOR = /^([^<>=!]+)(<=|>=|!=|=|<|>)(.*)$/;

  function toNumber(text) {
    if (text === null) return null;
    const t = text.trim();
    if (NUMBER.test(t)) return Number(t);
    const l = t.toLowerCase().replace(/^\+/, "");
    if (l === "inf" || l === "infinity") return Infinity;
    if (l === "-inf" || l === "-infinity") return -Infinity;
    return null;
  }
  function values(c) {  // the cells' data-value strings, null when empty, by input row
    if (!cache.values.has(c)) {
      cache.values.set(c, rows.map((tr) => {
        const td = tr.cells[LEAD + c];
        return td.hasAttribute("data-value") ? td.getAttribute("data-value") : null;
      }));
    }
    return cache.values.get(c);
  }
  function numbers(c) {
    if (!cache.numbers.has(c)) cache.numbers.set(c, values(c).map(toNumber));
    return cache.numbers.get(c);
  }
  function texts() {
    if (cache.texts === null) {
      cache.texts = rows.map((tr) =>
        Array.from(tr.cells, (td) => td.textContent).join("\n").toLowerCase());
    }
    return cache.texts;
  }
  function showProblems() {
    const text = [problems.sort, problems.filter].filter(Boolean).join(" ");
    message.textContent = text;
    message.hidden = text === "";
  }
  function writeHash() {
    const parts = [];
    if (state.sort !== null) {
      parts.push("sort=" + encodeURIComponent(state.sort), "dir=" + state.dir);
    }
    if (state.filter !== "") parts.push("filter=" + encodeURIComponent(state.filter));
    const hash = parts.length ? "#" + parts.join("&") : "";
    if (hash === location.hash) return;
    const url = location.href.split("#")[0] + hash;
    try {
      history.replaceState(history.state, "", url);
    } catch (e) {
      location.replace(hash || "#");
    }
  }

  function compile(text) {  // -> [tests, problems]; a test takes an input row index
    const tests = [];
    const bad = [];
    for (const term of text.trim().split(/\s+/)) {
      if (term === "") continue;
      const m = OPERATOR.exec(term);
      if (m === null) {
        const needle = term.toLowerCase();
        const all = texts();
        tests.push((i) => all[i].includes(needle));
        continue;
      }
      const [, name, op, value] = m;
      const c = columns.indexOf(name);
      if (c < 0) {
        bad.push(`Unknown column "${name}" in "${term}" (columns: ${columns.join(", ")}).`);
        continue;
      }
      const target = toNumber(value);
      const nums = numbers(c);
      if (op === "=" || op === "!=") {
        const want = op === "=";
        const strs = values(c);
        const lower = value.toLowerCase();
        tests.push((i) => (target !== null && nums[i] !== null
          ? nums[i] === target
          : (strs[i] ?? "").toLowerCase() === lower) === want);
        continue;
      }
      if (target === null) {
        bad.push(`"${term}": ${op} needs a number.`);
        continue;
      }
      const compare = {
        "<": (x) => x < target, "<=": (x) => x <= target,
        ">": (x) => x > target, ">=": (x) => x >= target,
      }[op];
      tests.push((i) => nums[i] !== null && compare(nums[i]));
    }
    return [tests, bad];
  }

  function setFilter(text) {
    const [tests, bad] = compile(text);
    let shown = 0;
    for (let i = 0; i < rows.length; i++) {
      const keep = tests.every((t) => t(i));
      if (rows[i].hidden === keep) rows[i].hidden = !keep;
      if (keep) shown++;
    }
    counter.textContent = `${shown} of ${rows.length} landscapes shown`;
    state.filter = text;
    problems.filter = bad.length ? bad.join(" ") + " Ignored." : "";
    showProblems();
    writeHash();
  }

  function setSort(name, dir) {
    const c = columns.indexOf(name);
    if (c < 0) {
      problems.sort = `Unknown sort column "${name}" (columns: ${columns.join(", ")}).`;
      showProblems();
      return;
    }
    problems.sort = "";
    const sign = dir === "desc" ? -1 : 1;
    const keys = numeric[c] ? numbers(c) : values(c);
    const order = rows.map((_, i) => i);
    order.sort((a, b) => {
      const x = keys[a];
      const y = keys[b];
      if (x === null || y === null) {
        if (x === y) return a - b;
        return x === null ? 1 : -1;
      }
      return (x < y ? -sign : x > y ? sign : 0) || a - b;
    });
    const fragment = document.createDocumentFragment();
    for (const i of order) fragment.appendChild(rows[i]);
    tbody.appendChild(fragment);
    heads.forEach((th, k) => {
      const active = k === c;
      th.setAttribute("aria-sort", active ? (sign > 0 ? "ascending" : "descending") : "none");
      th.querySelector(".ind").textContent = active ? (sign > 0 ? "\u25b2" : "\u25bc") : "";
    });
    state.sort = name;
    state.dir = sign > 0 ? "asc" : "desc";
    showProblems();
    writeHash();
  }

  function applyHash() {
    const params = new URLSearchParams(location.hash.replace(/^#/, ""));
    const filter = params.get("filter") ?? "";
    if (input.value !== filter) input.value = filter;
    setFilter(filter);
    const sort = params.get("sort");
    if (sort !== null) setSort(sort, params.get("dir") === "desc" ? "desc" : "asc");
  }

  heads.forEach((th) => {
    th.querySelector("button").addEventListener("click", () => {
      const name = th.dataset.col;
      setSort(name, state.sort === name && state.dir === "asc" ? "desc" : "asc");
    });
  });
  input.addEventListener("input", () => setFilter(input.value));
  window.addEventListener("hashchange", applyHash);
  applyHash();
})();
"""


def browser_html(
    columns: Sequence[str],
    rows: Sequence[BrowserRow],
    *,
    title: str,
    provenance: str = "",
    thumb_px: int = 120,
) -> str:
    """Return the sweep-browser page: a sortable, filterable table of `rows` (see module doc).

    Deterministic: the same inputs give the same string. Raises ValueError on bad input.
    """
    _check(columns, rows, thumb_px)
    px = int(thumb_px)
    cells: list[list[tuple[str, str | None]]] = []
    kinds: list[set[str]] = [set() for _ in columns]
    for row in rows:
        out = []
        for c, name in enumerate(columns):
            try:
                text, value, kind = _cell(row.values[name])
            except TypeError as err:
                raise TypeError(f"row {len(cells)}, column {name!r}: {err}") from None
            if kind is not None:
                kinds[c].add(kind)
            out.append((text, value))
        cells.append(out)
    numeric = [kind == {"num"} for kind in kinds]

    n = len(rows)
    noun = "landscape" if n == 1 else "landscapes"
    right = ", ".join(
        f"#sweep {cell}:nth-child({_LEAD + c + 1})"
        for c, num in enumerate(numeric)
        if num
        for cell in ("th", "td")
    )
    head = ['<th class="thumb">preview</th>']
    for name, num in zip(columns, numeric, strict=True):
        head.append(
            f'<th data-col="{_esc(name)}" data-type="{"num" if num else "str"}" '
            f'aria-sort="none"><button type="button">{_esc(name)}'
            '<span class="ind" aria-hidden="true"></span></button></th>'
        )
    head.append('<th class="links">links</th>')

    body = []
    for i, (row, row_cells) in enumerate(zip(rows, cells, strict=True)):
        parts = [f'<tr id="row-{i}">']
        if row.thumbnail is None:
            parts.append('<td class="thumb"></td>')
        else:
            url = _esc(row.thumbnail)
            parts.append(
                f'<td class="thumb"><a href="{url}"><img loading="lazy" src="{url}" '
                f'width="{px}" alt=""></a></td>'
            )
        for text, value in row_cells:
            if value is None:
                parts.append("<td></td>")
            else:
                parts.append(f'<td data-value="{_esc(value)}">{_esc(text)}</td>')
        links = "".join(f'<a href="{_esc(url)}">{_esc(label)}</a>' for label, url in row.links)
        parts.append(f'<td class="links">{links}</td></tr>')
        body.append("".join(parts))

    lines = ["<!DOCTYPE html>"]
    if provenance:
        lines.append(f"<!-- {_comment(provenance)} -->")
    lines += ['<html lang="en">', "<head>", '<meta charset="utf-8">']
    lines.append('<meta name="viewport" content="width=device-width, initial-scale=1">')
    if provenance:
        lines.append(f'<meta name="description" content="{_esc(provenance)}">')
    lines += [
        f"<title>{_esc(title)}</title>",
        '<link rel="icon" href="data:,">',
        "<style>" + _CSS + (f"{right} {{ text-align: right; }}\n" if right else "") + "</style>",
        "</head>",
        "<body>",
        f"<h1>{_esc(title)}</h1>",
        f'<p class="summary">{n} {noun}. Click a column header to sort; click again to '
        "reverse.</p>",
        '<div class="controls"><label for="filter">Filter</label>'
        '<input id="filter" type="search" autocomplete="off" spellcheck="false" '
        'placeholder="e.g. column&gt;=2 text">'
        f'<span id="count" role="status">{n} of {n} landscapes shown</span></div>',
        '<p class="help">Space-separated terms, all must hold: <code>column&lt;op&gt;value</code> '
        "with op <code>&lt;= &gt;= != = &lt; &gt;</code> compares a column (numerically when "
        "both sides are numbers); any other term must appear in the row (any case).</p>",
        '<p id="message" class="message" role="alert" hidden></p>',
        '<table id="sweep">',
        "<thead><tr>" + "".join(head) + "</tr></thead>",
        "<tbody>",
        *body,
        "</tbody>",
        "</table>",
        "<script>" + _JS.replace("__LEAD__", str(_LEAD)) + "</script>",
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(lines)


def write_browser(
    path: str | os.PathLike[str],
    columns: Sequence[str],
    rows: Sequence[BrowserRow],
    *,
    title: str,
    provenance: str = "",
    thumb_px: int = 120,
) -> None:
    """Write browser_html(...) to `path` atomically as UTF-8 (no half-written page on a crash)."""
    page = browser_html(columns, rows, title=title, provenance=provenance, thumb_px=thumb_px)
    write_text(path, page)
