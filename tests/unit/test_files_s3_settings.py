"""S3 and preview settings from the environment (server/config.py): parsed,
and the store's secret never in a repr that could reach a log line."""

from __future__ import annotations

from server.config import Settings
from server.files.s3 import S3Store
from server.previews.fetch import Guard

SECRET = "s3-secret-that-must-not-leak"


def test_s3_settings_from_env_and_no_secret_in_repr() -> None:
    s = Settings.from_env({
        "PRIKBORD_FILES_STORE": "s3", "PRIKBORD_FILES_S3_BUCKET": "files",
        "PRIKBORD_FILES_S3_PREFIX": "hub1/", "PRIKBORD_FILES_S3_ENDPOINT": "https://s3.example.org",
        "PRIKBORD_FILES_S3_ACCESS_KEY": "AKIA", "PRIKBORD_FILES_S3_SECRET_KEY": SECRET,
        "PRIKBORD_FILES_S3_MAX_CONNECTIONS": "4", "PRIKBORD_FILES_S3_PART_BYTES": str(16 << 20),
    })  # fmt: skip
    assert (s.files_store, s.files_s3_bucket, s.files_s3_prefix) == ("s3", "files", "hub1/")
    assert s.files_s3_secret_key == SECRET and SECRET not in repr(s)
    assert (s.files_s3_max_connections, s.files_s3_part_bytes) == (4, 16 << 20)
    store = S3Store.from_settings(s)
    assert SECRET not in repr(store) and "files" in repr(store)


def test_preview_settings_from_env() -> None:
    s = Settings.from_env({
        "PRIKBORD_PREVIEWS": "0", "PRIKBORD_PREVIEW_TIMEOUT_S": "2.5",
        "PRIKBORD_PREVIEW_TEST_HOSTS": "a.test=127.0.0.1, b.test=::1",
    })  # fmt: skip
    assert s.previews is False and s.preview_timeout_s == 2.5
    assert Guard.from_settings(s).hosts == (("a.test", "127.0.0.1"), ("b.test", "::1"))
    defaults = Settings.from_env({})
    assert defaults.previews is True and defaults.preview_test_loopback_port == 0
    assert defaults.preview_test_hosts == ()
