"""Recipes for picking parts of a tensor: by index lists, boolean masks, conditions and rank.

They validate index dtypes, ranges, devices and mask shapes up front, so mistakes fail with a
message that says what was expected instead of an ``IndexError`` deep inside PyTorch.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

__all__ = [
    "select_along",
    "pick_elements",
    "take_submatrix",
    "filter_rows",
    "filter_by_mask",
    "reverse_along",
    "choose_where",
    "pick_per_row",
    "find_positions",
    "top_k",
    "argmax_along",
]

_Index = torch.Tensor | Sequence[int]


def _check_tensor(t: object, min_dims: int = 1) -> None:
    if not isinstance(t, torch.Tensor):
        raise TypeError(f"expected a torch.Tensor, got {type(t).__name__}")
    if t.dim() < min_dims:
        raise ValueError(
            f"expected a tensor with at least {min_dims} dimension(s), got shape {tuple(t.shape)}"
        )


def _check_dim(t: torch.Tensor, dim: int) -> int:
    if not isinstance(dim, int) or isinstance(dim, bool):
        raise TypeError(f"expected dim to be an int, got {type(dim).__name__}")
    if not -t.dim() <= dim < t.dim():
        raise ValueError(
            f"expected dim in [{-t.dim()}, {t.dim()}) for a {t.dim()}-D tensor, got {dim}"
        )
    return dim % t.dim()


def _to_index(index: _Index, size: int, t: torch.Tensor, what: str) -> torch.Tensor:
    """Return ``index`` as a 1-D int64 tensor on ``t``'s device with negatives wrapped."""
    if isinstance(index, torch.Tensor):
        if index.device != t.device:
            raise ValueError(f"expected {what} on {t.device} like the tensor, got {index.device}")
        idx = index
    else:
        try:
            idx = torch.as_tensor(index, device=t.device)
        except (TypeError, ValueError, RuntimeError):
            raise TypeError(
                f"expected {what} to be a sequence of ints or a tensor, got {index!r}"
            ) from None
        if idx.numel() == 0:
            idx = idx.long()
    if idx.dtype == torch.bool:
        raise TypeError(
            f"expected integer {what}, got torch.bool; use filter_rows or filter_by_mask for masks"
        )
    if idx.is_floating_point() or idx.is_complex():
        raise TypeError(f"expected integer {what}, got {idx.dtype}")
    if idx.dim() != 1:
        raise ValueError(f"expected 1-D {what}, got shape {tuple(idx.shape)}")
    out_of_range = idx[(idx < -size) | (idx >= size)]
    if out_of_range.numel() > 0:
        raise ValueError(f"expected {what} in [{-size}, {size}), got {out_of_range[0].item()}")
    return idx.long() % size if size > 0 else idx.long()


def _check_mask(mask: torch.Tensor, t: torch.Tensor) -> None:
    if not isinstance(mask, torch.Tensor):
        raise TypeError(f"expected a bool tensor as mask, got {type(mask).__name__}")
    if mask.dtype != torch.bool:
        raise TypeError(
            f"expected a bool mask, got {mask.dtype}; build it with a comparison such as t > 0"
        )
    if mask.device != t.device:
        raise ValueError(f"expected the mask on {t.device} like the tensor, got {mask.device}")


def select_along(t: torch.Tensor, index: _Index, *, dim: int = 0) -> torch.Tensor:
    """Pick the slices at ``index`` along ``dim`` like ``torch.index_select``, allowing negatives.

    The result keeps every other dimension; repeated indices repeat slices. Commonly gotten wrong:
    ``index_select`` needs an int64/int32 *tensor* and rejects negative indices, which plain
    ``t[[...]]`` indexing accepts.

    Examples:
        >>> t = torch.arange(12).reshape(3, 4)
        >>> select_along(t, [2, 0])
        tensor([[ 8,  9, 10, 11],
                [ 0,  1,  2,  3]])
        >>> select_along(t, [-1], dim=1)
        tensor([[ 3],
                [ 7],
                [11]])
        >>> select_along(torch.zeros(2, 3, 4), [0, 2], dim=1).shape
        torch.Size([2, 2, 4])
        >>> select_along(t, [0, 3])
        Traceback (most recent call last):
        ...
        ValueError: expected indices in [-3, 3), got 3
    """
    _check_tensor(t)
    dim = _check_dim(t, dim)
    idx = _to_index(index, t.shape[dim], t, "indices")
    return torch.index_select(t, dim, idx)


