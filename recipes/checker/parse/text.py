"""Plain text flattened from web pages, where code has to be told from prose."""

from __future__ import annotations

import ast
import keyword
import re
from dataclasses import dataclass, field

from recipes.checker.model import Block, Document
from recipes.checker.parse.blocks import Builder
from recipes.checker.parse.markers import SHELL_LINE, inline_output, is_error_marker
from recipes.checker.parse.textcode import (
    CJK_RE,
    ScanState,
    cut_glue,
    is_repr_line,
    is_value_line,
    line_kind,
    open_depth,
    output_run,
    parse_line,
    reindent,
    scan,
    split_code_output,
    split_flat,
    split_numbered,
)

_BARE_PROMPT = re.compile(r"^\[\s*\d*\s*\]:$")
_IN_PROMPT = re.compile(r"^\s*In\s*\[\s*\d*\s*\]:\s?(.*)$")
_CONT_PROMPT = re.compile(r"^\s*\.{3,}:\s?(.*)$")
_OUT_PROMPT = re.compile(r"^\s*Out\s*\[\s*\d*\s*\]:\s*(.*)$")
_NUMBERED_LINE = re.compile(r"^\s*(\d{1,3})\.\s+(\S.*)$")
# A listing copied with its line-number gutter: ``1  import torch`` / ``10         print(x)``, the
# code keeping its own indentation after the number; a blank code line is the number alone.
_GUTTER_LINE = re.compile(r"^(\s*(\d{1,3})(?:\s*[|│]|[.:])?)(?:(\s+)(.*))?$")
# The toolbar a code box shows, copied with the code: ``python 代码解读复制代码`` (掘金),
# ``复制代码``, ``代码块``, ``Copy code``, ``python复制``, ``Plain Text``, a language name alone.
_CJK_TOOLS = r"(?:代码解读|复制代码|代码块|复制)"
_EN_TOOLS = r"(?:copy(?:\s+code)?|copied!?)"
_LANGUAGES = (r"(?:python3?|py|ipython3?|pycon|bash|shell|sh|console|plain\s*text|plaintext|text"
              r"|txt|json|yaml|c\+\+|cpp|javascript|js|markdown|sql)")
_TOOLBAR = re.compile(
    rf"^(?:[A-Za-z][\w+#-]{{0,19}}(?:\s*{_CJK_TOOLS})+|[A-Za-z][\w+#-]{{0,19}}\s+copy\s+code"
    rf"|{_LANGUAGES}\s+{_EN_TOOLS}|(?:{_CJK_TOOLS}|{_EN_TOOLS})(?:\s*(?:{_CJK_TOOLS}|{_EN_TOOLS}))*"
    r"|(?:python3?|ipython3?|pycon|bash|console|plain\s*text|plaintext|cpp|c\+\+|javascript))$",
    re.IGNORECASE,
)


@dataclass
class _Region:
    """Code lines found in the text, from line ``start`` (0-based) up to ``end``."""

    start: int
    end: int
    lines: list[str]
    glued: str | None = None
    inline: bool = False
    # (line in the region, 1-based; printed text) for a statement and its output on one line
    claims: list[tuple[int, str, str]] = field(default_factory=list)


def _output_text_line(line: str, names_printed: bool = False) -> tuple[bool, str, bool]:
    """(is output, the output part, ends the output block) for a line after a marker.

    ``names_printed``: the code above prints a name beside a value (``print(name, p.shape)``),
    so ``fc1.weight torch.Size([8, 4])`` is a printed line, not a statement and its output.
    """
    stripped = line.strip()
    if not stripped:
        return False, "", True
    head, glued = cut_glue(stripped)
    body = head if glued is not None else stripped
    if not body:
        return False, "", True
    if re.match(r"^[.…]{3,}$", body):
        return True, body, glued is not None
    if is_repr_line(body):
        # an exception line is the last line a traceback prints
        return True, body, glued is not None or re.match(r"^[A-Z]\w*(?:Error|Exception):", body)
    if (_clearly_code(body) and not (names_printed and _name_and_value(body))) or _english_prose(
        body
    ):
        return False, "", True  # the marker announced output, but code came first
    if re.search(r"[。，、；！？]", body) or SHELL_LINE.match(body):
        return False, "", True
    if re.search(r"tensor\(|torch\.|array\(|->|[\[\]=]|\d|True|False", body):
        return True, body, glued is not None
    cjk = len(CJK_RE.findall(body))
    if len(body) <= 30 and cjk <= len(body) // 2:
        return True, body, glued is not None
    return False, "", True


