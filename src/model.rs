//! The site as data: pages with their URLs, sections, tags, the benefits
//! index and the FAQ, with every cross-reference resolved.
//!
//! Owns URL assignment, duplicate detection, link and anchor validation,
//! treatment inheritance, and the indexes built from tagged content; and
//! `patch_page`, which applies an edit of an article (its body, and front
//! matter that moves no URL, and no anchor another page's links or FAQ
//! entries read) to a built site, updating the indexes in place (`serve`'s
//! fast path, issue 5). A page body's Markdown is parsed once: the parse
//! that renders it also feeds `check`'s prose rules (`render_body`). Pure:
//! it takes file texts and returns values and diagnostics; no IO.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use rayon::prelude::*;

use crate::check;
use crate::config::{Config, Data};
use crate::diag::{Diagnostic, Location, did_you_mean};
use crate::frontmatter::{self, FrontMatter};
use crate::markdown::{self, LinkContext, LinkProblem, Rendered};
use crate::source::{Kind, LineIndex, SourceFile};

mod shape;
pub use shape::{Added, Draft, Removed, add_page, remove_page};

/// What a page is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageKind {
    /// `content/_index.md`.
    Home,
    /// A section's `_index.md`.
    Section,
    /// An ordinary page or article.
    Page,
}

/// A source file's text as read, or why it could not be.
#[derive(Debug, Clone)]
pub struct Input {
    /// The file.
    pub file: SourceFile,
    /// Its text (BOM removed) or a diagnostic (not UTF-8).
    pub text: Result<Arc<str>, Diagnostic>,
    /// `fingerprint::file_hash` of the bytes read, when they were read now
    /// (not reused from `serve`'s cache).
    pub hash: Option<u64>,
}

/// One page (home, section or article).
#[derive(Debug, Clone)]
pub struct Page {
    /// Path relative to the site root (`content/a/b.md`).
    pub rel: String,
    /// Path relative to `content/`.
    pub content_rel: String,
    /// Home, section or page.
    pub kind: PageKind,
    /// Parsed front matter.
    pub fm: Arc<FrontMatter>,
    /// The whole file text (for diagnostics and checks).
    pub text: Arc<str>,
    /// Byte offset of the body in `text`.
    pub body_offset: usize,
    /// Site-relative URL path: `""` for home, `microneedling/aftercare/`.
    pub path: String,
    /// Index of the parent section (or home) in `Site::pages`.
    pub parent: Option<usize>,
    /// The treatment (own or inherited from a section).
    pub treatment: Option<String>,
    /// Rendered body (shared with `ParseCache`, so a rebuild does not copy it).
    pub rendered: Arc<Rendered>,
    /// Rendered answers of the front matter `faq` list, in order.
    pub faq_rendered: Arc<Vec<Rendered>>,
    /// Line index of `text`.
    pub lines: Arc<LineIndex>,
}

impl Page {
    /// The page title (front matter `title`; validated to exist).
    pub fn title(&self) -> &str {
        self.fm.title.as_deref().unwrap_or("")
    }

    /// Location of a byte offset in the body.
    pub fn body_location(&self, offset: usize) -> Location {
        let (line, col) = self.lines.line_col(&self.text, self.body_offset + offset);
        Location::new(&self.rel, line, col)
    }

    /// Location of a YAML value from its serde-saphyr span.
    pub fn yaml_location<T>(&self, s: &frontmatter::Spanned<T>) -> Location {
        let line = usize::try_from(s.referenced.line()).unwrap_or(1) + 1;
        let col = usize::try_from(s.referenced.column()).unwrap_or(1);
        Location::new(&self.rel, line, col)
    }

    /// An article: a page about a treatment (the trust rules apply to these).
    pub fn is_article(&self) -> bool {
        self.kind == PageKind::Page && self.treatment.is_some()
    }
}

/// A standalone question from `content/faq/*.md`.
#[derive(Debug, Clone)]
pub struct QuestionFile {
    /// Path relative to the site root.
    pub rel: String,
    /// Front matter.
    pub fm: Arc<FrontMatter>,
    /// The answer.
    pub rendered: Rendered,
    /// Whole text.
    pub text: Arc<str>,
}

/// Where a benefit is discussed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BenefitRef {
    /// Page index.
    pub page: usize,
    /// Heading index in the page, or None for a page-level tag.
    pub heading: Option<usize>,
}

/// A question on the FAQ.
#[derive(Debug, Clone)]
pub struct Question {
    /// The question text.
    pub question: String,
    /// The answer HTML.
    pub answer_html: String,
    /// The answer's plain text (JSON-LD).
    pub answer_text: String,
    /// Stable anchor on `/faq/`.
    pub id: String,
    /// Topic for grouping.
    pub topic: String,
    /// Treatment slug, if any.
    pub treatment: Option<String>,
    /// Page it came from and the anchor there (None for standalone files).
    pub source: Option<(usize, String)>,
    /// Where it was written.
    pub location: Location,
}

/// The whole site.
#[derive(Debug, Clone, Default)]
pub struct Site {
    /// Every page, sorted by source path.
    pub pages: Vec<Page>,
    /// The vocabularies.
    pub data: Data,
    /// Standalone questions.
    pub questions_files: Vec<QuestionFile>,
    /// Benefit slug -> where it is discussed (sorted).
    pub benefits: BTreeMap<String, Vec<BenefitRef>>,
    /// Every FAQ question, deduplicated, in source order.
    pub faq: Vec<Question>,
    /// Tag -> page indexes (sorted by date, newest first).
    pub tags: BTreeMap<String, Vec<usize>>,
    /// Section index -> its direct pages, in display order.
    pub children: BTreeMap<usize, Vec<usize>>,
    /// Bundle and loose content assets: (content path, site-relative URL path).
    pub assets: Vec<(String, String)>,
    /// Every site-relative URL path that exists (pages, generated pages, files).
    pub known_urls: BTreeSet<String>,
    /// Index of the home page, if `content/_index.md` exists.
    pub home: Option<usize>,
    /// Drafts left out of this build (no `--drafts`): path, `date` and text,
    /// so `check` can still report a draft whose date has passed.
    pub skipped_drafts: Vec<(String, Option<frontmatter::Date>, Arc<str>)>,
}

/// Normalises a question for duplicate detection: case, punctuation and
/// whitespace do not count.
pub fn normalize_question(q: &str) -> String {
    // The letters and digits, lowercased, in words one space apart; other
    // characters dropped without splitting a word (`make-up` is `makeup`).
    // One pass: a large site's FAQ index normalizes tens of thousands.
    let mut out = String::with_capacity(q.len());
    let mut gap = false;
    for c in q.chars() {
        if c.is_whitespace() {
            gap = !out.is_empty();
        } else if c.is_alphanumeric() {
            if gap {
                out.push(' ');
                gap = false;
            }
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// A file slug: lowercase ASCII words joined by hyphens.
pub fn slugify(s: &str) -> String {
    slug::slugify(s)
}

fn parent_dir(content_rel: &str) -> &str {
    content_rel.rsplit_once('/').map_or("", |(d, _)| d)
}

fn url_path_of(file: &SourceFile, fm: &FrontMatter) -> String {
    url_path(&file.content_rel, file.kind, fm)
}

/// The URL path of the page at `rel` (relative to `content/`) of `kind`.
fn url_path(rel: &str, kind: Kind, fm: &FrontMatter) -> String {
    let dir = parent_dir(rel);
    let dir_slug: Vec<String> = dir
        .split('/')
        .filter(|s| !s.is_empty())
        .map(slugify)
        .collect();
    match kind {
        Kind::Section => {
            if dir.is_empty() {
                String::new()
            } else {
                format!("{}/", dir_slug.join("/"))
            }
        }
        _ => {
            let name = rel.rsplit('/').next().unwrap_or(rel);
            let (parent, stem) = if name == "index.md" {
                let mut p = dir_slug.clone();
                let last = p.pop().unwrap_or_default();
                (p, last)
            } else {
                (dir_slug.clone(), name.trim_end_matches(".md").to_string())
            };
            let slug = fm.slug.as_deref().map_or_else(|| slugify(&stem), slugify);
            let mut parts = parent;
            parts.push(slug);
            format!("{}/", parts.join("/"))
        }
    }
}

/// The output file an alias redirect is written to (as `render` writes it),
/// or None for an alias of the home page, which is skipped.
pub fn alias_file(alias: &str) -> Option<String> {
    let a = alias.trim_matches('/');
    if a.is_empty() {
        None
    } else if a.ends_with(".html") {
        Some(a.to_string())
    } else {
        Some(format!("{a}/index.html"))
    }
}

/// A page kept after URL assignment: file, front matter, text, body offset
/// and URL path.
type Kept = (SourceFile, Arc<FrontMatter>, Arc<str>, usize, String);

/// An alias whose redirect would overwrite a page, a generated page or
/// another page's redirect is an error: the write would silently replace
/// that file (or race with it). See: issue 2.
fn check_aliases(keep: &[Kept], url_owner: &HashMap<String, String>, diags: &mut Vec<Diagnostic>) {
    // Most sites have no aliases: the map of every page's file below was
    // 2-3 ms of each of serve's general-path rebuilds at 10,000 articles
    // (issue 5).
    if keep.iter().all(|(_, fm, ..)| fm.aliases.is_empty()) {
        return;
    }
    let page_files: HashMap<String, &str> = url_owner
        .iter()
        .map(|(path, owner)| (format!("{path}index.html"), owner.as_str()))
        .collect();
    let mut alias_owner: HashMap<String, &str> = HashMap::new();
    for (file, fm, text, off, _) in keep {
        for alias in &fm.aliases {
            let Some(out) = alias_file(alias) else {
                continue;
            };
            let why = if out.split('/').any(|seg| seg == ".." || seg == ".") {
                format!("alias `{alias}` must be a plain address on this site, without `.` or `..`")
            } else if let Some(owner) = page_files.get(&out) {
                format!("alias `{alias}` would replace the page of `{owner}`")
            } else if RESERVED.iter().any(|r| out.starts_with(r)) || out == "404.html" {
                format!("alias `{alias}` would replace a page careleaf generates")
            } else if let Some(other) = alias_owner.get(&out) {
                format!("alias `{alias}` is already used by `{other}`")
            } else {
                alias_owner.insert(out, &file.rel);
                continue;
            };
            let front = &text[..(*off).min(text.len())];
            let (line, col) = front
                .lines()
                .enumerate()
                .find_map(|(n, l)| {
                    l.find(alias.as_str())
                        .map(|c| (n + 1, l[..c].chars().count() + 1))
                })
                .unwrap_or((1, 1));
            diags.push(
                Diagnostic::error(
                    Location::new(&file.rel, line, col),
                    "content.alias-conflict",
                    why,
                )
                .with_help("remove this alias, or choose another old address")
                .with_source(text, alias.chars().count()),
            );
        }
    }
}

/// Generated URL paths that content must not take.
pub const RESERVED: &[&str] = &["benefits/", "faq/", "tags/", "search/", "404/"];

/// Builds the site from file texts and data. Every problem becomes a
/// diagnostic; pages that could not be parsed are left out.
pub fn build(
    inputs: Vec<Input>,
    data: Data,
    assets_in: &[String],
    statics: &[String],
    config: &Config,
) -> (Site, Vec<Diagnostic>) {
    build_cached(
        inputs,
        data,
        assets_in,
        statics,
        config,
        &mut ParseCache::default(),
    )
}

/// Per-file results that `build_cached` reuses between builds (`serve`):
/// parsed front matter keyed by the file's text, and rendered Markdown
/// (with the prose rules' findings of the same parse) keyed by the text,
/// every URL a link could resolve to and the prose rules' settings, or by
/// the text, those settings and the URLs its own links looked up when only
/// others moved (`MovedTargets`). Reusing an entry gives exactly what
/// parsing again would, so a cached build equals a clean one.
#[derive(Debug, Default, Clone)]
pub struct ParseCache {
    front: HashMap<String, CachedFront>,
    markdown: HashMap<String, CachedMarkdown>,
    /// What the last build resolved links against (for `patch_page`).
    links: Option<Arc<LinkState>>,
    /// Every question the last build (or `patch_page`) saw, normalized
    /// (`normalize_question`): how many ask it, for `patch_page` to tell
    /// whether a reworded question was or becomes a duplicate.
    asked: HashMap<String, usize>,
    /// A single build or check: keep none of the per-page results below,
    /// which only a next build would read.
    pub(crate) one_shot: bool,
    /// Each page's URL path and the front matter it was worked out from
    /// (`url_path_of`).
    urls: HashMap<String, (Arc<FrontMatter>, String)>,
    /// Each page's questions, as `build_indexes` last found them.
    questions: HashMap<String, CachedQuestions>,
    /// Each page's link findings, as `validate_links` last found them.
    found_links: FoundLinks,
}

/// What `build_cached` resolved links against: `patch_page` renders an
/// edited page against it and checks its links without re-indexing.
#[derive(Debug)]
struct LinkState {
    base_path: String,
    drafts: bool,
    key: u64,
    /// `check::ProseRules::key` of the rules the prose findings were made by.
    prose: u64,
    /// `map_sum` of `pages` and of `assets`, of which `key` is made.
    page_sum: MapSum,
    asset_sum: MapSum,
    pages: HashMap<String, String>,
    assets: HashMap<String, String>,
    unpublished: Unpublished,
    targets: LinkTargets,
}

type FrontResult = Result<(Arc<FrontMatter>, usize), Diagnostic>;

#[derive(Debug, Clone)]
struct CachedFront {
    text: Arc<str>,
    result: Arc<FrontResult>,
}

#[derive(Debug, Clone)]
struct CachedMarkdown {
    text: Arc<str>,
    links: u64,
    rendered: Arc<Rendered>,
    faq: Arc<Vec<Rendered>>,
    lines: Arc<LineIndex>,
}

impl ParseCache {
    /// Number of files with a cached front matter result.
    pub fn len(&self) -> usize {
        self.front.len()
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.front.is_empty()
    }
}

fn same_text(a: &Arc<str>, b: &Arc<str>) -> bool {
    Arc::ptr_eq(a, b) || a == b
}

/// A fingerprint of everything a rendered body depends on besides its text:
/// what a link in Markdown can resolve to (the `map_sum`s of the page and
/// asset targets), and the prose rules' settings.
fn key_of_sums(base_path: &str, prose_rules: u64, pages: MapSum, assets: MapSum) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    base_path.hash(&mut h);
    prose_rules.hash(&mut h);
    for (len, sum) in [pages, assets] {
        len.hash(&mut h);
        sum.hash(&mut h);
    }
    h.finish()
}

/// A map's length and the sum of its entries' hashes (`entry_hash`): the
/// same whatever order the map holds them in, so they need no sorting first
/// (sorting every page's path and URL was 2 ms of each of serve's
/// general-path rebuilds at 10,000 articles, issue 5). Each key is in a map
/// once, so equal sums come from equal maps but by a 64-bit chance; an
/// entry's hash is subtracted when it goes (`remove_page`).
type MapSum = (usize, u64);

fn map_sum(map: &HashMap<String, String>) -> MapSum {
    let sum = map
        .par_iter()
        .map(|(k, v)| entry_hash(k, v))
        .reduce(|| 0, u64::wrapping_add);
    (map.len(), sum)
}

/// The hash of one entry of a link target map (`map_sum`).
fn entry_hash(k: &String, v: &String) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (k, v).hash(&mut h);
    h.finish()
}

/// The link targets (`LinkContext::pages` and `assets`) that differ between
/// the last build's (`LinkState`) and this one's: a slug, a draft, a new,
/// removed or renamed file moves one or two, and a page whose links looked
/// up none of them renders as before (serve's general path re-rendered every
/// page's Markdown instead, seconds at 10,000 articles; issue 5).
struct MovedTargets<'s> {
    /// The `key_of_sums` of the last build's targets.
    from: u64,
    /// Content paths of pages added, removed or given another URL.
    pages: std::collections::HashSet<&'s str>,
    /// Content paths of assets added, removed or given another URL...
    assets: std::collections::HashSet<&'s str>,
    /// ...the same, without a trailing `/`...
    asset_dirs: std::collections::HashSet<&'s str>,
    /// ...and the URLs the removed or moved ones had.
    asset_urls: std::collections::HashSet<&'s str>,
}

