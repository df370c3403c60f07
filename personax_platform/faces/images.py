"""Resolve an image reference from the bios to a file and decode it, in place: images are never copied.

A reference is one of
  package://<package>/<path>   a file inside an installed Python package (the sample data uses the real photos that
                               insightface and scikit-image ship), found without importing the package;
  an absolute path             used as it is;
  a relative path              resolved against the landing directory the bios came from.
"""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

PACKAGE_SCHEME = "package://"
_ANY_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


class NoImage(Exception):
    """The bio names no image (empty or missing reference)."""


class UnreadableImage(Exception):
    """The reference names something that cannot be read as an image; the message names the reference and why."""


def resolve_image_ref(ref: str, landing_dir: Path | None = None) -> Path:
    """The file a non-empty reference points to (it may not exist: reading it reports that)."""
    if ref.startswith(PACKAGE_SCHEME):
        return _package_file(ref)
    if _ANY_SCHEME.match(ref):
        raise UnreadableImage(f"{ref}: unsupported scheme (use {PACKAGE_SCHEME}, an absolute or a relative path)")
    path = Path(ref).expanduser()
    if path.is_absolute():
        return path
    if landing_dir is None:
        raise UnreadableImage(f"{ref}: a relative path needs the landing directory, and none was given")
    return Path(landing_dir) / path


def read_image(ref: str | None, landing_dir: Path | None = None) -> np.ndarray:
    """The image as an RGB uint8 array (H, W, 3), upright as its EXIF orientation says (phone photos)."""
    if ref is None or not ref.strip():
        raise NoImage(f"no image reference (got {ref!r})")
    ref = ref.strip()
    path = resolve_image_ref(ref, landing_dir)
    try:
        with Image.open(path) as image:
            return np.asarray(ImageOps.exif_transpose(image).convert("RGB"))
    except FileNotFoundError:
        raise UnreadableImage(f"{ref}: file not found ({path})") from None
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise UnreadableImage(f"{ref}: cannot decode {path} as an image ({error})") from None


def _package_file(ref: str) -> Path:
    package, _, inner = ref[len(PACKAGE_SCHEME):].partition("/")
    if not package or not inner or "." in package:
        raise UnreadableImage(f"{ref}: expected {PACKAGE_SCHEME}<top-level package>/<path inside it>")
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise UnreadableImage(f"{ref}: package {package!r} is not installed")
    return Path(spec.submodule_search_locations[0]) / inner
