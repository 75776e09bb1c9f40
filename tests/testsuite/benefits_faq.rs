//! The benefits index and the FAQ, built from tagged content (issue 3).

use crate::harness::SiteTest;

/// Visible text of an HTML fragment: tags removed, entities decoded,
/// whitespace collapsed.
fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let out = out
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    let joined = out.split_whitespace().collect::<Vec<_>>().join(" ");
    // Tags split words from following punctuation ("page </a>." -> "page .").
    [" .", " ,", " ;", " :", " ?", " !"]
        .iter()
        .fold(joined, |s, p| s.replace(p, &p[1..]))
}

fn between<'a>(s: &'a str, start: &str, end: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find(start) {
        let after = &rest[i + start.len()..];
        let Some(j) = after.find(end) else { break };
        out.push(&after[..j]);
        rest = &after[j + end.len()..];
    }
    out
}

fn jsonld(html: &str) -> Vec<serde_json::Value> {
    between(html, "<script type=\"application/ld+json\">", "</script>")
        .into_iter()
        .map(|s| serde_json::from_str(s).expect("JSON-LD parses"))
        .collect()
}

#[test]
fn benefits_index_deep_links_sections_with_excerpts_and_a_treatment_table() {
    let t = SiteTest::from_fixture("benefits-faq");
    t.build();
    let main = t.main_of("benefits/index.html");
    // A heading tagged `benefit=acne-scars` is a deep link with an excerpt.
    assert!(main.contains("<a href=\"/skin/microneedling/scars/#softening\">Microneedling for scars: Softening acne scars</a><p>Collagen remodelling may raise shallow rolling scars"), "{main}");
    // The `.benefit #acne-scars` shorthand on another treatment's page.
    assert!(
        main.contains(
            "<a href=\"/skin/peels/peel/#acne-scars\">Chemical peels for scars: Acne scars</a>"
        ),
        "{main}"
    );
    // A page-level tag links the page with its description.
    assert!(main.contains("<a href=\"/skin/microneedling/scars/\">Microneedling for scars</a><p>What microneedling may do for acne scars.</p>"), "{main}");
    // The overview is a real table: column headers for treatments, row headers for benefits.
    assert!(
        main.contains("<th scope=\"col\">Microneedling</th><th scope=\"col\">Chemical peels</th>"),
        "{main}"
    );
    let rows = between(&main, "<tr><th scope=\"row\">", "</tr>");
    assert_eq!(rows.len(), 3, "{main}");
    let discussed = |row: &str| row.matches(">Discussed<").count();
    assert!(
        rows[0].contains("Acne scars") && discussed(rows[0]) == 2,
        "{}",
        rows[0]
    );
    assert!(
        rows[1].contains("Fine lines") && discussed(rows[1]) == 1,
        "{}",
        rows[1]
    );
    assert!(
        rows[2].contains("Enlarged pores") && discussed(rows[2]) == 0,
        "{}",
        rows[2]
    );
}

#[test]
fn benefits_index_previews_a_long_list_and_links_to_the_benefit_page() {
    let t = SiteTest::from_fixture("benefits-faq");
    for i in 1..=8 {
        t.change_file(
            &format!("content/microneedling/lines-{i}.md"),
            &format!(
                "---\ntitle: Lines note {i}\ndescription: Note {i} on fine lines.\nbenefits: [fine-lines]\n---\nText {i}.\n"
            ),
        );
    }
    t.build();
    let index = t.main_of("benefits/index.html");
    let section = between(
        &index,
        "<section class=\"benefit\" aria-labelledby=\"b-fine-lines\">",
        "</section>",
    );
    assert_eq!(section.len(), 1, "{index}");
    let shown = section[0].matches("<li>").count();
    assert_eq!(
        shown,
        careleaf::render::BENEFITS_INDEX_PREVIEW,
        "{}",
        section[0]
    );
    // 8 new pages, the scars page and the fixture's own fine-lines heading.
    let page = t.main_of("benefits/fine-lines/index.html");
    let all = page.matches("<li>").count();
    assert!(all > shown, "{page}");
    assert!(
        section[0].contains(&format!(
            "<a href=\"/skin/benefits/fine-lines/\">All {all} articles and sections on Fine lines</a>"
        )),
        "{}",
        section[0]
    );
    // A short list is shown whole, with no link to more.
    let acne = between(&index, "aria-labelledby=\"b-acne-scars\">", "</section>");
    assert!(!acne[0].contains("class=\"more\""), "{}", acne[0]);
}

