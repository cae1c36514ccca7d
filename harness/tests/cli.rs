//! The `wsprobe` binary end to end: exit codes and one-line errors.

use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn wsprobe(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wsprobe"))
        .args(args)
        .output()
        .expect("run wsprobe")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn demo_passes_and_exits_0() {
    let out = wsprobe(&["demo", "--cases", "framing/**"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("§5.2 Base framing protocol"), "{stdout}");
    let last = stdout.lines().last().unwrap();
    assert!(
        last.contains(" cases, ")
            && last.contains(" passed, 0 non-strict, ")
            && last.contains(" 0 failed in "),
        "{last}"
    );
}

#[test]
fn a_faulty_server_exits_1_with_the_rfc_sentence() {
    let out = wsprobe(&[
        "demo",
        "--fault",
        "ignore-rsv",
        "--cases",
        "framing/reserved-bits/*",
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("FAIL       framing/reserved-bits/rsv3-on-text [autobahn 3.1]"),
        "{stdout}"
    );
    assert!(
        stdout.contains("MUST _Fail the WebSocket Connection_"),
        "{stdout}"
    );
}

#[test]
fn unreachable_target_exits_3_in_one_line() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    let out = wsprobe(&["run", &format!("ws://127.0.0.1:{port}/")]);
    assert_eq!(out.status.code(), Some(3));
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("unreachable") && err.contains("Connection refused"),
        "{err}"
    );
}

#[test]
fn broken_catalogue_exits_2_naming_the_place() {
    let dir = std::env::temp_dir().join(format!("wsprobe-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("05_2_x.yaml"),
        "section: \"5.2\"\ntitle: t\ncases:\n  - id: a/b\n    title: t\n    rfc: [\"5.2\"]\n    requirement: r\n    level: MUST\n    class: must-fail\n    steps:\n      - send: {opcode: pnig}\n    expect:\n      - {grade: pass, end: fail}\n    close: {by: server}\n",
    )
    .unwrap();
    let out = wsprobe(&["list", "--catalog", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("05_2_x.yaml:11:")
            && err.contains("case a/b")
            && err.contains("unknown opcode \"pnig\""),
        "{err}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(wsprobe(&["run", "http://x/"]).status.code(), Some(2));
    assert_eq!(wsprobe(&["demo", "--fault", "nope"]).status.code(), Some(2));
    assert_eq!(wsprobe(&["show", "no/such/case"]).status.code(), Some(2));
    assert_eq!(wsprobe(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn list_and_show() {
    let out = wsprobe(&["list", "control/ping/*"]);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("control/ping/empty  A ping (empty) is answered by a pong with the same payload [autobahn 2.1]"), "{stdout}");
    let out = wsprobe(&["show", "framing/reserved-bits/rsv3-on-text"]);
    let stdout = text(&out.stdout);
    // RSV3 on a 13-byte masked text: first byte 0x91, second 0x8d.
    assert!(
        stdout.contains("TEXT fin=1 rsv=1 len=13 masked=true: 918d"),
        "{stdout}"
    );
    assert!(
        stdout.contains("MUST _Fail the WebSocket Connection_"),
        "{stdout}"
    );
}

#[test]
fn json_output_parses() {
    let out = wsprobe(&["demo", "--cases", "control/**", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(v["schema_version"], 1);
    assert!(v["results"].as_array().unwrap().len() >= 10);
    assert_eq!(v["results"][0]["judgement"]["verdict"], "pass");
}

#[test]
fn interrupted_run_prints_what_finished() {
    // no-close-reply makes most cases wait for their timeouts, so the run is slow.
    let child = Command::new(env!("CARGO_BIN_EXE_wsprobe"))
        .args(["demo", "--fault", "no-close-reply", "--jobs", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The probe takes about 1 s here, then each case about 1 s more.
    std::thread::sleep(Duration::from_millis(4000));
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("(interrupted: partial results)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("PASS"),
        "finished cases are reported: {stdout}"
    );
}
