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
# # Linear and logistic regression with `torch.nn`
#
# The from-scratch version of linear regression needed our own loader, model, loss and update.
# PyTorch has a ready-made piece for each: `TensorDataset` and `DataLoader` for batches,
# `nn.Linear` for the model, `nn.MSELoss` for the loss and `optim.SGD` for the update. This
# tutorial rebuilds the same regression with them, checks it against the exact least-squares
# solution, and then reuses the same loop for logistic regression, a linear classifier trained with
# `nn.BCELoss`, written both as an `nn.Module` subclass and as an `nn.Sequential`, with a word on
# the numerically safer `nn.BCEWithLogitsLoss` and the accuracy measured on held-out data.

# %% [markdown] lang="zh"
# # 用 `torch.nn` 实现线性回归与逻辑回归
#
# 从零实现线性回归时，数据加载、模型、损失和参数更新都要自己写。PyTorch 为每一步都准备好了现成的组件：
# `TensorDataset` 和 `DataLoader` 负责分批，`nn.Linear` 是模型，`nn.MSELoss` 是损失，
# `optim.SGD` 负责更新。本教程先用这些组件重新实现同一个回归，并与精确的最小二乘解对比；
# 然后用同一个训练循环实现逻辑回归——一个用 `nn.BCELoss` 训练的线性分类器，
# 分别写成 `nn.Module` 子类和 `nn.Sequential` 两种形式；还会介绍数值上更稳定的 `nn.BCEWithLogitsLoss`，
# 并在留出集上衡量准确率。

# %%
import warnings

import matplotlib.pyplot as plt
import torch
from IPython.display import display
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

from recipes.modules import predict
from recipes.regression_manual import (
    fit_least_squares,
    make_regression_data,
    mse_loss,
    train_linear_regression,
)
from recipes.regression_nn import (
    LogisticRegression,
    accuracy,
    make_classification_data,
    make_logistic_sequential,
    train_linear_regression_nn,
    train_logistic_regression,
)

# %% [markdown] lang="en"
# ## The data, split once
#
# The same regression problem as in the from-scratch tutorial: 5 features, noise with standard
# deviation 10, bias 14.5, and 200 of the 1000 samples held out.

# %% [markdown] lang="zh"
# ## 数据，划分一次
#
# 与从零实现那篇教程相同的回归问题：5 个特征，噪声标准差为 10，偏置为 14.5，
# 1000 个样本中留出 200 个。

# %%
X, y, true_coef, true_bias = make_regression_data(
    n_samples=1000,
    n_features=5,
    noise=10.0,
    bias=14.5,
    random_state=0,
)
perm = torch.randperm(
    len(y), generator=torch.Generator().manual_seed(0)
)
X_train, y_train, X_test, y_test = (
    X[perm[:800]],
    y[perm[:800]],
    X[perm[800:]],
    y[perm[800:]],
)
print(X_train.shape, X_test.shape)

# %% [markdown] lang="en"
# ## `TensorDataset` and `DataLoader`
#
# `TensorDataset` pairs the rows of `X` and `y`; `DataLoader` cuts them into shuffled batches.
# Giving the loader its own seeded `torch.Generator` makes the order repeat from run to run.

# %% [markdown] lang="zh"
# ## `TensorDataset` 与 `DataLoader`
#
# `TensorDataset` 把 `X` 和 `y` 的每一行配成一对；`DataLoader` 把它们打乱后切成批次。
# 给加载器一个带种子的 `torch.Generator`，每次运行的顺序就都一样。

# %%
dataset = TensorDataset(X_train, y_train)
loader = DataLoader(
    dataset,
    batch_size=32,
    shuffle=True,
    generator=torch.Generator().manual_seed(0),
)
X_batch, y_batch = next(iter(loader))
print("samples:", len(dataset), " batches:", len(loader))
print("one batch:", X_batch.shape, y_batch.shape)

