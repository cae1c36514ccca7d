//! Command-line definitions (clap derive only; the work is in `cli::*`).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// WebSocket (RFC 6455) conformance testing for servers.
#[derive(Debug, Parser)]
#[command(
    name = "wsprobe",
    version,
    about,
    after_help = "Exit codes:\n  0    every case passed (non-strict and informational count as passing), or the run matches --baseline\n  1    a case failed or errored, or the run differs from --baseline\n  2    bad command line, catalogue or baseline file\n  3    the target cannot be reached, or refused every handshake\n  130  interrupted (Ctrl-C); what finished is still reported"
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the catalogue against a ws:// server.
    Run(RunArgs),
    /// Start the embedded echo server and run the catalogue against it.
    Demo(DemoArgs),
    /// List case ids and titles without connecting.
    List(ListArgs),
    /// Show one case in full: RFC text, bytes it sends, acceptable outcomes.
    Show(ShowArgs),
    /// Which normative sentences of RFC 6455 and RFC 7692 the catalogue
    /// checks, per section, and the ones no case checks yet.
    Requirements(RequirementsArgs),
    /// Run an embedded server (the reference echo server, or a faulty one).
    Serve(ServeArgs),
    /// Build reports from earlier runs.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Send generated sequences to a server; minimise each distinct failure
    /// and write it to findings/ as a YAML case (replay with `run --case-file`).
    Fuzz(FuzzArgs),
    /// Test a WebSocket client: start `CMD` once per client case with the
    /// case URL in place of `{url}` (appended if absent); the client
    /// connects, echoes what it receives, and is judged.
    TestClient(TestClientArgs),
    /// Serve the client cases behind Autobahn|Testsuite's URL protocol
    /// (/getCaseCount, /runCase?case=N&agent=A, /updateReports?agent=A), for
    /// existing Autobahn client harnesses.
    ServeCases(ServeCasesArgs),
    /// Autobahn|Testsuite's command line: `wsprobe wstest -m fuzzingclient
    /// -s fuzzingclient.json` reads its spec and writes its report layout
    /// (index.json, one file per case) in the spec's outdir.
    Wstest(WstestArgs),
    /// Run an embedded client against URL (the hand-written one, optionally
    /// with faults, or tokio-tungstenite's): `wsprobe test-client -- wsprobe client {url}`.
    Client(ClientArgs),
}

/// `wsprobe test-client`.
#[derive(Debug, Args)]
pub struct TestClientArgs {
    /// Which cases run, and how.
    #[command(flatten)]
    pub select: SelectArgs,
    /// Reports and baselines.
    #[command(flatten)]
    pub output: OutputArgs,
    /// Where the cases come from.
    #[command(flatten)]
    pub catalog: CatalogArgs,
    /// How long a client has to connect after it starts.
    #[arg(long, value_name = "DUR", default_value = "10s")]
    pub connect_timeout: String,
    /// The client command, after `--`.
    #[arg(last = true, required = true, value_name = "CMD")]
    pub command: Vec<String>,
}

/// `wsprobe serve-cases`.
#[derive(Debug, Args)]
pub struct ServeCasesArgs {
    /// Port to listen on.
    #[arg(long, default_value_t = 9001)]
    pub port: u16,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Which cases run, and how.
    #[command(flatten)]
    pub select: SelectArgs,
    /// Where the cases come from.
    #[command(flatten)]
    pub catalog: CatalogArgs,
    /// Where /updateReports writes, one directory per agent.
    #[arg(long, value_name = "DIR", default_value = "reports/clients")]
    pub report_dir: PathBuf,
}

/// `wsprobe wstest`: wstest's flags where they mean something here.
#[derive(Debug, Args)]
pub struct WstestArgs {
    /// Test mode: fuzzingclient tests the servers of the spec.
    #[arg(short = 'm', long, value_enum)]
    pub mode: WstestMode,
    /// The spec file (default: MODE.json here, as wstest).
    #[arg(short = 's', long, value_name = "FILE")]
    pub spec: Option<PathBuf>,
    /// The server to test when the spec lists none (wstest's --wsuri).
    #[arg(short = 'w', long = "wsuri", value_name = "URL")]
    pub wsuri: Option<String>,
    /// Exit 0 whatever the results, as wstest does (its issue #68); by
    /// default a FAILED case exits 1.
    #[arg(long)]
    pub exit_zero: bool,
    /// wstest's debug output: here, the reasons of every case (as -v).
    #[arg(short = 'd', long)]
    pub debug: bool,
    /// Which cases run, and how (`--cases` and `--exclude` narrow the
    /// spec's selection further, by wsprobe case id).
    #[command(flatten)]
    pub select: SelectArgs,
    /// Where the cases come from.
    #[command(flatten)]
    pub catalog: CatalogArgs,
}

