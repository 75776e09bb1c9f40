//! `careleaf serve` rebuild benchmark (issue 5). Not a test: it prints
//! timings. Run through `scripts/bench-serve.sh`, or directly:
//!
//! ```text
//! cargo bench --bench serve -- SITE_DIR [EDITS]
//! ```
//!
//! Measures on the site in SITE_DIR (it edits article files and restores
//! them):
//! 1. a full build in memory (load + render everything), as `serve` does at
//!    startup and after a template or configuration change;
//! 2. an incremental rebuild after an edit to one article, the way `serve`
//!    does it (re-read the file, re-parse it, re-assemble the model, re-render
//!    the affected pages), median and worst of EDITS edits to different
//!    articles; then the same for front matter edits, by kind (description,
//!    title, a title typo, a tag added or removed, a benefit, a date, a FAQ
//!    answer, a FAQ question other articles ask too, one only this article
//!    asks: up to 10 each), with how many were patched and the load/render
//!    split; then edits that change the site's shape and take the general
//!    path (a slug, a draft flag, a new article file: up to 3 each);
//! 3. end to end through a running server: file write -> `event: reload` on
//!    the Server-Sent Events stream, which includes the watcher's debounce
//!    window (`watch::DEBOUNCE`): body edits, then description and title
//!    edits, then a draft flag set and cleared and a new article file saved
//!    and removed (up to 3 each).
//!
//! Edited files are put back also when the benchmark panics (`Restore`).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use careleaf::config::{Config, Overrides};
use careleaf::frontmatter::Date;
use careleaf::incremental::{Cache, Outputs};

/// The binary's allocator (`careleaf::alloc`, with its small pages: `main`
/// below): `careleaf serve` runs with it. With the system's malloc, a
/// quarter of this benchmark's CPU samples were in malloc and free (perf),
/// so it measured slower rebuilds than users get (issue 5).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: careleaf::alloc::Allocator = careleaf::alloc::Allocator;

fn config(root: &Path) -> Config {
    let mut c = Config::load(&Overrides {
        root: Some(root.to_path_buf()),
        ..Overrides::default()
    })
    .expect("site.yaml loads");
    c.live_reload = true;
    c
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn articles(root: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = walkdir::WalkDir::new(root.join("content"))
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.into_path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "md")
                && p.file_name().is_some_and(|n| n != "_index.md")
        })
        .collect();
    v.sort();
    v
}

/// `path` relative to the site root, with `/` separators.
fn site_rel(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .expect("inside the site")
        .to_string_lossy()
        .replace('\\', "/")
}

/// Puts an edited file's text back when dropped, also when the benchmark
/// panics half way, so the corpus stays as generated.
struct Restore<'a> {
    path: &'a Path,
    original: String,
}

impl Drop for Restore<'_> {
    fn drop(&mut self) {
        if let Err(e) = std::fs::write(self.path, &self.original) {
            eprintln!("could not restore {}: {e}", self.path.display());
        }
    }
}

