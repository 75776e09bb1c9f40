//! Diagnostics about an author's files and the errors that stop a run.
//!
//! Owns `Location`, `Diagnostic`, `Error` and the three reporters (human, JSON,
//! GitHub annotations). It formats; it never reads files or decides severity
//! policy (that is `check`'s job).

use std::fmt::{self, Write as _};
use std::path::PathBuf;

use serde::Serialize;

/// A place in an author's file: a path relative to the site root, 1-based line
/// and column (the column counts characters, not bytes).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Location {
    /// Path of the file, relative to the site root where possible.
    pub path: PathBuf,
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, in characters.
    pub col: usize,
}

impl Location {
    /// A location at a line and column of a file.
    pub fn new(path: impl Into<PathBuf>, line: usize, col: usize) -> Self {
        Location {
            path: path.into(),
            line,
            col,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.path.display(), self.line, self.col)
    }
}

/// How serious a diagnostic is. Errors fail `build` and `check`; warnings do
/// not (unless `check --strict`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Fails the build.
    Error,
    /// Reported, does not fail the build.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// One problem in an author's content, at a location, with a stable rule code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Where the problem is.
    pub location: Location,
    /// Error or warning.
    pub severity: Severity,
    /// Stable code, e.g. `frontmatter.unknown-field` or `claims.absolute`.
    pub code: &'static str,
    /// What is wrong, in one sentence.
    pub message: String,
    /// How to fix it, or a "did you mean".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// The text of the line the location points at, for the caret display.
    #[serde(skip)]
    pub source_line: Option<String>,
    /// How many characters the caret underlines (at least 1).
    #[serde(skip)]
    pub width: usize,
}

impl Diagnostic {
    /// An error diagnostic.
    pub fn error(location: Location, code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            location,
            severity: Severity::Error,
            code,
            message: message.into(),
            help: None,
            source_line: None,
            width: 1,
        }
    }

    /// A warning diagnostic.
    pub fn warning(location: Location, code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(location, code, message)
        }
    }

    /// Adds a help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Attaches the source line (taken from the whole file text) and the
    /// underline width, so the reporter can draw a caret.
    pub fn with_source(mut self, file_text: &str, width: usize) -> Self {
        self.source_line = file_text
            .lines()
            .nth(self.location.line.saturating_sub(1))
            .map(|l| l.trim_end_matches('\r').to_string());
        self.width = width.max(1);
        self
    }
}

/// An error that stops the run: IO, bad configuration, a template that fails.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The author's content has errors; they were reported as diagnostics.
    #[error("{count} error{} found in the content", if *.count == 1 { "" } else { "s" })]
    Content {
        /// How many errors.
        count: usize,
        /// Every diagnostic of the run (errors and warnings).
        diagnostics: Vec<Diagnostic>,
    },
    /// Reading or writing a file failed.
    #[error("{action} `{}`", path.display())]
    Io {
        /// What was being done ("reading", "writing", ...).
        action: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The underlying IO error.
        #[source]
        source: std::io::Error,
    },
    /// The site configuration is invalid.
    #[error("invalid site configuration")]
    Config(#[source] Box<Diagnostic>),
    /// A template failed to compile or render.
    #[error("template error in `{name}`")]
    Template {
        /// Which template.
        name: String,
        /// The engine's error chain.
        #[source]
        source: tera::Error,
    },
    /// Anything else that stops the run, with a message naming what failed.
    #[error("{0}")]
    Other(String),
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&render_human(self, false))
    }
}

impl std::error::Error for Diagnostic {}

/// Renders one diagnostic for a terminal or a log:
///
/// ```text
/// content/a.md:3:1: error[frontmatter.unknown-field]: unknown field `reviwed_on`
///   |
/// 3 | reviwed_on: 2026-01-01
///   | ^^^^^^^^^^
///   = help: did you mean `reviewed_on`?
/// ```
pub fn render_human(d: &Diagnostic, color: bool) -> String {
    let (bold, red, yellow, blue, reset) = if color {
        (
            "\x1b[1m",
            "\x1b[1;31m",
            "\x1b[1;33m",
            "\x1b[1;34m",
            "\x1b[0m",
        )
    } else {
        ("", "", "", "", "")
    };
    let sev_color = match d.severity {
        Severity::Error => red,
        Severity::Warning => yellow,
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{bold}{}{reset}: {sev_color}{}[{}]{reset}: {bold}{}{reset}",
        d.location, d.severity, d.code, d.message
    );
    if let Some(line) = &d.source_line {
        let num = d.location.line.to_string();
        let pad = " ".repeat(num.len());
        let line = line.replace('\t', " ");
        let caret_pad: String = " ".repeat(d.location.col.saturating_sub(1));
        let _ = writeln!(out, "{blue}{pad} |{reset}");
        let _ = writeln!(out, "{blue}{num} |{reset} {line}");
        let _ = writeln!(
            out,
            "{blue}{pad} |{reset} {caret_pad}{sev_color}{}{reset}",
            "^".repeat(d.width)
        );
    }
    if let Some(help) = &d.help {
        let pad = " ".repeat(d.location.line.to_string().len());
        let _ = writeln!(out, "{pad} = help: {help}");
    }
    out
}

/// Renders a diagnostic as a GitHub Actions workflow command, so a pull
/// request shows it inline on the changed line.
pub fn render_github(d: &Diagnostic) -> String {
    let kind = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut msg = d.message.clone();
    if let Some(help) = &d.help {
        msg.push('\n');
        msg.push_str(help);
    }
    format!(
        "::{kind} file={},line={},col={},title={}::{}",
        escape_property(&d.location.path.to_string_lossy()),
        d.location.line,
        d.location.col,
        escape_property(d.code),
        escape_data(&msg)
    )
}

// The escaping rules of GitHub's workflow commands (actions/toolkit `command.ts`).
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Suggests the candidate closest to `word`, if one is close enough to be a
/// plausible typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        let score = strsim::jaro_winkler(&word.to_lowercase(), &c.to_lowercase());
        if score > 0.8 && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diag() -> Diagnostic {
        Diagnostic::error(
            Location::new("content/a.md", 3, 1),
            "frontmatter.unknown-field",
            "unknown field `reviwed_on`",
        )
        .with_help("did you mean `reviewed_on`?")
        .with_source("---\ntitle: A\nreviwed_on: 2026-01-01\n---\n", 10)
    }

    #[test]
    fn human_has_location_code_caret_and_help() {
        let text = render_human(&diag(), false);
        assert_eq!(
            text,
            "content/a.md:3:1: error[frontmatter.unknown-field]: unknown field `reviwed_on`\n  |\n3 | reviwed_on: 2026-01-01\n  | ^^^^^^^^^^\n  = help: did you mean `reviewed_on`?\n"
        );
    }

    #[test]
    fn github_annotation_escapes_and_uses_documented_syntax() {
        let mut d = diag();
        d.severity = Severity::Warning;
        d.message = "50% done, a: b".into();
        assert_eq!(
            render_github(&d),
            "::warning file=content/a.md,line=3,col=1,title=frontmatter.unknown-field::50%25 done, a: b%0Adid you mean `reviewed_on`?"
        );
    }

    #[test]
    fn suggests_close_names_only() {
        let fields = ["reviewed_by", "last_reviewed", "title"];
        assert_eq!(did_you_mean("reviwed_by", fields), Some("reviewed_by"));
        assert_eq!(did_you_mean("zzz", fields), None);
    }
}
