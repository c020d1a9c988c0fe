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
# # Automatic differentiation with autograd
#
# Training a model means following the gradient of a loss downhill, and `torch.autograd` computes
# that gradient for you. This tutorial shows how a tensor starts recording operations
# (`requires_grad`), how `backward()` fills `.grad` for scalar and for vector outputs, why gradients
# accumulate and how to clear them, how `detach()` and `torch.no_grad()` stop recording, how to get
# first and second derivatives with `torch.autograd.grad`, how to clip gradients, and why a
# parameter update must run inside `torch.no_grad()` rather than through `.data`. Each step puts
# the raw PyTorch call next to a recipe from `recipes.autograd`.

# %% [markdown] lang="zh"
# # 自动微分：用 autograd 自动求导
#
# 训练模型，本质上就是沿着损失函数的梯度一步步往下走，而 `torch.autograd` 会替你把梯度算出来。
# 本教程依次介绍：张量如何开始记录运算（`requires_grad`）；`backward()` 在标量输出和向量输出时
# 怎样填充 `.grad`；梯度为什么会累加、又该如何清零；`detach()` 和 `torch.no_grad()` 如何停止记录；
# 怎样用 `torch.autograd.grad` 求一阶和二阶导数；如何裁剪梯度；以及为什么更新参数时要放在
# `torch.no_grad()` 里，而不是通过 `.data`。每一步都把原生 PyTorch 调用和 `recipes.autograd`
# 中的工具函数放在一起对照。

# %%
import matplotlib.pyplot as plt
import torch
from IPython.display import display

from recipes.autograd import (
    compute_grad,
    compute_hessian,
    compute_vjp,
    measure_grad_norm,
    zero_grads,
)

# %% [markdown] lang="en"
# ## `requires_grad`: asking autograd to record
#
# A tensor created with `requires_grad=True` is a *leaf* of the computation graph. Every result
# computed from it remembers the operation that produced it in `grad_fn`.

# %% [markdown] lang="zh"
# ## `requires_grad`：让 autograd 开始记录
#
# 用 `requires_grad=True` 创建的张量是计算图中的*叶子节点*。由它计算出来的每个结果，
# 都会在 `grad_fn` 里记住产生自己的那个运算。

# %%
w = torch.tensor(10.0, requires_grad=True)
loss = w**2 + 20
print(w)
print(loss)
print("w.is_leaf:", w.is_leaf, " loss.is_leaf:", loss.is_leaf)

# %% [markdown] lang="en"
# Only floating-point (and complex) tensors can require gradients, because a derivative needs
# values between the integers. An existing tensor can switch recording on in place with
# `requires_grad_()`.

# %% [markdown] lang="zh"
# 只有浮点（以及复数）张量才能要求梯度，因为导数需要在整数之间连续取值。
# 对于已经存在的张量，可以用 `requires_grad_()` 原地打开记录。

# %% raises="RuntimeError"
try:
    torch.tensor(3, requires_grad=True)
except RuntimeError as err:
    print(f"{type(err).__name__}: {err}")

x = torch.tensor([1.0, 2.0])
print(x.requires_grad)
x.requires_grad_()
print(x.requires_grad)

# %% [markdown] lang="en"
# ## `backward()` on a scalar
#
# For a scalar result, `backward()` walks the graph back to the leaves and stores each leaf's
# gradient in `.grad`. Here `d(w² + 20)/dw = 2w = 20`. `compute_grad` gives the same number with
# `torch.autograd.grad`, without writing to `.grad`.

# %% [markdown] lang="zh"
# ## 对标量调用 `backward()`
#
# 当结果是标量时，`backward()` 会沿计算图一路回溯到叶子节点，把每个叶子的梯度存进 `.grad`。
# 这里 `d(w² + 20)/dw = 2w = 20`。`compute_grad` 用 `torch.autograd.grad` 得到同样的数值，
# 但不会写入 `.grad`。

