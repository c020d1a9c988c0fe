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
# # Linear regression from scratch
#
# Before using `nn.Linear` and `torch.optim`, it pays to write linear regression once by hand:
# a data set with known coefficients, a mini-batch loader, the model `X @ w + b`, the mean squared
# error, and a stochastic gradient descent (SGD) step built on autograd. You will see the order of
# the training steps that actually works, check that the learned coefficients match the true ones,
# and compare the errors with the exact least-squares solution, the best any linear model can do on
# the training data. Every piece is a small recipe in `recipes.regression_manual`.

# %% [markdown] lang="zh"
# # 从零实现线性回归
#
# 在使用 `nn.Linear` 和 `torch.optim` 之前，值得亲手把线性回归写一遍：一个系数已知的数据集、
# 一个小批量数据加载器、模型 `X @ w + b`、均方误差，以及基于 autograd 的随机梯度下降（SGD）更新。
# 你会看到训练步骤真正正确的顺序，检查学到的系数是否与真实系数一致，
# 并把误差与精确的最小二乘解做比较——在训练数据上，那是任何线性模型所能达到的最好结果。
# 每一部分都是 `recipes.regression_manual` 里的一个小工具函数。

# %%
import matplotlib.pyplot as plt
import torch
from IPython.display import display

from recipes.regression_manual import (
    fit_least_squares,
    iterate_minibatches,
    make_regression_data,
    mse_loss,
    predict_linear,
    sgd_step,
    train_linear_regression,
)

# %% [markdown] lang="en"
# ## A data set with known answers
#
# `sklearn.datasets.make_regression` draws random features and builds `y = X @ coef + bias + noise`.
# It returns float64 NumPy arrays; `make_regression_data` converts them to float32 tensors (autograd
# needs floating point, and float32 is what `nn.Linear` uses) and also returns the true
# coefficients and bias, so we can check what training finds.

# %% [markdown] lang="zh"
# ## 一个答案已知的数据集
#
# `sklearn.datasets.make_regression` 会随机生成特征，并构造 `y = X @ coef + bias + noise`。
# 它返回的是 float64 的 NumPy 数组；`make_regression_data` 把它们转换成 float32 张量
# （autograd 需要浮点数，而 `nn.Linear` 使用的正是 float32），同时返回真实的系数和偏置，
# 方便我们检验训练的结果。

# %%
X, y, true_coef, true_bias = make_regression_data(
    n_samples=1000,
    n_features=5,
    noise=10.0,
    bias=14.5,
    random_state=0,
)
print("X:", X.shape, X.dtype, " y:", y.shape)
print("true coefficients:", true_coef)
print("true bias:", true_bias)

# %% [markdown] lang="en"
# We keep 200 samples aside, chosen by a fixed random permutation, to measure the error on data the
# model never trained on.

# %% [markdown] lang="zh"
# 我们用一个固定的随机排列留出 200 个样本，用来衡量模型在从未训练过的数据上的误差。

# %%
perm = torch.randperm(
    len(y), generator=torch.Generator().manual_seed(0)
)
train_idx, test_idx = perm[:800], perm[800:]
X_train, y_train, X_test, y_test = (
    X[train_idx],
    y[train_idx],
    X[test_idx],
    y[test_idx],
)
print(X_train.shape, X_test.shape)

# %% [markdown] lang="en"
# ## Mini-batches
#
# Each epoch visits every sample once, in a new random order. `torch.randperm` draws that order as
# a tensor of indices, and indexing `X` with a slice of it gathers a whole batch in one call (no
# Python list of indices needed). A seeded `torch.Generator` makes the order reproducible.

# %% [markdown] lang="zh"
# ## 小批量
#
# 每一轮（epoch）都按新的随机顺序把所有样本各访问一次。`torch.randperm` 以索引张量的形式给出这个顺序，
# 用其中一段去索引 `X`，一次调用就能取出整个批次（不需要 Python 的索引列表）。
# 使用带种子的 `torch.Generator`，顺序就可以复现。

# %%
g = torch.Generator().manual_seed(0)
order = torch.randperm(10, generator=g)
print("a random order of 10 indices:", order)
print("first batch of 4 rows:", X[order[:4]].shape)

batches = list(
    iterate_minibatches(
        X_train,
        y_train,
        batch_size=32,
        generator=torch.Generator().manual_seed(0),
    )
)
print(
    "batches per epoch:",
    len(batches),
    " last batch size:",
    len(batches[-1][1]),
)

# %% [markdown] lang="en"
# ## Model and loss
#
# The model is one matrix-vector product plus the bias, and the loss is the mean of the squared
# errors. Shapes matter here: a prediction of shape `(n, 1)` against a target of shape `(n,)`
# broadcasts to an `(n, n)` matrix, so `mse_loss` refuses mismatched shapes.

# %% [markdown] lang="zh"
# ## 模型与损失
#
# 模型就是一次矩阵-向量乘法再加上偏置，损失是误差平方的平均值。这里形状非常关键：
# 形状为 `(n, 1)` 的预测值和形状为 `(n,)` 的目标值相减，会广播成 `(n, n)` 的矩阵，
# 所以 `mse_loss` 会拒绝形状不一致的输入。

