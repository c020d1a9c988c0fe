"""Decide whether claimed output matches what the code printed, as a careful reader would.

Accepted differences: whitespace and line wrapping, floats written to fewer digits than printed
(``0.3333`` for ``0.33333334``), object addresses (``at 0x7f...``), ``...`` standing for omitted
output, ``(3, 5)`` for ``torch.Size([3, 5])``, a claim that leaves out the print's own label
(``print(f"shape: {x.shape}")  # torch.Size([2])``). Never accepted: a different value, shape or
dtype (``1`` is not ``1.``; a claim without ``dtype=torch.float64`` where PyTorch prints it is
wrong). A mismatch on output that depends on an unseeded random generator, the clock or memory
addresses is *unverifiable*, unless the claim is wrong in more than the numbers.
"""

from __future__ import annotations

import ast
import difflib
import re
from dataclasses import dataclass

__all__ = ["Judgement", "Nondeterminism", "judge", "judge_error", "tokens"]

_TOKEN = re.compile(
    r"(?P<ell>\.{3,}|…+)"
    r"|(?P<addr>0x[0-9a-fA-F]+)"
    r"|(?P<num>(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?)"
    r"|(?P<word>[^\W\d]\w*(?:\.[^\W\d]\w*)*)"
    r"|(?P<sym>\S)"
)


@dataclass(frozen=True)
class Tok:
    kind: str  # ell | addr | num | word | sym
    text: str
    space: bool  # whitespace came right before it


def tokens(text: str) -> list[Tok]:
    """Split output into comparable tokens; whitespace only separates them."""
    out = []
    prev_end = 0
    for m in _TOKEN.finditer(text):
        out.append(Tok(m.lastgroup or "sym", m.group(), m.start() > prev_end or m.start() == 0))
        prev_end = m.end()
    return out


def _is_float(text: str) -> bool:
    return "." in text or "e" in text.lower()


def _half_ulp(text: str) -> float:
    mantissa, _, exp = text.lower().partition("e")
    digits = len(mantissa.split(".", 1)[1]) if "." in mantissa else 0
    return 0.5 * 10.0 ** ((int(exp) if exp else 0) - digits)


def _num_eq(claimed: str, actual: str, masked: bool) -> bool:
    if masked:
        return True
    if _is_float(claimed) != _is_float(actual):
        return False  # 1 and 1. differ in dtype
    if not _is_float(claimed):
        return int(claimed) == int(actual)
    c, a = float(claimed), float(actual)
    if c == a:
        return True
    tol = max(_half_ulp(claimed), _half_ulp(actual))
    if min(_significant(claimed), _significant(actual)) >= 4:
        tol *= 2  # 54.5982 for float32's 54.5981: rounding of the exact value, same number
    return abs(c - a) <= tol * (1 + 1e-9) + 1e-300


def _significant(text: str) -> int:
    mantissa = text.lower().partition("e")[0].lstrip("+-").replace(".", "").lstrip("0")
    return len(mantissa)


_VALUE_WORDS = {"True", "False", "nan", "inf"}


def _mask_values(toks: list[Tok]) -> list[Tok]:
    """Numbers and booleans become one placeholder per run (``[7, 7, 5]`` -> ``[V]``)."""
    out: list[Tok] = []
    for t in toks:
        is_value = t.kind == "num" or (t.kind == "word" and t.text in _VALUE_WORDS)
        if is_value:
            if out and out[-1].text == "V" and out[-1].kind == "mask":
                continue
            if len(out) >= 2 and out[-1].text == "," and out[-2].kind == "mask":
                out.pop()
                continue
            out.append(Tok("mask", "V", t.space))
        else:
            out.append(t)
    return out


def _tok_eq(c: Tok, a: Tok, masked: bool) -> bool:
    if c.kind == "num" and a.kind == "num":
        return _num_eq(c.text, a.text, masked)
    if c.kind == "addr" and a.kind == "addr":
        return True
    return c.text == a.text


