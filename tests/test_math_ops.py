import math

import numpy as np
import pytest
import torch

from recipes.math_ops import (
    all_close,
    batch_matmul,
    broadcast_shape,
    clip_to_range,
    log_base,
    matrix_multiply,
    reduce_along,
    stable_softmax,
    standardize,
)


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


@pytest.mark.parametrize(
    "shapes",
    [
        ((2, 3), (3,)),
        ((4, 1), (1, 5)),
        ((2, 1, 3), (4, 1)),
        ((0, 3), (1,)),
        ((5,), ()),
        ((1,), (3, 1), (2, 1, 4)),
    ],
)
def test_broadcast_shape_matches_numpy_and_torch(shapes):
    expected = np.broadcast_shapes(*shapes)
    assert broadcast_shape(*shapes) == expected
    assert broadcast_shape(*shapes) == tuple(torch.broadcast_shapes(*shapes))


@pytest.mark.parametrize("shapes", [((2, 3), (2,)), ((0, 3), (2, 3)), ((3, 1), (1, 4), (5, 4))])
def test_broadcast_shape_rejects_incompatible_shapes(shapes):
    with pytest.raises(ValueError):
        np.broadcast_shapes(*shapes)
    message = r"cannot broadcast shapes .* at dim -\d+ the sizes are .*expected equal sizes or 1"
    with pytest.raises(ValueError, match=message):
        broadcast_shape(*shapes)


def test_broadcast_shape_names_the_clashing_dimension():
    with pytest.raises(ValueError, match="at dim -2 the sizes are 4 and 2"):
        broadcast_shape((4, 3), (2, 3))


@pytest.mark.parametrize(
    "shape_a, shape_b",
    [
        ((2, 3), (3, 4)),
        ((3,), (3, 2)),
        ((2, 3), (3,)),
        ((3,), (3,)),
        ((5, 2, 3), (3, 4)),
        ((5, 2, 3), (1, 3, 4)),
    ],
)
def test_matrix_multiply_matches_numpy_matmul(shape_a, shape_b):
    a, b = torch.randn(shape_a, dtype=torch.float64), torch.randn(shape_b, dtype=torch.float64)
    np.testing.assert_allclose(matrix_multiply(a, b).numpy(), np.matmul(a.numpy(), b.numpy()))


def test_matrix_multiply_differs_from_elementwise_product():
    a = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert not torch.equal(matrix_multiply(a, a), a * a)
    np.testing.assert_array_equal(matrix_multiply(a, a).numpy(), a.numpy() @ a.numpy())


def test_matrix_multiply_explains_inner_size_mismatch():
    message = r"shapes \(2, 3\) and \(4, 2\): expected b to have 3 rows .*got 4"
    with pytest.raises(ValueError, match=message):
        matrix_multiply(torch.ones(2, 3), torch.ones(4, 2))
    with pytest.raises(ValueError, match="expected batch dimensions that broadcast"):
        matrix_multiply(torch.ones(2, 3, 4), torch.ones(3, 4, 5))
    with pytest.raises(ValueError, match="expected tensors with at least 1 dimension"):
        matrix_multiply(torch.tensor(2.0), torch.ones(2))


def test_matrix_multiply_rejects_mixed_dtypes():
    message = "expected a and b to have the same dtype, got torch.int64 and torch.float32"
    with pytest.raises(TypeError, match=message):
        matrix_multiply(torch.ones(2, 3, dtype=torch.long), torch.ones(3, 2))


