//! Watching the site's sources for `serve`: which changed paths matter, and
//! the debounced notify watcher that reports them.
//!
//! Owns `classify`, a pure function from a changed path to what it means for
//! the build (unit-tested below); `settles`, the pure rule for which batches
//! wait for quiet before a rebuild (a save by rename-and-replace in
//! progress); the timings (`DEBOUNCE`, `TICK`, `SETTLE`); and `Watcher`,
//! which watches `content/`, `static/`, `themes/` and `site.yaml` and hands
//! batches of classified changes to a callback. Must not: build anything;
//! `serve` decides what a change triggers.

use std::path::{Component, Path};
use std::time::Duration;

use crate::source::is_ignored_name;

/// What a changed path means for the build.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    /// A file under `content/` (page, question, data file or asset), as a
    /// root-relative path with `/` separators (`content/a/b.md`).
    Content(String),
    /// A file under `themes/`: every page may change.
    Template,
    /// `site.yaml`: reload the configuration, re-render everything.
    Config,
    /// A file under `static/`: copied as is, nothing to render.
    Static,
    /// Not part of the site: the output folder, hidden files, editor swap,
    /// backup and temporary files, anything outside the watched folders.
    Ignored,
}

/// Classifies a changed `path` of the site at `root`. Pure: looks at the
/// path only, never at the disk, so a deleted file classifies like a
/// created one (editors that save by writing a temporary file and renaming
/// it over the original produce create, rename and remove events; each of
/// them counts as a change of the final path, the temporary one is ignored).
pub fn classify(root: &Path, path: &Path) -> Change {
    let Ok(rel) = path.strip_prefix(root) else {
        return Change::Ignored;
    };
    let mut parts = Vec::new();
    for c in rel.components() {
        match c {
            Component::Normal(s) => {
                let Some(s) = s.to_str() else {
                    // A non-UTF-8 name cannot be published; discovery reports it.
                    return Change::Content(rel.to_string_lossy().replace('\\', "/"));
                };
                if is_ignored_name(s) {
                    return Change::Ignored;
                }
                parts.push(s);
            }
            _ => return Change::Ignored,
        }
    }
    match parts.as_slice() {
        ["site.yaml"] => Change::Config,
        ["content", _, ..] => Change::Content(parts.join("/")),
        ["static", _, ..] => Change::Static,
        ["themes", _, ..] => Change::Template,
        // The folders themselves (created or removed as a whole).
        ["content"] => Change::Content("content".into()),
        ["static"] => Change::Static,
        ["themes"] => Change::Template,
        _ => Change::Ignored,
    }
}

/// How long the watcher waits after an event on a path before reporting it.
/// Short, so a save is rebuilt and shown within tens of milliseconds (issue
/// 5): an editor's save is one write, or a write to a temporary file and a
/// rename, microseconds apart; the temporary file is ignored, and a batch
/// that names a file that is gone waits `SETTLE` (see `settles`).
pub const DEBOUNCE: Duration = Duration::from_millis(10);

/// How often the debouncer looks for events older than `DEBOUNCE`.
pub const TICK: Duration = Duration::from_millis(5);

/// How long `serve` waits for quiet after a batch that `settles`: a save by
/// rename-and-replace in progress (the file is gone for a moment), a
/// deletion, or a theme, `static/` or `site.yaml` change.
pub const SETTLE: Duration = Duration::from_millis(100);

/// True when a batch of changes should wait `SETTLE` for more before a
/// rebuild: anything but changes to content files that exist now. An editor
/// that saves by renaming the old file away and writing the new one leaves a
/// moment without the file; rebuilding then would show the page as deleted
/// (and links to it as broken) until the next batch. `exists` tells whether
/// a root-relative path exists (pure, for tests).
pub fn settles(changes: &[Change], exists: impl Fn(&str) -> bool) -> bool {
    changes.iter().any(|c| match c {
        Change::Content(rel) => !exists(rel),
        Change::Ignored => false,
        Change::Template | Change::Config | Change::Static => true,
    })
}

/// A running watcher; dropping it stops watching.
pub struct Watcher {
    _debouncer: notify_debouncer_full::Debouncer<
        notify_debouncer_full::notify::RecommendedWatcher,
        notify_debouncer_full::RecommendedCache,
    >,
}

