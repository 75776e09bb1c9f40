//! Finding the site's source files and turning byte offsets into line:col.
//!
//! Owns the sorted walk of `content/` and `static/`, the rules for which files
//! are ignored (hidden, editor swap and backup files) and `LineIndex`. It reads
//! directory entries only; parsing file contents belongs to other modules.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::diag::{Diagnostic, Error, Location};

/// What a file under `content/` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `_index.md`: a section's front matter and intro.
    Section,
    /// A Markdown page (`*.md`, or `index.md` of a page bundle).
    Page,
    /// A standalone FAQ question in `content/faq/`.
    Question,
    /// A data file at the root of `content/` (`benefits.yaml`, ...).
    Data,
    /// Any other file: published as is beside its page (bundle assets, images).
    Asset,
}

/// One discovered file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the site root, with `/` separators (`content/a/b.md`).
    pub rel: String,
    /// Path relative to `content/` (`a/b.md`).
    pub content_rel: String,
    /// Absolute (or root-joined) path on disk.
    pub path: PathBuf,
    /// What it is.
    pub kind: Kind,
}

/// True for files an author did not mean to publish: hidden files, editor
/// swap, backup and temporary files.
pub fn is_ignored_name(name: &str) -> bool {
    name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || name == "4913" // vim's write test file
        || [".swp", ".swo", ".swx", ".tmp", ".bak", ".orig", ".crdownload", ".part"]
            .iter()
            .any(|ext| name.ends_with(ext))
}

/// Walks `content/` in sorted order and classifies every file. Problems with
/// file names (not UTF-8) become diagnostics; an unreadable directory is an error.
pub fn discover(root: &Path) -> Result<(Vec<SourceFile>, Vec<Diagnostic>), Error> {
    let content = root.join("content");
    let mut files = Vec::new();
    let mut diags = Vec::new();
    if !content.is_dir() {
        return Ok((files, diags));
    }
    // Walked in the file system's order and sorted once at the end: walkdir's
    // per-folder sort parses both paths' names at every comparison (1.4% of
    // a build's instructions, all of it before any work in parallel).
    let walker = WalkDir::new(&content)
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_ignored_name(&e.file_name().to_string_lossy()));
    for entry in walker {
        let entry = entry.map_err(|e| walk_error(&content, e))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let Ok(rel_os) = entry.path().strip_prefix(&content) else {
            continue;
        };
        let Some(content_rel) = rel_os.to_str().map(|s| s.replace('\\', "/")) else {
            diags.push(
                Diagnostic::error(
                    Location::new(Path::new("content").join(rel_os), 1, 1),
                    "source.non-utf8-name",
                    "this file name is not valid UTF-8, so it cannot become a URL",
                )
                .with_help("rename the file using letters, digits and hyphens"),
            );
            continue;
        };
        let kind = classify(&content_rel);
        files.push(SourceFile {
            rel: format!("content/{content_rel}"),
            content_rel,
            path: entry.path().to_path_buf(),
            kind,
        });
    }
    // Name by name, folder by folder: the order of a walk that visits each
    // folder's entries sorted by name. With '/' made the lowest byte (no
    // name holds a NUL), byte order is that order.
    files.sort_by_cached_key(|f| f.content_rel.replace('/', "\0"));
    Ok((files, diags))
}

/// Lists the files under `dir` (e.g. `static/`) in sorted order, relative to
/// it, skipping ignored names.
pub fn list_static(dir: &Path) -> Result<Vec<(String, PathBuf)>, Error> {
    let mut out = Vec::new();
    if !dir.is_dir() {
        return Ok(out);
    }
    let walker = WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_ignored_name(&e.file_name().to_string_lossy()));
    for entry in walker {
        let entry = entry.map_err(|e| walk_error(dir, e))?;
        if entry.file_type().is_file()
            && let Ok(rel) = entry.path().strip_prefix(dir)
        {
            let Some(rel) = rel.to_str() else {
                return Err(Error::Other(format!(
                    "`{}`: file name is not valid UTF-8",
                    entry.path().display()
                )));
            };
            out.push((rel.replace('\\', "/"), entry.path().to_path_buf()));
        }
    }
    Ok(out)
}

fn walk_error(dir: &Path, e: walkdir::Error) -> Error {
    let path = e.path().unwrap_or(dir).to_path_buf();
    let source = e
        .into_io_error()
        .unwrap_or_else(|| std::io::Error::other("filesystem loop"));
    Error::Io {
        action: "reading directory",
        path,
        source,
    }
}

