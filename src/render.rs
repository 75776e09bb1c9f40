//! Rendering: `&Site` to output files through Tera templates with typed
//! contexts.
//!
//! Owns the template contexts (what a theme can use, documented in
//! `docs/templates.md`) and the list of pages a site produces. Produces
//! `(path, bytes)` pairs and hands each to a sink; it never touches the disk.

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Tera};

use crate::config::{Config, Person, Treatment};
use crate::diag::Error;
use crate::markdown::{self, TocEntry};
use crate::model::{Page, PageKind, Question, Site, slugify};
use crate::seo;
use crate::theme::Theme;

/// One file of the built site.
#[derive(Debug, Clone)]
pub struct OutputFile {
    /// Path relative to the output folder (`a/index.html`).
    pub path: String,
    /// Contents.
    pub bytes: Vec<u8>,
}

/// One unit of rendering work. `Renderer::jobs` lists them; each produces
/// a fixed set of files, so a job can be re-run on its own.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Job {
    /// A content page by index: its page (all pagination pages of a
    /// section) and its alias redirects.
    Page(usize),
    /// `benefits/index.html`.
    BenefitsIndex,
    /// `benefits/<slug>/index.html`, then `benefits/<slug>/page/2/index.html`, ...
    Benefit(String),
    /// `faq/index.html`.
    Faq,
    /// `tags/index.html`.
    TagsIndex,
    /// `tags/<slug>/index.html` for a tag name.
    Tag(String),
    /// `search/index.html`.
    Search,
    /// `404.html`.
    NotFound,
    /// `index.html` of a site without `content/_index.md`, so `/` and the
    /// "Home" breadcrumb never lead to a 404. See: issue 2.
    Home,
    /// Sitemaps, the Atom feed, `robots.txt`, `.nojekyll` and `CNAME`.
    Feeds,
}

/// A link with a name.
#[derive(Debug, Clone, Serialize)]
pub struct LinkCtx {
    /// Text.
    pub name: String,
    /// URL with base path.
    pub url: String,
}

/// A person as templates see it.
#[derive(Debug, Clone, Serialize)]
pub struct PersonCtx {
    /// Id.
    pub id: String,
    /// Full name.
    pub name: String,
    /// Qualifications joined (`MBBS, MRCP`).
    pub credentials: String,
    /// Qualifications as a list.
    pub credential_list: Vec<String>,
    /// Job title.
    pub role: String,
    /// Registration number.
    pub registration: String,
    /// Biography.
    pub bio: String,
    /// Photo URL or empty.
    pub photo: String,
}

/// A treatment as templates see it.
#[derive(Debug, Clone, Serialize)]
pub struct TreatmentCtx {
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// One sentence.
    pub summary: String,
    /// URL of the treatment's section, if one has this treatment.
    pub url: String,
}

/// A cited source.
#[derive(Debug, Clone, Serialize)]
pub struct SourceCtx {
    /// Title.
    pub title: String,
    /// Authors.
    pub authors: String,
    /// Publisher or journal.
    pub publisher: String,
    /// Year or empty.
    pub year: String,
    /// Link: the URL, else the DOI, else PubMed.
    pub url: String,
    /// DOI or empty.
    pub doi: String,
    /// PubMed id or empty.
    pub pmid: String,
}

/// A question as templates see it.
#[derive(Debug, Clone, Serialize)]
pub struct QuestionCtx {
    /// Anchor id.
    pub id: String,
    /// The question.
    pub question: String,
    /// Answer HTML.
    pub answer: String,
    /// Where it came from (empty for standalone questions).
    pub source_url: String,
    /// Title of the source page.
    pub source_title: String,
    /// Topic.
    pub topic: String,
}

/// A page in a list.
#[derive(Debug, Clone, Serialize)]
pub struct SummaryCtx {
    /// Title.
    pub title: String,
    /// URL.
    pub url: String,
    /// Description.
    pub description: String,
    /// `2026-03-02` or empty.
    pub date: String,
    /// `2 March 2026` or empty.
    pub date_display: String,
    /// Minutes.
    pub reading_time: usize,
    /// Treatment name or empty.
    pub treatment: String,
}

/// A section of an article that discusses a benefit.
#[derive(Debug, Clone, Serialize)]
pub struct SectionRefCtx {
    /// Page title.
    pub page_title: String,
    /// Heading text, or empty for a page-level tag.
    pub heading: String,
    /// Deep link.
    pub url: String,
    /// A short excerpt.
    pub excerpt: String,
}

/// A benefit as templates see it.
#[derive(Debug, Clone, Serialize)]
pub struct BenefitCtx {
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// Summary sentence.
    pub summary: String,
    /// The benefit page.
    pub url: String,
    /// Rendered body text (empty on list pages after the first).
    pub body: String,
    /// Treatments that offer it (empty on list pages after the first).
    pub treatments: Vec<LinkCtx>,
    /// Sections grouped by treatment name ("General" last): those of this
    /// list page on the benefit's page.
    pub groups: Vec<BenefitGroupCtx>,
    /// Number of sections and pages.
    pub count: usize,
    /// How many of them `groups` holds: those of the list page on the
    /// benefit's page (`paginate_by` at most), at most
    /// `BENEFITS_INDEX_PREVIEW` on the benefits index.
    pub shown: usize,
}

/// Sections and pages the benefits index lists under each benefit; the
/// benefit's own page lists them all, `paginate_by` a list page. Listing
/// every one made the index grow with the site (8.7 MB at 10,000 articles,
/// issue 8).
pub const BENEFITS_INDEX_PREVIEW: usize = 6;

/// Sections of one treatment for a benefit.
#[derive(Debug, Clone, Serialize)]
pub struct BenefitGroupCtx {
    /// Treatment name.
    pub treatment: String,
    /// True when the group began on the previous list page.
    pub continued: bool,
    /// Sections: `SectionRefCtx` values, made once per entry
    /// (`Renderer::benefit_entry`).
    pub sections: Vec<Summary>,
}

/// One list page of a benefit's page: which entries it shows, in display
/// order (`Renderer::benefit_layout`). With the site's configuration and
/// the entries' own text, it is all that decides the list page's bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BenefitListPage {
    /// Slugs of the treatments that offer the benefit, on the first list
    /// page; empty on the others.
    pub treatments: Vec<String>,
    /// The entries, by treatment group.
    pub groups: Vec<BenefitListGroup>,
}

/// The entries of one treatment group on one list page of a benefit.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BenefitListGroup {
    /// Treatment name ("General" for pages with none).
    pub treatment: String,
    /// True when the group began on the previous list page.
    pub continued: bool,
    /// Where the benefit is discussed.
    pub refs: Vec<crate::model::BenefitRef>,
}

