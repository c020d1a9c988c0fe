import numpy as np
import pytest
import torch

from recipes.regression_manual import (
    check_training_data,
    fit_least_squares,
    iterate_minibatches,
    make_regression_data,
    mse_loss,
    predict_linear,
    sgd_step,
    train_linear_regression,
)


def held_out_mse(X, y, weights, bias):
    return mse_loss(predict_linear(X, weights, bias), y).item()


def test_make_regression_data_matches_sklearn_coefficients():
    X, y, coef, bias = make_regression_data(n_samples=50, n_features=3, noise=0.0, bias=2.0, random_state=1)
    assert X.dtype == y.dtype == coef.dtype == torch.float32
    # With no noise, y is exactly X @ coef + bias.
    np.testing.assert_allclose((X @ coef + bias).numpy(), y.numpy(), rtol=1e-4, atol=1e-3)


def test_minibatches_cover_every_sample_once_and_keep_rows_paired():
    X = torch.arange(23.0).reshape(23, 1) * 10
    y = torch.arange(23.0)
    batches = list(iterate_minibatches(X, y, batch_size=5, generator=torch.Generator().manual_seed(3)))
    assert [len(yb) for _, yb in batches] == [5, 5, 5, 5, 3]
    seen = torch.cat([yb for _, yb in batches])
    assert sorted(seen.tolist()) == y.tolist()
    assert not torch.equal(seen, y), "expected a shuffled order"
    for xb, yb in batches:
        assert torch.equal(xb[:, 0], yb * 10)


def test_minibatches_are_reproducible_with_a_seeded_generator():
    X, y = torch.randn(30, 2), torch.randn(30)
    first = [yb for _, yb in iterate_minibatches(X, y, 7, torch.Generator().manual_seed(5))]
    second = [yb for _, yb in iterate_minibatches(X, y, 7, torch.Generator().manual_seed(5))]
    assert all(torch.equal(a, b) for a, b in zip(first, second))


def test_minibatches_without_shuffle_keep_order():
    X, y = torch.randn(6, 2), torch.arange(6.0)
    seen = torch.cat([yb for _, yb in iterate_minibatches(X, y, 4, shuffle=False)])
    assert torch.equal(seen, y)


def test_mse_loss_matches_numpy():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=17), rng.normal(size=17)
    got = mse_loss(torch.tensor(a), torch.tensor(b)).item()
    assert got == pytest.approx(np.mean((a - b) ** 2))


def test_sgd_step_moves_against_the_gradient_and_keeps_leaves():
    w = torch.tensor([1.0, -2.0], requires_grad=True)
    b = torch.tensor(0.5, requires_grad=True)
    (3 * w.sum() + b**2).backward()
    sgd_step([w, b], lr=0.1)
    assert torch.allclose(w, torch.tensor([0.7, -2.3]))
    assert b.item() == pytest.approx(0.4)
    assert w.is_leaf and w.requires_grad and w.grad_fn is None


