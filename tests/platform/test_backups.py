"""`flask backup` and `flask restore`: a populated database and its files, round-tripped."""

import hashlib

import pytest
from sqlalchemy import select

from config import TestConfig
from workflow import create_app
from workflow.applications.documents import store_document
from workflow.applications.lifecycle import State
from workflow.applications.models import Application
from workflow.applications.operations import send_message
from workflow.audit.operations import record_event
from workflow.extensions import db as _db
from workflow.hubs.images import put_image
from workflow.hubs.models import ImageKind
from workflow.letters.operations import draft_letter, issue_letter
from workflow.votes.rule import Choice

from ..builders import make_application
from ..image_helpers import raster
from ..conftest import database_url, drop_database

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def snapshot(app) -> tuple[dict, dict]:
    """Every row of every table, and every stored file's digest."""
    with app.app_context():
        rows = {}
        with _db.engine.connect() as connection:
            for table in _db.metadata.sorted_tables:
                rows[table.name] = sorted(
                    tuple(map(repr, row)) for row in connection.execute(select(table)).all()
                )
        storage = app.config["STORAGE_DIR"]
        files = {
            str(path.relative_to(storage)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in storage.rglob("*")
            if path.is_file()
        }
    return rows, files


def populate(app, db, hub, organisation, applicant, officer):
    with app.test_request_context():
        _populate(db, hub, organisation, applicant, officer)


def _populate(db, hub, organisation, applicant, officer):
    put_image(hub, ImageKind.LOGO, raster())
    application = make_application(hub, organisation, applicant, State.APPROVED, officer=officer)
    store_document(application, "safeguarding_policy", "Safeguarding policy", "policy.pdf", PDF, applicant)
    send_message(application, officer, "Welcome aboard — ąę 中文")
    record_event(application, "note_added", officer, detail="internal")
    letter = draft_letter(application, Choice.APPROVE)
    issue_letter(letter, officer)
    db.session.commit()


def test_backup_and_restore_onto_an_empty_database(app, db, hub, organisation, applicant, officer, tmp_path):
    populate(app, db, hub, organisation, applicant, officer)
    db.session.remove()
    before = snapshot(app)
    assert before[0]["decision_letters"] and before[0]["hub_images"] and before[1]

    runner = app.test_cli_runner()
    result = runner.invoke(args=["backup", str(tmp_path / "backups")])
    assert result.exit_code == 0, result.output
    [archive] = (tmp_path / "backups").glob("consort-backup-*.tar.gz")

    url = database_url(tmp_path, "restore")
    fresh = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=url,
        INSTANCE_DIR=tmp_path / "fresh",
        STORAGE_DIR=tmp_path / "fresh" / "storage",
        MAIL_FOLDER=tmp_path / "fresh" / "mail",
    )
    try:
        with fresh.app_context():
            result = fresh.test_cli_runner().invoke(args=["restore", "--yes", str(archive)])
        assert result.exit_code == 0, result.output
        files = len(before[1])
        assert f"({files} stored file{'' if files == 1 else 's'})" in result.output
        after = snapshot(fresh)
        with fresh.app_context():
            _db.engine.dispose()
    finally:
        drop_database(url)
    assert after[0] == before[0]
    assert after[1] == before[1]


