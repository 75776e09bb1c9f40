//! Publishing (issue 6): what search engines, feed readers and GitHub Pages
//! read. The sitemap against its XSD (xmllint), the feed through a real
//! parser (feed-rs), every JSON-LD block, URLs under a sub-path, aliases,
//! CNAME, file names and permissions, and `careleaf init`.
//!
//! Tools that are not crates (xmllint, actionlint) are installed by
//! `.ci/run`; without them a test says SKIPPED on stderr, and fails when
//! `CI=true`, so CI can never pass without running them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::harness::{SiteTest, today};

const SUB_PATH_BASE: &str = "https://owner.github.io/repo/";

/// Finds an external tool on PATH (or in `.ci/run`'s venv under target/).
fn tool(name: &str) -> Option<PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    dirs.push(manifest.join("target/ci-venv/bin"));
    dirs.into_iter().map(|d| d.join(name)).find(|p| p.is_file())
}

/// The tool, or None after saying SKIPPED (a failure on CI).
fn require_tool(name: &str, why: &str) -> Option<PathBuf> {
    let found = tool(name);
    if found.is_none() {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("`{name}` is not installed, but CI must {why}; .ci/run installs it");
        }
        eprintln!(
            "SKIPPED: `{name}` is not installed, so this test cannot {why} (.ci/run installs it)"
        );
    }
    found
}

fn xsd() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sitemap.xsd")
}

/// Validates an XML file against the sitemap XSD; panics with xmllint's output.
fn assert_valid_sitemap(xmllint: &Path, file: &Path) {
    let out = Command::new(xmllint)
        .arg("--noout")
        .arg("--schema")
        .arg(xsd())
        .arg(file)
        .output()
        .expect("run xmllint");
    assert!(
        out.status.success(),
        "{} is not a valid sitemap:\n{}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every built file, relative to the output, sorted.
fn output_files(out: &Path) -> Vec<String> {
    let mut v: Vec<String> = walkdir::WalkDir::new(out)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            e.path()
                .strip_prefix(out)
                .ok()
                .map(|p| p.to_string_lossy().replace('\\', "/"))
        })
        .collect();
    v.sort();
    v
}

fn is_redirect(html: &str) -> bool {
    html.contains("<meta http-equiv=\"refresh\"")
}

/// The contents of every `<script type="application/ld+json">` element.
fn jsonld_blocks(html: &str) -> Vec<String> {
    let open = "<script type=\"application/ld+json\">";
    let mut v = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(open) {
        let after = &rest[i + open.len()..];
        let end = after.find("</script>").expect("ld+json script is closed");
        v.push(after[..end].to_string());
        rest = &after[end..];
    }
    v
}

/// The value of attribute `attr` of the first tag that contains `marker`.
fn attr_of(html: &str, marker: &str, attr: &str) -> Option<String> {
    let i = html.find(marker)?;
    let start = html[..i].rfind('<')?;
    let end = i + html[i..].find('>')?;
    let tag = &html[start..end];
    let key = format!("{attr}=\"");
    let j = tag.find(&key)? + key.len();
    let k = tag[j..].find('"')?;
    Some(tag[j..j + k].replace("&amp;", "&"))
}

// ---------------------------------------------------------------- sitemap

