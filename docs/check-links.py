#!/usr/bin/env python3
"""The book's link check, run by .ci/run after `mdbook build docs`: no network.

Usage: docs/check-links.py BOOK_DIR [MARKDOWN_FILE ...]

- In the built book (BOOK_DIR, the HTML mdbook wrote), every relative `href` and `src` must name a
  file of the book, and every `#fragment` an `id` of the page it points into (or of the same page).
- In each MARKDOWN_FILE given (the README), every relative link must name a file of the
  repository, and a `#fragment` into a Markdown file one of its headings (GitHub's anchors).

Links to other sites (http:, https:, mailto:) are not followed. Exits 1, listing every broken
link, when there is one.
"""

import html.parser
import pathlib
import re
import sys
import urllib.parse

SKIPPED_SCHEMES = ("http:", "https:", "mailto:", "javascript:", "data:")


class Page(html.parser.HTMLParser):
    """The ids and the links of one HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids = set()
        self.links = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("id", "name") and value:
                self.ids.add(value)
            elif name in ("href", "src") and value is not None and tag != "base":
                self.links.append(value)


def parse(path):
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def check_book(book):
    pages = {path.resolve(): parse(path) for path in book.rglob("*.html")}
    if not pages:
        return [f"{book}: no HTML pages (was `mdbook build docs` run?)"]
    broken = []
    for path, page in sorted(pages.items()):
        for link in page.links:
            if link.startswith(SKIPPED_SCHEMES) or link.startswith("//"):
                continue
            target, _, fragment = link.partition("#")
            target = urllib.parse.unquote(target.split("?")[0])
            resolved = (path.parent / target).resolve() if target else path
            if resolved.is_dir():
                resolved = resolved / "index.html"
            where = f"{path.relative_to(book.resolve())}: `{link}`"
            if book.resolve() not in resolved.parents and resolved != book.resolve():
                broken.append(f"{where} leaves the book")
            elif not resolved.exists():
                broken.append(f"{where} names no file of the book")
            elif fragment and resolved.suffix == ".html":
                ids = pages[resolved].ids if resolved in pages else parse(resolved).ids
                if urllib.parse.unquote(fragment) not in ids:
                    broken.append(f"{where}: `{resolved.name}` has no anchor `#{fragment}`")
    return broken


def github_anchor(heading):
    """The anchor GitHub gives a Markdown heading."""
    text = re.sub(r"`([^`]*)`", r"\1", heading.strip())
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = text.lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def markdown_anchors(path):
    anchors, seen = set(), {}
    in_code = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and line.startswith("#"):
            anchor = github_anchor(line.lstrip("#"))
            count = seen.get(anchor, 0)
            seen[anchor] = count + 1
            anchors.add(anchor if count == 0 else f"{anchor}-{count}")
    return anchors


def markdown_links(text):
    """The targets of the inline links outside code blocks and code spans."""
    links, in_code = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            continue
        line = re.sub(r"`[^`]*`", "", line)
        links.extend(re.findall(r"\]\(([^)\s]+)\)", line))
    return links


def check_markdown(path, root):
    broken = []
    for link in markdown_links(path.read_text(encoding="utf-8")):
        if link.startswith(SKIPPED_SCHEMES):
            continue
        target, _, fragment = link.partition("#")
        resolved = (path.parent / urllib.parse.unquote(target)).resolve() if target else path.resolve()
        where = f"{path}: `{link}`"
        if not resolved.exists():
            broken.append(f"{where} names no file")
        elif root not in resolved.parents and resolved != root:
            broken.append(f"{where} leaves the repository")
        elif fragment and resolved.suffix == ".md" and fragment not in markdown_anchors(resolved):
            broken.append(f"{where}: `{resolved.name}` has no heading for `#{fragment}`")
    return broken


def main(arguments):
    if not arguments:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    book = pathlib.Path(arguments[0])
    root = pathlib.Path(__file__).resolve().parent.parent
    broken = check_book(book)
    for markdown in arguments[1:]:
        broken.extend(check_markdown(pathlib.Path(markdown), root))
    for problem in broken:
        print(f"docs: broken link: {problem}")
    if broken:
        return 1
    pages = len(list(book.rglob("*.html")))
    print(f"docs: every link of {pages} pages and {len(arguments) - 1} Markdown files resolves")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
