//! Content rules for health content: trust (authors, reviewers, sources,
//! review dates), claims, spam, links and media, structure and privacy.
//!
//! Owns the rule list (`RULES`: each rule's stable code, default severity and
//! summary, including the rules `model` reports), the phrase lists, and the
//! `site.yaml` severity overrides (`apply_levels`). Pure: takes the built
//! `Site` (and, for privacy, the texts of theme and static files) and returns
//! diagnostics. It never reads files and never renders.
//!
//! Prose rules (claims, spam) look only at what a reader sees: Markdown text,
//! link text and alt text, and the front matter `title`, `description` and
//! questions and answers. Code, URLs, raw HTML and front matter keys are not
//! prose. See: issue 7.

use std::collections::{BTreeSet, HashMap};

use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use rayon::prelude::*;

use crate::config::{Config, Level};
use crate::diag::{Diagnostic, Location, Severity, did_you_mean};
use crate::frontmatter::Date;
use crate::model::{Page, PageKind, Site};
use crate::source::LineIndex;

/// One rule: stable code, default severity and what it finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Stable code, used in output and in `site.yaml` `check.severity`.
    pub code: &'static str,
    /// Severity unless `site.yaml` changes it.
    pub severity: Severity,
    /// What the rule finds, in one line.
    pub summary: &'static str,
}

const fn rule(code: &'static str, severity: Severity, summary: &'static str) -> Rule {
    Rule {
        code,
        severity,
        summary,
    }
}

/// Every rule `site.yaml` can configure, in the order `--list-rules` prints
/// them. Rules marked "(model)" are reported while the site is resolved.
pub const RULES: &[Rule] = &[
    rule(
        "trust.no-reviewer",
        Severity::Error,
        "an article about a treatment has no medical reviewer (`reviewed_by`)",
    ),
    rule(
        "trust.no-review-date",
        Severity::Error,
        "an article about a treatment has no `last_reviewed` date",
    ),
    rule(
        "trust.no-sources",
        Severity::Error,
        "an article about a treatment cites no `sources`",
    ),
    rule(
        "trust.review-in-future",
        Severity::Error,
        "`last_reviewed` is in the future",
    ),
    rule(
        "trust.review-due",
        Severity::Warning,
        "the medical review is older than `review_interval_months`",
    ),
    rule(
        "trust.review-overdue",
        Severity::Error,
        "the medical review is older than twice `review_interval_months`",
    ),
    rule("trust.no-author", Severity::Warning, "a page has no author"),
    rule(
        "people.unknown",
        Severity::Error,
        "an author or reviewer id is not in people.yaml (model)",
    ),
    rule(
        "treatment.unknown",
        Severity::Error,
        "a treatment id is not in treatments.yaml (model)",
    ),
    rule(
        "benefit.unknown",
        Severity::Error,
        "a benefit slug is not in benefits.yaml (model)",
    ),
    rule(
        "claims.absolute",
        Severity::Warning,
        "absolute wording in a health claim (\"guaranteed\", \"painless\", \"no side effects\")",
    ),
    rule(
        "claims.doubtful",
        Severity::Warning,
        "a medically doubtful statement (\"detox\", \"kills bacteria\")",
    ),
    rule(
        "spam.keyword-stuffing",
        Severity::Warning,
        "a `check.spam_keywords` keyword pasted into a sentence, or repeated too often",
    ),
    rule(
        "spam.repeated-phrase",
        Severity::Warning,
        "a phrase of 2-4 words repeated unusually often on one page",
    ),
    rule(
        "links.broken",
        Severity::Error,
        "a link to a page or file that does not exist (model)",
    ),
    rule(
        "links.missing-anchor",
        Severity::Error,
        "a link to a heading that does not exist (model)",
    ),
    rule(
        "links.empty-text",
        Severity::Warning,
        "a link has no text or says only \"click here\"",
    ),
    rule(
        "media.missing",
        Severity::Error,
        "an image that does not exist (model)",
    ),
    rule(
        "media.no-alt",
        Severity::Error,
        "an image has no alt text and is not marked decorative",
    ),
    rule(
        "structure.no-description",
        Severity::Warning,
        "a page has no description",
    ),
    rule(
        "structure.multiple-h1",
        Severity::Warning,
        "the body has an `h1`; the title is the page's only `h1`",
    ),
    rule(
        "structure.skipped-heading",
        Severity::Warning,
        "a heading level is skipped",
    ),
    rule(
        "structure.duplicate-title",
        Severity::Warning,
        "two pages have the same title",
    ),
    rule(
        "content.duplicate-url",
        Severity::Error,
        "two pages have the same slug and so the same URL (model)",
    ),
    rule(
        "structure.draft-past-date",
        Severity::Warning,
        "a draft whose `date` has passed: publish it or update the date",
    ),
    rule(
        "privacy.external-resource",
        Severity::Error,
        "content, a template or a static file makes the browser contact another origin",
    ),
    rule(
        "links.draft",
        Severity::Error,
        "a link to a page that is a draft, so it is not published (model)",
    ),
    rule(
        "faq.duplicate",
        Severity::Warning,
        "the same question is asked twice; the FAQ shows it once (model)",
    ),
    rule(
        "content.static-replaces-page",
        Severity::Warning,
        "a static/ file has the address of a page and replaces it (model)",
    ),
    rule(
        "publish.underscore-name",
        Severity::Warning,
        "a published path starts with `_`, which Jekyll hides on branch deployments",
    ),
];

/// The rule with this code.
pub fn rule_of(code: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.code == code)
}

/// `--list-rules`: one line per rule, `code  severity  summary`.
pub fn list_rules(config: Option<&Config>) -> String {
    let width = RULES.iter().map(|r| r.code.len()).max().unwrap_or(0);
    let mut out = String::new();
    for r in RULES {
        let level = match config.and_then(|c| c.site.check.severity.get(r.code)) {
            Some(Level::Error) => "error",
            Some(Level::Warning) => "warning",
            Some(Level::Off) => "off",
            None => match r.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            },
        };
        out.push_str(&format!(
            "{:width$}  {level:7}  {}\n",
            r.code,
            r.summary,
            width = width
        ));
    }
    out
}

/// Built-in absolute-claim phrases (lowercase). Sites add their own in
/// `site.yaml` `check.claims.phrases` and allow exceptions in
/// `check.claims.allow`.
pub const CLAIM_PHRASES: &[&str] = &[
    "guaranteed",
    "guarantee",
    "guarantees",
    "100%",
    "permanent",
    "permanently",
    "cure",
    "cures",
    "cured",
    "cure-all",
    "no risk",
    "no risks",
    "risk-free",
    "risk free",
    "zero risk",
    "no side effects",
    "no side-effects",
    "safe for all skin types",
    "suitable for all skin types",
    "safe for all skin tones",
    "safe for everyone",
    "suitable for everyone",
    "works for everyone",
    "painless",
    "pain-free",
    "miracle",
    "instant results",
    "no downtime",
    "completely safe",
    "totally safe",
    "100% safe",
    "without the risk",
    "without any risk",
];

/// Built-in medically doubtful phrases (lowercase). Sites add their own in
/// `check.claims.doubtful`.
pub const DOUBTFUL_PHRASES: &[&str] = &[
    "kill bacteria",
    "kills bacteria",
    "killing bacteria",
    "kill off bacteria",
    "kills off bacteria",
    "detox",
    "detoxes",
    "detoxify",
    "detoxifies",
    "detoxifying",
    "detoxification",
    "toxins",
    "flush out toxins",
    "boost your immune system",
    "boosts your immune system",
    "boost the immune system",
    "boosts the immune system",
    "reverse ageing",
    "reverses ageing",
    "reverse aging",
    "reverses aging",
    "turn back the clock",
    "clinically proven",
    "scientifically proven",
    "oxygenate the skin",
    "oxygenates the skin",
];

/// Words that, shortly before a phrase, make it a denial rather than a claim
/// ("results are not guaranteed", "there is no cure").
const NEGATIONS: &[&str] = &[
    "not", "no", "never", "cannot", "can't", "cant", "isn't", "aren't", "won't", "don't",
    "doesn't", "nothing", "nobody", "neither", "nor", "without", "rarely",
];

/// Words after which a place name reads as part of the sentence ("our clinic
/// in London", "patients from Kent").
const PLACE_CONTEXT: &[&str] = &[
    "in",
    "near",
    "at",
    "from",
    "around",
    "across",
    "of",
    "to",
    "serving",
    "throughout",
    "outside",
    "central",
    "north",
    "south",
    "east",
    "west",
    "greater",
    "and",
    "or",
    "the",
    "within",
    "into",
    "visit",
    "visiting",
];

/// Words that carry no topic; a repeated phrase must not start or end with one.
const STOPWORDS: &[&str] = &[
    "a", "about", "after", "all", "also", "an", "and", "any", "are", "as", "at", "be", "been",
    "before", "but", "by", "can", "could", "do", "does", "during", "each", "few", "for", "from",
    "has", "have", "how", "i", "if", "in", "into", "is", "it", "it's", "its", "may", "me", "more",
    "most", "much", "my", "no", "not", "of", "on", "one", "or", "other", "our", "out", "over",
    "so", "some", "such", "than", "that", "the", "their", "them", "then", "there", "these", "they",
    "this", "those", "to", "up", "us", "very", "was", "we", "were", "what", "when", "which", "who",
    "why", "will", "with", "would", "you", "your",
];

/// One hash lookup per word of every page (the spam rule's inner loop).
fn is_stopword(w: &str) -> bool {
    static SET: std::sync::LazyLock<rustc_hash::FxHashSet<&'static str>> =
        std::sync::LazyLock::new(|| STOPWORDS.iter().copied().collect());
    SET.contains(w)
}