@pytest.mark.parametrize(
    "op, np_op",
    [("sum", np.sum), ("mean", np.mean), ("prod", np.prod), ("min", np.min), ("max", np.max)],
)
@pytest.mark.parametrize("dim", [None, 0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_reduce_along_matches_numpy(op, np_op, dim, keepdim):
    x = torch.randn(3, 4, dtype=torch.float64)
    expected = np_op(x.numpy(), axis=dim, keepdims=keepdim)
    out = reduce_along(x, op, dim=dim, keepdim=keepdim)
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.numpy(), expected)


def test_reduce_along_rejects_bad_input():
    with pytest.raises(TypeError, match="expected x to have a floating dtype, got torch.int64"):
        reduce_along(torch.tensor([1, 2, 3]), "mean")
    with pytest.raises(ValueError, match=r"dim 2 is out of range for a 2-D tensor \(expected -2..1\)"):
        reduce_along(torch.ones(2, 3), "sum", dim=2)
    with pytest.raises(ValueError, match="expected op to be one of .* got 'median'"):
        reduce_along(torch.ones(2, 3), "median")


@pytest.mark.parametrize("dim", [0, 1])
def test_standardize_matches_numpy(dim):
    x = torch.randn(6, 4, dtype=torch.float64) * 3 + 7
    arr = x.numpy()
    expected = (arr - arr.mean(axis=dim, keepdims=True)) / arr.std(axis=dim, keepdims=True)
    out = standardize(x, dim=dim)
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-12)
    np.testing.assert_allclose(out.mean(dim=dim).numpy(), 0, atol=1e-12)
    np.testing.assert_allclose(out.std(dim=dim, correction=0).numpy(), 1, atol=1e-12)


def test_standardize_constant_column_is_zero_not_nan():
    x = torch.tensor([[1.0, 5.0], [3.0, 5.0]])
    out = standardize(x)
    assert not out.isnan().any()
    assert torch.equal(out[:, 1], torch.zeros(2))


def test_standardize_rejects_integers():
    with pytest.raises(TypeError, match="expected x to have a floating dtype, got torch.int64"):
        standardize(torch.tensor([[1, 2], [3, 4]]))


def test_stable_softmax_matches_torch_and_survives_large_inputs():
    x = torch.randn(4, 5)
    torch.testing.assert_close(stable_softmax(x, dim=1), torch.softmax(x, dim=1))
    torch.testing.assert_close(stable_softmax(x, dim=0), torch.softmax(x, dim=0))
    big = x + 1000
    assert (big.exp() / big.exp().sum(dim=1, keepdim=True)).isnan().all()
    out = stable_softmax(big, dim=1)
    torch.testing.assert_close(out, torch.softmax(big, dim=1))
    # float32 keeps only about 4 decimals of x once 1000 is added, hence the loose tolerance.
    torch.testing.assert_close(out, torch.softmax(x, dim=1), rtol=0, atol=1e-3)
    torch.testing.assert_close(out.sum(dim=1), torch.ones(4))


@pytest.mark.parametrize("base", [2, 10, math.e, 3, 0.5])
def test_log_base_matches_numpy(base):
    x = torch.tensor([0.5, 1.0, 2.0, 9.0, 1000.0], dtype=torch.float64)
    expected = np.log(x.numpy()) / np.log(base)
    np.testing.assert_allclose(log_base(x, base).numpy(), expected, rtol=1e-12)


def test_log_base_rejects_negative_values_and_bad_base():
    with pytest.raises(ValueError, match="expected non-negative values .* got minimum -2.0"):
        log_base(torch.tensor([1.0, -2.0]), 2)
    with pytest.raises(ValueError, match="expected a positive base other than 1, got 1"):
        log_base(torch.tensor([1.0]), 1)
    with pytest.raises(ValueError, match="expected a positive base other than 1, got -2"):
        log_base(torch.tensor([1.0]), -2)


# batch_matmul / all_close / clip_to_range ------------------------------------------------------


def test_batch_matmul_matches_numpy_matmul():
    a, b = torch.randn(4, 2, 3, dtype=torch.float64), torch.randn(4, 3, 5, dtype=torch.float64)
    np.testing.assert_allclose(batch_matmul(a, b).numpy(), a.numpy() @ b.numpy(), rtol=1e-12)


