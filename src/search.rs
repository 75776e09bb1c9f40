//! Site search: a Pagefind index built from the rendered HTML of the content
//! pages (articles and plain pages; never the home page, section lists or
//! generated pages such as benefits, tags and the FAQ).
//!
//! Owns the Pagefind options and the choice of which bundle files are
//! published. [`build_index`] takes `(output path, HTML)` pairs and returns
//! the bundle as in-memory files without touching disk, so `build` and
//! `serve` can both use it; [`reuse_previous`] hands the last build's bundle
//! to the staging folder when a rebuild skips indexing; [`Refresher`] keeps
//! `serve`'s index in step with edits, in the background. It writes nothing
//! itself: every write goes through `output::Staging`. The browser side is the theme's
//! `static/js/search.js`, which imports `pagefind/pagefind.js` relative to the
//! site's base path.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use pagefind::api::PagefindIndex;
use pagefind::options::PagefindServiceConfig;

use crate::diag::Error;
use crate::model::{PageKind, Site};
use crate::output::Staging;
use crate::render::OutputFile;

/// The folder, relative to the output, that holds the search bundle.
pub const BUNDLE_DIR: &str = "pagefind/";

/// Parts of a page that are not content: left out of the index so that a
/// search for "consultation" does not match every page's footer.
const EXCLUDE: &[&str] = &[
    ".site-header",
    ".site-footer",
    ".breadcrumbs",
    ".skip-link",
    ".toc",
    ".cta",
    ".cta-band",
    ".disclaimer",
    ".related",
    ".article-meta",
    "nav",
    "[data-pagefind-ignore]",
];

/// Output paths (`articles/x/index.html`) of the pages the index covers:
/// every ordinary page and article.
pub fn indexable_paths(site: &Site) -> HashSet<String> {
    site.pages
        .iter()
        .filter(|p| p.kind == PageKind::Page)
        .map(|p| format!("{}index.html", p.path))
        .collect()
}

/// Builds the index for `site` from pages already rendered elsewhere:
/// `html_of(output path)` returns a page's HTML (for `serve`, which keeps
/// the site in memory). Pages it has no HTML for are left out.
pub fn index_site(
    site: &Site,
    language: &str,
    html_of: impl Fn(&str) -> Option<String>,
) -> Result<Vec<OutputFile>, Error> {
    let indexer = Indexer::start(indexable_paths(site), language, None)?;
    for path in indexer.paths() {
        if let Some(html) = html_of(path) {
            indexer.add(path, html.as_bytes());
        }
    }
    indexer.finish().map(|(indexed, _)| built(indexed))
}

/// Whether a Pagefind bundle file is published. The bundled Pagefind UIs,
/// the highlighter and the playground are dropped: the theme ships its own
/// small, accessible search UI.
fn published(name: &str) -> bool {
    let drop = name.starts_with("pagefind-ui.")
        || name.starts_with("pagefind-modular-ui.")
        || name.starts_with("pagefind-component-ui.")
        || name.starts_with("pagefind-highlight.")
        || name.starts_with("playground/");
    !drop
}

/// The primary language subtag Pagefind stems with (`en-GB` -> `en`).
fn index_language(language: &str) -> String {
    let primary = language.split(['-', '_']).next().unwrap_or("");
    if primary.is_empty() {
        "en".into()
    } else {
        primary.to_ascii_lowercase()
    }
}

/// Builds the search index for `pages` (`(output path, HTML)`, in any order)
/// and returns the bundle's files with paths under [`BUNDLE_DIR`], sorted.
///
/// Result URLs are relative to the bundle's own location, so the same files
/// work at `/` and under a GitHub Pages sub-path.
///
/// Safe to call from inside an async runtime (`serve`): the indexer runs
/// its own runtime on a thread of its own.
pub fn build_index(pages: Vec<(String, String)>, language: &str) -> Result<Vec<OutputFile>, Error> {
    let indexer = Indexer::start(pages.iter().map(|(p, _)| p.clone()), language, None)?;
    for (path, html) in pages {
        indexer.add(&path, html.as_bytes());
    }
    indexer.finish().map(|(indexed, _)| built(indexed))
}

/// The files of a bundle built without a previous one to compare with.
fn built(indexed: Indexed) -> Vec<OutputFile> {
    match indexed {
        Indexed::Built(files) => files,
        Indexed::Unchanged => Vec::new(),
    }
}

/// The input key recorded in the bundle under `output`, when that bundle
/// is complete enough to be reused.
fn previous_key(output: &std::path::Path) -> Option<String> {
    let dir = output.join(BUNDLE_DIR);
    let complete = ["pagefind.js", "pagefind-entry.json"]
        .iter()
        .all(|f| dir.join(f).is_file());
    complete
        .then(|| std::fs::read_to_string(dir.join(INPUT_KEY)).ok())
        .flatten()
}

