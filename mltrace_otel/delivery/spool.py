"""The spool: ended spans on the pipeline's own disk before the store is tried, one directory per store.

Layout: ``$MLTRACE_HOME/spool/<key>/`` holds ``store.json`` (the store's address without its password, for
``mltrace spool status``), ``rejected.jsonl`` (spans the store refused, with reasons) and *segments*:
``<created ns>-<pid>-<random>.seg``. Each process appends to segments of its own, so writers never contend:

- A segment starts with a 64-byte header (magic, version, and the *drained mark*: how far it has been stored,
  with a checksum) followed by frames (``codec.py``). Its space is reserved when it is created
  (``posix_fallocate``, so a full disk is an error there, never a crash later) and mapped into memory
  (``MAP_SHARED``): appending a frame is a copy into the kernel's page cache, with no system call and without
  letting go of the GIL (a ``write()`` per span did both, and cost the caller several microseconds more). Each
  frame's body is copied first and its 8-byte header last, so a reader sees whole frames only; the first zero
  header is the end of the data. Once the copy is done the bytes belong to the kernel, so a ``SIGKILL`` a moment
  later loses nothing. Nothing calls ``fsync``; a power cut can lose what the kernel had not yet written back (by
  default up to ~30 s of spans), and a mark that lags only re-sends spans the store then counts as duplicates.
- The owning process holds an exclusive ``flock`` on each of its segments for as long as it has them open. The
  kernel drops the lock when the process ends, however it ends, so any later process using the same store
  recognises a segment whose lock it can take as *orphaned*, adopts it (the lock keeps two adopters apart) and
  drains it from its mark, oldest segment first. A drained segment is deleted.
- A segment is read only up to its last complete frame. A frame whose header is missing was never completed
  (its span's end never returned) and is not there; one damaged otherwise is reported, and the readable rest
  stored.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import mmap
import os
import secrets
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from mltrace_otel.config import mltrace_home
from mltrace_otel.delivery.codec import FRAME, MAX_BODY, PAYLOAD_TYPES, Decoder, Definitions, record_time_ns
from mltrace_otel.errors import MltraceError

HEADER_BYTES = 64
MAGIC = b"MLTSPOOL"
FORMAT_VERSION = 2  # 2: frames of outputs and feedback beside spans (version 1 never holds them)
SUFFIX = ".seg"
_HEAD = struct.Struct("<8sHHI")  # magic, format version, flags, reserved: 16 bytes, then the mark
_MARK = struct.Struct("<QQ")  # drained offset, drained span records; then a crc32 of those 16 bytes
_MARK_AT = 16
SEGMENT_BYTES = 16 << 20  # reserved per segment; a new one when full, so drained space is given back as it runs
READ_BYTES = 4 << 20  # one read of a segment
BATCH_BYTES = 16 << 20  # records of one batch, at most (a batch of outputs may be millions of values)


def spool_root() -> Path:
    return mltrace_home() / "spool"


def store_label(url: str) -> str:
    """The store's address as the spool knows it: no password, SQLite paths absolute."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        parsed = parsed.set(database=str(Path(parsed.database).expanduser().resolve()))
    return parsed.render_as_string(hide_password=True)


def spool_dir(url: str, root: Path | None = None) -> Path:
    """The spool directory of the store at ``url`` (created, with its ``store.json``, on first use)."""
    label = store_label(url)
    path = (root or spool_root()) / hashlib.sha256(label.encode()).hexdigest()[:16]
    if not (path / "store.json").exists():
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path / f".store.{os.getpid()}.{secrets.token_hex(4)}"
        tmp.write_text(json.dumps({"store": label}) + "\n", encoding="utf-8")
        os.replace(tmp, path / "store.json")
    return path


def read_label(directory: Path) -> str:
    try:
        return str(json.loads((directory / "store.json").read_text(encoding="utf-8"))["store"])
    except (OSError, ValueError, KeyError):
        return "(unknown store)"


def _pack_mark(offset: int, records: int) -> bytes:
    mark = _MARK.pack(offset, records)
    return mark + struct.pack("<I", zlib.crc32(mark))


