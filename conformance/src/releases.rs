//! Medusa's stable 2.x releases (`conformance/expectations/releases.txt`, listed from the npm registry) and the
//! version numbers that name them.

use std::fmt;
use std::sync::LazyLock;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A release number `MAJOR.MINOR.PATCH`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl Version {
    pub const fn new(major: u32, minor: u32, patch: u32) -> Self {
        Version {
            major,
            minor,
            patch,
        }
    }

    /// `2.12` for `2.12.6`: the minor line.
    pub fn line(self) -> (u32, u32) {
        (self.major, self.minor)
    }
}

impl std::str::FromStr for Version {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim().trim_start_matches('v');
        let mut parts = text.split('.').map(|part| part.parse::<u32>());
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(Ok(major)), Some(Ok(minor)), Some(Ok(patch)), None) => {
                Ok(Version::new(major, minor, patch))
            }
            _ => Err(format!("{text:?} is not a release number such as 2.12.6")),
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

impl Serialize for Version {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

const RELEASES_TXT: &str = include_str!("../expectations/releases.txt");

/// Every stable 2.x release, ascending.
pub static RELEASES: LazyLock<Vec<Version>> = LazyLock::new(|| {
    let mut releases: Vec<Version> = RELEASES_TXT
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| line.parse().expect("releases.txt lists release numbers"))
        .collect();
    releases.sort();
    releases.dedup();
    releases
});

/// Consecutive runs of `versions` (as they stand in [`RELEASES`]) written as `2.0.0–2.4.4, 2.12.6`.
pub fn describe_ranges(versions: &[Version]) -> String {
    let mut sorted = versions.to_vec();
    sorted.sort();
    sorted.dedup();
    let position = |v: &Version| RELEASES.iter().position(|r| r == v);
    let mut ranges: Vec<(Version, Version)> = Vec::new();
    for version in sorted {
        match ranges.last_mut() {
            Some((_, last))
                if position(last)
                    .zip(position(&version))
                    .is_some_and(|(a, b)| a + 1 == b) =>
            {
                *last = version;
            }
            _ => ranges.push((version, version)),
        }
    }
    ranges
        .iter()
        .map(|(first, last)| {
            if first == last {
                first.to_string()
            } else {
                format!("{first}–{last}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_numbers_parse_and_order_numerically() {
        let a: Version = "2.9.1".parse().expect("valid");
        let b: Version = "2.12.0".parse().expect("valid");
        assert!(a < b);
        assert_eq!(b.to_string(), "2.12.0");
        assert!("2.12".parse::<Version>().is_err());
        assert!("2.12.0-preview".parse::<Version>().is_err());
    }

    #[test]
    fn the_release_list_holds_every_line_from_2_0_to_2_21() {
        for minor in 0..=21 {
            assert!(
                RELEASES.iter().any(|r| r.line() == (2, minor)),
                "no 2.{minor}.x in releases.txt"
            );
        }
    }

    #[test]
    fn consecutive_releases_are_written_as_one_range() {
        let first = RELEASES[0];
        let second = RELEASES[1];
        let last = *RELEASES.last().expect("releases listed");
        assert_eq!(
            describe_ranges(&[second, first, last]),
            format!("{first}–{second}, {last}")
        );
    }
}
