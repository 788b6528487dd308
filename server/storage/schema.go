package storage

// Metadata is the metadata schema: users, identities, tokens, sessions,
// workspaces, members, idempotency records and settings. Timestamps are
// stored in UTC.
var Metadata = []Migration{
	{ID: "0001_identity", SQL: `
CREATE TABLE settings (
	key TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
CREATE TABLE users (
	id TEXT PRIMARY KEY,
	email TEXT,
	display_name TEXT NOT NULL DEFAULT '',
	avatar_url TEXT NOT NULL DEFAULT '',
	time_zone TEXT NOT NULL DEFAULT 'UTC',
	locale TEXT NOT NULL DEFAULT 'en',
	preferences TEXT NOT NULL DEFAULT '{}',
	admin BOOLEAN NOT NULL DEFAULT FALSE,
	deactivated_at {{ts}},
	created_at {{ts}} NOT NULL,
	updated_at {{ts}} NOT NULL
);
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE TABLE identities (
	id TEXT PRIMARY KEY,
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	issuer TEXT NOT NULL,
	subject TEXT NOT NULL,
	email TEXT NOT NULL DEFAULT '',
	created_at {{ts}} NOT NULL
);
CREATE UNIQUE INDEX identities_issuer_subject_key ON identities (issuer, subject);
CREATE INDEX identities_user_id_idx ON identities (user_id);
CREATE TABLE tokens (
	id TEXT PRIMARY KEY,
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	secret_hash TEXT NOT NULL,
	scopes TEXT NOT NULL,
	workspace_ids TEXT NOT NULL DEFAULT '[]',
	base_ids TEXT NOT NULL DEFAULT '[]',
	expires_at {{ts}},
	last_used_at {{ts}},
	revoked_at {{ts}},
	created_by TEXT NOT NULL DEFAULT '',
	created_at {{ts}} NOT NULL
);
CREATE INDEX tokens_user_id_idx ON tokens (user_id, created_at);
CREATE TABLE sessions (
	id TEXT PRIMARY KEY,
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	secret_hash TEXT NOT NULL,
	user_agent TEXT NOT NULL DEFAULT '',
	ip TEXT NOT NULL DEFAULT '',
	created_at {{ts}} NOT NULL,
	last_seen_at {{ts}} NOT NULL,
	idle_expires_at {{ts}} NOT NULL,
	expires_at {{ts}} NOT NULL,
	revoked_at {{ts}}
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);
CREATE TABLE workspaces (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	created_by TEXT NOT NULL,
	created_at {{ts}} NOT NULL,
	updated_at {{ts}} NOT NULL
);
CREATE TABLE members (
	workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
	user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
	email TEXT,
	role TEXT NOT NULL,
	created_at {{ts}} NOT NULL,
	CHECK (user_id IS NOT NULL OR email IS NOT NULL)
);
CREATE UNIQUE INDEX members_workspace_user_key ON members (workspace_id, user_id);
CREATE UNIQUE INDEX members_workspace_email_key ON members (workspace_id, email);
CREATE INDEX members_user_id_idx ON members (user_id);
CREATE INDEX members_pending_email_idx ON members (email);
CREATE TABLE idempotency_records (
	caller_id TEXT NOT NULL,
	request_id TEXT NOT NULL,
	procedure TEXT NOT NULL,
	request_hash TEXT NOT NULL,
	response {{bytes}} NOT NULL,
	created_at {{ts}} NOT NULL,
	PRIMARY KEY (caller_id, request_id)
);
CREATE INDEX idempotency_records_created_at_idx ON idempotency_records (created_at)
`},
	{ID: "0002_login_states", SQL: `
CREATE TABLE login_states (
	state_hash TEXT PRIMARY KEY,
	nonce TEXT NOT NULL,
	verifier TEXT NOT NULL,
	return_to TEXT NOT NULL DEFAULT '',
	created_at {{ts}} NOT NULL,
	expires_at {{ts}} NOT NULL
);
CREATE INDEX login_states_expires_at_idx ON login_states (expires_at)
`},
	{ID: "0003_credentials_epoch", SQL: `
INSERT INTO settings (key, value) VALUES ('credentials_epoch', '0')
`},
	{ID: "0004_bases_tables_fields", SQL: `
CREATE TABLE bases (
	id TEXT PRIMARY KEY,
	workspace_id TEXT NOT NULL REFERENCES workspaces (id),
	name TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	physical_schema TEXT NOT NULL,
	created_by TEXT NOT NULL,
	created_at {{ts}} NOT NULL,
	updated_at {{ts}} NOT NULL,
	deleted_at {{ts}},
	purge_at {{ts}}
);
CREATE INDEX bases_workspace_idx ON bases (workspace_id, created_at);
CREATE INDEX bases_purge_idx ON bases (purge_at);
CREATE TABLE user_tables (
	id TEXT PRIMARY KEY,
	base_id TEXT NOT NULL REFERENCES bases (id),
	name TEXT NOT NULL,
	name_key TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	primary_field_id TEXT NOT NULL DEFAULT '',
	physical_name TEXT NOT NULL,
	next_column INTEGER NOT NULL DEFAULT 1,
	etag TEXT NOT NULL,
	created_by TEXT NOT NULL,
	created_at {{ts}} NOT NULL,
	updated_at {{ts}} NOT NULL,
	deleted_at {{ts}},
	purge_at {{ts}}
);
CREATE INDEX user_tables_base_idx ON user_tables (base_id, created_at);
CREATE UNIQUE INDEX user_tables_name_key ON user_tables (base_id, name_key) WHERE deleted_at IS NULL;
CREATE INDEX user_tables_purge_idx ON user_tables (purge_at);
CREATE TABLE fields (
	id TEXT PRIMARY KEY,
	table_id TEXT NOT NULL REFERENCES user_tables (id),
	name TEXT NOT NULL,
	name_key TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	type TEXT NOT NULL,
	options TEXT NOT NULL DEFAULT '{}',
	required BOOLEAN NOT NULL DEFAULT FALSE,
	position INTEGER NOT NULL,
	column_name TEXT NOT NULL DEFAULT '',
	created_at {{ts}} NOT NULL,
	deleted_at {{ts}}
);
CREATE INDEX fields_table_idx ON fields (table_id, position);
CREATE UNIQUE INDEX fields_name_key ON fields (table_id, name_key) WHERE deleted_at IS NULL;
CREATE TABLE retired_columns (
	table_id TEXT NOT NULL REFERENCES user_tables (id),
	column_name TEXT NOT NULL,
	field_id TEXT NOT NULL,
	type TEXT NOT NULL,
	options TEXT NOT NULL DEFAULT '{}',
	retired_at {{ts}} NOT NULL,
	PRIMARY KEY (table_id, column_name)
)
`},
	{ID: "0005_indexes_operations", SQL: `
ALTER TABLE fields ADD COLUMN is_unique BOOLEAN NOT NULL DEFAULT FALSE;
CREATE TABLE table_indexes (
	id TEXT PRIMARY KEY,
	table_id TEXT NOT NULL REFERENCES user_tables (id),
	field_ids TEXT NOT NULL,
	is_unique BOOLEAN NOT NULL DEFAULT FALSE,
	physical_name TEXT NOT NULL,
	state TEXT NOT NULL,
	created_at {{ts}} NOT NULL
);
CREATE INDEX table_indexes_table_idx ON table_indexes (table_id, created_at);
CREATE TABLE operations (
	id TEXT PRIMARY KEY,
	kind TEXT NOT NULL,
	state TEXT NOT NULL,
	progress INTEGER NOT NULL DEFAULT 0,
	table_id TEXT NOT NULL,
	field_id TEXT NOT NULL DEFAULT '',
	index_id TEXT NOT NULL DEFAULT '',
	error TEXT NOT NULL DEFAULT '',
	attempts INTEGER NOT NULL DEFAULT 0,
	lease_owner TEXT NOT NULL DEFAULT '',
	lease_until {{ts}},
	created_by TEXT NOT NULL DEFAULT '',
	created_at {{ts}} NOT NULL,
	updated_at {{ts}} NOT NULL,
	ended_at {{ts}}
);
CREATE INDEX operations_table_idx ON operations (table_id, created_at);
CREATE INDEX operations_state_idx ON operations (state, lease_until)
`},
	{ID: "0006_schema_versions", SQL: `
CREATE TABLE schema_versions (
	id TEXT PRIMARY KEY,
	table_id TEXT NOT NULL,
	number INTEGER NOT NULL,
	summary TEXT NOT NULL,
	snapshot TEXT NOT NULL,
	author TEXT NOT NULL DEFAULT '',
	created_at {{ts}} NOT NULL
);
CREATE UNIQUE INDEX schema_versions_number_key ON schema_versions (table_id, number);
CREATE TABLE change_log (
	id TEXT PRIMARY KEY,
	kind TEXT NOT NULL,
	table_id TEXT NOT NULL,
	schema_version_id TEXT NOT NULL DEFAULT '',
	actor TEXT NOT NULL DEFAULT '',
	record_ids TEXT NOT NULL DEFAULT '[]',
	changes TEXT NOT NULL DEFAULT '{}',
	created_at {{ts}} NOT NULL
);
CREATE INDEX change_log_table_idx ON change_log (table_id, created_at)
`},
	{ID: "0007_views", SQL: `
CREATE TABLE views (
	id TEXT PRIMARY KEY,
	table_id TEXT NOT NULL REFERENCES user_tables (id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	name_key TEXT NOT NULL,
	kind TEXT NOT NULL,
	filter TEXT NOT NULL DEFAULT '',
	sorts TEXT NOT NULL DEFAULT '[]',
	visible_field_ids TEXT NOT NULL DEFAULT '[]',
	settings TEXT NOT NULL DEFAULT '{}',
	position INTEGER NOT NULL,
	created_by TEXT NOT NULL DEFAULT '',
	created_at {{ts}} NOT NULL,
	updated_at {{ts}} NOT NULL
);
CREATE UNIQUE INDEX views_name_key ON views (table_id, name_key);
CREATE INDEX views_table_idx ON views (table_id, position, id)
`},
	{ID: "0008_operation_payload", SQL: `
ALTER TABLE operations ADD COLUMN payload TEXT NOT NULL DEFAULT '{}';
ALTER TABLE operations ADD COLUMN result TEXT NOT NULL DEFAULT '{}'
`},
	// Change sets and stored responses run to a megabyte per batch of
	// 1000 records; lz4 compresses them several times faster than the
	// default pglz. PostgreSQL before 14, and builds without lz4, keep
	// pglz (the statements run through EXECUTE, so older servers do not
	// fail on the syntax).
	{ID: "0009_lz4_compression", Only: Postgres, SQL: `
DO $$ BEGIN IF current_setting('server_version_num')::int >= 140000 THEN EXECUTE 'ALTER TABLE change_log ALTER COLUMN changes SET COMPRESSION lz4'; EXECUTE 'ALTER TABLE change_log ALTER COLUMN record_ids SET COMPRESSION lz4'; EXECUTE 'ALTER TABLE idempotency_records ALTER COLUMN response SET COMPRESSION lz4'; END IF; EXCEPTION WHEN feature_not_supported THEN NULL; END $$
`},
}
