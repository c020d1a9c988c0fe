"""Tell Python code from prose in text whose layout was lost, and rebuild what was lost.

Tutorials flattened from web pages glue code to prose: a heading stuck to the last line of a
block (``print(t1)张量的运算``), indentation gone, a whole block squeezed onto one line, or line
numbers left in (``1. import torch 2. x = ...``). These helpers recognise code lines, cut the glued
prose off, split squeezed lines into statements and re-indent blocks as a reader would.
"""

from __future__ import annotations

import ast
import io
import keyword
import re
import tokenize
from dataclasses import dataclass, field

from recipes.checker.parse.markers import DEVICE_NAME, VALUES_LINE

__all__ = [
    "ScanState",
    "cut_glue",
    "has_cjk",
    "is_repr_line",
    "is_value_line",
    "line_kind",
    "open_depth",
    "output_run",
    "parse_line",
    "split_code_output",
    "reindent",
    "scan",
    "split_flat",
    "split_numbered",
]

_CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
CJK_RE = re.compile(f"[{_CJK}]")
_CJK_WORD = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_OPENERS = {"(": ")", "[": "]", "{": "}"}
_CLOSERS = {")", "]", "}"}
_COMPOUND = ("def", "class", "for", "while", "if", "elif", "else", "try", "except", "finally",
             "with", "async")


def has_cjk(text: str) -> bool:
    """Whether ``text`` holds a Chinese, Japanese or Korean character or full-width punctuation."""
    return CJK_RE.search(text) is not None


@dataclass
class ScanState:
    """Where a scan of Python source stands at the end of a line."""

    brackets: list[str] = field(default_factory=list)
    quote: str | None = None  # the open triple quote, if a string runs over lines

    @property
    def open(self) -> bool:
        return bool(self.brackets) or self.quote is not None

    def copy(self) -> ScanState:
        return ScanState(list(self.brackets), self.quote)


@dataclass
class Scan:
    """One line scanned: per character, whether it is code, and where a comment starts."""

    code_mask: list[bool]
    comment: int | None
    state: ScanState


