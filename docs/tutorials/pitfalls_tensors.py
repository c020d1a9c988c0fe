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
# # Pitfalls in popular PyTorch tutorials: tensors
#
# Many PyTorch tutorials on the web were written for old versions, or were never run as printed:
# their code calls APIs that are deprecated or gone, and the outputs they show are not what PyTorch
# prints today. This page and its companion collect the mistakes that come up again and again. Each
# section shows the mistake running here, with the error caught and printed (so you see the exact
# message you would get), then the code that does the job correctly.
#
# This page covers tensors themselves: stale APIs, outputs that tutorials claim but PyTorch does
# not print, dtypes that depend on the platform or on NumPy, creating, reshaping and converting
# tensors, and integer arithmetic. Autograd, modules, optimizers, losses, evaluation mode and
# devices are on the other page, [Pitfalls: training](../pitfalls_training/).

# %% [markdown] lang="zh"
# # 流行 PyTorch 教程中的常见陷阱：张量
#
# 网上很多 PyTorch 教程是为旧版本写的，有的甚至从来没有按原样运行过：代码里用了已经弃用或删除的
# API，贴出来的输出也和如今 PyTorch 实际打印的不一样。本页和它的姊妹篇把反复出现的错误集中起来。
# 每一节都在这里真实运行一遍错误写法（异常被捕获并打印出来，让你看到真正会遇到的报错信息），
# 再给出正确的写法。
#
# 本页讲张量本身：过时的 API、教程声称但 PyTorch 并不会打印的输出、依赖平台或 NumPy 的 dtype、
# 张量的创建、变形与转换，以及整数运算。自动求导、模块、优化器、损失函数、评估模式和设备相关的
# 陷阱在另一页：[常见陷阱：训练](../pitfalls_training/)。

# %%
import warnings

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

print(torch.__version__, np.__version__)

# %% [markdown] lang="en"
# ## Stale API: `torch.add(a, 10, b)`
#
# Old tutorials compute `a + 10 * b` with `torch.add(a, 10, b)`. That overload is deprecated:
# it still runs, but PyTorch warns about it and it may disappear. Pass the multiplier as `alpha=`.

# %% [markdown] lang="zh"
# ## 过时的 API：`torch.add(a, 10, b)`
#
# 旧教程用 `torch.add(a, 10, b)` 来计算 `a + 10 * b`。这种重载已被弃用：现在还能运行，但 PyTorch
# 会发出警告，将来可能被移除。应该用关键字参数 `alpha=` 传入倍数。

# %%
a = torch.tensor([1.0, 2.0, 3.0])
b = torch.tensor([0.5, 0.5, 0.5])

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    old_style = torch.add(a, 10, b)
for warning in caught:
    print(
        f"{warning.category.__name__}: "
        f"{str(warning.message).splitlines()[0]}"
    )
old_style

# %%
torch.add(a, b, alpha=10)

# %% [markdown] lang="en"
# ## Stale API: `Variable` wrappers
#
# Before PyTorch 0.4, a tensor had to be wrapped in `torch.autograd.Variable` to take part in
# autograd. Since 0.4 the wrapper does nothing: `Variable(t)` just returns a plain `torch.Tensor`.

# %% [markdown] lang="zh"
# ## 过时的 API：`Variable` 包装
#
# 在 PyTorch 0.4 之前，张量必须用 `torch.autograd.Variable` 包起来才能参与自动求导。从 0.4 起这层
# 包装已经没有任何作用：`Variable(t)` 返回的就是普通的 `torch.Tensor`。

# %%
from torch.autograd import Variable

wrapped = Variable(torch.ones(2), requires_grad=True)
print(type(wrapped), wrapped.requires_grad)

# %% [markdown] lang="en"
# Write this instead: create the tensor with `requires_grad=True`, or switch it on in place with
# `requires_grad_()`.

# %% [markdown] lang="zh"
# 正确写法：创建张量时直接传 `requires_grad=True`，或者对已有张量调用 `requires_grad_()` 原地打开。

