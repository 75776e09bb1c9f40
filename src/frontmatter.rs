//! Front matter: splitting the `---` fence from the body and turning YAML into
//! typed structs, with every problem located at `path:line:col` of the file.
//!
//! Owns the front matter types and the YAML error translation that `config`
//! also uses. YAML (serde-saphyr) is used only here and in `config`, so the
//! parser can be swapped. No IO: callers pass text.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer};

use crate::diag::{Diagnostic, Location, did_you_mean};

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A calendar date (`2026-03-02`), validated when read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub jiff::civil::Date);

impl Date {
    /// Today's date in UTC (only for checks such as "review date in the
    /// future"; never written into pages).
    pub fn today() -> Date {
        Date(
            jiff::Timestamp::now()
                .to_zoned(jiff::tz::TimeZone::UTC)
                .date(),
        )
    }

    /// `2026-03-02`.
    pub fn iso(&self) -> String {
        self.0.to_string()
    }

    /// `2 March 2026`: readable in every English locale.
    pub fn display(&self) -> String {
        let month = MONTHS[usize::try_from(self.0.month() - 1).unwrap_or(0)];
        format!("{} {} {}", self.0.day(), month, self.0.year())
    }

    /// The date `months` months later (clamped to the month's last day).
    pub fn add_months(&self, months: i32) -> Date {
        Date(
            self.0
                .checked_add(jiff::Span::new().months(months))
                .unwrap_or(self.0),
        )
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for Date {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        // Accept a full timestamp too, but keep only its date.
        let date_part = s.get(..10).unwrap_or(s);
        if date_part.len() != 10
            || date_part.as_bytes()[4] != b'-'
            || date_part.as_bytes()[7] != b'-'
        {
            return Err(format!(
                "invalid date `{s}`: expected a date written YYYY-MM-DD"
            ));
        }
        let num = |r: std::ops::Range<usize>| {
            date_part
                .get(r)
                .filter(|d| d.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|d| d.parse::<i16>().ok())
        };
        let (Some(year), Some(month), Some(day)) = (num(0..4), num(5..7), num(8..10)) else {
            return Err(format!(
                "invalid date `{s}`: expected a date written YYYY-MM-DD"
            ));
        };
        // Say what is wrong in calendar words, not the date library's.
        let month = i8::try_from(month).ok().filter(|m| (1..=12).contains(m));
        let Some(month) = month else {
            return Err(format!(
                "invalid date `{s}`: there is no month {}; expected a real date written YYYY-MM-DD",
                &date_part[5..7]
            ));
        };
        let first = jiff::civil::Date::new(year, month, 1).map_err(|e| {
            format!("invalid date `{s}`: {e}; expected a real date written YYYY-MM-DD")
        })?;
        let days = first.days_in_month();
        let day = i8::try_from(day).ok().filter(|d| (1..=days).contains(d));
        let Some(day) = day else {
            return Err(format!(
                "invalid date `{s}`: {} {year} has {days} days; expected a real date written YYYY-MM-DD",
                MONTHS[usize::try_from(month - 1).unwrap_or(0)]
            ));
        };
        jiff::civil::Date::new(year, month, day)
            .map(Date)
            .map_err(|e| {
                format!("invalid date `{s}`: {e}; expected a real date written YYYY-MM-DD")
            })
    }
}

// Editors see dates as strings written YYYY-MM-DD (YAML 1.2 reads an
// unquoted 2026-03-02 as a string too).
impl schemars::JsonSchema for Date {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Date".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "format": "date",
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}",
            "description": "A date written YYYY-MM-DD, e.g. 2026-03-02."
        })
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A value with the place it was written, for diagnostics after parsing
/// (unknown benefit slugs, unknown people).
pub type Spanned<T> = serde_saphyr::Spanned<T>;

/// A source cited by an article.
#[derive(Debug, Clone, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Title of the work.
    pub title: String,
    /// Journal, organisation or publisher.
    #[serde(default)]
    pub publisher: Option<String>,
    /// Authors, as written in the citation.
    #[serde(default)]
    pub authors: Option<String>,
    /// Year of publication.
    #[serde(default)]
    pub year: Option<i32>,
    /// Where to read it.
    #[serde(default)]
    pub url: Option<String>,
    /// Digital object identifier (`10.xxxx/...`).
    #[serde(default)]
    pub doi: Option<String>,
    /// PubMed id.
    #[serde(default)]
    pub pmid: Option<String>,
}

