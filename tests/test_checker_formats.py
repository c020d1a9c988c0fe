"""The checker's readers for reStructuredText, sphinx-gallery scripts, MyST notebooks, saved HTML
(Jupyter exports included) and flattened web text: claims and blocks with their exact lines, and
output regions that never become code."""

from __future__ import annotations

from pathlib import Path

import pytest

from recipes.checker.parse import parse_file, parse_source
from recipes.checker.parse.gallery import is_gallery
from recipes.checker.parse.myst import is_myst
from recipes.checker.parse.textcode import is_repr_line, is_value_line, split_code_output

FORMATS = Path(__file__).parent / "fixtures" / "checker" / "formats"


def _claims(name: str) -> list[tuple[int, str, str]]:
    doc = parse_file(FORMATS / name)
    return [(c.line, c.kind, c.text) for c in doc.claims]


def _blocks(name: str) -> list[tuple[str, list[int]]]:
    doc = parse_file(FORMATS / name)
    return [(b.kind, b.line_map) for b in doc.blocks]


def _code_lines(name: str) -> set[int]:
    """Tutorial lines that hold code to run (comments and blank lines are not run)."""
    doc = parse_file(FORMATS / name)
    run = set()
    for block in doc.blocks:
        for k, text in enumerate(block.source.split("\n")):
            if text.strip() and not text.strip().startswith("#") and k < len(block.line_map):
                run.add(block.line_map[k])
    return run


def _output_lines(name: str) -> set[int]:
    """Lines of every output region: claimed output blocks and wanted doctest output."""
    doc = parse_file(FORMATS / name)
    lines = {o.line + k for o in doc.orphans for k in range(o.text.count("\n") + 1)}
    for claim in doc.claims:
        if claim.kind in ("output-block", "doctest"):
            lines.update(range(claim.line, claim.line + claim.text.count("\n") + 1))
    return lines


ALL = ["rst_en.rst", "rst_zh.rst", "gallery_en.py", "gallery_zh.py", "myst_en.md", "myst_zh.md",
       "html_en.html", "html_zh.html", "text_en.txt", "text_zh.txt", "text_gutter_zh.txt",
       "text_toolbar_en.txt"]


@pytest.mark.parametrize("name", ALL)
def test_output_regions_are_never_code(name):
    assert _output_lines(name)
    assert not _output_lines(name) & _code_lines(name)


@pytest.mark.parametrize("name", ALL)
def test_every_block_parses_and_keeps_its_tree(name):
    for block in parse_file(FORMATS / name).blocks:
        assert block.syntax_error is None
        assert block.tree is not None


# ---------------------------------------------------------------------------------------------
# reStructuredText
# ---------------------------------------------------------------------------------------------


def test_rst_en_directives_literal_blocks_and_doctests():
    doc = parse_file(FORMATS / "rst_en.rst")
    assert doc.format == "rst"
    assert doc.display == "repr"
    assert _blocks("rst_en.rst") == [
        ("code", [10, 11, 12]),  # :linenos: and :caption: are options, not code
        ("code", [20, 21, 22]),  # "Its shape, in a literal block::"
        ("doctest", [30, 32]),
        ("code", [41, 42]),
        ("code", [52]),  # testcode
    ]
    assert _claims("rst_en.rst") == [
        (16, "output-block", "tensor([1., 2., 3.])"),  # code-block:: none right after code
        (20, "comment", "torch.Size([3])"),
        (26, "output-block", "tensor(6.)"),  # "Output::"
        (31, "doctest", "tensor([2., 4., 6.])"),
        (33, "doctest", "Traceback (most recent call last):\n  ...\n"
                        "RuntimeError: shape '[2]' is invalid for input of size 3"),
        (46, "output-block", "tensor([2., 3., 4.])"),  # an expanded "::" right after code
        (57, "output-block", "tensor(2.)"),  # testoutput, after its :options:
    ]
    raised = doc.blocks[2].examples[1].claim
    assert raised.expect_error == "RuntimeError: shape '[2]' is invalid for input of size 3"
    assert not doc.orphans


def test_rst_shell_blocks_and_comments_are_not_run():
    doc = parse_file(FORMATS / "rst_en.rst")
    sources = "\n".join(b.source for b in doc.blocks)
    assert "pip install" not in sources
    assert "hidden" not in sources


