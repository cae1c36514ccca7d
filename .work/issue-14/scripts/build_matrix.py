"""Build /work/main/cases/requirements.yaml from the draft matrix, the review
decisions (review/decisions_*.yaml) and the entries added for quoted sentences
(review/added.yaml)."""
import glob, json, re, sys, yaml

W = '/work/main/.work/issue-14'
OUT = '/work/main/cases/requirements.yaml'

HEADER = """\
# The requirement matrix: every normative sentence (MUST, MUST NOT, SHOULD,
# SHOULD NOT, MAY and their synonyms) of RFC 6455 sections 4 to 10 and RFC 7692
# sections 5 to 8, plus the other sentences that `requirement:` fields of the
# cases quote (RFC 6455 sections 1 to 3 and 11, RFC 7230, sentences without a
# keyword), each with the cases that check it.
#
# Fields of an entry:
#   id       rfcNNNN-SECTION-LETTER; letters count the entries of the deepest
#            numbered section (a..z, then aa, ab, ...).
#   rfc      6455, 7692 or 7230.
#   section  the deepest numbered section holding the sentence.
#   level    the strongest keyword of the sentence: MUST, MUST NOT, SHOULD,
#            SHOULD NOT or MAY (REQUIRED and SHALL count as MUST, RECOMMENDED
#            as SHOULD, OPTIONAL as MAY), or NOTE for a quoted sentence that
#            has no keyword.
#   binds    whom the sentence obliges: server, client, or both (an endpoint in
#            general, or each of them differently).
#   text     the sentence, verbatim: an exact substring of cases/rfc/rfcNNNN.txt
#            once page breaks (<<PB>> lines) are removed, words hyphenated at a
#            line end are joined and whitespace runs are collapsed. List markers
#            are left out; ABNF comments keep their ";".
#   cases    case ids or globs (globset syntax, `*` also matches `/`) of the
#            cases that check the sentence for the party it binds. Server cases
#            check the server, `client/...` cases the client under test; for a
#            MAY, a case on the other side that tests the tolerance of the
#            permitted behaviour counts (the note says so).
#   reason   only for a sentence no case can check from the wire: why.
#   note     how the cases check it (rules the harness applies in every case of
#            a kind, what part of the sentence is checked), or, for a sentence
#            with neither cases nor reason (checkable, no case yet), what a case
#            would have to do.
# An entry has cases or a reason or neither, never both.
"""

SPECIAL = set('*{}[],&!|>\'"%@`#?:')

def q(s):
    return json.dumps(s, ensure_ascii=False)

def item(s):
    if not s or any(c in SPECIAL for c in s) or s[0] in '-?:' or s != s.strip():
        return q(s)
    return s

def sec_key(s):
    return tuple(int(x) for x in s.split('.'))

RANK = {6455: 0, 7692: 1, 7230: 2}

def load():
    draft = yaml.safe_load(open(f'{W}/requirements.yaml'))
    dec = {}
    for f in sorted(glob.glob(f'{W}/review/decisions_*.yaml')):
        for k, v in (yaml.safe_load(open(f)) or {}).items():
            if k in dec:
                sys.exit(f'{k} decided twice')
            dec[k] = v or {}
    ids = {e['id'] for e in draft}
    unknown = set(dec) - ids
    if unknown:
        sys.exit(f'decisions for unknown ids: {sorted(unknown)}')
    out = []
    for i, e in enumerate(draft):
        d = dec.get(e['id'], {})
        r = {k: e[k] for k in ('id', 'rfc', 'section', 'level', 'binds')}
        r['text'] = d.get('text', e['text'])
        if 'cases' in d:
            r['cases'] = d['cases']
        elif 'reason' in d:
            r['reason'] = d['reason']
        elif not e['checkable']:
            r['reason'] = e['reason']
        elif 'note' not in d:
            sys.exit(f'{e["id"]}: checkable, no decision')
        if d.get('note'):
            r['note'] = d['note']
        r['_order'] = (RANK[r['rfc']], sec_key(r['section']), 0, i)
        r['_dropped'] = d.get('dropped', {})
        r['_draft_cases'] = e['candidates']
        out.append(r)
    try:
        added = yaml.safe_load(open(f'{W}/review/added.yaml')) or []
    except FileNotFoundError:
        added = []
    for i, a in enumerate(added):
        r = {k: a[k] for k in ('id', 'rfc', 'section', 'level', 'binds', 'text')}
        for k in ('cases', 'reason', 'note'):
            if a.get(k):
                r[k] = a[k]
        r['_order'] = (RANK[r['rfc']], sec_key(r['section']), 1, i)
        r['_added'] = True
        out.append(r)
    out.sort(key=lambda r: r['_order'])
    return out

def dump(entries):
    lines = [HEADER.rstrip('\n')]
    for r in entries:
        lines.append(f'- id: {r["id"]}')
        lines.append(f'  rfc: {r["rfc"]}')
        lines.append(f'  section: {q(r["section"])}')
        lines.append(f'  level: {r["level"]}')
        lines.append(f'  binds: {r["binds"]}')
        lines.append(f'  text: {q(r["text"])}')
        if r.get('cases'):
            flow = '[' + ', '.join(item(c) for c in r['cases']) + ']'
            if len(r['cases']) <= 3 and len(flow) <= 90:
                lines.append(f'  cases: {flow}')
            else:
                lines.append('  cases:')
                lines.extend(f'    - {item(c)}' for c in r['cases'])
        if r.get('reason'):
            lines.append(f'  reason: {q(r["reason"])}')
        if r.get('note'):
            lines.append(f'  note: {q(r["note"])}')
    return '\n'.join(lines) + '\n'

if __name__ == '__main__':
    entries = load()
    text = dump(entries)
    back = yaml.safe_load(text)
    assert [b['id'] for b in back] == [e['id'] for e in entries]
    open(OUT, 'w').write(text)
    json.dump([{k: v for k, v in e.items()} for e in entries], open(f'{W}/review/built.json', 'w'), indent=1, default=str)
    print(f'{len(entries)} entries written to {OUT}')
