//! Content rules for health content: trust (authors, reviewers, sources,
//! review dates), claims, spam, links and media, structure and privacy.
//!
//! Owns the rule list, each rule's stable code and default severity, and the
//! `site.yaml` severity overrides. Pure: takes the built `Site` and returns
//! diagnostics. Broken links and unknown ids are found by `model`.

use crate::config::{Config, Level};
use crate::diag::{Diagnostic, Location, Severity};
use crate::frontmatter::Date;
use crate::model::{Page, PageKind, Site};

/// Every rule: code, default severity, one-line description.
pub const RULES: &[(&str, Severity, &str)] = &[
    (
        "trust.no-reviewer",
        Severity::Error,
        "an article about a treatment has no medical reviewer (`reviewed_by`)",
    ),
    (
        "trust.no-review-date",
        Severity::Error,
        "an article about a treatment has no `last_reviewed` date",
    ),
    (
        "trust.no-sources",
        Severity::Error,
        "an article about a treatment cites no `sources`",
    ),
    (
        "trust.review-in-future",
        Severity::Error,
        "`last_reviewed` is in the future",
    ),
    (
        "trust.review-due",
        Severity::Warning,
        "the medical review is older than the review interval",
    ),
    (
        "trust.review-overdue",
        Severity::Error,
        "the medical review is older than twice the review interval",
    ),
    ("trust.no-author", Severity::Warning, "a page has no author"),
    (
        "claims.absolute",
        Severity::Warning,
        "absolute or unsubstantiated wording in a health claim",
    ),
    (
        "structure.no-description",
        Severity::Warning,
        "a page has no description",
    ),
    (
        "structure.multiple-h1",
        Severity::Warning,
        "the body has an `h1`; the title is the page's only `h1`",
    ),
    (
        "structure.skipped-heading",
        Severity::Warning,
        "a heading level is skipped",
    ),
    (
        "structure.duplicate-title",
        Severity::Warning,
        "two pages have the same title",
    ),
    (
        "media.no-alt",
        Severity::Error,
        "an image has no alt text and is not marked decorative",
    ),
    (
        "links.empty-text",
        Severity::Warning,
        "a link has no text or says only \"click here\"",
    ),
];

/// Built-in absolute-claim phrases (lowercase). Sites add their own and
/// allow exceptions in `site.yaml` (`check.claims`).
pub const CLAIM_PHRASES: &[&str] = &[
    "guaranteed",
    "guarantee",
    "100%",
    "permanent",
    "permanently",
    "cure",
    "cures",
    "cured",
    "no risk",
    "risk-free",
    "risk free",
    "no side effects",
    "no side-effects",
    "safe for all skin types",
    "safe for everyone",
    "suitable for everyone",
    "painless",
    "pain-free",
    "miracle",
    "instant results",
    "no downtime",
    "completely safe",
    "totally safe",
    "without the risk",
];

/// Runs every rule. `today` is passed in so tests are deterministic.
pub fn run(site: &Site, config: &Config, today: Date) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut titles: std::collections::HashMap<&str, &Page> = std::collections::HashMap::new();
    for p in &site.pages {
        trust(p, config, today, &mut out);
        claims(p, config, &mut out);
        structure(p, &mut out);
        media_and_links(p, &mut out);
        if p.kind == PageKind::Page {
            if let Some(first) = titles.get(p.title()) {
                out.push(Diagnostic::warning(Location::new(&p.rel, 1, 1), "structure.duplicate-title", format!("`{}` has the same title", first.rel)).with_help("give each page a distinct title so patients and search engines can tell them apart"));
            } else {
                titles.insert(p.title(), p);
            }
        }
    }
    apply_levels(out, config)
}

fn apply_levels(diags: Vec<Diagnostic>, config: &Config) -> Vec<Diagnostic> {
    diags
        .into_iter()
        .filter_map(|mut d| match config.site.check.severity.get(d.code) {
            Some(Level::Off) => None,
            Some(Level::Error) => {
                d.severity = Severity::Error;
                Some(d)
            }
            Some(Level::Warning) => {
                d.severity = Severity::Warning;
                Some(d)
            }
            None => Some(d),
        })
        .collect()
}

fn fm_line(p: &Page, key: &str) -> Location {
    let line = p
        .text
        .lines()
        .take_while(|l| !l.starts_with("---") || l.len() > 3)
        .count();
    let _ = line;
    for (i, l) in p.text.lines().enumerate().skip(1) {
        if l.trim_end() == "---" {
            return Location::new(&p.rel, i + 1, 1);
        }
        if l.starts_with(&format!("{key}:")) {
            return Location::new(&p.rel, i + 1, 1);
        }
    }
    Location::new(&p.rel, 1, 1)
}