def test_rst_zh_output_after_marker_and_an_orphan():
    assert _blocks("rst_zh.rst") == [("code", [8, 9, 10]), ("code", [16, 17]), ("doctest", [33])]
    assert _claims("rst_zh.rst") == [
        (10, "comment", "torch.int64"),
        (23, "output-block", "tensor(6)"),  # "输出：" then a text block
        (34, "doctest", "tensor([[0, 1],\n        [2, 3]])"),
    ]
    doc = parse_file(FORMATS / "rst_zh.rst")
    assert [(o.line, o.text) for o in doc.orphans] == [(29, "tensor([9, 9])")]


# ---------------------------------------------------------------------------------------------
# sphinx-gallery
# ---------------------------------------------------------------------------------------------


def test_gallery_en_cells_and_text_blocks():
    doc = parse_file(FORMATS / "gallery_en.py")
    assert doc.format == "gallery"
    assert doc.display == "repr"
    assert _blocks("gallery_en.py") == [
        ("code", [10, 11, 12, 13]),
        ("code", [22, 23, 24]),
        ("code", [39]),
    ]
    assert _claims("gallery_en.py") == [
        (13, "comment", "tensor([1., 2.])"),
        (24, "comment-block", "torch.Size([2, 1])"),
        (31, "output-block", "torch.Size([2, 1])"),  # "prints:" then a code-block:: sh
        (39, "comment", "tensor(3.)"),
    ]
    # code shown in rst prose is listed, never run
    assert [(u.line, u.text) for u in doc.unrun] == [(7, "import nonexistent_module")]


def test_gallery_zh_percent_cells_and_output_of_shown_code():
    doc = parse_file(FORMATS / "gallery_zh.py")
    assert doc.format == "gallery"
    assert _blocks("gallery_zh.py") == [("code", [15, 16, 17, 18]), ("code", [34, 35])]
    assert _claims("gallery_zh.py") == [
        (18, "comment", "torch.Size([2, 3])"),
        (35, "comment-block", "tensor([ 3, 12])"),
    ]
    assert [(u.line, u.text) for u in doc.unrun] == [(28, "t.cuda()")]
    # the output of code that is only shown belongs to no cell
    assert [(o.line, o.text) for o in doc.orphans] == [
        (32, "tensor([3, 12], device='cuda:0')")
    ]


def test_python_dispatch_keeps_percent_and_plain_modules():
    percent = "# %% [markdown]\n# Title\n\n# %%\nx = 1\nprint(x)  # 1\n"
    assert parse_source(percent, "p.py", "python").format == "percent"
    jupytext = '# ---\n# jupyter:\n#   kernelspec: {}\n# ---\n"""Doc."""\n# %%\nx = 1\n'
    assert not is_gallery(jupytext)
    banner = '"""A module."""\n\n' + "#" * 30 + "\n# Helpers\n" + "#" * 30 + "\nX = 1\n"
    assert not is_gallery(banner)  # sphinx-gallery scripts open with an rst title
    vscode = '"""Cells for VS Code."""\n# %%\nx = 1\n# %%\nx\n'
    assert parse_source(vscode, "v.py", "python").format == "percent"
    titled = '"""\n====\nSums\n====\n"""\n# %%\nx = 1\n'
    assert is_gallery(titled)
    plain = '"""Doubles.\n\n>>> 2 * 2\n4\n"""\n\n# a comment\nX = 1\n'
    assert not is_gallery(plain)
    assert parse_source(plain, "m.py", "python").format == "python"
    assert parse_file(FORMATS.parent / "percent_tutorial.py").format == "percent"
    assert parse_file(FORMATS.parent / "module_doctest.py").format == "python"


# ---------------------------------------------------------------------------------------------
# MyST notebooks
# ---------------------------------------------------------------------------------------------


def test_myst_en_code_cells_options_and_outputs():
    doc = parse_file(FORMATS / "myst_en.md")
    assert doc.format == "myst"
    assert doc.display == "ipython"
    # front matter, :tags: lines and the --- options block are never code
    assert _blocks("myst_en.md") == [("code", [16, 17, 18]), ("code", [31, 32])]
    assert _claims("myst_en.md") == [
        (22, "output-block", "tensor(3.)"),  # {code-block} text right after the cell
        (32, "comment", "tensor([2., 2., 2.])"),
        (38, "output-block", "tensor([2., 2., 2.])"),  # "Output:" then a bare fence
    ]
    assert [(u.line, u.text) for u in doc.unrun] == [(44, "x.cuda()"), (49, 'x.to("cuda")')]