# %%
loss.backward()
print("w.grad:", w.grad)
print(
    "compute_grad:",
    compute_grad(lambda t: t**2 + 20, torch.tensor(10.0)),
)

# %% [markdown] lang="en"
# The chain rule runs through every intermediate result. For `z = (a + b) · c`, the gradient with
# respect to `a` and `b` is `c`, and with respect to `c` it is `a + b`.

# %% [markdown] lang="zh"
# 链式法则会经过每一个中间结果。对于 `z = (a + b) · c`，`z` 对 `a` 和 `b` 的梯度都是 `c`，
# 对 `c` 的梯度是 `a + b`。

# %%
a = torch.tensor(2.0, requires_grad=True)
b = torch.tensor(3.0, requires_grad=True)
c = torch.tensor(4.0, requires_grad=True)
z = (a + b) * c
z.backward()
print(a.grad, b.grad, c.grad)

# %% [markdown] lang="en"
# ## `backward()` on a vector needs `gradient=`
#
# A vector output has one derivative per element and per input, a whole Jacobian matrix, so
# `backward()` refuses to guess what you want:

# %% [markdown] lang="zh"
# ## 对向量调用 `backward()` 需要 `gradient=`
#
# 向量输出的每个元素对每个输入都有一个导数，合起来是一整个雅可比矩阵，
# 所以 `backward()` 不会替你猜想要什么：

# %% raises="RuntimeError"
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x**2 + 2 * x
try:
    y.backward()
except RuntimeError as err:
    print(f"{type(err).__name__}: {err}")

# %% [markdown] lang="en"
# Passing `gradient=v` computes the vector-Jacobian product `v · J`: a weighted sum of the
# element gradients. With `v` all ones this is the gradient of `y.sum()`; reducing with `.mean()`
# instead divides it by the number of elements. `compute_vjp` returns the same product.

# %% [markdown] lang="zh"
# 传入 `gradient=v` 后，PyTorch 计算的是向量-雅可比积 `v · J`，也就是各元素梯度的加权和。
# 当 `v` 全为 1 时，结果就是 `y.sum()` 的梯度；如果改用 `.mean()` 归约成标量，梯度会再除以元素个数。
# `compute_vjp` 返回的是同一个乘积。

# %%
y.backward(gradient=torch.ones(3))
print("gradient=ones:      ", x.grad)

x.grad = None
(x**2 + 2 * x).mean().backward()
print("mean().backward():  ", x.grad)

v = torch.tensor([1.0, 0.0, 2.0])
print(
    "compute_vjp with v: ",
    compute_vjp(
        lambda t: t**2 + 2 * t, torch.tensor([1.0, 2.0, 3.0]), v
    ),
)

# %% [markdown] lang="en"
# ## Gradients accumulate
#
# `backward()` *adds* to `.grad` instead of overwriting it. That is useful for summing gradients
# over several small batches, and a bug when you forget it: calling `backward()` twice doubles
# the gradient.

# %% [markdown] lang="zh"
# ## 梯度会累加
#
# `backward()` 是把梯度*加*到 `.grad` 上，而不是覆盖它。需要把几个小批次的梯度加在一起时，
# 这很有用；忘了这一点就会出错：调用两次 `backward()`，梯度就翻了一倍。

# %%
x = torch.tensor(2.0, requires_grad=True)
(x * x).backward()
print("after one backward:  ", x.grad)
(x * x).backward()
print("after two backwards: ", x.grad)

# %% [markdown] lang="en"
# Clear it in place with `.grad.zero_()`, or drop it with `.grad = None`, which is what
# `optimizer.zero_grad()` does by default. `zero_grads` does either for a list of tensors and also
# copes with `.grad` still being `None` before the first `backward()`.

