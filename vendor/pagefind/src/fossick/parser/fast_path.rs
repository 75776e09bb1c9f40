//! careleaf: a fast path for the plain, well-formed HTML careleaf renders.
//!
//! lol_html's tokenizer was more than half of indexing a page (callgrind,
//! 1,000-article site: 1.77 G of fossick's 3.06 G instructions), most of it
//! decoding and re-scanning text that careleaf wrote itself a moment before.
//! This reads a page in one pass over its bytes, into a list of start tags,
//! end tags and text, and then runs the very same handlers as `DomParser`
//! (`Handlers`), in the order lol_html runs them, on the same values
//! (tag names, attribute values and text as written, entities undecoded,
//! as lol_html hands them over).
//!
//! It reads only what it can read exactly as lol_html does, and declines
//! anything else before any handler runs: the caller then parses the page
//! with lol_html as before. It declines a page unless it starts with
//! `<!DOCTYPE html>` and is one `<html>` element whose elements all have
//! lowercase names from `element_kind`, closed by
//! their own end tags in order (`</p>` for every `<p>`: lol_html doesn't
//! call end handlers for elements closed implicitly), with attributes named
//! in lowercase ASCII and quoted values, and no comment, CDATA, processing
//! instruction, NUL or stray `<`. Scripts, styles, `textarea`, `svg`,
//! `template` and every other element that changes how its content is read
//! (or that the `script, link` handler reads) are outside it.
//! `<title>` is read as lol_html reads it (text up to `</title>`), when that
//! text has no `<`. It is also declined when the options need lol_html's
//! selectors: a root selector other than `html`, an exclude selector that
//! isn't simple (`SimpleSelector`), or one that can't be parsed.

use std::borrow::Cow;
use std::cell::RefCell;
use std::ops::Range;
use std::rc::Rc;

use crate::SearchOptions;

use super::{
    finish, DomParserResult, DomParsingNode, Handlers, PagefindAttributes, PreparedSelectors,
    StartTag,
};

/// Elements with content the fast path reads: ordinary elements in the HTML
/// namespace whose content is markup (`title` is read separately), and the
/// void elements it reads (lol_html pops these at once): `Some((name, void))`,
/// with the name as a `&'static str`.
fn element_kind(name: &str) -> Option<(&'static str, bool)> {
    macro_rules! kinds {
        ($($($tag:literal)|+ => $void:literal;)+) => {
            match name {
                $($($tag => Some(($tag, $void)),)+)+
                _ => None,
            }
        };
    }
    kinds! {
        "a" | "abbr" | "address" | "article" | "aside" | "b" | "bdi" | "bdo" | "blockquote"
        | "body" | "caption" | "cite" | "code" | "data" | "dd" | "del" | "details" | "dfn"
        | "div" | "dl" | "dt" | "em" | "figcaption" | "figure" | "footer" | "h1" | "h2" | "h3"
        | "h4" | "h5" | "h6" | "head" | "header" | "hgroup" | "html" | "i" | "ins" | "kbd"
        | "li" | "main" | "mark" | "nav" | "ol" | "p" | "pre" | "q" | "s" | "samp" | "section"
        | "small" | "span" | "strong" | "sub" | "summary" | "sup" | "table" | "tbody" | "td"
        | "tfoot" | "th" | "thead" | "time" | "title" | "tr" | "u" | "ul" | "var" => false;
        "br" | "hr" | "img" | "wbr" => true;
    }
}

/// A start tag as the fast path read it.
struct Tag<'h, 'a> {
    name: &'static str,
    /// `(name, value)`, names in lowercase, values as written.
    attributes: &'a [(&'h str, &'h str)],
}

impl StartTag for Tag<'_, '_> {
    fn tag_name(&self) -> Cow<'static, str> {
        Cow::Borrowed(self.name)
    }
    fn has_attributes(&self) -> bool {
        !self.attributes.is_empty()
    }
    fn get_attribute(&self, name: &str) -> Option<String> {
        self.attributes
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.to_string())
    }
    fn has_attribute(&self, name: &str) -> bool {
        self.attributes
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    }
    fn attribute(&self, name: &str) -> Option<Cow<'_, str>> {
        self.attributes
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| Cow::Borrowed(*v))
    }
    fn pagefind_attributes(&self) -> PagefindAttributes {
        let mut found = PagefindAttributes::default();
        for (name, value) in self.attributes {
            found.add(name, || value.to_string());
        }
        found
    }
}

