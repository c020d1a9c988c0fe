"""The tutorial execution cache: keyed by exactly what a run depends on, and robust to damage."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import jieba
import jinja2
import nbformat
import pytest
import yaml
from mkdocs_jupyter.plugin import Plugin as JupyterPlugin

from recipes.catalog import TOPICS
from recipes.files import cached_json
from recipes.site import hooks, notebooks, prerender, reference
from recipes.site.notebooks import Tutorial, cache_key, execute_tutorial, recipe_dependencies
from recipes.site.variants import write_config_variant
from tests.conftest import ROOT, build_site

TUTORIAL = """# %% [markdown] lang="en"
# # Tiny
# %% [markdown] lang="zh"
# # 小例子
# %%
from recipes.creation import make_tensor
print(make_tensor([0, 1, 2]))
"""


@pytest.fixture()
def recipes_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the recipe modules that the cache key reads, free to edit."""
    copy = tmp_path / "recipes"
    shutil.copytree(ROOT / "recipes", copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(notebooks, "_RECIPES_DIR", copy)
    return copy


@pytest.fixture()
def tiny(tmp_path: Path) -> Tutorial:
    path = tmp_path / "tutorials" / "tiny.py"
    path.parent.mkdir()
    path.write_text(TUTORIAL, encoding="utf-8")
    return Tutorial.read(path)


def _runs(cache: Path) -> int:
    ledger = cache / "executions.jsonl"
    return len(ledger.read_text(encoding="utf-8").splitlines()) if ledger.exists() else 0


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_dependencies_follow_imports_between_recipe_modules() -> None:
    regression = Tutorial.read(ROOT / "docs" / "tutorials" / "regression_nn.py")
    used = recipe_dependencies(regression)
    assert "regression_nn" in used
    # regression_nn builds on other recipe modules; they are dependencies too.
    assert len(used) > 1, used
    assert "cli" not in used and "catalog" not in used


def test_a_cli_only_change_keeps_every_tutorial_cached(recipes_copy: Path) -> None:
    tutorials = [Tutorial.read(p) for p in sorted((ROOT / "docs" / "tutorials").glob("*.py"))]
    before = [cache_key(t) for t in tutorials]
    _append(recipes_copy / "cli.py", "\n# an edit to the command line only\n")
    _append(recipes_copy / "checker" / "report.py", "\n# and to the checker\n")
    assert [cache_key(t) for t in tutorials] == before


def test_an_imported_module_change_invalidates_only_its_tutorials(recipes_copy: Path) -> None:
    tutorials = {p.stem: Tutorial.read(p) for p in (ROOT / "docs" / "tutorials").glob("*.py")}
    before = {name: cache_key(t) for name, t in tutorials.items()}
    _append(recipes_copy / "checkpoints.py", "\n# an edit to one topic\n")
    changed = {name for name, t in tutorials.items() if cache_key(t) != before[name]}
    assert "checkpoints" in changed
    assert changed == {n for n, t in tutorials.items() if "checkpoints" in recipe_dependencies(t)}
    assert "creation" not in changed


@pytest.mark.slow
def test_cli_change_runs_nothing_and_a_corrupt_entry_is_rebuilt(
    recipes_copy: Path, tiny: Tutorial, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache = tmp_path / "cache"
    first = execute_tutorial(tiny, cache)
    assert not first.from_cache and _runs(cache) == 1
    assert "tensor([0, 1, 2])" in first.results[0]["outputs"][0]["text"]

    _append(recipes_copy / "cli.py", "\n# an edit to the command line only\n")
    assert execute_tutorial(tiny, cache).from_cache and _runs(cache) == 1

    entry = cache / "tiny.json"
    entry.write_text(entry.read_text(encoding="utf-8")[:40], encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="mkdocs.hooks.tutorials"):
        again = execute_tutorial(tiny, cache)
    assert not again.from_cache and _runs(cache) == 2
    assert any("tiny.json is corrupt" in r.getMessage() for r in caplog.records)
    stored = json.loads(entry.read_text(encoding="utf-8"))
    assert stored["results"] == again.results
    assert execute_tutorial(tiny, cache).from_cache and _runs(cache) == 2

    _append(recipes_copy / "creation.py", "\n# an edit to the module it imports\n")
    assert cache_key(tiny) != again.key


def test_api_reference_is_replayed_from_the_cache_exactly_as_rendered(tmp_path: Path) -> None:
    """A second build takes every reference block from the cache and writes the same site:
    the same pages (headings, table of contents, anchors) and the same objects.inv."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.en.md").write_text("# Home\n\nSee [dtypes](reference/dtypes.md).\n",
                                      encoding="utf-8")
    (docs / "index.zh.md").write_text("# 首页\n", encoding="utf-8")
    nav = [{"Home": "index.md"}, {"dtypes": "reference/dtypes.md"}]
    config = write_config_variant(tmp_path / "mkdocs.yml", docs_dir=docs, nav=nav,
                                  languages=("en",))
    cache = tmp_path / "cache"
    first = build_site(config, tmp_path / "first", cache)
    assert first.returncode == 0, first.stderr[-4000:]
    entries = {path: path.stat().st_mtime_ns for path in (cache / "reference").glob("*.json")}
    assert len(entries) == len(TOPICS), sorted(entries)

    second = build_site(config, tmp_path / "second", cache)
    assert second.returncode == 0, second.stderr[-4000:]
    after = {path: path.stat().st_mtime_ns for path in (cache / "reference").glob("*.json")}
    assert after == entries, "the second build rendered blocks again instead of replaying them"

    def files(site: Path) -> dict[str, bytes]:
        return {str(p.relative_to(site)): p.read_bytes() for p in site.rglob("*") if p.is_file()
                and p.suffix in (".html", ".inv")}

    built, replayed = files(tmp_path / "first"), files(tmp_path / "second")
    assert built.keys() == replayed.keys()
    differ = [name for name in built if built[name] != replayed[name]]
    assert not differ, f"pages that differ after a replay: {differ}"
    page = (tmp_path / "second" / "reference" / "dtypes" / "index.html").read_text(
        encoding="utf-8"
    )
    assert 'id="recipes.dtypes.' in page and 'href="#recipes.dtypes.' in page, (
        "the replayed page lost its headings' anchors or its table of contents"
    )


def test_templates_are_compiled_once_and_kept_apart_by_compile_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each build's new Jinja environment loads templates compiled by an earlier build, and an
    environment whose syntax settings differ never loads code compiled under other settings."""
    monkeypatch.setenv("TORCH_RECIPES_CACHE", str(tmp_path / "cache"))
    config = SimpleNamespace(config_file_path=str(tmp_path / "mkdocs.yml"), plugins={})
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "page.html").write_text("{{ x }}[[ x ]]", encoding="utf-8")

    def environment(**syntax: str) -> tuple[jinja2.Environment, list[str]]:
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(templates), **syntax)
        hooks.on_env(env, config, files=None)
        compiled: list[str] = []
        original = env.compile
        monkeypatch.setattr(env, "compile",
                            lambda *a, **k: compiled.append(a[1]) or original(*a, **k))
        return env, compiled

    first, compiled = environment()
    assert first.get_template("page.html").render(x=1) == "1[[ x ]]"
    assert compiled == ["page.html"]
    second, compiled = environment()
    assert second.get_template("page.html").render(x=2) == "2[[ x ]]"
    assert compiled == [], "a new environment compiled the template again"
    other, compiled = environment(variable_start_string="[[", variable_end_string="]]")
    assert other.get_template("page.html").render(x=3) == "{{ x }}3"
    assert compiled == ["page.html"]
    folders = sorted(p.name for p in (tmp_path / "cache" / "jinja").iterdir())
    assert len(folders) == 2, folders