impl<'s> MovedTargets<'s> {
    fn between(
        last: &'s LinkState,
        pages: &'s HashMap<String, String>,
        assets: &'s HashMap<String, String>,
    ) -> Self {
        fn moved<'m>(
            old: &'m HashMap<String, String>,
            new: &'m HashMap<String, String>,
        ) -> Vec<(&'m str, Option<&'m str>)> {
            let mut out: Vec<(&str, Option<&str>)> = old
                .iter()
                .filter(|(k, v)| new.get(*k) != Some(*v))
                .map(|(k, v)| (k.as_str(), Some(v.as_str())))
                .collect();
            out.extend(
                new.keys()
                    .filter(|k| !old.contains_key(*k))
                    .map(|k| (k.as_str(), None)),
            );
            out
        }
        let moved_assets = moved(&last.assets, assets);
        MovedTargets {
            from: last.key,
            pages: moved(&last.pages, pages)
                .into_iter()
                .map(|(k, _)| k)
                .collect(),
            assets: moved_assets.iter().map(|(k, _)| *k).collect(),
            asset_dirs: moved_assets
                .iter()
                .map(|(k, _)| k.trim_end_matches('/'))
                .collect(),
            asset_urls: moved_assets.iter().filter_map(|(_, u)| *u).collect(),
        }
    }

    /// Whether rendering `c` (its body and FAQ answers) looked up a target
    /// that moved. What `markdown::render` looked up, it records in each
    /// link: a page link's `.md` path (`target_page`, or `MissingPage`);
    /// for any other relative path the asset, then the bundle `index.md` of
    /// that folder (`target_page`, `MissingFile`, or an asset's
    /// `target_url`). Site-relative and same-page links look nothing up.
    fn read_by(&self, c: &CachedMarkdown) -> bool {
        std::iter::once(&*c.rendered)
            .chain(c.faq.iter())
            .any(|r| self.read_in(r))
    }

    /// `read_by` for one rendered text.
    fn read_in(&self, r: &Rendered) -> bool {
        let bundle = |t: &str| format!("{}/index.md", t.trim_end_matches('/'));
        r.links
            .iter()
            .any(|l| match (&l.problem, &l.target_page, &l.target_url) {
                (Some(LinkProblem::MissingPage(t)), _, _) => self.pages.contains(t.as_str()),
                (Some(LinkProblem::MissingFile(t)), _, _) => {
                    self.assets.contains(t.as_str()) || self.pages.contains(bundle(t).as_str())
                }
                (None, Some(page), _) => {
                    self.pages.contains(page.as_str())
                        || page
                            .strip_suffix("/index.md")
                            .is_some_and(|dir| self.asset_dirs.contains(dir))
                }
                (None, None, Some(url)) => {
                    !l.raw.starts_with('/') && self.asset_urls.contains(url.as_str())
                }
                (None, None, None) => false,
            })
    }
}

/// What became of a page's `ParseCache::markdown` entry in `build_cached`.
enum Entry {
    /// Reused as it was.
    Same,
    /// Reused, rendered against link targets of which none it looked up
    /// moved: its `links` key becomes this build's.
    Rekeyed,
    /// Rendered now (until the page is made, then `Rendered`).
    New,
    /// Rendered now: the new entry.
    Rendered(CachedMarkdown),
}

