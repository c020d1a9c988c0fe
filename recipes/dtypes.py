"""Recipes for tensor dtypes: naming, describing, converting safely and predicting promotion.

They make the silent parts of dtype handling (wrap-around casts, promotion rules, which dtypes
autograd accepts) explicit and checkable.
"""

from __future__ import annotations

from functools import reduce

import torch

__all__ = [
    "parse_dtype",
    "describe_dtype",
    "cast_safely",
    "predict_result_dtype",
    "match_dtypes",
    "make_trainable",
]

_LEGACY_NAMES = {
    "FloatTensor": torch.float32,
    "DoubleTensor": torch.float64,
    "HalfTensor": torch.float16,
    "BFloat16Tensor": torch.bfloat16,
    "ByteTensor": torch.uint8,
    "CharTensor": torch.int8,
    "ShortTensor": torch.int16,
    "IntTensor": torch.int32,
    "LongTensor": torch.int64,
    "BoolTensor": torch.bool,
    "ComplexFloatTensor": torch.complex64,
    "ComplexDoubleTensor": torch.complex128,
}


def _kind(dtype: torch.dtype) -> str:
    if dtype == torch.bool:
        return "bool"
    if dtype.is_complex:
        return "complex"
    if dtype.is_floating_point:
        return "floating"
    return "integer"


def parse_dtype(spec: torch.dtype | str) -> torch.dtype:
    """Turn a name such as ``"half"``, ``"int64"`` or ``"torch.IntTensor"`` into a ``torch.dtype``.

    Handy for configs and command lines; legacy type strings, as returned by ``tensor.type()``, are
    accepted too.

    Examples:
        >>> parse_dtype("half")
        torch.float16
        >>> parse_dtype("torch.IntTensor")
        torch.int32
        >>> parse_dtype("int")
        torch.int32
        >>> parse_dtype("float128")
        Traceback (most recent call last):
        ...
        ValueError: expected a dtype name such as 'float32', 'half' or 'torch.LongTensor', got
        'float128'
    """
    if isinstance(spec, torch.dtype):
        return spec
    if not isinstance(spec, str):
        raise TypeError(f"expected a torch.dtype or a str, got {type(spec).__name__}")
    name = spec.strip().removeprefix("torch.").removeprefix("cuda.")
    if name in _LEGACY_NAMES:
        return _LEGACY_NAMES[name]
    candidate = getattr(torch, name, None)
    if isinstance(candidate, torch.dtype):
        return candidate
    raise ValueError(
        f"expected a dtype name such as 'float32', 'half' or 'torch.LongTensor', got {spec!r}"
    )


def describe_dtype(x: torch.Tensor | torch.dtype | str) -> dict[str, object]:
    """Summarise a dtype: its legacy ``.type()`` name, kind, bits and whether it can require grad.

    Commonly gotten wrong: ``tensor.type()`` returns a string such as ``'torch.FloatTensor'``, while
    ``tensor.dtype`` is a ``torch.dtype``; comparing one with the other is always False.

    Examples:
        >>> describe_dtype(torch.tensor([1.5]))
        {'dtype': torch.float32, 'legacy_name': 'torch.FloatTensor',
         'kind': 'floating', 'bits': 32, 'can_require_grad': True}
        >>> describe_dtype(torch.tensor([1, 2]))["can_require_grad"]
        False
        >>> describe_dtype([1, 2])
        Traceback (most recent call last):
        ...
        TypeError: expected a tensor, a torch.dtype or a dtype name, got list
    """
    if isinstance(x, torch.Tensor):
        dtype = x.dtype
    elif isinstance(x, (torch.dtype, str)):
        dtype = parse_dtype(x)
    else:
        raise TypeError(f"expected a tensor, a torch.dtype or a dtype name, got {type(x).__name__}")
    kind = _kind(dtype)
    return {
        "dtype": dtype,
        "legacy_name": torch.empty(0, dtype=dtype).type(),
        "kind": kind,
        "bits": dtype.itemsize * 8,
        "can_require_grad": kind in ("floating", "complex"),
    }


def cast_safely(t: torch.Tensor, dtype: torch.dtype | str) -> torch.Tensor:
    """Convert ``t`` to ``dtype`` like ``t.to(dtype)``, but raise if any value would change.

    It refuses fractions or NaN going to integers, values outside the target range (which would wrap
    around or become ``inf``) and integers too large to be represented exactly in a float type.
    Commonly gotten wrong: ``torch.tensor([300]).to(torch.uint8)`` gives ``44`` with no warning.

    Examples:
        >>> cast_safely(torch.tensor([1, 2]), "half")
        tensor([1., 2.], dtype=torch.float16)
        >>> cast_safely(torch.tensor([1.0, 2.0]), torch.int64)
        tensor([1, 2])
        >>> cast_safely(torch.tensor([300]), torch.uint8)
        Traceback (most recent call last):
        ...
        ValueError: expected values in [0, 255] for torch.uint8, got values in [300, 300]
        >>> cast_safely(torch.tensor([70000.0]), torch.float16)
        Traceback (most recent call last):
        ...
        ValueError: expected finite values to stay finite in torch.float16 (max 65504), got
        magnitudes up to 70000
    """
    if not isinstance(t, torch.Tensor):
        raise TypeError(f"expected a torch.Tensor, got {type(t).__name__}")
    target = parse_dtype(dtype)
    source = t.detach()
    target_kind = _kind(target)
    if source.is_complex() and target_kind != "complex":
        if bool((source.imag != 0).any()):
            raise ValueError(
                f"expected zero imaginary parts to cast to {target}, got non-zero ones"
            )
        t = t.real
        source = t.detach()
    if source.numel() == 0 or source.dtype == target:
        return t.to(target)
    if target_kind in ("integer", "bool"):
        if source.is_floating_point():
            bad = source[~torch.isfinite(source) | (source != source.round())]
            if bad.numel() > 0:
                raise ValueError(
                    f"expected whole finite numbers to cast to {target}, got {bad[0].item():g}"
                )
        if target == torch.bool:
            low, high = 0, 1
        else:
            low, high = torch.iinfo(target).min, torch.iinfo(target).max
        # Compare in float64 / int64 so the comparison itself cannot overflow.
        wide = source.double() if source.is_floating_point() else source.long()
        if bool((wide < low).any() or (wide > high).any()):
            raise ValueError(
                f"expected values in [{low}, {high}] for {target}, "
                f"got values in [{wide.min().item():g}, {wide.max().item():g}]"
            )
    else:
        finfo = torch.finfo(target)
        if source.is_floating_point():
            finite = source[torch.isfinite(source)].double()
            if finite.numel() > 0 and finite.abs().max().item() > finfo.max:
                raise ValueError(
                    f"expected finite values to stay finite in {target} (max {finfo.max:g}), "
                    f"got magnitudes up to {finite.abs().max().item():g}"
                )
        elif source.dtype != torch.bool:
            back = source.to(target).to(source.dtype)
            if not bool((back == source).all()):
                raise ValueError(
                    f"expected integers exactly representable in {target}, got some that round"
                )
    return t.to(target)


