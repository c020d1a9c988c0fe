"""The Chinese prose follows docs/glossary.zh.yml: one word per term, full-width paired quotes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from recipes.site.notebooks import Tutorial
from tests.conftest import ROOT

GLOSSARY = ROOT / "docs" / "glossary.zh.yml"

# Code is not prose: fenced blocks, inline code, link targets, HTML tags and bare URLs are cut out.
_NOT_PROSE = re.compile(
    r"^\s*(```|~~~).*?^\s*\1[^\n]*$|`[^`\n]*`|\]\([^)\s]*\)|<[^>\n]+>|https?://\S+", re.M | re.S
)


@dataclass(frozen=True)
class Prose:
    """One piece of Chinese prose and, for a tutorial cell, its English partner."""

    where: str
    zh: str
    en: str | None = None


def prose_only(text: str) -> str:
    return _NOT_PROSE.sub(" ", text)


def tutorial_prose(path: Path) -> list[Prose]:
    cells = [c for c in Tutorial.read(path).notebook.cells if c.cell_type == "markdown"]
    found = []
    for en, zh in zip(cells, cells[1:]):
        if en.metadata.get("lang") == "en" and zh.metadata.get("lang") == "zh":
            first = zh.source.strip().splitlines()[0][:40] if zh.source.strip() else ""
            found.append(Prose(f"{path.name}: {first!r}", prose_only(zh.source), prose_only(en.source)))
    return found


def page_prose(path: Path) -> list[Prose]:
    return [Prose(path.name, prose_only(path.read_text(encoding="utf-8")))]


def all_prose(docs: Path) -> list[Prose]:
    found = []
    for path in sorted((docs / "tutorials").glob("*.py")):
        found += tutorial_prose(path)
    for path in sorted(docs.glob("*.zh.md")):
        found += page_prose(path)
    return found


def _word(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![A-Za-z_])(?:{pattern})(?![A-Za-z_])", re.I)


def violations(prose: Prose, terms: list[dict]) -> list[str]:
    """What in ``prose`` breaks the glossary, each naming the term, what was expected and what came."""
    found = []
    for term in terms:
        for variant in term.get("avoid", []):
            text = prose.zh
            for allowed in term.get("allow", []):
                text = text.replace(allowed, " ")
            for match in re.finditer(variant, text):
                found.append(
                    f"{prose.where}: {term['en']!r} is {'/'.join(term['zh'])}, got {match.group()!r}"
                )
        if prose.en is None or not _word(term["en"]).search(prose.en):
            continue
        if term["zh"] and not any(word in prose.zh for word in term["zh"]):
            found.append(
                f"{prose.where}: the English cell says {term['en']!r}, expected "
                f"{'/'.join(term['zh'])} in the Chinese cell"
            )
        avoided = term.get("not_zh")
        unless = term.get("unless_en")
        if avoided and avoided in prose.zh and not (unless and _word(unless).search(prose.en)):
            found.append(
                f"{prose.where}: the English cell says {term['en']!r}, expected "
                f"{'/'.join(term['zh'])}, got {avoided}"
            )
    return found


def quote_violations(prose: Prose) -> list[str]:
    """Chinese prose quotes with “…”, opened and closed in turn."""
    found = []
    if '"' in prose.zh:
        at = prose.zh.index('"')
        found.append(f"{prose.where}: expected “…”, got '\"' in {prose.zh[max(0, at - 15):at + 15]!r}")
    depth = 0
    for char in re.findall("[“”]", prose.zh):
        depth += 1 if char == "“" else -1
        if depth not in (0, 1):
            found.append(f"{prose.where}: expected “ and ” in turn, got a stray {char}")
            break
    else:
        if depth:
            found.append(f"{prose.where}: expected every “ closed by ”, one is left open")
    return found


@pytest.fixture(scope="module")
def terms() -> list[dict]:
    return yaml.safe_load(GLOSSARY.read_text(encoding="utf-8"))["terms"]


def test_glossary_covers_the_core_terms(terms) -> None:
    chosen = {word for term in terms for word in term["zh"]}
    assert {"张量", "梯度", "广播", "叶子节点", "步幅", "工具函数"} <= chosen


def test_every_zh_page_and_tutorial_follows_the_glossary(terms) -> None:
    prose = all_prose(ROOT / "docs")
    assert len([p for p in prose if p.en is not None]) > 100, "tutorial prose not found"
    problems = [v for p in prose for v in violations(p, terms) + quote_violations(p)]
    assert problems == [], "\n".join(problems)


PLANTED = """# %% [markdown] lang="en"
# # Strides
#
# A transpose only changes the *strides*; every recipe says "view" where it means it.

# %% [markdown] lang="zh"
# # 步长
#
# 转置只修改*步长*；每个食谱在需要"视图"的地方都这么写，例如 `recipe` 与 “视图”。

# %%
x = 1
"""


def test_planted_violations_are_each_reported(tmp_path: Path, terms) -> None:
    source = tmp_path / "planted.py"
    source.write_text(PLANTED, encoding="utf-8")
    (prose,) = tutorial_prose(source)
    found = [v.split(": ", 2)[-1] for v in violations(prose, terms) + quote_violations(prose)]
    assert found[:4] == [
        "the English cell says 'strides?', expected 步幅 in the Chinese cell",
        "the English cell says 'strides?', expected 步幅, got 步长",
        "'recipes?' is 工具函数, got '食谱'",
        "the English cell says 'recipes?', expected 工具函数 in the Chinese cell",
    ]
    assert len(found) == 5 and found[4].startswith("expected “…”, got '\"'")


def test_a_faithful_translation_passes(tmp_path: Path, terms) -> None:
    source = tmp_path / "faithful.py"
    source.write_text(
        PLANTED.replace("# # 步长", "# # 步幅")
        .replace("转置只修改*步长*；每个食谱在需要\"视图\"的地方", "转置只修改*步幅*；每个工具函数在需要“视图”的地方"),
        encoding="utf-8",
    )
    (prose,) = tutorial_prose(source)
    assert violations(prose, terms) + quote_violations(prose) == []


def test_a_step_may_be_called_a_step(terms) -> None:
    prose = Prose("slicing", "切片的步长和内存中的步幅不是一回事。", "A slice's step is not a memory stride.")
    assert violations(prose, terms) == []


@pytest.mark.parametrize(
    ("zh", "expected"),
    [
        ("用“视图”和“副本”。", []),
        ("用“视图”和“副本。", ["expected every “ closed by ”, one is left open"]),
        ("用视图”和“副本”。", ["expected “ and ” in turn, got a stray ”"]),
    ],
)
def test_full_width_quotes_open_and_close_in_turn(zh: str, expected: list[str]) -> None:
    found = [v.split(": ", 1)[1] for v in quote_violations(Prose("page", zh))]
    assert found == expected