/// `build` with a cache of per-file results (see `ParseCache`).
pub fn build_cached(
    inputs: Vec<Input>,
    data: Data,
    assets_in: &[String],
    statics: &[String],
    config: &Config,
    cache: &mut ParseCache,
) -> (Site, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    // Parse front matter in parallel.
    type Parsed = (SourceFile, Arc<FrontMatter>, Arc<str>, usize);
    let inputs: Vec<Input> = inputs
        .into_iter()
        .filter(|i| matches!(i.file.kind, Kind::Page | Kind::Section | Kind::Question))
        .collect();
    // (whether it was parsed now, the result)
    let fronts: Vec<Option<(bool, Arc<FrontResult>)>> = inputs
        .par_iter()
        .map(|input| {
            let text = input.text.as_ref().ok()?;
            if let Some(c) = cache.front.get(&input.file.rel)
                && same_text(&c.text, text)
            {
                return Some((false, c.result.clone()));
            }
            Some((
                true,
                Arc::new(
                    frontmatter::parse(text, &input.file.rel)
                        .map(|(fm, split)| (Arc::new(fm), split.body_offset)),
                ),
            ))
        })
        .collect();
    // Results parsed now replace theirs in the cache, and those of files
    // that are gone or unreadable go below (rebuilding the whole map took a
    // few ms of every general-path rebuild at 10,000 articles, issue 5).
    for (input, front) in inputs.iter().zip(&fronts) {
        if let (Ok(text), Some((true, result))) = (&input.text, front)
            && !cache.one_shot
        {
            cache.front.insert(
                input.file.rel.clone(),
                CachedFront {
                    text: text.clone(),
                    result: result.clone(),
                },
            );
        }
    }
    if !cache.one_shot {
        let live = inputs.iter().filter(|i| i.text.is_ok());
        let count = fronts.iter().flatten().count();
        drop_stale(&mut cache.front, count, live.map(|i| i.file.rel.as_str()));
    }
    let mut parsed: Vec<Result<Parsed, (String, Diagnostic)>> = Vec::with_capacity(inputs.len());
    for (input, front) in inputs.into_iter().zip(fronts) {
        let rel = input.file.content_rel.clone();
        match (input.text, front) {
            (Err(d), _) => parsed.push(Err((rel, d))),
            (Ok(text), Some((_, result))) => {
                match &*result {
                    Ok((fm, off)) => parsed.push(Ok((input.file, fm.clone(), text, *off))),
                    Err(d) => {
                        // Every problem of the front matter, not only the first.
                        diags.extend(frontmatter::further_problems(&text, &input.file.rel, d));
                        parsed.push(Err((rel, d.clone())));
                    }
                }
            }
            // `fronts` is `None` only for texts that are `Err`.
            (Ok(_), None) => {}
        }
    }
    let mut pages_in = Vec::new();
    let mut questions_in = Vec::new();
    let mut skipped_drafts = Vec::new();
    // Pages that exist but are not published: links to them are not reported
    // as "no page" (a draft gets its own message; a broken file already has one).
    let mut unpublished = Unpublished::new();
    for p in parsed {
        match p {
            Ok((file, fm, text, off)) => {
                if fm.draft && !config.drafts {
                    unpublished.insert(file.content_rel.clone(), true);
                    skipped_drafts.push((file.rel.clone(), fm.date, text.clone()));
                    continue;
                }
                if file.kind == Kind::Question {
                    questions_in.push((file, fm, text, off));
                } else {
                    pages_in.push((file, fm, text, off));
                }
            }
            Err((rel, d)) => {
                unpublished.insert(rel, false);
                diags.push(d);
            }
        }
    }
    pages_in.sort_by(|a, b| a.0.rel.cmp(&b.0.rel));

    // URLs and duplicates.
    // Each page's URL on every core: slugifying every folder and file name
    // made this loop 12 ms of the ~130 ms load of serve's general path at
    // 10,000 articles, 8 ms with this (issue 5). Which page keeps a URL is
    // decided in order below.
    // A page's URL is kept while its front matter is the one it was worked
    // out from (slugifying every folder and file name again was most of
    // this step of serve's general path, issue 5). (whether new, the URL)
    let paths: Vec<(bool, String)> = pages_in
        .par_iter()
        .map(|(file, fm, _, _)| match cache.urls.get(&file.rel) {
            Some((was, path)) if Arc::ptr_eq(was, fm) => (false, path.clone()),
            _ => (true, url_path_of(file, fm)),
        })
        .collect();
    for ((file, fm, _, _), (new, path)) in pages_in.iter().zip(&paths) {
        if *new && !cache.one_shot {
            cache
                .urls
                .insert(file.rel.clone(), (fm.clone(), path.clone()));
        }
    }
    if !cache.one_shot {
        let live = pages_in.iter().map(|(f, ..)| f.rel.as_str());
        drop_stale(&mut cache.urls, pages_in.len(), live);
    }
    let paths = paths.into_iter().map(|(_, path)| path);
    let mut url_owner: HashMap<String, String> = HashMap::with_capacity(pages_in.len());
    let mut page_urls: HashMap<String, String> = HashMap::with_capacity(pages_in.len());
    let mut keep = Vec::with_capacity(pages_in.len());
    for ((file, fm, text, off), path) in pages_in.into_iter().zip(paths) {
        if fm.title.as_deref().is_none_or(|t| t.trim().is_empty()) {
            // `title:` written but left empty: point at it rather than at the fence.
            let written = front_line(&text[..off], "title");
            let d = match written {
                Some((n, _)) => Diagnostic::error(
                    Location::new(&file.rel, n, 1),
                    "frontmatter.missing-field",
                    "field `title` is empty",
                )
                .with_help("write the page's title after `title: `")
                .with_source(&text, "title:".len()),
                None => Diagnostic::error(
                    Location::new(&file.rel, 1, 1),
                    "frontmatter.missing-field",
                    "missing required field `title`",
                )
                .with_help("add a line `title: ...` to the front matter")
                .with_source(&text, 3),
            };
            diags.push(d);
            unpublished.insert(file.content_rel.clone(), false);
            continue;
        }
        if path.starts_with('/') || path.contains("//") {
            // A slug or file name with no letters or digits slugifies to "".
            let slug_line = front_line(&text[..off], "slug");
            let (loc, width) = match slug_line {
                Some((n, l)) => (Location::new(&file.rel, n, 1), l.chars().count()),
                None => (Location::new(&file.rel, 1, 1), 3),
            };
            diags.push(
                Diagnostic::error(
                    loc,
                    "content.empty-slug",
                    "this page's URL would be empty: its slug or file name has no letters or digits",
                )
                .with_help("give the page a `slug` made of letters, digits and hyphens")
                .with_source(&text, width),
            );
            unpublished.insert(file.content_rel.clone(), false);
            continue;
        }
        if RESERVED.contains(&path.as_str()) && file.kind != Kind::Section {
            diags.push(
                Diagnostic::error(
                    Location::new(&file.rel, 1, 1),
                    "content.reserved-url",
                    format!(
                        "the URL `/{path}` is generated by careleaf and cannot be used by a page"
                    ),
                )
                .with_help("give the page another `slug` or file name"),
            );
            continue;
        }
        if let Some(other) = url_owner.get(&path) {
            let message = format!("this page has the URL `/{path}`, which `{other}` already has");
            // Point at the slug that makes the URL, or at the fence when
            // the URL comes from the file's name.
            let slug_value = front_line(&text[..off], "slug").map(|(n, l)| {
                let value = l["slug:".len()..].trim_start();
                let col = l.len() - value.len();
                (
                    n,
                    l[..col].chars().count() + 1,
                    value.trim_end().chars().count(),
                )
            });
            let d = match slug_value {
                Some((line, col, width)) => Diagnostic::error(
                    Location::new(&file.rel, line, col),
                    "content.duplicate-url",
                    message,
                )
                .with_help("give one of them a different `slug`")
                .with_source(&text, width.max(1)),
                None => Diagnostic::error(
                    Location::new(&file.rel, 1, 1),
                    "content.duplicate-url",
                    message,
                )
                .with_help(format!(
                    "this page's URL comes from its file name: add a line `slug: ...` to its front matter, or give `{other}` a different `slug`"
                ))
                .with_source(&text, 3),
            };
            diags.push(d);
            continue;
        }
        url_owner.insert(path.clone(), file.rel.clone());
        page_urls.insert(file.content_rel.clone(), path.clone());
        keep.push((file, fm, text, off, path));
    }
    check_aliases(&keep, &url_owner, &mut diags);

    // Assets: inside a bundle they are published beside the bundle's page.
    let mut bundle_dirs: HashMap<String, String> = HashMap::new();
    for (file, _, _, _, path) in &keep {
        if file.content_rel.ends_with("/index.md") {
            bundle_dirs.insert(parent_dir(&file.content_rel).to_string(), path.clone());
        }
    }
    let mut asset_urls: HashMap<String, String> = HashMap::new();
    let mut assets = Vec::new();
    for rel in assets_in {
        {
            let dir = parent_dir(rel);
            let mut url = rel.to_string();
            let mut d = dir;
            loop {
                if let Some(page_path) = bundle_dirs.get(d) {
                    let rest = &rel[d.len()..].trim_start_matches('/');
                    url = format!("{page_path}{rest}");
                    break;
                }
                match d.rsplit_once('/') {
                    Some((p, _)) => d = p,
                    None => break,
                }
            }
            asset_urls.insert(rel.to_string(), url.clone());
            assets.push((rel.to_string(), url));
        }
    }

    // Render Markdown in parallel.
    let base_path = config.base_path.as_str();
    let rules = check::ProseRules::new(config);
    let prose_key = rules.key();
    let (page_sum, asset_sum) = rayon::join(|| map_sum(&page_urls), || map_sum(&asset_urls));
    let links = key_of_sums(base_path, prose_key, page_sum, asset_sum);
    let moved = cache
        .links
        .as_ref()
        .filter(|s| s.key != links && s.base_path == base_path && s.prose == prose_key)
        .map(|s| MovedTargets::between(s, &page_urls, &asset_urls));
    // (the page, its cache entry when it was rendered now, or `Rekeyed`)
    let rendered: Vec<(Page, Entry)> = keep
        .into_par_iter()
        .map(|(file, fm, text, off, path)| {
            let dir = parent_dir(&file.content_rel);
            let ctx = LinkContext {
                base_path,
                dir,
                pages: &page_urls,
                assets: &asset_urls,
            };
            let (cached, entry) = match cache.markdown.get(&file.rel) {
                Some(c) if c.links == links && same_text(&c.text, &text) => {
                    (c.clone(), Entry::Same)
                }
                // Rendered against the last build's link targets, of which
                // none it looked up moved.
                Some(c)
                    if same_text(&c.text, &text)
                        && moved
                            .as_ref()
                            .is_some_and(|m| c.links == m.from && !m.read_by(c)) =>
                {
                    (c.clone(), Entry::Rekeyed)
                }
                _ => {
                    let lines = LineIndex::new(&text);
                    let c = CachedMarkdown {
                        text: text.clone(),
                        links,
                        rendered: Arc::new(render_body(
                            &file.rel, &text, off, &lines, &ctx, &rules,
                        )),
                        faq: Arc::new(
                            fm.faq
                                .iter()
                                .map(|e| markdown::render(&e.answer, &ctx))
                                .collect(),
                        ),
                        lines: Arc::new(lines),
                    };
                    (c, Entry::New)
                }
            };
            let rendered = cached.rendered.clone();
            let faq_rendered = cached.faq.clone();
            let lines = cached.lines.clone();
            let kind = match (file.kind, path.is_empty()) {
                (Kind::Section, true) => PageKind::Home,
                (Kind::Section, false) => PageKind::Section,
                _ => PageKind::Page,
            };
            let page = Page {
                lines,
                rel: file.rel,
                content_rel: file.content_rel,
                kind,
                fm,
                text,
                body_offset: off,
                path,
                parent: None,
                treatment: None,
                rendered,
                faq_rendered,
            };
            let entry = match entry {
                Entry::New => Entry::Rendered(cached),
                other => other,
            };
            (page, entry)
        })
        .collect();
    // Entries rendered now replace theirs; those of pages that are gone go
    // (rebuilding the whole map took a few ms of every general-path
    // rebuild at 10,000 articles, issue 5).
    let rendered: Vec<Page> = rendered
        .into_iter()
        .map(|(page, entry)| {
            match entry {
                _ if cache.one_shot => {}
                Entry::Rendered(cached) => {
                    cache.markdown.insert(page.rel.clone(), cached);
                }
                // Only the key changes: no copy of the entry and its path
                // for every page after a page was added or removed (issue 5).
                Entry::Rekeyed => {
                    if let Some(c) = cache.markdown.get_mut(&page.rel) {
                        c.links = links;
                    }
                }
                Entry::Same | Entry::New => {}
            }
            page
        })
        .collect();
    if !cache.one_shot {
        let live = rendered.iter().map(|p| p.rel.as_str());
        drop_stale(&mut cache.markdown, rendered.len(), live);
    }
    let mut site = Site {
        pages: rendered,
        data,
        assets,
        skipped_drafts,
        ..Site::default()
    };
    site.home = site.pages.iter().position(|p| p.kind == PageKind::Home);

    // Sections: nearest ancestor folder with an `_index.md`.
    let section_of_dir: HashMap<String, usize> = site
        .pages
        .iter()
        .enumerate()
        .filter(|(_, p)| p.kind != PageKind::Page)
        .map(|(i, p)| (parent_dir(&p.content_rel).to_string(), i))
        .collect();
    // Each page's parent, then its treatment, worked out on every core
    // (each reads only the pages and the sections; issue 5).
    let parents: Vec<Option<usize>> = site
        .pages
        .par_iter()
        .enumerate()
        .map(|(i, p)| {
            if p.kind == PageKind::Home {
                return None;
            }
            let mut dir = parent_dir(&p.content_rel);
            if p.content_rel.ends_with("/index.md") || p.kind == PageKind::Section {
                dir = parent_dir(dir);
            }
            loop {
                if let Some(&s) = section_of_dir.get(dir)
                    && s != i
                {
                    break Some(s);
                }
                if dir.is_empty() {
                    break None;
                }
                dir = parent_dir(dir);
            }
        })
        .collect();
    for (p, parent) in site.pages.iter_mut().zip(parents) {
        p.parent = parent;
    }
    // Treatment inheritance: own, else the nearest section's.
    let treatments: Vec<Option<String>> = (0..site.pages.len())
        .into_par_iter()
        .map(|i| {
            let mut cur = Some(i);
            while let Some(c) = cur {
                if let Some(t) = &site.pages[c].fm.treatment {
                    return Some(t.value.clone());
                }
                cur = site.pages[c].parent;
            }
            None
        })
        .collect();
    for (p, treatment) in site.pages.iter_mut().zip(treatments) {
        p.treatment = treatment;
    }
    for (i, p) in site.pages.iter().enumerate() {
        if let Some(parent) = p.parent {
            site.children.entry(parent).or_default().push(i);
        }
    }
    let parents: Vec<usize> = site.children.keys().copied().collect();
    for parent in parents {
        sort_children(&mut site, parent);
    }

    // Standalone questions.
    for (file, fm, text, off) in questions_in {
        if fm.question.is_none() {
            diags.push(
                Diagnostic::error(Location::new(&file.rel, 1, 1), "frontmatter.missing-field", "missing required field `question`")
                    .with_help("a file in content/faq/ is one question: add `question: ...`; the text below the front matter is the answer")
                    .with_source(&text, 3),
            );
            continue;
        }
        let ctx = LinkContext {
            base_path,
            dir: "faq",
            pages: &page_urls,
            assets: &asset_urls,
        };
        let rendered = markdown::render(&text[off..], &ctx);
        site.questions_files.push(QuestionFile {
            rel: file.rel,
            fm,
            rendered,
            text,
        });
    }

    validate_references(&site, &mut diags);
    let questions = (!cache.one_shot).then_some(&mut cache.questions);
    cache.asked = build_indexes(&mut site, &mut diags, questions);
    // The set of URLs and the link targets' maps are independent: made side
    // by side (each is a copy of every page's URL, 1.5-3 ms at 10,000
    // articles on serve's general path, issue 5).
    let (known, targets) = rayon::join(
        || known_urls(&site, statics),
        || LinkTargets::of_site(&site),
    );
    site.known_urls = known;
    // `static/` is copied after the pages are written, so a static file at a
    // page's address silently replaces that page.
    for rel in statics {
        if let Some(p) = site
            .pages
            .iter()
            .find(|p| rel.strip_suffix("index.html") == Some(p.path.as_str()))
        {
            diags.push(
                Diagnostic::warning(
                    Location::new(format!("static/{rel}"), 1, 1),
                    "content.static-replaces-page",
                    format!("this file replaces the page built from `{}`", p.rel),
                )
                .with_help("remove one of the two; the file in static/ wins"),
            );
        }
    }
    validate_links(
        &site,
        &unpublished,
        &targets,
        &mut cache.found_links,
        !cache.one_shot,
        &mut diags,
    );
    cache.links = Some(Arc::new(LinkState {
        base_path: base_path.to_string(),
        drafts: config.drafts,
        key: links,
        prose: prose_key,
        page_sum,
        asset_sum,
        pages: page_urls,
        assets: asset_urls,
        unpublished,
        targets,
    }));
    (site, diags)
}

/// The 1-based line number and text of the top-level `key:` line in a
/// file's front matter `front` (fences included), if written.
fn front_line<'t>(front: &'t str, key: &str) -> Option<(usize, &'t str)> {
    front
        .lines()
        .enumerate()
        .skip(1)
        .find(|(_, l)| l.strip_prefix(key).is_some_and(|r| r.starts_with(':')))
        .map(|(n, l)| (n + 1, l))
}

/// Renders a page's body and runs the content checks' prose rules on the
/// same parse: the one place `build_cached` and `patch_page` share, so a
/// patched page is rendered and checked exactly as a full build does it.
fn render_body(
    rel: &str,
    text: &str,
    body_offset: usize,
    lines: &LineIndex,
    ctx: &LinkContext<'_>,
    rules: &check::ProseRules<'_>,
) -> Rendered {
    let mut prose = check::ProseBuilder::new(text, body_offset);
    let mut rendered = markdown::render_page(&text[body_offset..], ctx, &mut |event, range| {
        prose.event(event, range);
    });
    rendered.prose = Some(rules.findings(rel, text, lines, prose));
    rendered
}

/// The message of a `faq.duplicate` warning about a question first asked
/// at `first`.
fn duplicate_message(first: &Location) -> String {
    format!("this question is also asked at {first}")
}

/// The `faq.duplicate` warning at `location`, a repeat of the question
/// first asked at `first`.
fn duplicate_warning(location: Location, first: &Location) -> Diagnostic {
    Diagnostic::warning(location, "faq.duplicate", duplicate_message(first))
        .with_help(DUPLICATE_HELP)
}

/// The help of a `faq.duplicate` warning.
const DUPLICATE_HELP: &str =
    "the FAQ shows it once; merge the answers or reword one of the questions";

/// Moves the `faq.duplicate` warnings that stand at or quote the locations
/// of questions an edit moved (`Patched::moved`), as a full build would
/// report them. Leaves `diags` to be sorted again within the edited file.
pub fn relocate_faq_diagnostics(diags: &mut [Diagnostic], moved: &[(Location, Location)]) {
    if moved.is_empty() {
        return;
    }
    let at: BTreeMap<&Location, &Location> = moved.iter().map(|(a, b)| (a, b)).collect();
    let quoted: HashMap<String, String> = moved
        .iter()
        .map(|(a, b)| (duplicate_message(a), duplicate_message(b)))
        .collect();
    for d in diags.iter_mut().filter(|d| d.code == "faq.duplicate") {
        if let Some(to) = at.get(&d.location) {
            d.location = (*to).clone();
        }
        if let Some(m) = quoted.get(&d.message) {
            d.message = m.clone();
        }
    }
}

