import re,json,sys
KW=re.compile(r'\b(MUST NOT|MUST|SHALL NOT|SHALL|SHOULD NOT|SHOULD|REQUIRED|NOT RECOMMENDED|RECOMMENDED|MAY|OPTIONAL)\b')
HEAD=re.compile(r'^(\d+(?:\.\d+)*)\.\s+\S')
MARK=re.compile(r'^(\s*)(\d+\.|o|\*|-)(\s+)(?=\S)')
def join_lines(ls):
    s=''
    for l in ls:
        t=l.strip()
        if not s: s=t; continue
        if re.search(r'[A-Za-z0-9]-$',s) : s+=t
        else: s+=' '+t
    return s
def blocks_of(lines):
    blocks=[];cur=[]
    for i,l in enumerate(lines):
        if l=='<<PB>>':
            if cur and re.search(r'[.:]\s*$',cur[-1]):
                blocks.append(cur);cur=[]
            continue
        if l.strip()=='':
            if cur: blocks.append(cur);cur=[]
        else: cur.append(l)
    if cur: blocks.append(cur)
    return blocks
def indent(l): return len(l)-len(l.lstrip(' '))
def split_sentences(block):
    # returns list of (sentence_text_collapsed)
    ls=list(block)
    m=MARK.match(ls[0])
    marker=None
    if m:
        marker=m.group(2)
        ls[0]=ls[0][m.end():]
    elif len(ls)>1 and indent(ls[0])<indent(ls[1]) and not re.search(r'[.,;]$',ls[0].strip()) and len(ls[0].strip())<45:
        ls=ls[1:]
    # raw text keeps double spaces; join with '\n'
    raw='\n'.join(l.strip() for l in ls)
    # boundaries: [.?!] + optional closers + (two spaces | newline followed by capital/_/|/"/( )
    parts=[];start=0
    for mo in re.finditer(r'[.?!][)"\']*(?:  +|\n(?=[A-Z_|"(\[]))',raw):
        end=mo.end()
        seg=raw[start:end]
        parts.append(seg);start=end
    if start<len(raw): parts.append(raw[start:])
    out=[]
    for p in parts:
        t=join_lines(p.split('\n'))
        t=re.sub(r'\s+',' ',t).strip()
        if t: out.append(t)
    return marker,out
def extract(path,rfc,lo,hi):
    lines=open(path).read().split('\n')
    sec=None;seclines={};order=[]
    for l in lines:
        m=HEAD.match(l)
        if m and not l.startswith(' '):
            sec=m.group(1);order.append(sec);seclines[sec]=[];continue
        if sec: seclines[sec].append(l)
    res=[]
    for s in order:
        top=int(s.split('.')[0])
        for b in blocks_of(seclines[s]):
            marker,sents=split_sentences(b)
            for t in sents:
                res.append({'rfc':rfc,'section':s,'top':top,'text':t,'marker':marker,'kw':KW.findall(t)})
    return res
if __name__=='__main__':
    a=extract('6455.clean',6455,4,10)+extract('7692.clean',7692,5,8)
    json.dump(a,open('all_sentences.json','w'),indent=1)
    sel=[x for x in a if x['kw'] and ((x['rfc']==6455 and 4<=x['top']<=10) or (x['rfc']==7692 and 5<=x['top']<=8))]
    json.dump(sel,open('kw_sentences.json','w'),indent=1)
    for x in sel: print(x['rfc'],x['section'],x['kw'],'|',x['text'])
    print(len(sel))
