//! The no-op build: a fingerprint of everything a build reads, kept in the
//! output folder, so that `build` with nothing changed leaves the output
//! exactly as it is (no file rewritten, every file time kept) without
//! parsing, checking or rendering anything.
//!
//! Owns what goes into the fingerprint and the record's format. The
//! fingerprint covers the careleaf binary (its version, size and time, so the
//! compiled-in default theme too), today's date (checks depend on it), the
//! whole resolved `Config`, and the path and bytes of every file under
//! `site.yaml`, `content/`, `static/` and `themes/`. Reading: those inputs and
//! the record. Writing: only the record, into an output folder that a build
//! has just committed. It must never decide that an output is current when
//! an input changed: anything unreadable or unexpected means "rebuild".

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::config::Config;
use crate::frontmatter::Date;

/// The record's file name in the output folder.
pub const RECORD: &str = ".careleaf-build";

/// What the last build produced, and from which inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record {
    /// Fingerprint of the inputs (`of_inputs`).
    pub fingerprint: u64,
    /// Content pages built.
    pub pages: usize,
    /// Files written.
    pub files: usize,
    /// Size of the output without the record, in bytes.
    pub bytes: u64,
    /// Warnings the build reported.
    pub warnings: usize,
}

impl Record {
    /// The record as written to disk: one `key value` per line.
    pub fn to_text(&self) -> String {
        format!(
            "careleaf-build 1\nfingerprint {:016x}\npages {}\nfiles {}\nbytes {}\nwarnings {}\n",
            self.fingerprint, self.pages, self.files, self.bytes, self.warnings
        )
    }

    /// Parses `to_text`'s output; `None` for anything else.
    pub fn from_text(text: &str) -> Option<Record> {
        let mut lines = text.lines();
        if lines.next()? != "careleaf-build 1" {
            return None;
        }
        let mut field = |key: &str| -> Option<&str> {
            let (k, v) = lines.next()?.split_once(' ')?;
            (k == key).then_some(v)
        };
        Some(Record {
            fingerprint: u64::from_str_radix(field("fingerprint")?, 16).ok()?,
            pages: field("pages")?.parse().ok()?,
            files: field("files")?.parse().ok()?,
            bytes: field("bytes")?.parse().ok()?,
            warnings: field("warnings")?.parse().ok()?,
        })
    }
}

/// Fingerprint of every input of a build of `config` on `today`; `None` when
/// some input cannot be read (then the build runs and reports it).
pub fn of_inputs(config: &Config, today: Date) -> Option<u64> {
    start(config, today, |_| false)?.finish(&rustc_hash::FxHashMap::default())
}

/// The hash of one input file, its path and its bytes, as the fingerprint
/// takes it in. `build`'s load works it out for each Markdown file as it
/// reads it (`crate::read_input`), so a cold build reads no file twice.
pub fn file_hash(path: &Path, bytes: &[u8]) -> u64 {
    // rustc-hash: every input byte goes through this on every build.
    let mut h = rustc_hash::FxHasher::default();
    path.hash(&mut h);
    bytes.hash(&mut h);
    h.finish()
}

