//! One article leaving a built site in place (`remove_page`): its file
//! removed, or `draft: true` set on it. `serve`'s fast path for the edits
//! that change the site's shape (issue 5): at 10,000 articles assembling the
//! model again (`build_cached`) was most of such a rebuild.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use rayon::prelude::*;

use super::{
    Anchors, Asked, AskedIn, CachedFront, CachedMarkdown, CheckedLinks, FrontResult, InPage, Kind,
    Known, LineIndex, LinkContext, LinkState, Page, PageKind, PageQuestions, ParseCache, Question,
    RESERVED, Rendered, Site, SourceFile, check, duplicate_warning, entry_hash, faq_ids_hash,
    insert_benefits, key_of_sums, normalize_question, page_link_findings, page_questions,
    page_references, parent_dir, question_of, render_body, slugify, sort_children, sort_tag_pages,
    url_path_of,
};
use crate::config::Config;
use crate::diag::{Diagnostic, Location};
use crate::frontmatter::FrontMatter;
use crate::markdown;

/// An article `remove_page` took out of a site.
#[derive(Debug)]
pub struct Removed {
    /// The page as it was.
    pub page: super::Page,
    /// Its index in `Site::pages` before it went.
    pub index: usize,
    /// The other pages whose links name its URL (or a tag page that went),
    /// or whose links read the FAQ's anchors when those changed, by source
    /// path, with their link findings before and after.
    pub relinked: Vec<(String, Vec<Diagnostic>, Vec<Diagnostic>)>,
    /// `faq.duplicate` warnings on other files that go (they quoted a
    /// question this page asked first)...
    pub old_repeats: Vec<Diagnostic>,
    /// ...and that come (quoting the asking that is first now).
    pub new_repeats: Vec<Diagnostic>,
}

/// A draft's new text, front matter and body offset (`remove_page`).
pub type Draft = (Arc<str>, Arc<FrontMatter>, usize);

/// Where a question is asked, as `build_indexes` orders askings: pages in
/// order (a page's front matter entries before its headings), then the
/// standalone files.
#[derive(Clone)]
struct Asking {
    key: String,
    location: Location,
    from: AskedIn,
}

impl Asking {
    fn page(&self) -> Option<usize> {
        match self.from {
            AskedIn::Front(j, _) | AskedIn::Heading(j, _) => Some(j),
            AskedIn::File(_) => None,
        }
    }
}

/// See `entry_order`.
type EntryOrder = (u8, usize, usize, usize);

/// The order of FAQ entry `q` (a first asking) among the entries:
/// `(0, page, line, column)` for a page's question, `(1, file, 0, 0)` for a
/// standalone file's (`files`: the files' places by source path).
fn entry_order(q: &Question, files: &HashMap<&str, usize>) -> EntryOrder {
    entry_order_up(q, files, None)
}

/// `entry_order` of an entry of the site before a page was inserted at
/// `up` (the pages from there on move one place down).
fn entry_order_up(q: &Question, files: &HashMap<&str, usize>, up: Option<usize>) -> EntryOrder {
    match &q.source {
        Some((j, _)) => {
            let j = if up.is_some_and(|i| *j >= i) {
                j + 1
            } else {
                *j
            };
            (0, j, q.location.line, q.location.col)
        }
        None => {
            let path = q.location.path.to_string_lossy();
            (1, files.get(&*path).copied().unwrap_or(usize::MAX), 0, 0)
        }
    }
}

/// Takes the article at `rel` out of `site`, which `build_cached` (or
/// `patch_page`, or this) made with `cache` and `config`, as if its file
/// were gone, or (`draft`) were the draft with that text: the site then
/// equals what `build_cached` gives for the files as they are now, and the
/// diagnostics that change besides the page's own (which go; a draft's
/// `structure.draft-past-date` is the caller's) are those of `Removed`.
/// The caller handles `structure.duplicate-title`.
///
/// `None`, with `site` and `cache` as they were, unless every condition
/// holds: an ordinary article (no section, bundle `index.md` or alias; no
/// page of the site has an alias), its URL no asset's or `static/` file's
/// and no other file's (one left out as a duplicate would be published
/// now), no page or FAQ answer links to its Markdown file (it would render
/// another link), each of its tags slugifies and keeps its name (the first
/// page that writes it after this one writes it the same way).
pub fn remove_page(
    site: &mut Site,
    cache: &mut ParseCache,
    rel: &str,
    draft: Option<Draft>,
    statics: &[String],
    config: &Config,
) -> Option<Removed> {
    let mut links = cache.links.take()?;
    let removed = match Arc::get_mut(&mut links) {
        Some(state) => remove_with(site, cache, state, rel, draft, statics, config),
        None => None,
    };
    cache.links = Some(links);
    removed
}

