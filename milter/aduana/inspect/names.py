"""Filenames: decoding (RFC 2231, RFC 2047, raw UTF-8) and the tricks played with them."""

from __future__ import annotations

import email.errors
import email.header
import re
import unicodedata

from aduana.inspect.model import Category, NameAnomaly

EXECUTABLE_EXTENSIONS = frozenset(
    {
        "exe", "dll", "scr", "com", "pif", "cpl", "msi", "msp", "mst", "jar", "apk", "app",
        "elf", "run", "so", "dylib", "sys", "drv", "ocx", "xap", "appx", "msix",
        "dmg", "pkg", "deb", "rpm", "class", "gadget", "xll",
    }
)  # fmt: skip
SCRIPT_EXTENSIONS = frozenset(
    {
        "js", "jse", "vbs", "vbe", "wsf", "wsh", "wsc", "hta", "ps1", "psm1", "psd1", "ps1xml",
        "bat", "cmd", "lnk", "sh", "bash", "zsh", "csh", "ksh", "command", "url", "scf", "reg",
        "inf", "sct", "msh", "msh1", "msh2", "vb", "iqy", "slk", "application", "settingcontent-ms",
        "library-ms", "chm", "py", "pyw", "pl", "rb", "php", "applescript", "scpt", "mht", "mhtml",
    }
)  # fmt: skip
_CATEGORY_BY_EXTENSION: dict[str, Category] = {
    **dict.fromkeys(EXECUTABLE_EXTENSIONS, Category.EXECUTABLE),
    **dict.fromkeys(SCRIPT_EXTENSIONS, Category.SCRIPT),
    **dict.fromkeys(
        ("zip", "7z", "rar", "tar", "gz", "tgz", "bz2", "tbz2", "xz", "txz", "cab", "iso",
         "arj", "lzh", "ace", "z", "zst", "cpio"),
        Category.ARCHIVE,
    ),
    **dict.fromkeys(
        ("mp3", "wav", "ogg", "oga", "flac", "aac", "m4a", "wma", "aiff", "aif", "mid", "midi",
         "opus", "amr"),
        Category.AUDIO,
    ),
    **dict.fromkeys(
        ("mp4", "m4v", "avi", "mkv", "mov", "wmv", "flv", "webm", "mpg", "mpeg", "3gp", "ogv"),
        Category.VIDEO,
    ),
    **dict.fromkeys(
        ("jpg", "jpeg", "png", "gif", "bmp", "tif", "tiff", "webp", "ico", "heic", "svg"),
        Category.IMAGE,
    ),
    **dict.fromkeys(
        ("pdf", "doc", "docx", "docm", "xls", "xlsx", "xlsm", "ppt", "pptx", "pptm", "odt",
         "ods", "odp", "rtf"),
        Category.DOCUMENT,
    ),
    **dict.fromkeys(("pgp", "gpg", "p7m", "asc"), Category.ENCRYPTED),
    **dict.fromkeys(
        ("txt", "csv", "htm", "html", "xml", "json", "eml", "ics", "md"), Category.TEXT
    ),
}  # fmt: skip

# LRM/RLM, ALM, and the embedding, override and isolate controls.
BIDI_CONTROLS = frozenset(
    "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


def fix_raw_utf8(value: str) -> str:
    """Undo `surrogateescape` decoding of raw 8-bit header bytes: UTF-8 first, else Latin-1."""
    if value.isascii() or not _ESCAPED_BYTE.search(value):
        return value
    raw = value.encode("utf-8", "surrogateescape")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def decode_rfc2047(value: str) -> str:
    """Decode encoded-words (`=?utf-8?B?...?=`), also where RFC 2047 does not allow them
    (inside quoted parameters), because mail clients decode them there too."""
    if "=?" not in value:
        return value
    try:
        chunks = email.header.decode_header(value)
    except (email.errors.HeaderParseError, ValueError):
        return value
    out: list[str] = []
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            out.append(chunk)
            continue
        try:
            out.append(chunk.decode(charset or "ascii", "replace"))
        except LookupError:
            out.append(chunk.decode("latin-1"))
    return "".join(out)


def extension_of(name: str) -> str:
    base = name.rstrip(". \t").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    if "." not in base:
        return ""
    return base.rsplit(".", 1)[1].strip().lower()


def category_for_name(name: str) -> Category | None:
    """What a name claims to be, or None when the extension says nothing."""
    return _CATEGORY_BY_EXTENSION.get(extension_of(name))


def _visible(name: str) -> str:
    return "".join(ch for ch in name if ch not in BIDI_CONTROLS)


def _has_double_extension(name: str) -> bool:
    base = _visible(name).rstrip(". \t").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    pieces = [p.strip().lower() for p in base.split(".")]
    if len(pieces) < 3:
        return False
    last, before = pieces[-1], pieces[-2]
    dangerous = last in EXECUTABLE_EXTENSIONS or last in SCRIPT_EXTENSIONS
    return dangerous and before in _CATEGORY_BY_EXTENSION


def name_anomalies(name: str) -> set[NameAnomaly]:
    """Tricks visible in the name alone (type mismatch needs the content)."""
    found: set[NameAnomaly] = set()
    normalized = unicodedata.normalize("NFC", name)
    if any(ch in BIDI_CONTROLS for ch in normalized):
        found.add(NameAnomaly.BIDI_CONTROL)
    if normalized and (normalized[-1] in ". " or normalized[-1].isspace()):
        found.add(NameAnomaly.TRAILING_DOT_OR_SPACE)
    if _has_double_extension(normalized):
        found.add(NameAnomaly.DOUBLE_EXTENSION)
    return found


def names_disagree_with(names: tuple[str, ...], true_category: Category) -> bool:
    """A name claims one kind of file and the content is another."""
    for name in names:
        claimed = category_for_name(_visible(name))
        if claimed is None or claimed is true_category:
            continue
        if categories_compatible(claimed, true_category):
            continue
        return True
    return False


def categories_compatible(claimed: Category, true_category: Category) -> bool:
    if true_category is Category.OTHER:
        return True
    # Scripts, text formats and "encrypted" armour are all text to libmagic.
    textual = {Category.SCRIPT, Category.TEXT, Category.ENCRYPTED}
    if claimed in textual and true_category in textual:
        return True
    # A .jar or .apk whose manifest was not recognised is still a zip, and a .docx or
    # a .jar is a zip for whoever declared it as application/zip.
    if true_category is Category.ARCHIVE and claimed is Category.EXECUTABLE:
        return True
    if claimed is Category.ARCHIVE and true_category in {Category.DOCUMENT, Category.EXECUTABLE}:
        return True
    if claimed is Category.DOCUMENT and true_category is Category.ENCRYPTED:
        return True
    return claimed is Category.TEXT and true_category is Category.DOCUMENT
