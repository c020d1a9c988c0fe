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
# # Devices: CPU, GPU and moving data between them
#
# Every tensor and every model parameter lives on a *device*: the CPU's memory, a CUDA GPU, or
# an Apple-silicon GPU (MPS). Computation happens where the data is, and PyTorch refuses to mix
# devices in one operation. In this tutorial you will find out which devices your machine has,
# choose one in a way that also works on a laptop without a GPU, move tensors, whole batches and
# models there and back, and time work on a GPU correctly. Everything below runs on a CPU-only
# machine; the GPU branches simply report that no GPU is present.

# %% [markdown] lang="zh"
# # 设备：CPU、GPU 以及数据在它们之间的搬运
#
# 每个张量、每个模型参数都存放在某个**设备**上：CPU 内存、CUDA GPU，或者 Apple 芯片的 GPU（MPS）。
# 数据在哪里，计算就在哪里进行；而且 PyTorch 不允许在同一个运算里混用不同设备上的张量。
# 本教程会带你查看机器上有哪些设备，用一种在没有 GPU 的笔记本上也能正常运行的方式选择设备，
# 把张量、整个批次和模型搬过去再搬回来，并正确地测量 GPU 上的运行时间。下面所有代码都能在只有 CPU
# 的机器上运行；涉及 GPU 的分支只会提示“没有 GPU”。

# %% [markdown] lang="en"
# ## Which devices does this machine have?
#
# `torch.cuda.is_available()` answers "can I use an NVIDIA GPU?", `torch.cuda.device_count()`
# says how many, and `torch.backends.mps.is_available()` checks for an Apple GPU. The recipe
# `list_devices` gathers the answers, best device first.

# %% [markdown] lang="zh"
# ## 这台机器有哪些设备？
#
# `torch.cuda.is_available()` 回答“能不能用 NVIDIA GPU”，`torch.cuda.device_count()` 给出 GPU 的数量，
# `torch.backends.mps.is_available()` 检查是否有 Apple GPU。工具函数 `list_devices` 把这些结果汇总起来，
# 最好的设备排在最前面。

# %%
import numpy as np
import torch
from torch import nn

from recipes.devices import (
    describe_device,
    list_devices,
    pick_device,
    run_on_device,
    time_matmul,
    to_device,
)

print("PyTorch:", torch.__version__)
print("CUDA available:", torch.cuda.is_available())
print("CUDA device count:", torch.cuda.device_count())
print("MPS available:", torch.backends.mps.is_available())
list_devices()

# %% [markdown] lang="en"
# Calls such as `torch.cuda.current_device()` or `torch.cuda.get_device_name(0)` need a GPU:
# on a machine without one they raise. Always put them behind an `is_available()` check.

# %% [markdown] lang="zh"
# 像 `torch.cuda.current_device()`、`torch.cuda.get_device_name(0)` 这样的调用需要真的有 GPU，
# 没有 GPU 时会直接报错。所以一定要先用 `is_available()` 判断。

# %%
if torch.cuda.is_available():
    print(
        "current GPU:",
        torch.cuda.current_device(),
        torch.cuda.get_device_name(0),
    )
else:
    print("no CUDA GPU here, so there is no current GPU to ask about")

# %% [markdown] lang="en"
# ## Device objects and a tensor's `device`
#
# A `torch.device` is just a name: a type (`cpu`, `cuda`, `mps`) and, for GPUs, an index.
# Creating one never touches the hardware. Every tensor reports where it lives in `.device`, and
# factory functions accept `device=` so a tensor can be born in the right place.

# %% [markdown] lang="zh"
# ## 设备对象与张量的 `device` 属性
#
# `torch.device` 只是一个名字：由类型（`cpu`、`cuda`、`mps`）和 GPU 的编号组成，创建它并不会访问硬件。
# 每个张量都可以通过 `.device` 查看自己在哪里；创建张量的函数也接受 `device=` 参数，
# 让张量一开始就创建在正确的设备上。

# %%
print(
    torch.device("cpu"),
    torch.device("cuda", 1),
    torch.device("cuda:0").index,
)
x = torch.zeros(2, 3, device="cpu")
print(x.device)
t = torch.tensor(np.ones((2, 2)), device="cpu")
print(t.dtype, t.device)

# %% [markdown] lang="en"
# Older tutorials describe a GPU tensor's type as `torch.cuda.FloatTensor`. That legacy name
# glues the dtype and the device together; modern code keeps them apart: the `dtype` is
# `torch.float32` on every device and `device` says where the tensor is.

# %% [markdown] lang="zh"
# 一些旧教程会把 GPU 上张量的类型写成 `torch.cuda.FloatTensor`。这种旧式名字把数据类型和设备绑在了一起；
# 现代写法把两者分开：无论在哪个设备上，`dtype` 都是 `torch.float32`，而 `device` 单独说明张量所在的位置。