# %%
weights = torch.ones(2, requires_grad=True)
bias = torch.zeros(2).requires_grad_()
print(weights.requires_grad, bias.requires_grad)

# %% [markdown] lang="en"
# ## An API that never existed: `torch.functional.relu`
#
# `torch.functional.relu` is not an old spelling that was removed: no PyTorch release had it. It is
# a slip for `torch.nn.functional.relu`. `torch.functional` is a small module of helpers such as
# `torch.functional.einsum`, with no activation functions. ReLU lives in `torch.relu`,
# `torch.nn.functional.relu` and the layer `nn.ReLU`.

# %% [markdown] lang="zh"
# ## 从未存在过的 API：`torch.functional.relu`
#
# `torch.functional.relu` 并不是一个后来被移除的旧写法：PyTorch 从来没有哪个版本提供过它，
# 它其实是 `torch.nn.functional.relu` 的笔误。`torch.functional` 只是一个放了
# `torch.functional.einsum` 等辅助函数的小模块，里面没有激活函数。
# ReLU 在 `torch.relu`、`torch.nn.functional.relu` 以及网络层 `nn.ReLU` 里。

# %% raises="AttributeError"
z = torch.tensor([-1.0, 0.0, 2.0])
try:
    torch.functional.relu(z)
except AttributeError as err:
    print(f"{type(err).__name__}: {err}")

# %%
print(torch.relu(z))
print(F.relu(z))
print(nn.ReLU()(z))

# %% [markdown] lang="en"
# ## Wrong claimed outputs
#
# Comments such as `# tensor([1, 2, 3], dtype=torch.int32)` under a `print` are often copied
# from another machine, another version, or written by hand. Here are real outputs for
# claims that popular tutorials get wrong. First, `torch.from_numpy(np.array([1, 2, 3]))` is
# often shown with `dtype=torch.int32`; on Linux and macOS (and on Windows with NumPy 2) it is
# `int64`, which PyTorch prints without a dtype suffix.

# %% [markdown] lang="zh"
# ## 错误的“示例输出”
#
# 教程里写在 `print` 下面的注释（比如 `# tensor([1, 2, 3], dtype=torch.int32)`）常常是从别的机器、
# 别的版本抄来的，甚至是手写的。下面是一些流行教程写错的输出，这里给出真实结果。首先，
# `torch.from_numpy(np.array([1, 2, 3]))` 经常被写成 `dtype=torch.int32`；在 Linux 和 macOS 上
# （以及使用 NumPy 2 的 Windows 上）它是 `int64`，而 PyTorch 打印 `int64` 张量时不显示 dtype。

# %%
torch.from_numpy(np.array([1, 2, 3]))

# %% [markdown] lang="en"
# `torch.full` with an integer fill value used to return floats; today it infers `int64` from the
# fill value, so tutorials that show `10.` are out of date. And `torch.linspace` returns floating
# point numbers (the default dtype) unless you pass `dtype=`: PyTorch prints them as `2.` when
# every value is whole and with four decimals (`3.6000`) otherwise, not as integers like
# `2, 4, 6`. With `dtype=torch.int64` the points are computed and then truncated towards zero.

# %% [markdown] lang="zh"
# 以前用整数填充的 `torch.full` 会返回浮点数；现在它根据填充值推断出 `int64`，所以教程里显示
# `10.` 的写法已经过时。除非传入 `dtype=`，`torch.linspace` 返回的是浮点数（默认 dtype）：
# 所有值都是整数值时 PyTorch 打印成 `2.` 这种形式，否则保留四位小数（如 `3.6000`），
# 而不是 `2, 4, 6` 这样的整数。传入 `dtype=torch.int64` 时，先算出各个点，再向零截断成整数。

# %%
print(torch.full((2, 2), 10))
print(torch.linspace(2, 10, 5))
print(torch.linspace(2, 10, 6))
print(torch.linspace(2, 10, 6, dtype=torch.int64))
assert torch.linspace(2, 10, 5).dtype == torch.get_default_dtype()

