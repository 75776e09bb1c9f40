//! Site search: a Pagefind index built from the rendered HTML of the content
//! pages (articles and plain pages; never the home page, section lists or
//! generated pages such as benefits, tags and the FAQ).
//!
//! Owns the Pagefind options and the choice of which bundle files are
//! published. [`build_index`] takes `(output path, HTML)` pairs and returns
//! the bundle as in-memory files without touching disk, so `build` and
//! `serve` can both use it; [`reuse_previous`] hands the last build's bundle
//! to the staging folder when a rebuild skips indexing. It writes nothing
//! itself: every write goes through `output::Staging`. The browser side is the theme's
//! `static/js/search.js`, which imports `pagefind/pagefind.js` relative to the
//! site's base path.

use std::collections::HashSet;

use pagefind::api::PagefindIndex;
use pagefind::options::PagefindServiceConfig;

use crate::diag::Error;
use crate::model::{PageKind, Site};
use crate::output::Staging;
use crate::render::OutputFile;

/// The folder, relative to the output, that holds the search bundle.
pub const BUNDLE_DIR: &str = "pagefind/";

/// Parts of a page that are not content: left out of the index so that a
/// search for "consultation" does not match every page's footer.
const EXCLUDE: &[&str] = &[
    ".site-header",
    ".site-footer",
    ".breadcrumbs",
    ".skip-link",
    ".toc",
    ".cta",
    ".cta-band",
    ".disclaimer",
    ".related",
    ".article-meta",
    "nav",
    "[data-pagefind-ignore]",
];

/// Output paths (`articles/x/index.html`) of the pages the index covers:
/// every ordinary page and article.
pub fn indexable_paths(site: &Site) -> HashSet<String> {
    site.pages
        .iter()
        .filter(|p| p.kind == PageKind::Page)
        .map(|p| format!("{}index.html", p.path))
        .collect()
}

/// Builds the index for `site` from pages already rendered elsewhere:
/// `html_of(output path)` returns a page's HTML (for `serve`, which keeps
/// the site in memory). Pages it has no HTML for are left out.
pub fn index_site(
    site: &Site,
    language: &str,
    html_of: impl Fn(&str) -> Option<String>,
) -> Result<Vec<OutputFile>, Error> {
    let mut paths: Vec<String> = indexable_paths(site).into_iter().collect();
    paths.sort();
    let pages = paths
        .into_iter()
        .filter_map(|p| html_of(&p).map(|html| (p, html)))
        .collect();
    build_index(pages, language)
}

/// Whether a Pagefind bundle file is published. The bundled Pagefind UIs,
/// the highlighter and the playground are dropped: the theme ships its own
/// small, accessible search UI.
fn published(name: &str) -> bool {
    let drop = name.starts_with("pagefind-ui.")
        || name.starts_with("pagefind-modular-ui.")
        || name.starts_with("pagefind-component-ui.")
        || name.starts_with("pagefind-highlight.")
        || name.starts_with("playground/");
    !drop
}

/// The primary language subtag Pagefind stems with (`en-GB` -> `en`).
fn index_language(language: &str) -> String {
    let primary = language.split(['-', '_']).next().unwrap_or("");
    if primary.is_empty() {
        "en".into()
    } else {
        primary.to_ascii_lowercase()
    }
}

/// Builds the search index for `pages` (`(output path, HTML)`, in any order)
/// and returns the bundle's files with paths under [`BUNDLE_DIR`], sorted.
///
/// Result URLs are relative to the bundle's own location, so the same files
/// work at `/` and under a GitHub Pages sub-path.
///
/// Safe to call from inside an async runtime (`serve`): the indexer then
/// runs its own runtime on a separate thread.
pub fn build_index(pages: Vec<(String, String)>, language: &str) -> Result<Vec<OutputFile>, Error> {
    if tokio::runtime::Handle::try_current().is_err() {
        return index_blocking(pages, language);
    }
    std::thread::scope(|s| {
        s.spawn(|| index_blocking(pages, language))
            .join()
            .unwrap_or_else(|_| {
                Err(Error::Other(
                    "building the search index: the indexer thread panicked".into(),
                ))
            })
    })
}

