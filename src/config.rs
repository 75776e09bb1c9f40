//! Site configuration: `site.yaml` plus command-line overrides, validated into
//! a `Config`, and the site's vocabularies (`content/benefits.yaml`,
//! `people.yaml`, `treatments.yaml`).
//!
//! Owns every setting a run uses; nothing after `Config::load` sees clap types.
//! Reads only the config and data files; YAML parsing goes through
//! `frontmatter::parse_yaml` so positions and "did you mean" are shared.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::diag::{Diagnostic, Error, Location};
use crate::frontmatter::{Spanned, parse_yaml, strip_bom};

/// A postal address.
#[derive(Debug, Clone, Deserialize, Default, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Address {
    /// Street and number.
    #[serde(default)]
    pub street: String,
    /// Town or city.
    #[serde(default)]
    pub locality: String,
    /// County, state or region.
    #[serde(default)]
    pub region: String,
    /// Postal code.
    #[serde(default)]
    pub postal_code: String,
    /// ISO country code.
    #[serde(default)]
    pub country: String,
}

/// The clinic behind the site: shown in the footer and on every article.
#[derive(Debug, Clone, Deserialize, Default, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Clinic {
    /// The clinic's name.
    pub name: String,
    /// Where it is.
    #[serde(default)]
    pub address: Address,
    /// Telephone, international format.
    #[serde(default)]
    pub phone: Option<String>,
    /// Contact e-mail.
    #[serde(default)]
    pub email: Option<String>,
    /// Where to book a consultation (site-relative `/contact/` or absolute).
    #[serde(default)]
    pub booking_url: Option<String>,
    /// Opening hours in schema.org form (`Mo-Fr 09:00-18:00`).
    #[serde(default)]
    pub opening_hours: Vec<String>,
}

/// One entry of the navigation menu.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct MenuItem {
    /// Link text.
    pub name: String,
    /// Site-relative (`/faq/`) or absolute URL.
    pub url: String,
}

/// Severity an author can give a check rule in `site.yaml`.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Fails build and check.
    Error,
    /// Reported only.
    Warning,
    /// Not reported.
    Off,
}

/// Claims rule settings.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ClaimsConfig {
    /// Extra phrases to flag, besides the built-in list.
    #[serde(default)]
    pub phrases: Vec<String>,
    /// Phrases that are allowed even though they contain a flagged phrase
    /// (e.g. "no permanent damage").
    #[serde(default)]
    pub allow: Vec<String>,
    /// Extra medically doubtful phrases, besides the built-in list.
    #[serde(default)]
    pub doubtful: Vec<String>,
}

/// `check:` settings.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CheckConfig {
    /// Per-rule severity overrides: `claims.absolute: error`.
    #[serde(default)]
    pub severity: BTreeMap<String, Level>,
    /// Claims phrase list additions and exceptions.
    #[serde(default)]
    pub claims: ClaimsConfig,
    /// Keywords (e.g. place names) whose repetition is flagged as stuffing.
    #[serde(default)]
    pub spam_keywords: Vec<String>,
    /// Other origins content may load from (`https://player.example.org`).
    #[serde(default)]
    pub allowed_origins: Vec<String>,
}

/// The contents of `site.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    /// The site's name.
    pub title: String,
    /// Where the site is published, e.g. `https://clinic.github.io/skin/`.
    pub base_url: String,
    /// Language tag for `<html lang>`.
    #[serde(default = "default_language")]
    pub language: String,
    /// Default meta description.
    #[serde(default)]
    pub description: String,
    /// Theme folder name under `themes/`.
    #[serde(default = "default_theme")]
    pub theme: String,
    /// The clinic.
    #[serde(default)]
    pub clinic: Option<Clinic>,
    /// The navigation menu.
    #[serde(default)]
    pub menu: Vec<MenuItem>,
    /// Months after which a medical review is due.
    #[serde(default = "default_review_interval")]
    pub review_interval_months: u32,
    /// Default image for social cards, site-relative.
    #[serde(default)]
    pub social_image: Option<String>,
    /// Items per section list page.
    #[serde(default = "default_paginate")]
    pub paginate_by: usize,
    /// Entries in the Atom feed.
    #[serde(default = "default_feed_limit")]
    pub feed_limit: usize,
    /// Build the search index and page.
    #[serde(default = "default_true")]
    pub search: bool,
    /// Minimum number of `h2` headings for an automatic table of contents.
    #[serde(default = "default_toc_min")]
    pub toc_min_headings: usize,
    /// Content check settings.
    #[serde(default)]
    pub check: CheckConfig,
    /// Free-form values for themes.
    #[serde(default)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

