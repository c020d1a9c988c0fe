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
# # Tensor arithmetic: elementwise, matrix products, reductions and broadcasting
#
# Almost every line of a model is tensor arithmetic. This tutorial covers the operations you will
# write every day: elementwise `+ - * /`, the three spellings of most of them (function, method,
# in-place), the difference between `*` and `@`, reductions such as `sum` and `mean` along a
# dimension, `exp`, `sqrt`, `pow` and the logarithms, and the broadcasting rules that decide which
# shapes can be combined. The recipes in `recipes.math_ops` sit beside the raw calls and turn
# cryptic shape errors into messages that say what was expected and what came.

# %% [markdown] lang="zh"
# # 张量运算：逐元素运算、矩阵乘法、归约与广播
#
# 模型中几乎每一行代码都是张量运算。本教程介绍日常最常写的运算：逐元素的 `+ - * /`，
# 大多数运算都有的三种写法（函数、方法、原地操作），`*` 与 `@` 的区别，沿某个维度做 `sum`、`mean` 等归约，
# `exp`、`sqrt`、`pow` 和各种对数，以及决定哪些形状可以一起运算的广播规则。
# `recipes.math_ops` 中的工具函数与原生调用并列展示，它们会把晦涩的形状报错
# 变成“期望什么、实际得到什么”的清晰提示。

# %%
import warnings

import torch

from recipes.math_ops import (
    broadcast_shape,
    log_base,
    matrix_multiply,
    reduce_along,
    stable_softmax,
    standardize,
)

# %% [markdown] lang="en"
# ## Elementwise arithmetic
#
# `+`, `-`, `*` and `/` work element by element on tensors of the same shape. Note that `/` between
# two integer tensors is true division and returns floats.

# %% [markdown] lang="zh"
# ## 逐元素运算
#
# 对于形状相同的张量，`+`、`-`、`*`、`/` 都是逐个元素进行计算的。
# 注意：两个整数张量之间的 `/` 是真除法，结果是浮点数。

# %%
t1 = torch.tensor([1, 2, 3])
t2 = torch.tensor([4, 5, 6])
print(t1 + t2)
print(t1 - t2)
print(t1 * t2)
print(t1 / t2)
print(-t1)

# %% [markdown] lang="en"
# ## Function, method, in-place
#
# Most elementwise operations come in three spellings. The function `torch.add(a, b)` and the
# method `a.add(b)` return a new tensor; the method with a trailing underscore, `a.add_(b)`,
# overwrites `a` and returns it. The same holds for `sub`, `mul`, `div` and `neg`. Not every
# operation has an in-place twin, though: there is no `matmul_`, because a matrix product
# generally has a different shape than its input.

# %% [markdown] lang="zh"
# ## 函数、方法与原地操作
#
# 大多数逐元素运算都有三种写法。函数 `torch.add(a, b)` 和方法 `a.add(b)` 都返回一个新张量；
# 以下划线结尾的方法 `a.add_(b)` 会直接改写 `a` 并返回它。`sub`、`mul`、`div`、`neg` 也是如此。
# 不过并不是每个运算都有原地版本：没有 `matmul_`，因为矩阵乘积的形状通常和输入不同。

# %%
a = torch.tensor([1.0, 2.0, 3.0])
b = torch.tensor([10.0, 20.0, 30.0])
print(torch.add(a, b))
print(a.add(b))
print(a)
a.add_(b)
print(a)
print(hasattr(a, "add_"), hasattr(a, "matmul_"))
assert not hasattr(torch.Tensor, "matmul_")

# %% [markdown] lang="en"
# An in-place operation cannot change the dtype of the tensor it writes into, so adding a float to
# an integer tensor in place fails, while the out-of-place version promotes to float.

# %% [markdown] lang="zh"
# 原地操作无法改变被写入张量的数据类型，所以对整数张量原地加一个小数会报错；
# 而非原地版本会自动把结果提升为浮点类型。

# %% raises="RuntimeError"
ints = torch.tensor([1, 2, 3])
print(ints.add(0.5))
try:
    ints.add_(0.5)
except RuntimeError as err:
    print(f"{type(err).__name__}: {err}")

