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
# # Classification: logits, cross-entropy and held-out accuracy
#
# A classifier in PyTorch returns raw scores, *logits*, one per class, and leaves the sigmoid or
# softmax to the loss: `nn.BCEWithLogitsLoss` for two classes, `nn.CrossEntropyLoss` for more.
# This tutorial shows why that split is both simpler and numerically safer, why a softmax before
# `CrossEntropyLoss` is a bug, and then trains two classifiers the way they should be judged: on a
# validation set held out from training, switching between `model.train()` and `model.eval()`
# inside the loop and evaluating under `torch.inference_mode()`.

# %% [markdown] lang="zh"
# # 分类：logits、交叉熵与留出集准确率
#
# 在 PyTorch 中，分类器输出的是原始得分，即 *logits*，每个类别一个，sigmoid 或 softmax 交给损失函数去做：
# 二分类用 `nn.BCEWithLogitsLoss`，多分类用 `nn.CrossEntropyLoss`。本教程先说明为什么这样分工
# 既简单又在数值上更安全、为什么在 `CrossEntropyLoss` 之前再做一次 softmax 是错误的；
# 然后按正确的方式训练两个分类器：在训练时没有用过的验证集上评估，在循环里切换
# `model.train()` 和 `model.eval()`，并在 `torch.inference_mode()` 下做评估。

# %%
import math

import matplotlib.pyplot as plt
import torch
from IPython.display import display
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from torch import nn

from recipes.classification import (
    accuracy_from_logits,
    classification_loss,
    split_train_val,
    train_classifier,
)
from recipes.data import make_loader, to_tensor_dataset
from recipes.modules import MLP, predict
from recipes.regression_nn import make_classification_data

# %% [markdown] lang="en"
# ## Two classes: `BCEWithLogitsLoss`
#
# `nn.BCEWithLogitsLoss` takes logits and computes the same value as `nn.BCELoss` after a sigmoid,
# but in one step that never forms `log(sigmoid(z))` explicitly. For a confidently wrong logit such
# as -200 the sigmoid rounds to 0 in float32; `BCELoss` then clamps its logarithm at -100, so the
# loss stops at 100 and its gradient vanishes. `BCEWithLogitsLoss` gives the true 200.

# %% [markdown] lang="zh"
# ## 二分类：`BCEWithLogitsLoss`
#
# `nn.BCEWithLogitsLoss` 接收 logits，结果与先做 sigmoid 再用 `nn.BCELoss` 相同，但它一步算完，
# 从不显式计算 `log(sigmoid(z))`。对于 -200 这样自信而错误的 logit，sigmoid 在 float32 下会舍入为 0；
# `BCELoss` 于是把对数截断在 -100，损失停在 100，梯度也随之消失。`BCEWithLogitsLoss` 给出真实的 200。

# %%
z = torch.tensor([-200.0, -2.0, 0.5, 3.0])
target = torch.tensor([1.0, 0.0, 1.0, 1.0])
with_logits = nn.BCEWithLogitsLoss(reduction="none")(z, target)
after_sigmoid = nn.BCELoss(reduction="none")(torch.sigmoid(z), target)
print("BCEWithLogitsLoss:", with_logits, sep="\n")
print("BCELoss after sigmoid:", after_sigmoid, sep="\n")
assert (
    torch.allclose(with_logits[1:], after_sigmoid[1:])
    and after_sigmoid[0] == 100
)

# %% [markdown] lang="en"
# ## More classes: `CrossEntropyLoss`, and why not softmax before it
#
# `nn.CrossEntropyLoss` takes logits of shape `(n, classes)` and integer class indices of shape
# `(n,)`. It is `log_softmax` followed by the negative log-likelihood, so the softmax is already
# inside:

# %% [markdown] lang="zh"
# ## 多分类：`CrossEntropyLoss`，以及为什么不要先做 softmax
#
# `nn.CrossEntropyLoss` 接收形状为 `(n, classes)` 的 logits 和形状为 `(n,)` 的整数类别索引。
# 它等于先做 `log_softmax`、再取负对数似然，也就是说 softmax 已经包含在里面了：

# %%
torch.manual_seed(0)
logits = torch.randn(4, 3)
labels = torch.tensor([0, 2, 1, 2])
ce = nn.CrossEntropyLoss()(logits, labels)
by_hand = nn.NLLLoss()(logits.log_softmax(dim=1), labels)
print(ce, by_hand)
assert torch.allclose(ce, by_hand)

# %% [markdown] lang="en"
# A softmax in the model's `forward` therefore runs twice. The probabilities it produces all lie
# between 0 and 1, and the second softmax cannot make any of them dominant: even a perfectly
# confident, correct prediction costs log(1 + 2/e) ≈ 0.551 with three classes instead of 0, and
# the gradients that should push the model shrink.

