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
_SCAN_BYTES = 16 * 1024

_MARKERS: tuple[tuple[str, re.Pattern[str], ScriptKind], ...] = (
    ("#@~^", re.compile(r"#@~\^[A-Za-z0-9+/]{6}=="), ScriptKind.ENCODED),
    ("<hta:application", re.compile(r"<hta:application\b", re.IGNORECASE), ScriptKind.HTA),
    (
        "<job",
        re.compile(r"<job\b[^>]*>.*?<script\b[^>]*\blanguage\s*=", re.IGNORECASE | re.DOTALL),
        ScriptKind.WINDOWS_SCRIPT_FILE,
    ),
    ("<scriptlet", re.compile(r"<scriptlet\b", re.IGNORECASE), ScriptKind.WINDOWS_SCRIPT_FILE),
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
_FLAGS = re.IGNORECASE | re.MULTILINE


@dataclass(frozen=True)
class _Signal:
    """A token of a language. Python's `re` searches slowly for a pattern that starts
    with `\\b` or ignores case, so the pattern runs only when one of its `needles`
    (lower case) is in the lower-cased text: a 64 KB letter costs a few `in` tests."""

    needles: tuple[str, ...]
    pattern: re.Pattern[str]

    def found(self, text: str, lowered: str) -> bool:
        return any(n in lowered for n in self.needles) and self.pattern.search(text) is not None


def _signal(needles: str, pattern: str, flags: int = _FLAGS) -> _Signal:
    return _Signal(tuple(needles.split("|")), re.compile(pattern, flags))


def _any(*patterns: str, flags: int = _FLAGS) -> list[re.Pattern[str]]:
    return [re.compile(p, flags) for p in patterns]


@dataclass(frozen=True)
class _Language:
    kind: ScriptKind
    signals: list[_Signal]
    """Distinct tokens of the language; each counts once."""
    lines: list[re.Pattern[str]]
    """Besides the signals, what an ordinary line of the language looks like."""


_VERBS = (
    "Get|Set|New|Remove|Invoke|Start|Stop|Write|Out|Add|Import|Export|ConvertTo|ConvertFrom|"
    "Select|Where|ForEach|Test|Copy|Move|Expand|Compress|Register"
)
_CMDLET = rf"\b(?:{_VERBS})-[A-Z][A-Za-z]+"
_CMDLET_NEEDLES = "|".join(f"{verb.lower()}-" for verb in _VERBS.split("|"))
_LANGUAGES = (
    _Language(
        ScriptKind.POWERSHELL,
        signals=[
            _signal("invoke-expression|iex", r"\b(?:Invoke-Expression|IEX)\b"),
            _signal("new-object", r"\bNew-Object\b"),
            _signal(".download", r"\.Download(?:String|File|Data)\s*\("),
            _signal(
                "-encodedcommand|-executionpolicy|-noprofile|-windowstyle|-noninteractive",
                r"\s-(?:EncodedCommand|ExecutionPolicy|NoProfile|WindowStyle|NonInteractive)\b",
            ),
            _signal("]::", r"\[(?:System\.)?[\w.]+\]::\w+"),
            _signal("$env:", r"\$env:\w+"),
            _signal(
                "out-null|select-object|where-object|foreach-object|out-file",
                r"\|\s*(?:Out-Null|Select-Object|Where-Object|ForEach-Object|Out-File)\b",
            ),
            _signal("param", r"\bparam\s*\(\s*(?:\[|\$)"),
            _signal("[cmdletbinding(", r"\[CmdletBinding\("),
            _signal(
                "$true|$false|$null|$psscriptroot|$psversiontable|$args",
                r"\$(?:true|false|null|PSScriptRoot|PSVersionTable|args)\b",
            ),
            _signal(_CMDLET_NEEDLES, _CMDLET, re.MULTILINE),
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
        signals=[
            _signal("createobject", r"\bCreateObject\s*\("),
            _signal("wscript.", r"\bWScript\.\w+"),
            _signal("dim ", r"^\s*Dim\s+\w+"),
            _signal("set ", r"^\s*Set\s+\w+\s*="),
            _signal("sub |function ", r"^\s*(?:Private\s+|Public\s+)?(?:Sub|Function)\s+\w+"),
            _signal("end ", r"^\s*End\s+(?:Sub|Function|If|With|Select)\b"),
            _signal("resume", r"\bOn\s+Error\s+Resume\s+Next\b"),
            _signal("execute", r"\bExecute(?:Global)?\s*\("),
            _signal("chr", r"\bChrW?\s*\(\s*\d+\s*\)\s*&"),
            _signal("msgbox", r"\bMsgBox\b"),
        ],
        lines=_any(
            r"^\s*(?:'|Rem\s)",
            r"^\s*[\w.]+\s*=\s*\S",
            r"^\s*(?:If\s.*\sThen|Else|ElseIf\s|Next|Loop|Do|For\s|Wend|While\s|Call\s)",
            r"^\s*\w+(?:\.\w+)+(?:\s|\(|$)",
        ),
    ),
    _Language(
        ScriptKind.JSCRIPT,
        signals=[
            _signal("activexobject", r"\bnew\s+ActiveXObject\s*\("),
            _signal("wscript.", r"\bWScript\.\w+"),
            _signal("eval", r"\beval\s*\("),
            _signal("fromcharcode", r"\bString\.fromCharCode\s*\("),
            _signal("function", r"\bfunction\s*\w*\s*\([^)]*\)\s*\{"),
            _signal("var |let |const ", r"\b(?:var|let|const)\s+\w+\s*="),
            _signal(".run|.shellexecute|.exec", r"\.(?:Run|ShellExecute|Exec)\s*\("),
            _signal("getobject|enumerator", r"\b(?:GetObject|Enumerator)\s*\("),
        ],
        lines=_any(r";\s*$", r"[{}]\s*$", r"^\s*//", r"^\s*/?\*"),
    ),
    _Language(
        ScriptKind.BATCH,
        signals=[
            _signal("echo off", r"^\s*@?echo\s+off\b"),
            _signal("%", r"%~?[0-9a-z]\b|%\w+%"),
            _signal("setlocal|endlocal", r"^\s*(?:setlocal|endlocal)\b"),
            _signal("set ", r"^\s*set\s+(?:/[ap]\s+)?\"?\w+="),
            _signal("goto", r"^\s*goto\s+:?\w+"),
            _signal("\n:", r"^\s*:\w+\s*$"),
            _signal(
                "exist|defined|errorlevel", r"\bif\s+(?:not\s+)?(?:exist|defined|errorlevel)\b"
            ),
            _signal("call ", r"^\s*call\s+:?\S"),
            _signal(
                "powershell|mshta|certutil|bitsadmin|regsvr32|rundll32|wscript|cscript",
                r"\b(?:powershell|mshta|certutil|bitsadmin|regsvr32|rundll32|wscript|cscript)"
                r"(?:\.exe)?\s+[/-]",
            ),
        ],
        lines=_any(
            r"^\s*(?:rem\b|::|@)",
            r"^\s*(?:del|copy|move|xcopy|mkdir|md|cd|dir|exit|pause|cls|title|color|ren|start|"
            r"echo|set|if|for|call|goto)\b",
        ),
    ),
    _Language(
        ScriptKind.SHELL,
        signals=[
            _signal("curl|wget", r"\b(?:curl|wget)\s+\S+.*\|\s*(?:ba|z|da)?sh\b"),
            _signal("chmod", r"\bchmod\s+(?:\+x|[0-7]{3,4})\b"),
            _signal("\nfi|\ndone|\nesac", r"^\s*(?:fi|done|esac)\s*$"),
            _signal(";then|; then|;do|; do", r";\s*(?:then|do)\s*$"),
            _signal("${|$(", r"\$\{\w+[^}]*\}|\$\(\s*\w"),
            _signal("2>&1|/dev/null", r"2>&1|>\s*/dev/null"),
            _signal("export ", r"^\s*export\s+\w+="),
            _signal("()", r"^\s*\w+\s*\(\)\s*\{"),
        ],
        lines=_any(
            r"^\s*#",
            r"^\s*(?:if|then|else|elif|fi|for|while|do|done|case|esac|echo|printf|cd|rm|cp|mv|"
            r"mkdir|export|local|return|exit|sudo|curl|wget|chmod|\w+=)\b",
            r"\|\s*\w+",
        ),
    ),
    _Language(
        ScriptKind.PYTHON,
        signals=[
            _signal("import", r"^\s*import\s+\w+", re.MULTILINE),
            _signal("import", r"^\s*from\s+[\w.]+\s+import\s+", re.MULTILINE),
            _signal("def ", r"^\s*(?:async\s+)?def\s+\w+\s*\(.*\)\s*(?:->.*)?:\s*$", re.MULTILINE),
            _signal("class ", r"^\s*class\s+\w+.*:\s*$", re.MULTILINE),
            _signal("__main__", r"\bif\s+__name__\s*==\s*[\"']__main__[\"']", re.MULTILINE),
            _signal(
                "subprocess.|os.system|os.popen",
                r"\b(?:subprocess\.\w+|os\.(?:system|popen))\s*\(",
                re.MULTILINE,
            ),
            _signal(
                "elif|except|finally:|with ",
                r"^\s*(?:elif|except|finally|with)\b.*:\s*$",
                re.MULTILINE,
            ),
        ],
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
    lowered = text.lower()
    for needle, marker, kind in _MARKERS:
        if needle in lowered and marker.search(text):
            return kind
    shebang = _SHEBANG.match(text)
    if shebang is not None:
        return _SHEBANG_KINDS.get(shebang.group("interpreter"), ScriptKind.SHELL)
    lines = [line for line in text.splitlines()[:_MAX_LINES] if line.strip()]
    best: tuple[float, ScriptKind] | None = None
    for language in _LANGUAGES:
        # Signals first: one search each over the text, and prose rarely has two.
        if _signals(language, text, lowered) < MIN_SIGNALS:
            continue
        ratio = _code_ratio(language, lines)
        if ratio >= MIN_CODE_RATIO and (best is None or ratio > best[0]):
            best = (ratio, language.kind)
    return best[1] if best is not None else None


def decode_text(data: bytes) -> str:
    """Text as Windows tools write it: UTF-16 with a BOM (PowerShell ISE), else UTF-8
    (what does not decode is replaced; the patterns are ASCII)."""
    for bom, encoding in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, "replace")
    return data.decode("utf-8-sig", "replace")


def _signals(language: _Language, text: str, lowered: str) -> int:
    found = 0
    for signal in language.signals:
        if signal.found(text, lowered):
            found += 1
            if found >= MIN_SIGNALS:
                break
    return found


def _code_ratio(language: _Language, lines: list[str]) -> float:
    patterns = (*(s.pattern for s in language.signals), *language.lines)
    if not lines:
        return 0.0
    code = sum(
        1
        for line in lines
        if _PUNCTUATION.match(line) or any(pattern.search(line) for pattern in patterns)
    )
    return code / len(lines)
