//! `careleaf check` (issue 7): one fixture per rule family with pages that
//! trigger each rule and pages that must not, every message pinned (full
//! human output, caret included), the JSON output parsed back and the GitHub
//! annotations checked against the documented syntax. Also `new` and the
//! front matter schema.

use std::path::Path;

use serde::Deserialize;

use crate::harness::SiteTest;

/// Every diagnostic of a fixture, rendered as a user sees it.
fn human(name: &str) -> String {
    SiteTest::from_fixture(name).diagnostics().join("")
}

/// The files of a fixture that must have no finding at all.
fn assert_clean(name: &str, files: &[&str]) {
    let out = human(name);
    for f in files {
        assert!(
            !out.contains(&format!("{f}:")),
            "false positive in {name}/{f}:\n{out}"
        );
    }
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn trust_rules() {
    insta::assert_snapshot!(human("check-trust"));
    assert_clean("check-trust", &["content/peels/ok.md"]);
}

#[test]
fn claims_rules_match_prose_only() {
    insta::assert_snapshot!(human("check-claims"));
    // Negations, questions, code, URLs, HTML comments, source titles and
    // words that merely contain a phrase ("secure", "semi-permanent").
    assert_clean("check-claims", &["content/peels/honest.md"]);
}

#[test]
fn spam_rules() {
    insta::assert_snapshot!(human("check-spam"));
    assert_clean("check-spam", &["content/peels/natural.md"]);
}

#[test]
fn links_and_media_rules() {
    insta::assert_snapshot!(human("check-links-media"));
    assert_clean("check-links-media", &["content/peels/good.md"]);
}

#[test]
fn structure_rules() {
    insta::assert_snapshot!(human("check-structure"));
    assert_clean(
        "check-structure",
        &[
            "content/peels/tidy.md",
            "content/peels/new-draft.md",
            "content/peels/slug-a.md",
        ],
    );
}

#[test]
fn privacy_rule_covers_content_theme_and_static_files() {
    insta::assert_snapshot!(human("check-privacy"));
    assert_clean("check-privacy", &["content/peels/allowed.md"]);
}

#[test]
fn severity_overrides_and_unknown_rule_codes() {
    // claims.absolute raised to error, trust.no-author turned off, and a
    // misspelt rule code reported with a suggestion.
    insta::assert_snapshot!(human("check-severity"));
}

#[test]
fn example_site_passes_strict_check() {
    let t = SiteTest::example_site();
    assert_eq!(t.diagnostics(), Vec::<String>::new());
    let out = t.run(|c| {
        c.args(["check", "--strict"]);
    });
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).starts_with("No problems found in "),
        "{}",
        stderr(&out)
    );
}

#[test]
fn human_output_is_grouped_by_file_with_a_count_and_no_colour_when_piped() {
    let t = SiteTest::from_fixture("check-spam");
    let out = t.run(|c| {
        c.arg("check").env_remove("NO_COLOR");
    });
    let err = stderr(&out);
    assert!(!err.contains('\x1b'), "colour in a pipe:\n{err}");
    // A blank line between files, none within one file.
    assert!(
        err.contains("keyword stuffing and readers notice\ncontent/peels/stuffed.md:14:8:"),
        "{err}"
    );
    assert!(
        err.contains("vary the wording or use the phrase where it adds meaning\n\ncontent/peels/stuffed.md:12:"),
        "{err}"
    );
    assert!(
        err.ends_with("\n0 errors, 4 warnings in 3 files\n"),
        "{err}"
    );
    assert_eq!(out.status.code(), Some(0), "warnings do not fail check");
    assert_eq!(stdout(&out), "", "human output goes to stderr");
}

#[test]
fn exit_codes_and_strict() {
    let spam = SiteTest::from_fixture("check-spam");
    let strict = spam.run(|c| {
        c.args(["check", "--strict"]);
    });
    assert_eq!(strict.status.code(), Some(1));
    assert!(
        stderr(&strict).contains("error[spam.keyword-stuffing]"),
        "{}",
        stderr(&strict)
    );
    assert!(
        stderr(&strict).ends_with("\n4 errors, 0 warnings in 3 files\n"),
        "{}",
        stderr(&strict)
    );
    let trust = SiteTest::from_fixture("check-trust").run(|c| {
        c.arg("check");
    });
    assert_eq!(trust.status.code(), Some(1));
}