# %% [markdown] lang="en"
# Statistics of an integer tensor are another source of invented outputs: `mean()` and `std()`
# of `torch.tensor([1, 2, 3, 4, 5])` do not print `3.0` and `1.4142`, they raise, because these
# reductions only accept floating point (or complex) tensors.

# %% [markdown] lang="zh"
# 整数张量的统计量也常被“编造”输出：对 `torch.tensor([1, 2, 3, 4, 5])` 调用 `mean()` 和 `std()`
# 并不会打印 `3.0` 和 `1.4142`，而是直接报错，因为这两个归约只接受浮点（或复数）张量。

# %% raises="RuntimeError"
whole = torch.tensor([1, 2, 3, 4, 5])
for statistic in (torch.mean, torch.std):
    try:
        statistic(whole)
    except RuntimeError as err:
        print(f"{type(err).__name__}: {err}")

# %% [markdown] lang="en"
# Convert to floats first. Even then the standard deviation is 1.5811, not 1.4142: `torch.std`
# divides by `n - 1` unless you pass `correction=0`. Note also that `print(t)` shows
# `tensor(3.)` while an f-string formats a zero-dimensional tensor as a plain `3.0`; the two are easy
# to mix up when copying outputs.

# %% [markdown] lang="zh"
# 先转换成浮点数。即便如此，标准差也是 1.5811 而不是 1.4142：`torch.std` 默认除以 `n - 1`，除非
# 传入 `correction=0`。还要注意，`print(t)` 显示的是 `tensor(3.)`，而 f-string 会把零维张量格式化
# 成普通的 `3.0`；抄输出时两者很容易混淆。

# %%
values = whole.float()
print(values.std(), values.std(correction=0))
print(values.mean())
print(f"{values.mean()}")

# %% [markdown] lang="en"
# Gradients printed in tutorials are sometimes simply wrong. For `out = mean(3 * (x + 2) ** 2)`
# with `x = [2, 3]`, the derivative is `3 * (x + 2)`, that is `[12, 15]`; autograd agrees.

# %% [markdown] lang="zh"
# 教程里打印的梯度有时干脆是错的。对于 `out = mean(3 * (x + 2) ** 2)`，当 `x = [2, 3]` 时，
# 导数是 `3 * (x + 2)`，即 `[12, 15]`；自动求导的结果与之一致。

# %%
x = torch.tensor([2.0, 3.0], requires_grad=True)
out = (3 * (x + 2) ** 2).mean()
out.backward()
print(x.grad, 3 * (x.detach() + 2))

# %% [markdown] lang="en"
# ## Platform-dependent dtypes
#
# NumPy's default integer follows the platform: with NumPy 1.x on Windows it is `int32`, elsewhere
# `int64`. `torch.from_numpy` and `torch.as_tensor` keep NumPy's dtype, so the same script gives
# different dtypes on different machines. Name the dtype whenever it matters.

# %% [markdown] lang="zh"
# ## 依赖平台的数据类型
#
# NumPy 的默认整数类型随平台而变：Windows 上的 NumPy 1.x 是 `int32`，其他情况是 `int64`。
# `torch.from_numpy` 和 `torch.as_tensor` 会保留 NumPy 的 dtype，所以同一段脚本在不同机器上会得到
# 不同的 dtype。只要 dtype 重要，就明确写出来。

# %%
counts = np.array([1, 2, 3])
print("NumPy default integer here:", counts.dtype)
print(torch.as_tensor(counts, dtype=torch.int64).dtype)
print(torch.from_numpy(np.array([1, 2, 3], dtype=np.int64)).dtype)

# %% [markdown] lang="en"
# Floating point data has the same trap in another form: NumPy defaults to `float64`, PyTorch
# layers to `float32`. Feeding a NumPy array straight into a layer fails.

# %% [markdown] lang="zh"
# 浮点数据也有同样的坑，只是换了个样子：NumPy 默认是 `float64`，而 PyTorch 的网络层默认是
# `float32`。直接把 NumPy 数组喂给网络层会报错。

