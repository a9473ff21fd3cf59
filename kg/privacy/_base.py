"""What every recognizer shares: the candidate span, and number shapes that are no identifier."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple


class Candidate(NamedTuple):
    """A recognizer's span: offsets into the text (end exclusive) and its kind."""

    start: int
    end: int
    kind: str


#: A recognizer: text in, candidate spans out.
Recognizer = Callable[[str], list[Candidate]]

#: A four-digit year (1800-2099).
YEAR = r"(?:1[89]\d\d|20\d\d)"
#: A unit after a number makes it a measurement (``123 45 6789 mg`` is no SSN).
UNIT_AFTER = re.compile(r"[ \t]?(?:mg|mcg|g|kg|ml|l|units?|%|mm|cm|hours?|days?|weeks?|years?|times)\b", re.IGNORECASE)