def scan(line: str, state: ScanState | None = None) -> Scan:
    """Scan one line of Python, tracking strings, brackets and the comment, from ``state``."""
    st = state.copy() if state else ScanState()
    mask = [False] * len(line)
    comment = None
    i = 0
    quote = st.quote
    while i < len(line):
        ch = line[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if line.startswith(quote, i):
                i += len(quote)
                quote = None
                continue
            i += 1
            continue
        if ch == "#":
            comment = i
            break
        if ch in "'\"":
            triple = line[i : i + 3]
            quote = triple if triple in ("'''", '"""') else ch
            i += len(quote)
            continue
        mask[i] = True
        if ch in _OPENERS:
            st.brackets.append(_OPENERS[ch])
        elif ch in _CLOSERS and st.brackets:
            st.brackets.pop()
        i += 1
    # a single-quoted string cannot run over lines
    st.quote = quote if quote in ("'''", '"""') else None
    return Scan(mask, comment, st)


def _code_only(line: str, state: ScanState | None = None) -> tuple[str, ScanState]:
    """The line's code with string contents blanked and the comment removed."""
    sc = scan(line, state)
    end = sc.comment if sc.comment is not None else len(line)
    chars = [c if sc.code_mask[i] else (c if c in "'\"" else " ") for i, c in enumerate(line[:end])]
    return "".join(chars), sc.state


def _closers(state: ScanState) -> str:
    tail = "".join(reversed(state.brackets))
    if state.quote:
        tail = state.quote + tail
    return tail


def _try_parse(code: str) -> ast.Module | None:
    try:
        return ast.parse(code)
    except (SyntaxError, ValueError):
        return None


def parse_line(code: str) -> ast.Module | None:
    """Parse one line of code out of its context (a block header, a ``return``, an open call)."""
    stripped = code.strip()
    if not stripped:
        return None
    state = scan(stripped).state
    candidates = [stripped]
    if state.open:
        candidates.append(stripped + _closers(state))
    word = stripped.split(None, 1)[0].rstrip(":")
    for cand in candidates:
        tries = [cand]
        body = cand.rstrip()
        if body.endswith(":"):
            tries.append(body + "\n    pass")
        if word in ("elif", "else"):
            tries.append("if 1:\n    pass\n" + body + "\n    pass")
        if word in ("except", "finally"):
            tries.append("try:\n    pass\n" + body + "\n    pass")
        if word in ("return", "yield"):
            tries.append("def _f():\n    " + body)
        if word in ("break", "continue"):
            tries.append("for _ in ():\n    " + body)
        if stripped.startswith("@"):
            tries.append(body + "\ndef _f(): pass")
        for attempt in tries:
            tree = _try_parse(attempt)
            if tree is not None:
                return tree
    return None


_BROKEN_RE = re.compile(
    r"^(?:(?:def|class|for|while|if|elif|with|try|except|finally|else|return|import|print)\b.*[(:=]"
    r"|[A-Za-z_][\w.]*(?:\[[^\]]*\])?\s*(?:=|\+=|-=|\*=|/=)\s*\S.*[()\[\]]"
    r"|[A-Za-z_][\w.]*\(.*\))"
)
_SPACED_CALL = re.compile(r"[A-Za-z0-9_]\s+\(")
_STRONG_NODES = (
    ast.Call, ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
    ast.For, ast.While, ast.If, ast.With, ast.Try, ast.Return, ast.Raise, ast.Delete, ast.Assert,
    ast.Global, ast.AugAssign, ast.Break, ast.Continue, ast.Pass, ast.Yield, ast.Lambda,
)


def line_kind(line: str, state: ScanState | None = None) -> str | None:
    """Classify a line as ``strong`` code, ``weak`` code, ``broken`` code or ``None`` (not code).

    Weak code parses but could be prose or maths (``w=10``, ``PyTorch``, ``squeeze / unsqueeze``):
    it may continue a block but never starts one. Broken code looks like code but does not parse.
    """
    text = _fullwidth_comment_cut(line.strip(), state)
    if not text or text.startswith("#"):
        return None
    code, _ = _code_only(text, state)
    if _CJK_WORD.search(code) or CJK_RE.search(code):
        return None
    tree = parse_line(text)
    if tree is None:
        return "broken" if _BROKEN_RE.match(code.strip()) else None
    nodes = list(ast.walk(tree))
    if any(isinstance(n, ast.Assign) for n in nodes):
        assign = next(n for n in nodes if isinstance(n, ast.Assign))
        if " = " in code or any(isinstance(n, ast.Call) for n in ast.walk(assign.value)):
            return "strong"
        return "weak"
    if any(isinstance(n, _STRONG_NODES) for n in nodes):
        if (
            len(tree.body) == 1
            and isinstance(tree.body[0], ast.Expr)
            and _SPACED_CALL.search(code)
        ):
            return "weak"
        return "strong"
    return "weak"


def _fullwidth_comment_cut(text: str, state: ScanState | None = None) -> str:
    """``text`` up to a full-width ``＃`` typed where a comment starts (``f(x)   ＃ 3``).

    Python rejects the character, so the line still fails to run; but it is a line of code
    with a comment, not prose, and is read as such.
    """
    if "＃" not in text:
        return text
    sc = scan(text, state)
    for k, ch in enumerate(text):
        if sc.comment is not None and k >= sc.comment:
            break
        if ch == "＃" and sc.code_mask[k] and (k == 0 or text[k - 1].isspace()):
            return text[:k].rstrip()
    return text


_HEADING_WORDS = re.compile(
    r"^(?![eEjJxX][\d+\-])(?!(?:tensor|torch|dtype|device|requires_grad|grad_fn|True|False|None"
    r"|array|inf|nan)\b)[A-Za-z][A-Za-z0-9_.]*(?:\s+[\w./+\-&()]+)*\s*[:：]?\s*$"
)
_HEADING_CJK = re.compile(
    r"^(?![eEjJxX][\d+\-])(?!(?:tensor|torch|dtype|device)\b)[A-Za-z][\w. /+\-&]*\s*"
    f"[{_CJK}]"
)
_NUMBERED_HEADING = re.compile(r"^\d\.\s+\S")
_END_KEYWORDS = re.compile(r"\b(break|continue|pass|return|else|try|finally)$")
_STR_PREFIX = re.compile(r"(?:^|[^\w])[fFrRbBuU]{1,2}$")
_GLUED_TOKEN = re.compile(f"^[\\w/.\\-]*[{_CJK}]")


def cut_glue(text: str, keep: tuple[str, ...] = (), *, code: bool = False) -> tuple[str, str | None]:
    """Split prose glued onto the end of a code or output line: ``(head, glued)``.

    The glue starts where a closing bracket, quote or digit runs straight into Chinese text, a
    capitalised heading or a numbered heading (``print(x)张量的运算``, ``tensor([1])Tensor 操作``,
    ``x.to('cuda')2. Autograd``). Chinese text found in ``keep`` (the code's own string literals)
    is never glue. In ``code``, Chinese text straight after an identifier is glue too
    (``w.grad然后清空梯度``).
    """
    quote = None
    depth = 0
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = None
            i += 1
            continue
        if i > 0 and depth == 0:
            prev = text[i - 1]
            rest = text[i:]
            closer = prev in ")]}>'\"" or prev.isdigit()
            after_word = code and (prev.isascii() and (prev.isalnum() or prev == "_"))
            if CJK_RE.match(ch) and (closer or after_word or _END_KEYWORDS.search(text[:i])):
                if not any(rest.strip() and rest.strip()[:4] in lit for lit in keep):
                    return text[:i].rstrip(), rest
            elif ch.isalpha() and ch.isascii():
                word_end = bool(_END_KEYWORDS.search(text[:i])) and ch.isupper()
                if (closer or word_end) and (_HEADING_WORDS.match(rest) or _HEADING_CJK.match(rest)):
                    if len(re.match(r"[A-Za-z0-9_.]*", rest).group()) >= 2:
                        return text[:i].rstrip(), rest
            elif ch.isdigit() and prev in ")]}>'\"" and _NUMBERED_HEADING.match(rest):
                return text[:i].rstrip(), rest
            elif prev in ")]}>" and not ch.isspace() and _GLUED_TOKEN.match(rest):
                return text[:i].rstrip(), rest
            elif ch.isdigit() and prev.isdigit() and _NUMBERED_HEADING.match(rest):
                if re.search(r"\d\.\d*$", text[:i]):
                    return text[:i].rstrip(), rest
        if ch in "'\"" and (i == 0 or not text[i - 1].isalnum() or _STR_PREFIX.search(text[:i])):
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}" and depth:
            depth -= 1
        i += 1
    return text, None