def test_restore_refuses_a_corrupted_file(app, db, hub, organisation, applicant, officer, tmp_path):
    import io
    import json
    import tarfile

    populate(app, db, hub, organisation, applicant, officer)
    db.session.remove()
    runner = app.test_cli_runner()
    runner.invoke(args=["backup", str(tmp_path)])
    [archive] = tmp_path.glob("consort-backup-*.tar.gz")
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(tampered, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name.startswith("storage/"):
                data = data + b"tampered"
                member.size = len(data)
            if member.name == "manifest.json":
                json.loads(data)
            target.addfile(member, io.BytesIO(data))
    result = runner.invoke(args=["restore", "--yes", str(tampered)])
    assert result.exit_code != 0
    assert "does not match its digest" in result.output


def test_restore_refuses_an_archive_that_reaches_outside_its_folder(app, db, tmp_path):
    import io
    import tarfile

    for name, kind in [("../escaped.txt", tarfile.REGTYPE), ("/tmp/absolute.txt", tarfile.REGTYPE),
                       ("storage/link", tarfile.SYMTYPE)]:
        archive = tmp_path / "crafted.tar.gz"
        with tarfile.open(archive, "w:gz") as tar:
            member = tarfile.TarInfo(name)
            member.type, member.size, member.linkname = kind, 0, "/etc/passwd" if kind == tarfile.SYMTYPE else ""
            tar.addfile(member, io.BytesIO(b""))
        result = app.test_cli_runner().invoke(args=["restore", "--yes", str(archive)])
        assert result.exit_code != 0
        assert "This is not a Consort backup" in result.output, name


def recrafted(archive, target, manifest_files: dict, storage_members: dict):
    """The backup with its manifest's files replaced and these members added under storage/."""
    import io
    import json
    import tarfile

    with tarfile.open(archive) as source, tarfile.open(target, "w:gz") as crafted:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == "manifest.json":
                data = json.dumps({**json.loads(data), "files": manifest_files}).encode()
                member.size = len(data)
            crafted.addfile(member, io.BytesIO(data))
        for name, data in storage_members.items():
            member = tarfile.TarInfo(f"storage/{name}")
            member.size = len(data)
            crafted.addfile(member, io.BytesIO(data))
    return target


def note_count(db) -> int:
    from workflow.audit.models import ApplicationEvent

    db.session.remove()
    return len(db.session.scalars(select(ApplicationEvent).where(ApplicationEvent.kind == "note_added")).all())


@pytest.mark.parametrize("name", ["../x", "ABSOLUTE", "documents/../../x", "C:x", "documents\\..\\..\\x"])
def test_restore_refuses_a_manifest_naming_a_file_outside_the_storage_folder(
    app, db, hub, organisation, applicant, officer, tmp_path, name
):
    populate(app, db, hub, organisation, applicant, officer)
    db.session.remove()
    runner = app.test_cli_runner()
    runner.invoke(args=["backup", str(tmp_path / "backups")])
    [archive] = (tmp_path / "backups").glob("consort-backup-*.tar.gz")
    storage = app.config["STORAGE_DIR"]
    outside = storage.parent / "x"
    name = str(tmp_path / "absolute.txt") if name == "ABSOLUTE" else name
    data = b"written by a crafted backup"
    crafted = recrafted(archive, tmp_path / "crafted.tar.gz", {name: hashlib.sha256(data).hexdigest()}, {"x": data})
    with app.test_request_context():
        record_event(db.session.scalars(select(Application)).one(), "note_added", db.session.merge(officer), detail="since the backup")
    db.session.commit()

    result = runner.invoke(args=["restore", "--yes", str(crafted)])

    assert result.exit_code != 0
    assert "This is not a Consort backup" in result.output and repr(name) in result.output
    assert not outside.exists() and not (tmp_path / "absolute.txt").exists()
    assert note_count(db) == 2  # the database was not restored either


def test_restore_refuses_to_write_through_a_link_in_the_storage_folder(app, db, tmp_path):
    storage = app.config["STORAGE_DIR"]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (storage / "linked").symlink_to(elsewhere, target_is_directory=True)
    app.test_cli_runner().invoke(args=["backup", str(tmp_path / "backups")])
    [archive] = (tmp_path / "backups").glob("consort-backup-*.tar.gz")
    data = b"written through a link"
    crafted = recrafted(archive, tmp_path / "crafted.tar.gz", {"linked/x": hashlib.sha256(data).hexdigest()}, {"linked/x": data})

    result = app.test_cli_runner().invoke(args=["restore", "--yes", str(crafted)])

    assert result.exit_code != 0 and "'linked/x'" in result.output
    assert not (elsewhere / "x").exists()


def _archive_of(tmp_path, members: dict[str, bytes]):
    import io
    import tarfile

    archive = tmp_path / "odd.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name, data in members.items():
            member = tarfile.TarInfo(name)
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))
    return archive


@pytest.mark.parametrize("members", [
    {"manifest.json": b'{"database": ["sqlite"], "files": {}}', "database.sqlite3": b""},
    {"storage/a": b"a file", "storage/a/b": b"under a file"},
    {"manifest.json": b"[1, 2]"},
    "NOT AN ARCHIVE",
])
def test_restore_answers_an_odd_archive_in_words_not_a_traceback(app, db, tmp_path, members):
    archive = tmp_path / "odd.tar.gz"
    if isinstance(members, str):
        archive.write_text(members)
    else:
        archive = _archive_of(tmp_path, members)
    result = app.test_cli_runner().invoke(args=["restore", "--yes", str(archive)])
    assert result.exit_code != 0 and "This is not a Consort backup" in result.output
    assert not isinstance(result.exception, (TypeError, OSError, KeyError))
