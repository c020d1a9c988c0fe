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
# # Tensor dtypes
#
# Every tensor has one element type, its *dtype*: `float32`, `int64`, `bool` and so on. The dtype
# decides how much memory a tensor uses, which values it can hold, what the result of mixing two
# tensors is, and whether autograd can compute gradients for it. You will learn how PyTorch picks
# default dtypes, how to read and convert them, how type promotion works, and where conversions
# silently change your numbers, using raw PyTorch next to the recipes in `recipes.dtypes`.

# %% [markdown] lang="zh"
# # 张量的数据类型
#
# 每个张量都有唯一的元素类型，也就是 *dtype*：`float32`、`int64`、`bool` 等。dtype 决定了
# 张量占用多少内存、能存放哪些数值、两个张量混合运算时结果是什么类型，以及 autograd 能否为它
# 计算梯度。本教程会讲解 PyTorch 如何选择默认 dtype、如何查看和转换 dtype、类型提升的规则，
# 以及哪些转换会悄悄改变你的数值；每一步都把 PyTorch 原始写法和 `recipes.dtypes` 中的工具函数
# 放在一起对照。

# %%
import numpy as np
import torch

from recipes.dtypes import (
    cast_safely,
    describe_dtype,
    make_trainable,
    match_dtypes,
    parse_dtype,
    predict_result_dtype,
)

# %% [markdown] lang="en"
# ## Default dtypes
#
# When you do not name a dtype, PyTorch infers it from the data: Python ints become `int64`,
# Python floats become the *default float dtype* (`float32` unless you change it with
# `torch.set_default_dtype`), Python bools become `bool` and complex numbers `complex64`.
# NumPy arrays are different: they keep their own dtype, and NumPy's floats are `float64`.

# %% [markdown] lang="zh"
# ## 默认 dtype
#
# 如果不指定 dtype，PyTorch 会根据数据推断：Python 整数变成 `int64`，Python 浮点数变成
# *默认浮点类型*（除非用 `torch.set_default_dtype` 修改，否则是 `float32`），Python 布尔值
# 变成 `bool`，复数变成 `complex64`。NumPy 数组则不同：它们保留自己的 dtype，而 NumPy 的
# 浮点数默认是 `float64`。

# %%
print(torch.tensor([1, 2]).dtype)
print(torch.tensor([1.0, 2.0]).dtype)
print(torch.tensor([True]).dtype, torch.tensor([1j]).dtype)
print(torch.get_default_dtype())
print(torch.tensor(np.array([1.0, 2.0])).dtype)

# %% [markdown] lang="en"
# ## Reading a dtype: `.dtype` versus `.type()`
#
# `tensor.dtype` is a `torch.dtype` object. The older `tensor.type()` called without arguments
# returns a **string** such as `'torch.FloatTensor'`, so comparing it with `torch.float32` is
# always `False`. `describe_dtype` shows both names together with the kind and size of the dtype.

# %% [markdown] lang="zh"
# ## 查看 dtype：`.dtype` 与 `.type()`
#
# `tensor.dtype` 是一个 `torch.dtype` 对象。较老的 `tensor.type()` 在不带参数调用时返回的是
# **字符串**，例如 `'torch.FloatTensor'`，所以拿它和 `torch.float32` 比较永远是 `False`。
# `describe_dtype` 会同时列出这两种名字，以及 dtype 的种类和位数。

# %%
x = torch.tensor([1.5, 2.5])
print(x.dtype, type(x.dtype).__name__)
print(x.type(), type(x.type()).__name__)
print(x.type() == torch.float32)
describe_dtype(x)

# %% [markdown] lang="en"
# `parse_dtype` goes the other way: it turns a name from a config file or the command line,
# including the legacy `.type()` strings, into a `torch.dtype`.

# %% [markdown] lang="zh"
# `parse_dtype` 做的是反方向的事：把配置文件或命令行里的名字（包括 `.type()` 返回的旧式字符串）
# 转换成 `torch.dtype`。

# %%
for name in (
    "half",
    "float32",
    "long",
    "torch.IntTensor",
    "torch.DoubleTensor",
):
    print(f"{name!r:>22} -> {parse_dtype(name)}")

# %% [markdown] lang="en"
# ## Converting: `.type(dtype)`, `.to(dtype)` and the shortcut methods
#
# Called **with** an argument, `.type(...)` converts. The modern spelling is `.to(dtype)`, and
# there are shortcut methods for the common dtypes: `.half()` (float16), `.float()` (float32),
# `.double()` (float64), `.short()` (int16), `.int()` (int32) and `.long()` (int64).
# Each leaves the original tensor alone and returns a converted copy, except when the dtype
# already matches: then you get the same tensor back (`t.long() is t`), so an in-place change to
# the "copy" changes the original. Use `.clone()` when you need a copy.