/// An edit of one page applied by `patch_page`.
#[derive(Debug)]
pub struct Patched {
    /// Index of the page in `Site::pages`.
    pub page: usize,
    /// The page's model diagnostics that only its own text decides (unknown
    /// people, treatment and benefits, links and images) before the edit...
    pub old_local: Vec<Diagnostic>,
    /// ...and after it.
    pub new_local: Vec<Diagnostic>,
    /// The page's FAQ questions that moved (the front matter grew or shrank
    /// above them): old location -> new. `faq.duplicate` warnings stand at
    /// these locations or quote them. Every other model diagnostic is
    /// unchanged.
    pub moved: Vec<(Location, Location)>,
    /// The front matter before the edit, when it changed (then indexes,
    /// orderings and the FAQ may have too; see `patch_page`).
    pub old_front: Option<Arc<FrontMatter>>,
    /// `faq.duplicate` warnings at the page's reworded questions that go,
    /// where they stood before the edit (remove them before moving the
    /// warnings of `moved`)...
    pub old_repeats: Vec<Diagnostic>,
    /// ...and those that come (`reworded_questions`).
    pub new_repeats: Vec<Diagnostic>,
    /// When a new slug moved the page (`moved_url`): the other pages whose
    /// links name its old or new URL, by source path, with their link
    /// findings before and after the edit.
    pub relinked: Vec<(String, Vec<Diagnostic>, Vec<Diagnostic>)>,
    /// True when a new slug moved the page to another URL.
    pub moved_url: bool,
}

/// The model diagnostics of page `i` that only its own text decides
/// (unknown people, treatment and benefits, links and images), in the order
/// `build_cached` reports them.
fn local_diagnostics(site: &Site, i: usize, state: &LinkState) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    page_references(&site.pages[i], &Known::of(&site.data), &mut out);
    let anchors = Anchors::new(site);
    validate_page_links(
        site,
        i,
        &state.unpublished,
        &state.targets,
        &anchors,
        &mut out,
    );
    out
}

/// Whether an edit of an article's front matter from `old` to `new` leaves
/// every draft state, alias, ordering key but the title, treatment and the
/// number of FAQ entries as it was, so `patch_page` can apply it without
/// assembling the site again. Titles, descriptions, tags, benefits, people,
/// sources, FAQ questions (see `reworded_questions`), answers and topics
/// may change, and the slug (see `moved_url`).
fn front_patchable(old: &FrontMatter, new: &FrontMatter) -> bool {
    new.title.as_deref().is_some_and(|t| !t.trim().is_empty())
        && old.draft == new.draft
        && old.aliases.is_empty()
        && new.aliases.is_empty()
        && old.treatment.as_ref().map(|t| &t.value) == new.treatment.as_ref().map(|t| &t.value)
        && old.question.is_none()
        && new.question.is_none()
        && old.faq.len() == new.faq.len()
}

/// A front matter FAQ question an edit reworded (`reworded_questions`).
#[derive(Debug)]
struct Reworded {
    /// Its place in the page's `faq` list.
    entry: usize,
    /// The question before and after, normalized (`normalize_question`).
    old_key: String,
    new_key: String,
    /// Its anchor after the edit, on the page and on the FAQ.
    id: String,
    /// What happens to its entry in `Site::faq`.
    change: EntryChange,
}

/// How a reworded question's place on the FAQ changes (`Reworded`).
#[derive(Debug)]
enum EntryChange {
    /// It is the only asking of its question before and after: it keeps
    /// its entry.
    Keeps,
    /// It repeated an earlier asking (a `faq.duplicate` warning quoting
    /// `first`) and is the only asking after: it gets an entry of its own,
    /// and the warning goes.
    Gains { first: Location },
    /// It was the only asking (entry `entry` of `Site::faq`) and repeats an
    /// earlier page's asking after: its entry goes, and a warning quotes
    /// `first`.
    Loses { entry: usize, first: Location },
    /// It repeated an earlier asking (quoting `from`) and repeats an
    /// earlier page's asking after (quoting `to`): only the warning changes.
    Repeats { from: Location, to: Location },
}

