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
# # Indexing and selecting
#
# Picking out rows, columns, single elements or everything that passes a test is something you do
# in every data pipeline. PyTorch indexing looks like NumPy's, but not all of it behaves the same,
# and list indexing in particular does something different from what many people expect. This
# tutorial goes from integers and slices to lists of indices, `index_select`, boolean masks and
# `masked_select`, first on a 2-D tensor, then on a 3-D one, using raw PyTorch next to the recipes
# in `recipes.indexing`.

# %% [markdown] lang="zh"
# # 索引与选取
#
# 取出某些行、某些列、单个元素，或者所有满足条件的元素，几乎是每条数据处理流程都要做的事。
# PyTorch 的索引看起来和 NumPy 一样，但并非所有行为都相同，尤其是用列表做索引时，结果常常
# 和很多人的预期不一样。本教程从整数和切片讲起，依次介绍索引列表、`index_select`、布尔掩码和
# `masked_select`，先用二维张量演示，再扩展到三维张量；每一步都把 PyTorch 原始写法与
# `recipes.indexing` 中的工具函数对照展示。

# %%
import torch

from recipes.indexing import (
    filter_by_mask,
    filter_rows,
    pick_elements,
    reverse_along,
    select_along,
    take_submatrix,
)

torch.manual_seed(0)
data = torch.randint(0, 10, (4, 5))
data

# %% [markdown] lang="en"
# ## Integers: rows, columns, elements
#
# Positions count from 0 on the left and from -1 on the right. `data[i]` is row `i`, `data[:, j]`
# is column `j`, and `data[i, j]` is one element (a 0-D tensor; `.item()` turns it into a number).
# An integer index removes that dimension from the result.

# %% [markdown] lang="zh"
# ## 整数索引：行、列与单个元素
#
# 下标从左往右从 0 开始，从右往左从 -1 开始。`data[i]` 是第 `i` 行，`data[:, j]` 是第 `j` 列，
# `data[i, j]` 是单个元素（一个 0 维张量，用 `.item()` 可以变成数字）。用整数做索引时，
# 结果中会去掉对应的那个维度。

# %%
print(data[0])
print(data[-1])
print(data[:, 0])
print(data[1, 2], data[1, 2].item())

# %% [markdown] lang="en"
# ## Slices: `start:end:step`
#
# A slice keeps the dimension. Like `range`, `end` is excluded, and `step` picks every n-th entry:
# `data[::2, 1::2]` takes rows 0 and 2 and columns 1 and 3. A slice is a *view*: writing into it
# writes into `data`.

# %% [markdown] lang="zh"
# ## 切片：`start:end:step`
#
# 切片会保留维度。和 `range` 一样，切片不包含 `end`，`step` 表示每隔几个取一个：
# `data[::2, 1::2]` 取第 0、2 行和第 1、3 列。切片得到的是*视图*：对它赋值会直接改动 `data`。

# %%
print(data[1:, 1:])
print(data[::2, 1::2])
copy_of_data = data.clone()
corner = copy_of_data[:2, :2]
corner[:] = -1
print(copy_of_data)

# %% [markdown] lang="en"
# Unlike NumPy, PyTorch does not accept a negative step, so `data[::-1]` raises. Use `torch.flip`,
# or `reverse_along`, which checks the dimension you pass.

# %% [markdown] lang="zh"
# 与 NumPy 不同，PyTorch 不接受负的步长，所以 `data[::-1]` 会报错。请使用 `torch.flip`，
# 或者 `reverse_along`，它还会检查传入的维度是否有效。

# %% raises="ValueError"
try:
    data[::-1]
except ValueError as err:
    print(f"{type(err).__name__}: {err}")
print(torch.flip(data, dims=(0,)))
print(reverse_along(data, dim=1))

# %% [markdown] lang="en"
# ## Lists of indices: pairs, not blocks
#
# Indexing with two lists pairs them up element by element: `data[[1, 3], [2, 4]]` returns the
# two elements at (1, 2) and (3, 4), **not** the 2×2 block of rows 1, 3 and columns 2, 4.
# `pick_elements` does the pairing and checks that both lists have the same length.

