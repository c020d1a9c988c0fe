"""The built site as a reader sees it: headless Chromium on a local copy, in English and Chinese.

The site is the session's strict build (``built_site`` in conftest), served on 127.0.0.1 at a free
port. Each tutorial page is loaded once and what the reader gets is recorded (outputs, plots, copy
buttons, language links, every request and console error); the tests below check that record.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import jupytext
import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

import tests.browser as browser_module
from tests.browser import (
    FONTCONFIG_WITHOUT_CHINESE,
    BrowserUnavailable,
    Traffic,
    drain,
    han_glyphs,
    phone_viewport,
    readability,
    serve,
    settle,
    start_chromium,
    tofu_problem,
)
from tests.conftest import ROOT, parsed_page
from tests.test_reader_view import CODE_COLUMN, OUTPUT_COLUMN

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TUTORIAL_SOURCES = {path.stem: path for path in sorted((ROOT / "docs" / "tutorials").glob("*.py"))}
TUTORIALS = list(TUTORIAL_SOURCES)
LANGS = ("en", "zh")
PREFIX = {"en": "", "zh": "zh/"}
OTHER = {"en": "zh", "zh": "en"}
PAGES = [(lang, name) for lang in LANGS for name in TUTORIALS]
PAGE_IDS = [f"{lang}-{name}" for lang, name in PAGES]
SEARCH_QUERY = {"en": "tensor", "zh": "张量"}
# Every page's search worker fetches the index after the page has loaded: wait for it.
SEARCH_INDEX = "search/search_index.json"
# The tutorial every search for "tensor" / 张量 must find, and the one photographed per language.
CREATION = "creation"
HAN = re.compile(r"[\u3400-\u9fff]")
PROMPT = re.compile(r"^In\s*\[\d+\]:$")
# Material's copy button, which its script adds to every code block once the page has loaded.
COPY_BUTTON = ".jp-InputArea-editor pre > .md-code__nav > .md-code__button[data-md-type=copy]"

PAGE_STATE_JS = """
const done = arguments[arguments.length - 1];
const text = el => el.textContent.replace(/[\\u00b6\\u200b]/g, '').trim();
const h1 = document.querySelector('article h1');
const outputs = [...document.querySelectorAll('.jp-OutputArea-output')];
// mkdocs-jupyter nests each code cell in a second .jp-CodeCell: keep the innermost ones.
const cells = [...document.querySelectorAll('.jp-CodeCell')]
  .filter(c => !c.querySelector('.jp-CodeCell'));