/// The FAQ questions of page `i` that an edit of its front matter from
/// `old` to `new` rewords, when `patch_page` can apply that: each was the
/// only asking of its question or repeated an earlier one, and after the
/// edit is the only asking or repeats an asking on an earlier page (so no
/// other asking gains or loses its entry in `Site::faq`, and no other
/// `faq.duplicate` warning changes: a question other pages repeat is never
/// reworded here); an entry gained or lost is the only such change of the
/// edit. Every other FAQ entry keeps its anchor: none is numbered from an
/// anchor that appears, goes or changes (`q-x`, `q-x-1`). No other page
/// links to the question's old or new anchor, or to page `i` with an anchor
/// it does not have (that finding's "did you mean" reads the page's
/// anchors), so every other page's link findings stay as they are. `None`
/// otherwise (the caller assembles the site again). `asked` is
/// `ParseCache::asked`. See: issue 5.
fn reworded_questions(
    site: &Site,
    i: usize,
    old: &FrontMatter,
    new: &FrontMatter,
    asked: &HashMap<String, usize>,
) -> Option<Vec<Reworded>> {
    let page = &site.pages[i];
    let mut out: Vec<Reworded> = Vec::new();
    // Anchors of `Site::faq` that appear or go: no other entry may be
    // numbered from one (its number would change).
    let mut numbering: Vec<String> = Vec::new();
    // The page's own anchors that change (before, after).
    let mut anchors: Vec<(String, String)> = Vec::new();
    // The entry of the first asking of a normalized question.
    let first_of = |key: &str| {
        site.faq
            .iter()
            .position(|q| normalize_question(&q.question) == key)
    };
    for (k, (a, b)) in old.faq.iter().zip(&new.faq).enumerate() {
        let (a, b) = (&a.question.value, &b.question.value);
        if a == b {
            continue;
        }
        let (old_key, new_key) = (normalize_question(a), normalize_question(b));
        // Two reworded questions of one edit must not meet.
        if out.iter().any(|r| {
            [&r.old_key, &r.new_key]
                .into_iter()
                .any(|x| *x == old_key || *x == new_key)
        }) {
            return None;
        }
        let location = page.yaml_location(&old.faq[k].question);
        let (before, id) = (
            format!("q-{}", markdown::anchor_id(a)),
            format!("q-{}", markdown::anchor_id(b)),
        );
        let own = site.faq.iter().position(|q| {
            q.source.as_ref().is_some_and(|(s, _)| *s == i) && q.location == location
        });
        // Where it was first asked before the edit (`None`: here).
        let was = match own {
            Some(entry) => {
                // The first asking of a question others repeat: their
                // warnings quote it.
                if asked.get(&old_key) != Some(&1) || site.faq[entry].id != before {
                    return None;
                }
                None
            }
            None => {
                if asked.get(&old_key).is_none_or(|&n| n < 2) {
                    return None;
                }
                Some(site.faq.get(first_of(&old_key)?)?.location.clone())
            }
        };
        // Where it is first asked after the edit (`None`: here): an
        // asking on an earlier page; a later asking would lose its entry.
        let will = if new_key == old_key {
            was.clone()
        } else if asked.contains_key(&new_key) {
            let first = site.faq.get(first_of(&new_key)?)?;
            match &first.source {
                Some((j, _)) if *j < i => Some(first.location.clone()),
                _ => return None,
            }
        } else {
            None
        };
        let change = match (was, will, own) {
            (None, None, _) => {
                if before != id {
                    numbering.push(before.clone());
                    numbering.push(id.clone());
                }
                EntryChange::Keeps
            }
            (Some(first), None, _) => {
                numbering.push(id.clone());
                EntryChange::Gains { first }
            }
            (None, Some(first), Some(entry)) => {
                numbering.push(before.clone());
                EntryChange::Loses { entry, first }
            }
            (Some(from), Some(to), _) => EntryChange::Repeats { from, to },
            (None, Some(_), None) => return None,
        };
        if before != id {
            anchors.push((before, id.clone()));
        }
        out.push(Reworded {
            entry: k,
            old_key,
            new_key,
            id,
            change,
        });
    }
    // An entry gained or lost moves every later one: one per edit.
    if out.len() > 1
        && out.iter().any(|r| {
            matches!(
                r.change,
                EntryChange::Gains { .. } | EntryChange::Loses { .. }
            )
        })
    {
        return None;
    }
    if anchors.is_empty() {
        return Some(out);
    }
    // `q-x` and the anchors numbered from it (`q-x-1`, `q-x-2`).
    let from = |id: &str, base: &str| {
        id.strip_prefix(base).is_some_and(|rest| {
            rest.is_empty()
                || rest
                    .strip_prefix('-')
                    .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
    };
    // The entries of the reworded questions themselves (those that keep
    // theirs) are the ones that may hold these anchors.
    let own_entries: Vec<usize> = out
        .iter()
        .filter(|r| matches!(r.change, EntryChange::Keeps | EntryChange::Loses { .. }))
        .filter_map(|r| {
            let location = page.yaml_location(&old.faq[r.entry].question);
            site.faq.iter().position(|q| {
                q.source.as_ref().is_some_and(|(s, _)| *s == i) && q.location == location
            })
        })
        .collect();
    for (m, q) in site.faq.iter().enumerate() {
        if !own_entries.contains(&m) && numbering.iter().any(|base| from(&q.id, base)) {
            return None;
        }
    }
    // Two new anchors of one edit numbered from one another.
    let fresh: Vec<&str> = out
        .iter()
        .filter(|r| {
            !matches!(
                r.change,
                EntryChange::Loses { .. } | EntryChange::Repeats { .. }
            )
        })
        .map(|r| r.id.as_str())
        .collect();
    for (n, a) in fresh.iter().enumerate() {
        if fresh[..n].iter().any(|b| from(a, b) || from(b, a)) {
            return None;
        }
    }
    let has = page_anchors(page);
    let linked: std::collections::HashSet<&str> = anchors
        .iter()
        .flat_map(|(before, after)| [before.as_str(), after.as_str()])
        .collect();
    for (j, p) in site.pages.iter().enumerate() {
        if j == i {
            continue;
        }
        for l in &p.rendered.links {
            let Some(anchor) = &l.anchor else { continue };
            let to_page = l.target_page.as_deref() == Some(page.content_rel.as_str())
                || l.target_url
                    .as_deref()
                    .is_some_and(|u| u.split(['?', '#']).next() == Some(page.path.as_str()));
            if (to_page && !has.contains(anchor)) || linked.contains(anchor.as_str()) {
                return None;
            }
        }
    }
    Some(out)
}

/// Where page `p`'s FAQ questions stand, front matter entries first, as
/// `build_indexes` pushes them.
fn question_locations(p: &Page) -> Vec<Location> {
    p.fm.faq
        .iter()
        .map(|e| p.yaml_location(&e.question))
        .chain(
            p.rendered
                .headings
                .iter()
                .filter(|h| h.faq)
                .map(|h| p.body_location(h.offset)),
        )
        .collect()
}

/// The tag index after page `i`'s tags changed from `old` to its current
/// ones, when no tag page appears, disappears or is renamed: `None`
/// otherwise (the caller builds the site again). Keeps `build_indexes`'
/// order: newest first, then title, then path.
fn patch_tags(site: &mut Site, i: usize, old: &[String]) -> Option<()> {
    let name_of: HashMap<String, String> = site
        .tags
        .keys()
        .map(|name| (slugify(name), name.clone()))
        .collect();
    let new = site.pages[i].fm.tags.clone();
    let mut touched: BTreeSet<String> = BTreeSet::new();
    for t in &new {
        // A tag written as another page first wrote it: same name; any other
        // spelling could rename the tag, and a new tag adds a page.
        if name_of.get(&slugify(t)) != Some(t) {
            return None;
        }
        touched.insert(t.clone());
    }
    for t in old {
        let name = name_of.get(&slugify(t))?;
        touched.insert(name.clone());
    }
    for name in &touched {
        let slug = slugify(name);
        let pages = &site.pages;
        let v = site.tags.get_mut(name)?;
        v.retain(|&j| j != i);
        if new.iter().any(|t| slugify(t) == slug) {
            v.push(i);
        }
        // The tag's name is as the first page (in path order) wrote it.
        let first = *v.iter().min()?;
        if !pages[first].fm.tags.iter().any(|t| t == name) {
            return None;
        }
        sort_tag_pages(pages, v);
    }
    Some(())
}

/// Sorts a tag's pages as its list shows them: newest first, then title,
/// then path.
fn sort_tag_pages(pages: &[Page], v: &mut [usize]) {
    v.sort_by(|&a, &b| {
        let (pa, pb) = (&pages[a], &pages[b]);
        (std::cmp::Reverse(pa.fm.date), pa.title(), a).cmp(&(
            std::cmp::Reverse(pb.fm.date),
            pb.title(),
            b,
        ))
    });
}

/// Each page's place among all pages in the order of `sort_tag_pages`
/// (newest first, then by title, then by index): sorting a list of pages
/// by these numbers gives that order without reading the pages again.
fn tag_order_ranks(pages: &[Page]) -> Vec<u32> {
    let mut keys: Vec<(std::cmp::Reverse<Option<frontmatter::Date>>, &str, usize)> = pages
        .par_iter()
        .enumerate()
        .map(|(i, p)| (std::cmp::Reverse(p.fm.date), p.title(), i))
        .collect();
    keys.par_sort_unstable();
    let mut rank = vec![0u32; pages.len()];
    for (r, &(.., i)) in keys.iter().enumerate() {
        rank[i] = u32::try_from(r).unwrap_or(u32::MAX);
    }
    rank
}

/// The benefits index after page `i`'s front matter benefits changed.
fn patch_benefits(site: &mut Site, i: usize) {
    for v in site.benefits.values_mut() {
        v.retain(|r| r.page != i);
    }
    insert_benefits(site, i);
}

/// Puts page `i`'s benefits (front matter, then headings) into the
/// benefits index, each in its sorted place.
fn insert_benefits(site: &mut Site, i: usize) {
    let p = &site.pages[i];
    let refs =
        p.fm.benefits
            .iter()
            .map(|b| (b.value.as_str(), None))
            .chain(
                p.rendered
                    .headings
                    .iter()
                    .enumerate()
                    .flat_map(|(h, head)| {
                        head.benefits
                            .iter()
                            .map(move |(b, _)| (b.as_str(), Some(h)))
                    }),
            );
    for (b, heading) in refs {
        if let Some(v) = site.benefits.get_mut(b) {
            let r = BenefitRef { page: i, heading };
            if let Err(at) = v.binary_search(&r) {
                v.insert(at, r);
            }
        }
    }
}

/// Sorts the children of page `parent` as `build_cached` does: weight,
/// newest first, title, then path.
fn sort_children(site: &mut Site, parent: usize) {
    let pages = &site.pages;
    if let Some(kids) = site.children.get_mut(&parent) {
        // Each page's key is read once (a comparison that read both pages
        // waited on memory; a section of 10,000 articles sorts with 140,000
        // comparisons, issue 8). The index makes every key distinct.
        kids.sort_by_cached_key(|&a| {
            let p = &pages[a];
            (
                p.fm.weight.unwrap_or(i64::MAX),
                std::cmp::Reverse(p.fm.date),
                p.title(),
                a,
            )
        });
    }
}

/// Page `i` moved to another URL by a new slug (`moved_url`).
struct MovedUrl {
    /// Its URL path after the edit.
    path: String,
    /// The other pages whose links name its old or new URL, with their
    /// link findings before the edit.
    relinked: Vec<(usize, Vec<Diagnostic>)>,
}

/// The URL page `i` moves to when its front matter becomes `fm` (a new
/// slug), when `patch_page` can apply that: an ordinary page (not a
/// bundle's `index.md`, whose assets are published beside it) whose new URL
/// is valid, no reserved or generated address, no other page's (also one
/// left out as a duplicate: it would be published now), no alias's, no
/// `static/` file's, no name starting with `_`; and no page or FAQ answer
/// links to its Markdown file (it would render another address). Pages
/// that link to its old or new URL only find their links broken or working:
/// their findings are worked out again. `None` otherwise. See: issue 5.
fn moved_url(
    site: &Site,
    cache: &ParseCache,
    state: &LinkState,
    i: usize,
    fm: &FrontMatter,
) -> Option<MovedUrl> {
    let page = &site.pages[i];
    let name = page.content_rel.rsplit('/').next()?;
    if name == "index.md" {
        return None;
    }
    let (old, new) = (
        page.path.as_str(),
        url_path(&page.content_rel, Kind::Page, fm),
    );
    let bad = |p: &str| {
        p.is_empty()
            || p.starts_with('/')
            || p.contains("//")
            || RESERVED.iter().any(|r| p.starts_with(r))
            || p.split('/').any(|s| s.starts_with('_'))
            || site.known_urls.contains(&format!("{p}index.html"))
    };
    if new == old || bad(old) || bad(&new) || site.known_urls.contains(&new) {
        return None;
    }
    if cache
        .urls
        .iter()
        .any(|(rel, (_, p))| rel != &page.rel && (p == old || *p == new))
    {
        return None;
    }
    let files = [format!("{old}index.html"), format!("{new}index.html")];
    if site
        .pages
        .iter()
        .flat_map(|p| &p.fm.aliases)
        .filter_map(|a| alias_file(a))
        .any(|f| files.contains(&f))
    {
        return None;
    }
    let names_file = |l: &markdown::LinkRef| l.target_page.as_deref() == Some(&page.content_rel);
    if site
        .questions_files
        .iter()
        .flat_map(|q| &q.rendered.links)
        .any(names_file)
    {
        return None;
    }
    let (old_url, new_url) = (old.trim_end_matches('/'), new.trim_end_matches('/'));
    // Every page's links, on every core: `None` for a page that links to
    // the Markdown file, else whether one of its links names either URL.
    let reads: Vec<Option<bool>> = site
        .pages
        .par_iter()
        .enumerate()
        .map(|(j, p)| {
            if j == i {
                return Some(false);
            }
            if p.faq_rendered.iter().flat_map(|r| &r.links).any(names_file) {
                return None;
            }
            let mut reads = false;
            for l in &p.rendered.links {
                if names_file(l) {
                    return None;
                }
                if let (None, Some(url)) = (&l.target_page, &l.target_url) {
                    let clean = url.split(['?', '#']).next().unwrap_or("");
                    let clean = clean.trim_end_matches('/');
                    reads = reads || clean == old_url || clean == new_url;
                }
            }
            Some(reads)
        })
        .collect();
    let anchors = Anchors::new(site);
    let mut relinked = Vec::new();
    for (j, reads) in reads.into_iter().enumerate() {
        if reads? {
            let found = page_link_findings(site, j, state, &anchors);
            relinked.push((j, found));
        }
    }
    Some(MovedUrl {
        path: new,
        relinked,
    })
}

/// Applies a new `text` of the article at `rel` (`content/a/b.md`) to `site`,
/// which `build_cached` (or `patch_page`) made with this `cache` and
/// `config`, when the edit cannot change any other URL, the set of pages or
/// tags, or a link's target: the headings keep their level, id, title,
/// benefit tags, FAQ flag and topic, and the front matter is the same byte
/// for byte or changes only as `front_patchable` allows (no tag page
/// appears or disappears; a reworded FAQ question as `reworded_questions`
/// allows; a new slug as `moved_url` allows). Then the site equals what
/// `build_cached` would give for the edited files: the page (its URL too),
/// its place in its section's and tags' lists, the benefits index and its
/// FAQ entries (questions and anchors too) are updated, and the diagnostics
/// that change are the page's own (returned), the `faq.duplicate` warnings
/// at or quoting its questions' locations (`Patched::moved`,
/// `Patched::old_repeats`, `Patched::new_repeats`) and the link findings of
/// pages that link to its old or new URL (`Patched::relinked`). Otherwise
/// returns `None`; the site may then be half patched, and the caller builds
/// it again. See: issue 5.
pub fn patch_page(
    site: &mut Site,
    cache: &mut ParseCache,
    rel: &str,
    text: Arc<str>,
    config: &Config,
) -> Option<Patched> {
    let state = cache.links.clone()?;
    if state.base_path != config.base_path || state.drafts != config.drafts {
        return None;
    }
    let i = *state
        .targets
        .by_content
        .get(rel.strip_prefix("content/")?)?;
    let old = site.pages.get(i)?;
    if old.rel != rel || old.kind != PageKind::Page {
        return None;
    }
    let (fm, split) = frontmatter::parse(&text, rel).ok()?;
    let off = split.body_offset;
    let front = off != old.body_offset || text.get(..off)? != old.text.get(..off)?;
    if front && !front_patchable(&old.fm, &fm) {
        return None;
    }
    // A new slug moves the page to another URL.
    let moved_to = if front && old.fm.slug != fm.slug {
        Some(moved_url(site, cache, &state, i, &fm)?)
    } else {
        None
    };
    let ctx = LinkContext {
        base_path: &state.base_path,
        dir: parent_dir(&old.content_rel),
        pages: &state.pages,
        assets: &state.assets,
    };
    let lines = LineIndex::new(&text);
    let rendered = render_body(
        rel,
        &text,
        off,
        &lines,
        &ctx,
        &check::ProseRules::new(config),
    );
    let (old_heads, new_heads) = (&old.rendered.headings, &rendered.headings);
    if old_heads.len() != new_heads.len() {
        return None;
    }
    for (a, b) in old_heads.iter().zip(new_heads) {
        let same = a.level == b.level
            && a.id == b.id
            && a.title == b.title
            && a.faq == b.faq
            && a.topic == b.topic
            && a.benefits.len() == b.benefits.len()
            && a.benefits.iter().zip(&b.benefits).all(|(x, y)| x.0 == y.0);
        if !same {
            return None;
        }
    }
    let reworded = if front {
        reworded_questions(site, i, &old.fm, &fm, &cache.asked)?
    } else {
        Vec::new()
    };
    // A page that moves and links to its own Markdown file renders its new
    // URL; one that moves and rewords a question is left to the general path
    // (`reworded_questions` reads the page's URL).
    if moved_to.is_some()
        && (!reworded.is_empty()
            || rendered
                .links
                .iter()
                .any(|l| l.target_page.as_deref() == Some(&old.content_rel)))
    {
        return None;
    }
    let old_local = local_diagnostics(site, i, &state);
    let old_questions = question_locations(&site.pages[i]);
    let old_fm = site.pages[i].fm.clone();

    let faq = if front {
        Arc::new(
            fm.faq
                .iter()
                .map(|e| markdown::render(&e.answer, &ctx))
                .collect(),
        )
    } else {
        cache
            .markdown
            .get(rel)
            .map(|c| c.faq.clone())
            .unwrap_or_else(|| site.pages[i].faq_rendered.clone())
    };
    if moved_to.is_some()
        && faq
            .iter()
            .flat_map(|r| &r.links)
            .any(|l| l.target_page.as_deref() == Some(&site.pages[i].content_rel))
    {
        return None;
    }
    let result: Arc<FrontResult> = Arc::new(Ok((Arc::new(fm), off)));
    let Ok((fm, _)) = &*result else {
        return None;
    };
    let page = &mut site.pages[i];
    page.text = text.clone();
    page.fm = fm.clone();
    page.body_offset = off;
    page.rendered = Arc::new(rendered);
    page.faq_rendered = faq.clone();
    page.lines = Arc::new(lines);
    if front {
        // Tag lists are ordered by date, then title; section lists by
        // weight, date, then title.
        if old_fm.tags != fm.tags || old_fm.title != fm.title || old_fm.date != fm.date {
            patch_tags(site, i, &old_fm.tags)?;
        }
        if old_fm
            .benefits
            .iter()
            .map(|b| &b.value)
            .ne(fm.benefits.iter().map(|b| &b.value))
        {
            patch_benefits(site, i);
        }
        if (old_fm.title != fm.title || old_fm.date != fm.date || old_fm.weight != fm.weight)
            && let Some(parent) = site.pages[i].parent
        {
            sort_children(site, parent);
        }
    }
    // The FAQ quotes the page's answers (front matter entries and the
    // sections under FAQ headings); a question's topic defaults to the
    // page's topic or first tag.
    let page = &site.pages[i];
    let new_questions = question_locations(page);
    if new_questions.len() != old_questions.len() {
        return None;
    }
    let topic_default = page
        .fm
        .topic
        .clone()
        .or_else(|| page.fm.tags.first().cloned())
        .unwrap_or_else(|| "general".into());
    let entries = page.fm.faq.len();
    let faq_heads: Vec<&markdown::Heading> =
        page.rendered.headings.iter().filter(|h| h.faq).collect();
    // A reworded question that now repeats an earlier page's loses its
    // entry (`reworded_questions` allows one entry gained or lost).
    for w in &reworded {
        if let EntryChange::Loses { entry, .. } = w.change
            && entry < site.faq.len()
        {
            site.faq.remove(entry);
        }
    }
    for q in site
        .faq
        .iter_mut()
        .filter(|q| q.source.as_ref().is_some_and(|(s, _)| *s == i))
    {
        let k = old_questions.iter().position(|l| *l == q.location)?;
        if k < entries {
            let (e, r) = (&page.fm.faq[k], &page.faq_rendered[k]);
            if let Some(w) = reworded.iter().find(|w| w.entry == k) {
                q.question = e.question.value.clone();
                q.id = w.id.clone();
                q.source = Some((i, w.id.clone()));
            }
            q.answer_html = r.html.clone();
            q.answer_text = r.text.split_whitespace().collect::<Vec<_>>().join(" ");
            q.topic = e.topic.clone().unwrap_or_else(|| topic_default.clone());
        } else {
            let h = faq_heads.get(k - entries)?;
            q.answer_html = h.section_html.clone();
            q.answer_text = h.section_text.clone();
            q.topic = h.topic.clone().unwrap_or_else(|| topic_default.clone());
        }
        q.location = new_questions[k].clone();
    }
    // A reworded question that was a repeat and is asked nowhere else now
    // gets an entry at its place in asking order (pages in order, a page's
    // front matter entries before its headings, files last), and the
    // warnings of repeats come and go.
    let (mut old_repeats, mut new_repeats) = (Vec::new(), Vec::new());
    for w in &reworded {
        let (at, now) = (&old_questions[w.entry], &new_questions[w.entry]);
        match &w.change {
            EntryChange::Keeps => {}
            EntryChange::Gains { first } => {
                old_repeats.push(duplicate_warning(at.clone(), first));
                let (e, r) = (&page.fm.faq[w.entry], &page.faq_rendered[w.entry]);
                let later = |q: &Question| match &q.source {
                    Some((j, _)) => {
                        *j > i
                            || (*j == i && (q.location.line, q.location.col) > (now.line, now.col))
                    }
                    None => true,
                };
                let place = site.faq.iter().position(later).unwrap_or(site.faq.len());
                site.faq.insert(
                    place,
                    Question {
                        question: e.question.value.clone(),
                        answer_html: r.html.clone(),
                        answer_text: r.text.split_whitespace().collect::<Vec<_>>().join(" "),
                        id: w.id.clone(),
                        topic: e.topic.clone().unwrap_or_else(|| topic_default.clone()),
                        treatment: page.treatment.clone(),
                        source: Some((i, w.id.clone())),
                        location: now.clone(),
                    },
                );
            }
            EntryChange::Loses { first, .. } => {
                new_repeats.push(duplicate_warning(now.clone(), first));
            }
            EntryChange::Repeats { from, to } => {
                old_repeats.push(duplicate_warning(at.clone(), from));
                new_repeats.push(duplicate_warning(now.clone(), to));
            }
        }
    }
    for w in reworded {
        if w.old_key != w.new_key {
            if let Some(n) = cache.asked.get_mut(&w.old_key) {
                *n -= 1;
                if *n == 0 {
                    cache.asked.remove(&w.old_key);
                }
            }
            *cache.asked.entry(w.new_key).or_insert(0) += 1;
        }
    }
    let moved: Vec<(Location, Location)> = old_questions
        .into_iter()
        .zip(new_questions)
        .filter(|(a, b)| a != b)
        .collect();
    cache.front.insert(
        rel.to_string(),
        CachedFront {
            text: text.clone(),
            result,
        },
    );
    cache.markdown.insert(
        rel.to_string(),
        CachedMarkdown {
            text,
            links: state.key,
            rendered: page.rendered.clone(),
            faq,
            lines: page.lines.clone(),
        },
    );
    // The page at its new URL: links resolve to it there, and the pages
    // that link to its old or new URL find their links anew.
    let mut relinked = Vec::new();
    let moved_url = moved_to.is_some();
    let state = match moved_to {
        Some(to) => {
            drop(state);
            let links = Arc::get_mut(cache.links.as_mut()?)?;
            let page = &mut site.pages[i];
            let old_path = std::mem::replace(&mut page.path, to.path.clone());
            links
                .pages
                .insert(page.content_rel.clone(), to.path.clone());
            links.targets.by_path.remove(&old_path);
            links.targets.by_path.insert(to.path.clone(), i);
            site.known_urls.remove(&old_path);
            site.known_urls.insert(to.path.clone());
            cache
                .urls
                .insert(rel.to_string(), (site.pages[i].fm.clone(), to.path));
            let state = cache.links.clone()?;
            let anchors = Anchors::new(site);
            for (j, before) in to.relinked {
                let after = page_link_findings(site, j, &state, &anchors);
                relinked.push((site.pages[j].rel.clone(), before, after));
            }
            state
        }
        None => state,
    };
    let new_local = local_diagnostics(site, i, &state);
    Some(Patched {
        page: i,
        old_local,
        new_local,
        moved,
        old_front: front.then_some(old_fm),
        old_repeats,
        new_repeats,
        relinked,
        moved_url,
    })
}

fn unknown(
    loc: Location,
    code: &'static str,
    what: &str,
    value: &str,
    known: &[&str],
    file_text: &str,
) -> Diagnostic {
    let d = Diagnostic::error(loc, code, format!("unknown {what} `{value}`"));
    let d = match did_you_mean(value, known.iter().copied()) {
        Some(s) => d.with_help(format!("did you mean `{s}`?")),
        None if known.is_empty() => d.with_help(format!("no {what}s are defined yet")),
        None => d.with_help(format!("known {what}s: {}", known.join(", "))),
    };
    d.with_source(file_text, value.chars().count())
}

/// The data files' ids a page's front matter may name.
struct Known<'s> {
    people: Vec<&'s str>,
    treatments: Vec<&'s str>,
    benefits: Vec<&'s str>,
}

impl<'s> Known<'s> {
    fn of(data: &'s Data) -> Self {
        Known {
            people: data.people.iter().map(|p| p.id.value.as_str()).collect(),
            treatments: data
                .treatments
                .iter()
                .map(|t| t.slug.value.as_str())
                .collect(),
            benefits: data
                .benefits
                .iter()
                .map(|b| b.slug.value.as_str())
                .collect(),
        }
    }
}

/// Unknown people, treatment and benefits named by page `p` (front matter
/// and tagged headings).
fn page_references(p: &Page, known: &Known<'_>, diags: &mut Vec<Diagnostic>) {
    let people = &known.people;
    for a in &p.fm.authors {
        if !people.contains(&a.value.as_str()) {
            diags.push(unknown(
                p.yaml_location(a),
                "people.unknown",
                "person",
                &a.value,
                people,
                &p.text,
            ));
        }
    }
    if let Some(r) = &p.fm.reviewed_by
        && !people.contains(&r.value.as_str())
    {
        diags.push(unknown(
            p.yaml_location(r),
            "people.unknown",
            "person",
            &r.value,
            people,
            &p.text,
        ));
    }
    if let Some(t) = &p.fm.treatment
        && !known.treatments.contains(&t.value.as_str())
    {
        diags.push(unknown(
            p.yaml_location(t),
            "treatment.unknown",
            "treatment",
            &t.value,
            &known.treatments,
            &p.text,
        ));
    }
    for b in &p.fm.benefits {
        if !known.benefits.contains(&b.value.as_str()) {
            diags.push(unknown(
                p.yaml_location(b),
                "benefit.unknown",
                "benefit",
                &b.value,
                &known.benefits,
                &p.text,
            ));
        }
    }
    heading_benefits(p, &known.benefits, diags);
}

fn validate_references(site: &Site, diags: &mut Vec<Diagnostic>) {
    let known = Known::of(&site.data);
    let (treatments, benefits) = (&known.treatments, &known.benefits);
    // On every core, the findings kept in page order (issue 5).
    let found: Vec<Vec<Diagnostic>> = site
        .pages
        .par_iter()
        .map(|p| {
            let mut found = Vec::new();
            page_references(p, &known, &mut found);
            found
        })
        .collect();
    diags.extend(found.into_iter().flatten());
    for q in &site.questions_files {
        for b in &q.fm.benefits {
            if !benefits.contains(&b.value.as_str()) {
                let loc = Location::new(
                    &q.rel,
                    usize::try_from(b.referenced.line()).unwrap_or(1) + 1,
                    usize::try_from(b.referenced.column()).unwrap_or(1),
                );
                diags.push(unknown(
                    loc,
                    "benefit.unknown",
                    "benefit",
                    &b.value,
                    benefits,
                    &q.text,
                ));
            }
        }
        if let Some(t) = &q.fm.treatment
            && !treatments.contains(&t.value.as_str())
        {
            let loc = Location::new(
                &q.rel,
                usize::try_from(t.referenced.line()).unwrap_or(1) + 1,
                usize::try_from(t.referenced.column()).unwrap_or(1),
            );
            diags.push(unknown(
                loc,
                "treatment.unknown",
                "treatment",
                &t.value,
                treatments,
                &q.text,
            ));
        }
    }
}

/// Unknown benefits tagged on the page's headings: the part of
/// `validate_references` that reads the body (`serve` re-runs it for an
/// edited page, see `patch_page`).
fn heading_benefits(p: &Page, benefits: &[&str], diags: &mut Vec<Diagnostic>) {
    for h in &p.rendered.headings {
        for (b, off) in &h.benefits {
            if !benefits.contains(&b.as_str()) {
                let loc = p.body_location(*off);
                let line = p.text.lines().nth(loc.line - 1).unwrap_or("");
                let col = line
                    .find(b.as_str())
                    .map_or(loc.col, |i| line[..i].chars().count() + 1);
                let loc = Location::new(&p.rel, loc.line, col);
                diags.push(unknown(
                    loc,
                    "benefit.unknown",
                    "benefit",
                    b,
                    benefits,
                    &p.text,
                ));
            }
        }
    }
}

/// The benefits, tags and FAQ indexes of `site` worked out again from its
/// pages, as a build works them out, with their diagnostics: the stage
/// benchmark of the indexes (`benches/pipeline.rs`, issue 8) times this.
pub fn index_site(site: &mut Site) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    build_indexes(site, &mut diags, None);
    diags
}

