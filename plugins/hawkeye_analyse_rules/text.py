"""Text as a model reads it and as a person sees it.

A server can hide text from people and still show it to the model: Unicode tag
characters, zero-width and bidi controls, look-alike letters, base64 and
comments. :class:`Clean` gives the rules one form to match on (lower case,
invisible characters removed, tags decoded, look-alikes folded to ASCII) and
maps every match back to the exact span of the original text, so evidence is
always the offending substring as sent. :func:`excerpt` cuts that span to about
200 characters with every hidden character made visible.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import itertools
import re
import unicodedata
import urllib.parse
from collections.abc import Iterable, Iterator

__all__ = [
    "BIDI_CONTROLS",
    "LATIN_WORDS",
    "PADDING",
    "Clean",
    "Spans",
    "comments",
    "decoded_blobs",
    "excerpt",
    "hidden_regions",
    "is_invisible",
    "name_tokens",
    "reveal",
    "skeleton",
    "tag_runs",
    "word_count",
]

TAG_FIRST, TAG_LAST = 0xE0000, 0xE007F
#: Embeddings, overrides and isolates: text that displays out of its logical order.
BIDI_CONTROLS = frozenset(range(0x202A, 0x202F)) | frozenset(range(0x2066, 0x206A))
#: Marks that are legitimate inside right-to-left text.
BIDI_MARKS = frozenset({0x200E, 0x200F, 0x061C})
ZERO_WIDTH = frozenset(
    {
        0x00AD,  # soft hyphen
        0x034F,  # combining grapheme joiner
        0x115F,
        0x1160,
        0x3164,
        0xFFA0,  # Hangul fillers
        0x17B4,
        0x17B5,
        0x180E,
        0x200B,
        0x200C,
        0x200D,
        0x2060,
        0x2061,
        0x2062,
        0x2063,
        0x2064,
        0xFEFF,
    }
)
_ZWJ = 0x200D

# Letters of other scripts that look like ASCII letters (a subset of Unicode's
# confusables.txt: the ones seen in homoglyph attacks on names and keywords).
CONFUSABLES = {
    **dict.fromkeys("\u0430\u0410\u0251\u03b1\u0391", "a"),
    **dict.fromkeys("\u0412\u03b2\u0392", "b"),
    **dict.fromkeys("\u0441\u0421\u03f2\u03f9\u217d", "c"),
    **dict.fromkeys("\u0501\u217e", "d"),
    **dict.fromkeys("\u0435\u0415\u03b5\u0395", "e"),
    **dict.fromkeys("\u0261", "g"),
    **dict.fromkeys("\u04bb\u041d\u0397", "h"),
    **dict.fromkeys("\u0456\u0406\u0131\u0269\u03b9\u0399", "i"),
    **dict.fromkeys("\u0458\u0408", "j"),
    **dict.fromkeys("\u043a\u041a\u03ba\u039a", "k"),
    **dict.fromkeys("\u04cf\u217c", "l"),
    **dict.fromkeys("\u041c\u039c\u217f", "m"),
    **dict.fromkeys("\u039d", "n"),
    **dict.fromkeys("\u043e\u041e\u03bf\u039f\u0585", "o"),
    **dict.fromkeys("\u0440\u0420\u03c1\u03a1", "p"),
    **dict.fromkeys("\u051b", "q"),
    **dict.fromkeys("\u0455\u0405", "s"),
    **dict.fromkeys("\u0422\u03a4", "t"),
    **dict.fromkeys("\u03c5\u057d", "u"),
    **dict.fromkeys("\u03bd\u0475", "v"),
    **dict.fromkeys("\u051d", "w"),
    **dict.fromkeys("\u0445\u0425\u03c7\u03a7", "x"),
    **dict.fromkeys("\u0443\u0423\u03b3\u03a5", "y"),
    **dict.fromkeys("\u0396", "z"),
}
_NAME_SPLIT = re.compile(r"[^A-Za-z0-9]+")
_CAMEL = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


def is_invisible(code: int) -> bool:
    """True for characters that take no visible space: zero-width, bidi, tags, selectors."""
    return (
        code in ZERO_WIDTH
        or code in BIDI_CONTROLS
        or code in BIDI_MARKS
        or TAG_FIRST <= code <= TAG_LAST
        or 0xFE00 <= code <= 0xFE0F
        or 0xE0100 <= code <= 0xE01EF
    )


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _is_pointing(code: int) -> bool:
    """True for Arabic vowel marks, the tatweel and Hebrew points: words match without them.

    "لا تُبلغ" and "لا تبلغ" are the same words; writers add the marks or not.
    """
    return (
        0x064B <= code <= 0x065F
        or code in (0x0640, 0x0670)
        or (0x0591 <= code <= 0x05C7 and code not in (0x05BE, 0x05C0, 0x05C3, 0x05C6))
    )


def _needs_slow_path(text: str) -> bool:
    return not text.isascii() or _CONTROL.search(text) is not None


class Clean:
    """``text`` normalised for matching, with a map back to the original.

    ``s`` is lower case, NFKC-normalised, with invisible characters (and
    Arabic and Hebrew vowel marks) removed, Unicode tag characters decoded in
    place and look-alike letters folded to ASCII. ``span(start, end)`` turns
    a span of ``s`` into the span of ``text`` it came from.
    """

    __slots__ = ("_origin", "s", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        if not _needs_slow_path(text):
            self.s = text.lower()
            self._origin: list[int] | None = None
            return
        out: list[str] = []
        origin: list[int] = []
        for index, char in enumerate(text):
            code = ord(char)
            if TAG_FIRST + 0x20 <= code <= TAG_FIRST + 0x7E:
                folded = chr(code - TAG_FIRST).lower()
            elif is_invisible(code) or (code < 32 and char not in "\t\n\r") or _is_pointing(code):
                continue
            elif code < 128:
                folded = char.lower()
            else:
                folded = CONFUSABLES.get(char) or unicodedata.normalize("NFKC", char).lower()
                if len(folded) > 1:
                    # presentation forms decompose into a letter and its marks: drop the marks
                    folded = "".join(c for c in folded if not _is_pointing(ord(c)))
                elif _is_pointing(ord(folded)):
                    continue
            out.append(folded)
            origin.extend([index] * len(folded))
        self.s = "".join(out)
        self._origin = origin

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that ``s[start:end]`` came from."""
        if self._origin is None:
            return start, end
        if not self._origin:
            return 0, 0
        first = self._origin[min(start, len(self._origin) - 1)]
        last = self._origin[min(max(end - 1, start), len(self._origin) - 1)] + 1
        return first, last


