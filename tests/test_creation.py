import math

import numpy as np
import pytest
import torch

from recipes.creation import (
    copy_tensor,
    fill_like,
    make_range,
    make_tensor,
    sample_normal,
    sample_uniform,
    shuffle_together,
    space_evenly,
)

# make_tensor ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, expected_dtype",
    [([1, 2, 3], torch.int64), ([1.0, 2.5], torch.float32), ([True, False], torch.bool), (7, torch.int64)],
)
def test_make_tensor_infers_dtype_and_values(data, expected_dtype):
    t = make_tensor(data)
    assert t.dtype == expected_dtype
    np.testing.assert_array_equal(t.numpy(), np.array(data))


def test_make_tensor_accepts_whole_floats_for_integer_dtype():
    t = make_tensor([[1.0, 2.0], [3.0, -4.0]], dtype=torch.int32)
    assert t.dtype == torch.int32
    np.testing.assert_array_equal(t.numpy(), np.array([[1, 2], [3, -4]], dtype=np.int32))


def test_make_tensor_keeps_float64_precision():
    assert make_tensor([0.1], dtype=torch.float64).item() == 0.1


def test_make_tensor_copies_a_tensor():
    source = torch.tensor([1.0, 2.0])
    copy = make_tensor(source)
    copy[0] = 99.0
    assert source[0].item() == 1.0


@pytest.mark.parametrize("data", [[1.1, 3.7], [1.0, float("nan")], [float("inf")]])
def test_make_tensor_rejects_lossy_integer_dtype(data):
    with pytest.raises(ValueError, match=r"expected whole numbers .* got non-integral"):
        make_tensor(data, dtype=torch.int32)


def test_make_tensor_rejects_non_dtype():
    with pytest.raises(TypeError, match="expected dtype to be a torch.dtype, got str"):
        make_tensor([1], dtype="int32")


# make_range ----------------------------------------------------------------------------------


@pytest.mark.parametrize("start, end, step", [(0, 10, 2), (0, 10, 3), (5, 0, -2), (-3, 4, 1), (2, 2, 1)])
def test_make_range_integers_match_python_range(start, end, step):
    np.testing.assert_array_equal(make_range(start, end, step).numpy(), list(range(start, end, step)))
    inclusive_end = end + (1 if step > 0 else -1)
    np.testing.assert_array_equal(
        make_range(start, end, step, inclusive=True).numpy(), list(range(start, inclusive_end, step))
    )


@pytest.mark.parametrize(
    "start, end, step, n_exclusive",
    [(1.0, 1.3, 0.1, 3), (0.0, 1.0, 0.1, 10), (0.0, 1.0, 0.3, 4), (1.0, 0.0, -0.25, 4)],
)
def test_make_range_float_count_and_values(start, end, step, n_exclusive):
    exclusive = make_range(start, end, step)
    assert exclusive.numel() == n_exclusive
    expected = start + step * np.arange(n_exclusive)
    np.testing.assert_allclose(exclusive.numpy(), expected, rtol=1e-6, atol=1e-6)
    inclusive = make_range(start, end, step, inclusive=True)
    reaches_end = math.isclose((end - start) / step, round((end - start) / step))
    assert inclusive.numel() == n_exclusive + (1 if reaches_end else 0)
    assert exclusive.dtype == torch.get_default_dtype()


def test_make_range_dtype():
    assert make_range(0, 5, dtype=torch.float64).dtype == torch.float64


@pytest.mark.parametrize(
    "args, error, message",
    [
        ((0, 10, 0), ValueError, "expected a non-zero step, got step=0"),
        ((0, 10, -1), ValueError, "expected a step that moves .* got step=-1"),
        ((10, 0, 1), ValueError, "expected a step that moves .* got step=1"),
        (("0", 10, 1), TypeError, "expected start to be an int or float, got str"),
        ((0, float("nan"), 1), ValueError, "expected a finite end, got nan"),
    ],
)
def test_make_range_bad_input(args, error, message):
    with pytest.raises(error, match=message):
        make_range(*args)


# space_evenly --------------------------------------------------------------------------------


@pytest.mark.parametrize("start, end, steps", [(0, 10, 5), (2, 10, 6), (-1.0, 1.0, 1), (0, 1, 2)])
@pytest.mark.parametrize("include_end", [True, False])
def test_space_evenly_matches_numpy(start, end, steps, include_end):
    got = space_evenly(start, end, steps, include_end=include_end)
    expected = np.linspace(start, end, steps, endpoint=include_end)
    assert got.numel() == steps
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-6, atol=1e-6)


