"""Linear regression from scratch: data, mini-batches, MSE, a hand-written SGD step and the loop.

Only tensors and autograd are used, so every step of training is visible; `fit_least_squares`
gives the closed-form answer to compare against.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import NamedTuple

import torch
from sklearn.datasets import make_regression
from torch import Tensor

__all__ = [
    "LinearFit",
    "make_regression_data",
    "check_training_data",
    "check_hyperparameters",
    "iterate_minibatches",
    "predict_linear",
    "mse_loss",
    "sgd_step",
    "train_linear_regression",
    "fit_least_squares",
]


class LinearFit(NamedTuple):
    """Result of training a linear model: weights of shape (n_features,), a 0-d bias, per-epoch mean losses."""

    weights: Tensor
    bias: Tensor
    losses: list[float]


def make_regression_data(
    n_samples: int = 1000,
    n_features: int = 5,
    noise: float = 10.0,
    bias: float = 14.5,
    random_state: int = 0,
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Make a linear regression data set with known coefficients, as float32 tensors `X, y, coef, bias`.

    Autograd needs floating tensors and sklearn returns float64 NumPy arrays, so everything is
    converted to `torch.float32`, the dtype `nn.Linear` uses.

    Examples:
        >>> X, y, coef, bias = make_regression_data(n_samples=100, n_features=3, random_state=0)
        >>> X.shape, y.shape, coef.shape, bias
        (torch.Size([100, 3]), torch.Size([100]), torch.Size([3]), tensor(14.5000))
        >>> X.dtype
        torch.float32
        >>> make_regression_data(n_samples=0)
        Traceback (most recent call last):
        ...
        ValueError: expected n_samples >= 1, got 0
    """
    if n_samples < 1:
        raise ValueError(f"expected n_samples >= 1, got {n_samples}")
    if n_features < 1:
        raise ValueError(f"expected n_features >= 1, got {n_features}")
    if noise < 0:
        raise ValueError(f"expected noise >= 0, got {noise}")
    X, y, coef = make_regression(
        n_samples=n_samples,
        n_features=n_features,
        noise=noise,
        bias=bias,
        coef=True,
        random_state=random_state,
    )
    return (
        torch.tensor(X, dtype=torch.float32),
        torch.tensor(y, dtype=torch.float32),
        torch.tensor(coef, dtype=torch.float32),
        torch.tensor(bias, dtype=torch.float32),
    )


def check_training_data(X: Tensor, y: Tensor) -> None:
    """Raise a clear error unless `X` is a finite 2-D float tensor (n, f) and `y` a finite 1-D float tensor (n,).

    Commonly gotten wrong: a target of shape (n, 1) against a prediction of shape (n,) broadcasts
    to an (n, n) matrix inside the loss and trains on nonsense without an error.

    Examples:
        >>> check_training_data(torch.zeros(4, 2), torch.zeros(4))
        >>> check_training_data(torch.zeros(4, 2), torch.zeros(4, 1))
        Traceback (most recent call last):
        ...
        ValueError: expected y to be a 1-D tensor of shape (4,), got shape (4, 1)
        >>> check_training_data(torch.tensor([[1.0], [float("nan")]]), torch.zeros(2))
        Traceback (most recent call last):
        ...
        ValueError: expected finite values in X, got 1 NaN/inf entries
    """
    for name, t in (("X", X), ("y", y)):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected {name} to be a torch.Tensor, got {type(t).__name__}")
        if not t.is_floating_point():
            raise TypeError(f"expected {name} to have a floating dtype, got {t.dtype}")
    if X.ndim != 2:
        raise ValueError(f"expected X to be a 2-D tensor of shape (n, n_features), got shape {tuple(X.shape)}")
    if X.shape[0] == 0:
        raise ValueError("expected at least one sample, got X with 0 rows")
    if y.shape != (X.shape[0],):
        raise ValueError(f"expected y to be a 1-D tensor of shape ({X.shape[0]},), got shape {tuple(y.shape)}")
    for name, t in (("X", X), ("y", y)):
        bad = int((~torch.isfinite(t)).sum())
        if bad:
            raise ValueError(f"expected finite values in {name}, got {bad} NaN/inf entries")