class Spans:
    """A set of ``(start, end)`` spans that answers "is this offset inside one?" in log time.

    A hostile text can hold thousands of quoted examples; testing every match
    against every span would be quadratic.
    """

    __slots__ = ("_ends", "_starts")

    def __init__(self, spans: Iterable[tuple[int, int]] = ()) -> None:
        ordered = sorted(spans)
        self._starts = [a for a, _ in ordered]
        # the furthest end of any span starting at or before each one
        self._ends = list(itertools.accumulate((b for _, b in ordered), max))

    def __bool__(self) -> bool:
        return bool(self._starts)

    def ends_in(self, offset: int) -> bool:
        """True if ``start < offset <= end`` for some span."""
        index = bisect.bisect_left(self._starts, offset)
        return index > 0 and self._ends[index - 1] >= offset

    def starts_in(self, offset: int) -> bool:
        """True if ``start <= offset < end`` for some span."""
        index = bisect.bisect_right(self._starts, offset)
        return index > 0 and self._ends[index - 1] > offset


def skeleton(name: str) -> str:
    """``name`` as it looks: NFKC, look-alikes folded to ASCII, case-folded, invisibles gone."""
    if name.isascii():
        return name.lower()
    out = []
    for char in name:
        code = ord(char)
        if is_invisible(code):
            continue
        folded = CONFUSABLES.get(char) or unicodedata.normalize("NFKC", char)
        out.append(folded.lower())
    return "".join(out)