def test_myst_zh_indented_output_shell_lines_and_orphans():
    doc = parse_file(FORMATS / "myst_zh.md")
    assert _blocks("myst_zh.md") == [("code", [9, 10, 11, 12, 13]), ("code", [21, 22])]
    assert _claims("myst_zh.md") == [
        (18, "output-block", "tensor(4.)"),  # "输出：" then an indented block
        (22, "comment", "4.0"),
    ]
    assert [(u.line, u.text) for u in doc.unrun] == [(21, "!pip install torch")]
    assert [(o.line, o.text) for o in doc.orphans] == [(30, "tensor(9.)")]


def test_myst_is_only_markdown_with_code_cells():
    assert is_myst("```{code-cell} ipython3\nx = 1\n```\n")
    assert not is_myst("```python\nx = 1\n```\n")
    assert parse_source("# T\n\n```python\nx = 1\n```\n", "a.md", "markdown").format == "markdown"


# ---------------------------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------------------------


def test_html_en_classic_nbconvert_blog_blocks_and_pygments():
    doc = parse_file(FORMATS / "html_en.html")
    assert doc.display == "ipython"  # a notebook export
    assert _blocks("html_en.html") == [
        ("code", [8, 9, 10, 11]),  # the In [1]: prompt is not code
        ("code", [27, 28]),
        ("code", [33, 34]),  # the line-number gutter is not code
    ]
    assert _claims("html_en.html") == [
        (17, "output-block", "torch.int64"),  # one claim per stored output
        (22, "output-block", "tensor([0, 2, 4])"),
        (30, "output-block", "tensor([1, 2, 3])"),  # an unlabelled <pre> right after code
        (34, "comment", "tensor(6)"),
        (37, "output-block", "tensor(6)"),  # "Output:" then <pre class="output">
    ]
    assert [(o.line, o.text) for o in doc.orphans] == [(39, "tensor([7, 7])")]


def test_html_zh_lab_export_and_highlight_js():
    assert parse_file(FORMATS / "html_zh.html").display == "ipython"
    assert _blocks("html_zh.html") == [("code", [10, 11, 12, 13]), ("code", [37, 38])]
    assert _claims("html_zh.html") == [
        (30, "output-block", "tensor(6.)"),  # the stderr warning is no claim
        (41, "output-block", "tensor(4.)"),  # "输出：" then <pre><code>
    ]


def test_html_pre_after_code_that_reads_as_output_is_never_code():
    page = ('<pre><code class="language-python">x = 1\n</code></pre>\n'
            "<p>then</p>\n<pre>tensor([5.])\n</pre>\n")
    doc = parse_source(page, "p.html", "html")
    assert [b.source for b in doc.blocks] == ["x = 1"]
    assert [(o.line, o.text) for o in doc.orphans] == [(4, "tensor([5.])")]


# ---------------------------------------------------------------------------------------------
# Flattened web text
# ---------------------------------------------------------------------------------------------


def test_text_en_code_and_output_on_one_line():
    assert _blocks("text_en.txt") == [
        ("code", [4, 5, 6, 7, 8, 9, 10]),
        ("code", [12, 13]),
        ("code", [15]),
        ("code", [18, 19]),
        ("code", [25]),
        ("code", [29, 30]),  # In [1]: and its ...: continuation, prompts cut off
        ("code", [32]),
    ]
    assert _claims("text_en.txt") == [
        (7, "comment", "torch.Size([3])"),
        (8, "comment", "torch.int64"),
        (9, "comment", "tensor([5, 7, 9])"),
        (10, "comment", "6"),
        (14, "output-block", "tensor([2, 4, 6])"),  # notebook output pasted under the code
        (16, "output-block", "tensor(4.)"),
        (19, "comment", "tensor([[0, 1],\n[2, 3]])"),  # runs on over the next line
        (22, "output-block", "tensor([[0, 1],\n[2, 3]])"),
        (26, "output-block", "RuntimeError: The size of tensor a (3) must match the size of "
                             "tensor b (2) at non-singleton dimension 0"),
        (31, "output-block", "tensor(3)"),  # Out[1]:
        (34, "output-block", "tensor([[0],\n        [1],\n        [2]])"),  # after "Out[2]:"
    ]
    doc = parse_file(FORMATS / "text_en.txt")
    assert doc.blocks[0].source.split("\n")[3:] == ["print(a.shape)", "a.dtype", "a + b",
                                                    "print(a.sum().item())"]
    assert doc.blocks[4].claims[0].expect_error.startswith("RuntimeError: The size")
    assert doc.blocks[5].source == "v = torch.arange(3)\nv.sum()"


