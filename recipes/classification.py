"""Classification with logits: `BCEWithLogitsLoss` and `CrossEntropyLoss`, a validation split, held-out accuracy.

A classifier returns raw scores (logits) and the loss applies the sigmoid or softmax itself, in a
form that stays finite; the training loop switches `model.train()` / `model.eval()` every epoch.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor, nn, optim
from torch.utils.data import TensorDataset

from recipes.data import make_loader
from recipes.regression_manual import check_hyperparameters

__all__ = [
    "split_train_val",
    "classification_loss",
    "accuracy_from_logits",
    "TrainingHistory",
    "train_classifier",
]


def split_train_val(
    X: Tensor, y: Tensor, val_fraction: float = 0.2, seed: int = 0
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Shuffle the rows with a seeded generator and hold out `val_fraction` of them: `X_train, y_train, X_val, y_val`.

    Commonly gotten wrong: slicing off the last rows without shuffling; `load_iris` is sorted by
    class, so its last 30 rows are all class 2 and the model is validated on one class it never saw.

    Examples:
        >>> X, y = torch.arange(20.0).reshape(10, 2), torch.arange(10)
        >>> X_train, y_train, X_val, y_val = split_train_val(X, y, val_fraction=0.3)
        >>> X_train.shape, X_val.shape
        (torch.Size([7, 2]), torch.Size([3, 2]))
        >>> sorted(torch.cat([y_train, y_val]).tolist()) == y.tolist(), torch.equal(X_val[:, 0], 2 * y_val.float())
        (True, True)
        >>> split_train_val(X, y[:9])
        Traceback (most recent call last):
        ...
        ValueError: expected y with one label per row of X (10), got 9
    """
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"expected val_fraction between 0 and 1, got {val_fraction}")
    if len(y) != len(X):
        raise ValueError(f"expected y with one label per row of X ({len(X)}), got {len(y)}")
    n_val = round(len(X) * val_fraction)
    if not 0 < n_val < len(X):
        raise ValueError(
            f"expected at least one training and one validation row, got {len(X) - n_val} and {n_val} "
            f"from {len(X)} rows with val_fraction={val_fraction}"
        )
    order = torch.randperm(len(X), generator=torch.Generator().manual_seed(seed))
    train, val = order[n_val:], order[:n_val]
    return X[train], y[train], X[val], y[val]


def classification_loss(logits: Tensor, y: Tensor) -> Tensor:
    """Cross-entropy from raw logits: `BCEWithLogitsLoss` for one column (labels 0/1), `CrossEntropyLoss` for C >= 2.

    Both apply the sigmoid or softmax inside, in log space, so apply neither before them. Commonly
    gotten wrong: softmax before `CrossEntropyLoss` squashes the scores twice; even a perfectly
    confident prediction then costs log(1 + (C - 1) / e) instead of 0, and gradients shrink.

    Examples:
        >>> confident = torch.tensor([[10.0, -10.0, -10.0]])
        >>> round(classification_loss(confident, torch.tensor([0])).item(), 4)
        0.0
        >>> round(classification_loss(confident.softmax(dim=1), torch.tensor([0])).item(), 4)
        0.5514
        >>> classification_loss(torch.tensor([[2.0], [-1.0]]), torch.tensor([1, 0]))
        tensor(0.2201)
        >>> classification_loss(torch.randn(2, 3), torch.tensor([0.0, 2.0]))
        Traceback (most recent call last):
        ...
        TypeError: expected integer class indices (torch.int64) for 3 logit columns, got torch.float32
        >>> classification_loss(torch.randn(2, 3), torch.tensor([0, 3]))
        Traceback (most recent call last):
        ...
        ValueError: expected class indices in 0..2 for 3 logit columns, got 3
    """
    if logits.ndim != 2 or logits.shape[1] < 1:
        raise ValueError(f"expected logits of shape (n, classes), got {tuple(logits.shape)}")
    if y.shape != (logits.shape[0],):
        raise ValueError(f"expected y of shape ({logits.shape[0]},), one label per row, got {tuple(y.shape)}")
    if logits.shape[1] == 1:
        bad = y[(y != 0) & (y != 1)]
        if len(bad):
            raise ValueError(f"expected labels 0 or 1 for one logit column, got {bad[0].item():g}")
        return nn.functional.binary_cross_entropy_with_logits(logits.squeeze(1), y.to(logits.dtype))
    classes = logits.shape[1]
    if y.dtype not in (torch.int64, torch.int32, torch.uint8):
        raise TypeError(
            f"expected integer class indices (torch.int64) for {classes} logit columns, got {y.dtype}"
        )
    bad = y[(y < 0) | (y >= classes)]
    if len(bad):
        raise ValueError(
            f"expected class indices in 0..{classes - 1} for {classes} logit columns, got {bad[0].item()}"
        )
    return nn.functional.cross_entropy(logits, y.long())


