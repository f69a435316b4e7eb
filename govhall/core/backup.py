"""Backups of a hall and their restore (docs/operations.md).

A backup is a directory:

- ``database.sqlite3`` (SQLite, made with the online backup API, so a running
  hall can be backed up) or ``database.dump`` (PostgreSQL, ``pg_dump
  --format=custom`` of one snapshot);
- ``media/``: every file of the default storage (uploaded materials, catalog
  forms and imports); notices are rendered from their frozen content, so no
  PDF needs keeping;
- ``chain_heads.tsv``: each case's number, last event number and last event
  hash, in the order of the cases' ids;
- ``manifest.json``, written last: format, time, govhall version, database
  vendor, the dump's size and SHA-256, the row count of every table and the
  chain heads' count and SHA-256, all read from the snapshot that was dumped,
  and every file with its size and SHA-256.

A backup is written into a temporary directory beside PATH and renamed to
PATH only once complete: a failed backup leaves nothing that looks like one.
A restore checks the backup against its manifest before it touches anything,
restores (SQLite: the backup API again; PostgreSQL: pg_restore's script
run by psql; each all or nothing), then checks the result: row counts,
every hash chain (``govhall.cases.events.chains_verify``), the chain heads
and the files.

This module reads the cases' table and verifies their chains: a backup
spans every app, so it reaches cases lazily (``apps.get_model``, an import
inside the function) and core stays below the domain apps.
"""

import contextlib
import glob
import hashlib
import json
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

from django.apps import apps
from django.core.files import File
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connections

from govhall.core import clock
from govhall.core.media import storage_names

FORMAT = 1
MANIFEST = "manifest.json"
HEADS = "chain_heads.tsv"
MEDIA = "media"
DUMPS = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
# Tables that `migrate` alone fills: a database with rows only there is empty.
BOOKKEEPING = {"django_migrations", "django_content_type", "auth_permission"}
# Where Debian and Ubuntu install the PostgreSQL client binaries of each version.
PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"
# libpq's environment variables for Django's connection settings: the
# password goes through the environment, never on a command line (ps shows those).
PG_ENV = {"HOST": "PGHOST", "PORT": "PGPORT", "USER": "PGUSER", "PASSWORD": "PGPASSWORD", "NAME": "PGDATABASE"}
PG_OPTION_ENV = {"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT",
                 "sslkey": "PGSSLKEY", "passfile": "PGPASSFILE", "service": "PGSERVICE"}
CHUNK = 1024 * 1024
HEADS_PAGE = 5000
# Differences named one by one before "… and N more".
SHOWN = 20


class BackupError(Exception):
    """A backup or restore refused or failed; the message says what and why."""


# --- Files ------------------------------------------------------------------------

def _sha256_file(path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as source:
        while block := source.read(CHUNK):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()


def _copy(source, destination: Path) -> tuple[int, str]:
    """Copy an open binary file to ``destination`` (synced to disk); its size and SHA-256."""
    digest, size = hashlib.sha256(), 0
    destination.parent.mkdir(parents=True, exist_ok=True)
    with open(destination, "wb") as out:
        while block := source.read(CHUNK):
            digest.update(block)
            out.write(block)
            size += len(block)
        out.flush()
        os.fsync(out.fileno())
    return size, digest.hexdigest()


def _storage_digest(storage, name: str) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with storage.open(name, "rb") as source:
        while block := source.read(CHUNK):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()


def _previous_files(previous: Path) -> dict[str, tuple[int, str]]:
    """The files of the earlier backup ``previous``: name → (size, SHA-256)."""
    try:
        manifest = json.loads((previous / MANIFEST).read_text(encoding="utf-8"))
        return {entry["name"]: (entry["size"], entry["sha256"]) for entry in manifest["files"]
                if _safe_name(entry["name"])}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise BackupError(f"--link-dest {previous} is not a readable backup: {error}") from None


def _media_file(name: str, destination: Path, previous: Path | None, known: dict) -> tuple[int, str]:
    """Copy one file of the storage into the backup; or, when the earlier
    backup ``previous`` holds the same content (checked on both sides, so
    a damaged old copy is not carried on), hard-link its copy: a file
    unchanged since then is read, not written again."""
    if previous is not None and name in known:
        old = previous / MEDIA / name
        if old.is_file() and _storage_digest(default_storage, name) == known[name] == _sha256_file(old):
            destination.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(old, destination)
                return known[name]
            except OSError:  # another file system: copy
                pass
    with default_storage.open(name, "rb") as source:
        return _copy(source, destination)


def _safe_name(name) -> bool:
    """A storage name from a manifest that stays inside the media folder."""
    return (isinstance(name, str) and bool(name) and not name.startswith("/") and "\\" not in name
            and "\0" not in name and all(part not in ("", ".", "..") for part in name.split("/")))


# --- Database census: tables, row counts, chain heads ------------------------------

def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _tables(cursor, vendor: str) -> list[str]:
    """The tables of the database (PostgreSQL: those visible on the search
    path, partitions counted through their parent)."""
    if vendor == "sqlite":
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    else:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND pg_table_is_visible(c.oid) "
            "AND n.nspname NOT IN ('pg_catalog', 'information_schema')")
    return sorted(row[0] for row in cursor.fetchall())


