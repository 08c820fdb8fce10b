"""True type from content (libmagic) and the category admins configure for it."""

from __future__ import annotations

from collections.abc import Iterable

from aduana.inspect.libmagic import process_handles
from aduana.inspect.model import Category
from aduana.inspect.names import SCRIPT_EXTENSIONS, extension_of

_EXACT: dict[str, Category] = {
    **dict.fromkeys(
        (
            "application/vnd.microsoft.portable-executable",
            "application/x-dosexec",
            "application/x-msdownload",
            "application/x-executable",
            "application/x-pie-executable",
            "application/x-sharedlib",
            "application/x-mach-binary",
            "application/x-elf",
            "application/x-coff",
            "application/x-msi",
            "application/x-ms-installer",
            "application/java-archive",
            "application/x-java-archive",
            "application/x-java-applet",
            "application/vnd.android.package-archive",
            "application/x-ms-dos-executable",
        ),
        Category.EXECUTABLE,
    ),
    **dict.fromkeys(
        (
            "text/x-shellscript",
            "text/x-msdos-batch",
            "application/x-bat",
            "application/x-ms-shortcut",
            "application/javascript",
            "text/javascript",
            "text/x-python",
            "text/x-script.python",
            "text/x-perl",
            "text/x-php",
            "text/x-ruby",
            "text/x-tcl",
            "text/x-awk",
            "text/x-lua",
            "application/x-powershell",
            "application/hta",
            "text/vbscript",
            # Compiled HTML help runs the script and ActiveX controls it carries.
            "application/vnd.ms-htmlhelp",
            "application/x-chm",
        ),
        Category.SCRIPT,
    ),
    **dict.fromkeys(
        (
            "application/zip",
            "application/x-7z-compressed",
            "application/x-rar",
            "application/vnd.rar",
            "application/x-rar-compressed",
            "application/x-tar",
            "application/gzip",
            "application/x-gzip",
            "application/x-bzip2",
            "application/x-xz",
            "application/x-lzma",
            "application/x-lzip",
            "application/zstd",
            "application/x-compress",
            "application/x-cpio",
            "application/x-iso9660-image",
            "application/x-arj",
            "application/x-lha",
            "application/x-lharc",
            "application/x-ace-compressed",
            "application/vnd.ms-cab-compressed",
            "application/x-archive",
            "application/x-xar",
            "application/x-lz4",
            "application/x-lzh-compressed",
            "application/x-udf-image",
        ),
        Category.ARCHIVE,
    ),
    **dict.fromkeys(
        (
            "application/pdf",
            "application/msword",
            "application/vnd.ms-excel",
            "application/vnd.ms-powerpoint",
            "application/vnd.ms-office",
            "application/cdfv2",
            "application/rtf",
            "text/rtf",
            "application/vnd.visio",
            "application/epub+zip",
        ),
        Category.DOCUMENT,
    ),
    **dict.fromkeys(
        (
            "application/pgp-encrypted",
            "application/pgp",
            "application/encrypted",
        ),
        Category.ENCRYPTED,
    ),
    **dict.fromkeys(
        ("application/json", "application/xml", "application/csv", "application/vnd.ms-tnef"),
        Category.TEXT,
    ),
    "application/ogg": Category.AUDIO,
    "application/vnd.ms-asf": Category.VIDEO,
    "application/x-matroska": Category.VIDEO,
    "application/x-shockwave-flash": Category.VIDEO,
}
_PREFIXES: tuple[tuple[str, Category], ...] = (
    ("audio/", Category.AUDIO),
    ("video/", Category.VIDEO),
    ("image/", Category.IMAGE),
    ("application/vnd.openxmlformats-officedocument.", Category.DOCUMENT),
    ("application/vnd.oasis.opendocument.", Category.DOCUMENT),
    ("application/vnd.ms-word", Category.DOCUMENT),
    ("application/vnd.ms-excel", Category.DOCUMENT),
    ("application/vnd.ms-powerpoint", Category.DOCUMENT),
    ("text/", Category.TEXT),
    ("message/", Category.TEXT),
)
# TNEF is a wrapper: what counts is what it carries, so it is treated like text here.

OOXML_MARKER = "[Content_Types].xml"
_EXECUTABLE_ZIP_EXTENSIONS = frozenset({"jar", "apk", "xpi", "appx", "msix", "war", "ear"})


def category_for_mime(mime: str) -> Category:
    mime = mime.lower()
    found = _EXACT.get(mime)
    if found is not None:
        return found
    for prefix, category in _PREFIXES:
        if mime.startswith(prefix):
            return category
    return Category.OTHER


def true_type(data: bytes) -> str:
    """The MIME type libmagic finds in `data` (pass a bounded head, not a whole file)."""
    return process_handles().mime_type(data).lower()


def classify(data: bytes, names: Iterable[str] = ()) -> tuple[str, Category]:
    """True type and category; names only sharpen text (scripts are text) and zips (.jar)."""
    return classify_known(true_type(data), names)


def classify_known(mime: str, names: Iterable[str] = ()) -> tuple[str, Category]:
    """Category for a true type already found by libmagic."""
    category = category_for_mime(mime)
    extensions = {extension_of(n) for n in names}
    if category is Category.TEXT and extensions & SCRIPT_EXTENSIONS and mime != "message/rfc822":
        category = Category.SCRIPT
    if mime == "application/zip" and extensions & _EXECUTABLE_ZIP_EXTENSIONS:
        category = Category.EXECUTABLE
    return mime, category


def classify_bytes(data: bytes) -> tuple[str, Category]:
    """True type and category of one blob, by content alone."""
    return classify(data)


def refine_zip(member_names: Iterable[str]) -> tuple[str, Category] | None:
    """Zip-based formats libmagic may call plain zip: Office Open XML, ODF, JAR, APK."""
    names = set(member_names)
    if "AndroidManifest.xml" in names and "classes.dex" in names:
        return "application/vnd.android.package-archive", Category.EXECUTABLE
    if "META-INF/MANIFEST.MF" in names and any(n.endswith(".class") for n in names):
        return "application/java-archive", Category.EXECUTABLE
    if OOXML_MARKER in names:
        if any(n.startswith("word/") for n in names):
            return (
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                Category.DOCUMENT,
            )
        if any(n.startswith("xl/") for n in names):
            return (
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                Category.DOCUMENT,
            )
        if any(n.startswith("ppt/") for n in names):
            return (
                "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                Category.DOCUMENT,
            )
    if "mimetype" in names and "content.xml" in names:
        return "application/vnd.oasis.opendocument", Category.DOCUMENT
    return None
