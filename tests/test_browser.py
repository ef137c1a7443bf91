"""Tests of losslandscape.render.browser: the offline sweep-browser page."""

from __future__ import annotations

import json
import math
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from conftest import console_errors, needs_chromium, run_chromium
from PIL import Image

from losslandscape.render.browser import BrowserRow, browser_html, write_browser

COLUMNS = ["pair", "n", "seed", "minima", "loss_min", "optimizer"]
PAIR = "w1-5-5_w1-5-6"
MINIMA = [1, 10, 2, 10, None, 9]
LOSS = [0.123456789012345, 2.5e-7, math.nan, 1.5, 3.25, 12345.678]
OPTIMIZER = ["adam", "sgd", "Adam", "rmsprop", "adam", "sgd"]


def _rows(thumbs: bool = True) -> list[BrowserRow]:
    """Six landscapes, deliberately unsorted; row 4 has no thumbnail and no minima."""
    rows = []
    for i in range(6):
        values = {
            "pair": PAIR,
            "n": 500,
            "seed": i,
            "minima": MINIMA[i],
            "loss_min": LOSS[i],
            "optimizer": OPTIMIZER[i],
        }
        thumb = f"thumbs/seed-{i}.png" if thumbs and i != 4 else None
        links = [
            ("rotation GIF", f"500/{PAIR}/seed-{i}/rotation.gif"),
            ("grid", f"500/{PAIR}/seed-{i}/grid.parquet"),
        ]
        rows.append(BrowserRow(values=values, thumbnail=thumb, links=links))
    return rows


