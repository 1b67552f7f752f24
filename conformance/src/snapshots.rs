//! The committed snapshots (`conformance/snapshots/*.snap`, insta's file format) compiled into the binary, and the
//! `.snap.new` files written for review with `cargo insta review` when a snapshot is new or changed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

mod table {
    include!(concat!(env!("OUT_DIR"), "/snapshot_table.rs"));
}

/// The insta metadata written at the top of every snapshot.
const SOURCE: &str = "conformance/src/snapshots.rs";

pub struct SnapshotStore {
    committed: BTreeMap<String, String>,
    pending_dir: Option<PathBuf>,
}

/// The outcome of comparing a response with its snapshot.
pub enum Comparison {
    Matches,
    /// No snapshot of this name is committed; `received` is what the snapshot would hold.
    Missing {
        received: String,
    },
    /// A unified diff from the committed snapshot to the received one.
    Differs {
        diff: String,
    },
}

impl SnapshotStore {
    /// The snapshots compiled into this binary. `pending_dir` is ignored when running in CI.
    pub fn bundled(pending_dir: Option<PathBuf>) -> Self {
        let committed = table::SNAPSHOTS
            .iter()
            .map(|(name, text)| ((*name).to_owned(), contents_of(text).to_owned()))
            .collect();
        SnapshotStore {
            committed,
            pending_dir: pending_dir.filter(|_| !running_in_ci()),
        }
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.committed.keys().map(String::as_str)
    }

    /// Compares; on a difference, writes `<name>.snap.new` into the pending directory if one is configured.
    pub fn compare(&self, name: &str, expression: &str, received: &Value) -> Comparison {
        let received = serde_json::to_string_pretty(received).expect("JSON values serialize");
        let comparison = match self.committed.get(name) {
            Some(committed) if committed.trim_end() == received.trim_end() => {
                return Comparison::Matches;
            }
            Some(committed) => Comparison::Differs {
                diff: unified_diff(committed, &received),
            },
            None => Comparison::Missing {
                received: received.clone(),
            },
        };
        if let Some(dir) = &self.pending_dir {
            // Best effort: a failure to write a review file must not hide the comparison's verdict.
            let _ = write_pending(dir, name, expression, &received);
        }
        comparison
    }
}

/// Whether the `CI` variable is set to anything but `false`/`0`/empty, as CI systems do.
pub fn running_in_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| !matches!(value.as_str(), "" | "0" | "false"))
}

/// The snapshot body: everything after the metadata block delimited by `---` lines.
fn contents_of(file: &str) -> &str {
    let Some(rest) = file.strip_prefix("---\n") else {
        return file;
    };
    match rest.find("\n---\n") {
        Some(end) => &rest[end + 5..],
        None => file,
    }
}

/// The file insta would write for this snapshot.
pub fn snapshot_file(expression: &str, contents: &str) -> String {
    let expression = serde_json::to_string(expression).expect("strings serialize");
    format!("---\nsource: {SOURCE}\nexpression: {expression}\n---\n{contents}\n")
}

fn write_pending(dir: &Path, name: &str, expression: &str, contents: &str) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(
        dir.join(format!("{name}.snap.new")),
        snapshot_file(expression, contents),
    )
}

fn unified_diff(committed: &str, received: &str) -> String {
    similar::TextDiff::from_lines(committed.trim_end(), received.trim_end())
        .unified_diff()
        .context_radius(3)
        .header("committed snapshot", "received")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_written_snapshot_file_reads_back_with_insta() {
        let dir = std::env::temp_dir().join(format!("conformance-snap-{}", ulid::Ulid::new()));
        let contents =
            serde_json::to_string_pretty(&json!({ "status": 200, "body": { "b": 1, "a": [] } }))
                .expect("serializable");
        write_pending(&dir, "case__step", "POST /store/customers", &contents).expect("writable");
        let path = dir.join("case__step.snap.new");
        let snapshot = insta::Snapshot::from_file(&path).expect("insta reads the file");
        assert_eq!(
            snapshot.metadata().expression(),
            Some("POST /store/customers")
        );
        let text = std::fs::read_to_string(&path).expect("readable");
        assert_eq!(contents_of(&text).trim_end(), contents);
        std::fs::remove_dir_all(dir).expect("removable");
    }

    #[test]
    fn a_changed_response_gives_a_readable_diff() {
        let diff = unified_diff("{\n  \"a\": 1\n}\n", "{\n  \"a\": 2\n}");
        assert!(
            diff.contains("-  \"a\": 1") && diff.contains("+  \"a\": 2"),
            "{diff}"
        );
    }
}
