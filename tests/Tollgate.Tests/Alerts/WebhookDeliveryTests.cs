using System.Diagnostics.Metrics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tollgate.Grains.Accounts;
using Tollgate.Grains.Alerts;
using Tollgate.Persistence;
using Tollgate.Silo.Webhooks;
using Tollgate.Tests.Dashboard;
using Tollgate.Tests.Infrastructure;
using static Tollgate.Tests.Infrastructure.MeteringCalls;

namespace Tollgate.Tests.Alerts;

/// <summary>
/// Alert events from the outbox to a receiver: signed with the endpoint's secret, retried with the same event id,
/// given up after the last attempt, each step in the delivery log and the silo's metrics; and events that grains write
/// with their commit go once to the endpoints of their account and of every account, and to no other.
/// </summary>
public sealed class WebhookDeliveryTests(WebhookCluster hooks) : IClassFixture<WebhookCluster>
{
    [Fact]
    public async Task A_test_event_is_delivered_signed_with_the_secret_shown_once_and_a_changed_body_fails_verification()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (endpoint, secret) = await hooks.CreateEndpointAsync(receiver.Url);
        try
        {
            Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
            var eventId = await hooks.SendTestAsync(endpoint);
            await Eventually.TrueAsync(async () => await Task.FromResult(receiver.Of(eventId).Count > 0), $"{eventId} never arrived");
            var received = Assert.Single(receiver.Of(eventId));

            Assert.True(WebhookReceiver.Verifies(received.Signature, received.Body, secret), $"the signature {received.Signature} does not verify");
            var tampered = received.Body.ToArray();
            tampered[^2] = (byte)(tampered[^2] == (byte)'}' ? ' ' : '}'); // one byte of the body changed
            Assert.False(WebhookReceiver.Verifies(received.Signature, tampered, secret));
            Assert.False(WebhookReceiver.Verifies(received.Signature, [.. received.Body, (byte)' '], secret));
            Assert.False(WebhookReceiver.Verifies(received.Signature, received.Body, secret + "x"));
            var stamp = long.Parse(received.Signature!.Split(',')[0]["t=".Length..]);
            Assert.InRange(DateTimeOffset.FromUnixTimeSeconds(stamp), DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1)); // unix seconds, not ms

            Assert.StartsWith("application/json", received.ContentType);
            var body = JsonDocument.Parse(received.Body).RootElement;
            Assert.Equal(["account_id", "created_at", "data", "id", "owner", "type"], body.EnumerateObject().Select(p => p.Name).Order());
            Assert.Equal(eventId, body.GetProperty("id").GetString());
            Assert.Equal("test", body.GetProperty("type").GetString());
            Assert.Equal(JsonValueKind.Null, body.GetProperty("account_id").ValueKind);
            Assert.EndsWith("Z", body.GetProperty("created_at").GetString());
            Assert.Equal("endpoint", body.GetProperty("owner").GetProperty("kind").GetString());
            Assert.Equal(endpoint, body.GetProperty("owner").GetProperty("id").GetString());
            Assert.Equal(endpoint, body.GetProperty("data").GetProperty("endpoint_id").GetString());

            var delivered = await hooks.WaitForStatusAsync(endpoint, eventId, "delivered");
            Assert.Equal(1, delivered.GetProperty("attempts").GetInt32());
            Assert.Equal(200, delivered.GetProperty("last_status_code").GetInt32());
            Assert.Equal(JsonValueKind.Null, delivered.GetProperty("last_error").ValueKind);
            Assert.Equal(JsonValueKind.Null, delivered.GetProperty("next_attempt_at").ValueKind);
            Assert.Equal(JsonValueKind.String, delivered.GetProperty("delivered_at").ValueKind);
            Assert.Equal("test", delivered.GetProperty("type").GetString());

