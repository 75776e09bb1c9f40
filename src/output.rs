//! Writing the built site: a staging folder beside the output, swapped in
//! only when the whole build succeeded.
//!
//! Owns every write and delete careleaf does. It never deletes anything it
//! did not create: an existing output folder is replaced only if it carries
//! careleaf's marker file. Unchanged files are hard-linked from the previous
//! build, so their modification times stay and deploy tools see no change.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::diag::Error;

/// The marker careleaf writes into every output folder it creates.
pub const MARKER: &str = ".careleaf-output";

/// Length, content hash and modification time of every file of the last
/// build, one line each (`LEN HASH MTIME PATH`). A warm build compares new bytes with it instead of
/// reading the previous files back (issue 8).
pub const MANIFEST: &str = ".careleaf-manifest";

fn content_hash(bytes: &[u8]) -> u64 {
    use std::hash::Hasher;
    // rustc-hash's byte hash: deterministic, no seed, several times faster
    // than SipHash over a site's output (every file is hashed). If a new
    // version changes it, old entries stop matching and files are rewritten.
    let mut h = rustc_hash::FxHasher::default();
    h.write(bytes);
    h.finish()
}

/// One manifest entry: length, content hash, modification time (ns).
type Entry = (u64, u64, u128);

fn read_manifest(dir: &Path) -> Option<std::collections::HashMap<String, Entry>> {
    let text = fs::read_to_string(dir.join(MANIFEST)).ok()?;
    let mut m = std::collections::HashMap::new();
    for line in text.lines() {
        let mut parts = line.splitn(4, ' ');
        let len = parts.next()?.parse().ok()?;
        let hash = u64::from_str_radix(parts.next()?, 16).ok()?;
        let mtime = parts.next()?.parse().ok()?;
        m.insert(parts.next()?.to_string(), (len, hash, mtime));
    }
    Some(m)
}

fn mtime_ns(meta: &fs::Metadata) -> u128 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos())
}

fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> Error + 'a {
    move |source| Error::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// Refuses an output folder inside one of the site's input folders
/// (`content/`, `static/`, `themes/`): the next build would read its own
/// output and publish it again, one level deeper each time.
pub fn refuse_inside(output: &Path, inputs: &[&Path]) -> Result<(), Error> {
    let out = absolutize(output);
    for input in inputs {
        let input = absolutize(input);
        if out.starts_with(&input) {
            return Err(Error::Other(format!(
                "refusing to build into `{}`: it is inside `{}`, which careleaf reads, so every build would publish the one before; choose an --output folder outside it",
                out.display(),
                input.display()
            )));
        }
    }
    Ok(())
}

/// A build in progress.
#[derive(Debug)]
pub struct Staging {
    dir: PathBuf,
    output: PathBuf,
    previous: Option<PathBuf>,
    /// The previous build's manifest, when it has one.
    old_manifest: Option<std::collections::HashMap<String, Entry>>,
    /// (path, (length, hash, mtime)) of every file written so far.
    written: std::sync::Mutex<Vec<(String, Entry)>>,
    /// Folders (relative to `dir`) known to exist, so writing a file costs
    /// no `mkdir` for a folder made before (issue 8).
    folders: std::sync::Mutex<std::collections::HashSet<String>>,
    /// The process umask leaves files `0644` and folders `0755` as created:
    /// no `chmod` is needed (see `open_folders`).
    umask_ok: bool,
}

/// True when the process umask is known to clear neither group nor other
/// read/execute bits (`022`, `002`, `000`): files and folders then get
/// `0644`/`0755` as created. Unknown (not Linux) counts as not.
fn umask_is_open() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("Umask:"))?;
            u32::from_str_radix(line["Umask:".len()..].trim(), 8).ok()
        })
        .is_some_and(|m| m & 0o055 == 0)
}

