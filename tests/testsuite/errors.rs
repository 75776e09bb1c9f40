//! Error messages are part of the interface: one test per kind pins the full
//! text an author sees, caret line included. Each fixture is a tiny site
//! with one mistake, named after it.
//! See: issue 2 (front matter errors at the right line, one run reports all).

use careleaf::diag::{Error, Severity, render_human};

use crate::harness::{SiteTest, today};

/// Every error (not warning) of a site, rendered as an author sees it.
fn error_text(t: &SiteTest) -> String {
    careleaf::load(&t.config(), today())
        .expect("load")
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| render_human(d, false))
        .collect()
}

/// Every error (not warning) of a fixture site, rendered as an author sees
/// it. Warnings come from `check`'s rules and are tested there.
fn errors(fixture: &str) -> String {
    let t = SiteTest::from_fixture(fixture);
    let loaded = careleaf::load(&t.config(), today()).expect("load");
    let text: String = loaded
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| render_human(d, false))
        .collect();
    // And the build refuses, with the same count.
    match t.build_err() {
        Error::Content { count, .. } => assert_eq!(count, loaded.errors()),
        other => panic!("expected content errors, got {other}"),
    }
    text
}

#[test]
fn wrong_type() {
    assert_eq!(
        errors("error-wrong-type"),
        "\
content/peels.md:3:9: error[frontmatter.wrong-type]: field `weight`: expected a whole number, found `heavy`
  |
3 | weight: heavy
  |         ^^^^^
"
    );
}

#[test]
fn bad_date() {
    assert_eq!(
        errors("error-bad-date"),
        "\
content/peels.md:4:7: error[frontmatter.bad-date]: field `date`: invalid date `2024-13-45`: there is no month 13; expected a real date written YYYY-MM-DD
  |
4 | date: 2024-13-45
  |       ^^^^^^^^^^
"
    );
}

#[test]
fn missing_title() {
    assert_eq!(
        errors("error-missing-title"),
        "\
content/peels.md:1:1: error[frontmatter.missing-field]: missing required field `title`
  |
1 | ---
  | ^^^
  = help: add a line `title: ...` to the front matter
"
    );
}

#[test]
fn empty_title_points_at_the_title_line() {
    let t = SiteTest::from_fixture("error-missing-title");
    t.change_file(
        "content/peels.md",
        "---\ntitle:\ndescription: About peels.\n---\nText.\n",
    );
    let text: String = error_text(&t);
    assert_eq!(
        text,
        "\
content/peels.md:2:1: error[frontmatter.missing-field]: field `title` is empty
  |
2 | title:
  | ^^^^^^
  = help: write the page's title after `title: `
"
    );
}

#[test]
fn unknown_key_suggests_the_field_meant() {
    assert_eq!(
        errors("error-unknown-key"),
        "\
content/peels.md:3:1: error[frontmatter.unknown-field]: unknown field `reviwed_by`
  |
3 | reviwed_by: ana
  | ^^^^^^^^^^
  = help: did you mean `reviewed_by`?
"
    );
}

#[test]
fn unknown_key_in_a_source_suggests_a_source_field() {
    assert_eq!(
        errors("error-unknown-nested-key"),
        "\
content/peels.md:5:5: error[frontmatter.unknown-field]: unknown field `yaer`
  |
5 |     yaer: 2019
  |     ^^^^
  = help: did you mean `year`?
"
    );
}

#[test]
fn unknown_site_yaml_key_suggests_the_key_meant() {
    let t = SiteTest::from_fixture("error-config-unknown-key");
    let Err(Error::Config(d)) = careleaf::config::Config::load(&careleaf::config::Overrides {
        root: Some(t.root().to_path_buf()),
        ..Default::default()
    }) else {
        panic!("site.yaml with an unknown key must not load");
    };
    assert_eq!(
        render_human(&d, false),
        "\
site.yaml:3:1: error[config.unknown-field]: unknown field `languge`
  |
3 | languge: en
  | ^^^^^^^
  = help: did you mean `language`?
"
    );
}

#[test]
fn site_yaml_without_base_url() {
    let t = SiteTest::empty();
    t.change_file("site.yaml", "title: Test clinic\nlanguage: en\n");
    let Err(Error::Config(d)) = careleaf::config::Config::load(&careleaf::config::Overrides {
        root: Some(t.root().to_path_buf()),
        ..Default::default()
    }) else {
        panic!("site.yaml without base_url must not load");
    };
    // Not at `language: en`, the last line the parser read.
    assert_eq!(
        render_human(&d, false),
        "site.yaml:1:1: error[config.missing-field]: missing required field `base_url`\n  = help: add a line `base_url: ...`\n"
    );
}

