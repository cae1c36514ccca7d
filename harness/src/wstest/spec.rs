//! Autobahn|Testsuite's spec files (`wstest -s fuzzingclient.json`), read
//! into plain data. Every key wstest reads is either used or named in
//! `ignored` with the reason; a key wstest does not know is named in
//! `unknown`, never dropped in silence.

use serde_json::{Map, Value};

/// A `fuzzingclient` spec: servers to test, cases, where reports go.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientSpec {
    /// `outdir`: where index.json and the case files go.
    pub outdir: String,
    /// `servers`, tested one after another.
    pub servers: Vec<Server>,
    /// `cases`: patterns (see `pattern`).
    pub cases: Vec<String>,
    /// `exclude-cases`.
    pub exclude: Vec<String>,
    /// `exclude-agent-cases`: agent pattern, case patterns.
    pub exclude_agent: Vec<(String, Vec<String>)>,
    /// Keys read and left alone, each with why (`servers[0].options.version: ...`).
    pub ignored: Vec<String>,
    /// Keys wstest would not know either.
    pub unknown: Vec<String>,
}

/// One entry of `servers`.
#[derive(Debug, Clone, PartialEq)]
pub struct Server {
    /// `agent`: the name results are filed under (wstest falls back to
    /// the response's Server header, then `UnknownServer`).
    pub agent: Option<String>,
    /// `url`.
    pub url: String,
    /// `origin`: the Origin header to send.
    pub origin: Option<String>,
    /// `protocols`: subprotocols to offer (wsprobe offers the first).
    pub protocols: Vec<String>,
    /// `hostname`: the TLS server name (SNI) for a wss:// url.
    pub hostname: Option<String>,
}

/// What a spec file can get wrong: where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError(pub String);

impl std::fmt::Display for SpecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// wstest's protocol options (autobahn 0.10.9's `setProtocolOptions` for a
/// client), with what each means here. All are accepted; none changes a
/// verdict, because wsprobe's cases fix what they send and its judge
/// follows the RFC, not the fuzzer's settings.
const CLIENT_OPTIONS: &[(&str, &str)] = &[
    ("failByDrop", "wsprobe always closes with a close frame first, as wstest does with failByDrop false (which it forces)"),
    ("version", "wsprobe speaks RFC 6455 (Sec-WebSocket-Version: 13) only; the handshake cases test other versions"),
    ("utf8validateIncoming", "wsprobe always validates UTF-8"),
    ("acceptMaskedServerFrames", "a masked server frame is always a violation the judge records"),
    ("maskClientFrames", "each case says how it masks"),
    ("applyMask", "each case says how it masks"),
    ("echoCloseCodeReason", "wsprobe answers a close with 1000"),
    ("tcpNoDelay", "wsprobe always sets TCP_NODELAY"),
    ("maxFramePayloadSize", "use --max-frame"),
    ("maxMessagePayloadSize", "use --max-message"),
    ("autoFragmentSize", "each case says how it fragments"),
    ("serverConnectionDropTimeout", "wsprobe waits for the TCP close within the case's budget"),
    ("openHandshakeTimeout", "wsprobe waits for the handshake within the case's budget"),
    ("closeHandshakeTimeout", "wsprobe waits for the close reply within the case's budget"),
    ("perMessageCompressionOffers", "the permessage-deflate cases make their own offers"),
    ("perMessageCompressionAccept", "the permessage-deflate cases judge the response themselves"),
    ("autoPingInterval", "wsprobe sends no pings of its own accord"),
    ("autoPingTimeout", "wsprobe sends no pings of its own accord"),
    ("autoPingSize", "wsprobe sends no pings of its own accord"),
    ("allowHixie76", "Hixie-76 is not WebSocket as RFC 6455 defines it"),
    // A server's options (fuzzingserver).
    ("versions", "wsprobe answers Sec-WebSocket-Version 13 as each case says"),
    ("webStatus", "wsprobe serves no status page"),
    ("maskServerFrames", "each case says how it masks"),
    ("requireMaskedClientFrames", "an unmasked client frame is always a violation the judge records"),
    ("serveFlashSocketPolicy", "no Flash policy file is served"),
    ("flashSocketPolicy", "no Flash policy file is served"),
    ("allowedOrigins", "the client cases accept any Origin"),
    ("maxConnections", "wsprobe takes every client connection"),
];