def _unpack_mark(raw: bytes) -> tuple[int, int] | None:
    if len(raw) < _MARK.size + 4:
        return None
    mark, (crc,) = raw[: _MARK.size], struct.unpack("<I", raw[_MARK.size : _MARK.size + 4])
    return _MARK.unpack(mark) if zlib.crc32(mark) == crc else None


class SpoolFormatError(MltraceError):
    """A file in the spool that is not a segment this version can read."""

    code = "SPOOL_UNREADABLE"


@dataclass
class Damage:
    """Bytes of a segment that could not be read back as spans, and why."""

    segment: str
    offset: int
    size: int
    reason: str


@dataclass
class Segment:
    """One segment file, locked by this process: its own (being written or rotated) or adopted from a dead one.

    Reading, marks and deletion happen on the drainer's thread; ``end`` and ``sealed`` are set by the writer.
    """

    path: Path
    fd: int  # O_RDWR, holding the flock
    own: bool
    drained: int = HEADER_BYTES  # stored up to here (the mark)
    drained_records: int = 0
    taken: int = HEADER_BYTES  # handed to the drainer up to here
    taken_records: int = 0
    sealed: bool = False  # no more frames will be appended (rotated, or adopted from a dead process)
    decoder: Decoder = field(default_factory=Decoder)
    damaged_at: int | None = None  # nothing at or after this offset can be read back
    limit: int | None = None  # own segments: how far the writer has completed frames (the file is preallocated)
    end_of_data: int | None = None  # found by reading: where the frames end (a zero header, or the end of file)
    completed: dict[int, tuple[int, int]] = field(default_factory=dict)  # stored ahead of the mark: start -> (end, n)
    # Held to close the descriptor, and by anything another thread does with it: a descriptor number is reused
    # as soon as it is closed, and a write to the wrong file would be a disaster.
    guard: threading.Lock = field(default_factory=threading.Lock)
    closed: bool = False

    @property
    def name(self) -> str:
        return self.path.name

    def size(self) -> int:
        return os.fstat(self.fd).st_size

    def data_end(self) -> int:
        """How far there may be frames: the writer's position for our own segment, else the file's end."""
        end = self.limit if self.limit is not None else self.size()
        return end if self.damaged_at is None else min(end, self.damaged_at)

    def take(
        self, max_records: int, max_bytes: int = READ_BYTES, batch_bytes: int = BATCH_BYTES
    ) -> tuple[list[bytes], int, Damage | None]:
        """Up to ``max_records`` record bodies (spans, outputs and feedback) after ``taken`` and up to about
        ``batch_bytes`` of them (definitions are absorbed on the way), the offset just past them, and any damage
        met. Does not move ``taken``: :meth:`taken_up_to` does, once handed out."""
        bodies: list[bytes] = []
        taken_bytes = 0
        offset = self.taken
        # Read before the bound: a segment sealed by then had every append completed before we look at it.
        sealed = self.sealed
        end = self.data_end() if self.end_of_data is None else min(self.data_end(), self.end_of_data)
        damage: Damage | None = None
        while len(bodies) < max_records and taken_bytes < batch_bytes and offset < end:
            chunk = os.pread(self.fd, min(max_bytes, end - offset), offset)
            used = 0
            while len(bodies) < max_records and taken_bytes < batch_bytes:
                if len(chunk) - used < FRAME.size:
                    break
                length, crc = FRAME.unpack_from(chunk, used)
                if length == 0:  # no header: the frames end here (a frame never completed has none either)
                    end = offset + used
                    if self.limit is None:
                        self.end_of_data = end
                    break
                if length > MAX_BODY:
                    damage = Damage(self.name, offset + used, end - offset - used, "a frame header is corrupt")
                    break
                if len(chunk) - used < FRAME.size + length:
                    if used == 0 and length + FRAME.size > len(chunk) and offset + FRAME.size + length <= end:
                        chunk = os.pread(self.fd, FRAME.size + length, offset)  # one frame larger than a read
                        continue
                    break
                body = chunk[used + FRAME.size : used + FRAME.size + length]
                if zlib.crc32(body) != crc:
                    damage = Damage(self.name, offset + used, end - offset - used, "a frame's checksum is wrong")
                    break
                used += FRAME.size + length
                if body[0] in PAYLOAD_TYPES:
                    bodies.append(body)
                    taken_bytes += length
                else:
                    self.decoder.define(body[0], body)
            offset += used
            if damage is not None or used == 0 or offset >= end:
                break
        if (
            damage is None and sealed and offset < end and len(bodies) < max_records and taken_bytes < batch_bytes
            and self.damaged_at is None
        ):  # fmt: skip
            damage = Damage(
                self.name, offset, end - offset,
                "the last record is incomplete: its write never completed (the process ended inside it, before "
                "the span's end returned, or the disk refused it)",
            )  # fmt: skip
        if damage is not None:
            self.damaged_at = damage.offset
        elif sealed and offset >= end and self.limit is None:
            self.end_of_data = offset
        return bodies, offset, damage

    def taken_up_to(self, offset: int, records: int) -> None:
        self.taken = offset
        self.taken_records += records

    def untake(self) -> None:
        """Forget what was handed out but not stored (the store failed): it is read again from the mark (batches
        stored beyond a gap are sent again, and counted by the store as duplicates)."""
        self.taken, self.taken_records = self.drained, self.drained_records
        self.completed.clear()

    def complete(self, start: int, end: int, records: int) -> None:
        """The batch [start, end) holding ``records`` spans is stored: move the mark over every batch stored
        contiguously from it (batches complete out of order when several transactions run at once)."""
        self.completed[start] = (end, records)
        offset, count = self.drained, self.drained_records
        while offset in self.completed:
            end_of, spans = self.completed.pop(offset)
            offset, count = end_of, count + spans
        if offset != self.drained:
            self.mark(offset, count)

    def mark(self, offset: int, records: int) -> None:
        """Record that everything before ``offset`` is stored (``records`` spans so far)."""
        self.drained, self.drained_records = offset, records
        os.pwrite(self.fd, _pack_mark(offset, records), _MARK_AT)

    def finished(self) -> bool:
        """Every readable frame is stored and none will be appended."""
        if not self.sealed or self.taken > self.drained:
            return False
        if self.limit is not None or self.damaged_at is not None:
            return self.drained >= self.data_end()
        return self.end_of_data is not None and self.drained >= self.end_of_data

    def oldest_end_ns(self) -> int | None:
        """When the first span not yet stored ended (reads one frame)."""
        with self.guard:
            return None if self.closed else self._oldest_end_ns()

    def _oldest_end_ns(self) -> int | None:
        offset, end = self.drained, self.data_end()
        while offset + FRAME.size <= end:
            head = os.pread(self.fd, FRAME.size, offset)
            length, _ = FRAME.unpack(head)
            if length == 0 or length > MAX_BODY or offset + FRAME.size + length > end:
                return None
            body = os.pread(self.fd, length, offset + FRAME.size)
            if body[:1] and body[0] in PAYLOAD_TYPES:
                return record_time_ns(body)
            offset += FRAME.size + length
        return None

    def close(self, delete: bool) -> None:
        with self.guard:
            if self.closed:
                return
            self.closed = True
            self._close(delete)

    def _close(self, delete: bool) -> None:
        if delete:
            if self.damaged_at is not None:  # keep the unreadable bytes (reported already) for whoever looks
                with contextlib.suppress(OSError):
                    # Up to the last byte written: the reserved tail of the segment is zeros.
                    damaged = os.pread(self.fd, max(0, self.size() - self.damaged_at), self.damaged_at).rstrip(b"\0")
                    self.path.with_suffix(".damaged").write_bytes(damaged)
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()  # still locked: no other process can adopt it in between
        with contextlib.suppress(OSError):
            os.close(self.fd)


