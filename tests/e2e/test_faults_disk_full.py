"""The document store's disk fills up: issuance fails cleanly and resumes when space returns.

Two ways to fill it, one test body:
- `tmpfs`: a real 1 MiB tmpfs is mounted over `<data_dir>/documents` and filled with a file
  until the kernel says ENOSPC, then 16 KiB are given back (so the small marker of the
  attempt fits and the PDF does not). Needs root (mount); skipped, saying so, otherwise.
- `injected`: `fsync` of the PDF's temporary file raises OSError(ENOSPC), as a full disk
  does at the write or flush. Runs anywhere, so CI always covers the behaviour.

Either way: no document row, no PDF and no temporary file left, the petition stays approved,
its job is pending with a retry scheduled and "No space left on device" recorded, and no
message tells the citizen a document is ready. With the space back, the retry issues it once.
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from documents.models import Document
from documents.service import documents_dir, read_document_pdf
from portal.db import utcnow
from services.mailbox.models import MailboxMessage, MessageKind
from services.petitions.models import JobState, Petition, PetitionJob, PetitionState
from services.petitions.worker import run_until_idle
from tests.services.petitions.factories import create_citizen, create_petition

pytestmark = pytest.mark.e2e


class FullDisk:
    """A way of making the document store refuse to store; `free()` gives the space back."""

    def files(self) -> set[Path]:
        raise NotImplementedError

    def free(self) -> None:
        raise NotImplementedError


class FullTmpfs(FullDisk):
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.filler = folder / "filler"

    def fill(self) -> None:
        chunk = b"\0" * 65536
        with self.filler.open("wb") as out:
            try:
                while True:
                    out.write(chunk)
                    out.flush()
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
        os.truncate(self.filler, self.filler.stat().st_size - 16384)

    def files(self) -> set[Path]:
        return {p for p in self.folder.rglob("*") if p.is_file() and p != self.filler}

    def free(self) -> None:
        self.filler.unlink()


class InjectedEnospc(FullDisk):
    def __init__(self, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.folder = folder
        self.before = self.files()
        real_fsync = os.fsync
        self.full = True

        def fsync(fd: int) -> None:
            name = os.readlink(f"/proc/self/fd/{fd}")
            if self.full and ".pdf." in name and name.endswith(".tmp"):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            real_fsync(fd)

        monkeypatch.setattr(os, "fsync", fsync)

    def files(self) -> set[Path]:
        found = {p for p in self.folder.rglob("*") if p.is_file()}
        return found - getattr(self, "before", set())

    def free(self) -> None:
        self.full = False


@pytest.fixture(params=["tmpfs", "injected"])
def full_disk(request, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FullDisk]:
    folder = documents_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    if request.param == "injected":
        yield InjectedEnospc(folder, monkeypatch)
        return
    if os.getuid() != 0:
        pytest.skip("mounting a tmpfs needs root; the injected ENOSPC case covers the logic")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m,mode=0750", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.strip()}); injected case runs")
    disk = FullTmpfs(folder)
    try:
        disk.fill()
        yield disk
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_full_document_store_fails_issuance_cleanly_and_it_resumes_with_space(
    full_disk, app, client, engine, people, data_dir
):
    ctx = app.state.processing
    with Session(engine) as db:
        citizen = create_citizen(db, people[0])
        petition_id = create_petition(db, citizen).id

    run_until_idle(engine, ctx)

    assert full_disk.files() == set()  # no PDF, no temporary file, no marker
    with Session(engine) as db:
        assert db.exec(select(Document)).all() == []
        petition = db.get(Petition, petition_id)
        assert petition.state == PetitionState.APPROVED and petition.document_number is None
        job = db.exec(select(PetitionJob).where(PetitionJob.petition_id == petition_id)).one()
        assert job.state == JobState.PENDING and job.run_after > utcnow()
        assert "No space left on device" in job.last_error
        assert not db.exec(
            select(MailboxMessage).where(MailboxMessage.kind == MessageKind.DOCUMENT)
        ).all()

    full_disk.free()
    with Session(engine) as db:
        db.exec(update(PetitionJob).values(run_after=utcnow()))  # type: ignore[call-overload]
        db.commit()
    run_until_idle(engine, ctx)

    with Session(engine) as db:
        assert db.get(Petition, petition_id).state == PetitionState.ISSUED
        (document,) = db.exec(select(Document)).all()
        assert read_document_pdf(data_dir, document).startswith(b"%PDF-")  # whole, hash checked
        messages = db.exec(
            select(MailboxMessage).where(MailboxMessage.kind == MessageKind.DOCUMENT)
        ).all()
        assert len(messages) == 1
    assert {p.name for p in full_disk.files()} == {f"{document.number}.pdf"}
