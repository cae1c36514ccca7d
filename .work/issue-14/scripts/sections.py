"""Section of a verbatim piece of RFC text: the RFC split at its numbered headings,
each part normalised like rfcnorm."""
import re
RFC_DIR = '/work/main/cases/rfc'
HEAD = re.compile(r'^(\d+(?:\.\d+)*)\.?\s+\S')
_cache = {}
def _norm(t):
    t = t.replace('<<PB>>\n', '')
    t = re.sub(r'(?<=[A-Za-z0-9])-\n[ \t]*', '-', t)
    return re.sub(r'\s+', ' ', t)
def sections(rfc):
    rfc = str(rfc)
    if rfc not in _cache:
        lines = open(f'{RFC_DIR}/rfc{rfc}.txt', encoding='utf-8').read().split('\n')
        out = []  # (section, normalised text incl. heading)
        cur, buf = '0', []
        seen_toc = False
        for l in lines:
            m = HEAD.match(l)
            if m and not l.startswith(' ') and not re.search(r"\.{4,}", l):
                out.append((cur, _norm('\n'.join(buf))))
                cur, buf = m.group(1), [l]
            else:
                buf.append(l)
        out.append((cur, _norm('\n'.join(buf))))
        _cache[rfc] = out
    return _cache[rfc]
def section_of(rfc, piece):
    hits = [s for s, t in sections(rfc) if piece in t]
    return hits
