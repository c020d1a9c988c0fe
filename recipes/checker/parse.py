"""Turn tutorials into code blocks and the output claims written about them, each with its line.

Formats: Markdown (fenced and indented code), Jupyter notebooks, jupytext percent-format ``.py``,
plain ``.py`` (the module, then the doctests of its docstrings), saved HTML pages (code in
``<pre>``) and plain text flattened from web pages, where code has to be told from prose.

Claim styles: doctest examples; a comment after a ``print(...)`` or bare expression
(``print(t)  # tensor([1, 2])``), continued over following ``# ...`` lines; a block of ``# ...``
lines after such a statement; an output block after a line such as "Output:", "输出:" or
"运行结果"; the stored outputs of a notebook's code cells.
"""

from __future__ import annotations

import ast
import doctest
import io
import re
import textwrap
import tokenize
import warnings
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from recipes.checker.model import Block, Claim, Document, Example, UsageError
from recipes.checker.textcode import (
    CJK_RE,
    ScanState,
    cut_glue,
    has_cjk,
    line_kind,
    reindent,
    scan,
    split_flat,
    split_numbered,
)

__all__ = [
    "Block",
    "Claim",
    "Document",
    "Example",
    "UsageError",
    "claim_text",
    "parse_file",
    "parse_paths",
    "parse_source",
]

SUFFIXES = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".ipynb": "notebook",
    ".py": "python",
    ".html": "html",
    ".htm": "html",
    ".txt": "text",
    ".text": "text",
}
_SKIP_DIRS = {".venv", "venv", "__pycache__", "node_modules", "site", ".git", ".ipynb_checkpoints",
              "build", "dist"}


# ---------------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------------


def parse_paths(paths: list[str]) -> list[Document]:
    """Parse every tutorial under ``paths`` (files or folders); raise UsageError on a bad one."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise UsageError(f"{raw}: no such file or folder")
        if path.is_dir():
            found = sorted(
                f
                for f in path.rglob("*")
                if f.is_file()
                and f.suffix.lower() in SUFFIXES
                and f.name not in ("conftest.py", "__init__.py", "setup.py")
                and not any(part in _SKIP_DIRS or part.startswith(".")
                            for part in f.relative_to(path).parts[:-1])
            )
            if not found:
                raise UsageError(
                    f"{raw}: no tutorials in this folder (looked for "
                    f"{', '.join(sorted(SUFFIXES))})"
                )
            files.extend(found)
        elif path.suffix.lower() not in SUFFIXES:
            raise UsageError(
                f"{raw}: unsupported format {path.suffix or '(no extension)'!r}; expected one of "
                f"{', '.join(sorted(SUFFIXES))}"
            )
        else:
            files.append(path)
    return [parse_file(f) for f in files]


def parse_file(path: str | Path) -> Document:
    """Parse one tutorial file, choosing the format from its extension."""
    path = Path(path)
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise UsageError(f"{path}: unsupported format {path.suffix!r}")
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise UsageError(f"{path}: cannot read: {err.strerror or err}") from err
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise UsageError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start})") from err
    return parse_source(text, str(path), fmt)


def parse_source(text: str, file: str, fmt: str) -> Document:
    """Parse tutorial ``text`` of format ``fmt`` (see ``SUFFIXES``), naming it ``file``."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if fmt == "notebook":
        blocks = _parse_notebook(text, file)
    elif fmt == "python":
        if re.search(r"^# %%", text, re.MULTILINE):
            fmt = "percent"
            blocks = _parse_percent(text, file)
        else:
            blocks = _parse_plain_python(text, file)
    elif fmt == "markdown":
        blocks = _parse_markdown(text.split("\n"), file)
    elif fmt == "html":
        blocks = _parse_html(text, file)
    elif fmt == "text":
        blocks = _parse_text(text.split("\n"), file)
    else:
        raise UsageError(f"{file}: unknown format {fmt!r}")
    return Document(file, fmt, blocks)


