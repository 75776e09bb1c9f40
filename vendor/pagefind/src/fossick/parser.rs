use lazy_static::lazy_static;
use lol_html::html_content::{Element, TextChunk};
use lol_html::{ElementContentHandlers, HandlerResult, HtmlRewriter, Selector, Settings};
use std::borrow::Cow;
use regex::Regex;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::default::Default;
use std::rc::Rc;

use crate::SearchOptions;

use super::normalize_content;

// careleaf: reads careleaf's plain HTML without lol_html (see the module).
pub(crate) mod fast_path;

lazy_static! {
    static ref ALL_SPACES: Regex = Regex::new("\\s").unwrap();
    static ref SENTENCE_CHARS: Regex = Regex::new("[\\w'\"\\)\\$\\*]").unwrap();
}
lazy_static! {
    static ref ATTRIBUTE_MATCH: Regex =
        Regex::new("^\\s*(?P<name>[^:\\[\\]]+)\\[(?P<attribute>.+)\\]\\s*$").unwrap();
}

const SENTENCE_SELECTORS: &[&'static str] = &[
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "td", "div", "ul", "li", "article", "section",
];
const INLINE_SELECTORS: &[&'static str] = &[
    "a", "abbr", "acronym", "b", "bdo", "big", "br", "button", "cite", "code", "dfn", "em", "i",
    "img", "input", "kbd", "label", "map", "object", "output", "q", "samp", "script", "select",
    "small", "span", "strong", "sub", "sup", "textarea", "time", "tt", "var",
];
const REMOVE_SELECTORS: &[&'static str] = &[
    "head", "style", "script", "noscript", "label", "form", "svg", "footer", "nav", "iframe",
    "template",
];
const SPACE_SELECTORS: &[&'static str] = &["br"];

// We aren't transforming HTML, just parsing, so we dump the output.
#[derive(Default)]
struct EmptySink;
impl lol_html::OutputSink for EmptySink {
    fn handle_chunk(&mut self, _: &[u8]) {}
}

/// Houses the HTML parsing instance and the internal data while parsing
pub struct DomParser<'a> {
    rewriter: HtmlRewriter<'a, EmptySink>,
    data: Rc<RefCell<DomParserData>>,
}

// The internal state while parsing,
// with a reference to the deepest HTML element
// that we're currently reading
#[derive(Default, Debug)]
struct DomParserData {
    current_node: Rc<RefCell<DomParsingNode>>,
    filters: BTreeMap<String, Vec<String>>,
    sort: BTreeMap<String, String>,
    meta: BTreeMap<String, String>,
    default_meta: BTreeMap<String, String>,
    anchor_content: BTreeMap<String, String>,
    anchor_titles: BTreeMap<String, String>,
    language: Option<String>,
    has_html_element: bool,
    has_old_bundle_reference: bool,
    has_default_ui_reference: bool,
    /// careleaf: whether the element whose start tag is being handled
    /// matches one of the simple exclude selectors (see `SimpleSelector`).
    simple_exclusion_matched: bool,
    /// careleaf: the text of every open node, one after the other, when
    /// `one_buffer` is set (the fast path, where every element is closed
    /// by its own end tag, in order): each node's text starts at its
    /// `start` and runs to the next open node's (the current node's, to
    /// the end). A closed node's text stays where it is, as its parent's,
    /// instead of being copied onto the end of its parent's
    /// `current_value` (once per level of nesting, each `String` growing
    /// on its own). Elements closed implicitly (lol_html calls no end
    /// handler for them) would leave their text in the buffer where stock
    /// drops it, so lol_html's path keeps a `current_value` per node.
    text: String,
    one_buffer: bool,
}