def test_search_entries_are_made_again_when_the_jieba_user_dictionary_changes(
    tmp_path: Path,
) -> None:
    words = tmp_path / "jieba_user_dict.txt"
    words.write_text("自动微分 10 n\n", encoding="utf-8")
    made: list[str] = []

    def original(index, page) -> None:
        made.append(page.url)
        index.entries.append({"location": page.url})

    add_entry = hooks._search_entries_cached(original, tmp_path / "search")
    page = SimpleNamespace(url="a/", content="<p>自动微分</p>", title="A", meta={}, toc=[])

    def index_page() -> list[dict]:
        index = SimpleNamespace(config={"jieba_dict_user": str(words)}, entries=[])
        add_entry(index, page)
        return index.entries

    assert index_page() == index_page() == [{"location": "a/"}]
    assert made == ["a/"], "the unchanged page was indexed twice"
    words.write_text("自动微分 10 n\n反向传播 10 n\n", encoding="utf-8")
    assert index_page() == [{"location": "a/"}]
    assert made == ["a/", "a/"], "an edited user dictionary replayed entries cut with the old one"


def test_the_jieba_user_dictionary_is_loaded_by_the_first_cut(tmp_path: Path) -> None:
    """Naming the user dictionary loads nothing; the first cut loads jieba and then the user
    dictionary, so the text is cut with its words."""
    words = tmp_path / "words.txt"
    words.write_text("梯度裁剪阈值 123457 n\n", encoding="utf-8")
    tokenizer = jieba.Tokenizer()
    hooks._defer_user_dictionaries(tokenizer)
    hooks._defer_user_dictionaries(tokenizer)
    tokenizer.load_userdict(str(words))
    tokenizer.load_userdict(str(words))
    assert not tokenizer.initialized, "naming the dictionary loaded jieba's main dictionary"
    assert tokenizer.waiting_dictionaries == [str(words)]
    assert "梯度裁剪阈值" in list(tokenizer.cut("设置梯度裁剪阈值为一"))
    assert tokenizer.FREQ["梯度裁剪阈值"] == 123457, "the user dictionary was not loaded"
    assert tokenizer.waiting_dictionaries == []
    words.write_text("张量广播规则 99 n\n", encoding="utf-8")
    tokenizer.load_userdict(str(words))
    assert tokenizer.FREQ["张量广播规则"] == 99, "once jieba is loaded, a dictionary loads at once"