impl Staging {
    /// Prepares a staging folder beside `output`. Refuses when `output`
    /// exists, is not empty, and was not made by careleaf.
    pub fn begin(output: &Path, protected: &[&Path]) -> Result<Staging, Error> {
        let output = absolutize(output);
        for p in protected {
            let p = absolutize(p);
            if p.starts_with(&output) {
                return Err(Error::Other(format!(
                    "refusing to build into `{}`: it contains `{}`, which would be replaced; choose another --output folder",
                    output.display(),
                    p.display()
                )));
            }
        }
        let previous = if output.exists() {
            if !output.is_dir() {
                return Err(Error::Other(format!(
                    "`{}` exists and is not a folder; choose another --output",
                    output.display()
                )));
            }
            let empty = fs::read_dir(&output)
                .map_err(io("reading", &output))?
                .next()
                .is_none();
            if !empty && !output.join(MARKER).exists() {
                return Err(Error::Other(format!(
                    "refusing to replace `{}`: the folder is not empty and was not created by careleaf.\n  Move or delete it yourself, or build elsewhere with `--output DIR`.",
                    output.display()
                )));
            }
            (!empty).then(|| output.clone())
        } else {
            None
        };
        let parent = output
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        fs::create_dir_all(&parent).map_err(io("creating folder", &parent))?;
        let name = output
            .file_name()
            .map_or_else(|| "public".into(), |n| n.to_string_lossy().into_owned());
        let dir = parent.join(format!(".{name}.careleaf-staging-{}", std::process::id()));
        if dir.exists() {
            fs::remove_dir_all(&dir).map_err(io("removing stale staging folder", &dir))?;
        }
        fs::create_dir_all(&dir).map_err(io("creating staging folder", &dir))?;
        let old_manifest = previous.as_deref().and_then(read_manifest);
        Ok(Staging {
            dir,
            output,
            previous,
            old_manifest,
            written: std::sync::Mutex::new(Vec::new()),
            folders: std::sync::Mutex::new(std::collections::HashSet::from([String::new()])),
            umask_ok: umask_is_open(),
        })
    }

    /// Where the output will end up.
    pub fn output(&self) -> &Path {
        &self.output
    }

    /// Writes one file (path relative to the output). When the previous build
    /// has identical bytes there, that file is linked instead of rewritten.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), Error> {
        let dest = self.dest(rel)?;
        let len = bytes.len() as u64;
        let hash = content_hash(bytes);
        let record = |mtime: u128| {
            if let Ok(mut w) = self.written.lock() {
                w.push((rel.to_string(), (len, hash, mtime)));
            }
        };
        if let Some(prev) = &self.previous {
            let old = prev.join(rel);
            let same = match &self.old_manifest {
                // The manifest says whether the bytes are the same; length
                // and modification time catch a file changed by hand since.
                Some(m) => m.get(rel).is_some_and(|&(l, h, t)| {
                    l == len
                        && h == hash
                        && fs::metadata(&old).is_ok_and(|meta| {
                            meta.is_file() && meta.len() == len && mtime_ns(&meta) == t
                        })
                }),
                None => {
                    fs::metadata(&old).is_ok_and(|meta| meta.is_file() && meta.len() == len)
                        && fs::read(&old).is_ok_and(|b| b == bytes)
                }
            };
            if same && fs::hard_link(&old, &dest).is_ok() {
                record(fs::metadata(&dest).map_or(0, |m| mtime_ns(&m)));
                return Ok(());
            }
        }
        let mut f = fs::File::create(&dest).map_err(io("writing", &dest))?;
        f.write_all(bytes).map_err(io("writing", &dest))?;
        // Readable by everyone whatever the umask: GitHub Pages' artifact
        // upload fails on files it cannot read (issue 6).
        #[cfg(unix)]
        if !self.umask_ok {
            use std::os::unix::fs::PermissionsExt;
            f.set_permissions(fs::Permissions::from_mode(0o644))
                .map_err(io("setting permissions of", &dest))?;
        }
        record(f.metadata().map_or(0, |m| mtime_ns(&m)));
        Ok(())
    }

    /// Copies a file from disk (static files, bundle assets).
    pub fn copy(&self, rel: &str, src: &Path) -> Result<(), Error> {
        let bytes = fs::read(src).map_err(io("reading", src))?;
        self.write(rel, &bytes)
    }

    fn dest(&self, rel: &str) -> Result<PathBuf, Error> {
        if rel.split('/').any(|s| s == "..") || rel.starts_with('/') {
            return Err(Error::Other(format!(
                "refusing to write `{rel}` outside the output folder"
            )));
        }
        let dest = self.dir.join(rel);
        let folder = rel.rsplit_once('/').map_or("", |(d, _)| d);
        let known = self.folders.lock().is_ok_and(|f| f.contains(folder));
        if !known && let Some(parent) = dest.parent() {
            fs::create_dir_all(parent).map_err(io("creating folder", parent))?;
            if let Ok(mut f) = self.folders.lock() {
                let mut d = folder;
                while f.insert(d.to_string()) {
                    d = d.rsplit_once('/').map_or("", |(p, _)| p);
                }
            }
        }
        Ok(dest)
    }

    /// Swaps the staging folder in as the output.
    pub fn commit(self) -> Result<PathBuf, Error> {
        self.commit_sized().map(|(path, _)| path)
    }

    /// `commit`, also returning the total size in bytes of the files in the
    /// new output (what `folder_size` would count, without walking it).
    pub fn commit_sized(self) -> Result<(PathBuf, u64), Error> {
        if !self.umask_ok {
            open_folders(&self.dir)?;
        }
        const MARKER_TEXT: &[u8] =
            b"This folder is written by careleaf; it is replaced on every build.\n";
        let marker = self.dir.join(MARKER);
        write_readable(&marker, MARKER_TEXT).map_err(io("writing", &marker))?;
        let mut entries = self
            .written
            .lock()
            .map(|mut w| std::mem::take(&mut *w))
            .unwrap_or_default();
        // A path written twice (a static file over a page) holds the last
        // bytes written: keep that entry. The sort is stable.
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        entries.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                std::mem::swap(later, kept);
            }
            same
        });
        let mut manifest = String::with_capacity(entries.len() * 64);
        let mut bytes = MARKER_TEXT.len() as u64;
        for (path, (len, hash, mtime)) in &entries {
            use std::fmt::Write as _;
            let _ = writeln!(manifest, "{len} {hash:016x} {mtime} {path}");
            bytes += len;
        }
        bytes += manifest.len() as u64;
        let manifest_path = self.dir.join(MANIFEST);
        write_readable(&manifest_path, manifest.as_bytes())
            .map_err(io("writing", &manifest_path))?;
        let old = self.output.with_file_name(format!(
            ".{}.careleaf-old-{}",
            self.output
                .file_name()
                .map_or_else(|| "public".into(), |n| n.to_string_lossy().into_owned()),
            std::process::id()
        ));
        if self.output.exists() {
            fs::rename(&self.output, &old)
                .map_err(io("moving the previous output aside", &self.output))?;
        }
        if let Err(source) = fs::rename(&self.dir, &self.output) {
            // Put the previous site back.
            let _ = fs::rename(&old, &self.output);
            return Err(Error::Io {
                action: "moving the new site into place",
                path: self.output.clone(),
                source,
            });
        }
        if old.exists() {
            remove_tree(&old)?;
        }
        Ok((self.output.clone(), bytes))
    }

    /// Removes the staging folder; the previous output is untouched.
    pub fn abort(self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Writes a file of the output that is not a page (careleaf's own records):
/// `0644` whatever the umask, as `Staging::write` does for pages.
pub fn write_readable(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    fs::write(path, bytes)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o644))?;
    }
    Ok(())
}

