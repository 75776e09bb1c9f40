//! Incremental rebuilds for `serve`: reuse what did not change, and prove
//! nothing stale is left.
//!
//! Owns two caches, each with a fast path for the common edit (one
//! article's body or front matter) and a general path for everything else.
//!
//! `Cache` loads the site (`Cache::load`) and keeps the result. General path
//! (`crate::load_cached`): discover every file, re-read those whose size,
//! modification time or watcher report changed (when the watcher reported
//! every change, each an edit of a file the last load read or a Markdown
//! file added or removed, the last load's file list is updated instead of
//! walking the folder, and only the reported files are read:
//! `Cache::hint_walk`), reuse `model::ParseCache`'s
//! front matter and Markdown results for unchanged texts (a page's Markdown
//! also when pages were added, removed or moved, unless its links looked
//! one of those up) and
//! `check::PageChecks`' per-page findings for unchanged pages (and each
//! `structure.duplicate-title` warning while its page and the page it
//! quotes are the same), and assemble
//! the model (URLs, indexes) from scratch, reusing each unchanged page's
//! FAQ keys and, when nothing its links read changed, its link findings
//! (`model::FoundLinks`). Fast
//! path (`Cache::patch`), taken when the watcher reported only Markdown files
//! under `content/`: each is re-read and `model::patch_page` applies it to
//! the last site in place, but only if it is an existing article whose
//! headings keep their level, id, title, benefit tags, FAQ flag and topic,
//! and whose front matter is the same or changes nothing another page's
//! links or URLs read (no new URL, draft state, slug, alias, treatment; no
//! tag page appears or disappears; a date or weight only reorders lists; a
//! reworded FAQ question is not one other askings repeat and repeats none
//! asked on a later page, gains or loses its FAQ entry alone, and no other
//! page links to its old or new anchor, see `model::reworded_questions`). Then the
//! model updates in place the page, its place in its tags' and section's
//! lists, the benefits index and its FAQ entries; the page's own
//! diagnostics (front matter references, links, the per-page checks) are
//! replaced in the sorted diagnostic list, `faq.duplicate` warnings at or
//! quoting its questions move with them, and its `structure.duplicate-title`
//! warning goes when a title edit ends it (when it was the first of its old
//! title's holders, the next one's goes and the later ones quote that one;
//! a new title another page has takes the general path). No folder walk, no stat
//! of every file, no model assembly. Shape path (`Cache::shape`), taken
//! when the watcher reported one Markdown file under `content/`: an
//! article removed or made a draft is taken out of the last site in place
//! (`model::remove_page`), a new article file or a draft published is put
//! in (`model::add_page`); the pages after it move one place, and
//! everything that refers to pages by index or that the page feeds
//! follows (sections, tags, benefits, FAQ entries and their anchors, URLs,
//! link targets), with the diagnostics that change: the page's own, other
//! pages' link findings that read its URL, a new tag page or a FAQ anchor
//! that came or went, `faq.duplicate` warnings quoting the first asking of
//! its questions, `structure.duplicate-title` warnings of its title's other
//! holders. `View::patch` is `None`: `Outputs::update` compares every page.
//! Anything `remove_page` or `add_page` does not take (a section, a bundle,
//! aliases, a page whose links name its Markdown file, a tag renamed, a
//! site with errors other than links' and images') takes the general path.
//! Any other change (several files, a renamed or unreadable file, data,
//! configuration, theme, another day)
//! takes the general path; so does an edit that fails a check half way,
//! after which the last site is dropped.
//!
//! `Outputs` keeps the rendered site in memory with the render `Job` that
//! produced each file. General path (`Outputs::update`): match every page
//! with the last update's page of the same source path, compare its render
//! inputs (text, rendered body, URL, parent, treatment) and re-run only the
//! jobs whose inputs changed: the page itself, pages whose body links moved
//! (the model renders their Markdown again), pages that list it (sections,
//! tags, related articles) when its summary changed or the lists' members
//! did (compared by source path, so a page added, removed, renamed, made a
//! draft or given a slug re-renders only what shows it; issue 5), benefit
//! pages and the FAQ it feeds, the home page and the feeds; the files of
//! jobs that no longer exist go. A change to the home page or the sections
//! (added, removed, a URL, a treatment: `shell`), the configuration, the
//! data files or the theme re-renders everything. Fast
//! path (`Outputs::update_patch`, through `update_view`), when the load
//! patched exactly the site this last rendered: the same dependency rules,
//! evaluated for the patched pages only, against the lists, indexes, ranking
//! and newest-articles list of the last update, which a front matter edit
//! updates (a title or benefit edit ranks related articles anew). Lists
//! re-render by list page: a section's, a tag's or a benefit's list pages
//! that show a changed entry or whose entries moved (`Renderer::
//! benefit_layout` before and after). Both paths hand the renderer the
//! list entries (`Renderer::use_summaries`) the last update made for
//! pages whose summary inputs did not change, so re-rendering a section's
//! list pages after an article was added or removed makes only its own.
//!
//! `tests/testsuite/serve.rs` compares files and diagnostics with a clean
//! build after every step of a sequence of edits that exercise both paths.
//!
//! Must not: touch the disk except to read sources, or decide anything about
//! content (that is `model`'s and `check`'s job).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use rayon::prelude::*;

use crate::Loaded;
use crate::config::Config;
use crate::diag::{Diagnostic, Error};
use crate::frontmatter::Date;
use crate::model::{BenefitRef, Input, PageKind, ParseCache, Site};
use crate::render::{Job, OutputFile, Renderer};
use crate::source::{SourceFile, is_ignored_name};
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
    /// The result of the last `load`, which the next one may patch.
    last: Option<Last>,
    generation: u64,
    /// The files the last general-path load found (see `Walk`).
    pub(crate) walk: Option<Walk>,
    /// Set by `load` for `crate::load_cached` when the watcher reported
    /// every change and each was an edit of a file the last load read, or
    /// a Markdown file added or removed (`Cache::hint_walk`, which updates
    /// `walk`): `walk` holds, and only the reported files need reading (no
    /// folder walk, no stat of every file; issue 5).
    pub(crate) hinted: bool,
    /// A single build or check: keep no `walk`.
    pub(crate) one_shot: bool,
    /// Whether the last `load` took a page out of the last site (`shape`).
    shaped: bool,
}

/// What `crate::load_cached` found on disk besides the texts: the files
/// under `content/` (with the diagnostics about their names) and under
/// `static/`.
#[derive(Debug, Clone)]
pub(crate) struct Walk {
    pub(crate) files: Vec<SourceFile>,
    pub(crate) diagnostics: Vec<Diagnostic>,
    pub(crate) statics: Vec<(String, std::path::PathBuf)>,
}

#[derive(Debug)]
struct Last {
    loaded: Loaded,
    today: Date,
    config: u64,
}

/// What `Cache::load` returns: the loaded site, and which pages it changed
/// when it patched the previous one.
#[derive(Debug)]
pub struct View<'a> {
    /// The site, diagnostics and files to copy, as `crate::load` gives them.
    pub loaded: &'a Loaded,
    /// Counts loads: each load has a new number.
    pub generation: u64,
    /// Set when this load patched the site of load `Patch::from`.
    pub patch: Option<Patch>,
}

/// Pages whose text an edit changed, when nothing else changed: no page
/// added, removed or moved, no index, configuration, data or theme change
/// (see `model::patch_page`).
#[derive(Debug, Clone)]
pub struct Patch {
    /// The generation of the site that was patched.
    pub from: u64,
    /// Indexes of the edited pages in `Site::pages`.
    pub pages: Vec<usize>,
    /// True when an edit changed a page's front matter (see
    /// `model::patch_page`): then its title, summary, tags, benefits and
    /// FAQ entries may have changed, and with them the lists, indexes and
    /// related articles that show it; its URL and date did not.
    pub front: bool,
    /// True when a new slug moved a page to another URL
    /// (`model::patch_page`): everything that shows its URL shows the new
    /// one, and its output file is another.
    pub moved: bool,
}

/// The input of `file` with the text kept from the last load: not read
/// now, so there is no hash of its bytes for a fingerprint.
fn cached_input(file: SourceFile, text: Result<Arc<str>, Diagnostic>) -> Input {
    Input {
        file,
        text,
        hash: None,
    }
}

/// Reads a Markdown file as `crate::read_input` does; `None` for anything
/// but readable UTF-8 (the full load reports it).
fn read_text(path: &std::path::Path) -> Option<Arc<str>> {
    let s = String::from_utf8(std::fs::read(path).ok()?).ok()?;
    let s = s.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(s);
    Some(Arc::from(s))
}

/// Where the diagnostics of the file `rel` are in `diags`, which is sorted
/// by place (the list holds every warning of a large site: only that file's
/// are looked at).
fn file_range(diags: &[Diagnostic], rel: &str) -> (usize, usize) {
    let path = std::path::Path::new(rel);
    let a = diags.partition_point(|d| d.location.path.as_path() < path);
    let b = diags.partition_point(|d| d.location.path.as_path() <= path);
    (a, b)
}

/// Replaces `old` with `new` among the diagnostics of the file `rel` in
/// `diags` (sorted and deduplicated as `crate::load_cached` leaves them), so
/// the list is what a full load would give.
fn splice_diagnostics(
    diags: &mut Vec<Diagnostic>,
    rel: &str,
    old: &[Diagnostic],
    new: Vec<Diagnostic>,
) {
    let (a, b) = file_range(diags, rel);
    let mut mine: Vec<Diagnostic> = diags[a..b]
        .iter()
        .filter(|d| !old.contains(d))
        .cloned()
        .collect();
    mine.extend(new);
    mine.sort_by(|x, y| x.location.cmp(&y.location).then_with(|| x.code.cmp(y.code)));
    mine.dedup();
    diags.splice(a..b, mine);
}

/// Removes the `structure.duplicate-title` warning of the file `rel` from
/// `diags` (sorted by place).
fn drop_duplicate_title(diags: &mut Vec<Diagnostic>, rel: &str) {
    let (a, b) = file_range(diags, rel);
    if diags[a..b]
        .iter()
        .any(|d| d.code == "structure.duplicate-title")
    {
        let keep: Vec<Diagnostic> = diags[a..b]
            .iter()
            .filter(|d| d.code != "structure.duplicate-title")
            .cloned()
            .collect();
        diags.splice(a..b, keep);
    }
}

