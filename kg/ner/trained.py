"""The trained NER models behind medkg's registry and as spaCy components.

Registry names (``ner.name`` in the config, ``--model`` of ``medkg eval ner``):

* ``accurate``: the fine-tuned MiniLM tagger (:mod:`kg.ner.transformer`);
* ``fast``: the spaCy CNN (:mod:`kg.ner.fast`);
* a path to a model folder written by ``medkg train ner`` (its ``meta.json`` says which kind).

spaCy use::

    nlp = spacy.blank("en")
    nlp.add_pipe("abbreviation_detector")        # optional: scispaCy, resolves short forms
    nlp.add_pipe("medkg_ner", config={"model": "accurate"})   # or "fast", or a folder
    doc = nlp("Lisinopril-induced angioedema (LIA) ...")
    [(e.text, e.label_, e._.medkg_confidence) for e in doc.ents]
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Protocol, get_args

from pydantic import BaseModel, ConfigDict
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from kg.artifacts import META_FILE, MODELS_DIR, ModelArtifactError
from kg.hashing import folders_digest
from kg.logs import get_logger
from kg.ner.base import register_ner
from kg.ner.fast import load_fast
from kg.ner.notes import load_clinical_terms, notes_layer
from kg.ner.postprocess import TaggedSpan, agree, needs_partner, postprocess
from kg.nlp import AnalyzedDocument, make_mention
from kg.types import DOCUMENT_KINDS, KIND_KEY, Document, DocumentKind, Mention  # noqa: F401 - re-exported
from kg.vocab.lexicon import packaged_index

log = get_logger(__name__)


#: Transformer runtimes (:mod:`kg.ner.onnx_tagger`). ONNX Runtime fp32 (``onnx``) gives the same
#: BC5CDR and NCBI-disease F1 as the fp32 PyTorch reference and was 1.0-1.5x as fast in alternating
#: pairs on a loaded machine but slower on a quiet one (12.3 vs 18.1 abstracts/s, docs/benchmarks.md,
#: 2026-12-07); int8 lost 0.003 NCBI F1. The default is PyTorch.
Runtime = Literal["torch", "onnx", "onnx-int8"]
RUNTIMES: tuple[str, ...] = get_args(Runtime)
DEFAULT_RUNTIME: Runtime = "torch"
#: Transformer inference precision (:class:`kg.ner.transformer.TransformerTagger`). ``auto`` (default) runs the
#: network in bfloat16 where the CPU has native bf16 units (AMX / AVX512-BF16; issue 22: same BC5CDR and
#: NCBI-disease F1 within 0.003, docs/ner.md "Runtime and precision"), else in fp32, the reference.
Precision = Literal["fp32", "bf16", "auto"]
DEFAULT_PRECISION: Precision = "auto"
DEFAULT_MODELS = {"accurate": MODELS_DIR / "ner-accurate", "fast": MODELS_DIR / "ner-fast"}
#: The notes tagger (:mod:`kg.train.ner_notes`): ``accurate`` runs it on documents of kind ``note``.
NOTES_MODEL_DIR = MODELS_DIR / "ner-notes"

if not Span.has_extension("medkg_long_form"):
    Span.set_extension("medkg_long_form", default=None)
if not Span.has_extension("medkg_confidence"):
    Span.set_extension("medkg_confidence", default=None)


class Tagger(Protocol):
    """What both trained modes offer: a name/version and batch tagging of raw texts."""

    meta: dict[str, Any]
    version: str

    def tag(self, texts: Sequence[str], convention: str | None = None) -> list[list[TaggedSpan]]: ...


def resolve_model_dir(model: str | Path) -> Path:
    """A registry name (``accurate`` / ``fast``) or a folder -> the model folder."""
    if str(model) in DEFAULT_MODELS:
        return DEFAULT_MODELS[str(model)]
    return Path(model)


def trained_model_name(name: str, params: Mapping[str, Any]) -> str | None:
    """The model (registry name or folder) the NER config ``name`` / ``params`` runs; None where ``name`` is no
    trained model. Mirrors the registrations below and :func:`kg.ner.create_ner`'s folder rule."""
    if name in DEFAULT_MODELS:
        return name
    if name == "trained":
        return str(params.get("model", "accurate"))
    if "/" in name or name.startswith("."):
        return name
    return None


def ensemble_partner(partner: str, meta: Mapping[str, Any]) -> str:
    """The partner model of the agreement ensemble: ``"auto"`` -> the one the model's ``meta.json`` names
    (``""`` if none), anything else as given (``""``: no ensemble). One rule for :class:`TrainedNer` and
    :func:`model_fingerprint`, so the fingerprint covers exactly the folders the tagger loads."""
    if partner == "auto":
        return str((meta.get("ensemble") or {}).get("partner", ""))
    return partner