const images = [...document.querySelectorAll('article img')];
const toc = [...document.querySelectorAll('.md-nav--secondary a.md-nav__link')].map(a => {
  const id = decodeURIComponent(a.hash.slice(1));
  const targets = id ? [...document.querySelectorAll(`[id="${CSS.escape(id)}"]`)] : [];
  return {href: a.getAttribute('href'), text: text(a), targets: targets.length,
          heading: targets.length ? text(targets[0]) : null};
});
const switcher = {};
for (const a of document.querySelectorAll('a.md-select__link[hreflang]')) {
  switcher[a.hreflang] = a.href;
}
Promise.all(images.map(img => img.decode().then(() => null, err => String(err)).then(error => {
  const box = img.getBoundingClientRect();
  return {src: img.getAttribute('src').slice(0, 80), width: img.naturalWidth, height: img.naturalHeight,
          shown: [box.width, box.height], in_output: !!img.closest('.jp-OutputArea-output'), error};
}))).then(images => done({
  url: location.href,
  lang: document.documentElement.lang,
  title: h1 ? text(h1) : null,
  outputs: outputs.length,
  empty_outputs: outputs.filter(o => !o.textContent.trim() && !o.querySelector('img')).length,
  prompts: cells.map(c => c.querySelector('.jp-InputPrompt')).map(p => p ? text(p) : null),
  code_cells: cells.length,
  cells_without_copy: cells.filter(c => !c.querySelector(arguments[0])).length,
  images, switcher, toc,
  // Code and outputs the reader would have to scroll sideways to read.
  scrolling: [...document.querySelectorAll('article pre')]
    .filter(pre => pre.scrollWidth > pre.clientWidth + 1)
    .map(pre => `${pre.scrollWidth} > ${pre.clientWidth} px: ${pre.textContent.trim().slice(0, 60)}`),
}));
"""


def page_url(root: str, lang: str, name: str) -> str:
    return f"{root}{PREFIX[lang]}tutorials/{name}/"


def plots_in_source(name: str) -> int:
    """Figures a page shows: each `plt.subplots(` draws one per language, the page shows one."""
    return TUTORIAL_SOURCES[name].read_text(encoding="utf-8").count("plt.subplots(")


def code_sources(name: str) -> list[str]:
    notebook = jupytext.read(TUTORIAL_SOURCES[name])
    return [cell.source.strip() for cell in notebook.cells if cell.cell_type == "code"]


def page_file(site: Path, url: str) -> Path:
    path = urlsplit(url).path.lstrip("/")
    return site / path / "index.html" if path == "" or path.endswith("/") else site / path


@cache
def ids_in(path: Path) -> frozenset[str]:
    return frozenset(el["id"] for el in parsed_page(path).select("[id]"))


def fail_browser(err: BrowserUnavailable) -> None:
    pytest.fail(f"browser tests cannot run: {err}", pytrace=False)


@pytest.fixture(scope="session")
def site_root(built_site) -> str:
    with serve(built_site.site) as root:
        yield root


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> WebDriver:
    """One Chromium for the session; a browser that cannot start fails the tests, saying why."""
    try:
        driver = start_chromium(tmp_path_factory.mktemp("chromium-profile"))
    except BrowserUnavailable as err:
        fail_browser(err)
    driver.get("about:blank")
    drain(driver)
    yield driver
    driver.quit()


def load(driver: WebDriver, url: str) -> Traffic:
    """Open ``url`` as a reader would and return everything it requested and logged."""
    drain(driver)
    driver.get(url)
    return settle(driver, expect=(SEARCH_INDEX,))


@dataclass
class Visit:
    state: dict
    traffic: Traffic


@pytest.fixture(scope="session")
def visit(browser: WebDriver, site_root: str):
    """Load each tutorial page once per session and keep what the reader got."""
    visits: dict[tuple[str, str], Visit] = {}

    def get(lang: str, name: str) -> Visit:
        if (lang, name) not in visits:
            traffic = load(browser, page_url(site_root, lang, name))
            state = browser.execute_async_script(PAGE_STATE_JS, COPY_BUTTON)
            traffic += drain(browser)
            visits[lang, name] = Visit(state, traffic)
        return visits[lang, name]

    return get


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: $TORCH_RECIPES_ARTIFACTS/screenshots when set, else pytest's tmp."""
    artifacts = os.environ.get("TORCH_RECIPES_ARTIFACTS")
    folder = (Path(artifacts) if artifacts else tmp_path_factory.getbasetemp()) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.parametrize(("lang", "name"), PAGES, ids=PAGE_IDS)
def test_tutorial_shows_executed_output_and_plots(visit, site_root, lang: str, name: str) -> None:
    state = visit(lang, name).state
    assert state["url"] == page_url(site_root, lang, name)
    assert state["lang"] == lang
    assert state["title"], "the page has no H1 title"
    assert bool(HAN.search(state["title"])) == (lang == "zh"), f"title in wrong language: {state}"
    assert state["code_cells"] > 0 and state["outputs"] > 0, f"no executed output: {state}"
    assert state["empty_outputs"] == 0, f"{state['empty_outputs']} output areas show nothing"
    unexecuted = [p for p in state["prompts"] if not PROMPT.match(p or "")]
    assert not unexecuted, f"code cells without an execution count: {unexecuted}"
    broken = [
        i for i in state["images"] if i["error"] or 0 in (i["width"], i["height"], *i["shown"])
    ]
    assert not broken, f"images that did not decode or show: {broken}"
    plots = [i for i in state["images"] if i["in_output"] and i["src"].endswith(".png")]
    assert len(plots) == plots_in_source(name), (
        f"{plots_in_source(name)} plt.subplots() calls in the source, {len(plots)} plots on the page"
    )


