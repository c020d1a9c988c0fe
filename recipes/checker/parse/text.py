"""Plain text flattened from web pages, where code has to be told from prose."""

from __future__ import annotations

import re

from recipes.checker.model import Document
from recipes.checker.parse.blocks import Builder
from recipes.checker.parse.markers import SHELL_LINE
from recipes.checker.parse.textcode import (
    CJK_RE,
    ScanState,
    cut_glue,
    line_kind,
    reindent,
    scan,
    split_flat,
    split_numbered,
)


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
    if re.search(r"[。，、；！？]", body) or SHELL_LINE.match(body):
        return False, "", True
    if re.search(r"tensor\(|torch\.|array\(|->|[\[\]=]|\d|True|False", body):
        return True, body, glued is not None
    cjk = len(CJK_RE.findall(body))
    if len(body) <= 30 and cjk <= len(body) // 2:
        return True, body, glued is not None
    return False, "", True


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
        if SHELL_LINE.match(code_lines[0]):
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
    return b.document("text")


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
    if SHELL_LINE.match(stripped):
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
            if SHELL_LINE.match(nxt):
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
        if re.match(r"^\s*(`{3,}|~{3,})", raw) or SHELL_LINE.match(stripped):
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