# %% [markdown] lang="zh"
# ## 索引列表：逐对取值，而不是取一块
#
# 用两个列表做索引时，它们会按位置一一配对：`data[[1, 3], [2, 4]]` 返回位置 (1, 2) 和 (3, 4)
# 上的两个元素，**而不是**由第 1、3 行和第 2、4 列组成的 2×2 子矩阵。`pick_elements` 完成的就是
# 这种配对，并检查两个列表长度是否一致。

# %%
print(data[[1, 3], [2, 4]])
print(pick_elements(data, [1, 3], [2, 4]))

# %% [markdown] lang="en"
# To get the block, make the row indices a column so that the two index lists broadcast against
# each other (`data[[[1], [3]], [2, 4]]`), or select rows and then columns. `take_submatrix` does
# the latter.

# %% [markdown] lang="zh"
# 要取出子矩阵，可以把行下标写成一列，让两个索引列表互相广播（`data[[[1], [3]], [2, 4]]`），
# 或者先选行、再选列。`take_submatrix` 采用的是后一种方法。

# %%
print(data[[[1], [3]], [2, 4]])
print(data[[1, 3]][:, [2, 4]])
print(take_submatrix(data, [1, 3], [2, 4]))

# %% [markdown] lang="en"
# ## `index_select`
#
# `torch.index_select(input, dim, index)` picks whole slices along one dimension. The index must
# be an integer **tensor** (int64 or int32), and, unlike plain indexing, it cannot contain negative
# numbers. `select_along` accepts a list, allows negative positions and reports indices that are
# out of range together with the valid range.

# %% [markdown] lang="zh"
# ## `index_select`
#
# `torch.index_select(input, dim, index)` 沿某一个维度选取整片数据。索引必须是整数**张量**
# （int64 或 int32），而且与普通索引不同，它不能包含负数。`select_along` 可以接受列表，
# 允许负下标，并在下标越界时报告有效的取值范围。

# %% raises=["IndexError", "ValueError"]
columns = torch.tensor([0, 2], dtype=torch.long)
print(torch.index_select(data, dim=1, index=columns))
print(select_along(data, [0, -1], dim=1))
try:
    torch.index_select(data, 0, torch.tensor([-1]))
except IndexError as err:
    print(f"{type(err).__name__}: {err}")
try:
    select_along(data, [0, 4])
except ValueError as err:
    print(f"{type(err).__name__}: {err}")

# %% [markdown] lang="en"
# ## Boolean masks
#
# A comparison such as `data[:, 1] > 6` gives a `bool` tensor. Used as an index in the first
# position it keeps the rows where it is `True`; used after `:` it keeps columns. `filter_rows`
# is the row version with a check that the mask has one entry per row.

# %% [markdown] lang="zh"
# ## 布尔掩码
#
# 像 `data[:, 1] > 6` 这样的比较会得到一个 `bool` 张量。把它放在第一个位置做索引，会保留
# 值为 `True` 的行；放在 `:` 之后，则保留相应的列。`filter_rows` 是按行筛选的版本，并会检查
# 掩码的长度是否等于行数。

# %%
print(data[:, 1] > 6)
print(data[data[:, 1] > 6])
print(data[:, data[2] > 6])
print(filter_rows(data, data[:, 1] > 6))

# %% [markdown] lang="en"
# A mask must really be `bool`. An integer tensor of 0s and 1s is read as a list of row
# *numbers*, so it repeats rows 0 and 1 instead of filtering; `filter_rows` refuses it.

# %% [markdown] lang="zh"
# 掩码必须真的是 `bool` 类型。由 0 和 1 组成的整数张量会被当作行*编号*的列表，结果是重复取出
# 第 0 行和第 1 行，而不是筛选；`filter_rows` 会拒绝这种输入。

# %% raises="TypeError"
int_mask = torch.tensor([0, 1, 1, 0])
print(data[int_mask])
try:
    filter_rows(data, int_mask)
except TypeError as err:
    print(f"{type(err).__name__}: {err}")

# %% [markdown] lang="en"
# ## `masked_select`: elements that pass a test
#
# A mask with the **same shape** as the tensor selects single elements. `torch.masked_select`
# and `data[mask]` both return them as a 1-D tensor, in row-major order. `filter_by_mask` insists
# that the mask has exactly the tensor's shape, so an accidental broadcast cannot slip through.

