using System.Text;
using System.Text.Json;
using Tollgate.Gateway.Proxy;

namespace Tollgate.Tests.Proxy;

/// <summary>Input-token estimates: the tokenizer's counts, OpenAI's counting rules, Anthropic's request shape and the Claude rule, and bodies of any shape.</summary>
public sealed class TokenCounterTests
{
    // One for the class: tokenizers are per process anyway (the library caches the vocabularies).
    private static readonly TokenCounter Counter = new();

    private const string O200k = "gpt-4o";
    private const string Cl100k = "gpt-4";

    private static JsonElement Body(string json) => JsonDocument.Parse(json).RootElement;

    [Theory]
    [InlineData("hello world", O200k, 2)]
    [InlineData("hello world", Cl100k, 2)]
    [InlineData("tiktoken is great!", Cl100k, 6)] // the tiktoken README's example
    [InlineData("tiktoken is great!", O200k, 6)]
    [InlineData("", O200k, 0)]
    public void Text_counts_the_encodings_tokens(string text, string model, long expected) =>
        Assert.Equal(expected, Counter.Text(text, model));

    [Fact]
    public void The_model_picks_the_encoding()
    {
        const string text = "お誕生日おめでとう"; // o200k: 8 tokens, cl100k: 9
        Assert.Equal(8, Counter.Text(text, "gpt-4o"));
        Assert.Equal(9, Counter.Text(text, "gpt-4"));
        Assert.Equal(9, Counter.Text(text, "gpt-3.5-turbo"));
        Assert.Equal(9, Counter.Text(text, "text-embedding-3-small"));
        foreach (var model in new[] { "gpt-4o-mini", "gpt-4.1", "o1", "o3-mini", "o4-mini", "gpt-5", "gpt-5-mini" })
            Assert.Equal(8, Counter.Text(text, model));
    }

    [Theory]
    [InlineData("llama-3.1-70b")]
    [InlineData("text-davinci-003")] // p50k: its data package is not referenced
    [InlineData("")]
    public void An_unknown_model_counts_with_o200k(string model) =>
        Assert.Equal(8, Counter.Text("お誕生日おめでとう", model));

    [Fact]
    public void A_chat_message_costs_its_role_and_content_plus_three_and_the_reply_three()
    {
        var body = Body("""{"model":"gpt-4o","messages":[{"role":"user","content":"hello world"}]}""");
        Assert.Equal(3 + 1 + 2 + 3, Counter.ChatInput(body, O200k)); // "user" is one token
    }

    [Fact]
    public void A_name_costs_one_more_than_its_tokens()
    {
        var without = Counter.ChatInput(Body("""{"messages":[{"role":"user","content":"hi"}]}"""), O200k);
        var with = Counter.ChatInput(Body("""{"messages":[{"role":"user","name":"bob","content":"hi"}]}"""), O200k);
        Assert.Equal(Counter.Text("bob", O200k) + 1, with - without);
    }

    [Fact]
    public void The_cookbook_example_counts_as_documented()
    {
        // OpenAI cookbook "How to count tokens with tiktoken": these messages are 129 prompt tokens on gpt-4-0613
        // and 124 on gpt-4o (by the API's own usage).
        var body = Body("""
            {"messages":[
              {"role":"system","content":"You are a helpful, pattern-following assistant that translates corporate jargon into plain English."},
              {"role":"system","name":"example_user","content":"New synergies will help drive top-line growth."},
              {"role":"system","name":"example_assistant","content":"Things working well together will increase revenue."},
              {"role":"system","name":"example_user","content":"Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage."},
              {"role":"system","name":"example_assistant","content":"Let's talk later when we're less busy about how to do better."},
              {"role":"user","content":"This late pivot means we don't have time to boil the ocean for the client deliverable."}
            ]}
            """);
        Assert.Equal(129, Counter.ChatInput(body, "gpt-4-0613"));
        Assert.Equal(124, Counter.ChatInput(body, "gpt-4o"));
    }

    [Fact]
    public void Text_parts_count_like_a_string_content()
    {
        var asString = Counter.ChatInput(Body("""{"messages":[{"role":"user","content":"hello world, how are you"}]}"""), O200k);
        var asParts = Counter.ChatInput(Body("""{"messages":[{"role":"user","content":[{"type":"text","text":"hello world,"},{"type":"text","text":" how are you"}]}]}"""), O200k);
        Assert.Equal(asString, asParts);
    }