/// `wsprobe wstest -m`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WstestMode {
    /// Test the WebSocket servers the spec lists.
    #[value(name = "fuzzingclient")]
    FuzzingClient,
    /// Serve the client cases at the spec's url behind Autobahn's URL
    /// protocol (/getCaseCount, /runCase, /updateReports), for clients under test.
    #[value(name = "fuzzingserver")]
    FuzzingServer,
}

/// `wsprobe client`.
#[derive(Debug, Args)]
pub struct ClientArgs {
    /// The URL to connect to (a case URL from test-client or serve-cases).
    pub url: String,
    /// Misbehave on purpose (repeatable; the server fault names, with the
    /// roles swapped: mask-frames sends unmasked frames).
    #[arg(long = "fault", value_name = "NAME", value_parser = fault_names())]
    pub faults: Vec<String>,
    /// Use tokio-tungstenite's client instead of the hand-written one.
    #[arg(long, conflicts_with = "faults")]
    pub tungstenite: bool,
    /// For a wss:// URL: trust this CA certificate (PEM), and only it
    /// (test-client passes its test CA as `{ca}`).
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<std::path::PathBuf>,
}

/// `wsprobe fuzz`.
#[derive(Debug, Args)]
pub struct FuzzArgs {
    /// The server under test, e.g. ws://127.0.0.1:9001/.
    pub url: String,
    /// Seed of the input stream (default: from the clock; printed either way).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Stop after this many sequences.
    #[arg(long, conflicts_with = "duration")]
    pub iterations: Option<u64>,
    /// Stop after this long, e.g. 60s or 10m (default: 60s unless --iterations).
    #[arg(long, value_name = "DUR")]
    pub duration: Option<String>,
    /// Sequences in flight (default: 16 per core, 16 to 128).
    #[arg(long, short)]
    pub jobs: Option<usize>,
    /// Where findings are written.
    #[arg(long, value_name = "DIR", default_value = "findings")]
    pub findings: PathBuf,
    /// Candidate runs allowed when minimising one finding.
    #[arg(long, default_value_t = 200)]
    pub minimise_budget: usize,
    /// Time budget per sequence.
    #[arg(long, value_name = "DUR", default_value = "5s")]
    pub timeout: String,
    /// Only cases whose id matches this glob (repeatable) seed the mutated inputs.
    #[arg(long = "cases", value_name = "GLOB")]
    pub cases: Vec<String>,
    /// Random inputs only: no catalogue case is mutated.
    #[arg(long)]
    pub random_only: bool,
    /// Where the cases come from.
    #[command(flatten)]
    pub catalog: CatalogArgs,
    /// TLS for wss:// targets.
    #[command(flatten)]
    pub tls: TlsArgs,
}

/// `wsprobe report ...`.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// One HTML page comparing several runs: servers as columns, cases as rows.
    Matrix(MatrixArgs),
}

/// `wsprobe report matrix`.
#[derive(Debug, Args)]
pub struct MatrixArgs {
    /// Report directories written by `--report-dir` (or their results.json files).
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Where to write the page.
    #[arg(long, short, value_name = "FILE", default_value = "matrix.html")]
    pub output: PathBuf,
}

/// Where the cases come from.
#[derive(Debug, Args, Clone)]
pub struct CatalogArgs {
    /// Load the catalogue from this directory instead of the built-in copy.
    #[arg(long, value_name = "DIR")]
    pub catalog: Option<PathBuf>,
    /// Run the cases of these YAML files only (for example fuzz findings); repeatable.
    #[arg(long = "case-file", value_name = "FILE", conflicts_with = "catalog")]
    pub case_files: Vec<PathBuf>,
    /// Case sizes and counts: `autobahn` runs the Autobahn equivalents as
    /// Autobahn does (12.x and 13.x with 1000 messages each, not 10), so
    /// results and timings compare (default: `default`, or `autobahn`
    /// under `wstest`).
    #[arg(long, value_enum, value_name = "PROFILE")]
    pub profile: Option<Profile>,
}