# %% [markdown] lang="zh"
# ## `masked_select`：取出满足条件的元素
#
# 与张量**形状相同**的掩码用于挑选单个元素。`torch.masked_select` 和 `data[mask]` 都按行优先
# 顺序把它们作为一维张量返回。`filter_by_mask` 要求掩码的形状与张量完全一致，避免意外的广播
# 掩盖错误。

# %% raises="ValueError"
mask = data.ge(5)
print(mask)
print(torch.masked_select(data, mask))
print(data[mask])
print(filter_by_mask(data, mask))
try:
    filter_by_mask(data, mask[0])
except ValueError as err:
    print(f"{type(err).__name__}: {err}")

# %% [markdown] lang="en"
# ## Three dimensions
#
# The same rules apply to more dimensions, one index per axis. For a tensor of shape (2, 3, 4),
# `cube[0]` is the first (3, 4) block along axis 0, `cube[:, 0]` takes row 0 of every block, and
# `cube[:, :, 0]` (or `cube[..., 0]`) takes the first entry along the last axis.

# %% [markdown] lang="zh"
# ## 三维张量
#
# 同样的规则适用于更多维度，每个轴对应一个索引。对于形状为 (2, 3, 4) 的张量，`cube[0]` 是沿
# 0 轴的第一个 (3, 4) 块，`cube[:, 0]` 取每个块的第 0 行，`cube[:, :, 0]`（也可以写成
# `cube[..., 0]`）取最后一个轴上的第一个元素。

# %%
cube = torch.arange(24).reshape(2, 3, 4)
print(cube)
print(cube[0].shape, cube[:, 0].shape, cube[:, :, 0].shape)
print(cube[:, :, 0])
print(torch.equal(cube[..., 0], cube[:, :, 0]))

# %% [markdown] lang="en"
# The recipes work along any axis of a 3-D tensor too: `select_along` with `dim=2`, `filter_rows`
# on the first axis (keeping the other two), `filter_by_mask` for single elements and
# `reverse_along` for any axis.

# %% [markdown] lang="zh"
# 这些工具函数同样适用于三维张量的任意轴：`select_along` 配合 `dim=2`，`filter_rows` 作用于第一个
# 轴（保留另外两个轴），`filter_by_mask` 选取单个元素，`reverse_along` 可以翻转任意一个轴。

# %%
print(select_along(cube, [3, 0], dim=2))
print(filter_rows(cube, torch.tensor([False, True])).shape)
print(filter_by_mask(cube, cube % 5 == 0))
print(reverse_along(cube, dim=1)[0])

# %% [markdown] lang="en"
# ## Summary
#
# - Integers drop a dimension, slices keep it and are views; `end` is excluded, and negative steps
#   are not allowed (use `torch.flip` / `reverse_along`).
# - Two index lists are paired element by element (`pick_elements`); for a block use
#   `take_submatrix` or broadcasting index lists.
# - `index_select` needs an integer tensor without negative values; `select_along` accepts lists
#   and negative positions and checks the range.
# - Boolean masks keep rows (`filter_rows`) or elements (`masked_select`, `filter_by_mask`);
#   an integer 0/1 tensor is not a mask.

# %% [markdown] lang="zh"
# ## 小结
#
# - 整数索引会去掉一个维度，切片保留维度并且是视图；切片不包含 `end`，也不允许负步长
#   （请用 `torch.flip` 或 `reverse_along`）。
# - 两个索引列表会逐元素配对（`pick_elements`）；要取子矩阵，请用 `take_submatrix`
#   或可以互相广播的索引列表。
# - `index_select` 需要不含负数的整数张量；`select_along` 接受列表和负下标，并会检查范围。
# - 布尔掩码可以筛选行（`filter_rows`）或单个元素（`masked_select`、`filter_by_mask`）；
#   由 0/1 组成的整数张量不是掩码。

# %% [markdown] lang="en"
# ## More recipes: choose by a condition, one entry per row, positions, ranking
#
# Four more selections come up in almost every model: choosing between two values by a condition
# (`torch.where`), taking one entry from each row (`gather`), finding where a condition holds
# (`nonzero`) and ranking (`topk`, `argmax`). `recipes.indexing` has a recipe for each that checks
# its input. `torch.where(condition, a, b)` takes `a` where the condition is `True` and `b`
# elsewhere; the three broadcast, so `b` may be a number. Called with the condition alone it does
# something else: it returns the positions where the condition holds, one index tensor per
# dimension.

