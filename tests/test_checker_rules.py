"""The checker's rules end to end: one finding per root cause, what cannot be known, expected
errors, code that never runs. Each document is small and runs in its own kernel."""

from __future__ import annotations

import json
import textwrap

import nbformat
import pytest

from recipes.checker.parse import parse_source
from recipes.checker.run import DocumentResult, _State, check_document

# The tests here start kernels, so the file is among the first handed out (see
# conftest.pytest_collection_modifyitems).
pytestmark = pytest.mark.slow


def _md(*blocks: str) -> str:
    return "\n\n".join(f"```python\n{textwrap.dedent(b).strip()}\n```" for b in blocks) + "\n"


def _check(text: str, fmt: str = "markdown", **kwargs) -> DocumentResult:
    return check_document(parse_source(text, f"doc.{'ipynb' if fmt == 'notebook' else 'md'}",
                                       fmt), timeout=60, **kwargs)


def _verdicts(result: DocumentResult) -> list[tuple[int, str]]:
    return [(cr.claim.line, cr.verdict) for b in result.blocks for cr in b.claims]


def _statuses(result: DocumentResult) -> list[tuple[int, str]]:
    return [(b.block.line, b.status) for b in result.blocks]


def test_a_block_that_fails_because_an_earlier_one_failed_is_skipped_naming_it():
    result = _check(_md(
        "import torch\nx = torch.ones(2)\nprint(x)  # tensor([1., 1.])",
        "y = x.reshape(3)\nz = y * 2",
        "print(z)  # tensor([2., 2., 2.])",
        "print(x + 1)  # tensor([2., 2.])",
    ))
    assert _statuses(result) == [(2, "ok"), (8, "error"), (13, "skipped"), (17, "ok")]
    skipped = result.blocks[2]
    assert "depends on the block at line 8" in skipped.error["reason"]
    assert _verdicts(result) == [(4, "ok"), (13, "skipped"), (17, "ok")]


def test_needs_cuda_only_when_the_kernel_reports_no_cuda(monkeypatch):
    doc = _md("import torch\nx = torch.ones(2).cuda()\nprint(x)  # tensor([1., 1.], device='cuda:0')",
              "print(x * 2)  # tensor([2., 2.], device='cuda:0')")
    result = _check(doc)
    assert [s for _, s in _statuses(result)] == ["needs-cuda", "skipped"]
    assert "needs a CUDA GPU" in result.blocks[0].error["reason"]
    assert "(needs-cuda, line 3)" in result.blocks[1].error["reason"]
    # on a machine whose kernel has CUDA the same failure is the tutorial's own error
    monkeypatch.setattr(_State, "cuda_available", lambda self: True)
    assert [s for _, s in _statuses(_check(doc))][0] == "error"


def test_a_missing_package_is_reported_where_it_is_used_and_once_where_imported():
    result = _check(_md(
        "import pandas as pd\nimport torch\nprint(torch.ones(1))  # tensor([1.])",
        "df = pd.DataFrame({'a': [1]})\nprint(df)",
        "print(torch.zeros(1))  # tensor([0.])",
    ))
    assert _statuses(result) == [(2, "ok"), (8, "missing-package"), (13, "ok")]
    assert _verdicts(result) == [(4, "ok"), (13, "ok")]
    assert [(f.line, f.kind) for f in result.findings] == [(2, "missing-package")]
    assert "'pandas'" in result.findings[0].message


def test_a_document_that_never_imports_torch_gets_one_finding():
    text = _md("x = torch.tensor([1., 2.])\nprint(x * 2)  # tensor([2., 4.])",
               "a = np.arange(3)\nprint(a)  # [0 1 2]")
    result = _check(text)
    assert _verdicts(result) == [(3, "ok"), (8, "ok")]
    (finding,) = result.findings
    assert (finding.line, finding.kind) == (2, "never-imports")
    assert "`torch`, `np`" in finding.message
    # the option turns it off: the blocks then fail as written
    plain = _check(text, implied_imports=False)
    assert [s for _, s in _statuses(plain)] == ["error", "error"]


