//! What search engines and social sites read: JSON-LD structured data, the
//! sitemap, the Atom feed, and redirect pages for old URLs.
//!
//! Owns the schema.org mapping (`MedicalWebPage`, `MedicalProcedure`,
//! `MedicalClinic`, `FAQPage`, `BreadcrumbList`). Pure string building: no IO,
//! no clock (dates come from front matter, so output is reproducible).

use rayon::prelude::*;
use serde::Serialize;
use serde_json::{Value, json};

use crate::config::{Config, Treatment};
use crate::markdown::escape_attr;
use crate::model::{PageKind, Question, Site};
use crate::render::PageCtx;

/// Serialises JSON-LD for a `<script>` element: `</` cannot close it early.
pub fn script_json(v: &impl Serialize) -> String {
    let json = serde_json::to_string(v).unwrap_or_default();
    // Almost no page has `</` in its data: skip the copy `replace` makes.
    if json.contains("</") {
        json.replace("</", "<\\/")
    } else {
        json
    }
}

// The JSON-LD nodes as typed structs rather than `json!` trees: building a
// `serde_json::Value` map per node and page was 4% of a build's instructions
// (issue 8). Fields are declared in the byte order of their names, so they
// come out in the order a `Value` map (sorted keys) writes them: the output
// is the same bytes (`seo::tests::jsonld_keys_come_out_sorted` checks it).

/// `{"@context": "https://schema.org", "@graph": [...]}`.
#[derive(Serialize)]
struct Graph<'a> {
    #[serde(rename = "@context")]
    context: &'static str,
    #[serde(rename = "@graph")]
    graph: Vec<Node<'a>>,
}

impl<'a> Graph<'a> {
    fn of(graph: Vec<Node<'a>>) -> String {
        script_json(&Graph {
            context: "https://schema.org",
            graph,
        })
    }
}

/// One node of a page's `@graph`.
#[derive(Serialize)]
#[serde(untagged)]
enum Node<'a> {
    Page(Box<PageNode<'a>>),
    Generated(GeneratedNode<'a>),
    Site(SiteNode<'a>),
    ClinicRef(ClinicRef<'a>),
    Crumbs(Breadcrumbs<'a>),
    Value(Value),
}

/// `{"@id": ...}`: a reference to a node described elsewhere.
#[derive(Serialize)]
struct IdRef {
    #[serde(rename = "@id")]
    id: String,
}

fn is_empty(s: &&str) -> bool {
    s.is_empty()
}

#[derive(Serialize)]
struct PageNode<'a> {
    #[serde(rename = "@id")]
    id: &'a str,
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    about: Option<&'a ProcedureNode<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    author: Vec<PersonNode<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    citation: Vec<CitationNode<'a>>,
    #[serde(rename = "dateModified", skip_serializing_if = "is_empty")]
    date_modified: &'a str,
    #[serde(rename = "datePublished", skip_serializing_if = "is_empty")]
    date_published: &'a str,
    #[serde(skip_serializing_if = "is_empty")]
    description: &'a str,
    headline: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<String>,
    #[serde(rename = "inLanguage")]
    in_language: &'a str,
    #[serde(rename = "lastReviewed", skip_serializing_if = "is_empty")]
    last_reviewed: &'a str,
    #[serde(rename = "mainEntity", skip_serializing_if = "Option::is_none")]
    main_entity: Option<&'a ProcedureNode<'a>>,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    publisher: Option<IdRef>,
    #[serde(rename = "reviewedBy", skip_serializing_if = "Option::is_none")]
    reviewed_by: Option<PersonNode<'a>>,
    url: &'a str,
}

/// A generated page (benefits, tags, search, 404): every field always.
#[derive(Serialize)]
struct GeneratedNode<'a> {
    #[serde(rename = "@id")]
    id: &'a str,
    #[serde(rename = "@type")]
    kind: &'static str,
    description: &'a str,
    #[serde(rename = "inLanguage")]
    in_language: &'a str,
    name: &'a str,
    url: &'a str,
}

#[derive(Serialize)]
struct SiteNode<'a> {
    #[serde(rename = "@id")]
    id: String,
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "is_empty")]
    description: &'a str,
    #[serde(rename = "inLanguage")]
    in_language: &'a str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    publisher: Option<IdRef>,
    url: &'a str,
}