/// `remove_page` with the link state out of the cache, to update.
fn remove_with(
    site: &mut Site,
    cache: &mut ParseCache,
    state: &mut LinkState,
    rel: &str,
    draft: Option<Draft>,
    statics: &[String],
    config: &Config,
) -> Option<Removed> {
    if cache.one_shot || state.base_path != config.base_path || state.drafts != config.drafts {
        return None;
    }
    if draft.as_ref().is_some_and(|(_, fm, _)| !fm.draft) || (draft.is_some() && config.drafts) {
        return None;
    }
    let cr = rel.strip_prefix("content/")?;
    let i = *state.targets.by_content.get(cr)?;
    let page = site.pages.get(i)?;
    if page.rel != rel
        || page.kind != PageKind::Page
        || cr.rsplit('/').next()? == "index.md"
        || page.path.is_empty()
    {
        return None;
    }
    let path = page.path.clone();
    if site.assets.iter().any(|(_, u)| *u == path)
        || !unread_and_unshared(site, cache, statics, rel, &path)
    {
        return None;
    }

    // Tags: each keeps its name or goes with its last page.
    let name_of: HashMap<String, &String> = site.tags.keys().map(|n| (slugify(n), n)).collect();
    let mut touched: Vec<String> = Vec::new();
    let mut gone_tags: Vec<String> = Vec::new();
    for t in &page.fm.tags {
        let slug = slugify(t);
        let name = *name_of.get(&slug)?;
        if touched.contains(name) {
            continue;
        }
        touched.push(name.clone());
        let v = site.tags.get(name)?;
        if !v.contains(&i) {
            return None;
        }
        match v.iter().copied().filter(|&j| j != i).min() {
            None => gone_tags.push(name.clone()),
            Some(first) => {
                let written = site.pages[first]
                    .fm
                    .tags
                    .iter()
                    .find(|w| slugify(w) == slug);
                if written != Some(name) {
                    return None;
                }
            }
        }
    }

    // The FAQ: the questions this page asked first are asked first
    // elsewhere now, or go.
    let files: HashMap<&str, usize> = site
        .questions_files
        .iter()
        .enumerate()
        .map(|(k, q)| (q.rel.as_str(), k))
        .collect();
    let mine = questions_of(cache, &site.pages[i]);
    let mut keys: Vec<&str> = mine.iter().map(|(k, ..)| k.as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    let (mut old_repeats, mut new_repeats) = (Vec::new(), Vec::new());
    // The entries that go (their places), and those that come.
    let mut gone: Vec<usize> = Vec::new();
    let mut came: Vec<Question> = Vec::new();
    if !keys.is_empty() {
        let askings = askings_of(site, cache, &keys);
        let mut done: HashSet<&str> = HashSet::new();
        for (key, ..) in mine.iter() {
            if !done.insert(key.as_str()) {
                continue;
            }
            let all: Vec<&Asking> = askings.iter().filter(|a| a.key == *key).collect();
            let first = *all.first()?;
            if first.page() != Some(i) {
                // This page's askings were repeats: their warnings go with it.
                continue;
            }
            let at = site.faq.iter().position(|q| {
                q.location == first.location && q.source.as_ref().is_some_and(|(s, _)| *s == i)
            })?;
            gone.push(at);
            let rest: Vec<&Asking> = all
                .iter()
                .copied()
                .filter(|a| a.page() != Some(i))
                .collect();
            for a in &rest {
                old_repeats.push(duplicate_warning(a.location.clone(), &first.location));
            }
            if let Some(now) = rest.first() {
                for a in &rest[1..] {
                    new_repeats.push(duplicate_warning(a.location.clone(), &now.location));
                }
                came.push(question_of(
                    site,
                    Asked {
                        key: &now.key,
                        location: &now.location,
                        from: now.from,
                    },
                ));
            }
        }
    }
    let numbers = FaqNumbers::plan(&site.faq, &gone, &mut came, &files, None);

    // The pages whose link findings may change (`LinkChanges::affect`, with
    // the FAQ's anchors that came or went), with their findings before.
    let mut urls: Vec<String> = vec![path.trim_end_matches('/').to_string()];
    for name in &gone_tags {
        urls.push(format!("tags/{}", slugify(name)));
    }
    let affect = |p: &super::Page| reads_links(p, cr, &urls, &numbers.changed);
    let anchors = Anchors::new(site);
    let relink: Vec<(usize, Vec<Diagnostic>)> = site
        .pages
        .par_iter()
        .enumerate()
        .filter(|&(j, p)| j != i && affect(p))
        .map(|(j, _)| {
            let before = page_link_findings(site, j, state, &anchors);
            (j, before)
        })
        .collect();
    drop(anchors);

    // Nothing can fail from here: the site and the caches change.
    let shift = |j: usize| if j > i { j - 1 } else { j };
    numbers.apply(&mut site.faq, gone, came, &files, None);
    site.faq.par_iter_mut().for_each(|q| {
        if let Some((j, _)) = &mut q.source {
            *j = shift(*j);
        }
    });
    let page = site.pages.remove(i);
    for p in &mut site.pages {
        p.parent = p.parent.map(shift);
    }
    site.home = site.home.map(shift);
    site.benefits.par_iter_mut().for_each(|(_, v)| {
        v.retain(|r| r.page != i);
        for r in v.iter_mut() {
            r.page = shift(r.page);
        }
    });
    for name in &gone_tags {
        site.tags.remove(name);
    }
    site.tags.par_iter_mut().for_each(|(_, v)| {
        v.retain(|&j| j != i);
        for j in v.iter_mut() {
            *j = shift(*j);
        }
    });
    let children = std::mem::take(&mut site.children);
    site.children = children
        .into_iter()
        .filter_map(|(parent, mut kids)| {
            kids.retain(|&j| j != i);
            for j in &mut kids {
                *j = shift(*j);
            }
            (!kids.is_empty()).then(|| (shift(parent), kids))
        })
        .collect::<BTreeMap<_, _>>();
    site.known_urls.remove(&path);
    for name in &gone_tags {
        site.known_urls.remove(&format!("tags/{}/", slugify(name)));
    }
    if let Some((text, fm, off)) = &draft {
        // Drafts are listed in the walk's order.
        let key = |r: &str| r.replace('/', "\0");
        let at = site
            .skipped_drafts
            .partition_point(|(r, ..)| key(r) < key(rel));
        site.skipped_drafts
            .insert(at, (rel.to_string(), fm.date, text.clone()));
        let result: Arc<FrontResult> = Arc::new(Ok((fm.clone(), *off)));
        cache.front.insert(
            rel.to_string(),
            CachedFront {
                text: text.clone(),
                result,
            },
        );
    } else {
        cache.front.remove(rel);
    }

    // What links resolve against now.
    let old_key = state.key;
    if draft.is_some() {
        state.unpublished.insert(cr.to_string(), true);
    }
    state.targets.by_path.remove(&path);
    state.targets.by_content.remove(cr);
    if let Some(url) = state.pages.remove(cr) {
        let (n, sum) = state.page_sum;
        state.page_sum = (
            n.saturating_sub(1),
            sum.wrapping_sub(entry_hash(&cr.to_string(), &url)),
        );
    }
    cache.markdown.remove(rel);
    move_targets(state, &mut cache.markdown, old_key, cr, shift);
    cache.urls.remove(rel);
    cache.questions.remove(rel);
    for (key, ..) in mine.iter() {
        if let Some(n) = cache.asked.get_mut(key) {
            *n -= 1;
            if *n == 0 {
                cache.asked.remove(key);
            }
        }
    }

    // The link findings of the pages that read what changed.
    let anchors = Anchors::new(site);
    let found = &mut cache.found_links;
    found.pages.remove(rel);
    let relinked = relink_pages(site, relink, shift, state, &anchors, found);
    found.known_urls.remove(&path);
    for name in &gone_tags {
        found.known_urls.remove(&format!("tags/{}/", slugify(name)));
    }
    found.faq_ids = faq_ids_hash(site);
    Some(Removed {
        page,
        index: i,
        relinked,
        old_repeats,
        new_repeats,
    })
}

/// What `remove_page` and `add_page` both need of the rest of the site
/// for the article at `rel` with URL `path`: no page has aliases; no
/// `static/` file and no other source file has that URL (one left out as a
/// duplicate would be published instead); and no page, FAQ answer or FAQ
/// file links to the article's Markdown file (each would render another
/// link with it or without it).
fn unread_and_unshared(
    site: &Site,
    cache: &ParseCache,
    statics: &[String],
    rel: &str,
    path: &str,
) -> bool {
    let Some(cr) = rel.strip_prefix("content/") else {
        return false;
    };
    !(site.pages.par_iter().any(|p| !p.fm.aliases.is_empty())
        || statics
            .iter()
            .any(|s| s == path || s.strip_suffix("index.html") == Some(path))
        || cache
            .urls
            .par_iter()
            .any(|(r, (_, p))| r != rel && p == path)
        || site
            .pages
            .par_iter()
            .any(|p| reads_page(&p.rendered, &p.faq_rendered, cr))
        || site
            .questions_files
            .iter()
            .any(|q| reads_page(&q.rendered, &[], cr)))
}

/// After page `cr` (a content-relative path) came or went: the link
/// targets' page indexes moved by `moved`, the state's key made again from
/// its sums, and every cached body rendered against the last targets
/// (`old_key`) that did not look this page up marked as rendered against
/// these, as `build_cached` rekeys them (it renders the same). Returns the
/// new key.
fn move_targets(
    state: &mut LinkState,
    markdown: &mut HashMap<String, CachedMarkdown>,
    old_key: u64,
    cr: &str,
    moved: impl Fn(usize) -> usize,
) -> u64 {
    for j in state
        .targets
        .by_path
        .values_mut()
        .chain(state.targets.by_content.values_mut())
    {
        *j = moved(*j);
    }
    state.key = key_of_sums(
        &state.base_path,
        state.prose,
        state.page_sum,
        state.asset_sum,
    );
    let new_key = state.key;
    markdown.par_iter_mut().for_each(|(_, c)| {
        if c.links == old_key && !reads_page(&c.rendered, &c.faq, cr) {
            c.links = new_key;
        }
    });
    new_key
}

/// Checks again the links of the pages in `relink` (indexes from before the
/// page came or went, with their findings then; `moved` gives their index
/// now), keeping the new findings in `found` where it holds the page as it
/// is: (source path, findings before, findings after) per page.
fn relink_pages(
    site: &Site,
    relink: Vec<(usize, Vec<Diagnostic>)>,
    moved: impl Fn(usize) -> usize,
    state: &LinkState,
    anchors: &Anchors,
    found: &mut super::FoundLinks,
) -> Vec<(String, Vec<Diagnostic>, Vec<Diagnostic>)> {
    let mut relinked = Vec::with_capacity(relink.len());
    for (j, before) in relink {
        let j = moved(j);
        let after = page_link_findings(site, j, state, anchors);
        let p = &site.pages[j];
        if let Some(c) = found.pages.get_mut(&p.rel)
            && Arc::ptr_eq(&c.fm, &p.fm)
            && Arc::ptr_eq(&c.rendered, &p.rendered)
            && c.path == p.path
        {
            c.found = after.clone().into();
        }
        relinked.push((p.rel.clone(), before, after));
    }
    relinked
}

/// The questions page `p` asks, from the cache when it holds them for the
/// page as it is.
fn questions_of(cache: &ParseCache, p: &super::Page) -> PageQuestions {
    match cache.questions.get(&p.rel) {
        Some(c) if Arc::ptr_eq(&c.fm, &p.fm) && Arc::ptr_eq(&c.rendered, &p.rendered) => {
            c.asked.clone()
        }
        _ => page_questions(p),
    }
}

/// Every asking of the normalized questions `keys` in `site`, in the order
/// `build_indexes` meets them.
fn askings_of(site: &Site, cache: &ParseCache, keys: &[&str]) -> Vec<Asking> {
    let per_page: Vec<Vec<Asking>> = site
        .pages
        .par_iter()
        .enumerate()
        .map(|(j, p)| {
            questions_of(cache, p)
                .iter()
                .filter(|(k, ..)| keys.contains(&k.as_str()))
                .map(|(k, location, from)| Asking {
                    key: k.clone(),
                    location: location.clone(),
                    from: match *from {
                        InPage::Front(e) => AskedIn::Front(j, e),
                        InPage::Heading(h) => AskedIn::Heading(j, h),
                    },
                })
                .collect()
        })
        .collect();
    let mut out: Vec<Asking> = per_page.into_iter().flatten().collect();
    for (k, q) in site.questions_files.iter().enumerate() {
        let Some(question) = q.fm.question.as_ref() else {
            continue;
        };
        let key = normalize_question(&question.value);
        if keys.contains(&key.as_str()) {
            out.push(Asking {
                key,
                location: Location::new(
                    &q.rel,
                    usize::try_from(question.referenced.line()).unwrap_or(1) + 1,
                    usize::try_from(question.referenced.column()).unwrap_or(1),
                ),
                from: AskedIn::File(k),
            });
        }
    }
    out
}

/// How the FAQ's anchors are numbered after entries went and came
/// (`build_indexes` numbers the entries that share an anchor in order:
/// `q-a`, `q-a-1`, ...), worked out before the FAQ changes.
struct FaqNumbers {
    /// The anchors of entries that stay, by place, that change.
    renumbered: Vec<(usize, String)>,
    /// The anchors that are on the FAQ now and were not, or the reverse:
    /// links to them find them or not.
    changed: HashSet<String>,
}

impl FaqNumbers {
    /// Plans taking the entries at `gone` out of `faq` and putting those of
    /// `came` (whose anchors this numbers) in at their places.
    ///
    /// With `up`, a page is inserted at that index: the entries of `came`
    /// count pages with it, those of `faq` without.
    fn plan(
        faq: &[Question],
        gone: &[usize],
        came: &mut [Question],
        files: &HashMap<&str, usize>,
        up: Option<usize>,
    ) -> Self {
        let base = |q: &Question| format!("q-{}", markdown::anchor_id(&q.question));
        let bases: BTreeSet<String> = gone
            .iter()
            .map(|&k| base(&faq[k]))
            .chain(came.iter().map(base))
            .collect();
        // Every entry numbered from those anchors, old (`Ok`, by place) and
        // new (`Err`, by index in `came`), in FAQ order.
        let mut group: Vec<(EntryOrder, Result<usize, usize>, String)> = faq
            .par_iter()
            .enumerate()
            .filter(|(k, q)| {
                bases.iter().any(|b| q.id.starts_with(b.as_str())) && !gone.contains(k)
            })
            .filter_map(|(k, q)| {
                let b = base(q);
                bases
                    .contains(&b)
                    .then(|| (entry_order_up(q, files, up), Ok(k), b))
            })
            .collect();
        for (n, q) in came.iter().enumerate() {
            group.push((entry_order(q, files), Err(n), base(q)));
        }
        group.sort_by_key(|(order, ..)| *order);
        let mut counts: HashMap<String, usize> = HashMap::new();
        let mut renumbered = Vec::new();
        // Anchor -> (entries with it before, after).
        let mut tally: HashMap<String, (usize, usize)> = HashMap::new();
        for &k in gone {
            tally.entry(faq[k].id.clone()).or_default();
        }
        for (_, at, b) in group {
            let n = counts.entry(b.clone()).or_insert(0);
            let id = if *n > 0 { format!("{b}-{n}") } else { b };
            *n += 1;
            tally.entry(id.clone()).or_default();
            match at {
                Ok(k) => {
                    tally.entry(faq[k].id.clone()).or_default();
                    if faq[k].id != id {
                        renumbered.push((k, id));
                    }
                }
                Err(n) => came[n].id = id,
            }
        }
        if tally.is_empty() {
            return FaqNumbers {
                renumbered,
                changed: HashSet::new(),
            };
        }
        // How many entries have each of those anchors, before and after.
        for q in faq {
            if let Some(t) = tally.get_mut(&q.id) {
                t.0 += 1;
                t.1 += 1;
            }
        }
        for &k in gone {
            if let Some(t) = tally.get_mut(&faq[k].id) {
                t.1 -= 1;
            }
        }
        for (k, id) in &renumbered {
            if let Some(t) = tally.get_mut(&faq[*k].id) {
                t.1 -= 1;
            }
            if let Some(t) = tally.get_mut(id) {
                t.1 += 1;
            }
        }
        for q in came.iter() {
            if let Some(t) = tally.get_mut(&q.id) {
                t.1 += 1;
            }
        }
        let changed = tally
            .into_iter()
            .filter(|(_, (before, after))| (*before > 0) != (*after > 0))
            .map(|(id, _)| id)
            .collect();
        FaqNumbers {
            renumbered,
            changed,
        }
    }

    /// Applies the plan: renumbers, takes out, (with `up`, moves the
    /// entries of pages from there on one page down,) puts in.
    fn apply(
        self,
        faq: &mut Vec<Question>,
        mut gone: Vec<usize>,
        came: Vec<Question>,
        files: &HashMap<&str, usize>,
        up: Option<usize>,
    ) {
        for (k, id) in self.renumbered {
            faq[k].id = id;
        }
        gone.sort_unstable();
        for k in gone.into_iter().rev() {
            faq.remove(k);
        }
        if let Some(i) = up {
            faq.par_iter_mut().for_each(|q| {
                if let Some((j, _)) = &mut q.source
                    && *j >= i
                {
                    *j += 1;
                }
            });
        }
        for q in came {
            let order = entry_order(&q, files);
            let place = faq.partition_point(|e| entry_order(e, files) < order);
            faq.insert(place, q);
        }
    }
}

/// An article `add_page` put into a site.
#[derive(Debug)]
pub struct Added {
    /// Its index in `Site::pages`.
    pub index: usize,
    /// Its model diagnostics that only its own text decides (unknown
    /// people, treatment and benefits, links and images).
    pub local: Vec<Diagnostic>,
    /// The other pages whose links name its URL (or a new tag page), or an
    /// anchor of the FAQ that came or went, by source path, with their link
    /// findings before and after.
    pub relinked: Vec<(String, Vec<Diagnostic>, Vec<Diagnostic>)>,
    /// `faq.duplicate` warnings that go (they quoted an asking this page
    /// asks before)...
    pub old_repeats: Vec<Diagnostic>,
    /// ...and that come (its own repeats, and those quoting it).
    pub new_repeats: Vec<Diagnostic>,
}

/// Puts the article at `rel`, with that text, front matter and body offset
/// (a new file, or a draft published), into `site`, which `build_cached`
/// (or `patch_page`, `remove_page` or this) made with `cache` and `config`:
/// the site then equals what `build_cached` gives for the files as they are
/// now, and the diagnostics that change besides the page's own (its per-page
/// checks and `structure.duplicate-title` are the caller's) are those of
/// `Added`.
///
/// `None`, with `site` and `cache` as they were, unless every condition
/// holds: an ordinary article (no section, bundle `index.md`, FAQ file or
/// alias; no page of the site has an alias) with a title, its URL valid and
/// nothing's yet (no page's, also one left out as a duplicate; no
/// generated page's, asset's or `static/` file's; no name starting with
/// `_`), no page or FAQ answer links to its Markdown file (it would render
/// another link), each of its tags slugifies and, when this page is the
/// first to write it, is written as the tag is named.
#[allow(clippy::too_many_arguments)]
pub fn add_page(
    site: &mut Site,
    cache: &mut ParseCache,
    rel: &str,
    text: Arc<str>,
    fm: Arc<FrontMatter>,
    off: usize,
    statics: &[String],
    config: &Config,
) -> Option<Added> {
    let mut links = cache.links.take()?;
    let added = match Arc::get_mut(&mut links) {
        Some(state) => add_with(site, cache, state, rel, (text, fm, off), statics, config),
        None => None,
    };
    cache.links = Some(links);
    added
}

/// `add_page` with the link state out of the cache, to update.
fn add_with(
    site: &mut Site,
    cache: &mut ParseCache,
    state: &mut LinkState,
    rel: &str,
    (text, fm, off): Draft,
    statics: &[String],
    config: &Config,
) -> Option<Added> {
    if cache.one_shot
        || state.base_path != config.base_path
        || state.drafts != config.drafts
        || (fm.draft && !config.drafts)
    {
        return None;
    }
    let cr = rel.strip_prefix("content/")?;
    let file = SourceFile {
        rel: rel.to_string(),
        path: config.root.join(rel),
        kind: crate::source::classify(cr),
        content_rel: cr.to_string(),
    };
    if file.kind != Kind::Page
        || cr.rsplit('/').next()? == "index.md"
        || state.targets.by_content.contains_key(cr)
        || state.unpublished.get(cr) == Some(&false)
        || fm.title.as_deref().is_none_or(|t| t.trim().is_empty())
        || !fm.aliases.is_empty()
        || fm.question.is_some()
    {
        return None;
    }
    let path = url_path_of(&file, &fm);
    if path.is_empty()
        || path.starts_with('/')
        || path.contains("//")
        || RESERVED.iter().any(|r| path.starts_with(r))
        || path.split('/').any(|s| s.starts_with('_'))
        || site.known_urls.contains(&path)
        || !unread_and_unshared(site, cache, statics, rel, &path)
    {
        return None;
    }
    // Its place, section and treatment.
    let i = site.pages.partition_point(|p| p.rel.as_str() < rel);
    let up = |j: usize| if j >= i { j + 1 } else { j };
    let sections: HashMap<&str, usize> = site
        .pages
        .iter()
        .enumerate()
        .filter(|(_, p)| p.kind != PageKind::Page)
        .map(|(j, p)| (parent_dir(&p.content_rel), j))
        .collect();
    let mut dir = parent_dir(cr);
    let parent = loop {
        if let Some(&s) = sections.get(dir) {
            break Some(s);
        }
        if dir.is_empty() {
            break None;
        }
        dir = parent_dir(dir);
    };
    let treatment = match &fm.treatment {
        Some(t) => Some(t.value.clone()),
        None => parent.and_then(|s| site.pages[s].treatment.clone()),
    };
    // Tags: a new one is named here; an existing one keeps its name.
    let name_of: HashMap<String, &String> = site.tags.keys().map(|n| (slugify(n), n)).collect();
    let mut touched: Vec<String> = Vec::new();
    let mut new_tags: Vec<(String, String)> = Vec::new();
    for t in &fm.tags {
        let slug = slugify(t);
        if slug.is_empty() {
            return None;
        }
        match name_of.get(&slug) {
            Some(&name) => {
                if touched.contains(name) {
                    continue;
                }
                let first = *site.tags.get(name)?.iter().min()?;
                if i <= first && t != name {
                    return None;
                }
                touched.push(name.clone());
            }
            None => {
                if !new_tags.iter().any(|(s, _)| *s == slug) {
                    new_tags.push((slug, t.clone()));
                }
            }
        }
    }
    // Rendered against the targets with it: taken out again if anything
    // below does not hold.
    state.pages.insert(cr.to_string(), path.clone());
    let page = {
        let ctx = LinkContext {
            base_path: &state.base_path,
            dir: parent_dir(cr),
            pages: &state.pages,
            assets: &state.assets,
        };
        let lines = LineIndex::new(&text);
        let rules = check::ProseRules::new(config);
        let rendered = render_body(rel, &text, off, &lines, &ctx, &rules);
        let faq: Vec<Rendered> = fm
            .faq
            .iter()
            .map(|e| markdown::render(&e.answer, &ctx))
            .collect();
        Page {
            rel: rel.to_string(),
            content_rel: cr.to_string(),
            kind: PageKind::Page,
            fm: fm.clone(),
            text: text.clone(),
            body_offset: off,
            path: path.clone(),
            parent: parent.map(up),
            treatment,
            rendered: Arc::new(rendered),
            faq_rendered: Arc::new(faq),
            lines: Arc::new(lines),
        }
    };
    let Some(plan) = plan_added(site, cache, &page, i) else {
        state.pages.remove(cr);
        return None;
    };
    let AddPlan {
        mine,
        gone,
        came,
        numbers,
        old_repeats,
        new_repeats,
        files,
    } = plan;

    // The pages whose link findings may change, with their findings before.
    let mut urls: Vec<String> = vec![path.trim_end_matches('/').to_string()];
    for (slug, _) in &new_tags {
        urls.push(format!("tags/{slug}"));
    }
    let affect = |p: &super::Page| reads_links(p, cr, &urls, &numbers.changed);
    let anchors = Anchors::new(site);
    let relink: Vec<(usize, Vec<Diagnostic>)> = site
        .pages
        .par_iter()
        .enumerate()
        .filter(|&(_, p)| affect(p))
        .map(|(j, _)| {
            let before = page_link_findings(site, j, state, &anchors);
            (j, before)
        })
        .collect();
    drop(anchors);

    // Nothing can fail from here: the site and the caches change.
    let by_file: HashMap<&str, usize> = files.iter().map(|(r, k)| (r.as_str(), *k)).collect();
    numbers.apply(&mut site.faq, gone, came, &by_file, Some(i));
    for p in &mut site.pages {
        p.parent = p.parent.map(up);
    }
    site.home = site.home.map(up);
    site.benefits.par_iter_mut().for_each(|(_, v)| {
        for r in v.iter_mut() {
            r.page = up(r.page);
        }
    });
    site.tags.par_iter_mut().for_each(|(_, v)| {
        for j in v.iter_mut() {
            *j = up(*j);
        }
    });
    let children = std::mem::take(&mut site.children);
    site.children = children
        .into_iter()
        .map(|(parent, mut kids)| {
            for j in &mut kids {
                *j = up(*j);
            }
            (up(parent), kids)
        })
        .collect::<BTreeMap<_, _>>();
    let parent = page.parent;
    site.pages.insert(i, page);
    if let Some(parent) = parent {
        site.children.entry(parent).or_default().push(i);
        sort_children(site, parent);
    }
    for name in &touched {
        if let Some(v) = site.tags.get_mut(name) {
            v.push(i);
            sort_tag_pages(&site.pages, v);
        }
    }
    for (slug, name) in new_tags.iter() {
        site.tags.insert(name.clone(), vec![i]);
        site.known_urls.insert(format!("tags/{slug}/"));
    }
    // Benefits: as `patch_benefits` puts a page's in.
    insert_benefits(site, i);
    site.known_urls.insert(path.clone());
    site.skipped_drafts.retain(|(r, ..)| r != rel);
    let result: Arc<FrontResult> = Arc::new(Ok((fm.clone(), off)));
    cache.front.insert(
        rel.to_string(),
        CachedFront {
            text: text.clone(),
            result,
        },
    );
    cache
        .urls
        .insert(rel.to_string(), (fm.clone(), path.clone()));
    for (key, ..) in mine.iter() {
        *cache.asked.entry(key.clone()).or_insert(0) += 1;
    }

    // What links resolve against now.
    let old_key = state.key;
    let (n, sum) = state.page_sum;
    state.page_sum = (n + 1, sum.wrapping_add(entry_hash(&cr.to_string(), &path)));
    state.unpublished.remove(cr);
    let new_key = move_targets(state, &mut cache.markdown, old_key, cr, up);
    state.targets.by_path.insert(path.clone(), i);
    state.targets.by_content.insert(cr.to_string(), i);
    let p = &site.pages[i];
    cache.markdown.insert(
        rel.to_string(),
        CachedMarkdown {
            text: text.clone(),
            links: new_key,
            rendered: p.rendered.clone(),
            faq: p.faq_rendered.clone(),
            lines: p.lines.clone(),
        },
    );

    // Its own findings, and those of the pages that read what changed.
    let anchors = Anchors::new(site);
    let mut local = Vec::new();
    page_references(p, &Known::of(&site.data), &mut local);
    let found = page_link_findings(site, i, state, &anchors);
    local.extend(found.iter().cloned());
    let links_found = &mut cache.found_links;
    links_found.pages.insert(
        rel.to_string(),
        CheckedLinks {
            fm: p.fm.clone(),
            rendered: p.rendered.clone(),
            content_rel: p.content_rel.clone(),
            path: p.path.clone(),
            found: found.into(),
        },
    );
    let relinked = relink_pages(site, relink, up, state, &anchors, links_found);
    links_found.known_urls.insert(path);
    for (slug, _) in &new_tags {
        links_found.known_urls.insert(format!("tags/{slug}/"));
    }
    links_found.faq_ids = faq_ids_hash(site);
    Some(Added {
        index: i,
        local,
        relinked,
        old_repeats,
        new_repeats,
    })
}

/// What `add_page` does to the FAQ.
struct AddPlan {
    /// The new page's questions.
    mine: PageQuestions,
    /// Entries that go: the first askings of questions it asks first now.
    gone: Vec<usize>,
    /// Its entries.
    came: Vec<Question>,
    numbers: FaqNumbers,
    old_repeats: Vec<Diagnostic>,
    new_repeats: Vec<Diagnostic>,
    /// The standalone questions' places by source path.
    files: HashMap<String, usize>,
}

/// The FAQ after `page` comes into `site` at index `i`: its questions are
/// asked first there, or repeat an earlier asking.
fn plan_added(site: &Site, cache: &ParseCache, page: &super::Page, i: usize) -> Option<AddPlan> {
    let files: HashMap<String, usize> = site
        .questions_files
        .iter()
        .enumerate()
        .map(|(k, q)| (q.rel.clone(), k))
        .collect();
    let by_file: HashMap<&str, usize> = files.iter().map(|(r, k)| (r.as_str(), *k)).collect();
    let mine = page_questions(page);
    let mut keys: Vec<&str> = mine.iter().map(|(k, ..)| k.as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    let (mut gone, mut came) = (Vec::new(), Vec::new());
    let (mut old_repeats, mut new_repeats) = (Vec::new(), Vec::new());
    if !keys.is_empty() {
        let askings = askings_of(site, cache, &keys);
        let mut done: HashSet<&str> = HashSet::new();
        for (key, ..) in mine.iter() {
            if !done.insert(key.as_str()) {
                continue;
            }
            let olds: Vec<&Asking> = askings.iter().filter(|a| a.key == *key).collect();
            let ours: Vec<&(String, Location, InPage)> =
                mine.iter().filter(|(k, ..)| k == key).collect();
            let (_, here, at) = ours.first()?;
            let before = olds.first().filter(|f| f.page().is_some_and(|j| j < i));
            match before {
                Some(f) => {
                    // Asked earlier: each of its askings here repeats it.
                    for (_, l, _) in &ours {
                        new_repeats.push(duplicate_warning(l.clone(), &f.location));
                    }
                }
                None => {
                    if let Some(f) = olds.first() {
                        gone.push(site.faq.iter().position(|q| q.location == f.location)?);
                        for a in &olds[1..] {
                            old_repeats.push(duplicate_warning(a.location.clone(), &f.location));
                        }
                    }
                    for l in ours[1..]
                        .iter()
                        .map(|(_, l, _)| l)
                        .chain(olds.iter().map(|a| &a.location))
                    {
                        new_repeats.push(duplicate_warning(l.clone(), here));
                    }
                    let from = match *at {
                        InPage::Front(e) => AskedIn::Front(i, e),
                        InPage::Heading(h) => AskedIn::Heading(i, h),
                    };
                    let pages = |j: usize| {
                        if j == i { page } else { &site.pages[j] }
                    };
                    came.push(super::question_among(
                        pages,
                        &site.questions_files,
                        Asked {
                            key,
                            location: here,
                            from,
                        },
                    ));
                }
            }
        }
    }
    let numbers = FaqNumbers::plan(&site.faq, &gone, &mut came, &by_file, Some(i));
    Some(AddPlan {
        mine,
        gone,
        came,
        numbers,
        old_repeats,
        new_repeats,
        files,
    })
}

/// Whether rendering a text with these links (a body and its FAQ answers)
/// looked up the page at content path `cr`: `MovedTargets::read_by` for that
/// page alone, comparing paths (hashing every link's target was a
/// millisecond of each page coming or going at 10,000 articles).
fn reads_page(body: &Rendered, answers: &[Rendered], cr: &str) -> bool {
    let bundle = |t: &str| {
        let dir = t.trim_end_matches('/');
        cr.strip_suffix("/index.md") == Some(dir)
    };
    std::iter::once(body)
        .chain(answers)
        .flat_map(|r| &r.links)
        .any(|l| match (&l.problem, &l.target_page) {
            (Some(markdown::LinkProblem::MissingPage(t)), _) => t == cr,
            (Some(markdown::LinkProblem::MissingFile(t)), _) => bundle(t),
            (None, Some(page)) => page == cr,
            _ => false,
        })
}

/// Whether the link findings of page `p` may change when the page at
/// content path `cr` comes or goes, with the URLs `urls` (without a
/// trailing `/`: its own, tag pages that come or go) and the FAQ anchors
/// `anchors` that come or go: `LinkChanges::affect`, comparing strings
/// (hashing every link's URL was most of a page coming or going at 10,000
/// articles).
fn reads_links(p: &super::Page, cr: &str, urls: &[String], anchors: &HashSet<String>) -> bool {
    p.rendered.links.iter().any(|l| {
        if l.problem.is_some()
            || l.anchor
                .as_ref()
                .is_some_and(|a| !anchors.is_empty() && anchors.contains(a))
        {
            return true;
        }
        match (&l.target_page, &l.target_url) {
            (Some(tp), _) => l.anchor.is_some() && tp == cr,
            (None, Some(url)) => {
                let clean = url.split(['?', '#']).next().unwrap_or("");
                let clean = clean.trim_end_matches('/');
                urls.iter().any(|u| u == clean)
            }
            (None, None) => false,
        }
    })
}