def _lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        raise


def new_segment(directory: Path, size: int = SEGMENT_BYTES) -> tuple[Segment, mmap.mmap]:
    """A fresh segment of this process, locked, its space reserved, and mapped for appending."""
    name = f"{time.time_ns():020d}-{os.getpid()}-{secrets.token_hex(4)}{SUFFIX}"
    tmp = directory / f".{name}.tmp"
    fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        if not _lock(fd):
            raise OSError(errno.EWOULDBLOCK, f"could not lock the new spool segment {tmp}")
        header = _HEAD.pack(MAGIC, FORMAT_VERSION, 0, 0) + _pack_mark(HEADER_BYTES, 0)
        os.pwrite(fd, header.ljust(HEADER_BYTES, b"\0"), 0)
        os.posix_fallocate(fd, 0, size)  # a full disk fails here, not as SIGBUS on a later copy into the map
        mapped = mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        final = directory / name
        os.rename(tmp, final)  # visible to other processes only once locked and whole
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return Segment(path=final, fd=fd, own=True, limit=HEADER_BYTES), mapped


def adopt(path: Path) -> Segment | None:
    """Take over a segment whose process is gone (its lock is free); None when it is still someone's."""
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return None
    try:
        if not _lock(fd):
            os.close(fd)
            return None
        if not path.exists():  # deleted by the adopter that finished it just before we got the lock
            os.close(fd)
            return None
        header = os.pread(fd, HEADER_BYTES, 0)
        magic, version, _flags, _ = _HEAD.unpack_from(header.ljust(HEADER_BYTES, b"\0"))
        if magic != MAGIC or version > FORMAT_VERSION:
            os.close(fd)
            raise SpoolFormatError(f"{path.name} is not a spool segment this version reads (version {version})")
        mark = _unpack_mark(header[_MARK_AT:])
        drained, records = mark if mark is not None else (HEADER_BYTES, 0)  # a torn mark: read all again
        segment = Segment(path=path, fd=fd, own=False, sealed=True, drained=drained, drained_records=records)
        segment.taken, segment.taken_records = drained, records
        _absorb_definitions(segment, drained)
        return segment
    except BaseException:
        with contextlib.suppress(OSError):
            os.close(fd)
        raise