/// The clinic on pages other than the home page: enough to resolve the
/// `publisher` reference.
#[derive(Serialize)]
struct ClinicRef<'a> {
    #[serde(rename = "@id")]
    id: String,
    #[serde(rename = "@type")]
    kind: &'static str,
    name: &'a str,
    url: &'a str,
}

#[derive(Serialize)]
struct Breadcrumbs<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(rename = "itemListElement")]
    items: Vec<ListItem<'a>>,
}

#[derive(Serialize)]
struct ListItem<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    item: std::borrow::Cow<'a, str>,
    name: &'a str,
    position: usize,
}

#[derive(Serialize)]
struct PersonNode<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(rename = "hasCredential", skip_serializing_if = "Vec::is_empty")]
    has_credential: Vec<NamedNode<'a>>,
    #[serde(skip_serializing_if = "is_empty")]
    identifier: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<String>,
    #[serde(rename = "jobTitle", skip_serializing_if = "is_empty")]
    job_title: &'a str,
    name: &'a str,
}

/// `{"@type": ..., "name": ...}`.
#[derive(Serialize)]
struct NamedNode<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    name: &'a str,
}

#[derive(Serialize)]
struct ProcedureNode<'a> {
    #[serde(rename = "@id")]
    id: String,
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(rename = "bodyLocation", skip_serializing_if = "Option::is_none")]
    body_location: Option<&'a str>,
    #[serde(skip_serializing_if = "is_empty")]
    description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    followup: Option<&'a str>,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    preparation: Option<&'a str>,
    #[serde(rename = "procedureType", skip_serializing_if = "Option::is_none")]
    procedure_type: Option<String>,
}

#[derive(Serialize)]
struct CitationNode<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(rename = "creditText", skip_serializing_if = "is_empty")]
    credit_text: &'a str,
    #[serde(rename = "datePublished", skip_serializing_if = "is_empty")]
    date_published: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    identifier: Vec<PropertyNode<'a>>,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    publisher: Option<NamedNode<'a>>,
    #[serde(skip_serializing_if = "is_empty")]
    url: &'a str,
}

#[derive(Serialize)]
struct PropertyNode<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(rename = "propertyID")]
    property_id: &'static str,
    value: &'a str,
}

fn breadcrumbs<'a>(ctx: &'a PageCtx, config: &Config) -> Breadcrumbs<'a> {
    let mut items: Vec<ListItem<'a>> = ctx
        .breadcrumbs
        .iter()
        .enumerate()
        .map(|(i, c)| ListItem {
            kind: "ListItem",
            item: absolute(config, &c.url).into(),
            name: &c.name,
            position: i + 1,
        })
        .collect();
    items.push(ListItem {
        kind: "ListItem",
        item: ctx.permalink.as_str().into(),
        name: &ctx.title,
        position: items.len() + 1,
    });
    Breadcrumbs {
        kind: "BreadcrumbList",
        items,
    }
}

/// Turns a base-path URL (`/skin/a/`) into an absolute one.
pub fn absolute(config: &Config, url: &str) -> String {
    if url.starts_with("http://") || url.starts_with("https://") {
        return url.to_string();
    }
    let rest = url
        .strip_prefix(&config.base_path)
        .unwrap_or(url.trim_start_matches('/'));
    config.permalink(rest)
}

fn person<'a>(p: &'a crate::render::PersonCtx, config: &Config) -> PersonNode<'a> {
    PersonNode {
        kind: "Person",
        has_credential: p
            .credential_list
            .iter()
            .map(|c| NamedNode {
                kind: "EducationalOccupationalCredential",
                name: c,
            })
            .collect(),
        identifier: &p.registration,
        image: (!p.photo.is_empty()).then(|| absolute(config, &p.photo)),
        job_title: &p.role,
        name: &p.name,
    }
}