def _counts(cursor, vendor: str) -> dict[str, int]:
    counts = {}
    for table in _tables(cursor, vendor):
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")
        counts[table] = cursor.fetchone()[0]
    return counts


def _heads(cursor, placeholder: str) -> Iterator[str]:
    """Each case's chain head as a line ``number<TAB>event_seq<TAB>event_hash``,
    in the order of the cases' ids, read a page at a time (constant memory)."""
    case = apps.get_model("cases", "Case")
    column = {name: case._meta.get_field(name).column for name in ("id", "number", "event_seq", "event_hash")}
    sql = (f"SELECT {_quote(column['id'])}, {_quote(column['number'])}, {_quote(column['event_seq'])}, "
           f"{_quote(column['event_hash'])} FROM {_quote(case._meta.db_table)} "
           f"WHERE {_quote(column['id'])} > {placeholder} ORDER BY {_quote(column['id'])} LIMIT {HEADS_PAGE}")
    last = -1
    while True:
        cursor.execute(sql, [last])
        rows = cursor.fetchall()
        for row in rows:
            yield f"{row[1]}\t{row[2]}\t{row[3]}\n"
        if len(rows) < HEADS_PAGE:
            return
        last = rows[-1][0]


def _census(cursor, vendor: str, placeholder: str, heads_file: Path) -> dict:
    """Row counts, migrations and chain heads of the database behind
    ``cursor``; the heads are written to ``heads_file``."""
    counts = _counts(cursor, vendor)
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
    migrations = dict(cursor.fetchall())  # the last applied per app
    digest, cases, events = hashlib.sha256(), 0, 0
    with open(heads_file, "w", encoding="utf-8", newline="") as out:
        for line in _heads(cursor, placeholder):
            out.write(line)
            digest.update(line.encode("utf-8"))
            cases += 1
            events += int(line.split("\t")[1])
        out.flush()
        os.fsync(out.fileno())
    chains = {"cases": cases, "events": events, "file": HEADS, "sha256": digest.hexdigest()}
    return {"tables": counts, "migrations": migrations, "chains": chains}


# --- PostgreSQL client binaries ---------------------------------------------------

