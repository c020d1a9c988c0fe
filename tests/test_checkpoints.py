"""Checkpoints: round trips, exact resumption, and refusals that say what was expected and what came."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn, optim
from torch.utils.data import TensorDataset

from recipes.checkpoints import (
    check_state_dict,
    load_checkpoint,
    load_weights,
    read_checkpoint,
    save_checkpoint,
    save_weights,
    train_resumable,
)
from recipes.modules import MLP, predict


def make_model(hidden: int = 8, seed: int = 0) -> MLP:
    torch.manual_seed(seed)
    return MLP(4, [hidden], 3, batch_norm=True)


def test_weights_round_trip_includes_buffers(tmp_path: Path) -> None:
    model = make_model()
    model(torch.randn(16, 4))  # training-mode pass: BatchNorm running statistics move off 0 and 1
    path = save_weights(model, tmp_path / "w.pt")
    restored = load_weights(make_model(seed=1), path)
    for name, tensor in model.state_dict().items():
        assert torch.equal(restored.state_dict()[name], tensor), name
    x = torch.randn(5, 4)
    assert torch.equal(predict(model, x), predict(restored, x))
    assert [p.name for p in tmp_path.iterdir()] == ["w.pt"]  # no partial file left behind


def test_save_replaces_atomically_and_keeps_old_file_on_failure(tmp_path: Path) -> None:
    path = save_weights(nn.Linear(2, 1), tmp_path / "w.pt")
    before = path.read_bytes()

    class Unsaveable(nn.Linear):
        def state_dict(self, *args, **kwargs):
            return {"weight": (x for x in [])}  # a generator cannot be pickled

    with pytest.raises(TypeError):
        save_weights(Unsaveable(2, 1), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["w.pt"]


def test_map_location_places_tensors(tmp_path: Path) -> None:
    path = save_weights(nn.Linear(3, 2), tmp_path / "w.pt")
    assert {t.device.type for t in read_checkpoint(path, map_location="meta").values()} == {"meta"}
    assert {t.device.type for t in read_checkpoint(path).values()} == {"cpu"}


def test_shape_mismatch_names_key_expected_and_got(tmp_path: Path) -> None:
    path = save_weights(make_model(hidden=8), tmp_path / "w.pt")
    wider = make_model(hidden=16)
    before = {k: v.clone() for k, v in wider.state_dict().items()}
    with pytest.raises(ValueError, match=r"expected 'layers.0.weight' of shape \(16, 4\), got \(8, 4\)"):
        load_weights(wider, path)
    assert all(torch.equal(before[k], v) for k, v in wider.state_dict().items())


def test_wrong_keys_are_counted_and_named() -> None:
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1))
    state = model.state_dict()
    renamed = {k.replace("2.", "out."): v for k, v in state.items()}
    with pytest.raises(ValueError) as info:
        check_state_dict(model, renamed)
    message = str(info.value)
    assert message.startswith("expected the model's 4 keys, got 2 missing ('2.weight', '2.bias')")
    assert "2 unexpected ('out.weight', 'out.bias')" in message
    assert "module." not in message


def test_dataparallel_prefix_gets_a_hint() -> None:
    model = nn.Linear(2, 1)
    wrapped = {"module." + k: v for k, v in model.state_dict().items()}
    with pytest.raises(ValueError, match=r"start with 'module\.'.*model\.module\.state_dict\(\)"):
        check_state_dict(model, wrapped)


def test_state_dict_values_must_be_tensors() -> None:
    with pytest.raises(TypeError, match="expected 'weight' to be a tensor, got list"):
        check_state_dict(nn.Linear(1, 1), {"weight": [[1.0]], "bias": torch.zeros(1)})
    with pytest.raises(TypeError, match="expected a state dict .*, got Linear"):
        check_state_dict(nn.Linear(1, 1), nn.Linear(1, 1))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "content",
    [b"epoch=3, accuracy=0.97\n", b"", b"PK\x03\x04 truncated zip"],
    ids=["text", "empty", "truncated"],
)
def test_a_file_that_is_not_a_checkpoint(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "notes.pt"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=r"expected a file written by torch\.save, got one torch\.load cannot read \(.*notes\.pt: \w+"):
        read_checkpoint(path)


def test_missing_file_stays_a_file_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_checkpoint(tmp_path / "absent.pt")


def test_whole_model_is_refused_with_the_fix(tmp_path: Path) -> None:
    torch.save(make_model(), tmp_path / "model.pt")
    with pytest.raises(ValueError, match=r"got the class recipes\.modules\.MLP .*save model\.state_dict\(\), not the model"):
        read_checkpoint(tmp_path / "model.pt")


class Note:
    """Not a module: a pickled object of an arbitrary class."""


def test_arbitrary_object_is_refused_without_the_model_hint(tmp_path: Path) -> None:
    torch.save({"note": Note()}, tmp_path / "note.pt")
    with pytest.raises(ValueError) as info:
        read_checkpoint(tmp_path / "note.pt")
    assert "got the class tests.test_checkpoints.Note" in str(info.value)
    assert "weights_only=False only if you trust" in str(info.value)


def test_top_level_must_be_a_dict(tmp_path: Path) -> None:
    torch.save([torch.zeros(1)], tmp_path / "list.pt")
    with pytest.raises(ValueError, match=r"expected a dict in .*list\.pt, got list"):
        read_checkpoint(tmp_path / "list.pt")


def test_checkpoint_restores_optimizer_state_and_epoch(tmp_path: Path) -> None:
    model = nn.Linear(3, 1)
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(torch.randn(4, 3)).sum().backward()
    optimizer.step()
    path = save_checkpoint(tmp_path / "c.pt", model, optimizer, epoch=5)
    fresh = nn.Linear(3, 1)
    fresh_opt = optim.SGD(fresh.parameters(), lr=0.1, momentum=0.9)
    assert load_checkpoint(path, fresh, fresh_opt) == 5
    assert torch.equal(fresh.weight, model.weight)
    buffers = [fresh_opt.state[p]["momentum_buffer"] for p in fresh.parameters()]
    assert all(torch.equal(a, optimizer.state[p]["momentum_buffer"]) for a, p in zip(buffers, model.parameters()))


def test_plain_weights_are_not_a_training_checkpoint(tmp_path: Path) -> None:
    model = nn.Linear(2, 1)
    path = save_weights(model, tmp_path / "w.pt")
    with pytest.raises(ValueError, match=r"expected a checkpoint with the keys 'epoch', 'model', 'optimizer' .*got 'weight', 'bias'"):
        load_checkpoint(path, model, optim.SGD(model.parameters(), lr=0.1))


def test_optimizer_for_other_parameters_is_refused_before_loading(tmp_path: Path) -> None:
    model = nn.Linear(2, 1)
    path = save_checkpoint(tmp_path / "c.pt", model, optim.SGD(model.parameters(), lr=0.1), epoch=1)
    only_weight = optim.SGD([model.weight], lr=0.1)
    with pytest.raises(ValueError, match=r"expected optimizer state for parameter groups of sizes \[1\], got \[2\]"):
        load_checkpoint(path, model, only_weight)


@pytest.mark.parametrize("epoch", [-1, 1.5, True, "3"])
def test_epoch_must_be_a_count(tmp_path: Path, epoch: object) -> None:
    model = nn.Linear(2, 1)
    with pytest.raises(ValueError, match=f"expected epoch to be an int >= 0 \\(epochs completed\\), got {epoch!r}"):
        save_checkpoint(tmp_path / "c.pt", model, optim.SGD(model.parameters(), lr=0.1), epoch)  # type: ignore[arg-type]
    assert not (tmp_path / "c.pt").exists()


def _run(epochs: int, path: Path, dataset: TensorDataset) -> tuple[nn.Module, list[float]]:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))
    optimizer = optim.Adam(model.parameters(), lr=0.05)
    losses = train_resumable(model, optimizer, dataset, nn.MSELoss(), epochs, path, batch_size=8)
    return model, losses


def test_resumed_training_equals_uninterrupted(tmp_path: Path) -> None:
    generator = torch.Generator().manual_seed(0)
    X = torch.randn(40, 2, generator=generator)
    dataset = TensorDataset(X, (X[:, :1] * X[:, 1:]))
    straight, losses = _run(5, tmp_path / "a.pt", dataset)
    _, first = _run(2, tmp_path / "b.pt", dataset)
    resumed, rest = _run(5, tmp_path / "b.pt", dataset)
    assert len(first) == 2 and len(rest) == 3
    assert losses == first + rest
    assert all(torch.equal(a, b) for a, b in zip(straight.parameters(), resumed.parameters()))
    assert read_checkpoint(tmp_path / "b.pt")["epoch"] == 5
    _, nothing = _run(5, tmp_path / "b.pt", dataset)  # already done: no epoch runs
    assert nothing == []


def test_train_resumable_checks_epochs(tmp_path: Path) -> None:
    model = nn.Linear(1, 1)
    with pytest.raises(ValueError, match="expected epochs to be an int >= 1, got 0"):
        train_resumable(
            model, optim.SGD(model.parameters(), lr=0.1), TensorDataset(torch.zeros(2, 1), torch.zeros(2, 1)),
            nn.MSELoss(), 0, tmp_path / "c.pt",
        )
