//! Markdown to HTML: the only place pulldown-cmark options are set.
//!
//! Owns heading ids and attributes (benefit and FAQ tags), the table of
//! contents, link and image rewriting with their source spans, and the
//! per-section HTML that the benefits index and the FAQ reuse. Pure: the
//! caller passes the text and the URL maps; nothing here reads files.

use std::collections::{HashMap, HashSet};

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};

/// The pulldown-cmark extensions careleaf turns on.
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_SMART_PUNCTUATION
}

/// A heading of the page.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Heading {
    /// 1 to 6.
    pub level: u8,
    /// Unique anchor id.
    pub id: String,
    /// Plain text of the heading.
    pub title: String,
    /// Byte offset of the heading in the body.
    #[serde(skip)]
    pub offset: usize,
    /// Benefit slugs tagged on this heading (`benefit=a,b` or `.benefit #slug`).
    #[serde(skip)]
    pub benefits: Vec<(String, usize)>,
    /// Tagged `{.faq}`: the heading is a question.
    #[serde(skip)]
    pub faq: bool,
    /// `topic=...` on the heading.
    #[serde(skip)]
    pub topic: Option<String>,
    /// HTML of the section under the heading, up to the next heading of the
    /// same or a higher level. Only for tagged headings (`faq` or benefits),
    /// the ones the FAQ and benefit pages quote; empty for the others, so a
    /// large site does not hold each page's body twice more in memory.
    #[serde(skip)]
    pub section_html: String,
    /// Plain text of that section (tagged headings only, as `section_html`).
    #[serde(skip)]
    pub section_text: String,
}

/// Why a link could not be resolved; `model` turns these into diagnostics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkProblem {
    /// A relative link to a Markdown file that does not exist.
    MissingPage(String),
    /// A relative link to another file (image, PDF) that does not exist.
    MissingFile(String),
}

/// An internal link or image found in the body, for later checks.
#[derive(Debug, Clone)]
pub struct LinkRef {
    /// The destination as written.
    pub raw: String,
    /// Content-relative path of the target page (`a/b.md`), when it is one.
    pub target_page: Option<String>,
    /// Site-relative URL path the link points to (without base path or anchor).
    pub target_url: Option<String>,
    /// The `#fragment`, if any.
    pub anchor: Option<String>,
    /// Byte offset of the link in the body.
    pub offset: usize,
    /// Length of the link source in bytes.
    pub len: usize,
    /// A problem found while resolving.
    pub problem: Option<LinkProblem>,
    /// True for images.
    pub image: bool,
    /// Alt text (images) or link text.
    pub text: String,
    /// Image explicitly marked decorative.
    pub decorative: bool,
}

/// The result of rendering one body.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// The HTML.
    pub html: String,
    /// Every heading, in order.
    pub headings: Vec<Heading>,
    /// Internal links and images.
    pub links: Vec<LinkRef>,
    /// Every external URL (http/https) used as a link or image, with offsets.
    pub external: Vec<(String, usize, bool)>,
    /// Word count of the text.
    pub words: usize,
    /// Plain text of the body: all of it from `render`; from `render_page`
    /// only the first `TEXT_WORDS` words, which is what excerpts use.
    pub text: String,
    /// What the content checks' prose rules found, when the caller worked
    /// it out from this parse (`model` does for page bodies).
    pub prose: Option<crate::check::ProseFindings>,
}

/// What `render` needs to resolve links.
#[derive(Debug, Clone, Copy)]
pub struct LinkContext<'a> {
    /// `/` or `/skin/`.
    pub base_path: &'a str,
    /// Content-relative directory of the file being rendered (`microneedling`).
    pub dir: &'a str,
    /// Content-relative `.md` path -> site-relative URL path (`microneedling/aftercare/`).
    pub pages: &'a HashMap<String, String>,
    /// Content-relative asset path -> site-relative URL path.
    pub assets: &'a HashMap<String, String>,
}

