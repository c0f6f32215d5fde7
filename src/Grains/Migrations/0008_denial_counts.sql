-- Denied requests are counted, not kept one row each: a flood of bad keys must not add a row per request.
-- A denial row now stands for `requests` denials in the minute starting at created_at, with the same
-- reason, account, key, caller IP and model (gateways add to it with an upsert). It keeps no request id,
-- and only the key, account and model the cluster knows: the ones a caller makes up are null.
ALTER TABLE usage_events
    ADD COLUMN requests integer NOT NULL DEFAULT 1 CHECK (requests > 0),
    ALTER COLUMN request_id DROP NOT NULL,
    ALTER COLUMN model DROP NOT NULL,
    ADD CONSTRAINT usage_events_settled_request
        CHECK (denial IS NOT NULL OR (request_id IS NOT NULL AND model IS NOT NULL AND requests = 1));

-- The denials recorded one row each until now, counted the same way.
WITH single AS (DELETE FROM usage_events WHERE denial IS NOT NULL RETURNING *)
INSERT INTO usage_events (account_id, key_id, caller_ip, model, input_tokens, output_tokens, cost, charged, outcome, streamed,
    denial, requests, created_at)
SELECT account_id, key_id, caller_ip, model, sum(input_tokens), 0, 0, 0, 'denied', false, denial, count(*),
    date_trunc('minute', created_at, 'UTC')
FROM single
GROUP BY date_trunc('minute', created_at, 'UTC'), denial, account_id, key_id, caller_ip, model;

CREATE UNIQUE INDEX usage_events_denials_per_minute ON usage_events (created_at, denial, account_id, key_id, caller_ip, model)
    NULLS NOT DISTINCT WHERE denial IS NOT NULL;
