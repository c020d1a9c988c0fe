"""Decide whether claimed output matches what the code printed, as a careful reader would.

Printouts of the same kind (two torch reprs, two NumPy reprs, two printed floats) must agree at the
precision the library prints: one unit in the last printed digit is ``ok`` with a note (platform
rounding); a claim with fewer digits than the library prints for a different value is wrong
(``tensor(0.)`` is not ``tensor(0.4000)``, ``1e3`` is not ``1400.0``). A hand-written value in a
prose-like comment (``# 4.0`` under ``tensor([4.])``, ``# 约 0.333``) is compared at its own
precision. Also accepted: whitespace and line wrapping, object addresses, ``...`` for omitted
output, ``(3, 5)`` for ``torch.Size([3, 5])``, a claim that leaves out the print's own label.
Never accepted: another value, shape or dtype (``1`` is not ``1.``; a claim without
``dtype=torch.float64`` where PyTorch prints it is wrong).

What the code's taint (:mod:`recipes.checker.taint`) says cannot be known changes the verdict:
machine-dependent output is ``environment``, never ok and never wrong; unseeded random values are
``unverifiable`` while their structure (shape, dtype, device, ``requires_grad``, ``grad_fn``) and
the range the call fixes are still checked; ``id()`` values are masked.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from recipes.checker.taint import RandomRange

__all__ = ["Judgement", "Verdict", "judge", "judge_error", "judge_window_sequence", "tokens"]

Verdict = Literal["ok", "wrong", "unverifiable", "environment"]

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


_EPS = 1e-9


def _is_float(text: str) -> bool:
    return "." in text or "e" in text.lower()


def _unit(text: str) -> float:
    """The value of one unit in the last written digit (``0.25`` -> 0.01, ``1.5e-03`` -> 1e-4)."""
    mantissa, _, exp = text.lower().lstrip("+-").partition("e")
    digits = len(mantissa.split(".", 1)[1]) if "." in mantissa else 0
    return 10.0 ** ((int(exp) if exp else 0) - digits)


def _integral(text: str) -> bool:
    """A printed float with no fractional digits but zeros (``0.``, ``2.0``): an exact value."""
    mantissa, _, exp = text.lower().partition("e")
    return not exp and "." in mantissa and set(mantissa.split(".", 1)[1]) <= {"0"}


def _digits(text: str) -> int:
    mantissa = text.lower().partition("e")[0].lstrip("+-")
    return max(len(mantissa.split(".", 1)[1]) if "." in mantissa else 0,
               len(mantissa.replace(".", "").lstrip("0")))


def _num_eq(claimed: str, actual: str, mode: str) -> bool:
    """Numbers equal under ``mode``: exact; rounding (one unit in the last printed digit);
    printed (rounding, or a claim with more digits than printed that rounds to what is printed);
    mask; mask-ints."""
    if _is_float(claimed) != _is_float(actual):
        return False  # 1 and 1. differ in dtype
    if mode == "mask" or (mode == "mask-ints" and not _is_float(claimed)):
        return True
    if not _is_float(claimed):
        return int(claimed) == int(actual)
    c, a = float(claimed), float(actual)
    if c == a:
        return True
    if mode == "exact":
        return False
    if _integral(actual):
        return False  # ``2.`` is printed only for exactly 2
    cu, au = _unit(claimed), _unit(actual)
    if cu > au * (1 + _EPS):
        return False  # fewer digits than the library prints, and another value
    if mode == "rounding" and cu < au * (1 - _EPS):
        return False  # more digits than printed: judged in "printed" mode, with its own note
    if abs(cu - au) <= au * _EPS:
        # one unit in the last of four or more digits: platform rounding (float32 sums); a
        # short number such as Python's 0.34 is printed the same everywhere
        return _digits(actual) >= 4 and abs(c - a) <= au * (1 + _EPS)
    return abs(c - a) <= au / 2 * (1 + _EPS) + cu


def _tok_eq(c: Tok, a: Tok, mode: str) -> bool:
    if c.kind == "num" and a.kind == "num":
        return _num_eq(c.text, a.text, mode)
    if c.kind == "addr" and a.kind == "addr":
        return True
    return c.text == a.text



def _seq_eq(cs: list[Tok], as_: list[Tok], mode: str) -> bool:
    return len(cs) == len(as_) and all(_tok_eq(c, a, mode) for c, a in zip(cs, as_))


def _find(seg: list[Tok], as_: list[Tok], start: int, mode: str) -> int:
    for k in range(start, len(as_) - len(seg) + 1):
        if _seq_eq(seg, as_[k : k + len(seg)], mode):
            return k
    return -1


def _match(cs: list[Tok], as_: list[Tok], *, mode: str = "printed", start_anchor: bool = True,
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
        return len(as_) if _seq_eq(segments[0], as_, mode) else None
    first, last = segments[0], segments[-1]
    if not _seq_eq(first, as_[: len(first)], mode):
        return None
    pos = len(first)
    for seg in segments[1:-1]:
        if not seg:
            continue
        k = _find(seg, as_, pos, mode)
        if k < 0:
            return None
        pos = k + len(seg)
    if not last:
        return pos if end_anchor is False else len(as_)
    if len(as_) - len(last) < pos or not _seq_eq(last, as_[len(as_) - len(last) :], mode):
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



@dataclass
class Judgement:
    """The verdict on one claim, with a note on any leniency used and a diff when wrong."""

    verdict: Verdict
    note: str = ""
    diff: str = ""


_OBJECT_AT = re.compile(r"<([\w.]+) object at ")


def _same_display(text: str) -> str:
    """``<X object at 0x..>`` (repr) and ``<X at 0x..>`` (IPython) name the same object."""
    return _OBJECT_AT.sub(r"<\1 at ", text)


_DEVICE_ARG = re.compile(r",?\s*device=(?:'[\w:]+'|device\(type='\w+'(?:, index=\d+)?\))")
_DEVICE_ONLY = re.compile(r"^(?:(?:cuda|cpu|mps|xpu)(?::\d+)?|device\(type='\w+'(?:, index=\d+)?\))$")
_ACCELERATOR = re.compile(r"\b(?:cuda|mps|xpu)\b")

_ENVIRONMENT = Judgement("environment", "depends on the machine (versions, paths, timings, CUDA)")


def judge(
    claim: str,
    actual: str,
    *,
    taint: Collection[str] = (),
    label: str | None = None,
    multi_args: bool = False,
    window: bool = False,
    approx: bool = False,
    value_range: RandomRange | None = None,
) -> Judgement:
    """Compare a claim with the actual output.

    ``taint`` names what the output depends on beyond the code (see :mod:`recipes.checker.taint`).
    ``label`` is the literal text a print writes before the values (a claim may leave it out);
    ``multi_args`` allows a claim that shows only the first of several printed values;
    ``window`` allows a claim that shows a contiguous part of the output (an output block quoting
    the last lines of a long run); ``approx`` marks a hand-written approximation;
    ``value_range`` is the range an unseeded random call fixes for the values shown.
    """
    if "env" in taint:
        return _ENVIRONMENT
    shows_device = False
    if "device" in taint:
        return _ENVIRONMENT
    if "placed" in taint:
        if _DEVICE_ONLY.match(claim.strip()) or _DEVICE_ONLY.match(actual.strip()):
            return _ENVIRONMENT
        shows_device = bool(_ACCELERATOR.search(claim))
        claim, actual = _DEVICE_ARG.sub("", claim), _DEVICE_ARG.sub("", actual)
    claim, actual = _same_display(claim), _same_display(actual)
    found = _compare(claim, actual, label, multi_args, window, approx)
    if found is not None:
        return _ENVIRONMENT if shows_device else found
    if "id" in taint and _compare_masked(claim, actual, label, multi_args, window, "mask-ints"):
        return Judgement("ok", "id() values masked")
    if {"random", "uninit"} & set(taint) and _compare_masked(claim, actual, label, multi_args,
                                                             window, "mask"):
        outside = _outside(claim, value_range)
        if outside:
            return Judgement("wrong", f"{outside} is outside [{value_range.low:g}, "
                             f"{value_range.high:g}), the range the random call draws from",
                             _diff(claim, actual))
        return Judgement("unverifiable", "values depend on unseeded randomness; their shape, "
                         "dtype and the text around them match", _diff(claim, actual))
    note = "the code printed nothing" if not actual.strip() else ""
    return Judgement("wrong", note, _diff(claim, actual))


def _variants(actual: str, label: str | None) -> list[tuple[list[Tok], str]]:
    found = [(tokens(actual), "")]
    if label and label.strip() and actual.startswith(label):
        found.append((tokens(actual[len(label) :]), "claim leaves out the printed label"))
    return found


def _compare(claim: str, actual: str, label: str | None, multi_args: bool, window: bool,
             approx: bool) -> Judgement | None:
    """ok (with its notes) when the claim matches at the library's precision, else None."""
    if approx or _hand_written(claim, actual):
        value = _hand_written_value(claim, actual, approx)
        if value is not None:
            return value
    ctoks = tokens(claim)
    for mode in ("exact", "rounding", "printed"):
        for lenient in (False, True):
            cs = _size_as_tuple(ctoks) if lenient else ctoks
            for atoks, note in _variants(actual, label):
                at = _size_as_tuple(atoks) if lenient else atoks
                found = _attempt(cs, at, mode=mode, multi_args=multi_args, window=window)
                if found is not None:
                    notes = [note, "torch.Size written as a tuple" if lenient else "", found,
                             _PRECISION_NOTES.get(mode, "")]
                    return Judgement("ok", "; ".join(n for n in notes if n))
    return None


