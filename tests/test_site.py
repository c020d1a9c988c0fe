"""The executed bilingual site: built once per session (see conftest) and inspected as files."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import nbformat
import pytest
import torch
from bs4 import BeautifulSoup

from recipes.site.hooks import KERNEL_ENV
from recipes.site.notebooks import Tutorial, execute_tutorial
from recipes.site.variants import write_config_variant
from tests.conftest import ROOT, build_site, docs_snapshot, parsed_page

pytestmark = pytest.mark.slow

TUTORIALS = sorted(path.stem for path in (ROOT / "docs" / "tutorials").glob("*.py"))
PREFIX = {"en": "", "zh": "zh/"}
OTHER = {"en": "zh", "zh": "en"}
PAGES = [(lang, name) for name in TUTORIALS for lang in PREFIX]


def tutorial_page(site: Path, lang: str, name: str) -> Path:
    return site / PREFIX[lang] / "tutorials" / name / "index.html"



def test_every_module_has_a_tutorial() -> None:
    from recipes.catalog import TOPICS

    assert set(TOPICS) <= set(TUTORIALS), f"missing tutorials: {set(TOPICS) - set(TUTORIALS)}"


@pytest.mark.parametrize("name", TUTORIALS)
def test_tutorial_prose_exists_in_both_languages(name: str) -> None:
    assert Tutorial.read(ROOT / "docs" / "tutorials" / f"{name}.py").language_problems() == []


def test_missing_translation_is_detected(tmp_path: Path) -> None:
    source = tmp_path / "lonely.py"
    source.write_text(
        '# %% [markdown] lang="en"\n# # Title\n\n# %% [markdown] lang="zh"\n# # 标题\n\n'
        '# %% [markdown] lang="en"\n# Only English here.\n\n# %%\nx = 1\n',
        encoding="utf-8",
    )
    problems = Tutorial.read(source).language_problems()
    assert len(problems) == 1 and "followed by its zh translation" in problems[0]
    source.write_text("# %% [markdown]\n# Untagged prose.\n\n# %%\nx = 1\n", encoding="utf-8")
    assert "without lang" in Tutorial.read(source).language_problems()[0]


def test_each_tutorial_executed_once_for_both_languages(built_site) -> None:
    ledger = (built_site.cache / "tutorials" / "executions.jsonl").read_text(encoding="utf-8").splitlines()
    counts = Counter(json.loads(line)["tutorial"] for line in ledger)
    assert counts == Counter({name: 1 for name in TUTORIALS})


def test_the_build_writes_nothing_into_docs(built_site) -> None:
    assert docs_snapshot() == built_site.docs_before
    assert not list((ROOT / "docs" / "tutorials").glob("*.ipynb"))


def test_unchanged_tutorials_are_not_executed_again(built_site) -> None:
    """A rebuild asks the cache exactly this, per tutorial; it must answer without a kernel."""
    ledger = built_site.cache / "tutorials" / "executions.jsonl"
    before = ledger.read_text(encoding="utf-8")
    for name in TUTORIALS:
        tutorial = Tutorial.read(ROOT / "docs" / "tutorials" / f"{name}.py")
        execution = execute_tutorial(tutorial, built_site.cache / "tutorials", env=KERNEL_ENV)
        assert execution.from_cache, f"{name} would be executed again"
    assert ledger.read_text(encoding="utf-8") == before


@pytest.mark.parametrize("name", TUTORIALS)
def test_language_notebooks_share_code_and_outputs(built_site, name: str) -> None:
    def code(lang: str) -> list[tuple[str, list]]:
        path = built_site.cache / "docs" / "tutorials" / f"{name}.{lang}.ipynb"
        notebook = nbformat.read(path, as_version=4)
        # Figures drawn once per language differ by design; test_reader_view checks those.
        return [
            (c.source, [o for o in c.outputs if "lang" not in o.get("metadata", {})])
            for c in notebook.cells
            if c.cell_type == "code"
        ]

    english, chinese = code("en"), code("zh")
    assert english == chinese
    assert len(english) == len(Tutorial.read(ROOT / "docs" / "tutorials" / f"{name}.py").code_cells)


@pytest.mark.parametrize(("lang", "name"), PAGES)
def test_tutorial_page_shows_executed_output(built_site, lang: str, name: str) -> None:
    page = tutorial_page(built_site.site, lang, name)
    assert page.exists(), f"{page} was not rendered (copied as a raw file?)"
    html = parsed_page(page)
    assert html.select(".jp-Notebook"), "the notebook was not rendered into the page"
    outputs = html.select(".jp-OutputArea-output")
    assert outputs, f"{lang}/{name} has no executed output"
    assert not html.select(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr'] .ansi-red-fg")
    assert "Traceback (most recent call last)" not in html.get_text()


@pytest.mark.parametrize(("lang", "name"), PAGES)
def test_tutorial_page_states_provenance_and_downloads(built_site, lang: str, name: str) -> None:
    page = tutorial_page(built_site.site, lang, name)
    box = parsed_page(page).select_one(".tutorial-provenance")
    assert box is not None
    assert torch.__version__ in box.get_text()
    links = [a["href"] for a in box.select("a[href]")]
    assert any(href.endswith(".ipynb") for href in links)
    for href in links:
        assert (page.parent / href).resolve().is_file(), f"{href} from {page} is missing"


@pytest.mark.parametrize(("lang", "name"), PAGES)
def test_language_switcher_leads_to_same_tutorial(built_site, lang: str, name: str) -> None:
    page = tutorial_page(built_site.site, lang, name)
    html = parsed_page(page)
    assert html.html["lang"] == lang
    switch = html.select_one(f"a.md-select__link[hreflang='{OTHER[lang]}']")
    assert switch is not None, "no language switcher link"
    target = (page.parent / switch["href"] / "index.html").resolve()
    assert target == tutorial_page(built_site.site, OTHER[lang], name).resolve()


@pytest.mark.parametrize(("lang", "name"), PAGES)
def test_table_of_contents_links_resolve(built_site, lang: str, name: str) -> None:
    html = parsed_page(tutorial_page(built_site.site, lang, name))
    links = [a["href"] for a in html.select("nav.md-nav--secondary a[href^='#']")]
    assert links, "the page has no table of contents"
    ids = {tag["id"] for tag in html.select("[id]")}
    assert [href for href in links if href[1:] not in ids] == []


def test_navigation_titles_are_translated(built_site) -> None:
    chinese = parsed_page(tutorial_page(built_site.site, "zh", "autograd")).select_one("nav.md-nav--primary")
    english = parsed_page(tutorial_page(built_site.site, "en", "autograd")).select_one("nav.md-nav--primary")
    assert "自动微分" in chinese.get_text() and "创建张量" in chinese.get_text()
    assert "Autograd" in english.get_text() and "创建张量" not in english.get_text()


@pytest.mark.parametrize(
    ("query", "expected"), [("张量", "tutorials/creation/"), ("自动微分", "tutorials/autograd/")]
)
def test_chinese_search_finds_the_right_pages(built_site, query: str, expected: str) -> None:
    index = json.loads((built_site.site / "zh" / "search" / "search_index.json").read_text("utf-8"))
    separator = re.compile(index["config"]["separator"])
    hits = {
        doc["location"].split("#")[0]
        for doc in index["docs"]
        if query in separator.split(BeautifulSoup(doc["text"] + " " + doc["title"], "html.parser").get_text())
    }
    assert expected in hits, f"{query!r} found only {sorted(hits)[:10]}"


def test_each_language_has_its_own_search_index(built_site) -> None:
    english = json.loads((built_site.site / "search" / "search_index.json").read_text("utf-8"))
    chinese = json.loads((built_site.site / "zh" / "search" / "search_index.json").read_text("utf-8"))
    assert not [d for d in english["docs"] if d["location"].startswith("zh/")]
    assert any("张量" in d["text"] for d in chinese["docs"])
    assert not any("张量" in d["text"] for d in english["docs"])


EXTERNAL = re.compile(
    r"""(?:\b(?:src|href|data|poster)\s*=\s*["']|url\(\s*["']?|@import\s+["']|import\s*\(\s*["']|\bfrom\s+["'])"""
    r"""(?:https?:)?//(?!127\.0\.0\.1|localhost)""",
    re.I,
)


def test_site_loads_nothing_from_other_hosts(built_site) -> None:
    offenders = []
    for path in built_site.site.rglob("*"):
        if path.suffix not in {".html", ".css", ".js"}:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".html":
            # Plain links a reader may click are fine; assets that load by themselves are not.
            text = re.sub(r"<a\b[^>]*>", "", text)
        for match in EXTERNAL.finditer(text):
            offenders.append(f"{path.relative_to(built_site.site)}: {text[match.start():match.end() + 60]}")
    assert not offenders, "\n".join(offenders[:20])


def test_tutorial_pages_are_light(built_site) -> None:
    sizes = {}
    for lang, name in PAGES:
        html = tutorial_page(built_site.site, lang, name).read_text(encoding="utf-8")
        sizes[f"{lang}/{name}"] = len(re.sub(r"data:image/[^\"')]+", "", html).encode())
    largest = max(sizes, key=sizes.get)
    assert sizes[largest] < 300_000, f"{largest} is {sizes[largest]:,} bytes without images"


def test_plots_are_rendered_with_cjk_glyphs(built_site) -> None:
    assert "missing from font" not in built_site.log
    for name in ("regression_manual", "regression_nn"):
        images = parsed_page(tutorial_page(built_site.site, "zh", name)).select(".jp-OutputArea-output img[src$='.png']")
        assert images, f"{name} shows no plot"


def _mini_site(tmp_path: Path, tutorials: dict[str, str]) -> Path:
    """A copy of the site configuration with only the given tutorials, for builds that must fail.

    It has no API reference (no mkdocstrings), so the build does only the work the tests inspect.
    """
    docs = tmp_path / "docs"
    (docs / "tutorials").mkdir(parents=True)
    (docs / "index.en.md").write_text("# Home\n", encoding="utf-8")
    (docs / "index.zh.md").write_text("# 首页\n", encoding="utf-8")
    for name, source in tutorials.items():
        (docs / "tutorials" / f"{name}.py").write_text(source, encoding="utf-8")
    nav = [{"Home": "index.md"}, *({n: f"tutorials/{n}.ipynb"} for n in tutorials)]
    return write_config_variant(
        tmp_path / "mkdocs.yml", docs_dir=docs, nav=nav, api_reference=False
    )


BROKEN = """# %% [markdown] lang="en"
# # Broken
# %% [markdown] lang="zh"
# # 出错的教程
# %%
x = 1
# %%
y = x / 0
# %%
print("after the failure")
"""


@pytest.fixture(scope="module")
def failing_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str]:
    """One strict build of a site with a raising tutorial and one that breaks its promises."""
    root = tmp_path_factory.mktemp("failing")
    config = _mini_site(root, {"broken": BROKEN, "guards": GUARDS})
    done = build_site(config, root / "site", root / "cache")
    return done.returncode, done.stdout + done.stderr


def test_strict_build_fails_on_a_raising_cell(failing_build) -> None:
    returncode, log = failing_build
    assert returncode != 0
    assert "tutorials/broken.py:8: code cell 2 of tutorial 'broken' error: ZeroDivisionError" in log


# Each cell's first line names what it shows; the test finds the cell's line by that name.
GUARDS = """# %% [markdown] lang="en"
# # Guards
# %% [markdown] lang="zh"
# # 守卫
# %%
# setup: no print, no final expression, no output
import torch
# %% raises="RuntimeError"
# declared and raised
try:
    torch.ones(2) + torch.ones(2, device="meta")
except RuntimeError as err:
    print(f"{type(err).__name__}: {err}")
# %% raises="RuntimeError"
# declared but not raised
print("cpu @ meta:")
try:
    torch.ones(2, 2) @ torch.ones(2, 2, device="meta")
except RuntimeError as err:
    print(f"{type(err).__name__}: {err}")
# %% raises="ValueError"
# declared one, raised another
try:
    [][1]
except Exception as err:
    print(f"{type(err).__name__}: {err}")
# %%
# raised but not declared
try:
    int("one")
except ValueError as err:
    print(f"{type(err).__name__}: {err}")
# %% raises="LookupError"
# declared a base class of what was raised
try:
    {}["key"]
except LookupError as err:
    print(f"{type(err).__name__}: {err}")
# %%
# prints nothing
for name in []:
    print(name)
# %%
# ends in an expression that shows nothing
x = torch.ones(1, requires_grad=True)
x.grad
# %%
# ends in an expression that is shown
x.grad is None
# %%
# ends in an expression silenced on purpose
x.grad;
# %%
# defines a function that catches
def parse(text):
    try:
        return int(text)
    except ValueError:
        return None
# %%
# calls a function of an earlier cell that catches
print(parse("one"))
"""


def _line_of(source: str, first_line: str) -> int:
    return source.splitlines().index(f"# {first_line}") + 1


def _messages(log: str, cell: str) -> list[str]:
    prefix = f"tutorials/guards.py:{_line_of(GUARDS, cell)}: "
    return [line.split(prefix, 1)[1] for line in log.splitlines() if prefix in line]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (
            "declared but not raised",
            "code cell 3 of tutorial 'guards' declares raises=['RuntimeError'] but RuntimeError "
            "was not raised (it raised nothing)",
        ),
        (
            "declared one, raised another",
            "code cell 4 of tutorial 'guards' declares raises=['ValueError'] but ValueError was "
            "not raised (it raised IndexError)",
        ),
        (
            "raised but not declared",
            "code cell 5 of tutorial 'guards' raised and caught ValueError without declaring it: "
            'add raises="ValueError" to its `# %%` line if the cell demonstrates it',
        ),
        ("prints nothing", "code cell 7 of tutorial 'guards' calls print() but showed no output"),
        (
            "calls a function of an earlier cell that catches",
            "code cell 12 of tutorial 'guards' raised and caught ValueError without declaring it: "
            'add raises="ValueError" to its `# %%` line if the cell demonstrates it',
        ),
        (
            "ends in an expression that shows nothing",
            "code cell 8 of tutorial 'guards' ends in the expression `x.grad` but showed no output",
        ),
    ],
)
def test_strict_build_fails_on_a_broken_promise(failing_build, cell: str, expected: str) -> None:
    returncode, log = failing_build
    assert returncode != 0
    assert expected in _messages(log, cell), log[-3000:]