/// A digest of everything Pagefind is given: careleaf's version (which pins
/// Pagefind's), the options, and each page's path and indexed part in the
/// order they are added. Equal keys give the same index.
///
/// The hashers are foldhash's (fixed seeds, so a key is the same from one
/// run to the next): every page's HTML goes through them, one after the
/// other on the indexer's thread, and SipHash (`DefaultHasher`) took ~1% of
/// a 10,000-article build's CPU there (issue 8).
struct InputKey {
    hashers: [foldhash::quality::FoldHasher<'static>; 2],
    pages: usize,
}

impl InputKey {
    fn new(language: &str) -> InputKey {
        use std::hash::{BuildHasher, Hasher};
        let mut hashers = [
            foldhash::quality::FixedState::with_seed(0).build_hasher(),
            foldhash::quality::FixedState::with_seed(1).build_hasher(),
        ];
        for (seed, h) in hashers.iter_mut().enumerate() {
            h.write_usize(seed);
            h.write(env!("CARGO_PKG_VERSION").as_bytes());
            h.write(language.as_bytes());
            for e in EXCLUDE {
                h.write(e.as_bytes());
                h.write_u8(0);
            }
        }
        InputKey { hashers, pages: 0 }
    }

    fn page(&mut self, path: &str, part: &str) {
        use std::hash::Hasher;
        for h in &mut self.hashers {
            h.write(path.as_bytes());
            h.write_u8(0);
            h.write(part.as_bytes());
            h.write_u8(0);
        }
        self.pages += 1;
    }

    fn finish(&self) -> String {
        use std::hash::Hasher;
        format!(
            "careleaf {} search input {:016x}{:016x}, {} pages\n",
            env!("CARGO_PKG_VERSION"),
            self.hashers[0].finish(),
            self.hashers[1].finish(),
            self.pages
        )
    }
}

/// The file, in the bundle folder, that records what the index was built
/// from (see [`InputKey`]), so the next build can tell whether it is still
/// right.
const INPUT_KEY: &str = ".careleaf-input";

/// What an [`Indexer`] produced.
#[derive(Debug)]
pub enum Indexed {
    /// A new bundle: its files, with paths under [`BUNDLE_DIR`], sorted.
    Built(Vec<OutputFile>),
    /// Pagefind would get exactly what the previous build gave it, so the
    /// previous bundle is still right: copy it over ([`reuse_previous`]).
    Unchanged,
}

/// What the indexer produced and the seconds it spent inside Pagefind.
type Bundle = (Indexed, f64);

/// Builds the search index on a thread of its own while the site renders.
///
/// `build` hands every rendered page to [`Indexer::add`] (from any render
/// thread, in any order) and calls [`Indexer::finish`] once rendering is
/// done, so Pagefind reads pages while the rest of the site is still being
/// rendered, and no page's HTML is kept longer than it takes the indexer to
/// reach it (issue 8).
///
/// Pagefind numbers pages in the order they are added and that numbering is
/// in the index files, so pages are added in the order of their output
/// paths whatever order they arrive in: pages that arrive early wait in a
/// small buffer, holding only the part of the page the index reads
/// ([`indexed_part`]). Pages in order are handed to Pagefind in batches of
/// [`BATCH`], which the vendored Pagefind parses in parallel on rayon's pool
/// (stock Pagefind adds one page at a time under a lock, and its only
/// parallel path, `add_directory`, walks a folder in the file system's
/// order, which would make the index differ from one build to the next).
#[derive(Debug)]
pub struct Indexer {
    /// Position of each indexable output path in the order pages are added.
    order: HashMap<String, usize>,
    paths: Arc<Vec<String>>,
    /// `None` once `finish` has run.
    sender: Option<mpsc::Sender<(usize, String)>>,
    thread: Option<std::thread::JoinHandle<Result<Bundle, Error>>>,
    /// Set when the indexer is dropped without `finish` (a failed build):
    /// the thread then stops instead of building an index nobody reads.
    cancelled: Arc<AtomicBool>,
    /// Set by `finish`: every page has been sent.
    finishing: Arc<AtomicBool>,
}

impl Indexer {
    /// Starts an indexer for the pages at `paths` (output paths such as
    /// `articles/x/index.html`; any order, duplicates ignored). With
    /// `previous` (the output folder of the last build), `finish` says
    /// [`Indexed::Unchanged`] instead of building when the pages the index
    /// reads are the same as that build's: a build after a change to the
    /// CSS, a static file or a template outside `<main>` skips the index.
    pub fn start(
        paths: impl IntoIterator<Item = String>,
        language: &str,
        previous: Option<&std::path::Path>,
    ) -> Result<Indexer, Error> {
        let previous_key = previous.and_then(previous_key);
        let mut paths: Vec<String> = paths.into_iter().collect();
        paths.sort();
        paths.dedup();
        let order = paths
            .iter()
            .enumerate()
            .map(|(i, p)| (p.clone(), i))
            .collect();
        let paths = Arc::new(paths);
        let (sender, receiver) = mpsc::channel();
        let language = index_language(language);
        let thread_paths = Arc::clone(&paths);
        let cancelled = Arc::new(AtomicBool::new(false));
        let thread_cancelled = Arc::clone(&cancelled);
        let finishing = Arc::new(AtomicBool::new(false));
        let thread_finishing = Arc::clone(&finishing);
        let thread = std::thread::Builder::new()
            .name("careleaf-index".into())
            .spawn(move || {
                index_in_order(
                    &thread_paths,
                    &receiver,
                    language,
                    &thread_cancelled,
                    &thread_finishing,
                    previous_key,
                )
            })
            .map_err(|e| {
                Error::Other(format!(
                    "building the search index: starting the indexer: {e}"
                ))
            })?;
        Ok(Indexer {
            order,
            paths,
            sender: Some(sender),
            thread: Some(thread),
            cancelled,
            finishing,
        })
    }

    /// The output paths the index covers, in the order they are added.
    pub fn paths(&self) -> &[String] {
        &self.paths
    }