/// A question and answer written in front matter.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FaqEntry {
    /// The question, as a patient would ask it.
    #[schemars(with = "String")]
    pub question: Spanned<String>,
    /// The answer, in Markdown.
    pub answer: String,
    /// Optional topic for grouping on the FAQ page.
    #[serde(default)]
    pub topic: Option<String>,
}

/// The front matter of a page or a section.
#[derive(Debug, Clone, Deserialize, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    /// The page title (required, except for standalone questions).
    #[serde(default)]
    pub title: Option<String>,
    /// One or two sentences for search results and social cards.
    #[serde(default)]
    pub description: Option<String>,
    /// First published.
    #[serde(default)]
    pub date: Option<Date>,
    /// Last changed.
    #[serde(default)]
    pub updated: Option<Date>,
    /// Drafts are built only with `--drafts`.
    #[serde(default)]
    pub draft: bool,
    /// The last part of the URL; defaults to the file name.
    #[serde(default)]
    pub slug: Option<String>,
    /// Old URLs that redirect here.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Template to render with, instead of the default.
    #[serde(default)]
    pub template: Option<String>,
    /// Sort order within the section (ascending).
    #[serde(default)]
    pub weight: Option<i64>,
    /// Free tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Default FAQ topic for this page's questions.
    #[serde(default)]
    pub topic: Option<String>,
    /// Author ids from `people.yaml`.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub authors: Vec<Spanned<String>>,
    /// Medical reviewer id from `people.yaml`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub reviewed_by: Option<Spanned<String>>,
    /// When the medical review was done.
    #[serde(default)]
    #[schemars(with = "Option<Date>")]
    pub last_reviewed: Option<Spanned<Date>>,
    /// Treatment id from `treatments.yaml` (inherited from the section).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub treatment: Option<Spanned<String>>,
    /// Benefit slugs from `benefits.yaml` this page discusses.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub benefits: Vec<Spanned<String>>,
    /// Sources cited.
    #[serde(default)]
    pub sources: Vec<Source>,
    /// Questions and answers.
    #[serde(default)]
    pub faq: Vec<FaqEntry>,
    /// Show a table of contents (default: when the page has 3+ `h2`).
    #[serde(default)]
    pub toc: Option<bool>,
    /// Section only: items per list page (overrides `paginate_by`).
    #[serde(default)]
    pub paginate_by: Option<usize>,
    /// Standalone question only: the question.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub question: Option<Spanned<String>>,
    /// Free-form values for themes.
    #[serde(default)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// The field names of `FrontMatter`, for "did you mean".
pub const FIELDS: &[&str] = &[
    "title",
    "description",
    "date",
    "updated",
    "draft",
    "slug",
    "aliases",
    "template",
    "weight",
    "tags",
    "topic",
    "authors",
    "reviewed_by",
    "last_reviewed",
    "treatment",
    "benefits",
    "sources",
    "faq",
    "toc",
    "paginate_by",
    "question",
    "extra",
];

/// A file split into front matter and body.
#[derive(Debug, Clone, Copy)]
pub struct Split<'a> {
    /// The YAML between the fences (may be empty).
    pub yaml: &'a str,
    /// 1-based line of the file where the YAML starts.
    pub yaml_line: usize,
    /// The Markdown after the closing fence.
    pub body: &'a str,
    /// Byte offset of the body in the file text.
    pub body_offset: usize,
}