/// A spam keyword may appear this many times on a page; more is stuffing
/// ("microneedling in London. Peels in London. ..."). A contact page names
/// its town in the address, the directions and the parking notes.
const KEYWORD_MAX: usize = 5;
/// A phrase must appear at least this often to be "repeated unusually often"...
const PHRASE_MIN_COUNT: usize = 5;
/// ...and its words must make up at least this share (per mille) of the
/// page's words: 4% for two-word phrases, 3% for longer ones. Careful writing
/// about one topic stays under 3% ("stretch marks" on the stretch marks page
/// of the example site is 2.5%); a pasted "chemical peel birmingham" five
/// times in 400 words is 3.75%.
fn phrase_min_per_mille(words: usize) -> usize {
    if words == 2 { 40 } else { 30 }
}

/// Runs every content rule. `today` is passed in so tests are
/// deterministic. Severity overrides are applied (`apply_levels`).
pub fn run(site: &Site, config: &Config, today: Date) -> Vec<Diagnostic> {
    run_cached(site, config, today, &mut PageChecks::default())
}

/// The per-page findings of the last `run_cached`, reused for pages whose
/// inputs are the same objects (`serve`, issue 5): the rendered Markdown is
/// shared with `model::ParseCache`, which reuses it only for an unchanged
/// text and unchanged link targets, so an unchanged `Arc` means the same
/// text, front matter and links.
#[derive(Debug, Default)]
pub struct PageChecks {
    settings: String,
    pages: HashMap<String, PageCheck>,
    /// Per article, its `structure.duplicate-title` warning (before
    /// severity overrides), when the last run had one: reused while its
    /// text and the earlier article it quotes are the same (thousands of
    /// them on a large generated site, each found by scanning the front
    /// matter; serve's general path, issue 5).
    titles: HashMap<String, DuplicateTitle>,
    /// Keep nothing: a one-off build or check would only hold a second copy
    /// of every finding until it ends (tens of MB on a large site).
    one_shot: bool,
}

impl PageChecks {
    /// A cache that stores nothing, for a single build or check.
    pub fn one_shot() -> PageChecks {
        PageChecks {
            one_shot: true,
            ..PageChecks::default()
        }
    }
}

#[derive(Debug)]
struct DuplicateTitle {
    text: std::sync::Arc<str>,
    /// The source path of the earlier article with its title.
    first: String,
    diagnostic: Diagnostic,
}

#[derive(Debug)]
struct PageCheck {
    rendered: std::sync::Arc<crate::markdown::Rendered>,
    kind: PageKind,
    treatment: Option<String>,
    /// The page's findings as `run_cached` reports them (`reported`):
    /// shared, so reusing them copies each once, into the result, and a
    /// rule a site turned off costs nothing after the first run.
    diagnostics: std::sync::Arc<[Diagnostic]>,
}

/// The per-page rules' findings on `p`. The prose rules' findings come
/// from where its body was rendered, when they were worked out there.
fn page_findings(p: &Page, config: &Config, today: Date, rules: &ProseRules) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    trust(p, config, today, &mut out);
    let computed;
    let prose = match &p.rendered.prose {
        Some(found) => found,
        None => {
            let prose = Prose::of_text(&p.text, p.body_offset);
            computed = rules.findings_of(&p.rel, &p.text, &p.lines, &prose);
            &computed
        }
    };
    out.extend_from_slice(&prose.claims_spam);
    structure(p, today, &mut out);
    media_and_links(p, &mut out);
    out.extend_from_slice(&prose.privacy);
    out
}

/// Findings as `run_cached` reports them: severity overrides applied
/// (`apply_levels`, so an "off" rule's findings are not kept) and sorted by
/// place the way `load` sorts every diagnostic (stable: equal places keep
/// their order), so the sort of a large site's list finds them in order.
fn reported(diags: Vec<Diagnostic>, config: &Config) -> Vec<Diagnostic> {
    let mut diags = apply_levels(diags, config);
    diags.sort_by(|a, b| a.location.cmp(&b.location).then_with(|| a.code.cmp(b.code)));
    diags
}

impl PageChecks {
    /// Whether the findings recorded here were made for `config` and
    /// `today` (then `add` can record a new page's).
    pub fn made_for(&self, config: &Config, today: Date) -> bool {
        !self.one_shot && self.settings == format!("{today:?}{:?}{:?}", config.site, config.drafts)
    }

    /// Runs the per-page rules on the new page `p` and records the result
    /// (`serve`, after `model::add_page`; check `made_for` first). Returns
    /// its findings.
    pub fn add(&mut self, p: &Page, config: &Config, today: Date) -> Vec<Diagnostic> {
        let new = reported(
            page_findings(p, config, today, &ProseRules::new(config)),
            config,
        );
        self.pages.insert(
            p.rel.clone(),
            PageCheck {
                rendered: p.rendered.clone(),
                kind: p.kind,
                treatment: p.treatment.clone(),
                diagnostics: new.clone().into(),
            },
        );
        new
    }

    /// Re-runs the per-page rules on `p` alone (`serve`, after
    /// `model::patch_page` changed only that page; the whole-site rules read
    /// nothing it can change) and records the result. Returns the page's
    /// findings before and after, or `None` when the cache holds no
    /// findings for it under the same settings (then use `run_cached`).
    pub fn refresh(
        &mut self,
        p: &Page,
        config: &Config,
        today: Date,
    ) -> Option<(Vec<Diagnostic>, Vec<Diagnostic>)> {
        let settings = format!("{today:?}{:?}{:?}", config.site, config.drafts);
        if self.settings != settings {
            return None;
        }
        let entry = self.pages.get_mut(&p.rel)?;
        let new = reported(
            page_findings(p, config, today, &ProseRules::new(config)),
            config,
        );
        entry.rendered = p.rendered.clone();
        entry.kind = p.kind;
        entry.treatment = p.treatment.clone();
        let old = std::mem::replace(&mut entry.diagnostics, new.clone().into());
        Some((old.to_vec(), new))
    }
}

/// `run`, reusing the per-page findings in `cache` where a page's inputs did
/// not change (the whole-site rules always run). Severity overrides are
/// applied (`apply_levels`; applying them again changes nothing).
pub fn run_cached(
    site: &Site,
    config: &Config,
    today: Date,
    cache: &mut PageChecks,
) -> Vec<Diagnostic> {
    let settings = format!("{today:?}{:?}{:?}", config.site, config.drafts);
    if cache.settings != settings {
        *cache = PageChecks {
            settings,
            one_shot: cache.one_shot,
            ..PageChecks::default()
        };
    }
    /// A page's findings: the cached ones, or found now.
    enum Found {
        Cached(std::sync::Arc<[Diagnostic]>),
        New(Vec<Diagnostic>),
    }
    let mut out = Vec::new();
    let rules = ProseRules::new(config);
    let mut titles: HashMap<&str, &Page> = HashMap::new();
    let old = &cache.pages;
    // The per-page rules are independent: run them on every core (they were
    // most of a large site's build), keeping the page order.
    let per_page: Vec<Found> = site
        .pages
        .par_iter()
        .map(|p| {
            if let Some(c) = old.get(&p.rel)
                && std::sync::Arc::ptr_eq(&c.rendered, &p.rendered)
                && c.kind == p.kind
                && c.treatment == p.treatment
            {
                return Found::Cached(c.diagnostics.clone());
            }
            Found::New(reported(page_findings(p, config, today, &rules), config))
        })
        .collect();
    if !cache.one_shot {
        // Entries of unchanged pages stay as they are; those of pages that
        // are gone are dropped.
        for (p, found) in site.pages.iter().zip(&per_page) {
            if let Found::New(diags) = found {
                cache.pages.insert(
                    p.rel.clone(),
                    PageCheck {
                        rendered: p.rendered.clone(),
                        kind: p.kind,
                        treatment: p.treatment.clone(),
                        diagnostics: diags.clone().into(),
                    },
                );
            }
        }
        if cache.pages.len() != site.pages.len() {
            let live: std::collections::HashSet<&str> =
                site.pages.iter().map(|p| p.rel.as_str()).collect();
            cache.pages.retain(|rel, _| live.contains(rel.as_str()));
        }
    }
    // Which pages repeat an earlier page's title is decided in page order;
    // their warnings (each finds the `title:` line) are written on every
    // core. `load` sorts all diagnostics by place afterwards.
    let mut repeats: Vec<(&Page, &Page)> = Vec::new();
    for p in &site.pages {
        if p.kind == PageKind::Page {
            if let Some(first) = titles.get(p.title()) {
                repeats.push((p, first));
            } else {
                titles.insert(p.title(), p);
            }
        }
    }
    let found = |f: &Found| match f {
        Found::Cached(d) => d.len(),
        Found::New(d) => d.len(),
    };
    out.reserve(per_page.iter().map(found).sum::<usize>() + repeats.len());
    for f in per_page {
        match f {
            Found::Cached(d) => out.extend(d.iter().cloned()),
            Found::New(d) => out.extend(d),
        }
    }
    // (the warning, whether it was made now)
    let titles = &cache.titles;
    let warned: Vec<(Diagnostic, bool)> = repeats
        .par_iter()
        .map(|(p, first)| match titles.get(&p.rel) {
            Some(c)
                if c.first == first.rel
                    && (std::sync::Arc::ptr_eq(&c.text, &p.text) || c.text == p.text) =>
            {
                (c.diagnostic.clone(), false)
            }
            _ => (duplicate_title(p, first), true),
        })
        .collect();
    if !cache.one_shot {
        for ((p, first), (d, new)) in repeats.iter().zip(&warned) {
            if *new {
                cache.titles.insert(
                    p.rel.clone(),
                    DuplicateTitle {
                        text: p.text.clone(),
                        first: first.rel.clone(),
                        diagnostic: d.clone(),
                    },
                );
            }
        }
        if cache.titles.len() != repeats.len() {
            let live: std::collections::HashSet<&str> =
                repeats.iter().map(|(p, _)| p.rel.as_str()).collect();
            cache.titles.retain(|rel, _| live.contains(rel.as_str()));
        }
    }
    let mut site_wide: Vec<Diagnostic> = warned.into_iter().map(|(d, _)| d).collect();
    for q in &site.questions_files {
        let lines = LineIndex::new(&q.text);
        let body_offset = crate::frontmatter::split(&q.text, &q.rel).map_or(0, |s| s.body_offset);
        let prose = Prose::of_text(&q.text, body_offset);
        let found = rules.findings_of(&q.rel, &q.text, &lines, &prose);
        site_wide.extend(found.claims_spam);
        site_wide.extend(found.privacy);
    }
    for (rel, date, text) in &site.skipped_drafts {
        draft_date(rel, text, *date, today, &mut site_wide);
    }
    out.extend(apply_levels(site_wide, config));
    out
}

