"""Rule 3: every `requirement:` of the catalogue (expanded per matrix row), split on "...",
against the RFC texts and a requirement matrix: which quoted pieces no matrix entry covers.

usage: quotes_check.py MATRIX.yaml [--context]"""
import re, sys, yaml, collections
sys.path.insert(0, '/work/main/.work/issue-14/scripts')
import catalog, rfcnorm, sections

RFCS = ('6455', '7692', '7230')
LIST_MARK = re.compile(r'^(?:\(?\d+\)?\.|o|\*|[0-9]+\.)\s+')

def clean(seg):
    s = seg.strip()
    for _ in range(3):
        s = LIST_MARK.sub('', s).strip()
        s = s.strip('()').strip()
        s = s.rstrip('.;:,').strip()
    return s

def where(seg):
    return [r for r in RFCS if seg in rfcnorm.normalised(r)]

def cover(piece, minw=4):
    """Greedy longest verbatim runs of words (at least minw words, or the whole piece)."""
    words = piece.split(' ')
    out, i, junk = [], 0, []
    while i < len(words):
        best = None
        for j in range(len(words), i, -1):
            seg = ' '.join(words[i:j])
            for cand in (seg, seg.strip('()'), seg.rstrip('.;,:'), seg.strip('()').rstrip('.;,:'), clean(seg)):
                n = len(cand.split())
                if cand and (n >= minw or (i == 0 and j == len(words) and n >= 2)):
                    w = where(cand)
                    if w:
                        best = (j, cand, w)
                        break
            if best:
                break
        if best:
            if junk:
                out.append(('X', ' '.join(junk), []))
                junk = []
            out.append(('V', best[1], best[2]))
            i = best[0]
        else:
            junk.append(words[i])
            i += 1
    if junk:
        out.append(('X', ' '.join(junk), []))
    return out

def source(pieces):
    """The first RFC holding every piece in order (case/quote.rs source)."""
    for r in RFCS:
        t, at = rfcnorm.normalised(r), 0
        for p in pieces:
            i = t.find(p, at)
            if i < 0:
                break
            at = i + len(p)
        else:
            return r
    return None

def covered(seg, rfc, entries):
    """The Rust test's rule (case/quote.rs overlaps), per piece: the piece lies
    inside the sentence, or the sentence inside the piece."""
    hits = []
    for e in entries:
        if str(e['rfc']) != rfc:
            continue
        t = re.sub(r'\s+', ' ', e['text']).strip()
        bare = LIST_MARK.sub('', seg)
        if seg in t or t in seg or bare in t:
            hits.append(e['id'])
    return hits

def main():
    matrix = yaml.safe_load(open(sys.argv[1]))
    show = '--context' in sys.argv
    reqs = collections.OrderedDict()
    for c in catalog.load():
        if '_mirror_of' in c:
            continue
        r = re.sub(r'\s+', ' ', c.get('requirement') or '').strip()
        reqs.setdefault(r, []).append(c['id'])
    uncovered = collections.OrderedDict()
    nonverb = []
    for req, ids in reqs.items():
        pieces = [p.strip() for p in re.split(r'\s*(?:\.\.\.|…)\s*', req) if p.strip()]
        src = source(pieces)
        for p in pieces:
            if src:
                segs = [('V', p, [src])]
            else:
                whole = where(p)
                segs = [('V', p, whole)] if whole else cover(p)
            for kind, seg, rfcs in segs:
                if kind == 'X':
                    nonverb.append((seg, ids[0]))
                    continue
                cov = []
                for r in rfcs:
                    cov += covered(seg, r, matrix)
                if not cov:
                    key = (rfcs[0], seg)
                    uncovered.setdefault(key, []).extend(ids)
    print(f'{len(reqs)} distinct requirement strings')
    print(f'\nUNCOVERED verbatim pieces: {len(uncovered)}')
    for (r, seg), ids in uncovered.items():
        secs = sections.section_of(r, seg)
        print(f'- RFC {r} {secs}: "{seg}"')
        print(f'    cases: {sorted(set(ids))[:6]}{" ..." if len(set(ids))>6 else ""} ({len(set(ids))})')
        if show:
            t = rfcnorm.normalised(r)
            i = t.find(seg)
            print('    context:', t[max(0, i-250):i+len(seg)+250])
    print(f'\nwords not verbatim in any RFC (paraphrase), {len(nonverb)}:')
    for seg, cid in nonverb:
        print(f'  [{cid}] {seg}')

if __name__ == '__main__':
    main()