def _check_positive(name: str, value: float) -> None:
    if not value > 0:
        raise ValueError(f"expected {name} > 0, got {value}")


def _check_at_least_one(name: str, value: int) -> None:
    if value < 1:
        raise ValueError(f"expected {name} >= 1, got {value}")


def check_hyperparameters(lr: float, epochs: int, batch_size: int) -> None:
    """Raise `ValueError` unless `lr > 0`, `epochs >= 1` and `batch_size >= 1`.

    Examples:
        >>> check_hyperparameters(lr=0.01, epochs=10, batch_size=32)
        >>> check_hyperparameters(lr=0.01, epochs=10, batch_size=0)
        Traceback (most recent call last):
        ...
        ValueError: expected batch_size >= 1, got 0
    """
    _check_positive("lr", lr)
    _check_at_least_one("epochs", epochs)
    _check_at_least_one("batch_size", batch_size)


def iterate_minibatches(
    X: Tensor,
    y: Tensor,
    batch_size: int,
    generator: torch.Generator | None = None,
    shuffle: bool = True,
) -> Iterator[tuple[Tensor, Tensor]]:
    """Yield `(X_batch, y_batch)` pairs covering every sample once, in an order drawn with `torch.randperm`.

    Indexing with the permutation tensor gathers a whole batch in one call; pass a seeded
    `torch.Generator` to make the order reproducible. The last batch may be smaller.

    Examples:
        >>> X = torch.arange(10.0).reshape(10, 1)
        >>> y = torch.arange(10.0)
        >>> batches = list(iterate_minibatches(X, y, batch_size=4, generator=torch.Generator().manual_seed(0)))
        >>> [len(yb) for _, yb in batches]
        [4, 4, 2]
        >>> sorted(torch.cat([yb for _, yb in batches]).tolist()) == y.tolist()
        True
        >>> all(torch.equal(xb[:, 0], yb) for xb, yb in batches)
        True
        >>> next(iterate_minibatches(X, y, batch_size=0))
        Traceback (most recent call last):
        ...
        ValueError: expected batch_size >= 1, got 0
    """
    _check_at_least_one("batch_size", batch_size)
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"expected X and y with the same number of rows, got {X.shape[0]} and {y.shape[0]}")
    n = X.shape[0]
    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    for start in range(0, n, batch_size):
        idx = order[start : start + batch_size]
        yield X[idx], y[idx]


def predict_linear(X: Tensor, weights: Tensor, bias: Tensor) -> Tensor:
    """Compute `X @ weights + bias`, one prediction per row of `X`.

    Examples:
        >>> predict_linear(torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.tensor([1.0, -1.0]), torch.tensor(0.5))
        tensor([-0.5000, -0.5000])
        >>> predict_linear(torch.ones(2, 3), torch.ones(2), torch.tensor(0.0))
        Traceback (most recent call last):
        ...
        ValueError: expected weights of shape (3,), got shape (2,)
    """
    if weights.shape != (X.shape[-1],):
        raise ValueError(f"expected weights of shape ({X.shape[-1]},), got shape {tuple(weights.shape)}")
    return X @ weights + bias


def mse_loss(y_pred: Tensor, y_true: Tensor) -> Tensor:
    """Mean squared error, `mean((y_pred - y_true) ** 2)`, refusing shapes that would silently broadcast.

    Commonly gotten wrong: comparing a (n, 1) prediction with a (n,) target, which broadcasts to
    (n, n) and averages n * n wrong differences.

    Examples:
        >>> mse_loss(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 2.0, 5.0]))
        tensor(1.3333)
        >>> mse_loss(torch.zeros(3, 1), torch.zeros(3))
        Traceback (most recent call last):
        ...
        ValueError: expected y_pred and y_true of the same shape, got (3, 1) and (3,)
    """
    if y_pred.shape != y_true.shape:
        raise ValueError(
            f"expected y_pred and y_true of the same shape, got {tuple(y_pred.shape)} and {tuple(y_true.shape)}"
        )
    return ((y_pred - y_true) ** 2).mean()


