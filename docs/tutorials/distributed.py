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
# # Training on several processes with DistributedDataParallel
#
# When one process is too slow, or one GPU too small, PyTorch spreads training over several
# processes with `torch.distributed` and `DistributedDataParallel` (DDP), and starts those
# processes with `torchrun`. This tutorial takes a small linear regression from one process to
# two. You will learn what ranks and the world size are, how `DistributedSampler` splits the
# data, why averaging gradients makes several processes behave like one, and how the same code
# runs on several machines. Along the way we check the claim that matters: with the same data,
# seed and global batch size, two processes end with the same weights as one.

# %% [markdown] lang="zh"
# # 用 DistributedDataParallel 在多个进程上训练
#
# 当一个进程跑得太慢、或一块 GPU 放不下时，PyTorch 用 `torch.distributed` 和
# `DistributedDataParallel`（DDP）把训练分散到多个进程上，并用 `torchrun` 启动这些进程。
# 本教程把一个小小的线性回归从一个进程扩展到两个进程。你会了解什么是 rank 和 world size，
# `DistributedSampler` 如何切分数据，为什么对梯度取平均就能让多个进程的效果等同于一个进程，
# 以及同一份代码如何在多台机器上运行。我们还会验证最关键的结论：数据、随机种子和全局批大小都相同时，
# 两个进程训练出的权重与一个进程完全一致。

# %% [markdown] lang="en"
# ## Ranks, world size and the process group
#
# Each training process is a **rank**, numbered `0 … world_size - 1`; the **world size** is the
# number of processes in total, across all machines. The **local rank** numbers processes within
# one machine and picks the GPU a process uses. The processes find each other through a
# rendezvous address (`MASTER_ADDR`, `MASTER_PORT`) and form a **process group**; its
# **backend** moves the data: `gloo` works on CPUs, `nccl` is the fast choice when every rank has
# a CUDA GPU. `torchrun` sets `RANK`, `WORLD_SIZE`, `LOCAL_RANK`, `MASTER_ADDR` and `MASTER_PORT`
# for every process; `setup_process_group` reads them and joins the group.

# %% [markdown] lang="zh"
# ## rank、world size 与进程组
#
# 每个训练进程称为一个 **rank**，编号为 `0 … world_size - 1`；**world size** 是所有机器上进程的总数。
# **local rank** 是进程在本机内的编号，用来决定该进程使用哪块 GPU。各进程通过一个汇合地址
# （`MASTER_ADDR`、`MASTER_PORT`）找到彼此，组成一个**进程组**；进程组的**后端**负责传输数据：
# `gloo` 可以在 CPU 上工作，当每个 rank 都有 CUDA GPU 时，`nccl` 是更快的选择。
# `torchrun` 会为每个进程设置 `RANK`、`WORLD_SIZE`、`LOCAL_RANK`、`MASTER_ADDR` 和 `MASTER_PORT`，
# `setup_process_group` 读取这些变量并加入进程组。

# %%
import time

import torch
import torch.distributed as dist
from torch import nn
from torch.utils.data.distributed import DistributedSampler

from recipes.distributed import choose_backend, launch_regression_ddp

print("torch.distributed available:", dist.is_available())
print(
    "gloo:",
    dist.is_gloo_available(),
    "| nccl:",
    dist.is_nccl_available(),
)
print("backend for 2 local ranks on this machine:", choose_backend(2))

# %% [markdown] lang="en"
# ## Sharding the data with `DistributedSampler`
#
# Every rank builds the same data set, and a `DistributedSampler` hands each rank a different
# share of it. Rank `r` gets positions `r, r + world_size, r + 2 * world_size, …`. The sampler
# only needs `num_replicas` (the world size) and `rank`, so we can look at it without starting
# any process.

# %% [markdown] lang="zh"
# ## 用 `DistributedSampler` 切分数据
#
# 每个 rank 都构造同一个数据集，再由 `DistributedSampler` 给每个 rank 分配不同的一份。
# rank `r` 拿到的位置是 `r, r + world_size, r + 2 * world_size, …`。采样器只需要 `num_replicas`
# （即 world size）和 `rank` 两个参数，所以不用启动任何进程就能观察它的行为。

# %%
data = range(10)
for rank in range(2):
    sampler = DistributedSampler(
        data, num_replicas=2, rank=rank, shuffle=False
    )
    print(f"rank {rank}:", list(sampler))

