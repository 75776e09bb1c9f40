//! careleaf: a static site generator for clinics' patient-education sites.
//!
//! The pipeline, stage by stage: `config::Config::load` -> `source::discover`
//! -> `model::build` (front matter, Markdown, indexes) -> `check::run` ->
//! `render` (in memory, streamed) -> `output::Staging` (atomic swap).

pub mod alloc;
pub mod check;
pub mod cli;
pub mod config;
pub mod diag;
pub mod fingerprint;
pub mod frontmatter;
pub mod incremental;
pub mod init;
pub mod markdown;
pub mod model;
pub mod output;
pub mod pages;
pub mod related;
pub mod render;
pub mod scaffold;
pub mod search;
pub mod seo;
#[cfg(feature = "serve")]
pub mod serve;
pub mod source;
pub mod theme;
#[cfg(feature = "serve")]
pub mod watch;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;

use crate::cli::{Cli, Command, Format, SiteArgs};
use crate::config::{Config, Overrides};
use crate::diag::{Diagnostic, Error, Location, Severity};
use crate::frontmatter::Date;
use crate::model::{Input, Site};
use crate::source::Kind;

/// A loaded site: the model, its diagnostics and the files to copy.
#[derive(Debug)]
pub struct Loaded {
    /// The site.
    pub site: Site,
    /// Every diagnostic from parsing, resolving and checking, sorted.
    pub diagnostics: Vec<Diagnostic>,
    /// `static/` files: (output path, source path).
    pub statics: Vec<(String, PathBuf)>,
    /// Content assets: (output path, source path).
    pub assets: Vec<(String, PathBuf)>,
    /// A one-off load's Markdown files, with `fingerprint::file_hash` of the
    /// bytes it read (for `build`'s fingerprint); empty for `load_cached`.
    pub read: Vec<(PathBuf, u64)>,
}

impl Loaded {
    /// Number of error diagnostics.
    pub fn errors(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }
}

/// Reads a source file; with `hash`, also works out its
/// `fingerprint::file_hash`.
pub(crate) fn read_input(file: source::SourceFile, hash: bool) -> Input {
    let bytes = match std::fs::read(&file.path) {
        Ok(bytes) => bytes,
        Err(e) => {
            let text = Err(Diagnostic::error(
                Location::new(&file.rel, 1, 1),
                "source.unreadable",
                format!("cannot read this file: {e}"),
            ));
            return Input {
                file,
                text,
                hash: None,
            };
        }
    };
    // A one-off build's fingerprint takes this instead of reading the file
    // a second time (`build`).
    let hash = hash.then(|| fingerprint::file_hash(&file.path, &bytes));
    let text = match String::from_utf8(bytes) {
        Ok(s) => {
            let s = s.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(s);
            Ok(Arc::from(s))
        }
        Err(e) => {
            let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let good = String::from_utf8_lossy(good);
            let line = good.matches('\n').count() + 1;
            let col = good.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            Err(Diagnostic::error(
                Location::new(&file.rel, line, col),
                "source.not-utf8",
                "this file is not UTF-8 text",
            )
            .with_help("save the file as UTF-8 in your editor (\"Save with encoding\" > UTF-8)")
            .with_source(&String::from_utf8_lossy(e.as_bytes()), 1))
        }
    };
    Input { file, text, hash }
}

/// Reads and resolves the whole site, and runs the content checks.
pub fn load(config: &Config, today: Date) -> Result<Loaded, Error> {
    let mut cache = incremental::Cache::default();
    cache.checks = check::PageChecks::one_shot();
    cache.one_shot = true;
    cache.parse.one_shot = true;
    load_cached(config, today, &mut cache)
}