def pg_binary(name: str) -> str:
    """The path of a PostgreSQL client binary (``pg_dump``, ``pg_restore``):
    on PATH, else the newest under /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found

    def version(folder: str) -> tuple:
        return tuple(int(part) for part in re.findall(r"\d+", Path(folder).parent.name))

    for folder in sorted(glob.glob(PG_BIN_GLOB), key=version, reverse=True):
        candidate = Path(folder) / name
        if os.access(candidate, os.X_OK):
            return str(candidate)
    raise BackupError(f"{name} not found: install the PostgreSQL client of the server's version "
                      f"(Debian: apt-get install postgresql-client) or put {name} on PATH")


def pg_environment(settings_dict: dict) -> dict[str, str]:
    """The environment for pg_dump/pg_restore: the connection of Django's
    settings through libpq's variables, the password included."""
    env = dict(os.environ)
    for key, variable in PG_ENV.items():
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    for key, variable in PG_OPTION_ENV.items():
        if settings_dict.get("OPTIONS", {}).get(key):
            env[variable] = str(settings_dict["OPTIONS"][key])
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, check=False, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()[-10:]
        raise BackupError(f"{Path(command[0]).name} failed (exit {done.returncode}): " + "\n".join(said))


# --- Backup -----------------------------------------------------------------------

def _dump_sqlite(connection, folder: Path) -> dict:
    name = Path(connection.settings_dict["NAME"])
    if not name.exists():
        raise BackupError(f"the SQLite database {name} does not exist")
    with contextlib.ExitStack() as stack:
        try:
            source = stack.enter_context(contextlib.closing(sqlite3.connect(name, timeout=20)))
            target = stack.enter_context(contextlib.closing(sqlite3.connect(folder / DUMPS["sqlite"])))
            # One step (pages=-1): the copy is one consistent read of the
            # database; in WAL mode the hall keeps writing meanwhile.
            source.backup(target)
            # A self-contained file: no -wal beside it when it is opened.
            target.execute("PRAGMA journal_mode=DELETE")
            census = _census(target.cursor(), "sqlite", "?", folder / HEADS)
        except sqlite3.Error as error:
            raise BackupError(f"SQLite backup of {name} failed: {error}") from None
    census["server_version"] = sqlite3.sqlite_version
    return census


def _dump_postgresql(connection, folder: Path) -> dict:
    pg_dump = pg_binary("pg_dump")
    dump = folder / DUMPS["postgresql"]
    # A connection of its own, whose snapshot pg_dump shares: the counts and
    # chain heads of the manifest are those of the dumped data, even while
    # the hall writes.
    try:
        raw = connection.get_new_connection(connection.get_connection_params())
    except connection.Database.Error as error:
        raise BackupError(f"cannot connect to the database: {error}") from None
    try:
        raw.autocommit = True
        cursor = raw.cursor()
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
        snapshot, server_version = cursor.fetchone()
        _run([pg_dump, "--format=custom", "--no-password", f"--snapshot={snapshot}", f"--file={dump}"],
             pg_environment(connection.settings_dict))
        census = _census(cursor, "postgresql", "%s", folder / HEADS)
        census["server_version"] = server_version
        cursor.execute("COMMIT")
    except connection.Database.Error as error:
        raise BackupError(f"PostgreSQL backup failed: {error}") from None
    finally:
        raw.close()
    return census


def _version() -> str:
    try:
        return metadata.version("govhall")
    except metadata.PackageNotFoundError:
        return "unknown"


def _write_json(path: Path, data: dict) -> None:
    with open(path, "w", encoding="utf-8") as out:
        json.dump(data, out, ensure_ascii=False, indent=1)
        out.write("\n")
        out.flush()
        os.fsync(out.fileno())


