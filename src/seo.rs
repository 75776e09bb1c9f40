//! What search engines and social sites read: JSON-LD structured data, the
//! sitemap, the Atom feed, and redirect pages for old URLs.
//!
//! Owns the schema.org mapping (`MedicalWebPage`, `MedicalProcedure`,
//! `MedicalClinic`, `FAQPage`, `BreadcrumbList`). Pure string building: no IO,
//! no clock (dates come from front matter, so output is reproducible).

use serde_json::{Value, json};

use crate::config::{Config, Treatment};
use crate::markdown::escape_attr;
use crate::model::{PageKind, Question, Site};
use crate::render::PageCtx;

/// Serialises JSON-LD for a `<script>` element: `</` cannot close it early.
pub fn script_json(v: &Value) -> String {
    let json = serde_json::to_string(v).unwrap_or_default();
    // Almost no page has `</` in its data: skip the copy `replace` makes.
    if json.contains("</") {
        json.replace("</", "<\\/")
    } else {
        json
    }
}

fn breadcrumbs(ctx: &PageCtx, config: &Config) -> Value {
    let mut items: Vec<Value> = Vec::new();
    for (i, c) in ctx.breadcrumbs.iter().enumerate() {
        items.push(json!({"@type": "ListItem", "position": i + 1, "name": c.name, "item": absolute(config, &c.url)}));
    }
    items.push(json!({"@type": "ListItem", "position": items.len() + 1, "name": ctx.title, "item": ctx.permalink}));
    json!({"@type": "BreadcrumbList", "itemListElement": items})
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

fn person(p: &crate::render::PersonCtx, config: &Config) -> Value {
    let mut v = json!({"@type": "Person", "name": p.name});
    if !p.role.is_empty() {
        v["jobTitle"] = json!(p.role);
    }
    if !p.registration.is_empty() {
        v["identifier"] = json!(p.registration);
    }
    if !p.photo.is_empty() {
        v["image"] = json!(absolute(config, &p.photo));
    }
    if !p.credential_list.is_empty() {
        v["hasCredential"] = Value::Array(
            p.credential_list
                .iter()
                .map(|c| json!({"@type": "EducationalOccupationalCredential", "name": c}))
                .collect(),
        );
    }
    v
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

/// The absolute URL of the default social image, if the site has one.
fn social_image(config: &Config) -> Option<String> {
    config
        .site
        .social_image
        .as_deref()
        .map(|u| absolute(config, &config.url(u)))
}

fn procedure(t: &Treatment, config: &Config) -> Value {
    let mut v = json!({
        "@type": "MedicalProcedure",
        "@id": format!("{}#treatment-{}", config.base_url, t.slug.value),
        "name": t.name,
    });
    if !t.summary.is_empty() {
        v["description"] = json!(t.summary);
    }
    if let Some(x) = &t.procedure_type {
        v["procedureType"] = json!(format!("https://schema.org/{x}"));
    }
    if let Some(x) = &t.body_location {
        v["bodyLocation"] = json!(x);
    }
    if let Some(x) = &t.preparation {
        v["preparation"] = json!(x);
    }
    if let Some(x) = &t.followup {
        v["followup"] = json!(x);
    }
    v
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
    let mut graph: Vec<Value> = Vec::new();
    let kind = if ctx.is_article {
        "MedicalWebPage"
    } else if p.kind == PageKind::Section {
        "CollectionPage"
    } else {
        "WebPage"
    };
    let mut page = json!({
        "@type": kind,
        "@id": ctx.permalink,
        "url": ctx.permalink,
        "name": ctx.title,
        "headline": ctx.title,
        "inLanguage": config.site.language,
    });
    if !ctx.description.is_empty() {
        page["description"] = json!(ctx.description);
    }
    if let Some(image) = social_image(config) {
        page["image"] = json!(image);
    }
    if !ctx.date.is_empty() {
        page["datePublished"] = json!(ctx.date);
    }
    let modified = if ctx.updated.is_empty() {
        &ctx.date
    } else {
        &ctx.updated
    };
    if !modified.is_empty() {
        page["dateModified"] = json!(modified);
    }
    if !ctx.last_reviewed.is_empty() {
        page["lastReviewed"] = json!(ctx.last_reviewed);
    }
    if !ctx.authors.is_empty() {
        page["author"] = Value::Array(ctx.authors.iter().map(|a| person(a, config)).collect());
    }
    if let Some(r) = &ctx.reviewer {
        page["reviewedBy"] = person(r, config);
    }
    if let Some(t) = treatment {
        let proc_ = procedure(t, config);
        // A section is a collection about the treatment; an article's main
        // subject is the treatment itself.
        if ctx.is_article {
            page["mainEntity"] = proc_.clone();
        }
        page["about"] = proc_;
    }
    if !ctx.sources.is_empty() {
        page["citation"] = Value::Array(
            ctx.sources
                .iter()
                .map(|s| {
                    let mut c = json!({"@type": "CreativeWork", "name": s.title});
                    if !s.url.is_empty() {
                        c["url"] = json!(s.url);
                    }
                    if !s.publisher.is_empty() {
                        c["publisher"] = json!({"@type": "Organization", "name": s.publisher});
                    }
                    if !s.year.is_empty() {
                        c["datePublished"] = json!(s.year);
                    }
                    if !s.authors.is_empty() {
                        c["creditText"] = json!(s.authors);
                    }
                    let ids: Vec<Value> = [("DOI", &s.doi), ("PMID", &s.pmid)]
                        .into_iter()
                        .filter(|(_, v)| !v.is_empty())
                        .map(
                            |(k, v)| json!({"@type": "PropertyValue", "propertyID": k, "value": v}),
                        )
                        .collect();
                    if !ids.is_empty() {
                        c["identifier"] = Value::Array(ids);
                    }
                    c
                })
                .collect(),
        );
    }
    if config.site.clinic.is_some() {
        page["publisher"] = json!({"@id": format!("{}#clinic", config.base_url)});
    }
    graph.push(page);
    if p.kind == PageKind::Home {
        let mut site_node = json!({
            "@type": "WebSite",
            "@id": format!("{}#website", config.base_url),
            "url": config.base_url,
            "name": config.site.title,
            "inLanguage": config.site.language,
        });
        if !config.site.description.is_empty() {
            site_node["description"] = json!(config.site.description);
        }
        if config.site.clinic.is_some() {
            site_node["publisher"] = json!({"@id": format!("{}#clinic", config.base_url)});
        }
        graph.push(site_node);
    }
    if p.kind == PageKind::Home
        && let Some(c) = clinic(config)
    {
        graph.push(c);
    } else if let Some(c) = clinic(config) {
        // Referenced by `publisher`: a minimal node keeps the @id resolvable.
        graph.push(
            json!({"@type": "MedicalClinic", "@id": c["@id"], "name": c["name"], "url": c["url"]}),
        );
    }
    // Every page has a trail; the home page's is just itself.
    if !ctx.breadcrumbs.is_empty() || p.kind == PageKind::Home {
        graph.push(breadcrumbs(ctx, config));
    }
    script_json(&json!({"@context": "https://schema.org", "@graph": graph}))
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
    let mut graph = vec![json!({
        "@type": kind,
        "@id": ctx.permalink,
        "url": ctx.permalink,
        "name": ctx.title,
        "description": ctx.description,
        "inLanguage": config.site.language,
    })];
    if !ctx.breadcrumbs.is_empty() {
        graph.push(breadcrumbs(ctx, config));
    }
    script_json(&json!({"@context": "https://schema.org", "@graph": graph}))
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
        json!({
            "@type": "FAQPage",
            "@id": ctx.permalink,
            "url": ctx.permalink,
            "name": ctx.title,
            "description": ctx.description,
            "inLanguage": config.site.language,
            "mainEntity": entities,
        }),
        breadcrumbs(ctx, config),
    ];
    script_json(&json!({"@context": "https://schema.org", "@graph": graph}))
}

/// Every URL of the site with its last modification date, for the sitemap.
fn sitemap_entries(site: &Site, config: &Config) -> Vec<(String, String)> {
    let mut v = Vec::new();
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
        v.push((
            config.permalink(&p.path),
            last.map(|d| d.iso()).unwrap_or_default(),
        ));
    }
    if !site.benefits.is_empty() {
        v.push((config.permalink("benefits/"), String::new()));
        for b in site.benefits.keys() {
            v.push((config.permalink(&format!("benefits/{b}/")), String::new()));
        }
    }
    if !site.faq.is_empty() {
        v.push((config.permalink("faq/"), String::new()));
    }
    v.sort();
    v
}

