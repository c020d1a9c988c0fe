import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression
from torch import nn

from recipes.modules import predict
from recipes.regression_manual import fit_least_squares, mse_loss, predict_linear
from recipes.regression_nn import (
    LogisticRegression,
    accuracy,
    make_classification_data,
    make_logistic_sequential,
    train_linear_regression_nn,
    train_logistic_regression,
    train_with_sgd,
)


@pytest.fixture(scope="module")
def blobs():
    return make_classification_data(n_samples=200, random_state=0)


def test_nn_training_recovers_coefficients_and_reaches_least_squares_floor(split):
    X_train, y_train, X_test, y_test, coef, bias = split
    fit = train_linear_regression_nn(X_train, y_train)
    w_ls, b_ls = fit_least_squares(X_train, y_train)
    floor = mse_loss(predict_linear(X_test, w_ls, b_ls), y_test).item()
    mse = mse_loss(predict_linear(X_test, fit.weights, fit.bias), y_test).item()
    assert mse <= 1.05 * floor
    assert (fit.weights - coef).abs().max().item() < 1.5
    assert (fit.weights - w_ls).abs().max().item() < 0.2
    assert abs(fit.bias.item() - bias.item()) < 1.5
    assert fit.weights.shape == (5,) and fit.bias.shape == ()
    assert fit.losses[-1] < fit.losses[0] / 10


def test_train_with_sgd_updates_after_backward_and_clears_gradients():
    X = torch.tensor([[1.0], [2.0]])
    y = torch.tensor([1.0, 2.0])
    model = nn.Linear(1, 1)
    with torch.no_grad():
        model.weight.fill_(0.0)
        model.bias.fill_(0.0)
    train_with_sgd(model, X, y, nn.MSELoss(), lr=0.1, epochs=1, batch_size=2)
    # One full-batch step from zero: dL/dw = -mean(2 * x * y) = -5, dL/db = -mean(2 * y) = -3.
    assert model.weight.item() == pytest.approx(0.5)
    assert model.bias.item() == pytest.approx(0.3)
    assert all(p.grad is None or not p.grad.any() for p in model.parameters())


@pytest.mark.parametrize("build", [LogisticRegression, make_logistic_sequential])
def test_logistic_regression_separates_classes(blobs, build):
    X, y = blobs
    torch.manual_seed(0)
    model = build(2)
    losses = train_logistic_regression(model, X, y)
    acc = accuracy(predict(model, X).squeeze(1), y)
    reference = SklearnLogisticRegression().fit(X.numpy(), y.numpy()).score(X.numpy(), y.numpy())
    assert acc >= 0.9
    assert acc >= reference - 0.02
    assert losses[-1] < 0.5 * losses[0]
    # BCE goes down: the last five epochs average lower than the first five.
    assert np.mean(losses[-5:]) < np.mean(losses[:5])


def test_module_and_sequential_are_the_same_model(blobs):
    X, y = blobs
    torch.manual_seed(0)
    module = LogisticRegression(2)
    sequential = make_logistic_sequential(2)
    sequential[0].load_state_dict(module.linear.state_dict())
    assert torch.allclose(module(X), sequential(X))
    assert train_logistic_regression(module, X, y, epochs=5) == pytest.approx(
        train_logistic_regression(sequential, X, y, epochs=5)
    )


def test_bce_matches_manual_formula(blobs):
    X, y = blobs
    torch.manual_seed(0)
    model = make_logistic_sequential(2)
    p = predict(model, X).squeeze(1).double()
    manual = -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()
    assert nn.BCELoss()(p, y.double()).item() == pytest.approx(manual.item())


def test_accuracy_matches_numpy():
    rng = np.random.default_rng(0)
    probs, labels = rng.uniform(size=50), rng.integers(0, 2, size=50)
    expected = np.mean((probs >= 0.5) == labels)
    assert accuracy(torch.tensor(probs), torch.tensor(labels, dtype=torch.float64)) == pytest.approx(expected)


# Bad input: each message says what was expected and what came.


def test_nn_training_rejects_nan_targets():
    X = torch.zeros(3, 2)
    with pytest.raises(ValueError, match="expected finite values in y, got 1 NaN/inf"):
        train_linear_regression_nn(X, torch.tensor([0.0, float("nan"), 1.0]))


def test_nn_training_rejects_integer_features():
    with pytest.raises(TypeError, match="expected X to have a floating dtype, got torch.int64"):
        train_linear_regression_nn(torch.zeros(3, 2, dtype=torch.int64), torch.zeros(3))


def test_nn_training_rejects_column_target():
    with pytest.raises(ValueError, match=r"expected y to be a 1-D tensor of shape \(3,\), got shape \(3, 1\)"):
        train_linear_regression_nn(torch.zeros(3, 2), torch.zeros(3, 1))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"lr": -0.5}, "expected lr > 0, got -0.5"), ({"batch_size": 0}, "expected batch_size >= 1, got 0")],
)
def test_nn_training_rejects_bad_hyperparameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        train_linear_regression_nn(torch.zeros(3, 2), torch.zeros(3), **kwargs)


def test_logistic_training_rejects_non_binary_labels(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="expected labels 0.0 or 1.0 in y, got -1.0"):
        train_logistic_regression(make_logistic_sequential(2), X, y - 1)


def test_training_rejects_model_with_wrong_output_shape(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match=r"expected the model to return shape \(32, 1\), got \(32, 2\)"):
        train_with_sgd(nn.Linear(2, 2), X, y, nn.MSELoss(), lr=0.1, epochs=1, batch_size=32)


def test_accuracy_rejects_column_predictions():
    with pytest.raises(ValueError, match=r"same shape, got \(4, 1\) and \(4,\)"):
        accuracy(torch.zeros(4, 1), torch.zeros(4))


@pytest.mark.parametrize("build", [LogisticRegression, make_logistic_sequential])
def test_logistic_models_reject_zero_features(build):
    with pytest.raises(ValueError, match="expected n_features >= 1, got 0"):
        build(0)