    /// Hands a rendered file to the indexer. Files the index does not cover
    /// (lists, generated pages, feeds, assets) are ignored, so a render sink
    /// can pass every file.
    pub fn add(&self, path: &str, html: &[u8]) {
        if let (Some(&i), Some(sender)) = (self.order.get(path), &self.sender) {
            // A send fails only when the indexer thread has stopped, which
            // `finish` reports.
            let _ = sender.send((i, indexed_part(html)));
        }
    }

    /// Waits for the indexer and returns what it produced and the seconds it
    /// spent inside Pagefind. Pages never added are left out of the index.
    pub fn finish(mut self) -> Result<Bundle, Error> {
        self.finishing.store(true, Ordering::Relaxed);
        self.sender = None;
        let panicked =
            || Error::Other("building the search index: the indexer thread panicked".into());
        let thread = self.thread.take().ok_or_else(panicked)?;
        thread.join().unwrap_or_else(|_| Err(panicked()))
    }
}

impl Drop for Indexer {
    fn drop(&mut self) {
        if self.thread.is_some() {
            self.cancelled.store(true, Ordering::Relaxed);
        }
    }
}

/// Pagefind's options for an index of pages in `language` (a primary
/// subtag, `index_language`): the same for the build and for
/// `indexed_without_lol_html`.
fn index_options(language: String) -> PagefindServiceConfig {
    PagefindServiceConfig::builder()
        .force_language(language)
        .exclude_selectors(EXCLUDE.iter().map(|s| s.to_string()).collect())
        .build()
}

/// The indexer thread: receives `(position, page)` pairs, adds pages to
/// Pagefind in position order, then builds the bundle.
fn index_in_order(
    paths: &[String],
    receiver: &mpsc::Receiver<(usize, String)>,
    language: String,
    cancelled: &AtomicBool,
    finishing: &AtomicBool,
    previous_key: Option<String>,
) -> Result<Bundle, Error> {
    let err = |what: &str, e: &dyn std::fmt::Display| {
        Error::Other(format!("building the search index: {what}: {e}"))
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| err("starting the indexer", &e))?;
    let mut busy = Duration::ZERO;
    let mut key = InputKey::new(&language);
    let indexed = runtime.block_on(async {
        let mut index =
            PagefindIndex::new(Some(index_options(language))).map_err(|e| err("options", &e))?;
        // Pages go to Pagefind in batches, which it parses in parallel
        // (vendor/pagefind/CAREFUL.md); a batch keeps the order of the pages.
        let mut add = async |index: &mut PagefindIndex, batch: Vec<(String, String)>| {
            if cancelled.load(Ordering::Relaxed) {
                return Err(err("cancelled", &"the build stopped"));
            }
            let first = batch.first().map(|(p, _)| p.clone()).unwrap_or_default();
            let start = Instant::now();
            let added = index.add_html_files(batch).await;
            busy += start.elapsed();
            added.map(|_| ()).map_err(|e| err(&first, &e))
        };
        let mut waiting: BTreeMap<usize, String> = BTreeMap::new();
        let mut batch: Vec<(String, String)> = Vec::with_capacity(BATCH);
        let mut next = 0;
        let mut failed = None;
        // While pages come in, add each as soon as the ones before it are
        // in (whether the index is needed at all is known only at the end).
        // Once `finish` is called, pages still queued are only collected:
        // the key decides whether they are added.
        while let Ok((i, html)) = receiver.recv() {
            waiting.insert(i, html);
            if finishing.load(Ordering::Relaxed) {
                continue;
            }
            while let Some(entry) = waiting.first_entry() {
                if *entry.key() > next {
                    break;
                }
                let (i, html) = entry.remove_entry();
                next = i + 1;
                key.page(&paths[i], &html);
                if failed.is_none() {
                    batch.push((paths[i].clone(), html));
                }
                if batch.len() >= BATCH
                    && let Err(e) = add(&mut index, std::mem::take(&mut batch)).await
                {
                    failed = Some(e);
                }
            }
        }
        if let Some(e) = failed {
            return Err(e);
        }
        // Every page is in. What is still waiting (queued when `finish`
        // came, or after a page that never came) counts in the key, in
        // order, before anything else is added.
        for (&i, html) in &waiting {
            key.page(&paths[i], html);
        }
        let key = key.finish();
        if previous_key.as_deref() == Some(key.as_str()) {
            return Ok(Indexed::Unchanged);
        }
        batch.extend(
            waiting
                .into_iter()
                .map(|(i, html)| (paths[i].clone(), html)),
        );
        for part in batch_chunks(batch) {
            add(&mut index, part).await?;
        }
        let start = Instant::now();
        let files = index.get_files().await.map_err(|e| err("writing", &e));
        busy += start.elapsed();
        let mut out: Vec<OutputFile> = files?
            .into_iter()
            .filter_map(|f| {
                let name = f.filename.to_string_lossy().replace('\\', "/");
                published(&name).then(|| OutputFile {
                    path: format!("{BUNDLE_DIR}{name}"),
                    bytes: f.contents,
                })
            })
            .collect();
        out.push(OutputFile {
            path: format!("{BUNDLE_DIR}{INPUT_KEY}"),
            bytes: key.into_bytes(),
        });
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(Indexed::Built(out))
    })?;
    Ok((indexed, busy.as_secs_f64()))
}

/// How many pages the indexer hands Pagefind at a time: enough for its
/// parallel parse to keep both cores busy, few enough that pages wait only
/// briefly in memory before they are parsed.
const BATCH: usize = 128;

/// `pages` in batches of at most [`BATCH`], in order.
fn batch_chunks(mut pages: Vec<(String, String)>) -> Vec<Vec<(String, String)>> {
    let mut out = Vec::new();
    while pages.len() > BATCH {
        let rest = pages.split_off(BATCH);
        out.push(std::mem::replace(&mut pages, rest));
    }
    if !pages.is_empty() {
        out.push(pages);
    }
    out
}

/// The part of a rendered page the index reads: the `<html>` start tag, the
/// `<title>` and the `<main>` element. Everything else on the theme's pages
/// (skip link, header, navigation, breadcrumbs, call to action, footer) is
/// left out of the index by [`EXCLUDE`] anyway, so Pagefind builds the same
/// index from less HTML to parse and to hold. The one difference: Pagefind
/// no longer records the header's `id` as an anchor; that anchor has no text
/// and no title, so it never became a sub-result. A page laid out otherwise
/// (a site's own theme without `<main>`) is indexed whole.
fn indexed_part(html: &[u8]) -> String {
    // Rendered pages are UTF-8: `from_utf8` checks that faster than
    // `from_utf8_lossy` (most of this function's time at 10,000 pages).
    let text = match std::str::from_utf8(html) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(html),
    };
    let part = (|| {
        let open_start = text.find("<html")?;
        let open_end = open_start + text[open_start..].find('>')? + 1;
        let title_start = open_end + text[open_end..].find("<title")?;
        let title_end = title_start + text[title_start..].find("</title>")? + "</title>".len();
        let body = title_end + text[title_end..].find("<body")?;
        let main_start = body + text[body..].find("<main")?;
        let main_end = text.rfind("</main>")? + "</main>".len();
        (main_start < main_end).then(|| {
            let mut part = String::with_capacity(
                64 + (open_end - open_start) + (title_end - title_start) + (main_end - main_start),
            );
            part.push_str("<!DOCTYPE html>");
            part.push_str(&text[open_start..open_end]);
            part.push_str("<head>");
            part.push_str(&text[title_start..title_end]);
            part.push_str("</head><body>");
            part.push_str(&text[main_start..main_end]);
            part.push_str("</body></html>");
            part
        })
    })();
    part.unwrap_or_else(|| text.into_owned())
}