def test_expected_errors_are_claims_about_the_exception():
    result = _check(
        _md("import torch\nx = torch.arange(6)\nx.view(4)  # RuntimeError: shape '[4]' is invalid"
            "\nprint(x.sum())  # tensor(15)")
        + "\n```python\ntorch.ones(2) + torch.ones(3)\n```\n\nOutput:\n\n```\nTraceback (most recent"
          " call last):\n  ...\nRuntimeError: The size of tensor a (2) must match\n```\n"
        + "\n```python\nint('7')\n```\n\nOutput:\n\n```\nValueError: invalid literal\n```\n"
        + "\n```python\nx.view(2, 3)  # TypeError: bad\n```\n"
    )
    assert _verdicts(result) == [(4, "ok"), (5, "ok"), (15, "ok"), (27, "wrong"), (31, "wrong")]
    assert all(b.status == "ok" for b in result.blocks)
    notes = {cr.claim.line: cr.note for b in result.blocks for cr in b.claims}
    assert notes[27] == "expected an exception, none was raised"
    assert notes[31] == "expected an exception, none was raised"


def test_claims_inside_functions_are_not_run_unless_called():
    result = _check(_md(
        "import torch\ndef show(t):\n    print(t.shape)  # torch.Size([2, 2])\n"
        "def never(t):\n    print(t.sum())  # tensor(99.)",
        "show(torch.ones(2, 2))",
    ))
    verdicts = {cr.claim.line: cr for b in result.blocks for cr in b.claims}
    assert verdicts[4].verdict == "ok"
    assert verdicts[6].verdict == "not-run"
    assert "never() , which" not in verdicts[6].note and "never calls" in verdicts[6].note


def test_machine_dependent_and_random_claims_are_never_ok():
    result = _check(_md(
        "import torch, time\nprint(torch.__version__)  # 1.13.1\n"
        "print(torch.cuda.is_available())  # True\nstart = time.time()\n"
        "print(round(time.time() - start, 4))  # 0.0431",
        "r = torch.rand(2, 3)\nprint(r)  # tensor([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]])\n"
        "print(r)  # tensor([[0.1, 0.2], [0.4, 0.5]])\nprint(r.shape)  # torch.Size([3, 2])\n"
        "print(r)  # tensor([[1.5, 0.2, 0.3], [0.4, 0.5, 0.6]])",
    ))
    assert _verdicts(result) == [(3, "environment"), (4, "environment"), (6, "environment"),
                                 (11, "unverifiable"), (12, "wrong"), (13, "wrong"),
                                 (14, "wrong")]


def test_notebook_outputs_are_compared_with_what_a_notebook_shows(tmp_path):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("import torch\nx = torch.ones(2, requires_grad=True)\n"
                                     "y = x + 1\nprint(y.shape)\ny.grad_fn")
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="torch.Size([2])\n"),
        nbformat.v4.new_output("execute_result", {"text/plain": "<AddBackward0 at 0x7f1c>"},
                               execution_count=1),
    ]
    sets = nbformat.v4.new_code_cell("{'cherry', 'apple', 'banana'}")
    sets.outputs = [nbformat.v4.new_output("execute_result",
                                           {"text/plain": "{'apple', 'banana', 'cherry'}"},
                                           execution_count=2)]
    nb.cells = [cell, sets]
    result = _check(json.dumps(nb), fmt="notebook")
    assert [(cr.claim.cell, cr.claim.output, cr.verdict) for b in result.blocks
            for cr in b.claims] == [(1, 1, "ok"), (1, 2, "ok"), (2, 1, "ok")]


@pytest.mark.parametrize("strict", [False, True])
def test_unverified_claims_fail_the_run_only_with_strict(strict):
    from recipes.checker.report import exit_code

    result = _check(_md("import torch\nprint(torch.rand(1))  # tensor([0.5000])"))
    assert exit_code([result], strict=strict) == (1 if strict else 0)


def test_claims_in_a_branch_that_never_runs_are_not_run():
    result = _check(_md(
        "import torch\nx = torch.ones(2)\nif x.sum() > 5:\n    print(x * 10)  # tensor([10., 10.])\n"
        "for k in range(0):\n    print(k)  # 0",
        "if x.sum() > 1:\n    print(x * 2)  # tensor([3., 3.])",
    ))
    verdicts = {cr.claim.line: cr for b in result.blocks for cr in b.claims}
    assert [(line, cr.verdict) for line, cr in sorted(verdicts.items())] == [
        (5, "not-run"), (7, "not-run"), (12, "wrong")]
    assert verdicts[5].note == "the loop or branch holding it never ran its print"
