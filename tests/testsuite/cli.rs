//! The `careleaf` binary: exit codes, help, the summary line, overrides.
//! See: issue 2 (exit code 0 on success, 1 on content errors, 2 on usage).

use std::process::Output;

use crate::harness::SiteTest;

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited normally")
}

#[test]
fn build_succeeds_with_exit_code_0_and_says_what_it_did() {
    let t = SiteTest::from_fixture("sections");
    let o = t.run(|c| {
        c.arg("build");
    });
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "", "progress goes to stderr, not stdout");
    let err = stderr(&o);
    let last = err.lines().last().expect("a summary line");
    // "Built 4 pages (N files, 0.0 MB) in 0.01 s into /tmp/.../public"
    assert!(last.starts_with("Built 4 pages ("), "{last}");
    assert!(last.contains(" files, "), "{last}");
    assert!(last.contains(" MB) in "), "{last}");
    let into = last.split(" s into ").nth(1).expect("where");
    // Anything after the path is in parentheses: "... into DIR (search index: 0.05 s)".
    let into = into.split(" (").next().unwrap_or(into);
    // Relative to where careleaf ran (the site root here), or absolute.
    assert_eq!(
        t.root().join(into).canonicalize().expect("output exists"),
        t.out().canonicalize().expect("output exists")
    );
    assert!(t.out().join("treatments/peels/index.html").exists());
}

#[test]
fn content_errors_exit_with_1_and_a_count() {
    let t = SiteTest::from_fixture("error-two-files");
    let o = t.run(|c| {
        c.arg("build");
    });
    assert_eq!(code(&o), 1);
    let err = stderr(&o);
    assert!(
        err.contains("content/a-first.md:3:9: error[frontmatter.wrong-type]"),
        "{err}"
    );
    assert!(
        err.contains("content/c-second.md:3:7: error[frontmatter.bad-date]"),
        "{err}"
    );
    let last = err.lines().last().expect("a summary line");
    assert!(last.starts_with("build failed: 2 errors, "), "{last}");
    assert!(last.ends_with(" in 3 files"), "{last}");
    assert!(!t.out().exists(), "nothing is written when the build fails");
}

#[test]
fn a_bad_site_yaml_exits_with_1() {
    let t = SiteTest::from_fixture("error-config-unknown-key");
    let o = t.run(|c| {
        c.arg("build");
    });
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o),
        "\
site.yaml:3:1: error[config.unknown-field]: unknown field `languge`
  |
3 | languge: en
  | ^^^^^^^
  = help: did you mean `language`?
error: invalid site configuration
"
    );
}

#[test]
fn no_site_yaml_exits_with_1_and_names_the_file() {
    let t = SiteTest::from_fixture("sections");
    t.remove_file("site.yaml");
    let o = t.run(|c| {
        c.arg("build");
    });
    assert_eq!(code(&o), 1);
    let err = stderr(&o);
    assert_eq!(
        err,
        "error: no site.yaml in `.`: run careleaf in a site's folder, pass --root DIR, or start a site with `careleaf init DIR`\n"
    );
}

#[test]
fn usage_errors_exit_with_2() {
    let t = SiteTest::from_fixture("sections");
    for args in [
        &["build", "--no-such-flag"][..],
        &["no-such-command"][..],
        &[][..],
        &["build", "--output"][..],
    ] {
        let o = t.run(|c| {
            c.args(args);
        });
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        // clap's own errors; with no command at all it prints the help.
        let err = stderr(&o);
        assert!(
            err.starts_with("error: ") || err.contains("Usage: careleaf <COMMAND>"),
            "{args:?}: {err}"
        );
        assert_eq!(stdout(&o), "", "{args:?}");
        assert!(!t.out().exists(), "{args:?} built something");
    }
}

#[test]
fn help_lists_the_commands_and_build_options() {
    let t = SiteTest::empty();
    let o = t.run(|c| {
        c.arg("--help");
    });
    assert_eq!(code(&o), 0);
    let help = stdout(&o);
    assert!(help.contains("Usage: careleaf <COMMAND>"), "{help}");
    assert!(help.contains("  build "), "{help}");

    let o = t.run(|c| {
        c.args(["build", "--help"]);
    });
    assert_eq!(code(&o), 0);
    let help = stdout(&o);
    for flag in [
        "--root <DIR>",
        "--output <DIR>",
        "--base-url <URL>",
        "--drafts",
    ] {
        assert!(help.contains(flag), "{flag} missing from:\n{help}");
    }
}

