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
# # Creating tensors
#
# Every PyTorch program starts by making tensors: from data you already have, as regular ranges,
# at random, or filled with one value. The factory functions look alike but differ in small ways
# that cause real bugs: `torch.Tensor` versus `torch.tensor`, a half-open `arange` versus a closed
# `linspace`, a fill value that is silently truncated. This tutorial walks through each family,
# shows the raw PyTorch call, and next to it the recipe from `recipes.creation` that guards
# against the mistake.

# %% [markdown] lang="zh"
# # 创建张量
#
# 几乎所有 PyTorch 程序都从创建张量开始：用已有的数据创建、按规律生成一段数列、随机生成，
# 或者用同一个值填满。这些工厂函数看起来差不多，细节上的差别却足以引出真实的 bug：
# `torch.Tensor` 和 `torch.tensor` 不是一回事，`arange` 是左闭右开而 `linspace` 两端都包含，
# 填充值可能被悄悄截断。本教程逐类讲解，每一步先给出 PyTorch 的原始写法，再给出
# `recipes.creation` 中能避开这些坑的对应工具函数。

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch
from IPython.display import display

from recipes.creation import (
    fill_like,
    make_range,
    make_tensor,
    sample_normal,
    sample_uniform,
    shuffle_together,
    space_evenly,
)

# %% [markdown] lang="en"
# ## From data: `torch.tensor`
#
# `torch.tensor(data)` copies a Python list, a number or a NumPy array into a new tensor and
# infers the dtype from the data: Python ints give `int64`, Python floats give `float32` (the
# default float dtype), and a NumPy array keeps its own dtype, so a float array stays `float64`.

# %% [markdown] lang="zh"
# ## 从数据创建：`torch.tensor`
#
# `torch.tensor(data)` 会把 Python 列表、单个数字或 NumPy 数组复制成一个新张量，并根据数据
# 推断 dtype：Python 整数得到 `int64`，Python 浮点数得到 `float32`（默认浮点类型），
# NumPy 数组则保留自己的 dtype，所以浮点数组仍然是 `float64`。

# %%
from_list = torch.tensor([[1, 2, 3], [4, 5, 6]])
from_number = torch.tensor(10)
from_array = torch.tensor(np.array([[1.0, 2.0], [3.0, 4.0]]))
print(from_list, from_list.dtype)
print(from_number, from_number.shape)
print(from_array.dtype)

# %% [markdown] lang="en"
# ## `torch.Tensor` and the typed constructors
#
# `torch.Tensor` (capital T) is the tensor *class*. Called with a list it builds a tensor of the
# default dtype, `float32` unless `torch.set_default_dtype` changed it, even from integers; called
# with integers it reads them as a **shape** and returns memory that was
# never initialised, so its values are whatever happened to be there. Use `torch.empty` if that is
# really what you want, and `torch.zeros` otherwise. Below we only print the shape and dtype,
# because the values are arbitrary.

# %% [markdown] lang="zh"
# ## `torch.Tensor` 与指定类型的构造函数
#
# 大写的 `torch.Tensor` 是张量的*类*。传入列表时，它生成默认 dtype 的张量（即使元素是整数）：
# 除非用 `torch.set_default_dtype` 改过，默认 dtype 就是 `float32`；传入整数时，
# 它把这些整数当作**形状**，返回一块没有初始化的内存，里面的值是内存中原有的任意内容。
# 如果确实需要未初始化的张量，请用 `torch.empty`；否则请用 `torch.zeros`。下面只打印形状和
# dtype，因为其中的数值没有意义。

# %%
class_from_list = torch.Tensor([1, 2, 3])
print(class_from_list, class_from_list.dtype)
assert class_from_list.dtype == torch.get_default_dtype()
uninitialised = torch.Tensor(2, 3)
print(uninitialised.shape, uninitialised.dtype)

# %% [markdown] lang="en"
# The legacy typed constructors `torch.IntTensor`, `torch.FloatTensor`, `torch.LongTensor`...
# fix the dtype. Watch what `IntTensor` does to `1.1` and `3.7`: it truncates them towards zero
# without any warning.

