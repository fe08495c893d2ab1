"""A backup object, byte for byte (docs/decisions/006-backups.md).

    header   MAGIC (8) | version (1) | codec (1) | key id (8) | salt (16) | chunk size (4)
    chunk    final flag (1) | ciphertext length (4) | AES-256-GCM ciphertext and tag

Every chunk is encrypted with a key derived by HKDF-SHA256 from
BACKUP_ENCRYPTION_KEY and the object's random salt (a key per object), the
chunk's number as nonce, and header + number + final flag as associated data.
So a changed byte, a chunk moved, dropped or repeated, or an object cut short
(no chunk flagged final) fails authentication, and restore refuses it.

Inside, compressed as one stream, a sequence of records:

    b"P" length json    a part begins: its kind ("table", "files", "manifest") and name
    b"D" length bytes   data of the current part
    b"E"                the current part ends
    b"Z"                the archive ends

Writing and reading both stream: memory stays at a chunk or two whatever the
size of the tenant.
"""

import hashlib
import hmac
import json
import os
import struct
import zlib

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

try:  # zstd when the deployment has it; zlib (in the standard library) otherwise.
    import zstandard
except ImportError:  # pragma: no cover - depends on the environment
    zstandard = None

MAGIC = b"CRMBAK\x00\x01"
VERSION = 1
CHUNK_SIZE = 1024 * 1024
# Data of a part is grouped into records of about this size.
RECORD_SIZE = 64 * 1024
CODEC_ZLIB, CODEC_ZSTD = 1, 2
# Level 3 compresses our COPY text about 2.6x faster than zlib's default (6)
# for about 11% more bytes; CPU, not storage, bounds a night of backups.
ZLIB_LEVEL = 3
ZSTD_LEVEL = 3
_HEADER = struct.Struct(">8sBB8s16sI")
_CHUNK_HEAD = struct.Struct(">BI")
_HKDF_INFO = b"crm tenant backup v1 aes-256-gcm"


class BackupFormatError(Exception):
    """The object is not a backup we can read: altered, cut short, or made with
    another key. Restore refuses it."""


def _secret_bytes(secret):
    return secret.encode() if isinstance(secret, str) else bytes(secret)


def key_id(secret):
    """8 bytes that name a BACKUP_ENCRYPTION_KEY without revealing it, so that an
    object made with another key is reported as such, not as tampered."""
    return hmac.new(_secret_bytes(secret), b"crm backup key id", hashlib.sha256).digest()[:8]


def _derive(secret, salt):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=_HKDF_INFO).derive(_secret_bytes(secret))


def _chunk_aad(header, index, final):
    return header + struct.pack(">QB", index, 1 if final else 0)


def _compressor(codec):
    if codec == CODEC_ZSTD:
        return zstandard.ZstdCompressor(level=ZSTD_LEVEL).compressobj()
    return zlib.compressobj(ZLIB_LEVEL)


def _decompressor(codec):
    if codec == CODEC_ZSTD:
        if zstandard is None:
            raise BackupFormatError("this backup is zstd-compressed and the zstandard package is not installed")
        return zstandard.ZstdDecompressor().decompressobj()
    if codec == CODEC_ZLIB:
        return zlib.decompressobj()
    raise BackupFormatError(f"unknown compression codec {codec}")


def default_codec():
    return CODEC_ZSTD if zstandard is not None else CODEC_ZLIB


