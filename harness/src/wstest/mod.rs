//! Autobahn|Testsuite compatibility: its spec files and its case patterns,
//! so a project moves from `wstest -m fuzzingclient -s SPEC` to wsprobe by
//! changing the command and nothing else (the command is `cli::wstest`,
//! the report layout `report::autobahn`).

pub mod pattern;
pub mod spec;