/// The documented shape of `check --format json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonReport {
    version: u32,
    errors: usize,
    warnings: usize,
    diagnostics: Vec<JsonDiagnostic>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonDiagnostic {
    location: JsonLocation,
    severity: String,
    code: String,
    message: String,
    help: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonLocation {
    path: String,
    line: usize,
    col: usize,
}

#[test]
fn json_output_parses_back() {
    let t = SiteTest::from_fixture("check-links-media");
    let out = t.run(|c| {
        c.args(["check", "--format", "json"]);
    });
    assert_eq!(out.status.code(), Some(1));
    let report: JsonReport = serde_json::from_str(&stdout(&out)).expect("valid JSON report");
    assert_eq!(report.version, 1);
    assert_eq!((report.errors, report.warnings), (6, 2));
    assert_eq!(report.diagnostics.len(), 8);
    let d = &report.diagnostics[0];
    assert_eq!(d.location.path, "content/peels/links.md");
    assert_eq!((d.location.line, d.location.col), (14, 5));
    assert_eq!(d.severity, "error");
    assert_eq!(d.code, "links.broken");
    assert_eq!(
        d.message,
        "link to `nope.md`: no page `content/peels/nope.md`"
    );
    assert_eq!(
        d.help.as_deref(),
        Some("did you mean `content/peels/good.md`?")
    );
    let codes: Vec<&str> = report.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(
        codes,
        [
            "links.broken",
            "links.missing-anchor",
            "links.broken",
            "media.no-alt",
            "media.missing",
            "media.missing",
            "links.empty-text",
            "links.empty-text"
        ]
    );
    // --strict is reflected in the JSON too.
    let strict = t.run(|c| {
        c.args(["check", "--format", "json", "--strict"]);
    });
    let report: JsonReport = serde_json::from_str(&stdout(&strict)).expect("valid JSON");
    assert_eq!((report.errors, report.warnings), (8, 0));
}

/// Parses one workflow command as GitHub documents it:
/// `::warning file={name},line={line},col={col},title={title}::{message}`
/// (https://docs.github.com/actions/reference/workflow-commands-for-github-actions).
fn parse_annotation(line: &str) -> (String, Vec<(String, String)>, String) {
    let rest = line.strip_prefix("::").expect("starts with ::");
    let (head, message) = rest.split_once("::").expect("a second ::");
    let (command, props) = head.split_once(' ').expect("command and properties");
    let props = props
        .split(',')
        .map(|kv| {
            let (k, v) = kv.split_once('=').expect("key=value");
            (k.to_string(), v.to_string())
        })
        .collect();
    (command.to_string(), props, message.to_string())
}

#[test]
fn github_annotations_follow_the_documented_syntax() {
    let t = SiteTest::from_fixture("check-links-media");
    let out = t.run(|c| {
        c.args(["check", "--format", "github"]);
    });
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 8, "{text}");
    assert_eq!(
        lines[0],
        "::error file=content/peels/links.md,line=14,col=5,title=links.broken::link to `nope.md`: no page `content/peels/nope.md`%0Adid you mean `content/peels/good.md`?"
    );
    for line in &lines {
        let (command, props, message) = parse_annotation(line);
        assert!(command == "error" || command == "warning", "{line}");
        let keys: Vec<&str> = props.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["file", "line", "col", "title"], "{line}");
        assert!(props[1].1.parse::<usize>().is_ok() && props[2].1.parse::<usize>().is_ok());
        assert!(!message.contains('\n') && !message.contains('\r'), "{line}");
    }
    assert!(lines[6].starts_with(
        "::warning file=content/peels/links.md,line=23,col=1,title=links.empty-text::"
    ));
    // The summary goes to stderr, so stdout holds only annotations.
    assert!(stderr(&out).contains("6 errors, 2 warnings in 1 file"));
}

#[test]
fn github_annotations_name_files_from_the_repository_root() {
    // A site in a subfolder of the repository: `careleaf check -r site`.
    let t = SiteTest::empty();
    crate::harness::copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/check-severity"),
        &t.root().join("site"),
    );
    let out = t.run(|c| {
        c.args(["check", "-r", "site", "--format", "github"]);
    });
    let text = stdout(&out);
    assert!(
        text.starts_with(
            "::error file=site/content/about.md,line=3,col=17,title=claims.absolute::"
        ),
        "{text}"
    );
}

#[test]
fn build_prints_warnings_and_fails_on_errors() {
    let spam = SiteTest::from_fixture("check-spam");
    let out = spam.run(|c| {
        c.arg("build");
    });
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("warning[spam.keyword-stuffing]"));
    let trust = SiteTest::from_fixture("check-trust");
    match trust.build_err() {
        careleaf::diag::Error::Content { count, .. } => assert_eq!(count, 5),
        other => panic!("unexpected error: {other}"),
    }
}

