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
# # Feeding data with `Dataset` and `DataLoader`
#
# A training loop needs samples in mini-batches, usually in a shuffled order. PyTorch splits this
# job in two: a `Dataset` says how many samples there are and how to fetch sample `i`, and a
# `DataLoader` groups samples into batches, shuffles them and stacks them into tensors. In this
# tutorial you write a custom `Dataset` for a time series, wrap arrays in a `TensorDataset`, and learn
# what `batch_size`, `shuffle` and `drop_last` do, including how to make shuffling reproducible and how
# many batches an epoch has. At the end a small model learns from the loader.

# %% [markdown] lang="zh"
# # 用 `Dataset` 和 `DataLoader` 读取数据
#
# 训练循环需要按小批量（mini-batch）取样本，而且通常要打乱顺序。PyTorch 把这件事分成两部分：
# `Dataset` 负责说明一共有多少个样本、如何取出第 `i` 个样本；`DataLoader` 负责把样本分批、打乱顺序，
# 并把它们堆叠成张量。本教程会为时间序列编写一个自定义 `Dataset`，把数组包装成 `TensorDataset`，
# 并讲解 `batch_size`、`shuffle` 和 `drop_last` 的作用，包括如何让打乱顺序可以复现、
# 以及一轮（epoch）有多少个批次。最后用这个 loader 训练一个小模型。

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch
from IPython.display import display
from torch import nn
from torch.utils.data import DataLoader, Dataset, TensorDataset

from recipes.data import (
    SlidingWindowDataset,
    batches_per_epoch,
    make_loader,
    to_tensor_dataset,
)

# %% [markdown] lang="en"
# ## A custom `Dataset`
#
# A map-style dataset is a class with two methods: `__len__` returns the number of samples and
# `__getitem__(i)` returns sample `i`. Here is a minimal one that serves the squares of 0 to n - 1.

# %% [markdown] lang="zh"
# ## 自定义 `Dataset`
#
# 映射式（map-style）数据集就是一个实现了两个方法的类：`__len__` 返回样本数量，
# `__getitem__(i)` 返回第 `i` 个样本。下面是一个最简单的例子，它提供 0 到 n - 1 的平方。


# %%
class Squares(Dataset):
    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(
        self, i: int
    ) -> tuple[torch.Tensor, torch.Tensor]:
        x = torch.tensor([float(i)])
        return x, x**2


squares = Squares(5)
print(len(squares))
print(squares[3])

# %% [markdown] lang="en"
# ## A sliding-window dataset for a time series
#
# To forecast the next value of a series, each sample is a window of past values and its target is
# the value right after it. `SlidingWindowDataset` builds these pairs from a 1-D series: a series of
# n values with window w gives n - w samples, because the last window still needs a target.

# %% [markdown] lang="zh"
# ## 时间序列的滑动窗口数据集
#
# 要预测序列的下一个值，每个样本就是一段历史窗口，目标值是紧跟在窗口之后的那个值。
# `SlidingWindowDataset` 从一维序列中构造这样的样本对：长度为 n 的序列、窗口大小为 w 时，
# 一共有 n - w 个样本，因为最后一个窗口后面还需要有一个目标值。

# %%
series = torch.arange(10)
windows = SlidingWindowDataset(series, window=4)
print(len(windows))
print(windows[0])
print(windows[len(windows) - 1])

# %% [markdown] lang="en"
# The same pairs written by hand with slicing, to see there is nothing hidden:

# %% [markdown] lang="zh"
# 用切片手动写出同样的样本对，可以看到其中并没有什么特别之处：

# %%
w = 4
print(
    [
        (series[i : i + w].tolist(), series[i + w].item())
        for i in range(len(series) - w)
    ][:2]
)

# %% [markdown] lang="en"
# A window that is as long as the series leaves nothing to predict, so the dataset refuses it
# instead of reporting zero (or a negative number of) samples later.

# %% [markdown] lang="zh"
# 如果窗口和整个序列一样长，就没有可以预测的值了；此时数据集会直接报错，
# 而不是等到之后才给出 0 个（甚至负数个）样本。

