/*
 * scramjet.hpp: a header-only C++17 wrapper over the Scramjet C client API (scramjet.h).
 *
 * What it adds to the C API:
 *   - RAII: every C object (sj_client, sj_key, sj_record, sj_operations, returned strings) is
 *     owned by exactly one C++ object, which frees it in its destructor. Owners are move-only;
 *     a moved-from owner holds NULL and may only be destroyed or assigned to.
 *   - Exceptions: every call whose C function returns non-SJ_OK throws scramjet::Error, which
 *     carries the status code (code()) and the library's message (what()). A few calls turn one
 *     expected code into a return value instead (exists/remove: "not found" gives false).
 *   - Values: bins are read and written as scramjet::Value, a std::variant that also holds
 *     lists (scramjet::List) and maps (scramjet::Map), built with scramjet::list({...}) and
 *     scramjet::map({{k, v}, ...}).
 *   - List and map operations: Operations::list_* and Operations::map_*, one per
 *     sj_operations_list_* / sj_operations_map_* function of the C API, each with a last
 *     argument scramjet::Ctx (the path to a nested list or map, built with scramjet::ctx::*).
 *   - Bit and HLL operations: Operations::bit_* and Operations::hll_*, one per
 *     sj_operations_bit_* / sj_operations_hll_* function; HLL values are scramjet::Hll.
 *   - Path select and modify: Operations::select_by_path / modify_by_path over a Ctx that may
 *     hold the path levels ctx::all_children, all_children_where, and_filter, map_keys_in.
 *   - Expressions: scramjet::Exp (owning an sj_exp) built with the scramjet::exp functions, one
 *     per sj_exp_* builder; filters on ReadPolicy / WritePolicy / ScanPolicy (set_filter, the
 *     policy keeps the expression alive); Operations::exp_read / exp_write.
 *
 * Threads: a Client may be shared by many threads (its methods are const and the C handle is
 * thread-safe); Key, Record and Operations objects belong to one thread at a time. A Client
 * must not be destroyed while another thread is using it.
 *
 * Link with -lscramjet (libscramjet.so or libscramjet.a; the static library also needs
 * -lpthread -ldl -lm).
 *
 * Example:
 *   scramjet::Client client("127.0.0.1:3000");
 *   scramjet::Key key("test", "demo", "hello");
 *   client.put(key, scramjet::Record().set("greeting", "hello, world").set("count", 42));
 *   scramjet::Record r = client.get(key);
 *   int64_t count = r.get_as<int64_t>("count");
 */

#ifndef SCRAMJET_HPP
#define SCRAMJET_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <functional>
#include <initializer_list>
#include <limits>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "scramjet.h"

namespace scramjet {

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// A failed call: code() is the sj status code (a server result code > 0, a client code < 0,
/// see SJ_ERR_* in scramjet.h) and what() the library's message.
class Error : public std::runtime_error {
public:
    Error(int code, const std::string& message) : std::runtime_error(message), code_(code) {}

    /// The SJ_ERR_* status code.
    int code() const noexcept { return code_; }

private:
    int code_;
};

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

struct Value;

/// A list value: its elements.
using List = std::vector<Value>;

/// A map value: its entries, in the order the server sent them (key order for a key-ordered
/// map). A map operation's KEY_VALUE result is not a Map but a List of keys and values
/// alternating, in selection order.
using Map = std::vector<std::pair<Value, Value>>;

/// Bytes, for bytes bins and keys.
using Bytes = std::vector<uint8_t>;

/// The wildcard of list and map operation arguments: equal to any value.
struct Wildcard {
    friend bool operator==(Wildcard, Wildcard) noexcept { return true; }
    friend bool operator!=(Wildcard, Wildcard) noexcept { return false; }
};

/// Infinity in list and map operation arguments: greater than any value.
struct Infinity {
    friend bool operator==(Infinity, Infinity) noexcept { return true; }
    friend bool operator!=(Infinity, Infinity) noexcept { return false; }
};

/// A HyperLogLog value: Aerospike's HLL bytes (SJ_TYPE_HLL), as an HLL bin reads back and
/// Operations::hll_get_union answers, and as the hll_* operations take their operands. Written
/// as a bin it makes an HLL bin (bytes that are no HLL: SJ_ERR_PARAMETER).
struct Hll {
    Bytes bytes;
    friend bool operator==(const Hll& a, const Hll& b) { return a.bytes == b.bytes; }
    friend bool operator!=(const Hll& a, const Hll& b) { return !(a == b); }
};

/// The alternatives of Value.
using ValueVariant =
    std::variant<std::monostate, int64_t, double, std::string, Bytes, bool, List, Map, Wildcard, Infinity, Hll>;

/// A bin value, or an element of a list or map: nil (std::monostate; writing it deletes the
/// bin), integer, double, string, bytes, boolean, list, map or HLL (and, as operation arguments
/// only, Wildcard and Infinity). It is a std::variant (std::get, std::get_if and
/// std::holds_alternative work on it; visit variant()). Bins of other server types (GeoJSON)
/// cannot be held and are reported as SJ_ERR_BIN_INCOMPATIBLE_TYPE when read.
struct Value : ValueVariant {
    using ValueVariant::ValueVariant;
    using ValueVariant::operator=;
    Value() = default;

    /// The std::variant itself (for std::visit).
    const ValueVariant& variant() const noexcept { return *this; }
};

namespace detail {

/// Frees a C object with its _destroy function; the deleter of every owning unique_ptr below.
template <auto Destroy>
struct Deleter {
    template <class T>
    void operator()(T* p) const noexcept {
        Destroy(p);
    }
};

/// A string returned by the library (sj_info, sj_node_names), freed with sj_string_destroy.
using OwnedCString = std::unique_ptr<char, Deleter<sj_string_destroy>>;

/// The message in `err`, bounded even if the library forgot the NUL.
inline std::string message_of(const sj_error& err, int32_t rc) {
    const void* nul = std::memchr(err.message, '\0', SJ_ERROR_MESSAGE_SIZE);
    const std::size_t len = nul ? static_cast<std::size_t>(static_cast<const char*>(nul) - err.message) : SJ_ERROR_MESSAGE_SIZE;
    std::string m(err.message, len);
    return m.empty() ? "scramjet error " + std::to_string(rc) : m;
}

/// Calls `f(sj_error*)`, a C call that reports through sj_error, and returns its status if it is
/// SJ_OK or `tolerated`; any other status is thrown as Error.
template <class F>
int32_t call(F&& f, int32_t tolerated = SJ_OK) {
    sj_error err;
    err.code = SJ_OK;
    err.message[0] = '\0';
    const int32_t rc = std::forward<F>(f)(&err);
    if (rc != SJ_OK && rc != tolerated) throw Error(rc, message_of(err, rc));
    return rc;
}

/// `s` as a C string for the library; throws SJ_ERR_PARAM if it has a NUL byte, which C would
/// silently truncate at.
inline const char* c_str(const std::string& s, const char* what) {
    if (s.find('\0') != std::string::npos) throw Error(SJ_ERR_PARAM, std::string(what) + " contains a NUL byte");
    return s.c_str();
}

/// `s` as a C string, or NULL when empty (for the library's optional arguments).
inline const char* c_str_or_null(const std::string& s, const char* what) {
    return s.empty() ? nullptr : c_str(s, what);
}

/// Pointers to the C strings of `names` (valid while `names` lives), checked for NULs.
inline std::vector<const char*> c_strs(const std::vector<std::string>& names, const char* what) {
    std::vector<const char*> out;
    out.reserve(names.size());
    for (const std::string& n : names) out.push_back(c_str(n, what));
    return out;
}

/// An integer of any type as int64_t; throws SJ_ERR_PARAM if it does not fit.
template <class T>
int64_t to_int64(T v) {
    static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>, "an integer type");
    if constexpr (std::is_unsigned_v<T> && sizeof(T) >= sizeof(int64_t)) {
        if (v > static_cast<T>(std::numeric_limits<int64_t>::max()))
            throw Error(SJ_ERR_PARAM, "integer value " + std::to_string(v) + " does not fit in int64_t");
    }
    return static_cast<int64_t>(v);
}

template <class T>
constexpr bool is_int_v = std::is_integral_v<T> && !std::is_same_v<T, bool>;

/// A nil Value that lives as long as the program (a CValue keeps pointers into its value, so
/// it must never be given a temporary).
inline const Value& nil() {
    static const Value value;
    return value;
}

/// The sj_value of `v` for the library, with the element arrays its lists and maps need. Its
/// pointers point into `v` and into this object: it is valid while both live unchanged.
class CValue {
public:
    explicit CValue(const Value& v) : root_(convert(v)) {}
    explicit CValue(const List& items) : root_(list_of(items)) {}
    explicit CValue(const Map& entries) : root_(map_of(entries)) {}
    // It points into its argument: a temporary would leave it dangling.
    CValue(Value&&) = delete;
    CValue(List&&) = delete;
    CValue(Map&&) = delete;
    CValue(const CValue&) = delete;
    CValue& operator=(const CValue&) = delete;

    const sj_value* get() const noexcept { return &root_; }

private:
    sj_value convert(const Value& v) {
        sj_value out{};  // SJ_TYPE_NIL, zeroes
        std::visit(
            [&](const auto& x) {
                using T = std::decay_t<decltype(x)>;
                if constexpr (std::is_same_v<T, std::monostate>) {
                    out.type = SJ_TYPE_NIL;
                } else if constexpr (std::is_same_v<T, int64_t>) {
                    out.type = SJ_TYPE_INT;
                    out.i = x;
                } else if constexpr (std::is_same_v<T, double>) {
                    out.type = SJ_TYPE_FLOAT;
                    out.f = x;
                } else if constexpr (std::is_same_v<T, std::string>) {
                    out.type = SJ_TYPE_STR;
                    out.data = reinterpret_cast<const uint8_t*>(x.data());
                    out.len = x.size();
                } else if constexpr (std::is_same_v<T, Bytes>) {
                    out.type = SJ_TYPE_BYTES;
                    out.data = x.data();
                    out.len = x.size();
                } else if constexpr (std::is_same_v<T, bool>) {
                    out.type = SJ_TYPE_BOOL;
                    out.i = x ? 1 : 0;
                } else if constexpr (std::is_same_v<T, List>) {
                    out = list_of(x);
                } else if constexpr (std::is_same_v<T, Map>) {
                    out = map_of(x);
                } else if constexpr (std::is_same_v<T, Wildcard>) {
                    out.type = SJ_TYPE_WILDCARD;
                } else if constexpr (std::is_same_v<T, Hll>) {
                    out.type = SJ_TYPE_HLL;
                    out.data = x.bytes.data();
                    out.len = x.bytes.size();
                } else {
                    static_assert(std::is_same_v<T, Infinity>);
                    out.type = SJ_TYPE_INFINITY;
                }
            },
            v.variant());
        return out;
    }

    sj_value list_of(const List& list) {
        sj_value out{};
        out.type = SJ_TYPE_LIST;
        sj_value* items = array(list.size());
        for (std::size_t i = 0; i < list.size(); ++i) items[i] = convert(list[i]);
        out.items = items;
        out.len = list.size();
        return out;
    }

    sj_value map_of(const Map& map) {
        sj_value out{};
        out.type = SJ_TYPE_MAP;
        sj_value* items = array(2 * map.size());
        for (std::size_t i = 0; i < map.size(); ++i) {
            items[2 * i] = convert(map[i].first);
            items[2 * i + 1] = convert(map[i].second);
        }
        out.items = items;
        out.len = map.size();
        return out;
    }

    /// A new array of `n` values (zeroed), kept until this object goes.
    sj_value* array(std::size_t n) {
        arrays_.push_back(std::make_unique<sj_value[]>(n == 0 ? 1 : n));
        return arrays_.back().get();
    }

    std::vector<std::unique_ptr<sj_value[]>> arrays_;
    sj_value root_;
};

/// A copy of the library's value `v` (whose pointers are only borrowed); `what` names it in
/// the error thrown for types Value cannot hold.
inline Value from_c(const sj_value& v, const std::string& what) {
    // `data` may be NULL (or dangling) when `len` is 0: only read it when there are bytes.
    const uint8_t* begin = v.len == 0 ? nullptr : v.data;
    switch (v.type) {
        case SJ_TYPE_NIL: return std::monostate{};
        case SJ_TYPE_INT: return int64_t{v.i};
        case SJ_TYPE_FLOAT: return v.f;
        case SJ_TYPE_STR: return begin ? std::string(reinterpret_cast<const char*>(begin), v.len) : std::string();
        case SJ_TYPE_BYTES: return begin ? Bytes(begin, begin + v.len) : Bytes();
        case SJ_TYPE_BOOL: return v.i != 0;
        case SJ_TYPE_HLL: return Hll{begin ? Bytes(begin, begin + v.len) : Bytes()};
        case SJ_TYPE_WILDCARD: return Wildcard{};
        case SJ_TYPE_INFINITY: return Infinity{};
        case SJ_TYPE_LIST: {
            List out;
            out.reserve(v.len);
            for (std::size_t i = 0; i < v.len; ++i) out.push_back(from_c(v.items[i], what));
            return out;
        }
        case SJ_TYPE_MAP: {
            Map out;
            out.reserve(v.len);
            for (std::size_t i = 0; i < v.len; ++i)
                out.emplace_back(from_c(v.items[2 * i], what), from_c(v.items[2 * i + 1], what));
            return out;
        }
        default:
            throw Error(SJ_ERR_BIN_INCOMPATIBLE_TYPE,
                        what + " has particle type " + std::to_string(v.type) + ", which scramjet::Value cannot hold");
    }
}

}  // namespace detail

/// An argument that becomes a Value: any Value, any integer type, double (and float), bool,
/// strings (const char*, std::string, std::string_view), Bytes, List, Map, Hll, Wildcard,
/// Infinity or std::monostate (nil).
/// It exists so that every write method has one signature and a string literal becomes a
/// string: std::variant's own converting constructor may turn `const char*` into `bool`.
class ValueArg {
public:
    ValueArg(Value v) : value_(std::move(v)) {}
    ValueArg(std::monostate) {}
    template <class T, std::enable_if_t<detail::is_int_v<T>, int> = 0>
    ValueArg(T v) : value_(detail::to_int64(v)) {}
    ValueArg(bool v) : value_(v) {}
    ValueArg(double v) : value_(v) {}
    ValueArg(const char* v) : value_(v ? std::string(v) : throw Error(SJ_ERR_PARAM, "NULL string value")) {}
    ValueArg(std::string v) : value_(std::move(v)) {}
    ValueArg(std::string_view v) : value_(std::string(v)) {}
    ValueArg(Bytes v) : value_(std::move(v)) {}
    ValueArg(List v) : value_(std::move(v)) {}
    ValueArg(Map v) : value_(std::move(v)) {}
    ValueArg(Wildcard v) : value_(v) {}
    ValueArg(Infinity v) : value_(v) {}
    ValueArg(Hll v) : value_(std::move(v)) {}

    const Value& value() const noexcept { return value_; }

private:
    Value value_;
};

/// A list: `scramjet::list({1, "a", 2.5})` (each element as a ValueArg, so a string literal is
/// a string).
inline List list(std::initializer_list<ValueArg> items) {
    List out;
    out.reserve(items.size());
    for (const ValueArg& item : items) out.push_back(item.value());
    return out;
}

/// A map: `scramjet::map({{"a", 1}, {"b", "two"}})`. Keys are integers, strings or bytes.
inline Map map(std::initializer_list<std::pair<ValueArg, ValueArg>> entries) {
    Map out;
    out.reserve(entries.size());
    for (const auto& [k, v] : entries) out.emplace_back(k.value(), v.value());
    return out;
}

// ---------------------------------------------------------------------------------------------
// Contexts: the path to a list or map nested in a bin
// ---------------------------------------------------------------------------------------------

/// One level of a context: which element of the list or map reached so far to descend into.
/// `type` is SJ_CTX_* (with a create flag for the creating levels) and `value` the index or
/// rank (an integer), or the value or key to look for. Make them with the scramjet::ctx
/// functions.
struct CtxItem {
    uint32_t type;
    Value value;
    /// The filter of a path level (ctx::all_children_where, ctx::and_filter), else null.
    std::shared_ptr<sj_exp> exp = nullptr;
};

/// A context: the path from a bin to the nested list or map a list or map operation applies
/// to, outermost level first; empty for the bin's own list or map. Every Operations::list_* and
/// map_* method takes one as its last argument:
///   // bin "doc" = {"scores": [[1, 2], [3]]}: append 4 to the last list of "scores".
///   ops.list_append("doc", 4, nullptr, {scramjet::ctx::map_key("scores"), scramjet::ctx::list_index(-1)});
using Ctx = std::vector<CtxItem>;