/// The page being rendered.
#[derive(Debug, Clone, Serialize)]
pub struct PageCtx {
    /// `page`, `section` or `home`.
    pub kind: &'static str,
    /// Title.
    pub title: String,
    /// Meta description (page's, else the site's).
    pub description: String,
    /// URL with base path.
    pub url: String,
    /// Absolute URL.
    pub permalink: String,
    /// Body HTML.
    pub content: String,
    /// Dates, ISO and for display; empty when absent.
    pub date: String,
    /// Display form of `date`.
    pub date_display: String,
    /// Last content change.
    pub updated: String,
    /// Display form of `updated`.
    pub updated_display: String,
    /// Last medical review.
    pub last_reviewed: String,
    /// Display form of `last_reviewed`.
    pub last_reviewed_display: String,
    /// Next review due (last review + interval).
    pub next_review: String,
    /// Display form of `next_review`.
    pub next_review_display: String,
    /// Authors.
    pub authors: Vec<PersonCtx>,
    /// Medical reviewer.
    pub reviewer: Option<PersonCtx>,
    /// Treatment.
    pub treatment: Option<TreatmentCtx>,
    /// Benefits the page covers.
    pub benefits: Vec<LinkCtx>,
    /// Tags.
    pub tags: Vec<LinkCtx>,
    /// Sources.
    pub sources: Vec<SourceCtx>,
    /// The page's own questions (front matter `faq`).
    pub faq: Vec<QuestionCtx>,
    /// Related articles by shared benefits.
    pub related: Vec<Summary>,
    /// Minutes to read.
    pub reading_time: usize,
    /// Word count.
    pub word_count: usize,
    /// Table of contents; empty when not shown.
    pub toc: Vec<TocEntry>,
    /// From home to the parent.
    pub breadcrumbs: Vec<LinkCtx>,
    /// True for treatment articles (show the trust furniture).
    pub is_article: bool,
    /// JSON-LD script contents.
    pub jsonld: String,
    /// Front matter `extra`.
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// Pagination of a list.
#[derive(Debug, Clone, Serialize)]
pub struct PaginatorCtx {
    /// 1-based.
    pub current: usize,
    /// Number of pages.
    pub total: usize,
    /// Previous page URL or empty.
    pub previous: String,
    /// Next page URL or empty.
    pub next: String,
}

impl PaginatorCtx {
    /// List page `n` (0-based) of `total`, where list page `k` is at
    /// `url_of(k)`. Sections, tags and benefits paginate alike.
    fn new(n: usize, total: usize, url_of: impl Fn(usize) -> String) -> PaginatorCtx {
        PaginatorCtx {
            current: n + 1,
            total,
            previous: if n > 0 { url_of(n - 1) } else { String::new() },
            next: if n + 1 < total {
                url_of(n + 1)
            } else {
                String::new()
            },
        }
    }
}

/// The site path of list page `n` (0-based) of the list at `base`
/// (`tags/recovery/`): `base` itself, then `base` + `page/2/`, ...
fn list_path(base: &str, n: usize) -> String {
    if n == 0 {
        base.to_string()
    } else {
        format!("{base}page/{}/", n + 1)
    }
}

/// Site-wide values, available in every template as `site`.
#[derive(Debug, Clone, Serialize)]
pub struct SiteCtx {
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Language tag.
    pub language: String,
    /// Absolute base URL.
    pub base_url: String,
    /// Base path (`/` or `/skin/`).
    pub base_path: String,
    /// The clinic (name, address, phone, email, booking_url, opening_hours).
    pub clinic: Option<ClinicCtx>,
    /// Menu with resolved URLs.
    pub menu: Vec<LinkCtx>,
    /// Absolute URL of the default social image or empty.
    pub social_image: String,
    /// Feed URL.
    pub feed_url: String,
    /// Search page URL, empty when search is off.
    pub search_url: String,
    /// Stylesheet URL.
    pub css_url: String,
    /// Review interval in months.
    pub review_interval_months: u32,
    /// Treatments.
    pub treatments: Vec<TreatmentCtx>,
    /// Inject the live-reload script.
    pub live_reload: bool,
    /// `site.yaml` `extra`.
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// The clinic, with the booking URL resolved.
#[derive(Debug, Clone, Serialize)]
pub struct ClinicCtx {
    /// Name.
    pub name: String,
    /// Address lines, in order, non-empty ones only.
    pub address_lines: Vec<String>,
    /// Phone.
    pub phone: String,
    /// `tel:` link.
    pub phone_link: String,
    /// E-mail.
    pub email: String,
    /// Booking URL with base path (or absolute).
    pub booking_url: String,
    /// Opening hours.
    pub opening_hours: Vec<String>,
}

/// Resolves a config URL: absolute stays, `/x/` gets the base path.
pub fn site_url(config: &Config, url: &str) -> String {
    if url.starts_with("http://")
        || url.starts_with("https://")
        || url.starts_with("mailto:")
        || url.starts_with("tel:")
    {
        url.to_string()
    } else {
        config.url(url)
    }
}

fn person_ctx(p: &Person, config: &Config) -> PersonCtx {
    PersonCtx {
        id: p.id.value.clone(),
        name: p.name.clone(),
        credentials: p.credentials.join(", "),
        credential_list: p.credentials.clone(),
        role: p.role.clone().unwrap_or_default(),
        registration: p.registration.clone().unwrap_or_default(),
        bio: p.bio.clone().unwrap_or_default(),
        photo: p
            .photo
            .as_deref()
            .map(|u| site_url(config, u))
            .unwrap_or_default(),
    }
}

/// Everything precomputed once per build that page contexts share.
pub struct Renderer<'a> {
    site: &'a Site,
    config: &'a Config,
    tera: Tera,
    people: HashMap<&'a str, &'a Person>,
    treatments: HashMap<&'a str, &'a Treatment>,
    treatment_urls: HashMap<String, String>,
    benefit_names: HashMap<&'a str, &'a str>,
    related: crate::related::Related,
    /// Per page, its `summary` as a template value, made the first time a
    /// list shows the page: a page appears in several lists (related
    /// articles of others, its section's, tags' and the home page's), and
    /// a value made once is shared by reference (issue 8).
    summaries: Vec<std::sync::OnceLock<tera::Value>>,
    /// Per page, its benefit entries (`benefit_entry`) as template values:
    /// the page itself, then each heading. Kept between `serve` rebuilds
    /// like `summaries` (issue 5).
    benefit_entries: Vec<BenefitEntries>,
    /// Per benefit, its list pages (`benefit_layout`), made once: every
    /// list page `serve` renders alone needs them (issue 5).
    layouts: HashMap<&'a str, std::sync::OnceLock<Vec<BenefitListPage>>>,
    /// Per section, its page context (`page_ctx`), made once for its list
    /// pages `serve` renders alone (issue 5).
    section_ctxs: HashMap<usize, std::sync::OnceLock<PageCtx>>,
    /// `benefit_previews`, made once for the home page and the benefits
    /// index (each goes over every benefit's entries).
    previews: std::sync::OnceLock<Vec<BenefitCtx>>,
    /// Site context, shared.
    pub site_ctx: SiteCtx,
}

/// How a page appears in a list, as the templates see it (`SummaryCtx`).
pub type Summary = tera::Value;

/// The benefit entries of one page as template values (`SectionRefCtx`),
/// made the first time a benefit page shows them: the page itself, then
/// each of its headings.
pub type BenefitEntries = std::sync::OnceLock<Box<[std::sync::OnceLock<tera::Value>]>>;

fn template_error(name: &str, e: tera::Error) -> Error {
    Error::Template {
        name: name.to_string(),
        source: e,
    }
}

impl<'a> Renderer<'a> {
    /// Compiles the theme's templates and precomputes shared values.
    pub fn new(site: &'a Site, config: &'a Config, theme: &Theme) -> Result<Self, Error> {
        Self::with_related(site, config, theme, crate::related::Related::of_site(site))
    }

    /// What the renderer owns (templates, related lists, list summaries),
    /// apart from its borrows of the site. A large site's list summaries
    /// take a while to free (over 10 ms at 10,000 articles): a build hands
    /// them to a thread of their own instead of freeing them on the way out
    /// (issue 8).
    pub fn into_owned(self) -> impl Send + 'static {
        (
            self.tera,
            self.related,
            self.summaries,
            self.benefit_entries,
            self.site_ctx,
            self.treatment_urls,
        )
    }