fn default_language() -> String {
    "en".into()
}
fn default_theme() -> String {
    "default".into()
}
fn default_review_interval() -> u32 {
    12
}
fn default_paginate() -> usize {
    10
}
fn default_feed_limit() -> usize {
    20
}
fn default_true() -> bool {
    true
}
fn default_toc_min() -> usize {
    3
}

const SITE_FIELDS: &[&str] = &[
    "title",
    "base_url",
    "language",
    "description",
    "theme",
    "clinic",
    "menu",
    "review_interval_months",
    "social_image",
    "paginate_by",
    "feed_limit",
    "search",
    "toc_min_headings",
    "check",
    "extra",
    "name",
    "address",
    "phone",
    "email",
    "booking_url",
    "opening_hours",
    "street",
    "locality",
    "region",
    "postal_code",
    "country",
    "url",
    "severity",
    "claims",
    "spam_keywords",
    "allowed_origins",
    "phrases",
    "allow",
];

/// Overrides from the command line.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// Site root (default: current directory).
    pub root: Option<PathBuf>,
    /// Output folder (default: `ROOT/public`).
    pub output: Option<PathBuf>,
    /// Replace `base_url`.
    pub base_url: Option<String>,
    /// Include drafts.
    pub drafts: bool,
    /// Inject the live-reload script (serve only).
    pub live_reload: bool,
}

/// Everything a run needs to know, validated.
#[derive(Debug, Clone)]
pub struct Config {
    /// The site's settings.
    pub site: SiteConfig,
    /// Site root folder.
    pub root: PathBuf,
    /// Output folder.
    pub output: PathBuf,
    /// Absolute base URL, always ending in `/`.
    pub base_url: String,
    /// The path part of `base_url`, always starting and ending in `/`.
    pub base_path: String,
    /// Build drafts.
    pub drafts: bool,
    /// Inject the live-reload script.
    pub live_reload: bool,
    /// Keep the previous output's search index (`pagefind/`) instead of
    /// rebuilding it: `serve` sets this for rebuilds after the first so an
    /// edit does not pay for re-indexing. `build` always indexes.
    pub reuse_search_index: bool,
}

impl Config {
    /// Reads `ROOT/site.yaml` and applies the overrides.
    pub fn load(o: &Overrides) -> Result<Config, Error> {
        let root = o.root.clone().unwrap_or_else(|| PathBuf::from("."));
        let path = root.join("site.yaml");
        let text = std::fs::read_to_string(&path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                // The usual cause: careleaf run outside a site's folder.
                return Error::Other(format!(
                    "no site.yaml in `{}`: run careleaf in a site's folder, pass --root DIR, or start a site with `careleaf init DIR`",
                    root.display()
                ));
            }
            Error::Io {
                action: "reading the site configuration",
                path: path.clone(),
                source,
            }
        })?;
        let site = parse_site(&text, "site.yaml").map_err(|d| Error::Config(Box::new(d)))?;
        Config::from_site(site, root, o).map_err(|e| match e {
            // Point at the `base_url:` line rather than the top of the file.
            Error::Config(d) if d.code == "config.base-url" => {
                let (text, _) = strip_bom(&text);
                let at = text
                    .lines()
                    .enumerate()
                    .find(|(_, l)| l.starts_with("base_url:"));
                match at {
                    Some((n, l)) => {
                        let value = l["base_url:".len()..].trim_start();
                        let col = l.len() - value.len() + 1;
                        let mut d = *d;
                        d.location = Location::new("site.yaml", n + 1, col);
                        Error::Config(Box::new(
                            d.with_source(text, value.trim_end().chars().count()),
                        ))
                    }
                    None => Error::Config(d),
                }
            }
            other => other,
        })
    }

    /// Builds a `Config` from an already parsed `SiteConfig`.
    pub fn from_site(site: SiteConfig, root: PathBuf, o: &Overrides) -> Result<Config, Error> {
        let base = o.base_url.clone().unwrap_or_else(|| site.base_url.clone());
        let (base_url, base_path) = normalize_base_url(&base).map_err(|msg| {
            if o.base_url.is_some() {
                // It came from the command line, not from site.yaml.
                return Error::Other(format!(
                    "--base-url: {msg}; use a full URL such as `https://clinic.github.io/skin/`"
                ));
            }
            Error::Config(Box::new(
                Diagnostic::error(Location::new("site.yaml", 1, 1), "config.base-url", msg)
                    .with_help("use a full URL such as `https://clinic.github.io/skin/`"),
            ))
        })?;
        let output = o.output.clone().unwrap_or_else(|| root.join("public"));
        Ok(Config {
            site,
            root,
            output,
            base_url,
            base_path,
            drafts: o.drafts,
            live_reload: o.live_reload,
            reuse_search_index: false,
        })
    }

    /// The site-relative URL `path` (no leading slash) under the base path.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_path, path.trim_start_matches('/'))
    }

    /// The absolute URL of a site-relative path.
    pub fn permalink(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path.trim_start_matches('/'))
    }
}