# %% [markdown] lang="zh"
# 旧式的指定类型构造函数 `torch.IntTensor`、`torch.FloatTensor`、`torch.LongTensor` 等会固定
# dtype。注意 `IntTensor` 如何处理 `1.1` 和 `3.7`：它直接向零截断，没有任何提示。

# %%
print(torch.IntTensor([[1.1, 2, 3.7], [4, 5, 6]]))
print(torch.FloatTensor([[1.1, 2, 3.7], [4, 5, 6]]))

# %% [markdown] lang="en"
# `make_tensor` behaves like `torch.tensor` (it infers the dtype and always copies) but refuses an
# integer dtype when that would drop a fraction. Whole numbers stored as floats are fine.

# %% [markdown] lang="zh"
# `make_tensor` 的行为和 `torch.tensor` 一样（推断 dtype，并且总是复制数据），但如果指定的整数
# dtype 会丢掉小数部分，它会拒绝转换。以浮点形式存放的整数则没有问题。

# %% raises="ValueError"
print(make_tensor([1.0, 2.0, 3.0], dtype=torch.int32))
try:
    make_tensor([1.1, 3.7], dtype=torch.int32)
except ValueError as err:
    print(f"{type(err).__name__}: {err}")

# %% [markdown] lang="en"
# ## Ranges: `arange` is half-open
#
# `torch.arange(start, end, step)` counts from `start` in steps of `step` and stops **before**
# `end`, like Python's `range`. `make_range` gives the same result for integers, and adds
# `inclusive=True` when you want `end` itself.

# %% [markdown] lang="zh"
# ## 等差数列：`arange` 是左闭右开
#
# `torch.arange(start, end, step)` 从 `start` 开始，每次加 `step`，在到达 `end` **之前**停止，
# 和 Python 的 `range` 一样。对整数来说 `make_range` 的结果相同，另外可以用 `inclusive=True`
# 把 `end` 本身也包含进来。

# %%
print(torch.arange(0, 10, 2))
print(make_range(0, 10, 2))
print(make_range(0, 10, 2, inclusive=True))
print(make_range(5, 0, -2))

# %% [markdown] lang="en"
# With a float step, `arange` decides how many points to make from `(end - start) / step`, and
# binary rounding can push that just above a whole number. Here `(1.3 - 1) / 0.1` is slightly more
# than 3, so `arange` returns four values, the last one being 1.3, which a half-open range must
# exclude. `make_range` computes the count with a small tolerance.

# %% [markdown] lang="zh"
# 当步长是浮点数时，`arange` 根据 `(end - start) / step` 决定生成多少个点，而二进制舍入误差
# 可能让这个值略大于整数。这里 `(1.3 - 1) / 0.1` 比 3 稍大一点，于是 `arange` 返回了四个值，
# 最后一个正是本应被排除的 1.3。`make_range` 在计算个数时留有一个很小的容差。

# %%
print((1.3 - 1) / 0.1)
print(torch.arange(1, 1.3, 0.1))
print(make_range(1, 1.3, 0.1))

# %% [markdown] lang="en"
# ## Evenly spaced points: `linspace` is closed
#
# `torch.linspace(start, end, steps)` includes both ends, and `steps` is the **number of points**,
# not the distance between them. The spacing is `(end - start) / (steps - 1)`: for 0 to 10 with 5
# points it is 2.5. `space_evenly` does the same and can also leave the end out, which is what a
# periodic grid (angles, time of day) needs.

# %% [markdown] lang="zh"
# ## 均匀取点：`linspace` 两端都包含
#
# `torch.linspace(start, end, steps)` 同时包含两个端点，而 `steps` 是**点的个数**，不是点与点
# 之间的距离。间距等于 `(end - start) / (steps - 1)`：从 0 到 10 取 5 个点，间距是 2.5。
# `space_evenly` 的结果相同，还可以选择不包含终点，这正是周期性网格（角度、一天中的时刻）所需要的。

# %% raises="TypeError"
print(torch.linspace(0, 10, 5))
print(torch.linspace(2, 10, 6))
print(space_evenly(0, 10, 5, include_end=False))
try:
    space_evenly(0, 1, 0.25)
except TypeError as err:
    print(f"{type(err).__name__}: {err}")

