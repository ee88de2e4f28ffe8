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


def _unpack(tar: tarfile.TarFile, folder: Path) -> None:
    """Unpack a backup's files into `folder`; a link, a device or a path outside it is refused."""
    for member in tar.getmembers():
        target = (folder / member.name).resolve()
        if not member.isfile() or not target.is_relative_to(folder.resolve()):
            raise click.ClickException(f"This is not a Consort backup: it holds {member.name!r}, which a backup never does.")
        target.parent.mkdir(parents=True, exist_ok=True)
        with tar.extractfile(member) as source, open(target, "wb") as copy:
            shutil.copyfileobj(source, copy)


def restore_backup(archive: Path) -> dict:
    """Bring back the database and stored files of a backup; check every digest."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    storage = Path(current_app.config["STORAGE_DIR"])
    with tempfile.TemporaryDirectory() as scratch, tarfile.open(archive, "r:gz") as tar:
        folder = Path(scratch)
        _unpack(tar, folder)
        manifest = json.loads((folder / "manifest.json").read_text())
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
        for relative, digest in manifest["files"].items():
            source = folder / "storage" / relative
            if _sha256(source) != digest:
                raise click.ClickException(f"The stored file {relative} does not match its digest.")
            target = storage / relative
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
    click.echo(f"Restored the backup of {manifest['created_at']} ({counted(len(manifest['files']), 'stored file')}).")