    /// `new` with the related-articles ranking of `site` computed elsewhere
    /// (`serve` reuses it between rebuilds when no page's benefits, title or
    /// kind changed).
    pub fn with_related(
        site: &'a Site,
        config: &'a Config,
        theme: &Theme,
        related: crate::related::Related,
    ) -> Result<Self, Error> {
        let missing = missing_templates(site, theme, &config.site.theme);
        if !missing.is_empty() {
            return Err(Error::Content {
                count: missing.len(),
                diagnostics: missing,
            });
        }
        let mut tera = Tera::new();
        tera.autoescape_on(vec![".html", ".xml"]);
        tera.add_raw_templates(
            theme
                .templates
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        )
        .map_err(|e| template_error("theme", e))?;
        let people = site
            .data
            .people
            .iter()
            .map(|p| (p.id.value.as_str(), p))
            .collect();
        let treatments = site
            .data
            .treatments
            .iter()
            .map(|t| (t.slug.value.as_str(), t))
            .collect();
        let mut treatment_urls = HashMap::new();
        for p in &site.pages {
            if p.kind == PageKind::Section
                && let Some(t) = &p.fm.treatment
            {
                treatment_urls
                    .entry(t.value.clone())
                    .or_insert_with(|| config.url(&p.path));
            }
        }
        let benefit_names = site
            .data
            .benefits
            .iter()
            .map(|b| (b.slug.value.as_str(), b.name.as_str()))
            .collect();
        let s = &config.site;
        let clinic = s.clinic.as_ref().map(|c| ClinicCtx {
            name: c.name.clone(),
            address_lines: [
                &c.address.street,
                &c.address.locality,
                &c.address.region,
                &c.address.postal_code,
            ]
            .iter()
            .filter(|l| !l.is_empty())
            .map(|l| l.to_string())
            .collect(),
            phone: c.phone.clone().unwrap_or_default(),
            phone_link: c
                .phone
                .as_deref()
                .map(|p| format!("tel:{}", p.replace(' ', "")))
                .unwrap_or_default(),
            email: c.email.clone().unwrap_or_default(),
            booking_url: c
                .booking_url
                .as_deref()
                .map(|u| site_url(config, u))
                .unwrap_or_default(),
            opening_hours: c.opening_hours.clone(),
        });
        let site_ctx = SiteCtx {
            title: s.title.clone(),
            description: s.description.clone(),
            language: s.language.clone(),
            base_url: config.base_url.clone(),
            base_path: config.base_path.clone(),
            clinic,
            menu: s
                .menu
                .iter()
                .map(|m| LinkCtx {
                    name: m.name.clone(),
                    url: site_url(config, &m.url),
                })
                .collect(),
            social_image: s
                .social_image
                .as_deref()
                .map(|u| config.permalink(u))
                .unwrap_or_default(),
            feed_url: config.url("atom.xml"),
            search_url: if s.search {
                config.url("search/")
            } else {
                String::new()
            },
            css_url: config.url("css/careleaf.css"),
            review_interval_months: s.review_interval_months,
            treatments: site
                .data
                .treatments
                .iter()
                .map(|t| TreatmentCtx {
                    slug: t.slug.value.clone(),
                    name: t.name.clone(),
                    summary: t.summary.clone(),
                    url: treatment_urls
                        .get(&t.slug.value)
                        .cloned()
                        .unwrap_or_default(),
                })
                .collect(),
            live_reload: config.live_reload,
            extra: s.extra.clone(),
        };
        tera.global_context().insert("site", &site_ctx);
        Ok(Renderer {
            site,
            config,
            tera,
            people,
            treatments,
            treatment_urls,
            benefit_names,
            related,
            summaries: (0..site.pages.len())
                .map(|_| std::sync::OnceLock::new())
                .collect(),
            benefit_entries: (0..site.pages.len())
                .map(|_| std::sync::OnceLock::new())
                .collect(),
            layouts: site
                .benefits
                .keys()
                .map(|b| (b.as_str(), std::sync::OnceLock::new()))
                .collect(),
            section_ctxs: site
                .pages
                .iter()
                .enumerate()
                .filter(|(_, p)| p.kind == PageKind::Section)
                .map(|(i, _)| (i, std::sync::OnceLock::new()))
                .collect(),
            previews: std::sync::OnceLock::new(),
            site_ctx,
        })
    }

    fn render(&self, template: &str, ctx: &impl Serialize) -> Result<Vec<u8>, Error> {
        let context = Context::from_serialize(ctx).map_err(|e| template_error(template, e))?;
        let mut buf = Vec::with_capacity(16 * 1024);
        self.tera
            .render_to(template, &context, &mut buf)
            .map_err(|e| template_error(template, e))?;
        if self.config.live_reload {
            inject_live_reload(&mut buf, &self.config.url("__careleaf/livereload.js"));
        }
        Ok(buf)
    }

    fn treatment_ctx(&self, slug: &str) -> Option<TreatmentCtx> {
        self.treatments.get(slug).map(|t| TreatmentCtx {
            slug: t.slug.value.clone(),
            name: t.name.clone(),
            summary: t.summary.clone(),
            url: self.treatment_urls.get(slug).cloned().unwrap_or_default(),
        })
    }

    /// `summary` of page `i` as a template value, made once per renderer.
    fn summary_of(&self, i: usize) -> Summary {
        // Strings and numbers only: making the value cannot fail.
        let make = || {
            tera::Value::try_from_serializable(&self.summary(&self.site.pages[i]))
                .unwrap_or_else(|_| tera::Value::none())
        };
        match self.summaries.get(i) {
            Some(cell) => cell.get_or_init(make).clone(),
            None => make(),
        }
    }

    /// Gives the renderer, per page index, the `summary_of` values that an
    /// earlier renderer of the same configuration, data and theme made
    /// (`take_summaries`), with empty cells for pages whose summary
    /// (`summary`: title, URL, description, date, reading time, treatment)
    /// may have changed; ignored unless there is one cell per page. `serve`
    /// keeps them between rebuilds: an article added or removed re-renders
    /// a hundred list pages of its section, and making (then freeing) the
    /// summaries of their thousands of entries again was a fifth of that
    /// (issue 5).
    pub fn use_summaries(&mut self, summaries: Vec<std::sync::OnceLock<Summary>>) {
        if summaries.len() == self.summaries.len() {
            self.summaries = summaries;
        }
    }

    /// The `summary_of` values made (or given) so far, by page index; the
    /// renderer keeps none.
    pub fn take_summaries(&mut self) -> Vec<std::sync::OnceLock<Summary>> {
        std::mem::take(&mut self.summaries)
    }

    /// `use_summaries` for the benefit entries (`benefit_entry`) of each
    /// page, which read its title, URL, description, text and headings: an
    /// article added, removed or made a draft shifts the entries of a few
    /// hundred benefit list pages, and making their values again was a
    /// third of rendering them (issue 5).
    pub fn use_benefit_entries(&mut self, entries: Vec<BenefitEntries>) {
        if entries.len() == self.benefit_entries.len() {
            self.benefit_entries = entries;
        }
    }

    /// The `benefit_entry` values made (or given) so far, by page index;
    /// the renderer keeps none.
    pub fn take_benefit_entries(&mut self) -> Vec<BenefitEntries> {
        std::mem::take(&mut self.benefit_entries)
    }

    /// How page `p` appears in lists (sections, tags, related articles).
    pub fn summary(&self, p: &Page) -> SummaryCtx {
        SummaryCtx {
            title: p.title().to_string(),
            url: self.config.url(&p.path),
            description: p.fm.description.clone().unwrap_or_default(),
            date: p.fm.date.map(|d| d.iso()).unwrap_or_default(),
            date_display: p.fm.date.map(|d| d.display()).unwrap_or_default(),
            reading_time: reading_time(p.rendered.words),
            treatment: p
                .treatment
                .as_deref()
                .and_then(|t| self.treatments.get(t))
                .map(|t| t.name.clone())
                .unwrap_or_default(),
        }
    }

    fn breadcrumbs(&self, p: &Page) -> Vec<LinkCtx> {
        let mut chain = Vec::new();
        let mut cur = p.parent;
        while let Some(c) = cur {
            let q = &self.site.pages[c];
            chain.push(LinkCtx {
                name: q.title().to_string(),
                url: self.config.url(&q.path),
            });
            cur = q.parent;
        }
        if p.kind != PageKind::Home && !chain.iter().any(|l| l.url == self.config.base_path) {
            chain.push(LinkCtx {
                name: "Home".into(),
                url: self.config.base_path.clone(),
            });
        }
        chain.reverse();
        chain
    }

    /// The related-articles ranking this renderer uses.
    pub fn related_ranking(&self) -> &crate::related::Related {
        &self.related
    }

    /// Replaces the related-articles ranking (`with_related`'s): `serve`
    /// ranks while the templates compile.
    pub fn use_related(&mut self, related: crate::related::Related) {
        self.related = related;
    }

    /// Takes the related-articles ranking out, for the next update to
    /// reuse (`serve`), without copying every page's benefit set (10,000
    /// small vectors at 10,000 articles, issue 5). The renderer shows no
    /// related articles afterwards.
    pub fn take_related_ranking(&mut self) -> crate::related::Related {
        std::mem::take(&mut self.related)
    }

    /// Indexes of the pages listed as related to page `i` (what
    /// `page.related` shows), for `serve`'s dependency tracking.
    pub fn related_pages(&self, i: usize) -> Vec<usize> {
        self.related.of(i).collect()
    }

    /// Articles sharing the most benefits with page `i` (see `related`).
    fn related(&self, i: usize) -> Vec<Summary> {
        self.related.of(i).map(|j| self.summary_of(j)).collect()
    }