def name_tokens(name: str) -> list[str]:
    """The lower-case words of an identifier: ``printEnv`` -> ``['print', 'env']``."""
    return [t.lower() for part in _NAME_SPLIT.split(name) for t in _CAMEL.findall(part)]


def tag_runs(text: str) -> Iterator[tuple[int, int, str]]:
    """``(start, end, decoded)`` for each run of Unicode tag characters in ``text``.

    The runs of an emoji subdivision flag (U+1F3F4, a few tag letters, U+E007F)
    are part of the emoji and are skipped.
    """
    index, length = 0, len(text)
    while index < length:
        if not TAG_FIRST <= ord(text[index]) <= TAG_LAST:
            index += 1
            continue
        start = index
        while index < length and TAG_FIRST <= ord(text[index]) <= TAG_LAST:
            index += 1
        run = text[start:index]
        flag = (
            start > 0
            and text[start - 1] == "\U0001f3f4"
            and run.endswith("\U000e007f")
            and len(run) <= 8
        )
        if not flag:
            decoded = "".join(
                chr(ord(c) - TAG_FIRST)
                for c in run
                if TAG_FIRST + 0x20 <= ord(c) <= TAG_FIRST + 0x7E
            )
            yield start, index, decoded


def reveal(text: str) -> str:
    """``text`` with hidden characters made visible.

    Tag runs become ``⟦tags: "decoded"⟧``; zero-width, bidi and control
    characters become ``<U+XXXX>``; line breaks become ``\\n``.
    """
    if text.isascii() and _CONTROL.search(text) is None and "\n" not in text and "\t" not in text:
        return text
    runs = {start: (end, decoded) for start, end, decoded in tag_runs(text)}
    out: list[str] = []
    index = 0
    while index < len(text):
        if index in runs:
            end, decoded = runs[index]
            out.append(f'⟦tags: "{decoded}"⟧')
            index = end
            continue
        char = text[index]
        code = ord(char)
        if char == "\n":
            out.append("\\n")
        elif char in "\t\r":
            out.append(" ")
        elif is_invisible(code) or unicodedata.category(char) in (
            "Cc",
            "Cf",
            "Co",
            "Cn",
            "Zl",
            "Zp",
        ):
            out.append(f"<U+{code:04X}>")
        else:
            out.append(char)
        index += 1
    return "".join(out)


def excerpt(text: str, start: int = 0, end: int | None = None, limit: int = 200) -> str:
    """The span ``text[start:end]`` with context, cut to about ``limit`` characters, revealed."""
    end = len(text) if end is None else end
    if end - start >= limit:
        window_start, window_end = start, start + limit
    else:
        room = (limit - (end - start)) // 2
        window_start = max(0, start - room)
        window_end = min(len(text), end + room)
    body = reveal(text[window_start:window_end])
    if len(body) > limit + 60:
        body = body[: limit + 60]
    prefix = "…" if window_start > 0 else ""
    suffix = "…" if window_end < len(text) else ""
    return prefix + body + suffix


