-- Settlements a gateway could not apply (the cluster did not answer in time): any gateway applies them
-- later, exactly once, since a settle is idempotent by (account, request id). A row leaves once applied;
-- one the account refused for good keeps its error for an operator.
CREATE TABLE settlement_journal (
    account_id    text        NOT NULL,
    request_id    text        NOT NULL,
    entry         jsonb       NOT NULL,
    journaled_at  timestamptz NOT NULL DEFAULT now(),
    attempts      integer     NOT NULL DEFAULT 0,
    claimed_until timestamptz NOT NULL DEFAULT '-infinity',
    failed_at     timestamptz,
    error         text,
    PRIMARY KEY (account_id, request_id)
);

CREATE INDEX settlement_journal_waiting ON settlement_journal (journaled_at) WHERE failed_at IS NULL;
