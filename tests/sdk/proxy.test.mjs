// Tollgate's OpenAI-compatible proxy driven by the official openai npm package.
//
// Run by tests/Tollgate.Tests/Proxy/OpenAiSdkTests.cs, which starts the proxy in front of the fake upstream,
// prepares the keys below and then checks in PostgreSQL what was charged and recorded for each request. Every
// case prints one JSON line to stdout, {"case": …, "request_id": …, …}, with what the SDK saw.
//
// Environment:
//   TOLLGATE_URL             the gateway, e.g. http://127.0.0.1:5000 (the SDK's baseURL is TOLLGATE_URL/v1)
//   TOLLGATE_KEY             a key of an account with credit and no limits
//   TOLLGATE_MODEL           the routed and priced model (default: demo)
//   TOLLGATE_LIMITED_KEY     a key with requests_per_minute 1, unused so far
//   TOLLGATE_CONCURRENT_KEY  a key with max_concurrent 1, unused so far
//   TOLLGATE_BROKE_KEY       a key of an account with no credit
//   TOLLGATE_FAKE_URL        the fake upstream, whose gates hold a stream sent with fake.hold until opened
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const baseURL = env('TOLLGATE_URL').replace(/\/$/, '') + '/v1';
const model = process.env.TOLLGATE_MODEL ?? 'demo';

/** A client, and a log of every HTTP exchange it made (retries included): when, its x-request-id, status and request body. */
function client(apiKey, options = {}) {
  const exchanges = [];
  const openai = new OpenAI({
    baseURL,
    apiKey,
    maxRetries: 0,
    ...options,
    fetch: async (url, init) => {
      const sent = Date.now();
      const response = await fetch(url, init);
      exchanges.push({
        sent,
        status: response.status,
        request_id: response.headers.get('x-request-id'),
        retry_count: new Headers(init?.headers).get('x-stainless-retry-count'),
        body: typeof init?.body === 'string' ? JSON.parse(init.body) : null,
      });
      return response;
    },
  });
  return { openai, exchanges };
}

/** One line per case for the .NET side. */
function report(name, fields) {
  console.log(JSON.stringify({ case: name, ...fields }));
}

/** The error a promise rejects with (fails if it resolves). */
async function rejection(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('the request succeeded');
}

const hello = [{ role: 'user', content: 'Hello' }];

test('chat, not streamed', async () => {
  const { openai } = client(env('TOLLGATE_KEY'));
  const { data, response, request_id } = await openai.chat.completions
    .create({ model, messages: hello, fake: { input_tokens: 21, output_tokens: 9 } })
    .withResponse();
  assert.equal(response.status, 200);
  assert.match(request_id, /^px_/);
  assert.equal(data.object, 'chat.completion');
  assert.ok(data.choices[0].message.content.length > 0);
  assert.deepEqual([data.usage.prompt_tokens, data.usage.completion_tokens], [21, 9]);
  assert.ok(response.headers.get('x-ratelimit-limit-requests') === null, 'a key without limits has no x-ratelimit-*-requests');
  report('chat', { request_id, usage: { input: data.usage.prompt_tokens, output: data.usage.completion_tokens } });
});

test('chat, streamed: content in chunks and no usage chunk unless asked for', async () => {
  const { openai } = client(env('TOLLGATE_KEY'));
  const { data: stream, request_id } = await openai.chat.completions
    .create({ model, messages: hello, stream: true, fake: { input_tokens: 30, output_tokens: 12, chunks: 4 } })
    .withResponse();
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  const contents = chunks.map((chunk) => chunk.choices[0]?.delta?.content).filter((content) => content);
  assert.ok(contents.length >= 2, `content came in ${contents.length} chunk(s)`);
  assert.ok(chunks.every((chunk) => chunk.usage == null), 'a usage chunk the client did not ask for');
  assert.ok(chunks.every((chunk) => chunk.choices.length > 0), 'a chunk without choices (the usage chunk)');
  assert.equal(chunks.at(-1).choices[0].finish_reason, 'stop');
  // The proxy asked the provider for the usage and charged it: the .NET side checks the fake's numbers.
  report('chat_stream', { request_id, content_chunks: contents.length, usage: null, expected: { input: 30, output: 12 } });
});

