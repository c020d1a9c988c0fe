"""Tensor arithmetic done right: broadcasting, matrix products, reductions, exp and log, comparing and clamping.

Shape mistakes are reported with the shapes that were expected and the ones that came.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

__all__ = [
    "broadcast_shape",
    "matrix_multiply",
    "reduce_along",
    "standardize",
    "stable_softmax",
    "log_base",
    "batch_matmul",
    "all_close",
    "clip_to_range",
]

_REDUCTIONS = {
    "sum": torch.sum,
    "mean": torch.mean,
    "prod": torch.prod,
    "min": torch.amin,
    "max": torch.amax,
}


def _check_tensor(x: object, name: str = "x") -> None:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"expected {name} to be a torch.Tensor, got {type(x).__name__}")


def _check_floating(x: torch.Tensor, name: str = "x") -> None:
    _check_tensor(x, name)
    if not x.is_floating_point():
        raise TypeError(f"expected {name} to have a floating dtype, got {x.dtype}; call .float() first")


def _check_dim(x: torch.Tensor, dim: int) -> None:
    if isinstance(dim, bool) or not isinstance(dim, int):
        raise TypeError(f"expected dim to be an int, got {type(dim).__name__}")
    if not -x.dim() <= dim < x.dim():
        raise ValueError(
            f"dim {dim} is out of range for a {x.dim()}-D tensor (expected {-x.dim()}..{x.dim() - 1})"
        )


def broadcast_shape(*shapes: Sequence[int]) -> tuple[int, ...]:
    """Return the shape that broadcasting `shapes` together gives, or say which dimension clashes.

    Rule: align the shapes from the right; two sizes are compatible when they are equal or one is 1,
    and missing leading dimensions count as 1.
    Commonly gotten wrong: the shapes are aligned from the right, so (2, 3) and (2,) do not broadcast
    although both start with 2.

    Examples:
        >>> broadcast_shape((2, 3), (3,))
        (2, 3)
        >>> broadcast_shape((4, 1), (1, 5))
        (4, 5)
        >>> (torch.zeros(4, 1) + torch.zeros(1, 5)).shape
        torch.Size([4, 5])
        >>> broadcast_shape((2, 3), (2,))
        Traceback (most recent call last):
        ...
        ValueError: cannot broadcast shapes (2, 3) and (2,): at dim -1 the sizes are 3 and 2; expected equal sizes or 1
    """
    normalized = []
    for shape in shapes:
        if isinstance(shape, int) or not all(
            isinstance(size, int) and not isinstance(size, bool) and size >= 0 for size in shape
        ):
            raise TypeError(f"expected each shape to be a sequence of non-negative ints, got {shape!r}")
        normalized.append(tuple(shape))
    ndim = max((len(shape) for shape in normalized), default=0)
    result = []
    for dim in range(-ndim, 0):
        sizes = [shape[dim] for shape in normalized if len(shape) >= -dim]
        different = sorted({size for size in sizes if size != 1})
        if len(different) > 1:
            clashing = " and ".join(str(size) for size in sizes if size != 1)
            listed = " and ".join(str(shape) for shape in normalized)
            raise ValueError(
                f"cannot broadcast shapes {listed}: at dim {dim} the sizes are {clashing}; "
                "expected equal sizes or 1"
            )
        result.append(different[0] if different else 1)
    return tuple(result)


def matrix_multiply(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Return the matrix product `a @ b`, checking first that the inner sizes and the dtypes match.

    Works like `torch.matmul`: 1-D operands act as a row (a) or a column (b), and leading batch
    dimensions broadcast. Commonly gotten wrong: `*` (`torch.mul`) multiplies element by element;
    only `@`, `torch.matmul` and `torch.mm` (2-D only) compute the matrix product.

    Examples:
        >>> a = torch.tensor([[1., 2., 3.], [4., 5., 6.]])
        >>> b = torch.tensor([[1., 2.], [3., 4.], [5., 6.]])
        >>> matrix_multiply(a, b)
        tensor([[22., 28.],
                [49., 64.]])
        >>> matrix_multiply(torch.ones(10, 2, 3), b).shape
        torch.Size([10, 2, 2])
        >>> a * a
        tensor([[ 1.,  4.,  9.],
                [16., 25., 36.]])
        >>> matrix_multiply(a, a)
        Traceback (most recent call last):
        ...
        ValueError: cannot matrix-multiply shapes (2, 3) and (2, 3): expected b to have 3 rows (a's last size), got 2
        >>> matrix_multiply(a, b.long())
        Traceback (most recent call last):
        ...
        TypeError: expected a and b to have the same dtype, got torch.float32 and torch.int64
    """
    _check_tensor(a, "a")
    _check_tensor(b, "b")
    if a.dim() == 0 or b.dim() == 0:
        raise ValueError(
            "expected tensors with at least 1 dimension, "
            f"got shapes {tuple(a.shape)} and {tuple(b.shape)}"
        )
    if a.dtype != b.dtype:
        raise TypeError(f"expected a and b to have the same dtype, got {a.dtype} and {b.dtype}")
    rows_of_b = b.shape[0] if b.dim() == 1 else b.shape[-2]
    if a.shape[-1] != rows_of_b:
        raise ValueError(
            f"cannot matrix-multiply shapes {tuple(a.shape)} and {tuple(b.shape)}: expected b to have "
            f"{a.shape[-1]} rows (a's last size), got {rows_of_b}"
        )
    try:
        broadcast_shape(a.shape[:-2], b.shape[:-2])
    except ValueError as err:
        raise ValueError(
            f"cannot matrix-multiply shapes {tuple(a.shape)} and {tuple(b.shape)}: "
            f"expected batch dimensions that broadcast ({err})"
        ) from err
    return torch.matmul(a, b)