# %% raises="ValueError"
try:
    SlidingWindowDataset(torch.arange(4), window=4)
except ValueError as err:
    print(f"{type(err).__name__}: {err}")

# %% [markdown] lang="en"
# ## `TensorDataset` for arrays you already have
#
# When features and targets are already arrays, `TensorDataset(x, y)` pairs their rows.
# NumPy arrays are float64 by default, while model weights are float32; `to_tensor_dataset` converts
# floating data to float32 and integer labels to int64, and checks the row counts match.

# %% [markdown] lang="zh"
# ## 用 `TensorDataset` 包装现成的数组
#
# 如果特征和目标已经是数组，`TensorDataset(x, y)` 会把它们按行配对。
# NumPy 数组默认是 float64，而模型权重是 float32；`to_tensor_dataset` 会把浮点数据转换为 float32、
# 把整数标签转换为 int64，并检查两者的行数是否一致。

# %% raises="RuntimeError"
rng = np.random.default_rng(0)
features = rng.normal(size=(6, 3))
labels = np.array([0, 1, 1, 0, 1, 0])
raw = TensorDataset(
    torch.from_numpy(features), torch.from_numpy(labels)
)
print(raw[0][0].dtype)
try:
    nn.Linear(3, 1)(raw[0][0])
except RuntimeError as err:
    print(f"{type(err).__name__}: {err}")
dataset = to_tensor_dataset(features, labels)
x0, y0 = dataset[0]
print(x0.dtype, y0.dtype, len(dataset))

# %% [markdown] lang="en"
# ## `DataLoader`: `batch_size` and `drop_last`
#
# `DataLoader` fetches `batch_size` samples at a time and stacks them, so a window of shape (4,)
# becomes a batch of shape (batch_size, 4). When the number of samples is not a multiple of the batch
# size, the last batch is smaller; `drop_last=True` skips it.

# %% [markdown] lang="zh"
# ## `DataLoader`：`batch_size` 与 `drop_last`
#
# `DataLoader` 每次取出 `batch_size` 个样本并把它们堆叠起来，于是形状为 (4,) 的窗口变成了
# 形状为 (batch_size, 4) 的批次。如果样本数不是批大小的整数倍，最后一个批次会小一些；
# 设置 `drop_last=True` 会跳过这个不完整的批次。

# %%
loader = DataLoader(windows, batch_size=4)
for xb, yb in loader:
    print(xb.shape, yb.shape)
for xb, yb in DataLoader(windows, batch_size=4, drop_last=True):
    print(xb.shape, yb.shape)

# %% [markdown] lang="en"
# The number of batches per epoch is ceil(n / batch_size), or floor(n / batch_size) with
# `drop_last=True`. `batches_per_epoch` computes it, and it equals `len(loader)`.

# %% [markdown] lang="zh"
# 每轮的批次数是 ceil(n / batch_size)；设置 `drop_last=True` 时则是 floor(n / batch_size)。
# `batches_per_epoch` 计算的就是这个数，它和 `len(loader)` 相等。

# %%
print(len(windows), batches_per_epoch(len(windows), 4), len(loader))
print(
    batches_per_epoch(100, 16),
    batches_per_epoch(100, 16, drop_last=True),
)
print(
    len(
        DataLoader(
            TensorDataset(torch.zeros(100)),
            batch_size=16,
            drop_last=True,
        )
    )
)

# %% [markdown] lang="en"
# `make_loader` builds the same `DataLoader` but checks its options first. A batch size of 0 is an
# error, and so is `drop_last=True` with a batch larger than the dataset, which would give epochs
# without a single batch and a training loop that silently does nothing.

# %% [markdown] lang="zh"
# `make_loader` 创建的是同样的 `DataLoader`，但会先检查参数。批大小为 0 是错误的；
# 在 `drop_last=True` 的情况下批大小超过数据集大小同样是错误的，因为那样每一轮连一个批次都没有，
# 训练循环会悄无声息地什么也不做。

