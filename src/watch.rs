//! Watching the site's sources for `serve`: which changed paths matter, and
//! the debounced notify watcher that reports them.
//!
//! Owns `classify`, a pure function from a changed path to what it means for
//! the build, and `changes_of`, which applies it to a batch of events and
//! turns a batch that lost events into a full reload (both unit-tested
//! below); `settles`, the pure rule for which batches
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

/// The folders of a site the watcher watches recursively.
pub const WATCHED_DIRS: [&str; 3] = ["content", "static", "themes"];

/// When an event of `kind` made `path`, one of `WATCHED_DIRS` at the top of
/// the site at `root` (created, or renamed into place), its name: a folder
/// that must now be watched recursively. The root itself is watched without
/// recursion (it may hold `public/` and `target/`), so a `static/` or
/// `themes/` folder made after `serve` started is seen only as a new entry
/// of the root; files later created inside it would go unseen. Any other
/// event on such a folder (reading it, its metadata) gives `None`: watching
/// a folder walks it, and the walk's own access events must not start
/// another. Pure: looks at the event only.
pub fn new_watched_dir(
    root: &Path,
    kind: &notify_debouncer_full::notify::EventKind,
    path: &Path,
) -> Option<&'static str> {
    use notify_debouncer_full::notify::EventKind;
    use notify_debouncer_full::notify::event::ModifyKind;
    if !matches!(
        kind,
        EventKind::Create(_) | EventKind::Modify(ModifyKind::Name(_))
    ) {
        return None;
    }
    let rel = path.strip_prefix(root).ok()?;
    let mut parts = rel.components();
    let (Some(Component::Normal(name)), None) = (parts.next(), parts.next()) else {
        return None;
    };
    WATCHED_DIRS.into_iter().find(|d| name == *d)
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

type Debouncer = notify_debouncer_full::Debouncer<
    notify_debouncer_full::notify::RecommendedWatcher,
    notify_debouncer_full::RecommendedCache,
>;

/// What a debounced batch of events means for the build: the paths of its
/// events (not mere reads) classified, without `Ignored`, sorted and
/// deduplicated. A batch in which notify says events were lost
/// (`need_rescan`: the kernel's queue of events overflowed, which a
/// checkout of thousands of files can make happen) counts as a change of
/// `site.yaml`: everything is loaded and rendered again, so the preview
/// does not go on showing pages whose edits were never reported. Pure.
pub fn changes_of(root: &Path, events: &[notify_debouncer_full::DebouncedEvent]) -> Vec<Change> {
    use notify_debouncer_full::notify::EventKind;
    let mut changes: Vec<Change> = events
        .iter()
        .filter(|e| !matches!(e.event.kind, EventKind::Access(_)))
        .flat_map(|e| e.event.paths.iter())
        .map(|p| classify(root, p))
        .filter(|c| *c != Change::Ignored)
        .collect();
    if events.iter().any(|e| e.event.need_rescan()) {
        changes.push(Change::Config);
    }
    changes.sort();
    changes.dedup();
    changes
}

/// A running watcher; dropping it stops watching.
pub struct Watcher {
    // The event handler holds a weak reference (it adds watches on folders
    // created later), so dropping this stops the debouncer.
    _debouncer: std::sync::Arc<std::sync::Mutex<Option<Debouncer>>>,
}

