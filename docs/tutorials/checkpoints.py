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
# # Checkpoints: saving, loading and resuming training
#
# A trained model is only useful if it can be saved and loaded again, and a long training run only
# survives a crash if it can resume where it stopped. This tutorial saves a model's `state_dict`,
# loads it with `torch.load` and its `weights_only` safety (the default since PyTorch 2.6), places
# tensors with `map_location`, and resumes training from a checkpoint of model, optimizer and epoch
# so that the result is the same as an uninterrupted run. Along the way it reads the errors that
# wrong files, renamed layers and changed shapes produce.

# %% [markdown] lang="zh"
# # 检查点：保存、加载与断点续训
#
# 训练好的模型只有能保存、能重新加载才有用；耗时很长的训练也只有能从中断处继续，才不怕程序崩溃。
# 本教程保存模型的 `state_dict`，用 `torch.load` 及其 `weights_only` 安全机制（PyTorch 2.6 起的默认行为）
# 把它加载回来，用 `map_location` 决定张量放在哪个设备上，并从包含模型、优化器和轮次的检查点恢复训练，
# 使结果与不中断的训练完全相同。我们也会顺便看看加载错误的文件、层被改名、形状改变时会出现什么报错。

# %%
import tempfile
from pathlib import Path

import torch
from sklearn.datasets import load_iris
from torch import nn

from recipes.checkpoints import (
    check_state_dict,
    load_checkpoint,
    load_weights,
    read_checkpoint,
    save_checkpoint,
    save_weights,
    train_resumable,
)
from recipes.data import to_tensor_dataset
from recipes.modules import MLP, predict

workdir = tempfile.TemporaryDirectory()
folder = Path(workdir.name)

# %% [markdown] lang="en"
# Every file below goes to a temporary folder, removed at the end.
#
# ## What a `state_dict` holds
#
# `model.state_dict()` maps each name to a tensor: the parameters, and also the *buffers*, such as
# BatchNorm's running mean and variance, which change during training but are not parameters.
# The names come from the attributes that hold the layers.

# %% [markdown] lang="zh"
# 下面写出的所有文件都放在一个临时文件夹里，教程结束时删除。
#
# ## `state_dict` 里有什么
#
# `model.state_dict()` 把每个名字映射到一个张量：既包括参数，也包括*缓冲区*（buffer），
# 例如 BatchNorm 的滑动均值和方差，它们在训练中更新，却不是参数。名字来自保存各层的属性。

# %%
torch.manual_seed(0)
model = MLP(4, [8], 3, batch_norm=True)
state = model.state_dict()
for name, tensor in state.items():
    print(f"{name:28s} {tuple(tensor.shape)}")
parameters = {name for name, _ in model.named_parameters()}
print(
    "not parameters:",
    [name for name in state if name not in parameters],
)

# %% [markdown] lang="en"
# ## Saving and loading weights
#
# Save the `state_dict`, not the model. Loading means building the same architecture first and
# copying the saved tensors into it with `load_state_dict`. In evaluation mode the two models then
# give identical outputs.

# %% [markdown] lang="zh"
# ## 保存与加载权重
#
# 要保存的是 `state_dict`，而不是模型本身。加载时先构建同样结构的模型，再用 `load_state_dict`
# 把保存的张量复制进去。在评估模式下，两个模型的输出完全相同。

# %%
model(
    torch.randn(16, 4)
)  # one training-mode pass updates BatchNorm's running statistics
torch.save(model.state_dict(), folder / "weights.pt")

restored = MLP(4, [8], 3, batch_norm=True)
print(restored.load_state_dict(torch.load(folder / "weights.pt")))
x = torch.randn(5, 4)
print(torch.equal(predict(model, x), predict(restored, x)))

# %% [markdown] lang="en"
# The recipes `save_weights` and `load_weights` do the same; `save_weights` writes to a temporary
# name and renames it, so a crash during the save never leaves a half-written file in place of
# the previous one.

# %% [markdown] lang="zh"
# 工具函数 `save_weights` 和 `load_weights` 做的是同样的事；`save_weights` 先写入一个临时文件名，
# 再重命名，所以保存过程中即使程序崩溃，也不会用写了一半的文件替换掉原来的文件。

# %%
path = save_weights(model, folder / "weights.pt")
again = load_weights(MLP(4, [8], 3, batch_norm=True), path)
print(path.name, torch.equal(predict(model, x), predict(again, x)))

# %% [markdown] lang="en"
# ## `weights_only`: why `torch.save(model)` no longer loads
#
# A `.pt` file is a pickle, and unpickling can run arbitrary code. Since PyTorch 2.6,
# `torch.load` defaults to `weights_only=True`, which rebuilds tensors and plain data (numbers,
# strings, lists, dicts and a few PyTorch types such as `torch.Size`) and refuses any other class.
# A whole model saved with `torch.save(model)` refers to its class, so loading it fails. The error is long; its key line names the class. `read_checkpoint` says what to do.

