//! What the server's processes use while a case runs: resident memory
//! (sampled, and the kernel's own high-water mark) and CPU time, read from
//! /proc for the spawned process and all its descendants.
//!
//! A sampler thread (not a tokio task: it must not wait behind the cases)
//! reads every few milliseconds and raises the peak of every case in
//! flight. Between samples a short spike can be missed; the per-process
//! high-water mark (VmHWM) catches a new peak exactly, so a case that makes
//! the server grow past anything before is measured to the page.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;

/// What the server used while one case ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Usage {
    /// Resident memory of its processes when the case started, in KiB.
    pub rss_before_kib: u64,
    /// The most resident memory seen while it ran, in KiB.
    pub rss_peak_kib: u64,
    /// CPU time (user and system) its processes used meanwhile, in ms.
    pub cpu_ms: u64,
    /// Cases in flight with it (the figures are theirs together above 1).
    pub in_flight: usize,
}

impl Usage {
    /// How much the resident memory grew, at its peak, in KiB.
    pub fn growth_kib(&self) -> u64 {
        self.rss_peak_kib.saturating_sub(self.rss_before_kib)
    }
}

/// One process's figures at one moment.
#[derive(Debug, Clone, Copy, Default)]
struct Proc {
    rss_kib: u64,
    hwm_kib: u64,
    cpu_ticks: u64,
}

/// Where a case started: a reading, and the window the sampler raises.
/// Dropped without [`Watch::since`] (a case task that panicked or was
/// aborted), it closes its window, so later cases are not counted as
/// running beside it.
#[derive(Debug)]
pub struct Mark {
    state: Arc<Mutex<State>>,
    id: u64,
    rss_kib: u64,
    cpu_ticks: u64,
    hwm: HashMap<u32, u64>,
}

#[derive(Debug, Default)]
struct State {
    root: u32,
    pids: Vec<u32>,
    /// Open windows: id → (peak RSS in KiB, cases in flight at most).
    open: HashMap<u64, (u64, usize)>,
    next: u64,
    /// CPU ticks of processes that have ended, so the total never drops.
    gone_ticks: u64,
    last: HashMap<u32, Proc>,
}

/// The sampler over one spawned process tree.
#[derive(Debug)]
pub struct Watch {
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
    tick_ms: f64,
}

/// How often the sampler reads (a tree of up to 8 processes).
const EVERY: Duration = Duration::from_millis(5);

