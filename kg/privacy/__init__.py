"""Privacy guard: find and replace personal identifiers (PHI) before anything is stored or logged.

HIPAA Safe Harbor identifiers that occur in text (docs/deid.md lists the kinds and the annotation
rules). The layers, rules and word lists, then an optional trained model (no network):

- structured: values after a label that names them (:mod:`kg.privacy._labelled`: ``MRN: 4829133``,
  ``Member ID ...``, ``VIN ...``), numbers by their shape (:mod:`kg.privacy._numbers`: phone/fax,
  e-mail, SSN, URL, IP), dates and ages over 89 (:mod:`kg.privacy._dates`);
- geographic: street addresses and what follows them (:mod:`kg.privacy._addresses`), cities, ZIP
  codes, counties and other areas (:mod:`kg.privacy._places`), named facilities
  (:mod:`kg.privacy._facilities`); :mod:`kg.privacy._candidates` runs them all;
- names (:mod:`kg.privacy._names` on :mod:`kg.privacy._name_tokens` and :mod:`kg.privacy._name_rules`):
  context rules, name lists (from philter-lite, :mod:`kg.privacy._lists`), repeats within the note,
  and a clinical guard for eponyms and Drug/Disease terms;
- other countries (:mod:`kg.privacy._intl`): dates in other languages, postcodes, street forms;
- fallbacks after all rules (:mod:`kg.privacy._fallback`): identifier shapes that are no clinical
  shape, repeats of found spans within the note, the parts of an address line before a postcode;
- optionally a trained detector (:mod:`kg.privacy._model`, MiniLM-L6 on ONNX Runtime, round eight in
  docs/deid.md) whose spans join the rules' before the fallbacks: off by default
  (:data:`PHI_MODEL_DEFAULT`; it lifted held-out recall too little for its precision and time cost),
  on with ``find_phi(text, model=True)``, ``$MEDKG_PHI_MODEL=on`` or the build's ``privacy.phi_model``.

The graph never holds raw note text: only entity names, and evidence sentences after
:func:`scrub`. Mentions that overlap a PHI span never become nodes. A logging filter scrubs
log records (message, arguments and tracebacks) as a second line of defence.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

from kg.artifacts import META_FILE, MODELS_DIR
from kg.hashing import file_sha256
from kg.privacy._base import Candidate
from kg.privacy._candidates import iter_candidates
from kg.privacy._fallback import address_segments, repeats, shapes
from kg.privacy._name_links import context_names, linked_names
from kg.privacy._names import names

#: Every kind a span can carry (docs/deid.md).
KINDS: tuple[str, ...] = (
    "NAME",
    "STREET",
    "CITY",
    "ZIP",
    "GEO",
    "DATE",
    "AGE",
    "PHONE",
    "FAX",
    "EMAIL",
    "SSN",
    "MRN",
    "HEALTHPLAN",
    "ACCOUNT",
    "LICENSE",
    "VEHICLE",
    "DEVICE",
    "URL",
    "IP",
    "ID",
)
#: When spans of two kinds overlap, the merged span takes the kind listed first here.
_PRIORITY = {
    k: i
    for i, k in enumerate(
        (
            "EMAIL",
            "URL",
            "IP",
            "SSN",
            "FAX",
            "PHONE",
            "MRN",
            "HEALTHPLAN",
            "ACCOUNT",
            "LICENSE",
            "VEHICLE",
            "DEVICE",
            "ID",
            "DATE",
            "AGE",
            "STREET",
            "ZIP",
            "GEO",
            "NAME",
            "CITY",
        )
    )
}


@dataclass(frozen=True)
class PhiSpan:
    """A personal-identifier span: offsets into the text (end exclusive) and its kind (one of :data:`KINDS`)."""

    start: int
    end: int
    kind: str


def _resolve(text: str, candidates: list[Candidate]) -> list[PhiSpan]:
    """Overlapping candidates merge into one span (their union); the kind of the higher-priority one wins."""
    cands = sorted(
        (
            (c.start, c.end, c.kind)
            for c in candidates
            if 0 <= c.start < c.end <= len(text) and not text[c.start : c.end].isspace()
        ),
        key=lambda c: (c[0], -c[1]),
    )
    merged: list[list] = []
    for start, end, kind in cands:
        if merged and start < merged[-1][1]:
            last = merged[-1]
            last[1] = max(last[1], end)
            if _PRIORITY.get(kind, 99) < _PRIORITY.get(last[2], 99):
                last[2] = kind
        else:
            merged.append([start, end, kind])
    return [PhiSpan(s, e, k) for s, e, k in merged]


def _extend(c: Candidate, found: list[PhiSpan]) -> Candidate | None:
    """A fallback span where no rule found one, or one that widens a rule's span (keeping the rule's kind)."""
    hit = [s for s in found if s.start < c.end and c.start < s.end]
    if not hit:
        return c
    if any(s.start <= c.start and c.end <= s.end for s in hit):
        return None
    return Candidate(c.start, c.end, hit[0].kind)


#: Whether :func:`find_phi` runs the trained detector beside the rules when not told
#: (``MEDKG_PHI_MODEL=on|off`` overrides; the build's switch is ``privacy.phi_model``).
PHI_MODEL_DEFAULT = False


def phi_model_enabled(model: bool | None = None) -> bool:
    """``model`` if given, else ``$MEDKG_PHI_MODEL`` (``on``/``off``), else :data:`PHI_MODEL_DEFAULT`.

    Raises:
        ValueError: ``$MEDKG_PHI_MODEL`` is set to something else.
    """
    if model is not None:
        return model
    env = os.environ.get("MEDKG_PHI_MODEL", "").strip().lower()
    if not env:
        return PHI_MODEL_DEFAULT
    if env in {"on", "1", "true"}:
        return True
    if env in {"off", "0", "false"}:
        return False
    raise ValueError(f"MEDKG_PHI_MODEL={env!r}: expected on or off")


def phi_model_fingerprint() -> str:
    """SHA-256 of the shipped PHI detector's ``meta.json`` (rewritten by every training), read without loading it."""
    meta = MODELS_DIR / "phi" / META_FILE
    return file_sha256(meta) if meta.is_file() else "missing"


