//! The server under test, where wsprobe starts it (`wsprobe run --spawn
//! CMD`): its process, and what it uses while each case runs (peak memory,
//! CPU time, read from /proc), which a case can bound.

pub mod process;
pub mod usage;

pub use process::Spawned;
pub use usage::{Mark, Usage, Watch};

use std::sync::Mutex;
use std::time::Duration;

/// A server wsprobe started and watches.
#[derive(Debug)]
pub struct Server {
    process: Mutex<Spawned>,
    /// Its processes' memory and CPU, per case.
    pub watch: Watch,
    host: String,
    port: u16,
    within: Duration,
}

impl Server {
    /// Start `command` and wait until it listens on `host:port`.
    pub async fn start(
        command: &str,
        host: &str,
        port: u16,
        within: Duration,
    ) -> Result<Server, String> {
        let process = launch(command, host, port, within).await?;
        let watch = Watch::start(process.pid());
        Ok(Server {
            process: Mutex::new(process),
            watch,
            host: host.to_string(),
            port,
            within,
        })
    }

    /// Stop it and start it again (it went down, or stopped answering), so
    /// the run can go on.
    pub async fn restart(&self) -> Result<(), String> {
        let command = {
            let mut p = self.process.lock().expect("process lock");
            p.stop(Duration::from_secs(3));
            p.command.clone()
        };
        let fresh = launch(&command, &self.host, self.port, self.within).await?;
        self.watch.retarget(fresh.pid());
        *self.process.lock().expect("process lock") = fresh;
        Ok(())
    }

    /// How the server ended, if it has ("was killed by signal 6 (SIGABRT)").
    pub fn ended(&self) -> Option<String> {
        let mut p = self.process.lock().expect("process lock");
        p.exited().map(process::describe)
    }

    /// Stop it and whatever it started.
    pub fn stop(&self) {
        self.process
            .lock()
            .expect("process lock")
            .stop(Duration::from_secs(3));
    }
}

async fn launch(command: &str, host: &str, port: u16, within: Duration) -> Result<Spawned, String> {
    let mut process = Spawned::start(command)
        .map_err(|e| format!("cannot start the server command `{command}`: {e}"))?;
    process.ready(host, port, within).await?;
    Ok(process)
}