/// The `structure.duplicate-title` warning of article `p`, whose title
/// the earlier article `first` has (`serve` patches these one by one).
pub fn duplicate_title(p: &Page, first: &Page) -> Diagnostic {
    fm_key_diag(
        &p.rel,
        &p.text,
        "title",
        Severity::Warning,
        "structure.duplicate-title",
        &duplicate_title_message(first),
    )
    .with_help("give each page a distinct title so patients and search engines can tell them apart")
}

/// The message of a `structure.duplicate-title` warning quoting `first`.
pub fn duplicate_title_message(first: &Page) -> String {
    format!("`{}` has the same title", first.rel)
}

/// Checks `site.yaml`'s `check.severity` keys name real rules. `site_yaml` is
/// the file's text, for the line of a bad key.
pub fn validate_config(config: &Config, site_yaml: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for key in config.site.check.severity.keys() {
        if rule_of(key).is_some() {
            continue;
        }
        let (line, col) = site_yaml
            .lines()
            .enumerate()
            .find_map(|(i, l)| {
                let t = l.trim_start();
                (t.starts_with(&format!("{key}:")) || t.starts_with(&format!("\"{key}\":")))
                    .then(|| (i + 1, l.len() - t.len() + 1))
            })
            .unwrap_or((1, 1));
        let mut d = Diagnostic::error(
            Location::new("site.yaml", line, col),
            "config.unknown-rule",
            format!("`check.severity` names an unknown rule `{key}`"),
        );
        d = match did_you_mean(key, RULES.iter().map(|r| r.code)) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d.with_help("`careleaf check --list-rules` lists every rule"),
        };
        out.push(d.with_source(site_yaml, key.chars().count()));
    }
    out
}

/// Applies `site.yaml` `check.severity` to the diagnostics of configurable
/// rules (those in `RULES`); other diagnostics (unreadable files, bad YAML)
/// keep their severity.
pub fn apply_levels(diags: Vec<Diagnostic>, config: &Config) -> Vec<Diagnostic> {
    diags
        .into_iter()
        .filter_map(|mut d| {
            if rule_of(d.code).is_none() {
                return Some(d);
            }
            match config.site.check.severity.get(d.code) {
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
            }
        })
        .collect()
}

/// The location of a top-level front matter key (`title:`), or of the
/// closing fence when the key is missing (where it should be added).
/// Whether a front matter line sets `key` (`key:` at the start).
fn sets_key(line: &str, key: &str) -> bool {
    line.strip_prefix(key)
        .is_some_and(|rest| rest.starts_with(':'))
}

fn fm_key_location(rel: &str, text: &str, key: &str) -> Location {
    for (i, l) in text.lines().enumerate().skip(1) {
        if l.trim_end() == "---" || sets_key(l, key) {
            return Location::new(rel, i + 1, 1);
        }
    }
    Location::new(rel, 1, 1)
}

fn fm_key_diag(
    rel: &str,
    text: &str,
    key: &str,
    severity: Severity,
    code: &'static str,
    message: &str,
) -> Diagnostic {
    let loc = fm_key_location(rel, text, key);
    let on_key = text
        .lines()
        .nth(loc.line - 1)
        .is_some_and(|l| sets_key(l, key));
    let width = if on_key { key.len() } else { 3 };
    let d = Diagnostic::error(loc, code, message);
    Diagnostic { severity, ..d }.with_source(text, width)
}

fn trust(p: &Page, config: &Config, today: Date, out: &mut Vec<Diagnostic>) {
    // A site without review data turns these rules off: their findings,
    // each located by scanning the front matter, would only be dropped by
    // `apply_levels` (3% of such a site's build, issue 8).
    let on = |code: &str| !matches!(config.site.check.severity.get(code), Some(Level::Off));
    if p.kind == PageKind::Page
        && p.fm.authors.is_empty()
        && p.fm.question.is_none()
        && on("trust.no-author")
    {
        out.push(
            fm_key_diag(
                &p.rel,
                &p.text,
                "authors",
                Severity::Warning,
                "trust.no-author",
                "this page has no author",
            )
            .with_help("add `authors: [id]` with an id from content/people.yaml"),
        );
    }
    if !p.is_article() {
        return;
    }
    if p.fm.reviewed_by.is_none() && on("trust.no-reviewer") {
        out.push(
            fm_key_diag(
                &p.rel,
                &p.text,
                "reviewed_by",
                Severity::Error,
                "trust.no-reviewer",
                "this article about a treatment has no medical reviewer",
            )
            .with_help("add `reviewed_by: id` naming a reviewer from content/people.yaml"),
        );
    }
    match &p.fm.last_reviewed {
        None if !on("trust.no-review-date") => {}
        None => out.push(
            fm_key_diag(
                &p.rel,
                &p.text,
                "last_reviewed",
                Severity::Error,
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
                            "the medical review of {} is more than {interval} months old (due {})",
                            r.value.iso(),
                            r.value.add_months(interval).iso()
                        ),
                    )
                    .with_help("have the article reviewed again and update `last_reviewed`")
                    .with_source(&p.text, 10),
                );
            }
        }
    }
    if p.fm.sources.is_empty() && on("trust.no-sources") {
        out.push(
            fm_key_diag(
                &p.rel,
                &p.text,
                "sources",
                Severity::Error,
                "trust.no-sources",
                "this article about a treatment cites no sources",
            )
            .with_help(
                "add a `sources:` list with the studies or guidelines the article relies on",
            ),
        );
    }
}

/// Text a reader sees, in blocks (a paragraph, a heading, a list item, a
/// front matter value), each byte mapped back to its offset in the file.
#[derive(Debug, Default, PartialEq)]
struct Prose {
    blocks: Vec<Block>,
    /// Raw HTML in the body: (html, file offset).
    html: Vec<(String, usize)>,
    /// Images with an absolute URL: (URL, file offset of the URL).
    external_images: Vec<(String, usize)>,
}

#[derive(Debug, Default, PartialEq)]
struct Block {
    text: String,
    /// Where the pieces of `text` come from: (offset in `text`, file offset,
    /// whether the bytes run on in the file). One entry per piece rather than
    /// one per byte: a page's prose is most of its size (issue 8).
    segs: Vec<(usize, usize, bool)>,
}

impl Block {
    /// Room for a usual paragraph, taken with the first piece: growing
    /// every block from nothing was 1.5% of a build's instructions (issue 8).
    fn reserve_first(&mut self) {
        if self.segs.capacity() == 0 {
            self.text.reserve(192);
            self.segs.reserve(8);
        }
    }

    fn push(&mut self, s: &str, file_offset: usize) {
        self.reserve_first();
        self.segs.push((self.text.len(), file_offset, true));
        self.text.push_str(s);
    }

    /// Text that has no exact source (an entity's expansion): every byte
    /// maps to where it was written.
    fn push_at(&mut self, s: &str, file_offset: usize) {
        self.reserve_first();
        self.segs.push((self.text.len(), file_offset, false));
        self.text.push_str(s);
    }

    /// A character that separates words but is not text (a code span).
    fn push_gap(&mut self, file_offset: usize) {
        self.push("\u{1}", file_offset);
    }

    /// File byte offset of byte `i` of `text`.
    fn off(&self, i: usize) -> usize {
        let k = self.segs.partition_point(|s| s.0 <= i).saturating_sub(1);
        match self.segs.get(k) {
            Some(&(at, file, true)) => file + (i - at),
            Some(&(_, file, false)) => file,
            None => 0,
        }
    }
}