class _Page(HTMLParser):
    """The parts of a page the tests look at: headers, body rows, comments, #count, #message."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.heads: list[dict[str, Any]] = []
        self.rows: list[dict[str, Any]] = []
        self.comments: list[str] = []
        self.by_id: dict[str, dict[str, Any]] = {}
        self._cell: dict[str, Any] | None = None
        self._capture: list[tuple[str, dict[str, Any]]] = []
        self._section = ""
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("thead", "tbody"):
            self._section = tag
        elif tag == "tr" and self._section == "tbody":
            self.rows.append({"id": a.get("id"), "hidden": "hidden" in a, "cells": []})
        elif tag in ("th", "td"):
            self._cell = {"attrs": a, "text": "", "tags": []}
            (self.heads if tag == "th" else self.rows[-1]["cells"]).append(self._cell)
        elif self._cell is not None:
            self._cell["tags"].append((tag, a))
        if a.get("id") and tag not in ("input", "img", "meta", "link", "br"):
            element = {"attrs": a, "text": ""}
            self.by_id[a["id"]] = element
            self._capture.append((tag, element))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("th", "td"):
            self._cell = None
        elif tag in ("thead", "tbody"):
            self._section = ""
        if self._capture and self._capture[-1][0] == tag:
            self._capture.pop()

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell["text"] += data
        for _, element in self._capture:
            element["text"] += data

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)

    def column(self, name: str) -> list[dict[str, Any]]:
        """The cells of a value column, in page order."""
        k = [h["attrs"].get("data-col") for h in self.heads].index(name)
        return [row["cells"][k] for row in self.rows]


# --------------------------------------------------------------------------------------- unit


def test_text_and_urls_are_escaped() -> None:
    """Values, labels, titles and URLs cannot inject markup."""
    row = BrowserRow(
        values={"name": '<b>&"', "x": 1.0},
        thumbnail='a"b&c<d>.png',
        links=[("<i>gif</i>", 'x.gif?a=1&b="2"')],
    )
    page = browser_html(["name", "x"], [row], title="<T>&", provenance="")
    assert '<b>&"' not in page and "<i>gif" not in page and "<T>" not in page
    assert '<td data-value="&lt;b&gt;&amp;&quot;">&lt;b&gt;&amp;&quot;</td>' in page
    assert "<h1>&lt;T&gt;&amp;</h1>" in page and "<title>&lt;T&gt;&amp;</title>" in page
    assert 'href="x.gif?a=1&amp;b=&quot;2&quot;">&lt;i&gt;gif&lt;/i&gt;</a>' in page
    assert 'src="a&quot;b&amp;c&lt;d&gt;.png"' in page
    parsed = _Page(page)
    assert parsed.column("name")[0]["text"] == '<b>&"'
    assert parsed.column("name")[0]["attrs"]["data-value"] == '<b>&"'


def test_every_column_header_in_order() -> None:
    """One header per column in the given order, between the thumbnail and links columns."""
    page = _Page(browser_html(COLUMNS, _rows(), title="t"))
    assert [h["attrs"].get("data-col") for h in page.heads] == [None, *COLUMNS, None]
    assert [h["text"] for h in page.heads] == ["preview", *COLUMNS, "links"]
    assert all(len(row["cells"]) == len(COLUMNS) + 2 for row in page.rows)
    assert [row["id"] for row in page.rows] == [f"row-{i}" for i in range(6)]
    assert page.by_id["count"]["text"] == "6 of 6 landscapes shown"
    assert '<p class="summary">6 landscapes.' in browser_html(COLUMNS, _rows(), title="t")


def test_numbers_shown_short_kept_full_and_empty_cells() -> None:
    """Floats show 4 significant digits, data-value keeps the full value; NaN/None are empty."""
    page = _Page(browser_html(COLUMNS, _rows(), title="t"))
    loss = page.column("loss_min")
    assert [c["text"] for c in loss] == ["0.1235", "2.5e-7", "", "1.5", "3.25", "1.235e4"]
    assert loss[0]["attrs"]["data-value"] == "0.123456789012345"
    assert float(loss[5]["attrs"]["data-value"]) == 12345.678
    assert "data-value" not in loss[2]["attrs"]  # NaN
    minima = page.column("minima")
    assert minima[4]["text"] == "" and "data-value" not in minima[4]["attrs"]  # None
    assert [c["attrs"].get("data-value") for c in minima] == ["1", "10", "2", "10", None, "9"]
    types = {h["attrs"]["data-col"]: h["attrs"]["data-type"] for h in page.heads[1:-1]}
    assert types == {
        "pair": "str",
        "n": "num",
        "seed": "num",
        "minima": "num",
        "loss_min": "num",
        "optimizer": "str",
    }
    odd = _Page(
        browser_html(
            ["flag", "mixed", "big"],
            [
                BrowserRow({"flag": True, "mixed": 1, "big": math.inf}, None, []),
                BrowserRow({"flag": False, "mixed": "x", "big": -math.inf}, None, []),
            ],
            title="t",
        )
    )
    assert [c["text"] for c in odd.column("flag")] == ["true", "false"]
    assert [c["attrs"]["data-value"] for c in odd.column("big")] == ["inf", "-inf"]
    assert [h["attrs"]["data-type"] for h in odd.heads[1:-1]] == ["str", "str", "num"]


def test_thumbnails_and_links() -> None:
    """A lazy thumbnail of the requested width inside a link to it; links in order."""
    page = _Page(browser_html(COLUMNS, _rows(), title="t", thumb_px=77))
    first = page.rows[0]["cells"][0]["tags"]
    assert first[0] == ("a", {"href": "thumbs/seed-0.png"})
    tag, img = first[1]
    assert tag == "img" and img["loading"] == "lazy" and img["width"] == "77"
    assert img["src"] == "thumbs/seed-0.png"
    assert page.rows[4]["cells"][0]["tags"] == []  # no thumbnail
    links = page.rows[2]["cells"][-1]
    assert [a["href"] for _, a in links["tags"]] == [
        f"500/{PAIR}/seed-2/rotation.gif",
        f"500/{PAIR}/seed-2/grid.parquet",
    ]
    assert links["text"] == "rotation GIFgrid"


def test_same_inputs_same_bytes(tmp_path: Path) -> None:
    """No timestamps or random ids: two pages and two written files are identical."""
    first = browser_html(COLUMNS, _rows(), title="t", provenance='{"a": 1}')
    assert first == browser_html(COLUMNS, _rows(), title="t", provenance='{"a": 1}')
    write_browser(tmp_path / "a" / "page.html", COLUMNS, _rows(), title="t", provenance='{"a": 1}')
    write_browser(tmp_path / "b.html", COLUMNS, _rows(), title="t", provenance='{"a": 1}')
    assert (tmp_path / "a" / "page.html").read_bytes() == first.encode("utf-8")
    assert (tmp_path / "b.html").read_bytes() == first.encode("utf-8")
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["page.html"]  # no temp left
    assert first != browser_html(COLUMNS, _rows()[::-1], title="t", provenance='{"a": 1}')


def test_page_is_self_contained() -> None:
    """Inline CSS and JS only: no external scripts, styles, fonts or URLs."""
    page = browser_html(COLUMNS, _rows(), title="t")
    assert "http://" not in page and "https://" not in page and "//" not in page.split("<body>")[0]
    assert "<script src" not in page and "@import" not in page and "url(" not in page
    assert re.findall(r"<link [^>]*>", page) == ['<link rel="icon" href="data:,">']
    assert page.count("<script>") == 1 and page.count("<style>") == 1
    srcs = re.findall(r"\ssrc=\"([^\"]*)\"", page)
    assert srcs == [f"thumbs/seed-{i}.png" for i in (0, 1, 2, 3, 5)]


@pytest.mark.parametrize(
    ("columns", "rows", "thumb_px", "message"),
    [
        ([], [], 120, "columns must not be empty"),
        (["a", "b", "a"], [], 120, r"duplicate columns: \['a'\]"),
        (["a", "b"], [BrowserRow({"a": 1, "b": 2}, None, []), BrowserRow({"a": 1}, None, [])],
         120, r"row 1: missing columns \['b'\], extra columns \[\]"),
        (["a"], [BrowserRow({"a": 1, "zz": 2}, None, [])], 120,
         r"row 0: missing columns \[\], extra columns \['zz'\]"),
        (["a"], [], 0, "thumb_px must be a positive integer"),
        (["a"], [], -5, "thumb_px must be a positive integer"),
        (["a"], [], 1.5, "thumb_px must be a positive integer"),
        (["a"], [], True, "thumb_px must be a positive integer"),
    ],
)  # fmt: skip
def test_bad_input_raises(
    columns: list[str], rows: list[BrowserRow], thumb_px: Any, message: str
) -> None:
    """Empty or duplicate columns, rows with missing/extra columns, bad thumb_px: ValueError."""
    with pytest.raises(ValueError, match=message):
        browser_html(columns, rows, title="t", thumb_px=thumb_px)


def test_provenance_cannot_break_its_comment() -> None:
    """'-->' and '--!>' in the provenance stay inside the one comment; meta keeps it escaped."""
    provenance = 'x --> <script>alert(1)</script> --!> y --- "q" -'
    page = browser_html(COLUMNS, _rows(), title="t", provenance=provenance)
    parsed = _Page(page)
    assert len(parsed.comments) == 1
    assert "--" not in parsed.comments[0] and "<" not in parsed.comments[0]
    assert "alert(1)" in parsed.comments[0]
    assert page.startswith("<!DOCTYPE html>\n<!-- ")
    assert page.index("-->") > page.index("alert(1)")  # the first comment end is after all of it
    assert "<script>alert" not in page
    meta = re.search(r'<meta name="description" content="([^"]*)">', page)
    assert meta is not None
    assert meta.group(1) == (
        "x --&gt; &lt;script&gt;alert(1)&lt;/script&gt; --!&gt; y --- &quot;q&quot; -"
    )
    assert "<!--" not in browser_html(COLUMNS, _rows(), title="t")


# ---------------------------------------------------------------------------------- chromium


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A written page with six rows, real PNG thumbnails next to it."""
    root = tmp_path_factory.mktemp("browser")
    (root / "thumbs").mkdir()
    for i in range(6):
        Image.new("RGB", (8, 6), (40 * i, 90, 200 - 30 * i)).save(root / "thumbs" / f"seed-{i}.png")
    write_browser(root / "page.html", COLUMNS, _rows(), title="Sweep", provenance='{"n": 500}')
    return root