@pytest.mark.parametrize(("lang", "name"), PAGES, ids=PAGE_IDS)
def test_nothing_scrolls_sideways(visit, lang: str, name: str) -> None:
    scrolling = visit(lang, name).state["scrolling"]
    assert not scrolling, "blocks wider than the column:\n" + "\n".join(scrolling)


@pytest.mark.parametrize(("lang", "name"), PAGES, ids=PAGE_IDS)
def test_tutorial_logs_no_console_errors(visit, lang: str, name: str) -> None:
    errors = visit(lang, name).traffic.console_errors
    assert not errors, "console errors:\n" + "\n".join(errors)


@pytest.mark.parametrize(("lang", "name"), PAGES, ids=PAGE_IDS)
def test_tutorial_requests_only_the_local_server(visit, site_root, lang: str, name: str) -> None:
    traffic = visit(lang, name).traffic
    assert page_url(site_root, lang, name) in traffic.requests, "the request log missed the page"
    assert any(url.endswith(SEARCH_INDEX) for url in traffic.requests), (
        "the request log missed the search worker's fetch of the index"
    )
    foreign = traffic.foreign(site_root)
    assert not foreign, "requests to other hosts:\n" + "\n".join(foreign)


@pytest.mark.parametrize(("lang", "name"), PAGES, ids=PAGE_IDS)
def test_every_code_cell_has_a_copy_button(visit, lang: str, name: str) -> None:
    state = visit(lang, name).state
    assert state["code_cells"] == len(code_sources(name)), "code cells on the page != in the source"
    missing = state["cells_without_copy"]
    assert missing == 0, f"{missing} of {state['code_cells']} code cells lack a copy button"


@pytest.mark.parametrize(("lang", "name"), PAGES, ids=PAGE_IDS)
def test_language_switcher_links_to_the_same_tutorial(
    visit, site_root, lang: str, name: str
) -> None:
    switcher = visit(lang, name).state["switcher"]
    assert switcher.get(OTHER[lang]) == page_url(site_root, OTHER[lang], name), switcher


@pytest.mark.parametrize(("lang", "name"), PAGES, ids=PAGE_IDS)
def test_table_of_contents_leads_to_the_headings(visit, lang: str, name: str) -> None:
    toc = visit(lang, name).state["toc"]
    assert toc, "the page has no table of contents"
    wrong = {
        f"{entry['href']} {entry['text']!r}: "
        + (
            f"{entry['targets']} elements have that id"
            if entry["targets"] != 1
            else f"the heading there reads {entry['heading']!r}"
        )
        for entry in toc
        if entry["targets"] != 1 or entry["text"] != entry["heading"]
    }
    assert not wrong, f"{len(wrong)} entries lead nowhere or are misnamed:\n" + "\n".join(
        sorted(wrong)
    )


@pytest.mark.parametrize("lang", LANGS)
def test_clicking_the_language_switcher_opens_the_translation(
    browser, site_root, lang: str
) -> None:
    traffic = load(browser, page_url(site_root, lang, CREATION))
    ActionChains(browser).move_to_element(
        browser.find_element(By.CSS_SELECTOR, ".md-header__option .md-select")
    ).perform()
    link = browser.find_element(By.CSS_SELECTOR, f"a.md-select__link[hreflang={OTHER[lang]}]")
    WebDriverWait(browser, 30).until(lambda _: link.is_displayed())
    link.click()
    target = page_url(site_root, OTHER[lang], CREATION)
    WebDriverWait(browser, 30).until(lambda d: d.current_url == target)
    WebDriverWait(browser, 30).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )
    traffic += settle(browser, expect=(SEARCH_INDEX,))
    assert browser.execute_script("return document.documentElement.lang") == OTHER[lang]
    title = browser.find_element(By.CSS_SELECTOR, "article h1").text
    assert bool(HAN.search(title)) == (OTHER[lang] == "zh"), title
    assert not traffic.console_errors, traffic.console_errors
    assert not traffic.foreign(site_root), traffic.foreign(site_root)