#[test]
fn sitemap_is_valid_against_the_sitemaps_org_xsd() {
    let t = SiteTest::example_site();
    t.build();
    let sitemap = t.read("sitemap.xml");
    assert!(sitemap.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset"));
    let base = t.config().base_url;
    let locs: Vec<&str> = sitemap
        .split("<loc>")
        .skip(1)
        .filter_map(|s| s.split("</loc>").next())
        .collect();
    assert!(locs.len() > 10, "{sitemap}");
    assert!(locs.iter().all(|l| l.starts_with(&base)), "{locs:?}");
    assert!(locs.contains(&base.as_str()), "home is listed");
    assert!(!sitemap.contains("404.html") && !sitemap.contains("/search/"));
    if let Some(xmllint) = require_tool("xmllint", "validate the sitemap against its XSD") {
        assert_valid_sitemap(&xmllint, &t.out().join("sitemap.xml"));
    }
}

#[test]
fn sitemap_lastmod_is_the_latest_of_updated_and_last_reviewed() {
    let t = SiteTest::empty();
    t.change_file(
        "content/reviewed.md",
        "---\ntitle: Reviewed\ndate: 2026-01-10\nupdated: 2026-03-01\nlast_reviewed: 2026-05-02\n---\nText.\n",
    )
    .change_file(
        "content/updated.md",
        "---\ntitle: Updated\ndate: 2026-01-10\nupdated: 2026-06-01\nlast_reviewed: 2026-02-01\n---\nText.\n",
    )
    .change_file(
        "content/dated.md",
        "---\ntitle: Dated\ndate: 2026-01-10\n---\nText.\n",
    )
    .change_file(
        "content/old.md",
        "---\ntitle: Moved\naliases: [/old-address/]\n---\nText.\n",
    );
    t.build();
    let sitemap = t.read("sitemap.xml");
    for (page, lastmod) in [
        ("reviewed/", Some("2026-05-02")),
        ("updated/", Some("2026-06-01")),
        ("dated/", Some("2026-01-10")),
        ("old/", None),
    ] {
        let loc = format!("<loc>https://clinic.example/skin/{page}</loc>");
        let line = sitemap
            .lines()
            .find(|l| l.contains(&loc))
            .unwrap_or_else(|| panic!("{page} missing:\n{sitemap}"));
        match lastmod {
            Some(d) => assert!(line.contains(&format!("<lastmod>{d}</lastmod>")), "{line}"),
            None => assert!(!line.contains("<lastmod>"), "{line}"),
        }
    }
    assert!(
        !sitemap.contains("old-address"),
        "aliases stay out: {sitemap}"
    );
    if let Some(xmllint) = require_tool("xmllint", "validate the sitemap against its XSD") {
        assert_valid_sitemap(&xmllint, &t.out().join("sitemap.xml"));
    }
}

#[test]
fn sitemap_splits_into_an_index_above_the_limit() {
    let t = SiteTest::example_site();
    let config = t.config();
    let loaded = careleaf::load(&config, today()).expect("load");
    let whole = careleaf::seo::sitemap_files(&loaded.site, &config, careleaf::seo::SITEMAP_LIMIT);
    assert_eq!(whole.len(), 1, "the example site fits in one file");
    let all_locs = |xml: &str| -> Vec<String> {
        xml.split("<loc>")
            .skip(1)
            .filter_map(|s| s.split("</loc>").next())
            .map(str::to_string)
            .collect()
    };
    let expected = all_locs(&whole[0].1);

    let files = careleaf::seo::sitemap_files(&loaded.site, &config, 5);
    let (index_name, index) = &files[0];
    assert_eq!(index_name, "sitemap.xml");
    assert!(
        index.contains("<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"),
        "{index}"
    );
    let parts = &files[1..];
    assert_eq!(parts.len(), expected.len().div_ceil(5));
    let index_locs = all_locs(index);
    let part_urls: Vec<String> = parts
        .iter()
        .map(|(name, _)| format!("{}{name}", config.base_url))
        .collect();
    assert_eq!(index_locs, part_urls);
    let mut joined = Vec::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let xmllint = require_tool("xmllint", "validate the sitemap parts against the XSD");
    for (n, (name, xml)) in parts.iter().enumerate() {
        assert_eq!(name, &format!("sitemap-{}.xml", n + 1));
        let locs = all_locs(xml);
        assert!(!locs.is_empty() && locs.len() <= 5, "{xml}");
        joined.extend(locs);
        if let Some(x) = &xmllint {
            let p = dir.path().join(name);
            std::fs::write(&p, xml).expect("write part");
            assert_valid_sitemap(x, &p);
        }
    }
    assert_eq!(joined, expected, "the parts hold every URL once, in order");
}

#[test]
fn robots_txt_points_at_the_sitemap() {
    let mut t = SiteTest::example_site();
    t.base_url = Some(SUB_PATH_BASE.into());
    t.build();
    let robots = t.read("robots.txt");
    assert!(robots.contains("User-agent: *\n"), "{robots}");
    assert!(
        robots.contains(&format!("\nSitemap: {SUB_PATH_BASE}sitemap.xml\n")),
        "{robots}"
    );
}

// ---------------------------------------------------------------- feed

#[test]
fn atom_feed_parses_with_a_real_feed_parser() {
    let mut t = SiteTest::example_site();
    t.base_url = Some(SUB_PATH_BASE.into());
    t.build();
    let xml = t.read("atom.xml");
    let feed = feed_rs::parser::parse(xml.as_bytes()).expect("atom.xml is a valid feed");
    assert_eq!(feed.feed_type, feed_rs::model::FeedType::Atom);
    assert_eq!(
        feed.title.as_ref().map(|t| t.content.as_str()),
        Some("Harbour Lane Skin Clinic")
    );
    assert_eq!(feed.id, SUB_PATH_BASE);
    assert!(
        feed.links
            .iter()
            .any(|l| l.rel.as_deref() == Some("self")
                && l.href == format!("{SUB_PATH_BASE}atom.xml")),
        "{:?}",
        feed.links
    );
    assert!(feed.updated.is_some());
    assert!(!feed.authors.is_empty());
    assert!(!feed.entries.is_empty());
    let mut previous = None;
    for e in &feed.entries {
        assert!(e.id.starts_with(SUB_PATH_BASE), "{}", e.id);
        assert!(e.title.as_ref().is_some_and(|t| !t.content.is_empty()));
        let link = e.links.first().expect("entry link");
        assert_eq!(link.href, e.id);
        let updated = e.updated.expect("entry updated");
        assert!(e.published.is_some_and(|p| p <= updated));
        if let Some(prev) = previous {
            assert!(updated <= prev, "newest first");
        }
        previous = Some(updated);
    }
    assert_eq!(
        feed.updated,
        feed.entries.first().and_then(|e| e.updated),
        "the feed is as new as its newest entry"
    );
    let scars = feed
        .entries
        .iter()
        .find(|e| e.id.ends_with("/microneedling/acne-scars/"))
        .expect("the acne scars article is in the feed");
    assert_eq!(
        scars
            .authors
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>(),
        ["Dr Samir Haddad"]
    );
    assert!(scars.categories.iter().any(|c| c.term == "scars"));
    assert!(
        scars
            .summary
            .as_ref()
            .is_some_and(|s| s.content.starts_with("Which acne scars"))
    );
    if let Some(xmllint) = require_tool("xmllint", "check the feed is well-formed XML") {
        let ok = Command::new(xmllint)
            .arg("--noout")
            .arg(t.out().join("atom.xml"))
            .status()
            .expect("run xmllint");
        assert!(ok.success());
    }
}

// ---------------------------------------------------------------- JSON-LD

fn str_of<'a>(v: &'a Value, key: &str, ctx: &str) -> &'a str {
    v.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| panic!("{ctx}: `{key}` missing or empty in {v:#}"))
}