def reduce_along(
    x: torch.Tensor, op: str, dim: int | None = None, keepdim: bool = False
) -> torch.Tensor:
    """Reduce x with `op` ("sum", "mean", "prod", "min" or "max") over dimension `dim`, or over all of x.

    `dim` is the dimension that disappears; with `keepdim=True` it stays, with size 1, ready to broadcast.
    Commonly gotten wrong: `sum(dim=0)` of a (2, 3) matrix adds down each column and gives 3 values,
    not one value per row.

    Examples:
        >>> x = torch.tensor([[1., 2., 3.], [4., 5., 6.]])
        >>> reduce_along(x, "sum", dim=0)
        tensor([5., 7., 9.])
        >>> reduce_along(x, "max", dim=1, keepdim=True)
        tensor([[3.],
                [6.]])
        >>> reduce_along(x, "mean")
        tensor(3.5000)
        >>> reduce_along(torch.tensor([1, 2]), "mean")
        Traceback (most recent call last):
        ...
        TypeError: expected x to have a floating dtype, got torch.int64; call .float() first
        >>> reduce_along(x, "sum", dim=2)
        Traceback (most recent call last):
        ...
        ValueError: dim 2 is out of range for a 2-D tensor (expected -2..1)
    """
    _check_tensor(x)
    if op not in _REDUCTIONS:
        raise ValueError(f"expected op to be one of {sorted(_REDUCTIONS)}, got {op!r}")
    if op == "mean":
        _check_floating(x)
    if dim is None:
        result = _REDUCTIONS[op](x)
        return result.reshape([1] * x.dim()) if keepdim else result
    _check_dim(x, dim)
    return _REDUCTIONS[op](x, dim=dim, keepdim=keepdim)


def standardize(x: torch.Tensor, dim: int = 0, eps: float = 1e-8) -> torch.Tensor:
    """Rescale x to mean 0 and standard deviation 1 along `dim` (e.g. each feature column with dim=0).

    Uses the population standard deviation (like NumPy's `std`); a constant slice maps to 0, not NaN.
    Commonly gotten wrong: without `keepdim=True` the statistics of a (n, d) matrix over dim=1 have
    shape (n,), which broadcasts against the columns instead of the rows.

    Examples:
        >>> x = torch.tensor([[1., 10.], [3., 30.]])
        >>> standardize(x, dim=0)
        tensor([[-1., -1.],
                [ 1.,  1.]])
        >>> standardize(x, dim=1)
        tensor([[-1.,  1.],
                [-1.,  1.]])
        >>> x - x.mean(dim=1)
        tensor([[-4.5000, -6.5000],
                [-2.5000, 13.5000]])
        >>> standardize(torch.tensor([[2., 2.], [2., 2.]]))
        tensor([[0., 0.],
                [0., 0.]])
        >>> standardize(torch.tensor([[1, 2], [3, 4]]))
        Traceback (most recent call last):
        ...
        TypeError: expected x to have a floating dtype, got torch.int64; call .float() first
    """
    _check_floating(x)
    _check_dim(x, dim)
    centered = x - x.mean(dim=dim, keepdim=True)
    std = centered.pow(2).mean(dim=dim, keepdim=True).sqrt()
    return centered / std.clamp_min(eps)


