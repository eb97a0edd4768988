"""Blobs in an S3-compatible object store (AWS S3, MinIO, Garage, Ceph, ...).

For server nodes on several machines, which cannot share a data directory.
Same contract as :class:`~server.files.store.BlobStore`: S3 makes a PUT (and
the completion of a multipart upload) visible whole or not at all, and
acknowledges it only once stored, so puts are atomic and durable as the
interface promises; a key's bytes never change, so a put of a key that is
already there is skipped.

The client is aiobotocore (botocore, the AWS SDK's core, on aiohttp): kept by
the AWS SDK's own maintainers' schedule, async, with complete type stubs
(``types-aiobotocore-s3``). One client per node, created on first use, with a
bounded connection pool (``files_s3_max_connections``).

Errors: a missing key is ``None`` as the interface says; anything else the
store answers (no such bucket, access denied, unreachable, timeouts) raises
:class:`ObjectStoreError`, an ``OSError``, so callers that already treat a
failing disk as "storage unavailable" treat a failing store the same way. Its
message names the endpoint and bucket, never the credentials.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import BotoCoreError, ClientError

from server.config import Settings
from server.files.store import KEY_RE, STREAM_CHUNK, check_key

if TYPE_CHECKING:
    from types_aiobotocore_s3.client import S3Client

log = logging.getLogger("prikbord.files.s3")

#: Error codes S3 uses for "no such key" (HEAD answers a bare 404).
_MISSING = {"NoSuchKey", "404", "NotFound"}
#: What an operator should read for the codes a bad setting gives (a HEAD
#: request has no body, so S3 answers it with the bare status).
_PLAIN = {
    "NoSuchBucket": "no such bucket",
    "404": "no such bucket",
    "403": "access denied (check the credentials and the bucket's policy)",
    "AccessDenied": "access denied (check the credentials and the bucket's policy)",
    "InvalidAccessKeyId": "unknown access key",
    "SignatureDoesNotMatch": "wrong secret key",
}


class ObjectStoreError(OSError):
    """The object store refused or could not be reached. The message says
    where (endpoint and bucket) and what, without credentials."""


class S3Store:
    """Blobs as objects ``<prefix><key>`` in one bucket."""

    def __init__(
        self,
        *,
        bucket: str,
        prefix: str = "",
        endpoint: str = "",
        region: str = "us-east-1",
        access_key: str = "",
        secret_key: str = "",
        addressing: str = "auto",
        max_connections: int = 16,
        part_bytes: int = 8 * 1024 * 1024,
        connect_timeout_s: float = 5.0,
        read_timeout_s: float = 60.0,
    ) -> None:
        if not bucket:
            raise ValueError("the S3 store needs a bucket (PRIKBORD_FILES_S3_BUCKET)")
        if part_bytes < 5 * 1024 * 1024:
            raise ValueError("S3 multipart parts are at least 5 MiB (PRIKBORD_FILES_S3_PART_BYTES)")
        if addressing not in ("auto", "path", "virtual"):
            raise ValueError("PRIKBORD_FILES_S3_ADDRESSING is auto, path or virtual")
        self.bucket = bucket
        self.prefix = prefix
        self.endpoint = endpoint
        self.part_bytes = part_bytes
        style: Literal["path", "virtual"] = (
            ("path" if endpoint else "virtual") if addressing == "auto" else addressing  # type: ignore[assignment]
        )
        self._config = AioConfig(
            region_name=region,
            max_pool_connections=max_connections,
            connect_timeout=connect_timeout_s,
            read_timeout=read_timeout_s,
            retries={"max_attempts": 3, "mode": "standard"},
            s3={"addressing_style": style},
            # Checksums only where S3 requires them: the newer default
            # (CRC32 trailers on every PUT) is not understood by every
            # S3-compatible store, and our keys are the content's sha256.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        self._credentials = (access_key, secret_key)
        self._client: S3Client | None = None
        self._stack = contextlib.AsyncExitStack()
        self._lock = asyncio.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Store:
        return cls(
            bucket=settings.files_s3_bucket,
            prefix=settings.files_s3_prefix,
            endpoint=settings.files_s3_endpoint,
            region=settings.files_s3_region,
            access_key=settings.files_s3_access_key,
            secret_key=settings.files_s3_secret_key,
            addressing=settings.files_s3_addressing,
            max_connections=settings.files_s3_max_connections,
            part_bytes=settings.files_s3_part_bytes,
            connect_timeout_s=settings.files_s3_connect_timeout_s,
            read_timeout_s=settings.files_s3_read_timeout_s,
        )

    def __repr__(self) -> str:  # never the credentials
        return f"S3Store(endpoint={self.endpoint or 'aws'!r}, bucket={self.bucket!r})"

    @property
    def where(self) -> str:
        """Endpoint and bucket, for messages."""
        return f"{self.endpoint or 'AWS S3'}, bucket {self.bucket!r}"

    # --- lifecycle ---------------------------------------------------------

    async def _s3(self) -> S3Client:
        """The node's client, made on first use (its pool belongs to the
        running event loop)."""
        if self._client is not None:
            return self._client
        async with self._lock:
            if self._client is None:
                access, secret = self._credentials
                creds: dict[str, Any] = (
                    {"aws_access_key_id": access, "aws_secret_access_key": secret}
                    if access or secret
                    else {}
                )
                client = get_session().create_client(
                    "s3", endpoint_url=self.endpoint or None, config=self._config, **creds
                )
                self._client = await self._stack.enter_async_context(client)
            return self._client

    async def check(self) -> None:
        """Raise :class:`ObjectStoreError` unless the bucket answers (at
        start, so a wrong endpoint or bucket is said at once, not at the
        first upload)."""
        s3 = await self._s3()
        try:
            await s3.head_bucket(Bucket=self.bucket)
        except (ClientError, BotoCoreError) as exc:
            raise self._error("cannot use the bucket", exc) from None

    async def aclose(self) -> None:
        """Close the connection pool."""
        self._client = None
        await self._stack.aclose()

    def _error(self, what: str, exc: Exception) -> ObjectStoreError:
        if isinstance(exc, ClientError):
            err = exc.response.get("Error", {})
            code = str(err.get("Code", "?"))
            detail = _PLAIN.get(code) or f"{code}: {err.get('Message', '') or 'refused'}"
        else:
            detail = str(exc) or type(exc).__name__
        return ObjectStoreError(f"object store ({self.where}): {what}: {detail}")

    def _name(self, key: str) -> str:
        return self.prefix + check_key(key)

    # --- BlobStore ---------------------------------------------------------

    async def put_path(self, key: str, path: Path, content_type: str) -> None:
        name = self._name(key)
        if await self.size(key) is not None:
            return  # content-addressed: the same key holds the same bytes
        size = (await asyncio.to_thread(path.stat)).st_size
        if size <= self.part_bytes:
            data = await asyncio.to_thread(path.read_bytes)
            await self._put(name, data, content_type)
        else:
            await self._multipart(name, path, content_type)

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        name = self._name(key)
        if await self.size(key) is not None:
            return
        await self._put(name, data, content_type)

    async def _put(self, name: str, data: bytes, content_type: str) -> None:
        s3 = await self._s3()
        try:
            await s3.put_object(Bucket=self.bucket, Key=name, Body=data, ContentType=content_type)
        except (ClientError, BotoCoreError) as exc:
            raise self._error(f"cannot store {name}", exc) from None

    async def _multipart(self, name: str, path: Path, content_type: str) -> None:
        """Upload in parts of ``part_bytes``, one in memory at a time; the
        object appears only when the upload completes, and a failed upload
        is aborted so the store keeps no orphan parts."""
        s3 = await self._s3()
        try:
            started = await s3.create_multipart_upload(
                Bucket=self.bucket, Key=name, ContentType=content_type
            )
        except (ClientError, BotoCoreError) as exc:
            raise self._error(f"cannot store {name}", exc) from None
        upload_id = started["UploadId"]
        done = False
        try:
            parts: list[dict[str, Any]] = []
            with path.open("rb") as src:
                number = 1
                while chunk := await asyncio.to_thread(src.read, self.part_bytes):
                    part = await s3.upload_part(
                        Bucket=self.bucket, Key=name, UploadId=upload_id,
                        PartNumber=number, Body=chunk,
                    )  # fmt: skip
                    parts.append({"ETag": part["ETag"], "PartNumber": number})
                    number += 1
            await s3.complete_multipart_upload(
                Bucket=self.bucket, Key=name, UploadId=upload_id,
                MultipartUpload={"Parts": parts},  # type: ignore[typeddict-item]
            )  # fmt: skip
            done = True
        except (ClientError, BotoCoreError) as exc:
            raise self._error(f"cannot store {name}", exc) from None
        finally:
            if not done:
                with contextlib.suppress(ClientError, BotoCoreError):
                    await s3.abort_multipart_upload(
                        Bucket=self.bucket, Key=name, UploadId=upload_id
                    )

    async def get(self, key: str) -> bytes | None:
        chunks = await self.stream(key)
        if chunks is None:
            return None
        return b"".join([chunk async for chunk in chunks])

    async def stream(self, key: str) -> AsyncIterator[bytes] | None:
        name = self._name(key)
        s3 = await self._s3()
        try:
            resp = await s3.get_object(Bucket=self.bucket, Key=name)
        except ClientError as exc:
            if _missing(exc):
                return None
            raise self._error(f"cannot read {name}", exc) from None
        except BotoCoreError as exc:
            raise self._error(f"cannot read {name}", exc) from None
        return self._chunks(name, resp["Body"])

    async def _chunks(self, name: str, body: Any) -> AsyncIterator[bytes]:
        """The body in chunks; its connection goes back to the pool when
        the reader finishes or stops early."""
        try:
            async for chunk in body.iter_chunks(STREAM_CHUNK):
                yield chunk
        except (TimeoutError, BotoCoreError, OSError) as exc:
            raise self._error(f"cannot read {name}", exc) from None
        finally:
            body.close()

    async def size(self, key: str) -> int | None:
        name = self._name(key)
        s3 = await self._s3()
        try:
            head = await s3.head_object(Bucket=self.bucket, Key=name)
        except ClientError as exc:
            if _missing(exc):
                return None
            raise self._error(f"cannot look up {name}", exc) from None
        except BotoCoreError as exc:
            raise self._error(f"cannot look up {name}", exc) from None
        return int(head["ContentLength"])

    async def delete(self, key: str) -> None:
        name = self._name(key)
        s3 = await self._s3()
        try:
            await s3.delete_object(Bucket=self.bucket, Key=name)
        except ClientError as exc:
            if not _missing(exc):
                raise self._error(f"cannot delete {name}", exc) from None
        except BotoCoreError as exc:
            raise self._error(f"cannot delete {name}", exc) from None

    async def keys(self, prefix: str = "") -> AsyncIterator[str]:
        s3 = await self._s3()
        pages = s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix + prefix
        )
        try:
            async for page in pages:
                for obj in page.get("Contents", []):
                    key = obj.get("Key", "")[len(self.prefix) :]
                    if KEY_RE.fullmatch(key):  # others' objects under a shared prefix
                        yield key
        except (ClientError, BotoCoreError) as exc:
            raise self._error("cannot list the bucket", exc) from None


def _missing(exc: ClientError) -> bool:
    return str(exc.response.get("Error", {}).get("Code", "")) in _MISSING