def model_fingerprint(name: str, params: Mapping[str, Any]) -> str | None:
    """A digest of every file of the trained model folders an NER config runs (the tagger and its ensemble
    partner), read without loading a model; None where ``name`` is no trained model.

    The pipeline key (:attr:`kg.pipeline.TextPipeline.key`) uses it, so a run over unchanged documents
    never loads the taggers, and retrained weights under an unchanged version change the key.
    """
    model = trained_model_name(name, params)
    if model is None:
        return None
    folder = resolve_model_dir(model)
    try:
        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # loading the model gives the clear error
    partner = ensemble_partner(str(params.get("partner", "auto")), meta)
    notes = notes_model_for(model, str(params.get("notes_model", "auto")))
    extra = [resolve_model_dir(m) for m in (partner, notes) if m]
    digest = folders_digest([folder, *extra])
    if meta.get("kind") != "transformer":
        return digest
    # ``auto`` precision differs by CPU, and bf16 may move a few spans: the key names what runs here
    return f"{digest}|{effective_precision(str(params.get('precision', DEFAULT_PRECISION)), params)}"


def effective_precision(precision: str, params: Mapping[str, Any]) -> str:
    """The precision a transformer tagger configured with ``precision`` and ``params`` runs at: ``fp32`` or
    ``bf16`` (``auto`` resolved on this CPU; ``quantize`` and the ONNX runtimes run fp32 activations)."""
    if precision == "auto":
        if params.get("quantize") or str(params.get("runtime", DEFAULT_RUNTIME)) != "torch":
            return "fp32"
        from kg.ner.transformer import bf16_supported

        return "bf16" if bf16_supported() else "fp32"
    return precision


_lock = threading.Lock()


@lru_cache(maxsize=4)
def _load(model_dir: str, quantize: bool, precision: str, runtime: str) -> Tagger:
    meta_path = Path(model_dir) / META_FILE
    if not meta_path.is_file():
        raise ModelArtifactError(
            f"no trained NER model in {model_dir} (missing {META_FILE}); train one with `medkg train ner --config ...`"
        )
    kind = json.loads(meta_path.read_text(encoding="utf-8")).get("kind")
    if kind == "transformer":
        from kg.ner.transformer import load_tagger  # torch and transformers: only when such a model is used

        if runtime != "torch" and (quantize or precision == "bf16"):
            raise ValueError(
                f"quantize and precision={precision!r} apply to runtime 'torch' only; runtime {runtime!r} is "
                "fp32 (onnx) or int8 (onnx-int8)"
            )
        if runtime != "torch":
            from kg.ner.onnx_tagger import load_onnx_tagger

            return load_onnx_tagger(Path(model_dir), runtime)
        return load_tagger(model_dir, quantize=quantize, precision=precision)
    if kind == "spacy":
        return load_fast(model_dir)
    raise ModelArtifactError(f"{meta_path}: unknown model kind {kind!r}")


def load_model(
    model: str | Path = "accurate",
    quantize: bool = False,
    precision: str = DEFAULT_PRECISION,
    runtime: str = DEFAULT_RUNTIME,
) -> Tagger:
    """Load (once per process) the trained tagger named ``model``.

    ``precision`` (``fp32`` | ``bf16`` | ``auto``) and ``runtime`` (``torch`` | ``onnx`` | ``onnx-int8``,
    see :mod:`kg.ner.onnx_tagger`) apply to the transformer model; the fast model ignores them. With an
    ONNX runtime or ``quantize``, ``auto`` means fp32.

    Raises:
        ValueError: an unknown ``runtime`` (the message lists the known ones), or ``quantize`` /
            precision ``bf16`` with an ONNX runtime.
    """
    if runtime not in RUNTIMES:
        raise ValueError(f"unknown NER runtime {runtime!r}; known runtimes: {list(RUNTIMES)}")
    with _lock:
        return _load(str(resolve_model_dir(model).resolve()), quantize, precision, runtime)


def _abbreviation_pairs(doc: Doc) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    if not Doc.has_extension("abbreviations"):
        return []
    return [
        ((s.start_char, s.end_char), (s._.long_form.start_char, s._.long_form.end_char))
        for s in doc._.abbreviations
        if s._.long_form is not None
    ]


