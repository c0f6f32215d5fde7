-- A database as main at 1b99322 (before credit grants) left it: pg_dump --inserts after a LocalStack run that created
-- account acme (5 USD initial credit, +1 USD adj-1, -0.5 USD adj-2, request r1 settled, a monthly budget) and account
-- owing (overdraft 0.001 USD, debited 0.0008 USD: a negative balance), besides LocalStack's demo account, key and model.
-- The silos' membership rows are left out (they named processes long gone), and so are pg_dump's \restrict lines (psql commands).
--
--
-- PostgreSQL database dump
--


-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: accounts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.accounts (
    account_id text NOT NULL,
    balance bigint NOT NULL,
    overdraft_limit bigint NOT NULL,
    status text DEFAULT 'active'::text NOT NULL,
    reservations jsonb DEFAULT '[]'::jsonb NOT NULL,
    version bigint NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    limits jsonb,
    trial jsonb,
    windows jsonb,
    time_zone text,
    budgets jsonb,
    budget_spend jsonb DEFAULT '{}'::jsonb NOT NULL,
    CONSTRAINT accounts_check CHECK ((balance >= (- overdraft_limit))),
    CONSTRAINT accounts_overdraft_limit_check CHECK ((overdraft_limit >= 0)),
    CONSTRAINT accounts_status_check CHECK ((status = ANY (ARRAY['active'::text, 'suspended'::text]))),
    CONSTRAINT accounts_version_check CHECK ((version > 0))
);