/// The most URLs one sitemap file may hold (sitemaps.org).
pub const SITEMAP_LIMIT: usize = 50_000;

/// The sitemap files: `sitemap.xml` alone (a urlset) when the site has at
/// most `limit` URLs, else `sitemap.xml` as a sitemap index of
/// `sitemap-1.xml`, `sitemap-2.xml`, ... of `limit` URLs each. `limit` is
/// `SITEMAP_LIMIT` in a build; tests pass a small one.
pub fn sitemap_files(site: &Site, config: &Config, limit: usize) -> Vec<(String, String)> {
    let entries = sitemap_entries(site, config);
    let limit = limit.max(1);
    if entries.len() <= limit {
        return vec![("sitemap.xml".to_string(), urlset(&entries))];
    }
    let parts: Vec<(String, String)> = entries
        .chunks(limit)
        .enumerate()
        .map(|(n, c)| (format!("sitemap-{}.xml", n + 1), urlset(c)))
        .collect();
    let mut index = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for ((name, _), chunk) in parts.iter().zip(entries.chunks(limit)) {
        index.push_str("  <sitemap><loc>");
        index.push_str(&escape_attr(&config.permalink(name)));
        index.push_str("</loc>");
        // ISO dates sort as text: the newest change in this part.
        if let Some(last) = chunk.iter().map(|(_, d)| d).filter(|d| !d.is_empty()).max() {
            index.push_str("<lastmod>");
            index.push_str(last);
            index.push_str("</lastmod>");
        }
        index.push_str("</sitemap>\n");
    }
    index.push_str("</sitemapindex>\n");
    let mut files = vec![("sitemap.xml".to_string(), index)];
    files.extend(parts);
    files
}

fn urlset(entries: &[(String, String)]) -> String {
    let mut s = String::with_capacity(entries.len() * 100 + 200);
    s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for (loc, lastmod) in entries {
        s.push_str("  <url><loc>");
        s.push_str(&escape_attr(loc));
        s.push_str("</loc>");
        if !lastmod.is_empty() {
            s.push_str("<lastmod>");
            s.push_str(lastmod);
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
    let mut arts: Vec<&crate::model::Page> =
        site.pages.iter().filter(|p| feed_candidate(p)).collect();
    arts.sort_by(|a, b| feed_order(a).cmp(&feed_order(b)));
    arts.truncate(config.site.feed_limit);
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