# %% [markdown] lang="zh"
# 可以用 `.grad.zero_()` 原地清零，也可以用 `.grad = None` 直接丢掉——
# `optimizer.zero_grad()` 默认就是这么做的。`zero_grads` 可以对一组张量做这两种操作，
# 并且能处理第一次 `backward()` 之前 `.grad` 还是 `None` 的情况。

# %% raises="AttributeError"
x.grad.zero_()
print("after zero_():       ", x.grad)
(x * x).backward()
print("fresh gradient:      ", x.grad)
zero_grads([x])
print("after zero_grads:    ", x.grad)

fresh = torch.tensor(1.0, requires_grad=True)
try:
    fresh.grad.zero_()
except AttributeError as err:
    print(f"{type(err).__name__}: {err}")
zero_grads([fresh])

# %% [markdown] lang="en"
# A related trap: the graph is freed after `backward()`, so a second `backward()` through the
# same graph fails unless the first one passed `retain_graph=True`.

# %% [markdown] lang="zh"
# 一个相关的陷阱：`backward()` 结束后计算图会被释放，所以沿同一张图第二次调用 `backward()`
# 会失败，除非第一次调用时传了 `retain_graph=True`。

# %% raises="RuntimeError"
x = torch.tensor(2.0, requires_grad=True)
y = torch.exp(x)
y.backward()
try:
    y.backward()
except RuntimeError as err:
    print(f"{type(err).__name__}: {str(err).splitlines()[0]}")

x = torch.tensor(2.0, requires_grad=True)
y = torch.exp(x)
y.backward(retain_graph=True)
y.backward()
print("two backwards with retain_graph=True add up to 2·e²:", x.grad)

# %% [markdown] lang="en"
# ## Updating a parameter: `torch.no_grad()`, not `.data`
#
# A gradient-descent step changes the leaf in place, `w -= lr * w.grad`. Autograd refuses to record
# an in-place change of a leaf that requires grad:

# %% [markdown] lang="zh"
# ## 更新参数：用 `torch.no_grad()`，不要用 `.data`
#
# 梯度下降的一步会原地修改叶子节点：`w -= lr * w.grad`。
# 对于要求梯度的叶子节点，autograd 拒绝记录这种原地修改：

# %% raises="RuntimeError"
w = torch.tensor(10.0, requires_grad=True)
(w**2 + 20).backward()
try:
    w -= 0.1 * w.grad
except RuntimeError as err:
    print(f"{type(err).__name__}: {err}")

# %% [markdown] lang="en"
# The update is not part of the model, so it should not be recorded. Inside `torch.no_grad()` it
# is not, and `w` stays a leaf that requires grad.

# %% [markdown] lang="zh"
# 参数更新并不是模型的一部分，本来就不该被记录。放在 `torch.no_grad()` 里就不会被记录，
# 而 `w` 仍然是一个要求梯度的叶子节点。

# %%
with torch.no_grad():
    w -= 0.1 * w.grad
print(w, w.is_leaf)

# %% [markdown] lang="en"
# Old tutorials write `w.data -= lr * w.grad` instead. It also runs, but `.data` hides the change
# from autograd's version counter, which is what detects that a value saved for the backward pass
# was modified. Below, `loss` saved `w = 3` to compute `2w`; after changing `w` through `.data`
# the backward pass silently uses the new value and returns a wrong gradient. The same change made
# inside `torch.no_grad()` is caught.

# %% [markdown] lang="zh"
# 一些老教程会写成 `w.data -= lr * w.grad`。它也能运行，但 `.data` 会绕过 autograd 的版本计数器，
# 而正是这个计数器负责发现“为反向传播保存的值被改动过”。下面的例子中，`loss` 为了计算 `2w`
# 保存了 `w = 3`；通过 `.data` 修改 `w` 之后，反向传播悄悄用上了新值，得到一个错误的梯度。
# 同样的修改如果放在 `torch.no_grad()` 里完成，就会被发现并报错。

