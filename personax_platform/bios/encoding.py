"""The text of a landing file, and the encoding it was read in.

Rosters saved by spreadsheet software on Windows arrive in Windows-1252 (or another legacy code page) as often as in
UTF-8. A file is read in its configured encoding (`csv.encoding`, UTF-8 by default). When the configuration leaves
UTF-8 and the bytes are not UTF-8, the encoding is detected with charset-normalizer (already in the stack through
requests) among CANDIDATES and used only when the detection is confident:
- exactly one text reads coherently (charset-normalizer's mess ratio at most MAX_MESS); encodings that agree on it
  (Windows-1252 and Latin-1 for German names) are one reading, and
- the file has no valid UTF-8 multi-byte sequence: UTF-8 mixed with a legacy encoding (one file pasted into another)
  has no single right encoding, and guessing one would corrupt the UTF-8 half silently.
Otherwise the file is rejected with a message that names the `csv.encoding` setting. An encoding configured
explicitly is never second-guessed.
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from charset_normalizer import from_bytes

DEFAULT_ENCODING = "utf-8"
# The encodings detection chooses from, most common first: UTF-16/32 (with a byte-order mark) and the Windows code
# pages of Western, Central and Eastern (Cyrillic) Europe. Others must be configured.
CANDIDATES = ("cp1252", "cp1250", "cp1251", "utf_16", "utf_32")
_PREFERENCE = ["cp1252", "cp1250", "cp1251", "utf-16", "utf-32"]
MAX_MESS = 0.1
# A valid UTF-8 multi-byte sequence (2, 3 or 4 bytes); in Windows-1252 text such pairs are very rare ("Ã¼").
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


class EncodingError(ValueError):
    """The file cannot be decoded, with the reason and the setting that fixes it."""


@dataclass(frozen=True)
class DecodedFile:
    text: str
    encoding: str  # the codec's canonical name, e.g. "utf-8", "cp1252"
    detected: bool  # True when the encoding was detected rather than configured


def decode_landing_file(data: bytes, configured: str, name: str) -> DecodedFile:
    """`data` decoded in `configured`, or in a confidently detected encoding when `configured` is UTF-8 and fails."""
    encoding = _canonical(configured, name)
    try:
        return DecodedFile(data.decode(encoding), encoding, detected=False)
    except UnicodeDecodeError as exc:
        failure = exc
    if encoding != DEFAULT_ENCODING:
        raise EncodingError(f"{name} is not valid {configured} ({failure.reason} at byte {failure.start}); set the "
                            f"league's `csv.encoding` in config/datasets.yaml to the file's encoding") from None
    return _detected(data, name, failure)


def _detected(data: bytes, name: str, failure: UnicodeDecodeError) -> DecodedFile:
    hint = f"{name} is not UTF-8 (byte 0x{data[failure.start]:02x} at offset {failure.start})"
    fix = "set the league's `csv.encoding` in config/datasets.yaml (e.g. cp1252 or latin-1) or re-save it as UTF-8"
    readings: dict[str, set[str]] = {}
    for match in from_bytes(data, cp_isolation=list(CANDIDATES)):
        if match.chaos <= MAX_MESS:
            readings.setdefault(str(match), set()).update(_canonical(e, name) for e in match.could_be_from_charset)
    if len(readings) != 1:
        found = ("no candidate reads it as coherent text" if not readings else "it reads as different text in " +
                 ", ".join(sorted(e for encodings in readings.values() for e in encodings)))
        raise EncodingError(f"{hint} and its encoding could not be detected confidently ({found}); {fix}")
    if _UTF8_MULTIBYTE.search(data):
        raise EncodingError(f"{hint} but also has valid UTF-8 characters: it mixes encodings, so no single one reads "
                            f"it correctly; {fix}")
    (text, encodings), = readings.items()
    # encodings that agree on the text are one reading; name the most common of them
    return DecodedFile(text, min(encodings, key=_PREFERENCE.index), detected=True)


def _canonical(encoding: str, name: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise EncodingError(f"{name}: unknown encoding {encoding!r} in the league's `csv.encoding` "
                            "(config/datasets.yaml); use a Python codec name such as utf-8 or cp1252") from None
