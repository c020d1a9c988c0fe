import numpy as np
import pytest
import torch

from recipes.autograd import (
    compute_grad,
    compute_hessian,
    compute_vjp,
    keep_grad,
    measure_grad_norm,
    read_grad,
    zero_grads,
)


def f_quartic(x):
    return (x**4).sum() + x[0] * x[1] ** 2 - torch.sin(x[2])


def numeric_grad(fn, x, eps=1e-6):
    """Central differences in float64, independent of autograd."""
    x = x.double()
    out = torch.zeros_like(x)
    for i in range(len(x)):
        step = torch.zeros_like(x)
        step[i] = eps
        out[i] = (fn(x + step) - fn(x - step)) / (2 * eps)
    return out


def test_compute_grad_matches_finite_differences():
    x = torch.tensor([0.5, -1.2, 2.0], dtype=torch.float64)
    np.testing.assert_allclose(compute_grad(f_quartic, x).numpy(), numeric_grad(f_quartic, x).numpy(), rtol=1e-6)


def test_compute_grad_leaves_input_untouched():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    x.grad = torch.tensor([10.0, 10.0])
    grad = compute_grad(lambda t: (t**2).sum(), x)
    assert torch.equal(grad, torch.tensor([2.0, 4.0]))
    assert torch.equal(x.grad, torch.tensor([10.0, 10.0]))


def test_compute_vjp_equals_backward_with_gradient_and_jacobian_product():
    def fn(t):
        return torch.stack([t[0] * t[1], t[1] ** 2, torch.exp(t[0])])

    x = torch.tensor([0.3, -0.7], dtype=torch.float64)
    v = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
    jacobian = torch.autograd.functional.jacobian(fn, x)
    expected = v @ jacobian
    assert torch.allclose(compute_vjp(fn, x, v), expected)
    leaf = x.clone().requires_grad_(True)
    fn(leaf).backward(gradient=v)
    assert torch.allclose(leaf.grad, expected)


def test_backward_on_a_vector_needs_gradient():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        (x * 3).backward()


def test_compute_hessian_matches_torch_functional_hessian():
    x = torch.tensor([0.5, -1.2, 2.0], dtype=torch.float64)
    expected = torch.autograd.functional.hessian(f_quartic, x)
    assert torch.allclose(compute_hessian(f_quartic, x), expected)


def test_compute_hessian_of_a_linear_function_is_zero():
    assert torch.equal(compute_hessian(lambda t: (3 * t).sum(), torch.ones(3)), torch.zeros(3, 3))


def test_gradients_accumulate_until_zeroed():
    w = torch.tensor([1.0, -1.0], requires_grad=True)
    for _ in range(3):
        (w**2).sum().backward()
    assert torch.equal(w.grad, 3 * torch.tensor([2.0, -2.0]))
    zero_grads([w], set_to_none=False)
    assert torch.equal(w.grad, torch.zeros(2))
    (w**2).sum().backward()
    assert torch.equal(w.grad, torch.tensor([2.0, -2.0]))
    zero_grads([w])
    assert w.grad is None


def test_zero_grads_in_place_keeps_the_same_tensor():
    w = torch.ones(2, requires_grad=True)
    w.sum().backward()
    before = w.grad
    zero_grads([w], set_to_none=False)
    assert w.grad is before


def test_measure_grad_norm_matches_numpy_and_clip():
    a = torch.zeros(3, requires_grad=True)
    b = torch.zeros(2, 2, requires_grad=True)
    a.grad = torch.tensor([1.0, -2.0, 3.0])
    b.grad = torch.tensor([[4.0, 0.0], [-1.0, 2.0]])
    expected = np.sqrt(1 + 4 + 9 + 16 + 1 + 4)
    assert measure_grad_norm([a, b]).item() == pytest.approx(expected)
    returned = torch.nn.utils.clip_grad_norm_([a, b], max_norm=1.0)
    assert returned.item() == pytest.approx(expected)
    assert measure_grad_norm([a, b]).item() == pytest.approx(1.0, abs=1e-5)


def test_detach_shares_memory_and_stops_tracking():
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    d = w.detach()
    assert not d.requires_grad and d.grad_fn is None
    assert d.data_ptr() == w.data_ptr()
    with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad"):
        w.numpy()
    np.testing.assert_array_equal(w.detach().numpy(), [1.0, 2.0])