def _load(site: Path, fragment: str, profile: str) -> _Page:
    """Dump the page's DOM after its scripts ran; fail on console errors."""
    url = (site / "page.html").resolve().as_uri() + fragment
    run = run_chromium(["--dump-dom", url], site / profile)
    errors = console_errors(run)
    assert not errors, "\n".join(errors)
    assert "<tbody>" in run.stdout, run.stderr[-2000:]
    return _Page(run.stdout)


def _visible(page: _Page) -> list[str]:
    return [row["id"] for row in page.rows if not row["hidden"]]


@needs_chromium
def test_page_opens_offline_withoutconsole_errors(site: Path) -> None:
    """From file:// with no hash: all rows in input order, counter full, no message."""
    page = _load(site, "", "p0")
    assert [row["id"] for row in page.rows] == [f"row-{i}" for i in range(6)]
    assert _visible(page) == [f"row-{i}" for i in range(6)]
    assert page.by_id["count"]["text"] == "6 of 6 landscapes shown"
    assert "hidden" in page.by_id["message"]["attrs"]
    assert all(h["attrs"].get("aria-sort") in (None, "none") for h in page.heads)


@needs_chromium
def test_sort_from_hash_descending(site: Path) -> None:
    """#sort=minima&dir=desc: numeric descending (10 before 9), ties stable, empty cell last."""
    page = _load(site, "#sort=minima&dir=desc", "p1")
    ids = [row["id"] for row in page.rows]
    assert ids != [f"row-{i}" for i in range(6)]
    assert ids == ["row-1", "row-3", "row-5", "row-2", "row-0", "row-4"]
    values = [c["attrs"].get("data-value") for c in page.column("minima")]
    numbers = [float(v) for v in values if v is not None]
    assert numbers == sorted(numbers, reverse=True) and values[-1] is None
    head = next(h for h in page.heads if h["attrs"].get("data-col") == "minima")
    assert head["attrs"]["aria-sort"] == "descending" and head["text"].endswith("\u25bc")
    assert "hidden" in page.by_id["message"]["attrs"]