# %%
print(x.type(), x.dtype, x.device)

# %% [markdown] lang="en"
# ## Choosing a device
#
# The classic one-liner picks CUDA or falls back to the CPU. It silently ignores an Apple GPU.
# `pick_device()` prefers CUDA, then MPS, then the CPU; it also honours an explicit request and
# the environment variable `TORCH_RECIPES_DEVICE`, so you can force the CPU without editing code.

# %% [markdown] lang="zh"
# ## 选择设备
#
# 常见的一行写法是“有 CUDA 就用 CUDA，否则用 CPU”，但它会悄悄忽略 Apple GPU。
# `pick_device()` 的优先级是 CUDA、MPS、CPU；它还接受显式指定的设备，以及环境变量
# `TORCH_RECIPES_DEVICE`，这样不改代码也能强制使用 CPU。

# %%
classic = torch.device("cuda" if torch.cuda.is_available() else "cpu")
device = pick_device()
print(
    "one-liner:",
    classic,
    "| pick_device():",
    device,
    "| forced:",
    pick_device("cpu"),
)

# %% [markdown] lang="en"
# Asking for a device the machine does not have fails right away with a message that lists what
# is available, instead of a confusing error deep inside `.to()`.

# %% [markdown] lang="zh"
# 如果请求了机器上没有的设备，`pick_device` 会立刻报错，并列出可用的设备；
# 而不是等到 `.to()` 内部才抛出一个让人摸不着头脑的错误。

# %% raises="ValueError"
for request in ("cuda:7", "gpu"):
    try:
        pick_device(request)
    except ValueError as err:
        print(f"{type(err).__name__}: {err}")

# %% [markdown] lang="en"
# ## Moving tensors: `.to()`, `.cuda()` and `.cpu()`
#
# `x.to(device)` returns a tensor on `device`; `x.cuda()` and `x.cpu()` are shortcuts. They do
# **not** change `x` itself, so the result must be assigned. When the tensor is already on the
# target device, `.to()` returns the very same tensor without copying. `.to()` also converts
# dtypes.

# %% [markdown] lang="zh"
# ## 搬运张量：`.to()`、`.cuda()` 与 `.cpu()`
#
# `x.to(device)` 返回一个位于 `device` 上的张量；`x.cuda()` 和 `x.cpu()` 是它的简写。
# 它们**不会**修改 `x` 本身，所以必须把结果赋值给变量。如果张量已经在目标设备上，
# `.to()` 直接返回同一个张量，不会复制。`.to()` 还可以用来转换数据类型。

# %%
torch.manual_seed(0)
x = torch.randn(3, 3)
moved = x.to(device)
print(moved.device, moved is x)
assert (
    x.to("cpu") is x
)  # already on the CPU: the same tensor, no copy
x.to(torch.float64)
print("x is still", x.dtype, "- the converted copy was thrown away")
x = x.to(torch.float64)
print("after assigning:", x.dtype)

# %%
if torch.cuda.is_available():
    x_gpu = x.cuda()
    print(x_gpu.device, x_gpu.cpu().device)
else:
    print(
        "no CUDA GPU: x.cuda() would raise here, which is why "
        "pick_device() is safer"
    )

# %% [markdown] lang="en"
# ## Devices must match
#
# An operation whose inputs live on different devices raises a `RuntimeError`. Without a GPU we
# can still see it with the `meta` device, a placeholder device that stores only shapes. Adding a
# CPU tensor to a `meta` tensor raises, as it would with a GPU tensor. (The example uses `+`
# because not every operation checks devices for `meta` tensors: in torch 2.13 a CPU tensor `@` a
# `meta` tensor silently returns a result, an upstream bug; with a real GPU, `@` raises too.)

# %% [markdown] lang="zh"
# ## 设备必须一致
#
# 如果一个运算的输入位于不同设备上，就会抛出 `RuntimeError`。即使没有 GPU，
# 我们也能用 `meta` 设备演示这个错误：它是一个只记录形状、不存数据的占位设备。
# 把 CPU 张量和 `meta` 张量相加会报错，和 GPU 张量的情况一样。（示例用的是 `+`，因为并不是每个运算
# 都会对 `meta` 张量检查设备：在 torch 2.13 中，CPU 张量 `@` `meta` 张量会悄悄返回一个结果，
# 这是上游的缺陷；换成真正的 GPU，`@` 同样会报错。）

# %% raises="RuntimeError"
a = torch.ones(2, 2)
b = torch.ones(2, 2, device="meta")
try:
    a + b
