"""Recipes for creating tensors: from data, as ranges, at random and filled with a value.

Each recipe wraps a raw ``torch`` factory and refuses the inputs that make the raw call silently
return something other than what a learner expects.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Number

import torch

__all__ = [
    "make_tensor",
    "make_range",
    "space_evenly",
    "sample_uniform",
    "sample_normal",
    "fill_like",
    "shuffle_together",
    "copy_tensor",
]

_Scalar = bool | int | float


def _is_real_number(value: object) -> bool:
    return isinstance(value, Number) and not isinstance(value, (bool, complex))


def make_tensor(data: object, *, dtype: torch.dtype | None = None) -> torch.Tensor:
    """Copy Python or NumPy data into a new tensor, refusing a dtype that would drop fractions.

    Use it instead of ``torch.Tensor(...)`` (whose integer arguments are read as a shape and give
    uninitialised memory) and of typed constructors such as ``torch.IntTensor`` (which truncate
    ``3.7`` to ``3`` without a word). Commonly gotten wrong: ``torch.Tensor([1, 2])`` and
    ``torch.tensor([1, 2])`` differ; the first always gives float32, the second infers int64.

    Examples:
        >>> make_tensor([[1, 2], [3, 4]])
        tensor([[1, 2],
                [3, 4]])
        >>> make_tensor([1.0, 2.5]).dtype
        torch.float32
        >>> make_tensor([1.0, 2.0], dtype=torch.int32)
        tensor([1, 2], dtype=torch.int32)
        >>> make_tensor([1.1, 3.7], dtype=torch.int32)
        Traceback (most recent call last):
        ...
        ValueError: expected whole numbers for integer dtype torch.int32, got non-integral values
        such as 1.1
    """
    if dtype is not None and not isinstance(dtype, torch.dtype):
        raise TypeError(f"expected dtype to be a torch.dtype, got {type(dtype).__name__}")
    if isinstance(data, torch.Tensor):
        inferred = data.detach().clone()
    else:
        inferred = torch.tensor(data)
    if dtype is None:
        return inferred
    target_is_integral = not dtype.is_floating_point and not dtype.is_complex
    if target_is_integral and inferred.is_complex():
        raise TypeError(f"expected real data for integer dtype {dtype}, got complex values")
    if target_is_integral and inferred.is_floating_point():
        # Check in float64 so that float32 inference cannot hide a fraction such as 16777217.5.
        if isinstance(data, torch.Tensor):
            exact = inferred.double()
        else:
            exact = torch.tensor(data, dtype=torch.float64)
        lossy = exact[~torch.isfinite(exact) | (exact != exact.round())]
        if lossy.numel() > 0:
            raise ValueError(
                f"expected whole numbers for integer dtype {dtype}, "
                f"got non-integral values such as {lossy[0].item():g}"
            )
    if isinstance(data, torch.Tensor):
        return inferred.to(dtype)
    return torch.tensor(data, dtype=dtype)


def make_range(
    start: _Scalar,
    end: _Scalar,
    step: _Scalar = 1,
    *,
    inclusive: bool = False,
    dtype: torch.dtype | None = None,
) -> torch.Tensor:
    """Return ``start, start + step, ...`` up to ``end``, excluded (or included if ``inclusive``).

    Unlike ``torch.arange``, the number of points is computed with a small tolerance, so float steps
    never produce an extra point past ``end``. Commonly gotten wrong: ``torch.arange(1, 1.3, 0.1)``
    returns four values including ``1.3`` although the range is meant to be half-open.

    Examples:
        >>> make_range(0, 10, 2)
        tensor([0, 2, 4, 6, 8])
        >>> make_range(0, 10, 2, inclusive=True)
        tensor([ 0,  2,  4,  6,  8, 10])
        >>> make_range(1, 1.3, 0.1)
        tensor([1.0000, 1.1000, 1.2000])
        >>> make_range(5, 0, -2)
        tensor([5, 3, 1])
        >>> make_range(0, 10, -1)
        Traceback (most recent call last):
        ...
        ValueError: expected a step that moves from start=0 towards end=10, got step=-1
    """
    for name, value in (("start", start), ("end", end), ("step", step)):
        if not _is_real_number(value):
            raise TypeError(f"expected {name} to be an int or float, got {type(value).__name__}")
        if not math.isfinite(value):
            raise ValueError(f"expected a finite {name}, got {value}")
    if step == 0:
        raise ValueError("expected a non-zero step, got step=0")
    if end != start and (end - start) * step < 0:
        raise ValueError(
            f"expected a step that moves from start={start} towards end={end}, got step={step}"
        )
    if all(isinstance(v, int) for v in (start, end, step)):
        stop = end + (1 if step > 0 else -1) if inclusive else end
        values = torch.arange(start, stop, step)
        return values if dtype is None else values.to(dtype)
    span = (end - start) / step
    # The tolerance absorbs binary rounding such as (1.3 - 1) / 0.1 == 3.0000000000000004.
    tolerance = 1e-9 * max(1.0, abs(span))
    count = math.floor(span + tolerance) + 1 if inclusive else max(math.ceil(span - tolerance), 0)
    values = start + step * torch.arange(count, dtype=torch.float64)
    return values.to(dtype or torch.get_default_dtype())


def space_evenly(
    start: float,
    end: float,
    steps: int,
    *,
    include_end: bool = True,
    dtype: torch.dtype | None = None,
) -> torch.Tensor:
    """Return ``steps`` evenly spaced points from ``start`` to ``end`` (like ``torch.linspace``).

    With ``include_end=False`` the end point is left out, like NumPy's ``endpoint=False``, which is
    what you want for periodic grids such as angles in ``[0, 2*pi)``. Commonly gotten wrong:
    ``steps`` counts points, it is not the spacing; the spacing is ``(end - start) / (steps - 1)``.

    Examples:
        >>> space_evenly(0, 10, 5)
        tensor([ 0.0000,  2.5000,  5.0000,  7.5000, 10.0000])
        >>> space_evenly(0, 10, 5, include_end=False)
        tensor([0., 2., 4., 6., 8.])
        >>> space_evenly(0, 1, 0.25)
        Traceback (most recent call last):
        ...
        TypeError: expected steps to be an int number of points, got 0.25 (steps counts points, it
        is not the spacing)
    """
    if not isinstance(steps, int) or isinstance(steps, bool):
        raise TypeError(
            f"expected steps to be an int number of points, got {steps!r} "
            "(steps counts points, it is not the spacing)"
        )
    if steps < 1:
        raise ValueError(f"expected at least 1 point, got steps={steps}")
    for name, value in (("start", start), ("end", end)):
        if not _is_real_number(value):
            raise TypeError(f"expected {name} to be an int or float, got {type(value).__name__}")
    if include_end:
        return torch.linspace(start, end, steps, dtype=dtype)
    return torch.linspace(start, end, steps + 1, dtype=dtype)[:-1]


def sample_uniform(
    shape: Sequence[int],
    low: float = 0.0,
    high: float = 1.0,
    *,
    generator: torch.Generator | None = None,
    dtype: torch.dtype | None = None,
) -> torch.Tensor:
    """Draw floats uniformly from ``[low, high)``; ``torch.rand`` only covers ``[0, 1)``.

    Pass a seeded ``torch.Generator`` to get the same numbers every run without touching the global
    seed. For integers use ``torch.randint(low, high, shape)``, whose ``high`` is also excluded.

    Examples:
        >>> g = torch.Generator().manual_seed(0)
        >>> x = sample_uniform((2, 3), -1.0, 1.0, generator=g)
        >>> x.shape, bool(((x >= -1) & (x < 1)).all())
        (torch.Size([2, 3]), True)
        >>> sample_uniform((2,), 1.0, 1.0)
        Traceback (most recent call last):
        ...
        ValueError: expected low < high, got low=1.0, high=1.0
    """
    if not _is_real_number(low) or not _is_real_number(high):
        raise TypeError(
            f"expected low and high to be numbers, got {type(low).__name__} and "
            f"{type(high).__name__}"
        )
    if not (math.isfinite(low) and math.isfinite(high)) or not low < high:
        raise ValueError(f"expected low < high, got low={low}, high={high}")
    if dtype is not None and not dtype.is_floating_point:
        raise TypeError(f"expected a floating dtype, got {dtype}")
    unit = torch.rand(tuple(shape), generator=generator, dtype=dtype)
    return unit * (high - low) + low


def sample_normal(
    mean: float | torch.Tensor,
    std: float | torch.Tensor,
    size: Sequence[int] | None = None,
    *,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Draw from normal distributions in all four ``torch.normal`` modes, with clear errors.

    Numbers for both ``mean`` and ``std`` need ``size`` (one distribution, many draws); a tensor for
    either gives one draw per element, its mean/std broadcast against the other. Commonly gotten
    wrong: the second argument is the standard deviation, not the variance, and integer tensors are
    rejected by PyTorch with an obscure "not implemented for 'Long'" error.

    Examples:
        >>> g = torch.Generator().manual_seed(0)
        >>> sample_normal(0.0, 1.0, (1000,), generator=g).std().round(decimals=1)
        tensor(1.)
        >>> sample_normal(torch.tensor([10.0, 100.0]), 0.001, generator=g).round()
        tensor([ 10., 100.])
        >>> sample_normal(5.0, torch.zeros(3))
        tensor([5., 5., 5.])
        >>> sample_normal(0.0, 1.0)
        Traceback (most recent call last):
        ...
        ValueError: expected size=(...) when mean and std are both numbers, got size=None
    """
    mean_is_tensor = isinstance(mean, torch.Tensor)
    std_is_tensor = isinstance(std, torch.Tensor)
    for name, value, is_tensor in (("mean", mean, mean_is_tensor), ("std", std, std_is_tensor)):
        if is_tensor:
            if not value.is_floating_point():
                raise TypeError(f"expected {name} to be a floating tensor, got {value.dtype}")
        elif not _is_real_number(value):
            raise TypeError(
                f"expected {name} to be a float or a tensor, got {type(value).__name__}"
            )
    if std_is_tensor:
        if bool((std < 0).any()):
            raise ValueError(f"expected std >= 0 everywhere, got min {std.min().item():g}")
    elif std < 0:
        raise ValueError(f"expected std >= 0, got {std}")
    if not mean_is_tensor and not std_is_tensor:
        if size is None:
            raise ValueError(
                "expected size=(...) when mean and std are both numbers, got size=None"
            )
        return torch.normal(float(mean), float(std), size=tuple(size), generator=generator)
    if size is not None:
        raise ValueError(
            f"expected size=None when mean or std is a tensor (its shape is used), got size={size}"
        )
    if mean_is_tensor and std_is_tensor:
        try:
            mean, std = torch.broadcast_tensors(mean, std)
        except RuntimeError:
            raise ValueError(
                "expected mean and std shapes that broadcast, "
                f"got {tuple(mean.shape)} and {tuple(std.shape)}"
            ) from None
        return torch.normal(mean, std, generator=generator)
    if mean_is_tensor:
        return torch.normal(mean, float(std), generator=generator)
    return torch.normal(float(mean), std, generator=generator)