# %% raises="ValueError"
print(len(DataLoader(windows, batch_size=8, drop_last=True)))
try:
    make_loader(windows, batch_size=8, drop_last=True)
except ValueError as err:
    print(f"{type(err).__name__}: {err}")
try:
    make_loader(windows, batch_size=0)
except ValueError as err:
    print(f"{type(err).__name__}: {err}")

# %% [markdown] lang="en"
# ## Reproducible shuffling
#
# With `shuffle=True` every epoch visits the samples in a new random order. By default that order
# comes from the global random generator, so any other random call in between (initializing a layer,
# for instance) changes it. Giving the loader its own seeded `torch.Generator`, which `make_loader`
# does from `seed`, makes the sequence of orders repeat exactly.

# %% [markdown] lang="zh"
# ## 可复现的打乱顺序
#
# 设置 `shuffle=True` 后，每一轮都会以新的随机顺序遍历样本。默认情况下这个顺序来自全局随机数生成器，
# 所以中间任何其他的随机操作（例如初始化一个层）都会改变它。给 loader 配一个独立的、
# 设置了种子的 `torch.Generator`（`make_loader` 会根据 `seed` 自动创建），每轮的顺序就能完全复现。

# %%
numbers = TensorDataset(torch.arange(10))


def epoch_order(loader: DataLoader) -> list[int]:
    return torch.cat([batch for (batch,) in loader]).tolist()


_ = torch.manual_seed(0)
first = epoch_order(DataLoader(numbers, batch_size=4, shuffle=True))
_ = torch.manual_seed(0)
# Any other random call in between, here a layer's initialization,
# draws from the global generator.
nn.Linear(3, 3)
second = epoch_order(DataLoader(numbers, batch_size=4, shuffle=True))
print(first)
print(second)

# %% [markdown] lang="en"
# With `make_loader(..., seed=0)` two epochs still come in different orders, yet a fresh loader with
# the same seed repeats the first epoch exactly, extra random call or not.

# %% [markdown] lang="zh"
# 使用 `make_loader(..., seed=0)` 时，相邻两轮的顺序依然不同；但用同一个种子新建的 loader
# 会原样重现第一轮的顺序，不管中间有没有多出来的随机操作。

# %%
seeded = make_loader(numbers, batch_size=4, shuffle=True, seed=0)
epoch_1, epoch_2 = epoch_order(seeded), epoch_order(seeded)
# The same extra random call no longer matters: the seeded loader
# has its own generator.
nn.Linear(3, 3)
again = make_loader(numbers, batch_size=4, shuffle=True, seed=0)
print(epoch_1)
print(epoch_2)
print(epoch_order(again))

# %% [markdown] lang="en"
# For a time series, shuffling the *windows* of the training part is fine: each window carries its
# own history. What must not be shuffled is the split itself; keep the validation windows after the
# training ones in time.

# %% [markdown] lang="zh"
# 对于时间序列，打乱训练部分中的 *窗口* 是没问题的，因为每个窗口自带了它的历史信息。
# 真正不能打乱的是数据划分本身：验证集的窗口在时间上要位于训练集之后。

# %% [markdown] lang="en"
# ## Putting it together: learning to forecast a sine wave
#
# A linear model over a window of 8 values can predict the next value of a noisy sine wave. The first
# 160 points train it with a shuffled, seeded loader; the last 40 points, later in time, check it.
# The noise has variance 0.0025, so a loss near that value is close to the best any model can do.
#
# The second cell below draws its figure once for each language of this site and tags each copy with
# `display(fig, metadata={"lang": ...})`, so this page shows the one labelled in your language. In
# your own notebook, one set of labels and `plt.show()` is all you need.

# %% [markdown] lang="zh"
# ## 综合运用：学习预测正弦波
#
# 一个以 8 个历史值为输入的线性模型，就能预测带噪声正弦波的下一个值。前 160 个点通过打乱顺序、
# 固定种子的 loader 用于训练；时间上更靠后的最后 40 个点用于检验。
# 噪声的方差是 0.0025，所以损失接近这个值时，就已经接近任何模型所能达到的最好水平。
#
# 下面第二个单元格为本站的每种语言各画一次图，并用 `display(fig, metadata={"lang": ...})` 标明语言，
# 所以本页只显示用你的语言标注的那一张。在你自己的 notebook 里，一套标签加 `plt.show()` 就够了。