#[test]
fn list_rules_prints_every_rule() {
    let t = SiteTest::from_fixture("check-severity");
    let out = t.run(|c| {
        c.args(["check", "--list-rules"]);
    });
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    for r in careleaf::check::RULES {
        assert!(text.contains(r.code), "{} missing:\n{text}", r.code);
    }
    // The site's overrides are shown.
    assert!(
        text.lines()
            .any(|l| l.starts_with("trust.no-author ") && l.contains("  off  ")),
        "{text}"
    );
    insta::assert_snapshot!(text);
}

/// The binary uses the real date; a test that starts just before midnight
/// may see yesterday's.
fn today_or_yesterday() -> [String; 2] {
    let today = careleaf::frontmatter::Date::today().0;
    [
        today.to_string(),
        today
            .yesterday()
            .map_or_else(|_| String::new(), |d| d.to_string()),
    ]
}

#[test]
fn new_article_and_faq_write_commented_files_and_refuse_to_overwrite() {
    let t = SiteTest::example_site();
    let out = t.run(|c| {
        c.args([
            "new",
            "article",
            "Caring for your skin in winter",
            "--section",
            "microneedling",
        ]);
    });
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rel = "content/microneedling/caring-for-your-skin-in-winter.md";
    assert_eq!(stderr(&out), format!("Wrote {rel}\n"));
    let text = std::fs::read_to_string(t.root().join(rel)).expect("written");
    assert!(text.contains("title: \"Caring for your skin in winter\"\n"));
    assert!(
        today_or_yesterday()
            .iter()
            .any(|d| text.contains(&format!("\ndate: {d}\n"))),
        "{text}"
    );
    assert!(text.contains("# reviewed_by: "), "{text}");
    assert!(text.contains("authors: [nia-brennan]"), "{text}");
    // The section's treatment is named as inherited.
    assert!(text.contains("# treatment: microneedling"), "{text}");

    let again = t.run(|c| {
        c.args([
            "new",
            "article",
            "Caring for your skin in winter",
            "--section",
            "microneedling",
        ]);
    });
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(
        stderr(&again),
        format!(
            "error: `{rel}` already exists; not overwriting it (choose another title or edit that file)\n"
        )
    );

    let bad = t.run(|c| {
        c.args(["new", "article", "X", "--section", "microneedlin"]);
    });
    assert_eq!(bad.status.code(), Some(1));
    assert_eq!(
        stderr(&bad),
        "error: there is no section `microneedlin` (no folder `content/microneedlin`); did you mean `microneedling`?\n"
    );

    let faq = t.run(|c| {
        c.args(["new", "faq", "Can I exercise after microneedling?"]);
    });
    assert_eq!(faq.status.code(), Some(0), "{}", stderr(&faq));
    let q = std::fs::read_to_string(
        t.root()
            .join("content/faq/can-i-exercise-after-microneedling.md"),
    )
    .expect("faq written");
    assert!(q.contains("question: \"Can I exercise after microneedling?\"\n"));

    // New files are drafts: the site still passes a strict check.
    let check = t.run(|c| {
        c.args(["check", "--strict"]);
    });
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
    // With --drafts, a new article reports what is still to fill in.
    let drafts = t.run(|c| {
        c.args(["check", "--drafts"]);
    });
    let err = stderr(&drafts);
    assert!(err.contains("caring-for-your-skin-in-winter.md"), "{err}");
    assert!(err.contains("trust.no-reviewer"), "{err}");
}

#[test]
fn schema_in_docs_is_up_to_date() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/frontmatter.schema.json");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let generated = careleaf::scaffold::frontmatter_schema();
    assert!(
        committed == generated,
        "docs/frontmatter.schema.json is out of date: run `cargo run -- schema -o docs/frontmatter.schema.json`"
    );
    let schema: serde_json::Value = serde_json::from_str(&generated).expect("JSON");
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    assert_eq!(schema["additionalProperties"], false);
    for f in careleaf::frontmatter::FIELDS {
        assert!(schema["properties"].get(f).is_some(), "schema lacks `{f}`");
    }
    // `careleaf schema` prints the same text.
    let out = SiteTest::empty().run(|c| {
        c.arg("schema");
    });
    assert_eq!(stdout(&out), generated);
}
