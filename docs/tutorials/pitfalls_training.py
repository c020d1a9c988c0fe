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
# # Pitfalls in popular PyTorch tutorials: training
#
# Many PyTorch tutorials on the web were written for old versions, or were never run as printed:
# their code calls APIs that are deprecated or gone, and the outputs they show are not what PyTorch
# prints today. This page and its companion collect the mistakes that come up again and again. Each
# section shows the mistake running here, with the error caught and printed (so you see the exact
# message you would get), then the code that does the job correctly.
#
# This page covers training: autograd and in-place updates, `backward()`, zeroing gradients,
# optimizers, parameters of an `nn.Module`, loss shapes, evaluation mode and devices. Mistakes with
# tensors themselves (stale APIs, claimed outputs, dtypes, creating, reshaping and converting
# tensors) are on the other page, [Pitfalls: tensors](../pitfalls_tensors/).

# %% [markdown] lang="zh"
# # 流行 PyTorch 教程中的常见陷阱：训练
#
# 网上很多 PyTorch 教程是为旧版本写的，有的甚至从来没有按原样运行过：代码里用了已经弃用或删除的
# API，贴出来的输出也和如今 PyTorch 实际打印的不一样。本页和它的姊妹篇把反复出现的错误集中起来。
# 每一节都在这里真实运行一遍错误写法（异常被捕获并打印出来，让你看到真正会遇到的报错信息），
# 再给出正确的写法。
#
# 本页讲训练：自动求导与原地更新、`backward()`、梯度清零、优化器、`nn.Module` 的参数、损失函数的
# 形状、评估模式以及设备。张量本身的陷阱（过时的 API、声称的输出、dtype、张量的创建、变形与转换）
# 在另一页：[常见陷阱：张量](../pitfalls_tensors/)。

# %%
import warnings

import matplotlib.pyplot as plt
import torch
from IPython.display import display
from torch import nn

print(torch.__version__)

# %% [markdown] lang="en"
# ## In-place operation on a leaf that requires grad
#
# A tensor you created with `requires_grad=True` is a leaf of the graph. Changing it in place
# outside `torch.no_grad()` is refused, because autograd could no longer tell what it was.

# %% [markdown] lang="zh"
# ## 对需要梯度的叶子张量做原地操作
#
# 用 `requires_grad=True` 创建的张量是计算图的叶子节点。在 `torch.no_grad()` 之外原地修改它会被拒绝，
# 因为那样自动求导就无法知道它原来的值了。

# %% raises="RuntimeError"
leaf = torch.tensor([1.0, 2.0], requires_grad=True)
try:
    leaf += 1
except RuntimeError as err:
    print(f"{type(err).__name__}: {err}")

# %%
with torch.no_grad():
    leaf += 1
print(leaf)

# %% [markdown] lang="en"
# ## `.data` updates instead of `torch.no_grad()`
#
# Many tutorials update parameters with `w.data -= lr * w.grad`. `.data` gives a view that autograd
# does not track at all, so a mistake made through it is never reported: here it silently zeroes a
# value that the backward pass still needs, and the gradient comes out wrong.

# %% [markdown] lang="zh"
# ## 用 `.data` 更新而不是 `torch.no_grad()`
#
# 很多教程用 `w.data -= lr * w.grad` 更新参数。`.data` 得到的视图完全不受自动求导跟踪，所以通过它犯
# 的错误永远不会被报告：下面它悄悄把反向传播还需要的值清零了，得到的梯度是错的。

# %%
inputs = torch.tensor([1.0, 2.0], requires_grad=True)
activated = inputs.sigmoid()
activated.data.mul_(0)
activated.sum().backward()
print(inputs.grad)

# %% [markdown] lang="en"
# `detach()` shares memory in the same way but keeps autograd's version check, so the same mistake
# becomes a clear error. For parameter updates, use `torch.no_grad()` (or an optimizer).

# %% [markdown] lang="zh"
# `detach()` 同样共享内存，但保留了自动求导的版本检查，同样的错误会变成清楚的报错。更新参数时请用
# `torch.no_grad()`（或者优化器）。

# %% raises="RuntimeError"
inputs = torch.tensor([1.0, 2.0], requires_grad=True)
activated = inputs.sigmoid()
activated.detach().mul_(0)
try:
    activated.sum().backward()
except RuntimeError as err:
    print(f"{type(err).__name__}: {str(err).split(';')[0]}")

# %%
w = torch.tensor(10.0, requires_grad=True)
(w**2).backward()
with torch.no_grad():
    w -= 0.01 * w.grad
w.grad.zero_()
print(w, w.grad)

