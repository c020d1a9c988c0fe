"""Reshape, reorder, join and split tensors: `-1`, view vs reshape, squeeze, permute, movedim, expand vs repeat, cat vs stack, chunk vs split.

Each recipe predicts what PyTorch will do or fails with a message naming the problem and the fix.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

__all__ = [
    "flatten_batch",
    "safe_view",
    "squeeze_dim",
    "to_channels_last",
    "batch_samples",
    "split_sizes",
    "chunk_sizes",
    "expand_to",
    "move_dim",
]


def _check_tensor(x: object, name: str = "x") -> None:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"expected {name} to be a torch.Tensor, got {type(x).__name__}")


def _check_int(value: object, name: str, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected {name} to be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"expected {name} >= {minimum}, got {value}")


def _check_dim(x: torch.Tensor, dim: int) -> None:
    if isinstance(dim, bool) or not isinstance(dim, int):
        raise TypeError(f"expected dim to be an int, got {type(dim).__name__}")
    if not -x.dim() <= dim < x.dim():
        raise ValueError(
            f"dim {dim} is out of range for a {x.dim()}-D tensor (expected {-x.dim()}..{x.dim() - 1})"
        )


def _resolve_shape(numel: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    for size in shape:
        if isinstance(size, bool) or not isinstance(size, int):
            raise TypeError(f"expected the shape to hold ints, got {shape!r}")
    if shape.count(-1) > 1 or any(size < -1 for size in shape):
        raise ValueError(f"expected non-negative sizes and at most one -1, got {shape}")
    known = math.prod(size for size in shape if size != -1)
    if -1 in shape:
        if known == 0 or numel % known:
            raise ValueError(
                f"cannot view {numel} elements as shape {shape}: expected the other sizes "
                f"to multiply to a non-zero divisor of {numel}, got {known}"
            )
        return tuple(numel // known if size == -1 else size for size in shape)
    if known != numel:
        raise ValueError(
            f"cannot view {numel} elements as shape {shape}: expected sizes whose product is "
            f"{numel}, got {known}"
        )
    return shape


def flatten_batch(x: torch.Tensor) -> torch.Tensor:
    """Flatten every dimension except the first (batch) one, e.g. images (N, C, H, W) to (N, C*H*W).

    This is the shape a `nn.Linear` layer expects after convolutional layers.
    Commonly gotten wrong: `x.reshape(-1)` or `x.view(-1)` also merges the batch dimension away.

    Examples:
        >>> x = torch.arange(24).reshape(2, 3, 4)
        >>> flatten_batch(x).shape
        torch.Size([2, 12])
        >>> x.reshape(-1).shape
        torch.Size([24])
        >>> x.reshape(2, -1).shape
        torch.Size([2, 12])

        An empty batch still works, where `reshape(0, -1)` cannot tell what -1 should be:

        >>> flatten_batch(torch.empty(0, 3, 4)).shape
        torch.Size([0, 12])
        >>> flatten_batch(torch.tensor(5.0))
        Traceback (most recent call last):
        ...
        ValueError: expected a tensor with a batch dimension (at least 1-D), got a 0-D tensor
    """
    _check_tensor(x)
    if x.dim() == 0:
        raise ValueError("expected a tensor with a batch dimension (at least 1-D), got a 0-D tensor")
    return x.reshape(x.shape[0], math.prod(x.shape[1:]))


def safe_view(x: torch.Tensor, *shape: int) -> torch.Tensor:
    """Return `x.view(*shape)`, a reshaped tensor sharing x's memory, or an error saying why it cannot.

    One size may be -1; it is inferred from the number of elements, as in `view` and `reshape`.
    Commonly gotten wrong: `view` never copies, so it fails on tensors whose memory is not in
    row-major order, such as results of `transpose`, `permute` or `.t()`; `reshape` copies instead.

    Examples:
        >>> x = torch.arange(6)
        >>> v = safe_view(x, 2, -1)
        >>> v
        tensor([[0, 1, 2],
                [3, 4, 5]])
        >>> v[0, 0] = 100
        >>> x
        tensor([100,   1,   2,   3,   4,   5])
        >>> safe_view(v.t(), 6)
        Traceback (most recent call last):
        ...
        ValueError: cannot view a non-contiguous tensor of shape (3, 2) and strides (1, 3) as (6,); call .contiguous() first (copies) or use .reshape()
        >>> safe_view(v.t().contiguous(), 6)
        tensor([100,   3,   1,   4,   2,   5])
        >>> safe_view(x, 4, -1)
        Traceback (most recent call last):
        ...
        ValueError: cannot view 6 elements as shape (4, -1): expected the other sizes to multiply to a non-zero divisor of 6, got 4
    """
    _check_tensor(x)
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    target = _resolve_shape(x.numel(), tuple(shape))
    try:
        return x.view(target)
    except RuntimeError as err:
        raise ValueError(
            f"cannot view a non-contiguous tensor of shape {tuple(x.shape)} and strides "
            f"{x.stride()} as {target}; call .contiguous() first (copies) or use .reshape()"
        ) from err


def squeeze_dim(x: torch.Tensor, dim: int) -> torch.Tensor:
    """Remove dimension `dim`, which must have size 1, and fail loudly when it does not.

    Commonly gotten wrong: `x.squeeze(dim)` silently returns x unchanged when that size is not 1,
    and a bare `x.squeeze()` also removes a batch dimension that happens to have size 1.

    Examples:
        >>> x = torch.zeros(1, 3, 1, 5)
        >>> squeeze_dim(x, 2).shape
        torch.Size([1, 3, 5])
        >>> squeeze_dim(x, 2).unsqueeze(2).shape
        torch.Size([1, 3, 1, 5])
        >>> x.squeeze().shape
        torch.Size([3, 5])
        >>> x.squeeze(1).shape
        torch.Size([1, 3, 1, 5])
        >>> squeeze_dim(x, 1)
        Traceback (most recent call last):
        ...
        ValueError: expected dimension 1 to have size 1, got size 3 (shape (1, 3, 1, 5))
    """
    _check_tensor(x)
    _check_dim(x, dim)
    if x.shape[dim] != 1:
        raise ValueError(
            f"expected dimension {dim} to have size 1, got size {x.shape[dim]} (shape {tuple(x.shape)})"
        )
    return x.squeeze(dim)




def to_channels_last(images: torch.Tensor) -> torch.Tensor:
    """Reorder images from (C, H, W) or (N, C, H, W) to (H, W, C) or (N, H, W, C), as `plt.imshow` wants.

    The result is a permuted view: it shares memory and is not contiguous, so `view` on it fails.
    Commonly gotten wrong: `transpose(0, 2)` on (C, H, W) gives (W, H, C), which swaps height and width.

    Examples:
        >>> image = torch.zeros(3, 32, 64)
        >>> to_channels_last(image).shape
        torch.Size([32, 64, 3])
        >>> image.transpose(0, 2).shape
        torch.Size([64, 32, 3])
        >>> to_channels_last(torch.zeros(8, 3, 32, 64)).shape
        torch.Size([8, 32, 64, 3])
        >>> to_channels_last(image).is_contiguous()
        False
        >>> to_channels_last(torch.zeros(32, 64))
        Traceback (most recent call last):
        ...
        ValueError: expected a 3-D (C, H, W) or 4-D (N, C, H, W) tensor, got shape (32, 64)
    """
    _check_tensor(images, "images")
    if images.dim() == 3:
        return images.permute(1, 2, 0)
    if images.dim() == 4:
        return images.permute(0, 2, 3, 1)
    raise ValueError(
        f"expected a 3-D (C, H, W) or 4-D (N, C, H, W) tensor, got shape {tuple(images.shape)}"
    )


def batch_samples(samples: Sequence[torch.Tensor]) -> torch.Tensor:
    """Stack n equally shaped samples into a batch with a new first dimension: n x (k, ...) to (n, k, ...).

    Commonly gotten wrong: `torch.cat` joins along an existing dimension, so n samples of shape (3,)
    become one tensor of shape (3n,) instead of a batch of shape (n, 3).

    Examples:
        >>> a, b = torch.tensor([1, 2, 3]), torch.tensor([4, 5, 6])
        >>> batch_samples([a, b])
        tensor([[1, 2, 3],
                [4, 5, 6]])
        >>> torch.cat([a, b])
        tensor([1, 2, 3, 4, 5, 6])
        >>> batch_samples([a, torch.tensor([7, 8])])
        Traceback (most recent call last):
        ...
        ValueError: expected every sample to have shape (3,) like sample 0, got (2,) at sample 1
    """
    if isinstance(samples, torch.Tensor) or not isinstance(samples, Sequence):
        raise TypeError(f"expected a sequence of tensors, got {type(samples).__name__}")
    if not samples:
        raise ValueError("expected at least one sample, got an empty sequence")
    for i, sample in enumerate(samples):
        _check_tensor(sample, f"sample {i}")
        if sample.shape != samples[0].shape:
            raise ValueError(
                f"expected every sample to have shape {tuple(samples[0].shape)} like sample 0, "
                f"got {tuple(sample.shape)} at sample {i}"
            )
    return torch.stack(list(samples), dim=0)


def split_sizes(length: int, split_size_or_sections: int | Sequence[int]) -> list[int]:
    """Predict the piece sizes `torch.split(x, split_size_or_sections)` gives along a dimension of `length`.

    An int gives pieces of that size with a smaller last piece; a list gives exactly those sizes,
    which must add up to `length`.

    Examples:
        >>> split_sizes(5, 2)
        [2, 2, 1]
        >>> [piece.shape[1] for piece in torch.ones(2, 5).split(2, dim=1)]
        [2, 2, 1]
        >>> split_sizes(5, [2, 1, 2])
        [2, 1, 2]
        >>> split_sizes(5, [2, 1, 1])
        Traceback (most recent call last):
        ...
        ValueError: expected the sizes [2, 1, 1] to add up to 5, got 4
    """
    _check_int(length, "length", 0)
    if isinstance(split_size_or_sections, int) and not isinstance(split_size_or_sections, bool):
        size = split_size_or_sections
        _check_int(size, "split_size", 1)
        if length == 0:
            return [0]
        full, rest = divmod(length, size)
        return [size] * full + ([rest] if rest else [])
    sections = list(split_size_or_sections)
    for section in sections:
        _check_int(section, "each section size", 0)
    if sum(sections) != length:
        raise ValueError(f"expected the sizes {sections} to add up to {length}, got {sum(sections)}")
    return sections


def chunk_sizes(length: int, chunks: int) -> list[int]:
    """Predict the piece sizes `torch.chunk(x, chunks)` returns along a dimension of `length`.

    Each piece has ceil(length / chunks) elements and the last one takes what is left.
    Commonly gotten wrong: chunk may return fewer pieces than asked (6 in 4 chunks gives 3 pieces);
    `torch.tensor_split` always returns exactly `chunks` pieces.

    Examples:
        >>> chunk_sizes(7, 3)
        [3, 3, 1]
        >>> [piece.shape[1] for piece in torch.ones(2, 7).chunk(3, dim=1)]
        [3, 3, 1]
        >>> chunk_sizes(6, 4)
        [2, 2, 2]
        >>> [len(piece) for piece in torch.arange(6).tensor_split(4)]
        [2, 2, 1, 1]
        >>> chunk_sizes(6, 0)
        Traceback (most recent call last):
        ...
        ValueError: expected chunks >= 1, got 0
    """
    _check_int(length, "length", 0)
    _check_int(chunks, "chunks", 1)
    if length == 0:
        return [0] * chunks
    return split_sizes(length, math.ceil(length / chunks))


def expand_to(x: torch.Tensor, *shape: int) -> torch.Tensor:
    """Stretch the size-1 dimensions of `x` to `shape` without copying (`x.expand`); -1 keeps a size.

    New leading dimensions may be added. The result is a view in which many positions share one
    memory cell, so read from it; write into `x.repeat(...)`, a real copy, instead.
    Commonly gotten wrong: `expand` takes the target sizes but `repeat` takes how many copies
    to make, so on a (3, 1) tensor `x.repeat(3, 4)` gives (9, 4), not (3, 4).

    Examples:
        >>> x = torch.tensor([[1], [2], [3]])
        >>> expand_to(x, 3, 4)
        tensor([[1, 1, 1, 1],
                [2, 2, 2, 2],
                [3, 3, 3, 3]])
        >>> expand_to(x, 2, -1, 4).shape
        torch.Size([2, 3, 4])
        >>> expand_to(x, 3, 4).stride()
        (1, 0)
        >>> x.repeat(1, 4).shape, x.repeat(3, 4).shape
        (torch.Size([3, 4]), torch.Size([9, 4]))
        >>> expand_to(x, 4, 4)
        Traceback (most recent call last):
        ...
        ValueError: cannot expand shape (3, 1) to (4, 4): dim 0 has size 3; expected 1 or 4 there
    """
    _check_tensor(x)
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for size in shape:
        if isinstance(size, bool) or not isinstance(size, int):
            raise TypeError(f"expected the shape to hold ints, got {shape!r}")
    if len(shape) < x.dim():
        raise ValueError(
            f"cannot expand shape {tuple(x.shape)} to {shape}: expected at least {x.dim()} sizes, "
            f"got {len(shape)}"
        )
    new = len(shape) - x.dim()
    for dim, target in enumerate(shape):
        if dim < new:
            if target < 0:
                raise ValueError(
                    f"cannot expand shape {tuple(x.shape)} to {shape}: expected a size >= 0 for "
                    f"the new dim {dim}, got {target}"
                )
            continue
        size = x.shape[dim - new]
        if target != -1 and size not in (1, target):
            raise ValueError(
                f"cannot expand shape {tuple(x.shape)} to {shape}: dim {dim - new} has size {size}; "
                f"expected 1 or {target} there"
            )
    return x.expand(shape)


def move_dim(x: torch.Tensor, source: int, destination: int) -> torch.Tensor:
    """Move one dimension to a new position, keeping the others in order (`torch.movedim`).

    The result is a view, like `permute`. Commonly gotten wrong: `transpose` swaps two dimensions,
    so moving the channels of (N, C, H, W) to the end with `transpose(1, -1)` gives (N, W, H, C),
    with height and width swapped.

    Examples:
        >>> x = torch.zeros(8, 3, 32, 64)
        >>> move_dim(x, 1, -1).shape
        torch.Size([8, 32, 64, 3])
        >>> x.transpose(1, -1).shape
        torch.Size([8, 64, 32, 3])
        >>> move_dim(x, 1, 4)
        Traceback (most recent call last):
        ...
        ValueError: dim 4 is out of range for a 4-D tensor (expected -4..3)
    """
    _check_tensor(x)
    _check_dim(x, source)
    _check_dim(x, destination)
    return torch.movedim(x, source, destination)
