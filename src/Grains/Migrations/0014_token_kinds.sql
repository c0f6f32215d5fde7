-- Every kind of token a provider prices apart, each a part of the row's input or output tokens (as OpenAI counts
-- them: prompt tokens include cached and audio ones, completion tokens reasoning and audio ones).
ALTER TABLE usage_events
    ADD COLUMN cached_input_tokens   bigint NOT NULL DEFAULT 0,
    ADD COLUMN cache_write_5m_tokens bigint NOT NULL DEFAULT 0,
    ADD COLUMN cache_write_1h_tokens bigint NOT NULL DEFAULT 0,
    ADD COLUMN reasoning_tokens      bigint NOT NULL DEFAULT 0,
    ADD COLUMN audio_input_tokens    bigint NOT NULL DEFAULT 0,
    ADD COLUMN audio_output_tokens   bigint NOT NULL DEFAULT 0,
    -- The price's components beyond input_price and output_price, as captured (null: none; see Price.Extras).
    ADD COLUMN price_extras          jsonb;

-- The parts never exceed their totals: the grain checks it before it writes, the database asserts it. NOT VALID: rows
-- written before have no parts, and an upgrade must not scan the whole table to learn that.
ALTER TABLE usage_events ADD CONSTRAINT usage_events_token_parts CHECK (
    least(cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens) >= 0
    AND cached_input_tokens + cache_write_5m_tokens + cache_write_1h_tokens + audio_input_tokens <= input_tokens
    AND reasoning_tokens + audio_output_tokens <= output_tokens) NOT VALID;