def _name_and_value(line: str) -> bool:
    """A printed name and its value (``fc1.weight torch.Size([8, 4])``, ``lr 0.01``)."""
    split = split_code_output(line)
    if split is None or split[2] is not None:
        return False
    name = split[0]
    return re.fullmatch(r"[A-Za-z_]\w*(?:\.\w+)*", name) is not None and not keyword.iskeyword(name)


def _prints_names(block: Block | None) -> bool:
    """Whether a code block prints several things on one line (``print(name, p.shape)``)."""
    if block is None or block.kind != "code" or block.tree is None:
        return False
    return any(
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print"
        and len(node.args) >= 2
        for node in ast.walk(block.tree)
    )


def _marker_output(b: Builder, lines: list[str], i: int) -> tuple[int, list[str]]:
    """The output lines announced by a marker, from line ``i``: ``(end, lines)``.

    A repr whose brackets are open (``MLP(`` ... ``)``) runs on until they close, and a
    traceback's source line under its ``File "..."`` line is output too.
    """
    names_printed = _prints_names(b.blocks[-1] if b.blocks else None)
    j, out_lines, depth, after_file = i, [], 0, False
    while j < len(lines):
        stripped = lines[j].strip()
        if _TOOLBAR.match(stripped):
            break  # the next code box begins
        if stripped and (depth > 0 or after_file or re.fullmatch(r"[\^~]+", stripped)):
            head, glued = cut_glue(stripped)
            out_lines.append(head)
            depth += open_depth(head)
            after_file = False
            j += 1
            if glued is not None:
                break
            continue
        ok, part, ends = _output_text_line(lines[j], names_printed)
        if not ok:
            break
        out_lines.append(part)
        depth = max(open_depth(part), 0)
        after_file = re.match(r'^File "[^"]*", line \d+', part) is not None
        j += 1
        if ends:
            break
    return j, out_lines


def _english_prose(line: str) -> bool:
    """A heading or sentence ("Bonus: plotting the history", "We will fit the line y = 3x"),
    not printed output: many words, or a few capitalised words with nothing a program prints."""
    if is_value_line(line) or re.search(r"[\[\](){}<>]|tensor", line):
        return False
    words = re.findall(r"[A-Za-z]{2,}", line)
    if len(words) >= 6:
        return True
    if re.search(r"[\d=]", line):
        return False
    return len(words) >= 3 or (len(words) >= 2 and (line.rstrip().endswith((":", "："))
                                                     or line[:1].isupper()))


_LITERAL_NODES = (ast.Constant, ast.List, ast.Tuple, ast.UnaryOp, ast.USub, ast.UAdd, ast.Load,
                  ast.keyword)