/// Whether Pagefind reads the part of the rendered page `html` it indexes
/// through its fast path for plain HTML, rather than parsing it again with
/// lol_html (vendor/pagefind/CAREFUL.md, change 20). Either way the index is
/// the same; the fast path takes about a third less time. The theme's pages
/// should take it, and the test suite checks that they do (issue 8).
pub fn indexed_without_lol_html(html: &[u8], language: &str) -> Result<bool, Error> {
    let err = |e: &dyn std::fmt::Display| Error::Other(format!("building the search index: {e}"));
    let index =
        PagefindIndex::new(Some(index_options(index_language(language)))).map_err(|e| err(&e))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| err(&e))?;
    Ok(runtime.block_on(index.reads_without_lol_html(&indexed_part(html))))
}

/// Writes a new bundle's files into `staging`, on every core, and returns
/// how many it wrote. A bundle is some 10,000 small files at 10,000 pages:
/// written one after another they kept one core busy for over a second at
/// the end of the build while the other had nothing to do (issue 8).
pub fn write_bundle(staging: &Staging, files: &[OutputFile]) -> Result<usize, Error> {
    use rayon::prelude::*;
    files
        .par_iter()
        .with_max_len(64)
        .try_for_each(|f| staging.write(&f.path, &f.bytes))?;
    Ok(files.len())
}

/// A search bundle as `serve` serves it: path (under [`BUNDLE_DIR`]) ->
/// bytes.
pub type Served = Arc<HashMap<String, Arc<[u8]>>>;

/// What a [`Refresher`] hands its `publish` callback.
#[derive(Debug)]
pub enum Refreshed {
    /// A new bundle, complete: serve it instead of the last one.
    Ready {
        /// The bundle's files, and the content-addressed files (`.pf_*`)
        /// of the bundle before it, for searches begun before the swap.
        files: Served,
        /// Pages in the index.
        pages: usize,
        /// Seconds from the request to the bundle.
        seconds: f64,
        /// True for the first bundle of this refresher.
        first: bool,
    },
    /// The index could not be built; the last bundle stays.
    Failed(Error),
}

/// How long the refresher waits after a request for the next one, so a
/// burst of saves gives one index build.
const REFRESH_QUIET: Duration = Duration::from_millis(250);

/// Never wait longer than this for a burst to end.
const REFRESH_MAX_WAIT: Duration = Duration::from_secs(2);

/// Returns the served HTML of the page at an output path.
type HtmlOf = Box<dyn Fn(&str) -> Option<Arc<[u8]>> + Send + Sync>;

/// A request: the pages to index and where their HTML is.
struct RefreshRequest {
    paths: Arc<Vec<String>>,
    language: String,
    html_of: HtmlOf,
}

/// The refresher's inbox: only the latest request is kept.
#[derive(Default)]
struct RefreshInbox {
    next: Option<RefreshRequest>,
    stop: bool,
}