    /// The context of one page.
    pub fn page_ctx(&self, i: usize) -> PageCtx {
        let p = &self.site.pages[i];
        let c = self.config;
        let description =
            p.fm.description
                .clone()
                .unwrap_or_else(|| c.site.description.clone());
        let interval = i32::try_from(c.site.review_interval_months).unwrap_or(12);
        let reviewed = p.fm.last_reviewed.as_ref().map(|s| s.value);
        let next = reviewed.map(|d| d.add_months(interval));
        let show_toc = p.fm.toc.unwrap_or_else(|| {
            p.rendered.headings.iter().filter(|h| h.level == 2).count() >= c.site.toc_min_headings
        });
        let faq =
            p.fm.faq
                .iter()
                .zip(p.faq_rendered.iter())
                .map(|(e, r)| QuestionCtx {
                    id: format!("q-{}", markdown::anchor_id(&e.question.value)),
                    question: e.question.value.clone(),
                    answer: r.html.clone(),
                    source_url: String::new(),
                    source_title: String::new(),
                    topic: e.topic.clone().unwrap_or_default(),
                })
                .collect();
        let mut ctx = PageCtx {
            kind: match p.kind {
                PageKind::Home => "home",
                PageKind::Section => "section",
                PageKind::Page => "page",
            },
            title: p.title().to_string(),
            description,
            url: c.url(&p.path),
            permalink: c.permalink(&p.path),
            content: p.rendered.html.clone(),
            date: p.fm.date.map(|d| d.iso()).unwrap_or_default(),
            date_display: p.fm.date.map(|d| d.display()).unwrap_or_default(),
            updated: p.fm.updated.map(|d| d.iso()).unwrap_or_default(),
            updated_display: p.fm.updated.map(|d| d.display()).unwrap_or_default(),
            last_reviewed: reviewed.map(|d| d.iso()).unwrap_or_default(),
            last_reviewed_display: reviewed.map(|d| d.display()).unwrap_or_default(),
            next_review: next.map(|d| d.iso()).unwrap_or_default(),
            next_review_display: next.map(|d| d.display()).unwrap_or_default(),
            authors: p
                .fm
                .authors
                .iter()
                .filter_map(|a| self.people.get(a.value.as_str()))
                .map(|x| person_ctx(x, c))
                .collect(),
            reviewer: p
                .fm
                .reviewed_by
                .as_ref()
                .and_then(|r| self.people.get(r.value.as_str()))
                .map(|x| person_ctx(x, c)),
            treatment: p.treatment.as_deref().and_then(|t| self.treatment_ctx(t)),
            benefits: page_benefits(p)
                .into_iter()
                .filter_map(|b| {
                    self.benefit_names.get(b).map(|n| LinkCtx {
                        name: n.to_string(),
                        url: c.url(&format!("benefits/{b}/")),
                    })
                })
                .collect(),
            tags: p
                .fm
                .tags
                .iter()
                .map(|t| LinkCtx {
                    name: t.clone(),
                    url: c.url(&format!("tags/{}/", slugify(t))),
                })
                .collect(),
            sources: p
                .fm
                .sources
                .iter()
                .map(|s| SourceCtx {
                    title: s.title.clone(),
                    authors: s.authors.clone().unwrap_or_default(),
                    publisher: s.publisher.clone().unwrap_or_default(),
                    year: s.year.map(|y| y.to_string()).unwrap_or_default(),
                    url: s
                        .url
                        .clone()
                        .or_else(|| s.doi.as_ref().map(|d| format!("https://doi.org/{d}")))
                        .or_else(|| {
                            s.pmid
                                .as_ref()
                                .map(|id| format!("https://pubmed.ncbi.nlm.nih.gov/{id}/"))
                        })
                        .unwrap_or_default(),
                    doi: s.doi.clone().unwrap_or_default(),
                    pmid: s.pmid.clone().unwrap_or_default(),
                })
                .collect(),
            faq,
            related: if p.kind == PageKind::Page {
                self.related(i)
            } else {
                Vec::new()
            },
            reading_time: reading_time(p.rendered.words),
            word_count: p.rendered.words,
            toc: if show_toc {
                markdown::toc(&p.rendered.headings)
            } else {
                Vec::new()
            },
            breadcrumbs: self.breadcrumbs(p),
            is_article: p.is_article(),
            jsonld: String::new(),
            extra: p.fm.extra.clone(),
        };
        ctx.jsonld = seo::page_jsonld(
            self.site,
            c,
            i,
            &ctx,
            self.treatments
                .get(p.treatment.as_deref().unwrap_or(""))
                .copied(),
        );
        ctx
    }

    /// The list pages of a benefit's page that lists `refs` (a benefit's
    /// entries in `Site::benefits`): `paginate_by` entries each, in display
    /// order. `serve` compares them before and after an edit to re-render
    /// only the list pages whose entries moved (see `incremental.rs`).
    pub fn benefit_layout(&self, refs: &[crate::model::BenefitRef]) -> Vec<BenefitListPage> {
        self.benefit_layout_by(
            refs,
            self.config.site.paginate_by.max(1),
            usize::MAX,
            &|r| self.site.pages[r.page].treatment.as_deref(),
        )
    }