test('chat, streamed with stream_options.include_usage: the last chunk has the usage', async () => {
  const { openai } = client(env('TOLLGATE_KEY'));
  const { data: stream, request_id } = await openai.chat.completions
    .create({ model, messages: hello, stream: true, stream_options: { include_usage: true }, fake: { input_tokens: 30, output_tokens: 12, chunks: 4 } })
    .withResponse();
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  const last = chunks.at(-1);
  assert.deepEqual(last.choices, []);
  assert.deepEqual([last.usage.prompt_tokens, last.usage.completion_tokens], [30, 12]);
  assert.equal(chunks.filter((chunk) => chunk.usage).length, 1);
  report('chat_stream_usage', { request_id, usage: { input: last.usage.prompt_tokens, output: last.usage.completion_tokens } });
});

test('responses, not streamed', async () => {
  const { openai } = client(env('TOLLGATE_KEY'));
  const { data, request_id } = await openai.responses
    .create({ model, input: 'Say hello', fake: { input_tokens: 14, output_tokens: 6 } })
    .withResponse();
  assert.equal(data.object, 'response');
  assert.equal(data.status, 'completed');
  assert.ok(data.output_text.length > 0, 'the SDK assembles output_text');
  assert.deepEqual([data.usage.input_tokens, data.usage.output_tokens], [14, 6]);
  report('responses', { request_id, usage: { input: data.usage.input_tokens, output: data.usage.output_tokens } });
});

test('responses, streamed: deltas, then response.completed with the usage', async () => {
  const { openai } = client(env('TOLLGATE_KEY'));
  const { data: stream, request_id } = await openai.responses
    .create({ model, input: 'Say hello', stream: true, fake: { input_tokens: 14, output_tokens: 6, chunks: 3 } })
    .withResponse();
  const events = [];
  for await (const event of stream) events.push(event);
  const types = events.map((event) => event.type);
  assert.equal(types[0], 'response.created');
  assert.equal(types.at(-1), 'response.completed');
  assert.ok(types.filter((type) => type === 'response.output_text.delta').length >= 2, types.join(' '));
  const completed = events.at(-1).response;
  const text = events.filter((event) => event.type === 'response.output_text.delta').map((event) => event.delta).join('');
  assert.equal(text, completed.output[0].content[0].text);
  assert.deepEqual([completed.usage.input_tokens, completed.usage.output_tokens], [14, 6]);
  report('responses_stream', { request_id, events: types.length, usage: { input: completed.usage.input_tokens, output: completed.usage.output_tokens } });
});

test('completions (legacy), not streamed', async () => {
  const { openai } = client(env('TOLLGATE_KEY'));
  const { data, request_id } = await openai.completions.create({ model, prompt: 'Once upon a time', max_tokens: 16, fake: { input_tokens: 4, output_tokens: 16 } }).withResponse();
  assert.equal(data.object, 'text_completion');
  assert.ok(data.choices[0].text.length > 0);
  report('completions', { request_id, usage: { input: data.usage.prompt_tokens, output: data.usage.completion_tokens } });
});

