"""Where backup objects live: S3 (BACKUP_BUCKET set) or a local folder (BACKUP_DIR).

Both stream: an object is written part by part as the archive produces it (S3
multipart upload, parts of BACKUP_PART_SIZE ≥ 5 MiB held in memory one at a
time), never as a full temporary copy on disk. `complete()` then reads the
object back and compares its SHA-256 and size with what was written; only then
is it a stored object. `abort()` leaves nothing behind: the multipart upload is
aborted (S3 discards its parts) or the partial file removed.
"""

import base64
import datetime
import hashlib
import logging
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import boto3
from botocore.config import Config
from django.conf import settings

log = logging.getLogger(__name__)

MIN_PART_SIZE = 5 * 1024 * 1024
READ_SIZE = 1024 * 1024
S3, LOCAL = "s3", "local"


class StorageError(Exception):
    """The storage did not keep what we wrote (read back differs), or refused it."""


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    sha256: str


def default_storage():
    """The storage new backups go to, from settings."""
    if settings.BACKUP_BUCKET:
        return S3Storage(settings.BACKUP_BUCKET)
    return LocalStorage(settings.BACKUP_DIR)


def storage_for(kind, location):
    """The storage a backup was written to (kept on the Backup row)."""
    if kind == S3:
        return S3Storage(location)
    if kind == LOCAL:
        return LocalStorage(location)
    raise StorageError(f"unknown backup storage {kind!r}")


def _part_size():
    return max(MIN_PART_SIZE, int(settings.BACKUP_PART_SIZE))


@lru_cache(maxsize=8)
def _client(endpoint_url, region, access_key, secret_key):
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url or None,
        region_name=region or None,
        aws_access_key_id=access_key or None,
        aws_secret_access_key=secret_key or None,
        config=Config(
            retries={"mode": "standard", "max_attempts": 4},
            connect_timeout=10,
            read_timeout=60,
            # Path-style works with every S3-compatible server (MinIO, moto, Ceph).
            s3={"addressing_style": "path"} if endpoint_url else {},
        ),
    )


def s3_client():
    """The boto3 client for the configured endpoint and credentials (cached per configuration)."""
    return _client(
        settings.AWS_S3_ENDPOINT_URL,
        settings.AWS_DEFAULT_REGION,
        settings.AWS_ACCESS_KEY_ID,
        settings.AWS_SECRET_ACCESS_KEY,
    )


class S3Storage:
    kind = S3

    def __init__(self, bucket):
        self.location = bucket
        self.client = s3_client()

    def writer(self, key):
        return _S3Writer(self, key)

    def read(self, key):
        body = self.client.get_object(Bucket=self.location, Key=key)["Body"]
        try:
            yield from body.iter_chunks(READ_SIZE)
        finally:
            body.close()

    def delete(self, key):
        self.client.delete_object(Bucket=self.location, Key=key)

    def keys(self, prefix=""):
        paginator = self.client.get_paginator("list_objects_v2")
        return [
            item["Key"]
            for page in paginator.paginate(Bucket=self.location, Prefix=prefix)
            for item in page.get("Contents", [])
        ]

    def unfinished_uploads(self, prefix=""):
        """(key, upload id, started) of multipart uploads never completed nor aborted."""
        found = []
        paginator = self.client.get_paginator("list_multipart_uploads")
        for page in paginator.paginate(Bucket=self.location, Prefix=prefix):
            found += [(u["Key"], u["UploadId"], u["Initiated"]) for u in page.get("Uploads", [])]
        return found

    def abort_stale_uploads(self, *, older_than):
        """Abort uploads a killed worker left (their parts cost storage until then)."""
        aborted = 0
        for key, upload_id, started in self.unfinished_uploads():
            if started < older_than:
                self.client.abort_multipart_upload(Bucket=self.location, Key=key, UploadId=upload_id)
                aborted += 1
        return aborted