/// The levels of a Ctx, as sj_ctx_* of the C API makes them.
namespace ctx {

/// The list element at `index` (negative: from the end).
inline CtxItem list_index(int64_t index) { return {SJ_CTX_LIST_INDEX, index}; }

/// The list element at `index`, made an empty list of `order` (SJ_LIST_*) if missing, with the
/// levels after it: `index` must then be the list's size, unless `pad` (unordered lists only)
/// fills the gap with nils. An unknown order is refused (SJ_ERR_PARAM) by the operation.
inline CtxItem list_index_create(int64_t index, uint32_t order = SJ_LIST_UNORDERED, bool pad = false) {
    return {sj_ctx_list_index_create(index, order, pad).type, index};
}

/// The list element of `rank` (0: smallest, -1: largest).
inline CtxItem list_rank(int64_t rank) { return {SJ_CTX_LIST_RANK, rank}; }

/// The first list element equal to `value`.
inline CtxItem list_value(const ValueArg& value) { return {SJ_CTX_LIST_VALUE, value.value()}; }

/// The value of the map entry at `index` (key order; negative: from the end).
inline CtxItem map_index(int64_t index) { return {SJ_CTX_MAP_INDEX, index}; }

/// The value of the map entry of `rank` (value order; -1: largest).
inline CtxItem map_rank(int64_t rank) { return {SJ_CTX_MAP_RANK, rank}; }

/// The value of `key`.
inline CtxItem map_key(const ValueArg& key) { return {SJ_CTX_MAP_KEY, key.value()}; }

/// The value of `key`, made an empty map of `order` (SJ_MAP_*) if the key is missing, with the
/// levels after it. An unknown order is refused (SJ_ERR_PARAM) by the operation.
inline CtxItem map_key_create(const ValueArg& key, uint32_t order = SJ_MAP_UNORDERED) {
    return {sj_ctx_map_key_create(sj_value{}, order).type, key.value()};
}

/// The value of the first map entry whose value is `value`.
inline CtxItem map_value(const ValueArg& value) { return {SJ_CTX_MAP_VALUE, value.value()}; }

}  // namespace ctx

namespace detail {

/// The sj_ctx of `ctx` for the library (NULL when empty). It points into `ctx` and into this
/// object: it is valid while both live unchanged.
class CCtx {
public:
    explicit CCtx(const Ctx& ctx) {
        values_.reserve(ctx.size());
        items_.reserve(ctx.size());
        for (const CtxItem& item : ctx) {
            values_.push_back(std::make_unique<CValue>(item.value));
            sj_value v = *values_.back()->get();
            if (item.exp) {
                // A path level's filter: its packed bytes, which live as long as `ctx`.
                v = sj_value{};
                v.type = SJ_TYPE_EXP;
                v.data = sj_exp_packed(item.exp.get(), &v.len);
            }
            items_.push_back(sj_ctx_item{item.type, v});
        }
        c_.items = items_.data();
        c_.n = items_.size();
    }
    CCtx(Ctx&&) = delete;
    CCtx(const CCtx&) = delete;
    CCtx& operator=(const CCtx&) = delete;

    const sj_ctx* get() const noexcept { return items_.empty() ? nullptr : &c_; }

private:
    std::vector<std::unique_ptr<CValue>> values_;
    std::vector<sj_ctx_item> items_;
    sj_ctx c_{};
};

}  // namespace detail

// ---------------------------------------------------------------------------------------------
// Expressions
// ---------------------------------------------------------------------------------------------

/// An expression (sj_exp): a filter for a policy (ReadPolicy::set_filter, ...), the value of an
/// expression operation (Operations::exp_read / exp_write), or a path filter or modify
/// expression (ctx::all_children_where, Operations::modify_by_path). Build them with the
/// scramjet::exp functions, which take their operands by value (a builder consumes them, as
/// the C builders do; pass a copy to keep one):
///   // a > 5 and the list in bin "l" has more than 2 elements
///   using namespace scramjet;
///   Exp filter = exp::and_({exp::gt(exp::bin_int("a"), exp::int_val(5)),
///                           exp::gt(exp::list_size(exp::bin_list("l")), exp::int_val(2))});
/// Owns its sj_exp; copies are deep (sj_exp_copy). A moved-from Exp is empty: using it as an
/// operand throws Error(SJ_ERR_PARAM).
class Exp {
public:
    /// Takes ownership of an expression made by the C API; NULL throws Error(SJ_ERR_PARAM) with
    /// `what` (a C builder answers NULL for a bad or NULL argument).
    static Exp adopt(sj_exp* e, const char* what = "expression") {
        if (!e) throw Error(SJ_ERR_PARAM, std::string("invalid ") + what);
        return Exp(e);
    }

    /// An expression packed elsewhere (one msgpack value, e.g. from packed()).
    static Exp from_bytes(const Bytes& packed) {
        return adopt(sj_exp_from_bytes(packed.data(), packed.size()), "packed expression");
    }

    Exp(const Exp& other) : exp_(other.exp_ ? sj_exp_copy(other.exp_.get()) : nullptr) {
        if (other.exp_ && !exp_) throw std::bad_alloc();
    }
    Exp(Exp&&) noexcept = default;
    Exp& operator=(const Exp& other) {
        if (this != &other) *this = Exp(other);
        return *this;
    }
    Exp& operator=(Exp&&) noexcept = default;

    /// The bytes the expression travels as (as the official C client packs it).
    Bytes packed() const {
        std::size_t len = 0;
        const uint8_t* p = sj_exp_packed(exp_.get(), &len);
        return p ? Bytes(p, p + len) : Bytes();
    }

    /// False for a moved-from Exp.
    explicit operator bool() const noexcept { return exp_ != nullptr; }

    const sj_exp* c_ptr() const noexcept { return exp_.get(); }

    /// Gives up ownership: the caller must sj_exp_destroy the result (or hand it to a builder).
    sj_exp* release() noexcept { return exp_.release(); }

private:
    explicit Exp(sj_exp* e) noexcept : exp_(e) {}
    std::unique_ptr<sj_exp, detail::Deleter<sj_exp_destroy>> exp_;
};

namespace detail {

/// Throws for a moved-from Exp given as an operand.
inline void check_operand(const Exp& e) {
    if (!e) throw Error(SJ_ERR_PARAM, "empty (moved-from) expression operand");
}

/// The sj_exp of each operand, given up to a C builder (after all are checked, so that none
/// is lost when one is empty).
template <class... E>
std::array<sj_exp*, sizeof...(E)> take(E&... operands) {
    (check_operand(operands), ...);
    return {operands.release()...};
}

/// The operands of a variadic builder, every one given up (after all are checked).
inline std::vector<sj_exp*> take_all(std::vector<Exp>& items) {
    for (const Exp& e : items) check_operand(e);
    std::vector<sj_exp*> out;
    out.reserve(items.size());
    for (Exp& e : items) out.push_back(e.release());
    return out;
}

/// A C builder's result as an Exp (NULL: a bad argument, thrown as SJ_ERR_PARAM naming `what`).
inline Exp built(sj_exp* e, const char* what) { return Exp::adopt(e, what); }

/// A borrowed expression's C pointer; throws for a moved-from Exp.
inline const sj_exp* borrow(const Exp& e) {
    if (!e) throw Error(SJ_ERR_PARAM, "empty (moved-from) expression");
    return e.c_ptr();
}

}  // namespace detail

