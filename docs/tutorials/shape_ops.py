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
# # Reshaping, joining and splitting tensors
#
# Most PyTorch errors a beginner meets are shape errors. This tutorial walks through the
# operations that change a tensor's shape without changing its numbers: `reshape` and `view`
# (and why `view` sometimes refuses), `squeeze` and `unsqueeze`, `transpose`, `permute` and `.t()`,
# `cat` versus `stack`, and `chunk` versus `split`. For each one you will see the raw PyTorch call
# next to a small recipe from `recipes.shape_ops` that predicts the result or explains the error.

# %% [markdown] lang="zh"
# # 张量的变形、拼接与切分
#
# 初学者遇到的 PyTorch 报错，大多数都和形状有关。本教程逐一介绍那些只改变张量形状、不改变数值的操作：
# `reshape` 和 `view`（以及 `view` 为什么有时会拒绝执行）、`squeeze` 和 `unsqueeze`、
# `transpose`、`permute` 与 `.t()`、`cat` 与 `stack` 的区别，以及 `chunk` 与 `split` 的区别。
# 每一步都会把原生 PyTorch 调用和 `recipes.shape_ops` 中的小工具函数放在一起对照：
# 这些函数要么提前告诉你结果的形状，要么在出错时把原因讲清楚。

# %%
import torch

from recipes.shape_ops import (
    batch_samples,
    chunk_sizes,
    flatten_batch,
    safe_view,
    split_sizes,
    squeeze_dim,
    to_channels_last,
)

# %% [markdown] lang="en"
# ## `reshape` and the `-1` placeholder
#
# `reshape` rearranges the same elements into a new shape, so the product of the new sizes must
# equal the number of elements. One size may be `-1`: PyTorch works it out from the others.

# %% [markdown] lang="zh"
# ## `reshape` 与占位符 `-1`
#
# `reshape` 把同样的元素重新排成新的形状，因此新形状各维大小的乘积必须等于元素总数。
# 其中最多可以有一个维度写成 `-1`，PyTorch 会根据其他维度自动算出它的大小。

# %%
t = torch.arange(12)
print(t.reshape(3, 4))
print(t.reshape(3, -1).shape)
print(t.reshape(-1, 2, 2).shape)

# %% [markdown] lang="en"
# If the sizes cannot multiply to 12, `reshape` raises a `RuntimeError`:

# %% [markdown] lang="zh"
# 如果各维大小的乘积不可能等于 12，`reshape` 会抛出 `RuntimeError`：

# %% raises="RuntimeError"
try:
    t.reshape(5, -1)
except RuntimeError as err:
    print(f"{type(err).__name__}: {err}")

# %% [markdown] lang="en"
# A frequent use is flattening everything but the batch dimension before a `Linear` layer.
# `reshape(-1)` would merge the batch away as well; `flatten_batch` keeps it, and also works for an
# empty batch, where `reshape(0, -1)` cannot tell what `-1` should be.

# %% [markdown] lang="zh"
# 一个常见用法是：在送入 `Linear` 层之前，把除批次维以外的所有维度展平。
# `reshape(-1)` 会把批次维也一起压扁；`flatten_batch` 会保留批次维，
# 而且对空批次同样有效——此时 `reshape(0, -1)` 无法确定 `-1` 应该是多少。

# %%
images = torch.zeros(8, 3, 4, 4)
print(images.reshape(-1).shape)
print(images.reshape(8, -1).shape)
print(flatten_batch(images).shape)
print(flatten_batch(torch.zeros(0, 3, 4, 4)).shape)

# %% [markdown] lang="en"
# ## `view` versus `reshape`, and `contiguous`
#
# `view` also changes the shape, but it never copies: the result shares memory with the original,
# so writing into one changes the other. `reshape` shares memory too whenever it can.

# %% [markdown] lang="zh"
# ## `view` 与 `reshape` 的区别，以及 `contiguous`
#
# `view` 同样可以改变形状，但它从不复制数据：结果和原张量共享同一块内存，修改其中一个，另一个也会跟着变。
# `reshape` 在可以共享内存时也会共享。

# %%
x = torch.arange(6)
v = x.view(2, 3)
v[0, 0] = 100
print(x)

# %% [markdown] lang="en"
# `transpose`, `permute` and `.t()` do not move any data either: they only change the *strides*,
# the steps to take in memory to reach the next element along each dimension. The result is no longer
# laid out row by row, which `is_contiguous()` reports.

# %% [markdown] lang="zh"
# `transpose`、`permute` 和 `.t()` 也不会搬动数据，它们只修改 *步幅*（stride），
# 即沿每个维度走到下一个元素时在内存中要跨过多少个位置。
# 这样得到的张量在内存中不再是逐行排列的，`is_contiguous()` 会如实告诉你。

