//! The command line: clap derive types only. `lib::run` turns them into a
//! `Config`; nothing after that sees these types.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// careleaf builds patient-education websites for clinics from Markdown.
#[derive(Debug, Parser)]
#[command(name = "careleaf", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command that reads a site takes.
#[derive(Debug, Clone, Args, Default)]
pub struct SiteArgs {
    /// The site's root folder (the one with site.yaml).
    #[arg(short, long, value_name = "DIR", default_value = ".")]
    pub root: PathBuf,
    /// Replace `base_url` from site.yaml.
    #[arg(long, value_name = "URL", value_parser = base_url_arg)]
    pub base_url: Option<String>,
    /// Include pages marked `draft: true`.
    #[arg(long)]
    pub drafts: bool,
}

/// A bad `--base-url` is a usage error (exit code 2), caught by clap.
fn base_url_arg(s: &str) -> Result<String, String> {
    crate::config::normalize_base_url(s).map(|_| s.to_string())
}

/// How `check` prints its findings.
#[derive(Debug, Clone, Copy, ValueEnum, Default, PartialEq, Eq)]
pub enum Format {
    /// `path:line:col: severity[code]: message` with the source line.
    #[default]
    Human,
    /// One JSON document on stdout.
    Json,
    /// GitHub Actions annotations (`::warning file=...::`).
    Github,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new site (config, a starter article, the GitHub Pages
    /// workflow) in DIR; refuses to overwrite existing files.
    Init {
        /// Where to create the site (created if missing).
        #[arg(value_name = "DIR", default_value = ".")]
        dir: PathBuf,
    },
    /// Build the site into the output folder (default: ROOT/public).
    Build {
        /// The site.
        #[command(flatten)]
        site: SiteArgs,
        /// Where to write the site.
        #[arg(short, long, value_name = "DIR")]
        output: Option<PathBuf>,
    },
    /// Preview the site: build it in memory, serve it and reload the browser
    /// when a file under content/, static/, themes/ or site.yaml changes.
    #[cfg(feature = "serve")]
    Serve {
        /// The site.
        #[command(flatten)]
        site: SiteArgs,
        /// Port to listen on; the next free one is used if it is taken.
        #[arg(short, long, default_value_t = 1111)]
        port: u16,
        /// Interface to listen on. Keep the default unless other devices on
        /// your network must see the preview.
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// Open the site in the default browser.
        #[arg(long)]
        open: bool,
    },
    /// Check the content for problems without writing the site.
    Check {
        /// The site.
        #[command(flatten)]
        site: SiteArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Treat warnings as errors.
        #[arg(long)]
        strict: bool,
        /// Print every rule with its code and severity, and exit.
        #[arg(long)]
        list_rules: bool,
    },
    /// Write a new article or question with every front matter field, commented.
    New {
        /// What to write.
        #[command(subcommand)]
        what: NewKind,
        /// The site's root folder (the one with site.yaml).
        #[arg(short, long, value_name = "DIR", default_value = ".", global = true)]
        root: PathBuf,
    },
    /// Print the JSON Schema of the front matter (for editors).
    Schema {
        /// Write it to this file instead of stdout.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

/// What `careleaf new` writes.
#[derive(Debug, Subcommand)]
pub enum NewKind {
    /// An article: `content/[SECTION/]<slug>.md`.
    Article {
        /// The article's title; the file name is made from it.
        title: String,
        /// The section folder under content/, e.g. `microneedling`.
        #[arg(short, long, value_name = "SECTION")]
        section: Option<String>,
    },
    /// A standalone question: `content/faq/<slug>.md`.
    Faq {
        /// The question, as a patient would ask it.
        question: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// clap checks the whole command definition (conflicting names, bad
    /// defaults) only in debug builds and only when asked.
    #[test]
    fn cli_definition_is_valid() {
        Cli::command().debug_assert();
    }
}
