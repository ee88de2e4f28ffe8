"""`flask backup` and `flask restore`: a consistent snapshot of the database and the stored files.

A backup is one `.tar.gz` holding the database (SQLite's online backup API, or
`pg_dump` in its custom format for PostgreSQL), every stored file (documents) and
a manifest with each file's SHA-256. Letters live in the database, so they come
with it. Restore brings both back and checks every digest.
"""

import hashlib
import io
import json
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url

from .extensions import db
from .words import counted


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _libpq_url(url) -> str:
    """The SQLAlchemy URL as pg_dump and pg_restore take it."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _dump_database(folder: Path) -> str:
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        target = sqlite3.connect(folder / "database.sqlite3")
        source = db.engine.raw_connection()
        try:
            source.driver_connection.backup(target)
        finally:
            source.close()
            target.close()
        return "sqlite"
    subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", "--file", str(folder / "database.dump"), _libpq_url(url)],
        check=True,
        capture_output=True,
    )
    return "postgresql"


def create_backup(destination: Path) -> Path:
    """Write a backup archive into `destination` (a folder) and return its path."""
    storage = Path(current_app.config["STORAGE_DIR"])
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    destination.mkdir(parents=True, exist_ok=True)
    archive = destination / f"consort-backup-{stamp}.tar.gz"
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        dialect = _dump_database(folder)
        files = {
            str(path.relative_to(storage)): _sha256(path)
            for path in sorted(storage.rglob("*"))
            if path.is_file()
        }
        manifest = {"created_at": stamp, "database": dialect, "files": files}
        with tarfile.open(archive, "w:gz") as tar:
            for name in ("database.sqlite3", "database.dump"):
                if (folder / name).exists():
                    tar.add(folder / name, arcname=name)
            for relative in files:
                tar.add(storage / relative, arcname=f"storage/{relative}")
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return archive


DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
ARCHIVE_NAMES = {"manifest.json", *DATABASE_FILES.values()}


def _not_a_backup(why: str) -> click.ClickException:
    return click.ClickException(f"This is not a Consort backup: {why}, which a backup never does.")


def _inside(folder: Path, name: object) -> Path | None:
    """`folder / name` if `name` is a plain relative path that stays inside `folder`, else None.

    Refused: anything but a non-empty string, an absolute path, a drive ("C:"), a
    backslash, a NUL, an empty, "." or ".." part, and a path through a symbolic link.
    """
    if not isinstance(name, str) or not name or "\\" in name or ":" in name or "\0" in name or name.startswith("/"):
        return None
    parts = name.split("/")
    if any(part in {"", ".", ".."} for part in parts):
        return None
    target = folder.joinpath(*parts)
    walked = folder
    for part in parts:
        walked = walked / part
        if walked.is_symlink():
            return None
    return target if target.resolve().is_relative_to(folder.resolve()) else None


def _unpack(tar: tarfile.TarFile, folder: Path) -> None:
    """Unpack a backup's files into `folder`; a link, a device or a path outside it is refused."""
    for member in tar.getmembers():
        target = _inside(folder, member.name)
        allowed = member.name in ARCHIVE_NAMES or member.name.startswith("storage/")
        if target is None or not allowed or not member.isfile():
            raise _not_a_backup(f"it holds {member.name!r}")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with tar.extractfile(member) as source, open(target, "wb") as copy:
                shutil.copyfileobj(source, copy)
        except (OSError, tarfile.TarError):  # a file where a folder is needed, a cut-off archive
            raise _not_a_backup(f"its member {member.name!r} cannot be unpacked") from None


def _read_manifest(folder: Path, storage: Path) -> tuple[dict, list[tuple[Path, Path]]]:
    """The manifest, and each stored file's (unpacked copy, place in storage), every one checked.

    Nothing is restored unless every file name is safe and every digest matches.
    """
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError):
        raise _not_a_backup("it has no readable manifest") from None
    files = manifest.get("files") if isinstance(manifest, dict) else None
    kind = manifest.get("database") if isinstance(manifest, dict) else None
    database = DATABASE_FILES.get(kind) if isinstance(kind, str) else None
    if not isinstance(files, dict) or database is None or not (folder / database).is_file():
        raise _not_a_backup("it lacks its database or its list of files")
    copies = []
    for relative, digest in files.items():
        source, target = _inside(folder / "storage", relative), _inside(storage, relative)
        if source is None or target is None:
            raise _not_a_backup(f"its manifest names the stored file {relative!r}")
        if not source.is_file() or _sha256(source) != digest:
            raise click.ClickException(f"The stored file {relative} does not match its digest.")
        copies.append((source, target))
    return manifest, copies


def _opened(archive: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(archive, "r:gz")
    except tarfile.TarError:
        raise _not_a_backup("it is not a gzipped archive") from None


def restore_backup(archive: Path) -> dict:
    """Bring back the database and stored files of a backup, once every file name and digest is checked."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    storage = Path(current_app.config["STORAGE_DIR"])
    with tempfile.TemporaryDirectory() as scratch, _opened(archive) as tar:
        folder = Path(scratch)
        _unpack(tar, folder)
        manifest, copies = _read_manifest(folder, storage)
        if manifest["database"] != url.get_backend_name():
            raise click.ClickException(
                f"This backup is of a {manifest['database']} database; the app uses {url.get_backend_name()}."
            )
        db.session.remove()
        if manifest["database"] == "sqlite":
            source = sqlite3.connect(folder / "database.sqlite3")
            target = db.engine.raw_connection()
            try:
                source.backup(target.driver_connection)
            finally:
                source.close()
                target.close()
        else:
            db.engine.dispose()
            subprocess.run(
                ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
                 "--dbname", _libpq_url(url), str(folder / "database.dump")],
                check=True,
                capture_output=True,
            )
        db.engine.dispose()
        for source, target in copies:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    return manifest


@click.command("backup")
@click.argument("destination", type=click.Path(file_okay=False, path_type=Path), default="instance/backups")
@with_appcontext
def backup_command(destination: Path) -> None:
    """Write a consistent backup of the database and stored files."""
    click.echo(f"Backup written to {create_backup(destination)}")


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace the current data without asking.")
@with_appcontext
def restore_command(archive: Path, yes: bool) -> None:
    """Replace the database and stored files with those of a backup."""
    if not yes:
        click.confirm("This replaces every row and stored file with the backup's. Continue?", abort=True)
    manifest = restore_backup(archive)
    made = manifest.get("created_at", "an unknown date")
    click.echo(f"Restored the backup of {made} ({counted(len(manifest['files']), 'stored file')}).")
