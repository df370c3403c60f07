"""Landing-file encodings: the configured one is used as given; a file that is not UTF-8 under the default is read in
a detected encoding only when exactly one coherent reading exists, else rejected naming the `csv.encoding` setting."""
from __future__ import annotations

import pytest

from personax_platform.bios.encoding import EncodingError, decode_landing_file

BUNDESLIGA = ("id,name,club,nationality\n"
              + "".join(f"{i},Jürgen Müller {i},Borussia Mönchengladbach,Österreich\n" for i in range(30)))


def test_utf8_is_read_as_configured_and_not_marked_detected():
    decoded = decode_landing_file(BUNDESLIGA.encode("utf-8"), "utf-8", "roster.csv")
    assert (decoded.text, decoded.encoding, decoded.detected) == (BUNDESLIGA, "utf-8", False)


@pytest.mark.parametrize(("written", "expected"), [("cp1252", "cp1252"), ("latin-1", "cp1252"),
                                                   ("utf-16", "utf-16")])
def test_a_windows_or_utf16_roster_is_detected_and_read_exactly(written, expected):
    decoded = decode_landing_file(BUNDESLIGA.encode(written), "utf-8", "roster.csv")
    assert decoded.text == BUNDESLIGA and decoded.encoding == expected and decoded.detected


def test_a_cyrillic_windows_roster_is_detected():
    text = "id,name\n" + "".join(f"{i},Никола Јокић {i}\n" for i in range(10))
    assert decode_landing_file(text.encode("cp1251"), "utf-8", "r.csv").text == text


def test_a_file_too_short_to_tell_is_rejected_naming_the_setting():
    with pytest.raises(EncodingError) as raised:
        decode_landing_file("id,name\n1,Özil\n".encode("cp1252"), "utf-8", "short.csv")
    message = str(raised.value)
    assert "short.csv is not UTF-8 (byte 0xd6 at offset 10)" in message
    assert "could not be detected confidently" in message and "`csv.encoding`" in message


def test_utf8_mixed_with_a_legacy_encoding_is_rejected_not_guessed():
    data = BUNDESLIGA.encode("utf-8") + "99,Günter Netzer,Köln,Deutschland\n".encode("cp1252")
    with pytest.raises(EncodingError, match="mixes encodings.*`csv.encoding`"):
        decode_landing_file(data, "utf-8", "mixed.csv")


def test_an_explicit_encoding_is_never_second_guessed():
    with pytest.raises(EncodingError, match=r"not valid ascii .*set the league's `csv.encoding`"):
        decode_landing_file("Özil".encode("utf-8"), "ascii", "a.csv")
    assert decode_landing_file(BUNDESLIGA.encode("cp1252"), "cp1252", "a.csv").detected is False


def test_an_unknown_configured_encoding_names_the_setting():
    with pytest.raises(EncodingError, match="unknown encoding 'cp1252x' in the league's `csv.encoding`"):
        decode_landing_file(b"id,name\n", "cp1252x", "a.csv")
