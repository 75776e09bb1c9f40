//! Editor support: `careleaf new article|faq` (a new content file with every
//! front matter field, commented, so an author who is not a programmer can
//! fill it in) and the JSON Schema of the front matter (`careleaf schema`).
//!
//! Owns the scaffold texts, where new files go and the schema text. The
//! texts are built by pure functions (`article`, `faq`, `frontmatter_schema`);
//! `create` is the only IO: it refuses to overwrite a file. It never renders
//! or checks content.

use std::path::{Path, PathBuf};

use crate::diag::{Error, did_you_mean};
use crate::frontmatter::Date;

/// What `careleaf new` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An article in a section (`content/<section>/<slug>.md`).
    Article,
    /// A standalone question (`content/faq/<slug>.md`).
    Faq,
}

/// The URL slug of a title: lowercase ASCII words joined by hyphens.
pub fn slug_of(title: &str) -> String {
    slug::slugify(title)
}

/// Quotes a string for YAML (double quotes, escaped).
fn yaml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' | '\r' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The text of a new article. `people` are the ids in `people.yaml` (shown
/// as a hint); `treatment` is the section's treatment, if it has one.
pub fn article(
    title: &str,
    today: Date,
    people: &[String],
    treatment: Option<&str>,
    benefit: Option<&str>,
) -> String {
    let benefit = benefit.unwrap_or("acne-scars");
    let people_hint = if people.is_empty() {
        "ids from content/people.yaml".to_string()
    } else {
        format!("one of: {}", people.join(", "))
    };
    let first = people.first().map_or("author-id", String::as_str);
    let reviewer = people.get(1).map_or(first, String::as_str);
    let treatment_line = match treatment {
        Some(t) => format!("# treatment: {t}      # inherited from the section; set only to change it"),
        None => "# treatment: microneedling   # id from content/treatments.yaml; makes this an article about a treatment".to_string(),
    };
    let today = today.iso();
    format!(
        r#"---
# Every front matter field careleaf reads. Lines starting with `#` are
# comments; remove the `# ` in front of a field to use it, delete what you do
# not need. `careleaf check` tells you what is missing; `careleaf schema`
# prints the JSON Schema of these fields.
title: {title}
# One or two sentences for search results and social cards.
description: ""
# First published (YYYY-MM-DD).
date: {today}
# Last changed in a way readers should know about.
# updated: {today}
# A draft is built only with `careleaf build --drafts`. Remove this line to
# publish, and set `date` to the day you do.
draft: true
# Who wrote it ({people_hint}).
authors: [{first}]
# The medical reviewer ({people_hint}) and the date of the review.
# reviewed_by: {reviewer}
# last_reviewed: {today}
{treatment_line}
# Benefits discussed, slugs from content/benefits.yaml.
# benefits: [{benefit}]
# The studies and guidelines the article relies on.
# sources:
#   - title: "Title of the study or guideline"
#     publisher: "Journal or organisation"
#     authors: "Surname A, Surname B"
#     year: {year}
#     url: "https://doi.org/10.1000/example"
#     doi: "10.1000/example"
#     pmid: "12345678"
# Questions and answers shown on this page and on the FAQ page.
# faq:
#   - question: "A question a patient would ask?"
#     answer: "A short answer in plain language."
#     topic: aftercare
# Default FAQ topic for this page's questions.
# topic: aftercare
# Free tags.
# tags: [aftercare]
# The last part of the URL (default: the file name).
# slug: {slug}
# Old URLs that should redirect here.
# aliases: [/old-address/]
# Sort order in the section (smaller first).
# weight: 100
# Show a table of contents (default: when the page has 3 or more `##` headings).
# toc: true
# A template of the theme to use instead of page.html.
# template: page.html
# Values for the theme.
# extra:
#   hero_image: photo.jpg
---
Start with one or two sentences that say what this page is about and who it is for.

## What it is

## What to expect

## Risks and side effects
"#,
        title = yaml_string(title),
        slug = slug_of(title),
        year = &today[..4],
    )
}

/// The text of a new standalone question.
pub fn faq(question: &str, today: Date, treatment: Option<&str>) -> String {
    let treatment = treatment.unwrap_or("microneedling");
    let today = today.iso();
    format!(
        r#"---
# A question patients ask, answered below the `---`. Lines starting with `#`
# are comments; remove the `# ` to use a field. `careleaf schema` prints the
# JSON Schema of these fields.
question: {question}
# Groups the question on the FAQ page.
topic: planning
# The treatment it is about (id from content/treatments.yaml).
treatment: {treatment}
# A draft is built only with `careleaf build --drafts`; remove to publish.
draft: true
# When it was written (YYYY-MM-DD).
date: {today}
# Last changed.
# updated: {today}
# Free tags.
# tags: [planning]
---
Answer in two or three short paragraphs, in plain language. Say what usually
happens, what can vary and when to ask us.
"#,
        question = yaml_string(question),
    )
}

