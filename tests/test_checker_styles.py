"""Every way a tutorial shows output, in English and Chinese: claims and blocks with their lines.

Each style has an English and a Chinese fixture under ``fixtures/checker/styles``; the counter
tests check that output text never lands in a block that would be run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from recipes.checker.model import Document, Unrun
from recipes.checker.parse import parse_file, parse_paths, parse_source
from recipes.checker.parse.blocks import first_row, looks_like_output, transform_magics
from recipes.checker.parse.claims import approximation, claim_text, expected_error
from recipes.checker.parse.markers import inline_output, is_marker

STYLES = Path(__file__).parent / "fixtures" / "checker" / "styles"
ALL = sorted(p.name for p in STYLES.iterdir())


def _doc(name: str) -> Document:
    return parse_file(STYLES / name)


def _claims(name: str) -> list[tuple[int, str, str]]:
    return [(c.line, c.kind, c.text) for c in _doc(name).claims]


def _blocks(name: str) -> list[int]:
    return [b.line for b in _doc(name).blocks]


def _orphans(name: str) -> list[tuple[int, str]]:
    return [(o.line, o.text) for o in _doc(name).orphans]


# ---------------------------------------------------------------------------------------------
# Markdown: output fences after a code fence
# ---------------------------------------------------------------------------------------------


def test_output_fences_en():
    assert _claims("fences_en.md") == [
        (10, "output-block", "tensor([2., 4.])"),
        (19, "output-block", "torch.Size([2])"),
        (27, "output-block", "3.0"),
        (35, "output-block", "done torch.float32"),
        (48, "comment", "tensor([2., 3.])"),
        (57, "output-block", "[1.0, 2.0]"),  # a "python" fence that only shows output
    ]
    assert _blocks("fences_en.md") == [4, 16, 23, 31, 47, 54, 63]
    assert _orphans("fences_en.md") == [
        (41, "tensor([5.])"), (67, "$ python train.py\nepoch 1 loss 0.25")]


def test_output_fences_zh():
    assert _claims("fences_zh.md") == [
        (12, "output-block", "tensor([[0, 1],\n        [2, 3]])"),
        (22, "output-block", "tensor(6)"),
        (37, "output-block", "tensor(1.5000)"),
        (47, "output-block", "[0, 1, 2, 3]"),
        (55, "output-block", "torch.Size([4])"),  # a "bash" fence that shows output
    ]
    assert _blocks("fences_zh.md") == [6, 19, 32, 43, 51]
    assert _orphans("fences_zh.md") == [(28, "torch.Size([2, 2])")]


# ---------------------------------------------------------------------------------------------
# Markdown: labelled outputs, fenced, indented or on the label's line
# ---------------------------------------------------------------------------------------------


def test_labelled_outputs_en():
    doc = _doc("labelled_en.md")
    assert [(c.line, c.kind, c.text) for c in doc.claims] == [
        (14, "output-block", "tensor([2., 2., 2.])"),
        (23, "output-block", "tensor(6., grad_fn=<SumBackward0>)"),
        (31, "output-block", "[1. 1. 1.]"),
        (38, "output-block", "torch.Size([3])"),
        (47, "output-block", "Traceback (most recent call last):\n"
                             '  File "<stdin>", line 1, in <module>\n'
                             "RuntimeError: shape '[3]' is invalid for input of size 2"),
        (60, "output-block", "epoch 0 loss 0.50\nepoch 1 loss 0.25"),  # announced, not Python
        (69, "output-block", "Traceback (most recent call last):\n"
                             '  File "<stdin>", line 1, in <module>\n'
                             "RuntimeError: inconsistent tensor size, expected tensor [2] and src "
                             "[3] to have the same number of elements, but got 2 and 3 elements "
                             "respectively"),
        (78, "output-block", "tensor(6., grad_fn=<MulBackward0>)"),  # "Which prints `...`"
    ]
    assert [c.target_line for c in doc.claims] == [4, 18, 26, 35, 41, 53, 65, 75]
    assert doc.claims[4].expect_error == "RuntimeError: shape '[3]' is invalid for input of size 2"
    assert doc.claims[6].expect_error.startswith("RuntimeError: inconsistent tensor size")


def test_labelled_outputs_zh():
    doc = _doc("labelled_zh.md")
    assert [(c.line, c.kind, c.text) for c in doc.claims] == [
        (12, "output-block", "tensor([[1, 3],\n        [2, 4]])"),
        (22, "output-block", "tensor([4, 6])"),
        (30, "output-block", "tensor(4)"),
        (39, "output-block", "tensor(2.5000)"),
        (45, "output-block", "torch.int64"),
        (54, "output-block", "TypeError: item() takes no arguments (1 given)"),
        (61, "output-block", "4"),  # "这一行会输出 `4`"
        (70, "output-block", "RuntimeError: grad can be implicitly created only for scalar outputs"),
    ]
    assert _blocks("labelled_zh.md") == [4, 17, 25, 34, 42, 48, 58, 64]
    assert doc.claims[-1].expect_error == doc.claims[-1].text  # announced by "报错信息如下："
    assert doc.claims[5].expect_error == "TypeError: item() takes no arguments (1 given)"


# ---------------------------------------------------------------------------------------------
# Markdown exported from Jupyter: each output indented by four spaces after its fence
# ---------------------------------------------------------------------------------------------


def test_jupyter_export_en():
    doc = _doc("jupyter_export_en.md")
    assert doc.display == "ipython"
    assert [(c.line, c.kind) for c in doc.claims] == [
        (12, "output-block"), (22, "output-block"), (38, "output-block"), (52, "comment"),
        (60, "output-block")]
    assert doc.claims[0].text == "tensor([5.])"
    assert doc.claims[1].text.split() == ["0", "tensor([0.])", "1", "tensor([5.])", "5.0"]
    assert doc.claims[2].expect_error == "RuntimeError: shape '[2]' is invalid for input of size 1"
    assert _blocks("jupyter_export_en.md") == [4, 17, 34, 51, 55]
    magics = doc.blocks[-1]
    assert magics.tree is not None and "%matplotlib inline" in magics.source
    assert [(u.line, u.text) for u in doc.unrun] == [(56, "!pip install torchvision")]


def test_jupyter_export_zh():
    doc = _doc("jupyter_export_zh.md")
    assert doc.display == "ipython"
    assert [(c.line, c.kind, c.target_line) for c in doc.claims] == [
        (15, "output-block", 7), (24, "output-block", 20)]
    assert doc.claims[0].text == "torch.Size([2, 2])"
    assert doc.claims[1].text.split("\n")[0] == "迹： tensor(2.)"
    assert doc.claims[1].text.endswith("tensor([[1., 0.],\n        [0., 1.]])")
    assert _blocks("jupyter_export_zh.md") == [7, 20]
    assert doc.orphans == []  # the list item's indented line is prose


# ---------------------------------------------------------------------------------------------
# Markdown: outputs quoted with ">"
# ---------------------------------------------------------------------------------------------


def test_blockquote_outputs_en():
    assert _claims("blockquote_en.md") == [
        (9, "output-block", "tensor([1., 2.])"),
        (16, "output-block", "tensor([[1.],\n        [2.]])\ntorch.Size([2])"),
    ]
    assert _blocks("blockquote_en.md") == [4, 12, 21, 31]  # the quotes after 21, 31 are asides
    assert _orphans("blockquote_en.md") == [(28, "tensor([3., 4.])")]


def test_blockquote_outputs_zh():
    assert _claims("blockquote_zh.md") == [
        (9, "output-block", "tensor(4.)"),
        (16, "output-block", "4\n2"),
        (30, "output-block", "tensor([1., 1.])"),
        (37, "output-block", "tensor(1.)"),  # "> 输出：tensor(1.)": the label is not output
    ]
    assert _blocks("blockquote_zh.md") == [4, 12, 20, 26, 34]
    assert _orphans("blockquote_zh.md") == []


# ---------------------------------------------------------------------------------------------
# IPython transcripts and ">>>" sessions
# ---------------------------------------------------------------------------------------------


def test_ipython_transcript_en():
    doc = _doc("transcript_en.md")
    assert doc.display == "ipython"
    assert [(c.line, c.kind, c.text, c.target_line) for c in doc.claims] == [
        (9, "output-block", "tensor(5.)", 8),
        (14, "output-block", "3.0\n4.0", 11),
        (19, "output-block", "tensor([[3.],\n        [4.]])", 17),
        (26, "output-block", "tensor(7.)", 25),
        (29, "output-block", "tensor([0., 0.])", 28),
    ]
    assert [(b.line, b.source) for b in doc.blocks] == [
        (4, "import torch"),
        (6, "a = torch.tensor([3.0, 4.0])"),
        (8, "a.norm()"),
        (11, "for v in a:\n    print(v.item())"),
        (17, "a.reshape(2, 1)"),
        (25, "a.sum()"),
        (28, "a.zero_()"),
    ]
    assert doc.blocks[3].line_map == [11, 12]


def test_ipython_transcript_zh():
    doc = _doc("transcript_zh.md")
    assert doc.display == "ipython"
    assert [(c.line, c.kind, c.text) for c in doc.claims] == [
        (11, "output-block", "torch.int32"),
        (14, "output-block", "tensor([1, 1, 1], dtype=torch.int32)"),
        (17, "output-block", "IndexError: index 5 is out of bounds for dimension 0 with size 3"),
        (31, "output-block", "tensor(0.)"),  # "In [6]:" and "Out[6]:" as lines of their own
    ]
    assert doc.claims[2].expect_error == doc.claims[2].text
    assert _blocks("transcript_zh.md") == [6, 8, 10, 13, 16, 25]


def test_prompt_sessions_en():
    doc = _doc("session_en.md")
    assert doc.display == "repr"
    assert _claims("session_en.md") == [
        (6, "doctest", "tensor([2, 4])"),
        (8, "doctest", "tensor([1], dtype=torch.int32)"),
        (14, "doctest", "[0, 1, 2]"),
    ]
    assert [(b.line, b.kind) for b in doc.blocks] == [(4, "doctest"), (13, "doctest")]


def test_prompt_sessions_zh():
    doc = _doc("session_zh.md")
    assert [(c.line, c.kind) for c in doc.claims] == [(7, "doctest"), (9, "doctest")]
    assert doc.claims[1].expect_error == (
        "TypeError: unsupported operand type(s) for +: 'float' and 'str'")
    assert [b.line_map for b in doc.blocks] == [[4, 5, 6, 8]]
    assert doc.blocks[0].tree is not None


# ---------------------------------------------------------------------------------------------
# Comments: trailing, knitr "#>", arrows, markers, blocks, approximations, errors, functions
# ---------------------------------------------------------------------------------------------


def test_comment_claims_en():
    doc = _doc("comments_en.md")
    got = [(c.line, c.kind, c.text, c.target_line, c.approx, c.function) for c in doc.claims]
    assert got == [
        (8, "comment", "tensor(7.)", 8, False, None),
        (9, "comment", "tensor(2.3333)", 9, False, None),
        (10, "comment", "tensor(4.)", 10, False, None),
        (11, "comment", "tensor(2)", 11, False, None),
        (13, "comment-block", "tensor([0.3333, 0.6667, 1.3333])", 12, False, None),
        (14, "comment", "2.33", 14, True, None),
        (15, "comment", "1.53", 15, True, None),
        (16, "comment", "RuntimeError: shape '[2]' is invalid for input of size 3", 16, False,
         None),
        (23, "comment", "torch.Size([3])", 23, False, "show"),
        (30, "comment", "tensor([2., 4., 8.])", 30, False, "Net.forward"),
        (36, "comment", "positive", 36, False, None),
    ]
    errors = [c.expect_error for c in doc.claims]
    assert errors[7] == "RuntimeError: shape '[2]' is invalid for input of size 3"
    assert errors.count(None) == len(errors) - 1


def test_comment_claims_zh():
    doc = _doc("comments_zh.md")
    got = [(c.line, c.kind, c.text, c.target_line, c.approx, c.function) for c in doc.claims]
    assert got == [
        (7, "comment", "tensor([1., 2., 3.])", 7, False, None),
        (8, "comment", "0.857", 8, True, None),
        (9, "comment", "3.74", 9, True, None),
        (12, "comment-block", "tensor([0.6652, 0.0900, 0.2447])", 10, False, None),
        (13, "comment", "IndexError: index 3 is out of bounds for dimension 0 with size 3", 13,
         False, None),
        (17, "comment", "torch.Size([3])", 17, False, "打印形状"),
    ]
    assert doc.claims[4].expect_error == doc.claims[4].text


def test_comment_claim_in_a_loop_names_the_loop_when_written_below_it():
    doc = parse_source("for k in range(2):\n    print(k)\n# 0\n# 1\n", "t.py", "python")
    assert [(c.line, c.kind, c.text, c.stmt) for c in doc.claims] == [
        (3, "comment-block", "0\n1", 1)]


@pytest.mark.parametrize(
    ("comment", "value"),
    [
        ("# 约 0.333", "0.333"),
        ("# 大约 0.33", "0.33"),
        ("# ≈ 0.33", "0.33"),
        ("# ~0.33", "0.33"),
        ("# about 0.33", "0.33"),
        ("# approximately 2.72", "2.72"),
        ("# 0.33 左右", "0.33"),
        ("# 0.333...", "0.333"),
        ("# 输出：约 tensor([0.33, 0.67])", "tensor([0.33, 0.67])"),
        ("# about the same as before", None),
        ("# 约束条件", None),
        ("# tensor(0.3333)", None),
    ],
)
def test_approximations(comment, value):
    assert approximation(comment) == value


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("ValueError: bad value", "ValueError: bad value"),
        ("torch.OutOfMemoryError: CUDA out of memory.", "torch.OutOfMemoryError: CUDA out of memory."),
        ("Traceback (most recent call last):\n  File \"x.py\", line 1\nKeyError: 'a'\n",
         "KeyError: 'a'"),
        ("tensor([1.])\nRuntimeError: boom", "RuntimeError: boom"),
        ("RuntimeError: boom\nbut it went on", None),
        ("Error: not an exception name", None),
        ("UserWarning: printed, not raised", None),
        ("ValueError", None),
    ],
)
def test_expected_error(text, error):
    assert expected_error(text) == error


def test_error_comments_are_claims_on_any_statement():
    assert claim_text("# 报错：RuntimeError: shape mismatch") == "RuntimeError: shape mismatch"
    assert claim_text("# ValueError: too many values") == "ValueError: too many values"
    assert claim_text("# ValueError if the shapes differ") is None
    doc = parse_source("x = 1 / 0  # ZeroDivisionError: division by zero\n", "t.py", "python")
    assert [(c.kind, c.expect_error) for c in doc.claims] == [
        ("comment", "ZeroDivisionError: division by zero")]


# ---------------------------------------------------------------------------------------------
# Notebooks: one claim per stored output; shell lines reported, not run
# ---------------------------------------------------------------------------------------------


def test_notebook_outputs_en():
    doc = _doc("outputs_en.ipynb")
    assert doc.display == "ipython"
    got = [(c.cell, c.line, c.output, c.channel, c.text, c.expect_error) for c in doc.claims]
    assert got == [
        (2, 1, 1, "stdout", "torch.Size([2, 3])", None),
        (2, 1, 2, "result", "tensor([[ 0.1, -0.2,  0.3],\n        [ 0.4,  0.5, -0.6]])", None),
        (3, 1, 2, "stdout", "torch.float32", None),  # output 1 is stderr
        (4, 1, 2, "display", "torch.Size([3])", None),  # output 1 is a figure
        (6, 1, 1, "error", "", "RuntimeError: shape '[4]' is invalid for input of size 6"),
    ]
    assert [(u.cell, u.line, u.text) for u in doc.unrun] == [
        (2, 1, "!pip install torch"), (5, 1, "%%bash")]
    assert [b.cell for b in doc.blocks] == [2, 3, 4, 6]
    assert all(b.tree is not None for b in doc.blocks)


def test_notebook_outputs_zh():
    doc = _doc("outputs_zh.ipynb")
    got = [(c.cell, c.line, c.kind, c.output, c.channel, c.text) for c in doc.claims]
    assert got == [
        (2, 1, "notebook-output", 1, "stdout", "形状： torch.Size([6])"),
        (2, 1, "notebook-output", 2, "result", "tensor(15)"),
        (3, 2, "comment", None, None, "tensor(2.5000)"),
        (3, 1, "notebook-output", 1, "stdout", "tensor(2.5000)"),
        (4, 1, "notebook-output", 1, "error", ""),
    ]
    assert doc.claims[-1].expect_error == (
        "IndexError: index 10 is out of bounds for dimension 0 with size 6")
    assert [(u.cell, u.line, u.text) for u in doc.unrun] == [(3, 1, "%pip install numpy")]
    magics = doc.blocks[0]
    assert magics.source.startswith("%matplotlib inline") and magics.tree is not None


# ---------------------------------------------------------------------------------------------
# Percent scripts, read by jupytext
# ---------------------------------------------------------------------------------------------


def test_percent_script_en():
    doc = _doc("percent_en.py")
    assert (doc.format, doc.display) == ("percent", "ipython")
    assert _claims("percent_en.py") == [(18, "comment", "tensor(3.)"), (22, "comment", "tensor(6.)")]
    assert [(b.line, b.line_map) for b in doc.blocks] == [
        (13, [13, 14, 15, 16, 17, 18]), (22, [22])]
    assert [(u.line, u.text) for u in doc.unrun] == [(14, "!pip install torch")]


def test_percent_script_zh_first_cell_without_marker():
    doc = _doc("percent_zh.py")
    assert _claims("percent_zh.py") == [
        (4, "comment", "tensor(4.)"), (10, "comment", "torch.Size([2, 2])")]
    assert [(b.line, b.line_map) for b in doc.blocks] == [(1, [1, 2, 3, 4]), (10, [10])]


# ---------------------------------------------------------------------------------------------
# Nothing run that is output; nothing skipped silently
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [n for n in ALL if n.endswith(".md")])
def test_output_text_is_never_in_a_block_that_runs(name):
    doc = _doc(name)
    run_lines = {line for b in doc.blocks for line in b.line_map}
    for claim in doc.claims:
        if claim.kind in ("output-block", "doctest"):
            assert claim.line not in run_lines, (name, claim.line, claim.text)
    for orphan in doc.orphans:
        assert orphan.line not in run_lines, (name, orphan.line, orphan.text)


@pytest.mark.parametrize(
    "text",
    [
        "```\ntensor([5.])\n```\n",  # an unlabelled fence with nothing before it
        "Some prose.\n\n    tensor([5.])\n    torch.Size([1])\n",  # an indented block after prose
        "> tensor([1., 2.])\n> tensor([3.])\n",  # a quote
        "Output:\n\n```\n{'lr': 0.1, 'momentum': 0.9}\n```\n",  # announced: output
    ],
)
def test_output_looking_regions_without_code_are_orphans_not_blocks(text):
    doc = parse_source(text, "t.md", "markdown")
    assert doc.blocks == []
    assert len(doc.orphans) == 1


def test_every_block_carries_its_tree():
    for name in ALL:
        for block in _doc(name).blocks:
            assert (block.tree is None) == (block.syntax_error is not None), (name, block.line)


def test_folder_scan_reports_what_it_skipped(tmp_path):
    (tmp_path / "a.md").write_text("```python\nprint(1)  # 1\n```\n", encoding="utf-8")
    for folder in (".venv", "build", ".hidden", "lessons"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "b.md").write_text("```python\nx = 1\n```\n", encoding="utf-8")
    skipped: list[Unrun] = []
    docs = parse_paths([str(tmp_path)], skipped)
    assert [Path(d.path).relative_to(tmp_path).as_posix() for d in docs] == ["a.md", "lessons/b.md"]
    assert sorted((u.line, Path(u.text).name) for u in skipped) == [
        (0, ".hidden"), (0, ".venv"), (0, "build")]


# ---------------------------------------------------------------------------------------------
# Shared helpers
# ---------------------------------------------------------------------------------------------


def test_first_row_counts_decorators():
    import ast

    tree = ast.parse("@staticmethod\n@property\ndef f():\n    pass\n")
    assert first_row(tree.body[0]) == 1


def test_transform_magics_keeps_lines():
    out = transform_magics("%time x = 1\n!ls\nprint(x)")
    assert out.count("\n") >= 2 and "print(x)" in out.split("\n")[2]


@pytest.mark.parametrize(
    ("line", "marker"),
    [("**Output:**", True), ("### 输出", True), ("运行结果如下", True), ("The output is:", True),
     ("打印结果：", True), ("报错信息如下：", True), ("This raises:", True),
     ("Let us look at the results of training", False)],
)
def test_markers_in_markdown_dress(line, marker):
    assert is_marker(line) is marker


def test_inline_output_after_a_label():
    assert inline_output("Output: `tensor([1, 2])`") == "tensor([1, 2])"
    assert inline_output("**输出：** tensor(3.)") == "tensor(3.)"
    assert inline_output("Out[3]: `0.33333334`") == "0.33333334"  # a Jupyter prompt's label
    assert inline_output("The output is large") is None
    assert inline_output("It prints `3`.") is None  # only right after code
    assert inline_output("It prints `3`.", in_sentence=True) == "3"


@pytest.mark.parametrize(
    ("lines", "output"),
    [
        (["tensor([[1., 2.],", "        [3., 4.]])"], True),
        (["torch.Size([2, 3])"], True),
        (["3", "0.5 0.25"], True),
        (["Parameter containing:", "tensor([1.], requires_grad=True)"], True),
        (["RuntimeError: boom"], True),
        (["x = tensor([1.])"], False),
        (["print(x)"], False),
        (["Epoch 1 loss 0.25"], False),
        (["])"], False),
        (["<MulBackward0 at 0x7f07d0bde050>"], True),
        (['<img src="loss.png">'], False),
    ],
)
def test_looks_like_output(lines, output):
    assert looks_like_output(lines) is output


def test_stored_output_of_an_empty_cell_is_an_orphan():
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    nb = new_notebook(cells=[new_code_cell("", outputs=[
        new_output("stream", name="stdout", text="tensor([1])\n")])])
    doc = parse_source(nbformat.writes(nb), "n.ipynb", "notebook")
    assert doc.blocks == []
    assert [(o.cell, o.line, o.text) for o in doc.orphans] == [(1, 1, "tensor([1])")]


def test_a_printed_label_continues_over_the_comment_lines_below():
    src = ('y = torch.arange(1, 7).view(2, 3)\n'
           'print(f"y:\\n{y}, shape: {y.shape}")  # y:\n'
           '# tensor([[1, 2, 3],\n'
           '#         [4, 5, 6]]), shape: torch.Size([2, 3])\n'
           '# Using -1 lets view infer one size\n'
           'z = y.view(-1)\n')
    doc = parse_source(src, "t.py", "python")
    assert [(c.line, c.text) for c in doc.claims] == [
        (2, "y:\ntensor([[1, 2, 3],\n        [4, 5, 6]]), shape: torch.Size([2, 3])")]


def test_percent_cells_are_found_by_content_not_by_counting_markers():
    src = ('import torch\n'                    # 1: a first cell without a marker
           '\n'
           '#%% a titled cell\n'
           'x = torch.ones(2)\n'
           'print(x)  # tensor([1., 1.])\n'    # 5
           '# %% [markdown]\n'
           '# print(x)  # tensor([1., 1.])\n'  # prose quoting the code above
           '\n'
           '# %%\n'
           's = """\n'                         # 10
           '# %% inside a string\n'
           '"""\n'
           'print(len(s))  # 22\n'
           '# %%\n'
           '# %time y = x + 1\n'               # 15: a commented magic
           'print(x.sum())  # tensor(2.)\n')
    doc = parse_source(src, "p.py", "python")
    assert [(b.line, b.line_map) for b in doc.blocks] == [
        (1, [1]), (4, [4, 5]), (10, [10, 11, 12, 13]), (15, [15, 16])]
    assert [(c.line, c.text) for c in doc.claims] == [
        (5, "tensor([1., 1.])"), (13, "22"), (16, "tensor(2.)")]
    assert doc.blocks[-1].source.startswith("%time y = x + 1")


