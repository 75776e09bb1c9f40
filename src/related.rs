//! "Related articles": for every page, the articles that share the most
//! benefits with it.
//!
//! Owns the ranking (most shared benefits first, then title, then source
//! order) and computes it for the whole site at once without comparing every
//! pair of pages, which made large sites quadratic: pages are grouped by the
//! set of benefits they discuss and the groups are compared with each other.
//! The sets come from the site's `benefits.yaml` vocabulary, so a site has far
//! fewer groups than pages (a corpus of 50,000 articles tagged with 2-5 of 12
//! benefits has at most 1,573). Pure: no IO, no rendering.

use std::borrow::Cow;

use rayon::prelude::*;

use crate::model::{PageKind, Site};

/// How many related articles a page shows.
pub const LIMIT: usize = 4;

/// One page as the ranking sees it.
#[derive(Debug, Clone)]
pub struct Candidate<'a> {
    /// Benefit ids the page discusses (any order, duplicates allowed).
    pub benefits: Cow<'a, [u32]>,
    /// Whether the page may be listed as related (articles, not sections).
    pub listable: bool,
    /// Title, the tie-breaker between equally related pages.
    pub title: &'a str,
}

/// The last ranking and, for each page, its index there when its benefits
/// can be taken from it (`Related::of_site_moved`).
type Reuse<'a> = (&'a Related, &'a (dyn Fn(usize) -> Option<usize> + Sync));

/// The related pages of every page, computed once per build.
#[derive(Debug, Clone, Default)]
pub struct Related {
    /// Page -> its group (None: the page discusses no known benefit).
    group_of: Vec<Option<usize>>,
    /// Group -> the best `LIMIT + 1` pages for a member of that group (one
    /// more than shown, because a page is never related to itself).
    best: Vec<Vec<usize>>,
    /// Page -> its benefit ids, sorted, each once (`of_site_after` reuses
    /// them for the pages that did not change).
    sets: Vec<Vec<u32>>,
    /// The benefit vocabulary the ids number, in order.
    vocabulary: Vec<String>,
    /// Pages in title order, then source order (`of_site_reusing` reuses
    /// it for the pages that did not change).
    by_title: Vec<usize>,
}

impl Related {
    /// Ranks the site's pages by shared benefits: front matter `benefits` and
    /// benefits tagged on headings, counted once each.
    pub fn of_site(site: &Site) -> Related {
        Related::of_site_reusing(site, None)
    }

    /// `of_site` for a site in which only the pages in `changed` differ
    /// from the one `prev` ranked (the same pages in the same order: what
    /// `serve` patches in place): the other pages' benefits are not read
    /// again, which was half of a title or benefit edit's re-ranking at
    /// 10,000 articles. Titles are always read anew.
    pub fn of_site_after(site: &Site, prev: &Related, changed: &[usize]) -> Related {
        let same_pages =
            prev.sets.len() == site.pages.len() && prev.vocabulary.iter().eq(site.benefits.keys());
        let old = |i: usize| (!changed.contains(&i)).then_some(i);
        Related::of_site_reusing(site, same_pages.then_some((prev, &old)))
    }

    /// `of_site` for a site whose pages may have come, gone or moved since
    /// the one `prev` ranked (a draft toggled, a file added or removed):
    /// `old[i]` is page `i`'s index in that site when its text and
    /// rendering are as they were there, `None` when it is new or changed.
    /// The others' benefits are not read again (every page's front matter
    /// and headings were 3-4 ms of serve's general path at 10,000
    /// articles, issue 5).
    pub fn of_site_moved(site: &Site, prev: &Related, old: &[Option<usize>]) -> Related {
        let same_vocabulary = prev.vocabulary.iter().eq(site.benefits.keys());
        let old = |i: usize| {
            old.get(i)
                .copied()
                .flatten()
                .filter(|&o| o < prev.sets.len())
        };
        Related::of_site_reusing(site, same_vocabulary.then_some((prev, &old)))
    }