@pytest.mark.parametrize("lang", LANGS)
def test_copy_button_copies_the_code(browser, site_root, lang: str) -> None:
    browser.execute_cdp_cmd(
        "Browser.grantPermissions",
        {
            "origin": site_root.rstrip("/"),
            "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"],
        },
    )
    load(browser, page_url(site_root, lang, CREATION))
    # Material's script adds the buttons once the page is loaded.
    button = WebDriverWait(browser, 30).until(
        lambda d: (d.find_elements(By.CSS_SELECTOR, COPY_BUTTON)[1:] or [False])[0],
        "the tutorial needs two code cells with a copy button for this test",
    )
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    assert button.is_displayed()
    call = "const done = arguments[0]; navigator.clipboard.{}.then(done, e => done(String(e)));"
    # Empty the clipboard first, so that text left there by an earlier test cannot pass this one.
    assert not browser.execute_async_script(call.format("writeText('')"))
    ActionChains(browser).move_to_element(button).click().perform()
    read = call.format("readText()")
    WebDriverWait(browser, 30).until(lambda d: d.execute_async_script(read).strip())
    copied = browser.execute_async_script(read).strip()
    assert copied == code_sources(CREATION)[1], f"copied {copied!r}"


@pytest.fixture(scope="session")
def search(browser: WebDriver, site_root: str, screenshots: Path):
    """Type the query into the search box of a tutorial page; returns the result links shown."""
    done: dict[str, tuple[list[dict], Traffic]] = {}

    def run(lang: str) -> tuple[list[dict], Traffic]:
        if lang in done:
            return done[lang]
        traffic = load(browser, page_url(site_root, lang, CREATION))
        box = browser.find_element(By.CSS_SELECTOR, "input.md-search__input")
        if not box.is_displayed():
            browser.find_element(By.CSS_SELECTOR, "label.md-header__button[for=__search]").click()
        WebDriverWait(browser, 30).until(lambda _: box.is_displayed())
        box.click()
        box.send_keys(SEARCH_QUERY[lang])
        # The index loads in a web worker; results appear once it has answered.
        WebDriverWait(browser, 30).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, ".md-search-result__item a")
        )
        results = _all_results(browser)
        browser.execute_script("document.querySelector('.md-search__scrollwrap').scrollTop = 0")
        browser.save_screenshot(str(screenshots / f"search-{lang}.png"))
        box.send_keys(Keys.ESCAPE)
        traffic += settle(browser)
        done[lang] = (results, traffic)
        return done[lang]

    return run


def _all_results(browser: WebDriver) -> list[dict]:
    """Scroll the result list to its end (Material renders results in batches) and read them."""
    read = """
    const text = el => el ? el.textContent.replace(/[\\u00b6\\u200b]/g, '').trim() : null;
    const wrap = document.querySelector('.md-search__scrollwrap');
    wrap.scrollTop = wrap.scrollHeight;
    return [...document.querySelectorAll('.md-search-result__item')].map(item =>
      [...item.querySelectorAll('a.md-search-result__link')].map((a, i) => ({
        href: a.href, title: text(a.querySelector('h1, h2')), document: i === 0})));
    """
    seen, stable_since = -1, time.monotonic()
    while time.monotonic() - stable_since < 0.5:
        items = browser.execute_script(read)
        if len(items) != seen:
            seen, stable_since = len(items), time.monotonic()
        time.sleep(0.1)
    return [link for item in items for link in item]