/// Makes the `structure.duplicate-title` warning of the file `rel` that
/// says `from` say `to` (the first holder of its title changed).
fn requote_duplicate_title(diags: &mut [Diagnostic], rel: &str, from: &str, to: &str) {
    let (a, b) = file_range(diags, rel);
    for d in &mut diags[a..b] {
        if d.code == "structure.duplicate-title" && d.message == from {
            d.message = to.to_string();
        }
    }
}

/// Whether `diags` hold an error that is not a link's or an image's (a
/// page left out, a broken file, a duplicate URL, an empty tag...): then a
/// page coming or going takes the general path (`Cache::shape`). Link and
/// image findings are worked out again for every page they may change.
fn other_errors(diags: &[Diagnostic]) -> bool {
    diags.iter().any(|d| {
        d.severity == crate::diag::Severity::Error
            && !d.code.starts_with("links.")
            && !d.code.starts_with("media.")
    })
}

/// Whether the walk reported something about the file at `rel` or the last
/// load has `other_errors`: either way a page coming or going there takes
/// the general path.
fn findings_block_shape(walk: &[Diagnostic], diags: &[Diagnostic], rel: &str) -> bool {
    let at = std::path::Path::new(rel);
    walk.iter().any(|d| d.location.path == at) || other_errors(diags)
}

/// Replaces the link findings of the pages in `relinked` (source path,
/// before, after) in `diags`.
fn relink(
    diags: &mut Vec<Diagnostic>,
    relinked: Vec<(String, Vec<Diagnostic>, Vec<Diagnostic>)>,
    config: &Config,
) {
    for (other, before, after) in relinked {
        let before = crate::check::apply_levels(before, config);
        let after = crate::check::apply_levels(after, config);
        splice_diagnostics(diags, &other, &before, after);
    }
}

/// Takes the `faq.duplicate` warnings `old` out of `diags` and puts `new`
/// in: one that quotes another asking now changes in place (the list is
/// long: moving it for each was most of a page's removal when a question
/// many pages ask went); the others go or come file by file.
fn apply_repeats(
    diags: &mut Vec<Diagnostic>,
    old: Vec<Diagnostic>,
    new: Vec<Diagnostic>,
    config: &Config,
) {
    let mut quoting: BTreeMap<crate::diag::Location, Diagnostic> =
        crate::check::apply_levels(new, config)
            .into_iter()
            .map(|d| (d.location.clone(), d))
            .collect();
    type Repeats = (Vec<Diagnostic>, Vec<Diagnostic>);
    let mut repeats: BTreeMap<String, Repeats> = BTreeMap::new();
    for d in crate::check::apply_levels(old, config) {
        let file = d.location.path.to_string_lossy().into_owned();
        if let Some(now) = quoting.remove(&d.location) {
            let (a, b) = file_range(diags, &file);
            match diags[a..b].iter().position(|x| *x == d) {
                Some(k) => diags[a + k] = now,
                None => {
                    let r = repeats.entry(file).or_default();
                    r.0.push(d);
                    r.1.push(now);
                }
            }
        } else {
            repeats.entry(file).or_default().0.push(d);
        }
    }
    for (_, d) in quoting {
        let file = d.location.path.to_string_lossy().into_owned();
        repeats.entry(file).or_default().1.push(d);
    }
    for (file, (old, new)) in repeats {
        splice_diagnostics(diags, &file, &old, new);
    }
}

/// Drops the last site on a thread of its own, so that a rebuild does not
/// wait for it to be freed.
fn drop_in_background(last: Option<Last>) {
    if let Some(last) = last {
        // Without a thread (none left), drop it here.
        let _ = std::thread::Builder::new()
            .name("careleaf-drop".into())
            .spawn(move || drop(last));
    }
}

#[derive(Debug, Clone)]
struct Stamped {
    text: Result<Arc<str>, Diagnostic>,
    stamp: Option<(SystemTime, u64)>,
}