impl DomParserData {
    /// careleaf: appends `s` to the current node's text.
    fn push_current(&mut self, s: &str) {
        if self.one_buffer {
            self.text.push_str(s);
        } else {
            self.current_node.borrow_mut().current_value.push_str(s);
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum NodeStatus {
    Indexing,
    // Our content & children should not be indexed
    Ignored,
    // Our content & children should be excluded entirely
    // (including meta / filters)
    Excluded,
    Body,
    // There was a body element below us,
    // so our content should be ignored.
    ParentOfBody,
}

impl Default for NodeStatus {
    fn default() -> Self {
        Self::Indexing
    }
}

// A single HTML element that we're reading into.
// Contains a reference to the parent element,
// and since we collapse this tree upwards while we parse,
// we don't need to store tree structure.
#[derive(Default, Debug)]
struct DomParsingNode {
    current_value: String,
    /// careleaf: where the node's text starts in `DomParserData::text`
    /// (with `one_buffer`; `current_value` stays empty then).
    start: usize,
    parent: Option<Rc<RefCell<DomParsingNode>>>,
    filter: Option<Vec<String>>,
    sort: Option<Vec<String>>,
    meta: Option<Vec<String>>,
    default_meta: Option<Vec<String>>,
    weight: Option<String>,
    anchor_ids: Option<Vec<String>>,
    status: NodeStatus,
}

/// The search-relevant data that was retrieved from the given input
#[derive(Debug)]
pub struct DomParserResult {
    pub digest: String,
    pub filters: BTreeMap<String, Vec<String>>,
    pub sort: BTreeMap<String, String>,
    pub meta: BTreeMap<String, String>,
    pub anchor_content: BTreeMap<String, String>,
    pub anchor_titles: BTreeMap<String, String>,
    pub has_custom_body: bool,
    pub force_inclusion: bool, // Include this page even if there is no body
    pub has_html_element: bool,
    pub has_old_bundle_reference: bool,
    pub has_default_ui_reference: bool,
    pub language: String,
}

/// careleaf: the selectors a `DomParser` registers, parsed once per thread
/// for a root selector and list of exclude selectors, instead of once per
/// page (parsing them was ~5% of indexing a page, most of it the exclude
/// selectors, each parsed twice). lol_html takes them by reference.
struct PreparedSelectors {
    root_selector: String,
    exclude_selectors: Vec<String>,
    /// `html`
    html: Selector,
    /// `{root}, {root} *`
    root: Selector,
    /// `{root} *`: where `simple_exclusions` apply.
    inside_root: Selector,
    /// The exclude selectors matched by the parser itself (see `SimpleSelector`).
    simple_exclusions: Rc<[SimpleSelector]>,
    /// `{root} {selector}, ...` for the other exclude selectors, matched by lol_html.
    other_exclusions: Option<Selector>,
    /// `{root}`, for text.
    text_root: Selector,
    /// `script, link`
    script_link: Selector,
    /// Warnings about exclude selectors that can't be parsed, given for every page as before.
    warnings: Vec<String>,
}

thread_local! {
    static PREPARED_SELECTORS: RefCell<Option<Rc<PreparedSelectors>>> = const { RefCell::new(None) };
}

impl PreparedSelectors {
    fn for_options(options: &SearchOptions) -> Rc<PreparedSelectors> {
        PREPARED_SELECTORS.with(|cell| {
            let mut cell = cell.borrow_mut();
            if let Some(prepared) = cell.as_ref() {
                if prepared.root_selector == options.root_selector
                    && prepared.exclude_selectors == options.exclude_selectors
                {
                    return Rc::clone(prepared);
                }
            }
            let prepared = Rc::new(PreparedSelectors::new(options));
            *cell = Some(Rc::clone(&prepared));
            prepared
        })
    }

    fn new(options: &SearchOptions) -> PreparedSelectors {
        let root_selector = &options.root_selector;
        let root = format!("{}, {} *", root_selector, root_selector);
        // A root selector list (`a, b`) would make `{root} {selector}` mean
        // something else than "a descendant of the root": lol_html matches
        // every exclude selector then.
        let inside_root = if root_selector.contains(',') {
            None
        } else {
            format!("{root_selector} *").parse::<Selector>().ok()
        };
        let mut custom_exclusions = options.exclude_selectors.clone();
        custom_exclusions.extend(REMOVE_SELECTORS.iter().map(|s| s.to_string()));
        let mut warnings = Vec::new();
        let mut simple_exclusions = Vec::new();
        let mut other_exclusions = Vec::new();
        for e in &custom_exclusions {
            let selector = format!("{} {}", root_selector, e);
            match selector.parse::<Selector>() {
                Ok(_) => match SimpleSelector::parse(e).filter(|_| inside_root.is_some()) {
                    Some(simple) => simple_exclusions.push(simple),
                    None => other_exclusions.push(selector),
                },
                Err(error) => warnings.push(format!(
                    "Ignoring the exclude selector {e:?}, which Pagefind can't parse: {error}. Indexing will continue without it."
                )),
            }
        }
        let other_exclusions = (!other_exclusions.is_empty())
            .then(|| other_exclusions.join(", ").parse::<Selector>().unwrap());
        PreparedSelectors {
            root_selector: root_selector.clone(),
            exclude_selectors: options.exclude_selectors.clone(),
            html: "html".parse().unwrap(),
            root: root.parse().unwrap(),
            inside_root: inside_root.unwrap_or_else(|| "html".parse().unwrap()),
            simple_exclusions: simple_exclusions.into(),
            other_exclusions,
            text_root: root_selector.parse().unwrap(),
            script_link: "script, link".parse().unwrap(),
            warnings,
        }
    }
}

/// careleaf: an exclude selector made of one compound selector of a tag
/// name (lowercase ASCII letters and digits), classes, IDs and attribute
/// names (`nav`, `.toc`, `div.cta#top`, `[data-pagefind-ignore]`). The
/// parser matches these itself on each element inside the root, as lol_html
/// matches them (tag names without regard to case, classes and IDs exactly,
/// attribute names in lowercase); anything else is left to lol_html.
#[derive(Debug, Default, PartialEq)]
struct SimpleSelector {
    tag: Option<String>,
    ids: Vec<String>,
    classes: Vec<String>,
    attributes: Vec<String>,
}

impl SimpleSelector {
    fn parse(input: &str) -> Option<SimpleSelector> {
        let bytes = input.as_bytes();
        let is_ident_byte = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-';
        let mut selector = SimpleSelector::default();
        let tag_end = bytes
            .iter()
            .position(|b| !(b.is_ascii_lowercase() || b.is_ascii_digit()))
            .unwrap_or(bytes.len());
        if tag_end > 0 {
            if !bytes[0].is_ascii_lowercase() {
                return None;
            }
            selector.tag = Some(input[..tag_end].to_string());
        }
        let mut i = tag_end;
        while i < bytes.len() {
            let start = i + 1;
            let end = start
                + bytes
                    .get(start..)?
                    .iter()
                    .position(|b| !is_ident_byte(b))
                    .unwrap_or(bytes.len() - start);
            let ident = &input[start..end];
            if !ident
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
            {
                return None;
            }
            match bytes[i] {
                b'.' => selector.classes.push(ident.to_string()),
                b'#' => selector.ids.push(ident.to_string()),
                b'[' if bytes.get(end) == Some(&b']') => {
                    selector.attributes.push(ident.to_ascii_lowercase())
                }
                _ => return None,
            }
            i = if bytes[i] == b'[' { end + 1 } else { end };
        }
        (selector != SimpleSelector::default()).then_some(selector)
    }

    /// Whether `el` matches any of `selectors`.
    fn any_matches(selectors: &[SimpleSelector], tag: &str, el: &impl StartTag) -> bool {
        let has_attributes = el.has_attributes();
        let mut id: Option<Option<Cow<'_, str>>> = None;
        let mut class: Option<Option<Cow<'_, str>>> = None;
        selectors.iter().any(|s| {
            if s.tag.as_ref().is_some_and(|t| t != tag) {
                return false;
            }
            let needs_attributes =
                !(s.ids.is_empty() && s.classes.is_empty() && s.attributes.is_empty());
            if needs_attributes && !has_attributes {
                return false;
            }
            s.ids.iter().all(|want| {
                id.get_or_insert_with(|| el.attribute("id")).as_deref() == Some(want.as_str())
            }) && s.classes.iter().all(|want| {
                class
                    .get_or_insert_with(|| el.attribute("class"))
                    .as_deref()
                    .is_some_and(|classes| {
                        classes
                            .split([' ', '\n', '\r', '\t', '\x0c'])
                            .any(|c| c == want)
                    })
            }) && s.attributes.iter().all(|name| el.has_attribute(name))
        })
    }
}

/// careleaf: what the handlers read from a start tag: lol_html's `Element`,
/// or a tag read by the fast path (`fast_path::Tag`), so both paths run the
/// same handlers on the same values.
trait StartTag {
    /// The tag name in lowercase (careleaf: without a copy when the fast
    /// path read it: one allocation less per element).
    fn tag_name(&self) -> Cow<'static, str>;
    /// Whether the tag has any attribute.
    fn has_attributes(&self) -> bool;
    /// The value of the first attribute named `name` (without regard to ASCII case), as written.
    fn get_attribute(&self, name: &str) -> Option<String>;
    /// Whether the tag has an attribute named `name` (without regard to ASCII case).
    fn has_attribute(&self, name: &str) -> bool;
    /// careleaf: `get_attribute`, without a copy when the fast path read it
    /// (for `SimpleSelector::any_matches`, which reads `class` and `id`).
    fn attribute(&self, name: &str) -> Option<Cow<'_, str>>;
    /// The attributes Pagefind reads (see `PagefindAttributes`).
    fn pagefind_attributes(&self) -> PagefindAttributes;
}

impl StartTag for Element<'_, '_> {
    fn tag_name(&self) -> Cow<'static, str> {
        Cow::Owned(Element::tag_name(self))
    }
    fn has_attributes(&self) -> bool {
        !self.attributes().is_empty()
    }
    fn get_attribute(&self, name: &str) -> Option<String> {
        Element::get_attribute(self, name)
    }
    fn has_attribute(&self, name: &str) -> bool {
        Element::has_attribute(self, name)
    }
    fn attribute(&self, name: &str) -> Option<Cow<'_, str>> {
        Element::get_attribute(self, name).map(Cow::Owned)
    }
    fn pagefind_attributes(&self) -> PagefindAttributes {
        let mut found = PagefindAttributes::default();
        for attribute in self.attributes() {
            found.add(&attribute.name(), || attribute.value());
        }
        found
    }
}

/// careleaf: the attributes Pagefind reads from an element, each the value
/// of the first attribute of that name (as `Element::get_attribute` finds it).
#[derive(Default)]
struct PagefindAttributes {
    ignore: Option<String>,
    body: bool,
    weight: Option<String>,
    filter: Option<String>,
    id: Option<String>,
    title: Option<String>,
    meta: Option<String>,
    default_meta: Option<String>,
    sort: Option<String>,
    index_attrs: Option<String>,
}

impl PagefindAttributes {
    /// Takes in an attribute `name` (in lowercase) with its value, if it is one Pagefind
    /// reads and the first of that name.
    fn add(&mut self, name: &str, value: impl FnOnce() -> String) {
        let slot = match name {
            "id" => &mut self.id,
            "data-pagefind-body" => {
                self.body = true;
                return;
            }
            "data-pagefind-ignore" => &mut self.ignore,
            "data-pagefind-weight" => &mut self.weight,
            "data-pagefind-filter" => &mut self.filter,
            "data-pagefind-title" => &mut self.title,
            "data-pagefind-meta" => &mut self.meta,
            "data-pagefind-default-meta" => &mut self.default_meta,
            "data-pagefind-sort" => &mut self.sort,
            "data-pagefind-index-attrs" => &mut self.index_attrs,
            _ => return,
        };
        if slot.is_none() {
            *slot = Some(value());
        }
    }
}

/// careleaf: `element!` with a selector parsed beforehand.
fn on_element<'s, 'h>(
    selector: &'s Selector,
    handler: impl FnMut(&mut Element<'_, '_>) -> HandlerResult + 'h,
) -> (Cow<'s, Selector>, ElementContentHandlers<'h>) {
    (
        Cow::Borrowed(selector),
        ElementContentHandlers::default().element(handler),
    )
}

/// careleaf: `text!` with a selector parsed beforehand.
fn on_text<'s, 'h>(
    selector: &'s Selector,
    handler: impl FnMut(&mut TextChunk<'_>) -> HandlerResult + 'h,
) -> (Cow<'s, Selector>, ElementContentHandlers<'h>) {
    (
        Cow::Borrowed(selector),
        ElementContentHandlers::default().text(handler),
    )
}

/// careleaf: `SENTENCE_CHARS.is_match(&c.to_string())` without the string,
/// and without the regex for ASCII (where `\w` is `[0-9A-Za-z_]`).
fn is_sentence_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric() || matches!(c, '_' | '\'' | '"' | ')' | '$' | '*')
    } else {
        SENTENCE_CHARS.is_match(c.encode_utf8(&mut [0; 4]))
    }
}