#[test]
fn missing_closing_fence() {
    assert_eq!(
        errors("error-unclosed-fence"),
        "\
content/peels.md:1:1: error[frontmatter.unclosed]: the front matter opened here is never closed
  |
1 | ---
  | ^^^
  = help: add a line `---` after the last front matter field, before the article text
"
    );
}

/// The errors of a one-page site whose page is `text`.
fn errors_of_page(text: &str) -> String {
    let t = SiteTest::empty();
    t.change_file("content/page.md", text);
    error_text(&t)
}

#[test]
fn front_matter_mistakes_get_specific_help() {
    // TOML fences, as Hugo and Zola sites use.
    assert_eq!(
        errors_of_page("+++\ntitle = \"Peels\"\n+++\nText.\n"),
        "\
content/page.md:1:1: error[frontmatter.missing]: expected front matter starting with `---` on the first line, found `+++`
  |
1 | +++
  | ^^^
  = help: careleaf reads YAML front matter between `---` lines, not TOML between `+++`: change both fences to `---` and write fields as `title: ...`
"
    );
    // An empty line above the opening fence.
    assert_eq!(
        errors_of_page("\n---\ntitle: Peels\n---\nText.\n"),
        "\
content/page.md:1:1: error[frontmatter.missing]: expected front matter starting with `---` on the first line, found an empty line
  |
1 | 
  | ^
  = help: remove the empty lines above the first `---`: it must be the very first line
"
    );
    // A closing fence with one dash too many.
    assert_eq!(
        errors_of_page("---\ntitle: Peels\n----\nText.\n"),
        "\
content/page.md:1:1: error[frontmatter.unclosed]: the front matter opened here is never closed
  |
1 | ---
  | ^^^
  = help: line 3 has `----`; the closing line must be exactly `---`
"
    );
}

#[test]
fn unclosed_quote_points_at_the_opening_quote() {
    assert_eq!(
        errors("error-unclosed-quote"),
        "\
content/peels.md:2:8: error[frontmatter.unclosed-quote]: this quoted text is never closed
  |
2 | title: \"Peels: a guide
  |        ^
  = help: add the closing quote at the end of the value, on the same line
"
    );
}

