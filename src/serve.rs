//! `careleaf serve`: a local preview server with live reload.
//!
//! Owns the HTTP side (routing under the base path, content types, the 404
//! page, refusing path traversal, the `__careleaf/` endpoints: Server-Sent
//! Events, the live-reload script and the error overlay's stylesheet) and the
//! rebuild loop (watch -> incremental rebuild -> swap the served site ->
//! signal browsers). The site is built in memory and served from memory;
//! `public/` is never written. After a failed rebuild the last good site
//! stays up and every HTML page carries an overlay with the errors. State
//! lives in the `Server` value, never in statics.
//!
//! Must not: decide anything about content (the pipeline does) or write to
//! the site's folders.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use tokio::sync::broadcast;

use crate::config::{Config, Overrides};
use crate::diag::{self, Error, Severity};
use crate::frontmatter::Date;
use crate::incremental::{self, Update};
use crate::watch::{self, Change};

/// How `serve` runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// Interface to bind (`127.0.0.1`).
    pub host: String,
    /// Port to try first; the next free one is used if it is taken. 0 lets
    /// the system choose.
    pub port: u16,
    /// Print rebuild reports and diagnostics to stderr.
    pub verbose: bool,
}

/// The live-reload script (also in the default theme's static files).
const LIVERELOAD_JS: &str = include_str!("../themes/default/static/js/livereload.js");

/// The error overlay's stylesheet: a file, not inline styles, so pages with
/// a strict Content-Security-Policy still show it.
const OVERLAY_CSS: &str = r#"#careleaf-error {
  position: fixed; inset: 1rem 1rem auto 1rem; z-index: 2147483647;
  max-height: calc(100vh - 2rem); overflow: auto;
  background: #fff; color: #1a1a1a; border: 3px solid #b00020; border-radius: 8px;
  box-shadow: 0 8px 32px rgba(0, 0, 0, .35); padding: 1rem 1.25rem;
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif;
}
#careleaf-error h2 { margin: 0 0 .5rem; font-size: 1.25rem; color: #b00020; }
#careleaf-error p { margin: 0 0 .75rem; }
#careleaf-error pre {
  margin: 0 0 .75rem; padding: .75rem; background: #f6f6f6; color: #1a1a1a;
  white-space: pre-wrap; overflow-wrap: anywhere; font: 14px/1.45 ui-monospace, Menlo, Consolas, monospace;
}
#careleaf-error button {
  font: inherit; padding: .35rem .9rem; border: 2px solid #1a1a1a; border-radius: 4px;
  background: #1a1a1a; color: #fff; cursor: pointer;
}
#careleaf-error button:focus-visible { outline: 3px solid #0b57d0; outline-offset: 2px; }
@media (prefers-color-scheme: dark) {
  #careleaf-error { background: #1e1e1e; color: #eee; }
  #careleaf-error pre { background: #2a2a2a; color: #eee; }
  #careleaf-error button { background: #eee; color: #111; border-color: #eee; }
}
"#;

/// What the server serves right now.
#[derive(Debug, Default)]
struct Snapshot {
    /// Rendered files: output path -> bytes.
    files: incremental::Files,
    /// Files copied as is (`static/`, content assets): output path -> source.
    statics: Arc<HashMap<String, PathBuf>>,
    /// `/` or `/skin/`.
    base_path: String,
    /// The overlay HTML when the last rebuild failed.
    error: Option<Arc<str>>,
}

/// Shared between the HTTP handlers and the rebuild loop.
#[derive(Debug)]
struct Shared {
    snapshot: RwLock<Arc<Snapshot>>,
    /// The search index, rebuilt in the background after good builds
    /// (`search::Refresher`) and swapped in whole (issue 5).
    search: RwLock<Arc<HashMap<String, Arc<[u8]>>>>,
    reload: broadcast::Sender<u64>,
    builds: std::sync::atomic::AtomicU64,
}

