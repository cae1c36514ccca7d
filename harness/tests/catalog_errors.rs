//! Broken catalogue files give an error naming the file, line, case and field.

use wsprobe::case::load::load_file;

fn err(text: &str) -> String {
    load_file("bad.yaml", text)
        .expect_err("must be rejected")
        .to_string()
}

const HEAD: &str = "section: \"5.2\"\ntitle: t\ncases:\n";

fn case(body: &str) -> String {
    format!(
        "{HEAD}  - id: x/y\n    title: t\n    rfc: [\"5.2\"]\n    requirement: r\n    level: MUST\n    class: must-fail\n{body}"
    )
}

const OK_TAIL: &str =
    "    expect:\n      - {grade: pass, receive: [], end: fail}\n    close: {by: server}\n";

#[test]
fn unknown_opcode_names_line_case_and_field() {
    let text = case(&format!(
        "    steps:\n      - send: {{opcode: pnig}}\n{OK_TAIL}"
    ));
    let e = err(&text);
    assert!(e.starts_with("bad.yaml:11:"), "{e}");
    assert!(
        e.contains("case x/y")
            && e.contains("cases[0].steps[0].send")
            && e.contains("unknown opcode \"pnig\""),
        "{e}"
    );
}

#[test]
fn unknown_field_is_rejected() {
    let e = err(&case(&format!(
        "    steps:\n      - send: {{opcode: text, fni: false}}\n{OK_TAIL}"
    )));
    assert!(
        e.contains("unknown field `fni`") && e.contains("bad.yaml:11:"),
        "{e}"
    );
}

#[test]
fn missing_end_is_rejected() {
    let e = err(&case("    steps:\n      - send: {opcode: text}\n    expect:\n      - {grade: pass}\n    close: {by: server}\n"));
    assert!(
        e.contains("missing field `end`") && e.contains("case x/y"),
        "{e}"
    );
}

#[test]
fn must_fail_case_cannot_pass_by_staying_open() {
    let e = err(&case("    steps:\n      - send: {opcode: text}\n    expect:\n      - {grade: pass, end: open}\n    close: {by: server}\n"));
    assert!(
        e.contains("expect[0].end") && e.contains("cannot pass"),
        "{e}"
    );
}

#[test]
fn yaml_syntax_error_has_a_position() {
    let e = err("section: \"5.2\"\ncases: [\n");
    assert!(
        e.starts_with("bad.yaml:") && e.contains("not valid YAML"),
        "{e}"
    );
}

#[test]
fn unbound_matrix_variable() {
    let text = case(&format!("    matrix: {{n: [1]}}\n    steps:\n      - send: {{opcode: text, payload: \"${{m}}\"}}\n{OK_TAIL}"));
    assert!(err(&text).contains("matrix variable ${m} has no value"));
}

#[test]
fn duplicate_ids_across_files() {
    let one = case(&format!(
        "    steps:\n      - send: {{opcode: text}}\n{OK_TAIL}"
    ));
    let e = wsprobe::case::load::load_sources([
        ("a.yaml".to_string(), one.clone()),
        ("b.yaml".to_string(), one),
    ])
    .expect_err("duplicate")
    .to_string();
    assert!(
        e.starts_with("b.yaml:4:") && e.contains("first defined at a.yaml:4"),
        "{e}"
    );
}

#[test]
fn payload_hex_must_be_hex() {
    let e = err(&case(&format!(
        "    steps:\n      - send: {{opcode: text, payload: {{hex: zz}}}}\n{OK_TAIL}"
    )));
    assert!(
        e.contains("Invalid character") || e.contains("invalid"),
        "{e}"
    );
}

#[test]
fn the_catalogue_loads_with_unique_ids() {
    let c = wsprobe::case::load::embedded().unwrap();
    assert!(c.cases.len() >= 100);
    for file in &c.files {
        // The file name starts with its section, zero-padded: 05_5_1 for 5.5.1.
        let name = file.file.rsplit('/').next().unwrap();
        let expected: Vec<String> = file
            .section
            .split('.')
            .map(|p| format!("{p:0>2}"))
            .collect();
        let mut prefix = expected[0].clone();
        for p in &expected[1..] {
            prefix.push('_');
            prefix.push_str(p.trim_start_matches('0'));
        }
        assert!(
            name.starts_with(&prefix),
            "{name} vs section {}",
            file.section
        );
    }
}

