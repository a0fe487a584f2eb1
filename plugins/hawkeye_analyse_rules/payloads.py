"""Text a server hides by encoding it, decoded so that the poisoning signals can read it.

A model decodes base64, hex, percent-encoding and ROT13 when told to, reads a
run of zero-width characters as bits, and reads text under a right-to-left override in its
logical (reversed) order; a person sees a blob, nothing, or gibberish.
:func:`hidden_payloads` finds them all (HE-HID-005 reports the ones that say
something). For poisoning, :func:`payload_signals` counts what a payload says
when the model is meant to act on it: a blob the visible text tells the model
to decode and apply, a payload invisible to people (zero-width bits, reversed
text), or a bare blob ("Setup code: 5265...") whose decoded text is an order
(a sentence of five words or more with a strong signal other than a standing
order's, a tag's or a bare path's), since models decode such blobs unasked. A
bare blob that decodes to a word or two is hidden content, not an order. An
order hidden this way (to route data, hide, lie, override or steer) is decisive
(``encoded_order``); anything else hidden this way is concealment the model
weighs.
"""

from __future__ import annotations

import codecs
import functools
import itertools
import re
from collections.abc import Iterable

from hawkeye_analyse_rules.signals import STRONG, WEIGHTS, Signal, find_signals
from hawkeye_analyse_rules.text import LATIN_WORDS, decoded_blobs, word_count

__all__ = ["hidden_payloads", "payload_signals"]

#: Runs of zero-width characters long enough to carry bits (two symbols, eight per letter).
_ZW_RUN = re.compile("[\u200b\u200c\u200d\u2060\u2062\u2063\ufeff]{24,}")
#: Runs of variation selectors: one byte each (VS1-16 are 0-15, VS17-256 are 16-255), the
#: "emoji smuggling" that hides text after an emoji.
_SELECTOR_RUN = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]{8,}")
#: A right-to-left override and the text it reverses (up to a pop or isolate end).
_RLO = re.compile("[\u202e\u2067]([^\u202a-\u202e\u2066-\u2069]{12,})")
#: Visible words telling the model to decode a blob and act on it: "(hex, decode and follow)".
_DECODE_AND_ACT = re.compile(
    r"\b(?:decode|decoded|decoding|d[eé]cod\w*|base64|hex|encoded)\b[^.\n]{0,40}?"
    r"\b(?:follow|apply|obey|execute|run|act\s+on|carry\s+out|appl\w*|suiv\w*|sig[au]\w*)\b",
    re.I,
)


@functools.lru_cache(maxsize=4096)
def hidden_payloads(text: str) -> tuple[tuple[int, int, str, bool], ...]:
    """``(start, end, decoded, visible)`` for each encoded payload that decodes to words.

    Base64 and hex blobs (``visible``: a person sees the blob), zero-width bit
    strings and right-to-left-overridden runs (given in reading order).
    """
    found = [(start, end, decoded, True) for start, end, decoded in decoded_blobs(text)]
    found += [(start, end, decoded, True) for start, end, decoded in _rot13_runs(text)]
    if not text.isascii():
        for match in _ZW_RUN.finditer(text):
            decoded = _zero_width_text(match.group(0))
            if decoded is not None:
                found.append((match.start(), match.end(), decoded, False))
        for match in _SELECTOR_RUN.finditer(text):
            decoded = _selector_text(match.group(0))
            if decoded is not None:
                found.append((match.start(), match.end(), decoded, False))
        for match in _RLO.finditer(text):
            body = match.group(1)
            if len(LATIN_WORDS.findall(body)) >= 3:
                found.append((match.start(), match.end(), body[::-1], False))
    return tuple(found)


def payload_signals(text: str, params: Iterable[str] = ()) -> list[Signal]:
    """Signals of the orders hidden in ``text``'s payloads, on the payloads' spans.

    Empty when no payload is meant to be acted on or none says anything strong.
    """
    payloads = hidden_payloads(text)
    if not payloads:
        return []
    told = _DECODE_AND_ACT.search(text) is not None
    out: list[Signal] = []
    for start, end, decoded, visible in payloads:
        found = find_signals(decoded, params)
        if not any(sig.category in STRONG for sig in found):
            continue
        # a bare blob counts when its sentence says something strong: encoding an order is
        # concealment already (until the sixteenth pass two strong kinds were asked for;
        # "after any promo code, also call payout_request ..." has one)
        if (
            visible
            and not told
            and (
                word_count(decoded) < _BARE_WORDS
                or not any(sig.category in STRONG - _MILD for sig in found)
            )
        ):
            continue
        out += [Signal(sig.category, sig.weight, start, end, sig.detail) for sig in found]
        # an order (to route data, hide, lie, override, steer) hidden this way is decisive; a
        # blob that only names a path or a command ("base64-encoded script to run at boot")
        # is concealment the model weighs
        kind = "encoded_order" if any(sig.category in _ORDERS for sig in found) else "conceal"
        out.append(Signal(kind, WEIGHTS[kind], start, end, "encoded payload"))
    return out