def test_an_error_line_printed_by_an_except_handler_is_not_an_expected_error():
    md = ("```python\nimport torch\ntry:\n    torch.ones(2).view(3)\nexcept RuntimeError as e:\n"
          "    print(f\"{type(e).__name__}: {e}\")  # RuntimeError: shape '[3]' is invalid\n```\n\n"
          "Output:\n\n```\nRuntimeError: shape '[3]' is invalid for input of size 2\n```\n")
    doc = parse_source(md, "t.md", "markdown")
    assert [(c.line, c.kind, c.expect_error) for c in doc.claims] == [
        (6, "comment", None), (12, "output-block", None)]


@pytest.mark.parametrize(
    ("comment", "claimed"),
    [
        ("#> tensor([1, 2])", "tensor([1, 2])"),
        ("# => tensor(4.)", "tensor(4.)"),
        ("# --> 3", "3"),
        ("# returns tensor([1, 2])", "tensor([1, 2])"),
        ("# 输出：tensor([1, 2])", "tensor([1, 2])"),
        ("# 输出 6", "6"),
        ("# 结果是 (2, 3)", "(2, 3)"),
        ("# int64", "int64"),
        ("# 2.1.0+cu118", "2.1.0+cu118"),
        ("# Linear(in_features=1, out_features=1, bias=True)",
         "Linear(in_features=1, out_features=1, bias=True)"),
        ("# Expected output: tensor([1, 2])", "tensor([1, 2])"),
        ("# Out[3]: tensor(2.)", "tensor(2.)"),
        ("# 打印：tensor([1])", "tensor([1])"),
        ("# tensor([1, 2]) <- the dtype is int64", "tensor([1, 2])"),
        ("# shows 3 plots", None),
        ("# gives the mean", None),
        ("# 输出的形状不变", None),
    ],
)
def test_comment_claim_forms(comment, claimed):
    assert claim_text(comment) == claimed