# %% raises="ValueError"
w = torch.zeros(5, requires_grad=True)
b = torch.zeros((), requires_grad=True)
X_batch, y_batch = batches[0]
y_pred = predict_linear(X_batch, w, b)
print("loss at w = 0:", mse_loss(y_pred, y_batch))
print("raw PyTorch:  ", ((X_batch @ w + b - y_batch) ** 2).mean())

print(
    "(n, 1) - (n,) broadcasts to",
    (y_pred.unsqueeze(1) - y_batch).shape,
)
try:
    mse_loss(y_pred.unsqueeze(1), y_batch)
except ValueError as err:
    print(f"{type(err).__name__}: {err}")

# %% [markdown] lang="en"
# ## One training step, in the right order
#
# forward → loss → `backward()` → update → clear the gradients. The update runs inside
# `torch.no_grad()` (that is what `sgd_step` does) because it is not part of the model. The loss
# is already a *mean* over the batch, so the step must not divide by the batch size again.

# %% [markdown] lang="zh"
# ## 一个训练步骤，按正确的顺序
#
# 前向计算 → 求损失 → `backward()` → 更新参数 → 清空梯度。更新放在 `torch.no_grad()` 里执行
# （`sgd_step` 就是这样做的），因为它不属于模型本身。损失已经是整个批次的*平均值*，
# 所以更新时不能再除以一次批次大小。

# %%
loss = mse_loss(predict_linear(X_batch, w, b), y_batch)
loss.backward()
print("gradient of w:", w.grad, sep="\n")
sgd_step([w, b], lr=0.01)
w.grad = None
b.grad = None
print("w after one step:", w, sep="\n")
loss_after = mse_loss(predict_linear(X_batch, w, b), y_batch)
print(
    f"loss on the same batch: before {loss.item():.1f}, after "
    f"{loss_after.item():.1f}"
)

# %% [markdown] lang="en"
# Clearing the gradients *between* `backward()` and the update is a common mistake: the step then
# uses zeros and the parameters never move.

# %% [markdown] lang="zh"
# 一个常见错误是在 `backward()` 和参数更新*之间*清空梯度：这样更新用到的全是 0，参数永远不会变化。

# %%
w_wrong = torch.zeros(5, requires_grad=True)
b_wrong = torch.zeros((), requires_grad=True)
for X_batch, y_batch in iterate_minibatches(
    X_train, y_train, 32, torch.Generator().manual_seed(0)
):
    mse_loss(
        predict_linear(X_batch, w_wrong, b_wrong), y_batch
    ).backward()
    w_wrong.grad.zero_()
    b_wrong.grad.zero_()
    sgd_step([w_wrong, b_wrong], lr=0.01)
print(
    "weights after a whole epoch in the wrong order:",
    w_wrong,
    sep="\n",
)

# %% [markdown] lang="en"
# ## The training loop
#
# `train_linear_regression` repeats that step over every mini-batch for a number of epochs and
# records the mean training loss of each epoch. It starts from zero weights.

# %% [markdown] lang="zh"
# ## 训练循环
#
# `train_linear_regression` 在每一轮中对所有小批量重复上面的步骤，并记录每一轮的平均训练损失。
# 权重从 0 开始。

# %%
fit = train_linear_regression(
    X_train, y_train, lr=0.02, epochs=25, batch_size=32, seed=0
)
print(
    f"epoch 1 loss: {fit.losses[0]:.1f}   epoch {len(fit.losses)} "
    f"loss: {fit.losses[-1]:.1f}"
)
print("learned coefficients:", fit.weights, sep="\n")
print("true coefficients:", true_coef, sep="\n")
print(
    f"learned bias: {fit.bias.item():.3f}   true bias: "
    f"{true_bias.item():.3f}"
)

# %% [markdown] lang="en"
# ## How good is it? Compare with least squares
#
# Linear regression has an exact solution: `torch.linalg.lstsq` on the features plus a column of
# ones. `fit_least_squares` computes it on the same training split. It has the lowest possible
# error *on the training data*, so SGD can only come close to it there. On held-out data it is a
# yardstick, not a floor: SGD should land within a percent or so of it, and may even land slightly
# below it by chance (200 samples are few). Because the targets carry noise with standard deviation
# 10, neither can go much below `10² = 100`.

# %% [markdown] lang="zh"
# ## 效果如何？与最小二乘比较
#
# 线性回归有精确解：对特征加上一列 1，再用 `torch.linalg.lstsq` 求解。`fit_least_squares`
# 在同一份训练集上计算这个解。它在*训练数据上*的误差是所有线性模型中最低的，所以在训练集上 SGD
# 只能接近它。在留出集上它只是一把标尺，而不是下限：SGD 应该与它相差百分之一左右，
# 也可能碰巧略低于它（200 个样本并不多）。由于目标值带有标准差为 10 的噪声，两者都不可能明显低于 `10² = 100`。