// Some shorthand to clean up our use of Rc<RefCell<*>> in the lol_html macros
// From https://github.com/rust-lang/rfcs/issues/2407#issuecomment-385291238
macro_rules! enclose {
    ( ($( $x:ident ),*) $y:expr ) => {
        {
            $(let $x = $x.clone();)*
            $y
        }
    };
}

/// careleaf: the handlers' work, taken out of the lol_html closures of
/// `DomParser::new` unchanged so that the fast path (`fast_path`) runs the very
/// same code on the tags and text it reads. Each function is one handler,
/// called where lol_html called it.
struct Handlers<'a> {
    data: Rc<RefCell<DomParserData>>,
    options: &'a SearchOptions,
    simple_exclusions: Rc<[SimpleSelector]>,
    anchor_counter: usize,
}

impl<'a> Handlers<'a> {
    fn new(options: &'a SearchOptions, prepared: &PreparedSelectors) -> Self {
        Handlers {
            data: Rc::new(RefCell::new(DomParserData::default())),
            options,
            simple_exclusions: Rc::clone(&prepared.simple_exclusions),
            anchor_counter: 0,
        }
    }

    /// The handler on `html`.
    fn html_element(&mut self, el: &impl StartTag) {
        let mut data = self.data.borrow_mut();
        data.has_html_element = true;
        if let Some(lang) = el.get_attribute("lang") {
            data.language = Some(lang.to_lowercase());
        }
    }