class TrainedNer:
    """A spaCy component that runs a trained tagger and sets ``doc.ents``.

    Abbreviation pairs are used when scispaCy's ``abbreviation_detector`` ran before it.
    ``convention`` (e.g. ``"ncbi"``) decodes a model's corpus-convention heads instead of the
    shared ones (see :mod:`kg.ner.transformer`); ``""`` means the shared heads. ``precision``
    (``auto`` default | ``fp32`` | ``bf16``) is the transformer's inference precision; ``auto`` runs the
    network in bfloat16 where the CPU has native bf16 units (AMX / AVX512-BF16), else in float32, the
    reference (see :data:`DEFAULT_PRECISION`).

    ``partner`` turns on the agreement ensemble (:func:`kg.ner.postprocess.agree`): a span below
    ``keep_confidence`` survives only if the partner model found it too. ``"auto"`` (default) takes
    partner and threshold from the model's ``meta.json`` ``ensemble`` entry (written by
    ``benchmarks/ner_ensemble.py --write``), ``""`` turns the ensemble off, any other value names
    the partner model; ``keep_confidence`` < 0 means "from the metadata" (1.0 if it has none).
    ``notes`` (default on) applies the clinical-notes layer (:func:`kg.ner.notes.notes_layer`) last.
    ``runtime`` (``torch`` | ``onnx`` | ``onnx-int8``) runs the transformer in PyTorch or ONNX Runtime
    (:mod:`kg.ner.onnx_tagger`).
    """

    def __init__(
        self,
        model: str = "accurate",
        consistency: bool = False,
        symptom_typing: bool = True,
        quantize: bool = False,
        min_confidence: float = 0.5,
        convention: str = "",
        precision: str = DEFAULT_PRECISION,
        partner: str = "auto",
        keep_confidence: float = -1.0,
        notes: bool = True,
        runtime: str = DEFAULT_RUNTIME,
    ) -> None:
        self.tagger = load_model(model, quantize=quantize, precision=precision, runtime=runtime)
        self.convention = convention or None
        self.tagger.tag([""], convention=self.convention)  # an unknown convention fails here, not mid-run
        self.min_confidence = min_confidence
        spec = self.tagger.meta.get("ensemble") or {}
        partner = ensemble_partner(partner, self.tagger.meta)
        self.partner: Tagger | None = load_model(partner, precision=precision, runtime=runtime) if partner else None
        self.partner_name = partner
        if keep_confidence < 0:
            keep_confidence = float(spec.get("keep_confidence", 1.0))
        self.keep_confidence = keep_confidence
        self.model_name = str(model)
        self.consistency = consistency
        self.index = packaged_index() if symptom_typing else None
        self.notes = load_clinical_terms() if notes else None

    def tag(self, texts: Sequence[str]) -> list[list[TaggedSpan]]:
        """Raw spans per text above the confidence rules (the ensemble's, when a partner is set)."""
        raws = self.tagger.tag(texts, convention=self.convention)
        if self.partner is None:
            return [[s for s in raw if s.confidence >= self.min_confidence] for raw in raws]
        # the partner's answer matters only where the tagger has a span below keep_confidence
        unsure = [i for i, raw in enumerate(raws) if needs_partner(raw, self.keep_confidence, self.min_confidence)]
        partners: list[list[TaggedSpan]] = [[] for _ in texts]
        for i, other in zip(unsure, self.partner.tag([texts[i] for i in unsure]) if unsure else [], strict=True):
            partners[i] = other
        return [
            agree(raw, other, self.keep_confidence, self.min_confidence)
            for raw, other in zip(raws, partners, strict=True)
        ]

    def spans(self, doc: Doc, kept: Sequence[TaggedSpan], note: bool = False) -> list[TaggedSpan]:
        """Post-processed spans for one document, from its :meth:`tag` output; ``note``: the document is a
        clinical note, so the notes layer adds its note-only steps (:mod:`kg.ner.notes_phrases`)."""
        out = postprocess(kept, doc.text, _abbreviation_pairs(doc), index=self.index, consistency=self.consistency)
        return out if self.notes is None else notes_layer(out, doc.text, self.notes, note=note)

    def _set(self, doc: Doc, spans: Iterable[TaggedSpan]) -> Doc:
        ents = []
        for s in spans:
            span = doc.char_span(s.start, s.end, label=s.label, alignment_mode="expand")
            if span is None:
                continue
            span._.medkg_confidence = s.confidence
            span._.medkg_long_form = s.long_form
            ents.append(span)
        doc.ents = filter_spans(ents)
        return doc

    def __call__(self, doc: Doc) -> Doc:
        return self._set(doc, self.spans(doc, self.tag([doc.text])[0]))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 32) -> Iterator[Doc]:
        """Tag documents in batches (faster than one by one)."""
        batch: list[Doc] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= batch_size:
                yield from self._flush(batch)
                batch = []
        if batch:
            yield from self._flush(batch)

    def _flush(self, batch: list[Doc]) -> Iterator[Doc]:
        for doc, raw in zip(batch, self.tag([d.text for d in batch]), strict=True):
            yield self._set(doc, self.spans(doc, raw))