test('embeddings: the SDK asks for base64 and decodes float32 vectors', async () => {
  const { openai, exchanges } = client(env('TOLLGATE_KEY'));
  const { data, request_id } = await openai.embeddings.create({ model, input: ['first text', 'second text'], fake: { input_tokens: 7 } }).withResponse();
  assert.equal(exchanges[0].body.encoding_format, 'base64', 'the SDK asked for base64 by itself');
  assert.equal(data.data.length, 2);
  for (const item of data.data) {
    assert.ok(Array.isArray(item.embedding) && item.embedding.length === 8, 'decoded to an array of 8 numbers');
    assert.ok(item.embedding.every((value) => typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= 1));
    const norm = Math.hypot(...item.embedding);
    assert.ok(Math.abs(norm - 1) < 1e-5, `the fake's vectors are unit vectors (norm ${norm})`);
  }
  assert.notDeepEqual(data.data[0].embedding, data.data[1].embedding);
  // Asked explicitly for floats, the SDK passes the answer through: the same vector.
  const floats = await openai.embeddings.create({ model, input: ['first text'], encoding_format: 'float' }).withResponse();
  assert.deepEqual(floats.data.data[0].embedding.map((v) => Math.fround(v)), data.data[0].embedding);
  report('embeddings', { request_id, usage: { input: data.usage.prompt_tokens, output: 0 } });
  report('embeddings_float', { request_id: floats.request_id, usage: { input: floats.data.usage.prompt_tokens, output: 0 } });
});

test('models.list() contains the routed model', async () => {
  const { openai } = client(env('TOLLGATE_KEY'));
  const { data: page, response } = await openai.models.list().withResponse();
  const ids = [];
  for await (const entry of page) ids.push(entry.id);
  assert.ok(ids.includes(model), `models: ${ids.join(', ')}`);
  assert.ok(page.data.every((entry) => entry.object === 'model' && entry.owned_by === 'tollgate'));
  // Not metered (no usage row), and answered without an x-request-id.
  report('models', { request_id: response.headers.get('x-request-id'), models: ids });
});

// With maxRetries 0: a minute window's retry-after-ms is up to about 61,000, and this SDK waits whatever it is told
// (no cap), so a default client (maxRetries 2) would sleep about two minutes before throwing.
test('429: RateLimitError with Retry-After and x-ratelimit-* headers (requests_per_minute 1, no retries)', async () => {
  const { openai, exchanges } = client(env('TOLLGATE_LIMITED_KEY'));
  const first = await openai.chat.completions.create({ model, messages: hello, fake: { input_tokens: 5, output_tokens: 3 } }).withResponse();
  assert.equal(first.response.headers.get('x-ratelimit-limit-requests'), '1');
  assert.equal(first.response.headers.get('x-ratelimit-remaining-requests'), '0');
  report('limited_first', { request_id: first.request_id, usage: { input: first.data.usage.prompt_tokens, output: first.data.usage.completion_tokens } });

  const error = await rejection(openai.chat.completions.create({ model, messages: hello }));
  assert.ok(error instanceof OpenAI.RateLimitError, `${error?.constructor?.name}: ${error?.message}`);
  assert.equal(error.status, 429);
  assert.equal(error.code, 'rate_limit_exceeded');
  assert.equal(error.type, 'requests');
  const retryAfter = Number(error.headers.get('retry-after'));
  const retryAfterMs = Number(error.headers.get('retry-after-ms'));
  assert.ok(retryAfter >= 1 && retryAfter <= 61, `retry-after ${retryAfter}`);
  assert.ok(retryAfterMs > 0 && retryAfterMs <= retryAfter * 1000, `retry-after-ms ${retryAfterMs}`);
  assert.equal(error.headers.get('x-ratelimit-limit-requests'), '1');
  assert.equal(error.headers.get('x-ratelimit-remaining-requests'), '0');
  assert.match(error.headers.get('x-ratelimit-reset-requests'), /^(\d+ms|[\d.]+s|\d+m[\d.]+s)$/);
  assert.equal(error.requestID, error.headers.get('x-request-id'));
  assert.equal(exchanges.length, 2, 'maxRetries 0: one request each');
  report('rate_limited', { request_id: error.requestID, status: error.status, retry_after: retryAfter, retry_after_ms: retryAfterMs });
});

