-- A database as main at 28fab14 (the retired runtime) left it: pg_dump --inserts after a LocalStack run that created
-- account acme (credit, an adjustment), key b31df2f9ac158677 (tg_b31df2f9ac158677_-kiVPWjQcFEYg9I9IOkwZX2TZUODm_-f6XJOLG4P97s),
-- a price and limits for gpt-4o-mini, caller IP limits (defaults, 203.0.113.7), one settled and one denied request.
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
    CONSTRAINT accounts_check CHECK ((balance >= (- overdraft_limit))),
    CONSTRAINT accounts_overdraft_limit_check CHECK ((overdraft_limit >= 0)),
    CONSTRAINT accounts_status_check CHECK ((status = ANY (ARRAY['active'::text, 'suspended'::text]))),
    CONSTRAINT accounts_version_check CHECK ((version > 0))
);


--
-- Name: grain_state; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.grain_state (
    grain_type text NOT NULL,
    grain_key text NOT NULL,
    version bigint NOT NULL,
    state jsonb NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT grain_state_version_check CHECK ((version > 0))
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
-- Name: partition_leases; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.partition_leases (
    partition_id integer NOT NULL,
    owner_address text,
    owner_generation bigint,
    epoch bigint DEFAULT 0 NOT NULL,
    expires_at timestamp with time zone DEFAULT '-infinity'::timestamp with time zone NOT NULL
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
-- Name: silo_generations; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.silo_generations
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: silos; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.silos (
    address text NOT NULL,
    generation bigint NOT NULL,
    status text DEFAULT 'active'::text NOT NULL,
    started_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    heartbeat_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    CONSTRAINT silos_status_check CHECK ((status = ANY (ARRAY['active'::text, 'stopping'::text, 'dead'::text])))
);


--
-- Name: usage_events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.usage_events (
    usage_id bigint NOT NULL,
    account_id text,
    request_id text NOT NULL,
    key_id text,
    caller_ip text,
    model text NOT NULL,
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
    CONSTRAINT usage_events_input_tokens_check CHECK ((input_tokens >= 0)),
    CONSTRAINT usage_events_output_tokens_check CHECK ((output_tokens >= 0)),
    CONSTRAINT usage_events_settled_check CHECK (((denial IS NOT NULL) OR ((account_id IS NOT NULL) AND (input_price IS NOT NULL) AND (output_price IS NOT NULL))))
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

INSERT INTO public.accounts VALUES ('acme', 4998896500, 1000, 'active', '[]', 4, '2026-12-01 23:05:26.675059+00', '2026-12-01 23:05:35.238978+00', '{"TokensPerDay": null, "MaxConcurrent": null, "TokensPerMinute": null, "RequestsPerMinute": null}', NULL);


--
-- Data for Name: grain_state; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.grain_state VALUES ('model', 'gpt-4o-mini', 2, '{"Limits": {"TokensPerDay": null, "MaxConcurrent": null, "TokensPerMinute": null, "RequestsPerMinute": 1000}, "Prices": [{"Actor": "admin", "EffectiveAt": "2026-12-01T23:05:26.8390675+00:00", "InputPerMillion": 150000000, "OutputPerMillion": 600000000}]}', '2026-12-01 23:05:26.893973+00');
INSERT INTO public.grain_state VALUES ('apikey', 'b31df2f9ac158677', 1, '{"Name": "prod", "Actor": "admin", "Limits": null, "AccountId": "acme", "CreatedAt": "2026-12-01T23:05:26.9870722+00:00", "RevokedAt": null, "RevokedBy": null, "SecretHash": "71a8e0480cf6f3cac5d675d92d606b03611da4b55a74ee6214090735856b957d"}', '2026-12-01 23:05:26.989056+00');
INSERT INTO public.grain_state VALUES ('ip', 'defaults', 1, '{"Actor": "admin", "Limits": {"TokensPerDay": null, "MaxConcurrent": null, "TokensPerMinute": null, "RequestsPerMinute": 100}}', '2026-12-01 23:05:27.044832+00');
INSERT INTO public.grain_state VALUES ('ip', '203.0.113.7', 1, '{"Actor": "admin", "Limits": {"TokensPerDay": null, "MaxConcurrent": null, "TokensPerMinute": null, "RequestsPerMinute": 7}}', '2026-12-01 23:05:27.077636+00');


--
-- Data for Name: ledger; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.ledger OVERRIDING SYSTEM VALUE VALUES (1, 'acme', 'adjust', 'initial', 5000000000, 5000000000, 5000000000, NULL, 'initial credit', 'admin', '2026-12-01 23:05:26.675059+00');
INSERT INTO public.ledger OVERRIDING SYSTEM VALUE VALUES (2, 'acme', 'adjust', 'adj-1', -1000000, 4999000000, -1000000, NULL, 'refund', 'ops', '2026-12-01 23:05:26.778738+00');
INSERT INTO public.ledger OVERRIDING SYSTEM VALUE VALUES (3, 'acme', 'settle', 'r1', -103500, 4998896500, 103500, 135000, NULL, NULL, '2026-12-01 23:05:28.314959+00');


--
-- Data for Name: partition_leases; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.partition_leases VALUES (0, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (1, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (2, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (3, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (4, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (5, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (6, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (7, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (8, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (9, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (10, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (11, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (12, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (13, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (14, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (15, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (16, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (17, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (18, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (19, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (20, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (21, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (22, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (23, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (24, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (25, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (26, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (27, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (28, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (29, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (30, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (31, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (32, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (33, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (34, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (35, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (36, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (37, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (38, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (39, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (40, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (41, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (42, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (43, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (44, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (46, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (47, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (48, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (49, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (50, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (51, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (52, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (45, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (53, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (54, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (55, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (56, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (57, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (58, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (59, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (60, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (61, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (62, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (63, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (64, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (65, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (66, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (67, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (68, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (69, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (70, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (71, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (72, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (73, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (74, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (75, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (76, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (77, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (78, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (79, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (80, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (81, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (82, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (83, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (84, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (85, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (86, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (87, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (88, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (89, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (90, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (91, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (92, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (93, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (94, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (95, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (96, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (97, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (98, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (99, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (100, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (101, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (102, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (103, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (104, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (105, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (106, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (114, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (115, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (116, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (117, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (118, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (119, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (120, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (121, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (122, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (123, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (124, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (125, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (126, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (127, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (128, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (129, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (130, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (131, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (132, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (133, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (134, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (135, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (136, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (137, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (138, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (139, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (140, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (141, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (142, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (143, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (144, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (145, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (146, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (147, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (148, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (107, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (108, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (109, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (110, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (111, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (112, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (113, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (149, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (150, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (151, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (152, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (153, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (154, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (155, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (156, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (157, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (158, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (159, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (160, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (161, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (162, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (163, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (164, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (165, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (166, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (167, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (168, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (169, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (170, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (171, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (172, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (173, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (174, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (175, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (176, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (177, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (178, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (179, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (180, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (181, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (182, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (183, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (184, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (185, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (186, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (187, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (188, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (189, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (190, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (191, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (192, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (193, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (194, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (195, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (196, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (197, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (198, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (199, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (200, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (201, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (202, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (203, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (204, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (205, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (206, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (207, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (208, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (209, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (210, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (211, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (948, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (949, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (950, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (951, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (952, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (953, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (954, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (955, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (956, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (957, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (958, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (959, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (960, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (961, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (962, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (963, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (964, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (965, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (966, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (967, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (968, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (212, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (213, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (214, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (215, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (216, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (217, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (218, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (219, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (220, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (221, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (222, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (223, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (224, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (225, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (226, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (227, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (228, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (229, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (230, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (231, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (232, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (233, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (234, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (235, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (236, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (237, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (238, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (239, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (240, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (241, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (242, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (243, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (244, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (245, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (246, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (247, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (248, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (249, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (250, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (251, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (252, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (253, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (254, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (255, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (256, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (257, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (258, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (259, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (260, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (261, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (262, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (263, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (264, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (265, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (266, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (267, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (268, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (269, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (270, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (271, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (272, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (273, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (274, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (275, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (276, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (277, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (278, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (279, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (280, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (281, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (282, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (283, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (284, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (285, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (286, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (287, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (288, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (289, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (290, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (291, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (292, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (293, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (294, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (295, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (296, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (297, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (298, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (299, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (300, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (301, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (302, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (303, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (304, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (305, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (306, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (307, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (308, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (309, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (310, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (311, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (312, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (313, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (314, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (315, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (316, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (317, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (318, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (319, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (320, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (321, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (322, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (323, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (324, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (325, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (326, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (327, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (328, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (329, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (330, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (331, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (332, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (333, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (334, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (335, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (336, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (337, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (338, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (339, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (340, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (341, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (342, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (343, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (344, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (345, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (346, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (347, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (348, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (349, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (350, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (351, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (352, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (353, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (354, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (355, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (356, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (357, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (358, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (359, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (360, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (361, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (362, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (363, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (364, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (365, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (366, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (367, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (368, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (369, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (370, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (371, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (372, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (373, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (374, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (375, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (376, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (377, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (378, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (379, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (380, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (381, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (382, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (383, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (384, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (385, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (386, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (387, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (388, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (389, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (390, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (391, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (392, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (393, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (394, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (395, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (396, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (397, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (398, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (399, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (400, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (401, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (402, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (403, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (404, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (405, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (406, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (407, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (408, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (409, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (410, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (411, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (412, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (413, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (414, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (415, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (416, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (417, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (418, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (419, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (420, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (421, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (422, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (423, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (424, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (425, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (426, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (427, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (428, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (429, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (430, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (431, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (432, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (433, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (434, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (435, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (436, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (437, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (438, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (439, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (440, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (441, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (442, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (443, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (444, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (445, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (446, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (447, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (448, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (449, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (450, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (451, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (452, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (453, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (454, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (455, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (456, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (457, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (458, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (459, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (460, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (461, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (462, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (463, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (464, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (465, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (466, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (467, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (468, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (469, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (470, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (471, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (472, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (473, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (474, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (475, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (476, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (477, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (478, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (479, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (480, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (481, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (482, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (483, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (484, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (485, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (486, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (487, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (488, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (489, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (490, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (491, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (492, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (493, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (494, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (495, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (496, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (497, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (498, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (499, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (500, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (501, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (502, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (503, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (504, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (505, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (506, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (507, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (508, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (509, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (510, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (511, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (512, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (513, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (514, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (515, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (516, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (517, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (518, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (519, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (520, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (521, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (522, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (523, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (524, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (525, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (526, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (527, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (528, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (529, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (530, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (531, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (532, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (533, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (534, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (535, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (536, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (537, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (538, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (539, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (540, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (541, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (542, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (543, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (544, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (545, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (546, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (547, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (548, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (549, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (550, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (551, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (552, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (553, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (554, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (555, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (556, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (557, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (558, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (559, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (560, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (561, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (562, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (563, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (564, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (565, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (566, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (567, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (568, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (569, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (570, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (571, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (572, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (573, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (574, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (575, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (576, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (577, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (578, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (579, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (580, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (581, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (582, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (583, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (584, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (585, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (586, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (587, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (588, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (589, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (590, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (591, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (592, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (593, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (594, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (595, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (596, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (597, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (598, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (599, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (600, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (601, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (602, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (603, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (604, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (605, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (606, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (607, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (608, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (609, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (610, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (611, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (612, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (613, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (614, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (615, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (616, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (617, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (618, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (619, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (620, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (621, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (622, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (623, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (624, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (625, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (626, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (627, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (628, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (629, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (630, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (631, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (632, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (633, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (634, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (635, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (636, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (637, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (638, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (639, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (640, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (641, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (642, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (643, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (644, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (645, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (646, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (647, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (648, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (649, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (650, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (651, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (652, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (653, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (654, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (655, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (656, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (657, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (658, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (659, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (660, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (661, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (662, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (663, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (664, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (665, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (666, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (667, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (668, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (669, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (670, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (671, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (672, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (673, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (674, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (675, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (676, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (677, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (678, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (679, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (680, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (681, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (682, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (683, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (684, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (685, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (686, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (687, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (688, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (689, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (690, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (691, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (692, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (693, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (694, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (695, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (696, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (697, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (698, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (699, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (700, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (701, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (702, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (703, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (704, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (705, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (706, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (707, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (708, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (709, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (710, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (711, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (712, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (713, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (714, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (715, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (716, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (717, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (718, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (719, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (720, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (721, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (722, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (723, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (724, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (725, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (726, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (727, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (728, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (729, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (730, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (731, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (732, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (733, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (734, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (735, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (736, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (737, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (738, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (739, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (740, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (741, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (742, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (743, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (744, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (745, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (746, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (747, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (748, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (749, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (750, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (751, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (752, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (753, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (754, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (755, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (756, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (757, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (758, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (759, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (760, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (761, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (762, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (763, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (764, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (765, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (766, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (767, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (768, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (769, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (770, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (771, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (772, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (773, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (774, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (775, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (776, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (777, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (778, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (779, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (780, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (781, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (782, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (783, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (784, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (785, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (786, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (787, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (788, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (789, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (790, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (791, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (792, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (793, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (794, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (795, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (796, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (797, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (798, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (799, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (800, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (801, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (802, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (803, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (804, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (805, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (806, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (807, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (808, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (809, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (810, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (811, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (812, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (813, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (814, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (815, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (816, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (817, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (818, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (819, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (820, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (821, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (822, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (823, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (824, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (825, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (826, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (827, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (828, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (829, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (830, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (831, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (832, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (833, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (834, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (835, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (836, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (837, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (838, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (839, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (840, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (841, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (842, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (843, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (844, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (845, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (846, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (847, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (848, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (849, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (850, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (851, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (852, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (853, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (854, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (855, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (856, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (857, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (858, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (859, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (860, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (861, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (862, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (863, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (864, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (865, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (866, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (867, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (868, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (869, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (870, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (871, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (872, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (873, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (874, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (875, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (876, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (877, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (878, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (879, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (880, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (881, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (882, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (883, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (884, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (885, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (886, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (887, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (888, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (889, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (890, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (891, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (892, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (893, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (894, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (895, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (896, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (897, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (898, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (899, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (900, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (901, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (902, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (903, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (904, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (905, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (906, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (907, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (908, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (909, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (910, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (911, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (912, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (913, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (914, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (915, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (916, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (917, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (918, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (919, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (920, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (921, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (922, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (923, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (924, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (925, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (926, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (927, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (928, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (929, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (930, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (931, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (932, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (933, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (934, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (935, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (936, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (937, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (938, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (939, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (940, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (941, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (942, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (943, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (944, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (945, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (946, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (947, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (969, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (970, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (971, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (972, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (973, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (974, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (975, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (976, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (977, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (978, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (979, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (980, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (981, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (982, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (983, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (984, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (985, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (986, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (987, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (988, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (989, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (990, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (991, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (992, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (993, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (994, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (995, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (996, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (997, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (998, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (999, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (1000, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (1001, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (1002, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (1003, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (1004, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (1005, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (1006, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (1007, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (1008, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (1009, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (1010, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (1011, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (1012, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (1013, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (1014, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (1015, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (1016, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (1017, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (1018, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (1019, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (1020, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (1021, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (1022, 'http://127.0.0.1:5190', 1, 1, '-infinity');
INSERT INTO public.partition_leases VALUES (1023, 'http://127.0.0.1:5190', 1, 1, '-infinity');


--
-- Data for Name: schema_migrations; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.schema_migrations VALUES ('runtime', 1, '0001_runtime', '2026-12-01 23:04:59.365729+00');
INSERT INTO public.schema_migrations VALUES ('runtime', 2, '0002_membership', '2026-12-01 23:04:59.384044+00');
INSERT INTO public.schema_migrations VALUES ('grains', 1, '0001_accounts', '2026-12-01 23:04:59.396951+00');
INSERT INTO public.schema_migrations VALUES ('grains', 2, '0002_usage', '2026-12-01 23:04:59.407509+00');
INSERT INTO public.schema_migrations VALUES ('grains', 3, '0003_metering', '2026-12-01 23:04:59.415889+00');


--
-- Data for Name: silos; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.silos VALUES ('http://127.0.0.1:5190', 1, 'dead', '2026-12-01 23:04:59.533719+00', '2026-12-01 23:05:34.581806+00');


--
-- Data for Name: usage_events; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.usage_events OVERRIDING SYSTEM VALUE VALUES (1, 'acme', 'r1', 'b31df2f9ac158677', '203.0.113.7', 'gpt-4o-mini', 90, 150, 150000000, 600000000, 103500, 103500, 'success', false, NULL, '2026-12-01 23:05:28.314959+00', 0, NULL, '2026-12-01 23:05:27.683+00');
INSERT INTO public.usage_events OVERRIDING SYSTEM VALUE VALUES (2, 'acme', 'r2', NULL, '203.0.113.8', 'unknown-model', 100, 0, NULL, NULL, 0, 0, 'denied', false, NULL, '2026-12-01 23:05:28.401501+00', 0, 'model_unknown', NULL);


--
-- Name: ledger_entry_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.ledger_entry_id_seq', 3, true);


--
-- Name: silo_generations; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.silo_generations', 1, true);


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
-- Name: grain_state grain_state_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.grain_state
    ADD CONSTRAINT grain_state_pkey PRIMARY KEY (grain_type, grain_key);


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
-- Name: partition_leases partition_leases_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.partition_leases
    ADD CONSTRAINT partition_leases_pkey PRIMARY KEY (partition_id);


--
-- Name: schema_migrations schema_migrations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (component, version);


--
-- Name: silos silos_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.silos
    ADD CONSTRAINT silos_pkey PRIMARY KEY (address, generation);


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
-- Name: usage_events_account_time; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX usage_events_account_time ON public.usage_events USING btree (account_id, created_at);


--
-- Name: usage_events_ip_time; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX usage_events_ip_time ON public.usage_events USING btree (caller_ip, created_at);


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
-- Name: usage_events usage_events_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.usage_events
    ADD CONSTRAINT usage_events_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(account_id);


--
-- PostgreSQL database dump complete
--


