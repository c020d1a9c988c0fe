"""
Batching Data with ``TensorDataset`` and ``DataLoader``
=======================================================

**Author:** `Sam Okafor <https://github.com/example>`_

Most training loops in PyTorch do not touch raw tensors directly: they pull
mini-batches from a ``torch.utils.data.DataLoader``. In this recipe, you will
learn how to wrap tensors in a dataset, how the loader batches and shuffles
them, and how to save a general checkpoint once training is under way.

.. grid:: 2

    .. grid-item-card:: :octicon:`mortar-board;1em;` What you will learn

       * How ``TensorDataset`` indexes samples
       * How ``batch_size``, ``shuffle`` and ``drop_last`` change the batches
       * How to save and load a general checkpoint

    .. grid-item-card:: :octicon:`list-unordered;1em;` Prerequisites

       * PyTorch v2.0.0 or later

Setup
-----

.. code-block:: sh

   pip install torch

"""

######################################################################
# Steps
# -----
#
# 1. Build a dataset from tensors
# 2. Iterate over it with a ``DataLoader``
# 3. Move batches to the right device
# 4. Save and load a general checkpoint
#
# 1. Build a dataset from tensors
# ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
#
# ``TensorDataset`` pairs up tensors along their first dimension. Here we
# have eight samples with three features each and a binary label.

import time

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, TensorDataset

X = torch.arange(24.0).reshape(8, 3)
y = torch.arange(8) % 2
ds = TensorDataset(X, y)

print(len(ds))
# Out: 8

######################################################################
# Indexing the dataset returns one ``(features, label)`` pair:

print(ds[3])

######################################################################
# .. rst-class:: sphx-glr-script-out
#
#  Out:
#
#  .. code-block:: none
#
#     (tensor([ 9., 10., 11.]), tensor(1))
#
# Each sample is a plain tuple, so you can unpack it directly:

print(type(ds[0]))  # <class 'tuple'>
print(ds.tensors[1])  # tensor([0, 1, 0, 1, 0, 1, 0, 1])

# %%
# 2. Iterate over it with a ``DataLoader``
# ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
#
# Without shuffling, the loader walks through the dataset in order. The
# last batch is smaller because 8 is not a multiple of 3.

loader = DataLoader(ds, batch_size=3)
for xb, yb in loader:
    print(xb.shape, yb)

######################################################################
# The output looks like this:
#
# .. code-block:: none
#
#    torch.Size([3, 3]) tensor([0, 1, 0])
#    torch.Size([3, 3]) tensor([1, 0, 1])
#    torch.Size([2, 3]) tensor([0, 1])
#
# ``len(loader)`` counts batches, not samples. Passing ``drop_last=True``
# throws the incomplete batch away:

print(len(loader))  # 3
print(len(DataLoader(ds, batch_size=3, drop_last=True)))  # 3

######################################################################
# A loader is a plain Python object; printing it only shows where it lives:

print(loader)  # <torch.utils.data.dataloader.DataLoader object at 0x7f3b1c2d9e80>

######################################################################
# With ``shuffle=True`` every epoch sees the samples in a new order. We have
# not fixed any seed yet, so your batch will differ from this one:

xb, yb = next(iter(DataLoader(ds, batch_size=4, shuffle=True)))
print(xb.shape, yb)  # torch.Size([4, 3]) tensor([1, 0, 0, 1])
print(xb[:, 0])      # tensor([ 6, 15,  0, 21])

######################################################################
# For reproducible shuffling, give the loader its own seeded generator:

g = torch.Generator().manual_seed(0)
for xb, yb in DataLoader(ds, batch_size=4, shuffle=True, generator=g):
    print(xb[:, 0], yb)

######################################################################
# .. code-block:: none
#
#    tensor([15.,  9.,  3., 21.]) tensor([1, 1, 1, 1])
#    tensor([ 6., 18., 12.,  0.]) tensor([0, 0, 0, 0])
#
# The default ``collate_fn`` also understands dictionaries: it batches each
# value separately and turns Python numbers into tensors.