def fill_like(t: torch.Tensor, value: _Scalar, *, dtype: torch.dtype | None = None) -> torch.Tensor:
    """Return a tensor shaped like ``t`` (same dtype and device by default) filled with ``value``.

    Unlike ``torch.full_like`` it refuses to truncate a fractional value into an integer tensor.
    Commonly gotten wrong: ``torch.full_like(torch.tensor([1, 2]), 0.5)`` silently gives ``[0, 0]``.

    Examples:
        >>> fill_like(torch.zeros(2, 3), 7)
        tensor([[7., 7., 7.],
                [7., 7., 7.]])
        >>> fill_like(torch.tensor([1, 2]), 0.5, dtype=torch.float32)
        tensor([0.5000, 0.5000])
        >>> fill_like(torch.tensor([1, 2]), 0.5)
        Traceback (most recent call last):
        ...
        TypeError: expected a whole-number fill value for a torch.int64 tensor, got 0.5; pass
        dtype=torch.float32 to keep the fraction
    """
    if not isinstance(t, torch.Tensor):
        raise TypeError(f"expected a torch.Tensor, got {type(t).__name__}")
    if not isinstance(value, (bool, int, float)):
        raise TypeError(f"expected value to be a bool, int or float, got {type(value).__name__}")
    target = dtype or t.dtype
    is_integral = not target.is_floating_point and not target.is_complex and target != torch.bool
    if is_integral and isinstance(value, float) and not value.is_integer():
        raise TypeError(
            f"expected a whole-number fill value for a {target} tensor, got {value}; "
            "pass dtype=torch.float32 to keep the fraction"
        )
    return torch.full_like(t, value, dtype=target)