/// Whether `path` is a file itself, not a symbolic link to one: the walk
/// (`source::discover`) follows no links, so a page's file replaced by a
/// link is a page gone, which only the general path's walk sees.
fn is_plain_file(path: &std::path::Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file())
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

    /// Whether the last `load` took a removed article, or one made a
    /// draft, out of the site before it in place (not `View::patch`: the
    /// pages after it moved, and `Outputs::update` compares every page).
    pub fn shaped(&self) -> bool {
        self.shaped
    }

    /// The result of the last `load`, if it succeeded.
    pub fn last_loaded(&self) -> Option<&Loaded> {
        self.last.as_ref().map(|l| &l.loaded)
    }

    /// Forgets everything: the next build reads and parses every file.
    pub fn clear(&mut self) {
        let generation = self.generation;
        *self = Cache::default();
        self.generation = generation;
    }

    /// Loads the site as `crate::load_cached` does and keeps the result.
    ///
    /// `edited` is what the watcher reported when every change it saw was
    /// to a Markdown file under `content/` (root-relative paths), `None`
    /// otherwise. When each of those files is an existing article whose edit
    /// `model::patch_page` can apply (same headings; front matter the same or
    /// changed only in what `patch_page` allows), the last load's site is
    /// patched in place: the files are read and rendered, their per-page
    /// checks re-run and their diagnostics replaced, without walking the
    /// folder, stating every file or assembling the model again. Anything
    /// else (a new, removed or unreadable file, a changed URL, date or
    /// heading, another configuration or day) loads everything, reusing the
    /// parse caches, unless it is one article removed, made a draft, added
    /// or published, which `shape` takes out of or puts into the last site.
    pub fn load(
        &mut self,
        config: &Config,
        today: Date,
        edited: Option<&[String]>,
    ) -> Result<View<'_>, Error> {
        let from = self.generation;
        self.generation += 1;
        // One article gone or made a draft: taken out of the last site.
        let shaped = matches!(edited, Some([rel]) if self.shape(config, today, rel));
        self.shaped = shaped;
        let patched = match edited {
            _ if shaped => None,
            Some(rels) if !rels.is_empty() => self.patch(config, today, rels),
            _ => None,
        };
        let patch = match patched {
            Some((pages, front, moved)) => Some(Patch {
                from,
                pages,
                front,
                moved,
            }),
            None if shaped => None,
            None => {
                if let Some(rels) = edited {
                    for rel in rels {
                        self.mark_changed(rel);
                    }
                }
                // Dropping the old site while loading the new one would
                // hold both in memory; freeing it (tens of thousands of
                // pages and diagnostics) on another thread keeps that off
                // the rebuild's path, and it is gone before the new site
                // has grown (issue 5).
                drop_in_background(self.last.take());
                self.hinted = match edited {
                    Some(rels) => self.hint_walk(&config.root, rels),
                    None => false,
                };
                let loaded = crate::load_cached(config, today, self);
                self.hinted = false;
                let loaded = loaded?;
                self.last = Some(Last {
                    loaded,
                    today,
                    config: hash_debug(config),
                });
                None
            }
        };
        let last = self
            .last
            .as_ref()
            .ok_or_else(|| Error::Other("internal error: no site after loading".into()))?;
        Ok(View {
            loaded: &last.loaded,
            generation: self.generation,
            patch,
        })
    }

    /// Whether the files the watcher reported, `rels` (Markdown files under
    /// `content/`), are all edits of files the last load read, or new or
    /// removed Markdown files, so that the last load's `walk`, with those
    /// added or removed, is what walking `content/` would find now (issue
    /// 5: at 10,000 articles the walk and a `stat` of every file were
    /// 25 ms of each rebuild after a file was added or removed). Updates
    /// `walk` when so; anything else (a folder, a symbolic link, a file
    /// under one, an ignored name, a path the walk did not have or has
    /// already) gives `false`, and `load_cached` walks the folder.
    fn hint_walk(&mut self, root: &std::path::Path, rels: &[String]) -> bool {
        let Some(walk) = self.walk.as_mut() else {
            return false;
        };
        let key = |content_rel: &str| content_rel.replace('/', "\0");
        // The edits first: the walk is left as it was unless all hold.
        let mut changes: Vec<(String, bool)> = Vec::new();
        for rel in rels {
            let path = root.join(rel);
            if self.texts.contains_key(rel) && is_plain_file(&path) {
                continue;
            }
            let Some(content_rel) = rel.strip_prefix("content/") else {
                return false;
            };
            if !rel.ends_with(".md")
                || content_rel
                    .split('/')
                    .any(|c| c.is_empty() || c == "." || c == ".." || is_ignored_name(c))
            {
                return false;
            }
            let here = walk
                .files
                .binary_search_by_key(&key(content_rel), |f| key(&f.content_rel))
                .is_ok();
            match std::fs::symlink_metadata(&path) {
                // Removed: a file the walk found.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && here => {
                    changes.push((content_rel.to_string(), false));
                }
                // New: a plain file in plain folders (the walk follows no
                // symbolic links).
                Ok(m) if m.file_type().is_file() && !here => {
                    let mut dir = std::path::Path::new(content_rel).parent();
                    while let Some(d) = dir.filter(|d| !d.as_os_str().is_empty()) {
                        let real = std::fs::symlink_metadata(root.join("content").join(d))
                            .is_ok_and(|m| m.file_type().is_dir());
                        if !real {
                            return false;
                        }
                        dir = d.parent();
                    }
                    changes.push((content_rel.to_string(), true));
                }
                _ => return false,
            }
        }
        for (content_rel, added) in changes {
            let at = walk
                .files
                .binary_search_by_key(&key(&content_rel), |f| key(&f.content_rel));
            match (at, added) {
                (Err(at), true) => walk.files.insert(
                    at,
                    SourceFile {
                        rel: format!("content/{content_rel}"),
                        path: root.join("content").join(&content_rel),
                        kind: crate::source::classify(&content_rel),
                        content_rel,
                    },
                ),
                (Ok(at), false) => {
                    walk.files.remove(at);
                }
                // The same path twice in `rels`: already done.
                _ => {}
            }
        }
        true
    }

    /// The shape path of `load` (issue 5): a new file or a draft published
    /// at `rel` goes to `shape_add`. A page going: the article at `rel` was
    /// removed or made a draft, and `model::remove_page` takes it out of the
    /// last site in place; then its diagnostics go (a draft's
    /// `structure.draft-past-date` comes), those of other files that
    /// `remove_page` reports change, and the `structure.duplicate-title`
    /// warnings of its title's other holders follow it as when a title
    /// edit leaves a title (`patch_last`). True when done; false, with
    /// the last site as it was, when anything does not hold (another day
    /// or configuration, a site with errors other than links' and images',
    /// a file the walk reported on,
    /// what `remove_page` refuses), and `load` goes on.
    fn shape(&mut self, config: &Config, today: Date, rel: &str) -> bool {
        let Some(last) = self.last.as_mut() else {
            return false;
        };
        if last.today != today
            || last.config != hash_debug(config)
            || !rel.starts_with("content/")
            || !rel.ends_with(".md")
        {
            return false;
        }
        if self.walk.is_none() {
            return false;
        }
        let path = config.root.join(rel);
        // (text, front matter, body offset, stamp) of a draft; `None`: gone.
        let draft = match std::fs::symlink_metadata(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Ok(m) if m.file_type().is_file() => {
                let (Some(now), Some(text)) = (stamp(&path), read_text(&path)) else {
                    return false;
                };
                // A new file, or a draft's: perhaps published now.
                let new = !self.texts.contains_key(rel)
                    || last
                        .loaded
                        .site
                        .skipped_drafts
                        .iter()
                        .any(|(r, ..)| r == rel);
                if !new && !text.contains("draft") {
                    return false;
                }
                let Ok((fm, split)) = crate::frontmatter::parse(&text, rel) else {
                    return false;
                };
                let off = split.body_offset;
                match (new, fm.draft && !config.drafts) {
                    (false, true) => Some((text.clone(), Arc::new(fm), off, now)),
                    (true, false) => {
                        return self.shape_add(config, today, rel, (text, Arc::new(fm), off, now));
                    }
                    _ => return false,
                }
            }
            _ => return false,
        };
        let Some(last) = self.last.as_mut() else {
            return false;
        };
        let Some(walk) = self.walk.as_mut() else {
            return false;
        };
        let loaded = &mut last.loaded;
        if findings_block_shape(&walk.diagnostics, &loaded.diagnostics, rel) {
            return false;
        }
        let statics: Vec<String> = loaded.statics.iter().map(|(r, _)| r.clone()).collect();
        let Some(removed) = crate::model::remove_page(
            &mut loaded.site,
            &mut self.parse,
            rel,
            draft
                .as_ref()
                .map(|(t, fm, off, _)| (t.clone(), fm.clone(), *off)),
            &statics,
            config,
        ) else {
            return false;
        };
        let diags = &mut loaded.diagnostics;
        let (a, b) = file_range(diags, rel);
        diags.drain(a..b);
        if let Some((text, fm, ..)) = &draft {
            let found = crate::check::draft_findings(rel, text, fm.date, today, config);
            splice_diagnostics(diags, rel, &[], found);
        }
        // The next holder of its title, when it was the first, is first now.
        let site = &loaded.site;
        let gone = &removed.page;
        let holders: Vec<usize> = site
            .pages
            .iter()
            .enumerate()
            .filter(|(_, p)| p.kind == PageKind::Page && p.title() == gone.title())
            .map(|(j, _)| j)
            .collect();
        if let Some(&next) = holders.first()
            && next >= removed.index
        {
            let quote = crate::check::duplicate_title_message;
            let (from, to) = (quote(gone), quote(&site.pages[next]));
            drop_duplicate_title(diags, &site.pages[next].rel);
            for &k in &holders[1..] {
                requote_duplicate_title(diags, &site.pages[k].rel, &from, &to);
            }
        }
        relink(diags, removed.relinked, config);
        apply_repeats(diags, removed.old_repeats, removed.new_repeats, config);
        match draft {
            Some((text, _, _, now)) => {
                self.texts.insert(
                    rel.to_string(),
                    Stamped {
                        text: Ok(text),
                        stamp: Some(now),
                    },
                );
            }
            None => {
                self.texts.remove(rel);
                let key = |content_rel: &str| content_rel.replace('/', "\0");
                let content_rel = &rel["content/".len()..];
                if let Ok(k) = walk
                    .files
                    .binary_search_by_key(&key(content_rel), |f| key(&f.content_rel))
                {
                    walk.files.remove(k);
                }
            }
        }
        self.dirty.remove(rel);
        true
    }

    /// `shape` for an article that comes (issue 5): the new file, or the
    /// draft published, at `rel` (text, front matter, body offset, stamp),
    /// which `model::add_page` puts into the last site in place; then its
    /// diagnostics are its own (its model findings and per-page checks,
    /// a `structure.duplicate-title` warning when an earlier article has its
    /// title), those of other files that `add_page` reports change, and
    /// when it is the first of its title's holders, the next one is warned
    /// and the later ones quote it.
    fn shape_add(
        &mut self,
        config: &Config,
        today: Date,
        rel: &str,
        (text, fm, off, now): (
            Arc<str>,
            Arc<crate::frontmatter::FrontMatter>,
            usize,
            (SystemTime, u64),
        ),
    ) -> bool {
        let Some(last) = self.last.as_mut() else {
            return false;
        };
        let Some(walk) = self.walk.as_ref() else {
            return false;
        };
        let loaded = &mut last.loaded;
        if findings_block_shape(&walk.diagnostics, &loaded.diagnostics, rel)
            || !self.checks.made_for(config, today)
        {
            return false;
        }
        // A file the walk would take (in plain folders, no ignored name),
        // now in its list (if the site does not take it, the next general
        // load finds the list wrong and walks the folder).
        if !self.hint_walk(&config.root, &[rel.to_string()]) {
            return false;
        }
        let Some(last) = self.last.as_mut() else {
            return false;
        };
        let loaded = &mut last.loaded;
        let statics: Vec<String> = loaded.statics.iter().map(|(r, _)| r.clone()).collect();
        let Some(added) = crate::model::add_page(
            &mut loaded.site,
            &mut self.parse,
            rel,
            text.clone(),
            fm,
            off,
            &statics,
            config,
        ) else {
            return false;
        };
        let site = &loaded.site;
        let diags = &mut loaded.diagnostics;
        let i = added.index;
        let (a, b) = file_range(diags, rel);
        diags.drain(a..b);
        let mut own = crate::check::apply_levels(added.local, config);
        own.extend(self.checks.add(&site.pages[i], config, today));
        // Its title: quoting the first article with it, or first of them.
        let pages = &site.pages;
        let holders: Vec<usize> = pages
            .iter()
            .enumerate()
            .filter(|&(j, p)| j != i && p.kind == PageKind::Page && p.title() == pages[i].title())
            .map(|(j, _)| j)
            .collect();
        let warn = |p: usize, first: usize| {
            crate::check::apply_levels(
                vec![crate::check::duplicate_title(&pages[p], &pages[first])],
                config,
            )
        };
        if let Some(&first) = holders.first() {
            if first < i {
                own.extend(warn(i, first));
            } else {
                let from = crate::check::duplicate_title_message(&pages[first]);
                let to = crate::check::duplicate_title_message(&pages[i]);
                splice_diagnostics(diags, &pages[first].rel, &[], warn(first, i));
                for &k in &holders[1..] {
                    requote_duplicate_title(diags, &pages[k].rel, &from, &to);
                }
            }
        }
        splice_diagnostics(diags, rel, &[], own);
        relink(diags, added.relinked, config);
        apply_repeats(diags, added.old_repeats, added.new_repeats, config);
        self.texts.insert(
            rel.to_string(),
            Stamped {
                text: Ok(text),
                stamp: Some(now),
            },
        );
        self.dirty.remove(rel);
        true
    }

    /// The fast path of `load`: `Some(pages)` when every file in `rels` was
    /// patched into the last site, `None` (and no last site) otherwise.
    fn patch(
        &mut self,
        config: &Config,
        today: Date,
        rels: &[String],
    ) -> Option<(Vec<usize>, bool, bool)> {
        let mut last = self.last.take()?;
        let patched = self.patch_last(&mut last, config, today, rels);
        if patched.is_some() {
            self.last = Some(last);
        } else {
            // Half patched, perhaps: not a site to keep.
            drop_in_background(Some(last));
        }
        patched
    }

    /// `patch` on the last site, `last`, which is left half patched when
    /// this returns `None`.
    fn patch_last(
        &mut self,
        last: &mut Last,
        config: &Config,
        today: Date,
        rels: &[String],
    ) -> Option<(Vec<usize>, bool, bool)> {
        if last.today != today || last.config != hash_debug(config) {
            return None;
        }
        let mut pages = Vec::with_capacity(rels.len());
        let (mut front, mut moved) = (false, false);
        for rel in rels {
            if !rel.starts_with("content/") || !rel.ends_with(".md") {
                return None;
            }
            let path = config.root.join(rel);
            if !is_plain_file(&path) {
                return None;
            }
            let now = stamp(&path)?;
            let text = read_text(&path)?;
            let site = &mut last.loaded.site;
            let patched =
                crate::model::patch_page(site, &mut self.parse, rel, text.clone(), config)?;
            let i = patched.page;
            if let Some(old_fm) = &patched.old_front {
                // `structure.duplicate-title` warns on every article whose
                // title an earlier article has, quoting the first one. Leaving
                // a title drops this page's warning and, when this page was
                // the first of the old title's holders, the next one's (that
                // page is first now) and re-quotes the later ones. Taking a
                // title other articles have warns here when one of them is
                // earlier; otherwise this page is the first holder now: the
                // previous first gets a warning and the later ones quote
                // this page.
                let (before, after) = (old_fm.title.as_deref(), site.pages[i].fm.title.as_deref());
                if before != after {
                    let holders = |t: Option<&str>| -> Vec<usize> {
                        site.pages
                            .iter()
                            .enumerate()
                            .filter(|&(j, p)| {
                                j != i && p.kind == PageKind::Page && Some(p.title()) == t
                            })
                            .map(|(j, _)| j)
                            .collect()
                    };
                    let diags = &mut last.loaded.diagnostics;
                    drop_duplicate_title(diags, rel);
                    let others = holders(before);
                    if let Some(&next) = others.first()
                        && next > i
                    {
                        let quote =
                            |j: usize| crate::check::duplicate_title_message(&site.pages[j]);
                        let (from, to) = (quote(i), quote(next));
                        drop_duplicate_title(diags, &site.pages[next].rel);
                        for &k in &others[1..] {
                            requote_duplicate_title(diags, &site.pages[k].rel, &from, &to);
                        }
                    }
                    let shared = holders(after);
                    if site.pages[i].kind == PageKind::Page
                        && let Some(&first) = shared.first()
                    {
                        let pages = &site.pages;
                        let warn = |p: usize, first: usize| {
                            crate::check::apply_levels(
                                vec![crate::check::duplicate_title(&pages[p], &pages[first])],
                                config,
                            )
                        };
                        if first < i {
                            splice_diagnostics(diags, rel, &[], warn(i, first));
                        } else {
                            splice_diagnostics(diags, &pages[first].rel, &[], warn(first, i));
                            let from = crate::check::duplicate_title_message(&pages[first]);
                            let to = crate::check::duplicate_title_message(&pages[i]);
                            for &k in &shared[1..] {
                                requote_duplicate_title(diags, &pages[k].rel, &from, &to);
                            }
                        }
                    }
                } else {
                    // The same title: its warning stands at the `title:`
                    // line, which the edit may have moved.
                    let diags = &mut last.loaded.diagnostics;
                    let (a, b) = file_range(diags, rel);
                    let code = "structure.duplicate-title";
                    if let Some(old) = diags[a..b].iter().find(|d| d.code == code).cloned() {
                        let pages = &site.pages;
                        let first = pages.iter().position(|p| {
                            p.kind == PageKind::Page && p.title() == pages[i].title()
                        })?;
                        if first >= i {
                            return None;
                        }
                        let warn = crate::check::duplicate_title(&pages[i], &pages[first]);
                        let new = crate::check::apply_levels(vec![warn], config);
                        splice_diagnostics(diags, rel, &[old], new);
                    }
                }
                front = true;
            }
            // The warnings of reworded questions that repeated another go
            // before the page's warnings move with its questions.
            let gone = crate::check::apply_levels(patched.old_repeats, config);
            if !gone.is_empty() {
                splice_diagnostics(&mut last.loaded.diagnostics, rel, &gone, Vec::new());
            }
            crate::model::relocate_faq_diagnostics(&mut last.loaded.diagnostics, &patched.moved);
            // A page moved to another URL: the pages that link to its old or
            // new one find those links broken or working.
            moved = moved || patched.moved_url;
            for (other, before, after) in patched.relinked {
                let before = crate::check::apply_levels(before, config);
                let after = crate::check::apply_levels(after, config);
                splice_diagnostics(&mut last.loaded.diagnostics, &other, &before, after);
            }
            let (old_checks, new_checks) = self.checks.refresh(&site.pages[i], config, today)?;
            let mut old = patched.old_local;
            old.extend(old_checks);
            let mut new = patched.new_local;
            new.extend(new_checks);
            new.extend(patched.new_repeats);
            let old = crate::check::apply_levels(old, config);
            let new = crate::check::apply_levels(new, config);
            splice_diagnostics(&mut last.loaded.diagnostics, rel, &old, new);
            self.texts.insert(
                rel.clone(),
                Stamped {
                    text: Ok(text),
                    stamp: Some(now),
                },
            );
            self.dirty.remove(rel);
            pages.push(i);
        }
        Some((pages, front, moved))
    }

    /// Reads the files' texts, reusing the cached text of a file whose size
    /// and modification time are unchanged and that was not marked changed.
    /// When `hinted`, only the files marked changed are looked at on disk.
    pub(crate) fn read_inputs(&mut self, files: Vec<SourceFile>) -> Vec<Input> {
        let texts = &self.texts;
        let dirty = &self.dirty;
        let hinted = self.hinted;
        let one_shot = self.one_shot;
        // (the input, its stamp when it was read now)
        type Read = (Input, Option<Option<(SystemTime, u64)>>);
        let read: Vec<Read> = files
            .into_par_iter()
            .map(|file| {
                if hinted
                    && !dirty.contains(&file.rel)
                    && let Some(c) = texts.get(&file.rel)
                {
                    return (cached_input(file, c.text.clone()), None);
                }
                // A one-off build keeps no texts, so it needs no stamps
                // (one `stat` per file fewer).
                if one_shot {
                    return (crate::read_input(file, true), None);
                }
                let now = stamp(&file.path);
                if let Some(c) = texts.get(&file.rel)
                    && now.is_some()
                    && c.stamp == now
                    && !dirty.contains(&file.rel)
                {
                    return (cached_input(file, c.text.clone()), None);
                }
                (crate::read_input(file, false), Some(now))
            })
            .collect();
        self.dirty.clear();
        // A one-off build reads every file once: no map for a next load.
        if self.one_shot {
            return read.into_iter().map(|(input, _)| input).collect();
        }
        // The texts of files read now replace theirs; those of files that
        // are gone go (rebuilding the whole map took a few ms of every
        // general-path rebuild at 10,000 articles, issue 5).
        for (input, now) in &read {
            if let Some(now) = now {
                self.texts.insert(
                    input.file.rel.clone(),
                    Stamped {
                        text: input.text.clone(),
                        stamp: *now,
                    },
                );
            }
        }
        if self.texts.len() != read.len() {
            let live: std::collections::HashSet<&str> = read
                .iter()
                .map(|(input, _)| input.file.rel.as_str())
                .collect();
            self.texts.retain(|rel, _| live.contains(rel.as_str()));
        }
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
    /// Its source path: the general path matches the last update's pages
    /// to this one's by it (issue 5).
    rel: Arc<str>,
    text: Arc<str>,
    /// Its rendered body and FAQ answers: a page whose text is the same
    /// renders another body when a link target it looked up moved (a slug,
    /// a draft, a page added or removed; `model::MovedTargets`).
    rendered: Arc<crate::markdown::Rendered>,
    faq_rendered: Arc<Vec<crate::markdown::Rendered>>,
    /// Its URL path and treatment, shared: every update copies the facts
    /// of each page that did not change (issue 5).
    path: Arc<str>,
    kind: PageKind,
    /// Index of its parent in the site of the update that made these facts.
    parent: Option<usize>,
    treatment: Option<Arc<str>>,
    /// Hash of how lists show the page (`Renderer::summary`).
    summary: u64,
    /// Hash of what benefit pages show of it.
    benefit: u64,
    /// Hash of its title (what the FAQ shows of a question's page, besides
    /// its URL).
    title: u64,
    /// Its title, for `sorts_between`.
    title_text: Arc<str>,
    /// Indexes (in the site of the update that made these facts) of its
    /// related articles.
    related: Vec<usize>,
    /// Hash of what the related-articles ranking reads (`rank_key`).
    rank: u64,
    /// Hash of the dates the sitemap and feed order read (`feed_key`).
    feed: u64,
}