# ---------------------------------------------------------------------------------------------
# Claims in comments
# ---------------------------------------------------------------------------------------------

_CJK_CLASS = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_CLAIM_MARKER = re.compile(
    r"^(?:运行结果|输出结果|执行结果|打印结果|结果|输出|例如|比如|output|out|result|prints?|e\.g\.)s?"
    r"\s*(?:如下|为|是)?\s*[:：]\s*|^(?:=>|->|→)\s*",
    re.IGNORECASE,
)
_CJK_LEAD = re.compile(f"^[{_CJK_CLASS}\\s]{{1,12}}(?=tensor\\(|torch\\.Size\\()")
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
    marker = _CLAIM_MARKER.match(text)
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


def _comment_claims(block: Block, tree: ast.Module) -> list[Claim]:
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
            marker = text == "" or bool(_CLAIM_MARKER.match(c.text.lstrip("#").strip()))
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


# ---------------------------------------------------------------------------------------------
# Building blocks
# ---------------------------------------------------------------------------------------------


def _transform_magics(source: str) -> str:
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # pragma: no cover - ipykernel brings IPython
        return source
    try:
        out = TransformerManager().transform_cell(source)
    except Exception:
        return source
    return out if out.count("\n") >= source.count("\n") else source


_SHELL_LINE = re.compile(
    r"^\s*(?:[!%]\s*(?:pip|conda|apt|apt-get|wget|curl|git|nvidia-smi)\b|!|%%?(?:pip|conda)\b"
    r"|\$ |pip3? install\b|conda install\b|python3? -[mc]\b|python3? \S+\.py\b)"
)


def _make_block(
    file: str,
    lines: list[str],
    line_map: list[int],
    *,
    cell: int | None = None,
    inline: bool = False,
    magics: bool = False,
    flat_claims: list[tuple[int, str, str]] | None = None,
) -> Block | None:
    """A block from source lines and their tutorial lines; claims found; syntax checked.

    ``flat_claims`` are claims already found while splitting a squeezed line:
    (line in the block, claimed text, kind).
    """
    while lines and not lines[-1].strip():
        lines, line_map = lines[:-1], line_map[:-1]
    while lines and not lines[0].strip():
        lines, line_map = lines[1:], line_map[1:]
    if not lines:
        return None
    source = textwrap.dedent("\n".join(lines))
    if magics:
        source = "\n".join(
            ("# (shell line skipped) " + ln.strip()) if _SHELL_LINE.match(ln) else ln
            for ln in source.split("\n")
        )
    block = Block(file, line_map[0], source, list(line_map), cell=cell, inline=inline)
    parsed_source = _transform_magics(source) if magics else source
    try:
        tree = ast.parse(parsed_source)
    except SyntaxError as err:
        row = err.lineno or 1
        block.syntax_error = (block.file_line(row), f"{type(err).__name__}: {err.msg}")
        return block
    except ValueError as err:
        block.syntax_error = (block.line, f"SyntaxError: {err}")
        return block
    claims = _comment_claims(block, tree)
    for row, text, kind in flat_claims or []:
        claims.append(Claim(file, block.file_line(row), kind, text, block.file_line(row),
                            stmt=row if kind != "output-block" else None, cell=cell))
    block.claims = sorted(claims, key=lambda c: (c.line, c.stmt or 0))
    return block