def test_no_grad_context_and_decorator_record_nothing():
    w = torch.ones(2, requires_grad=True)
    with torch.no_grad():
        inside = w * 2
    assert not inside.requires_grad

    @torch.no_grad()
    def double(t):
        return t * 2

    assert not double(w).requires_grad
    assert (w * 2).requires_grad


def test_in_place_update_of_leaf_needs_no_grad():
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    w.grad = torch.ones(2)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad is being used in an in-place operation"):
        w -= 0.1 * w.grad
    with torch.no_grad():
        w -= 0.1 * w.grad
    assert torch.allclose(w, torch.tensor([0.9, 1.9])) and w.is_leaf


def test_data_bypasses_version_check_but_no_grad_does_not():
    w = torch.tensor([3.0], requires_grad=True)
    loss = (w**2).sum()
    w.data -= 1.0
    loss.backward()
    # The stale graph silently used the new value: 2 * 2 instead of 2 * 3.
    assert w.grad.item() == pytest.approx(4.0)

    w = torch.tensor([3.0], requires_grad=True)
    loss = (w**2).sum()
    with torch.no_grad():
        w -= 1.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


# Bad input: each message says what was expected and what came.


def test_compute_grad_rejects_vector_output():
    with pytest.raises(ValueError, match=r"expected fn to return a scalar, got shape \(3,\)"):
        compute_grad(lambda t: t * 2, torch.ones(3))


def test_compute_grad_rejects_integer_input():
    with pytest.raises(TypeError, match="expected a floating dtype .* got torch.int64"):
        compute_grad(lambda t: t.sum(), torch.arange(3))


def test_compute_grad_rejects_non_tensor():
    with pytest.raises(TypeError, match="expected a torch.Tensor, got list"):
        compute_grad(lambda t: t.sum(), [1.0, 2.0])


def test_compute_vjp_rejects_wrong_weight_shape():
    with pytest.raises(ValueError, match=r"expected v of the output's shape \(2, 2\), got shape \(4,\)"):
        compute_vjp(lambda t: t * 2, torch.ones(2, 2), torch.ones(4))


def test_compute_hessian_rejects_matrix_input():
    with pytest.raises(ValueError, match=r"expected a 1-D tensor x, got shape \(2, 2\)"):
        compute_hessian(lambda t: t.sum(), torch.ones(2, 2))


def test_compute_hessian_rejects_vector_output():
    with pytest.raises(ValueError, match=r"expected fn to return a scalar, got shape \(2,\)"):
        compute_hessian(lambda t: t**2, torch.ones(2))


# keep_grad / read_grad -------------------------------------------------------------------------


def test_keep_grad_gives_the_intermediate_gradient_autograd_grad_computes():
    x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    hidden = keep_grad(torch.tanh(x) * 2)
    (hidden**3).sum().backward()
    h = torch.tanh(x.detach()) * 2
    torch.testing.assert_close(read_grad(hidden), 3 * h**2)
    x2 = x.detach().requires_grad_(True)
    hidden2 = torch.tanh(x2) * 2
    (expected,) = torch.autograd.grad((hidden2**3).sum(), hidden2)
    torch.testing.assert_close(read_grad(hidden), expected)
    assert keep_grad(x) is x


def test_read_grad_raises_where_dot_grad_only_warns():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.sum().backward()
    with pytest.warns(UserWarning, match="not a leaf Tensor"):
        assert y.grad is None
    with pytest.raises(ValueError, match="got a non-leaf made by MulBackward0"):
        read_grad(y)


@pytest.mark.parametrize(
    "t, error, message",
    [
        (torch.tensor([1.0]), ValueError, "expected a tensor that requires grad, got one with requires_grad=False"),
        (torch.tensor([1.0], requires_grad=True), ValueError, "expected a gradient, got None"),
        ([1.0], TypeError, "expected a torch.Tensor, got list"),
    ],
)
def test_read_grad_bad_input(t, error, message):
    with pytest.raises(error, match=message):
        read_grad(t)


def test_keep_grad_bad_input():
    with pytest.raises(ValueError, match="expected a tensor that requires grad"):
        keep_grad(torch.ones(2) * 2)
    with pytest.raises(TypeError, match="expected a torch.Tensor, got float"):
        keep_grad(1.0)
