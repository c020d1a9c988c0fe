"""MkDocs hooks that execute the bilingual tutorials and make their pages light and offline.

``docs/hooks.py`` re-exports these functions; ``mkdocs.yml`` lists it under ``hooks:``.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path

import jieba
import jinja2
import mkdocs.utils
import nbformat
import tinycss2
from material.plugins.search.plugin import SearchIndex
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc
from mkdocs_jupyter.plugin import _compute_cache_key, _get_cache_path
from mkdocstrings_handlers.python import PythonHandler

from recipes.catalog import TOPICS, topic_recipes_unimported
from recipes.files import cached_json, hash_files, write_atomically
from recipes.site import prerender
from recipes.site.code_blocks import use_material_code_blocks, without_notebook_token_colours
from recipes.site.figures import write_inline_images
from recipes.site.notebooks import (
    LANGUAGES,
    Execution,
    Tutorial,
    build_language_notebook,
    cell_problems,
    execute_tutorial,
)
from recipes.site.reference import collect_loaded_once, render_cached
from recipes.site.staging import stage_docs
from recipes.standalone import standalone_source

__all__ = [
    "on_config",
    "on_env",
    "on_page_content",
    "on_page_markdown",
    "on_post_build",
    "on_post_page",
    "on_pre_page",
    "on_serve",
]

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
    "zh": "本模块的全部工具函数及其经过 doctest 检验的示例（文档字符串保持英文）。"
    "用 `torch-recipes copy {topic} {topic}.py` 复制到你的项目。",
}
_BENCHMARKS_INTRO = {
    "en": "# Benchmarks\n\nSpeed is measured by the scripts in `benchmarks/`, never by timed tests. "
    "`make bench` runs them all; each prints ratios against a baseline measured in the same run. "
    "Below is what each printed the last time it was run and committed "
    "(the first line says when and where).\n",
    "zh": "# 基准测试\n\n速度由 `benchmarks/` 中的脚本测量，而不是靠计时的测试。"
    "`make bench` 会运行全部脚本；每个脚本都打印与同一次运行中测得的基线之比。"
    "下面是各脚本最近一次运行并提交的原始输出（第一行注明了时间和环境）。\n",
}
_BENCHMARKS_NONE = {
    "en": "No results have been recorded yet: run `make bench`.",
    "zh": "尚未记录任何结果：请运行 `make bench`。",
}
_HEADING = re.compile(r'<h([1-6])[^>]*?\bid="([^"]*)"[^>]*>(.*?)</h\1>', re.S)
# The i18n plugin points each page's <link rel="alternate" hreflang> at that same page in the other
# language, but Material's script treats those links as language roots and fetches
# "<link>/sitemap.xml" from each, a 404 in the console on every page. The visible language switcher
# already links page to page, so the head links are dropped.
_ALTERNATE_LINK = re.compile(r'<link rel="alternate"[^>]*\bhreflang="[^"]*"[^>]*>\n?')
# Runs of [^<] up to </style>: as fast as a literal search on pages of hundreds of kB.
_STYLE_BLOCK = re.compile(r"<style[^>]*>([^<]*(?:<(?!/style>)[^<]*)*)</style>")
_SCRIPT_BLOCK = re.compile(r"<script\b[^>]*>.*?</script>", re.S)
# The notebook template loads MathJax with an empty src (a request for the page itself, which then
# fails to parse as JavaScript) and imports Mermaid from a CDN. Tutorials use neither, and the site
# must not contact other hosts, so those scripts are dropped, as is the template's copy-button
# element, replaced by Material's (see recipes.site.code_blocks).
_UNWANTED_SCRIPT = re.compile(r'src=""|mathjax|mermaid|clipboard-copy', re.I)


def _build_root(config: MkDocsConfig) -> Path:
    """Where the build keeps executed tutorials and the staged docs folder (never in ``docs/``);
    tests point TORCH_RECIPES_CACHE at a folder of their own."""
    default = Path(config.config_file_path).parent / ".cache"
    return Path(os.environ.get("TORCH_RECIPES_CACHE", default))


def build_jobs() -> int:
    """How many tutorials execute at once: TORCH_RECIPES_JOBS, or one per core."""
    text = os.environ.get("TORCH_RECIPES_JOBS", "")
    if not text:
        return os.cpu_count() or 1
    if not text.isdigit() or int(text) < 1:
        raise PluginError(f"TORCH_RECIPES_JOBS must be a whole number of at least 1, got {text!r}")
    return int(text)


# Tutorials run side by side, one kernel each, so each kernel gets one thread: more would only
# oversubscribe the cores, and one thread also makes reductions add up in the same order on
# every machine.
KERNEL_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _report(tutorial: Tutorial, where: Path, execution: Execution) -> None:
    """Log a tutorial's failures, broken promises and font problems, with file and line."""
    for problem in tutorial.language_problems():
        log.error(f"{where}: {problem}")
    for index, result in execution.failures():
        error = result.get("error", {})
        log.error(
            f"{where}:{tutorial.code_line(index)}: code cell {index + 1} of tutorial "
            f"'{tutorial.name}' {result['status']}: {error.get('ename')}: {error.get('evalue')}"
        )
    for index, problem in cell_problems(tutorial, execution):
        log.error(
            f"{where}:{tutorial.code_line(index)}: code cell {index + 1} of tutorial "
            f"'{tutorial.name}' {problem}"
        )
    for index, result in enumerate(execution.results):
        for output in result["outputs"]:
            text = output.get("text", "")
            if output.get("name") == "stderr" and "missing from font" in text:
                log.warning(
                    f"{where}:{tutorial.code_line(index)}: a plot draws characters its fonts "
                    f"lack (is fonts-noto-cjk installed?): {text.strip().splitlines()[-1]}"
                )
    state = "cached" if execution.from_cache else "executed"
    log.info(f"tutorial {tutorial.name}: {len(execution.results)} code cells {state}")


