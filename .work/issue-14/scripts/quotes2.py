import json,re,sys,difflib
sys.path.insert(0,'.')
from norm import norm_doc
from sentences import extract, blocks_of
FILES={'RFC 6455':('6455.clean',6455),'RFC 7692':('7692.clean',7692),'RFC 7230':('7230.clean',7230)}
DOCS={k:norm_doc(f) for k,(f,_) in FILES.items()}
SENTS={k:extract(f,n,0,99) for k,(f,n) in FILES.items()}
# per-section normalized text
HEAD=re.compile(r'^(\d+(?:\.\d+)*)\.\s+\S')
SECT={}
for k,(f,_) in FILES.items():
    cur=None;buf={}
    for l in open(f).read().split('\n'):
        m=HEAD.match(l)
        if m and not l.startswith(' '): cur=m.group(1); buf[cur]=[]; continue
        if cur and l!='<<PB>>': buf[cur].append(l)
    SECT[k]={s:re.sub(r'\s+',' ',re.sub(r'(?<=[A-Za-z0-9])-\n[ \t]*','-','\n'.join(v))) for s,v in buf.items()}
def where(seg):
    for k,d in DOCS.items():
        if seg in d:
            secs=[s for s,t in SECT[k].items() if seg in t]
            return k,(secs[0] if secs else '?')
    return None
def strip_wrap(s):
    return s.strip().lstrip('(').rstrip(')').strip()
def cover(piece):
    """greedy longest verbatim segments over words"""
    words=piece.split(' ')
    out=[];i=0;junk=[]
    while i<len(words):
        best=None
        for j in range(len(words),i,-1):
            seg=' '.join(words[i:j])
            for cand in (seg, strip_wrap(seg), seg.rstrip('.;,'), strip_wrap(seg).rstrip('.;,')):
                if len(cand.split())>=4 or (j-i==len(words) and len(cand.split())>=2):
                    w=where(cand)
                    if w: best=(j,cand,w); break
            if best: break
        if best:
            if junk: out.append(('X',' '.join(junk),None)); junk=[]
            out.append(('V',best[1],best[2])); i=best[0]
        else:
            junk.append(words[i]); i+=1
    if junk: out.append(('X',' '.join(junk),None))
    return out
def sentence_of(seg,doc):
    for s in SENTS[doc]:
        if seg in s['text']: return s
    # segment spanning sentences: return first sentence that contains its start
    for s in SENTS[doc]:
        if seg[:40] in s['text']: return s
    return None
def closest(seg):
    best=(0,None,None)
    for doc,ss in SENTS.items():
        for s in ss:
            r=difflib.SequenceMatcher(None,seg,s['text'],autojunk=False).ratio()
            if r>best[0]: best=(r,doc,s)
    return best
rows=json.load(open('cases_expanded.json'))
groups={}
for r in rows:
    g=groups.setdefault(r['req'],{'cases':[],'files':[],'patterns':[]})
    g['cases'].append(r['id'])
    if r['file'] not in g['files']: g['files'].append(r['file'])
    if (r['file'],r['pattern']) not in g['patterns']: g['patterns'].append((r['file'],r['pattern']))
res=[]
for req,g in groups.items():
    s=re.sub(r'\s+',' ',req).strip()
    e={'req':s,'files':g['files'],'patterns':g['patterns'],'cases':g['cases']}
    w=where(s)
    if w:
        e['status']='verbatim'; e['where']=w
        sent=sentence_of(s,w[0])
        e['whole_sentence']= bool(sent and sent['text']==s)
        res.append(e); continue
    pieces=[p.strip() for p in re.split(r'\s*(?:\.\.\.|…)\s*',s)]
    e['ellipsis']=len([p for p in pieces if p])>1 or s.startswith('...') or s.endswith('...')
    segs=[]
    for p in pieces:
        if not p: continue
        segs.append([ (t,x,w2) for (t,x,w2) in cover(p)])
    e['segments']=segs
    res.append(e)
json.dump(res,open('quotes_segments.json','w'),indent=1)
for e in res:
    if e['status' if 'status' in e else 'x']=='verbatim' if 'status' in e else False: continue
for e in res:
    if e.get('status')=='verbatim': continue
    print('==',e['patterns'][0][1],'| ellipsis' if e['ellipsis'] else '')
    for i,p in enumerate(e['segments']):
        for t,x,w in p:
            print('  ',i,t,w,'|',x[:150])
