-- wrk script: authorize+settle pairs against a metering API of Tollgate's shape, accounts drawn uniformly.
-- wrk -t2 -c64 -d20s -s pairs.lua http://127.0.0.1:PORT -- PREFIX TOKEN ACCOUNTS RUN_ID
-- Each thread queues the reservations its authorizes returned and sends their settles first, so every
-- allowed authorize is settled once (on whichever of the thread's connections is free next).
-- wrk's latency histogram mixes both calls; done() prints one line the bench parses.
local threads = {}
local next_thread = 0

function setup(thread)
  thread:set("thread_id", next_thread)
  next_thread = next_thread + 1
  table.insert(threads, thread)
end

function init(args)
  prefix, token, accounts, run_id = args[1], args[2], tonumber(args[3]), args[4]
  math.randomseed(os.time() * 100 + thread_id)
  headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }
  waiting, sequence = {}, 0
  pairs_done, denied, failed, charged = 0, 0, 0, 0
end

function request()
  local reservation = table.remove(waiting)
  if reservation then
    return wrk.format("POST", prefix .. "/settle", headers,
      '{"reservation_id":"' .. reservation .. '","input_tokens":1000,"output_tokens":300}')
  end
  sequence = sequence + 1
  local account = "bench-" .. math.random(0, accounts - 1)
  local ip = "10.9." .. (sequence % 250) .. "." .. (thread_id % 250)
  return wrk.format("POST", prefix .. "/authorize", headers,
    '{"request_id":"' .. run_id .. "-" .. thread_id .. "-" .. sequence .. '","account_id":"' .. account ..
    '","caller_ip":"' .. ip .. '","model":"bench-model","estimated_input_tokens":1000,"max_output_tokens":500}')
end

function response(status, headers, body)
  if status ~= 200 then
    failed = failed + 1
  elseif body:find('"allowed":true', 1, true) then
    table.insert(waiting, body:match('"reservation_id":"([^"]+)"'))
  elseif body:find('"allowed":false', 1, true) then
    denied = denied + 1
  else
    pairs_done = pairs_done + 1
    charged = charged + tonumber(body:match('"charged":(%d+)'))
  end
end

function done(summary, latency, requests)
  local totals = { pairs = 0, denied = 0, failed = 0, charged = 0 }
  for _, thread in ipairs(threads) do
    for name, _ in pairs(totals) do totals[name] = totals[name] + thread:get(name == "pairs" and "pairs_done" or name) end
  end
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("WRK requests=%d seconds=%.3f pairs=%d denied=%d failed=%d socket_errors=%d charged=%d p50=%d p99=%d p999=%d\n",
    summary.requests, summary.duration / 1e6, totals.pairs, totals.denied, totals.failed, errors, totals.charged,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
end