fn is_iso_date(s: &str) -> bool {
    s.len() == 10 && s.parse::<careleaf::frontmatter::Date>().is_ok()
}

fn check_person(p: &Value, ctx: &str) {
    assert_eq!(p["@type"], "Person", "{ctx}: {p:#}");
    str_of(p, "name", ctx);
    let creds = p["hasCredential"]
        .as_array()
        .unwrap_or_else(|| panic!("{ctx}: person without hasCredential: {p:#}"));
    assert!(!creds.is_empty());
    for c in creds {
        assert_eq!(c["@type"], "EducationalOccupationalCredential");
        str_of(c, "name", ctx);
    }
}

fn check_procedure(p: &Value, ctx: &str) {
    assert_eq!(p["@type"], "MedicalProcedure", "{ctx}: {p:#}");
    str_of(p, "name", ctx);
    if let Some(t) = p.get("procedureType") {
        let t = t.as_str().expect("procedureType is a URL");
        assert!(
            [
                "https://schema.org/NoninvasiveProcedure",
                "https://schema.org/PercutaneousProcedure",
                "https://schema.org/SurgicalProcedure",
            ]
            .contains(&t),
            "{ctx}: {t} is not a MedicalProcedureType"
        );
    }
}

/// Checks one JSON-LD node's required properties by type; returns its type.
fn check_node(node: &Value, base: &str, ctx: &str) -> String {
    let ty = str_of(node, "@type", ctx).to_string();
    let absolute = |key: &str| {
        if let Some(u) = node.get(key).and_then(Value::as_str) {
            assert!(
                u.starts_with(base),
                "{ctx}: {ty}.{key} `{u}` is not under {base}"
            );
        }
    };
    absolute("@id");
    absolute("url");
    match ty.as_str() {
        "WebPage" | "CollectionPage" | "SearchResultsPage" | "MedicalWebPage" => {
            str_of(node, "name", ctx);
            str_of(node, "url", ctx);
            str_of(node, "inLanguage", ctx);
            for d in ["datePublished", "dateModified", "lastReviewed"] {
                if let Some(v) = node.get(d) {
                    let v = v.as_str().expect("date string");
                    assert!(is_iso_date(v), "{ctx}: {d} `{v}`");
                }
            }
            if ty == "MedicalWebPage" {
                str_of(node, "description", ctx);
                for d in ["datePublished", "dateModified", "lastReviewed"] {
                    str_of(node, d, ctx);
                }
                assert!(node["dateModified"].as_str() >= node["datePublished"].as_str());
                let authors = node["author"].as_array().expect("author list");
                assert!(!authors.is_empty(), "{ctx}");
                for a in authors {
                    check_person(a, ctx);
                }
                check_person(&node["reviewedBy"], ctx);
                check_procedure(&node["about"], ctx);
                check_procedure(&node["mainEntity"], ctx);
                let citations = node["citation"].as_array().expect("citation list");
                assert!(!citations.is_empty(), "{ctx}");
                for c in citations {
                    assert_eq!(c["@type"], "CreativeWork");
                    str_of(c, "name", ctx);
                }
            }
        }
        "WebSite" => {
            str_of(node, "name", ctx);
            str_of(node, "url", ctx);
        }
        "MedicalClinic" => {
            str_of(node, "name", ctx);
            str_of(node, "url", ctx);
            str_of(node, "@id", ctx);
        }
        "BreadcrumbList" => {
            let items = node["itemListElement"].as_array().expect("items");
            assert!(!items.is_empty(), "{ctx}");
            for (i, item) in items.iter().enumerate() {
                assert_eq!(item["@type"], "ListItem");
                assert_eq!(item["position"], i + 1, "{ctx}: positions count from 1");
                str_of(item, "name", ctx);
                let url = str_of(item, "item", ctx);
                assert!(url.starts_with(base), "{ctx}: {url}");
            }
        }
        "FAQPage" => {
            str_of(node, "name", ctx);
            let qs = node["mainEntity"].as_array().expect("questions");
            assert!(!qs.is_empty(), "{ctx}");
            for q in qs {
                assert_eq!(q["@type"], "Question");
                str_of(q, "name", ctx);
                assert_eq!(q["acceptedAnswer"]["@type"], "Answer");
                str_of(&q["acceptedAnswer"], "text", ctx);
            }
        }
        other => panic!("{ctx}: unexpected JSON-LD type {other}"),
    }
    ty
}

