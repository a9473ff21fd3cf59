"""How the lexicon (surface form -> label + CURIE) is assembled from its sources (the builder's rules).

The lexicon is built once from curated vocabularies and the *training* splits of annotated
corpora, and shipped as a small artifact (``kg/resources/lexicon.tsv.gz`` plus
``lexicon.meta.json``). Build: :func:`kg.train.vocab.build_lexicon` (``medkg vocab build``), which
reads the sources and calls :func:`assemble_lexicon`; use: :func:`kg.vocab.lexicon.load_lexicon`.

Sources, in order of preference for a term's CURIE:

1. Hetionet nodes: Compound -> Drug ``DRUGBANK:``, Disease -> Disease ``DOID:``,
   Symptom -> Symptom ``MESH:``.
2. HPO (from ``hpo3``): terms below Phenotypic abnormality -> Symptom ``HP:`` (a term whose
   name equals a Hetionet Disease name is taken as that Disease; its HP id becomes an xref).
   For a Symptom name present in both, the ``HP:`` id wins and the MeSH id becomes an xref.
3. Corpus mentions, TRAIN + DEV only (test splits are evaluation data and are never read):
   BC5CDR Chemical -> Drug ``MESH:``, Disease -> Disease ``MESH:``; NCBI-disease (all four
   classes) -> Disease ``MESH:`` / ``OMIM:``. Mentions with id ``-1`` or several ids
   (composite or ambiguous) are skipped and counted. Per (term, label) the most frequent id
   wins (ties: smallest id).

Conflict rules: a (term, label) with a curated entry keeps the curated CURIE and the corpus id
goes into ``xrefs``. A corpus id seen on the very same term as exactly one curated CURIE of the
same label is taken as that concept: every other corpus term with that id is linked to the
curated CURIE too (``aspirin`` -> MESH:D001241 -> ``DRUGBANK:DB00945`` via
``acetylsalicylic acid``), keeping the corpus id as an xref. Terms are compared
case-insensitively with whitespace collapsed; one entry is kept per (term, label), so a term may
appear once as Disease and once as Symptom (BC5CDR and NCBI-disease annotate symptoms as
Disease).

Filter rules (vocabulary filtering; every dropped term is counted by reason in the stats):

* ``too_short``: fewer than 3 characters, unless an all-caps abbreviation of at least
  2 letters from a curated source (Hetionet, HPO);
* ``no_letters``: no alphabetic character (numbers, punctuation);
* ``stopwords``: only English stopwords;
* ``control_chars``: a tab, newline or other control character.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from kg.ids import corpus_curie
from kg.logs import get_logger
from kg.vocab.lexicon import LexEntry, term_key

logger = get_logger(__name__)

#: Training/development files read from each corpus directory. Test files are never read.
BC5CDR_FILES = ("CDR_TrainingSet.PubTator.txt", "CDR_DevelopmentSet.PubTator.txt")
NCBI_FILES = ("NCBItrainset_corpus.txt", "NCBIdevelopset_corpus.txt")

#: Preference among curated sources per label (first wins).
_CURATED_RANK = {"Drug": ("hetionet",), "Disease": ("hetionet", "hpo"), "Symptom": ("hpo", "hetionet")}
_BC5CDR_LABELS = {"Chemical": "Drug", "Disease": "Disease"}
_NCBI_CLASSES = frozenset({"SpecificDisease", "DiseaseClass", "Modifier", "CompositeMention"})
HETIONET_LABELS = frozenset({"Drug", "Disease", "Symptom"})

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few for
    from further had has have having he her here hers him his how i if in into is it its itself
    just may me might more most must my no nor not now of off on once only or other our ours out
    over own per same she should so some such than that the their them then there these they
    this those through to too under until up upon very via was we were what when where which
    while who whom why will with within without would you your yours""".split()
)