fn clinic(config: &Config) -> Option<Value> {
    let c = config.site.clinic.as_ref()?;
    let mut v = json!({
        "@type": "MedicalClinic",
        "@id": format!("{}#clinic", config.base_url),
        "name": c.name,
        "url": config.base_url,
    });
    let a = &c.address;
    if !a.street.is_empty() || !a.locality.is_empty() {
        v["address"] = json!({
            "@type": "PostalAddress",
            "streetAddress": a.street,
            "addressLocality": a.locality,
            "addressRegion": a.region,
            "postalCode": a.postal_code,
            "addressCountry": a.country,
        });
    }
    if let Some(p) = &c.phone {
        v["telephone"] = json!(p);
    }
    if let Some(e) = &c.email {
        v["email"] = json!(e);
    }
    if !c.opening_hours.is_empty() {
        v["openingHours"] = json!(c.opening_hours);
    }
    if let Some(image) = social_image(config) {
        v["image"] = json!(image);
    }
    Some(v)
}

/// `{"@id": "<base>#clinic"}`, when the site describes its clinic.
fn clinic_ref(config: &Config) -> Option<IdRef> {
    config.site.clinic.as_ref().map(|_| IdRef {
        id: format!("{}#clinic", config.base_url),
    })
}

/// The absolute URL of the default social image, if the site has one.
fn social_image(config: &Config) -> Option<String> {
    config
        .site
        .social_image
        .as_deref()
        .map(|u| absolute(config, &config.url(u)))
}

fn procedure<'a>(t: &'a Treatment, config: &Config) -> ProcedureNode<'a> {
    ProcedureNode {
        id: format!("{}#treatment-{}", config.base_url, t.slug.value),
        kind: "MedicalProcedure",
        body_location: t.body_location.as_deref(),
        description: &t.summary,
        followup: t.followup.as_deref(),
        name: &t.name,
        preparation: t.preparation.as_deref(),
        procedure_type: t
            .procedure_type
            .as_ref()
            .map(|x| format!("https://schema.org/{x}")),
    }
}

/// JSON-LD for a content page: `MedicalWebPage` for articles, the clinic on
/// the home page, `WebPage` otherwise; always with breadcrumbs.
pub fn page_jsonld(
    site: &Site,
    config: &Config,
    i: usize,
    ctx: &PageCtx,
    treatment: Option<&Treatment>,
) -> String {
    let p = &site.pages[i];
    let kind = if ctx.is_article {
        "MedicalWebPage"
    } else if p.kind == PageKind::Section {
        "CollectionPage"
    } else {
        "WebPage"
    };
    // A section is a collection about the treatment; an article's main
    // subject is the treatment itself.
    let treatment = treatment.map(|t| procedure(t, config));
    let modified = if ctx.updated.is_empty() {
        &ctx.date
    } else {
        &ctx.updated
    };
    let page = PageNode {
        id: &ctx.permalink,
        kind,
        about: treatment.as_ref(),
        author: ctx.authors.iter().map(|a| person(a, config)).collect(),
        citation: ctx.sources.iter().map(citation).collect(),
        date_modified: modified,
        date_published: &ctx.date,
        description: &ctx.description,
        headline: &ctx.title,
        image: social_image(config),
        in_language: &config.site.language,
        last_reviewed: &ctx.last_reviewed,
        main_entity: treatment.as_ref().filter(|_| ctx.is_article),
        name: &ctx.title,
        publisher: clinic_ref(config),
        reviewed_by: ctx.reviewer.as_ref().map(|r| person(r, config)),
        url: &ctx.permalink,
    };
    let mut graph = vec![Node::Page(Box::new(page))];
    if p.kind == PageKind::Home {
        graph.push(Node::Site(SiteNode {
            id: format!("{}#website", config.base_url),
            kind: "WebSite",
            description: &config.site.description,
            in_language: &config.site.language,
            name: &config.site.title,
            publisher: clinic_ref(config),
            url: &config.base_url,
        }));
        if let Some(c) = clinic(config) {
            graph.push(Node::Value(c));
        }
    } else if let Some(c) = &config.site.clinic {
        // Referenced by `publisher`: a minimal node keeps the @id resolvable.
        graph.push(Node::ClinicRef(ClinicRef {
            id: format!("{}#clinic", config.base_url),
            kind: "MedicalClinic",
            name: &c.name,
            url: &config.base_url,
        }));
    }
    // Every page has a trail; the home page's is just itself.
    if !ctx.breadcrumbs.is_empty() || p.kind == PageKind::Home {
        graph.push(Node::Crumbs(breadcrumbs(ctx, config)));
    }
    Graph::of(graph)
}

