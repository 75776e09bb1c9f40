//! The default theme's promises, checked on the built example site without a
//! browser: page structure, privacy (CSP, no third-party requests), the trust
//! furniture on articles, and the search index. The browser half (axe-core,
//! vnu, keyboard) lives in `tests/browser/`.

use std::path::Path;

use crate::harness::{SiteTest, today};

fn html_pages(out: &Path) -> Vec<(String, String)> {
    let mut v = Vec::new();
    for e in walkdir::WalkDir::new(out).sort_by_file_name() {
        let e = e.expect("walk");
        if e.path().extension().is_some_and(|x| x == "html") {
            let rel = e
                .path()
                .strip_prefix(out)
                .expect("prefix")
                .to_string_lossy()
                .replace('\\', "/");
            let html = std::fs::read_to_string(e.path()).expect("read");
            if !html.contains("http-equiv=\"refresh\"") {
                v.push((rel, html));
            }
        }
    }
    v
}

/// Every `<script ...>` opening tag in `html`.
fn script_tags(html: &str) -> Vec<&str> {
    html.match_indices("<script")
        .map(|(i, _)| &html[i..i + html[i..].find('>').expect("tag end") + 1])
        .collect()
}

#[test]
fn every_page_has_one_h1_lang_skip_link_and_landmarks() {
    let t = SiteTest::example_site();
    t.build();
    let pages = html_pages(&t.out());
    assert!(pages.len() > 20, "only {} pages", pages.len());
    for (rel, html) in &pages {
        assert_eq!(html.matches("<h1").count(), 1, "{rel}: one h1");
        assert!(html.contains("<html lang=\"en-GB\">"), "{rel}: lang");
        assert!(
            html.contains("class=\"skip-link\" href=\"#main\"")
                && html.contains("<main id=\"main\""),
            "{rel}: skip link to <main>"
        );
        for landmark in [
            "<header class=\"site-header\"",
            "<nav class=\"site-nav\"",
            "<footer",
        ] {
            assert!(html.contains(landmark), "{rel}: {landmark}");
        }
    }
}