/// The builders of expressions, one per sj_exp_* function of the C API. Names that are C++
/// keywords or alternative tokens get a trailing underscore (and_, or_, not_, let_) or a _val
/// suffix (int_val, float_val, bool_val).
namespace exp {

// ---- literals ----

/// An integer.
inline Exp int_val(int64_t v) { return detail::built(sj_exp_int(v), "integer expression"); }
/// A float.
inline Exp float_val(double v) { return detail::built(sj_exp_float(v), "float expression"); }
/// A boolean.
inline Exp bool_val(bool v) { return detail::built(sj_exp_bool(v), "boolean expression"); }
/// Nil.
inline Exp nil() { return detail::built(sj_exp_nil(), "nil expression"); }
/// A string.
inline Exp str(const std::string& v) { return detail::built(sj_exp_str(detail::c_str(v, "string")), "string"); }
/// A blob.
inline Exp bytes(const Bytes& v) { return detail::built(sj_exp_bytes(v.data(), v.size()), "bytes"); }
/// A GeoJSON value (its JSON text).
inline Exp geo(const std::string& json) {
    return detail::built(sj_exp_geo(detail::c_str(json, "GeoJSON")), "GeoJSON");
}
/// Any Value as a literal (a list is quoted so that the server reads it as a value).
inline Exp value(const ValueArg& v) {
    const detail::CValue c(v.value());
    return detail::built(sj_exp_value(c.get()), "value expression");
}

// ---- bins, keys and record metadata ----

/// The value of bin `name` if it has `type` (SJ_EXP_TYPE_*); unknown otherwise.
inline Exp bin(const std::string& name, uint32_t type) {
    return detail::built(sj_exp_bin(detail::c_str(name, "bin name"), type), "bin expression");
}
inline Exp bin_int(const std::string& name) { return bin(name, SJ_EXP_TYPE_INT); }
inline Exp bin_float(const std::string& name) { return bin(name, SJ_EXP_TYPE_FLOAT); }
inline Exp bin_str(const std::string& name) { return bin(name, SJ_EXP_TYPE_STR); }
inline Exp bin_bytes(const std::string& name) { return bin(name, SJ_EXP_TYPE_BLOB); }
inline Exp bin_bool(const std::string& name) { return bin(name, SJ_EXP_TYPE_BOOL); }
inline Exp bin_list(const std::string& name) { return bin(name, SJ_EXP_TYPE_LIST); }
inline Exp bin_map(const std::string& name) { return bin(name, SJ_EXP_TYPE_MAP); }
inline Exp bin_geo(const std::string& name) { return bin(name, SJ_EXP_TYPE_GEOJSON); }
inline Exp bin_hll(const std::string& name) { return bin(name, SJ_EXP_TYPE_HLL); }
/// The particle type of bin `name` (0 if missing).
inline Exp bin_type(const std::string& name) {
    return detail::built(sj_exp_bin_type(detail::c_str(name, "bin name")), "bin type expression");
}
/// Whether bin `name` exists.
inline Exp bin_exists(const std::string& name) {
    return detail::built(sj_exp_bin_exists(detail::c_str(name, "bin name")), "bin exists expression");
}
/// The variable `name` of an enclosing let_.
inline Exp var(const std::string& name) {
    return detail::built(sj_exp_var(detail::c_str(name, "variable name")), "variable");
}
/// The stored user key if it has `type` (SJ_EXP_TYPE_INT, _STR or _BLOB).
inline Exp key(uint32_t type) { return detail::built(sj_exp_key(type), "key expression"); }
inline Exp digest_modulo(int64_t modulus) { return detail::built(sj_exp_digest_modulo(modulus), "digest modulo"); }
inline Exp key_exists() { return detail::built(sj_exp_key_exists(), "key exists"); }
inline Exp device_size() { return detail::built(sj_exp_device_size(), "device size"); }
inline Exp memory_size() { return detail::built(sj_exp_memory_size(), "memory size"); }
inline Exp record_size() { return detail::built(sj_exp_record_size(), "record size"); }
inline Exp last_update() { return detail::built(sj_exp_last_update(), "last update"); }
inline Exp since_update() { return detail::built(sj_exp_since_update(), "since update"); }
inline Exp void_time() { return detail::built(sj_exp_void_time(), "void time"); }
inline Exp ttl() { return detail::built(sj_exp_ttl(), "ttl"); }
inline Exp set_name() { return detail::built(sj_exp_set_name(), "set name"); }
inline Exp is_tombstone() { return detail::built(sj_exp_is_tombstone(), "is tombstone"); }
/// Unknown: fails the evaluation (a cond's default that must not be reached).
inline Exp unknown() { return detail::built(sj_exp_unknown(), "unknown"); }

// ---- comparisons, binary and unary operators ----

#define SCRAMJET_HPP_EXP_BINARY(name, cfn)                                              \
    inline Exp name(Exp a, Exp b) {                                                     \
        auto [a_, b_] = detail::take(a, b);                                             \
        return detail::built(cfn(a_, b_), #name " expression");                         \
    }
#define SCRAMJET_HPP_EXP_UNARY(name, cfn) \
    inline Exp name(Exp e) { return detail::built(cfn(detail::take(e)[0]), #name " expression"); }
#define SCRAMJET_HPP_EXP_VARIADIC(name, cfn)                                    \
    inline Exp name(std::vector<Exp> items) {                                   \
        std::vector<sj_exp*> raw = detail::take_all(items);                     \
        return detail::built(cfn(raw.data(), raw.size()), #name " expression"); \
    }

SCRAMJET_HPP_EXP_BINARY(eq, sj_exp_cmp_eq)
SCRAMJET_HPP_EXP_BINARY(ne, sj_exp_cmp_ne)
SCRAMJET_HPP_EXP_BINARY(gt, sj_exp_cmp_gt)
SCRAMJET_HPP_EXP_BINARY(ge, sj_exp_cmp_ge)
SCRAMJET_HPP_EXP_BINARY(lt, sj_exp_cmp_lt)
SCRAMJET_HPP_EXP_BINARY(le, sj_exp_cmp_le)
/// Geospatial match of two GeoJSON expressions.
SCRAMJET_HPP_EXP_BINARY(cmp_geo, sj_exp_cmp_geo)
/// Whether value `a` is an element of list `b`.
SCRAMJET_HPP_EXP_BINARY(in_list, sj_exp_in_list)
SCRAMJET_HPP_EXP_BINARY(pow, sj_exp_pow)
SCRAMJET_HPP_EXP_BINARY(log, sj_exp_log)
SCRAMJET_HPP_EXP_BINARY(mod, sj_exp_mod)
SCRAMJET_HPP_EXP_BINARY(int_lshift, sj_exp_int_lshift)
SCRAMJET_HPP_EXP_BINARY(int_rshift, sj_exp_int_rshift)
SCRAMJET_HPP_EXP_BINARY(int_arshift, sj_exp_int_arshift)
SCRAMJET_HPP_EXP_BINARY(int_lscan, sj_exp_int_lscan)
SCRAMJET_HPP_EXP_BINARY(int_rscan, sj_exp_int_rscan)
SCRAMJET_HPP_EXP_UNARY(not_, sj_exp_not)
SCRAMJET_HPP_EXP_UNARY(abs, sj_exp_abs)
SCRAMJET_HPP_EXP_UNARY(floor, sj_exp_floor)
SCRAMJET_HPP_EXP_UNARY(ceil, sj_exp_ceil)
SCRAMJET_HPP_EXP_UNARY(to_int, sj_exp_to_int)
SCRAMJET_HPP_EXP_UNARY(to_float, sj_exp_to_float)
SCRAMJET_HPP_EXP_UNARY(int_not, sj_exp_int_not)
SCRAMJET_HPP_EXP_UNARY(int_count, sj_exp_int_count)
/// Logical and / or / exactly-one of boolean expressions.
SCRAMJET_HPP_EXP_VARIADIC(and_, sj_exp_and)
SCRAMJET_HPP_EXP_VARIADIC(or_, sj_exp_or)
SCRAMJET_HPP_EXP_VARIADIC(exclusive, sj_exp_exclusive)
/// Arithmetic over integers or floats (all of one type).
SCRAMJET_HPP_EXP_VARIADIC(add, sj_exp_add)
SCRAMJET_HPP_EXP_VARIADIC(sub, sj_exp_sub)
SCRAMJET_HPP_EXP_VARIADIC(mul, sj_exp_mul)
SCRAMJET_HPP_EXP_VARIADIC(div, sj_exp_div)
SCRAMJET_HPP_EXP_VARIADIC(min, sj_exp_min)
SCRAMJET_HPP_EXP_VARIADIC(max, sj_exp_max)
SCRAMJET_HPP_EXP_VARIADIC(int_and, sj_exp_int_and)
SCRAMJET_HPP_EXP_VARIADIC(int_or, sj_exp_int_or)
SCRAMJET_HPP_EXP_VARIADIC(int_xor, sj_exp_int_xor)
/// cond({c1, a1, c2, a2, ..., default}): the first ai whose ci is true, else default.
SCRAMJET_HPP_EXP_VARIADIC(cond, sj_exp_cond)

#undef SCRAMJET_HPP_EXP_BINARY
#undef SCRAMJET_HPP_EXP_UNARY
#undef SCRAMJET_HPP_EXP_VARIADIC

/// True if string `e` matches `pattern`, compiled with `flags` (the server's regcomp flags).
inline Exp cmp_regex(int64_t flags, const std::string& pattern, Exp e) {
    const char* p = detail::c_str(pattern, "regex pattern");
    return detail::built(sj_exp_cmp_regex(flags, p, detail::take(e)[0]), "regex expression");
}

/// `scope` with each name bound to its value, in order (each sees the ones before).
inline Exp let_(std::vector<std::pair<std::string, Exp>> defs, Exp scope) {
    std::vector<const char*> names;
    std::vector<Exp> values;
    for (auto& [name, value] : defs) {
        names.push_back(detail::c_str(name, "variable name"));
        values.push_back(std::move(value));
    }
    detail::check_operand(scope);
    std::vector<sj_exp*> raw = detail::take_all(values);
    return detail::built(sj_exp_let(names.data(), raw.data(), raw.size(), scope.release()), "let expression");
}

/// The number of elements of the list `container` (or of the list nested in it that `ctx`
/// leads to).
inline Exp list_size(Exp container, const Ctx& ctx = {}) {
    const detail::CCtx c(ctx);
    return detail::built(sj_exp_list_size(c.get(), detail::take(container)[0]), "list size expression");
}

/// The element at `index` of the list `container` as `return_type` (SJ_RETURN_*) says; a value
/// of `value_type` (SJ_EXP_TYPE_*) for SJ_RETURN_VALUE.
inline Exp list_get_by_index(uint32_t return_type, uint32_t value_type, Exp index, Exp container,
                             const Ctx& ctx = {}) {
    const detail::CCtx c(ctx);
    auto [i, cont] = detail::take(index, container);
    return detail::built(sj_exp_list_get_by_index(c.get(), return_type, value_type, i, cont),
                         "list get by index expression");
}

/// The number of entries of the map `container` (or of the map nested in it `ctx` leads to).
inline Exp map_size(Exp container, const Ctx& ctx = {}) {
    const detail::CCtx c(ctx);
    return detail::built(sj_exp_map_size(c.get(), detail::take(container)[0]), "map size expression");
}

/// The entry of `key` of the map `container` as `return_type` says; its value of `value_type`
/// for SJ_RETURN_VALUE.
inline Exp map_get_by_key(uint32_t return_type, uint32_t value_type, Exp key, Exp container, const Ctx& ctx = {}) {
    const detail::CCtx c(ctx);
    auto [k, cont] = detail::take(key, container);
    return detail::built(sj_exp_map_get_by_key(c.get(), return_type, value_type, k, cont),
                         "map get by key expression");
}

/// The number of bits set in `bit_size` bits from `bit_offset` of the blob `container`.
inline Exp bit_count(Exp bit_offset, Exp bit_size, Exp container) {
    auto [o, s, cont] = detail::take(bit_offset, bit_size, container);
    return detail::built(sj_exp_bit_count(o, s, cont), "bit count expression");
}

/// The estimated count of the HLL `container`.
inline Exp hll_get_count(Exp container) {
    return detail::built(sj_exp_hll_get_count(detail::take(container)[0]), "HLL count expression");
}

/// A call with a payload packed by the caller (one msgpack array) of `system`
/// (SJ_EXP_CALL_*, | SJ_EXP_CALL_MODIFY), giving a value of `type`.
inline Exp call_raw(uint32_t type, uint32_t system, const Bytes& payload, Exp container) {
    return detail::built(sj_exp_call_raw(type, system, payload.data(), payload.size(), detail::take(container)[0]),
                         "call expression");
}

}  // namespace exp

namespace exp {

/// In a path's filters (ctx::all_children_where, ctx::and_filter) and the expression of
/// Operations::modify_by_path: the key (SJ_EXP_LOOPVAR_KEY), value (_VALUE) or list index
/// (_INDEX) of the element at hand, of `type` (SJ_EXP_TYPE_*).
inline Exp loopvar(uint32_t type, uint32_t var) { return detail::built(sj_exp_loopvar(type, var), "loop variable"); }

/// As the value of Operations::modify_by_path's expression: remove the leaf.
inline Exp remove_result() { return detail::built(sj_exp_remove_result(), "remove_result"); }

/// What `path` (not empty) selects in `bin` (a list or map expression), answered as `flags`
/// (SJ_PATH_SELECT_*) says, as a value of `type`.
inline Exp select_by_path(uint32_t type, const Ctx& path, uint32_t flags, Exp bin) {
    const detail::CCtx c(path);
    return detail::built(sj_exp_select_by_path(type, c.get(), flags, detail::take(bin)[0]),
                         "select by path expression (an empty path?)");
}

/// `bin` with every leaf `path` (not empty) selects replaced by the value of `modify` for it,
/// as a value of `type` (nothing is written). `flags`: SJ_PATH_MODIFY_*.
inline Exp modify_by_path(uint32_t type, const Ctx& path, Exp modify, uint32_t flags, Exp bin) {
    const detail::CCtx c(path);
    auto [m, b] = detail::take(modify, bin);
    return detail::built(sj_exp_modify_by_path(type, c.get(), m, flags, b), "modify by path expression (an empty path?)");
}

}  // namespace exp

/// The path levels of Operations::select_by_path / modify_by_path (besides the levels above).
namespace ctx {

/// Every child of the list or map reached.
inline CtxItem all_children() { return {SJ_CTX_EXP, true}; }

/// Every child of the list or map reached for which `filter` (a boolean expression, with
/// exp::loopvar for the child's key, value or index) is true. The level keeps a copy.
inline CtxItem all_children_where(Exp filter) {
    detail::check_operand(filter);
    return {SJ_CTX_EXP, Value(), std::shared_ptr<sj_exp>(filter.release(), sj_exp_destroy)};
}

/// A second filter on the children the level before (not an expression level) selected.
inline CtxItem and_filter(Exp filter) {
    detail::check_operand(filter);
    return {SJ_CTX_AND_EXP, Value(), std::shared_ptr<sj_exp>(filter.release(), sj_exp_destroy)};
}

/// The values of those of `keys` the map has.
inline CtxItem map_keys_in(List keys) { return {SJ_CTX_MAP_KEYS_IN, std::move(keys)}; }

}  // namespace ctx

// ---------------------------------------------------------------------------------------------
// Configuration and policies
// ---------------------------------------------------------------------------------------------

namespace detail {
/// The library's client defaults (computed once).
inline const sj_client_config& default_client_config() {
    static const sj_client_config config = [] {
        sj_client_config c;
        sj_client_config_init(&c);
        return c;
    }();
    return config;
}
}  // namespace detail

/// Client settings; the defaults are the library's (sj_client_config_init). The seeds are
/// given to the Client constructor.
struct ClientConfig {
    /// Required cluster name; empty for no check.
    std::string cluster_name;
    /// TCP connect timeout.
    uint32_t connect_timeout_ms = detail::default_client_config().connect_timeout_ms;
    /// Cluster tend interval.
    uint32_t tend_interval_ms = detail::default_client_config().tend_interval_ms;
    /// Open connections per node, all ports.
    uint32_t max_conns_per_node = detail::default_client_config().max_conns_per_node;
    /// Send commands to the owning core's port when the server advertises one.
    bool shard_routing = detail::default_client_config().shard_routing;
    /// The user to log in as on nodes with access control; empty for none.
    std::string user;
    /// The user's password (hashed in the library, never sent).
    std::string password;
    /// TLS: the name the nodes' certificates carry (their tls-name); empty for plain TCP. The
    /// hosts' ports are then the nodes' TLS ports.
    std::string tls_name;
    /// TLS: the CA file (PEM) the nodes' certificates chain to.
    std::string tls_ca_file;
    /// TLS, for nodes that require a client certificate: its chain and key (PEM).
    std::string tls_cert_file;
    std::string tls_key_file;
    /// Log in with the TLS client certificate (the node takes the user from it) instead of
    /// user and password.
    bool pki_login = false;
};

/// A privilege of a role (SJ_PRIV_*), with a namespace and set scope for the data privileges
/// (empty: all).
struct Privilege {
    uint32_t code;
    std::string ns;
    std::string set;
};

namespace detail {

/// A C policy with a filter expression the policy owns: `set_filter` keeps a copy of the
/// expression (shared by copies of the policy) and points the C struct's `filter` at it.
template <class C>
struct FilteredPolicy : C {
    /// Makes `filter` (a boolean expression) the command's filter: a record it leaves out
    /// answers Error(SJ_ERR_FILTERED_OUT) (a batch key: nullopt with code SJ_ERR_FILTERED_OUT;
    /// a scan skips it) and is not changed.
    void set_filter(Exp filter) {
        detail::check_operand(filter);
        filter_ = std::make_shared<const Exp>(std::move(filter));
        this->filter = filter_->c_ptr();
    }

    /// Removes the filter.
    void clear_filter() noexcept {
        filter_.reset();
        this->filter = nullptr;
    }

    /// The filter set with set_filter, or nullptr.
    const Exp* get_filter() const noexcept { return filter_.get(); }

private:
    std::shared_ptr<const Exp> filter_;
};

}  // namespace detail

/// The C policies, filled with the library defaults on construction; change fields as needed
/// (e.g. `WritePolicy p; p.exists = SJ_EXISTS_CREATE_ONLY;`) and pass a pointer to a call.
/// Each derives from its C struct (a pointer converts to the C one); set_filter gives it a
/// filter expression that the policy keeps alive (setting the C field `filter` directly
/// borrows the expression instead, as in C).
struct ReadPolicy : detail::FilteredPolicy<sj_read_policy> {
    ReadPolicy() noexcept { sj_read_policy_init(this); }
};

struct WritePolicy : detail::FilteredPolicy<sj_write_policy> {
    WritePolicy() noexcept { sj_write_policy_init(this); }
};

struct ScanPolicy : detail::FilteredPolicy<sj_scan_policy> {
    ScanPolicy() noexcept { sj_scan_policy_init(this); }
};

// ---------------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------------

namespace detail {

/// The read accessors of a key, shared by Key (owning) and KeyView (borrowed). `Derived`
/// provides `const sj_key* c_ptr() const`.
template <class Derived>
class KeyReader {
public:
    /// The namespace. (Named with a trailing underscore: `namespace` is a keyword.)
    std::string namespace_() const { return or_empty(sj_key_namespace(key())); }

    /// The set, "" if none.
    std::string set() const { return or_empty(sj_key_set(key())); }

    /// The 20-byte RIPEMD-160 digest that addresses the record.
    std::array<uint8_t, 20> digest() const {
        std::array<uint8_t, 20> out{};
        sj_key_digest(key(), out.data());
        return out;
    }

    /// The user key (int64_t, std::string or Bytes), or nil if the key has only a digest.
    Value user_key() const {
        sj_value v{};
        sj_key_value(key(), &v);
        return from_c(v, "user key");
    }

private:
    const sj_key* key() const { return static_cast<const Derived&>(*this).c_ptr(); }
    static std::string or_empty(const char* s) { return s ? s : ""; }
};

}  // namespace detail

/// A borrowed key (e.g. a scan record's); valid while its owner (the record) lives.
class KeyView : public detail::KeyReader<KeyView> {
public:
    explicit KeyView(const sj_key* key) noexcept : key_(key) {}
    const sj_key* c_ptr() const noexcept { return key_; }

private:
    const sj_key* key_;
};

/// A record key: namespace, set (may be empty) and a user key (string, integer or bytes) or
/// a digest. Owns its sj_key.
class Key : public detail::KeyReader<Key> {
public:
    Key(const std::string& ns, const std::string& set, const std::string& value)
        : Key(make([&](sj_error* e, sj_key** out) {
              return sj_key_new_str(e, detail::c_str(ns, "namespace"), detail::c_str(set, "set"),
                                    detail::c_str(value, "string key"), out);
          })) {}

    Key(const std::string& ns, const std::string& set, const char* value)
        : Key(ns, set, std::string(value ? value : throw Error(SJ_ERR_PARAM, "NULL string key"))) {}

    Key(const std::string& ns, const std::string& set, int64_t value)
        : Key(make([&](sj_error* e, sj_key** out) {
              return sj_key_new_int(e, detail::c_str(ns, "namespace"), detail::c_str(set, "set"), value, out);
          })) {}

    // Any other integer type is an integer key (without this, an `int` would be ambiguous).
    template <class T, std::enable_if_t<detail::is_int_v<T> && !std::is_same_v<T, int64_t>, int> = 0>
    Key(const std::string& ns, const std::string& set, T value) : Key(ns, set, detail::to_int64(value)) {}

    Key(const std::string& ns, const std::string& set, const Bytes& value)
        : Key(make([&](sj_error* e, sj_key** out) {
              return sj_key_new_bytes(e, detail::c_str(ns, "namespace"), detail::c_str(set, "set"), value.data(),
                                      value.size(), out);
          })) {}

    /// A key from a digest (e.g. one read from another key or a scan record).
    static Key from_digest(const std::string& ns, const std::string& set, const std::array<uint8_t, 20>& digest) {
        return Key(make([&](sj_error* e, sj_key** out) {
            return sj_key_new_digest(e, detail::c_str(ns, "namespace"), detail::c_str(set, "set"), digest.data(), out);
        }));
    }

    /// Takes ownership of a key made by the C API (NULL gives an empty Key).
    static Key adopt(sj_key* key) noexcept { return Key(Owned(key)); }

    /// An independent copy (from the user key if there is one, else from the digest).
    Key clone() const {
        const std::string ns = namespace_(), s = set();
        return std::visit(
            [&](const auto& v) -> Key {
                using T = std::decay_t<decltype(v)>;
                if constexpr (std::is_same_v<T, int64_t> || std::is_same_v<T, std::string> || std::is_same_v<T, Bytes>)
                    return Key(ns, s, v);
                else
                    return from_digest(ns, s, digest());
            },
            user_key());
    }

    const sj_key* c_ptr() const noexcept { return key_.get(); }

    /// Gives up ownership: the caller must sj_key_destroy the result.
    sj_key* release() noexcept { return key_.release(); }

private:
    using Owned = std::unique_ptr<sj_key, detail::Deleter<sj_key_destroy>>;
    explicit Key(Owned key) noexcept : key_(std::move(key)) {}

    template <class F>
    static Owned make(F&& f) {
        sj_key* out = nullptr;
        detail::call([&](sj_error* e) { return f(e, &out); });
        return Owned(out);
    }

    Owned key_;
};

// ---------------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------------

namespace detail {

/// The read accessors of a record, shared by Record (owning) and RecordView (borrowed).
/// `Derived` provides `const sj_record* c_ptr() const`.
template <class Derived>
class RecordReader {
public:
    /// Number of bins.
    std::size_t size() const { return sj_record_bin_count(rec()); }

    /// True if bin `name` is present.
    bool has(const std::string& name) const {
        sj_value v{};
        return sj_record_get(rec(), c_str(name, "bin name"), &v) == SJ_OK;
    }

    /// The value of bin `name`; throws Error(SJ_ERR_BIN_NOT_FOUND) if there is none.
    Value get(const std::string& name) const {
        sj_value v{};
        const int32_t rc = sj_record_get(rec(), c_str(name, "bin name"), &v);
        if (rc == SJ_ERR_BIN_NOT_FOUND) throw Error(rc, "bin '" + name + "' not found");
        if (rc != SJ_OK) throw Error(rc, "cannot read bin '" + name + "'");
        return from_c(v, "bin '" + name + "'");
    }

    /// The value of bin `name` as a T (one of Value's types); throws
    /// Error(SJ_ERR_BIN_NOT_FOUND) if there is none and Error(SJ_ERR_BIN_INCOMPATIBLE_TYPE) if
    /// it has another type.
    template <class T>
    T get_as(const std::string& name) const {
        Value v = get(name);
        if (T* p = std::get_if<T>(&v)) return std::move(*p);
        throw Error(SJ_ERR_BIN_INCOMPATIBLE_TYPE, "bin '" + name + "' has another type");
    }

    /// Every bin, in the record's order.
    std::vector<std::pair<std::string, Value>> bins() const {
        const std::size_t n = size();
        std::vector<std::pair<std::string, Value>> out;
        out.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
            const char* name = nullptr;
            sj_value v{};
            const int32_t rc = sj_record_bin(rec(), i, &name, &v);
            if (rc != SJ_OK) throw Error(rc, "cannot read bin #" + std::to_string(i));
            std::string n_str = name ? name : "";
            Value value = from_c(v, "bin '" + n_str + "'");
            out.emplace_back(std::move(n_str), std::move(value));
        }
        return out;
    }

    /// The record's generation (number of writes), for records read from the server.
    uint32_t generation() const { return sj_record_generation(rec()); }

    /// Seconds until the record expires, SJ_TTL_NEVER_EXPIRE if never.
    uint32_t ttl() const { return sj_record_ttl(rec()); }

    /// The record's key (scan results carry one), borrowed from the record.
    std::optional<KeyView> key() const {
        const sj_key* k = sj_record_key(rec());
        return k ? std::optional<KeyView>(KeyView(k)) : std::nullopt;
    }

private:
    const sj_record* rec() const { return static_cast<const Derived&>(*this).c_ptr(); }
};

}  // namespace detail

/// A borrowed record (a scan callback's); valid only while the callback runs. Copy what you
/// need out of it, or take a Record with Record::copy_of.
class RecordView : public detail::RecordReader<RecordView> {
public:
    explicit RecordView(const sj_record* record) noexcept : record_(record) {}
    const sj_record* c_ptr() const noexcept { return record_; }

private:
    const sj_record* record_;
};

/// A record: bins to write (built with set), or bins and metadata read from the server.
/// Owns its sj_record.
class Record : public detail::RecordReader<Record> {
public:
    /// An empty record, to fill with set().
    Record() : record_(sj_record_new()) {
        if (!record_) throw std::bad_alloc();
    }

    /// Takes ownership of a record made by the C API (NULL gives an empty handle).
    static Record adopt(sj_record* record) noexcept { return Record(Owned(record)); }

    /// A new record with the bins of `view` (its generation, TTL and key are not copied).
    static Record copy_of(const RecordView& view) {
        Record r;
        for (auto& [name, value] : view.bins()) r.set(name, std::move(value));
        return r;
    }

    /// Sets bin `name` (at most 15 bytes) to `value`, replacing an earlier value; a nil value
    /// deletes the bin when the record is written. Returns *this, to chain.
    Record& set(const std::string& name, const ValueArg& value) {
        const detail::CValue v(value.value());
        detail::call([&](sj_error* e) { return sj_record_set(e, record_.get(), detail::c_str(name, "bin name"), v.get()); });
        return *this;
    }

    const sj_record* c_ptr() const noexcept { return record_.get(); }
    sj_record* c_ptr() noexcept { return record_.get(); }

    /// Gives up ownership: the caller must sj_record_destroy the result.
    sj_record* release() noexcept { return record_.release(); }

private:
    using Owned = std::unique_ptr<sj_record, detail::Deleter<sj_record_destroy>>;
    explicit Record(Owned record) noexcept : record_(std::move(record)) {}

    Owned record_;
};

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

/// The policy of list writes: the order of a list an operation creates (SJ_LIST_*) and write
/// flags (SJ_LIST_WRITE_*). Layout-identical to sj_list_policy.
struct ListPolicy : sj_list_policy {
    ListPolicy(uint32_t order_ = SJ_LIST_UNORDERED, uint32_t flags_ = SJ_LIST_WRITE_DEFAULT) noexcept
        : sj_list_policy{order_, flags_} {}
};

/// The policy of map writes: the order of a map an operation creates (SJ_MAP_*), write flags
/// (SJ_MAP_WRITE_*) and a persisted index. Layout-identical to sj_map_policy.
struct MapPolicy : sj_map_policy {
    MapPolicy(uint32_t order_ = SJ_MAP_UNORDERED, uint32_t flags_ = SJ_MAP_WRITE_DEFAULT,
              bool persist_index_ = false) noexcept
        : sj_map_policy{order_, flags_, persist_index_} {}
};

/// A list of operations for Client::operate, applied in order and atomically. Each method
/// adds one operation and returns *this, to chain:
///   Operations().increment("n", 1).read("n")
///   Operations().list_append("l", 5).list_get_by_rank_range("l", SJ_RETURN_VALUE, -3, 3)
///   Operations().map_put("m", "k", scramjet::list({1, 2})).map_get_by_key("m", SJ_RETURN_VALUE, "k")
/// List and map operations take their return type (SJ_RETURN_*, | SJ_RETURN_INVERTED) right
/// after the bin; a count defaults to SJ_COUNT_TO_END; a policy pointer may be NULL; the last
/// argument, a Ctx (default: none), applies the operation to a list or map nested in the bin.
/// Each one that answers adds a bin named after its bin to the result, in order
/// (Record::bins(); with a map operation, every operation answers).
class Operations {
public:
    Operations() : ops_(sj_operations_new()) {
        if (!ops_) throw std::bad_alloc();
    }

    /// Read bin `bin`.
    Operations& read(const std::string& bin) { return add(SJ_OP_READ, &bin, nullptr); }

    /// Read every bin (after the writes before it).
    Operations& read_all() { return add(SJ_OP_READ, nullptr, nullptr); }

    /// Write `value` to bin `bin` (nil deletes the bin).
    Operations& write(const std::string& bin, const ValueArg& value) { return add(SJ_OP_WRITE, &bin, &value.value()); }

    /// Add an integer to an integer bin (a missing bin counts as 0).
    template <class T, std::enable_if_t<detail::is_int_v<T>, int> = 0>
    Operations& increment(const std::string& bin, T by) {
        const Value v = detail::to_int64(by);
        return add(SJ_OP_INCR, &bin, &v);
    }

    /// Add a double to a double bin.
    Operations& increment(const std::string& bin, double by) {
        const Value v = by;
        return add(SJ_OP_INCR, &bin, &v);
    }

    /// Append to a string bin.
    Operations& append(const std::string& bin, std::string s) { return add_moved(SJ_OP_APPEND, bin, std::move(s)); }

    /// Append to a bytes bin.
    Operations& append(const std::string& bin, Bytes b) { return add_moved(SJ_OP_APPEND, bin, std::move(b)); }

    /// Prepend to a string bin.
    Operations& prepend(const std::string& bin, std::string s) { return add_moved(SJ_OP_PREPEND, bin, std::move(s)); }

    /// Prepend to a bytes bin.
    Operations& prepend(const std::string& bin, Bytes b) { return add_moved(SJ_OP_PREPEND, bin, std::move(b)); }

    /// Reset the record's TTL to the policy's.
    Operations& touch() { return add(SJ_OP_TOUCH, nullptr, nullptr); }

    /// Delete the record (SJ_OP_DELETE).
    Operations& remove() { return add(SJ_OP_DELETE, nullptr, nullptr); }

    // ---- Path select and modify (CDT op 0xFE; paths of ctx:: levels, path levels included) ----

    /// Reads what `path` (not empty) selects in bin `bin`, answered as `flags` says:
    /// SJ_PATH_SELECT_MATCHING_TREE (the bin's tree with only what is selected), _VALUE,
    /// _MAP_KEY or _MAP_KEY_VALUE (lists), | SJ_PATH_SELECT_NO_FAIL:
    ///   ops.select_by_path("people", {ctx::all_children(), ctx::map_key("age")}, SJ_PATH_SELECT_VALUE)
    Operations& select_by_path(const std::string& bin, const Ctx& path, uint32_t flags) {
        return cdt(bin, path, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_select_by_path(e, o, name, c, flags);
        });
    }

    /// Replaces every leaf `path` (not empty) selects in bin `bin` by the value of `modify` for
    /// it (exp::loopvar gives the leaf's key, value or index; exp::remove_result() removes it)
    /// and writes the bin. `flags`: SJ_PATH_MODIFY_DEFAULT or SJ_PATH_MODIFY_NO_FAIL.
    Operations& modify_by_path(const std::string& bin, const Ctx& path, const Exp& modify,
                               uint32_t flags = SJ_PATH_MODIFY_DEFAULT) {
        const sj_exp* m = detail::borrow(modify);
        return cdt(bin, path, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_modify_by_path(e, o, name, c, m, flags);
        });
    }

    // ---- Expression operations (sj_operations_exp_*) ----

    /// Reads the value of `e` for the record (as the operations before it left it), answered as
    /// a bin named `name` (nothing for nil). `flags`: SJ_EXP_READ_* (SJ_EXP_READ_EVAL_NO_FAIL:
    /// an unknown value answers nil instead of failing).
    Operations& exp_read(const std::string& name, const Exp& e, uint32_t flags = SJ_EXP_READ_DEFAULT) {
        const char* n = detail::c_str(name, "bin name");
        detail::call([&](sj_error* err) { return sj_operations_exp_read(err, ops_.get(), n, detail::borrow(e), flags); });
        return *this;
    }

    /// Writes the value of `e` to bin `bin`. `flags`: SJ_EXP_WRITE_*, OR-ed (CREATE_ONLY,
    /// UPDATE_ONLY, ALLOW_DELETE for a nil value, POLICY_NO_FAIL, EVAL_NO_FAIL).
    Operations& exp_write(const std::string& bin, const Exp& e, uint32_t flags = SJ_EXP_WRITE_DEFAULT) {
        const char* n = detail::c_str(bin, "bin name");
        detail::call([&](sj_error* err) { return sj_operations_exp_write(err, ops_.get(), n, detail::borrow(e), flags); });
        return *this;
    }

    // ---- List operations (sj_operations_list_*; results are bins named `bin`, in order) ----

    /// Sets the list's order (`SJ_LIST_*`), creating an empty list if the bin has none; with
    /// `persist_index` the server keeps an index with a top-level ordered list.
    Operations& list_set_order(const std::string& bin,
                               uint32_t order,
                               bool persist_index = false,
                               const Ctx& ctx = {}) {
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_list_set_order(e, o, name, c, order, persist_index);
        });
    }

    /// Creates a list of `order` (`SJ_LIST_*`) where `ctx` leads, if there is none (the last level
    /// gets the create flag; with `pad`, past the end of the list holding it, padded with nils).
    /// Without a context, sets the order of the bin's list (with `persist_index`, the server
    /// keeps an index with it), as list_set_order.
    Operations& list_create(const std::string& bin,
                            uint32_t order,
                            bool pad = false,
                            bool persist_index = false,
                            const Ctx& ctx = {}) {
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_list_create(e, o, name, c, order, pad, persist_index);
        });
    }

    /// Sorts the list (`SJ_LIST_SORT_*` flags).
    Operations& list_sort(const std::string& bin, uint32_t flags, const Ctx& ctx = {}) {
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_list_sort(e, o, name, c, flags);
        });
    }

    /// Appends `value`. Result: the new size.
    Operations& list_append(const std::string& bin,
                            const ValueArg& value,
                            const ListPolicy* policy = nullptr,
                            const Ctx& ctx = {}) {
        const detail::CValue value_c(value.value());
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_list_append(e, o, name, c, value_c.get(), policy);
        });
    }

    /// Appends `items`. Result: the new size.
    Operations& list_append_items(const std::string& bin,
                                  const List& items,
                                  const ListPolicy* policy = nullptr,
                                  const Ctx& ctx = {}) {
        const detail::CValue items_c(items);
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_list_append_items(e, o, name, c, items_c.get()->items, items.size(), policy);
        });
    }

    /// Inserts `value` at `index` (negative: from the end). Result: the new size.
    Operations& list_insert(const std::string& bin,
                            int64_t index,
                            const ValueArg& value,
                            const ListPolicy* policy = nullptr,
                            const Ctx& ctx = {}) {
        const detail::CValue value_c(value.value());
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_list_insert(e, o, name, c, index, value_c.get(), policy);
        });
    }

    /// Inserts `items` at `index`. Result: the new size.
    Operations& list_insert_items(const std::string& bin,
                                  int64_t index,
                                  const List& items,
                                  const ListPolicy* policy = nullptr,
                                  const Ctx& ctx = {}) {
        const detail::CValue items_c(items);
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_list_insert_items(e, o, name, c, index, items_c.get()->items, items.size(), policy);
        });
    }

    /// Adds `delta` (an integer or a double) to the element at `index`. Result: the new value.
    Operations& list_increment(const std::string& bin,
                               int64_t index,
                               const ValueArg& delta,
                               const ListPolicy* policy = nullptr,
                               const Ctx& ctx = {}) {
        const detail::CValue delta_c(delta.value());
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_list_increment(e, o, name, c, index, delta_c.get(), policy);
        });
    }

    /// Sets the element at `index` to `value`.
    Operations& list_set(const std::string& bin,
                         int64_t index,
                         const ValueArg& value,
                         const ListPolicy* policy = nullptr,
                         const Ctx& ctx = {}) {
        const detail::CValue value_c(value.value());
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_list_set(e, o, name, c, index, value_c.get(), policy);
        });
    }

    /// Removes the element at `index`. Result: the element.
    Operations& list_pop(const std::string& bin, int64_t index, const Ctx& ctx = {}) {
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_list_pop(e, o, name, c, index);
        });
    }

    /// Removes `count` elements (`SJ_COUNT_TO_END`: all) from `index`. Result: a list of them.
    Operations& list_pop_range(const std::string& bin,
                               int64_t index,
                               uint64_t count = SJ_COUNT_TO_END,
                               const Ctx& ctx = {}) {
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_list_pop_range(e, o, name, c, index, count);
        });
    }

    /// Removes the element at `index`. Result: 1.
    Operations& list_remove(const std::string& bin, int64_t index, const Ctx& ctx = {}) {
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_list_remove(e, o, name, c, index);
        });
    }

    /// Removes `count` elements (`SJ_COUNT_TO_END`: all) from `index`. Result: how many.
    Operations& list_remove_range(const std::string& bin,
                                  int64_t index,
                                  uint64_t count = SJ_COUNT_TO_END,
                                  const Ctx& ctx = {}) {
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_list_remove_range(e, o, name, c, index, count);
        });
    }

    /// Keeps only `count` elements from `index`. Result: how many were removed.
    Operations& list_trim(const std::string& bin,
                          int64_t index,
                          uint64_t count = SJ_COUNT_TO_END,
                          const Ctx& ctx = {}) {
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_list_trim(e, o, name, c, index, count);
        });
    }

    /// Removes every element.
    Operations& list_clear(const std::string& bin, const Ctx& ctx = {}) {
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_list_clear(e, o, name, c);
        });
    }

    /// Result: the number of elements.
    Operations& list_size(const std::string& bin, const Ctx& ctx = {}) {
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_list_size(e, o, name, c);
        });
    }

    /// Result: the element at `index` (`SJ_ERR_OP_NOT_APPLICABLE` if there is none).
    Operations& list_get(const std::string& bin, int64_t index, const Ctx& ctx = {}) {
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_list_get(e, o, name, c, index);
        });
    }

    /// Result: a list of `count` elements (`SJ_COUNT_TO_END`: all) from `index`.
    Operations& list_get_range(const std::string& bin,
                               int64_t index,
                               uint64_t count = SJ_COUNT_TO_END,
                               const Ctx& ctx = {}) {
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_list_get_range(e, o, name, c, index, count);
        });
    }

    /// Reads the element at `index`; `return_type` is SJ_RETURN_* (| SJ_RETURN_INVERTED).
    Operations& list_get_by_index(const std::string& bin, uint32_t return_type, int64_t index, const Ctx& ctx = {}) {
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_list_get_by_index(e, o, name, c, return_type, index);
        });
    }

    /// Reads `count` elements (`SJ_COUNT_TO_END`: all) from `index`; `return_type` is SJ_RETURN_* (|
    /// SJ_RETURN_INVERTED).
    Operations& list_get_by_index_range(const std::string& bin,
                                        uint32_t return_type,
                                        int64_t index,
                                        uint64_t count = SJ_COUNT_TO_END,
                                        const Ctx& ctx = {}) {
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_list_get_by_index_range(e, o, name, c, return_type, index, count);
        });
    }

    /// Reads the element of rank `rank` (0: smallest, -1: largest); `return_type` is SJ_RETURN_* (|
    /// SJ_RETURN_INVERTED).
    Operations& list_get_by_rank(const std::string& bin, uint32_t return_type, int64_t rank, const Ctx& ctx = {}) {
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_list_get_by_rank(e, o, name, c, return_type, rank);
        });
    }

    /// Reads `count` elements (`SJ_COUNT_TO_END`: all) from rank `rank`; `return_type` is SJ_RETURN_* (|
    /// SJ_RETURN_INVERTED).
    Operations& list_get_by_rank_range(const std::string& bin,
                                       uint32_t return_type,
                                       int64_t rank,
                                       uint64_t count = SJ_COUNT_TO_END,
                                       const Ctx& ctx = {}) {
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_list_get_by_rank_range(e, o, name, c, return_type, rank, count);
        });
    }

    /// Reads every element equal to `value`; `return_type` is SJ_RETURN_* (| SJ_RETURN_INVERTED).
    Operations& list_get_by_value(const std::string& bin,
                                  uint32_t return_type,
                                  const ValueArg& value,
                                  const Ctx& ctx = {}) {
        const detail::CValue value_c(value.value());
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_list_get_by_value(e, o, name, c, return_type, value_c.get());
        });
    }

    /// Reads the first element equal to `value` (op codes 20/33, which current clients no longer send);
    /// `return_type` is SJ_RETURN_* (| SJ_RETURN_INVERTED).
    Operations& list_get_by_value_first(const std::string& bin,
                                        uint32_t return_type,
                                        const ValueArg& value,
                                        const Ctx& ctx = {}) {
        const detail::CValue value_c(value.value());
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_list_get_by_value_first(e, o, name, c, return_type, value_c.get());
        });
    }

    /// Reads every element equal to one of `values`; `return_type` is SJ_RETURN_* (| SJ_RETURN_INVERTED).
    Operations& list_get_by_value_list(const std::string& bin,
                                       uint32_t return_type,
                                       const List& values,
                                       const Ctx& ctx = {}) {
        const detail::CValue values_c(values);
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_list_get_by_value_list(
                e, o, name, c, return_type, values_c.get()->items, values.size());
        });
    }

    /// Reads the elements with `begin <= value < end` (`begin` nullopt: from the smallest; `end` nullopt:
    /// no bound); `return_type` is SJ_RETURN_* (| SJ_RETURN_INVERTED).
    Operations& list_get_by_value_range(const std::string& bin,
                                        uint32_t return_type,
                                        const std::optional<ValueArg>& begin,
                                        const std::optional<ValueArg>& end,
                                        const Ctx& ctx = {}) {
        const detail::CValue begin_c(begin ? begin->value() : detail::nil());
        const detail::CValue end_c(end ? end->value() : detail::nil());
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_list_get_by_value_range(
                e, o, name, c, return_type, begin ? begin_c.get() : nullptr, end ? end_c.get() : nullptr);
        });
    }

    /// Reads `count` elements (`SJ_COUNT_TO_END`: all) from the rank of `value` plus `rank`; `return_type`
    /// is SJ_RETURN_* (| SJ_RETURN_INVERTED).
    Operations& list_get_by_value_rel_rank_range(const std::string& bin,
                                                 uint32_t return_type,
                                                 const ValueArg& value,
                                                 int64_t rank,
                                                 uint64_t count = SJ_COUNT_TO_END,
                                                 const Ctx& ctx = {}) {
        const detail::CValue value_c(value.value());
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_list_get_by_value_rel_rank_range(
                e, o, name, c, return_type, value_c.get(), rank, count);
        });
    }

    /// Removes the element at `index`; `return_type` is SJ_RETURN_* (| SJ_RETURN_INVERTED).
    Operations& list_remove_by_index(const std::string& bin, uint32_t return_type, int64_t index, const Ctx& ctx = {}) {
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_list_remove_by_index(e, o, name, c, return_type, index);
        });
    }

    /// Removes `count` elements (`SJ_COUNT_TO_END`: all) from `index`; `return_type` is SJ_RETURN_* (|
    /// SJ_RETURN_INVERTED).
    Operations& list_remove_by_index_range(const std::string& bin,
                                           uint32_t return_type,
                                           int64_t index,
                                           uint64_t count = SJ_COUNT_TO_END,
                                           const Ctx& ctx = {}) {
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_list_remove_by_index_range(e, o, name, c, return_type, index, count);
        });
    }

    /// Removes the element of rank `rank` (0: smallest, -1: largest); `return_type` is SJ_RETURN_* (|
    /// SJ_RETURN_INVERTED).
    Operations& list_remove_by_rank(const std::string& bin, uint32_t return_type, int64_t rank, const Ctx& ctx = {}) {
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_list_remove_by_rank(e, o, name, c, return_type, rank);
        });
    }

    /// Removes `count` elements (`SJ_COUNT_TO_END`: all) from rank `rank`; `return_type` is SJ_RETURN_* (|
    /// SJ_RETURN_INVERTED).
    Operations& list_remove_by_rank_range(const std::string& bin,
                                          uint32_t return_type,
                                          int64_t rank,
                                          uint64_t count = SJ_COUNT_TO_END,
                                          const Ctx& ctx = {}) {
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_list_remove_by_rank_range(e, o, name, c, return_type, rank, count);
        });
    }

    /// Removes every element equal to `value`; `return_type` is SJ_RETURN_* (| SJ_RETURN_INVERTED).
    Operations& list_remove_by_value(const std::string& bin,
                                     uint32_t return_type,
                                     const ValueArg& value,
                                     const Ctx& ctx = {}) {
        const detail::CValue value_c(value.value());
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_list_remove_by_value(e, o, name, c, return_type, value_c.get());
        });
    }

    /// Removes the first element equal to `value` (op codes 20/33, which current clients no longer send);
    /// `return_type` is SJ_RETURN_* (| SJ_RETURN_INVERTED).
    Operations& list_remove_by_value_first(const std::string& bin,
                                           uint32_t return_type,
                                           const ValueArg& value,
                                           const Ctx& ctx = {}) {
        const detail::CValue value_c(value.value());
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_list_remove_by_value_first(e, o, name, c, return_type, value_c.get());
        });
    }

    /// Removes every element equal to one of `values`; `return_type` is SJ_RETURN_* (| SJ_RETURN_INVERTED).
    Operations& list_remove_by_value_list(const std::string& bin,
                                          uint32_t return_type,
                                          const List& values,
                                          const Ctx& ctx = {}) {
        const detail::CValue values_c(values);
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_list_remove_by_value_list(
                e, o, name, c, return_type, values_c.get()->items, values.size());
        });
    }

    /// Removes the elements with `begin <= value < end` (`begin` nullopt: from the smallest; `end` nullopt:
    /// no bound); `return_type` is SJ_RETURN_* (| SJ_RETURN_INVERTED).
    Operations& list_remove_by_value_range(const std::string& bin,
                                           uint32_t return_type,
                                           const std::optional<ValueArg>& begin,
                                           const std::optional<ValueArg>& end,
                                           const Ctx& ctx = {}) {
        const detail::CValue begin_c(begin ? begin->value() : detail::nil());
        const detail::CValue end_c(end ? end->value() : detail::nil());
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_list_remove_by_value_range(
                e, o, name, c, return_type, begin ? begin_c.get() : nullptr, end ? end_c.get() : nullptr);
        });
    }

    /// Removes `count` elements (`SJ_COUNT_TO_END`: all) from the rank of `value` plus `rank`;
    /// `return_type` is SJ_RETURN_* (| SJ_RETURN_INVERTED).
    Operations& list_remove_by_value_rel_rank_range(const std::string& bin,
                                                    uint32_t return_type,
                                                    const ValueArg& value,
                                                    int64_t rank,
                                                    uint64_t count = SJ_COUNT_TO_END,
                                                    const Ctx& ctx = {}) {
        const detail::CValue value_c(value.value());
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_list_remove_by_value_rel_rank_range(
                e, o, name, c, return_type, value_c.get(), rank, count);
        });
    }

    // ---- Map operations (sj_operations_map_*; with one, every operation answers) ----

    /// Sets the map's order (`policy->order`, and `persist_index`), creating an empty map if the bin has
    /// none.
    Operations& map_set_policy(const std::string& bin, const MapPolicy* policy = nullptr, const Ctx& ctx = {}) {
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_map_set_policy(e, o, name, c, policy);
        });
    }

    /// Creates a map of `order` (`SJ_MAP_*`) where `ctx` leads, if there is none (the last level
    /// gets the create flag). Without a context, sets the order of the bin's map (with
    /// `persist_index`, the server keeps an index with it), as map_set_policy.
    Operations& map_create(const std::string& bin, uint32_t order, bool persist_index = false, const Ctx& ctx = {}) {
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_map_create(e, o, name, c, order, persist_index);
        });
    }

    /// Puts `key` and `value`. Result: the new size.
    Operations& map_put(const std::string& bin,
                        const ValueArg& key,
                        const ValueArg& value,
                        const MapPolicy* policy = nullptr,
                        const Ctx& ctx = {}) {
        const detail::CValue key_c(key.value());
        const detail::CValue value_c(value.value());
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_map_put(e, o, name, c, key_c.get(), value_c.get(), policy);
        });
    }

    /// Puts `entries`. Result: the new size.
    Operations& map_put_items(const std::string& bin,
                              const Map& entries,
                              const MapPolicy* policy = nullptr,
                              const Ctx& ctx = {}) {
        const detail::CValue entries_c(entries);
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_map_put_items(e, o, name, c, entries_c.get()->items, entries.size(), policy);
        });
    }

    /// Puts `key` and `value` if the key is absent (legacy create-only put, op code 65; a present key is
    /// `SJ_ERR_ELEMENT_EXISTS`). Result: the new size.
    Operations& map_add(const std::string& bin,
                        const ValueArg& key,
                        const ValueArg& value,
                        const MapPolicy* policy = nullptr,
                        const Ctx& ctx = {}) {
        const detail::CValue key_c(key.value());
        const detail::CValue value_c(value.value());
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_map_add(e, o, name, c, key_c.get(), value_c.get(), policy);
        });
    }

    /// Legacy create-only put of `entries` (op code 66).
    Operations& map_add_items(const std::string& bin,
                              const Map& entries,
                              const MapPolicy* policy = nullptr,
                              const Ctx& ctx = {}) {
        const detail::CValue entries_c(entries);
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_map_add_items(e, o, name, c, entries_c.get()->items, entries.size(), policy);
        });
    }

    /// Puts `key` and `value` if the key is present (legacy update-only put, op code 69; an absent key is
    /// `SJ_ERR_ELEMENT_NOT_FOUND`). Result: the new size.
    Operations& map_replace(const std::string& bin, const ValueArg& key, const ValueArg& value, const Ctx& ctx = {}) {
        const detail::CValue key_c(key.value());
        const detail::CValue value_c(value.value());
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_map_replace(e, o, name, c, key_c.get(), value_c.get());
        });
    }

    /// Legacy update-only put of `entries` (op code 70).
    Operations& map_replace_items(const std::string& bin, const Map& entries, const Ctx& ctx = {}) {
        const detail::CValue entries_c(entries);
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_map_replace_items(e, o, name, c, entries_c.get()->items, entries.size());
        });
    }

    /// Adds `delta` (an integer or a double) to the value of `key` (0 if absent). Result: the new value.
    Operations& map_increment(const std::string& bin,
                              const ValueArg& key,
                              const ValueArg& delta,
                              const MapPolicy* policy = nullptr,
                              const Ctx& ctx = {}) {
        const detail::CValue key_c(key.value());
        const detail::CValue delta_c(delta.value());
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_map_increment(e, o, name, c, key_c.get(), delta_c.get(), policy);
        });
    }

    /// Subtracts `delta` from the value of `key`. Result: the new value.
    Operations& map_decrement(const std::string& bin,
                              const ValueArg& key,
                              const ValueArg& delta,
                              const MapPolicy* policy = nullptr,
                              const Ctx& ctx = {}) {
        const detail::CValue key_c(key.value());
        const detail::CValue delta_c(delta.value());
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_map_decrement(e, o, name, c, key_c.get(), delta_c.get(), policy);
        });
    }

    /// Removes every entry.
    Operations& map_clear(const std::string& bin, const Ctx& ctx = {}) {
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_map_clear(e, o, name, c);
        });
    }

    /// Result: the number of entries.
    Operations& map_size(const std::string& bin, const Ctx& ctx = {}) {
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_map_size(e, o, name, c);
        });
    }

    /// Reads the entry of `key`; `return_type` is SJ_RETURN_* (| SJ_RETURN_INVERTED).
    Operations& map_get_by_key(const std::string& bin, uint32_t return_type, const ValueArg& key, const Ctx& ctx = {}) {
        const detail::CValue key_c(key.value());
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_map_get_by_key(e, o, name, c, return_type, key_c.get());
        });
    }

    /// Reads the entries of `keys`; `return_type` is SJ_RETURN_* (| SJ_RETURN_INVERTED).
    Operations& map_get_by_key_list(const std::string& bin,
                                    uint32_t return_type,
                                    const List& keys,
                                    const Ctx& ctx = {}) {
        const detail::CValue keys_c(keys);
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_map_get_by_key_list(e, o, name, c, return_type, keys_c.get()->items, keys.size());
        });
    }

    /// Reads the entries with `begin <= key < end` (`begin` nullopt: from the smallest; `end` NULL: no
    /// bound); `return_type` is SJ_RETURN_* (| SJ_RETURN_INVERTED).
    Operations& map_get_by_key_range(const std::string& bin,
                                     uint32_t return_type,
                                     const std::optional<ValueArg>& begin,
                                     const std::optional<ValueArg>& end,
                                     const Ctx& ctx = {}) {
        const detail::CValue begin_c(begin ? begin->value() : detail::nil());
        const detail::CValue end_c(end ? end->value() : detail::nil());
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_map_get_by_key_range(
                e, o, name, c, return_type, begin ? begin_c.get() : nullptr, end ? end_c.get() : nullptr);
        });
    }

    /// Reads `count` entries (`SJ_COUNT_TO_END`: all) from the index of `key` plus `index`; `return_type`
    /// is SJ_RETURN_* (| SJ_RETURN_INVERTED).
    Operations& map_get_by_key_rel_index_range(const std::string& bin,
                                               uint32_t return_type,
                                               const ValueArg& key,
                                               int64_t index,
                                               uint64_t count = SJ_COUNT_TO_END,
                                               const Ctx& ctx = {}) {
        const detail::CValue key_c(key.value());
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_map_get_by_key_rel_index_range(e, o, name, c, return_type, key_c.get(), index, count);
        });
    }

    /// Reads the entry at `index` (key order); `return_type` is SJ_RETURN_* (| SJ_RETURN_INVERTED).
    Operations& map_get_by_index(const std::string& bin, uint32_t return_type, int64_t index, const Ctx& ctx = {}) {
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_map_get_by_index(e, o, name, c, return_type, index);
        });
    }

    /// Reads `count` entries (`SJ_COUNT_TO_END`: all) from `index` (key order); `return_type` is
    /// SJ_RETURN_* (| SJ_RETURN_INVERTED).
    Operations& map_get_by_index_range(const std::string& bin,
                                       uint32_t return_type,
                                       int64_t index,
                                       uint64_t count = SJ_COUNT_TO_END,
                                       const Ctx& ctx = {}) {
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_map_get_by_index_range(e, o, name, c, return_type, index, count);
        });
    }

    /// Reads every entry whose value equals `value`; `return_type` is SJ_RETURN_* (| SJ_RETURN_INVERTED).
    Operations& map_get_by_value(const std::string& bin,
                                 uint32_t return_type,
                                 const ValueArg& value,
                                 const Ctx& ctx = {}) {
        const detail::CValue value_c(value.value());
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_map_get_by_value(e, o, name, c, return_type, value_c.get());
        });
    }

    /// Reads the first entry whose value equals `value` (op codes 99/78, which current clients no longer
    /// send); `return_type` is SJ_RETURN_* (| SJ_RETURN_INVERTED).
    Operations& map_get_by_value_first(const std::string& bin,
                                       uint32_t return_type,
                                       const ValueArg& value,
                                       const Ctx& ctx = {}) {
        const detail::CValue value_c(value.value());
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_map_get_by_value_first(e, o, name, c, return_type, value_c.get());
        });
    }

    /// Reads every entry whose value is one of `values`; `return_type` is SJ_RETURN_* (|
    /// SJ_RETURN_INVERTED).
    Operations& map_get_by_value_list(const std::string& bin,
                                      uint32_t return_type,
                                      const List& values,
                                      const Ctx& ctx = {}) {
        const detail::CValue values_c(values);
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_map_get_by_value_list(
                e, o, name, c, return_type, values_c.get()->items, values.size());
        });
    }

    /// Reads the entries with `begin <= value < end` (`begin` nullopt: from the smallest; `end` nullopt: no
    /// bound); `return_type` is SJ_RETURN_* (| SJ_RETURN_INVERTED).
    Operations& map_get_by_value_range(const std::string& bin,
                                       uint32_t return_type,
                                       const std::optional<ValueArg>& begin,
                                       const std::optional<ValueArg>& end,
                                       const Ctx& ctx = {}) {
        const detail::CValue begin_c(begin ? begin->value() : detail::nil());
        const detail::CValue end_c(end ? end->value() : detail::nil());
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_map_get_by_value_range(
                e, o, name, c, return_type, begin ? begin_c.get() : nullptr, end ? end_c.get() : nullptr);
        });
    }

    /// Reads `count` entries (`SJ_COUNT_TO_END`: all) from the rank of `value` plus `rank`; `return_type`
    /// is SJ_RETURN_* (| SJ_RETURN_INVERTED).
    Operations& map_get_by_value_rel_rank_range(const std::string& bin,
                                                uint32_t return_type,
                                                const ValueArg& value,
                                                int64_t rank,
                                                uint64_t count = SJ_COUNT_TO_END,
                                                const Ctx& ctx = {}) {
        const detail::CValue value_c(value.value());
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_map_get_by_value_rel_rank_range(
                e, o, name, c, return_type, value_c.get(), rank, count);
        });
    }

    /// Reads the entry of rank `rank` (value order; -1: largest); `return_type` is SJ_RETURN_* (|
    /// SJ_RETURN_INVERTED).
    Operations& map_get_by_rank(const std::string& bin, uint32_t return_type, int64_t rank, const Ctx& ctx = {}) {
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_map_get_by_rank(e, o, name, c, return_type, rank);
        });
    }

    /// Reads `count` entries (`SJ_COUNT_TO_END`: all) from rank `rank`; `return_type` is SJ_RETURN_* (|
    /// SJ_RETURN_INVERTED).
    Operations& map_get_by_rank_range(const std::string& bin,
                                      uint32_t return_type,
                                      int64_t rank,
                                      uint64_t count = SJ_COUNT_TO_END,
                                      const Ctx& ctx = {}) {
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_map_get_by_rank_range(e, o, name, c, return_type, rank, count);
        });
    }

    /// Removes the entry of `key`; `return_type` is SJ_RETURN_* (| SJ_RETURN_INVERTED).
    Operations& map_remove_by_key(const std::string& bin,
                                  uint32_t return_type,
                                  const ValueArg& key,
                                  const Ctx& ctx = {}) {
        const detail::CValue key_c(key.value());
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_map_remove_by_key(e, o, name, c, return_type, key_c.get());
        });
    }

    /// Removes the entries of `keys`; `return_type` is SJ_RETURN_* (| SJ_RETURN_INVERTED).
    Operations& map_remove_by_key_list(const std::string& bin,
                                       uint32_t return_type,
                                       const List& keys,
                                       const Ctx& ctx = {}) {
        const detail::CValue keys_c(keys);
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_map_remove_by_key_list(e, o, name, c, return_type, keys_c.get()->items, keys.size());
        });
    }

    /// Removes the entries with `begin <= key < end` (`begin` nullopt: from the smallest; `end` NULL: no
    /// bound); `return_type` is SJ_RETURN_* (| SJ_RETURN_INVERTED).
    Operations& map_remove_by_key_range(const std::string& bin,
                                        uint32_t return_type,
                                        const std::optional<ValueArg>& begin,
                                        const std::optional<ValueArg>& end,
                                        const Ctx& ctx = {}) {
        const detail::CValue begin_c(begin ? begin->value() : detail::nil());
        const detail::CValue end_c(end ? end->value() : detail::nil());
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_map_remove_by_key_range(
                e, o, name, c, return_type, begin ? begin_c.get() : nullptr, end ? end_c.get() : nullptr);
        });
    }

    /// Removes `count` entries (`SJ_COUNT_TO_END`: all) from the index of `key` plus `index`; `return_type`
    /// is SJ_RETURN_* (| SJ_RETURN_INVERTED).
    Operations& map_remove_by_key_rel_index_range(const std::string& bin,
                                                  uint32_t return_type,
                                                  const ValueArg& key,
                                                  int64_t index,
                                                  uint64_t count = SJ_COUNT_TO_END,
                                                  const Ctx& ctx = {}) {
        const detail::CValue key_c(key.value());
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_map_remove_by_key_rel_index_range(
                e, o, name, c, return_type, key_c.get(), index, count);
        });
    }

    /// Removes the entry at `index` (key order); `return_type` is SJ_RETURN_* (| SJ_RETURN_INVERTED).
    Operations& map_remove_by_index(const std::string& bin, uint32_t return_type, int64_t index, const Ctx& ctx = {}) {
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_map_remove_by_index(e, o, name, c, return_type, index);
        });
    }

    /// Removes `count` entries (`SJ_COUNT_TO_END`: all) from `index` (key order); `return_type` is
    /// SJ_RETURN_* (| SJ_RETURN_INVERTED).
    Operations& map_remove_by_index_range(const std::string& bin,
                                          uint32_t return_type,
                                          int64_t index,
                                          uint64_t count = SJ_COUNT_TO_END,
                                          const Ctx& ctx = {}) {
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_map_remove_by_index_range(e, o, name, c, return_type, index, count);
        });
    }

    /// Removes every entry whose value equals `value`; `return_type` is SJ_RETURN_* (| SJ_RETURN_INVERTED).
    Operations& map_remove_by_value(const std::string& bin,
                                    uint32_t return_type,
                                    const ValueArg& value,
                                    const Ctx& ctx = {}) {
        const detail::CValue value_c(value.value());
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_map_remove_by_value(e, o, name, c, return_type, value_c.get());
        });
    }

    /// Removes the first entry whose value equals `value` (op codes 99/78, which current clients no longer
    /// send); `return_type` is SJ_RETURN_* (| SJ_RETURN_INVERTED).
    Operations& map_remove_by_value_first(const std::string& bin,
                                          uint32_t return_type,
                                          const ValueArg& value,
                                          const Ctx& ctx = {}) {
        const detail::CValue value_c(value.value());
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_map_remove_by_value_first(e, o, name, c, return_type, value_c.get());
        });
    }

    /// Removes every entry whose value is one of `values`; `return_type` is SJ_RETURN_* (|
    /// SJ_RETURN_INVERTED).
    Operations& map_remove_by_value_list(const std::string& bin,
                                         uint32_t return_type,
                                         const List& values,
                                         const Ctx& ctx = {}) {
        const detail::CValue values_c(values);
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_map_remove_by_value_list(
                e, o, name, c, return_type, values_c.get()->items, values.size());
        });
    }

    /// Removes the entries with `begin <= value < end` (`begin` nullopt: from the smallest; `end` nullopt:
    /// no bound); `return_type` is SJ_RETURN_* (| SJ_RETURN_INVERTED).
    Operations& map_remove_by_value_range(const std::string& bin,
                                          uint32_t return_type,
                                          const std::optional<ValueArg>& begin,
                                          const std::optional<ValueArg>& end,
                                          const Ctx& ctx = {}) {
        const detail::CValue begin_c(begin ? begin->value() : detail::nil());
        const detail::CValue end_c(end ? end->value() : detail::nil());
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_map_remove_by_value_range(
                e, o, name, c, return_type, begin ? begin_c.get() : nullptr, end ? end_c.get() : nullptr);
        });
    }

    /// Removes `count` entries (`SJ_COUNT_TO_END`: all) from the rank of `value` plus `rank`; `return_type`
    /// is SJ_RETURN_* (| SJ_RETURN_INVERTED).
    Operations& map_remove_by_value_rel_rank_range(const std::string& bin,
                                                   uint32_t return_type,
                                                   const ValueArg& value,
                                                   int64_t rank,
                                                   uint64_t count = SJ_COUNT_TO_END,
                                                   const Ctx& ctx = {}) {
        const detail::CValue value_c(value.value());
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_map_remove_by_value_rel_rank_range(
                e, o, name, c, return_type, value_c.get(), rank, count);
        });
    }

    /// Removes the entry of rank `rank` (value order; -1: largest); `return_type` is SJ_RETURN_* (|
    /// SJ_RETURN_INVERTED).
    Operations& map_remove_by_rank(const std::string& bin, uint32_t return_type, int64_t rank, const Ctx& ctx = {}) {
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_map_remove_by_rank(e, o, name, c, return_type, rank);
        });
    }

    /// Removes `count` entries (`SJ_COUNT_TO_END`: all) from rank `rank`; `return_type` is SJ_RETURN_* (|
    /// SJ_RETURN_INVERTED).
    Operations& map_remove_by_rank_range(const std::string& bin,
                                         uint32_t return_type,
                                         int64_t rank,
                                         uint64_t count = SJ_COUNT_TO_END,
                                         const Ctx& ctx = {}) {
        return cdt(bin, ctx, [&](sj_error* e, sj_operations* o, const char* name, const sj_ctx* c) {
            return sj_operations_map_remove_by_rank_range(e, o, name, c, return_type, rank, count);
        });
    }


    // ---- Bit operations on bytes bins (sj_operations_bit_*; bit 0 is the most significant bit
    // of byte 0, negative offsets count from the end; `flags` are SJ_BIT_WRITE_* flags). Modify
    // operations answer nothing; bit_get answers Bytes, the other reads an integer. ----

    /// Resizes the bytes to `byte_size` (creating the bin; new bytes are zero), at the end or,
    /// with SJ_BIT_RESIZE_FROM_FRONT in `resize_flags`, at the front.
    Operations& bit_resize(const std::string& bin, uint32_t byte_size, uint32_t flags = 0, uint32_t resize_flags = 0) {
        return bits(bin, [&](sj_error* e, sj_operations* o, const char* name) {
            return sj_operations_bit_resize(e, o, name, byte_size, flags, resize_flags);
        });
    }

    /// Inserts `bytes` at `byte_offset` (creating the bin).
    Operations& bit_insert(const std::string& bin, int32_t byte_offset, const Bytes& bytes, uint32_t flags = 0) {
        return bits(bin, [&](sj_error* e, sj_operations* o, const char* name) {
            return sj_operations_bit_insert(e, o, name, byte_offset, bytes.data(), bytes.size(), flags);
        });
    }

    /// Removes `byte_size` bytes at `byte_offset`.
    Operations& bit_remove(const std::string& bin, int32_t byte_offset, uint32_t byte_size, uint32_t flags = 0) {
        return bits(bin, [&](sj_error* e, sj_operations* o, const char* name) {
            return sj_operations_bit_remove(e, o, name, byte_offset, byte_size, flags);
        });
    }

    /// Sets `bit_size` bits at `bit_offset` to the leading bits of `bytes`.
    Operations& bit_set(const std::string& bin, int32_t bit_offset, uint32_t bit_size, const Bytes& bytes,
                        uint32_t flags = 0) {
        return bits(bin, [&](sj_error* e, sj_operations* o, const char* name) {
            return sj_operations_bit_set(e, o, name, bit_offset, bit_size, bytes.data(), bytes.size(), flags);
        });
    }

    /// ORs `bit_size` bits at `bit_offset` with the leading bits of `bytes`.
    Operations& bit_or(const std::string& bin, int32_t bit_offset, uint32_t bit_size, const Bytes& bytes,
                       uint32_t flags = 0) {
        return bits(bin, [&](sj_error* e, sj_operations* o, const char* name) {
            return sj_operations_bit_or(e, o, name, bit_offset, bit_size, bytes.data(), bytes.size(), flags);
        });
    }

    /// XORs `bit_size` bits at `bit_offset` with the leading bits of `bytes`.
    Operations& bit_xor(const std::string& bin, int32_t bit_offset, uint32_t bit_size, const Bytes& bytes,
                        uint32_t flags = 0) {
        return bits(bin, [&](sj_error* e, sj_operations* o, const char* name) {
            return sj_operations_bit_xor(e, o, name, bit_offset, bit_size, bytes.data(), bytes.size(), flags);
        });
    }

    /// ANDs `bit_size` bits at `bit_offset` with the leading bits of `bytes`.
    Operations& bit_and(const std::string& bin, int32_t bit_offset, uint32_t bit_size, const Bytes& bytes,
                        uint32_t flags = 0) {
        return bits(bin, [&](sj_error* e, sj_operations* o, const char* name) {
            return sj_operations_bit_and(e, o, name, bit_offset, bit_size, bytes.data(), bytes.size(), flags);
        });
    }

    /// Negates `bit_size` bits at `bit_offset`.
    Operations& bit_not(const std::string& bin, int32_t bit_offset, uint32_t bit_size, uint32_t flags = 0) {
        return bits(bin, [&](sj_error* e, sj_operations* o, const char* name) {
            return sj_operations_bit_not(e, o, name, bit_offset, bit_size, flags);
        });
    }

    /// Shifts `bit_size` bits at `bit_offset` left by `shift`.
    Operations& bit_lshift(const std::string& bin, int32_t bit_offset, uint32_t bit_size, uint32_t shift,
                           uint32_t flags = 0) {
        return bits(bin, [&](sj_error* e, sj_operations* o, const char* name) {
            return sj_operations_bit_lshift(e, o, name, bit_offset, bit_size, shift, flags);
        });
    }

    /// Shifts `bit_size` bits at `bit_offset` right by `shift`.
    Operations& bit_rshift(const std::string& bin, int32_t bit_offset, uint32_t bit_size, uint32_t shift,
                           uint32_t flags = 0) {
        return bits(bin, [&](sj_error* e, sj_operations* o, const char* name) {
            return sj_operations_bit_rshift(e, o, name, bit_offset, bit_size, shift, flags);
        });
    }

    /// Adds `value` to the integer in `bit_size` (1-64) bits at `bit_offset`, two's complement if
    /// `is_signed`, doing `action` (SJ_BIT_OVERFLOW_*) on overflow.
    Operations& bit_add(const std::string& bin, int32_t bit_offset, uint32_t bit_size, int64_t value,
                        bool is_signed = false, uint32_t action = SJ_BIT_OVERFLOW_FAIL, uint32_t flags = 0) {
        return bits(bin, [&](sj_error* e, sj_operations* o, const char* name) {
            return sj_operations_bit_add(e, o, name, bit_offset, bit_size, value, is_signed, action, flags);
        });
    }

    /// Subtracts `value` from the integer in `bit_size` (1-64) bits at `bit_offset`, two's
    /// complement if `is_signed`, doing `action` (SJ_BIT_OVERFLOW_*) on overflow.
    Operations& bit_subtract(const std::string& bin, int32_t bit_offset, uint32_t bit_size, int64_t value,
                             bool is_signed = false, uint32_t action = SJ_BIT_OVERFLOW_FAIL, uint32_t flags = 0) {
        return bits(bin, [&](sj_error* e, sj_operations* o, const char* name) {
            return sj_operations_bit_subtract(e, o, name, bit_offset, bit_size, value, is_signed, action, flags);
        });
    }

    /// Sets `bit_size` (1-64) bits at `bit_offset` to the integer `value`, big-endian.
    Operations& bit_set_int(const std::string& bin, int32_t bit_offset, uint32_t bit_size, int64_t value,
                            uint32_t flags = 0) {
        return bits(bin, [&](sj_error* e, sj_operations* o, const char* name) {
            return sj_operations_bit_set_int(e, o, name, bit_offset, bit_size, value, flags);
        });
    }

    /// Reads `bit_size` bits at `bit_offset`. Result: Bytes (left-aligned, tail bits zero).
    Operations& bit_get(const std::string& bin, int32_t bit_offset, uint32_t bit_size) {
        return bits(bin, [&](sj_error* e, sj_operations* o, const char* name) {
            return sj_operations_bit_get(e, o, name, bit_offset, bit_size);
        });
    }

    /// Counts the 1 bits of `bit_size` bits at `bit_offset`. Result: an integer.
    Operations& bit_count(const std::string& bin, int32_t bit_offset, uint32_t bit_size) {
        return bits(bin, [&](sj_error* e, sj_operations* o, const char* name) {
            return sj_operations_bit_count(e, o, name, bit_offset, bit_size);
        });
    }

    /// The offset from `bit_offset` of the first bit equal to `value`, or -1.
    Operations& bit_lscan(const std::string& bin, int32_t bit_offset, uint32_t bit_size, bool value) {
        return bits(bin, [&](sj_error* e, sj_operations* o, const char* name) {
            return sj_operations_bit_lscan(e, o, name, bit_offset, bit_size, value);
        });
    }

    /// The offset from `bit_offset` of the last bit equal to `value`, or -1.
    Operations& bit_rscan(const std::string& bin, int32_t bit_offset, uint32_t bit_size, bool value) {
        return bits(bin, [&](sj_error* e, sj_operations* o, const char* name) {
            return sj_operations_bit_rscan(e, o, name, bit_offset, bit_size, value);
        });
    }

    /// Reads `bit_size` (1-64) bits at `bit_offset` as a big-endian integer, sign-extended if
    /// `is_signed`. Result: an integer.
    Operations& bit_get_int(const std::string& bin, int32_t bit_offset, uint32_t bit_size, bool is_signed = false) {
        return bits(bin, [&](sj_error* e, sj_operations* o, const char* name) {
            return sj_operations_bit_get_int(e, o, name, bit_offset, bit_size, is_signed);
        });
    }

    // ---- HyperLogLog operations on HLL bins (sj_operations_hll_*; bit counts default to
    // SJ_HLL_BITS_NOT_GIVEN, `flags` are SJ_HLL_WRITE_* flags). Elements are a List of scalars,
    // operands a List of Hll values. Init, set-union and fold answer nil. ----

    /// Creates an empty HLL of `index_bit_count` (4-16) and `mh_bit_count` (0 or 4-51) bits, or
    /// empties the bin's, keeping the bit counts not given.
    Operations& hll_init(const std::string& bin,
                         int32_t index_bit_count = SJ_HLL_BITS_NOT_GIVEN,
                         int32_t mh_bit_count = SJ_HLL_BITS_NOT_GIVEN,
                         uint32_t flags = 0) {
        return bits(bin, [&](sj_error* e, sj_operations* o, const char* name) {
            return sj_operations_hll_init(e, o, name, index_bit_count, mh_bit_count, flags);
        });
    }

    /// Adds `values`, creating the bin with the bit counts given if it is missing (an existing
    /// bin keeps its own). Result: the number of registers raised.
    Operations& hll_add(const std::string& bin,
                        const List& values,
                        int32_t index_bit_count = SJ_HLL_BITS_NOT_GIVEN,
                        int32_t mh_bit_count = SJ_HLL_BITS_NOT_GIVEN,
                        uint32_t flags = 0) {
        const detail::CValue values_c(values);
        return bits(bin, [&](sj_error* e, sj_operations* o, const char* name) {
            return sj_operations_hll_add(e, o, name, values_c.get()->items, values.size(), index_bit_count,
                                         mh_bit_count, flags);
        });
    }

    /// Sets the bin to its union with `hlls` (Hll values), creating it if missing.
    Operations& hll_set_union(const std::string& bin, const List& hlls, uint32_t flags = 0) {
        const detail::CValue hlls_c(hlls);
        return bits(bin, [&](sj_error* e, sj_operations* o, const char* name) {
            return sj_operations_hll_set_union(e, o, name, hlls_c.get()->items, hlls.size(), flags);
        });
    }

    /// Refreshes the bin's cached count. Result: the estimated count.
    Operations& hll_refresh_count(const std::string& bin) {
        return bits(bin, [&](sj_error* e, sj_operations* o, const char* name) {
            return sj_operations_hll_refresh_count(e, o, name);
        });
    }

    /// Folds the bin to `index_bit_count` index bits (fewer; only an HLL without minhash bits).
    Operations& hll_fold(const std::string& bin, int32_t index_bit_count) {
        return bits(bin, [&](sj_error* e, sj_operations* o, const char* name) {
            return sj_operations_hll_fold(e, o, name, index_bit_count);
        });
    }

    /// The estimated count of the bin's HLL. Result: an integer.
    Operations& hll_get_count(const std::string& bin) {
        return bits(bin, [&](sj_error* e, sj_operations* o, const char* name) {
            return sj_operations_hll_get_count(e, o, name);
        });
    }

    /// The union of the bin's HLL with `hlls`. Result: an Hll.
    Operations& hll_get_union(const std::string& bin, const List& hlls) {
        return hll_read(bin, hlls, sj_operations_hll_get_union);
    }

    /// The estimated count of the union of the bin's HLL with `hlls`. Result: an integer.
    Operations& hll_get_union_count(const std::string& bin, const List& hlls) {
        return hll_read(bin, hlls, sj_operations_hll_get_union_count);
    }

    /// The estimated count of the intersection of the bin's HLL with `hlls`. Result: an integer.
    Operations& hll_get_intersect_count(const std::string& bin, const List& hlls) {
        return hll_read(bin, hlls, sj_operations_hll_get_intersect_count);
    }

    /// The estimated similarity of the bin's HLL with `hlls`. Result: a double.
    Operations& hll_get_similarity(const std::string& bin, const List& hlls) {
        return hll_read(bin, hlls, sj_operations_hll_get_similarity);
    }

    /// The bin's bit counts. Result: a List {index_bit_count, mh_bit_count}.
    Operations& hll_describe(const std::string& bin) {
        return bits(bin, [&](sj_error* e, sj_operations* o, const char* name) {
            return sj_operations_hll_describe(e, o, name);
        });
    }

    /// Whether every one of `values` may be in the bin's HLL. Result: the integer 1 or 0.
    Operations& hll_may_contain(const std::string& bin, const List& values) {
        return hll_read(bin, values, sj_operations_hll_may_contain);
    }

    const sj_operations* c_ptr() const noexcept { return ops_.get(); }