/// What the page is made of, in document order.
enum Event<'h> {
    /// A start tag: its name, the range of its attributes in `Read::attributes`,
    /// and whether it is void.
    Start(&'static str, Range<usize>, bool),
    /// An end tag closing the element opened last.
    End(&'h str),
    /// Text inside the `html` element.
    Text(&'h str),
}

struct Read<'h> {
    events: Vec<Event<'h>>,
    attributes: Vec<(&'h str, &'h str)>,
}

/// HTML white space inside a tag (`\r` is left to lol_html).
fn is_tag_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0c)
}

/// Reads `html` into events, or `None` when it is not HTML the fast path
/// reads exactly as lol_html does.
fn read(html: &str) -> Option<Read<'_>> {
    let bytes = html.as_bytes();
    if memchr::memchr(0, bytes).is_some() {
        return None;
    }
    let mut i = "<!DOCTYPE html>".len();
    if !html.starts_with("<!DOCTYPE html>") {
        return None;
    }
    // Room for what careleaf's pages hold (an event per ~20 bytes, an
    // attribute per ~250), so that neither list is copied as it grows.
    let mut read = Read {
        events: Vec::with_capacity(html.len() / 16),
        attributes: Vec::with_capacity(html.len() / 128),
    };
    let mut open: Vec<&str> = Vec::with_capacity(32);
    let mut seen_html = false;
    loop {
        let lt = memchr::memchr(b'<', &bytes[i..]).map(|at| i + at);
        let text_end = lt.unwrap_or(bytes.len());
        // Text outside the `html` element reaches no handler.
        if text_end > i && !open.is_empty() {
            read.events.push(Event::Text(&html[i..text_end]));
        }
        let Some(lt) = lt else {
            break;
        };
        i = lt + 1;
        if bytes.get(i) == Some(&b'/') {
            i += 1;
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_lowercase() || bytes[i].is_ascii_digit()) {
                i += 1;
            }
            let name = &html[start..i];
            if bytes.get(i) != Some(&b'>') || open.last() != Some(&name) {
                return None;
            }
            i += 1;
            open.pop();
            read.events.push(Event::End(name));
            continue;
        }
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_lowercase() || bytes[i].is_ascii_digit()) {
            i += 1;
        }
        let name = &html[start..i];
        if name.is_empty() || !name.as_bytes()[0].is_ascii_lowercase() {
            return None;
        }
        let (name, void) = element_kind(name)?;
        // One `html` element, and nothing but text around it.
        if (name == "html") != open.is_empty() || (name == "html" && seen_html) {
            return None;
        }
        seen_html = true;
        let first_attribute = read.attributes.len();
        loop {
            let space_start = i;
            while i < bytes.len() && is_tag_space(bytes[i]) {
                i += 1;
            }
            match bytes.get(i) {
                Some(b'>') => {
                    i += 1;
                    break;
                }
                Some(b'/') if void && bytes.get(i + 1) == Some(&b'>') => {
                    i += 2;
                    break;
                }
                _ => {}
            }
            // An attribute, after white space.
            if i == space_start {
                return None;
            }
            let name_start = i;
            while i < bytes.len()
                && (bytes[i].is_ascii_lowercase()
                    || bytes[i].is_ascii_digit()
                    || matches!(bytes[i], b'-' | b'_' | b':' | b'.'))
            {
                i += 1;
            }
            if i == name_start {
                return None;
            }
            let attribute = &html[name_start..i];
            let value = if bytes.get(i) == Some(&b'=') {
                let quote = *bytes.get(i + 1)?;
                if quote != b'"' && quote != b'\'' {
                    return None;
                }
                let value_start = i + 2;
                let value_end = value_start + memchr::memchr(quote, bytes.get(value_start..)?)?;
                i = value_end + 1;
                &html[value_start..value_end]
            } else {
                // A name alone, followed by white space or the tag's end
                // (white space before a `=` is left to lol_html).
                let mut j = i;
                while j < bytes.len() && is_tag_space(bytes[j]) {
                    j += 1;
                }
                if bytes.get(j) == Some(&b'=') {
                    return None;
                }
                ""
            };
            read.attributes.push((attribute, value));
        }
        read.events.push(Event::Start(
            name,
            first_attribute..read.attributes.len(),
            void,
        ));
        if void {
            continue;
        }
        if name == "title" {
            // lol_html reads a title's content as text up to `</title`.
            let end = i + html[i..].find("</title>")?;
            let text = &html[i..end];
            if text.contains('<') {
                return None;
            }
            if !text.is_empty() {
                read.events.push(Event::Text(text));
            }
            read.events.push(Event::End("title"));
            i = end + "</title>".len();
            continue;
        }
        open.push(name);
    }
    (seen_html && open.is_empty()).then_some(read)
}

