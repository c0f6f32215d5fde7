-- Accounts: the persisted part of the account grain. Money is nano-USD (1e-9 USD) in bigint.
-- reservations is written when the activation is flushed (deactivation, handoff); a crash loses
-- newer holds (never money): their settlements arrive as late settlements.
CREATE TABLE accounts (
    account_id      text        PRIMARY KEY,
    balance         bigint      NOT NULL,
    overdraft_limit bigint      NOT NULL CHECK (overdraft_limit >= 0),
    status          text        NOT NULL DEFAULT 'active',
    reservations    jsonb       NOT NULL DEFAULT '[]',
    version         bigint      NOT NULL CHECK (version > 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (balance >= -overdraft_limit)
);

-- Every balance change, written in the same transaction as the balance: per account the sum of
-- amount equals accounts.balance. Idempotent by (account, kind, key): a settlement's request id,
-- an adjustment's idempotency key. Rows are never updated; corrections are new rows.
CREATE TABLE ledger (
    entry_id      bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id    text        NOT NULL REFERENCES accounts (account_id),
    kind          text        NOT NULL CHECK (kind IN ('adjust', 'settle')),
    op_key        text        NOT NULL,
    amount        bigint      NOT NULL,   -- signed change of the balance
    balance_after bigint      NOT NULL,
    requested     bigint      NOT NULL,   -- adjust: the amount asked; settle: the actual cost
    reserved      bigint,                 -- settle: the reservation released (0 for a late settlement)
    reason        text,
    actor         text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (account_id, kind, op_key)
);

-- The account page reads the newest entries of one account.
CREATE INDEX ledger_account_recent ON ledger (account_id, entry_id DESC);
