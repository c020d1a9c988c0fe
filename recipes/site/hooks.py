"""MkDocs hooks that execute the bilingual tutorials and make their pages light and offline.

``docs/hooks.py`` re-exports these functions; ``mkdocs.yml`` lists it under ``hooks:``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from pathlib import Path

import mkdocs.utils
import nbformat
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.pages import Page

from recipes.catalog import TOPICS, find_recipes
from recipes.site.notebooks import (
    LANGUAGES,
    Tutorial,
    build_language_notebook,
    execute_tutorial,
)
from recipes.standalone import standalone_source

__all__ = ["on_config", "on_post_page"]

log = logging.getLogger("mkdocs.hooks.tutorials")

# mkdocs-static-i18n rebuilds the file list from scratch and only keeps pages whose extension MkDocs
# calls Markdown; anything else becomes a raw download (mkdocs-static-i18n issue #198). Declaring
# notebooks as documentation pages lets the i18n plugin localise them like any other page, and
# mkdocs-jupyter still renders them because it recognises pages by their source path.
if ".ipynb" not in mkdocs.utils.markdown_extensions:
    mkdocs.utils.markdown_extensions = (*mkdocs.utils.markdown_extensions, ".ipynb")

_REFERENCE_TITLE = {"en": "API reference: `recipes.{topic}`", "zh": "API 参考：`recipes.{topic}`"}
_REFERENCE_INTRO = {
    "en": "Every recipe of this module with its doctested examples. "
    "Copy them with `torch-recipes copy {topic} {topic}.py`.",
    "zh": "本模块的全部 recipe 及其经过 doctest 检验的示例（文档字符串保持英文）。"
    "用 `torch-recipes copy {topic} {topic}.py` 复制到你的项目。",
}
_STYLE_BLOCK = re.compile(r"<style[^>]*>(.*?)</style>", re.S)
_SCRIPT_BLOCK = re.compile(r"<script\b[^>]*>.*?</script>", re.S)
# The notebook template loads MathJax with an empty src (a request for the page itself, which then
# fails to parse as JavaScript) and imports Mermaid from a CDN. Tutorials use neither, and the site
# must not contact other hosts, so those scripts are dropped.
_UNWANTED_SCRIPT = re.compile(r'src=""|mathjax|mermaid', re.I)


def _write_if_changed(path: Path, text: str) -> None:
    """Rewrite generated files only when they change, so `mkdocs serve` does not loop."""
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _cache_dir(config: MkDocsConfig) -> Path:
    """Where executed tutorials are cached; tests point TORCH_RECIPES_CACHE elsewhere."""
    default = Path(config.config_file_path).parent / ".cache" / "tutorials"
    return Path(os.environ.get("TORCH_RECIPES_CACHE", default))


def _build_tutorial(path: Path, docs_dir: Path, cache_dir: Path) -> None:
    tutorial = Tutorial.read(path)
    where = path.relative_to(docs_dir.parent)
    for problem in tutorial.language_problems():
        log.error(f"{where}: {problem}")
    execution = execute_tutorial(tutorial, cache_dir)
    for index, result in execution.failures():
        error = result.get("error", {})
        log.error(
            f"{where}:{tutorial.code_line(index)}: code cell {index + 1} of tutorial "
            f"'{tutorial.name}' {result['status']}: {error.get('ename')}: {error.get('evalue')}"
        )
    for index, result in enumerate(execution.results):
        for output in result["outputs"]:
            text = output.get("text", "")
            if output.get("name") == "stderr" and "missing from font" in text:
                log.warning(
                    f"{where}:{tutorial.code_line(index)}: a plot lacks glyphs "
                    f"(install fonts-noto-cjk): {text.strip().splitlines()[0]}"
                )
    state = "cached" if execution.from_cache else "executed"
    log.info(f"tutorial {tutorial.name}: {len(execution.results)} code cells {state}")
    for lang in LANGUAGES:
        notebook = build_language_notebook(
            tutorial, execution, lang, downloads_prefix="../../downloads/"
        )
        _write_if_changed(path.with_name(f"{path.stem}.{lang}.ipynb"), nbformat.writes(notebook))


def _build_downloads(docs_dir: Path) -> None:
    for topic in TOPICS:
        source = standalone_source(find_recipes(topic))
        _write_if_changed(docs_dir / "downloads" / f"{topic}.py", source)


def _build_reference(docs_dir: Path) -> None:
    for topic in TOPICS:
        for lang in LANGUAGES:
            page = (
                f"# {_REFERENCE_TITLE[lang].format(topic=topic)}\n\n"
                f"{_REFERENCE_INTRO[lang].format(topic=topic)}\n\n"
                f"::: recipes.{topic}\n"
            )
            _write_if_changed(docs_dir / "reference" / f"{topic}.{lang}.md", page)


@event_priority(100)
def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Execute every tutorial (or take it from the cache) and write the generated pages."""
    docs_dir = Path(config.docs_dir)
    cache_dir = _cache_dir(config)
    _build_downloads(docs_dir)
    _build_reference(docs_dir)
    for path in sorted((docs_dir / "tutorials").glob("*.py")):
        _build_tutorial(path, docs_dir, cache_dir)
    return config


def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    """Keep notebook pages light and offline: shared stylesheet, no CDN or MathJax scripts."""
    if not page.file.src_uri.endswith(".ipynb"):
        return output
    output = _SCRIPT_BLOCK.sub(
        lambda m: "" if _UNWANTED_SCRIPT.search(m.group(0)) else m.group(0), output
    )
    styles = _STYLE_BLOCK.findall(output)
    if not styles:
        return output
    css = "\n".join(styles)
    name = f"assets/notebook-{hashlib.sha256(css.encode()).hexdigest()[:12]}.css"
    target = Path(config.site_dir) / name
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(css, encoding="utf-8")
    href = "../" * page.file.dest_uri.count("/") + name
    output = _STYLE_BLOCK.sub("", output)
    return output.replace("</head>", f'<link rel="stylesheet" href="{href}">\n</head>', 1)