/// Parses `html` as `DomParser` does, or returns `None` (having run no
/// handler) when the page or the options need lol_html.
pub(crate) fn parse(html: &str, options: &SearchOptions) -> Option<DomParserResult> {
    let prepared = PreparedSelectors::for_options(options);
    if prepared.root_selector != "html"
        || prepared.other_exclusions.is_some()
        || !prepared.warnings.is_empty()
    {
        return None;
    }
    let read = read(html)?;
    let mut handlers = Handlers::new(options, &prepared);
    // Every element is closed by its own end tag, in order (`read`): the
    // nodes' text can be kept in one buffer (see `DomParserData::text`).
    {
        let mut data = handlers.data.borrow_mut();
        data.one_buffer = true;
        data.text.reserve(html.len() / 2);
    }
    let has_simple_exclusions = !prepared.simple_exclusions.is_empty();
    let mut open: Vec<(Rc<RefCell<DomParsingNode>>, Cow<'static, str>)> = Vec::with_capacity(32);
    for event in read.events {
        match event {
            Event::Start(name, attributes, void) => {
                let tag = Tag {
                    name,
                    attributes: &read.attributes[attributes],
                };
                // The handlers on `html`, on `{root}, {root} *` (with its end
                // tag handler, or the void element's part), then on `{root} *`.
                let inside_root = !open.is_empty();
                if name == "html" {
                    handlers.html_element(&tag);
                }
                let (node, tag_name) = handlers.start_element(&tag);
                if void {
                    handlers.void_element(&node, &tag_name, &tag);
                } else {
                    open.push((node, tag_name));
                }
                if inside_root && has_simple_exclusions {
                    handlers.simple_exclusion();
                }
            }
            Event::End(name) => {
                let (node, tag_name) = open.pop()?;
                Handlers::end_element(&handlers.data, &node, &tag_name, name);
            }
            Event::Text(text) => handlers.text(text),
        }
    }
    drop(open);
    let data = Rc::try_unwrap(handlers.data).ok()?.into_inner();
    Some(finish(data))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fossick::parser::DomParser;

    /// careleaf's exclude selectors (src/search.rs), or others.
    fn options(exclusions: &[&str]) -> SearchOptions {
        use clap::CommandFactory;
        let mut args = vec!["pagefind", "--source", "not_important"];
        for exclusion in exclusions {
            args.push("--exclude-selectors");
            args.push(exclusion);
        }
        let config_args = vec![twelf::Layer::Clap(
            crate::PagefindInboundConfig::command().get_matches_from(args),
        )];
        SearchOptions::load(crate::PagefindInboundConfig::with_layers(&config_args).unwrap())
            .unwrap()
    }

    const CARELEAF_EXCLUDE: &[&str] = &[
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

    /// What lol_html's path gives, written in pieces of `piece` bytes.
    fn by_lol_html(html: &str, options: &SearchOptions, piece: usize) -> String {
        let mut parser = DomParser::new(options);
        for chunk in html.as_bytes().chunks(piece) {
            parser.write(chunk).unwrap();
        }
        format!("{:#?}", parser.wrap())
    }

    fn by_fast_path(html: &str, options: &SearchOptions) -> Option<String> {
        parse(html, options).map(|result| format!("{result:#?}"))
    }

    fn page(title: &str, main: &str) -> String {
        format!(
            "<!DOCTYPE html><html lang=\"en-GB\"><head><title>{title}</title></head><body>{main}</body></html>"
        )
    }

    /// A page as careleaf renders it (`search::indexed_part` of an article).
    const ARTICLE: &str = r##"<main id="main" class="wrap" tabindex="-1">

<article class="article">
  <header class="article-header">
    <p class="eyebrow">Chemical Peels</p>
    <h1>Chemical Peels: A Complete Aftercare Guide</h1>
    <p class="lede">Everything to ask before booking, including cost &amp; comfort.</p>
    <div class="article-meta">
  <p class="byline">Written by <span class="person">Amara Ferreira, RN</span></p>
  <dl class="dates"><div><dt>Published</dt><dd><time datetime="2023-01-11">11 January 2023</time></dd></div></dl>
</div>
  </header>
  <nav class="toc" aria-labelledby="toc-heading" id="toc">
    <h2 id="toc-heading">On this page</h2>
    <ol><li><a href="#choosing">Choosing the Right Clinic</a></li></ol>
  </nav>
  <div class="prose">
    <p>The cost depends on the clinic’s location. Photographs <strong>taken</strong> before&nbsp;and after &#8212; easier to judge.</p>
<h2 id="choosing">Choosing the Right Clinic</h2>
<p>A simple routine with a mild vitamin C <em>serum and</em> a soothing serum. See <a href="/articles/x/">more on skincare</a>.</p>
<ul>
<li>Use a mild vitamin C serum</li>
<li>Use a broad-spectrum sunscreen</li>
</ul>
<h3 id="the-first-week">The First Week</h3>
<p>Expect <em>the</em> skin to feel tight.<br>Second line.</p>
<p><img src="/img/a.png" alt="A &amp; B" /></p>
<pre><code class="language-sh">a &lt; b &amp;&amp; c
</code></pre>
<table><thead><tr><th>Area</th></tr></thead><tbody><tr><td>Face</td></tr></tbody></table>
  </div>
  <aside class="cta">Book a consultation</aside>
</article>
</main>"##;

    /// Pages the fast path reads, each with something the handlers treat
    /// specially: every `data-pagefind-*` attribute, anchors, weights, bodies,
    /// images, entities, white space.
    fn read_pages() -> Vec<String> {
        let mains = [
            ARTICLE,
            "<main><h1>Title</h1><p>Text</p></main>",
            r##"<main><p data-pagefind-weight="3">Weighted Ångström</p><h2 data-pagefind-weight="0.5">half</h2><h5>auto five</h5><h6>six</h6></main>"##,
            r##"<main><section id="sec-a" data-pagefind-title="Section &amp; Title"><h3>Section über</h3><p>Body.</p></section><em id=" in line ">inline <b id="b">bold</b> tail</em></main>"##,
            r##"<main><div data-pagefind-ignore>Ignored résumé</div><div data-pagefind-ignore="all">All <span data-pagefind-meta="hidden">secret</span></div><div data-pagefind-ignore="index">index <span data-pagefind-filter="colour">blue</span></div><p data-pagefind-ignore="BOGUS">bogus</p><p data-pagefind-ignore="TRUE">true</p></main>"##,
            r##"<main><span data-pagefind-filter="colour">blue</span><span data-pagefind-filter="kind:fixed, size">big</span><span data-pagefind-filter="colour">green</span><p data-pagefind-sort="weight:5">sorted</p><p data-pagefind-sort="date">2020-01-01</p></main>"##,
            r##"<main><span data-pagefind-meta="mood">cheerful señor</span><span data-pagefind-meta="a:literal:colon">x</span><img src="/p.png" alt="Alt &amp; text" data-pagefind-meta="image[src], image_alt[alt]"><div data-pagefind-default-meta="image:/default.png, author[data-author]" data-author="Jo &amp; Co">d</div></main>"##,
            r##"<main><div data-pagefind-index-attrs="title,data-x, missing" title="Attribute title" data-x="Second attr.">x</div><div data-pagefind-index-attrs="TITLE" title="upper">y</div></main>"##,
            r##"<main><h1>First</h1><img src="/after-title.png" alt="after"><img src="/second.png"><h1>Second</h1></main>"##,
            r##"<main><p>before</p><div data-pagefind-body><p>Body only</p><h2 id="in-body">In body</h2></div><p id="outside">after</p><div data-pagefind-body>second body</div></main>"##,
            r##"<main><div class="toc">excluded</div><p>kept<br class="cta">after a br that is excluded</p><div class="a cta  b">classes</div><div class="CTA">upper class kept</div><div class="ctax">near</div></main>"##,
            "<main>\n\n  <p>  lots \t of\n\n white\x0c space  </p>\r\n<p>carriage\rreturn</p>\u{a0}\u{2003}</main>",
            r##"<main><p>Text &amp;amp; &lt;b&gt; &#x27;q&#39; &unknown; & lone ampersand > gt</p><h4 id="a b">spaced id</h4><details open><summary>S</summary>D</details><hr/><wbr></main>"##,
            r##"<main><p title='single' data-pagefind-index-attrs="title">single quoted</p><p data-pagefind-filter="f" data-pagefind-filter="g">first of two</p><p id="one" id="two">ids</p><p data-x='a"b' data-y="c'd">quotes</p></main>"##,
            r##"<main><div><div><div><p>deep <a href="#"><span><em id="e">nested</em></span></a></p></div></div></div><p></p><p><span></span></p><h2 id="empty"></h2></main>"##,
            "<main>no blocks at all</main>",
            "",
        ];
        let mut pages: Vec<String> = mains
            .iter()
            .map(|main| page("A &amp; B | Site", main))
            .collect();
        pages.push("<!DOCTYPE html><html><head><title></title></head><body><p>no lang, empty title</p></body></html>".into());
        pages.push("<!DOCTYPE html>\n<html lang=\"\">\n<head>\n<title>  spaced\n title </title>\n</head>\n<body>\n<p>x</p>\n</body>\n</html>\n".into());
        pages.push(
            "<!DOCTYPE html>text before<html><body><h1>Only h1</h1></body></html>text after".into(),
        );
        pages.push("<!DOCTYPE html><html><body><p>no head</p></body></html>".into());
        pages
    }

    /// Pages the fast path leaves to lol_html.
    const DECLINED: &[&str] = &[
        "<!DOCTYPE html><html><body><!-- comment --><p>x</p></body></html>",
        "<!DOCTYPE html><html><body><script>var a = '<p>';</script></body></html>",
        "<!DOCTYPE html><html><body><style>p{}</style></body></html>",
        "<!DOCTYPE html><html><body><textarea><b>x</b></textarea></body></html>",
        "<!DOCTYPE html><html><body><svg><title>t</title></svg></body></html>",
        "<!DOCTYPE html><html><body><template><p>t</p></template></body></html>",
        "<!DOCTYPE html><html><body><noscript>n</noscript></body></html>",
        "<!DOCTYPE html><html><body><ul><li>open<li>items</ul></body></html>",
        "<!DOCTYPE html><html><body><p>unclosed</body></html>",
        "<!DOCTYPE html><html><body><P>upper</P></body></html>",
        "<!DOCTYPE html><html><body><p CLASS=\"x\">upper attribute</p></body></html>",
        "<!DOCTYPE html><html><body><p class=x>unquoted</p></body></html>",
        "<!DOCTYPE html><html><body><p class = \"x\">spaced</p></body></html>",
        "<!DOCTYPE html><html><body><p>a < b</p></body></html>",
        "<!DOCTYPE html><html><body><div/>self-closing</body></html>",
        "<!DOCTYPE html><html><body></p>stray</body></html>",
        "<!DOCTYPE html><html><body><custom-el>x</custom-el></body></html>",
        "<!DOCTYPE html><html><body><p>nul\0</p></body></html>",
        "<!DOCTYPE html><html><head><title>a <b> title</title></head></html>",
        "<!DOCTYPE html><html><head><link href=\"/_pagefind/x.css\"></head></html>",
        "<!doctype html><html><body><p>lower doctype</p></body></html>",
        "<html><body><p>no doctype</p></body></html>",
        "<!DOCTYPE html><html><body><p>x</p></body></html><html></html>",
        "<!DOCTYPE html><p>outside html</p>",
        "<!DOCTYPE html><html><body><p>not closed</p>",
    ];

    /// careleaf: every page the fast path reads gives what lol_html's path
    /// gives, for careleaf's exclude selectors and for none, whatever
    /// pieces lol_html is handed the page in.
    #[test]
    fn fast_path_parses_as_lol_html_does() {
        for exclusions in [CARELEAF_EXCLUDE, &[]] {
            let options = options(exclusions);
            for html in read_pages() {
                let fast = by_fast_path(&html, &options)
                    .unwrap_or_else(|| panic!("the fast path declined {html:?}"));
                for piece in [20000, 7, 1] {
                    assert_eq!(fast, by_lol_html(&html, &options, piece), "{html}");
                }
            }
        }
    }

    /// careleaf: what the fast path can't read exactly as lol_html does is
    /// left to lol_html, and so are options that need lol_html's selectors.
    #[test]
    fn fast_path_declines_what_it_does_not_read() {
        let options = options(CARELEAF_EXCLUDE);
        for html in DECLINED {
            assert!(by_fast_path(html, &options).is_none(), "{html:?}");
        }
        let simple = page("t", "<main><p>x</p></main>");
        assert!(by_fast_path(&simple, &options).is_some());
        for exclusions in [&["main > p"][..], &["p:first-child"], &["[data-x=\"y\"]"]] {
            assert!(by_fast_path(&simple, &self::options(exclusions)).is_none());
        }
    }

    /// careleaf: pages put together from pieces at random (a fixed seed):
    /// whenever the fast path reads one, it gives what lol_html gives.
    #[test]
    fn fast_path_matches_lol_html_on_generated_pages() {
        const PIECES: &[&str] = &[
            "<p>",
            "</p>",
            "<div>",
            "</div>",
            "<span>",
            "</span>",
            "<h1>",
            "</h1>",
            "<h2 id=\"h\">",
            "</h2>",
            "<li>",
            "</li>",
            "<em id=\"e\">",
            "</em>",
            "<a href=\"/x\">",
            "</a>",
            "<br>",
            "<img src=\"/i.png\" alt=\"alt\">",
            "<hr/>",
            "text ",
            "more words. ",
            "über ",
            "&amp; ",
            "&nbsp;",
            "&#233;",
            "  \n ",
            "end",
            "<div class=\"toc\">",
            "<nav>",
            "</nav>",
            "<div data-pagefind-ignore>",
            "<div data-pagefind-ignore=\"all\">",
            "<div data-pagefind-body>",
            "<span data-pagefind-filter=\"f\">",
            "<span data-pagefind-meta=\"m\">",
            "<p data-pagefind-weight=\"2\">",
            "<section id=\"s\" data-pagefind-title=\"T\">",
            "</section>",
            "<b>",
            "</b>",
            "<h3>",
            "</h3>",
            "x)",
            "\"quoted\"",
            "<code>",
            "</code>",
            "<p class=\"cta\">",
            "<br class=\"cta\">",
            "<img class=\"toc\" src=\"/t.png\">",
            "<div id=\"d\" data-pagefind-ignore=\"index\">",
        ];
        let options = options(CARELEAF_EXCLUDE);
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |n: usize| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) as usize) % n
        };
        let mut read = 0;
        for _ in 0..3000 {
            let mut main = String::new();
            let mut open: Vec<&str> = Vec::new();
            for _ in 0..next(40) {
                let piece = PIECES[next(PIECES.len())];
                // Mostly well-formed: an end tag closes the element opened last.
                if piece.starts_with("</") {
                    // Now and then a stray end tag, which the fast path declines.
                    if next(10) > 0 {
                        if let Some(top) = open.pop() {
                            main.push_str(&format!("</{top}>"));
                        }
                        continue;
                    }
                } else if let Some(rest) = piece.strip_prefix('<') {
                    let name = &rest[..rest.find([' ', '>', '/']).unwrap()];
                    if element_kind(name).map(|(_, void)| void) != Some(true) {
                        open.push(name);
                    }
                }
                main.push_str(piece);
            }
            while let Some(top) = open.pop() {
                if next(10) > 0 {
                    main.push_str(&format!("</{top}>"));
                }
            }
            let html = page("Generated", &main);
            if let Some(fast) = by_fast_path(&html, &options) {
                read += 1;
                assert_eq!(fast, by_lol_html(&html, &options, 20000), "{html}");
            }
        }
        // Most pages are well-formed, so the comparison is not vacuous.
        assert!(read > 1000, "the fast path read only {read} pages");
    }
}
