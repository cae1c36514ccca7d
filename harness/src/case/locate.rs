//! Line and column of every node in a YAML file, by path.
//!
//! serde deserializes from a value tree that has no positions, so errors
//! would say `cases[3].steps[0].send` without a line. A second, marked parse
//! (yaml-rust2) maps each such path to where the node starts in the file.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// Path (`cases[3].steps[0].send`) to 1-based (line, column).
#[derive(Debug, Default)]
pub struct Locations {
    nodes: HashMap<String, (usize, usize)>,
}

enum Frame {
    Seq { path: String, next: usize },
    Map { path: String, key: Option<String> },
}

#[derive(Default)]
struct Recv {
    stack: Vec<Frame>,
    nodes: HashMap<String, (usize, usize)>,
}

impl Recv {
    /// The path of the node that starts now, or None when it is a map key.
    fn next_path(&mut self) -> Option<String> {
        match self.stack.last_mut() {
            None => Some(String::new()),
            Some(Frame::Seq { path, next }) => {
                let p = format!("{path}[{next}]");
                *next += 1;
                Some(p)
            }
            Some(Frame::Map { path, key }) => key.take().map(|k| {
                if path.is_empty() {
                    k
                } else {
                    format!("{path}.{k}")
                }
            }),
        }
    }
}

impl MarkedEventReceiver for Recv {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let at = (mark.line(), mark.col() + 1);
        match ev {
            Event::Scalar(value, ..) => match self.next_path() {
                Some(path) => {
                    self.nodes.entry(path).or_insert(at);
                }
                None => {
                    if let Some(Frame::Map { key, .. }) = self.stack.last_mut() {
                        *key = Some(value);
                    }
                }
            },
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                let is_seq = matches!(ev, Event::SequenceStart(..));
                // A collection used as a map key has no path of its own.
                let path = self.next_path().unwrap_or_else(|| "?".into());
                self.nodes.entry(path.clone()).or_insert(at);
                self.stack.push(if is_seq {
                    Frame::Seq { path, next: 0 }
                } else {
                    Frame::Map { path, key: None }
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                self.stack.pop();
            }
            Event::Alias(_) => {
                let _ = self.next_path();
            }
            _ => {}
        }
    }
}

impl Locations {
    /// Index `text`; a file that does not parse gives an empty index (the
    /// serde parse reports that error with its own position).
    pub fn index(text: &str) -> Locations {
        let mut recv = Recv::default();
        let mut parser = Parser::new_from_str(text);
        let _ = parser.load(&mut recv, false);
        Locations { nodes: recv.nodes }
    }

    /// Where `path` starts; falls back to the nearest enclosing node.
    pub fn find(&self, path: &str) -> Option<(usize, usize)> {
        let mut p = path.to_string();
        loop {
            if let Some(at) = self.nodes.get(&p) {
                return Some(*at);
            }
            let cut = p.rfind(['.', '['])?;
            p.truncate(cut);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn paths_map_to_lines() {
        let text =
            "section: x\ncases:\n  - id: a\n    steps:\n      - send:\n          opcode: text\n";
        let loc = super::Locations::index(text);
        assert_eq!(loc.find("cases[0].id"), Some((3, 9)));
        assert_eq!(loc.find("cases[0].steps[0].send.opcode"), Some((6, 19)));
        assert_eq!(
            loc.find("cases[0].steps[0].send.nope").map(|l| l.0),
            Some(6)
        );
    }
}