# %% [markdown] lang="en"
# With `shuffle=True` all ranks draw the *same* permutation (from `seed` plus the epoch number)
# and then take their interleaved share, so the shards never overlap. Call
# `sampler.set_epoch(epoch)` at the start of every epoch: without it, every epoch repeats the
# first epoch's order.

# %% [markdown] lang="zh"
# 设置 `shuffle=True` 时，所有 rank 用同一个打乱顺序（由 `seed` 加上轮次编号生成），
# 再按交错的方式各取一份，因此各 rank 的数据不会重叠。每轮开始时都要调用 `sampler.set_epoch(epoch)`：
# 如果忘了，每一轮都会重复第一轮的顺序。

# %%
samplers = [
    DistributedSampler(
        data, num_replicas=2, rank=r, shuffle=True, seed=0
    )
    for r in range(2)
]
for epoch in range(2):
    for sampler in samplers:
        sampler.set_epoch(epoch)
    print(f"epoch {epoch}:", [list(s) for s in samplers])

# %% [markdown] lang="en"
# If the data set does not split evenly, the sampler pads the shorter shards by repeating
# samples; `drop_last=True` drops the remainder instead. The recipe drops it, so that every rank
# takes the same number of samples at every step.

# %% [markdown] lang="zh"
# 如果数据集不能被平均分配，采样器默认会重复一些样本来补齐较短的份额；设置 `drop_last=True`
# 则会丢掉多余的部分。本教程的工具函数选择丢弃，这样每一步中每个 rank 处理的样本数都相同。

# %%
for drop_last in (False, True):
    shards = []
    for r in range(2):
        sampler = DistributedSampler(
            range(11),
            num_replicas=2,
            rank=r,
            shuffle=False,
            drop_last=drop_last,
        )
        shards.append(list(sampler))
    print(f"11 samples, drop_last={drop_last}:", shards)

# %% [markdown] lang="en"
# ## Why averaging gradients is enough
#
# With a global batch of `B` samples and `W` ranks, each rank takes `B / W` of them. Each rank
# computes the mean-squared-error gradient on its own shard, and DDP then **averages** the
# gradients of all ranks during `backward()`, so every rank applies the same update. When the
# shards have equal size, the average of the per-shard mean gradients is exactly the mean
# gradient of the whole batch. We can check it in a single process.

# %% [markdown] lang="zh"
# ## 为什么对梯度取平均就够了
#
# 设全局批大小为 `B`、rank 数为 `W`，则每个 rank 处理其中 `B / W` 个样本。每个 rank 在自己那一份上计算
# 均方误差的梯度，DDP 在 `backward()` 过程中把所有 rank 的梯度**取平均**，于是每个 rank 执行完全相同的更新。
# 只要每一份的大小相同，各份平均梯度的平均值就恰好等于整个批次的平均梯度。我们可以在一个进程里验证这一点。

# %%
torch.manual_seed(0)
model = nn.Linear(4, 1, dtype=torch.float64)
X = torch.randn(8, 4, dtype=torch.float64)
y = torch.randn(8, 1, dtype=torch.float64)


def weight_gradient(xb, yb):
    model.zero_grad()
    nn.functional.mse_loss(model(xb), yb).backward()
    return model.weight.grad.clone()


whole_batch = weight_gradient(X, y)
per_rank = [weight_gradient(X[r::2], y[r::2]) for r in range(2)]
averaged = (per_rank[0] + per_rank[1]) / 2
print("whole batch:", whole_batch, sep="\n")
print("average of 2 shards:", averaged, sep="\n")
print("max difference:", (whole_batch - averaged).abs().max().item())

# %% [markdown] lang="en"
# ## The training function, rank by rank
#
# `train_regression_ddp` is the code every rank runs once the process group exists. Stripped to
# its essentials it looks like this (the real function also checks its arguments):
#
# ```python
# sampler = DistributedSampler(
#     dataset, num_replicas=world_size, rank=rank,
#     shuffle=True, seed=seed, drop_last=True,
# )
# loader = DataLoader(
#     dataset, batch_size=global_batch_size // world_size,
#     sampler=sampler, drop_last=True,
# )
# torch.manual_seed(seed)
# model = nn.Linear(n_features, 1, dtype=torch.float64).to(device)
# # on a GPU, add device_ids=[local_rank]
# ddp_model = DistributedDataParallel(model)
# optimizer = torch.optim.SGD(ddp_model.parameters(), lr=lr)
# for epoch in range(epochs):
#     sampler.set_epoch(epoch)
#     for xb, yb in loader:
#         optimizer.zero_grad()
#         prediction = ddp_model(xb.to(device))
#         loss = nn.functional.mse_loss(prediction, yb.to(device))
#         loss.backward()  # DDP averages gradients across ranks
#         optimizer.step()
# weights = ddp_model.module.state_dict() if rank == 0 else None
# ```
#
# Note the last line: the weights are read from `ddp_model.module`, the wrapped model. The
# wrapper's own `state_dict()` prefixes every key with `module.`, which a plain `nn.Linear`
# refuses to load.

