"""Which printed values can differ from run to run or machine to machine, statement by statement.

A value is *tainted* by the sources it comes from:

- ``random``: a generator not seeded earlier in the document (``torch``, ``numpy`` and ``random``
  are tracked apart), a randomly initialised layer, a shuffling loader;
- ``uninit``: uninitialised memory (``torch.empty``, ``torch.Tensor(2, 3)``);
- ``id``: ``id()`` values and data pointers, masked when compared;
- ``env``: the machine: versions, paths, host names, CPU counts, the clock, CUDA availability;
- ``device``: a device (or flag) chosen by ``torch.cuda.is_available()``: shown, it is the
  machine's; ``placed``: a value moved to that device prints the same values, but its device
  depends on the machine.

Taint flows through assignments and through methods called on a tainted object. Reading what
randomness cannot change (``x.shape``, ``x.dtype``, ``x.requires_grad``, ``x.size()``) does not
carry the taint: a random tensor claimed with the wrong shape is still wrong.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Literal

__all__ = ["COMPOUND", "Family", "Nondeterminism", "RandomRange"]

Family = Literal["random", "uninit", "id", "env", "device", "placed"]

_TORCH_RANDOM = {
    "rand", "randn", "randint", "rand_like", "randn_like", "randint_like", "randperm", "normal",
    "bernoulli", "multinomial", "poisson",
}
_INPLACE_RANDOM = {"normal_", "uniform_", "random_", "bernoulli_", "exponential_", "geometric_",
                   "cauchy_", "log_normal_"}
_RANDOM_LAYERS = re.compile(
    r"^(?:Linear|LazyLinear|Bilinear|Conv\w*|LazyConv\w*|ConvTranspose\w*|LSTM|GRU|RNN|LSTMCell|"
    r"GRUCell|RNNCell|Embedding|EmbeddingBag|MultiheadAttention|Transformer\w*|Dropout\w*|"
    r"AlphaDropout|FeatureAlphaDropout|RReLU)$"
)
_UNINIT = {"empty", "empty_like", "empty_strided"}
_TYPED = {"Tensor", "FloatTensor", "DoubleTensor", "IntTensor", "LongTensor", "HalfTensor",
          "ShortTensor", "ByteTensor", "BoolTensor", "CharTensor"}
_ENV_CALLS = {
    "time.time", "time.time_ns", "time.perf_counter", "time.perf_counter_ns", "time.monotonic",
    "time.monotonic_ns", "time.process_time", "time.localtime", "time.ctime", "time.strftime",
    "datetime.datetime.now", "datetime.datetime.today", "datetime.datetime.utcnow",
    "datetime.date.today", "datetime.now", "datetime.today", "date.today",
    "os.getpid", "os.getppid", "os.getcwd", "os.cpu_count", "os.listdir", "os.getlogin",
    "os.path.abspath", "os.path.realpath", "os.path.expanduser", "os.getenv",
    "pathlib.Path.cwd", "pathlib.Path.home", "Path.cwd", "Path.home",
    "socket.gethostname", "platform.node", "platform.platform", "platform.python_version",
    "platform.system", "platform.release", "platform.machine", "platform.processor",
    "platform.uname", "multiprocessing.cpu_count", "uuid.uuid1", "uuid.uuid4", "os.urandom",
    "secrets.token_hex", "tempfile.mkdtemp", "tempfile.gettempdir", "psutil.virtual_memory",
    "psutil.cpu_count", "torch.cuda.is_available", "torch.cuda.device_count",
    "torch.cuda.get_device_name", "torch.cuda.get_device_properties",
    "torch.cuda.current_device", "torch.cuda.memory_allocated", "torch.cuda.memory_reserved",
    "torch.cuda.max_memory_allocated", "torch.cuda.is_bf16_supported",
    "torch.backends.mps.is_available", "torch.backends.mps.is_built",
    "torch.accelerator.current_accelerator",
    "torch.backends.cudnn.version", "torch.backends.cudnn.is_available",
    "torch.get_num_threads", "torch.get_num_interop_threads", "torch.accelerator.is_available",
    "torch.accelerator.current_accelerator", "torch.cuda.get_device_capability",
    "torch.xpu.is_available", "timeit.timeit", "timeit.default_timer",
}
_ENV_VALUES = re.compile(
    r"^(?:\w+\.__version__|\w+\.version\.\w+|sys\.version\w*|sys\.platform|sys\.executable|"
    r"sys\.path|os\.environ|os\.sep|os\.name|__file__|torch\.version\.\w+|"
    r"torch\.backends\.\w+\.\w+|torch\.__config__\.\w+)$"
)
_DEVICE_CHOICE = {"torch.cuda.is_available", "torch.backends.mps.is_available",
                  "torch.accelerator.is_available", "torch.accelerator.current_accelerator"}
# What randomness cannot change: reading these from a random tensor is checkable.
_STRUCTURAL_ATTRS = {"shape", "dtype", "device", "ndim", "requires_grad", "is_leaf", "layout",
                     "is_cuda", "names"}
_DEVICE_ATTRS = {"device", "is_cuda", "get_device"}
_STRUCTURAL_METHODS = {"size", "dim", "numel", "type", "is_contiguous", "stride", "nelement",
                       "element_size", "ndimension", "is_floating_point", "get_device",
                       "parameters", "named_parameters"}


# Statements that hold others: a loop, a branch, ``with``, ``try``.
COMPOUND = (ast.For, ast.AsyncFor, ast.While, ast.If, ast.With, ast.AsyncWith, ast.Try)


@dataclass(frozen=True)
class RandomRange:
    """The half-open range ``[low, high)`` a random call fixes for every value it draws."""

    low: float
    high: float


class Nondeterminism:
    """Tracks, statement by statement, which values depend on randomness or the machine.

    Functions and classes defined in the document are sources when their bodies are.
    """

    def __init__(self) -> None:
        self.seeded = {"torch": False, "numpy": False, "random": False}
        self.aliases: dict[str, str] = {}
        self.tainted: dict[str, set[Family]] = {}
        self.ranges: dict[str, RandomRange] = {}
        self.user_sources: dict[str, set[str]] = {}
        self.lazy: set[str] = set()
        # what each name was computed from: backward() sends a random loss's taint to them
        self.parents: dict[str, set[str]] = {}
        self.trainable: set[str] = set()

    def new_script(self) -> None:
        """A block that starts with its own imports is a separate script: seeds no longer hold."""
        self.seeded = dict.fromkeys(self.seeded, False)

    def visit(self, tree: ast.Module) -> set[Family]:
        """Record what ``tree``'s statements do; the families any of them depends on."""
        found: set[Family] = set()
        for stmt in tree.body:
            dep = self._statement(stmt)
            if _shows_output(stmt):
                found |= dep
        return found

    def range_of(self, tree: ast.Module) -> RandomRange | None:
        """The range of the values a statement shows when it shows one random tensor as drawn."""
        if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Expr):
            return None
        value = tree.body[0].value
        if (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
                and value.func.id == "print" and len(value.args) == 1 and not value.keywords):
            value = value.args[0]
        if isinstance(value, ast.Name):
            return self.ranges.get(value.id)
        if isinstance(value, ast.Call):
            return self._call_range(value)
        return None

    # -- statements -----------------------------------------------------------------------------

    def _statement(self, stmt: ast.stmt) -> set[Family]:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            self._imports(stmt)
            return set()
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            families = self._families(stmt)
            if families:
                self.user_sources[stmt.name] = families
            else:
                self.user_sources.pop(stmt.name, None)
            return set()
        if isinstance(stmt, COMPOUND):
            return self._compound(stmt)
        for call in _calls(stmt):
            self._seed(call)
        dep = self._depends(stmt)
        stored = _stored_names(stmt)
        self._record_ranges(stmt)
        self._record_parents(stmt)
        self._backward(stmt)
        if dep:
            # ``is_available()`` shown is the machine; a name chosen by it is a device
            chooses = self._chooses_device(stmt)
            kept: set[Family] = {("device" if chooses else f) if f == "env" else
                                 ("placed" if f == "device" else f) for f in dep}
            rebound = _rebound_names(stmt)
            for name in stored | (_receivers(stmt) - self.aliases.keys()):
                if name in rebound:
                    self.tainted[name] = set(kept)
                else:
                    self.tainted.setdefault(name, set()).update(kept)
            self.lazy -= rebound
            self.lazy |= {n for n in rebound if self._draws_lazily(stmt)}
        else:
            for name in _rebound_names(stmt):
                self.tainted.pop(name, None)
                self.lazy.discard(name)
        return dep

    def _draws_lazily(self, stmt: ast.stmt) -> bool:
        """A shuffling loader or sampler draws when iterated, not when made."""
        value = stmt.value if isinstance(stmt, ast.Assign) else None
        return isinstance(value, ast.Call) and self._resolve(value.func).rsplit(".", 1)[-1] in (
            "DataLoader", "RandomSampler")

    def _record_parents(self, stmt: ast.stmt) -> None:
        read = {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name)
                and isinstance(n.ctx, ast.Load)} - self.aliases.keys()
        rebound = _rebound_names(stmt)
        for name in rebound:
            self.parents[name] = read - {name}
        if any(self._makes_trainable(c) for c in _calls(stmt)):
            self.trainable |= rebound
        elif rebound:
            self.trainable -= rebound
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call):
            for arg in ast.walk(stmt.value):  # opt = SGD(model.parameters()): opt updates model
                if isinstance(arg, ast.Name) and arg.id in read:
                    for name in _rebound_names(stmt):
                        self.parents[name].add(arg.id)

    def _makes_trainable(self, call: ast.Call) -> bool:
        """A layer, a model (a class the document instantiates), an optimizer, or a tensor that
        requires grad: what backward() and step() change."""
        name = self._resolve(call.func)
        last = name.rsplit(".", 1)[-1]
        return (name.startswith("torch.nn.") and last[:1].isupper()) or \
            name.startswith("torch.optim.") or last == "requires_grad_" or \
            _kw_true(call, "requires_grad") or \
            (isinstance(call.func, ast.Name) and call.func.id[:1].isupper())

    def _backward(self, stmt: ast.stmt) -> None:
        """``loss.backward()`` on a random loss: the gradients, and so the parameters an
        optimizer updates with them, are random too."""
        for call in _calls(stmt):
            func = call.func
            if not (isinstance(func, ast.Attribute) and func.attr == "backward"):
                continue
            root = _chain_root(func.value)
            families = self.tainted.get(root, set()) & {"random", "uninit"} if root else set()
            if not families:
                continue
            seen, todo = set(), [root]
            while todo:
                name = todo.pop()
                if name in seen or name in self.aliases:
                    continue
                seen.add(name)
                todo.extend(self.parents.get(name, ()))
            for name in seen & self.trainable:  # weights learn from it, data does not
                self.tainted.setdefault(name, set()).update(families)

    def _compound(self, stmt: ast.stmt) -> set[Family]:
        """A loop, branch, ``with`` or ``try``: its header, then its body in order (a loop twice,
        so what one iteration taints reaches the next)."""
        headers: list[ast.AST] = []
        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            headers = [stmt.iter]
        elif isinstance(stmt, (ast.While, ast.If)):
            headers = [stmt.test]
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            headers = [item.context_expr for item in stmt.items]
        found: set[Family] = set()
        for header in headers:
            for call in _calls(header):
                self._seed(call)
            found |= self._depends(header)
        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            for node in ast.walk(stmt.target):
                if isinstance(node, ast.Name):
                    if found:
                        self.tainted[node.id] = set(found)
                    else:
                        self.tainted.pop(node.id, None)
        body = list(stmt.body) + list(getattr(stmt, "orelse", []))
        if isinstance(stmt, ast.Try):
            body += [s for h in stmt.handlers for s in h.body] + list(stmt.finalbody)
        for _ in range(2 if isinstance(stmt, (ast.For, ast.AsyncFor, ast.While)) else 1):
            for sub in body:
                dep = self._statement(sub)
                if _shows_output(sub):
                    found |= dep
        return found

    def _chooses_device(self, stmt: ast.stmt) -> bool:
        return any(self._resolve(c.func) in _DEVICE_CHOICE for c in _calls(stmt))

    def _record_ranges(self, stmt: ast.stmt) -> None:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)):
            return
        name = stmt.targets[0].id
        found = self._call_range(stmt.value) if isinstance(stmt.value, ast.Call) else None
        if found is None:
            self.ranges.pop(name, None)
        else:
            self.ranges[name] = found

    def _call_range(self, call: ast.Call) -> RandomRange | None:
        name = self._resolve(call.func)
        if name in ("torch.rand", "torch.rand_like", "numpy.random.rand", "numpy.random.random",
                    "random.random"):
            return RandomRange(0.0, 1.0)
        if name in ("torch.randint", "numpy.random.randint"):
            bounds = [_number(a) for a in call.args[:2]]
            if bounds and bounds[0] is not None:
                if len(bounds) == 2 and bounds[1] is not None and not (
                    name == "torch.randint" and isinstance(call.args[1], (ast.Tuple, ast.List))
                ):
                    return RandomRange(bounds[0], bounds[1])
                return RandomRange(0.0, bounds[0])
        return None

    def _imports(self, stmt: ast.Import | ast.ImportFrom) -> None:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    self.aliases[alias.asname] = alias.name
                else:
                    self.aliases[alias.name.split(".")[0]] = alias.name.split(".")[0]
        else:
            base = stmt.module or ""
            for alias in stmt.names:
                self.aliases[alias.asname or alias.name] = f"{base}.{alias.name}"

    def _resolve(self, node: ast.AST) -> str:
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name):
            parts.append(self.aliases.get(node.id, node.id))
        elif isinstance(node, ast.Call):
            parts.append(self._resolve(node.func) + "()")
        else:
            return ""
        return ".".join(reversed(parts))

    def _seed(self, call: ast.Call) -> None:
        name = self._resolve(call.func)
        if name in ("torch.manual_seed", "torch.random.manual_seed", "torch.cuda.manual_seed_all"):
            self.seeded["torch"] = True
            for lazy in self.lazy:  # it will draw from the seeded generator from now on
                if self.tainted.get(lazy) == {"random"}:
                    del self.tainted[lazy]
        elif name in ("torch.seed", "torch.random.seed"):
            self.seeded["torch"] = False
        elif name == "numpy.random.seed":
            self.seeded["numpy"] = bool(call.args or call.keywords)
        elif name == "random.seed":
            self.seeded["random"] = bool(call.args or call.keywords)
        elif name.endswith(("seed_everything", "set_seed")):
            self.seeded = dict.fromkeys(self.seeded, True)

    def family(self, call: ast.Call) -> Family | str | None:
        """The source a call draws from: an unseeded family name, or ``None``.

        Random families are returned as ``torch``, ``numpy`` or ``random`` so seeding can clear
        them; the others as their :data:`Family`.
        """
        name = self._resolve(call.func)
        if name.endswith(("run_line_magic", "run_cell_magic")) and call.args and isinstance(
                call.args[0], ast.Constant) and call.args[0].value in ("time", "timeit", "prun"):
            return "env"  # %timeit, %%time: the clock
        kwargs = {k.arg for k in call.keywords}
        if "generator" in kwargs or "random_state" in kwargs and _kw_not_none(call, "random_state"):
            return None
        last = name.rsplit(".", 1)[-1]
        if name in _ENV_CALLS:
            return "env"
        if name in ("id", "builtins.id") or last == "data_ptr":
            return "id"
        if name.startswith("torch."):
            if name.count(".") == 1 and last in _TORCH_RANDOM:
                return "torch"
            if name.count(".") == 1 and last in _UNINIT:
                return "uninit"
            if name.count(".") == 1 and last in _TYPED and (
                any(isinstance(a, ast.Constant) and isinstance(a.value, int)
                    and not isinstance(a.value, bool) for a in call.args)
                or "size" in kwargs
            ):
                return "uninit"
            if name.startswith("torch.nn.init."):
                return "torch"
            if name.startswith("torch.nn.") and _RANDOM_LAYERS.match(last):
                return "torch"
            if last in ("DataLoader", "RandomSampler", "random_split") and (
                last != "DataLoader" or _kw_true(call, "shuffle")
            ):
                return "torch"
        if isinstance(call.func, ast.Attribute) and call.func.attr in _INPLACE_RANDOM:
            return "torch"
        if name.startswith("numpy.random."):
            if last in ("seed", "get_state", "set_state"):
                return None
            if last in ("default_rng", "RandomState", "Generator") and call.args:
                return None
            return "numpy"
        if name.startswith("random.") and name.count(".") == 1:
            if last in ("seed", "getstate", "setstate") or (last == "Random" and call.args):
                return None
            return "random"
        if name.startswith("sklearn.") and last.startswith(("make_", "train_test_split")):
            return "numpy"
        return None

    def _families(self, node: ast.AST) -> set[str]:
        """The sources a function or class body draws from; generators by name (``torch``),
        so that calling it after a seed is deterministic."""
        found: set[str] = set()
        for call in _calls(node):
            fam = self.family(call)
            if fam:
                found.add(fam)
            if isinstance(call.func, ast.Name) and call.func.id in self.user_sources:
                found |= self.user_sources[call.func.id]
        return found

    def _depends(self, stmt: ast.AST) -> set[Family]:
        found: set[Family] = set()
        structural = _structural_reads(stmt)
        passed = _passed_to_calls(stmt)
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                if node.id in self.tainted:
                    families = set(self.tainted[node.id])
                    if id(node) in structural:
                        # a shape is neither random nor placed; a device is where it was placed
                        families -= {"random", "uninit", "id"}
                        if "placed" in families:
                            families.discard("placed")
                            if structural[id(node)] in _DEVICE_ATTRS:
                                families.add("device")  # x.device, x.is_cuda: the machine's
                    found |= families - {"env"} if id(node) in passed else families
            elif isinstance(node, ast.Attribute) and _ENV_VALUES.match(self._resolve(node)):
                found.add("env")
            elif isinstance(node, ast.Name) and node.id == "__file__":
                found.add("env")
            if isinstance(node, ast.Call):
                fam = self.family(node)
                if fam in ("torch", "numpy", "random"):
                    if not self.seeded[fam]:
                        found.add("random")
                elif fam:
                    found.add(fam)
                if isinstance(node.func, ast.Name) and node.func.id in self.user_sources:
                    for source in self.user_sources[node.func.id]:
                        if source not in self.seeded:
                            found.add(source)  # type: ignore[arg-type]
                        elif not self.seeded[source]:
                            found.add("random")
        return found


