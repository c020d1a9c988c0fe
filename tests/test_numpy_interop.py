import numpy as np
import pytest
import torch

from recipes.numpy_interop import as_scalar, copy_from_numpy, shares_memory, to_numpy, wrap_numpy


# to_numpy ------------------------------------------------------------------------------------


def test_to_numpy_shares_memory_with_cpu_tensor():
    t = torch.tensor([1.0, 2.0, 3.0])
    a = to_numpy(t)
    a[0] = 50.0
    assert t[0].item() == 50.0
    t[1] = -1.0
    assert a[1] == -1.0


def test_to_numpy_copy_breaks_sharing():
    t = torch.tensor([1, 2, 3])
    a = to_numpy(t, copy=True)
    a[0] = 50
    assert t[0].item() == 1
    assert not np.shares_memory(a, t.numpy())


@pytest.mark.parametrize(
    "dtype, np_dtype",
    [(torch.float32, np.float32), (torch.float64, np.float64), (torch.int32, np.int32), (torch.int64, np.int64),
     (torch.uint8, np.uint8), (torch.bool, np.bool_), (torch.float16, np.float16)],
)
def test_to_numpy_keeps_dtype(dtype, np_dtype):
    assert to_numpy(torch.zeros(2, dtype=dtype)).dtype == np_dtype


def test_to_numpy_detach_on_request():
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    np.testing.assert_array_equal(to_numpy(w * 2, detach=True), [2.0, 4.0])


def test_to_numpy_resolves_conjugate_views():
    z = torch.tensor([1 + 2j, 3 - 1j])
    np.testing.assert_array_equal(to_numpy(z.conj()), np.conj(np.array([1 + 2j, 3 - 1j])))


def test_to_numpy_refuses_tensor_requiring_grad():
    with pytest.raises(ValueError, match="expected a tensor that does not require grad, got requires_grad=True"):
        to_numpy(torch.ones(2, requires_grad=True))


def test_to_numpy_refuses_bfloat16():
    with pytest.raises(TypeError, match="expected a dtype NumPy supports, got torch.bfloat16"):
        to_numpy(torch.ones(2, dtype=torch.bfloat16))


def test_to_numpy_refuses_meta_tensor():
    with pytest.raises(ValueError, match="expected a tensor with data, got a tensor on the meta device"):
        to_numpy(torch.ones(2, device="meta"))


def test_to_numpy_refuses_non_tensor():
    with pytest.raises(TypeError, match="expected a torch.Tensor, got list"):
        to_numpy([1, 2])


# wrap_numpy ----------------------------------------------------------------------------------


@pytest.mark.parametrize("np_dtype", [np.int32, np.int64, np.float32, np.float64, np.uint8, np.bool_])
def test_wrap_numpy_keeps_dtype_and_shares_both_ways(np_dtype):
    a = np.zeros((2, 3), dtype=np_dtype)
    t = wrap_numpy(a)
    assert t.numpy().dtype == a.dtype
    t[0, 0] = 1
    assert a[0, 0] == 1
    a[1, 2] = 1
    assert t[1, 2].item() == 1


def test_wrap_numpy_of_default_int_array_follows_platform_int():
    a = np.array([1, 2, 3])
    assert wrap_numpy(a).numpy().dtype == np.dtype(int)


def test_wrap_numpy_refuses_list():
    with pytest.raises(TypeError, match="expected a numpy.ndarray, got list"):
        wrap_numpy([1, 2, 3])


def test_wrap_numpy_refuses_negative_strides():
    with pytest.raises(ValueError, match=r"expected an array without negative strides, got strides \(-8,\)"):
        wrap_numpy(np.arange(4, dtype=np.int64)[::-1])


def test_wrap_numpy_refuses_read_only_array():
    with pytest.raises(ValueError, match="expected a writeable array, got a read-only one"):
        wrap_numpy(np.broadcast_to(np.arange(3), (2, 3)))


def test_wrap_numpy_refuses_object_dtype():
    with pytest.raises(TypeError, match="expected a numeric or bool NumPy dtype, got <U1"):
        wrap_numpy(np.array(["a", "b"]))


# copy_from_numpy -----------------------------------------------------------------------------


def test_copy_from_numpy_does_not_share():
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    t = copy_from_numpy(a)
    assert t.dtype == torch.float64
    t[0, 0] = 10.0
    a[1, 1] = 40.0
    assert a[0, 0] == 1.0 and t[1, 1].item() == 4.0
    assert not shares_memory(t, a)


def test_copy_from_numpy_handles_negative_strides():
    a = np.arange(5)
    np.testing.assert_array_equal(copy_from_numpy(a[::-1]).numpy(), a[::-1])


def test_copy_from_numpy_casts_losslessly():
    t = copy_from_numpy(np.array([1, 2, 3], dtype=np.int32), dtype=torch.int64)
    assert t.dtype == torch.int64
    np.testing.assert_array_equal(t.numpy(), [1, 2, 3])


def test_copy_from_numpy_refuses_lossy_cast():
    with pytest.raises(ValueError, match="expected whole finite numbers to cast to torch.int64, got 0.5"):
        copy_from_numpy(np.array([0.5, 1.0]), dtype=torch.int64)


def test_copy_from_numpy_refuses_list_and_strings():
    with pytest.raises(TypeError, match="expected a numpy.ndarray, got list"):
        copy_from_numpy([1, 2])
    with pytest.raises(TypeError, match="expected a numeric or bool NumPy dtype, got <U"):
        copy_from_numpy(np.array(["x"]))


# as_scalar -----------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(), (1,), (1, 1), (1, 1, 1)])
def test_as_scalar_any_one_element_shape(shape):
    assert as_scalar(torch.full(shape, 7)) == 7
    assert type(as_scalar(torch.full(shape, 7))) is int
    assert type(as_scalar(torch.full(shape, 2.5))) is float
    assert as_scalar(torch.full(shape, True)) is True


def test_as_scalar_works_on_tensor_requiring_grad():
    loss = (torch.tensor([3.0], requires_grad=True) ** 2).sum()
    assert as_scalar(loss) == pytest.approx(9.0)


@pytest.mark.parametrize("shape, n", [((2, 3), 6), ((0,), 0), ((2,), 2)])
def test_as_scalar_refuses_other_sizes(shape, n):
    with pytest.raises(ValueError, match=rf"expected a tensor with exactly one element, got shape .* with {n} elements"):
        as_scalar(torch.zeros(shape))


def test_as_scalar_refuses_python_number():
    with pytest.raises(TypeError, match="expected a torch.Tensor, got float"):
        as_scalar(1.0)


# shares_memory -------------------------------------------------------------------------------


def test_shares_memory_agrees_with_numpy():
    a = np.arange(10.0)
    cases = [
        (torch.from_numpy(a), True),
        (torch.from_numpy(a).clone(), False),
        (torch.tensor(a), False),
        (torch.from_numpy(a)[5:], True),
    ]
    for t, expected in cases:
        assert shares_memory(t, a) is expected
        assert np.shares_memory(t.numpy(), a) == expected


def test_shares_memory_disjoint_slices_of_one_buffer():
    a = np.arange(10.0)
    t = torch.from_numpy(a)
    assert shares_memory(t[:5], a[5:]) is np.shares_memory(t[:5].numpy(), a[5:]) is False
    assert shares_memory(t[:6], a[5:]) is True


def test_shares_memory_refuses_list():
    with pytest.raises(TypeError, match="expected a numpy.ndarray, got list"):
        shares_memory(torch.zeros(2), [0.0, 0.0])
