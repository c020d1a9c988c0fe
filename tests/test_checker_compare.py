"""The checker's comparison: what a careful reader accepts, what is wrong, what is unverifiable."""

from __future__ import annotations

import ast

import pytest

from recipes.checker.compare import judge, judge_error, judge_window_sequence
from recipes.checker.taint import Nondeterminism, RandomRange


@pytest.mark.parametrize(
    ("claim", "actual"),
    [
        ("tensor([[1, 2],[3, 4]])", "tensor([[1, 2],\n        [3, 4]])\n"),
        ("tensor([ 4, 10, 18])", "tensor([ 4, 10, 18])\n"),
        ("0.33333334", "0.3333\n"),  # the claim rounds to what torch prints
        ("tensor([2.5000])", "tensor([2.5000])"),
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
        # a claim with fewer digits than the library prints is never ok for another value
        ("tensor([0.3000], requires_grad=True)", "tensor([0.], requires_grad=True)"),
        ("tensor(0.)", "tensor(0.4000)"),
        ("tensor([2., 2.])", "tensor([2.4900, 1.5100])"),
        ("1e3", "1400.0"),
        ("0.3333", "0.3333333333333333"),
        ("0.3", "0.30000000000000004"),
        # ``2.`` is printed only for exactly 2: no one-unit leniency
        ("tensor([1., 2.])", "tensor([1., 1.])"),
        ("tensor(3.5000)", "tensor(3.5002)"),
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


def test_one_unit_in_the_last_printed_digit_is_platform_rounding():
    result = judge("tensor([[ 2.7183, 54.5982]])", "tensor([[ 2.7183, 54.5981]])")
    assert (result.verdict, result.note) == ("ok", "last digit differs: platform rounding")
    assert judge("tensor(3.5001)", "tensor(3.5002)").verdict == "ok"
    assert judge("tensor(3.5000)", "tensor(3.5002)").verdict == "wrong"  # two units
    assert judge("tensor([2., 4.])", "tensor([2., 4.])").note == ""


def test_a_claim_with_more_digits_than_printed_is_not_called_platform_rounding():
    result = judge("tensor([0.33333])", "tensor([0.3333])")
    assert (result.verdict, result.note) == (
        "ok", "the claim has more digits than PyTorch prints; it rounds to the printed value")
    assert judge("tensor([0.33349])", "tensor([0.3333])").verdict == "wrong"


@pytest.mark.parametrize(
    ("claim", "actual", "approx", "verdict"),
    [
        ("4.0", "tensor([4.])", False, "ok"),
        ("4", "tensor(4.)", False, "ok"),
        ("2.5", "tensor(2.5000, grad_fn=<MulBackward0>)", False, "ok"),
        ("0.333", "tensor(0.3333)", True, "ok"),
        ("0.33", "tensor(0.3367)", True, "ok"),  # cut off, not rounded: still "about"
        ("0.34", "tensor(0.3333)", True, "wrong"),
        ("3", "tensor(3.4000)", False, "wrong"),  # a whole number claimed is exact
        ("4.5", "tensor([4.])", False, "wrong"),
    ],
)
def test_hand_written_values_are_compared_at_their_own_precision(claim, actual, approx, verdict):
    assert judge(claim, actual, approx=approx).verdict == verdict


def test_environment_dependent_output_is_never_ok_and_never_wrong():
    for claim, actual in (("2.1.0+cu118", "2.13.0+cpu"), ("0.0431", "0.0431"), ("True", "False")):
        assert judge(claim, actual, taint={"env"}).verdict == "environment"


def test_a_device_chosen_by_the_machine_is_environment_the_values_are_checked():
    assert judge("cuda", "cpu", taint={"device"}).verdict == "environment"
    assert judge("True", "False", taint={"device"}).verdict == "environment"
    assert judge("tensor([1., 1.], device='cuda:0')", "tensor([1., 1.])",
                 taint={"placed"}).verdict == "environment"
    assert judge("tensor([1., 1.])", "tensor([1., 1.])", taint={"placed"}).verdict == "ok"
    assert judge("True", "True", taint={"placed"}).verdict == "ok"
    assert judge("tensor([1., 2.], device='cuda:0')", "tensor([1., 1.])",
                 taint={"placed"}).verdict == "wrong"


def test_random_values_are_unverifiable_but_their_structure_is_checked():
    actual = "tensor([[0.4963],\n        [0.7682]])\n"
    assert judge("tensor([[0.3208],\n[0.5004]])", actual, taint={"random"}).verdict == \
        "unverifiable"
    assert judge("tensor([[0.3208],\n[0.5004]])", actual).verdict == "wrong"
    # shape: one element too many
    assert judge("tensor([[0.3208], [0.5004], [0.1]])", actual, taint={"random"}).verdict == \
        "wrong"
    # dtype, requires_grad and grad_fn are not random
    assert judge("tensor([0.1, 0.2])", "tensor([0.5, 0.9], dtype=torch.float64)",
                 taint={"random"}).verdict == "wrong"
    assert judge("tensor([0.1, 0.2])", "tensor([0.5, 0.9], requires_grad=True)",
                 taint={"random"}).verdict == "wrong"
    assert judge("tensor([1, 2])", "tensor([0.5, 0.9])", taint={"random"}).verdict == "wrong"


def test_random_values_outside_the_range_the_call_fixes_are_wrong():
    rand = RandomRange(0.0, 1.0)
    actual = "tensor([0.4963, 0.7682])"
    assert judge("tensor([0.1, 0.5])", actual, taint={"random"}, value_range=rand).verdict == \
        "unverifiable"
    result = judge("tensor([1.2, 0.5])", actual, taint={"random"}, value_range=rand)
    assert result.verdict == "wrong" and "outside [0, 1)" in result.note
    dice = RandomRange(0, 10)
    assert judge("tensor([3, 12])", "tensor([7, 1])", taint={"random"},
                 value_range=dice).verdict == "wrong"


def test_addresses_and_id_values_are_masked_the_rest_must_match():
    assert judge("<Box object at 0x7f3a2b1c0d90>", "<Box object at 0x55d0c0ffee00>").verdict == \
        "ok"
    assert judge("<Box object at 0x7f3a2b1c0d90>", "<Bag object at 0x55d0c0ffee00>").verdict == \
        "wrong"
    assert judge("139872 True", "94823 True", taint={"id"}).verdict == "ok"
    assert judge("139872 True", "94823 False", taint={"id"}).verdict == "wrong"


def test_ipython_and_repr_show_the_same_object():
    assert judge("<AddBackward0 at 0x7f0>", "<AddBackward0 object at 0x55d>").verdict == "ok"


def test_claims_on_a_loop_appear_in_order_in_its_output():
    actual = "epoch 0 loss 1.5\nepoch 1 loss 0.75\n"
    assert [j.verdict for j in judge_window_sequence(
        ["epoch 0 loss 1.5", "epoch 1 loss 0.75"], actual)] == ["ok", "ok"]
    assert [j.verdict for j in judge_window_sequence(
        ["epoch 0 loss 1.5", "epoch 1 loss 0.5"], actual)] == ["ok", "wrong"]


def test_expected_exceptions():
    assert judge_error("ValueError: bad value", "ValueError", "bad value").verdict == "ok"
    assert judge_error("ValueError: bad ...", "ValueError", "bad value here").verdict == "ok"
    assert judge_error("ValueError: bad value", "TypeError", "bad value").verdict == "wrong"
    assert judge_error("ValueError: bad value", "ValueError", "other").verdict == "wrong"
    assert judge_error("ValueError: bad value", None, None).verdict == "wrong"
    # the shown message may be cut short
    assert judge_error("RuntimeError: shape '[3]' is invalid", "RuntimeError",
                       "shape '[3]' is invalid for input of size 6").verdict == "ok"
    assert judge_error("torch.OutOfMemoryError: x", "OutOfMemoryError", "x").verdict == "ok"


def _taint(source: str) -> list[set[str]]:
    """What each statement shows depends on, or, for one that shows nothing, what it binds."""
    tracker = Nondeterminism()
    found = []
    for stmt in ast.parse(source).body:
        shown = tracker.visit(ast.Module([stmt], []))
        bound = [n.id for n in ast.walk(stmt) if isinstance(n, ast.Name)
                 and isinstance(n.ctx, ast.Store)]
        if not isinstance(stmt, ast.Assign):
            bound = []
        found.append(shown or set().union(*(tracker.tainted.get(n, set()) for n in bound)))
    return found


def _tainted_statements(source: str) -> list[bool]:
    return [bool(t) for t in _taint(source)]


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


def test_what_randomness_cannot_change_stays_checkable():
    assert _taint(
        "import torch\n"
        "x = torch.rand(2, 3)\n"
        "print(x.shape, x.dtype, x.requires_grad)\n"
        "print(x.size(), len(x))\n"
        "print(x)\n"
    ) == [set(), {"random"}, set(), set(), {"random"}]


def test_machine_dependent_sources():
    assert _taint(
        "import torch, os, time, platform\n"
        "print(torch.__version__)\n"
        "print(torch.cuda.is_available())\n"
        "device = 'cuda' if torch.cuda.is_available() else 'cpu'\n"
        "x = torch.ones(2).to(device)\n"
        "print(x)\n"
        "print(x.shape)\n"
        "print(x.device, x.is_cuda)\n"
        "print(os.getcwd(), platform.python_version())\n"
        "start = time.perf_counter()\n"
        "print(f'{time.perf_counter() - start:.4f} s')\n"
    ) == [set(), {"env"}, {"env"}, {"device"}, {"placed"}, {"placed"}, set(), {"device"},
          {"env"}, {"env"}, {"env"}]


def test_a_path_or_time_passed_to_a_call_leaves_no_trace_in_its_result():
    assert _taint(
        "import os, tempfile, time\n"
        "path = os.path.join(tempfile.mkdtemp(), 'm.pt')\n"
        "print(os.path.exists(path))\n"
        "print(path)\n"
        "start = time.time()\n"
        "for k in range(3):\n    elapsed = time.time() - start\n    print(k)\n"
    ) == [set(), {"env"}, set(), {"env"}, {"env"}, set()]


def test_the_range_a_random_call_fixes():
    tracker = Nondeterminism()
    for line in ("import torch", "a = torch.rand(3)", "b = torch.randint(0, 10, (3,))",
                 "c = torch.randint(5, (3,))", "d = torch.randn(3)"):
        tracker.visit(ast.parse(line))
    assert tracker.range_of(ast.parse("print(a)")) == RandomRange(0.0, 1.0)
    assert tracker.range_of(ast.parse("b")) == RandomRange(0.0, 10.0)
    assert tracker.range_of(ast.parse("c")) == RandomRange(0.0, 5.0)
    assert tracker.range_of(ast.parse("print(d)")) is None


def test_a_random_loss_makes_what_backward_and_the_optimizer_update_random():
    assert _taint(
        "import torch\nfrom torch import nn\n"
        "torch.manual_seed(0)\n"
        "model = nn.Linear(1, 1)\n"
        "opt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "print(model.weight)\n"
        "torch.seed()\n"
        "for xb in torch.rand(4, 1):\n"
        "    loss = (model(xb) ** 2).mean()\n"
        "    opt.zero_grad()\n"
        "    loss.backward()\n"
        "    opt.step()\n"
        "print(model.weight)\n"
        "print(model.weight.shape)\n"
    ) == [set(), set(), set(), set(), set(), set(), set(), {"random"}, {"random"}, set()]