def _structural_reads(stmt: ast.AST) -> dict[int, str]:
    """Name nodes read only for what randomness cannot change (``x.shape``, ``x.size()``): their
    ids, with the attribute read."""
    found = {}
    for node in ast.walk(stmt):
        if isinstance(node, ast.Attribute) and (
                node.attr in _STRUCTURAL_ATTRS or node.attr in _STRUCTURAL_METHODS):
            base = node.value  # model.weight.shape: the shape of model's weight
            while isinstance(base, (ast.Attribute, ast.Subscript, ast.Call)):
                if isinstance(base, ast.Call):  # next(model.parameters()).device
                    if not (isinstance(base.func, ast.Name) and base.func.id in ("next", "iter")
                            and base.args):
                        break
                    base = base.args[0]
                else:
                    base = base.value
            if isinstance(base, ast.Name) and found.get(id(base)) not in _DEVICE_ATTRS:
                found[id(base)] = node.attr
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                node.func.id in ("len", "type", "isinstance") and node.args and \
                isinstance(node.args[0], ast.Name):
            found[id(node.args[0])] = node.func.id
    return found


_VALUE_KEEPING = {"print", "str", "repr", "round", "float", "int", "format", "abs", "len"}


def _passed_to_calls(stmt: ast.AST) -> set[int]:
    """ids of Names passed as arguments to calls that compute something new from them: a path
    or a timestamp given to ``os.path.exists`` or ``torch.load`` leaves no trace in the result."""
    found = set()
    for node in ast.walk(stmt):
        if isinstance(node, ast.Call) and not (
                isinstance(node.func, ast.Name) and node.func.id in _VALUE_KEEPING):
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                if isinstance(arg, ast.Name):
                    found.add(id(arg))
    return found