    fn of_site_reusing(site: &Site, reuse: Option<Reuse<'_>>) -> Related {
        let ids: rustc_hash::FxHashMap<&str, u32> = site
            .benefits
            .keys()
            .zip(0u32..)
            .map(|(k, i)| (k.as_str(), i))
            .collect();
        let candidates: Vec<Candidate<'_>> = site
            .pages
            .par_iter()
            .enumerate()
            .map(|(i, p)| Candidate {
                benefits: match reuse.and_then(|(prev, old)| Some((prev, old(i)?))) {
                    Some((prev, o)) => Cow::Borrowed(prev.sets[o].as_slice()),
                    None => Cow::Owned(
                        p.fm.benefits
                            .iter()
                            .map(|b| b.value.as_str())
                            .chain(
                                p.rendered
                                    .headings
                                    .iter()
                                    .flat_map(|h| h.benefits.iter().map(|(b, _)| b.as_str())),
                            )
                            .filter_map(|b| ids.get(b).copied())
                            .collect(),
                    ),
                },
                listable: p.kind == PageKind::Page,
                title: p.title(),
            })
            .collect();
        let by_title = title_order(&candidates, reuse);
        let mut related = Related::ranked(&candidates, by_title);
        related.vocabulary = site.benefits.keys().cloned().collect();
        related
    }