# ---------------------------------------------------------------------------------------------
# Output text: what an interpreter prints, told from code
# ---------------------------------------------------------------------------------------------

# Only an interpreter writes these: a tensor's repr, an exception line, an object's address.
_REPR_LINE = re.compile(
    r"^(?:tensor\(|array\(|torch\.Size\(|Parameter containing:|Variable containing:|device\(type="
    r"|\[torch\.(?:cuda\.)?\w*Tensor of size [\dx]+(?: \(GPU \d+\))?\]$"
    r"|Traceback \(most recent call last\)|[A-Z]\w*(?:Error|Exception|Warning|Interrupt)(?::\s|$)"
    r"|<[\w.]+ object at 0x|<\w+Backward\d*[ >]"
    r"|torch\.(?:float|int|uint|bool|complex|bfloat|half|double|long|short|cfloat|cdouble)\d*$)"
)
_NUMBER_SEQ = re.compile(r"^[\[(][\[(\s\d.,eE+\-]*[\])]*,?$")
_TRACEBACK_BODY = re.compile(r"^\s*(?:File \"|\^+$|~+\^*~*$|\.\.\.$|…$)")




# After a repr's closing bracket, code goes on (``tensor([1]) + 1``, ``.shape``); output does not.
_CODE_AFTER_REPR = re.compile(r"^\s*(?:[-+*/@%=!&|^.\[]|(?!tensor\(|torch\.|array\()[A-Za-z_])")


def is_repr_line(text: str) -> bool:
    """Whether a line is something only an interpreter prints: ``tensor([1.])``, an exception
    line, ``torch.Size([2])``, ``<... object at 0x...>``; such a line is never code."""
    stripped = text.strip()
    m = _REPR_LINE.match(stripped)
    if m is None:
        return False
    if re.match(r"[A-Z]\w*(?:Error|Exception|Warning|Interrupt)", stripped):
        # "RuntimeError: 出现这个错误是因为……" explains an error, it does not show one
        return not re.search(r"[。，；！？]", stripped)
    if stripped.endswith(("(", "[")) or "(" not in stripped:
        return True
    close = _balanced_end(stripped, stripped.index("("))
    return close is None or not _CODE_AFTER_REPR.match(stripped[close + 1 :])