    /// `benefit_layout` of entries whose pages' treatments are
    /// `treatment`, not those of this site's pages: `serve` lays out the
    /// last update's entries, of pages this site may not have.
    pub fn benefit_layout_with<'t>(
        &'t self,
        refs: &[crate::model::BenefitRef],
        treatment: &dyn Fn(&crate::model::BenefitRef) -> Option<&'t str>,
    ) -> Vec<BenefitListPage> {
        self.benefit_layout_by(
            refs,
            self.config.site.paginate_by.max(1),
            usize::MAX,
            treatment,
        )
    }

    /// `benefit_layout` of benefit `slug`'s entries in this site, made once.
    pub fn benefit_layout_of(&self, slug: &str) -> std::borrow::Cow<'_, [BenefitListPage]> {
        match self.layouts.get(slug) {
            Some(cell) => std::borrow::Cow::Borrowed(
                cell.get_or_init(|| self.benefit_layout(self.benefit_refs(slug))),
            ),
            None => std::borrow::Cow::Owned(self.benefit_layout(self.benefit_refs(slug))),
        }
    }

    /// `benefit_layout` with `per` entries a page, and at most `pages`
    /// pages made (the previews on the benefits index and home page need
    /// the first 6 entries only; making every one of thousands cost more
    /// than the rest of a rebuild, issue 5).
    ///
    /// Display order: grouped by treatment (in the order of the treatments'
    /// data file, then unknown treatments, "General" last), in page order
    /// within a group (so a title edit keeps every entry's place, issue 5).
    fn benefit_layout_by<'t>(
        &'t self,
        refs: &[crate::model::BenefitRef],
        per: usize,
        pages: usize,
        treatment: &dyn Fn(&crate::model::BenefitRef) -> Option<&'t str>,
    ) -> Vec<BenefitListPage> {
        // Entries by treatment slug, in order of first appearance: a site
        // has a few treatments, and a benefit thousands of entries (a
        // string or map entry made per entry cost milliseconds, issue 5).
        let mut slots: Vec<(Option<&str>, Vec<crate::model::BenefitRef>)> = Vec::new();
        for r in refs {
            let t = treatment(r);
            match slots.iter_mut().find(|(s, _)| *s == t) {
                Some((_, v)) => v.push(r.clone()),
                None => slots.push((t, vec![r.clone()])),
            }
        }
        let order = |t: &str| {
            self.site
                .data
                .treatments
                .iter()
                .position(|x| x.slug.value == t)
        };
        let mut treatments: Vec<&str> = slots.iter().filter_map(|(t, _)| *t).collect();
        treatments.sort_by_key(|t| order(t).unwrap_or(usize::MAX));
        let mut groups: Vec<((usize, String), Vec<crate::model::BenefitRef>)> = slots
            .into_iter()
            .map(|(t, v)| {
                let key = match t {
                    Some(t) => (
                        order(t).unwrap_or(usize::MAX - 1),
                        self.treatments
                            .get(t)
                            .map_or(t.to_string(), |x| x.name.clone()),
                    ),
                    None => (usize::MAX, "General".to_string()),
                };
                (key, v)
            })
            .collect();
        groups.sort_by(|a, b| a.0.cmp(&b.0));
        let per = per.max(1);
        let total = refs.len().div_ceil(per).clamp(1, pages.max(1));
        let mut out: Vec<BenefitListPage> = (0..total)
            .map(|_| BenefitListPage {
                treatments: Vec::new(),
                groups: Vec::new(),
            })
            .collect();
        out[0].treatments = treatments.into_iter().map(str::to_string).collect();
        let mut at = 0;
        for ((_, treatment), entries) in groups {
            for (k, r) in entries.into_iter().enumerate() {
                let Some(page) = out.get_mut(at / per) else {
                    return out;
                };
                at += 1;
                match page.groups.last_mut() {
                    Some(g) if g.treatment == treatment && k > 0 => g.refs.push(r),
                    _ => page.groups.push(BenefitListGroup {
                        treatment: treatment.clone(),
                        continued: k > 0,
                        refs: vec![r],
                    }),
                }
            }
        }
        out
    }

    /// How a benefit page lists entry `r` (`SectionRefCtx`), as a template
    /// value made once per renderer (`benefit_entries`).
    fn benefit_entry(&self, r: &crate::model::BenefitRef) -> Summary {
        let make = || {
            let p = &self.site.pages[r.page];
            let entry = match r.heading.and_then(|h| p.rendered.headings.get(h)) {
                Some(head) => SectionRefCtx {
                    page_title: p.title().to_string(),
                    heading: head.title.clone(),
                    url: format!("{}#{}", self.config.url(&p.path), head.id),
                    excerpt: markdown::excerpt(&head.section_text, 30),
                },
                None => SectionRefCtx {
                    page_title: p.title().to_string(),
                    heading: String::new(),
                    url: self.config.url(&p.path),
                    excerpt: p
                        .fm
                        .description
                        .clone()
                        .unwrap_or_else(|| markdown::excerpt(&p.rendered.text, 30)),
                },
            };
            // Strings only: making the value cannot fail.
            tera::Value::try_from_serializable(&entry).unwrap_or_else(|_| tera::Value::none())
        };
        let slot = r.heading.map_or(0, |h| h + 1);
        let cells = self.benefit_entries.get(r.page).map(|cells| {
            cells.get_or_init(|| {
                let headings = self.site.pages[r.page].rendered.headings.len();
                (0..=headings).map(|_| std::sync::OnceLock::new()).collect()
            })
        });
        match cells.and_then(|c| c.get(slot)) {
            Some(cell) => cell.get_or_init(make).clone(),
            None => make(),
        }
    }

    /// Benefit `slug` as templates see it, with the entries of `list` (one
    /// list page of `benefit_layout_by`, the `first` one or a later one);
    /// `count` is all of its entries.
    fn benefit_ctx(
        &self,
        slug: &str,
        count: usize,
        list: &BenefitListPage,
        first: bool,
    ) -> Option<BenefitCtx> {
        let b = self
            .site
            .data
            .benefits
            .iter()
            .find(|b| b.slug.value == slug)?;
        // The body goes on the first list page only (like a section's
        // intro), and so do the treatments (`benefit_layout_by`).
        let body = if b.body.is_empty() || !first {
            String::new()
        } else {
            let empty = HashMap::new();
            markdown::render(
                &b.body,
                &markdown::LinkContext {
                    base_path: &self.config.base_path,
                    dir: "",
                    pages: &empty,
                    assets: &empty,
                },
            )
            .html
        };
        Some(BenefitCtx {
            slug: slug.to_string(),
            name: b.name.clone(),
            summary: b.summary.clone(),
            url: self.config.url(&format!("benefits/{slug}/")),
            body,
            treatments: list
                .treatments
                .iter()
                .filter_map(|t| self.treatment_ctx(t))
                .map(|t| LinkCtx {
                    name: t.name,
                    url: t.url,
                })
                .collect(),
            count,
            shown: list.groups.iter().map(|g| g.refs.len()).sum(),
            groups: list
                .groups
                .iter()
                .map(|g| BenefitGroupCtx {
                    treatment: g.treatment.clone(),
                    continued: g.continued,
                    sections: g.refs.iter().map(|r| self.benefit_entry(r)).collect(),
                })
                .collect(),
        })
    }

    fn question_ctx(&self, q: &Question) -> QuestionCtx {
        let (source_url, source_title) = match &q.source {
            Some((i, anchor)) => {
                let p = &self.site.pages[*i];
                (
                    format!("{}#{}", self.config.url(&p.path), anchor),
                    p.title().to_string(),
                )
            }
            None => (String::new(), String::new()),
        };
        QuestionCtx {
            id: q.id.clone(),
            question: q.question.clone(),
            answer: q.answer_html.clone(),
            source_url,
            source_title,
            topic: q.topic.clone(),
        }
    }

    fn generated_page(
        &self,
        title: &str,
        description: &str,
        path: &str,
        crumbs: Vec<LinkCtx>,
    ) -> PageCtx {
        let c = self.config;
        let mut ctx = PageCtx {
            kind: "generated",
            title: title.to_string(),
            description: description.to_string(),
            url: c.url(path),
            permalink: c.permalink(path),
            content: String::new(),
            date: String::new(),
            date_display: String::new(),
            updated: String::new(),
            updated_display: String::new(),
            last_reviewed: String::new(),
            last_reviewed_display: String::new(),
            next_review: String::new(),
            next_review_display: String::new(),
            authors: Vec::new(),
            reviewer: None,
            treatment: None,
            benefits: Vec::new(),
            tags: Vec::new(),
            sources: Vec::new(),
            faq: Vec::new(),
            related: Vec::new(),
            reading_time: 0,
            word_count: 0,
            toc: Vec::new(),
            breadcrumbs: crumbs,
            is_article: false,
            jsonld: String::new(),
            extra: BTreeMap::new(),
        };
        ctx.jsonld = seo::generated_jsonld(c, &ctx);
        ctx
    }

    fn home_crumbs(&self) -> Vec<LinkCtx> {
        vec![LinkCtx {
            name: "Home".into(),
            url: self.config.base_path.clone(),
        }]
    }

    /// Renders every output file of the site and hands each to `sink`,
    /// in parallel. Returns how many files were produced.
    pub fn render_all(
        &self,
        sink: &(dyn Fn(OutputFile) -> Result<(), Error> + Sync),
    ) -> Result<usize, Error> {
        let count = std::sync::atomic::AtomicUsize::new(0);
        let counting = |f: OutputFile| -> Result<(), Error> {
            count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            sink(f)
        };
        // Largest first: rayon hands out the list from the front, so a job
        // that writes a thousand list pages (a big section) must not be
        // the one a core is left alone with at the end.
        let mut jobs = self.jobs();
        jobs.sort_by_cached_key(|job| std::cmp::Reverse(self.job_weight(job)));
        jobs.into_par_iter()
            .with_max_len(1)
            .try_for_each(|job| self.render_job(&job, &counting))?;
        Ok(count.into_inner())
    }

    /// Roughly how much work a job is: the entries it lists.
    pub(crate) fn job_weight(&self, job: &Job) -> usize {
        let site = self.site;
        match job {
            Job::Page(i) => 1 + site.children.get(i).map_or(0, Vec::len),
            Job::Benefit(b) => site.benefits.get(b).map_or(1, Vec::len),
            Job::Faq => site.faq.len(),
            Job::TagsIndex => site.tags.len(),
            Job::Tag(t) => site.tags.get(t).map_or(1, Vec::len),
            Job::Feeds => 2 * site.pages.len(),
            Job::BenefitsIndex | Job::Search | Job::NotFound | Job::Home => 1,
        }
    }

    /// Every unit of work `render_all` does, in a stable order. `serve`
    /// re-runs only the jobs whose inputs changed (see `incremental.rs`).
    pub fn jobs(&self) -> Vec<Job> {
        let c = self.config;
        let mut jobs: Vec<Job> = (0..self.site.pages.len()).map(Job::Page).collect();
        if self.site.home.is_none() {
            jobs.push(Job::Home);
        }
        let benefits = self.ordered_benefits();
        if !benefits.is_empty() {
            jobs.push(Job::BenefitsIndex);
            jobs.extend(benefits.into_iter().map(|b| Job::Benefit(b.to_string())));
        }
        if !self.site.faq.is_empty() {
            jobs.push(Job::Faq);
        }
        if !self.site.tags.is_empty() {
            jobs.push(Job::TagsIndex);
            jobs.extend(self.site.tags.keys().map(|t| Job::Tag(t.clone())));
        }
        if c.site.search {
            jobs.push(Job::Search);
        }
        jobs.push(Job::NotFound);
        jobs.push(Job::Feeds);
        jobs
    }

    /// Renders the files of one job and hands each to `sink`.
    pub fn render_job(
        &self,
        job: &Job,
        sink: &(dyn Fn(OutputFile) -> Result<(), Error> + Sync),
    ) -> Result<(), Error> {
        let emit = |path: String, bytes: Vec<u8>| -> Result<(), Error> {
            sink(OutputFile { path, bytes })
        };
        match job {
            Job::Page(i) => self.render_page(*i, &emit),
            other => self.render_generated(other, &emit),
        }
    }

    /// Every benefit, in display order, with its first
    /// `BENEFITS_INDEX_PREVIEW` sections (the benefits index, the home page).
    fn benefit_previews(&self) -> Vec<BenefitCtx> {
        self.previews
            .get_or_init(|| {
                self.ordered_benefits()
                    .into_iter()
                    .filter_map(|b| {
                        let refs = self.benefit_refs(b);
                        let layout =
                            self.benefit_layout_by(refs, BENEFITS_INDEX_PREVIEW, 1, &|r| {
                                self.site.pages[r.page].treatment.as_deref()
                            });
                        self.benefit_ctx(b, refs.len(), layout.first()?, true)
                    })
                    .collect()
            })
            .clone()
    }

    /// Where benefit `slug` is discussed.
    fn benefit_refs(&self, slug: &str) -> &'a [crate::model::BenefitRef] {
        self.site
            .benefits
            .get(slug)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Articles per list page of tag `t`, and its number of list pages.
    fn tag_pages(&self, t: &str) -> (usize, usize) {
        let per = self.config.site.paginate_by.max(1);
        let pages = self.site.tags.get(t).map_or(0, Vec::len);
        (per, pages.div_ceil(per).max(1))
    }

    /// Articles per list page of section `i`, and its number of list pages.
    fn section_pages(&self, i: usize) -> (usize, usize) {
        let p = &self.site.pages[i];
        let kids = self.site.children.get(&i).map_or(0, Vec::len);
        let per =
            p.fm.paginate_by
                .unwrap_or(self.config.site.paginate_by)
                .max(1);
        (per, kids.div_ceil(per).max(1))
    }

    /// List page `n` (0-based) of section `i`, whose page context is `page`.
    fn section_list_page(
        &self,
        i: usize,
        page: &PageCtx,
        n: usize,
        emit: &(dyn Fn(String, Vec<u8>) -> Result<(), Error> + Sync),
    ) -> Result<(), Error> {
        let p = &self.site.pages[i];
        let kids = self.site.children.get(&i).map(Vec::as_slice).unwrap_or(&[]);
        let (per, total) = self.section_pages(i);
        let template = p.fm.template.as_deref().unwrap_or("section.html");
        let pages: Vec<Summary> = kids
            .iter()
            .skip(n * per)
            .take(per)
            .map(|&k| self.summary_of(k))
            .collect();
        let page_url = |k: usize| self.config.url(&list_path(&p.path, k));
        let paginator = PaginatorCtx::new(n, total, page_url);
        let out = format!("{}index.html", list_path(&p.path, n));
        // Each list page is its own canonical URL (issue 6): search
        // engines drop page 2+ when they point at page 1.
        let paged;
        let this_page = if n == 0 {
            page
        } else {
            let mut c = page.clone();
            c.url = page_url(n);
            c.permalink = self.config.permalink(&list_path(&p.path, n));
            c.jsonld = seo::page_jsonld(
                self.site,
                self.config,
                i,
                &c,
                self.treatments
                    .get(p.treatment.as_deref().unwrap_or(""))
                    .copied(),
            );
            paged = c;
            &paged
        };
        emit(
            out,
            self.render(
                template,
                &SectionTemplate {
                    page: this_page,
                    pages,
                    paginator,
                },
            )?,
        )?;
        Ok(())
    }

    /// Which list page (0-based) of a section's `Job::Page` or a
    /// `Job::Tag` shows page `kid`; `None` when it does not list it.
    pub fn list_page_of(&self, job: &Job, kid: usize) -> Option<usize> {
        let (list, per) = match job {
            Job::Page(i) if self.site.pages.get(*i)?.kind == PageKind::Section => {
                (self.site.children.get(i)?, self.section_pages(*i).0)
            }
            Job::Tag(t) => (self.site.tags.get(t)?, self.tag_pages(t).0),
            _ => return None,
        };
        list.iter().position(|&k| k == kid).map(|at| at / per)
    }

    /// Articles per list page of a section's `Job::Page` or a `Job::Tag`;
    /// `None` for other jobs.
    pub fn list_page_size(&self, job: &Job) -> Option<usize> {
        match job {
            Job::Page(i) if self.site.pages.get(*i)?.kind == PageKind::Section => {
                Some(self.section_pages(*i).0)
            }
            Job::Tag(t) => Some(self.tag_pages(t).0),
            _ => None,
        }
    }

    /// Renders only list page `n` (0-based) of a section's `Job::Page`, of
    /// a `Job::Tag` or of a `Job::Benefit`: the file `render_job` writes for
    /// that list page. `serve` uses it when an edit changes what one list
    /// page shows of an article.
    pub fn render_list_page(
        &self,
        job: &Job,
        n: usize,
        sink: &(dyn Fn(OutputFile) -> Result<(), Error> + Sync),
    ) -> Result<(), Error> {
        let emit = |path: String, bytes: Vec<u8>| -> Result<(), Error> {
            sink(OutputFile { path, bytes })
        };
        match job {
            Job::Page(i)
                if self
                    .site
                    .pages
                    .get(*i)
                    .is_some_and(|p| p.kind == PageKind::Section) =>
            {
                let ctx = match self.section_ctxs.get(i) {
                    Some(cell) => {
                        std::borrow::Cow::Borrowed(cell.get_or_init(|| self.page_ctx(*i)))
                    }
                    None => std::borrow::Cow::Owned(self.page_ctx(*i)),
                };
                self.section_list_page(*i, &ctx, n, &emit)
            }
            Job::Tag(t) => self.tag_list_page(t, n, &emit),
            Job::Benefit(slug) => {
                let layout = self.benefit_layout_of(slug);
                if n >= layout.len() {
                    return Err(Error::Other(format!("{job:?} has no list page {n}")));
                }
                self.benefit_list_page(slug, &layout, n, &emit)
            }
            _ => Err(Error::Other(format!("{job:?} has no list pages"))),
        }
    }

    /// List page `n` (0-based) of benefit `slug`, whose list pages are
    /// `layout`. Paginated like tags: a benefit on a large site is
    /// discussed in thousands of sections (580 KB of HTML in one page at
    /// 10,000 articles, issue 5).
    fn benefit_list_page(
        &self,
        slug: &str,
        layout: &[BenefitListPage],
        n: usize,
        emit: &(dyn Fn(String, Vec<u8>) -> Result<(), Error> + Sync),
    ) -> Result<(), Error> {
        let c = self.config;
        let Some(list) = layout.get(n) else {
            return Ok(());
        };
        let Some(b) = self.benefit_ctx(slug, self.benefit_refs(slug).len(), list, n == 0) else {
            return Ok(());
        };
        let mut crumbs = self.home_crumbs();
        crumbs.push(LinkCtx {
            name: "Benefits".into(),
            url: c.url("benefits/"),
        });
        let desc = if b.summary.is_empty() {
            format!("Where our articles discuss {}.", b.name)
        } else {
            b.summary.clone()
        };
        let base = format!("benefits/{slug}/");
        let page = self.generated_page(&b.name, &desc, &list_path(&base, n), crumbs);
        let paginator = PaginatorCtx::new(n, layout.len(), |k| c.url(&list_path(&base, k)));
        emit(
            format!("{}index.html", list_path(&base, n)),
            self.render(
                "benefit.html",
                &BenefitTemplate {
                    page: &page,
                    benefit: &b,
                    paginator,
                },
            )?,
        )
    }

    /// List page `n` (0-based) of tag `t`.
    fn tag_list_page(
        &self,
        t: &str,
        n: usize,
        emit: &(dyn Fn(String, Vec<u8>) -> Result<(), Error> + Sync),
    ) -> Result<(), Error> {
        let c = self.config;
        let Some(pages) = self.site.tags.get(t) else {
            return Ok(());
        };
        let mut crumbs = self.home_crumbs();
        crumbs.push(LinkCtx {
            name: "Topics".into(),
            url: c.url("tags/"),
        });
        let slug = slugify(t);
        // Paginated like sections: a popular topic on a large site
        // lists thousands of articles.
        let (per, total) = self.tag_pages(t);
        let base = format!("tags/{slug}/");
        let path_of = |n: usize| list_path(&base, n);
        let url_of = |n: usize| c.url(&path_of(n));
        let page = self.generated_page(
            &format!("Topic: {t}"),
            &format!("Articles about {t}."),
            &path_of(n),
            crumbs.clone(),
        );
        let tag = TagCtx {
            name: t.to_string(),
            url: url_of(0),
            count: pages.len(),
            pages: pages
                .iter()
                .skip(n * per)
                .take(per)
                .map(|&i| self.summary_of(i))
                .collect(),
        };
        let paginator = PaginatorCtx::new(n, total, url_of);
        emit(
            format!("{}index.html", path_of(n)),
            self.render(
                "tag.html",
                &TagTemplate {
                    page: &page,
                    tag,
                    paginator,
                },
            )?,
        )?;
        Ok(())
    }

    fn render_page(
        &self,
        i: usize,
        emit: &(dyn Fn(String, Vec<u8>) -> Result<(), Error> + Sync),
    ) -> Result<(), Error> {
        let p = &self.site.pages[i];
        let page = self.page_ctx(i);
        match p.kind {
            PageKind::Page => {
                let template = p.fm.template.as_deref().unwrap_or("page.html");
                emit(
                    format!("{}index.html", p.path),
                    self.render(template, &PageTemplate { page: &page })?,
                )?;
            }
            PageKind::Home => {
                let recent = self.recent();
                let benefits = self.benefit_previews();
                let template = p.fm.template.as_deref().unwrap_or("index.html");
                emit(
                    "index.html".into(),
                    self.render(
                        template,
                        &HomeTemplate {
                            page: &page,
                            recent,
                            benefits,
                        },
                    )?,
                )?;
            }
            PageKind::Section => {
                if p.path == "faq/" {
                    // The FAQ intro page is rendered by `render_generated`.
                    return Ok(());
                }
                // On every core: a large section has hundreds of list
                // pages, and `serve` renders a section whole when an
                // article added or removed changes their number (issue 5).
                let (_, total) = self.section_pages(i);
                (0..total)
                    .into_par_iter()
                    .try_for_each(|n| self.section_list_page(i, &page, n, emit))?;
            }
        }
        for alias in &p.fm.aliases {
            let target = self.config.permalink(&p.path);
            let a = alias.trim_matches('/');
            if a.is_empty() {
                continue;
            }
            let path = if a.ends_with(".html") {
                a.to_string()
            } else {
                format!("{a}/index.html")
            };
            emit(
                path,
                seo::alias_page(&target, &self.config.site.language).into_bytes(),
            )?;
        }
        Ok(())
    }

    /// The six newest articles, for the home page.
    fn recent(&self) -> Vec<Summary> {
        self.recent_pages()
            .into_iter()
            .map(|i| self.summary_of(i))
            .collect()
    }

    /// Indexes of the articles the home page lists as newest (`serve`'s
    /// dependency tracking uses them too).
    pub fn recent_pages(&self) -> Vec<usize> {
        let pages = &self.site.pages;
        let mut arts: Vec<usize> = (0..pages.len())
            .filter(|&i| pages[i].is_article())
            .collect();
        // Newest first, then title, then source order (a total order, so
        // selecting the first six and sorting them is sorting them all;
        // sorting every article took milliseconds of a `serve` rebuild).
        let newest = |&a: &usize, &b: &usize| {
            let (pa, pb) = (&pages[a], &pages[b]);
            pb.fm
                .date
                .cmp(&pa.fm.date)
                .then_with(|| pa.title().cmp(pb.title()))
                .then(a.cmp(&b))
        };
        if arts.len() > 6 {
            arts.select_nth_unstable_by(6, newest);
            arts.truncate(6);
        }
        arts.sort_by(newest);
        arts
    }

    /// The home page of a site without `content/_index.md`: the site's
    /// title and description, the newest articles and the benefits.
    fn render_default_home(
        &self,
        emit: &(dyn Fn(String, Vec<u8>) -> Result<(), Error> + Sync),
    ) -> Result<(), Error> {
        let c = self.config;
        let mut page = self.generated_page(&c.site.title, &c.site.description, "", Vec::new());
        page.kind = "home";
        let benefits = self.benefit_previews();
        emit(
            "index.html".into(),
            self.render(
                "index.html",
                &HomeTemplate {
                    page: &page,
                    recent: self.recent(),
                    benefits,
                },
            )?,
        )
    }

    fn ordered_benefits(&self) -> Vec<&str> {
        let mut v: Vec<(i64, usize, &str)> = self
            .site
            .data
            .benefits
            .iter()
            .enumerate()
            .map(|(i, b)| (b.order.unwrap_or(i64::MAX), i, b.slug.value.as_str()))
            .collect();
        v.sort();
        v.into_iter().map(|(_, _, s)| s).collect()
    }

    fn render_generated(
        &self,
        job: &Job,
        emit: &(dyn Fn(String, Vec<u8>) -> Result<(), Error> + Sync),
    ) -> Result<(), Error> {
        let c = self.config;
        match job {
            Job::Page(i) => self.render_page(*i, emit),
            Job::Home => self.render_default_home(emit),
            Job::BenefitsIndex => {
                let benefits = self.benefit_previews();
                let matrix = self.matrix(&benefits);
                let page = self.generated_page(
                    "Benefits",
                    "What each treatment may help with, and where our articles discuss it.",
                    "benefits/",
                    self.home_crumbs(),
                );
                emit(
                    "benefits/index.html".into(),
                    self.render(
                        "benefits.html",
                        &BenefitsTemplate {
                            page: &page,
                            benefits: &benefits,
                            matrix: &matrix,
                        },
                    )?,
                )
            }
            Job::Benefit(slug) => {
                // On every core, as a tag's or a section's list pages.
                let layout = self.benefit_layout_of(slug);
                (0..layout.len())
                    .into_par_iter()
                    .try_for_each(|n| self.benefit_list_page(slug, &layout, n, emit))
            }
            Job::Faq => {
                let intro = self.site.pages.iter().find(|p| p.path == "faq/");
                let mut page = self.generated_page(
                    intro.map_or("Frequently asked questions", |p| p.title()),
                    intro
                        .and_then(|p| p.fm.description.as_deref())
                        .unwrap_or("Answers to common questions, gathered from our articles."),
                    "faq/",
                    self.home_crumbs(),
                );
                if let Some(p) = intro {
                    page.content = p.rendered.html.clone();
                }
                let groups = self.faq_groups();
                page.jsonld = seo::faq_jsonld(c, &page, &self.site.faq);
                emit(
                    "faq/index.html".into(),
                    self.render(
                        "faq.html",
                        &FaqTemplate {
                            page: &page,
                            groups,
                        },
                    )?,
                )
            }
            Job::TagsIndex => {
                let tags: Vec<TagCtx> = self
                    .site
                    .tags
                    .iter()
                    .map(|(t, pages)| TagCtx {
                        name: t.clone(),
                        url: c.url(&format!("tags/{}/", slugify(t))),
                        count: pages.len(),
                        pages: Vec::new(),
                    })
                    .collect();
                let page = self.generated_page(
                    "Topics",
                    "Every topic our articles cover.",
                    "tags/",
                    self.home_crumbs(),
                );
                emit(
                    "tags/index.html".into(),
                    self.render(
                        "tags.html",
                        &TagsTemplate {
                            page: &page,
                            tags: &tags,
                        },
                    )?,
                )
            }
            Job::Tag(t) => {
                let total = if self.site.tags.contains_key(t) {
                    self.tag_pages(t).1
                } else {
                    0
                };
                (0..total)
                    .into_par_iter()
                    .try_for_each(|n| self.tag_list_page(t, n, emit))
            }
            Job::Search => {
                let page = self.generated_page(
                    "Search",
                    "Search the articles on this site.",
                    "search/",
                    self.home_crumbs(),
                );
                emit(
                    "search/index.html".into(),
                    self.render("search.html", &PageTemplate { page: &page })?,
                )
            }
            Job::NotFound => {
                let page = self.generated_page(
                    "Page not found",
                    "The page you asked for is not here.",
                    "404.html",
                    Vec::new(),
                );
                emit(
                    "404.html".into(),
                    self.render("404.html", &PageTemplate { page: &page })?,
                )
            }
            Job::Feeds => {
                // Both read every page: on two cores, since this job is
                // often the last one running of a `serve` rebuild (issue 5).
                let (sitemaps, atom) = rayon::join(
                    || seo::sitemap_files(self.site, c, seo::SITEMAP_LIMIT),
                    || seo::atom(self.site, c),
                );
                for (name, xml) in sitemaps {
                    emit(name, xml.into_bytes())?;
                }
                emit("atom.xml".into(), atom.into_bytes())?;
                emit(
                    "robots.txt".into(),
                    format!(
                        "User-agent: *\nAllow: /\n\nSitemap: {}\n",
                        c.permalink("sitemap.xml")
                    )
                    .into_bytes(),
                )?;
                emit(".nojekyll".into(), Vec::new())?;
                match crate::pages::cname(c, self.site.known_urls.contains("CNAME")) {
                    Some(domain) => emit("CNAME".into(), domain.into_bytes()),
                    None => Ok(()),
                }
            }
        }
    }

    fn faq_groups(&self) -> Vec<FaqGroupCtx> {
        let order: HashMap<&str, usize> = self
            .site
            .data
            .treatments
            .iter()
            .enumerate()
            .map(|(i, t)| (t.slug.value.as_str(), i))
            .collect();
        let mut groups: BTreeMap<(usize, String), BTreeMap<String, Vec<QuestionCtx>>> =
            BTreeMap::new();
        for q in &self.site.faq {
            let (idx, name) = match q.treatment.as_deref() {
                Some(t) => (
                    order.get(t).copied().unwrap_or(usize::MAX - 1),
                    self.treatments
                        .get(t)
                        .map_or(t.to_string(), |x| x.name.clone()),
                ),
                None => (usize::MAX, "General questions".to_string()),
            };
            groups
                .entry((idx, name))
                .or_default()
                .entry(q.topic.clone())
                .or_default()
                .push(self.question_ctx(q));
        }
        groups
            .into_iter()
            .map(|((_, name), topics)| FaqGroupCtx {
                id: format!("t-{}", markdown::anchor_id(&name)),
                treatment: name,
                topics: topics
                    .into_iter()
                    .map(|(topic, questions)| FaqTopicCtx {
                        name: topic_title(&topic),
                        questions,
                    })
                    .collect(),
            })
            .collect()
    }

    fn matrix(&self, benefits: &[BenefitCtx]) -> MatrixCtx {
        let treatments: Vec<TreatmentCtx> = self.site_ctx.treatments.clone();
        let rows = benefits
            .iter()
            .map(|b| MatrixRowCtx {
                benefit: LinkCtx {
                    name: b.name.clone(),
                    url: b.url.clone(),
                },
                cells: treatments
                    .iter()
                    .map(|t| b.treatments.iter().any(|x| x.name == t.name))
                    .collect(),
            })
            .collect();
        MatrixCtx { treatments, rows }
    }
}