def test_cached_json_makes_a_value_once_and_remakes_a_corrupt_entry(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    entry = tmp_path / "cache" / "k.json"
    made: list[int] = []

    def make() -> dict:
        made.append(1)
        return {"pages": ["a", "é"]}

    assert cached_json(entry, make) == cached_json(entry, make) == {"pages": ["a", "é"]}
    assert len(made) == 1
    entry.write_text('{"pages": ["a"', encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="mkdocs.hooks.cache"):
        assert cached_json(entry, make) == {"pages": ["a", "é"]}
    assert len(made) == 2 and any("k.json is corrupt" in r.getMessage() for r in caplog.records)
    assert json.loads(entry.read_text(encoding="utf-8")) == {"pages": ["a", "é"]}


def test_a_tutorial_is_parsed_once_across_builds_until_it_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "t.py"
    path.write_text(TUTORIAL, encoding="utf-8")
    cache = tmp_path / "parsed"
    first = Tutorial.read(path, cache)
    notebooks._parsed.cache_clear()  # what a new `mkdocs build` process starts with

    def no_parse(*_args, **_kwargs):
        raise AssertionError("jupytext parsed a tutorial whose source did not change")

    monkeypatch.setattr(notebooks.jupytext, "read", no_parse)
    again = Tutorial.read(path, cache)
    assert again.code_cells == first.code_cells and again.notebook == first.notebook
    monkeypatch.undo()
    _append(path, "print(2)\n")
    assert Tutorial.read(path, cache).code_cells[-1].endswith("print(2)")
    assert len(list(cache.glob("*.json"))) == 2


def test_download_files_are_made_once_per_version_of_the_recipes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "downloads"
    hooks._downloads.cache_clear()
    pages = hooks._download_pages(cache)
    assert sorted(pages) == sorted(f"downloads/{topic}.py" for topic in TOPICS)
    hooks._downloads.cache_clear()
    monkeypatch.setattr(hooks, "standalone_source", lambda *_: pytest.fail("made again"))
    assert hooks._download_pages(cache) == pages
    hooks._downloads.cache_clear()


def _jupyter_options(cache_dir: Path) -> dict:
    """mkdocs-jupyter's options as the site's mkdocs.yml sets them, with its own cache."""
    plugins = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["plugins"]
    (options,) = [p["mkdocs-jupyter"] for p in plugins
                  if isinstance(p, dict) and "mkdocs-jupyter" in p]
    plugin = JupyterPlugin()
    errors, _ = plugin.load_config({**options, "cache_dir": str(cache_dir)})
    assert not errors, errors
    return dict(plugin.config)


def _notebook(path: Path, title: str) -> str:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell(f"# {title}\n\n## 第一节 `x`"),
        nbformat.v4.new_code_cell("print(1)", execution_count=1, outputs=[
            nbformat.v4.new_output("stream", name="stdout", text="1\n")]),
    ]
    path.write_text(nbformat.writes(notebook), encoding="utf-8")
    return str(path)


def test_a_notebook_rendered_in_a_worker_is_what_mkdocs_jupyter_renders(tmp_path: Path) -> None:
    notebook = _notebook(tmp_path / "t.en.ipynb", "T")
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    prerender.render_into_cache(_jupyter_options(ours), notebook)

    plugin = JupyterPlugin()
    plugin.load_config(_jupyter_options(theirs))
    plugin.on_pre_build(config=None)
    page = SimpleNamespace(file=SimpleNamespace(abs_src_path=notebook, src_path="t.en.ipynb"),
                           abs_url="/")
    plugin.on_pre_page(page, config=None, files=None).render(None, None)

    (entry,) = theirs.iterdir()
    assert sorted(p.name for p in ours.iterdir()) == [entry.name], "a private folder was left"
    assert json.loads((ours / entry.name).read_text(encoding="utf-8")) == json.loads(
        entry.read_text(encoding="utf-8"))