except RuntimeError as err:
    print(f"{type(err).__name__}: {err}")

# %% [markdown] lang="en"
# ## Moving whole batches with `to_device`
#
# A batch is rarely a single tensor: a `DataLoader` yields `(inputs, targets)` pairs, and many
# data sets return dicts that also hold strings or ids. `to_device` walks tuples, lists, dicts
# and named tuples, moves every tensor and leaves everything else as it is.

# %% [markdown] lang="zh"
# ## 用 `to_device` 搬运整个批次
#
# 一个批次很少只是一个张量：`DataLoader` 产出 `(输入, 标签)` 二元组，很多数据集还会返回包含字符串或编号的字典。
# `to_device` 会递归遍历元组、列表、字典和具名元组，把其中每个张量搬到目标设备，其他内容保持不变。

# %%
batch = {
    "inputs": torch.randn(4, 3),
    "targets": torch.tensor([0, 1, 1, 0]),
    "names": ["a", "b", "c", "d"],
}
on_device = to_device(batch, device)
print(
    {
        key: getattr(value, "device", value)
        for key, value in on_device.items()
    }
)

# %% [markdown] lang="en"
# In a training loop, move each batch right after the `DataLoader` hands it over. With a GPU,
# `pin_memory=True` in the `DataLoader` together with `non_blocking=True` lets the copy overlap
# with computation; on the CPU both are unnecessary.

# %% [markdown] lang="zh"
# 在训练循环里，每个批次从 `DataLoader` 取出后立即搬到设备上。使用 GPU 时，在 `DataLoader` 中设置
# `pin_memory=True`，再配合 `non_blocking=True`，可以让数据拷贝和计算重叠进行；只用 CPU 时这两个设置都不需要。

# %%
from torch.utils.data import DataLoader, TensorDataset

dataset = TensorDataset(torch.randn(10, 3), torch.randn(10, 1))
loader = DataLoader(
    dataset, batch_size=4, pin_memory=device.type == "cuda"
)
for xb, yb in loader:
    xb, yb = to_device((xb, yb), device, non_blocking=True)
    print(tuple(xb.shape), xb.device, tuple(yb.shape), yb.device)

# %% [markdown] lang="en"
# ## Models: `.to()` works in place
#
# For an `nn.Module`, `model.to(device)` moves every parameter and buffer and returns the same
# module, so `model = model.to(device)` and `model.to(device)` are equivalent. The model and its
# inputs must end up on the same device.

# %% [markdown] lang="zh"
# ## 模型：`.to()` 是原地操作
#
# 对 `nn.Module` 来说，`model.to(device)` 会移动所有参数和缓冲区，并返回同一个模块对象，
# 所以 `model = model.to(device)` 和 `model.to(device)` 效果相同。模型和它的输入必须在同一个设备上。

# %%
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))
same = model.to(device)
print(same is model, next(model.parameters()).device)

# %% [markdown] lang="en"
# For predictions, `run_on_device` does the whole round trip: it moves the model and the inputs,
# runs the forward pass in eval mode without building a graph, and returns the outputs on the
# CPU, ready for `.numpy()` (which refuses GPU tensors). Here is the same thing by hand.

# %% [markdown] lang="zh"
# 做预测时，`run_on_device` 负责完整的往返：搬运模型和输入，在评估模式下、不构建计算图地完成前向传播，
# 并把输出放回 CPU，这样就可以直接调用 `.numpy()`（GPU 上的张量不能直接转成 NumPy）。
# 下面也给出手写的等价代码。

# %%
inputs = torch.randn(5, 3)
preds = run_on_device(model, inputs, device)

model.eval()
with torch.no_grad():
    by_hand = model(inputs.to(device)).cpu()
print(preds.device, torch.equal(preds, by_hand))
preds.numpy().round(3)

# %% [markdown] lang="en"
# ## Describing the device
#
# When you report a problem or a benchmark, say what you ran on. `describe_device` collects the
# device name, the PyTorch and CUDA versions, and for a GPU its memory.

# %% [markdown] lang="zh"
# ## 描述设备信息
#
# 报告问题或发布测速结果时，要说明运行环境。`describe_device` 会收集设备名称、PyTorch 与 CUDA 的版本，
# 如果是 GPU，还会给出显存信息。

# %%
describe_device(device)

# %% [markdown] lang="en"
# ## Timing work on a device
#
# A GPU runs asynchronously: a Python call only *queues* the kernel and returns. Reading the
# clock right after a loop of GPU calls therefore measures how fast work was queued. Wait with
# `torch.cuda.synchronize()` before reading the clock, and warm up first so one-off start-up
# costs are not counted. `time_matmul` does both.

