import yaml,glob,itertools,re,json,os
ROOT='/work/main/cases'
def bindings(m):
    if m is None: return [{}]
    if isinstance(m,dict):
        keys=list(m.keys()); out=[]
        for combo in itertools.product(*[m[k] for k in keys]):
            out.append(dict(zip(keys,combo)))
        return out
    if isinstance(m,list):
        if m and all(isinstance(g,list) for g in m):
            out=[{}]
            for g in m:
                out=[{**b,**r} for b in out for r in g]
            return out
        return [dict(r) for r in m]
def lookup(b,path):
    parts=path.split('.')
    v=b[parts[0]]
    for p in parts[1:]: v=v[p]
    return v
def subst(s,b):
    def rep(mo):
        v=lookup(b,mo.group(1))
        if isinstance(v,(list,dict)): return json.dumps(v)
        if v is None: return 'null'
        if v is True: return 'true'
        if v is False: return 'false'
        return str(v)
    prev=None
    while prev!=s:
        prev=s; s=re.sub(r'\$\{([A-Za-z0-9_.]+)\}',rep,s)
    return s
rows=[]
for f in sorted(glob.glob(ROOT+'/**/*.yaml',recursive=True)):
    rel=os.path.relpath(f,ROOT)
    doc=yaml.safe_load(open(f))
    role=doc.get('role','server')
    for c in doc['cases']:
        for b in bindings(c.get('matrix')):
            rows.append({'file':'cases/'+rel,'pattern':c['id'],'id':subst(c['id'],b),'req':subst(c['requirement'],b),'req_tmpl':c['requirement'],'role':role,'title':c.get('title'),'rfc':c.get('rfc') if not isinstance(c.get('rfc'),str) or '${' not in c.get('rfc') else subst(c['rfc'],b),'mirror':doc.get('clients')=='mirror'})
json.dump(rows,open('cases_expanded.json','w'),indent=1)
print(len(rows), len(set(r['id'] for r in rows)))
