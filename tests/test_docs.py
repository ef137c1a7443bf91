"""The documentation: the README stays a front page, and no link, image or page is missing.

Links and images are checked in README.md and every docs/*.md (the pages of the site that
`mkdocs build --strict` builds from mkdocs.yml; CI builds it, this test does not): every
relative target must be an existing file, a page's targets must lie inside docs/ (the site has
nothing else), and an anchor into a Markdown file must name one of its headings.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README = ROOT / "README.md"
README_LIMIT = 10_000  # characters (bytes, as `wc -c` counts them)

PAGES = sorted(DOCS.glob("*.md"))
DOCUMENTS = [README, *PAGES]

FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.M | re.S)
CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.S)
INLINE_LINK = re.compile(
    r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)"
)
REFERENCE_LINK = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$", re.M)
HTML_LINK = re.compile(r"<(?:a|img)\b[^>]*?\b(?:href|src)\s*=\s*[\"']([^\"']+)[\"']", re.I)
LINKS = (INLINE_LINK, REFERENCE_LINK, HTML_LINK)
HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.M)


def prose(text: str) -> str:
    """The Markdown without fenced code blocks and code spans (their brackets are not links)."""
    return CODE_SPAN.sub("", FENCE.sub("", text))


def links(markdown: str) -> list[str]:
    """Every link and image target of a Markdown text: inline, reference-style and HTML."""
    text = prose(markdown)
    return [m.group(1) for pattern in LINKS for m in pattern.finditer(text)]


def targets(path: Path) -> list[str]:
    """Every link and image target of a Markdown file."""
    return links(path.read_text(encoding="utf-8"))


def is_external(target: str) -> bool:
    """A URL with a scheme (https:, mailto:, ...) or a protocol-relative one."""
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target)) or target.startswith("//")


def slug(heading: str) -> str:
    """A heading's anchor as MkDocs makes it (Python-Markdown's toc slugify), from its text."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text
    text = re.sub(r"[`*_]", "", text)  # inline code and emphasis marks
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def anchors(path: Path) -> set[str]:
    """The anchors of a Markdown file's headings."""
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    return {slug(m.group(1)) for m in HEADING.finditer(text)}


def relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


class _Loader(yaml.SafeLoader):
    """mkdocs.yml may hold tags such as !!python/name:...; they do not matter here."""


_Loader.add_multi_constructor("", lambda loader, suffix, node: None)
_Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)


def mkdocs_config() -> dict:
    return yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_Loader)


def nav_pages(nav) -> list[str]:
    """Every page file named in a MkDocs nav (external links left out)."""
    if isinstance(nav, str):
        return [] if is_external(nav) else [nav]
    if isinstance(nav, list):
        return [page for item in nav for page in nav_pages(item)]
    if isinstance(nav, dict):
        return [page for value in nav.values() for page in nav_pages(value)]
    return []


def test_readme_is_a_front_page():
    size = len(README.read_bytes())
    assert size <= README_LIMIT, (
        f"README.md has {size} characters, more than {README_LIMIT}: move the detail into a page"
        " under docs/ and link to it"
    )


def test_the_link_finder_finds_links():
    """The patterns above see inline links, images, reference links and HTML; not code."""
    found = links(
        'See [a](a.md#x), ![b](img/b.png "title"), <img src="c.png">, `[no](code.md)`,\n'
        "[d [e]](d.md)\n\n```\n[no](fenced.md)\n```\n\n[ref]: ref.md\n"
    )
    assert sorted(found) == ["a.md#x", "c.png", "d.md", "img/b.png", "ref.md"]
    assert slug("What is checked, and when") == "what-is-checked-and-when"
    assert slug("The default pipeline with sharpness and spectra, against 15491b5") == (
        "the-default-pipeline-with-sharpness-and-spectra-against-15491b5"
    )


@pytest.mark.parametrize("document", DOCUMENTS, ids=relative)
def test_relative_links_and_images_exist(document):
    assert PAGES, "no docs/*.md pages"
    missing = []
    for target in targets(document):
        if not target or is_external(target):
            continue
        path_part, _, fragment = target.partition("#")
        if path_part.startswith("/"):
            missing.append(f"{target}: absolute path (links must be relative)")
            continue
        path = (document.parent / path_part).resolve() if path_part else document
        if not path.exists():
            missing.append(f"{target}: no such file")
            continue
        if document.parent == DOCS and not path.is_relative_to(DOCS):
            missing.append(f"{target}: outside docs/, so not part of the site")
            continue
        if fragment and path.suffix == ".md" and fragment not in anchors(path):
            missing.append(f"{target}: {relative(path)} has no heading with anchor #{fragment}")
    assert not missing, f"{relative(document)}:\n  " + "\n  ".join(missing)


def test_every_nav_page_exists():
    config = mkdocs_config()
    docs_dir = ROOT / config.get("docs_dir", "docs")
    pages = nav_pages(config["nav"])
    assert pages, "mkdocs.yml has no nav"
    missing = [page for page in pages if not (docs_dir / page).is_file()]
    assert not missing, f"mkdocs.yml's nav lists pages that do not exist: {missing}"
    duplicates = sorted({page for page in pages if pages.count(page) > 1})
    assert not duplicates, f"mkdocs.yml's nav lists pages twice: {duplicates}"


def test_every_page_is_in_the_nav():
    """A page missing from the nav is a warning, so an error under `mkdocs build --strict`."""
    config = mkdocs_config()
    listed = set(nav_pages(config["nav"]))
    unlisted = [page.name for page in PAGES if page.name not in listed]
    assert not unlisted, f"docs pages missing from mkdocs.yml's nav: {unlisted}"