def _absorb_definitions(segment: Segment, until: int) -> None:
    """Definitions (resource, scope, shared texts) written before the mark, needed by the spans after it."""
    offset = HEADER_BYTES
    while offset < until:
        chunk = os.pread(segment.fd, min(READ_BYTES, until - offset), offset)
        used = 0
        while len(chunk) - used >= FRAME.size:
            length, _ = FRAME.unpack_from(chunk, used)
            if length == 0 or length > MAX_BODY:
                return
            if len(chunk) - used < FRAME.size + length:
                if used == 0:
                    chunk = os.pread(segment.fd, FRAME.size + length, offset)
                    continue
                break
            kind = chunk[used + FRAME.size]
            if kind not in PAYLOAD_TYPES:
                segment.decoder.define(kind, chunk[used + FRAME.size : used + FRAME.size + length])
            used += FRAME.size + length
        if used == 0:
            return
        offset += used


def segment_paths(directory: Path) -> list[Path]:
    """Segments in creation order (their names start with the creation time)."""
    try:
        return sorted(p for p in directory.iterdir() if p.suffix == SUFFIX and not p.name.startswith("."))
    except FileNotFoundError:
        return []


def owner_pid(path: Path) -> int | None:
    parts = path.name.split("-")
    return int(parts[1]) if len(parts) >= 3 and parts[1].isdigit() else None