def _balanced_end(text: str, start: int) -> int | None:
    """Index of the bracket closing the one at ``start``, or ``None`` if it stays open."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] in "([{":
            depth += 1
        elif text[i] in ")]}":
            depth -= 1
            if depth == 0:
                return i
    return None


def is_value_line(text: str) -> bool:
    """Whether a line is a bare printed value (``6.0``, ``True False``, ``[1, 2]``, ``cuda:0``):
    output when it follows code that prints, meaningless as code on its own."""
    stripped = text.strip()
    if VALUES_LINE.match(stripped) or DEVICE_NAME.match(stripped):
        return True
    return bool(_NUMBER_SEQ.match(stripped)) and any(ch.isdigit() for ch in stripped)


def open_depth(text: str) -> int:
    """How many brackets ``text`` leaves open (negative when it closes more than it opens)."""
    depth = 0
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
    return depth


def output_run(lines: list[str], start: int) -> tuple[int, list[str], str | None]:
    """The output lines from ``start``: ``(end, lines, glued prose)``.

    The run goes on while a bracket of the output is open, and over further printed lines
    (values, reprs, a traceback's frames); it stops at a blank line, at code, or at prose glued
    onto the end of an output line (``tensor([2, 3])可以看到``).
    """
    out: list[str] = []
    depth = 0
    j = start
    while j < len(lines):
        raw = lines[j].rstrip()
        stripped = raw.strip()
        if not stripped:
            break
        if out and depth <= 0 and not (
            is_repr_line(stripped) or is_value_line(stripped) or _TRACEBACK_BODY.match(raw)
        ):
            break
        head, glued = cut_glue(stripped)
        out.append(head if glued is not None else raw)
        depth += open_depth(head)
        j += 1
        if glued is not None:
            return j, out, glued
    return j, out, None


def split_code_output(line: str) -> tuple[str, str, str | None] | None:
    """Split a line holding a statement and what it printed: ``(code, output, glued prose)``.

    ``print(c.shape) torch.Size([2, 3])``, ``x.dtype torch.float32``, ``a + b tensor([5, 7])``:
    the line does not parse, the text before some space is one statement that shows a value (a
    call of ``print`` or a bare expression) and the rest reads as printed output. An assignment
    followed by a repr (``t = torch.ones(2) tensor([1., 1.])``) names the value assigned.
    ``None`` when the line is not such a pair.
    """
    text = line.strip()
    if not text or _try_parse(text) is not None:
        return None
    sc = scan(text)
    depth = 0
    for i, ch in enumerate(text):
        if not sc.code_mask[i]:
            continue
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == " " and depth == 0 and i + 1 < len(text) and text[i + 1] != " ":
            head = text[:i].rstrip()
            tree = _try_parse(head)
            stmt = tree.body[0] if tree is not None and len(tree.body) == 1 else None
            tail, glued = cut_glue(text[i + 1 :], code=True)
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(
                stmt.targets[0], ast.Name
            ):
                if is_repr_line(tail.split("\n", 1)[0]):
                    return head, tail, glued  # ``t = torch.full((2,), 1) tensor([1, 1])``: t
                continue
            if not isinstance(stmt, ast.Expr) or isinstance(stmt.value, ast.Constant):
                continue  # "0 6" is two printed values, not a statement and its output
            if _printed(tail, stmt.value):
                return head, tail, glued
    return None


def _printed(tail: str, value: ast.expr) -> bool:
    first = tail.split("\n", 1)[0].strip()
    if is_repr_line(first):
        return True
    if is_value_line(first):
        # "PyTorch 2.0", "Node.js 18": a name then a number is prose; a value needs an
        # expression that computes something, or a flag named by an attribute
        if isinstance(value, ast.Name):
            return False
        if isinstance(value, ast.Attribute):
            return bool(re.fullmatch(r"(?:True|False|None|cuda|cpu|mps)(?::\d+)?", first))
        return True
    if open_depth(first) > 0 and re.match(r"^[\[(]+\s*-?\d[\d.eE+\-]*,", first):
        return True  # the first row of a printed matrix, continued on the next lines
    func = value.func if isinstance(value, ast.Call) else None
    if isinstance(func, ast.Name) and func.id == "print":
        for node in ast.walk(value):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                label = node.value.strip()
                if len(label) >= 2 and first.startswith(label):
                    return True  # ``print("loss:", x) loss: 0.25``
    return False


# ---------------------------------------------------------------------------------------------
# Lines squeezed together: ``a = f(1) print(a) # 结果: tensor(...)``
# ---------------------------------------------------------------------------------------------

_NOT_STARTERS = {"and", "or", "not", "in", "is", "lambda", "as", "if", "else", "for", "from",
                 "async", "await"}
_STMT_START = re.compile(
    r"(?:print\s*\(|for\s+[A-Za-z_(]|if\s+\S|while\s+\S|def\s+\w|class\s+\w|import\s+\w"
    r"|from\s+[\w.]+\s+import|return\b|with\s+\S"
    r"|(?!tensor\b)[A-Za-z_][\w.]*(?:\[[^\]]*\])?\s*(?:=(?!=)|\+=|-=|\*=|/=)"
    r"|(?!torch\.Size)[A-Za-z_]\w*\.[\w.]*\()"
)
_MARKER_IN_COMMENT = re.compile(
    r"^\s*(?:#\s*)*(?:(?:运行结果|输出结果|执行结果|打印结果|结果|输出|output|result)s?\s*(?:如下|为|是)?"
    r"\s*[:：]|(?:运行结果|输出结果|执行结果|打印结果|结果)\s+)",
    re.IGNORECASE,
)


@dataclass
class FlatLine:
    """A squeezed line split into statements, with the comments and claims found in it."""

    statements: list[str]
    comments: dict[int, str]  # statement index -> trailing comment text
    output_claims: list[tuple[int, str]]  # (statement index, claimed output) found as code
    block_claim: str | None  # the text after a "结果:" marker in a comment: all the line printed


def _split_code(code: str) -> list[str] | None:
    """Split one line of code (no comment) into statements at boundaries a newline would mark."""
    try:
        toks = [
            t
            for t in tokenize.generate_tokens(io.StringIO(code).readline)
            if t.type not in (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER, tokenize.INDENT,
                              tokenize.DEDENT, tokenize.COMMENT)
        ]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None
    cuts: list[int] = []
    depth = 0
    stmt_first = 0
    for k, tok in enumerate(toks):
        if k > 0 and depth == 0:
            prev = toks[k - 1]
            header = toks[stmt_first].string in _COMPOUND
            if prev.string == ":" and header and _first_colon(toks, stmt_first) == k - 1:
                cuts.append(tok.start[1])
                stmt_first = k
            elif _ends_expr(prev) and _starts_stmt(toks, k):
                cuts.append(tok.start[1])
                stmt_first = k
        if tok.type == tokenize.OP and tok.string in "([{":
            depth += 1
        elif tok.type == tokenize.OP and tok.string in ")]}":
            depth = max(0, depth - 1)
    pieces = []
    start = 0
    for cut in cuts:
        pieces.append(code[start:cut].strip())
        start = cut
    pieces.append(code[start:].strip())
    return [p for p in pieces if p]


def _first_colon(toks: list[tokenize.TokenInfo], first: int) -> int | None:
    depth = 0
    for k in range(first, len(toks)):
        s = toks[k].string
        if s in "([{":
            depth += 1
        elif s in ")]}":
            depth -= 1
        elif s == ":" and depth == 0:
            return k
    return None


def _ends_expr(tok: tokenize.TokenInfo) -> bool:
    if tok.type == tokenize.NAME:
        return not keyword.iskeyword(tok.string) or tok.string in (
            "True", "False", "None", "break", "continue", "pass")
    if tok.type in (tokenize.NUMBER, tokenize.STRING):
        return True
    return tok.type == tokenize.OP and tok.string in (")", "]", "}")


def _starts_stmt(toks: list[tokenize.TokenInfo], k: int) -> bool:
    tok = toks[k]
    prev = toks[k - 1]
    if tok.type == tokenize.STRING:
        return prev.type != tokenize.STRING
    if tok.type == tokenize.NUMBER:
        return prev.type != tokenize.NUMBER
    if tok.type != tokenize.NAME:
        return False
    word = tok.string
    nxt = toks[k + 1].string if k + 1 < len(toks) else ""
    if word in ("else", "finally"):
        return nxt == ":"
    if word == "for":
        return True
    if word == "if":
        depth = 0
        for later in toks[k + 1 :]:
            if later.string in "([{":
                depth += 1
            elif later.string in ")]}":
                depth -= 1
            elif depth == 0 and later.string == "else":
                return False
            elif depth == 0 and later.string == ":":
                return True
        return False
    if word == "from":
        return any(t.string == "import" for t in toks[k + 1 : k + 6])
    return word not in _NOT_STARTERS


def _parses_as_statements(stmts: list[str]) -> bool:
    return bool(stmts) and all(parse_line(s) is not None for s in stmts)


_NESTED_MARKER = re.compile(
    r"#\s*(?:(?:运行结果|输出结果|执行结果|打印结果|结果|输出|output|result)s?\s*(?:如下|为|是)?\s*[:：]"
    r"|(?:运行结果|输出结果|执行结果|打印结果|结果)\s+)",
    re.IGNORECASE,
)


def _resume_code(comment: str) -> int | None:
    """Where code starts again inside a comment of a squeezed line, if it does.

    Text after an output marker (``# 结果:``) is output, never code.
    """
    if _MARKER_IN_COMMENT.match(comment):
        return None
    nested = _NESTED_MARKER.search(comment)
    limit = nested.start() if nested else len(comment)
    for m in re.finditer(r"[A-Za-z_]", comment[:limit]):
        p = m.start()
        if p > 0 and not (comment[p - 1].isspace() or CJK_RE.match(comment[p - 1])):
            continue
        if not _STMT_START.match(comment, p):
            continue
        rest = split_flat(comment[p:], _nested=True)
        if (
            rest is not None
            and _parses_as_statements(rest.statements)
            and line_kind(rest.statements[0]) == "strong"
        ):
            return p
    return None


def _is_output_statement(stmt: str) -> bool:
    tree = _try_parse(stmt)
    if tree is None or len(tree.body) != 1 or not isinstance(tree.body[0], ast.Expr):
        return False
    value = tree.body[0].value
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "tensor":
        return all(isinstance(n, (ast.Constant, ast.List, ast.Tuple, ast.UnaryOp, ast.USub,
                                  ast.Load, ast.Name, ast.Attribute, ast.keyword, ast.Call))
                   for n in ast.walk(value))
    return False


def split_flat(line: str, _nested: bool = False) -> FlatLine | None:
    """Split a squeezed line into statements, or ``None`` if it is not squeezed code."""
    statements: list[str] = []
    comments: dict[int, str] = {}
    text = line.strip()
    block_claim = None
    while text:
        sc = scan(text)
        if sc.state.open and sc.comment is None:
            return None
        code = text[: sc.comment] if sc.comment is not None else text
        pieces = _split_code(code) if code.strip() else []
        if pieces is None:
            return None
        statements.extend(pieces)
        if sc.comment is None:
            break
        comment = text[sc.comment + 1 :]
        m = _MARKER_IN_COMMENT.match(comment)
        if m:
            block_claim = comment[m.end() :].strip()
            break
        resume = _resume_code(comment)
        if resume is None:
            nested = _NESTED_MARKER.search(comment)
            if nested:
                block_claim = comment[nested.end() :].strip()
                comment = comment[: nested.start()]
            if statements and comment.strip():
                comments[len(statements) - 1] = comment.strip()
            break
        if statements:
            comments[len(statements) - 1] = comment[:resume].strip()
        text = comment[resume:]
    if not statements:
        return None
    output_claims: list[tuple[int, str]] = []
    kept: list[str] = []
    kept_comments: dict[int, str] = {}
    for k, stmt in enumerate(statements):
        if kept and _is_output_statement(stmt):
            if output_claims and output_claims[-1][0] == len(kept) - 1:
                idx, prior = output_claims[-1]
                output_claims[-1] = (idx, prior + " " + stmt)
            else:
                output_claims.append((len(kept) - 1, stmt))
            continue
        if k in comments:
            kept_comments[len(kept)] = comments[k]
        kept.append(stmt)
    if not _nested and len(kept) + len(output_claims) < 2 and block_claim is None:
        return None
    return FlatLine(kept, kept_comments, output_claims, block_claim)


_NUMBER_MARK = re.compile(r"(?:^|\s)(\d{1,3})\.(?=\s|$)")


def split_numbered(line: str) -> list[str] | None:
    """Split ``1. import torch 2. x = 1 3.`` (a listing with its line numbers) into lines."""
    marks = [m for m in _NUMBER_MARK.finditer(line)]
    chosen = []
    expect = 1
    for m in marks:
        if int(m.group(1)) == expect:
            chosen.append(m)
            expect += 1
    if len(chosen) < 3 or chosen[0].start() > 0:
        return None
    lines = []
    for k, m in enumerate(chosen):
        end = chosen[k + 1].start() if k + 1 < len(chosen) else len(line)
        lines.append(line[m.end() : end].strip())
    return lines


# ---------------------------------------------------------------------------------------------
# Re-indenting a block whose indentation was lost
# ---------------------------------------------------------------------------------------------

_COMMON_NAMES = {
    "torch", "np", "nn", "F", "optim", "plt", "print", "range", "len", "self", "super", "sum",
    "min", "max", "abs", "enumerate", "zip", "list", "dict", "int", "float", "str", "tuple", "set",
    "isinstance", "type", "math", "random", "time", "os", "sys", "pd", "format", "round",
}
_LOOP_IDIOM = re.compile(
    r"\.(?:backward|step|zero_grad|zero_)\(|\.grad\b|\.data\b|^\w+\s*[-+*/]=\s*"
)


def _names(code: str) -> set[str]:
    words = set(re.findall(r"[A-Za-z_]\w*", code))
    return {w for w in words if not keyword.iskeyword(w) and w not in _COMMON_NAMES}


def _bound_names(code: str) -> set[str]:
    tree = parse_line(code)
    if tree is None:
        return set()
    bound = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
        elif isinstance(node, (ast.Attribute, ast.Subscript)) and isinstance(node.ctx, ast.Store):
            root = node
            while isinstance(root, (ast.Attribute, ast.Subscript)):
                root = root.value
            if isinstance(root, ast.Name):
                bound.add(root.id)
    return bound


@dataclass
class _Frame:
    kind: str
    name: str = ""
    nstmts: int = 0
    ended: bool = False
    comment_since: bool = False
    bound: set[str] = field(default_factory=set)
    used: set[str] = field(default_factory=set)
    accumulated: set[str] = field(default_factory=set)  # only ever updated with ``+=`` and such

    @property
    def carried(self) -> set[str]:
        """Names bound in the body that a later line would use only inside the loop."""
        return self.bound - self.accumulated


def _logical_lines(lines: list[str]) -> list[list[int]]:
    groups: list[list[int]] = []
    state = ScanState()
    for k, line in enumerate(lines):
        if state.open and groups:
            groups[-1].append(k)
        else:
            groups.append([k])
        state = scan(line, state).state
    return groups


def _is_opener(code: str) -> bool:
    word = code.split(None, 1)[0].rstrip(":") if code.strip() else ""
    return word in _COMPOUND and code.rstrip().endswith(":")


def _without_comment(line: str) -> str:
    sc = scan(line)
    return (line[: sc.comment] if sc.comment is not None else line).strip()


def _first_word(code: str) -> str:
    m = re.match(r"[A-Za-z_]\w*", code.strip())
    return m.group() if m else ""


def _is_method(def_line: str) -> bool:
    m = re.match(r"\s*(?:async\s+)?def\s+\w+\s*\(\s*(self|cls)\b", def_line)
    return m is not None


def reindent(lines: list[str]) -> list[str]:
    """Re-indent a block whose lines all lost their indentation, as a reader would read it.

    Bodies follow the block headers (``def``, ``for``, ``if`` ...); a body ends at a ``return``,
    a ``break``, an ``elif``/``else``, a ``def``/``class`` at top level, a call of the function
    being defined, or, for ``if`` bodies, the next commented step. A loop body keeps the lines
    that use the loop's variables (or are training steps such as ``loss.backward()``).
    """
    groups = _logical_lines(lines)
    codes = [_code_only(lines[g[0]])[0].strip() for g in groups]
    texts = [_without_comment(" ".join(lines[k] for k in g)) for g in groups]
    out = list(lines)
    stack: list[_Frame] = []
    for gi, group in enumerate(groups):
        first = lines[group[0]].strip()
        code = codes[gi]
        if not code:  # a comment or blank line
            if stack and first.startswith("#"):
                stack[-1].comment_since = True
            _emit(out, lines, group, len(stack))
            continue
        word = _first_word(code)
        if first.startswith("@"):
            nxt = next((codes[j] for j in range(gi + 1, len(groups)) if codes[j]
                        and not codes[j].startswith("@")), "")
            _place_def(stack, nxt)
        elif word == "if" and re.match(r"if\s+__name__\s*==", code):
            stack.clear()
        elif word == "class":
            stack.clear()
        elif word in ("def", "async") and "def" in code.split("(")[0]:
            prev_deco = gi > 0 and codes[gi - 1].startswith("@")
            if not prev_deco:
                _place_def(stack, code)
        elif word in ("elif", "else", "except", "finally"):
            targets = {
                "elif": ("if", "elif"),
                "else": ("if", "elif", "for", "while", "try", "except"),
                "except": ("try", "except"),
                "finally": ("try", "except", "else"),
            }[word]
            for k in range(len(stack) - 1, -1, -1):
                if stack[k].kind in targets:
                    del stack[k:]
                    break
        else:
            later = [texts[j] for j in range(gi + 1, min(gi + 12, len(groups))) if codes[j]]
            _pop_finished(stack, texts[gi], word, later)
        _emit(out, lines, group, len(stack))
        if stack:
            frame = stack[-1]
            frame.nstmts += 1
            frame.comment_since = False
            frame.used |= _names(texts[gi])
            new_bound = _bound_names(texts[gi])
            aug = re.match(r"^([A-Za-z_]\w*)\s*[-+*/%@]=", texts[gi])
            if aug:
                if aug.group(1) not in frame.bound:
                    frame.accumulated.add(aug.group(1))
            else:
                frame.accumulated -= new_bound
            frame.bound |= new_bound
            if word in ("return", "raise", "break", "continue", "pass"):
                frame.ended = True
        if _is_opener(code):
            kind = "def" if word == "async" else word
            name = ""
            bound: set[str] = set()
            if kind in ("def", "class"):
                m = re.match(r"(?:async\s+)?(?:def|class)\s+(\w+)", code)
                name = m.group(1) if m else ""
            elif kind == "for":
                m = re.match(r"for\s+(.*?)\s+in\s", code)
                bound = _names(m.group(1)) if m else set()
            elif kind == "with":
                bound = set(re.findall(r"\bas\s+([A-Za-z_]\w*)", code))
            stack.append(_Frame(kind, name, bound=bound))
    return out


def _place_def(stack: list[_Frame], def_line: str) -> None:
    if def_line.startswith("class"):
        stack.clear()
        return
    cls = max((k for k, f in enumerate(stack) if f.kind == "class"), default=None)
    if cls is not None and _is_method(def_line):
        del stack[cls + 1 :]
    else:
        stack.clear()


def _pop(stack: list[_Frame]) -> None:
    """Close the innermost body; its names belong to the enclosing body too."""
    frame = stack.pop()
    if stack:
        stack[-1].bound |= frame.bound
        stack[-1].used |= frame.used
        stack[-1].accumulated -= frame.bound


def _pop_finished(stack: list[_Frame], code: str, word: str, later: list[str]) -> None:
    names = _names(code)
    bound_here = _bound_names(code)
    while stack:
        f = stack[-1]
        if f.ended:
            _pop(stack)
            continue
        if f.kind == "class":
            if not re.match(r"^[rRuUbBfF]*['\"]", code):
                _pop(stack)
                continue
            break
        if f.kind == "def":
            if f.name and re.search(rf"(?<![.\w]){re.escape(f.name)}\s*\(", code):
                _pop(stack)
                continue
            break
        if f.nstmts == 0:
            break
        if f.kind in ("if", "elif", "else", "with", "try", "except", "finally"):
            if word == "if" and not names & f.bound:
                _pop(stack)
                continue
            if f.comment_since:
                if names & f.bound or (
                    _is_opener(code) and any(_names(c) & f.bound for c in later[:6])
                ):
                    break
                _pop(stack)
                continue
            break
        if f.kind in ("for", "while"):
            if word == "return" and any(g.kind == "def" for g in stack[:-1]):
                _pop(stack)
                continue
            if _LOOP_IDIOM.search(code) or names & f.carried:
                break
            if _is_opener(code) and any(_names(c) & f.bound for c in later[:6]):
                break
            if bound_here and any(
                _names(c) & bound_here and (_LOOP_IDIOM.search(c) or _names(c) & f.bound)
                for c in later[:8]
            ):
                break
            if f.comment_since or not names & (f.used - f.accumulated):
                _pop(stack)
                continue
        break


def _emit(out: list[str], lines: list[str], group: list[int], level: int) -> None:
    pad = "    " * level
    out[group[0]] = pad + lines[group[0]].strip()
    state = scan(lines[group[0]]).state
    for k in group[1:]:
        if state.quote:
            out[k] = lines[k]
        else:
            out[k] = pad + "    " + lines[k].strip()
        state = scan(lines[k], state).state