/// Front matter keys whose values are prose: top level `title`,
/// `description`, `question`, and `question`/`answer` inside `faq`.
fn fm_prose_blocks(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut lines = text.split_inclusive('\n');
    let Some(first) = lines.next() else {
        return blocks;
    };
    if first.trim_end() != "---" {
        return blocks;
    }
    let mut offset = first.len();
    let mut top = String::new();
    let mut current: Option<Block> = None;
    let mut key_indent = 0usize;
    for line in lines {
        let start = offset;
        offset += line.len();
        let content = line.trim_end_matches(['\n', '\r']);
        if content == "---" || content == "..." {
            break;
        }
        let indent = content.len() - content.trim_start().len();
        let t = content.trim_start();
        let t_item = t.strip_prefix("- ").unwrap_or(t);
        let item_indent = indent + (t.len() - t_item.len());
        let key = t_item.split_once(':').filter(|(k, _)| {
            !k.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        });
        match key {
            Some((k, v)) if current.is_none() || item_indent <= key_indent => {
                if let Some(b) = current.take() {
                    blocks.push(b);
                }
                if indent == 0 && !t.starts_with("- ") {
                    top = k.to_string();
                }
                let prose = (indent == 0 && matches!(k, "title" | "description" | "question"))
                    || (top == "faq" && indent > 0 && matches!(k, "question" | "answer"));
                if prose {
                    key_indent = item_indent;
                    let value_start = start + (content.len() - v.len());
                    let mut b = Block::default();
                    b.push(v, value_start);
                    current = Some(b);
                }
            }
            _ => {
                // A continuation line of a multi-line value.
                if let Some(b) = current.as_mut() {
                    b.push(" ", start);
                    b.push(t, start + indent);
                }
            }
        }
    }
    if let Some(b) = current.take() {
        blocks.push(b);
    }
    blocks
}

impl Prose {
    fn of_text(text: &str, body_offset: usize) -> Prose {
        let body = text.get(body_offset..).unwrap_or("");
        let mut builder = ProseBuilder::new(text, body_offset);
        for (event, range) in Parser::new_ext(body, crate::markdown::options()).into_offset_iter() {
            builder.event(&event, range);
        }
        builder.finish()
    }
}

/// Builds a page's `Prose` from the Markdown events of its body, fed in
/// order with their ranges in the body: by `Prose::of_text`, or by the
/// renderer's own parse (`model`, through `ProseRules::findings`), so a
/// page's Markdown is parsed once per build (the second parse was a tenth
/// of a large build's instructions, issue 8).
pub struct ProseBuilder<'t> {
    body: &'t str,
    body_offset: usize,
    prose: Prose,
    block: Block,
    in_code: usize,
}

impl<'t> ProseBuilder<'t> {
    /// A builder for the file `text` whose body starts at `body_offset`;
    /// the front matter's prose is read here.
    pub fn new(text: &'t str, body_offset: usize) -> ProseBuilder<'t> {
        ProseBuilder {
            body: text.get(body_offset..).unwrap_or(""),
            body_offset,
            prose: Prose {
                blocks: fm_prose_blocks(text),
                html: Vec::new(),
                external_images: Vec::new(),
            },
            block: Block::default(),
            in_code: 0,
        }
    }

    fn flush(&mut self) {
        let b = std::mem::take(&mut self.block);
        if !b.text.trim().is_empty() {
            self.prose.blocks.push(b);
        }
    }

    /// The next event of the body, with its byte range in the body.
    pub fn event(&mut self, event: &Event<'_>, range: std::ops::Range<usize>) {
        let at = self.body_offset + range.start;
        match event {
            Event::Start(Tag::CodeBlock(_)) => self.in_code += 1,
            Event::End(TagEnd::CodeBlock) => self.in_code = self.in_code.saturating_sub(1),
            Event::Text(_) if self.in_code > 0 => {}
            Event::Text(t) => {
                // The source slice, so offsets are exact; fall back to the
                // event text where they differ in length (entities).
                let src = self.body.get(range).unwrap_or("");
                if src.len() == t.len() {
                    self.block.push(src, at);
                } else {
                    self.block.push_at(t, at);
                }
            }
            Event::Code(_) => self.block.push_gap(at),
            Event::Start(Tag::Image { dest_url, .. }) if origin_of(dest_url).is_some() => {
                let src = self.body.get(range).unwrap_or("");
                let off = src.find(dest_url.as_ref()).map_or(at, |i| at + i);
                self.prose.external_images.push((dest_url.to_string(), off));
            }
            Event::SoftBreak => self.block.push(" ", at),
            // A hard break ends a line of an address or a list-like
            // paragraph: a new "sentence" for the spam rules.
            Event::HardBreak => self.block.push_gap(at),
            Event::Html(h) | Event::InlineHtml(h) => {
                self.prose.html.push((h.to_string(), at));
                self.block.push_gap(at);
            }
            Event::Start(
                Tag::Paragraph
                | Tag::Heading { .. }
                | Tag::Item
                | Tag::TableCell
                | Tag::BlockQuote(_)
                | Tag::FootnoteDefinition(_),
            )
            | Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::TableCell
                | TagEnd::BlockQuote(_)
                | TagEnd::FootnoteDefinition,
            ) => self.flush(),
            _ => {}
        }
    }

    fn finish(mut self) -> Prose {
        self.flush();
        self.prose
    }
}

/// The prose rules (claims, spam, external content in the body) with the
/// settings they read, made once per build. The phrase automata are built
/// on first use: `serve`'s per-page refresh reads findings already made.
pub struct ProseRules<'c> {
    config: &'c Config,
    phrases: std::sync::OnceLock<Phrases>,
}

/// What the prose rules found on one page, worked out where its body is
/// rendered (`markdown::Rendered::prose`) and read by `page_findings`.
#[derive(Debug, Clone, Default)]
pub struct ProseFindings {
    /// `claims.*` then `spam.*`.
    claims_spam: Vec<Diagnostic>,
    /// `privacy.external-resource` in the body.
    privacy: Vec<Diagnostic>,
}

impl<'c> ProseRules<'c> {
    /// The rules with `config`'s settings.
    pub fn new(config: &'c Config) -> ProseRules<'c> {
        ProseRules {
            config,
            phrases: std::sync::OnceLock::new(),
        }
    }

    fn phrases(&self) -> &Phrases {
        self.phrases.get_or_init(|| Phrases::new(self.config))
    }

    /// A hash of every setting the prose rules read: findings made under
    /// another key are stale (`model::ParseCache` renders the page again).
    pub fn key(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        format!("{:?}", self.config.site.check).hash(&mut h);
        self.config.site.base_url.hash(&mut h);
        h.finish()
    }

    /// The findings on the file `rel` (text `text`) from its prose.
    pub fn findings(
        &self,
        rel: &str,
        text: &str,
        lines: &LineIndex,
        prose: ProseBuilder<'_>,
    ) -> ProseFindings {
        self.findings_of(rel, text, lines, &prose.finish())
    }

    fn findings_of(
        &self,
        rel: &str,
        text: &str,
        lines: &LineIndex,
        prose: &Prose,
    ) -> ProseFindings {
        let mut claims_spam = Vec::new();
        // Each block in lower case, once for both rules.
        let lowered: Vec<String> = prose.blocks.iter().map(|b| lower_block(&b.text)).collect();
        self.phrases()
            .claims(rel, text, lines, prose, &lowered, &mut claims_spam);
        spam(
            rel,
            text,
            lines,
            prose,
            &lowered,
            self.config,
            &mut claims_spam,
        );
        let mut privacy = Vec::new();
        privacy_content(rel, text, lines, prose, self.config, &mut privacy);
        ProseFindings {
            claims_spam,
            privacy,
        }
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '-' || c == '\''
}

/// Occurrences of `needle` (lowercase ASCII) in `hay` (already lowercased
/// ASCII) that start and end at word boundaries.
fn find_words(hay: &str, needle: &str) -> Vec<(usize, usize)> {
    if needle.is_empty() {
        return Vec::new();
    }
    hay.match_indices(needle)
        .map(|(at, _)| (at, at + needle.len()))
        .filter(|&(s, e)| at_word_boundaries(hay, s, e))
        .collect()
}

/// True when `hay[s..e]` neither starts nor ends inside a word. A phrase
/// that starts or ends with punctuation ("100%") needs no boundary there.
fn at_word_boundaries(hay: &str, s: usize, e: usize) -> bool {
    let needle = &hay[s..e];
    let starts_word = needle.chars().next().is_some_and(is_word_char);
    let ends_word = needle.chars().next_back().is_some_and(is_word_char);
    let before_ok = !starts_word
        || hay[..s]
            .chars()
            .next_back()
            .is_none_or(|c| !is_word_char(c));
    let after_ok = !ends_word || hay[e..].chars().next().is_none_or(|c| !is_word_char(c));
    before_ok && after_ok
}

/// The words (lowercase) of `hay[..at]` back to the start of the clause.
fn words_before(hay: &str, at: usize, n: usize) -> Vec<&str> {
    let clause_start = hay[..at]
        .rfind(['.', '!', '?', ';', ':', '\u{1}', '('])
        .map_or(0, |i| i + 1);
    hay[clause_start..at]
        .split(|c: char| !is_word_char(c))
        .filter(|w| !w.is_empty())
        .rev()
        .take(n)
        .collect()
}

fn location_of(rel: &str, text: &str, lines: &LineIndex, offset: usize) -> Location {
    let (line, col) = lines.line_col(text, offset);
    Location::new(rel, line, col)
}

/// Caret width of a match: its characters, or to the end of the line when
/// it continues on the next one.
fn match_width(text: &str, start: usize, end: usize) -> usize {
    let s = text.get(start..end.max(start)).unwrap_or("");
    s.split('\n').next().unwrap_or("").chars().count().max(1)
}

struct Phrases {
    /// Every absolute and doubtful phrase in one automaton: one pass over a
    /// block finds them all (60 separate substring searches per paragraph
    /// were most of `check`'s time on a large site).
    matcher: Option<aho_corasick::AhoCorasick>,
    /// The same phrases for "is any of them here?": leftmost-first matching
    /// can use a SIMD prefilter, which the overlapping search cannot, and
    /// most paragraphs hold none of the phrases.
    any: Option<aho_corasick::AhoCorasick>,
    /// Per pattern of `matcher`: true for doubtful, false for absolute.
    doubtful: Vec<bool>,
    allow: Vec<String>,
}

impl Phrases {
    fn new(config: &Config) -> Phrases {
        let c = &config.site.check.claims;
        let lower = |v: &[String]| -> Vec<String> {
            v.iter()
                .map(|s| s.trim().to_ascii_lowercase())
                .filter(|s| !s.is_empty())
                .collect()
        };
        let mut patterns: Vec<String> = CLAIM_PHRASES.iter().map(|s| s.to_string()).collect();
        patterns.extend(lower(&c.phrases));
        let mut doubtful = vec![false; patterns.len()];
        patterns.extend(DOUBTFUL_PHRASES.iter().map(|s| s.to_string()));
        patterns.extend(lower(&c.doubtful));
        doubtful.resize(patterns.len(), true);
        // Building fails only for patterns beyond the automaton's size
        // limits; then no phrase is matched rather than the run failing.
        let matcher = aho_corasick::AhoCorasick::new(&patterns).ok();
        let any = aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostFirst)
            .build(&patterns)
            .ok();
        Phrases {
            matcher,
            any,
            doubtful,
            allow: lower(&c.allow),
        }
    }

    fn claims(
        &self,
        rel: &str,
        text: &str,
        lines: &LineIndex,
        prose: &Prose,
        lowered: &[String],
        out: &mut Vec<Diagnostic>,
    ) {
        let Some(matcher) = &self.matcher else {
            return;
        };
        for (block, lower) in prose.blocks.iter().zip(lowered) {
            // The phrases are matched in ASCII lower case: `lower` is that
            // for an ASCII block (`lower_block`).
            let own;
            let hay: &str = if block.text.is_ascii() {
                lower
            } else {
                own = block.text.to_ascii_lowercase();
                &own
            };
            // Most paragraphs hold no phrase at all: finding that out is
            // much cheaper than the overlapping search (issue 8).
            if self.any.as_ref().is_some_and(|any| !any.is_match(hay)) {
                continue;
            }
            let allowed: Vec<(usize, usize)> =
                self.allow.iter().flat_map(|a| find_words(hay, a)).collect();
            // (start, end, doubtful)
            let mut hits: Vec<(usize, usize, bool)> = Vec::new();
            for m in matcher.find_overlapping_iter(hay) {
                let (s, e) = (m.start(), m.end());
                let doubtful = self.doubtful[m.pattern().as_usize()];
                if !at_word_boundaries(hay, s, e) {
                    continue;
                }
                if allowed.iter().any(|&(a, b)| a <= s && e <= b) {
                    continue;
                }
                if words_before(hay, s, 3)
                    .iter()
                    .any(|w| NEGATIONS.contains(w))
                {
                    continue;
                }
                // A question ("Is it painless?") asks; it does not claim.
                if hay[e..]
                    .find(['.', '!', '?'])
                    .is_some_and(|i| hay[e + i..].starts_with('?'))
                {
                    continue;
                }
                hits.push((s, e, doubtful));
            }
            // Longest match wins where matches overlap ("no side effects"
            // over "side effects"; "100% safe" over "100%").
            hits.sort_by_key(|&(s, e, _)| (s, std::cmp::Reverse(e)));
            let mut last_end = 0;
            for (s, e, doubtful) in hits {
                if s < last_end {
                    continue;
                }
                last_end = e;
                let start = block.off(s);
                let end = block.off(e - 1) + 1;
                let written = &block.text[s..e];
                let loc = location_of(rel, text, lines, start);
                let d = if doubtful {
                    Diagnostic::warning(
                        loc,
                        "claims.doubtful",
                        format!("medically doubtful statement: \"{written}\""),
                    )
                    .with_help("describe what the treatment does as the cited sources do, or remove the statement; add it to `check.claims.allow` in site.yaml if it is accurate here")
                } else {
                    Diagnostic::warning(
                        loc,
                        "claims.absolute",
                        format!("absolute claim: \"{written}\""),
                    )
                    .with_help("health outcomes vary: say what the evidence shows (\"may\", \"for many people\"), or add the phrase to `check.claims.allow` in site.yaml if it is not a claim")
                };
                out.push(d.with_source(text, match_width(text, start, end)));
            }
        }
    }
}

/// A word of prose with its byte range in the block.
/// ASCII bytes that continue a word: letters, digits, `'` and `-`.
static IN_WORD: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || c == b'\'' || c == b'-';
        b += 1;
    }
    t
};

