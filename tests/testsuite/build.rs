//! The build pipeline end to end: fixture sites in, pages out.
//! See: issue 2 (careleaf build).

use std::collections::BTreeMap;
use std::path::Path;

use careleaf::config::{Config, Overrides};

use crate::harness::{SiteTest, describe, today};

#[test]
fn minimal_site_builds_pretty_urls_under_base_path() {
    let t = SiteTest::from_fixture("minimal");
    t.build();
    let main = t.main_of("hello/index.html");
    assert!(
        main.contains("<h2 id=\"first-part\">First part</h2>"),
        "{main}"
    );
    assert!(main.contains("href=\"#second-part\""), "{main}");
    let html = t.read("hello/index.html");
    assert!(html.contains("<link rel=\"stylesheet\" href=\"/skin/css/careleaf.css\">"));
    for file in [
        ".nojekyll",
        "404.html",
        "sitemap.xml",
        "atom.xml",
        "robots.txt",
        "index.html",
    ] {
        assert!(t.out().join(file).exists(), "{file} is written");
    }
    assert!(
        t.read("robots.txt")
            .contains("Sitemap: https://clinic.example/skin/sitemap.xml"),
        "{}",
        t.read("robots.txt")
    );
    assert!(
        t.read("sitemap.xml")
            .contains("<loc>https://clinic.example/skin/hello/</loc>")
    );
}

#[test]
fn example_site_builds_without_errors_or_warnings() {
    let t = SiteTest::example_site();
    let loaded = careleaf::load(&t.config(), today()).expect("load");
    let text: String = loaded
        .diagnostics
        .iter()
        .map(|d| careleaf::diag::render_human(d, false))
        .collect();
    assert!(
        loaded.diagnostics.is_empty(),
        "the example site is the showcase: it must be clean\n{text}"
    );
    t.build();
    assert!(t.read("index.html").contains("<h1>"));
}

// --- Snapshots of the main content -----------------------------------------

#[test]
fn article_with_toc_sources_and_review() {
    let t = SiteTest::from_fixture("article");
    t.build();
    insta::assert_snapshot!(t.main_of("peels/aftercare/index.html"));
}

#[test]
fn section_list_is_paginated() {
    let t = SiteTest::from_fixture("pagination");
    t.build();
    insta::assert_snapshot!("section_page_1", t.main_of("guides/index.html"));
    insta::assert_snapshot!("section_page_2", t.main_of("guides/page/2/index.html"));
    // Five pages, two per list page: three list pages and no fourth.
    let last = t.main_of("guides/page/3/index.html");
    assert!(last.contains("Guide 5"), "{last}");
    assert!(!last.contains("rel=\"next\""), "{last}");
    assert!(!t.out().join("guides/page/4").exists());
    // The section's intro is shown on the first page only.
    assert!(t.main_of("guides/index.html").contains("An introduction"));
    assert!(!last.contains("An introduction"));
}

#[test]
fn tag_pages_list_their_articles() {
    let t = SiteTest::from_fixture("tags");
    t.build();
    insta::assert_snapshot!(t.main_of("tags/recovery/index.html"));
    let index = t.main_of("tags/index.html");
    assert!(index.contains("href=\"/skin/tags/recovery/\""), "{index}");
    assert!(index.contains("href=\"/skin/tags/skin-care/\""), "{index}");
    assert!(t.main_of("tags/skin-care/index.html").contains("Redness"));
}