def test_indented_code_then_indented_output_en():
    doc = _doc("indented_en.md")
    assert [(c.line, c.kind, c.text, c.target_line) for c in doc.claims] == [
        (9, "output-block", "tensor([0, 2, 4])", 5), (14, "comment", "tensor(6)", 14)]
    assert [(b.line, b.line_map) for b in doc.blocks] == [(5, [5, 6, 7]), (13, [13, 14])]
    assert doc.orphans == []  # "what it prints:" introduced code here, not output


def test_indented_code_then_indented_output_zh():
    doc = _doc("indented_zh.md")
    assert [(c.line, c.kind, c.text) for c in doc.claims] == [
        (10, "output-block", "torch.Size([2, 3])\ntensor(6.)")]
    assert [(b.line, b.line_map) for b in doc.blocks] == [(5, [5, 6, 7, 8])]


def test_a_shell_cell_magic_in_markdown_is_reported_not_run():
    doc = parse_source("```python\n%%bash\npip install torch\n```\n", "t.md", "markdown")
    assert doc.blocks == []
    assert [(u.line, u.text) for u in doc.unrun] == [(2, "%%bash")]


def test_a_quoted_fence_shows_output_unless_it_is_code():
    md = ("```python\nx = 1\nprint(x)\n```\n\n> ```python\n> y = 2\n> ```\n\n"
          "```python\nprint(2)\n```\n\n> ```\n> 2\n> ```\n")
    doc = parse_source(md, "t.md", "markdown")
    assert [b.line for b in doc.blocks] == [2, 11]
    assert [(c.line, c.text) for c in doc.claims] == [(15, "2")]