/// A page's `template:` that the theme does not have, located at the
/// `template:` line (otherwise the build stops with a bare "template not
/// found" that names no page). See: issue 2.
pub fn missing_templates(
    site: &Site,
    theme: &Theme,
    theme_name: &str,
) -> Vec<crate::diag::Diagnostic> {
    let mut out = Vec::new();
    for p in &site.pages {
        let Some(name) = p.fm.template.as_deref() else {
            continue;
        };
        if theme.templates.contains_key(name) {
            continue;
        }
        let front = &p.text[..p.body_offset.min(p.text.len())];
        let (line, col) = front
            .lines()
            .enumerate()
            .find(|(_, l)| l.starts_with("template:"))
            .map_or((1, 1), |(n, l)| {
                (
                    n + 1,
                    l.find(name).map_or(1, |c| l[..c].chars().count() + 1),
                )
            });
        let mut known: Vec<&str> = theme
            .templates
            .keys()
            .map(String::as_str)
            .filter(|t| !t.starts_with("partials/"))
            .collect();
        known.sort_unstable();
        // Compare names without `.html`, which every candidate shares.
        let stem = |t: &str| t.trim_end_matches(".html").to_string();
        let stems: Vec<String> = known.iter().map(|t| stem(t)).collect();
        let help = match crate::diag::did_you_mean(&stem(name), stems.iter().map(String::as_str)) {
            Some(s) => format!("did you mean `{s}.html`?"),
            None => format!(
                "add `themes/{theme_name}/templates/{name}`, or use one of: {}",
                known.join(", ")
            ),
        };
        out.push(
            crate::diag::Diagnostic::error(
                crate::diag::Location::new(&p.rel, line, col),
                "content.unknown-template",
                format!("the theme has no template `{name}`"),
            )
            .with_help(help)
            .with_source(&p.text, name.chars().count()),
        );
    }
    out
}

