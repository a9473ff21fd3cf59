"""Per-document isolation: one bad document never stops a run.

A stage that raises is reported as a :class:`StageError` naming the stage and the exception's type,
never its message (a message may quote the document). :func:`run_isolated` runs a batch and, when
it fails, runs its items one by one, so only the item that fails is lost and the others go on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from kg.artifacts import ModelArtifactError
from kg.config import ConfigError
from kg.logs import get_logger
from kg.registry import UnknownComponentError

log = get_logger(__name__)

T = TypeVar("T")
R = TypeVar("R")


class StageError(RuntimeError):
    """A stage raised: its name and the exception's type; the original stays in ``__cause__``."""

    def __init__(self, stage: str, exc: BaseException) -> None:
        self.stage = stage
        self.error_type = type(exc).__name__
        super().__init__(f"stage {stage!r} failed: {self.error_type}")

    @classmethod
    def of_type(cls, stage: str, error_type: str) -> StageError:
        """The error as a worker reported it: its stage and exception type (the exception stays there)."""
        err = cls.__new__(cls)
        err.stage, err.error_type = stage, error_type
        RuntimeError.__init__(err, f"stage {stage!r} failed: {error_type}")
        return err

    def __reduce__(self) -> tuple:
        # a StageError crosses process boundaries (kg.engines): its stage and type travel, never the
        # original exception, whose message may quote the document
        return StageError.of_type, (self.stage, self.error_type)


#: Errors of the run, not of a document: they propagate unchanged.
RUN_WIDE_ERRORS = (ConfigError, ModelArtifactError, UnknownComponentError)


def in_stage(stage: str, fn: Callable[[T], R], arg: T) -> R:
    """``fn(arg)``, with any exception it raises turned into a :class:`StageError` for ``stage``."""
    try:
        return fn(arg)
    except RUN_WIDE_ERRORS:
        raise  # a bad config or a missing model fails the run, never one document at a time
    except Exception as exc:
        raise StageError(stage, exc) from exc


def run_isolated(run: Callable[[list[T]], list[R]], items: Sequence[T]) -> list[R | StageError]:
    """``run(items)``; when it raises a :class:`StageError`, ``run([item])`` for each item.

    Returns:
        One entry per item, in order: its result, or the :class:`StageError` it raised alone.
    """
    try:
        return list(run(list(items)))
    except StageError as err:
        log.warning("a batch failed in stage %s (%s): running its items one by one", err.stage, err.error_type)
    out: list[R | StageError] = []
    for item in items:
        try:
            (one,) = run([item])
        except StageError as err:
            out.append(err)
        else:
            out.append(one)
    return out