/// Watches the site at `root` and calls `on_change` with each debounced
/// batch of changes that are not `Ignored` (sorted, deduplicated). Errors
/// from the watcher itself are passed as `Err` with their message.
pub fn watch(
    root: &Path,
    mut on_change: impl FnMut(Result<Vec<Change>, String>) + Send + 'static,
) -> Result<Watcher, String> {
    use notify_debouncer_full::notify::RecursiveMode;
    let root_owned = root.to_path_buf();
    let slot: std::sync::Arc<std::sync::Mutex<Option<Debouncer>>> = Default::default();
    let weak = std::sync::Arc::downgrade(&slot);
    let mut debouncer = notify_debouncer_full::new_debouncer(
        DEBOUNCE,
        Some(TICK),
        move |res: notify_debouncer_full::DebounceEventResult| match res {
            Ok(events) => {
                // A watched folder made after the start: watch it before
                // the batch is reported, so the rebuild it triggers reads
                // what is in it and later files are seen.
                let made = events.iter().flat_map(|e| {
                    e.event
                        .paths
                        .iter()
                        .filter(|p| new_watched_dir(&root_owned, &e.event.kind, p).is_some())
                });
                for path in made {
                    if path.is_dir()
                        && let Some(slot) = weak.upgrade()
                        && let Ok(mut guard) = slot.lock()
                        && let Some(d) = guard.as_mut()
                        && let Err(e) = d.watch(path, RecursiveMode::Recursive)
                    {
                        on_change(Err(format!("cannot watch `{}`: {e}", path.display())));
                    }
                }
                let changes = changes_of(&root_owned, &events);
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
    for dir in WATCHED_DIRS {
        let d = root.join(dir);
        if d.is_dir() {
            debouncer
                .watch(&d, RecursiveMode::Recursive)
                .map_err(|e| format!("cannot watch `{}`: {e}", d.display()))?;
        }
    }
    if let Ok(mut guard) = slot.lock() {
        *guard = Some(debouncer);
    }
    Ok(Watcher { _debouncer: slot })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(p: &str) -> Change {
        classify(Path::new("/site"), &Path::new("/site").join(p))
    }

    #[test]
    fn lost_events_reload_everything() {
        use notify_debouncer_full::DebouncedEvent;
        use notify_debouncer_full::notify::event::{Flag, ModifyKind};
        use notify_debouncer_full::notify::{Event, EventKind};
        let root = Path::new("/site");
        let now = std::time::Instant::now();
        let edit = DebouncedEvent::new(
            Event::new(EventKind::Modify(ModifyKind::Any)).add_path(root.join("content/a.md")),
            now,
        );
        assert_eq!(
            changes_of(root, std::slice::from_ref(&edit)),
            vec![Change::Content("content/a.md".into())]
        );
        // The queue overflowed: no paths, but whatever changed is unknown.
        let lost = DebouncedEvent::new(Event::new(EventKind::Other).set_flag(Flag::Rescan), now);
        assert_eq!(
            changes_of(root, &[edit, lost.clone()]),
            vec![Change::Content("content/a.md".into()), Change::Config]
        );
        assert_eq!(changes_of(root, &[lost]), vec![Change::Config]);
        // Reads are not changes.
        let read = DebouncedEvent::new(
            Event::new(EventKind::Access(
                notify_debouncer_full::notify::event::AccessKind::Any,
            ))
            .add_path(root.join("content/a.md")),
            now,
        );
        assert!(changes_of(root, &[read]).is_empty());
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
    fn top_level_site_folders_are_watched_when_they_appear() {
        use notify_debouncer_full::notify::EventKind;
        use notify_debouncer_full::notify::event::{
            AccessKind, CreateKind, MetadataKind, ModifyKind, RenameMode,
        };
        let made = EventKind::Create(CreateKind::Folder);
        let w = |p: &str| new_watched_dir(Path::new("/site"), &made, &Path::new("/site").join(p));
        assert_eq!(w("static"), Some("static"));
        assert_eq!(w("themes"), Some("themes"));
        assert_eq!(w("content"), Some("content"));
        // Inside them: already watched with the folder.
        assert_eq!(w("static/css"), None);
        assert_eq!(w("themes/default"), None);
        // Not site folders, or not at the top.
        assert_eq!(w("public"), None);
        assert_eq!(w("site.yaml"), None);
        assert_eq!(w("content/static"), None);
        assert_eq!(w("staticx"), None);
        let site = Path::new("/site");
        assert_eq!(
            new_watched_dir(site, &made, Path::new("/elsewhere/static")),
            None
        );
        assert_eq!(new_watched_dir(site, &made, site), None);
        // Renamed into place: watched too.
        let renamed = EventKind::Modify(ModifyKind::Name(RenameMode::To));
        assert_eq!(
            new_watched_dir(site, &renamed, &site.join("static")),
            Some("static")
        );
        // Read or touched, not made: watching it again would walk it, and
        // the walk reads it again (a loop that cost every rebuild 20-40 ms).
        for kind in [
            EventKind::Access(AccessKind::Any),
            EventKind::Modify(ModifyKind::Metadata(MetadataKind::Any)),
        ] {
            assert_eq!(new_watched_dir(site, &kind, &site.join("content")), None);
        }
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