/// Watches the site at `root` and calls `on_change` with each debounced
/// batch of changes that are not `Ignored` (sorted, deduplicated). Errors
/// from the watcher itself are passed as `Err` with their message.
pub fn watch(
    root: &Path,
    mut on_change: impl FnMut(Result<Vec<Change>, String>) + Send + 'static,
) -> Result<Watcher, String> {
    use notify_debouncer_full::notify::{EventKind, RecursiveMode};
    let root_owned = root.to_path_buf();
    let mut debouncer = notify_debouncer_full::new_debouncer(
        DEBOUNCE,
        Some(TICK),
        move |res: notify_debouncer_full::DebounceEventResult| match res {
            Ok(events) => {
                let mut changes: Vec<Change> = events
                    .iter()
                    .filter(|e| !matches!(e.event.kind, EventKind::Access(_)))
                    .flat_map(|e| e.event.paths.iter())
                    .map(|p| classify(&root_owned, p))
                    .filter(|c| *c != Change::Ignored)
                    .collect();
                changes.sort();
                changes.dedup();
                if !changes.is_empty() {
                    on_change(Ok(changes));
                }
            }
            Err(errors) => {
                let msg = errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ");
                on_change(Err(msg));
            }
        },
    )
    .map_err(|e| format!("cannot watch `{}`: {e}", root.display()))?;
    // The root itself only for site.yaml (it may hold `public/`, `target/`).
    debouncer
        .watch(root, RecursiveMode::NonRecursive)
        .map_err(|e| format!("cannot watch `{}`: {e}", root.display()))?;
    for dir in ["content", "static", "themes"] {
        let d = root.join(dir);
        if d.is_dir() {
            debouncer
                .watch(&d, RecursiveMode::Recursive)
                .map_err(|e| format!("cannot watch `{}`: {e}", d.display()))?;
        }
    }
    Ok(Watcher {
        _debouncer: debouncer,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(p: &str) -> Change {
        classify(Path::new("/site"), &Path::new("/site").join(p))
    }

    #[test]
    fn content_files_are_content_changes() {
        assert_eq!(c("content/a.md"), Change::Content("content/a.md".into()));
        assert_eq!(
            c("content/micro/_index.md"),
            Change::Content("content/micro/_index.md".into())
        );
        assert_eq!(
            c("content/benefits.yaml"),
            Change::Content("content/benefits.yaml".into())
        );
        assert_eq!(
            c("content/b/photo.jpg"),
            Change::Content("content/b/photo.jpg".into())
        );
        assert_eq!(c("content"), Change::Content("content".into()));
    }

    #[test]
    fn config_templates_and_static() {
        assert_eq!(c("site.yaml"), Change::Config);
        assert_eq!(c("themes/default/templates/page.html"), Change::Template);
        assert_eq!(c("static/css/site.css"), Change::Static);
    }

    #[test]
    fn output_folder_and_unrelated_files_are_ignored() {
        assert_eq!(c("public/index.html"), Change::Ignored);
        assert_eq!(c("target/debug/careleaf"), Change::Ignored);
        assert_eq!(c("README.md"), Change::Ignored);
        assert_eq!(c("content.md"), Change::Ignored);
        assert_eq!(
            classify(Path::new("/site"), Path::new("/elsewhere/content/a.md")),
            Change::Ignored
        );
    }

    #[test]
    fn hidden_and_editor_files_are_ignored() {
        for p in [
            "content/.a.md.swp",
            "content/.a.md.swx",
            "content/a.md~",
            "content/#a.md#",
            "content/.#a.md",
            "content/4913",
            "content/a.md.tmp",
            "content/a.md.bak",
            "content/.hidden/a.md",
            ".git/index",
            "content/.DS_Store",
            ".site.yaml.swp",
            "themes/default/templates/.page.html.swp",
            "static/css/.site.css.un~",
        ] {
            assert_eq!(c(p), Change::Ignored, "{p}");
        }
    }

    #[test]
    fn rename_and_replace_saves_count_as_changes_of_the_target() {
        // vim: write `a.md~` backup, write `a.md`; others: write `.a.md.tmp`
        // then rename it over `a.md`. The events name both paths; only the
        // real file is a change, whether it now exists or not.
        let events = ["content/.a.md.tmp", "content/a.md", "content/a.md~"];
        let changes: Vec<Change> = events
            .iter()
            .map(|p| c(p))
            .filter(|c| *c != Change::Ignored)
            .collect();
        assert_eq!(changes, vec![Change::Content("content/a.md".into())]);
    }

    #[test]
    fn only_edits_of_existing_content_files_skip_the_settle_wait() {
        let exists = |rel: &str| rel != "content/gone.md";
        let content = |rel: &str| Change::Content(rel.into());
        assert!(!settles(&[content("content/a.md")], exists));
        assert!(!settles(
            &[content("content/a.md"), content("content/b/c.md")],
            exists
        ));
        // Mid rename-and-replace, or deleted: wait for the rest.
        assert!(settles(&[content("content/gone.md")], exists));
        assert!(settles(
            &[content("content/a.md"), content("content/gone.md")],
            exists
        ));
        for other in [Change::Template, Change::Config, Change::Static] {
            assert!(settles(&[content("content/a.md"), other], exists));
        }
    }

    #[test]
    fn paths_with_parent_components_are_ignored() {
        assert_eq!(
            classify(Path::new("/site"), Path::new("/site/content/../public/x")),
            Change::Ignored
        );
    }
}