fn trust(p: &Page, config: &Config, today: Date, out: &mut Vec<Diagnostic>) {
    if p.kind == PageKind::Page && p.fm.authors.is_empty() && p.fm.question.is_none() {
        out.push(
            Diagnostic::warning(
                fm_line(p, "authors"),
                "trust.no-author",
                "this page has no author",
            )
            .with_help("add `authors: [id]` with an id from content/people.yaml"),
        );
    }
    if !p.is_article() {
        return;
    }
    if p.fm.reviewed_by.is_none() {
        out.push(
            Diagnostic::error(
                fm_line(p, "reviewed_by"),
                "trust.no-reviewer",
                "this article about a treatment has no medical reviewer",
            )
            .with_help("add `reviewed_by: id` naming a reviewer from content/people.yaml"),
        );
    }
    match &p.fm.last_reviewed {
        None => out.push(
            Diagnostic::error(
                fm_line(p, "last_reviewed"),
                "trust.no-review-date",
                "this article about a treatment has no review date",
            )
            .with_help("add `last_reviewed: YYYY-MM-DD` with the date of the medical review"),
        ),
        Some(r) => {
            let loc = p.yaml_location(r);
            let interval = i32::try_from(config.site.review_interval_months).unwrap_or(12);
            if r.value > today {
                out.push(
                    Diagnostic::error(
                        loc,
                        "trust.review-in-future",
                        format!("the review date {} is in the future", r.value.iso()),
                    )
                    .with_help("use the date the review actually happened")
                    .with_source(&p.text, 10),
                );
            } else if r.value.add_months(interval * 2) < today {
                out.push(
                    Diagnostic::error(
                        loc,
                        "trust.review-overdue",
                        format!(
                            "the medical review of {} is more than {} months old",
                            r.value.iso(),
                            interval * 2
                        ),
                    )
                    .with_help("have the article reviewed again and update `last_reviewed`")
                    .with_source(&p.text, 10),
                );
            } else if r.value.add_months(interval) < today {
                out.push(
                    Diagnostic::warning(
                        loc,
                        "trust.review-due",
                        format!(
                            "the medical review of {} is more than {interval} months old",
                            r.value.iso()
                        ),
                    )
                    .with_help("have the article reviewed again and update `last_reviewed`")
                    .with_source(&p.text, 10),
                );
            }
        }
    }
    if p.fm.sources.is_empty() {
        out.push(
            Diagnostic::error(
                fm_line(p, "sources"),
                "trust.no-sources",
                "this article about a treatment cites no sources",
            )
            .with_help(
                "add a `sources:` list with the studies or guidelines the article relies on",
            ),
        );
    }
}

fn claims(p: &Page, config: &Config, out: &mut Vec<Diagnostic>) {
    let mut phrases: Vec<String> = CLAIM_PHRASES.iter().map(|s| s.to_string()).collect();
    phrases.extend(
        config
            .site
            .check
            .claims
            .phrases
            .iter()
            .map(|s| s.to_lowercase()),
    );
    let allow: Vec<String> = config
        .site
        .check
        .claims
        .allow
        .iter()
        .map(|s| s.to_lowercase())
        .collect();
    let text = &p.text;
    let lower = text.to_lowercase();
    if lower.len() != text.len() {
        // Lowercasing changed byte lengths (rare scripts): scan line by line on the original.
    }
    for (ln, line) in text.lines().enumerate() {
        let l = line.to_lowercase();
        if l.len() != line.len() {
            continue;
        }
        for ph in &phrases {
            let mut start = 0;
            while let Some(i) = l[start..].find(ph.as_str()) {
                let at = start + i;
                start = at + ph.len();
                let before_ok = at == 0 || !l.as_bytes()[at - 1].is_ascii_alphanumeric();
                let after_ok = start >= l.len() || !l.as_bytes()[start].is_ascii_alphanumeric();
                if !(before_ok && after_ok) {
                    continue;
                }
                if allow.iter().any(|a| {
                    l.match_indices(a.as_str())
                        .any(|(ai, _)| ai <= at && ai + a.len() >= start)
                }) {
                    continue;
                }
                let col = line[..at].chars().count() + 1;
                out.push(
                    Diagnostic::warning(Location::new(&p.rel, ln + 1, col), "claims.absolute", format!("absolute claim: \"{}\"", &line[at..start]))
                        .with_help("health outcomes vary: say what the evidence shows (\"may\", \"for many people\"), or add the phrase to `check.claims.allow` in site.yaml if it is not a claim")
                        .with_source(text, line[at..start].chars().count()),
                );
            }
        }
    }
}

fn structure(p: &Page, out: &mut Vec<Diagnostic>) {
    if p.kind != PageKind::Home
        && p.fm
            .description
            .as_deref()
            .is_none_or(|d| d.trim().is_empty())
    {
        out.push(Diagnostic::warning(fm_line(p, "description"), "structure.no-description", "this page has no description").with_help("add `description:` with one or two sentences; search results and social cards show it"));
    }
    let mut prev = 1u8;
    for h in &p.rendered.headings {
        let loc = p.body_location(h.offset);
        if h.level == 1 {
            out.push(
                Diagnostic::warning(
                    loc.clone(),
                    "structure.multiple-h1",
                    "a level-1 heading in the body: the title is already the page's `h1`",
                )
                .with_help("use `##` for the article's main sections")
                .with_source(&p.text, 1),
            );
        } else if h.level > prev + 1 {
            out.push(
                Diagnostic::warning(
                    loc.clone(),
                    "structure.skipped-heading",
                    format!("heading level {} follows level {prev}", h.level),
                )
                .with_help(format!(
                    "use {} for this heading",
                    "#".repeat(usize::from(prev) + 1)
                ))
                .with_source(&p.text, usize::from(h.level)),
            );
        }
        prev = h.level;
    }
}

fn media_and_links(p: &Page, out: &mut Vec<Diagnostic>) {
    for l in &p.rendered.links {
        let loc = p.body_location(l.offset);
        if l.image && l.text.trim().is_empty() && !l.decorative {
            out.push(Diagnostic::error(loc, "media.no-alt", "this image has no alt text").with_help("describe the image in the brackets: ![what it shows](file.png), or mark it decorative: ![](file.png \"decorative\")").with_source(&p.text, l.len));
        } else if !l.image {
            let t = l.text.trim().to_lowercase();
            if t.is_empty() || t == "click here" || t == "here" || t == "read more" {
                out.push(Diagnostic::warning(loc, "links.empty-text", format!("link text \"{}\" does not say where it goes", l.text.trim())).with_help("use words that describe the target, e.g. [aftercare instructions](aftercare.md)").with_source(&p.text, l.len));
            }
        }
    }
}