/// `load`, reusing the texts and parse results of files that did not change
/// since the last call with the same cache (`serve`; see `incremental.rs`).
pub fn load_cached(
    config: &Config,
    today: Date,
    cache: &mut incremental::Cache,
) -> Result<Loaded, Error> {
    // The files of the last load, when the watcher says no file came or
    // went (see `incremental::Cache::hinted`).
    let walk = match cache.walk.take().filter(|_| cache.hinted) {
        Some(walk) => walk,
        None => {
            let (files, diagnostics) = source::discover(&config.root)?;
            let statics = source::list_static(&config.root.join("static"))?;
            incremental::Walk {
                files,
                diagnostics,
                statics,
            }
        }
    };
    if !cache.one_shot {
        cache.walk = Some(walk.clone());
    }
    let incremental::Walk {
        files,
        mut diagnostics,
        statics,
    } = walk;
    let (data, data_diags) = config::load_data(&config.root);
    diagnostics.extend(data_diags);
    let mut assets = Vec::new();
    let mut asset_paths = Vec::new();
    let mut md = Vec::new();
    for f in files {
        match f.kind {
            Kind::Asset => {
                asset_paths.push(f.content_rel.clone());
                assets.push((f.content_rel.clone(), f.path.clone()));
            }
            Kind::Data => {}
            _ => md.push(f),
        }
    }
    let static_names: Vec<String> = statics.iter().map(|(r, _)| r.clone()).collect();
    let inputs: Vec<Input> = cache.read_inputs(md);
    let read = if cache.one_shot {
        inputs
            .iter()
            .filter_map(|i| Some((i.file.path.clone(), i.hash?)))
            .collect()
    } else {
        Vec::new()
    };
    let (site, model_diags) = model::build_cached(
        inputs,
        data,
        &asset_paths,
        &static_names,
        config,
        &mut cache.parse,
    );
    diagnostics.extend(model_diags);
    // Severity overrides (`site.yaml` `check.severity`) apply to every
    // diagnostic; the content checks' come with them applied, and their
    // cached findings need no second pass (issue 5).
    let mut diagnostics = check::apply_levels(diagnostics, config);
    diagnostics.extend(check::run_cached(&site, config, today, &mut cache.checks));
    let mut more = pages::check_names(&site, &static_names);
    more.extend(check::privacy_files(
        &theme::site_text_files(&config.root, &config.site.theme)?,
        config,
    ));
    if let Ok(text) = std::fs::read_to_string(config.root.join("site.yaml")) {
        more.extend(check::validate_config(config, &text));
    }
    diagnostics.extend(check::apply_levels(more, config));
    // Assets are published at the URL the model gave them.
    let url_of: std::collections::HashMap<&str, &str> = site
        .assets
        .iter()
        .map(|(c, u)| (c.as_str(), u.as_str()))
        .collect();
    let assets = assets
        .into_iter()
        .map(|(rel, path)| {
            (
                url_of
                    .get(rel.as_str())
                    .map_or(rel.clone(), |u| u.to_string()),
                path,
            )
        })
        .collect();
    let mut diagnostics = sort_diagnostics(diagnostics);
    diagnostics.dedup();
    Ok(Loaded {
        site,
        diagnostics,
        statics,
        assets,
        read,
    })
}

