"""Linear and logistic regression with `torch.nn`: `TensorDataset`, `DataLoader`, `nn.Linear`, `optim.SGD`.

The same models as `recipes.regression_manual`, with PyTorch's building blocks doing the bookkeeping.
"""

from __future__ import annotations

import math

import torch
from sklearn.datasets import make_classification
from torch import Tensor, nn, optim
from torch.utils.data import TensorDataset

from recipes.data import make_loader
from recipes.regression_manual import LinearFit, check_hyperparameters, check_training_data

__all__ = [
    "train_with_sgd",
    "train_linear_regression_nn",
    "make_classification_data",
    "LogisticRegression",
    "make_logistic_sequential",
    "train_logistic_regression",
    "accuracy",
]


def train_with_sgd(
    model: nn.Module,
    X: Tensor,
    y: Tensor,
    loss_fn: nn.Module,
    lr: float,
    epochs: int,
    batch_size: int,
    seed: int = 0,
) -> list[float]:
    """Train `model` in place with `optim.SGD` on mini-batches of `X, y` and return the per-epoch mean loss.

    The model must map (batch, f) to (batch, 1); its output is squeezed to (batch,) to match `y`.
    Commonly gotten wrong: calling `optimizer.zero_grad()` after `loss.backward()` but before
    `optimizer.step()`, which steps with zero gradients; here it runs after the step.

    Examples:
        >>> _ = torch.manual_seed(0)
        >>> X = torch.tensor([[0.0], [1.0], [2.0], [3.0]])
        >>> model = nn.Linear(1, 1)
        >>> losses = train_with_sgd(model, X, 2 * X[:, 0] + 1, nn.MSELoss(), lr=0.1, epochs=300, batch_size=4)
        >>> round(model.weight.item(), 3), round(model.bias.item(), 3)
        (2.0, 1.0)
        >>> train_with_sgd(nn.Linear(1, 2), X, X[:, 0], nn.MSELoss(), lr=0.1, epochs=1, batch_size=4)
        Traceback (most recent call last):
        ...
        ValueError: expected the model to return shape (4, 1), got (4, 2)
    """
    check_training_data(X, y)
    check_hyperparameters(lr, epochs, batch_size)
    loader = make_loader(TensorDataset(X, y), batch_size, shuffle=True, seed=seed)
    optimizer = optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        total = 0.0
        for X_batch, y_batch in loader:
            output = model(X_batch)
            if output.shape != (len(X_batch), 1):
                raise ValueError(
                    f"expected the model to return shape ({len(X_batch)}, 1), got {tuple(output.shape)}"
                )
            loss = loss_fn(output.squeeze(1), y_batch)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            total += loss.item() * len(y_batch)
        losses.append(total / len(y))
    if not math.isfinite(losses[-1]):
        raise ValueError(f"expected training to converge, got loss {losses[-1]}; lower lr (got {lr})")
    return losses


def train_linear_regression_nn(
    X: Tensor,
    y: Tensor,
    lr: float = 0.02,
    epochs: int = 25,
    batch_size: int = 32,
    seed: int = 0,
) -> LinearFit:
    """Fit `y ≈ X @ w + b` with `nn.Linear`, `nn.MSELoss` and `optim.SGD`, returning weights, bias and losses.

    The layer starts at zero, which makes the result repeatable without touching the global
    random seed (a linear least-squares problem has one minimum, so the start does not matter).

    Examples:
        >>> X = torch.tensor([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 2.0]])
        >>> fit = train_linear_regression_nn(X, X @ torch.tensor([2.0, -1.0]) + 0.5, lr=0.1, epochs=500, batch_size=4)
        >>> [round(v, 3) for v in fit.weights.tolist()], round(fit.bias.item(), 3)
        ([2.0, -1.0], 0.5)
        >>> train_linear_regression_nn(X.long(), torch.zeros(4))
        Traceback (most recent call last):
        ...
        TypeError: expected X to have a floating dtype, got torch.int64
    """
    check_training_data(X, y)
    model = nn.Linear(X.shape[1], 1, dtype=X.dtype)
    nn.init.zeros_(model.weight)
    nn.init.zeros_(model.bias)
    losses = train_with_sgd(model, X, y, nn.MSELoss(), lr, epochs, batch_size, seed)
    return LinearFit(model.weight.detach()[0].clone(), model.bias.detach()[0].clone(), losses)


