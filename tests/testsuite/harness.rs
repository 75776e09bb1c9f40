//! `SiteTest`: a fixture site in a temp dir, built through the library or the
//! binary, with helpers to change files and read the output.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use careleaf::config::{Config, Overrides};
use careleaf::frontmatter::Date;

/// A fixed "today" so review-date rules are deterministic.
pub fn today() -> Date {
    "2026-11-21".parse().expect("valid date")
}

/// The site.yaml of a fixture that has none, and of `SiteTest::empty()`.
pub const DEFAULT_SITE_YAML: &str =
    "title: Test clinic\nbase_url: https://clinic.example/skin/\nlanguage: en\n";

pub struct SiteTest {
    pub dir: tempfile::TempDir,
    pub base_url: Option<String>,
}

impl SiteTest {
    /// Copies `tests/fixtures/NAME` into a fresh temp dir.
    pub fn from_fixture(name: &str) -> SiteTest {
        let src = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name);
        assert!(src.is_dir(), "no fixture {}", src.display());
        let dir = tempfile::tempdir().expect("tempdir");
        copy_dir(&src, dir.path());
        // Most fixtures need no special settings: give them a default site.yaml.
        let site_yaml = dir.path().join("site.yaml");
        if !site_yaml.exists() {
            std::fs::write(&site_yaml, DEFAULT_SITE_YAML).expect("write site.yaml");
        }
        SiteTest {
            dir,
            base_url: None,
        }
    }

    /// Copies the repository's example site (site.yaml, content/, static/).
    pub fn example_site() -> SiteTest {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::copy(root.join("site.yaml"), dir.path().join("site.yaml"))
            .expect("copy site.yaml");
        copy_dir(&root.join("content"), &dir.path().join("content"));
        if root.join("static").is_dir() {
            copy_dir(&root.join("static"), &dir.path().join("static"));
        }
        SiteTest {
            dir,
            base_url: None,
        }
    }

    /// An empty site with just a site.yaml.
    pub fn empty() -> SiteTest {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("site.yaml"), DEFAULT_SITE_YAML).expect("write");
        SiteTest {
            dir,
            base_url: None,
        }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn out(&self) -> PathBuf {
        self.dir.path().join("public")
    }

    /// Writes (or replaces) a file relative to the site root.
    pub fn change_file(&self, rel: &str, text: &str) -> &Self {
        let p = self.dir.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
        self
    }

    pub fn remove_file(&self, rel: &str) -> &Self {
        std::fs::remove_file(self.dir.path().join(rel)).expect("remove");
        self
    }

    pub fn config(&self) -> Config {
        Config::load(&Overrides {
            root: Some(self.root().to_path_buf()),
            output: None,
            base_url: self.base_url.clone(),
            drafts: false,
            live_reload: false,
        })
        .expect("config loads")
    }

    /// Builds through the library; panics with the diagnostics on failure.
    pub fn build(&self) -> &Self {
        if let Err(e) = careleaf::build(&self.config(), today()) {
            panic!("build failed: {}", describe(&e));
        }
        self
    }

    /// Builds and returns the error (the build must fail).
    pub fn build_err(&self) -> careleaf::diag::Error {
        careleaf::build(&self.config(), today()).expect_err("build should fail")
    }

    /// Loads (parse + check) and returns every diagnostic rendered as text.
    pub fn diagnostics(&self) -> Vec<String> {
        let loaded = careleaf::load(&self.config(), today()).expect("load");
        loaded
            .diagnostics
            .iter()
            .map(|d| careleaf::diag::render_human(d, false))
            .collect()
    }

    /// Reads an output file.
    pub fn read(&self, rel: &str) -> String {
        let p = self.out().join(rel);
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("reading {}: {e}", p.display()))
    }

    /// The `<main>` element of an output page.
    pub fn main_of(&self, rel: &str) -> String {
        let html = self.read(rel);
        let start = html.find("<main").expect("<main> present");
        let end = html.find("</main>").expect("</main> present") + "</main>".len();
        html[start..end].to_string()
    }

    /// Runs the careleaf binary in the site root; the closure adds arguments.
    pub fn run(&self, f: impl FnOnce(&mut Command)) -> std::process::Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_careleaf"));
        cmd.current_dir(self.root())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("NO_COLOR", "1");
        f(&mut cmd);
        cmd.output().expect("run careleaf")
    }
}

/// Error text as a user sees it (diagnostics rendered).
pub fn describe(e: &careleaf::diag::Error) -> String {
    match e {
        careleaf::diag::Error::Content { diagnostics, .. } => diagnostics
            .iter()
            .map(|d| careleaf::diag::render_human(d, false))
            .collect::<Vec<_>>()
            .join(""),
        other => {
            let mut s = other.to_string();
            let mut src = std::error::Error::source(other);
            while let Some(c) = src {
                s.push_str(&format!("\n  caused by: {c}"));
                src = c.source();
            }
            s
        }
    }
}

pub fn copy_dir(src: &Path, dst: &Path) {
    for entry in walkdir::WalkDir::new(src) {
        let entry = entry.expect("walk");
        let rel = entry.path().strip_prefix(src).expect("prefix");
        let target = dst.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}