# %% raises="RuntimeError"
layer = nn.Linear(2, 1)
features = np.array([[0.5, 1.5], [2.0, -1.0]])
try:
    layer(torch.from_numpy(features))
except RuntimeError as err:
    print(f"{type(err).__name__}: {err}")

# %%
inputs = torch.as_tensor(features, dtype=torch.float32)
print(inputs.dtype, layer(inputs).shape)

# %% [markdown] lang="en"
# ## `torch.Tensor(2, 3)` is uninitialised memory
#
# The class constructor `torch.Tensor(2, 3)` does not make a tensor holding 2 and 3: it allocates a
# 2×3 `float32` tensor and leaves whatever bytes were in memory. Its values are garbage and change
# from run to run, so we only look at its shape and dtype.

# %% [markdown] lang="zh"
# ## `torch.Tensor(2, 3)` 是未初始化的内存
#
# 类构造函数 `torch.Tensor(2, 3)` 并不会创建一个装着 2 和 3 的张量：它分配一块 2×3 的 `float32`
# 内存，里面是原来残留的任意字节。这些值是垃圾数据，每次运行都可能不同，所以这里只看它的形状和
# dtype。

# %%
garbage = torch.Tensor(2, 3)
print(garbage.shape, garbage.dtype)

# %% [markdown] lang="en"
# Use the lowercase function `torch.tensor` for data, `torch.zeros` / `torch.ones` / `torch.full`
# for known values, and `torch.empty` only when you will overwrite every element.

# %% [markdown] lang="zh"
# 从数据创建张量请用小写的函数 `torch.tensor`；需要确定的初始值就用 `torch.zeros`、`torch.ones`、
# `torch.full`；只有在你马上会覆盖每个元素时才用 `torch.empty`。

# %%
print(torch.tensor([2, 3]))
print(torch.zeros(2, 3))
print(torch.empty(2, 3).fill_(7.0))

# %% [markdown] lang="en"
# ## `view` on a non-contiguous tensor
#
# `view` only reinterprets the existing memory, so it needs a compatible memory layout. After
# `transpose`, `t()` or `permute` the tensor usually is not contiguous and `view` fails.

# %% [markdown] lang="zh"
# ## 对非连续张量调用 `view`
#
# `view` 只是用另一种形状解读同一块内存，所以要求内存布局与之兼容。经过 `transpose`、`t()` 或
# `permute` 之后，张量通常不再连续，`view` 就会报错。

# %% raises="RuntimeError"
grid = torch.arange(6).reshape(2, 3)
flipped = grid.t()
print(flipped.is_contiguous())
try:
    flipped.view(6)
except RuntimeError as err:
    print(f"{type(err).__name__}: {err}")

# %% [markdown] lang="en"
# `reshape` copies only when it must; `contiguous().view(...)` copies explicitly. Both give the
# elements in the transposed order.

# %% [markdown] lang="zh"
# `reshape` 只在必要时才复制数据；`contiguous().view(...)` 则显式复制。两者都按转置后的顺序给出元素。

# %%
print(flipped.reshape(6))
print(flipped.contiguous().view(6))

# %% [markdown] lang="en"
# ## `.item()` on a tensor with several elements
#
# `.item()` turns a one-element tensor into a Python number. On anything larger it raises.

# %% [markdown] lang="zh"
# ## 对多元素张量调用 `.item()`
#
# `.item()` 把只有一个元素的张量转成 Python 数值；元素多于一个就会报错。

# %% raises="RuntimeError"
scores = torch.tensor([0.25, 0.75])
try:
    scores.item()
except RuntimeError as err:
    print(f"{type(err).__name__}: {err}")

# %%
print(scores.tolist())
print(scores[1].item(), scores.sum().item())

# %% [markdown] lang="en"
# ## `.numpy()` on a tensor that requires grad
#
# A tensor that is part of the autograd graph cannot be handed to NumPy directly. Detach it first
# (and move it to the CPU if it lives on a GPU).