def shuffle_together(
    *tensors: torch.Tensor, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, ...]:
    """Shuffle several tensors along dim 0 with ONE shared permutation (``torch.randperm``).

    Use it to shuffle features and labels so that row ``i`` of each still belongs together.
    Commonly gotten wrong: shuffling ``x`` and ``y`` with two separate ``randperm`` calls breaks
    the pairs.

    Examples:
        >>> x = torch.tensor([[0, 0], [1, 1], [2, 2], [3, 3]])
        >>> y = torch.tensor([0, 10, 20, 30])
        >>> xs, ys = shuffle_together(x, y, generator=torch.Generator().manual_seed(0))
        >>> bool((xs[:, 0] * 10 == ys).all())
        True
        >>> shuffle_together(x, y[:3])
        Traceback (most recent call last):
        ...
        ValueError: expected every tensor to have 4 rows like the first, got 3 rows for tensor 1
    """
    if not tensors:
        raise ValueError("expected at least one tensor, got none")
    for i, t in enumerate(tensors):
        if not isinstance(t, torch.Tensor):
            raise TypeError(
                f"expected torch.Tensor arguments, got {type(t).__name__} for argument {i}"
            )
        if t.dim() == 0:
            raise ValueError(
                f"expected tensors with at least 1 dimension, got a 0-D tensor for argument {i}"
            )
    n, device = tensors[0].shape[0], tensors[0].device
    for i, t in enumerate(tensors[1:], start=1):
        if t.shape[0] != n:
            raise ValueError(
                f"expected every tensor to have {n} rows like the first, got {t.shape[0]} rows "
                f"for tensor {i}"
            )
        if t.device != device:
            raise ValueError(
                f"expected every tensor on {device} like the first, got {t.device} for tensor {i}"
            )
    order = torch.randperm(n, generator=generator).to(device)
    return tuple(t[order] for t in tensors)