def _doctest_block(file: str, text: str, first_line: int, *, cell: int | None = None,
                   line_of=None) -> Block | None:
    """A doctest block from text holding ``>>>`` examples; lines computed from ``first_line``."""
    try:
        examples = doctest.DocTestParser().get_examples(text)
    except ValueError as err:
        return Block(file, first_line, text, [first_line], kind="doctest", cell=cell,
                     syntax_error=(first_line, f"doctest: {err}"))
    if not examples:
        return None

    def where(offset: int) -> int:
        return line_of(offset) if line_of else first_line + offset

    source_lines: list[str] = []
    line_map: list[int] = []
    for ex in examples:
        for k, text in enumerate(ex.source.rstrip("\n").split("\n")):
            source_lines.append(text)
            line_map.append(where(ex.lineno) + k)
    block = Block(file, where(examples[0].lineno), "\n".join(source_lines), line_map,
                  kind="doctest", cell=cell)
    for ex in examples:
        line = where(ex.lineno)
        skip = bool(ex.options.get(doctest.SKIP))
        try:
            ast.parse(ex.source)
        except SyntaxError as err:
            if block.syntax_error is None:
                block.syntax_error = (line + (err.lineno or 1) - 1,
                                      f"{type(err).__name__}: {err.msg}")
        claim = None
        if ex.want or ex.exc_msg:
            want_line = line + ex.source.count("\n")
            expect = ex.exc_msg.strip() if ex.exc_msg is not None else None
            claim = Claim(file, want_line, "doctest", ex.want.rstrip("\n"), line, cell=cell,
                          expect_error=expect)
        block.examples.append(Example(ex.source, line, claim, skip))
    return block


# ---------------------------------------------------------------------------------------------
# Notebooks, percent scripts, plain Python
# ---------------------------------------------------------------------------------------------


def _parse_notebook(text: str, file: str) -> list[Block]:
    import nbformat

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # old notebooks lack cell ids; that is no error
            nb = nbformat.reads(text, as_version=4)
    except Exception as err:
        raise UsageError(f"{file}: not a readable Jupyter notebook ({err})") from err
    blocks = []
    for index, cell in enumerate(nb.cells, start=1):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        lines = source.split("\n")
        block = _make_block(file, lines, list(range(1, len(lines) + 1)), cell=index, magics=True)
        if block is None:
            continue
        stored = _stored_output(cell.get("outputs", []))
        if stored is not None and block.syntax_error is None:
            text_out, error = stored
            block.claims.append(Claim(file, 1, "notebook-output", text_out, block.line,
                                      cell=index, expect_error=error))
        blocks.append(block)
    return blocks


def _stored_output(outputs: list[dict]) -> tuple[str, str | None] | None:
    parts = []
    error = None
    seen = False
    for out in outputs:
        kind = out.get("output_type")
        if kind == "stream" and out.get("name") == "stdout":
            parts.append(out.get("text", ""))
            seen = True
        elif kind == "execute_result":
            plain = out.get("data", {}).get("text/plain", "")
            parts.append((plain if isinstance(plain, str) else "".join(plain)) + "\n")
            seen = True
        elif kind == "error":
            error = f"{out.get('ename', '')}: {out.get('evalue', '')}"
            seen = True
    if not seen:
        return None
    return "".join(parts).rstrip("\n"), error


def _parse_percent(text: str, file: str) -> list[Block]:
    lines = text.split("\n")
    blocks = []
    cell_start = 0
    kind = "code"

    def flush(start: int, end: int, kind: str) -> None:
        if kind != "code":
            return
        chunk = lines[start:end]
        if start == 0 and chunk and chunk[0].strip() == "# ---":
            close = next((k for k in range(1, len(chunk)) if chunk[k].strip() == "# ---"), None)
            if close is not None:
                chunk = [""] * (close + 1) + chunk[close + 1 :]
        block = _make_block(file, chunk, list(range(start + 1, end + 1)), magics=False)
        if block is not None:
            blocks.append(block)

    for k, line in enumerate(lines):
        if line.startswith("# %%"):
            flush(cell_start, k, kind)
            header = line[4:].strip()
            kind = "markdown" if re.match(r"^\[(markdown|md|raw)\]", header) else "code"
            cell_start = k + 1
    flush(cell_start, len(lines), kind)
    return blocks