_PRECISION_NOTES = {
    "rounding": "last digit differs: platform rounding",
    "printed": "the claim has more digits than PyTorch prints; it rounds to the printed value",
}


def _compare_masked(claim: str, actual: str, label: str | None, multi_args: bool, window: bool,
                    mode: str) -> bool:
    ctoks = tokens(claim)
    return any(_attempt(ctoks, atoks, mode=mode, multi_args=multi_args, window=window) is not None
               for atoks, _ in _variants(actual, label))


def _attempt(cs: list[Tok], at: list[Tok], *, mode: str, multi_args: bool,
             window: bool) -> str | None:
    if not cs:
        return None
    if _match(cs, at, mode=mode) is not None:
        return ""
    if multi_args:
        end = _match(cs, at, mode=mode, end_anchor=False)
        if end is not None and 0 < end < len(at) and at[end].space:
            return "claim shows only the first printed values"
    if window and _match(cs, at, mode=mode, start_anchor=False, end_anchor=False) is not None:
        return "claim shows part of the output"
    return None


_NUM = r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?"
_BARE_NUMBER = re.compile(rf"^{_NUM}$")
_ONE_ELEMENT = re.compile(
    rf"^(?:tensor|array|np\.\w+|numpy\.\w+)\(\[*\s*({_NUM})\s*\]*(?:,[^()]*(?:\([^()]*\))?[^()]*)?\)$"
)
_PRINTED_NUMBER = re.compile(rf"^({_NUM})$")


