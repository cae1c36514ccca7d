#!/usr/bin/env python3
"""Check /work/main/cases/requirements.yaml: schema fields and allowed values,
unique ids, verbatim text, every cases pattern selects at least one id of
ids.txt (and of the live catalogue, with --catalog), no entry with both cases
and reason, a note on every gap.

usage: check_matrix.py [MATRIX] [--ids IDS.txt] [--catalog]"""
import re, sys, argparse
import yaml

W = '/work/main/.work/issue-14'
RFC_DIR = '/work/main/cases/rfc'

FIELDS = ['id', 'rfc', 'section', 'level', 'binds', 'text', 'cases', 'reason', 'note']
REQUIRED = ['id', 'rfc', 'section', 'level', 'binds', 'text']
RFCS = {6455, 7692, 7230}
LEVELS = {'MUST', 'MUST NOT', 'SHOULD', 'SHOULD NOT', 'MAY', 'NOTE'}
BINDS = {'server', 'client', 'both'}
KEYWORDS = {
    'MUST': r'\b(MUST|REQUIRED|SHALL)\b',
    'MUST NOT': r'\b(MUST NOT|SHALL NOT)\b',
    'SHOULD': r'\b(SHOULD|RECOMMENDED)\b',
    'SHOULD NOT': r'\b(SHOULD NOT|NOT RECOMMENDED)\b',
    'MAY': r'\b(MAY|OPTIONAL)\b',
}
ANY_KEYWORD = r'\b(MUST|REQUIRED|SHALL|SHOULD|RECOMMENDED|MAY|OPTIONAL)\b'


def normalised(rfc, cache={}):
    if rfc not in cache:
        t = open(f'{RFC_DIR}/rfc{rfc}.txt', encoding='utf-8').read()
        t = t.replace('\r', '').replace('<<PB>>\n', '')
        t = re.sub(r'(?<=[A-Za-z0-9])-\n[ \t]*', '-', t)
        cache[rfc] = re.sub(r'\s+', ' ', t)
    return cache[rfc]


