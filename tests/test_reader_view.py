"""The tutorial pages as a reader gets them: code that fits the column, plots in the reader's
language drawn in one run, and pages light enough for a phone.

The site tests inspect the session's one strict build (``built_site`` in conftest); the unit tests
at the top need no build.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections import Counter
from pathlib import Path

import jupytext
import nbformat
import pytest
from bs4 import BeautifulSoup
from wcwidth import wcwidth

from recipes.site.code_blocks import use_material_code_blocks, without_notebook_token_colours
from recipes.site.figures import write_inline_images
from recipes.site.notebooks import Execution, Tutorial, build_language_notebook
from tests.conftest import ROOT, parsed_page

TUTORIALS = sorted(path.stem for path in (ROOT / "docs" / "tutorials").glob("*.py"))
PREFIX = {"en": "", "zh": "zh/"}
PAGES = [(lang, name) for name in TUTORIALS for lang in PREFIX]
PLOTTING = [
    name
    for name in TUTORIALS
    if "plt.subplots(" in (ROOT / "docs" / "tutorials" / f"{name}.py").read_text("utf-8")
]
# Monospace characters that fit at Material's default desktop layout (1280 px window, both
# sidebars shown): a code cell, a Material code block in its 11 px code font, shows 78 characters
# (524 px at 6.65 px each), so the tutorials' code, formatted at 70 columns, fits with room to spare;
# an output shows 73 (579 px of 13 px monospace at 7.83 px each). test_browser.py measures the real
# boxes and fails if they hold fewer.
CODE_COLUMN = 70
OUTPUT_COLUMN = 73
# A printed tensor wrapped by the browser splits its numbers; messages may wrap (the output area
# wraps long lines, which test_browser.py checks: nothing on a page scrolls sideways), including
# messages that name a call such as `torch.tensor(x)`.
TENSOR_LINE = re.compile(r"(?<![\w.])tensor\(|^\s*\[")
PAGE_BYTES = 150_000
HAN = re.compile(r"[\u3400-\u9fff]")
PNG = b"\x89PNG\r\n\x1a\n"


def columns(line: str) -> int:
    """How many monospace cells ``line`` takes: CJK characters take two, tabs stop every 8."""
    return sum(max(wcwidth(ch), 0) for ch in line.expandtabs(8))


def tutorial_page(site: Path, lang: str, name: str) -> Path:
    return site / PREFIX[lang] / "tutorials" / name / "index.html"



def language_notebook(site: Path, lang: str, name: str) -> nbformat.NotebookNode:
    """The notebook the page offers for download (the provenance box's first link)."""
    page = tutorial_page(site, lang, name)
    link = parsed_page(page).select_one(".tutorial-provenance a[href$='.ipynb']")
    assert link is not None, f"{page} offers no notebook"
    return nbformat.read(page.parent / link["href"], as_version=4)


def figures(notebook: nbformat.NotebookNode) -> list[tuple[int, dict]]:
    """``(code cell number, output)`` for every image output of ``notebook``."""
    cells = [c for c in notebook.cells if c.cell_type == "code"]
    return [
        (number, out)
        for number, cell in enumerate(cells)
        for out in cell.outputs
        if "image/png" in out.get("data", {})
    ]


# --- without a build ---------------------------------------------------------------------------


def test_inline_png_becomes_a_file_named_by_its_content(tmp_path: Path) -> None:
    png = PNG + b"plot bytes"
    data = base64.b64encode(png).decode()
    page = (
        '<html lang="zh"><body><div class="jp-RenderedImage">'
        f'<img src="data:image/png;base64,{data}"\nclass="\n"\n></div>'
        f'<img alt="kept" src="data:image/png;base64,{data}">'
        '<img alt="No description has been provided for this image" class=""'
        f' src="data:image/png;base64,{data}"/></body></html>'
    )
    page_file = tmp_path / "tutorials" / "x" / "index.html"
    out = write_inline_images(page, page_file)
    name = f"{hashlib.sha256(png).hexdigest()[:16]}.png"
    assert (page_file.parent / name).read_bytes() == png
    assert "data:image" not in out
    images = BeautifulSoup(out, "html.parser").select("img")
    assert [img["src"] for img in images] == [name, name, name]
    assert HAN.search(images[0]["alt"]), "the alt text is not in the page's language"
    assert images[1]["alt"] == "kept"
    assert images[2]["alt"] == images[0]["alt"], "nbconvert's English placeholder was kept"
    assert write_inline_images(out, page_file) == out


# A code cell as mkdocs-jupyter's template renders it, by the time on_post_page sees it.
TEMPLATE_CELL = """<div class="jp-Cell jp-CodeCell jp-Notebook-cell" id="cell-id=cell-2">
<div class="CodeMirror cm-s-jupyter">
<div class="zeroclipboard-container">
<clipboard-copy ,="" aria-label="Copy to Clipboard" for="cell-{n}">
<div><span class="notice" hidden="">Copied!</span><svg><path d="M0 6"></path></svg></div>
</clipboard-copy>
</div>
<div class="highlight-ipynb hl-python"><pre><span></span><span class="n">x</span> <span
class="o">=</span>
</pre></div>
<div class="clipboard-copy-txt" id="cell-{n}">x = 1</div>
</div></div>"""


def test_code_cells_become_material_code_blocks() -> None:
    page = "<html><body>" + TEMPLATE_CELL.format(n=1) + TEMPLATE_CELL.format(n=2) + "</body></html>"
    html = BeautifulSoup(use_material_code_blocks(page), "html.parser")
    assert not html.select("clipboard-copy, .zeroclipboard-container, .clipboard-copy-txt")
    blocks = html.select("div.highlight > pre > code")
    assert len(blocks) == 2
    assert [b.get_text() for b in blocks] == ["x =\n", "x =\n"]
    # Material names each block's copy target after the nearest id: it must be a valid selector.
    ids = [code.parent["id"] for code in blocks]
    assert len(set(ids)) == 2 and all(re.fullmatch(r"[A-Za-z][\w-]*", i) for i in ids), ids
    assert all("highlight-ipynb" in b.parent.parent["class"] for b in blocks)
    # Each hidden source copy goes with the line break before it, and nothing else does.
    one = use_material_code_blocks(TEMPLATE_CELL.format(n=1))
    assert one.endswith("</pre></div>\n</div></div>"), one


def test_notebook_token_colours_give_way_to_materials() -> None:
    css = (
        ".highlight-ipynb .k { color: var(--jp-mirror-editor-keyword-color); font-weight: bold }\n"
        ".highlight-ipynb { background: var(--jp-cell-editor-background) }\n"
        ".jupyter-wrapper .highlight-ipynb pre{margin:0;padding:5px 10px}\n"
        ".jp-OutputArea-output pre{line-height:inherit}\n"
        "['\\n.highlight-ipynb .o { color: red }']"
    )
    kept = without_notebook_token_colours(css)
    assert "keyword-color" not in kept and "cell-editor-background" not in kept
    assert ".jupyter-wrapper .highlight-ipynb pre{margin:0;padding:5px 10px}" in kept
    assert ".jp-OutputArea-output pre{line-height:inherit}" in kept
    assert "red" not in kept, "text that is no CSS (a Python list's repr) was kept"


def _execution(outputs: list[dict]) -> tuple[Tutorial, Execution]:
    source = '# %% [markdown] lang="en"\n# # T\n# %% [markdown] lang="zh"\n# # 题\n# %%\nx = 1\n'
    tutorial = Tutorial(Path("t.py"), jupytext.reads(source, fmt="py:percent"))
    results = [{"status": "ok", "outputs": outputs, "seconds": 0.0}]
    provenance = dict.fromkeys(("torch", "python", "numpy", "device", "date"), "?")
    return tutorial, Execution("key", results, provenance)


def _figure(lang: str | None) -> dict:
    return {
        "output_type": "display_data",
        "data": {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"},
        "metadata": {"lang": lang} if lang else {},
    }


def test_each_language_notebook_keeps_only_its_own_figures() -> None:
    stream = {"output_type": "stream", "name": "stdout", "text": "shared\n"}
    tutorial, execution = _execution([stream, _figure("en"), _figure("zh"), _figure(None)])
    for lang in ("en", "zh"):
        notebook = build_language_notebook(tutorial, execution, lang, downloads_prefix="")
        (cell,) = [c for c in notebook.cells if c.cell_type == "code"]
        tags = [out.get("metadata", {}).get("lang") for out in cell.outputs]
        assert tags == [None, lang, None], tags


def test_an_unknown_language_tag_is_refused_with_what_was_expected() -> None:
    tutorial, execution = _execution([_figure("fr")])
    with pytest.raises(ValueError, match=r"code cell 1 of tutorial 't'.*\('en', 'zh'\).*'fr'"):
        build_language_notebook(tutorial, execution, "en", downloads_prefix="")


def test_a_language_notebook_with_an_output_no_notebook_can_hold_is_refused() -> None:
    stream = {"output_type": "stream", "name": "stdout", "text": "x\n", "colour": "red"}
    tutorial, execution = _execution([stream])
    with pytest.raises(nbformat.ValidationError):
        build_language_notebook(tutorial, execution, "en", downloads_prefix="")


def test_each_read_of_a_tutorial_gets_a_notebook_of_its_own(tmp_path: Path) -> None:
    path = tmp_path / "t.py"
    path.write_text('# %% [markdown] lang="en"\n# # T\n# %%\nx = 1\n', encoding="utf-8")
    first, second = Tutorial.read(path), Tutorial.read(path)
    def cells(notebook: nbformat.NotebookNode) -> list[tuple]:  # ids are random: not compared
        return [(c.cell_type, c.source, c.metadata) for c in notebook.cells]

    fresh = jupytext.read(path, fmt="py:percent")
    assert cells(first.notebook) == cells(fresh) and first.notebook.metadata == fresh.metadata
    first.notebook.cells[1].source = "changed"
    assert second.notebook.cells[1].source == "x = 1"
    path.write_text(path.read_text(encoding="utf-8") + "y = 2\n", encoding="utf-8")
    assert Tutorial.read(path).code_cells == ["x = 1\ny = 2"], "an edited source was not read again"


# --- the built site ----------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(("lang", "name"), PAGES)
def test_code_and_outputs_fit_the_column(built_site, lang: str, name: str) -> None:
    html = parsed_page(tutorial_page(built_site.site, lang, name))
    code = html.select(".jp-InputArea-editor pre")
    assert code, "no code cells found on the page"
    lines = [("code", CODE_COLUMN, line) for pre in code for line in pre.get_text().splitlines()]
    lines += [
        ("tensor output", OUTPUT_COLUMN, line)
        for pre in html.select(".jp-OutputArea-output pre")
        for line in pre.get_text().splitlines()
        if TENSOR_LINE.search(line)
    ]
    wide = [
        f"{kind} ({columns(line)} > {limit}): {line}"
        for kind, limit, line in lines
        if columns(line) > limit
    ]
    assert not wide, f"{len(wide)} lines are wider than the column:\n" + "\n".join(wide)


@pytest.mark.slow
def test_every_tutorial_page_is_light(built_site) -> None:
    sizes = {
        f"{lang}/{name}": tutorial_page(built_site.site, lang, name).stat().st_size
        for lang, name in PAGES
    }
    heavy = {page: size for page, size in sizes.items() if size > PAGE_BYTES}
    assert not heavy, f"pages over {PAGE_BYTES:,} bytes: {heavy}"
    print(f"\nlargest tutorial page: {max(sizes, key=sizes.get)}, {max(sizes.values()):,} bytes")


@pytest.mark.slow
@pytest.mark.parametrize(("lang", "name"), PAGES)
def test_plots_are_files_next_to_the_page(built_site, lang: str, name: str) -> None:
    page = tutorial_page(built_site.site, lang, name)
    assert "data:image" not in page.read_text(encoding="utf-8")
    images = parsed_page(page).select(".jp-OutputArea-output img")
    assert len(images) == len(figures(language_notebook(built_site.site, lang, name)))
    for img in images:
        png = (page.parent / img["src"]).read_bytes()
        assert png.startswith(PNG), f"{img['src']} is not a PNG"
        assert img["src"] == f"{hashlib.sha256(png).hexdigest()[:16]}.png"
        assert img.get("alt"), f"{img['src']} has no alt text"
        assert bool(HAN.search(img["alt"])) == (lang == "zh"), f"alt not in {lang}: {img['alt']}"


@pytest.mark.slow
@pytest.mark.parametrize("name", PLOTTING)
def test_plots_are_drawn_once_per_language_in_one_run(built_site, name: str) -> None:
    (ledger_file,) = built_site.cache.rglob("executions.jsonl")
    ledger = ledger_file.read_text(encoding="utf-8").splitlines()
    runs = Counter(json.loads(line)["tutorial"] for line in ledger)
    assert runs[name] == 1, f"{name} was executed {runs[name]} times"
    shown = {lang: figures(language_notebook(built_site.site, lang, name)) for lang in PREFIX}
    assert shown["en"], f"{name} has plotting code but its page shows no figure"
    for lang, outputs in shown.items():
        tags = {out.get("metadata", {}).get("lang") for _, out in outputs}
        assert tags == {lang}, f"the {lang} notebook shows figures tagged {tags}"
    # The same cells drew both languages' figures, one each, and the pictures differ (their labels).
    assert [cell for cell, _ in shown["en"]] == [cell for cell, _ in shown["zh"]]
    for (_, en), (_, zh) in zip(shown["en"], shown["zh"]):
        assert en["data"]["image/png"] != zh["data"]["image/png"]