@Language.factory(
    "medkg_ner",
    default_config={
        "model": "accurate",
        "consistency": False,
        "symptom_typing": True,
        "quantize": False,
        "min_confidence": 0.5,
        "convention": "",
        "precision": DEFAULT_PRECISION,
        "partner": "auto",
        "keep_confidence": -1.0,
        "notes": True,
        "runtime": DEFAULT_RUNTIME,
    },
)
def make_trained_ner(
    nlp: Language,
    name: str,
    model: str,
    consistency: bool,
    symptom_typing: bool,
    quantize: bool,
    min_confidence: float,
    convention: str,
    precision: str,
    partner: str,
    keep_confidence: float,
    notes: bool,
    runtime: str,
) -> TrainedNer:
    """spaCy factory: ``nlp.add_pipe("medkg_ner", config={"model": "accurate" | "fast" | folder})``."""
    return TrainedNer(
        model,
        consistency,
        symptom_typing,
        quantize,
        min_confidence,
        convention,
        precision,
        partner,
        keep_confidence,
        notes,
        runtime,
    )


def notes_model_for(model: str, notes_model: str) -> str:
    """The tagger for documents of kind ``note``: ``"auto"`` -> the packaged notes tagger when ``model`` is
    ``accurate`` and the folder exists (else none), ``""`` -> none, anything else as given."""
    if notes_model != "auto":
        return notes_model
    return str(NOTES_MODEL_DIR) if str(model) == "accurate" and (NOTES_MODEL_DIR / META_FILE).is_file() else ""


def document_kind(document: Document, default: str) -> str:
    """A document's kind for routing: its ``metadata["document_kind"]``, else ``default``.

    Raises:
        ValueError: the kind is not one of :data:`DOCUMENT_KINDS` (the message names the document).
    """
    kind = document.metadata.get(KIND_KEY, default)
    if kind not in DOCUMENT_KINDS:
        raise ValueError(f"document {document.id}: {KIND_KEY} {kind!r} is not one of {list(DOCUMENT_KINDS)}")
    return kind


class TrainedExtractor:
    """medkg NER extractor over a trained tagger (registry names ``accurate``, ``fast``).

    Routing by document kind: documents of kind ``note`` (``metadata["document_kind"]``, else
    ``document_kind``) go to ``notes_model`` (see :func:`notes_model_for`), without the agreement
    ensemble; the others (``abstract``) to ``model``.
    """

    def __init__(
        self, model: str = "accurate", notes_model: str = "auto", document_kind: str = "abstract", **options: Any
    ) -> None:
        if document_kind not in DOCUMENT_KINDS:
            raise ValueError(f"unknown document_kind {document_kind!r}; known kinds: {list(DOCUMENT_KINDS)}")
        self.document_kind = document_kind
        routed = notes_model_for(model, notes_model)
        notes_options = {**options, "partner": "", "document_kind": document_kind}
        self.notes_extractor = TrainedExtractor(routed, notes_model="", **notes_options) if routed else None
        self.component = TrainedNer(model, **options)
        meta = self.component.tagger.meta
        self.name = f"ner-{model}" if str(model) in DEFAULT_MODELS else str(meta.get("name", model))
        self.version = self.component.tagger.version
        if self.component.partner is not None:  # provenance names the ensemble, e.g. 1.0.0+fast.1.0.0
            self.version += f"+{Path(self.component.partner_name).name}.{self.component.partner.version}"
        #: The inference precision in effect (``bf16`` or ``fp32``).
        self.precision = "bf16" if getattr(self.component.tagger, "bf16", False) else "fp32"
        #: The transformer runtime in effect (``torch`` | ``onnx`` | ``onnx-int8``; ``torch`` for other models).
        self.runtime = str(getattr(self.component.tagger, "runtime", "torch"))

    def __call__(self, analyzed: AnalyzedDocument) -> list[Mention]:
        return self.extract([analyzed])[0]

    def extract(self, batch: Sequence[AnalyzedDocument]) -> list[list[Mention]]:
        """Mentions for a batch of analyzed documents (notes to the notes tagger, when there is one)."""
        if self.notes_extractor is None:  # no notes tagger: nothing to route, a document's kind is not read
            return self._extract(batch)
        kinds = [document_kind(a.document, self.document_kind) for a in batch]
        if "note" not in kinds:
            return self._extract(batch)
        notes = [i for i, k in enumerate(kinds) if k == "note"]
        others = [i for i, k in enumerate(kinds) if k != "note"]
        out: list[list[Mention]] = [[] for _ in batch]
        for idx, part in (
            (notes, self.notes_extractor._extract([batch[i] for i in notes])),
            (others, self._extract([batch[i] for i in others]) if others else []),
        ):
            for i, mentions in zip(idx, part, strict=True):
                out[i] = mentions
        return out

    def _extract(self, batch: Sequence[AnalyzedDocument]) -> list[list[Mention]]:
        raws = self.component.tag([a.doc.text for a in batch])
        out = []
        for analyzed, raw in zip(batch, raws, strict=True):
            note = analyzed.document.metadata.get(KIND_KEY, self.document_kind) == "note"  # unknown: no note
            out.append(
                [
                    make_mention(analyzed, s.start, s.end, s.label, s.confidence, self.name, self.version, s.long_form)
                    for s in self.component.spans(analyzed.doc, raw, note)  # note: the layer's note-only steps
                ]
            )
        return out


