"""Image references resolve to files where they lie and decode to upright RGB, or fail with a reason naming them."""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from personax_platform.faces.images import NoImage, UnreadableImage, read_image, resolve_image_ref

INSIGHTFACE_DIR = Path(importlib.util.find_spec("insightface").submodule_search_locations[0])
TOM_HANKS = "package://insightface/data/images/Tom_Hanks_54745.png"


def test_package_ref_resolves_inside_the_installed_package_without_importing_or_copying_it() -> None:
    assert resolve_image_ref(TOM_HANKS) == INSIGHTFACE_DIR / "data" / "images" / "Tom_Hanks_54745.png"
    assert read_image(TOM_HANKS).shape == (112, 112, 3)


def test_relative_path_resolves_against_the_landing_dir() -> None:
    rgb = read_image("images/Tom_Hanks_54745.png", landing_dir=INSIGHTFACE_DIR / "data")
    assert rgb.dtype == np.uint8 and rgb.shape == (112, 112, 3)


def test_relative_path_without_a_landing_dir_is_unreadable_not_resolved_against_the_working_dir() -> None:
    with pytest.raises(UnreadableImage, match="images/x.png: a relative path needs the landing directory"):
        read_image("images/x.png")


@pytest.mark.parametrize("ref", [None, "", "   "])
def test_empty_or_missing_ref_is_no_image(ref: str | None) -> None:
    with pytest.raises(NoImage):
        read_image(ref)


def test_missing_file_is_unreadable_naming_the_ref_and_the_path(tmp_path: Path) -> None:
    with pytest.raises(UnreadableImage, match=f"img/000001.jpg: file not found \\({tmp_path}/img/000001.jpg\\)"):
        read_image("img/000001.jpg", landing_dir=tmp_path)


@pytest.mark.parametrize("content", [b"certainly not an image",
                                     (INSIGHTFACE_DIR / "data" / "images" / "t1.jpg").read_bytes()[:2000]],
                         ids=["garbage", "truncated-jpeg"])
def test_undecodable_bytes_are_unreadable_naming_the_ref(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "photo.jpg").write_bytes(content)
    with pytest.raises(UnreadableImage, match="photo.jpg: cannot decode"):
        read_image("photo.jpg", landing_dir=tmp_path)


@pytest.mark.parametrize("ref, reason", [
    ("package://no_such_package_here/a.png", "package 'no_such_package_here' is not installed"),
    ("package://insightface", "expected package://<top-level package>/<path inside it>"),
    ("https://example.org/a.jpg", "unsupported scheme"),
])
def test_unresolvable_refs_are_unreadable_with_the_reason(ref: str, reason: str) -> None:
    with pytest.raises(UnreadableImage, match=f"^{re.escape(ref)}: .*{re.escape(reason)}"):
        read_image(ref)


def test_exif_rotated_phone_photo_is_read_upright(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    Image.new("RGB", (40, 20), (200, 10, 10)).save(tmp_path / "phone.jpg", exif=exif)
    assert read_image("phone.jpg", landing_dir=tmp_path).shape == (40, 20, 3)
