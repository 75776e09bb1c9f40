//! `careleaf init [DIR]`: a new site that builds, checks clean and deploys to
//! GitHub Pages as it is.
//!
//! Owns the starter files (config, a starter article with every front matter
//! field, the vocabularies, the FAQ intro, `.gitignore` and the Pages
//! workflow). The texts come from pure functions (`files`); `create` is the
//! only IO and never overwrites anything. It does not build or check.

use std::path::{Path, PathBuf};

use crate::diag::Error;
use crate::frontmatter::Date;

/// careleaf's version, pinned in the generated workflow.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Where release binaries are downloaded from (`<repo>/releases/download/`).
pub const REPOSITORY: &str = env!("CARGO_PKG_REPOSITORY");

/// One file `init` writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StarterFile {
    /// Path relative to the new site's root, `/`-separated.
    pub path: &'static str,
    /// Contents.
    pub text: String,
}

/// Every file `init` writes, in order. `today` dates the starter article and
/// its review, so the new site has no review warnings.
///
/// To add a file to new sites (a JSON Schema for front matter, another
/// workflow), add it here: `create`, the overwrite check and the tests that
/// build the result all take the list from this function.
pub fn files(today: Date) -> Vec<StarterFile> {
    let today = today.iso();
    let mut files = vec![
        StarterFile {
            path: "site.yaml",
            text: SITE_YAML.to_string(),
        },
        StarterFile {
            path: "content/_index.md",
            text: HOME.to_string(),
        },
        StarterFile {
            path: "content/microneedling/_index.md",
            text: SECTION.replace("{TODAY}", &today),
        },
        StarterFile {
            path: "content/microneedling/what-to-expect.md",
            text: ARTICLE.replace("{TODAY}", &today),
        },
        StarterFile {
            path: "content/faq/_index.md",
            text: FAQ.to_string(),
        },
        StarterFile {
            path: "content/benefits.yaml",
            text: BENEFITS.to_string(),
        },
        StarterFile {
            path: "content/people.yaml",
            text: PEOPLE.to_string(),
        },
        StarterFile {
            path: "content/treatments.yaml",
            text: TREATMENTS.to_string(),
        },
        StarterFile {
            path: ".gitignore",
            text: "# careleaf's output folder: built by the Pages workflow, not committed.\n/public/\n"
                .to_string(),
        },
        StarterFile {
            path: ".github/workflows/pages.yml",
            text: workflow(VERSION, REPOSITORY),
        },
    ];
    // The front matter JSON Schema and the editor task that runs `check`.
    files.extend(
        crate::scaffold::editor_files()
            .into_iter()
            .map(|(path, text)| StarterFile { path, text }),
    );
    files
}

/// The Pages workflow of a new site: installs careleaf `version` (a release
/// binary from `repository`, checksum verified; `cargo install` where no
/// binary fits the runner), builds with the base URL GitHub reports, deploys.
pub fn workflow(version: &str, repository: &str) -> String {
    WORKFLOW
        .replace("{VERSION}", version)
        .replace("{REPOSITORY}", repository.trim_end_matches('/'))
}

/// Writes the starter site into `dir` (created if missing). Refuses, and
/// writes nothing, when any of the files already exists; the error lists
/// them. Returns the paths written, relative to `dir`.
pub fn create(dir: &Path, today: Date) -> Result<Vec<PathBuf>, Error> {
    let files = files(today);
    let existing: Vec<&str> = files
        .iter()
        .filter(|f| dir.join(f.path).symlink_metadata().is_ok())
        .map(|f| f.path)
        .collect();
    if !existing.is_empty() {
        return Err(Error::Other(format!(
            "refusing to overwrite existing files in `{}`:\n{}\n  Move them away, or run `careleaf init` in an empty folder.",
            dir.display(),
            existing
                .iter()
                .map(|p| format!("  {p}"))
                .collect::<Vec<_>>()
                .join("\n")
        )));
    }
    let mut written = Vec::new();
    for f in &files {
        let path = dir.join(f.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| Error::Io {
                action: "creating folder",
                path: parent.to_path_buf(),
                source,
            })?;
        }
        // `create_new`: never replace a file that appeared since the check.
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .and_then(|mut file| std::io::Write::write_all(&mut file, f.text.as_bytes()))
            .map_err(|source| Error::Io {
                action: "writing",
                path: path.clone(),
                source,
            })?;
        written.push(PathBuf::from(f.path));
    }
    Ok(written)
}