def _one_value(actual: str) -> str | None:
    text = actual.strip()
    for pattern in (_ONE_ELEMENT, _PRINTED_NUMBER):
        m = pattern.match(text)
        if m:
            return m.group(1)
    return None


def _hand_written(claim: str, actual: str) -> bool:
    """A bare number claimed for a one-element tensor or array: written by hand, not printed."""
    return bool(_BARE_NUMBER.match(claim.strip())) and bool(_ONE_ELEMENT.match(actual.strip()))


_NUMBER_LIST = re.compile(rf"^\[\s*{_NUM}(?:\s*,\s*{_NUM})*\s*,?\s*\]$")
_FLAT_TENSOR = re.compile(r"^(?:tensor|array)\(\[([^\[\]]*)\](?:,[^()]*(?:\([^()]*\))?[^()]*)?\)$")


def _hand_written_value(claim: str, actual: str, approx: bool) -> Judgement | None:
    """ok when the claim's numbers are the actual values at the claim's own precision.

    One number against a one-element tensor or a printed number; with an approximation marker
    (``# ≈ [1.41, 2.83]``) also a list against a 1-D tensor of as many values.
    """
    text = claim.strip()
    if _BARE_NUMBER.match(text):
        value = _one_value(actual)
        pairs = [(text, value)] if value is not None else []
    elif approx and _NUMBER_LIST.match(text) and _FLAT_TENSOR.match(actual.strip()):
        claimed = re.findall(_NUM, text)
        values = re.findall(_NUM, _FLAT_TENSOR.match(actual.strip()).group(1))
        pairs = list(zip(claimed, values)) if len(claimed) == len(values) else []
    else:
        pairs = []
    if pairs and all(_close_by_hand(c, a, approx) for c, a in pairs):
        return Judgement("ok", "a hand-written value, compared at its own precision")
    return None