def test_text_zh_glued_numbered_and_error_marker():
    assert _blocks("text_zh.txt") == [
        ("code", [3, 4, 5, 6]),
        ("code", [7, 8]),
        ("code", [12, 13, 14]),  # a listing that kept its line numbers
        ("code", [17]),
        ("code", [21, 22]),  # code right after "输出：" is still code
    ]
    assert _claims("text_zh.txt") == [
        (5, "comment", "torch.Size([2, 3])"),
        (6, "comment", "tensor(6.)"),  # the heading glued after it is cut off
        (8, "comment", "tensor([3., 3., 3.])"),
        (10, "output-block", "tensor([3., 3., 3.])"),
        (14, "comment", "tensor([1., 1.])"),
        (19, "output-block",
         "RuntimeError: view size is not compatible with input tensor's size and stride"),
        (22, "comment", "tensor([1.])"),
    ]
    doc = parse_file(FORMATS / "text_zh.txt")
    assert doc.blocks[2].source == "z = torch.zeros(2)\nz.add_(1)\nprint(z)"


@pytest.mark.parametrize(("line", "split"), [
    ("print(c.shape) torch.Size([2, 3])", ("print(c.shape)", "torch.Size([2, 3])", None)),
    ("x.dtype torch.float32", ("x.dtype", "torch.float32", None)),
    ("a + b tensor([5, 7])", ("a + b", "tensor([5, 7])", None)),
    ("print(x.is_leaf) False叶子节点", ("print(x.is_leaf)", "False", "叶子节点")),
    ('print("loss:", l) loss: 0.25', ('print("loss:", l)', "loss: 0.25", None)),
    ("x.requires_grad True", ("x.requires_grad", "True", None)),
    ("t = torch.full((2,), 1) tensor([1, 1])", ("t = torch.full((2,), 1)", "tensor([1, 1])", None)),
])
def test_split_code_output(line, split):
    assert split_code_output(line) == split


@pytest.mark.parametrize("line", [
    "PyTorch 2.0",  # a name and a number is prose
    "Node.js 18",
    "0 6",  # two printed values
    "x = 5 6",  # an assignment claims only a repr
    "n = len(a) 3",
    "print(x)",  # parses: nothing to split
    "SGD (",
])
def test_split_code_output_leaves_other_lines(line):
    assert split_code_output(line) is None


def test_output_lines():
    for line in ["tensor([1., 2.])", "torch.Size([2])", "RuntimeError: boom", "torch.float32",
                 "<AddBackward0 object at 0x7f>", "Traceback (most recent call last):"]:
        assert is_repr_line(line), line
    for line in ["6.0", "True False", "[1, 2]", "cuda:0", "(2, 3)"]:
        assert is_value_line(line), line
    for line in ["x = torch.ones(2)", "print(x)", "torch.ones(2)", "import torch"]:
        assert not is_repr_line(line), line


def test_output_in_a_block_labelled_python_is_never_run():
    page = ('<pre><code class="language-python">x = torch.ones(2)\nx\n</code></pre>\n'
            '<pre><code class="language-python">tensor([1., 1.])\n</code></pre>\n')
    doc = parse_source(page, "p.html", "html")
    claims = [(c.line, c.kind, c.text) for c in doc.claims]
    assert claims == [(4, "output-block", "tensor([1., 1.])")]
    text = ".. code-block:: python\n\n   x = 1\n   x\n\n.. code-block:: python\n\n   1\n"
    doc = parse_source(text, "p.rst", "rst")
    assert [b.line_map for b in doc.blocks] == [[3, 4]]
    assert [(c.line, c.text) for c in doc.claims] == [(8, "1")]