/// `diags` sorted by place, then code; a stable sort, so equal ones keep
/// their order. Sorts positions and moves each diagnostic once: sorting the
/// diagnostics themselves moved tens of thousands of them a dozen times
/// over (serve's general path, issue 5).
fn sort_diagnostics(diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut order: Vec<usize> = (0..diags.len()).collect();
    // Each distinct path is looked at once: ranked, and checked for being
    // plain (checking every diagnostic's path was 2.5 ms of serve's general
    // path at 10,000 articles, issue 5).
    let mut distinct: Vec<&[u8]> = Vec::new();
    let mut ids: Vec<usize> = Vec::with_capacity(diags.len());
    let mut seen: rustc_hash::FxHashMap<&[u8], usize> = rustc_hash::FxHashMap::default();
    let mut last: Option<(&[u8], usize)> = None;
    for d in &diags {
        let path = d.location.path.as_os_str().as_encoded_bytes();
        // A page's diagnostics mostly come one after another.
        let id = match last {
            Some((p, id)) if p == path => id,
            _ => *seen.entry(path).or_insert_with(|| {
                distinct.push(path);
                distinct.len() - 1
            }),
        };
        last = Some((path, id));
        ids.push(id);
    }
    // Comparing paths by component was most of the sort's time. For plain
    // relative paths (what a site's files give) comparing bytes with `/`
    // below every other byte gives the same order; any other path, and the
    // whole sort compares paths as paths.
    let plain = distinct.par_iter().all(|p| is_plain_path(p));
    if plain {
        // Each distinct path is ranked once, and the diagnostics sort by
        // numbers: comparing paths byte by byte at every step was most of
        // the sort's time (tens of thousands of warnings on a few thousand
        // paths at 10,000 articles; serve's general path, issue 5). Plain
        // paths that differ as bytes differ as paths.
        let mut by_path: Vec<usize> = (0..distinct.len()).collect();
        by_path.par_sort_unstable_by(|&a, &b| cmp_plain_paths(distinct[a], distinct[b]));
        let mut rank = vec![0; distinct.len()];
        for (r, &id) in by_path.iter().enumerate() {
            rank[id] = r;
        }
        let keys: Vec<(usize, usize, usize)> = diags
            .iter()
            .zip(&ids)
            .map(|(d, &id)| (rank[id], d.location.line, d.location.col))
            .collect();
        order.par_sort_by(|&a, &b| {
            keys[a]
                .cmp(&keys[b])
                .then_with(|| diags[a].code.cmp(diags[b].code))
        });
    } else {
        order.par_sort_by(|&a, &b| {
            let (a, b) = (&diags[a], &diags[b]);
            a.location.cmp(&b.location).then_with(|| a.code.cmp(b.code))
        });
    }
    permute(diags, order)
}

/// `v` reordered in place so that its `k`th item is the one that was at
/// `order[k]` (`order` holds each index of `v` once): following each cycle
/// of swaps instead of moving every item into a new vector of several MB
/// (fresh pages, then freed again) halved sorting serve's diagnostics
/// (issue 5).
fn permute<T>(mut v: Vec<T>, mut order: Vec<usize>) -> Vec<T> {
    const DONE: usize = usize::MAX;
    for start in 0..order.len() {
        // Position `k` holds the item that was at `start` until the cycle
        // closes.
        let mut k = start;
        while order[k] != DONE {
            let from = std::mem::replace(&mut order[k], DONE);
            if from == start {
                break;
            }
            v.swap(k, from);
            k = from;
        }
    }
    v
}

/// A relative path whose components are all plain names: not empty, no
/// leading, trailing or doubled `/`, no `.` or `..` (which `Path` compares
/// as components of their own), no NUL. Such paths order as
/// `cmp_plain_paths` orders their bytes.
fn is_plain_path(p: &[u8]) -> bool {
    !p.is_empty()
        && !p.contains(&0)
        && p.split(|&b| b == b'/')
            .all(|c| !c.is_empty() && c != b"." && c != b"..")
}

/// Orders two plain paths (`is_plain_path`) as `Path::cmp` does: by bytes,
/// with `/` below every other byte (a name ends before a longer one that
/// starts with it: `a/b` < `a-b`, `a/b` < `ab`).
fn cmp_plain_paths(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    // The length of the common start, eight bytes at a step while they are
    // equal: paths share long starts (`content/articles/...`), and going
    // byte by byte was most of ranking them (issue 5).
    let len = a.len().min(b.len());
    let mut n = 0;
    while n + 8 <= len && a[n..n + 8] == b[n..n + 8] {
        n += 8;
    }
    while n < len && a[n] == b[n] {
        n += 1;
    }
    let rank = |c: Option<&u8>| c.map(|&c| if c == b'/' { 0 } else { u16::from(c) + 1 });
    rank(a.get(n)).cmp(&rank(b.get(n)))
}

