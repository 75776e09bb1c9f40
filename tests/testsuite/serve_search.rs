//! Search in `careleaf serve` (issue 5: the preview must never lie): the
//! served search index follows edits, and every file a served bundle names
//! is served with it.
//!
//! Over real HTTP on port 0, reading the bundle as Pagefind's JS does:
//! `pagefind-entry.json` names the metadata file, which names the word
//! index chunks and page fragments (all gzipped behind `pagefind_dcd`).
//! Waits are poll loops with generous limits; nothing depends on speed.

use std::io::Read;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::harness::SiteTest;

const WAIT: Duration = Duration::from_secs(120);

/// A GET; returns the status and the body's bytes.
fn get(addr: SocketAddr, path: &str) -> (u16, Vec<u8>) {
    let raw = crate::serve::get_raw(addr, path);
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete response");
    let head = String::from_utf8_lossy(&raw[..end]);
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("status line");
    (status, raw[end + 4..].to_vec())
}

fn gunzip(bytes: &[u8], what: &str) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap_or_else(|e| panic!("{what} is not gzip: {e}"));
    assert!(out.starts_with(b"pagefind_dcd"), "{what}");
    out
}

fn holds(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// The served bundle as the browser reads it: the decompressed word index
/// chunks and page fragments the entry file leads to, or `None` while there
/// is no bundle yet. Panics when the bundle names a file that is not
/// served (a half-swapped bundle).
struct Bundle {
    index: Vec<Vec<u8>>,
    fragments: Vec<Vec<u8>>,
}

fn served_bundle(addr: SocketAddr) -> Option<Bundle> {
    let (status, entry) = get(addr, "/skin/pagefind/pagefind-entry.json");
    if status == 404 {
        return None;
    }
    assert_eq!(status, 200);
    let entry: serde_json::Value = serde_json::from_slice(&entry).expect("entry is JSON");
    let hash = entry["languages"]["en"]["hash"]
        .as_str()
        .expect("an English index")
        .to_string();
    let (status, meta) = get(addr, &format!("/skin/pagefind/pagefind.{hash}.pf_meta"));
    assert_eq!(status, 200, "the entry's metadata file {hash} is served");
    let meta = gunzip(&meta, "the metadata file");
    // The metadata names chunks and fragments by hash (`en_` and 7 hex
    // digits), as CBOR strings.
    let mut names: Vec<String> = meta
        .windows(10)
        .filter(|w| w.starts_with(b"en_") && w[3..].iter().all(|b| b.is_ascii_hexdigit()))
        .map(|w| String::from_utf8_lossy(w).into_owned())
        .collect();
    names.sort();
    names.dedup();
    let mut bundle = Bundle {
        index: Vec::new(),
        fragments: Vec::new(),
    };
    for name in names {
        let (status, bytes) = get(addr, &format!("/skin/pagefind/index/{name}.pf_index"));
        if status == 200 {
            bundle.index.push(gunzip(&bytes, &name));
            continue;
        }
        let (status, bytes) = get(addr, &format!("/skin/pagefind/fragment/{name}.pf_fragment"));
        assert_eq!(status, 200, "{name}, named by the served bundle, is served");
        bundle.fragments.push(gunzip(&bytes, &name));
    }
    assert!(!bundle.index.is_empty(), "the bundle has word index chunks");
    Some(bundle)
}

/// Polls the served bundle until `ok` holds (or panics after `WAIT`).
fn wait_for_bundle(addr: SocketAddr, what: &str, ok: impl Fn(&Bundle) -> bool) -> Bundle {
    let start = Instant::now();
    loop {
        if let Some(b) = served_bundle(addr)
            && ok(&b)
        {
            return b;
        }
        assert!(start.elapsed() < WAIT, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn in_index(b: &Bundle, word: &str) -> bool {
    b.index.iter().any(|c| holds(c, word))
}

#[test]
fn an_edited_word_becomes_findable_in_the_served_index() {
    let t = SiteTest::from_fixture("minimal");
    let server = crate::serve::start(&t);
    let addr = server.addr();
    let first = wait_for_bundle(addr, "the first search index", |_| true);
    assert!(in_index(&first, "done"), "the page's last word is indexed");
    assert!(!in_index(&first, "zyxwvutq"));

    // The edit: a new word in, an old one out.
    let page = std::fs::read_to_string(t.root().join("content/hello.md")).expect("read");
    assert!(page.contains("Done."));
    t.change_file(
        "content/hello.md",
        &page.replace("Done.", "Zyxwvutq finished."),
    );

    let edited = wait_for_bundle(addr, "the edited word in the search index", |b| {
        in_index(b, "zyxwvutq")
    });
    assert!(!in_index(&edited, "done"), "the removed word is gone");
    let with_word: Vec<&Vec<u8>> = edited
        .fragments
        .iter()
        .filter(|f| holds(f, "Zyxwvutq finished"))
        .collect();
    assert_eq!(with_word.len(), 1, "the page's fragment shows the new text");
    let fragment = String::from_utf8_lossy(with_word[0]);
    assert!(fragment.contains("\"url\":\"/hello/\""), "{fragment}");
    server.stop();
}

/// See: issue 5. A new slug is patched (`model::moved_url`) and moves the
/// page's file: the served index covers the page at its new address, not
/// the file that went.
#[test]
fn a_page_moved_by_its_slug_is_indexed_at_its_new_address() {
    let t = SiteTest::from_fixture("minimal");
    let server = crate::serve::start(&t);
    let addr = server.addr();
    wait_for_bundle(addr, "the first search index", |_| true);
    let page = std::fs::read_to_string(t.root().join("content/hello.md")).expect("read");
    assert!(page.contains("Done.") && page.contains("\ntitle: "));
    t.change_file(
        "content/hello.md",
        &page.replace("Done.", "Qwvxzutr finished.").replacen(
            "\ntitle: ",
            "\nslug: moved-hello\ntitle: ",
            1,
        ),
    );
    let moved = wait_for_bundle(addr, "the moved page in the search index", |b| {
        in_index(b, "qwvxzutr")
    });
    let fragments: Vec<String> = moved
        .fragments
        .iter()
        .filter(|f| holds(f, "Qwvxzutr finished"))
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect();
    assert_eq!(fragments.len(), 1, "one page shows the new text");
    assert!(
        fragments[0].contains("\"url\":\"/moved-hello/\""),
        "{}",
        fragments[0]
    );
    server.stop();
}
