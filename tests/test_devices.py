from __future__ import annotations

from collections import OrderedDict, defaultdict, namedtuple

import numpy as np
import pytest
import torch
from torch import nn

from recipes.devices import (
    DEVICE_ENV_VAR,
    describe_device,
    list_devices,
    pick_accelerator,
    pick_device,
    run_on_device,
    time_matmul,
    to_device,
)

needs_cuda = pytest.mark.skipif(
    not torch.cuda.is_available(), reason="needs a CUDA device; this machine has none"
)

Pair = namedtuple("Pair", ["inputs", "targets"])


@pytest.fixture(autouse=True)
def _no_env_override(monkeypatch):
    monkeypatch.delenv(DEVICE_ENV_VAR, raising=False)


def _expected_best() -> str:
    if torch.cuda.is_available():
        return "cuda:0"
    if torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def _fake_machine(monkeypatch, *, cuda: int = 0, mps: bool = False) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda > 0)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: cuda)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)


# --- choosing a device -------------------------------------------------------------------------


def test_pick_device_defaults_to_best_available():
    assert pick_device() == torch.device(_expected_best())
    assert pick_device("auto") == pick_device()
    assert list_devices()[0] == _expected_best()
    assert list_devices()[-1] == "cpu"


@pytest.mark.parametrize(
    ("cuda", "mps", "expected_list", "expected_pick"),
    [
        (2, True, ["cuda:0", "cuda:1", "mps", "cpu"], "cuda:0"),
        (0, True, ["mps", "cpu"], "mps"),
        (0, False, ["cpu"], "cpu"),
    ],
)
def test_preference_order_is_cuda_then_mps_then_cpu(
    monkeypatch, cuda, mps, expected_list, expected_pick
):
    _fake_machine(monkeypatch, cuda=cuda, mps=mps)
    assert list_devices() == expected_list
    assert pick_device() == torch.device(expected_pick)


def test_env_var_overrides_auto_choice_but_not_an_argument(monkeypatch):
    _fake_machine(monkeypatch, cuda=1)
    monkeypatch.setenv(DEVICE_ENV_VAR, "cpu")
    assert pick_device() == torch.device("cpu")
    monkeypatch.setenv(DEVICE_ENV_VAR, "auto")
    assert pick_device() == torch.device("cuda:0")
    monkeypatch.setenv(DEVICE_ENV_VAR, "cuda:7")
    assert pick_device("cpu") == torch.device("cpu")


def test_bad_env_var_names_the_variable(monkeypatch):
    monkeypatch.setenv(DEVICE_ENV_VAR, "gpu")
    expected = rf"\${DEVICE_ENV_VAR}='gpu'.*expected a device.*got 'gpu'"
    with pytest.raises(ValueError, match=expected):
        pick_device()


def test_device_strings_are_case_and_space_insensitive():
    assert pick_device("  CPU ") == torch.device("cpu")
    assert pick_device(torch.device("cpu")) == torch.device("cpu")


@pytest.mark.parametrize("bad", ["gpu", "cuda0", "", "cuda:-1"])
def test_unknown_device_string_is_a_value_error(bad):
    with pytest.raises(ValueError, match=r"expected a device such as 'cpu'.*got"):
        pick_device(bad)


def test_unsupported_device_type_is_a_value_error():
    expected = r"expected a device of type 'cpu', 'cuda' or 'mps', got 'meta'"
    with pytest.raises(ValueError, match=expected):
        pick_device("meta")


def test_non_string_device_is_a_type_error():
    with pytest.raises(TypeError, match="expected a str or torch.device, got int"):
        pick_device(0)


def test_unavailable_cuda_says_what_is_available(monkeypatch):
    _fake_machine(monkeypatch, cuda=0, mps=False)
    expected = r"'cuda' was requested but is not available; available devices: cpu$"
    with pytest.raises(ValueError, match=expected):
        pick_device("cuda")


def test_cuda_index_beyond_device_count_is_rejected(monkeypatch):
    _fake_machine(monkeypatch, cuda=2)
    assert pick_device("cuda:1") == torch.device("cuda:1")
    with pytest.raises(ValueError, match=r"'cuda:2' .*available devices: cuda:0, cuda:1, cpu"):
        pick_device("cuda:2")