            // The log pages newest first.
            var second = await hooks.SendTestAsync(endpoint);
            await hooks.WaitForStatusAsync(endpoint, second, "delivered");
            var first = await hooks.LogAsync(endpoint, "?limit=1");
            Assert.Equal(second, Assert.Single(first.GetProperty("deliveries").EnumerateArray()).GetProperty("event_id").GetString());
            var before = first.GetProperty("next_before").GetInt64();
            var next = await hooks.LogAsync(endpoint, $"?limit=1&before={before}");
            Assert.Equal(eventId, Assert.Single(next.GetProperty("deliveries").EnumerateArray()).GetProperty("event_id").GetString());
            Assert.Equal(JsonValueKind.Null, next.GetProperty("next_before").ValueKind);
            Assert.Equal(2, receiver.Received.Count); // each event once: nothing was retried
        }
        finally
        {
            await hooks.DeleteEndpointAsync(endpoint);
        }
    }

    [Fact]
    public async Task A_refused_attempt_is_retried_with_the_same_event_id_and_the_log_shows_the_500_until_it_is_delivered()
    {
        var secondAttempt = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var receiver = await WebhookReceiver.StartAsync(async (request, leaving) =>
        {
            if (request.Seen == 0) return 500;
            await secondAttempt.Task.WaitAsync(leaving); // held while the test reads the log and the gauge
            return 204;
        });
        using var pending = new GaugeReader(WebhookMetrics.PendingName);
        var (endpoint, secret) = await hooks.CreateEndpointAsync(receiver.Url);
        try
        {
            var eventId = await hooks.SendTestAsync(endpoint);
            await Eventually.TrueAsync(async () => await Task.FromResult(receiver.Of(eventId).Count == 2), $"{eventId} was not sent again");

            // The second attempt is under way: the log still shows how the first ended, and the delivery is pending.
            var retrying = await hooks.DeliveryAsync(endpoint, eventId);
            Assert.Equal("pending", retrying!.Value.GetProperty("status").GetString());
            Assert.Equal(2, retrying.Value.GetProperty("attempts").GetInt32());
            Assert.Equal(500, retrying.Value.GetProperty("last_status_code").GetInt32());
            Assert.Equal("HTTP 500", retrying.Value.GetProperty("last_error").GetString());
            Assert.Equal(JsonValueKind.String, retrying.Value.GetProperty("next_attempt_at").ValueKind);
            await Eventually.TrueAsync(async () => await Task.FromResult(pending.Read() >= 1), "tollgate.webhooks.pending never counted the delivery");

            secondAttempt.SetResult();
            var delivered = await hooks.WaitForStatusAsync(endpoint, eventId, "delivered");
            Assert.Equal(2, delivered.GetProperty("attempts").GetInt32());
            Assert.Equal(204, delivered.GetProperty("last_status_code").GetInt32());
            Assert.Equal(JsonValueKind.Null, delivered.GetProperty("last_error").ValueKind);

            // Both attempts carried the same event, each signed: a receiver that deduplicates by id takes it once.
            var attempts = receiver.Of(eventId);
            Assert.Equal(2, attempts.Count);
            Assert.All(attempts, attempt => Assert.True(WebhookReceiver.Verifies(attempt.Signature, attempt.Body, secret)));
            Assert.Equal(attempts[0].Text, attempts[1].Text);
            Assert.Equal([eventId], receiver.EventIds);
        }
        finally
        {
            await hooks.DeleteEndpointAsync(endpoint);
        }
    }

    [Fact]
    public async Task A_delivery_that_fails_every_attempt_is_given_up_logged_and_counted()
    {
        using var outcomes = new MeasurementCounter(WebhookMetrics.DeliveriesName, WebhookMetrics.MeterName);
        await using var receiver = await WebhookReceiver.StartAsync((_, _) => Task.FromResult(503));
        var (endpoint, _) = await hooks.CreateEndpointAsync(receiver.Url);
        try
        {
            var eventId = await hooks.SendTestAsync(endpoint);
            var failed = await hooks.WaitForStatusAsync(endpoint, eventId, "failed");
            Assert.Equal(WebhookCluster.MaxAttempts, failed.GetProperty("attempts").GetInt32());
            Assert.Equal(503, failed.GetProperty("last_status_code").GetInt32());
            Assert.Equal("HTTP 503", failed.GetProperty("last_error").GetString());
            Assert.Equal(JsonValueKind.Null, failed.GetProperty("next_attempt_at").ValueKind);
            Assert.Equal(JsonValueKind.Null, failed.GetProperty("delivered_at").ValueKind);
            Assert.Equal(WebhookCluster.MaxAttempts, receiver.Of(eventId).Count); // and no more after it was given up

            // Only this test's deliveries fail for good in this process, and its attempts before the last were retried.
            Assert.True(outcomes.Count(("outcome", WebhookMetrics.Failed)) >= 1, "tollgate.webhooks.deliveries{outcome=failed} was not counted");
            Assert.True(outcomes.Count(("outcome", WebhookMetrics.Retried)) >= WebhookCluster.MaxAttempts - 1, "the retried attempts were not counted");
        }
        finally
        {
            await hooks.DeleteEndpointAsync(endpoint);
        }
    }

    [Fact]
    public async Task An_unreachable_endpoint_is_given_up_with_the_connection_error_logged()
    {
        var (endpoint, _) = await hooks.CreateEndpointAsync($"http://127.0.0.1:{FreePort.Loopback()}/nobody-listens");
        try
        {
            var eventId = await hooks.SendTestAsync(endpoint);
            var failed = await hooks.WaitForStatusAsync(endpoint, eventId, "failed");
            Assert.Equal(WebhookCluster.MaxAttempts, failed.GetProperty("attempts").GetInt32());
            Assert.Equal(JsonValueKind.Null, failed.GetProperty("last_status_code").ValueKind);
            Assert.Contains("ConnectionError", failed.GetProperty("last_error").GetString());
        }
        finally
        {
            await hooks.DeleteEndpointAsync(endpoint);
        }
    }

    [Fact]
    public async Task An_alert_written_with_a_grain_write_is_delivered_once_to_its_accounts_endpoints_and_to_every_accounts()
    {
        var (accountA, accountB) = (SharedCluster.UniqueId("alerts-a"), SharedCluster.UniqueId("alerts-b"));
        await CreateAccountAsync(hooks.Admin, accountA, 0);
        await CreateAccountAsync(hooks.Admin, accountB, 0);
        await using var forA = await WebhookReceiver.StartAsync();
        await using var forB = await WebhookReceiver.StartAsync();
        await using var forAll = await WebhookReceiver.StartAsync();
        var (endpointA, secretA) = await hooks.CreateEndpointAsync(forA.Url, accountA);
        var (endpointB, _) = await hooks.CreateEndpointAsync(forB.Url, accountB);
        var (endpointAll, secretAll) = await hooks.CreateEndpointAsync(forAll.Url);
        try
        {
            var committer = hooks.Cluster.SiloService<GroupCommitter>();
            var eventId = AlertEvent.IdOf("budget.threshold_crossed", accountA, "monthly", "2026-12-01", "80");
            AlertEvent Crossing(int percent) => new(eventId, "budget.threshold_crossed", accountA, AlertOwnerKinds.Account, accountA,
                new JsonObject { ["threshold_percent"] = 80, ["used_percent"] = percent, ["note"] = "Grüße" });

            // The alert rides a write of its own (a guarded insert stands for the account's version-fenced update).
            await committer.Submit(AccountStore.Insert(SharedCluster.UniqueId("alerts-w1"), 0, 0).Alert(Crossing(81)), new WriteChain());
            // Emitted again (a new activation detecting the same crossing): the write commits, the outbox keeps the first.
            await committer.Submit(AccountStore.Insert(SharedCluster.UniqueId("alerts-w2"), 0, 0).Alert(Crossing(93)), new WriteChain());
            // A write the fence refuses writes no alert.
            var refusedId = AlertEvent.IdOf("budget.threshold_crossed", accountA, "refused");
            var refused = await Assert.ThrowsAsync<CommitFailedException>(() => committer.Submit(AccountStore.Insert(accountA, 0, 0)
                .Alert(Crossing(99) with { EventId = refusedId }), new WriteChain()));
            Assert.Equal(CommitFailure.Conflict, refused.Failure);

            await hooks.WaitForStatusAsync(endpointA, eventId, "delivered");
            await hooks.WaitForStatusAsync(endpointAll, eventId, "delivered");
            var sentToA = Assert.Single(forA.Of(eventId));
            var sentToAll = Assert.Single(forAll.Of(eventId));
            Assert.True(WebhookReceiver.Verifies(sentToA.Signature, sentToA.Body, secretA));
            Assert.True(WebhookReceiver.Verifies(sentToAll.Signature, sentToAll.Body, secretAll));
            var body = JsonDocument.Parse(sentToA.Body).RootElement;
            Assert.Equal("budget.threshold_crossed", body.GetProperty("type").GetString());
            Assert.Equal(accountA, body.GetProperty("account_id").GetString());
            Assert.Equal("account", body.GetProperty("owner").GetProperty("kind").GetString());
            Assert.Equal(accountA, body.GetProperty("owner").GetProperty("id").GetString());
            Assert.Equal(81, body.GetProperty("data").GetProperty("used_percent").GetInt32()); // the first emission's
            Assert.Equal("Grüße", body.GetProperty("data").GetProperty("note").GetString());
            Assert.Contains("Grüße", Encoding.UTF8.GetString(sentToA.Body)); // data as it was written, not re-escaped

            // Fanned out in one statement: once any delivery exists, all do. B's endpoint has none, and nothing has the refused event.
            Assert.Null(await hooks.DeliveryAsync(endpointB, eventId));
            Assert.Equal(0, await Ledger.ScalarAsync(hooks.Cluster.Database, "SELECT count(*) FROM alert_outbox WHERE event_id = $1", refusedId));
            Assert.Equal(1, await Ledger.ScalarAsync(hooks.Cluster.Database, "SELECT count(*) FROM alert_outbox WHERE event_id = $1", eventId));
            Assert.Empty(forB.Received);
        }
        finally
        {
            foreach (var endpoint in new[] { endpointA, endpointB, endpointAll }) await hooks.DeleteEndpointAsync(endpoint);
        }
    }

    [Fact]
    public async Task Events_past_the_retention_go_with_their_log_once_no_delivery_of_theirs_is_pending()
    {
        var (endpoint, _) = await hooks.CreateEndpointAsync($"http://127.0.0.1:{FreePort.Loopback()}/never-called");
        try
        {
            var (old, oldPending, recent) = (AlertEvent.IdOf("retention", "old"), AlertEvent.IdOf("retention", "pending"), AlertEvent.IdOf("retention", "recent"));
            // Written as if long ago (the default retention is 90 days); the pending one is not due, so nobody tries it meanwhile.
            await Ledger.ScalarAsync(hooks.Cluster.Database, """
                WITH events AS (
                    INSERT INTO alert_outbox (event_id, type, owner_kind, owner_id, payload, created_at, fanned_out)
                    VALUES ($1, 'balance.low', 'account', 'a', '{}', now() - interval '91 days', true),
                           ($2, 'balance.low', 'account', 'a', '{}', now() - interval '91 days', true),
                           ($3, 'balance.low', 'account', 'a', '{}', now() - interval '89 days', true))
                INSERT INTO webhook_deliveries (event_id, endpoint_id, status, attempts, next_attempt_at)
                VALUES ($1, $4, 'delivered', 1, now()), ($2, $4, 'pending', 1, now() + interval '1 day'), ($3, $4, 'failed', 3, now())
                """, old, oldPending, recent, endpoint);

            await Eventually.TrueAsync(async () => await Ledger.ScalarAsync(hooks.Cluster.Database,
                "SELECT count(*) FROM alert_outbox WHERE event_id = $1", old) == 0, "the expired event was not deleted");
            Assert.Null(await hooks.DeliveryAsync(endpoint, old));
            Assert.NotNull(await hooks.DeliveryAsync(endpoint, oldPending)); // one statement took every expired event it could
            Assert.NotNull(await hooks.DeliveryAsync(endpoint, recent));
        }
        finally
        {
            await hooks.DeleteEndpointAsync(endpoint);
        }
    }

    [Fact]
    public async Task The_operator_console_lists_endpoints_without_secrets_and_an_endpoints_delivery_log()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (endpoint, secret) = await hooks.CreateEndpointAsync(receiver.Url);
        try
        {
            var eventId = await hooks.SendTestAsync(endpoint);
            await hooks.WaitForStatusAsync(endpoint, eventId, "delivered");
            var (browser, _) = OperatorBrowser.Open(hooks.Cluster.GatewayAddress());
            using var _ = browser;
            using (var signedIn = await OperatorBrowser.PostFormAsync(browser, "/ops/signin", new() { ["token"] = TestCluster.AdminToken }))
                Assert.Equal(System.Net.HttpStatusCode.Redirect, signedIn.StatusCode);

            var list = await browser.GetStringAsync("/ops/webhooks");
            Assert.Contains(endpoint, list);
            Assert.Contains(receiver.Url, list);
            var log = await browser.GetStringAsync($"/ops/webhooks?endpoint={endpoint}");
            Assert.Contains(eventId, log);
            Assert.Contains("<td>delivered</td>", log);
            foreach (var page in new[] { list, log })
            {
                Assert.DoesNotContain(secret, page, StringComparison.Ordinal);
                Assert.DoesNotContain("whsec_", page, StringComparison.Ordinal);
            }
            using (var unknown = await browser.GetAsync("/ops/webhooks?endpoint=we_000000000000000000000000"))
            {
                Assert.Equal(System.Net.HttpStatusCode.NotFound, unknown.StatusCode);
                Assert.Contains("webhook_not_found", await unknown.Content.ReadAsStringAsync());
            }
            using (var malformed = await browser.GetAsync("/ops/webhooks?endpoint=nope"))
            {
                Assert.Equal(System.Net.HttpStatusCode.BadRequest, malformed.StatusCode);
                Assert.Contains("invalid_webhook_id", await malformed.Content.ReadAsStringAsync());
            }
        }
        finally
        {
            await hooks.DeleteEndpointAsync(endpoint);
        }
    }

    [Fact]
    public void A_malformed_alert_is_refused_before_anything_is_written()
    {
        var write = AccountStore.Insert("acct", 0, 0);
        var good = new AlertEvent(AlertEvent.IdOf("x"), "balance.low", "acct", AlertOwnerKinds.Account, "acct", new JsonObject());
        Assert.Throws<ArgumentException>(() => write.Alert(good with { EventId = "has space" }));
        Assert.Throws<ArgumentException>(() => write.Alert(good with { Type = "Balance Low" }));
        Assert.Throws<ArgumentException>(() => write.Alert(good with { OwnerKind = "team" }));
        Assert.Throws<ArgumentException>(() => write.Alert(good with { OwnerId = "" }));
        Assert.Same(write, write.Alert(good));
        Assert.Equal(AlertEvent.IdOf("a", "b"), AlertEvent.IdOf("a", "b"));
        Assert.NotEqual(AlertEvent.IdOf("ab", "c"), AlertEvent.IdOf("a", "bc"));
        Assert.Matches("^evt_[0-9a-f]{32}$", AlertEvent.IdOf("a"));
    }

    [Fact]
    public void Retries_back_off_exponentially_up_to_the_cap()
    {
        var options = new WebhookOptions { RetryBase = TimeSpan.FromSeconds(30), RetryMax = TimeSpan.FromHours(1) };
        Assert.Equal(TimeSpan.FromSeconds(30), options.RetryDelay(1, 0));
        Assert.Equal(TimeSpan.FromSeconds(60), options.RetryDelay(2, 0));
        Assert.Equal(TimeSpan.FromSeconds(240), options.RetryDelay(4, 0));
        Assert.Equal(TimeSpan.FromHours(1), options.RetryDelay(30, 0));
        Assert.Equal(TimeSpan.FromSeconds(24), options.RetryDelay(1, 1)); // at most a fifth less
        Assert.Empty(new WebhookOptions().Problems());
        var problems = new WebhookOptions { MaxAttempts = 0, Lease = TimeSpan.FromSeconds(5), Timeout = TimeSpan.FromSeconds(10) }.Problems();
        Assert.Contains(problems, p => p.Contains("Webhooks:MaxAttempts", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Webhooks:Lease", StringComparison.Ordinal));
        var thrown = Assert.Throws<InvalidOperationException>(() => new WebhookOptions { RetryMax = TimeSpan.FromSeconds(1) }.Validated());
        Assert.Contains("Webhooks:RetryMax", thrown.Message);
    }

    /// <summary>
    /// Reads one of the silo meter's observable gauges on demand: the largest value reported (every in-process silo of
    /// the test process reports its own cluster's, and only these tests make deliveries).
    /// </summary>
    private sealed class GaugeReader : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _last = -1;

        public GaugeReader(string name)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == WebhookMetrics.MeterName && instrument.Name == name) listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) =>
            {
                lock (_listener) _last = Math.Max(_last, value);
            });
            _listener.Start();
        }

        public long Read()
        {
            lock (_listener) _last = -1;
            _listener.RecordObservableInstruments();
            lock (_listener) return _last;
        }

        public void Dispose() => _listener.Dispose();
    }
}