#[test]
fn benefit_page_has_its_text_and_sections_grouped_by_treatment() {
    let t = SiteTest::from_fixture("benefits-faq");
    t.build();
    let main = t.main_of("benefits/acne-scars/index.html");
    assert!(
        main.contains("<strong>ice pick</strong>"),
        "body Markdown rendered: {main}"
    );
    let groups: Vec<String> = between(&main, "<h2", "</h2>")
        .into_iter()
        .map(|h| visible_text(&h[h.find('>').map_or(0, |i| i + 1)..]))
        .collect();
    assert_eq!(groups, ["Microneedling", "Chemical peels"], "{main}");
    assert!(main.contains("/skin/peels/peel/#acne-scars"));
}

#[test]
fn article_lists_its_benefits_and_related_articles_by_shared_benefit() {
    let t = SiteTest::from_fixture("benefits-faq");
    t.build();
    let main = t.main_of("microneedling/scars/index.html");
    // Both the page-level tag and the heading tag, linked to benefit pages.
    assert!(
        main.contains("<a href=\"/skin/benefits/fine-lines/\">Fine lines</a>"),
        "{main}"
    );
    assert!(
        main.contains("<a href=\"/skin/benefits/acne-scars/\">Acne scars</a>"),
        "{main}"
    );
    let related = main
        .split("id=\"related-heading\"")
        .nth(1)
        .expect("related articles");
    assert!(related.contains("/skin/peels/peel/"), "{related}");
    // Its own front matter question, with a stable anchor.
    assert!(
        main.contains("id=\"q-how-long-does-redness-last\""),
        "{main}"
    );
}

#[test]
fn faq_gathers_all_three_sources_grouped_by_treatment_and_topic() {
    let t = SiteTest::from_fixture("benefits-faq");
    t.build();
    let main = t.main_of("faq/index.html");
    let questions = between(&main, "<summary>", "</summary>");
    assert_eq!(
        questions,
        [
            "How long does redness last?",
            "Will it hurt?",
            "What does a session cost?"
        ],
        "front matter, tagged heading and standalone file; the duplicate shown once"
    );
    // Grouped by treatment (h2), then topic (h3).
    assert!(
        main.contains("<h2 id=\"t-microneedling\">Microneedling</h2>"),
        "{main}"
    );
    let topics = between(&main, "<h3>", "</h3>");
    assert_eq!(topics, ["Aftercare", "Comfort", "Cost"]);
    // Works without JavaScript: <details>/<summary>, each with an anchor.
    assert!(
        main.contains("<details class=\"faq-item\" id=\"q-will-it-hurt\">"),
        "{main}"
    );
    // Each answer links to where it came from: the tagged heading's anchor.
    assert!(
        main.contains(
            "<a href=\"/skin/microneedling/scars/#will-it-hurt\">Microneedling for scars</a>"
        ),
        "{main}"
    );
    // Answers are Markdown.
    assert!(
        main.contains("<p>For most people about <strong>two</strong> days.</p>"),
        "{main}"
    );
}

#[test]
fn duplicate_question_is_a_warning_naming_both_places() {
    let t = SiteTest::from_fixture("benefits-faq");
    let dups: Vec<String> = t
        .diagnostics()
        .into_iter()
        .filter(|d| d.contains("faq.duplicate"))
        .collect();
    assert_eq!(
        dups,
        [
            "content/peels/peel.md:10:1: warning[faq.duplicate]: this question is also asked at content/microneedling/scars.md:17:1\n   = help: the FAQ shows it once; merge the answers or reword one of the questions\n"
        ]
    );
}

/// Two different questions whose anchors would be the same ("Is it
/// safe?" and "Is it-safe?") keep both, numbered in order on the FAQ page.
#[test]
fn questions_sharing_an_anchor_are_numbered_on_the_faq_page() {
    let t = SiteTest::from_fixture("benefits-faq");
    for (file, question) in [("safe.md", "Is it safe?"), ("safe-2.md", "Is it-safe?")] {
        t.change_file(
            &format!("content/faq/{file}"),
            &format!(
                "---\nquestion: {question}\ntopic: safety\ntreatment: microneedling\n---\nAsk your clinician.\n"
            ),
        );
    }
    t.build();
    let faq = t.read("faq/index.html");
    let ids: Vec<&str> = between(&faq, "id=\"q-is-it-safe", "\"");
    assert_eq!(ids, ["", "-1"], "both questions, the second numbered");
}