/// Keeps `serve`'s search index in step with the site it serves (issue 5:
/// the preview must never lie, also in search results).
///
/// `serve` calls [`Refresher::request`] after every good rebuild; a thread
/// of its own builds the index from the served pages in the background, at
/// low priority on a thread pool of its own, so a rebuild (and the reload
/// it signals) never waits for it. Requests that come while an index is
/// being built are coalesced: only the latest is built next. A request
/// whose pages are all the same as the last built one's (a change to the
/// CSS, a static file, a page the index does not cover) builds nothing.
/// Each new bundle is handed over whole to the `publish` callback, which
/// swaps it in: a half-built bundle is never served.
pub struct Refresher {
    inbox: Arc<(std::sync::Mutex<RefreshInbox>, std::sync::Condvar)>,
    /// Set on drop: an index being built stops at its next batch.
    stopping: Arc<AtomicBool>,
}

impl std::fmt::Debug for Refresher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Refresher").finish_non_exhaustive()
    }
}

impl Refresher {
    /// Starts the refresher's thread; `publish` is called on it with each
    /// new bundle (or error).
    pub fn start(publish: impl Fn(Refreshed) + Send + 'static) -> Result<Refresher, Error> {
        let inbox = Arc::new((
            std::sync::Mutex::new(RefreshInbox::default()),
            std::sync::Condvar::new(),
        ));
        let stopping = Arc::new(AtomicBool::new(false));
        let (thread_inbox, thread_stopping) = (Arc::clone(&inbox), Arc::clone(&stopping));
        std::thread::Builder::new()
            .name("careleaf-search".into())
            .spawn(move || refresh_loop(&thread_inbox, &thread_stopping, &publish))
            .map_err(|e| Error::Other(format!("cannot start the search indexer: {e}")))?;
        Ok(Refresher { inbox, stopping })
    }

    /// Asks for the index of the pages at `paths` (output paths such as
    /// `articles/x/index.html`, as [`indexable_paths`] gives them), whose
    /// HTML `html_of` returns. Replaces a request not yet started; returns
    /// at once.
    pub fn request(
        &self,
        paths: Arc<Vec<String>>,
        language: &str,
        html_of: impl Fn(&str) -> Option<Arc<[u8]>> + Send + Sync + 'static,
    ) {
        let (lock, wake) = &*self.inbox;
        let mut inbox = lock.lock().unwrap_or_else(|p| p.into_inner());
        inbox.next = Some(RefreshRequest {
            paths,
            language: language.to_string(),
            html_of: Box::new(html_of),
        });
        wake.notify_all();
    }
}

impl Drop for Refresher {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::Relaxed);
        let (lock, wake) = &*self.inbox;
        lock.lock().unwrap_or_else(|p| p.into_inner()).stop = true;
        wake.notify_all();
    }
}

/// Lowers the calling thread's scheduling priority (Linux, per thread) to
/// SCHED_IDLE, so the index is built only with CPU time nothing else wants:
/// a rebuild that wakes up takes the core at once. Where that policy is
/// refused, the lowest nice value.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: both calls take plain values and a pointer to a local; on
    // Linux, pid/`who` 0 is the calling thread. A failure leaves the
    // priority as it was, which is only slower.
    unsafe {
        let param = libc::sched_param { sched_priority: 0 };
        if libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) != 0 {
            libc::setpriority(libc::PRIO_PROCESS, 0, 19);
        }
    }
}

/// The refresher's thread: waits for requests, builds, publishes.
fn refresh_loop(
    inbox: &(std::sync::Mutex<RefreshInbox>, std::sync::Condvar),
    stopping: &AtomicBool,
    publish: &dyn Fn(Refreshed),
) {
    lower_priority();
    let pool = rayon::ThreadPoolBuilder::new()
        .thread_name(|i| format!("careleaf-search-{i}"))
        .start_handler(|_| lower_priority())
        .build();
    let pool = match pool {
        Ok(pool) => pool,
        Err(e) => {
            publish(Refreshed::Failed(Error::Other(format!(
                "cannot start the search indexer's threads: {e}"
            ))));
            return;
        }
    };
    let (lock, wake) = inbox;
    // The last built request (its pages are compared with the next one's),
    // the key of its index, and its content-addressed files.
    let mut last: Option<RefreshRequest> = None;
    let mut last_key: Option<String> = None;
    let mut last_hashed: Vec<(String, Arc<[u8]>)> = Vec::new();
    loop {
        let mut request = {
            let guard = lock.lock().unwrap_or_else(|p| p.into_inner());
            let mut guard = wake
                .wait_while(guard, |i| i.next.is_none() && !i.stop)
                .unwrap_or_else(|p| p.into_inner());
            match guard.next.take() {
                Some(r) if !guard.stop => r,
                _ => return,
            }
        };
        let start = Instant::now();
        // A burst of saves: build once it is over.
        loop {
            let guard = lock.lock().unwrap_or_else(|p| p.into_inner());
            let (mut guard, _) = wake
                .wait_timeout_while(guard, REFRESH_QUIET, |i| i.next.is_none() && !i.stop)
                .unwrap_or_else(|p| p.into_inner());
            if guard.stop {
                return;
            }
            match guard.next.take() {
                Some(newer) => request = newer,
                None => break,
            }
            if start.elapsed() > REFRESH_MAX_WAIT {
                break;
            }
        }
        if !request.paths.is_sorted_by(|a, b| a < b) {
            let mut paths = Arc::unwrap_or_clone(std::mem::take(&mut request.paths));
            paths.sort();
            paths.dedup();
            request.paths = Arc::new(paths);
        }
        if last.as_ref().is_some_and(|l| same_pages(l, &request)) {
            continue;
        }
        let built = pool.install(|| index_served(&request, last_key.clone(), stopping));
        if stopping.load(Ordering::Relaxed) {
            return;
        }
        match built {
            Ok((Indexed::Built(files), _)) => {
                let key_path = format!("{BUNDLE_DIR}{INPUT_KEY}");
                last_key = files
                    .iter()
                    .find(|f| f.path == key_path)
                    .map(|f| String::from_utf8_lossy(&f.bytes).into_owned());
                let mut map: HashMap<String, Arc<[u8]>> = files
                    .into_iter()
                    .map(|f| (f.path, Arc::from(f.bytes)))
                    .collect();
                let hashed: Vec<(String, Arc<[u8]>)> = map
                    .iter()
                    .filter(|(p, _)| p.contains(".pf_"))
                    .map(|(p, b)| (p.clone(), Arc::clone(b)))
                    .collect();
                // A search begun on the last bundle (its entry file already
                // read) still finds that bundle's files; names are content
                // hashes, so they never clash with the new ones.
                for (p, b) in std::mem::replace(&mut last_hashed, hashed) {
                    map.entry(p).or_insert(b);
                }
                let pages = request.paths.len();
                let first = last.is_none();
                last = Some(request);
                publish(Refreshed::Ready {
                    files: Arc::new(map),
                    pages,
                    seconds: start.elapsed().as_secs_f64(),
                    first,
                });
            }
            Ok((Indexed::Unchanged, _)) => last = Some(request),
            Err(e) => publish(Refreshed::Failed(e)),
        }
    }
}