# %%
m = torch.arange(12).reshape(3, 4)
mt = m.t()
print(m.stride(), m.is_contiguous())
print(mt.stride(), mt.is_contiguous())

# %% [markdown] lang="en"
# Flattening such a tensor with `view` would need the elements in a different memory order, so
# `view` raises. `reshape` quietly copies instead. Not every `view` fails after a transpose: one
# that only splits or merges dimensions without reordering memory, such as `mt.view(2, 2, 3)`,
# still works and shares the data.

# %% [markdown] lang="zh"
# 要用 `view` 展平这样的张量，元素就必须按另一种顺序排列在内存中，因此 `view` 会报错；
# 而 `reshape` 会悄悄复制一份数据来完成任务。转置之后并不是所有 `view` 都会失败：
# 只拆分或合并维度、不需要改变内存顺序的 `view`（例如 `mt.view(2, 2, 3)`）仍然可以成功，并且共享数据。

# %% raises="RuntimeError"
try:
    mt.view(12)
except RuntimeError as err:
    print(f"{type(err).__name__}: {err}")
print(mt.reshape(12))
split = mt.view(2, 2, 3)
print(split.shape, split.data_ptr() == m.data_ptr())

# %% [markdown] lang="en"
# `safe_view` behaves like `view`, but its error names the problem and both fixes. After
# `.contiguous()`, which makes a row-by-row copy, the view succeeds.

# %% [markdown] lang="zh"
# `safe_view` 的行为和 `view` 相同，但它的报错信息会指出问题所在，并给出两种解决办法。
# 调用 `.contiguous()`（按行重新复制一份数据）之后，`view` 就能成功了。

# %% raises="ValueError"
try:
    safe_view(mt, 12)
except ValueError as err:
    print(f"{type(err).__name__}: {err}")
print(safe_view(mt.contiguous(), 12))

# %% [markdown] lang="en"
# ## `squeeze` and `unsqueeze`
#
# `unsqueeze(dim)` inserts a dimension of size 1, for example to turn one sample into a batch of one.
# `squeeze()` removes every dimension of size 1, and `squeeze(dim)` only that one.

# %% [markdown] lang="zh"
# ## `squeeze` 与 `unsqueeze`
#
# `unsqueeze(dim)` 在指定位置插入一个大小为 1 的维度，例如把单个样本变成“批大小为 1”的批次。
# `squeeze()` 会删除所有大小为 1 的维度，`squeeze(dim)` 只删除指定的那一个。

# %%
sample = torch.zeros(3, 4)
print(sample.unsqueeze(0).shape)
print(sample.unsqueeze(-1).shape)
y = torch.zeros(1, 3, 1, 5)
print(y.squeeze().shape)
print(y.squeeze(2).shape)

# %% [markdown] lang="en"
# Two traps: a bare `squeeze()` also drops a batch dimension that happens to be 1, and
# `squeeze(dim)` silently does nothing when that dimension is not 1. `squeeze_dim` refuses instead.

# %% [markdown] lang="zh"
# 这里有两个陷阱：不带参数的 `squeeze()` 会把恰好等于 1 的批次维也删掉；
# 而当指定维度的大小不是 1 时，`squeeze(dim)` 什么也不做，也不报错。`squeeze_dim` 则会直接拒绝。

# %% raises="ValueError"
print(y.squeeze(1).shape)
print(squeeze_dim(y, 2).shape)
try:
    squeeze_dim(y, 1)
except ValueError as err:
    print(f"{type(err).__name__}: {err}")

# %% [markdown] lang="en"
# ## `transpose`, `permute` and `.t()`
#
# `transpose(d0, d1)` swaps two dimensions, `.t()` is the shorthand for matrices (at most 2-D), and
# `permute` lists the new order of all dimensions at once.

# %% [markdown] lang="zh"
# ## `transpose`、`permute` 与 `.t()`
#
# `transpose(d0, d1)` 交换两个维度；`.t()` 是矩阵（最多二维）转置的简写；
# `permute` 则一次性给出所有维度的新顺序。

# %%
a = torch.zeros(2, 3, 4)
print(a.transpose(0, 2).shape)
print(a.permute(2, 0, 1).shape)
print(torch.zeros(2, 3).t().shape)

# %% [markdown] lang="en"
# Images in PyTorch are (C, H, W), but `matplotlib` wants (H, W, C). `transpose(0, 2)` looks tempting
# but also swaps height and width; `to_channels_last` uses the right `permute`.

# %% [markdown] lang="zh"
# PyTorch 中图像的形状是 (C, H, W)，而 `matplotlib` 需要 (H, W, C)。
# `transpose(0, 2)` 看起来很方便，但它会把高和宽也对调；`to_channels_last` 使用的是正确的 `permute`。

