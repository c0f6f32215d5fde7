-- The cluster now runs on Microsoft Orleans. Its ADO.NET providers read their SQL from OrleansQuery
-- (QueryKey, QueryText) at start and bind parameters by name (@DeploymentId, ...); result columns
-- are read by name, so every query names its columns as the provider expects. This is Tollgate's
-- own schema for that contract (no package ships one for PostgreSQL).

-- The retired runtime's partition leases and membership: Orleans does both now.
DROP TABLE partition_leases;
DROP TABLE silos;
DROP SEQUENCE silo_generations;

CREATE TABLE OrleansQuery (
    QueryKey  text PRIMARY KEY,
    QueryText text NOT NULL
);

-- Membership: one version row per cluster (deployment); every change of a member row bumps it, so
-- silos that read the table at version N can only write over N (Orleans' membership protocol).
CREATE TABLE orleans_membership_version (
    deployment_id text        PRIMARY KEY,
    version       integer     NOT NULL DEFAULT 0,
    changed_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE orleans_membership (
    deployment_id   text        NOT NULL REFERENCES orleans_membership_version (deployment_id) ON DELETE CASCADE,
    address         text        NOT NULL,
    port            integer     NOT NULL,
    generation      integer     NOT NULL,
    silo_name       text        NOT NULL,
    host_name       text        NOT NULL,
    status          integer     NOT NULL,   -- Orleans SiloStatus: 3 active, 6 dead
    proxy_port      integer     NOT NULL,   -- the gateway port clients connect to (0: none)
    suspect_times   text,                   -- "silo,time|silo,time" as Orleans formats it
    start_time      timestamptz NOT NULL,
    i_am_alive_time timestamptz NOT NULL,
    PRIMARY KEY (deployment_id, address, port, generation)
);

-- Grain state (API keys, models, caller IP settings). Keyed by what identifies a state: the service,
-- the state name (unique per grain type in Tollgate), and the grain key; a primary key, so two rows
-- can never claim one grain. version is the ETag: a write must name the version it read.
CREATE TABLE orleans_storage (
    service_id     text        NOT NULL,
    state_name     text        NOT NULL,
    grain_id_n0    bigint      NOT NULL,
    grain_id_n1    bigint      NOT NULL,
    grain_key      text        NOT NULL,   -- the string key, or the extension of an integer or Guid key ('' for none)
    payload        bytea,                  -- null once cleared
    version        integer     NOT NULL CHECK (version > 0),
    modified_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (service_id, state_name, grain_id_n0, grain_id_n1, grain_key)
);

-- State kept by the retired runtime moves over as it is: the same JSON documents, under the default
-- service id ('tollgate'; a cluster configured with another one must copy these rows to it). Keys are
-- stored with the prefix 's:' (see AdoNetStorageAdapter in the silo).
INSERT INTO orleans_storage (service_id, state_name, grain_id_n0, grain_id_n1, grain_key, payload, version, modified_at)
SELECT 'tollgate', grain_type, 0, 0, 's:' || grain_key, convert_to(state::text, 'UTF8'), version::integer, updated_at
FROM grain_state;
DROP TABLE grain_state;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES

-- Creates the cluster's version row if missing; answers whether this call created it.
('InsertMembershipVersionKey', $q$
WITH created AS (
    INSERT INTO orleans_membership_version (deployment_id) VALUES (@DeploymentId)
    ON CONFLICT (deployment_id) DO NOTHING
    RETURNING 1)
SELECT EXISTS (SELECT 1 FROM created)
$q$),

-- Adds a silo, only if the table is still at @Version and the silo is not there yet; bumps the version.
('InsertMembershipKey', $q$
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
$q$),

-- Changes a silo's status and suspicions, only if the table is still at @Version; bumps the version.
('UpdateMembershipKey', $q$
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
$q$),

-- The heartbeat: not a membership change, so the version stays.
('UpdateIAmAlivetimeKey', $q$
UPDATE orleans_membership SET i_am_alive_time = @IAmAliveTime
WHERE deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation
$q$),

-- One silo's row with the table version (the version row alone when the silo is unknown).
('MembershipReadRowKey', $q$
SELECT v.version AS "Version", m.address AS "Address", m.port AS "Port", m.generation AS "Generation",
       m.silo_name AS "SiloName", m.host_name AS "HostName", m.status AS "Status", m.proxy_port AS "ProxyPort",
       m.suspect_times AS "SuspectTimes", m.start_time AS "StartTime", m.i_am_alive_time AS "IAmAliveTime"
FROM orleans_membership_version v
LEFT JOIN orleans_membership m
       ON m.deployment_id = v.deployment_id AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
WHERE v.deployment_id = @DeploymentId
$q$),

-- Every silo with the table version (the version row alone when there are none).
('MembershipReadAllKey', $q$
SELECT v.version AS "Version", m.address AS "Address", m.port AS "Port", m.generation AS "Generation",
       m.silo_name AS "SiloName", m.host_name AS "HostName", m.status AS "Status", m.proxy_port AS "ProxyPort",
       m.suspect_times AS "SuspectTimes", m.start_time AS "StartTime", m.i_am_alive_time AS "IAmAliveTime"
FROM orleans_membership_version v
LEFT JOIN orleans_membership m ON m.deployment_id = v.deployment_id
WHERE v.deployment_id = @DeploymentId
$q$),

-- Where clients connect: the gateways of silos in @Status (active).
('GatewaysQueryKey', $q$
SELECT address AS "Address", proxy_port AS "ProxyPort", generation AS "Generation"
FROM orleans_membership
WHERE deployment_id = @DeploymentId AND status = @Status AND proxy_port > 0
$q$),

('DeleteMembershipTableEntriesKey', $q$
DELETE FROM orleans_membership_version WHERE deployment_id = @DeploymentId
$q$),

-- Forgets silos that are no longer active and have not been heard of since @IAmAliveTime.
('CleanupDefunctSiloEntriesKey', $q$
DELETE FROM orleans_membership
WHERE deployment_id = @DeploymentId AND i_am_alive_time < @IAmAliveTime AND status <> 3
$q$),

('ReadFromStorageKey', $q$
SELECT payload AS "PayloadBinary", version AS "Version"
FROM orleans_storage
WHERE service_id = @ServiceId AND state_name = @GrainTypeString AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
  AND grain_key = coalesce(@GrainIdExtensionString, '')
$q$),

-- Writes over the version the grain read (@GrainStateVersion; null: it read nothing, so insert).
-- Answers the new version, or no row when the stored version differs: Orleans then raises
-- InconsistentStateException, and the grain's activation is discarded.
('WriteToStorageKey', $q$
WITH updated AS (
    UPDATE orleans_storage SET payload = @PayloadBinary, version = version + 1, modified_at = now()
    WHERE @GrainStateVersion::integer IS NOT NULL
      AND service_id = @ServiceId AND state_name = @GrainTypeString AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
      AND grain_key = coalesce(@GrainIdExtensionString, '') AND version = @GrainStateVersion::integer
    RETURNING version),
inserted AS (
    INSERT INTO orleans_storage (service_id, state_name, grain_id_n0, grain_id_n1, grain_key, payload, version)
    SELECT @ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, coalesce(@GrainIdExtensionString, ''), @PayloadBinary, 1
    WHERE @GrainStateVersion::integer IS NULL
    ON CONFLICT DO NOTHING
    RETURNING version)
SELECT version AS "NewGrainStateVersion" FROM updated
UNION ALL
SELECT version FROM inserted
$q$),

-- Clearing keeps the row (its version goes on), so a stale activation cannot recreate it unseen.
('ClearStorageKey', $q$
UPDATE orleans_storage SET payload = NULL, version = version + 1, modified_at = now()
WHERE service_id = @ServiceId AND state_name = @GrainTypeString AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
  AND grain_key = coalesce(@GrainIdExtensionString, '') AND version = @GrainStateVersion::integer
RETURNING version AS "NewGrainStateVersion"
$q$);