def _literal(node: ast.expr) -> bool:
    """A value as a program prints it: constants, lists of them, or a constructor of literals
    (``tensor([1, 2])``, ``Linear(in_features=1, out_features=1)``)."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id != "print":
        args = [*node.args, *node.keywords]
        return all(isinstance(n, _LITERAL_NODES) for a in args for n in ast.walk(a))
    return all(isinstance(n, _LITERAL_NODES) for n in ast.walk(node))


def _clearly_code(line: str) -> bool:
    """Whether a line after an output marker is code all the same: a statement that does
    something (``yt = y.T``, ``print(x)``, ``y.squeeze(0)``), not printed text such as
    ``Linear(in_features=1, out_features=1)`` or ``loss = 0.25``."""
    if split_code_output(line) is not None:
        return True
    if line_kind(line) != "strong":
        return False
    tree = parse_line(line)
    if tree is None or len(tree.body) != 1:
        return tree is not None
    stmt = tree.body[0]
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        return not _literal(stmt.value)  # ``print("a =", a)`` writes ``a = tensor([1, 2])``
    if isinstance(stmt, ast.Expr):
        return not _literal(stmt.value)
    return True


def read(text: str, file: str) -> Document:
    """Read plain text flattened from a web page."""
    lines = text.split("\n")
    b = Builder(file)
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
        if _BARE_PROMPT.match(stripped):  # "[3]:" from a notebook page: chrome, not prose
            i += 1
            continue
        prompt = _ipython_prompt(lines, i)
        if prompt is not None:
            i = _read_prompt(b, lines, i, prompt)
            continue
        if _TOOLBAR.match(stripped):  # a code box's toolbar: neither prose nor code
            i += 1
            continue
        if b.marker and _numbered_region(lines, i) is None:
            j, out_lines = _marker_output(b, lines, i)
            if out_lines:
                b.output(out_lines, i + 1, labelled=False)
                i = j
                continue
            b.marker = False
        shown = inline_output(stripped)
        if shown is not None and (is_repr_line(shown) or is_value_line(shown)):
            b.marker = True  # "输出：<__main__.Config object at 0x...>": a label and its value
            b.output([shown], i + 1, labelled=True)
            i += 1
            continue
        gutter = _bare_gutter(lines, i)
        if gutter and _gutter_after(b, i, gutter):
            i += gutter  # the line-number column of the listing above, copied after it
            continue
        if gutter and not (b.adjacent and b.blocks and _shows_value(b.blocks[-1])):
            region = _gutter_code(lines, i, gutter)
            if region is not None:
                _code(b, region)
                i = region.end
                continue
        if is_repr_line(stripped) or (b.adjacent and is_value_line(stripped)
                                       and _shows_value(b.blocks[-1])):
            # printed output pasted under its code, as a notebook shows it: never code
            j, out_lines, glued = output_run(lines, i)
            b.output(out_lines, i + 1, labelled=True)
            if glued is not None:
                b.prose(glued)
            i = j
            continue
        numbered = _numbered_region(lines, i)
        if numbered is not None:
            _code(b, numbered)
            i = numbered.end
            continue
        flat = _flat_line(stripped) if _maybe_flat(stripped) else None
        if flat is not None:
            code_lines, flat_claims = flat
            b.code(code_lines, i + 1, line_map=[i + 1] * len(code_lines), flat_claims=flat_claims)
            i += 1
            continue
        region = _text_region(lines, i)
        if region is None:
            b.prose(raw)
            b.marker = b.marker or is_error_marker(raw)
            i += 1
            continue
        if SHELL_LINE.match(region.lines[0]):
            i = region.end
            continue
        if all(not ln[:1].isspace() for ln in region.lines if ln.strip()) and any(
            ln.rstrip().endswith(":") for ln in region.lines
        ):
            region.lines = reindent(region.lines)
        _code(b, region)
        i = region.end
    return b.document("text")


def _ipython_prompt(lines: list[str], i: int) -> re.Match[str] | None:
    return _IN_PROMPT.match(lines[i]) or _OUT_PROMPT.match(lines[i])


def _read_prompt(b: Builder, lines: list[str], i: int, prompt: re.Match[str]) -> int:
    """An IPython transcript: ``In [3]:`` code (continued by ``...:``), ``Out[3]:`` its value."""
    if prompt.re is _IN_PROMPT:
        code = [prompt.group(1)]
        j = i + 1
        while j < len(lines) and _CONT_PROMPT.match(lines[j]):
            code.append(_CONT_PROMPT.match(lines[j]).group(1))
            j += 1
        if any(ln.strip() for ln in code):
            b.code(code, i + 1)
        return j
    first = i if prompt.group(1).strip() else i + 1  # "Out[4]:" alone: the value follows
    end, out_lines, glued = output_run([prompt.group(1), *lines[i + 1 :]], first - i)
    b.marker = True  # the prompt says the value is the output of the cell before it
    b.output(out_lines, first + 1, labelled=True)
    if glued is not None:
        b.prose(glued)
    return i + max(end, 1)


def _code(b: Builder, region: _Region) -> None:
    line_map = list(range(region.start + 1, region.start + 1 + len(region.lines)))
    b.code(region.lines, region.start + 1, inline=region.inline, line_map=line_map,
           flat_claims=region.claims or None)
    if region.glued is not None:
        b.prose(region.glued)


def _shows_value(block: Block) -> bool:
    """Whether the block ends in a statement that shows a value (a ``print`` or an expression)."""
    if block.kind != "code" or block.syntax_error is not None:
        return False
    tree = block.tree
    if tree is None:
        try:
            tree = ast.parse(block.source)
        except SyntaxError:
            return False
    return bool(tree.body) and isinstance(tree.body[-1], ast.Expr)


def _numbered_region(lines: list[str], i: int) -> _Region | None:
    """A listing that kept its line numbers, one per line: ``1. w = ...`` / ``2. loss = ...``, or
    a line-number gutter copied with the code (``1  import torch``, ``10         print(x)``).

    Where the code kept its indentation after the number it is kept; the gutter is either a
    fixed column (numbers padded to one width) or a fixed separator after each number, and the
    reading that parses wins. A block that lost its indentation is re-indented.
    """
    first = _GUTTER_LINE.match(lines[i])
    if first is None or first.group(2) != "1" or not (first.group(4) or "").strip():
        return None
    rows: list[tuple[int, int, str]] = []  # (gutter width, separator width, code)
    j = i
    while j < len(lines):
        m = _GUTTER_LINE.match(lines[j].rstrip())
        if m is None or int(m.group(2)) != len(rows) + 1:
            break
        rows.append((len(m.group(1)), len(m.group(3) or ""), m.group(4) or ""))
        j += 1
    while rows and not rows[-1][2].strip():
        rows.pop()
        j -= 1
    body = [code for _, _, code in rows]
    kinds = [line_kind(ln) for ln in body if ln.strip() and not ln.startswith("#")]
    strong = sum(k in ("strong", "broken") for k in kinds)
    if not kinds or strong < min(2, len(kinds)) or strong * 2 < len(kinds):
        return None
    if any(is_repr_line(ln) or is_value_line(ln) for ln in body) or all(
        _printed_value(ln) for ln in body if ln.strip()
    ):
        return None  # "1 tensor(0.5000)", "2 ReLU()": numbered output (what a loop printed)
    punct = not first.group(1).strip().isdigit()
    if len(body) == 1 and (punct or kinds[0] is None):
        return None
    region = _Region(i, j, [])
    for row, ln in enumerate(body, start=1):
        split = split_code_output(ln) if line_kind(ln) != "strong" else None
        if split is not None:
            ln = split[0]
            region.claims.append((row, split[1], _claim_kind(ln)))
        region.lines.append(ln)
    indents = _gutter_indents(rows)
    if any(indents):
        region.lines = [" " * k + ln if ln.strip() else "" for k, ln in zip(indents, region.lines)]
    elif any(ln.rstrip().endswith(":") for ln in region.lines):
        region.lines = reindent(region.lines)
    return region


def _printed_value(line: str) -> bool:
    """A line that reads as a printed value: a literal or a constructor of literals
    (``ReLU()``, ``Linear(in_features=2, out_features=3, bias=True)``)."""
    tree = parse_line(line)
    if tree is None or len(tree.body) != 1 or not isinstance(tree.body[0], ast.Expr):
        return False
    return _literal(tree.body[0].value)


def _gutter_indents(rows: list[tuple[int, int, str]]) -> list[int]:
    """Each code line's indentation under a line-number gutter (0 for a blank line)."""
    code_rows = [(w, sep) for w, sep, code in rows if code.strip()]
    column = min(w + sep for w, sep in code_rows)
    least = min(sep for _, sep in code_rows)
    fixed_column = [w + sep - column if code.strip() else 0 for w, sep, code in rows]
    fixed_sep = [sep - least if code.strip() else 0 for w, sep, code in rows]
    if fixed_column == fixed_sep:
        return fixed_column
    for indents in (fixed_column, fixed_sep):
        source = "\n".join(" " * k + code for k, (_, _, code) in zip(indents, rows))
        try:
            ast.parse(source)
        except SyntaxError:
            continue
        return indents
    return fixed_column