# %%
image = torch.zeros(3, 32, 64)
print(image.transpose(0, 2).shape)
print(image.permute(1, 2, 0).shape)
print(to_channels_last(image).shape)
print(to_channels_last(torch.zeros(8, 3, 32, 64)).shape)

# %% [markdown] lang="en"
# ## `cat` versus `stack`
#
# `torch.cat` joins tensors along an *existing* dimension: the number of dimensions stays the same
# and that dimension grows. All other sizes must match. It works for any dtype, integers included.

# %% [markdown] lang="zh"
# ## `cat` 与 `stack` 的区别
#
# `torch.cat` 沿着一个 *已有* 的维度拼接张量：维度数量不变，只是这个维度变长了，其余各维的大小必须一致。
# 它对任何数据类型都适用，整数张量也可以拼接。

# %%
p = torch.tensor([[1, 2, 3], [4, 5, 6]])
q = torch.tensor([[7, 8, 9], [10, 11, 12]])
print(torch.cat([p, q], dim=0).shape)
print(torch.cat([p, q], dim=1))

# %% [markdown] lang="en"
# `torch.stack` first adds a *new* dimension of size 1 to each tensor and then joins along it, so the
# result has one more dimension. All shapes must be identical.

# %% [markdown] lang="zh"
# `torch.stack` 会先给每个张量新增一个大小为 1 的 *新* 维度，再沿这个新维度拼接，
# 所以结果比输入多一个维度。所有输入的形状必须完全相同。

# %%
print(torch.stack([p, q], dim=0).shape)
print(torch.stack([p, q], dim=1).shape)
print(torch.stack([p, q], dim=2).shape)

# %% [markdown] lang="en"
# Building a batch from samples is a job for `stack`: `cat` on vectors of shape (3,) gives one long
# vector. `batch_samples` stacks along a new first dimension and names the sample that does not fit.

# %% [markdown] lang="zh"
# 把若干样本组成一个批次，应该用 `stack`：对形状为 (3,) 的向量使用 `cat`，只会得到一个更长的向量。
# `batch_samples` 沿新的第 0 维堆叠，并在形状不符时指出是哪一个样本出了问题。

# %% raises="ValueError"
samples = [torch.tensor([1, 2, 3]), torch.tensor([4, 5, 6])]
print(torch.cat(samples))
print(batch_samples(samples))
try:
    batch_samples([torch.tensor([1, 2, 3]), torch.tensor([4, 5])])
except ValueError as err:
    print(f"{type(err).__name__}: {err}")

# %% [markdown] lang="en"
# ## `chunk` versus `split`
#
# `chunk(n)` asks for `n` pieces of (almost) equal size: each piece gets ceil(length / n) elements
# and the last one takes the rest, so it can be smaller. `chunk_sizes` predicts the sizes.

# %% [markdown] lang="zh"
# ## `chunk` 与 `split` 的区别
#
# `chunk(n)` 要求切成 `n` 块大小（几乎）相等的部分：每块有 ceil(length / n) 个元素，
# 最后一块拿走剩下的部分，因此可能更小。`chunk_sizes` 可以提前算出每块的大小。

# %%
w = torch.ones(2, 7)
print([piece.shape for piece in torch.chunk(w, 3, dim=1)])
print(chunk_sizes(7, 3))

# %% [markdown] lang="en"
# Because every piece has the same size except the last, `chunk` can return *fewer* pieces than you
# asked for. When you need exactly `n` pieces, use `torch.tensor_split`.

# %% [markdown] lang="zh"
# 由于除最后一块外每块大小都相同，`chunk` 返回的块数可能 *少于* 你要求的数量。
# 如果必须恰好得到 `n` 块，请使用 `torch.tensor_split`。

# %%
six = torch.arange(6)
print([len(piece) for piece in six.chunk(4)])
print(chunk_sizes(6, 4))
print([len(piece) for piece in six.tensor_split(4)])

# %% [markdown] lang="en"
# `split` takes the piece *size* instead of the count. With an int, every piece has that size except
# a smaller last one; with a list, you give each size yourself and the sizes must add up to the length.

# %% [markdown] lang="zh"
# `split` 接收的是每块的 *大小*，而不是块数。传入整数时，除最后一块可能较小外，每块都是这个大小；
# 传入列表时，由你逐一指定每块的大小，它们的总和必须等于该维度的长度。

# %% raises=["RuntimeError", "ValueError"]
five = torch.ones(2, 5)
print([piece.shape for piece in torch.split(five, 2, dim=1)])
print(split_sizes(5, 2))
print([piece.shape for piece in torch.split(five, [2, 1, 2], dim=1)])
try:
    torch.split(five, [2, 1, 1], dim=1)
except RuntimeError as err:
    print(f"{type(err).__name__}: {err}")
try:
    split_sizes(5, [2, 1, 1])
