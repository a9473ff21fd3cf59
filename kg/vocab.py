"""A lexicon (surface form -> label + CURIE) for dictionary NER and entity linking.

The lexicon is built once from curated vocabularies and the *training* splits of annotated
corpora, and shipped as a small artifact (``kg/resources/lexicon.tsv.gz`` plus
``lexicon.meta.json``). Build: ``build_lexicon`` (``medkg vocab build``); use: ``load_lexicon``.

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

import gzip
import io
import logging
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from kg.ids import corpus_curie
from kg.types import EntityLabel

logger = logging.getLogger(__name__)

RESOURCES = Path(__file__).resolve().parent / "resources"
DEFAULT_LEXICON_PATH = RESOURCES / "lexicon.tsv.gz"
HEADER = ("term", "label", "curie", "concept_name", "source", "xrefs")

#: Training/development files read from each corpus directory. Test files are never read.
BC5CDR_FILES = ("CDR_TrainingSet.PubTator.txt", "CDR_DevelopmentSet.PubTator.txt")
NCBI_FILES = ("NCBItrainset_corpus.txt", "NCBIdevelopset_corpus.txt")

CURATED_SOURCES = frozenset({"hetionet", "hpo"})
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

_WS = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TOKEN = re.compile(r"[A-Za-z0-9]+")
_TEXT_LINE = re.compile(r"^\d+\|[ta]\|")


class LexiconError(RuntimeError):
    """The lexicon or one of its inputs is missing or unreadable."""


class LexiconNotFoundError(LexiconError, FileNotFoundError):
    """A lexicon file or a build input does not exist."""


class LexEntry(BaseModel):
    """One lexicon entry: a surface form with its label and concept.

    Attributes:
        term: The surface form to match (original casing of the preferred source).
        label: Drug, Disease or Symptom.
        curie: The concept's CURIE (curated ids preferred over corpus MeSH/OMIM ids).
        concept_name: The concept's preferred name (for corpus-only ids: its most frequent
            mention text).
        source: The source the entry's CURIE came from (hetionet, hpo, bc5cdr, ncbi_disease).
        xrefs: Other CURIEs for the same term and concept (``|``-separated in the file).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    term: str
    label: EntityLabel
    curie: str
    concept_name: str
    source: str
    xrefs: tuple[str, ...] = ()


@dataclass(frozen=True)
class CorpusMention:
    """One annotated corpus mention, as read from a PubTator file."""

    text: str
    label: str
    curie: str
    source: str


# --------------------------------------------------------------------------- pure core


def term_key(term: str) -> str:
    """The matching key of a term: casefolded, whitespace collapsed.

    Args:
        term: A surface form.

    Returns:
        The key.
    """
    return _WS.sub(" ", term.strip()).casefold()


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


def assemble_lexicon(
    curated: Iterable[tuple[str, str, str, str, str]],
    mentions: Iterable[CorpusMention],
) -> tuple[list[LexEntry], dict[str, Any]]:
    """Merge curated names and corpus mentions into lexicon entries (see module docstring).

    Args:
        curated: ``(term, label, curie, concept_name, source)`` from curated sources, where
            source is ``hetionet`` or ``hpo``; HPO Symptom terms whose key equals a Hetionet
            Disease key are turned into xrefs of the Disease entry.
        mentions: Corpus mentions.

    Returns:
        ``(entries, stats)``: entries sorted by (label, key, curie); stats count entries per
        label and source, dropped terms per reason, and the conflict resolutions made.
    """
    dropped: Counter[str] = Counter()
    stats: Counter[str] = Counter()
    rank = {lab: {s: i for i, s in enumerate(order)} for lab, order in _CURATED_RANK.items()}

    # 1. curated: one winner per (key, label); cross-source duplicates become xrefs.
    cur_all: dict[tuple[str, str], list[_Curated]] = defaultdict(list)
    for term, label, curie, name, source in curated:
        term = term.strip()
        reason = drop_reason(term, curated=True)
        if reason:
            dropped[f"{source}:{reason}"] += 1
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
                stats["hpo_terms_taken_as_disease"] += len(hpo)
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
                stats["curated_cross_source_xrefs"] += 1
            else:
                stats["curated_same_name_conflicts"] += 1
                logger.debug("curated name conflict %r (%s): kept %s, dropped %s", key, label, win.curie, other.curie)

    # 2. corpus: counts per (key, label) of ids, surface forms and sources.
    id_counts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    surface: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    id_source: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    id_names: dict[str, Counter[str]] = defaultdict(Counter)
    for m in mentions:
        reason = drop_reason(m.text, curated=False)
        if reason:
            dropped[f"{m.source}:{reason}"] += 1
            continue
        k = (term_key(m.text), m.label)
        id_counts[k][m.curie] += 1
        surface[k][m.text] += 1
        id_source[k][f"{m.curie}\t{m.source}"] += 1
        id_names[m.curie][m.text] += 1

    def top(counter: Counter[str]) -> str:
        return min(counter.items(), key=lambda kv: (-kv[1], kv[0]))[0]

    corpus_win: dict[tuple[str, str], str] = {}
    for k, counts in id_counts.items():
        corpus_win[k] = top(counts)
        if len(counts) > 1:
            stats["corpus_terms_with_several_ids"] += 1

    # 3. corpus id -> curated CURIE where the same term has exactly one curated concept.
    votes: dict[tuple[str, str], set[str]] = defaultdict(set)  # (corpus id, label) -> curated
    for k, cid in corpus_win.items():
        if k in winners:
            votes[(cid, k[1])].add(winners[k].curie)
    id_map = {ck: next(iter(v)) for ck, v in votes.items() if len(v) == 1}
    stats["corpus_ids_ambiguous_to_curated"] = sum(1 for v in votes.values() if len(v) > 1)
    curated_names = {(w.curie, lab): w.name for (_, lab), w in winners.items()}

    # 4. entries.
    entries: list[LexEntry] = []
    for (key, label), win in winners.items():
        xs = set(xrefs.get((key, label), set()))
        if (key, label) in corpus_win:
            xs.add(corpus_win[(key, label)])
            stats["curated_terms_confirmed_by_corpus"] += 1
        xs.discard(win.curie)
        entries.append(
            LexEntry.model_validate(
                {
                    "term": win.term,
                    "label": label,
                    "curie": win.curie,
                    "concept_name": win.name,
                    "source": win.source,
                    "xrefs": tuple(sorted(xs)),
                }
            )
        )
    for k, cid in corpus_win.items():
        if k in winners:
            continue
        key, label = k
        pair = id_source[k]
        source = top(Counter({p.split("\t")[1]: n for p, n in pair.items() if p.startswith(cid + "\t")}))
        mapped = id_map.get((cid, label))
        corpus_xrefs: tuple[str, ...]
        if mapped is not None:
            stats["corpus_terms_linked_to_curated"] += 1
            curie, name, corpus_xrefs = mapped, curated_names[(mapped, label)], (cid,)
        else:
            curie, name, corpus_xrefs = cid, top(id_names[cid]), ()
        entries.append(
            LexEntry.model_validate(
                {
                    "term": top(surface[k]),
                    "label": label,
                    "curie": curie,
                    "concept_name": name,
                    "source": source,
                    "xrefs": corpus_xrefs,
                }
            )
        )
    entries.sort(key=lambda e: (e.label, term_key(e.term), e.curie))
    out_stats: dict[str, Any] = {
        "entries": len(entries),
        "by_label": dict(sorted(Counter(e.label for e in entries).items())),
        "by_source": dict(sorted(Counter(e.source for e in entries).items())),
        "by_label_source": dict(sorted(Counter(f"{e.label}/{e.source}" for e in entries).items())),
        "by_prefix": dict(sorted(Counter(e.curie.split(":")[0] for e in entries).items())),
        "dropped_terms": dict(sorted(dropped.items())),
        "resolutions": dict(sorted(stats.items())),
        "terms_with_disease_and_symptom": len(
            {term_key(e.term) for e in entries if e.label == "Disease"}
            & {term_key(e.term) for e in entries if e.label == "Symptom"}
        ),
    }
    return entries, out_stats