/// `--profile`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Profile {
    /// wsprobe's own sizes: fast.
    Default,
    /// Autobahn|Testsuite's sizes and counts.
    Autobahn,
}

impl Profile {
    /// The name the catalogue's `profiles:` use (`None`: the defaults).
    pub fn catalogue_name(self) -> Option<&'static str> {
        match self {
            Profile::Default => None,
            Profile::Autobahn => Some("autobahn"),
        }
    }
}

/// Which cases and how to run them.
#[derive(Debug, Args, Clone)]
pub struct SelectArgs {
    /// Only cases whose id matches this glob (repeatable).
    #[arg(long = "cases", value_name = "GLOB")]
    pub cases: Vec<String>,
    /// Leave out cases whose id matches this glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Add the security group (`security/**`: cross-site WebSocket
    /// hijacking, handshake authentication), which runs only when asked for
    /// (this, or --cases naming it).
    #[arg(long)]
    pub security: bool,
    /// Cases run in parallel (default: 16 per core, 16 to 128).
    #[arg(long, short)]
    pub jobs: Option<usize>,
    /// Time budget per case, e.g. 10s or 500ms (default: 10s, or the case's
    /// own where it needs more; given, it caps every case).
    #[arg(long, value_name = "DUR")]
    pub timeout: Option<String>,
    /// Report each case's first run as it came: no second run, with less
    /// load, of the cases that did not pass.
    #[arg(long)]
    pub no_confirm: bool,
    /// Largest frame the server may send, in bytes; above it the case fails.
    #[arg(long, value_name = "BYTES", default_value_t = 64 << 20)]
    pub max_frame: u64,
    /// Largest message the server may send, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 64 << 20)]
    pub max_message: u64,
}

/// What a run writes and what it is compared with.
#[derive(Debug, Args, Clone)]
pub struct OutputArgs {
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// -v: a line per case (reasons of those that did not pass); -vv: reasons of all and wire logs of those that did not pass; -vvv: wire logs of all.
    #[arg(long, short, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Colour on the console: auto (a terminal without NO_COLOR), always or never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Compare every verdict with this baseline file; exit 1 on any difference.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write the baseline file from this run instead of comparing (cases not run keep their entries).
    #[arg(long, requires = "baseline")]
    pub update_baseline: bool,
    /// Cases missing from the baseline, or gone from the catalogue, are differences too.
    #[arg(long, requires = "baseline")]
    pub strict_baseline: bool,
    /// NON-STRICT counts as a failure for the exit code: a missed SHOULD fails CI
    /// (as h2spec's strict mode). With --baseline, every change already does.
    #[arg(long)]
    pub strict: bool,
    /// Write results.json, junit.xml, index.html and autobahn/ into this directory.
    #[arg(long, value_name = "DIR")]
    pub report_dir: Option<PathBuf>,
    /// Name of the server under test in reports (Autobahn's "agent"; default: from the URL).
    #[arg(long, value_name = "NAME")]
    pub agent: Option<String>,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal and NO_COLOR is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Grouped console report.
    Human,
    /// JSON on stdout.
    Json,
}

/// `wsprobe run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The server under test, e.g. ws://127.0.0.1:9001/.
    pub url: String,
    /// Which cases run, and how.
    #[command(flatten)]
    pub select: SelectArgs,
    /// Reports and baselines.
    #[command(flatten)]
    pub output: OutputArgs,
    /// Where the cases come from.
    #[command(flatten)]
    pub catalog: CatalogArgs,
    /// Extra request header for every connection, as `Name: value` (repeatable).
    #[arg(long = "header", value_name = "K:V")]
    pub headers: Vec<String>,
    /// Subprotocol to offer (Sec-WebSocket-Protocol).
    #[arg(long)]
    pub protocol: Option<String>,
    /// Origin header to send (default: the first --origin-allow).
    #[arg(long)]
    pub origin: Option<String>,
    /// An origin the server is meant to serve, when it is meant only for
    /// certain sites (repeatable; RFC 6455 10.2): the handshake/origin/
    /// cases check that it refuses other origins with 403.
    #[arg(long = "origin-allow", value_name = "ORIGIN")]
    pub origin_allow: Vec<String>,
    /// For a wss:// URL: the port where the same host would serve plain
    /// ws:// (default 80 for a URL on 443, else the URL's own port); the
    /// security group checks that the endpoint does not upgrade there.
    #[arg(long = "plain-port", value_name = "PORT")]
    pub plain_port: Option<u16>,
    /// TLS for wss:// targets.
    #[command(flatten)]
    pub tls: TlsArgs,
    /// Start the server under test with this shell command, wait until it
    /// listens on the URL's port, and stop it (and what it started) after
    /// the run. wsprobe then records its peak memory and CPU time per case
    /// (/proc, Linux), which the memory-bounded security cases need, and
    /// starts it again when a case takes it down, so the run goes on. The
    /// command must stay in the foreground (not daemonize): its exit is
    /// taken for the server going down.
    #[arg(long, value_name = "CMD")]
    pub spawn: Option<String>,
    /// How long the --spawn command may take to listen.
    #[arg(long, value_name = "DUR", default_value = "30s", value_parser = humantime::parse_duration, requires = "spawn")]
    pub spawn_wait: std::time::Duration,
}