/// Classifies a path relative to `content/` (pure; used by discovery and tests).
pub fn classify(content_rel: &str) -> Kind {
    let name = content_rel.rsplit('/').next().unwrap_or(content_rel);
    let depth = content_rel.matches('/').count();
    if name == "_index.md" {
        Kind::Section
    } else if depth == 0 && (name.ends_with(".yaml") || name.ends_with(".yml")) {
        Kind::Data
    } else if name.ends_with(".md") && content_rel.starts_with("faq/") && depth == 1 {
        Kind::Question
    } else if name.ends_with(".md") {
        Kind::Page
    } else {
        Kind::Asset
    }
}

/// Turns byte offsets of one file into 1-based line and character column.
///
/// Line starts are kept as `u32`, exactly as many as the file has lines: a
/// page keeps its index for the whole build, and `usize` starts with room to
/// spare were about a kilobyte per article (10 MB at 10,000 articles, issue
/// 8). Offsets past 4 GiB, which no source file reaches, count as the last
/// line.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Box<[u32]>,
}

impl LineIndex {
    /// Indexes the line starts of `text`.
    pub fn new(text: &str) -> Self {
        // memchr's vectorised search: a `char` pattern walked every byte
        // (1% of a build's instructions; issue 8).
        let mut starts = Vec::with_capacity(text.len() / 40 + 1);
        starts.push(0);
        starts.extend(
            memchr::memchr_iter(b'\n', text.as_bytes())
                .map(|i| u32::try_from(i + 1).unwrap_or(u32::MAX)),
        );
        LineIndex {
            starts: starts.into_boxed_slice(),
        }
    }

    /// 1-based (line, column) of a byte offset; the column counts characters.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let key = u32::try_from(offset).unwrap_or(u32::MAX);
        let line = match self.starts.binary_search(&key) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = (self.starts[line] as usize).min(offset);
        let col = text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line + 1, col + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_files_come_name_by_name_folder_by_folder() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let content = tmp.path().join("content");
        // Created in reverse, so the file system's own order is not the
        // answer; plain string order would put `a-b/` and `a.md` before
        // `a/` ('-' and '.' sort before '/').
        let names = [
            "b.md",
            "ab/x.md",
            "a.md",
            "a-b/c.md",
            "a/b.md",
            "a/_index.md",
            "a/z/deep.md",
        ];
        for name in names {
            let path = content.join(name);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(&path, "---\ntitle: T\n---\n").expect("write");
        }
        let (files, diags) = discover(tmp.path()).expect("discover");
        assert!(diags.is_empty(), "{diags:?}");
        let got: Vec<&str> = files.iter().map(|f| f.content_rel.as_str()).collect();
        assert_eq!(
            got,
            [
                "a/_index.md",
                "a/b.md",
                "a/z/deep.md",
                "a-b/c.md",
                "a.md",
                "ab/x.md",
                "b.md"
            ]
        );
    }

    #[test]
    fn ignores_hidden_swap_and_backup_files() {
        for name in [
            ".DS_Store",
            "a.md.swp",
            "a.md~",
            "#a.md#",
            ".#a.md",
            "4913",
            "a.bak",
        ] {
            assert!(is_ignored_name(name), "{name}");
        }
        for name in ["a.md", "index.md", "image.png", "_index.md"] {
            assert!(!is_ignored_name(name), "{name}");
        }
    }

    #[test]
    fn classifies_content_files() {
        assert_eq!(classify("_index.md"), Kind::Section);
        assert_eq!(classify("a/_index.md"), Kind::Section);
        assert_eq!(classify("a/b.md"), Kind::Page);
        assert_eq!(classify("a/b/index.md"), Kind::Page);
        assert_eq!(classify("a/b/pic.png"), Kind::Asset);
        assert_eq!(classify("benefits.yaml"), Kind::Data);
        assert_eq!(classify("faq/cost.md"), Kind::Question);
        assert_eq!(classify("faq/_index.md"), Kind::Section);
    }

    #[test]
    fn line_index_counts_characters() {
        let text = "ab\néé x\n";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_col(text, 0), (1, 1));
        assert_eq!(idx.line_col(text, 3), (2, 1));
        // "éé " is 5 bytes, 3 characters.
        assert_eq!(idx.line_col(text, 3 + 5), (2, 4));
    }
}
