"""Building and inspecting `nn.Module` models: parameters, freezing, inference mode, Embedding and LSTM shapes.

The recipes make the silent mistakes loud: a frozen name that matches nothing, an index past the
embedding table, a forgotten `model.eval()`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import torch
from torch import nn

__all__ = [
    "MLP",
    "count_parameters",
    "list_parameters",
    "freeze",
    "predict",
    "lookup_embeddings",
    "lstm_output_shapes",
]


def _check_module(model: object, name: str = "model") -> None:
    if not isinstance(model, nn.Module):
        raise TypeError(f"expected {name} to be an nn.Module, got {type(model).__name__}")


class MLP(nn.Module):
    """A multilayer perceptron: Linear, [BatchNorm1d], ReLU, [Dropout] per hidden layer, then a Linear.

    Every layer is assigned to an attribute (here inside `nn.Sequential`), which is what registers
    its parameters with the model. Commonly gotten wrong: layers kept in a plain Python list are
    invisible to `parameters()`, so the optimizer never updates them; use `nn.ModuleList`.

    Examples:
        >>> _ = torch.manual_seed(0)
        >>> model = MLP(4, [8], 1, dropout=0.2, batch_norm=True)
        >>> model
        MLP(
          (layers): Sequential(
            (0): Linear(in_features=4, out_features=8, bias=True)
            (1): BatchNorm1d(8, eps=1e-05, momentum=0.1, ...)
            (2): ReLU()
            (3): Dropout(p=0.2, inplace=False)
            (4): Linear(in_features=8, out_features=1, bias=True)
          )
        )
        >>> model(torch.randn(5, 4)).shape
        torch.Size([5, 1])
        >>> model(torch.randn(5, 3))
        Traceback (most recent call last):
        ...
        ValueError: expected input of shape (batch, 4), got (5, 3)
    """

    def __init__(
        self,
        in_features: int,
        hidden: Sequence[int],
        out_features: int,
        dropout: float = 0.0,
        batch_norm: bool = False,
    ) -> None:
        super().__init__()
        sizes = [in_features, *hidden, out_features]
        if not all(isinstance(size, int) and not isinstance(size, bool) and size >= 1 for size in sizes):
            raise ValueError(f"expected positive int layer sizes, got {sizes}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"expected dropout in [0, 1), got {dropout}")
        self.in_features = in_features
        layers: list[nn.Module] = []
        for n_in, n_out in zip(sizes[:-2], sizes[1:-1]):
            layers.append(nn.Linear(n_in, n_out))
            if batch_norm:
                layers.append(nn.BatchNorm1d(n_out))
            layers.append(nn.ReLU())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
        layers.append(nn.Linear(sizes[-2], sizes[-1]))
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 2 or x.shape[1] != self.in_features:
            raise ValueError(
                f"expected input of shape (batch, {self.in_features}), got {tuple(x.shape)}"
            )
        return self.layers(x)


def count_parameters(model: nn.Module, trainable_only: bool = False) -> int:
    """Count the numbers (weights and biases) a model learns, optionally only those not frozen.

    A parameter shared by two layers is counted once, as `model.parameters()` yields it once.

    Examples:
        >>> layer = nn.Linear(10, 5)
        >>> count_parameters(layer)
        55
        >>> layer.weight.requires_grad_(False).shape
        torch.Size([5, 10])
        >>> count_parameters(layer, trainable_only=True)
        5
        >>> count_parameters([layer])
        Traceback (most recent call last):
        ...
        TypeError: expected model to be an nn.Module, got list
    """
    _check_module(model)
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def list_parameters(model: nn.Module) -> list[tuple[str, tuple[int, ...], bool]]:
    """List each parameter as (name, shape, trainable), with the names `freeze` and state dicts use.

    Examples:
        >>> model = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1))
        >>> for row in list_parameters(model):
        ...     print(row)
        ('0.weight', (2, 3), True)
        ('0.bias', (2,), True)
        ('2.weight', (1, 2), True)
        ('2.bias', (1,), True)
    """
    _check_module(model)
    return [(name, tuple(p.shape), p.requires_grad) for name, p in model.named_parameters()]


def freeze(model: nn.Module, prefixes: Iterable[str] | None = None) -> list[str]:
    """Freeze (`requires_grad=False`) all parameters, or those under the given name prefixes.

    Returns the names it froze. A prefix matches a whole name component: "fc1" matches "fc1.weight"
    but not "fc10.weight". Commonly gotten wrong: freezing does not stop BatchNorm from updating its
    running statistics in training mode; call `.eval()` on it as well.

    Examples:
        >>> model = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1))
        >>> freeze(model, ["0"])
        ['0.weight', '0.bias']
        >>> count_parameters(model, trainable_only=True)
        3
        >>> freeze(model, ["fc1"])
        Traceback (most recent call last):
        ...
        ValueError: expected each prefix to match a parameter name, got no match for 'fc1'; names: 0.weight, 0.bias, 2.weight, 2.bias
    """
    _check_module(model)
    named = list(model.named_parameters())
    if prefixes is None:
        chosen = named
    else:
        if isinstance(prefixes, str):
            raise TypeError(f"expected an iterable of name prefixes, got the string {prefixes!r}")
        prefixes = list(prefixes)
        for prefix in prefixes:
            if not any(_under(name, prefix) for name, _ in named):
                names = ", ".join(name for name, _ in named)
                raise ValueError(
                    f"expected each prefix to match a parameter name, got no match for {prefix!r}; "
                    f"names: {names}"
                )
        chosen = [(name, p) for name, p in named if any(_under(name, prefix) for prefix in prefixes)]
    for _, p in chosen:
        p.requires_grad_(False)
    return [name for name, _ in chosen]


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def predict(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Run a model for inference: eval mode (no Dropout, BatchNorm on running stats) and no autograd graph.

    Each submodule's previous train/eval mode is restored afterwards, so a training loop can call it.
    Commonly gotten wrong: `torch.no_grad()` alone leaves Dropout dropping and BatchNorm updating
    its running statistics; only `model.eval()` switches them to inference behaviour.

    Examples:
        >>> _ = torch.manual_seed(0)
        >>> model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5))
        >>> x = torch.ones(1, 4)
        >>> torch.equal(model(x), model(x))
        False
        >>> torch.equal(predict(model, x), predict(model, x))
        True
        >>> model.training, predict(model, x).requires_grad
        (True, False)
    """
    _check_module(model)
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        with torch.no_grad():
            return model(x)
    finally:
        for module, training in modes:
            module.training = training