def test_output_pasted_into_a_python_fence_en():
    doc = _doc("pasted_en.md")
    assert [(c.line, c.kind, c.text, c.target_line) for c in doc.claims] == [
        (9, "output-block", "tensor([[1., 0.],\n        [0., 1.]])", 6),
        (12, "output-block", "tensor(2.)", 11),
    ]
    assert [(b.line, b.line_map) for b in doc.blocks] == [
        (6, [6, 7, 8]), (11, [11]), (18, [18, 19, 20])]  # with tensor imported, it is code


def test_output_pasted_into_a_python_fence_zh():
    doc = _doc("pasted_zh.md")
    assert [(c.line, c.kind, c.text, c.target_line) for c in doc.claims] == [
        (7, "output-block", "tensor([ 0, 10, 20])", 4),
        (14, "output-block", "RuntimeError: shape '[2]' is invalid for input of size 3", 13),
    ]
    assert doc.claims[1].expect_error == doc.claims[1].text
    assert [(b.line, b.line_map) for b in doc.blocks] == [(4, [4, 5, 6]), (13, [13])]


def test_output_as_a_plain_paragraph_en():
    doc = _doc("paragraph_en.md")
    assert [(c.line, c.kind, c.text, c.target_line) for c in doc.claims] == [
        (7, "output-block", "tensor([1., 1.])", 4),
        (14, "output-block", "tensor([[0., 0.],\n        [0., 0.]])", 10),
    ]
    assert _blocks("paragraph_en.md") == [4, 10]
    assert _orphans("paragraph_en.md") == [(19, "torch.Size([3])")]