# %% [markdown] lang="en"
# `torch.add` also takes a scale for the second operand, `a + alpha * b`, through the keyword
# `alpha=`. Old tutorials pass it positionally, `torch.add(a, 10, b)`; that overload is deprecated
# and emits a warning that names the signature to use instead, so always write `alpha=`.

# %% [markdown] lang="zh"
# `torch.add` 还可以通过关键字参数 `alpha=` 给第二个操作数乘一个系数，即 `a + alpha * b`。
# 一些旧教程把它写成位置参数 `torch.add(a, 10, b)`；这种重载已被弃用，调用时会发出警告，
# 并在警告里给出应当改用的写法，所以请始终写成 `alpha=`。

# %%
base = torch.zeros(3)
ones = torch.ones(3)
print(torch.add(base, ones, alpha=10))
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    old_style = torch.add(base, 10, ones)
print(old_style)
# The message ends with where in PyTorch's C++ source it was
# triggered, which is left out here.
print(
    caught[0].category.__name__,
    str(caught[0].message).split(" (Triggered internally")[0],
)

# %% [markdown] lang="en"
# ## Elementwise product versus matrix product
#
# `*`, `torch.mul` and `.mul` multiply matching elements; the shapes must be equal or broadcastable.
# The matrix product of linear algebra is `@`, `torch.matmul` or, for 2-D tensors only, `torch.mm`:
# an (m, n) matrix times an (n, p) matrix gives (m, p).

# %% [markdown] lang="zh"
# ## 逐元素乘法与矩阵乘法
#
# `*`、`torch.mul` 和 `.mul` 把对应位置的元素相乘，要求形状相同或可以广播。
# 线性代数中的矩阵乘法是 `@`、`torch.matmul`，或者只适用于二维张量的 `torch.mm`：
# (m, n) 矩阵乘以 (n, p) 矩阵，得到 (m, p) 矩阵。

# %%
m1 = torch.tensor([[1, 2, 3], [4, 5, 6]])
m2 = torch.tensor([[1, 2], [3, 4], [5, 6]])
print(m1 * m1)
print(m1 @ m2)
print(torch.matmul(m1, m2))
print(torch.mm(m1, m2))

# %% [markdown] lang="en"
# For two 1-D tensors `@` is the dot product and returns a 0-D tensor, while `torch.mm` refuses
# anything that is not a matrix.

# %% [markdown] lang="zh"
# 对两个一维张量，`@` 计算的是点积，返回一个零维张量；而 `torch.mm` 只接受矩阵，其他形状一律拒绝。

# %% raises="RuntimeError"
print(t1 @ t2)
try:
    torch.mm(t1, t2)
except RuntimeError as err:
    print(f"{type(err).__name__}: {err}")

# %% [markdown] lang="en"
# The inner sizes must agree: the last size of the left operand equals the rows of the right one.
# `matrix_multiply` checks that (and the dtypes) before multiplying and says what it expected.

# %% [markdown] lang="zh"
# 两个矩阵的“内侧”尺寸必须一致：左边矩阵的最后一维等于右边矩阵的行数。
# `matrix_multiply` 会在相乘之前检查这一点（以及数据类型），并说明它期望的是什么。

# %% raises=["RuntimeError", "ValueError", "TypeError"]
try:
    m1 @ m1
except RuntimeError as err:
    print(f"{type(err).__name__}: {err}")
try:
    matrix_multiply(m1, m1)
except ValueError as err:
    print(f"{type(err).__name__}: {err}")
print(matrix_multiply(m1, m2))
try:
    matrix_multiply(m1.float(), m2)
except TypeError as err:
    print(f"{type(err).__name__}: {err}")

# %% [markdown] lang="en"
# ## Reductions along a dimension
#
# `sum`, `mean`, `min` and `max` without arguments reduce the whole tensor to one number.
# With `dim=d`, dimension `d` is the one that disappears: for a (2, 3) matrix, `dim=0` gives one value
# per column and `dim=1` one value per row.

# %% [markdown] lang="zh"
# ## 沿维度归约
#
# 不带参数的 `sum`、`mean`、`min`、`max` 会把整个张量归约成一个数。
# 指定 `dim=d` 时，第 `d` 维就是被“消掉”的那一维：对于 (2, 3) 矩阵，
# `dim=0` 得到每列一个值，`dim=1` 得到每行一个值。

