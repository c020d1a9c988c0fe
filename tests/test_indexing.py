import numpy as np
import pytest
import torch

from recipes.indexing import (
    argmax_along,
    choose_where,
    filter_by_mask,
    filter_rows,
    find_positions,
    pick_elements,
    pick_per_row,
    reverse_along,
    select_along,
    take_submatrix,
    top_k,
)

CUBE = torch.arange(24).reshape(2, 3, 4)
GRID = torch.tensor([[4, 9, 3, 0, 3], [9, 7, 3, 7, 3], [1, 6, 6, 9, 8], [6, 6, 8, 4, 3]])


# select_along --------------------------------------------------------------------------------


@pytest.mark.parametrize("dim, index", [(0, [1, 0, 1]), (1, [2, -3]), (2, [-1, 0, 3]), (-1, [1]), (1, [])])
def test_select_along_matches_numpy_take(dim, index):
    got = select_along(CUBE, index, dim=dim)
    expected = np.take(CUBE.numpy(), np.array(index, dtype=np.int64), axis=dim)
    np.testing.assert_array_equal(got.numpy(), expected)


def test_select_along_accepts_int32_tensor_index():
    got = select_along(GRID, torch.tensor([3, 0], dtype=torch.int32))
    np.testing.assert_array_equal(got.numpy(), GRID.numpy()[[3, 0]])


@pytest.mark.parametrize(
    "t, index, dim, error, message",
    [
        (GRID, [0, 4], 0, ValueError, r"expected indices in \[-4, 4\), got 4"),
        (GRID, [-6], 1, ValueError, r"expected indices in \[-5, 5\), got -6"),
        (GRID, [0.0, 1.0], 0, TypeError, "expected integer indices, got torch.float32"),
        (GRID, torch.tensor([True, False, True, False]), 0, TypeError, "expected integer indices, got torch.bool"),
        (GRID, [[0, 1]], 0, ValueError, r"expected 1-D indices, got shape \(1, 2\)"),
        (GRID, [0], 2, ValueError, r"expected dim in \[-2, 2\) for a 2-D tensor, got 2"),
        (torch.tensor(5), [0], 0, ValueError, r"expected a tensor with at least 1 dimension\(s\), got shape \(\)"),
        (GRID.numpy(), [0], 0, TypeError, "expected a torch.Tensor, got ndarray"),
        (GRID, torch.tensor([0], device="meta"), 0, ValueError, "expected indices on cpu like the tensor, got meta"),
        (GRID, "ab", 0, TypeError, "expected indices to be a sequence of ints or a tensor, got 'ab'"),
    ],
)
def test_select_along_bad_input(t, index, dim, error, message):
    with pytest.raises(error, match=message):
        select_along(t, index, dim=dim)


def test_raw_index_select_rejects_negative_index():
    with pytest.raises(IndexError):
        torch.index_select(GRID, 0, torch.tensor([-1]))


# pick_elements / take_submatrix --------------------------------------------------------------


@pytest.mark.parametrize("rows, cols", [([1, 3], [2, 4]), ([0, 0, -1], [-1, 0, 2]), ([], [])])
def test_pick_elements_matches_numpy_fancy_indexing(rows, cols):
    expected = GRID.numpy()[np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)]
    np.testing.assert_array_equal(pick_elements(GRID, rows, cols).numpy(), expected)


def test_pick_elements_rejects_length_mismatch():
    with pytest.raises(ValueError, match="expected as many column indices as row indices, got 1 and 2"):
        pick_elements(GRID, [1, 3], [2])


def test_pick_elements_rejects_3d_tensor():
    with pytest.raises(ValueError, match=r"expected a 2-D tensor, got shape \(2, 3, 4\)"):
        pick_elements(CUBE, [0], [0])


@pytest.mark.parametrize("rows, cols", [([1, 3], [2, 4]), ([3, 0, 0], [-1]), ([2], [0, 1, 2, 3, 4])])
def test_take_submatrix_matches_numpy_ix(rows, cols):
    expected = GRID.numpy()[np.ix_(rows, cols)]
    got = take_submatrix(GRID, rows, cols)
    assert got.shape == (len(rows), len(cols))
    np.testing.assert_array_equal(got.numpy(), expected)


