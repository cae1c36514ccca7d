//! Verdicts that do not depend on wsprobe's own load: the whole catalogue
//! against a single-threaded server that 32 cases at once saturate
//! (`--fault slow`) gets the same verdicts on every run, and the same as one
//! case at a time.

use std::collections::BTreeMap;

use wsprobe::case::load;
use wsprobe::judge::Verdict;
use wsprobe::run::{self, RunReport, Schedule};
use wsprobe::runner::RunOptions;
use wsprobe::servers::{self, Fault, ServerKind};
use wsprobe::target::Target;

async fn against_slow_server(jobs: usize) -> RunReport {
    let catalog = load::embedded().expect("catalogue loads");
    // A server of its own for each run: one thread, blocking on every
    // handshake and message.
    let addr = servers::spawn(ServerKind::Faulty([Fault::Slow].into()), "127.0.0.1:0")
        .await
        .unwrap();
    let opts = RunOptions::new(Target::parse(&format!("ws://{addr}/")).unwrap());
    let caps = run::probe(&opts).await.expect("the slow server answers");
    let (_tx, rx) = tokio::sync::watch::channel(false);
    run::run(catalog.cases, &opts, caps, Schedule::new(jobs), rx, |_| {}).await
}

type Verdicts = BTreeMap<String, (Verdict, Verdict, Option<Verdict>)>;

fn verdicts(r: &RunReport) -> Verdicts {
    r.results
        .iter()
        .map(|r| {
            let j = &r.judgement;
            (r.case.id.clone(), (j.verdict, j.behavior, j.close))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saturated_server_gets_the_same_verdicts_every_run_and_as_one_at_a_time() {
    // Five default runs and one with a single case in flight, all at once:
    // six saturated servers and six runs sharing two cores is more load
    // than any CI machine adds, and none of it may show in a verdict.
    let runs =
        futures_util::future::join_all([32, 32, 32, 32, 32, 1].map(against_slow_server)).await;
    let alone = verdicts(&runs[5]);
    assert_eq!(alone.len(), load::embedded().unwrap().cases.len());
    for (i, r) in runs.iter().enumerate() {
        assert!(!r.interrupted);
        let crashed: Vec<&str> = r
            .results
            .iter()
            .filter(|c| c.crashed_server || c.judgement.verdict == Verdict::Error)
            .map(|c| c.case.id.as_str())
            .collect();
        assert!(
            crashed.is_empty(),
            "run {i}: crash or error reported: {crashed:?}"
        );
        let got = verdicts(r);
        let differ: Vec<_> = got
            .iter()
            .filter(|(id, v)| alone.get(*id) != Some(v))
            .map(|(id, v)| format!("{id}: {v:?}, alone {:?}", alone.get(id)))
            .collect();
        assert!(
            differ.is_empty(),
            "run {i} differs from --jobs 1: {differ:#?}"
        );
    }
    // The slow server conforms: nothing fails, and the load window did cut.
    assert!(alone.values().all(|v| !v.0.is_failure()), "{alone:?}");
    assert!(runs[..5].iter().any(|r| r.confirmation.load_cuts > 0));
}

async fn against(faults: &[Fault], select: impl Fn(&str) -> bool) -> RunReport {
    let mut catalog = load::embedded().expect("catalogue loads");
    catalog.cases.retain(|c| select(&c.id));
    let addr = servers::spawn(
        ServerKind::Faulty(faults.iter().copied().collect()),
        "127.0.0.1:0",
    )
    .await
    .unwrap();
    let opts = RunOptions::new(Target::parse(&format!("ws://{addr}/")).unwrap());
    let caps = run::probe(&opts).await.expect("the server answers");
    let (_tx, rx) = tokio::sync::watch::channel(false);
    run::run(catalog.cases, &opts, caps, Schedule::new(32), rx, |_| {}).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_unreachable_for_a_moment_is_slow_not_down() {
    // `hiccup` drops every connection for 1.5 s once: the cases that met it
    // never reached the server, so they run again, and nothing is reported
    // as a crash, an error or a flaky case.
    let select = |id: &str| !id.starts_with("deflate/") && !id.starts_with("limits/");
    let (reference, hiccup) = tokio::join!(against(&[], select), against(&[Fault::Hiccup], select));
    assert_eq!(verdicts(&hiccup), verdicts(&reference));
    for r in &hiccup.results {
        assert!(
            !r.crashed_server && !r.flaky,
            "{}: {:?}",
            r.case.id,
            r.judgement
        );
    }
    let reran: Vec<&str> = hiccup
        .results
        .iter()
        .filter(|r| !r.attempts.is_empty())
        .map(|r| r.case.id.as_str())
        .collect();
    assert!(
        !reran.is_empty(),
        "no case met the hiccup: the test proves nothing"
    );
    assert!(hiccup.confirmation.load_cuts > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_refuses_a_large_message_stops_the_sending_at_once() {
    // `size-limit` closes with 1009 at the first frame header past 1 MiB and
    // reads no more: each case over the limit is the informational refusal,
    // and wsprobe stops sending the rest of its megabytes.
    let r = against(&[Fault::SizeLimit], |id| id.starts_with("limits/")).await;
    let mut refused = 0;
    for c in &r.results {
        let j = &c.judgement;
        let stopped = c
            .events
            .iter()
            .any(|e| matches!(e.event, wsprobe::event::Event::SendingStopped { .. }));
        let waited = c
            .events
            .iter()
            .any(|e| matches!(e.event, wsprobe::event::Event::Timeout { .. }));
        if j.verdict == Verdict::Informational {
            refused += 1;
            assert!(
                j.behavior_reason.contains("1009"),
                "{}: {}",
                c.case.id,
                j.behavior_reason
            );
            // Judged on the close, not on a wait that ran out.
            assert!(!waited, "{}: waited for its timeout", c.case.id);
            // 16 MiB cannot all be in flight when the server's close comes
            // (it reads 1.6 MB/s after it): the rest must stay unsent.
            if c.case.id.contains("16-mib") {
                assert!(
                    stopped,
                    "{}: sending went on after the server closed",
                    c.case.id
                );
            }
        } else {
            assert_eq!(j.verdict, Verdict::Pass, "{}: {:?}", c.case.id, j);
        }
    }
    // Every 4, 8 and 16 MiB case: 6 single frames, 18 fragmented.
    assert_eq!(refused, 24);
}