def test_unavailable_mps_is_rejected(monkeypatch):
    _fake_machine(monkeypatch, cuda=0, mps=False)
    with pytest.raises(ValueError, match="'mps' was requested but is not available"):
        pick_device("mps")


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_real_cuda_request_fails_cleanly_without_a_gpu():
    with pytest.raises(ValueError, match="not available; available devices: .*cpu"):
        to_device(torch.ones(1), "cuda")


# --- moving batches ----------------------------------------------------------------------------


def test_to_device_walks_nested_containers_and_keeps_other_leaves():
    arr = np.arange(3)
    extra = object()
    counts = defaultdict(list, {"a": [torch.ones(1)]})
    batch = {
        "pair": Pair(torch.zeros(2, 2), torch.tensor([1, 2])),
        "list": [torch.full((3,), 2.5), "text", 4, arr],
        "tuple": (torch.eye(2), None, extra),
        "ordered": OrderedDict([("z", torch.ones(1)), ("a", 1.5)]),
        "counts": counts,
    }
    moved = to_device(batch, "cpu")

    assert type(moved["pair"]) is Pair
    assert torch.equal(moved["pair"].targets, batch["pair"].targets)
    assert moved["pair"].targets.dtype == torch.int64
    assert type(moved["list"]) is list and type(moved["tuple"]) is tuple
    assert moved["list"][1:3] == ["text", 4]
    assert moved["list"][3] is arr
    assert moved["tuple"][1] is None and moved["tuple"][2] is extra
    assert list(moved["ordered"]) == ["z", "a"] and type(moved["ordered"]) is OrderedDict
    assert type(moved["counts"]) is defaultdict and moved["counts"].default_factory is list
    tensors = [moved["pair"].inputs, moved["list"][0], moved["tuple"][0], moved["counts"]["a"][0]]
    assert all(t.device == torch.device("cpu") for t in tensors)


def test_to_device_does_not_change_the_input_containers():
    batch = [torch.ones(2), {"k": torch.zeros(1)}]
    moved = to_device(batch, "cpu")
    assert moved is not batch and moved[1] is not batch[1]
    assert torch.equal(moved[0], batch[0]) and torch.equal(moved[1]["k"], batch[1]["k"])


def test_to_device_passes_plain_values_through():
    assert to_device("hello", "cpu") == "hello"
    assert to_device(3, "cpu") == 3


def test_to_device_rejects_a_bad_device():
    with pytest.raises(ValueError, match="got 'tpu'"):
        to_device([torch.ones(1)], "tpu")


# --- describing and running --------------------------------------------------------------------


def test_describe_cpu():
    info = describe_device("cpu")
    assert info["device"] == "cpu" and info["type"] == "cpu"
    assert info["torch_version"] == torch.__version__
    assert info["cuda_version"] == torch.version.cuda
    assert info["cuda_available"] is torch.cuda.is_available()
    assert info["threads"] == torch.get_num_threads()
    assert isinstance(info["name"], str) and info["name"]
    assert "memory_total_gib" not in info


def test_run_on_device_matches_a_plain_forward_and_restores_mode():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 2))
    model.train()
    x = torch.randn(5, 4)
    out = run_on_device(model, x, "cpu")
    assert model.training
    model.eval()
    with torch.no_grad():
        expected = model(x)
    assert torch.equal(out, expected)
    assert not out.requires_grad


def test_run_on_device_handles_nested_inputs_and_outputs():
    class TwoHeads(nn.Module):
        def forward(self, batch):
            return {"sum": batch["a"] + batch["b"], "parts": (batch["a"], batch["tag"])}

    batch = {"a": torch.ones(2), "b": torch.full((2,), 2.0), "tag": "t"}
    out = run_on_device(TwoHeads(), batch, "cpu")
    assert torch.equal(out["sum"], torch.full((2,), 3.0))
    assert out["parts"][1] == "t"


def test_run_on_device_rejects_non_modules():
    with pytest.raises(TypeError, match="expected an nn.Module, got function"):
        run_on_device(lambda t: t, torch.ones(1), "cpu")


def test_time_matmul_is_positive_and_validates():
    assert time_matmul(size=32, repeats=2, device="cpu") > 0
    with pytest.raises(ValueError, match="expected size >= 1, got -3"):
        time_matmul(size=-3)
    with pytest.raises(ValueError, match="expected repeats >= 1, got 0"):
        time_matmul(repeats=0)