/// GitHub-style anchor id: lowercase, letters and digits kept, spaces and
/// hyphens become hyphens, other punctuation dropped. Editors expect the ids
/// GitHub's preview shows, so this is deliberately not a general slugifier.
pub fn anchor_id(text: &str) -> String {
    let text = text.trim();
    if text.is_ascii() {
        // The same rules on bytes, for the usual ASCII heading: no char
        // decoding or Unicode case tables (issue 8).
        let mut out = Vec::with_capacity(text.len());
        for &b in text.as_bytes() {
            if b.is_ascii_alphanumeric() {
                out.push(b.to_ascii_lowercase());
            } else if matches!(b, b' ' | b'-' | b'_') && out.last() != Some(&b'-') {
                out.push(b'-');
            }
        }
        let end = out.iter().rposition(|&b| b != b'-').map_or(0, |i| i + 1);
        out.truncate(end);
        let start = out.iter().position(|&b| b != b'-').unwrap_or(out.len());
        out.drain(..start);
        return match String::from_utf8(out) {
            Ok(s) if !s.is_empty() => s,
            _ => "section".into(),
        };
    }
    anchor_id_chars(text)
}

/// `anchor_id` of any trimmed text, character by character.
fn anchor_id_chars(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if (c == ' ' || c == '-' || c == '_') && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-').to_string();
    if out.is_empty() {
        "section".into()
    } else {
        out
    }
}

/// Normalises a content-relative path: resolves `.` and `..`. Returns None
/// when it climbs above `content/`.
pub fn normalize_path(dir: &str, target: &str) -> Option<String> {
    let mut parts: Vec<&str> = if target.starts_with('/') {
        Vec::new()
    } else {
        dir.split('/').filter(|s| !s.is_empty()).collect()
    };
    for seg in target.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

fn is_external(url: &str) -> bool {
    url.starts_with("http://") || url.starts_with("https://") || url.starts_with("//")
}

fn is_special_scheme(url: &str) -> bool {
    ["mailto:", "tel:", "data:", "sms:"]
        .iter()
        .any(|s| url.starts_with(s))
}

/// Resolves one link destination. Returns the rewritten URL and the record.
fn resolve(dest: &str, ctx: &LinkContext<'_>, image: bool) -> (String, Option<LinkRef>) {
    if dest.is_empty() || is_special_scheme(dest) || is_external(dest) {
        return (dest.to_string(), None);
    }
    let (path_part, anchor) = match dest.split_once('#') {
        Some((p, a)) => (p, Some(a.to_string())),
        None => (dest, None),
    };
    let (path_part, query) = match path_part.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path_part, None),
    };
    let mut rec = LinkRef {
        raw: dest.to_string(),
        target_page: None,
        target_url: None,
        anchor: anchor.clone(),
        offset: 0,
        len: 0,
        problem: None,
        image,
        text: String::new(),
        decorative: false,
    };
    let suffix = |url: String| {
        let mut u = url;
        if let Some(q) = query {
            u.push('?');
            u.push_str(q);
        }
        if let Some(a) = &anchor {
            u.push('#');
            u.push_str(a);
        }
        u
    };
    if path_part.is_empty() {
        // `#anchor` on the same page.
        return (dest.to_string(), Some(rec));
    }
    if let Some(site_rel) = path_part.strip_prefix('/') {
        // Site-relative: the base path is added; existence is checked later.
        let url = format!("{}{}", ctx.base_path, site_rel);
        rec.target_url = Some(site_rel.to_string());
        return (suffix(url), Some(rec));
    }
    let decoded = percent_encoding::percent_decode_str(path_part)
        .decode_utf8_lossy()
        .into_owned();
    let Some(target) = normalize_path(ctx.dir, &decoded) else {
        rec.problem = Some(LinkProblem::MissingFile(decoded));
        return (dest.to_string(), Some(rec));
    };
    if target.ends_with(".md") {
        match ctx.pages.get(&target) {
            Some(url_path) => {
                rec.target_page = Some(target);
                rec.target_url = Some(url_path.clone());
                (suffix(format!("{}{}", ctx.base_path, url_path)), Some(rec))
            }
            None => {
                rec.problem = Some(LinkProblem::MissingPage(target));
                (dest.to_string(), Some(rec))
            }
        }
    } else if let Some(url_path) = ctx.assets.get(&target) {
        rec.target_url = Some(url_path.clone());
        (suffix(format!("{}{}", ctx.base_path, url_path)), Some(rec))
    } else if let Some(url_path) = ctx
        .pages
        .get(&format!("{}/index.md", target.trim_end_matches('/')))
    {
        // A link to a bundle's folder.
        rec.target_page = Some(format!("{}/index.md", target.trim_end_matches('/')));
        rec.target_url = Some(url_path.clone());
        (suffix(format!("{}{}", ctx.base_path, url_path)), Some(rec))
    } else {
        rec.problem = Some(LinkProblem::MissingFile(target));
        (dest.to_string(), Some(rec))
    }
}

