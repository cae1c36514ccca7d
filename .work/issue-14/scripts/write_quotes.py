import sys,json,textwrap; sys.path.insert(0,'.')
from qmanual import M as M_OLD
from sentences import extract
S={'6455':extract('6455.clean',6455,0,99),'7692':extract('7692.clean',7692,0,99),'7230':extract('7230.clean',7230,0,99)}
res=json.load(open('quotes_segments.json'))
_old=json.load(open('quotes_segments_old.json'))
_byreq={_old[i]['req']:v for i,v in M_OLD.items()}
M={i:_byreq[e['req']] for i,e in enumerate(res) if e.get('status')!='verbatim'}
def sent(d,k):
    h=[s for s in S[d] if k in s['text']]
    if h: return (h[0]['section'],h[0]['text'])
    if k.startswith('The protocol consists of an opening handshake'):
        return ('Abstract','The protocol consists of an opening handshake followed by basic message framing, layered over TCP.')
    raise Exception(k)
def cases_line(e):
    out=[]
    for f,p in e['patterns']:
        n=sum(1 for c in e['cases'])
    by={}
    rows=json.load(open('cases_expanded.json'))
    for r in rows:
        if r['req']==e['_raw']: by.setdefault((r['file'],r['pattern']),[]).append(r['id'])
    lines=[]
    for (f,p),ids in by.items():
        if len(ids)==1 and ids[0]==p: lines.append(f"  case:  {f}  {p}")
        elif len(ids)<=4: lines.append(f"  case:  {f}  {p}  ({', '.join(ids)})")
        else: lines.append(f"  case:  {f}  {p}  ({len(ids)} cases: {ids[0]}, {ids[1]}, ...)")
    return lines
rows=json.load(open('cases_expanded.json'))
import re
raw={}
for r in rows: raw.setdefault(re.sub(r'\s+',' ',r['req']).strip(),r['req'])
for e in res: e['_raw']=raw[e['req']]
from collections import Counter
cnt=Counter(M[i][0] for i in M)
ver=[e for e in res if e.get('status')=='verbatim']
rows0=json.load(open('cases_expanded.json'))
L=[]
L.append('Catalogue requirement quotes checked against the RFC text')
L.append('=========================================================')
L.append('')
L.append('Source: every `requirement:` of /work/main/cases/**/*.yaml, with ${...} expanded per matrix row')
L.append('(%d cases: %d server cases and the %d cases written under cases/client/; the client mirrors' % (len(rows0), sum(r['role']=='server' for r in rows0), sum(r['role']!='server' for r in rows0)))
L.append('"client/<id>" of server cases carry the same strings). %d distinct strings.' % len(res))
L.append('Catalogue state: /work/main working tree at 09:21 UTC (HEAD 871ad4f plus uncommitted edits under cases/).')
L.append('Reference texts: RFC 6455 (/work/shared/rfc/rfc6455.txt), RFC 7692 (text/rfc7692.txt of the public')
L.append('repository khamidou/rfc-czar; its copy of RFC 6455 is byte-identical to the shared one), and RFC 7230')
L.append('(same repository) for the strings that quote HTTP/1.1. Both sides compared after removing page')
L.append('headers/footers, joining words hyphenated across a line break ("Sec-WebSocket-" + "Key|") and')
L.append('collapsing whitespace. A string counts as verbatim when it occurs unchanged in one RFC, whether it is a')
L.append('whole sentence, several consecutive sentences or a fragment of one.')
L.append('')
L.append('Categories of the strings that are not verbatim:')
L.append('  ELIDED             verbatim pieces joined by "..." and nothing else')
L.append('  JOINED             verbatim sentences that are not adjacent in the RFC (other place, other order,')
L.append('                     other RFC) put together without an ellipsis')
L.append('  PARAPHRASE         words that are not in the RFC: rewording, an added remark in wsprobe\'s words,')
L.append('                     or RFC words dropped silently (no "...")')
L.append('  CITATION-INSERTED  verbatim except for an inserted "(RFC nnnn x.y)" citation')
L.append('  combinations (ELIDED+JOINED, ELIDED+PARAPHRASE, ...) where several apply')
L.append('')
L.append('Counts: %d verbatim, %d not verbatim: %s' % (len(ver), len(M), ', '.join(f'{k} {v}' for k,v in sorted(cnt.items()))))
L.append('Pure ELIDED (the "..." joins verbatim pieces only): %d. Strings with words that are not RFC text (any PARAPHRASE): %d.' % (cnt['ELIDED'], sum(v for k,v in cnt.items() if 'PARAPHRASE' in k)))
L.append('')
L.append('')
L.append('A. NOT VERBATIM (%d)' % len(M))
L.append('-------------------')
order=sorted(M, key=lambda i:(res[i]['patterns'][0][0],i))
n=0
for i in order:
    e=res[i]; cat,note,refs=M[i]; n+=1
    L.append('')
    L.append(f'A{n}. [{cat}]')
    L+=cases_line(e)
    L.append('  requirement: "%s"' % e['req'])
    L+=textwrap.wrap('what differs: '+note, width=110, initial_indent='  ', subsequent_indent='    ')
    L.append('  closest verbatim RFC sentence(s):')
    for d,k in refs:
        sec,t=sent(d,k)
        L.append(f'    RFC {d} {sec}: "{t}"')
L.append('')
L.append('')
L.append('B. VERBATIM (%d)' % len(ver))
L.append('---------------')
for e in sorted(ver,key=lambda e:e['patterns'][0][0]):
    d,sec=e['where']
    t=e['req']
    stripped=re.sub(r'^\d+\. ','',t)
    allsent=[x['text'] for x in S[d.split()[1]]]
    if e['whole_sentence']: whole='whole sentence'
    elif stripped!=t and stripped in allsent: whole='whole sentence, with its list number'
    elif re.search(r'[.)] [A-Z(]',stripped): whole='several consecutive sentences'
    else: whole='fragment of a sentence'
    L.append('')
    L+=cases_line(e)
    L.append(f'  {d} {sec}, {whole}: "{t}"')
open('/tmp/matrix/quotes.txt','w').write('\n'.join(L)+'\n')
print(cnt, len(ver))
