//! The case model: what a YAML case says, as plain data.
//!
//! A case is a script of client steps (`step.rs`) plus the set of answers
//! RFC 6455 allows, each with a grade (`outcome.rs`); payloads and durations
//! have files of their own. Unknown fields are rejected everywhere so a typo
//! is an error, never a silently ignored expectation.

use serde::{Deserialize, Serialize};

use super::{CloseExpect, Dur, Outcome, Step};

/// One test case, after matrix expansion.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// Stable, topic-based id such as `frames/reserved-bits/rsv1-on-text`.
    pub id: String,
    /// One line saying what the case does.
    pub title: String,
    /// The Autobahn|Testsuite case this one is the equivalent of.
    #[serde(default)]
    pub autobahn: Option<String>,
    /// RFC 6455 sections the case checks.
    pub rfc: Vec<String>,
    /// The RFC sentence the case checks, quoted.
    pub requirement: String,
    /// MUST, SHOULD or MAY.
    pub level: Level,
    /// Whether the server must fail, must accept, or may choose.
    pub class: Class,
    /// Free-form tags for selection.
    #[serde(default)]
    pub tags: Vec<String>,
    /// What the case needs from the server beyond a handshake.
    #[serde(default)]
    pub needs: Vec<Need>,
    /// Where wsprobe grades differently from Autobahn, and why.
    #[serde(default)]
    pub notes: Option<String>,
    /// Security cases (`security/`, only): how much a failure exposes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// The most the server's resident memory may grow while the case runs,
    /// where wsprobe started the server (`--spawn`); more fails the case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_memory: Option<MemoryBound>,
    /// What the client does, in order.
    // YAML writes enums as `- send: {...}` maps; yaml_serde needs this to read them.
    #[serde(with = "serde_yaml::with::singleton_map_recursive")]
    pub steps: Vec<Step>,
    /// The acceptable outcomes, each with a grade.
    #[serde(with = "serde_yaml::with::singleton_map_recursive")]
    pub expect: Vec<Outcome>,
    /// How the connection must end; absent for cases that end at the handshake.
    #[serde(default)]
    pub close: Option<CloseExpect>,
    /// Time budget for the whole case (default from the run options).
    #[serde(default)]
    pub timeout: Option<Dur>,
    /// Which endpoint is under test: a server (wsprobe connects, the
    /// default) or a client (wsprobe accepts, `wsprobe test-client`).
    #[serde(default, skip_serializing_if = "Role::is_server")]
    pub role: Role,
    /// Client-under-test cases served over `wss://`, with this certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<CaseTls>,
    /// Where the case was loaded from.
    #[serde(skip_deserializing, default)]
    pub source: Source,
}

impl Case {
    /// Whether it measures the server (throughput, latency: the
    /// `performance` tag). Only these record figures, and they run with
    /// nothing else in flight so the figures describe the server.
    pub fn records_metrics(&self) -> bool {
        self.tags.iter().any(|t| t == "performance")
    }

    /// The sections it cites, as `RFC 7692 6.1, RFC 6455 5.2, 5.4`: entries
    /// without an RFC number are RFC 6455's, and a run of one RFC names it once.
    pub fn citation(&self) -> String {
        let mut out = String::new();
        let mut last = "";
        for r in &self.rfc {
            let (rfc, section) = match r.strip_prefix("RFC ").and_then(|t| t.split_once(' ')) {
                Some((n, s)) => (n, s),
                None => ("6455", r.as_str()),
            };
            if !out.is_empty() {
                out.push_str(", ");
            }
            if rfc != last {
                out.push_str(&format!("RFC {rfc} "));
                last = rfc;
            }
            out.push_str(section);
        }
        out
    }
}

/// File and line a case came from.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Source {
    /// Catalogue file.
    pub file: String,
    /// 1-based line of the case entry.
    pub line: usize,
}

/// RFC 2119 requirement level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum Level {
    /// An absolute requirement.
    #[serde(rename = "MUST")]
    Must,
    /// A recommendation.
    #[serde(rename = "SHOULD")]
    Should,
    /// Truly optional.
    #[serde(rename = "MAY")]
    May,
}

/// JSONTestSuite's three classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// The server must fail the connection (or refuse the handshake).
    MustFail,
    /// The server must accept and process the input.
    MustAccept,
    /// Either is allowed; the answer is recorded.
    ImplementationDefined,
}

