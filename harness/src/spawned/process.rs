//! Starting the server command, waiting until it listens, and stopping it
//! with everything it started.

use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

/// A server command wsprobe started, in its own process group so that
/// stopping it stops what it started too (`sh -c`, `npm start`, ...).
#[derive(Debug)]
pub struct Spawned {
    child: Child,
    /// The command as given.
    pub command: String,
}

impl Spawned {
    /// Start `command` with `sh -c`. Its output goes to wsprobe's stderr, so
    /// `--format json` keeps stdout for the document.
    pub fn start(command: &str) -> std::io::Result<Spawned> {
        use std::os::fd::AsFd;
        use std::os::unix::process::CommandExt;
        let out = std::io::stderr().as_fd().try_clone_to_owned()?;
        let err = std::io::stderr().as_fd().try_clone_to_owned()?;
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(command)
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .process_group(0);
        // SAFETY: prctl is async-signal-safe and touches no memory of ours.
        // Its own process group keeps a terminal's Ctrl-C from the server;
        // this makes wsprobe ending (killed, even) end the shell, or the
        // server it exec'd, too. The signal follows the spawning thread:
        // wsprobe starts servers from its run's own task, never from a
        // blocking-pool thread that could end while the server runs.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let child = cmd.spawn()?;
        Ok(Spawned {
            child,
            command: command.to_string(),
        })
    }

    /// The process id (of `sh`; the server is it or one of its children).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Wait until `addr` accepts a TCP connection, for at most `within`.
    /// A command that exits first, or never listens, is an error saying so.
    pub async fn ready(&mut self, host: &str, port: u16, within: Duration) -> Result<(), String> {
        let until = tokio::time::Instant::now() + within;
        loop {
            if let Some(status) = self.exited() {
                return Err(format!(
                    "the server command `{}` {} before it listened on {host}:{port}",
                    self.command,
                    describe(status)
                ));
            }
            if tokio::net::TcpStream::connect((host, port)).await.is_ok() {
                return Ok(());
            }
            if tokio::time::Instant::now() >= until {
                return Err(format!(
                    "the server command `{}` did not listen on {host}:{port} within {}",
                    self.command,
                    humantime::format_duration(within)
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// How it ended, if it has.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Stop it and its process group: SIGTERM, then SIGKILL after `grace`.
    pub fn stop(&mut self, grace: Duration) {
        let group = self.child.id() as i32;
        if self.exited().is_none() {
            signal_group(group, libc::SIGTERM);
            let until = std::time::Instant::now() + grace;
            while self.exited().is_none() && std::time::Instant::now() < until {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        // Whatever it started may outlive it (a server that forked workers).
        signal_group(group, libc::SIGKILL);
        let _ = self.child.wait();
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        self.stop(Duration::from_secs(2));
    }
}

fn signal_group(group: i32, signal: i32) {
    // SAFETY: kill(2) with a negative pid signals that process group; it
    // touches no memory of ours.
    unsafe {
        libc::kill(-group, signal);
    }
}

/// "exited with status 1", "was killed by signal 6 (SIGABRT)".
pub fn describe(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exited with status {code}"),
        (None, Some(sig)) => format!("was killed by signal {sig}{}", signal_name(sig)),
        _ => "ended".into(),
    }
}

fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGABRT => " (SIGABRT)",
        libc::SIGKILL => " (SIGKILL: the out-of-memory killer, or a kill)",
        libc::SIGSEGV => " (SIGSEGV)",
        libc::SIGBUS => " (SIGBUS)",
        libc::SIGTERM => " (SIGTERM)",
        libc::SIGILL => " (SIGILL)",
        libc::SIGFPE => " (SIGFPE)",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_command_that_exits_before_listening_says_so() {
        let mut s = Spawned::start("exit 3").expect("sh starts");
        let e = s
            .ready("127.0.0.1", 9, Duration::from_secs(5))
            .await
            .expect_err("it never listens");
        assert!(e.contains("exited with status 3"), "{e}");
    }

    #[test]
    fn stopping_stops_the_whole_group() {
        // sh starts a sleep that ignores nothing: stopping must end both.
        let mut s = Spawned::start("sleep 30 & sleep 30; wait").expect("sh starts");
        let group = s.pid() as i32;
        std::thread::sleep(Duration::from_millis(200));
        s.stop(Duration::from_secs(2));
        // The orphaned sleep is reaped by init a moment later.
        // SAFETY: signal 0 only checks whether the group still exists.
        let alive = || unsafe { libc::kill(-group, 0) } == 0;
        let until = std::time::Instant::now() + Duration::from_secs(5);
        while alive() && std::time::Instant::now() < until {
            std::thread::sleep(Duration::from_millis(20));
        }
        let alive = alive();
        assert!(!alive, "the process group outlived stop()");
    }
}
