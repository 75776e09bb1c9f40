//! Themes: the default theme compiled into the binary, and a site's own
//! `themes/<name>/` files overriding it file by file.
//!
//! Owns the list of embedded files and the override rule. Reads only the
//! site's theme folder; compiling templates is `render`'s job.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::diag::Error;
use crate::source;

macro_rules! embed {
    ($($path:literal),* $(,)?) => {
        &[$(($path, include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/themes/default/", $path)) as &[u8])),*]
    };
}

/// Every file of `themes/default/`, compiled in. A test checks this list
/// against the folder so a new theme file cannot be forgotten.
pub const DEFAULT_FILES: &[(&str, &[u8])] = embed![
    "templates/base.html",
    "templates/index.html",
    "templates/page.html",
    "templates/section.html",
    "templates/benefits.html",
    "templates/benefit.html",
    "templates/faq.html",
    "templates/tags.html",
    "templates/tag.html",
    "templates/search.html",
    "templates/404.html",
    "templates/partials/article_meta.html",
    "templates/partials/article_footer.html",
    "templates/partials/page_list.html",
    "templates/partials/question.html",
    "static/css/careleaf.css",
    "static/js/search.js",
    "static/js/livereload.js",
];

/// A theme resolved for one site: template sources and static files.
#[derive(Debug, Clone, Default)]
pub struct Theme {
    /// Template name (`page.html`, `partials/x.html`) -> source.
    pub templates: BTreeMap<String, String>,
    /// Static file path (`css/careleaf.css`) -> bytes.
    pub statics: BTreeMap<String, Vec<u8>>,
}

/// Loads the default theme and applies the site's overrides from
/// `ROOT/themes/<name>/`.
pub fn load(root: &Path, name: &str) -> Result<Theme, Error> {
    let mut theme = Theme::default();
    for (path, bytes) in DEFAULT_FILES {
        add(&mut theme, path, bytes.to_vec(), "the default theme")?;
    }
    let dir = root.join("themes").join(name);
    if !dir.is_dir() {
        if name != "default" {
            return Err(Error::Other(format!(
                "site.yaml: theme `{name}` not found: there is no folder `{}`",
                dir.display()
            )));
        }
        return Ok(theme);
    }
    for sub in ["templates", "static"] {
        for (rel, path) in source::list_static(&dir.join(sub))? {
            let bytes = std::fs::read(&path).map_err(|source| Error::Io {
                action: "reading theme file",
                path: path.clone(),
                source,
            })?;
            add(
                &mut theme,
                &format!("{sub}/{rel}"),
                bytes,
                &path.display().to_string(),
            )?;
        }
    }
    Ok(theme)
}

/// Whether template `name`, and every template it can extend, include or
/// import, is the default theme's own text: the site overrides none of
/// them. Tera loads only the theme's templates, by a name written in the
/// template's text, so every template the text names (any of the theme's
/// template names it contains) is followed. `serve` then knows what the
/// rendered page reads: a test renders the default templates to check
/// what they leave out (issue 5).
pub fn uses_default(theme: &Theme, name: &str) -> bool {
    let mut todo = vec![name];
    let mut seen = BTreeSet::new();
    while let Some(t) = todo.pop() {
        if !seen.insert(t) {
            continue;
        }
        let default = DEFAULT_FILES
            .iter()
            .find(|(p, _)| p.strip_prefix("templates/") == Some(t))
            .map(|(_, bytes)| *bytes);
        let Some(text) = theme.templates.get(t) else {
            return false;
        };
        if default != Some(text.as_bytes()) {
            return false;
        }
        todo.extend(
            theme
                .templates
                .keys()
                .map(String::as_str)
                .filter(|k| text.contains(k)),
        );
    }
    true
}

/// The site's own text files a browser loads: `themes/<name>/templates`,
/// `themes/<name>/static` and `static/` files that are HTML, SVG, CSS or
/// JavaScript, as (path relative to the root, text), for `check`'s privacy
/// rule. Files that are not UTF-8 are skipped (they are not text).
pub fn site_text_files(root: &Path, name: &str) -> Result<Vec<(String, String)>, Error> {
    const TEXT: &[&str] = &["html", "htm", "svg", "xml", "css", "js", "mjs"];
    let mut out = Vec::new();
    let dirs = [
        format!("themes/{name}/templates"),
        format!("themes/{name}/static"),
        "static".to_string(),
    ];
    for dir in dirs {
        for (rel, path) in source::list_static(&root.join(&dir))? {
            let ext = rel.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
            if !TEXT.contains(&ext.as_str()) {
                continue;
            }
            let bytes = std::fs::read(&path).map_err(|source| Error::Io {
                action: "reading",
                path: path.clone(),
                source,
            })?;
            if let Ok(text) = String::from_utf8(bytes) {
                out.push((format!("{dir}/{rel}"), text));
            }
        }
    }
    Ok(out)
}

fn add(theme: &mut Theme, path: &str, bytes: Vec<u8>, origin: &str) -> Result<(), Error> {
    if let Some(t) = path.strip_prefix("templates/") {
        let text = String::from_utf8(bytes)
            .map_err(|_| Error::Other(format!("{origin}: template `{t}` is not UTF-8 text")))?;
        theme.templates.insert(t.to_string(), text);
    } else if let Some(s) = path.strip_prefix("static/") {
        theme.statics.insert(s.to_string(), bytes);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_theme_file_is_embedded() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default");
        let mut on_disk = Vec::new();
        for sub in ["templates", "static"] {
            for (rel, _) in source::list_static(&dir.join(sub)).expect("theme folder") {
                on_disk.push(format!("{sub}/{rel}"));
            }
        }
        on_disk.sort();
        let mut embedded: Vec<String> = DEFAULT_FILES.iter().map(|(p, _)| p.to_string()).collect();
        embedded.sort();
        assert_eq!(on_disk, embedded);
    }

    #[test]
    fn site_files_override_default_per_file() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let t = tmp.path().join("themes/default/templates");
        std::fs::create_dir_all(&t).expect("mkdir");
        std::fs::write(t.join("page.html"), "custom").expect("write");
        let theme = load(tmp.path(), "default").expect("theme");
        assert_eq!(theme.templates["page.html"], "custom");
        assert!(theme.templates["base.html"].contains("<html"));
    }

    #[test]
    fn a_template_is_the_defaults_unless_it_or_one_it_names_is_overridden() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let t = tmp.path().join("themes/default/templates");
        std::fs::create_dir_all(&t).expect("mkdir");
        // An extra template no default one names changes nothing.
        std::fs::write(t.join("extra.html"), "extra").expect("write");
        let theme = load(tmp.path(), "default").expect("theme");
        assert!(uses_default(&theme, "benefit.html"));
        assert!(!uses_default(&theme, "extra.html"));
        assert!(!uses_default(&theme, "missing.html"));
        // Overriding the page it extends, or the page itself, does.
        for file in ["base.html", "benefit.html"] {
            let default = &theme.templates[file];
            std::fs::write(t.join(file), format!("{default}\n")).expect("write");
            let theme = load(tmp.path(), "default").expect("theme");
            assert!(!uses_default(&theme, "benefit.html"), "{file}");
            std::fs::remove_file(t.join(file)).expect("remove");
        }
        // A partial included by a page is followed.
        std::fs::create_dir_all(t.join("partials")).expect("mkdir");
        std::fs::write(t.join("partials/page_list.html"), "x").expect("write");
        let theme = load(tmp.path(), "default").expect("theme");
        assert!(!uses_default(&theme, "tag.html"));
        assert!(uses_default(&theme, "benefit.html"));
    }
}