/// A word of a lowercased block: its byte range, and the number of its
/// sentence in the block (a sentence ends at `.`, `!`, `?`, `;`, `:` or a
/// gap, `\u{1}`).
#[derive(Debug, Clone, Copy, PartialEq)]
struct WordAt {
    start: u32,
    end: u32,
    sentence: u32,
}

/// Appends the words of `block` to `out`: runs of alphanumeric characters,
/// carried on inside a word by `'` and `-`.
fn scan_words(block: &str, out: &mut Vec<WordAt>) {
    // Byte by byte in two tight loops (between words, inside a word): ASCII,
    // almost all of an English page, needs no char decoding; other
    // characters are decoded where they start. Sentence ends are noted on
    // the way between words, so the spam rule reads no byte twice (issue 8).
    let bytes = block.as_bytes();
    let n = bytes.len();
    // Whether the (non-ASCII) character at `i` is alphanumeric, and its length.
    let class = |i: usize| -> (bool, usize) {
        block
            .get(i..)
            .and_then(|rest| rest.chars().next())
            .map_or((false, 1), |c| (c.is_alphanumeric(), c.len_utf8()))
    };
    // Offsets fit in `u32`: a block longer than 4 GiB is cut short.
    let n = n.min(u32::MAX as usize);
    let mut sentence = 0u32;
    let mut ended = false;
    let mut i = 0;
    while i < n {
        let b = bytes[i];
        let len = if b.is_ascii() {
            if !b.is_ascii_alphanumeric() {
                ended |= matches!(b, b'.' | b'!' | b'?' | b';' | b':' | 1);
                i += 1;
                continue;
            }
            1
        } else {
            let (alnum, len) = class(i);
            if !alnum {
                i += len;
                continue;
            }
            len
        };
        let start = i;
        i += len;
        // Inside a word an apostrophe or hyphen carries it on.
        while i < n {
            let b = bytes[i];
            if IN_WORD[b as usize] {
                i += 1;
            } else if b.is_ascii() {
                break;
            } else {
                let (alnum, len) = class(i);
                if !alnum {
                    break;
                }
                i += len;
            }
        }
        if ended {
            sentence += 1;
            ended = false;
        }
        out.push(WordAt {
            start: start as u32,
            end: i.min(n) as u32,
            sentence,
        });
    }
}

/// The word `bytes[a..b]`, when at most 8 bytes long, as a number: its
/// bytes, zero-padded (little endian). Read as one 8-byte load where the
/// block runs on that far: copying a slice of varying length called
/// `memcpy` for every word of every page (issue 8).
fn packed_word(bytes: &[u8], a: usize, b: usize) -> Option<u64> {
    let len = b.checked_sub(a)?;
    if len > 8 {
        return None;
    }
    let mask = if len == 8 {
        u64::MAX
    } else {
        (1u64 << (8 * len)) - 1
    };
    if let Some(chunk) = bytes
        .get(a..a + 8)
        .and_then(|c| <[u8; 8]>::try_from(c).ok())
    {
        return Some(u64::from_le_bytes(chunk) & mask);
    }
    Some(
        bytes
            .get(a..b)?
            .iter()
            .rev()
            .fold(0u64, |key, &c| (key << 8) | u64::from(c)),
    )
}

/// A block in lower case with every byte where it was: `str::to_lowercase`
/// when that keeps the length, else ASCII lower case (the same thing for
/// an ASCII block, and much cheaper).
fn lower_block(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    let lower = text.to_lowercase();
    if lower.len() == text.len() {
        lower
    } else {
        text.to_ascii_lowercase()
    }
}

