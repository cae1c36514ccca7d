import json,re
from collections import OrderedDict,Counter
o=json.load(open('requirements.json'))
def skey(s): return tuple(int(x) for x in s.split('.'))
IMPLICIT={
 'rfc6455-4.1-r':'every client case: the request must parse as HTTP (runner/serve.rs read_request)',
 'rfc6455-4.1-s':'every client case: check_request, "is not a GET with HTTP/1.1 or later"',
 'rfc6455-4.1-u':'every client case: check_request, exactly one Host header (the value is not compared with /host/)',
 'rfc6455-4.1-v':'every client case: check_request, `Upgrade: websocket`',
 'rfc6455-4.1-w':'every client case: check_request, `Upgrade` token in Connection',
 'rfc6455-4.1-x':'every client case: check_request, one Sec-WebSocket-Key',
 'rfc6455-4.1-y':'every client case: check_request, the key decodes to 16 bytes (randomness not checked)',
 'rfc6455-4.1-ac':'every client case: check_request, Sec-WebSocket-Version present',
 'rfc6455-4.1-ad':'every client case: check_request, `Sec-WebSocket-Version: 13`',
 'rfc6455-5.1-d':'every server case: the frame reader flags Violation::MaskedFrameFromServer',
 'rfc6455-5.1-a':'every client case: the frame reader flags Violation::UnmaskedFrameFromClient',
 'rfc6455-6.1-h':'every client case: the frame reader flags Violation::UnmaskedFrameFromClient',
 'rfc6455-5.5.1-g':'every case with a close step: the close reply is awaited for close_timeout (1 s by default)',
 'rfc6455-7.1.2-a':'every must-fail server case grades the code of the server\'s Close frame (judge close grading)',
 'rfc7692-7.1.2.2-e':'every deflate case: wsprobe fails a response with client_max_window_bits that was not offered (Violation::DeflateBadResponse)',
}
L=[]
tot=Counter()
L.append('# Requirement matrix: RFC 6455 sections 4-10 and RFC 7692 sections 5-8 against the wsprobe catalogue\n')
L.append('Files: `requirements.yaml` (one entry per normative sentence), `quotes.txt` (the catalogue\'s `requirement:` strings checked against the RFC text), this summary. Catalogue state matched: the working tree of /work/main at 09:21 UTC, i.e. HEAD 871ad4f plus uncommitted edits to 11 files under cases/ made by someone else while this matrix was being built (the first pass was against HEAD 73c7e02 with a clean cases/; everything was re-run on the newer tree: 846 cases = 798 server + 48 under cases/client/, the client/close/invalid-code-*, one-byte-payload and invalid-utf8-reason cases having been removed). If cases/ changes again, re-run the scripts in /tmp/matrix/work/ (expand.py, build.py, quotes2.py, write_quotes.py, summary.py). Nothing under /work/main was changed by this work.\n')
# headline
by_rfc=OrderedDict()
for x in o: by_rfc.setdefault(x['rfc'],[]).append(x)
L.append('## Headline\n')
L.append('| RFC | sections | sentences | checkable | with candidates | checkable without candidates (gaps) | not checkable |')
L.append('|---|---|---:|---:|---:|---:|---:|')
for r,xs in by_rfc.items():
    c=sum(x['checkable'] for x in xs); w=sum(bool(x['candidates']) for x in xs); g=sum(x['checkable'] and not x['candidates'] for x in xs)
    L.append(f"| {r} | {'4-10' if r==6455 else '5-8'} | {len(xs)} | {c} | {w} | {g} | {len(xs)-c} |")
c=sum(x['checkable'] for x in o); w=sum(bool(x['candidates']) for x in o); g=sum(x['checkable'] and not x['candidates'] for x in o)
L.append(f"| both | | {len(o)} | {c} | {w} | {g} | {len(o)-c} |\n")
lv=Counter((x['rfc'],x['level']) for x in o); bd=Counter((x['rfc'],x['binds']) for x in o)
for r in by_rfc:
    L.append(f"RFC {r}: levels " + ', '.join(f"{k} {lv[(r,k)]}" for k in ['MUST','MUST NOT','SHOULD','SHOULD NOT','MAY'] if lv[(r,k)]) + '; binds ' + ', '.join(f"{k} {bd[(r,k)]}" for k in ['server','client','both'] if bd[(r,k)]) + '.')