@needs_chromium
def test_filter_from_hash_hides_other_rows(site: Path) -> None:
    """#filter=minima>=2: exactly the rows with minima >= 2 are visible; the counter says so."""
    page = _load(site, "#filter=minima%3E%3D2", "p2")
    assert _visible(page) == ["row-1", "row-2", "row-3", "row-5"]
    assert [row["id"] for row in page.rows if row["hidden"]] == ["row-0", "row-4"]
    assert page.by_id["count"]["text"] == "4 of 6 landscapes shown"
    assert "hidden" in page.by_id["message"]["attrs"]


@needs_chromium
def test_text_filter_string_sort_and_equality_from_hash(site: Path) -> None:
    """Text terms ignore case, '!=' on numbers is numeric, string columns sort as strings."""
    page = _load(site, "#sort=optimizer&dir=asc&filter=ADAM%20loss_min!%3D3.25", "p3")
    assert [row["id"] for row in page.rows][:4] == ["row-2", "row-0", "row-4", "row-3"]
    assert _visible(page) == ["row-2", "row-0"]  # row 4 has loss 3.25
    assert page.by_id["count"]["text"] == "2 of 6 landscapes shown"


@needs_chromium
def test_unknown_column_shows_message(site: Path) -> None:
    """A filter on an unknown column shows a message, is ignored, and throws nothing."""
    page = _load(site, "#filter=minimum%3E%3D2", "p4")
    message = page.by_id["message"]
    assert "hidden" not in message["attrs"]
    assert 'Unknown column "minimum"' in message["text"]
    assert _visible(page) == [f"row-{i}" for i in range(6)]
    assert page.by_id["count"]["text"] == "6 of 6 landscapes shown"


