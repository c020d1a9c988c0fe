"""How far the checker's verdicts can be trusted, on the labelled corpus in ``tests/corpus/``.

Runs ``torch-recipes check --json`` on every corpus document (one subprocess, as a user runs it)
and scores each claim against its truth file (see ``tests/corpus/README.md``):

* coverage: truth claims the checker recognised, at the right line and attached to the right code;
* recall: claims that would mislead a reader (truth ``wrong`` or ``error``) that the checker flags
  (verdict ``wrong``, or the claim's block fails);
* precision: of the checker's flags, those that are right (a flag on a claim the truth does not
  list counts against it);
* false ok: misleading claims the checker calls ``ok`` (goal: none), and ``ok`` given to claims
  that cannot be known (random, machine-dependent, never run);
* output run as code: corpus output lines that ended up inside a code block (goal: none).

Prints a table per document, the confusion of truth and verdict, and the figures next to their
goals; exits 1 on a missed goal. Run: ``.venv/bin/python benchmarks/bench_checker_corpus.py``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.goals import Row, emit  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
GOALS = {"coverage": 0.97, "recall": 0.98, "precision": 0.97}
FLAGS = {"wrong", "error", "timeout", "syntax"}
MISLEADING = {"wrong", "error"}
UNKNOWABLE = {"unverifiable", "environment", "not-run"}


def _documents(names: list[str]) -> list[tuple[Path, dict]]:
    docs = []
    for truth_path in sorted(CORPUS.glob("*.truth.json")):
        stem = truth_path.name[: -len(".truth.json")]
        if names and stem not in names:
            continue
        found = [p for p in CORPUS.glob(stem + ".*") if not p.name.endswith(".truth.json")]
        if len(found) != 1:
            sys.exit(f"{truth_path.name}: expected one document named {stem}.*, found {found}")
        docs.append((found[0], json.loads(truth_path.read_text(encoding="utf-8"))))
    return docs


def _key(claim: dict) -> tuple:
    if claim.get("cell") is not None and claim.get("output") is not None:
        return ("out", claim["cell"], claim["output"])
    return ("line", claim.get("cell"), claim["line"])


def _check(paths: list[Path], timeout: float) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        proc = subprocess.run(
            [sys.executable, "-m", "recipes", "check", "--quiet", "--timeout", str(timeout),
             "--json", str(out), *map(str, paths)],
            capture_output=True, text=True, cwd=ROOT,
        )
        if not out.exists():
            sys.exit(f"torch-recipes check wrote no report (exit {proc.returncode}):\n"
                     f"{proc.stderr[-3000:]}")
        return json.loads(out.read_text(encoding="utf-8"))


def _score(doc: Path, truth: dict, report: dict) -> dict:
    checker: dict[tuple, dict] = {}
    block_lines: set[int] = set()
    for block in report["blocks"]:
        if block.get("cell") is None:
            block_lines.update(block.get("lines", []))
        for claim in block["claims"]:
            checker.setdefault(_key(claim), claim)
    s = Counter()
    confusion: Counter = Counter()
    misses: list[str] = []
    seen = set()
    for t in truth["claims"]:
        key = _key(t)
        seen.add(key)
        s["claims"] += 1
        found = checker.get(key)
        misleading = t["truth"] in MISLEADING
        s["misleading"] += misleading
        where = f"{doc.name}:" + (f"cell {key[1]} " if key[1] is not None else "") + \
            (f"output {key[2]}" if key[0] == "out" else f"line {key[2]}")
        if found is None:
            confusion[(t["truth"], "(not recognised)")] += 1
            misses.append(f"{where}: not recognised (truth {t['truth']})")
            continue
        attached = "code_line" not in t or found["target_line"] == t["code_line"] or \
            found["kind"] == "notebook-output"
        if attached:
            s["covered"] += 1
        else:
            misses.append(f"{where}: attached to line {found['target_line']}, "
                          f"truth {t['code_line']}")
        verdict = found["verdict"]
        confusion[(t["truth"], verdict)] += 1
        flagged = verdict in FLAGS
        s["flagged"] += flagged
        if flagged and misleading:
            s["true_flags"] += 1
        elif flagged:
            misses.append(f"{where}: false alarm {verdict} (truth {t['truth']}): {found['note']}")
        elif misleading:
            misses.append(f"{where}: missed: {verdict} (truth {t['truth']}): {found['note']}")
        if t["truth"] == "ok" and verdict != "ok" and not flagged:
            misses.append(f"{where}: {verdict} for a claim that holds: {found['note']}")
        if misleading and verdict == "ok":
            s["false_ok"] += 1
        if t["truth"] in UNKNOWABLE and verdict == "ok":
            s["ok_on_unknowable"] += 1
            misses.append(f"{where}: ok for an unknowable claim (truth {t['truth']})")
    for key, claim in checker.items():
        if key not in seen:
            s["extra"] += 1
            if claim["verdict"] in FLAGS:
                s["flagged"] += 1
                misses.append(f"{doc.name}:{key[2]}: flag {claim['verdict']} on a claim the "
                              f"truth does not list: {claim['claimed'][:60]!r}")
    text = doc.read_text(encoding="utf-8").split("\n") if doc.suffix != ".ipynb" else []
    # a comment inside a code block never runs, even when it shows output
    code_lines = {n for n in block_lines
                  if 0 < n <= len(text) and not text[n - 1].strip().startswith("#")}
    for first, last in truth.get("output_lines", []):
        ran = sorted(code_lines & set(range(first, last + 1)))
        if ran:
            s["output_run"] += len(ran)
            misses.append(f"{doc.name}:{ran[0]}: output lines {first}-{last} ran as code")
    return {"counts": s, "confusion": confusion, "misses": misses}


def _ratio(a: int, b: int) -> float:
    return a / b if b else 1.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", help="only these corpus documents (stems)")
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("-v", "--verbose", action="store_true", help="list every miss")
    args = parser.parse_args()
    docs = _documents(args.names)
    if not docs:
        sys.exit("no corpus documents found")
    report = _check([p for p, _ in docs], args.timeout)
    by_path = {Path(f["path"]).name: f for f in report["files"]}
    total = Counter()
    confusion = Counter()
    print(f"{'document':38} {'claims':>6} {'cover':>6} {'flags':>5} {'right':>5} "
          f"{'missed':>6} {'false ok':>8}")
    for path, truth in docs:
        scored = _score(path, truth, by_path[path.name])
        s = scored["counts"]
        total.update(s)
        confusion.update(scored["confusion"])
        missed = s["misleading"] - s["true_flags"]
        print(f"{path.name:38} {s['claims']:6} {_ratio(s['covered'], s['claims']):6.1%} "
              f"{s['flagged']:5} {s['true_flags']:5} {missed:6} {s['false_ok']:8}")
        for line in scored["misses"] if args.verbose else []:
            print(f"    {line}")
    print("\ntruth -> verdict")
    for (t, v), n in sorted(confusion.items()):
        print(f"  {t:14} -> {v:18} {n:4}")
    figures = {
        "coverage": _ratio(total["covered"], total["claims"]),
        "recall": _ratio(total["true_flags"], total["misleading"]),
        "precision": _ratio(total["true_flags"], total["flagged"]),
    }
    print(f"\n{len(docs)} documents, {total['claims']} claims, {total['misleading']} misleading, "
          f"{total['extra']} extra claims found by the checker")
    failed = False
    for name, goal in GOALS.items():
        failed |= not emit(Row(f"corpus {name}", figures[name], goal, at_least=True))
    for name, value in (("false ok", total["false_ok"]), ("output run as code",
                                                          total["output_run"])):
        failed |= not emit(Row(f"corpus {name}", value, 0))
    print(f"ok given to unknowable claims: {total['ok_on_unknowable']}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