#[test]
fn pages_load_nothing_from_other_origins_and_keep_a_strict_csp() {
    let t = SiteTest::example_site();
    t.build();
    for (rel, html) in html_pages(&t.out()) {
        let csp = html
            .split("http-equiv=\"Content-Security-Policy\" content=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or_else(|| panic!("{rel}: no CSP meta"));
        assert!(csp.contains("default-src 'self'"), "{rel}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{rel}: {csp}");
        assert!(!csp.contains("'unsafe-eval'"), "{rel}: {csp}");
        assert_eq!(
            csp.contains("'wasm-unsafe-eval'"),
            rel == "search/index.html",
            "{rel}: WebAssembly is allowed on the search page only: {csp}"
        );
        assert!(!html.contains(" style=\""), "{rel}: inline style attribute");
        assert!(!html.contains("<style"), "{rel}: <style> element");
        for tag in script_tags(&html) {
            assert!(
                tag.contains("type=\"application/ld+json\"") || tag.contains(" src=\"/"),
                "{rel}: inline or foreign script {tag}"
            );
        }
        for attr in [" src=\"http", "<link rel=\"stylesheet\" href=\"http"] {
            assert!(!html.contains(attr), "{rel}: third-party resource ({attr})");
        }
    }
}

#[test]
fn articles_carry_the_trust_furniture_in_the_same_place() {
    let t = SiteTest::example_site();
    t.build();
    let main = t.main_of("microneedling/acne-scars/index.html");
    let order = [
        "class=\"breadcrumbs",
        "<h1>",
        "Written by",
        "Medically reviewed by",
        "Last reviewed",
        "Last updated",
        "Reading time",
        "class=\"toc\"",
        "class=\"prose\"",
        "id=\"sources-heading\"",
        "Medical disclaimer",
        "</main>",
        "class=\"cta-band\"",
        "Book a consultation",
        "<footer",
        "<address>",
    ];
    let html = t.read("microneedling/acne-scars/index.html");
    let mut at = 0;
    for needle in order {
        let i = html[at..]
            .find(needle)
            .unwrap_or_else(|| panic!("`{needle}` missing or out of order in {main}"));
        at += i;
    }
    assert!(main.contains("<section class=\"sources\""));
    assert!(main.contains("<ol>"), "sources are a numbered list");
    // The call to action and the clinic's contact sit in the same place on
    // every page: right after <main>, then the footer with the address.
    for (rel, html) in html_pages(&t.out()) {
        let main_end = html.find("</main>").expect("main end");
        let cta = html
            .find("<aside class=\"cta-band\"")
            .unwrap_or_else(|| panic!("{rel}: no call to action"));
        let footer = html.find("<footer").expect("footer");
        assert!(
            main_end < cta && cta < footer,
            "{rel}: cta between main and footer"
        );
        assert!(
            html[footer..].contains("<address>"),
            "{rel}: clinic contact in the footer"
        );
    }
}

#[test]
fn search_indexes_articles_and_pages_but_not_generated_lists() {
    let t = SiteTest::example_site();
    t.build();
    let loaded = careleaf::load(&t.config(), today()).expect("load");
    let expected = careleaf::search::indexable_paths(&loaded.site).len();
    let entry = t.read("pagefind/pagefind-entry.json");
    assert!(
        entry.contains(&format!("\"page_count\":{expected}")),
        "{expected} pages expected in {entry}"
    );
    assert!(t.out().join("pagefind/pagefind.js").is_file());
    assert!(!t.out().join("pagefind/pagefind-ui.js").exists());
    let search = t.read("search/index.html");
    assert!(
        search.contains("data-pagefind=\"/careleaf/pagefind/pagefind.js\""),
        "the bundle is loaded from the base path"
    );
    assert!(search.contains("role=\"status\""));
    // The header box on every page submits to the search page.
    let home = t.read("index.html");
    assert!(home.contains("action=\"/careleaf/search/\" method=\"get\""));
}

#[test]
fn the_index_can_be_built_from_pages_in_memory() {
    let t = SiteTest::example_site();
    t.build();
    let loaded = careleaf::load(&t.config(), today()).expect("load");
    let out = t.out();
    let files = careleaf::search::index_site(&loaded.site, "en-GB", |p| {
        std::fs::read_to_string(out.join(p)).ok()
    })
    .expect("index");
    let entry = files
        .iter()
        .find(|f| f.path == "pagefind/pagefind-entry.json")
        .expect("entry");
    assert_eq!(
        String::from_utf8_lossy(&entry.bytes),
        t.read("pagefind/pagefind-entry.json"),
        "same index as the build's"
    );
}

#[test]
fn rebuild_can_reuse_the_previous_search_index() {
    let t = SiteTest::example_site();
    t.build();
    let before = t.read("pagefind/pagefind-entry.json");
    t.change_file(
        "content/about.md",
        "---\ntitle: About us\ndescription: Who we are.\n---\nA new word: zyxwvut.\n",
    );
    let mut config = t.config();
    config.reuse_search_index = true;
    let report = careleaf::build(&config, today()).expect("build");
    assert_eq!(report.search_seconds, None, "index not rebuilt");
    assert_eq!(t.read("pagefind/pagefind-entry.json"), before);
    assert!(t.out().join("pagefind/pagefind.js").is_file());
    assert!(t.read("about/index.html").contains("zyxwvut"));
    // A normal build indexes again and says how long it took.
    let report = careleaf::build(&t.config(), today()).expect("build");
    assert!(report.search_seconds.is_some());
}

#[test]
fn the_index_is_rebuilt_when_an_indexed_page_changes_and_kept_otherwise() {
    let t = SiteTest::example_site();
    t.build();
    let key = t.read("pagefind/.careleaf-input");
    let entry = t.read("pagefind/pagefind-entry.json");
    // A static file is not in the index: the bundle is kept as it was.
    t.change_file("static/notes.txt", "Not a page.\n");
    t.build();
    assert_eq!(t.read("pagefind/.careleaf-input"), key);
    assert_eq!(t.read("pagefind/pagefind-entry.json"), entry);
    assert!(t.out().join("pagefind/pagefind.js").is_file());
    assert!(t.out().join("notes.txt").is_file());
    // A new word in a page is: the index is built again.
    t.change_file(
        "content/about.md",
        "---\ntitle: About us\ndescription: Who we are.\n---\nA new word: zyxwvut.\n",
    );
    t.build();
    assert_ne!(t.read("pagefind/.careleaf-input"), key);
    assert_ne!(t.read("pagefind/pagefind-entry.json"), entry);
}

#[test]
fn search_off_writes_no_index_no_page_and_no_box() {
    let t = SiteTest::empty();
    t.change_file(
        "site.yaml",
        "title: T\nbase_url: https://clinic.example/\nsearch: false\n",
    );
    t.change_file(
        "content/a.md",
        "---\ntitle: A\ndescription: A page.\n---\nText.\n",
    );
    t.build();
    assert!(!t.out().join("pagefind").exists());
    assert!(!t.out().join("search/index.html").exists());
    assert!(!t.read("a/index.html").contains("role=\"search\""));
}
