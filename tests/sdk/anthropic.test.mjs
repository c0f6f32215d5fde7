// Tollgate's proxy as Anthropic's Messages API, driven by the official @anthropic-ai/sdk npm package.
//
// Run by tests/Tollgate.Tests/Proxy/AnthropicSdkTests.cs, which starts the proxy in front of the fake upstream (an
// anthropic provider), prepares the keys below and then checks in PostgreSQL what was charged and recorded for each
// request. Every case prints one JSON line to stdout, {"case": …, "request_id": …, …}, with what the SDK saw.
//
// Environment:
//   TOLLGATE_URL           the gateway, e.g. http://127.0.0.1:5000 (the SDK's baseURL: it adds /v1/messages itself)
//   TOLLGATE_KEY           a key of an account with credit and no limits
//   TOLLGATE_MODEL         a model routed to an anthropic provider and priced (default: sonnet)
//   TOLLGATE_LIMITED_KEY   a key with requests_per_minute 1, unused so far
//   TOLLGATE_BROKE_KEY     a key of an account with no credit
//   TOLLGATE_HELD_KEY      a key of TOLLGATE_HELD_ACCOUNT, an account nothing else uses
//   TOLLGATE_HELD_ACCOUNT  that account, whose hold is read through the admin API while its stream is held
//   TOLLGATE_ADMIN_TOKEN   the gateway's admin token
//   TOLLGATE_FAKE_URL      the fake upstream, whose gates hold a stream sent with fake.hold until opened
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const baseURL = env('TOLLGATE_URL').replace(/\/$/, '');
const model = process.env.TOLLGATE_MODEL ?? 'sonnet';

/**
 * A client and a log of every HTTP exchange it made. How it presents the key (auth):
 *   'x-api-key'  hand-set as x-api-key, Authorization omitted: how SDK 0.x sent apiKey, and how curl examples do;
 *   'apiKey'     the SDK's apiKey option, which 1.x sends as Authorization: Bearer;
 *   'authToken'  the SDK's authToken option, Authorization: Bearer too.
 */