# %% [markdown] lang="en"
# ## Non-scalar `backward()` without `gradient=`
#
# `backward()` with no argument needs a scalar, such as a loss. For a vector output, reduce it
# first, or pass `gradient=` with one weight per element.

# %% [markdown] lang="zh"
# ## 对非标量调用 `backward()` 却不传 `gradient=`
#
# 不带参数的 `backward()` 要求输出是标量（比如损失值）。如果输出是向量，要么先把它归约成标量，要么
# 传入 `gradient=`，为每个元素给一个权重。

# %% raises="RuntimeError"
p = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
squares = p**2
try:
    squares.backward()
except RuntimeError as err:
    print(f"{type(err).__name__}: {err}")

# %%
squares.sum().backward()
print(p.grad)
p.grad = None
(p**2).backward(gradient=torch.tensor([1.0, 0.0, 0.5]))
print(p.grad)

# %% [markdown] lang="en"
# ## Zeroing gradients at the wrong moment
#
# Gradients must be cleared after they have been used for the update, or before the next
# `backward()`. One popular manual SGD loop clears them between `backward()` and the update, so
# every step subtracts zero and the model never learns. We fit `y = 3x + 2` with both orders.

# %% [markdown] lang="zh"
# ## 在错误的时机清零梯度
#
# 梯度必须在用于更新参数之后清零，或者在下一次 `backward()` 之前清零。一个流行的手写 SGD 循环却在
# `backward()` 和参数更新之间清零，于是每一步减去的都是零，模型什么也学不到。下面用两种顺序分别拟合
# `y = 3x + 2`。

# %%
generator = torch.Generator().manual_seed(0)
x_train = torch.linspace(-1, 1, 32).unsqueeze(1)
y_train = (
    3 * x_train + 2 + 0.1 * torch.randn(32, 1, generator=generator)
)


