"""Simulate harness/tests/requirements.rs on the current files: verbatim quotes
and every case's quote overlapping a matrix sentence of its RFC (case/quote.rs)."""
import re, sys, yaml
sys.path.insert(0, '/work/main/.work/issue-14/scripts')
import catalog, rfcnorm
def collapse(s): return ' '.join(s.split())
def pieces(q): return [p.strip() for p in collapse(q).replace('…', '...').split('...') if p.strip()]
def verbatim(q, t):
    ps = pieces(q)
    if not ps: return False
    at = 0
    for p in ps:
        i = t.find(p, at)
        if i < 0: return False
        at = i + len(p)
    return True
texts = [(n, rfcnorm.normalised(n)) for n in (6455, 7692, 7230)]
m = yaml.safe_load(open(sys.argv[1] if len(sys.argv) > 1 else '/work/main/cases/requirements.yaml'))
nv, nm = set(), set()
for c in catalog.load():
    q = (c.get('requirement') or '').strip()
    src = next((n for n, t in texts if verbatim(q, t)), None)
    if src is None:
        nv.add((c['id'], q)); continue
    if not any(r['rfc'] == src and any(p in collapse(r['text']) or collapse(r['text']) in p for p in pieces(q)) for r in m):
        nm.add((c['id'], src, q))
print('not verbatim:', len(nv)); [print('  ', x) for x in sorted(nv)[:20]]
print('not in matrix:', len(nm)); [print('  ', x) for x in sorted(nm)[:20]]
