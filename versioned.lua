function v(rec) return 2 end
function w(rec) return 'new' end