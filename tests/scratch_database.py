"""The database of a benchmark or load run: dropped and created anew, on the server the
connection's settings name (the `postgres` maintenance database does the dropping)."""

import psycopg
from django.db import connection


def recreate_database() -> None:
    settings = dict(connection.settings_dict)
    params = {
        "dbname": "postgres",
        "user": settings["USER"],
        "password": settings["PASSWORD"] or None,
        "host": settings["HOST"] or settings["OPTIONS"].get("host"),
        "port": settings["PORT"] or None,
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{settings["NAME"]}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{settings["NAME"]}"')
    connection.close()
