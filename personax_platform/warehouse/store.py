"""Where the lake's objects live: a local folder, or a bucket of an object store (S3 or S3-compatible, GCS), behind
one small interface, so that no reader or writer assumes a local path.

Built on obstore (the Rust `object_store` crate): one API for local files, S3 and GCS. Each put is a single request,
never a multipart upload and never a rename on the store, so an object is either absent or whole. On a local folder,
object_store writes a staging file and renames it, the same guarantee. Credentials and endpoints come from the
standard environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION,
AWS_ENDPOINT_URL, AWS_ALLOW_HTTP; GOOGLE_SERVICE_ACCOUNT...), which obstore reads when a store is opened. They are
never passed through this module's arguments, so they cannot end up in metadata or logs.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

import obstore
from obstore.store import GCSStore, LocalStore, S3Store

OBJECT_STORE_SCHEMES = ("s3", "gs")


@dataclass(frozen=True)
class LakeLocation:
    """A lake's root: an absolute local folder, or `scheme://bucket/prefix` of an object store."""

    url: str

    @classmethod
    def parse(cls, value: str | Path) -> LakeLocation:
        text = str(value)
        scheme = urlparse(text).scheme
        if scheme in OBJECT_STORE_SCHEMES:
            parsed = urlparse(text)
            if not parsed.netloc:
                raise ValueError(f"lake URL {text!r} names no bucket; expected {scheme}://bucket[/prefix]")
            if "@" in parsed.netloc:  # the URL would carry the secret into metadata, the catalog's views and logs
                shown = f"{scheme}://***@{parsed.netloc.rpartition('@')[2]}{parsed.path}"
                raise ValueError(f"lake URL {shown!r}: credentials do not belong in the URL; set them in the "
                                 "environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY; GOOGLE_* for gs://)")
            return cls(f"{scheme}://{parsed.netloc}/{parsed.path.strip('/')}".rstrip("/"))
        if scheme == "file":
            return cls(Path(unquote(urlparse(text).path)).resolve().as_posix())  # file:///my%20lake: a space
        if "://" in text:
            raise ValueError(f"lake location {text!r}: unsupported scheme {scheme!r}; use a folder, "
                             f"{' or '.join(s + '://bucket/prefix' for s in OBJECT_STORE_SCHEMES)}")
        return cls(Path(text).resolve().as_posix())

    @property
    def scheme(self) -> str:
        return urlparse(self.url).scheme if "://" in self.url else "file"

    @property
    def is_local(self) -> bool:
        return self.scheme == "file"

    def url_of(self, key: str) -> str:
        """Where an object (or a glob of objects) is, as DuckDB's read_parquet and the UI name it."""
        return f"{self.url}/{key}"

    def __str__(self) -> str:
        return self.url


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    e_tag: str | None  # changes whenever the object is replaced


class LakeStore:
    """Objects under a lake's root, addressed by keys like `bios/bios/nba.parquet`."""

    def __init__(self, location: LakeLocation) -> None:
        self.location = location
        self._store = _open(location)

    def put(self, key: str, data: bytes) -> None:
        """Replace the object at `key` with `data` in one request: readers see the old object or the new one."""
        obstore.put(self._store, key, data, use_multipart=False)

    def get(self, key: str) -> memoryview:
        """The object's bytes, without a copy."""
        try:
            return memoryview(obstore.get(self._store, key).bytes())
        except FileNotFoundError:
            raise FileNotFoundError(f"{self.location.url_of(key)} does not exist") from None

    def info(self, key: str) -> ObjectInfo | None:
        try:
            meta = obstore.head(self._store, key)
        except FileNotFoundError:
            return None
        return ObjectInfo(meta["path"], meta["size"], meta["e_tag"])

    def list(self, prefix: str = "") -> list[ObjectInfo]:
        """Every object under `prefix` (a folder-like key ending in '/', or '' for all), sorted by key."""
        found = [ObjectInfo(meta["path"], meta["size"], meta["e_tag"])
                 for batch in obstore.list(self._store, prefix or None) for meta in batch]
        return sorted(found, key=lambda info: info.key)


def _open(location: LakeLocation) -> obstore.store.ObjectStore:
    if location.is_local:
        return LocalStore(location.url, mkdir=True)
    parsed = urlparse(location.url)
    prefix = parsed.path.strip("/") or None
    if location.scheme == "s3":
        return S3Store(parsed.netloc, prefix=prefix)
    return GCSStore(parsed.netloc, prefix=prefix)
