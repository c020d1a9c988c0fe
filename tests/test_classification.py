"""Classification: losses from logits, the validation split, the train/eval loop, bad input."""

from __future__ import annotations

import math

import pytest
import torch
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from torch import nn

from recipes.classification import (
    accuracy_from_logits,
    classification_loss,
    split_train_val,
    train_classifier,
)
from recipes.data import to_tensor_dataset
from recipes.modules import MLP, predict
from recipes.regression_nn import make_classification_data


@pytest.fixture(scope="module")
def iris() -> tuple[torch.Tensor, ...]:
    X, y = to_tensor_dataset(*load_iris(return_X_y=True)).tensors
    return split_train_val(X, y, val_fraction=0.2, seed=0)


def test_split_is_a_seeded_partition_that_mixes_sorted_classes() -> None:
    X, y = to_tensor_dataset(*load_iris(return_X_y=True)).tensors
    X_train, y_train, X_val, y_val = split_train_val(X, y, val_fraction=0.2, seed=0)
    assert len(X_val) == 30 and len(X_train) == 120
    rows = {tuple(row) for row in torch.cat([X_train, X_val]).tolist()}
    assert len(torch.cat([X_train, X_val])) == 150 and rows == {tuple(row) for row in X.tolist()}
    assert (torch.bincount(y_val, minlength=3) > 0).all()  # the last 30 rows would all be class 2
    again = split_train_val(X, y, val_fraction=0.2, seed=0)
    other = split_train_val(X, y, val_fraction=0.2, seed=1)
    assert torch.equal(again[3], y_val) and not torch.equal(other[2], X_val)