# %% [markdown] lang="zh"
# ## 测量设备上的运行时间
#
# GPU 是异步执行的：Python 调用只是把计算任务**排进队列**就返回了。如果在一串 GPU 调用之后立刻读时钟，
# 测到的只是“排队”的速度。读时钟之前要先调用 `torch.cuda.synchronize()` 等待 GPU 完成，
# 并且先预热几次，避免把一次性的启动开销算进去。`time_matmul` 把这两件事都做了。

# %%
import time

a = torch.randn(256, 256)
start = time.perf_counter()
for _ in range(10):
    a @ a
if torch.cuda.is_available():
    torch.cuda.synchronize()
print(
    f"by hand, CPU: {(time.perf_counter() - start) / 10 * 1e3:.2f} "
    "ms per product"
)

cpu_s = time_matmul(size=256, repeats=10, device="cpu")
print(f"time_matmul, CPU: {cpu_s * 1e3:.2f} ms per product")
if torch.cuda.is_available():
    gpu_s = time_matmul(size=256, repeats=10, device="cuda")
    print(f"time_matmul, GPU: {gpu_s * 1e3:.3f} ms per product")
else:
    print("no CUDA GPU to compare with")

# %% [markdown] lang="en"
# ## Summary
#
# - Ask before you use: `torch.cuda.is_available()`, `torch.backends.mps.is_available()`;
#   `pick_device()` does it for you, with an override through `TORCH_RECIPES_DEVICE`.
# - `tensor.to(device)` returns a tensor on `device` (assign it): a copy, or `tensor` itself when
#   it is already there; `model.to(device)` moves in place.
# - Keep a model and its inputs on one device; `to_device` moves nested batches.
# - Bring results back with `.cpu()` before `.numpy()`; `run_on_device` does the round trip.
# - Synchronize before reading the clock when timing GPU work.

# %% [markdown] lang="zh"
# ## 小结
#
# - 先检查再使用：`torch.cuda.is_available()`、`torch.backends.mps.is_available()`；
#   `pick_device()` 会替你完成检查，并可通过 `TORCH_RECIPES_DEVICE` 覆盖选择。
# - `tensor.to(device)` 返回位于 `device` 上的张量（记得赋值）：通常是一份拷贝，如果张量已经在那里，
#   就返回它本身；`model.to(device)` 是原地移动。
# - 模型和输入要放在同一个设备上；`to_device` 可以搬运嵌套的批次。
# - 调用 `.numpy()` 之前先用 `.cpu()` 把结果拿回来；`run_on_device` 完成整个往返。
# - 测量 GPU 运行时间时，读时钟之前要先同步。

# %% [markdown] lang="en"
# ## More recipes: `torch.accelerator`
#
# Since PyTorch 2.6, `torch.accelerator` tells which accelerator a machine has, whatever the
# backend: CUDA, Apple MPS, Intel XPU and others. `pick_accelerator()` returns that device, or the
# CPU when there is none; on older PyTorch it falls back to asking CUDA, then MPS. Code written this
# way runs on whatever the machine has, where a hard-coded `"cuda"` fails on a Mac.
#
# `torch.accelerator.current_accelerator()` alone names the accelerator this PyTorch build was
# compiled for, present or not: a CUDA build says `cuda` on a machine without a GPU, and a
# CPU-only build says `None`. `torch.accelerator.is_available()` tells whether the device is really
# there; the recipe asks both.

# %% [markdown] lang="zh"
# ## 更多工具函数：`torch.accelerator`
#
# 从 PyTorch 2.6 开始，`torch.accelerator` 可以告诉你机器上有哪种加速器，不论后端是 CUDA、
# Apple MPS、Intel XPU 还是其他。`pick_accelerator()` 返回这个设备，没有加速器时返回 CPU；在更早
# 的 PyTorch 上，它会退而依次询问 CUDA 和 MPS。这样写的代码在任何机器上都能运行，而写死
# `"cuda"` 的代码在 Mac 上就会失败。
#
# 只调用 `torch.accelerator.current_accelerator()` 得到的是这个 PyTorch 版本编译时支持的加速器，
# 不管它是否真的存在：CUDA 版本的 PyTorch 在没有 GPU 的机器上也会返回 `cuda`，仅 CPU 版本则返回
# `None`。设备是否真的可用要看 `torch.accelerator.is_available()`；这个工具函数两者都会检查。

# %% raises="ValueError"
from recipes.devices import pick_accelerator

print(
    torch.accelerator.current_accelerator(),
    torch.accelerator.is_available(),
    torch.accelerator.device_count(),
)
accelerator = pick_accelerator()
print(accelerator, torch.ones(2, device=accelerator).device)
try:
    pick_accelerator(index=99)
except ValueError as err:
    print(f"{type(err).__name__}: {err}")