#[test]
fn tag_pages_are_paginated_like_sections() {
    let t = SiteTest::from_fixture("tags");
    t.change_file(
        "site.yaml",
        &format!("{}paginate_by: 1\n", crate::harness::DEFAULT_SITE_YAML),
    );
    t.build();
    // Two articles tagged Recovery, one per list page, newest first.
    let first = t.main_of("tags/recovery/index.html");
    let second = t.main_of("tags/recovery/page/2/index.html");
    assert!(
        first.contains("Healing") && !first.contains("Redness"),
        "{first}"
    );
    assert!(
        second.contains("Redness") && !second.contains("Healing"),
        "{second}"
    );
    assert!(first.contains("2 articles"), "{first}");
    assert!(first.contains("(page 1 of 2)") && second.contains("(page 2 of 2)"));
    assert!(
        first.contains("<a href=\"/skin/tags/recovery/page/2/\" rel=\"next\">"),
        "{first}"
    );
    assert!(
        second.contains("<a href=\"/skin/tags/recovery/\" rel=\"prev\">"),
        "{second}"
    );
    assert!(!t.out().join("tags/recovery/page/3").exists());
    // Each list page is its own canonical URL.
    let html = t.read("tags/recovery/page/2/index.html");
    assert!(
        html.contains(
            "<link rel=\"canonical\" href=\"https://clinic.example/skin/tags/recovery/page/2/\">"
        ),
        "{html}"
    );
    // A tag with one article has one page and no pagination.
    let single = t.main_of("tags/skin-care/index.html");
    assert!(!single.contains("class=\"pagination\""), "{single}");
}

#[test]
fn tags_that_differ_only_in_case_are_one_tag() {
    let t = SiteTest::from_fixture("tags");
    t.change_file(
        "content/healing.md",
        "---\ntitle: Healing\ndate: 2026-03-01\ntags: [RECOVERY]\n---\nText.\n",
    );
    t.build();
    let main = t.main_of("tags/recovery/index.html");
    assert!(
        main.contains("Healing") && main.contains("Redness"),
        "{main}"
    );
    let index = t.main_of("tags/index.html");
    assert_eq!(
        index.matches("href=\"/skin/tags/recovery/\"").count(),
        1,
        "{index}"
    );
}

/// Each file in `tests/fixtures/markdown/` shows one Markdown feature.
#[test]
fn markdown_features() {
    insta::glob!("../fixtures", "markdown/*.md", |path| {
        let text = std::fs::read_to_string(path).expect("read fixture");
        let empty = std::collections::HashMap::new();
        let ctx = careleaf::markdown::LinkContext {
            base_path: "/skin/",
            dir: "",
            pages: &empty,
            assets: &empty,
        };
        insta::assert_snapshot!(careleaf::markdown::render(&text, &ctx).html);
    });
}

// --- Content features -------------------------------------------------------

fn config_with(t: &SiteTest, f: impl FnOnce(&mut Overrides)) -> Config {
    let mut o = Overrides {
        root: Some(t.root().to_path_buf()),
        ..Overrides::default()
    };
    f(&mut o);
    Config::load(&o).expect("config loads")
}

#[test]
fn drafts_are_built_only_with_drafts() {
    let t = SiteTest::from_fixture("drafts");
    t.build();
    assert!(t.out().join("published/index.html").exists());
    assert!(!t.out().join("unfinished").exists());
    assert!(!t.read("sitemap.xml").contains("unfinished"));

    let config = config_with(&t, |o| o.drafts = true);
    careleaf::build(&config, today()).expect("build with drafts");
    assert!(t.read("unfinished/index.html").contains("Unfinished"));
}

#[test]
fn aliases_redirect_to_the_page() {
    let t = SiteTest::from_fixture("aliases");
    t.build();
    for alias in ["old/aftercare-guide/index.html", "care.html"] {
        let html = t.read(alias);
        assert!(
            html.contains(
                "<link rel=\"canonical\" href=\"https://clinic.example/skin/aftercare/\">"
            ),
            "{alias}: {html}"
        );
        assert!(
            html.contains(
                "<meta http-equiv=\"refresh\" content=\"0; url=https://clinic.example/skin/aftercare/\">"
            ),
            "{alias}: {html}"
        );
        assert!(html.contains("noindex"), "{alias}: {html}");
    }
}