/// Parses `site.yaml` text.
pub fn parse_site(text: &str, path: &str) -> Result<SiteConfig, Diagnostic> {
    let (text, _) = strip_bom(text);
    parse_yaml(text, text, path, 1, SITE_FIELDS).map_err(|d| recode(d, "config"))
}

/// The YAML parser names its codes after front matter; in `site.yaml` and
/// the data files an editor should read `config.unknown-field` or
/// `data.unknown-field` instead.
fn recode(mut d: Diagnostic, file: &str) -> Diagnostic {
    let rest = d.code.strip_prefix("frontmatter.").unwrap_or("");
    d.code = match (file, rest) {
        ("config", "unknown-field") => "config.unknown-field",
        ("config", "missing-field") => "config.missing-field",
        ("config", "wrong-type") => "config.wrong-type",
        ("config", "duplicate-field") => "config.duplicate-field",
        ("config", "tab") => "config.tab",
        ("config", "unclosed-quote") => "config.unclosed-quote",
        ("config", "syntax") => "config.syntax",
        ("config", "too-large") => "config.too-large",
        ("data", "unknown-field") => "data.unknown-field",
        ("data", "missing-field") => "data.missing-field",
        ("data", "wrong-type") => "data.wrong-type",
        ("data", "duplicate-field") => "data.duplicate-field",
        ("data", "tab") => "data.tab",
        ("data", "unclosed-quote") => "data.unclosed-quote",
        ("data", "syntax") => "data.syntax",
        ("data", "too-large") => "data.too-large",
        _ => d.code,
    };
    d
}

/// Splits a base URL into its normalized absolute form and its path.
pub fn normalize_base_url(url: &str) -> Result<(String, String), String> {
    let url = url.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("base_url `{url}` must start with `https://` or `http://`"))?;
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if host.is_empty() {
        return Err(format!("base_url `{url}` has no host name"));
    }
    let mut path = path.to_string();
    if !path.ends_with('/') {
        path.push('/');
    }
    let scheme_len = url.len() - rest.len();
    Ok((format!("{}{}{}", &url[..scheme_len], host, path), path))
}

/// A benefit of a treatment, from `content/benefits.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Benefit {
    /// URL slug and tag name (`acne-scars`).
    pub slug: Spanned<String>,
    /// Display name.
    pub name: String,
    /// One plain-language sentence.
    #[serde(default)]
    pub summary: String,
    /// Sort order on the index.
    #[serde(default)]
    pub order: Option<i64>,
    /// Longer Markdown text for the benefit's page.
    #[serde(default)]
    pub body: String,
}

/// An author or reviewer, from `content/people.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// Referenced from front matter.
    pub id: Spanned<String>,
    /// Full name.
    pub name: String,
    /// Qualifications (`MBBS`, `MRCP`).
    #[serde(default)]
    pub credentials: Vec<String>,
    /// Job title.
    #[serde(default)]
    pub role: Option<String>,
    /// Professional registration (`GMC 1234567`).
    #[serde(default)]
    pub registration: Option<String>,
    /// Short biography.
    #[serde(default)]
    pub bio: Option<String>,
    /// Photo, site-relative.
    #[serde(default)]
    pub photo: Option<String>,
}

/// A treatment the clinic offers, from `content/treatments.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Treatment {
    /// Referenced from front matter.
    pub slug: Spanned<String>,
    /// Display name.
    pub name: String,
    /// One sentence.
    #[serde(default)]
    pub summary: String,
    /// schema.org MedicalProcedureType (`PercutaneousProcedure`).
    #[serde(default)]
    pub procedure_type: Option<String>,
    /// Where on the body.
    #[serde(default)]
    pub body_location: Option<String>,
    /// How to prepare.
    #[serde(default)]
    pub preparation: Option<String>,
    /// Aftercare and follow-up.
    #[serde(default)]
    pub followup: Option<String>,
}