# %% [markdown] lang="zh"
# 因此，如果在模型的 `forward` 里再加一个 softmax，它就会被执行两次。第一次 softmax 得到的概率都在
# 0 到 1 之间，第二次 softmax 无法让其中任何一个占据主导：在三个类别下，即使是完全自信且正确的预测，
# 损失也是 log(1 + 2/e) ≈ 0.551，而不是 0；本该推动模型学习的梯度也变小了。

# %%
confident = torch.tensor([[10.0, -10.0, -10.0]])
right = torch.tensor([0])
loss_logits = nn.CrossEntropyLoss()(confident, right)
loss_twice = nn.CrossEntropyLoss()(confident.softmax(dim=1), right)
print(
    f"logits: {loss_logits.item():.4f}   softmax first: "
    f"{loss_twice.item():.4f}"
)
assert (
    loss_logits < 1e-4
    and abs(loss_twice.item() - math.log(1 + 2 / math.e)) < 1e-4
)

# %% [markdown] lang="en"
# The recipe `classification_loss` picks the loss from the logits' shape: one column means two
# classes and `BCEWithLogitsLoss` (labels 0 or 1, any dtype), more columns mean `CrossEntropyLoss`;
# the values match the losses above.
# Raw PyTorch rejects float class indices with a message about "Long or Byte"; the recipe says
# what it expected for how many classes.

# %% [markdown] lang="zh"
# 工具函数 `classification_loss` 根据 logits 的形状选择损失：只有一列表示二分类，使用
# `BCEWithLogitsLoss`（标签为 0 或 1，任意 dtype）；多列则使用 `CrossEntropyLoss`。结果与上面的损失值一致。
# 原生 PyTorch 遇到浮点类型的类别索引时，报错信息只提到“Long or Byte”；这个工具函数会说明
# 对于几个类别，它期望的是什么。

# %% raises=["RuntimeError", "TypeError"]
print(
    classification_loss(logits, labels),
    classification_loss(z.unsqueeze(1), target),
)
assert torch.allclose(classification_loss(logits, labels), ce)
assert torch.allclose(
    classification_loss(z.unsqueeze(1), target), with_logits.mean()
)
try:
    nn.CrossEntropyLoss()(logits, labels.float())
except RuntimeError as err:
    print(f"{type(err).__name__}: {err}")
try:
    classification_loss(logits, labels.float())
except TypeError as err:
    print(f"{type(err).__name__}: {err}")

# %% [markdown] lang="en"
# ## Iris, and a validation set that means something
#
# The iris data set has 150 flowers, 4 measurements each, 3 species. `to_tensor_dataset` turns
# scikit-learn's float64 features and integer labels into float32 and int64, the dtypes the model
# and the loss expect. The rows are sorted by species, so simply keeping the last 30 for
# validation would validate on one species the model never saw.

# %% [markdown] lang="zh"
# ## 鸢尾花数据，以及有意义的验证集
#
# 鸢尾花（iris）数据集有 150 朵花，每朵 4 个测量值，分属 3 个品种。`to_tensor_dataset` 把
# scikit-learn 给出的 float64 特征和整数标签转换成 float32 和 int64，也就是模型和损失函数需要的 dtype。
# 这些行是按品种排好序的，所以如果直接留出最后 30 行做验证，验证的就是一个模型从未见过的品种。

# %%
X, y = to_tensor_dataset(*load_iris(return_X_y=True)).tensors
print(X.shape, X.dtype, y.dtype)
print(
    "classes in the last 30 rows:",
    torch.bincount(y[-30:], minlength=3),
)

# %% [markdown] lang="en"
# `split_train_val` shuffles the rows with a seeded generator first, then holds out 20%. The
# validation rows are never used for a gradient step, so accuracy on them estimates accuracy on
# new flowers.

# %% [markdown] lang="zh"
# `split_train_val` 先用带种子的生成器打乱各行，再留出 20%。验证集的样本从不参与梯度更新，
# 所以模型在它们上面的准确率，可以用来估计模型在新样本上的准确率。

# %%
X_train, y_train, X_val, y_val = split_train_val(
    X, y, val_fraction=0.2, seed=0
)
print(
    "train:",
    tuple(X_train.shape),
    torch.bincount(y_train, minlength=3),
)
print(
    "val:  ", tuple(X_val.shape), torch.bincount(y_val, minlength=3)
)