class ArchiveWriter:
    """Writes parts into `sink` (anything with `write(bytes)`), compressed and encrypted.

    `close()` must be called to write the final chunk; an archive without it
    does not restore (that is the point)."""

    def __init__(self, sink, *, secret, codec=None, chunk_size=CHUNK_SIZE):
        codec = codec or default_codec()
        self._sink = sink
        salt = os.urandom(16)
        self._header = _HEADER.pack(MAGIC, VERSION, codec, key_id(secret), salt, chunk_size)
        self._aead = AESGCM(_derive(secret, salt))
        self._compressor = _compressor(codec)
        self._chunk_size = chunk_size
        self._pending = bytearray()
        self._index = 0
        self._part = None
        self._closed = False
        sink.write(self._header)

    def part(self, kind, name, **facts):
        """Begin a part; returns a PartWriter to `write()` its data to and `close()`."""
        if self._part is not None:
            raise RuntimeError("close the previous part first")
        header = json.dumps({"kind": kind, "name": name, **facts}).encode()
        self._record(b"P", header)
        self._part = PartWriter(self)
        return self._part

    def close(self):
        if self._part is not None:
            raise RuntimeError("close the last part first")
        self._emit(b"Z")
        self._buffer(self._compressor.flush())
        self._seal(bytes(self._pending), final=True)
        self._pending.clear()
        self._closed = True

    # Internals, used by PartWriter too.

    def _record(self, kind, payload=b""):
        if kind in (b"P", b"D"):
            self._emit(kind + struct.pack(">I", len(payload)))
            self._emit(payload)
        else:
            self._emit(kind)

    def _end_part(self):
        self._emit(b"E")
        self._part = None

    def _emit(self, data):
        compressed = self._compressor.compress(data)
        if compressed:
            self._buffer(compressed)

    def _buffer(self, data):
        self._pending += data
        size = self._chunk_size
        while len(self._pending) >= size:
            self._seal(bytes(self._pending[:size]), final=False)
            del self._pending[:size]

    def _seal(self, plaintext, *, final):
        nonce = self._index.to_bytes(12, "big")
        sealed = self._aead.encrypt(nonce, plaintext, _chunk_aad(self._header, self._index, final))
        self._sink.write(_CHUNK_HEAD.pack(1 if final else 0, len(sealed)))
        self._sink.write(sealed)
        self._index += 1


class PartWriter:
    """The data of one part; counts bytes and rows (newlines: COPY text format
    escapes them inside values) and hashes it."""

    def __init__(self, archive):
        self._archive = archive
        self._buffer = bytearray()
        self._sha = hashlib.sha256()
        self.size = 0
        self.rows = 0

    def write(self, data):
        self._sha.update(data)
        self.size += len(data)
        self.rows += data.count(b"\n")
        self._buffer += data
        if len(self._buffer) >= RECORD_SIZE:
            self._flush()
        return len(data)

    def _flush(self):
        if self._buffer:
            self._archive._record(b"D", bytes(self._buffer))
            self._buffer.clear()

    def close(self):
        """Ends the part; returns its facts for the manifest."""
        self._flush()
        self._archive._end_part()
        return {"size": self.size, "sha256": self._sha.hexdigest()}


class _Ciphertext:
    """Reads exact byte counts from an iterable of byte strings, hashing all it reads."""

    def __init__(self, chunks):
        self._chunks = iter(chunks)
        self._buffer = bytearray()
        self._sha = hashlib.sha256()
        self.size = 0

    def read(self, count):
        while len(self._buffer) < count:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._sha.update(chunk)
            self.size += len(chunk)
            self._buffer += chunk
        data = bytes(self._buffer[:count])
        del self._buffer[:count]
        return data

    def at_end(self):
        return not self.read(1)

    def sha256(self):
        return self._sha.hexdigest()