class SquaresDataset(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        return {"x": torch.tensor([i, i * i]), "y": i % 2}


print(next(iter(DataLoader(SquaresDataset(), batch_size=2))))

######################################################################
# .. code-block:: none
#
#    {'x': tensor([[0, 0],
#            [1, 1]]), 'y': tensor([0, 1])}
#
# Samples of different lengths cannot be stacked by the default collate
# function, and the loader tells you so:


class RaggedDataset(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        return torch.ones(i % 2 + 2)


try:
    next(iter(DataLoader(RaggedDataset(), batch_size=2)))
except RuntimeError as err:
    print(f"RuntimeError: {err}")

######################################################################
# .. code-block:: none
#
#    RuntimeError: stack expects each tensor to be equal size, but got [2] at entry 0 and [3] at entry 1
#

# %%
# 3. Move batches to the right device
# ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
#
# The usual pattern picks the GPU when there is one and falls back to the CPU.

device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
print(device)  # cuda:0

xb = xb.to(device)
print(xb.dtype, xb.shape)  # torch.float32 torch.Size([4, 3])

######################################################################
# Iterating over such a tiny dataset is fast:

t0 = time.perf_counter()
for _ in loader:
    pass
print(f"one epoch took {time.perf_counter() - t0:.4f} s")  # one epoch took 0.0009 s

# %%
# 4. Save and load a general checkpoint
# ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
#
# Let's take a single optimization step on the first batch so that there is
# something worth saving.

torch.manual_seed(0)
model = nn.Linear(3, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

xb, yb = next(iter(loader))
loss = nn.functional.mse_loss(model(xb).squeeze(1), yb.float())
print(loss)  # tensor(4.0367, grad_fn=<MseLossBackward0>)
print(loss.item())  # ≈ 4.0

loss.backward()
optimizer.step()
optimizer.zero_grad()
print(model.weight.grad)  # tensor([[0., 0., 0.]])

######################################################################
# A general checkpoint is just a dictionary. Besides the model's
# ``state_dict`` it usually holds the optimizer state, the epoch and the
# latest loss, so that training can resume exactly where it stopped.

PATH = "checkpoint.pt"
torch.save(
    {
        "epoch": 5,
        "model_state_dict": model.state_dict(),
        "optimizer_state_dict": optimizer.state_dict(),
        "loss": round(loss.item(), 4),
    },
    PATH,
)

ckpt = torch.load(PATH)
print(ckpt["epoch"], ckpt["loss"])  # 5 4.0366
print(sorted(ckpt))  # ['epoch', 'loss', 'model_state_dict', 'optimizer_state_dict']
print(ckpt["optimizer_state_dict"]["param_groups"][0]["lr"])  # 0.01

######################################################################
# Older recipes saved the whole module object instead of its
# ``state_dict``. Loading it back gives you the model directly:

torch.save(model, "model_full.pt")
loaded = torch.load("model_full.pt")
print(loaded)

######################################################################
# Out:
#
# .. code-block:: none
#
#    Linear(in_features=3, out_features=1, bias=True)
#
# Remember to call ``eval()`` before inference:

loaded.eval()
print(loaded(torch.ones(1, 3)).shape)  # torch.Size([1, 1])

######################################################################
# On a GPU machine you can overlap the host-to-device copy with compute by
# combining ``pin_memory=True`` in the loader with ``non_blocking=True``:

xb_gpu = xb.to("cuda", non_blocking=True)
print(xb_gpu.is_cuda)  # True

######################################################################
# Conclusion
# ----------
#
# You wrapped tensors in a ``TensorDataset``, batched them with a
# ``DataLoader`` (with and without reproducible shuffling), moved a batch to
# the available device and saved a general checkpoint.
#
# Further Reading
# ---------------
#
# * `torch.utils.data <https://pytorch.org/docs/stable/data.html>`__
# * `Saving and loading models <https://pytorch.org/tutorials/beginner/saving_loading_models.html>`__