/// Parse a fuzzingclient spec; `wsuri` is `-w`, wstest's server when the
/// spec names none.
pub fn parse_client(text: &str, wsuri: Option<&str>) -> Result<ClientSpec, SpecError> {
    let doc = object(text)?;
    let top = &doc;
    let mut spec = ClientSpec {
        outdir: "./reports/servers/".into(),
        servers: Vec::new(),
        cases: Vec::new(),
        exclude: Vec::new(),
        exclude_agent: Vec::new(),
        ignored: Vec::new(),
        unknown: Vec::new(),
    };
    let mut cases_given = false;
    for (key, value) in top {
        match key.as_str() {
            "outdir" => spec.outdir = string(value, "outdir")?,
            "servers" => {
                let list = value
                    .as_array()
                    .ok_or_else(|| SpecError("servers: not a list".into()))?;
                for (i, s) in list.iter().enumerate() {
                    spec.servers
                        .push(server(s, i, &mut spec.ignored, &mut spec.unknown)?);
                }
            }
            "cases" => {
                spec.cases = strings(value, "cases")?;
                cases_given = true;
            }
            "exclude-cases" => spec.exclude = strings(value, "exclude-cases")?,
            "exclude-agent-cases" => spec.exclude_agent = exclude_agent_cases(value)?,
            "options" => options(value, "options", &mut spec.ignored, &mut spec.unknown)?,
            _ => spec.unknown.push(key.clone()),
        }
    }
    if !cases_given {
        // wstest stops with a KeyError; say what is missing instead.
        return Err(SpecError(
            "cases: missing (wstest requires it; [\"*\"] runs every case)".into(),
        ));
    }
    if spec.servers.is_empty() {
        let url = wsuri
            .ok_or_else(|| SpecError("servers: none in the spec and no -w URL given".into()))?;
        spec.servers.push(Server {
            agent: None,
            url: url.to_string(),
            origin: None,
            protocols: Vec::new(),
            hostname: None,
        });
    }
    Ok(spec)
}

/// The spec's top-level object.
fn object(text: &str) -> Result<Map<String, Value>, SpecError> {
    let doc: Value = serde_json::from_str(text).map_err(|e| {
        SpecError(format!(
            "line {}, column {}: not JSON: {e}",
            e.line(),
            e.column()
        ))
    })?;
    match doc {
        Value::Object(m) => Ok(m),
        _ => Err(SpecError("the spec is not a JSON object".into())),
    }
}

fn server(
    v: &Value,
    i: usize,
    ignored: &mut Vec<String>,
    unknown: &mut Vec<String>,
) -> Result<Server, SpecError> {
    let at = format!("servers[{i}]");
    let obj: &Map<String, Value> = v
        .as_object()
        .ok_or_else(|| SpecError(format!("{at}: not an object")))?;
    let mut url = None;
    let mut s = Server {
        agent: None,
        url: String::new(),
        origin: None,
        protocols: Vec::new(),
        hostname: None,
    };
    for (key, value) in obj {
        let field = format!("{at}.{key}");
        match key.as_str() {
            "url" => url = Some(string(value, &field)?),
            "agent" => s.agent = Some(string(value, &field)?),
            "origin" => s.origin = Some(string(value, &field)?),
            "protocols" => s.protocols = strings(value, &field)?,
            "hostname" => s.hostname = Some(string(value, &field)?),
            "options" => options(value, &field, ignored, unknown)?,
            _ => unknown.push(field),
        }
    }
    s.url = url.ok_or_else(|| SpecError(format!("{at}.url: missing")))?;
    Ok(s)
}