class _S3Writer:
    def __init__(self, storage, key):
        self._storage, self.key = storage, key
        self._client, self._bucket = storage.client, storage.location
        self._part_size = _part_size()
        self._buffer = bytearray()
        self._parts = []
        self._upload_id = None
        self._completed = False
        self._sha = hashlib.sha256()
        self._size = 0

    def write(self, data):
        self._sha.update(data)
        self._size += len(data)
        self._buffer += data
        while len(self._buffer) >= self._part_size:
            self._upload_part(bytes(self._buffer[: self._part_size]))
            del self._buffer[: self._part_size]
        return len(data)

    def _upload_part(self, body):
        if self._upload_id is None:
            self._upload_id = self._client.create_multipart_upload(
                Bucket=self._bucket, Key=self.key, ContentType="application/octet-stream"
            )["UploadId"]
        number = len(self._parts) + 1
        response = self._client.upload_part(
            Bucket=self._bucket,
            Key=self.key,
            UploadId=self._upload_id,
            PartNumber=number,
            Body=body,
            ContentMD5=_md5(body),
        )
        self._parts.append({"ETag": response["ETag"], "PartNumber": number})

    def complete(self):
        """Finish the upload and verify it by reading it back; returns a StoredObject."""
        if self._upload_id is None:
            # Smaller than one part: a single PUT is one request instead of three.
            body = bytes(self._buffer)
            self._client.put_object(
                Bucket=self._bucket,
                Key=self.key,
                Body=body,
                ContentMD5=_md5(body),
                ContentType="application/octet-stream",
            )
        else:
            if self._buffer:
                self._upload_part(bytes(self._buffer))
            self._client.complete_multipart_upload(
                Bucket=self._bucket, Key=self.key, UploadId=self._upload_id, MultipartUpload={"Parts": self._parts}
            )
        self._buffer.clear()
        self._completed = True
        stored = StoredObject(self.key, self._size, self._sha.hexdigest())
        _verify(self._storage, stored)
        return stored

    def abort(self):
        """Leave nothing: abort the upload, or delete an object that failed its check."""
        try:
            if self._completed:
                self._client.delete_object(Bucket=self._bucket, Key=self.key)
            elif self._upload_id is not None:
                self._client.abort_multipart_upload(Bucket=self._bucket, Key=self.key, UploadId=self._upload_id)
        except Exception:  # the storage may be what failed; the sweep aborts stale uploads later
            log.warning("could not abort backup upload %s", self.key, exc_info=True)


class LocalStorage:
    kind = LOCAL

    def __init__(self, folder):
        self.location = str(folder)
        self.root = Path(folder)

    def _path(self, key):
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise StorageError(f"backup key {key!r} leaves the backup folder")
        return path

    def writer(self, key):
        return _LocalWriter(self, key)

    def read(self, key):
        with open(self._path(key), "rb") as handle:
            while chunk := handle.read(READ_SIZE):
                yield chunk

    def delete(self, key):
        self._path(key).unlink(missing_ok=True)

    def keys(self, prefix=""):
        if not self.root.exists():
            return []
        return sorted(
            str(p.relative_to(self.root))
            for p in self.root.rglob("*")
            if p.is_file() and not p.name.endswith(".partial") and str(p.relative_to(self.root)).startswith(prefix)
        )

    def unfinished_uploads(self, prefix=""):
        if not self.root.exists():
            return []
        return [
            (str(p.relative_to(self.root)), None, datetime.datetime.fromtimestamp(p.stat().st_mtime, tz=datetime.UTC))
            for p in self.root.rglob("*.partial")
        ]

    def abort_stale_uploads(self, *, older_than):
        aborted = 0
        for key, _, started in self.unfinished_uploads():
            if started < older_than:
                (self.root / key).unlink(missing_ok=True)
                aborted += 1
        return aborted


class _LocalWriter:
    def __init__(self, storage, key):
        self._storage, self.key = storage, key
        self._path = storage._path(key)
        self._path.parent.mkdir(parents=True, exist_ok=True)
        self._partial = self._path.with_name(self._path.name + ".partial")
        self._handle = open(self._partial, "wb")
        self._sha = hashlib.sha256()
        self._size = 0

    def write(self, data):
        self._sha.update(data)
        self._size += len(data)
        self._handle.write(data)
        return len(data)

    def complete(self):
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        # The rename is what makes it an object: a crash before it leaves a
        # `.partial` file, never a backup-looking one.
        os.replace(self._partial, self._path)
        stored = StoredObject(self.key, self._size, self._sha.hexdigest())
        _verify(self._storage, stored)
        return stored

    def abort(self):
        if not self._handle.closed:
            self._handle.close()
        self._partial.unlink(missing_ok=True)
        self._path.unlink(missing_ok=True)


def _verify(storage, stored):
    """Read the object back: its size and SHA-256 must be what we wrote."""
    sha, size = hashlib.sha256(), 0
    for chunk in storage.read(stored.key):
        sha.update(chunk)
        size += len(chunk)
    if size != stored.size or sha.hexdigest() != stored.sha256:
        raise StorageError(
            f"backup object {stored.key} reads back differently from what was written "
            f"({size} bytes, sha256 {sha.hexdigest()[:12]}… instead of {stored.size}, "
            f"{stored.sha256[:12]}…)"
        )


def _md5(body):
    # S3 checks each part against it, so a part damaged in transit is refused.
    return base64.b64encode(hashlib.md5(body).digest()).decode()
