-- wrk script: POST a streaming chat completion with include_usage; shares post.lua.
BENCH_STREAM = true
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "post.lua")