--
-- Name: data_protection_keys; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.data_protection_keys (
    friendly_name text NOT NULL,
    xml text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: ledger; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.ledger (
    entry_id bigint NOT NULL,
    account_id text NOT NULL,
    kind text NOT NULL,
    op_key text NOT NULL,
    amount bigint NOT NULL,
    balance_after bigint NOT NULL,
    requested bigint NOT NULL,
    reserved bigint,
    reason text,
    actor text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT ledger_kind_check CHECK ((kind = ANY (ARRAY['adjust'::text, 'settle'::text, 'usage'::text])))
);


--
-- Name: ledger_entry_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.ledger ALTER COLUMN entry_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.ledger_entry_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: limit_windows; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.limit_windows (
    grain text NOT NULL,
    version bigint NOT NULL,
    state jsonb NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: operator_sessions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.operator_sessions (
    session_id text NOT NULL,
    opened_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    ended_at timestamp with time zone
);


--
-- Name: orleans_membership; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.orleans_membership (
    deployment_id text NOT NULL,
    address text NOT NULL,
    port integer NOT NULL,
    generation integer NOT NULL,
    silo_name text NOT NULL,
    host_name text NOT NULL,
    status integer NOT NULL,
    proxy_port integer NOT NULL,
    suspect_times text,
    start_time timestamp with time zone NOT NULL,
    i_am_alive_time timestamp with time zone NOT NULL
);


--
-- Name: orleans_membership_version; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.orleans_membership_version (
    deployment_id text NOT NULL,
    version integer DEFAULT 0 NOT NULL,
    changed_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: orleans_storage; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.orleans_storage (
    service_id text NOT NULL,
    state_name text NOT NULL,
    grain_id_n0 bigint NOT NULL,
    grain_id_n1 bigint NOT NULL,
    grain_key text NOT NULL,
    payload bytea,
    version integer NOT NULL,
    modified_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT orleans_storage_version_check CHECK ((version > 0))
);


--
-- Name: orleansquery; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.orleansquery (
    querykey text NOT NULL,
    querytext text NOT NULL
);


--
-- Name: schema_migrations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.schema_migrations (
    component text NOT NULL,
    version integer NOT NULL,
    name text NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: settlement_journal; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.settlement_journal (
    account_id text NOT NULL,
    request_id text NOT NULL,
    entry jsonb NOT NULL,
    journaled_at timestamp with time zone DEFAULT now() NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    claimed_until timestamp with time zone DEFAULT '-infinity'::timestamp with time zone NOT NULL,
    failed_at timestamp with time zone,
    error text
);


--
-- Name: usage_events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.usage_events (
    usage_id bigint NOT NULL,
    account_id text,
    request_id text,
    key_id text,
    caller_ip text,
    model text,
    input_tokens bigint NOT NULL,
    output_tokens bigint NOT NULL,
    input_price bigint,
    output_price bigint,
    cost bigint NOT NULL,
    charged bigint NOT NULL,
    outcome text NOT NULL,
    streamed boolean NOT NULL,
    latency_ms integer,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    trial_used bigint DEFAULT 0 NOT NULL,
    denial text,
    authorized_at timestamp with time zone,
    estimated boolean DEFAULT false NOT NULL,
    requests integer DEFAULT 1 NOT NULL,
    CONSTRAINT usage_events_input_tokens_check CHECK ((input_tokens >= 0)),
    CONSTRAINT usage_events_output_tokens_check CHECK ((output_tokens >= 0)),
    CONSTRAINT usage_events_requests_check CHECK ((requests > 0)),
    CONSTRAINT usage_events_settled_check CHECK (((denial IS NOT NULL) OR ((account_id IS NOT NULL) AND (input_price IS NOT NULL) AND (output_price IS NOT NULL)))),
    CONSTRAINT usage_events_settled_request CHECK (((denial IS NOT NULL) OR ((request_id IS NOT NULL) AND (model IS NOT NULL) AND (requests = 1))))
);


--
-- Name: usage_events_usage_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.usage_events ALTER COLUMN usage_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.usage_events_usage_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Data for Name: accounts; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.accounts VALUES ('owing', -800000, 1000000, 'active', '[]', 2, '2026-12-04 09:14:33.291463+00', '2026-12-04 09:14:33.327307+00', '{"TokensPerDay": null, "MaxConcurrent": null, "TokensPerMinute": null, "RequestsPerMinute": null}', NULL, NULL, NULL, NULL, '{}');
INSERT INTO public.accounts VALUES ('acme', 5498965000, 0, 'active', '[]', 6, '2026-12-04 09:14:32.860809+00', '2026-12-04 09:14:34.076349+00', '{"TokensPerDay": null, "MaxConcurrent": null, "TokensPerMinute": null, "RequestsPerMinute": null}', NULL, '{"Grants": [], "Requests": null, "Settings": {"TokensPerDay": null, "MaxConcurrent": null, "TokensPerMinute": null, "RequestsPerMinute": null}, "TokensPerDay": null, "TokensPerMinute": null}', NULL, '[{"Name": "monthly", "KeyId": null, "SetAt": "2026-12-04T09:14:33.3629651+00:00", "SetBy": "admin", "Anchor": "2026-12-04T09:14:33.3629651+00:00", "Period": "month", "SpendKey": "a/monthly", "TimeZone": null, "CapTokens": null, "CapNanoUsd": 3000000000, "ParsedPeriod": {"Unit": 2, "Length": 1, "IsCalendar": true}}]', '{"a/monthly": {"Start": 1796083200000, "Tokens": 2400, "NanoUsd": 1035000}}');
INSERT INTO public.accounts VALUES ('demo', 99999990100, 0, 'active', '[]', 6, '2026-12-04 09:14:09.825292+00', '2026-12-04 09:14:34.558356+00', '{"TokensPerDay": null, "MaxConcurrent": null, "TokensPerMinute": null, "RequestsPerMinute": null}', NULL, '{"Grants": [], "Requests": null, "Settings": {"TokensPerDay": null, "MaxConcurrent": null, "TokensPerMinute": null, "RequestsPerMinute": null}, "TokensPerDay": null, "TokensPerMinute": null}', NULL, '[{"Name": "monthly", "KeyId": null, "SetAt": "2026-12-04T09:14:33.4483884+00:00", "SetBy": "admin", "Anchor": "2026-12-04T09:14:33.4483884+00:00", "Period": "month", "SpendKey": "a/monthly", "TimeZone": "Europe/Berlin", "CapTokens": null, "CapNanoUsd": 5000000000, "ParsedPeriod": {"Unit": 2, "Length": 1, "IsCalendar": true}}]', '{"a/monthly": {"Start": 1796079600000, "Tokens": 18, "NanoUsd": 9900}}');


--
-- Data for Name: data_protection_keys; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.data_protection_keys VALUES ('key-cac0784d-c1b3-4520-a69f-4f9c3fe2bd45', '<key id="cac0784d-c1b3-4520-a69f-4f9c3fe2bd45" version="1"><creationDate>2026-12-04T09:14:08.8327556Z</creationDate><activationDate>2026-12-04T09:14:08.8327556Z</activationDate><expirationDate>2027-03-04T09:14:08.8327556Z</expirationDate><descriptor deserializerType="Microsoft.AspNetCore.DataProtection.AuthenticatedEncryption.ConfigurationModel.AuthenticatedEncryptorDescriptorDeserializer, Microsoft.AspNetCore.DataProtection, Version=10.0.0.0, Culture=neutral, PublicKeyToken=adb9793829ddae60"><descriptor><encryption algorithm="AES_256_CBC" /><validation algorithm="HMACSHA256" /><encryptedSecret decryptorType="Tollgate.Gateway.Operator.TokenKeyDecryptor, Tollgate.Gateway, Version=1.0.0.0, Culture=neutral, PublicKeyToken=null" xmlns="http://schemas.asp.net/2015/03/dataProtection"><encryptedKey xmlns=""><value>X2SeuXakogYQHpBQKbyHgxvPineJqXqyqor24/PINcDjtafLnDmLCdqSNy9hRQJkUMhsfdGA2w8h0yN5QJBFjM1TauNjqSx3hxYGgAIr3gQs3oErEEDuiGcPIiOIn9UmCswFSN53cOPDcsWgsxjSnix7opOMoEdN6ZGdVTF4t5IwIxrirUFcpWlCwr5pkbTszX9DQOt7zp8p5zTJ2Tq7LnmGAmqlvqI/OcFX7sKmASXvaF6fBfhWY94Y2GuYU0bt350YJ4XRY9HMxvIXCfJKdJOV/BDSrSEqvYjVsIjGz+hB4xxVxQ1vBgzC6aMKjDogS2eORlJYsFryHWxCQIhXFIBtQKUg9Envlm5gFf83rtfDH4fxHa7NQPwEWBwUaqXzai0bSAK7YRkb6w==</value></encryptedKey></encryptedSecret></descriptor></descriptor></key>', '2026-12-04 09:14:08.894133+00');


--
-- Data for Name: ledger; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.ledger OVERRIDING SYSTEM VALUE VALUES (1, 'demo', 'adjust', 'initial', 100000000000, 100000000000, 100000000000, NULL, 'initial credit', 'admin', '2026-12-04 09:14:09.825292+00');
INSERT INTO public.ledger OVERRIDING SYSTEM VALUE VALUES (2, 'acme', 'adjust', 'initial', 5000000000, 5000000000, 5000000000, NULL, 'initial credit', 'ops', '2026-12-04 09:14:32.860809+00');
INSERT INTO public.ledger OVERRIDING SYSTEM VALUE VALUES (3, 'acme', 'adjust', 'adj-1', 1000000000, 6000000000, 1000000000, NULL, 'top-up', 'ops', '2026-12-04 09:14:32.925848+00');
INSERT INTO public.ledger OVERRIDING SYSTEM VALUE VALUES (4, 'acme', 'adjust', 'adj-2', -500000000, 5500000000, -500000000, NULL, 'refund reversal', 'ops', '2026-12-04 09:14:32.954841+00');
INSERT INTO public.ledger OVERRIDING SYSTEM VALUE VALUES (5, 'acme', 'settle', 'r1', -1035000, 5498965000, 1035000, 1350000, NULL, NULL, '2026-12-04 09:14:33.254705+00');
INSERT INTO public.ledger OVERRIDING SYSTEM VALUE VALUES (6, 'owing', 'adjust', 'debit-1', -800000, -800000, -800000, NULL, 'usage billed elsewhere', 'ops', '2026-12-04 09:14:33.327307+00');
INSERT INTO public.ledger OVERRIDING SYSTEM VALUE VALUES (7, 'demo', 'settle', 'px_01a240557aab7ad3ac383a3eff414fee', -9900, 99999990100, 9900, 31200, NULL, NULL, '2026-12-04 09:14:33.673675+00');


--
-- Data for Name: limit_windows; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: operator_sessions; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: orleans_membership; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: orleans_membership_version; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: orleans_storage; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.orleans_storage VALUES ('tollgate', 'model', 0, 0, 's:gpt-4o-mini', '\x7b22507269636573223a5b7b22496e7075745065724d696c6c696f6e223a3135303030303030302c224f75747075745065724d696c6c696f6e223a3630303030303030302c224566666563746976654174223a22323032362d31322d30345430393a31343a30392e363933303938392b30303a3030222c224163746f72223a2261646d696e227d5d2c224c696d697473223a6e756c6c2c22526f757465223a7b2250726f7669646572223a2266616b65222c22557073747265616d4d6f64656c223a2266616b652d677074227d7d', 2, '2026-12-04 09:14:09.74557+00');
INSERT INTO public.orleans_storage VALUES ('tollgate', 'apikey', 0, 0, 's:36bd1a92488347a8', '\x7b224163636f756e744964223a2264656d6f222c2253656372657448617368223a2263356538323332396431666166396331303062633966333964363936663662303933346332663862373065393734633361656638316162613565313866353961222c224e616d65223a2264656d6f222c22437265617465644174223a22323032362d31322d30345430393a31343a30392e393139363033312b30303a3030222c225265766f6b65644174223a6e756c6c2c224163746f72223a2261646d696e222c225265766f6b65644279223a6e756c6c2c224c696d697473223a6e756c6c2c224d6f64656c73223a6e756c6c2c224d6f64656c735365744279223a6e756c6c2c224d6f64656c735365744174223a6e756c6c7d', 1, '2026-12-04 09:14:09.930821+00');


--
-- Data for Name: orleansquery; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.orleansquery VALUES ('InsertMembershipVersionKey', '
WITH created AS (
    INSERT INTO orleans_membership_version (deployment_id) VALUES (@DeploymentId)
    ON CONFLICT (deployment_id) DO NOTHING
    RETURNING 1)
SELECT EXISTS (SELECT 1 FROM created)
');
INSERT INTO public.orleansquery VALUES ('InsertMembershipKey', '
WITH bumped AS (
    UPDATE orleans_membership_version SET version = version + 1, changed_at = now()
    WHERE deployment_id = @DeploymentId AND version = @Version
      AND NOT EXISTS (SELECT 1 FROM orleans_membership
                      WHERE deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation)
    RETURNING deployment_id),
added AS (
    INSERT INTO orleans_membership (deployment_id, address, port, generation, silo_name, host_name, status, proxy_port, start_time, i_am_alive_time)
    SELECT deployment_id, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort, @StartTime, @IAmAliveTime FROM bumped
    RETURNING 1)
SELECT EXISTS (SELECT 1 FROM added)
');
INSERT INTO public.orleansquery VALUES ('UpdateMembershipKey', '
WITH bumped AS (
    UPDATE orleans_membership_version SET version = version + 1, changed_at = now()
    WHERE deployment_id = @DeploymentId AND version = @Version
      AND EXISTS (SELECT 1 FROM orleans_membership
                  WHERE deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation)
    RETURNING deployment_id),
changed AS (
    UPDATE orleans_membership m SET status = @Status, suspect_times = @SuspectTimes, i_am_alive_time = @IAmAliveTime
    FROM bumped
    WHERE m.deployment_id = bumped.deployment_id AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
    RETURNING 1)
SELECT EXISTS (SELECT 1 FROM changed)
');
INSERT INTO public.orleansquery VALUES ('UpdateIAmAlivetimeKey', '
UPDATE orleans_membership SET i_am_alive_time = @IAmAliveTime
WHERE deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation
');
INSERT INTO public.orleansquery VALUES ('MembershipReadRowKey', '
SELECT v.version AS "Version", m.address AS "Address", m.port AS "Port", m.generation AS "Generation",
       m.silo_name AS "SiloName", m.host_name AS "HostName", m.status AS "Status", m.proxy_port AS "ProxyPort",
       m.suspect_times AS "SuspectTimes", m.start_time AS "StartTime", m.i_am_alive_time AS "IAmAliveTime"
FROM orleans_membership_version v
LEFT JOIN orleans_membership m
       ON m.deployment_id = v.deployment_id AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
WHERE v.deployment_id = @DeploymentId
');
INSERT INTO public.orleansquery VALUES ('MembershipReadAllKey', '
SELECT v.version AS "Version", m.address AS "Address", m.port AS "Port", m.generation AS "Generation",
       m.silo_name AS "SiloName", m.host_name AS "HostName", m.status AS "Status", m.proxy_port AS "ProxyPort",
       m.suspect_times AS "SuspectTimes", m.start_time AS "StartTime", m.i_am_alive_time AS "IAmAliveTime"
FROM orleans_membership_version v
LEFT JOIN orleans_membership m ON m.deployment_id = v.deployment_id
WHERE v.deployment_id = @DeploymentId
');
INSERT INTO public.orleansquery VALUES ('GatewaysQueryKey', '
SELECT address AS "Address", proxy_port AS "ProxyPort", generation AS "Generation"
FROM orleans_membership
WHERE deployment_id = @DeploymentId AND status = @Status AND proxy_port > 0
');
INSERT INTO public.orleansquery VALUES ('DeleteMembershipTableEntriesKey', '
DELETE FROM orleans_membership_version WHERE deployment_id = @DeploymentId
');
INSERT INTO public.orleansquery VALUES ('CleanupDefunctSiloEntriesKey', '
DELETE FROM orleans_membership
WHERE deployment_id = @DeploymentId AND i_am_alive_time < @IAmAliveTime AND status <> 3
');
INSERT INTO public.orleansquery VALUES ('ReadFromStorageKey', '
SELECT payload AS "PayloadBinary", version AS "Version"
FROM orleans_storage
WHERE service_id = @ServiceId AND state_name = @GrainTypeString AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
  AND grain_key = coalesce(@GrainIdExtensionString, '''')
');
INSERT INTO public.orleansquery VALUES ('WriteToStorageKey', '
WITH updated AS (
    UPDATE orleans_storage SET payload = @PayloadBinary, version = version + 1, modified_at = now()
    WHERE @GrainStateVersion::integer IS NOT NULL
      AND service_id = @ServiceId AND state_name = @GrainTypeString AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
      AND grain_key = coalesce(@GrainIdExtensionString, '''') AND version = @GrainStateVersion::integer
    RETURNING version),
inserted AS (
    INSERT INTO orleans_storage (service_id, state_name, grain_id_n0, grain_id_n1, grain_key, payload, version)
    SELECT @ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, coalesce(@GrainIdExtensionString, ''''), @PayloadBinary, 1
    WHERE @GrainStateVersion::integer IS NULL
    ON CONFLICT DO NOTHING
    RETURNING version)
SELECT version AS "NewGrainStateVersion" FROM updated
UNION ALL
SELECT version FROM inserted
');
INSERT INTO public.orleansquery VALUES ('ClearStorageKey', '
UPDATE orleans_storage SET payload = NULL, version = version + 1, modified_at = now()
WHERE service_id = @ServiceId AND state_name = @GrainTypeString AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
  AND grain_key = coalesce(@GrainIdExtensionString, '''') AND version = @GrainStateVersion::integer
RETURNING version AS "NewGrainStateVersion"
');


--
-- Data for Name: schema_migrations; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.schema_migrations VALUES ('runtime', 1, '0001_runtime', '2026-12-04 09:14:05.132684+00');
INSERT INTO public.schema_migrations VALUES ('runtime', 2, '0002_membership', '2026-12-04 09:14:05.149291+00');
INSERT INTO public.schema_migrations VALUES ('runtime', 3, '0003_orleans', '2026-12-04 09:14:05.154263+00');
INSERT INTO public.schema_migrations VALUES ('grains', 1, '0001_accounts', '2026-12-04 09:14:05.182481+00');
INSERT INTO public.schema_migrations VALUES ('grains', 2, '0002_usage', '2026-12-04 09:14:05.194833+00');
INSERT INTO public.schema_migrations VALUES ('grains', 3, '0003_metering', '2026-12-04 09:14:05.207352+00');
INSERT INTO public.schema_migrations VALUES ('grains', 4, '0004_proxy', '2026-12-04 09:14:05.214432+00');
INSERT INTO public.schema_migrations VALUES ('grains', 5, '0005_limit_windows', '2026-12-04 09:14:05.215478+00');
INSERT INTO public.schema_migrations VALUES ('grains', 6, '0006_settlement_journal', '2026-12-04 09:14:05.219026+00');
INSERT INTO public.schema_migrations VALUES ('grains', 7, '0007_operator_sessions', '2026-12-04 09:14:05.22407+00');
INSERT INTO public.schema_migrations VALUES ('grains', 8, '0008_denial_counts', '2026-12-04 09:14:05.230348+00');
INSERT INTO public.schema_migrations VALUES ('grains', 9, '0009_account_time_zone', '2026-12-04 09:14:05.235943+00');
INSERT INTO public.schema_migrations VALUES ('grains', 10, '0010_budgets', '2026-12-04 09:14:05.238077+00');


--
-- Data for Name: settlement_journal; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: usage_events; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.usage_events OVERRIDING SYSTEM VALUE VALUES (1, 'acme', 'r1', NULL, '203.0.113.7', 'gpt-4o-mini', 900, 1500, 150000000, 600000000, 1035000, 1035000, 'success', false, NULL, '2026-12-04 09:14:33.254705+00', 0, NULL, '2026-12-04 09:14:33.039+00', false, 1);
INSERT INTO public.usage_events OVERRIDING SYSTEM VALUE VALUES (2, 'demo', 'px_01a240557aab7ad3ac383a3eff414fee', '36bd1a92488347a8', '127.0.0.1', 'gpt-4o-mini', 2, 16, 150000000, 600000000, 9900, 9900, 'success', false, 103, '2026-12-04 09:14:33.673675+00', 0, NULL, '2026-12-04 09:14:33.554+00', false, 1);


--
-- Name: ledger_entry_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.ledger_entry_id_seq', 7, true);


--
-- Name: usage_events_usage_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.usage_events_usage_id_seq', 2, true);


--
-- Name: accounts accounts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.accounts
    ADD CONSTRAINT accounts_pkey PRIMARY KEY (account_id);


--
-- Name: data_protection_keys data_protection_keys_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.data_protection_keys
    ADD CONSTRAINT data_protection_keys_pkey PRIMARY KEY (friendly_name);


--
-- Name: ledger ledger_account_id_kind_op_key_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ledger
    ADD CONSTRAINT ledger_account_id_kind_op_key_key UNIQUE (account_id, kind, op_key);


--
-- Name: ledger ledger_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ledger
    ADD CONSTRAINT ledger_pkey PRIMARY KEY (entry_id);


--
-- Name: limit_windows limit_windows_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.limit_windows
    ADD CONSTRAINT limit_windows_pkey PRIMARY KEY (grain);


--
-- Name: operator_sessions operator_sessions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.operator_sessions
    ADD CONSTRAINT operator_sessions_pkey PRIMARY KEY (session_id);


--
-- Name: orleans_membership orleans_membership_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.orleans_membership
    ADD CONSTRAINT orleans_membership_pkey PRIMARY KEY (deployment_id, address, port, generation);


--
-- Name: orleans_membership_version orleans_membership_version_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.orleans_membership_version
    ADD CONSTRAINT orleans_membership_version_pkey PRIMARY KEY (deployment_id);


--
-- Name: orleans_storage orleans_storage_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.orleans_storage
    ADD CONSTRAINT orleans_storage_pkey PRIMARY KEY (service_id, state_name, grain_id_n0, grain_id_n1, grain_key);


--
-- Name: orleansquery orleansquery_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.orleansquery
    ADD CONSTRAINT orleansquery_pkey PRIMARY KEY (querykey);


--
-- Name: schema_migrations schema_migrations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (component, version);


--
-- Name: settlement_journal settlement_journal_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.settlement_journal
    ADD CONSTRAINT settlement_journal_pkey PRIMARY KEY (account_id, request_id);


--
-- Name: usage_events usage_events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.usage_events
    ADD CONSTRAINT usage_events_pkey PRIMARY KEY (usage_id);


--
-- Name: ledger_account_recent; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ledger_account_recent ON public.ledger USING btree (account_id, entry_id DESC);


--
-- Name: operator_sessions_expiry; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX operator_sessions_expiry ON public.operator_sessions USING btree (expires_at);


--
-- Name: settlement_journal_waiting; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX settlement_journal_waiting ON public.settlement_journal USING btree (journaled_at) WHERE (failed_at IS NULL);


--
-- Name: usage_events_account_authorized; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX usage_events_account_authorized ON public.usage_events USING btree (account_id, COALESCE(authorized_at, created_at)) WHERE (denial IS NULL);


--
-- Name: usage_events_account_time; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX usage_events_account_time ON public.usage_events USING btree (account_id, created_at);


--
-- Name: usage_events_denials_per_minute; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX usage_events_denials_per_minute ON public.usage_events USING btree (created_at, denial, account_id, key_id, caller_ip, model) NULLS NOT DISTINCT WHERE (denial IS NOT NULL);


--
-- Name: usage_events_ip_time; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX usage_events_ip_time ON public.usage_events USING btree (caller_ip, created_at);


--
-- Name: usage_events_key_authorized; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX usage_events_key_authorized ON public.usage_events USING btree (key_id, COALESCE(authorized_at, created_at)) WHERE ((denial IS NULL) AND (key_id IS NOT NULL));


--
-- Name: usage_events_key_time; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX usage_events_key_time ON public.usage_events USING btree (key_id, created_at);


--
-- Name: usage_events_model_time; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX usage_events_model_time ON public.usage_events USING btree (model, created_at);


--
-- Name: usage_events_outcome_time; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX usage_events_outcome_time ON public.usage_events USING btree (outcome, created_at);


--
-- Name: usage_events_settled_once; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX usage_events_settled_once ON public.usage_events USING btree (account_id, request_id) WHERE (denial IS NULL);


--
-- Name: usage_events_time; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX usage_events_time ON public.usage_events USING btree (created_at);


--
-- Name: ledger ledger_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ledger
    ADD CONSTRAINT ledger_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(account_id);


--
-- Name: orleans_membership orleans_membership_deployment_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.orleans_membership
    ADD CONSTRAINT orleans_membership_deployment_id_fkey FOREIGN KEY (deployment_id) REFERENCES public.orleans_membership_version(deployment_id) ON DELETE CASCADE;


--
-- Name: usage_events usage_events_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.usage_events
    ADD CONSTRAINT usage_events_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(account_id);


--
-- PostgreSQL database dump complete
--


