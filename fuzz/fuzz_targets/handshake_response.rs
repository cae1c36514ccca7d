//! The handshake response parser and the section 4.1 validator on arbitrary
//! bytes: never a panic; a parsed response never claims more bytes than it
//! was given; the validator accepts a 101 only with a correct accept key,
//! and a permessage-deflate acceptance only with window sizes the offer allows.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wsprobe::handshake::response::{deflate_agreed, parse, validate, Offer};

fuzz_target!(|data: &[u8]| {
    let Ok(Some((resp, used))) = parse(data, 16 * 1024) else {
        return;
    };
    assert!(used <= data.len());
    let key = "dGhlIHNhbXBsZSBub25jZQ==";
    let offer = Offer {
        key: Some(key.to_string()),
        extensions: vec!["permessage-deflate".into()],
        protocols: vec!["chat".into()],
        deflate: Offer::deflate_offers(
            ["permessage-deflate; client_max_window_bits=12; server_max_window_bits=10"].into_iter(),
        ),
    };
    let violations = validate(&resp, &offer);
    let accept_ok = resp
        .values("Sec-WebSocket-Accept")
        .any(|v| v.trim() == wsprobe::handshake::accept_for(key));
    if resp.status == 101 && violations.is_empty() {
        assert!(
            accept_ok,
            "a 101 without the right accept key passed validation"
        );
        if let Ok(Some(agreed)) = deflate_agreed(&resp, &offer) {
            assert!((8..=10).contains(&agreed.server_window), "{agreed:?}");
            assert!((8..=12).contains(&agreed.client_window), "{agreed:?}");
        }
    }
});