private:
    /// Adds `op` on `bin` (NULL: none) with `value` (NULL: none); the library copies both.
    Operations& add(uint32_t op, const std::string* bin, const Value* value) {
        const char* name = bin ? detail::c_str(*bin, "bin name") : nullptr;
        const detail::CValue v(value ? *value : detail::nil());
        detail::call([&](sj_error* e) { return sj_operations_add(e, ops_.get(), op, name, value ? v.get() : nullptr); });
        return *this;
    }

    /// Adds a list or map operation in context `ctx`: `f(err, ops, bin, ctx)` is its
    /// sj_operations_* call.
    template <class F>
    Operations& cdt(const std::string& bin, const Ctx& ctx, F&& f) {
        const char* name = detail::c_str(bin, "bin name");
        const detail::CCtx ctx_c(ctx);
        detail::call([&](sj_error* e) { return f(e, ops_.get(), name, ctx_c.get()); });
        return *this;
    }

    /// Adds a bit or HLL operation: `f(err, ops, bin)` is its sj_operations_bit_* or
    /// sj_operations_hll_* call.
    template <class F>
    Operations& bits(const std::string& bin, F&& f) {
        const char* name = detail::c_str(bin, "bin name");
        detail::call([&](sj_error* e) { return f(e, ops_.get(), name); });
        return *this;
    }

    /// Adds an HLL read that takes a list of values: `fn(err, ops, bin, items, n)`.
    template <class Fn>
    Operations& hll_read(const std::string& bin, const List& values, Fn fn) {
        const detail::CValue values_c(values);
        return bits(bin, [&](sj_error* e, sj_operations* o, const char* name) {
            return fn(e, o, name, values_c.get()->items, values.size());
        });
    }

    Operations& add_moved(uint32_t op, const std::string& bin, Value value) { return add(op, &bin, &value); }

    std::unique_ptr<sj_operations, detail::Deleter<sj_operations_destroy>> ops_;
};