@pytest.mark.parametrize("lang", LANGS)
def test_search_results_lead_to_pages_in_the_readers_language(
    search, built_site, site_root, lang: str
) -> None:
    results, traffic = search(lang)
    assert results, f"no results for {SEARCH_QUERY[lang]!r}"
    wrong = []
    for link in results:
        url = urlsplit(link["href"])
        target = page_file(built_site.site, link["href"])
        in_zh = url.path.startswith("/zh/")
        if urljoin(link["href"], "/") != site_root or in_zh != (lang == "zh"):
            wrong.append(f"{link['href']} ({link['title']}): not a {lang} page of this site")
        elif not target.is_file():
            wrong.append(f"{link['href']} ({link['title']}): no such page")
        elif url.fragment and unquote(url.fragment) not in ids_in(target):
            wrong.append(f"{link['href']} ({link['title']}): no #{unquote(url.fragment)} there")
    assert not wrong, f"{len(wrong)} of {len(results)} results are wrong:\n" + "\n".join(wrong)
    assert not traffic.console_errors, traffic.console_errors
    assert not traffic.foreign(site_root), traffic.foreign(site_root)


@pytest.mark.parametrize("lang", LANGS)
def test_search_finds_the_creation_tutorial_under_its_title(
    search, visit, site_root, lang: str
) -> None:
    results, _ = search(lang)
    expected = page_url(site_root, lang, CREATION)
    title = visit(lang, CREATION).state["title"]
    pages = {r["href"].split("?")[0]: r["title"] for r in results if r["document"]}
    assert expected in pages, f"{expected} not among the results: {sorted(pages)}"
    assert pages[expected] == title, (
        f"the result for {expected} is titled {pages[expected]!r}, the page {title!r}"
    )


@pytest.mark.parametrize("lang", LANGS)
def test_screenshot_of_a_tutorial(browser, site_root, screenshots, capsys, lang: str) -> None:
    load(browser, page_url(site_root, lang, CREATION))
    path = screenshots / f"{lang}-{CREATION}.png"
    assert browser.save_screenshot(str(path))
    with capsys.disabled():
        print(f"\nscreenshot ({lang}): {path}")
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(header[16:20], "big") > 0 and int.from_bytes(header[20:24], "big") > 0


def test_chinese_heading_renders_chinese_glyphs(browser, site_root) -> None:
    load(browser, page_url(site_root, "zh", CREATION))
    report = han_glyphs(browser, "article h1")
    assert tofu_problem(report) is None, (
        f"Chinese shows as missing-glyph boxes: {tofu_problem(report)}; "
        "install the Debian package fonts-noto-cjk"
    )


def test_glyph_check_fails_without_a_chinese_font(site_root, tmp_path: Path, screenshots) -> None:
    """The glyph check is only worth something if it fails on a machine lacking a Chinese font."""
    config = tmp_path / "fonts.conf"
    config.write_text(FONTCONFIG_WITHOUT_CHINESE, encoding="utf-8")
    try:
        driver = start_chromium(tmp_path / "profile", env={"FONTCONFIG_FILE": str(config)})
    except BrowserUnavailable as err:
        fail_browser(err)
    try:
        driver.get(page_url(site_root, "zh", CREATION))
        report = han_glyphs(driver, "article h1")
        driver.save_screenshot(str(screenshots / f"zh-{CREATION}-without-chinese-font.png"))
    finally:
        driver.quit()
    assert report is not None and report["glyphs"], report
    assert tofu_problem(report) is not None, f"tofu went unnoticed: {report}"