def test_output_as_a_plain_paragraph_zh():
    assert _claims("paragraph_zh.md") == [
        (10, "output-block", "tensor(6)"), (15, "output-block", "tensor(1.5000)")]
    assert _blocks("paragraph_zh.md") == [4, 13]


# ---------------------------------------------------------------------------------------------
# notedown Markdown (Dive into Deep Learning): stored outputs in a {.json .output} fence
# ---------------------------------------------------------------------------------------------


def test_notedown_output_fences_en():
    doc = _doc("notedown_en.md")
    # stdout and the displayed value are claims; stderr and the figure are not; a later output
    # starts on the line of its text; a plain ```json fence is no output
    assert [(c.line, c.kind, c.text, c.output, c.channel, c.target_line) for c in doc.claims] == [
        (11, "notebook-output", "x: tensor([0., 1., 2., 3.])", 1, "stdout", 4),
        (24, "notebook-output", "tensor(6.)", 3, "result", 4),
    ]
    assert _blocks("notedown_en.md") == [4, 34, 38]  # {.python .input} without n= is code too
    assert doc.display == "ipython" and doc.orphans == []


def test_notedown_output_fences_zh():
    doc = _doc("notedown_zh.md")
    assert [(c.line, c.text, c.channel) for c in doc.claims] == [(9, "torch.Size([2])", "result")]
    assert _blocks("notedown_zh.md") == [4]  # the {.json .output} fence holding a dict is prose


