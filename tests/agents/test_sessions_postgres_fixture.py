"""The throwaway PostgreSQL fixture itself: a real server on loopback, one fresh database per test."""

import psycopg


def test_postgres_url_is_a_live_loopback_server(postgres_url):
    assert postgres_url.startswith("postgresql://postgres@127.0.0.1:")
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_fresh_postgres_db_is_empty_and_separate(fresh_postgres_db, postgres_url):
    assert fresh_postgres_db != postgres_url
    with psycopg.connect(fresh_postgres_db) as conn:
        conn.execute("CREATE TABLE t (x int)")
        conn.commit()
        rows = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
    assert rows == (1,)