# %% raises="RuntimeError"
w = torch.tensor(3.0, requires_grad=True)
loss = w**2
w.data -= 1.0
loss.backward()
print("gradient after a .data update (should be 6):", w.grad)

w = torch.tensor(3.0, requires_grad=True)
loss = w**2
with torch.no_grad():
    w -= 1.0
try:
    loss.backward()
except RuntimeError as err:
    print(f"{type(err).__name__}: {str(err).split(':')[0]}")

# %% [markdown] lang="en"
# Put together, the loop is: forward, loss, `backward()`, update under `no_grad`, then clear the
# gradient. Minimising `w² + 20` from `w = 10` shows `w` sliding to 0 and the loss to 20.
#
# The cell below draws its figure once for each language of this site and tags each copy with
# `display(fig, metadata={"lang": ...})`, so this page shows the one labelled in your language. In
# your own notebook, one set of labels and `plt.show()` is all you need.

# %% [markdown] lang="zh"
# 把这些步骤连起来，训练循环就是：前向计算、求损失、`backward()`、在 `no_grad` 中更新，
# 最后清空梯度。从 `w = 10` 开始最小化 `w² + 20`，可以看到 `w` 逐渐滑向 0，损失逐渐接近 20。
#
# 下面的单元格为本站的每种语言各画一次图，并用 `display(fig, metadata={"lang": ...})` 标明语言，
# 所以本页只显示用你的语言标注的那一张。在你自己的 notebook 里，一套标签加 `plt.show()` 就够了。

# %%
w = torch.tensor(10.0, requires_grad=True)
history = []
for step in range(60):
    loss = w**2 + 20
    loss.backward()
    with torch.no_grad():
        w -= 0.05 * w.grad
    w.grad = None
    history.append((w.item(), loss.item()))
print(f"w = {w.item():.4f}, loss = {history[-1][1]:.4f}")

LABELS = {
    "en": {
        "title": "Gradient descent on w² + 20",
        "x": "step",
        "y": "loss",
    },
    "zh": {
        "title": "在 w² + 20 上做梯度下降",
        "x": "步数",
        "y": "损失",
    },
}
for lang, label in LABELS.items():
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.plot([loss for _, loss in history])
    ax.set_title(label["title"])
    ax.set_xlabel(label["x"])
    ax.set_ylabel(label["y"])
    display(fig, metadata={"lang": lang})
    plt.close(fig)

# %% [markdown] lang="en"
# ## `detach()`: the same values without the history
#
# `detach()` returns a tensor that shares the storage but records nothing and has no `grad_fn`.
# Use it to plot or log a value, or to convert to NumPy, which refuses tensors that require grad
# (`recipes.numpy_interop.to_numpy(t, detach=True)` wraps this).

# %% [markdown] lang="zh"
# ## `detach()`：保留数值，丢掉历史
#
# `detach()` 返回一个与原张量共享存储的新张量，但它不再记录运算，也没有 `grad_fn`。
# 画图、打印日志或者转换成 NumPy 时都要用它，因为要求梯度的张量不能直接转成 NumPy
# （`recipes.numpy_interop.to_numpy(t, detach=True)` 封装了这一步）。

# %% raises="RuntimeError"
w = torch.tensor([1.0, 2.0], requires_grad=True)
y = w * 3
d = y.detach()
print(d, d.requires_grad, d.grad_fn)
try:
    y.numpy()
except RuntimeError as err:
    print(f"{type(err).__name__}: {err}")
print(y.detach().numpy())

# %% [markdown] lang="en"
# ## `torch.no_grad()` as a context manager and as a decorator
#
# Evaluation does not need a graph, and building one wastes memory. Inside `with torch.no_grad():`
# results do not require grad; `@torch.no_grad()` does the same for a whole function.

# %% [markdown] lang="zh"
# ## `torch.no_grad()`：上下文管理器与装饰器两种用法
#
# 评估模型时不需要计算图，建图只会浪费内存。在 `with torch.no_grad():` 代码块里，
# 计算结果不会要求梯度；`@torch.no_grad()` 则对整个函数起同样的作用。