def _seq_eq(cs: list[Tok], as_: list[Tok], masked: bool) -> bool:
    return len(cs) == len(as_) and all(_tok_eq(c, a, masked) for c, a in zip(cs, as_))


def _find(seg: list[Tok], as_: list[Tok], start: int, masked: bool) -> int:
    for k in range(start, len(as_) - len(seg) + 1):
        if _seq_eq(seg, as_[k : k + len(seg)], masked):
            return k
    return -1


def _match(cs: list[Tok], as_: list[Tok], *, masked: bool = False, start_anchor: bool = True,
           end_anchor: bool = True) -> int | None:
    """Match claim tokens (``...`` is a wildcard) against actual tokens; the end index or None."""
    segments: list[list[Tok]] = [[]]
    for t in cs:
        if t.kind == "ell":
            segments.append([])
        else:
            segments[-1].append(t)
    if not start_anchor:
        segments.insert(0, [])
    if not end_anchor:
        segments.append([])
    if len(segments) == 1:
        return len(as_) if _seq_eq(segments[0], as_, masked) else None
    first, last = segments[0], segments[-1]
    if not _seq_eq(first, as_[: len(first)], masked):
        return None
    pos = len(first)
    for seg in segments[1:-1]:
        if not seg:
            continue
        k = _find(seg, as_, pos, masked)
        if k < 0:
            return None
        pos = k + len(seg)
    if not last:
        return pos if end_anchor is False else len(as_)
    if len(as_) - len(last) < pos or not _seq_eq(last, as_[len(as_) - len(last) :], masked):
        return None
    return len(as_)


def _size_as_tuple(toks: list[Tok]) -> list[Tok]:
    """``torch.Size([3, 5])`` -> ``(3, 5)`` and ``(5,)`` -> ``(5)``, for lenient comparison."""
    out: list[Tok] = []
    k = 0
    while k < len(toks):
        t = toks[k]
        if (
            t.text == "torch.Size"
            and k + 2 < len(toks)
            and toks[k + 1].text == "("
            and toks[k + 2].text == "["
        ):
            j = k + 3
            inner = []
            while j < len(toks) and toks[j].text != "]":
                inner.append(toks[j])
                j += 1
            if j + 1 < len(toks) and toks[j + 1].text == ")":
                out.append(Tok("sym", "(", t.space))
                out.extend(inner)
                out.append(Tok("sym", ")", False))
                k = j + 2
                continue
        out.append(t)
        k += 1
    final: list[Tok] = []
    for k, t in enumerate(out):
        if t.text == "," and k + 1 < len(out) and out[k + 1].text == ")" and k >= 2 and \
                out[k - 2].text == "(":
            continue
        final.append(t)
    return final


@dataclass
class Judgement:
    """The verdict on one claim, with a note on any leniency used and a diff when wrong."""

    verdict: str  # ok | wrong | unverifiable
    note: str = ""
    diff: str = ""


def _diff(claim: str, actual: str) -> str:
    lines = difflib.unified_diff(
        [ln.rstrip() for ln in claim.strip("\n").split("\n")],
        [ln.rstrip() for ln in actual.rstrip("\n").split("\n")] if actual.strip() else [],
        "claimed",
        "actual",
        lineterm="",
        n=2,
    )
    return "\n".join(lines)