def test_notedown_framework_tabs_en():
    doc = _doc("notedown_tabs_en.md")
    # only PyTorch's tab (or all frameworks') runs; mxnet's output goes unclaimed with its code
    assert [(b.line, b.source.split("\n")[0]) for b in doc.blocks] == [
        (28, "# %%tab pytorch"), (48, "#@tab all")]
    assert [(c.line, c.text, c.target_line) for c in doc.claims] == [(35, "tensor([0, 1, 2])", 28)]
    assert [(u.line, u.text) for u in doc.unrun] == [
        (4, "%load_ext d2lbook.tab"), (9, "%%tab mxnet")]
    assert doc.orphans == []


# ---------------------------------------------------------------------------------------------
# Hedged markers, comment claims inside prose, bare "..." continuations, cell magics
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "marker"),
    [("输出结果类似：", True), ("输出类似于：", True), ("运行结果如下图：", True),
     ("结果大概是：", True), ("输出（你的结果会不同）：", True),
     ("The output looks like this:", True), ("You should see something like:", True),
     ("which gives:", True), ("Output (yours will differ):", True),
     # a sentence that merely contains "output" or 输出 announces nothing
     ("The output of the first layer feeds the second:", False),
     ("This layer outputs a tensor of shape (N, 10):", False),
     ("输出层的维度如下：", False), ("You should see that the loss decreases as follows:", False),
     ("Let us look at the output of this function:", False)],
)
def test_hedged_markers(line, marker):
    assert is_marker(line) is marker


