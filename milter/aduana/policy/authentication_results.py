"""What a trusted verifier in front of aduana said about the message (RFC 8601).

aduana makes no DNS look-ups. OpenDKIM or OpenDMARC, running before it, write
``Authentication-Results`` headers; only those whose authserv-id is configured
are read, and of each such authserv-id only the topmost header, the one the
verifier in front just added. Anyone can write such a header, so the MTA's
front milter must remove incoming ones bearing its own authserv-id
(docs/security.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import authres

from aduana.mta.addresses import domain_of

_HEADER = "authentication-results"


@dataclass(frozen=True)
class VerifiedDomains:
    """Domains a trusted verifier vouched for: DKIM signers and SPF-passing senders."""

    dkim: frozenset[str] = frozenset()
    spf: frozenset[str] = frozenset()


def verified_domains(
    headers: Iterable[tuple[str, str]], authserv_ids: tuple[str, ...]
) -> VerifiedDomains:
    if not authserv_ids:
        return VerifiedDomains()
    seen: set[str] = set()
    dkim: set[str] = set()
    spf: set[str] = set()
    for name, value in headers:
        if name.strip().lower() != _HEADER:
            continue
        try:
            parsed = authres.AuthenticationResultsHeader.parse(f"Authentication-Results: {value}")
        except authres.AuthResError:
            continue
        server = str(parsed.authserv_id or "").lower()
        if server not in authserv_ids or server in seen:
            continue
        seen.add(server)
        for result in parsed.results:
            if str(result.result).lower() != "pass":
                continue
            method = str(result.method).lower()
            for prop in result.properties:
                key = f"{prop.type}.{prop.name}".lower()
                value_text = str(prop.value or "")
                if method == "dkim" and key == "header.d":
                    dkim.add(value_text.lower())
                elif method == "dkim" and key == "header.i":
                    dkim.add(domain_of(value_text))
                elif method == "spf" and key == "smtp.mailfrom":
                    spf.add(domain_of(value_text) if "@" in value_text else value_text.lower())
    return VerifiedDomains(frozenset(dkim - {""}), frozenset(spf - {""}))