/// Block-level ends: where plain text needs a separator.
fn is_block_end(end: &TagEnd) -> bool {
    matches!(
        end,
        TagEnd::Paragraph
            | TagEnd::Item
            | TagEnd::Heading(_)
            | TagEnd::BlockQuote(_)
            | TagEnd::CodeBlock
            | TagEnd::TableCell
            | TagEnd::TableRow
            | TagEnd::TableHead
            | TagEnd::FootnoteDefinition
            | TagEnd::DefinitionListDefinition
    )
}

fn level_num(l: HeadingLevel) -> u8 {
    match l {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// Escapes text for an HTML attribute value or text node.
pub fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    // Writing into a String cannot fail.
    let _ = pulldown_cmark_escape::escape_html(&mut out, s);
    out
}

/// Replaces footnote events with HTML numbered once for the whole page.
///
/// The page is rendered in chunks (one per heading), and pulldown-cmark's
/// HTML writer numbers footnotes per call, so every section restarted at 1.
/// Its ids were the bare label too (`[^redness]` -> `id="redness"`), which
/// collides with a heading `## Redness`. See: issue 2.
fn number_footnotes(events: &mut [(Event<'_>, usize, usize)]) {
    let mut numbers: HashMap<String, usize> = HashMap::new();
    let mut number = |label: &str| {
        let next = numbers.len() + 1;
        *numbers.entry(label.to_string()).or_insert(next)
    };
    // Number by first reference, then any definitions never referenced.
    for (e, _, _) in events.iter() {
        if let Event::FootnoteReference(l) = e {
            number(l);
        }
    }
    for (e, _, _) in events.iter() {
        if let Event::Start(Tag::FootnoteDefinition(l)) = e {
            number(l);
        }
    }
    let mut referenced: HashSet<String> = HashSet::new();
    let mut open: Vec<String> = Vec::new();
    for (e, _, _) in events.iter_mut() {
        let html = match e {
            Event::FootnoteReference(l) => {
                let n = number(l);
                let id = anchor_id(l);
                // Only the first reference gets the id the back link targets.
                let own_id = if referenced.insert(id.clone()) {
                    format!(" id=\"fnref-{id}\"")
                } else {
                    String::new()
                };
                format!(
                    "<sup class=\"footnote-reference\"{own_id}><a href=\"#fn-{id}\">{n}</a></sup>"
                )
            }
            Event::Start(Tag::FootnoteDefinition(l)) => {
                let n = number(l);
                let id = anchor_id(l);
                open.push(id.clone());
                format!(
                    "<div class=\"footnote-definition\" id=\"fn-{id}\"><sup class=\"footnote-definition-label\">{n}</sup>\n"
                )
            }
            Event::End(TagEnd::FootnoteDefinition) => match open.pop() {
                Some(id) if referenced.contains(&id) => format!(
                    "<a href=\"#fnref-{id}\" class=\"footnote-backref\" aria-label=\"Back to the text\">\u{21a9}</a></div>\n"
                ),
                _ => "</div>\n".to_string(),
            },
            _ => continue,
        };
        *e = Event::Html(CowStr::from(html));
    }
}

/// Renders a Markdown body. Offsets in the result are byte offsets into `body`.
pub fn render(body: &str, ctx: &LinkContext<'_>) -> Rendered {
    render_observed(body, ctx, &mut |_, _| {})
}

/// `render`, showing `observe` every event of the parse as it comes, with
/// its byte range in `body` (the content checks read the prose from it).
pub fn render_observed(
    body: &str,
    ctx: &LinkContext<'_>,
    observe: &mut dyn FnMut(&Event<'_>, std::ops::Range<usize>),
) -> Rendered {
    let parser = Parser::new_ext(body, options()).into_offset_iter();
    // Sized for a typical page (an event per 20-30 bytes of Markdown), so
    // the event list and the text are not copied as they grow.
    let mut events: Vec<(Event<'_>, usize, usize)> = Vec::with_capacity(body.len() / 20 + 16);
    let mut out = Rendered {
        text: String::with_capacity(body.len()),
        ..Rendered::default()
    };
    let mut used_ids: HashSet<String> = HashSet::new();

    // First pass: rewrite links and images, record headings, collect text.
    let mut in_heading: Option<usize> = None; // index into out.headings
    let mut heading_text = String::new();
    let mut link_stack: Vec<usize> = Vec::new(); // indices into out.links for text capture
    let mut image_alt: Option<(usize, String, String, bool)> = None; // (links idx, alt, src, decorative)
    for (event, range) in parser {
        observe(&event, range.clone());
        match event {
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => {
                let mut h = Heading {
                    level: level_num(level),
                    id: id.as_deref().unwrap_or("").to_string(),
                    title: String::new(),
                    offset: range.start,
                    benefits: Vec::new(),
                    faq: classes.iter().any(|c| c.as_ref() == "faq"),
                    topic: None,
                    section_html: String::new(),
                    section_text: String::new(),
                };
                let benefit_class = classes.iter().any(|c| c.as_ref() == "benefit");
                if benefit_class && !h.id.is_empty() {
                    h.benefits.push((h.id.clone(), range.start));
                }
                for (k, v) in &attrs {
                    match (k.as_ref(), v) {
                        ("benefit" | "benefits", Some(v)) => {
                            for s in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                                h.benefits.push((s.to_string(), range.start));
                            }
                        }
                        ("topic", Some(v)) => h.topic = Some(v.to_string()),
                        _ => {}
                    }
                }
                out.headings.push(h);
                in_heading = Some(out.headings.len() - 1);
                heading_text.clear();
                // Keep classes other than our tags for the HTML.
                let extra: Vec<String> = classes.iter().map(|c| c.to_string()).collect();
                events.push((
                    Event::Html(CowStr::from(extra.join(" "))),
                    range.start,
                    usize::MAX,
                ));
            }
            Event::End(TagEnd::Heading(level)) => {
                out.text.push('\n');
                if let Some(i) = in_heading.take() {
                    let h = &mut out.headings[i];
                    h.title = heading_text.trim().to_string();
                    let base = if h.id.is_empty() {
                        anchor_id(&h.title)
                    } else {
                        h.id.clone()
                    };
                    let mut id = base.clone();
                    let mut n = 1;
                    while used_ids.contains(&id) {
                        id = format!("{base}-{n}");
                        n += 1;
                    }
                    used_ids.insert(id.clone());
                    h.id = id;
                }
                events.push((Event::End(TagEnd::Heading(level)), range.start, range.end));
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let (url, rec) = resolve(&dest_url, ctx, false);
                if is_external(&dest_url) {
                    out.external
                        .push((dest_url.to_string(), range.start, false));
                }
                if let Some(mut rec) = rec {
                    rec.offset = range.start;
                    rec.len = range.end - range.start;
                    out.links.push(rec);
                    link_stack.push(out.links.len() - 1);
                } else {
                    link_stack.push(usize::MAX);
                }
                events.push((
                    Event::Start(Tag::Link {
                        link_type,
                        dest_url: CowStr::from(url),
                        title,
                        id,
                    }),
                    range.start,
                    range.end,
                ));
            }
            Event::End(TagEnd::Link) => {
                link_stack.pop();
                events.push((Event::End(TagEnd::Link), range.start, range.end));
            }
            Event::Start(Tag::Image {
                dest_url, title, ..
            }) => {
                let (url, rec) = resolve(&dest_url, ctx, true);
                if is_external(&dest_url) {
                    out.external.push((dest_url.to_string(), range.start, true));
                }
                let decorative = title.as_ref() == "decorative";
                let idx = rec.map(|mut rec| {
                    rec.offset = range.start;
                    rec.len = range.end - range.start;
                    rec.decorative = decorative;
                    out.links.push(rec);
                    out.links.len() - 1
                });
                image_alt = Some((idx.unwrap_or(usize::MAX), String::new(), url, decorative));
            }
            Event::End(TagEnd::Image) => {
                if let Some((idx, alt, src, decorative)) = image_alt.take() {
                    if let Some(rec) = out.links.get_mut(idx) {
                        rec.text = alt.clone();
                    }
                    let alt = if decorative { String::new() } else { alt };
                    let tag = format!(
                        "<img src=\"{}\" alt=\"{}\" loading=\"lazy\" decoding=\"async\">",
                        escape_attr(&src),
                        escape_attr(&alt)
                    );
                    events.push((Event::Html(CowStr::from(tag)), range.start, range.end));
                }
            }
            Event::Text(t) | Event::Code(t) if image_alt.is_some() => {
                if let Some((_, alt, _, _)) = image_alt.as_mut() {
                    alt.push_str(&t);
                }
            }
            Event::Text(ref t) | Event::Code(ref t) => {
                if in_heading.is_some() {
                    heading_text.push_str(t);
                }
                for &i in &link_stack {
                    if let Some(rec) = out.links.get_mut(i) {
                        rec.text.push_str(t);
                    }
                }
                out.words += count_words(t);
                // No space after a text event: `[page](x).` is "page." as
                // a reader sees it (JSON-LD answers must match the page).
                out.text.push_str(t);
                events.push((event, range.start, range.end));
            }
            Event::Start(Tag::Table(a)) => {
                events.push((
                    Event::Html(CowStr::from("<div class=\"table-wrap\">")),
                    range.start,
                    range.start,
                ));
                events.push((Event::Start(Tag::Table(a)), range.start, range.end));
            }
            Event::End(TagEnd::Table) => {
                events.push((Event::End(TagEnd::Table), range.start, range.end));
                events.push((Event::Html(CowStr::from("</div>")), range.end, range.end));
            }
            Event::SoftBreak | Event::HardBreak => {
                out.text.push(' ');
                events.push((event, range.start, range.end));
            }
            Event::End(ref end) if is_block_end(end) => {
                out.text.push('\n');
                events.push((event, range.start, range.end));
            }
            other => events.push((other, range.start, range.end)),
        }
    }
    number_footnotes(&mut events);

    // Second pass: split the event stream at headings into chunks, render each
    // chunk once; the page HTML is their concatenation and a section's HTML is
    // a run of chunks.
    let mut chunks: Vec<(String, String)> = Vec::new(); // (html, text) after each heading; chunk 0 is before the first
    let mut heading_html: Vec<String> = Vec::new();
    let mut current: Vec<Event<'_>> = Vec::new();
    let mut current_text = String::with_capacity(body.len().min(4096));
    let mut hi = 0usize;
    // Where the current chunk starts in the body: its HTML is sized from
    // its Markdown up front rather than grown (reallocation was 2% of a
    // build's instructions, issue 8).
    let mut chunk_from = 0usize;
    let mut iter = events.into_iter().peekable();
    while let Some((ev, at, marker)) = iter.next() {
        if marker == usize::MAX {
            // Heading start placeholder: flush the chunk, then render the heading.
            let source = at.saturating_sub(chunk_from);
            chunk_from = at;
            let mut chunk_html = String::with_capacity(source + source / 2 + 16);
            html::push_html(&mut chunk_html, current.drain(..));
            let text = std::mem::replace(&mut current_text, String::with_capacity(source));
            chunks.push((chunk_html, text));
            let classes = match &ev {
                Event::Html(c) => c.to_string(),
                _ => String::new(),
            };
            let mut inner: Vec<Event<'_>> = Vec::new();
            for (e, _, _) in iter.by_ref() {
                if matches!(e, Event::End(TagEnd::Heading(_))) {
                    break;
                }
                inner.push(e);
            }
            let mut inner_html = String::new();
            html::push_html(&mut inner_html, inner.into_iter());
            let h = &out.headings[hi];
            let class_attr = if classes.is_empty() {
                String::new()
            } else {
                format!(" class=\"{}\"", escape_attr(&classes))
            };
            heading_html.push(format!(
                "<h{l} id=\"{id}\"{class_attr}>{inner_html}</h{l}>\n",
                l = h.level,
                id = escape_attr(&h.id)
            ));
            hi += 1;
            continue;
        }
        match &ev {
            Event::Text(t) | Event::Code(t) => current_text.push_str(t),
            Event::SoftBreak | Event::HardBreak => current_text.push(' '),
            Event::End(end) if is_block_end(end) => current_text.push(' '),
            _ => {}
        }
        current.push(ev);
    }
    let source = body.len().saturating_sub(chunk_from);
    let mut chunk_html = String::with_capacity(source + source / 2 + 16);
    html::push_html(&mut chunk_html, current.into_iter());
    chunks.push((chunk_html, current_text));

    let mut html_out = String::with_capacity(body.len() * 3 / 2);
    html_out.push_str(&chunks[0].0);
    for (i, h) in heading_html.iter().enumerate() {
        html_out.push_str(h);
        html_out.push_str(&chunks[i + 1].0);
    }
    for i in 0..out.headings.len() {
        if !out.headings[i].faq && out.headings[i].benefits.is_empty() {
            continue;
        }
        let level = out.headings[i].level;
        let mut sec_html = String::new();
        let mut sec_text = String::new();
        sec_html.push_str(&chunks[i + 1].0);
        sec_text.push_str(&chunks[i + 1].1);
        for j in i + 1..out.headings.len() {
            if out.headings[j].level <= level {
                break;
            }
            sec_html.push_str(&heading_html[j]);
            sec_html.push_str(&chunks[j + 1].0);
            sec_text.push_str(&out.headings[j].title);
            sec_text.push(' ');
            sec_text.push_str(&chunks[j + 1].1);
        }
        out.headings[i].section_html = sec_html;
        out.headings[i].section_text = sec_text.split_whitespace().collect::<Vec<_>>().join(" ");
    }
    out.html = html_out;
    // Both live until the site is written: give back what growing left spare
    // (up to half of each; a tenth of a large build's memory).
    out.html.shrink_to_fit();
    out.text.shrink_to_fit();
    out
}

/// `text.split_whitespace().count()`, a byte at a time for ASCII text
/// (every text event of every page goes through it; decoding characters
/// was 4% of a build's instructions).
fn count_words(text: &str) -> usize {
    if !text.is_ascii() {
        return text.split_whitespace().count();
    }
    // Eight bytes at a time: a word starts at each non-space byte whose
    // previous byte is a space (or the start). Bytes are ASCII (< 0x80),
    // so per-byte sums below never carry into the next byte.
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let bytes = text.as_bytes();
    let mut chunks = bytes.chunks_exact(8);
    let mut words = 0usize;
    let mut in_word = false;
    for chunk in &mut chunks {
        let mut le = [0u8; 8];
        le.copy_from_slice(chunk);
        let x = u64::from_le_bytes(le);
        // High bit of each byte: the byte is a space (0x20) ...
        let t = x ^ (LOW * 0x20);
        let is_20 = !(((t & !HIGH) + !HIGH) | t) & HIGH;
        // ... or one of 0x09..=0x0D: at least 0x09 and not at least 0x0E.
        let ge_09 = (x + LOW * (0x80 - 0x09)) & HIGH;
        let ge_0e = (x + LOW * (0x80 - 0x0E)) & HIGH;
        let space = is_20 | (ge_09 & !ge_0e);
        let word = !space & HIGH;
        // Non-space bytes whose previous byte (the next lower one) is not.
        let before = (word << 8) | if in_word { 0x80 } else { 0 };
        words += (word & !before).count_ones() as usize;
        in_word = word >> 63 == 1;
    }
    for &b in chunks.remainder() {
        // ASCII White_Space: tab, line feed, vertical tab, form feed,
        // carriage return and space, as `char::is_whitespace`.
        let space = b == b' ' || (b'\t'..=b'\r').contains(&b);
        words += usize::from(!space && !in_word);
        in_word = !space;
    }
    words
}

/// Words of a page's plain text that `render_page` keeps: an excerpt shows
/// 30 and needs one more to know it was cut.
pub const TEXT_WORDS: usize = 31;

/// `render` for a page's body, which stays in memory until the site is
/// written: its plain text is cut to the first `TEXT_WORDS` words (a page's
/// whole text was a quarter of a 10,000-article build's memory, issue 8).
pub fn render_page(
    body: &str,
    ctx: &LinkContext<'_>,
    observe: &mut dyn FnMut(&Event<'_>, std::ops::Range<usize>),
) -> Rendered {
    let mut r = render_observed(body, ctx, observe);
    if let Some((at, _)) = r
        .text
        .split_whitespace()
        .nth(TEXT_WORDS)
        .map(|w| (w.as_ptr() as usize - r.text.as_ptr() as usize, w))
    {
        r.text.truncate(at);
        r.text.shrink_to_fit();
    }
    r
}

/// The first `words` words of `text`, with an ellipsis when cut.
pub fn excerpt(text: &str, words: usize) -> String {
    let mut it = text.split_whitespace();
    let taken: Vec<&str> = it.by_ref().take(words).collect();
    let mut s = taken.join(" ");
    if it.next().is_some() {
        s.push('…');
    }
    s
}

/// Headings as a nested table of contents (level 2 and 3 only).
pub fn toc(headings: &[Heading]) -> Vec<TocEntry> {
    let mut out: Vec<TocEntry> = Vec::new();
    for h in headings {
        match h.level {
            2 => out.push(TocEntry {
                id: h.id.clone(),
                title: h.title.clone(),
                children: Vec::new(),
            }),
            3 => {
                if let Some(last) = out.last_mut() {
                    last.children.push(TocEntry {
                        id: h.id.clone(),
                        title: h.title.clone(),
                        children: Vec::new(),
                    });
                }
            }
            _ => {}
        }
    }
    out
}

/// One entry of the table of contents.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TocEntry {
    /// Anchor id.
    pub id: String,
    /// Heading text.
    pub title: String,
    /// Sub-headings.
    pub children: Vec<TocEntry>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx<'a>(
        pages: &'a HashMap<String, String>,
        assets: &'a HashMap<String, String>,
    ) -> LinkContext<'a> {
        LinkContext {
            base_path: "/skin/",
            dir: "microneedling",
            pages,
            assets,
        }
    }

    #[test]
    fn count_words_matches_split_whitespace() {
        for s in [
            "",
            " ",
            "one",
            "  two words  ",
            "a\tb\nc\x0bd\x0ce\rf",
            "x\u{1c}y",
            "tail ",
            "naïve café  au\u{a0}lait",
            "\u{2003}em\u{2003}space",
        ] {
            assert_eq!(count_words(s), s.split_whitespace().count(), "{s:?}");
        }
        // Every ASCII byte, and words and spaces of every length across the
        // eight-byte steps (a fixed pseudo-random sequence).
        let all: String = (0u8..0x80).map(char::from).collect();
        assert_eq!(count_words(&all), all.split_whitespace().count());
        let alphabet = [
            'a', 'Z', '0', ' ', '\t', '\n', '\x0b', '\x0c', '\r', '\x08', '\x0e', '\x1f', '!',
            '\x7f', '\x00', '~',
        ];
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        for len in 0..200 {
            let s: String = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    alphabet[(seed % alphabet.len() as u64) as usize]
                })
                .collect();
            assert_eq!(count_words(&s), s.split_whitespace().count(), "{s:?}");
        }
    }

    #[test]
    fn render_page_keeps_what_excerpts_need() {
        let pages = HashMap::new();
        let assets = HashMap::new();
        let long: String = (1..=100).map(|i| format!("w{i} ")).collect();
        let md = format!("# Title\n\n{long}\n");
        let full = render(&md, &ctx(&pages, &assets));
        let page = render_page(&md, &ctx(&pages, &assets), &mut |_, _| {});
        assert_eq!(page.html, full.html);
        assert_eq!(page.words, full.words);
        assert_eq!(page.text.split_whitespace().count(), TEXT_WORDS);
        for n in [5, 30] {
            assert_eq!(excerpt(&page.text, n), excerpt(&full.text, n));
        }
        assert!(excerpt(&page.text, 30).ends_with('…'));
        // Short bodies are kept whole.
        let short = render_page("Just a few words.\n", &ctx(&pages, &assets), &mut |_, _| {});
        assert_eq!(excerpt(&short.text, 30), "Just a few words.");
    }

    #[test]
    fn heading_ids_are_unique_and_attributes_tag_sections() {
        let pages = HashMap::new();
        let assets = HashMap::new();
        let md = "## Acne scars {.benefit #acne-scars}\n\nText one.\n\n### Detail\n\nMore.\n\n## Lines {benefit=fine-lines,skin-texture}\n\nTwo.\n\n## Lines\n\n### How long does it take? {.faq topic=planning}\n\nAbout a week.\n";
        let r = render(md, &ctx(&pages, &assets));
        let ids: Vec<&str> = r.headings.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "acne-scars",
                "detail",
                "lines",
                "lines-1",
                "how-long-does-it-take"
            ]
        );
        assert_eq!(r.headings[0].benefits[0].0, "acne-scars");
        assert_eq!(
            r.headings[2]
                .benefits
                .iter()
                .map(|b| b.0.as_str())
                .collect::<Vec<_>>(),
            ["fine-lines", "skin-texture"]
        );
        assert!(r.headings[4].faq);
        assert_eq!(r.headings[4].topic.as_deref(), Some("planning"));
        assert_eq!(r.headings[0].section_text, "Text one. Detail More.");
        assert_eq!(r.headings[4].section_html, "<p>About a week.</p>\n");
        assert!(!r.headings[1].faq && r.headings[1].benefits.is_empty());
        assert_eq!(r.headings[1].section_html, "", "untagged: not kept");
        assert_eq!(r.headings[1].section_text, "");
        assert!(
            r.html
                .contains("<h2 id=\"acne-scars\" class=\"benefit\">Acne scars</h2>"),
            "{}",
            r.html
        );
        assert!(!r.html.contains("topic="));
    }

    #[test]
    fn links_to_markdown_files_resolve_to_urls() {
        let mut pages = HashMap::new();
        pages.insert(
            "microneedling/aftercare.md".to_string(),
            "microneedling/aftercare/".to_string(),
        );
        let assets = HashMap::new();
        let r = render(
            "See [care](aftercare.md#first-48-hours) and [gone](missing.md) and [faq](/faq/).",
            &ctx(&pages, &assets),
        );
        assert!(
            r.html
                .contains("href=\"/skin/microneedling/aftercare/#first-48-hours\""),
            "{}",
            r.html
        );
        assert!(r.html.contains("href=\"/skin/faq/\""));
        assert_eq!(r.links[0].anchor.as_deref(), Some("first-48-hours"));
        assert_eq!(r.links[0].text, "care");
        assert_eq!(
            r.links[1].problem,
            Some(LinkProblem::MissingPage("microneedling/missing.md".into()))
        );
        assert_eq!(r.links[1].offset, 44);
    }

    #[test]
    fn images_resolve_and_decorative_have_empty_alt() {
        let pages = HashMap::new();
        let mut assets = HashMap::new();
        assets.insert(
            "microneedling/pic.svg".to_string(),
            "microneedling/pic.svg".to_string(),
        );
        let r = render(
            "![Layers of skin](pic.svg)\n\n![](pic.svg \"decorative\")",
            &ctx(&pages, &assets),
        );
        assert!(
            r.html
                .contains("<img src=\"/skin/microneedling/pic.svg\" alt=\"Layers of skin\""),
            "{}",
            r.html
        );
        assert!(r.links[1].decorative);
    }

    #[test]
    fn percent_encoded_links_find_their_file() {
        let mut pages = HashMap::new();
        pages.insert(
            "microneedling/after care.md".to_string(),
            "microneedling/after-care/".to_string(),
        );
        let assets = HashMap::new();
        let r = render("[care](after%20care.md)", &ctx(&pages, &assets));
        assert_eq!(r.links[0].problem, None);
        assert!(
            r.html.contains("href=\"/skin/microneedling/after-care/\""),
            "{}",
            r.html
        );
    }

    #[test]
    fn ascii_anchor_ids_are_those_of_the_char_rules() {
        for text in [
            "What to expect",
            "  --Hello  World__ -",
            "---",
            "",
            "   ",
            "?!",
            "A_b-c d",
            "What's new? (2024)",
            "1. Step one: prepare",
            "-lead and trail-",
            "UPPER lower 123",
            "a - b _ c",
        ] {
            assert_eq!(anchor_id(text), anchor_id_chars(text.trim()), "{text:?}");
        }
    }

    #[test]
    fn anchor_ids_follow_github() {
        assert_eq!(anchor_id("The first 48 hours"), "the-first-48-hours");
        assert_eq!(anchor_id("What’s normal? (Day 1–3)"), "whats-normal-day-13");
        assert_eq!(normalize_path("a/b", "../c.md").as_deref(), Some("a/c.md"));
        assert_eq!(normalize_path("a", "../../c.md"), None);
    }
}