#[test]
fn matrix_of_axes_is_their_product() {
    // Two axes whose values are maps: one case per pair, in row-major order,
    // each variable read through its axis.
    let text = format!(
        "{HEAD}  - id: x/${{o.set}}/${{size.v}}\n    matrix:\n      o: [{{set: a, ab: \"13.1\"}}, {{set: b, ab: \"13.2\"}}]\n      size: [{{v: short, i: 1}}, {{v: long, i: 2}}, {{v: huge, i: 3}}]\n    title: t\n    autobahn: \"${{o.ab}}.${{size.i}}\"\n    rfc: [\"5.2\"]\n    requirement: r\n    level: MUST\n    class: must-fail\n    steps:\n      - send: {{opcode: text}}\n{OK_TAIL}"
    );
    let (_, cases) = load_file("ok.yaml", &text).unwrap();
    let ids: Vec<(&str, Option<&str>)> = cases
        .iter()
        .map(|c| (c.id.as_str(), c.autobahn.as_deref()))
        .collect();
    assert_eq!(
        ids,
        [
            ("x/a/short", Some("13.1.1")),
            ("x/a/long", Some("13.1.2")),
            ("x/a/huge", Some("13.1.3")),
            ("x/b/short", Some("13.2.1")),
            ("x/b/long", Some("13.2.2")),
            ("x/b/huge", Some("13.2.3")),
        ]
    );
    let empty = text.replace("[{v: short, i: 1}, {v: long, i: 2}, {v: huge, i: 3}]", "[]");
    let e = err(&empty);
    assert!(
        e.contains("matrix variable size") && e.contains("non-empty") && e.contains("bad.yaml:"),
        "{e}"
    );
    // The list of lists of rows this replaced is refused with the form to use.
    let lists = text
        .replace("      o: [", "      - [")
        .replace("      size: [", "      - [");
    let e = err(&lists);
    assert!(e.contains("map of axes") && e.contains("bad.yaml:"), "{e}");
}

#[test]
fn client_cases_are_checked_for_their_role() {
    let client = |steps: &str| {
        format!(
            "{HEAD}  - id: client/x\n    title: t\n    role: client-under-test\n    rfc: [\"4.1\"]\n    requirement: r\n    level: MUST\n    class: must-fail\n    steps:\n{steps}{OK_TAIL}"
        )
    };
    // A handshake step belongs to server cases.
    let e = err(&client("      - handshake: {}\n"));
    assert!(e.contains("steps[0]") && e.contains("`respond`"), "{e}");
    // `respond` comes first, and only in client cases.
    let e = err(&client(
        "      - send: {opcode: text}\n      - respond: {accept: wrong}\n",
    ));
    assert!(
        e.contains("steps[1].respond") && e.contains("first step"),
        "{e}"
    );
    let e = err(&case(&format!(
        "    steps:\n      - respond: {{}}\n{OK_TAIL}"
    )));
    assert!(e.contains("client-under-test"), "{e}");
    // An unknown accept choice names the field.
    let e = err(&client("      - respond: {accept: sloppy}\n"));
    assert!(e.contains("accept") && e.contains("unknown variant"), "{e}");
    // A file-level role applies to its cases; they go to the client list.
    let text = "section: \"4.1\"\ntitle: t\nrole: client-under-test\ncases:\n  - id: client/y\n    title: t\n    rfc: [\"4.1\"]\n    requirement: r\n    level: MUST\n    class: must-fail\n    steps:\n      - respond: {accept: wrong}\n    expect:\n      - {grade: pass, receive: [], end: fail}\n"
        .to_string();
    let cat = wsprobe::case::load::load_sources([("c.yaml".to_string(), text)]).unwrap();
    assert!(cat.cases.is_empty());
    assert_eq!(cat.client_cases.len(), 1);
    assert_eq!(cat.client_cases[0].role, wsprobe::case::Role::Client);
}