/// Builds the benefits, tags and FAQ indexes; returns how many questions
/// ask each normalized question (`ParseCache::asked`).
fn build_indexes(
    site: &mut Site,
    diags: &mut Vec<Diagnostic>,
    questions_cache: Option<&mut HashMap<String, CachedQuestions>>,
) -> HashMap<String, usize> {
    // Each page's front matter and headings sit apart in memory: reading
    // them page after page on one core waited on memory for about 10 ms at
    // 10,000 articles, and slugifying every tag and sorting each tag's pages
    // by reading theirs took 14 ms more. They are read on every core, and
    // the serial part works on numbers (issue 8).
    let known: Vec<&str> = site
        .data
        .benefits
        .iter()
        .map(|b| b.slug.value.as_str())
        .collect::<BTreeSet<&str>>()
        .into_iter()
        .collect();
    let slot = |b: &str| known.binary_search(&b).ok();
    let found: Vec<(usize, BenefitRef)> = site
        .pages
        .par_iter()
        .enumerate()
        .flat_map_iter(|(i, p)| {
            let own = p.fm.benefits.iter().filter_map(move |b| {
                slot(&b.value).map(|k| {
                    (
                        k,
                        BenefitRef {
                            page: i,
                            heading: None,
                        },
                    )
                })
            });
            let headings = p
                .rendered
                .headings
                .iter()
                .enumerate()
                .flat_map(move |(h, head)| {
                    head.benefits.iter().filter_map(move |(b, _)| {
                        slot(b).map(|k| {
                            let at = BenefitRef {
                                page: i,
                                heading: Some(h),
                            };
                            (k, at)
                        })
                    })
                });
            own.chain(headings)
        })
        .collect();
    let mut lists: Vec<Vec<BenefitRef>> = vec![Vec::new(); known.len()];
    for (k, at) in found {
        lists[k].push(at);
    }
    lists.par_iter_mut().for_each(|v| {
        v.sort();
        v.dedup();
    });
    site.benefits = known.iter().map(|b| b.to_string()).zip(lists).collect();

    // `Recovery` and `recovery` share the URL /tags/recovery/: they are one
    // tag, named as first written (pages are in path order). Two tags with
    // one URL would race to write the same file. See: issue 2.
    // Each written tag is slugified once: a large site writes a few dozen
    // tags tens of thousands of times, and slugifying every one of them
    // (and hashing the slugs) was 5 ms of each of serve's general-path
    // rebuilds at 10,000 articles (issue 5). (written tag -> its tag, or
    // `None` when it has no letters or digits)
    let mut tag_of_written: rustc_hash::FxHashMap<&str, Option<usize>> =
        rustc_hash::FxHashMap::default();
    let mut tag_of_slug: HashMap<String, usize> = HashMap::new();
    let mut names: Vec<String> = Vec::new();
    let mut lists: Vec<Vec<usize>> = Vec::new();
    for (i, p) in site.pages.iter().enumerate() {
        for t in &p.fm.tags {
            let k = *tag_of_written.entry(t.as_str()).or_insert_with(|| {
                let slug = slugify(t);
                (!slug.is_empty()).then(|| {
                    *tag_of_slug.entry(slug).or_insert_with(|| {
                        names.push(t.clone());
                        lists.push(Vec::new());
                        names.len() - 1
                    })
                })
            });
            let Some(k) = k else {
                // Its page would be `tags//index.html`: the tags index itself.
                let (line, col) = p.text[..p.body_offset]
                    .lines()
                    .enumerate()
                    .skip(1)
                    .find_map(|(n, l)| {
                        l.find(t.as_str())
                            .map(|c| (n + 1, l[..c].chars().count() + 1))
                    })
                    .unwrap_or((1, 1));
                diags.push(
                    Diagnostic::error(
                        Location::new(&p.rel, line, col),
                        "content.empty-tag",
                        format!("tag `{t}` has no letters or digits, so it cannot have a page"),
                    )
                    .with_help("write the tag with letters or digits, or remove it")
                    .with_source(&p.text, t.chars().count()),
                );
                continue;
            };
            lists[k].push(i);
        }
    }
    // Each tag's pages, newest first (`sort_tag_pages`): every page's place
    // in that order is worked out once.
    let rank = tag_order_ranks(&site.pages);
    lists.par_iter_mut().for_each(|v| {
        v.sort_unstable_by_key(|&i| rank[i]);
        v.dedup();
    });
    site.tags = names.into_iter().zip(lists).collect();

    // FAQ: front matter lists, tagged headings, standalone files. Each
    // question's key and place are worked out on every core; which asking
    // comes first is decided in order; the entries and the `faq.duplicate`
    // warnings (tens of thousands on a large site) are made on every core
    // again (this was 30-60 ms of one core at 10,000 articles, issue 8).
    let mut none = HashMap::new();
    let (known, keep) = match questions_cache {
        Some(c) => (c, true),
        None => (&mut none, false),
    };
    let per_page: Vec<(bool, PageQuestions)> = site
        .pages
        .par_iter()
        .map(|p| {
            if let Some(c) = known.get(&p.rel)
                && Arc::ptr_eq(&c.fm, &p.fm)
                && Arc::ptr_eq(&c.rendered, &p.rendered)
            {
                return (false, c.asked.clone());
            }
            (true, page_questions(p))
        })
        .collect();
    // Entries of unchanged pages stay; those of pages that are gone go.
    for (p, (new, asked)) in site.pages.iter().zip(&per_page) {
        if *new && keep {
            known.insert(
                p.rel.clone(),
                CachedQuestions {
                    fm: p.fm.clone(),
                    rendered: p.rendered.clone(),
                    asked: asked.clone(),
                },
            );
        }
    }
    if keep {
        let live = site.pages.iter().map(|p| p.rel.as_str());
        drop_stale(known, site.pages.len(), live);
    }
    let files: Vec<(usize, String, Location)> = site
        .questions_files
        .iter()
        .enumerate()
        .filter_map(|(k, q)| {
            let question = q.fm.question.as_ref()?;
            Some((
                k,
                normalize_question(&question.value),
                Location::new(
                    &q.rel,
                    usize::try_from(question.referenced.line()).unwrap_or(1) + 1,
                    usize::try_from(question.referenced.column()).unwrap_or(1),
                ),
            ))
        })
        .collect();
    let asked = per_page
        .iter()
        .enumerate()
        .flat_map(|(i, (_, qs))| {
            qs.iter().map(move |(key, location, from)| Asked {
                key,
                location,
                from: match *from {
                    InPage::Front(k) => AskedIn::Front(i, k),
                    InPage::Heading(k) => AskedIn::Heading(i, k),
                },
            })
        })
        .chain(files.iter().map(|(k, key, location)| Asked {
            key,
            location,
            from: AskedIn::File(*k),
        }));
    // Normalized question -> (its entry, how many ask it).
    let mut seen: HashMap<&str, (usize, usize)> = HashMap::with_capacity(site.pages.len());
    let mut first: Vec<Asked<'_>> = Vec::new();
    let mut repeats: Vec<(&Location, usize)> = Vec::new();
    for a in asked {
        if let Some((entry, count)) = seen.get_mut(a.key) {
            *count += 1;
            repeats.push((a.location, *entry));
        } else {
            seen.insert(a.key, (first.len(), 1));
            first.push(a);
        }
    }
    let mut questions: Vec<Question> = first
        .into_par_iter()
        .map(|a| question_of(site, a))
        .collect();
    // Anchors unique on the FAQ page, numbered in order.
    let mut ids: HashMap<String, usize> = HashMap::new();
    for q in &mut questions {
        let n = ids.entry(q.id.clone()).or_insert(0);
        if *n > 0 {
            q.id = format!("{}-{n}", q.id);
        }
        *n += 1;
    }
    // The message names the first asking: made once per repeated question
    // and copied into each of its warnings (formatting it for each of the
    // ~19,500 warnings at 10,000 articles was most of making them, issue 5).
    let mut repeated = vec![false; questions.len()];
    for &(_, entry) in &repeats {
        repeated[entry] = true;
    }
    let messages: Vec<Option<String>> = questions
        .par_iter()
        .zip(repeated)
        .map(|(q, r)| r.then(|| duplicate_message(&q.location)))
        .collect();
    diags.par_extend(repeats.into_par_iter().map(|(location, entry)| {
        let message = messages[entry].clone().unwrap_or_default();
        Diagnostic::warning(location.clone(), "faq.duplicate", message).with_help(DUPLICATE_HELP)
    }));
    let asked = seen
        .into_iter()
        .map(|(k, (_, n))| (k.to_string(), n))
        .collect();
    site.faq = questions;
    asked
}