# %% [markdown] lang="zh"
# ## 类型转换：`.type(dtype)`、`.to(dtype)` 与快捷方法
#
# **带参数**调用 `.type(...)` 时，它负责转换类型。现代写法是 `.to(dtype)`，常用 dtype 还有
# 快捷方法：`.half()`（float16）、`.float()`（float32）、`.double()`（float64）、
# `.short()`（int16）、`.int()`（int32）和 `.long()`（int64）。这些方法都不改动原张量，而是返回转换后的副本；
# 但如果 dtype 本来就相同，返回的就是原张量本身（`t.long() is t`），这时对“副本”做原地修改会改到原张量。
# 需要副本时请用 `.clone()`。

# %%
t = torch.tensor([[1, 2], [3, 4]])
print(
    t.type(torch.float32).dtype,
    t.type("torch.DoubleTensor").dtype,
    t.to(torch.int16).dtype,
)
for method in ("half", "float", "double", "short", "int", "long"):
    converted = getattr(t, method)()
    print(f".{method}() -> {converted.dtype}")
print(t.dtype)
print(t.long() is t, t.float() is t)
assert t.long() is t and t.long().clone() is not t

# %% [markdown] lang="en"
# ## Conversions that silently change values
#
# A cast never complains. Floats going to an integer dtype are truncated towards zero, integers
# too large for the target wrap around, and floats too large for `float16` (maximum 65504) are
# rounded to the nearest float16 first: anything below 65520 becomes 65504, and only 65520 and
# above become `inf`.

# %% [markdown] lang="zh"
# ## 会悄悄改变数值的转换
#
# 类型转换从不报错。浮点数转成整数时向零截断，超出目标范围的整数会回绕，超过 `float16`
# 最大值（65504）的浮点数会先舍入到最近的 float16：小于 65520 的值都变成 65504，65520 及以上才变成 `inf`。

# %%
print(torch.tensor([1.9, -1.9]).long())
print(torch.tensor([300, -1]).to(torch.uint8))
print(torch.tensor([65510.0, 65520.0, 70000.0]).half())
assert (
    torch.tensor(65510.0).half() == 65504
    and torch.tensor(65520.0).half().isinf()
)

# %% [markdown] lang="en"
# `cast_safely` performs the same conversion but raises when a value would change, and passes
# through the casts that are exact.

# %% [markdown] lang="zh"
# `cast_safely` 做同样的转换，但只要有数值会被改变就报错；精确无损的转换则照常完成。

# %% raises="ValueError"
print(cast_safely(torch.tensor([1.0, 2.0]), torch.int64))
print(cast_safely(torch.tensor([1, 2]), "half"))
for value, dtype in (
    (torch.tensor([1.9]), torch.int64),
    (torch.tensor([300]), torch.uint8),
    (torch.tensor([70000.0]), torch.float16),
):
    try:
        cast_safely(value, dtype)
    except ValueError as err:
        print(f"{type(err).__name__}: {err}")

# %% [markdown] lang="en"
# ## Type promotion: what dtype does `a + b` have?
#
# When the operands of an arithmetic operation have different dtypes, PyTorch promotes them to a
# common one. The rules, which `torch.result_type` applies, are:
#
# - a higher *kind* wins: bool < integer < floating < complex, so `int64 + float32` is `float32`;
# - within one kind, the larger size wins: `int32 + int64` is `int64`;
# - a Python number (or a 0-D tensor) only matters when its kind is higher: `int32 tensor + 5`
#   stays `int32`, and `int64 tensor + 0.5` becomes the default float `float32`, not `float64`.
#
# True division `/` of two integer tensors is also floating.

# %% [markdown] lang="zh"
# ## 类型提升：`a + b` 是什么 dtype？
#
# 当算术运算的操作数 dtype 不同时，PyTorch 会把它们提升到一个共同的 dtype。
# `torch.result_type` 所遵循的规则是：
#
# - *种类*高的优先：bool < 整数 < 浮点 < 复数，所以 `int64 + float32` 得到 `float32`；
# - 同一种类中，位数大的优先：`int32 + int64` 得到 `int64`；
# - Python 数字（或 0 维张量）只有在种类更高时才起作用：`int32 张量 + 5` 仍然是 `int32`，
#   而 `int64 张量 + 0.5` 变成默认浮点类型 `float32`，而不是 `float64`。
#
# 两个整数张量做真除法 `/`，结果也是浮点类型。