#[test]
fn version_prints_the_package_version() {
    let t = SiteTest::empty();
    let o = t.run(|c| {
        c.arg("--version");
    });
    assert_eq!(code(&o), 0);
    assert_eq!(
        stdout(&o),
        format!("careleaf {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn build_flags_override_root_output_base_url_and_drafts() {
    let t = SiteTest::from_fixture("drafts");
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let out = elsewhere.path().join("site-out");
    // Run from another folder: nothing may depend on the working directory.
    let o = t.run(|c| {
        c.current_dir(elsewhere.path())
            .arg("build")
            .arg("--root")
            .arg(t.root())
            .arg("--output")
            .arg(&out)
            .args(["--base-url", "https://other.example/sub/path/", "--drafts"]);
    });
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(!t.out().exists(), "the default output is not used");
    let html = std::fs::read_to_string(out.join("unfinished/index.html")).expect("draft built");
    assert!(
        html.contains("href=\"/sub/path/css/careleaf.css\""),
        "base path from --base-url: {html}"
    );
    let sitemap = std::fs::read_to_string(out.join("sitemap.xml")).expect("sitemap");
    assert!(
        sitemap.contains("<loc>https://other.example/sub/path/unfinished/</loc>"),
        "{sitemap}"
    );

    // The short forms work too, and without --drafts the draft is left out.
    let o = t.run(|c| {
        c.current_dir(elsewhere.path())
            .arg("build")
            .arg("-r")
            .arg(t.root())
            .arg("-o")
            .arg(&out);
    });
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(!out.join("unfinished").exists());
    assert!(out.join("published/index.html").exists());
}

/// See: issue 8. `build` prints the warnings while it writes the site, then
/// a blank line and its summary; it exits with 0 and leaves the site and
/// its build record in place (the command ends without the allocator's
/// clean-up).
#[test]
fn build_prints_its_warnings_then_the_summary() {
    let t = SiteTest::from_fixture("check-spam");
    let o = t.run(|c| {
        c.arg("build");
    });
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let err = stderr(&o);
    let (warnings, summary) = err
        .rsplit_once("\n\n")
        .expect("a blank line before the summary");
    assert!(warnings.contains("warning[spam."), "{err}");
    assert!(summary.starts_with("Built "), "{err}");
    assert!(summary.ends_with("\n"), "{err}");
    assert!(t.out().join("index.html").is_file());
    assert!(
        t.out().join(".careleaf-build").is_file(),
        "the build record"
    );
    let again = t.run(|c| {
        c.arg("build");
    });
    assert_eq!(code(&again), 0);
    assert!(
        stderr(&again).starts_with("Nothing changed since the last build"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn a_bad_base_url_is_a_usage_error_or_a_located_config_error() {
    let t = SiteTest::from_fixture("sections");
    let o = t.run(|c| {
        c.args(["build", "--base-url", "clinic.example/skin/"]);
    });
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.starts_with("error: invalid value 'clinic.example/skin/' for '--base-url <URL>': base_url `clinic.example/skin/` must start with `https://` or `http://`"),
        "{err}"
    );
    // In site.yaml it is a content error, located at the value.
    t.change_file(
        "site.yaml",
        "title: Test clinic\nlanguage: en\nbase_url: clinic.example/skin/\n",
    );
    let o = t.run(|c| {
        c.arg("build");
    });
    assert_eq!(code(&o), 1);
    assert_eq!(
        stderr(&o),
        "\
site.yaml:3:11: error[config.base-url]: base_url `clinic.example/skin/` must start with `https://` or `http://`
  |
3 | base_url: clinic.example/skin/
  |           ^^^^^^^^^^^^^^^^^^^^
  = help: use a full URL such as `https://clinic.github.io/skin/`
error: invalid site configuration
"
    );
}

#[test]
fn refusing_a_foreign_output_folder_exits_with_1_and_says_how_to_proceed() {
    let t = SiteTest::from_fixture("sections");
    t.change_file("public/index.html", "someone else's site");
    let o = t.run(|c| {
        c.arg("build");
    });
    assert_eq!(code(&o), 1);
    let err = stderr(&o);
    assert!(err.contains("was not created by careleaf"), "{err}");
    assert!(err.contains("--output DIR"), "{err}");
    assert_eq!(t.read("index.html"), "someone else's site");
}