def predict_result_dtype(a: object, b: object) -> torch.dtype:
    """Predict the dtype of ``a + b`` (or any arithmetic op) under PyTorch's type promotion rules.

    Each operand may be a tensor, a Python number, or a ``torch.dtype`` (meaning "a tensor of that
    dtype"); a Python number only moves the result to a higher kind (int -> float), never to a
    wider size of the same kind. Commonly gotten wrong: an int32 tensor plus the Python int ``5``
    stays int32, and an int tensor plus ``0.5`` becomes float32, not float64.

    Examples:
        >>> predict_result_dtype(torch.int32, torch.int64)
        torch.int64
        >>> predict_result_dtype(torch.tensor([1, 2], dtype=torch.int32), 5)
        torch.int32
        >>> predict_result_dtype(torch.tensor([1, 2]), 0.5)
        torch.float32
        >>> predict_result_dtype(torch.uint8, torch.int8)
        torch.int16
        >>> predict_result_dtype("float32", 1)
        Traceback (most recent call last):
        ...
        TypeError: expected a tensor, a Python number or a torch.dtype, got str
    """
    operands = []
    for value in (a, b):
        if isinstance(value, torch.dtype):
            operands.append(torch.empty(1, dtype=value))
        elif isinstance(value, (torch.Tensor, bool, int, float, complex)):
            operands.append(value)
        else:
            raise TypeError(
                f"expected a tensor, a Python number or a torch.dtype, got {type(value).__name__}"
            )
    return torch.result_type(*operands)


def match_dtypes(*tensors: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """Cast tensors to their common promoted dtype so that ops which do not promote accept them.

    Commonly gotten wrong: ``+`` promotes mixed dtypes, but ``@``/``torch.matmul`` raises
    "expected m1 and m2 to have the same dtype" for an int64 matrix times a float32 one.

    Examples:
        >>> a, b = match_dtypes(torch.tensor([[1, 2]]), torch.tensor([[0.5], [0.25]]))
        >>> a.dtype, b.dtype
        (torch.float32, torch.float32)
        >>> a @ b
        tensor([[1.]])
        >>> match_dtypes(torch.tensor([1]), [2.0])
        Traceback (most recent call last):
        ...
        TypeError: expected torch.Tensor arguments, got list for argument 1
    """
    if not tensors:
        raise ValueError("expected at least one tensor, got none")
    for i, t in enumerate(tensors):
        if not isinstance(t, torch.Tensor):
            raise TypeError(
                f"expected torch.Tensor arguments, got {type(t).__name__} for argument {i}"
            )
    common = reduce(torch.promote_types, (t.dtype for t in tensors))
    return tuple(t.to(common) for t in tensors)


def make_trainable(t: torch.Tensor, *, dtype: torch.dtype | str | None = None) -> torch.Tensor:
    """Return a fresh leaf copy of ``t`` that requires grad, optionally cast to ``dtype`` first.

    Autograd only works with floating and complex dtypes; an integer tensor gets a TypeError that
    says which dtype to pass, instead of PyTorch's RuntimeError. Commonly gotten wrong:
    ``torch.tensor(10, requires_grad=True)`` fails because ``10`` makes an int64 tensor; write
    ``10.0``.

    Examples:
        >>> w = make_trainable(torch.tensor([1.0, 2.0]))
        >>> w.requires_grad, w.is_leaf
        (True, True)
        >>> make_trainable(torch.tensor([1, 2]), dtype=torch.float32)
        tensor([1., 2.], requires_grad=True)
        >>> make_trainable(torch.tensor([1, 2]))
        Traceback (most recent call last):
        ...
        TypeError: expected a floating or complex dtype to require grad, got torch.int64; pass
        dtype=torch.float32
    """
    if not isinstance(t, torch.Tensor):
        raise TypeError(f"expected a torch.Tensor, got {type(t).__name__}")
    target = t.dtype if dtype is None else parse_dtype(dtype)
    if _kind(target) not in ("floating", "complex"):
        raise TypeError(
            f"expected a floating or complex dtype to require grad, got {target}; "
            "pass dtype=torch.float32"
        )
    # copy=True so that updating the new parameter in place never writes into the caller's tensor.
    return t.detach().to(dtype=target, copy=True).requires_grad_(True)
