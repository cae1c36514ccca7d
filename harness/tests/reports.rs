//! Report sinks on a fixed run against the embedded servers: the console,
//! JSON and JUnit outputs are pinned by insta (timings, ports and dates
//! normalised), the baseline comparison is shown to catch regressions and
//! improvements, and the HTML report is loaded in headless Chromium.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use wsprobe::baseline::{self, Baseline};
use wsprobe::case::load::{self, Catalog};
use wsprobe::report::{self, console, RunMeta, RunSettings};
use wsprobe::run::{self, RunReport};
use wsprobe::runner::RunOptions;
use wsprobe::servers::{self, Fault, ServerKind};
use wsprobe::target::Target;

/// Handshake cases: their events come in one order whatever the scheduling
/// (request, response, close), so the whole output can be pinned.
const CASES: &[&str] = &[
    "handshake/key/empty",
    "handshake/key/15-bytes",
    "handshake/key/surrounding-whitespace",
    "handshake/version/12",
    "handshake/upgrade/missing",
    "framing/reserved-bits/rsv3-on-text",
];

async fn fixed_run(kind: ServerKind) -> (Catalog, RunReport, RunMeta) {
    let catalog = load::embedded().unwrap();
    let cases: Vec<_> = catalog
        .cases
        .iter()
        .filter(|c| CASES.contains(&c.id.as_str()))
        .cloned()
        .collect();
    assert_eq!(cases.len(), CASES.len(), "every fixed case exists");
    let addr = servers::spawn(kind, "127.0.0.1:0").await.unwrap();
    let opts = RunOptions::new(Target::parse(&format!("ws://{addr}/")).unwrap());
    let caps = run::probe(&opts).await.unwrap();
    let (_tx, rx) = tokio::sync::watch::channel(false);
    let report = run::run(cases, &opts, caps, run::Schedule::new(4), rx, |_| {}).await;
    let meta = RunMeta::now(
        catalog.fingerprint(),
        "fixed".into(),
        RunSettings {
            jobs: 4,
            ..Default::default()
        },
    );
    (catalog, report, meta)
}

fn faulty(f: &[Fault]) -> ServerKind {
    ServerKind::Faulty(f.iter().copied().collect())
}

