-- The operator console across a fleet: every gateway reads the same data-protection key ring (each key
-- encrypted with a key derived from the admin token), so a sign-in cookie or a form's antiforgery token
-- from one gateway works on another; and sessions live here, so signing out ends one on every gateway.
CREATE TABLE data_protection_keys (
    friendly_name text        PRIMARY KEY,
    xml           text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE operator_sessions (
    session_id text        PRIMARY KEY,
    opened_at  timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    ended_at   timestamptz
);

CREATE INDEX operator_sessions_expiry ON operator_sessions (expires_at);