# %% [markdown] lang="zh"
# ## 训练函数：每个 rank 都执行的代码
#
# `train_regression_ddp` 是进程组建立之后每个 rank 都要运行的代码。去掉参数检查之后，核心部分如下：
#
# ```python
# sampler = DistributedSampler(
#     dataset, num_replicas=world_size, rank=rank,
#     shuffle=True, seed=seed, drop_last=True,
# )
# loader = DataLoader(
#     dataset, batch_size=global_batch_size // world_size,
#     sampler=sampler, drop_last=True,
# )
# torch.manual_seed(seed)
# model = nn.Linear(n_features, 1, dtype=torch.float64).to(device)
# # 使用 GPU 时加上 device_ids=[local_rank]
# ddp_model = DistributedDataParallel(model)
# optimizer = torch.optim.SGD(ddp_model.parameters(), lr=lr)
# for epoch in range(epochs):
#     sampler.set_epoch(epoch)
#     for xb, yb in loader:
#         optimizer.zero_grad()
#         prediction = ddp_model(xb.to(device))
#         loss = nn.functional.mse_loss(prediction, yb.to(device))
#         loss.backward()  # DDP 在这里对各 rank 的梯度取平均
#         optimizer.step()
# weights = ddp_model.module.state_dict() if rank == 0 else None
# ```
#
# 注意最后一行：权重要从 `ddp_model.module`（被包装的原始模型）中读取。DDP 包装器自己的
# `state_dict()` 会给每个键加上 `module.` 前缀，普通的 `nn.Linear` 无法直接加载。

# %% [markdown] lang="en"
# ## One process against two
#
# `launch_regression_ddp(world_size)` starts `world_size` fresh Python processes on this
# machine, joins them in a gloo group on a free local port, runs `train_regression_ddp` on each
# and returns rank 0's weights. The data is `y = X @ [1, 2, 3, 4] + 0.5 + noise`, so the weights
# should come out close to `[1, 2, 3, 4]` and the bias close to `0.5`. First one process:

# %% [markdown] lang="zh"
# ## 一个进程与两个进程的对比
#
# `launch_regression_ddp(world_size)` 在本机启动 `world_size` 个全新的 Python 进程，让它们在一个空闲的本地端口上
# 组成 gloo 进程组，在每个进程中运行 `train_regression_ddp`，并返回 rank 0 的权重。
# 数据满足 `y = X @ [1, 2, 3, 4] + 0.5 + 噪声`，因此训练出的权重应接近 `[1, 2, 3, 4]`，偏置接近 `0.5`。
# 先用一个进程：

# %%
start = time.perf_counter()
one = launch_regression_ddp(
    world_size=1, epochs=10, global_batch_size=64, seed=0
)
one_s = time.perf_counter() - start
print(f"1 process, {one_s:.1f} s")
print(
    "weight",
    one["weight"].numpy().round(4),
    "bias",
    one["bias"].numpy().round(4),
)

# %% [markdown] lang="en"
# Then two processes with the same global batch of 64, so each rank takes 32 samples per step:

# %% [markdown] lang="zh"
# 再用两个进程，全局批大小同样是 64，所以每一步每个 rank 处理 32 个样本：

# %%
start = time.perf_counter()
two = launch_regression_ddp(
    world_size=2, epochs=10, global_batch_size=64, seed=0
)
two_s = time.perf_counter() - start
print(f"2 processes, {two_s:.1f} s")
print(
    "weight",
    two["weight"].numpy().round(4),
    "bias",
    two["bias"].numpy().round(4),
)
max_diff = max(
    (one[name] - two[name]).abs().max().item() for name in one
)
print(
    "max |weights(2 processes) - weights(1 process)| = "
    f"{max_diff:.2e}"
)

# %% [markdown] lang="en"
# The difference is zero, or at most at the level of float64 rounding: the two runs add the same
# numbers in a different order, nothing more. For a model this small, two processes are not faster: starting
# Python, importing PyTorch and exchanging gradients cost far more than the arithmetic. DDP pays
# off when each step has real work, such as a large network on a GPU per rank.