/// `path`'s `file_hash` read from disk: `Some(0)` for a file that is gone
/// since the walk (a fact about the site), `None` for one that cannot be
/// read.
fn read_hash(path: &Path) -> Option<u64> {
    match std::fs::read(path) {
        Ok(bytes) => Some(file_hash(path, &bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some(0),
        Err(_) => None,
    }
}

/// A fingerprint without the hashes of the files its maker left to someone
/// else (`start`'s `leave`); `finish` completes it.
pub struct Partial {
    /// The build's binary, date and configuration, hashed.
    head: DefaultHasher,
    /// Every input file in order, with its hash unless it was left.
    files: Vec<(PathBuf, Option<u64>)>,
}

/// Walks the inputs and hashes every file but those `leave` names: a cold
/// build works this out beside its load, which hashes the Markdown files as
/// it reads them (reading each of them twice was 10,000 `open`, `read` and
/// `close` calls at 10,000 articles, issue 8). `None` when a file cannot be
/// read or a folder cannot be walked.
pub fn start(
    config: &Config,
    today: Date,
    leave: impl Fn(&Path) -> bool + Sync,
) -> Option<Partial> {
    let mut h = DefaultHasher::new();
    env!("CARGO_PKG_VERSION").hash(&mut h);
    let exe = std::env::current_exe().ok()?;
    let meta = std::fs::metadata(exe).ok()?;
    meta.len().hash(&mut h);
    meta.modified().ok()?.hash(&mut h);
    today.iso().hash(&mut h);
    format!("{config:?}").hash(&mut h);
    let root = &config.root;
    let mut files = vec![root.join("site.yaml")];
    for dir in ["content", "static", "themes"] {
        // Sorted once below, by the paths' bytes: walkdir's per-folder sort
        // parses both names at every comparison (issue 8).
        for entry in walkdir::WalkDir::new(root.join(dir)) {
            match entry {
                Ok(e) if e.file_type().is_file() => files.push(e.into_path()),
                Ok(_) => {}
                // A missing folder is a fact about the site; others are errors.
                Err(e)
                    if e.depth() == 0
                        && e.io_error()
                            .is_some_and(|io| io.kind() == std::io::ErrorKind::NotFound) => {}
                Err(_) => return None,
            }
        }
    }
    files.sort_unstable_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
    let hashes: Vec<Option<Option<u64>>> = files
        .par_iter()
        .map(|path| {
            if leave(path) {
                Some(None)
            } else {
                read_hash(path).map(Some)
            }
        })
        .collect();
    let files = files
        .into_iter()
        .zip(hashes)
        .map(|(path, hash)| Some((path, hash?)))
        .collect::<Option<Vec<_>>>()?;
    Some(Partial { head: h, files })
}

impl Partial {
    /// The fingerprint, taking the hashes of the files left by `start` from
    /// `known` (`file_hash` of the bytes that were read), and reading any
    /// that is not there (a file the load skipped or could not read).
    pub fn finish(self, known: &rustc_hash::FxHashMap<&Path, u64>) -> Option<u64> {
        let Partial { mut head, files } = self;
        for (path, hash) in files {
            let hash = match hash {
                Some(hash) => hash,
                None => match known.get(path.as_path()) {
                    Some(&hash) => hash,
                    None => read_hash(&path)?,
                },
            };
            hash.hash(&mut head);
        }
        Some(head.finish())
    }
}

/// Whether `output` holds a build's record (what `current` compares with).
pub fn recorded(output: &Path) -> bool {
    output.join(crate::output::MARKER).is_file() && output.join(RECORD).is_file()
}

/// The record of `output` when it says the output was built from inputs
/// with `fingerprint` and the folder still holds as many bytes as it did.
pub fn current(output: &Path, fingerprint: u64) -> Option<Record> {
    if !output.join(crate::output::MARKER).is_file() {
        return None;
    }
    let text = std::fs::read_to_string(output.join(RECORD)).ok()?;
    let record = Record::from_text(&text)?;
    let size = crate::output::folder_size(output).checked_sub(text.len() as u64)?;
    (record.fingerprint == fingerprint && size == record.bytes).then_some(record)
}

/// Writes the record into a just-built output folder. A failure only costs
/// the next build its shortcut, so it is not an error.
pub fn save(output: &Path, record: &Record) {
    let _ = crate::output::write_readable(&output.join(RECORD), record.to_text().as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> Record {
        Record {
            fingerprint: 0x00ab_cdef_0123_4567,
            pages: 10_002,
            files: 10_274,
            bytes: 195_000_000,
            warnings: 7,
        }
    }

    #[test]
    fn record_round_trips() {
        let r = record();
        assert_eq!(Record::from_text(&r.to_text()), Some(r));
        assert!(
            r.to_text()
                .starts_with("careleaf-build 1\nfingerprint 00abcdef01234567\n")
        );
    }

    #[test]
    fn anything_else_is_no_record() {
        let text = record().to_text();
        assert_eq!(Record::from_text(""), None);
        assert_eq!(Record::from_text(&text.replace("build 1", "build 2")), None);
        assert_eq!(Record::from_text(&text.replace("pages", "page")), None);
        assert_eq!(Record::from_text(&text.replace("10002", "x")), None);
        assert_eq!(Record::from_text(&text[..text.len() / 2]), None);
    }

    fn site(dir: &Path) -> Config {
        std::fs::create_dir_all(dir.join("content")).expect("mkdir");
        std::fs::write(
            dir.join("site.yaml"),
            "title: T\nbase_url: https://example.org/\n",
        )
        .expect("write");
        std::fs::write(dir.join("content/a.md"), "---\ntitle: A\n---\nHello\n").expect("write");
        Config::load(&crate::config::Overrides {
            root: Some(dir.to_path_buf()),
            output: Some(dir.join("public")),
            ..Default::default()
        })
        .expect("config loads")
    }

    #[test]
    fn any_change_to_an_input_changes_the_fingerprint() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path();
        let config = site(root);
        let today = Date::today();
        let fp = of_inputs(&config, today).expect("fingerprint");
        assert_eq!(of_inputs(&config, today), Some(fp), "stable");
        // Same size, different bytes.
        std::fs::write(root.join("content/a.md"), "---\ntitle: A\n---\nHellO\n").expect("write");
        let edited = of_inputs(&config, today).expect("fingerprint");
        assert_ne!(edited, fp);
        std::fs::create_dir_all(root.join("static")).expect("mkdir");
        std::fs::write(root.join("static/x.css"), "").expect("write");
        let added = of_inputs(&config, today).expect("fingerprint");
        assert_ne!(added, edited);
        std::fs::rename(root.join("static/x.css"), root.join("static/y.css")).expect("rename");
        assert_ne!(
            of_inputs(&config, today).expect("fingerprint"),
            added,
            "renamed"
        );
        let tomorrow = today.add_months(1);
        assert_ne!(of_inputs(&config, tomorrow), of_inputs(&config, today));
        let mut drafts = config.clone();
        drafts.drafts = true;
        assert_ne!(of_inputs(&drafts, today), of_inputs(&config, today));
    }

    #[test]
    fn hashes_worked_out_by_the_reader_give_the_same_fingerprint() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path();
        let config = site(root);
        // A byte order mark: the load strips it from the text, but the
        // fingerprint takes the bytes.
        std::fs::write(root.join("content/b.md"), "\u{feff}---\ntitle: B\n---\n").expect("write");
        std::fs::create_dir_all(root.join("static")).expect("mkdir");
        std::fs::write(root.join("static/x.css"), "p{}").expect("write");
        let today = Date::today();
        let whole = of_inputs(&config, today).expect("fingerprint");
        let is_md = |p: &Path| p.extension().is_some_and(|e| e == "md");
        let hashes: Vec<(PathBuf, u64)> = ["content/a.md", "content/b.md"]
            .iter()
            .map(|rel| {
                let path = root.join(rel);
                let bytes = std::fs::read(&path).expect("read");
                (path.clone(), file_hash(&path, &bytes))
            })
            .collect();
        let known: rustc_hash::FxHashMap<&Path, u64> =
            hashes.iter().map(|(p, h)| (p.as_path(), *h)).collect();
        let partial = start(&config, today, is_md).expect("walks");
        assert_eq!(
            partial.files.iter().filter(|(_, h)| h.is_none()).count(),
            2,
            "the Markdown files are left to the reader"
        );
        assert_eq!(partial.finish(&known), Some(whole));
        // A left file the reader did not hash is read here.
        let one: rustc_hash::FxHashMap<&Path, u64> = known
            .iter()
            .filter(|(p, _)| p.ends_with("a.md"))
            .map(|(p, h)| (*p, *h))
            .collect();
        let partial = start(&config, today, is_md).expect("walks");
        assert_eq!(partial.finish(&one), Some(whole));
        // What the reader read is what counts.
        let stale: rustc_hash::FxHashMap<&Path, u64> =
            known.iter().map(|(p, h)| (*p, h ^ 1)).collect();
        let partial = start(&config, today, is_md).expect("walks");
        assert_ne!(partial.finish(&stale), Some(whole));
    }

    #[test]
    fn an_output_is_current_only_with_the_same_fingerprint_and_size() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let out = tmp.path().join("public");
        std::fs::create_dir_all(&out).expect("mkdir");
        std::fs::write(out.join("index.html"), "<p>hi</p>").expect("write");
        let r = Record {
            bytes: 9,
            ..record()
        };
        save(&out, &r);
        assert_eq!(
            current(&out, r.fingerprint),
            None,
            "no marker: not careleaf's"
        );
        std::fs::write(out.join(crate::output::MARKER), "").expect("write");
        assert_eq!(current(&out, r.fingerprint), Some(r));
        assert_eq!(current(&out, r.fingerprint + 1), None);
        std::fs::remove_file(out.join("index.html")).expect("rm");
        assert_eq!(
            current(&out, r.fingerprint),
            None,
            "a deleted file rebuilds"
        );
    }
}