# %%
x = torch.tensor([1.0, 2.0], requires_grad=True)
with torch.no_grad():
    inside = x * 2
print("inside no_grad:", inside.requires_grad)


@torch.no_grad()
def evaluate(t):
    return t * 2


print("decorated function:", evaluate(x).requires_grad)
print("outside:", (x * 2).requires_grad)

# %% [markdown] lang="en"
# To stop training a tensor for good, switch it off with `requires_grad_(False)`; results that
# depend only on it no longer record anything.

# %% [markdown] lang="zh"
# 如果想让某个张量永久停止训练，可以用 `requires_grad_(False)` 关掉它；
# 只依赖于它的计算结果就不会再记录任何东西。

# %%
frozen = torch.tensor([1.0, 2.0], requires_grad=True).requires_grad_(
    False
)
print((frozen * 2).requires_grad)

# %% [markdown] lang="en"
# ## `torch.autograd.grad` and second derivatives
#
# `torch.autograd.grad(outputs, inputs)` returns the gradients as a tuple instead of storing them
# in `.grad`. With `create_graph=True` the gradient is itself recorded, so it can be
# differentiated again. For `y = x³` at `x = 2`: `dy/dx = 3x² = 12` and `d²y/dx² = 6x = 12`.

# %% [markdown] lang="zh"
# ## `torch.autograd.grad` 与二阶导数
#
# `torch.autograd.grad(outputs, inputs)` 以元组的形式返回梯度，而不是存进 `.grad`。
# 传入 `create_graph=True` 后，梯度本身也会被记录下来，于是可以再求一次导。
# 对 `y = x³` 在 `x = 2` 处：`dy/dx = 3x² = 12`，`d²y/dx² = 6x = 12`。

# %%
x = torch.tensor(2.0, requires_grad=True)
y = x**3
(first,) = torch.autograd.grad(y, x, create_graph=True)
(second,) = torch.autograd.grad(first, x)
print("first derivative: ", first)
print("second derivative:", second)
print("x.grad is untouched:", x.grad)

# %% [markdown] lang="en"
# Without `create_graph=True` the first gradient is a constant, and differentiating it fails.
# `compute_hessian` applies the pattern to every component and returns the matrix of second
# derivatives, here of `f(x) = x₀² x₁ + x₁³`.

# %% [markdown] lang="zh"
# 如果不加 `create_graph=True`，一阶梯度就只是一个常数，再对它求导会报错。
# `compute_hessian` 对每个分量都套用这个方法，返回二阶导数矩阵（海森矩阵），
# 这里的函数是 `f(x) = x₀² x₁ + x₁³`。

# %% raises="RuntimeError"
y = x**3
(first,) = torch.autograd.grad(y, x)
try:
    torch.autograd.grad(first, x)
except RuntimeError as err:
    print(f"{type(err).__name__}: {err}")

compute_hessian(
    lambda t: t[0] ** 2 * t[1] + t[1] ** 3, torch.tensor([1.0, 2.0])
)

# %% [markdown] lang="en"
# ## Clipping gradients
#
# A single large gradient can throw the parameters far away. `torch.nn.utils.clip_grad_norm_`
# rescales all gradients together so that their combined 2-norm is at most `max_norm`, and returns
# the norm before clipping. `measure_grad_norm` computes that combined norm.

# %% [markdown] lang="zh"
# ## 梯度裁剪
#
# 一次过大的梯度就可能把参数甩得很远。`torch.nn.utils.clip_grad_norm_` 会把所有梯度一起按比例缩小，
# 使它们合起来的 2-范数不超过 `max_norm`，并返回裁剪前的范数。`measure_grad_norm` 计算的就是这个合并范数。