# %% [markdown] lang="zh"
# 两者的差别为零，最多也只在 float64 舍入误差的量级：两次运行只是以不同的顺序把同样的数加起来而已。
# 对这么小的模型来说，两个进程并不会更快：启动 Python、导入 PyTorch 和交换梯度的开销远远超过计算本身。
# 只有当每一步都有足够的计算量时（例如每个 rank 在一块 GPU 上训练大型网络），DDP 才能体现出价值。

# %% [markdown] lang="en"
# ## When a rank fails
#
# If one rank raises, its peers wait for it inside the next collective call until the process
# group's timeout runs out: 30 minutes by default with gloo, the CPU backend used here
# (`torch.distributed.default_pg_timeout`; NCCL has its own default). The launcher watches every
# process: as soon as one fails, it stops the others and raises a `RuntimeError` that names the
# rank and carries its traceback. (`setup_process_group` also sets a shorter timeout, 300 s unless
# you pass `timeout_s`, so a stuck collective errors out sooner under `torchrun` too.) Here rank 1
# is told to fail on purpose:

# %% [markdown] lang="zh"
# ## 当某个 rank 出错时
#
# 如果某个 rank 抛出异常，其他 rank 会在下一次集合通信中等待它，直到进程组的超时时间用完：
# 使用这里的 CPU 后端 gloo 时默认是 30 分钟（`torch.distributed.default_pg_timeout`；
# NCCL 有它自己的默认值）。启动器会监视每个进程：一旦有进程失败，就立即停止其余进程，并抛出一个 `RuntimeError`，其中写明是哪个 rank 出错，并附上它的回溯信息。
# （`setup_process_group` 还会设置更短的超时，除非传入 `timeout_s`，否则是 300 秒，所以在 `torchrun`
# 下卡住的集合通信也会更早报错。）下面故意让 rank 1 失败：

# %% raises="RuntimeError"
print("default process-group timeout:", dist.default_pg_timeout)
assert dist.default_pg_timeout.total_seconds() == 30 * 60
start = time.perf_counter()
try:
    launch_regression_ddp(world_size=2, fail_on_rank=1, timeout_s=60)
except RuntimeError as err:
    lines = str(err).splitlines()
    print(f"after {time.perf_counter() - start:.1f} s:")
    print(lines[0])
    print(lines[-1])

# %% [markdown] lang="en"
# ## Running it with `torchrun`
#
# In a script you would not use the local launcher: `torchrun` starts the processes and sets
# their environment, and the module's `main()` calls `setup_process_group`,
# `train_regression_ddp` and `teardown_process_group`. On one machine with two processes:
#
# ```bash
# torchrun --nproc-per-node 2 -m recipes.distributed \
#     --epochs 10 --global-batch-size 64
# ```
#
# The same code runs on several machines. Start the same command on **every** machine, telling
# `torchrun` how many machines take part (`--nnodes`) and where to meet (`--rdzv-endpoint`, a
# host and port reachable from all of them). With two machines of four GPUs each, the world size
# is 8, ranks `0–3` live on the first machine and `4–7` on the second, each machine has local
# ranks `0–3` (one per GPU), and the backend is `nccl`:
#
# ```bash
# # run on each of the two machines
# torchrun --nnodes 2 --nproc-per-node 4 \
#     --rdzv-backend c10d --rdzv-endpoint HOST:29500 \
#     --rdzv-id regression-1 \
#     -m recipes.distributed --global-batch-size 64
# ```
#
# Nothing in the training code changes: the global batch of 64 is split into 8 shards of 8, and
# the gradients are averaged over all 8 ranks.

# %% [markdown] lang="zh"
# ## 用 `torchrun` 运行
#
# 在脚本中一般不使用本地启动器，而是由 `torchrun` 启动进程并设置它们的环境变量；模块的 `main()` 依次调用
# `setup_process_group`、`train_regression_ddp` 和 `teardown_process_group`。在一台机器上用两个进程：
#
# ```bash
# torchrun --nproc-per-node 2 -m recipes.distributed \
#     --epochs 10 --global-batch-size 64
# ```
#
# 同一份代码也能在多台机器上运行：在**每一台**机器上执行相同的命令，告诉 `torchrun` 一共有几台机器参与
# （`--nnodes`）以及在哪里汇合（`--rdzv-endpoint`，一个所有机器都能访问的主机和端口）。
# 假设有两台机器、每台 4 块 GPU，那么 world size 为 8，rank `0–3` 在第一台机器上，`4–7` 在第二台上，
# 每台机器的 local rank 都是 `0–3`（每块 GPU 一个进程），后端为 `nccl`：
#
# ```bash
# # 在两台机器上分别运行
# torchrun --nnodes 2 --nproc-per-node 4 \
#     --rdzv-backend c10d --rdzv-endpoint HOST:29500 \
#     --rdzv-id regression-1 \
#     -m recipes.distributed --global-batch-size 64
# ```
#
# 训练代码一行都不用改：全局批次 64 被切成 8 份、每份 8 个样本，梯度在全部 8 个 rank 之间取平均。