#[test]
fn page_bundle_publishes_its_files_beside_the_page() {
    let t = SiteTest::from_fixture("bundle");
    t.build();
    let dir = t.out().join("guides/how-it-works");
    assert!(dir.join("index.html").exists());
    assert!(dir.join("layers.svg").exists());
    assert!(dir.join("files/leaflet.pdf").exists());
    let main = t.main_of("guides/how-it-works/index.html");
    assert!(
        main.contains("src=\"/skin/guides/how-it-works/layers.svg\""),
        "{main}"
    );
    assert!(
        main.contains("href=\"/skin/guides/how-it-works/files/leaflet.pdf\""),
        "{main}"
    );
}

#[test]
fn static_files_are_copied_and_hidden_files_are_not() {
    let t = SiteTest::from_fixture("static-files");
    t.change_file("static/.hidden", "secret")
        .change_file("static/images/logo.svg~", "backup")
        .change_file("static/images/.logo.svg.swp", "swap");
    t.build();
    assert_eq!(t.read("robots-extra.txt"), "hello\n");
    assert!(t.read("images/logo.svg").starts_with("<svg"));
    assert!(!t.out().join(".hidden").exists());
    assert!(!t.out().join("images/logo.svg~").exists());
    assert!(!t.out().join("images/.logo.svg.swp").exists());
    // A site-relative link to a static file gets the base path.
    let main = t.main_of("index-page/index.html");
    assert!(main.contains("src=\"/skin/images/logo.svg\""), "{main}");
}

#[test]
fn a_static_file_at_a_page_address_wins_with_a_warning() {
    let t = SiteTest::from_fixture("static-files");
    t.change_file("static/index-page/index.html", "<p>hand-made</p>\n");
    let loaded = careleaf::load(&t.config(), today()).expect("load");
    let text: String = loaded
        .diagnostics
        .iter()
        .filter(|d| d.code == "content.static-replaces-page")
        .map(|d| careleaf::diag::render_human(d, false))
        .collect();
    assert_eq!(
        text,
        "static/index-page/index.html:1:1: warning[content.static-replaces-page]: this file replaces the page built from `content/index-page.md`\n  = help: remove one of the two; the file in static/ wins\n"
    );
    t.build();
    assert_eq!(t.read("index-page/index.html"), "<p>hand-made</p>\n");
}

#[test]
fn hidden_swap_and_backup_files_in_content_are_ignored() {
    let t = SiteTest::from_fixture("ignored-files");
    // None of these has front matter: reading any of them would be an error.
    let junk = "no front matter here\n";
    t.change_file("content/.notes.md", junk)
        .change_file("content/page.md~", junk)
        .change_file("content/#page.md#", junk)
        .change_file("content/.#page.md", junk)
        .change_file("content/old.md.bak", junk)
        .change_file("content/.git/HEAD", "ref: refs/heads/main\n")
        .change_file("content/.hidden-dir/page.md", junk);
    std::fs::write(t.root().join("content/.page.md.swp"), b"\x00\xff swap").expect("write");
    t.build();
    assert!(t.out().join("page/index.html").exists());
    let published: Vec<String> = walkdir::WalkDir::new(t.out())
        .into_iter()
        .map(|e| e.expect("walk"))
        .map(|e| {
            e.path()
                .strip_prefix(t.out())
                .expect("prefix")
                .display()
                .to_string()
        })
        .filter(|p| {
            [
                "notes",
                ".git",
                "HEAD",
                "~",
                "#",
                "old",
                ".swp",
                "hidden-dir",
            ]
            .iter()
            .any(|junk| p.contains(junk))
        })
        .collect();
    assert!(published.is_empty(), "published: {published:?}");
}

#[test]
fn section_index_gives_front_matter_intro_and_order() {
    let t = SiteTest::from_fixture("sections");
    t.build();
    let home = t.main_of("index.html");
    assert!(home.contains("Home intro text."), "{home}");
    let section = t.main_of("treatments/index.html");
    assert!(section.contains("<h1>Treatments</h1>"), "{section}");
    assert!(
        section.contains("Section intro <strong>text</strong>."),
        "{section}"
    );
    // `weight` orders the list: Lasers (1) before Peels (2).
    let lasers = section.find("Lasers").expect("Lasers listed");
    let peels = section.find("Peels").expect("Peels listed");
    assert!(lasers < peels, "{section}");
    // Breadcrumbs of an article lead through its section.
    let page = t.read("treatments/peels/index.html");
    assert!(page.contains("href=\"/skin/treatments/\""), "{page}");
}