fn main() {
    careleaf::alloc::no_huge_pages();
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let Some(root) = args.first() else {
        eprintln!("usage: cargo bench --bench serve -- SITE_DIR [EDITS]");
        std::process::exit(2);
    };
    let root = std::fs::canonicalize(root).expect("site folder exists");
    let edits: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(20);
    let today = Date::today();
    let files = articles(&root);
    assert!(!files.is_empty(), "no articles under {}", root.display());
    println!("site: {} ({} articles)", root.display(), files.len());

    // 1. Full build in memory.
    let c = config(&root);
    let mut cache = Cache::default();
    let mut outputs = Outputs::default();
    let t = Instant::now();
    let view = cache.load(&c, today, None).expect("load");
    let t_load = t.elapsed();
    assert_eq!(view.loaded.errors(), 0, "the benchmark site has errors");
    let theme = careleaf::theme::load(&c.root, &c.site.theme).expect("theme");
    let t2 = Instant::now();
    let first = outputs.update_view(&view, &c, &theme).expect("render");
    let t_full = t.elapsed();
    println!(
        "full build (load {:.0} ms + render {:.0} ms): {:.0} ms, {} files, {} render jobs",
        ms(t_load),
        ms(t2.elapsed()),
        ms(t_full),
        outputs.files().len(),
        first.jobs
    );

    let site = Site {
        root: &root,
        files: &files,
        config: &c,
        theme: &theme,
        today,
    };
    // `CARELEAF_BENCH_SHAPE=N`: only the edits that change the site's
    // shape (2c), N of each, for profiling them (`perf record`).
    if let Some(reps) = std::env::var("CARELEAF_BENCH_SHAPE")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
    {
        let step = (files.len() / reps.max(1)).max(1);
        let mut run = Run {
            site,
            step,
            cache: &mut cache,
            outputs: &mut outputs,
        };
        run.shape_edits(reps);
        return;
    }

    // 2. Incremental rebuilds after editing one article, the way `serve`
    // does them: the watcher reports the edited file, the configuration and
    // theme are those of the last build (no `site.yaml` or theme change).
    let step = (files.len() / edits.max(1)).max(1);
    let mut times = Vec::new();
    let mut phases = Vec::new();
    let mut fast = 0;
    for k in 0..edits {
        let path = &files[(k * step + step / 2) % files.len()];
        let original = std::fs::read_to_string(path).expect("read article");
        let restore = Restore {
            path,
            original: original.clone(),
        };
        std::fs::write(
            path,
            format!("{original}\nAn edit made by the benchmark ({k}).\n"),
        )
        .expect("write");
        let rel = site_rel(&root, path);
        let edited = [rel];
        let t = Instant::now();
        let view = cache.load(&c, today, Some(&edited)).expect("load");
        let t_load = t.elapsed();
        fast += usize::from(view.patch.is_some());
        let u = outputs.update_view(&view, &c, &theme).expect("render");
        let total = t.elapsed();
        assert!(!u.full, "an article edit must not re-render everything");
        times.push(total);
        phases.push((t_load, total - t_load, u.jobs, u.changed.len()));
        drop(restore);
        let view = cache.load(&c, today, Some(&edited)).expect("load");
        outputs.update_view(&view, &c, &theme).expect("render");
    }
    println!("{fast} of {edits} rebuilds patched the last site (the rest loaded everything)");
    let mut sorted = times.clone();
    sorted.sort();
    let median = sorted[sorted.len() / 2];
    let worst = sorted[sorted.len() - 1];
    let (l, r, j, ch) = phases[times.iter().position(|t| *t == median).unwrap_or(0)];
    println!(
        "incremental rebuild after editing one article ({edits} edits): median {:.1} ms \
         (load+model+checks {:.1} ms, render {:.1} ms, {j} jobs, {ch} files changed), worst {:.1} ms",
        ms(median),
        ms(l),
        ms(r),
        ms(worst)
    );

    // 2b. Front matter edits of one article: the description, the title,
    // a tag replaced by another, a benefit added, a year earlier, a FAQ
    // entry's answer.
    // (what, the edit of an article's text, given the edit's number)
    type FrontEdit = (&'static str, fn(&str, usize) -> Option<String>);
    let fm_edits: &[FrontEdit] = &[
        ("description", |t, _| {
            t.contains("\ndescription: \"")
                .then(|| t.replacen("\ndescription: \"", "\ndescription: \"Edited. ", 1))
        }),
        ("title", |t, k| {
            t.contains("\ntitle: \"")
                .then(|| t.replacen("\ntitle: \"", &format!("\ntitle: \"Edit {k}: "), 1))
        }),
        ("title typo (a full stop added)", |t, _| {
            let start = t.find("\ntitle: \"")? + "\ntitle: \"".len();
            let end = start + t[start..].find('"')?;
            Some(format!("{}.{}", &t[..end], &t[end..]))
        }),
        ("tag added", |t, _| {
            let tag = ["aftercare", "safety", "cost", "men"]
                .into_iter()
                .find(|g| !t.contains(&format!("\"{g}\"")))?;
            t.contains("\ntags:\n")
                .then(|| t.replacen("\ntags:\n", &format!("\ntags:\n  - \"{tag}\"\n"), 1))
        }),
        ("tag removed", |t, _| {
            let start = t.find("\ntags:\n  - ")? + "\ntags:\n".len();
            let end = start + t[start..].find('\n')? + 1;
            Some(format!("{}{}", &t[..start], &t[end..]))
        }),
        ("benefit", |t, _| {
            (t.contains("\nbenefits:\n") && !t.contains("\"smoother-texture\"")).then(|| {
                t.replacen(
                    "\nbenefits:\n",
                    "\nbenefits:\n  - \"smoother-texture\"\n",
                    1,
                )
            })
        }),
        ("date (reorders its tags' and section's lists)", |t, _| {
            let start = t.find("\ndate: ")? + "\ndate: ".len();
            let end = start + t[start..].find('\n')?;
            let year: u32 = t.get(start..start + 4)?.parse().ok()?;
            Some(format!(
                "{}{}{}",
                &t[..start],
                year.checked_sub(1)?,
                &t[start + 4..]
            ))
            .filter(|_| end > start + 4)
        }),
        ("faq answer", |t, _| {
            t.contains("\n    answer: \"")
                .then(|| t.replacen("\n    answer: \"", "\n    answer: \"Edited. ", 1))
        }),
        // The benchmark site's questions are each asked by many articles:
        // rewording a later asking of one gives it an entry of its own on
        // the FAQ and ends its `faq.duplicate` warning (patched, see
        // `model::reworded_questions`; the first asking takes the general
        // path).
        ("faq question (one other articles ask too)", |t, _| {
            t.contains("\n  - question: \"")
                .then(|| t.replacen("\n  - question: \"", "\n  - question: \"Edited: ", 1))
        }),
    ];
    let fm_reps = edits.clamp(1, 10);
    let mut run = Run {
        site,
        step,
        cache: &mut cache,
        outputs: &mut outputs,
    };
    for (what, edit) in fm_edits {
        run.time(what, None, *edit, fm_reps, false);
    }
    // A question only this article asks (made so first, untimed) reworded
    // again: patched (see `model::reworded_questions`).
    run.time(
        "faq question only this article asks, reworded (patched)",
        Some(|t, k| {
            t.contains("\n  - question: \"").then(|| {
                t.replacen(
                    "\n  - question: \"",
                    &format!("\n  - question: \"Only asked here ({k}): "),
                    1,
                )
            })
        }),
        |t, k| {
            let from = format!("question: \"Only asked here ({k}): ");
            t.contains(&from).then(|| {
                t.replacen(
                    &from,
                    &format!("question: \"Only asked here, edited ({k}): "),
                    1,
                )
            })
        },
        fm_reps,
        false,
    );

    // 2c. Edits that change the site's shape: a slug is patched when no
    // page links to the article's Markdown file (`model::moved_url`); a
    // draft flag and a new file take the general path: the model is
    // assembled again, and `Outputs::update` renders what shows the change
    // (pages matched by source path).
    run.shape_edits(edits.clamp(1, 3));

    // 3. End to end through the server (its own caches: free these).
    drop(cache);
    drop(outputs);
    let server = careleaf::serve::Server::start(
        Overrides {
            root: Some(root.clone()),
            ..Overrides::default()
        },
        &careleaf::serve::Options {
            host: "127.0.0.1".into(),
            port: 0,
            verbose: false,
        },
    )
    .expect("server starts");
    let base = server
        .url()
        .split_once("//")
        .and_then(|(_, rest)| rest.split_once('/'))
        .map_or("/".to_string(), |(_, p)| format!("/{p}"));
    let mut s = TcpStream::connect(server.addr()).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(120)))
        .expect("timeout");
    write!(s, "GET {base}__careleaf/events HTTP/1.1\r\nHost: x\r\n\r\n").expect("send");
    let mut buf = [0u8; 4096];
    let mut seen = String::new();
    while !seen.contains(": connected") {
        let n = s.read(&mut buf).expect("read");
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    let mut e2e = Vec::new();
    for k in 0..edits.min(10) {
        let path = &files[(k * step + step / 3) % files.len()];
        let original = std::fs::read_to_string(path).expect("read article");
        // Let the watcher settle so each edit is its own batch.
        std::thread::sleep(Duration::from_millis(300));
        let restore = Restore {
            path,
            original: original.clone(),
        };
        let t = Instant::now();
        std::fs::write(
            path,
            format!("{original}\nAn edit made by the benchmark.\n"),
        )
        .expect("write");
        wait_for_reload(&mut s, &mut buf);
        e2e.push(t.elapsed());
        drop(restore);
        // Wait for the restore's reload too.
        wait_for_reload(&mut s, &mut buf);
    }
    e2e.sort();
    println!(
        "end to end, file saved -> reload event ({} edits, includes the {} ms debounce): median {:.0} ms, worst {:.0} ms",
        e2e.len(),
        careleaf::watch::DEBOUNCE.as_millis(),
        ms(e2e[e2e.len() / 2]),
        ms(e2e[e2e.len() - 1])
    );

    // The same for front matter edits: the description, then the title.
    for (what, edit) in &fm_edits[..2] {
        let mut e2e = Vec::new();
        for k in 0..edits.min(10) {
            let path = &files[(k * step + step / 5) % files.len()];
            let original = std::fs::read_to_string(path).expect("read article");
            let Some(edited_text) = edit(&original, k) else {
                continue;
            };
            std::thread::sleep(Duration::from_millis(300));
            let restore = Restore {
                path,
                original: original.clone(),
            };
            let t = Instant::now();
            std::fs::write(path, edited_text).expect("write");
            wait_for_reload(&mut s, &mut buf);
            e2e.push(t.elapsed());
            drop(restore);
            wait_for_reload(&mut s, &mut buf);
        }
        if e2e.is_empty() {
            continue;
        }
        e2e.sort();
        println!(
            "end to end after a front matter edit ({what}, {} edits): median {:.0} ms, worst {:.0} ms",
            e2e.len(),
            ms(e2e[e2e.len() / 2]),
            ms(e2e[e2e.len() - 1])
        );
    }

    // Edits that change the site's shape, end to end: a draft flag set and
    // then cleared, a new article file saved and then removed (the watcher
    // waits `watch::SETTLE` more when a batch names a vanished file).
    let mut shape: [Vec<Duration>; 4] = Default::default();
    for k in 0..edits.clamp(1, 3) {
        let path = &files[(k * step + step / 4) % files.len()];
        let original = std::fs::read_to_string(path).expect("read article");
        let drafted = original.replacen("\ntitle: \"", "\ndraft: true\ntitle: \"", 1);
        let new_path = path.with_file_name(format!("bench-e2e-article-{k}.md"));
        let new_text = original.replacen("\ntitle: \"", &format!("\ntitle: \"New {k}: "), 1);
        // Put back if the run fails half way; each step undoes the last.
        let guards = (
            Restore {
                path,
                original: original.clone(),
            },
            Remove(&new_path),
        );
        let steps: [&dyn Fn() -> std::io::Result<()>; 4] = [
            &|| std::fs::write(path, &drafted),
            &|| std::fs::write(path, &original),
            &|| std::fs::write(&new_path, &new_text),
            &|| std::fs::remove_file(&new_path),
        ];
        for (i, step) in steps.into_iter().enumerate() {
            std::thread::sleep(Duration::from_millis(300));
            let t = Instant::now();
            step().expect("edit");
            wait_for_reload(&mut s, &mut buf);
            shape[i].push(t.elapsed());
        }
        std::mem::forget(guards);
    }
    for (what, mut times) in [
        "a draft flag set",
        "the draft flag cleared",
        "a new article file",
        "that file removed",
    ]
    .into_iter()
    .zip(shape)
    {
        times.sort();
        println!(
            "end to end, {what} -> reload event ({} times): median {:.0} ms, worst {:.0} ms",
            times.len(),
            ms(times[times.len() / 2]),
            ms(times[times.len() - 1])
        );
    }
    server.stop();
}

