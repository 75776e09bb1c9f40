//! GitHub Pages specifics: the `CNAME` file for a custom domain, the size
//! limit, and file names Pages would hide.
//!
//! Owns the rules about how the output meets GitHub Pages. Pure functions on
//! values (no IO): `render` writes what `cname` returns, `lib` reports what
//! `size_warning` and `underscore_names` return.

use crate::config::Config;
use crate::diag::{Diagnostic, Location};
use crate::model::Site;

/// GitHub Pages' published-site limit (1 GB).
pub const LIMIT_BYTES: u64 = 1024 * 1024 * 1024;

/// The contents of the `CNAME` file for a site published at a custom
/// domain's root (`https://skin.example.org/` -> `skin.example.org`).
///
/// `None` for `*.github.io` (GitHub's own domain), for a base URL with a
/// sub-path (a custom domain is always served from its root), for local
/// addresses, and when the author ships `static/CNAME` (theirs wins).
pub fn cname(config: &Config, has_static_cname: bool) -> Option<String> {
    if has_static_cname || config.base_path != "/" {
        return None;
    }
    let rest = config
        .base_url
        .strip_prefix("https://")
        .or_else(|| config.base_url.strip_prefix("http://"))?;
    let host = rest.trim_end_matches('/').to_ascii_lowercase();
    let local = host == "localhost"
        || host.ends_with(".localhost")
        || host.contains(':') // a port or an IPv6 address
        || host.parse::<std::net::Ipv4Addr>().is_ok()
        || !host.contains('.');
    if local || host == "github.io" || host.ends_with(".github.io") {
        return None;
    }
    Some(format!("{host}\n"))
}

/// The warning `build` prints when the output passes 80% of the Pages limit.
pub fn size_warning(bytes: u64, limit: u64) -> Option<String> {
    (bytes > limit / 10 * 8).then(|| {
        format!(
            "warning: the site is {} MB, over 80% of GitHub Pages' {} MB limit; move large videos or downloads elsewhere",
            bytes / 1_000_000,
            limit / 1_000_000
        )
    })
}

/// One output file and the source file it comes from, for `underscore_names`.
#[derive(Debug, Clone)]
pub struct Published<'a> {
    /// Path in the output (`_drafts/a/index.html`).
    pub output: &'a str,
    /// Where it comes from, for the diagnostic (`content/_drafts/a.md`).
    pub source: Location,
}

/// Warns about output paths with a file or folder name starting with `_`.
///
/// Jekyll, which GitHub Pages runs on a branch deployment unless `.nojekyll`
/// is present, drops such files. careleaf writes `.nojekyll`, but a copy of
/// the site published another way would lose them silently.
pub fn underscore_names(files: &[Published<'_>]) -> Vec<Diagnostic> {
    files
        .iter()
        .filter_map(|f| {
            let name = f.output.split('/').find(|s| s.starts_with('_'))?;
            Some(
                Diagnostic::warning(
                    f.source.clone(),
                    "publish.underscore-name",
                    format!(
                        "`{name}` in the published path `{}` starts with an underscore, which GitHub Pages' Jekyll step hides",
                        f.output
                    ),
                )
                .with_help("rename it so that it starts with a letter or digit"),
            )
        })
        .collect()
}

/// `underscore_names` over everything a site publishes from its sources:
/// pages, their aliases, content assets and `static/` files (given by their
/// path under `static/`).
pub fn check_names(site: &Site, statics: &[String]) -> Vec<Diagnostic> {
    let aliases: Vec<(String, Location)> = site
        .pages
        .iter()
        .flat_map(|p| {
            p.fm.aliases
                .iter()
                .map(|a| (a.trim_matches('/').to_string(), Location::new(&p.rel, 1, 1)))
        })
        .collect();
    let mut files: Vec<Published<'_>> = Vec::new();
    for p in &site.pages {
        files.push(Published {
            output: &p.path,
            source: Location::new(&p.rel, 1, 1),
        });
    }
    for (a, loc) in &aliases {
        files.push(Published {
            output: a,
            source: loc.clone(),
        });
    }
    for (content_rel, url) in &site.assets {
        files.push(Published {
            output: url,
            source: Location::new(format!("content/{content_rel}"), 1, 1),
        });
    }
    for rel in statics {
        files.push(Published {
            output: rel,
            source: Location::new(format!("static/{rel}"), 1, 1),
        });
    }
    underscore_names(&files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Overrides, parse_site};

    fn config(base: &str) -> Config {
        let site = parse_site(&format!("title: T\nbase_url: {base}\n"), "site.yaml")
            .expect("site.yaml parses");
        Config::from_site(site, ".".into(), &Overrides::default()).expect("config")
    }

    #[test]
    fn cname_only_for_a_custom_domain_at_its_root() {
        assert_eq!(
            cname(&config("https://Skin.Example.org"), false).as_deref(),
            Some("skin.example.org\n")
        );
        assert_eq!(cname(&config("https://skin.example.org/"), true), None);
        assert_eq!(cname(&config("https://example.org/skin/"), false), None);
        assert_eq!(cname(&config("https://owner.github.io/"), false), None);
        assert_eq!(cname(&config("https://owner.github.io/repo/"), false), None);
        assert_eq!(cname(&config("http://127.0.0.1:3000/"), false), None);
        assert_eq!(cname(&config("http://localhost/"), false), None);
    }

    #[test]
    fn size_warning_above_80_percent_only() {
        assert_eq!(size_warning(0, LIMIT_BYTES), None);
        assert_eq!(size_warning(LIMIT_BYTES / 10 * 8, LIMIT_BYTES), None);
        let w = size_warning(LIMIT_BYTES / 10 * 8 + 1, LIMIT_BYTES).expect("warns");
        assert!(w.contains("858 MB") && w.contains("1073 MB"), "{w}");
        assert!(size_warning(2000, 1000).is_some());
    }

    #[test]
    fn underscore_names_are_warned_with_their_source() {
        let files = [
            Published {
                output: "images/_hidden.png",
                source: Location::new("static/images/_hidden.png", 1, 1),
            },
            Published {
                output: "a/b/index.html",
                source: Location::new("content/a/b.md", 1, 1),
            },
            Published {
                output: "_drafts/x/index.html",
                source: Location::new("content/_drafts/x.md", 1, 1),
            },
        ];
        let d = underscore_names(&files);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].code, "publish.underscore-name");
        assert!(d[0].message.contains("`_hidden.png`"), "{}", d[0].message);
        assert!(d[1].message.contains("`_drafts`"), "{}", d[1].message);
    }
}