#[derive(Debug, Clone, Default)]
struct Previous {
    globals: u64,
    /// `shell`: home and sections, which decide every page's parent and
    /// inherited treatment and the treatments' URLs every page shows.
    shell: u64,
    /// Whether `static/CNAME` exists (the feeds job writes `CNAME` when it
    /// does not).
    cname: bool,
    /// Source path of the FAQ's intro page (`faq/`), whose text the FAQ shows.
    faq_intro: Option<String>,
    /// Per page, in the order of the site this update rendered (every index
    /// below is one of that site).
    pages: Vec<Facts>,
    benefits: BTreeMap<String, Vec<BenefitRef>>,
    tags: BTreeMap<String, Vec<usize>>,
    children: BTreeMap<usize, Vec<usize>>,
    /// Per FAQ question: `faq_entry_key`.
    faq: Vec<u64>,
    recent: Vec<usize>,
    related: crate::related::Related,
    jobs: JobFiles,
    /// Per page, how lists showed it, when a list did
    /// (`Renderer::take_summaries`): the next update reuses those of pages
    /// whose facts say their summary is the same.
    summaries: Vec<OnceLock<crate::render::Summary>>,
    /// Per page, its benefit entries as lists showed them
    /// (`Renderer::take_benefit_entries`), reused as `summaries` are.
    benefit_entries: Vec<crate::render::BenefitEntries>,
}

/// The output paths each job wrote at the last update.
type JobFiles = rustc_hash::FxHashMap<Key, Vec<String>>;

/// Rendered files: output path -> bytes. Split in shards behind `Arc`s, so
/// the copy `serve` publishes after each rebuild shares every shard, and
/// an update copies only the shards it writes to (a copy of one map of
/// 10,000 paths took longer than the whole rebuild). See: issue 5.
#[derive(Debug, Clone)]
pub struct Files {
    shards: Vec<Arc<rustc_hash::FxHashMap<String, Arc<[u8]>>>>,
}

const SHARDS: usize = 64;

impl Default for Files {
    fn default() -> Self {
        Files {
            shards: (0..SHARDS).map(|_| Arc::default()).collect(),
        }
    }
}

impl Files {
    fn shard(path: &str) -> usize {
        use std::hash::BuildHasher;
        // The top bits: a shard's map places its paths by the low ones of
        // the same hash. Truncating is fine: any bits pick a shard.
        (rustc_hash::FxBuildHasher.hash_one(path) >> 58) as usize % SHARDS
    }

    /// The bytes of the file at `path`.
    pub fn get(&self, path: &str) -> Option<&Arc<[u8]>> {
        self.shards[Self::shard(path)].get(path)
    }

    /// True when there is a file at `path`.
    pub fn contains_key(&self, path: &str) -> bool {
        self.get(path).is_some()
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| s.len()).sum()
    }

    /// True when there are no files.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every output path, in no particular order.
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.shards.iter().flat_map(|s| s.keys())
    }

    fn insert(&mut self, path: String, bytes: Arc<[u8]>) {
        Arc::make_mut(&mut self.shards[Self::shard(&path)]).insert(path, bytes);
    }

    fn remove(&mut self, path: &str) {
        let shard = &mut self.shards[Self::shard(path)];
        if shard.contains_key(path) {
            Arc::make_mut(shard).remove(path);
        }
    }
}

impl FromIterator<(String, Arc<[u8]>)> for Files {
    fn from_iter<I: IntoIterator<Item = (String, Arc<[u8]>)>>(iter: I) -> Self {
        let mut files = Files::default();
        for (path, bytes) in iter {
            files.insert(path, bytes);
        }
        files
    }
}