def make_classification_data(
    n_samples: int = 200, class_sep: float = 1.5, random_state: int = 0
) -> tuple[Tensor, Tensor]:
    """Make a two-class data set with 2 features (so the decision boundary can be drawn) as float32 `X, y`.

    Labels are 0.0 / 1.0 floats because `nn.BCELoss` expects float targets.

    Examples:
        >>> X, y = make_classification_data(n_samples=100)
        >>> X.shape, y.shape, y.dtype, sorted(set(y.tolist()))
        (torch.Size([100, 2]), torch.Size([100]), torch.float32, [0.0, 1.0])
        >>> make_classification_data(n_samples=1)
        Traceback (most recent call last):
        ...
        ValueError: expected n_samples >= 2, got 1
    """
    if n_samples < 2:
        raise ValueError(f"expected n_samples >= 2, got {n_samples}")
    X, y = make_classification(
        n_samples=n_samples,
        n_features=2,
        n_informative=2,
        n_redundant=0,
        n_clusters_per_class=1,
        class_sep=class_sep,
        flip_y=0.0,
        random_state=random_state,
    )
    return torch.tensor(X, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)


class LogisticRegression(nn.Module):
    """Logistic regression as an `nn.Module` subclass: `nn.Linear` then a sigmoid, (n, f) to probabilities (n, 1).

    Commonly gotten wrong: pairing this sigmoid output with `nn.BCEWithLogitsLoss`, which applies
    a second sigmoid; use `nn.BCELoss` with probabilities.

    Examples:
        >>> _ = torch.manual_seed(0)
        >>> model = LogisticRegression(n_features=2)
        >>> p = model(torch.randn(3, 2))
        >>> p.shape, bool(((p > 0) & (p < 1)).all())
        (torch.Size([3, 1]), True)
        >>> model(torch.randn(3, 4))
        Traceback (most recent call last):
        ...
        RuntimeError: mat1 and mat2 shapes cannot be multiplied (3x4 ...)
    """

    def __init__(self, n_features: int) -> None:
        if n_features < 1:
            raise ValueError(f"expected n_features >= 1, got {n_features}")
        super().__init__()
        self.linear = nn.Linear(n_features, 1)

    def forward(self, x: Tensor) -> Tensor:
        return torch.sigmoid(self.linear(x))


def make_logistic_sequential(n_features: int) -> nn.Sequential:
    """Build logistic regression with `nn.Sequential`: `nn.Linear(n_features, 1)` followed by `nn.Sigmoid()`.

    Same model as `LogisticRegression`, stacked instead of subclassed; it fits when data flows
    straight through the layers.

    Examples:
        >>> make_logistic_sequential(2)
        Sequential(
          (0): Linear(in_features=2, out_features=1, bias=True)
          (1): Sigmoid()
        )
        >>> make_logistic_sequential(0)
        Traceback (most recent call last):
        ...
        ValueError: expected n_features >= 1, got 0
    """
    if n_features < 1:
        raise ValueError(f"expected n_features >= 1, got {n_features}")
    return nn.Sequential(nn.Linear(n_features, 1), nn.Sigmoid())


def train_logistic_regression(
    model: nn.Module,
    X: Tensor,
    y: Tensor,
    lr: float = 0.5,
    epochs: int = 50,
    batch_size: int = 32,
    seed: int = 0,
) -> list[float]:
    """Train a probability-output classifier in place with `nn.BCELoss` and `optim.SGD`; return per-epoch losses.

    Examples:
        >>> _ = torch.manual_seed(0)
        >>> X, y = make_classification_data(n_samples=200)
        >>> model = make_logistic_sequential(2)
        >>> losses = train_logistic_regression(model, X, y)
        >>> losses[-1] < losses[0], accuracy(model(X).detach().squeeze(1), y) > 0.9
        (True, True)
        >>> train_logistic_regression(model, X, 2 * y)
        Traceback (most recent call last):
        ...
        ValueError: expected labels 0.0 or 1.0 in y, got 2.0
    """
    check_training_data(X, y)
    bad = y[(y != 0) & (y != 1)]
    if len(bad):
        raise ValueError(f"expected labels 0.0 or 1.0 in y, got {bad[0].item()}")
    return train_with_sgd(model, X, y, nn.BCELoss(), lr, epochs, batch_size, seed)


def accuracy(probs: Tensor, y: Tensor, threshold: float = 0.5) -> float:
    """Fraction of samples whose thresholded probability equals the 0/1 label.

    Commonly gotten wrong: comparing (n, 1) predictions with (n,) labels, which broadcasts to an
    (n, n) table and gives a meaningless number.

    Examples:
        >>> accuracy(torch.tensor([0.9, 0.2, 0.6, 0.4]), torch.tensor([1.0, 0.0, 0.0, 0.0]))
        0.75
        >>> accuracy(torch.tensor([[0.9], [0.2]]), torch.tensor([1.0, 0.0]))
        Traceback (most recent call last):
        ...
        ValueError: expected probs and y of the same shape, got (2, 1) and (2,)
    """
    if probs.shape != y.shape:
        raise ValueError(f"expected probs and y of the same shape, got {tuple(probs.shape)} and {tuple(y.shape)}")
    if y.numel() == 0:
        raise ValueError("expected at least one sample, got empty tensors")
    correct = ((probs >= threshold).to(y.dtype) == y).sum().item()
    return correct / y.numel()