fn citation(s: &crate::render::SourceCtx) -> CitationNode<'_> {
    CitationNode {
        kind: "CreativeWork",
        credit_text: &s.authors,
        date_published: &s.year,
        identifier: [("DOI", &s.doi), ("PMID", &s.pmid)]
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| PropertyNode {
                kind: "PropertyValue",
                property_id: k,
                value: v,
            })
            .collect(),
        name: &s.title,
        publisher: (!s.publisher.is_empty()).then_some(NamedNode {
            kind: "Organization",
            name: &s.publisher,
        }),
        url: &s.url,
    }
}

/// JSON-LD for generated pages (benefits, tags, search).
pub fn generated_jsonld(config: &Config, ctx: &PageCtx) -> String {
    // Benefit and topic pages list articles; the search page lists results.
    let kind = if ctx.permalink.ends_with("/404.html") {
        "WebPage"
    } else if ctx.permalink.ends_with("/search/") {
        "SearchResultsPage"
    } else {
        "CollectionPage"
    };
    let mut graph = vec![Node::Generated(GeneratedNode {
        id: &ctx.permalink,
        kind,
        description: &ctx.description,
        in_language: &config.site.language,
        name: &ctx.title,
        url: &ctx.permalink,
    })];
    if !ctx.breadcrumbs.is_empty() {
        graph.push(Node::Crumbs(breadcrumbs(ctx, config)));
    }
    Graph::of(graph)
}

/// JSON-LD `FAQPage` whose questions and answers are the visible ones.
pub fn faq_jsonld(config: &Config, ctx: &PageCtx, faq: &[Question]) -> String {
    let entities: Vec<Value> = faq
        .iter()
        .map(|q| {
            json!({
                "@type": "Question",
                "name": q.question,
                "acceptedAnswer": {"@type": "Answer", "text": q.answer_text},
            })
        })
        .collect();
    let graph = vec![
        Node::Value(json!({
            "@type": "FAQPage",
            "@id": ctx.permalink,
            "url": ctx.permalink,
            "name": ctx.title,
            "description": ctx.description,
            "inLanguage": config.site.language,
            "mainEntity": entities,
        })),
        Node::Crumbs(breadcrumbs(ctx, config)),
    ];
    Graph::of(graph)
}

/// Every URL of the site with its last modification date, for the sitemap,
/// in the order of their permalinks (then dates): as (path, date), the
/// permalink being `Config::permalink` of the path. Every permalink starts
/// with the base URL, so paths sort as their permalinks do; sorting
/// thousands of permalinks (base URL and all) and making each before
/// was most of a `serve` rebuild's sitemap (issue 5).
fn sitemap_entries(
    site: &Site,
) -> Vec<(std::borrow::Cow<'_, str>, Option<crate::frontmatter::Date>)> {
    use std::borrow::Cow;
    let mut v = Vec::with_capacity(site.pages.len() + site.benefits.len() + 2);
    for p in &site.pages {
        if p.path == "faq/" {
            continue;
        }
        let last = [
            p.fm.updated,
            p.fm.last_reviewed.as_ref().map(|s| s.value),
            p.fm.date,
        ]
        .into_iter()
        .flatten()
        .max();
        v.push((Cow::Borrowed(sitemap_path(&p.path)), last));
    }
    if !site.benefits.is_empty() {
        v.push((Cow::Borrowed("benefits/"), None));
        for b in site.benefits.keys() {
            v.push((Cow::Owned(format!("benefits/{b}/")), None));
        }
    }
    if !site.faq.is_empty() {
        v.push((Cow::Borrowed("faq/"), None));
    }
    // The date as the sitemap writes it (empty when none) decides ties.
    let iso = |d: &Option<crate::frontmatter::Date>| d.map(|d| d.iso()).unwrap_or_default();
    v.par_sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| iso(&a.1).cmp(&iso(&b.1))));
    v
}

