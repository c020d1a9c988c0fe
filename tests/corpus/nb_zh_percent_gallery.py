"""
用 PyTorch 训练一个线性回归模型
================================

这篇教程从零开始训练一个最简单的模型：一元线性回归 :math:`y = wx + b`。
你会看到一个完整训练流程的各个部分：

* 用 ``TensorDataset`` 和 ``DataLoader`` 组织数据；
* 用 ``nn.Linear`` 定义模型，用 ``nn.MSELoss`` 定义损失；
* 训练循环中的 ``zero_grad`` / ``backward`` / ``step`` 三步；
* 保存和加载模型参数。

.. note::
   整个脚本在 CPU 上几秒内就能跑完。
"""

# %%
# 准备工作
# --------
#
# 导入需要的库。

import os
import tempfile

import pandas as pd
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

# %%
# 先热身：随机张量
# ----------------
#
# 没有设置随机种子时，每次运行得到的数都不一样，只有形状和类型是确定的。

noise = torch.randn(3, 2)
print(noise.shape)  # torch.Size([3, 2])
print(noise)
# tensor([[ 0.3367,  0.1288],
#         [ 0.2345,  0.2303],
#         [-1.1229, -0.1863]])

# %%
# ``torch.rand`` 在 :math:`[0, 1)` 里均匀取值，``torch.randint`` 返回整数：

u = torch.rand(4)
print(u)
# tensor([0.4963, 0.7682, 0.0885, 1.1320])
print(torch.randint(0, 5, (3,)))  # tensor([1., 4., 2.])

# %%
# 构造数据
# --------
#
# 固定随机种子，生成 64 个样本，真实参数是 :math:`w = 3`、:math:`b = 0.5`，
# 再加一点噪声。

torch.manual_seed(42)
X = torch.randn(64, 1)
y = 3 * X + 0.5 + 0.1 * torch.randn(64, 1)
print(X.shape, y.shape)  # torch.Size([64, 1]) torch.Size([64, 1])

dataset = TensorDataset(X, y)
loader = DataLoader(dataset, batch_size=16, shuffle=True)
print(len(loader))  # 4
print(loader)  # <torch.utils.data.dataloader.DataLoader object at 0x7f2e5c3b1d90>

# %%
# 定义模型、损失函数和优化器
# --------------------------

model = nn.Linear(1, 1)
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
print(model)  # Linear(in_features=1, out_features=1, bias=True)

# %%
# 训练循环
# --------
#
# 每个批次都要先 ``zero_grad``，否则梯度会在批次之间累加。

for epoch in range(30):
    for xb, yb in loader:
        pred = model(xb)
        loss = loss_fn(pred, yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    if epoch % 10 == 0:
        print(f"epoch {epoch:2d}  loss {loss.item():.4f}")
# epoch  0  loss 2.6122
# epoch 10  loss 0.0050
# epoch 20  loss 0.0058

# %%
# 训练结束后的损失已经很小了：

print(loss.detach())  # tensor(0.)

# %%
# 看看学到的参数，应该接近真实值：

w = model.weight.item()
b = model.bias.item()
print(round(w, 2))  # 约 3.0
print(round(b, 2))  # 约 0.3

# %%
# 用训练好的模型做预测：

with torch.no_grad():
    print(model(torch.tensor([[1.0], [2.0]])))
# tensor([[3.5354],
#         [6.5585]])

# %%
# 保存与加载
# ----------
#
# 推荐只保存 ``state_dict``，加载时先建好同样结构的模型。

tmpdir = tempfile.mkdtemp()
path = os.path.join(tmpdir, "linear.pt")
torch.save(model.state_dict(), path)
print(os.path.exists(path))  # True
print(os.getcwd())  # /home/user/tutorials

model2 = nn.Linear(1, 1)
model2.load_state_dict(torch.load(path))
print(torch.equal(model.weight, model2.weight))  # True

# %%
# 常见错误
# --------
#
# 输入的特征数和 ``in_features`` 不一致：

model(torch.ones(4, 2))
# RuntimeError: mat1 and mat2 shapes cannot be multiplied (4x2 and 1x1)

# %%
# 两个长度不同的张量相加也会报错：

torch.ones(3) + torch.ones(1)
# RuntimeError: The size of tensor a (3) must match the size of tensor b (1) at non-singleton dimension 0

# %%
# 评估函数
# --------
#
# 下面的函数计算整个数据集上的平均损失，留给读者在自己的数据上试用。

def evaluate(m, data_loader):
    total = 0.0
    with torch.no_grad():
        for xb, yb in data_loader:
            total += loss_fn(m(xb), yb).item()
    print(f"平均损失：{total / len(data_loader):.4f}")  # 平均损失：0.0102

# %%
# 使用 GPU
# --------
#
# 有 GPU 时，把模型搬过去只要一行：

model_gpu = model.cuda()
print(next(model_gpu.parameters()).device)  # cuda:0

# %%
# 附：几个手算的数值
# ------------------

print(torch.tensor(1.0) / 3)  # 约 0.333
print(2 ** 0.5)  # ≈ 1.41
print(torch.tensor([2.0, 8.0]).sqrt())  # ≈ [1.41, 2.83]
print(torch.tensor(1000.0).log10())  # 3.0