class ArchiveReader:
    """Reads an archive from an iterable of byte strings (the stored object as it
    streams in). Iterate `parts()`; each part's `data()` must be read (or left)
    before the next. Raises BackupFormatError at the first byte that does not
    authenticate."""

    def __init__(self, chunks, *, secret):
        self._source = _Ciphertext(chunks)
        header = self._source.read(_HEADER.size)
        if len(header) < _HEADER.size:
            raise BackupFormatError("the object is too short to be a backup")
        magic, version, codec, object_key_id, salt, chunk_size = _HEADER.unpack(header)
        if magic != MAGIC:
            raise BackupFormatError("the object is not a backup (wrong magic bytes)")
        if version != VERSION:
            raise BackupFormatError(f"backup format version {version} is not supported by this code")
        if object_key_id != key_id(secret):
            raise BackupFormatError("the backup was encrypted with another BACKUP_ENCRYPTION_KEY")
        self._header = header
        self._aead = AESGCM(_derive(secret, salt))
        self._chunk_size = chunk_size
        self._decompressor = _decompressor(codec)
        self._plain = bytearray()
        self._chunk_iter = self._chunks()
        self._ended = False
        self._current = None

    @property
    def object_sha256(self):
        """SHA-256 of the whole object; complete once `parts()` is exhausted."""
        return self._source.sha256()

    @property
    def object_size(self):
        return self._source.size

    def _chunks(self):
        index = 0
        while True:
            head = self._source.read(_CHUNK_HEAD.size)
            if len(head) < _CHUNK_HEAD.size:
                raise BackupFormatError(f"the backup is cut short: it ends before its final chunk (after {index})")
            final, length = _CHUNK_HEAD.unpack(head)
            if final not in (0, 1) or length > self._chunk_size + 16:
                raise BackupFormatError(f"chunk {index} of the backup is damaged (bad chunk header)")
            sealed = self._source.read(length)
            if len(sealed) < length:
                raise BackupFormatError(f"the backup is cut short inside chunk {index}")
            try:
                plaintext = self._aead.decrypt(
                    index.to_bytes(12, "big"), sealed, _chunk_aad(self._header, index, bool(final))
                )
            except InvalidTag:
                raise BackupFormatError(
                    f"chunk {index} of the backup does not authenticate: the object was altered or damaged"
                ) from None
            yield self._decompressor.decompress(plaintext)
            index += 1
            if final:
                if not self._source.at_end():
                    raise BackupFormatError("the backup has data after its final chunk")
                return

    def _read(self, count):
        while len(self._plain) < count:
            data = next(self._chunk_iter, None)
            if data is None:
                raise BackupFormatError("the backup's content ends in the middle of a record")
            self._plain += data
        data = bytes(self._plain[:count])
        del self._plain[:count]
        return data

    def _record(self):
        kind = self._read(1)
        if kind in (b"P", b"D"):
            (length,) = struct.unpack(">I", self._read(4))
            return kind, self._read(length)
        if kind in (b"E", b"Z"):
            return kind, b""
        raise BackupFormatError(f"unknown record {kind!r} in the backup")

    def parts(self):
        """Yields Part(kind, name, facts) in order; ends at the archive's end record,
        after checking that nothing follows it."""
        while True:
            if self._current is not None:
                self._current.drain()
            kind, payload = self._record()
            if kind == b"Z":
                self._finish()
                return
            if kind != b"P":
                raise BackupFormatError(f"expected a part, found record {kind!r}")
            header = json.loads(payload)
            self._current = Part(self, header)
            yield self._current

    def _finish(self):
        if self._plain or any(self._chunk_iter):
            raise BackupFormatError("the backup has content after its end record")
        self._ended = True


class Part:
    """One part of an archive being read: `data()` yields its bytes; `sha256` and
    `size` are complete once it has been read to the end."""

    def __init__(self, reader, header):
        self._reader = reader
        self.kind = header["kind"]
        self.name = header["name"]
        self.facts = header
        self._sha = hashlib.sha256()
        self.size = 0
        self._done = False

    def data(self):
        while not self._done:
            kind, payload = self._reader._record()
            if kind == b"E":
                self._done = True
                return
            if kind != b"D":
                raise BackupFormatError(f"part {self.name!r} is damaged: record {kind!r} inside it")
            self._sha.update(payload)
            self.size += len(payload)
            yield payload

    def read_all(self):
        return b"".join(self.data())

    def drain(self):
        """Read past whatever the consumer left of the part."""
        for _ in self.data():
            pass

    @property
    def sha256(self):
        return self._sha.hexdigest()


class PartFile:
    """A part's data as a read-only file object, for tarfile's stream mode."""

    def __init__(self, part):
        self._data = part.data()
        self._buffer = bytearray()

    def read(self, count=-1):
        while count < 0 or len(self._buffer) < count:
            chunk = next(self._data, None)
            if chunk is None:
                break
            self._buffer += chunk
        if count < 0:
            count = len(self._buffer)
        data = bytes(self._buffer[:count])
        del self._buffer[:count]
        return data