/// What a build did.
#[derive(Debug)]
pub struct BuildReport {
    /// Content pages (articles, sections, home).
    pub pages: usize,
    /// Files written, including generated pages and static files.
    pub files: usize,
    /// Where.
    pub output: PathBuf,
    /// Total size of the output in bytes.
    pub bytes: u64,
    /// Warnings (errors stop the build).
    pub diagnostics: Vec<Diagnostic>,
    /// Seconds spent building the search index; `None` when it was not
    /// built (search off, or `Config::reuse_search_index`).
    pub search_seconds: Option<f64>,
    /// Set when nothing changed since the last build, which left the output
    /// as it was (see `fingerprint`): how many warnings that build reported.
    pub unchanged: Option<usize>,
}

/// GitHub Pages' published-site limit.
pub const PAGES_LIMIT_BYTES: u64 = pages::LIMIT_BYTES;

/// Builds the site into `config.output`, atomically.
pub fn build(config: &Config, today: Date) -> Result<BuildReport, Error> {
    build_reporting(config, today, |_| {})
}

/// `build`, handing the warnings to `report` as soon as the site is loaded
/// and checked, on a thread of its own while the pages are written. The
/// command line prints them there: printing tens of thousands of warnings
/// after the site was in place was 30-70 ms at the end of a 10,000-article
/// build (issue 8). `report` is not called when nothing changed since the
/// last build or when the content has errors (the error holds them).
pub fn build_reporting(
    config: &Config,
    today: Date,
    report: impl FnOnce(&[Diagnostic]) + Send,
) -> Result<BuildReport, Error> {
    // Nothing changed since the last build: leave the output as it is. The
    // fingerprint reads and hashes every input; with no record of a last
    // build to compare it with, it is worked out beside the load instead of
    // before it (it kept one core busy for 50 ms at 10,000 articles, issue 8).
    let (mut inputs, pending) = if fingerprint::recorded(&config.output) {
        let inputs = fingerprint::of_inputs(config, today);
        if let Some(r) = inputs.and_then(|fp| fingerprint::current(&config.output, fp)) {
            return Ok(BuildReport {
                pages: r.pages,
                files: r.files,
                output: config.output.clone(),
                bytes: r.bytes,
                diagnostics: Vec::new(),
                search_seconds: None,
                unchanged: Some(r.warnings),
            });
        }
        (inputs, None)
    } else {
        // The Markdown files are left to the load, which hashes them as it
        // reads them.
        let config = config.clone();
        let pending = std::thread::spawn(move || {
            let content = config.root.join("content");
            fingerprint::start(&config, today, |path| {
                path.starts_with(&content) && path.extension().is_some_and(|e| e == "md")
            })
        });
        (None, Some(pending))
    };
    let mut loaded = load(config, today)?;
    // The fingerprint is finished beside the rendering.
    let pending = pending.map(|pending| {
        let read = std::mem::take(&mut loaded.read);
        std::thread::spawn(move || {
            let known: rustc_hash::FxHashMap<&Path, u64> =
                read.iter().map(|(p, h)| (p.as_path(), *h)).collect();
            pending.join().ok().flatten()?.finish(&known)
        })
    });
    let errors = loaded.errors();
    if errors > 0 {
        return Err(Error::Content {
            count: errors,
            diagnostics: loaded.diagnostics,
        });
    }
    // Checked and rendered to HTML: the Markdown bodies are not read again
    // (rendering reads only the front matter, for template diagnostics), so
    // a large site does not hold them while it is written (issue 8).
    for p in &mut loaded.site.pages {
        if let Some(front) = p.text.get(..p.body_offset) {
            p.text = Arc::from(front);
        }
    }
    let theme = theme::load(&config.root, &config.site.theme)?;
    let renderer = render::Renderer::new(&loaded.site, config, &theme)?;
    let content = config.root.join("content");
    let site_yaml = config.root.join("site.yaml");
    output::refuse_inside(
        &config.output,
        &[
            &content,
            &config.root.join("static"),
            &config.root.join("themes"),
        ],
    )?;
    let staging = output::Staging::begin(&config.output, &[&content, &site_yaml, &config.root])?;
    let index_now = config.site.search && !config.reuse_search_index;
    // The index is built on a thread of its own while the pages render;
    // the last build's bundle is kept when the indexed pages are the same.
    let indexer = if index_now {
        Some(search::Indexer::start(
            search::indexable_paths(&loaded.site),
            &config.site.language,
            Some(staging.output()),
        )?)
    } else {
        None
    };
    let mut search_seconds = None;
    let write_site = || -> Result<usize, Error> {
        let mut n = renderer.render_all(&|f: render::OutputFile| {
            if let Some(indexer) = &indexer {
                indexer.add(&f.path, &f.bytes);
            }
            staging.write(&f.path, &f.bytes)
        })?;
        for (rel, bytes) in &theme.statics {
            staging.write(rel, bytes)?;
            n += 1;
        }
        loaded
            .statics
            .par_iter()
            .chain(loaded.assets.par_iter())
            .try_for_each(|(rel, path)| staging.copy(rel, path))?;
        n += loaded.statics.len() + loaded.assets.len();
        if let Some(indexer) = indexer {
            let (indexed, seconds) = indexer.finish()?;
            match indexed {
                search::Indexed::Built(files) => n += search::write_bundle(&staging, &files)?,
                search::Indexed::Unchanged => n += search::reuse_previous(&staging)?,
            }
            search_seconds = Some(seconds);
        } else if config.site.search {
            n += search::reuse_previous(&staging)?;
        }
        Ok(n)
    };
    let warnings = &loaded.diagnostics;
    let result = std::thread::scope(|scope| {
        let reporter = scope.spawn(move || report(warnings));
        let written = write_site();
        // A panic while reporting is a bug; the site is still written.
        let _ = reporter.join();
        written
    });
    let files = match result {
        Ok(n) => n,
        Err(e) => {
            staging.abort();
            return Err(e);
        }
    };
    // Freeing a large site's pages and list summaries takes a while (tens
    // of thousands of allocations): do it beside the commit and the report,
    // not before them.
    let rendered = renderer.into_owned();
    let pages = loaded.site.pages.len();
    let site = std::mem::take(&mut loaded.site);
    std::thread::spawn(move || drop((rendered, site)));
    let (output, bytes) = staging.commit_sized()?;
    if let Some(pending) = pending {
        // A fingerprint that could not be made (a panic is a bug) only
        // costs the next build its shortcut.
        inputs = pending.join().ok().flatten();
    }
    if let Some(fingerprint) = inputs {
        let record = fingerprint::Record {
            fingerprint,
            pages,
            files,
            bytes,
            warnings: loaded.diagnostics.len(),
        };
        fingerprint::save(&output, &record);
    }
    Ok(BuildReport {
        pages,
        files,
        output,
        bytes,
        diagnostics: loaded.diagnostics,
        search_seconds,
        unchanged: None,
    })
}