namespace exp {

/// A call of operation `index` of `ops` (a list, map, bit or HLL operation added with the
/// Operations methods; its bin name is not used, its context is) on the value of `container`,
/// giving a value of `type` (SJ_EXP_TYPE_*): a read gives what the operation reads, a modify
/// the changed copy of the container (nothing is written):
///   exp::call(SJ_EXP_TYPE_INT, Operations().list_size("l"), 0, exp::bin_list("l"))
inline Exp call(uint32_t type, const Operations& ops, std::size_t index, Exp container) {
    return detail::built(sj_exp_call(type, ops.c_ptr(), index, detail::take(container)[0]),
                         "call expression (an index out of range, or not a list, map, bit or HLL operation)");
}

}  // namespace exp

// ---------------------------------------------------------------------------------------------
// Scan callback plumbing
// ---------------------------------------------------------------------------------------------

/// A scan callback: gets each record (borrowed, valid during the call) and returns true to go
/// on, false to stop. It may throw: the scan stops and Client::scan rethrows the exception.
using ScanCallback = std::function<bool(const RecordView&)>;

namespace detail {
/// What the trampoline needs: the C++ callback, and the exception it threw, if any.
struct ScanState {
    const ScanCallback* callback;
    std::exception_ptr error;
};
}  // namespace detail

