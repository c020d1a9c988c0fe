"""Claims written in code comments: trailing ``# tensor(...)``, continued and following comment blocks."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass

from recipes.checker.model import Block, Claim
from recipes.checker.parse.textcode import CJK_RE, has_cjk

CJK_CLASS = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
CLAIM_MARKER = re.compile(
    r"^(?:运行结果|输出结果|执行结果|打印结果|结果|输出|例如|比如|output|out|result|prints?|e\.g\.)s?"
    r"\s*(?:如下|为|是)?\s*[:：]\s*|^(?:=>|->|→)\s*",
    re.IGNORECASE,
)
_CJK_LEAD = re.compile(f"^[{CJK_CLASS}\\s]{{1,12}}(?=tensor\\(|torch\\.Size\\()")
_OUTPUT_START = re.compile(
    r"^(?:tensor\(|torch\.|array\(|Parameter containing|<class|<torch|<[A-Za-z_][\w.]* object at"
    r"|\(tensor|\(\)|\[|\{|dtype=|device\(|['\"])"
)
_VALUE_WORD = r"(?:[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|True|False|None|nan|inf|-inf)"
_VALUES_ONLY = re.compile(rf"^{_VALUE_WORD}(?:[\s,]+{_VALUE_WORD})*$")
_NUM_TUPLE = re.compile(r"^\((?:\s*-?\d[\d.eE+\-]*\s*,?)+\)$")
_DEVICE = re.compile(r"^(?:cuda|cpu|mps)(?::\d+)?$")
_STRICT_START = re.compile(r"^(?:tensor\(|torch\.Size\(|array\(|\[\s*[-\d\[])(?:.*[)\]])?$")
_ANNOTATION = re.compile(r"\s*\((?:=|≈|~|i\.e\.|即|e\.g\.)[^)]*\)\s*$")


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


def _cut_annotation(text: str, literals: tuple[str, ...]) -> str:
    quote = None
    depth = 0
    for i, ch in enumerate(text):
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
                if text[i - 1].isalnum():
                    return ""  # "0轴第一个": a number inside prose, not an output
                text = text[:i]
                break
        elif depth == 0 and ch == "#" and i > 0 and text[i - 1].isspace():
            text = text[:i]
            break
    return _ANNOTATION.sub("", text).rstrip()


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
        or _VALUES_ONLY.match(text)
        or _NUM_TUPLE.match(text)
        or _DEVICE.match(text)
    )


def claim_text(comment: str, literals: tuple[str, ...] = (), strict: bool = False) -> str | None:
    """The output claimed by a comment, or ``None`` if the comment is prose.

    ``# tensor([1, 2])`` and ``# 输出: tensor(16.)`` are claims, ``# 输出向量的梯度`` and
    ``# shares memory`` are not. An empty string means a bare marker (``# 输出:``) whose output
    follows on the next comment lines. ``strict`` (for a comment on an assignment) accepts only
    unmistakable values such as ``tensor(...)`` or ``[1, 2]``.
    """
    text = comment.strip()
    while text.startswith("#"):
        text = text[1:].strip()
    marker = CLAIM_MARKER.match(text)
    if marker:
        text = text[marker.end() :].strip()
        if not text:
            return ""
    else:
        lead = _CJK_LEAD.match(text)
        if lead:
            return _balanced_prefix(text[lead.end() :])
    cut = _cut_annotation(text, literals)
    if strict and cut != text.split(" #")[0].rstrip():
        return None  # a value followed by prose describes an argument, not the output
    text = cut
    if _looks_like_output(text, literals, strict):
        return text
    if marker and text and not has_cjk(text) and not strict:
        return text
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
    depth = 0
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
    return depth > 0


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


def comment_claims(block: Block, tree: ast.Module) -> list[Claim]:
    """Claims written as comments in a parsed block: trailing, continued and following blocks."""
    lines = block.source.split("\n")
    comments = _comments(block.source)
    by_row = {c.row: c for c in comments}
    in_body: set[int] = set()
    simple_end: dict[int, ast.stmt] = {}
    top_of: dict[int, ast.stmt] = {}
    for top in tree.body:
        for row in range(_first_row(top), (top.end_lineno or top.lineno) + 1):
            top_of[row] = top
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            for row in range(node.lineno, (node.end_lineno or node.lineno) + 1):
                in_body.add(row)
        if isinstance(node, ast.stmt) and not isinstance(
            node, (ast.For, ast.While, ast.If, ast.With, ast.Try, ast.FunctionDef,
                   ast.AsyncFunctionDef, ast.ClassDef)
        ):
            end = node.end_lineno or node.lineno
            if end not in simple_end or simple_end[end].lineno < node.lineno:
                simple_end[end] = node
    claims: list[Claim] = []
    used: set[int] = set()

    def gather(first_row: int, text: str, marker: bool) -> tuple[str, int]:
        parts = [text] if text else []
        row = first_row + 1
        while row in by_row and not by_row[row].trailing:
            nxt = by_row[row].text.lstrip("#").strip()
            joined = "\n".join(parts)
            if (parts and _unbalanced(joined)) or (
                (marker or parts) and _output_comment_line(nxt)
                and not (parts and not marker and not _unbalanced(joined)
                         and not _continues(joined, nxt))
            ):
                parts.append(_strip_comment_prefix(by_row[row].text))
                used.add(row)
                row += 1
                continue
            break
        return "\n".join(parts), row - 1

    for c in comments:
        if c.row in used or c.row in in_body:
            continue
        if c.trailing:
            node = simple_end.get(c.row)
            if node is None:
                continue
            kind = _claimable(node)
            if kind is None:
                continue
            literals = _literals(node)
            text = claim_text(c.text, literals, strict=kind == "assign")
            if text is None:
                continue
            marker = text == "" or bool(CLAIM_MARKER.match(c.text.lstrip("#").strip()))
            full, last = gather(c.row, text, marker)
            if not full:
                continue
            claims.append(Claim(
                block.file, block.file_line(c.row),
                "assignment" if kind == "assign" else "comment",
                full, block.file_line(node.lineno), stmt=node.lineno, cell=block.cell,
            ))
        else:
            prev = c.row - 1  # only the first comment line right after code opens a claim
            if prev < 1 or prev in by_row and not by_row[prev].trailing or not lines[prev - 1].strip():
                continue
            node = simple_end.get(prev)
            top = top_of.get(prev)
            if node is None or top is None:
                continue
            kind = _claimable(node)
            if kind == "assign" or (kind is None and not _contains_print(top)):
                continue
            target = node if kind in ("print", "expr") else top
            literals = _literals(top)
            text = claim_text(c.text, literals)
            if text is None:
                continue
            marker = text == ""
            full, last = gather(c.row, text, marker)
            if not full:
                continue
            used.add(c.row)
            claims.append(Claim(
                block.file, block.file_line(c.row), "comment-block", full,
                block.file_line(target.lineno), stmt=target.lineno, cell=block.cell,
            ))
    return claims


def _continues(joined: str, nxt: str) -> bool:
    """Whether comment line ``nxt`` continues the output in ``joined`` (a wrapped row)."""
    return bool(re.match(r"^[\[(\d\-]", nxt)) and joined.rstrip().endswith(",")


def _strip_comment_prefix(text: str) -> str:
    body = text.lstrip()
    if body.startswith("#"):
        body = body[1:]
        if body.startswith(" "):
            body = body[1:]
    return body.rstrip()


def _first_row(node: ast.stmt) -> int:
    decorators = getattr(node, "decorator_list", [])
    return min([node.lineno] + [d.lineno for d in decorators])