def lookup_embeddings(embedding: nn.Embedding, indices: torch.Tensor) -> torch.Tensor:
    """Look up rows of an `nn.Embedding` for integer `indices`; the result has shape `indices.shape + (dim,)`.

    Commonly gotten wrong: an index past the table raises only "index out of range in self";
    this recipe says which index and what range was expected, and rejects float indices.

    Examples:
        >>> _ = torch.manual_seed(0)
        >>> embedding = nn.Embedding(num_embeddings=10, embedding_dim=3)
        >>> lookup_embeddings(embedding, torch.tensor([[1, 2], [3, 4]])).shape
        torch.Size([2, 2, 3])
        >>> torch.equal(lookup_embeddings(embedding, torch.tensor([7]))[0], embedding.weight[7])
        True
        >>> lookup_embeddings(embedding, torch.tensor([3, 10]))
        Traceback (most recent call last):
        ...
        ValueError: expected indices in 0..9 for an Embedding with 10 rows, got 10 at position (1,)
        >>> lookup_embeddings(embedding, torch.tensor([1.0]))
        Traceback (most recent call last):
        ...
        TypeError: expected integer indices (torch.int64 or torch.int32), got torch.float32
    """
    if not isinstance(embedding, nn.Embedding):
        raise TypeError(f"expected an nn.Embedding, got {type(embedding).__name__}")
    if not isinstance(indices, torch.Tensor):
        raise TypeError(f"expected indices to be a torch.Tensor, got {type(indices).__name__}")
    if indices.dtype not in (torch.int64, torch.int32):
        raise TypeError(f"expected integer indices (torch.int64 or torch.int32), got {indices.dtype}")
    rows = embedding.num_embeddings
    bad = ((indices < 0) | (indices >= rows)).nonzero()
    if len(bad):
        position = tuple(bad[0].tolist())
        raise ValueError(
            f"expected indices in 0..{rows - 1} for an Embedding with {rows} rows, "
            f"got {indices[position].item()} at position {position}"
        )
    return embedding(indices)


def lstm_output_shapes(
    lstm: nn.LSTM, batch_size: int, seq_len: int
) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """Predict the shapes of `output`, `h_n` and `c_n` from `lstm(x)` for a batched input, without running it.

    The input is (batch, seq, input_size) with `batch_first=True`, else (seq, batch, input_size).
    Commonly gotten wrong: `batch_first` changes only input and output; `h_n` and `c_n` stay
    (num_layers * directions, batch, hidden) either way.

    Examples:
        >>> lstm = nn.LSTM(input_size=10, hidden_size=20, num_layers=2, batch_first=True)
        >>> lstm_output_shapes(lstm, batch_size=3, seq_len=5)
        ((3, 5, 20), (2, 3, 20), (2, 3, 20))
        >>> output, (h_n, c_n) = lstm(torch.zeros(3, 5, 10))
        >>> tuple(output.shape), tuple(h_n.shape), tuple(c_n.shape)
        ((3, 5, 20), (2, 3, 20), (2, 3, 20))
        >>> lstm_output_shapes(nn.LSTM(10, 20, bidirectional=True), batch_size=3, seq_len=5)
        ((5, 3, 40), (2, 3, 20), (2, 3, 20))
        >>> lstm_output_shapes(lstm, batch_size=0, seq_len=5)
        Traceback (most recent call last):
        ...
        ValueError: expected batch_size >= 1, got 0
    """
    if not isinstance(lstm, nn.LSTM):
        raise TypeError(f"expected an nn.LSTM, got {type(lstm).__name__}")
    for name, value in (("batch_size", batch_size), ("seq_len", seq_len)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"expected {name} to be an int, got {type(value).__name__}")
        if value < 1:
            raise ValueError(f"expected {name} >= 1, got {value}")
    directions = 2 if lstm.bidirectional else 1
    out_size = lstm.proj_size if lstm.proj_size > 0 else lstm.hidden_size
    if lstm.batch_first:
        output = (batch_size, seq_len, directions * out_size)
    else:
        output = (seq_len, batch_size, directions * out_size)
    h_n = (directions * lstm.num_layers, batch_size, out_size)
    c_n = (directions * lstm.num_layers, batch_size, lstm.hidden_size)
    return output, h_n, c_n