# %% [markdown] lang="en"
# ## The training loop: `model.train()`, `model.eval()`, `torch.inference_mode()`
#
# The model is an `MLP` with Dropout, which behaves differently in the two modes: in training mode
# it zeroes random activations, in evaluation mode it does nothing. So each epoch starts with
# `model.train()` and validation runs after `model.eval()`. Forgetting the `model.train()` at the
# top of the loop is the classic bug: after the first validation, Dropout would stay off for the
# rest of training. Validation runs under `torch.inference_mode()`, which records no graph.

# %% [markdown] lang="zh"
# ## 训练循环：`model.train()`、`model.eval()`、`torch.inference_mode()`
#
# 这里的模型是带 Dropout 的 `MLP`，它在两种模式下的行为不同：训练模式下随机把一部分激活置零，
# 评估模式下什么也不做。所以每一轮都以 `model.train()` 开始，验证则在 `model.eval()` 之后进行。
# 忘记在循环开头调用 `model.train()` 是典型错误：第一次验证之后，Dropout 在余下的训练中就一直关着。
# 验证在 `torch.inference_mode()` 下运行，不会记录计算图。

# %%
torch.manual_seed(0)
model = MLP(4, [16], 3, dropout=0.2)
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
criterion = nn.CrossEntropyLoss()
loader = make_loader(
    to_tensor_dataset(X_train, y_train),
    batch_size=16,
    shuffle=True,
    seed=0,
)
train_losses, val_losses, val_accuracies = [], [], []
for epoch in range(30):
    model.train()
    total = 0.0
    for X_batch, y_batch in loader:
        loss = criterion(model(X_batch), y_batch)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        total += loss.item() * len(y_batch)
    model.eval()
    with torch.inference_mode():
        val_logits = model(X_val)
        val_losses.append(criterion(val_logits, y_val).item())
    train_losses.append(total / len(y_train))
    val_accuracies.append(accuracy_from_logits(val_logits, y_val))
    if epoch % 5 == 4:
        print(
            f"epoch {epoch + 1:2d}  train loss "
            f"{train_losses[-1]:.3f}  "
            f"val loss {val_losses[-1]:.3f}  val accuracy "
            f"{val_accuracies[-1]:.3f}"
        )

# %% [markdown] lang="en"
# For reference, scikit-learn's `LogisticRegression` on the same split:

# %% [markdown] lang="zh"
# 作为参照，下面是 scikit-learn 的 `LogisticRegression` 在同一划分上的结果：

# %%
reference = LogisticRegression(max_iter=1000).fit(
    X_train.numpy(), y_train.numpy()
)
print(
    f"held-out accuracy: MLP {val_accuracies[-1]:.3f}, "
    "LogisticRegression "
    f"{reference.score(X_val.numpy(), y_val.numpy()):.3f}"
)

# %% [markdown] lang="en"
# ## What `torch.inference_mode()` gives up
#
# `inference_mode` is `no_grad` made stricter, and a little faster: the tensors it creates are
# *inference tensors*, which autograd may never use. Keeping validation logits around and later
# mixing them into a loss that is backpropagated fails; use `torch.no_grad()` (or `.clone()` them
# outside the block) when the results may feed training again. `predict` from the modules tutorial
# uses `no_grad` for that reason, and puts the model in eval mode for the call.

# %% [markdown] lang="zh"
# ## `torch.inference_mode()` 放弃了什么
#
# `inference_mode` 是更严格、也稍快一些的 `no_grad`：它创建的张量是*推理张量*，自动微分永远不能使用它们。
# 如果把验证时的 logits 保存下来，之后又把它们混进一个需要反向传播的损失里，就会报错；
# 如果结果还可能回到训练中，请使用 `torch.no_grad()`（或者在代码块之外对它们 `.clone()`）。
# 模块教程中的 `predict` 正是因为这个原因使用 `no_grad`，并在调用期间把模型切换到评估模式。

# %% raises="RuntimeError"
print(val_logits.is_inference(), val_logits.requires_grad)
scale = torch.ones(1, requires_grad=True)
try:
    (scale * val_logits).sum().backward()
except RuntimeError as err:
    print(f"{type(err).__name__}: {err}")
eval_logits = predict(model, X_val)
print(
    f"accuracy {accuracy_from_logits(eval_logits, y_val):.3f}, "
    f"inference tensor: {eval_logits.is_inference()}"
)

# %% [markdown] lang="en"
# ## Two classes with the recipe
#
# `train_classifier` is the same loop (Adam, `model.train()` per epoch, validation under
# `model.eval()` and `torch.inference_mode()`), with `classification_loss` choosing the loss.
# With one output column it trains with `BCEWithLogitsLoss`, so the float 0/1 labels of
# `make_classification_data` work as they are. The classes overlap, so even a good model gets some
# validation points wrong.