# %% [markdown] lang="en"
# ## Random tensors and seeds
#
# `torch.rand` draws uniformly from `[0, 1)`, `torch.randn` from the standard normal distribution,
# and `torch.randint(low, high, size)` draws integers from `low` up to but **not including** `high`.
# Setting `torch.manual_seed` before drawing makes the numbers repeat exactly from run to run.

# %% [markdown] lang="zh"
# ## 随机张量与随机种子
#
# `torch.rand` 在 `[0, 1)` 上均匀取值，`torch.randn` 来自标准正态分布，
# `torch.randint(low, high, size)` 生成从 `low` 到 `high` 的整数，但**不包含** `high`。
# 在取随机数之前调用 `torch.manual_seed`，每次运行得到的数字就完全相同。

# %%
torch.manual_seed(0)
print(torch.rand(2, 3))
print(torch.randn(2, 3))
print(torch.randint(0, 10, (2, 3)))

# %%
torch.manual_seed(0)
first = torch.rand(3)
torch.manual_seed(0)
second = torch.rand(3)
print(torch.equal(first, second))

# %% [markdown] lang="en"
# The global seed affects every random call in the program. A `torch.Generator` carries its own
# seed, so one part of your code can be reproducible without disturbing the rest. `sample_uniform`
# takes a generator and scales `rand` to any interval `[low, high)`.

# %% [markdown] lang="zh"
# 全局种子会影响程序中的所有随机调用。`torch.Generator` 有自己独立的种子，可以让某一段代码
# 可复现，而不干扰其他部分。`sample_uniform` 接受一个生成器，并把 `rand` 的结果缩放到任意区间
# `[low, high)`。

# %%
g = torch.Generator().manual_seed(42)
x = sample_uniform((10000,), -1.0, 1.0, generator=g)
print(x.min().item() >= -1.0, x.max().item() < 1.0)
print(f"mean ≈ {x.mean().item():.3f}")

# %% [markdown] lang="en"
# ## `torch.normal` and its four modes
#
# `torch.normal(mean, std)` accepts numbers or tensors for each argument, which gives four modes.
# Note that the second argument is the standard deviation, not the variance.
#
# 1. number mean, number std: one distribution; you must give `size`;
# 2. tensor mean, number std: one draw per element of `mean`, all with the same spread;
# 3. number mean, tensor std: one draw per element of `std`, all centred at the same mean;
# 4. tensor mean, tensor std: one draw per element, each with its own mean and std.

# %% [markdown] lang="zh"
# ## `torch.normal` 的四种模式
#
# `torch.normal(mean, std)` 的两个参数都可以是数字或张量，因此一共有四种模式。注意第二个参数
# 是标准差，而不是方差。
#
# 1. 均值是数字、标准差是数字：只有一个分布，必须给出 `size`；
# 2. 均值是张量、标准差是数字：`mean` 的每个元素各抽一个数，离散程度相同；
# 3. 均值是数字、标准差是张量：`std` 的每个元素各抽一个数，中心都相同；
# 4. 均值和标准差都是张量：逐元素抽样，每个元素有自己的均值和标准差。

# %%
torch.manual_seed(0)
means = torch.tensor([0.0, 10.0, 20.0, 30.0])
stds = torch.tensor([1.0, 2.0, 3.0, 4.0])
print(torch.normal(0.0, 1.0, size=(4,)))
print(torch.normal(means, 1.0))
print(torch.normal(1.0, stds))
print(torch.normal(means, stds))

# %% [markdown] lang="en"
# `sample_normal` runs the same four modes. It asks for `size` when both arguments are numbers,
# refuses `size` when a tensor already fixes the shape, and rejects integer tensors and negative
# standard deviations with a clear message.

# %% [markdown] lang="zh"
# `sample_normal` 支持同样的四种模式。两个参数都是数字时它要求给出 `size`；如果张量已经决定了
# 形状，它就不接受 `size`；整数张量和负的标准差都会得到清楚的报错信息。

# %% raises=["ValueError", "TypeError"]
g = torch.Generator().manual_seed(0)
print(sample_normal(0.0, 1.0, (4,), generator=g))
print(sample_normal(means, 1.0, generator=g))
print(sample_normal(1.0, stds, generator=g))
print(sample_normal(means, stds, generator=g))
for bad_call in (
    lambda: sample_normal(0.0, 1.0),
    lambda: sample_normal(torch.tensor([1, 2]), 1.0),
):
    try:
        bad_call()
    except (ValueError, TypeError) as err:
        print(f"{type(err).__name__}: {err}")