@pytest.mark.parametrize(
    ("n", "fraction", "message"),
    [
        (10, 0.0, "expected val_fraction between 0 and 1, got 0.0"),
        (10, 1.0, "expected val_fraction between 0 and 1, got 1.0"),
        (3, 0.1, r"expected at least one training and one validation row, got 3 and 0 from 3 rows"),
    ],
)
def test_split_refuses_fractions_that_leave_a_side_empty(n: int, fraction: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        split_train_val(torch.zeros(n, 2), torch.zeros(n), val_fraction=fraction)


def test_binary_loss_matches_bce_and_stays_finite_where_bceloss_clamps() -> None:
    z = torch.tensor([[-200.0], [-2.0], [0.5], [3.0]])
    y = torch.tensor([1, 0, 1, 1])
    per_sample = torch.nn.functional.softplus(-z[:, 0]) * y + torch.nn.functional.softplus(z[:, 0]) * (1 - y)
    assert classification_loss(z, y).item() == pytest.approx(per_sample.mean().item())
    assert classification_loss(z[:1], y[:1]).item() == pytest.approx(200.0)
    assert nn.BCELoss()(torch.sigmoid(z[:1, 0]), y[:1].float()).item() == pytest.approx(100.0)


def test_multiclass_loss_is_cross_entropy_and_softmax_first_has_a_floor() -> None:
    torch.manual_seed(0)
    logits, y = torch.randn(6, 4), torch.tensor([0, 3, 1, 2, 2, 0])
    expected = -logits.log_softmax(dim=1)[torch.arange(6), y].mean()
    assert classification_loss(logits, y).item() == pytest.approx(expected.item())
    confident = torch.full((1, 4), -30.0)
    confident[0, 2] = 30.0
    twice = classification_loss(confident.softmax(dim=1), torch.tensor([2]))
    assert twice.item() == pytest.approx(math.log(1 + 3 / math.e), abs=1e-5)
    assert classification_loss(confident, torch.tensor([2])).item() < 1e-6


@pytest.mark.parametrize(
    ("logits", "y", "error", "message"),
    [
        (torch.zeros(2, 3), torch.tensor([0.0, 1.0]), TypeError,
         r"expected integer class indices \(torch.int64\) for 3 logit columns, got torch.float32"),
        (torch.zeros(2, 3), torch.tensor([0, -1]), ValueError,
         r"expected class indices in 0..2 for 3 logit columns, got -1"),
        (torch.zeros(2, 1), torch.tensor([0.0, 0.7]), ValueError,
         r"expected labels 0 or 1 for one logit column, got 0.7"),
        (torch.zeros(2, 1), torch.tensor([[0.0], [1.0]]), ValueError,
         r"expected y of shape \(2,\), one label per row, got \(2, 1\)"),
        (torch.zeros(2), torch.tensor([0.0, 1.0]), ValueError,
         r"expected logits of shape \(n, classes\), got \(2,\)"),
    ],
    ids=["float-indices", "negative-index", "soft-binary-label", "column-labels", "1-d-logits"],
)
def test_loss_refusals_say_what_was_expected(logits, y, error, message) -> None:
    with pytest.raises(error, match=message):
        classification_loss(logits, y)


def test_accuracy_from_logits_thresholds_at_zero_and_takes_argmax() -> None:
    assert accuracy_from_logits(torch.tensor([[0.1], [-0.1], [5.0]]), torch.tensor([1.0, 1.0, 0.0])) == pytest.approx(1 / 3)
    logits = torch.tensor([[1.0, 2.0, 0.0], [0.0, 0.0, 9.0], [3.0, 1.0, 2.0], [0.0, 1.0, 0.0]])
    assert accuracy_from_logits(logits, torch.tensor([1, 2, 0, 2])) == 0.75
    with pytest.raises(ValueError, match="expected at least one row, got empty tensors"):
        accuracy_from_logits(torch.zeros(0, 3), torch.zeros(0, dtype=torch.long))


class ModeRecorder(nn.Module):
    """A linear classifier that records, per call, whether it was in training mode and inference mode."""

    def __init__(self, n_features: int, n_outputs: int) -> None:
        super().__init__()
        self.linear = nn.Linear(n_features, n_outputs)
        self.calls: list[tuple[bool, bool, int]] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls.append((self.training, torch.is_inference_mode_enabled(), len(x)))
        return self.linear(x)


def test_loop_trains_in_train_mode_and_validates_in_eval_inference_mode() -> None:
    torch.manual_seed(0)
    X = torch.randn(50, 3)
    y = (X[:, 0] > 0).long()
    X_train, y_train, X_val, y_val = split_train_val(X, y, val_fraction=0.2)
    model = ModeRecorder(3, 2)
    train_classifier(model, X_train, y_train, X_val, y_val, epochs=3, batch_size=16)
    # Per epoch: ceil(40 / 16) = 3 training batches, then one validation call on the 10 held-out rows.
    epoch = [(True, False, 16), (True, False, 16), (True, False, 8), (False, True, 10)]
    assert model.calls == epoch * 3
    assert not model.training


def test_history_tracks_held_out_rows_only(iris) -> None:
    X_train, y_train, X_val, y_val = iris
    torch.manual_seed(0)
    model = MLP(4, [16], 3, dropout=0.2)
    history = train_classifier(model, X_train, y_train, X_val, y_val, lr=0.01, epochs=25, batch_size=16)
    assert len(history.train_loss) == len(history.val_loss) == len(history.val_accuracy) == 25
    final = accuracy_from_logits(predict(model, X_val), y_val)
    assert history.val_accuracy[-1] == final
    assert history.val_loss[-1] == pytest.approx(classification_loss(predict(model, X_val), y_val).item())
    reference = LogisticRegression(max_iter=1000).fit(X_train.numpy(), y_train.numpy()).score(X_val.numpy(), y_val.numpy())
    assert final >= reference - 0.1 and final >= 0.9
    assert history.train_loss[-1] < history.train_loss[0] / 2


def test_binary_training_with_one_logit_column() -> None:
    X, y = make_classification_data(n_samples=300, class_sep=1.5, random_state=0)
    X_train, y_train, X_val, y_val = split_train_val(X, y, val_fraction=0.25)
    torch.manual_seed(0)
    model = nn.Linear(2, 1)
    history = train_classifier(model, X_train, y_train, X_val, y_val, lr=0.05, epochs=20)
    reference = LogisticRegression().fit(X_train.numpy(), y_train.numpy()).score(X_val.numpy(), y_val.numpy())
    assert history.val_accuracy[-1] >= reference - 0.05


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lr": 0.0}, "expected lr > 0, got 0.0"),
        ({"epochs": 0}, "expected epochs >= 1, got 0"),
        ({"X_val": torch.zeros(4, 3)}, r"expected validation data X of shape \(n, features\) and y of shape \(n,\), got \(4, 3\) and \(5,\)"),
        ({"y_train": torch.zeros(10, 1, dtype=torch.long)}, r"expected train data .* got \(10, 2\) and \(10, 1\)"),
    ],
    ids=["lr", "epochs", "val-rows", "train-labels"],
)
def test_train_classifier_refusals(kwargs, message) -> None:
    args = {
        "X_train": torch.zeros(10, 2),
        "y_train": torch.zeros(10, dtype=torch.long),
        "X_val": torch.zeros(5, 2),
        "y_val": torch.zeros(5, dtype=torch.long),
    }
    rest = {k: kwargs.pop(k) for k in list(kwargs) if k in args}
    with pytest.raises(ValueError, match=message):
        train_classifier(nn.Linear(2, 2), **{**args, **rest}, **kwargs)
