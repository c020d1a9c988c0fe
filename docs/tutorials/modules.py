# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown] lang="en"
# # Building models with `nn.Module`
#
# A PyTorch model is an `nn.Module`: an object that owns learnable parameters and says, in `forward`,
# how to compute the output. This tutorial shows how modules register their parameters, how to list,
# count and freeze them, and how the common layers behave: `Linear`, `Dropout` and `BatchNorm1d`
# (which act differently in training and evaluation mode), `Embedding` and `LSTM`. Each step shows the
# raw PyTorch next to a recipe from `recipes.modules`.

# %% [markdown] lang="zh"
# # 用 `nn.Module` 搭建模型
#
# PyTorch 中的模型就是一个 `nn.Module`：它持有可学习的参数，并在 `forward` 中规定如何计算输出。
# 本教程介绍模块如何登记自己的参数，如何列出、统计和冻结参数，以及常用层的行为：
# `Linear`，在训练模式和评估模式下表现不同的 `Dropout` 与 `BatchNorm1d`，还有 `Embedding` 和 `LSTM`。
# 每一步都把原生 PyTorch 写法和 `recipes.modules` 中的工具函数放在一起对照。

# %%
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

_ = torch.manual_seed(0)

# %% [markdown] lang="en"
# ## A module and its parameters
#
# Subclass `nn.Module`, call `super().__init__()`, create the layers and parameters in `__init__`,
# and write the computation in `forward`. A tensor wrapped in `nn.Parameter` and assigned to an
# attribute is registered automatically, with `requires_grad=True`.

# %% [markdown] lang="zh"
# ## 模块及其参数
#
# 继承 `nn.Module`，先调用 `super().__init__()`，在 `__init__` 中创建层和参数，再在 `forward` 中写出计算过程。
# 用 `nn.Parameter` 包装并赋值给属性的张量会被自动登记为参数，并且 `requires_grad=True`。


