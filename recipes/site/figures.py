"""Move a notebook page's inlined plot images into files next to the page.

nbconvert inlines every image output as a base64 ``data:`` URL, a third larger than the PNG and
downloaded again with every visit, so plots made up most of a tutorial page's weight. Each image is
written once to ``<page dir>/<sha256 prefix>.png`` (named by content, so an unchanged plot keeps
its name and the browser's cached copy) and the ``<img>`` points there, with an alt text in the
page's language where nbconvert gives none or only its English placeholder.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from pathlib import Path

__all__ = ["write_inline_images"]

# nbconvert's `data_png` block writes `<img src="data:image/png;base64,..."` followed by optional
# width/height/class attributes on their own lines; only that shape is rewritten, so the rest of
# the page stays byte for byte as Material and mkdocs-jupyter made it.
_INLINE_PNG = re.compile(
    r'<img\b(?P<before>[^>]*?)\ssrc="data:image/png;base64,(?P<data>[A-Za-z0-9+/=\s]+)"'
    r"(?P<after>[^>]*)>"
)
_PAGE_LANG = re.compile(r'<html\b[^>]*\blang="([^"]+)"')
# nbconvert gives every image that has no alt text this placeholder, in English on every page; it
# describes nothing, so it is replaced like a missing one.
_PLACEHOLDER_ALT = re.compile(r'\s*\balt="No description has been provided for this image"')
_ALT_TEXT = {
    "en": "Plot drawn by the code cell above",
    "zh": "上方代码单元绘制的图",
}


def write_inline_images(page_html: str, page_file: Path) -> str:
    """Write the page's inline PNG images next to ``page_file``; return the HTML pointing to them.

    ``page_file`` is where the page itself is written in the site directory; its folder is created
    when missing, since MkDocs writes the page only after its post-page hooks ran.
    """
    lang = _PAGE_LANG.search(page_html)
    alt = _ALT_TEXT.get(lang.group(1) if lang else "", _ALT_TEXT["en"])

    def to_file(match: re.Match[str]) -> str:
        png = base64.b64decode(match.group("data"))
        name = f"{hashlib.sha256(png).hexdigest()[:16]}.png"
        target = page_file.parent / name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(png)
        before = _PLACEHOLDER_ALT.sub("", match.group("before"))
        after = _PLACEHOLDER_ALT.sub("", match.group("after"))
        alt_attribute = "" if re.search(r"\balt=", before + after) else f' alt="{html.escape(alt)}"'
        return f'<img{before} src="{name}"{alt_attribute}{after}>'

    return _INLINE_PNG.sub(to_file, page_html)
