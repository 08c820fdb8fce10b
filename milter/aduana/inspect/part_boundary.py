"""The per-part reading boundary: a reader that raises on one part makes that part
uninspectable, a finding the policy answers permanently (issue 12, item 9).

Without it, a library bug or a missing optional dependency (pypdf raising
"cryptography>=3.1 is required" on an AES-encrypted PDF) reached the milter's
error boundary and was answered 451 on every retry, for days. What one part's
bytes can trigger is a fact about that part, not an outage of aduana. Only a
resource outage (a full disk) still propagates, so the MTA retries later.

This is the one place besides the adapter that catches every exception type,
and it does not swallow: the exception becomes a finding that refuses the
message (by default), is logged as `part_uninspectable` and is counted.
"""

from __future__ import annotations

import errno
from collections.abc import Callable

from aduana.inspect.model import PartLabel, UninspectablePart

# A full disk or quota while spooling a part: the gateway's problem, not the part's.
_OUTAGE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


def is_outage(error: BaseException) -> bool:
    return isinstance(error, OSError) and error.errno in _OUTAGE_ERRNOS


def error_name(error: BaseException) -> str:
    """The exception type, qualified by its module unless it is a builtin."""
    kind = type(error)
    return (
        kind.__qualname__
        if kind.__module__ == "builtins"
        else f"{kind.__module__}.{kind.__qualname__}"
    )


def read_part(
    where: str,
    name: PartLabel,
    read: Callable[[], None],
    found: list[UninspectablePart],
    *,
    chain: tuple[PartLabel, ...] = (),
) -> None:
    """Run `read` for one part; an exception it raises becomes an `UninspectablePart`."""
    try:
        read()
    except Exception as error:
        if is_outage(error):
            raise
        finding = UninspectablePart(where, name, error_name(error), chain)
        if finding not in found:
            found.append(finding)
