-- The IANA zone an account's calendar budgets follow (a day from local midnight); null is UTC.
ALTER TABLE accounts ADD COLUMN time_zone text;