#[test]
fn crlf_line_endings_and_byte_order_mark_are_accepted() {
    let t = SiteTest::from_fixture("crlf-bom");
    t.build();
    let main = t.main_of("windows/index.html");
    assert!(main.contains("<h1>Written on Windows</h1>"), "{main}");
    assert!(main.contains("id=\"a-heading\""), "{main}");
    assert!(main.contains("href=\"#a-heading\""), "{main}");
    assert!(t.read("tags/a/index.html").contains("Written on Windows"));
}

// --- URLs under a base path -------------------------------------------------

/// Every `href="..."` and `src="..."` value in `html`.
fn urls(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["href=\"", "src=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            let end = rest.find('"').unwrap_or(rest.len());
            out.push(rest[..end].to_string());
        }
    }
    out
}

fn bad_urls(t: &SiteTest, base_path: &str, base_url: &str) -> BTreeMap<String, Vec<String>> {
    let mut bad = BTreeMap::new();
    for entry in walkdir::WalkDir::new(t.out()) {
        let entry = entry.expect("walk");
        if entry.path().extension().is_none_or(|e| e != "html") {
            continue;
        }
        let html = std::fs::read_to_string(entry.path()).expect("read");
        let wrong: Vec<String> = urls(&html)
            .into_iter()
            .filter(|u| {
                let ok = (u.starts_with(base_path) && !u[base_path.len()..].starts_with('/'))
                    || u.starts_with(base_url)
                    || u.starts_with('#')
                    || u.starts_with("mailto:")
                    || u.starts_with("tel:")
                    || ((u.starts_with("https://") || u.starts_with("http://"))
                        && !u.contains("clinic.example")
                        && !u.contains("example.github.io"));
                !ok
            })
            .collect();
        if !wrong.is_empty() {
            let rel = entry.path().strip_prefix(t.out()).expect("prefix");
            bad.insert(rel.display().to_string(), wrong);
        }
    }
    bad
}

#[test]
fn every_url_carries_the_sub_path() {
    let mut t = SiteTest::example_site();
    t.base_url = Some("https://clinic.example/skin/".into());
    t.build();
    let bad = bad_urls(&t, "/skin/", "https://clinic.example/skin/");
    assert!(bad.is_empty(), "URLs without the base path: {bad:#?}");
    // The 404 page works at any depth: its links are absolute paths.
    let html = t.read("404.html");
    assert!(html.contains("href=\"/skin/css/careleaf.css\""), "{html}");
}

#[test]
fn every_url_works_at_a_custom_domain_root() {
    let mut t = SiteTest::example_site();
    t.base_url = Some("https://clinic.example".into());
    t.build();
    let bad = bad_urls(&t, "/", "https://clinic.example/");
    assert!(bad.is_empty(), "URLs that are not root-relative: {bad:#?}");
}

#[test]
fn every_internal_link_of_the_example_site_resolves() {
    let mut t = SiteTest::example_site();
    t.base_url = Some("https://clinic.example/skin/".into());
    t.build();
    let mut broken: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut checked = 0;
    for entry in walkdir::WalkDir::new(t.out()) {
        let entry = entry.expect("walk");
        if entry.path().extension().is_none_or(|e| e != "html") {
            continue;
        }
        let html = std::fs::read_to_string(entry.path()).expect("read");
        for url in urls(&html) {
            let url = url.replace("&amp;", "&");
            let Some(rest) = url
                .strip_prefix("https://clinic.example/skin/")
                .or_else(|| url.strip_prefix("/skin/"))
            else {
                continue;
            };
            let path = rest.split(['#', '?']).next().unwrap_or("");
            let file = if path.is_empty() || path.ends_with('/') {
                format!("{path}index.html")
            } else {
                path.to_string()
            };
            checked += 1;
            if !t.out().join(&file).is_file() {
                let rel = entry.path().strip_prefix(t.out()).expect("prefix");
                broken
                    .entry(rel.display().to_string())
                    .or_default()
                    .push(url.clone());
            }
        }
    }
    assert!(
        broken.is_empty(),
        "links to files that were not built: {broken:#?}"
    );
    assert!(checked > 500, "only {checked} links checked");
}