fn spam(
    rel: &str,
    text: &str,
    lines: &LineIndex,
    prose: &Prose,
    lowered: &[String],
    config: &Config,
    out: &mut Vec<Diagnostic>,
) {
    // Keywords: pasted into a sentence, or repeated.
    let ascii_lowered: Vec<std::borrow::Cow<'_, str>> =
        if config.site.check.spam_keywords.is_empty() {
            Vec::new()
        } else {
            prose
                .blocks
                .iter()
                .zip(lowered)
                .map(|(b, lower)| {
                    if b.text.is_ascii() {
                        std::borrow::Cow::Borrowed(lower.as_str())
                    } else {
                        std::borrow::Cow::Owned(b.text.to_ascii_lowercase())
                    }
                })
                .collect()
        };
    for kw in &config.site.check.spam_keywords {
        let needle = kw.trim().to_ascii_lowercase();
        let mut seen = 0usize;
        for (block, hay) in prose.blocks.iter().zip(&ascii_lowered) {
            for (s, e) in find_words(hay, &needle) {
                seen += 1;
                let start = block.off(s);
                let end = block.off(e - 1) + 1;
                let written = &block.text[s..e];
                let loc = location_of(rel, text, lines, start);
                let width = match_width(text, start, end);
                let case_differs = written != kw.trim()
                    && kw.trim().chars().any(char::is_uppercase)
                    && !written.chars().any(char::is_uppercase);
                let prev = words_before(hay, s, 1);
                let before = hay[..s].trim_end_matches([' ', '*', '_', '"', '\'']);
                let sentence_start = prev.is_empty()
                    || before.ends_with(['.', '!', '?', ':', ';', ',', '(', '\u{1}'])
                    || before.is_empty();
                let in_context = prev.first().is_some_and(|w| PLACE_CONTEXT.contains(w));
                if case_differs || !(in_context || sentence_start) {
                    out.push(
                        Diagnostic::warning(
                            loc,
                            "spam.keyword-stuffing",
                            format!("the keyword \"{written}\" is pasted into a sentence it is not part of"),
                        )
                        .with_help(if kw.trim().contains(' ') {
                            "remove it and write the sentence for patients; search engines penalise keyword stuffing and readers notice".to_string()
                        } else {
                            format!("remove it, or write it where it belongs (\"our clinic in {}\"); search engines penalise keyword stuffing and readers notice", kw.trim())
                        })
                        .with_source(text, width),
                    );
                } else if seen == KEYWORD_MAX + 1 {
                    out.push(
                        Diagnostic::warning(
                            loc,
                            "spam.keyword-stuffing",
                            format!(
                                "the keyword \"{}\" appears more than {KEYWORD_MAX} times on this page",
                                kw.trim()
                            ),
                        )
                        .with_help("mention the place once or twice where it helps the reader (e.g. how to find the clinic)")
                        .with_source(text, width),
                    );
                }
            }
        }
    }

    // Repeated phrases of 2-4 words, within sentences. Keys are slices of
    // the lowercased blocks, so counting allocates nothing per phrase.
    // Every word of every block, block after block, in one vector; a
    // block's words end at its `block_ends` entry.
    let mut words: Vec<WordAt> =
        Vec::with_capacity(lowered.iter().map(String::len).sum::<usize>() / 5);
    let mut block_ends: Vec<usize> = Vec::with_capacity(lowered.len());
    for lower in lowered {
        scan_words(lower, &mut words);
        block_ends.push(words.len());
    }
    let total_words = words.len();
    // A phrase is repeated at least as often as its first and its last word
    // appear: count the words first, and only windows whose edge words are
    // frequent enough reach the phrase map (most windows of a page do not).
    // Each distinct word gets a number, so what is known of a word (its
    // count, whether a phrase may start or end with it) is worked out once.
    // Words of up to 8 bytes, most of a page's, are looked up by their bytes
    // packed into a `u64` (one-to-one: no word holds a zero byte), longer
    // ones by their text; hashing and comparing a `&str` for every word of
    // every page was a third of this rule (issue 8).
    let mut short: rustc_hash::FxHashMap<u64, u32> =
        rustc_hash::FxHashMap::with_capacity_and_hasher(total_words / 3, Default::default());
    let mut long: rustc_hash::FxHashMap<&str, u32> = rustc_hash::FxHashMap::default();
    // Per distinct word, numbered in order of appearance: its text and count.
    let mut distinct: Vec<&str> = Vec::with_capacity(total_words / 3);
    let mut counts: Vec<usize> = Vec::with_capacity(total_words / 3);
    // Every word's number, in the order of `words`.
    let mut all_ids: Vec<u32> = Vec::with_capacity(total_words);
    let mut from = 0;
    for (lower, &to) in lowered.iter().zip(&block_ends) {
        let bytes = lower.as_bytes();
        for w in &words[from..to] {
            let (a, b) = (w.start as usize, w.end as usize);
            let next = u32::try_from(counts.len()).unwrap_or(u32::MAX);
            let id = match packed_word(bytes, a, b) {
                Some(key) => *short.entry(key).or_insert(next),
                None => *long.entry(&lower[a..b]).or_insert(next),
            };
            if id == next {
                distinct.push(&lower[a..b]);
                counts.push(1);
            } else if let Some(c) = counts.get_mut(id as usize) {
                *c += 1;
            }
            all_ids.push(id);
        }
        from = to;
    }
    let min_count =
        |n: usize| PHRASE_MIN_COUNT.max((total_words * phrase_min_per_mille(n)).div_ceil(n * 1000));
    let least = min_count(4).min(min_count(3)).min(min_count(2));
    // Per distinct word: how often it appears on the page when a phrase may
    // start or end with it (not a stopword, not a bare number, frequent
    // enough), else 0.
    let edge_count: Vec<usize> = distinct
        .iter()
        .zip(&counts)
        .map(|(w, &count)| {
            if count >= least && !is_stopword(w) && !w.chars().all(|c| c.is_ascii_digit()) {
                count
            } else {
                0
            }
        })
        .collect();
    // phrase as written (lowercase) -> (count, words, block, first start and
    // end in the block). A fast hash: this map sees every candidate window.
    let mut grams: rustc_hash::FxHashMap<&str, (usize, usize, usize, usize, usize)> =
        rustc_hash::FxHashMap::default();
    let needs = [min_count(2), min_count(3), min_count(4)];
    let mut windows: Vec<(usize, usize)> = Vec::new();
    let mut from = 0;
    for (bi, (lower, &to)) in lowered.iter().zip(&block_ends).enumerate() {
        let (block_words, wids) = (&words[from..to], &all_ids[from..to]);
        from = to;
        // A window starts with a word frequent enough to be an edge (every
        // `need` is at least `least`): most blocks and most words have none
        // (issue 8).
        if !wids.iter().any(|&id| edge_count[id as usize] >= least) {
            continue;
        }
        // Windows of n words at word i that reach the phrase map, in the
        // order they always reached it: by length, then position.
        windows.clear();
        for (i, (first, &first_id)) in block_words.iter().zip(wids).enumerate() {
            let first_edge = edge_count[first_id as usize];
            if first_edge < least {
                continue;
            }
            for n in 2..=4.min(block_words.len() - i) {
                let (last, last_id) = (&block_words[i + n - 1], wids[i + n - 1]);
                let need = needs[n - 2];
                if first.sentence == last.sentence
                    && first_edge >= need
                    && edge_count[last_id as usize] >= need
                {
                    windows.push((n, i));
                }
            }
        }
        windows.sort_unstable();
        for &(n, i) in &windows {
            let (s, e) = (
                block_words[i].start as usize,
                block_words[i + n - 1].end as usize,
            );
            grams.entry(&lower[s..e]).or_insert((0, n, bi, s, e)).0 += 1;
        }
    }
    let mut candidates: Vec<(usize, String, usize, usize, usize)> = grams
        .into_iter()
        .filter(|&(_, (count, n, ..))| {
            count >= PHRASE_MIN_COUNT && count * n * 1000 >= total_words * phrase_min_per_mille(n)
        })
        .map(|(key, (count, n, bi, s, e))| {
            let block = &prose.blocks[bi];
            let (start, end) = (block.off(s), block.off(e - 1) + 1);
            let phrase = key
                .split(|c: char| !is_word_char(c))
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            (n, phrase, count, start, end)
        })
        .collect();
    // Longest phrases first; a shorter one inside a flagged one is not news.
    candidates.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let mut found: Vec<(usize, String, usize, usize, usize)> = Vec::new();
    for (_, phrase, count, start, end) in candidates {
        if found.iter().any(|f| f.1.contains(phrase.as_str())) {
            continue;
        }
        found.push((start, phrase, count, start, end));
    }
    found.sort();
    for (_, phrase, count, start, end) in found {
        out.push(
            Diagnostic::warning(
                location_of(rel, text, lines, start),
                "spam.repeated-phrase",
                format!("\"{phrase}\" is repeated {count} times on this page ({total_words} words)"),
            )
            .with_help("write for patients, not search engines: vary the wording or use the phrase where it adds meaning")
            .with_source(text, match_width(text, start, end)),
        );
    }
}