# %% [markdown] lang="en"
# A histogram makes the difference between `rand` and `randn` visible: a flat box on `[0, 1)`
# against a bell curve centred at 0.
#
# The cell below draws its figure once for each language of this site and tags each copy with
# `display(fig, metadata={"lang": ...})`, so this page shows the one labelled in your language. In
# your own notebook, one set of labels and `plt.show()` is all you need.

# %% [markdown] lang="zh"
# 用直方图可以直观看出 `rand` 和 `randn` 的区别：一个是在 `[0, 1)` 上平坦的矩形，
# 另一个是以 0 为中心的钟形曲线。
#
# 下面的单元格为本站的每种语言各画一次图，并用 `display(fig, metadata={"lang": ...})` 标明语言，
# 所以本页只显示用你的语言标注的那一张。在你自己的 notebook 里，一套标签加 `plt.show()` 就够了。

# %%
torch.manual_seed(0)
uniform, normal = (
    torch.rand(20000).numpy(),
    torch.randn(20000).numpy(),
)
LABELS = {
    "en": {
        "rand": "rand: uniform",
        "randn": "randn: standard normal",
        "title": "rand vs randn",
        "x": "value",
        "y": "density",
    },
    "zh": {
        "rand": "rand：均匀分布",
        "randn": "randn：标准正态分布",
        "title": "均匀分布与正态分布",
        "x": "取值",
        "y": "密度",
    },
}
for lang, label in LABELS.items():
    fig, ax = plt.subplots()
    ax.hist(
        uniform, bins=60, alpha=0.6, density=True, label=label["rand"]
    )
    ax.hist(
        normal, bins=60, alpha=0.6, density=True, label=label["randn"]
    )
    ax.set_title(label["title"])
    ax.set_xlabel(label["x"])
    ax.set_ylabel(label["y"])
    ax.legend()
    display(fig, metadata={"lang": lang})
    plt.close(fig)

# %% [markdown] lang="en"
# ## Filled tensors: `zeros`, `ones`, `full` and the `_like` forms
#
# `torch.zeros`, `torch.ones` and `torch.full` take a shape. Their dtype follows the usual rules:
# zeros and ones are `float32`, while `torch.full((2, 3), 5)` is `int64` because `5` is an int.
# The `_like` versions copy shape, dtype and device from an existing tensor.

# %% [markdown] lang="zh"
# ## 填充张量：`zeros`、`ones`、`full` 以及 `_like` 版本
#
# `torch.zeros`、`torch.ones` 和 `torch.full` 都接收一个形状。它们的 dtype 遵循常规规则：
# zeros 和 ones 是 `float32`，而 `torch.full((2, 3), 5)` 是 `int64`，因为 `5` 是整数。
# 带 `_like` 的版本会从已有张量复制形状、dtype 和设备。

# %%
base = torch.ones(2, 3)
print(torch.zeros(2, 3))
print(torch.full((2, 3), 5), torch.full((2, 3), 5).dtype)
print(torch.zeros_like(base))
print(torch.ones_like(torch.tensor([1, 2, 3])))
print(torch.full_like(base, 8))

# %% [markdown] lang="en"
# Because `full_like` copies the dtype, filling an integer tensor with `0.5` silently gives zeros.
# `fill_like` raises instead and tells you to choose a float dtype.

# %% [markdown] lang="zh"
# 由于 `full_like` 会沿用原张量的 dtype，用 `0.5` 填充整数张量时会悄悄得到 0。
# `fill_like` 则会报错，并提示你改用浮点 dtype。

# %% raises="TypeError"
counts = torch.tensor([1, 2, 3])
print(torch.full_like(counts, 0.5))
print(fill_like(counts, 0.5, dtype=torch.float32))
try:
    fill_like(counts, 0.5)
except TypeError as err:
    print(f"{type(err).__name__}: {err}")

# %% [markdown] lang="en"
# ## Random permutations: `randperm`
#
# `torch.randperm(n)` returns the numbers `0 ... n-1` in random order. Indexing with it shuffles a
# tensor along its first dimension. To shuffle features and labels, use **one** permutation for
# both; `shuffle_together` does exactly that, so every row keeps its own label.