def _shows_output(stmt: ast.stmt) -> bool:
    """A statement that can print or display: an expression, a call of print, or a block."""
    return isinstance(stmt, (ast.Expr, *COMPOUND)) or any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "print"
        for n in ast.walk(stmt))


def _number(node: ast.AST) -> float | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and \
            not isinstance(node.value, bool):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _number(node.operand)
        return -inner if inner is not None else None
    return None


def _kw_true(call: ast.Call, name: str) -> bool:
    for kw in call.keywords:
        if kw.arg == name:
            return not (isinstance(kw.value, ast.Constant) and not kw.value.value)
    return False


def _kw_not_none(call: ast.Call, name: str) -> bool:
    for kw in call.keywords:
        if kw.arg == name:
            return not (isinstance(kw.value, ast.Constant) and kw.value.value is None)
    return False


def _calls(node: ast.AST) -> list[ast.Call]:
    calls = [n for n in ast.walk(node) if isinstance(n, ast.Call)]
    return sorted(calls, key=lambda c: (getattr(c, "lineno", 0), getattr(c, "col_offset", 0)))


def _root(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _stored_names(stmt: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(stmt):
        if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript)) and isinstance(
            getattr(node, "ctx", None), ast.Store
        ):
            root = _root(node)
            if root:
                names.add(root)
    return names


def _chain_root(node: ast.AST) -> str | None:
    """The name a chain of attributes, calls and subscripts starts from (``l.sum()`` -> l)."""
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _rebound_names(stmt: ast.AST) -> set[str]:
    """Names a statement binds anew (``x = ...``), dropping what they held before."""
    names = set()
    if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        for target in targets:
            for node in ast.walk(target):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    names.add(node.id)
    return names


def _receivers(stmt: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(stmt):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            root = _root(node.func.value)
            if root and root not in ("torch", "np", "numpy", "nn", "F", "plt", "math", "random"):
                names.add(root)
    return names