# --- torch.accelerator --------------------------------------------------------------------------


def _fake_accelerator(monkeypatch, kind: str | None, available: bool, count: int) -> None:
    device = torch.device(kind) if kind else None
    monkeypatch.setattr(torch.accelerator, "current_accelerator", lambda check_available=False: device)
    monkeypatch.setattr(torch.accelerator, "is_available", lambda: available)
    monkeypatch.setattr(torch.accelerator, "device_count", lambda: count if available else 0)


def test_pick_accelerator_follows_torch_accelerator_on_this_machine():
    found = torch.accelerator.current_accelerator()
    expected = found.type if found is not None and torch.accelerator.is_available() else "cpu"
    assert pick_accelerator() == torch.device(expected)


def test_pick_accelerator_finds_a_backend_pick_device_does_not_know(monkeypatch):
    _fake_accelerator(monkeypatch, "xpu", available=True, count=2)
    assert pick_accelerator() == torch.device("xpu")
    assert pick_accelerator(1) == torch.device("xpu", 1)
    with pytest.raises(ValueError, match=r"expected an accelerator index in \[0, 2\), got 2: this machine has 2 xpu"):
        pick_accelerator(2)


def test_pick_accelerator_ignores_a_built_for_accelerator_that_is_absent(monkeypatch):
    _fake_accelerator(monkeypatch, "cuda", available=False, count=0)
    assert pick_accelerator() == torch.device("cpu")
    with pytest.raises(ValueError, match=r"in \[0, 0\), got 0: this machine has no accelerator"):
        pick_accelerator(0)


def test_pick_accelerator_without_torch_accelerator_falls_back_to_cuda_then_mps(monkeypatch):
    monkeypatch.delattr(torch, "accelerator")
    _fake_machine(monkeypatch, cuda=2, mps=True)
    assert pick_accelerator() == torch.device("cuda")
    assert pick_accelerator(1) == torch.device("cuda", 1)
    _fake_machine(monkeypatch, cuda=0, mps=True)
    assert pick_accelerator(0) == torch.device("mps", 0)
    _fake_machine(monkeypatch, cuda=0, mps=False)
    assert pick_accelerator() == torch.device("cpu")


@pytest.mark.parametrize("index", [1.0, "0", True])
def test_pick_accelerator_rejects_a_non_int_index(index):
    with pytest.raises(TypeError, match="expected index to be an int or None"):
        pick_accelerator(index)


# --- GPU paths (skipped without CUDA) ----------------------------------------------------------


@needs_cuda
def test_cuda_is_picked_first_and_batches_round_trip():
    device = pick_device()
    assert device.type == "cuda"
    batch = Pair(torch.arange(6.0).reshape(2, 3), ["label", torch.tensor([1])])
    on_gpu = to_device(batch, device)
    assert on_gpu.inputs.is_cuda and on_gpu.targets[1].is_cuda and on_gpu.targets[0] == "label"
    back = to_device(on_gpu, "cpu")
    assert torch.equal(back.inputs, batch.inputs) and not back.inputs.is_cuda


@needs_cuda
def test_run_on_cuda_returns_cpu_outputs_equal_to_cpu_run():
    torch.manual_seed(0)
    model = nn.Linear(3, 2).double()
    x = torch.randn(4, 3, dtype=torch.float64)
    expected = run_on_device(model, x, "cpu")
    out = run_on_device(model, x, "cuda")
    assert out.device.type == "cpu"
    assert next(model.parameters()).is_cuda
    torch.testing.assert_close(out, expected)


@needs_cuda
def test_describe_cuda_reports_memory():
    info = describe_device("cuda")
    assert info["device"] == f"cuda:{torch.cuda.current_device()}"
    assert info["name"] == torch.cuda.get_device_name(torch.cuda.current_device())
    assert info["memory_total_gib"] > 0
    assert 0 <= info["memory_allocated_gib"] <= info["memory_total_gib"]


@needs_cuda
def test_time_matmul_on_cuda():
    assert time_matmul(size=256, repeats=3, device="cuda") > 0


@needs_cuda
def test_pick_accelerator_is_the_cuda_device_and_holds_tensors():
    device = pick_accelerator(0)
    assert device == torch.device("cuda", 0)
    assert torch.ones(2, device=device).is_cuda