L.append('')
L.append('Keyword occurrences counted in the text of those sections: 194 in RFC 6455 4-10 and 61 in RFC 7692 5-8; every one falls in exactly one entry. RFC 7692 section 8 (Security Considerations) has no keyword in capitals, so it has no entry.\n')
L.append('## Per section\n')
L.append('| RFC | section | sentences | checkable | with candidates | checkable without candidates |')
L.append('|---|---|---:|---:|---:|---:|')
secs=OrderedDict()
for x in o: secs.setdefault((x['rfc'],x['section']),[]).append(x)
for (r,s),xs in secs.items():
    c=sum(x['checkable'] for x in xs); w=sum(bool(x['candidates']) for x in xs); g=sum(x['checkable'] and not x['candidates'] for x in xs)
    L.append(f"| {r} | {s} | {len(xs)} | {c} | {w} | {g} |")
L.append('')
L.append('Per top-level section:\n')
L.append('| RFC | section | sentences | checkable | with candidates | checkable without candidates |')
L.append('|---|---|---:|---:|---:|---:|')
tops=OrderedDict()
for x in o: tops.setdefault((x['rfc'],x['section'].split('.')[0]),[]).append(x)
for (r,s),xs in tops.items():
    c=sum(x['checkable'] for x in xs); w=sum(bool(x['candidates']) for x in xs); g=sum(x['checkable'] and not x['candidates'] for x in xs)
    L.append(f"| {r} | {s} | {len(xs)} | {c} | {w} | {g} |")
L.append('')
gaps=[x for x in o if x['checkable'] and not x['candidates']]
L.append(f'## Gaps: checkable sentences with no candidate case ({len(gaps)})\n')
L.append('Grouped by who the sentence binds. "Implicit" marks a rule the harness checks in every case of a kind without a case of its own (from harness/src: wire/violation.rs, runner/serve.rs check_request, judge/mod.rs); those are gaps only in the sense that no case is dedicated to them.\n')
for who in ['server','client','both']:
    gs=[x for x in gaps if x['binds']==who]
    L.append(f'### binds {who} ({len(gs)})\n')
    for x in gs:
        imp=f" — implicit: {IMPLICIT[x['id']]}" if x['id'] in IMPLICIT else ''
        L.append(f"- `{x['id']}` ({x['level']}): \"{x['text']}\"{imp}")
    L.append('')
L.append('Summary of the gaps by theme: RFC 6455 — the client\'s opening handshake request (4.1: no dedicated client cases, partly implicit), client connection management (one CONNECTING connection per host, proxies, TLS and SNI, reconnect backoff in 7.2.3), TLS on either side (4.1, 4.2.2, 10.6), origin policy (4.2.2, 10.2), unknown resource name (404, 4.2.2), the Sec-WebSocket-Extensions ABNF and its split/combined forms (4.3, 9.1), client masking-key freshness (5.3, 10.3), timing SHOULDs, client-side closing rules (7.1.1, 7.1.7, 7.2.1, 7.3) and the 1010 reason (7.4.1). RFC 7692 — every client-side rule (no client case negotiates permessage-deflate: the mirrors skip `needs: [deflate]` cases), PMCEs combined with other RSV1 users (5), uncompressed messages on a deflate connection (6.1, 6.2), server-added response parameters (7.1.1.1, 7.1.2.1), the server inflating with context when client_no_context_takeover was offered but not agreed (7.2.2), and the 1,024-byte window recommendation (7.3).\n')
# role mismatch
mm=[]
for x in o:
    if not x['candidates']: continue
    cl=[c for c in x['candidates'] if c.startswith('client/')]
    sv=[c for c in x['candidates'] if not c.startswith('client/')]
    if x['binds']=='server' and not sv: mm.append((x,'only client-under-test cases'))
    if x['binds']=='client' and not cl: mm.append((x,'only server cases'))
L.append(f'## Candidates that test the other side ({len(mm)})\n')
L.append('These sentences have candidates only on the other side: a case quotes them or exercises the behaviour from the other end. For a MAY that is the intended reading (what can be tested is the tolerance, by the other side, of the permitted behaviour); for a MUST, MUST NOT or SHOULD it means no case checks the party the sentence binds, so these are effectively gaps for that party.\n')
for x,why in mm:
    L.append(f"- `{x['id']}` ({x['level']}, binds {x['binds']}; {why}: {', '.join('`'+c+'`' for c in x['candidates'])})"+(f" — implicit: {IMPLICIT[x['id']]}" if x['id'] in IMPLICIT else ''))
