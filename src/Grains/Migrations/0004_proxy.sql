-- The proxy charges a stream the provider reported no usage for (cut, or a provider without it) by
-- counting what it relayed: such a row is an estimate, not the provider's figure.
ALTER TABLE usage_events ADD COLUMN estimated boolean NOT NULL DEFAULT false;
