import json,re,sys,difflib
sys.path.insert(0,'.')
from norm import norm_doc
from sentences import extract
DOCS={'RFC 6455':norm_doc('6455.clean'),'RFC 7692':norm_doc('7692.clean'),'RFC 7230':norm_doc('7230.clean')}
DOCS_PLAIN={k:norm_doc(f,False) for k,f in [('RFC 6455','6455.clean'),('RFC 7692','7692.clean'),('RFC 7230','7230.clean')]}
SENTS={'RFC 6455':[s for s in extract('6455.clean',6455,0,99)],'RFC 7692':extract('7692.clean',7692,0,99),'RFC 7230':extract('7230.clean',7230,0,99)}
rows=json.load(open('cases_expanded.json'))
groups={}
for r in rows:
    g=groups.setdefault(r['req'],{'cases':[],'files':set(),'patterns':[]})
    g['cases'].append(r['id']); g['files'].add(r['file'])
    if (r['file'],r['pattern']) not in g['patterns']: g['patterns'].append((r['file'],r['pattern']))
def collapse(s): return re.sub(r'\s+',' ',s).strip()
def find(piece):
    """return doc name where piece is a verbatim substring, else None"""
    for k,d in DOCS.items():
        if piece in d: return k
    for k,d in DOCS_PLAIN.items():
        if piece in d: return k+' (line-break hyphen kept as "- ")'
    return None
def containing_sentence(piece,doc):
    doc=doc.split(' ')[0]+' '+doc.split(' ')[1]
    best=None
    for s in SENTS[doc]:
        if piece in s['text'] or (len(piece)>20 and piece.strip(' .,;') in s['text']):
            return s
    return None
def closest(piece):
    best=(0,None,None)
    for doc,ss in SENTS.items():
        for s in ss:
            r=difflib.SequenceMatcher(None,piece,s['text'],autojunk=False).ratio()
            if r>best[0]: best=(r,doc,s)
    return best
res=[]
for req,g in groups.items():
    s=collapse(req)
    entry={'req':req,'files':sorted(g['files']),'patterns':g['patterns'],'cases':g['cases']}
    where=find(s)
    if where:
        entry['cat']='verbatim'; entry['where']=where
        res.append(entry); continue
    # strip trailing citation like "(RFC 7230 3.2.4)"
    cit=None
    m=re.search(r'\s*\((RFC \d+ [\d.]+)\)\.?$',s)
    core=s
    if m: cit=m.group(1); core=s[:m.start()]
    pieces=[p.strip() for p in re.split(r'\.\.\.|…',core)]
    pieces=[p for p in pieces if p]
    info=[]
    allok=True
    for p in pieces:
        w=find(p)
        # try trimming leading punctuation
        if not w:
            w2=find(p.lstrip(',;: ')) 
            if w2: w=w2
        info.append((p,w))
        if not w: allok=False
    entry['pieces']=info; entry['citation']=cit
    if '...' in core or '…' in core:
        entry['cat']='elided' if allok else 'elided+paraphrase'
    else:
        entry['cat']='verbatim+citation' if (allok and cit) else 'paraphrase'
    res.append(entry)
json.dump(res,open('quotes_check.json','w'),indent=1)
from collections import Counter
print(Counter(e['cat'] for e in res))
for e in res:
    if e['cat']!='verbatim':
        print('==',e['cat'],e['patterns'][0],len(e['cases']))
        print('  ',e['req'][:300])
        for p,w in e.get('pieces',[]): print('    piece:',repr(p[:120]),'->',w)
