"""The checker's comparison: what a careful reader accepts, what is wrong, what is unverifiable."""

from __future__ import annotations

import ast

import pytest

from recipes.checker.compare import Nondeterminism, judge, judge_error


@pytest.mark.parametrize(
    ("claim", "actual"),
    [
        ("tensor([[1, 2],[3, 4]])", "tensor([[1, 2],\n        [3, 4]])\n"),
        ("tensor([ 4, 10, 18])", "tensor([ 4, 10, 18])\n"),
        ("0.3333", "0.3333333333333333\n"),
        ("tensor(16.)", "tensor(16.)\n"),
        ("1.8619e-08", "1.8619e-08"),
        ("tensor([[ 2.7183, 54.5982]])", "tensor([[ 2.7183, 54.5981]])"),
        ("<Box object at 0x7f3a2b1c0d90>", "<Box object at 0x55d0c0ffee00>"),
        ("a\n......\nz", "a\nb\nc\nz\n"),
        ("[999 2 3]", "[999   2   3]\n"),
    ],
)
def test_accepted_differences(claim, actual):
    assert judge(claim, actual).verdict == "ok"


@pytest.mark.parametrize(
    ("claim", "actual"),
    [
        ("tensor([1., 2.])", "tensor([1., 2.], dtype=torch.float64)"),  # dtype left out
        ("tensor([1, 2, 3], dtype=torch.int32)", "tensor([1, 2, 3])"),  # int64 on Linux
        ("tensor([2, 4, 6])", "tensor([2., 4., 6.])"),  # int for float
        ("torch.Size([2, 3])", "torch.Size([3, 2])"),  # shape
        ("tensor(3.5000)", "tensor(3.5002)"),  # value beyond rounding of the last digit
        ("0.33", "0.34"),
        ("12", "1 2"),
        ("tensor([4.5000, 6.0000])", "tensor([12., 15.])"),
    ],
)
def test_real_differences_are_wrong(claim, actual):
    result = judge(claim, actual)
    assert result.verdict == "wrong"
    assert result.diff.startswith("--- claimed\n+++ actual")


def test_wrong_claim_shows_a_unified_diff():
    result = judge("tensor([4, 10, 19])", "tensor([ 4, 10, 18])\n")
    assert "-tensor([4, 10, 19])" in result.diff
    assert "+tensor([ 4, 10, 18])" in result.diff


def test_claim_may_leave_out_the_printed_label():
    assert judge("torch.Size([2, 3])", "shape: torch.Size([2, 3])\n", label="shape: ").verdict == "ok"
    assert judge("torch.Size([2, 3])", "shape: torch.Size([2, 3])\n").verdict == "wrong"


def test_claim_may_show_only_the_first_printed_values():
    actual = "tensor([1., 2.], dtype=torch.float16) torch.float16\n"
    assert judge("tensor([1., 2.], dtype=torch.float16)", actual,
                 multi_args=True).verdict == "ok"
    assert judge("tensor([1., 2.], dtype=torch.float16)", actual).verdict == "wrong"


def test_size_written_as_a_tuple_is_the_same_shape():
    assert judge("(3, 5)", "torch.Size([3, 5])").verdict == "ok"
    assert judge("(5)", "torch.Size([5])").verdict == "ok"
    assert judge("(5, 3)", "torch.Size([3, 5])").verdict == "wrong"


def test_output_block_may_quote_the_last_lines():
    actual = "".join(f"step {k}\n" for k in range(10))
    assert judge("step 8\nstep 9", actual, window=True).verdict == "ok"
    assert judge("step 8\nstep 9", actual).verdict == "wrong"


def test_printing_nothing_is_noted():
    result = judge("w -> tensor(10.)", "")
    assert (result.verdict, result.note) == ("wrong", "the code printed nothing")


def test_random_output_is_unverifiable_unless_its_structure_is_wrong():
    actual = "tensor([[0.4963],\n        [0.7682]])\n"
    assert judge("tensor([[0.3208],\n[0.5004]])", actual, tainted=True).verdict == "unverifiable"
    assert judge("tensor([[0.3208],\n[0.5004]])", actual).verdict == "wrong"
    # the dtype is not random: leaving it out is wrong even for random values
    assert judge("tensor([0.1, 0.2])", "tensor([0.5, 0.9], dtype=torch.float64)",
                 tainted=True).verdict == "wrong"
    # a random mask selects a random number of elements
    assert judge("tensor([7, 7, 5])", "tensor([8, 8, 8, 8, 7])", tainted=True).verdict == \
        "unverifiable"


def test_expected_exceptions():
    assert judge_error("ValueError: bad value", "ValueError", "bad value").verdict == "ok"
    assert judge_error("ValueError: bad ...", "ValueError", "bad value here").verdict == "ok"
    assert judge_error("ValueError: bad value", "TypeError", "bad value").verdict == "wrong"
    assert judge_error("ValueError: bad value", "ValueError", "other").verdict == "wrong"
    assert judge_error("ValueError: bad value", None, None).verdict == "wrong"


def _tainted_statements(source: str) -> list[bool]:
    tracker = Nondeterminism()
    return [tracker.visit(ast.Module([stmt], [])) for stmt in ast.parse(source).body]


def test_unseeded_randomness_taints_what_is_computed_from_it():
    flags = _tainted_statements(
        "import torch\n"
        "a = torch.rand(3)\n"
        "b = a * 2\n"
        "c = torch.ones(3)\n"
        "print(b)\n"
        "print(c)\n"
    )
    assert flags == [False, True, True, False, True, False]


def test_seeding_makes_later_draws_verifiable():
    flags = _tainted_statements(
        "import torch\nimport numpy as np\n"
        "torch.manual_seed(0)\n"
        "x = torch.randn(2)\n"
        "y = np.random.rand(2)\n"
        "np.random.seed(1)\n"
        "z = np.random.rand(2)\n"
    )
    assert flags == [False, False, False, False, True, False, False]


def test_clock_memory_and_models_are_sources():
    flags = _tainted_statements(
        "import time\nimport torch\nfrom torch import nn\n"
        "t = time.time()\n"
        "e = torch.empty(2, 3)\n"
        "u = torch.Tensor(2, 3)\n"
        "k = torch.Tensor([1, 2])\n"
        "addr = id(k)\n"
        "layer = nn.Linear(2, 1)\n"
        "class Net(nn.Module):\n    def __init__(self):\n        self.fc = nn.Linear(2, 1)\n"
        "net = Net()\n"
        "g = torch.randn(2, generator=torch.Generator().manual_seed(0))\n"
    )
    assert flags == [False, False, False, True, True, True, False, True, True, False, True, False]