# %% [markdown] lang="en"
# ## `nn.Linear` and `nn.MSELoss`
#
# `nn.Linear(5, 1)` holds a weight of shape `(1, 5)` and a bias of shape `(1,)`, both already
# requiring grad. It returns one column, shape `(batch, 1)`, while the targets have shape
# `(batch,)`. `nn.MSELoss` only *warns* about that mismatch and then broadcasts to a
# `(batch, batch)` table, so squeeze the output first.

# %% [markdown] lang="zh"
# ## `nn.Linear` 与 `nn.MSELoss`
#
# `nn.Linear(5, 1)` 包含形状为 `(1, 5)` 的权重和形状为 `(1,)` 的偏置，两者都已经要求梯度。
# 它的输出是一列，形状为 `(batch, 1)`，而目标值的形状是 `(batch,)`。对于这种不一致，
# `nn.MSELoss` 只会给出*警告*，然后照样广播成 `(batch, batch)` 的表格去计算，
# 所以要先把输出压成一维。

# %%
torch.manual_seed(0)
model = nn.Linear(5, 1)
criterion = nn.MSELoss()
for name, param in model.named_parameters():
    print(name, tuple(param.shape), param.requires_grad)

output = model(X_batch)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    wrong = criterion(output, y_batch)
print("warning:", caught[0].message)
print(
    f"broadcast loss {wrong.item():.1f} vs correct loss "
    f"{criterion(output.squeeze(1), y_batch).item():.1f}"
)

# %% [markdown] lang="en"
# ## The loop with `optim.SGD`
#
# The optimizer replaces the hand-written update: `optimizer.step()` moves every parameter against
# its gradient, and `optimizer.zero_grad()` clears the gradients, after the step.

# %% [markdown] lang="zh"
# ## 使用 `optim.SGD` 的训练循环
#
# 优化器取代了手写的参数更新：`optimizer.step()` 让每个参数沿梯度的反方向移动，
# `optimizer.zero_grad()` 负责清空梯度——放在 `step()` 之后。

# %%
optimizer = optim.SGD(model.parameters(), lr=0.02)
for epoch in range(25):
    for X_batch, y_batch in loader:
        loss = criterion(model(X_batch).squeeze(1), y_batch)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
print("weight:", model.weight.data)
print("bias:  ", model.bias.data)

# %% [markdown] lang="en"
# `train_linear_regression_nn` wraps the same loop, starts from zero weights so the result does not
# depend on the global random seed, and records the mean loss of every epoch. Below it is compared
# with the true coefficients, with the from-scratch recipe and with the least-squares solution, which
# has the lowest error on the training data but is no floor on held-out data: SGD may land slightly
# below it there.

# %% [markdown] lang="zh"
# `train_linear_regression_nn` 封装了同样的循环，从全零权重开始（这样结果不依赖全局随机种子），
# 并记录每一轮的平均损失。下面把它的结果与真实系数、从零实现的工具函数以及最小二乘解放在一起比较。
# 最小二乘解在训练数据上的误差最低，但在留出集上并不是下限：SGD 在那里可能略低于它。

# %%
fit_nn = train_linear_regression_nn(
    X_train, y_train, lr=0.02, epochs=25, batch_size=32
)
fit_manual = train_linear_regression(
    X_train, y_train, lr=0.02, epochs=25, batch_size=32
)
w_ls, b_ls = fit_least_squares(X_train, y_train)
print("true coefficients:", true_coef, sep="\n")
print("nn.Linear coefficients:", fit_nn.weights, sep="\n")
print(
    f"bias: learned {fit_nn.bias.item():.3f}, true "
    f"{true_bias.item():.3f}"
)


def held_out_mse(weights, bias):
    return mse_loss(X_test @ weights + bias, y_test).item()


