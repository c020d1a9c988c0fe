"""Claims written in code comments: trailing ``# tensor(...)``, continued and following comment blocks.

Also the two readings every claim gets, whatever style wrote it: whether it shows an exception
(:func:`expected_error`) and whether it is a hand-written approximation (:func:`approximation`).
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass

from recipes.checker.model import Block, Claim, ClaimKind
from recipes.checker.parse.markers import CLAIM_MARKER, DEVICE_NAME, LEAD_WORD, VALUES_LINE
from recipes.checker.parse.textcode import CJK_RE, has_cjk, open_depth

CJK_CLASS = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_LEAD = re.compile(f"^[{CJK_CLASS}\\s]{{1,12}}(?=tensor\\(|torch\\.Size\\(|\\(\\d+\\s*,)")
_OUTPUT_START = re.compile(
    r"^(?:tensor\(|torch\.|array\(|Parameter containing|<class|<torch|<[A-Za-z_][^<>]*>$"
    r"|\(tensor|\(\)|\[|\{|dtype=|device\(|['\"])"
)
# What else only a printout looks like: a module's repr, a version, an absolute path.
_PRINTED = re.compile(
    r"^(?:[A-Z][\w.]*\((?:\w+=[^()]*(?:\([^()]*\))?[^()]*)*\)|\d+\.\d+\.\d+(?:[+.\w-]*)"
    r"|(?:/|~/|[A-Za-z]:\\)[\w./\\-]+)$"
)
_NUM_TUPLE = re.compile(r"^\((?:\s*-?\d[\d.eE+\-]*\s*,?)+\)$")
_DTYPE_NAME = re.compile(r"^(?:u?int(?:8|16|32|64)|float(?:16|32|64)|complex(?:64|128)|bool_?"
                         r"|bfloat16)$")  # NumPy prints a dtype by its bare name
_STRICT_START = re.compile(r"^(?:tensor\(|torch\.Size\(|array\(|\[\s*[-\d\[])(?:.*[)\]])?$")
_ANNOTATION = re.compile(r"\s*\((?:=|≈|~|i\.e\.|即|e\.g\.)[^)]*\)\s*$")
_CJK_STOPS = set("，。；：、！？")  # full-width punctuation that ends a value before a remark
# "3c² = 12.0", "f(2) = tensor(4.)": a value named by what it computes, after one "="
_EQUATION = re.compile(r"^[^=<>!\s][^=<>!]{0,24}?\s*=\s*(?P<value>[^=].*)$")
# "即 cos(1)，约 0.54": an approximate value at the end of a remark
_APPROX_TAIL = re.compile(
    r"(?:[，,；;：:]\s*|\s)(?:大约|约等于|约为|约|近似为|≈|about|approx(?:imately|\.)?|roughly)"
    r"\s*[:：=]?\s*(?P<value>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*[。.]?$",
    re.I,
)
_POINTER = re.compile(r"\s+(?:<-+|←)(?:\s.*)?$")  # "tensor([1]) <- look here": the note is cut
# An exception as Python shows it last in a traceback: ``ValueError: ...``,
# ``torch.OutOfMemoryError: ...``; warnings are printed, never raised, so they are not here.
_EXCEPTION_LINE = re.compile(
    r"^(?:[A-Za-z_]\w*\.)*(?:[A-Z]\w*(?:Error|Exception)|StopIteration|StopAsyncIteration"
    r"|KeyboardInterrupt|SystemExit|GeneratorExit)(?P<message>\s*:\s*\S.*|:)?$"
)
_TRACEBACK = "Traceback (most recent call last)"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_ERROR_MARKER = re.compile(r"^(?:会?报错|抛出|异常|错误信息|raises?|throws?)\s*[:：]?\s*", re.I)
_APPROX_WORD = re.compile(
    r"^(?:大约|大概|约等于|约为|约|近似为|近似|≈|~|about|approx(?:imately|\.)?|roughly|around"
    r"|circa|nearly)\s*[:：=]?\s*(?=[-+\d.(\[]|tensor\()",
    re.I,
)
_APPROX_SUFFIX = re.compile(
    r"\s*(?:左右|上下|\(approx(?:imately|\.)?\)|(?<=\d)(?:\.{3}|…))$", re.I  # 0.333... repeats
)


def _balanced_prefix(text: str) -> str:
    depth = 0
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                return text[: i + 1]
    return text


def _mask_literals(text: str, literals: tuple[str, ...]) -> str:
    """``text`` with the program's own string pieces blanked out, so that the Chinese in a
    printed label (``f"x 的梯度：{g}"``) is not taken for prose glued to the output."""
    for lit in sorted({lit.strip() for lit in literals if has_cjk(lit)}, key=len, reverse=True):
        if len(lit) >= 2:
            text = text.replace(lit, "_" * len(lit))
    return text


def _cut_annotation(text: str, literals: tuple[str, ...]) -> str:
    quote = None
    depth = 0
    for i, ch in enumerate(_mask_literals(text, literals)):
        if quote:
            if ch == quote:
                quote = None
            continue
        if ch in "'\"" and (i == 0 or not text[i - 1].isalnum()):
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(0, depth - 1)
        elif depth == 0 and CJK_RE.match(ch) and i > 0:
            rest = text[i:].strip()
            if not any(rest[:2] in lit for lit in literals if lit):
                if ch in _CJK_STOPS:
                    text = text[:i]  # "None，还没有反向传播": the value, then a remark
                    break
                if is_values(text[:i]) and re.search(r"\d", rest):
                    return ""  # "0 到 1 之间取 5 个点": numbers inside a sentence
                if text[i - 1].isalnum():
                    return ""  # "0轴第一个": a number inside prose, not an output
                text = text[:i]
                break
        elif depth == 0 and ch == "#" and i > 0 and text[i - 1].isspace():
            text = text[:i]
            break
    return _POINTER.sub("", _ANNOTATION.sub("", text)).rstrip()


def _looks_like_output(text: str, literals: tuple[str, ...], strict: bool) -> bool:
    if not text:
        return False
    if strict:
        return bool(_STRICT_START.match(text))
    for lit in literals:
        label = lit.strip()
        if len(label) >= 2 and text.startswith(label):
            return True
    return bool(
        _OUTPUT_START.match(text)
        or VALUES_LINE.match(text)
        or _NUM_TUPLE.match(text)
        or DEVICE_NAME.match(text)
        or _DTYPE_NAME.match(text)
        or _PRINTED.match(text)
        or _printed_items(text)
    )


def _printed_items(text: str) -> bool:
    """Whether text is what ``print(a, b, c)`` writes: two or more values and reprs separated by
    spaces (``2 12 torch.Size([3, 4])``), each a number, a constant or a bracketed repr."""
    items, depth, start = [], 0, 0
    for i, ch in enumerate(text + " "):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == " " and depth == 0:
            if text[start:i]:
                items.append(text[start:i])
            start = i + 1
    return len(items) >= 2 and depth == 0 and all(
        VALUES_LINE.match(item) or (_STRICT_START.match(item) and item.endswith((")", "]")))
        or DEVICE_NAME.match(item)
        for item in items
    )


def _comment_body(comment: str) -> tuple[str, bool]:
    """The comment's text without its ``#`` s, and whether it opened with ``#>`` (knitr's mark)."""
    text = comment.strip()
    knitr = text.startswith("#>")
    while text.startswith("#"):
        text = text[1:].strip()
    if knitr:
        text = text[1:].strip()
    return text, knitr


_NUMBERED_STEP = re.compile(r"^\d{1,2}\s*[.、)）]\s*[^\d\s.,)\]]")


def claim_text(comment: str, literals: tuple[str, ...] = (), strict: bool = False) -> str | None:
    """The output claimed by a comment, or ``None`` if the comment is prose.

    ``# tensor([1, 2])`` and ``# 输出: tensor(16.)`` are claims, ``# 输出向量的梯度`` and
    ``# shares memory`` are not. An empty string means a bare marker (``# 输出:``) whose output
    follows on the next comment lines. ``strict`` (for a comment on an assignment) accepts only
    unmistakable values such as ``tensor(...)`` or ``[1, 2]``. An exception
    (``# ValueError: ...``, ``# 报错：RuntimeError: ...``) is a claim whatever the statement.
    """
    text, knitr = _comment_body(comment)
    if _NUMBERED_STEP.match(text):
        return None  # "# 5. 前向传播", "# 2) load the data": a step heading, not a value
    error = _error_claim(text)
    if error is not None:
        return error
    marker = CLAIM_MARKER.match(text)
    if marker:
        text = text[marker.end() :].strip()
        if not text:
            return ""
    elif knitr:
        return text
    elif lead := LEAD_WORD.match(text):
        text = text[lead.end() :]
    elif lead := _CJK_LEAD.match(text):
        return _balanced_prefix(text[lead.end() :])
    elif not strict and (eq := _EQUATION.match(text)) and _equated(eq, literals):
        text = eq.group("value")
    cut = _cut_annotation(text, literals)
    if strict and cut != text.split(" #")[0].rstrip():
        return None  # a value followed by prose describes an argument, not the output
    text = cut
    if _looks_like_output(text, literals, strict):
        return text
    if marker and text and not has_cjk(text) and not strict:
        return text
    return None


def _equated(eq: re.Match[str], literals: tuple[str, ...]) -> bool:
    """Whether "3c² = 12.0" names a value on the right, not more of a formula (``2x + 3``), and
    is no output itself (``tensor([1.], device='cpu')``: the ``=`` is inside a repr)."""
    left = eq.string[: eq.start("value")]
    return not _unbalanced(left) and "'" not in left and '"' not in left and _looks_like_output(
        _cut_annotation(eq.group("value").strip(), literals), (), False)


def _error_claim(text: str) -> str | None:
    """The shown exception in a comment's text (a traceback's first or last line), else None."""
    body = _ERROR_MARKER.sub("", text, count=1)
    body = CLAIM_MARKER.sub("", body, count=1).strip()
    shown = _EXCEPTION_LINE.match(body)
    if body.startswith(_TRACEBACK) or (shown and shown.group("message")):
        return body
    return None


def approximation(comment: str) -> str | None:
    """The value of a hand-written approximation (``# 约 0.333``, ``# ≈ 0.33``, ``# 0.33 左右``).

    Returns the value as written, without the words that say it is approximate, or ``None`` when
    the comment is not an approximation of a value.
    """
    text, _ = _comment_body(comment)
    marker = CLAIM_MARKER.match(text)
    if marker:
        text = text[marker.end() :].strip()
    word = _APPROX_WORD.match(text)
    suffix = _APPROX_SUFFIX.search(text)
    tail = _APPROX_TAIL.search(text)
    if tail and not word and not suffix:
        return tail.group("value")  # "即 cos(1)，约 0.54"
    if word:
        text = text[word.end() :]
    elif suffix:
        text = text[: suffix.start()]
    else:
        return None
    text = _APPROX_SUFFIX.sub("", text).strip().rstrip("。.,，;；")
    if text and (VALUES_LINE.match(text) or _NUM_TUPLE.match(text)
                 or _STRICT_START.match(text)):
        return text
    return None


def is_exception_line(text: str) -> bool:
    """Whether a line is an exception as a traceback ends: ``ValueError: bad value``."""
    shown = _EXCEPTION_LINE.match(text.strip())
    return bool(shown and shown.group("message"))


def is_values(text: str) -> bool:
    """Whether a line holds only values: ``3``, ``0.5 0.25``, ``True``, ``(3, 5)``."""
    text = text.strip()
    return bool(VALUES_LINE.match(text) or _NUM_TUPLE.match(text))


def expected_error(text: str) -> str | None:
    """The exception a shown output says the code raises: its last ``Name: message`` line.

    A region shows an exception when it ends with such a line or holds a traceback; printed text
    that merely mentions an error name elsewhere does not.
    """
    lines = [_ANSI.sub("", ln).strip() for ln in text.split("\n")]
    lines = [ln for ln in lines if ln]
    if not lines:
        return None
    last = _EXCEPTION_LINE.match(lines[-1])
    if last and last.group("message"):
        return lines[-1]
    if any(_TRACEBACK in ln for ln in lines):
        found = [ln for ln in lines if _EXCEPTION_LINE.match(ln)]
        if found:
            return found[-1]
    return None


def _literals(node: ast.AST) -> tuple[str, ...]:
    found = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            found.append(sub.value)
    return tuple(found)


def _is_print(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Name)
        and node.value.func.id == "print"
    )


def _claimable(node: ast.stmt) -> str | None:
    if _is_print(node):
        return "print"
    if isinstance(node, ast.Expr):
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return None
        return "expr"
    if (
        isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
    ):
        return "assign"
    return None


def _contains_print(node: ast.AST) -> bool:
    return any(_is_print(sub) for sub in ast.walk(node))


def _unbalanced(text: str) -> bool:
    return open_depth(text) > 0


def _output_comment_line(text: str) -> bool:
    body = text.strip().lstrip("#").strip()
    if not body:
        return False
    if re.match(r"^[.…]{3,}$", body):
        return True
    if re.search(r"tensor\(|torch\.|\[|\]|\d|True|False|->|:", body) and not re.search(
        r"[。，、；！？]", body
    ):
        return not (has_cjk(body) and not re.search(r"[\d\[\]()]", body))
    return False


@dataclass
class _Comment:
    row: int
    col: int
    text: str
    trailing: bool


def _comments(source: str) -> list[_Comment]:
    found = []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return []
    code_rows: set[int] = set()
    for tok in tokens:
        if tok.type == tokenize.COMMENT:
            found.append(_Comment(tok.start[0], tok.start[1], tok.string, tok.start[0] in code_rows))
        elif tok.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
                              tokenize.ENDMARKER):
            for row in range(tok.start[0], tok.end[0] + 1):
                code_rows.add(row)
    return found


def prints_caught_errors(tree: ast.Module | None) -> bool:
    """Whether code prints inside an ``except`` handler: an error line it shows was printed by
    the handler (``print(f"{type(e).__name__}: {e}")``), not raised."""
    return tree is not None and any(
        isinstance(node, ast.ExceptHandler) and any(_contains_print(stmt) for stmt in node.body)
        for node in ast.walk(tree)
    )


def first_row(node: ast.stmt) -> int:
    """The first line of a statement, counting its decorators (``node.lineno`` skips them)."""
    decorators = getattr(node, "decorator_list", [])
    return min([node.lineno] + [d.lineno for d in decorators])


@dataclass
class _Scopes:
    """Where each row of a block sits: its function, its outermost statement, its innermost simple
    statement, and the rows no claim can be on (inside a lambda)."""

    function: dict[int, str]
    top: dict[int, ast.stmt]
    simple_end: dict[int, ast.stmt]
    excluded: set[int]
    handled: set[int]  # rows inside an ``except`` handler: what they show was caught


_COMPOUND = (ast.For, ast.AsyncFor, ast.While, ast.If, ast.With, ast.AsyncWith, ast.Try,
             ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Match)
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def _rows(node: ast.AST) -> range:
    start = first_row(node) if isinstance(node, ast.stmt) else node.lineno
    return range(start, (node.end_lineno or node.lineno) + 1)


def _scopes(tree: ast.Module) -> _Scopes:
    scopes = _Scopes({}, {}, {}, set(), set())

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, _FUNCTIONS):
                name = prefix + child.name
                for stmt in child.body:
                    for row in _rows(stmt):
                        scopes.function[row] = name
                        scopes.top[row] = stmt
                visit(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")
            else:
                visit(child, prefix)

    for stmt in tree.body:
        for row in _rows(stmt):
            scopes.top[row] = stmt
    visit(tree, "")
    for node in ast.walk(tree):
        if isinstance(node, ast.Lambda):
            scopes.excluded.update(_rows(node))
        if isinstance(node, ast.ExceptHandler):
            scopes.handled.update(_rows(node))
        if isinstance(node, ast.stmt) and not isinstance(node, _COMPOUND):
            end = node.end_lineno or node.lineno
            if end not in scopes.simple_end or scopes.simple_end[end].lineno < node.lineno:
                scopes.simple_end[end] = node
    return scopes


def _claim_of(comment: str, literals: tuple[str, ...], strict: bool) -> tuple[str, bool] | None:
    """(claimed text, is an approximation) of a comment, or ``None`` for prose."""
    approx = approximation(comment)
    if approx is not None:
        return approx, True
    text = claim_text(comment, literals, strict=strict)
    return None if text is None else (text, False)


def comment_claims(block: Block, tree: ast.Module) -> list[Claim]:
    """Claims written as comments in a parsed block: trailing, continued and following blocks.

    A claim inside a function body names the function (``Net.forward``): it prints only when
    called. There only ``print`` calls and exceptions can be claimed, since a bare expression in a
    function shows nothing and a comment on an assignment there annotates (``# [N, 32, 26, 26]``).
    """
    return _ClaimReader(block, tree).read()


class _ClaimReader:
    """Reads one block's comments in order; a comment joined to an earlier claim is used up."""

    def __init__(self, block: Block, tree: ast.Module) -> None:
        self.block = block
        self.lines = block.source.split("\n")
        self.comments = _comments(block.source)
        self.by_row = {c.row: c for c in self.comments}
        self.scopes = _scopes(tree)
        self.claims: list[Claim] = []
        self.used: set[int] = set()

    def read(self) -> list[Claim]:
        for c in self.comments:
            if c.row in self.used or c.row in self.scopes.excluded:
                continue
            if c.trailing:
                self._trailing(c)
            else:
                self._below(c)
        return self.claims

    def _trailing(self, c: _Comment) -> None:
        """A comment at the end of a statement's last line: ``print(t)  # tensor([1])``."""
        node = self.scopes.simple_end.get(c.row)
        if node is None:
            return
        kind = _claimable(node)
        if c.row in self.scopes.function and kind != "print":
            kind = None
        if kind is None:
            self._error(c, "comment", node)
            return
        found = _claim_of(c.text, _literals(node), strict=kind == "assign")
        if found is not None:
            value = kind == "assign" and expected_error(found[0]) is None
            self._add(c.row, "assignment" if value else "comment", found, node)

    def _below(self, c: _Comment) -> None:
        """A comment line right below a statement (the first of a block of them)."""
        prev = c.row - 1
        if prev < 1 or (prev in self.by_row and not self.by_row[prev].trailing):
            return
        if not self.lines[prev - 1].strip():
            return
        node = self.scopes.simple_end.get(prev)
        top = self.scopes.top.get(prev)
        if node is None or top is None:
            return
        kind = _claimable(node)
        if c.row in self.scopes.function and kind == "expr":
            kind = None
        if kind == "assign" or (kind is None and not _contains_print(top)):
            self._error(c, "comment-block", node)
            return
        # a comment left of the statement's indentation is about the whole compound statement
        nested = c.col < node.col_offset
        target = node if kind in ("print", "expr") and not nested else top
        found = _claim_of(c.text, _literals(top), strict=False)
        if found is not None:
            self._add(c.row, "comment-block", found, target)

    def _error(self, c: _Comment, kind: ClaimKind, node: ast.stmt) -> None:
        """Any statement can be claimed to raise: ``x.view(3)  # RuntimeError: ...``."""
        error = _error_claim(_comment_body(c.text)[0])
        if error is not None:
            self._add(c.row, kind, (error, False), node)

    def _add(self, row: int, kind: ClaimKind, found: tuple[str, bool], node: ast.stmt) -> None:
        text, approx = found
        marker = text == "" or bool(CLAIM_MARKER.match(_comment_body(self.by_row[row].text)[0]))
        # below a statement, or after a printed label ("Viewed tensor:"), each following line
        # that reads as output by itself continues the claim
        lenient = kind == "comment-block" or text.rstrip().endswith((":", "："))
        full = text if approx else _gather(self.by_row, self.used, row, text, marker,
                                           lenient=lenient)
        if not full:
            return
        self.used.add(row)
        start = row if text else row + 1  # after a bare "# 输出：" the output starts below it
        block = self.block
        self.claims.append(Claim(
            block.file, block.file_line(start), kind, full, block.file_line(node.lineno),
            stmt=node.lineno, cell=block.cell, approx=approx,
            expect_error=None if row in self.scopes.handled else expected_error(full),
            function=self.scopes.function.get(row),
        ))


def _gather(by_row: dict[int, _Comment], used: set[int], first_row: int, text: str, marker: bool,
            *, lenient: bool) -> str:
    """The claim opened on ``first_row`` with the comment lines that continue it.

    A line continues the claim when the output so far has an open bracket, when a marker
    announced a multi-line output, when it wraps a row (``..., 3,`` then ``4]``), inside a shown
    traceback up to its exception line, or, when ``lenient`` (a comment block below a statement:
    a loop's lines), when it reads as output by itself.
    """
    parts = [text] if text else []
    row = first_row + 1
    while row in by_row and not by_row[row].trailing:
        nxt = by_row[row].text.lstrip("#").strip()
        joined = "\n".join(parts)
        in_traceback = bool(parts) and _TRACEBACK in parts[0] and not is_exception_line(parts[-1])
        if (parts and _unbalanced(joined)) or (
            (marker or parts) and _output_comment_line(nxt)
            and (marker or _unbalanced(joined) or _continues(joined, nxt)
                 or (lenient and claim_text(nxt) is not None))
        ) or (in_traceback and nxt):
            parts.append(_strip_comment_prefix(by_row[row].text))
            used.add(row)
            row += 1
            continue
        break
    return "\n".join(parts)


def _continues(joined: str, nxt: str) -> bool:
    """Whether comment line ``nxt`` continues the output in ``joined`` (a wrapped row)."""
    return bool(re.match(r"^[\[(\d\-]", nxt)) and joined.rstrip().endswith(",")


def _strip_comment_prefix(text: str) -> str:
    body = text.lstrip()
    if body.startswith("#"):
        body = body[2:] if body.startswith("#>") else body[1:]
        if body.startswith(" "):
            body = body[1:]
    return body.rstrip()
