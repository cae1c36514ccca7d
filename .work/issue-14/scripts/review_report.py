"""Write review/REVIEW.md: counts, gaps, dropped candidates, added entries."""
import glob, yaml, collections
W = '/work/main/.work/issue-14'
m = yaml.safe_load(open('/work/main/cases/requirements.yaml'))
dec = {}
for f in sorted(glob.glob(f'{W}/review/decisions_*.yaml')):
    dec.update(yaml.safe_load(open(f)))
added = {a['id'] for a in yaml.safe_load(open(f'{W}/review/added.yaml'))}
out = ['# Review of the draft requirement matrix (issue 14)', '',
       'Built by scripts/build_matrix.py from ../requirements.yaml (the draft), review/decisions_*.yaml and review/added.yaml; checked by scripts/check_matrix.py (schema, ids, verbatim text, patterns against ids.txt) and scripts/quotes_check.py, scripts/rust_sim.py (rule 3 and the Rust test\'s quote rule).', '']
cnt = collections.OrderedDict()
for e in m:
    k = 'cases' if 'cases' in e else 'reason' if 'reason' in e else 'gap'
    cnt.setdefault(e['rfc'], collections.Counter())[k] += 1
out += ['## Counts', '', '| RFC | entries | with cases | with reason | gaps |', '|---|---:|---:|---:|---:|']
for r, c in cnt.items():
    out.append(f'| {r} | {sum(c.values())} | {c["cases"]} | {c["reason"]} | {c["gap"]} |')
out += ['', '## Gaps (checkable, no case): the KNOWN_GAPS of harness/tests/requirements.rs', '']
for e in m:
    if 'cases' not in e and 'reason' not in e:
        out.append(f'- `{e["id"]}` ({e["level"]}, {e["binds"]}): {e.get("note", "")}')
out += ['', '## Candidates dropped', '']
for k, d in dec.items():
    for pat, why in ((d or {}).get('dropped') or {}).items():
        out.append(f'- `{k}`: {pat} — {why}')
out += ['', '## Entries added for quoted sentences (rule 3)', '']
for e in m:
    if e['id'] in added:
        out.append(f'- `{e["id"]}` ({e["level"]}, {e["binds"]}): "{e["text"]}" — ' + (', '.join(e.get('cases', [])) or ('reason: ' + e['reason'] if e.get('reason') else 'gap')))
open(f'{W}/review/REVIEW.md', 'w').write('\n'.join(out) + '\n')
print('\n'.join(out))
