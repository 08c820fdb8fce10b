"""Scripts by content, for the text libmagic cannot tell from prose.

libmagic recognises a script by its first line (a `#!` shebang, `@echo off`); a
PowerShell or VBScript file renamed .txt, or an encoded JScript, is "text/plain" to
it. These heuristics give such text a script type. They are documented, with their
false-positive guards, in docs/scripts.md.

Two kinds of evidence:

- A **marker** decides on its own: the `#@~^` header of JScript.Encode/VBScript.Encode,
  `<HTA:APPLICATION`, a Windows Script File `<job>` with a `<script language=...>`, a
  scriptlet.
- Otherwise a language needs **both** at least two distinct *signals* (tokens no prose
  uses: `Invoke-Expression`, `CreateObject(`, `@echo off`, `import os`...) **and** most
  of the text's non-blank lines looking like that language's code (`code_ratio`). Prose
  that quotes a command or two stays prose.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from enum import StrEnum


class ScriptKind(StrEnum):
    POWERSHELL = "application/x-powershell"
    VBSCRIPT = "text/vbscript"
    JSCRIPT = "text/javascript"
    ENCODED = "application/x-script-encoded"
    WINDOWS_SCRIPT_FILE = "application/x-wsf"
    HTA = "application/hta"
    BATCH = "text/x-msdos-batch"
    SHELL = "text/x-shellscript"
    PYTHON = "text/x-python"


MIN_SIGNALS = 2
MIN_CODE_RATIO = 0.6
_MAX_LINES = 400
_SCAN_BYTES = 64 * 1024

_MARKERS: tuple[tuple[re.Pattern[str], ScriptKind], ...] = (
    (re.compile(r"#@~\^[A-Za-z0-9+/]{6}=="), ScriptKind.ENCODED),
    (re.compile(r"<hta:application\b", re.IGNORECASE), ScriptKind.HTA),
    (
        re.compile(r"<job\b[^>]*>.*?<script\b[^>]*\blanguage\s*=", re.IGNORECASE | re.DOTALL),
        ScriptKind.WINDOWS_SCRIPT_FILE,
    ),
    (re.compile(r"<scriptlet\b", re.IGNORECASE), ScriptKind.WINDOWS_SCRIPT_FILE),
)
_SHEBANG = re.compile(r"^#!\s*(?:\S*/)?(?:env\s+(?:-\S+\s+)*)?(?P<interpreter>[a-z]+)")
_SHEBANG_KINDS = {
    "pwsh": ScriptKind.POWERSHELL,
    "powershell": ScriptKind.POWERSHELL,
    "python": ScriptKind.PYTHON,
    "node": ScriptKind.JSCRIPT,
}
# Lines that are code in any language: braces, brackets, separators alone.
_PUNCTUATION = re.compile(r"^[\s{}()\[\];,]+$")


def _any(*patterns: str, flags: int = re.IGNORECASE | re.MULTILINE) -> list[re.Pattern[str]]:
    return [re.compile(p, flags) for p in patterns]


@dataclass(frozen=True)
class _Language:
    kind: ScriptKind
    signals: list[re.Pattern[str]]
    """Distinct tokens of the language; each counts once."""
    lines: list[re.Pattern[str]]
    """Besides the signals, what an ordinary line of the language looks like."""


_CMDLET = (
    r"\b(?:Get|Set|New|Remove|Invoke|Start|Stop|Write|Out|Add|Import|Export|ConvertTo|"
    r"ConvertFrom|Select|Where|ForEach|Test|Copy|Move|Expand|Compress|Register)-[A-Z][A-Za-z]+"
)
_LANGUAGES = (
    _Language(
        ScriptKind.POWERSHELL,
        signals=[
            *_any(
                r"\b(?:Invoke-Expression|IEX)\b",
                r"\bNew-Object\b",
                r"\.Download(?:String|File|Data)\s*\(",
                r"\s-(?:EncodedCommand|ExecutionPolicy|NoProfile|WindowStyle|NonInteractive)\b",
                r"\[(?:System\.)?[\w.]+\]::\w+",
                r"\$env:\w+",
                r"\|\s*(?:Out-Null|Select-Object|Where-Object|ForEach-Object|Out-File)\b",
                r"\bparam\s*\(\s*(?:\[|\$)",
                r"\[CmdletBinding\(",
                r"\$(?:true|false|null|PSScriptRoot|PSVersionTable|args)\b",
            ),
            re.compile(_CMDLET),
        ],
        lines=[
            re.compile(_CMDLET),
            *_any(
                r"\$[A-Za-z_]\w*",
                r"^\s*#",
                r"^\s*(?:function|filter)\s+[\w-]+",
                r"^\s*(?:if|elseif|foreach|while|switch)\s*\(",
                r"^\s*(?:else|try|catch|finally)\b",
            ),
        ],
    ),
    _Language(
        ScriptKind.VBSCRIPT,
        signals=_any(
            r"\bCreateObject\s*\(",
            r"\bWScript\.\w+",
            r"^\s*Dim\s+\w+",
            r"^\s*Set\s+\w+\s*=",
            r"^\s*(?:Private\s+|Public\s+)?(?:Sub|Function)\s+\w+",
            r"^\s*End\s+(?:Sub|Function|If|With|Select)\b",
            r"\bOn\s+Error\s+Resume\s+Next\b",
            r"\bExecute(?:Global)?\s*\(",
            r"\bChrW?\s*\(\s*\d+\s*\)\s*&",
            r"\bMsgBox\b",
        ),
        lines=_any(
            r"^\s*(?:'|Rem\s)",
            r"^\s*[\w.]+\s*=\s*\S",
            r"^\s*(?:If\s.*\sThen|Else|ElseIf\s|Next|Loop|Do|For\s|Wend|While\s|Call\s)",
            r"^\s*\w+(?:\.\w+)+(?:\s|\(|$)",
        ),
    ),
    _Language(
        ScriptKind.JSCRIPT,
        signals=_any(
            r"\bnew\s+ActiveXObject\s*\(",
            r"\bWScript\.\w+",
            r"\beval\s*\(",
            r"\bString\.fromCharCode\s*\(",
            r"\bfunction\s*\w*\s*\([^)]*\)\s*\{",
            r"\b(?:var|let|const)\s+\w+\s*=",
            r"\.(?:Run|ShellExecute|Exec)\s*\(",
            r"\b(?:GetObject|Enumerator)\s*\(",
        ),
        lines=_any(r";\s*$", r"[{}]\s*$", r"^\s*//", r"^\s*/?\*"),
    ),
    _Language(
        ScriptKind.BATCH,
        signals=_any(
            r"^\s*@?echo\s+off\b",
            r"%~?[0-9a-z]\b|%\w+%",
            r"^\s*(?:setlocal|endlocal)\b",
            r"^\s*set\s+(?:/[ap]\s+)?\"?\w+=",
            r"^\s*goto\s+:?\w+",
            r"^\s*:\w+\s*$",
            r"\bif\s+(?:not\s+)?(?:exist|defined|errorlevel)\b",
            r"^\s*call\s+:?\S",
            r"\b(?:powershell|mshta|certutil|bitsadmin|regsvr32|rundll32|wscript|cscript)"
            r"(?:\.exe)?\s+[/-]",
        ),
        lines=_any(
            r"^\s*(?:rem\b|::|@)",
            r"^\s*(?:del|copy|move|xcopy|mkdir|md|cd|dir|exit|pause|cls|title|color|ren|start|"
            r"echo|set|if|for|call|goto)\b",
        ),
    ),
    _Language(
        ScriptKind.SHELL,
        signals=_any(
            r"\b(?:curl|wget)\s+\S+.*\|\s*(?:ba|z|da)?sh\b",
            r"\bchmod\s+(?:\+x|[0-7]{3,4})\b",
            r"^\s*(?:fi|done|esac)\s*$",
            r";\s*(?:then|do)\s*$",
            r"\$\{\w+[^}]*\}|\$\(\s*\w",
            r"2>&1|>\s*/dev/null",
            r"^\s*export\s+\w+=",
            r"^\s*\w+\s*\(\)\s*\{",
        ),
        lines=_any(
            r"^\s*#",
            r"^\s*(?:if|then|else|elif|fi|for|while|do|done|case|esac|echo|printf|cd|rm|cp|mv|"
            r"mkdir|export|local|return|exit|sudo|curl|wget|chmod|\w+=)\b",
            r"\|\s*\w+",
        ),
    ),
    _Language(
        ScriptKind.PYTHON,
        signals=_any(
            r"^\s*import\s+\w+",
            r"^\s*from\s+[\w.]+\s+import\s+",
            r"^\s*(?:async\s+)?def\s+\w+\s*\(.*\)\s*(?:->.*)?:\s*$",
            r"^\s*class\s+\w+.*:\s*$",
            r"\bif\s+__name__\s*==\s*[\"']__main__[\"']",
            r"\b(?:subprocess\.\w+|os\.(?:system|popen))\s*\(",
            r"^\s*(?:elif|except|finally|with)\b.*:\s*$",
            flags=re.MULTILINE,
        ),
        lines=_any(
            r"^\s*#",
            r"^\s*(?:if|elif|else|for|while|try|except|finally|with|return|raise|pass|print)\b",
            r"^\s*[\w.\[\]]+\s*=\s*\S",
            r"^\s*\w+(?:\.\w+)*\(.*\)\s*$",
            flags=re.MULTILINE,
        ),
    ),
)


def script_kind(head: bytes) -> ScriptKind | None:
    """The script language of a text file, or None when it reads as text."""
    text = decode_text(head[:_SCAN_BYTES])
    for marker, kind in _MARKERS:
        if marker.search(text):
            return kind
    shebang = _SHEBANG.match(text)
    if shebang is not None:
        return _SHEBANG_KINDS.get(shebang.group("interpreter"), ScriptKind.SHELL)
    lines = [line for line in text.splitlines()[:_MAX_LINES] if line.strip()]
    if not lines:
        return None
    best: tuple[float, ScriptKind] | None = None
    for language in _LANGUAGES:
        ratio = _code_ratio(language, lines)
        passes = ratio >= MIN_CODE_RATIO and _signals(language, text) >= MIN_SIGNALS
        if passes and (best is None or ratio > best[0]):
            best = (ratio, language.kind)
    return best[1] if best is not None else None


def decode_text(data: bytes) -> str:
    """Text as Windows tools write it: UTF-16 with a BOM (PowerShell ISE), else UTF-8
    (what does not decode is replaced; the patterns are ASCII)."""
    for bom, encoding in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, "replace")
    return data.decode("utf-8-sig", "replace")


def _signals(language: _Language, text: str) -> int:
    return sum(1 for pattern in language.signals if pattern.search(text))


def _code_ratio(language: _Language, lines: list[str]) -> float:
    patterns = (*language.signals, *language.lines)
    code = sum(
        1
        for line in lines
        if _PUNCTUATION.match(line) or any(pattern.search(line) for pattern in patterns)
    )
    return code / len(lines)
