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