/// Splits `---` front matter from the body. The text must already be free of
/// a byte-order mark. CRLF line endings are accepted.
pub fn split<'a>(text: &'a str, path: &str) -> Result<Split<'a>, Diagnostic> {
    let first_line_end = text.find('\n').map_or(text.len(), |i| i + 1);
    let first = text[..first_line_end].trim_end();
    if first != "---" {
        let found = if text.trim().is_empty() {
            "an empty file".to_string()
        } else if first.trim().is_empty() {
            "an empty line".to_string()
        } else {
            format!("`{}`", first.chars().take(40).collect::<String>())
        };
        // Say what to do for the mistakes editors actually make.
        let help = if first.trim().is_empty() && text.trim_start().starts_with("---") {
            "remove the empty lines above the first `---`: it must be the very first line"
        } else if first == "+++" {
            "careleaf reads YAML front matter between `---` lines, not TOML between `+++`: change both fences to `---` and write fields as `title: ...`"
        } else {
            "start the file with a line `---`, then `title: ...`, then a closing line `---`"
        };
        return Err(Diagnostic::error(
            Location::new(path, 1, 1),
            "frontmatter.missing",
            format!("expected front matter starting with `---` on the first line, found {found}"),
        )
        .with_help(help)
        .with_source(text, first.chars().count().max(1)));
    }
    let mut pos = first_line_end;
    while pos < text.len() {
        let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i + 1);
        let line = text[pos..end].trim_end();
        if line == "---" || line == "..." {
            return Ok(Split {
                yaml: &text[first_line_end..pos],
                yaml_line: 2,
                body: &text[end..],
                body_offset: end,
            });
        }
        pos = end;
    }
    // A line of dashes that is not exactly `---` is the likely culprit.
    let near_miss = text.lines().enumerate().skip(1).find(|(_, l)| {
        let l = l.trim();
        l.len() >= 2 && l != "---" && l.chars().all(|c| c == '-')
    });
    let help = match near_miss {
        Some((n, l)) => format!(
            "line {} has `{}`; the closing line must be exactly `---`",
            n + 1,
            l.trim()
        ),
        None => "add a line `---` after the last front matter field, before the article text"
            .to_string(),
    };
    Err(Diagnostic::error(
        Location::new(path, 1, 1),
        "frontmatter.unclosed",
        "the front matter opened here is never closed",
    )
    .with_help(help)
    .with_source(text, 3))
}

/// Parses YAML into `T`, turning the parser's error into a diagnostic at the
/// right line of the file. `first_line` is the file line where `yaml` starts;
/// `fields` lists the keys `T` accepts, for "did you mean".
pub fn parse_yaml<T: for<'de> Deserialize<'de>>(
    yaml: &str,
    file_text: &str,
    path: &str,
    first_line: usize,
    fields: &[&str],
) -> Result<T, Diagnostic> {
    let options = serde_saphyr::options! { with_snippet: false };
    serde_saphyr::from_str_with_options::<T>(yaml, options)
        .map_err(|e| yaml_diagnostic(&e, yaml, file_text, path, first_line, fields))
}

