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
# # PyTorch and NumPy
#
# Data often arrives as NumPy arrays and results often leave as them, for plotting or for
# scikit-learn. Converting is cheap because PyTorch can *share* memory with NumPy, but sharing is
# also the source of confusing bugs: change one object and the other changes too. This tutorial
# shows which conversions share and which copy, how to break the link on purpose, how to get a
# plain Python number out of a tensor, and the dtype and autograd pitfalls on the way, using raw
# PyTorch next to the recipes in `recipes.numpy_interop`.

# %% [markdown] lang="zh"
# # PyTorch 与 NumPy 互相转换
#
# 数据常常以 NumPy 数组的形式进来，结果也常常要转回 NumPy，用来画图或交给 scikit-learn。
# 这种转换代价很低，因为 PyTorch 可以与 NumPy *共享*内存；但共享也是一类让人困惑的 bug 的来源：
# 改了一个对象，另一个也跟着变。本教程说明哪些转换共享内存、哪些会复制，如何主动断开这种联系，
# 如何从张量中取出普通的 Python 数字，以及途中会遇到的 dtype 和 autograd 陷阱。每一步都把
# PyTorch 原始写法与 `recipes.numpy_interop` 中的工具函数对照展示。

# %%
import numpy as np
import torch

from recipes.numpy_interop import (
    as_scalar,
    copy_from_numpy,
    shares_memory,
    to_numpy,
    wrap_numpy,
)

# %% [markdown] lang="en"
# ## Tensor to NumPy: `.numpy()` shares memory
#
# `tensor.numpy()` does not copy: the array is a second view of the tensor's memory. Writing into
# the array changes the tensor, and the other way round.

# %% [markdown] lang="zh"
# ## 张量转 NumPy：`.numpy()` 共享内存
#
# `tensor.numpy()` 不会复制数据：得到的数组只是张量内存的另一个视图。修改数组会改变张量，
# 反过来也一样。

# %%
t = torch.tensor([[1, 2, 3], [4, 5, 6]])
a = t.numpy()
a[0, 0] = 100
t[1, 2] = -6
print(t)
print(a)

# %% [markdown] lang="en"
# To get an independent array, copy it: `t.numpy().copy()`. `to_numpy(t, copy=True)` does the same,
# and `shares_memory` lets you check instead of guessing.

# %% [markdown] lang="zh"
# 如果需要互不影响的数组，就复制一份：`t.numpy().copy()`。`to_numpy(t, copy=True)` 的作用相同，
# 而 `shares_memory` 可以让你直接检查，而不必猜测。

# %%
t = torch.tensor([1.0, 2.0, 3.0])
shared = to_numpy(t)
independent = to_numpy(t, copy=True)
independent[0] = 50.0
print(t, independent)
print(shares_memory(t, shared), shares_memory(t, independent))
print(shares_memory(t, t.numpy().copy()))

# %% [markdown] lang="en"
# ## NumPy to tensor: `from_numpy` shares, `torch.tensor` copies
#
# `torch.from_numpy(array)` wraps the array's memory, so changes show up on both sides.
# `torch.tensor(array)` copies the data into new memory, and so does
# `torch.from_numpy(array).clone()`.

# %% [markdown] lang="zh"
# ## NumPy 转张量：`from_numpy` 共享，`torch.tensor` 复制
#
# `torch.from_numpy(array)` 直接包装数组的内存，所以修改会在两边同时出现。
# `torch.tensor(array)` 会把数据复制到新的内存中，`torch.from_numpy(array).clone()` 也一样。

# %%
arr = np.array([[1, 2, 3], [4, 5, 6]])
wrapped = torch.from_numpy(arr)
copied = torch.tensor(arr)
cloned = torch.from_numpy(arr).clone()
wrapped[0, 0] = 8888
print(arr)
print(copied)
print(cloned)