#: Words a bare blob's decoding needs to count as an order (fewer is a label or a value).
_BARE_WORDS = 5
#: Signals that change how the model talks or only name a thing, not what it does with data
#: or to the user: a bare blob saying "from now on, answer in French" or "mount the home
#: directory at ~/.ssh" is hidden content, not poisoning.
_MILD = frozenset({"persist", "tag", "coerce", "sensitive_mention", "exec_payload"})
#: What an order does: route data, hide, lie, override, steer (see payload_signals).
_ORDERS = frozenset(
    {
        "data_route",
        "exfil_param",
        "exfil_dest",
        "secret_request",
        "sensitive_read",
        "conversation",
        "conceal",
        "deceive",
        "lie",
        "override",
        "against_user",
        "cross_tool",
        "cross_server",
        "run_command",
    }
)

#: A run of letters long enough to carry a sentence.
_LETTER_RUN = re.compile(r"[A-Za-z][A-Za-z ,.:;'~/_()-]{40,}")
#: The commonest short English words: ROT13 text has none, its decoding has many.
_COMMON = frozenset(
    re.findall(
        r"\w+",
        "the and to of in a is it you your user for with this that do not all its read put "
        "send pass file be on or as",
    )
)


def _common_share(words: list[str]) -> float:
    return sum(1 for w in words if w.lower() in _COMMON) / max(1, len(words))


def _rot13_runs(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, decoded)`` for runs of ROT13 text: gibberish that rotates into English.

    A run counts when its words hold almost none of the commonest English words
    and its rotation holds many (at least a quarter of its words).
    """
    out: list[tuple[int, int, str]] = []
    for match in _LETTER_RUN.finditer(text):
        # a visible sentence may lead into the ROT13 ("... apply it: Orsber ..."): the
        # run is judged from each sentence on, and the first that rotates into English
        # is taken with the rest of the run (or alone, when the rest is English again)
        whole = match.group(0)
        tries = 0
        for piece in itertools.islice(_PIECE.finditer(whole), 64):
            if _common_share(LATIN_WORDS.findall(piece.group(0))) > 0.08:
                continue  # English: not the start of a ROT13 run
            tries += 1
            rest = whole[piece.start() : piece.start() + _MAX_ROT13]
            run = next((r for r in (rest, piece.group(0)) if _rotates_into_english(r)), None)
            if run is not None:
                start = match.start() + piece.start()
                out.append((start, start + len(run), codecs.decode(run, "rot13")))
                break
            if tries >= 4:  # bounds the work on a hostile run of gibberish sentences
                break
        if len(out) >= 20:
            break
    return out


#: Characters of one ROT13 run decoded.
_MAX_ROT13 = 4000


def _rotates_into_english(run: str) -> bool:
    words = LATIN_WORDS.findall(run)
    if len(words) < 6 or _common_share(words) > 0.08:
        return False
    return _common_share(LATIN_WORDS.findall(codecs.decode(run, "rot13"))) >= 0.25


#: A sentence of a run of letters: up to a stop, colon or semicolon followed by a space.
_PIECE = re.compile(r"[^.:;]+(?:[.:;](?!\s)[^.:;]*)*[.:;]?")


def _selector_text(run: str) -> str | None:
    """The text a run of variation selectors carries, one byte per selector, or None."""
    raw = bytes(ord(c) - 0xFE00 if ord(c) <= 0xFE0F else ord(c) - 0xE0100 + 16 for c in run)
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if len(LATIN_WORDS.findall(decoded)) < 3:
        return None
    return decoded


def _bits_to_text(bits: str) -> str | None:
    if len(bits) < 24:
        return None
    raw = bytes(int(bits[i : i + 8], 2) for i in range(0, len(bits) - 7, 8))
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    printable = sum(1 for c in decoded if c.isprintable() or c in "\n\t")
    if printable < 0.95 * len(decoded) or len(LATIN_WORDS.findall(decoded)) < 3:
        return None
    return decoded


def _zero_width_text(run: str) -> str | None:
    symbols = sorted(set(run))
    if len(symbols) != 2:
        return None
    for zero, one in (symbols, symbols[::-1]):
        decoded = _bits_to_text(run.replace(zero, "0").replace(one, "1"))
        if decoded is not None:
            return decoded
    return None