def test_sgd_step_keeps_autograd_version_check():
    # The no_grad update bumps the version counter, so a stale graph cannot be back-propagated
    # silently (a .data update would give a wrong gradient instead).
    w = torch.tensor([2.0], requires_grad=True)
    y = (w**2).sum()
    w.grad = torch.ones(1)
    sgd_step([w], lr=0.1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_least_squares_matches_numpy():
    X, y, _, _ = make_regression_data(n_samples=100, n_features=4, noise=5.0, random_state=2)
    w, b = fit_least_squares(X, y)
    design = np.hstack([X.numpy().astype(np.float64), np.ones((100, 1))])
    expected = np.linalg.lstsq(design, y.numpy().astype(np.float64), rcond=None)[0]
    np.testing.assert_allclose(w.numpy(), expected[:-1], rtol=1e-4, atol=1e-4)
    assert b.item() == pytest.approx(expected[-1], abs=1e-4)


def test_training_recovers_coefficients_and_reaches_least_squares_floor(split):
    X_train, y_train, X_test, y_test, coef, bias = split
    fit = train_linear_regression(X_train, y_train)
    w_ls, b_ls = fit_least_squares(X_train, y_train)
    floor = held_out_mse(X_test, y_test, w_ls, b_ls)
    mse = held_out_mse(X_test, y_test, fit.weights, fit.bias)
    assert mse <= 1.05 * floor
    # With noise 10 and 800 samples, least squares itself is about 0.5 off; SGD must match it closely.
    assert (fit.weights - coef).abs().max().item() < 1.5
    assert (fit.weights - w_ls).abs().max().item() < 0.2
    assert abs(fit.bias.item() - bias.item()) < 1.5
    assert len(fit.losses) == 25
    assert fit.losses[-1] < fit.losses[0] / 10
    # The training loss settles near the noise variance (10 ** 2), not far below or above it.
    assert 80 < fit.losses[-1] < 120


def test_training_is_repeatable_for_a_seed(split):
    X_train, y_train, *_ = split
    a = train_linear_regression(X_train, y_train, epochs=3, seed=7)
    b = train_linear_regression(X_train, y_train, epochs=3, seed=7)
    assert torch.equal(a.weights, b.weights) and a.losses == b.losses


def test_training_returns_tensors_without_graph(split):
    X_train, y_train, *_ = split
    fit = train_linear_regression(X_train, y_train, epochs=1)
    assert not fit.weights.requires_grad and not fit.bias.requires_grad
    assert fit.weights.shape == (5,) and fit.bias.shape == ()


def test_divergent_learning_rate_is_reported(split):
    X_train, y_train, *_ = split
    with pytest.raises(ValueError, match="expected training to converge"):
        train_linear_regression(X_train, y_train, lr=10.0, epochs=20)


# Bad input: each message says what was expected and what came.


@pytest.mark.parametrize(
    ("X", "y", "error", "match"),
    [
        (torch.zeros(4), torch.zeros(4), ValueError, r"expected X to be a 2-D tensor .* got shape \(4,\)"),
        (torch.zeros(4, 2), torch.zeros(3), ValueError, r"expected y .* shape \(4,\), got shape \(3,\)"),
        (torch.zeros(4, 2), torch.zeros(4, 1), ValueError, r"shape \(4,\), got shape \(4, 1\)"),
        (torch.zeros(4, 2, dtype=torch.int64), torch.zeros(4), TypeError, "X to have a floating dtype, got torch.int64"),
        (torch.zeros(4, 2), torch.zeros(4, dtype=torch.int32), TypeError, "y to have a floating dtype, got torch.int32"),
        (np.zeros((4, 2)), torch.zeros(4), TypeError, "expected X to be a torch.Tensor, got ndarray"),
        (torch.tensor([[1.0], [float("inf")]]), torch.zeros(2), ValueError, "finite values in X, got 1 NaN/inf"),
        (torch.zeros(2, 1), torch.tensor([0.0, float("nan")]), ValueError, "finite values in y, got 1 NaN/inf"),
        (torch.zeros(0, 2), torch.zeros(0), ValueError, "expected at least one sample"),
    ],
)
def test_bad_training_data_is_rejected(X, y, error, match):
    with pytest.raises(error, match=match):
        check_training_data(X, y)
    with pytest.raises(error, match=match):
        train_linear_regression(X, y)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"lr": 0.0}, "expected lr > 0, got 0.0"),
        ({"lr": float("nan")}, "expected lr > 0, got nan"),
        ({"batch_size": 0}, "expected batch_size >= 1, got 0"),
        ({"epochs": 0}, "expected epochs >= 1, got 0"),
    ],
)
def test_bad_hyperparameters_are_rejected(kwargs, match):
    with pytest.raises(ValueError, match=match):
        train_linear_regression(torch.zeros(4, 2), torch.zeros(4), **kwargs)


def test_mse_loss_rejects_broadcasting_shapes():
    with pytest.raises(ValueError, match=r"same shape, got \(5, 1\) and \(5,\)"):
        mse_loss(torch.zeros(5, 1), torch.zeros(5))


def test_sgd_step_rejects_missing_gradient_and_bad_lr():
    w = torch.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="got None for parameter 0"):
        sgd_step([w], lr=0.1)
    w.grad = torch.ones(2)
    with pytest.raises(ValueError, match="expected lr > 0, got -1"):
        sgd_step([w], lr=-1)


def test_minibatches_reject_mismatched_rows():
    with pytest.raises(ValueError, match="same number of rows, got 5 and 4"):
        next(iterate_minibatches(torch.zeros(5, 2), torch.zeros(4), batch_size=2))


def test_make_regression_data_rejects_bad_sizes():
    with pytest.raises(ValueError, match="expected n_features >= 1, got 0"):
        make_regression_data(n_features=0)
    with pytest.raises(ValueError, match="expected noise >= 0, got -1"):
        make_regression_data(noise=-1)
