"""The checker's parser: blocks and claims, with their lines, in every supported format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from recipes.checker.parse import UsageError, claim_text, parse_file, parse_paths, parse_source
from recipes.checker.parse.textcode import cut_glue, line_kind, reindent, split_flat, split_numbered

FIXTURES = Path(__file__).parent / "fixtures" / "checker"


def _claims(path: str) -> list[tuple[int, str, str]]:
    doc = parse_file(FIXTURES / path)
    return [(c.line, c.kind, c.text) for c in doc.claims]


def _blocks(path: str) -> list[tuple[int, object]]:
    doc = parse_file(FIXTURES / path)
    return [(b.line, b.syntax_error[0] if b.syntax_error else None) for b in doc.blocks]


def test_markdown_claims_have_their_lines():
    assert _claims("claims_en.md") == [
        (10, "comment", "tensor([5, 7, 9])"),
        (11, "comment", "tensor([4, 10, 19])"),
        (19, "comment-block", "tensor([[0, 1, 2],\n        [3, 4, 5]])"),
        (21, "comment", "torch.Size([2, 3])"),
        (22, "comment", "tensor([ 3, 12])"),
        (23, "comment", "tensor([1., 2.])"),
        (24, "comment", "0.3333"),
        (37, "output-block", "0 0\n1 1\n2 4"),
        (46, "doctest", "tensor(4.)"),
        (48, "doctest", "Traceback (most recent call last):\n...\n"
                        "ValueError: invalid literal for int() with base 10: 'x'"),
        (52, "doctest", "tensor([0, 0])"),
        (59, "comment", "tensor([0.1234, 0.5678, 0.9012])"),
        (61, "comment", "tensor([0.4963, 0.7682])"),
        (62, "comment", "torch.Size([3])"),
        (71, "comment", "<__main__.Box object at 0x7f3a2b1c0d90>"),
        (77, "comment", "tensor(4.)"),
        (82, "comment", "3"),
        (84, "comment", "inf"),
        (91, "comment", "tensor([1., 1.], device='cuda:0')"),
        (104, "comment", "tensor([2, 3, 4])"),
    ]


def test_markdown_blocks_start_where_their_code_starts():
    assert [line for line, _ in _blocks("claims_en.md")] == [
        6, 17, 30, 45, 58, 68, 76, 82, 90, 97, 104]


def test_doctest_expected_exception_is_recorded():
    doc = parse_file(FIXTURES / "claims_en.md")
    doctest_block = next(b for b in doc.blocks if b.kind == "doctest")
    expected = [ex.claim.expect_error for ex in doctest_block.examples]
    assert expected == [None, "ValueError: invalid literal for int() with base 10: 'x'", None]


def test_flattened_chinese_text_claims_and_blocks():
    assert _claims("claims_zh.txt") == [
        (10, "comment", "tensor(16.)"),
        (14, "comment-block", "tensor([[0, 1],\n[2, 3]])"),
        (16, "comment", "tensor(7)"),
        (22, "output-block", "0 0\n1 1\n2 3"),
        (29, "output-block", "torch.Size([2, 3])\ntorch.Size([3, 3])"),
        (32, "comment", "tensor([ 0.3367, 0.1288])"),
        (34, "output-block", "tensor([3., 3.])"),
        (36, "comment", "4.0"),
        (41, "comment", "16.0"),
    ]
    assert _blocks("claims_zh.txt") == [
        (6, None), (18, None), (26, None), (32, None), (34, None), (36, None), (38, 38), (41, None)]


def test_flattened_text_keeps_prose_out_of_code():
    doc = parse_file(FIXTURES / "claims_zh.txt")
    code = "\n".join(b.source for b in doc.blocks)
    assert "pip install" not in code  # a shell line is not Python
    for glued in ("逐元素运算", "运行结果", "这一段的输出写错了", "形状变换"):
        assert glued not in code
    loop = next(b for b in doc.blocks if b.line == 18)
    assert loop.source == "total = 0\nfor k in range(3):\n    total += k\n    print(k, total)"


def test_html_code_and_output_blocks():
    assert _claims("page.html") == [
        (12, "comment", "<class 'torch.Tensor'>"),
        (13, "comment", "torch.int64"),
        (21, "output-block", "torch.Size([3, 2])\ntensor(6.)"),
    ]
    assert _blocks("page.html") == [(10, None), (16, None)]


def test_percent_script_cells():
    assert _claims("percent_tutorial.py") == [
        (25, "comment", "tensor(6)"), (31, "comment", "tensor(2)")]
    assert _blocks("percent_tutorial.py") == [(22, None), (28, None), (31, None)]


def test_plain_module_then_its_doctests():
    doc = parse_file(FIXTURES / "module_doctest.py")
    assert [(b.kind, b.line) for b in doc.blocks] == [("code", 1), ("doctest", 8), ("doctest", 20)]
    assert _claims("module_doctest.py") == [
        (9, "doctest", "42"), (11, "doctest", "'abab'"), (21, "doctest", "1"), (23, "doctest", "True")]


def test_notebook_cells_and_stored_outputs():
    doc = parse_file(FIXTURES / "stored_outputs.ipynb")
    assert [b.cell for b in doc.blocks] == [2, 3, 4, 5, 6]
    assert [(c.cell, c.line, c.kind, c.text, c.expect_error) for c in doc.claims] == [
        (2, 1, "notebook-output", "tensor([0, 2, 4])", None),
        (3, 1, "notebook-output", "tensor(4)", None),
        (4, 2, "comment", "tensor(1.)", None),
        (5, 1, "notebook-output", "[0, 1, 2]", None),
        (6, 1, "notebook-output", "",
         "ValueError: invalid literal for int() with base 10: 'seven'"),
    ]
    shell = doc.blocks[3].source.split("\n")[0]
    assert shell.startswith("#") and "pip install" in shell


@pytest.mark.parametrize(
    ("comment", "literals", "expected"),
    [
        ("# tensor([1, 2])", (), "tensor([1, 2])"),
        ("# 输出:tensor(16.)", (), "tensor(16.)"),
        ("# 输出：tensor(16.)", (), "tensor(16.)"),
        ("# 输出 => torch.Size([2, 3])", (), "torch.Size([2, 3])"),
        ("# output -> tensor([1, 2])", (), "tensor([1, 2])"),
        ("# Output: 42", (), "42"),
        ("# 输出向量的梯度", (), None),
        ("# shares memory", (), None),
        ("# 0轴第一个", (), None),
        ("# 50% 概率丢弃", (), None),
        ("# (batch_size=3, in_features=10)", (), None),
        ("# <= 1.0", (), None),
        ("# (3, 5)", (), "(3, 5)"),
        ("# 4.0 (= c)", (), "4.0"),
        ("# 这时候会是tensor([7.]) 5+2", (), "tensor([7.])"),
        ("# (tensor([6.], grad_fn=<MulBackward0>),) 这是个元组", (),
         "(tensor([6.], grad_fn=<MulBackward0>),)"),
        ("# t1-> tensor([1])", ("t1->",), "t1-> tensor([1])"),
        ("# 输出:", (), ""),
        ("# True if equal", (), None),
        ("# cuda:0", (), "cuda:0"),
        ("# 5. 前向传播", (), None),
        ("# 2) load the data", (), None),
        ("# 5.", (), "5."),
        ("# 1.5000", (), "1.5000"),
    ],
)
def test_claim_text_tells_output_from_prose(comment, literals, expected):
    assert claim_text(comment, literals) == expected


def test_claim_on_an_assignment_must_be_an_unmistakable_value():
    assert claim_text("# tensor([2, 4, 6])", strict=True) == "tensor([2, 4, 6])"
    assert claim_text("# 7", strict=True) is None
    assert claim_text("# [2 , 1, 2], 这个要保证长度一致", strict=True) is None


@pytest.mark.parametrize(
    ("line", "head", "glued"),
    [
        ("print(t1.log10())张量索引操作", "print(t1.log10())", "张量索引操作"),
        ("x_gpu = x.to('cuda')2. Autograd", "x_gpu = x.to('cuda')", "2. Autograd"),
        ("shape-> torch.Size([3, 4])squeeze / unsqueeze", "shape-> torch.Size([3, 4])",
         "squeeze / unsqueeze"),
        ("tensor([4.])Tensor 操作", "tensor([4.])", "Tensor 操作"),
        ('print(f"{a}\\n [cat]")运行结果.txt', 'print(f"{a}\\n [cat]")', "运行结果.txt"),
        ("print('形状:', x.shape)", "print('形状:', x.shape)", None),
        ("tensor(1.8619e-08, requires_grad=True)", "tensor(1.8619e-08, requires_grad=True)", None),
    ],
)
def test_cut_glue_separates_headings_glued_to_code(line, head, glued):
    assert cut_glue(line) == (head, glued)


def test_cut_glue_in_code_cuts_after_an_identifier():
    assert cut_glue("w -= 0.01 * w.grad然后清空梯度:", code=True) == (
        "w -= 0.01 * w.grad", "然后清空梯度:")
    assert cut_glue("breakDataLoader 参数说明:", code=True) == ("break", "DataLoader 参数说明:")


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("x = torch.ones(2)", "strong"),
        ("for i in range(3):", "strong"),
        ("return x", "strong"),
        ("w=10", "weak"),
        ("PyTorch", "weak"),
        ("squeeze / unsqueeze", "weak"),
        ("张量创建", None),
        ("输入层 (10)", None),
        ("- 是否收敛", None),
        ("w2 = torch.tensor([4.0]),requires_grad = True)", "broken"),
        ("What it does", None),
    ],
)
def test_line_kind(line, kind):
    assert line_kind(line) == kind


def test_reindent_rebuilds_bodies_a_reader_would_see():
    lost = [
        "def scale(t, k):",
        "out = t * k",
        "return out",
        "acc = 0",
        "for step in range(3):",
        "# 累加",
        "acc += step",
        "if acc > 1:",
        "print('big')",
        "# 每一步都打印",
        "print(step, acc)",
        "print(scale(acc, 2))",
    ]
    assert reindent(lost) == [
        "def scale(t, k):",
        "    out = t * k",
        "    return out",
        "acc = 0",
        "for step in range(3):",
        "    # 累加",
        "    acc += step",
        "    if acc > 1:",
        "        print('big')",
        "        # 每一步都打印",
        "    print(step, acc)",
        "print(scale(acc, 2))",
    ]


def test_reindent_methods_stay_in_their_class():
    lost = ["class Net(nn.Module):", "def __init__(self):", "super().__init__()",
            "self.fc = nn.Linear(2, 1)", "def forward(self, x):", "return self.fc(x)",
            "net = Net()"]
    assert reindent(lost) == [
        "class Net(nn.Module):", "    def __init__(self):", "        super().__init__()",
        "        self.fc = nn.Linear(2, 1)", "    def forward(self, x):",
        "        return self.fc(x)", "net = Net()"]


def test_split_flat_recovers_statements_and_claims():
    flat = split_flat("a = torch.ones(2) # 两个一 b = a * 2 print(b) tensor([2., 2.])")
    assert flat is not None
    assert flat.statements == ["a = torch.ones(2)", "b = a * 2", "print(b)"]
    assert flat.comments == {0: "两个一"}
    assert flat.output_claims == [(2, "tensor([2., 2.])")]
    marked = split_flat("x = 1 y = x + 1 print(y) # 结果: 2")
    assert marked is not None and marked.block_claim == "2"
    assert split_flat("这不是代码,只是一句话。") is None


def test_split_numbered_listing():
    assert split_numbered("1. import math 2. r = math.sqrt(4) 3. 4. print(r)") == [
        "import math", "r = math.sqrt(4)", "", "print(r)"]
    assert split_numbered("2. Autograd") is None


def test_missing_path_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="no such file or folder"):
        parse_paths([str(tmp_path / "nope.md")])


def test_unsupported_extension_is_a_usage_error(tmp_path):
    path = tmp_path / "tutorial.docx"
    path.write_bytes(b"PK")
    with pytest.raises(UsageError, match="unsupported format '.docx'"):
        parse_paths([str(path)])


def test_unreadable_notebook_is_a_usage_error(tmp_path):
    path = tmp_path / "broken.ipynb"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(UsageError, match="not a readable Jupyter notebook"):
        parse_paths([str(path)])


def test_binary_text_is_a_usage_error(tmp_path):
    path = tmp_path / "page.txt"
    path.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(UsageError, match="not UTF-8 text"):
        parse_paths([str(path)])


def test_empty_folder_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="no tutorials in this folder"):
        parse_paths([str(tmp_path)])


def test_folder_scan_finds_tutorials_and_skips_conftest():
    docs = parse_paths([str(FIXTURES)])
    names = sorted(Path(d.path).name for d in docs)
    assert "conftest.py" not in names
    assert {"claims_en.md", "claims_zh.txt", "page.html", "stored_outputs.ipynb"} <= set(names)


def test_notebook_without_outputs_has_only_comment_claims():
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "id": "c1", "metadata": {}, "execution_count": None, "outputs": [],
         "source": "x = 2\nprint(x * 3)  # 6"}]}
    doc = parse_source(json.dumps(nb), "n.ipynb", "notebook")
    assert [(c.kind, c.line, c.text) for c in doc.claims] == [("comment", 2, "6")]