#[test]
fn mirrored_files_give_their_cases_to_clients_where_they_can() {
    let c = wsprobe::case::load::embedded().unwrap();
    let client = |id: &str| c.client_cases.iter().find(|x| x.id == id);
    // A UTF-8 vector runs both ways, with the roles swapped and needs dropped.
    let mirrored = client("client/utf8/fail-fast/invalid-second-fragment").expect("mirrored");
    assert_eq!(mirrored.role, wsprobe::case::Role::Client);
    assert!(mirrored.needs.is_empty());
    assert!(c
        .cases
        .iter()
        .any(|x| x.id == "utf8/fail-fast/invalid-second-fragment"));
    // Raw bytes (written masked, for a client's side) and handshakes stay server-only.
    assert!(client("client/wire/delivery/two-frames-one-write").is_none());
    assert!(client("client/resource/idle-connections").is_none());
    assert!(c
        .client_cases
        .iter()
        .all(|x| !x.id.starts_with("client/handshake/method")));
    assert_eq!(c.client_cases.len(), 573);
}

#[test]
fn security_cases_and_only_they_state_a_severity() {
    let e = err(&case(&format!(
        "    severity: high\n    steps:\n      - send: {{opcode: text}}\n{OK_TAIL}"
    )));
    assert!(e.contains("case x/y") && e.contains("severity"), "{e}");
    let security = case(&format!(
        "    steps:\n      - send: {{opcode: text}}\n{OK_TAIL}"
    ))
    .replace("id: x/y", "id: security/y");
    let e = err(&security);
    assert!(
        e.contains("case security/y") && e.contains("severity"),
        "{e}"
    );
}

#[test]
fn origin_placeholders_and_credentials_need_what_fills_them() {
    let e = err(&case(&format!(
        "    steps:\n      - handshake: {{set: [[Origin, \"{{origin.scheme}}://evil\"]]}}\n{OK_TAIL}"
    )));
    assert!(e.contains("origin-allow"), "{e}");
    let e = err(&case(&format!(
        "    steps:\n      - handshake: {{credentials: omit}}\n{OK_TAIL}"
    )));
    assert!(e.contains("`credentials`"), "{e}");
    let e = err(&case(&format!(
        "    steps:\n      - scaling: {{header: X, unit: \"ab\", control: \"a\", sizes: [1, 2]}}\n{OK_TAIL}"
    )));
    assert!(e.contains("steps[0].scaling"), "{e}");
}

#[test]
fn a_short_frame_followed_by_more_needs_a_fixed_mask_key() {
    // The server unmasks what follows with the short frame's key: a random
    // one makes the bytes it reads, and its answer, differ between runs.
    let short = "      - send: {opcode: text, declared_len: 100, payload: \"ab\"}\n      - close: {code: 1000}\n";
    let e = err(&case(&format!("    steps:\n{short}{OK_TAIL}")));
    assert!(
        e.contains("bad.yaml:11:")
            && e.contains("cases[0].steps[0].send.mask")
            && e.contains("fixed `mask:` key"),
        "{e}"
    );
    // A fixed key, or nothing after the short frame, loads.
    let fixed = short.replace("opcode: text,", "opcode: text, mask: \"00000000\",");
    load_file("ok.yaml", &case(&format!("    steps:\n{fixed}{OK_TAIL}")))
        .expect("a fixed key loads");
    let alone = "      - send: {opcode: text, declared_len: 100, payload: \"ab\"}\n";
    load_file("ok.yaml", &case(&format!("    steps:\n{alone}{OK_TAIL}")))
        .expect("nothing after it loads");
}

