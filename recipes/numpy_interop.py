"""Recipes for moving data between PyTorch and NumPy, with memory sharing made explicit.

``tensor.numpy()`` and ``torch.from_numpy`` share memory, ``torch.tensor(array)`` copies; these
recipes say which one you get and raise clear errors where the raw calls fail or surprise.
"""

from __future__ import annotations

import numpy as np
import torch

from recipes.dtypes import cast_safely

__all__ = [
    "to_numpy",
    "wrap_numpy",
    "copy_from_numpy",
    "as_scalar",
    "shares_memory",
]


def to_numpy(t: torch.Tensor, *, detach: bool = False, copy: bool = False) -> np.ndarray:
    """Convert a tensor to a NumPy array, sharing a CPU tensor's memory unless ``copy=True``.

    A tensor that requires grad is refused unless you pass ``detach=True``, so that dropping it out
    of the autograd graph is a visible decision. Commonly gotten wrong: ``t.numpy()`` on a CUDA
    tensor or on a tensor with ``requires_grad=True`` raises; you need ``t.detach().cpu().numpy()``.

    Examples:
        >>> to_numpy(torch.tensor([1, 2, 3]))
        array([1, 2, 3])
        >>> w = torch.tensor([1.0, 2.0], requires_grad=True)
        >>> to_numpy(w, detach=True)
        array([1., 2.], dtype=float32)
        >>> to_numpy(w)
        Traceback (most recent call last):
        ...
        ValueError: expected a tensor that does not require grad, got requires_grad=True; pass
        detach=True or call .detach() first
    """
    if not isinstance(t, torch.Tensor):
        raise TypeError(f"expected a torch.Tensor, got {type(t).__name__}")
    if t.requires_grad and not detach:
        raise ValueError(
            "expected a tensor that does not require grad, got requires_grad=True; "
            "pass detach=True or call .detach() first"
        )
    if t.dtype == torch.bfloat16:
        raise TypeError(
            "expected a dtype NumPy supports, got torch.bfloat16; cast with .float() first"
        )
    if t.device.type == "meta":
        raise ValueError("expected a tensor with data, got a tensor on the meta device")
    array = t.detach().cpu().resolve_conj().resolve_neg().numpy()
    return array.copy() if copy else array


def wrap_numpy(array: np.ndarray) -> torch.Tensor:
    """Wrap a NumPy array as a tensor that SHARES its memory (``torch.from_numpy``), or say why not.

    Writes through either object are seen by the other, and the dtype is kept exactly.
    Commonly gotten wrong: ``torch.from_numpy(a[::-1])`` fails because PyTorch has no negative
    strides, and a read-only array (e.g. from ``np.broadcast_to``) only triggers a warning.

    Examples:
        >>> a = np.array([1.0, 2.0, 3.0])
        >>> t = wrap_numpy(a)
        >>> t[0] = 100.0
        >>> a
        array([100.,   2.,   3.])
        >>> wrap_numpy(a[::-1])
        Traceback (most recent call last):
        ...
        ValueError: expected an array without negative strides, got strides (-8,); use
        copy_from_numpy or array.copy()
    """
    if not isinstance(array, np.ndarray):
        raise TypeError(
            f"expected a numpy.ndarray, got {type(array).__name__}; use torch.tensor(...) for "
            "other data"
        )
    if any(stride < 0 for stride in array.strides):
        raise ValueError(
            f"expected an array without negative strides, got strides {array.strides}; "
            "use copy_from_numpy or array.copy()"
        )
    if not array.flags.writeable:
        raise ValueError(
            "expected a writeable array, got a read-only one; use copy_from_numpy or array.copy()"
        )
    try:
        return torch.from_numpy(array)
    except TypeError:
        raise TypeError(f"expected a numeric or bool NumPy dtype, got {array.dtype}") from None