#[test]
fn file_not_utf8() {
    // The file is Latin-1: `è` is the single byte 0xE8, the 3rd character of line 4.
    assert_eq!(
        errors("error-not-utf8"),
        "\
content/peels.md:4:3: error[source.not-utf8]: this file is not UTF-8 text
  |
4 | Cr\u{fffd}me (saved as Latin-1).
  |   ^
  = help: save the file as UTF-8 in your editor (\"Save with encoding\" > UTF-8)
"
    );
}

#[test]
fn tab_in_yaml_points_at_the_tab() {
    // The source line shows the tab as a space, so the caret lines up.
    assert_eq!(
        errors("error-tab"),
        "\
content/peels.md:4:1: error[frontmatter.tab]: a tab character is not allowed here: YAML indents with spaces
  |
4 |  - recovery
  | ^
  = help: replace the tab with spaces
"
    );
}

#[test]
fn broken_link_to_a_markdown_file() {
    assert_eq!(
        errors("error-broken-link"),
        "\
content/peels.md:4:10: error[links.broken]: link to `after-care.md`: no page `content/after-care.md`
  |
4 | Read the [aftercare guide](after-care.md) first.
  |          ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  = help: did you mean `content/aftercare.md`?
"
    );
}

#[test]
fn link_without_md_suggests_the_markdown_file() {
    let t = SiteTest::from_fixture("error-broken-link");
    t.change_file(
        "content/peels.md",
        "---\ntitle: Peels\n---\nRead the [aftercare guide](aftercare#the-first-day).\n",
    );
    let text: String = error_text(&t);
    assert_eq!(
        text,
        "\
content/peels.md:4:10: error[links.broken]: link to `aftercare#the-first-day`: no file `content/aftercare`
  |
4 | Read the [aftercare guide](aftercare#the-first-day).
  |          ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  = help: did you mean `aftercare.md#the-first-day`? Links between pages name the page's Markdown file
"
    );
}

#[test]
fn link_outside_the_content_folder() {
    let t = SiteTest::from_fixture("error-broken-link");
    t.change_file(
        "content/peels.md",
        "---\ntitle: Peels\n---\nSee [the leaflet](../../leaflet.pdf).\n",
    );
    let text: String = error_text(&t);
    assert_eq!(
        text,
        "\
content/peels.md:4:5: error[links.broken]: link to `../../leaflet.pdf` points outside the `content/` folder
  |
4 | See [the leaflet](../../leaflet.pdf).
  |     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  = help: link to files inside content/, or to a file in static/ with a site-relative link such as `/images/logo.svg`
"
    );
}

#[test]
fn link_to_a_missing_heading() {
    assert_eq!(
        errors("error-missing-anchor"),
        "\
content/peels.md:4:5: error[links.missing-anchor]: link to `aftercare.md#first-day`: `content/aftercare.md` has no heading with the id `first-day`
  |
4 | See [the first day](aftercare.md#first-day).
  |     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
"
    );
}

#[test]
fn unknown_benefit_slug() {
    assert_eq!(
        errors("error-unknown-benefit"),
        "\
content/peels.md:3:12: error[benefit.unknown]: unknown benefit `acne-scar`
  |
3 | benefits: [acne-scar]
  |            ^^^^^^^^^
  = help: did you mean `acne-scars`?
"
    );
}

#[test]
fn duplicate_url() {
    assert_eq!(
        errors("error-duplicate-url"),
        "\
content/peels-again.md:3:8: error[content.duplicate-url]: this page has the URL `/peels/`, which `content/chemical-peels.md` already has
  |
3 | slug:  peels
  |        ^^^^^
  = help: give one of them a different `slug`
content/peels.md:1:1: error[content.duplicate-url]: this page has the URL `/peels/`, which `content/chemical-peels.md` already has
  |
1 | ---
  | ^^^
  = help: this page's URL comes from its file name: add a line `slug: ...` to its front matter, or give `content/chemical-peels.md` a different `slug`
"
    );
}

#[test]
fn alias_that_would_replace_a_page() {
    // Without this check the redirect silently replaced the About page, and
    // two pages with one alias raced to write the same file.
    assert_eq!(
        errors("error-alias-conflict"),
        "\
content/team.md:3:23: error[content.alias-conflict]: alias `/about/` would replace the page of `content/about.md`
  |
3 | aliases: [/old-team/, /about/]
  |                       ^^^^^^^
  = help: remove this alias, or choose another old address
content/zstaff.md:3:11: error[content.alias-conflict]: alias `/old-team/` is already used by `content/team.md`
  |
3 | aliases: [/old-team/]
  |           ^^^^^^^^^^
  = help: remove this alias, or choose another old address
"
    );
}

#[test]
fn alias_cannot_climb_out_of_the_site() {
    let t = SiteTest::from_fixture("aliases");
    t.change_file(
        "content/aftercare.md",
        "---\ntitle: Aftercare\naliases: [/../../etc/cron.d/x.html]\n---\nText.\n",
    );
    let loaded = careleaf::load(&t.config(), today()).expect("load");
    let codes: Vec<&str> = loaded.diagnostics.iter().map(|d| d.code).collect();
    assert!(codes.contains(&"content.alias-conflict"), "{codes:?}");
    assert!(t.build_err().to_string().contains("1 error"));
}

#[test]
fn slug_without_letters_or_digits() {
    let t = SiteTest::empty();
    t.change_file("content/a.md", "---\ntitle: A\nslug: \"!!!\"\n---\nA\n");
    let text: String = error_text(&t);
    assert_eq!(
        text,
        "\
content/a.md:3:1: error[content.empty-slug]: this page's URL would be empty: its slug or file name has no letters or digits
  |
3 | slug: \"!!!\"
  | ^^^^^^^^^^^
  = help: give the page a `slug` made of letters, digits and hyphens
"
    );
}

#[test]
fn tag_without_letters_or_digits() {
    // Its page would have been tags//index.html, overwriting the tags index.
    let t = SiteTest::from_fixture("tags");
    t.change_file(
        "content/healing.md",
        "---\ntitle: Healing\ntags: [\"!!!\", Recovery]\n---\nText.\n",
    );
    let text: String = error_text(&t);
    assert_eq!(
        text,
        "\
content/healing.md:3:9: error[content.empty-tag]: tag `!!!` has no letters or digits, so it cannot have a page
  |
3 | tags: [\"!!!\", Recovery]
  |         ^^^
  = help: write the tag with letters or digits, or remove it
"
    );
}

/// A tag written on several pages is slugified once (`build_indexes`,
/// issue 5): each page that writes a tag without letters or digits still
/// gets its error, and spellings that share a URL are one tag, named as
/// first written (in path order).
#[test]
fn tags_written_on_several_pages_are_each_checked() {
    let t = SiteTest::from_fixture("tags");
    t.change_file(
        "content/healing.md",
        "---\ntitle: Healing\ntags: [\"!!!\", recovery]\n---\nText.\n",
    );
    t.change_file(
        "content/redness.md",
        "---\ntitle: Redness\ntags: [Recovery, \"!!!\", skin care]\n---\nText.\n",
    );
    let errors: Vec<String> = careleaf::load(&t.config(), today())
        .expect("load")
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| format!("{} {}", d.location, d.code))
        .collect();
    assert_eq!(
        errors,
        [
            "content/healing.md:3:9 content.empty-tag",
            "content/redness.md:3:19 content.empty-tag",
        ]
    );
    t.change_file(
        "content/healing.md",
        "---\ntitle: Healing\ntags: [recovery]\n---\nText.\n",
    );
    t.change_file(
        "content/redness.md",
        "---\ntitle: Redness\ntags: [Recovery, skin care]\n---\nText.\n",
    );
    let site = careleaf::load(&t.config(), today()).expect("load").site;
    let tags: Vec<(&str, usize)> = site
        .tags
        .iter()
        .map(|(n, v)| (n.as_str(), v.len()))
        .collect();
    assert_eq!(tags, [("recovery", 2), ("skin care", 1)]);
}

#[test]
fn benefit_slug_that_is_not_a_url() {
    let t = SiteTest::from_fixture("error-unknown-benefit");
    t.change_file(
        "content/benefits.yaml",
        "- slug: acne-scars\n  name: Acne scars\n- slug: Fine Lines\n  name: Fine lines\n",
    );
    t.change_file(
        "content/peels.md",
        "---\ntitle: Peels\nbenefits: [acne-scars]\n---\nText.\n",
    );
    let text: String = error_text(&t);
    assert_eq!(
        text,
        "\
content/benefits.yaml:3:9: error[data.bad-slug]: benefit slug `Fine Lines` cannot be used in a URL
  |
3 | - slug: Fine Lines
  |         ^^^^^^^^^^
  = help: use lowercase letters, digits and hyphens: `fine-lines`
"
    );
}

#[test]
fn template_the_theme_does_not_have() {
    assert_eq!(
        errors_of_page("---\ntitle: Peels\ntemplate: pgae.html\n---\nText.\n"),
        "",
        "checked when rendering, after the content loaded cleanly"
    );
    let t = SiteTest::empty();
    t.change_file(
        "content/page.md",
        "---\ntitle: Peels\ntemplate: pgae.html\n---\nText.\n",
    );
    assert_eq!(
        crate::harness::describe(&t.build_err()),
        "\
content/page.md:3:11: error[content.unknown-template]: the theme has no template `pgae.html`
  |
3 | template: pgae.html
  |           ^^^^^^^^^
  = help: did you mean `page.html`?
"
    );
    t.change_file(
        "content/page.md",
        "---\ntitle: Peels\ntemplate: landing.html\n---\nText.\n",
    );
    let text = crate::harness::describe(&t.build_err());
    assert!(
        text.contains("= help: add `themes/default/templates/landing.html`, or use one of: 404.html, base.html, "),
        "{text}"
    );
}

#[test]
fn crlf_and_byte_order_mark_keep_lines_and_columns_right() {
    // BOM + CRLF: the error is on line 3, the caret under `heavy`, and no
    // `\r` leaks into the source line.
    assert_eq!(
        errors("error-crlf-bom"),
        "\
content/peels.md:3:9: error[frontmatter.wrong-type]: field `weight`: expected a whole number, found `heavy`
  |
3 | weight: heavy
  |         ^^^^^
"
    );
}

#[test]
fn one_run_reports_every_broken_file() {
    // a-first.md and c-second.md are broken; b-fine.md between them is not.
    assert_eq!(
        errors("error-two-files"),
        "\
content/a-first.md:3:9: error[frontmatter.wrong-type]: field `weight`: expected a whole number, found `heavy`
  |
3 | weight: heavy
  |         ^^^^^
content/c-second.md:3:7: error[frontmatter.bad-date]: field `date`: invalid date `2024-02-30`: February 2024 has 29 days; expected a real date written YYYY-MM-DD
  |
3 | date: 2024-02-30
  |       ^^^^^^^^^^
"
    );
}

#[test]
fn a_link_to_a_broken_page_is_not_reported_twice() {
    // The target's own error is enough; "no page" would send the author
    // looking for a file that exists.
    let t = SiteTest::from_fixture("error-two-files");
    t.change_file(
        "content/b-fine.md",
        "---\ntitle: Fine\n---\nSee [the first](a-first.md).\n",
    );
    let loaded = careleaf::load(&t.config(), today()).expect("load");
    let codes: Vec<&str> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.code)
        .collect();
    assert_eq!(codes, ["frontmatter.wrong-type", "frontmatter.bad-date"]);
}

#[test]
fn a_link_to_a_draft_says_it_is_a_draft() {
    let t = SiteTest::from_fixture("drafts");
    t.change_file(
        "content/published.md",
        "---\ntitle: Published\n---\nSoon: [more](unfinished.md).\n",
    );
    let loaded = careleaf::load(&t.config(), today()).expect("load");
    let text: String = loaded
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| render_human(d, false))
        .collect();
    assert_eq!(
        text,
        "\
content/published.md:4:7: error[links.draft]: link to `unfinished.md`: `content/unfinished.md` is a draft, so it is not published
  |
4 | Soon: [more](unfinished.md).
  |       ^^^^^^^^^^^^^^^^^^^^^
  = help: remove `draft: true` from that page, or remove this link until it is published
"
    );
}

#[test]
fn alias_bomb_is_stopped_with_a_plain_message() {
    // Ten levels of nine `*alias` references: a billion strings if expanded.
    let mut text = String::from(
        "---\ntitle: x\nextra:\n  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n",
    );
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 9].join(",");
        text.push_str(&format!("  a{i}: &a{i} [{refs}]\n"));
    }
    text.push_str("---\nBody\n");
    let t = SiteTest::empty();
    t.change_file("content/bomb.md", &text);
    let diags = careleaf::load(&t.config(), today())
        .expect("load")
        .diagnostics;
    let text: String = diags.iter().map(|d| render_human(d, false)).collect();
    assert_eq!(
        text,
        "\
content/bomb.md:9:20: error[frontmatter.too-large]: this YAML is too large or too deeply nested to read
  |
9 |   a5: &a5 [*a4,*a4,*a4,*a4,*a4,*a4,*a4,*a4,*a4]
  |                    ^
  = help: front matter holds a page's fields; `*alias` references count every time they are used
"
    );
}