def _bare_gutter(lines: list[str], i: int) -> int:
    """The length of a run of bare line numbers ``1``, ``2``, ... ``n`` from line ``i`` (n >= 2),
    as a code box's number column is copied; 0 when there is none."""
    n = 0
    while i + n < len(lines) and lines[i + n].strip() == str(n + 1):
        n += 1
    return n if n >= 2 else 0


def _gutter_after(b: Builder, i: int, n: int) -> bool:
    """Whether the ``n`` bare numbers at line ``i`` number the code block right above, line for
    line: the gutter copied after the code (as CSDN's number column is)."""
    block = b.blocks[-1] if b.blocks else None
    if block is None or block.kind != "code" or not b.adjacent or not block.line_map:
        return False
    last = block.line_map[-1]
    return last == i and last - block.line + 1 == n


def _gutter_code(lines: list[str], i: int, n: int) -> _Region | None:
    """The code numbered by the ``n`` bare numbers at line ``i``: the ``n`` lines after them."""
    k = i + n
    if k < len(lines) and not lines[k].strip():
        k += 1
    if k >= len(lines) or not _starts_region(lines, k):
        return None
    region = _text_region(lines, k)
    if region is not None and region.end - k == n:
        return region
    span = lines[k : k + n]
    if len(span) < n or not span[-1].strip():
        return None
    for ln in span:
        text = ln.strip()
        if text and not text.startswith("#") and line_kind(ln) is None and not ln[:1].isspace():
            return None
    return _Region(k, k + n, list(span))


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
    if SHELL_LINE.match(stripped) or is_repr_line(stripped):
        return False
    kind = line_kind(stripped)
    if kind == "strong":
        return True
    nxt = next((ln.strip() for ln in lines[i + 1 : i + 2] if ln.strip()), "")
    if kind == "weak" and is_repr_line(nxt):
        return True  # ``x.grad == 4 * x`` then ``tensor([True, True])``: a notebook transcript
    if kind != "weak" and not stripped.startswith("#"):
        split = split_code_output(stripped)
        if split is not None and (line_kind(split[0]) == "strong" or is_repr_line(split[1])):
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
            if SHELL_LINE.match(nxt):
                return False
            return line_kind(nxt) == "strong"
    if lines[i][:1].isspace() and kind is not None:
        return True
    return False