    [Fact]
    public void Escaped_strings_count_their_unescaped_text()
    {
        var plain = Counter.ChatInput(Body("""{"messages":[{"role":"user","content":"say \"hi\"\nthen é"}]}"""), O200k);
        var escaped = Counter.ChatInput(Body("""{"messages":[{"role":"user","content":"say \u0022hi\u0022\u000athen \u00e9"}]}"""), O200k);
        Assert.Equal(plain, escaped);
        Assert.Equal(3 + 1 + Counter.Text("say \"hi\"\nthen é", O200k) + 3, plain);
    }

    [Fact]
    public void Images_count_by_detail()
    {
        static string Chat(string image) => $$$"""{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{{{image}}}}]}]}""";
        const long framing = 3 + 1 + 3;
        Assert.Equal(framing + 85, Counter.ChatInput(Body(Chat("""{"url":"https://example.com/a.png","detail":"low"}""")), O200k));
        Assert.Equal(framing + 765, Counter.ChatInput(Body(Chat("""{"url":"https://example.com/a.png","detail":"high"}""")), O200k));
        Assert.Equal(framing + 765, Counter.ChatInput(Body(Chat("""{"url":"https://example.com/a.png","detail":"auto"}""")), O200k));
        Assert.Equal(framing + 765, Counter.ChatInput(Body(Chat("""{"url":"data:image/png;base64,iVBORw0KGgo="}""")), O200k));
    }

    [Fact]
    public void Audio_and_files_are_estimated_from_their_size()
    {
        // 4 s of 16 kHz 16-bit mono wav = 128,000 bytes = 40 tokens at 1 per 100 ms.
        var wav = Convert.ToBase64String(new byte[128_000]);
        var audio = Counter.ChatInput(Body($$$"""{"messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"{{{wav}}}","format":"wav"}}]}]}"""), O200k);
        Assert.Equal(3 + 1 + 40 + 3, audio);

        var pdf = Convert.ToBase64String(new byte[4_000]);
        var file = Counter.ChatInput(Body($$$"""{"messages":[{"role":"user","content":[{"type":"file","file":{"file_data":"{{{pdf}}}"}}]}]}"""), O200k);
        Assert.Equal(3 + 1 + 1_000 + 3, file);

        var byId = Counter.ChatInput(Body("""{"messages":[{"role":"user","content":[{"type":"file","file":{"file_id":"file-abc"}}]}]}"""), O200k);
        Assert.Equal(3 + 1 + TokenCounter.FileReferenceTokens + 3, byId);
    }

    [Fact]
    public void Tool_calls_tool_results_and_tool_definitions_count()
    {
        const string messages = """
            [{"role":"user","content":"weather in Paris?"},
             {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
             {"role":"tool","tool_call_id":"call_1","content":"18C and sunny"}]
            """;
        var plain = Counter.ChatInput(Body($$$"""{"messages":{{{messages}}}}"""), O200k);
        var expected = 3 * 3 + 3
            + Counter.Text("user", O200k) + Counter.Text("weather in Paris?", O200k)
            + Counter.Text("assistant", O200k) + Counter.Text("get_weather", O200k) + Counter.Text("{\"city\":\"Paris\"}", O200k)
            + Counter.Text("tool", O200k) + Counter.Text("call_1", O200k) + Counter.Text("18C and sunny", O200k);
        Assert.Equal(expected, plain);

        const string tools = """[{"type":"function","function":{"name":"get_weather","description":"Current weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]""";
        var withTools = Counter.ChatInput(Body($$$"""{"messages":{{{messages}}},"tools":{{{tools}}}}"""), O200k);
        Assert.Equal(plain + Counter.Text(tools, O200k), withTools);

        var legacy = Counter.ChatInput(Body("""{"messages":[{"role":"assistant","function_call":{"name":"get_weather","arguments":"{}"}}],"functions":[{"name":"get_weather"}]}"""), O200k);
        Assert.True(legacy > 3 + 3 + Counter.Text("assistant", O200k));
    }

    [Fact]
    public void A_json_schema_response_format_counts_its_schema()
    {
        const string messages = """[{"role":"user","content":"hi"}]""";
        var plain = Counter.ChatInput(Body($$$"""{"messages":{{{messages}}},"response_format":{"type":"json_object"}}"""), O200k);
        const string schema = """{"name":"answer","schema":{"type":"object","properties":{"answer":{"type":"string"}}}}""";
        var withSchema = Counter.ChatInput(Body($$$"""{"messages":{{{messages}}},"response_format":{"type":"json_schema","json_schema":{{{schema}}}}}"""), O200k);
        Assert.Equal(plain + Counter.Text(schema, O200k), withSchema);
    }

