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