def glob_regex(pat):
    """globset syntax (default options: `*` also matches `/`) as a regex."""
    out, i, depth = [], 0, 0
    while i < len(pat):
        c = pat[i]
        if c == '*':
            while i + 1 < len(pat) and pat[i + 1] == '*':
                i += 1
            out.append('.*')
        elif c == '?':
            out.append('.')
        elif c == '[':
            j = pat.index(']', i + 2 if pat[i + 1:i + 2] in ('!', '^') else i + 1)
            body = pat[i + 1:j]
            if body.startswith('!'):
                body = '^' + body[1:]
            out.append('[' + body.replace('\\', '\\\\') + ']')
            i = j
        elif c == '{':
            depth += 1
            out.append('(?:')
        elif c == '}' and depth:
            depth -= 1
            out.append(')')
        elif c == ',' and depth:
            out.append('|')
        elif c == '\\' and i + 1 < len(pat):
            i += 1
            out.append(re.escape(pat[i]))
        else:
            out.append(re.escape(c))
        i += 1
    if depth:
        raise ValueError('unclosed {')
    return re.compile('^' + ''.join(out) + '$')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('matrix', nargs='?', default='/work/main/cases/requirements.yaml')
    ap.add_argument('--ids', default=f'{W}/ids.txt')
    ap.add_argument('--catalog', action='store_true', help='also match against the live catalogue')
    a = ap.parse_args()

    errors, warnings = [], []
    ids = [l.strip() for l in open(a.ids) if l.strip()]
    live = None
    if a.catalog:
        sys.path.insert(0, f'{W}/scripts')
        import catalog
        live = [c['id'] for c in catalog.load()]

    data = yaml.safe_load(open(a.matrix))
    if not isinstance(data, list) or not data:
        sys.exit('the matrix is not a non-empty YAML list')
    seen = {}
    counts = {}
    for n, e in enumerate(data):
        where = f'[{n}] {e.get("id", "?") if isinstance(e, dict) else "?"}'
        if not isinstance(e, dict):
            errors.append(f'{where}: not a mapping')
            continue
        for k in e:
            if k not in FIELDS:
                errors.append(f'{where}: unknown field {k!r}')
        for k in REQUIRED:
            if k not in e:
                errors.append(f'{where}: missing {k}')
        if any(k not in e for k in REQUIRED):
            continue
        rid, rfc, sec = e['id'], e['rfc'], e['section']
        if not isinstance(rfc, int) or rfc not in RFCS:
            errors.append(f'{where}: rfc {rfc!r} not one of {sorted(RFCS)}')
            continue
        if not isinstance(sec, str) or not re.fullmatch(r'\d+(\.\d+)*', sec):
            errors.append(f'{where}: section {sec!r} is not a quoted section number')
        if not re.fullmatch(rf'rfc{rfc}-{re.escape(str(sec))}-[a-z]+', str(rid)):
            errors.append(f'{where}: id does not read rfc{rfc}-{sec}-<letters>')
        if rid in seen:
            errors.append(f'{where}: duplicate id (first at [{seen[rid]}])')
        seen[rid] = n
        if e['level'] not in LEVELS:
            errors.append(f'{where}: level {e["level"]!r} not one of {sorted(LEVELS)}')
        if e['binds'] not in BINDS:
            errors.append(f'{where}: binds {e["binds"]!r} not one of {sorted(BINDS)}')
        text = e['text']
        if not isinstance(text, str) or not text.strip():
            errors.append(f'{where}: empty text')
        else:
            if re.sub(r'\s+', ' ', text).strip() != text:
                errors.append(f'{where}: text has leading, trailing or repeated whitespace')
            if text not in normalised(rfc):
                errors.append(f'{where}: text is not verbatim in RFC {rfc}: {text[:90]!r}')
            if e['level'] in KEYWORDS and not re.search(KEYWORDS[e['level']], text):
                warnings.append(f'{where}: level {e["level"]} but the text has no such keyword')
            if e['level'] == 'NOTE' and re.search(ANY_KEYWORD, text):
                warnings.append(f'{where}: level NOTE but the text has a keyword')
        has_cases = 'cases' in e
        has_reason = 'reason' in e
        if has_cases and has_reason:
            errors.append(f'{where}: both cases and reason')
        if has_cases:
            cs = e['cases']
            if not isinstance(cs, list) or not cs or not all(isinstance(c, str) and c for c in cs):
                errors.append(f'{where}: cases must be a non-empty list of strings')
                cs = []
            if len(set(cs)) != len(cs):
                errors.append(f'{where}: a pattern is listed twice')
            for c in cs:
                try:
                    rx = glob_regex(c)
                except (ValueError, re.error) as x:
                    errors.append(f'{where}: bad glob {c!r}: {x}')
                    continue
                if not any(rx.match(i) for i in ids):
                    errors.append(f'{where}: pattern {c!r} matches no id in {a.ids}')
                if live is not None and not any(rx.match(i) for i in live):
                    errors.append(f'{where}: pattern {c!r} matches no case of the live catalogue')
        for k in ('reason', 'note'):
            if k in e and (not isinstance(e[k], str) or not e[k].strip()):
                errors.append(f'{where}: empty {k}')
        if not has_cases and not has_reason and not e.get('note'):
            errors.append(f'{where}: a gap (no cases, no reason) needs a note saying what a case would do')
        kind = 'cases' if has_cases else 'reason' if has_reason else 'gap'
        counts.setdefault(rfc, {'cases': 0, 'reason': 0, 'gap': 0})[kind] += 1

    for w in warnings:
        print('warning:', w)
    for x in errors:
        print('error:', x)
    for rfc in sorted(counts):
        c = counts[rfc]
        print(f'RFC {rfc}: {sum(c.values())} entries, {c["cases"]} with cases, {c["reason"]} with a reason, {c["gap"]} gaps')
    print(f'{len(data)} entries, {len(errors)} errors, {len(warnings)} warnings')
    sys.exit(1 if errors else 0)


if __name__ == '__main__':
    main()