/// The site's vocabularies.
#[derive(Debug, Clone, Default)]
pub struct Data {
    /// Benefits in file order.
    pub benefits: Vec<Benefit>,
    /// People in file order.
    pub people: Vec<Person>,
    /// Treatments in file order.
    pub treatments: Vec<Treatment>,
}

const DATA_FIELDS: &[&str] = &[
    "slug",
    "name",
    "summary",
    "order",
    "body",
    "id",
    "credentials",
    "role",
    "registration",
    "bio",
    "photo",
    "procedure_type",
    "body_location",
    "preparation",
    "followup",
];

/// Parses one data file's text into a list of `T`.
pub fn parse_data<T: for<'de> Deserialize<'de>>(
    text: &str,
    path: &str,
) -> Result<Vec<T>, Diagnostic> {
    let (text, _) = strip_bom(text);
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    parse_yaml(text, text, path, 1, DATA_FIELDS).map_err(|d| recode(d, "data"))
}

/// Reads the data files that exist under `ROOT/content/`. Problems become
/// diagnostics; the data that parsed is still returned.
pub fn load_data(root: &Path) -> (Data, Vec<Diagnostic>) {
    let mut data = Data::default();
    let mut diags = Vec::new();
    let mut read = |name: &str| -> Option<String> {
        let path = root.join("content").join(name);
        match std::fs::read(&path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(t) => Some(t),
                Err(_) => {
                    diags.push(
                        Diagnostic::error(
                            Location::new(format!("content/{name}"), 1, 1),
                            "source.not-utf8",
                            "this file is not UTF-8 text",
                        )
                        .with_help("save it as UTF-8 in your editor"),
                    );
                    None
                }
            },
            Err(_) => None,
        }
    };
    let benefits = read("benefits.yaml");
    let people = read("people.yaml");
    let treatments = read("treatments.yaml");
    if let Some(t) = benefits {
        match parse_data::<Benefit>(&t, "content/benefits.yaml") {
            Ok(v) => {
                // A benefit's slug is its URL (`/benefits/<slug>/`): it must
                // not need escaping, and must not climb out with `..`.
                for b in &v {
                    let slug = &b.slug.value;
                    let clean = slug::slugify(slug);
                    if *slug != clean {
                        let line = usize::try_from(b.slug.referenced.line()).unwrap_or(1);
                        let col = usize::try_from(b.slug.referenced.column()).unwrap_or(1);
                        let help = if clean.is_empty() {
                            "use lowercase letters, digits and hyphens".to_string()
                        } else {
                            format!("use lowercase letters, digits and hyphens: `{clean}`")
                        };
                        diags.push(
                            Diagnostic::error(
                                Location::new("content/benefits.yaml", line, col),
                                "data.bad-slug",
                                format!("benefit slug `{slug}` cannot be used in a URL"),
                            )
                            .with_help(help)
                            .with_source(&t, slug.chars().count()),
                        );
                    }
                }
                data.benefits = v;
            }
            Err(d) => diags.push(d),
        }
    }
    if let Some(t) = people {
        match parse_data(&t, "content/people.yaml") {
            Ok(v) => data.people = v,
            Err(d) => diags.push(d),
        }
    }
    if let Some(t) = treatments {
        match parse_data(&t, "content/treatments.yaml") {
            Ok(v) => data.treatments = v,
            Err(d) => diags.push(d),
        }
    }
    (data, diags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_keeps_sub_path() {
        assert_eq!(
            normalize_base_url("https://clinic.github.io/skin").expect("valid"),
            ("https://clinic.github.io/skin/".into(), "/skin/".into())
        );
        assert_eq!(
            normalize_base_url("https://clinic.example").expect("valid"),
            ("https://clinic.example/".into(), "/".into())
        );
        assert!(normalize_base_url("clinic.example").is_err());
    }

    #[test]
    fn unknown_site_key_suggests() {
        let e = parse_site(
            "title: A\nbase_url: https://a.example/\nlanguge: en\n",
            "site.yaml",
        )
        .expect_err("unknown key");
        assert_eq!(e.location.line, 3);
        assert_eq!(e.help.as_deref(), Some("did you mean `language`?"));
    }
}