    /// The handler on `{root}, {root} *`, up to registering the end tag
    /// handler: makes the element's node the current node and returns it
    /// with the element's tag name.
    fn start_element(
        &mut self,
        el: &impl StartTag,
    ) -> (Rc<RefCell<DomParsingNode>>, Cow<'static, str>) {
        let data = &self.data;
        let options = self.options;
        // careleaf: the attributes Pagefind reads, in one pass over the
        // element's attributes (most elements have none) instead of ten lookups.
        let PagefindAttributes { ignore, body, weight, filter, id, title, meta, default_meta, sort, index_attrs } = el.pagefind_attributes();
        let explicit_ignore_flag = ignore.map(|attr| {
            match attr.to_ascii_lowercase().as_str() {
                "" | "index" | "true" => NodeStatus::Ignored,
                "all" => NodeStatus::Excluded,
                _ => {
                    options.logger.warn(format!("data-pagefind-ignore value of \"{}\" is not valid. Expected no value, or one of: [index, all]. Assuming 'all' and excluding this element entirely.", attr));
                    NodeStatus::Excluded
                }
            }
        });
        let treat_as_body = body;
        let weight = weight.map(|attr| attr.to_string());
        let filter = filter.map(|attr| parse_attr_string(attr, el));
        // careleaf: an ID without white space (`\s` is White_Space, as
        // `char::is_whitespace`) is kept as it is, without the regex.
        let element_id = id.map(|e| {
            if e.chars().any(char::is_whitespace) {
                ALL_SPACES.replace_all(&e, "").to_string()
            } else {
                e
            }
        });
        let pagefind_title = title.map(|title| normalize_content(&title)).filter(|title| !title.is_empty());
        let meta = meta.map(|attr| parse_attr_string(attr, el));
        let default_meta = default_meta.map(|attr| parse_attr_string(attr, el));
        let sort = sort.map(|attr| parse_attr_string(attr, el));
        let index_attrs: Option<Vec<String>> = index_attrs.map(|attr| attr.split(',').map(|a| a.trim().to_string()).collect());
        let tag_name = el.tag_name();
        // careleaf: whether the handler on `{root} *` below marks this element
        // (that handler runs next, for the elements inside the root).
        if !self.simple_exclusions.is_empty() {
            data.borrow_mut().simple_exclusion_matched = SimpleSelector::any_matches(&self.simple_exclusions, &tag_name, el);
        }

        let status = if treat_as_body {
            NodeStatus::Body
        } else if let Some(explicit_ignore_flag) = explicit_ignore_flag {
            explicit_ignore_flag
        } else {
            NodeStatus::Indexing
        };

        let mut anchor_id = None;
        if status != NodeStatus::Excluded && status != NodeStatus::Ignored {
            if let Some(element_id) = element_id {
                let mut data = data.borrow_mut();
                let parent_status = data.current_node.borrow().status;
                // Don't insert anchors if this node is outside of a body-tree
                if !(parent_status == NodeStatus::ParentOfBody
                    && status != NodeStatus::Body
                    && status != NodeStatus::ParentOfBody) {
                    // careleaf: `{anchor_counter}:{element_id}`, and the
                    // marker ` ___PAGEFIND_ANCHOR___{tag_name}:{anchor_id} `,
                    // put together without `format!`.
                    let mut id = self.anchor_counter.to_string();
                    id.push(':');
                    id.push_str(&element_id);
                    data.push_current(" ___PAGEFIND_ANCHOR___");
                    data.push_current(&tag_name);
                    data.push_current(":");
                    data.push_current(&id);
                    data.push_current(" ");
                    anchor_id = Some(id);
                    self.anchor_counter += 1;
                }
            }
        }

        if let (Some(anchor_id), Some(title)) = (&anchor_id, pagefind_title) {
            data.borrow_mut().anchor_titles.insert(anchor_id.clone(), title);
        }

        if status != NodeStatus::Excluded {
            if let Some(attrs) = index_attrs {
                let mut data = data.borrow_mut();
                for attr in attrs {
                    let mut value = el.get_attribute(attr.trim()).unwrap_or_default();
                    if value.chars()
                        .last()
                        .filter(|c| is_sentence_char(*c))
                        .is_some() {
                            value.push('.');
                        }
                    data.push_current(" ");
                    data.push_current(&value);
                    data.push_current(" ");
                }
            }
            // Handle adding spaces between words separated by <br/> tags and the like
            if SPACE_SELECTORS.contains(&&*tag_name) {
                data.borrow_mut().push_current(" ");
            }
        }

        let node = {
            let mut data = data.borrow_mut();
            let parent_node = data.current_node.borrow();
            let parent_status = parent_node.status;

            let mut node_anchors = if parent_node.anchor_ids.is_some() && INLINE_SELECTORS.contains(&&*tag_name) {
                parent_node.anchor_ids.clone()
            } else {
                None
            };

            if let Some(this_node_anchor_id) = anchor_id {
                if let Some(existing) = node_anchors.as_mut() {
                    existing.push(this_node_anchor_id);
                } else {
                    node_anchors = Some(vec![this_node_anchor_id]);
                }
            }

            let node = Rc::new(RefCell::new(DomParsingNode{
                parent: Some(Rc::clone(&data.current_node)),
                status: match parent_status {
                    NodeStatus::Excluded => parent_status,
                    _ => status,
                },
                filter,
                meta,
                default_meta,
                sort,
                anchor_ids: node_anchors,
                current_value: String::default(),
                start: data.text.len(),
                weight,
            }));

            drop(parent_node);
            data.current_node = Rc::clone(&node);
            node
        };
        (node, tag_name)
    }

    /// The end tag handler of an element that can have content: `tag_name`
    /// is its start tag's name, `end_name` its end tag's.
    fn end_element(
        data: &Rc<RefCell<DomParserData>>,
        node: &Rc<RefCell<DomParsingNode>>,
        tag_name: &str,
        end_name: &str,
    ) {
        let mut data = data.borrow_mut();
        let mut node = node.borrow_mut();

        // When we reach an end tag, we need to
        // make sure to move focus back to the parent node.
        if let Some(parent) = &node.parent {
            data.current_node = Rc::clone(parent);
        }

        // For fully-excluded elements, we want to bail before we
        // even get to filters or metadata.
        if node.status == NodeStatus::Excluded {
            // careleaf: the node's text is dropped (as its `current_value` is).
            if data.one_buffer {
                data.text.truncate(node.start);
            }
            return;
        }

        // Process filters & meta before we continue
        // (Filters & meta are valid on ignored elements)
        if let Some(filters) = &node.filter {
            for filter in filters {
                if let Some((filter, value)) = node.get_attribute_pair(filter, node_text(&data, &node)) {
                    match data.filters.get_mut(&filter) {
                        Some(filter_arr) => filter_arr.push(normalize_content(&value)),
                        None => {
                            data.filters.insert(filter, vec![
                                normalize_content(&value)
                            ]);
                        }
                    }
                }
            }
        }

        if let Some(sorts) = &node.sort {
            for sort in sorts {
                if let Some((sort, value)) = node.get_attribute_pair(sort, node_text(&data, &node)) {
                    data.sort.insert(sort, value);
                }
            }
        }

        if let Some(metas) = &node.meta {
            for meta in metas {
                if let Some((meta, value)) = node.get_attribute_pair(meta, node_text(&data, &node)) {
                    data.meta.insert(meta, value);
                }
            }
        }
        if let Some(metas) = &node.default_meta {
            for meta in metas {
                if let Some((meta, value)) = node.get_attribute_pair(meta, node_text(&data, &node)) {
                    data.default_meta.insert(meta, value);
                }
            }
        }

        // Try to capture the first title on the page (if unset)
        if tag_name == "h1" && !data.meta.contains_key("auto_title") && !node_text(&data, &node).trim().is_empty() {
            let value = normalize_content(node_text(&data, &node));
            data.meta.insert("auto_title".into(), value);
        }
        // Try to capture the actual title of the page as a fallback for later
        if tag_name == "title" && !data.meta.contains_key("auto_page_title") {
            let value = normalize_content(node_text(&data, &node));
            data.meta.insert("auto_page_title".into(), value);
        }

        let data = &mut *data;
        let one_buffer = data.one_buffer;
        let start = node.start;

        // If we bail out now, the content won't be persisted anywhere
        // and the node + children will be dropped.
        if node.status == NodeStatus::Ignored {
            if one_buffer {
                data.text.truncate(start);
            }
            return;
        }

        let tag_name = end_name;
        let weight = if let Some(weight) = &node.weight {
            Some((" ___PAGEFIND_WEIGHT___", weight.clone()))
        } else {
            match tag_name {
                "h1" => Some("7"),
                "h2" => Some("6"),
                "h3" => Some("5"),
                "h4" => Some("4"),
                "h5" => Some("3"),
                "h6" => Some("2"),
                _ => None,
            }
            .map(|auto_weight| (" ___PAGEFIND_AUTO_WEIGHT___", auto_weight.to_string()))
        };
        // careleaf: with `one_buffer`, the node's text is changed in place
        // (the text after `start`), as its `current_value` was.
        let text = if one_buffer { &mut data.text } else { &mut node.current_value };
        if SENTENCE_SELECTORS.contains(&tag_name) {
            // For block elements, we want to make sure sentences
            // don't hug each other without whitespace.
            // We normalize repeated whitespace later, so we
            // can add this indiscriminately.
            let at = if one_buffer { start } else { 0 };
            text.insert(at, ' ');

            // Similarly, we want to separate block elements
            // with punctuation, so that the excerpts read nicely.
            // (As long as it doesn't already end with, say, a . or ?)
            if text[at..].chars()
                .last()
                .filter(|c| is_sentence_char(*c))
                .is_some() {
                    text.push('.');
            }
            text.push(' ');
        }

        if let Some((marker, weight)) = weight {
            let at = if one_buffer { start } else { 0 };
            text.insert_str(at, &[marker, &weight, " "].concat());
            text.push_str(" ___END_PAGEFIND_WEIGHT___ ");
        }

        // Huck all of the content we have onto the end of the
        // content that the parent node has (so far)
        // This will include all of our children's content,
        // and the order of tree traversal will mean that it
        // is inserted in the correct position in the parent's content.
        // careleaf: with `one_buffer` it is there already, right after the
        // parent's own text, and is only dropped or kept.
        let mut parent = data.current_node.borrow_mut();

        // If the parent is a parent of a body, we don't want to append
        // any more content to it. (Unless, of course, we are representing another body)
        if parent.status == NodeStatus::ParentOfBody
            && node.status != NodeStatus::Body
            && node.status != NodeStatus::ParentOfBody {
                if one_buffer {
                    data.text.truncate(start);
                }
                return;
        }
        match node.status {
            NodeStatus::Ignored | NodeStatus::Excluded => {},
            NodeStatus::Indexing => {
                if !one_buffer {
                    parent.current_value.push_str(&node.current_value);
                }
            },
            NodeStatus::Body | NodeStatus::ParentOfBody => {
                // If our parent is already a parent of a body, then
                // we're probably a subsequent body. Avoid clearing it out.
                if one_buffer {
                    if parent.status != NodeStatus::ParentOfBody {
                        data.text.drain(parent.start..start);
                    }
                } else {
                    if parent.status != NodeStatus::ParentOfBody {
                        parent.current_value.clear();
                    }
                    parent.current_value.push_str(&node.current_value);
                }
                parent.status = NodeStatus::ParentOfBody;
            }
        };
    }