# %%
x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
print(x.sum(), x.mean(), x.min(), x.max())
print(x.sum(dim=0))
print(x.sum(dim=1))
print(reduce_along(x, "sum", dim=0))

# %% [markdown] lang="en"
# With a `dim`, `max` and `min` return both the values and their positions (`indices`).
# `reduce_along` returns just the values, like `torch.amax` and `torch.amin`.

# %% [markdown] lang="zh"
# 指定 `dim` 时，`max` 和 `min` 会同时返回数值和它们的位置（`indices`）。
# `reduce_along` 和 `torch.amax`、`torch.amin` 一样，只返回数值。

# %%
print(x.max(dim=1))
print(reduce_along(x, "max", dim=1))

# %% [markdown] lang="en"
# `keepdim=True` keeps the reduced dimension with size 1, so the result still lines up with the
# input for broadcasting. `mean` needs a floating dtype.

# %% [markdown] lang="zh"
# `keepdim=True` 会把被归约的维度保留为大小 1，这样结果在广播时仍能和输入对齐。
# `mean` 要求浮点类型。

# %% raises=["RuntimeError", "TypeError"]
print(x.sum(dim=1, keepdim=True))
print(reduce_along(x, "mean", dim=1, keepdim=True))
try:
    torch.tensor([1, 2, 3]).mean()
except RuntimeError as err:
    print(f"{type(err).__name__}: {err}")
try:
    reduce_along(torch.tensor([1, 2, 3]), "mean")
except TypeError as err:
    print(f"{type(err).__name__}: {err}")

# %% [markdown] lang="en"
# ## `exp`, `sqrt`, `pow` and logarithms
#
# These apply a function to each element. `torch.log` is the natural logarithm (base e);
# `log2` and `log10` use bases 2 and 10, and `log_base` handles any base.

# %% [markdown] lang="zh"
# ## `exp`、`sqrt`、`pow` 与对数
#
# 这些函数对每个元素分别计算。`torch.log` 是自然对数（以 e 为底）；
# `log2` 和 `log10` 分别以 2 和 10 为底，`log_base` 可以处理任意底数。

# %%
print(x.exp())
print(x.sqrt())
print(x.pow(2))
print(x**0.5)
print(x.log())
print(x.log2())
print(x.log10())
print(log_base(x, 3))

# %% [markdown] lang="en"
# Outside their domain these functions return `nan` or `-inf` instead of raising, which can
# quietly spoil a training run. `log_base` rejects negative inputs.

# %% [markdown] lang="zh"
# 超出定义域时，这些函数不会报错，而是返回 `nan` 或 `-inf`，这可能会悄悄地毁掉一次训练。
# `log_base` 会拒绝负数输入。

# %% raises="ValueError"
edge = torch.tensor([-1.0, 0.0, 1.0])
print(edge.sqrt())
print(edge.log())
try:
    log_base(edge, 10)
except ValueError as err:
    print(f"{type(err).__name__}: {err}")

# %% [markdown] lang="en"
# `exp` grows fast: in float32 it overflows to `inf` above about 88. Softmax written from its
# formula therefore turns into `inf / inf = nan` for large scores. Subtracting the maximum first
# gives the same result without overflow; `stable_softmax` does this and matches `torch.softmax`.

# %% [markdown] lang="zh"
# `exp` 增长得非常快：在 float32 下，输入超过约 88 就会溢出为 `inf`。
# 因此直接按公式实现的 softmax 在分数较大时会变成 `inf / inf = nan`。
# 先减去最大值再计算，结果不变且不会溢出；`stable_softmax` 就是这样做的，结果与 `torch.softmax` 一致。

# %%
scores = torch.tensor([1000.0, 1001.0, 1002.0])
print(scores.exp())
print(scores.exp() / scores.exp().sum())
print(stable_softmax(scores))
print(torch.softmax(scores, dim=0))