extern "C" {
/// The C callback given to sj_scan. No exception may unwind through the library's frames, so
/// one thrown by the C++ callback is caught here, stored, and stops the scan (by returning
/// false); Client::scan rethrows it once sj_scan has returned.
inline bool scramjet_hpp_scan_trampoline(const sj_record* record, void* udata) noexcept {
    auto* state = static_cast<scramjet::detail::ScanState*>(udata);
    try {
        return (*state->callback)(scramjet::RecordView(record));
    } catch (...) {
        state->error = std::current_exception();
        return false;
    }
}
}

// ---------------------------------------------------------------------------------------------
// Secondary-index queries
// ---------------------------------------------------------------------------------------------

/// A query's where clause on a secondary index (sj_index_filter).
class IndexFilter {
public:
    /// Integers of `bin` in [begin, end].
    static IndexFilter range(const std::string& bin, int64_t begin, int64_t end) {
        return IndexFilter(sj_index_filter_range(detail::c_str(bin, "bin"), begin, end));
    }
    /// The integer `value` in `bin`.
    static IndexFilter equal(const std::string& bin, int64_t value) { return range(bin, value, value); }
    /// The string `value` in `bin`.
    static IndexFilter equal(const std::string& bin, const std::string& value) {
        return IndexFilter(sj_index_filter_equal_str(detail::c_str(bin, "bin"), detail::c_str(value, "value")));
    }
    /// The blob `value` in `bin`.
    static IndexFilter equal_blob(const std::string& bin, const std::vector<uint8_t>& value) {
        return IndexFilter(sj_index_filter_equal_blob(detail::c_str(bin, "bin"), value.data(), value.size()));
    }
    /// GeoJSON points of `bin` inside the GeoJSON region `region`.
    static IndexFilter geo_within(const std::string& bin, const std::string& region) {
        return IndexFilter(sj_index_filter_geo_within(detail::c_str(bin, "bin"), detail::c_str(region, "region")));
    }
    /// GeoJSON regions of `bin` containing the GeoJSON point `point`.
    static IndexFilter geo_contains(const std::string& bin, const std::string& point) {
        return IndexFilter(sj_index_filter_geo_contains(detail::c_str(bin, "bin"), detail::c_str(point, "point")));
    }