/// The rendered site in memory, updated job by job.
#[derive(Debug, Default)]
pub struct Outputs {
    files: Files,
    previous: Option<Previous>,
    /// The `View::generation` of the site last rendered by `update_view`.
    generation: Option<u64>,
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
    /// Files rendered (changed or not).
    pub rendered: usize,
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

/// The frame of the site: the home page and the sections, with their URLs
/// and treatments. They decide every page's parent (breadcrumbs) and
/// inherited treatment, and the treatments' URLs that every page can show
/// (`site.treatments`); a change re-renders everything. Articles added,
/// removed, renamed or moved to another URL do not change it: the general
/// path matches pages by source path (issue 5).
fn shell(site: &Site) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for p in site.pages.iter().filter(|p| p.kind != PageKind::Page) {
        p.rel.hash(&mut h);
        p.path.hash(&mut h);
        (p.kind == PageKind::Home).hash(&mut h);
        p.fm.treatment.as_ref().map(|t| &t.value).hash(&mut h);
    }
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
    rank_key_with(site, i, site.pages[i].title())
}

/// `rank_key` of page `i` as if its title were `title`.
fn rank_key_with(site: &Site, i: usize, title: &str) -> u64 {
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
    title.hash(&mut h);
    h.finish()
}

/// True when some page other than `i` sorts between page `i`'s title
/// `old` and its current one, in the related-articles ranking's title
/// order (title, then page order). When none does, a title edit orders
/// page `i` against every other page as before, and the ranking, which
/// reads titles only to order pages, is the same.
fn sorts_between(site: &Site, i: usize, old: &str) -> bool {
    let new = site.pages[i].title();
    let (lo, hi) = if old <= new { (old, new) } else { (new, old) };
    site.pages.iter().enumerate().any(|(j, p)| {
        let key = (p.title(), j);
        j != i && (lo, i) < key && key < (hi, i)
    })
}

/// The dates of page `p` the sitemap (its last change) and the Atom feed
/// (which articles, in which order) read; see `seo.rs`.
fn feed_key(p: &crate::model::Page) -> u64 {
    hash_of(&(
        p.fm.date,
        p.fm.updated,
        p.fm.last_reviewed.as_ref().map(|d| d.value),
    ))
}

/// Whether article `i` is one of the `limit` entries of the Atom feed
/// (`seo::atom`, in `seo::feed_order`).
fn in_feed(site: &Site, i: usize, limit: usize) -> bool {
    let p = &site.pages[i];
    crate::seo::feed_candidate(p)
        && site
            .pages
            .iter()
            .filter(|q| {
                crate::seo::feed_candidate(q)
                    && crate::seo::feed_order(q) < crate::seo::feed_order(p)
            })
            .count()
            < limit
}

/// What the FAQ page shows of question `q`, besides its source page's
/// title: the source page by source path and URL, not by index (pages added
/// before it shift indexes, issue 5).
fn faq_entry_key(site: &Site, q: &crate::model::Question) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    q.question.hash(&mut h);
    q.answer_html.hash(&mut h);
    q.answer_text.hash(&mut h);
    q.id.hash(&mut h);
    q.topic.hash(&mut h);
    q.treatment.hash(&mut h);
    q.source
        .as_ref()
        .map(|(i, anchor)| (&site.pages[*i].rel, &site.pages[*i].path, anchor))
        .hash(&mut h);
    h.finish()
}

fn faq_keys(site: &Site) -> Vec<u64> {
    site.faq
        .par_iter()
        .map(|q| faq_entry_key(site, q))
        .collect()
}

fn same_text(a: &Arc<str>, b: &Arc<str>) -> bool {
    Arc::ptr_eq(a, b) || a == b
}

/// Whether benefit entries `new` (indexes of this site) are `old` (of the
/// last update's, whose page `o` is this site's `i` when `old_of[i]` is
/// `Some(o)`).
fn same_refs(old_of: &[Option<usize>], new: &[BenefitRef], old: &[BenefitRef]) -> bool {
    new.len() == old.len()
        && new
            .iter()
            .zip(old)
            .all(|(r, s)| old_of[r.page] == Some(s.page) && r.heading == s.heading)
}

/// Whether page `p` renders the body and FAQ answers it had when `f` was
/// made (with the same text, a link to a target that moved renders anew).
fn same_rendered(p: &crate::model::Page, f: &Facts) -> bool {
    (Arc::ptr_eq(&p.rendered, &f.rendered) || p.rendered.html == f.rendered.html)
        && (Arc::ptr_eq(&p.faq_rendered, &f.faq_rendered)
            || p.faq_rendered
                .iter()
                .map(|r| &r.html)
                .eq(f.faq_rendered.iter().map(|r| &r.html)))
}

impl Outputs {
    /// The files of the last successful update: output path -> bytes.
    pub fn files(&self) -> &Files {
        &self.files
    }

    /// Keeps the files an update rendered (`render_work`), noting in
    /// `changed` the paths whose bytes are new, and in `jobs` the paths
    /// each job of `whole` (those it ran whole) wrote, which are then not
    /// `gone`.
    fn store(
        &mut self,
        made: Vec<Made>,
        whole: &[(Key, Job)],
        jobs: &mut JobFiles,
        gone: &mut BTreeSet<String>,
        changed: &mut BTreeSet<String>,
    ) {
        for f in made {
            if let Some(k) = f.job {
                gone.remove(&f.path);
                jobs.entry(whole[k].0.clone())
                    .or_default()
                    .push(f.path.clone());
            }
            if f.new {
                changed.insert(f.path.clone());
            }
            self.files.insert(f.path, f.bytes);
        }
    }

    /// Forgets the previous build: the next update renders everything.
    pub fn clear(&mut self) {
        self.previous = None;
    }

    /// `update` for the result of `Cache::load`. When that load patched
    /// the site this last rendered (`View::patch`), only the edited pages
    /// and what shows them are looked at (`update_patch`); `config` and
    /// `theme` must then be those of the last update (`serve` reuses them
    /// while no `site.yaml` or theme file changed).
    pub fn update_view(
        &mut self,
        view: &View<'_>,
        config: &Config,
        theme: &Theme,
    ) -> Result<Update, Error> {
        let site = &view.loaded.site;
        if let Some(patch) = &view.patch
            && self.generation == Some(patch.from)
            && let Some(update) = self.update_patch(site, config, theme, patch)?
        {
            self.generation = Some(view.generation);
            return Ok(update);
        }
        let update = self.update(site, config, theme)?;
        self.generation = Some(view.generation);
        Ok(update)
    }

