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
    // By default a line per section, then the failures by cause, each
    // with one case in full.
    assert!(stdout.contains("§5.2 Base framing protocol: "), "{stdout}");
    assert!(stdout.contains("\nFailures ("), "{stdout}");
    assert!(
        stdout.contains("  framing/reserved-bits/rsv3-on-text  "),
        "{stdout}"
    );
    assert!(
        stdout.contains("MUST _Fail the WebSocket Connection_"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("FAIL       framing/"),
        "no case lines: {stdout}"
    );
    // -v: a line per case.
    let args = [
        "demo",
        "--fault",
        "ignore-rsv",
        "--cases",
        "framing/reserved-bits/*",
        "-v",
    ];
    let stdout = text(&wsprobe(&args).stdout);
    assert!(
        stdout.contains("FAIL       framing/reserved-bits/rsv3-on-text [autobahn 3.1]"),
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
fn a_report_that_cannot_be_written_is_an_io_error_not_a_usage_error() {
    // A directory under a regular file cannot be made, whoever runs the test.
    let file = std::env::temp_dir().join(format!("wsprobe-io-{}", std::process::id()));
    std::fs::write(&file, "not a directory").unwrap();
    let dir = file.join("report");
    let out = wsprobe(&[
        "demo",
        "--cases",
        "framing/text/**",
        "--report-dir",
        dir.to_str().unwrap(),
    ]);
    std::fs::remove_file(&file).unwrap();
    let err = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(wsprobe::cli::exit_code::IO),
        "{err}"
    );
    assert!(err.contains("cannot write reports to"), "{err}");
    // The cases still ran and were printed before the write failed.
    assert!(
        text(&out.stdout).contains("passed"),
        "{}",
        text(&out.stdout)
    );
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
    assert_eq!(v["schema_version"], 2);
    assert_eq!(v["partial"], false);
    assert!(v["summary"]["pass"].as_u64().unwrap() >= 10);
    assert!(v["results"].as_array().unwrap().len() >= 10);
    assert_eq!(v["results"][0]["judgement"]["verdict"], "pass");
}

/// A loopback port nothing listens on (for a moment).
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("wsprobe-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn baseline_flow_exit_codes() {
    let dir = temp_dir("baseline");
    let b = dir.join("b.yaml");
    let b = b.to_str().unwrap();
    let sel = ["--cases", "framing/reserved-bits/*"];
    let run = |extra: &[&str]| {
        let mut args = vec!["demo"];
        args.extend(sel);
        args.extend(extra);
        wsprobe(&args)
    };
    // No file yet: a usage error that says how to create it.
    let out = run(&["--baseline", b]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--update-baseline"),
        "{}",
        text(&out.stderr)
    );
    // Pin the faulty server's failures: written, exit 0, and then it matches.
    let out = run(&[
        "--fault",
        "ignore-rsv",
        "--baseline",
        b,
        "--update-baseline",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let pinned = std::fs::read_to_string(b).unwrap();
    assert!(
        pinned.contains("  framing/reserved-bits/rsv3-on-text: {verdict: fail"),
        "{pinned}"
    );
    let out = run(&["--fault", "ignore-rsv", "--baseline", b]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("(matches)"));
    // The fixed server improves on it: still a difference until the baseline is updated.
    let out = run(&["--baseline", b]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("IMPROVED   framing/reserved-bits/rsv3-on-text: fail"));
    // A broken baseline names the file and line.
    std::fs::write(b, pinned.replace("verdict: fail", "verdict: great")).unwrap();
    let out = run(&["--baseline", b]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("b.yaml") && err.contains("great") && err.contains("line "),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn report_dir_and_matrix() {
    let dir = temp_dir("reports");
    let (a, b) = (dir.join("a"), dir.join("b"));
    let out = wsprobe(&[
        "demo",
        "--cases",
        "control/**",
        "--report-dir",
        a.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let out = wsprobe(&[
        "demo",
        "--cases",
        "control/**",
        "--fault",
        "no-pong",
        "--agent",
        "no-pong",
        "--report-dir",
        b.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    for f in [
        "results.json",
        "junit.xml",
        "index.html",
        "autobahn/index.json",
    ] {
        assert!(a.join(f).is_file() && b.join(f).is_file(), "{f}");
    }
    let ab: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(b.join("autobahn/index.json")).unwrap())
            .unwrap();
    assert_eq!(ab["no-pong"]["2.1"]["behavior"], "FAILED");
    assert_eq!(ab["no-pong"]["2.1"]["reportfile"], "no_pong_case_2_1.json");
    assert!(b.join("autobahn/no_pong_case_2_1.json").is_file());
    let m = dir.join("matrix.html");
    let out = wsprobe(&[
        "report",
        "matrix",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "-o",
        m.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let page = std::fs::read_to_string(&m).unwrap();
    assert!(page.contains("<th title=\"ws://127.0.0.1:") && page.contains(">no-pong</th>"));
    assert!(
        page.contains("class=\"differs\""),
        "the runs disagree on ping cases"
    );
    // Something that is not a report directory is a one-line usage error.
    let out = wsprobe(&["report", "matrix", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("results.json"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn interrupted_run_prints_what_finished() {
    let dir = temp_dir("interrupted");
    // no-close-reply makes most cases wait for the reply until their budget
    // is nearly spent, so the run is slow: 2 s a case with --timeout 2s.
    let child = Command::new(env!("CARGO_BIN_EXE_wsprobe"))
        .args([
            "demo",
            "--fault",
            "no-close-reply",
            "--jobs",
            "1",
            "--timeout",
            "2s",
            "--report-dir",
        ])
        .arg(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The probe takes about 1 s here, then each case at most 2 s more.
    std::thread::sleep(Duration::from_millis(4000));
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(130), "{stdout}");
    assert!(
        stdout.contains("(interrupted: partial results)"),
        "{stdout}"
    );
    assert!(
        stdout.contains(" passed"),
        "finished cases are reported: {stdout}"
    );
    // The report files are written too, marked partial.
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("results.json")).unwrap()).unwrap();
    assert_eq!(json["partial"], true);
    assert!(!json["results"].as_array().unwrap().is_empty());
    assert!(dir.join("junit.xml").is_file() && dir.join("index.html").is_file());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `wsprobe serve` in its own process on a free port; killed on drop.
struct Server(std::process::Child, u16);

impl Server {
    fn start(faults: &[&str]) -> Server {
        let args: Vec<String> = faults
            .iter()
            .flat_map(|f| ["--fault".to_string(), f.to_string()])
            .collect();
        Server::with(&args)
    }

    fn with(extra: &[String]) -> Server {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        drop(l);
        let mut args = vec!["serve".to_string(), "--port".into(), port.to_string()];
        args.extend(extra.iter().cloned());
        let child = Command::new(env!("CARGO_BIN_EXE_wsprobe"))
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Owned before waiting, so a panic below still kills it.
        let server = Server(child, port);
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return server;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("wsprobe serve did not listen on {port}");
    }

    fn url(&self) -> String {
        format!("ws://127.0.0.1:{}/", self.1)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn fuzz_finds_a_planted_fault_and_the_finding_replays() {
    let dir = temp_dir("fuzz");
    let findings = dir.join("findings");
    let faulty = Server::start(&["accept-unmasked"]);
    let fuzz = |url: &str, iterations: &str| {
        wsprobe(&[
            "fuzz",
            url,
            "--seed",
            "1",
            "--iterations",
            iterations,
            "--jobs",
            "8",
            "--findings",
            findings.to_str().unwrap(),
        ])
    };
    // Only mutated catalogue cases reach an unmasked frame this early.
    let out = fuzz(&faulty.url(), "1500");
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("wsprobe fuzz: seed 1, 8 jobs, ")
            && text(&out.stderr).contains(" catalogue seeds, target ws://127.0.0.1:"),
        "the seed and the catalogue seeds are printed: {}",
        text(&out.stderr)
    );
    assert!(
        stdout.contains("1500 sequences in ") && stdout.contains("/s), seed 1: "),
        "{stdout}"
    );
    let file = findings.join("accepts-unmaskedframefromclient.yaml");
    assert!(
        stdout.contains("accepts-UnmaskedFrameFromClient") && file.is_file(),
        "{stdout}"
    );
    // The finding is an ordinary case file: it fails against the faulty server ...
    let replay = |url: &str| wsprobe(&["run", url, "--case-file", file.to_str().unwrap()]);
    let out = replay(&faulty.url());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("  fuzz/accepts-unmaskedframefromclient  "),
        "{stdout}"
    );
    // ... and passes against a correct one, as does fuzzing it.
    let good = Server::start(&[]);
    let out = replay(&good.url());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let out = fuzz(&good.url(), "500");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains(": 0 distinct findings"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn serve_tls_and_run_wss() {
    let dir = temp_dir("tls");
    let cert = dir.join("cert.pem");
    let server = Server::with(&[
        "--tls".into(),
        "--cert-out".into(),
        cert.display().to_string(),
    ]);
    let url = format!("wss://127.0.0.1:{}/", server.1);
    let sel = ["--cases", "framing/reserved-bits/*"];
    let run = |extra: &[&str]| {
        let mut args = vec!["run", url.as_str()];
        args.extend(sel);
        args.extend(extra);
        wsprobe(&args)
    };
    let out = run(&["--ca-cert", cert.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(text(&out.stdout).contains(" 0 failed in "));
    let out = run(&["--insecure"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // Untrusted: exit 3, one line that says what to do.
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(3));
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("certificate unknown") && err.contains("--ca-cert"),
        "{err}"
    );
    // TLS options on a ws:// URL are a usage error.
    let out = wsprobe(&["run", "ws://127.0.0.1:1/", "--insecure"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    drop(server);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn test_client_runs_a_command_per_case_and_exits_by_verdict() {
    let me = env!("CARGO_BIN_EXE_wsprobe");
    // The hand-written client passes every client case, wss:// ones included
    // when it is given the run's test CA.
    let out = wsprobe(&[
        "test-client",
        "--",
        me,
        "client",
        "--ca-cert",
        "{ca}",
        "{url}",
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("573 cases, 567 passed, 0 non-strict, 6 informational, 0 failed"),
        "{stdout}"
    );
    // One that sends unmasked frames fails, naming the rule; {url} is appended when absent.
    let out = wsprobe(&[
        "test-client",
        "--cases",
        "client/echo/*",
        "--",
        me,
        "client",
        "--fault",
        "mask-frames",
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("the client sent an unmasked frame (RFC 6455 5.1)"),
        "{stdout}"
    );
    // A command that cannot start, or never connects, fails each case in one clear line.
    let out = wsprobe(&[
        "test-client",
        "--cases",
        "client/handshake/correct",
        "--connect-timeout",
        "300ms",
        "--",
        "sh",
        "-c",
        "echo no network here >&2; sleep 5",
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("the client did not connect to ws://127.0.0.1:")
            && stdout.contains("its stderr ends: no network here"),
        "{stdout}"
    );
}

/// The first text message of a WebSocket connection to `url` (Autobahn's
/// URL protocol answers that way).
/// `wsprobe wstest -m fuzzingserver`, driven as tungstenite-rs's
/// autobahn-client drives wstest: the case count, each case, then
/// /updateReports; Autobahn's layout lands in the spec's outdir.
#[test]
fn wstest_fuzzingserver_serves_the_spec_cases_in_autobahns_order() {
    drive_fuzzingserver(false);
}

/// The same over wss://, with the spec's own cert and key (nim-websock's
/// TLS spec has them).
#[test]
fn wstest_fuzzingserver_listens_with_the_specs_certificate() {
    drive_fuzzingserver(true);
}

/// A wss:// spec whose certificate cannot be read, or lacks one, stops in
/// one line before listening.
#[test]
fn wstest_fuzzingserver_refuses_an_unreadable_certificate_in_one_line() {
    let dir = temp_dir("wstest-server-badcert");
    let port = free_port();
    let spec = dir.join("spec.json");
    for (files, says) in [
        (
            r#""cert": "/nonexistent/c.pem", "key": "/nonexistent/k.pem","#,
            "/nonexistent/c.pem",
        ),
        ("", "cert: missing"),
    ] {
        let body = format!(r#"{{"url": "wss://127.0.0.1:{port}", {files} "cases": ["1.*"]}}"#);
        std::fs::write(&spec, body).unwrap();
        let out = wsprobe(&[
            "wstest",
            "-m",
            "fuzzingserver",
            "-s",
            spec.to_str().unwrap(),
        ]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(says), "{err}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

fn drive_fuzzingserver(tls: bool) {
    let dir = temp_dir(if tls {
        "wstest-server-tls"
    } else {
        "wstest-server"
    });
    let port = free_port();
    let scheme = if tls { "wss" } else { "ws" };
    let mut files = String::new();
    let ca = dir.join("cert.pem");
    if tls {
        let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
        std::fs::write(&ca, made.cert.pem()).unwrap();
        std::fs::write(dir.join("key.pem"), made.signing_key.serialize_pem()).unwrap();
        files = format!(
            r#""cert": "{}", "key": "{}","#,
            ca.display(),
            dir.join("key.pem").display()
        );
    }
    let spec = dir.join("fuzzingserver.json");
    std::fs::write(
        &spec,
        format!(
            r#"{{"url": "{scheme}://127.0.0.1:{port}", {files} "outdir": "{}", "cases": ["1.1.*"],
                "exclude-cases": ["1.1.8"], "exclude-agent-cases": {{"Tung*": ["1.1.2"], "Other": ["1.1.3"]}}}}"#,
            dir.join("client").display()
        ),
    )
    .unwrap();
    let mut server = Command::new(env!("CARGO_BIN_EXE_wsprobe"))
        .args(["wstest", "-m", "fuzzingserver", "-s"])
        .arg(&spec)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let base = format!("{scheme}://127.0.0.1:{port}");
    let ask = |path: String| first_text(&rt, &path, &ca);
    let count: usize = ask(format!("{base}/getCaseCount")).parse().unwrap();
    assert_eq!(count, 7);
    // ?case=N is the Nth number in Autobahn's order, as in wstest.
    let info = ask(format!("{base}/getCaseInfo?case=6"));
    assert!(info.contains("client/framing/text/len-65535"), "{info}");
    for case in 1..=count {
        let url = format!("{base}/runCase?case={case}&agent=Tungstenite");
        rt.block_on(wsprobe::servers::echo::client(&url, &ca));
    }
    let written = ask(format!("{base}/updateReports?agent=Tungstenite"));
    server.kill().unwrap();
    let _ = server.wait();
    assert!(written.contains("reports written"), "{written}");
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("client/index.json")).unwrap())
            .unwrap();
    let cases = index["Tungstenite"].as_object().unwrap();
    let ids: Vec<&String> = cases.keys().collect();
    // 1.1.2 is excluded for Tung*, so wstest skips it; 1.1.3 only for Other.
    assert_eq!(ids, ["1.1.1", "1.1.3", "1.1.4", "1.1.5", "1.1.6", "1.1.7"]);
    assert!(cases.values().all(|c| c["behavior"] == "OK"), "{index}");
    let case: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("client/tungstenite_case_1_1_7.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        (case["isServer"].clone(), case["case"].clone()),
        (true.into(), 7.into())
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The first text message at `url` (wss:// trusting `ca`).
fn first_text(rt: &tokio::runtime::Runtime, url: &str, ca: &std::path::Path) -> String {
    rt.block_on(async {
        let target = wsprobe::target::Target::parse(url).unwrap();
        let tcp = tokio::net::TcpStream::connect((target.host.as_str(), target.port))
            .await
            .unwrap();
        if target.scheme == "wss" {
            let how = wsprobe::tls::TestClientTls::default();
            let tls = wsprobe::tls::test_client_connect(tcp, &target.host, ca, how)
                .await
                .unwrap();
            first_message(url, tls).await
        } else {
            first_message(url, tcp).await
        }
    })
}

async fn first_message<S>(url: &str, stream: S) -> String
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    use futures_util::StreamExt;
    let (mut ws, _) = tokio_tungstenite::client_async(url, stream).await.unwrap();
    match ws.next().await {
        Some(Ok(m)) => m.into_text().unwrap().to_string(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn serve_cases_speaks_the_autobahn_protocol() {
    let dir = temp_dir("serve-cases");
    let port = free_port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_wsprobe"))
        .args([
            "serve-cases",
            "--port",
            &port.to_string(),
            "--cases",
            "client/echo/*",
            "--report-dir",
        ])
        .arg(&dir)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let base = format!("ws://127.0.0.1:{port}");
    let text_of = |path: String| first_text(&rt, &path, std::path::Path::new(""));
    let count: usize = text_of(format!("{base}/getCaseCount")).parse().unwrap();
    assert_eq!(count, 9);
    assert!(
        text_of(format!("{base}/getCaseInfo?case=1")).contains("\"id\":\"client/echo/text-empty\"")
    );
    for case in 1..=count {
        let url = format!("{base}/runCase?case={case}&agent=tungstenite");
        rt.block_on(wsprobe::servers::echo::client(
            &url,
            std::path::Path::new(""),
        ));
    }
    assert!(text_of(format!("{base}/getCaseStatus?case=2&agent=tungstenite")).contains("\"OK\""));
    let written = text_of(format!("{base}/updateReports?agent=tungstenite"));
    server.kill().unwrap();
    let _ = server.wait();
    assert!(written.contains("reports written"), "{written}");
    let json = std::fs::read_to_string(dir.join("tungstenite/results.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["summary"]["pass"], 9, "{json}");
    assert!(dir.join("tungstenite/index.html").exists());
    assert!(dir.join("tungstenite/junit.xml").exists());
}

#[test]
fn strict_makes_a_missed_should_fail_the_exit_code() {
    // The reference server validates UTF-8 per frame, so this fail-fast
    // case is NON-STRICT: exit 0 by default, 1 with --strict.
    let case = ["--cases", "utf8/fail-fast/invalid-inside-one-frame"];
    let out = wsprobe(&["demo", case[0], case[1]]);
    assert!(
        text(&out.stdout).contains("1 non-strict"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(out.status.code(), Some(0));
    let out = wsprobe(&["demo", case[0], case[1], "--strict"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    // A run with nothing non-strict passes either way.
    let out = wsprobe(&["demo", "--cases", "framing/text/len-0", "--strict"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}

#[test]
fn requirements_reports_coverage_per_sentence() {
    let out = wsprobe(&["requirements", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &doc["summary"];
    let n = |k: &str| s[k].as_u64().unwrap();
    let reqs = doc["requirements"].as_array().unwrap();
    assert_eq!(n("sentences") as usize, reqs.len());
    assert_eq!(
        n("checked") + n("not_checkable") + n("missing"),
        n("sentences")
    );
    assert!(n("checked") > 100, "{s}");
    for r in reqs {
        for key in [
            "id", "rfc", "section", "level", "text", "binds", "status", "cases",
        ] {
            assert!(!r[key].is_null(), "{key} missing in {r}");
        }
        match r["status"].as_str().unwrap() {
            "checked" => assert!(!r["cases"].as_array().unwrap().is_empty(), "{r}"),
            "not_checkable" => assert!(r["reason"].is_string(), "{r}"),
            "missing" => assert!(r["cases"].as_array().unwrap().is_empty(), "{r}"),
            other => panic!("status {other}"),
        }
    }
    // The close-handshake sentence of issue 14's first row names its cases.
    let close = reqs
        .iter()
        .find(|r| {
            r["text"]
                .as_str()
                .unwrap()
                .contains("The server MUST close the underlying TCP connection immediately")
        })
        .expect("5.5.1 is in the matrix");
    assert_eq!(close["status"], "checked");
    let human = text(&wsprobe(&["requirements"]).stdout);
    assert!(human.contains("6455   5.5.1"), "{human}");
    assert!(human.contains(" sentences: "), "{human}");
}

/// `wsprobe wstest` as an Autobahn user's CI runs it: a spec with two
/// servers (one broken), wildcards, exclusions per agent and a key wstest
/// does not read; then index.json and the case files read the way those
/// scripts read them (jq, a Python loader).
#[test]
fn wstest_reads_an_autobahn_spec_and_writes_its_layout() {
    let dir = temp_dir("wstest");
    let good = Server::start(&["none"]);
    let bad = Server::start(&["echo-invalid-utf8"]);
    let outdir = dir.join("reports/servers");
    let spec = dir.join("fuzzingclient.json");
    let write_spec = |cases: &str| {
        std::fs::write(
            &spec,
            format!(
                r#"{{
  "options": {{"failByDrop": false}},
  "outdir": "{}",
  "servers": [{{"agent": "Reference", "url": "{}"}},
              {{"agent": "Broken Server", "url": "{}", "options": {{"version": 18}}}}],
  "cases": {cases},
  "exclude-cases": ["2.1*"],
  "exclude-agent-cases": {{"Ref*": ["2.2"]}},
  "webport": 8080
}}"#,
                outdir.display(),
                good.url(),
                bad.url()
            ),
        )
        .unwrap()
    };
    write_spec(r#"["6.3.*", "1.1.1", "2.*"]"#);
    let run = |extra: &[&str]| {
        let mut args = vec![
            "wstest",
            "-m",
            "fuzzingclient",
            "-s",
            spec.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        wsprobe(&args)
    };
    let out = run(&[]);
    let stderr = text(&out.stderr);
    // A FAILED case fails the command, unlike wstest (always 0).
    assert_eq!(out.status.code(), Some(1), "{stderr}{}", text(&out.stdout));
    assert!(
        stderr.contains("webport: not a key wstest reads"),
        "{stderr}"
    );
    assert!(stderr.contains("servers[1].options.version: "), "{stderr}");
    // 6.3.1, 6.3.2, 1.1.1 and 2.2-2.9 (2.1, 2.10, 2.11 excluded); Reference without 2.2.
    assert!(stderr.contains("10 cases for agent Reference"), "{stderr}");
    assert!(
        stderr.contains("11 cases for agent Broken Server"),
        "{stderr}"
    );
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(outdir.join("index.json")).unwrap()).unwrap();
    let reference = index["Reference"].as_object().unwrap();
    let broken = index["Broken Server"].as_object().unwrap();
    assert_eq!(reference.len(), 10);
    assert!(!reference.contains_key("2.2") && broken.contains_key("2.2"));
    assert!(reference
        .values()
        .all(|c| c["behavior"] == "OK" && c["behaviorClose"] == "OK"));
    assert_eq!(broken["6.3.1"]["behavior"], "FAILED");
    assert_eq!(
        broken["6.3.1"]["reportfile"],
        "broken_server_case_6_3_1.json"
    );
    // Autobahn's layout, which some scripts read as text: 3-space indent.
    let raw = std::fs::read_to_string(outdir.join("index.json")).unwrap();
    assert!(
        raw.starts_with(
            "{\n   \"Broken Server\": {\n      \"1.1.1\": {\n         \"behavior\": \"OK\","
        ),
        "{raw}"
    );
    // A Python loader, as pytest harnesses read the case files.
    let py = std::process::Command::new("python3")
        .arg("-c")
        .arg(
            r#"import json, sys, os
d = sys.argv[1]
index = json.load(open(os.path.join(d, "index.json")))
for agent, cases in sorted(index.items()):
    for n, c in sorted(cases.items()):
        f = json.load(open(os.path.join(d, c["reportfile"])))
        assert f["id"] == n and f["agent"] == agent and f["behavior"] == c["behavior"], (agent, n)
        assert isinstance(f["wirelog"], list) and isinstance(f["closedByMe"], bool)
        if c["behavior"] == "FAILED":
            print(agent, n, f["case"])
"#,
        )
        .arg(&outdir)
        .output()
        .unwrap();
    assert!(py.status.success(), "{}", text(&py.stderr));
    let failed = text(&py.stdout);
    // 6.3.1 is case 72 of Autobahn's 517: 64 in groups 1-5, then 6.1.1-6.1.3 and 6.2.1-6.2.4.
    assert_eq!(
        failed, "Broken Server 6.3.1 72\nBroken Server 6.3.2 73\n",
        "{failed}"
    );
    // jq, as tungstenite-rs and others read index.json.
    if let Ok(jq) = std::process::Command::new("jq")
        .args(["-r", ".[] | .[] | .behavior"])
        .arg(outdir.join("index.json"))
        .output()
    {
        let behaviors = text(&jq.stdout);
        assert_eq!(behaviors.lines().count(), 21, "{behaviors}");
        assert_eq!(
            behaviors.lines().filter(|b| *b == "FAILED").count(),
            2,
            "{behaviors}"
        );
    }
    // One echo counted in 1.1.1, as Autobahn's trafficStats count them.
    let case: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(outdir.join("reference_case_1_1_1.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        case["trafficStats"]["incomingWebSocketMessages"], 1,
        "{case}"
    );
    assert_eq!(case["closedByMe"], true, "{case}");
    assert!(outdir.join("index.html").is_file());
    assert!(outdir.join("wsprobe-Broken_Server.html").is_file());
    // wstest's own exit code on request.
    assert_eq!(run(&["--exit-zero"]).status.code(), Some(0));
    // A number no case has is named before anything runs (wstest would
    // stop with a KeyError in the middle).
    write_spec(r#"["1.1.1", "9.7.30"]"#);
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("cases: 9.7.30 is not an Autobahn case number"),
        "{}",
        text(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A fuzzingclient spec for case 1.1.1 against two agents.
fn write_spec_1_1_1(spec: &std::path::Path, outdir: &std::path::Path, servers: [(&str, &str); 2]) {
    let [(a, url_a), (b, url_b)] = servers;
    let text = format!(
        r#"{{"outdir": "{}", "cases": ["1.1.1"],
            "servers": [{{"agent": "{a}", "url": "{url_a}"}}, {{"agent": "{b}", "url": "{url_b}"}}]}}"#,
        outdir.display()
    );
    std::fs::write(spec, text).unwrap();
}

/// Ctrl-C while the second server of a spec is being reached: the run
/// stops there and the first server's results are still written.
#[test]
fn wstest_interrupted_between_servers_writes_what_finished() {
    let dir = temp_dir("wstest-interrupted");
    let good = Server::start(&["none"]);
    // Accepts and never answers: wsprobe is probing it when Ctrl-C comes.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let spec = dir.join("spec.json");
    let silent_url = format!("ws://127.0.0.1:{}/", silent.local_addr().unwrap().port());
    write_spec_1_1_1(
        &spec,
        &dir,
        [("here", &good.url()), ("silent", &silent_url)],
    );
    let child = Command::new(env!("CARGO_BIN_EXE_wsprobe"))
        .args(["wstest", "-m", "fuzzingclient", "-s"])
        .arg(&spec)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The first connection here is the probe of the second server: the
    // first has finished.
    let (_held, _) = silent.accept().unwrap();
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("(partial)"), "{stderr}");
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("index.json")).unwrap()).unwrap();
    assert_eq!(index["here"]["1.1.1"]["behavior"], "OK", "{index}");
    assert!(index.get("silent").is_none(), "{index}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// wstest skips a server it cannot reach and goes on; so does wsprobe, in
/// one line, with the results of the others written and exit code 3.
#[test]
fn wstest_skips_an_unreachable_server_in_one_line() {
    let dir = temp_dir("wstest-skip");
    let good = Server::start(&["none"]);
    let closed = free_port();
    let spec = dir.join("spec.json");
    let run = || {
        wsprobe(&[
            "wstest",
            "-m",
            "fuzzingclient",
            "-s",
            spec.to_str().unwrap(),
        ])
    };
    let gone = format!("ws://127.0.0.1:{closed}/");
    write_spec_1_1_1(&spec, &dir, [("gone", &gone), ("here", &good.url())]);
    let out = run();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("unreachable"))
        .collect();
    assert_eq!(lines.len(), 1, "{stderr:?}");
    assert!(lines[0].contains("its cases are left out"), "{stderr}");
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("index.json")).unwrap()).unwrap();
    assert_eq!(index["here"]["1.1.1"]["behavior"], "OK", "{index}");
    assert!(index.get("gone").is_none(), "{index}");
    // A url that cannot be parsed, after a good server: refused before
    // anything runs, so no finished result is lost halfway.
    std::fs::write(
        &spec,
        format!(
            r#"{{"outdir": "{}", "cases": ["1.1.1"],
                "servers": [{{"url": "{}"}}, {{"url": "http://x/"}}]}}"#,
            dir.join("second").display(),
            good.url()
        ),
    )
    .unwrap();
    let out = run();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        !text(&out.stderr).contains("cases for agent"),
        "{}",
        text(&out.stderr)
    );
    // A spec that is not a page of JSON is refused before it is read whole.
    std::fs::write(&spec, vec![b' '; (1 << 20) + 1]).unwrap();
    let out = run();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("larger than 1 MiB"),
        "{}",
        text(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `--spawn`: a server command that exits before it listens is a one-line
/// error (exit 3); one that listens is run against, shows what it used per
/// case, and is stopped after the run.
#[test]
fn spawn_starts_the_server_records_its_usage_and_stops_it() {
    let port = free_port();
    let url = format!("ws://127.0.0.1:{port}/");
    let out = wsprobe(&["run", &url, "--spawn", "echo starting; exit 7"]);
    assert_eq!(out.status.code(), Some(3));
    let err = text(&out.stderr);
    let last = err.lines().last().unwrap_or_default();
    assert!(
        last.contains("exited with status 7") && last.contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
    let serve = format!("exec {} serve --port {port}", env!("CARGO_BIN_EXE_wsprobe"));
    let out = wsprobe(&[
        "run",
        &url,
        "--spawn",
        &serve,
        "--cases",
        "wire/length/*",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = doc["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        assert!(r["server"]["rss_peak_kib"].as_u64().unwrap() > 0, "{r}");
    }
    // Stopped: nothing listens on the port any more.
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}