# %% [markdown] lang="en"
# ## Summary
#
# - A rank is one process; the world size counts them all; the local rank picks the GPU.
# - `DistributedSampler` gives each rank an interleaved share; call `set_epoch` every epoch.
# - Per-rank batch = global batch / world size; DDP averages the gradients, so with equal
#   shards the update equals one process on the whole batch, as the max difference above shows.
# - Read weights from `ddp_model.module`, usually on rank 0 only.
# - `torchrun --nproc-per-node N` on one machine, plus `--nnodes` and `--rdzv-endpoint` on many.

# %% [markdown] lang="zh"
# ## 小结
#
# - 一个 rank 就是一个进程；world size 是进程总数；local rank 决定使用哪块 GPU。
# - `DistributedSampler` 以交错的方式给每个 rank 分配数据；每一轮都要调用 `set_epoch`。
# - 每个 rank 的批大小 = 全局批大小 / world size；DDP 对梯度取平均，所以只要各份大小相同，
#   更新就和一个进程处理整个批次完全一样，上面的最大差值证明了这一点。
# - 从 `ddp_model.module` 读取权重，通常只在 rank 0 上做。
# - 单机用 `torchrun --nproc-per-node N`，多机再加上 `--nnodes` 和 `--rdzv-endpoint`。

# %% [markdown] lang="en"
# ## More recipes: one GPU per rank, saving on rank 0
#
# On a machine with several GPUs, torchrun starts one process per GPU and gives each its number on
# that machine in `LOCAL_RANK`. Each process must call `torch.cuda.set_device(local_rank)` before it
# creates CUDA tensors or the process group; otherwise every rank's `"cuda"` tensors and NCCL's
# buffers land on GPU 0. `bind_local_device` does that and returns the device, or the CPU when
# there is no GPU.

# %% [markdown] lang="zh"
# ## 更多工具函数：每个 rank 一块 GPU，只在 rank 0 上保存
#
# 在有多块 GPU 的机器上，torchrun 为每块 GPU 启动一个进程，并通过 `LOCAL_RANK` 告诉每个进程它在
# 本机上的编号。每个进程都必须在创建 CUDA 张量或进程组之前调用 `torch.cuda.set_device(local_rank)`；
# 否则所有 rank 的 `"cuda"` 张量和 NCCL 的缓冲区都会挤到 GPU 0 上。`bind_local_device` 完成这一步
# 并返回对应的设备；没有 GPU 时返回 CPU。

# %%
from recipes.distributed import bind_local_device, save_on_rank0

print(bind_local_device(0))

# %% [markdown] lang="en"
# Only one rank should write a checkpoint: rank 0 writes it, and the other ranks wait until the
# file is complete before anyone reads it. `save_on_rank0` writes under a temporary name and then
# renames the file, so no reader sees half a checkpoint; if rank 0 cannot write, every rank raises
# instead of waiting. Outside a process group, as here, the one process is rank 0. Save the plain
# model's weights, `ddp_model.module.state_dict()`, whose keys have no `module.` prefix.

# %% [markdown] lang="zh"
# 检查点只应由一个 rank 写入：rank 0 负责写，其他 rank 要等文件完整写好之后才能读取。
# `save_on_rank0` 先写到临时文件名，再重命名，所以读取的一方不会看到写了一半的检查点；如果
# rank 0 写入失败，所有 rank 都会报错，而不是一直等待。像这里这样不在进程组中运行时，唯一的
# 进程就是 rank 0。请保存未包装模型的权重 `ddp_model.module.state_dict()`，它的键没有 `module.`
# 前缀。

# %% raises="FileNotFoundError"
import tempfile
from pathlib import Path

folder = Path(tempfile.mkdtemp())
weights = nn.Linear(4, 1).state_dict()
print(save_on_rank0(weights, folder / "model.pt"))
print(
    sorted(torch.load(folder / "model.pt")),
    [path.name for path in folder.iterdir()],
)
try:
    save_on_rank0(weights, folder / "runs" / "model.pt")
except FileNotFoundError as err:
    print(f"{type(err).__name__}: {err}")
