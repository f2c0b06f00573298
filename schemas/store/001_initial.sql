-- ctiflow store, version 1: IOCs, sightings per feed, feed state, runs and
-- what each output published. Lists (labels, malware, actors, sources) are
-- sorted and '\n'-separated; times are milliseconds since the epoch (UTC).
CREATE TABLE iocs (
    id          INTEGER PRIMARY KEY,
    type        TEXT NOT NULL,
    value       TEXT NOT NULL,
    hash_type   TEXT,
    port        INTEGER NOT NULL DEFAULT -1,
    first_seen  INTEGER,
    last_seen   INTEGER,
    valid_until INTEGER,
    confidence  INTEGER NOT NULL DEFAULT -1,
    tlp         INTEGER NOT NULL DEFAULT 0,
    labels      TEXT NOT NULL DEFAULT '',
    malware     TEXT NOT NULL DEFAULT '',
    actors      TEXT NOT NULL DEFAULT '',
    sources     TEXT NOT NULL DEFAULT '',
    comment     TEXT,
    created     INTEGER NOT NULL,
    created_run INTEGER NOT NULL,
    modified    INTEGER NOT NULL,
    mod_run     INTEGER NOT NULL,
    expired_at  INTEGER,
    UNIQUE (type, value)
);
CREATE INDEX iocs_mod_run ON iocs (mod_run);

CREATE TABLE feeds (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    last_attempt  INTEGER,
    last_success  INTEGER,
    last_change   INTEGER,
    last_error    TEXT,
    etag          TEXT,
    last_modified TEXT,
    iocs          INTEGER NOT NULL DEFAULT 0,
    rejected      INTEGER NOT NULL DEFAULT 0,
    failures      INTEGER NOT NULL DEFAULT 0
);

-- One row per (IOC, feed): where the feed listed it last and when.
CREATE TABLE sightings (
    ioc_id     INTEGER NOT NULL REFERENCES iocs (id),
    feed_id    INTEGER NOT NULL REFERENCES feeds (id),
    line       INTEGER NOT NULL DEFAULT 0,
    first_time INTEGER NOT NULL,
    last_time  INTEGER NOT NULL,
    last_run   INTEGER NOT NULL,
    gone       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (ioc_id, feed_id)
) WITHOUT ROWID;
CREATE INDEX sightings_feed ON sightings (feed_id, gone, last_run);

CREATE TABLE runs (
    id           INTEGER PRIMARY KEY,
    started      INTEGER NOT NULL,
    finished     INTEGER,
    feeds_ok     INTEGER NOT NULL DEFAULT 0,
    feeds_failed INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE outputs (
    name      TEXT PRIMARY KEY,
    last_run  INTEGER NOT NULL DEFAULT 0,
    last_time INTEGER
);

CREATE TABLE published (
    id     INTEGER PRIMARY KEY,
    output TEXT NOT NULL,
    run_id INTEGER NOT NULL,
    time   INTEGER NOT NULL,
    kind   TEXT NOT NULL,
    path   TEXT NOT NULL,
    count  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX published_output ON published (output, run_id);
