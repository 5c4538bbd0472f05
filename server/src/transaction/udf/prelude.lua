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