    /// On a list, map-keys or map-values index (SJ_INDEX_LIST, ...).
    IndexFilter& collection(uint32_t collection) {
        collection_ = collection;
        detail::call([&](sj_error* e) { return sj_index_filter_set(e, f_.get(), collection_, nullptr, nullptr, nullptr); });
        return *this;
    }
    /// On the index at context `ctx` inside the bin.
    IndexFilter& context(const Ctx& ctx) {
        const detail::CCtx c(ctx);
        detail::call([&](sj_error* e) { return sj_index_filter_set(e, f_.get(), collection_, c.get(), nullptr, nullptr); });
        return *this;
    }
    /// On the index named `name`.
    IndexFilter& index_name(const std::string& name) {
        detail::call([&](sj_error* e) {
            return sj_index_filter_set(e, f_.get(), collection_, nullptr, detail::c_str(name, "index name"), nullptr);
        });
        return *this;
    }
    /// On the expression index of `exp`.
    IndexFilter& expression(const Exp& exp) {
        detail::call([&](sj_error* e) { return sj_index_filter_set(e, f_.get(), collection_, nullptr, nullptr, exp.c_ptr()); });
        return *this;
    }

    const sj_index_filter* c_ptr() const noexcept { return f_.get(); }

private:
    explicit IndexFilter(sj_index_filter* f) : f_(f) {
        if (!f_) throw Error(SJ_ERR_PARAM, "bad index filter");
    }
    std::unique_ptr<sj_index_filter, detail::Deleter<sj_index_filter_destroy>> f_;
    uint32_t collection_ = SJ_INDEX_DEFAULT;
};

/// The partitions a query covers and how far each got: pass the same one to Client::query
/// again to go on where a query with max_records stopped, until done().
class PartitionFilter {
public:
    /// Every partition.
    PartitionFilter() : p_(sj_partition_filter_all()) {}
    /// Partitions begin .. begin + count (within 0..4096).
    PartitionFilter(uint16_t begin, uint16_t count) : p_(sj_partition_filter_range(begin, count)) {
        if (!p_) throw Error(SJ_ERR_PARAM, "partitions out of 0..4096");
    }
    /// True when the query has nothing more to give.
    bool done() const noexcept { return sj_partition_filter_is_done(p_.get()); }
    sj_partition_filter* c_ptr() noexcept { return p_.get(); }

private:
    std::unique_ptr<sj_partition_filter, detail::Deleter<sj_partition_filter_destroy>> p_;
};

// ---------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------

/// A connection to a cluster. Thread-safe: share one Client between threads. Owns its
/// sj_client; destroying it closes the connections and stops the tend thread.
class Client {
public:
    /// Connects through the seeds `hosts` ("host:port[,host:port...]"; a host without a port
    /// uses 3000). Throws Error: SJ_ERR_INVALID_HOST if no seed resolves, SJ_ERR_CONNECTION if
    /// none answers, SJ_ERR_PARAM for malformed hosts.
    explicit Client(const std::string& hosts, const ClientConfig& config = {}) {
        sj_client_config c;
        sj_client_config_init(&c);
        c.hosts = detail::c_str(hosts, "hosts");
        c.cluster_name = detail::c_str_or_null(config.cluster_name, "cluster name");
        c.connect_timeout_ms = config.connect_timeout_ms;
        c.tend_interval_ms = config.tend_interval_ms;
        c.max_conns_per_node = config.max_conns_per_node;
        c.shard_routing = config.shard_routing;
        c.user = detail::c_str_or_null(config.user, "user");
        c.password = config.user.empty() ? nullptr : detail::c_str(config.password, "password");
        c.tls_name = detail::c_str_or_null(config.tls_name, "TLS name");
        c.tls_ca_file = detail::c_str_or_null(config.tls_ca_file, "TLS CA file");
        c.tls_cert_file = detail::c_str_or_null(config.tls_cert_file, "TLS certificate file");
        c.tls_key_file = detail::c_str_or_null(config.tls_key_file, "TLS key file");
        c.pki_login = config.pki_login;
        sj_client* out = nullptr;
        detail::call([&](sj_error* e) { return sj_client_new(e, &c, &out); });
        client_.reset(out);
    }

    /// Writes the record's bins (a nil bin deletes that bin).
    void put(const Key& key, const Record& record, const WritePolicy* policy = nullptr) const {
        detail::call([&](sj_error* e) { return sj_put(c_ptr(), e, policy, key.c_ptr(), record.c_ptr()); });
    }

    /// Reads every bin. Throws Error(SJ_ERR_RECORD_NOT_FOUND) if there is no record.
    Record get(const Key& key, const ReadPolicy* policy = nullptr) const {
        return read(key, nullptr, 0, policy);
    }

    /// Reads the named bins; an empty list reads none (only the generation and TTL). Throws
    /// Error(SJ_ERR_RECORD_NOT_FOUND) if there is no record.
    Record select(const Key& key, const std::vector<std::string>& bins, const ReadPolicy* policy = nullptr) const {
        if (bins.empty()) {
            // sj_get would read every bin for an empty list (the server treats a read with no
            // bin operations as "all bins"); sj_exists reads the metadata only.
            sj_record* out = nullptr;
            detail::call([&](sj_error* e) { return sj_exists(c_ptr(), e, policy, key.c_ptr(), &out); });
            return Record::adopt(out);
        }
        const std::vector<const char*> names = detail::c_strs(bins, "bin name");
        return read(key, names.data(), names.size(), policy);
    }

    /// True if the record exists, false if not; other failures throw.
    bool exists(const Key& key, const ReadPolicy* policy = nullptr) const {
        return detail::call([&](sj_error* e) { return sj_exists(c_ptr(), e, policy, key.c_ptr(), nullptr); },
                            SJ_ERR_RECORD_NOT_FOUND) == SJ_OK;
    }

    /// Deletes the record: true if it existed, false if not; other failures throw.
    bool remove(const Key& key, const WritePolicy* policy = nullptr) const {
        return detail::call([&](sj_error* e) { return sj_remove(c_ptr(), e, policy, key.c_ptr()); },
                            SJ_ERR_RECORD_NOT_FOUND) == SJ_OK;
    }

    /// Resets the record's TTL to the policy's `ttl`. Throws Error(SJ_ERR_RECORD_NOT_FOUND) if
    /// there is no record.
    void touch(const Key& key, const WritePolicy* policy = nullptr) const {
        detail::call([&](sj_error* e) { return sj_touch(c_ptr(), e, policy, key.c_ptr()); });
    }

    /// Applies `ops` atomically; returns what the read operations read (with the generation
    /// and TTL after the command).
    Record operate(const Key& key, const Operations& ops, const WritePolicy* policy = nullptr) const {
        sj_record* out = nullptr;
        detail::call([&](sj_error* e) { return sj_operate(c_ptr(), e, policy, key.c_ptr(), ops.c_ptr(), &out); });
        return Record::adopt(out);
    }

    /// Reads many records at once: element i is key i's record, or nullopt if it has none or
    /// the policy's filter left it out. `codes`, if given, receives each key's status (SJ_OK,
    /// SJ_ERR_RECORD_NOT_FOUND or SJ_ERR_FILTERED_OUT). Any other per-key failure throws Error
    /// with that key's code.
    std::vector<std::optional<Record>> batch_get(const std::vector<const Key*>& keys,
                                                 const ReadPolicy* policy = nullptr,
                                                 std::vector<int32_t>* codes = nullptr) const {
        std::vector<const sj_key*> raw;
        raw.reserve(keys.size());
        for (const Key* k : keys) {
            if (!k) throw Error(SJ_ERR_PARAM, "batch_get: NULL key");
            raw.push_back(k->c_ptr());
        }
        return batch(raw, policy, codes);
    }

    std::vector<std::optional<Record>> batch_get(const std::vector<Key>& keys, const ReadPolicy* policy = nullptr,
                                                 std::vector<int32_t>* codes = nullptr) const {
        std::vector<const sj_key*> raw;
        raw.reserve(keys.size());
        for (const Key& k : keys) raw.push_back(k.c_ptr());
        return batch(raw, policy, codes);
    }

    /// Scans namespace `ns` (and `set`, unless empty), calling `callback` with each record
    /// (every bin) until it returns false. Runs on the calling thread. An exception thrown by
    /// the callback stops the scan and is rethrown here.
    void scan(const std::string& ns, const std::string& set, const ScanCallback& callback,
              const ScanPolicy* policy = nullptr) const {
        scan_impl(ns, set, nullptr, callback, policy);
    }

