//! The documentation's links resolve: every relative link in README.md and docs/*.md names a file
//! of the repository, and a `#anchor` into a markdown file names one of its headings.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

/// The markdown files whose links are checked.
fn documents() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md")];
    let mut docs: Vec<PathBuf> = fs::read_dir(root.join("docs"))
        .expect("a docs/ folder")
        .map(|entry| entry.expect("a docs/ entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

/// The lines of `text` outside fenced code blocks, with inline code spans removed, numbered from 1.
fn prose(text: &str) -> Vec<(usize, String)> {
    let mut fenced = false;
    let mut lines = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        // Alternate pieces between backticks are code.
        let outside: String = line.split('`').step_by(2).collect::<Vec<_>>().join(" ");
        lines.push((i + 1, outside));
    }
    lines
}

/// The targets of the inline links `[text](target)` and images `![alt](target)` on a line.
fn link_targets(line: &str) -> Vec<String> {
    let mut targets = Vec::new();
    let mut rest = line;
    while let Some(start) = rest.find("](") {
        let after = &rest[start + 2..];
        let Some(end) = after.find(')') else { break };
        // A title (`[x](path "title")`) follows a space; the target is what comes before.
        let target = after[..end].split_whitespace().next().unwrap_or("");
        targets.push(target.to_owned());
        rest = &after[end..];
    }
    targets
}

/// GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of a markdown file's headings (a repeated heading gets `-1`, `-2`, ...).
fn anchors(text: &str) -> HashSet<String> {
    let mut seen = HashSet::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        }
        if fenced || !line.starts_with('#') {
            continue;
        }
        let base = slug(line.trim_start_matches('#'));
        let mut anchor = base.clone();
        let mut n = 0;
        while seen.contains(&anchor) {
            n += 1;
            anchor = format!("{base}-{n}");
        }
        seen.insert(anchor);
    }
    seen
}

/// Whether `target` is outside the repository (a web address or mail).
fn external(target: &str) -> bool {
    target.contains("://") || target.starts_with("mailto:")
}

/// Every broken relative link of `file`, as `file:line: target (why)`.
fn broken_links(file: &Path, checked: &mut usize) -> Vec<String> {
    let text = fs::read_to_string(file).expect("a markdown file");
    let folder = file.parent().expect("a folder");
    let mut broken = Vec::new();
    for (number, line) in prose(&text) {
        for target in link_targets(&line) {
            if target.is_empty() || external(&target) {
                continue;
            }
            *checked += 1;
            let (path, anchor) = match target.split_once('#') {
                Some((path, anchor)) => (path, Some(anchor)),
                None => (target.as_str(), None),
            };
            let linked = if path.is_empty() {
                file.to_path_buf()
            } else {
                folder.join(path)
            };
            let at = format!("{}:{number}: {target}", file.display());
            if !linked.exists() {
                broken.push(format!("{at} (no such file)"));
                continue;
            }
            let Some(anchor) = anchor else { continue };
            if linked.extension().is_some_and(|e| e == "md") {
                let headings = anchors(&fs::read_to_string(&linked).expect("markdown"));
                if !headings.contains(anchor) {
                    broken.push(format!("{at} (no heading with this anchor)"));
                }
            }
        }
    }
    broken
}

#[test]
fn every_relative_link_in_the_documentation_resolves() {
    let mut checked = 0;
    let broken: Vec<String> = documents()
        .iter()
        .flat_map(|file| broken_links(file, &mut checked))
        .collect();
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
    // The README's charts and its links into docs/model.md at least.
    assert!(checked >= 10, "only {checked} relative links found");
}

#[test]
fn the_readme_links_the_model() {
    let readme = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let targets: Vec<String> = prose(&readme)
        .iter()
        .flat_map(|(_, line)| link_targets(line))
        .collect();
    assert!(
        targets.iter().any(|t| t == "docs/model.md"),
        "README.md does not link docs/model.md"
    );
}

#[test]
fn the_link_checker_finds_what_it_should() {
    assert_eq!(
        link_targets("see ![a chart](out/a.png) and [the model](docs/model.md#listing \"t\")."),
        ["out/a.png", "docs/model.md#listing"]
    );
    assert_eq!(
        slug(" The record, receipts, reorders and recounts"),
        "the-record-receipts-reorders-and-recounts"
    );
    assert_eq!(
        slug("`[[links]]`: how systems learn"),
        "links-how-systems-learn"
    );
    let headings = anchors("# A\n```\n# not a heading\n```\n## A\n### B c\n");
    let expected: HashSet<String> = ["a", "a-1", "b-c"].map(String::from).into();
    assert_eq!(headings, expected);
    let code = prose("`[x](nowhere.md)` [y](here.md)\n```\n[z](gone.md)\n```\n");
    let found: Vec<String> = code.iter().flat_map(|(_, l)| link_targets(l)).collect();
    assert_eq!(found, ["here.md"]);
}