def test_take_submatrix_rejects_column_out_of_range():
    with pytest.raises(ValueError, match=r"expected column indices in \[-5, 5\), got 5"):
        take_submatrix(GRID, [0], [5])


def test_take_submatrix_rejects_float_indices():
    with pytest.raises(TypeError, match="expected integer column indices, got torch.float32"):
        take_submatrix(GRID, [0], [1.0])


# filter_rows / filter_by_mask ----------------------------------------------------------------


def test_filter_rows_matches_numpy_boolean_indexing():
    mask = GRID[:, 1] > 6
    np.testing.assert_array_equal(filter_rows(GRID, mask).numpy(), GRID.numpy()[GRID.numpy()[:, 1] > 6])


def test_filter_rows_on_3d_keeps_trailing_dims():
    mask = torch.tensor([False, True])
    got = filter_rows(CUBE, mask)
    assert got.shape == (1, 3, 4)
    np.testing.assert_array_equal(got.numpy(), CUBE.numpy()[[1]])


def test_filter_rows_rejects_wrong_length():
    with pytest.raises(ValueError, match=r"expected a mask of shape \(4,\) to match dim 0 of shape \(4, 5\), got shape \(3,\)"):
        filter_rows(GRID, torch.tensor([True, False, True]))


def test_filter_rows_rejects_int_mask():
    with pytest.raises(TypeError, match="expected a bool mask, got torch.int64"):
        filter_rows(GRID, torch.tensor([0, 1, 1, 0]))


@pytest.mark.parametrize("t", [GRID, CUBE, torch.tensor([-1.0, 2.0, float("nan"), 4.0])])
def test_filter_by_mask_matches_numpy(t):
    mask = t > 3
    expected = t.numpy()[t.numpy() > 3]
    got = filter_by_mask(t, mask)
    assert got.dim() == 1
    np.testing.assert_array_equal(got.numpy(), expected)
    assert torch.equal(got, torch.masked_select(t, mask))


def test_filter_by_mask_rejects_shape_mismatch():
    with pytest.raises(ValueError, match=r"expected a mask of shape \(4, 5\), got shape \(5,\)"):
        filter_by_mask(GRID, torch.ones(5, dtype=torch.bool))


def test_filter_by_mask_rejects_non_tensor_mask():
    with pytest.raises(TypeError, match="expected a bool tensor as mask, got list"):
        filter_by_mask(GRID, [[True] * 5] * 4)


# reverse_along -------------------------------------------------------------------------------


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_reverse_along_matches_numpy_flip(dim):
    np.testing.assert_array_equal(reverse_along(CUBE, dim).numpy(), np.flip(CUBE.numpy(), axis=dim))


def test_reverse_along_returns_a_copy():
    t = torch.arange(3)
    r = reverse_along(t)
    r[0] = 100
    assert t[2].item() == 2


def test_negative_step_slicing_is_not_supported_by_torch():
    with pytest.raises(ValueError, match="step must be greater than zero"):
        torch.arange(5)[::-1]


def test_reverse_along_rejects_bad_dim():
    with pytest.raises(ValueError, match=r"expected dim in \[-3, 3\) for a 3-D tensor, got 3"):
        reverse_along(CUBE, 3)
    with pytest.raises(TypeError, match="expected dim to be an int, got tuple"):
        reverse_along(CUBE, (0, 1))


# choose_where / pick_per_row / find_positions / top_k / argmax_along ---------------------------


def test_choose_where_matches_numpy_where_with_broadcast_branches():
    t = GRID.float()
    got = choose_where(t > 5, t, torch.tensor([-1.0, -2.0, -3.0, -4.0, -5.0]))
    expected = np.where(t.numpy() > 5, t.numpy(), np.array([-1.0, -2.0, -3.0, -4.0, -5.0]))
    np.testing.assert_array_equal(got.numpy(), expected)
    assert torch.equal(choose_where(GRID > 5, 1, 0), (GRID > 5).long())


