local h = require('helperlib')
function f(rec, x) return h.twice(x) end
