import json,re,sys,fnmatch,string
sys.path.insert(0,'/tmp/matrix/work')
from annotations import A
sel=json.load(open('kw_sentences.json'))
rows=json.load(open('cases_expanded.json'))
patterns=set(r['pattern'] for r in rows); ids=set(r['id'] for r in rows)
FIX={58:'When using the quoted-string syntax variant, the value after quoted-string unescaping MUST conform to the \'token\' ABNF.',
     162:'When using the quoted-string syntax variant, the value after quoted-string unescaping MUST conform to the \'token\' ABNF.',
     74:'1 bit in length, MUST be 0 unless negotiated otherwise',75:'1 bit in length, MUST be 0 unless negotiated otherwise',76:'1 bit in length, MUST be 0 unless negotiated otherwise'}
KW=re.compile(r'\b(MUST NOT|MUST|SHALL NOT|SHALL|SHOULD NOT|SHOULD|REQUIRED|NOT RECOMMENDED|RECOMMENDED|MAY|OPTIONAL)\b')
TIER={'MUST':3,'MUST NOT':3,'REQUIRED':3,'SHALL':3,'SHALL NOT':3,'SHOULD':2,'SHOULD NOT':2,'RECOMMENDED':2,'NOT RECOMMENDED':2,'MAY':1,'OPTIONAL':1}
MAP={'REQUIRED':'MUST','SHALL':'MUST','SHALL NOT':'MUST NOT','RECOMMENDED':'SHOULD','NOT RECOMMENDED':'SHOULD NOT','OPTIONAL':'MAY'}
def letters(n):
    s=''
    n+=1
    while n: n,r=divmod(n-1,26); s=chr(97+r)+s
    return s
def resolve(c):
    if '${' in c:
        return c in patterns
    if '*' in c:
        return any(fnmatch.fnmatchcase(i,c) for i in ids)
    return c in ids or c in patterns
out=[];count={}
bad=[]
for i,x in enumerate(sel,1):
    text=FIX.get(i,x['text'])
    kws=KW.findall(text)
    best=max(kws,key=lambda k:TIER[k])
    first=[k for k in kws if TIER[k]==TIER[best]][0]
    level=MAP.get(first,first)
    key=(x['rfc'],x['section'])
    n=count.get(key,0); count[key]=n+1
    binds,chk,reason,cands=A[i]
    for c in cands:
        if not resolve(c): bad.append((i,c))
    # dedupe keep order
    seen=set(); cc=[]
    for c in cands:
        if c not in seen: seen.add(c); cc.append(c)
    out.append({'n':i,'id':f"rfc{x['rfc']}-{x['section']}-{letters(n)}",'rfc':x['rfc'],'section':x['section'],'level':level,'binds':binds,'text':text,'checkable':chk,'reason':reason if not chk else '','candidates':cc,'keywords':kws})
if bad: print('BAD',bad)
json.dump(out,open('requirements.json','w'),indent=1)
def q(s): return json.dumps(s,ensure_ascii=False)
with open('/tmp/matrix/requirements.yaml','w') as f:
    f.write('# Normative sentences (MUST, MUST NOT, SHOULD, SHOULD NOT, REQUIRED, SHALL, RECOMMENDED, MAY, OPTIONAL)\n')
    f.write('# of RFC 6455 sections 4-10 and RFC 7692 sections 5-8, one entry per sentence, with the\n')
    f.write('# wsprobe catalogue cases (/work/main/cases) that appear to check each. Conventions: SUMMARY.md.\n')
    for o in out:
        f.write(f"- id: {o['id']}\n  rfc: {o['rfc']}\n  section: {q(o['section'])}\n  level: {o['level']}\n  binds: {o['binds']}\n  text: {q(o['text'])}\n  checkable: {'true' if o['checkable'] else 'false'}\n  reason: {q(o['reason'])}\n")
        if o['candidates']:
            f.write('  candidates:\n'+''.join(f"    - {q(c)}\n" for c in o['candidates']))
        else:
            f.write('  candidates: []\n')
print(len(out))
