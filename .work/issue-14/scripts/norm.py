import re
def norm_doc(path, hyphen_join=True):
    t=open(path).read()
    t=t.replace('<<PB>>\n','').replace('<<PB>>','')
    if hyphen_join:
        t=re.sub(r'(?<=[A-Za-z0-9])-\n[ \t]*','-',t)
    return re.sub(r'\s+',' ',t)
