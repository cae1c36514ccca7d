//! Durations as cases write them (`500ms`, `2s`, `1.5s`).

use std::fmt;
use std::time::Duration;

use serde::{de, Deserialize, Deserializer, Serialize};

/// A duration written as `500ms`, `2s` or `1.5s`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Dur(pub Duration);

impl Dur {
    /// Parse `500ms`, `2s`, `1.5s`.
    pub fn parse(s: &str) -> Result<Dur, String> {
        let s = s.trim();
        let (num, scale) = if let Some(n) = s.strip_suffix("ms") {
            (n, 0.001)
        } else if let Some(n) = s.strip_suffix('s') {
            (n, 1.0)
        } else {
            return Err(format!("duration {s:?} needs a unit: ms or s"));
        };
        let v: f64 = num
            .trim()
            .parse()
            .map_err(|_| format!("duration {s:?} is not a number followed by ms or s"))?;
        if !(0.0..=86_400.0).contains(&v) {
            return Err(format!("duration {s:?} is out of range"));
        }
        Ok(Dur(Duration::from_secs_f64(v * scale)))
    }
}

impl fmt::Display for Dur {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let ms = self.0.as_millis();
        if ms.is_multiple_of(1000) {
            write!(f, "{}s", ms / 1000)
        } else {
            write!(f, "{ms}ms")
        }
    }
}

impl Serialize for Dur {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Dur::parse(&s).map_err(de::Error::custom)
    }
}