    /// Ranks `pages` (indexes into the slice are page indexes).
    pub fn new(pages: &[Candidate<'_>]) -> Related {
        Related::ranked(pages, title_order(pages, None))
    }

    /// `new` with `pages` in title order, then source order (`title_order`).
    fn ranked(pages: &[Candidate<'_>], by_title: Vec<usize>) -> Related {
        let mut group_ids: rustc_hash::FxHashMap<Vec<u32>, usize> = Default::default();
        let mut keys: Vec<Vec<u32>> = Vec::new();
        let mut members: Vec<Vec<usize>> = Vec::new();
        let mut group_of = Vec::with_capacity(pages.len());
        let mut sets: Vec<Vec<u32>> = Vec::with_capacity(pages.len());
        // One buffer for every page's key: only a new group keeps a copy.
        let mut key: Vec<u32> = Vec::new();
        for (i, p) in pages.iter().enumerate() {
            key.clear();
            key.extend_from_slice(&p.benefits);
            key.sort_unstable();
            key.dedup();
            sets.push(key.clone());
            if key.is_empty() {
                group_of.push(None);
                continue;
            }
            let g = match group_ids.get(key.as_slice()) {
                Some(&g) => g,
                None => {
                    group_ids.insert(key.clone(), keys.len());
                    keys.push(key.clone());
                    members.push(Vec::new());
                    keys.len() - 1
                }
            };
            group_of.push(Some(g));
            if p.listable {
                members[g].push(i);
            }
        }
        // Title order, then source order, as one number per page: the
        // group-by-group comparison below compares ranks, not strings.
        let mut rank = vec![0u32; pages.len()];
        for (r, &i) in by_title.iter().enumerate() {
            rank[i] = u32::try_from(r).unwrap_or(u32::MAX);
        }
        // Within a group every member is equally related to anyone, so only
        // the first few by title can ever be shown: keep them with their rank.
        let ranked: Vec<Vec<(u32, usize)>> = members
            .iter()
            .map(|m| {
                let mut m: Vec<(u32, usize)> = m.iter().map(|&j| (rank[j], j)).collect();
                m.sort_unstable();
                m.truncate(LIMIT + 1);
                m
            })
            .collect();
        if let Some(best) = by_superset_table(&keys, &ranked) {
            return Related {
                group_of,
                best,
                sets,
                vocabulary: Vec::new(),
                by_title,
            };
        }
        // Groups with listable pages, largest benefit sets first: once a list
        // is full, a group with fewer benefits than its last entry shares
        // cannot place, nor can any group after it.
        let mut live: Vec<usize> = (0..keys.len()).filter(|&g| !ranked[g].is_empty()).collect();
        live.sort_by_key(|&g| std::cmp::Reverse(keys[g].len()));
        // Each group's benefits as a bit set, so the share of two groups is a
        // few popcounts (every group meets every other group below).
        let words = keys
            .iter()
            .flatten()
            .max()
            .map_or(1, |&m| (m as usize + 1).div_ceil(64));
        let mut bits = vec![0u64; keys.len() * words];
        for (g, key) in keys.iter().enumerate() {
            for &b in key {
                bits[g * words + b as usize / 64] |= 1 << (b % 64);
            }
        }
        let shared = |g: usize, other: usize| -> u64 {
            if words == 1 {
                u64::from((bits[g] & bits[other]).count_ones())
            } else {
                bits[g * words..(g + 1) * words]
                    .iter()
                    .zip(&bits[other * words..(other + 1) * words])
                    .map(|(a, b)| u64::from((a & b).count_ones()))
                    .sum()
            }
        };
        let best = (0..keys.len())
            .into_par_iter()
            .map(|g| {
                // (how good, page), best first. How good is one number: shared
                // benefits, then earlier in title order (ranks are distinct).
                let mut top: Vec<(u64, usize)> = Vec::with_capacity(LIMIT + 2);
                for &other in &live {
                    if top.len() > LIMIT && (keys[other].len() as u64) < top[LIMIT].0 >> 32 {
                        break;
                    }
                    let score = shared(g, other);
                    if score == 0 {
                        continue;
                    }
                    let key = |r: u32| (score << 32) | u64::from(u32::MAX - r);
                    let m = &ranked[other];
                    // Nothing in this group beats a full list's last entry.
                    if top.len() > LIMIT && key(m[0].0) < top[LIMIT].0 {
                        continue;
                    }
                    for &(r, j) in m {
                        let k = key(r);
                        let at = top.iter().take_while(|e| e.0 > k).count();
                        if at <= LIMIT {
                            top.insert(at, (k, j));
                            top.truncate(LIMIT + 1);
                        } else {
                            // The rest of this group ranks lower still.
                            break;
                        }
                    }
                }
                top.into_iter().map(|(_, j)| j).collect()
            })
            .collect();
        Related {
            group_of,
            best,
            sets,
            vocabulary: Vec::new(),
            by_title,
        }
    }

    /// The pages related to page `i`, best first, at most `LIMIT`.
    pub fn of(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        self.group_of
            .get(i)
            .copied()
            .flatten()
            .and_then(|g| self.best.get(g))
            .into_iter()
            .flatten()
            .copied()
            .filter(move |&j| j != i)
            .take(LIMIT)
    }
}

/// The indexes of `pages` in title order, then source order. With `reuse`,
/// the pages that did not change keep their order in the last ranking
/// (their titles are those they had) when they kept their source order
/// too, and only the others are sorted and placed among them: sorting
/// every title again was most of the ranking after an article was added,
/// removed or made a draft in `serve` (issue 5).
fn title_order(pages: &[Candidate<'_>], reuse: Option<Reuse<'_>>) -> Vec<usize> {
    let before = |a: &usize, b: &usize| pages[*a].title.cmp(pages[*b].title).then(a.cmp(b));
    if let Some((prev, old)) = reuse
        && prev.by_title.len() == prev.sets.len()
    {
        // Last ranking's page -> this one's, for the pages kept.
        let mut new_of = vec![usize::MAX; prev.by_title.len()];
        let mut fresh: Vec<usize> = Vec::new();
        let mut last: Option<usize> = None;
        let mut in_order = true;
        for i in 0..pages.len() {
            match old(i).filter(|&o| new_of.get(o) == Some(&usize::MAX)) {
                Some(o) => {
                    in_order &= last.is_none_or(|l| l < o);
                    last = Some(o);
                    new_of[o] = i;
                }
                None => fresh.push(i),
            }
        }
        if in_order {
            let kept: Vec<usize> = prev
                .by_title
                .iter()
                .filter_map(|&o| new_of.get(o).copied().filter(|&i| i != usize::MAX))
                .collect();
            fresh.sort_unstable_by(before);
            let mut out = Vec::with_capacity(pages.len());
            let mut at = 0;
            for f in fresh {
                let to = at + kept[at..].partition_point(|k| before(k, &f).is_lt());
                out.extend_from_slice(&kept[at..to]);
                out.push(f);
                at = to;
            }
            out.extend_from_slice(&kept[at..]);
            return out;
        }
    }
    let mut by_title: Vec<usize> = (0..pages.len()).collect();
    by_title.par_sort_unstable_by(before);
    by_title
}

/// The first `LIMIT + 1` pages of a set of pages by title: their ranks
/// (a page's place in title order: one rank, one page), in order, held in
/// place. Ranks alone (not pages too) make the table of every set of
/// benefits a third the size, and `serve` ranks again after an article is
/// added or removed (issue 5).
#[derive(Debug, Clone, Copy, Default)]
struct Top {
    len: u8,
    items: [u32; LIMIT + 1],
}

impl Top {
    /// The first `LIMIT + 1` of `m` (sorted by rank).
    fn of(m: &[(u32, usize)]) -> Top {
        let mut t = Top::default();
        for &(r, _) in m.iter().take(LIMIT + 1) {
            t.push(r);
        }
        t
    }

    fn push(&mut self, r: u32) {
        self.items[usize::from(self.len)] = r;
        self.len += 1;
    }

    fn full(&self) -> bool {
        usize::from(self.len) > LIMIT
    }

    fn as_slice(&self) -> &[u32] {
        &self.items[..usize::from(self.len)]
    }

    /// The first `LIMIT + 1` of both, each page once (a page has one rank,
    /// so a page in both is the same entry twice).
    fn merge(&self, other: &Top) -> Top {
        let (a, b) = (self.as_slice(), other.as_slice());
        let (mut i, mut j) = (0, 0);
        let mut out = Top::default();
        while !out.full() && (i < a.len() || j < b.len()) {
            let next = match (a.get(i), b.get(j)) {
                (Some(&x), Some(&y)) if x == y => {
                    i += 1;
                    j += 1;
                    x
                }
                (Some(&x), Some(&y)) if x < y => {
                    i += 1;
                    x
                }
                (Some(_), Some(&y)) | (None, Some(&y)) => {
                    j += 1;
                    y
                }
                (Some(&x), None) => {
                    i += 1;
                    x
                }
                (None, None) => break,
            };
            out.push(next);
        }
        out
    }
}

/// Benefit vocabularies up to this size use `by_superset_table`.
const TABLE_BENEFITS: u32 = 16;

/// The best `LIMIT + 1` pages of every group, from a table over every set of
/// benefits (when the vocabulary is small, as sites' are): for each set `S`,
/// the first pages by title among groups holding all of `S`. A group `K`
/// then looks at the sets inside `K`, most benefits first, and stops once it
/// has enough pages sharing at least that many: the entry for `K` itself
/// usually has them all, so a group costs a few list merges instead of a
/// pass over every other group (a title or benefit edit in `serve` ranks
/// the whole site again). `None` for larger vocabularies.
///
/// Why it is exact: a page sharing `t` benefits with `K` holds the set
/// `S = K ∩ its benefits`, `|S| = t`. If it is missing from `S`'s entry,
/// that entry has `LIMIT + 1` pages earlier in title order, each sharing at
/// least `t` benefits with `K`: they all rank above it.
fn by_superset_table(keys: &[Vec<u32>], ranked: &[Vec<(u32, usize)>]) -> Option<Vec<Vec<usize>>> {
    let width = keys.iter().flatten().max().map_or(0, |&m| m + 1);
    if width > TABLE_BENEFITS {
        return None;
    }
    let mask_of = |key: &[u32]| key.iter().fold(0usize, |m, &b| m | 1 << b);
    let sets = 1usize << width;
    // table[S]: ranks, earliest title first, at most LIMIT + 1, in place
    // (no allocation for each of up to 65,536 sets).
    let mut table: Vec<Top> = vec![Top::default(); sets];
    // Rank -> (page, its group's benefits), for every page in the table.
    let mut page_mask: rustc_hash::FxHashMap<u32, (usize, usize)> = Default::default();
    for (key, m) in keys.iter().zip(ranked) {
        let mask = mask_of(key);
        table[mask] = Top::of(m);
        for &(r, j) in m {
            page_mask.insert(r, (j, mask));
        }
    }
    // Sum over supersets, one benefit at a time: every superset of `S`
    // reaches `S` exactly once. For benefit `b`, each run of `2 * half`
    // sets is those without it (`lo`), each taking in the same set with it
    // (`hi`): runs, and parts of a run, are independent, so on every core.
    let take_in = |lo: &mut [Top], hi: &[Top]| {
        for (l, h) in lo.iter_mut().zip(hi) {
            if h.len > 0 {
                *l = l.merge(h);
            }
        }
    };
    const PART: usize = 4096;
    for b in 0..width {
        let half = 1usize << b;
        if half < PART {
            table
                .par_chunks_mut(2 * half)
                .with_min_len(PART / half)
                .for_each(|run| {
                    let (lo, hi) = run.split_at_mut(half);
                    take_in(lo, hi);
                });
        } else {
            for run in table.chunks_mut(2 * half) {
                let (lo, hi) = run.split_at_mut(half);
                lo.par_chunks_mut(PART)
                    .zip(hi.par_chunks(PART))
                    .for_each(|(l, h)| take_in(l, h));
            }
        }
    }
    let best = keys
        .par_iter()
        .map(|key| {
            let mask = mask_of(key);
            let bits: Vec<usize> = key.iter().map(|&b| 1usize << b).collect();
            let k = bits.len();
            // (shared benefits, rank, page) of every page seen.
            let mut seen: Vec<(usize, u32, usize)> = Vec::new();
            for level in (1..=k).rev() {
                // Every set of `level` of the group's benefits (Gosper's hack
                // over positions in `bits`).
                let mut pick: usize = (1 << level) - 1;
                while pick < 1 << k {
                    let s = (0..k)
                        .filter(|i| pick & 1 << i != 0)
                        .fold(0, |s, i| s | bits[i]);
                    for &r in table[s].as_slice() {
                        if !seen.iter().any(|e| e.1 == r)
                            && let Some(&(j, theirs)) = page_mask.get(&r)
                        {
                            seen.push(((mask & theirs).count_ones() as usize, r, j));
                        }
                    }
                    let low = pick & pick.wrapping_neg();
                    let ripple = pick + low;
                    pick = (((ripple ^ pick) >> 2) / low) | ripple;
                }
                if seen.iter().filter(|e| e.0 >= level).count() > LIMIT {
                    break;
                }
            }
            seen.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            seen.into_iter().take(LIMIT + 1).map(|e| e.2).collect()
        })
        .collect();
    Some(best)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Size of the intersection of two sorted, deduplicated lists.
    fn shared(a: &[u32], b: &[u32]) -> usize {
        let (mut i, mut j, mut n) = (0, 0, 0);
        while i < a.len() && j < b.len() {
            match a[i].cmp(&b[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    n += 1;
                    i += 1;
                    j += 1;
                }
            }
        }
        n
    }

    /// The obvious quadratic ranking, as the renderer did it before.
    fn brute(pages: &[Candidate<'_>], i: usize) -> Vec<usize> {
        let set = |p: &Candidate<'_>| {
            let mut v = p.benefits.to_vec();
            v.sort_unstable();
            v.dedup();
            v
        };
        let mine = set(&pages[i]);
        let mut ranked: Vec<(usize, usize)> = pages
            .iter()
            .enumerate()
            .filter(|&(j, p)| j != i && p.listable)
            .map(|(j, p)| (shared(&mine, &set(p)), j))
            .filter(|&(s, _)| s > 0)
            .collect();
        ranked.sort_by(|a, b| {
            b.0.cmp(&a.0)
                .then(pages[a.1].title.cmp(pages[b.1].title))
                .then(a.1.cmp(&b.1))
        });
        ranked.into_iter().take(LIMIT).map(|(_, j)| j).collect()
    }

    fn page(benefits: &[u32], title: &'static str) -> Candidate<'static> {
        Candidate {
            benefits: benefits.to_vec().into(),
            listable: true,
            title,
        }
    }

    #[test]
    fn most_shared_benefits_first_then_title() {
        let pages = vec![
            page(&[0, 1, 2], "Me"),
            page(&[0], "B one"),
            page(&[0, 1], "Z two"),
            page(&[3], "Nothing shared"),
            page(&[2, 1, 0], "Y three"),
            page(&[1], "A one"),
            page(&[2], "C one"),
        ];
        let r = Related::new(&pages);
        assert_eq!(r.of(0).collect::<Vec<_>>(), vec![4, 2, 5, 1]);
        assert_eq!(r.of(3).count(), 0, "no shared benefit, nothing related");
    }

    #[test]
    fn never_itself_nor_sections_nor_pages_without_benefits() {
        let mut pages = vec![
            page(&[5], "Same"),
            page(&[5], "Same"),
            page(&[5], "Section"),
            page(&[], "Empty"),
        ];
        pages[2].listable = false;
        let r = Related::new(&pages);
        assert_eq!(r.of(0).collect::<Vec<_>>(), vec![1]);
        assert_eq!(r.of(1).collect::<Vec<_>>(), vec![0]);
        assert_eq!(r.of(2).collect::<Vec<_>>(), vec![0, 1]);
        assert_eq!(r.of(3).count(), 0);
        assert_eq!(r.of(99).count(), 0, "out of range is empty, not a panic");
    }

    #[test]
    fn duplicate_titles_rank_by_source_order() {
        let pages: Vec<_> = (0..8).map(|_| page(&[1], "Same title")).collect();
        let r = Related::new(&pages);
        assert_eq!(r.of(0).collect::<Vec<_>>(), vec![1, 2, 3, 4]);
        assert_eq!(r.of(2).collect::<Vec<_>>(), vec![0, 1, 3, 4]);
    }

    /// The title order of a ranking that reused the last one's for the
    /// pages kept (`title_order`): pages added, removed, retitled, with
    /// equal titles among them, in and out of source order.
    #[test]
    fn title_order_reused_from_the_last_ranking_is_the_sorted_one() {
        const TITLES: [&str; 5] = ["Apple", "Pear", "Fig", "Apple", "Kiwi"];
        let before: Vec<Candidate<'static>> = (0..40)
            .map(|i| page(&[1], TITLES[i % TITLES.len()]))
            .collect();
        let prev = Related::new(&before);
        // Page 3 removed, page 10 retitled (changed), a page added at 20,
        // the rest kept: new page i is old page old[i].
        let mut now: Vec<Candidate<'static>> = Vec::new();
        let mut old: Vec<Option<usize>> = Vec::new();
        for (o, kept) in before.iter().enumerate() {
            if o == 3 {
                continue;
            }
            if o == 20 {
                now.push(page(&[1], "Banana"));
                old.push(None);
            }
            if o == 10 {
                now.push(page(&[1], "Zucchini"));
                old.push(None);
                continue;
            }
            now.push(kept.clone());
            old.push(Some(o));
        }
        let sorted = title_order(&now, None);
        let lookup = |i: usize| old.get(i).copied().flatten();
        assert_eq!(title_order(&now, Some((&prev, &lookup))), sorted);
        // Kept pages out of their source order: sorted anew, same result.
        let swapped = |i: usize| match i {
            0 => Some(1),
            1 => Some(0),
            _ => lookup(i),
        };
        assert_eq!(title_order(&now, Some((&prev, &swapped))), sorted);
        let titles: Vec<&str> = sorted.iter().map(|&i| now[i].title).collect();
        assert!(titles.windows(2).all(|w| w[0] <= w[1]), "{titles:?}");
    }

    #[test]
    fn matches_the_quadratic_ranking_on_a_generated_site() {
        generated_site_matches(6, 4, 400);
    }

    #[test]
    fn matches_the_quadratic_ranking_with_more_benefits_than_a_machine_word() {
        generated_site_matches(150, 40, 400);
    }

    #[test]
    fn matches_the_quadratic_ranking_with_many_benefits_per_page() {
        // The superset table, with sets of up to 13 of 14 benefits.
        generated_site_matches(14, 14, 700);
    }

    #[test]
    fn matches_the_quadratic_ranking_on_a_sparse_site() {
        // Few pages: lists are rarely full at the first level.
        generated_site_matches(12, 6, 25);
    }

    fn generated_site_matches(vocabulary: u64, most: u64, count: usize) {
        const TITLES: [&str; 7] = ["A", "B", "C", "D", "E", "F", "G"];
        let mut seed = 42u64;
        let mut next = move |n: u64| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % n
        };
        let pages: Vec<Candidate<'static>> = (0..count)
            .map(|_| {
                let k = next(most);
                Candidate {
                    benefits: (0..k)
                        .map(|_| u32::try_from(next(vocabulary)).unwrap_or(0))
                        .collect::<Vec<u32>>()
                        .into(),
                    listable: next(10) != 0,
                    title: TITLES[usize::try_from(next(7)).unwrap_or(0)],
                }
            })
            .collect();
        let r = Related::new(&pages);
        for i in 0..pages.len() {
            assert_eq!(r.of(i).collect::<Vec<_>>(), brute(&pages, i), "page {i}");
        }
    }
}
