"""
Tensor dtypes and NumPy interop
===============================

Every tensor has a *dtype*, and most surprises for newcomers come from it:
division that suddenly returns floats, integers mixed with floats, or a NumPy
array that arrives as ``float64`` when the model expects ``float32``.

In this tutorial you will learn

* which dtype PyTorch picks by default,
* how mixed dtypes are promoted,
* how tensors and NumPy arrays share memory,
* how broadcasting lines up shapes.

.. note::
   The outputs shown were produced on a CPU build of PyTorch.
"""

import time

import numpy as np
import torch

start = time.perf_counter()

######################################################################
# Default dtypes
# --------------
#
# Python integers become ``torch.int64`` and Python floats become
# ``torch.float32``. A single float in the list is enough to make the whole
# tensor floating point.

ints = torch.tensor([1, 2, 3])
floats = torch.tensor([1.0, 2.0, 3.0])
print(ints.dtype)  # torch.int64
print(floats.dtype)  # torch.float32
print(torch.tensor([1, 2.5]).dtype)  # torch.float32

######################################################################
# ``/`` is always true division and returns floats. Use ``//`` when you
# want floor division on integers.

print(ints / 2)
# tensor([0.5000, 1.0000, 1.5000])

print(torch.tensor([7, -7]) // 2)  # tensor([3, -3])

######################################################################
# Type promotion
# --------------
#
# When an operation mixes dtypes, the result takes the "larger" category:
# integer with float gives float, and a lower precision float is promoted to
# the higher one.

mixed = ints + floats
print(mixed)  # tensor([2., 4., 6.])
print((ints * 1.5).dtype)  # torch.float32

half = torch.tensor([1.0, 2.0], dtype=torch.float16)
print(half + floats[:2])  # tensor([2., 4.], dtype=torch.float16)

######################################################################
# From NumPy and back
# -------------------
#
# :func:`torch.from_numpy` keeps the array's dtype. NumPy's default float is
# ``float64``, so the tensor is double precision as well:

arr = np.array([1.0, 2.0])
t = torch.from_numpy(arr)
print(t)
# tensor([1., 2.])

######################################################################
# :func:`torch.as_tensor` does the same for an ``int32`` array:

a32 = np.arange(3, dtype=np.int32)
print(torch.as_tensor(a32))  # tensor([0, 1, 2], dtype=torch.int32)

######################################################################
# The tensor and the array share the same memory, so writing into one is
# visible through the other:

arr[0] = 100.0
print(t)
# tensor([100.,   2.], dtype=torch.float64)

######################################################################
# Going the other way, ``.numpy()`` returns an array (no copy on CPU):

x = torch.tensor([[1.5, 2.0], [3.0, 4.5]])
print(x.numpy())
# [[1.5 2. ]
#  [3.  4.5]]

print(repr(x.sum(dim=1).numpy()))  # array([3.5, 7.5], dtype=float32)

######################################################################
# Broadcasting
# ------------
#
# Shapes are compared from the right; a dimension of size 1 is stretched to
# match the other operand.

col = torch.arange(3).reshape(3, 1)
row = torch.arange(4)
grid = col * 10 + row
print(grid.shape)  # torch.Size([3, 4])
print(grid)
# tensor([[ 0,  1,  2,  3],
#         [10, 11, 12, 13],
#         [20, 21, 22, 23]])

######################################################################
# A scalar broadcasts against anything:

prices = torch.tensor([1.245, 0.755])
print(prices * 2)  # tensor([2., 2.])

######################################################################
# Floating point precision
# ------------------------
#
# ``float32`` keeps about seven significant digits; printing shows four
# decimals, ``.item()`` shows the full Python float.

third = torch.tensor([1.0]) / 3
print(third)  # about 0.33
print(third.item())  # 0.3333333432674408
print(torch.exp(torch.tensor(1.0)))  # tensor(2.7182)

######################################################################
# f-strings are handy for a one-line summary:

summary = torch.tensor([[1, 2, 3], [4, 5, 6]], dtype=torch.float32)
print(f"shape={tuple(summary.shape)}, dtype={summary.dtype}, mean={summary.mean():.2f}")
# shape=(2, 3), dtype=torch.float32, mean=3.50
print(summary.mean(dim=0))  # ≈ [2.5, 3.5, 4.5]

######################################################################
# Nested lists
# ------------
#
# A list of equally long lists becomes a matrix:

pairs = torch.tensor([[1, 2], [3, 4], [5]])
print(pairs.shape)  # torch.Size([3, 2])

######################################################################
# and ``.T`` swaps its two dimensions:

print(pairs.T)
# tensor([[1, 3, 5],
#         [2, 4, 6]])

######################################################################
# When shapes do not line up
# --------------------------
#
# Broadcasting fails when two sizes differ and neither is 1. Catching the
# error shows the message:

try:
    torch.ones(2, 3) + torch.ones(3, 2)
except RuntimeError as err:
    print(err)
# The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1

######################################################################
# ``reshape`` on a transposed tensor is refused as well:

torch.arange(6).view(2, 3).T.reshape(6)
# RuntimeError: view size is not compatible with input tensor's size and stride

######################################################################
# Matrix multiplication needs the inner sizes to agree:

torch.ones(2, 3) @ torch.ones(2, 3)
# RuntimeError: mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)

######################################################################
# Devices
# -------
#
# Everything above ran on the CPU. With a GPU, move a tensor with ``.to``:

if torch.cuda.is_available():
    gpu_ints = ints.to("cuda")
    print(gpu_ints)  # tensor([1, 2, 3], device='cuda:0')

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(device)  # cuda

######################################################################
# Autograd leaves a trace on results:

w = torch.tensor([1.0, 2.0], requires_grad=True)
print((w * 3).grad_fn)  # <MulBackward0 object at 0x7f6b1c2d3e80>
print(w.detach().requires_grad)  # True

######################################################################
# Version and timing for this run:

print(f"torch {torch.__version__}")  # torch 2.3.0
print(f"ran in {time.perf_counter() - start:.3f} s")  # ran in 0.012 s