def _module_name(path: Path) -> tuple[str, Path] | None:
    """``(dotted name, folder to import from)`` for a file inside a package, else ``None``."""
    path = path.resolve()
    parts = [path.stem]
    folder = path.parent
    while (folder / "__init__.py").exists():
        parts.insert(0, folder.name)
        folder = folder.parent
    if len(parts) == 1 or path.stem == "__init__":
        return None
    return ".".join(parts), folder


def _parse_plain_python(text: str, file: str) -> list[Block]:
    """A script runs as ``__main__``; a module of a package is imported, as doctest does.

    Either way its docstrings' doctests follow, run in the namespace the module defines.
    """
    lines = text.split("\n")
    blocks = []
    module = _module_name(Path(file)) if Path(file).exists() else None
    if module is not None and ">>>" in text:
        name, root = module
        source = (
            f"import importlib as _importlib, sys as _sys\n"
            f"if {str(root)!r} not in _sys.path:\n"
            f"    _sys.path.insert(0, {str(root)!r})\n"
            f"globals().update({{k: v for k, v in vars(_importlib.import_module({name!r})).items()"
            f" if not k.startswith('__')}})"
        )
        blocks.append(Block(file, 1, source, [1] * source.count("\n") + [1], kind="module"))
    else:
        block = _make_block(file, lines, list(range(1, len(lines) + 1)))
        if block is not None:
            blocks.append(block)
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return blocks
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        if not node.body or not isinstance(node.body[0], ast.Expr):
            continue
        value = node.body[0].value
        if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
            continue
        if ">>>" not in value.value:
            continue
        doc = _doctest_block(file, value.value, node.body[0].lineno)
        if doc is not None:
            blocks.append(doc)
    head = [b for b in blocks if b.kind != "doctest"]
    return head + sorted((b for b in blocks if b.kind == "doctest"), key=lambda b: b.line)


# ---------------------------------------------------------------------------------------------
# Output markers ("Output:", "输出:", "运行结果")
# ---------------------------------------------------------------------------------------------

_MARKER_LINE = re.compile(
    r"(?:运行结果|输出结果|执行结果|打印结果|结果如下|结果为|结果|输出如下|输出为|输出|"
    r"\boutputs?|\bprints|\bresults?|\bout(?:\[\d+\])?)\s*(?:如下|为|是)?\s*(?:\.txt)?\s*[:：]\s*$",
    re.IGNORECASE,
)
_SHORT_MARKER = re.compile(
    r"^\s*(?:运行结果|输出结果|执行结果|结果|输出|output|result)s?\s*(?:\.txt)?\s*[:：]?\s*$",
    re.IGNORECASE,
)


def is_marker(text: str) -> bool:
    """Whether a prose line announces that output follows ("Output:", "输出：", "运行结果")."""
    stripped = text.strip()
    if not stripped or len(stripped) > 80:
        return False
    return bool(_SHORT_MARKER.match(stripped) or _MARKER_LINE.search(stripped))


# ---------------------------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------------------------

_PY_LANGS = {"python", "py", "python3", "py3", "ipython", "ipython3", "pycon", "pytb", "pyodide"}
_OUT_LANGS = {"", "text", "txt", "output", "out", "console", "plaintext", "plain", "none",
              "result", "stdout", "log"}
_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*\{?\.?([\w+-]*)\}?.*$")


def _looks_like_python(lines: list[str]) -> bool:
    if any(ln.lstrip().startswith(">>>") for ln in lines):
        return True
    kinds = [line_kind(ln) for ln in lines if ln.strip() and not ln.strip().startswith("#")]
    return bool(kinds) and "strong" in kinds and kinds.count(None) <= len(kinds) // 3