SOURCE_INFO: dict[str, dict[str, str]] = {
    "hetionet": {
        "name": "Hetionet v1.0 nodes",
        "version": "v1.0",
        "license": "CC0 1.0 (hetio/hetionet: all original content released as CC0)",
        "citation": "Himmelstein DS et al., eLife 2017;6:e26726",
    },
    "bc5cdr": {
        "name": "BioCreative V CDR corpus (train + dev)",
        "version": "CDR.Corpus.v010516",
        "license": "Public domain (NCBI United States Government Work)",
        "citation": "Li J et al., Database 2016; Wei CH et al. 2015",
    },
    "ncbi_disease": {
        "name": "NCBI-disease corpus (train + dev)",
        "version": "2014 release",
        "license": "Public domain (NLM United States Government Work)",
        "citation": "Dogan RI, Leaman R, Lu Z, J Biomed Inform 2014;47:1-10",
    },
}

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TOKEN = re.compile(r"[A-Za-z0-9]+")
_TEXT_LINE = re.compile(r"^\d+\|[ta]\|")


@dataclass(frozen=True)
class CorpusMention:
    """One annotated corpus mention, as read from a PubTator file."""

    text: str
    label: str
    curie: str
    source: str


# --------------------------------------------------------------------------- pure core


def drop_reason(term: str, curated: bool) -> str | None:
    """Why a term is unfit for the lexicon, or None if it is fit.

    Args:
        term: The surface form (already stripped).
        curated: Whether it comes from a curated source (Hetionet, HPO).

    Returns:
        One of ``control_chars``, ``no_letters``, ``too_short``, ``stopwords``, or None.
    """
    if _CONTROL.search(term):
        return "control_chars"
    if not any(c.isalpha() for c in term):
        return "no_letters"
    if len(term) < 3:
        letters = [c for c in term if c.isalpha()]
        if not (curated and len(letters) >= 2 and term.isupper() and term.isalnum()):
            return "too_short"
    tokens = _TOKEN.findall(term.casefold())
    if tokens and all(t in STOPWORDS for t in tokens):
        return "stopwords"
    return None


def parse_pubtator(lines: Iterable[str], source: str, location: str) -> tuple[list[CorpusMention], Counter[str]]:
    """Read entity mentions from a PubTator file (BC5CDR or NCBI-disease layout).

    Args:
        lines: The file's lines.
        source: ``bc5cdr`` or ``ncbi_disease``; selects the type mapping.
        location: File name, used in log messages.

    Returns:
        ``(mentions, skipped)``: usable mentions with medkg labels and CURIEs, and counts of
        lines skipped by reason (``no_id`` for ``-1``, ``multiple_ids`` for composite or
        ambiguous ids, ``other_type``, ``malformed``).
    """
    mentions: list[CorpusMention] = []
    skipped: Counter[str] = Counter()
    for lineno, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if not line.strip() or _TEXT_LINE.match(line):
            continue
        parts = line.split("\t")
        if len(parts) >= 2 and parts[1] == "CID":
            continue
        if len(parts) < 6 or not (parts[1].isdigit() and parts[2].isdigit()):
            skipped["malformed"] += 1
            logger.warning("%s:%d: malformed PubTator line skipped", location, lineno)
            continue
        text, etype, ids = parts[3].strip(), parts[4], parts[5].strip()
        if source == "bc5cdr":
            label = _BC5CDR_LABELS.get(etype)
        else:
            label = "Disease" if etype in _NCBI_CLASSES else None
        if label is None:
            skipped["other_type"] += 1
            continue
        if ids in ("", "-1"):
            skipped["no_id"] += 1
            continue
        if "|" in ids or "+" in ids or len(parts) > 6:
            skipped["multiple_ids"] += 1
            continue
        mentions.append(CorpusMention(text=text, label=label, curie=corpus_curie(ids), source=source))
    return mentions, skipped


@dataclass
class _Curated:
    term: str
    label: str
    curie: str
    name: str
    source: str


@dataclass
class _Tally:
    """What one assembly counts: dropped terms per reason and the conflict resolutions made."""

    dropped: Counter[str] = field(default_factory=Counter)
    stats: Counter[str] = field(default_factory=Counter)