/// The certificate a `wss://` client-under-test case presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CaseTls {
    /// Signed by the run's test CA, for the URL's host: the client must go on.
    Trusted,
    /// Valid for the host, from a CA the client was not given.
    UnknownIssuer,
    /// Signed by the test CA for another name.
    WrongName,
    /// Signed by the test CA for the host, expired years ago.
    Expired,
}

impl CaseTls {
    /// Whether a client must refuse it (RFC 6455 4.1).
    pub fn must_refuse(self) -> bool {
        self != CaseTls::Trusted
    }

    /// What is wrong with it, in words.
    pub fn describe(self) -> &'static str {
        match self {
            CaseTls::Trusted => "signed by the test CA for the URL's host",
            CaseTls::UnknownIssuer => "signed by a CA the client was not given",
            CaseTls::WrongName => "issued for another name than the URL's host",
            CaseTls::Expired => "expired",
        }
    }
}

/// A capability the case relies on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Need {
    /// The server echoes text and binary messages.
    Echo,
    /// The server requires a subprotocol, and one was given with `--protocol`.
    Subprotocol,
    /// The server negotiates permessage-deflate (RFC 7692); without it the
    /// case is graded unimplemented.
    Deflate,
    /// The server negotiates a plain permessage-deflate offer (seen once,
    /// before the cases); without that the case is graded unimplemented.
    /// For cases whose own offer a server that has permessage-deflate
    /// should accept, so a decline there is judged rather than read as the
    /// extension missing.
    DeflateServer,
    /// The origins the server is meant for were given (`--origin-allow`):
    /// without them a foreign Origin cannot be told from an allowed one,
    /// and the case is skipped.
    OriginAllow,
    /// A `wss://` target: the case checks the TLS layer itself (skipped
    /// over `ws://`).
    Tls,
    /// The run sends credentials (`--header` with a credential name such
    /// as `Cookie` or `Authorization`): the case takes them away or spoils
    /// them. Skipped without.
    Credentials,
    /// wsprobe started the server (`--spawn`) and reads its memory and CPU
    /// from /proc: the case is judged by them, and skipped without.
    ServerUsage,
}

/// A bound on the server's memory during a case (`server_memory:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MemoryBound {
    /// Growth of resident memory, at its peak over the start, in MiB.
    pub max_growth_mib: u64,
}

/// How much a failed security case exposes (the `security/` group).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Exploitable as it is (a foreign page reaches the endpoint with the
    /// user's credentials; the endpoint is open without them).
    High,
    /// Exploitable with a foothold the attacker may have (a subdomain, a
    /// page served over plain HTTP).
    Medium,
    /// Needs more than that (another service on the same host).
    Low,
    /// Recorded for the reader, not a weakness by itself.
    Info,
}

impl Severity {
    /// The word reports show.
    pub fn name(self) -> &'static str {
        match self {
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
        }
    }
}

/// The id prefix of the security group, which runs only when asked for
/// (`--security`, or `--cases` naming it): conformance runs and their
/// baselines do not change with it.
pub const SECURITY_GROUP: &str = "security/";

impl Case {
    /// Whether it belongs to the security group.
    pub fn is_security(&self) -> bool {
        self.id.starts_with(SECURITY_GROUP)
    }
}

/// The endpoint a case tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
pub enum Role {
    /// A server: wsprobe is the client.
    #[default]
    #[serde(rename = "server-under-test")]
    Server,
    /// A client: wsprobe is the server, playing the server side of the case.
    #[serde(rename = "client-under-test")]
    Client,
}

impl Role {
    /// Whether this is the default, a server under test.
    pub fn is_server(&self) -> bool {
        *self == Role::Server
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn citations_name_each_rfc_once_per_run() {
        let text = "section: \"7\"\ntitle: t\ncases:\n  - id: a/b\n    title: t\n    rfc: [\"RFC 7692 6.1\", \"RFC 7692 7\", \"5.2\", \"5.4\"]\n    requirement: r\n    level: MUST\n    class: must-fail\n    steps: [{send: {opcode: ping}}]\n    expect: [{grade: pass, end: fail}]\n    close: {by: server}\n";
        let case = crate::case::load::load_file("t.yaml", text)
            .unwrap()
            .1
            .remove(0);
        assert_eq!(case.citation(), "RFC 7692 6.1, 7, RFC 6455 5.2, 5.4");
    }
}