    /// The update after `Cache::load` patched the pages of `patch` in the
    /// site this last rendered (see `Patch`): their URLs, headings and dates
    /// are as before, so the page list and the jobs are unchanged. What can
    /// change: the pages themselves; through a page's summary (title,
    /// description, reading time), its excerpts and the sections of its FAQ
    /// and benefit headings, the lists and pages that show those; and, after
    /// a front matter edit, its tags' and section's lists (members, order),
    /// the benefit list pages that show it or whose entries shift, the related-articles ranking (title,
    /// benefits), the newest articles (title order among equal dates) and the
    /// feeds (when the sitemap's dates change or it is in the Atom feed).
    /// A page moved to another URL by a new slug (`Patch::moved`) changes
    /// its summary, benefit entries and FAQ entries, which show its URL, and
    /// the sitemap; its own file is another. `None` (nothing changed, and
    /// the caller runs `update`) when a precondition does not hold.
    fn update_patch(
        &mut self,
        site: &Site,
        config: &Config,
        theme: &Theme,
        patch: &Patch,
    ) -> Result<Option<Update>, Error> {
        let (patched, front) = (&patch.pages, patch.front);
        let n = site.pages.len();
        let Some(prev) = self.previous.as_ref() else {
            return Ok(None);
        };
        if prev.pages.len() != n
            || patched
                .iter()
                .any(|&i| i >= n || site.pages[i].kind != PageKind::Page)
        {
            return Ok(None);
        }
        let mut changed: Vec<usize> = patched
            .iter()
            .copied()
            .filter(|&i| !same_text(&site.pages[i].text, &prev.pages[i].text))
            .collect();
        changed.sort_unstable();
        changed.dedup();
        // A new title or benefit ranks related articles anew (front matter
        // edits only: a body edit keeps the headings' benefits).
        let mut rerank = false;
        for &i in &changed {
            let (p, f) = (&site.pages[i], &prev.pages[i]);
            if (*p.path != *f.path && !patch.moved)
                || p.kind != f.kind
                || p.parent != f.parent
                || p.treatment.as_deref() != f.treatment.as_deref()
            {
                return Ok(None);
            }
            if rank_key(site, i) != f.rank {
                // A title edit alone that keeps the page's place in title
                // order ranks as before (one page at a time: two edited
                // titles could swap places with each other).
                let title_only = changed.len() == 1
                    && rank_key_with(site, i, &f.title_text) == f.rank
                    && !sorts_between(site, i, &f.title_text);
                rerank = rerank || !title_only;
            }
        }
        let Some(mut prev) = self.previous.take() else {
            return Ok(None);
        };
        if changed.is_empty() {
            self.previous = Some(prev);
            return Ok(Some(Update::default()));
        }
        // Until this update completes, the next one renders everything.
        self.generation = None;
        let related = if rerank {
            crate::related::Related::of_site_after(site, &prev.related, &changed)
        } else {
            std::mem::take(&mut prev.related)
        };
        let mut renderer = Renderer::with_related(site, config, theme, related)?;
        // Only the edited pages' summaries can differ (handed over whole:
        // no work per page on the fast path).
        let mut summaries = std::mem::take(&mut prev.summaries);
        if summaries.len() == n {
            for &i in &changed {
                summaries[i] = OnceLock::new();
            }
            renderer.use_summaries(summaries);
        }
        let mut entries = std::mem::take(&mut prev.benefit_entries);
        if entries.len() == n {
            for &i in &changed {
                entries[i] = OnceLock::new();
            }
            renderer.use_benefit_entries(entries);
        }
        // Pages whose related articles changed.
        let reranked: Vec<(usize, Vec<usize>)> = if rerank {
            let prev_pages = &prev.pages;
            (0..n)
                .into_par_iter()
                .filter_map(|j| {
                    let now = renderer.related_pages(j);
                    (now != prev_pages[j].related).then_some((j, now))
                })
                .collect()
        } else {
            Vec::new()
        };
        for &i in &changed {
            prev.pages[i].rank = rank_key(site, i);
        }
        // The sitemap lists every page's URL.
        let mut moved = false;
        for &i in &changed {
            if *site.pages[i].path != *prev.pages[i].path {
                moved = true;
                prev.pages[i].path = Arc::from(site.pages[i].path.as_str());
            }
        }
        let mut summary_changed: Vec<usize> = Vec::new();
        let mut benefit_changed: Vec<usize> = Vec::new();
        let mut title_changed: Vec<usize> = Vec::new();
        for &i in &changed {
            let p = &site.pages[i];
            let summary = hash_debug(&renderer.summary(p));
            let benefit = benefit_key(site, i);
            let title = hash_of(&p.title());
            let f = &mut prev.pages[i];
            f.text = p.text.clone();
            f.rendered = p.rendered.clone();
            f.faq_rendered = p.faq_rendered.clone();
            if f.summary != summary {
                summary_changed.push(i);
            }
            if f.benefit != benefit {
                benefit_changed.push(i);
            }
            if f.title != title {
                title_changed.push(i);
            }
            f.summary = summary;
            f.benefit = benefit;
            f.title = title;
            f.title_text = Arc::from(p.title());
        }
        let summary_changed = |i: usize| summary_changed.binary_search(&i).is_ok();

        // Dirty jobs by key, as in `update`.
        let mut dirty: BTreeMap<Key, Job> = BTreeMap::new();
        let page = |i: usize| (Key::Page(site.pages[i].rel.clone()), Job::Page(i));
        let other = |job: Job| (Key::Other(job.clone()), job);
        dirty.extend(changed.iter().map(|&i| page(i)));
        for (j, related) in reranked {
            // Only articles show related articles.
            if site.pages[j].kind == PageKind::Page {
                dirty.extend([page(j)]);
            }
            prev.pages[j].related = related;
        }
        // Benefit pages: the list pages whose entries moved (a benefit
        // added to or removed from a page shifts those after it) or show a
        // changed entry's text; the benefits index and the home page when
        // a benefit's count, treatments or first entries changed. A title
        // edit keeps every entry's place (display order is page order
        // within a treatment group).
        let mut list_pages: BTreeSet<(Key, Job, usize)> = BTreeSet::new();
        let mut benefits_dirty = false;
        for (b, refs) in &site.benefits {
            let old = prev.benefits.get(b).map_or(&[][..], Vec::as_slice);
            let moved = old != refs.as_slice();
            let shows_changed = |r: &BenefitRef| benefit_changed.contains(&r.page);
            if !moved && !refs.iter().any(shows_changed) {
                continue;
            }
            let job = other(Job::Benefit(b.clone()));
            let after = renderer.benefit_layout(refs);
            let before = if moved {
                renderer.benefit_layout(old)
            } else {
                after.clone()
            };
            // Every list page gets the benefit's number of entries
            // (`BenefitCtx::count`), which a theme may show: a count that
            // changed renders them all, as the general path does.
            if before.len() != after.len() || old.len() != refs.len() {
                dirty.extend([job]);
                benefits_dirty = true;
                continue;
            }
            for (n, (x, y)) in before.iter().zip(&after).enumerate() {
                if x != y || y.groups.iter().flat_map(|g| &g.refs).any(shows_changed) {
                    list_pages.insert((job.0.clone(), job.1.clone(), n));
                }
            }
            let first = |l: &[crate::render::BenefitListPage]| -> Vec<BenefitRef> {
                l.iter()
                    .flat_map(|p| p.groups.iter().flat_map(|g| &g.refs))
                    .take(crate::render::BENEFITS_INDEX_PREVIEW)
                    .cloned()
                    .collect()
            };
            let preview = first(&after);
            benefits_dirty = benefits_dirty
                || moved
                    && (old.len() != refs.len()
                        || before[0] != after[0]
                        || first(&before) != preview)
                || preview.iter().any(shows_changed);
        }
        // A front matter edit can move the page into or out of benefits and
        // tags, and its title reorders the lists it is in (never which
        // benefit or tag pages exist: `model::patch_page`); its date is the
        // same, but a title breaks ties among the newest articles.
        let mut recent_changed = false;
        if front {
            prev.benefits = site.benefits.clone();
            let count = |m: &BTreeMap<String, Vec<usize>>| -> Vec<usize> {
                m.values().map(Vec::len).collect()
            };
            if count(&prev.tags) != count(&site.tags) {
                dirty.extend([other(Job::TagsIndex)]);
            }
            // A list whose members are the same, reordered (a title or
            // weight breaks ties): only its list pages whose articles
            // changed; a list that gained or lost one (its count and every
            // later list page change) is rendered whole.
            let mut reordered = |(key, job): (Key, Job),
                                 old: Option<&Vec<usize>>,
                                 new: &[usize]| {
                match (old, renderer.list_page_size(&job)) {
                    (Some(old), Some(per)) if old.len() == new.len() => {
                        for (n, (a, b)) in old.chunks(per).zip(new.chunks(per)).enumerate() {
                            if a != b {
                                list_pages.insert((key.clone(), job.clone(), n));
                            }
                        }
                    }
                    _ => {
                        dirty.insert(key, job);
                    }
                }
            };
            for (t, pages) in &site.tags {
                if prev.tags.get(t) != Some(pages) {
                    reordered(other(Job::Tag(t.clone())), prev.tags.get(t), pages);
                    prev.tags.insert(t.clone(), pages.clone());
                }
            }
            for &i in &changed {
                if let Some(parent) = site.pages[i].parent {
                    let kids = site.children.get(&parent);
                    if kids != prev.children.get(&parent) {
                        let section = site.pages[parent].kind == PageKind::Section;
                        let old = prev.children.get(&parent).filter(|_| section);
                        reordered(page(parent), old, kids.map_or(&[][..], Vec::as_slice));
                        if let Some(kids) = kids {
                            prev.children.insert(parent, kids.clone());
                        }
                    }
                }
            }
            let recent = renderer.recent_pages();
            recent_changed = recent != prev.recent;
            prev.recent = recent;
            // The sitemap shows every page's last date; the feed the newest
            // articles' front matter.
            let mut feeds_dirty = false;
            for &i in &changed {
                let feed = feed_key(&site.pages[i]);
                feeds_dirty = feeds_dirty
                    || feed != prev.pages[i].feed
                    || in_feed(site, i, config.site.feed_limit);
                prev.pages[i].feed = feed;
            }
            if feeds_dirty || moved {
                dirty.extend([other(Job::Feeds)]);
            }
        }
        if benefits_dirty {
            dirty.extend([other(Job::BenefitsIndex)]);
        }
        // Lists (a section's pages, a tag's pages) whose members and order
        // are unchanged: only the list page that shows a changed summary is
        // rendered again (a list that changed is rendered whole, above).
        for (t, pages) in &prev.tags {
            for &i in pages.iter().filter(|&&i| summary_changed(i)) {
                let job = Job::Tag(t.clone());
                if let Some(n) = renderer.list_page_of(&job, i) {
                    list_pages.insert((Key::Other(job.clone()), job, n));
                }
            }
        }
        let mut faq_dirty = false;
        // A reworded question gained or lost its entry: the later entries
        // moved (`model::reworded_questions`).
        if prev.faq.len() != site.faq.len() {
            faq_dirty = true;
            prev.faq = faq_keys(site);
        }
        for (k, q) in site.faq.iter().enumerate() {
            let Some((i, _)) = &q.source else { continue };
            if changed.binary_search(i).is_ok() {
                let key = faq_entry_key(site, q);
                if prev.faq.get(k) != Some(&key) {
                    faq_dirty = true;
                    if let Some(slot) = prev.faq.get_mut(k) {
                        *slot = key;
                    }
                }
                faq_dirty = faq_dirty || title_changed.contains(i);
            }
        }
        if faq_dirty {
            dirty.extend([other(Job::Faq)]);
        }
        let home_dirty =
            benefits_dirty || recent_changed || prev.recent.iter().any(|&i| summary_changed(i));
        if home_dirty {
            dirty.extend([match site.home {
                Some(h) => page(h),
                None => other(Job::Home),
            }]);
        }
        for &i in &changed {
            if summary_changed(i)
                && let Some(parent) = site.pages[i].parent
                && site.pages[parent].kind == PageKind::Section
            {
                let (key, job) = page(parent);
                match renderer.list_page_of(&job, i) {
                    Some(n) => {
                        list_pages.insert((key, job, n));
                    }
                    None => {
                        dirty.extend([(key, job)]);
                    }
                }
            }
        }
        if changed.iter().any(|&i| summary_changed(i)) {
            for (j, f) in prev.pages.iter().enumerate() {
                if f.kind == PageKind::Page && f.related.iter().any(|&r| summary_changed(r)) {
                    dirty.extend([page(j)]);
                }
            }
        }

        // Render the dirty jobs; the jobs are those of the last update.
        let others: BTreeSet<Job> = renderer
            .jobs()
            .into_iter()
            .filter(|j| !matches!(j, Job::Page(_)))
            .collect();
        let to_run: Vec<(Key, Job)> = dirty
            .into_iter()
            .filter(|(_, j)| matches!(j, Job::Page(_)) || others.contains(j))
            .collect();
        // Single list pages of jobs that do not run whole: the file replaces
        // the one at the same path; the job's other files stay.
        let whole: BTreeSet<&Key> = to_run.iter().map(|(k, _)| k).collect();
        let singles: Vec<&(Key, Job, usize)> = list_pages
            .iter()
            .filter(|(key, _, _)| !whole.contains(key))
            .collect();
        let made = render_work(&renderer, &self.files, &to_run, &singles, &prev.jobs)?;
        prev.related = renderer.take_related_ranking();
        prev.summaries = renderer.take_summaries();
        prev.benefit_entries = renderer.take_benefit_entries();

        let mut gone: BTreeSet<String> = BTreeSet::new();
        for (k, _) in &to_run {
            if let Some(paths) = prev.jobs.remove(k) {
                gone.extend(paths);
            }
            prev.jobs.insert(k.clone(), Vec::new());
        }
        let rendered = made.len();
        let mut changed_files = BTreeSet::new();
        self.store(made, &to_run, &mut prev.jobs, &mut gone, &mut changed_files);
        let mut removed = Vec::new();
        for path in gone {
            self.files.remove(&path);
            removed.push(path);
        }
        self.previous = Some(prev);
        Ok(Some(Update {
            changed: changed_files.into_iter().collect(),
            removed,
            jobs: to_run.len() + list_pages.len(),
            rendered,
            full: false,
        }))
    }

