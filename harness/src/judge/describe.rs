//! Outcomes in words, for failure reasons and reports.

use crate::case::{Case, End, Item, Outcome};

/// An outcome of `case` in words, naming the endpoint under test (the
/// client, in a client-under-test case).
pub fn describe_outcome_for(case: &Case, o: &Outcome) -> String {
    let text = describe_outcome(o);
    if case.role == crate::case::Role::Client {
        text.replace("the server", "the client")
    } else {
        text
    }
}

/// An outcome in words: `text "Hello", then the server fails the connection`.
pub fn describe_outcome(o: &Outcome) -> String {
    if let Some(h) = &o.handshake {
        if h.silent {
            return "no response, the connection left open until the handshake timeout".into();
        }
        let codes: Vec<String> = h
            .status
            .iter()
            .filter(|s| **s != 0)
            .map(|s| s.to_string())
            .collect();
        let mut s = match (codes.is_empty(), h.status.contains(&0)) {
            _ if h.refusal => "handshake answered with any HTTP status but 101".to_string(),
            (true, _) => "the connection closed without an HTTP response".to_string(),
            (false, true) => format!(
                "handshake answered with HTTP {} or the connection closed without a response",
                codes.join(" or ")
            ),
            (false, false) => format!("handshake answered with HTTP {}", codes.join(" or ")),
        };
        for (n, v) in &h.headers {
            s.push_str(&format!(" and {n}: …{v}…"));
        }
        for n in &h.absent {
            s.push_str(&format!(" without {n}"));
        }
        for (n, v) in &h.lacking {
            s.push_str(&format!(" without …{v}… in {n}"));
        }
        if !h.status.contains(&101) {
            return s;
        }
        s.push_str(", then ");
        return s + &describe_receive(o);
    }
    describe_receive(o)
}

fn describe_items(items: &[Item]) -> String {
    let items: Vec<String> = items
        .iter()
        .map(|i| match i {
            Item::Text(p) => format!("text {}", p.describe()),
            Item::Binary(p) => format!("binary {}", p.describe()),
            Item::Pong(p) => format!("pong {}", p.describe()),
            Item::Mark(m) => format!("[mark {m}]"),
            Item::AnyPongs => "any pongs".into(),
            Item::AnyMessages => "any messages".into(),
            Item::Anything => "anything".into(),
            Item::SomeOf(items) => format!("some of ({}), in order", describe_items(items)),
            Item::Repeat(r) => format!(
                "{} × {}",
                r.count,
                describe_items(std::slice::from_ref(&*r.item))
            ),
        })
        .collect();
    if items.is_empty() {
        "nothing".to_string()
    } else {
        items.join(", ")
    }
}

fn describe_receive(o: &Outcome) -> String {
    let items = describe_items(&o.receive);
    let end = match (o.end, o.close_codes.is_empty()) {
        (End::Fail, false) => {
            let codes: Vec<String> = o.close_codes.iter().map(|c| c.to_string()).collect();
            return format!(
                "{items}, then the server fails the connection with close {}",
                codes.join(" or ")
            );
        }
        (end, _) => end,
    };
    let end = match end {
        End::Fail => "the server fails the connection",
        End::Open => "the connection stays open until wsprobe closes it",
        End::Any => "either side closes",
    };
    format!("{items}, then {end}")
}