/// The JSON Schema (draft-07, which VS Code's YAML extension supports) of
/// the front matter, generated from the `FrontMatter` type so it cannot
/// drift. `docs/frontmatter.schema.json` is this text; a test keeps it so.
pub fn frontmatter_schema() -> String {
    let generator = schemars::generate::SchemaSettings::draft07().into_generator();
    let mut schema = generator.into_root_schema_for::<crate::frontmatter::FrontMatter>();
    schema.insert("title".into(), "careleaf front matter".into());
    schema.insert(
        "description".into(),
        "The YAML between the `---` lines at the top of a careleaf page, section or question."
            .into(),
    );
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// Where `init` writes the schema in a new site.
pub const SCHEMA_PATH: &str = ".careleaf/frontmatter.schema.json";

/// A VS Code task that runs `careleaf check` and shows every finding in the
/// Problems panel at its line and column. This, not the YAML extension, is
/// what checks front matter inside `.md` files as an author works: the YAML
/// extension validates only YAML documents, and front matter embedded in
/// Markdown is not one (redhat-developer/vscode-yaml#207). `NO_COLOR` keeps
/// colour codes out of the lines the problem matcher reads.
pub fn vscode_tasks() -> String {
    r#"{
  "version": "2.0.0",
  "tasks": [
    {
      "label": "careleaf: check",
      "detail": "Check every page; problems appear in the Problems panel",
      "type": "shell",
      "command": "careleaf check",
      "options": { "env": { "NO_COLOR": "1" } },
      "group": { "kind": "test", "isDefault": true },
      "presentation": { "reveal": "silent", "clear": true },
      "problemMatcher": {
        "owner": "careleaf",
        "source": "careleaf",
        "fileLocation": ["relative", "${workspaceFolder}"],
        "pattern": {
          "regexp": "^(.+?):(\\d+):(\\d+): (error|warning)\\[([^\\]]+)\\]: (.*)$",
          "file": 1,
          "line": 2,
          "column": 3,
          "severity": 4,
          "code": 5,
          "message": 6
        }
      }
    }
  ]
}
"#
    .to_string()
}

/// The editor files `init` writes into a new site: (path, text). The schema
/// gives completion and hover text wherever an editor applies it to YAML;
/// the task gives live checking of `.md` files in VS Code.
pub fn editor_files() -> Vec<(&'static str, String)> {
    vec![
        (SCHEMA_PATH, frontmatter_schema()),
        (".vscode/tasks.json", vscode_tasks()),
    ]
}

/// Where a new file goes, relative to the site root.
pub fn path_for(kind: Kind, title: &str, section: Option<&str>) -> PathBuf {
    let file = format!("{}.md", slug_of(title));
    match (kind, section) {
        (Kind::Faq, _) => Path::new("content/faq").join(file),
        (Kind::Article, Some(s)) => Path::new("content").join(s.trim_matches('/')).join(file),
        (Kind::Article, None) => Path::new("content").join(file),
    }
}

/// Writes a new article or question under `root`; returns its path relative
/// to the root. Refuses to overwrite, and names the sections that exist when
/// `section` is not one of them.
pub fn create(
    root: &Path,
    kind: Kind,
    title: &str,
    section: Option<&str>,
    today: Date,
) -> Result<PathBuf, Error> {
    if slug_of(title).is_empty() {
        return Err(Error::Other(format!(
            "cannot make a file name from `{title}`: use a title with letters or digits"
        )));
    }
    let content = root.join("content");
    if let Some(s) = section {
        let dir = content.join(s.trim_matches('/'));
        if !dir.is_dir() || s.contains("..") {
            let sections = sections(&content);
            let hint = match did_you_mean(s, sections.iter().map(String::as_str)) {
                Some(m) => format!("; did you mean `{m}`?"),
                None if sections.is_empty() => String::new(),
                None => format!("; sections: {}", sections.join(", ")),
            };
            return Err(Error::Other(format!(
                "there is no section `{s}` (no folder `content/{s}`){hint}"
            )));
        }
    }
    let rel = path_for(kind, title, section);
    let path = root.join(&rel);
    let (data, _) = crate::config::load_data(root);
    let people: Vec<String> = data.people.iter().map(|p| p.id.value.clone()).collect();
    let section_dir = match kind {
        Kind::Faq => None,
        Kind::Article => section,
    };
    let treatment = section_dir.and_then(|s| section_treatment(&content.join(s)));
    let text = match kind {
        Kind::Article => article(
            title,
            today,
            &people,
            treatment.as_deref(),
            data.benefits.first().map(|b| b.slug.value.as_str()),
        ),
        Kind::Faq => faq(
            title,
            today,
            data.treatments.first().map(|t| t.slug.value.as_str()),
        ),
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| Error::Io {
            action: "creating the folder",
            path: parent.to_path_buf(),
            source,
        })?;
    }
    let mut file = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(Error::Other(format!(
                "`{}` already exists; not overwriting it (choose another title or edit that file)",
                rel.display()
            )));
        }
        Err(source) => {
            return Err(Error::Io {
                action: "creating",
                path,
                source,
            });
        }
    };
    std::io::Write::write_all(&mut file, text.as_bytes()).map_err(|source| Error::Io {
        action: "writing",
        path: path.clone(),
        source,
    })?;
    Ok(rel)
}