/// Removes the entries of a per-file cache whose file is not in `live`
/// (`count` distinct source paths). Callers keep or insert an entry for
/// every live file first, so the cache holds more than `count` entries
/// exactly when some are stale: only then is a set of the live paths made.
fn drop_stale<'a, V>(
    cache: &mut HashMap<String, V>,
    count: usize,
    live: impl Iterator<Item = &'a str>,
) {
    if cache.len() != count {
        let live: std::collections::HashSet<&str> = live.collect();
        cache.retain(|rel, _| live.contains(rel.as_str()));
    }
}

/// A question asked somewhere, as `build_indexes` gathers the FAQ.
struct Asked<'a> {
    /// `normalize_question` of it: equal keys ask the same question.
    key: &'a str,
    location: &'a Location,
    from: AskedIn,
}

/// A page's questions as `build_indexes` gathers them, front matter
/// entries first: `normalize_question` of each, where it is asked, and
/// which entry or heading asks it. Kept between builds (`ParseCache`) for
/// pages whose front matter and body are the ones they were worked out
/// from: normalizing and placing every question of a large site was the
/// largest part of indexing it (issue 5).
type PageQuestions = Arc<[(String, Location, InPage)]>;

/// `PageQuestions` of a page, and what they were worked out from.
#[derive(Debug, Clone)]
struct CachedQuestions {
    fm: Arc<FrontMatter>,
    rendered: Arc<Rendered>,
    asked: PageQuestions,
}

/// Where in its page a question is asked: the entry of its front matter
/// `faq`, or the heading.
#[derive(Debug, Clone, Copy)]
enum InPage {
    Front(usize),
    Heading(usize),
}

/// The questions page `p` asks (see `PageQuestions`).
fn page_questions(p: &Page) -> PageQuestions {
    let front = p.fm.faq.iter().enumerate().map(|(k, e)| {
        (
            normalize_question(&e.question.value),
            p.yaml_location(&e.question),
            InPage::Front(k),
        )
    });
    let headings = p
        .rendered
        .headings
        .iter()
        .enumerate()
        .filter(|(_, h)| h.faq)
        .map(|(k, h)| {
            (
                normalize_question(&h.title),
                p.body_location(h.offset),
                InPage::Heading(k),
            )
        });
    front.chain(headings).collect()
}

/// Where a question is asked: page and entry of its front matter `faq`,
/// page and heading, or a standalone question file.
#[derive(Clone, Copy)]
enum AskedIn {
    Front(usize, usize),
    Heading(usize, usize),
    File(usize),
}

/// The FAQ entry of the first asking of a question; its `id` is the
/// anchor before numbering.
fn question_of(site: &Site, a: Asked<'_>) -> Question {
    question_among(|i| &site.pages[i], &site.questions_files, a)
}

/// `question_of` with the site's pages given by index (`page`): a page
/// about to be added has its index before it is in the site.
fn question_among<'p>(
    page: impl Fn(usize) -> &'p Page,
    files: &[QuestionFile],
    a: Asked<'_>,
) -> Question {
    let topic_default = |p: &Page| {
        p.fm.topic
            .clone()
            .or_else(|| p.fm.tags.first().cloned())
            .unwrap_or_else(|| "general".into())
    };
    let words = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    let anchor = |question: &str| format!("q-{}", markdown::anchor_id(question));
    let mut q = match a.from {
        AskedIn::Front(i, k) => {
            let p = page(i);
            let (e, r) = (&p.fm.faq[k], &p.faq_rendered[k]);
            Question {
                question: e.question.value.clone(),
                answer_html: r.html.clone(),
                answer_text: words(&r.text),
                id: String::new(),
                topic: e.topic.clone().unwrap_or_else(|| topic_default(p)),
                treatment: p.treatment.clone(),
                source: Some((i, anchor(&e.question.value))),
                location: a.location.clone(),
            }
        }
        AskedIn::Heading(i, k) => {
            let p = page(i);
            let h = &p.rendered.headings[k];
            Question {
                question: h.title.clone(),
                answer_html: h.section_html.clone(),
                answer_text: h.section_text.clone(),
                id: String::new(),
                topic: h.topic.clone().unwrap_or_else(|| topic_default(p)),
                treatment: p.treatment.clone(),
                source: Some((i, h.id.clone())),
                location: a.location.clone(),
            }
        }
        AskedIn::File(k) => {
            let q = &files[k];
            Question {
                question: q
                    .fm
                    .question
                    .as_ref()
                    .map(|x| x.value.clone())
                    .unwrap_or_default(),
                answer_html: q.rendered.html.clone(),
                answer_text: words(&q.rendered.text),
                id: String::new(),
                topic: q.fm.topic.clone().unwrap_or_else(|| "general".into()),
                treatment: q.fm.treatment.as_ref().map(|t| t.value.clone()),
                source: None,
                location: a.location.clone(),
            }
        }
    };
    q.id = match (a.from, &q.source) {
        // A front matter question's anchor on its page is the FAQ's too.
        (AskedIn::Front(..), Some((_, own))) => own.clone(),
        _ => anchor(&q.question),
    };
    q
}

fn known_urls(site: &Site, statics: &[String]) -> BTreeSet<String> {
    let mut s = BTreeSet::new();
    for p in &site.pages {
        s.insert(p.path.clone());
    }
    for (_, url) in &site.assets {
        s.insert(url.clone());
    }
    for rel in statics {
        s.insert(rel.clone());
    }
    for g in [
        "", // the home page: rendered even without content/_index.md
        "benefits/",
        "faq/",
        "tags/",
        "search/",
        "sitemap.xml",
        "atom.xml",
        "robots.txt",
        "404.html",
    ] {
        s.insert(g.to_string());
    }
    for b in site.benefits.keys() {
        s.insert(format!("benefits/{b}/"));
    }
    for t in site.tags.keys() {
        s.insert(format!("tags/{}/", slugify(t)));
    }
    s
}

/// Anchors that exist on a page: heading ids plus the ids of its own questions.
pub fn page_anchors(p: &Page) -> BTreeSet<String> {
    let mut a: BTreeSet<String> = p.rendered.headings.iter().map(|h| h.id.clone()).collect();
    for e in &p.fm.faq {
        a.insert(format!("q-{}", markdown::anchor_id(&e.question.value)));
    }
    for id in ["main", "content", "sources", "faq", "toc"] {
        a.insert(id.to_string());
    }
    a
}

/// Content path -> true for a draft, false for a file with errors.
type Unpublished = HashMap<String, bool>;

/// Where page links point: URL path and content path -> page index. Kept in
/// `ParseCache` so `patch_page` can check an edited page's links without
/// indexing the site again (they hold while no page is added, removed or
/// moved, which `patch_page` requires).
#[derive(Debug, Clone, Default)]
struct LinkTargets {
    by_path: HashMap<String, usize>,
    by_content: HashMap<String, usize>,
}

impl LinkTargets {
    fn of_site(site: &Site) -> Self {
        let (by_path, by_content) = rayon::join(
            || {
                site.pages
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (p.path.clone(), i))
                    .collect()
            },
            || {
                site.pages
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (p.content_rel.clone(), i))
                    .collect()
            },
        );
        LinkTargets {
            by_path,
            by_content,
        }
    }
}

/// The anchors of link targets, computed when a link first needs them.
struct Anchors<'s> {
    site: &'s Site,
    pages: Vec<std::sync::OnceLock<BTreeSet<String>>>,
    faq: std::sync::OnceLock<std::collections::HashSet<&'s str>>,
}

impl<'s> Anchors<'s> {
    fn new(site: &'s Site) -> Self {
        Anchors {
            site,
            pages: (0..site.pages.len())
                .map(|_| std::sync::OnceLock::new())
                .collect(),
            faq: std::sync::OnceLock::new(),
        }
    }

    fn of(&self, i: usize) -> &BTreeSet<String> {
        self.pages[i].get_or_init(|| page_anchors(&self.site.pages[i]))
    }

    fn faq_ids(&self) -> &std::collections::HashSet<&'s str> {
        self.faq
            .get_or_init(|| self.site.faq.iter().map(|q| q.id.as_str()).collect())
    }
}