const SITE_YAML: &str = r#"# The site's settings. Every key: docs/configuration.md in careleaf's repository.
title: Example Skin Clinic
# Where the site is published. The Pages workflow replaces it with the address
# GitHub reports (https://<owner>.github.io/<repo>/, or your custom domain),
# so you only need this for `careleaf build` on your own computer.
base_url: https://example.github.io/my-clinic/
# Language of the pages, for <html lang> and search engines.
language: en-GB
# The default description for search results and social cards.
description: "Plain-language guides to the treatments we offer at Example Skin Clinic."
# The clinic: shown in the footer and given to search engines on the home page.
clinic:
  name: Example Skin Clinic
  address:
    street: "1 Example Street"
    locality: "Exampleton"
    region: ""
    postal_code: "EX1 1AA"
    country: GB
  phone: "+44 20 7946 0000"
  email: hello@example.org
  # Where patients book: a page of this site (/contact/) or a full URL.
  # booking_url: /contact/
  # schema.org form: Mo, Tu, We, Th, Fr, Sa, Su and 24-hour times.
  opening_hours: ["Mo-Fr 09:00-17:00"]
# The navigation menu: site paths (/faq/) or full URLs.
menu:
  - {name: Microneedling, url: /microneedling/}
  - {name: Benefits, url: /benefits/}
  - {name: FAQ, url: /faq/}
# Months after a medical review when `careleaf check` says the next one is due.
review_interval_months: 12
# The image shown when a page is shared on social media: a file under static/,
# 1200 x 630 pixels. Add static/images/social.png, then remove the `# `.
# social_image: images/social.png
# Custom domain: put the domain alone in static/CNAME (or use a base_url such
# as https://skin.example.org/ and careleaf writes CNAME for you).
"#;

const HOME: &str = r#"---
title: Example Skin Clinic
description: "Plain-language guides to the treatments we offer, written by our clinicians."
---
Welcome. These guides explain our treatments in plain language: what they
involve, what they may help with, and the risks, so that you can come to
your consultation with good questions.

Start with [what to expect from microneedling](microneedling/what-to-expect.md).
"#;

const SECTION: &str = r#"---
title: Microneedling
description: "What microneedling is, what it may help with and what to expect."
# Every article in this folder is about this treatment (content/treatments.yaml).
treatment: microneedling
date: {TODAY}
---
Guides to microneedling, written by our clinicians and reviewed by a doctor.
"#;

const ARTICLE: &str = r#"---
# Every front matter field careleaf reads, explained. Lines starting with `#`
# are comments: remove the `# ` in front of a field to use it, and delete
# what you do not need. `careleaf check` tells you what is missing.
title: "What to expect from microneedling"
# One or two sentences for search results and social cards.
description: "How a microneedling appointment usually goes, from consultation to aftercare."
# First published (YYYY-MM-DD).
date: {TODAY}
# Last changed in a way readers should know about.
updated: {TODAY}
# A draft is built only with `careleaf build --drafts`.
draft: false
# The last part of the URL (default: the file name).
# slug: what-to-expect
# Old addresses of this page; each becomes a redirect to it.
# aliases: [/microneedling/your-appointment/]
# A template of the theme to use instead of page.html.
# template: page.html
# Sort order in the section (smaller first).
weight: 10
# Free tags; each gets a topic page.
tags: [appointments]
# Default FAQ topic for this page's questions.
topic: planning
# Who wrote it: ids from content/people.yaml.
authors: [alex-author]
# The medical reviewer (an id from content/people.yaml) and the review date.
reviewed_by: dr-rowan-reviewer
last_reviewed: {TODAY}
# The treatment (content/treatments.yaml); inherited from the section.
# treatment: microneedling
# Benefits this page discusses: slugs from content/benefits.yaml.
benefits: [skin-texture]
# The studies and guidelines the article relies on. Replace this example
# with your own; give a url, a doi or a pmid so readers can find it.
sources:
  - title: "Microneedling: A Review and Practical Guide"
    publisher: "Dermatologic Surgery"
    # authors: "Surname A, Surname B"
    year: 2018
    doi: "10.1097/DSS.0000000000001248"
    # url: "https://doi.org/10.1097/DSS.0000000000001248"
    pmid: "28796657"