/// "cost-and-booking" -> "Cost and booking".
pub fn topic_title(topic: &str) -> String {
    let t = topic.replace(['-', '_'], " ");
    let mut c = t.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn page_benefits(p: &Page) -> Vec<&str> {
    let mut v: Vec<&str> = p.fm.benefits.iter().map(|b| b.value.as_str()).collect();
    for h in &p.rendered.headings {
        for (b, _) in &h.benefits {
            v.push(b.as_str());
        }
    }
    let mut seen = std::collections::HashSet::new();
    v.retain(|b| seen.insert(*b));
    v
}

/// Minutes to read at 200 words a minute, at least 1.
pub fn reading_time(words: usize) -> usize {
    words.div_ceil(200).max(1)
}

fn inject_live_reload(buf: &mut Vec<u8>, url: &str) {
    let tag = format!("<script src=\"{url}\" defer></script>");
    if let Some(pos) = buf.windows(7).rposition(|w| w == b"</body>") {
        buf.splice(pos..pos, tag.into_bytes());
    }
}

#[derive(Serialize)]
struct PageTemplate<'a> {
    page: &'a PageCtx,
}

#[derive(Serialize)]
struct HomeTemplate<'a> {
    page: &'a PageCtx,
    recent: Vec<Summary>,
    benefits: Vec<BenefitCtx>,
}