# %%
_ = torch.manual_seed(0)
wave = torch.sin(
    torch.linspace(0, 12 * torch.pi, 200)
) + 0.05 * torch.randn(200)
window = 8
train_set = SlidingWindowDataset(wave[:160], window=window)
val_set = SlidingWindowDataset(wave[160:], window=window)
train_loader = make_loader(
    train_set, batch_size=16, shuffle=True, seed=0
)
print(len(train_set), len(val_set), len(train_loader))

model = nn.Linear(window, 1)
optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
loss_fn = nn.MSELoss()
history = []
for epoch in range(30):
    total = 0.0
    for xb, yb in train_loader:
        loss = loss_fn(model(xb).squeeze(1), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(xb)
    history.append(total / len(train_set))

val_x = torch.stack([val_set[i][0] for i in range(len(val_set))])
val_y = torch.stack([val_set[i][1] for i in range(len(val_set))])
with torch.no_grad():
    val_loss = loss_fn(model(val_x).squeeze(1), val_y).item()
print(
    f"first epoch {history[0]:.4f}, last epoch {history[-1]:.4f}, "
    f"validation {val_loss:.4f}"
)

# %%
LABELS = {
    "en": {"title": "Training loss", "x": "epoch", "y": "MSE"},
    "zh": {"title": "训练损失", "x": "轮次", "y": "均方误差"},
}
for lang, label in LABELS.items():
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(range(1, len(history) + 1), history, marker="o")
    ax.set_yscale("log")
    ax.set_title(label["title"])
    ax.set_xlabel(label["x"])
    ax.set_ylabel(label["y"])
    ax.grid(True)
    fig.tight_layout()
    display(fig, metadata={"lang": lang})
    plt.close(fig)

# %% [markdown] lang="en"
# ## Summary
#
# - A `Dataset` needs `__len__` and `__getitem__`; validate its arguments in `__init__`.
# - Sliding windows over n values with window w give n - w (window, next value) pairs.
# - Convert NumPy data to float32 before it meets a model; `to_tensor_dataset` does it.
# - `len(loader)` is ceil(n / batch_size), or floor with `drop_last=True`.
# - Give a shuffling loader its own seeded generator to make the order reproducible.

# %% [markdown] lang="zh"
# ## 小结
#
# - `Dataset` 需要实现 `__len__` 和 `__getitem__`；参数应当在 `__init__` 中校验。
# - 在长度为 n 的序列上用大小为 w 的滑动窗口，会得到 n - w 个（窗口, 下一个值）样本对。
# - NumPy 数据在送入模型之前要转换为 float32；`to_tensor_dataset` 会替你完成。
# - `len(loader)` 等于 ceil(n / batch_size)，设置 `drop_last=True` 时为 floor(n / batch_size)。
# - 给需要打乱顺序的 loader 配一个独立的、设置了种子的生成器，顺序就可以复现。

# %% [markdown] lang="en"
# ## More recipes: splitting, padding, worker processes
#
# `random_split` divides a dataset at random, for example into a training and a validation part.
# Without a `generator` it draws from the global seed, so the validation part changes whenever
# other random code runs first. `split_dataset` takes fractions and a seed of its own.

# %% [markdown] lang="zh"
# ## 更多工具函数：划分、填充与工作进程
#
# `random_split` 把数据集随机划分成几部分，例如训练集和验证集。不传 `generator` 时它使用全局
# 随机种子，只要之前运行过别的随机代码，验证集就会变。`split_dataset` 接受各部分的比例，并使用
# 自己的种子。

# %% raises="ValueError"
from recipes.data import pad_collate, seed_worker, split_dataset

numbers = TensorDataset(torch.arange(10))
train_part, val_part = split_dataset(numbers, [0.8, 0.2], seed=0)
print(len(train_part), len(val_part), val_part.indices)
# other random code, which moves a split drawn from the global seed
torch.rand(3)
print(
    split_dataset(numbers, [0.8, 0.2], seed=0)[1].indices
    == val_part.indices
)
try:
    split_dataset(numbers, [0.8, 0.1])
except ValueError as err:
    print(f"{type(err).__name__}: {err}")

# %% [markdown] lang="en"
# A `DataLoader` makes a batch by stacking its samples, which fails when they have different
# lengths, as sentences and time series do. Its `collate_fn` decides how samples become a batch:
# `pad_collate` pads each sequence with zeros to the longest one in the batch and also returns the
# true lengths and the labels.

# %% [markdown] lang="zh"
# `DataLoader` 通过堆叠样本来组成批次，样本长度不同时（句子和时间序列常常如此）就会失败。
# 它的 `collate_fn` 参数决定样本如何组成批次：`pad_collate` 用 0 把每个序列补齐到本批次中最长的
# 长度，并同时返回真实长度和标签。

# %% raises="RuntimeError"
samples = [
    (torch.tensor([1, 2, 3]), 0),
    (torch.tensor([4]), 1),
    (torch.tensor([5, 6]), 0),
]
try:
    next(iter(DataLoader(samples, batch_size=3)))
except RuntimeError as err:
    print(f"{type(err).__name__}: {err}")
padded, lengths, labels = next(
    iter(DataLoader(samples, batch_size=3, collate_fn=pad_collate))
)
print(padded)
print(lengths, labels)

# %% [markdown] lang="en"
# With `num_workers=2` two worker processes load batches while the model trains. Two things
# matter. A worker may import your script again (on Windows and macOS each worker starts as a fresh
# Python process), so a script must start its training under `if __name__ == "__main__":`, or every
# worker runs it again on import, which fails. And PyTorch seeds `torch`, `random` and NumPy's
# global generator in each worker, but a generator your dataset made in `__init__` is copied into
# every worker in the same state, so all workers draw the same numbers: below, the two batches get
# the same noise. `seed_worker`, passed as `worker_init_fn`, gives each worker's copy a seed of its
# own, derived from the loader's `generator`, so the numbers differ and still repeat from run to run.

# %% [markdown] lang="zh"
# 设置 `num_workers=2` 后，两个工作进程会在模型训练的同时加载批次。这里有两点要注意。工作进程
# 可能会重新导入你的脚本（在 Windows 和 macOS 上，每个工作进程都是全新启动的 Python 进程），
# 所以脚本必须把训练代码放在 `if __name__ == "__main__":` 之下，否则每个工作进程在导入时都会
# 再运行一遍，并因此出错。另外，PyTorch 会在每个工作进程中为 `torch`、`random` 和 NumPy 的全局
# 生成器设置种子，但数据集在 `__init__` 中自己创建的生成器会以相同的状态复制到每个工作进程，
# 于是所有工作进程抽到同样的数：下面两个批次得到的噪声完全相同。把 `seed_worker` 作为
# `worker_init_fn` 传入，它会用由 loader 的 `generator` 派生出的种子，为每个工作进程中的副本单独
# 设置种子，这样各进程的随机数不同，而且每次运行都能复现。


# %%
class NoisyNumbers(Dataset):
    """Item i is i plus noise from the dataset's own generator.

    The noise is drawn once, in __init__."""

    def __init__(self):
        self.rng = np.random.default_rng(0)

    def __len__(self):
        return 4

    def __getitem__(self, i):
        return round(i + float(self.rng.random()), 3)


def load(worker_init_fn=None):
    loader = DataLoader(
        NoisyNumbers(),
        batch_size=2,
        num_workers=2,
        worker_init_fn=worker_init_fn,
        generator=torch.Generator().manual_seed(0),
    )
    return [batch.tolist() for batch in loader]


if __name__ == "__main__":
    print(load())
    print(load(seed_worker))
    print(load(seed_worker) == load(seed_worker))