def stable_softmax(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Compute softmax, exp(x) / sum(exp(x)), along `dim` without overflowing for large inputs.

    Subtracting the maximum first leaves the result unchanged but keeps every `exp` at most 1.
    Commonly gotten wrong: the textbook formula overflows to inf / inf = nan once inputs pass about 89
    in float32.

    Examples:
        >>> x = torch.tensor([1., 2., 3.])
        >>> stable_softmax(x)
        tensor([0.0900, 0.2447, 0.6652])
        >>> big = x + 1000
        >>> big.exp() / big.exp().sum()
        tensor([nan, nan, nan])
        >>> stable_softmax(big)
        tensor([0.0900, 0.2447, 0.6652])
        >>> stable_softmax(torch.tensor([1, 2, 3]))
        Traceback (most recent call last):
        ...
        TypeError: expected x to have a floating dtype, got torch.int64; call .float() first
    """
    _check_floating(x)
    _check_dim(x, dim)
    exps = (x - x.amax(dim=dim, keepdim=True)).exp()
    return exps / exps.sum(dim=dim, keepdim=True)


def log_base(x: torch.Tensor, base: float) -> torch.Tensor:
    """Return the logarithm of x in any positive base: 2 for bits, 10 for decibels, e like `torch.log`.

    Commonly gotten wrong: `torch.log` is the natural logarithm (base e), not base 10;
    use `torch.log2` or `torch.log10` for those bases.

    Examples:
        >>> x = torch.tensor([1., 8., 100.])
        >>> log_base(x, 2)
        tensor([0.0000, 3.0000, 6.6439])
        >>> log_base(x, 10)
        tensor([0.0000, 0.9031, 2.0000])
        >>> torch.log(x)
        tensor([0.0000, 2.0794, 4.6052])
        >>> log_base(torch.tensor([0.]), 2)
        tensor([-inf])
        >>> log_base(torch.tensor([4., -1.]), 2)
        Traceback (most recent call last):
        ...
        ValueError: expected non-negative values (the log of a negative number is nan), got minimum -1.0
    """
    _check_tensor(x)
    if isinstance(base, bool) or not isinstance(base, (int, float)) or base <= 0 or base == 1:
        raise ValueError(f"expected a positive base other than 1, got {base!r}")
    if x.numel() and x.min() < 0:
        raise ValueError(
            "expected non-negative values (the log of a negative number is nan), "
            f"got minimum {x.min().item()}"
        )
    if base == 2:
        return torch.log2(x)
    if base == 10:
        return torch.log10(x)
    return torch.log(x) / math.log(base)


def batch_matmul(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Multiply two batches of matrices pair by pair, (B, n, m) and (B, m, p) to (B, n, p), like `torch.bmm`.

    Commonly gotten wrong: `torch.bmm` needs two 3-D tensors with the same batch size and never
    broadcasts; `a @ b` (`torch.matmul`) broadcasts, so a 2-D `b` is shared by every matrix of `a`.

    Examples:
        >>> a = torch.ones(4, 2, 3)
        >>> b = torch.ones(4, 3, 5)
        >>> batch_matmul(a, b).shape
        torch.Size([4, 2, 5])
        >>> torch.equal(batch_matmul(a, b), a @ b)
        True
        >>> (a @ torch.ones(3, 5)).shape
        torch.Size([4, 2, 5])
        >>> batch_matmul(a, torch.ones(3, 3, 5))
        Traceback (most recent call last):
        ...
        ValueError: expected b to have batch size 4 like a, got 3 (shapes (4, 2, 3) and (3, 3, 5))
    """
    _check_tensor(a, "a")
    _check_tensor(b, "b")
    for name, t in (("a", a), ("b", b)):
        if t.dim() != 3:
            raise ValueError(
                f"expected {name} to be a 3-D batch of matrices (B, rows, cols), got shape "
                f"{tuple(t.shape)}; use @ to broadcast a single matrix"
            )
    if a.dtype != b.dtype:
        raise TypeError(f"expected a and b to have the same dtype, got {a.dtype} and {b.dtype}")
    shapes = f"(shapes {tuple(a.shape)} and {tuple(b.shape)})"
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"expected b to have batch size {a.shape[0]} like a, got {b.shape[0]} {shapes}")
    if a.shape[2] != b.shape[1]:
        raise ValueError(
            f"expected b's matrices to have {a.shape[2]} rows (a's columns), got {b.shape[1]} {shapes}"
        )
    return torch.bmm(a, b)