# %% [markdown] lang="en"
# ## Broadcasting
#
# Tensors of different shapes can be combined when their shapes are compatible. Align the shapes
# from the right; each pair of sizes must be equal or one of them 1 (a missing dimension counts as 1).
# Size-1 dimensions are then stretched. `broadcast_shape` applies these rules and gives the result shape.

# %% [markdown] lang="zh"
# ## 广播
#
# 形状不同的张量，只要形状兼容，也可以一起运算。规则是：把两个形状从右往左对齐，
# 每一对尺寸要么相等，要么其中一个为 1（缺少的维度视为 1），大小为 1 的维度会被“拉伸”。
# `broadcast_shape` 按这些规则计算出结果的形状。

# %%
row = torch.tensor([1, 2, 3])
print(m1 + row)
print(broadcast_shape((2, 3), (3,)))
column = torch.tensor([[10], [20]])
print(m1 + column)
print(broadcast_shape((2, 3), (2, 1)))
print(broadcast_shape((4, 1), (1, 5)))
print(torch.broadcast_shapes((4, 1), (1, 5)))

# %% [markdown] lang="en"
# Because alignment starts on the right, a vector with one entry per *row* does not broadcast
# against a (2, 3) matrix: its 2 meets the 3 columns. Reshape it to a column (2, 1) first.

# %% [markdown] lang="zh"
# 由于对齐是从右边开始的，一个“每行一个值”的向量无法和 (2, 3) 矩阵广播：它的长度 2 会和 3 列对齐。
# 需要先把它变形成列向量 (2, 1)。

# %% raises=["RuntimeError", "ValueError"]
per_row = torch.tensor([10, 20])
try:
    m1 + per_row
except RuntimeError as err:
    print(f"{type(err).__name__}: {err}")
try:
    broadcast_shape((2, 3), (2,))
except ValueError as err:
    print(f"{type(err).__name__}: {err}")
print(m1 + per_row.unsqueeze(1))

# %% [markdown] lang="en"
# ## Putting it together: `keepdim` and broadcasting
#
# Standardizing features means subtracting each column's mean and dividing by its standard deviation.
# `keepdim=True` keeps the statistics shaped for broadcasting. Without it, row statistics of shape (2,)
# line up with the columns, and for a square matrix the wrong result comes back without any error.

# %% [markdown] lang="zh"
# ## 综合运用：`keepdim` 与广播
#
# 特征标准化就是对每一列减去该列的均值、再除以该列的标准差。
# `keepdim=True` 让统计量保持适合广播的形状。如果不加它，形状为 (2,) 的按行统计量会和列对齐；
# 遇到方阵时，甚至会不报任何错误地返回错误结果。

# %%
data = torch.tensor([[1.0, 10.0], [3.0, 30.0]])
print(data - data.mean(dim=1, keepdim=True))
print(data - data.mean(dim=1))
print(standardize(data, dim=0))
print(standardize(data, dim=1))

# %% [markdown] lang="en"
# ## Summary
#
# - `torch.add(a, b)` and `a.add(b)` return new tensors; `a.add_(b)` overwrites `a`. Scale with `alpha=`.
# - `*` is elementwise; `@` / `torch.matmul` is the matrix product; `torch.mm` accepts only 2-D.
# - `dim` names the dimension that disappears; `keepdim=True` keeps it with size 1 for broadcasting.
# - `exp`, `sqrt` and `log` return `inf` or `nan` outside their range instead of raising.
# - Broadcasting aligns shapes from the right; sizes must match or be 1.

# %% [markdown] lang="zh"
# ## 小结
#
# - `torch.add(a, b)` 和 `a.add(b)` 返回新张量；`a.add_(b)` 会改写 `a`。需要系数时用 `alpha=`。
# - `*` 是逐元素乘法；`@` / `torch.matmul` 是矩阵乘法；`torch.mm` 只接受二维张量。
# - `dim` 指定被消掉的维度；`keepdim=True` 把它保留为大小 1，方便广播。
# - `exp`、`sqrt` 和 `log` 超出定义域时不会报错，而是返回 `inf` 或 `nan`。
# - 广播从右往左对齐形状，对应尺寸必须相等或为 1。