fn options(
    v: &Value,
    at: &str,
    ignored: &mut Vec<String>,
    unknown: &mut Vec<String>,
) -> Result<(), SpecError> {
    let obj = v
        .as_object()
        .ok_or_else(|| SpecError(format!("{at}: not an object")))?;
    for key in obj.keys() {
        match CLIENT_OPTIONS.iter().find(|(k, _)| k == key) {
            Some((_, why)) => ignored.push(format!("{at}.{key}: {why}")),
            // wstest passes options to autobahn as keyword arguments and
            // stops on one it does not know (a TypeError).
            None => unknown.push(format!("{at}.{key}")),
        }
    }
    Ok(())
}

fn string(v: &Value, field: &str) -> Result<String, SpecError> {
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| SpecError(format!("{field}: not a string")))
}

fn strings(v: &Value, field: &str) -> Result<Vec<String>, SpecError> {
    let list = v
        .as_array()
        .ok_or_else(|| SpecError(format!("{field}: not a list of strings")))?;
    list.iter()
        .enumerate()
        .map(|(i, x)| string(x, &format!("{field}[{i}]")))
        .collect()
}

/// A `fuzzingserver` spec: where wsprobe listens for the clients under
/// test, which cases it serves, where reports go.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerSpec {
    /// `url`: the ws:// address to listen on.
    pub url: String,
    /// `outdir`: where `/updateReports` writes index.json and the case files.
    pub outdir: String,
    /// `cases`.
    pub cases: Vec<String>,
    /// `exclude-cases`.
    pub exclude: Vec<String>,
    /// `exclude-agent-cases`: agent pattern, case patterns. wstest answers
    /// an excluded case's `/runCase` with a close at once and records
    /// nothing for it.
    pub exclude_agent: Vec<(String, Vec<String>)>,
    /// `cert` and `key` for a wss:// url.
    pub tls: Option<TlsFiles>,
    /// Keys read and left alone, each with why.
    pub ignored: Vec<String>,
    /// Keys wstest would not know either.
    pub unknown: Vec<String>,
}

/// The PEM files a wss:// fuzzingserver listens with.
#[derive(Debug, Clone, PartialEq)]
pub struct TlsFiles {
    /// `cert`: the certificate chain.
    pub cert: String,
    /// `key`: its private key.
    pub key: String,
}

/// `exclude-agent-cases`: {agent pattern: [case patterns]}, in the spec's order.
fn exclude_agent_cases(value: &Value) -> Result<Vec<(String, Vec<String>)>, SpecError> {
    let map = value
        .as_object()
        .ok_or_else(|| SpecError("exclude-agent-cases: not an object".into()))?;
    map.iter()
        .map(|(agent, cases)| {
            let field = format!("exclude-agent-cases.{agent}");
            Ok((agent.clone(), strings(cases, &field)?))
        })
        .collect()
}

