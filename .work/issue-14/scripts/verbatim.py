#!/usr/bin/env python3
"""Check that every `requirement:` of the case catalogue quotes an RFC verbatim.

Usage: verbatim.py [CASES_DIR]   (default: the cases/ directory of this repository)

The rule (a Rust test implements the same):
- RFC texts: CASES_DIR/rfc/rfc6455.txt, rfc7692.txt, rfc7230.txt. Each is normalised:
  the page-break lines "<<PB>>" are deleted (the substring "<<PB>>\\n" removed), words
  hyphenated at a line end are joined (`(?<=[A-Za-z0-9])-\\n[ \\t]*` -> `-`), and every
  whitespace run is collapsed to one space.
- A requirement: whitespace runs collapsed to one space, trimmed; `${var}` placeholders
  expanded for every matrix row (every expanded value must pass).
- The requirement is split on "..." (or the single character U+2026); each piece is trimmed
  of whitespace only; empty pieces are skipped.
- It passes when one RFC's normalised text contains every piece, each piece starting at or
  after the end of the previous one.

Prints one block per failure and, last, a summary line ending in "N failures".
Exit status 1 when there is a failure.
"""
import re
import sys
from pathlib import Path

import yaml

RFCS = ("rfc6455", "rfc7692", "rfc7230")


def normalise_rfc(text):
    text = text.replace("<<PB>>\n", "")
    text = re.sub(r"(?<=[A-Za-z0-9])-\n[ \t]*", "-", text)
    return re.sub(r"\s+", " ", text)


def collapse(s):
    return re.sub(r"\s+", " ", s).strip()


# --- matrix expansion, as harness/src/case/load.rs does it ---------------------------------

def expand_matrix(m):
    def as_binding(row):
        if not isinstance(row, dict):
            raise ValueError("each matrix row must be a map of variable: value")
        return list(row.items())

    if isinstance(m, list) and m and all(isinstance(g, list) for g in m):
        out = [[]]
        for group in m:
            if not group:
                raise ValueError("each list of matrix rows must be non-empty")
            rows = [as_binding(r) for r in group]
            out = [b + row for b in out for row in rows]
        return out
    if isinstance(m, list) and m:
        return [as_binding(r) for r in m]
    if isinstance(m, dict) and m:
        out = [[]]
        for name, vals in m.items():
            if not isinstance(vals, list) or not vals:
                raise ValueError(f"matrix variable {name} needs a non-empty list of values")
            out = [b + [(name, v)] for b in out for v in vals]
        return out
    raise ValueError("matrix must be a non-empty list of rows or a non-empty map of lists")


_MISSING = object()


def lookup(binding, name):
    parts = name.split(".")
    v = _MISSING
    for k, val in binding:
        if k == parts[0]:
            v = val
            break
    if v is _MISSING:
        return _MISSING
    for part in parts[1:]:
        if not isinstance(v, dict) or part not in v:
            return _MISSING
        v = v[part]
    return v


def scalar_text(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return ""
    if isinstance(v, (str, int, float)):
        return str(v)
    return yaml.safe_dump(v).strip()


def substitute(v, binding):
    if isinstance(v, str):
        if v.startswith("${") and v.endswith("}") and "${" not in v[2:-1]:
            val = lookup(binding, v[2:-1])
            if val is not _MISSING:
                return val
        out = []
        rest = v
        while True:
            start = rest.find("${")
            if start < 0:
                break
            ln = rest[start:].find("}")
            if ln < 0:
                break
            name = rest[start + 2:start + ln]
            out.append(rest[:start])
            val = lookup(binding, name)
            out.append(rest[start:start + ln + 1] if val is _MISSING else scalar_text(val))
            rest = rest[start + ln + 1:]
        out.append(rest)
        return "".join(out)
    if isinstance(v, list):
        return [substitute(i, binding) for i in v]
    if isinstance(v, dict):
        return {(substitute(k, binding) if isinstance(k, str) else k): substitute(x, binding)
                for k, x in v.items()}
    return v


def expanded_cases(doc):
    """(id, requirement) for every case of a file after matrix expansion."""
    for case in doc.get("cases") or []:
        case = dict(case)
        matrix = case.pop("matrix", None)
        bindings = [[]] if matrix is None else expand_matrix(matrix)
        for b in bindings:
            c = substitute(substitute(case, b), b)
            yield c.get("id"), c.get("requirement")


# --- the check ------------------------------------------------------------------------------

def pieces_of(req):
    return [p.strip() for p in re.split(r"\.\.\.|\u2026", collapse(req)) if p.strip()]


def find_in_order(pieces, text):
    """Index of the first piece not found in order, or None when all are."""
    pos = 0
    for i, p in enumerate(pieces):
        at = text.find(p, pos)
        if at < 0:
            return i
        pos = at + len(p)
    return None


def check(req, rfcs):
    """(ok, detail)."""
    if not isinstance(req, str) or not collapse(req):
        return False, "no requirement string"
    pieces = pieces_of(req)
    if not pieces:
        return False, "requirement is only an ellipsis"
    best = None
    for name, text in rfcs.items():
        bad = find_in_order(pieces, text)
        if bad is None:
            return True, name
        if best is None or bad > best[0]:
            best = (bad, name)
    bad, name = best
    return False, f"piece {bad + 1} of {len(pieces)} not found (in order) in {name} " \
                  f"(best RFC): {pieces[bad]!r}"


def main():
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[3] / "cases"
    rfcs = {n: normalise_rfc((root / "rfc" / f"{n}.txt").read_text(encoding="utf-8")) for n in RFCS}
    total = failures = 0
    distinct, distinct_bad = set(), set()
    for path in sorted(root.rglob("*.yaml")):
        rel = path.relative_to(root.parent)
        if path.name == "requirements.yaml" and path.parent == root:
            continue  # not a case file
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(doc, dict) or "cases" not in doc:
            continue
        for cid, req in expanded_cases(doc):
            total += 1
            key = collapse(req) if isinstance(req, str) else repr(req)
            distinct.add(key)
            ok, detail = check(req, rfcs)
            if not ok:
                failures += 1
                distinct_bad.add(key)
                print(f"FAIL {rel}  {cid}\n  requirement: {key}\n  {detail}\n")
    print(f"verbatim: {total} requirement strings checked ({len(distinct)} distinct), "
          f"{len(distinct_bad)} distinct failing, {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