def sgd_step(params: Iterable[Tensor], lr: float) -> None:
    """Update each parameter in place, `p -= lr * p.grad`, inside `torch.no_grad()` so the update is not recorded.

    Commonly gotten wrong: zeroing `.grad` between `backward()` and this step (so it moves by
    zero) or dividing by the batch size again although the loss is already a mean; and `.data`
    instead of `no_grad` skips autograd's check that saved tensors were not modified.

    Examples:
        >>> w = torch.tensor([1.0, 2.0], requires_grad=True)
        >>> (w ** 2).sum().backward()
        >>> sgd_step([w], lr=0.1)
        >>> w
        tensor([0.8000, 1.6000], requires_grad=True)
        >>> sgd_step([torch.zeros(2, requires_grad=True)], lr=0.1)
        Traceback (most recent call last):
        ...
        ValueError: expected every parameter to have a .grad, got None for parameter 0; call loss.backward() first
    """
    _check_positive("lr", lr)
    params = list(params)
    for i, p in enumerate(params):
        if p.grad is None:
            raise ValueError(
                f"expected every parameter to have a .grad, got None for parameter {i}; call loss.backward() first"
            )
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad


def train_linear_regression(
    X: Tensor,
    y: Tensor,
    lr: float = 0.02,
    epochs: int = 25,
    batch_size: int = 32,
    seed: int = 0,
) -> LinearFit:
    """Fit `y ≈ X @ w + b` with mini-batch SGD written by hand and return the weights, bias and per-epoch losses.

    Each step runs forward, loss, `backward()`, update, and only then clears the gradients. The
    per-epoch loss is the sample-weighted mean of that epoch's batch losses.

    Examples:
        >>> X, y, coef, bias = make_regression_data(n_samples=200, n_features=2, noise=0.0, random_state=0)
        >>> fit = train_linear_regression(X, y, lr=0.1, epochs=30)
        >>> torch.allclose(fit.weights, coef, atol=1e-2), torch.allclose(fit.bias, bias, atol=1e-2)
        (True, True)
        >>> fit.losses[-1] < 1e-3 < fit.losses[0]
        True
        >>> train_linear_regression(X, y, lr=-0.1)
        Traceback (most recent call last):
        ...
        ValueError: expected lr > 0, got -0.1
    """
    check_training_data(X, y)
    check_hyperparameters(lr, epochs, batch_size)
    generator = torch.Generator().manual_seed(seed)
    weights = torch.zeros(X.shape[1], dtype=X.dtype, requires_grad=True)
    bias = torch.zeros((), dtype=X.dtype, requires_grad=True)
    losses = []
    for _ in range(epochs):
        total = 0.0
        for X_batch, y_batch in iterate_minibatches(X, y, batch_size, generator):
            loss = mse_loss(predict_linear(X_batch, weights, bias), y_batch)
            loss.backward()
            sgd_step([weights, bias], lr)
            weights.grad = None
            bias.grad = None
            total += loss.item() * len(y_batch)
        losses.append(total / len(y))
    if not math.isfinite(losses[-1]):
        raise ValueError(f"expected training to converge, got loss {losses[-1]}; lower lr (got {lr})")
    return LinearFit(weights.detach(), bias.detach(), losses)


def fit_least_squares(X: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    """Solve linear regression exactly with `torch.linalg.lstsq` on `[X, 1]`, returning `(weights, bias)`.

    This is the best a linear model can do on the training data, so it is the floor that SGD
    should reach; it is solved in float64 and returned in `X.dtype`.

    Examples:
        >>> X = torch.tensor([[0.0], [1.0], [2.0], [3.0]])
        >>> w, b = fit_least_squares(X, 2 * X[:, 0] + 1)
        >>> [round(v, 4) for v in w.tolist()], round(b.item(), 4)
        ([2.0], 1.0)
        >>> fit_least_squares(X, torch.zeros(3))
        Traceback (most recent call last):
        ...
        ValueError: expected y to be a 1-D tensor of shape (4,), got shape (3,)
    """
    check_training_data(X, y)
    design = torch.cat([X.double(), torch.ones(X.shape[0], 1, dtype=torch.float64)], dim=1)
    solution = torch.linalg.lstsq(design, y.double().unsqueeze(1)).solution.squeeze(1)
    return solution[:-1].to(X.dtype), solution[-1].to(X.dtype)