class SpoolWriter:
    """This process's appends to one store's spool. ``write`` runs on the caller's thread, under ``lock``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.lock = threading.Lock()
        self.segment: Segment | None = None
        self.mapped: mmap.mmap | None = None
        self.position = HEADER_BYTES
        self.capacity = 0
        self.records = 0  # span records appended, all segments of this writer
        self.defs = Definitions()
        self.new_segments: list[Segment] = []  # handed to the drainer (it owns them from then on)

    def open_segment(self, need: int = 0) -> None:
        if self.segment is not None:
            self.seal()
        size = max(SEGMENT_BYTES, HEADER_BYTES + need)
        segment, self.mapped = new_segment(self.directory, size)
        self.segment = segment
        self.position = HEADER_BYTES
        self.capacity = size
        self.defs = Definitions()
        self.new_segments.append(segment)

    def seal(self) -> None:
        """No more frames into this segment: unmap it and give back the space it did not use."""
        segment, mapped = self.segment, self.mapped
        self.segment, self.mapped = None, None
        if segment is None:
            return
        with contextlib.suppress(OSError, ValueError):
            if mapped is not None:
                mapped.close()
        with segment.guard, contextlib.suppress(OSError):
            if not segment.closed:
                os.ftruncate(segment.fd, self.position)
        segment.limit = self.position
        segment.sealed = True

    def fits(self, size: int) -> bool:
        return self.segment is not None and self.position + size <= self.capacity

    def write(self, frames: list[bytes] | list[bytes | bytearray]) -> None:
        """Append whole frames (the caller checked they fit), each body first and its header last, so a reader
        never sees a header whose body is not all there."""
        mapped, position = self.mapped, self.position
        assert mapped is not None and self.segment is not None
        for frame in frames:
            end = position + len(frame)
            if end - position > 4_096:  # a large frame (a batch of outputs): a view, not another copy of it
                view = memoryview(frame)
                mapped[position + FRAME.size : end] = view[FRAME.size :]
                view.release()
            else:
                mapped[position + FRAME.size : end] = frame[FRAME.size :]
            mapped[position : position + FRAME.size] = frame[: FRAME.size]
            position = end
        self.position = position
        self.segment.limit = position  # published: the drainer reads up to here

    def forget_after_fork(self) -> None:
        """In a forked child: the map, descriptors and locks are the parent's. Drop ours, keep theirs locked."""
        with contextlib.suppress(OSError, ValueError):
            if self.mapped is not None:
                self.mapped.close()
        for segment in self.new_segments:
            with contextlib.suppress(OSError):
                os.close(segment.fd)
            segment.closed = True
        self.lock = threading.Lock()
        self.segment = None
        self.mapped = None
        self.position = HEADER_BYTES
        self.capacity = 0
        self.records = 0
        self.defs = Definitions()
        self.new_segments = []


@dataclass(frozen=True)
class SegmentInfo:
    name: str
    pid: int | None
    bytes_pending: int
    spans_pending: int  # counted by reading the segment
    oldest_end_ns: int | None
    alive: bool  # locked by a running process


def scan(directory: Path) -> Iterator[SegmentInfo]:
    """What waits in a spool directory, read-only (``mltrace spool status``); never takes a segment over."""
    for path in segment_paths(directory):
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            continue
        try:
            alive = not _lock_shared(fd)
            header = os.pread(fd, HEADER_BYTES, 0)
            mark = _unpack_mark(header[_MARK_AT:])
            drained, _ = mark if mark is not None else (HEADER_BYTES, 0)
            segment = Segment(path=path, fd=fd, own=False, sealed=not alive, drained=drained, taken=drained)
            oldest = segment.oldest_end_ns()
            spans = 0
            while True:
                bodies, offset, damage = segment.take(65_536)
                segment.taken = offset
                if not bodies or damage is not None:
                    spans += len(bodies)
                    break
                spans += len(bodies)
            yield SegmentInfo(path.name, owner_pid(path), max(0, segment.taken - drained), spans, oldest, alive)
        finally:
            os.close(fd)


def _lock_shared(fd: int) -> bool:
    """True when no process holds the segment (a shared lock is granted), releasing it at once."""
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        raise
    fcntl.flock(fd, fcntl.LOCK_UN)
    return True


def record_rejections(directory: Path, entries: list[dict[str, Any]], max_bytes: int = 16 << 20) -> None:
    """Append rejected spans (with their reasons and content) to ``rejected.jsonl``; kept to ~2 x max_bytes."""
    path = directory / "rejected.jsonl"
    with contextlib.suppress(FileNotFoundError):
        if path.stat().st_size > max_bytes:
            os.replace(path, directory / "rejected.1.jsonl")
    text = "".join(json.dumps(e, ensure_ascii=True, default=str) + "\n" for e in entries)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, text.encode("ascii"))
    finally:
        os.close(fd)


def read_rejections(directory: Path, last: int) -> tuple[int, list[dict[str, Any]]]:
    """How many spans ``rejected.jsonl`` holds and the last ``last`` of them."""
    try:
        lines = (directory / "rejected.jsonl").read_text(encoding="ascii").splitlines()
    except FileNotFoundError:
        return 0, []
    entries = []
    for line in lines[-last:] if last else []:
        with contextlib.suppress(ValueError):
            entries.append(json.loads(line))
    return len(lines), entries
