"""HTML smuggling: a page whose script rebuilds a file from data it carries and makes
the browser save it, so the file never crosses the gateway as an attachment.

The heuristic (docs/scripts.md) needs all three steps of the technique in one HTML
or SVG file:

1. **decode** a payload: `atob(`, `Uint8Array`, `charCodeAt`/`fromCharCode`, a
   `base64ToArrayBuffer` helper, or a base64 string or data URI of 400 characters or
   more;
2. **build** a file: `new Blob(`, `new File(`, or a `data:` URI of a type that is not
   an image;
3. **save** it: `msSaveOrOpenBlob`/`msSaveBlob`, or a `download` attribute set on a
   link to an object URL or a data URI, or an object URL opened by `.click()`,
   `location` or `window.open`.

An ordinary page with script (a form, a clock, inline images as data URIs) has at
most one or two of them.
"""

from __future__ import annotations

import re

from aduana.inspect.scripts import decode_text

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", "image/svg+xml"})
HTML_EXTENSIONS = frozenset({"htm", "html", "xhtml", "shtml", "svg", "hta"})

_DECODE = re.compile(
    r"\batob\s*\(|\bUint8Array\b|\bcharCodeAt\s*\(|\bfromCharCode\s*\(|base64ToArrayBuffer"
    r"|[\"'`][A-Za-z0-9+/\\\r\n]{400,}={0,2}[\"'`]|;base64,[A-Za-z0-9+/]{400,}",
    re.IGNORECASE,
)
_BUILD = re.compile(
    r"\bnew\s+(?:Blob|File)\s*\(|data:(?!image/)[\w.+-]+/[\w.+-]+(?:;[\w=-]+)*;base64,",
    re.IGNORECASE,
)
_MS_SAVE = re.compile(r"\bmsSave(?:OrOpen)?Blob\b")
_OBJECT_URL = re.compile(r"\bcreateObjectURL\s*\(")
_DATA_URI = re.compile(r"data:(?!image/)[\w.+-]+/[\w.+-]+", re.IGNORECASE)
_DOWNLOAD = re.compile(
    r"\.download\s*=|\bdownload\s*=|setAttribute\s*\(\s*[\"']download[\"']", re.IGNORECASE
)
_OPEN = re.compile(r"\.click\s*\(\s*\)|\blocation(?:\.href)?\s*=|\bwindow\.open\s*\(")


def is_smuggling(data: bytes) -> bool:
    """Whether an HTML or SVG file rebuilds a file and has the browser save it."""
    text = decode_text(data)
    if not (_DECODE.search(text) and _BUILD.search(text)):
        return False
    if _MS_SAVE.search(text):
        return True
    object_url = _OBJECT_URL.search(text) is not None
    if _DOWNLOAD.search(text) and (object_url or _DATA_URI.search(text)):
        return True
    return object_url and _OPEN.search(text) is not None