@pytest.mark.parametrize(
    "a_shape, b_shape, message",
    [
        ((4, 2, 3), (3, 5), r"expected b to be a 3-D batch of matrices \(B, rows, cols\), got shape \(3, 5\)"),
        ((4, 2, 3), (2, 3, 5), r"expected b to have batch size 4 like a, got 2"),
        ((4, 2, 3), (4, 2, 5), r"expected b's matrices to have 3 rows \(a's columns\), got 2"),
    ],
)
def test_batch_matmul_bad_shapes(a_shape, b_shape, message):
    with pytest.raises(ValueError, match=message):
        batch_matmul(torch.ones(a_shape), torch.ones(b_shape))


def test_batch_matmul_rejects_mixed_dtypes_and_raw_bmm_does_not_broadcast():
    with pytest.raises(TypeError, match="same dtype, got torch.float32 and torch.float64"):
        batch_matmul(torch.ones(2, 2, 2), torch.ones(2, 2, 2, dtype=torch.float64))
    with pytest.raises(RuntimeError):
        torch.bmm(torch.ones(4, 2, 3), torch.ones(3, 5))


@pytest.mark.parametrize(
    "a, b, kwargs",
    [
        ([1.0, 2.0], [1.0, 2.0 + 1e-6], {}),
        ([1.0, 2.0], [1.0, 2.001], {}),
        ([1e-6], [0.0], {}),
        ([1e-6], [0.0], {"atol": 1e-5}),
        ([float("nan")], [float("nan")], {}),
        ([float("nan")], [float("nan")], {"equal_nan": True}),
        ([100.0], [101.0], {"rtol": 0.02}),
    ],
)
def test_all_close_agrees_with_numpy_isclose(a, b, kwargs):
    expected = bool(np.isclose(np.array(a), np.array(b), **{"rtol": 1e-5, "atol": 1e-8, **kwargs}).all())
    assert all_close(torch.tensor(a), torch.tensor(b), **kwargs) is expected


@pytest.mark.parametrize(
    "a, b, kwargs, error, message",
    [
        (torch.zeros(3), torch.zeros(3, 1), {}, ValueError, r"expected b of shape \(3,\) like a, got \(3, 1\)"),
        (torch.zeros(3), torch.zeros(3, dtype=torch.float64), {}, TypeError, "got torch.float32 and torch.float64"),
        (torch.zeros(3), torch.zeros(3), {"atol": -1.0}, ValueError, "expected atol >= 0, got -1.0"),
        (torch.zeros(3), [0.0, 0.0, 0.0], {}, TypeError, "expected b to be a torch.Tensor, got list"),
    ],
)
def test_all_close_bad_input(a, b, kwargs, error, message):
    with pytest.raises(error, match=message):
        all_close(a, b, **kwargs)


@pytest.mark.parametrize("low, high", [(0.0, 1.0), (None, 0.5), (-0.5, None), (0.2, 0.2)])
def test_clip_to_range_matches_numpy_clip(low, high):
    x = torch.randn(50, dtype=torch.float64)
    np.testing.assert_array_equal(clip_to_range(x, low, high).numpy(), np.clip(x.numpy(), low, high))


def test_clip_to_range_gradient_is_zero_where_clipped():
    x = torch.tensor([-2.0, 0.5, 3.0], requires_grad=True)
    clip_to_range(x, 0.0, 1.0).sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.0]


@pytest.mark.parametrize(
    "low, high, error, message",
    [
        (1.0, 0.0, ValueError, "expected low <= high, got low=1.0 and high=0.0"),
        (None, None, ValueError, "expected at least one bound"),
        (float("nan"), 1.0, ValueError, "expected a number for low, got nan"),
        ("0", 1.0, TypeError, "expected low to be a number or None, got str"),
    ],
)
def test_clip_to_range_bad_input(low, high, error, message):
    with pytest.raises(error, match=message):
        clip_to_range(torch.zeros(3), low, high)
