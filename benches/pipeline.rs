//! Criterion benchmarks of the build pipeline, stage by stage: front matter,
//! Markdown, the model (links, benefits, FAQ and tag indexes; the indexes also
//! alone), content checks, templates, writing, and the whole build.
//!
//! The site: `CARELEAF_BENCH_SITE=DIR` if set (e.g. one made by
//! `scripts/bench-corpus.sh 10000 /tmp/careleaf-10000`); otherwise a corpus of
//! `CARELEAF_BENCH_N` articles (default 1000) generated with
//! `scripts/bench-corpus.sh` into a temporary folder; if that cannot run (no
//! python3 or no ../shared/bench), the repository's example site.
//!
//! Run: `cargo bench --bench pipeline` (`-- model` for one group). These are
//! measurements for people, never assertions: nothing here runs in `cargo test`.

// `criterion_group!` defines an undocumented `pub fn`.
#![allow(missing_docs)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use careleaf::config::{self, Config, Overrides};
use careleaf::frontmatter::{self, Date};
use careleaf::markdown::{self, LinkContext};
use careleaf::model::{self, Input};
use careleaf::output::Staging;
use careleaf::render::{OutputFile, Renderer};
use careleaf::source::{self, Kind};
use careleaf::{check, theme};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

/// The binary's allocator (`careleaf::alloc`): the stages are timed with the
/// allocator `careleaf build` runs with (issue 8).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: careleaf::alloc::Allocator = careleaf::alloc::Allocator;

struct Site {
    root: PathBuf,
    _tmp: Option<tempfile::TempDir>,
}