/// Removes a previous output folder: files in parallel (unlinking is the slow
/// part on some file systems), then the folders.
fn remove_tree(dir: &Path) -> Result<(), Error> {
    use rayon::prelude::*;
    let files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| !e.file_type().is_dir())
        .map(walkdir::DirEntry::into_path)
        .collect();
    files.par_iter().for_each(|f| {
        let _ = fs::remove_file(f);
    });
    fs::remove_dir_all(dir).map_err(io("removing the previous output", dir))
}

fn absolutize(p: &Path) -> PathBuf {
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    };
    // Resolve `.` and `..` lexically; canonicalize where the path exists.
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    fs::canonicalize(&out).unwrap_or(out)
}

/// Makes every folder under `dir` (and `dir`) `0755`, whatever the umask, so
/// the published site is readable (files get `0644` in `Staging::write`).
#[cfg(unix)]
fn open_folders(dir: &Path) -> Result<(), Error> {
    use std::os::unix::fs::PermissionsExt;
    for entry in walkdir::WalkDir::new(dir) {
        let Ok(entry) = entry else { continue };
        if entry.file_type().is_dir() {
            fs::set_permissions(entry.path(), fs::Permissions::from_mode(0o755))
                .map_err(io("setting permissions of", entry.path()))?;
        }
    }
    Ok(())
}

#[cfg(not(unix))]
fn open_folders(_dir: &Path) -> Result<(), Error> {
    Ok(())
}

