"""Autograd recipes: gradients, vector-Jacobian products and second derivatives, plus the `.grad` bookkeeping.

Each function takes the tensor to differentiate at and leaves its `.grad` untouched, so the
results never mix with gradients accumulated elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch
from torch import Tensor

__all__ = [
    "compute_grad",
    "compute_vjp",
    "compute_hessian",
    "zero_grads",
    "measure_grad_norm",
    "keep_grad",
    "read_grad",
]


def _leaf_copy(x: Tensor) -> Tensor:
    """Return a fresh leaf with the values of `x` that records operations, or raise for non-float `x`."""
    if not isinstance(x, Tensor):
        raise TypeError(f"expected a torch.Tensor, got {type(x).__name__}")
    if not (x.is_floating_point() or x.is_complex()):
        raise TypeError(f"expected a floating dtype (only those can require grad), got {x.dtype}")
    return x.detach().requires_grad_(True)


def _call_scalar(fn: Callable[[Tensor], Tensor], x: Tensor) -> Tensor:
    out = fn(x)
    if out.numel() != 1:
        raise ValueError(
            f"expected fn to return a scalar, got shape {tuple(out.shape)}; reduce it with .sum() or .mean(), "
            "or use compute_vjp"
        )
    return out


def compute_grad(fn: Callable[[Tensor], Tensor], x: Tensor) -> Tensor:
    """Return d fn(x) / dx for a scalar-valued `fn`, using `torch.autograd.grad` on a detached copy of `x`.

    Commonly gotten wrong: calling `backward()` twice and reading `.grad`, which then holds the
    sum of both gradients; `torch.autograd.grad` returns the gradient and leaves `.grad` alone.

    Examples:
        >>> compute_grad(lambda w: w ** 2 + 20, torch.tensor(10.0))
        tensor(20.)
        >>> compute_grad(lambda x: (x ** 3).sum(), torch.tensor([1.0, 2.0]))
        tensor([ 3., 12.])
        >>> compute_grad(lambda x: x ** 3, torch.tensor([1.0, 2.0]))
        Traceback (most recent call last):
        ...
        ValueError: expected fn to return a scalar, got shape (2,); reduce it with .sum() or .mean(), or use compute_vjp
        >>> compute_grad(lambda x: x ** 2, torch.tensor(3))
        Traceback (most recent call last):
        ...
        TypeError: expected a floating dtype (only those can require grad), got torch.int64
    """
    x = _leaf_copy(x)
    (grad,) = torch.autograd.grad(_call_scalar(fn, x), x)
    return grad


def compute_vjp(fn: Callable[[Tensor], Tensor], x: Tensor, v: Tensor) -> Tensor:
    """Return the vector-Jacobian product `v @ J` of `fn` at `x`: what `fn(x).backward(gradient=v)` puts in `x.grad`.

    A non-scalar output has no single gradient, so autograd needs the weights `v`, one per output
    element; `v = ones` gives the gradient of `fn(x).sum()`.

    Examples:
        >>> x = torch.tensor([1.0, 2.0, 3.0])
        >>> compute_vjp(lambda x: x ** 2, x, torch.ones(3))
        tensor([2., 4., 6.])
        >>> compute_vjp(lambda x: x ** 2, x, torch.tensor([1.0, 0.0, 0.5]))
        tensor([2., 0., 3.])
        >>> compute_vjp(lambda x: x ** 2, x, torch.ones(2))
        Traceback (most recent call last):
        ...
        ValueError: expected v of the output's shape (3,), got shape (2,)
    """
    x = _leaf_copy(x)
    out = fn(x)
    if v.shape != out.shape:
        raise ValueError(f"expected v of the output's shape {tuple(out.shape)}, got shape {tuple(v.shape)}")
    (grad,) = torch.autograd.grad(out, x, grad_outputs=v)
    return grad


def compute_hessian(fn: Callable[[Tensor], Tensor], x: Tensor) -> Tensor:
    """Return the (n, n) matrix of second derivatives of a scalar `fn` at a 1-D `x`, differentiating the gradient again.

    The first `torch.autograd.grad` call passes `create_graph=True` so that the gradient itself is
    recorded and can be differentiated; without it the gradient is a constant.

    Examples:
        >>> compute_hessian(lambda x: (x ** 2).sum(), torch.tensor([3.0]))
        tensor([[2.]])
        >>> compute_hessian(lambda x: x[0] ** 2 * x[1] + x[1] ** 3, torch.tensor([1.0, 2.0]))
        tensor([[ 4.,  2.],
                [ 2., 12.]])
        >>> compute_hessian(lambda x: x.sum(), torch.tensor([[1.0, 2.0]]))
        Traceback (most recent call last):
        ...
        ValueError: expected a 1-D tensor x, got shape (1, 2)
    """
    if isinstance(x, Tensor) and x.ndim != 1:
        raise ValueError(f"expected a 1-D tensor x, got shape {tuple(x.shape)}")
    x = _leaf_copy(x)
    (grad,) = torch.autograd.grad(_call_scalar(fn, x), x, create_graph=True)
    if not grad.requires_grad:
        return torch.zeros(len(x), len(x), dtype=x.dtype)
    rows = [
        torch.autograd.grad(g, x, retain_graph=True, allow_unused=True, materialize_grads=True)[0] for g in grad
    ]
    return torch.stack(rows)


def zero_grads(tensors: Iterable[Tensor], set_to_none: bool = True) -> None:
    """Clear accumulated gradients: set each `.grad` to `None` (what `optimizer.zero_grad()` does) or fill it with 0.

    Commonly gotten wrong: `w.grad.zero_()` before the first `backward()` raises, because `.grad`
    starts as `None`; tensors without a gradient are skipped here.

    Examples:
        >>> w = torch.tensor([1.0, 2.0], requires_grad=True)
        >>> for _ in range(2):
        ...     (w ** 2).sum().backward()
        >>> w.grad
        tensor([4., 8.])
        >>> zero_grads([w], set_to_none=False)
        >>> w.grad
        tensor([0., 0.])
        >>> zero_grads([w])
        >>> print(w.grad)
        None
        >>> zero_grads([w])
    """
    for t in tensors:
        if t.grad is None:
            continue
        if set_to_none:
            t.grad = None
        else:
            t.grad.zero_()


def measure_grad_norm(tensors: Iterable[Tensor]) -> Tensor:
    """Return the 2-norm of all `.grad` tensors taken together, the number `clip_grad_norm_` compares with `max_norm`.

    Tensors whose `.grad` is `None` are skipped; with no gradients at all the norm is 0.

    Examples:
        >>> w = torch.tensor([1.0, 1.0], requires_grad=True)
        >>> (3 * w[0] + 4 * w[1]).backward()
        >>> measure_grad_norm([w])
        tensor(5.)
        >>> _ = torch.nn.utils.clip_grad_norm_([w], max_norm=1.0)
        >>> w.grad, measure_grad_norm([w])
        (tensor([0.6000, 0.8000]), tensor(1.0000))
        >>> measure_grad_norm([torch.zeros(3, requires_grad=True)])
        tensor(0.)
    """
    norms = [torch.linalg.vector_norm(t.grad) for t in tensors if t.grad is not None]
    if not norms:
        return torch.tensor(0.0)
    return torch.linalg.vector_norm(torch.stack(norms))


def keep_grad(t: Tensor) -> Tensor:
    """Make `backward()` store the gradient of an intermediate (non-leaf) tensor in its `.grad`; return `t`.

    Only leaves, the tensors you create with `requires_grad=True`, keep `.grad` by default; an
    intermediate's gradient is used on the way back and dropped unless `t.retain_grad()` is called
    before `backward()`. Commonly gotten wrong: reading `.grad` of an intermediate without it gives
    `None` and only a `UserWarning`.

    Examples:
        >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
        >>> y = keep_grad(x * 3)
        >>> (y ** 2).sum().backward()
        >>> y.grad
        tensor([ 6., 12.])
        >>> x.grad
        tensor([18., 36.])
        >>> keep_grad(torch.tensor([1.0, 2.0]))
        Traceback (most recent call last):
        ...
        ValueError: expected a tensor that requires grad, got one with requires_grad=False
    """
    if not isinstance(t, Tensor):
        raise TypeError(f"expected a torch.Tensor, got {type(t).__name__}")
    if not t.requires_grad:
        raise ValueError("expected a tensor that requires grad, got one with requires_grad=False")
    if not t.is_leaf:
        t.retain_grad()
    return t


def read_grad(t: Tensor) -> Tensor:
    """Return `t.grad`, or raise an error saying why there is none, where `t.grad` gives `None`.

    Commonly gotten wrong: `.grad` of a non-leaf tensor is `None` with a `UserWarning` that is
    easy to miss, and a `None` gradient then fails far away, in the update step.

    Examples:
        >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
        >>> y = x * 3
        >>> y.sum().backward()
        >>> read_grad(x)
        tensor([3., 3.])
        >>> read_grad(y)
        Traceback (most recent call last):
        ...
        ValueError: expected a leaf tensor or one passed to keep_grad (retain_grad) before backward(), got a non-leaf made by MulBackward0, whose gradient autograd does not keep
        >>> read_grad(torch.tensor([1.0], requires_grad=True))
        Traceback (most recent call last):
        ...
        ValueError: expected a gradient, got None: no backward() has reached this tensor yet
    """
    if not isinstance(t, Tensor):
        raise TypeError(f"expected a torch.Tensor, got {type(t).__name__}")
    if not t.requires_grad:
        raise ValueError("expected a tensor that requires grad, got one with requires_grad=False")
    if not t.is_leaf and not t.retains_grad:
        raise ValueError(
            "expected a leaf tensor or one passed to keep_grad (retain_grad) before backward(), "
            f"got a non-leaf made by {type(t.grad_fn).__name__}, whose gradient autograd does not keep"
        )
    if t.grad is None:
        raise ValueError("expected a gradient, got None: no backward() has reached this tensor yet")
    return t.grad