def to_tsv(entries: Iterable[LexEntry]) -> str:
    """Serialize entries as TSV text with the header ``term label curie concept_name source xrefs``.

    Args:
        entries: Lexicon entries.

    Returns:
        The TSV text (xrefs ``|``-separated; tabs and newlines in names become spaces).
    """
    buf = io.StringIO()
    buf.write("\t".join(HEADER) + "\n")
    for e in entries:
        row = (e.term, e.label, e.curie, _CONTROL.sub(" ", e.concept_name), e.source, "|".join(e.xrefs))
        buf.write("\t".join(row) + "\n")
    return buf.getvalue()


def parse_tsv(lines: Iterable[str], location: str) -> list[LexEntry]:
    """Parse lexicon TSV lines (header first) into entries.

    Args:
        lines: The file's lines.
        location: File name for error messages.

    Returns:
        The entries.

    Raises:
        LexiconError: The header or a row is malformed (the message names the line).
    """
    it = iter(lines)
    header = next(it, "").rstrip("\r\n")
    if tuple(header.split("\t")) != HEADER:
        raise LexiconError(f"{location}: expected header {' '.join(HEADER)!r}, got {header!r}")
    out: list[LexEntry] = []
    for lineno, raw in enumerate(it, start=2):
        line = raw.rstrip("\r\n")
        if not line:
            continue
        parts = line.split("\t")
        if len(parts) != len(HEADER):
            raise LexiconError(f"{location}:{lineno}: expected {len(HEADER)} columns, got {len(parts)}")
        term, label, curie, name, source, xs = parts
        try:
            out.append(
                LexEntry.model_validate(
                    {
                        "term": term,
                        "label": label,
                        "curie": curie,
                        "concept_name": name,
                        "source": source,
                        "xrefs": tuple(x for x in xs.split("|") if x),
                    }
                )
            )
        except ValueError as exc:
            raise LexiconError(f"{location}:{lineno}: {exc}") from exc
    return out


# --------------------------------------------------------------------------- shell


def load_lexicon(path: str | Path | None = None) -> list[LexEntry]:
    """Load a lexicon file (default: the packaged ``kg/resources/lexicon.tsv.gz``).

    Args:
        path: A gzipped (``.gz``) or plain TSV lexicon; None for the packaged one.

    Returns:
        The entries, in file order.

    Raises:
        LexiconNotFoundError: The file does not exist (run ``medkg vocab build``).
        LexiconError: The file is malformed.
    """
    p = Path(path) if path is not None else DEFAULT_LEXICON_PATH
    if not p.is_file():
        raise LexiconNotFoundError(f"lexicon not found: {p}; build it with `medkg vocab build`")
    try:
        if p.name.endswith(".gz"):
            with gzip.open(p, "rt", encoding="utf-8") as f:
                return parse_tsv(f, p.name)
        with p.open(encoding="utf-8") as f:
            return parse_tsv(f, p.name)
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise LexiconError(f"cannot read lexicon {p}: {exc}") from exc