def accuracy_from_logits(logits: Tensor, y: Tensor) -> float:
    """Fraction of rows whose predicted class equals the label: logit > 0 for one column, else `argmax`.

    A logit above 0 is a sigmoid above 0.5, and softmax keeps the largest score largest, so no
    probabilities are needed to predict.

    Examples:
        >>> accuracy_from_logits(torch.tensor([[2.0], [-1.0], [0.5], [-3.0]]), torch.tensor([1.0, 0.0, 0.0, 0.0]))
        0.75
        >>> accuracy_from_logits(torch.tensor([[0.1, 2.0, -1.0], [3.0, 0.0, 0.2]]), torch.tensor([1, 2]))
        0.5
        >>> accuracy_from_logits(torch.tensor([[2.0], [-1.0]]), torch.tensor([[1.0], [0.0]]))
        Traceback (most recent call last):
        ...
        ValueError: expected y of shape (2,), one label per row, got (2, 1)
    """
    if logits.ndim != 2 or logits.shape[1] < 1:
        raise ValueError(f"expected logits of shape (n, classes), got {tuple(logits.shape)}")
    if y.shape != (logits.shape[0],):
        raise ValueError(f"expected y of shape ({logits.shape[0]},), one label per row, got {tuple(y.shape)}")
    if len(y) == 0:
        raise ValueError("expected at least one row, got empty tensors")
    predicted = (logits[:, 0] > 0).long() if logits.shape[1] == 1 else logits.argmax(dim=1)
    return (predicted == y.long()).sum().item() / len(y)


class TrainingHistory(NamedTuple):
    """Per-epoch mean training loss, validation loss and validation accuracy from `train_classifier`."""

    train_loss: list[float]
    val_loss: list[float]
    val_accuracy: list[float]


def train_classifier(
    model: nn.Module,
    X_train: Tensor,
    y_train: Tensor,
    X_val: Tensor,
    y_val: Tensor,
    lr: float = 0.01,
    epochs: int = 50,
    batch_size: int = 32,
    seed: int = 0,
) -> TrainingHistory:
    """Train a logit-output classifier with Adam and `classification_loss`, scoring held-out data every epoch.

    Each epoch starts with `model.train()` and validates under `model.eval()` and
    `torch.inference_mode()`; the model is left in eval mode. Commonly gotten wrong: calling
    `model.eval()` for validation and never `model.train()` again, so Dropout stays off and
    BatchNorm frozen for the rest of training.

    Examples:
        >>> _ = torch.manual_seed(0)
        >>> X = torch.randn(200, 2)
        >>> y = (X[:, 0] + X[:, 1] > 0).long()
        >>> X_train, y_train, X_val, y_val = split_train_val(X, y)
        >>> model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 2))
        >>> history = train_classifier(model, X_train, y_train, X_val, y_val, epochs=30)
        >>> history.val_accuracy[-1] >= 0.9, model.training
        (True, False)
        >>> train_classifier(model, X_train, y_train, X_val, y_val.float())
        Traceback (most recent call last):
        ...
        TypeError: expected integer class indices (torch.int64) for 2 logit columns, got torch.float32
    """
    check_hyperparameters(lr, epochs, batch_size)
    for name, X, y in (("train", X_train, y_train), ("validation", X_val, y_val)):
        if X.ndim != 2 or len(X) == 0 or y.shape != (len(X),):
            raise ValueError(
                f"expected {name} data X of shape (n, features) and y of shape (n,), "
                f"got {tuple(X.shape)} and {tuple(y.shape)}"
            )
    loader = make_loader(TensorDataset(X_train, y_train), batch_size, shuffle=True, seed=seed)
    optimizer = optim.Adam(model.parameters(), lr=lr)
    history = TrainingHistory([], [], [])
    for _ in range(epochs):
        model.train()
        total = 0.0
        for X_batch, y_batch in loader:
            loss = classification_loss(model(X_batch), y_batch)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            total += loss.item() * len(y_batch)
        model.eval()
        with torch.inference_mode():
            val_logits = model(X_val)
            history.val_loss.append(classification_loss(val_logits, y_val).item())
        history.train_loss.append(total / len(y_train))
        history.val_accuracy.append(accuracy_from_logits(val_logits, y_val))
    return history
