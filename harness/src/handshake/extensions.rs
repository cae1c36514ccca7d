//! RFC 6455 9.1: the grammar of `Sec-WebSocket-Extensions`, checked as
//! written, for whoever receives the header (a server reading an offer, a
//! client reading the answer) and for what the peer under test sends.
//!
//! ```text
//! extension-list = 1#extension
//! extension = extension-token *( ";" extension-param )
//! extension-param = token [ "=" (token | quoted-string) ]
//!     ;When using the quoted-string syntax variant, the value
//!     ;after quoted-string unescaping MUST conform to the
//!     ;'token' ABNF.
//! ```
//! Empty list elements (`a, , b`) are allowed, as the list rule of RFC 2616
//! 2.1 allows them; whether a known extension's parameters make sense is
//! the extension's business (`wire/deflate.rs` for permessage-deflate).

/// RFC 2616 2.2 separators, which a token may not contain.
const SEPARATORS: &[u8] = b"()<>@,;:\\\"/[]?={} \t";

/// Whether `s` is an RFC 2616 token.
pub fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| (0x21..=0x7e).contains(&b) && !SEPARATORS.contains(&b))
}

/// `s` split at `sep` outside quoted strings (a backslash escapes inside
/// them); an unterminated quoted string is an error.
fn split_unquoted(s: &str, sep: u8) -> Result<Vec<&str>, String> {
    let (mut out, mut start, mut quoted, mut escaped) = (Vec::new(), 0, false, false);
    for (i, b) in s.bytes().enumerate() {
        match (quoted, escaped, b) {
            (true, true, _) => escaped = false,
            (true, false, b'\\') => escaped = true,
            (_, false, b'"') => quoted = !quoted,
            (false, _, b) if b == sep => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if quoted {
        return Err(format!("an unterminated quoted string in {s:?}"));
    }
    out.push(&s[start..]);
    Ok(out)
}

/// The unescaped content of a quoted string, or None when `s` is not one.
fn unquote(s: &str) -> Option<String> {
    let inner = s.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?),
            '"' => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

/// Check one header value against the grammar; the error says what is wrong.
pub fn check(value: &str) -> Result<(), String> {
    for element in split_unquoted(value, b',')? {
        let element = element.trim();
        if element.is_empty() {
            continue;
        }
        let mut parts = split_unquoted(element, b';')?.into_iter().map(str::trim);
        let name = parts.next().unwrap_or_default();
        if !is_token(name) {
            return Err(format!("the extension name {name:?} is not a token"));
        }
        for param in parts {
            let (key, value) = match param.split_once('=') {
                Some((k, v)) => (k.trim(), Some(v.trim())),
                None => (param, None),
            };
            if !is_token(key) {
                return Err(format!(
                    "{name} has a parameter {param:?} whose name is not a token"
                ));
            }
            if let Some(v) = value {
                if !(is_token(v) || unquote(v).is_some_and(|u| is_token(&u))) {
                    return Err(format!(
                        "{name}'s parameter {key} has the value {v:?}, neither a token nor a quoted token"
                    ));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_formed_lists_pass() {
        for v in [
            "permessage-deflate",
            "permessage-deflate; client_max_window_bits",
            "permessage-deflate; client_max_window_bits=10; server_no_context_takeover",
            "permessage-deflate; client_max_window_bits=\"10\", x-other",
            "foo, , bar; baz=\"q\\ux\"",
            "a;b=c ; d = e",
        ] {
            assert_eq!(check(v), Ok(()), "{v}");
        }
    }

    #[test]
    fn each_grammar_rule_can_fail() {
        for (v, why) in [
            (
                "permessage-deflate; ; client_max_window_bits",
                "name is not a token",
            ),
            ("permessage-deflate; =15", "name is not a token"),
            ("permessage-deflate;", "name is not a token"),
            ("x/y", "extension name \"x/y\" is not a token"),
            ("a; b=\"1 5\"", "neither a token nor a quoted token"),
            ("a; b=1 5", "neither a token nor a quoted token"),
            ("a; b=\"15", "unterminated quoted string"),
            ("a; b=\"x\"y", "neither a token nor a quoted token"),
        ] {
            let e = check(v).expect_err(v);
            assert!(e.contains(why), "{v}: {e}");
        }
    }
}