function client(key, { auth = 'x-api-key', ...options } = {}) {
  const exchanges = [];
  const credentials = auth === 'x-api-key' ? { apiKey: null, authToken: null, defaultHeaders: { 'X-Api-Key': key, Authorization: null } }
    : auth === 'apiKey' ? { apiKey: key, authToken: null }
    : { apiKey: null, authToken: key };
  const anthropic = new Anthropic({
    baseURL,
    ...credentials,
    maxRetries: 0,
    ...options,
    fetch: async (url, init) => {
      const headers = new Headers(init?.headers);
      const response = await fetch(url, init);
      exchanges.push({
        path: new URL(url).pathname,
        status: response.status,
        request_id: response.headers.get('x-request-id'),
        auth: headers.has('x-api-key') ? (headers.has('authorization') ? 'both' : 'x-api-key') : headers.has('authorization') ? 'bearer' : 'none',
        version: headers.get('anthropic-version'),
        body: typeof init?.body === 'string' ? JSON.parse(init.body) : null,
      });
      return response;
    },
  });
  return { anthropic, exchanges };
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

/** Anthropic's usage, as the .NET side compares it with the usage row. */
const usageOf = (usage) => ({
  input_tokens: usage.input_tokens,
  cache_read_input_tokens: usage.cache_read_input_tokens,
  cache_creation_input_tokens: usage.cache_creation_input_tokens,
  ephemeral_5m_input_tokens: usage.cache_creation?.ephemeral_5m_input_tokens ?? 0,
  ephemeral_1h_input_tokens: usage.cache_creation?.ephemeral_1h_input_tokens ?? 0,
  output_tokens: usage.output_tokens,
});

/** What the SDK made of a refusal, and how many requests it sent for it (it retries 408, 409, 429 and 5xx when allowed to). */
const denial = (error, attempts) => ({
  request_id: error.requestID, status: error.status, type: error.type, error_code: error.errorCode, class: error.constructor.name, attempts,
});

const hello = [{ role: 'user', content: 'Hello' }];
const cached = { input_tokens: 100, output_tokens: 20, cached_tokens: 300, cache_write_5m_tokens: 40, cache_write_1h_tokens: 10 };

test('messages.create: a message, with the provider\'s usage, cache reads and writes included (the key as x-api-key)', async () => {
  const { anthropic, exchanges } = client(env('TOLLGATE_KEY'));
  const { data: message, response, request_id } = await anthropic.messages
    .create({ model, max_tokens: 256, system: 'You answer briefly.', messages: hello, fake: cached })
    .withResponse();
  assert.equal(response.status, 200);
  assert.match(request_id, /^px_/); // the SDK's request id is Tollgate's (request-id), the usage row's
  assert.equal(request_id, response.headers.get('x-request-id'));
  assert.equal(message.type, 'message');
  assert.equal(message.role, 'assistant');
  assert.ok(message.content[0].text.length > 0);
  assert.deepEqual([message.usage.input_tokens, message.usage.cache_read_input_tokens, message.usage.cache_creation_input_tokens, message.usage.output_tokens],
    [100, 300, 50, 20]);
  assert.deepEqual([exchanges[0].auth, exchanges[0].path], ['x-api-key', '/v1/messages']);
  assert.ok(exchanges[0].version, 'the SDK sent anthropic-version');
  report('create', { request_id, usage: usageOf(message.usage), streamed: false, auth: exchanges[0].auth, version: exchanges[0].version });
});

// SDK 1.x sends its apiKey option as a bearer token, as it does authToken: both reach Tollgate as Authorization: Bearer.
for (const [name, auth] of [['create_bearer', 'apiKey'], ['create_auth_token', 'authToken']]) {
  test(`messages.create with the key as the SDK's ${auth} option (Authorization: Bearer)`, async () => {
    const { anthropic, exchanges } = client(env('TOLLGATE_KEY'), { auth });
    const { data: message, request_id } = await anthropic.messages
      .create({ model, max_tokens: 64, messages: hello, fake: { input_tokens: 12, output_tokens: 5 } })
      .withResponse();
    assert.equal(exchanges[0].auth, 'bearer');
    report(name, { request_id, usage: usageOf(message.usage), streamed: false, auth: exchanges[0].auth, version: exchanges[0].version });
  });
}

test('messages.stream: events, text, and the final message\'s usage as message_start and message_delta reported it', async () => {
  const { anthropic } = client(env('TOLLGATE_KEY'));
  const stream = anthropic.messages.stream({ model, max_tokens: 256, messages: hello, fake: { ...cached, chunks: 5 } });
  const types = [];
  let text = '';
  stream.on('streamEvent', (event) => types.push(event.type));
  stream.on('text', (delta) => { text += delta; });
  const { request_id } = await stream.withResponse();
  const message = await stream.finalMessage();
  assert.equal(types[0], 'message_start');
  assert.deepEqual(types.slice(-2), ['message_delta', 'message_stop']);
  assert.equal(types.filter((type) => type === 'content_block_delta').length, 5);
  assert.equal(text, message.content[0].text);
  assert.equal(message.stop_reason, 'end_turn');
  assert.deepEqual([message.usage.input_tokens, message.usage.cache_read_input_tokens, message.usage.output_tokens], [100, 300, 20]);
  report('stream', { request_id, usage: usageOf(message.usage), streamed: true, events: types.length });
});

test('max_tokens is held while the stream runs: the account\'s pending amount, read through the admin API', async () => {
  const { anthropic, exchanges } = client(env('TOLLGATE_HELD_KEY'));
  const account = env('TOLLGATE_HELD_ACCOUNT');
  const stream = anthropic.messages.stream({ model, max_tokens: 4000, system: 'You are a careful assistant.', messages: hello,
    fake: { input_tokens: 40, output_tokens: 12, chunks: 3, hold: 'held' } });
  let held = null;
  for await (const event of stream) {
    if (held !== null) continue;
    assert.equal(event.type, 'message_start'); // the fake holds the rest until its gate opens
    const answer = await fetch(`${baseURL}/admin/accounts/${account}`, { headers: { authorization: `Bearer ${env('TOLLGATE_ADMIN_TOKEN')}` } });
    held = await answer.json();
    const opened = await fetch(`${env('TOLLGATE_FAKE_URL').replace(/\/$/, '')}/fake/gates/held`, { method: 'POST' });
    assert.equal(opened.status, 204);
  }
  const message = await stream.finalMessage();
  assert.equal(held.active_reservations, 1);
  assert.ok(held.pending > 0);
  // The .NET side counts the body the SDK sent and checks the hold is its worst case with max_tokens.
  report('held', { request_id: stream.request_id ?? exchanges[0].request_id, usage: usageOf(message.usage), streamed: true, pending: held.pending,
    active_reservations: held.active_reservations, sent: exchanges[0].body });
});

test('messages.countTokens: the provider\'s count, not metered', async () => {
  const { anthropic, exchanges } = client(env('TOLLGATE_KEY'));
  const counted = await anthropic.messages.countTokens({ model, messages: hello, fake: { input_tokens: 321 } });
  assert.equal(counted.input_tokens, 321);
  assert.equal(exchanges[0].path, '/v1/messages/count_tokens');
  report('count_tokens', { request_id: exchanges[0].request_id, input_tokens: counted.input_tokens });
});

test('models.list: Anthropic\'s shape, the model in it', async () => {
  const { anthropic } = client(env('TOLLGATE_KEY'));
  const ids = [];
  for await (const entry of anthropic.models.list()) {
    assert.equal(entry.type, 'model');
    assert.ok(!Number.isNaN(Date.parse(entry.created_at)), entry.created_at);
    ids.push(entry.id);
  }
  assert.ok(ids.includes(model), `models: ${ids.join(', ')}`);
  report('models', { request_id: null, models: ids });
});

// maxRetries 0: a minute window's retry-after can be up to about 61 s, which the SDK would wait.
test('429: RateLimitError with retry-after (requests_per_minute 1, no retries)', async () => {
  const { anthropic, exchanges } = client(env('TOLLGATE_LIMITED_KEY'));
  const first = await anthropic.messages.create({ model, max_tokens: 16, messages: hello, fake: { input_tokens: 5, output_tokens: 3 } }).withResponse();
  report('limited_first', { request_id: first.request_id, usage: usageOf(first.data.usage), streamed: false });

  const error = await rejection(anthropic.messages.create({ model, max_tokens: 16, messages: hello }));
  assert.ok(error instanceof Anthropic.RateLimitError, `${error?.constructor?.name}: ${error?.message}`);
  assert.equal(error.status, 429);
  assert.equal(error.type, 'rate_limit_error');
  assert.equal(error.errorCode, 'rate_limit_exceeded'); // Tollgate's code, in error.details.error_code
  const retryAfter = Number(error.headers.get('retry-after'));
  assert.ok(retryAfter >= 1 && retryAfter <= 61, `retry-after ${retryAfter}`);
  assert.equal(error.requestID, error.headers.get('x-request-id'));
  assert.equal(error.error.request_id, error.requestID);
  assert.equal(exchanges.length, 2, 'maxRetries 0: one request each');
  report('rate_limited', { ...denial(error, exchanges.length - 1), retry_after: retryAfter, retry_after_ms: Number(error.headers.get('retry-after-ms')) });
});

test('an invalid key: AuthenticationError, 401 authentication_error, not retried', async () => {
  const real = env('TOLLGATE_KEY');
  const tampered = real.slice(0, -1) + (real.at(-1) === 'A' ? 'B' : 'A'); // a Tollgate key whose secret is wrong
  for (const [name, key] of [['invalid_key', 'sk-ant-not-a-tollgate-key'], ['tampered_key', tampered]]) {
    const { anthropic, exchanges } = client(key, { maxRetries: 2 });
    const error = await rejection(anthropic.messages.create({ model, max_tokens: 16, messages: hello }));
    assert.ok(error instanceof Anthropic.AuthenticationError, `${error?.constructor?.name}: ${error?.message}`);
    assert.equal(error.status, 401);
    assert.equal(error.type, 'authentication_error');
    assert.equal(error.errorCode, 'invalid_api_key');
    assert.equal(exchanges.length, 1);
    assert.match(error.requestID, /^px_/);
    report(name, denial(error, exchanges.length));
  }
});

test('insufficient credit: a 402 billing_error the SDK raises as its own APIError and does not retry', async () => {
  const { anthropic, exchanges } = client(env('TOLLGATE_BROKE_KEY'), { maxRetries: 2 });
  const error = await rejection(anthropic.messages.create({ model, max_tokens: 16, messages: hello }));
  assert.ok(error instanceof Anthropic.APIError, `${error?.constructor?.name}: ${error?.message}`);
  assert.ok(error instanceof Anthropic.PaymentRequiredError, `${error?.constructor?.name}`);
  assert.equal(error.status, 402);
  assert.equal(error.type, 'billing_error');
  assert.equal(error.errorCode, 'insufficient_credit');
  assert.equal(exchanges.length, 1, 'not retried');
  report('insufficient_credit', denial(error, exchanges.length));
});