#[test]
fn faq_jsonld_matches_the_visible_questions_and_answers() {
    let t = SiteTest::from_fixture("benefits-faq");
    t.build();
    let html = t.read("faq/index.html");
    let blocks = jsonld(&html);
    let graph = blocks[0]["@graph"].as_array().expect("@graph");
    let faq = graph
        .iter()
        .find(|n| n["@type"] == "FAQPage")
        .expect("FAQPage");
    let entities = faq["mainEntity"].as_array().expect("mainEntity");
    let main = t.main_of("faq/index.html");
    let visible: Vec<(String, String)> = between(&main, "<details", "</details>")
        .into_iter()
        .map(|d| {
            let q = visible_text(between(d, "<summary>", "</summary>")[0]);
            let answer = d.split("<div class=\"answer\">").nth(1).expect("answer");
            // The "From: article" line is navigation, not part of the answer.
            let answer = answer.split("<p class=\"from\">").next().expect("answer");
            (q, visible_text(answer))
        })
        .collect();
    assert_eq!(entities.len(), visible.len());
    for (e, (q, a)) in entities.iter().zip(&visible) {
        assert_eq!(e["@type"], "Question");
        assert_eq!(e["name"].as_str(), Some(q.as_str()));
        assert_eq!(e["acceptedAnswer"]["@type"], "Answer");
        assert_eq!(
            e["acceptedAnswer"]["text"].as_str(),
            Some(a.as_str()),
            "answer to {q}"
        );
    }
}

#[test]
fn example_site_benefits_index_and_faq_are_rich_and_built_from_tags() {
    let t = SiteTest::example_site();
    t.build();
    let loaded = careleaf::load(&t.config(), crate::harness::today()).expect("load");
    let site = &loaded.site;
    assert!(site.data.benefits.len() >= 8);
    for (slug, refs) in &site.benefits {
        let sections = refs.iter().filter(|r| r.heading.is_some()).count();
        let pages: std::collections::BTreeSet<usize> = refs.iter().map(|r| r.page).collect();
        assert!(
            sections >= 2 && pages.len() >= 2,
            "benefit {slug}: {sections} sections on {} pages",
            pages.len()
        );
    }
    let from_headings = site
        .faq
        .iter()
        .filter(|q| q.source.as_ref().is_some_and(|(_, a)| !a.starts_with("q-")))
        .count();
    let from_front_matter = site
        .faq
        .iter()
        .filter(|q| q.source.as_ref().is_some_and(|(_, a)| a.starts_with("q-")))
        .count();
    let standalone = site.faq.iter().filter(|q| q.source.is_none()).count();
    assert!(
        from_headings >= 5 && from_front_matter >= 5 && standalone >= 3,
        "{from_headings} {from_front_matter} {standalone}"
    );
    let main = t.main_of("faq/index.html");
    assert_eq!(
        between(&main, "<summary>", "</summary>").len(),
        site.faq.len()
    );
}

/// The `<li>` entries of benefit list pages, in order: each entry's link.
fn entry_links(main: &str) -> Vec<String> {
    between(main, "<li><a href=\"", "\"")
        .into_iter()
        .map(str::to_string)
        .collect()
}

