import pytest
import torch
from torch import nn

from recipes.modules import (
    MLP,
    count_parameters,
    freeze,
    list_parameters,
    lookup_embeddings,
    lstm_output_shapes,
    predict,
)


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


def test_mlp_output_shape_and_parameter_count():
    model = MLP(10, [20, 20], 1)
    assert model(torch.randn(5, 10)).shape == (5, 1)
    expected = (10 * 20 + 20) + (20 * 20 + 20) + (20 * 1 + 1)
    assert count_parameters(model) == expected


def test_mlp_with_batch_norm_registers_its_parameters():
    model = MLP(4, [8], 2, dropout=0.1, batch_norm=True)
    kinds = [type(layer) for layer in model.layers]
    assert kinds == [nn.Linear, nn.BatchNorm1d, nn.ReLU, nn.Dropout, nn.Linear]
    assert count_parameters(model) == (4 * 8 + 8) + 2 * 8 + (8 * 2 + 2)


def test_mlp_rejects_wrong_input_width_and_bad_config():
    model = MLP(4, [8], 1)
    with pytest.raises(ValueError, match=r"expected input of shape \(batch, 4\), got \(5, 3\)"):
        model(torch.randn(5, 3))
    with pytest.raises(ValueError, match="expected dropout in"):
        MLP(4, [8], 1, dropout=1.0)
    with pytest.raises(ValueError, match="expected positive int layer sizes"):
        MLP(4, [0], 1)


def test_count_parameters_counts_shared_parameters_once():
    shared = nn.Linear(3, 3)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert count_parameters(model) == 12
    assert count_parameters(model) == sum(p.numel() for p in shared.parameters())


def test_count_parameters_rejects_non_module():
    with pytest.raises(TypeError, match="expected model to be an nn.Module, got list"):
        count_parameters([nn.Linear(2, 2)])


def test_list_parameters_agrees_with_named_parameters():
    model = MLP(3, [4], 2)
    rows = list_parameters(model)
    named = dict(model.named_parameters())
    assert [name for name, _, _ in rows] == list(named)
    for name, shape, trainable in rows:
        assert shape == tuple(named[name].shape)
        assert trainable is True
    assert sum(torch.Size(shape).numel() for _, shape, _ in rows) == count_parameters(model)


def test_freeze_by_prefix_stops_gradients_only_there():
    model = nn.Sequential()
    model.add_module("fc1", nn.Linear(3, 3))
    model.add_module("fc10", nn.Linear(3, 1))
    assert freeze(model, ["fc1"]) == ["fc1.weight", "fc1.bias"]
    assert count_parameters(model, trainable_only=True) == 4
    model(torch.randn(2, 3)).sum().backward()
    assert model.fc1.weight.grad is None
    assert model.fc10.weight.grad is not None


def test_freeze_everything_leaves_nothing_trainable():
    model = nn.Linear(2, 1)
    assert freeze(model) == ["weight", "bias"]
    assert count_parameters(model, trainable_only=True) == 0
    assert count_parameters(model) == 3
    assert not model(torch.ones(1, 2)).requires_grad


def test_training_step_updates_only_unfrozen_layers():
    model = nn.Sequential(nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 1))
    freeze(model, ["0"])
    before = [p.clone() for p in model.parameters()]
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    model(torch.randn(8, 3)).pow(2).mean().backward()
    optimizer.step()
    changed = [not torch.equal(p, old) for p, old in zip(model.parameters(), before)]
    assert changed == [False, False, True, True]


def test_freeze_rejects_unknown_prefix_and_bare_string():
    model = nn.Sequential(nn.Linear(2, 2))
    with pytest.raises(ValueError, match="got no match for 'fc1'; names: 0.weight, 0.bias"):
        freeze(model, ["fc1"])
    with pytest.raises(TypeError, match="expected an iterable of name prefixes"):
        freeze(model, "0")
    assert count_parameters(model, trainable_only=True) == 6


def test_predict_turns_off_dropout_and_keeps_batchnorm_stats():
    model = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4), nn.Dropout(0.5))
    x = torch.randn(8, 4)
    mean_before = model[1].running_mean.clone()
    out = predict(model, x)
    assert torch.equal(model[1].running_mean, mean_before)
    assert model.training and all(m.training for m in model.modules())
    with torch.no_grad():
        model.eval()
        expected = model(x)
    torch.testing.assert_close(out, expected)
    assert not out.requires_grad


def test_predict_restores_per_module_modes():
    model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5))
    model[1].eval()
    predict(model, torch.ones(1, 2))
    assert model.training
    assert not model[1].training


def test_lookup_embeddings_matches_weight_rows():
    embedding = nn.Embedding(10, 4)
    indices = torch.tensor([[0, 9], [3, 3]])
    out = lookup_embeddings(embedding, indices)
    assert out.shape == (2, 2, 4)
    torch.testing.assert_close(out, embedding.weight[indices])
    torch.testing.assert_close(lookup_embeddings(embedding, indices.int()), out)


def test_lookup_embeddings_rejects_out_of_range_and_float_indices():
    embedding = nn.Embedding(5, 2)
    message = r"expected indices in 0..4 .* 5 rows, got 7 at position \(1, 0\)"
    with pytest.raises(ValueError, match=message):
        lookup_embeddings(embedding, torch.tensor([[1, 2], [7, 0]]))
    with pytest.raises(ValueError, match="got -1 at position"):
        lookup_embeddings(embedding, torch.tensor([-1]))
    with pytest.raises(TypeError, match="expected integer indices .* got torch.float32"):
        lookup_embeddings(embedding, torch.tensor([1.0]))


@pytest.mark.filterwarnings("ignore:LSTM with projections")
@pytest.mark.parametrize("batch_first", [True, False])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("num_layers", [1, 3])
@pytest.mark.parametrize("proj_size", [0, 4])
def test_lstm_output_shapes_match_a_real_forward_pass(batch_first, bidirectional, num_layers, proj_size):
    lstm = nn.LSTM(
        input_size=3,
        hidden_size=6,
        num_layers=num_layers,
        batch_first=batch_first,
        bidirectional=bidirectional,
        proj_size=proj_size,
    )
    batch, seq = 2, 5
    x = torch.zeros((batch, seq, 3) if batch_first else (seq, batch, 3))
    output, (h_n, c_n) = lstm(x)
    expected = (tuple(output.shape), tuple(h_n.shape), tuple(c_n.shape))
    assert lstm_output_shapes(lstm, batch_size=batch, seq_len=seq) == expected


def test_lstm_output_shapes_rejects_bad_arguments():
    with pytest.raises(TypeError, match="expected an nn.LSTM, got GRU"):
        lstm_output_shapes(nn.GRU(3, 4), 2, 5)
    with pytest.raises(ValueError, match="expected seq_len >= 1, got 0"):
        lstm_output_shapes(nn.LSTM(3, 4), 2, 0)