def _ends_on_output(stripped: str, out: list[str]) -> bool:
    """Whether a line is output printed by the region's code so far, which ends the region."""
    if is_repr_line(stripped):
        return True
    if not is_value_line(stripped):
        return False
    last = next((ln for ln in reversed(out) if ln.strip() and not ln.strip().startswith("#")), "")
    tree = parse_line(last) if last else None
    return tree is not None and len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr)


def _claim_kind(code: str) -> str:
    """``assignment`` for a value claimed for ``x = ...``, ``comment`` for what a line shows."""
    tree = parse_line(code)
    return "assignment" if tree is not None and isinstance(tree.body[0], ast.Assign) else "comment"


def _split_output_line(raw: str, lines: list[str], j: int, region: _Region) -> int | None:
    """Take a line holding a statement and its output into ``region``: the next line to read.

    An output whose brackets stay open runs on over the following lines.
    """
    split = split_code_output(raw)
    if split is None:
        return None
    code, printed, glued = split
    indent = raw[: len(raw) - len(raw.lstrip())]
    region.lines.append(indent + code)
    j += 1
    if glued is None and printed.count("(") + printed.count("[") > (
        printed.count(")") + printed.count("]")
    ):
        end, more, glued = output_run(lines, j)
        more_text = [ln.strip() for ln in more]
        printed = "\n".join([printed, *more_text])
        j = end
    region.claims.append((len(region.lines), printed, _claim_kind(code)))
    region.glued = glued
    return j