class _Builder:
    """Collects code blocks and attaches output blocks to the code block they follow."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.blocks: list[Block] = []
        self.marker = False
        self.adjacent = False  # nothing but blank lines since the last code block

    def code(self, lines: list[str], first_line: int, *, inline: bool = False,
             line_map: list[int] | None = None,
             flat_claims: list[tuple[int, str, str]] | None = None) -> None:
        line_map = line_map or list(range(first_line, first_line + len(lines)))
        text = "\n".join(lines)
        if any(ln.lstrip().startswith(">>>") for ln in lines):
            block = _doctest_block(self.file, textwrap.dedent(text), first_line,
                                   line_of=lambda off: line_map[min(off, len(line_map) - 1)])
        else:
            block = _make_block(self.file, lines, line_map, inline=inline,
                                flat_claims=flat_claims)
        if block is not None:
            self.blocks.append(block)
            self.adjacent = True
        self.marker = False

    def output(self, lines: list[str], first_line: int, *, labelled: bool) -> bool:
        """Attach an output block if a marker or its placement says it is output."""
        target = self.blocks[-1] if self.blocks else None
        text = "\n".join(ln.rstrip() for ln in lines).strip("\n")
        attached = False
        if target is not None and target.kind == "code" and text.strip() and (
            self.marker or (labelled and self.adjacent)
        ):
            target.claims.append(Claim(self.file, first_line, "output-block", textwrap.dedent(text),
                                       target.line, cell=target.cell))
            attached = True
        self.marker = False
        self.adjacent = False
        return attached

    def prose(self, line: str) -> None:
        if not line.strip():
            return
        self.adjacent = False
        self.marker = is_marker(line)


def _parse_markdown(lines: list[str], file: str) -> list[Block]:
    b = _Builder(file)
    i = 0
    n = len(lines)
    prev_blank = True
    while i < n:
        line = lines[i]
        fence = _FENCE.match(line)
        if fence:
            mark = fence.group(2)
            lang = fence.group(3).lower()
            j = i + 1
            while j < n and not lines[j].strip().startswith(mark[0] * len(mark)):
                j += 1
            body = lines[i + 1 : j]
            indent = len(fence.group(1))
            body = [ln[indent:] if ln[:indent].isspace() else ln for ln in body]
            if lang in _PY_LANGS or (lang == "" and _looks_like_python(body)):
                b.code(body, i + 2)
            elif lang in _OUT_LANGS:
                b.output(body, i + 2, labelled=lang != "")
            else:
                b.prose("x")
                b.marker = False
            i = j + 1
            prev_blank = False
            continue
        if prev_blank and (line.startswith("    ") or line.startswith("\t")) and line.strip():
            j = i
            while j < n and (not lines[j].strip() or lines[j].startswith(("    ", "\t"))):
                j += 1
            while j > i and not lines[j - 1].strip():
                j -= 1
            body = [ln[4:] if ln.startswith("    ") else ln.lstrip("\t") for ln in lines[i:j]]
            if b.marker:
                b.output(body, i + 1, labelled=True)
            elif _looks_like_python(body):
                b.code(body, i + 1)
            else:
                b.prose("x")
            i = j
            prev_blank = False
            continue
        b.prose(line)
        prev_blank = not line.strip()
        i += 1
    return b.blocks


# ---------------------------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------------------------


class _HTMLCollector(HTMLParser):
    """Collects ``<pre>`` code (and multi-line ``<code>``) and the prose between, with lines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[tuple[str, str, int, str]] = []  # (kind, text, line, classes)
        self._pre_depth = 0
        self._code_depth = 0
        self._skip = 0
        self._buf: list[str] = []
        self._buf_line: int | None = None
        self._classes = ""
        self._prose: list[str] = []
        self._prose_line = 1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = " ".join(v or "" for k, v in attrs if k == "class")
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "pre":
            self._flush_prose()
            self._pre_depth += 1
            if self._pre_depth == 1:
                self._buf, self._buf_line, self._classes = [], None, classes
        elif tag == "code" and self._pre_depth == 0:
            self._code_depth += 1
            if self._code_depth == 1:
                self._buf, self._buf_line, self._classes = [], None, classes
        elif tag == "code" and self._pre_depth:
            self._classes += " " + classes
        elif tag == "br" and (self._pre_depth or self._code_depth):
            self._buf.append("\n")
        elif tag in ("p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "br", "tr", "section"):
            self._flush_prose()

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag == "pre" and self._pre_depth:
            self._pre_depth -= 1
            if self._pre_depth == 0:
                self._emit_code()
        elif tag == "code" and self._code_depth and not self._pre_depth:
            self._code_depth -= 1
            if self._code_depth == 0:
                text = "".join(self._buf)
                if "\n" in text.strip():
                    self._emit_code()
                else:
                    self._prose.append(text)
                    self._buf = []
        elif tag in ("p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section"):
            self._flush_prose()

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._pre_depth or self._code_depth:
            if self._buf_line is None:
                line = self.getpos()[0]
                if not "".join(self._buf) and data.startswith("\n"):
                    data = data[1:]
                    line += 1
                self._buf_line = line
            self._buf.append(data)
        else:
            if not "".join(self._prose).strip():
                self._prose_line = self.getpos()[0]
            self._prose.append(data)

    def _emit_code(self) -> None:
        text = "".join(self._buf)
        self.items.append(("pre", text, self._buf_line or self.getpos()[0], self._classes))
        self._buf = []

    def _flush_prose(self) -> None:
        text = "".join(self._prose)
        if text.strip():
            for k, ln in enumerate(text.split("\n")):
                if ln.strip():
                    self.items.append(("prose", ln.strip(), self._prose_line + k, ""))
        self._prose = []

    def close(self) -> None:
        super().close()
        self._flush_prose()


def _parse_html(text: str, file: str) -> list[Block]:
    collector = _HTMLCollector()
    try:
        collector.feed(text)
        collector.close()
    except Exception as err:  # HTMLParser is lenient; this is a last resort
        raise UsageError(f"{file}: cannot parse HTML ({err})") from err
    b = _Builder(file)
    for kind, body, line, classes in collector.items:
        if kind == "prose":
            b.prose(body)
            continue
        lines = body.rstrip("\n").split("\n")
        cls = classes.lower()
        python_class = re.search(r"\b(?:language-|lang-|highlight-|)(?:python|py|pycon|ipython)\d?\b",
                                 cls)
        output_class = re.search(r"\b(?:output|stdout|language-(?:text|none|output)|result)\b", cls)
        if b.marker or (output_class and not python_class):
            b.output(lines, line, labelled=bool(output_class))
        elif python_class or _looks_like_python(lines):
            b.code(lines, line)
        else:
            b.prose("x")
    return b.blocks


# ---------------------------------------------------------------------------------------------
# Plain text flattened from web pages
# ---------------------------------------------------------------------------------------------


def _output_text_line(line: str) -> tuple[bool, str, bool]:
    """(is output, the output part, ends the output block) for a line after a marker."""
    stripped = line.strip()
    if not stripped:
        return False, "", True
    head, glued = cut_glue(stripped)
    body = head if glued is not None else stripped
    if not body:
        return False, "", True
    if re.match(r"^[.…]{3,}$", body):
        return True, body, glued is not None
    if re.search(r"[。，、；！？]", body) or _SHELL_LINE.match(body):
        return False, "", True
    if re.search(r"tensor\(|torch\.|array\(|->|[\[\]=]|\d|True|False", body):
        return True, body, glued is not None
    cjk = len(CJK_RE.findall(body))
    if len(body) <= 30 and cjk <= len(body) // 2:
        return True, body, glued is not None
    return False, "", True


def _parse_text(lines: list[str], file: str) -> list[Block]:
    b = _Builder(file)
    n = len(lines)
    i = 0
    while i < n:
        raw = lines[i]
        stripped = raw.strip()
        if not stripped or re.match(r"^\s*(`{3,}|~{3,})", raw):
            i += 1
            continue
        if stripped.startswith(">>>"):
            j = i
            while j < n and lines[j].strip() and not re.match(r"^\s*(`{3,}|~{3,})", lines[j]):
                j += 1
            b.code(lines[i:j], i + 1)
            i = j
            continue
        if b.marker and b.blocks:
            j, out_lines = i, []
            while j < n:
                ok, part, ends = _output_text_line(lines[j])
                if not ok:
                    break
                out_lines.append(part)
                j += 1
                if ends:
                    break
            if out_lines:
                b.output(out_lines, i + 1, labelled=False)
                i = j
                continue
            b.marker = False
        flat = _flat_line(stripped) if _maybe_flat(stripped) else None
        if flat is not None:
            code_lines, flat_claims = flat
            b.code(code_lines, i + 1, line_map=[i + 1] * len(code_lines), flat_claims=flat_claims)
            i += 1
            continue
        region = _text_region(lines, i)
        if region is None:
            b.prose(raw)
            i += 1
            continue
        end, code_lines, glued, inline = region
        if _SHELL_LINE.match(code_lines[0]):
            i = end
            continue
        line_map = list(range(i + 1, i + 1 + len(code_lines)))
        if all(not ln[:1].isspace() for ln in code_lines if ln.strip()) and any(
            ln.rstrip().endswith(":") for ln in code_lines
        ):
            code_lines = reindent(code_lines)
        b.code(code_lines, i + 1, inline=inline, line_map=line_map)
        if glued is not None:
            b.prose(glued)
        i = end
    return b.blocks


def _maybe_flat(stripped: str) -> bool:
    """Whether a line may hold several statements squeezed together (worth trying to split)."""
    if len(stripped) < 30:
        return False
    if line_kind(stripped) is None:
        return True
    sc = scan(stripped)
    return sc.comment is not None and len(stripped) - sc.comment > 20


def _flat_line(stripped: str):
    """A squeezed or numbered line as code lines plus the claims found in it, or ``None``."""
    numbered = split_numbered(stripped)
    if numbered is not None:
        kinds = [line_kind(ln) for ln in numbered if ln and not ln.startswith("#")]
        if kinds.count("strong") >= 2:
            out = []
            for ln in numbered:
                flat = split_flat(ln) if ln and line_kind(ln) is None else None
                out.extend(flat.statements if flat is not None else [ln])
            return reindent(out), []
    if len(stripped) < 30:
        return None
    flat = split_flat(stripped)
    if flat is None:
        return None
    kinds = [line_kind(s) for s in flat.statements]
    if kinds.count("strong") < 2 and not (kinds.count("strong") == 1 and
                                           (flat.output_claims or flat.block_claim)):
        return None
    if any(k is None for k in kinds):
        return None
    stmts = []
    for k, stmt in enumerate(flat.statements):
        comment = flat.comments.get(k)
        stmts.append(stmt + (f"  # {comment}" if comment else ""))
    stmts = reindent(stmts)
    claims = [(idx + 1, text, "comment") for idx, text in flat.output_claims]
    if flat.block_claim:
        claims.append((1, flat.block_claim, "output-block"))
    return stmts, claims


def _starts_region(lines: list[str], i: int) -> bool:
    stripped = lines[i].strip()
    if _SHELL_LINE.match(stripped):
        return False
    kind = line_kind(stripped)
    if kind == "strong":
        return True
    if kind == "broken":
        nxt = next((ln for ln in lines[i + 1 : i + 3] if ln.strip()), "")
        return line_kind(nxt) in ("strong", "broken") or (nxt[:1].isspace() and bool(nxt.strip()))
    if kind is None and not stripped.startswith("#"):
        head, glued = cut_glue(stripped, code=True)
        return glued is not None and line_kind(head) == "strong"
    if stripped.startswith("#"):
        for j in range(i + 1, min(i + 8, len(lines))):
            nxt = lines[j].strip()
            if not nxt or nxt.startswith("#"):
                continue
            if _SHELL_LINE.match(nxt):
                return False
            return line_kind(nxt) == "strong"
    if lines[i][:1].isspace() and kind is not None:
        return True
    return False


def _text_region(lines: list[str], i: int):
    """The code region starting at line ``i``: (end, code lines, glued prose, inline) or None."""
    if not _starts_region(lines, i):
        return None
    n = len(lines)
    state = ScanState()
    out: list[str] = []
    glued = None
    j = i
    last_code_kind = None
    while j < n:
        raw = lines[j]
        stripped = raw.strip()
        if state.open:  # inside brackets or a string: the line belongs to the statement
            sc = scan(raw, state)
            head, g = raw, None
            if not sc.state.open and sc.comment is None:
                head, g = cut_glue(raw, code=True)  # ")练习建议": the closing line carries glue
                if g is not None and scan(head, state).state.open:
                    head, g = raw, None
            out.append(head)
            state = scan(head, state).state
            j += 1
            if g is not None:
                glued = g
                break
            continue
        if not stripped:
            k = j
            while k < n and not lines[k].strip():
                k += 1
            if k < n and _continues_region(lines[k], out):
                out.extend(lines[j:k])
                j = k
                continue
            break
        if re.match(r"^\s*(`{3,}|~{3,})", raw) or _SHELL_LINE.match(stripped):
            break
        if stripped.startswith("#"):
            out.append(raw)
            j += 1
            continue
        if out and re.match(r"^(?:import\s|from\s+\S+\s+import\s)", raw) and last_code_kind != "import":
            break
        kind = line_kind(raw, state)
        if kind != "strong" and not (kind == "weak" and _weak_ok(raw, out)):
            head, g = cut_glue(raw, code=True)
            if g is not None and (line_kind(head, state) == "strong"
                                  or head.strip() in (")", "]", "}", "])", "))")):
                out.append(head)
                glued = g
                j += 1
                break
        if kind in ("strong", "broken") or (kind == "weak" and _weak_ok(raw, out)):
            out.append(raw)
            state = scan(raw, state).state
            last_code_kind = "import" if re.match(r"^\s*(?:import|from)\s", raw) else "code"
            j += 1
            sc = scan(raw)
            if sc.comment is not None and not state.open:
                head, g = cut_glue(raw[sc.comment + 1 :], code=True)
                if g is not None and re.match(r"^\d\.\s+\S", g):
                    out[-1] = raw[: sc.comment + 1] + head
                    glued = g
                    break
            continue
        if raw[:1].isspace() and kind is not None:
            out.append(raw)
            state = scan(raw, state).state
            j += 1
            continue
        break
    while out and not out[-1].strip():
        out.pop()
    if not out:
        return None
    # cut prose glued onto the comment of the region's last line
    last = out[-1]
    sc = scan(last)
    if glued is None and sc.comment is not None:
        comment = last[sc.comment + 1 :]
        head, g = cut_glue(comment, _string_literals(last[: sc.comment]), code=True)
        if g is not None:
            out[-1] = last[: sc.comment + 1] + head
            glued = g
    code_rows = [ln for ln in out if ln.strip() and not ln.strip().startswith("#")]
    if not code_rows:
        return None
    inline = len(code_rows) == 1 and not out[0].strip().startswith("#")
    return i + len(out), out, glued, inline


def _string_literals(code: str) -> tuple[str, ...]:
    return tuple(m.group(1) for m in re.finditer(r"['\"]([^'\"]*)['\"]", code))


def _weak_ok(raw: str, out: list[str]) -> bool:
    code_rows = [ln for ln in out if ln.strip() and not ln.strip().startswith("#")]
    if not code_rows:
        return False
    text = raw.strip()
    return not re.fullmatch(r"[A-Za-z_][\w.]*", text) or raw[:1].isspace()


def _continues_region(line: str, out: list[str]) -> bool:
    stripped = line.strip()
    if _SHELL_LINE.match(stripped):
        return False
    if stripped.startswith("#"):
        return True
    kind = line_kind(line)
    if kind in ("strong", "broken"):
        return True
    if line[:1].isspace() and kind is not None:
        return True
    return False
