"""A lake's root, as PERSONAX_LAKE_DIR names it: a folder (or file:// URL) becomes an absolute path, an object store's
URL is normalised to `scheme://bucket[/prefix]`, and anything else is refused with an error naming the value."""
from __future__ import annotations

from pathlib import Path

import pytest

from personax_platform.warehouse.store import LakeLocation


def test_a_folder_is_resolved_to_an_absolute_local_location(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    location = LakeLocation.parse(Path("data") / "lake")
    assert location.url == (tmp_path / "data" / "lake").resolve().as_posix()
    assert location.is_local and location.scheme == "file"


def test_a_file_url_is_the_folder_it_names(tmp_path):
    folder = tmp_path / "my lake"
    assert LakeLocation.parse(folder.as_uri()) == LakeLocation.parse(folder)
    assert LakeLocation.parse(folder.as_uri()).url == folder.resolve().as_posix()


@pytest.mark.parametrize(("value", "url"), [
    ("s3://bucket", "s3://bucket"),
    ("s3://bucket/", "s3://bucket"),
    ("s3://bucket/prefix/", "s3://bucket/prefix"),
    ("s3://bucket/a/b", "s3://bucket/a/b"),
    ("gs://bucket/prefix", "gs://bucket/prefix"),
])
def test_an_object_store_url_is_normalised_to_bucket_and_prefix(value, url):
    location = LakeLocation.parse(value)
    assert location.url == url and not location.is_local
    assert location.url_of("bios/bios/nba.parquet") == f"{url}/bios/bios/nba.parquet"


@pytest.mark.parametrize("value", ["s3://", "s3:///prefix", "gs:///prefix"])
def test_a_url_without_a_bucket_is_refused_naming_it(value):
    with pytest.raises(ValueError, match=f"lake URL '{value}' names no bucket"):
        LakeLocation.parse(value)


@pytest.mark.parametrize(("value", "scheme"), [("http://host/lake", "http"), ("azure://container/lake", "azure")])
def test_an_unsupported_scheme_is_refused_naming_the_value_and_the_choices(value, scheme):
    with pytest.raises(ValueError, match=f"lake location '{value}': unsupported scheme '{scheme}'.*s3://.*gs://"):
        LakeLocation.parse(value)


def test_credentials_in_the_url_are_refused_without_repeating_them():
    with pytest.raises(ValueError, match="credentials do not belong in the URL") as refused:
        LakeLocation.parse("s3://AKIAEXAMPLE:s3cr3t@bucket/prefix")
    assert "s3://***@bucket/prefix" in str(refused.value)
    assert "AKIAEXAMPLE" not in str(refused.value) and "s3cr3t" not in str(refused.value)
