//! Incremental rebuilds for `serve`: reuse what did not change, and prove
//! nothing stale is left.
//!
//! Owns two caches. `Cache` keeps each source file's text (by path, size and
//! modification time, plus the paths the watcher reported) and the parse
//! results of `model::ParseCache`, so an edit re-reads and re-parses only the
//! edited file while the model (URLs, indexes, link and anchor validation) is
//! always assembled from scratch. `Outputs` keeps the rendered site in memory
//! with the render `Job` that produced each file, and after a rebuild re-runs
//! only the jobs whose inputs changed: the page itself, pages that list it
//! (sections, tags, related articles) when its summary changed, benefit pages
//! and the FAQ it feeds, the home page and the feeds. A change to the site's
//! structure (pages added, removed or renamed, a slug, a section's treatment),
//! the configuration, the data files or the theme re-renders everything.
//! `tests/testsuite/serve.rs` compares the result with a clean render after
//! every step of a sequence of edits.
//!
//! Must not: touch the disk except to read sources, or decide anything about
//! content (that is `model`'s and `check`'s job).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use rayon::prelude::*;

use crate::config::Config;
use crate::diag::{Diagnostic, Error};
use crate::model::{Input, PageKind, ParseCache, Site};
use crate::render::{Job, OutputFile, Renderer};
use crate::source::SourceFile;
use crate::theme::Theme;

/// Source texts and parse results kept between builds.
#[derive(Debug, Default)]
pub struct Cache {
    /// Front matter and Markdown results per file.
    pub parse: ParseCache,
    /// Per-page findings of the content checks.
    pub checks: crate::check::PageChecks,
    texts: HashMap<String, Stamped>,
    dirty: BTreeSet<String>,
}

#[derive(Debug, Clone)]
struct Stamped {
    text: Result<Arc<str>, Diagnostic>,
    stamp: Option<(SystemTime, u64)>,
}

fn stamp(path: &std::path::Path) -> Option<(SystemTime, u64)> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.modified().ok()?, m.len()))
}

impl Cache {
    /// Forces the file at `rel` (relative to the site root, `content/a.md`)
    /// to be read again on the next build, whatever its timestamp says.
    pub fn mark_changed(&mut self, rel: &str) {
        self.dirty.insert(rel.to_string());
    }

    /// Forgets everything: the next build reads and parses every file.
    pub fn clear(&mut self) {
        *self = Cache::default();
    }

    /// Reads the files' texts, reusing the cached text of a file whose size
    /// and modification time are unchanged and that was not marked changed.
    pub(crate) fn read_inputs(&mut self, files: Vec<SourceFile>) -> Vec<Input> {
        let texts = &self.texts;
        let dirty = &self.dirty;
        let read: Vec<(Input, Option<(SystemTime, u64)>)> = files
            .into_par_iter()
            .map(|file| {
                let now = stamp(&file.path);
                if let Some(c) = texts.get(&file.rel)
                    && now.is_some()
                    && c.stamp == now
                    && !dirty.contains(&file.rel)
                {
                    let text = c.text.clone();
                    return (Input { file, text }, now);
                }
                (crate::read_input(file), now)
            })
            .collect();
        self.texts = read
            .iter()
            .map(|(input, now)| {
                (
                    input.file.rel.clone(),
                    Stamped {
                        text: input.text.clone(),
                        stamp: *now,
                    },
                )
            })
            .collect();
        self.dirty.clear();
        read.into_iter().map(|(input, _)| input).collect()
    }
}

/// Which job produced a file. Pages are keyed by source path, so a key
/// survives pages being added before it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Key {
    Page(String),
    Other(Job),
}

/// What one page looked like to the renderer at the last build.
#[derive(Debug, Clone)]
struct Facts {
    text: Arc<str>,
    path: String,
    kind: PageKind,
    parent: Option<usize>,
    treatment: Option<String>,
    /// Hash of how lists show the page (`Renderer::summary`).
    summary: u64,
    /// Hash of what benefit pages show of it.
    benefit: u64,
    related: Vec<usize>,
    /// Hash of what the related-articles ranking reads (`rank_key`).
    rank: u64,
}

#[derive(Debug, Clone, Default)]
struct Previous {
    globals: u64,
    structure: u64,
    pages: Vec<Facts>,
    benefits: BTreeMap<String, Vec<(usize, Option<usize>)>>,
    tags: BTreeMap<String, Vec<usize>>,
    children: BTreeMap<usize, Vec<usize>>,
    faq: u64,
    recent: Vec<usize>,
    related: crate::related::Related,
    jobs: HashMap<Key, Vec<String>>,
}

/// The rendered site in memory, updated job by job.
#[derive(Debug, Default)]
pub struct Outputs {
    files: HashMap<String, Arc<[u8]>>,
    previous: Option<Previous>,
}