# %% [markdown] lang="en"
# ## More recipes: batched products, comparing floats, clamping
#
# A batch of matrices is a 3-D tensor (B, n, m). `torch.bmm` multiplies two such batches pair by
# pair and needs the same B in both; it never broadcasts. `@` broadcasts, so a single (m, p) matrix
# is used for every matrix of the batch. `batch_matmul` is `bmm` with errors that show both shapes.

# %% [markdown] lang="zh"
# ## 更多工具函数：批量矩阵乘法、比较浮点数、截断取值
#
# 一批矩阵就是一个形状为 (B, n, m) 的三维张量。`torch.bmm` 把两批矩阵逐对相乘，要求两者的 B
# 相同，而且从不广播。`@` 会广播，因此一个 (m, p) 矩阵可以与这批中的每个矩阵相乘。
# `batch_matmul` 就是 `bmm`，只是报错时会给出两个形状。

# %% raises=["RuntimeError", "ValueError"]
from recipes.math_ops import all_close, batch_matmul, clip_to_range

torch.manual_seed(0)
a = torch.randn(4, 2, 3)
b = torch.randn(4, 3, 5)
print(
    batch_matmul(a, b).shape,
    torch.allclose(batch_matmul(a, b), a @ b),
)
shared = torch.randn(3, 5)
print((a @ shared).shape)
try:
    torch.bmm(a, shared)
except RuntimeError as err:
    print(f"{type(err).__name__}: {err}")
try:
    batch_matmul(a, torch.randn(2, 3, 5))
except ValueError as err:
    print(f"{type(err).__name__}: {err}")

# %% [markdown] lang="en"
# Floating-point results carry rounding errors, so compare them with a tolerance, not with `==`:
# `all_close` returns True when |a - b| <= atol + rtol × |b| everywhere. Near zero only `atol` counts,
# because rtol × |b| vanishes there. Unlike `torch.allclose`, it refuses tensors of different shapes,
# which `allclose` broadcasts before comparing, so that a (3,) and a (3, 1) tensor count as close.

# %% [markdown] lang="zh"
# 浮点运算的结果带有舍入误差，所以比较时要用容差，而不是 `==`：当处处满足
# |a - b| <= atol + rtol × |b| 时，`all_close` 返回 True。在 0 附近只有 `atol` 起作用，因为那里
# rtol × |b| 几乎为 0。与 `torch.allclose` 不同，它拒绝形状不同的张量；`allclose` 会先广播再比较，
# 于是形状为 (3,) 和 (3, 1) 的两个张量也被判定为相近。

# %% raises="ValueError"
total = torch.tensor([0.1], dtype=torch.float64) + 0.2
print(
    total == 0.3,
    all_close(total, torch.tensor([0.3], dtype=torch.float64)),
)
tiny, zero = torch.tensor([1e-6]), torch.tensor([0.0])
print(all_close(tiny, zero), all_close(tiny, zero, atol=1e-5))
print(torch.allclose(torch.zeros(3), torch.zeros(3, 1)))
try:
    all_close(torch.zeros(3), torch.zeros(3, 1))
except ValueError as err:
    print(f"{type(err).__name__}: {err}")

# %% [markdown] lang="en"
# `clip_to_range(t, low, high)` (`torch.clamp`) limits every value to [low, high]; either bound may
# be left out. A typical use keeps probabilities away from 0 before a log. With the bounds swapped,
# `torch.clamp` raises nothing and sets every value to the upper bound; the recipe refuses them.

# %% [markdown] lang="zh"
# `clip_to_range(t, low, high)`（即 `torch.clamp`）把每个值限制在 [low, high] 之内；也可以只给
# 其中一个边界。典型用法是在取对数之前让概率离开 0。如果把两个边界写反，`torch.clamp` 不会报错，
# 而是把所有值都设成上界；这个工具函数会拒绝这样的输入。

# %% raises="ValueError"
probabilities = torch.tensor([0.0, 0.3, 1.0])
print(torch.log(probabilities))
print(torch.log(clip_to_range(probabilities, 1e-6, 1.0)))
print(torch.clamp(probabilities, min=1.0, max=0.0))
try:
    clip_to_range(probabilities, 1.0, 0.0)
except ValueError as err:
    print(f"{type(err).__name__}: {err}")
