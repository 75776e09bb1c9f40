//! The floor of a site build, for benchmarks: read every Markdown file under
//! `content/`, render its body with pulldown-cmark, and write one HTML file
//! per article; nothing else (no front matter parsing, templates, indexes,
//! checks). Files are processed in parallel on every core, as careleaf does.
//!
//! Usage: `cargo run --release --example floor -- SITE OUT`
//! (OUT must not exist: like a cold build). Prints the wall time to stderr.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use pulldown_cmark::{Options, Parser, html};
use rayon::prelude::*;

fn markdown_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "md"))
        .map(|e| e.into_path())
        .collect();
    files.sort();
    files
}

/// The Markdown after a `---` fenced front matter block (or the whole text).
fn body(text: &str) -> &str {
    let Some(rest) = text.strip_prefix("---\n") else {
        return text;
    };
    match rest.find("\n---\n") {
        Some(i) => &rest[i + 5..],
        None => text,
    }
}

fn one(path: &Path, content: &Path, out: &Path) -> std::io::Result<()> {
    let text = std::fs::read_to_string(path)?;
    let md = body(&text);
    let mut html_out = String::with_capacity(md.len() * 3 / 2);
    html::push_html(&mut html_out, Parser::new_ext(md, Options::ENABLE_TABLES));
    let rel = path
        .strip_prefix(content)
        .unwrap_or(path)
        .with_extension("");
    let dir = out.join(rel);
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("index.html"), html_out)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [site, out] = args.as_slice() else {
        eprintln!("usage: floor SITE OUT");
        return ExitCode::from(2);
    };
    let start = Instant::now();
    let content = Path::new(site).join("content");
    let out = Path::new(out);
    let files = markdown_files(&content);
    let result = files
        .par_iter()
        .try_for_each(|f| one(f, &content, out).map_err(|e| format!("{}: {e}", f.display())));
    if let Err(e) = result {
        eprintln!("error: {e}");
        return ExitCode::from(1);
    }
    eprintln!(
        "floor: {} files in {:.2} s",
        files.len(),
        start.elapsed().as_secs_f64()
    );
    ExitCode::SUCCESS
}