/// True when `b` asks for the same pages, with the same HTML, as `a`.
fn same_pages(a: &RefreshRequest, b: &RefreshRequest) -> bool {
    a.language == b.language
        && a.paths == b.paths
        && a.paths
            .iter()
            .all(|p| match ((a.html_of)(p), (b.html_of)(p)) {
                (Some(x), Some(y)) => Arc::ptr_eq(&x, &y) || x == y,
                (None, None) => true,
                _ => false,
            })
}

/// Builds the index for a request on the current thread (inside the
/// refresher's pool), while a second thread cuts out the indexed part of
/// each page and feeds it in.
fn index_served(
    request: &RefreshRequest,
    previous_key: Option<String>,
    stopping: &AtomicBool,
) -> Result<Bundle, Error> {
    let paths = &request.paths;
    // Bounded: pages wait in memory only a few batches ahead of the parser.
    let (sender, receiver) = mpsc::sync_channel::<(usize, String)>(2 * BATCH);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            lower_priority();
            for (i, path) in paths.iter().enumerate() {
                if let Some(html) = (request.html_of)(path)
                    && sender.send((i, indexed_part(&html))).is_err()
                {
                    break;
                }
            }
        });
        let built = index_in_order(
            paths,
            &receiver,
            index_language(&request.language),
            stopping,
            &AtomicBool::new(false),
            previous_key,
        );
        // Unblocks the feeder if the build stopped early.
        drop(receiver);
        built
    })
}

