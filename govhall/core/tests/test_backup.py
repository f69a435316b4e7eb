"""Backups and restores (``govhall backup`` / ``govhall restore``,
govhall/core/backup.py): a hall with cases, events, notices and an
uploaded scan goes through a backup and comes back the same; what is refused
is refused before anything changes; a damaged backup is named."""

import contextlib
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import quote

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from govhall.cases import services as cases
from govhall.cases.models import Case, CaseEvent, CaseMaterial, Notice
from govhall.cases.tests.conftest import DESK_MORNING, accept_checked, apply_online, at
from govhall.catalog.services import item_create
from govhall.catalog.tests.factories import complete_spec
from govhall.console import manage_args
from govhall.core import backup
from govhall.core.actors import SYSTEM
from govhall.core.tests.test_object_storage import BUCKET, object_store, s3_media  # noqa: F401 (fixtures)
from govhall.org import services as org
from govhall.org.models import Action
from govhall.test import sample_pdf

# pg_dump and the backup API read what is committed: no test transaction around.
pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def history(hall):
    """The personas' hall with an item of department A and three cases: one
    applied for online with its scans uploaded and accepted (acceptance
    notice), one approved at the window (decision notice), one just submitted."""
    with time_machine.travel(DESK_MORNING, tick=True):
        for action in (Action.REVIEW, Action.APPROVE):
            staff = hall.reviewer if action == Action.REVIEW else hall.approver
            org.authorization_grant(actor=SYSTEM, staff=staff, department=hall.dept_a, action=action)
        hall.version = item_create(actor=SYSTEM, spec=complete_spec("A", status="published")).current
        online = apply_online(applicant=hall.applicant, version=hall.version, center=hall.district,
                              when=at("2026-03-02 10:00"))
        accept_checked(actor=hall.clerk, case=online, at=at("2026-03-02 10:10"))
        decided = accept_checked(actor=hall.clerk, case=_submit(hall, "2026-03-02 10:20"), at=at("2026-03-02 10:30"))
        decided = cases.case_complete_step(actor=hall.reviewer, case=decided, opinion="材料齐全", at=at("2026-03-03 10:00"))
        cases.case_approve(actor=hall.approver, case=decided, opinion="同意", at=at("2026-03-04 10:00"))
        _submit(hall, "2026-03-04 11:00")
        assert CaseMaterial.objects.exists() and Notice.objects.count() >= 3
        yield hall


def _submit(hall, when: str):
    return cases.case_submit(actor=hall.clerk, item_version=hall.version, center=hall.district, channel="window",
                             applicant_name="李四", applicant_id_number="110101199003070011",
                             applicant_phone="13912345678", at=at(when))


def _heads() -> list[tuple]:
    return list(Case.objects.order_by("number").values_list("number", "event_seq", "event_hash"))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _manifest(path: Path) -> dict:
    return json.loads((path / "manifest.json").read_text(encoding="utf-8"))


def _restore_fails(path: Path, *options: str) -> str:
    with pytest.raises(CommandError) as failure:
        call_command("restore", str(path), *options)
    return str(failure.value)