fn structure(p: &Page, today: Date, out: &mut Vec<Diagnostic>) {
    if p.kind != PageKind::Home
        && p.fm
            .description
            .as_deref()
            .is_none_or(|d| d.trim().is_empty())
    {
        out.push(
            fm_key_diag(
                &p.rel,
                &p.text,
                "description",
                Severity::Warning,
                "structure.no-description",
                "this page has no description",
            )
            .with_help(
                "add `description:` with one or two sentences; search results and social cards show it",
            ),
        );
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
    if p.fm.draft {
        draft_date(&p.rel, &p.text, p.fm.date, today, out);
    }
}

/// The warnings `run_cached` gives the draft at `rel` (left out of the
/// site) with that text and `date`, severity overrides applied (`serve`,
/// after an article was made a draft).
pub fn draft_findings(
    rel: &str,
    text: &str,
    date: Option<Date>,
    today: Date,
    config: &Config,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    draft_date(rel, text, date, today, &mut out);
    apply_levels(out, config)
}

fn draft_date(rel: &str, text: &str, date: Option<Date>, today: Date, out: &mut Vec<Diagnostic>) {
    let Some(date) = date else { return };
    if date >= today {
        return;
    }
    let loc = fm_key_location(rel, text, "date");
    let loc = Location::new(rel, loc.line, "date: ".len() + 1);
    out.push(
        Diagnostic::warning(
            loc,
            "structure.draft-past-date",
            format!("this draft is dated {}, which has passed", date.iso()),
        )
        .with_help("publish it (remove `draft: true`) or set `date` to when it will be published")
        .with_source(text, 10),
    );
}

fn media_and_links(p: &Page, out: &mut Vec<Diagnostic>) {
    for l in &p.rendered.links {
        let loc = p.body_location(l.offset);
        if l.image && l.text.trim().is_empty() && !l.decorative {
            out.push(Diagnostic::error(loc, "media.no-alt", "this image has no alt text").with_help("describe the image in the brackets: ![what it shows](file.png), or mark it decorative: ![](file.png \"decorative\")").with_source(&p.text, l.len));
        } else if !l.image {
            let t = l.text.trim().to_lowercase();
            if t.is_empty() || t == "click here" || t == "here" || t == "read more" {
                let message = if t.is_empty() {
                    "this link has no text".to_string()
                } else {
                    format!("link text \"{}\" does not say where it goes", l.text.trim())
                };
                out.push(Diagnostic::warning(loc, "links.empty-text", message).with_help("use words that describe the target, e.g. [aftercare instructions](aftercare.md)").with_source(&p.text, l.len));
            }
        }
    }
}

/// The origin (`https://host[:port]`) of an absolute or protocol-relative
/// URL, lowercased; `None` for relative URLs and `data:`.
fn origin_of(url: &str) -> Option<String> {
    let url = url.trim();
    let (scheme, rest) = if let Some(r) = url.strip_prefix("//") {
        ("https", r)
    } else {
        let (s, r) = url.split_once("://")?;
        if !s.eq_ignore_ascii_case("http") && !s.eq_ignore_ascii_case("https") {
            return None;
        }
        (s, r)
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() {
        return None;
    }
    Some(format!(
        "{}://{}",
        scheme.to_ascii_lowercase(),
        host.to_ascii_lowercase()
    ))
}

fn allowed_origins(config: &Config) -> BTreeSet<String> {
    let mut set: BTreeSet<String> = config
        .site
        .check
        .allowed_origins
        .iter()
        .flat_map(|o| match origin_of(o) {
            Some(origin) => vec![origin],
            // A bare host (`player.vimeo.com`) allows it over https and http.
            None => {
                let host = o.trim().trim_end_matches('/').to_ascii_lowercase();
                if host.is_empty() || host.contains(['/', ' ']) {
                    Vec::new()
                } else {
                    vec![format!("https://{host}"), format!("http://{host}")]
                }
            }
        })
        .collect();
    if let Some(own) = origin_of(&config.site.base_url) {
        set.insert(own);
    }
    set
}

/// `rel` values of `<link>` that make the browser fetch the target.
const FETCHING_LINK_RELS: &[&str] = &[
    "stylesheet",
    "icon",
    "shortcut",
    "apple-touch-icon",
    "preload",
    "prefetch",
    "preconnect",
    "dns-prefetch",
    "modulepreload",
    "manifest",
    "prerender",
];

/// Embedded resources in HTML, CSS or JavaScript text: (byte offset, URL,
/// what embeds it). Links a reader clicks (`<a href>`) are not embedded.
fn embedded_urls(text: &str, kind: FileKind) -> Vec<(usize, String, String)> {
    let mut found = Vec::new();
    let lower = text.to_ascii_lowercase();
    if kind == FileKind::Html {
        // Tags with attributes that load something.
        let mut i = 0;
        while let Some(rel_lt) = lower[i..].find('<') {
            let lt = i + rel_lt;
            let tag_end = lower[lt..].find('>').map_or(lower.len(), |e| lt + e);
            let tag = &lower[lt..tag_end];
            let name: String = tag[1..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            if !name.is_empty() {
                let attrs: &[&str] = match name.as_str() {
                    "link" => {
                        let rel = attr_value(tag, "rel").map(|(_, v)| v).unwrap_or_default();
                        if rel.is_empty()
                            || rel
                                .split_whitespace()
                                .any(|r| FETCHING_LINK_RELS.contains(&r))
                        {
                            &["href"]
                        } else {
                            &[]
                        }
                    }
                    "a" | "area" | "base" | "form" => &[],
                    "object" => &["data"],
                    _ => &["src", "srcset", "poster", "data-src", "background"],
                };
                for a in attrs {
                    if let Some((at, v)) = attr_value(tag, a) {
                        let value = &text[lt + at..lt + at + v.len()];
                        for part in value.split(',') {
                            let url = part.split_whitespace().next().unwrap_or("");
                            if origin_of(url).is_some() {
                                let off = lt
                                    + at
                                    + (part.as_ptr() as usize - value.as_ptr() as usize)
                                    + (part.len() - part.trim_start().len());
                                found.push((off, url.to_string(), format!("<{name} {a}>")));
                            }
                        }
                    }
                }
            }
            i = lt + 1;
        }
    }
    // CSS `url(...)` and `@import "..."`, in stylesheets and in HTML (style
    // attributes and <style>).
    if kind != FileKind::Js {
        for (at, _) in lower.match_indices("url(") {
            let rest = &text[at + 4..];
            let inner = rest.trim_start_matches([' ', '"', '\'']);
            let off = at + 4 + (rest.len() - inner.len());
            let url: String = inner
                .chars()
                .take_while(|c| !matches!(c, '"' | '\'' | ')' | ' '))
                .collect();
            if origin_of(&url).is_some() {
                found.push((off, url, "CSS url()".into()));
            }
        }
        for (at, _) in lower.match_indices("@import") {
            let rest = &text[at + 7..];
            let inner = rest.trim_start_matches([' ', '"', '\'']);
            let off = at + 7 + (rest.len() - inner.len());
            let url: String = inner
                .chars()
                .take_while(|c| !matches!(c, '"' | '\'' | ';' | ' ' | ')'))
                .collect();
            if origin_of(&url).is_some() {
                found.push((off, url, "CSS @import".into()));
            }
        }
    }
    // JavaScript: any absolute URL in a string literal may be fetched.
    if kind == FileKind::Js {
        for q in ['"', '\'', '`'] {
            for (at, _) in text.match_indices(q) {
                let rest = &text[at + 1..];
                if rest.starts_with("http://")
                    || rest.starts_with("https://")
                    || rest.starts_with("//")
                {
                    let url: String = rest
                        .chars()
                        .take_while(|&c| c != q && !c.is_whitespace())
                        .collect();
                    if origin_of(&url).is_some() {
                        found.push((at + 1, url, "a script".into()));
                    }
                }
            }
        }
    }
    found.sort();
    found.dedup_by(|a, b| a.0 == b.0);
    found
}

/// The value of attribute `name` in a lowercased tag: (offset of the value
/// in the tag, value).
fn attr_value<'t>(tag: &'t str, name: &str) -> Option<(usize, &'t str)> {
    let bytes = tag.as_bytes();
    for (at, _) in tag.match_indices(name) {
        if at == 0 || !bytes[at - 1].is_ascii_whitespace() {
            continue;
        }
        let rest = tag[at + name.len()..].trim_start();
        let Some(rest) = rest.strip_prefix('=') else {
            continue;
        };
        let rest_trim = rest.trim_start();
        let value_start = tag.len() - rest_trim.len();
        let (start, value) = match rest_trim.chars().next() {
            Some(q @ ('"' | '\'')) => {
                let v = &rest_trim[1..];
                (value_start + 1, v.split(q).next().unwrap_or(""))
            }
            _ => (
                value_start,
                rest_trim
                    .split(|c: char| c.is_whitespace() || c == '>')
                    .next()
                    .unwrap_or(""),
            ),
        };
        return Some((start, value));
    }
    None
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileKind {
    Html,
    Css,
    Js,
}

fn privacy_diag(
    rel: &str,
    text: &str,
    lines: &LineIndex,
    offset: usize,
    url: &str,
    what: &str,
) -> Diagnostic {
    let origin = origin_of(url).unwrap_or_default();
    Diagnostic::error(
        location_of(rel, text, lines, offset),
        "privacy.external-resource",
        format!("{what} loads `{url}`: every reader's browser would contact {origin}"),
    )
    .with_help(format!(
        "copy the file into the site (content/ or static/) and link it there, or allow the origin in site.yaml: `check: {{allowed_origins: [\"{origin}\"]}}`"
    ))
    .with_source(text, match_width(text, offset, offset + url.len()))
}

fn privacy_content(
    rel: &str,
    text: &str,
    lines: &LineIndex,
    prose: &Prose,
    config: &Config,
    out: &mut Vec<Diagnostic>,
) {
    if prose.external_images.is_empty() && prose.html.is_empty() {
        return;
    }
    let allowed = allowed_origins(config);
    // Markdown images.
    for (url, off) in &prose.external_images {
        if origin_of(url).is_some_and(|o| !allowed.contains(&o)) {
            out.push(privacy_diag(rel, text, lines, *off, url, "this image"));
        }
    }
    // Raw HTML, found by the Markdown parser (not inside code).
    for (h, at) in &prose.html {
        for (off, url, what) in embedded_urls(h, FileKind::Html) {
            if origin_of(&url).is_some_and(|o| !allowed.contains(&o)) {
                // `at` is where the HTML event starts; html is a copy of the source.
                out.push(privacy_diag(rel, text, lines, at + off, &url, &what));
            }
        }
    }
}

/// Privacy rule for theme templates and static files: `files` are (path
/// relative to the site root, text). Only `.html`, `.htm`, `.svg`, `.css`,
/// `.js` and `.mjs` files are read.
pub fn privacy_files(files: &[(String, String)], config: &Config) -> Vec<Diagnostic> {
    let allowed = allowed_origins(config);
    let mut out = Vec::new();
    for (rel, text) in files {
        let ext = rel.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
        let kind = match ext.as_str() {
            "html" | "htm" | "svg" | "xml" | "tera" => FileKind::Html,
            "css" => FileKind::Css,
            "js" | "mjs" => FileKind::Js,
            _ => continue,
        };
        let lines = LineIndex::new(text);
        for (off, url, what) in embedded_urls(text, kind) {
            if origin_of(&url).is_some_and(|o| !allowed.contains(&o)) {
                out.push(privacy_diag(rel, text, &lines, off, &url, &what));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `Config` from `site.yaml` text, rooted at `.`.
    fn config_from(yaml: &str) -> Config {
        let site = crate::config::parse_site(yaml, "site.yaml").expect("valid site.yaml");
        Config::from_site(
            site,
            std::path::PathBuf::from("."),
            &crate::config::Overrides::default(),
        )
        .expect("valid config")
    }

    #[test]
    fn a_phrase_is_repeated_from_its_fifth_time_in_one_sentence_each() {
        let config = config_from("title: T\nbase_url: https://example.org/\n");
        let run = |body: &str| -> Vec<String> {
            let text = format!("---\ntitle: T\n---\n{body}\n");
            let off = text.find(body).unwrap_or(0);
            let mut out = Vec::new();
            let prose = Prose::of_text(&text, off);
            let lowered: Vec<String> = prose.blocks.iter().map(|b| lower_block(&b.text)).collect();
            spam(
                "a.md",
                &text,
                &LineIndex::new(&text),
                &prose,
                &lowered,
                &config,
                &mut out,
            );
            out.into_iter().map(|d| d.message).collect()
        };
        // Five times, the fifth ending the page's last paragraph: flagged.
        let five = format!("{}Try glow serum", "Glow serum works. ".repeat(4));
        assert_eq!(
            run(&five),
            vec!["\"glow serum\" is repeated 5 times on this page (16 words)"]
        );
        // Four times: not yet.
        assert!(run(&"Glow serum works. ".repeat(4)).is_empty());
        // Split by a sentence break each time: never a phrase.
        assert!(run(&"Glow. Serum. ".repeat(5)).is_empty());
        // Across paragraphs: the windows of every block are counted.
        let blocks = "Glow serum works.\n\nA glow serum.\n\n".repeat(3);
        assert_eq!(
            run(&blocks),
            vec!["\"glow serum\" is repeated 6 times on this page (19 words)"]
        );
    }

    #[test]
    fn phrases_match_whole_words_only() {
        assert_eq!(find_words("a cure for", "cure"), vec![(2, 6)]);
        assert!(find_words("secure", "cure").is_empty());
        assert!(find_words("semi-permanent make-up", "permanent").is_empty());
        assert_eq!(find_words("is 100% safe", "100%"), vec![(3, 7)]);
        assert!(find_words("1100% safe", "100%").is_empty());
    }

    #[test]
    fn negation_before_a_phrase_is_seen() {
        let hay = "results are not guaranteed";
        assert!(words_before(hay, 16, 3).contains(&"not"));
        let hay = "it is not great. guaranteed";
        assert!(!words_before(hay, 17, 3).contains(&"not"));
    }

    #[test]
    /// The renderer's parse, shown to a `ProseBuilder`, gives the same prose
    /// as a parse of its own (`page_findings` reads either).
    fn prose_from_the_render_parse_is_the_prose_of_the_text() {
        let text = "---\ntitle: Always safe\ndescription: \"A &amp; B\"\n---\n# Heading {#own .benefit}\n\nText with `code`, an entity &amp; a [link](other.md) and<br>\ninline HTML.  \nA hard break.\n\n![alt](https://cdn.example/x.png)\n\n```\nguaranteed\n```\n\n| a | b |\n|---|---|\n| 100% safe | no risk |\n\n> quoted *permanent* results[^1]\n\n- item one\n- item two\n\n[^1]: A note.\n\n<iframe src=\"https://video.example/e\"></iframe>\n";
        let body_offset = text.find("# Heading").unwrap();
        let pages = HashMap::new();
        let assets = HashMap::new();
        let ctx = crate::markdown::LinkContext {
            base_path: "/",
            dir: "",
            pages: &pages,
            assets: &assets,
        };
        let mut builder = ProseBuilder::new(text, body_offset);
        crate::markdown::render_page(&text[body_offset..], &ctx, &mut |e, r| builder.event(e, r));
        let observed = builder.finish();
        assert_eq!(observed, Prose::of_text(text, body_offset));
        assert!(observed.blocks.len() > 8, "{observed:?}");
        assert_eq!(observed.external_images.len(), 1);
        assert_eq!(observed.html.len(), 2, "{:?}", observed.html);
    }

    #[test]
    fn prose_skips_code_urls_and_front_matter_keys() {
        let text = "---\ntitle: A guaranteed title\nsources:\n  - title: permanent\n    url: https://x\nfaq:\n  - question: Q?\n    answer: >\n      It is painless\n      for most.\n---\nText [cure](https://cure.example) `guaranteed` and\n\n```\npermanent\n```\n";
        let body_offset = text.find("Text").unwrap();
        let prose = Prose::of_text(text, body_offset);
        let all: Vec<&str> = prose.blocks.iter().map(|b| b.text.as_str()).collect();
        assert_eq!(
            all,
            vec![
                " A guaranteed title",
                " Q?",
                " > It is painless for most.",
                "Text cure \u{1} and"
            ]
        );
        // Offsets map back to the file.
        let b = &prose.blocks[2];
        let i = b.text.find("painless").unwrap();
        assert_eq!(&text[b.off(i)..b.off(i) + 8], "painless");
    }

    #[test]
    fn words_are_found_as_by_chars_in_any_script() {
        // The char-by-char definition scan_words must keep.
        fn by_chars(block: &str) -> Vec<(usize, usize)> {
            let mut words = Vec::new();
            let mut start = None;
            for (i, c) in block.char_indices() {
                let word = c.is_alphanumeric() || (start.is_some() && (c == '\'' || c == '-'));
                match (word, start) {
                    (true, None) => start = Some(i),
                    (false, Some(s)) => {
                        words.push((s, i));
                        start = None;
                    }
                    _ => {}
                }
            }
            if let Some(s) = start {
                words.push((s, block.len()));
            }
            words
        }
        for text in [
            "Microneedling isn't for everyone: ask first.",
            "crème brûlée — naïve café, Ærøskøbing's 2-3 days",
            "'quoted' -dash- end-",
            "日本語のテキスト and Ελληνικά λέξεις; ünïcödé'ś-wörds",
            "\u{1}a\u{1}b  c\td",
            ". Starts with an end. Two; three: four? five! six\u{1}seven...",
            "",
        ] {
            let mut found = Vec::new();
            scan_words(text, &mut found);
            let ranges: Vec<(usize, usize)> = found
                .iter()
                .map(|w| (w.start as usize, w.end as usize))
                .collect();
            assert_eq!(ranges, by_chars(text), "{text}");
            // A word's sentence: how many of the gaps before it, from the
            // block's start, hold a sentence end.
            let mut sentence = 0;
            let mut prev_end = 0;
            for (w, &(a, b)) in found.iter().zip(&ranges) {
                if text.as_bytes()[prev_end..a]
                    .iter()
                    .any(|c| matches!(c, b'.' | b'!' | b'?' | b';' | b':' | 1))
                {
                    sentence += 1;
                }
                prev_end = b;
                assert_eq!(w.sentence, sentence, "{text}: {}", &text[a..b]);
            }
        }
    }

    #[test]
    fn short_words_pack_as_their_zero_padded_bytes() {
        let text = b"ab microneed x 12345678 tail";
        let padded = |w: &[u8]| {
            let mut key = [0u8; 8];
            key[..w.len()].copy_from_slice(w);
            u64::from_le_bytes(key)
        };
        for a in 0..text.len() {
            for b in a + 1..=text.len() {
                let want = (b - a <= 8).then(|| padded(&text[a..b]));
                assert_eq!(packed_word(text, a, b), want, "{a}..{b}");
            }
        }
    }

    #[test]
    fn stopwords() {
        assert!(STOPWORDS.windows(2).all(|w| w[0] < w[1]), "kept sorted");
        assert!(is_stopword("the") && is_stopword("it's"));
        assert!(!is_stopword("microneedling") && !is_stopword("The"));
    }

    #[test]
    fn origins_and_embedded_urls() {
        assert_eq!(
            origin_of("https://Fonts.example.com/x.css").as_deref(),
            Some("https://fonts.example.com")
        );
        assert_eq!(
            origin_of("//cdn.example/x.js").as_deref(),
            Some("https://cdn.example")
        );
        assert_eq!(origin_of("/local.png"), None);
        assert_eq!(origin_of("data:image/png;base64,xx"), None);
        let html = "<a href=\"https://a.example\">x</a><link rel=\"canonical\" href=\"https://b.example/\"><link rel=stylesheet href=\"https://c.example/s.css\"><img srcset=\"https://d.example/1.png 1x, /2.png 2x\"><div style=\"background:url('https://e.example/i.png')\"></div>";
        let urls: Vec<String> = embedded_urls(html, FileKind::Html)
            .into_iter()
            .map(|(off, u, _)| {
                assert_eq!(&html[off..off + u.len()], u);
                u
            })
            .collect();
        assert_eq!(
            urls,
            vec![
                "https://c.example/s.css",
                "https://d.example/1.png",
                "https://e.example/i.png"
            ]
        );
    }

    #[test]
    fn allowed_origins_accept_urls_and_bare_hosts() {
        let config = config_from(
            "title: T\nbase_url: https://x.example/\ncheck:\n  allowed_origins: [\"https://a.example/path\", player.b.example]\n",
        );
        let allowed = allowed_origins(&config);
        for o in [
            "https://a.example",
            "https://player.b.example",
            "http://player.b.example",
            "https://x.example",
        ] {
            assert!(allowed.contains(o), "{o} in {allowed:?}");
        }
        assert!(!allowed.contains("http://a.example"));
    }

    #[test]
    fn default_theme_is_private() {
        let files: Vec<(String, String)> = crate::theme::DEFAULT_FILES
            .iter()
            .map(|(p, b)| {
                (
                    format!("themes/default/{p}"),
                    String::from_utf8_lossy(b).into_owned(),
                )
            })
            .collect();
        let config = config_from("title: T\nbase_url: https://x.example/\n");
        assert_eq!(privacy_files(&files, &config), Vec::new());
    }
}
