"""One identity per e-mail address: how it is compared and hashed, and how it is shown masked.

Every path (sender, feedback, status API, operator CLI) goes through these functions, so an
address typed by a person (`JANE@Bücher.Example`), sent by the sender (`Jane@xn--bcher-kva.example`)
and reported by SES (`jane@xn--bcher-kva.example`) is one suppression key, one erasure handle and
one mask (`j***@xn--bcher-kva.example`).
"""

from __future__ import annotations

import functools
import hashlib
import unicodedata
from collections.abc import Callable, Iterator

ADDRESS_CACHE_SIZE = 64
"""The last addresses normalised and hashed, kept for the batch being handled: the sender asks for
one recipient's form and hash about six times per e-mail (suppression, claim, record, logs). A
handful of batches' worth, in the function's own memory only; both functions are pure."""

_DOTS = frozenset(".\u3002\uff0e\uff61")
"""Label separators IDNA accepts: the full stop and its ideographic and full-width forms."""
ATEXT_SPECIALS = "!#$%&'*+-/=?^_`{|}~"
"""The ASCII characters RFC 5322's atext allows besides letters and digits (an unquoted local part is
runs of atext joined by dots)."""
_LOCAL_SPECIALS = frozenset(ATEXT_SPECIALS + ".")


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _ascii_domain(domain: str) -> str:
    """Lower case; a non-ASCII domain as its IDNA A-labels (punycode), or lower-cased NFC if it is no IDN."""
    if domain.isascii():
        return domain.lower()
    import idna  # on the first non-ASCII domain only: its tables are not part of a plain cold start

    lowered = _nfc(domain).lower()
    try:
        return idna.encode(lowered, uts46=True).decode("ascii")
    except UnicodeError:  # idna.IDNAError and its subclasses
        return lowered


@functools.lru_cache(maxsize=ADDRESS_CACHE_SIZE)
def normalise_address(address: str) -> str:
    """The form every path compares and hashes.

    Trimmed; the domain (after the last `@`) lower-cased and, when not ASCII, IDNA-encoded
    (`Bücher.Example` and `xn--bcher-kva.example` are one domain: what SES sends to and reports;
    a domain IDNA refuses stays lower-cased NFC); the local part NFC-normalised and lower-cased
    (mailbox providers ignore case; NFC once more because lower-casing can leave a composable
    pair). Anything that is not `local@domain` is only trimmed and lower-cased. Never raises;
    idempotent; plain ASCII addresses give `strip().lower()`, so stored hashes stay valid.
    """
    text = address.strip()
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain:
        return text.lower()
    return f"{_nfc(_nfc(local).lower())}@{_ascii_domain(domain)}"


@functools.lru_cache(maxsize=ADDRESS_CACHE_SIZE)
def address_hash(address: str) -> str:
    """SHA-256 hex of the normalised address: the suppression key and the erasure handle."""
    return hashlib.sha256(normalise_address(address).encode()).hexdigest()


def mask_address(address: str) -> str:
    """`Jane.Doe@Bücher.Example` → `j***@xn--bcher-kva.example`: enough to tell cases apart, not to mail anyone.

    The first character of the normalised local part and the normalised domain, so every spelling of
    an address masks alike and masking a mask changes nothing. An internationalised domain shows as
    punycode, as SES reports it: ASCII in every log line, header and terminal, and no look-alike
    Unicode domain.
    """
    local, at, domain = normalise_address(address).rpartition("@")
    if not at or not local or not domain:
        return "***"
    return f"{local[0]}***@{domain}"


def _word(char: str) -> bool:
    return char.isalnum() or unicodedata.category(char).startswith("M")


def _domain_end(text: str, start: int) -> int:
    """End of the labels (letters, marks, digits, `-`) joined by single dots from `start`; `start` if none."""
    end = position = start
    while position < len(text):
        char = text[position]
        if _word(char) or char == "-":
            end = position + 1
        elif char not in _DOTS or position != end or end == start:
            break
        position += 1
    return end


def _address_spans(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each e-mail address in free text: ASCII or internationalised; bare, in `<…>`,
    in quotes, in DSN diagnostics, inside JSON.

    Around each `@`: the local part is the longest run of letters, marks, digits and atext before it
    that starts with a letter, mark or digit (an opening `'` or `“` stays outside), the domain the
    labels after it (a closing `.`, `”` or `\\"` stays outside).
    """
    done = 0
    at = text.find("@")
    while at != -1:
        start = at
        while start > done and (_word(text[start - 1]) or text[start - 1] in _LOCAL_SPECIALS):
            start -= 1
        while start < at and not _word(text[start]):
            start += 1
        end = _domain_end(text, at + 1)
        if start < at and end > at + 1:
            yield start, end
            done = end
        at = text.find("@", max(at + 1, done))


def addresses_in(text: str) -> list[str]:
    """The e-mail addresses free text holds, as written."""
    return [text[start:end] for start, end in _address_spans(text)]


def redact_addresses(text: str, replace: Callable[[str], str] = mask_address) -> str:
    """Every e-mail address in free text replaced, by default by its mask: for reasons, log lines,
    previews and erasure."""
    pieces: list[str] = []
    done = 0
    for start, end in _address_spans(text):
        pieces += [text[done:start], replace(text[start:end])]
        done = end
    pieces.append(text[done:])
    return "".join(pieces)