def pick_elements(t: torch.Tensor, rows: _Index, cols: _Index) -> torch.Tensor:
    """Pick the single elements ``t[rows[k], cols[k]]`` of a 2-D tensor, one per pair.

    Commonly gotten wrong: ``t[[1, 3], [2, 4]]`` returns the two elements at (1, 2) and (3, 4), not
    the 2x2 block of rows 1, 3 and columns 2, 4; use ``take_submatrix`` for the block.

    Examples:
        >>> t = torch.arange(20).reshape(4, 5)
        >>> pick_elements(t, [1, 3], [2, 4])
        tensor([ 7, 19])
        >>> pick_elements(t, [1, 3], [2])
        Traceback (most recent call last):
        ...
        ValueError: expected as many column indices as row indices, got 1 and 2
    """
    _check_tensor(t)
    if t.dim() != 2:
        raise ValueError(f"expected a 2-D tensor, got shape {tuple(t.shape)}")
    row_idx = _to_index(rows, t.shape[0], t, "row indices")
    col_idx = _to_index(cols, t.shape[1], t, "column indices")
    if row_idx.numel() != col_idx.numel():
        raise ValueError(
            "expected as many column indices as row indices, "
            f"got {col_idx.numel()} and {row_idx.numel()}"
        )
    return t[row_idx, col_idx]


def take_submatrix(t: torch.Tensor, rows: _Index, cols: _Index) -> torch.Tensor:
    """Return the block of a 2-D tensor at the given rows and columns (every row with every column).

    This is NumPy's ``a[np.ix_(rows, cols)]``; in PyTorch write ``t[rows][:, cols]`` or
    ``t[torch.tensor(rows)[:, None], cols]``.

    Examples:
        >>> t = torch.arange(20).reshape(4, 5)
        >>> take_submatrix(t, [1, 3], [2, 4])
        tensor([[ 7,  9],
                [17, 19]])
        >>> take_submatrix(t, [0], [1.0])
        Traceback (most recent call last):
        ...
        TypeError: expected integer column indices, got torch.float32
    """
    _check_tensor(t)
    if t.dim() != 2:
        raise ValueError(f"expected a 2-D tensor, got shape {tuple(t.shape)}")
    row_idx = _to_index(rows, t.shape[0], t, "row indices")
    col_idx = _to_index(cols, t.shape[1], t, "column indices")
    return t.index_select(0, row_idx).index_select(1, col_idx)