def test_space_evenly_rejects_spacing_passed_as_steps():
    with pytest.raises(TypeError, match=r"expected steps to be an int number of points, got 0.25"):
        space_evenly(0, 1, 0.25)


def test_space_evenly_rejects_zero_points():
    with pytest.raises(ValueError, match="expected at least 1 point, got steps=0"):
        space_evenly(0, 1, 0)


# sample_uniform ------------------------------------------------------------------------------


def test_sample_uniform_range_and_mean():
    x = sample_uniform((20000,), -2.0, 6.0, generator=torch.Generator().manual_seed(1))
    assert x.min() >= -2.0 and x.max() < 6.0
    assert abs(x.mean().item() - 2.0) < 0.1
    # Variance of U(a, b) is (b - a)^2 / 12.
    assert abs(x.var().item() - 64 / 12) < 0.2


def test_sample_uniform_is_reproducible_with_a_seeded_generator():
    a = sample_uniform((5,), generator=torch.Generator().manual_seed(3))
    b = sample_uniform((5,), generator=torch.Generator().manual_seed(3))
    assert torch.equal(a, b)


@pytest.mark.parametrize("low, high", [(1.0, 1.0), (2.0, 1.0), (0.0, float("inf"))])
def test_sample_uniform_rejects_empty_interval(low, high):
    with pytest.raises(ValueError, match="expected low < high, got"):
        sample_uniform((3,), low, high)


def test_sample_uniform_rejects_integer_dtype():
    with pytest.raises(TypeError, match="expected a floating dtype, got torch.int64"):
        sample_uniform((3,), dtype=torch.int64)


# sample_normal -------------------------------------------------------------------------------


def test_sample_normal_number_mean_number_std():
    x = sample_normal(3.0, 2.0, (20000,), generator=torch.Generator().manual_seed(0))
    assert x.shape == (20000,)
    assert abs(x.mean().item() - 3.0) < 0.05
    assert abs(x.std().item() - 2.0) < 0.05


def test_sample_normal_tensor_mean_number_std():
    mean = torch.tensor([-50.0, 0.0, 50.0]).repeat(4000, 1)
    x = sample_normal(mean, 1.0, generator=torch.Generator().manual_seed(0))
    assert x.shape == mean.shape
    np.testing.assert_allclose(x.mean(dim=0).numpy(), [-50.0, 0.0, 50.0], atol=0.1)


def test_sample_normal_number_mean_tensor_std():
    std = torch.tensor([0.5, 5.0]).repeat(20000, 1)
    x = sample_normal(1.0, std, generator=torch.Generator().manual_seed(0))
    np.testing.assert_allclose(x.std(dim=0).numpy(), [0.5, 5.0], rtol=0.03)
    np.testing.assert_allclose(x.mean(dim=0).numpy(), [1.0, 1.0], atol=0.1)


def test_sample_normal_tensor_mean_tensor_std_broadcasts():
    mean = torch.tensor([[0.0], [10.0]])
    std = torch.zeros(3)
    x = sample_normal(mean, std)
    np.testing.assert_array_equal(x.numpy(), np.broadcast_to([[0.0], [10.0]], (2, 3)))


def test_sample_normal_matches_torch_normal_with_same_seed():
    ours = sample_normal(0.0, 1.0, (4,), generator=torch.Generator().manual_seed(5))
    raw = torch.normal(0.0, 1.0, size=(4,), generator=torch.Generator().manual_seed(5))
    assert torch.equal(ours, raw)


@pytest.mark.parametrize(
    "args, kwargs, error, message",
    [
        ((0.0, 1.0), {}, ValueError, "expected size=.* when mean and std are both numbers, got size=None"),
        ((torch.zeros(2), 1.0, (2,)), {}, ValueError, "expected size=None when mean or std is a tensor"),
        ((torch.tensor([1, 2]), 1.0), {}, TypeError, "expected mean to be a floating tensor, got torch.int64"),
        ((0.0, -1.0, (2,)), {}, ValueError, "expected std >= 0, got -1.0"),
        ((0.0, torch.tensor([1.0, -0.5])), {}, ValueError, "expected std >= 0 everywhere, got min -0.5"),
        ((torch.zeros(2, 2), torch.ones(4)), {}, ValueError, r"expected mean and std shapes that broadcast, got \(2, 2\) and \(4,\)"),
        (("0", 1.0, (2,)), {}, TypeError, "expected mean to be a float or a tensor, got str"),
    ],
)
def test_sample_normal_bad_input(args, kwargs, error, message):
    with pytest.raises(error, match=message):
        sample_normal(*args, **kwargs)