fn yaml_diagnostic(
    e: &serde_saphyr::Error,
    yaml: &str,
    file_text: &str,
    path: &str,
    first_line: usize,
    fields: &[&str],
) -> Diagnostic {
    let raw = e.to_string();
    // serde-saphyr appends " at line L, column C"; we print our own location.
    let msg = match raw.rfind(" at line ") {
        Some(i) => raw[..i].to_string(),
        None => raw.clone(),
    };
    let (yl, yc, len) = e.location().map_or((1, 1, 1), |l| {
        (
            usize::try_from(l.line()).unwrap_or(1).max(1),
            usize::try_from(l.column()).unwrap_or(1).max(1),
            usize::try_from(l.span().len()).unwrap_or(1),
        )
    });
    let yaml_line_text = yaml.lines().nth(yl - 1).unwrap_or("");
    let key = line_key(yaml_line_text);
    let line = first_line + yl - 1;
    let mut width = len.max(1);
    let mut help = None;
    let code;
    let message;
    if let Some(rest) = msg.strip_prefix("unknown field `") {
        code = "frontmatter.unknown-field";
        let name = rest.split('`').next().unwrap_or("");
        message = format!("unknown field `{name}`");
        width = name.chars().count().max(1);
        // The parser knows which struct the key was in (a `sources` entry, a
        // `clinic` block); suggest from its fields, not the top level's.
        let here: Vec<&str> = match rest.split_once(", expected one of ") {
            Some((_, list)) => list.split(", ").map(|f| f.trim_matches('`')).collect(),
            None => fields.to_vec(),
        };
        help = Some(match did_you_mean(name, here.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("the fields allowed here are: {}", here.join(", ")),
        });
    } else if let Some(rest) = msg.strip_prefix("missing field `") {
        code = "frontmatter.missing-field";
        let name = rest.split('`').next().unwrap_or("");
        message = format!("missing required field `{name}`");
        help = Some(format!("add a line `{name}: ...`"));
        width = 1;
        if yc == 1 {
            // A top-level field: the parser points at the last line it read,
            // which has nothing to do with it. Name the file's start instead.
            return Diagnostic::error(Location::new(path, first_line, 1), code, message)
                .with_help(help.unwrap_or_default());
        }
    } else if raw.contains("budget breached") || raw.contains("recursion limit exceeded") {
        // serde-saphyr's input budgets stop alias bombs and deep nesting; its
        // own text ("Nodes { nodes: 250001 }") means nothing to an editor.
        code = "frontmatter.too-large";
        message = "this YAML is too large or too deeply nested to read".into();
        help = Some(
            "front matter holds a page's fields; `*alias` references count every time they are used"
                .into(),
        );
        width = 1;
    } else if msg.contains("found a tab") || msg.contains("tab") && msg.contains("indent") {
        code = "frontmatter.tab";
        message = "a tab character is not allowed here: YAML indents with spaces".into();
        help = Some("replace the tab with spaces".into());
        width = 1;
        // The parser may report the tab at the value it was reading; point
        // at the tab itself, the first one indenting a line from there on.
        if let Some((l, c)) = first_indent_tab(yaml, yl) {
            return Diagnostic::error(Location::new(path, first_line + l - 1, c), code, message)
                .with_help(help.unwrap_or_default())
                .with_source(file_text, width);
        }
    } else if msg.contains("quoted scalar")
        && let Some((l, c)) = unclosed_quote(yaml, yl)
    {
        code = "frontmatter.unclosed-quote";
        message = "this quoted text is never closed".into();
        return Diagnostic::error(Location::new(path, first_line + l - 1, c), code, message)
            .with_help("add the closing quote at the end of the value, on the same line")
            .with_source(file_text, 1);
    } else if msg.starts_with("invalid date") {
        code = "frontmatter.bad-date";
        message = match &key {
            Some(k) => format!("field `{k}`: {msg}"),
            None => msg.clone(),
        };
    } else if msg.starts_with("duplicate mapping key") {
        code = "frontmatter.duplicate-field";
        let name = msg
            .trim_start_matches("duplicate mapping key: ")
            .split(',')
            .next()
            .unwrap_or("");
        message = format!("field `{name}` is given twice");
        help = Some("keep only one of them".into());
    } else if let Some(expected) = type_expectation(&msg) {
        code = "frontmatter.wrong-type";
        let found = value_text(yaml_line_text);
        message = match (&key, found) {
            (Some(k), Some(v)) => format!("field `{k}`: expected {expected}, found `{v}`"),
            (Some(k), None) => format!("field `{k}`: expected {expected}"),
            (None, _) => format!("expected {expected}"),
        };
    } else {
        code = "frontmatter.syntax";
        message = format!("invalid YAML: {msg}");
        if msg.contains("mapping values are not allowed") {
            help = Some(
                "a value that contains `: ` needs quotes (`title: \"Acne: what helps\"`); otherwise check that this line is not indented more than the field above".into(),
            );
        }
    }
    let mut d = Diagnostic::error(Location::new(path, line, yc), code, message);
    if let Some(h) = help {
        d = d.with_help(h);
    }
    d.with_source(file_text, width)
}

/// 1-based (line, column) of the first tab in the indentation of a line of
/// `yaml`, starting at 1-based line `from`.
fn first_indent_tab(yaml: &str, from: usize) -> Option<(usize, usize)> {
    yaml.lines()
        .enumerate()
        .skip(from.saturating_sub(1))
        .find_map(|(i, line)| {
            let indent = &line[..line.len() - line.trim_start().len()];
            indent
                .find('\t')
                .map(|b| (i + 1, indent[..b].chars().count() + 1))
        })
}

/// 1-based (line, column) of the opening quote of a quoted value that is not
/// closed on its line, searching back from 1-based line `to`.
fn unclosed_quote(yaml: &str, to: usize) -> Option<(usize, usize)> {
    let lines: Vec<&str> = yaml.lines().collect();
    let last = to.min(lines.len());
    (0..last).rev().find_map(|i| {
        let line = lines[i];
        let value = line
            .find(": ")
            .map_or(line.trim_start(), |c| line[c + 2..].trim_start());
        let quote = value.chars().next().filter(|q| *q == '"' || *q == '\'')?;
        let closed = value.len() > 1 && value.trim_end().ends_with(quote);
        (!closed).then(|| {
            let byte = line.len() - value.len();
            (i + 1, line[..byte].chars().count() + 1)
        })
    })
}