/// How `wss://` targets are checked.
#[derive(Debug, Args, Clone)]
pub struct TlsArgs {
    /// Trust this PEM certificate (a CA, or a self-signed server certificate)
    /// besides the system roots (repeatable).
    #[arg(long = "ca-cert", value_name = "FILE")]
    pub ca_certs: Vec<PathBuf>,
    /// Accept any server certificate (development servers); the handshake
    /// signatures are still checked.
    #[arg(long, conflicts_with = "ca_certs")]
    pub insecure: bool,
    /// Server name for SNI and the certificate check, instead of the URL host.
    #[arg(long, value_name = "NAME")]
    pub sni: Option<String>,
}

/// `wsprobe demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Which cases run, and how.
    #[command(flatten)]
    pub select: SelectArgs,
    /// Reports and baselines.
    #[command(flatten)]
    pub output: OutputArgs,
    /// Where the cases come from.
    #[command(flatten)]
    pub catalog: CatalogArgs,
    /// Run against the hand-written server with these faults instead (see `serve --help`).
    #[arg(long = "fault", value_name = "NAME")]
    pub faults: Vec<String>,
}

/// `wsprobe list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only ids matching this glob.
    pub glob: Option<String>,
    /// Output format (json adds counts per group and per Autobahn group).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// The client-under-test cases (test-client, serve-cases) instead.
    #[arg(long)]
    pub clients: bool,
    /// Where the cases come from.
    #[command(flatten)]
    pub catalog: CatalogArgs,
}

/// `wsprobe requirements`.
#[derive(Debug, Args)]
pub struct RequirementsArgs {
    /// Output format (json: `summary`, `sections` and one entry per sentence).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Only the sentences no case checks yet.
    #[arg(long)]
    pub missing: bool,
    /// Where the cases come from (a --catalog directory's own
    /// requirements.yaml is used when it has one).
    #[command(flatten)]
    pub catalog: CatalogArgs,
}

/// `wsprobe show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The case id.
    pub id: String,
    /// Where the cases come from.
    #[command(flatten)]
    pub catalog: CatalogArgs,
}

/// `wsprobe serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 9001)]
    pub port: u16,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Misbehave on purpose, to see what failures look like (repeatable).
    /// `none` runs the hand-written server without faults.
    #[arg(long = "fault", value_name = "NAME", value_parser = fault_names())]
    pub faults: Vec<String>,
    /// Serve wss:// with a self-signed certificate made at start (for
    /// localhost, 127.0.0.1, ::1 and --host); its PEM goes to --cert-out.
    #[arg(long)]
    pub tls: bool,
    /// Where --tls writes the certificate, for clients' --ca-cert (default:
    /// wsprobe-serve-PORT.pem in the temporary directory).
    #[arg(long, value_name = "FILE", requires = "tls")]
    pub cert_out: Option<PathBuf>,
}

/// Every fault name, and `none`, for `serve --fault`.
fn fault_names() -> clap::builder::PossibleValuesParser {
    use clap::builder::PossibleValue;
    let names = crate::servers::Fault::ALL
        .iter()
        .map(|(_, name, help)| PossibleValue::new(*name).help(*help));
    let none = PossibleValue::new("none").help("the hand-written server without faults");
    clap::builder::PossibleValuesParser::new(names.chain([none]))
}