/// What an update changed.
#[derive(Debug, Clone, Default)]
pub struct Update {
    /// Files whose bytes changed or that are new, sorted.
    pub changed: Vec<String>,
    /// Files that no longer exist, sorted.
    pub removed: Vec<String>,
    /// Render jobs that ran.
    pub jobs: usize,
    /// True when everything was re-rendered.
    pub full: bool,
}

impl Update {
    /// True when no file changed.
    pub fn is_empty(&self) -> bool {
        self.changed.is_empty() && self.removed.is_empty()
    }
}

fn hash_of(v: &impl Hash) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    v.hash(&mut h);
    h.finish()
}

fn hash_debug(v: &impl std::fmt::Debug) -> u64 {
    hash_of(&format!("{v:?}"))
}

/// Everything every page can see: configuration, data files, theme.
fn globals(site: &Site, config: &Config, theme: &Theme) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    hash_debug(config).hash(&mut h);
    hash_debug(&site.data).hash(&mut h);
    theme.templates.hash(&mut h);
    theme.statics.hash(&mut h);
    h.finish()
}

/// The shape of the site: which pages exist at which URLs, what links can
/// resolve to, which sections carry which treatment. When it is unchanged,
/// page `i` of the old site is page `i` of the new one.
fn structure(site: &Site) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for p in &site.pages {
        p.rel.hash(&mut h);
        p.path.hash(&mut h);
        if p.kind != PageKind::Page {
            p.fm.treatment.as_ref().map(|t| &t.value).hash(&mut h);
        }
    }
    site.assets.hash(&mut h);
    site.known_urls.hash(&mut h);
    site.home.hash(&mut h);
    h.finish()
}

/// What benefit pages (and the home page's benefit list) show of page `i`:
/// its title, URL, treatment, description or the excerpt standing in for it,
/// and the headings with their excerpts (see `Renderer::benefit_ctx`).
fn benefit_key(site: &Site, i: usize) -> u64 {
    let p = &site.pages[i];
    let mut h = std::collections::hash_map::DefaultHasher::new();
    p.title().hash(&mut h);
    p.path.hash(&mut h);
    p.treatment.hash(&mut h);
    match &p.fm.description {
        Some(d) => d.hash(&mut h),
        None => crate::markdown::excerpt(&p.rendered.text, 30).hash(&mut h),
    }
    for head in &p.rendered.headings {
        head.title.hash(&mut h);
        head.id.hash(&mut h);
        head.benefits.hash(&mut h);
        crate::markdown::excerpt(&head.section_text, 30).hash(&mut h);
    }
    for b in &p.fm.benefits {
        b.value.hash(&mut h);
    }
    h.finish()
}

/// What `related::Related::of_site` reads of page `i`: its benefits (front
/// matter and tagged headings), kind and title.
fn rank_key(site: &Site, i: usize) -> u64 {
    let p = &site.pages[i];
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for b in &p.fm.benefits {
        b.value.hash(&mut h);
    }
    for head in &p.rendered.headings {
        for (b, _) in &head.benefits {
            b.hash(&mut h);
        }
    }
    (p.kind == PageKind::Page).hash(&mut h);
    p.title().hash(&mut h);
    h.finish()
}

fn faq_key(site: &Site) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for q in &site.faq {
        q.question.hash(&mut h);
        q.answer_html.hash(&mut h);
        q.answer_text.hash(&mut h);
        q.id.hash(&mut h);
        q.topic.hash(&mut h);
        q.treatment.hash(&mut h);
        q.source.hash(&mut h);
    }
    h.finish()
}

fn benefit_refs(site: &Site) -> BTreeMap<String, Vec<(usize, Option<usize>)>> {
    site.benefits
        .iter()
        .map(|(b, refs)| {
            (
                b.clone(),
                refs.iter().map(|r| (r.page, r.heading)).collect(),
            )
        })
        .collect()
}

fn same_text(a: &Arc<str>, b: &Arc<str>) -> bool {
    Arc::ptr_eq(a, b) || a == b
}

impl Outputs {
    /// The files of the last successful update: output path -> bytes.
    pub fn files(&self) -> &HashMap<String, Arc<[u8]>> {
        &self.files
    }

    /// Forgets the previous build: the next update renders everything.
    pub fn clear(&mut self) {
        self.previous = None;
    }

