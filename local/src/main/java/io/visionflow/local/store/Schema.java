package io.visionflow.local.store;

import java.util.List;

/** The tables of each schema version: a new database runs every list in order, an older one the lists it lacks ({@code Db.migrate}). */
final class Schema {
    private Schema() {
    }

    static final List<String> V1 = List.of(
            """
            CREATE TABLE accounts (
              id TEXT PRIMARY KEY, name TEXT, webhook_secret TEXT, created INTEGER)""",
            // only SHA-256 hashes of tokens, never tokens
            "CREATE TABLE tokens (hash TEXT PRIMARY KEY, account TEXT NOT NULL)",
            // one row per flow pointing at its latest version; seq keeps creation order for listings
            """
            CREATE TABLE flows (
              seq INTEGER PRIMARY KEY AUTOINCREMENT,
              account TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL, created INTEGER NOT NULL,
              UNIQUE (account, id))""",
            """
            CREATE TABLE flow_versions (
              account TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL,
              definition TEXT NOT NULL, valid INTEGER NOT NULL, invalid_reason TEXT, updated INTEGER NOT NULL,
              PRIMARY KEY (account, id, version)) WITHOUT ROWID""",
            """
            CREATE TABLE tasks (
              seq INTEGER PRIMARY KEY AUTOINCREMENT,
              account TEXT NOT NULL, id TEXT NOT NULL, kind TEXT NOT NULL, version INTEGER NOT NULL,
              task TEXT NOT NULL, created INTEGER NOT NULL, updated INTEGER NOT NULL,
              UNIQUE (account, id))""",
            "CREATE INDEX tasks_by_kind ON tasks (account, kind, seq)",
            """
            CREATE TABLE requests (
              seq INTEGER PRIMARY KEY AUTOINCREMENT,
              account TEXT NOT NULL, id TEXT NOT NULL, type TEXT NOT NULL, status TEXT NOT NULL,
              payload TEXT, response TEXT, error TEXT, created INTEGER NOT NULL, updated INTEGER NOT NULL,
              UNIQUE (account, id))""",
            "CREATE INDEX requests_newest ON requests (account, created, seq)",
            // the ids of counted charges: a redelivered step finds its id here and adds nothing
            """
            CREATE TABLE charges (
              account TEXT NOT NULL, charge_id TEXT NOT NULL,
              PRIMARY KEY (account, charge_id)) WITHOUT ROWID""",
            """
            CREATE TABLE usage (
              account TEXT NOT NULL, day TEXT NOT NULL, flow TEXT NOT NULL, credits INTEGER NOT NULL,
              PRIMARY KEY (account, day, flow)) WITHOUT ROWID""");


    /** Version 2: the monthly credit limit of an account (NULL: no limit). */
    static final List<String> V2 = List.of("ALTER TABLE accounts ADD COLUMN monthly_credits INTEGER");

    /** Every version's statements, in order: {@code ALL.get(v - 1)} brings version v - 1 to v. */
    static final List<List<String>> ALL = List.of(V1, V2);
}