# %% [markdown] lang="zh"
# ## `weights_only`：为什么 `torch.save(model)` 保存的文件不能直接加载了
#
# `.pt` 文件是一个 pickle，而反序列化 pickle 可能执行任意代码。从 PyTorch 2.6 起，`torch.load`
# 默认使用 `weights_only=True`，只重建张量和普通数据（数字、字符串、列表、字典，以及 `torch.Size`
# 等少数 PyTorch 类型），拒绝其他任何类。用 `torch.save(model)` 保存的整个模型引用了它的类，
# 所以加载会失败。这条报错很长，关键的一行指出了是哪个类。
# `read_checkpoint` 则直接说明该怎么做。

# %% raises=["UnpicklingError", "ValueError"]
torch.save(model, folder / "whole_model.pt")
try:
    torch.load(folder / "whole_model.pt")
except Exception as err:
    key_line = next(
        line
        for line in str(err).splitlines()
        if "Unsupported global" in line
    )
    print(
        f"{type(err).__name__}: ... "
        f"{key_line.strip().split(' Please')[0]} ..."
    )
try:
    read_checkpoint(folder / "whole_model.pt")
except ValueError as err:
    print(f"{type(err).__name__}: {err}")

# %% [markdown] lang="en"
# ## `map_location`: where the tensors land
#
# `torch.load` puts each tensor back on the device it was saved from. A checkpoint saved on a GPU
# therefore fails to load on a machine without one unless `map_location` says where to put it;
# `map_location="cpu"` works everywhere, and the recipes use it by default. `load_state_dict`
# copies values into the model's own tensors, so the model stays on its device either way. The
# `meta` device, which stores shapes but no data, even lets you inspect a large checkpoint without
# reading its numbers into memory.

# %% [markdown] lang="zh"
# ## `map_location`：张量放到哪里
#
# `torch.load` 会把每个张量放回保存时所在的设备。因此，在 GPU 上保存的检查点，如果不用
# `map_location` 指定位置，就无法在没有 GPU 的机器上加载；`map_location="cpu"` 在任何机器上都可用，
# 这里的工具函数默认就这样做。`load_state_dict` 是把数值复制进模型自己的张量，所以无论如何，
# 模型都留在它原来的设备上。`meta` 设备只记录形状、不存数据，用它甚至可以在不把数值读进内存的情况下
# 查看一个很大的检查点。

# %%
on_cpu = torch.load(folder / "weights.pt", map_location="cpu")
shapes_only = read_checkpoint(
    folder / "weights.pt", map_location="meta"
)
print(
    on_cpu["layers.0.weight"].device,
    shapes_only["layers.0.weight"].device,
    shapes_only["layers.0.weight"].shape,
)

# %% [markdown] lang="en"
# ## When the file does not fit the model
#
# Three mistakes are common: a model built with other sizes (shape mismatch), layers renamed or
# wrapped, for example by `DataParallel`, which prefixes every name with `module.` (wrong keys),
# and a file that is not a checkpoint at all. PyTorch's own messages list every mismatch or, for
# the last case, say nothing useful:

# %% [markdown] lang="zh"
# ## 文件与模型对不上的时候
#
# 常见的错误有三种：模型用了不同的尺寸构建（形状不匹配）；层被改了名或被包装过，例如 `DataParallel`
# 会给每个名字加上 `module.` 前缀（键不匹配）；以及文件根本不是检查点。PyTorch 自己的报错会逐条列出
# 每一处不匹配，或者在最后一种情况下，给不出任何有用的信息：

# %% raises=["RuntimeError", "IndexError"]
wider = MLP(4, [16], 3, batch_norm=True)
wrapped = {"module." + name: tensor for name, tensor in state.items()}
(folder / "notes.txt").write_text("epoch=3, accuracy=0.97\n")
try:
    wider.load_state_dict(torch.load(folder / "weights.pt"))
except RuntimeError as err:
    print(f"{type(err).__name__}: {str(err)[:200]}...")
try:
    model.load_state_dict(wrapped)
except RuntimeError as err:
    print(f"{type(err).__name__}: {str(err)[:200]}...")
try:
    torch.load(folder / "notes.txt")
except IndexError as err:
    print(f"{type(err).__name__}: {err}")

# %% [markdown] lang="en"
# `check_state_dict`, which `load_weights` calls before touching the model, names the first
# problem, what it expected and what came, and recognises the `module.` prefix:

# %% [markdown] lang="zh"
# `check_state_dict` 在 `load_weights` 修改模型之前被调用，它指出第一个问题、期望的是什么、
# 实际得到的是什么，并且能认出 `module.` 前缀：

# %% raises="ValueError"
for attempt in (
    lambda: load_weights(wider, folder / "weights.pt"),
    lambda: check_state_dict(model, wrapped),
    lambda: load_weights(model, folder / "notes.txt"),
):
    try:
        attempt()
    except ValueError as err:
        print(f"{type(err).__name__}: {err}\n")

# %% [markdown] lang="en"
# ## Resuming training: model, optimizer and epoch
#
# To continue training, a checkpoint needs more than the weights: the optimizer's state (Adam's
# running averages of the gradients, SGD's momentum) and the number of epochs done. The raw
# version is a dict with three entries:

# %% [markdown] lang="zh"
# ## 断点续训：模型、优化器与轮次
#
# 要继续训练，检查点里光有权重还不够：还需要优化器的状态（Adam 的梯度滑动平均、SGD 的动量）
# 以及已经完成的轮数。原生写法就是一个包含三项的字典：

# %%
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
torch.save(
    {
        "epoch": 3,
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
    },
    folder / "raw.pt",
)

checkpoint = torch.load(folder / "raw.pt", map_location="cpu")
model.load_state_dict(checkpoint["model"])
optimizer.load_state_dict(checkpoint["optimizer"])
start_epoch = checkpoint["epoch"]
print(sorted(checkpoint), "-> continue with epoch index", start_epoch)

# %% [markdown] lang="en"
# `save_checkpoint` and `load_checkpoint` write and check that dict; `load_checkpoint` returns the
# number of epochs done. `train_resumable` builds a loop on them: it checkpoints after every epoch
# and, if the checkpoint exists, continues from it. Each epoch shuffles with its own seed, so the
# resumed run sees the same batches as an uninterrupted one. We train on iris for 8 epochs in one
# go, then again with an interruption after 3, and check that losses and weights come out identical.

# %% [markdown] lang="zh"
# `save_checkpoint` 和 `load_checkpoint` 负责写入并检查这个字典；`load_checkpoint` 返回已完成的轮数。
# `train_resumable` 在它们之上构建训练循环：每轮结束都保存检查点，如果检查点已经存在，就从它继续。
# 每一轮都用各自的种子打乱数据，所以恢复后的训练看到的批次与不中断的训练完全相同。
# 下面在鸢尾花数据上训练 8 轮：一次是一口气训练完，另一次在第 3 轮之后中断，
# 然后检查两次的损失和权重是否完全相同。

# %%
dataset = to_tensor_dataset(*load_iris(return_X_y=True))


def fresh_model_and_optimizer():
    torch.manual_seed(0)
    net = MLP(4, [16], 3)
    return net, torch.optim.Adam(net.parameters(), lr=0.01)


straight, straight_opt = fresh_model_and_optimizer()
losses = train_resumable(
    straight,
    straight_opt,
    dataset,
    nn.CrossEntropyLoss(),
    8,
    folder / "straight.pt",
    batch_size=16,
)

first, first_opt = fresh_model_and_optimizer()
losses_before = train_resumable(
    first,
    first_opt,
    dataset,
    nn.CrossEntropyLoss(),
    3,
    folder / "resumed.pt",
    batch_size=16,
)
# A new process would start here, with new objects: everything comes
# from the checkpoint.
resumed, resumed_opt = fresh_model_and_optimizer()
losses_after = train_resumable(
    resumed,
    resumed_opt,
    dataset,
    nn.CrossEntropyLoss(),
    8,
    folder / "resumed.pt",
    batch_size=16,
)

print("epochs run:", len(losses_before), "+", len(losses_after))
print("last losses:", losses[-1], losses_after[-1])
assert losses == losses_before + losses_after
assert all(
    torch.equal(a, b)
    for a, b in zip(straight.parameters(), resumed.parameters())
)

# %% [markdown] lang="en"
# Restoring only the model is a common shortcut, and it changes the result: a fresh Adam starts
# its running averages from zero, so the remaining epochs take different steps.

# %% [markdown] lang="zh"
# 只恢复模型是一种常见的偷懒做法，它会改变结果：新建的 Adam 从零开始累积滑动平均，
# 所以余下的几轮走的是不同的步子。

# %%
model_only, new_opt = fresh_model_and_optimizer()
train_resumable(
    model_only,
    new_opt,
    dataset,
    nn.CrossEntropyLoss(),
    3,
    folder / "model_only.pt",
    batch_size=16,
)
model_only, new_opt = fresh_model_and_optimizer()
model_only.load_state_dict(
    read_checkpoint(folder / "model_only.pt")["model"]
)
save_checkpoint(
    folder / "model_only.pt", model_only, new_opt, epoch=3
)  # the weights after 3 epochs, a fresh Adam
train_resumable(
    model_only,
    new_opt,
    dataset,
    nn.CrossEntropyLoss(),
    8,
    folder / "model_only.pt",
    batch_size=16,
)
gap = max(
    (a - b).abs().max().item()
    for a, b in zip(straight.parameters(), model_only.parameters())
)
print(
    f"largest weight difference from the uninterrupted run: {gap:.4f}"
)
assert gap > 0

# %% [markdown] lang="en"
# A checkpoint that is only a `state_dict`, or one for another model, is refused before anything
# is overwritten. Finally, the temporary folder is removed.

# %% [markdown] lang="zh"
# 如果检查点只是一个 `state_dict`，或者属于另一个模型，它会在任何东西被覆盖之前被拒绝。
# 最后，删除临时文件夹。

# %% raises="ValueError"
try:
    load_checkpoint(folder / "weights.pt", resumed, resumed_opt)
except ValueError as err:
    print(f"{type(err).__name__}: {err}")
workdir.cleanup()
print("removed:", not folder.exists())