/// What a serde-saphyr type error says was expected, in editor words.
fn type_expectation(msg: &str) -> Option<&'static str> {
    let table: &[(&str, &str)] = &[
        ("invalid i64", "a whole number"),
        ("invalid u64", "a whole number"),
        ("invalid u32", "a whole number"),
        ("invalid i32", "a whole number"),
        ("invalid usize", "a whole number"),
        ("invalid f64", "a number"),
        ("invalid bool", "`true` or `false`"),
        ("invalid boolean", "`true` or `false`"),
        (
            "expected sequence",
            "a list (`[a, b]` or lines starting with `- `)",
        ),
        ("expected mapping", "a set of `key: value` fields"),
        ("expected string", "text"),
        ("expected a string", "text"),
        ("invalid type", "a different kind of value"),
    ];
    table
        .iter()
        .find(|(needle, _)| msg.contains(needle))
        .map(|(_, e)| *e)
}

/// The key of a `key: value` (or `- key: value`) YAML line.
fn line_key(line: &str) -> Option<String> {
    let t = line.trim_start().trim_start_matches("- ").trim_start();
    let colon = t.find(':')?;
    let key = &t[..colon];
    (!key.is_empty()
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-'))
    .then(|| key.to_string())
}

fn value_text(line: &str) -> Option<String> {
    let colon = line.find(':')?;
    let v = line[colon + 1..].trim();
    (!v.is_empty()).then(|| v.chars().take(40).collect())
}

/// Parses a whole Markdown file's front matter: split, then YAML into
/// `FrontMatter`. Returns the front matter and the split positions.
pub fn parse<'a>(text: &'a str, path: &str) -> Result<(FrontMatter, Split<'a>), Diagnostic> {
    let split = split(text, path)?;
    let fm: FrontMatter = if split.yaml.trim().is_empty() {
        FrontMatter::default()
    } else {
        parse_yaml(split.yaml, text, path, split.yaml_line, FIELDS)?
    };
    Ok((fm, split))
}

/// Most further problems `further_problems` looks for in one file.
const MORE_PROBLEMS: usize = 20;

/// The front matter problems after `first`, the one `parse` reported for
/// `text`: YAML stops at its first error, so an editor with three typos
/// would fix them one run at a time. The top-level field holding the last
/// error is blanked out (its lines kept, empty, so every line number
/// stays) and the rest parsed again, up to `MORE_PROBLEMS` times; this
/// stops at an error outside any top-level field (bad indentation, a broken
/// fence) and leaves out a missing field that was blanked.
pub fn further_problems(text: &str, path: &str, first: &Diagnostic) -> Vec<Diagnostic> {
    let Ok(split) = split(text, path) else {
        return Vec::new();
    };
    let mut lines: Vec<&str> = split.yaml.split_inclusive('\n').collect();
    let top_level = |l: &str| {
        !l.starts_with([' ', '\t', '#', '-']) && l.trim_end() != "..." && line_key(l).is_some()
    };
    let mut blanked: Vec<String> = Vec::new();
    let mut found = Vec::new();
    let mut last = first.location.line;
    while found.len() < MORE_PROBLEMS {
        // The top-level field holding line `last` of the file.
        let Some(at) = last
            .checked_sub(split.yaml_line)
            .filter(|&at| at < lines.len())
        else {
            break;
        };
        let Some(start) = (0..=at).rev().find(|&i| top_level(lines[i])) else {
            break;
        };
        let end = (start + 1..lines.len())
            .find(|&i| top_level(lines[i]))
            .unwrap_or(lines.len());
        if let Some(key) = line_key(lines[start]) {
            blanked.push(key);
        }
        for l in &mut lines[start..end] {
            *l = if l.ends_with('\n') { "\n" } else { "" };
        }
        let yaml: String = lines.concat();
        match parse_yaml::<FrontMatter>(&yaml, text, path, split.yaml_line, FIELDS) {
            Ok(_) => break,
            Err(d) => {
                let missing_blanked = d.code == "frontmatter.missing-field"
                    && blanked
                        .iter()
                        .any(|k| d.message.contains(&format!("`{k}`")));
                if missing_blanked || d.location.line == last {
                    break;
                }
                last = d.location.line;
                found.push(d);
            }
        }
    }
    found
}