/// What `Config::permalink` appends to the base URL.
fn sitemap_path(path: &str) -> &str {
    path.trim_start_matches('/')
}

/// The most URLs one sitemap file may hold (sitemaps.org).
pub const SITEMAP_LIMIT: usize = 50_000;

/// The sitemap files: `sitemap.xml` alone (a urlset) when the site has at
/// most `limit` URLs, else `sitemap.xml` as a sitemap index of
/// `sitemap-1.xml`, `sitemap-2.xml`, ... of `limit` URLs each. `limit` is
/// `SITEMAP_LIMIT` in a build; tests pass a small one.
pub fn sitemap_files(site: &Site, config: &Config, limit: usize) -> Vec<(String, String)> {
    let entries = sitemap_entries(site);
    let limit = limit.max(1);
    if entries.len() <= limit {
        return vec![("sitemap.xml".to_string(), urlset(config, &entries))];
    }
    let parts: Vec<(String, String)> = entries
        .chunks(limit)
        .enumerate()
        .map(|(n, c)| (format!("sitemap-{}.xml", n + 1), urlset(config, c)))
        .collect();
    let mut index = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for ((name, _), chunk) in parts.iter().zip(entries.chunks(limit)) {
        index.push_str("  <sitemap><loc>");
        index.push_str(&escape_attr(&config.permalink(name)));
        index.push_str("</loc>");
        // ISO dates sort as text: the newest change in this part.
        if let Some(last) = chunk
            .iter()
            .filter_map(|(_, d)| Some(d.as_ref()?.iso()))
            .max()
        {
            index.push_str("<lastmod>");
            index.push_str(&last);
            index.push_str("</lastmod>");
        }
        index.push_str("</sitemap>\n");
    }
    index.push_str("</sitemapindex>\n");
    let mut files = vec![("sitemap.xml".to_string(), index)];
    files.extend(parts);
    files
}

