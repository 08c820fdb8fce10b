"""The readable text of a message's body parts, for fingerprints and content rules.

Only a bounded prefix of the message is parsed, and only text/plain and
text/html parts are read; attachments are left to the inspectors.
"""

from __future__ import annotations

import email
import email.policy
from typing import IO

from aduana.content.extract import TextLimits, extract_text

BODY_TEXT_LIMITS = TextLimits(max_chars=20_000, max_seconds=0.5)
_PARSE_BYTES = 1024 * 1024


def body_text(message: IO[bytes], limits: TextLimits = BODY_TEXT_LIMITS) -> str:
    message.seek(0)
    parsed = email.message_from_bytes(message.read(_PARSE_BYTES), policy=email.policy.compat32)
    texts: list[str] = []
    for part in parsed.walk():
        if part.is_multipart() or part.get_content_maintype() != "text":
            continue
        if part.get_filename() is not None or part.get_content_subtype() not in ("plain", "html"):
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        charset = part.get_content_charset()
        content_type = part.get_content_type() + (f"; charset={charset}" if charset else "")
        texts.append(extract_text(content_type, payload, limits).text)
    return "\n".join(texts)[: limits.max_chars]