# %%
w_ls, b_ls = fit_least_squares(X_train, y_train)
train_ls = mse_loss(
    predict_linear(X_train, w_ls, b_ls), y_train
).item()
train_sgd = mse_loss(
    predict_linear(X_train, fit.weights, fit.bias), y_train
).item()
held_out_ls = mse_loss(
    predict_linear(X_test, w_ls, b_ls), y_test
).item()
held_out = mse_loss(
    predict_linear(X_test, fit.weights, fit.bias), y_test
).item()
print("least-squares coefficients:", w_ls, sep="\n")
print(
    f"training MSE, SGD from scratch: {train_sgd:.2f}   least "
    f"squares: {train_ls:.2f}"
)
print(
    f"held-out MSE, SGD from scratch: {held_out:.2f}   least "
    f"squares: {held_out_ls:.2f}"
)
print(f"held-out ratio: {held_out / held_out_ls:.4f}")
assert train_ls <= train_sgd
assert abs(held_out / held_out_ls - 1) < 0.02

# %% [markdown] lang="en"
# ## Plots
#
# The loss falls steeply in the first epochs and then levels off at the noise variance. With five
# features the fitted model cannot be drawn as a line, so the second plot puts the predictions on
# held-out data against the true targets: a perfect model would put every point on the diagonal.
#
# The cell below draws its figure once for each language of this site and tags each copy with
# `display(fig, metadata={"lang": ...})`, so this page shows the one labelled in your language. In
# your own notebook, one set of labels and `plt.show()` is all you need.

# %% [markdown] lang="zh"
# ## 画图
#
# 损失在最初几轮迅速下降，随后稳定在噪声方差附近。有五个特征时，拟合出的模型没法画成一条直线，
# 所以第二张图把留出集上的预测值和真实目标值放在一起比较：完美的模型会让所有点都落在对角线上。
#
# 下面的单元格为本站的每种语言各画一次图，并用 `display(fig, metadata={"lang": ...})` 标明语言，
# 所以本页只显示用你的语言标注的那一张。在你自己的 notebook 里，一套标签加 `plt.show()` 就够了。

# %%
y_hat = predict_linear(X_test, fit.weights, fit.bias)
lims = [y_test.min().item(), y_test.max().item()]
LABELS = {
    "en": {
        "loss_title": "Training loss",
        "epoch": "epoch",
        "mse": "MSE (log scale)",
        "pred_title": "Held-out predictions",
        "true": "true y",
        "pred": "predicted y",
    },
    "zh": {
        "loss_title": "训练损失",
        "epoch": "轮次",
        "mse": "均方误差（对数坐标）",
        "pred_title": "留出集预测",
        "true": "真实值",
        "pred": "预测值",
    },
}
for lang, label in LABELS.items():
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    ax1.plot(range(1, len(fit.losses) + 1), fit.losses)
    ax1.set_yscale("log")
    ax1.set_title(label["loss_title"])
    ax1.set_xlabel(label["epoch"])
    ax1.set_ylabel(label["mse"])
    ax2.scatter(y_test, y_hat, s=10, alpha=0.6)
    ax2.plot(lims, lims, color="red", label="y = ŷ")
    ax2.set_title(label["pred_title"])
    ax2.set_xlabel(label["true"])
    ax2.set_ylabel(label["pred"])
    ax2.legend()
    display(fig, metadata={"lang": lang})
    plt.close(fig)

# %% [markdown] lang="en"
# With a single feature the fitted model is a line, and we can draw it over the data.

# %% [markdown] lang="zh"
# 只有一个特征时，拟合出的模型就是一条直线，可以直接画在数据上。

# %%
X1, y1, coef1, bias1 = make_regression_data(
    n_samples=100, n_features=1, noise=10.0, bias=14.5, random_state=3
)
fit1 = train_linear_regression(
    X1, y1, lr=0.05, epochs=40, batch_size=16
)
print(
    f"slope: learned {fit1.weights.item():.2f}, true "
    f"{coef1.item():.2f}"
)
print(
    f"intercept: learned {fit1.bias.item():.2f}, true "
    f"{bias1.item():.2f}"
)

grid = torch.linspace(X1.min().item(), X1.max().item(), 50).unsqueeze(
    1
)
line = predict_linear(grid, fit1.weights, fit1.bias)
LABELS = {
    "en": {
        "data": "data",
        "line": "fitted line",
        "title": "One-feature fit",
        "x": "x",
        "y": "y",
    },
    "zh": {
        "data": "数据",
        "line": "拟合直线",
        "title": "单特征拟合",
        "x": "特征 x",
        "y": "目标 y",
    },
}
for lang, label in LABELS.items():
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.scatter(X1[:, 0], y1, s=12, label=label["data"])
    ax.plot(grid[:, 0], line, color="red", label=label["line"])
    ax.set_title(label["title"])
    ax.set_xlabel(label["x"])
    ax.set_ylabel(label["y"])
    ax.legend()
    display(fig, metadata={"lang": lang})
    plt.close(fig)
