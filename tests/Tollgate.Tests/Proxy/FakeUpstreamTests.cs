using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Tollgate.FakeUpstream;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Proxy;

/// <summary>The fake OpenAI and Anthropic upstream the proxy tests stand on: if its shapes or its failure injection drift, they test nothing.</summary>
public sealed class FakeUpstreamTests : IAsyncLifetime
{
    private const string AnthropicVersion = "2023-06-01";
    private WebApplication _app = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync() => (_app, _client) = await StartAsync();

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task Chat_reports_deterministic_content_and_usage()
    {
        // 12 characters of prompt: 3 tokens; max_tokens 5 caps the 16 words it would write.
        var body = await Http.ReadAsync(await _client.PostAsync("/v1/chat/completions",
            Http.Json("""{"model":"m1","messages":[{"role":"user","content":"hello world!"}],"max_tokens":5}""")));

        Assert.Equal("chat.completion", body.GetProperty("object").GetString());
        Assert.StartsWith("chatcmpl-fake-", body.GetProperty("id").GetString());
        Assert.Equal("m1", body.GetProperty("model").GetString());
        var choice = body.GetProperty("choices")[0];
        Assert.Equal("fake0 fake1 fake2 fake3 fake4", choice.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("assistant", choice.GetProperty("message").GetProperty("role").GetString());
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        AssertChatUsage(body.GetProperty("usage"), 3, 5);
        // Every detail, zero when not asked for, as OpenAI reports them: a proxy must read them whether or not they count.
        var usage = body.GetProperty("usage");
        Assert.Equal(["cached_tokens", "audio_tokens"], usage.GetProperty("prompt_tokens_details").EnumerateObject().Select(p => p.Name));
        Assert.Equal(["reasoning_tokens", "audio_tokens", "accepted_prediction_tokens", "rejected_prediction_tokens"],
            usage.GetProperty("completion_tokens_details").EnumerateObject().Select(p => p.Name));
        Assert.All(usage.GetProperty("prompt_tokens_details").EnumerateObject().Concat(usage.GetProperty("completion_tokens_details").EnumerateObject()),
            detail => Assert.Equal(0, detail.Value.GetInt32()));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Chat_reports_each_priced_kind_of_token_as_a_part_of_its_total(bool stream)
    {
        var usage = await ChatUsageAsync(stream,
            """{"input_tokens":100,"output_tokens":8,"cached_tokens":30,"audio_input_tokens":10,"reasoning_tokens":3,"audio_output_tokens":2,"cache_write_5m_tokens":40}""");

        AssertChatUsage(usage, 100, 8);
        Assert.Equal(30, usage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32());
        Assert.Equal(10, usage.GetProperty("prompt_tokens_details").GetProperty("audio_tokens").GetInt32());
        Assert.Equal(3, usage.GetProperty("completion_tokens_details").GetProperty("reasoning_tokens").GetInt32());
        Assert.Equal(2, usage.GetProperty("completion_tokens_details").GetProperty("audio_tokens").GetInt32());
        // Anthropic's cache writes have no OpenAI field and change nothing here.
        Assert.Equal(["cached_tokens", "audio_tokens"], usage.GetProperty("prompt_tokens_details").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Chat_parts_bigger_than_their_total_raise_it_and_leave_the_content_alone()
    {
        var body = await Http.ReadAsync(await _client.PostAsync("/v1/chat/completions", Http.Json(
            """{"model":"m","messages":[],"fake":{"input_tokens":5,"output_tokens":2,"cached_tokens":8,"audio_input_tokens":4,"reasoning_tokens":10}}""")));

        Assert.Equal("fake0 fake1", body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        AssertChatUsage(body.GetProperty("usage"), 12, 10); // cached 8 + audio 4; reasoning 10
    }

    [Fact]
    public async Task Fake_fields_override_usage_and_can_suppress_it()
    {
        var forced = await Http.ReadAsync(await _client.PostAsync("/v1/chat/completions",
            Http.Json("""{"model":"m","messages":[],"fake":{"input_tokens":100,"output_tokens":2}}""")));
        Assert.Equal("fake0 fake1", forced.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        AssertChatUsage(forced.GetProperty("usage"), 100, 2);

        var none = await Http.ReadAsync(await _client.PostAsync("/v1/chat/completions", Http.Json("""{"model":"m","messages":[],"fake":{"usage":false}}""")));
        Assert.False(none.TryGetProperty("usage", out _));
    }

    [Fact]
    public async Task Chat_stream_with_include_usage_ends_with_a_usage_chunk_then_done()
    {
        var events = await StreamAsync("/v1/chat/completions",
            """{"model":"m","messages":[{"role":"user","content":"abcdefgh"}],"stream":true,"stream_options":{"include_usage":true},"fake":{"output_tokens":6}}""");

        Assert.Equal("[DONE]", events[^1].Data);
        var chunks = events[..^1].Select(e => e.Json).ToList();
        Assert.All(chunks, chunk => Assert.Equal("chat.completion.chunk", chunk.GetProperty("object").GetString()));
        var usage = chunks[^1];
        Assert.Equal(0, usage.GetProperty("choices").GetArrayLength());
        AssertChatUsage(usage.GetProperty("usage"), 2, 6);
        Assert.All(chunks[..^1], chunk => Assert.Equal(JsonValueKind.Null, chunk.GetProperty("usage").ValueKind));

        var first = chunks[0].GetProperty("choices")[0].GetProperty("delta");
        Assert.Equal("assistant", first.GetProperty("role").GetString());
        Assert.Equal("", first.GetProperty("content").GetString());
        var finish = chunks[^2].GetProperty("choices")[0];
        Assert.Equal("stop", finish.GetProperty("finish_reason").GetString());
        Assert.Empty(finish.GetProperty("delta").EnumerateObject());
        Assert.Equal("fake0 fake1 fake2 fake3 fake4 fake5", ChatContent(chunks));
    }

    [Fact]
    public async Task Chat_stream_without_include_usage_reports_none()
    {
        var events = await StreamAsync("/v1/chat/completions", """{"model":"m","messages":[],"stream":true}""");

        Assert.Equal("[DONE]", events[^1].Data);
        var chunks = events[..^1].Select(e => e.Json).ToList();
        Assert.All(chunks, chunk => Assert.False(chunk.TryGetProperty("usage", out _)));
        Assert.All(chunks, chunk => Assert.Equal(1, chunk.GetProperty("choices").GetArrayLength()));
        Assert.Equal(FakeWords(16), ChatContent(chunks));
    }

    [Fact]
    public async Task Usage_false_drops_the_usage_chunk_even_when_asked_for()
    {
        var events = await StreamAsync("/v1/chat/completions",
            """{"model":"m","messages":[],"stream":true,"stream_options":{"include_usage":true},"fake":{"usage":false}}""");

        // The whole stream (content, finish, [DONE]) with no usage chunk: nothing else is missing.
        Assert.Equal("[DONE]", events[^1].Data);
        var chunks = events[..^1].Select(e => e.Json).ToList();
        Assert.Equal(FakeWords(16), ChatContent(chunks));
        Assert.Equal("stop", chunks[^1].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.DoesNotContain(chunks, chunk => chunk.GetProperty("choices").GetArrayLength() == 0);
        Assert.All(chunks, chunk => Assert.Equal(JsonValueKind.Null, chunk.GetProperty("usage").ValueKind));
    }

    [Fact]
    public async Task A_held_stream_sends_its_first_event_and_waits_for_its_gate()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = Http.Json("""{"model":"m","messages":[],"stream":true,"fake":{"hold":"gate-1"}}"""),
        };
        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.StartsWith("data: ", await reader.ReadLineAsync()); // the role chunk
        Assert.Equal("", await reader.ReadLineAsync());
        var next = reader.ReadLineAsync();
        Assert.NotSame(next, await Task.WhenAny(next, Task.Delay(500))); // unheld, the rest would come at once (no chunk delay)

        Assert.Equal(HttpStatusCode.NoContent, (await _client.PostAsync("/fake/gates/gate-1", null)).StatusCode);
        Assert.StartsWith("data: ", await next);
        var rest = await reader.ReadToEndAsync();
        Assert.EndsWith("data: [DONE]\n\n", rest);

        // An open gate stays open: a later stream held at it goes straight through.
        var events = await StreamAsync("/v1/chat/completions", """{"model":"m","messages":[],"stream":true,"fake":{"hold":"gate-1"}}""");
        Assert.Equal("[DONE]", events[^1].Data);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    public async Task Stream_has_the_requested_number_of_content_chunks(int count)
    {
        var events = await StreamAsync("/v1/chat/completions", $$$"""{"model":"m","messages":[],"stream":true,"fake":{"chunks":{{{count}}}}}""");

        // Role chunk, content chunks, finish chunk, [DONE].
        Assert.Equal(count + 3, events.Count);
        Assert.Equal(FakeWords(16), ChatContent([.. events[..^1].Select(e => e.Json)]));
    }

    [Fact]
    public async Task Cut_after_aborts_the_stream_after_that_many_chunks()
    {
        var events = new List<SseEvent>();
        AssertCut(await Assert.ThrowsAnyAsync<IOException>(() => StreamAsync("/v1/chat/completions",
            """{"model":"m","messages":[],"stream":true,"stream_options":{"include_usage":true},"fake":{"cut_after":2}}""", events)));

        Assert.Equal(3, events.Count); // the role chunk and two content chunks; no finish, usage or [DONE]
        Assert.All(events, e => Assert.Equal(JsonValueKind.Null, e.Json.GetProperty("choices")[0].GetProperty("finish_reason").ValueKind));
    }

    [Fact]
    public async Task Cut_after_aborts_a_non_streamed_body_halfway()
    {
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => _client.PostAsync("/v1/chat/completions",
            Http.Json("""{"model":"m","messages":[],"fake":{"cut_after":0}}""")));

        // Read as it comes: the headers and the first half of the promised length, then the end.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Http.Json("""{"model":"m","messages":[],"fake":{"cut_after":0}}""") };
        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var length = response.Content.Headers.ContentLength!.Value;
        await using var body = await response.Content.ReadAsStreamAsync();
        var read = 0;
        var buffer = new byte[length];
        AssertCut(await Assert.ThrowsAnyAsync<IOException>(async () =>
        {
            while (await body.ReadAsync(buffer.AsMemory(read)) is > 0 and var n) read += n;
        }));
        Assert.Equal(length / 2, read);
    }

    [Theory]
    [InlineData(429, "invalid_request_error")]
    [InlineData(500, "server_error")]
    [InlineData(503, "server_error")]
    public async Task Status_injection_answers_an_openai_error(int status, string type)
    {
        var response = await _client.PostAsync("/v1/chat/completions",
            Http.Json($$$"""{"model":"m","messages":[],"stream":true,"fake":{"status":{{{status}}}}}"""));

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal(type, error.GetProperty("type").GetString());
        Assert.Equal($"fake_{status}", error.GetProperty("code").GetString());
        Assert.Equal("fake upstream failure", error.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("""{"model":""", "invalid_json")]
    [InlineData("""[1,2]""", "invalid_json")]
    [InlineData("""{"messages":[]}""", "missing_required_parameter")]
    [InlineData("""{"model":"m","messages":[],"fake":{"chunks":0}}""", "invalid_fake")]
    [InlineData("""{"model":"m","messages":[],"fake":{"stauts":500}}""", "invalid_fake")]
    [InlineData("""{"model":"m","messages":[],"fake":[]}""", "invalid_fake")]
    [InlineData("""{"model":"m","messages":[],"fake":{"hold":""}}""", "invalid_fake")]
    [InlineData("""{"model":"m","messages":[],"fake":{"hold":7}}""", "invalid_fake")]
    [InlineData("""{"model":"m","messages":[],"max_tokens":"many"}""", "invalid_value")]
    [InlineData("""{"model":"m","messages":[],"fake":{"cached_tokens":-1}}""", "invalid_fake")]
    [InlineData("""{"model":"m","messages":[],"fake":{"cache_write_5m_tokens":1.5}}""", "invalid_fake")]
    [InlineData("""{"model":"m","messages":[],"fake":{"cache_write_1h_tokens":"3"}}""", "invalid_fake")]
    [InlineData("""{"model":"m","messages":[],"fake":{"reasoning_tokens":null}}""", "invalid_fake")]
    [InlineData("""{"model":"m","messages":[],"fake":{"audio_input_tokens":-5}}""", "invalid_fake")]
    [InlineData("""{"model":"m","messages":[],"fake":{"audio_output_tokens":true}}""", "invalid_fake")]
    public async Task Malformed_requests_are_400s(string body, string code)
    {
        await Http.AssertErrorAsync(await _client.PostAsync("/v1/chat/completions", Http.Json(body)), HttpStatusCode.BadRequest, code);
    }

    [Fact]
    public async Task Embeddings_in_base64_decode_to_the_same_floats()
    {
        const string input = """ "input":["alpha","beta"],"model":"fake-embed","dimensions":12 """;
        var floats = await Http.ReadAsync(await _client.PostAsync("/v1/embeddings", Http.Json($$"""{{{input}},"encoding_format":"float"}""")));
        var base64 = await Http.ReadAsync(await _client.PostAsync("/v1/embeddings", Http.Json($$"""{{{input}},"encoding_format":"base64"}""")));
        var defaulted = await Http.ReadAsync(await _client.PostAsync("/v1/embeddings", Http.Json($$"""{{{input}}}""")));

        Assert.Equal("list", floats.GetProperty("object").GetString());
        Assert.Equal(2, floats.GetProperty("data").GetArrayLength());
        for (var i = 0; i < 2; i++)
        {
            var vector = floats.GetProperty("data")[i].GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).ToArray();
            Assert.Equal(12, vector.Length);
            Assert.Equal(vector, Decode(base64.GetProperty("data")[i].GetProperty("embedding").GetString()!));
            Assert.Equal(vector, defaulted.GetProperty("data")[i].GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()));
        }
        Assert.NotEqual(floats.GetProperty("data")[0].GetProperty("embedding").ToString(), floats.GetProperty("data")[1].GetProperty("embedding").ToString());
        Assert.Equal(3, floats.GetProperty("usage").GetProperty("prompt_tokens").GetInt32()); // "alpha" 2 tokens, "beta" 1
    }

    [Fact]
    public async Task Embeddings_take_token_arrays()
    {
        var body = await Http.ReadAsync(await _client.PostAsync("/v1/embeddings", Http.Json("""{"model":"e","input":[[1,2,3],[4]]}""")));

        Assert.Equal(8, body.GetProperty("data")[1].GetProperty("embedding").GetArrayLength());
        Assert.Equal(4, body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(4, body.GetProperty("usage").GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task Responses_stream_ends_with_response_completed_carrying_usage()
    {
        var events = await StreamAsync("/v1/responses", """{"model":"m","input":"abcd","stream":true,"fake":{"output_tokens":4,"chunks":2}}""");

        Assert.Equal(["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
            "response.output_text.delta", "response.output_text.delta", "response.output_text.done", "response.content_part.done",
            "response.output_item.done", "response.completed"], events.Select(e => e.Type));
        for (var i = 0; i < events.Count; i++)
        {
            Assert.Equal(events[i].Type, events[i].Json.GetProperty("type").GetString());
            Assert.Equal(i, events[i].Json.GetProperty("sequence_number").GetInt32());
        }
        Assert.Equal("fake0 fake1 fake2 fake3", string.Concat(events.Where(e => e.Type == "response.output_text.delta").Select(e => e.Json.GetProperty("delta").GetString())));
        var response = events[^1].Json.GetProperty("response");
        Assert.Equal("completed", response.GetProperty("status").GetString());
        Assert.Equal("fake0 fake1 fake2 fake3", response.GetProperty("output")[0].GetProperty("content")[0].GetProperty("text").GetString());
        var usage = response.GetProperty("usage");
        Assert.Equal(1, usage.GetProperty("input_tokens").GetInt32());
        Assert.Equal(4, usage.GetProperty("output_tokens").GetInt32());
        Assert.Equal(5, usage.GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task Responses_stream_reports_null_usage_when_suppressed_and_can_be_cut()
    {
        var events = await StreamAsync("/v1/responses", """{"model":"m","input":"x","stream":true,"fake":{"usage":false}}""");
        Assert.Equal(JsonValueKind.Null, events[^1].Json.GetProperty("response").GetProperty("usage").ValueKind);
        Assert.DoesNotContain(events, e => e.Data == "[DONE]");

        var cut = new List<SseEvent>();
        AssertCut(await Assert.ThrowsAnyAsync<IOException>(() => StreamAsync("/v1/responses", """{"model":"m","input":"x","stream":true,"fake":{"cut_after":1}}""", cut)));
        Assert.Equal("response.output_text.delta", cut[^1].Type);
        Assert.Single(cut, e => e.Type == "response.output_text.delta");
    }

    [Fact]
    public async Task Delays_hold_the_first_byte_and_space_the_events()
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = Http.Json("""{"model":"m","messages":[],"stream":true,"fake":{"first_byte_delay_ms":150,"chunk_delay_ms":20,"chunks":2}}"""),
        };
        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.True(watch.ElapsedMilliseconds >= 140, $"headers after {watch.ElapsedMilliseconds} ms");

        await response.Content.ReadAsStringAsync();
        // Role, two content and finish chunks and [DONE]: four gaps of 20 ms.
        Assert.True(watch.ElapsedMilliseconds >= 140 + 4 * 18, $"stream done after {watch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task Responses_non_streamed_is_a_completed_response()
    {
        var body = await Http.ReadAsync(await _client.PostAsync("/v1/responses", Http.Json("""{"model":"m","input":"hi","max_output_tokens":3}""")));

        Assert.Equal("response", body.GetProperty("object").GetString());
        Assert.Equal("completed", body.GetProperty("status").GetString());
        var item = body.GetProperty("output")[0];
        Assert.Equal("message", item.GetProperty("type").GetString());
        Assert.Equal("output_text", item.GetProperty("content")[0].GetProperty("type").GetString());
        Assert.Equal("fake0 fake1 fake2", item.GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(3, body.GetProperty("usage").GetProperty("output_tokens").GetInt32());
        Assert.Equal(0, body.GetProperty("usage").GetProperty("input_tokens_details").GetProperty("cached_tokens").GetInt32());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Responses_report_cached_and_reasoning_tokens_as_parts_of_their_totals(bool stream)
    {
        var body = $$$"""{"model":"m","input":"abcd","stream":{{{(stream ? "true" : "false")}}},"fake":{"input_tokens":50,"output_tokens":6,"cached_tokens":20,"reasoning_tokens":4,"audio_input_tokens":7}}""";
        var response = stream
            ? (await StreamAsync("/v1/responses", body))[^1].Json.GetProperty("response")
            : await Http.ReadAsync(await _client.PostAsync("/v1/responses", Http.Json(body)));

        var usage = response.GetProperty("usage");
        Assert.Equal(50, usage.GetProperty("input_tokens").GetInt32());
        Assert.Equal(20, usage.GetProperty("input_tokens_details").GetProperty("cached_tokens").GetInt32());
        Assert.Equal(6, usage.GetProperty("output_tokens").GetInt32());
        Assert.Equal(4, usage.GetProperty("output_tokens_details").GetProperty("reasoning_tokens").GetInt32());
        Assert.Equal(56, usage.GetProperty("total_tokens").GetInt32());
        Assert.False(usage.GetProperty("input_tokens_details").TryGetProperty("audio_tokens", out _)); // the Responses API reports no audio
    }

    [Fact]
    public async Task Legacy_completions_stream_text_and_honour_include_usage()
    {
        var events = await StreamAsync("/v1/completions",
            """{"model":"m","prompt":"abcd","stream":true,"stream_options":{"include_usage":true},"fake":{"output_tokens":3,"chunks":3}}""");

        Assert.Equal("[DONE]", events[^1].Data);
        var chunks = events[..^1].Select(e => e.Json).ToList();
        Assert.All(chunks, chunk => Assert.Equal("text_completion", chunk.GetProperty("object").GetString()));
        Assert.Equal("fake0 fake1 fake2", string.Concat(chunks[..^1].Select(c => c.GetProperty("choices")[0].GetProperty("text").GetString())));
        Assert.Equal(3, chunks[^1].GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task Models_lists_the_configured_ids()
    {
        var body = await Http.ReadAsync(await _client.GetAsync("/v1/models"));

        Assert.Equal(["fake-gpt", "fake-embed"], body.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()));
        Assert.All(body.GetProperty("data").EnumerateArray(), m => Assert.Equal("fake-upstream", m.GetProperty("owned_by").GetString()));
    }

    [Fact]
    public async Task Api_key_is_enforced_when_set_and_every_attempt_is_recorded()
    {
        var (app, client) = await StartAsync("--FakeUpstream:ApiKey=sk-fake", "--FakeUpstream:Models:0=only-model");
        await using var _ = app;
        using var __ = client;
        const string body = """{"model":"m","messages":[]}""";

        await Http.AssertErrorAsync(await client.PostAsync("/v1/chat/completions", Http.Json(body)), HttpStatusCode.Unauthorized, "invalid_api_key");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "sk-wrong");
        await Http.AssertErrorAsync(await client.PostAsync("/v1/chat/completions", Http.Json(body)), HttpStatusCode.Unauthorized, "invalid_api_key");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "sk-fake");
        await Http.ReadAsync(await client.PostAsync("/v1/chat/completions", Http.Json(body)));
        var models = await Http.ReadAsync(await client.GetAsync("/v1/models"));
        Assert.Equal("only-model", Assert.Single(models.GetProperty("data").EnumerateArray()).GetProperty("id").GetString());

        var received = app.Services.GetRequiredService<ReceivedRequests>().Snapshot();
        Assert.Equal([false, true, true, true], received.Select(r => r.HasAuthorization));
        Assert.Equal(body, received[0].Body);
        Assert.Equal("/v1/models", received[3].Path);
    }

    [Fact]
    public async Task Received_requests_are_served_and_cleared_over_http()
    {
        await _client.PostAsync("/v1/embeddings", Http.Json("""{"model":"e","input":"x"}"""));

        var received = await Http.ReadAsync(await _client.GetAsync("/fake/received"));
        var only = Assert.Single(received.EnumerateArray());
        Assert.Equal("POST", only.GetProperty("method").GetString());
        Assert.Equal("/v1/embeddings", only.GetProperty("path").GetString());
        Assert.Equal("e", JsonDocument.Parse(only.GetProperty("body").GetString()!).RootElement.GetProperty("model").GetString());
        Assert.False(only.GetProperty("has_authorization").GetBoolean());
        Assert.False(only.GetProperty("has_api_key").GetBoolean());
        Assert.Equal(JsonValueKind.Null, only.GetProperty("anthropic_version").ValueKind);
        Assert.Equal(JsonValueKind.Null, only.GetProperty("anthropic_beta").ValueKind);

        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync("/fake/received")).StatusCode);
        Assert.Empty((await Http.ReadAsync(await _client.GetAsync("/fake/received"))).EnumerateArray());
    }

    [Fact]
    public void Received_requests_keep_only_the_last_thousand()
    {
        var received = new ReceivedRequests();
        for (var i = 0; i < ReceivedRequests.Capacity + 5; i++) received.Add(new ReceivedRequest("POST", $"/v1/{i}", "", false));

        var snapshot = received.Snapshot();
        Assert.Equal(ReceivedRequests.Capacity, snapshot.Count);
        Assert.Equal("/v1/5", snapshot[0].Path);
    }

    [Fact]
    public async Task Messages_answer_a_message_with_anthropic_usage()
    {
        // 4 characters of system and 12 of message: 4 tokens; max_tokens 5 stops the 16 words it would write.
        var body = await Http.ReadAsync(await _client.SendAsync(Post("/v1/messages",
            """{"model":"claude-fake","max_tokens":5,"system":"abcd","messages":[{"role":"user","content":[{"type":"text","text":"hello world!"}]}]}""")));

        Assert.StartsWith("msg_", body.GetProperty("id").GetString());
        Assert.Equal("message", body.GetProperty("type").GetString());
        Assert.Equal("assistant", body.GetProperty("role").GetString());
        Assert.Equal("claude-fake", body.GetProperty("model").GetString());
        var block = Assert.Single(body.GetProperty("content").EnumerateArray());
        Assert.Equal("text", block.GetProperty("type").GetString());
        Assert.Equal("fake0 fake1 fake2 fake3 fake4", block.GetProperty("text").GetString());
        Assert.Equal("max_tokens", body.GetProperty("stop_reason").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("stop_sequence").ValueKind);
        AssertMessageUsage(body.GetProperty("usage"), input: 4, cacheRead: 0, cache5m: 0, cache1h: 0, output: 5);

        // Under its max_tokens the answer ends its turn.
        var ended = await Http.ReadAsync(await _client.SendAsync(Post("/v1/messages", """{"model":"m","max_tokens":1024,"messages":[]}""")));
        Assert.Equal("end_turn", ended.GetProperty("stop_reason").GetString());
        Assert.Equal(FakeWords(16), ended.GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Messages_report_cache_reads_and_writes_beside_the_input(bool stream)
    {
        // Reasoning and audio are OpenAI's parts: Anthropic counts thinking in its output and has no audio.
        var body = $$$"""{"model":"m","max_tokens":100,"messages":[],"stream":{{{(stream ? "true" : "false")}}},"fake":{"input_tokens":100,"output_tokens":3,"cached_tokens":30,"cache_write_5m_tokens":20,"cache_write_1h_tokens":7,"reasoning_tokens":9,"audio_input_tokens":4}}""";
        if (!stream)
        {
            var message = await Http.ReadAsync(await _client.SendAsync(Post("/v1/messages", body)));
            AssertMessageUsage(message.GetProperty("usage"), input: 100, cacheRead: 30, cache5m: 20, cache1h: 7, output: 3);
            return;
        }
        var events = await StreamAsync("/v1/messages", body);
        AssertMessageUsage(events[0].Json.GetProperty("message").GetProperty("usage"), input: 100, cacheRead: 30, cache5m: 20, cache1h: 7, output: 1);
        var usage = events.Single(e => e.Type == "message_delta").Json.GetProperty("usage");
        Assert.Equal(3, usage.GetProperty("output_tokens").GetInt32());
    }

    [Fact]
    public async Task Messages_stream_sends_anthropic_events_in_order_with_cumulative_output_usage()
    {
        var events = await StreamAsync("/v1/messages",
            """{"model":"m","max_tokens":1024,"messages":[{"role":"user","content":"abcdefgh"}],"stream":true,"fake":{"output_tokens":6,"chunks":3}}""");

        Assert.Equal(["message_start", "content_block_start", "ping", "content_block_delta", "content_block_delta", "content_block_delta",
            "content_block_stop", "message_delta", "message_stop"], events.Select(e => e.Type));
        Assert.All(events, e => Assert.Equal(e.Type, e.Json.GetProperty("type").GetString()));

        var start = events[0].Json.GetProperty("message");
        Assert.StartsWith("msg_", start.GetProperty("id").GetString());
        Assert.Equal("m", start.GetProperty("model").GetString());
        Assert.Equal(0, start.GetProperty("content").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, start.GetProperty("stop_reason").ValueKind);
        AssertMessageUsage(start.GetProperty("usage"), input: 2, cacheRead: 0, cache5m: 0, cache1h: 0, output: 1);

        Assert.Equal(0, events[1].Json.GetProperty("index").GetInt32());
        Assert.Equal("", events[1].Json.GetProperty("content_block").GetProperty("text").GetString());
        var deltas = events.Where(e => e.Type == "content_block_delta").Select(e => e.Json.GetProperty("delta")).ToList();
        Assert.All(deltas, delta => Assert.Equal("text_delta", delta.GetProperty("type").GetString()));
        Assert.Equal("fake0 fake1 fake2 fake3 fake4 fake5", string.Concat(deltas.Select(delta => delta.GetProperty("text").GetString())));

        // The output so far, not more than message_start's: 6 in all, not 1 + 6.
        var messageDelta = events[^2].Json;
        Assert.Equal("end_turn", messageDelta.GetProperty("delta").GetProperty("stop_reason").GetString());
        Assert.Equal(JsonValueKind.Null, messageDelta.GetProperty("delta").GetProperty("stop_sequence").ValueKind);
        Assert.Equal(6, messageDelta.GetProperty("usage").GetProperty("output_tokens").GetInt32());
    }

    [Fact]
    public async Task Messages_usage_false_omits_every_usage()
    {
        var message = await Http.ReadAsync(await _client.SendAsync(Post("/v1/messages", """{"model":"m","max_tokens":9,"messages":[],"fake":{"usage":false}}""")));
        Assert.False(message.TryGetProperty("usage", out _));

        var events = await StreamAsync("/v1/messages", """{"model":"m","max_tokens":9,"messages":[],"stream":true,"fake":{"usage":false}}""");
        Assert.Equal("message_stop", events[^1].Type);
        Assert.False(events[0].Json.GetProperty("message").TryGetProperty("usage", out _));
        Assert.False(events.Single(e => e.Type == "message_delta").Json.TryGetProperty("usage", out _));
        Assert.Equal("max_tokens", events.Single(e => e.Type == "message_delta").Json.GetProperty("delta").GetProperty("stop_reason").GetString());
    }

    [Fact]
    public async Task Messages_stream_can_be_cut_or_held()
    {
        var cut = new List<SseEvent>();
        AssertCut(await Assert.ThrowsAnyAsync<IOException>(() => StreamAsync("/v1/messages",
            """{"model":"m","max_tokens":9,"messages":[],"stream":true,"fake":{"cut_after":1}}""", cut)));
        Assert.Equal(["message_start", "content_block_start", "ping", "content_block_delta"], cut.Select(e => e.Type));

        using var request = Post("/v1/messages", """{"model":"m","max_tokens":9,"messages":[],"stream":true,"fake":{"hold":"messages-gate"}}""");
        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal("event: message_start", await reader.ReadLineAsync());
        Assert.StartsWith("data: ", await reader.ReadLineAsync());
        Assert.Equal("", await reader.ReadLineAsync());
        var next = reader.ReadLineAsync();
        Assert.NotSame(next, await Task.WhenAny(next, Task.Delay(500))); // unheld, the rest would come at once

        Assert.Equal(HttpStatusCode.NoContent, (await _client.PostAsync("/fake/gates/messages-gate", null)).StatusCode);
        Assert.Equal("event: content_block_start", await next);
        Assert.EndsWith("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n", await reader.ReadToEndAsync());
    }

    [Fact]
    public async Task Messages_stream_with_status_and_cut_after_fails_inside_the_stream()
    {
        var events = await StreamAsync("/v1/messages", """{"model":"m","max_tokens":9,"messages":[],"stream":true,"fake":{"status":529,"cut_after":2}}""");

        // Started (200), two chunks, then Anthropic's error event and the end: no message_delta, no message_stop.
        Assert.Equal(["message_start", "content_block_start", "ping", "content_block_delta", "content_block_delta", "error"], events.Select(e => e.Type));
        AssertAnthropicError(events[^1].Json, "overloaded_error");
    }

    [Theory]
    [InlineData(400, "invalid_request_error")]
    [InlineData(401, "authentication_error")]
    [InlineData(402, "billing_error")]
    [InlineData(403, "permission_error")]
    [InlineData(404, "not_found_error")]
    [InlineData(413, "request_too_large")]
    [InlineData(422, "invalid_request_error")]
    [InlineData(429, "rate_limit_error")]
    [InlineData(500, "api_error")]
    [InlineData(503, "api_error")]
    [InlineData(504, "timeout_error")]
    [InlineData(529, "overloaded_error")]
    public async Task Messages_status_injection_answers_an_anthropic_error(int status, string type)
    {
        // Streamed or not, a status without cut_after fails before the stream starts.
        foreach (var stream in new[] { false, true })
        {
            var response = await _client.SendAsync(Post("/v1/messages",
                $$$"""{"model":"m","max_tokens":9,"messages":[],"stream":{{{(stream ? "true" : "false")}}},"fake":{"status":{{{status}}}}}"""));

            Assert.Equal(status, (int)response.StatusCode);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            AssertAnthropicError(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement, type);
        }
        var count = await _client.SendAsync(Post("/v1/messages/count_tokens", $$$"""{"model":"m","messages":[],"fake":{"status":{{{status}}}}}"""));
        Assert.Equal(status, (int)count.StatusCode);
        AssertAnthropicError(JsonDocument.Parse(await count.Content.ReadAsStringAsync()).RootElement, type);
    }

    [Theory]
    [InlineData("/v1/messages")]
    [InlineData("/v1/messages/count_tokens")]
    public async Task Messages_require_the_anthropic_version_header(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Http.Json("""{"model":"m","max_tokens":9,"messages":[]}""") };
        var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        AssertAnthropicError(error, "invalid_request_error");
        Assert.Equal("anthropic-version: header is required", error.GetProperty("error").GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("""{"model":""", "/v1/messages")]
    [InlineData("""{"max_tokens":9,"messages":[]}""", "/v1/messages")]
    [InlineData("""{"model":"m","messages":[]}""", "/v1/messages")]
    [InlineData("""{"model":"m","max_tokens":0,"messages":[]}""", "/v1/messages")]
    [InlineData("""{"model":"m","max_tokens":"many","messages":[]}""", "/v1/messages")]
    [InlineData("""{"model":"m","max_tokens":9}""", "/v1/messages")]
    [InlineData("""{"model":"m","max_tokens":9,"messages":"hi"}""", "/v1/messages")]
    [InlineData("""{"model":"m","max_tokens":9,"messages":[],"fake":{"cache_write_1h_tokens":-1}}""", "/v1/messages")]
    [InlineData("""{"model":"m"}""", "/v1/messages/count_tokens")]
    [InlineData("""{"messages":[]}""", "/v1/messages/count_tokens")]
    public async Task Malformed_messages_requests_are_anthropic_400s(string body, string path)
    {
        var response = await _client.SendAsync(Post(path, body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        AssertAnthropicError(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement, "invalid_request_error");
    }

    [Fact]
    public async Task Count_tokens_counts_as_a_message_reports_its_input()
    {
        const string request = """ "model":"m","system":[{"type":"text","text":"abcd"}],"messages":[{"role":"user","content":"hello world!"}] """;
        var count = await Http.ReadAsync(await _client.SendAsync(Post("/v1/messages/count_tokens", $$$"""{{{{request}}}}""")));
        var message = await Http.ReadAsync(await _client.SendAsync(Post("/v1/messages", $$$"""{{{{request}}},"max_tokens":9}""")));

        Assert.Equal(["input_tokens"], count.EnumerateObject().Select(p => p.Name));
        Assert.Equal(4, count.GetProperty("input_tokens").GetInt32());
        Assert.Equal(4, message.GetProperty("usage").GetProperty("input_tokens").GetInt32());
        var forced = await Http.ReadAsync(await _client.SendAsync(Post("/v1/messages/count_tokens", $$$"""{{{{request}}},"fake":{"input_tokens":70}}""")));
        Assert.Equal(70, forced.GetProperty("input_tokens").GetInt32());
    }

    [Fact]
    public async Task Models_answer_in_anthropics_shape_when_asked_with_anthropic_version()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        request.Headers.Add("anthropic-version", AnthropicVersion);
        var body = await Http.ReadAsync(await _client.SendAsync(request));

        var models = body.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(["fake-gpt", "fake-embed"], models.Select(m => m.GetProperty("id").GetString()));
        Assert.All(models, m => Assert.Equal("model", m.GetProperty("type").GetString()));
        Assert.All(models, m => Assert.Equal(m.GetProperty("id").GetString(), m.GetProperty("display_name").GetString()));
        Assert.All(models, m => Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000),
            DateTimeOffset.ParseExact(m.GetProperty("created_at").GetString()!, "yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture)));
        Assert.False(body.GetProperty("has_more").GetBoolean());
        Assert.Equal("fake-gpt", body.GetProperty("first_id").GetString());
        Assert.Equal("fake-embed", body.GetProperty("last_id").GetString());
        Assert.False(body.TryGetProperty("object", out _));
    }

    [Fact]
    public async Task Unknown_paths_answer_a_404_in_the_asking_apis_shape()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages/batches") { Content = Http.Json("{}") };
        request.Headers.Add("anthropic-version", AnthropicVersion);
        var anthropic = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, anthropic.StatusCode);
        AssertAnthropicError(JsonDocument.Parse(await anthropic.Content.ReadAsStringAsync()).RootElement, "not_found_error");

        await Http.AssertErrorAsync(await _client.PostAsync("/v1/nothing", Http.Json("{}")), HttpStatusCode.NotFound, "unknown_url");
    }

    [Fact]
    public async Task Anthropic_requests_need_the_key_in_x_api_key_and_every_attempt_is_recorded()
    {
        var (app, client) = await StartAsync("--FakeUpstream:ApiKey=sk-fake");
        await using var _ = app;
        using var __ = client;
        const string body = """{"model":"m","max_tokens":9,"messages":[]}""";
        HttpRequestMessage Messages(string? apiKey = null, string? bearer = null, string? beta = null)
        {
            var request = Post("/v1/messages", body);
            if (apiKey is not null) request.Headers.Add("x-api-key", apiKey);
            if (bearer is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            if (beta is not null) request.Headers.Add("anthropic-beta", beta);
            return request;
        }
        async Task AssertRefusedAsync(HttpResponseMessage response)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            AssertAnthropicError(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement, "authentication_error");
        }

        await AssertRefusedAsync(await client.SendAsync(Messages()));
        await AssertRefusedAsync(await client.SendAsync(Messages(apiKey: "sk-wrong")));
        await AssertRefusedAsync(await client.SendAsync(Messages(bearer: "sk-fake"))); // OpenAI's scheme is not Anthropic's
        await Http.ReadAsync(await client.SendAsync(Messages(apiKey: "sk-fake", beta: "prompt-caching-2024-07-31,token-efficient-tools-2025-02-19")));
        using var count = Post("/v1/messages/count_tokens", body);
        count.Headers.Add("x-api-key", "sk-fake");
        await Http.ReadAsync(await client.SendAsync(count));

        // The models answer each API in its scheme; OpenAI's endpoints keep the bearer token.
        using var anthropicModels = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        anthropicModels.Headers.Add("anthropic-version", AnthropicVersion);
        anthropicModels.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "sk-fake");
        await AssertRefusedAsync(await client.SendAsync(anthropicModels));
        using var keyedModels = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        keyedModels.Headers.Add("anthropic-version", AnthropicVersion);
        keyedModels.Headers.Add("x-api-key", "sk-fake");
        Assert.Equal("model", (await Http.ReadAsync(await client.SendAsync(keyedModels))).GetProperty("data")[0].GetProperty("type").GetString());
        using var chat = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Http.Json("""{"model":"m","messages":[]}""") };
        chat.Headers.Add("x-api-key", "sk-fake");
        await Http.AssertErrorAsync(await client.SendAsync(chat), HttpStatusCode.Unauthorized, "invalid_api_key");

        var received = app.Services.GetRequiredService<ReceivedRequests>().Snapshot();
        Assert.Equal([false, true, false, true, true, false, true, true], received.Select(r => r.HasApiKey));
        Assert.Equal([false, false, true, false, false, true, false, false], received.Select(r => r.HasAuthorization));
        Assert.Equal([AnthropicVersion, AnthropicVersion, AnthropicVersion, AnthropicVersion, AnthropicVersion, AnthropicVersion, AnthropicVersion, null],
            received.Select(r => r.AnthropicVersion));
        Assert.Equal("prompt-caching-2024-07-31,token-efficient-tools-2025-02-19", received[3].AnthropicBeta);
        Assert.All(received.Where((_, i) => i != 3), r => Assert.Null(r.AnthropicBeta));
    }

    private static async Task<(WebApplication, HttpClient)> StartAsync(params string[] settings)
    {
        var port = FreePort.Loopback();
        // Aborted connections are logged at Information: keep the test output for failures.
        var app = FakeUpstreamApp.Build([$"--Urls=http://127.0.0.1:{port}", "--Logging:LogLevel:Default=Warning", .. settings]);
        await app.StartAsync();
        return (app, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") });
    }

    /// <summary>A POST of this body; to Anthropic's /v1/messages with the <c>anthropic-version</c> its SDK always sends.</summary>
    private static HttpRequestMessage Post(string path, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Http.Json(body) };
        if (path.StartsWith("/v1/messages", StringComparison.Ordinal)) request.Headers.Add("anthropic-version", AnthropicVersion);
        return request;
    }

    /// <summary>The events of a streamed response, read as they come; <paramref name="into"/> keeps those read before a failure.</summary>
    private async Task<List<SseEvent>> StreamAsync(string path, string body, List<SseEvent>? into = null)
    {
        var events = into ?? [];
        using var request = Post(path, body);
        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        string? type = null;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal)) type = line["event: ".Length..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                events.Add(new SseEvent(type, line["data: ".Length..]));
                type = null;
            }
        }
        return events;
    }

    private sealed record SseEvent(string? Type, string Data)
    {
        public JsonElement Json => JsonDocument.Parse(Data).RootElement;
    }

    private static string ChatContent(List<JsonElement> chunks) => string.Concat(chunks
        .Where(c => c.GetProperty("choices").GetArrayLength() > 0)
        .Select(c => c.GetProperty("choices")[0].GetProperty("delta").TryGetProperty("content", out var content) ? content.GetString() : ""));

    /// <summary>
    /// A cut is the connection closing after every byte written before it, with the body unfinished: never a reset,
    /// which could discard bytes not yet sent (under load, even the headers).
    /// </summary>
    private static void AssertCut(IOException cut) =>
        Assert.Equal(HttpRequestError.ResponseEnded, Assert.IsAssignableFrom<HttpIOException>(cut).HttpRequestError);

    private static string FakeWords(int count) => string.Join(' ', Enumerable.Range(0, count).Select(i => $"fake{i}"));

    private static float[] Decode(string base64)
    {
        var bytes = Convert.FromBase64String(base64);
        return [.. Enumerable.Range(0, bytes.Length / 4).Select(i => BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * 4)))];
    }

    /// <summary>The usage of a chat completion with these <c>fake</c> controls: the body's, or a stream's usage chunk.</summary>
    private async Task<JsonElement> ChatUsageAsync(bool stream, string fake)
    {
        var body = $$"""{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":{{(stream ? "true" : "false")}},"stream_options":{{(stream ? """{"include_usage":true}""" : "null")}},"fake":{{fake}}}""";
        return stream
            ? (await StreamAsync("/v1/chat/completions", body))[^2].Json.GetProperty("usage")
            : (await Http.ReadAsync(await _client.PostAsync("/v1/chat/completions", Http.Json(body)))).GetProperty("usage");
    }

    private static void AssertMessageUsage(JsonElement usage, int input, int cacheRead, int cache5m, int cache1h, int output)
    {
        Assert.Equal(input, usage.GetProperty("input_tokens").GetInt32());
        Assert.Equal(cacheRead, usage.GetProperty("cache_read_input_tokens").GetInt32());
        Assert.Equal(cache5m + cache1h, usage.GetProperty("cache_creation_input_tokens").GetInt32());
        Assert.Equal(cache5m, usage.GetProperty("cache_creation").GetProperty("ephemeral_5m_input_tokens").GetInt32());
        Assert.Equal(cache1h, usage.GetProperty("cache_creation").GetProperty("ephemeral_1h_input_tokens").GetInt32());
        Assert.Equal(output, usage.GetProperty("output_tokens").GetInt32());
    }

    /// <summary>Anthropic's error body: <c>{"type":"error","error":{"type","message"},"request_id"}</c>.</summary>
    private static void AssertAnthropicError(JsonElement body, string type)
    {
        Assert.Equal("error", body.GetProperty("type").GetString());
        Assert.Equal(type, body.GetProperty("error").GetProperty("type").GetString());
        Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("error").GetProperty("message").GetString()));
        Assert.StartsWith("req_", body.GetProperty("request_id").GetString());
    }

    private static void AssertChatUsage(JsonElement usage, int prompt, int completion)
    {
        Assert.Equal(prompt, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(completion, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(prompt + completion, usage.GetProperty("total_tokens").GetInt32());
    }
}