impl Shared {
    fn snapshot(&self) -> Arc<Snapshot> {
        match self.snapshot.read() {
            Ok(s) => s.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn search(&self) -> Arc<HashMap<String, Arc<[u8]>>> {
        match self.search.read() {
            Ok(s) => s.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn replace(&self, snap: Snapshot) {
        let snap = Arc::new(snap);
        match self.snapshot.write() {
            Ok(mut s) => *s = snap,
            Err(poisoned) => *poisoned.into_inner() = snap,
        }
    }

    /// Tells every connected browser to reload.
    fn signal(&self) {
        let n = self
            .builds
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            + 1;
        // No receivers is fine: no browser is open.
        let _ = self.reload.send(n);
    }
}

/// Builds the site in memory, keeping caches between rebuilds.
struct Builder {
    overrides: Overrides,
    addr: SocketAddr,
    cache: incremental::Cache,
    outputs: incremental::Outputs,
    verbose: bool,
    failing: bool,
    /// After a good build of a site with search on: the pages to index and
    /// the language.
    search_input: Option<(Arc<Vec<String>>, String)>,
    /// Rebuilds the search index in the background (see `search.rs`).
    search: Option<crate::search::Refresher>,
    /// The configuration and theme of the last build, reused while only
    /// content files change.
    env: Option<(Config, crate::theme::Theme)>,
    /// The files to copy of the last good build, and its load's
    /// `View::generation`.
    statics: Option<(u64, Arc<HashMap<String, PathBuf>>)>,
}

/// A successful (re)build.
struct Built {
    update: Update,
    statics: Arc<HashMap<String, PathBuf>>,
    base_path: String,
    warnings: Vec<diag::Diagnostic>,
}

impl Builder {
    fn config(&self) -> Result<Config, Error> {
        let mut config = Config::load(&self.overrides)?;
        // Absolute links (canonical, feeds) point at the preview.
        config.base_url = format!("http://{}{}", self.addr, config.base_path);
        config.live_reload = true;
        Ok(config)
    }

    fn build(&mut self, changes: &[Change]) -> Result<Built, Error> {
        // Only Markdown files under content/ changed: the configuration and
        // theme of the last build still hold, and the cache may patch the
        // last site instead of loading everything (see `incremental`).
        let edited: Option<Vec<String>> = (!changes.is_empty()
            && changes
                .iter()
                .all(|c| matches!(c, Change::Content(rel) if rel.ends_with(".md"))))
        .then(|| {
            changes
                .iter()
                .filter_map(|c| match c {
                    Change::Content(rel) => Some(rel.clone()),
                    _ => None,
                })
                .collect()
        });
        for c in changes {
            match c {
                Change::Content(rel) => self.cache.mark_changed(rel),
                Change::Template | Change::Config => self.outputs.clear(),
                Change::Static | Change::Ignored => {}
            }
        }
        let env = match (edited.is_some(), self.env.take()) {
            (true, Some(env)) => env,
            _ => {
                let config = self.config()?;
                let theme = crate::theme::load(&config.root, &config.site.theme)?;
                (config, theme)
            }
        };
        let (config, theme) = &*self.env.insert(env);
        let view = self.cache.load(config, Date::today(), edited.as_deref())?;
        let loaded = view.loaded;
        if loaded.errors() > 0 {
            let count = loaded.errors();
            return Err(Error::Content {
                count,
                diagnostics: loaded.diagnostics.clone(),
            });
        }
        let update = self.outputs.update_view(&view, config, theme)?;
        // The pages the search index covers; a patch adds or removes none,
        // but may move one to another URL (a new slug).
        if !config.site.search {
            self.search_input = None;
        } else if view.patch.as_ref().is_none_or(|p| p.moved) || self.search_input.is_none() {
            let mut paths: Vec<String> = crate::search::indexable_paths(&loaded.site)
                .into_iter()
                .collect();
            paths.sort();
            self.search_input = Some((Arc::new(paths), config.site.language.clone()));
        }
        // A patch adds or removes no file: the list of the load it patched
        // still holds.
        let statics = match (&view.patch, &self.statics) {
            (Some(patch), Some((generation, statics))) if patch.from == *generation => {
                statics.clone()
            }
            _ => Arc::new(
                loaded
                    .statics
                    .iter()
                    .chain(loaded.assets.iter())
                    .cloned()
                    .collect(),
            ),
        };
        self.statics = Some((view.generation, statics.clone()));
        // Warnings are printed after the first build and after a fix.
        let warnings = if changes.is_empty() || self.failing {
            loaded.diagnostics.clone()
        } else {
            Vec::new()
        };
        Ok(Built {
            update,
            statics,
            base_path: config.base_path.clone(),
            warnings,
        })
    }

    /// Asks for the search index of the site just published; with search
    /// off, serves none.
    fn refresh_search(&self, shared: &Shared) {
        match (&self.search_input, &self.search) {
            (Some((paths, language)), Some(search)) => {
                let files = self.outputs.files().clone();
                search.request(Arc::clone(paths), language, move |p| files.get(p).cloned());
            }
            (None, _) => match shared.search.write() {
                Ok(mut s) => *s = Arc::default(),
                Err(poisoned) => *poisoned.into_inner() = Arc::default(),
            },
            (Some(_), None) => {}
        }
    }

    /// Rebuilds and publishes the result (or the error) to `shared`.
    fn rebuild(&mut self, shared: &Shared, changes: &[Change]) {
        let start = Instant::now();
        match self.build(changes) {
            Ok(built) => {
                let elapsed = start.elapsed();
                let was_failing = std::mem::replace(&mut self.failing, false);
                let statics_changed = changes.iter().any(|c| {
                    matches!(c, Change::Static)
                        || matches!(c, Change::Content(rel) if !rel.ends_with(".md"))
                });
                let changed = !built.update.is_empty() || statics_changed;
                shared.replace(Snapshot {
                    files: self.outputs.files().clone(),
                    statics: built.statics,
                    base_path: built.base_path,
                    error: None,
                });
                if self.verbose {
                    if was_failing {
                        eprintln!("Fixed: the site builds again.");
                    }
                    if !built.warnings.is_empty() && (changes.is_empty() || was_failing) {
                        crate::print_diagnostics(&built.warnings);
                    }
                    let u = &built.update;
                    eprintln!(
                        "{} in {} ms: {} files changed, {} removed ({} render jobs{})",
                        if changes.is_empty() {
                            "Built"
                        } else {
                            "Rebuilt"
                        },
                        elapsed.as_millis(),
                        u.changed.len(),
                        u.removed.len(),
                        u.jobs,
                        if u.full { ", full" } else { "" }
                    );
                }
                if changed || was_failing {
                    shared.signal();
                }
                // After the signal: the reload never waits for the index.
                self.refresh_search(shared);
            }
            Err(e) => {
                self.failing = true;
                if self.verbose {
                    crate::report_error(&e);
                    eprintln!("Still serving the last good version of the site.");
                }
                let old = shared.snapshot();
                // Before the first good build the base path comes from the
                // configuration (when it loads), so the error shows there.
                let base_path = if old.base_path.is_empty() {
                    self.config()
                        .map_or_else(|_| "/".to_string(), |c| c.base_path)
                } else {
                    old.base_path.clone()
                };
                let overlay = overlay_html(&e, &base_path);
                shared.replace(Snapshot {
                    files: old.files.clone(),
                    statics: old.statics.clone(),
                    base_path,
                    error: Some(Arc::from(overlay)),
                });
                shared.signal();
            }
        }
    }
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The error overlay: the same text the terminal shows, without colour.
fn overlay_html(e: &Error, base_path: &str) -> String {
    let text = match e {
        Error::Content { diagnostics, .. } => diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| diag::render_human(d, false))
            .collect::<Vec<_>>()
            .join("\n"),
        Error::Config(d) => format!("{}error: {e}", diag::render_human(d, false)),
        other => {
            let mut s = format!("error: {other}");
            let mut src = std::error::Error::source(other);
            while let Some(x) = src {
                s.push_str(&format!("\n  caused by: {x}"));
                src = x.source();
            }
            s
        }
    };
    let base = if base_path.is_empty() { "/" } else { base_path };
    format!(
        "<link rel=\"stylesheet\" href=\"{base}__careleaf/overlay.css\">\n\
         <div id=\"careleaf-error\" role=\"alertdialog\" aria-labelledby=\"careleaf-error-title\" aria-describedby=\"careleaf-error-text\" tabindex=\"-1\">\n\
         <h2 id=\"careleaf-error-title\">The site could not be rebuilt</h2>\n\
         <p>This is the last version that built. Fix the problem below and save: this page reloads by itself.</p>\n\
         <pre id=\"careleaf-error-text\">{}</pre>\n\
         <button type=\"button\" data-careleaf-dismiss>Dismiss</button>\n\
         </div>\n\
         <script src=\"{base}__careleaf/livereload.js\" defer></script>\n",
        escape(text.trim_end())
    )
}

/// Decodes `%XX` escapes; `None` for a bad escape or bytes that are not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Where a request goes.
#[derive(Debug, PartialEq, Eq)]
enum Route {
    /// A redirect with this status to this location.
    Redirect(StatusCode, String),
    /// A rendered file (output path).
    File(String),
    /// The live-reload event stream.
    Events,
    /// The live-reload script.
    Script,
    /// The overlay stylesheet.
    OverlayCss,
    /// Nothing there.
    NotFound,
    /// A path that tries to leave the site (`..`, backslashes, absolute).
    Refused,
}

/// Routes a request path (still percent-encoded) against the served files.
fn route(
    snap: &Snapshot,
    raw_path: &str,
    query: Option<&str>,
    has: impl Fn(&str) -> bool,
) -> Route {
    let base = if snap.base_path.is_empty() {
        "/"
    } else {
        snap.base_path.as_str()
    };
    let Some(path) = percent_decode(raw_path) else {
        return Route::Refused;
    };
    if path.contains('\\') || path.contains('\0') || !path.starts_with('/') {
        return Route::Refused;
    }
    if path
        .split('/')
        .any(|seg| seg == ".." || seg == "." || seg.contains(':'))
    {
        return Route::Refused;
    }
    let with_query = |p: String| match query {
        Some(q) => format!("{p}?{q}"),
        None => p,
    };
    if path == "/" && base != "/" {
        return Route::Redirect(StatusCode::FOUND, base.to_string());
    }
    if format!("{path}/") == base {
        return Route::Redirect(StatusCode::MOVED_PERMANENTLY, with_query(base.to_string()));
    }
    let Some(rel) = path.strip_prefix(base) else {
        return Route::NotFound;
    };
    if rel.starts_with('/') {
        // `//etc/passwd`: an absolute path after the base.
        return Route::Refused;
    }
    match rel {
        "__careleaf/events" => return Route::Events,
        "__careleaf/livereload.js" => return Route::Script,
        "__careleaf/overlay.css" => return Route::OverlayCss,
        _ => {}
    }
    if rel.is_empty() || rel.ends_with('/') {
        let index = format!("{rel}index.html");
        return if has(&index) {
            Route::File(index)
        } else {
            Route::NotFound
        };
    }
    if has(rel) {
        return Route::File(rel.to_string());
    }
    if has(&format!("{rel}/index.html")) {
        return Route::Redirect(
            StatusCode::MOVED_PERMANENTLY,
            with_query(format!("{base}{rel}/")),
        );
    }
    Route::NotFound
}

/// The content type of an output path, by extension.
pub fn content_type(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or(path);
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match (name, ext.as_str()) {
        ("atom.xml", _) => "application/atom+xml; charset=utf-8",
        (_, "html" | "htm") => "text/html; charset=utf-8",
        (_, "css") => "text/css; charset=utf-8",
        (_, "js" | "mjs") => "text/javascript; charset=utf-8",
        (_, "json" | "map") => "application/json",
        (_, "xml") => "application/xml; charset=utf-8",
        (_, "txt" | "md") => "text/plain; charset=utf-8",
        (_, "svg") => "image/svg+xml",
        (_, "png") => "image/png",
        (_, "jpg" | "jpeg") => "image/jpeg",
        (_, "gif") => "image/gif",
        (_, "webp") => "image/webp",
        (_, "avif") => "image/avif",
        (_, "ico") => "image/x-icon",
        (_, "woff") => "font/woff",
        (_, "woff2") => "font/woff2",
        (_, "ttf") => "font/ttf",
        (_, "pdf") => "application/pdf",
        (_, "wasm") => "application/wasm",
        (_, "mp4") => "video/mp4",
        (_, "webm") => "video/webm",
        (_, "mp3") => "audio/mpeg",
        (_, "webmanifest") => "application/manifest+json",
        _ => "application/octet-stream",
    }
}

fn with_overlay(bytes: &[u8], overlay: &str) -> Vec<u8> {
    let mut v = bytes.to_vec();
    let pos = v
        .windows(7)
        .rposition(|w| w.eq_ignore_ascii_case(b"</body>"))
        .unwrap_or(v.len());
    v.splice(pos..pos, overlay.bytes());
    v
}

fn respond(status: StatusCode, ctype: &str, body: Vec<u8>, head: bool) -> Response {
    let len = body.len();
    let mut r = if head {
        Response::new(Body::empty())
    } else {
        Response::new(Body::from(body))
    };
    *r.status_mut() = status;
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(ctype) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    // A preview must never show a stale page.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    r
}

const FALLBACK_404: &str = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Page not found</title></head>\n<body><main><h1>Page not found</h1><p>There is no page at this address.</p></main></body></html>\n";

fn html_response(snap: &Snapshot, status: StatusCode, bytes: &[u8], head: bool) -> Response {
    let body = match &snap.error {
        Some(overlay) => with_overlay(bytes, overlay),
        None => bytes.to_vec(),
    };
    respond(status, "text/html; charset=utf-8", body, head)
}

async fn handle(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let head = req.method() == Method::HEAD;
    if req.method() != Method::GET && !head {
        let mut r = respond(
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain; charset=utf-8",
            b"method not allowed\n".to_vec(),
            false,
        );
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    let snap = shared.snapshot();
    let search = shared.search();
    let has = |rel: &str| {
        snap.files.contains_key(rel) || snap.statics.contains_key(rel) || search.contains_key(rel)
    };
    match route(&snap, req.uri().path(), req.uri().query(), has) {
        Route::Redirect(status, location) => {
            let mut r = respond(status, "text/plain; charset=utf-8", Vec::new(), head);
            if let Ok(v) = HeaderValue::from_str(&location) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            r
        }
        Route::Refused => respond(
            StatusCode::BAD_REQUEST,
            "text/plain; charset=utf-8",
            b"bad request: this path is not part of the site\n".to_vec(),
            head,
        ),
        Route::Script => respond(
            StatusCode::OK,
            content_type("x.js"),
            LIVERELOAD_JS.as_bytes().to_vec(),
            head,
        ),
        Route::OverlayCss => respond(
            StatusCode::OK,
            content_type("x.css"),
            OVERLAY_CSS.as_bytes().to_vec(),
            head,
        ),
        Route::Events => events(&shared),
        Route::File(rel) => {
            let ctype = content_type(&rel);
            if let Some(bytes) = snap.files.get(&rel) {
                if ctype.starts_with("text/html") {
                    return html_response(&snap, StatusCode::OK, bytes, head);
                }
                return respond(StatusCode::OK, ctype, bytes.to_vec(), head);
            }
            if let Some(bytes) = search.get(&rel) {
                return respond(StatusCode::OK, ctype, bytes.to_vec(), head);
            }
            match snap.statics.get(&rel).map(std::fs::read) {
                Some(Ok(bytes)) => respond(StatusCode::OK, ctype, bytes, head),
                _ => not_found(&snap, head),
            }
        }
        Route::NotFound => not_found(&snap, head),
    }
}

fn not_found(snap: &Snapshot, head: bool) -> Response {
    let page = snap
        .files
        .get("404.html")
        .map_or(FALLBACK_404.as_bytes(), |b| &b[..]);
    html_response(snap, StatusCode::NOT_FOUND, page, head)
}

/// The Server-Sent Events stream: a comment when connected (so a client
/// knows it is subscribed), `event: reload` after each rebuild, a comment
/// every 15 s to keep proxies from closing it.
fn events(shared: &Shared) -> Response {
    let rx = shared.reload.subscribe();
    let stream = futures_util::stream::unfold((rx, true), |(mut rx, first)| async move {
        if first {
            let hello = Bytes::from_static(b": connected\n\n");
            return Some((Ok::<Bytes, Infallible>(hello), (rx, false)));
        }
        let msg = match tokio::time::timeout(Duration::from_secs(15), rx.recv()).await {
            Ok(Ok(n)) => format!("event: reload\ndata: {n}\n\n"),
            Ok(Err(broadcast::error::RecvError::Lagged(_))) => "event: reload\ndata: 0\n\n".into(),
            Ok(Err(broadcast::error::RecvError::Closed)) => return None,
            Err(_) => ": ping\n\n".into(),
        };
        Some((Ok(Bytes::from(msg)), (rx, false)))
    });
    let mut r = Response::new(Body::from_stream(stream));
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// Starts the search index's refresher, which swaps each new bundle into
/// `shared` whole. Search works once the first bundle is ready.
fn start_search(shared: &Arc<Shared>, verbose: bool) -> Option<crate::search::Refresher> {
    let shared = Arc::clone(shared);
    let started = crate::search::Refresher::start(move |refreshed| match refreshed {
        crate::search::Refreshed::Ready {
            files,
            pages,
            seconds,
            first,
        } => {
            match shared.search.write() {
                Ok(mut s) => *s = files,
                Err(poisoned) => *poisoned.into_inner() = files,
            }
            if verbose {
                let what = if first { "ready" } else { "updated" };
                eprintln!("Search index {what} ({pages} pages, {seconds:.1} s).");
            }
        }
        crate::search::Refreshed::Failed(e) => {
            if verbose {
                eprintln!("warning: the search index could not be built: {e}");
            }
        }
    });
    match started {
        Ok(r) => Some(r),
        Err(e) => {
            if verbose {
                eprintln!("warning: {e}");
            }
            None
        }
    }
}

/// Binds `host:port`, or the next free port when it is taken (up to 20
/// further). Returns the listener and, when it moved, the busy port.
fn bind(host: &str, port: u16) -> Result<(std::net::TcpListener, Option<u16>), Error> {
    let last = if port == 0 {
        0
    } else {
        port.saturating_add(20)
    };
    let mut p = port;
    loop {
        match std::net::TcpListener::bind((host, p)) {
            Ok(l) => return Ok((l, (p != port).then_some(port))),
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse && p < last => p += 1,
            Err(e) => {
                return Err(Error::Other(format!(
                    "cannot listen on {host}:{p}: {e}{}",
                    if e.kind() == std::io::ErrorKind::AddrInUse {
                        format!(" (ports {port}-{last} are all busy; try --port)")
                    } else {
                        String::new()
                    }
                )));
            }
        }
    }
}

/// A running preview server. Dropping it (or `stop`) shuts it down.
pub struct Server {
    url: String,
    addr: SocketAddr,
    busy_port: Option<u16>,
    shared: Arc<Shared>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    rebuilder: Option<std::thread::JoinHandle<()>>,
    watcher: Option<watch::Watcher>,
}

impl Server {
    /// Loads the configuration, binds, builds the site and starts serving
    /// and watching. A content error in the first build is not fatal: the
    /// server starts and shows it. A bad `site.yaml` is (the base path is
    /// not known).
    pub fn start(overrides: Overrides, options: &Options) -> Result<Server, Error> {
        let mut overrides = overrides;
        if let Some(root) = &overrides.root {
            // The watcher reports absolute paths.
            overrides.root = Some(std::fs::canonicalize(root).map_err(|source| Error::Io {
                action: "opening the site folder",
                path: root.clone(),
                source,
            })?);
        }
        let root = overrides.root.clone().unwrap_or_else(|| PathBuf::from("."));
        Config::load(&overrides)?;
        let (listener, busy_port) = bind(&options.host, options.port)?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::Other(format!("cannot read the server address: {e}")))?;
        let (reload, _) = broadcast::channel(16);
        let shared = Arc::new(Shared {
            snapshot: RwLock::new(Arc::new(Snapshot::default())),
            search: RwLock::new(Arc::new(HashMap::new())),
            reload,
            builds: std::sync::atomic::AtomicU64::new(0),
        });
        let mut builder = Builder {
            overrides,
            addr,
            cache: incremental::Cache::default(),
            outputs: incremental::Outputs::default(),
            verbose: options.verbose,
            failing: false,
            search_input: None,
            search: start_search(&shared, options.verbose),
            env: None,
            statics: None,
        };
        builder.rebuild(&shared, &[]);
        let base_path = {
            let s = shared.snapshot();
            if s.base_path.is_empty() {
                "/".to_string()
            } else {
                s.base_path.clone()
            }
        };
        let url = format!("http://{addr}{base_path}");

        // Rebuild loop: batches from the watcher, drained so a burst of
        // saves gives one rebuild.
        let (tx, rx) = std::sync::mpsc::channel::<Vec<Change>>();
        let verbose = options.verbose;
        let watcher = watch::watch(&root, move |res| match res {
            Ok(changes) => {
                let _ = tx.send(changes);
            }
            Err(msg) => {
                if verbose {
                    eprintln!("warning: file watcher: {msg}");
                }
            }
        })
        .map_err(Error::Other)?;
        let shared_rb = shared.clone();
        let root_rb = root.clone();
        let rebuilder = std::thread::Builder::new()
            .name("careleaf-rebuild".into())
            .spawn(move || {
                while let Ok(mut changes) = rx.recv() {
                    while let Ok(more) = rx.try_recv() {
                        changes.extend(more);
                    }
                    // A file that is gone may be a save in progress: wait
                    // for quiet (see `watch::settles`).
                    let exists = |rel: &str| root_rb.join(rel).exists();
                    if watch::settles(&changes, exists) {
                        while let Ok(more) = rx.recv_timeout(watch::SETTLE) {
                            changes.extend(more);
                        }
                    }
                    changes.sort();
                    changes.dedup();
                    // A bug must not end the preview: report it, start the
                    // next rebuild from scratch.
                    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        builder.rebuild(&shared_rb, &changes)
                    }));
                    if run.is_err() {
                        builder.cache.clear();
                        builder.outputs.clear();
                        builder.env = None;
                        builder.failing = true;
                        let e = Error::Other(
                            "internal error while rebuilding (a bug in careleaf; please report it); save again to retry".into(),
                        );
                        if builder.verbose {
                            crate::report_error(&e);
                        }
                        let old = shared_rb.snapshot();
                        shared_rb.replace(Snapshot {
                            files: old.files.clone(),
                            statics: old.statics.clone(),
                            base_path: old.base_path.clone(),
                            error: Some(Arc::from(overlay_html(&e, &old.base_path))),
                        });
                        shared_rb.signal();
                    }
                }
            })
            .map_err(|e| Error::Other(format!("cannot start the rebuild thread: {e}")))?;

        listener
            .set_nonblocking(true)
            .map_err(|e| Error::Other(format!("cannot configure the listener: {e}")))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| Error::Other(format!("cannot start the server runtime: {e}")))?;
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let thread = std::thread::Builder::new()
            .name("careleaf-http".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                        return;
                    };
                    tokio::select! {
                        r = axum::serve(listener, app) => {
                            if let Err(e) = r {
                                eprintln!("error: the server stopped: {e}");
                            }
                        }
                        _ = stop_rx => {}
                    }
                });
                runtime.shutdown_background();
            })
            .map_err(|e| Error::Other(format!("cannot start the server thread: {e}")))?;
        Ok(Server {
            url,
            addr,
            busy_port,
            shared,
            shutdown: Some(stop_tx),
            thread: Some(thread),
            rebuilder: Some(rebuilder),
            watcher: Some(watcher),
        })
    }

    /// The site's address, with the base path (`http://127.0.0.1:1111/skin/`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The port asked for, when it was busy and another was used.
    pub fn busy_port(&self) -> Option<u16> {
        self.busy_port
    }

    /// How many reload signals were sent so far.
    pub fn reloads(&self) -> u64 {
        self.shared.builds.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Blocks until the server stops (it runs until the process is ended).
    pub fn wait(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    /// Stops watching and serving.
    pub fn stop(mut self) {
        self.shutdown_now();
    }

    fn shutdown_now(&mut self) {
        // Dropping the watcher closes the channel, which ends the rebuild loop.
        self.watcher.take();
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        if let Some(t) = self.rebuilder.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown_now();
    }
}

/// Opens `url` in the default browser; a failure is only reported.
pub fn open_browser(url: &str) {
    let result = if cfg!(target_os = "macos") {
        std::process::Command::new("open").arg(url).spawn()
    } else if cfg!(windows) {
        std::process::Command::new("cmd")
            .args(["/C", "start", "", url])
            .spawn()
    } else {
        std::process::Command::new("xdg-open").arg(url).spawn()
    };
    if let Err(e) = result {
        eprintln!("warning: could not open a browser ({e}); open {url} yourself");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(base: &str, files: &[&str]) -> Snapshot {
        Snapshot {
            files: files
                .iter()
                .map(|f| (f.to_string(), Arc::from(&b""[..])))
                .collect(),
            statics: Arc::default(),
            base_path: base.into(),
            error: None,
        }
    }

    fn r(s: &Snapshot, path: &str) -> Route {
        route(s, path, None, |rel| s.files.contains_key(rel))
    }

    #[test]
    fn routes_under_the_base_path() {
        let s = snap("/skin/", &["index.html", "a/index.html", "css/x.css"]);
        assert_eq!(r(&s, "/skin/"), Route::File("index.html".into()));
        assert_eq!(r(&s, "/skin/a/"), Route::File("a/index.html".into()));
        assert_eq!(r(&s, "/skin/css/x.css"), Route::File("css/x.css".into()));
        assert_eq!(
            r(&s, "/skin/a"),
            Route::Redirect(StatusCode::MOVED_PERMANENTLY, "/skin/a/".into())
        );
        assert_eq!(
            r(&s, "/skin"),
            Route::Redirect(StatusCode::MOVED_PERMANENTLY, "/skin/".into())
        );
        assert_eq!(
            r(&s, "/"),
            Route::Redirect(StatusCode::FOUND, "/skin/".into())
        );
        assert_eq!(r(&s, "/a/"), Route::NotFound);
        assert_eq!(r(&s, "/skin/b/"), Route::NotFound);
        assert_eq!(r(&s, "/skin/__careleaf/events"), Route::Events);
        assert_eq!(r(&s, "/skin/%61/"), Route::File("a/index.html".into()));
    }

    #[test]
    fn traversal_is_refused() {
        let s = snap("/", &["index.html"]);
        for p in [
            "/../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/a/%2E%2E/%2e%2e/x",
            "/..%2fetc",
            "/..%5c..%5cCargo.toml",
            "/a\\b",
            "//etc/passwd",
            "/C:/Windows/win.ini",
            "/%00",
            "/%zz",
            "/%c3%28",
        ] {
            assert_eq!(r(&s, p), Route::Refused, "{p}");
        }
    }

    #[test]
    fn query_strings_survive_redirects() {
        let s = snap("/", &["a/index.html"]);
        assert_eq!(
            route(&s, "/a", Some("x=1"), |rel| s.files.contains_key(rel)),
            Route::Redirect(StatusCode::MOVED_PERMANENTLY, "/a/?x=1".into())
        );
    }

    #[test]
    fn content_types_by_extension() {
        assert_eq!(content_type("a/index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("css/x.css"), "text/css; charset=utf-8");
        assert_eq!(content_type("js/x.js"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("img/a.PNG"), "image/png");
        assert_eq!(
            content_type("atom.xml"),
            "application/atom+xml; charset=utf-8"
        );
        assert_eq!(
            content_type("sitemap.xml"),
            "application/xml; charset=utf-8"
        );
        assert_eq!(content_type("favicon.svg"), "image/svg+xml");
        assert_eq!(content_type(".nojekyll"), "application/octet-stream");
    }

    #[test]
    fn overlay_goes_before_the_last_body_end_tag() {
        let v = with_overlay(b"<body><p>x</p></body></html>", "<div>E</div>");
        assert_eq!(
            String::from_utf8_lossy(&v),
            "<body><p>x</p><div>E</div></body></html>"
        );
    }

    #[test]
    fn overlay_escapes_the_message() {
        let e = Error::Other("bad <script>".into());
        let html = overlay_html(&e, "/skin/");
        assert!(html.contains("bad &lt;script&gt;"));
        assert!(html.contains("href=\"/skin/__careleaf/overlay.css\""));
        assert!(html.contains("role=\"alertdialog\""));
        assert!(!html.contains("style="));
    }
}