def _close_by_hand(text: str, value: str, approx: bool) -> bool:
    c, a = float(text), float(value)
    unit = _unit(text)
    if not _is_float(text) and not approx:
        return c == a
    rounded = abs(c - a) <= unit * 0.5 * (1 + _EPS)
    # "约 0.33" may also cut the digits off instead of rounding them
    truncated = approx and 0 <= (a - c) * (1 if a >= 0 else -1) < unit
    return rounded or truncated


def _outside(claim: str, value_range: RandomRange | None) -> str | None:
    """The first claimed value outside the range a random call fixes, if any."""
    if value_range is None or "Size" in claim:
        return None
    body = re.sub(r",\s*(?:dtype|device|requires_grad|grad_fn)=.*", "", claim, flags=re.S)
    for t in tokens(body):
        if t.kind == "num" and not value_range.low <= float(t.text) < value_range.high:
            return t.text
    return None


def judge_window_sequence(claims: list[str], actual: str,
                          taint: Collection[str] = ()) -> list[Judgement]:
    """Several claims on one statement (a loop): each must appear, in order, in its output."""
    if "env" in taint:
        return [_ENVIRONMENT for _ in claims]
    atoks = tokens(_same_display(actual))
    pos = 0
    results = []
    for claim in claims:
        ctoks = tokens(_same_display(claim))
        found = None
        for mode in ("exact", "printed"):
            for k in range(pos, len(atoks) + 1):
                end = _match(ctoks, atoks[k:], mode=mode, end_anchor=False)
                if end is not None:
                    found = k + end
                    break
            if found is not None:
                break
        if found is not None:
            results.append(Judgement("ok", "claim shows part of the statement's output"))
            pos = found
        elif {"random", "uninit"} & set(taint) and _match(
                ctoks, atoks[pos:], mode="mask", start_anchor=False, end_anchor=False) is not None:
            results.append(Judgement(
                "unverifiable", "values depend on unseeded randomness", _diff(claim, actual)))
        else:
            results.append(Judgement("wrong", "", _diff(claim, actual)))
    return results


def judge_error(expected: str, ename: str | None, evalue: str | None) -> Judgement:
    """Compare an expected exception (``ValueError: msg``) with the one raised, if any.

    The claimed message may be cut short or hold ``...``; addresses are masked.
    """
    if ename is None:
        return Judgement("wrong", "expected an exception, none was raised",
                         _diff(expected, "(no exception)"))
    actual = f"{ename}: {evalue}" if evalue else ename
    exp_name, _, exp_msg = expected.partition(":")
    if exp_name.strip().split(".")[-1] != ename.split(".")[-1]:
        return Judgement("wrong", "a different exception was raised", _diff(expected, actual))
    msg = tokens(exp_msg.strip().strip("'\""))
    if not msg or _match(msg, tokens(evalue or ""), end_anchor=False) is not None:
        return Judgement("ok", "raises the exception shown")
    return Judgement("wrong", "the exception message differs", _diff(expected, actual))
