//! The demo report as a person sees it: `oversell demo` writes one self-contained HTML file, and
//! headless Chromium renders it with its charts drawn.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::common::binary::{Sandbox, succeeded};

const CHROMIUM: &str = "/usr/bin/chromium";

/// Runs `oversell demo` in `sandbox` and returns the report's path.
fn run_demo(sandbox: &Sandbox) -> PathBuf {
    succeeded(sandbox.oversell(&["demo", "--trials", "400", "--seed", "9"]));
    sandbox.path().join("out").join("demo").join("report.html")
}

/// Whether this is a CI run: `CI` set to anything but empty, `0` or `false` (CI services set
/// `CI=true`).
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.as_str(), "" | "0" | "false"))
}

/// Chromium, or `None` outside CI when it is not installed. Under CI a missing Chromium fails the
/// test (.ci/run installs it); elsewhere the skip is written straight to stderr, past the test
/// harness's capture, so a local run says what it did not check.
fn chromium() -> Option<&'static str> {
    if Path::new(CHROMIUM).exists() {
        return Some(CHROMIUM);
    }
    assert!(
        !in_ci(),
        "{CHROMIUM} is missing: .ci/run installs Debian's chromium"
    );
    let _ = writeln!(
        std::io::stderr(),
        "report: skipping the browser checks: {CHROMIUM} is not installed (under CI=true this fails)"
    );
    None
}

fn headless(chromium: &str, profile: &Path) -> Command {
    let mut cmd = Command::new(chromium);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .stdin(Stdio::null())
    .stderr(Stdio::null());
    cmd
}

#[test]
fn the_report_is_one_self_contained_file() {
    let html = std::fs::read_to_string(run_demo(&Sandbox::new())).unwrap();
    // Inline SVG only: one comparison chart and one timeline per stack.
    assert_eq!(html.matches("<svg").count(), 4);
    for stack in ["event-driven", "polling-15m", "erp-hourly"] {
        assert!(
            html.contains(&format!("data-scenario=\"{stack}\"")),
            "{stack}"
        );
    }
    // Nothing is fetched: no scripts, stylesheets or images by address. (The SVG namespace is a
    // name, not a request.)
    for fetch in ["<script", "<link", "<img", "src=", "url(", "@import"] {
        assert!(!html.contains(fetch), "the report refers to `{fetch}`");
    }
    let addresses = html.matches("http").count();
    let namespaces = html.matches("http://www.w3.org/2000/svg").count();
    assert_eq!(
        addresses, namespaces,
        "an address other than the SVG namespace"
    );
    // The assumptions are stated.
    for fact in ["2.5%", "40 orders a day", "60 units"] {
        assert!(html.contains(fact), "no `{fact}` in the report");
    }
}

#[test]
fn chromium_renders_the_report_with_its_charts() {
    let Some(chromium) = chromium() else {
        return;
    };
    let dir = Sandbox::new();
    let report = run_demo(&dir);
    let url = format!("file://{}", report.display());

    // The DOM as the browser built it.
    let dom = headless(chromium, &dir.path().join("profile-dom"))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .expect("run chromium");
    assert!(dom.status.success(), "chromium --dump-dom failed");
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert_eq!(dom.matches("<svg").count(), 4, "charts in the DOM");
    assert_eq!(dom.matches("class=\"card scenario-card\"").count(), 3);
    assert!(dom.contains("id=\"comparison\""));
    assert_eq!(
        dom.matches("<tr><td>").count(),
        3 + 4,
        "three comparison rows and four channel rows"
    );

    // A screenshot: the charts' series colours are on the page, so the SVG was drawn.
    let shot = dir.path().join("report.png");
    let status = headless(chromium, &dir.path().join("profile-shot"))
        .arg("--window-size=1200,2400")
        .arg(format!("--screenshot={}", shot.display()))
        .arg(&url)
        .stdout(Stdio::null())
        .status()
        .expect("run chromium");
    assert!(status.success(), "chromium --screenshot failed");
    let image = image::open(&shot).expect("a PNG screenshot").to_rgb8();
    assert_eq!(image.dimensions(), (1200, 2400));
    let colours: HashSet<[u8; 3]> = image.pixels().map(|p| p.0).collect();
    assert!(
        colours.len() > 200,
        "only {} colours: blank page?",
        colours.len()
    );
    let near = |target: [u8; 3]| {
        image
            .pixels()
            .filter(|p| p.0.iter().zip(target).all(|(&a, b)| a.abs_diff(b) <= 6))
            .count()
    };
    // Okabe-Ito blue, orange and green: the three stacks' bars in the comparison chart.
    for (name, rgb) in [
        ("blue", [0, 114, 178]),
        ("orange", [230, 159, 0]),
        ("green", [0, 158, 115]),
    ] {
        let pixels = near(rgb);
        assert!(pixels > 2_000, "{name} bars: only {pixels} pixels");
    }
}

/// Without Chromium, the browser test fails under `CI=true` instead of passing: this runs it again
/// in a child test process with `CI=true`. (With Chromium installed there is nothing to show.)
#[test]
fn a_missing_chromium_fails_under_ci() {
    if Path::new(CHROMIUM).exists() {
        return;
    }
    let output = Command::new(std::env::current_exe().expect("the test binary"))
        .args([
            "report::chromium_renders_the_report_with_its_charts",
            "--exact",
            "--nocapture",
        ])
        .env("CI", "true")
        .stdin(Stdio::null())
        .output()
        .expect("run the test binary");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "passed under CI=true:\n{stdout}");
    assert!(
        stderr.contains("/usr/bin/chromium is missing"),
        "stderr:\n{stderr}"
    );
    assert!(stdout.contains("1 failed"), "stdout:\n{stdout}");
}