// --- The output folder ------------------------------------------------------

#[test]
fn a_failed_build_leaves_the_previous_output_untouched() {
    let t = SiteTest::from_fixture("minimal");
    t.build();
    let before = t.read("hello/index.html");
    t.change_file(
        "content/hello.md",
        "---\ntitle: Hello\ndate: 2024-13-45\n---\nNew text\n",
    );
    let err = t.build_err();
    assert!(describe(&err).contains("frontmatter.bad-date"), "{err}");
    assert_eq!(t.read("hello/index.html"), before);
    // No staging folder is left beside the output.
    let names: Vec<String> = std::fs::read_dir(t.root())
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("careleaf"))
        .collect();
    assert!(names.is_empty(), "{names:?}");
}

#[test]
fn refuses_to_replace_a_folder_careleaf_did_not_make() {
    let t = SiteTest::from_fixture("minimal");
    t.change_file("public/notes.txt", "my own notes");
    let err = t.build_err();
    assert_eq!(
        describe(&err),
        format!(
            "refusing to replace `{}`: the folder is not empty and was not created by careleaf.\n  Move or delete it yourself, or build elsewhere with `--output DIR`.",
            t.out().canonicalize().expect("exists").display()
        )
    );
    assert_eq!(
        std::fs::read_to_string(t.out().join("notes.txt")).expect("kept"),
        "my own notes"
    );
    // An empty folder is fine to build into.
    let t = SiteTest::from_fixture("minimal");
    std::fs::create_dir_all(t.out()).expect("mkdir");
    t.build();
}

#[test]
fn nothing_outside_the_output_folder_is_touched() {
    let t = SiteTest::from_fixture("minimal");
    t.change_file("notes/keep.txt", "keep")
        .change_file("public-backup/index.html", "old site");
    t.build();
    t.change_file("content/hello.md", "---\ntitle: Renamed\n---\nText\n");
    t.build();
    assert_eq!(
        std::fs::read_to_string(t.root().join("notes/keep.txt")).expect("kept"),
        "keep"
    );
    assert_eq!(
        std::fs::read_to_string(t.root().join("public-backup/index.html")).expect("kept"),
        "old site"
    );
    assert!(t.root().join("content/hello.md").exists());
    assert!(t.root().join("site.yaml").exists());
    // Output folders that would swallow the site are refused.
    // And so are folders careleaf reads: each build would publish the last.
    for out in [
        t.root().to_path_buf(),
        t.root().join(".."),
        t.root().join("content/out"),
        t.root().join("static/site"),
    ] {
        let config = Config {
            output: out.clone(),
            ..t.config()
        };
        let err = careleaf::build(&config, today()).expect_err("refused");
        assert!(
            err.to_string().starts_with("refusing to build into"),
            "{}: {err}",
            out.display()
        );
    }
    assert!(t.root().join("content/hello.md").exists());
}

#[cfg(unix)]
#[test]
fn a_warm_build_keeps_unchanged_files() {
    use std::os::unix::fs::MetadataExt;
    let t = SiteTest::from_fixture("sections");
    t.build();
    let meta = |rel: &str| std::fs::metadata(t.out().join(rel)).expect("meta");
    let lasers = meta("treatments/lasers/index.html");
    let css = meta("css/careleaf.css");
    std::thread::sleep(std::time::Duration::from_millis(20));
    t.change_file(
        "content/treatments/peels.md",
        "---\ntitle: Peels\nweight: 2\n---\nChanged text.\n",
    );
    t.build();
    for (rel, before) in [
        ("treatments/lasers/index.html", &lasers),
        ("css/careleaf.css", &css),
    ] {
        let after = meta(rel);
        assert_eq!(after.ino(), before.ino(), "{rel} was rewritten");
        assert_eq!(
            after.mtime_nsec(),
            before.mtime_nsec(),
            "{rel} mtime changed"
        );
    }
    assert!(
        t.read("treatments/peels/index.html")
            .contains("Changed text.")
    );
}

