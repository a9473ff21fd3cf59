"""What a benchmark's JSON says about its run: the command, the date, the machine and its load."""

from __future__ import annotations

import os
import platform
import sys
import time
from collections.abc import Sequence
from typing import Any


def provenance(script: str, load_start: Sequence[float]) -> dict[str, Any]:
    """``command`` (as run from the repository root), UTC ``date``, ``machine`` and the 1/5/15-minute load
    averages at the start (``load_start``, from :func:`os.getloadavg`) and now."""
    return {
        "command": f"PYTHONPATH=. python benchmarks/{script} " + " ".join(sys.argv[1:]),
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, {platform.platform()}",
        "load_1_5_15": {"start": [round(x, 2) for x in load_start], "end": [round(x, 2) for x in os.getloadavg()]},
    }