fn overrides(site: &SiteArgs, output: Option<PathBuf>) -> Overrides {
    Overrides {
        root: Some(site.root.clone()),
        output,
        base_url: site.base_url.clone(),
        drafts: site.drafts,
        live_reload: false,
    }
}

/// Prints diagnostics to stderr, grouped by file, with a count.
pub fn print_diagnostics(diags: &[Diagnostic]) {
    use std::io::Write as _;
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    // Rendered on every core and written in large pieces: a big site's
    // tens of thousands of warnings were two small writes each, one after
    // another at the end of the build.
    let rendered: Vec<String> = diags
        .par_iter()
        .enumerate()
        .map(|(i, d)| {
            let text = diag::render_human(d, color);
            match i.checked_sub(1).map(|j| &diags[j].location.path) {
                Some(prev) if *prev != d.location.path => format!("\n{text}"),
                _ => text,
            }
        })
        .collect();
    let mut err = std::io::BufWriter::with_capacity(1 << 16, std::io::stderr().lock());
    for text in &rendered {
        // Nothing better to do when stderr is gone.
        let _ = err.write_all(text.as_bytes());
    }
    let _ = err.flush();
}

fn summary_line(diags: &[Diagnostic]) -> String {
    let e = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let w = diags.len() - e;
    let plural = |n: usize, s: &str| format!("{n} {s}{}", if n == 1 { "" } else { "s" });
    let files: std::collections::BTreeSet<_> = diags.iter().map(|d| &d.location.path).collect();
    format!(
        "{}, {} in {}",
        plural(e, "error"),
        plural(w, "warning"),
        plural(files.len(), "file")
    )
}