def find_phi(text: str, *, model: bool | None = None) -> list[PhiSpan]:
    """All PHI spans in ``text``: sorted by start, non-overlapping, each with a kind from :data:`KINDS`.

    Args:
        text: Any text (a note, a sentence, a log message).
        model: Run the trained detector (:mod:`kg.privacy._model`) beside the rules and keep the
            union of their spans; None: :func:`phi_model_enabled`. False: the rules alone.

    Returns:
        The spans; a label that names a value (``MRN:``) is outside its value's span.
    """
    if not text:
        return []
    candidates = list(iter_candidates(text))
    candidates.extend(names(text))
    candidates.extend(context_names(text))
    if phi_model_enabled(model):
        from kg.privacy._model import shipped_model

        candidates.extend(shipped_model().spans(text))
    found = _resolve(text, candidates)
    # fallbacks add spans only where no rule found one, so a rule's kind is kept
    extra = [c for c in (_extend(c, found) for c in shapes(text)) if c is not None]
    triples = [(s.start, s.end, s.kind) for s in found]
    extra += repeats(text, triples) + address_segments(text, triples) + linked_names(text, triples)
    if not extra:
        return found
    return _resolve(text, [Candidate(s.start, s.end, s.kind) for s in found] + extra)


def scrub(text: str, *, model: bool | None = None) -> str:
    """``text`` with every PHI span replaced by ``[KIND]`` (``model``: see :func:`find_phi`)."""
    out: list[str] = []
    pos = 0
    for span in find_phi(text, model=model):
        out.append(text[pos : span.start])
        out.append(f"[{span.kind}]")
        pos = span.end
    out.append(text[pos:])
    return "".join(out)


def overlaps_phi(start: int, end: int, spans: list[PhiSpan]) -> bool:
    """Whether [start, end) overlaps any PHI span."""
    return any(s.start < end and start < s.end for s in spans)


@dataclass(frozen=True)
class Operational:
    """A log argument that is medkg's own operational value, passed through the log filter unscrubbed.

    Only for values that never come from a document, a file name or a record: run ids, model and data
    versions, the configured Neo4j URI, counts. ``log.info("load %s started", Operational(run_id))``
    keeps ``20261207T101500-ab12cd34`` or ``bolt://127.0.0.1:7687`` readable, where the scrubber would
    take a timestamp for an id or a host for an address. Use it with ``%s``.
    """

    value: object

    def __str__(self) -> str:
        return str(self.value)


def _masked(args: Any) -> tuple[Any, dict[str, str]]:
    """``args`` with each :class:`Operational` replaced by a private-use placeholder, and the placeholders."""
    if not isinstance(args, tuple) or not any(isinstance(a, Operational) for a in args):
        return args, {}
    kept: dict[str, str] = {}
    out: list[object] = []
    for a in args:
        if isinstance(a, Operational):
            token = chr(0xE000 + len(kept))  # a private-use character: no pattern of the scrubber reads it
            kept[token] = str(a.value)
            a = token
        out.append(a)
    return tuple(out), kept


class PhiRedactingFilter(logging.Filter):
    """A logging filter that scrubs PHI from every record: the rendered message and any traceback.

    The message is rendered with its arguments and scrubbed (``record.args`` is cleared); the
    exception and stack text are rendered and scrubbed into ``record.exc_text`` /
    ``record.stack_info`` (``exc_info`` is then dropped, so no handler renders the raw traceback).
    A record is scrubbed once: a ``kg`` logger's filter marks it, and the CLI handler's filter
    (there for other libraries' records) then passes it through. Arguments wrapped in
    :class:`Operational` are put back unscrubbed after the scrub.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "phi_scrubbed", False):
            return True
        record.args, kept = _masked(record.args)
        try:
            msg = record.getMessage()
        except Exception:  # a bad format string: keep what can be shown, scrubbed
            msg = f"{record.msg!s} {record.args!r}"
        msg = scrub(msg, model=False)
        for token, value in kept.items():
            msg = msg.replace(token, value)
        record.msg, record.args = msg, None
        if record.exc_info:
            text = record.exc_text or logging.Formatter().formatException(record.exc_info)
            record.exc_text = scrub(text, model=False)
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = scrub(record.exc_text, model=False)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info, model=False)
        record.phi_scrubbed = True
        return True


__all__ = [
    "KINDS",
    "PHI_MODEL_DEFAULT",
    "Operational",
    "PhiRedactingFilter",
    "PhiSpan",
    "find_phi",
    "overlaps_phi",
    "phi_model_enabled",
    "phi_model_fingerprint",
    "scrub",
]