#[test]
fn every_jsonld_block_parses_and_has_the_required_properties() {
    let mut t = SiteTest::example_site();
    t.base_url = Some(SUB_PATH_BASE.into());
    t.build();
    let mut articles = 0;
    for rel in output_files(&t.out()) {
        if !rel.ends_with(".html") {
            continue;
        }
        let html = t.read(&rel);
        let blocks = jsonld_blocks(&html);
        if is_redirect(&html) {
            assert!(blocks.is_empty(), "{rel}: redirect pages carry no JSON-LD");
            continue;
        }
        assert_eq!(blocks.len(), 1, "{rel}: one JSON-LD block per page");
        assert!(
            !blocks[0].contains("</"),
            "{rel}: `</` would end the script early"
        );
        let doc: Value = serde_json::from_str(&blocks[0])
            .unwrap_or_else(|e| panic!("{rel}: JSON-LD does not parse: {e}\n{}", blocks[0]));
        // Written the way serde_json writes the parsed document back (keys
        // in order, no spaces): careleaf's typed nodes must keep their
        // fields in key order, so the bytes stay those of a sorted map.
        assert_eq!(
            serde_json::to_string(&doc).ok().as_deref(),
            Some(blocks[0].as_str()),
            "{rel}: JSON-LD keys out of order"
        );
        assert_eq!(doc["@context"], "https://schema.org", "{rel}");
        let graph = doc["@graph"].as_array().expect("@graph");
        let types: BTreeSet<String> = graph
            .iter()
            .map(|n| check_node(n, SUB_PATH_BASE, &rel))
            .collect();
        if rel != "404.html" {
            assert!(types.contains("BreadcrumbList"), "{rel}: {types:?}");
        }
        // The clinic referenced as publisher is always in the same graph.
        for n in graph {
            if let Some(id) = n["publisher"]["@id"].as_str() {
                assert!(graph.iter().any(|m| m["@id"] == id), "{rel}: dangling {id}");
            }
        }
        if rel == "index.html" {
            for ty in ["WebPage", "WebSite", "MedicalClinic"] {
                assert!(types.contains(ty), "home lacks {ty}: {types:?}");
            }
            let clinic = graph
                .iter()
                .find(|n| n["@type"] == "MedicalClinic")
                .expect("clinic");
            assert_eq!(clinic["telephone"], "+44 20 7946 0321");
            assert_eq!(clinic["address"]["@type"], "PostalAddress");
            assert_eq!(clinic["address"]["postalCode"], "SE16 9ZZ");
            assert_eq!(clinic["openingHours"][0], "Mo-Fr 09:00-18:00");
        }
        if rel == "faq/index.html" {
            assert!(types.contains("FAQPage"), "{types:?}");
        }
        if rel == "benefits/index.html" || rel.starts_with("tags/") {
            assert!(types.contains("CollectionPage"), "{rel}: {types:?}");
        }
        if rel == "search/index.html" {
            assert!(types.contains("SearchResultsPage"), "{types:?}");
        }
        if types.contains("MedicalWebPage") {
            articles += 1;
        }
    }
    assert!(articles >= 10, "only {articles} MedicalWebPage pages");
}

#[test]
fn article_jsonld_is_built_from_front_matter() {
    let t = SiteTest::empty();
    std::fs::remove_file(t.root().join("site.yaml")).expect("rm");
    careleaf::init::create(t.root(), today()).expect("init");
    t.build();
    let html = t.read("microneedling/what-to-expect/index.html");
    let doc: Value = serde_json::from_str(&jsonld_blocks(&html)[0]).expect("JSON-LD parses");
    let page = &doc["@graph"][0];
    assert_eq!(page["@type"], "MedicalWebPage");
    assert_eq!(page["datePublished"], "2026-11-21");
    assert_eq!(page["dateModified"], "2026-11-21");
    assert_eq!(page["lastReviewed"], "2026-11-21");
    assert_eq!(page["author"][0]["name"], "Alex Author");
    assert_eq!(page["author"][0]["hasCredential"][0]["name"], "RN");
    assert_eq!(page["reviewedBy"]["name"], "Dr Rowan Reviewer");
    assert_eq!(page["reviewedBy"]["jobTitle"], "Consultant dermatologist");
    let procedure = &page["mainEntity"];
    assert_eq!(page["about"], *procedure);
    assert_eq!(procedure["name"], "Microneedling");
    assert_eq!(
        procedure["procedureType"],
        "https://schema.org/PercutaneousProcedure"
    );
    assert_eq!(procedure["bodyLocation"], "Face");
    assert!(
        procedure["preparation"]
            .as_str()
            .is_some_and(|s| s.starts_with("Avoid retinoids"))
    );
    assert!(
        procedure["followup"]
            .as_str()
            .is_some_and(|s| s.starts_with("Gentle cleansing"))
    );
    let citation = &page["citation"][0];
    assert_eq!(
        citation["name"],
        "Microneedling: A Review and Practical Guide"
    );
    assert_eq!(citation["datePublished"], "2018");
    assert_eq!(
        citation["url"],
        "https://doi.org/10.1097/DSS.0000000000001248"
    );
    assert_eq!(citation["identifier"][0]["propertyID"], "DOI");
    assert_eq!(citation["identifier"][1]["value"], "28796657");
    let crumbs = doc["@graph"]
        .as_array()
        .expect("graph")
        .iter()
        .find(|n| n["@type"] == "BreadcrumbList")
        .expect("breadcrumbs");
    let names: Vec<&str> = crumbs["itemListElement"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "Example Skin Clinic",
            "Microneedling",
            "What to expect from microneedling"
        ]
    );
}