# %% [markdown] lang="zh"
# ## 随机排列：`randperm`
#
# `torch.randperm(n)` 返回把 `0 ... n-1` 打乱后的顺序。用它做索引，就能沿第一个维度打乱张量。
# 打乱特征和标签时，两者必须使用**同一个**排列；`shuffle_together` 正是这样做的，
# 所以每一行都仍然对应自己的标签。

# %%
torch.manual_seed(0)
order = torch.randperm(5)
print(order)
features = torch.arange(10).reshape(5, 2)
labels = torch.tensor([0, 10, 20, 30, 40])
print(features[order], labels[order])

# %%
g = torch.Generator().manual_seed(1)
shuffled_x, shuffled_y = shuffle_together(
    features, labels, generator=g
)
print(shuffled_x)
print(shuffled_y)
print(torch.equal(shuffled_x[:, 0] * 5, shuffled_y))

# %% [markdown] lang="en"
# ## Summary
#
# - `torch.tensor(data)` copies and infers the dtype; `torch.Tensor(2, 3)` is uninitialised memory;
#   typed constructors such as `IntTensor` truncate floats. `make_tensor` refuses lossy dtypes.
# - `arange` excludes `end` (beware float steps); `linspace` includes it and `steps` counts points.
# - Seed with `torch.manual_seed` or a `torch.Generator`; `randint`'s `high` is excluded.
# - `torch.normal` has four modes; the second argument is the standard deviation.
# - `full_like` keeps the dtype and may truncate your value; `fill_like` checks it.
# - Shuffle paired tensors with one `randperm`, as `shuffle_together` does.

# %% [markdown] lang="zh"
# ## 小结
#
# - `torch.tensor(data)` 会复制数据并推断 dtype；`torch.Tensor(2, 3)` 是未初始化的内存；
#   `IntTensor` 等指定类型的构造函数会截断浮点数。`make_tensor` 拒绝会丢失信息的 dtype。
# - `arange` 不包含 `end`（浮点步长要小心）；`linspace` 包含 `end`，`steps` 表示点的个数。
# - 用 `torch.manual_seed` 或 `torch.Generator` 设定随机种子；`randint` 不包含 `high`。
# - `torch.normal` 有四种模式，第二个参数是标准差。
# - `full_like` 沿用原 dtype，可能截断填充值；`fill_like` 会检查这一点。
# - 成对的张量要用同一个 `randperm` 打乱，`shuffle_together` 就是这样做的。

# %% [markdown] lang="en"
# ## More recipes: copying a tensor
#
# `torch.tensor(data)` copies Python or NumPy data. Given a tensor it copies too, but warns and
# recommends `t.detach().clone()`: `clone()` alone stays in the autograd graph (gradients flow back
# to `t`), and `detach()` alone shares `t`'s memory. `copy_tensor` is `detach().clone()`; with
# `requires_grad=True` the copy is a fresh leaf tensor with gradients of its own.

# %% [markdown] lang="zh"
# ## 更多工具函数：复制张量
#
# `torch.tensor(data)` 会复制 Python 或 NumPy 数据。传入的如果是张量，它同样会复制，但会发出警告，
# 建议改用 `t.detach().clone()`：只调用 `clone()` 的结果仍在自动求导的计算图中（梯度会传回
# `t`），只调用 `detach()` 的结果则与 `t` 共享内存。`copy_tensor` 就是 `detach().clone()`；
# 传入 `requires_grad=True` 时，副本是一个新的叶子张量，有自己的梯度。

# %% raises="TypeError"
import warnings

from recipes.creation import copy_tensor

weights = torch.tensor([1.0, 2.0], requires_grad=True)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    torch.tensor(weights)
print(caught[0].message)
print(
    weights.clone().grad_fn.name(),
    weights.detach().data_ptr() == weights.data_ptr(),
)
copied = copy_tensor(weights)
copied[0] = 10.0
print(weights, copied)
print(copy_tensor(weights, requires_grad=True).is_leaf)
try:
    copy_tensor([1.0, 2.0])
except TypeError as err:
    print(f"{type(err).__name__}: {err}")