def backup_create(path, *, force: bool = False, link_dest=None, using: str = "default") -> dict:
    """Back up the database ``using`` and the default storage's files into
    the directory ``path``; return the manifest. An existing non-empty
    ``path`` is refused unless ``force`` (then replaced once the new backup
    is complete). Files unchanged since the backup ``link_dest`` are hard
    links to its copies."""
    target = Path(path).absolute()
    previous = Path(link_dest).absolute() if link_dest else None
    known = _previous_files(previous) if previous else {}
    if target.exists() and not force and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target} exists and is not empty: choose a new path, or pass --force to replace it")
    if isinstance(default_storage, FileSystemStorage):
        media = Path(default_storage.location).resolve()
        if target.resolve() == media or media in target.resolve().parents:
            raise BackupError(f"{target} is inside the file storage {media}: the backup would copy itself")
    connection = connections[using]
    vendor = connection.vendor
    if vendor not in DUMPS:
        raise BackupError(f"cannot back up a {vendor} database (SQLite and PostgreSQL only)")
    target.parent.mkdir(parents=True, exist_ok=True)
    # Mode 0700: a backup holds personal data.
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent))
    try:
        # The database first, then the files: every file the dumped rows
        # name was stored before the snapshot, so it is in the copy.
        census = (_dump_sqlite if vendor == "sqlite" else _dump_postgresql)(connection, work)
        dump_size, dump_sha = _sha256_file(work / DUMPS[vendor])
        files = []
        for name in storage_names(default_storage):
            size, sha = _media_file(name, work / MEDIA / name, previous, known)
            files.append({"name": name, "size": size, "sha256": sha})
        manifest = {
            "format": FORMAT,
            "created_at": clock.now().isoformat(),
            "govhall_version": _version(),
            "database": {"vendor": vendor, "server_version": census["server_version"],
                         "dump": DUMPS[vendor], "size": dump_size, "sha256": dump_sha},
            "migrations": census["migrations"],
            "tables": census["tables"],
            "chains": census["chains"],
            "files": files,
        }
        _write_json(work / MANIFEST, manifest)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    if target.exists() or target.is_symlink():
        old = target.parent / f".{target.name}.{secrets.token_hex(4)}.old"
        target.rename(old)
        work.rename(target)
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old)
        else:
            old.unlink()
    else:
        work.rename(target)
    return manifest


# --- Checking a backup ----------------------------------------------------------

def backup_check(path) -> dict:
    """The manifest of the backup at ``path`` once its dump, chain heads and
    files match it (sizes and SHA-256); raise BackupError naming each
    difference otherwise."""
    folder = Path(path)
    if not (folder / MANIFEST).is_file():
        raise BackupError(f"{folder} is not a backup: it has no {MANIFEST}")
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT:
            raise BackupError(f"{folder / MANIFEST}: format {manifest.get('format')!r}, "
                              f"this govhall reads format {FORMAT}")
        vendor, dump = manifest["database"]["vendor"], manifest["database"]["dump"]
        expected = [(dump, manifest["database"]["size"], manifest["database"]["sha256"])]
        expected.append((manifest["chains"]["file"], None, manifest["chains"]["sha256"]))
        files = [(entry["name"], entry["size"], entry["sha256"]) for entry in manifest["files"]]
        tables = manifest["tables"]
        if vendor not in DUMPS or dump != DUMPS[vendor] or manifest["chains"]["file"] != HEADS or not isinstance(tables, dict):
            raise ValueError("unexpected database or chains entry")
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise BackupError(f"{folder / MANIFEST} is damaged: {error}") from None
    problems = []
    for name, size, sha in files:
        if not _safe_name(name):
            problems.append(f"file name {name!r} leaves the media folder")
    expected += [(f"{MEDIA}/{name}", size, sha) for name, size, sha in files if _safe_name(name)]
    for name, size, sha in expected:
        file = folder / name
        if not file.is_file():
            problems.append(f"{name} is missing")
            continue
        actual_size, actual_sha = _sha256_file(file)
        if actual_sha != sha or (size is not None and actual_size != size):
            problems.append(f"{name} differs from the manifest (SHA-256 {actual_sha[:12]}…, "
                            f"the manifest says {str(sha)[:12]}…)")
    if problems:
        raise BackupError(_listed(f"the backup {folder} does not match its manifest", problems))
    return manifest


def _listed(title: str, problems: list[str]) -> str:
    shown = problems[:SHOWN]
    more = f"\n  … and {len(problems) - SHOWN} more" if len(problems) > SHOWN else ""
    return f"{title}:\n  " + "\n  ".join(shown) + more


# --- Restore --------------------------------------------------------------------

def _contents(connection) -> dict[str, int]:
    """Row counts of the tables of ``connection`` that hold a hall's data."""
    if connection.vendor == "sqlite" and not Path(connection.settings_dict["NAME"]).exists():
        return {}
    with connection.cursor() as cursor:
        return {table: n for table, n in _counts(cursor, connection.vendor).items() if table not in BOOKKEEPING}