print(
    "held-out MSE, nn.Linear + optim.SGD: "
    f"{held_out_mse(fit_nn.weights, fit_nn.bias):.2f}"
)
print(
    "held-out MSE, from scratch:          "
    f"{held_out_mse(fit_manual.weights, fit_manual.bias):.2f}"
)
print(
    "held-out MSE, least squares:         "
    f"{held_out_mse(w_ls, b_ls):.2f}"
)
train_mse = mse_loss(
    X_train @ fit_nn.weights + fit_nn.bias, y_train
).item()
assert mse_loss(X_train @ w_ls + b_ls, y_train).item() <= train_mse

# %% [markdown] lang="en"
# The loss curve, and the held-out predictions against the true targets (points on the diagonal
# are perfect predictions):
#
# The cell below draws its figure once for each language of this site and tags each copy with
# `display(fig, metadata={"lang": ...})`, so this page shows the one labelled in your language. In
# your own notebook, one set of labels and `plt.show()` is all you need.

# %% [markdown] lang="zh"
# 下面是损失曲线，以及留出集上预测值与真实目标值的对比（落在对角线上的点表示预测完全准确）：
#
# 下面的单元格为本站的每种语言各画一次图，并用 `display(fig, metadata={"lang": ...})` 标明语言，
# 所以本页只显示用你的语言标注的那一张。在你自己的 notebook 里，一套标签加 `plt.show()` 就够了。

