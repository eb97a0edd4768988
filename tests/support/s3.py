"""A real S3-compatible server process on 127.0.0.1 for tests.

moto's server mode (``python -m moto.server``): an S3 API over HTTP in its
own process, so the store under test talks to it through real sockets, with
real multipart uploads, listings and errors. Chosen over MinIO because it
installs from PyPI with pip like the rest of the dev tools (MinIO's server is
a separate binary no package registry here ships), starts in about a second,
and keeps everything in memory, so each test module gets a clean one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.valkey import free_port

#: Any credentials do for moto; fixed ones keep the tests' settings readable.
ACCESS_KEY = "prikbord-test-access"
SECRET_KEY = "prikbord-test-secret-not-logged"
REGION = "us-east-1"


class S3Server:
    """``moto.server`` on a free port; :meth:`make_bucket` creates buckets."""

    def __init__(self, log_dir: Path) -> None:
        self.port = free_port()
        self.log_path = log_dir / f"s3-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> S3Server:
        log = self.log_path.open("ab")
        env = {**os.environ, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=log, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"moto server exited: {self.log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url + "/moto-api/", timeout=1):
                    return self
            except urllib.error.HTTPError:
                return self  # it answers
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        raise TimeoutError("moto server did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def make_bucket(self, name: str) -> str:
        """Create *name* (through the S3 API, like an operator would)."""
        req = urllib.request.Request(f"{self.url}/{name}", method="PUT")
        with urllib.request.urlopen(req, timeout=10):
            pass
        return name

    def env(self, bucket: str, prefix: str = "") -> dict[str, str]:
        """A server process's settings for this store."""
        return {
            "PRIKBORD_FILES_STORE": "s3",
            "PRIKBORD_FILES_S3_BUCKET": bucket,
            "PRIKBORD_FILES_S3_PREFIX": prefix,
            "PRIKBORD_FILES_S3_ENDPOINT": self.url,
            "PRIKBORD_FILES_S3_REGION": REGION,
            "PRIKBORD_FILES_S3_ACCESS_KEY": ACCESS_KEY,
            "PRIKBORD_FILES_S3_SECRET_KEY": SECRET_KEY,
        }


def s3_fixture(scope: str = "module") -> object:
    """A pytest fixture (assign it to a module-level name) yielding a
    running :class:`S3Server`."""

    def _s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
        server = S3Server(tmp_path_factory.mktemp("s3")).start()
        try:
            yield server
        finally:
            server.stop()

    return pytest.fixture(scope=scope)(_s3)  # type: ignore[call-overload]