def _load_sqlite(connection, dump: Path) -> None:
    connection.close()
    with contextlib.ExitStack() as stack:
        try:
            source = stack.enter_context(contextlib.closing(
                sqlite3.connect(f"{dump.absolute().as_uri()}?mode=ro", uri=True)))
            target = stack.enter_context(contextlib.closing(
                sqlite3.connect(connection.settings_dict["NAME"], timeout=20)))
            # The backup API writes the whole database in one transaction: all or nothing.
            source.backup(target)
        except sqlite3.Error as error:
            raise BackupError(f"SQLite restore failed, the database is unchanged: {error}") from None


def _tail(file) -> str:
    file.seek(0)
    return "\n".join(file.read().decode("utf-8", "replace").strip().splitlines()[-10:])


def _load_postgresql(connection, dump: Path) -> None:
    """Replace the database's tables with the dump's in one transaction.

    ``pg_restore`` writes the SQL script of the dump, ``psql`` runs it after
    dropping the tables already there (with their partitions and sequences:
    ``pg_restore --clean`` alone cannot replace a partitioned table, it
    trips over the partitions' inherited constraints). This process pumps
    the script from one to the other and sends the COMMIT only once the
    script ended well: a dump that breaks halfway, or any failing
    statement, leaves the database as it was."""
    pg_restore, psql = pg_binary("pg_restore"), pg_binary("psql")
    env = pg_environment(connection.settings_dict)
    with connection.cursor() as cursor:
        tables = _tables(cursor, "postgresql")
    connection.close()
    opening = "SET client_min_messages = warning;\nBEGIN;\n"
    if tables:
        opening += f"DROP TABLE IF EXISTS {', '.join(_quote(table) for table in tables)} CASCADE;\n"
    with tempfile.TemporaryFile() as script_errors, tempfile.TemporaryFile() as run_errors:
        writer = subprocess.Popen(
            [pg_restore, "--clean", "--if-exists", "--no-owner", "--no-privileges", "--file=-", str(dump)],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=script_errors)
        runner = subprocess.Popen(
            [psql, "--no-psqlrc", "--quiet", "--no-password", "--set=ON_ERROR_STOP=1",
             f"--dbname={connection.settings_dict['NAME']}"],
            env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=run_errors)
        try:
            runner.stdin.write(opening.encode("utf-8"))
            while block := writer.stdout.read(CHUNK):
                runner.stdin.write(block)
            if writer.wait() == 0:
                runner.stdin.write(b"COMMIT;\n")
        except BrokenPipeError:  # psql stopped at a failing statement
            pass
        finally:
            with contextlib.suppress(BrokenPipeError):
                runner.stdin.close()  # without a COMMIT: the server rolls back
            writer.stdout.close()
            if writer.poll() is None:
                writer.kill()
            writer.wait()
            runner.wait()
        if runner.returncode != 0:
            raise BackupError(f"psql failed (exit {runner.returncode}): {_tail(run_errors)}\n"
                              "the restore was rolled back: the database is unchanged")
        if writer.returncode != 0:
            raise BackupError(f"pg_restore failed (exit {writer.returncode}): {_tail(script_errors)}\n"
                              "the restore was rolled back: the database is unchanged")


def _restore_files(folder: Path, manifest: dict, created: list[str]) -> None:
    """Copy the backup's files into the default storage; append the names
    created (not those replaced) to ``created``, so a failed restore can
    take them back."""
    for entry in manifest["files"]:
        name = entry["name"]
        existed = default_storage.exists(name)
        if existed:
            default_storage.delete(name)
        with open(folder / MEDIA / name, "rb") as source:
            saved = default_storage.save(name, File(source, name=name))
        if not existed:
            created.append(saved)
        if saved != name:
            raise BackupError(f"the storage saved {name} as {saved}")