    /// Renders what changed since the last update (everything the first
    /// time) and returns which files changed. On error nothing changes.
    pub fn update(&mut self, site: &Site, config: &Config, theme: &Theme) -> Result<Update, Error> {
        let globals = globals(site, config, theme);
        let structure = structure(site);
        let n = site.pages.len();
        let prev = self
            .previous
            .take()
            .filter(|p| p.globals == globals && p.structure == structure && p.pages.len() == n);
        let full = prev.is_none();

        // Per page: did anything the renderer reads about it change?
        let changed: Vec<bool> = (0..n)
            .into_par_iter()
            .map(|i| {
                let Some(prev) = &prev else { return true };
                let (p, f) = (&site.pages[i], &prev.pages[i]);
                !same_text(&p.text, &f.text)
                    || p.path != f.path
                    || p.kind != f.kind
                    || p.parent != f.parent
                    || p.treatment != f.treatment
            })
            .collect();
        // The related-articles ranking depends on every page's benefits,
        // title and kind: reuse the last one when none of those changed.
        let rank_keys: Vec<u64> = (0..n)
            .into_par_iter()
            .map(|i| match &prev {
                Some(prev) if !changed[i] => prev.pages[i].rank,
                _ => rank_key(site, i),
            })
            .collect();
        let related = match &prev {
            Some(prev) if (0..n).all(|i| !changed[i] || rank_keys[i] == prev.pages[i].rank) => {
                prev.related.clone()
            }
            _ => crate::related::Related::of_site(site),
        };
        let renderer = Renderer::with_related(site, config, theme, related)?;
        let facts: Vec<Facts> = (0..n)
            .into_par_iter()
            .map(|i| {
                let p = &site.pages[i];
                match &prev {
                    Some(prev) if !changed[i] => {
                        let mut f = prev.pages[i].clone();
                        f.related = renderer.related_pages(i);
                        f.rank = rank_keys[i];
                        f
                    }
                    _ => Facts {
                        text: p.text.clone(),
                        path: p.path.clone(),
                        kind: p.kind,
                        parent: p.parent,
                        treatment: p.treatment.clone(),
                        summary: hash_debug(&renderer.summary(p)),
                        benefit: benefit_key(site, i),
                        related: renderer.related_pages(i),
                        rank: rank_keys[i],
                    },
                }
            })
            .collect();
        let benefits = benefit_refs(site);
        let tags = site.tags.clone();
        let faq = faq_key(site);
        let recent = renderer.recent_pages();

        let mut dirty: BTreeSet<Key> = BTreeSet::new();
        let jobs = renderer.jobs();
        match &prev {
            None => {
                dirty.extend(jobs.iter().map(|j| key_of(site, j)));
            }
            Some(prev) => {
                let any = changed.iter().any(|c| *c);
                let summary_changed =
                    |i: usize| changed[i] && facts[i].summary != prev.pages[i].summary;
                let benefit_changed =
                    |i: usize| changed[i] && facts[i].benefit != prev.pages[i].benefit;
                let mut benefits_dirty = false;
                for (b, refs) in &benefits {
                    if prev.benefits.get(b) != Some(refs)
                        || refs.iter().any(|(i, _)| benefit_changed(*i))
                    {
                        dirty.insert(Key::Other(Job::Benefit(b.clone())));
                        benefits_dirty = true;
                    }
                }
                if benefits_dirty {
                    dirty.insert(Key::Other(Job::BenefitsIndex));
                }
                for (t, pages) in &tags {
                    if prev.tags.get(t) != Some(pages) || pages.iter().any(|&i| summary_changed(i))
                    {
                        dirty.insert(Key::Other(Job::Tag(t.clone())));
                    }
                }
                let tag_counts = |m: &BTreeMap<String, Vec<usize>>| -> Vec<(String, usize)> {
                    m.iter().map(|(t, v)| (t.clone(), v.len())).collect()
                };
                if tag_counts(&prev.tags) != tag_counts(&tags) {
                    dirty.insert(Key::Other(Job::TagsIndex));
                }
                let faq_intro = site.pages.iter().position(|p| p.path == "faq/");
                if faq != prev.faq
                    || faq_intro.is_some_and(|i| changed[i])
                    || site
                        .faq
                        .iter()
                        .any(|q| q.source.as_ref().is_some_and(|(i, _)| summary_changed(*i)))
                {
                    dirty.insert(Key::Other(Job::Faq));
                }
                if any {
                    dirty.insert(Key::Other(Job::Feeds));
                }
                // The home page lists the newest articles and every benefit.
                let home_dirty = benefits_dirty
                    || recent != prev.recent
                    || recent.iter().any(|&i| summary_changed(i));
                if home_dirty && site.home.is_none() {
                    dirty.insert(Key::Other(Job::Home));
                }
                for i in 0..n {
                    let p = &site.pages[i];
                    let mut d = changed[i];
                    // Breadcrumbs show every ancestor.
                    let mut cur = p.parent;
                    while let (false, Some(a)) = (d, cur) {
                        d = changed[a];
                        cur = site.pages[a].parent;
                    }
                    d = d || (p.kind == PageKind::Home && home_dirty);
                    if !d && p.kind == PageKind::Section {
                        let kids = site.children.get(&i);
                        d = kids != prev.children.get(&i)
                            || kids.is_some_and(|k| k.iter().any(|&c| summary_changed(c)));
                    }
                    if !d && p.kind == PageKind::Page {
                        d = facts[i].related != prev.pages[i].related
                            || facts[i].related.iter().any(|&r| summary_changed(r));
                    }
                    if d {
                        dirty.insert(Key::Page(p.rel.clone()));
                    }
                }
                for j in &jobs {
                    let k = key_of(site, j);
                    if !prev.jobs.contains_key(&k) {
                        dirty.insert(k);
                    }
                }
            }
        }

        // Render the dirty jobs.
        let to_run: Vec<&Job> = jobs
            .iter()
            .filter(|j| dirty.contains(&key_of(site, j)))
            .collect();
        let produced: Mutex<Vec<(Key, OutputFile)>> = Mutex::new(Vec::new());
        to_run.par_iter().try_for_each(|job| {
            let key = key_of(site, job);
            renderer.render_job(job, &|f: OutputFile| {
                produced
                    .lock()
                    .map_err(|_| Error::Other("a render thread panicked".into()))?
                    .push((key.clone(), f));
                Ok(())
            })
        })?;
        let produced = produced
            .into_inner()
            .map_err(|_| Error::Other("a render thread panicked".into()))?;

        // Apply: replace the outputs of every job that ran, drop the outputs
        // of jobs that no longer exist.
        let mut old_jobs = prev.map(|p| p.jobs).unwrap_or_default();
        let live: BTreeSet<Key> = jobs.iter().map(|j| key_of(site, j)).collect();
        let mut new_jobs: HashMap<Key, Vec<String>> = HashMap::with_capacity(live.len());
        let mut gone: BTreeSet<String> = BTreeSet::new();
        for (k, paths) in old_jobs.drain() {
            if live.contains(&k) && !dirty.contains(&k) {
                new_jobs.insert(k, paths);
            } else {
                gone.extend(paths);
            }
        }
        if full {
            gone.extend(self.files.keys().cloned());
        }
        let mut changed_files = BTreeSet::new();
        for (k, f) in produced {
            gone.remove(&f.path);
            let bytes: Arc<[u8]> = Arc::from(f.bytes);
            if self.files.get(&f.path).is_none_or(|old| *old != bytes) {
                changed_files.insert(f.path.clone());
            }
            new_jobs.entry(k).or_default().push(f.path.clone());
            self.files.insert(f.path, bytes);
        }
        // Theme files (CSS, JS) belong to no job: the theme is part of the
        // globals, so they change only with a full render.
        if full {
            for (rel, bytes) in &theme.statics {
                gone.remove(rel);
                let bytes: Arc<[u8]> = Arc::from(bytes.as_slice());
                if self.files.get(rel).is_none_or(|old| *old != bytes) {
                    changed_files.insert(rel.clone());
                }
                self.files.insert(rel.clone(), bytes);
            }
        }
        let theme_files: BTreeSet<&String> = theme.statics.keys().collect();
        let mut removed = Vec::new();
        for path in gone {
            if full || !theme_files.contains(&path) {
                self.files.remove(&path);
                removed.push(path);
            }
        }
        self.previous = Some(Previous {
            globals,
            structure,
            pages: facts,
            benefits,
            tags,
            children: site.children.clone(),
            faq,
            recent,
            related: renderer.related_ranking().clone(),
            jobs: new_jobs,
        });
        Ok(Update {
            changed: changed_files.into_iter().collect(),
            removed,
            jobs: to_run.len(),
            full,
        })
    }
}

fn key_of(site: &Site, job: &Job) -> Key {
    match job {
        Job::Page(i) => Key::Page(site.pages[*i].rel.clone()),
        other => Key::Other(other.clone()),
    }
}

/// Renders the whole site into a map, the way a clean build would (tests
/// compare incremental results with it).
pub fn render_clean(
    site: &Site,
    config: &Config,
    theme: &Theme,
) -> Result<BTreeMap<String, Vec<u8>>, Error> {
    let renderer = Renderer::new(site, config, theme)?;
    let files = Mutex::new(BTreeMap::new());
    renderer.render_all(&|f: OutputFile| {
        files
            .lock()
            .map_err(|_| Error::Other("a render thread panicked".into()))?
            .insert(f.path, f.bytes);
        Ok(())
    })?;
    let mut files = files
        .into_inner()
        .map_err(|_| Error::Other("a render thread panicked".into()))?;
    for (rel, bytes) in &theme.statics {
        files.insert(rel.clone(), bytes.clone());
    }
    Ok(files)
}
