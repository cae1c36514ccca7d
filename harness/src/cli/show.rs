//! `wsprobe show ID`: a case in full, including the bytes it sends.

use std::fmt::Write;

use crate::case::{Case, Step};
use crate::judge::describe_outcome_for;
use crate::runner::build;

/// The case as text.
pub fn render(c: &Case) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}  {}", c.id, c.title);
    let _ = writeln!(s, "file:        {}:{}", c.source.file, c.source.line);
    if let Some(a) = &c.autobahn {
        let _ = writeln!(s, "autobahn:    {a}");
    }
    let _ = writeln!(
        s,
        "rfc:         {} ({}, {})",
        c.citation(),
        yaml_name(&c.level),
        yaml_name(&c.class)
    );
    let _ = writeln!(s, "requirement: \"{}\"", c.requirement.trim());
    let matrix = crate::case::requirements::built_in();
    for r in crate::case::requirements::checked_by(matrix, &c.id) {
        let _ = writeln!(s, "checks:      {} {} ({})", r.id, r.level.label(), r.url());
    }
    if let Some(n) = &c.notes {
        let _ = writeln!(s, "notes:       {}", n.trim());
    }
    let _ = writeln!(s, "steps:");
    for step in &c.steps {
        let (label, frames) = match step {
            Step::Send(f) => ("send", vec![build::frame(f)]),
            Step::SendMessage(m) => ("send message", build::message_frames(m)),
            Step::Close(cl) => ("close", vec![build::close_frame(cl)]),
            Step::SendRaw(r) => {
                let _ = writeln!(s, "  send raw ({} bytes): {}", r.len(), hex_head(&r.hex));
                continue;
            }
            other => {
                let _ = writeln!(s, "  {}", serde_json::to_string(other).unwrap_or_default());
                continue;
            }
        };
        let _ = writeln!(s, "  {label}:");
        for f in frames {
            let bytes = f.encode().unwrap_or_default();
            let _ = writeln!(
                s,
                "    {} fin={} rsv={} len={} masked={}: {}",
                crate::wire::codes::opcode_name(f.opcode),
                f.fin as u8,
                f.rsv,
                f.declared_len.unwrap_or(f.payload.len() as u64),
                f.mask.is_some(),
                hex_head(&bytes)
            );
        }
    }
    let _ = writeln!(s, "acceptable outcomes:");
    for o in &c.expect {
        let _ = writeln!(
            s,
            "  {}: {}",
            yaml_name(&o.grade),
            describe_outcome_for(c, o)
        );
    }
    if let Some(cl) = &c.close {
        let _ = writeln!(
            s,
            "close: started by {:?}, codes {:?}{}",
            cl.by,
            cl.codes,
            if cl.drop_ok {
                ", dropping TCP is fine"
            } else {
                ""
            }
        );
    }
    s
}

fn hex_head(b: &[u8]) -> String {
    if b.len() <= 48 {
        hex::encode(b)
    } else {
        format!(
            "{}… ({} bytes; mask key random per run)",
            hex::encode(&b[..48]),
            b.len()
        )
    }
}

/// The YAML spelling of a unit enum (`MUST`, `must-fail`).
fn yaml_name<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}