def all_close(
    a: torch.Tensor,
    b: torch.Tensor,
    *,
    rtol: float = 1e-5,
    atol: float = 1e-8,
    equal_nan: bool = False,
) -> bool:
    """Tell whether two same-shape tensors are equal up to rounding: |a - b| <= atol + rtol * |b| everywhere.

    Compare floats this way, never with `==`: in float64 `0.1 + 0.2 == 0.3` is False. Unlike
    `torch.allclose` it refuses tensors of different shapes, which `allclose` broadcasts.
    Commonly gotten wrong: near zero only `atol` counts, since `rtol * |b|` vanishes there.

    Examples:
        >>> x = torch.tensor([0.1], dtype=torch.float64) + 0.2
        >>> x == 0.3
        tensor([False])
        >>> all_close(x, torch.tensor([0.3], dtype=torch.float64))
        True
        >>> tiny, zero = torch.tensor([1e-6]), torch.tensor([0.0])
        >>> all_close(tiny, zero), all_close(tiny, zero, atol=1e-5)
        (False, True)
        >>> torch.allclose(torch.zeros(3), torch.zeros(3, 1))
        True
        >>> all_close(torch.zeros(3), torch.zeros(3, 1))
        Traceback (most recent call last):
        ...
        ValueError: expected b of shape (3,) like a, got (3, 1)
    """
    _check_tensor(a, "a")
    _check_tensor(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"expected b of shape {tuple(a.shape)} like a, got {tuple(b.shape)}")
    if a.dtype != b.dtype:
        raise TypeError(f"expected a and b to have the same dtype, got {a.dtype} and {b.dtype}")
    for name, tolerance in (("rtol", rtol), ("atol", atol)):
        if not tolerance >= 0:
            raise ValueError(f"expected {name} >= 0, got {tolerance}")
    return torch.allclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


def clip_to_range(
    x: torch.Tensor, low: float | None = None, high: float | None = None
) -> torch.Tensor:
    """Limit every value of x to [low, high] (`torch.clamp`); either bound may be None for one side.

    Typical use: keep probabilities away from 0 and 1 before a log. The gradient is 0 where a value
    was clipped. Commonly gotten wrong: `torch.clamp(x, min=3, max=1)` with swapped bounds raises
    nothing and sets every value to `max`.

    Examples:
        >>> x = torch.tensor([-2.0, 0.5, 3.0])
        >>> clip_to_range(x, 0.0, 1.0)
        tensor([0.0000, 0.5000, 1.0000])
        >>> clip_to_range(x, low=0.0)
        tensor([0.0000, 0.5000, 3.0000])
        >>> torch.clamp(x, min=1.0, max=0.0)
        tensor([0., 0., 0.])
        >>> clip_to_range(x, 1.0, 0.0)
        Traceback (most recent call last):
        ...
        ValueError: expected low <= high, got low=1.0 and high=0.0
    """
    _check_tensor(x)
    for name, bound in (("low", low), ("high", high)):
        if bound is not None and (isinstance(bound, bool) or not isinstance(bound, (int, float))):
            raise TypeError(f"expected {name} to be a number or None, got {type(bound).__name__}")
        if bound is not None and math.isnan(bound):
            raise ValueError(f"expected a number for {name}, got nan")
    if low is None and high is None:
        raise ValueError("expected at least one bound, got low=None and high=None")
    if low is not None and high is not None and low > high:
        raise ValueError(f"expected low <= high, got low={low} and high={high}")
    return torch.clamp(x, min=low, max=high)