@pytest.mark.parametrize(
    ("comment", "claim"),
    [("# None，还没有反向传播", "None"), ("# True，因为 requires_grad=True", "True"),
     ("# tensor([1, 2])；第一行", "tensor([1, 2])"), ("# 3c² = 12.0", "12.0"),
     ("# loss = tensor(0.25)", "tensor(0.25)"), ("# 2 12 torch.Size([3, 4])", "2 12 torch.Size([3, 4])"),
     ("# tensor([1., 1.], device='cuda:0')", "tensor([1., 1.], device='cuda:0')"),
     # prose stays prose
     ("# dy/dx = 2x + 3", None), ("# 0 到 1 之间均匀取 5 个点", None), ("# 第二行，共 4 列", None),
     ("# 步长为 3 的等差序列", None), ("# a == b", None), ("# 2 means two", None),
     ("# lr = 0.01 is the learning rate", None)],
)
def test_comment_claims_inside_prose(comment, claim):
    assert claim_text(comment) == claim


def test_approximate_value_at_the_end_of_a_remark():
    assert approximation("# 即 cos(1)，约 0.54") == "0.54"
    assert approximation("# i.e. cos(1), about 0.54") == "0.54"
    assert approximation("# 循环约 100 次") is None  # the value is not the end of the remark
    assert approximation("# 耗时约 0.5 秒") is None


