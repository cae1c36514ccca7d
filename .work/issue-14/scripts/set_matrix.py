"""Set `cases` and `note` of matrix entries by id (text-level, keeps the file's layout).
usage: set_matrix.py UPDATES.yaml   (a map id -> {cases: [...], note: str} or {reason, note})"""
import sys, json, yaml
path = 'cases/requirements.yaml'
s = open(path).read()
updates = yaml.safe_load(open(sys.argv[1]))
lines = s.split('\n')
out = []
i = 0
def q(t):
    return json.dumps(t, ensure_ascii=False)
while i < len(lines):
    line = lines[i]
    if line.startswith('- id: ') and line[6:].strip() in updates:
        eid = line[6:].strip()
        u = updates.pop(eid)
        block = [line]
        i += 1
        while i < len(lines) and not lines[i].startswith('- id: ') and not (lines[i].startswith('#') ):
            block.append(lines[i]); i += 1
        # keep fields up to and including text
        kept = []
        skipping = False
        for b in block:
            if b.startswith('  cases:') or b.startswith('  note:') or b.startswith('  reason:'):
                skipping = True; continue
            if skipping and (b.startswith('    ') or b.startswith('  - ')):
                continue
            skipping = False
            kept.append(b)
        while kept and kept[-1] == '':
            kept.pop()
        if 'cases' in u:
            kept.append('  cases:')
            for c in u['cases']:
                kept.append('    - ' + q(c))
        if 'reason' in u:
            kept.append('  reason: ' + q(u['reason']))
        if 'note' in u:
            kept.append('  note: ' + q(u['note']))
        out.extend(kept)
        continue
    out.append(line)
    i += 1
if updates:
    sys.exit('not found: %s' % list(updates))
open(path, 'w').write('\n'.join(out))