#[derive(Serialize)]
struct SectionTemplate<'a> {
    page: &'a PageCtx,
    pages: Vec<Summary>,
    paginator: PaginatorCtx,
}

#[derive(Serialize)]
struct BenefitsTemplate<'a> {
    page: &'a PageCtx,
    benefits: &'a [BenefitCtx],
    matrix: &'a MatrixCtx,
}

#[derive(Serialize)]
struct BenefitTemplate<'a> {
    page: &'a PageCtx,
    benefit: &'a BenefitCtx,
    paginator: PaginatorCtx,
}

/// The treatment x benefit overview.
#[derive(Debug, Clone, Serialize)]
pub struct MatrixCtx {
    /// Column headers.
    pub treatments: Vec<TreatmentCtx>,
    /// One row per benefit.
    pub rows: Vec<MatrixRowCtx>,
}

/// One row of the overview.
#[derive(Debug, Clone, Serialize)]
pub struct MatrixRowCtx {
    /// Row header.
    pub benefit: LinkCtx,
    /// One cell per treatment: discussed or not.
    pub cells: Vec<bool>,
}

/// FAQ questions of one treatment, by topic.
#[derive(Debug, Clone, Serialize)]
pub struct FaqGroupCtx {
    /// Anchor.
    pub id: String,
    /// Treatment name or "General questions".
    pub treatment: String,
    /// Topics.
    pub topics: Vec<FaqTopicCtx>,
}

/// Questions of one topic.
#[derive(Debug, Clone, Serialize)]
pub struct FaqTopicCtx {
    /// Topic title.
    pub name: String,
    /// Questions.
    pub questions: Vec<QuestionCtx>,
}

#[derive(Serialize)]
struct FaqTemplate<'a> {
    page: &'a PageCtx,
    groups: Vec<FaqGroupCtx>,
}

/// A tag with its pages.
#[derive(Debug, Clone, Serialize)]
pub struct TagCtx {
    /// Name.
    pub name: String,
    /// URL.
    pub url: String,
    /// Number of pages.
    pub count: usize,
    /// Pages (only on the tag's own page).
    pub pages: Vec<Summary>,
}

#[derive(Serialize)]
struct TagsTemplate<'a> {
    page: &'a PageCtx,
    tags: &'a [TagCtx],
}

#[derive(Serialize)]
struct TagTemplate<'a> {
    page: &'a PageCtx,
    tag: TagCtx,
    paginator: PaginatorCtx,
}