    /// The rest of the root's handler for an element that can't have content
    /// (`<img>`, `<br>`), which has no end tag handler.
    fn void_element(
        &mut self,
        node: &Rc<RefCell<DomParsingNode>>,
        tag_name: &str,
        el: &impl StartTag,
    ) {
        // Try to handle tags like <img /> which have no end tag,
        // and thus will never hit the logic to reset the current node.
        // TODO: This could still be missed for tags with implied ends?
        let mut data = self.data.borrow_mut();
        let node = node.borrow();
        if let Some(parent) = &node.parent {
            data.current_node = Rc::clone(parent);
        }

        // For fully-excluded elements, we want to bail before we
        // even get to filters or metadata.
        if node.status == NodeStatus::Excluded {
            return;
        }

        // Process filters & meta before we continue
        // TODO: Abstract repetition into function
        if let Some(filters) = &node.filter {
            for filter in filters {
                if let Some((filter, value)) = node.get_attribute_pair(filter, node_text(&data, &node)) {
                    match data.filters.get_mut(&filter) {
                        Some(filter_arr) => filter_arr.push(normalize_content(&value)),
                        None => {
                            data.filters.insert(filter, vec![
                                normalize_content(&value)
                            ]);
                        }
                    }
                }
            }
        }

        if let Some(sorts) = &node.sort {
            for sort in sorts {
                if let Some((sort, value)) = node.get_attribute_pair(sort, node_text(&data, &node)) {
                    data.sort.insert(sort, value);
                }
            }
        }

        if let Some(metas) = &node.meta {
            for meta in metas {
                if let Some((meta, value)) = node.get_attribute_pair(meta, node_text(&data, &node)) {
                    data.meta.insert(meta, value);
                }
            }
        }
        if let Some(metas) = &node.default_meta {
            for meta in metas {
                if let Some((meta, value)) = node.get_attribute_pair(meta, node_text(&data, &node)) {
                    data.default_meta.insert(meta, value);
                }
            }
        }

        // Try to capture the first image _after_ a title (if unset)
        if tag_name == "img"
            && !data.meta.contains_key("auto_image")
            && (data.meta.contains_key("auto_title") || data.meta.contains_key("title")) {
            if let Some(src) = el.get_attribute("src") {
                data.meta.insert("auto_image".into(), normalize_content(&src));

                if let Some(alt) = el.get_attribute("alt") {
                    data.meta.insert("auto_image_alt".into(), normalize_content(&alt));
                }
            }
        }
    }

    /// The handler on `{root} *` for the simple exclude selectors.
    fn simple_exclusion(&self) {
        // Worked out by the root's handler, which has just run for this element.
        if self.data.borrow().simple_exclusion_matched {
            let data = self.data.borrow_mut();
            let mut node = data.current_node.borrow_mut();
            node.status = NodeStatus::Ignored;
        }
    }

    /// The text handler on `{root}`.
    fn text(&self, element_text: &str) {
        let mut data = self.data.borrow_mut();
        let data = &mut *data;
        let mut node = data.current_node.borrow_mut();
        // careleaf: into the one buffer, where the current node's text is last.
        if data.one_buffer {
            data.text.push_str(element_text);
        } else {
            node.current_value.push_str(element_text);
        }

        let node_is_ignored = node.status == NodeStatus::Ignored || node.status == NodeStatus::Excluded;

        if !node_is_ignored && node.anchor_ids.is_some() {
            let anchor_ids = node.anchor_ids.clone().unwrap();
            drop(node);
            for anchor_id in anchor_ids {
                if let Some(anchor_text) = data.anchor_content.get_mut(&anchor_id) {
                    anchor_text.push_str(element_text);
                } else {
                    data.anchor_content.insert(anchor_id, element_text.to_string());
                }
            }
        }
    }
}