def copy_tensor(t: torch.Tensor, *, requires_grad: bool = False) -> torch.Tensor:
    """Return an independent copy of a tensor, cut from the autograd graph: ``t.detach().clone()``.

    With ``requires_grad=True`` the copy is a fresh leaf that records operations of its own.
    Commonly gotten wrong: ``torch.tensor(t)`` also copies but warns "To copy construct from a
    tensor ..."; ``t.clone()`` alone stays in the graph, and ``t.detach()`` or
    ``torch.as_tensor(t)`` share ``t``'s memory.

    Examples:
        >>> w = torch.tensor([1.0, 2.0], requires_grad=True)
        >>> c = copy_tensor(w)
        >>> c[0] = 10.0
        >>> w, c
        (tensor([1., 2.], requires_grad=True), tensor([10.,  2.]))
        >>> w.clone().grad_fn
        <CloneBackward0 object at ...>
        >>> w.detach().data_ptr() == w.data_ptr()
        True
        >>> copy_tensor(w, requires_grad=True).is_leaf
        True
        >>> copy_tensor([1.0, 2.0])
        Traceback (most recent call last):
        ...
        TypeError: expected a torch.Tensor, got list; use make_tensor for Python or NumPy data
    """
    if not isinstance(t, torch.Tensor):
        raise TypeError(
            f"expected a torch.Tensor, got {type(t).__name__}; use make_tensor for Python or NumPy data"
        )
    if requires_grad and not (t.is_floating_point() or t.is_complex()):
        raise TypeError(
            f"expected a floating dtype for requires_grad=True (only those can require grad), got {t.dtype}"
        )
    return t.detach().clone().requires_grad_(requires_grad)