def _tutorial_pages(docs_dir: Path, cache_dir: Path, parsed: Path) -> dict[str, str]:
    """Execute the tutorials (in parallel, or from the cache) and return each language's notebook.

    Logs come after all runs, in file order, so a build's log does not depend on which kernel
    finished first.
    """
    tutorials = [Tutorial.read(path, parsed)
                 for path in sorted((docs_dir / "tutorials").glob("*.py"))]
    with ThreadPoolExecutor(max_workers=max(1, min(build_jobs(), len(tutorials)))) as pool:
        executions = list(
            pool.map(lambda t: execute_tutorial(t, cache_dir, env=KERNEL_ENV), tutorials)
        )
    pages = {}
    for tutorial, execution in zip(tutorials, executions):
        _report(tutorial, tutorial.path.relative_to(docs_dir.parent), execution)
        for lang in LANGUAGES:
            # Downloads are language-neutral and exist once, at the site root.
            prefix = "../../downloads/" if lang == LANGUAGES[0] else "../../../downloads/"
            notebook = build_language_notebook(tutorial, execution, lang, downloads_prefix=prefix)
            pages[f"tutorials/{tutorial.name}.{lang}.ipynb"] = nbformat.writes(notebook)
    return pages


def _download_pages(cache_dir: Path) -> dict[str, str]:
    package = Path(__file__).resolve().parents[1]
    sources = hash_files(hashlib.sha256(), sorted(package.glob("*.py"))).hexdigest()
    return dict(_downloads(cache_dir / f"{sources[:32]}.json"))


@functools.lru_cache(maxsize=1)
def _downloads(entry: Path) -> tuple[tuple[str, str], ...]:
    """The standalone file of each topic, made once per version of the recipe modules (``entry``
    is named by their hash): every build and each `mkdocs serve` rebuild asks, and making them
    takes about half a second."""
    made = cached_json(entry, lambda: [
        (f"downloads/{topic}.py", standalone_source(topic_recipes_unimported(topic)))
        for topic in TOPICS
    ])
    return tuple((name, source) for name, source in made)


def _reference_pages() -> dict[str, str]:
    return {
        f"reference/{topic}.{lang}.md": (
            f"# {_REFERENCE_TITLE[lang].format(topic=topic)}\n\n"
            f"{_REFERENCE_INTRO[lang].format(topic=topic)}\n\n"
            f"::: recipes.{topic}\n"
        )
        for topic in TOPICS
        for lang in LANGUAGES
    }


