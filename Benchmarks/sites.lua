-- wrk script: real update traffic, one distinct question per site.
--
-- wrk -s Benchmarks/sites.lua URL -- REQUESTS [PATH]
--   REQUESTS  a file of lines "PATH_AND_QUERY<TAB>USER_AGENT", one per site
--   PATH      when given, every request goes to this path with the line's query string: nginx
--             serving the same answer as a static file gets requests of the same size.
-- Each wrk thread walks the list from its own starting point, so the threads together ask
-- every line in turn; the list is long enough that no site repeats within a second.

local threads = {}

function setup(thread)
    thread:set("id", #threads)
    table.insert(threads, thread)
end

function init(args)
    paths, agents = {}, {}
    for line in io.lines(args[1]) do
        local path, agent = line:match("^([^\t]*)\t?(.*)$")
        if args[2] then path = args[2] .. path:match("(%?.*)$") end
        paths[#paths + 1] = path
        agents[#agents + 1] = agent
    end
    next_line = (id or 0) * math.floor(#paths / 2)
end

function request()
    next_line = next_line % #paths + 1
    local headers = {}
    if agents[next_line] ~= "" then headers["User-Agent"] = agents[next_line] end
    return wrk.format("GET", paths[next_line], headers)
end