/// Copies the previous output's search bundle into `staging` unchanged
/// (files are hard-linked when possible) and returns how many files it
/// carried over. Used when `Config::reuse_search_index` is set; with no
/// previous bundle the new site simply has none until the next full build.
pub fn reuse_previous(staging: &Staging) -> Result<usize, Error> {
    let dir = staging.output().join(BUNDLE_DIR);
    if !dir.is_dir() {
        return Ok(0);
    }
    let mut n = 0;
    for entry in walkdir::WalkDir::new(&dir).sort_by_file_name() {
        let entry = entry.map_err(|e| Error::Other(format!("reading `{}`: {e}", dir.display())))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(staging.output()) else {
            continue;
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        staging.copy(&rel, entry.path())?;
        n += 1;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(title: &str, body: &str) -> String {
        format!(
            "<!DOCTYPE html><html lang=\"en\"><head><title>{title}</title></head><body>\
             <header class=\"site-header\">Book a consultation</header>\
             <main><h1>{title}</h1><p>{body}</p></main></body></html>"
        )
    }

    #[test]
    fn index_holds_the_runtime_and_data_but_not_the_bundled_uis() {
        let files = build_index(
            vec![
                (
                    "a/index.html".into(),
                    page("Peels", "Chemical peels exfoliate."),
                ),
                ("b/index.html".into(), page("Laser", "Laser hair removal.")),
            ],
            "en-GB",
        )
        .expect("index");
        let names: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert!(names.contains(&"pagefind/pagefind.js"), "{names:?}");
        assert!(names.contains(&"pagefind/pagefind-entry.json"));
        assert!(names.contains(&"pagefind/wasm.en.pagefind"));
        assert!(names.iter().any(|n| n.ends_with(".pf_fragment")));
        assert!(names.iter().any(|n| n.ends_with(".pf_index")));
        assert!(!names.iter().any(|n| n.contains("-ui.")), "{names:?}");
        assert!(!names.iter().any(|n| n.contains("playground")));
        let entry = files
            .iter()
            .find(|f| f.path == "pagefind/pagefind-entry.json")
            .expect("entry");
        let entry = String::from_utf8_lossy(&entry.bytes);
        assert!(entry.contains("\"page_count\":2"), "{entry}");
    }

    #[test]
    fn same_pages_give_the_same_index() {
        let pages = vec![
            ("b/index.html".to_string(), page("B", "Second page text.")),
            ("a/index.html".to_string(), page("A", "First page text.")),
        ];
        let mut reversed = pages.clone();
        reversed.reverse();
        let one = build_index(pages, "en").expect("index");
        let two = build_index(reversed, "en").expect("index");
        let paths = |v: &[OutputFile]| v.iter().map(|f| f.path.clone()).collect::<Vec<_>>();
        assert_eq!(paths(&one), paths(&two));
    }

    #[test]
    fn batches_keep_the_pages_in_order() {
        let pages: Vec<(String, String)> = (0..2 * BATCH + 3)
            .map(|i| (format!("p{i:04}"), String::new()))
            .collect();
        let batches = batch_chunks(pages.clone());
        assert_eq!(
            batches.iter().map(Vec::len).collect::<Vec<_>>(),
            [BATCH, BATCH, 3]
        );
        assert_eq!(batches.concat(), pages);
        assert!(batch_chunks(Vec::new()).is_empty());
    }

    /// More pages than one batch, in any order, give the same bundle byte
    /// for byte, and every page keeps its own words and URL.
    #[test]
    fn pages_over_several_batches_give_the_same_index_in_any_order() {
        let pages: Vec<(String, String)> = (0..BATCH + 40)
            .map(|i| {
                (
                    format!("articles/a{i:03}/index.html"),
                    page(&format!("Title {i}"), &format!("Body word{i:03}x here.")),
                )
            })
            .collect();
        let mut shuffled = pages.clone();
        shuffled.reverse();
        shuffled.swap(3, 70);
        let one = build_index(pages, "en").expect("index");
        let two = build_index(shuffled, "en").expect("index");
        let bytes = |v: &[OutputFile]| {
            v.iter()
                .map(|f| (f.path.clone(), f.bytes.clone()))
                .collect::<Vec<_>>()
        };
        assert!(
            bytes(&one) == bytes(&two),
            "the order of arrival changed the index"
        );
        let fragments = decoded(&one, ".pf_fragment");
        assert_eq!(fragments.len(), BATCH + 40);
        for i in [0, BATCH - 1, BATCH, BATCH + 39] {
            let word = format!("word{i:03}x");
            let with: Vec<&Vec<u8>> = fragments.iter().filter(|f| holds(f, &word)).collect();
            assert_eq!(with.len(), 1, "{word}");
            assert!(holds(with[0], &format!("\"url\":\"/articles/a{i:03}/\"")));
        }
    }

    #[test]
    fn can_be_called_from_inside_an_async_runtime() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let files = rt
            .block_on(async {
                build_index(vec![("a/index.html".into(), page("A", "Text."))], "en")
            })
            .expect("index");
        assert!(files.iter().any(|f| f.path == "pagefind/pagefind.js"));
    }

    /// The decompressed contents of the bundle files whose path ends with
    /// `ext` (Pagefind gzips them behind a `pagefind_dcd` signature).
    fn decoded(files: &[OutputFile], ext: &str) -> Vec<Vec<u8>> {
        use std::io::Read;
        files
            .iter()
            .filter(|f| f.path.ends_with(ext))
            .map(|f| {
                let mut out = Vec::new();
                flate2::read::GzDecoder::new(&f.bytes[..])
                    .read_to_end(&mut out)
                    .expect("gzip");
                assert!(out.starts_with(b"pagefind_dcd"), "{}", f.path);
                out
            })
            .collect()
    }

    fn holds(haystack: &[u8], needle: &str) -> bool {
        haystack
            .windows(needle.len())
            .any(|w| w == needle.as_bytes())
    }

    #[test]
    fn a_word_from_an_article_is_indexed_and_found_on_that_page() {
        let files = build_index(
            vec![
                (
                    "articles/peels/index.html".into(),
                    page("Peels", "Chemical peels exfoliate zyxwvut skin."),
                ),
                ("about/index.html".into(), page("About", "Who we are.")),
            ],
            "en",
        )
        .expect("index");
        let words = decoded(&files, ".pf_index");
        assert!(
            words.iter().any(|w| holds(w, "zyxwvut")),
            "word not indexed"
        );
        assert!(words.iter().any(|w| holds(w, "exfoli")), "stems indexed");
        // The header is excluded: its words are in no page's index.
        assert!(!words.iter().any(|w| holds(w, "consult")));
        let fragments = decoded(&files, ".pf_fragment");
        let with_word: Vec<&Vec<u8>> = fragments.iter().filter(|f| holds(f, "zyxwvut")).collect();
        assert_eq!(with_word.len(), 1, "one page has the word");
        assert!(holds(with_word[0], "\"url\":\"/articles/peels/\""));
        assert!(holds(with_word[0], "\"title\":\"Peels\""));
    }

    /// Words with diacritics are indexed without them and keep the form
    /// as written, also when the title has the word too (issue 8: the
    /// vendored Pagefind encodes these itself).
    #[test]
    fn a_word_with_diacritics_is_indexed_with_and_without_them() {
        let files = build_index(
            vec![
                (
                    "a/index.html".into(),
                    page("Café résumé", "The café serves crème brûlée; cafe."),
                ),
                ("b/index.html".into(), page("Other", "Señor café.")),
            ],
            "en",
        )
        .expect("index");
        let words = decoded(&files, ".pf_index");
        for w in [
            "cafe", "café", "resum", "résumé", "creme", "crème", "senor", "señor",
        ] {
            assert!(words.iter().any(|i| holds(i, w)), "{w} not indexed");
        }
    }

    #[test]
    fn the_indexed_part_of_a_page_gives_the_same_index_as_the_whole_page() {
        let whole = String::from(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">\
             <title>Peels | Clinic</title><script type=\"application/ld+json\">{}</script>\
             </head>\n<body><a class=\"skip-link\" href=\"#main\">Skip</a>\
             <header class=\"site-header\"><nav>Book a consultation</nav></header>\
             <main id=\"main\"><h1>Peels</h1><nav class=\"toc\">Contents</nav>\
             <h2 id=\"aftercare\">Aftercare</h2><p>Keep zyxwvut skin moist.</p></main>\
             <aside class=\"cta-band\">Book now</aside>\
             <footer class=\"site-footer\">Clinic address</footer></body></html>",
        );
        let part = indexed_part(whole.as_bytes());
        assert!(part.len() < whole.len());
        assert!(part.contains("<title>Peels | Clinic</title>"));
        assert!(part.contains("<h2 id=\"aftercare\">"));
        assert!(!part.contains("site-footer"));
        // The page as it is, without trimming, straight to the indexer
        // thread's loop.
        let paths = vec!["a/index.html".to_string()];
        let (sender, receiver) = mpsc::channel();
        sender.send((0, whole.clone())).expect("send");
        drop(sender);
        let (untrimmed, _) = index_in_order(
            &paths,
            &receiver,
            "en".into(),
            &AtomicBool::new(false),
            &AtomicBool::new(false),
            None,
        )
        .expect("index");
        let trimmed = build_index(vec![(paths[0].clone(), whole)], "en").expect("index");
        // Pagefind's files, not the record of its input (which differs).
        let bytes = |v: Vec<OutputFile>| {
            v.into_iter()
                .filter(|f| !f.path.ends_with(INPUT_KEY))
                .map(|f| (f.path, f.bytes))
                .collect::<Vec<_>>()
        };
        let (untrimmed, trimmed) = (bytes(built(untrimmed)), bytes(trimmed));
        assert!(untrimmed.len() > 5);
        assert!(untrimmed == trimmed, "the trimmed page gives another index");
        // Trimming an already trimmed page changes nothing.
        assert_eq!(indexed_part(part.as_bytes()), part);
    }

    #[test]
    fn a_page_without_main_is_indexed_whole() {
        let html = "<html><head><title>T</title></head><body><p>Text.</p></body></html>";
        assert_eq!(indexed_part(html.as_bytes()), html);
        let no_title = "<html><body><main><p>Text.</p></main></body></html>";
        assert_eq!(indexed_part(no_title.as_bytes()), no_title);
    }

    #[test]
    fn the_previous_bundle_is_kept_only_while_the_indexed_pages_are_the_same() {
        let out = tempfile::tempdir().expect("temp dir");
        let index = |pages: &[(&str, String)], previous: Option<&std::path::Path>| {
            let indexer = Indexer::start(pages.iter().map(|(p, _)| p.to_string()), "en", previous)
                .expect("start");
            // Pages arrive in any order, files the index skips too.
            indexer.add("tags/index.html", b"<html><main>Tags</main></html>");
            for (path, html) in pages.iter().rev() {
                indexer.add(path, html.as_bytes());
            }
            indexer.finish().expect("index").0
        };
        let pages = vec![
            ("a/index.html", page("A", "First page text.")),
            ("b/index.html", page("B", "Second page text.")),
        ];
        let Indexed::Built(files) = index(&pages, Some(out.path())) else {
            panic!("no previous bundle: built");
        };
        let key = files
            .iter()
            .find(|f| f.path == format!("{BUNDLE_DIR}{INPUT_KEY}"))
            .expect("input key in the bundle");
        assert!(String::from_utf8_lossy(&key.bytes).contains("2 pages"));
        for f in &files {
            let dest = out.path().join(&f.path);
            std::fs::create_dir_all(dest.parent().expect("parent")).expect("mkdir");
            std::fs::write(dest, &f.bytes).expect("write");
        }
        assert!(matches!(
            index(&pages, Some(out.path())),
            Indexed::Unchanged
        ));
        // Outside <main> is not indexed: a new header keeps the bundle.
        let mut header = pages.clone();
        header[0].1 = header[0].1.replace("Book a consultation", "Call us");
        assert!(matches!(
            index(&header, Some(out.path())),
            Indexed::Unchanged
        ));
        let mut edited = pages.clone();
        edited[1].1 = page("B", "Second page text, edited.");
        assert!(matches!(
            index(&edited, Some(out.path())),
            Indexed::Built(_)
        ));
        assert!(matches!(
            index(&pages[..1], Some(out.path())),
            Indexed::Built(_)
        ));
        assert!(matches!(index(&pages, None), Indexed::Built(_)));
        // A bundle with files missing is not reused.
        std::fs::remove_file(out.path().join("pagefind/pagefind.js")).expect("rm");
        assert!(matches!(index(&pages, Some(out.path())), Indexed::Built(_)));
    }

    #[test]
    fn language_is_the_primary_subtag() {
        assert_eq!(index_language("en-GB"), "en");
        assert_eq!(index_language("pt_BR"), "pt");
        assert_eq!(index_language(""), "en");
    }
}