class TrainedOptions(BaseModel):
    """``ner.params`` of the trained extractors ``accurate`` and ``fast`` (see :class:`TrainedNer`)."""

    model_config = ConfigDict(extra="forbid")
    #: Tag every further occurrence of a tagged name in the document (document-level consistency).
    consistency: bool = False
    #: Relabel Disease spans whose best lexicon label is Symptom (:func:`kg.ner.postprocess.type_symptoms`).
    symptom_typing: bool = True
    #: int8 dynamic quantization of the transformer's linear layers.
    quantize: bool = False
    #: Spans below this confidence are dropped.
    min_confidence: float = 0.5
    #: Decode this corpus convention's heads (e.g. ``ncbi``); ``""``: the shared heads.
    convention: str = ""
    #: Transformer inference precision: ``auto`` (bf16 where the CPU has native bf16 units, else fp32),
    #: ``fp32`` (the reference) or ``bf16``; see :data:`DEFAULT_PRECISION`.
    precision: Precision = DEFAULT_PRECISION
    #: Agreement-ensemble partner: ``auto`` (from the model's meta.json), ``""`` (off) or a model.
    partner: str = "auto"
    #: Spans at or above this confidence need no partner; < 0: from the model's meta.json.
    keep_confidence: float = -1.0
    #: The clinical-notes layer (:mod:`kg.ner.notes`): curated shorthand, brands and findings, boundary
    #: repair, Symptom/Disease typing by head word.
    notes: bool = True
    #: Transformer runtime: ``torch`` (default; PyTorch, needed for ``quantize`` and precision ``bf16``),
    #: ``onnx`` (ONNX Runtime, same fp32 weights) or ``onnx-int8`` (dynamic int8 quantization); see
    #: :mod:`kg.ner.onnx_tagger`.
    runtime: Runtime = DEFAULT_RUNTIME


class AccurateOptions(TrainedOptions):
    """``ner.params`` of ``accurate``: :class:`TrainedOptions` plus the routing of notes (:class:`TrainedExtractor`)."""

    #: The tagger for documents of kind ``note``: ``auto`` (the packaged notes tagger, when there is one),
    #: ``""`` (none: notes go to the abstracts model) or a model folder (:func:`notes_model_for`).
    notes_model: str = "auto"
    #: The kind of a document whose metadata has no ``document_kind``: ``abstract`` or ``note``.
    document_kind: DocumentKind = "abstract"


class TrainedModelOptions(TrainedOptions):
    """``ner.params`` of the ``trained`` extractor: a model name or folder plus :class:`TrainedOptions`."""

    #: A registry name (``accurate``, ``fast``) or a folder written by ``medkg train ner``.
    model: str = "accurate"


@register_ner("accurate", AccurateOptions)
def _accurate(options: AccurateOptions) -> TrainedExtractor:
    return TrainedExtractor("accurate", **options.model_dump())


@register_ner("fast", TrainedOptions)
def _fast(options: TrainedOptions) -> TrainedExtractor:
    return TrainedExtractor("fast", **options.model_dump())


@register_ner("trained", TrainedModelOptions)
def _trained(options: TrainedModelOptions) -> TrainedExtractor:
    return TrainedExtractor(**options.model_dump())