_B64 = re.compile(
    r"(?<![A-Za-z0-9+/=_-])(?:[A-Za-z0-9+/]{24,}|[A-Za-z0-9_-]{24,})={0,2}(?![A-Za-z0-9+/=_-])"
)
_HEX = re.compile(r"(?<![0-9A-Fa-f])(?:[0-9A-Fa-f]{2}){16,}(?![0-9A-Fa-f])")
#: Base32 (RFC 4648): upper-case letters and the digits 2-7.
_B32 = re.compile(r"(?<![A-Za-z0-9=])[A-Z2-7]{24,}={0,6}(?![A-Za-z0-9=])")
#: Percent-encoding of every byte ("%61%73%73..."): a URL's escaping used to hide words.
_PERCENT = re.compile(r"(?:%[0-9A-Fa-f]{2}){12,}")
#: A sentence in a URL's escaping ("open%20~%2F.config%2F..."): letters left as they are,
#: spaces and punctuation escaped, at least three escaped spaces.
_URL_ENCODED = re.compile(
    r"(?<![A-Za-z0-9._~+-])[A-Za-z0-9._~+-]*+(?:%[0-9A-Fa-f]{2}[A-Za-z0-9._~+-]*+){6,}"
)  # anchored and possessive: a long run of letters with one % is read once, not per start
#: Runs of two or more Latin letters: the words of a decoded payload.
LATIN_WORDS = re.compile(r"[A-Za-z]{2,}")
#: Letters of scripts written without spaces (Thai, Lao, Khmer, kana, CJK, Hangul).
_UNSPACED = re.compile(r"[\u0e00-\u0eff\u1780-\u17ff\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_LETTER_RUN = re.compile(r"[^\W\d_]{2,}")


def word_count(text: str) -> int:
    """Words of ``text`` in any script: runs of two or more letters, and two letters of a
    script written without spaces as one word."""
    unspaced = len(_UNSPACED.findall(text))
    spaced = text if not unspaced else _UNSPACED.sub(" ", text)
    return len(_LETTER_RUN.findall(spaced)) + unspaced // 2


def _as_text(raw: bytes) -> str | None:
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if len(decoded) < 12:
        return None
    printable = sum(1 for c in decoded if c.isprintable() or c in "\n\t\r")
    if printable / len(decoded) < 0.95 or len(LATIN_WORDS.findall(decoded)) < 3:
        return None
    return decoded


def decoded_blobs(text: str, limit: int = 20) -> Iterator[tuple[int, int, str]]:
    """``(start, end, decoded)`` for base64, base32, hex and percent-encoded runs of text."""
    found = 0
    for start, end, raw in _encoded_runs(text):
        decoded = _as_text(raw)
        if decoded is not None:
            found += 1
            yield start, end, decoded
            if found >= limit:
                return


def _encoded_runs(text: str) -> Iterator[tuple[int, int, bytes]]:
    """``(start, end, bytes)`` of every run of ``text`` that decodes in one of the encodings."""
    for match in _B64.finditer(text):
        blob = match.group(0)
        if blob.isalpha() or ("_" in blob and "-" not in blob and blob.islower()):
            continue  # a word or identifier, not an encoding
        padded = blob.rstrip("=") + "=" * (-len(blob.rstrip("=")) % 4)
        try:
            altchars = b"-_" if "-" in blob or "_" in blob else None
            yield match.start(), match.end(), base64.b64decode(padded, altchars, validate=True)
        except (binascii.Error, ValueError):
            continue
    for match in _B32.finditer(text):
        blob = match.group(0).rstrip("=")
        try:
            yield match.start(), match.end(), base64.b32decode(blob + "=" * (-len(blob) % 8))
        except (binascii.Error, ValueError):
            continue
    for match in _HEX.finditer(text):
        yield match.start(), match.end(), bytes.fromhex(match.group(0))
    if "%" in text:
        for match in _PERCENT.finditer(text):
            yield match.start(), match.end(), bytes.fromhex(match.group(0).replace("%", ""))
        for match in _URL_ENCODED.finditer(text):
            run = match.group(0)
            if run.lower().count("%20") + run.count("+") >= 3 and not _PERCENT.fullmatch(run):
                raw = urllib.parse.unquote_to_bytes(run.replace("+", " "))
                yield match.start(), match.end(), raw


#: A run of blank filler inside a line, between two visible characters (group 1 is the
#: run; it may go on to the next line), or a dozen or more lines with nothing visible
#: (empty, or only spaces of any kind) that push the rest below the fold.
_BLANK = "[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000\u2800\u3164\u00b7]"
PADDING = re.compile(
    rf"\S({_BLANK}{{40,}}(?:[\r\n]{_BLANK}*)*"  # a long run, maybe then to the next line
    rf"|(?:(?:{_BLANK}|\r)*\n){{12,}}(?:{_BLANK}|\r)*)\S"  # a dozen lines of nothing visible
)


def hidden_regions(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` a person does not see: tag runs, comments, text pushed out by padding."""
    regions = [(s, e) for s, e, decoded in tag_runs(text) if sum(c.isalpha() for c in decoded) >= 3]
    regions += [(s, e) for s, e, _ in comments(text)]
    padding = PADDING.search(text)
    if padding is not None:
        line_end = -1 if "\n" in padding.group(1) else text.find("\n", padding.end(1))
        regions.append((padding.end(1), len(text) if line_end < 0 else line_end))
    return regions


_HTML_COMMENT = re.compile(r"<!--(.*?)(?:-->|\Z)", re.S)
#: A C-style comment ("auto /* assistant: ... */" in a default value), up to 2,000
#: characters: "/*" at the start or after a space, then a space, so that glob patterns
#: ("src/*.ts", "docs/**/*.md") are not comments.
_C_COMMENT_START = re.compile(r"(?<!\S)/\*\s")
_C_COMMENT_END = "*/"
_MD_COMMENT = re.compile(
    r"^[ \t]*\[(?://|comment|_|#)\]:[ \t]*(?:#|<>)[ \t]*(?:\((.*?)\)|\"(.*?)\")[ \t]*$", re.M
)


#: An HTML element a renderer does not show: display:none, visibility:hidden, zero size
#: or opacity, the hidden attribute. Its text is read up to the element's end tag.
_HIDDEN_ELEMENT = re.compile(
    r"<([a-z][a-z0-9]{0,10})\b[^<>]{0,300}?(?:style\s*=\s*[\"'][^\"'<>]{0,200}?"
    r"(?:display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?![.\d]*[1-9])"
    r"|opacity\s*:\s*0(?![.\d]*[1-9])|(?<![\w-])height\s*:\s*0(?![.\d]*[1-9]))"
    r"|\shidden(?:\s*=\s*[\"']?hidden[\"']?)?(?=[\s/>])(?=[^\"']*(?:[\"'][^\"']*[\"'][^\"']*)*>)"
    r"|aria-hidden\s*=\s*[\"']true)"
    r"[^<>]{0,300}>(.{0,4000}?)</\1\s*>",
    re.I | re.S,
)


def comments(text: str, limit: int = 64) -> Iterator[tuple[int, int, str]]:
    """``(start, end, body)`` for the first ``limit`` HTML, Markdown or C comments or hidden
    HTML elements (every body is read for orders: a hostile text may hold thousands)."""
    yield from itertools.islice(_comments(text), limit)


def _comments(text: str) -> Iterator[tuple[int, int, str]]:
    if "<!--" in text:
        for match in _HTML_COMMENT.finditer(text):
            yield match.start(), match.end(), match.group(1)
    if "<" in text and ("hidden" in text or ":" in text):
        for match in _HIDDEN_ELEMENT.finditer(text):
            yield match.start(), match.end(), match.group(2)
    if "]:" in text:
        for match in _MD_COMMENT.finditer(text):
            yield match.start(), match.end(), match.group(1) or match.group(2) or ""
    if "/*" in text and "*/" in text:
        last_end = text.rfind(_C_COMMENT_END)
        for match in _C_COMMENT_START.finditer(text, 0, last_end):
            end = text.find(_C_COMMENT_END, match.end() - 1, match.end() + 2000)
            if end >= 0:
                yield match.start(), end + 2, text[match.start() + 2 : end]
