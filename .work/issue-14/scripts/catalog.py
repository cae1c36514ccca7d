"""Expand the wsprobe catalogue (cases/**/*.yaml) as harness/src/case/load.rs does:
matrix rows, ${var} substitution (twice), step splicing, client mirrors."""
import yaml, glob, os, re, copy, json, itertools

ROOT = '/work/main/cases'

def expand_matrix(m):
    if m is None:
        return [{}]
    if isinstance(m, list) and m and all(isinstance(g, list) for g in m):
        out = [{}]
        for g in m:
            out = [{**b, **r} for b in out for r in g]
        return out
    if isinstance(m, list):
        return [dict(r) for r in m]
    if isinstance(m, dict):
        keys = list(m)
        return [dict(zip(keys, c)) for c in itertools.product(*[m[k] for k in keys])]
    raise ValueError(m)

def lookup(b, name):
    parts = name.split('.')
    if parts[0] not in b:
        return KeyError
    v = b[parts[0]]
    for p in parts[1:]:
        if not isinstance(v, dict) or p not in v:
            return KeyError
        v = v[p]
    return v

def scalar(v):
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if v is None:
        return ''
    if isinstance(v, (int, float, str)):
        return str(v)
    return yaml.safe_dump(v, default_flow_style=None).strip()

def subst(v, b):
    if isinstance(v, str):
        if v.startswith('${') and v.endswith('}') and '${' not in v[2:-1]:
            val = lookup(b, v[2:-1])
            if val is not KeyError:
                return copy.deepcopy(val)
        out = ''
        rest = v
        while '${' in rest:
            s = rest.index('${')
            e = rest.find('}', s)
            if e < 0:
                break
            name = rest[s+2:e]
            out += rest[:s]
            val = lookup(b, name)
            out += rest[s:e+1] if val is KeyError else scalar(val)
            rest = rest[e+1:]
        return out + rest
    if isinstance(v, list):
        return [subst(i, b) for i in v]
    if isinstance(v, dict):
        return {(subst(k, b) if isinstance(k, str) else k): subst(x, b) for k, x in v.items()}
    return v

def server_only(c):
    for s in c.get('steps') or []:
        if isinstance(s, dict):
            if any(k in s for k in ('handshake', 'idle', 'send_raw')):
                return True
            if 'send' in s and isinstance(s['send'], dict) and 'mask' in s['send'] and s['send']['mask'] not in (None, 'auto'):
                return True
    return False

def load():
    cases = []
    for f in sorted(glob.glob(ROOT + '/**/*.yaml', recursive=True)):
        rel = os.path.relpath(f, ROOT)
        doc = yaml.safe_load(open(f))
        if not isinstance(doc, dict) or 'cases' not in doc:
            continue
        frole = doc.get('role')
        for c in doc['cases']:
            c = dict(c)
            if frole and 'role' not in c:
                c['role'] = frole
            m = c.pop('matrix', None)
            for b in expand_matrix(m):
                v = subst(subst(copy.deepcopy(c), b), b)
                if isinstance(v.get('steps'), list):
                    st = []
                    for s in v['steps']:
                        st.extend(s if isinstance(s, list) else [s])
                    v['steps'] = st
                v['_file'] = 'cases/' + rel
                v['_template'] = c['id']
                v['_template_req'] = c.get('requirement')
                v['_binding'] = b
                v.setdefault('role', 'server')
                cases.append(v)
                if doc.get('clients') == 'mirror' and v['role'] == 'server' and not server_only(v) \
                        and 'deflate' not in (v.get('needs') or []):
                    mm = copy.deepcopy(v)
                    mm['id'] = 'client/' + v['id']
                    mm['role'] = 'client-under-test'
                    mm['_mirror_of'] = v['id']
                    mm['needs'] = []
                    cases.append(mm)
    return cases

if __name__ == '__main__':
    cs = load()
    ids = [c['id'] for c in cs]
    print(len(ids), len(set(ids)))
    known = [l.strip() for l in open('/work/main/.work/issue-14/ids.txt') if l.strip()]
    print('in ids.txt not expanded:', sorted(set(known) - set(ids))[:20])
    print('expanded not in ids.txt:', sorted(set(ids) - set(known))[:20])