impl Watch {
    /// Start sampling the tree under `root`.
    pub fn start(root: u32) -> Watch {
        let state = Arc::new(Mutex::new(State {
            root,
            ..State::default()
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let (s, st) = (state.clone(), stop.clone());
        let thread = std::thread::Builder::new()
            .name("wsprobe-usage".into())
            .spawn(move || {
                let mut round = 0u32;
                while !st.load(Ordering::Relaxed) {
                    // Descendants change rarely; finding them walks /proc.
                    if round.is_multiple_of(20) {
                        let root = s.lock().expect("usage lock").root;
                        let pids = tree(root);
                        s.lock().expect("usage lock").pids = pids;
                    }
                    round = round.wrapping_add(1);
                    sample(&s);
                    // Two /proc reads per process: a server with many
                    // workers is sampled less often, so the sampler's own
                    // load on the machine stays small.
                    let n = s.lock().expect("usage lock").pids.len().max(1) as u32;
                    std::thread::sleep(EVERY * n.div_ceil(8));
                }
            })
            .ok();
        // SAFETY: sysconf only reads a system constant.
        let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
        let w = Watch {
            state,
            stop,
            thread,
            tick_ms: 1000.0 / ticks,
        };
        w.state.lock().expect("usage lock").pids = tree(root);
        w
    }

    /// The process the tree starts at.
    pub fn root(&self) -> u32 {
        self.state.lock().expect("usage lock").root
    }

    /// Watch the tree under `root` instead (the server was started again).
    pub fn retarget(&self, root: u32) {
        let pids = tree(root);
        let mut s = self.state.lock().expect("usage lock");
        s.root = root;
        s.pids = pids;
    }

    /// A case starts.
    pub fn mark(&self) -> Mark {
        let now = sample(&self.state);
        let mut s = self.state.lock().expect("usage lock");
        let id = s.next;
        s.next += 1;
        let in_flight = s.open.len() + 1;
        s.open.insert(id, (now.0, in_flight));
        for w in s.open.values_mut() {
            w.1 = w.1.max(in_flight);
        }
        Mark {
            state: self.state.clone(),
            id,
            rss_kib: now.0,
            cpu_ticks: now.1,
            hwm: s.last.iter().map(|(p, f)| (*p, f.hwm_kib)).collect(),
        }
    }

    /// A case ended: what the server used since `mark`.
    pub fn since(&self, mark: Mark) -> Usage {
        let now = sample(&self.state);
        let mut s = self.state.lock().expect("usage lock");
        let (mut peak, in_flight) = s.open.remove(&mark.id).unwrap_or((now.0, 1));
        // A process whose high-water mark rose peaked above anything before,
        // at that figure; the others' memory is added as it is now.
        for (pid, p) in &s.last {
            let before = mark.hwm.get(pid).copied().unwrap_or(0);
            if p.hwm_kib > before {
                let others: u64 = s
                    .last
                    .iter()
                    .filter(|(q, _)| *q != pid)
                    .map(|(_, f)| f.rss_kib)
                    .sum();
                peak = peak.max(p.hwm_kib + others);
            }
        }
        Usage {
            rss_before_kib: mark.rss_kib,
            rss_peak_kib: peak.max(mark.rss_kib),
            cpu_ms: (now.1.saturating_sub(mark.cpu_ticks) as f64 * self.tick_ms).round() as u64,
            in_flight,
        }
    }
}

impl Drop for Mark {
    fn drop(&mut self) {
        if let Ok(mut s) = self.state.lock() {
            s.open.remove(&self.id);
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Read every process of the tree, raise the open windows' peaks, and
/// return (total RSS in KiB, total CPU ticks, ended processes included).
fn sample(state: &Mutex<State>) -> (u64, u64) {
    let pids = state.lock().expect("usage lock").pids.clone();
    let read: Vec<(u32, Proc)> = pids
        .iter()
        .filter_map(|&p| read_proc(p).map(|f| (p, f)))
        .collect();
    let mut s = state.lock().expect("usage lock");
    // A process gone since the last reading keeps its CPU time in the total.
    let gone: u64 = s
        .last
        .iter()
        .filter(|(p, _)| !read.iter().any(|(q, _)| q == *p))
        .map(|(_, f)| f.cpu_ticks)
        .sum();
    s.gone_ticks += gone;
    s.last = read.into_iter().collect();
    let rss: u64 = s.last.values().map(|f| f.rss_kib).sum();
    let ticks = s.gone_ticks + s.last.values().map(|f| f.cpu_ticks).sum::<u64>();
    for w in s.open.values_mut() {
        w.0 = w.0.max(rss);
    }
    (rss, ticks)
}

/// `root` and its descendants, from /proc/PID/task/TID/children.
fn tree(root: u32) -> Vec<u32> {
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() && out.len() < 4096 {
        let pid = out[i];
        if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
            for t in tasks.flatten() {
                let path = t.path().join("children");
                if let Ok(text) = std::fs::read_to_string(path) {
                    out.extend(
                        text.split_whitespace()
                            .filter_map(|c| c.parse::<u32>().ok()),
                    );
                }
            }
        }
        i += 1;
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// One process's figures, or `None` when it is gone.
fn read_proc(pid: u32) -> Option<Proc> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    Some(Proc {
        rss_kib: status_kib(&status, "VmRSS:").unwrap_or(0),
        hwm_kib: status_kib(&status, "VmHWM:").unwrap_or(0),
        cpu_ticks: stat_ticks(&stat).unwrap_or(0),
    })
}

/// A `Name:   1234 kB` line of /proc/PID/status.
fn status_kib(status: &str, name: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix(name))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// utime + stime (fields 14 and 15) of /proc/PID/stat. The command name
/// (field 2) may hold spaces and parentheses: count after its last `)`.
fn stat_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // After the name come field 3 (state) onwards: utime is field 14.
    let utime: u64 = f.get(11)?.parse().ok()?;
    let stime: u64 = f.get(12)?.parse().ok()?;
    Some(utime + stime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_are_counted_after_the_name() {
        let stat = "42 (a) b (c)) S 1 42 42 0 -1 4194560 100 0 0 0 7 5 0 0 20 0 1 0";
        assert_eq!(stat_ticks(stat), Some(12));
        let status = "Name:\tx\nVmHWM:\t   2048 kB\nVmRSS:\t   1024 kB\n";
        assert_eq!(status_kib(status, "VmRSS:"), Some(1024));
        assert_eq!(status_kib(status, "VmHWM:"), Some(2048));
    }

    #[test]
    fn a_process_that_allocates_shows_its_growth_and_cpu() {
        // python3 is on every machine wsprobe's CI runs on. Told to go, it
        // touches 64 MiB and does a fixed amount of work (CPU time, not a
        // wall-clock wait, so load cannot change it), says so, and holds.
        use std::io::{BufRead, Write};
        let mut child = std::process::Command::new("python3")
            .args([
                "-c",
                "import sys\nsys.stdin.readline()\nb=bytearray(64<<20)\nfor i in range(0,len(b),4096): b[i]=1\nsum(range(20000000))\nprint('done', flush=True)\nsys.stdin.readline()",
            ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3 runs");
        let w = Watch::start(child.id());
        let mark = w.mark();
        let stdin = child.stdin.as_mut().expect("stdin");
        stdin.write_all(b"go\n").expect("write");
        let mut line = String::new();
        let out = child.stdout.take().expect("stdout");
        std::io::BufReader::new(out)
            .read_line(&mut line)
            .expect("read");
        let u = w.since(mark);
        let _ = child.stdin.as_mut().expect("stdin").write_all(b"end\n");
        let _ = child.wait();
        assert_eq!(line.trim(), "done");
        assert!(u.growth_kib() >= 60 << 10, "{u:?}");
        assert!(u.growth_kib() < 200 << 10, "{u:?}");
        assert!(u.cpu_ms >= 50, "{u:?}");
        assert_eq!(u.in_flight, 1);
    }
}