@contextlib.contextmanager
def _fresh_database(tmp_path: Path):
    """A database with nothing in it, as ``createdb`` (PostgreSQL) or a new
    file (SQLite) gives: its URL and a function running a query on it."""
    if connection.vendor == "sqlite":
        file = tmp_path / "fresh.sqlite3"

        def query(sql):
            with contextlib.closing(sqlite3.connect(file)) as fresh:
                return fresh.execute(sql).fetchall()

        yield f"sqlite:///{file}", query
        return
    import psycopg

    name = f"{connection.settings_dict['NAME']}_restored"
    params = {key: value for key, value in connection.get_connection_params().items()
              if key in {"host", "port", "user", "password"}}
    with connection.cursor() as cursor:  # autocommit: CREATE DATABASE runs outside a transaction
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')

    def query(sql):
        with psycopg.connect(dbname=name, **params) as fresh:
            return fresh.execute(sql).fetchall()

    try:
        s = connection.settings_dict
        login = quote(s["USER"]) + (f":{quote(s['PASSWORD'])}" if s["PASSWORD"] else "")
        yield f"postgres://{login}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}", query
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _govhall(*args: str, database_url: str, var_dir: Path) -> subprocess.CompletedProcess:
    """The ``govhall`` console in a process of its own, on another database."""
    env = dict(os.environ, GOVHALL_DATABASE_URL=database_url, GOVHALL_VAR_DIR=str(var_dir))
    return subprocess.run([sys.executable, "-m", "govhall.console", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_a_backup_restored_into_a_fresh_database_holds_the_same_cases_chains_and_files(history, tmp_path):
    path = tmp_path / "backup"
    assert manage_args(["backup", str(path)]) == ["backup", str(path)]  # the console passes it unchanged
    call_command("backup", str(path))
    manifest = _manifest(path)
    assert manifest["format"] == 1 and manifest["database"]["vendor"] == connection.vendor
    assert manifest["tables"]["cases_case"] == Case.objects.count() == 3
    assert manifest["tables"]["cases_caseevent"] == CaseEvent.objects.count()
    assert manifest["chains"]["cases"] == 3 and manifest["chains"]["events"] == CaseEvent.objects.count()
    files = {entry["name"]: entry["sha256"] for entry in manifest["files"]}
    for material in CaseMaterial.objects.all():
        assert files[material.file.name] == material.sha256 == _sha256(path / "media" / material.file.name)
    heads, events = _heads(), CaseEvent.objects.count()

    with _fresh_database(tmp_path) as (url, query):
        var = tmp_path / "restored"
        var.mkdir()
        (var / "media").mkdir()
        (var / "media" / "stray.pdf").write_bytes(b"another hall's file")
        refused = _govhall("restore", str(path), database_url=url, var_dir=var)
        assert refused.returncode == 1 and "file storage is not empty" in refused.stderr
        (var / "media" / "stray.pdf").unlink()

        done = _govhall("restore", str(path), database_url=url, var_dir=var)
        assert done.returncode == 0, done.stderr
        assert "restored and verified" in done.stdout
        assert sorted(query("SELECT number, event_seq, event_hash FROM cases_case")) == heads
        assert query("SELECT COUNT(*) FROM cases_caseevent") == [(events,)]
        assert query("SELECT COUNT(*) FROM cases_notice") == [(Notice.objects.count(),)]
        for material in CaseMaterial.objects.all():
            assert _sha256(var / "media" / material.file.name) == material.sha256


def test_a_backup_refuses_an_existing_path_and_replaces_it_only_when_complete(history, tmp_path, monkeypatch):
    path = tmp_path / "backup"
    path.mkdir()
    (path / "notes.txt").write_text("not a backup")
    with pytest.raises(CommandError, match="exists and is not empty.*--force"):
        call_command("backup", str(path))
    assert [p.name for p in path.iterdir()] == ["notes.txt"]

    call_command("backup", str(path), "--force")
    assert (path / "manifest.json").is_file() and not (path / "notes.txt").exists()
    first = _manifest(path)

    # A backup failing halfway (the disk full while copying the files):
    # the complete backup already at PATH stays as it was, nothing else is left.
    def full_disk(source, destination):
        raise OSError(28, "No space left on device", str(destination))

    monkeypatch.setattr(backup, "_copy", full_disk)
    _submit(history, "2026-03-05 10:00")
    with pytest.raises(CommandError, match="No space left on device"):
        call_command("backup", str(path), "--force")
    assert _manifest(path) == first
    with pytest.raises(CommandError, match="No space left on device"):
        call_command("backup", str(tmp_path / "other"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup", "media"]
    with pytest.raises(CommandError, match="inside the file storage"):
        call_command("backup", str(tmp_path / "media" / "backup"))


def test_restore_refuses_a_database_holding_data_unless_forced(history, tmp_path):
    path = tmp_path / "backup"
    call_command("backup", str(path))
    heads = _heads()
    extra = _submit(history, "2026-03-05 10:00")

    said = _restore_fails(path)
    assert "database is not empty" in said and "cases_case: 4 rows" in said and "--force" in said
    assert Case.objects.filter(pk=extra.pk).exists()

    call_command("restore", str(path), "--force")
    assert _heads() == heads and not Case.objects.filter(pk=extra.pk).exists()

    # A database emptied (migrated, no data) still refuses while the file storage holds files.
    call_command("flush", "--no-input")
    assert "file storage is not empty" in _restore_fails(path)


def test_restore_names_a_damaged_backup_before_changing_anything(history, tmp_path):
    path = tmp_path / "backup"
    call_command("backup", str(path))
    extra = _submit(history, "2026-03-05 10:00")  # would be gone had a restore run
    dump = path / _manifest(path)["database"]["dump"]
    original = dump.read_bytes()
    dump.write_bytes(original[:-100] + bytes(b ^ 0xFF for b in original[-100:]))
    said = _restore_fails(path, "--force")
    assert f"{dump.name} differs from the manifest" in said
    assert f"{dump.name} differs from the manifest" in _restore_fails(path, "--check")
    dump.write_bytes(original)

    material = CaseMaterial.objects.first()
    (path / "media" / material.file.name).unlink()
    said = _restore_fails(path, "--force")
    assert f"media/{material.file.name} is missing" in said
    assert "is missing" in _restore_fails(path, "--check")
    (path / "manifest.json").write_text("{ not json")
    assert "manifest.json is damaged" in _restore_fails(path, "--force")
    assert "is not a backup" in _restore_fails(tmp_path / "nowhere")
    assert Case.objects.filter(pk=extra.pk).exists()


def test_restore_names_a_chain_broken_before_the_backup_and_heads_or_counts_that_differ(history, tmp_path):
    event = CaseEvent.objects.filter(action="approve").get()
    CaseEvent.objects.filter(pk=event.pk).update(data={"opinion": "不同意"})  # edited behind the services' back
    path = tmp_path / "backup"
    call_command("backup", str(path))
    said = _restore_fails(path, "--force")
    assert "restored, but the result differs" in said
    assert f"case {event.case.number} event #{event.seq}: content was changed" in said

    CaseEvent.objects.filter(pk=event.pk).update(data=event.data)
    call_command("backup", str(path), "--force")
    manifest = _manifest(path)
    manifest["tables"]["cases_notice"] += 1
    heads = (path / "chain_heads.tsv").read_text(encoding="utf-8").replace(event.hash, "0" * 64)
    (path / "chain_heads.tsv").write_text(heads, encoding="utf-8")
    manifest["chains"]["sha256"] = hashlib.sha256(heads.encode("utf-8")).hexdigest()
    (path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    said = _restore_fails(path, "--force")
    notices = Notice.objects.count()
    assert f"table cases_notice: {notices} rows, the backup has {notices + 1} rows" in said
    assert f"chain head of case {event.case.number}" in said
    assert "content was changed" not in said


def test_a_backup_links_the_files_unchanged_since_an_earlier_one(history, tmp_path):
    first, second = tmp_path / "monday", tmp_path / "tuesday"
    call_command("backup", str(first))
    names = [entry["name"] for entry in _manifest(first)["files"]]
    # A new scan after Monday's backup, and Monday's copy of one file damaged on its disk.
    case = _submit(history, "2026-03-05 10:00")
    cases.case_material_attach(actor=history.clerk, case=case, material_order=1, filename="new.pdf",
                               content=sample_pdf("周二的扫描件"))
    damaged = CaseMaterial.objects.exclude(case=case).first().file.name
    (first / "media" / damaged).write_bytes(b"rotten")

    call_command("backup", str(second), "--link-dest", str(first))
    files = {entry["name"]: entry for entry in _manifest(second)["files"]}
    assert len(files) == len(names) + 1
    for name in names:
        linked = (second / "media" / name).stat().st_ino == (first / "media" / name).stat().st_ino
        assert linked == (name != damaged)
    for name, entry in files.items():
        assert _sha256(second / "media" / name) == entry["sha256"]
    call_command("restore", str(second), "--check")
    with pytest.raises(CommandError, match="--link-dest .* is not a readable backup"):
        call_command("backup", str(tmp_path / "wednesday"), "--link-dest", str(tmp_path / "nowhere"))


def test_a_restore_that_fails_says_so_and_changes_nothing(history, tmp_path, settings):
    path = tmp_path / "backup"
    call_command("backup", str(path))
    extra = _submit(history, "2026-03-05 10:00")
    # A dump that matches its manifest but is no database (a backup written
    # by a broken disk and checksummed afterwards).
    manifest = _manifest(path)
    dump = path / manifest["database"]["dump"]
    dump.write_bytes(b"PGDMP" + os.urandom(4096) if connection.vendor == "postgresql" else os.urandom(8192))
    manifest["database"].update(size=dump.stat().st_size, sha256=_sha256(dump))
    (path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    settings.MEDIA_ROOT = tmp_path / "empty-media"

    said = _restore_fails(path, "--force")
    assert "failed" in said and "the database is unchanged" in said
    assert Case.objects.filter(pk=extra.pk).exists() and Case.objects.count() == 4
    # The files it had copied before the database failed are taken back.
    assert not any(p.is_file() for p in (tmp_path / "empty-media").rglob("*"))


def test_a_database_that_cannot_be_read_is_named(history, tmp_path, monkeypatch):
    if connection.vendor == "sqlite":
        monkeypatch.setitem(connection.settings_dict, "NAME", str(tmp_path / "nowhere.sqlite3"))
        expected = "nowhere.sqlite3 does not exist"
    else:
        monkeypatch.setitem(connection.settings_dict, "PORT", "1")  # nothing listens there
        expected = "cannot connect to the database"
    with pytest.raises(CommandError, match=expected):
        call_command("backup", str(tmp_path / "backup"))
    assert not (tmp_path / "backup").exists() and not list(tmp_path.glob(".backup.*"))


def test_a_running_hall_is_backed_up_as_one_consistent_moment(history, tmp_path):
    """Cases keep arriving while the backup runs: its counts and chain heads
    are those of the data it holds, so the restore verifies."""
    stop, written = threading.Event(), []

    def window():
        try:
            while not stop.is_set() and len(written) < 200:
                written.append(_submit(history, "2026-03-05 10:00").number)
        finally:
            connection.close()

    worker = threading.Thread(target=window)
    worker.start()
    try:
        while len(written) < 3 and worker.is_alive():
            stop.wait(0.01)
        call_command("backup", str(tmp_path / "backup"))
    finally:
        stop.set()
        worker.join(timeout=60)
    manifest = _manifest(tmp_path / "backup")
    assert 3 + 3 <= manifest["tables"]["cases_case"] <= Case.objects.count()
    call_command("restore", str(tmp_path / "backup"), "--force")
    assert Case.objects.count() == manifest["tables"]["cases_case"]


def test_attachments_in_an_object_store_are_backed_up_and_restored_through_the_storage(history, tmp_path, request):
    """The files go through Django's storage API: a hall moving its
    attachments to a bucket restores a folder's backup into it, and backs
    the bucket up the same way."""
    call_command("backup", str(tmp_path / "from-folder"))
    bucket = request.getfixturevalue("s3_media")  # from here on, the attachments are in the bucket
    call_command("restore", str(tmp_path / "from-folder"), "--force")  # verified: each file read back from the bucket
    material = CaseMaterial.objects.first()
    stored = bucket.get_object(Bucket=BUCKET, Key=f"hall/{material.file.name}")["Body"].read()
    assert hashlib.sha256(stored).hexdigest() == material.sha256

    call_command("backup", str(tmp_path / "from-bucket"))
    assert _sha256(tmp_path / "from-bucket" / "media" / material.file.name) == material.sha256
    assert _manifest(tmp_path / "from-bucket")["files"] == _manifest(tmp_path / "from-folder")["files"]


@pytest.mark.skipif(os.name != "posix", reason="executable bits")
def test_the_postgresql_binaries_are_found_or_named(tmp_path, monkeypatch):
    monkeypatch.setattr(backup.shutil, "which", lambda name: None)
    monkeypatch.setattr(backup, "PG_BIN_GLOB", str(tmp_path / "*" / "bin"))
    with pytest.raises(backup.BackupError, match="pg_dump not found.*postgresql-client"):
        backup.pg_binary("pg_dump")
    for version in ("9.6", "13", "15"):
        binary = tmp_path / version / "bin" / "pg_dump"
        binary.parent.mkdir(parents=True)
        binary.write_text("#!/bin/sh\n")
        binary.chmod(0o755)
    assert backup.pg_binary("pg_dump") == str(tmp_path / "15" / "bin" / "pg_dump")  # the newest, not "9.6"


def test_the_database_password_goes_through_the_environment_only(history, tmp_path, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump: PostgreSQL only")
    # The test server trusts local connections: any password is accepted.
    monkeypatch.setitem(connection.settings_dict, "PASSWORD", "s3cret-password")
    calls = []
    real_run = subprocess.run

    def spy(command, **kwargs):
        calls.append((command, kwargs["env"]))
        return real_run(command, **kwargs)

    monkeypatch.setattr(backup.subprocess, "run", spy)
    call_command("backup", str(tmp_path / "backup"))
    (command, env), = calls
    assert Path(command[0]).name == "pg_dump" and "--format=custom" in command
    assert not any("s3cret" in part for part in command)
    assert env["PGPASSWORD"] == "s3cret-password" and env["PGDATABASE"] == connection.settings_dict["NAME"]