# fill_like -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "template, value",
    [(torch.zeros(2, 3), 7), (torch.zeros(4, dtype=torch.float64), 0.5), (torch.ones(2, 2, dtype=torch.int32), 3)],
)
def test_fill_like_matches_numpy_full_like(template, value):
    got = fill_like(template, value)
    assert got.dtype == template.dtype and got.shape == template.shape
    np.testing.assert_array_equal(got.numpy(), np.full_like(template.numpy(), value))


def test_fill_like_dtype_override():
    got = fill_like(torch.tensor([1, 2]), 0.5, dtype=torch.float64)
    assert got.dtype == torch.float64
    np.testing.assert_array_equal(got.numpy(), [0.5, 0.5])


def test_fill_like_accepts_whole_float_for_int_tensor():
    assert torch.equal(fill_like(torch.tensor([1, 2]), 4.0), torch.tensor([4, 4]))


def test_fill_like_rejects_truncating_fill():
    with pytest.raises(TypeError, match="expected a whole-number fill value for a torch.int64 tensor, got 0.5"):
        fill_like(torch.tensor([1, 2]), 0.5)


def test_fill_like_rejects_non_tensor():
    with pytest.raises(TypeError, match="expected a torch.Tensor, got list"):
        fill_like([1, 2], 0)


# shuffle_together ----------------------------------------------------------------------------


def test_shuffle_together_keeps_pairs_and_is_a_permutation():
    x = torch.arange(50).reshape(25, 2)
    y = torch.arange(25) * 2
    xs, ys = shuffle_together(x, y, generator=torch.Generator().manual_seed(0))
    assert torch.equal(xs[:, 0], ys)
    assert torch.equal(torch.sort(ys).values, y)
    assert not torch.equal(ys, y)


def test_shuffle_together_is_reproducible():
    x = torch.arange(10)
    (a,) = shuffle_together(x, generator=torch.Generator().manual_seed(4))
    (b,) = shuffle_together(x, generator=torch.Generator().manual_seed(4))
    assert torch.equal(a, b)


@pytest.mark.parametrize(
    "tensors, error, message",
    [
        ((torch.zeros(4, 2), torch.zeros(3)), ValueError, "expected every tensor to have 4 rows like the first, got 3"),
        ((torch.zeros(4), [0, 1, 2, 3]), TypeError, "expected torch.Tensor arguments, got list for argument 1"),
        ((torch.tensor(1.0),), ValueError, "expected tensors with at least 1 dimension, got a 0-D tensor"),
        ((), ValueError, "expected at least one tensor, got none"),
        ((torch.zeros(3), torch.zeros(3, device="meta")), ValueError, "expected every tensor on cpu like the first, got meta"),
    ],
)
def test_shuffle_together_bad_input(tensors, error, message):
    with pytest.raises(error, match=message):
        shuffle_together(*tensors)


# copy_tensor ---------------------------------------------------------------------------------


def test_copy_tensor_is_independent_and_outside_the_graph():
    w = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    c = copy_tensor(w)
    assert torch.equal(c, w.detach()) and c.dtype == w.dtype
    assert c.data_ptr() != w.data_ptr()
    assert not c.requires_grad and c.grad_fn is None
    c += 1
    assert w[0, 0].item() == 1.0


def test_copy_tensor_with_requires_grad_is_a_new_leaf():
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    c = copy_tensor(w * 2, requires_grad=True)
    assert c.is_leaf and c.requires_grad
    (c**2).sum().backward()
    assert c.grad.tolist() == [4.0, 8.0] and w.grad is None


def test_copy_tensor_keeps_a_non_contiguous_layout_values():
    t = torch.arange(6).reshape(2, 3).t()
    np.testing.assert_array_equal(copy_tensor(t).numpy(), t.numpy())


def test_torch_tensor_of_a_tensor_warns_and_clone_stays_in_the_graph():
    w = torch.tensor([1.0], requires_grad=True)
    with pytest.warns(UserWarning, match="detach\\(\\).clone\\(\\)"):
        torch.tensor(w)
    assert w.clone().grad_fn is not None


@pytest.mark.parametrize(
    "t, kwargs, error, message",
    [
        ([1.0, 2.0], {}, TypeError, "expected a torch.Tensor, got list; use make_tensor"),
        (np.zeros(2), {}, TypeError, "expected a torch.Tensor, got ndarray"),
        (torch.tensor([1, 2]), {"requires_grad": True}, TypeError, "expected a floating dtype .*got torch.int64"),
    ],
)
def test_copy_tensor_bad_input(t, kwargs, error, message):
    with pytest.raises(error, match=message):
        copy_tensor(t, **kwargs)