def test_gallery_cell_with_a_doctest_in_a_docstring_is_plain_code():
    script = ('"""\nTitle\n=====\n"""\n\n'
              'def double(x):\n    """Twice x.\n\n>>> double(2)\n4\n    """\n    return 2 * x\n\n'
              "# %%\n# Use it.\n\nprint(double(3))  # 6\n")
    doc = parse_source(script, "g.py", "python")
    assert doc.format == "gallery"
    assert [(b.kind, b.line_map[0]) for b in doc.blocks] == [("code", 6), ("code", 17)]
    assert [(c.line, c.text) for c in doc.claims] == [(17, "6")]


def test_text_after_a_marker_printed_assignments_are_output_and_real_code_is_code():
    page = ('l = 0.25\nprint("loss =", l)\n输出：\nloss = 0.25\n'
            "w = torch.ones(1)\nprint(w)\n")
    doc = parse_source(page, "p.txt", "text")
    assert [b.line_map for b in doc.blocks] == [[1, 2], [5, 6]]
    assert [(c.line, c.kind, c.text) for c in doc.claims] == [(4, "output-block", "loss = 0.25")]


def test_html_nbsphinx_prompts_are_chrome():
    page = (
        '<div class="nbinput docutils container">\n'
        '<div class="prompt highlight-none notranslate"><div class="highlight"><pre>[3]:\n'
        "</pre></div></div>\n"
        '<div class="input_area highlight-ipython3 notranslate"><div class="highlight"><pre>'
        "x = torch.ones(2)\nx\n</pre></div></div></div>\n"
        '<div class="nboutput nblast docutils container">\n'
        '<div class="prompt highlight-none notranslate"><div class="highlight"><pre>[3]:\n'
        "</pre></div></div>\n"
        '<div class="output_area docutils container"><div class="highlight"><pre>\n'
        "tensor([1., 1.])\n</pre></div></div></div>\n"
    )
    doc = parse_source(page, "nb.html", "html")
    assert [b.line_map for b in doc.blocks] == [[4, 5]]
    assert [(c.line, c.text) for c in doc.claims] == [(11, "tensor([1., 1.])")]
    assert not doc.orphans


def test_text_bare_notebook_prompts_are_chrome():
    page = "[1]:\nx = torch.arange(3)\nx\n[1]:\ntensor([0, 1, 2])\n"
    doc = parse_source(page, "nb.txt", "text")
    assert [b.line_map for b in doc.blocks] == [[2, 3]]
    assert [(c.line, c.text) for c in doc.claims] == [(5, "tensor([0, 1, 2])")]


def test_text_zh_line_number_gutters_are_not_code():
    # numbers prefixed to each line (the code keeps its indentation after them), a column of
    # bare numbers before the code or after it; printed numbers and numbered output stay output
    assert _blocks("text_gutter_zh.txt") == [
        ("code", [4, 5, 6, 7, 8]),
        ("code", [19, 20, 21, 22]),
        ("code", [28, 29]),
        ("code", [35, 36]),
        ("code", [47]),
    ]
    doc = parse_file(FORMATS / "text_gutter_zh.txt")
    assert doc.blocks[0].source.split("\n")[3] == "    x = x * 2"
    assert _claims("text_gutter_zh.txt") == [
        (11, "output-block", "tensor([4., 4.])"),
        (24, "output-block", "tensor([8., 8.])"),
        (29, "comment", "tensor(8.)"),
        (37, "output-block", "1\n2\n3"),
        (49, "output-block", "IndexError: index 5 is out of bounds for dimension 0 with size 2"),
    ]
    assert not _code_lines("text_gutter_zh.txt") & {30, 31, 42, 43}


def test_text_en_copy_toolbars_open_reprs_and_printed_names():
    assert _blocks("text_toolbar_en.txt") == [
        ("code", [4, 5, 6, 7, 8]),
        ("code", [16, 17]),
        ("code", [23, 24]),
        ("code", [26]),  # "w.dtype torch.float32" when the code prints no names: as before
        ("code", [29]),
        ("code", list(range(36, 47))),
    ]
    doc = parse_file(FORMATS / "text_toolbar_en.txt")
    # a gutter of unpadded numbers: the separator after each number is fixed, not the column
    assert doc.blocks[-1].source.split("\n")[9:] == ["    print(z)", "print(z.sum())"]
    claims = _claims("text_toolbar_en.txt")
    assert [(line, kind) for line, kind, _ in claims] == [
        (10, "output-block"), (19, "output-block"), (26, "comment"), (31, "output-block"),
        (47, "output-block"),
    ]
    assert claims[0][2].split("\n")[-1] == ")"
    assert claims[1][2] == "weight torch.Size([3, 2])\nbias torch.Size([3])"
    assert claims[3][2].split("\n")[2] == "net(torch.ones(3))"
    assert claims[4][2] == "tensor(6.)"