@pytest.mark.parametrize(
    "cell",
    [
        "setup: no print, no final expression, no output",
        "declared and raised",
        "declared a base class of what was raised",
        "ends in an expression that is shown",
        "ends in an expression silenced on purpose",
        "defines a function that catches",
    ],
)
def test_strict_build_accepts_a_cell_that_keeps_its_promise(failing_build, cell: str) -> None:
    returncode, log = failing_build
    assert "tutorial guards: 12 code cells executed" in log, log[-3000:]
    assert _messages(log, cell) == []


def test_serve_watches_the_sources_not_the_staging_folder(tmp_path: Path) -> None:
    """The build writes generated pages into the staging folder; watching it made every edit
    rebuild twice. `mkdocs serve` watches the docs and the recipe modules instead."""
    from mkdocs.config.defaults import MkDocsConfig

    from recipes.site.hooks import on_serve

    class Server:
        def __init__(self) -> None:
            self.watched: set[str] = set()

        def watch(self, path: str, *, recursive: bool = True) -> None:
            self.watched.add(path if recursive else f"{path} (not recursive)")

        def unwatch(self, path: str) -> None:
            self.watched.remove(path)

    config = MkDocsConfig()
    config.docs_dir = str(tmp_path / ".cache" / "docs")
    server = Server()
    server.watch(config.docs_dir)  # what mkdocs serve does before calling on_serve
    assert on_serve(server, config, builder=None) is server
    assert server.watched == {f"{ROOT / 'recipes'} (not recursive)"}