// ---------------------------------------------------------------- head tags

#[test]
fn every_page_has_title_description_canonical_social_tags_and_feed_link() {
    let mut t = SiteTest::example_site();
    t.base_url = Some(SUB_PATH_BASE.into());
    t.build();
    for rel in output_files(&t.out()) {
        if !rel.ends_with(".html") {
            continue;
        }
        let html = t.read(&rel);
        if is_redirect(&html) {
            continue;
        }
        let permalink = format!(
            "{SUB_PATH_BASE}{}",
            rel.strip_suffix("index.html").unwrap_or(&rel)
        );
        assert!(html.contains("<html lang=\"en-GB\""), "{rel}: lang");
        let title_start = html.find("<title>").expect("title") + "<title>".len();
        let title_end = html.find("</title>").expect("title end");
        assert!(title_end > title_start, "{rel}: empty <title>");
        let desc = attr_of(&html, "name=\"description\"", "content").expect("description");
        assert!(!desc.trim().is_empty(), "{rel}: empty description");
        assert_eq!(
            attr_of(&html, "rel=\"canonical\"", "href").as_deref(),
            Some(permalink.as_str()),
            "{rel}: canonical"
        );
        assert_eq!(
            attr_of(&html, "property=\"og:url\"", "content").as_deref(),
            Some(permalink.as_str()),
            "{rel}: og:url"
        );
        for marker in [
            "property=\"og:title\"",
            "property=\"og:description\"",
            "property=\"og:type\"",
            "property=\"og:site_name\"",
            "name=\"twitter:card\"",
            "name=\"twitter:title\"",
            "name=\"twitter:description\"",
        ] {
            assert!(
                attr_of(&html, marker, "content").is_some_and(|c| !c.is_empty()),
                "{rel}: {marker}"
            );
        }
        let image = format!("{SUB_PATH_BASE}images/social.png");
        assert_eq!(
            attr_of(&html, "property=\"og:image\"", "content").as_deref(),
            Some(image.as_str()),
            "{rel}: og:image"
        );
        assert_eq!(
            attr_of(&html, "name=\"twitter:image\"", "content").as_deref(),
            Some(image.as_str()),
            "{rel}: twitter:image"
        );
        assert_eq!(
            attr_of(&html, "type=\"application/atom+xml\"", "href").as_deref(),
            Some("/repo/atom.xml"),
            "{rel}: feed link"
        );
    }
    assert!(t.out().join("images/social.png").is_file());
}

// ---------------------------------------------------------------- sub-path