    [Fact]
    public void Responses_count_instructions_input_items_and_tools()
    {
        var asString = Counter.ResponsesInput(Body("""{"model":"gpt-4o","input":"hello world"}"""), O200k);
        Assert.Equal(3 + 1 + 2 + 3, asString);

        var asItems = Counter.ResponsesInput(Body("""{"input":[{"role":"user","content":[{"type":"input_text","text":"hello world"}]}]}"""), O200k);
        Assert.Equal(asString, asItems);

        var withInstructions = Counter.ResponsesInput(Body("""{"instructions":"Be brief.","input":"hello world"}"""), O200k);
        Assert.Equal(asString + 3 + Counter.Text("developer", O200k) + Counter.Text("Be brief.", O200k), withInstructions);

        var image = Counter.ResponsesInput(Body("""{"input":[{"type":"message","role":"user","content":[{"type":"input_image","image_url":"https://example.com/a.png","detail":"low"}]}]}"""), O200k);
        Assert.Equal(3 + 1 + 85 + 3, image);

        var calls = Counter.ResponsesInput(Body("""
            {"input":[{"type":"function_call","call_id":"c1","name":"get_weather","arguments":"{\"city\":\"Paris\"}"},
                      {"type":"function_call_output","call_id":"c1","output":"18C"},
                      {"type":"reasoning","id":"rs_1","summary":[]}]}
            """), O200k);
        Assert.Equal(3 + Counter.Text("get_weather", O200k) + Counter.Text("{\"city\":\"Paris\"}", O200k)
            + 3 + Counter.Text("18C", O200k)
            + 3 + Counter.Text("""{"type":"reasoning","id":"rs_1","summary":[]}""", O200k)
            + 3, calls);

        var withTools = Counter.ResponsesInput(Body("""{"input":"hello world","tools":[{"type":"function","name":"f","parameters":{}}]}"""), O200k);
        Assert.True(withTools > asString);
    }

    [Theory]
    [InlineData("""{"prompt":"hello world"}""", 2)]
    [InlineData("""{"prompt":["hello world","tiktoken is great!"]}""", 8)]
    [InlineData("""{"prompt":[15339,1917,0]}""", 3)]
    [InlineData("""{"prompt":[[15339,1917],[1,2,3]]}""", 5)]
    [InlineData("""{"prompt":[]}""", 0)]
    [InlineData("""{"model":"x"}""", 0)]
    public void Completion_prompts_of_each_shape(string json, long expected) =>
        Assert.Equal(expected, Counter.CompletionsInput(Body(json), O200k));

    [Theory]
    [InlineData("""{"input":"hello world"}""", 2)]
    [InlineData("""{"input":["hello world","tiktoken is great!"]}""", 8)]
    [InlineData("""{"input":[15339,1917,0]}""", 3)]
    [InlineData("""{"input":[[15339,1917],[1,2,3]]}""", 5)]
    public void Embedding_inputs_of_each_shape(string json, long expected) =>
        Assert.Equal(expected, Counter.EmbeddingsInput(Body(json), "text-embedding-3-small"));

