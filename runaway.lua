
function get(rec, bin)
  return rec[bin]
end

function add(rec, bin, n)
  rec[bin] = (rec[bin] or 0) + n
  if aerospike:exists(rec) then
    aerospike:update(rec)
  else
    aerospike:create(rec)
  end
  return rec[bin]
end

function create_only(rec, bin, v)
  rec[bin] = v
  return aerospike:create(rec)
end

function update_only(rec, bin, v)
  rec[bin] = v
  return aerospike:update(rec)
end

function remove(rec)
  if not aerospike:exists(rec) then return 'absent' end
  aerospike:remove(rec)
  return 'removed'
end

function drop_bin(rec, bin)
  rec[bin] = nil
  aerospike:update(rec)
  return record.numbins(rec)
end

function set_without_update(rec, bin, v)
  rec[bin] = v
  return rec[bin]
end

function fail_after_update(rec, bin, v)
  rec[bin] = v
  aerospike:update(rec)
  error('changed my mind')
end

function meta(rec)
  local names = record.bin_names(rec)
  table.sort(names)
  local m = map()
  m['gen'] = record.gen(rec)
  m['ttl_positive'] = record.ttl(rec) > 0
  m['setname'] = record.setname(rec)
  m['key'] = record.key(rec)
  m['digest_size'] = bytes.size(record.digest(rec))
  m['numbins'] = record.numbins(rec)
  m['names'] = list(names)
  m['updated'] = record.last_update_time(rec) > 0
  return m
end

function echo(rec, ...)
  local args = list()
  for _, v in ipairs({...}) do list.append(args, v) end
  return args
end

function types(rec)
  local b = bytes(4)
  bytes.append_string(b, 'hi')
  return list{1, 2.5, 'three', true, b, map{a = 1}, list{list{}}}
end

function nothing(rec)
  return nil
end

function a_table(rec)
  return {1, 2, 3}
end

function oops(rec)
  error('boom')
end

function list_ops(rec, bin, v)
  local l = rec[bin] or list()
  list.append(l, v)
  list.prepend(l, 0)
  rec[bin] = l
  aerospike:update(rec)
  return list.size(l)
end

function map_ops(rec, bin, k, v)
  local m = rec[bin] or map()
  m[k] = v
  rec[bin] = m
  aerospike:update(rec)
  return map.size(m)
end

function touch(rec)
  aerospike:update(rec)
  return record.gen(rec)
end

function ttl(rec, t)
  rec['x'] = 1
  record.set_ttl(rec, t)
  aerospike:update(rec)
  return 0
end

function spin(rec)
  while true do end
end

function stubborn(rec)
  while true do pcall(function() while true do end end) end
end

function hog(rec)
  local t = {}
  for i = 1, 1e9 do t[i] = string.rep('x', 1000) .. i end
end

function sandbox(rec)
  return list{type(io), type(os.execute), type(os.time), type(loadfile), type(require)}
end