/// Resolves `url` found in the file at `from` (relative to the output,
/// published under `base_path`) to a path on the host; None when external
/// or not a location (fragment, mailto:, data:).
fn resolve(url: &str, from: &str, base_path: &str, host: &str) -> Option<String> {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    if url.is_empty()
        || url.starts_with('#')
        || ["mailto:", "tel:", "data:", "javascript:", "about:"]
            .iter()
            .any(|s| lower.starts_with(s))
    {
        return None;
    }
    let url = url.split(['#', '?']).next().unwrap_or("");
    let path = if let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .or_else(|| url.strip_prefix("//"))
    {
        let (h, p) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        if h != host {
            return None;
        }
        if p.is_empty() {
            "/".to_string()
        } else {
            p.to_string()
        }
    } else if url.starts_with('/') {
        url.to_string()
    } else {
        let dir = match from.rfind('/') {
            Some(i) => &from[..=i],
            None => "",
        };
        format!("{base_path}{dir}{url}")
    };
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/').skip(1) {
        match seg {
            "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    Some(format!("/{}", parts.join("/")))
}

/// Every URL in attributes and CSS `url()` of an HTML or CSS text.
fn urls_in(text: &str, css: bool) -> Vec<String> {
    let mut v = Vec::new();
    if !css {
        for attr in [
            " href=\"",
            " src=\"",
            " srcset=\"",
            " action=\"",
            " poster=\"",
            " data=\"",
            " content=\"",
            " imagesrcset=\"",
        ] {
            for piece in text.split(attr).skip(1) {
                let value = piece.split('"').next().unwrap_or("").replace("&amp;", "&");
                if attr.contains("srcset") {
                    for cand in value.split(',') {
                        if let Some(u) = cand.split_whitespace().next() {
                            v.push(u.to_string());
                        }
                    }
                } else if attr == " content=\"" {
                    // Only meta values that are URLs (og:image, og:url).
                    if value.starts_with("http") || value.starts_with('/') {
                        v.push(value);
                    }
                } else {
                    v.push(value);
                }
            }
        }
    }
    for piece in text.split("url(").skip(1) {
        let inner = piece.split(')').next().unwrap_or("");
        let u = inner.trim().trim_matches(['"', '\'']);
        v.push(u.to_string());
    }
    v
}

#[test]
fn a_sub_path_site_has_no_url_that_escapes_the_sub_path() {
    let mut t = SiteTest::example_site();
    t.base_url = Some(SUB_PATH_BASE.into());
    t.build();
    let base_path = "/repo/";
    let host = "owner.github.io";
    let files = output_files(&t.out());
    let published: BTreeSet<String> = files.iter().map(|f| format!("{base_path}{f}")).collect();
    let mut checked = 0;
    let mut problems = Vec::new();
    for rel in &files {
        let css = rel.ends_with(".css");
        if !(css || rel.ends_with(".html")) {
            continue;
        }
        let text = t.read(rel);
        for url in urls_in(&text, css) {
            // 404.html is served for missing pages at any depth: only
            // root-relative or absolute URLs work from there.
            if rel == "404.html"
                && !url.starts_with('/')
                && !url.starts_with("http")
                && !url.starts_with('#')
                && !url.starts_with("mailto:")
                && !url.starts_with("tel:")
                && !url.starts_with("data:")
            {
                problems.push(format!("{rel}: relative URL `{url}` breaks at depth"));
            }
            let Some(path) = resolve(&url, rel, base_path, host) else {
                continue;
            };
            checked += 1;
            if !path.starts_with(base_path) {
                problems.push(format!("{rel}: `{url}` escapes {base_path}"));
                continue;
            }
            // Same-site links must point at something that exists.
            let target = if path.ends_with('/') {
                format!("{path}index.html")
            } else {
                path.clone()
            };
            if !published.contains(&target) && !published.contains(&format!("{target}/index.html"))
            {
                problems.push(format!("{rel}: `{url}` -> {target} is not in the output"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(checked > 500, "only {checked} URLs checked");
}

#[test]
fn url_resolution_used_by_the_sub_path_test() {
    let h = "owner.github.io";
    assert_eq!(
        resolve("/repo/a/", "x.html", "/repo/", h).as_deref(),
        Some("/repo/a/")
    );
    assert_eq!(
        resolve("../b.css", "a/c/index.html", "/repo/", h).as_deref(),
        Some("/repo/a/b.css")
    );
    assert_eq!(
        resolve("../../../x", "a/index.html", "/repo/", h).as_deref(),
        Some("/x")
    );
    assert_eq!(
        resolve("https://owner.github.io/other/", "i.html", "/repo/", h).as_deref(),
        Some("/other/")
    );
    assert_eq!(
        resolve("https://doi.org/10.1/x", "i.html", "/repo/", h),
        None
    );
    assert_eq!(resolve("#top", "i.html", "/repo/", h), None);
    assert_eq!(
        urls_in("<img srcset=\"/a.png 1x, /b.png 2x\" src=\"c.png\">", false),
        ["c.png", "/a.png", "/b.png"]
    );
    assert_eq!(urls_in("a{background:url('/x.svg')}", true), ["/x.svg"]);
}

// ---------------------------------------------------------------- aliases

#[test]
fn aliases_become_redirect_pages_with_canonical_and_refresh() {
    let t = SiteTest::empty();
    t.change_file(
        "content/aftercare.md",
        "---\ntitle: Aftercare\naliases: [/old/aftercare-guide/, /care.html, old-plain]\n---\nText.\n",
    );
    t.build();
    let target = "https://clinic.example/skin/aftercare/";
    for rel in [
        "old/aftercare-guide/index.html",
        "care.html",
        "old-plain/index.html",
    ] {
        let html = t.read(rel);
        assert_eq!(
            attr_of(&html, "rel=\"canonical\"", "href").as_deref(),
            Some(target),
            "{rel}"
        );
        assert_eq!(
            attr_of(&html, "http-equiv=\"refresh\"", "content").as_deref(),
            Some(format!("0; url={target}").as_str()),
            "{rel}"
        );
        assert!(
            html.contains("<meta name=\"robots\" content=\"noindex\">"),
            "{rel}"
        );
        assert!(
            html.contains(&format!("<a href=\"{target}\">")),
            "{rel}: a link for people"
        );
    }
}

// ---------------------------------------------------------------- Pages files

#[test]
fn cname_is_written_for_a_custom_domain_only() {
    let t = SiteTest::empty();
    t.change_file("content/a.md", "---\ntitle: A\n---\nText.\n");
    let build_with = |base: &str| {
        let mut t2 = SiteTest::empty();
        crate::harness::copy_dir(&t.root().join("content"), &t2.root().join("content"));
        t2.base_url = Some(base.into());
        t2.build();
        t2
    };
    let custom = build_with("https://skin.example.org/");
    assert_eq!(custom.read("CNAME"), "skin.example.org\n");
    assert!(custom.out().join(".nojekyll").is_file());
    for base in [
        "https://owner.github.io/repo/",
        "https://owner.github.io/",
        "https://example.org/skin/",
    ] {
        assert!(!build_with(base).out().join("CNAME").exists(), "{base}");
    }
    // An author's static/CNAME wins.
    let mut own = SiteTest::empty();
    own.change_file("static/CNAME", "www.example.net\n");
    own.base_url = Some("https://skin.example.org/".into());
    own.build();
    assert_eq!(own.read("CNAME"), "www.example.net\n");
}

#[test]
fn underscore_file_names_are_warned_but_published() {
    let t = SiteTest::empty();
    t.change_file("static/_headers", "x\n")
        .change_file("static/images/ok.txt", "x\n")
        .change_file("content/a.md", "---\ntitle: A\n---\nText.\n");
    let diags = t.diagnostics();
    let ours: Vec<&String> = diags
        .iter()
        .filter(|d| d.contains("publish.underscore-name"))
        .collect();
    assert_eq!(ours.len(), 1, "{diags:?}");
    assert!(
        ours[0].starts_with("static/_headers:1:1: warning[publish.underscore-name]"),
        "{}",
        ours[0]
    );
    t.build();
    assert!(t.out().join("_headers").is_file());
    // careleaf itself writes no such name.
    let t = SiteTest::example_site();
    t.build();
    let bad: Vec<String> = output_files(&t.out())
        .into_iter()
        .filter(|f| f.split('/').any(|s| s.starts_with('_')))
        .collect();
    assert!(bad.is_empty(), "{bad:?}");
}

#[cfg(unix)]
#[test]
fn output_files_are_readable_by_everyone() {
    use std::os::unix::fs::PermissionsExt;
    let t = SiteTest::empty();
    t.change_file("static/private.txt", "x\n")
        .change_file("content/a.md", "---\ntitle: A\n---\nText.\n");
    let src = t.root().join("static/private.txt");
    std::fs::set_permissions(&src, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    t.build();
    assert_readable_by_everyone(&t.out());
}

/// Every folder under `out` is 0755 and every file 0644; returns how many
/// entries there are.
#[cfg(unix)]
fn assert_readable_by_everyone(out: &std::path::Path) -> usize {
    use std::os::unix::fs::PermissionsExt;
    let mut seen = 0;
    for e in walkdir::WalkDir::new(out)
        .into_iter()
        .filter_map(Result::ok)
    {
        let mode = e.metadata().expect("metadata").permissions().mode() & 0o777;
        let want = if e.file_type().is_dir() { 0o755 } else { 0o644 };
        assert_eq!(mode, want, "{} is {mode:o}", e.path().display());
        seen += 1;
    }
    seen
}

/// Under a strict umask (077) files and folders are created private; the
/// build opens them up explicitly, or GitHub Pages cannot publish them.
#[cfg(unix)]
#[test]
fn output_is_readable_by_everyone_under_a_strict_umask() {
    let t = SiteTest::empty();
    t.change_file("static/css/extra.css", "a{}\n")
        .change_file("content/a/b.md", "---\ntitle: B\n---\nText.\n");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "umask 077 && exec '{}' build --root '{}'",
            env!("CARGO_BIN_EXE_careleaf"),
            t.root().display()
        ))
        .output()
        .expect("run careleaf under sh");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        assert_readable_by_everyone(&t.out()) > 5,
        "the build wrote files"
    );
}

// ---------------------------------------------------------------- init

#[test]
fn init_creates_a_site_that_builds_and_checks_clean() {
    let t = SiteTest::empty();
    std::fs::remove_file(t.root().join("site.yaml")).expect("rm");
    let written = careleaf::init::create(t.root(), today()).expect("init");
    let expected: Vec<PathBuf> = careleaf::init::files(today())
        .iter()
        .map(|f| PathBuf::from(f.path))
        .collect();
    assert_eq!(written, expected);
    for f in [
        "site.yaml",
        "content/_index.md",
        "content/benefits.yaml",
        "content/people.yaml",
        "content/treatments.yaml",
        "content/faq/_index.md",
        ".gitignore",
        ".github/workflows/pages.yml",
    ] {
        assert!(t.root().join(f).is_file(), "{f}");
    }
    assert!(
        std::fs::read_to_string(t.root().join(".gitignore"))
            .expect("read")
            .contains("/public/")
    );
    let diags = t.diagnostics();
    assert!(
        diags.is_empty(),
        "a new site has no problems:\n{}",
        diags.join("")
    );
    t.build();
    for page in [
        "index.html",
        "microneedling/index.html",
        "microneedling/what-to-expect/index.html",
        "faq/index.html",
        "benefits/skin-texture/index.html",
    ] {
        assert!(t.out().join(page).is_file(), "{page}");
    }
}

#[test]
fn init_cli_writes_a_site_and_refuses_to_overwrite() {
    let t = SiteTest::empty();
    let out = t.run(|c| {
        c.args(["init", "new-site"]);
    });
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let site = t.root().join("new-site");
    assert!(
        site.join("content/microneedling/what-to-expect.md")
            .is_file()
    );
    // The CLI dates the starter with the real today, so check it the same way.
    let check = t.run(|c| {
        c.args(["check", "--root", "new-site"]);
    });
    let stderr = String::from_utf8_lossy(&check.stderr);
    assert!(check.status.success(), "{stderr}");
    assert!(stderr.contains("No problems found"), "{stderr}");

    // Into the existing site.yaml of the test site: nothing is written.
    let before = std::fs::read_to_string(t.root().join("site.yaml")).expect("read");
    let out = t.run(|c| {
        c.arg("init");
    });
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("refusing to overwrite existing files"),
        "{stderr}"
    );
    assert!(stderr.contains("\n  site.yaml\n"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(t.root().join("site.yaml")).expect("read"),
        before
    );
    assert!(
        !t.root().join("content").exists(),
        "nothing else was written"
    );
}

#[test]
fn init_workflow_is_pinned_and_passes_actionlint() {
    let dir = tempfile::tempdir().expect("tempdir");
    careleaf::init::create(dir.path(), today()).expect("init");
    let path = dir.path().join(".github/workflows/pages.yml");
    let workflow = std::fs::read_to_string(&path).expect("workflow");
    assert!(
        workflow.contains(&format!(
            "CARELEAF_VERSION: \"{}\"",
            env!("CARGO_PKG_VERSION")
        )),
        "{workflow}"
    );
    assert!(workflow.contains(&format!(
        "{}/releases/download/v${{CARELEAF_VERSION}}",
        env!("CARGO_PKG_REPOSITORY")
    )));
    for needle in [
        "sha256sum -c",
        "cargo install careleaf --version",
        "actions/configure-pages@",
        "actions/upload-pages-artifact@",
        "actions/deploy-pages@",
        "pages: write",
        "id-token: write",
        "group: pages",
        "BASE_URL: ${{ steps.pages.outputs.base_url }}/",
    ] {
        assert!(workflow.contains(needle), "missing `{needle}`");
    }
    if let Some(actionlint) = require_tool("actionlint", "lint the workflow that init writes") {
        let out = Command::new(actionlint)
            .arg(&path)
            .current_dir(dir.path())
            .output()
            .expect("run actionlint");
        assert!(
            out.status.success(),
            "actionlint:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

// ---------------------------------------------------------------- workflows

fn repo_file(rel: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("reading {}: {e}", p.display()))
}

#[test]
fn pages_workflow_deploys_with_the_base_url_github_reports() {
    let w = repo_file(".github/workflows/pages.yml");
    for needle in [
        "actions/configure-pages@",
        "actions/upload-pages-artifact@",
        "actions/deploy-pages@",
        "actions/cache@",
        "cargo build --release --locked",
        "pages: write",
        "id-token: write",
        "group: pages",
        "id: pages",
        "BASE_URL: ${{ steps.pages.outputs.base_url }}/",
        "careleaf build --base-url \"$BASE_URL\"",
        "path: public",
    ] {
        assert!(w.contains(needle), "pages.yml lacks `{needle}`");
    }
}

#[test]
fn release_assets_are_the_ones_the_init_workflow_downloads() {
    let release = repo_file(".github/workflows/release.yml");
    let site = careleaf::init::workflow("9.9.9", "https://github.com/o/r");
    assert!(release.contains("tags: [\"v*\"]"), "{release}");
    assert!(release.contains("name=\"careleaf-${TAG}-${TARGET}\""));
    assert!(release.contains("sha256sum \"$file\" > \"$file.sha256\""));
    assert!(site.contains("name=\"careleaf-v${CARELEAF_VERSION}-${target}\""));
    assert!(site.contains("\"$url/$name.tar.gz.sha256\""));
    // Every target the site workflow asks for is built by the release.
    let asked: Vec<&str> = site
        .lines()
        .filter_map(|l| l.split(") target=").nth(1))
        .map(|t| t.trim_end_matches(" ;;").trim())
        .filter(|t| !t.is_empty() && *t != "\"\"")
        .collect();
    assert_eq!(asked.len(), 4, "{asked:?}");
    for t in asked {
        assert!(
            release.contains(&format!("target: {t}, archive: tar.gz")),
            "release.yml does not build {t} as tar.gz"
        );
    }
    assert!(release.contains("target: x86_64-pc-windows-msvc, archive: zip"));
}

#[test]
fn repository_workflows_pass_actionlint() {
    let Some(actionlint) = require_tool("actionlint", "lint .github/workflows") else {
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join(".github/workflows"))
        .expect("workflows")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 2, "{files:?}");
    let out = Command::new(actionlint)
        .args(&files)
        .current_dir(root)
        .output()
        .expect("run actionlint");
    assert!(
        out.status.success(),
        "actionlint:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