# %% [markdown] lang="zh"
# ## 用工具函数做二分类
#
# `train_classifier` 就是同一个循环（Adam，每轮先 `model.train()`，验证时用 `model.eval()` 和
# `torch.inference_mode()`），由 `classification_loss` 选择损失函数。模型只有一列输出时，
# 它用 `BCEWithLogitsLoss` 训练，所以 `make_classification_data` 给出的 0/1 浮点标签可以直接使用。
# 两个类别互相重叠，所以即使是好的模型，也会把一些验证集的点分错。

# %%
Xb, yb = make_classification_data(
    n_samples=400, class_sep=0.8, random_state=0
)
Xb_train, yb_train, Xb_val, yb_val = split_train_val(
    Xb, yb, val_fraction=0.25, seed=0
)
torch.manual_seed(0)
binary = MLP(2, [16], 1)
history = train_classifier(
    binary, Xb_train, yb_train, Xb_val, yb_val, lr=0.01, epochs=30
)
reference_b = LogisticRegression().fit(
    Xb_train.numpy(), yb_train.numpy()
)
print(
    f"held-out accuracy: MLP {history.val_accuracy[-1]:.3f}, "
    "LogisticRegression "
    f"{reference_b.score(Xb_val.numpy(), yb_val.numpy()):.3f}"
)
assert history.val_accuracy[-1] < 1.0

# %% [markdown] lang="en"
# ## Curves and a decision boundary
#
# Training and validation loss for iris, and the binary model's predicted class over the plane,
# with the validation points on top. A logit above 0 means class 1.
#
# The cell below draws its figure once for each language of this site and tags each copy with
# `display(fig, metadata={"lang": ...})`, so this page shows the one labelled in your language. In
# your own notebook, one set of labels and `plt.show()` is all you need.

# %% [markdown] lang="zh"
# ## 曲线与决策边界
#
# 左图是鸢尾花模型的训练损失和验证损失；右图是二分类模型在整个平面上预测的类别，上面叠加了验证集的点。
# logit 大于 0 表示类别 1。
#
# 下面的单元格为本站的每种语言各画一次图，并用 `display(fig, metadata={"lang": ...})` 标明语言，
# 所以本页只显示用你的语言标注的那一张。在你自己的 notebook 里，一套标签加 `plt.show()` 就够了。

# %%
x0 = torch.linspace(
    Xb[:, 0].min().item() - 1, Xb[:, 0].max().item() + 1, 200
)
x1 = torch.linspace(
    Xb[:, 1].min().item() - 1, Xb[:, 1].max().item() + 1, 200
)
grid0, grid1 = torch.meshgrid(x0, x1, indexing="xy")
grid_logits = predict(
    binary, torch.stack([grid0.ravel(), grid1.ravel()], dim=1)
).reshape(grid0.shape)

LABELS = {
    "en": {
        "train": "train",
        "val": "validation",
        "loss_title": "Iris: cross-entropy",
        "epoch": "epoch",
        "loss": "loss",
        "class": "class {}",
        "boundary_title": "Validation points and decision boundary",
        "feature": "feature {}",
    },
    "zh": {
        "train": "训练集",
        "val": "验证集",
        "loss_title": "鸢尾花：交叉熵",
        "epoch": "轮次",
        "loss": "损失",
        "class": "类别 {}",
        "boundary_title": "验证集与决策边界",
        "feature": "特征 {}",
    },
}
for lang, label in LABELS.items():
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    epochs = range(1, len(train_losses) + 1)
    ax1.plot(epochs, train_losses, label=label["train"])
    ax1.plot(epochs, val_losses, label=label["val"])
    ax1.set_title(label["loss_title"])
    ax1.set_xlabel(label["epoch"])
    ax1.set_ylabel(label["loss"])
    ax1.legend()
    ax2.contourf(
        grid0,
        grid1,
        (grid_logits > 0).float(),
        levels=[-0.5, 0.5, 1.5],
        colors=["tab:blue", "tab:red"],
        alpha=0.25,
    )
    for cls, color in [(0, "tab:blue"), (1, "tab:red")]:
        points = Xb_val[yb_val == cls]
        ax2.scatter(
            points[:, 0],
            points[:, 1],
            c=color,
            edgecolors="k",
            s=20,
            label=label["class"].format(cls),
        )
    ax2.set_title(label["boundary_title"])
    ax2.set_xlabel(label["feature"].format(1))
    ax2.set_ylabel(label["feature"].format(2))
    ax2.legend()
    display(fig, metadata={"lang": lang})
    plt.close(fig)
