//! The committed `testdata/layout` is exactly what the generator writes: regenerating gives
//! the same bytes (so the fixtures are reproducible, and edits to them are caught).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;
use std::path::Path;

fn files(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut found = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path.strip_prefix(root).unwrap().display().to_string();
                found.insert(relative, std::fs::read(&path).unwrap());
            }
        }
    }
    found
}

#[test]
fn regenerating_the_example_layout_gives_the_committed_bytes() {
    let out = tempfile::tempdir().unwrap();
    let fresh = out.path().join("layout");
    support::fixtures::generate(&fresh, &support::repo_root().join("testdata/pki")).unwrap();
    let committed = files(&support::example_layout());
    let regenerated = files(&fresh);
    let names = |m: &BTreeMap<String, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(&committed),
        names(&regenerated),
        "file sets differ; run the generator"
    );
    for (name, bytes) in &committed {
        assert!(
            bytes == &regenerated[name],
            "{name} differs from the generator's output; regenerate with `cargo run -p ratify --example gen-testdata -- testdata/layout`"
        );
    }
}