fn urlset(
    config: &Config,
    entries: &[(std::borrow::Cow<'_, str>, Option<crate::frontmatter::Date>)],
) -> String {
    // The base URL of every permalink, escaped once (escaping works
    // character by character, so the parts escape as the whole would).
    let base = escape_attr(&config.permalink(""));
    let mut s = String::with_capacity(entries.len() * (base.len() + 80) + 200);
    s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for (path, lastmod) in entries {
        s.push_str("  <url><loc>");
        s.push_str(&base);
        // Writing into a String cannot fail.
        let _ = pulldown_cmark_escape::escape_html(&mut s, path);
        s.push_str("</loc>");
        if let Some(d) = lastmod {
            s.push_str("<lastmod>");
            s.push_str(&d.iso());
            s.push_str("</lastmod>");
        }
        s.push_str("</url>\n");
    }
    s.push_str("</urlset>\n");
    s
}

/// Whether page `p` can be in the Atom feed: a dated article.
pub fn feed_candidate(p: &crate::model::Page) -> bool {
    p.kind == PageKind::Page && p.fm.date.is_some()
}

/// The Atom feed's order of its candidates (smallest first): newest by
/// update or date, then by URL path.
pub fn feed_order(
    p: &crate::model::Page,
) -> (std::cmp::Reverse<Option<crate::frontmatter::Date>>, &str) {
    (std::cmp::Reverse(p.fm.updated.or(p.fm.date)), &p.path)
}

/// The Atom feed of the newest articles.
pub fn atom(site: &Site, config: &Config) -> String {
    let mut arts: Vec<(usize, &crate::model::Page)> = site
        .pages
        .iter()
        .enumerate()
        .filter(|(_, p)| feed_candidate(p))
        .collect();
    // Feed order, then page order (a total order): selecting the first
    // `feed_limit` and sorting them is sorting them all; sorting every
    // article took milliseconds of a `serve` rebuild (issue 5).
    let order = |a: &(usize, &crate::model::Page), b: &(usize, &crate::model::Page)| {
        feed_order(a.1).cmp(&feed_order(b.1)).then(a.0.cmp(&b.0))
    };
    let limit = config.site.feed_limit;
    if arts.len() > limit {
        arts.select_nth_unstable_by(limit, order);
        arts.truncate(limit);
    }
    arts.sort_by(order);
    let arts: Vec<&crate::model::Page> = arts.into_iter().map(|(_, p)| p).collect();
    let stamp = |d: crate::frontmatter::Date| format!("{}T00:00:00Z", d.iso());
    let updated = arts
        .iter()
        .filter_map(|p| p.fm.updated.or(p.fm.date))
        .max()
        .map_or_else(|| "1970-01-01T00:00:00Z".to_string(), stamp);
    let author = config
        .site
        .clinic
        .as_ref()
        .map_or(config.site.title.as_str(), |c| c.name.as_str());
    let mut s = String::new();
    s.push_str(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\"",
    );
    s.push_str(&format!(
        " xml:lang=\"{}\">\n",
        escape_attr(&config.site.language)
    ));
    s.push_str(&format!(
        "  <title>{}</title>\n",
        escape_attr(&config.site.title)
    ));
    if !config.site.description.is_empty() {
        s.push_str(&format!(
            "  <subtitle>{}</subtitle>\n",
            escape_attr(&config.site.description)
        ));
    }
    s.push_str(&format!("  <id>{}</id>\n", escape_attr(&config.base_url)));
    s.push_str(&format!(
        "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
        escape_attr(&config.base_url)
    ));
    s.push_str(&format!(
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n",
        escape_attr(&config.permalink("atom.xml"))
    ));
    s.push_str(&format!("  <updated>{updated}</updated>\n"));
    s.push_str(&format!(
        "  <author><name>{}</name></author>\n",
        escape_attr(author)
    ));
    s.push_str("  <generator>careleaf</generator>\n");
    for p in arts {
        let url = config.permalink(&p.path);
        let published = p.fm.date.map(stamp).unwrap_or_default();
        let upd = p.fm.updated.or(p.fm.date).map(stamp).unwrap_or_default();
        s.push_str("  <entry>\n");
        s.push_str(&format!("    <title>{}</title>\n", escape_attr(p.title())));
        s.push_str(&format!(
            "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
            escape_attr(&url)
        ));
        s.push_str(&format!("    <id>{}</id>\n", escape_attr(&url)));
        s.push_str(&format!(
            "    <published>{published}</published>\n    <updated>{upd}</updated>\n"
        ));
        // The article's own authors; the feed's author covers the rest.
        for a in &p.fm.authors {
            if let Some(person) = site.data.people.iter().find(|x| x.id.value == a.value) {
                s.push_str(&format!(
                    "    <author><name>{}</name></author>\n",
                    escape_attr(&person.name)
                ));
            }
        }
        for t in &p.fm.tags {
            s.push_str(&format!("    <category term=\"{}\"/>\n", escape_attr(t)));
        }
        if let Some(d) = &p.fm.description {
            s.push_str(&format!("    <summary>{}</summary>\n", escape_attr(d)));
        }
        s.push_str("  </entry>\n");
    }
    s.push_str("</feed>\n");
    s
}

/// A redirect page for an old URL: canonical link plus meta refresh.
pub fn alias_page(target: &str, lang: &str) -> String {
    let t = escape_attr(target);
    format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<title>Moved</title>\n<meta name=\"robots\" content=\"noindex\">\n<link rel=\"canonical\" href=\"{t}\">\n<meta http-equiv=\"refresh\" content=\"0; url={t}\">\n</head>\n<body>\n<p>This page has moved to <a href=\"{t}\">{t}</a>.</p>\n</body>\n</html>\n",
        escape_attr(lang)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_json_cannot_close_its_script_element() {
        let v = json!({"name": "Before </script><script>alert(1)</script> after", "n": 1});
        let s = script_json(&v);
        assert!(!s.contains("</"), "{s}");
        // Still the same JSON once parsed.
        assert_eq!(serde_json::from_str::<Value>(&s).ok(), Some(v));
        let plain = json!({"name": "a < b / c"});
        assert_eq!(
            script_json(&plain),
            serde_json::to_string(&plain).unwrap_or_default()
        );
    }
}
