# Annotations for the 239 keyword sentences, keyed by their order in kw_sentences.json (1-based).
# value: (binds, checkable, reason, candidates)
HS='handshake/'
HANDSHAKE_REFUSED=[HS+x for x in ['key/empty','key/not-base64','key/15-bytes','key/17-bytes','key/two-headers','key/two-in-one-header','version/missing','upgrade/missing','upgrade/wrong-protocol','connection/missing','connection/keep-alive-only','method/post','method/head','method/lowercase-get','http/1.0','host/missing','header/space-before-colon']]
HANDSHAKE_VALID=[HS+x for x in ['upgrade/mixed-case','upgrade/upper-case','connection/token-list','connection/lower-case','connection/two-headers','header/names-in-lower-case','header/no-space-after-colon','header/reordered','header/unknown-headers','header/origin','key/surrounding-whitespace','request/query-string']]+['handshake/request/${name}']
HANDSHAKE_LAX=['handshake/header/obs-fold','handshake/header/bare-lf-line-ends']
SERVER_FAIL=['masking/unmasked-${op}','framing/reserved-bits/${name}','framing/reserved-bits/${name}-after-valid-text','framing/opcodes/reserved-${opcode}','framing/opcodes/reserved-${opcode}-after-valid-text${suffix}','wire/length/64-bit-msb-set','wire/control/pong-payload-126','fragmentation/control/fragmented-${op}','fragmentation/continuation/${name}${suffix}','fragmentation/continuation/after-finished-message','fragmentation/continuation/${name}','fragmentation/text/interleaved-data-frame','control/ping/payload-126','close/payload/126-bytes','utf8/invalid/surrogate-in-text${suffix}','utf8/fail-fast/${name}','utf8/*/fail-fast','deflate/rsv1/on-${frame}','deflate/invalid-data']
SERVER_CLOSE_REPLY_FAIL=['close/payload/one-byte','close/reason/invalid-utf8','close/code/invalid-${code}']
CLIENT_FAIL=['client/masking/masked-frame-from-server','client/framing/rsv-${rsv}','client/framing/reserved-opcode-${op}','client/fragmentation/continuation-without-start','client/fragmentation/text-inside-fragmented-text','client/control/${name}','client/utf8/invalid-${name}','client/abrupt/server-vanishes-mid-frame']
CLIENT_CLOSE_REPLY_FAIL=[]
CLIENT_HS_FAIL=['client/handshake/${name}']
ECHO_BASIC=['framing/text/len-${len}${suffix}','framing/binary/len-${len}${suffix}','client/echo/${name}']
FRAG_ACCEPT=['fragmentation/text/two-fragments','fragmentation/text/two-fragments-${mode}','fragmentation/text/64-kib-in-1300-byte-fragments']
CLOSE_HS=['close/after-echo','close/payload/${name}']
UTF8_ALL=['utf8/${v.group}/${v.name}${mode.suffix}','utf8/*/fail-fast','utf8/fail-fast/${name}','utf8/invalid/surrogate-in-text${suffix}','utf8/valid/${name}','close/reason/invalid-utf8','client/utf8/invalid-${name}']
LIMITS=['limits/text/single-frame-${size}','limits/binary/single-frame-${size}','limits/text/4-mib-in-fragments-of-${frag}','limits/binary/4-mib-in-fragments-of-${frag}','limits/text/1-mib-chopped-${chop}','limits/binary/1-mib-chopped-${chop}','limits/text/1000-round-trips-of-${len}-bytes','limits/binary/1000-round-trips-of-${len}-bytes']
RESOURCE=['resource/frame-announcing-2-pow-62-bytes','resource/tiny-fragment-flood','resource/ping-flood','resource/idle-${name}']
DEFL_OFFER=['deflate/offer/${set}/${variant}']
DEFL_SERIES=['deflate/series/${corpus}/${variant}']
NOCTX=['deflate/offer/server-no-context/*','deflate/offer/no-context-window-9/*','deflate/offer/no-context-window-15/*','deflate/offer/three-offers/*']
SWIN=['deflate/offer/server-window-9/*','deflate/offer/server-window-15/*','deflate/offer/no-context-window-9/*','deflate/offer/no-context-window-15/*','deflate/offer/three-offers/*']
RFCEX=['deflate/rfc-example/${name}','deflate/rfc-example/shared-window']