/// Folders of `content/` that have an `_index.md` (sections), sorted.
fn sections(content: &Path) -> Vec<String> {
    let mut out: Vec<String> = walkdir::WalkDir::new(content)
        .min_depth(1)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_dir() && e.path().join("_index.md").is_file())
        .filter_map(|e| {
            e.path()
                .strip_prefix(content)
                .ok()
                .map(|p| p.to_string_lossy().replace('\\', "/"))
        })
        .collect();
    out.sort();
    out
}

/// The `treatment:` of a section's `_index.md`, if any.
fn section_treatment(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join("_index.md")).ok()?;
    let (fm, _) = crate::frontmatter::parse(&text, "_index.md").ok()?;
    fm.treatment.map(|t| t.value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> Date {
        "2026-11-21".parse().expect("date")
    }

    /// Removes the `# ` before commented fields, as an author would.
    fn uncomment(text: &str) -> String {
        text.lines()
            .map(|l| match l.strip_prefix("# ") {
                Some(rest)
                    if rest.starts_with(|c: char| c.is_ascii_lowercase())
                        && rest.split(':').next().is_some_and(|k| {
                            k.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                        }) =>
                {
                    rest.to_string()
                }
                Some(rest) if rest.starts_with("  ") => rest.to_string(),
                _ => l.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn article_mentions_every_field_and_parses_as_written_and_uncommented() {
        let text = article(
            "Microneedling \"at home\"",
            today(),
            &["nia-brennan".into(), "helen-marsh".into()],
            None,
            Some("fine-lines"),
        );
        for f in crate::frontmatter::FIELDS {
            if matches!(*f, "question" | "paginate_by") {
                continue; // standalone questions and sections only
            }
            assert!(
                text.contains(&format!("\n{f}:")) || text.contains(&format!("\n# {f}:")),
                "field `{f}` missing from the scaffold"
            );
        }
        let (fm, _) = crate::frontmatter::parse(&text, "a.md").expect("scaffold parses");
        assert_eq!(fm.title.as_deref(), Some("Microneedling \"at home\""));
        assert!(fm.draft);
        assert_eq!(fm.date, Some(today()));
        let full = uncomment(&text);
        let (fm, _) =
            crate::frontmatter::parse(&full, "a.md").unwrap_or_else(|d| panic!("{d}\n{full}"));
        assert_eq!(fm.sources.len(), 1);
        assert_eq!(
            fm.reviewed_by.map(|r| r.value).as_deref(),
            Some("helen-marsh")
        );
        assert_eq!(fm.faq.len(), 1);
        assert_eq!(fm.benefits[0].value, "fine-lines");
        assert_eq!(
            fm.treatment.map(|r| r.value).as_deref(),
            Some("microneedling")
        );
    }

    #[test]
    fn faq_parses_and_has_the_question() {
        let text = faq("Can I wear make-up?", today(), Some("microneedling"));
        let (fm, _) = crate::frontmatter::parse(&text, "q.md").expect("parses");
        assert_eq!(
            fm.question.map(|q| q.value).as_deref(),
            Some("Can I wear make-up?")
        );
        let (fm, _) = crate::frontmatter::parse(&uncomment(&text), "q.md").expect("parses");
        assert_eq!(fm.tags, vec!["planning".to_string()]);
    }

    #[test]
    fn vscode_task_matches_the_human_output() {
        let tasks: serde_json::Value = serde_json::from_str(&vscode_tasks()).expect("valid JSON");
        let pattern = &tasks["tasks"][0]["problemMatcher"]["pattern"];
        assert_eq!(
            pattern["regexp"],
            r"^(.+?):(\d+):(\d+): (error|warning)\[([^\]]+)\]: (.*)$"
        );
        // The first line of a rendered diagnostic has exactly that shape.
        let d = crate::diag::Diagnostic::warning(
            crate::diag::Location::new("content/a.md", 3, 7),
            "claims.absolute",
            "absolute claim: \"painless\"",
        );
        let first = crate::diag::render_human(&d, false);
        assert_eq!(
            first.lines().next(),
            Some("content/a.md:3:7: warning[claims.absolute]: absolute claim: \"painless\"")
        );
        let paths: Vec<&str> = editor_files().iter().map(|(p, _)| *p).collect();
        assert_eq!(paths, [SCHEMA_PATH, ".vscode/tasks.json"]);
    }

    #[test]
    fn paths_use_the_slug_of_the_title() {
        assert_eq!(
            path_for(
                Kind::Article,
                "Microneedling & You: A Guide!",
                Some("microneedling")
            ),
            Path::new("content/microneedling/microneedling-you-a-guide.md")
        );
        assert_eq!(
            path_for(Kind::Faq, "Does it hurt?", None),
            Path::new("content/faq/does-it-hurt.md")
        );
    }
}
