"""Print the local PostgreSQL test URL if a server answers there; print
nothing otherwise. Used by `make test` to decide on the PostgreSQL run."""

import sys

URL = "postgres://postgres@127.0.0.1:5432/test"

try:
    import psycopg

    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=test", connect_timeout=3):
        pass
except Exception:  # no server, no database, no driver: no PostgreSQL run
    sys.exit(0)
print(URL)