@pytest.mark.parametrize("page, code", [
    ("x = torch.ones(2)\nprint(x)\n输出：<__main__.C object at 0x7f00>\n", [[1, 2]]),
    # a full-width ＃ typed where a comment starts: still a line of code (that fails to run)
    ("one = torch.ones(1, 4)\nprint(one.shape)   ＃ torch.Size([1, 4])\n好的。\n", [[1, 2]]),
    ('s = "＃ 不是注释"\nprint(s)\n', [[1, 2]]),
])
def test_text_inline_label_values_and_full_width_hash(page, code):
    doc = parse_source(page, "p.txt", "text")
    assert [b.line_map for b in doc.blocks] == code
    if "输出" in page:
        assert [(c.line, c.kind) for c in doc.claims] == [(3, "output-block")]


def test_text_old_variable_repr_after_a_marker_is_output():
    page = ("y = x * 3\nprint(y)\n\n运行结果：\nVariable containing:\n 3\n 3\n"
            "[torch.FloatTensor of size 2]\n\nz = y + 1\n")
    doc = parse_source(page, "p.txt", "text")
    assert [b.line_map for b in doc.blocks] == [[1, 2], [10]]
    assert [(c.line, c.text.split("\n")[-1]) for c in doc.claims] == [
        (5, "[torch.FloatTensor of size 2]")
    ]


def test_text_zh_copy_toolbar_ends_output_and_is_never_output():
    page = ("python 代码解读复制代码\nx = torch.arange(3)\nprint(x.sum())\n运行结果：\n3\n"
            "python 代码解读复制代码\ny = x * 2\nprint(y)\n")
    doc = parse_source(page, "p.txt", "text")
    assert [b.line_map for b in doc.blocks] == [[2, 3], [7, 8]]
    assert [(c.line, c.text) for c in doc.claims] == [(5, "3")]


@pytest.mark.parametrize("page, code, claims", [
    # what a loop printed with its counter, not a numbered listing
    ("for k, m in enumerate(net, 1):\n    print(k, m)\n\n输出如下：\n1 Linear(in_features=2, "
     "out_features=3, bias=True)\n2 ReLU()\n", [[1, 2]], [5]),
    ("t = torch.ones(2)\nfor e in range(1, 3):\n    print(e, t.sum())\n\n"
     "1 tensor(2.)\n2 tensor(2.)\n", [[1, 2, 3]], []),
    # numbers printed by the block right above are its output, not the next block's gutter
    ('print(*range(1, 3), sep="\\n")\n1\n2\nx = torch.ones(2)\nprint(x)\n', [[1], [4, 5]], [2]),
])
def test_text_numbered_output_is_not_a_numbered_listing(page, code, claims):
    doc = parse_source(page, "p.txt", "text")
    assert [b.line_map for b in doc.blocks] == code
    assert [c.line for c in doc.claims] == claims


def test_text_traceback_after_a_marker_stays_output():
    page = ('x = torch.ones(3)\nx.view(2, 2)\nOutput:\nTraceback (most recent call last):\n'
            '  File "<stdin>", line 1, in <module>\n    x.view(2, 2)\n    ^^^^^^^^^^^^\n'
            "RuntimeError: shape '[2, 2]' is invalid for input of size 3\n")
    doc = parse_source(page, "p.txt", "text")
    assert [b.line_map for b in doc.blocks] == [[1, 2]]
    assert [(c.line, c.text.count("\n")) for c in doc.claims] == [(4, 4)]


@pytest.mark.parametrize("line, toolbar", [
    ("python 代码解读复制代码", True), ("csharp 复制代码", True), ("复制代码", True),
    ("代码块", True), ("Copy code", True), ("python复制", True), ("Plain Text", True),
    ("python", True), ("JavaScript Copy code", True),
    ("x.copy", False), ("deep copy", False), ("Python 3.8", False), ("text", False),
    ("Copy the code below:", False),
])
def test_text_copy_toolbars(line, toolbar):
    from recipes.checker.parse.text import _TOOLBAR

    assert bool(_TOOLBAR.match(line)) is toolbar