    /// Renders what changed since the last update (everything the first
    /// time) and returns which files changed. On error nothing changes.
    ///
    /// Pages are matched to the last update's by source path, so a page
    /// added, removed, renamed, made a draft or given another slug
    /// re-renders only what shows it (issue 5): the index-based facts of
    /// the last update (lists, related articles, newest articles, benefit
    /// entries) are compared through that matching. A change of the
    /// configuration, data, theme or `shell` (home and sections) renders
    /// everything.
    pub fn update(&mut self, site: &Site, config: &Config, theme: &Theme) -> Result<Update, Error> {
        self.generation = None;
        let globals = globals(site, config, theme);
        let shell = shell(site);
        let n = site.pages.len();
        let mut prev = self
            .previous
            .take()
            .filter(|p| p.globals == globals && p.shell == shell);
        let full = prev.is_none();

        // Per page: the last update's page with the same source path.
        let old_of: Vec<Option<usize>> = match &prev {
            None => vec![None; n],
            Some(prev)
                if prev.pages.len() == n
                    && prev
                        .pages
                        .par_iter()
                        .zip(&site.pages)
                        .all(|(f, p)| *f.rel == *p.rel) =>
            {
                (0..n).map(Some).collect()
            }
            Some(prev) => {
                let by_rel: rustc_hash::FxHashMap<&str, usize> = prev
                    .pages
                    .iter()
                    .enumerate()
                    .map(|(o, f)| (&*f.rel, o))
                    .collect();
                site.pages
                    .iter()
                    .map(|p| by_rel.get(p.rel.as_str()).copied())
                    .collect()
            }
        };
        // Same pages in the same order: the last ranking's indexes hold.
        let same_pages = prev.as_ref().is_some_and(|prev| {
            prev.pages.len() == n && old_of.iter().enumerate().all(|(i, o)| *o == Some(i))
        });
        let kept = old_of.iter().flatten().count();
        let removed_any = prev.as_ref().is_some_and(|prev| kept != prev.pages.len());
        // `new` (indexes of this site) lists the same pages as `old` (of the
        // last update's), in the same order.
        let same_list = |new: &[usize], old: &[usize]| {
            new.len() == old.len() && new.iter().zip(old).all(|(&i, &o)| old_of[i] == Some(o))
        };

        // Per page: did anything the renderer reads about it change?
        let changed: Vec<bool> = (0..n)
            .into_par_iter()
            .map(|i| {
                let (Some(prev), Some(o)) = (&prev, old_of[i]) else {
                    return true;
                };
                let (p, f) = (&site.pages[i], &prev.pages[o]);
                !same_text(&p.text, &f.text)
                    || !same_rendered(p, f)
                    || *p.path != *f.path
                    || p.kind != f.kind
                    || p.parent.map(|a| old_of[a]) != f.parent.map(Some)
                    || p.treatment.as_deref() != f.treatment.as_deref()
            })
            .collect();
        // The related-articles ranking depends on every page's benefits,
        // title and kind, and on the page order: reuse the last one when
        // none of those changed.
        let rank_keys: Vec<u64> = (0..n)
            .into_par_iter()
            .map(|i| match (&prev, old_of[i]) {
                (Some(prev), Some(o)) if !changed[i] => prev.pages[o].rank,
                _ => rank_key(site, i),
            })
            .collect();
        // The ranking and the templates on two cores: neither needs the
        // other until the renderer is made (issue 5).
        let (related, renderer) = rayon::join(
            || match &prev {
                Some(prev)
                    if same_pages
                        && (0..n).all(|i| !changed[i] || rank_keys[i] == prev.pages[i].rank) =>
                {
                    prev.related.clone()
                }
                // The unchanged pages' benefits are those they had.
                Some(prev) => {
                    let old: Vec<Option<usize>> =
                        (0..n).map(|i| old_of[i].filter(|_| !changed[i])).collect();
                    crate::related::Related::of_site_moved(site, &prev.related, &old)
                }
                None => crate::related::Related::of_site(site),
            },
            || Renderer::with_related(site, config, theme, crate::related::Related::default()),
        );
        let mut renderer = renderer?;
        renderer.use_related(related);
        // A page whose facts are as before shows the same summary and
        // benefit entries in lists.
        if let Some(prev) = &mut prev {
            let mut entries = std::mem::take(&mut prev.benefit_entries);
            if entries.len() == prev.pages.len() {
                renderer.use_benefit_entries(
                    (0..n)
                        .map(|i| {
                            old_of[i]
                                .filter(|_| !changed[i])
                                .map(|o| std::mem::take(&mut entries[o]))
                                .unwrap_or_default()
                        })
                        .collect(),
                );
            }
            renderer.use_summaries(
                (0..n)
                    .map(|i| {
                        old_of[i]
                            .filter(|_| !changed[i])
                            .and_then(|o| prev.summaries.get(o)?.get().cloned())
                            .map_or_else(OnceLock::new, OnceLock::from)
                    })
                    .collect(),
            );
        }
        let facts: Vec<Facts> = (0..n)
            .into_par_iter()
            .map(|i| {
                let p = &site.pages[i];
                match (&prev, old_of[i]) {
                    (Some(prev), Some(o)) if !changed[i] => {
                        let mut f = prev.pages[o].clone();
                        f.parent = p.parent;
                        f.related = renderer.related_pages(i);
                        f.rank = rank_keys[i];
                        f
                    }
                    _ => Facts {
                        rel: Arc::from(p.rel.as_str()),
                        text: p.text.clone(),
                        rendered: p.rendered.clone(),
                        faq_rendered: p.faq_rendered.clone(),
                        path: Arc::from(p.path.as_str()),
                        kind: p.kind,
                        parent: p.parent,
                        treatment: p.treatment.as_deref().map(Arc::from),
                        summary: hash_debug(&renderer.summary(p)),
                        benefit: benefit_key(site, i),
                        title: hash_of(&p.title()),
                        title_text: Arc::from(p.title()),
                        related: renderer.related_pages(i),
                        rank: rank_keys[i],
                        feed: feed_key(p),
                    },
                }
            })
            .collect();
        let benefits = site.benefits.clone();
        let tags = site.tags.clone();
        let faq = faq_keys(site);
        let recent = renderer.recent_pages();
        let cname = site.known_urls.contains("CNAME");
        let faq_intro = site.pages.iter().position(|p| p.path == "faq/");

        // Jobs to run whole, by key, and single list pages of other jobs.
        let mut dirty: BTreeMap<Key, Job> = BTreeMap::new();
        let mut list_pages: BTreeSet<(Key, Job, usize)> = BTreeSet::new();
        let jobs = renderer.jobs();
        let other = |job: Job| (Key::Other(job.clone()), job);
        match &prev {
            None => {
                dirty.extend(jobs.iter().map(|j| (key_of(site, j), j.clone())));
            }
            Some(prev) => {
                // A page that is new, or whose facts differ from its old ones.
                let differs = |i: usize, what: fn(&Facts) -> u64| {
                    changed[i] && old_of[i].is_none_or(|o| what(&facts[i]) != what(&prev.pages[o]))
                };
                let summary_changed = |i: usize| differs(i, |f| f.summary);
                let benefit_changed = |i: usize| differs(i, |f| f.benefit);
                let title_changed = |i: usize| differs(i, |f| f.title);
                // The list pages (`per` entries each) of a list that showed
                // `old` and shows `new` that can differ: those whose entries
                // moved or show a changed summary; `None` (all of them)
                // when the number of list pages changed.
                let list_diff = |new: &[usize], old: &[usize], per: usize| -> Option<Vec<usize>> {
                    let per = per.max(1);
                    let pages = |len: usize| len.div_ceil(per).max(1);
                    if pages(new.len()) != pages(old.len()) {
                        return None;
                    }
                    Some(
                        new.chunks(per)
                            .zip(old.chunks(per))
                            .enumerate()
                            .filter(|(_, (a, b))| {
                                !same_list(a, b) || a.iter().any(|&k| summary_changed(k))
                            })
                            .map(|(n, _)| n)
                            .collect(),
                    )
                };
                // Last update's page -> this one's.
                let mut new_of: Vec<Option<usize>> = vec![None; prev.pages.len()];
                for (i, o) in old_of.iter().enumerate() {
                    if let Some(o) = o {
                        new_of[*o] = Some(i);
                    }
                }
                // Benefit pages: the list pages whose entries moved or show a
                // changed entry; whole when the number of list pages
                // changed, an entry's page changed treatment (its group), or
                // the number of entries (every list page gets it) changed
                // or a page left, unless the templates are the default
                // theme's, which do not show it
                // (`default_benefit_pages_do_not_show_the_count`).
                let count_unseen = crate::theme::uses_default(theme, "benefit.html");
                let mut benefits_dirty = false;
                for (b, refs) in &benefits {
                    let old = prev.benefits.get(b);
                    if old.is_some_and(|old| same_refs(&old_of, refs, old))
                        && !refs.iter().any(|r| benefit_changed(r.page))
                    {
                        continue;
                    }
                    benefits_dirty = true;
                    let job = other(Job::Benefit(b.clone()));
                    // The last entries, by this site's page indexes; a
                    // page that is gone gets one no page has (past `n`),
                    // so a list page that showed it differs.
                    let gone = |o: usize| usize::MAX - o;
                    let before: Option<Vec<BenefitRef>> = old
                        .filter(|old| count_unseen || old.len() == refs.len())
                        .and_then(|old| {
                            old.iter()
                                .map(|r| {
                                    let Some(i) = new_of[r.page] else {
                                        return count_unseen.then_some(BenefitRef {
                                            page: gone(r.page),
                                            heading: r.heading,
                                        });
                                    };
                                    (site.pages[i].treatment.as_deref()
                                        == prev.pages[r.page].treatment.as_deref())
                                    .then_some(BenefitRef {
                                        page: i,
                                        heading: r.heading,
                                    })
                                })
                                .collect()
                        });
                    let Some(before) = before else {
                        dirty.insert(job.0, job.1);
                        continue;
                    };
                    let (before, after) = (
                        renderer.benefit_layout_with(&before, &|r| match r.page {
                            i if i < n => site.pages[i].treatment.as_deref(),
                            o => prev.pages[gone(o)].treatment.as_deref(),
                        }),
                        renderer.benefit_layout_of(b),
                    );
                    if before.len() != after.len() {
                        dirty.insert(job.0, job.1);
                        continue;
                    }
                    for (n, (x, y)) in before.iter().zip(after.iter()).enumerate() {
                        if x != y
                            || y.groups
                                .iter()
                                .flat_map(|g| &g.refs)
                                .any(|r| benefit_changed(r.page))
                        {
                            list_pages.insert((job.0.clone(), job.1.clone(), n));
                        }
                    }
                }
                if benefits_dirty {
                    dirty.extend([other(Job::BenefitsIndex)]);
                }
                // Tag pages show their number of articles on every list page.
                for (t, pages) in &tags {
                    let job = other(Job::Tag(t.clone()));
                    let lists = prev
                        .tags
                        .get(t)
                        .filter(|old| old.len() == pages.len())
                        .and_then(|old| list_diff(pages, old, renderer.list_page_size(&job.1)?));
                    match lists {
                        Some(lists) => {
                            list_pages.extend(
                                lists.into_iter().map(|n| (job.0.clone(), job.1.clone(), n)),
                            );
                        }
                        None => {
                            dirty.insert(job.0, job.1);
                        }
                    }
                }
                let tag_counts = |m: &BTreeMap<String, Vec<usize>>| -> Vec<(String, usize)> {
                    m.iter().map(|(t, v)| (t.clone(), v.len())).collect()
                };
                if tag_counts(&prev.tags) != tag_counts(&tags) {
                    dirty.extend([other(Job::TagsIndex)]);
                }
                let intro_rel = faq_intro.map(|i| site.pages[i].rel.as_str());
                if faq != prev.faq
                    || intro_rel != prev.faq_intro.as_deref()
                    || faq_intro.is_some_and(|i| changed[i])
                    || site
                        .faq
                        .iter()
                        .any(|q| q.source.as_ref().is_some_and(|(i, _)| title_changed(*i)))
                {
                    dirty.extend([other(Job::Faq)]);
                }
                // The sitemap lists every page, the feed the newest articles.
                if changed.iter().any(|c| *c) || removed_any || cname != prev.cname {
                    dirty.extend([other(Job::Feeds)]);
                }
                // The home page lists the newest articles and every benefit.
                let home_dirty = benefits_dirty
                    || !same_list(&recent, &prev.recent)
                    || recent.iter().any(|&i| summary_changed(i));
                if home_dirty && site.home.is_none() {
                    dirty.extend([other(Job::Home)]);
                }
                // Per page: `None` to render it whole, else the list pages
                // of a section to render (none for a page that is as before).
                let pages_dirty: Vec<Option<Vec<usize>>> = (0..n)
                    .into_par_iter()
                    .map(|i| {
                        let p = &site.pages[i];
                        let mut d = changed[i];
                        // Breadcrumbs show every ancestor.
                        let mut cur = p.parent;
                        while let (false, Some(a)) = (d, cur) {
                            d = changed[a];
                            cur = site.pages[a].parent;
                        }
                        d = d || (p.kind == PageKind::Home && home_dirty);
                        // `changed` when there is no old page.
                        let (false, Some(o)) = (d, old_of[i]) else {
                            return (!d).then(Vec::new);
                        };
                        match p.kind {
                            // The FAQ's intro page writes nothing (`Job::Faq` does).
                            PageKind::Section if p.path != "faq/" => {
                                let kids = site.children.get(&i).map_or(&[][..], Vec::as_slice);
                                let old = prev.children.get(&o).map_or(&[][..], Vec::as_slice);
                                list_diff(kids, old, renderer.list_page_size(&Job::Page(i))?)
                            }
                            PageKind::Page => {
                                let related = &facts[i].related;
                                let same = same_list(related, &prev.pages[o].related)
                                    && !related.iter().any(|&r| summary_changed(r));
                                same.then(Vec::new)
                            }
                            _ => Some(Vec::new()),
                        }
                    })
                    .collect();
                for (i, work) in pages_dirty.into_iter().enumerate() {
                    let key = || Key::Page(site.pages[i].rel.clone());
                    match work {
                        None => {
                            dirty.insert(key(), Job::Page(i));
                        }
                        Some(lists) => {
                            list_pages.extend(lists.into_iter().map(|n| (key(), Job::Page(i), n)));
                        }
                    }
                }
                // Jobs new since the last update (pages new since then are
                // `changed`).
                for j in jobs.iter().filter(|j| !matches!(j, Job::Page(_))) {
                    let k = Key::Other(j.clone());
                    if !prev.jobs.contains_key(&k) {
                        dirty.insert(k, j.clone());
                    }
                }
            }
        }

        // Render the dirty jobs, and single list pages of the others.
        let to_run: Vec<(Key, Job)> = dirty.into_iter().collect();
        let whole: BTreeSet<&Key> = to_run.iter().map(|(k, _)| k).collect();
        let singles: Vec<&(Key, Job, usize)> = list_pages
            .iter()
            .filter(|(key, _, _)| !whole.contains(key))
            .collect();
        let no_jobs = JobFiles::default();
        let last_jobs = prev.as_ref().map_or(&no_jobs, |p| &p.jobs);
        let made = render_work(&renderer, &self.files, &to_run, &singles, last_jobs)?;

        // Apply: replace the outputs of every job that ran, drop the outputs
        // of jobs that no longer exist (pages of the last update that are
        // not in this one, other jobs not in `jobs`).
        let dead_pages: Vec<Key> = match &prev {
            Some(prev) => {
                let mut kept = vec![false; prev.pages.len()];
                for o in old_of.iter().flatten() {
                    kept[*o] = true;
                }
                prev.pages
                    .iter()
                    .zip(kept)
                    .filter(|(_, kept)| !kept)
                    .map(|(f, _)| Key::Page(f.rel.to_string()))
                    .collect()
            }
            None => Vec::new(),
        };
        let live_others: std::collections::HashSet<&Job> =
            jobs.iter().filter(|j| !matches!(j, Job::Page(_))).collect();
        let mut job_files = match prev {
            Some(mut prev) => {
                let jobs = std::mem::take(&mut prev.jobs);
                // The rest (every page's facts and summaries, the last
                // ranking: tens of thousands of allocations) is freed on a
                // thread of its own, not before the update returns.
                let _ = std::thread::Builder::new()
                    .name("careleaf-drop".into())
                    .spawn(move || drop(prev));
                jobs
            }
            None => JobFiles::default(),
        };
        let mut gone: BTreeSet<String> = BTreeSet::new();
        for k in to_run.iter().map(|(k, _)| k).chain(&dead_pages) {
            if let Some(paths) = job_files.remove(k) {
                gone.extend(paths);
            }
        }
        job_files.retain(|k, paths| match k {
            Key::Other(j) if !live_others.contains(j) => {
                gone.extend(std::mem::take(paths));
                false
            }
            _ => true,
        });
        if full {
            gone.extend(self.files.keys().cloned());
        }
        let rendered = made.len();
        let mut changed_files = BTreeSet::new();
        self.store(made, &to_run, &mut job_files, &mut gone, &mut changed_files);
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
            shell,
            cname,
            faq_intro: faq_intro.map(|i| site.pages[i].rel.clone()),
            pages: facts,
            benefits,
            tags,
            children: site.children.clone(),
            faq,
            recent,
            related: renderer.take_related_ranking(),
            jobs: job_files,
            summaries: renderer.take_summaries(),
            benefit_entries: renderer.take_benefit_entries(),
        });
        Ok(Update {
            changed: changed_files.into_iter().collect(),
            removed,
            jobs: to_run.len() + singles.len(),
            rendered,
            full,
        })
    }
}

