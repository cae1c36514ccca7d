import re,sys
src,out=sys.argv[1],sys.argv[2]
lines=open(src,encoding='utf-8').read().replace('\r','').split('\n')
res=[]
i=0
footer=re.compile(r'^\S.*\[Page \d+\]\s*$')
header=re.compile(r'^RFC \d+ {2,}.* {2,}(December|January|February|March|April|May|June|July|August|September|October|November) \d{4}\s*$')
n=len(lines)
out_lines=[]
i=0
while i<n:
    l=lines[i]
    if footer.match(l):
        # drop trailing blank lines already emitted
        blanks=0
        while out_lines and out_lines[-1].strip()=='':
            out_lines.pop(); blanks+=1
        # skip footer, formfeed, header, following blanks
        i+=1
        while i<n and (lines[i].strip()=='' or lines[i].strip()=='\f' or header.match(lines[i].replace('\f',''))):
            i+=1
        out_lines.append('<<PB>>')
        continue
    out_lines.append(l.replace('\f',''))
    i+=1
open(out,'w').write('\n'.join(out_lines))