@pytest.mark.slow
def test_workers_render_only_what_is_missing_and_leave_a_failure_to_the_build(
    tmp_path: Path,
) -> None:
    cache = tmp_path / "cache"
    plugin = SimpleNamespace(config=_jupyter_options(cache))
    paths = [_notebook(tmp_path / f"n{k}.en.ipynb", f"N{k}") for k in range(3)]
    broken = str(tmp_path / "missing.en.ipynb")
    cached = {paths[0]}
    assert prerender.start(plugin, paths + [broken], cached.__contains__, jobs=1) == 0
    assert prerender.start(plugin, paths[:3], lambda _: False, jobs=3) == 0, "too few to pay"
    assert prerender.start(plugin, paths + [broken], cached.__contains__, jobs=2) == 3
    for path in paths + [broken]:
        prerender.wait_for(path)
    assert len(list(cache.glob("*.json"))) == 2, "the cached notebook was rendered again"
    assert not list(cache.glob(".rendering-*")), "a worker left its private folder"
    prerender.wait_for(paths[1])  # already collected: returns at once


@pytest.mark.slow
def test_workers_do_not_run_the_build_script_again(tmp_path: Path) -> None:
    """A multiprocessing pool's workers import the main module: a build script without a
    ``__main__`` guard would run again in each of them."""
    runs = tmp_path / "runs.txt"
    script = tmp_path / "build.py"
    script.write_text(
        "import sys\n"
        "from pathlib import Path\n"
        "from types import SimpleNamespace\n"
        "from recipes.site import prerender\n"
        f"with open({str(runs)!r}, 'a') as f:\n"
        "    f.write('ran\\n')\n"
        "options = __import__('json').loads(sys.argv[1])\n"
        "paths = sys.argv[2:]\n"
        "print(prerender.start(SimpleNamespace(config=options), paths, lambda _: False, 2))\n"
        "for path in paths:\n"
        "    prerender.wait_for(path)\n",
        encoding="utf-8",
    )
    paths = [_notebook(tmp_path / f"n{k}.en.ipynb", f"N{k}") for k in range(3)]
    options = json.dumps(_jupyter_options(tmp_path / "cache"))
    done = subprocess.run([sys.executable, str(script), options, *paths], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "3"
    assert runs.read_text(encoding="utf-8") == "ran\n"
    assert len(list((tmp_path / "cache").glob("*.json"))) == 3


class _Handler:
    """What ``collect_loaded_once`` uses of mkdocstrings' Python handler; ``collect`` "loads" the
    package (counted) when it is not in the handler's collection, as the real one does."""

    loads = 0

    def __init__(self, paths: list[str]) -> None:
        self._paths = paths
        self._modules_collection: dict[str, list[str]] = {}
        self._lines_collection: dict[str, str] = {}
        self.config = SimpleNamespace(load_external_modules=False)

    def collect(self, identifier: str, options) -> list[str]:
        package = identifier.split(".", 1)[0]
        if package not in self._modules_collection:
            type(self).loads += 1
            self._modules_collection[package] = [f"load {type(self).loads}"]
        return self._modules_collection[package]


def test_a_package_is_loaded_once_per_process_and_each_handler_starts_from_that_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "pkgx"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "a.py").write_text("def f(): ...\n", encoding="utf-8")
    monkeypatch.setattr(_Handler, "collect", reference.collect_loaded_once(_Handler.collect))
    monkeypatch.setattr(_Handler, "loads", 0)
    monkeypatch.setattr(reference, "_loaded", {})

    def collect(options: str = "opts", paths: list[str] | None = None) -> list[str]:
        return _Handler(paths or [str(tmp_path)]).collect("pkgx.a", options)

    first = collect()
    first.append("resolved while rendering")  # what rendering adds must not reach others
    assert collect() == ["load 1"], "a later handler loaded again or saw the first one's changes"
    assert collect("other options") == collect("other options") == ["load 2"]
    (package / "a.py").write_text("def f(): return 1\n", encoding="utf-8")
    assert collect("other options") == ["load 3"], "an edited source was not loaded again"
    outside = [str(tmp_path / "elsewhere")]
    assert collect(paths=outside) == ["load 4"] and collect(paths=outside) == ["load 5"], (
        "a package found outside the handler's paths must not be shared"
    )