# %% [markdown] lang="en"
# `wrap_numpy` and `copy_from_numpy` make the choice visible in the name. `wrap_numpy` also
# refuses arrays that `from_numpy` cannot or should not wrap: arrays with negative strides, such as
# `arr[::-1]`, which PyTorch does not support, and read-only arrays, for which `from_numpy` only
# prints a warning. `copy_from_numpy` accepts both, because it copies anyway.

# %% [markdown] lang="zh"
# `wrap_numpy` 和 `copy_from_numpy` 让“共享还是复制”直接体现在函数名中。`wrap_numpy` 还会拒绝
# `from_numpy` 无法包装或不应包装的数组：带负步幅的数组（例如 `arr[::-1]`，PyTorch 不支持），
# 以及只读数组（`from_numpy` 对它只给出一个警告）。`copy_from_numpy` 这两种都能接受，
# 因为它本来就会复制。

# %% raises="ValueError"
arr = np.arange(5.0)
view = wrap_numpy(arr)
view[0] = -1.0
print(arr, shares_memory(view, arr))
try:
    wrap_numpy(arr[::-1])
except ValueError as err:
    print(f"{type(err).__name__}: {err}")
print(copy_from_numpy(arr[::-1]))

# %% [markdown] lang="en"
# ## The integer dtype depends on the platform
#
# `np.array([1, 2, 3])` uses NumPy's default integer. On Linux and macOS that is `int64`, so
# `from_numpy` gives an `int64` tensor here; on Windows with NumPy older than 2.0 it was `int32`,
# which is why some tutorials show `dtype=torch.int32`. Code that needs a fixed dtype should say so,
# either when building the array or when converting.

# %% [markdown] lang="zh"
# ## 整数 dtype 取决于平台
#
# `np.array([1, 2, 3])` 使用 NumPy 的默认整数类型。在 Linux 和 macOS 上它是 `int64`，所以这里
# `from_numpy` 得到的是 `int64` 张量；而在 Windows 上、NumPy 2.0 之前的版本中它是 `int32`，
# 这就是有些教程里显示 `dtype=torch.int32` 的原因。如果代码需要固定的 dtype，就应该明确写出来：
# 在创建数组时指定，或者在转换时指定。

# %%
arr = np.array([1, 2, 3])
print(arr.dtype, np.dtype(int))
print(torch.from_numpy(arr).dtype)
print(torch.from_numpy(np.array([1, 2, 3], dtype=np.int64)).dtype)
print(
    copy_from_numpy(
        np.array([1, 2, 3], dtype=np.int32), dtype=torch.int64
    ).dtype
)

# %% [markdown] lang="en"
# Float arrays are `float64` in NumPy while PyTorch models usually want `float32`, so convert
# explicitly. `copy_from_numpy` checks that the conversion does not change values: a fractional
# array cannot become an integer tensor.

# %% [markdown] lang="zh"
# NumPy 的浮点数组是 `float64`，而 PyTorch 模型通常需要 `float32`，因此要显式转换。
# `copy_from_numpy` 会检查转换是否改变了数值：带小数的数组不能变成整数张量。

# %% raises="ValueError"
features = np.array([[0.5, 1.5], [2.0, 3.0]])
print(
    torch.from_numpy(features).dtype,
    copy_from_numpy(features, dtype=torch.float32).dtype,
)
try:
    copy_from_numpy(features, dtype=torch.int64)
except ValueError as err:
    print(f"{type(err).__name__}: {err}")

# %% [markdown] lang="en"
# ## Tensors that require gradients
#
# A tensor that tracks gradients cannot go to NumPy directly; detach it from the autograd graph
# first with `.detach()`. Tensors on a GPU also need `.cpu()`, so the full spelling is
# `t.detach().cpu().numpy()` (recent PyTorch also offers `t.numpy(force=True)`). `to_numpy` does the
# device move for you but only detaches when you say `detach=True`, so that leaving the graph is a
# deliberate choice.