def filter_rows(t: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Keep the slices along dim 0 where a 1-D bool ``mask`` is True (``t[mask]``); other dims stay.

    Typical use: rows whose some column passes a test, ``filter_rows(t, t[:, 1] > 6)``.
    Commonly gotten wrong: an int 0/1 mask is read as row *numbers*, so
    ``t[torch.tensor([0, 1, 1])]`` returns rows 0, 1, 1 instead of filtering.

    Examples:
        >>> t = torch.tensor([[1, 9], [2, 3], [3, 8]])
        >>> filter_rows(t, t[:, 1] > 6)
        tensor([[1, 9],
                [3, 8]])
        >>> filter_rows(t, torch.tensor([True, False]))
        Traceback (most recent call last):
        ...
        ValueError: expected a mask of shape (3,) to match dim 0 of shape (3, 2), got shape (2,)
    """
    _check_tensor(t)
    _check_mask(mask, t)
    if tuple(mask.shape) != (t.shape[0],):
        raise ValueError(
            f"expected a mask of shape ({t.shape[0]},) to match dim 0 of shape {tuple(t.shape)}, "
            f"got shape {tuple(mask.shape)}"
        )
    return t[mask]


def filter_by_mask(t: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Return the elements of ``t`` where a same-shape bool ``mask`` is True, as a 1-D tensor.

    This is ``torch.masked_select(t, mask)`` (equivalently ``t[mask]``), with the mask required to
    have exactly ``t``'s shape so that accidental broadcasting cannot hide a bug.

    Examples:
        >>> t = torch.tensor([[3, 7, 3], [4, 3, 7]])
        >>> filter_by_mask(t, t >= 5)
        tensor([7, 7])
        >>> filter_by_mask(t, (t >= 5).int())
        Traceback (most recent call last):
        ...
        TypeError: expected a bool mask, got torch.int32; build it with a comparison such as t > 0
    """
    _check_tensor(t, min_dims=0)
    _check_mask(mask, t)
    if mask.shape != t.shape:
        raise ValueError(
            f"expected a mask of shape {tuple(t.shape)}, got shape {tuple(mask.shape)}"
        )
    return torch.masked_select(t, mask)


def reverse_along(t: torch.Tensor, dim: int = 0) -> torch.Tensor:
    """Reverse the order along ``dim`` (``torch.flip``); the result is a copy.

    Commonly gotten wrong: NumPy's ``a[::-1]`` does not work on tensors; PyTorch slices need a
    positive step and raise ``ValueError: step must be greater than zero``.

    Examples:
        >>> reverse_along(torch.arange(5))
        tensor([4, 3, 2, 1, 0])
        >>> reverse_along(torch.arange(6).reshape(2, 3), dim=1)
        tensor([[2, 1, 0],
                [5, 4, 3]])
        >>> reverse_along(torch.arange(5), dim=1)
        Traceback (most recent call last):
        ...
        ValueError: expected dim in [-1, 1) for a 1-D tensor, got 1
    """
    _check_tensor(t)
    dim = _check_dim(t, dim)
    return torch.flip(t, dims=(dim,))


def choose_where(
    condition: torch.Tensor,
    if_true: torch.Tensor | float,
    if_false: torch.Tensor | float,
) -> torch.Tensor:
    """Take ``if_true`` where a bool ``condition`` holds and ``if_false`` elsewhere (``torch.where``).

    The three arguments broadcast against each other, so either branch may be a plain number.
    Commonly gotten wrong: ``torch.where(condition)`` with one argument does something else: it
    returns the *positions* where the condition holds, like ``nonzero(as_tuple=True)``.

    Examples:
        >>> t = torch.tensor([[-2.0, 3.0], [4.0, -1.0]])
        >>> choose_where(t > 0, t, 0.0)
        tensor([[0., 3.],
                [4., 0.]])
        >>> torch.where(t > 0)
        (tensor([0, 1]), tensor([1, 0]))
        >>> choose_where(torch.tensor([True, False, True]), t, 0.0)
        Traceback (most recent call last):
        ...
        ValueError: expected condition, if_true and if_false shapes that broadcast, got (3,), (2, 2) and ()
    """
    _check_mask(condition, condition)
    shapes = []
    for name, branch in (("if_true", if_true), ("if_false", if_false)):
        if isinstance(branch, torch.Tensor):
            shapes.append(tuple(branch.shape))
        elif isinstance(branch, (int, float)):
            shapes.append(())
        else:
            raise TypeError(f"expected {name} to be a tensor or a number, got {type(branch).__name__}")
    try:
        torch.broadcast_shapes(condition.shape, *shapes)
    except RuntimeError:
        raise ValueError(
            "expected condition, if_true and if_false shapes that broadcast, "
            f"got {tuple(condition.shape)}, {shapes[0]} and {shapes[1]}"
        ) from None
    return torch.where(condition, if_true, if_false)


def pick_per_row(t: torch.Tensor, index: _Index) -> torch.Tensor:
    """Pick one element from each row of a 2-D tensor, ``t[i, index[i]]``, with ``torch.gather``.

    Typical use: the score of each sample's true class, ``pick_per_row(scores, labels)``.
    Commonly gotten wrong: ``scores[:, labels]`` takes every label's column for every row, an
    (n, n) matrix; and ``gather`` wants an index with as many dimensions as ``t`` (``labels[:, None]``).

    Examples:
        >>> scores = torch.tensor([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2]])
        >>> labels = torch.tensor([1, 0])
        >>> pick_per_row(scores, labels)
        tensor([0.7000, 0.5000])
        >>> scores.gather(1, labels[:, None]).squeeze(1)
        tensor([0.7000, 0.5000])
        >>> scores[:, labels]
        tensor([[0.7000, 0.1000],
                [0.3000, 0.5000]])
        >>> pick_per_row(scores, [1, 0, 2])
        Traceback (most recent call last):
        ...
        ValueError: expected one column index per row (2), got 3
    """
    _check_tensor(t)
    if t.dim() != 2:
        raise ValueError(f"expected a 2-D tensor, got shape {tuple(t.shape)}")
    idx = _to_index(index, t.shape[1], t, "column indices")
    if idx.numel() != t.shape[0]:
        raise ValueError(f"expected one column index per row ({t.shape[0]}), got {idx.numel()}")
    return t.gather(1, idx[:, None]).squeeze(1)


def find_positions(t: torch.Tensor) -> torch.Tensor:
    """Return where ``t`` is non-zero (True for a mask) as a (k, t.dim()) tensor, one row per entry.

    Commonly gotten wrong: NumPy's ``np.nonzero`` returns a tuple of index arrays, one per
    dimension; ``torch.nonzero`` returns this (k, ndim) matrix unless you pass ``as_tuple=True``,
    which gives the tuple that indexes ``t`` directly.

    Examples:
        >>> mask = torch.tensor([[False, True], [True, True]])
        >>> find_positions(mask)
        tensor([[0, 1],
                [1, 0],
                [1, 1]])
        >>> torch.nonzero(mask, as_tuple=True)
        (tensor([0, 1, 1]), tensor([1, 0, 1]))
        >>> find_positions(torch.tensor(True))
        Traceback (most recent call last):
        ...
        ValueError: expected a tensor with at least 1 dimension(s), got shape ()
    """
    _check_tensor(t)
    return torch.nonzero(t)


def top_k(
    t: torch.Tensor, k: int, *, dim: int = -1, largest: bool = True
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return the ``k`` largest (or smallest) values along ``dim``, best first, and their positions.

    Commonly gotten wrong: a ``k`` larger than the dimension fails inside PyTorch with
    "selected index k out of range", which names neither k nor the size.

    Examples:
        >>> scores = torch.tensor([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2]])
        >>> values, indices = top_k(scores, 2)
        >>> values
        tensor([[0.7000, 0.2000],
                [0.5000, 0.3000]])
        >>> indices
        tensor([[1, 2],
                [0, 1]])
        >>> top_k(scores, 4)
        Traceback (most recent call last):
        ...
        ValueError: expected k in [0, 3] for dim 1 of shape (2, 3), got 4
    """
    _check_tensor(t)
    dim = _check_dim(t, dim)
    if isinstance(k, bool) or not isinstance(k, int):
        raise TypeError(f"expected k to be an int, got {type(k).__name__}")
    if not 0 <= k <= t.shape[dim]:
        raise ValueError(
            f"expected k in [0, {t.shape[dim]}] for dim {dim} of shape {tuple(t.shape)}, got {k}"
        )
    values, indices = torch.topk(t, k, dim=dim, largest=largest)
    return values, indices


def argmax_along(t: torch.Tensor, dim: int, *, keepdim: bool = False) -> torch.Tensor:
    """Return the position of the largest value along ``dim`` (``argmax``), e.g. the predicted class.

    ``dim`` is required on purpose. Commonly gotten wrong: ``t.argmax()`` without ``dim`` returns
    one position in the *flattened* tensor, not one per row.

    Examples:
        >>> logits = torch.tensor([[1.0, 3.0, 2.0], [7.0, 9.0, 8.0]])
        >>> argmax_along(logits, dim=1)
        tensor([1, 1])
        >>> logits.argmax()
        tensor(4)
        >>> argmax_along(torch.zeros(2, 0), dim=1)
        Traceback (most recent call last):
        ...
        ValueError: expected a non-empty dim 1, got shape (2, 0)
    """
    _check_tensor(t)
    dim = _check_dim(t, dim)
    if t.shape[dim] == 0:
        raise ValueError(f"expected a non-empty dim {dim}, got shape {tuple(t.shape)}")
    return t.argmax(dim=dim, keepdim=keepdim)