/// See: issue 8. A build with nothing changed since the last one leaves
/// the output as it was; the first build, which has no record to compare
/// with, works out the fingerprint beside the load and records it.
#[test]
fn a_second_build_with_nothing_changed_is_skipped() {
    let t = SiteTest::from_fixture("sections");
    // The first build's load hashes the Markdown files as it reads them: the
    // bytes as read, with the byte order mark that the text loses.
    t.change_file(
        "content/treatments/peels.md",
        "\u{feff}---\ntitle: Peels\nweight: 2\n---\nText.\n",
    );
    let build = || careleaf::build(&t.config(), today()).expect("builds");
    let first = build();
    assert!(first.unchanged.is_none(), "the first build is a build");
    let second = build();
    assert_eq!(
        second.unchanged,
        Some(first.diagnostics.len()),
        "nothing changed: the output is left as it was"
    );
    t.change_file(
        "content/treatments/peels.md",
        "---\ntitle: Peels\nweight: 2\n---\nChanged text.\n",
    );
    assert!(build().unchanged.is_none(), "a change is built");
    assert!(build().unchanged.is_some(), "and recorded again");
}

/// See: issue 8. `build_reporting` hands over the warnings while the pages
/// are written (the command line prints them there), the same ones the
/// report holds; not for a build that changes nothing or fails on errors.
#[test]
fn warnings_are_reported_while_the_site_is_written() {
    let t = SiteTest::from_fixture("check-spam");
    let seen = std::sync::Mutex::new(None);
    let report = careleaf::build_reporting(&t.config(), today(), |warnings| {
        // Before the new site is moved into place.
        assert!(!t.out().exists(), "reported before the output is committed");
        *seen.lock().expect("lock") = Some(warnings.to_vec());
    })
    .expect("builds");
    assert!(!report.diagnostics.is_empty(), "the fixture has warnings");
    assert_eq!(
        seen.lock().expect("lock").as_deref(),
        Some(report.diagnostics.as_slice())
    );
    let again = careleaf::build_reporting(&t.config(), today(), |_| {
        panic!("nothing changed: nothing to report")
    })
    .expect("builds");
    assert!(again.unchanged.is_some());
    let broken = SiteTest::from_fixture("error-missing-title");
    careleaf::build_reporting(&broken.config(), today(), |_| {
        panic!("errors are the error's to report")
    })
    .expect_err("errors stop the build");
}

#[test]
fn building_twice_gives_the_same_bytes() {
    let a = SiteTest::example_site();
    a.build();
    let b = SiteTest::example_site();
    b.build();
    let files = |t: &SiteTest| -> BTreeMap<String, Vec<u8>> {
        walkdir::WalkDir::new(t.out())
            .into_iter()
            .map(|e| e.expect("walk"))
            .filter(|e| e.file_type().is_file())
            // careleaf's own bookkeeping (marker, build record) may name the
            // folder it was built in; the site itself must not.
            .filter(|e| !e.file_name().to_string_lossy().starts_with(".careleaf-"))
            .map(|e| {
                let rel = e.path().strip_prefix(t.out()).expect("prefix");
                (
                    rel.display().to_string(),
                    std::fs::read(e.path()).expect("read"),
                )
            })
            .collect()
    };
    let (fa, fb) = (files(&a), files(&b));
    assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
    for (k, v) in &fa {
        assert!(fb[k] == *v, "{k} differs between two builds");
    }
}

// --- The documentation stays true -------------------------------------------