def test_session_with_bare_continuation_en():
    doc = _doc("session_bare_en.md")
    assert [b.syntax_error for b in doc.blocks] == [None]
    assert _claims("session_bare_en.md") == [(8, "doctest", "1\n5"), (15, "doctest", "3")]


def test_session_with_bare_continuation_zh():
    # a bare "..." after a def closes it; the output after the next >>> starts its own line
    assert _claims("session_bare_zh.md") == [
        (9, "doctest", "tensor([2, 4])"), (11, "doctest", "省略了很多行")]


def test_python_cell_magic_keeps_a_syntax_tree():
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    nb = new_notebook(cells=[
        new_code_cell("%%time\nwith torch.no_grad():\n    y = x * 2\ny.sum()",
                      outputs=[new_output("stream", name="stdout", text="CPU times: 1 ms\n")]),
        new_code_cell("%%writefile helper.py\nthis is not python\n"),
        new_code_cell("plt.plot(x)", outputs=[
            new_output("execute_result", data={"text/plain": "[<matplotlib.lines.Line2D at 0x7c>]"},
                       execution_count=3),
            new_output("display_data", data={"image/png": "", "text/plain": "<Figure>"})]),
    ])
    doc = parse_source(nbformat.writes(nb), "n.ipynb", "notebook")
    assert [(b.cell, b.syntax_error, b.tree is not None) for b in doc.blocks] == [
        (1, None, True), (2, None, True), (3, None, True)]
    assert [(c.cell, c.output, c.channel) for c in doc.claims] == [
        (1, 1, "stdout"), (3, 1, "result")]  # the figure is a picture, not a claim
    assert transform_magics("%%time\nx = 1\ny\n").split("\n") == ["# %%time", "x = 1", "y", ""]


# ---------------------------------------------------------------------------------------------
# Code blocks without <pre> (runoob, SyntaxHighlighter); output shown in gallery text blocks
# ---------------------------------------------------------------------------------------------

FORMATS = Path(__file__).parent / "fixtures" / "checker" / "formats"


def test_html_code_divs_without_pre_zh():
    doc = parse_file(FORMATS / "html_runoob_zh.html")
    assert [(b.line_map, b.source) for b in doc.blocks] == [
        ([8, 9, 10, 11], "import torch\n\na = torch.ones(2)\nprint(a)"),  # div.hl-main
        ([19, 20], "r = torch.rand(2)\nprint(r)"),  # pre.prettyprint
        ([27, 28], "b = torch.zeros(3)\nprint(b.shape)  # torch.Size([3])"),  # one div per line
    ]
    # the prose styled div.highlight and div.code-explanation are neither code nor output
    assert [(c.line, c.kind, c.text, c.target_line) for c in doc.claims] == [
        (15, "output-block", "tensor([1., 1.])", 8),
        (24, "output-block", "tensor([0.1763, 0.9052])", 19),  # after 输出结果类似：
        (28, "comment", "torch.Size([3])", 28),
    ]
    assert doc.orphans == []


def test_html_prose_div_styled_as_code_stays_prose():
    page = ('<p>Note</p>\n<div class="highlight">Remember to call model.eval() first.</div>\n'
            '<div class="code">x = 1\nprint(x)</div>\n<p>Output:</p>\n<pre>1</pre>\n')
    doc = parse_source(page, "p.html", "html")
    assert [(b.line, b.source) for b in doc.blocks] == [(3, "x = 1\nprint(x)")]
    assert [(c.line, c.text) for c in doc.claims] == [(6, "1")]


@pytest.mark.parametrize(
    ("name", "claims", "blocks"),
    [("gallery_shown_en.py", [(19, "output-block", "0\n1\n2")], [8, 31]),
     ("gallery_shown_zh.py", [(17, "output-block", "tensor([1., 1.])")], [8, 25])],
)
def test_gallery_text_block_shows_output(name, claims, blocks):
    doc = parse_file(FORMATS / name)
    assert [(c.line, c.kind, c.text) for c in doc.claims] == claims
    assert [b.line for b in doc.blocks] == blocks  # code shown in the prose is never run
    assert {c.target_line for c in doc.claims} == {8}


def test_claim_after_a_full_width_hash_zh():
    page = ("```python\nx = torch.ones(2)\nprint(x.shape)   ＃ torch.Size([2])\n```\n\n"
            "```python\nprint(\"第 ＃1 行\")  # 第 ＃1 行\n```\n")
    doc = parse_source(page, "p.md", "markdown")
    # ＃ is no comment: the block cannot run, and the claim typed after it is still read
    assert [b.syntax_error for b in doc.blocks] == [
        (3, "SyntaxError: invalid character '＃' (U+FF03)"), None]
    # inside a string ＃ is just text: that block parses and its comment claims as usual
    assert [(c.line, c.kind, c.text) for c in doc.claims] == [
        (3, "comment", "torch.Size([2])"), (7, "comment", "第 ＃1 行")]
