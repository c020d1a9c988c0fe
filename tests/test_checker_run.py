"""The checker end to end on fixture tutorials: exact verdicts and lines for each claim and block.

Every document runs in its own kernel (1-2 s each plus the import of torch), so each fixture
document is checked once per module and the tests read the results.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from recipes.checker.parse import parse_file, parse_source
from recipes.checker.run import DocumentResult, check_document, plan_cells

# The tests here start kernels, so the file is among the first handed out (see
# conftest.pytest_collection_modifyitems).
pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).parent / "fixtures" / "checker"


@pytest.fixture(scope="module")
def results() -> dict[str, DocumentResult]:
    checked = {}
    for name in ("claims_en.md", "claims_zh.txt", "page.html", "percent_tutorial.py",
                 "module_doctest.py", "stored_outputs.ipynb"):
        checked[name] = check_document(parse_file(FIXTURES / name), timeout=30)
    # a small output cap trips long before the 3 s limit, even on a busy machine
    checked["failures_zh.md"] = check_document(parse_file(FIXTURES / "failures_zh.md"), timeout=3,
                                               output_limit=100_000)
    return checked


def _claims(result: DocumentResult) -> list[tuple]:
    out = []
    for block in result.blocks:
        for cr in block.claims:
            where = cr.claim.line if cr.claim.cell is None else (cr.claim.cell, cr.claim.line)
            out.append((where, cr.verdict))
    return out


def _blocks(result: DocumentResult) -> list[tuple]:
    return [
        (b.block.line if b.block.cell is None else b.block.cell, b.status,
         b.error["line"] if b.error else None)
        for b in result.blocks
    ]


def test_english_markdown_verdicts(results):
    res = results["claims_en.md"]
    assert _claims(res) == [
        (10, "ok"), (11, "wrong"),
        (19, "ok"), (21, "ok"), (22, "ok"), (23, "wrong"), (24, "wrong"),
        (37, "ok"),
        (46, "ok"), (48, "ok"), (52, "wrong"),
        (59, "unverifiable"), (61, "ok"), (62, "ok"),
        (71, "ok"),
        (77, "ok"),
        (82, "ok"), (84, "error"),
        (91, "needs-cuda"),
        (104, "ok"),
    ]
    assert _blocks(res) == [
        (6, "ok", None), (17, "ok", None), (30, "ok", None), (45, "ok", None),
        (58, "ok", None), (68, "ok", None), (76, "ok", None),
        (82, "error", 83), (90, "needs-cuda", 90), (97, "error", 98), (104, "ok", None),
    ]


def test_errors_name_the_exception_and_the_line(results):
    blocks = {b.block.line: b for b in results["claims_en.md"].blocks}
    raised = blocks[82].error
    assert (raised["ename"], raised["line"], raised["reason"]) == ("ZeroDivisionError", 83, "raised")
    assert "division by zero" in raised["evalue"]
    assert blocks[97].error["ename"] == "SystemExit"
    assert blocks[97].error["reason"] == "called sys.exit(2)"
    assert "CUDA" in blocks[90].error["evalue"]


def test_wrong_claims_carry_a_diff_and_the_actual_output(results):
    claims = {cr.claim.line: cr for b in results["claims_en.md"].blocks for cr in b.claims}
    wrong = claims[11]
    assert wrong.actual == "tensor([ 4, 10, 18])\n"
    assert "-tensor([4, 10, 19])" in wrong.diff and "+tensor([ 4, 10, 18])" in wrong.diff
    assert "dtype=torch.float64" in claims[23].diff
    assert claims[22].note == "claim leaves out the printed label"
    assert claims[84].note == "not run: the block stopped at line 83 (ZeroDivisionError)"


def test_chinese_flattened_text_verdicts(results):
    res = results["claims_zh.txt"]
    assert _claims(res) == [
        (10, "ok"), (14, "ok"), (16, "wrong"), (22, "ok"), (29, "wrong"),
        (32, "unverifiable"), (34, "ok"), (36, "ok"), (41, "ok"),
    ]
    assert _blocks(res) == [
        (6, "ok", None), (18, "ok", None), (26, "ok", None), (32, "ok", None),
        (34, "ok", None), (36, "ok", None), (38, "syntax", 38), (41, "ok", None),
    ]


def test_failure_modes_and_recovery(results):
    res = results["failures_zh.md"]
    assert _blocks(res) == [
        (6, "ok", None),
        (14, "timeout", 14),
        (20, "error", 21),
        (27, "error", 27),
        (33, "error", 34),
        (40, "ok", None),
    ]
    blocks = {b.block.line: b for b in res.blocks}
    assert blocks[20].error["ename"] == "DeadKernelError"
    assert blocks[27].error["ename"] == "OutputLimitExceeded"
    assert blocks[33].error["reason"] == "printed without end; output stopped"
    # after the timeout and the crash the kernel restarted and replayed the first block
    assert res.restarts == 2
    assert _claims(res) == [(8, "ok"), (40, "ok")]


def test_html_percent_doctest_and_notebook_verdicts(results):
    assert _claims(results["page.html"]) == [(12, "ok"), (13, "wrong"), (21, "ok")]
    assert _claims(results["percent_tutorial.py"]) == [(25, "ok"), (31, "wrong")]
    assert _claims(results["module_doctest.py"]) == [(9, "ok"), (11, "ok"), (21, "wrong"),
                                                      (23, "ok")]
    assert _claims(results["stored_outputs.ipynb"]) == [
        ((2, 1), "ok"), ((3, 1), "wrong"), ((4, 2), "ok"), ((5, 1), "ok"), ((6, 1), "ok")]
    assert all(b.status == "ok" for b in results["stored_outputs.ipynb"].blocks)


def test_each_claimed_statement_runs_as_its_own_cell():
    doc = parse_source(
        "```python\nimport math\nx = 2\nprint(x)  # 2\ny = x + 1\nz = y * 2\nprint(z)  # 6\n"
        "print('tail')\n```\n", "t.md", "markdown")
    cells = plan_cells(doc.blocks[0])
    assert [c.source for c in cells] == [
        "import math\nx = 2", "print(x)  # 2", "y = x + 1\nz = y * 2", "print(z)  # 6",
        "print('tail')"]
    assert [c.first for c in cells] == [1, 3, 4, 6, 7]


def test_documents_are_isolated_from_each_other_and_from_the_checker(tmp_path):
    first = tmp_path / "first.md"
    first.write_text("```python\nimport sys\nshared = 1\nprint('torch' in sys.modules)  # False\n```\n",
                     encoding="utf-8")
    second = tmp_path / "second.md"
    second.write_text("```python\nprint(shared)  # 1\n```\n", encoding="utf-8")
    one = check_document(parse_file(first))
    two = check_document(parse_file(second))
    assert [cr.verdict for b in one.blocks for cr in b.claims] == ["ok"]
    assert two.blocks[0].status == "error"
    assert two.blocks[0].error["ename"] == "NameError"


def test_timeout_is_per_block_even_when_split_into_cells():
    # Each claimed statement alone stays under the 2 s limit; together they do not.
    doc = parse_source(
        "```python\nimport time\ntime.sleep(1.2)\nprint(1)  # 1\ntime.sleep(1.2)\nprint(2)  # 2\n```\n"
        "\n```python\nprint('next')  # next\n```\n", "slow.md", "markdown")
    result = check_document(doc, timeout=2)
    assert [b.status for b in result.blocks] == ["timeout", "ok"]
