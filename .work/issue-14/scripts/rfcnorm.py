import re
RFC_DIR = '/work/main/cases/rfc'
_cache = {}
def normalised(rfc):
    rfc = str(rfc)
    if rfc not in _cache:
        t = open(f'{RFC_DIR}/rfc{rfc}.txt', encoding='utf-8').read()
        t = t.replace('<<PB>>\n', '')
        t = re.sub(r'(?<=[A-Za-z0-9])-\n[ \t]*', '-', t)
        t = re.sub(r'\s+', ' ', t)
        _cache[rfc] = t
    return _cache[rfc]