# %%
y_hat = X_test @ fit_nn.weights + fit_nn.bias
lims = [y_test.min().item(), y_test.max().item()]
LABELS = {
    "en": {
        "scratch": "from scratch",
        "loss_title": "Training loss",
        "epoch": "epoch",
        "mse": "MSE (log scale)",
        "pred_title": "Held-out predictions",
        "true": "true y",
        "pred": "predicted y",
    },
    "zh": {
        "scratch": "从零实现",
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
    ax1.plot(
        range(1, len(fit_nn.losses) + 1),
        fit_nn.losses,
        label="nn.Linear + optim.SGD",
    )
    ax1.plot(
        range(1, len(fit_manual.losses) + 1),
        fit_manual.losses,
        linestyle="--",
        label=label["scratch"],
    )
    ax1.set_yscale("log")
    ax1.set_title(label["loss_title"])
    ax1.set_xlabel(label["epoch"])
    ax1.set_ylabel(label["mse"])
    ax1.legend()
    ax2.scatter(y_test, y_hat, s=10, alpha=0.6)
    ax2.plot(lims, lims, color="red", label="y = ŷ")
    ax2.set_title(label["pred_title"])
    ax2.set_xlabel(label["true"])
    ax2.set_ylabel(label["pred"])
    ax2.legend()
    display(fig, metadata={"lang": lang})
    plt.close(fig)

# %% [markdown] lang="en"
# ## Logistic regression: a linear classifier
#
# For two classes, logistic regression passes the linear score through a sigmoid to get the
# probability of class 1, and is trained with binary cross-entropy, `nn.BCELoss`. The data here
# has two features, so the classes and the decision boundary can be drawn.

# %% [markdown] lang="zh"
# ## 逻辑回归：线性分类器
#
# 对于二分类问题，逻辑回归把线性得分送进 sigmoid 函数，得到属于类别 1 的概率，
# 并用二元交叉熵 `nn.BCELoss` 来训练。这里的数据只有两个特征，
# 因此可以把两个类别和决策边界都画出来。

# %%
Xc, yc = make_classification_data(
    n_samples=200, class_sep=1.5, random_state=0
)
print(Xc.shape, yc.dtype, "class counts:", torch.bincount(yc.long()))

# %% [markdown] lang="en"
# ## Two ways to write the model
#
# As an `nn.Module` subclass, the layers are created in `__init__` and used in `forward`; this
# style allows any computation. `nn.Sequential` simply chains layers, which is enough when the data
# flows straight through. Both map `(n, 2)` features to `(n, 1)` probabilities.

# %% [markdown] lang="zh"
# ## 模型的两种写法
#
# 写成 `nn.Module` 子类时，在 `__init__` 里创建各层，在 `forward` 里使用它们，这种写法可以表达任意计算。
# `nn.Sequential` 只是把各层依次串起来，数据一路直通时用它就够了。
# 两者都把形状为 `(n, 2)` 的特征映射为形状为 `(n, 1)` 的概率。

# %%
torch.manual_seed(0)
module_model = LogisticRegression(n_features=2)
sequential_model = make_logistic_sequential(n_features=2)
print(module_model)
print(sequential_model)
print(module_model(Xc[:3]))

# %% [markdown] lang="en"
# `nn.BCELoss` expects probabilities and float targets of the same shape. Its value is the mean of
# `-(y log p + (1 - y) log(1 - p))`:

# %% [markdown] lang="zh"
# `nn.BCELoss` 需要概率值和形状相同的浮点目标值。它的值是 `-(y log p + (1 - y) log(1 - p))` 的平均值：

# %%
p = module_model(Xc).squeeze(1)
print("nn.BCELoss:", nn.BCELoss()(p, yc))
print(
    "by hand:   ",
    -(yc * torch.log(p) + (1 - yc) * torch.log(1 - p)).mean(),
)

# %% [markdown] lang="en"
# `nn.BCEWithLogitsLoss` computes the same loss from the raw linear score (the *logit*, before the
# sigmoid) and is what most code uses: it folds the sigmoid into the logarithm, which stays exact
# where a separate sigmoid rounds to exactly 1.0. For a score of 20 and label 0 the true loss is
# 20; `nn.BCELoss` sees `p = 1.0` and can only report its clamp, 100. A model trained with it must
# then output scores, not probabilities (no sigmoid layer); apply `torch.sigmoid` when you need
# probabilities. This tutorial keeps the sigmoid in the model and `nn.BCELoss`, which is fine while
# the scores stay moderate.

# %% [markdown] lang="zh"
# `nn.BCEWithLogitsLoss` 直接用原始的线性得分（sigmoid 之前的 *logit*）计算同样的损失，大多数代码用的都是它：
# 它把 sigmoid 合并进对数里计算，在单独的 sigmoid 已经舍入成 1.0 的地方依然精确。得分为 20、标签为 0 时，
# 真正的损失是 20；`nn.BCELoss` 看到的是 `p = 1.0`，只能给出截断值 100。用它训练的模型必须输出得分而不是概率
# （不加 sigmoid 层）；需要概率时再调用 `torch.sigmoid`。本教程让模型保留 sigmoid 并使用 `nn.BCELoss`，
# 只要得分不太大，这样做没有问题。

# %%
logits = module_model.linear(Xc).squeeze(1)
print(
    "nn.BCEWithLogitsLoss:",
    nn.BCEWithLogitsLoss()(logits, yc),
    sep="\n",
)
score, label = torch.tensor([20.0]), torch.tensor([0.0])
print(
    "score 20, label 0:",
    nn.BCEWithLogitsLoss()(score, label),
    nn.BCELoss()(torch.sigmoid(score), label),
)
assert torch.allclose(
    nn.BCEWithLogitsLoss()(logits, yc), nn.BCELoss()(p, yc)
)

# %% [markdown] lang="en"
# ## Training and accuracy
#
# `train_logistic_regression` runs the same SGD loop with `nn.BCELoss` and returns the loss of
# each epoch. `predict` evaluates without building a graph, and `accuracy` thresholds the
# probabilities at 0.5 and compares them with the labels. Accuracy on the training data flatters
# a model, so 50 of the 200 samples are held out and the models train on the other 150.

# %% [markdown] lang="zh"
# ## 训练与准确率
#
# `train_logistic_regression` 用 `nn.BCELoss` 运行同样的 SGD 循环，并返回每一轮的损失。
# `predict` 在不建立计算图的情况下做预测，`accuracy` 以 0.5 为阈值把概率转成类别，再与标签比较。
# 训练数据上的准确率会美化模型，所以 200 个样本中留出 50 个，模型只用另外 150 个训练。

# %%
order = torch.randperm(
    len(yc), generator=torch.Generator().manual_seed(0)
)
Xc_train, yc_train, Xc_test, yc_test = (
    Xc[order[:150]],
    yc[order[:150]],
    Xc[order[150:]],
    yc[order[150:]],
)
module_losses = train_logistic_regression(
    module_model, Xc_train, yc_train, lr=0.5, epochs=50, batch_size=32
)
sequential_losses = train_logistic_regression(
    sequential_model,
    Xc_train,
    yc_train,
    lr=0.5,
    epochs=50,
    batch_size=32,
)
for name, model, losses in [
    ("nn.Module", module_model, module_losses),
    ("nn.Sequential", sequential_model, sequential_losses),
]:
    train_acc = accuracy(
        predict(model, Xc_train).squeeze(1), yc_train
    )
    test_acc = accuracy(predict(model, Xc_test).squeeze(1), yc_test)
    print(
        f"{name:14s} BCE: {losses[0]:.3f} -> {losses[-1]:.3f}   "
        f"accuracy: training {train_acc:.3f}, held-out {test_acc:.3f}"
    )

# %% [markdown] lang="en"
# ## The decision boundary
#
# The model predicts class 1 where the probability is above 0.5, which for a linear model is one
# side of a straight line. Evaluating it on a grid and shading the probability shows that line.

# %% [markdown] lang="zh"
# ## 决策边界
#
# 模型在概率大于 0.5 的地方预测为类别 1，对于线性模型来说，这正好是一条直线的一侧。
# 在网格上计算概率并用颜色深浅表示，就能看到这条直线。

# %%
x0 = torch.linspace(
    Xc[:, 0].min().item() - 1, Xc[:, 0].max().item() + 1, 200
)
x1 = torch.linspace(
    Xc[:, 1].min().item() - 1, Xc[:, 1].max().item() + 1, 200
)
grid0, grid1 = torch.meshgrid(x0, x1, indexing="xy")
grid_probs = predict(
    module_model, torch.stack([grid0.ravel(), grid1.ravel()], dim=1)
).reshape(grid0.shape)

LABELS = {
    "en": {
        "loss_title": "BCE loss",
        "epoch": "epoch",
        "loss": "loss",
        "class": "class {}",
        "prob": "P(class 1)",
        "boundary_title": "Decision boundary",
        "feature": "feature {}",
    },
    "zh": {
        "loss_title": "交叉熵损失",
        "epoch": "轮次",
        "loss": "损失",
        "class": "类别 {}",
        "prob": "属于类别 1 的概率",
        "boundary_title": "决策边界",
        "feature": "特征 {}",
    },
}
for lang, label in LABELS.items():
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    ax1.plot(range(1, len(module_losses) + 1), module_losses)
    ax1.set_title(label["loss_title"])
    ax1.set_xlabel(label["epoch"])
    ax1.set_ylabel(label["loss"])
    filled = ax2.contourf(
        grid0, grid1, grid_probs, levels=20, cmap="RdBu_r", alpha=0.6
    )
    ax2.contour(
        grid0, grid1, grid_probs, levels=[0.5], colors="black"
    )
    for cls, color in [(0, "tab:blue"), (1, "tab:red")]:
        ax2.scatter(
            Xc[yc == cls, 0],
            Xc[yc == cls, 1],
            c=color,
            edgecolors="k",
            s=20,
            label=label["class"].format(cls),
        )
    fig.colorbar(filled, ax=ax2, label=label["prob"])
    ax2.set_title(label["boundary_title"])
    ax2.set_xlabel(label["feature"].format(1))
    ax2.set_ylabel(label["feature"].format(2))
    ax2.legend()
    display(fig, metadata={"lang": lang})
    plt.close(fig)