# Questions and answers shown on this page and gathered on the FAQ page.
faq:
  - question: "How long does a microneedling appointment take?"
    answer: "Usually about an hour, including time for numbing cream to work."
    topic: planning
# Show a table of contents (default: when the page has 3 or more `##` headings).
# toc: true
# Sections only: articles per list page.
# paginate_by: 10
# Standalone questions in content/faq/ only: the question.
# question: "Does microneedling hurt?"
# Values for your theme's templates.
# extra:
#   hero_image: photo.jpg
---
This guide explains how a microneedling appointment usually goes. Your
clinician will tell you what applies to your skin at your consultation.

## Before your appointment

At a consultation we look at your skin, ask about your health and medicines,
and explain what microneedling may and may not do for you.

## On the day {#on-the-day benefit=skin-texture}

Numbing cream is applied first. The treatment itself takes around twenty to
thirty minutes, and most people feel pressure and some prickling.

## Afterwards

Skin is usually pink for a day or two. Gentle cleansing, sun protection and
avoiding make-up for a day help it settle.
"#;

const FAQ: &str = r#"---
title: Frequently asked questions
description: "Answers to the questions patients ask us most, gathered from our guides."
---
Questions from our guides, grouped by treatment. Ask us at your consultation
if yours is not here.
"#;

const BENEFITS: &str = r#"# What treatments may help with. Articles refer to these by slug, in front
# matter (`benefits: [skin-texture]`) or on a heading (`{#id benefit=skin-texture}`).
- slug: skin-texture
  name: Skin texture
  summary: "Rough or uneven skin texture."
"#;

const PEOPLE: &str = r#"# Authors and medical reviewers. Articles refer to them by id.
- id: alex-author
  name: Alex Author
  role: Aesthetic nurse practitioner
  credentials: [RN]
  # registration: "NMC 00A0000A"
  # bio: "One or two sentences about their experience."
  # photo: images/alex.jpg
- id: dr-rowan-reviewer
  name: Dr Rowan Reviewer
  role: Consultant dermatologist
  credentials: [MBBS, MRCP]
  # registration: "GMC 0000000"
"#;

const TREATMENTS: &str = r#"# The treatments the clinic offers. Sections and articles refer to them by slug.
- slug: microneedling
  name: Microneedling
  summary: "Fine needles make tiny punctures in the skin to prompt repair."
  # schema.org MedicalProcedureType: NoninvasiveProcedure, PercutaneousProcedure
  # or SurgicalProcedure.
  procedure_type: PercutaneousProcedure
  body_location: "Face"
  preparation: "Avoid retinoids and exfoliants for a few days before treatment."
  followup: "Gentle cleansing and daily sun protection while the skin settles."
"#;

const WORKFLOW: &str = r#"# Builds this site with careleaf and publishes it on GitHub Pages.
# Turn it on once: Settings > Pages > Build and deployment > Source: GitHub Actions.
# The site is published at https://<owner>.github.io/<repo>/ (or your custom
# domain): the address comes from GitHub, so a copy of this repository works
# with no edit.
name: Pages

on:
  push:
    branches: [main]
  workflow_dispatch:

permissions:
  contents: read
  pages: write
  id-token: write

concurrency:
  group: pages
  cancel-in-progress: false

env:
  # The careleaf release this site is built with. Change it to upgrade.
  CARELEAF_VERSION: "{VERSION}"

jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v5

      # Downloads the release binary for this runner and verifies its SHA-256
      # checksum; builds careleaf with cargo where no binary fits.
      - name: Install careleaf
        shell: bash
        run: |
          set -euo pipefail
          case "${RUNNER_OS}-${RUNNER_ARCH}" in
            Linux-X64) target=x86_64-unknown-linux-gnu ;;
            Linux-ARM64) target=aarch64-unknown-linux-gnu ;;
            macOS-ARM64) target=aarch64-apple-darwin ;;
            macOS-X64) target=x86_64-apple-darwin ;;
            *) target="" ;;
          esac
          dir="${RUNNER_TEMP}/careleaf"
          mkdir -p "$dir/bin"
          name="careleaf-v${CARELEAF_VERSION}-${target}"
          url="{REPOSITORY}/releases/download/v${CARELEAF_VERSION}"
          if [ -n "$target" ] \
            && curl -fsSL --retry 3 -o "$dir/$name.tar.gz" "$url/$name.tar.gz" \
            && curl -fsSL --retry 3 -o "$dir/$name.tar.gz.sha256" "$url/$name.tar.gz.sha256"; then
            (cd "$dir" && sha256sum -c "$name.tar.gz.sha256")
            tar -xzf "$dir/$name.tar.gz" -C "$dir"
            install -m 0755 "$dir/$name/careleaf" "$dir/bin/careleaf"
          else
            echo "::notice::no careleaf ${CARELEAF_VERSION} binary for ${RUNNER_OS}-${RUNNER_ARCH}; building it with cargo"
            cargo install careleaf --version "${CARELEAF_VERSION}" --locked --root "$dir"
          fi
          echo "$dir/bin" >> "$GITHUB_PATH"
          "$dir/bin/careleaf" --version

      - name: Configure Pages
        id: pages
        uses: actions/configure-pages@v6

      # Content problems show up as annotations on the commit.
      - name: Check the content
        run: careleaf check --format github

      # configure-pages reports the address without a trailing slash.
      - name: Build the site
        env:
          BASE_URL: ${{ steps.pages.outputs.base_url }}/
        run: careleaf build --base-url "$BASE_URL"

      - name: Upload the site
        uses: actions/upload-pages-artifact@v5
        with:
          path: public

  deploy:
    needs: build
    runs-on: ubuntu-latest
    environment:
      name: github-pages
      url: ${{ steps.deployment.outputs.page_url }}
    steps:
      - name: Deploy to GitHub Pages
        id: deployment
        uses: actions/deploy-pages@v5
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> Date {
        "2026-11-21".parse().expect("date")
    }

    #[test]
    fn workflow_pins_this_version_and_verifies_the_checksum() {
        let w = workflow("1.2.3", "https://github.com/careleaf/careleaf/");
        assert!(w.contains("CARELEAF_VERSION: \"1.2.3\""), "{w}");
        assert!(
            w.contains("url=\"https://github.com/careleaf/careleaf/releases/download/v${CARELEAF_VERSION}\""),
            "{w}"
        );
        assert!(w.contains("sha256sum -c"), "{w}");
        assert!(w.contains("cargo install careleaf --version \"${CARELEAF_VERSION}\" --locked"));
        assert!(w.contains("${{ steps.pages.outputs.base_url }}/"));
        assert!(!w.contains("{VERSION}") && !w.contains("{REPOSITORY}"));
    }

    #[test]
    fn starter_article_has_every_front_matter_field() {
        let files = files(today());
        let article = files
            .iter()
            .find(|f| f.path == "content/microneedling/what-to-expect.md")
            .expect("starter article");
        for field in crate::frontmatter::FIELDS {
            let set = format!("\n{field}:");
            let commented = format!("\n# {field}:");
            assert!(
                article.text.contains(&set) || article.text.contains(&commented),
                "the starter article does not show `{field}`"
            );
        }
        assert!(article.text.contains("last_reviewed: 2026-11-21"));
    }

    #[test]
    fn create_refuses_to_overwrite_and_lists_the_files() {
        let tmp = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(tmp.path().join("content")).expect("mkdir");
        std::fs::write(tmp.path().join("site.yaml"), "mine").expect("write");
        std::fs::write(tmp.path().join("content/_index.md"), "mine").expect("write");
        let e = create(tmp.path(), today()).expect_err("must refuse");
        let msg = e.to_string();
        assert!(msg.contains("  site.yaml\n  content/_index.md"), "{msg}");
        assert_eq!(
            std::fs::read_to_string(tmp.path().join("site.yaml")).expect("kept"),
            "mine"
        );
        assert!(!tmp.path().join(".gitignore").exists(), "nothing written");
    }
}