    [Theory]
    [InlineData("""[]""")]
    [InlineData("""42""")]
    [InlineData("""null""")]
    [InlineData("""{"messages":"hello"}""")]
    [InlineData("""{"messages":[1,"two",null,[],{"role":5,"content":{"a":1}}]}""")]
    [InlineData("""{"messages":[{"role":"user","content":[1,null,"x",{"type":7},{"type":"image_url","image_url":"u"},{"type":"image_url"},{"type":"text"},{"type":"input_audio","input_audio":"x"},{"type":"input_audio","input_audio":{"data":5}},{"type":"file","file":[]}]}]}""")]
    [InlineData("""{"messages":[{"role":"assistant","tool_calls":[1,{"function":"f"},{"function":{"name":1,"arguments":{}}}],"function_call":"x"}],"tools":5,"functions":"f","response_format":{"json_schema":1}}""")]
    [InlineData("""{"messages":[{"role":"user","content":"lone \ud800 surrogate"}]}""")]
    [InlineData("""{"input":{"a":1},"instructions":3,"tools":"x","text":{"format":"json_schema"}}""")]
    [InlineData("""{"input":[1,null,"s",{"type":5},{"type":"message"},{"type":"function_call_output","output":[{"type":"input_text","text":"x"}]},{"type":"function_call","name":[]}]}""")]
    [InlineData("""{"prompt":{"a":1},"input":true}""")]
    [InlineData("""{"prompt":[true,{"a":[]},[1,"x",null]],"input":[null,[null]]}""")]
    [InlineData("""{"system":[1,{"type":"text","text":5},{"type":9}],"messages":[{"role":"user","content":[{"type":"document"},{"type":"document","source":"x"},{"type":"document","source":{"type":"base64","data":7}},{"type":"tool_result","content":{"a":1}},{"type":"tool_use","name":[],"input":"x"},{"type":"image"}]}],"tools":{}}""")]
    [InlineData("""{"system":{"a":1},"messages":[{"role":"assistant","content":[{"type":"thinking"},{"type":"text"},{"type":"document","source":{"type":"content","content":"x"},"title":1}]}]}""")]
    public void Malformed_bodies_do_not_throw(string json)
    {
        // Fails by throwing: each count below runs every branch a field of the wrong kind can reach.
        var body = Body(json);
        Counter.ChatInput(body, O200k);
        Counter.ResponsesInput(body, O200k);
        Counter.CompletionsInput(body, O200k);
        Counter.EmbeddingsInput(body, O200k);
        Counter.MessagesInput(body, Claude);
        Counter.ChatInput(default, O200k);
        Counter.MessagesInput(default, Claude);
    }

    [Fact]
    public void A_body_that_is_not_an_object_counts_nothing()
    {
        foreach (var json in new[] { "[]", "42", "null", "\"text\"" })
        {
            var body = Body(json);
            Assert.Equal([0L, 0, 0, 0, 0], [Counter.ChatInput(body, O200k), Counter.ResponsesInput(body, O200k), Counter.CompletionsInput(body, O200k), Counter.EmbeddingsInput(body, O200k),
                Counter.MessagesInput(body, Claude)]);
        }
    }

    [Theory]
    [InlineData("""{"messages":"hello"}""", "\"hello\"")]
    [InlineData("""{"messages":{"role":"user","content":"hi"}}""", """{"role":"user","content":"hi"}""")]
    [InlineData("""{"messages":[],"tools":5,"functions":"f"}""", "5", "\"f\"")]
    public void Chat_fields_of_the_wrong_kind_count_as_their_json_text(string json, params string[] counted)
    {
        var primed = Body(json).GetProperty("messages").ValueKind == JsonValueKind.Array ? TokenCounter.ReplyPriming : 0;
        Assert.Equal(primed + counted.Sum(text => Counter.Text(text, O200k)), Counter.ChatInput(Body(json), O200k));
    }

    [Fact]
    public void A_message_that_is_not_an_object_counts_as_a_message_of_its_json_text()
    {
        var expected = TokenCounter.PerMessage + Counter.Text("[1,2]", O200k) + TokenCounter.PerMessage + Counter.Text("\"x\"", O200k) + TokenCounter.ReplyPriming;
        Assert.Equal(expected, Counter.ChatInput(Body("""{"messages":[[1,2],"x"]}"""), O200k));
    }

    [Fact]
    public void Prompt_elements_of_the_wrong_kind_count_as_their_json_text_and_nulls_as_nothing()
    {
        // A string, a token id (1), a null (0), an object (its JSON text), and an array of ids with a string in it.
        var expected = Counter.Text("hi", O200k) + 1 + 0 + Counter.Text("""{"a":1}""", O200k) + 1 + Counter.Text("\"x\"", O200k);
        Assert.Equal(expected, Counter.CompletionsInput(Body("""{"prompt":["hi",7,null,{"a":1},[3,"x"]]}"""), O200k));
    }

    [Fact]
    public void Long_runs_without_whitespace_count_close_to_the_uncut_count()
    {
        // Counted in runs of MaxRun characters, since BPE is quadratic in one pre-token's length (100,000 'a's uncut
        // take seconds, 1 MB minutes): how fast is the microbenchmarks' TokenCounterBenchmarks, not a test's.
        var count = Counter.Text(new string('a', 100_000), O200k);
        Assert.InRange(count, 12_500, 12_500 * 101 / 100); // uncut: 12,500 tokens
    }