def judge(
    claim: str,
    actual: str,
    *,
    tainted: bool = False,
    label: str | None = None,
    multi_args: bool = False,
    window: bool = False,
) -> Judgement:
    """Compare a claim with the actual output.

    ``label`` is the literal text a print writes before the values (a claim may leave it out);
    ``multi_args`` allows a claim that shows only the first of several printed values;
    ``window`` allows a claim that shows a contiguous part of the output (an output block quoting
    the last lines of a long run). ``tainted`` marks output that depends on unseeded randomness,
    the clock or memory addresses.
    """
    ctoks = tokens(claim)
    variants = [(tokens(actual), "")]
    if label and actual.startswith(label) and label.strip():
        variants.append((tokens(actual[len(label) :]), "claim leaves out the printed label"))
    for masked in (False, True):
        if masked and not tainted:
            break
        for lenient in (False, True):
            cs = _size_as_tuple(ctoks) if lenient else ctoks
            cs = _mask_values(cs) if masked else cs
            for atoks, note in variants:
                at = _size_as_tuple(atoks) if lenient else atoks
                at = _mask_values(at) if masked else at
                notes = [n for n in (note, "torch.Size written as a tuple" if lenient else "") if n]
                found = _attempt(cs, at, masked=masked, multi_args=multi_args, window=window)
                if found is not None:
                    notes.extend(n for n in (found,) if n)
                    if masked:
                        return Judgement(
                            "unverifiable",
                            "output depends on unseeded randomness, the clock or memory addresses",
                            _diff(claim, actual),
                        )
                    return Judgement("ok", "; ".join(notes))
    note = "the code printed nothing" if not actual.strip() else ""
    return Judgement("wrong", note, _diff(claim, actual))


def _attempt(cs: list[Tok], at: list[Tok], *, masked: bool, multi_args: bool,
             window: bool) -> str | None:
    if not cs:
        return None
    if _match(cs, at, masked=masked) is not None:
        return ""
    if multi_args:
        end = _match(cs, at, masked=masked, end_anchor=False)
        if end is not None and 0 < end < len(at) and at[end].space:
            return "claim shows only the first printed values"
    if window and _match(cs, at, masked=masked, start_anchor=False, end_anchor=False) is not None:
        return "claim shows part of the output"
    return None


def judge_window_sequence(claims: list[str], actual: str, tainted: bool) -> list[Judgement]:
    """Several claims on one statement (a loop): each must appear, in order, in its output."""
    atoks = tokens(actual)
    pos = 0
    results = []
    for claim in claims:
        ctoks = tokens(claim)
        found = None
        for k in range(pos, len(atoks) + 1):
            end = _match(ctoks, atoks[k:], end_anchor=False)
            if end is not None:
                found = k + end
                break
        if found is not None:
            results.append(Judgement("ok", "claim shows part of the statement's output"))
            pos = found
        elif tainted and _match(_mask_values(ctoks), _mask_values(atoks[pos:]), masked=True,
                                start_anchor=False, end_anchor=False) is not None:
            results.append(Judgement(
                "unverifiable",
                "output depends on unseeded randomness, the clock or memory addresses",
                _diff(claim, actual)))
        else:
            results.append(Judgement("wrong", "", _diff(claim, actual)))
    return results


def judge_error(expected: str, ename: str | None, evalue: str | None) -> Judgement:
    """Compare an expected exception (``ValueError: msg``) with the one raised, if any."""
    if ename is None:
        return Judgement("wrong", "expected an exception, none was raised",
                         _diff(expected, "(no exception)"))
    actual = f"{ename}: {evalue}" if evalue else ename
    exp_name, _, exp_msg = expected.partition(":")
    if exp_name.strip().split(".")[-1] != ename.split(".")[-1]:
        return Judgement("wrong", "a different exception was raised", _diff(expected, actual))
    if not exp_msg.strip() or _match(tokens(exp_msg), tokens(evalue or "")) is not None:
        return Judgement("ok")
    return Judgement("wrong", "the exception message differs", _diff(expected, actual))


# ---------------------------------------------------------------------------------------------
# Where output can differ from run to run
# ---------------------------------------------------------------------------------------------

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
_TIME = {
    "time.time", "time.time_ns", "time.perf_counter", "time.perf_counter_ns", "time.monotonic",
    "time.process_time", "time.localtime", "time.ctime", "datetime.datetime.now",
    "datetime.datetime.today", "datetime.datetime.utcnow", "datetime.date.today", "os.getpid",
    "uuid.uuid1", "uuid.uuid4", "os.urandom", "secrets.token_hex",
}