/// What timing an edit kind needs: the site, its files, and the caches the
/// rebuilds update.
struct Run<'a> {
    site: Site<'a>,
    step: usize,
    cache: &'a mut Cache,
    outputs: &'a mut Outputs,
}

/// The site the edits are made to, and the configuration, theme and day of
/// its rebuilds.
#[derive(Clone, Copy)]
struct Site<'a> {
    root: &'a Path,
    files: &'a [PathBuf],
    config: &'a Config,
    theme: &'a careleaf::theme::Theme,
    today: Date,
}

/// An edit of an article's text, given the edit's number; `None` when the
/// article has nothing to edit.
type EditFn = fn(&str, usize) -> Option<String>;

impl Run<'_> {
    /// Rebuilds after the watcher reported `rel` (as `serve` does, but
    /// rendering also a site with errors); returns (load time, total time,
    /// whether the load patched, the number of errors, the update).
    fn rebuild(
        &mut self,
        rel: &str,
    ) -> (
        Duration,
        Duration,
        bool,
        usize,
        careleaf::incremental::Update,
    ) {
        let edited = [rel.to_string()];
        let t = Instant::now();
        let view = self
            .cache
            .load(self.site.config, self.site.today, Some(&edited))
            .expect("load");
        let t_load = t.elapsed();
        let patched = view.patch.is_some();
        let errors = view.loaded.errors();
        let u = self
            .outputs
            .update_view(&view, self.site.config, self.site.theme)
            .expect("render");
        (t_load, t.elapsed(), patched, errors, u)
    }

    /// Times `reps` edits of kind `what` to different articles, each after
    /// an untimed `setup` edit of the same article when given, and prints
    /// the median. Unless `full` is allowed (edits that change the site's
    /// shape, which can break other pages' links), no rebuild may render
    /// everything or make an error.
    fn time(&mut self, what: &str, setup: Option<EditFn>, edit: EditFn, reps: usize, full: bool) {
        let mut times = Vec::new();
        let mut undone = Vec::new();
        let mut patched = 0;
        for k in 0..reps {
            let path = &self.site.files[(k * self.step + self.step / 4) % self.site.files.len()];
            let original = std::fs::read_to_string(path).expect("read article");
            let rel = site_rel(self.site.root, path);
            let restore = Restore {
                path,
                original: original.clone(),
            };
            let start = match setup {
                Some(setup) => {
                    let Some(text) = setup(&original, k) else {
                        continue;
                    };
                    std::fs::write(path, &text).expect("write");
                    self.rebuild(&rel);
                    text
                }
                None => original.clone(),
            };
            let Some(edited_text) = edit(&start, k) else {
                continue;
            };
            std::fs::write(path, edited_text).expect("write");
            let (t_load, total, p, errors, u) = self.rebuild(&rel);
            // A page that other pages link to by URL breaks their links
            // when its slug changes or it becomes a draft.
            assert!(full || errors == 0, "the {what} edit made an error");
            patched += usize::from(p);
            assert!(
                full || !u.full,
                "an article edit must not re-render everything"
            );
            times.push((total, t_load, u.jobs, u.rendered, u.changed.len()));
            drop(restore);
            let (t_load, total, _, _, u) = self.rebuild(&rel);
            undone.push((total, t_load, u.jobs, u.rendered, u.changed.len()));
        }
        if times.is_empty() {
            return;
        }
        if full {
            print_median(
                &format!("rebuild after undoing the {what} edit"),
                &mut undone,
            );
        }
        times.sort();
        let (median, l, j, r, ch) = times[times.len() / 2];
        println!(
            "rebuild after a front matter edit ({what}, {} edits, {patched} patched): median {:.1} ms \
             (load {:.1} ms, render {:.1} ms, {j} jobs, {r} files rendered, {ch} changed), worst {:.1} ms",
            times.len(),
            ms(median),
            ms(l),
            ms(median - l),
            ms(times[times.len() - 1].0)
        );
    }

    /// Edits that change the site's shape, `reps` of each: a slug, a draft
    /// flag set, a new article file.
    fn shape_edits(&mut self, reps: usize) {
        self.time(
            "slug (patched unless a page links to its Markdown file)",
            None,
            |t, k| {
                t.contains("\ntitle: \"").then(|| {
                    t.replacen(
                        "\ntitle: \"",
                        &format!("\nslug: \"bench-slug-{k}\"\ntitle: \""),
                        1,
                    )
                })
            },
            reps,
            true,
        );
        self.time(
            "draft (taken out in place)",
            None,
            |t, _| {
                t.contains("\ntitle: \"")
                    .then(|| t.replacen("\ntitle: \"", "\ndraft: true\ntitle: \"", 1))
            },
            reps,
            true,
        );
        self.time_new_file(reps);
    }

    /// Times adding a new article (a copy of another under a new name and
    /// title), then removes it again (untimed).
    fn time_new_file(&mut self, reps: usize) {
        let mut times = Vec::new();
        let mut removed = Vec::new();
        for k in 0..reps {
            let from = &self.site.files[(k * self.step + self.step / 4) % self.site.files.len()];
            let text = std::fs::read_to_string(from).expect("read article");
            let path = from.with_file_name(format!("bench-new-article-{k}.md"));
            let text = text.replacen("\ntitle: \"", &format!("\ntitle: \"New {k}: "), 1);
            let rel = site_rel(self.site.root, &path);
            std::fs::write(&path, text).expect("write");
            let remove = Remove(&path);
            let (t_load, total, _, _, u) = self.rebuild(&rel);
            times.push((total, t_load, u.jobs, u.rendered, u.changed.len()));
            drop(remove);
            let (t_load, total, _, _, u) = self.rebuild(&rel);
            removed.push((total, t_load, u.jobs, u.rendered, u.changed.len()));
        }
        print_median("rebuild after removing the added file", &mut removed);
        times.sort();
        let (median, l, j, r, ch) = times[times.len() / 2];
        println!(
            "rebuild after adding an article file (put in in place, {} adds): \
             median {:.1} ms (load {:.1} ms, render {:.1} ms, {j} jobs, {r} files rendered, {ch} changed), worst {:.1} ms",
            times.len(),
            ms(median),
            ms(l),
            ms(median - l),
            ms(times[times.len() - 1].0)
        );
    }
}

/// (total, load, jobs, files rendered, files changed) of one rebuild.
type Timed = (Duration, Duration, usize, usize, usize);

/// Prints the median of `times` (sorted here) with its split, and the worst.
fn print_median(what: &str, times: &mut [Timed]) {
    if times.is_empty() {
        return;
    }
    times.sort();
    let (median, l, j, r, ch) = times[times.len() / 2];
    println!(
        "{what} ({} rebuilds): median {:.1} ms (load {:.1} ms, render {:.1} ms, {j} jobs, \
         {r} files rendered, {ch} changed), worst {:.1} ms",
        times.len(),
        ms(median),
        ms(l),
        ms(median - l),
        ms(times[times.len() - 1].0)
    );
}

/// Removes a file the benchmark added when dropped, also on a panic.
struct Remove<'a>(&'a Path);

impl Drop for Remove<'_> {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_file(self.0) {
            eprintln!("could not remove {}: {e}", self.0.display());
        }
    }
}

/// Reads the event stream until a reload event arrives.
fn wait_for_reload(s: &mut TcpStream, buf: &mut [u8]) {
    let mut seen = String::new();
    while !seen.contains("event: reload") {
        let n = s.read(buf).expect("read");
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
}