/// Replace what changes from run to run: times, ports, dates, hashes of the catalogue.
fn normalise(text: &str) -> String {
    let rules: &[(&str, &str)] = &[
        (r"127\.0\.0\.1:\d+", "127.0.0.1:PORT"),
        (
            r#""(at_us|duration_ms|elapsed_ms|metric_ms|transfer_ms|mib_per_s|messages_per_s)": [0-9.e+-]+"#,
            r#""$1": 0"#,
        ),
        (r#""started_at": "[^"]+""#, r#""started_at": "DATE""#),
        (r#""catalogue": "[0-9a-f]+""#, r#""catalogue": "HASH""#),
        (r#"time="[0-9.]+""#, r#"time="T""#),
        (r"\+ *[0-9]+\.[0-9]{3} ms", "+T ms"),
        (r" in [0-9]+\.[0-9]{2}s", " in Ts"),
        (
            r"Sec-WebSocket-Key: [A-Za-z0-9+/=]+",
            "Sec-WebSocket-Key: KEY",
        ),
        (
            r"Sec-WebSocket-Accept: [A-Za-z0-9+/=]+",
            "Sec-WebSocket-Accept: ACCEPT",
        ),
        (
            r#"("Sec-WebSocket-Accept",\s*)"[A-Za-z0-9+/=]+""#,
            r#"$1"ACCEPT""#,
        ),
    ];
    let mut s = text.to_string();
    for (pat, rep) in rules {
        s = regex_lite::Regex::new(pat)
            .unwrap()
            .replace_all(&s, *rep)
            .into_owned();
    }
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_json_and_junit_are_pinned() {
    let (catalog, report, meta) =
        fixed_run(faulty(&[Fault::IgnoreRsv, Fault::AcceptAnyHandshake])).await;
    let style = console::Style {
        color: false,
        verbose: 0,
    };
    insta::assert_snapshot!(
        "console",
        normalise(&console::render(&report, &catalog.files, style))
    );
    // -v: a line per case under its section, the reasons of those that did not pass.
    let verbose = console::Style {
        verbose: 1,
        ..style
    };
    insta::assert_snapshot!(
        "console_verbose",
        normalise(&console::render(&report, &catalog.files, verbose))
    );
    insta::assert_snapshot!("json", normalise(&report::json::render(&report, &meta)));
    insta::assert_snapshot!(
        "junit",
        normalise(&report::junit::render(&report, &meta, &catalog.files, None))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn baseline_catches_regressions_improvements_and_new_cases() {
    let (catalog, good, meta) = fixed_run(ServerKind::Tungstenite).await;
    let known: BTreeSet<String> = catalog.cases.iter().map(|c| c.id.clone()).collect();
    let base = Baseline::updated(None, &good, &known, &meta.catalogue, &meta.agent);
    let base = Baseline::parse("b.yaml", &base.render()).expect("a written baseline reads back");
    assert!(baseline::compare(&base, &good, &known).matches(true));

    // The same cases against a server that accepts anything and ignores RSV: regressions.
    let (_, bad, _) = fixed_run(faulty(&[Fault::IgnoreRsv, Fault::AcceptAnyHandshake])).await;
    let diff = baseline::compare(&base, &bad, &known);
    let regressed: Vec<&str> = diff.regressions.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        regressed,
        [
            "framing/reserved-bits/rsv3-on-text",
            "handshake/key/15-bytes",
            "handshake/key/empty",
            "handshake/upgrade/missing",
            "handshake/version/12",
        ]
    );
    assert!(!diff.matches(false));

    // Pinned the other way round, the good server is an improvement: a difference too.
    let worse = Baseline::updated(None, &bad, &known, &meta.catalogue, &meta.agent);
    let diff = baseline::compare(&worse, &good, &known);
    assert_eq!(diff.improvements.len(), 5);
    assert!(diff.regressions.is_empty());
    assert!(!diff.matches(false));

    // A case missing from the baseline is new: fine unless strict.
    let mut partial = base.clone();
    partial.cases.remove("handshake/key/empty");
    partial.cases.insert(
        "gone/from/catalogue".into(),
        base.cases["handshake/key/empty"].clone(),
    );
    let diff = baseline::compare(&partial, &good, &known);
    assert_eq!(diff.new.len(), 1);
    assert_eq!(diff.removed, ["gone/from/catalogue"]);
    assert!(diff.matches(false));
    assert!(!diff.matches(true));

    // Updating keeps entries of cases that did not run and drops removed ones.
    let updated = Baseline::updated(Some(&partial), &good, &known, &meta.catalogue, &meta.agent);
    assert!(!updated.cases.contains_key("gone/from/catalogue"));
    assert_eq!(updated.cases.len(), CASES.len());
}

/// A baseline may pin a cause instead of its cases: every case that cause
/// decides matches, none of them needs a line, and the cases of other
/// causes still regress.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn baseline_pins_a_cause_instead_of_its_cases() {
    let (catalog, good, meta) = fixed_run(ServerKind::Tungstenite).await;
    let (_, bad, _) = fixed_run(faulty(&[Fault::IgnoreRsv, Fault::AcceptAnyHandshake])).await;
    let known: BTreeSet<String> = catalog.cases.iter().map(|c| c.id.clone()).collect();
    let mut base = Baseline::updated(None, &good, &known, &meta.catalogue, &meta.agent);
    let cause = "handshake-answer/RFC 6455 4.2.1/accepted";
    base.causes.push(baseline::CausePin {
        cause: cause.into(),
        verdict: wsprobe::judge::Verdict::Fail,
        reason: "accepts any handshake".into(),
    });
    let base = Baseline::parse("b.yaml", &base.render()).expect("the pin reads back");
    assert_eq!(base.causes.len(), 1);
    let diff = baseline::compare(&base, &bad, &known);
    let regressed: Vec<&str> = diff.regressions.iter().map(|c| c.id.as_str()).collect();
    // The three cases of the pinned cause match; the two of other causes do not.
    assert_eq!(
        regressed,
        ["framing/reserved-bits/rsv3-on-text", "handshake/version/12"]
    );
    // Updating from the faulty run: the pinned cause's cases lose their lines.
    let updated = Baseline::updated(Some(&base), &bad, &known, &meta.catalogue, &meta.agent);
    for id in [
        "handshake/key/empty",
        "handshake/key/15-bytes",
        "handshake/upgrade/missing",
    ] {
        assert!(!updated.cases.contains_key(id), "{id}");
    }
    assert_eq!(updated.causes, base.causes);
    let updated = Baseline::parse("b.yaml", &updated.render()).unwrap();
    assert!(baseline::compare(&updated, &bad, &known).matches(true));
    // Against the good server the pin sees no case: said, and strict fails on it.
    let fixed = baseline::compare(&updated, &good, &known);
    assert_eq!(fixed.unseen_causes, [cause]);
    assert!(fixed
        .render("b.yaml", false)
        .contains(&format!("UNSEEN     cause {cause}")));
    assert!(!fixed.matches(true));
    // The test view agrees: a pinned cause's failure is a known deviation.
    let xml = report::junit::render(&bad, &meta, &catalog.files, Some(&updated));
    assert_eq!(
        xml.matches("known deviation (accepts any handshake)")
            .count(),
        3,
        "{xml}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn baseline_alternatives_admit_either_outcome_of_a_racy_case() {
    let (catalog, good, meta) = fixed_run(ServerKind::Tungstenite).await;
    let (_, bad, _) = fixed_run(faulty(&[Fault::IgnoreRsv, Fault::AcceptAnyHandshake])).await;
    let known: BTreeSet<String> = catalog.cases.iter().map(|c| c.id.clone()).collect();
    let base = Baseline::updated(None, &good, &known, &meta.catalogue, &meta.agent).render();
    let pinned_line = base
        .lines()
        .find(|l| l.starts_with("  handshake/key/empty:"))
        .expect("the case is pinned")
        .to_string();
    // A person widens one entry by hand, as for a server whose outcome is a race.
    let racy = "  handshake/key/empty: {verdict: [pass, fail], behavior: [pass, fail], \
                reason: \"who wins, echo or close\"}";
    let text = base.replace(&pinned_line, racy);
    let widened = Baseline::parse("b.yaml", &text).expect("lists parse");
    assert!(widened.render().contains(racy), "{}", widened.render());

    let diff = baseline::compare(&widened, &bad, &known);
    let regressed: Vec<&str> = diff.regressions.iter().map(|c| c.id.as_str()).collect();
    assert!(!regressed.contains(&"handshake/key/empty"), "{regressed:?}");
    assert_eq!(regressed.len(), 4, "the other four still regress");
    assert!(baseline::compare(&widened, &good, &known).matches(true));

    // Updating from a run inside the alternatives keeps the entry as written.
    let updated = Baseline::updated(Some(&widened), &bad, &known, &meta.catalogue, &meta.agent);
    assert_eq!(
        updated.cases["handshake/key/empty"],
        widened.cases["handshake/key/empty"]
    );

    // An outcome outside them is still caught, and reported against the list.
    let narrow =
        "  handshake/key/empty: {verdict: [pass, non-strict], behavior: [pass, non-strict]}";
    let narrowed = Baseline::parse("b.yaml", &base.replace(&pinned_line, narrow)).unwrap();
    let diff = baseline::compare(&narrowed, &bad, &known);
    let text = diff.render("b.yaml", false);
    assert!(
        text.contains("REGRESSION handshake/key/empty: pass or non-strict, no close code -> fail"),
        "{text}"
    );

    // An empty list is an error naming the line.
    let e = Baseline::parse(
        "b.yaml",
        &base.replace(
            &pinned_line,
            "  handshake/key/empty: {verdict: [], behavior: pass}",
        ),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("at least one value"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn junit_skips_failures_the_baseline_pins() {
    let (catalog, bad, meta) =
        fixed_run(faulty(&[Fault::IgnoreRsv, Fault::AcceptAnyHandshake])).await;
    let known: BTreeSet<String> = catalog.cases.iter().map(|c| c.id.clone()).collect();
    let base = Baseline::updated(None, &bad, &known, &meta.catalogue, &meta.agent);
    let plain = report::junit::render(&bad, &meta, &catalog.files, None);
    let pinned = report::junit::render(&bad, &meta, &catalog.files, Some(&base));
    assert!(plain.contains("failures=\"5\""), "{plain}");
    assert!(pinned.contains("failures=\"0\""), "{pinned}");
    assert!(
        pinned.contains("known deviation (pinned in the baseline)"),
        "{pinned}"
    );
    // A reason given to a glob of ids names the deviations it matches.
    let mut with_glob = base.clone();
    with_glob.reasons.push(wsprobe::baseline::GlobReason {
        cases: "framing/reserved-bits/**".into(),
        reason: "processes reserved bits".into(),
    });
    let pinned = report::junit::render(&bad, &meta, &catalog.files, Some(&with_glob));
    assert!(pinned.contains("failures=\"0\""), "{pinned}");
    assert!(
        pinned.contains("known deviation (processes reserved bits)"),
        "{pinned}"
    );
    assert!(
        pinned.contains("known deviation (pinned in the baseline)"),
        "the handshake failures are outside the glob: {pinned}"
    );
}

fn chromium() -> Option<String> {
    if let Ok(p) = std::env::var("WSPROBE_CHROMIUM") {
        return Some(p);
    }
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .into_iter()
    .find(|p| Path::new(p).exists())
    .map(str::to_string)
}

/// Load `page` headless; returns the DOM after scripts ran and the console lines.
fn load_in_browser(browser: &str, page: &Path, fragment: &str) -> (String, Vec<String>) {
    let url = format!("file://{}{fragment}", page.display());
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
            &url,
        ])
        .output()
        .expect("chromium runs");
    let console = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    (String::from_utf8_lossy(&out.stdout).into_owned(), console)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_report_loads_in_chromium_with_the_right_counts() {
    let Some(browser) = chromium() else {
        // Our CI installs Chromium (.ci/run) and must run this; a fresh
        // checkout elsewhere gets a skip that says so, not a failure.
        let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
        assert!(
            !ci,
            "CI is set and no Chromium was found: install it (Debian: apt-get install chromium; .ci/run does) or point WSPROBE_CHROMIUM at a Chrome binary"
        );
        eprintln!(
            "SKIPPED html_report_loads_in_chromium_with_the_right_counts: no Chromium here (Debian: apt-get install chromium, or set WSPROBE_CHROMIUM); with CI=true this fails instead"
        );
        return;
    };
    let (catalog, report, meta) =
        fixed_run(faulty(&[Fault::IgnoreRsv, Fault::AcceptAnyHandshake])).await;
    let dir = std::env::temp_dir().join(format!("wsprobe-html-{}", std::process::id()));
    let written = report::write_dir(&dir, &report, &meta, &catalog.files, None).unwrap();
    // results, junit, html, the Autobahn index and framing/reserved-bits/rsv3-on-text as Autobahn 3.1.
    assert_eq!(written.len(), 5, "{written:?}");
    let page = dir.join("index.html");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http"),
        "no external assets"
    );

    let (dom, console) = load_in_browser(&browser, &page, "");
    assert!(console.is_empty(), "console output: {console:?}");
    assert!(
        dom.contains(&format!("data-rendered=\"{}\"", CASES.len())),
        "{dom}"
    );
    assert!(
        dom.contains(&format!("data-shown=\"{}\"", CASES.len())),
        "{dom}"
    );
    let fails = report.count(wsprobe::judge::Verdict::Fail);
    assert_eq!(fails, 5);
    assert!(
        dom.contains(&format!(
            "<span class=\"badge fail\">FAIL</span> {fails} </label>"
        )),
        "FAIL toggle shows {fails}: {dom}"
    );

    // A #case= link opens that case's panel with the RFC text and the wire log.
    let (dom, console) = load_in_browser(&browser, &page, "#case=handshake/key/empty");
    assert!(console.is_empty(), "console output: {console:?}");
    assert!(dom.contains("Wire log ("), "{dom}");
    assert!(dom.contains("HTTP request ("), "{dom}");
    // ... and the sentences of the requirement matrix it checks, linked to the RFC.
    assert!(
        dom.contains("href=\"https://www.rfc-editor.org/rfc/rfc6455#section-4.2.1\" title=\"rfc6455-4.2.1-a\""),
        "{dom}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