def _benchmark_pages(project: Path) -> dict[str, str]:
    results = sorted((project / "benchmarks" / "results").glob("*.txt"))
    pages = {}
    for lang in LANGUAGES:
        sections = [
            f"## `{path.stem}.py`\n\n```text\n{path.read_text(encoding='utf-8').rstrip()}\n```\n"
            for path in results
        ] or [_BENCHMARKS_NONE[lang] + "\n"]
        pages[f"benchmarks.{lang}.md"] = _BENCHMARKS_INTRO[lang] + "\n" + "\n".join(sections)
    return pages


_generated_from: str | None = None
# Staging folder -> the docs folder it mirrors: the i18n plugin runs on_config again for each
# language with the config already pointing at the staging folder.
_staged: dict[str, Path] = {}


def _inputs_fingerprint(docs_dir: Path, root: Path) -> str:
    """Everything the generated pages depend on, so the second language's on_config and an
    unchanged `mkdocs serve` rebuild skip the work."""
    digest = hashlib.sha256(str(root).encode())
    sources = [
        *sorted((docs_dir / "tutorials").glob("*.py")),
        *sorted((docs_dir.parent / "benchmarks" / "results").glob("*.txt")),
        *sorted(Path(__file__).resolve().parents[1].rglob("*.py")),
    ]
    hash_files(digest, sources)
    for path in sorted(docs_dir.rglob("*")):
        digest.update(str(path).encode())
    return digest.hexdigest()


@event_priority(100)
def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Execute every tutorial (or take it from the cache), generate the other pages, and point
    MkDocs at the staged docs folder that holds them (see :mod:`recipes.site.staging`)."""
    global _generated_from
    docs_dir = _staged.get(config.docs_dir, Path(config.docs_dir))
    root = _build_root(config)
    staging = root / "docs"
    fingerprint = _inputs_fingerprint(docs_dir, root)
    if fingerprint != _generated_from:
        generated = {
            **_download_pages(root / "downloads"),
            # The API reference is generated for a site that renders it (tests' mini sites don't).
            **(_reference_pages() if "mkdocstrings" in config.plugins else {}),
            **_benchmark_pages(docs_dir.parent),
            **_tutorial_pages(docs_dir, root / "tutorials", root / "parsed"),
        }
        stage_docs(docs_dir, staging, generated)
        _generated_from = fingerprint
    _staged[str(staging)] = docs_dir
    config.docs_dir = str(staging)
    # mkdocs-jupyter keeps rendered notebooks in ./.cache/mkdocs-jupyter and, after each build,
    # deletes the entries that build did not use: builds with other docs (tests, benchmarks)
    # evicted the site's. Each build root gets its own.
    jupyter = config.plugins.get("mkdocs-jupyter")
    if jupyter is not None:
        jupyter.config["cache_dir"] = str(root / "mkdocs-jupyter")
        if jupyter.config["cache"] and not jupyter.config["execute"]:
            notebooks = [str(path) for lang in LANGUAGES
                         for path in sorted((staging / "tutorials").glob(f"*.{lang}.ipynb"))]
            prerender.start(jupyter, notebooks, functools.partial(_rendered, jupyter),
                            build_jobs())
    if "material/search" in config.plugins:
        _cached_method(SearchIndex, "add_entry_from_context", root / "search",
                       _search_entries_cached)
        _defer_user_dictionaries(jieba.dt)
        # jieba's module functions, which Material calls, are the default tokenizer's methods as
        # bound when jieba was imported: point them at the patched ones.
        jieba.load_userdict, jieba.initialize = jieba.dt.load_userdict, jieba.dt.initialize
    if "mkdocstrings" in config.plugins:
        _cached_method(PythonHandler, "render", root / "reference", render_cached)
        _cached_method(PythonHandler, "collect", root / "reference",
                       lambda original, _root: collect_loaded_once(original))
    # `mkdocs serve` would watch only docs_dir, now the staging folder: watch the sources (see
    # on_serve).
    if str(docs_dir) not in config.watch:
        config.watch.append(str(docs_dir))
    return config


def _rendered(jupyter, notebook: str) -> bool:
    """Whether mkdocs-jupyter's cache holds ``notebook`` rendered as it is now."""
    key = _compute_cache_key(notebook, jupyter.config, jupyter.config["execute"])
    return _get_cache_path(jupyter.config["cache_dir"], key).exists()


def on_pre_page(page: Page, config: MkDocsConfig, files: Files) -> Page:
    """Before MkDocs renders a notebook page, wait for its render in a worker (see
    :mod:`recipes.site.prerender`)."""
    if page.file.src_uri.endswith(".ipynb"):
        prerender.wait_for(page.file.abs_src_path)
    return page