    /// As above, reading only the named bins (an empty list reads none: metadata and keys).
    void scan(const std::string& ns, const std::string& set, const std::vector<std::string>& bins,
              const ScanCallback& callback, const ScanPolicy* policy = nullptr) const {
        scan_impl(ns, set, &bins, callback, policy);
    }

    /// Creates the secondary index `name` on `bin` of `ns` (and `set`, "" for all), holding
    /// `type` values (SJ_INDEX_NUMERIC, ...) of `collection` (SJ_INDEX_DEFAULT, ...), at the
    /// context `ctx` inside the bin if not empty; returns once every node has built it.
    void index_create(const std::string& ns, const std::string& set, const std::string& name,
                      const std::string& bin, uint32_t type, uint32_t collection = SJ_INDEX_DEFAULT,
                      const Ctx& ctx = {}, uint32_t timeout_ms = 0) const {
        const detail::CCtx c(ctx);
        detail::call([&](sj_error* e) {
            return sj_index_create(c_ptr(), e, detail::c_str(ns, "namespace"), detail::c_str_or_null(set, "set"),
                                   detail::c_str(name, "name"), detail::c_str(bin, "bin"), nullptr, type, collection,
                                   c.get(), timeout_ms);
        });
    }

    /// As above, on the value of the expression `exp` for each record.
    void index_create(const std::string& ns, const std::string& set, const std::string& name, const Exp& exp,
                      uint32_t type, uint32_t collection = SJ_INDEX_DEFAULT, uint32_t timeout_ms = 0) const {
        detail::call([&](sj_error* e) {
            return sj_index_create(c_ptr(), e, detail::c_str(ns, "namespace"), detail::c_str_or_null(set, "set"),
                                   detail::c_str(name, "name"), nullptr, exp.c_ptr(), type, collection, nullptr,
                                   timeout_ms);
        });
    }

    /// Drops the secondary index `name` of `ns` (nothing if there is none).
    void index_remove(const std::string& ns, const std::string& name, uint32_t timeout_ms = 0) const {
        detail::call([&](sj_error* e) {
            return sj_index_remove(c_ptr(), e, detail::c_str(ns, "namespace"), detail::c_str(name, "name"), timeout_ms);
        });
    }

    /// Queries `ns` (and `set`) with `filter` (nullptr: every record), over `partitions`
    /// (nullptr: all; with max_records in `policy`, call again with the same PartitionFilter
    /// until it is done), calling `callback` with each record as scan does.
    void query(const std::string& ns, const std::string& set, const IndexFilter* filter, const ScanCallback& callback,
               const ScanPolicy* policy = nullptr, PartitionFilter* partitions = nullptr) const {
        if (!callback) throw Error(SJ_ERR_PARAM, "query: empty callback");
        detail::ScanState state{&callback, nullptr};
        sj_error err;
        err.code = SJ_OK;
        err.message[0] = '\0';
        const int32_t rc = sj_query(c_ptr(), &err, policy, detail::c_str(ns, "namespace"),
                                    detail::c_str_or_null(set, "set"), nullptr, 0, filter ? filter->c_ptr() : nullptr,
                                    partitions ? partitions->c_ptr() : nullptr, &scramjet_hpp_scan_trampoline, &state);
        if (state.error) std::rethrow_exception(state.error);
        if (rc != SJ_OK) throw Error(rc, detail::message_of(err, rc));
    }

    /// Registers the Lua module `name` (a file name ending in ".lua") with `content`; returns
    /// once every node lists it. A module that does not compile throws Error(SJ_ERR_UDF) with
    /// Lua's message.
    void udf_put(const std::string& name, const std::string& content, uint32_t timeout_ms = 0) const {
        detail::call([&](sj_error* e) {
            return sj_udf_put(c_ptr(), e, detail::c_str(name, "name"),
                              reinterpret_cast<const uint8_t*>(content.data()), content.size(), timeout_ms);
        });
    }

    /// Removes module `name` (nothing if there is none); returns once no node lists it.
    void udf_remove(const std::string& name, uint32_t timeout_ms = 0) const {
        detail::call([&](sj_error* e) { return sj_udf_remove(c_ptr(), e, detail::c_str(name, "name"), timeout_ms); });
    }

    /// The registered modules: (file name, hash) pairs.
    std::vector<std::pair<std::string, std::string>> udf_list(uint32_t timeout_ms = 0) const {
        sj_record* out = nullptr;
        detail::call([&](sj_error* e) { return sj_udf_list(c_ptr(), e, timeout_ms, &out); });
        std::vector<std::pair<std::string, std::string>> modules;
        for (auto& [name, hash] : Record::adopt(out).bins()) modules.emplace_back(name, std::get<std::string>(hash));
        return modules;
    }

    /// Calls `module.function(rec, args...)` on the record (a record UDF; `module` without
    /// ".lua") and returns what it returned. A Lua error throws Error(SJ_ERR_UDF) with Lua's
    /// message.
    Value apply(const Key& key, const std::string& module, const std::string& function, const List& args = {},
                const WritePolicy* policy = nullptr) const {
        const detail::CValue a(args);
        sj_record* out = nullptr;
        detail::call([&](sj_error* e) {
            return sj_apply(c_ptr(), e, policy, key.c_ptr(), detail::c_str(module, "module"),
                            detail::c_str(function, "function"), a.get()->items, a.get()->len, &out);
        });
        return Record::adopt(out).get("SUCCESS");
    }

    /// Starts a background UDF: `module.function(rec, args...)` on every record of `ns` (and
    /// `set`) that `filter` selects (nullptr: all), on every node. Returns the job's id (see
    /// job_done).
    uint64_t query_background_udf(const std::string& ns, const std::string& set, const IndexFilter* filter,
                                  const std::string& module, const std::string& function, const List& args = {},
                                  const ScanPolicy* policy = nullptr) const {
        const detail::CValue a(args);
        uint64_t task_id = 0;
        detail::call([&](sj_error* e) {
            return sj_query_background_udf(c_ptr(), e, policy, detail::c_str(ns, "namespace"),
                                           detail::c_str_or_null(set, "set"), filter ? filter->c_ptr() : nullptr,
                                           detail::c_str(module, "module"), detail::c_str(function, "function"),
                                           a.get()->items, a.get()->len, &task_id);
        });
        return task_id;
    }

    /// True once background job `task_id` has finished on every node.
    bool job_done(uint64_t task_id, uint32_t timeout_ms = 0) const {
        bool done = false;
        detail::call([&](sj_error* e) { return sj_job_done(c_ptr(), e, task_id, timeout_ms, &done); });
        return done;
    }

    /// Runs stream UDF `module.function(stream, args...)` over the records `filter` selects
    /// (nullptr: all) on every node and returns the values the server produced (its part of
    /// the stream, up to and including the first reduce, per batch of records): combine them
    /// yourself, this client runs no Lua. A Lua error throws Error(SJ_ERR_UDF).
    List query_aggregate(const std::string& ns, const std::string& set, const IndexFilter* filter,
                         const std::string& module, const std::string& function, const List& args = {},
                         const ScanPolicy* policy = nullptr) const {
        const detail::CValue a(args);
        sj_record* out = nullptr;
        detail::call([&](sj_error* e) {
            return sj_query_aggregate(c_ptr(), e, policy, detail::c_str(ns, "namespace"),
                                      detail::c_str_or_null(set, "set"), filter ? filter->c_ptr() : nullptr,
                                      detail::c_str(module, "module"), detail::c_str(function, "function"),
                                      a.get()->items, a.get()->len, &out);
        });
        return std::get<List>(Record::adopt(out).get("values"));
    }

    /// Sends an info request (commands separated by newlines) to node `node`, or to any node
    /// if `node` is empty, and returns the raw answer. `timeout_ms` 0 means 1000.
    std::string info(const std::string& request, const std::string& node = "", uint32_t timeout_ms = 0) const {
        char* out = nullptr;
        detail::call([&](sj_error* e) {
            return sj_info(c_ptr(), e, detail::c_str_or_null(node, "node name"), detail::c_str(request, "request"),
                           timeout_ms, &out);
        });
        return take_string(out);
    }

    /// Creates a user with a password and roles (needs user-admin).
    void create_user(const std::string& user, const std::string& password, const std::vector<std::string>& roles) const {
        auto names = detail::c_strs(roles, "role");
        detail::call([&](sj_error* e) {
            return sj_admin_create_user(c_ptr(), e, detail::c_str(user, "user"), detail::c_str(password, "password"),
                                        names.data(), names.size());
        });
    }

    /// Drops a user.
    void drop_user(const std::string& user) const {
        detail::call([&](sj_error* e) { return sj_admin_drop_user(c_ptr(), e, detail::c_str(user, "user")); });
    }

    /// Sets a user's password (needs user-admin).
    void set_password(const std::string& user, const std::string& password) const {
        detail::call([&](sj_error* e) {
            return sj_admin_set_password(c_ptr(), e, detail::c_str(user, "user"), detail::c_str(password, "password"));
        });
    }

    /// Changes the client's own user's password.
    void change_password(const std::string& password) const {
        detail::call([&](sj_error* e) { return sj_admin_change_password(c_ptr(), e, detail::c_str(password, "password")); });
    }

    /// Grants (or with grant false revokes) roles of a user.
    void change_roles(const std::string& user, const std::vector<std::string>& roles, bool grant) const {
        auto names = detail::c_strs(roles, "role");
        detail::call([&](sj_error* e) {
            return sj_admin_change_roles(c_ptr(), e, detail::c_str(user, "user"), names.data(), names.size(), grant);
        });
    }

    /// Creates a role with privileges, an allowlist (empty: any address) and quotas (0: none).
    void create_role(const std::string& role, const std::vector<Privilege>& privileges,
                     const std::vector<std::string>& whitelist = {}, uint32_t read_quota = 0,
                     uint32_t write_quota = 0) const {
        auto c_privileges = c_privs(privileges);
        auto addresses = detail::c_strs(whitelist, "whitelist entry");
        detail::call([&](sj_error* e) {
            return sj_admin_create_role(c_ptr(), e, detail::c_str(role, "role"), c_privileges.data(),
                                        c_privileges.size(), addresses.data(), addresses.size(), read_quota,
                                        write_quota);
        });
    }

    /// Drops a role.
    void drop_role(const std::string& role) const {
        detail::call([&](sj_error* e) { return sj_admin_drop_role(c_ptr(), e, detail::c_str(role, "role")); });
    }

    /// Grants (or with grant false revokes) privileges of a role.
    void change_privileges(const std::string& role, const std::vector<Privilege>& privileges, bool grant) const {
        auto c_privileges = c_privs(privileges);
        detail::call([&](sj_error* e) {
            return sj_admin_change_privileges(c_ptr(), e, detail::c_str(role, "role"), c_privileges.data(),
                                              c_privileges.size(), grant);
        });
    }

    /// Sets a role's allowlist (empty: any address).
    void set_whitelist(const std::string& role, const std::vector<std::string>& whitelist) const {
        auto addresses = detail::c_strs(whitelist, "whitelist entry");
        detail::call([&](sj_error* e) {
            return sj_admin_set_whitelist(c_ptr(), e, detail::c_str(role, "role"), addresses.data(), addresses.size());
        });
    }

    /// Sets a role's read and write quotas (per second per node; 0: none).
    void set_quotas(const std::string& role, uint32_t read_quota, uint32_t write_quota) const {
        detail::call([&](sj_error* e) {
            return sj_admin_set_quotas(c_ptr(), e, detail::c_str(role, "role"), read_quota, write_quota);
        });
    }

    /// Every user (or the one named) as JSON: [{"name", "roles", "connections"}].
    std::string query_users_json(const std::string& user = "") const {
        char* out = nullptr;
        detail::call([&](sj_error* e) {
            return sj_admin_query_users(c_ptr(), e, detail::c_str_or_null(user, "user"), &out);
        });
        return take_string(out);
    }

    /// Every role (or the one named) as JSON: [{"name", "privileges", "whitelist", "read_quota",
    /// "write_quota"}].
    std::string query_roles_json(const std::string& role = "") const {
        char* out = nullptr;
        detail::call([&](sj_error* e) {
            return sj_admin_query_roles(c_ptr(), e, detail::c_str_or_null(role, "role"), &out);
        });
        return take_string(out);
    }

    /// The names of the cluster's live nodes.
    std::vector<std::string> node_names() const {
        char* out = nullptr;
        detail::call([&](sj_error* e) { return sj_node_names(c_ptr(), e, &out); });
        const std::string all = take_string(out);
        std::vector<std::string> names;
        for (std::size_t start = 0; start < all.size();) {
            std::size_t end = all.find(',', start);
            if (end == std::string::npos) end = all.size();
            if (end > start) names.push_back(all.substr(start, end - start));
            start = end + 1;
        }
        return names;
    }

    const sj_client* c_ptr() const noexcept { return client_.get(); }

private:
    /// sj_get into a new Record (bins NULL: every bin).
    Record read(const Key& key, const char* const* bins, std::size_t n_bins, const ReadPolicy* policy) const {
        sj_record* out = nullptr;
        detail::call([&](sj_error* e) { return sj_get(c_ptr(), e, policy, key.c_ptr(), bins, n_bins, &out); });
        return Record::adopt(out);
    }

    std::vector<std::optional<Record>> batch(const std::vector<const sj_key*>& keys, const ReadPolicy* policy,
                                             std::vector<int32_t>* codes_out) const {
        std::vector<std::optional<Record>> results(keys.size());
        if (codes_out) codes_out->clear();
        if (keys.empty()) return results;
        // Start with NULLs so that, whatever happens, every non-NULL entry is a record the
        // library handed over: adopt all of them before looking at the status, so that they
        // are freed even if we throw.
        std::vector<sj_record*> records(keys.size(), nullptr);
        std::vector<int32_t> codes(keys.size(), SJ_OK);
        sj_error err;
        err.code = SJ_OK;
        err.message[0] = '\0';
        const int32_t rc = sj_batch_get(c_ptr(), &err, policy, keys.data(), keys.size(), nullptr, 0, records.data(),
                                        codes.data());
        for (std::size_t i = 0; i < keys.size(); ++i)
            if (records[i]) results[i] = Record::adopt(records[i]);
        if (rc != SJ_OK) throw Error(rc, detail::message_of(err, rc));
        for (std::size_t i = 0; i < keys.size(); ++i) {
            if (codes[i] != SJ_OK && codes[i] != SJ_ERR_RECORD_NOT_FOUND && codes[i] != SJ_ERR_FILTERED_OUT)
                throw Error(codes[i], "batch_get: key #" + std::to_string(i) + " failed with code " +
                                          std::to_string(codes[i]));
            if (codes[i] != SJ_OK) results[i].reset();
        }
        if (codes_out) *codes_out = std::move(codes);
        return results;
    }

    void scan_impl(const std::string& ns, const std::string& set, const std::vector<std::string>* bins,
                   const ScanCallback& callback, const ScanPolicy* policy) const {
        if (!callback) throw Error(SJ_ERR_PARAM, "scan: empty callback");
        std::vector<const char*> names;
        if (bins) names = detail::c_strs(*bins, "bin name");
        // NULL means every bin to the library, and so would an empty list (see select()):
        // reading no bins is the policy's no_bins.
        ScanPolicy no_bins;
        if (bins && bins->empty()) {
            if (policy) static_cast<sj_scan_policy&>(no_bins) = *policy;
            no_bins.no_bins = true;
            policy = &no_bins;
        }
        const char* const* bin_list = names.empty() ? nullptr : names.data();
        detail::ScanState state{&callback, nullptr};
        sj_error err;
        err.code = SJ_OK;
        err.message[0] = '\0';
        const int32_t rc = sj_scan(c_ptr(), &err, policy, detail::c_str(ns, "namespace"),
                                   detail::c_str_or_null(set, "set"), bin_list, names.size(),
                                   &scramjet_hpp_scan_trampoline, &state);
        // The callback's own exception explains the stop better than any status.
        if (state.error) std::rethrow_exception(state.error);
        if (rc != SJ_OK) throw Error(rc, detail::message_of(err, rc));
    }

    /// Copies a library string and frees it.
    static std::string take_string(char* s) {
        const detail::OwnedCString owned(s);
        return owned ? std::string(owned.get()) : std::string();
    }

    /// C views of privileges (valid while `privileges` lives).
    static std::vector<sj_privilege> c_privs(const std::vector<Privilege>& privileges) {
        std::vector<sj_privilege> out;
        out.reserve(privileges.size());
        for (const auto& p : privileges) {
            out.push_back(sj_privilege{p.code, detail::c_str_or_null(p.ns, "namespace"),
                                       detail::c_str_or_null(p.set, "set")});
        }
        return out;
    }

    std::unique_ptr<sj_client, detail::Deleter<sj_client_destroy>> client_;
};

}  // namespace scramjet

#endif  // SCRAMJET_HPP