#[test]
fn a_memory_bound_and_server_usage_come_together_and_raw_bytes_are_bounded() {
    let steps = "    steps:\n      - send: {opcode: text}\n";
    // A bound without the need would pass silently without --spawn.
    let e = err(&case(&format!(
        "    server_memory: {{max_growth_mib: 64}}\n{steps}{OK_TAIL}"
    )));
    assert!(
        e.contains("case x/y") && e.contains("server_memory") && e.contains("server-usage"),
        "{e}"
    );
    // The need without a bound skips a case that judges nothing by it.
    let e = err(&case(&format!(
        "    needs: [server-usage]\n{steps}{OK_TAIL}"
    )));
    assert!(e.contains("server_memory"), "{e}");
    let e = err(&case(&format!(
        "    needs: [server-usage]\n    server_memory: {{max_growth_mib: 0}}\n{steps}{OK_TAIL}"
    )));
    assert!(e.contains("max_growth_mib"), "{e}");
    load_file(
        "ok.yaml",
        &case(&format!(
            "    needs: [server-usage]\n    server_memory: {{max_growth_mib: 64}}\n{steps}{OK_TAIL}"
        )),
    )
    .expect("a bound with its need loads");
    // `times`: at least once, at most 64 MiB a step, inside a repeat too.
    let e = err(&case(&format!(
        "    steps:\n      - send_raw: {{hex: \"00\", times: 0}}\n{OK_TAIL}"
    )));
    assert!(
        e.contains("steps[0].send_raw") && e.contains("64 MiB"),
        "{e}"
    );
    let e = err(&case(&format!(
        "    steps:\n      - repeat: {{count: 2, steps: [{{send_raw: {{hex: \"0000\", times: 40000000}}}}]}}\n{OK_TAIL}"
    )));
    assert!(e.contains("steps[0].repeat.steps[0].send_raw"), "{e}");
}

#[test]
fn a_pause_before_the_cut_needs_a_cut() {
    // cut_delay alone would wait and then do nothing: refused, naming the step.
    let e = err(&case(&format!(
        "    steps:\n      - send: {{opcode: text, delivery: {{cut_delay: 100ms}}}}\n{OK_TAIL}"
    )));
    assert!(
        e.contains("steps[0].send.delivery.cut_delay") && e.contains("needs a cut"),
        "{e}"
    );
    load_file(
        "ok.yaml",
        &case(&format!(
            "    steps:\n      - send: {{opcode: text, delivery: {{cut: fin, cut_delay: 100ms}}}}\n{OK_TAIL}"
        )),
    )
    .expect("with a cut it loads");
}

#[test]
fn bytes_after_an_idle_handshake_need_the_handshake_and_a_bound() {
    // Without a handshake the bytes would be read as one, not as frames.
    let e = err(&case(&format!(
        "    steps:\n      - idle: {{count: 2, then: [{{hex: \"00\"}}]}}\n{OK_TAIL}"
    )));
    assert!(
        e.contains("steps[0].idle.then") && e.contains("send: handshake"),
        "{e}"
    );
    // 1000 connections of 1 MiB each: over what a case may send.
    let e = err(&case(&format!(
        "    steps:\n      - idle: {{count: 1000, send: handshake, then: [{{hex: \"00\", times: 1048576}}]}}\n{OK_TAIL}"
    )));
    assert!(
        e.contains("steps[0].idle.then") && e.contains("64 MiB"),
        "{e}"
    );
    load_file(
        "ok.yaml",
        &case(&format!(
            "    steps:\n      - idle: {{count: 2, send: handshake, then: [{{hex: \"00\", times: 3}}]}}\n{OK_TAIL}"
        )),
    )
    .expect("after a handshake, within the bound, it loads");
}

#[test]
fn a_plain_transport_needs_a_wss_target() {
    // Over a ws:// URL `transport: plain` would repeat the URL's own case.
    let e = err(&case(&format!(
        "    steps:\n      - handshake: {{transport: plain}}\n{OK_TAIL}"
    )));
    assert!(
        e.contains("steps[0].handshake.transport") && e.contains("needs `tls`"),
        "{e}"
    );
    load_file(
        "ok.yaml",
        &case(&format!(
            "    needs: [tls]\n    steps:\n      - handshake: {{transport: plain}}\n{OK_TAIL}"
        )),
    )
    .expect("for a wss:// target it loads");
}

#[test]
fn an_unreachable_endpoint_passes_only_a_case_about_plain_tcp() {
    // Anywhere else it would pass a server that is down.
    let e = err(&case(
        "    steps:\n      - handshake: {}\n    expect:\n      - {grade: pass, handshake: {unreachable: true}, end: any}\n    close: {by: server}\n",
    ));
    assert!(
        e.contains("expect[0].handshake.unreachable") && e.contains("transport: plain"),
        "{e}"
    );
}