// Linux file systems take any bytes in a name; macOS and Windows refuse them.
#[cfg(target_os = "linux")]
#[test]
fn file_name_not_utf8() {
    use std::os::unix::ffi::OsStrExt;
    let t = SiteTest::empty();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.md");
    std::fs::create_dir_all(t.root().join("content")).expect("mkdir");
    std::fs::write(t.root().join("content").join(name), "---\ntitle: A\n---\n").expect("write");
    let diags = careleaf::load(&t.config(), today())
        .expect("load")
        .diagnostics;
    let text: String = diags.iter().map(|d| render_human(d, false)).collect();
    assert_eq!(
        text,
        "\
content/caf\u{fffd}.md:1:1: error[source.non-utf8-name]: this file name is not valid UTF-8, so it cannot become a URL
  = help: rename the file using letters, digits and hyphens
"
    );
}

/// Nothing read from a file makes careleaf panic: a handful of hostile
/// inputs each end as diagnostics.
#[test]
fn hostile_front_matter_never_panics() {
    let inputs: &[&str] = &[
        "",
        "---",
        "---\n",
        "---\n---\n",
        "---\n...\n",
        "\u{feff}",
        "---\r\n\r\n---\r\n",
        "---\ntitle: [\n---\n",
        "---\ntitle: {a: b}\n---\n",
        "---\ntitle: &a x\nslug: *a\n---\n",
        "---\ntitle: *missing\n---\n",
        "---\n: x\n---\n",
        "---\ntitle: x\ndate: 99999-01-01\n---\n",
        "---\ntitle: x\ndate: 2024-02-29T25:61:00\n---\n",
        "---\ntitle: x\ndate: 2024-1é-01\n---\n",
        "---\ntitle: x\nweight: 99999999999999999999999\n---\n",
        "---\ntitle: x\nextra: {a: [1, {b: ~}]}\n---\n",
        "---\n\"title\": \"é\u{0}\"\n---\n",
        "---\ntitle: x\n---\n[a](../../../../etc/passwd.md) ![b](../x.png) [c](/%%%)\n",
        "---\ntitle: x\n---\n[^a]: b\n\n## {#}\n\n### {.benefit #}\n",
    ];
    for (i, text) in inputs.iter().enumerate() {
        let t = SiteTest::empty();
        t.change_file("content/page.md", text);
        let result = std::panic::catch_unwind(|| careleaf::load(&t.config(), today()));
        assert!(result.is_ok(), "input {i} panicked: {text:?}");
    }
}