# %%
class ScaledLine(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.tensor([3.0]))
        self.bias = nn.Parameter(torch.tensor([0.5]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.weight * x + self.bias


line = ScaledLine()
print(line(torch.tensor([1.0, 2.0])))
for name, param in line.named_parameters():
    print(name, param.shape, param.requires_grad)

# %% [markdown] lang="en"
# A plain tensor attribute, even one with `requires_grad=True`, is *not* registered: `parameters()`
# does not yield it, so an optimizer built from `model.parameters()` never updates it.

# %% [markdown] lang="zh"
# 普通张量属性即使设置了 `requires_grad=True`，也 *不会* 被登记为参数：
# `parameters()` 不会返回它，所以用 `model.parameters()` 创建的优化器永远不会更新它。


# %%
class ForgottenParameter(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.weight = torch.tensor([3.0], requires_grad=True)
        self.bias = nn.Parameter(torch.tensor([0.5]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.weight * x + self.bias


print([name for name, _ in ForgottenParameter().named_parameters()])

# %% [markdown] lang="en"
# Layers assigned to attributes are registered the same way, together with their own parameters.
# `MLP` from the recipes stacks `Linear`, optional `BatchNorm1d`, `ReLU` and optional `Dropout` layers
# inside an `nn.Sequential`.

# %% [markdown] lang="zh"
# 赋值给属性的层也会以同样的方式被登记，连同它们自己的参数一起。
# 工具函数里的 `MLP` 在一个 `nn.Sequential` 里依次堆叠 `Linear`、可选的 `BatchNorm1d`、`ReLU` 和可选的 `Dropout`。

# %%
model = MLP(10, [20, 20], 1)
print(model)
print(model(torch.randn(5, 10)).shape)

# %% [markdown] lang="en"
# ## Listing and counting parameters
#
# `named_parameters()` yields each parameter with its dotted name. `list_parameters` collects
# (name, shape, trainable) rows, and `count_parameters` adds up the element counts, which is the same
# sum as `p.numel()` over `model.parameters()`.

# %% [markdown] lang="zh"
# ## 列出并统计参数
#
# `named_parameters()` 会逐个给出参数及其带点号的名字。`list_parameters` 把它们整理成
# (名字, 形状, 是否可训练) 的列表；`count_parameters` 把元素个数加起来，
# 结果与对 `model.parameters()` 逐个求 `p.numel()` 之和相同。

# %%
for row in list_parameters(model):
    print(row)
print(sum(p.numel() for p in model.parameters()))
print(count_parameters(model))

# %% [markdown] lang="en"
# A `Linear(in_features, out_features)` layer stores its weight as (out_features, in_features) and
# computes `x @ weight.T + bias`, so it has `in * out + out` parameters.

# %% [markdown] lang="zh"
# `Linear(in_features, out_features)` 层的权重形状是 (out_features, in_features)，
# 计算的是 `x @ weight.T + bias`，因此参数个数为 `in * out + out`。

# %%
fc = nn.Linear(in_features=10, out_features=5)
x = torch.randn(3, 10)
print(fc.weight.shape, fc.bias.shape)
print(fc(x).shape)
print(torch.allclose(fc(x), x @ fc.weight.T + fc.bias))
print(count_parameters(fc), 10 * 5 + 5)

# %% [markdown] lang="en"
# ## Freezing parameters
#
# Setting `requires_grad` to `False` freezes a parameter: `backward()` no longer computes its
# gradient, and the optimizer leaves it alone as long as its `.grad` is `None`. `freeze` does this
# for every parameter whose name starts with one of the given prefixes and returns the names it froze.

# %% [markdown] lang="zh"
# ## 冻结参数
#
# 把参数的 `requires_grad` 设为 `False` 就冻结了它：`backward()` 不再计算它的梯度；只要它的 `.grad`
# 是 `None`，优化器也不会更新它。
# `freeze` 会冻结名字以给定前缀开头的所有参数，并返回被冻结的参数名。

# %%
model.layers[0].weight.requires_grad = False
print(count_parameters(model, trainable_only=True))
model.layers[0].weight.requires_grad = True
print(freeze(model, ["layers.0"]))
print(
    count_parameters(model),
    count_parameters(model, trainable_only=True),
)

# %% [markdown] lang="en"
# One training step confirms it: the frozen first layer keeps its weights, the others move.
# A prefix that matches nothing raises instead of silently freezing nothing.

# %% [markdown] lang="zh"
# 执行一步训练就能验证：被冻结的第一层权重保持不变，其他层的参数则发生了变化。
# 如果某个前缀一个参数也匹配不上，`freeze` 会报错，而不是悄无声息地什么也不冻结。

# %% raises="ValueError"
before = (
    model.layers[0].weight.clone(),
    model.layers[2].weight.clone(),
)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
loss = model(torch.randn(8, 10)).pow(2).mean()
loss.backward()
optimizer.step()
print(torch.equal(before[0], model.layers[0].weight))
print(torch.equal(before[1], model.layers[2].weight))
assert torch.equal(before[0], model.layers[0].weight)
try:
    freeze(model, ["fc1"])
except ValueError as err:
    print(f"{type(err).__name__}: {err}")

# %% [markdown] lang="en"
# The `None` matters. A parameter frozen after training started may still hold a gradient, and
# `zero_grad(set_to_none=False)` leaves a tensor of zeros rather than `None`. The optimizer updates
# every parameter whose `.grad` is not `None`, so momentum and weight decay keep moving the "frozen"
# weight. Freeze before building the optimizer, or set `param.grad = None` when you freeze.

# %% [markdown] lang="zh"
# 关键就在 `None`。训练开始之后才冻结的参数可能还留着梯度，而 `zero_grad(set_to_none=False)` 留下的是
# 全零张量而不是 `None`。优化器会更新每个 `.grad` 不是 `None` 的参数，所以动量和权重衰减会让“冻结”的
# 权重继续变化。请在创建优化器之前冻结参数，或者在冻结时设置 `param.grad = None`。

# %%
torch.manual_seed(0)
layer = nn.Linear(2, 1)
sgd = torch.optim.SGD(
    layer.parameters(), lr=0.1, momentum=0.9, weight_decay=0.01
)
layer(torch.ones(1, 2)).sum().backward()
sgd.step()
layer.weight.requires_grad = False
sgd.zero_grad(set_to_none=False)
frozen = layer.weight.clone()
sgd.step()
print(layer.weight.grad, torch.equal(frozen, layer.weight))
assert not torch.equal(frozen, layer.weight)
layer.weight.grad = None
frozen = layer.weight.clone()
sgd.step()
print(layer.weight.grad, torch.equal(frozen, layer.weight))
assert torch.equal(frozen, layer.weight)

# %% [markdown] lang="en"
# ## Dropout: training versus evaluation
#
# In training mode `nn.Dropout(p)` zeroes each element with probability `p` and multiplies the
# survivors by `1 / (1 - p)`, so the expected value stays the same. In evaluation mode it does nothing
# at all: no dropping and no scaling.

# %% [markdown] lang="zh"
# ## Dropout：训练模式与评估模式
#
# 在训练模式下，`nn.Dropout(p)` 以概率 `p` 把每个元素置零，并把保留下来的元素乘以 `1 / (1 - p)`，
# 使期望值保持不变。在评估模式下它什么都不做：既不丢弃，也不缩放。

# %%
dropout = nn.Dropout(p=0.5)
ones = torch.ones(2, 8)
dropout.train()
print(dropout(ones))
dropout.eval()
print(dropout(ones))

# %% [markdown] lang="en"
# ## BatchNorm1d and its running statistics
#
# In training mode `BatchNorm1d` normalizes each feature with the mean and variance of the current
# batch, and then scales by its learnable `weight` and shifts by its `bias`. Both start at 1 and 0,
# so a fresh layer's output columns have mean 0 and standard deviation 1; once training has changed
# them, the columns have mean `bias` and standard deviation `|weight|`. It also updates its running
# estimates: `running = (1 - momentum) * running + momentum * batch`, with momentum 0.1 and the
# unbiased batch variance.

# %% [markdown] lang="zh"
# ## BatchNorm1d 及其滑动统计量
#
# 在训练模式下，`BatchNorm1d` 用当前批次的均值和方差对每个特征做归一化，再乘以可学习的 `weight`、
# 加上 `bias`。两者的初始值是 1 和 0，所以新建的层输出的每一列均值为 0、标准差为 1；
# `weight` 和 `bias` 被训练改变之后，每一列的均值是 `bias`，标准差是 `|weight|`。训练模式下它还会更新滑动估计值：
# `running = (1 - momentum) * running + momentum * batch`，其中 momentum 为 0.1，方差使用无偏估计。

# %%
bn = nn.BatchNorm1d(num_features=3)
batch = torch.randn(16, 3) * 2 + 5
print(bn.running_mean, bn.running_var)
out = bn(batch)
print(bn.weight.data, bn.bias.data)
assert torch.allclose(out.mean(dim=0), bn.bias, atol=1e-5)
assert torch.allclose(
    out.std(dim=0, correction=0), bn.weight.abs(), atol=1e-3
)
print(bn.running_mean)
print(0.9 * torch.zeros(3) + 0.1 * batch.mean(dim=0))
print(bn.running_var)
print(0.9 * torch.ones(3) + 0.1 * batch.var(dim=0))

# %% [markdown] lang="en"
# In evaluation mode it uses the running statistics instead and leaves them unchanged, so one sample
# at a time gives the same answer as a whole batch.

# %% [markdown] lang="zh"
# 在评估模式下，它改用滑动统计量，并且不再更新它们；因此一次只输入一个样本，也能得到与整批输入相同的结果。

# %%
bn.eval()
sample = batch[:1]
manual = (sample - bn.running_mean) / torch.sqrt(
    bn.running_var + bn.eps
)
print(torch.allclose(bn(sample), manual * bn.weight + bn.bias))
print(torch.allclose(bn(sample), bn(batch)[:1]))

# %% [markdown] lang="en"
# ## Inference with `predict`
#
# Before inference, call `model.eval()` to switch Dropout and BatchNorm to evaluation behaviour,
# and use `torch.no_grad()` to skip building the autograd graph. `no_grad` alone is not enough.
# `predict` does both and then restores each layer's previous mode.

# %% [markdown] lang="zh"
# ## 用 `predict` 做推理
#
# 推理之前，要调用 `model.eval()` 把 Dropout 和 BatchNorm 切换到评估行为，
# 并用 `torch.no_grad()` 跳过自动求导图的构建。只用 `no_grad` 是不够的。
# `predict` 会同时完成这两件事，结束后再把每一层恢复到原来的模式。

# %%
net = MLP(4, [8], 1, dropout=0.5, batch_norm=True)
inputs = torch.randn(6, 4)
with torch.no_grad():
    print(torch.equal(net(inputs), net(inputs)))
print(torch.equal(predict(net, inputs), predict(net, inputs)))
print(net.training, predict(net, inputs).requires_grad)

# %% [markdown] lang="en"
# ## Embedding: a lookup table
#
# `nn.Embedding(num_embeddings, embedding_dim)` holds a learnable table with one row per category.
# Integer indices pick rows, so the output shape is the index shape plus `embedding_dim`.

# %% [markdown] lang="zh"
# ## Embedding：一张查找表
#
# `nn.Embedding(num_embeddings, embedding_dim)` 持有一张可学习的表，每个类别对应一行。
# 用整数索引去取行，因此输出形状等于索引的形状再加上 `embedding_dim`。

# %%
embedding = nn.Embedding(num_embeddings=100, embedding_dim=32)
tokens = torch.tensor([[1, 5, 10], [50, 99, 0]])
vectors = embedding(tokens)
print(vectors.shape)
print(torch.equal(vectors[0, 1], embedding.weight[5]))
print(lookup_embeddings(embedding, tokens).shape)

# %% [markdown] lang="en"
# Indices must be integers from 0 to `num_embeddings - 1`. PyTorch's own message for an index that
# is too large does not say which one; `lookup_embeddings` does.

# %% [markdown] lang="zh"
# 索引必须是 0 到 `num_embeddings - 1` 之间的整数。对于过大的索引，PyTorch 自带的报错不会指出是哪一个；
# `lookup_embeddings` 会明确说明。

# %% raises=["IndexError", "ValueError"]
bad = torch.tensor([3, 100])
try:
    embedding(bad)
except IndexError as err:
    print(f"{type(err).__name__}: {err}")
try:
    lookup_embeddings(embedding, bad)
except ValueError as err:
    print(f"{type(err).__name__}: {err}")

# %% [markdown] lang="en"
# ## LSTM input, output and hidden shapes
#
# `nn.LSTM` reads a sequence and returns `output` (the top layer's hidden state at every step) and
# the final `(h_n, c_n)` of every layer. With `batch_first=True` the input and output are
# (batch, seq, features); by default they are (seq, batch, features).

# %% [markdown] lang="zh"
# ## LSTM 的输入、输出与隐藏状态形状
#
# `nn.LSTM` 读入一个序列，返回 `output`（最上层在每个时间步的隐藏状态）以及每一层最终的 `(h_n, c_n)`。
# 设置 `batch_first=True` 时，输入和输出的形状是 (batch, seq, features)；默认则是 (seq, batch, features)。

# %%
lstm = nn.LSTM(
    input_size=10, hidden_size=20, num_layers=1, batch_first=True
)
sequences = torch.randn(3, 5, 10)
output, (h_n, c_n) = lstm(sequences)
print(output.shape, h_n.shape, c_n.shape)
print(lstm_output_shapes(lstm, batch_size=3, seq_len=5))
print(torch.allclose(output[:, -1], h_n[-1]))

# %% [markdown] lang="en"
# `batch_first` does not apply to `h_n` and `c_n`: they are always
# (num_layers * directions, batch, hidden_size). A bidirectional LSTM doubles the output features.

# %% [markdown] lang="zh"
# `batch_first` 对 `h_n` 和 `c_n` 不起作用：它们的形状始终是 (num_layers * 方向数, batch, hidden_size)。
# 双向 LSTM 的输出特征数会翻倍。

# %%
deep = nn.LSTM(
    input_size=10, hidden_size=20, num_layers=2, bidirectional=True
)
output, (h_n, c_n) = deep(torch.randn(5, 3, 10))
print(output.shape, h_n.shape, c_n.shape)
print(lstm_output_shapes(deep, batch_size=3, seq_len=5))

# %% [markdown] lang="en"
# ## Summary
#
# - Assign layers and `nn.Parameter`s to attributes so `parameters()` finds them; plain tensors are ignored.
# - `named_parameters()` gives the names used by `freeze`; `count_parameters` sums `numel()`.
# - `requires_grad=False` freezes a parameter, but only `eval()` changes Dropout and BatchNorm.
# - Dropout scales by `1 / (1 - p)` while training and is the identity in eval mode.
# - LSTM's `batch_first` changes input and output only, never `h_n` and `c_n`.

# %% [markdown] lang="zh"
# ## 小结
#
# - 把层和 `nn.Parameter` 赋值给属性，`parameters()` 才能找到它们；普通张量会被忽略。
# - `named_parameters()` 给出 `freeze` 所用的参数名；`count_parameters` 对 `numel()` 求和。
# - `requires_grad=False` 可以冻结参数，但只有 `eval()` 才会改变 Dropout 和 BatchNorm 的行为。
# - Dropout 在训练时把保留的元素乘以 `1 / (1 - p)`，在评估模式下原样输出。
# - LSTM 的 `batch_first` 只影响输入和输出，从不影响 `h_n` 和 `c_n`。