# %%
torch.manual_seed(0)
w = torch.randn(3, requires_grad=True)
(10 * w * torch.randn(3)).sum().backward()
print("before clipping:", measure_grad_norm([w]))
returned = torch.nn.utils.clip_grad_norm_([w], max_norm=1.0)
print("returned by clip_grad_norm_:", returned)
print("after clipping: ", measure_grad_norm([w]))

# %% [markdown] lang="en"
# ## Summary
#
# | Task | PyTorch | Recipe |
# |---|---|---|
# | record operations | `requires_grad=True`, `requires_grad_()` | |
# | gradient of a scalar | `loss.backward()`, then `.grad` | `compute_grad` |
# | vector output | `y.backward(gradient=v)` | `compute_vjp` |
# | clear gradients | `.grad.zero_()`, `.grad = None` | `zero_grads` |
# | stop recording | `detach()`, `torch.no_grad()` | |
# | second derivatives | `torch.autograd.grad(..., create_graph=True)` | `compute_hessian` |
# | clip gradients | `torch.nn.utils.clip_grad_norm_` | `measure_grad_norm` |

# %% [markdown] lang="zh"
# ## 小结
#
# | 任务 | PyTorch | 工具函数 |
# |---|---|---|
# | 记录运算 | `requires_grad=True`、`requires_grad_()` | |
# | 标量的梯度 | `loss.backward()`，然后读 `.grad` | `compute_grad` |
# | 向量输出 | `y.backward(gradient=v)` | `compute_vjp` |
# | 清空梯度 | `.grad.zero_()`、`.grad = None` | `zero_grads` |
# | 停止记录 | `detach()`、`torch.no_grad()` | |
# | 二阶导数 | `torch.autograd.grad(..., create_graph=True)` | `compute_hessian` |
# | 梯度裁剪 | `torch.nn.utils.clip_grad_norm_` | `measure_grad_norm` |

# %% [markdown] lang="en"
# ## More recipes: gradients of intermediate tensors
#
# `backward()` fills `.grad` only for leaf tensors, the ones you create with `requires_grad=True`.
# The gradient of an intermediate result is computed on the way back and then dropped: reading its
# `.grad` gives `None` and a `UserWarning`, which is easy to miss.

# %% [markdown] lang="zh"
# ## 更多工具函数：中间张量的梯度
#
# `backward()` 只为叶子张量（也就是用 `requires_grad=True` 创建的张量）填写 `.grad`。中间结果的
# 梯度在反向传播途中会被算出来，随后就被丢弃：读取它的 `.grad` 只得到 `None` 和一条容易被忽略的
# `UserWarning`。

# %%
import warnings

x = torch.tensor([1.0, 2.0], requires_grad=True)
hidden = x * 3
(hidden**2).sum().backward()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    print(hidden.grad)
print(caught[0].message)

# %% [markdown] lang="en"
# `keep_grad(t)` calls `t.retain_grad()`, which must happen before `backward()`, so the gradient
# stays in `t.grad`: here d(hidden²)/d(hidden) = 2 × hidden. `read_grad(t)` returns `t.grad`, and
# where there is none it raises an error that says why instead of returning `None`.

# %% [markdown] lang="zh"
# `keep_grad(t)` 会调用 `t.retain_grad()`（必须在 `backward()` 之前调用），这样梯度就会保留在
# `t.grad` 中：这里 d(hidden²)/d(hidden) = 2 × hidden。`read_grad(t)` 返回 `t.grad`；如果没有
# 梯度，它会报错并说明原因，而不是返回 `None`。

# %% raises="ValueError"
from recipes.autograd import keep_grad, read_grad

x = torch.tensor([1.0, 2.0], requires_grad=True)
hidden = keep_grad(x * 3)
(hidden**2).sum().backward()
print(read_grad(hidden), read_grad(x))
assert torch.equal(read_grad(hidden), 2 * hidden.detach())
try:
    read_grad(x * 3)
except ValueError as err:
    print(f"{type(err).__name__}: {err}")
