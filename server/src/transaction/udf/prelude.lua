-- Helpers every UDF module sees, written in Lua (PROTOCOL-DATA.md §E.4): copies and merges of
-- lists and maps, and logging with a format. Loaded into each module's state before the module.

function list.clone(l)
    local copy = list()
    for v in list.iterator(l) do
        list.append(copy, v)
    end
    return copy
end

function list.merge(l1, l2)
    local merged = list.clone(l1)
    list.concat(merged, l2)
    return merged
end

function map.clone(m)
    local copy = map()
    for k, v in map.pairs(m) do
        copy[k] = v
    end
    return copy
end

-- Entries of both maps; for a key in both, f(v1, v2) if f is given, else v2.
function map.merge(m1, m2, f)
    local merged = map.clone(m1)
    for k, v in map.pairs(m2) do
        local old = merged[k]
        if old ~= nil and f ~= nil then
            merged[k] = f(old, v)
        else
            merged[k] = v
        end
    end
    return merged
end

-- Entries whose key is in only one of the maps.
function map.diff(m1, m2)
    local diff = map()
    for k, v in map.pairs(m1) do
        if m2[k] == nil then
            diff[k] = v
        end
    end
    for k, v in map.pairs(m2) do
        if m1[k] == nil then
            diff[k] = v
        end
    end
    return diff
end

local function logger(level)
    return function(format, ...)
        aerospike:log(level, string.format(format, ...))
    end
end

warn = logger(1)
info = logger(2)
debug = logger(3)
trace = logger(4)

-- Stream UDFs (aggregations). A stream UDF `f(stream, ...)` adds operations to the stream it
-- is given and returns it; the server runs them over a batch of records up to and including
-- the first reduce, and sends what comes out (the client runs the rest). Returned to the
-- runtime, which calls it as run(f, source, sink, ...): `source()` gives the next record (nil at
-- the end), `sink(v)` sends a value. `kind(v)` names a userdata's type.

local kind = ...

local StreamOps = {}
StreamOps.__index = StreamOps

local function push(self, op)
    self.ops[#self.ops + 1] = op
    return self
end

function StreamOps:map(f) return push(self, { kind = 'map', f = f }) end
function StreamOps:filter(f) return push(self, { kind = 'filter', f = f }) end
function StreamOps:aggregate(init, f) return push(self, { kind = 'aggregate', init = init, f = f }) end
function StreamOps:reduce(f) return push(self, { kind = 'reduce', f = f }) end
function StreamOps:groupby(f) return push(self, { kind = 'groupby', f = f }) end

-- An aggregate starts each run from a copy of its start value.
local function copy(v)
    if type(v) == 'table' then
        local c = {}
        for k, x in pairs(v) do c[k] = x end
        return c
    end
    local k = kind(v)
    if k == 'list' then return list.clone(v) end
    if k == 'map' then return map.clone(v) end
    return v
end

-- One operation over the values `source` produces; a function producing its own values.
local function stage(op, source)
    if op.kind == 'map' then
        return function()
            local v = source()
            if v == nil then return nil end
            return op.f(v)
        end
    elseif op.kind == 'filter' then
        return function()
            for v in source do
                if op.f(v) then return v end
            end
            return nil
        end
    end
    -- The rest consume the whole stream and produce one value.
    local done = false
    return function()
        if done then return nil end
        done = true
        if op.kind == 'aggregate' then
            local acc = copy(op.init)
            for v in source do acc = op.f(acc, v) end
            return acc
        elseif op.kind == 'reduce' then
            local acc = source()
            if acc == nil then return nil end
            for v in source do acc = op.f(acc, v) end
            return acc
        else -- groupby: a map from f(v) to the list of values with that key
            local groups = map()
            for v in source do
                local key = op.f(v)
                local group = groups[key]
                if group == nil then
                    group = list()
                    groups[key] = group
                end
                list.append(group, v)
            end
            return groups
        end
    end
end

return function(f, source, sink, ...)
    local stream = f(setmetatable({ ops = {} }, StreamOps), ...)
    if getmetatable(stream) ~= StreamOps then
        error('a stream UDF must return the stream it was given, with its operations', 0)
    end
    local values = source
    for _, op in ipairs(stream.ops) do
        values = stage(op, values)
        if op.kind == 'reduce' then break end
    end
    for v in values do sink(v) end
end