/// A file an update rendered, ready to store (`Outputs::store`).
struct Made {
    /// Which of the jobs run whole wrote it (an index in them); `None` for
    /// a single list page.
    job: Option<usize>,
    path: String,
    bytes: Arc<[u8]>,
    /// Whether its bytes differ from those at `path` before the update.
    new: bool,
}

/// Renders the jobs of `whole` whole, and single list pages
/// (`Renderer::render_list_page`) of others: each file replaces the one at
/// the same path, and the job's other files stay. Each must be a file its
/// job wrote at the last update (`jobs`): when the number of a list's
/// pages changes, the job runs whole.
///
/// One pass on every core, largest job first (as `Renderer::render_all`):
/// a shape change runs a few big jobs (the feeds, a section's hundreds of
/// list pages) and hundreds of list pages (issue 5). Each file's bytes
/// are compared with the last ones there too, not in the serial store.
fn render_work(
    renderer: &Renderer,
    files: &Files,
    whole: &[(Key, Job)],
    singles: &[&(Key, Job, usize)],
    jobs: &JobFiles,
) -> Result<Vec<Made>, Error> {
    enum Work<'a> {
        Whole(usize, &'a Job),
        Single(&'a (Key, Job, usize)),
    }
    let made: Mutex<Vec<Made>> = Mutex::new(Vec::new());
    let keep = |job: Option<usize>, f: OutputFile| -> Result<(), Error> {
        let bytes: Arc<[u8]> = Arc::from(f.bytes);
        let new = files.get(&f.path).is_none_or(|old| *old != bytes);
        made.lock()
            .map_err(|_| Error::Other("a render thread panicked".into()))?
            .push(Made {
                job,
                path: f.path,
                bytes,
                new,
            });
        Ok(())
    };
    let mut work: Vec<(usize, Work<'_>)> = whole
        .iter()
        .enumerate()
        .map(|(k, (_, job))| (renderer.job_weight(job), Work::Whole(k, job)))
        .chain(singles.iter().map(|s| (1, Work::Single(s))))
        .collect();
    work.sort_by_key(|(weight, _)| std::cmp::Reverse(*weight));
    let run = |(_, w): &(usize, Work<'_>)| match w {
        Work::Whole(k, job) => renderer.render_job(job, &|f: OutputFile| keep(Some(*k), f)),
        &Work::Single(&(ref key, ref job, n)) => {
            renderer.render_list_page(job, n, &|f: OutputFile| {
                if jobs.get(key).is_some_and(|paths| paths.contains(&f.path)) {
                    keep(None, f)
                } else {
                    Err(Error::Other(format!(
                        "list page {} is not one of the last build's files",
                        f.path
                    )))
                }
            })
        }
    };
    // A job or two (the usual edit) on this thread, since handing them to
    // the thread pool costs wake-ups that, on a busy machine, take longer
    // than rendering; more on the pool, one at a time.
    if work.len() <= 2 {
        work.iter().try_for_each(run)?;
    } else {
        work.par_iter().with_max_len(1).try_for_each(run)?;
    }
    made.into_inner()
        .map_err(|_| Error::Other("a render thread panicked".into()))
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
