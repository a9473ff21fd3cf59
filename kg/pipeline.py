"""The build pipeline: documents -> mentions -> linked entities -> relations -> graph -> hypotheses.

``build`` is the one library entry point behind ``medkg build`` and ``medkg demo``; notebooks and
schedulers (pipelines/) call the same function. Every stage is found through a registry, so a
trained model replaces an extractor by name in the config.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import kg
from kg.assertion import default_annotator
from kg.config import MedkgConfig
from kg.hashing import file_sha256, json_digest
from kg.isolation import in_stage
from kg.linking import (  # importing kg.linking registers the built-in linkers
    LINKER_REGISTRY,
    linker_fingerprint,
    start_linker_warm,
)
from kg.linking.prewarm import IndexWarm
from kg.logs import get_logger
from kg.ner import create_ner
from kg.ner.trained import model_fingerprint
from kg.nlp import AnalyzedDocument, analyze
from kg.privacy import PhiSpan, find_phi, overlaps_phi, phi_model_enabled, phi_model_fingerprint, scrub
from kg.privacy.redact import redact_slice, touches_phi
from kg.relations import RELATION_REGISTRY, relation_fingerprint
from kg.schema import GraphSchema
from kg.types import Document, Mention, RelationMention

log = get_logger(__name__)

RESOURCES = Path(__file__).resolve().parent / "resources"


@dataclass
class DocState:
    """One document on its way through the text stages; each stage fills in its part.

    Attributes:
        analyzed: The tokenized document (spaCy doc, sentences).
        mentions: Entity mentions: found by NER, then filtered, asserted and linked.
        relations: Relation mentions between them.
        phi: The document's PHI spans, found once by the privacy stage; every string that leaves
            the document (evidence sentences, long forms) is redacted by these offsets.
        dropped_as_phi: Mentions the privacy stage removed because they overlap a PHI span.
    """

    analyzed: AnalyzedDocument
    mentions: list[Mention] = field(default_factory=list)
    relations: list[RelationMention] = field(default_factory=list)
    phi: list[PhiSpan] = field(default_factory=list)
    dropped_as_phi: int = 0


#: A text stage: takes a batch of documents and returns the batch with its results filled in. Every
#: stage has this one interface, so a loop, a process pool or a distributed engine drives any stage
#: (or the whole chain) the same way.
Stage = Callable[[list[DocState]], list[DocState]]
#: Documents per batch that ``build`` hands to :meth:`TextPipeline.run`.
BATCH_SIZE = 32
#: The text stages in the order :class:`TextPipeline` runs them.
STAGES: tuple[str, ...] = ("ner", "privacy", "assertion", "linking", "relations", "redaction")


@dataclass
class TextPipeline:
    """The text stages, built once per run from the config's registry names.

    This is the one place that wires the stages together: ``build`` runs it, and so should every
    evaluation that means to measure what ``build`` runs.
    """

    schema: GraphSchema
    config: MedkgConfig
    #: The linker's start-up cache being built in a child process (:meth:`start_cache_warm`).
    warming: IndexWarm | None = field(default=None, repr=False, compare=False)

    def start_cache_warm(self) -> None:
        """Start building the linker's cold start-up cache in a child process (see :mod:`kg.linking.prewarm`).

        The run does its other start-up work (the seeds) meanwhile; :attr:`linker` waits for the child.
        Nothing happens when the linker has no such cache or it is warm already.
        """
        if self.warming is None and "linker" not in self.__dict__:
            self.warming = start_linker_warm(self.config.linker.name, self.config.linker.params)

    def wait_cache_warm(self) -> None:
        """Wait for the child of :meth:`start_cache_warm`, if any (before anything loads the linker)."""
        if self.warming is not None:
            self.warming.wait()
            self.warming = None

    def stop_cache_warm(self) -> None:
        """Stop the child of :meth:`start_cache_warm`, if any (the run ends before it loads the linker)."""
        if self.warming is not None:
            self.warming.cancel()
            self.warming = None

    # Components are built on first use, so a run of the first stages (an NER evaluation) never
    # loads the linker's index or the relation models.
    @cached_property
    def ner(self) -> Any:
        """The NER extractor named by ``config.ner``."""
        return create_ner(self.config.ner.name, **self.config.ner.params)

    @cached_property
    def linker(self) -> Any:
        """The linker named by ``config.linker``."""
        self.wait_cache_warm()
        return LINKER_REGISTRY.create(self.config.linker.name, **self.config.linker.params)

    @cached_property
    def relations(self) -> Any:
        """The relation extractor named by ``config.relations``."""
        return RELATION_REGISTRY.create(self.config.relations.name, schema=self.schema, **self.config.relations.params)

    @cached_property
    def assertion(self) -> Any:
        """The assertion annotator (ConText rules)."""
        return default_annotator()

    def load(self) -> dict[str, float]:
        """Load every component now (otherwise on first use); seconds per component, for start-up logs."""
        seconds = {}
        for name in ("ner", "assertion", "linker", "relations"):
            t = time.perf_counter()
            getattr(self, name)
            seconds[name] = time.perf_counter() - t
        return seconds

    @cached_property
    def phi_model(self) -> bool:
        """Whether the privacy stage runs the trained PHI detector (``privacy.phi_model``, else the default)."""
        return phi_model_enabled(self.config.privacy.phi_model)

    @property
    def key(self) -> str:
        """Fingerprint of everything that changes the output for a given text."""
        rule_files = (
            sorted(RESOURCES.glob("*.yaml")) + sorted(RESOURCES.glob("*.txt")) + sorted(RESOURCES.glob("*.tsv"))
        )
        lexicon = RESOURCES / "lexicon.tsv.gz"
        return json_digest(
            kg.__version__,
            self.schema.version,
            self.config.ner.model_dump(),
            # the PHI detector (on or off, and its weights' metadata) changes which mentions survive
            phi_model_fingerprint() if self.phi_model else "rules",
            # a trained model's files, read without loading it (a run of unchanged documents loads no tagger)
            model_fingerprint(self.config.ner.name, self.config.ner.params) or getattr(self.ner, "version", ""),
            self.config.linker.model_dump(),
            # the linker's data and code files, read without building it (a run of unchanged documents loads no index)
            linker_fingerprint(self.config.linker.name, self.config.linker.params)
            or getattr(self.linker, "version", ""),
            self.config.relations.model_dump(),
            relation_fingerprint(self.config.relations.name, self.config.relations.params)
            or getattr(self.relations, "version", ""),
            [file_sha256(p) for p in rule_files],
            file_sha256(lexicon) if lexicon.exists() else "",
        )

    # -- the stages, one batch interface ------------------------------------------------------
    def stage(self, name: str) -> Stage:
        """The stage called ``name`` (one of :data:`STAGES`).

        Raises:
            ValueError: Unknown stage name (the message lists the known ones).
        """
        stages: dict[str, Stage] = {
            "ner": self._ner,
            "privacy": self._privacy,
            "assertion": self._assertion,
            "linking": self._linking,
            "relations": self._relations,
            "redaction": self._redaction,
        }
        if name not in stages:
            raise ValueError(f"unknown text stage {name!r}; known: {', '.join(STAGES)}")
        return stages[name]

    def _ner(self, batch: list[DocState]) -> list[DocState]:
        for state in batch:
            state.mentions = self.ner(state.analyzed)
        return batch

    def _privacy(self, batch: list[DocState]) -> list[DocState]:
        """Find the document's PHI spans once; mentions overlapping them never go further.

        A long form (the expansion of an abbreviation, which names the node of an unlinked
        mention) that touches a PHI span is dropped from its mention.
        """
        for state in batch:
            text = state.analyzed.document.text
            state.phi = find_phi(text, model=self.phi_model)
            kept = [m for m in state.mentions if not overlaps_phi(m.start, m.end, state.phi)]
            state.dropped_as_phi += len(state.mentions) - len(kept)
            state.mentions = [
                m.model_copy(update={"long_form": None})
                if m.long_form and touches_phi(m.long_form, text, state.phi)
                else m
                for m in kept
            ]
        return batch

    def _assertion(self, batch: list[DocState]) -> list[DocState]:
        for state in batch:
            state.mentions = self.assertion(state.analyzed, state.mentions)
        return batch

    def _linking(self, batch: list[DocState]) -> list[DocState]:
        for state in batch:
            state.mentions = self.linker(state.mentions)
        return batch

    def _relations(self, batch: list[DocState]) -> list[DocState]:
        for state in batch:
            state.relations = self.relations(state.analyzed, state.mentions)
        return batch

    def _redaction(self, batch: list[DocState]) -> list[DocState]:
        """Evidence sentences, redacted by the document's PHI spans (found once, by offset)."""
        for state in batch:
            state.relations = [
                r.model_copy(update={"sentence": redacted_sentence(state, r, self.phi_model)}) for r in state.relations
            ]
        return batch

    def run(self, documents: Sequence[Document], until: str | None = None) -> list[DocState]:
        """Run the stages over a batch of documents, in :data:`STAGES` order.

        Args:
            documents: The batch.
            until: Stop after this stage (e.g. ``"ner"`` to measure NER as ``build`` runs it).

        Raises:
            StageError: A stage raised; it names the stage and the exception's type.
        """
        if until is not None and until not in STAGES:
            raise ValueError(f"unknown text stage {until!r}; known: {', '.join(STAGES)}")
        batch = in_stage("analyze", lambda docs: [DocState(analyze(d)) for d in docs], documents)
        for name in STAGES:
            batch = in_stage(name, self.stage(name), batch)
            if name == until:
                break
        return batch

    def process(self, document: Document) -> tuple[list[Mention], list[RelationMention], int]:
        """Run every stage on one document.

        Returns:
            (mentions, relation mentions, number of mentions dropped because they overlap PHI).
        """
        (state,) = self.run([document])
        return state.mentions, state.relations, state.dropped_as_phi


def redacted_sentence(state: DocState, relation: RelationMention, model: bool = False) -> str:
    """``relation.sentence`` with the document's PHI spans replaced, located by its offsets in the document.

    The sentence is a slice of the head's sentence (or, failing that, of the document); a sentence
    that is not a slice of the document at all is scrubbed on its own, with the trained detector when
    ``model`` (the run's ``privacy.phi_model``), as the document was.
    """
    text = state.analyzed.document.text
    sentence = relation.sentence
    sents = state.analyzed.sentences
    idx = relation.head.sentence_index
    base = sents[idx].start if 0 <= idx < len(sents) else 0
    start = text.find(sentence, base)
    if start < 0:
        start = text.find(sentence)
    if start < 0 or not sentence:
        return scrub(sentence, model=model)
    return redact_slice(text, state.phi, start, start + len(sentence))