@dataclass
class _CorpusCounts:
    """Per (key, label): corpus ids, surface forms and ``id<TAB>source``; per id: its surface forms."""

    id_counts: dict[tuple[str, str], Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    surface: dict[tuple[str, str], Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    id_source: dict[tuple[str, str], Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    id_names: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))


def _top(counter: Counter[str]) -> str:
    """The most frequent key (ties: the smallest)."""
    return min(counter.items(), key=lambda kv: (-kv[1], kv[0]))[0]


def _curated_winners(
    curated: Iterable[tuple[str, str, str, str, str]], tally: _Tally
) -> tuple[dict[tuple[str, str], _Curated], dict[tuple[str, str], set[str]]]:
    """Step 1: one curated winner per (key, label); cross-source duplicates become xrefs."""
    rank = {lab: {s: i for i, s in enumerate(order)} for lab, order in _CURATED_RANK.items()}
    cur_all: dict[tuple[str, str], list[_Curated]] = defaultdict(list)
    for term, label, curie, name, source in curated:
        term = term.strip()
        reason = drop_reason(term, curated=True)
        if reason:
            tally.dropped[f"{source}:{reason}"] += 1
            continue
        cur_all[(term_key(term), label)].append(_Curated(term, label, curie, name, source))
    disease_keys = {k for (k, lab) in cur_all if lab == "Disease"}
    winners: dict[tuple[str, str], _Curated] = {}
    xrefs: dict[tuple[str, str], set[str]] = defaultdict(set)
    for (key, label), cands in sorted(cur_all.items()):
        if label == "Symptom" and key in disease_keys:
            hpo = [c for c in cands if c.source == "hpo"]
            if hpo:
                xrefs[(key, "Disease")].update(c.curie for c in hpo)
                tally.stats["hpo_terms_taken_as_disease"] += len(hpo)
                cands = [c for c in cands if c.source != "hpo"]
                if not cands:
                    continue
        cands = sorted(cands, key=lambda c: (rank[label].get(c.source, 99), c.curie))
        win = cands[0]
        winners[(key, label)] = win
        for other in cands[1:]:
            if other.curie == win.curie:
                continue
            if other.source != win.source:
                xrefs[(key, label)].add(other.curie)
                tally.stats["curated_cross_source_xrefs"] += 1
            else:
                tally.stats["curated_same_name_conflicts"] += 1
                logger.debug("curated name conflict %r (%s): kept %s, dropped %s", key, label, win.curie, other.curie)
    return winners, xrefs


def _corpus_counts(mentions: Iterable[CorpusMention], tally: _Tally) -> _CorpusCounts:
    """Step 2: counts per (key, label) of ids, surface forms and sources."""
    counts = _CorpusCounts()
    for m in mentions:
        reason = drop_reason(m.text, curated=False)
        if reason:
            tally.dropped[f"{m.source}:{reason}"] += 1
            continue
        k = (term_key(m.text), m.label)
        counts.id_counts[k][m.curie] += 1
        counts.surface[k][m.text] += 1
        counts.id_source[k][f"{m.curie}\t{m.source}"] += 1
        counts.id_names[m.curie][m.text] += 1
    return counts


def _corpus_winners(counts: _CorpusCounts, tally: _Tally) -> dict[tuple[str, str], str]:
    """The most frequent corpus id per (key, label) (ties: the smallest id)."""
    corpus_win: dict[tuple[str, str], str] = {}
    for k, ids in counts.id_counts.items():
        corpus_win[k] = _top(ids)
        if len(ids) > 1:
            tally.stats["corpus_terms_with_several_ids"] += 1
    return corpus_win


def _curated_id_map(
    corpus_win: dict[tuple[str, str], str], winners: dict[tuple[str, str], _Curated], tally: _Tally
) -> dict[tuple[str, str], str]:
    """Step 3: (corpus id, label) -> curated CURIE, where the same term has exactly one curated concept."""
    votes: dict[tuple[str, str], set[str]] = defaultdict(set)  # (corpus id, label) -> curated
    for k, cid in corpus_win.items():
        if k in winners:
            votes[(cid, k[1])].add(winners[k].curie)
    tally.stats["corpus_ids_ambiguous_to_curated"] = sum(1 for v in votes.values() if len(v) > 1)
    return {ck: next(iter(v)) for ck, v in votes.items() if len(v) == 1}


def _entry(term: str, label: str, curie: str, name: str, source: str, xrefs: Iterable[str]) -> LexEntry:
    return LexEntry.model_validate(
        {"term": term, "label": label, "curie": curie, "concept_name": name, "source": source, "xrefs": tuple(xrefs)}
    )


def _curated_entries(
    winners: dict[tuple[str, str], _Curated],
    xrefs: dict[tuple[str, str], set[str]],
    corpus_win: dict[tuple[str, str], str],
    tally: _Tally,
) -> list[LexEntry]:
    """Step 4a: an entry per curated winner; the corpus id of the same term becomes an xref."""
    entries: list[LexEntry] = []
    for (key, label), win in winners.items():
        xs = set(xrefs.get((key, label), set()))
        if (key, label) in corpus_win:
            xs.add(corpus_win[(key, label)])
            tally.stats["curated_terms_confirmed_by_corpus"] += 1
        xs.discard(win.curie)
        entries.append(_entry(win.term, label, win.curie, win.name, win.source, sorted(xs)))
    return entries


def _corpus_entries(
    corpus_win: dict[tuple[str, str], str],
    winners: dict[tuple[str, str], _Curated],
    counts: _CorpusCounts,
    tally: _Tally,
) -> list[LexEntry]:
    """Step 4b: an entry per corpus-only term, on the curated CURIE its id maps to where there is one."""
    id_map = _curated_id_map(corpus_win, winners, tally)
    curated_names = {(w.curie, lab): w.name for (_, lab), w in winners.items()}
    entries: list[LexEntry] = []
    for k, cid in corpus_win.items():
        if k in winners:
            continue
        label = k[1]
        pair = counts.id_source[k]
        source = _top(Counter({p.split("\t")[1]: n for p, n in pair.items() if p.startswith(cid + "\t")}))
        mapped = id_map.get((cid, label))
        corpus_xrefs: tuple[str, ...]
        if mapped is not None:
            tally.stats["corpus_terms_linked_to_curated"] += 1
            curie, name, corpus_xrefs = mapped, curated_names[(mapped, label)], (cid,)
        else:
            curie, name, corpus_xrefs = cid, _top(counts.id_names[cid]), ()
        entries.append(_entry(_top(counts.surface[k]), label, curie, name, source, corpus_xrefs))
    return entries


def _summary(entries: list[LexEntry], tally: _Tally) -> dict[str, Any]:
    return {
        "entries": len(entries),
        "by_label": dict(sorted(Counter(e.label for e in entries).items())),
        "by_source": dict(sorted(Counter(e.source for e in entries).items())),
        "by_label_source": dict(sorted(Counter(f"{e.label}/{e.source}" for e in entries).items())),
        "by_prefix": dict(sorted(Counter(e.curie.split(":")[0] for e in entries).items())),
        "dropped_terms": dict(sorted(tally.dropped.items())),
        "resolutions": dict(sorted(tally.stats.items())),
        "terms_with_disease_and_symptom": len(
            {term_key(e.term) for e in entries if e.label == "Disease"}
            & {term_key(e.term) for e in entries if e.label == "Symptom"}
        ),
    }


def assemble_lexicon(
    curated: Iterable[tuple[str, str, str, str, str]],
    mentions: Iterable[CorpusMention],
) -> tuple[list[LexEntry], dict[str, Any]]:
    """Merge curated names and corpus mentions into lexicon entries (see the module docstring).

    Args:
        curated: ``(term, label, curie, concept_name, source)`` from curated sources, where
            source is ``hetionet`` or ``hpo``; HPO Symptom terms whose key equals a Hetionet
            Disease key are turned into xrefs of the Disease entry.
        mentions: Corpus mentions.

    Returns:
        ``(entries, stats)``: entries sorted by (label, key, curie); stats count entries per
        label and source, dropped terms per reason, and the conflict resolutions made.
    """
    tally = _Tally()
    winners, xrefs = _curated_winners(curated, tally)
    counts = _corpus_counts(mentions, tally)
    corpus_win = _corpus_winners(counts, tally)
    entries = _curated_entries(winners, xrefs, corpus_win, tally)
    entries += _corpus_entries(corpus_win, winners, counts, tally)
    entries.sort(key=lambda e: (e.label, term_key(e.term), e.curie))
    return entries, _summary(entries, tally)