/// Parse a fuzzingserver spec.
pub fn parse_server(text: &str) -> Result<ServerSpec, SpecError> {
    let doc = object(text)?;
    let top = &doc;
    let mut spec = ServerSpec {
        url: String::new(),
        outdir: "./reports/clients/".into(),
        cases: Vec::new(),
        exclude: Vec::new(),
        exclude_agent: Vec::new(),
        tls: None,
        ignored: Vec::new(),
        unknown: Vec::new(),
    };
    let (mut url, mut cases, mut key_file, mut cert_file) = (None, None, None, None);
    for (key, value) in top {
        match key.as_str() {
            "url" => url = Some(string(value, "url")?),
            "outdir" => spec.outdir = string(value, "outdir")?,
            "cases" => cases = Some(strings(value, "cases")?),
            "exclude-cases" => spec.exclude = strings(value, "exclude-cases")?,
            "exclude-agent-cases" => spec.exclude_agent = exclude_agent_cases(value)?,
            "protocols" => spec.ignored.push(
                "protocols: the client cases answer as their steps say, without a subprotocol".into(),
            ),
            "webport" => spec.ignored.push(
                "webport: wstest never reads it from a spec either (its -u flag sets the web UI's port); wsprobe serves no web UI".into(),
            ),
            "key" => key_file = Some(string(value, "key")?),
            "cert" => cert_file = Some(string(value, "cert")?),
            "options" => options(value, "options", &mut spec.ignored, &mut spec.unknown)?,
            _ => spec.unknown.push(key.clone()),
        }
    }
    spec.url =
        url.ok_or_else(|| SpecError("url: missing (where to listen, ws://HOST:PORT)".into()))?;
    // wstest listens with TLS when the url is wss:// and reads both files.
    spec.tls = match (spec.url.starts_with("wss://"), cert_file, key_file) {
        (true, Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
        (true, cert, _) => {
            let missing = if cert.is_none() { "cert" } else { "key" };
            return Err(SpecError(format!(
                "{missing}: missing (a wss:// url needs the PEM files \"cert\" and \"key\")"
            )));
        }
        (false, cert, key) => {
            if cert.is_some() || key.is_some() {
                spec.ignored
                    .push("key, cert: read only for a wss:// url, as wstest reads them".into());
            }
            None
        }
    };
    spec.cases = cases.ok_or_else(|| {
        SpecError("cases: missing (wstest requires it; [\"*\"] runs every case)".into())
    })?;
    Ok(spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_testsuites_own_example() {
        // The shape of examples/fuzzingclient/fuzzingclient.json in the testsuite.
        let spec = parse_client(
            r#"{
              "options": {"failByDrop": false},
              "outdir": "./reports/servers",
              "servers": [{"agent": "AutobahnServer", "url": "ws://localhost:9001",
                           "options": {"version": 18}}],
              "cases": ["*"], "exclude-cases": [], "exclude-agent-cases": {}
            }"#,
            None,
        )
        .unwrap();
        assert_eq!(spec.outdir, "./reports/servers");
        assert_eq!(spec.servers.len(), 1);
        assert_eq!(spec.servers[0].agent.as_deref(), Some("AutobahnServer"));
        assert_eq!(spec.cases, vec!["*"]);
        assert!(spec.unknown.is_empty(), "{:?}", spec.unknown);
        assert_eq!(spec.ignored.len(), 2, "{:?}", spec.ignored);
        assert!(spec.ignored[0].starts_with("options.failByDrop: "));
        assert!(spec.ignored[1].starts_with("servers[0].options.version: "));
    }

    #[test]
    fn several_servers_origin_protocols_and_agent_exclusions() {
        let spec = parse_client(
            r#"{"cases": ["1.*"], "outdir": "/reports",
                "servers": [{"url": "ws://127.0.0.1:9000/m", "agent": "A"},
                            {"url": "wss://127.0.0.1:9001/", "origin": "https://x.test",
                             "protocols": ["chat", "v2"], "hostname": "localhost"}],
                "exclude-agent-cases": {"A": ["1.1.*"], "B*": ["1.2.1", "1.2.2"]},
                "webport": 8080, "rtts": true}"#,
            None,
        )
        .unwrap();
        assert_eq!(spec.servers[1].agent, None);
        assert_eq!(spec.servers[1].protocols, vec!["chat", "v2"]);
        assert_eq!(spec.servers[1].hostname.as_deref(), Some("localhost"));
        assert_eq!(spec.exclude_agent.len(), 2);
        assert_eq!(spec.exclude_agent[1].1, vec!["1.2.1", "1.2.2"]);
        // Keys fuzzingclient does not read are reported, sorted as JSON objects are here.
        assert_eq!(spec.unknown, vec!["rtts", "webport"]);
    }

    #[test]
    fn fuzzingserver_specs() {
        // tungstenite-rs's autobahn/fuzzingserver.json, and nim-websock's TLS one.
        let spec = parse_server(
            r#"{"url": "ws://127.0.0.1:9001", "outdir": "./autobahn/client", "cases": ["*"],
                "exclude-cases": [], "exclude-agent-cases": {}}"#,
        )
        .unwrap();
        assert_eq!(spec.url, "ws://127.0.0.1:9001");
        assert!(
            spec.ignored.is_empty() && spec.unknown.is_empty(),
            "{spec:?}"
        );
        let tls = parse_server(
            r#"{"url": "wss://127.0.0.1:9002", "key": "k.pem", "cert": "c.pem", "cases": ["*"],
                "exclude-agent-cases": {"nim*": ["9.*", "12.1.1"]}}"#,
        )
        .unwrap();
        let files = TlsFiles {
            cert: "c.pem".into(),
            key: "k.pem".into(),
        };
        assert_eq!(tls.tls, Some(files));
        assert_eq!(
            tls.exclude_agent,
            vec![("nim*".to_string(), vec!["9.*".to_string(), "12.1.1".into()])]
        );
        let no_key =
            parse_server(r#"{"url": "wss://127.0.0.1:9002", "cert": "c", "cases": ["*"]}"#);
        assert!(no_key.unwrap_err().0.starts_with("key: missing"));
        let plain = parse_server(r#"{"url": "ws://127.0.0.1:9002", "cert": "c", "cases": ["*"]}"#);
        assert_eq!(plain.unwrap().ignored.len(), 1);
        let spec = parse_server(
            r#"{"url": "ws://127.0.0.1:9001", "cases": ["1.*"], "webport": 8081,
                "options": {"failByDrop": false, "allowedOrigins": ["*"]}}"#,
        )
        .unwrap();
        assert_eq!(spec.outdir, "./reports/clients/");
        assert_eq!(spec.ignored.len(), 3, "{:?}", spec.ignored);
        assert_eq!(
            parse_server(r#"{"cases": ["*"]}"#).unwrap_err().0,
            "url: missing (where to listen, ws://HOST:PORT)"
        );
    }

    #[test]
    fn broken_specs_say_where() {
        let err = |text: &str| parse_client(text, None).unwrap_err().0;
        assert!(
            err("{\n\"cases\": [\"*\",]}").starts_with("line 2, column"),
            "{}",
            err("{\n\"cases\": [\"*\",]}")
        );
        assert_eq!(
            err(r#"{"servers": []}"#),
            "cases: missing (wstest requires it; [\"*\"] runs every case)"
        );
        assert_eq!(
            err(r#"{"cases": ["*"]}"#),
            "servers: none in the spec and no -w URL given"
        );
        assert_eq!(err(r#"{"cases": [1]}"#), "cases[0]: not a string");
        assert_eq!(
            err(r#"{"cases": ["*"], "servers": [{"agent": "x"}]}"#),
            "servers[0].url: missing"
        );
        assert_eq!(
            err(r#"{"cases": ["*"], "servers": [{"url": "ws://h/", "options": []}]}"#),
            "servers[0].options: not an object"
        );
        // -w supplies the server when the spec has none, as in wstest.
        let spec = parse_client(r#"{"cases": ["*"]}"#, Some("ws://127.0.0.1:9001")).unwrap();
        assert_eq!(spec.servers[0].url, "ws://127.0.0.1:9001");
        assert_eq!(spec.outdir, "./reports/servers/");
        // An option autobahn would not know stops wstest; here it is named.
        let spec = parse_client(
            r#"{"cases": ["*"], "servers": [{"url": "ws://h/", "options": {"fastMode": 1}}]}"#,
            None,
        )
        .unwrap();
        assert_eq!(spec.unknown, vec!["servers[0].options.fastMode"]);
    }
}