class Nondeterminism:
    """Tracks, statement by statement, which values depend on unseeded randomness or the clock.

    A value is tainted when it comes from a random generator not seeded earlier in the document
    (``torch``, ``numpy``, ``random`` are tracked apart), from uninitialised memory
    (``torch.empty``, ``torch.Tensor(2, 3)``), from ``id()`` or the clock, or from a tainted
    value. Functions and classes defined in the document are sources when their bodies are.
    """

    def __init__(self) -> None:
        self.seeded = {"torch": False, "numpy": False, "random": False}
        self.aliases: dict[str, str] = {}
        self.tainted: set[str] = set()
        self.user_sources: dict[str, set[str]] = {}

    def new_script(self) -> None:
        """A block that starts with its own imports is a separate script: seeds no longer hold."""
        self.seeded = dict.fromkeys(self.seeded, False)

    def visit(self, tree: ast.Module) -> bool:
        """Record what ``tree``'s statements do; whether any depends on nondeterminism."""
        depends = False
        for stmt in tree.body:
            if self._statement(stmt):
                depends = True
        return depends

    # -- statements -----------------------------------------------------------------------------

    def _statement(self, stmt: ast.stmt) -> bool:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            self._imports(stmt)
            return False
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            families = self._families(stmt)
            if families:
                self.user_sources[stmt.name] = families
            else:
                self.user_sources.pop(stmt.name, None)
            return False
        for call in _calls(stmt):
            self._seed(call)
        dep = self._depends(stmt)
        stored = _stored_names(stmt)
        if dep:
            self.tainted |= stored
            self.tainted |= _receivers(stmt)
        else:
            for node in ast.walk(stmt):
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            self.tainted.discard(target.id)
        return dep

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
        elif name in ("torch.seed", "torch.random.seed"):
            self.seeded["torch"] = False
        elif name == "numpy.random.seed":
            self.seeded["numpy"] = bool(call.args or call.keywords)
        elif name == "random.seed":
            self.seeded["random"] = bool(call.args or call.keywords)
        elif name.endswith(("seed_everything", "set_seed")):
            self.seeded = dict.fromkeys(self.seeded, True)

    def family(self, call: ast.Call) -> str | None:
        """The source of nondeterminism a call draws from: torch, numpy, random, time, memory."""
        name = self._resolve(call.func)
        kwargs = {k.arg for k in call.keywords}
        if "generator" in kwargs or "random_state" in kwargs and _kw_not_none(call, "random_state"):
            return None
        last = name.rsplit(".", 1)[-1]
        if name in _TIME:
            return "time"
        if name in ("id", "builtins.id") or last == "data_ptr":
            return "memory"
        if name.startswith("torch."):
            if name.count(".") == 1 and last in _TORCH_RANDOM:
                return "torch"
            if name.count(".") == 1 and last in _UNINIT:
                return "memory"
            if name.count(".") == 1 and last in _TYPED and (
                any(isinstance(a, ast.Constant) and isinstance(a.value, int)
                    and not isinstance(a.value, bool) for a in call.args)
                or "size" in kwargs
            ):
                return "memory"
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
        found = set()
        for call in _calls(node):
            fam = self.family(call)
            if fam:
                found.add(fam)
            if isinstance(call.func, ast.Name) and call.func.id in self.user_sources:
                found |= self.user_sources[call.func.id]
        return found

    def _depends(self, stmt: ast.AST) -> bool:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                if node.id in self.tainted:
                    return True
            if isinstance(node, ast.Call):
                fams = set()
                fam = self.family(node)
                if fam:
                    fams.add(fam)
                if isinstance(node.func, ast.Name) and node.func.id in self.user_sources:
                    fams |= self.user_sources[node.func.id]
                for fam in fams:
                    if fam in ("time", "memory") or not self.seeded.get(fam, False):
                        return True
        return False


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


def _receivers(stmt: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(stmt):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            root = _root(node.func.value)
            if root and root not in ("torch", "np", "numpy", "nn", "F", "plt", "math", "random"):
                names.add(root)
    return names