T=True; F=False
A={
# ---- RFC 6455 4.1
1:('client',F,'Deployment permission (offloading to an agent on the network); a peer cannot tell or judge it.',[]),
2:('client',T,'',['client/handshake/correct']),
3:('client',F,'Validation of the URI handed to the client before anything is sent; not visible on the wire.',[]),
4:('client',F,'An invalid URI is rejected before any connection is opened; a test server sees nothing.',[]),
5:('client',T,'',[]),
6:('client',T,'',[]),
7:('client',T,'',[]),
8:('client',F,'Applies only when the client cannot resolve the host (DNS done by a proxy); the assumption is internal and the limit is unspecified.',[]),
9:('client',T,'',[]),
10:('client',T,'',[]),
11:('client',F,'Concerns the argument the client passes to a proxy autoconfiguration script, an internal API.',[]),
12:('client',F,'No connection exists when this happens; the failure is reported to the application only.',[]),
13:('client',T,'',[]),
14:('client',T,'',[]),
15:('client',T,'',[]),
16:('client',T,'',[]),
17:('client',T,'',['client/handshake/correct']),
18:('client',T,'',[]),
19:('client',T,'',[]),
20:('client',T,'',[]),
21:('client',T,'',[]),
22:('client',T,'',[]),
23:('client',T,'',[]),
24:('client',T,'',[]),
25:('client',T,'',[]),
26:('client',T,'',[]),
27:('client',T,'',[]),
28:('client',T,'',['handshake/header/origin']),
29:('client',T,'',[]),
30:('client',T,'',[]),
31:('client',T,'',['handshake/subprotocol/unsupported']),
32:('client',T,'',[]),
33:('client',T,'',['handshake/extension/unsupported']),
34:('client',T,'',['handshake/header/unknown-headers']),
35:('client',T,'',['handshake/pipelined-frame']),
36:('client',T,'',['client/handshake/correct','client/handshake/${name}','client/handshake/status-${status}','client/handshake/response-in-pieces']),
37:('client',T,'',['client/handshake/missing-upgrade','client/handshake/wrong-upgrade']),
38:('client',T,'',['client/handshake/missing-connection']),
39:('client',T,'',['client/handshake/wrong-accept','client/handshake/missing-accept']),
40:('client',T,'',['client/handshake/unrequested-extension']),
41:('client',T,'',['client/handshake/unrequested-subprotocol']),
42:('client',T,'',['client/handshake/${name}','client/handshake/status-${status}']),
# ---- 4.2
43:('server',F,'Deployment permission (load balancers, reverse proxies); the server side is judged as a whole.',[]),
# ---- 4.2.1
44:('server',T,'',HANDSHAKE_REFUSED+HANDSHAKE_LAX+HANDSHAKE_VALID),
45:('server',F,'How the server interprets a request without Origin is internal; nothing on the wire shows it.',[]),
# ---- 4.2.2
46:('server',T,'',HANDSHAKE_VALID),
47:('server',T,'',[]),
48:('server',T,'',[]),
49:('server',F,'The server\'s origin policy is its own decision; any accept or refuse is conformant.',[]),
50:('server',T,'',['handshake/header/origin']),
51:('server',T,'',['handshake/version/${version}','handshake/version/8']),
52:('server',T,'',[]),
53:('server',T,'',['handshake/subprotocol/unsupported']),
54:('server',T,'',['handshake/subprotocol/unsupported']),
55:('server',T,'',['handshake/extension/unsupported']),
56:('server',T,'',['handshake/extension/unsupported']),
57:('server',T,'',HANDSHAKE_VALID),
# ---- 4.3
58:('both',T,'',[]),
# ---- 4.4
59:('server',T,'',['handshake/version/${version}','handshake/version/8']),
# ---- 5.1
60:('client',T,'',[]),
61:('server',T,'',['masking/unmasked-${op}']),
62:('server',T,'',['masking/unmasked-${op}']),
63:('server',T,'',['client/masking/masked-frame-from-server']),
64:('client',T,'',['client/masking/masked-frame-from-server']),
65:('client',T,'',['client/masking/masked-frame-from-server']),
66:('both',T,'',['client/handshake/frame-with-response','close/then-${what}']),
# ---- 5.2
67:('both',T,'',ECHO_BASIC),
68:('both',T,'',['framing/reserved-bits/${name}','client/framing/rsv-${rsv}']),
69:('both',T,'',['framing/reserved-bits/${name}','framing/reserved-bits/${name}-after-valid-text','client/framing/rsv-${rsv}','deflate/rsv1/on-${frame}']),
70:('both',T,'',['framing/opcodes/reserved-${opcode}','framing/opcodes/reserved-${opcode}-after-valid-text${suffix}','client/framing/reserved-opcode-${op}']),
71:('both',T,'',['wire/length/64-bit-msb-set','client/echo/${name}']),
72:('both',T,'',['framing/text/len-${len}${suffix}','framing/binary/len-${len}${suffix}','wire/length/non-minimal-${form}']),
73:('both',F,'Obliges the specifications of extensions, not an implementation on the wire.',[]),
74:('both',T,'',['framing/reserved-bits/${name}','framing/reserved-bits/${name}-after-valid-text','client/framing/rsv-${rsv}']),
75:('both',T,'',['framing/reserved-bits/${name}','framing/reserved-bits/${name}-after-valid-text','client/framing/rsv-${rsv}']),
76:('both',T,'',['framing/reserved-bits/${name}','framing/reserved-bits/${name}-after-valid-text','client/framing/rsv-${rsv}']),
# ---- 5.3
77:('client',T,'',['masking/zero-key-is-still-masked']),
78:('client',T,'',[]),
79:('client',F,'The entropy source is internal; unpredictability cannot be established from observed keys (only gross reuse, see 10.3).',[]),
# ---- 5.4
80:('both',T,'',['fragmentation/text/ping-between-fragments${suffix}','fragmentation/text/pings-while-message-unfinished${suffix}','fragmentation/control/fragmented-${op}','close/in-the-middle-of-fragmented-message','client/fragmentation/ping-between-fragments']),
81:('both',T,'',['fragmentation/control/fragmented-${op}','client/control/fragmented-ping']),
82:('both',T,'',FRAG_ACCEPT),
83:('both',T,'',['fragmentation/text/interleaved-data-frame','client/fragmentation/text-inside-fragmented-text','client/fragmentation/continuation-without-start']),
84:('both',T,'',['fragmentation/text/ping-between-fragments${suffix}','fragmentation/text/pings-while-message-unfinished${suffix}','close/in-the-middle-of-fragmented-message','client/fragmentation/ping-between-fragments']),
85:('both',T,'',['utf8/empty/${name}','utf8/empty/empty-fragments-around-text','fragmentation/text/64-kib-in-1300-byte-fragments','limits/text/4-mib-in-fragments-of-${frag}','limits/binary/4-mib-in-fragments-of-${frag}','resource/tiny-fragment-flood','client/fragmentation/text-in-1-byte-fragments']),
86:('both',T,'',FRAG_ACCEPT+['framing/text/len-${len}${suffix}','framing/binary/len-${len}${suffix}','client/echo/${name}','client/fragmentation/text-in-3-fragments','client/fragmentation/text-in-1-byte-fragments']),
87:('both',F,'Obliges intermediaries (proxies), not the client or server under test; an endpoint cannot see what an intermediary did.',[]),
88:('both',F,'Obliges intermediaries (proxies), not the client or server under test; an endpoint cannot see what an intermediary did.',[]),
89:('both',F,'Obliges intermediaries (proxies), not the client or server under test; an endpoint cannot see what an intermediary did.',[]),
90:('both',F,'Obliges intermediaries (proxies), not the client or server under test; an endpoint cannot see what an intermediary did.',[]),
91:('both',T,'',['fragmentation/control/fragmented-${op}','client/control/fragmented-ping']),
# ---- 5.5
92:('both',T,'',['control/ping/payload-126','wire/control/pong-payload-126','close/payload/126-bytes','fragmentation/control/fragmented-${op}','client/control/${name}']),
# ---- 5.5.1
93:('both',T,'',['close/payload/${name}']),
94:('both',T,'',['close/payload/one-byte']),
95:('both',T,'',['close/payload/${name}','close/reason/invalid-utf8']),
96:('client',F,'User-interface requirement; what a client shows its user is not on the wire.',[]),
97:('both',T,'',['close/then-${what}','close/with-queued-large-message']),
98:('both',T,'',CLOSE_HS+['close/in-the-middle-of-fragmented-message','close/code/valid-${code}','wire/delivery/close-split-across-writes','abrupt/fin-after-close','client/close/server-initiated-${code}']),
99:('both',T,'',[]),
100:('both',T,'',['close/with-queued-large-message']),
101:('both',T,'',CLOSE_HS),
102:('both',T,'',CLOSE_HS),
# ---- 5.5.2
103:('both',T,'',['control/ping/${name}','client/control/ping-${name}']),
104:('both',T,'',['control/ping/${name}','control/pong/unsolicited-then-ping','control/ping/ten-in-a-row${suffix}','fragmentation/text/ping-between-fragments${suffix}','fragmentation/text/pings-while-message-unfinished${suffix}','resource/ping-flood','close/then-${what}','client/control/ping-${name}','client/fragmentation/ping-between-fragments']),
105:('both',T,'',['fragmentation/text/pings-while-message-unfinished${suffix}','fragmentation/text/ping-between-fragments${suffix}']),
106:('both',T,'',['control/ping/${name}','client/control/ping-${name}']),
# ---- 5.5.3
107:('both',T,'',['control/ping/ten-in-a-row${suffix}','resource/ping-flood']),
108:('both',T,'',['control/pong/unsolicited-${name}','control/pong/unsolicited-then-ping']),
# ---- 5.6
109:('both',T,'',['utf8/empty/${name}','utf8/valid/${name}','utf8/${v.group}/${v.name}${mode.suffix}','client/echo/text-multibyte']),
# ---- 5.8
110:('both',T,'',['framing/reserved-bits/${name}','handshake/extension/unsupported','client/framing/rsv-${rsv}']),
# ---- 6.1
111:('both',T,'',ECHO_BASIC),
112:('both',T,'',['close/then-${what}','close/with-queued-large-message']),
113:('both',F,'Internal control flow of the sending algorithm; its visible effect is covered by the OPEN-state rule before it.',[]),
114:('both',T,'',ECHO_BASIC),
115:('both',T,'',FRAG_ACCEPT+['client/fragmentation/text-in-3-fragments','client/fragmentation/text-in-1-byte-fragments']),
116:('both',T,'',ECHO_BASIC),
117:('both',T,'',ECHO_BASIC),
118:('client',T,'',[]),
119:('both',T,'',ECHO_BASIC),
# ---- 6.2
120:('both',T,'',['wire/delivery/${name}','wire/delivery/two-frames-one-write','wire/delivery/header-dribbled']+ECHO_BASIC),
121:('both',T,'',['control/ping/${name}','control/pong/unsolicited-${name}','client/control/ping-${name}']),
122:('both',T,'',ECHO_BASIC),
123:('both',T,'',['fragmentation/continuation/after-finished-message','wire/delivery/two-frames-one-write']),
124:('both',F,'A permission for extension specifications, not a behaviour of an implementation.',[]),
125:('both',F,'A permission for extension specifications, not a behaviour of an implementation.',[]),
126:('server',T,'',['masking/zero-key-is-still-masked','framing/text/len-${len}${suffix}','framing/binary/len-${len}${suffix}']),
# ---- 7.1.1
127:('both',T,'',['close/after-echo','abrupt/fin/${name}']),
128:('both',F,'A permission whose condition (necessity, being under attack) is the endpoint\'s own judgement; any close it makes is conformant.',[]),
129:('server',T,'',CLOSE_HS+['abrupt/fin/${name}']),
130:('client',T,'',[]),
131:('both',T,'',CLOSE_HS+['abrupt/fin/${name}']),
# ---- 7.1.2
132:('both',T,'',[]),
133:('both',T,'',CLOSE_HS),
# ---- 7.1.7
134:('client',T,'',CLIENT_FAIL+CLIENT_HS_FAIL),
135:('server',T,'',SERVER_FAIL),
136:('both',T,'',SERVER_FAIL+CLIENT_FAIL),
137:('both',F,'Depends on what the endpoint believes about the peer; omitting the Close frame is permitted and cannot be judged.',[]),
138:('both',T,'',['framing/reserved-bits/${name}-after-valid-text','framing/opcodes/reserved-${opcode}-after-valid-text${suffix}','fragmentation/continuation/${name}${suffix}','fragmentation/continuation/after-finished-message']),
139:('client',T,'',[]),
# ---- 7.2.1
140:('client',T,'',CLIENT_HS_FAIL),
141:('client',T,'',['client/abrupt/server-vanishes-mid-frame']),
142:('client',T,'',[]),
# ---- 7.2.2
143:('server',T,'',['abrupt/handshake/${name}','handshake/header/one-mebibyte-header-line','handshake/header/two-thousand-headers']),
# ---- 7.2.3
144:('client',T,'',[]),
145:('client',T,'',[]),
146:('client',F,'A permission about how the client picks its delay interval; any interval is conformant.',[]),
147:('client',T,'',[]),
# ---- 7.3
148:('server',T,'',['client/close/server-initiated-${code}']),
149:('client',T,'',[]),
# ---- 7.4
150:('both',T,'',['close/payload/${name}','close/code/valid-${code}','client/close/server-initiated-${code}']),
# ---- 7.4.1
151:('both',T,'',['close/code/valid-${code}','client/close/server-initiated-${code}']),
152:('both',T,'',['close/code/valid-1003']),
153:('both',T,'',['close/code/invalid-1005']),
154:('both',T,'',['close/code/invalid-1006']),
155:('client',T,'',[]),
156:('both',T,'',['close/code/invalid-1015']),
# ---- 8.1
157:('both',T,'',UTF8_ALL),
# ---- 9
158:('both',T,'',['handshake/extension/unsupported']+DEFL_OFFER),
159:('server',T,'',['handshake/extension/unsupported']),
160:('both',T,'',DEFL_OFFER+['deflate/decline/${name}']),
# ---- 9.1
161:('both',T,'',[]),
162:('both',T,'',[]),
163:('both',T,'',[]),
164:('both',T,'',[]),
165:('both',T,'',['deflate/decline/${name}']),
166:('client',T,'',[]),
167:('both',F,'A permission for the documents that define extensions, not for an implementation.',[]),
# ---- 9.2
168:('both',T,'',DEFL_OFFER+DEFL_SERIES),
# ---- 10.2
169:('server',T,'',[]),
170:('server',T,'',['handshake/header/origin']),
# ---- 10.3
171:('client',T,'',[]),
# ---- 10.4
172:('both',T,'',RESOURCE+LIMITS+['handshake/header/one-mebibyte-header-line','handshake/header/two-thousand-headers','abrupt/rst/${name}','abrupt/handshake/${name}','abrupt/close-then-reset','wire/length/declared-longer-than-data','deflate/bomb/${size}']),
173:('both',T,'',['resource/frame-announcing-2-pow-62-bytes','resource/tiny-fragment-flood','deflate/bomb/${size}']),
# ---- 10.6
174:('both',T,'',[]),
# ---- 10.7
175:('both',T,'',['masking/unmasked-${op}','framing/reserved-bits/${name}','framing/opcodes/reserved-${opcode}','wire/length/64-bit-msb-set','fragmentation/continuation/${name}${suffix}','utf8/invalid/surrogate-in-text${suffix}','close/payload/one-byte','client/framing/rsv-${rsv}','client/utf8/invalid-${name}']),
176:('both',T,'',SERVER_CLOSE_REPLY_FAIL),
177:('both',T,'',SERVER_FAIL+SERVER_CLOSE_REPLY_FAIL+CLIENT_FAIL+CLIENT_CLOSE_REPLY_FAIL),
178:('server',T,'',HANDSHAKE_REFUSED+['handshake/version/${version}']),
# ---- RFC 7692 5
179:('client',T,'',[]),
180:('client',T,'',['deflate/offer/three-offers/*']),
181:('client',T,'',[]),
182:('client',T,'',DEFL_OFFER),
183:('server',T,'',DEFL_OFFER+DEFL_SERIES+RFCEX),
184:('server',T,'',DEFL_OFFER+DEFL_SERIES),
185:('server',T,'',[]),
186:('client',T,'',[]),
187:('server',T,'',[]),
188:('client',T,'',[]),
189:('server',T,'',['deflate/decline/${name}']),
190:('client',T,'',[]),
191:('both',T,'',DEFL_OFFER+DEFL_SERIES+RFCEX+['deflate/binary/${variant}']),
# ---- 7692 6.1
192:('both',T,'',DEFL_SERIES+DEFL_OFFER+['deflate/binary/${variant}']),
193:('both',T,'',[]),
194:('both',T,'',['deflate/rsv1/on-${frame}']),
195:('both',T,'',['deflate/rsv1/on-${frame}']),
# ---- 7692 6.2
196:('both',T,'',RFCEX+DEFL_SERIES+['deflate/binary/${variant}']),
197:('both',T,'',[]),
# ---- 7692 7
198:('server',T,'',['deflate/decline/${name}']),
199:('client',T,'',DEFL_OFFER),
# ---- 7.1.1.1
200:('client',T,'',NOCTX),
201:('server',T,'',NOCTX),
202:('server',T,'',[]),
# ---- 7.1.1.2
203:('client',T,'',DEFL_OFFER),
204:('server',T,'',['deflate/rfc-example/shared-window']),
205:('client',T,'',[]),
# ---- 7.1.2.1
206:('client',T,'',SWIN),
207:('client',T,'',['deflate/decline/window-bits-7','deflate/decline/window-bits-leading-zero','deflate/decline/server-window-without-value']),
208:('server',T,'',SWIN),
209:('server',T,'',[]),
# ---- 7.1.2.2
210:('client',T,'',DEFL_OFFER+DEFL_SERIES),
211:('client',T,'',['deflate/decline/window-bits-16']),
212:('server',T,'',DEFL_OFFER+DEFL_SERIES),
213:('server',T,'',DEFL_OFFER+DEFL_SERIES),
214:('server',T,'',[]),
# ---- 7.2.1
215:('both',T,'',['deflate/rfc-example/two-blocks']),
216:('both',T,'',['deflate/rfc-example/one-compressed-block','deflate/rfc-example/stored-block']),
217:('both',T,'',['deflate/rfc-example/final-block','deflate/rfc-example/two-blocks']),
218:('both',T,'',['deflate/rfc-example/final-block']),
219:('both',T,'',['deflate/rfc-example/fragmented','deflate/rfc-example/empty-final-fragment']),
220:('both',T,'',DEFL_OFFER+DEFL_SERIES),
221:('client',T,'',[]),
222:('client',T,'',['deflate/rfc-example/shared-window']),
223:('client',T,'',[]),
224:('server',T,'',NOCTX),
225:('server',T,'',DEFL_SERIES),
226:('client',T,'',[]),
227:('client',T,'',[]),
228:('server',T,'',['deflate/offer/server-window-9/*','deflate/offer/no-context-window-9/*','deflate/offer/three-offers/*']),
# ---- 7.2.2
229:('client',F,'How the client sets up its own inflater is internal; nothing on the wire changes.',[]),
230:('client',T,'',[]),
231:('server',F,'How the server sets up its own inflater is internal; nothing on the wire changes.',[]),
232:('server',T,'',['deflate/rfc-example/shared-window']+DEFL_SERIES),
233:('server',T,'',[]),
234:('client',F,'The size of the client\'s own inflate window is internal memory use; nothing on the wire changes.',[]),
235:('client',T,'',[]),
236:('server',F,'The size of the server\'s own inflate window is internal memory use; nothing on the wire changes.',[]),
237:('server',T,'',DEFL_SERIES),
238:('client',T,'',[]),
# ---- 7.3
239:('both',T,'',[]),
}
