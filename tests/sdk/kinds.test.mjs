// Cached and reasoning tokens through Tollgate's proxy, as the official openai npm package reports them.
//
// Run by tests/Tollgate.Tests/Proxy/OpenAiSdkTests.cs (Cached_and_reasoning_tokens_…), which routes TOLLGATE_MODEL to the
// fake upstream with a price whose cached input and reasoning components differ from plain input and output, and then
// checks in PostgreSQL that each request was charged at them. Every case prints one JSON line, {"case", "request_id",
// "usage": {input, output, cached, reasoning}}, with the usage the SDK saw.
//
// Environment: TOLLGATE_URL (the gateway), TOLLGATE_KEY (a key with credit), TOLLGATE_MODEL (the model priced by kind).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const openai = new OpenAI({ baseURL: env('TOLLGATE_URL').replace(/\/$/, '') + '/v1', apiKey: env('TOLLGATE_KEY'), maxRetries: 0 });
const model = env('TOLLGATE_MODEL');
// 90 % of the prompt read from the provider's cache; most of the output spent reasoning.
const fake = { input_tokens: 1000, output_tokens: 200, cached_tokens: 900, reasoning_tokens: 150, chunks: 3 };
const hello = [{ role: 'user', content: 'Hello' }];

function report(name, request_id, usage) {
  console.log(JSON.stringify({ case: name, request_id, usage }));
}

const chatUsage = (usage) => ({
  input: usage.prompt_tokens,
  output: usage.completion_tokens,
  cached: usage.prompt_tokens_details.cached_tokens,
  reasoning: usage.completion_tokens_details.reasoning_tokens,
});

const responsesUsage = (usage) => ({
  input: usage.input_tokens,
  output: usage.output_tokens,
  cached: usage.input_tokens_details.cached_tokens,
  reasoning: usage.output_tokens_details.reasoning_tokens,
});

const expected = { input: 1000, output: 200, cached: 900, reasoning: 150 };

test('chat, not streamed', async () => {
  const { data, request_id } = await openai.chat.completions.create({ model, messages: hello, fake }).withResponse();
  assert.deepEqual(chatUsage(data.usage), expected);
  report('chat', request_id, chatUsage(data.usage));
});

test('chat, streamed with include_usage', async () => {
  const { data: stream, request_id } = await openai.chat.completions
    .create({ model, messages: hello, stream: true, stream_options: { include_usage: true }, fake })
    .withResponse();
  let usage = null;
  for await (const chunk of stream) usage = chunk.usage ?? usage;
  assert.deepEqual(chatUsage(usage), expected);
  report('chat_stream', request_id, chatUsage(usage));
});

test('chat, streamed without include_usage: the proxy asks for the usage and charges it all the same', async () => {
  const { data: stream, request_id } = await openai.chat.completions.create({ model, messages: hello, stream: true, fake }).withResponse();
  for await (const chunk of stream) assert.equal(chunk.usage ?? null, null);
  report('chat_stream_unasked', request_id, expected);
});

test('responses, not streamed', async () => {
  const { data, request_id } = await openai.responses.create({ model, input: 'Say hello', fake }).withResponse();
  assert.deepEqual(responsesUsage(data.usage), expected);
  report('responses', request_id, responsesUsage(data.usage));
});

test('responses, streamed', async () => {
  const { data: stream, request_id } = await openai.responses.create({ model, input: 'Say hello', stream: true, fake }).withResponse();
  let completed = null;
  for await (const event of stream) if (event.type === 'response.completed') completed = event.response;
  assert.deepEqual(responsesUsage(completed.usage), expected);
  report('responses_stream', request_id, responsesUsage(completed.usage));
});