# %%
i32 = torch.tensor([1, 2], dtype=torch.int32)
i64 = torch.tensor([1, 2])
f32 = torch.tensor([1.0, 2.0])
print((i64 + f32).dtype, torch.result_type(i64, f32))
print((i32 + i64).dtype, torch.result_type(i32, i64))
print((i32 + 5).dtype, (i64 + 0.5).dtype)
print((i64 / i64).dtype, (i64 // i64).dtype)

# %% [markdown] lang="en"
# `predict_result_dtype` answers the same question without building the tensors: it also accepts
# a bare `torch.dtype` as "a tensor of this dtype". Note the perhaps surprising `uint8 + int8`:
# neither type can hold all values of the other, so the result is `int16`.

# %% [markdown] lang="zh"
# `predict_result_dtype` 不必真的创建张量就能回答同样的问题：它也接受单独的 `torch.dtype`，
# 表示“这种 dtype 的张量”。注意 `uint8 + int8` 的结果可能出乎意料：两种类型都装不下对方的
# 全部取值，所以结果是 `int16`。

# %%
print(predict_result_dtype(torch.int32, torch.int64))
print(predict_result_dtype(i32, 5))
print(predict_result_dtype(i64, 0.5))
print(predict_result_dtype(torch.uint8, torch.int8))

# %% [markdown] lang="en"
# Not every operation promotes. Matrix multiplication requires both operands to have the same
# dtype, so an integer matrix times a float matrix raises. `match_dtypes` casts its arguments to
# their common promoted dtype first.

# %% [markdown] lang="zh"
# 并不是所有运算都会做类型提升。矩阵乘法要求两个操作数的 dtype 相同，所以整数矩阵乘以浮点
# 矩阵会报错。`match_dtypes` 会先把参数转换成它们共同的提升类型。

# %% raises="RuntimeError"
counts = torch.tensor([[1, 2], [3, 4]])
weights = torch.tensor([[0.5], [0.25]])
try:
    counts @ weights
except RuntimeError as err:
    print(f"{type(err).__name__}: {err}")
counts_f, weights_f = match_dtypes(counts, weights)
print(counts_f @ weights_f)

# %% [markdown] lang="en"
# ## Which dtypes can require gradients?
#
# Gradients are only defined for floating and complex tensors. Asking an integer tensor to track
# gradients raises a `RuntimeError`, a classic surprise with `torch.tensor(10, requires_grad=True)`
# where `10` made an `int64` tensor: write `10.0` or pass a float dtype.

# %% [markdown] lang="zh"
# ## 哪些 dtype 可以求梯度？
#
# 只有浮点和复数张量才有梯度。让整数张量记录梯度会抛出 `RuntimeError`。
# `torch.tensor(10, requires_grad=True)` 就是一个常见的意外：`10` 生成的是 `int64` 张量，
# 应该写成 `10.0`，或者指定浮点 dtype。

# %% raises="RuntimeError"
try:
    torch.tensor(10, requires_grad=True)
except RuntimeError as err:
    print(f"{type(err).__name__}: {err}")
print(torch.tensor(10.0, requires_grad=True))
print(torch.tensor(10, dtype=torch.float32, requires_grad=True))

# %% [markdown] lang="en"
# `make_trainable` returns a fresh leaf tensor that requires gradients. For an integer tensor it
# raises a `TypeError` naming the fix, and with `dtype=` it converts first. Gradients then flow
# as usual: for `w ** 2` summed, the gradient is `2 * w`.

# %% [markdown] lang="zh"
# `make_trainable` 返回一个新的、需要梯度的叶子张量。对整数张量，它会抛出 `TypeError` 并说明
# 如何修正；传入 `dtype=` 时则先转换类型。之后梯度照常计算：对 `w ** 2` 求和后，梯度是 `2 * w`。

# %% raises="TypeError"
try:
    make_trainable(torch.tensor([1, 2, 3]))
except TypeError as err:
    print(f"{type(err).__name__}: {err}")
w = make_trainable(torch.tensor([1, 2, 3]), dtype=torch.float32)
(w**2).sum().backward()
print(w.grad)
for dtype in (torch.int64, torch.float16):
    print(dtype, describe_dtype(dtype)["can_require_grad"])

# %% [markdown] lang="en"
# ## Summary
#
# - Python ints give `int64`, Python floats give `torch.get_default_dtype()` (`float32`), NumPy
#   arrays keep their dtype.
# - `.dtype` is a `torch.dtype`; `.type()` without arguments is a string, with an argument it
#   converts, like `.to(dtype)`, `.half()`, `.float()`, `.double()`, `.short()`, `.int()` and
#   `.long()`.
# - Casts truncate, wrap around or overflow without warning; `cast_safely` checks them.
# - Promotion follows kind first, then size; Python numbers only raise the kind.
#   `predict_result_dtype` and `torch.result_type` tell you the result; `match_dtypes` helps
#   operations such as `@` that do not promote.
# - Only floating and complex tensors can require gradients; `make_trainable` handles the cast.

# %% [markdown] lang="zh"
# ## 小结
#
# - Python 整数得到 `int64`，Python 浮点数得到 `torch.get_default_dtype()`（`float32`），
#   NumPy 数组保留自己的 dtype。
# - `.dtype` 是 `torch.dtype`；不带参数的 `.type()` 返回字符串，带参数时则进行转换，
#   作用与 `.to(dtype)`、`.half()`、`.float()`、`.double()`、`.short()`、`.int()`、`.long()` 相同。
# - 类型转换会截断、回绕或溢出，却不给任何提示；`cast_safely` 会检查这些情况。
# - 类型提升先看种类、再看位数；Python 数字只会提升种类。`predict_result_dtype` 和
#   `torch.result_type` 会告诉你结果类型；对于 `@` 这类不做提升的运算，可以借助 `match_dtypes`。
# - 只有浮点和复数张量可以求梯度；`make_trainable` 负责完成所需的类型转换。