UPDATE_DIFF_PLACEHOLDER = "<!-- update-diff-example -->"
_STALE_EXAMPLE = "examples/stale.md"


def _update_diff_example(docs_dir: Path, root: Path) -> str:
    """What `check --update --diff` prints for the stale example page, really run, and cached by
    the page, the checker's source and the torch version (a kernel run costs seconds)."""
    from recipes.checker.update import update_diff_example

    page = docs_dir / _STALE_EXAMPLE
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256(page.read_bytes())
    for source in [package / "runner.py", *sorted((package / "checker").rglob("*.py"))]:
        digest.update(source.read_bytes())
    digest.update(metadata.version("torch").encode())
    cached = root / "examples" / f"stale-{digest.hexdigest()[:20]}.diff"
    if not cached.exists():
        name = f"{docs_dir.name}/{_STALE_EXAMPLE}"
        write_atomically(cached, update_diff_example(page, name).rstrip("\n"))
    return cached.read_text(encoding="utf-8")


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Fill the checker page's `--update --diff` example with the diff the checker prints now."""
    if UPDATE_DIFF_PLACEHOLDER not in markdown:
        return markdown
    docs_dir = _staged.get(config.docs_dir, Path(config.docs_dir))
    diff = _update_diff_example(docs_dir, _build_root(config))
    return markdown.replace(UPDATE_DIFF_PLACEHOLDER, diff)


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Give a notebook page's headings working anchors and a table of contents built from them.

    nbconvert drops non-ASCII characters from heading ids, so a Chinese heading got ``id=""``, and
    mkdocs-jupyter derives the TOC from a separate Markdown conversion with other slugs (losing
    inline code in titles), so its links pointed nowhere. Ids are made here from the heading text,
    CJK kept, and the TOC is built from the rendered headings.
    """
    if not page.file.src_uri.endswith(".ipynb"):
        return html
    root: list[dict] = []
    stack: list[dict] = []
    used: set[str] = set()

    def anchor(match: re.Match[str]) -> str:
        level, old_id, inner = int(match.group(1)), match.group(2), match.group(3)
        title = re.sub(r"<[^>]+>", "", inner).replace("\u00b6", "").strip()
        new_id = old_id or re.sub(r"[^\w]+", "-", title.lower()).strip("-") or "section"
        base, n = new_id, 1
        while new_id in used:
            n += 1
            new_id = f"{base}_{n}"
        used.add(new_id)
        token = {"level": level, "id": new_id, "name": title, "children": []}
        while stack and stack[-1]["level"] >= level:
            stack.pop()
        (stack[-1]["children"] if stack else root).append(token)
        stack.append(token)
        inner = inner.replace(f'href="#{old_id}"', f'href="#{new_id}"', 1)
        return f'<h{level} id="{new_id}">{inner}</h{level}>'

    html = _HEADING.sub(anchor, html)
    page.toc = get_toc(root)
    return html


def _zh_search_base(output: str, page: Page) -> str:
    """Point a Chinese page's script base at the zh/ root, where its own search index lies."""
    prefix = f"{LANGUAGES[1]}/"
    if not page.file.dest_uri.startswith(prefix):
        return output
    depth = page.file.dest_uri[len(prefix) :].count("/")
    base = "/".join([".."] * depth) or "."
    return re.sub(r'("base": )"[^"]*"', lambda m: f'{m.group(1)}"{base}"', output, count=1)


def _notebook_css(styles: str, cache_dir: Path) -> str:
    """The notebook stylesheet without its token colours, kept by the stylesheet's hash.

    Every notebook page carries the same stylesheet (it changes only with mkdocs-jupyter's
    template), and parsing it takes seconds, so it is filtered once, not on every build.
    """
    digest = hashlib.sha256(f"tinycss2 {tinycss2.__version__}\n{styles}".encode())
    entry = cache_dir / f"{digest.hexdigest()[:32]}.css"
    if entry.is_file():
        return entry.read_text(encoding="utf-8")
    css = without_notebook_token_colours(styles)
    write_atomically(entry, css)
    return css