# %% [markdown] lang="zh"
# ## 需要梯度的张量
#
# 记录梯度的张量不能直接转成 NumPy，需要先用 `.detach()` 把它从计算图中分离出来。位于 GPU 上的
# 张量还需要 `.cpu()`，所以完整写法是 `t.detach().cpu().numpy()`（较新的 PyTorch 还提供
# `t.numpy(force=True)`）。`to_numpy` 会替你处理设备迁移，但只有在你写明 `detach=True` 时才会
# 分离计算图，这样离开计算图就是一个有意识的决定。

# %% raises=["RuntimeError", "ValueError"]
w = torch.tensor([1.0, 2.0], requires_grad=True)
try:
    w.numpy()
except RuntimeError as err:
    print(f"{type(err).__name__}: {err}")
print(w.detach().numpy())
try:
    to_numpy(w)
except ValueError as err:
    print(f"{type(err).__name__}: {err}")
print(to_numpy(w, detach=True))

# %% [markdown] lang="en"
# ## One number out: `.item()`
#
# `.item()` returns the value of a tensor with exactly **one element** as a Python number. The
# shape does not matter: `()`, `(1,)` and `(1, 1)` all work. It is the usual way to log a loss,
# because the Python number holds no reference to the autograd graph.

# %% [markdown] lang="zh"
# ## 取出一个数：`.item()`
#
# `.item()` 把**只有一个元素**的张量中的值作为 Python 数字返回。形状无关紧要：`()`、`(1,)`、
# `(1, 1)` 都可以。记录损失值时通常就用它，因为 Python 数字不会持有对计算图的引用。

# %%
for single in (
    torch.tensor(10),
    torch.tensor([10]),
    torch.tensor([[10]]),
):
    print(
        tuple(single.shape),
        single.item(),
        type(single.item()).__name__,
    )
loss = (w**2).sum()
print(loss, loss.item())

# %% [markdown] lang="en"
# With more than one element, `.item()` raises. `as_scalar` gives the same result for one element
# and a message with the offending shape otherwise.

# %% [markdown] lang="zh"
# 元素多于一个时，`.item()` 会报错。`as_scalar` 在只有一个元素时结果相同，否则给出包含出错
# 形状的提示信息。

# %% raises=["RuntimeError", "ValueError"]
print(as_scalar(torch.tensor([[2.5]])), as_scalar(loss))
try:
    torch.tensor([1.0, 2.0]).item()
except RuntimeError as err:
    print(f"{type(err).__name__}: {err}")
try:
    as_scalar(torch.zeros(2, 3))
except ValueError as err:
    print(f"{type(err).__name__}: {err}")

# %% [markdown] lang="en"
# ## Summary
#
# - `t.numpy()` and `torch.from_numpy(a)` share memory; `torch.tensor(a)`, `.copy()` and
#   `.clone()` make independent copies. `shares_memory` tells you which case you have.
# - `from_numpy` rejects negative strides and only warns about read-only arrays; `wrap_numpy`
#   refuses both clearly, `copy_from_numpy` copies them.
# - `np.array([1, 2, 3])` is `int64` on Linux but was `int32` on Windows with NumPy < 2; name the
#   dtype when it matters.
# - Detach (and move to the CPU) before converting a tensor that requires grad; `to_numpy` asks
#   for `detach=True`.
# - `.item()` works for any one-element tensor; `as_scalar` explains failures.

# %% [markdown] lang="zh"
# ## 小结
#
# - `t.numpy()` 和 `torch.from_numpy(a)` 共享内存；`torch.tensor(a)`、`.copy()` 和 `.clone()`
#   会生成独立的副本。`shares_memory` 可以告诉你属于哪种情况。
# - `from_numpy` 拒绝负步幅，对只读数组只给警告；`wrap_numpy` 会明确拒绝这两种数组，
#   `copy_from_numpy` 则会复制它们。
# - `np.array([1, 2, 3])` 在 Linux 上是 `int64`，在 Windows 的 NumPy 2 之前的版本中却是 `int32`；
#   dtype 重要时请明确写出。
# - 需要梯度的张量在转换前要先分离（并移到 CPU）；`to_numpy` 要求你写明 `detach=True`。
# - `.item()` 适用于任何只有一个元素的张量；`as_scalar` 会解释失败的原因。
