-- presence-wrk.lua — the wrk side of bench/bench-presence.sh.
--
--   wrk -s bench/presence-wrk.lua URL                      GET
--   wrk -s bench/presence-wrk.lua URL -- BODY-FILE CTYPE   PUT of BODY-FILE
--
-- The request is built once per thread after init() (no request() or
-- response() here, so wrk keeps its static fast path); the same body goes
-- out every time. done() prints one line for the shell to parse: counts,
-- and latencies in microseconds.

function init(args)
	if args[1] ~= nil then
		local f = assert(io.open(args[1], "rb"))
		wrk.body = f:read("*a")
		f:close()
		wrk.method = "PUT"
		wrk.headers["Content-Type"] = args[2]
	end
end

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("WRK requests=%d duration_us=%d mean_us=%d "
	    .. "p50_us=%d p99_us=%d max_us=%d e_status=%d e_connect=%d "
	    .. "e_read=%d e_write=%d e_timeout=%d\n",
	    summary.requests, summary.duration, latency.mean,
	    latency:percentile(50), latency:percentile(99), latency.max,
	    e.status, e.connect, e.read, e.write, e.timeout))
end