/// Total size in bytes of the files under `dir`.
pub fn folder_size(dir: &Path) -> u64 {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_foreign_non_empty_folder_and_keeps_it() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let out = tmp.path().join("public");
        fs::create_dir_all(&out).expect("mkdir");
        fs::write(out.join("mine.txt"), "keep").expect("write");
        let e = Staging::begin(&out, &[]).expect_err("must refuse");
        assert!(e.to_string().contains("was not created by careleaf"), "{e}");
        assert_eq!(
            fs::read_to_string(out.join("mine.txt")).expect("kept"),
            "keep"
        );
    }

    #[test]
    fn commit_reports_the_size_walking_would_find_and_keeps_the_last_write() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let out = tmp.path().join("public");
        let s = Staging::begin(&out, &[]).expect("begin");
        s.write("a/b/c/index.html", b"first").expect("write");
        s.write("a/index.html", b"12345678").expect("write");
        // A static file over a page: the later write wins, on disk and in
        // the manifest.
        s.write("a/b/c/index.html", b"second!").expect("write");
        let (path, bytes) = s.commit_sized().expect("commit");
        assert_eq!(bytes, folder_size(&path));
        assert_eq!(
            fs::read_to_string(out.join("a/b/c/index.html")).expect("read"),
            "second!"
        );
        let m = read_manifest(&out).expect("manifest");
        assert_eq!(m["a/b/c/index.html"].0, 7);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode(&out.join("a/b")), 0o755);
            assert_eq!(mode(&out.join("a/index.html")), 0o644);
        }
    }

    #[test]
    fn commit_replaces_and_abort_keeps_previous() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let out = tmp.path().join("public");
        let s = Staging::begin(&out, &[]).expect("begin");
        s.write("a/index.html", b"one").expect("write");
        s.commit().expect("commit");
        assert_eq!(
            fs::read_to_string(out.join("a/index.html")).expect("read"),
            "one"
        );

        let s = Staging::begin(&out, &[]).expect("begin");
        s.write("a/index.html", b"two").expect("write");
        s.abort();
        assert_eq!(
            fs::read_to_string(out.join("a/index.html")).expect("read"),
            "one"
        );

        let s = Staging::begin(&out, &[]).expect("begin");
        s.write("b.txt", b"x").expect("write");
        s.commit().expect("commit");
        assert!(!out.join("a/index.html").exists(), "stale files are gone");
        let leftovers: Vec<_> = fs::read_dir(tmp.path())
            .expect("ls")
            .filter_map(Result::ok)
            .map(|e| e.file_name())
            .collect();
        assert_eq!(leftovers.len(), 1, "{leftovers:?}");
    }

    #[cfg(unix)]
    #[test]
    fn unchanged_files_keep_their_inode() {
        use std::os::unix::fs::MetadataExt;
        let tmp = tempfile::tempdir().expect("tempdir");
        let out = tmp.path().join("public");
        let s = Staging::begin(&out, &[]).expect("begin");
        s.write("same.html", b"same").expect("write");
        s.commit().expect("commit");
        let ino = fs::metadata(out.join("same.html")).expect("meta").ino();
        let s = Staging::begin(&out, &[]).expect("begin");
        s.write("same.html", b"same").expect("write");
        s.commit().expect("commit");
        assert_eq!(
            fs::metadata(out.join("same.html")).expect("meta").ino(),
            ino
        );
    }

    #[test]
    fn warm_build_rewrites_a_file_changed_by_hand_and_keeps_the_rest() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let out = tmp.path().join("public");
        let s = Staging::begin(&out, &[]).expect("begin");
        s.write("a.html", b"aaaa").expect("write");
        s.write("b.html", b"bbbb").expect("write");
        s.commit().expect("commit");
        let b_time = fs::metadata(out.join("b.html"))
            .and_then(|m| m.modified())
            .expect("mtime");
        std::thread::sleep(std::time::Duration::from_millis(20));
        // Same length, different bytes: only the manifest's time notices.
        fs::write(out.join("a.html"), b"AAAA").expect("hand edit");
        assert!(
            fs::read_to_string(out.join(MANIFEST))
                .expect("manifest")
                .contains(" b.html\n")
        );
        let s = Staging::begin(&out, &[]).expect("begin");
        s.write("a.html", b"aaaa").expect("write");
        s.write("b.html", b"bbbb").expect("write");
        s.commit().expect("commit");
        assert_eq!(
            fs::read_to_string(out.join("a.html")).expect("read"),
            "aaaa"
        );
        let b_after = fs::metadata(out.join("b.html"))
            .and_then(|m| m.modified())
            .expect("mtime");
        assert_eq!(b_time, b_after, "unchanged file kept");
    }

    #[test]
    fn refuses_output_containing_the_site() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let e = Staging::begin(tmp.path(), &[&tmp.path().join("content")]).expect_err("refuse");
        assert!(e.to_string().contains("refusing"), "{e}");
    }
}
