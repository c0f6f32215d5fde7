-- An account's credit is a set of grants: charges draw from those in effect, by priority (lower first), then soonest
-- expiry. The account's balance is what its open grants hold, less its debt (what charges took beyond them).
CREATE TABLE credit_grants (
    account_id   text        NOT NULL REFERENCES accounts (account_id),
    grant_id     text        NOT NULL,
    kind         text        NOT NULL CHECK (kind IN ('paid', 'promotional')),
    amount       bigint      NOT NULL CHECK (amount > 0),
    remaining    bigint      NOT NULL CHECK (remaining >= 0 AND remaining <= amount),
    priority     integer     NOT NULL CHECK (priority BETWEEN 0 AND 100),
    effective_at timestamptz NOT NULL,
    expires_at   timestamptz CHECK (expires_at > effective_at),
    reason       text,
    actor        text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    closed_at    timestamptz,             -- written off: expired or voided (a used-up grant just has nothing left)
    closed_as    text        CHECK (closed_as IN ('expired', 'voided')),
    PRIMARY KEY (account_id, grant_id)
);
CREATE INDEX credit_grants_open ON credit_grants (account_id) WHERE remaining > 0 AND closed_at IS NULL;

-- Which grants (or the debt, grant_id null) each entry drew from or added to: [{"grant_id": ..., "amount": ...}].
ALTER TABLE ledger ADD COLUMN grants jsonb;
ALTER TABLE ledger DROP CONSTRAINT ledger_kind_check;
ALTER TABLE ledger ADD CONSTRAINT ledger_kind_check CHECK (kind IN ('adjust', 'settle', 'usage', 'grant', 'expire', 'void_grant'));

-- Today's balances become one paid grant each, without expiry; a negative balance is a debt and needs none.
INSERT INTO credit_grants (account_id, grant_id, kind, amount, remaining, priority, effective_at, reason, actor)
SELECT account_id, 'balance', 'paid', balance, balance, 50, created_at, 'the balance before credit grants', 'migration'
FROM accounts WHERE balance > 0;