fn doc(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn source(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The field names of `pub struct NAME { ... }` in Rust source `src`.
fn struct_fields(src: &str, name: &str) -> Vec<String> {
    let start = src
        .find(&format!("pub struct {name} {{"))
        .unwrap_or_else(|| panic!("no struct {name}"));
    let body = &src[start..];
    let body = &body[..body.find("\n}").expect("struct end")];
    body.lines()
        .skip(1)
        .filter_map(|l| l.trim().strip_prefix("pub "))
        .filter_map(|l| l.split(':').next())
        .map(str::to_string)
        .collect()
}

/// The first fenced block of `lang` after `heading` in a Markdown text.
fn code_block<'a>(md: &'a str, heading: &str, lang: &str) -> &'a str {
    let at = md.find(heading).unwrap_or_else(|| panic!("no {heading}"));
    let open = format!("```{lang}\n");
    let start = at + md[at..].find(&open).expect("code block") + open.len();
    let end = start + md[start..].find("```").expect("block end");
    &md[start..end]
}

#[test]
fn docs_front_matter_lists_every_field() {
    let fields = struct_fields(&source("frontmatter.rs"), "FrontMatter");
    assert_eq!(
        fields,
        careleaf::frontmatter::FIELDS,
        "frontmatter::FIELDS (used for \"did you mean\") is out of step with the struct"
    );
    let md = doc("front-matter.md");
    for f in &fields {
        assert!(
            md.contains(&format!("\n### `{f}`\n")),
            "docs/front-matter.md has no section `### `{f}``"
        );
    }
    for s in ["Source", "FaqEntry"] {
        for f in struct_fields(&source("frontmatter.rs"), s) {
            assert!(
                md.contains(&format!("`{f}`")) || md.contains(&format!("{f}:")),
                "docs/front-matter.md does not mention the {s} field `{f}`"
            );
        }
    }
    // The example with every field is valid front matter.
    let example = code_block(&md, "## Every field", "yaml");
    let text = format!("---\n{example}---\nBody.\n");
    if let Err(d) = careleaf::frontmatter::parse(&text, "docs/front-matter.md") {
        panic!("{}", careleaf::diag::render_human(&d, false));
    }
}

#[test]
fn docs_site_yaml_lists_every_key() {
    let src = source("config.rs");
    let md = doc("site-yaml.md");
    for f in struct_fields(&src, "SiteConfig") {
        assert!(
            md.contains(&format!("\n### `{f}`")),
            "docs/site-yaml.md has no section `### `{f}``"
        );
    }
    for s in [
        "Clinic",
        "Address",
        "MenuItem",
        "CheckConfig",
        "ClaimsConfig",
        "Benefit",
        "Person",
        "Treatment",
    ] {
        for f in struct_fields(&src, s) {
            assert!(
                md.contains(&format!("`{f}`")) || md.contains(&format!("{f}:")),
                "docs/site-yaml.md does not mention the {s} key `{f}`"
            );
        }
    }
    // The complete example is a valid site.yaml.
    let example = code_block(&md, "## A complete example", "yaml");
    if let Err(d) = careleaf::config::parse_site(example, "docs/site-yaml.md") {
        panic!("{}", careleaf::diag::render_human(&d, false));
    }
}

#[test]
fn docs_templates_list_every_context_field() {
    let render = source("render.rs");
    let md = doc("templates.md");
    let mut names: Vec<(String, String)> = render
        .match_indices("pub struct ")
        .map(|(i, _)| {
            let rest = &render[i + "pub struct ".len()..];
            rest[..rest.find([' ', '<']).expect("name end")].to_string()
        })
        .filter(|n| n.ends_with("Ctx"))
        .map(|n| (n, render.clone()))
        .collect();
    names.push(("TocEntry".into(), source("markdown.rs")));
    assert!(names.len() > 10, "found only {names:?}");
    for (name, src) in &names {
        let heading = format!("\n### `{name}`\n");
        let at = md
            .find(&heading)
            .unwrap_or_else(|| panic!("docs/templates.md has no section for {name}"));
        let section = &md[at + heading.len()..];
        let section = &section[..section.find("\n### ").unwrap_or(section.len())];
        let fields = struct_fields(src, name);
        for f in &fields {
            assert!(
                section.contains(&format!("| `{f}` |")),
                "docs/templates.md: {name} does not list `{f}`"
            );
        }
        // And nothing is documented that templates cannot see.
        for row in section.lines().filter(|l| l.starts_with("| `")) {
            let f = row[3..].split('`').next().unwrap_or("");
            assert!(
                fields.iter().any(|x| x == f),
                "docs/templates.md: {name} lists `{f}`, which it does not have"
            );
        }
    }
}