except ValueError as err:
    print(f"{type(err).__name__}: {err}")

# %% [markdown] lang="en"
# ## Summary
#
# - `reshape` may copy, `view` never does and needs a compatible memory layout; `.contiguous()` fixes that.
# - `transpose`, `permute` and `.t()` only change strides, so a `view` that needs another memory
#   order afterwards (such as flattening) fails; `reshape` copies when it must.
# - `squeeze(dim)` is silent when the size is not 1; check the shape or use `squeeze_dim`.
# - `cat` grows an existing dimension, `stack` adds a new one.
# - `chunk` fixes the number of pieces (and may return fewer), `split` fixes their sizes.

# %% [markdown] lang="zh"
# ## 小结
#
# - `reshape` 可能会复制数据，`view` 从不复制，但要求内存布局兼容；`.contiguous()` 可以解决这个问题。
# - `transpose`、`permute` 和 `.t()` 只修改步幅，所以之后需要改变内存顺序的 `view`（例如展平）会失败；
#   `reshape` 会在必要时复制。
# - 当维度大小不是 1 时，`squeeze(dim)` 不会报错；请先检查形状，或使用 `squeeze_dim`。
# - `cat` 让已有的维度变长，`stack` 新增一个维度。
# - `chunk` 固定块数（实际返回的可能更少），`split` 固定每块的大小。

# %% [markdown] lang="en"
# ## More recipes: `expand` vs `repeat`, and `movedim`
#
# `expand` and `repeat` both make a small tensor bigger, in different ways. `expand_to(x, 3, 4)`
# stretches the size-1 dimensions of `x` to the sizes you give without copying: every new position
# shares memory with the original, which the stride of 0 shows. `repeat` takes how many copies to
# make along each dimension, not the target size, and really copies: `x.repeat(3, 4)` on a (3, 1)
# tensor gives (9, 4).

# %% [markdown] lang="zh"
# ## 更多工具函数：`expand` 与 `repeat`，以及 `movedim`
#
# `expand` 和 `repeat` 都能把小张量变大，但方式不同。`expand_to(x, 3, 4)` 把 `x` 中大小为 1 的
# 维度拉伸到给定的大小，并不复制数据：新出现的每个位置都与原张量共享内存，步幅为 0 就说明了
# 这一点。`repeat` 的参数是沿每个维度复制几份，而不是目标大小，而且会真正复制数据：对形状为
# (3, 1) 的张量调用 `x.repeat(3, 4)`，得到的形状是 (9, 4)。

# %%
from recipes.shape_ops import expand_to, move_dim

x = torch.tensor([[1], [2], [3]])
expanded = expand_to(x, 3, 4)
print(expanded)
print(expanded.stride(), x.repeat(1, 4).stride())
print(x.repeat(3, 4).shape)

# %% [markdown] lang="en"
# Because the positions of a row share one memory cell, writing one element changes the whole row
# and `x` with it, and an in-place operation on the whole view is refused. Write into a `repeat`
# copy (or `expand(...).clone()`) instead. `expand_to` says which dimension cannot be stretched.

# %% [markdown] lang="zh"
# 由于同一行的各个位置共享同一个内存单元，写入一个元素会改变整行，`x` 也随之改变；对整个视图
# 做原地操作则会被拒绝。需要写入时，请使用 `repeat` 得到的副本（或 `expand(...).clone()`）。
# `expand_to` 会指出哪个维度无法拉伸。

# %% raises=["RuntimeError", "ValueError"]
expanded[0, 0] = 100
print(expanded[0], x[0])
try:
    expanded.add_(1)
except RuntimeError as err:
    print(f"{type(err).__name__}: {err}")
try:
    expand_to(x, 4, 4)
except ValueError as err:
    print(f"{type(err).__name__}: {err}")

# %% [markdown] lang="en"
# `move_dim(t, source, destination)` (`torch.movedim`) takes one dimension out and puts it back at
# a new position, the others keeping their order: channels first (N, C, H, W) to channels last
# (N, H, W, C) is `move_dim(images, 1, -1)`. `transpose(1, -1)` swaps two dimensions instead, and
# so also swaps height and width.

# %% [markdown] lang="zh"
# `move_dim(t, source, destination)`（即 `torch.movedim`）把一个维度取出来放到新的位置，其余维度
# 保持原来的顺序：把通道在前的 (N, C, H, W) 变成通道在后的 (N, H, W, C)，写作
# `move_dim(images, 1, -1)`。`transpose(1, -1)` 则是交换两个维度，因此还会把高和宽对调。

# %%
images = torch.zeros(8, 3, 32, 64)
print(move_dim(images, 1, -1).shape)
print(images.transpose(1, -1).shape)
print(
    torch.equal(move_dim(images, 1, -1), images.permute(0, 2, 3, 1))
)