# %% [markdown] lang="zh"
# ## 对需要梯度的张量调用 `.numpy()`
#
# 处在自动求导计算图中的张量不能直接交给 NumPy。先 `detach()`（如果在 GPU 上，还要先移到 CPU）。

# %% raises="RuntimeError"
param = torch.tensor([1.0, 2.0], requires_grad=True)
try:
    param.numpy()
except RuntimeError as err:
    print(f"{type(err).__name__}: {err}")

# %%
param.detach().cpu().numpy()

# %% [markdown] lang="en"
# ## Integer division and dtype promotion
#
# `/` is always true division and returns floats, even for integer tensors (very old PyTorch
# truncated). `//` floors, so negative numbers round down. Mixing an integer tensor with a Python
# float gives a float result, but an in-place update cannot change the tensor's dtype. And
# unsigned integers wrap around instead of going negative.

# %% [markdown] lang="zh"
# ## 整数除法与类型提升
#
# `/` 总是真除法，即使是整数张量也返回浮点数（很老的 PyTorch 会截断）。`//` 是向下取整，所以负数会
# 往更小的方向取整。整数张量和 Python 浮点数运算得到浮点结果，但原地运算不能改变张量自身的 dtype。
# 另外，无符号整数减过头会回绕，而不会变成负数。

# %%
ints = torch.tensor([5, 7, -5])
print(ints / 2)
print(ints // 2)
print(ints + 0.5)
print(torch.tensor([1, 2], dtype=torch.uint8) - 3)

# %% raises="RuntimeError"
try:
    ints += 0.5
except RuntimeError as err:
    print(f"{type(err).__name__}: {err}")
try:
    ints.mean()
except RuntimeError as err:
    print(f"{type(err).__name__}: {err}")

# %% [markdown] lang="en"
# Convert explicitly when you want floats, and pick a signed dtype for values that can go below
# zero.

# %% [markdown] lang="zh"
# 需要浮点数就显式转换；可能小于零的值要选用有符号的 dtype。

# %%
as_float = ints.float()
as_float += 0.5
print(as_float, ints.float().mean())
print(torch.tensor([1, 2], dtype=torch.int16) - 3)

# %% [markdown] lang="en"
# ## Checklist
#
# - Use `alpha=` in `torch.add`, plain tensors instead of `Variable`, and `torch.relu` or
#   `torch.nn.functional.relu`.
# - Trust outputs you have run yourself; name dtypes explicitly when data comes from NumPy.
# - Create tensors with `torch.tensor` / `torch.zeros`, not `torch.Tensor(2, 3)`.
# - Use `reshape` (or `contiguous().view`), `.tolist()` for many values, `.detach().cpu().numpy()`.
# - Convert integer tensors with `.float()` before averaging them or adding fractions, and use a
#   signed dtype for values that can go below zero.
#
# To run the code of any tutorial and compare it with the outputs the tutorial claims, use
# `torch-recipes check`, described on the *Tutorial checker* page.
#
# Next: the mistakes around autograd and training loops, in
# [Pitfalls: training](../pitfalls_training/).

# %% [markdown] lang="zh"
# ## 检查清单
#
# - `torch.add` 用 `alpha=`；不再用 `Variable`，直接用普通张量；ReLU 用 `torch.relu` 或
#   `torch.nn.functional.relu`。
# - 只相信自己运行过的输出；数据来自 NumPy 时明确写出 dtype。
# - 用 `torch.tensor` / `torch.zeros` 创建张量，不要用 `torch.Tensor(2, 3)`。
# - 用 `reshape`（或 `contiguous().view`）；多个值用 `.tolist()`；转 NumPy 用
#   `.detach().cpu().numpy()`。
# - 整数张量求平均或加上小数之前先用 `.float()` 转换；可能小于零的值用有符号的 dtype。
#
# 想运行任意一篇教程的代码并与它声称的输出比对，可以使用 `torch-recipes check`，用法见“教程检查器”
# 页面。
#
# 下一篇：自动求导和训练循环中的错误，见[常见陷阱：训练](../pitfalls_training/)。