def _text_region(lines: list[str], i: int) -> _Region | None:
    """The code region starting at line ``i``, or ``None``."""
    if not _starts_region(lines, i):
        return None
    n = len(lines)
    state = ScanState()
    region = _Region(i, i, [])
    out = region.lines
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
        if re.match(r"^\s*(`{3,}|~{3,})", raw) or SHELL_LINE.match(stripped):
            break
        if _TOOLBAR.match(stripped) or (stripped == "1" and _bare_gutter(lines, j) == j - i):
            break  # the next code box's toolbar, or this listing's number column
        if out and _ends_on_output(stripped, out):
            break
        if stripped.startswith("#"):
            out.append(raw)
            j += 1
            continue
        if out and re.match(r"^(?:import\s|from\s+\S+\s+import\s)", raw) and last_code_kind != "import":
            break
        kind = line_kind(raw, state)
        nxt = next((ln for ln in lines[j + 1 : j + 3] if not _BARE_PROMPT.match(ln.strip())), "")
        if kind != "strong":
            after = _split_output_line(raw, lines, j, region)
            if after is not None:
                ran_on, j = after > j + 1, after
                if region.glued is not None or ran_on:  # the output's lines end the region
                    glued = region.glued
                    break
                continue
        if kind != "strong" and not (kind == "weak" and _weak_ok(raw, out, nxt)):
            head, g = cut_glue(raw, code=True)
            if g is not None and (line_kind(head, state) == "strong"
                                  or head.strip() in (")", "]", "}", "])", "))")):
                out.append(head)
                glued = g
                j += 1
                break
        if kind in ("strong", "broken") or (kind == "weak" and _weak_ok(raw, out, nxt)):
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
    region.glued = glued
    region.inline = len(code_rows) == 1 and not out[0].strip().startswith("#")
    region.end = max(j, i + len(out)) if region.claims else i + len(out)
    return region


def _string_literals(code: str) -> tuple[str, ...]:
    return tuple(m.group(1) for m in re.finditer(r"['\"]([^'\"]*)['\"]", code))


def _weak_ok(raw: str, out: list[str], nxt: str = "") -> bool:
    """Whether a weak line (``w=10``, ``x.grad``) continues the region's code.

    A bare name continues it only when indented, or when the next line is code or the value the
    name shows (``x`` then ``tensor([0., 1.])``, pasted from a notebook).
    """
    nxt = nxt.strip()
    if is_repr_line(nxt):
        return True
    code_rows = [ln for ln in out if ln.strip() and not ln.strip().startswith("#")]
    if not code_rows:
        return False
    text = raw.strip()
    if not re.fullmatch(r"[A-Za-z_][\w.]*", text) or raw[:1].isspace():
        return True
    return line_kind(nxt) == "strong" or is_value_line(nxt)


def _continues_region(line: str, out: list[str]) -> bool:
    stripped = line.strip()
    if SHELL_LINE.match(stripped):
        return False
    if stripped.startswith("#"):
        return True
    kind = line_kind(line)
    if kind in ("strong", "broken"):
        return True
    if line[:1].isspace() and kind is not None:
        return True
    return False