    [Fact]
    public void Counting_is_thread_safe()
    {
        var texts = Enumerable.Range(0, 64).Select(i => string.Concat(Enumerable.Repeat($"word{i} and more text {i * 7} ", 50))).ToArray();
        var expected = texts.Select(t => Counter.Text(t, O200k)).ToArray();
        Parallel.For(0, 2_000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
            Assert.Equal(expected[i % texts.Length], Counter.Text(texts[i % texts.Length], i % 2 == 0 ? O200k : "gpt-4o-mini")));
    }

    [Fact]
    public void Text_past_the_exact_budget_is_extrapolated_from_what_was_counted()
    {
        var random = new Random(11);
        var words = new[] { "the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "gateway", "credit", "token", "limit", "1234" };
        var prose = new StringBuilder();
        while (prose.Length < 4 * TokenCounter.MaxExactChars) prose.Append(words[random.Next(words.Length)]).Append(' ');
        var text = prose.ToString(0, 4 * TokenCounter.MaxExactChars);
        // Each quarter fits one call's budget, so their sum is the exact count.
        var exact = Enumerable.Range(0, 4).Sum(i => Counter.Text(text.Substring(i * TokenCounter.MaxExactChars, TokenCounter.MaxExactChars), O200k));
        var budgeted = Counter.Text(text, O200k);
        Assert.InRange(budgeted, exact * 0.97, exact * 1.03);
        var body = Body(JsonSerializer.Serialize(new { messages = new[] { new { role = "user", content = text } } }));
        Assert.InRange(Counter.ChatInput(body, O200k), exact * 0.97, exact * 1.03 + 10);
    }

    private const string Claude = "claude-sonnet-4-5";

    /// <summary>The Claude rule: o200k's count × 1.25, rounded up.</summary>
    private static long ClaudeRule(long o200k) => (long)Math.Ceiling(o200k * 1.25m);

    [Theory]
    [InlineData("claude-sonnet-4-5", true)]
    [InlineData("claude-3-5-haiku-20241022", true)]
    [InlineData("Claude-Opus-4", true)]
    [InlineData("anthropic/claude-3-7-sonnet", true)] // a router's provider/ prefix
    [InlineData("anthropic.claude-3-5-sonnet-20241022-v2:0", true)] // Amazon Bedrock's names
    [InlineData("us.anthropic.claude-3-7-sonnet-20250219-v1:0", true)]
    [InlineData("gpt-4o", false)]
    [InlineData("not-claude", false)]
    [InlineData("mistral.claude-lookalike", false)]
    [InlineData("", false)]
    public void Claude_models_are_known_by_their_provider_name(string model, bool claude) => Assert.Equal(claude, TokenCounter.IsClaude(model));

    [Fact]
    public void Every_count_for_a_claude_model_is_o200k_times_one_and_a_quarter_rounded_up()
    {
        const string text = "The quick brown fox jumps over the lazy dog, twice.";
        var o200k = Counter.Text(text, O200k);
        Assert.Equal(ClaudeRule(o200k), Counter.Text(text, Claude));
        Assert.True(Counter.Text(text, Claude) > o200k); // errs high: o200k undercounts Claude

        // Whichever API counts it: an OpenAI-compatible provider serving Claude is counted by the same rule.
        var chat = Body($$"""{"messages":[{"role":"user","content":"{{text}}"}]}""");
        Assert.Equal(ClaudeRule(Counter.ChatInput(chat, O200k)), Counter.ChatInput(chat, "anthropic/claude-3-7-sonnet"));
        var responses = Body($$"""{"input":"{{text}}"}""");
        Assert.Equal(ClaudeRule(Counter.ResponsesInput(responses, O200k)), Counter.ResponsesInput(responses, Claude));
        var prompt = Body($$"""{"prompt":"{{text}}","input":"{{text}}"}""");
        Assert.Equal(ClaudeRule(Counter.CompletionsInput(prompt, O200k)), Counter.CompletionsInput(prompt, Claude));
        Assert.Equal(ClaudeRule(Counter.EmbeddingsInput(prompt, O200k)), Counter.EmbeddingsInput(prompt, Claude));
        var messages = Body($$"""{"messages":[{"role":"user","content":"{{text}}"}]}""");
        Assert.Equal(ClaudeRule(Counter.MessagesInput(messages, O200k)), Counter.MessagesInput(messages, Claude));
        Assert.Equal(2, Counter.Text("a", Claude)); // one o200k token: 1.25, rounded up
    }

    [Fact]
    public void A_messages_body_counts_its_system_prompt_messages_and_tools()
    {
        // A string system prompt and a message of string content, by the chat rule: 3 per message, its role, its content, 3 to prime the reply.
        var simple = Body("""{"model":"m","max_tokens":5,"system":"You are terse.","messages":[{"role":"user","content":"hello world"}]}""");
        Assert.Equal(Counter.Text("You are terse.", O200k) + 3 + 1 + 2 + 3, Counter.MessagesInput(simple, O200k));

        // System text blocks count as the string does; a cache_control marker costs nothing.
        var blocks = Body("""{"system":[{"type":"text","text":"You are terse.","cache_control":{"type":"ephemeral"}}],"messages":[{"role":"user","content":[{"type":"text","text":"hello world"}]}]}""");
        Assert.Equal(Counter.MessagesInput(simple, O200k), Counter.MessagesInput(blocks, O200k));

        // Tools: their JSON text.
        const string tools = """[{"name":"get_weather","description":"Weather by city","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}]""";
        var withTools = Body($$"""{"system":"You are terse.","messages":[{"role":"user","content":"hello world"}],"tools":{{tools}}}""");
        Assert.Equal(Counter.MessagesInput(simple, O200k) + Counter.Text(tools, O200k), Counter.MessagesInput(withTools, O200k));
    }

    [Fact]
    public void Messages_content_blocks_count_by_kind()
    {
        long Message(string blocks) =>
            Counter.MessagesInput(Body($$"""{"messages":[{"role":"user","content":[{{blocks}}]}]}"""), O200k) - (3 + 1 + 3);

        Assert.Equal(TokenCounter.ClaudeImageTokens, Message("""{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}}"""));
        Assert.Equal(TokenCounter.ClaudeImageTokens, Message("""{"type":"image","source":{"type":"url","url":"https://example.com/a.png"}}"""));
        // A tool call: its name and input JSON; a tool result: its content, a string or blocks.
        Assert.Equal(Counter.Text("get_weather", O200k) + Counter.Text("""{"city":"Paris"}""", O200k),
            Message("""{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris"}}"""));
        Assert.Equal(Counter.Text("18 degrees", O200k), Message("""{"type":"tool_result","tool_use_id":"toolu_1","content":"18 degrees"}"""));
        Assert.Equal(Counter.Text("18 degrees", O200k) + TokenCounter.ClaudeImageTokens,
            Message("""{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"18 degrees"},{"type":"image","source":{"type":"url","url":"u"}}]}"""));
        // Thinking: its text (the signature is not).
        Assert.Equal(Counter.Text("Let me think.", O200k), Message("""{"type":"thinking","thinking":"Let me think.","signature":"c2lnbmF0dXJl"}"""));
        // Documents: a plain text source's text, a content source's blocks, base64 data at 1 token per 4 bytes, a reference a flat
        // placeholder; plus title and context.
        Assert.Equal(Counter.Text("Report", O200k) + Counter.Text("The grass is green.", O200k),
            Message("""{"type":"document","title":"Report","source":{"type":"text","media_type":"text/plain","data":"The grass is green."}}"""));
        Assert.Equal(Counter.Text("The grass is green.", O200k),
            Message("""{"type":"document","source":{"type":"content","content":[{"type":"text","text":"The grass is green."}]}}"""));
        Assert.Equal(3, Message("""{"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"AAAAAAAAAAAAAAAA"}}""")); // 12 bytes
        Assert.Equal(TokenCounter.FileReferenceTokens, Message("""{"type":"document","source":{"type":"url","url":"https://example.com/a.pdf"}}"""));
        Assert.Equal(TokenCounter.FileReferenceTokens, Message("""{"type":"document","source":{"type":"file","file_id":"file_1"}}"""));
        // Anything else: its JSON text.
        const string other = """{"type":"search_result","source":"s","title":"t","content":[]}""";
        Assert.Equal(Counter.Text(other, O200k), Message(other));
    }

    [Fact]
    public void A_claude_models_flat_estimates_take_the_rule_too()
    {
        var image = Body("""{"messages":[{"role":"user","content":[{"type":"image","source":{"type":"url","url":"u"}}]}]}""");
        Assert.Equal(ClaudeRule(3 + 1 + TokenCounter.ClaudeImageTokens + 3), Counter.MessagesInput(image, Claude));
    }
}