fn site() -> Site {
    careleaf::alloc::no_huge_pages();
    if let Some(dir) = std::env::var_os("CARELEAF_BENCH_SITE") {
        return Site {
            root: PathBuf::from(dir),
            _tmp: None,
        };
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let n = std::env::var("CARELEAF_BENCH_N").unwrap_or_else(|_| "1000".into());
    let tmp = tempfile::tempdir().expect("temporary folder for the bench corpus");
    let root = tmp.path().join("site");
    let made = std::process::Command::new("bash")
        .arg(repo.join("scripts/bench-corpus.sh"))
        .arg(&n)
        .arg(&root)
        .status()
        .is_ok_and(|s| s.success());
    if made {
        Site {
            root,
            _tmp: Some(tmp),
        }
    } else {
        eprintln!("bench: could not generate a corpus; using the example site");
        Site {
            root: repo.to_path_buf(),
            _tmp: None,
        }
    }
}

fn config(root: &Path, output: &Path) -> Config {
    Config::load(&Overrides {
        root: Some(root.to_path_buf()),
        output: Some(output.to_path_buf()),
        ..Overrides::default()
    })
    .expect("the bench site's site.yaml loads")
}

fn inputs(root: &Path) -> Vec<Input> {
    let (files, _) = source::discover(root).expect("the bench site's content/ lists");
    files
        .into_iter()
        .filter(|f| matches!(f.kind, Kind::Page | Kind::Section | Kind::Question))
        .map(|file| {
            let text = std::fs::read_to_string(&file.path).expect("bench content is UTF-8");
            Input {
                file,
                text: Ok(Arc::from(text)),
                hash: None,
            }
        })
        .collect()
}

fn benches(c: &mut Criterion) {
    let site = site();
    let root = site.root.as_path();
    let scratch = tempfile::tempdir().expect("scratch folder");
    let cfg = config(root, &scratch.path().join("public"));
    let today = Date::today();
    let inputs = inputs(root);
    let bytes: u64 = inputs
        .iter()
        .map(|i| i.text.as_ref().map_or(0, |t| t.len() as u64))
        .sum();
    eprintln!(
        "bench site: {} ({} source files, {:.1} MB)",
        root.display(),
        inputs.len(),
        bytes as f64 / 1e6
    );

    let mut g = c.benchmark_group("stages");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(10))
        .throughput(Throughput::Bytes(bytes));

    g.bench_function("frontmatter/parse", |b| {
        b.iter(|| {
            inputs
                .iter()
                .filter_map(|i| i.text.as_ref().ok())
                .filter_map(|t| frontmatter::parse(t, "bench.md").ok())
                .count()
        })
    });

    let bodies: Vec<&str> = inputs
        .iter()
        .filter_map(|i| i.text.as_ref().ok())
        .map(|t| frontmatter::split(t, "bench.md").map_or(&t[..], |s| s.body))
        .collect();
    let no_links = HashMap::new();
    let link_ctx = LinkContext {
        base_path: "/",
        dir: "articles",
        pages: &no_links,
        assets: &no_links,
    };
    g.bench_function("markdown/render", |b| {
        b.iter(|| {
            bodies
                .iter()
                .map(|body| markdown::render(body, &link_ctx).html.len())
                .sum::<usize>()
        })
    });

    let (data, _) = config::load_data(root);
    g.bench_function(
        "model/build (front matter, Markdown, links, indexes)",
        |b| {
            b.iter_batched(
                || (inputs.clone(), data.clone()),
                |(inputs, data)| model::build(inputs, data, &[], &[], &cfg),
                BatchSize::LargeInput,
            )
        },
    );

    let (built, _) = model::build(inputs.clone(), data.clone(), &[], &[], &cfg);
    // The benefits, tags and FAQ indexes alone, from the built pages.
    g.bench_function("model/indexes (benefits, tags, FAQ)", |b| {
        b.iter_batched(
            || built.clone(),
            |mut site| {
                model::index_site(&mut site);
                site
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("check/run", |b| {
        b.iter(|| check::run(&built, &cfg, today).len())
    });

    let theme = theme::load(root, &cfg.site.theme).expect("the theme loads");
    g.bench_function("render/templates (all pages, discarded)", |b| {
        b.iter(|| {
            let renderer = Renderer::new(&built, &cfg, &theme).expect("templates compile");
            let sum = std::sync::atomic::AtomicUsize::new(0);
            renderer
                .render_all(&|f: OutputFile| {
                    sum.fetch_add(f.bytes.len(), std::sync::atomic::Ordering::Relaxed);
                    Ok(())
                })
                .expect("the site renders");
            sum.into_inner()
        })
    });

    // Writing: the rendered files, into a fresh folder (cold) and over an
    // identical previous build (warm: unchanged files are linked, not written).
    let files = std::sync::Mutex::new(Vec::new());
    Renderer::new(&built, &cfg, &theme)
        .expect("templates compile")
        .render_all(&|f: OutputFile| {
            files.lock().expect("not poisoned").push(f);
            Ok(())
        })
        .expect("the site renders");
    let files = files.into_inner().expect("not poisoned");
    let out_bytes: u64 = files.iter().map(|f| f.bytes.len() as u64).sum();
    g.throughput(Throughput::Bytes(out_bytes));
    let write_all = |out: &Path| {
        use rayon::prelude::*;
        let staging = Staging::begin(out, &[]).expect("staging folder");
        files
            .par_iter()
            .try_for_each(|f| staging.write(&f.path, &f.bytes))
            .expect("writes");
        staging.commit().expect("commit");
    };
    let mut run = 0;
    g.bench_function("output/write cold", |b| {
        b.iter_batched(
            || {
                run += 1;
                scratch.path().join(format!("cold-{run}"))
            },
            |out| write_all(&out),
            BatchSize::PerIteration,
        )
    });
    let warm = scratch.path().join("warm");
    write_all(&warm);
    g.bench_function("output/write warm (nothing changed)", |b| {
        b.iter(|| write_all(&warm))
    });

    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("build/whole cold (no search index)", |b| {
        let mut cfg = cfg.clone();
        cfg.site.search = false;
        b.iter_batched(
            || {
                run += 1;
                let mut cfg = cfg.clone();
                cfg.output = scratch.path().join(format!("build-{run}"));
                cfg
            },
            |cfg| careleaf::build(&cfg, today).expect("the bench site builds"),
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(pipeline, benches);
criterion_main!(pipeline);