#[test]
fn docs_template_example_renders() {
    let md = doc("templates.md");
    let example = code_block(&md, "## An example", "html");
    let t = SiteTest::from_fixture("article");
    t.change_file("themes/default/templates/page.html", example);
    t.build();
    let main = t.main_of("peels/aftercare/index.html");
    assert!(
        main.contains("Medically reviewed by Dr Ana Ruiz, MBBS, MRCP"),
        "{main}"
    );
    assert!(main.contains("<a href=\"#sun-protection\">") || main.contains("#the-first-day"));
    assert!(main.contains("Chemical peels: a review"), "{main}");
    assert!(
        main.contains("href=\"/skin/contact/\">Book a consultation"),
        "{main}"
    );
}

#[test]
fn docs_templates_list_every_per_template_value() {
    let render = source("render.rs");
    let md = doc("templates.md");
    let start = md.find("## Per template").expect("per-template section");
    let table = &md[start..start + md[start..].find("\n## An example").expect("next")];
    let mut seen = 0;
    for (i, _) in render.match_indices("struct ") {
        let rest = &render[i + "struct ".len()..];
        let Some(name) = rest.split('<').next().filter(|n| n.ends_with("Template")) else {
            continue;
        };
        seen += 1;
        let body = &rest[..rest.find("\n}").expect("struct end")];
        for line in body.lines().skip(1) {
            let field = line.trim().split(':').next().unwrap_or("");
            if field.is_empty() || field == "page" {
                continue;
            }
            assert!(
                table.contains(&format!("`{field}`: ")),
                "docs/templates.md: {name}'s `{field}` is not in the per-template table"
            );
        }
    }
    assert!(seen >= 8, "found {seen} template structs");
}

/// The theme's pages reach Pagefind as plain HTML that its fast path reads
/// without lol_html (issue 8, vendor/pagefind/CAREFUL.md change 20). The
/// index is the same either way, but an element the fast path leaves to
/// lol_html in the theme's `<main>` (an inline `<svg>` icon, a `<script>`, a
/// comment) would make indexing every page a third slower, unseen.
#[test]
fn theme_pages_are_indexed_without_lol_html() {
    let t = SiteTest::example_site();
    t.build();
    let mut pages = Vec::new();
    let mut dirs = vec![t.out()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("read output") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.ends_with("index.html") {
                pages.push(path);
            }
        }
    }
    // The search page (a form, `<noscript>`, a script) is never indexed,
    // and lol_html reads it when asked.
    pages.retain(|p| !p.ends_with("search/index.html"));
    assert!(pages.len() > 10, "only {} pages", pages.len());
    let slow: Vec<String> = pages
        .iter()
        .filter(|page| {
            let html = std::fs::read(page).expect("read page");
            !careleaf::search::indexed_without_lol_html(&html, "en").expect("index")
        })
        .map(|page| page.display().to_string())
        .collect();
    assert!(slow.is_empty(), "indexed through lol_html: {slow:?}");
    // The check can fail: a comment in `<main>` sends a page to lol_html.
    let html = std::fs::read_to_string(&pages[0]).expect("read page");
    let commented = html.replacen("</main>", "<!-- x --></main>", 1);
    assert!(
        !careleaf::search::indexed_without_lol_html(commented.as_bytes(), "en").expect("index")
    );
}