test('429 with maxRetries 2: the SDK retries twice, waiting the retry-after-ms it was told (max_concurrent 1)', async () => {
  const key = env('TOLLGATE_CONCURRENT_KEY');
  const holder = client(key).openai;
  // A stream that holds the key's one slot until the fake's gate opens, after the three attempts.
  const { data: slow, request_id: slowId } = await holder.chat.completions
    .create({ model, messages: hello, stream: true, fake: { input_tokens: 10, output_tokens: 30, chunks: 30, hold: 'concurrent-holder' } })
    .withResponse();

  const { openai, exchanges } = client(key, { maxRetries: 2 });
  const started = Date.now();
  const error = await rejection(openai.chat.completions.create({ model, messages: hello }));
  const elapsed = Date.now() - started;
  assert.ok(error instanceof OpenAI.RateLimitError, `${error?.constructor?.name}: ${error?.message}`);
  assert.deepEqual(exchanges.map((exchange) => exchange.status), [429, 429, 429]);
  assert.deepEqual(exchanges.map((exchange) => exchange.retry_count), ['0', '1', '2']);
  const ids = exchanges.map((exchange) => exchange.request_id);
  assert.equal(new Set(ids).size, 3, 'each attempt is a request of its own');
  assert.equal(error.requestID, ids[2], 'the error is the last attempt');
  assert.equal(error.headers.get('retry-after-ms'), '1000'); // a concurrency limit's fair guess
  const gaps = exchanges.slice(1).map((exchange, i) => exchange.sent - exchanges[i].sent);
  assert.ok(gaps.every((gap) => gap >= 950), `the SDK waited ${gaps.join(', ')} ms between attempts`);

  const opened = await fetch(`${env('TOLLGATE_FAKE_URL').replace(/\/$/, '')}/fake/gates/concurrent-holder`, { method: 'POST' });
  assert.equal(opened.status, 204);
  const chunks = [];
  for await (const chunk of slow) chunks.push(chunk);
  assert.equal(chunks.at(-1).choices[0].finish_reason, 'stop');
  report('concurrent_holder', { request_id: slowId, usage: null, expected: { input: 10, output: 30 } });
  report('rate_limited_retried', { request_ids: ids, gaps_ms: gaps, elapsed_ms: elapsed });
});

test('an invalid key: AuthenticationError, 401 invalid_api_key, not retried', async () => {
  const real = env('TOLLGATE_KEY');
  const tampered = real.slice(0, -1) + (real.at(-1) === 'A' ? 'B' : 'A'); // a Tollgate key whose secret is wrong
  for (const [name, apiKey] of [['invalid_key', 'sk-proj-not-a-tollgate-key'], ['tampered_key', tampered]]) {
    const { openai, exchanges } = client(apiKey, { maxRetries: 2 });
    const error = await rejection(openai.chat.completions.create({ model, messages: hello }));
    assert.ok(error instanceof OpenAI.AuthenticationError, `${error?.constructor?.name}: ${error?.message}`);
    assert.equal(error.status, 401);
    assert.equal(error.code, 'invalid_api_key');
    assert.equal(error.type, 'invalid_request_error');
    assert.equal(exchanges.length, 1);
    assert.match(error.requestID, /^px_/);
    report(name, { request_id: error.requestID, status: error.status });
  }
});

test('insufficient credit: a 402 APIError the SDK does not retry', async () => {
  const { openai, exchanges } = client(env('TOLLGATE_BROKE_KEY'), { maxRetries: 2 });
  const error = await rejection(openai.chat.completions.create({ model, messages: hello }));
  assert.ok(error instanceof OpenAI.APIError, `${error?.constructor?.name}: ${error?.message}`);
  assert.equal(error.constructor, OpenAI.APIError, 'no subclass for 402');
  assert.equal(error.status, 402);
  assert.equal(error.type, 'insufficient_quota');
  assert.equal(error.code, 'insufficient_credit');
  assert.equal(exchanges.length, 1, 'not retried');
  report('insufficient_credit', { request_id: error.requestID, status: error.status });
});