def restore_differences(folder: Path, manifest: dict, *, using: str = "default") -> list[str]:
    """What the restored database and storage hold that the backup does not say:
    row counts, broken chains, chain heads, files. Empty when all agree."""
    from govhall.cases.events import chains_verify

    connection = connections[using]
    problems = []
    with connection.cursor() as cursor:
        counts = _counts(cursor, connection.vendor)
    for table in sorted(set(counts) | set(manifest["tables"])):
        have, want = counts.get(table), manifest["tables"].get(table)
        if have != want:
            problems.append(f"table {table}: {'no table' if have is None else f'{have} rows'}, "
                            f"the backup has {'no table' if want is None else f'{want} rows'}")
    problems += [f"case {item.case_number} event #{item.seq}: {item.reason}" for item in chains_verify()]
    digest = hashlib.sha256()
    with connection.cursor() as cursor:
        for line in _heads(cursor, "%s"):
            digest.update(line.encode("utf-8"))
    if digest.hexdigest() != manifest["chains"]["sha256"]:
        # Only now, to name the cases: the backup's heads in memory.
        with open(folder / HEADS, encoding="utf-8", newline="") as heads:
            backed_up = dict(line.rstrip("\n").split("\t", 1) for line in heads)
        with connection.cursor() as cursor:
            for line in _heads(cursor, "%s"):
                number, head = line.rstrip("\n").split("\t", 1)
                if backed_up.pop(number, None) != head:
                    problems.append(f"chain head of case {number} (event_seq, event_hash) is {head!r}, "
                                    f"not the backup's")
        problems += [f"case {number} of the backup is missing" for number in backed_up]
    for entry in manifest["files"]:
        name = entry["name"]
        if not default_storage.exists(name):
            problems.append(f"file {name} is missing from the storage")
        elif _storage_digest(default_storage, name)[1] != entry["sha256"]:
            problems.append(f"file {name} differs from the backup (SHA-256)")
    return problems


def backup_restore(path, *, force: bool = False, using: str = "default") -> dict:
    """Restore the backup at ``path`` into the database ``using`` and the
    default storage, then check the result against the manifest; return the
    manifest. A database holding data, or a storage holding files, is
    refused unless ``force``. Raises BackupError naming what is refused,
    failed or differs."""
    folder = Path(path)
    manifest = backup_check(folder)
    connection = connections[using]
    vendor = manifest["database"]["vendor"]
    if connection.vendor != vendor:
        raise BackupError(f"the backup is of a {vendor} database; the configured database is {connection.vendor}")
    if vendor == "postgresql":
        pg_binary("pg_restore"), pg_binary("psql")  # missing: say so before anything changes
        with connection.cursor() as cursor:
            extra = sorted(set(_tables(cursor, vendor)) - set(manifest["tables"]))
        if extra:
            # pg_restore --clean replaces the backup's tables only.
            raise BackupError(_listed("the database has tables the backup does not (another govhall version's "
                                      "migrations?); restore into an empty database (createdb), then migrate",
                                      extra))
    if not force:
        held = {table: n for table, n in _contents(connection).items() if n}
        if held:
            raise BackupError(_listed("the database is not empty; restore into an empty database, "
                                      "or pass --force to replace its data",
                                      [f"{table}: {n} rows" for table, n in sorted(held.items())]))
        stored = next(storage_names(default_storage), None)
        if stored is not None:
            raise BackupError(f"the file storage is not empty ({stored} …); restore into an empty storage, "
                              "or pass --force to replace the files of the backup")
    created: list[str] = []
    try:
        _restore_files(folder, manifest, created)
        if vendor == "sqlite":
            _load_sqlite(connection, folder / DUMPS[vendor])
        else:
            _load_postgresql(connection, folder / DUMPS[vendor])
    except BaseException:
        for name in created:
            default_storage.delete(name)
        raise
    finally:
        connection.close()
    problems = restore_differences(folder, manifest, using=using)
    if problems:
        raise BackupError(_listed("restored, but the result differs from the backup", problems))
    return manifest