/// What `validate_links` found on each page at the last build, and what it
/// read: a page's findings hold while its text, front matter and URL are
/// the same and nothing its links look up changed (issue 5: checking every
/// link of a large site again was a tenth of serve's general path).
#[derive(Debug, Default, Clone)]
struct FoundLinks {
    /// Source path -> the page as checked, and its findings.
    pages: HashMap<String, CheckedLinks>,
    /// `Site::known_urls` of the last build.
    known_urls: BTreeSet<String>,
    /// A hash of the FAQ's anchors at the last build.
    faq_ids: u64,
}

/// One page as `validate_links` checked it.
#[derive(Debug, Clone)]
struct CheckedLinks {
    fm: Arc<FrontMatter>,
    rendered: Arc<Rendered>,
    content_rel: String,
    path: String,
    found: Arc<[Diagnostic]>,
}

/// What changed since the last build for the links of pages that did not:
/// the content paths and URLs (without a trailing `/`) of pages added,
/// removed, moved or edited (their anchors may differ), and URLs that came
/// or went; and whether the FAQ's anchors changed.
struct LinkChanges<'a> {
    content: std::collections::HashSet<&'a str>,
    urls: std::collections::HashSet<&'a str>,
    faq: bool,
}

impl<'a> LinkChanges<'a> {
    fn between(site: &'a Site, last: &'a FoundLinks, faq_ids: u64) -> Self {
        let mut content = std::collections::HashSet::new();
        let mut urls = std::collections::HashSet::new();
        let mut matched = 0;
        for p in &site.pages {
            let old = last.pages.get(&p.rel);
            matched += usize::from(old.is_some());
            let same = old.is_some_and(|c| {
                Arc::ptr_eq(&c.fm, &p.fm)
                    && Arc::ptr_eq(&c.rendered, &p.rendered)
                    && c.path == p.path
            });
            if !same {
                content.insert(p.content_rel.as_str());
                urls.insert(p.path.trim_end_matches('/'));
                if let Some(c) = old {
                    content.insert(c.content_rel.as_str());
                    urls.insert(c.path.trim_end_matches('/'));
                }
            }
        }
        if matched != last.pages.len() {
            let live: std::collections::HashSet<&str> =
                site.pages.iter().map(|p| p.rel.as_str()).collect();
            for (rel, c) in &last.pages {
                if !live.contains(rel.as_str()) {
                    content.insert(c.content_rel.as_str());
                    urls.insert(c.path.trim_end_matches('/'));
                }
            }
        }
        urls.extend(
            site.known_urls
                .symmetric_difference(&last.known_urls)
                .map(|u| u.trim_end_matches('/')),
        );
        LinkChanges {
            content,
            urls,
            faq: faq_ids != last.faq_ids,
        }
    }

    /// Whether the findings `validate_page_links` made for page `p`, which
    /// is as it was at the last build, may differ now. Mirrors what it
    /// reads: a link with a problem reads the set of pages (drafts, "did you
    /// mean"); a site-relative link, whether its URL exists, and with an
    /// anchor, the anchors of the page there; a link to a page's Markdown
    /// file with an anchor, that page's anchors; any anchor, the FAQ's.
    fn affect(&self, p: &Page) -> bool {
        p.rendered.links.iter().any(|l| {
            if l.problem.is_some() || (l.anchor.is_some() && self.faq) {
                return true;
            }
            match (&l.target_page, &l.target_url) {
                (Some(tp), _) => l.anchor.is_some() && self.content.contains(tp.as_str()),
                (None, Some(url)) => {
                    let clean = url.split(['?', '#']).next().unwrap_or("");
                    self.urls.contains(clean.trim_end_matches('/'))
                }
                // The page's own anchors: it is as it was.
                (None, None) => false,
            }
        })
    }
}

/// A hash of the FAQ's anchors, which links to `/faq/#q-...` check.
fn faq_ids_hash(site: &Site) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for q in &site.faq {
        q.id.hash(&mut h);
    }
    h.finish()
}

fn validate_links(
    site: &Site,
    unpublished: &Unpublished,
    targets: &LinkTargets,
    last: &mut FoundLinks,
    keep: bool,
    diags: &mut Vec<Diagnostic>,
) {
    let anchors = Anchors::new(site);
    let faq_ids = faq_ids_hash(site);
    // Nothing found before (a first or single build): every page is checked.
    let changes = (!last.pages.is_empty()).then(|| LinkChanges::between(site, last, faq_ids));
    // Pages are checked on every core, their findings kept in page order;
    // a page as it was, whose links read nothing that changed, keeps its
    // findings. (whether found now, the findings)
    let found: Vec<(bool, Arc<[Diagnostic]>)> = (0..site.pages.len())
        .into_par_iter()
        .map(|i| {
            let p = &site.pages[i];
            if let Some(changes) = &changes
                && let Some(c) = last.pages.get(&p.rel)
                && Arc::ptr_eq(&c.fm, &p.fm)
                && Arc::ptr_eq(&c.rendered, &p.rendered)
                && c.path == p.path
                && !changes.affect(p)
            {
                return (false, c.found.clone());
            }
            let mut found = Vec::new();
            validate_page_links(site, i, unpublished, targets, &anchors, &mut found);
            (true, found.into())
        })
        .collect();
    drop(changes);
    if !keep {
        diags.extend(found.iter().flat_map(|(_, f)| f.iter().cloned()));
        return;
    }
    for (p, (new, found)) in site.pages.iter().zip(&found) {
        if *new {
            last.pages.insert(
                p.rel.clone(),
                CheckedLinks {
                    fm: p.fm.clone(),
                    rendered: p.rendered.clone(),
                    content_rel: p.content_rel.clone(),
                    path: p.path.clone(),
                    found: found.clone(),
                },
            );
        }
    }
    let live = site.pages.iter().map(|p| p.rel.as_str());
    drop_stale(&mut last.pages, site.pages.len(), live);
    if last.known_urls != site.known_urls {
        last.known_urls.clone_from(&site.known_urls);
    }
    last.faq_ids = faq_ids;
    diags.extend(found.iter().flat_map(|(_, f)| f.iter().cloned()));
}

/// Page `i`'s link findings (`validate_page_links` with the link state's
/// maps).
fn page_link_findings(
    site: &Site,
    i: usize,
    state: &LinkState,
    anchors: &Anchors<'_>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    validate_page_links(
        site,
        i,
        &state.unpublished,
        &state.targets,
        anchors,
        &mut out,
    );
    out
}

/// The link and image diagnostics of page `i`.
fn validate_page_links(
    site: &Site,
    i: usize,
    unpublished: &Unpublished,
    targets: &LinkTargets,
    anchors: &Anchors<'_>,
    diags: &mut Vec<Diagnostic>,
) {
    let by_path = &targets.by_path;
    let by_content = &targets.by_content;
    let faq_ids = || anchors.faq_ids();
    {
        let p = &site.pages[i];
        for l in &p.rendered.links {
            // Most links are fine: their place is worked out only for a finding.
            let loc = || p.body_location(l.offset);
            let what = if l.image { "image" } else { "link" };
            match &l.problem {
                Some(LinkProblem::MissingPage(t))
                    if unpublished.get(t.as_str()) == Some(&false) =>
                {
                    // The target's own errors are reported; do not cascade.
                    continue;
                }
                Some(LinkProblem::MissingPage(t)) if unpublished.contains_key(t.as_str()) => {
                    diags.push(
                        Diagnostic::error(
                            loc(),
                            "links.draft",
                            format!("{what} to `{}`: `content/{t}` is a draft, so it is not published", l.raw),
                        )
                        .with_help("remove `draft: true` from that page, or remove this link until it is published")
                        .with_source(&p.text, l.len),
                    );
                    continue;
                }
                Some(LinkProblem::MissingPage(t)) => {
                    // A page linking to itself by mistake is no useful suggestion.
                    let mut candidates: Vec<&str> = by_content
                        .keys()
                        .map(String::as_str)
                        .filter(|c| *c != p.content_rel)
                        .collect();
                    // Sorted, so a tie always suggests the same page.
                    candidates.sort_unstable();
                    let mut d = Diagnostic::error(
                        loc(),
                        "links.broken",
                        format!("{what} to `{}`: no page `content/{t}`", l.raw),
                    );
                    if let Some(s) = did_you_mean(t, candidates) {
                        d = d.with_help(format!("did you mean `content/{s}`?"));
                    }
                    diags.push(d.with_source(&p.text, l.len));
                    continue;
                }
                Some(LinkProblem::MissingFile(t)) if t.split('/').any(|s| s == "..") => {
                    // `normalize_path` refused it: it climbs out of content/.
                    let code = if l.image {
                        "media.missing"
                    } else {
                        "links.broken"
                    };
                    diags.push(
                        Diagnostic::error(loc(), code, format!("{what} to `{}` points outside the `content/` folder", l.raw))
                            .with_help("link to files inside content/, or to a file in static/ with a site-relative link such as `/images/logo.svg`")
                            .with_source(&p.text, l.len),
                    );
                    continue;
                }
                Some(LinkProblem::MissingFile(t)) => {
                    let code = if l.image {
                        "media.missing"
                    } else {
                        "links.broken"
                    };
                    // `[aftercare](aftercare)`: the page exists, the link
                    // left out `.md`.
                    let md = format!("{}.md", t.trim_end_matches('/'));
                    let help = if !l.image && by_content.contains_key(md.as_str()) {
                        let (path, anchor) = l
                            .raw
                            .split_once('#')
                            .map_or((l.raw.as_str(), String::new()), |(p, a)| {
                                (p, format!("#{a}"))
                            });
                        format!(
                            "did you mean `{}.md{anchor}`? Links between pages name the page's Markdown file",
                            path.trim_end_matches('/')
                        )
                    } else {
                        "check the file name and that the file is in the same folder as the page"
                            .to_string()
                    };
                    diags.push(
                        Diagnostic::error(
                            loc(),
                            code,
                            format!("{what} to `{}`: no file `content/{t}`", l.raw),
                        )
                        .with_help(help)
                        .with_source(&p.text, l.len),
                    );
                    continue;
                }
                None => {}
            }
            let target = match (&l.target_page, &l.target_url) {
                (Some(tp), _) => by_content.get(tp.as_str()).copied(),
                (None, Some(url)) => {
                    let clean = url.split(['?', '#']).next().unwrap_or("");
                    if !site.known_urls.contains(clean)
                        && !site.known_urls.contains(&format!("{clean}/"))
                    {
                        diags.push(
                            Diagnostic::error(
                                loc(),
                                if l.image { "media.missing" } else { "links.broken" },
                                format!("{what} to `{}`: no page or file at that address", l.raw),
                            )
                            .with_help(if l.image {
                                "site-relative paths start at the site root: static/images/a.png is `/images/a.png`"
                            } else {
                                "site-relative links start at the site root, e.g. `/faq/`"
                            })
                            .with_source(&p.text, l.len),
                        );
                        continue;
                    }
                    by_path.get(clean).copied()
                }
                (None, None) => Some(i),
            };
            if let (Some(anchor), Some(t)) = (&l.anchor, target) {
                let ok = anchors.of(t).contains(anchor)
                    || (site.pages[t].path == "faq/" && faq_ids().contains(anchor.as_str()));
                if !ok {
                    let candidates: Vec<&str> = anchors.of(t).iter().map(String::as_str).collect();
                    let mut d = Diagnostic::error(
                        loc(),
                        "links.missing-anchor",
                        format!(
                            "link to `{}`: `{}` has no heading with the id `{anchor}`",
                            l.raw, site.pages[t].rel
                        ),
                    );
                    if let Some(s) = did_you_mean(anchor, candidates) {
                        d = d.with_help(format!("did you mean `#{s}`?"));
                    }
                    diags.push(d.with_source(&p.text, l.len));
                }
            } else if let (Some(anchor), None) = (&l.anchor, target) {
                // Generated pages: the FAQ's question ids are known.
                if l.target_url.as_deref() == Some("faq/") && !faq_ids().contains(anchor.as_str()) {
                    diags.push(
                        Diagnostic::error(
                            loc(),
                            "links.missing-anchor",
                            format!(
                                "link to `{}`: the FAQ has no question with the id `{anchor}`",
                                l.raw
                            ),
                        )
                        .with_source(&p.text, l.len),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_normalize_for_duplicates() {
        assert_eq!(
            normalize_question("Does it  HURT?"),
            normalize_question("does it hurt")
        );
        assert_ne!(
            normalize_question("Does it hurt?"),
            normalize_question("Does it heal?")
        );
    }

    #[test]
    fn questions_normalize_to_lowercase_words_one_space_apart() {
        for (q, want) in [
            (
                "  Can I wear make-up\tafter  it?! ",
                "can i wear makeup after it",
            ),
            ("Is it - really - safe?", "is it really safe"),
            (
                "\u{130}STANBUL \u{df}TRASSE \u{3a3}\u{39f}\u{3a6}\u{399}\u{391}",
                "i\u{307}stanbul \u{df}trasse \u{3c3}\u{3bf}\u{3c6}\u{3b9}\u{3b1}",
            ),
            ("?!", ""),
            ("one\u{a0}two\nthree", "one two three"),
        ] {
            assert_eq!(normalize_question(q), want, "{q:?}");
        }
    }
}