@pytest.mark.parametrize(
    "condition, if_true, error, message",
    [
        ((GRID > 5).int(), GRID, TypeError, "expected a bool mask, got torch.int32"),
        (GRID > 5, GRID[:, :2], ValueError, r"shapes that broadcast, got \(4, 5\), \(4, 2\) and \(\)"),
        (GRID > 5, "x", TypeError, "expected if_true to be a tensor or a number, got str"),
    ],
)
def test_choose_where_bad_input(condition, if_true, error, message):
    with pytest.raises(error, match=message):
        choose_where(condition, if_true, 0)


def test_pick_per_row_matches_numpy_take_along_axis():
    labels = torch.tensor([4, 0, -1, 2])
    expected = np.take_along_axis(GRID.numpy(), (labels % 5).numpy()[:, None], axis=1)[:, 0]
    np.testing.assert_array_equal(pick_per_row(GRID, labels).numpy(), expected)
    assert pick_per_row(GRID, labels).shape == (4,)
    assert GRID[:, labels].shape == (4, 4)


@pytest.mark.parametrize(
    "t, index, error, message",
    [
        (GRID, [0, 1], ValueError, r"expected one column index per row \(4\), got 2"),
        (GRID, [0, 1, 2, 5], ValueError, r"expected column indices in \[-5, 5\), got 5"),
        (CUBE, [0, 1], ValueError, r"expected a 2-D tensor, got shape \(2, 3, 4\)"),
        (GRID, [0.0, 1.0, 2.0, 3.0], TypeError, "expected integer column indices, got torch.float32"),
    ],
)
def test_pick_per_row_bad_input(t, index, error, message):
    with pytest.raises(error, match=message):
        pick_per_row(t, index)


@pytest.mark.parametrize("t", [GRID > 5, CUBE % 3, torch.tensor([0.0, float("nan"), -1.0])])
def test_find_positions_matches_numpy_argwhere(t):
    got = find_positions(t)
    np.testing.assert_array_equal(got.numpy(), np.argwhere(t.numpy()))
    assert got.shape[1] == t.dim()


def test_find_positions_rejects_non_tensors():
    with pytest.raises(TypeError, match="expected a torch.Tensor, got list"):
        find_positions([0, 1])


@pytest.mark.parametrize("k, dim, largest", [(2, 1, True), (3, 0, False), (0, -1, True), (5, 1, False)])
def test_top_k_matches_numpy_argsort(k, dim, largest):
    t = torch.tensor([[4.0, 9.0, 3.0, 0.5, 2.0], [9.5, 7.0, 3.5, 7.5, 1.0], [1.5, 6.0, 6.5, 8.0, 8.5]])
    values, indices = top_k(t, k, dim=dim, largest=largest)
    order = np.argsort(-t.numpy() if largest else t.numpy(), axis=dim)
    expected = np.take(order, range(k), axis=dim)
    np.testing.assert_array_equal(indices.numpy(), expected)
    assert torch.equal(values, t.gather(dim, indices))


@pytest.mark.parametrize(
    "k, dim, error, message",
    [
        (6, 1, ValueError, r"expected k in \[0, 5\] for dim 1 of shape \(4, 5\), got 6"),
        (-1, 0, ValueError, r"expected k in \[0, 4\] for dim 0 of shape \(4, 5\), got -1"),
        (1.0, 0, TypeError, "expected k to be an int, got float"),
        (1, 2, ValueError, r"expected dim in \[-2, 2\) for a 2-D tensor, got 2"),
    ],
)
def test_top_k_bad_input(k, dim, error, message):
    with pytest.raises(error, match=message):
        top_k(GRID.float(), k, dim=dim)


def test_raw_topk_error_names_neither_k_nor_the_size():
    with pytest.raises(RuntimeError, match="selected index k out of range"):
        torch.topk(GRID.float(), 6)


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_argmax_along_matches_numpy(dim):
    t = torch.randn(3, 4, 5, generator=torch.Generator().manual_seed(0))
    np.testing.assert_array_equal(argmax_along(t, dim).numpy(), np.argmax(t.numpy(), axis=dim))
    assert argmax_along(t, dim, keepdim=True).shape[dim] == 1


def test_argmax_along_rejects_an_empty_dim_and_a_missing_dim():
    with pytest.raises(ValueError, match=r"expected a non-empty dim 0, got shape \(0, 3\)"):
        argmax_along(torch.zeros(0, 3), 0)
    with pytest.raises(TypeError):
        argmax_along(GRID)