/// Removes a UTF-8 byte-order mark and returns the text and the byte count removed.
pub fn strip_bom(text: &str) -> (&str, usize) {
    match text.strip_prefix('\u{feff}') {
        Some(t) => (t, 3),
        None => (text, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        match parse(text, "content/a.md") {
            Ok(_) => panic!("expected an error for {text:?}"),
            Err(d) => crate::diag::render_human(&d, false),
        }
    }

    #[test]
    fn parses_fields_and_body_offset() {
        let text = "---\r\ntitle: A\r\ndate: 2026-03-02\r\ntags: [a, b]\r\n---\r\nBody\r\n";
        let (fm, split) = parse(text, "a.md").expect("valid");
        assert_eq!(fm.title.as_deref(), Some("A"));
        assert_eq!(fm.date.map(|d| d.iso()), Some("2026-03-02".into()));
        assert_eq!(fm.tags, vec!["a", "b"]);
        assert_eq!(&text[split.body_offset..], "Body\r\n");
    }

    #[test]
    fn unknown_field_is_located_with_did_you_mean() {
        assert_eq!(
            err("---\ntitle: A\nreviwed_by: x\n---\n"),
            "content/a.md:3:1: error[frontmatter.unknown-field]: unknown field `reviwed_by`\n  |\n3 | reviwed_by: x\n  | ^^^^^^^^^^\n  = help: did you mean `reviewed_by`?\n"
        );
    }

    #[test]
    fn every_front_matter_problem_is_reported_not_only_the_first() {
        let text = "---\ntitel: A\ndescripton: x\ndate: 2024-13-01\ntags: [a]\nfaq:\n  - question: \"Q?\"\n    answr: \"A\"\n---\nBody\n";
        let Err(first) = parse(text, "content/a.md") else {
            panic!("the front matter has errors");
        };
        assert_eq!(
            (first.location.line, first.code),
            (2, "frontmatter.unknown-field")
        );
        let more: Vec<(usize, usize, &str)> = further_problems(text, "content/a.md", &first)
            .iter()
            .map(|d| (d.location.line, d.location.col, d.code))
            .collect();
        assert_eq!(
            more,
            [
                (3, 1, "frontmatter.unknown-field"),
                (4, 7, "frontmatter.bad-date"),
                (8, 5, "frontmatter.unknown-field"),
            ]
        );
        // One problem: nothing more. A problem outside any top-level
        // field (the YAML itself broken) stops the search.
        let one = "---\ntitle: A\nreviwed_by: x\n---\n";
        let Err(d) = parse(one, "content/a.md") else {
            panic!("unknown field");
        };
        assert!(further_problems(one, "content/a.md", &d).is_empty());
        let broken = "---\n  title: A\n bad\n---\n";
        let Err(d) = parse(broken, "content/a.md") else {
            panic!("broken YAML");
        };
        assert_eq!(further_problems(broken, "content/a.md", &d), []);
    }

    #[test]
    fn bad_date_names_field_and_line() {
        let e = err("---\ntitle: A\ndate: 2024-13-45\n---\n");
        assert!(e.starts_with("content/a.md:3:7: error[frontmatter.bad-date]: field `date`: invalid date `2024-13-45`"), "{e}");
    }

    #[test]
    fn wrong_type_names_field_and_expectation() {
        let e = err("---\ntitle: A\nweight: heavy\n---\n");
        assert!(e.starts_with("content/a.md:3:9: error[frontmatter.wrong-type]: field `weight`: expected a whole number, found `heavy`"), "{e}");
    }

    #[test]
    fn missing_fence_and_tab() {
        assert!(err("---\ntitle: A\n").contains("frontmatter.unclosed"));
        assert!(err("title: A\n").contains("frontmatter.missing"));
        let e = err("---\ntitle: A\n\tdate: 2020-01-01\n---\n");
        assert!(
            e.contains("frontmatter.tab") || e.contains("content/a.md:3:"),
            "{e}"
        );
    }

    #[test]
    fn date_display_and_months() {
        let d: Date = "2026-01-31".parse().expect("date");
        assert_eq!(d.display(), "31 January 2026");
        assert_eq!(d.add_months(1).iso(), "2026-02-28");
    }
}
