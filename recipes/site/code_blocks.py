"""Turn a notebook page's code cells into Material's own code blocks.

mkdocs-jupyter's template gives every code cell a copy button of its own: a custom element with two
inline SVG icons, a hidden second copy of the cell's source for it to copy, and a script defining
the element. On a long tutorial that came to a fifth of the page. Material already puts a copy
button on every ``pre > code`` block (``content.code.copy`` in mkdocs.yml), so the template's
buttons and source copies are dropped and each highlighted ``<pre>`` gets the ``<code>`` element
Material looks for. The block also gets Material's ``highlight`` class and the notebook
stylesheet loses its own token colours (:func:`without_notebook_token_colours`), so code is
coloured by Material's palette, light and dark, like every other code block of the site.
"""

from __future__ import annotations

import re

import tinycss2

__all__ = ["use_material_code_blocks", "without_notebook_token_colours"]

# The shapes below are what mkdocs-jupyter's notebook.html.j2 template renders, as they reach
# on_post_page; only they are rewritten, so the rest of the page stays as the template made it.
_COPY_BUTTON = re.compile(
    r'<div class="zeroclipboard-container">.*?</clipboard-copy>\s*</div>\s*', re.S
)
# Patterns start with a literal and spell "anything up to </pre>" as runs of [^<]: the regex engine
# then skips to candidates instead of trying every position of a 700 kB page, which made these
# substitutions a tenth of a rebuild.
_SOURCE_COPY = re.compile(r'<div class="clipboard-copy-txt" id="cell-\d+">[^<]*</div>')
_HIGHLIGHTED = re.compile(
    r'<div class="highlight-ipynb (?P<classes>[^"]*)"><pre>'
    r"(?P<code>[^<]*(?:<(?!/pre>)[^<]*)*)</pre>"
)
# The class mkdocs-jupyter gives highlighted cells; nbconvert's token colours are scoped to it.
NOTEBOOK_HIGHLIGHT = "highlight-ipynb"


def use_material_code_blocks(page_html: str) -> str:
    """Replace the template's per-cell copy buttons with Material's code blocks (see module doc).

    Each ``<pre>`` gets an id of its own: Material names a block's copy target after the nearest
    element with an id, and the nearest one here, the cell's ``id="cell-id=..."``, is no valid CSS
    selector, so the button would copy nothing.
    """
    # Each source copy goes with the whitespace before it.
    pieces = _SOURCE_COPY.split(_COPY_BUTTON.sub("", page_html))
    page_html = "".join([piece.rstrip() for piece in pieces[:-1]] + pieces[-1:])
    count = 0

    def to_material(match: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return (
            f'<div class="{NOTEBOOK_HIGHLIGHT} {match.group("classes")} highlight">'
            f'<pre id="cell-code-{count}"><code>{match.group("code")}</code></pre>'
        )

    return _HIGHLIGHTED.sub(to_material, page_html)


def without_notebook_token_colours(css: str) -> str:
    """Drop the notebook stylesheet's rules for highlighted tokens (``.highlight-ipynb .k`` ...).

    They come after Material's stylesheet, so with the same specificity they would win over
    Material's ``.highlight .k`` rules. Rules that lay the block out are kept; what does not parse
    as CSS (browsers skip it too) is left out.
    """
    rules = tinycss2.parse_stylesheet(css)
    kept = [rule for rule in rules if rule.type != "error" and not _colours_tokens(rule)]
    return tinycss2.serialize(kept)


def _colours_tokens(rule) -> bool:
    """Whether ``rule`` is nbconvert's Pygments rule for the block or one of its tokens."""
    if rule.type != "qualified-rule":
        return False
    selector = tinycss2.serialize(rule.prelude).strip()
    return re.fullmatch(rf"\.{NOTEBOOK_HIGHLIGHT}(\s+\.[\w-]+)*", selector) is not None