def fit_line(
    order: str, steps: int = 60, lr: float = 0.1
) -> list[float]:
    w = torch.zeros(1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    losses = []
    for _ in range(steps):
        loss = ((x_train * w + b - y_train) ** 2).mean()
        loss.backward()
        if order == "zero, then update":
            w.grad.zero_()
            b.grad.zero_()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        if order == "update, then zero":
            w.grad.zero_()
            b.grad.zero_()
        losses.append(loss.item())
    return losses


wrong_order = fit_line("zero, then update")
right_order = fit_line("update, then zero")
print("zero, then update:", [round(v, 3) for v in wrong_order[::10]])
print("update, then zero:", [round(v, 3) for v in right_order[::10]])

# %% [markdown] lang="en"
# With an optimizer the same rule reads: `optimizer.zero_grad()`, `loss.backward()`,
# `optimizer.step()`, in that order, or with `zero_grad()` right after `step()`.

# %% [markdown] lang="zh"
# 换成优化器，规则就是按 `optimizer.zero_grad()`、`loss.backward()`、`optimizer.step()` 的顺序执行，
# 或者把 `zero_grad()` 放在 `step()` 之后。

# %% [markdown] lang="en"
# ## Forgetting to zero gradients
#
# `backward()` adds to `.grad`; it never overwrites it. Calling it twice doubles the gradient.

# %% [markdown] lang="zh"
# ## 忘记清零梯度
#
# `backward()` 是把梯度累加到 `.grad` 上，而不是覆盖。调用两次，梯度就变成两倍。

# %%
s = torch.tensor(2.0, requires_grad=True)
(s * s).backward()
print(s.grad)
(s * s).backward()
print(s.grad)

# %% [markdown] lang="en"
# In a training loop the stale gradients pile up and the loss jumps around instead of going down.
#
# The cell below draws its figure once for each language of this site and tags each copy with
# `display(fig, metadata={"lang": ...})`, so this page shows the one labelled in your language. In
# your own notebook, one set of labels and `plt.show()` is all you need.

# %% [markdown] lang="zh"
# 在训练循环里，旧梯度不断堆积，损失上下乱跳，而不是稳定下降。
#
# 下面的单元格为本站的每种语言各画一次图，并用 `display(fig, metadata={"lang": ...})` 标明语言，
# 所以本页只显示用你的语言标注的那一张。在你自己的 notebook 里，一套标签加 `plt.show()` 就够了。


# %%
# Any other order leaves the gradients to pile up.
never_zeroed = fit_line("never zero")
print("never zeroed:", [round(v, 3) for v in never_zeroed[::10]])

LABELS = {
    "en": {
        "wrong": "zero, then update",
        "never": "never zeroed",
        "right": "update, then zero",
        "x": "step",
        "y": "MSE loss",
        "title": "Where gradients are zeroed",
    },
    "zh": {
        "wrong": "先清零再更新",
        "never": "从不清零",
        "right": "先更新再清零",
        "x": "步数",
        "y": "均方误差",
        "title": "梯度清零的位置",
    },
}
for lang, label in LABELS.items():
    fig, ax = plt.subplots()
    ax.plot(wrong_order, label=label["wrong"])
    ax.plot(never_zeroed, label=label["never"])
    ax.plot(right_order, label=label["right"])
    ax.set_yscale("log")
    ax.set_xlabel(label["x"])
    ax.set_ylabel(label["y"])
    ax.set_title(label["title"])
    ax.legend()
    display(fig, metadata={"lang": lang})
    plt.close(fig)

# %% [markdown] lang="en"
# Note also that `optimizer.zero_grad()` sets the gradients to `None` by default since PyTorch 2.0,
# so code that reads `w.grad` right after it must check for `None`.

# %% [markdown] lang="zh"
# 另外注意：从 PyTorch 2.0 起，`optimizer.zero_grad()` 默认把梯度设成 `None` 而不是全零张量，
# 紧接着读取 `w.grad` 的代码要先判断是否为 `None`。

# %%
weight = nn.Parameter(torch.ones(2))
optimizer = torch.optim.SGD([weight], lr=0.1)
weight.sum().backward()
print(weight.grad)
optimizer.zero_grad()
print(weight.grad)

# %% [markdown] lang="en"
# ## Plain tensors inside an `nn.Module` are not parameters
#
# A tensor stored as a module attribute is invisible to `parameters()`, even with
# `requires_grad=True`, so the optimizer has nothing to train. Wrap it in `nn.Parameter`.

# %% [markdown] lang="zh"
# ## `nn.Module` 里的普通张量不是参数
#
# 作为模块属性保存的普通张量，即使设置了 `requires_grad=True`，`parameters()` 也看不到它，优化器
# 因此没有可训练的东西。要用 `nn.Parameter` 包起来。


# %% raises="ValueError"
class PlainTensorScale(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.scale = torch.tensor([1.0], requires_grad=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.scale * x


try:
    torch.optim.SGD(PlainTensorScale().parameters(), lr=0.1)
except ValueError as err:
    print(f"{type(err).__name__}: {err}")


# %%
class ParameterScale(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.tensor([1.0]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.scale * x


scaler = ParameterScale()
print([name for name, _ in scaler.named_parameters()])
scaler(torch.tensor([3.0]))

# %% [markdown] lang="en"
# Call the module (`scaler(x)`), not `scaler.forward(x)`: calling it runs PyTorch's hooks
# around `forward`.

# %% [markdown] lang="zh"
# 调用模块时写 `scaler(x)`，不要写 `scaler.forward(x)`：前者会在 `forward` 前后执行 PyTorch 的钩子。

# %% [markdown] lang="en"
# ## A loss on mismatched shapes broadcasts silently
#
# A model with one output returns shape `(n, 1)`; targets are often `(n,)`. `MSELoss` then
# broadcasts them to `(n, n)` and averages the wrong thing, with only a warning.

# %% [markdown] lang="zh"
# ## 形状不一致的损失会悄悄广播
#
# 只有一个输出的模型返回形状 `(n, 1)`，而目标值常常是 `(n,)`。此时 `MSELoss` 会把它们广播成
# `(n, n)`，算出一个错误的平均值，只给一个警告。

# %%
predictions = torch.tensor([[1.0], [2.0], [3.0]])
targets = torch.tensor([1.0, 2.0, 3.0])
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    broadcast_loss = nn.MSELoss()(predictions, targets)
for warning in caught:
    print(f"{warning.category.__name__}: {warning.message}")
broadcast_loss

# %%
nn.MSELoss()(predictions.squeeze(1), targets)

# %% [markdown] lang="en"
# ## Forgetting `model.eval()`
#
# Dropout and BatchNorm behave differently during training. In training mode Dropout zeroes random
# elements and scales the rest by `1 / (1 - p)`; in evaluation mode it passes the input through
# unchanged (it does not scale anything then, contrary to what some tutorials say).

# %% [markdown] lang="zh"
# ## 忘记调用 `model.eval()`
#
# Dropout 和 BatchNorm 在训练时的行为不同。训练模式下，Dropout 随机把一些元素置零，并把其余元素乘以
# `1 / (1 - p)`；评估模式下它原样输出（这时并不做任何缩放，有些教程说反了）。

# %%
torch.manual_seed(0)
dropout = nn.Dropout(p=0.5)
ones = torch.ones(8)
print(dropout.training, dropout(ones))
dropout.eval()
print(dropout.training, dropout(ones))

# %% [markdown] lang="en"
# A model left in training mode can give a different prediction each time for the same input; in
# evaluation mode the prediction is fixed.

# %% [markdown] lang="zh"
# 如果模型一直处于训练模式，同一个输入每次得到的预测可能都不一样；切换到评估模式后，预测就固定了。

# %%
torch.manual_seed(0)
model = nn.Sequential(
    nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 1)
)
sample = torch.ones(1, 4)
with torch.no_grad():
    print(
        "train mode:",
        [round(model(sample).item(), 4) for _ in range(4)],
    )
    model.eval()
    print(
        "eval mode: ",
        [round(model(sample).item(), 4) for _ in range(4)],
    )

# %% [markdown] lang="en"
# BatchNorm in training mode normalises with the statistics of the current batch, so it cannot
# handle a single sample, and every forward pass updates its running statistics, even under
# `torch.no_grad()`.

# %% [markdown] lang="zh"
# 训练模式下的 BatchNorm 用当前批次的统计量做归一化，所以无法处理单个样本；而且每次前向传播都会
# 更新它的滑动统计量，即使在 `torch.no_grad()` 下也一样。

# %% raises="ValueError"
norm = nn.BatchNorm1d(3)
try:
    norm(torch.ones(1, 3))
except ValueError as err:
    print(f"{type(err).__name__}: {err}")
with torch.no_grad():
    norm(torch.tensor([[1.0, 2.0, 3.0], [3.0, 4.0, 5.0]]))
print(norm.running_mean)

# %%
norm.eval()
with torch.no_grad():
    print(norm(torch.ones(1, 3)))
print(norm.running_mean)

# %% [markdown] lang="en"
# ## `.cuda()` on a machine without a GPU
#
# Tutorials often call `.cuda()` or `torch.cuda.current_device()` unconditionally. Without a usable
# GPU that fails; the error type depends on how PyTorch was built (`AssertionError` for a CPU-only
# build, `RuntimeError` for a CUDA build without a driver). The output below shows what happened on
# the machine that built this page.

# %% [markdown] lang="zh"
# ## 在没有 GPU 的机器上调用 `.cuda()`
#
# 教程经常不加判断地调用 `.cuda()` 或 `torch.cuda.current_device()`。没有可用的 GPU 时这会失败，
# 报错类型取决于 PyTorch 的构建方式（纯 CPU 版本是 `AssertionError`，CUDA 版本但没有驱动时是
# `RuntimeError`）。下面的输出就是在构建本页的机器上实际发生的情况。

# %% raises="AssertionError"
try:
    on_gpu = torch.ones(2).cuda()
    print("this machine has a GPU:", on_gpu.device)
except (AssertionError, RuntimeError) as err:
    print(f"{type(err).__name__}: {err}")

# %% [markdown] lang="en"
# Pick the device once, with a fallback, and move both the model and the data to it.

# %% [markdown] lang="zh"
# 正确做法是只选一次设备并提供后备选项，然后把模型和数据都移到这个设备上。

# %%
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
net = nn.Linear(2, 1).to(device)
batch = torch.ones(3, 2, device=device)
print(device, net(batch).device)

# %% [markdown] lang="en"
# ## Checklist
#
# - Update parameters under `torch.no_grad()` (not through `.data`), and call `backward()` on a
#   scalar or pass `gradient=`.
# - Zero gradients after the update (or before `backward()`); after `optimizer.zero_grad()` they
#   are `None`.
# - Wrap module weights in `nn.Parameter`, and call the module rather than its `forward`.
# - Match prediction and target shapes, call `model.eval()` before evaluating, and choose the
#   device with `torch.cuda.is_available()`.
#
# To run the code of any tutorial and compare it with the outputs the tutorial claims, use
# `torch-recipes check`, described on the *Tutorial checker* page.
#
# For the mistakes with tensors themselves, read [Pitfalls: tensors](../pitfalls_tensors/).

# %% [markdown] lang="zh"
# ## 检查清单
#
# - 在 `torch.no_grad()` 下更新参数（不要通过 `.data`）；对标量调用 `backward()`，否则传入
#   `gradient=`。
# - 在更新之后（或 `backward()` 之前）清零梯度；`optimizer.zero_grad()` 之后梯度是 `None`。
# - 模块里的权重用 `nn.Parameter` 包装；调用模块本身，而不是它的 `forward`。
# - 让预测值和目标值形状一致，评估前调用 `model.eval()`，用 `torch.cuda.is_available()` 选择设备。
#
# 想运行任意一篇教程的代码并与它声称的输出比对，可以使用 `torch-recipes check`，用法见“教程检查器”
# 页面。
#
# 张量本身的陷阱见[常见陷阱：张量](../pitfalls_tensors/)。