impl<'a> DomParser<'a> {
    pub fn new(options: &'a SearchOptions) -> Self {
        // careleaf: the selectors are parsed once per thread (see `PreparedSelectors`).
        let prepared = PreparedSelectors::for_options(options);
        for warning in &prepared.warnings {
            options.logger.warn(warning.clone());
        }
        // careleaf: the handlers' work is in `Handlers`, shared with the fast path.
        let handlers_state = Rc::new(RefCell::new(Handlers::new(options, &prepared)));
        let data = Rc::clone(&handlers_state.borrow().data);
        let has_simple_exclusions = !prepared.simple_exclusions.is_empty();

        let mut handlers = vec![
                    enclose! { (handlers_state) on_element(&prepared.html, move |el| {
                        handlers_state.borrow_mut().html_element(el);
                        Ok(())
                    })},
                    enclose! { (handlers_state, data) on_element(&prepared.root, move |el| {
                        let (node, tag_name) = handlers_state.borrow_mut().start_element(el);
                        let can_have_content = if let Some(handlers) = el.end_tag_handlers() {
                            handlers.push(Box::new(enclose! { (data, node, tag_name) move |end| {
                                Handlers::end_element(&data, &node, &tag_name, &end.name());
                                Ok(())
                            }}));
                            true
                        } else {
                            false
                        };
                        if !can_have_content {
                            handlers_state.borrow_mut().void_element(&node, &tag_name, el);
                        }
                        Ok(())
                    })},
        ];
        // If we hit a selector that should be excluded, mark whatever the current node is as such
        // careleaf: the simple exclude selectors (a tag, classes, IDs, attributes) are matched
        // here, on every element inside the root, instead of as `{root} {selector}` by lol_html,
        // whose descendant selectors were checked against every element with its attributes;
        // the handler runs where the one below ran (after the root's), so the result is the same.
        if has_simple_exclusions {
            handlers.push(enclose! { (handlers_state) on_element(&prepared.inside_root, move |_el| {
                handlers_state.borrow().simple_exclusion();
                Ok(())
            })});
        }
        if let Some(other_exclusions) = &prepared.other_exclusions {
            handlers.push(enclose! { (data) on_element(other_exclusions, move |_el| {
                let data = data.borrow_mut();
                let mut node = data.current_node.borrow_mut();
                node.status = NodeStatus::Ignored;
                Ok(())
            })});
        }
        handlers.extend([
                    // Slap any text we encounter inside the body into the current node's current value
                    enclose! { (handlers_state) on_text(&prepared.text_root, move |el| {
                        handlers_state.borrow().text(el.as_str());
                        Ok(())
                    })},
                    // Dig into script and style references to see if they refer to pre-1.0 conventions
                    // or the Default UI (pagefind-ui.js / pagefind-modular-ui.js)
                    enclose! { (data) on_element(&prepared.script_link, move |el| {
                        if el.tag_name() == "script" {
                            if let Some(src) = el.get_attribute("src") {
                                if src.starts_with("_pagefind") || src.contains("/_pagefind") {
                                    let mut data = data.borrow_mut();
                                    data.has_old_bundle_reference = true;
                                }
                                if src.contains("pagefind-ui.js") || src.contains("pagefind-modular-ui.js") {
                                    let mut data = data.borrow_mut();
                                    data.has_default_ui_reference = true;
                                }
                            }
                        } else if el.tag_name() == "link" {
                            if let Some(href) = el.get_attribute("href") {
                                if href.starts_with("_pagefind") || href.contains("/_pagefind") {
                                    let mut data = data.borrow_mut();
                                    data.has_old_bundle_reference = true;
                                }
                                if href.contains("pagefind-ui.css") || href.contains("pagefind-modular-ui.css") {
                                    let mut data = data.borrow_mut();
                                    data.has_default_ui_reference = true;
                                }
                            }
                        }
                        Ok(())
                    })},
        ]);
        drop(handlers_state);

        let rewriter = HtmlRewriter::new(
            handlers
            .into_iter()
            .fold(Settings::new().with_strict(false), |settings, handler| {
                settings.append_element_content_handler(handler)
            }),
            EmptySink::default(),
        );

        Self { rewriter, data }
    }

    /// Writes a chunk of data to the underlying HTML parser
    pub fn write(&mut self, data: &[u8]) -> Result<(), lol_html::errors::RewritingError> {
        self.rewriter.write(data)
    }

    /// Performs any post-processing and returns the summated search results
    pub fn wrap(self) -> DomParserResult {
        drop(self.rewriter); // Clears the extra Rcs on and within data
        finish(Rc::try_unwrap(self.data).unwrap().into_inner())
    }
}

/// careleaf: the text of `node`, an open node or the one just closed (the
/// end of the buffer with `one_buffer`).
fn node_text<'a>(data: &'a DomParserData, node: &'a DomParsingNode) -> &'a str {
    if data.one_buffer {
        &data.text[node.start..]
    } else {
        &node.current_value
    }
}

/// careleaf: `DomParser::wrap` after the parser is dropped, shared with the fast path.
fn finish(data: DomParserData) -> DomParserResult {
        let mut data = data;
        let mut node = data.current_node;

        // Fallback: If we are left with a tree, collapse it up into the parents
        // until we get to the root node.
        // careleaf: with `one_buffer`, a node's text is the end of the
        // buffer, kept or dropped (the fast path leaves no open node).
        let one_buffer = data.one_buffer;
        while node.borrow().parent.is_some() {
            {
                let node = node.borrow();
                let mut parent = node.parent.as_ref().unwrap().borrow_mut();
                if parent.status != NodeStatus::ParentOfBody {
                    match node.status {
                        NodeStatus::Ignored | NodeStatus::Excluded => {
                            if one_buffer {
                                data.text.truncate(node.start);
                            }
                        }
                        NodeStatus::Indexing => {
                            if !one_buffer {
                                parent.current_value.push_str(&node.current_value);
                            }
                        }
                        NodeStatus::Body | NodeStatus::ParentOfBody => {
                            if one_buffer {
                                data.text.drain(parent.start..node.start);
                            } else {
                                parent.current_value.clear();
                                parent.current_value.push_str(&node.current_value);
                            }
                            parent.status = NodeStatus::ParentOfBody;
                        }
                    };
                } else if one_buffer {
                    data.text.truncate(node.start);
                }
            }
            let old_node = node.borrow();
            let new_node = Rc::clone(old_node.parent.as_ref().unwrap());
            drop(old_node);
            node = new_node;
        }

        if let Some(image) = data.meta.remove("auto_image") {
            let alt = data.meta.remove("auto_image_alt").unwrap_or_default();
            if !data.meta.contains_key("image") {
                data.meta.insert("image".into(), image);
                data.meta.insert("image_alt".into(), alt);
            }
        }

        if let Some(title) = data.meta.remove("auto_title") {
            if !data.meta.contains_key("title") {
                data.meta.insert("title".into(), title);
            }
        }
        if let Some(title) = data.meta.remove("auto_page_title") {
            if !data.meta.contains_key("title") {
                data.meta.insert("title".into(), title);
            }
        }

        // Merge the collected metadata over top of the defaults, if any
        data.default_meta.extend(data.meta);

        let node = node.borrow();

        DomParserResult {
            digest: normalize_content(if one_buffer { &data.text[node.start..] } else { &node.current_value }),
            filters: data.filters,
            sort: data.sort,
            meta: data.default_meta,
            anchor_content: data.anchor_content,
            anchor_titles: data.anchor_titles,
            has_custom_body: node.status == NodeStatus::ParentOfBody,
            force_inclusion: false,
            has_html_element: data.has_html_element,
            has_old_bundle_reference: data.has_old_bundle_reference,
            has_default_ui_reference: data.has_default_ui_reference,
            language: data
                .language
                .filter(|lang| !lang.is_empty())
                .unwrap_or_else(|| "unknown".into()),
        }
}