def test_a_missing_browser_is_reported_with_the_fix(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(browser_module, "CHROMIUM", tmp_path / "chromium")
    with pytest.raises(BrowserUnavailable, match=r"chromium not found .*apt-get install -y chrom"):
        start_chromium(tmp_path / "profile")


def test_a_browser_that_cannot_start_is_reported_with_its_output(
    monkeypatch, tmp_path: Path
) -> None:
    broken = tmp_path / "chromium"
    broken.write_text("#!/bin/sh\necho 'Missing X server or $DISPLAY' >&2\nexit 1\n")
    broken.chmod(0o755)
    monkeypatch.setattr(browser_module, "CHROMIUM", broken)
    with pytest.raises(BrowserUnavailable, match=r"(?s)did not start.*Missing X server"):
        start_chromium(tmp_path / "profile")


SETTLED_JS = "return document.getAnimations().every(a => a.playState !== 'running')"
# What a reader must be able to read: code cells and their outputs.
CODE_AND_OUTPUTS = ".jp-InputArea-editor pre, .jp-OutputArea-output"
# WCAG 2 AA contrast for body text.
MIN_CONTRAST = 4.5
# How many characters of its own font the box holding a block's text (Material's `pre > code`
# for code cells, the `pre` for outputs) shows without scrolling.
CHAR_WIDTH_JS = """
const pre = document.querySelector(arguments[0]);
const box = pre.querySelector(':scope > code') || pre;
const style = getComputedStyle(box);
const probe = document.createElement('span');
// Out of the flow and unwrapped, so that outputs' pre-wrap does not fold the probe.
probe.style.cssText = 'position: absolute; white-space: pre; visibility: hidden';
probe.textContent = '0'.repeat(100);
box.appendChild(probe);
const char = probe.getBoundingClientRect().width / 100;
probe.remove();
const inner = box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
return {inner, char, chars: Math.floor(inner / char), window: window.innerWidth};
"""


@pytest.mark.parametrize(
    ("selector", "limit"),
    [(".jp-InputArea-editor pre", CODE_COLUMN), (".jp-OutputArea-output pre", OUTPUT_COLUMN)],
    ids=["code", "output"],
)
def test_column_holds_the_width_the_site_is_tested_against(
    browser, site_root, selector: str, limit: int
) -> None:
    load(browser, page_url(site_root, "en", CREATION))
    column = browser.execute_script(CHAR_WIDTH_JS, selector)
    assert column["chars"] >= limit, (
        f"{selector} holds {column['chars']} characters at the default layout ({column}), "
        f"the width tests allow {limit}"
    )


def _record(path: Path, report: dict, capsys) -> None:
    with capsys.disabled():
        print(f"\nscreenshot: {path} ({report['width']} px wide, {report['scheme']} palette)")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _assert_readable(report: dict) -> None:
    assert report["overflow"] <= 0, f"the page scrolls sideways by {report['overflow']} px"
    assert report["texts"] > 0, "no code or output text was found to check"
    low = [w for w in report["worst"] if w["ratio"] < MIN_CONTRAST]
    assert not low, f"text below {MIN_CONTRAST}:1 contrast: {low}"


@pytest.mark.parametrize("lang", LANGS)
def test_tutorial_on_a_phone(browser, site_root, screenshots, capsys, lang: str) -> None:
    with phone_viewport(browser):
        load(browser, page_url(site_root, lang, CREATION))
        WebDriverWait(browser, 30).until(lambda d: d.execute_script("return innerWidth") == 390)
        report = readability(browser, CODE_AND_OUTPUTS)
        path = screenshots / f"phone-{lang}-{CREATION}.png"
        assert browser.save_screenshot(str(path))
    _record(path, report, capsys)
    _assert_readable(report)


def _choose_palette(browser: WebDriver, scheme: str) -> None:
    """Click the header's palette toggle until the page shows ``scheme``."""
    target = browser.find_element(
        By.CSS_SELECTOR, f"input[name=__palette][data-md-color-scheme={scheme}]"
    )
    browser.find_element(By.CSS_SELECTOR, f"label[for={target.get_attribute('id')}]").click()
    WebDriverWait(browser, 30).until(
        lambda d: d.execute_script("return document.body.dataset.mdColorScheme") == scheme
    )
    # Material fades colours into the new scheme: read them once the transitions have ended.
    WebDriverWait(browser, 30).until(lambda d: d.execute_script(SETTLED_JS))


@pytest.mark.parametrize("lang", LANGS)
def test_tutorial_in_the_dark_palette(browser, site_root, screenshots, capsys, lang: str) -> None:
    load(browser, page_url(site_root, lang, CREATION))
    _choose_palette(browser, "slate")
    try:
        report = readability(browser, CODE_AND_OUTPUTS)
        path = screenshots / f"dark-{lang}-{CREATION}.png"
        assert browser.save_screenshot(str(path))
    finally:
        # The choice is remembered in localStorage; the other tests read the default palette.
        _choose_palette(browser, "default")
    _record(path, report, capsys)
    _assert_readable(report)
