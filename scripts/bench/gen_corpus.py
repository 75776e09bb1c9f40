#!/usr/bin/env python3
"""careleaf's wrapper around the shared benchmark corpus generator.

`../shared/bench/compare.sh` runs `gen_corpus.py` from its own folder.
`scripts/bench-compare.sh` runs compare.sh from a scratch folder where
`gen_corpus.py` is this file, so the careleaf site it times is a real
careleaf site built from the same corpus as Hugo's.

With `--layout plain` this runs the shared generator (same bodies, same
metadata, same seed) and then maps its neutral front matter onto careleaf's
schema, which rejects unknown keys:

  author: "Dr. Priya Haddad"   ->  authors: [dr-priya-haddad]   + people.yaml
  (first tag = procedure slug) ->  treatment: <slug>            + treatments.yaml
  benefits: [slug, ...]        ->  unchanged                    + benefits.yaml
  title, date, description, tags, faq: unchanged; bodies are byte-identical.

It also writes site.yaml (paginate_by = the corpus page size, as Hugo's; the
trust rules `off`, since the corpus has no reviewers or sources to cite;
`search: false` unless CARELEAF_BENCH_SEARCH=on, so the Pagefind index is
timed separately),
content/_index.md (home) and content/articles/_index.md (the section Hugo's
layout has too). Other layouts are passed through untouched.

Usage: same arguments as the shared gen_corpus.py. The shared script is
found at $CARELEAF_SHARED_BENCH/gen_corpus.py (default: ../shared/bench
next to the repository). Only the Python standard library is used.
"""

import importlib.util
import os
import re
import sys

HERE = os.path.dirname(os.path.realpath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SHARED = os.environ.get("CARELEAF_SHARED_BENCH") or os.path.join(os.path.dirname(REPO), "shared", "bench")


def load_shared():
    path = os.path.join(SHARED, "gen_corpus.py")
    spec = importlib.util.spec_from_file_location("shared_gen_corpus", path)
    if spec is None or spec.loader is None:
        sys.exit(f"cannot load {path} (set CARELEAF_SHARED_BENCH)")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def slug(s):
    return re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")


def q(s):
    import json
    return json.dumps(s, ensure_ascii=True)


AUTHOR = re.compile(r'^author: (".*")$', re.M)
TAGS = re.compile(r'^tags:\n  - "([^"]+)"$', re.M)


def adapt(gen, out):
    art_dir = os.path.join(out, "content", "articles")
    people = {}
    for name in sorted(os.listdir(art_dir)):
        if not name.endswith(".md"):
            continue
        path = os.path.join(art_dir, name)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        end = text.index("\n---\n", 4)
        fm, body = text[:end], text[end:]
        m = AUTHOR.search(fm)
        if m is None:
            sys.exit(f"{path}: no `author:` line to map")
        import json
        author = json.loads(m.group(1))
        people[slug(author)] = author
        treatment = TAGS.search(fm)
        repl = f"authors: [{slug(author)}]"
        if treatment is not None:
            repl += f"\ntreatment: {treatment.group(1)}"
        fm = fm[: m.start()] + repl + fm[m.end():]
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(fm + body)

    def write(rel, text):
        p = os.path.join(out, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)

    write("site.yaml", "\n".join([
        f"title: {q(gen.SITE_TITLE)}",
        "base_url: https://example.org/",
        "language: en",
        "description: \"Generated benchmark corpus of clinic articles.\"",
        f"paginate_by: {gen.PAGE_SIZE}",
        "# The corpus has no medical review data (reviewer, review date, sources):",
        "# the trust rules still run but are not reported, as on a site that has it.",
        "# The search index (Pagefind) is timed separately: CARELEAF_BENCH_SEARCH=on.",
        f"search: {'true' if os.environ.get('CARELEAF_BENCH_SEARCH') == 'on' else 'false'}",
        "check:",
        "  severity:",
        "    trust.no-sources: off",
        "    trust.no-reviewer: off",
        "    trust.no-review-date: off",
        "",
    ]))
    write("content/_index.md", f"---\ntitle: {q(gen.SITE_TITLE)}\n---\n")
    write("content/articles/_index.md", "---\ntitle: \"Articles\"\n---\n")
    write("content/people.yaml", "".join(
        f"- id: {pid}\n  name: {q(name)}\n" for pid, name in sorted(people.items())))
    write("content/benefits.yaml", "".join(
        f"- slug: {s}\n  name: {q(name)}\n  summary: {q(name + '.')}\n  order: {i + 1}\n"
        for i, (s, name) in enumerate(gen.BENEFITS)))
    write("content/treatments.yaml", "".join(
        f"- slug: {s}\n  name: {q(name)}\n  summary: {q('Articles about ' + noun + '.')}\n"
        for name, s, noun in gen.PROCEDURES))


def main(argv):
    gen = load_shared()
    gen.main(argv)
    layout = out = None
    for i, a in enumerate(argv):
        if a == "--layout":
            layout = argv[i + 1]
        elif a.startswith("--layout="):
            layout = a.split("=", 1)[1]
        elif a == "--out":
            out = argv[i + 1]
        elif a.startswith("--out="):
            out = a.split("=", 1)[1]
    if layout == "plain" and out:
        adapt(gen, out)


if __name__ == "__main__":
    main(sys.argv[1:])
