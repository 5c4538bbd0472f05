function add(rec, bin, n)
  rec[bin] = (rec[bin] or 0) + n
  aerospike:update(rec)
  return rec[bin]
end