HARNESS = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>harness</title></head><body>
<pre id="out"></pre>
<script>
const frame = document.createElement("iframe");
frame.width = 800;
frame.height = 600;
frame.addEventListener("load", () => {
  const d = frame.contentDocument;
  const w = frame.contentWindow;
  const ids = () => Array.from(d.querySelectorAll("#sweep tbody tr"), (tr) => tr.id);
  const shown = () => Array.from(d.querySelectorAll("#sweep tbody tr:not([hidden])"),
    (tr) => tr.id);
  const out = {loaded: {hash: w.location.hash, input: d.getElementById("filter").value,
    shown: shown()}};
  const button = d.querySelector('th[data-col="loss_min"] button');
  button.click();
  out.first = {ids: ids(), hash: w.location.hash};
  button.click();
  out.second = {ids: ids(), hash: w.location.hash};
  const input = d.getElementById("filter");
  input.value = "seed<3 seed!=1";
  input.dispatchEvent(new Event("input"));
  out.typed = {shown: shown(), hash: w.location.hash,
    count: d.getElementById("count").textContent};
  const typeIn = (text) => {
    input.value = text;
    input.dispatchEvent(new Event("input"));
    const message = d.getElementById("message");
    return {shown: shown(), message: message.hidden ? null : message.textContent};
  };
  out.less = typeIn("minima<5");
  out.notNumber = typeIn("minima<abc");
  out.empty = typeIn("loss_min=");
  document.getElementById("out").textContent = JSON.stringify(out);
});
frame.src = "page.html#filter=sgd";
document.body.appendChild(frame);
</script></body></html>
"""


@needs_chromium
def test_clicks_and_typing_sort_filter_and_update_hash(site: Path) -> None:
    """Driven in an iframe: click sorts, a second click reverses, typing filters; hash follows."""
    (site / "harness.html").write_text(HARNESS, encoding="utf-8")
    url = (site / "harness.html").resolve().as_uri()
    run = run_chromium(["--allow-file-access-from-files", "--dump-dom", url], site / "p5")
    errors = console_errors(run)
    assert not errors, "\n".join(errors)
    out = json.loads(_Page(run.stdout).by_id["out"]["text"])
    assert out["loaded"] == {"hash": "#filter=sgd", "input": "sgd", "shown": ["row-1", "row-5"]}
    # loss_min: 0.1235 (0), 2.5e-7 (1), NaN (2), 1.5 (3), 3.25 (4), 12345.678 (5)
    assert out["first"]["ids"] == ["row-1", "row-0", "row-3", "row-4", "row-5", "row-2"]
    assert out["first"]["hash"] == "#sort=loss_min&dir=asc&filter=sgd"
    assert out["second"]["ids"] == ["row-5", "row-4", "row-3", "row-0", "row-1", "row-2"]
    assert out["second"]["hash"] == "#sort=loss_min&dir=desc&filter=sgd"
    assert out["typed"]["shown"] == ["row-0", "row-2"]  # still in descending loss order
    assert out["typed"]["hash"] == "#sort=loss_min&dir=desc&filter=seed%3C3%20seed!%3D1"
    assert out["typed"]["count"] == "2 of 6 landscapes shown"
    assert out["less"] == {"shown": ["row-0", "row-2"], "message": None}  # empty minima fails
    assert out["notNumber"]["shown"] == [f"row-{i}" for i in (5, 4, 3, 0, 1, 2)]
    assert out["notNumber"]["message"] == '"minima<abc": < needs a number. Ignored.'
    assert out["empty"] == {"shown": ["row-2"], "message": None}  # '=' with nothing: empty cells