/// Runs a parsed command line; returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    match run_inner(cli) {
        Ok(code) => code,
        Err(e) => {
            report_error(&e);
            ExitCode::from(1)
        }
    }
}

/// Prints an error and its whole cause chain to stderr.
pub fn report_error(e: &Error) {
    match e {
        Error::Content { diagnostics, .. } => {
            print_diagnostics(diagnostics);
            eprintln!("\nbuild failed: {}", summary_line(diagnostics));
        }
        Error::Config(d) => {
            eprint!("{}", diag::render_human(d, std::io::stderr().is_terminal()));
            eprintln!("error: {e}");
        }
        other => {
            eprintln!("error: {other}");
            let mut src = std::error::Error::source(other);
            while let Some(s) = src {
                eprintln!("  caused by: {s}");
                src = s.source();
            }
        }
    }
}

fn run_inner(cli: Cli) -> Result<ExitCode, Error> {
    let today = Date::today();
    match cli.command {
        Command::Init { dir } => {
            let written = init::create(&dir, today)?;
            eprintln!(
                "Created a new site in {} ({} files). Next: `careleaf check` and `careleaf build` in it;\npush it to GitHub and choose Settings > Pages > Source: GitHub Actions to publish it.",
                dir.display(),
                written.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Build { site, output } => {
            let start = Instant::now();
            let config = Config::load(&overrides(&site, output))?;
            // The warnings are printed while the pages are written.
            let report = build_reporting(&config, today, |warnings| {
                if !warnings.is_empty() {
                    print_diagnostics(warnings);
                    eprintln!();
                }
            })?;
            if let Some(warnings) = report.unchanged {
                eprintln!(
                    "Nothing changed since the last build: the output was left as it was{}",
                    match warnings {
                        0 => String::new(),
                        1 => " (1 warning: `careleaf check` shows it)".to_string(),
                        n => format!(" ({n} warnings: `careleaf check` shows them)"),
                    }
                );
            }
            if let Some(w) = pages::size_warning(report.bytes, PAGES_LIMIT_BYTES) {
                eprintln!("{w}");
            }
            eprintln!(
                "Built {} pages ({} files, {:.1} MB) in {:.2} s into {}{}",
                report.pages,
                report.files,
                report.bytes as f64 / 1e6,
                start.elapsed().as_secs_f64(),
                report.output.display(),
                report
                    .search_seconds
                    .map_or(String::new(), |s| format!(" (search index: {s:.2} s)"))
            );
            Ok(ExitCode::SUCCESS)
        }
        #[cfg(feature = "serve")]
        Command::Serve {
            site,
            port,
            host,
            open,
        } => {
            let server = serve::Server::start(
                overrides(&site, None),
                &serve::Options {
                    host,
                    port,
                    verbose: true,
                },
            )?;
            match server.busy_port() {
                Some(busy) => eprintln!("Serving {} (port {busy} was busy)", server.url()),
                None => eprintln!("Serving {}", server.url()),
            }
            eprintln!("Watching content/, static/, themes/ and site.yaml. Press Ctrl+C to stop.");
            if open {
                serve::open_browser(server.url());
            }
            server.wait();
            Ok(ExitCode::SUCCESS)
        }
        Command::Check {
            site,
            format,
            strict,
            list_rules,
        } => {
            if list_rules {
                let config = Config::load(&overrides(&site, None)).ok();
                print!("{}", check::list_rules(config.as_ref()));
                return Ok(ExitCode::SUCCESS);
            }
            let config = Config::load(&overrides(&site, None))?;
            let loaded = load(&config, today)?;
            let mut diags = loaded.diagnostics;
            if strict {
                for d in &mut diags {
                    d.severity = Severity::Error;
                }
            }
            let errors = diags
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .count();
            match format {
                Format::Human => {
                    print_diagnostics(&diags);
                    if diags.is_empty() {
                        eprintln!("No problems found in {} pages.", loaded.site.pages.len());
                    } else {
                        eprintln!("\n{}", summary_line(&diags));
                    }
                }
                Format::Json => {
                    let doc = serde_json::json!({
                        "version": 1,
                        "errors": errors,
                        "warnings": diags.len() - errors,
                        "diagnostics": diags,
                    });
                    println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
                }
                Format::Github => {
                    // Annotations name files from the repository root; a
                    // site in a subfolder (`-r site`) prefixes its paths.
                    let prefix = (site.root != std::path::Path::new(".")
                        && site.root.is_relative())
                    .then_some(&site.root);
                    for d in &diags {
                        let mut d = d.clone();
                        if let Some(p) = prefix {
                            d.location.path = p.join(&d.location.path);
                        }
                        println!("{}", diag::render_github(&d));
                    }
                    eprintln!("{}", summary_line(&diags));
                }
            }
            Ok(if errors > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::New { what, root } => {
            let (kind, title, section) = match &what {
                cli::NewKind::Article { title, section } => {
                    (scaffold::Kind::Article, title, section.as_deref())
                }
                cli::NewKind::Faq { question } => (scaffold::Kind::Faq, question, None),
            };
            let rel = scaffold::create(&root, kind, title, section, today)?;
            eprintln!("Wrote {}", rel.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Schema { output } => {
            let text = scaffold::frontmatter_schema();
            match output {
                Some(path) => std::fs::write(&path, text).map_err(|source| Error::Io {
                    action: "writing",
                    path: path.clone(),
                    source,
                })?,
                None => print!("{text}"),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `sort_diagnostics` orders as a stable sort by place, then code:
    /// paths compared as paths (`a/b` before `a-b`, `a//b` equal to `a/b`),
    /// and equal places and codes left in their order.
    #[test]
    fn diagnostics_sort_by_path_line_column_and_code_stably() {
        let paths = [
            "content/a-b.md",
            "content/a/b.md",
            "content/a//b.md",
            "site.yaml",
        ];
        let codes = ["links.broken", "faq.duplicate"];
        let mut diags = Vec::new();
        for n in 0..200usize {
            let path = paths[n * 7 % paths.len()];
            let loc = Location::new(path, 1 + n * 5 % 3, 1 + n * 3 % 2);
            diags.push(Diagnostic::warning(
                loc,
                codes[n % 2],
                format!("number {n}"),
            ));
        }
        let mut want = diags.clone();
        want.sort_by(|a, b| a.location.cmp(&b.location).then_with(|| a.code.cmp(b.code)));
        let got = sort_diagnostics(diags);
        let show = |v: &[Diagnostic]| -> Vec<String> {
            v.iter()
                .map(|d| format!("{} {} {}", d.location, d.code, d.message))
                .collect()
        };
        assert_eq!(show(&got), show(&want));
    }

    /// `permute` puts each item where `order` says, for orders with long
    /// cycles, fixed points and swapped pairs alike.
    #[test]
    fn permute_follows_the_order() {
        for n in [0usize, 1, 2, 7, 100] {
            let orders: Vec<Vec<usize>> = vec![
                (0..n).collect(),
                (0..n).rev().collect(),
                (0..n).map(|k| k * 37 % n.max(1)).collect::<Vec<_>>(),
                (0..n)
                    .map(|k| {
                        if k % 2 == 0 {
                            (k + 1).min(n - 1)
                        } else {
                            k - 1
                        }
                    })
                    .collect(),
            ];
            for order in orders {
                let mut sorted = order.clone();
                sorted.sort_unstable();
                if sorted != (0..n).collect::<Vec<_>>() {
                    continue;
                }
                let items: Vec<String> = (0..n).map(|k| format!("item {k}")).collect();
                let want: Vec<String> = order.iter().map(|&k| items[k].clone()).collect();
                assert_eq!(permute(items, order.clone()), want, "{order:?}");
            }
        }
    }

    /// Long paths that share their first bytes (more than eight, where
    /// `cmp_plain_paths` compares eight at a step) order as `Path` does.
    #[test]
    fn plain_paths_with_long_common_starts_order_as_paths_do() {
        let paths = [
            "content/articles/topic-one/a.md",
            "content/articles/topic-one/a/b.md",
            "content/articles/topic-one-b.md",
            "content/articles/topic-one.md",
            "content/articles/topic-onf.md",
            "content/articles/topic-one",
            "content/articles/topic",
            "content/articles",
            "content/a.md",
            "contents/a.md",
        ];
        assert_order_as_paths_do(&paths);
    }

    /// `cmp_plain_paths` orders every pair of `paths` as `Path::cmp` does.
    fn assert_order_as_paths_do(paths: &[&str]) {
        for a in paths {
            for b in paths {
                let want = std::path::Path::new(a).cmp(std::path::Path::new(b));
                assert_eq!(
                    cmp_plain_paths(a.as_bytes(), b.as_bytes()),
                    want,
                    "{a} vs {b}"
                );
            }
        }
    }

    /// Plain paths (`is_plain_path`) sort by `cmp_plain_paths` as `Path`
    /// sorts them, names with `.`, `-` and `_` beside `/` included.
    #[test]
    fn plain_paths_order_as_paths_do() {
        let paths = [
            "content/a/b.md",
            "content/a-b.md",
            "content/a.b/c.md",
            "content/a_b.md",
            "content/ab.md",
            "content/a",
            "content/a/b/c.md",
            "content/a.md",
            "site.yaml",
            "static/x",
        ];
        for a in paths {
            assert!(is_plain_path(a.as_bytes()), "{a}");
        }
        assert_order_as_paths_do(&paths);
        for odd in ["", "/abs", "a//b", "a/", "./a", "a/./b", "a/../b"] {
            assert!(!is_plain_path(odd.as_bytes()), "{odd:?}");
        }
        let codes = ["links.broken", "faq.duplicate"];
        let diags: Vec<Diagnostic> = (0..200usize)
            .map(|n| {
                let loc = Location::new(paths[n * 7 % paths.len()], 1 + n * 5 % 3, 1 + n % 2);
                Diagnostic::warning(loc, codes[n % 2], format!("number {n}"))
            })
            .collect();
        let mut want = diags.clone();
        want.sort_by(|a, b| a.location.cmp(&b.location).then_with(|| a.code.cmp(b.code)));
        let show = |v: &[Diagnostic]| -> Vec<String> {
            v.iter()
                .map(|d| format!("{} {} {}", d.location, d.code, d.message))
                .collect()
        };
        assert_eq!(show(&sort_diagnostics(diags)), show(&want));
    }
}