fn parse_attr_string(input: String, el: &impl StartTag) -> Vec<String> {
    if let Some((attrs, literal)) = input.split_once(':') {
        let mut attrs = parse_attr_string(attrs.to_owned(), el);
        if let Some(last) = attrs.last_mut() {
            last.push(':');
            last.push_str(literal);
        }
        return attrs;
    }
    input
        .split(',')
        .map(|chunk| {
            let chunk = chunk.trim();
            if let Some(value) = ATTRIBUTE_MATCH.captures(chunk) {
                let name = value.name("name").unwrap().as_str().to_owned();
                let attr = value.name("attribute").unwrap().as_str().to_owned();
                format!("{}:{}", name, el.get_attribute(&attr).unwrap_or_default())
            } else {
                chunk.to_owned()
            }
        })
        .collect()
}

impl DomParsingNode {
    /// careleaf: `text` is the node's text (`node_text`).
    fn get_attribute_pair(&self, input: &str, text: &str) -> Option<(String, String)> {
        match input.split_once(':') {
            Some((filter, value)) => Some((filter.to_owned(), normalize_content(&value))),
            None => {
                if text.is_empty() {
                    None
                } else {
                    Some((input.to_owned(), normalize_content(text)))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_filter_from_node() {
        let mut node = DomParsingNode::default();

        assert_eq!(node.get_attribute_pair("color", &node.current_value.clone()), None);

        node.current_value = "White".into();
        assert_eq!(
            node.get_attribute_pair("color", &node.current_value.clone()),
            Some(("color".into(), "White".into()))
        );

        assert_eq!(
            node.get_attribute_pair("color:auburn", &node.current_value.clone()),
            Some(("color".into(), "auburn".into()))
        );

        assert_eq!(
            node.get_attribute_pair("color:ye:llow", &node.current_value.clone()),
            Some(("color".into(), "ye:llow".into()))
        );
    }

    fn test_raw_parse(input: Vec<&'static str>) -> DomParserResult {
        use clap::CommandFactory;
        let config_args = vec![twelf::Layer::Clap(
            crate::PagefindInboundConfig::command().get_matches_from(vec![
                "pagefind",
                "--source",
                "not_important",
            ]),
        )];
        let config =
            SearchOptions::load(crate::PagefindInboundConfig::with_layers(&config_args).unwrap())
                .unwrap();
        let mut rewriter = DomParser::new(&config);
        for line in input {
            let _ = rewriter.write(line.as_bytes());
        }
        rewriter.wrap()
    }

    fn test_parse(mut input: Vec<&'static str>) -> DomParserResult {
        input.insert(0, "<html><body>");
        input.push("</body></html>");
        test_raw_parse(input)
    }

    fn test_parse_with_exclusions(
        mut input: Vec<&'static str>,
        exclusions: &[&'static str],
    ) -> DomParserResult {
        use clap::CommandFactory;
        let mut args = vec!["pagefind", "--source", "not_important"];
        for exclusion in exclusions {
            args.push("--exclude-selectors");
            args.push(exclusion);
        }
        let config_args = vec![twelf::Layer::Clap(
            crate::PagefindInboundConfig::command().get_matches_from(args),
        )];
        let config =
            SearchOptions::load(crate::PagefindInboundConfig::with_layers(&config_args).unwrap())
                .unwrap();
        let mut rewriter = DomParser::new(&config);
        input.insert(0, "<html><body>");
        input.push("</body></html>");
        for line in input {
            let _ = rewriter.write(line.as_bytes());
        }
        rewriter.wrap()
    }

    /// careleaf: the exclude selectors the parser matches itself
    /// (`SimpleSelector`) exclude what lol_html excludes with the same
    /// selectors written so that it matches them (`*.cta` for `.cta`).
    #[test]
    fn simple_exclude_selectors_match_as_lol_html_does() {
        let simple = [".cta", "nav", "[data-x]", "#top", "div.cta", "p.a.b", "aside[data-y]"];
        let by_lol_html = [
            "*.cta",
            "nav:not(.zz-never)",
            "*[data-x]",
            "*#top",
            "div.cta:not(.zz-never)",
            "p.a.b:not(.zz-never)",
            "aside[data-y]:not(.zz-never)",
        ];
        for s in simple {
            assert!(SimpleSelector::parse(s).is_some(), "{s}");
        }
        for s in by_lol_html {
            assert!(SimpleSelector::parse(s).is_none(), "{s}");
        }
        let pages = [
            vec!["<p>Kept</p>", "<div class='x cta y'>Dropped</div>", "<div class='CTA'>Kept</div>"],
            vec!["<DIV CLASS='cta'>Dropped</DIV>", "<p class='cta-band'>Kept</p>", "<p class=\"a\tcta\">Dropped</p>"],
            vec!["<nav>Dropped</nav>", "<NAV>Dropped</NAV>", "<navx>Kept</navx>"],
            vec!["<p data-x>Dropped</p>", "<p DATA-X='1'>Dropped</p>", "<p data-xy>Kept</p>"],
            vec!["<p id='top'>Dropped</p>", "<p id='Top'>Kept</p>", "<p id='top x'>Kept</p>"],
            vec!["<span class='cta'>a</span><div class='cta'>b</div>", "<p class='a'>Kept</p>", "<p class='b a'>Dropped</p>"],
            vec!["<p>Line<br class='cta'>two</p>", "<p>After</p>", "<aside data-y>Dropped</aside>"],
            vec!["<section id='s' data-pagefind-title='T'><h2 class='cta'>H</h2><p>Body</p></section>"],
        ];
        for page in pages {
            let a = test_parse_with_exclusions(page.clone(), &simple);
            let b = test_parse_with_exclusions(page.clone(), &by_lol_html);
            assert_eq!(format!("{a:?}"), format!("{b:?}"), "{page:?}");
        }
        let page = vec!["<p>Kept</p>", "<div class='x cta y'>Dropped</div>", "<nav>Dropped</nav>"];
        assert_eq!(test_parse_with_exclusions(page, &simple).digest, "Kept.");
    }

    #[test]
    fn simple_selectors_parse() {
        assert_eq!(
            SimpleSelector::parse("div.a#b[DATA-c].d"),
            Some(SimpleSelector {
                tag: Some("div".into()),
                ids: vec!["b".into()],
                classes: vec!["a".into(), "d".into()],
                attributes: vec!["data-c".into()],
            })
        );
        for not_simple in ["", "div .a", ".a,.b", "Div", ".1a", "[a=b]", "[a", ".a:hover", "*", "a > b", "h1."] {
            assert_eq!(SimpleSelector::parse(not_simple), None, "{not_simple:?}");
        }
    }

    #[test]
    fn sentence_chars_match_the_regex() {
        for c in (0..0x3000u32).filter_map(char::from_u32).chain(['\u{200C}', '\u{1F600}', '\u{10FFFF}']) {
            assert_eq!(is_sentence_char(c), SENTENCE_CHARS.is_match(&c.to_string()), "{c:?}");
        }
    }

    /// careleaf: an element ID skips `ALL_SPACES` when no character is
    /// `char::is_whitespace`; that is every character the regex matches.
    #[test]
    fn id_white_space_is_what_the_regex_removes() {
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            assert_eq!(c.is_whitespace(), ALL_SPACES.is_match(c.encode_utf8(&mut [0; 4])), "{c:?}");
        }
    }

    /// careleaf: exclude selectors of a tag, a class, an ID and an
    /// attribute, in any order (see `SimpleSelector::any_matches`).
    #[test]
    fn exclusions_by_tag_and_by_attribute() {
        let data = test_parse_with_exclusions(
            vec![
                "<div class=\"x\">class x</div><aside>aside</aside><p id=\"y\">id y</p>",
                "<span data-z>attr z</span><aside class=\"keep\">aside kept?</aside>",
                "<b class=\"x y\">two classes</b><i>kept</i>",
            ],
            &[".x", "aside", "#y", "[data-z]", "p.none"],
        );
        assert_eq!(data.digest, "___PAGEFIND_ANCHOR___p:0:y kept");
    }

    #[test]
    fn unsupported_exclude_selector_does_not_halt_indexing() {
        let data = test_parse_with_exclusions(
            vec!["<p>Kept</p>", "<div class='ad'>Dropped</div>"],
            &[":not(.a b)", ".ad"],
        );

        assert_eq!(data.digest, "Kept.");
    }

    #[test]
    fn words_weights() {
        let data = test_parse(vec![
            "<p>Weight one</p>",
            "<p data-pagefind-weight='2'>Weight two</p>",
        ]);

        assert_eq!(
            data.digest,
            "Weight one. ___PAGEFIND_WEIGHT___2 Weight two. ___END_PAGEFIND_WEIGHT___"
        )
    }

    #[test]
    fn words_ids() {
        let data = test_parse(vec![
            "<p>Sentence one</p>",
            "<br id='break' />",
            "<p id='pid'>Sentence two</p>",
        ]);

        assert_eq!(
            data.digest,
            "Sentence one. ___PAGEFIND_ANCHOR___br:0:break ___PAGEFIND_ANCHOR___p:1:pid Sentence two."
        )
    }

    #[test]
    fn explicit_anchor_titles() {
        let data = test_parse(vec![
            "<section id='usage' data-pagefind-title='Installation &amp; Usage'>",
            "<h2>Installation and usage</h2>",
            "</section>",
        ]);

        assert_eq!(
            data.anchor_titles.get("0:usage"),
            Some(&"Installation & Usage".to_owned())
        );
    }

    #[test]
    fn block_tag_formatting() {
        let data = test_parse(vec![
            "<p>Sentences should have periods</p>",
            "<p>Unless one exists.</p>",
            "<div>Or it ends with punctuation:</div>",
            "<article>Except for 'quotes'</article>",
        ]);

        assert_eq!(
            data.digest,
            "Sentences should have periods. Unless one exists. Or it ends with punctuation: Except for 'quotes'."
        )
    }

    #[test]
    fn inline_tag_formatting() {
        let data = test_parse(vec![
            "<p>Inline tags like <span>span</span>",
            " and <b>bol",
            "d</b> shouldn't have periods</p>",
            "<p>And should n<i>o</i>t add any space.</p>",
        ]);

        assert_eq!(
            data.digest,
            "Inline tags like span and bold shouldn't have periods. And should not add any space."
        )
    }

    #[test]
    fn ignored_elements() {
        let data = test_parse(vec![
            "<p>Elements like:</p>",
            "<form>Should <b>not</b> be indexed</form>",
            "<p>forms</p>",
            "<div> As well as <div data-pagefind-ignore=''>",
            "Manually ignored <p>Elements</p></div>",
            "*crickets*</div>",
        ]);

        assert_eq!(data.digest, "Elements like: forms. As well as *crickets*.");
    }

    #[test]
    fn return_metadata() {
        let data = test_raw_parse(vec![
            "<html><head>",
            "<meta data-pagefind-meta='image[content]' content='/kitty.jpg' property='og:image'>",
            "</head><body>",
            "<div data-pagefind-meta='type:post'></div>",
            "<h1 data-pagefind-meta='headline'>Hello World</h1>",
            "<div>This post is <span data-pagefind-meta='adj'>hella</span> good.</div>",
            "<img data-pagefind-meta='hero[src]' src='/huzzah.png'>",
            "</body></html>",
        ]);

        assert_eq!(data.meta.get("image"), Some(&"/kitty.jpg".to_owned()));
        assert_eq!(data.meta.get("type"), Some(&"post".to_owned()));
        assert_eq!(data.meta.get("headline"), Some(&"Hello World".to_owned()));
        assert_eq!(data.meta.get("adj"), Some(&"hella".to_owned()));
        assert_eq!(data.meta.get("hero"), Some(&"/huzzah.png".to_owned()));
    }

    #[test]
    fn auto_image_metadata_decodes_entities() {
        let data = test_parse(vec![
            "<h1>Hello World</h1>",
            "<img src='/cat.png?width=400&amp;format=webp' alt='Cat &amp; dog'>",
        ]);

        assert_eq!(
            data.meta.get("image"),
            Some(&"/cat.png?width=400&format=webp".to_owned())
        );
        assert_eq!(data.meta.get("image_alt"), Some(&"Cat & dog".to_owned()));
    }

    #[test]
    fn return_complex_metadata() {
        let data = test_raw_parse(vec![
            "<html><body>",
            "<img data-pagefind-meta='cat[src], cat-alt[alt]' src='/cat.png' alt='cat pic'>",
            "<h1 class='why?' data-pagefind-meta='headline, classname[class]'>Hello World</h1>",
            "<div data-pagefind-meta='self[data-pagefind-meta], type:post'></div>",
            "<div data-pagefind-meta='incorrect:post, self[data-pagefind-meta]'></div>",
            "</body></html>",
        ]);

        assert_eq!(data.meta.get("cat"), Some(&"/cat.png".to_owned()));
        assert_eq!(data.meta.get("cat-alt"), Some(&"cat pic".to_owned()));
        assert_eq!(data.meta.get("headline"), Some(&"Hello World".to_owned()));
        assert_eq!(data.meta.get("classname"), Some(&"why?".to_owned()));
        assert_eq!(
            data.meta.get("self"),
            Some(&"self[data-pagefind-meta], type:post".to_owned())
        );
        assert_eq!(data.meta.get("type"), Some(&"post".to_owned()));
        assert_eq!(
            data.meta.get("incorrect"),
            Some(&"post, self[data-pagefind-meta]".to_owned())
        );
    }
}