L.append('')
nc=[x for x in o if not x['checkable']]
L.append(f'## Not checkable ({len(nc)})\n')
for x in nc: L.append(f"- `{x['id']}` ({x['level']}, {x['binds']}): {x['reason']}")
L.append('')
L.append('''## Conventions

- **Sources.** RFC 6455 from /work/shared/rfc/rfc6455.txt. RFC 7692 is not on disk; the search tool's page and doc corpora return only excerpts, so the full text was taken from `text/rfc7692.txt` in the public repository khamidou/rfc-czar (fetched snapshot), whose `text/rfc6455.txt` is byte-identical to the shared copy (apart from six leading blank lines). Copies used are in /tmp/matrix/src/.
- **Sentences.** Page headers/footers removed; a word hyphenated at a line end is joined without a space (every such case in both RFCs is a real hyphenated word, e.g. "|Sec-WebSocket-Key|", "client-to-server"); whitespace collapsed. A sentence runs from one full stop (RFC style: full stop followed by two spaces or a line end) to the next; a lead-in that ends in a colon before a list ("... as follows:") is its own sentence; list markers ("1.", "o", "*") and field labels ("FIN:", "/origin/") are not part of the text; a list item with several sentences gives one entry per keyword sentence. Only keywords in capitals count (so "Should the first reconnect attempt fail" and "It is recommended that a server accepts PMCEs" are not keywords there).
- **Not prose.** Five entries are keyword comments inside ABNF figures: the `extension-param` comment of 4.3 and of 9.1 ("When using the quoted-string syntax variant, ... MUST conform to the 'token' ABNF.") and the `frame-rsv1`, `frame-rsv2`, `frame-rsv3` comments of 5.2 ("1 bit in length, MUST be 0 unless negotiated otherwise", three identical entries rfc6455-5.2-h/i/j). Their text drops the ABNF comment markers (";") that begin each line; all other 234 texts are exact substrings of the normalised RFC text (checked by script). Drop those five if only prose is wanted.
- **Ids.** Letters a-z then aa, ab, ... (4.1 has 42 sentences, up to `ap`), within the deepest numbered section.
- **level** is the strongest keyword in the sentence (MUST/MUST NOT > SHOULD/SHOULD NOT > MAY; REQUIRED/SHALL -> MUST, RECOMMENDED -> SHOULD); between MUST and MUST NOT in one sentence, the first.
- **binds** lists everyone the sentence obliges: "both" when it binds an endpoint in general or binds the server and the client differently (e.g. 5.5.1 "The server MUST close ...; the client SHOULD wait ..."). Sentences that bind extension specifications or intermediaries have binds both and checkable false with that reason.
- **checkable** means a test peer (wsprobe as client against a server, or as server against a client in `test-client` mode) could observe compliance on the wire. A MAY is counted checkable when the permitted behaviour is visible and the other side's tolerance of it can be tested; it is not checkable when it is a deployment or internal choice.
- **candidates** are case ids as written in the catalogue (`${var}` patterns), expanded ids where one pattern covers rows for different sentences (e.g. `handshake/key/empty`, `close/code/invalid-1005`), or globs (`utf8/*/fail-fast`, `deflate/offer/three-offers/*`); every one matches at least one catalogue case (checked by script against the 846 expanded ids). A case is a candidate when its `requirement:` contains the sentence or most of it, or when its id/title clearly tests the sentence. Cases under cases/client/ are listed for client-binding and "both" sentences. Not listed separately: the `client/<id>` mirrors that every server case of a `clients: mirror` file gets (except cases with handshake, idle, raw-byte or explicit-mask steps and deflate cases); they add client coverage for the 5.x, 7.x, 8.1 and 10.4 framing sentences already listed with their server case. Two patterns appear twice in the same file with different rows (`handshake/${r.id}`, `handshake/header/${name}`), so expanded ids are used for those.
- **Checks outside cases.** The harness also grades every case against fixed rules (wire/violation.rs: masking, RSV bits, opcodes, control frame length and fragmentation, minimal length, continuation order, UTF-8, close payloads and codes, frames after close, handshake response fields, deflate response/RSV1/inflation; judge: close reply and server TCP close; runner/serve.rs: the client's request). These are not counted as candidates; where they are the only check of a gap sentence the gap list says so.
''')
open('/tmp/matrix/SUMMARY.md','w').write('\n'.join(L)+'\n')
print(len(gaps),len(mm),len(nc))