/// See: issue 5. A benefit discussed in more sections than `paginate_by`
/// is split into list pages like a tag: `page/2/`, ... with previous and
/// next links and its own canonical URL, every entry once and in the
/// order of the unpaginated list, and groups of a treatment that go on
/// over a page break headed again ("continued"), with ids unique on each
/// page that the sections' `aria-labelledby` name.
#[test]
fn benefit_pages_are_paginated_like_tags() {
    let t = SiteTest::from_fixture("benefits-faq");
    for i in 1..=5 {
        t.change_file(
            &format!("content/microneedling/lines-{i}.md"),
            &format!(
                "---\ntitle: Lines note {i}\ndescription: Note {i} on fine lines.\ndate: 2026-01-0{i}\nbenefits: [fine-lines]\n---\nText {i}.\n"
            ),
        );
    }
    for i in 1..=4 {
        t.change_file(
            &format!("content/peels/lines-{i}.md"),
            &format!(
                "---\ntitle: Peel lines {i}\ndate: 2026-01-0{i}\n---\nIntro.\n\n## Fine lines {{#fine benefit=fine-lines}}\n\nPeel text {i}.\n"
            ),
        );
    }
    let site_yaml = std::fs::read_to_string(t.root().join("site.yaml")).expect("site.yaml");
    // Unpaginated first: the order every list page must keep.
    t.change_file("site.yaml", &format!("{site_yaml}paginate_by: 100\n"));
    t.build();
    let all = entry_links(&t.main_of("benefits/fine-lines/index.html"));
    assert_eq!(all.len(), 10, "{all:#?}");
    assert!(!t.out().join("benefits/fine-lines/page").exists());

    t.change_file("site.yaml", &format!("{site_yaml}paginate_by: 4\n"));
    t.build();
    let base = "/skin/benefits/fine-lines/";
    let url = |n: usize| {
        if n == 1 {
            base.to_string()
        } else {
            format!("{base}page/{n}/")
        }
    };
    let file = |n: usize| format!("{}index.html", &url(n)["/skin/".len()..]);
    let mut seen = Vec::new();
    let mut headings = Vec::new();
    for n in 1..=3 {
        let main = t.main_of(&file(n));
        let entries = entry_links(&main);
        assert_eq!(entries.len(), if n < 3 { 4 } else { 2 }, "page {n}: {main}");
        seen.extend(entries);
        assert!(
            main.contains(&format!("page {n} of 3")),
            "page {n} says which page it is: {main}"
        );
        let prev = format!("<a href=\"{}\" rel=\"prev\">", url(n.max(2) - 1));
        let next = format!("<a href=\"{}\" rel=\"next\">", url(n + 1));
        assert_eq!(main.contains(&prev), n > 1, "page {n}: {main}");
        assert_eq!(main.contains(&next), n < 3, "page {n}: {main}");
        assert_eq!(main.matches("rel=\"prev\"").count(), usize::from(n > 1));
        assert_eq!(main.matches("rel=\"next\"").count(), usize::from(n < 3));
        // The benefit's text and treatments on the first page only.
        assert_eq!(
            main.contains("class=\"treatments\""),
            n == 1,
            "page {n}: {main}"
        );
        // Every section is labelled by a heading on the same page, and ids
        // are unique on the page.
        let labels = between(&main, "<section aria-labelledby=\"", "\"");
        let ids = between(&main, " id=\"", "\"");
        for l in &labels {
            assert_eq!(ids.iter().filter(|i| *i == l).count(), 1, "{l}: {main}");
        }
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), ids.len(), "page {n}: {main}");
        headings.push(
            between(&main, "<h2", "</h2>")
                .into_iter()
                .map(|h| visible_text(&h[h.find('>').map_or(0, |i| i + 1)..]))
                .collect::<Vec<_>>(),
        );
        let html = t.read(&file(n));
        assert!(
            html.contains(&format!(
                "<link rel=\"canonical\" href=\"https://clinic.example{}\">",
                url(n)
            )),
            "page {n} is its own canonical URL"
        );
    }
    assert_eq!(seen, all, "every entry once, in the unpaginated order");
    assert_eq!(
        headings,
        [
            vec!["Microneedling"],
            vec!["Microneedling (continued)", "Chemical peels"],
            vec!["Chemical peels (continued)"],
        ],
        "a group that goes on over a page break is headed again"
    );
    assert!(!t.out().join("benefits/fine-lines/page/4").exists());
    // The benefits index previews the first entries and links to page 1.
    let index = t.main_of("benefits/index.html");
    assert!(
        index.contains(&format!(
            "<a href=\"{base}\">All 10 articles and sections on Fine lines</a>"
        )),
        "{index}"
    );
    // Back to one page: the list pages go.
    t.change_file("site.yaml", &format!("{site_yaml}paginate_by: 100\n"));
    t.build();
    assert!(!t.out().join("benefits/fine-lines/page").exists());
}

#[test]
fn the_indexes_worked_out_again_are_the_builds() {
    // `model::index_site`, which the stage benchmark of the benefits, tags
    // and FAQ indexes times (issue 8), gives what a build gives.
    let t = SiteTest::example_site();
    let loaded = careleaf::load(&t.config(), crate::harness::today()).expect("load");
    let built = &loaded.site;
    assert!(built.benefits.values().any(|refs| !refs.is_empty()));
    assert!(!built.tags.is_empty());
    assert!(!built.faq.is_empty());
    let mut site = built.clone();
    site.benefits.clear();
    site.tags.clear();
    site.faq.clear();
    let diags = careleaf::model::index_site(&mut site);
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(site.benefits, built.benefits);
    assert_eq!(site.tags, built.tags);
    assert_eq!(format!("{:?}", site.faq), format!("{:?}", built.faq));
}