def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    """Keep pages quiet and notebook pages light and offline (shared stylesheet, no CDN scripts)."""
    output = _ALTERNATE_LINK.sub("", output)
    output = _zh_search_base(output, page)
    if not page.file.src_uri.endswith(".ipynb"):
        return output
    output = _SCRIPT_BLOCK.sub(
        lambda m: "" if _UNWANTED_SCRIPT.search(m.group(0)) else m.group(0), output
    )
    output = write_inline_images(output, Path(page.file.abs_dest_path))
    output = use_material_code_blocks(output)
    styles = _STYLE_BLOCK.findall(output)
    if not styles:
        return output
    css = _notebook_css("\n".join(styles), _build_root(config) / "notebook-css")
    name = f"assets/notebook-{hashlib.sha256(css.encode()).hexdigest()[:12]}.css"
    target = Path(config.site_dir) / name
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(css, encoding="utf-8")
    href = "../" * page.file.dest_uri.count("/") + name
    output = _STYLE_BLOCK.sub("", output)
    return output.replace("</head>", f'<link rel="stylesheet" href="{href}">\n</head>', 1)


def on_serve(server, config: MkDocsConfig, builder):
    """Watch what the site is made from, not the staging folder the build writes into.

    `mkdocs serve` watches ``docs_dir``, here the staging folder (see ``on_config``), so a
    rebuild that rewrote a generated notebook there started a second, useless rebuild after every
    edit. The sources are watched instead: ``docs/`` (added to ``config.watch`` by ``on_config``)
    and the recipe modules, which tutorials import and the API reference shows. Only the modules
    themselves: the kernels that import them write ``__pycache__`` below, which would start
    another rebuild.
    """
    with contextlib.suppress(KeyError):
        server.unwatch(config.docs_dir)
    server.watch(str(Path(__file__).resolve().parents[1]), recursive=False)
    return server


def on_env(env, config: MkDocsConfig, files: Files):
    """Keep compiled templates, and stop mkdocs-jupyter evicting the other language's notebooks.

    MkDocs makes a new Jinja environment for every build, and the i18n plugin runs one build per
    language, so Material's templates were compiled from source twice per build (a tenth of a
    rebuild). Jinja's own bytecode cache keeps the compiled code on disk: it checks each entry
    against the template's source and the Python version, and the folder is named after the
    Jinja version and the environment's syntax settings, the other inputs to compilation.

    The i18n plugin builds each language separately and mkdocs-jupyter, after each build, deletes
    every cache entry that build did not use, so English and Chinese evicted each other and every
    rebuild re-rendered all notebooks. Marking the entries of all current notebooks as used (after
    mkdocs-jupyter resets its list, before it evicts) keeps them; stale entries are still removed.
    """
    templates = _build_root(config) / "jinja" / _compile_settings(env)
    templates.mkdir(parents=True, exist_ok=True)
    env.bytecode_cache = jinja2.FileSystemBytecodeCache(str(templates))
    plugin = config.plugins.get("mkdocs-jupyter")
    if plugin is not None and plugin.config["cache"]:
        for notebook in (Path(config.docs_dir) / "tutorials").glob("*.ipynb"):
            key = _compute_cache_key(str(notebook), plugin.config, plugin.config["execute"])
            plugin._used_cache_paths.add(_get_cache_path(plugin.config["cache_dir"], key))
    return env


def _compile_settings(env) -> str:
    """A digest of what, besides a template's source, decides the code Jinja compiles it to."""
    autoescape = env.autoescape if isinstance(env.autoescape, bool) else (
        getattr(env.autoescape, "__qualname__", type(env.autoescape).__qualname__)
    )
    settings = [
        jinja2.__version__, sorted(env.extensions), env.block_start_string, env.block_end_string,
        env.variable_start_string, env.variable_end_string, env.comment_start_string,
        env.comment_end_string, env.line_statement_prefix, env.line_comment_prefix,
        env.trim_blocks, env.lstrip_blocks, env.newline_sequence, env.keep_trailing_newline,
        env.optimized, env.finalize is not None, env.is_async, autoescape,
        getattr(env, "newstyle_gettext", None),
    ]
    return hashlib.sha256(json.dumps(settings).encode()).hexdigest()[:16]