# %% [markdown] lang="zh"
# ## 更多工具函数：按条件选取、每行取一个、查找位置、排序
#
# 还有四种选取操作几乎在每个模型里都会用到：按条件在两个值之间选择（`torch.where`）、从每行取一个
# 元素（`gather`）、找出满足条件的位置（`nonzero`），以及排序取前几名（`topk`、`argmax`）。
# `recipes.indexing` 为每一种都提供了会检查输入的工具函数。`torch.where(condition, a, b)` 在条件为
# `True` 的位置取 `a`，其余位置取 `b`；三者会互相广播，所以 `b` 可以是一个数。只传入条件时，
# 它做的是另一件事：返回条件成立的位置，每个维度一个索引张量。

# %%
from recipes.indexing import (
    argmax_along,
    choose_where,
    find_positions,
    pick_per_row,
    top_k,
)

scores = torch.tensor(
    [[0.1, 0.7, 0.2], [0.5, 0.3, 0.2], [0.3, 0.1, 0.6]]
)
labels = torch.tensor([1, 0, 0])
print(choose_where(scores > 0.4, scores, 0.0))
print(torch.where(scores > 0.4))

# %% [markdown] lang="en"
# `pick_per_row(scores, labels)` takes `scores[i, labels[i]]` from every row `i`: the score each
# sample gives its true class. Underneath it is `scores.gather(1, labels[:, None])`; `gather` wants
# an index with as many dimensions as the tensor, hence the `[:, None]`. Indexing with
# `scores[:, labels]` instead takes every label's column for every row, a 3×3 matrix.

# %% [markdown] lang="zh"
# `pick_per_row(scores, labels)` 从每一行 `i` 取出 `scores[i, labels[i]]`，也就是每个样本给它的
# 真实类别打的分。它的底层是 `scores.gather(1, labels[:, None])`：`gather` 要求索引的维数与张量
# 相同，所以要写 `[:, None]`。如果改用 `scores[:, labels]`，得到的是每一行取所有标签对应的列，
# 结果是一个 3×3 矩阵。

# %%
print(pick_per_row(scores, labels))
print(scores.gather(1, labels[:, None]).squeeze(1))
print(scores[:, labels])

# %% [markdown] lang="en"
# `find_positions` (`torch.nonzero`) returns one row per `True` entry holding its coordinates, a
# (k, ndim) tensor. NumPy's `np.nonzero` returns a tuple of index arrays instead; in PyTorch that
# form is `nonzero(as_tuple=True)`, and it indexes the tensor directly.

# %% [markdown] lang="zh"
# `find_positions`（即 `torch.nonzero`）为每个 `True` 元素返回一行坐标，结果是形状为 (k, ndim)
# 的张量。NumPy 的 `np.nonzero` 返回的则是由索引数组组成的元组；在 PyTorch 中这种形式要写成
# `nonzero(as_tuple=True)`，它可以直接用来索引张量。

# %%
mask = scores > 0.4
print(find_positions(mask))
rows, cols = torch.nonzero(mask, as_tuple=True)
print(rows, cols, scores[rows, cols])

# %% [markdown] lang="en"
# `top_k(scores, 2)` returns the two largest values of each row, largest first, and their
# positions; `argmax_along(scores, dim=1)` returns the position of the largest one, the predicted
# class. Without `dim`, `argmax` returns one position in the flattened tensor. A `k` larger than the
# row fails inside `torch.topk` with a message that names neither `k` nor the size; `top_k` names
# both.

# %% [markdown] lang="zh"
# `top_k(scores, 2)` 返回每行最大的两个值（从大到小）及其位置；`argmax_along(scores, dim=1)`
# 返回最大值的位置，也就是预测的类别。不指定 `dim` 时，`argmax` 返回的是展平后张量中的一个位置。
# 当 `k` 大于行的长度时，`torch.topk` 报出的错误既不提 `k` 也不提长度；`top_k` 会把两者都写明。

# %% raises=["RuntimeError", "ValueError"]
values, indices = top_k(scores, 2)
print(values)
print(indices)
print(argmax_along(scores, dim=1), scores.argmax())
try:
    torch.topk(scores, 4)
except RuntimeError as err:
    print(f"{type(err).__name__}: {err}")
try:
    top_k(scores, 4)
except ValueError as err:
    print(f"{type(err).__name__}: {err}")