fn index_blocking(
    mut pages: Vec<(String, String)>,
    language: &str,
) -> Result<Vec<OutputFile>, Error> {
    pages.sort_by(|a, b| a.0.cmp(&b.0));
    let err = |what: &str, e: &dyn std::fmt::Display| {
        Error::Other(format!("building the search index: {what}: {e}"))
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| err("starting the indexer", &e))?;
    let files = runtime.block_on(async {
        let options = PagefindServiceConfig::builder()
            .force_language(index_language(language))
            .exclude_selectors(EXCLUDE.iter().map(|s| s.to_string()).collect())
            .build();
        let mut index = PagefindIndex::new(Some(options)).map_err(|e| err("options", &e))?;
        for (path, html) in pages {
            index
                .add_html_file(Some(path.clone()), None, html)
                .await
                .map_err(|e| err(&path, &e))?;
        }
        index.get_files().await.map_err(|e| err("writing", &e))
    })?;
    let mut out: Vec<OutputFile> = files
        .into_iter()
        .filter_map(|f| {
            let name = f.filename.to_string_lossy().replace('\\', "/");
            published(&name).then(|| OutputFile {
                path: format!("{BUNDLE_DIR}{name}"),
                bytes: f.contents,
            })
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// Copies the previous output's search bundle into `staging` unchanged
/// (files are hard-linked when possible) and returns how many files it
/// carried over. Used when `Config::reuse_search_index` is set; with no
/// previous bundle the new site simply has none until the next full build.
pub fn reuse_previous(staging: &Staging) -> Result<usize, Error> {
    let dir = staging.output().join(BUNDLE_DIR);
    if !dir.is_dir() {
        return Ok(0);
    }
    let mut n = 0;
    for entry in walkdir::WalkDir::new(&dir).sort_by_file_name() {
        let entry = entry.map_err(|e| Error::Other(format!("reading `{}`: {e}", dir.display())))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(staging.output()) else {
            continue;
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        staging.copy(&rel, entry.path())?;
        n += 1;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(title: &str, body: &str) -> String {
        format!(
            "<!DOCTYPE html><html lang=\"en\"><head><title>{title}</title></head><body>\
             <header class=\"site-header\">Book a consultation</header>\
             <main><h1>{title}</h1><p>{body}</p></main></body></html>"
        )
    }

    #[test]
    fn index_holds_the_runtime_and_data_but_not_the_bundled_uis() {
        let files = build_index(
            vec![
                (
                    "a/index.html".into(),
                    page("Peels", "Chemical peels exfoliate."),
                ),
                ("b/index.html".into(), page("Laser", "Laser hair removal.")),
            ],
            "en-GB",
        )
        .expect("index");
        let names: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert!(names.contains(&"pagefind/pagefind.js"), "{names:?}");
        assert!(names.contains(&"pagefind/pagefind-entry.json"));
        assert!(names.contains(&"pagefind/wasm.en.pagefind"));
        assert!(names.iter().any(|n| n.ends_with(".pf_fragment")));
        assert!(names.iter().any(|n| n.ends_with(".pf_index")));
        assert!(!names.iter().any(|n| n.contains("-ui.")), "{names:?}");
        assert!(!names.iter().any(|n| n.contains("playground")));
        let entry = files
            .iter()
            .find(|f| f.path == "pagefind/pagefind-entry.json")
            .expect("entry");
        let entry = String::from_utf8_lossy(&entry.bytes);
        assert!(entry.contains("\"page_count\":2"), "{entry}");
    }

    #[test]
    fn same_pages_give_the_same_index() {
        let pages = vec![
            ("b/index.html".to_string(), page("B", "Second page text.")),
            ("a/index.html".to_string(), page("A", "First page text.")),
        ];
        let mut reversed = pages.clone();
        reversed.reverse();
        let one = build_index(pages, "en").expect("index");
        let two = build_index(reversed, "en").expect("index");
        let paths = |v: &[OutputFile]| v.iter().map(|f| f.path.clone()).collect::<Vec<_>>();
        assert_eq!(paths(&one), paths(&two));
    }

    #[test]
    fn can_be_called_from_inside_an_async_runtime() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let files = rt
            .block_on(async {
                build_index(vec![("a/index.html".into(), page("A", "Text."))], "en")
            })
            .expect("index");
        assert!(files.iter().any(|f| f.path == "pagefind/pagefind.js"));
    }

    #[test]
    fn language_is_the_primary_subtag() {
        assert_eq!(index_language("en-GB"), "en");
        assert_eq!(index_language("pt_BR"), "pt");
        assert_eq!(index_language(""), "en");
    }
}