def _cached_method(owner: type, name: str, cache_dir: Path,
                  make: Callable[[Callable, Path], Callable]) -> None:
    """Replace ``owner.name`` with ``make(original, cache_dir)`` unless it already caches there.

    Several build roots in one process (tests, benchmarks) each wrap the library's own method,
    never an earlier wrapper.
    """
    current = getattr(owner, name)
    if getattr(current, "cache_dir", None) == cache_dir:
        return
    original = getattr(current, "original", current)
    wrapper = make(original, cache_dir)
    wrapper.cache_dir = cache_dir
    wrapper.original = original
    setattr(owner, name, wrapper)


def _search_entries_cached(original, cache_dir: Path):
    """Material's ``SearchIndex.add_entry_from_context``, remembering each page's entries on disk.

    Material's search plugin parses every page's HTML and segments its Chinese text with jieba on
    every build, about a third of a rebuild in which nothing changed. The entries a page yields
    depend only on its URL, HTML, title, metadata and table of contents, on the plugin's
    configuration and on the jieba dictionaries it names (their contents: editing the user
    dictionary changes how Chinese is cut), so they are stored under a hash of exactly those
    and replayed unchanged.
    """

    def add_entry_from_context(self, page):
        digest = hashlib.sha256()
        toc = [(item.id, item.url, item.title) for item in _walk_toc(page.toc)]
        for part in (page.url, page.content, page.title, page.meta, toc, self.config):
            digest.update(json.dumps(part, default=str, sort_keys=True).encode())
        for option in ("jieba_dict", "jieba_dict_user"):
            dictionary = Path(self.config.get(option) or "")
            if dictionary.is_file():
                digest.update(dictionary.read_bytes())
        entry_file = cache_dir / f"{digest.hexdigest()[:32]}.json"
        if entry_file.exists():
            self.entries.extend(json.loads(entry_file.read_text(encoding="utf-8")))
            return
        before = len(self.entries)
        original(self, page)
        write_atomically(entry_file, json.dumps(self.entries[before:], ensure_ascii=False))

    return add_entry_from_context


def _defer_user_dictionaries(tokenizer: jieba.Tokenizer) -> None:
    """Make ``tokenizer`` load a user dictionary when it first cuts text, not when it is named.

    Material's search plugin names its user dictionary in ``on_config``, and jieba's
    ``load_userdict`` first loads the main dictionary: 1.6 s on every build, also on one whose
    search entries all come from the cache (``_search_entries_cached``) and so cuts nothing.
    Safe because every cut first makes jieba load its main dictionary if it has not (through
    ``initialize``, which now also loads the waiting dictionaries, in the order named), so no word
    is cut without them; once jieba is loaded, a dictionary named again (a `mkdocs serve`
    rebuild) loads at once, as upstream. Patching twice changes nothing.
    """
    if hasattr(tokenizer, "waiting_dictionaries"):
        return
    waiting: list = []
    load, initialize = tokenizer.load_userdict, tokenizer.initialize

    def load_userdict(f) -> None:
        if tokenizer.initialized:
            load(f)
        elif f not in waiting:  # each `mkdocs serve` rebuild names it again
            waiting.append(f)

    def initialize_then_load(dictionary=None) -> None:
        initialize(dictionary)
        while waiting:
            load(waiting.pop(0))

    tokenizer.waiting_dictionaries = waiting
    tokenizer.load_userdict, tokenizer.initialize = load_userdict, initialize_then_load


def _walk_toc(items):
    for item in items:
        yield item
        yield from _walk_toc(item.children)


@event_priority(-200)
def on_post_build(config: MkDocsConfig) -> None:
    """Give each language its own search index, so a reader only finds pages in their language.

    The i18n plugin makes one index of both languages; it is split here, after the last build
    wrote it, and Chinese pages look for theirs under zh/ (see ``_zh_search_base``).
    """
    index_file = Path(config.site_dir) / "search" / "search_index.json"
    if not index_file.exists():
        return
    index = json.loads(index_file.read_text(encoding="utf-8"))
    other = LANGUAGES[1]
    prefix = f"{other}/"
    theirs = [
        {**doc, "location": doc["location"][len(prefix) :]}
        for doc in index["docs"]
        if doc["location"].startswith(prefix)
    ]
    if not theirs:
        return
    target = Path(config.site_dir) / other / "search" / "search_index.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({**index, "docs": theirs}, ensure_ascii=False), encoding="utf-8")
    index["docs"] = [d for d in index["docs"] if not d["location"].startswith(prefix)]
    index_file.write_text(json.dumps(index, ensure_ascii=False), encoding="utf-8")