def copy_from_numpy(array: np.ndarray, *, dtype: torch.dtype | str | None = None) -> torch.Tensor:
    """Copy a NumPy array into a new tensor that does NOT share memory, optionally cast losslessly.

    The dtype of the array is kept unless ``dtype`` is given; the cast then raises instead of
    truncating or wrapping values. Commonly gotten wrong: the integer dtype of
    ``np.array([1, 2, 3])`` depends on the platform (int64 on Linux and macOS, int32 on Windows
    with NumPy < 2), so pass ``dtype=torch.int64`` when the result must not vary.

    Examples:
        >>> a = np.array([1, 2, 3], dtype=np.int32)
        >>> t = copy_from_numpy(a, dtype=torch.int64)
        >>> t[0] = 100
        >>> a, t
        (array([1, 2, 3], dtype=int32), tensor([100,   2,   3]))
        >>> copy_from_numpy(np.array([0.5]), dtype=torch.int64)
        Traceback (most recent call last):
        ...
        ValueError: expected whole finite numbers to cast to torch.int64, got 0.5
    """
    if not isinstance(array, np.ndarray):
        raise TypeError(
            f"expected a numpy.ndarray, got {type(array).__name__}; use torch.tensor(...) for "
            "other data"
        )
    try:
        # np.ascontiguousarray drops negative strides, which torch.tensor cannot copy from directly.
        copied = torch.tensor(np.ascontiguousarray(array))
    except TypeError:
        raise TypeError(f"expected a numeric or bool NumPy dtype, got {array.dtype}") from None
    return copied if dtype is None else cast_safely(copied, dtype)


def as_scalar(t: torch.Tensor) -> bool | int | float | complex:
    """Return the Python number held by a tensor with exactly one element, whatever its shape.

    Works for shapes ``()``, ``(1,)``, ``(1, 1)``... and for tensors that require grad (the number
    is detached by nature). Commonly gotten wrong: ``.item()`` is not only for 0-D tensors, and it
    is the way to log a loss without keeping the autograd graph alive.

    Examples:
        >>> as_scalar(torch.tensor(10)), as_scalar(torch.tensor([10]))
        (10, 10)
        >>> as_scalar(torch.tensor([[2.5]]))
        2.5
        >>> as_scalar(torch.zeros(2, 3))
        Traceback (most recent call last):
        ...
        ValueError: expected a tensor with exactly one element, got shape (2, 3) with 6 elements
    """
    if not isinstance(t, torch.Tensor):
        raise TypeError(f"expected a torch.Tensor, got {type(t).__name__}")
    if t.numel() != 1:
        raise ValueError(
            "expected a tensor with exactly one element, "
            f"got shape {tuple(t.shape)} with {t.numel()} elements"
        )
    return t.item()


def shares_memory(t: torch.Tensor, array: np.ndarray) -> bool:
    """Tell whether a tensor and a NumPy array overlap in memory, so writing one may change both.

    Like ``np.may_share_memory`` it compares address ranges; a tensor off the CPU never shares.

    Examples:
        >>> a = np.zeros(3)
        >>> shares_memory(torch.from_numpy(a), a), shares_memory(torch.tensor(a), a)
        (True, False)
        >>> shares_memory(torch.from_numpy(a), a.tolist())
        Traceback (most recent call last):
        ...
        TypeError: expected a numpy.ndarray, got list
    """
    if not isinstance(t, torch.Tensor):
        raise TypeError(f"expected a torch.Tensor, got {type(t).__name__}")
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected a numpy.ndarray, got {type(array).__name__}")
    if t.device.type != "cpu" or t.numel() == 0 or array.size == 0:
        return False
    t_low = t.data_ptr()
    t_high = t_low + (sum((n - 1) * s for n, s in zip(t.shape, t.stride())) + 1) * t.element_size()
    # byte_bounds moved from the numpy namespace to numpy.lib.array_utils in NumPy 2.
    byte_bounds = getattr(np.lib, "array_utils", np).byte_bounds
    a_low, a_high = byte_bounds(array)
    return t_low < a_high and a_low < t_high
