/*
 * The C API against a running scramjetd: every call, its error codes, and one client handle
 * shared by many threads. Usage: client_test HOST PORT. Prints "ALL PASSED" and exits 0.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "scramjet.h"

static int failures = 0;

#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "FAILED %s:%d: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                  \
            fprintf(stderr, "\n");                                         \
            failures++;                                                    \
        }                                                                  \
    } while (0)

#define OK(call) CHECK((call) == SJ_OK, "error %d: %s", err.code, err.message)

static sj_client *client;
static char prefix[64];

static sj_key *make_key(const char *set, const char *name) {
    sj_error err;
    char text[200];
    snprintf(text, sizeof text, "%s-%s", prefix, name);
    sj_key *key = NULL;
    OK(sj_key_new_str(&err, "test", set, text, &key));
    return key;
}

static void test_values_round_trip(void) {
    sj_error err;
    sj_key *key = make_key("c", "types");
    sj_record *bins = sj_record_new();
    const uint8_t blob[] = {0, 1, 2, 255};
    OK(sj_record_set_int(&err, bins, "i", -42));
    OK(sj_record_set_float(&err, bins, "f", 2.5));
    OK(sj_record_set_str(&err, bins, "s", "héllo"));
    OK(sj_record_set_bytes(&err, bins, "b", blob, sizeof blob));
    sj_value t = {.type = SJ_TYPE_BOOL, .i = 1};
    OK(sj_record_set(&err, bins, "t", &t));
    OK(sj_put(client, &err, NULL, key, bins));
    sj_record_destroy(bins);

    sj_record *rec = NULL;
    OK(sj_get(client, &err, NULL, key, NULL, 0, &rec));
    CHECK(sj_record_bin_count(rec) == 5, "%zu bins", sj_record_bin_count(rec));
    int64_t i = 0;
    const char *s = NULL;
    sj_value v;
    CHECK(sj_record_get_int(rec, "i", &i) == SJ_OK && i == -42, "i=%lld", (long long)i);
    CHECK(sj_record_get(rec, "f", &v) == SJ_OK && v.type == SJ_TYPE_FLOAT && v.f == 2.5, "f");
    CHECK(sj_record_get_str(rec, "s", &s) == SJ_OK && strcmp(s, "héllo") == 0, "s=%s", s);
    CHECK(sj_record_get(rec, "b", &v) == SJ_OK && v.type == SJ_TYPE_BYTES && v.len == 4 &&
              memcmp(v.data, blob, 4) == 0, "b");
    CHECK(sj_record_get(rec, "t", &v) == SJ_OK && v.type == SJ_TYPE_BOOL && v.i == 1, "t");
    CHECK(sj_record_get_int(rec, "s", &i) == SJ_ERR_BIN_INCOMPATIBLE_TYPE, "type check");
    CHECK(sj_record_get_int(rec, "zz", &i) == SJ_ERR_BIN_NOT_FOUND, "missing bin");
    CHECK(sj_record_generation(rec) == 1, "generation %u", sj_record_generation(rec));
    CHECK(sj_record_ttl(rec) == SJ_TTL_NEVER_EXPIRE, "ttl %u", sj_record_ttl(rec));
    sj_record_destroy(rec);

    /* select two bins; a nil write deletes a bin */
    const char *names[] = {"i", "s"};
    OK(sj_get(client, &err, NULL, key, names, 2, &rec));
    CHECK(sj_record_bin_count(rec) == 2, "select gave %zu bins", sj_record_bin_count(rec));
    sj_record_destroy(rec);
    bins = sj_record_new();
    sj_value nil = {.type = SJ_TYPE_NIL};
    OK(sj_record_set(&err, bins, "i", &nil));
    OK(sj_put(client, &err, NULL, key, bins));
    sj_record_destroy(bins);
    OK(sj_get(client, &err, NULL, key, NULL, 0, &rec));
    CHECK(sj_record_get_int(rec, "i", &i) == SJ_ERR_BIN_NOT_FOUND, "nil deleted the bin");
    CHECK(sj_record_generation(rec) == 2, "generation %u", sj_record_generation(rec));
    sj_record_destroy(rec);
    sj_key_destroy(key);
}

static void test_policies_and_codes(void) {
    sj_error err;
    sj_key *key = make_key("c", "policies");
    sj_record *bins = sj_record_new();
    OK(sj_record_set_int(&err, bins, "n", 1));

    sj_write_policy wp;
    sj_write_policy_init(&wp);
    wp.exists = SJ_EXISTS_UPDATE_ONLY;
    CHECK(sj_put(client, &err, &wp, key, bins) == SJ_ERR_RECORD_NOT_FOUND, "update-only on nothing: %d", err.code);
    CHECK(err.code == SJ_ERR_RECORD_NOT_FOUND && strlen(err.message) > 0, "err filled: %s", err.message);
    wp.exists = SJ_EXISTS_CREATE_ONLY;
    wp.ttl = 1000;
    wp.send_key = true;
    OK(sj_put(client, &err, &wp, key, bins));
    CHECK(sj_put(client, &err, &wp, key, bins) == SJ_ERR_RECORD_EXISTS, "create-only twice: %d", err.code);

    sj_write_policy_init(&wp);
    wp.gen_policy = SJ_GEN_EQ;
    wp.generation = 7;
    CHECK(sj_put(client, &err, &wp, key, bins) == SJ_ERR_GENERATION, "generation mismatch: %d", err.code);
    wp.generation = 1;
    OK(sj_put(client, &err, &wp, key, bins));

    sj_record *rec = NULL;
    OK(sj_exists(client, &err, NULL, key, &rec));
    CHECK(sj_record_bin_count(rec) == 0 && sj_record_generation(rec) == 2, "exists metadata");
    sj_record_destroy(rec);

    sj_write_policy_init(&wp);
    wp.ttl = 5000;
    OK(sj_touch(client, &err, &wp, key));
    OK(sj_get(client, &err, NULL, key, NULL, 0, &rec));
    CHECK(sj_record_ttl(rec) > 4000 && sj_record_ttl(rec) <= 5000, "touched ttl %u", sj_record_ttl(rec));
    sj_record_destroy(rec);

    OK(sj_remove(client, &err, NULL, key));
    CHECK(sj_remove(client, &err, NULL, key) == SJ_ERR_RECORD_NOT_FOUND, "second remove");
    CHECK(sj_exists(client, &err, NULL, key, NULL) == SJ_ERR_RECORD_NOT_FOUND, "exists after remove");
    rec = NULL;
    CHECK(sj_get(client, &err, NULL, key, NULL, 0, &rec) == SJ_ERR_RECORD_NOT_FOUND && rec == NULL, "get after remove");

    /* bad arguments are refused with SJ_ERR_PARAM, never a crash */
    sj_key *bad = NULL;
    CHECK(sj_key_new_str(&err, "test", "c", NULL, &bad) == SJ_ERR_PARAM && bad == NULL, "NULL key value");
    CHECK(sj_record_set_int(&err, bins, "a-bin-name-too-long", 1) == SJ_ERR_PARAM, "long bin name");
    CHECK(sj_put(client, &err, NULL, NULL, bins) == SJ_ERR_PARAM, "NULL key");
    wp.exists = 99;
    CHECK(sj_put(client, &err, &wp, key, bins) == SJ_ERR_PARAM, "bad exists action");
    sj_key *other_ns = NULL;
    OK(sj_key_new_int(&err, "nosuchns", "c", 1, &other_ns));
    CHECK(sj_put(client, &err, NULL, other_ns, bins) == SJ_ERR_NAMESPACE_NOT_FOUND, "unknown namespace: %d", err.code);
    sj_key_destroy(other_ns);
    sj_record_destroy(bins);
    sj_key_destroy(key);
}

static void test_operate(void) {
    sj_error err;
    sj_key *key = make_key("c", "operate");
    sj_operations *ops = sj_operations_new();
    sj_value one = {.type = SJ_TYPE_INT, .i = 1};
    sj_value text = {.type = SJ_TYPE_STR, .data = (const uint8_t *)"ab", .len = 2};
    OK(sj_operations_add(&err, ops, SJ_OP_INCR, "n", &one));
    OK(sj_operations_add(&err, ops, SJ_OP_APPEND, "s", &text));
    OK(sj_operations_add(&err, ops, SJ_OP_READ, "n", NULL));
    OK(sj_operations_add(&err, ops, SJ_OP_READ, "s", NULL));
    sj_record *rec = NULL;
    for (int round = 1; round <= 3; round++) {
        OK(sj_operate(client, &err, NULL, key, ops, &rec));
        int64_t n = 0;
        const char *s = NULL;
        CHECK(sj_record_get_int(rec, "n", &n) == SJ_OK && n == round, "n=%lld", (long long)n);
        CHECK(sj_record_get_str(rec, "s", &s) == SJ_OK && strlen(s) == 2u * round, "s=%s", s);
        sj_record_destroy(rec);
    }
    sj_operations_destroy(ops);
    /* a write and a read of every bin in one command */
    ops = sj_operations_new();
    sj_value two = {.type = SJ_TYPE_INT, .i = 2};
    OK(sj_operations_add(&err, ops, SJ_OP_WRITE, "w", &two));
    OK(sj_operations_add(&err, ops, SJ_OP_READ, NULL, NULL));
    rec = NULL;
    OK(sj_operate(client, &err, NULL, key, ops, &rec));
    CHECK(rec != NULL && sj_record_bin_count(rec) == 3, "write + read-all gave %zu bins", sj_record_bin_count(rec));
    sj_record_destroy(rec);
    sj_operations_destroy(ops);
    ops = sj_operations_new();
    CHECK(sj_operations_add(&err, ops, SJ_OP_INCR, "s", &text) == SJ_OK, "queued");
    CHECK(sj_operate(client, &err, NULL, key, ops, NULL) == SJ_ERR_PARAM, "incr by a string: %d", err.code);
    sj_operations_destroy(ops);
    ops = sj_operations_new();
    OK(sj_operations_add(&err, ops, SJ_OP_DELETE, NULL, NULL));
    OK(sj_operate(client, &err, NULL, key, ops, NULL));
    CHECK(sj_exists(client, &err, NULL, key, NULL) == SJ_ERR_RECORD_NOT_FOUND, "deleted by operate");
    sj_operations_destroy(ops);
    sj_key_destroy(key);
}

/* Bin `i` of `rec` (operate results repeat a bin's name once per operation that answers). */
static sj_value result(const sj_record *rec, size_t i) {
    sj_value v = sj_value_nil();
    const char *name = NULL;
    CHECK(sj_record_bin(rec, i, &name, &v) == SJ_OK, "no result #%zu (%zu bins)", i, sj_record_bin_count(rec));
    return v;
}

static int is_int(const sj_value *v, int64_t want) { return v != NULL && v->type == SJ_TYPE_INT && v->i == want; }

static int is_str(const sj_value *v, const char *want) {
    return v != NULL && v->type == SJ_TYPE_STR && v->len == strlen(want) && memcmp(v->data, want, v->len) == 0;
}

/* A list of integers equal to want[0..n). */
static int is_int_list(const sj_value *v, const int64_t *want, size_t n) {
    if (v == NULL || v->type != SJ_TYPE_LIST || v->len != n) return 0;
    for (size_t i = 0; i < n; i++)
        if (!is_int(sj_value_list_get(v, i), want[i])) return 0;
    return 1;
}

static void test_lists(void) {
    sj_error err;
    sj_key *key = make_key("c", "lists");
    sj_operations *ops = sj_operations_new();
    sj_value five = sj_value_int(5), nine = sj_value_int(9);
    sj_value items[] = {sj_value_int(1), sj_value_int(9), sj_value_int(3)};
    OK(sj_operations_list_append(&err, ops, "l", NULL, &five, NULL));
    OK(sj_operations_list_append_items(&err, ops, "l", NULL, items, 3, NULL));
    OK(sj_operations_list_get_by_rank_range(&err, ops, "l", NULL, SJ_RETURN_VALUE, -2, 2));
    OK(sj_operations_list_get_by_value(&err, ops, "l", NULL, SJ_RETURN_COUNT, &nine));
    OK(sj_operations_list_size(&err, ops, "l", NULL));
    sj_record *rec = NULL;
    OK(sj_operate(client, &err, NULL, key, ops, &rec));
    sj_operations_destroy(ops);
    CHECK(sj_record_bin_count(rec) == 5, "%zu results", sj_record_bin_count(rec));
    sj_value v = result(rec, 0);
    CHECK(is_int(&v, 1), "append: new size 1");
    v = result(rec, 1);
    CHECK(is_int(&v, 4), "append items: new size 4");
    v = result(rec, 2);
    const int64_t top[] = {5, 9};
    CHECK(is_int_list(&v, top, 2), "the two largest, in rank order (type %u, len %zu)", v.type, v.len);
    v = result(rec, 3);
    CHECK(is_int(&v, 1), "one 9");
    v = result(rec, 4);
    CHECK(is_int(&v, 4), "size 4");
    sj_record_destroy(rec);

    /* [5, 1, 9, 3]: a range, a remove by value returning indexes, a get by index. */
    ops = sj_operations_new();
    OK(sj_operations_list_get_range(&err, ops, "l", NULL, 1, 2));
    OK(sj_operations_list_remove_by_value(&err, ops, "l", NULL, SJ_RETURN_INDEX, &nine));
    OK(sj_operations_list_get_by_index(&err, ops, "l", NULL, SJ_RETURN_VALUE, -1));
    OK(sj_operations_list_get_by_index_range(&err, ops, "l", NULL, SJ_RETURN_VALUE | SJ_RETURN_INVERTED, 0, 1));
    OK(sj_operate(client, &err, NULL, key, ops, &rec));
    sj_operations_destroy(ops);
    const int64_t range[] = {1, 9}, index[] = {2}, rest[] = {1, 3};
    v = result(rec, 0);
    CHECK(is_int_list(&v, range, 2), "get range");
    v = result(rec, 1);
    CHECK(is_int_list(&v, index, 1), "removed 9 at index 2");
    v = result(rec, 2);
    CHECK(is_int(&v, 3), "last element");
    v = result(rec, 3);
    CHECK(is_int_list(&v, rest, 2), "inverted: all but the first");
    sj_record_destroy(rec);

    /* The whole bin reads back as a list; an index out of range is an error. */
    OK(sj_get(client, &err, NULL, key, NULL, 0, &rec));
    const int64_t all[] = {5, 1, 3};
    CHECK(sj_record_get(rec, "l", &v) == SJ_OK && is_int_list(&v, all, 3), "stored list");
    sj_record_destroy(rec);
    ops = sj_operations_new();
    OK(sj_operations_list_get(&err, ops, "l", NULL, 10));
    rec = NULL;
    CHECK(sj_operate(client, &err, NULL, key, ops, &rec) == SJ_ERR_OP_NOT_APPLICABLE && rec == NULL,
          "get past the end: %d %s", err.code, err.message);
    sj_operations_destroy(ops);
    sj_list_policy unique = {.order = SJ_LIST_UNORDERED, .flags = SJ_LIST_WRITE_ADD_UNIQUE};
    ops = sj_operations_new();
    OK(sj_operations_list_append(&err, ops, "l", NULL, &five, &unique));
    CHECK(sj_operate(client, &err, NULL, key, ops, NULL) == SJ_ERR_ELEMENT_EXISTS, "add unique: %d", err.code);
    sj_operations_destroy(ops);
    sj_key_destroy(key);
}

static void test_bits(void) {
    sj_error err;
    sj_key *key = make_key("c", "bits");
    sj_operations *ops = sj_operations_new();
    const uint8_t ab[] = {0xab, 0xcd};
    /* A 4-byte blob, 0x0abcd000 after the set; 250 + 10 saturates at 255. With a bit op every
       operation answers: modify ops give nil bins. */
    OK(sj_operations_bit_resize(&err, ops, "b", 4, 0, SJ_BIT_RESIZE_DEFAULT));
    OK(sj_operations_bit_set(&err, ops, "b", 4, 12, ab, 2, 0));
    OK(sj_operations_bit_set_int(&err, ops, "b", 24, 8, 250, 0));
    OK(sj_operations_bit_add(&err, ops, "b", 24, 8, 10, false, SJ_BIT_OVERFLOW_SATURATE, 0));
    OK(sj_operations_bit_count(&err, ops, "b", 0, 32));
    OK(sj_operations_bit_get_int(&err, ops, "b", 24, 8, true));
    OK(sj_operations_bit_get(&err, ops, "b", 0, 16));
    sj_record *rec = NULL;
    OK(sj_operate(client, &err, NULL, key, ops, &rec));
    sj_operations_destroy(ops);
    CHECK(sj_record_bin_count(rec) == 7, "%zu results", sj_record_bin_count(rec));
    sj_value v = result(rec, 1);
    CHECK(v.type == SJ_TYPE_NIL, "set answers nil (type %u)", v.type);
    v = result(rec, 4);
    CHECK(is_int(&v, 15), "count: 7 + 8 ones (%lld)", (long long)v.i);
    v = result(rec, 5);
    CHECK(is_int(&v, -1), "0xff signed (%lld)", (long long)v.i);
    v = result(rec, 6);
    CHECK(v.type == SJ_TYPE_BYTES && v.len == 2 && v.data[0] == 0x0a && v.data[1] == 0xbc, "get");
    sj_record_destroy(rec);
    /* Overflow with FAIL: the whole command fails. */
    ops = sj_operations_new();
    OK(sj_operations_bit_add(&err, ops, "b", 24, 8, 1, false, SJ_BIT_OVERFLOW_FAIL, 0));
    CHECK(sj_operate(client, &err, NULL, key, ops, NULL) == SJ_ERR_OP_NOT_APPLICABLE, "overflow: %d", err.code);
    sj_operations_destroy(ops);
    ops = sj_operations_new();
    CHECK(sj_operations_bit_add(&err, ops, "b", 0, 8, 1, false, 3, 0) == SJ_ERR_PARAM, "bad action");
    sj_operations_destroy(ops);
    sj_key_destroy(key);
}

static void test_hll(void) {
    sj_error err;
    sj_key *key = make_key("c", "hll");
    sj_key *copy_key = make_key("c", "hll-copy");
    char text[100][8];
    sj_value elements[100];
    for (int i = 0; i < 100; i++) {
        snprintf(text[i], sizeof text[i], "e%d", i);
        elements[i] = sj_value_str(text[i]);
    }
    /* 100 strings into 2^8 registers; with an HLL op every operation answers (init: nil). */
    sj_operations *ops = sj_operations_new();
    OK(sj_operations_hll_init(&err, ops, "h", 8, SJ_HLL_BITS_NOT_GIVEN, SJ_HLL_WRITE_DEFAULT));
    OK(sj_operations_hll_add(&err, ops, "h", elements, 100, SJ_HLL_BITS_NOT_GIVEN, SJ_HLL_BITS_NOT_GIVEN, 0));
    OK(sj_operations_hll_get_count(&err, ops, "h"));
    OK(sj_operations_hll_describe(&err, ops, "h"));
    OK(sj_operations_hll_may_contain(&err, ops, "h", elements + 10, 5));
    OK(sj_operations_hll_refresh_count(&err, ops, "h"));
    sj_record *rec = NULL;
    OK(sj_operate(client, &err, NULL, key, ops, &rec));
    sj_operations_destroy(ops);
    CHECK(sj_record_bin_count(rec) == 6, "%zu results", sj_record_bin_count(rec));
    sj_value v = result(rec, 0);
    CHECK(v.type == SJ_TYPE_NIL, "init answers nil (type %u)", v.type);
    v = result(rec, 1);
    CHECK(v.type == SJ_TYPE_INT && v.i > 50 && v.i <= 100, "registers raised: %lld", (long long)v.i);
    v = result(rec, 2);
    const int64_t count = v.i;
    CHECK(v.type == SJ_TYPE_INT && count > 85 && count < 115, "count %lld", (long long)count);
    v = result(rec, 3);
    CHECK(v.type == SJ_TYPE_LIST && v.len == 2 && is_int(sj_value_list_get(&v, 0), 8) &&
              is_int(sj_value_list_get(&v, 1), 0), "describe");
    v = result(rec, 4);
    CHECK(is_int(&v, 1), "may contain (%lld)", (long long)v.i);
    v = result(rec, 5);
    CHECK(is_int(&v, count), "refreshed count %lld", (long long)v.i);
    sj_record_destroy(rec);

    /* The bin reads back as an HLL value: 11 header bytes and 256 six-bit registers. Written to
       another record it is an HLL there too, and an operand. */
    OK(sj_get(client, &err, NULL, key, NULL, 0, &rec));
    CHECK(sj_record_get(rec, "h", &v) == SJ_OK && v.type == SJ_TYPE_HLL && v.len == 11 + 192, "hll bin %u", v.type);
    uint8_t sketch[11 + 192];
    memcpy(sketch, v.data, sizeof sketch);
    sj_record_destroy(rec);
    sj_record *bins = sj_record_new();
    sj_value h = sj_value_hll(sketch, sizeof sketch);
    OK(sj_record_set(&err, bins, "h", &h));
    OK(sj_record_set_int(&err, bins, "i", 1));
    OK(sj_put(client, &err, NULL, copy_key, bins));
    sj_record_destroy(bins);
    ops = sj_operations_new();
    OK(sj_operations_hll_get_count(&err, ops, "h"));
    OK(sj_operations_hll_get_union_count(&err, ops, "h", &h, 1));
    OK(sj_operations_hll_get_intersect_count(&err, ops, "h", &h, 1));
    OK(sj_operations_hll_get_similarity(&err, ops, "h", &h, 1));
    OK(sj_operations_hll_get_union(&err, ops, "h", &h, 1));
    OK(sj_operations_hll_set_union(&err, ops, "u", &h, 1, SJ_HLL_WRITE_CREATE_ONLY));
    OK(sj_operations_hll_fold(&err, ops, "u", 4));
    OK(sj_operations_hll_describe(&err, ops, "u"));
    OK(sj_operate(client, &err, NULL, copy_key, ops, &rec));
    sj_operations_destroy(ops);
    CHECK(sj_record_bin_count(rec) == 8, "%zu results", sj_record_bin_count(rec));
    v = result(rec, 0);
    CHECK(is_int(&v, count), "copy count %lld", (long long)v.i);
    v = result(rec, 1);
    CHECK(is_int(&v, count), "union count %lld", (long long)v.i);
    v = result(rec, 2);
    CHECK(is_int(&v, count), "intersect count %lld", (long long)v.i);
    v = result(rec, 3);
    CHECK(v.type == SJ_TYPE_FLOAT && v.f == 1.0, "similarity %f", v.f);
    v = result(rec, 4);
    CHECK(v.type == SJ_TYPE_HLL && v.len == sizeof sketch && memcmp(v.data + 11, sketch + 11, 192) == 0, "union");
    v = result(rec, 7);
    CHECK(v.type == SJ_TYPE_LIST && v.len == 2 && is_int(sj_value_list_get(&v, 0), 4), "folded");
    sj_record_destroy(rec);

    /* The server's refusals come back as its codes; a whole command fails with its first. */
    struct {
        int32_t want;
        const char *what;
    } cases[] = {{SJ_ERR_BIN_EXISTS, "create-only"}, {SJ_ERR_OP_NOT_APPLICABLE, "fold up"},
                 {SJ_ERR_BIN_NOT_FOUND, "refresh missing"}, {SJ_ERR_PARAMETER, "17 index bits"},
                 {SJ_ERR_BIN_INCOMPATIBLE_TYPE, "an int bin"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ops = sj_operations_new();
        switch (i) {
            case 0: OK(sj_operations_hll_init(&err, ops, "h", 8, 0, SJ_HLL_WRITE_CREATE_ONLY)); break;
            case 1: OK(sj_operations_hll_fold(&err, ops, "h", 9)); break;
            case 2: OK(sj_operations_hll_refresh_count(&err, ops, "missing")); break;
            case 3: OK(sj_operations_hll_init(&err, ops, "h", 17, SJ_HLL_BITS_NOT_GIVEN, 0)); break;
            default: OK(sj_operations_hll_get_count(&err, ops, "i")); break;
        }
        const int32_t rc = sj_operate(client, &err, NULL, copy_key, ops, NULL);
        CHECK(rc == cases[i].want, "%s: %d", cases[i].what, rc);
        sj_operations_destroy(ops);
    }
    ops = sj_operations_new();
    CHECK(sj_operations_hll_add(&err, ops, "h", NULL, 3, 8, 0, 0) == SJ_ERR_PARAM, "NULL elements");
    sj_operations_destroy(ops);
    sj_key_destroy(copy_key);
    sj_key_destroy(key);
}

static void test_maps(void) {
    sj_error err;
    sj_key *key = make_key("c", "maps");
    sj_value a = sj_value_str("a"), b = sj_value_str("b"), one = sj_value_int(1), ten = sj_value_int(10);
    sj_value entries[] = {sj_value_str("b"), sj_value_int(2), sj_value_str("c"), sj_value_int(3)};
    sj_operations *ops = sj_operations_new();
    OK(sj_operations_map_put(&err, ops, "m", NULL, &a, &one, NULL));
    OK(sj_operations_map_put_items(&err, ops, "m", NULL, entries, 2, NULL));
    OK(sj_operations_map_increment(&err, ops, "m", NULL, &a, &ten, NULL));
    OK(sj_operations_map_get_by_key(&err, ops, "m", NULL, SJ_RETURN_VALUE, &a));
    OK(sj_operations_map_get_by_rank_range(&err, ops, "m", NULL, SJ_RETURN_KEY_VALUE, 0, 2));
    OK(sj_operations_map_remove_by_key(&err, ops, "m", NULL, SJ_RETURN_VALUE, &b));
    OK(sj_operations_map_get_by_value_range(&err, ops, "m", NULL, SJ_RETURN_COUNT, &one, NULL));
    OK(sj_operations_map_clear(&err, ops, "other", NULL));
    sj_record *rec = NULL;
    OK(sj_operate(client, &err, NULL, key, ops, &rec));
    sj_operations_destroy(ops);
    /* With a map operation every operation answers, in order (clear answers nil). */
    CHECK(sj_record_bin_count(rec) == 8, "%zu results", sj_record_bin_count(rec));
    sj_value v = result(rec, 0);
    CHECK(is_int(&v, 1), "put: size 1");
    v = result(rec, 1);
    CHECK(is_int(&v, 3), "put items: size 3");
    v = result(rec, 2);
    CHECK(is_int(&v, 11), "incremented to 11");
    v = result(rec, 3);
    CHECK(is_int(&v, 11), "get by key");
    v = result(rec, 4);
    /* KEY_VALUE: keys and values alternating, in rank order: b=2, c=3. */
    CHECK(v.type == SJ_TYPE_LIST && v.len == 4 && is_str(sj_value_list_get(&v, 0), "b") &&
              is_int(sj_value_list_get(&v, 1), 2) && is_str(sj_value_list_get(&v, 2), "c") &&
              is_int(sj_value_list_get(&v, 3), 3),
          "key-value by rank (type %u, len %zu)", v.type, v.len);
    v = result(rec, 5);
    CHECK(is_int(&v, 2), "removed b's value");
    v = result(rec, 6);
    CHECK(is_int(&v, 2), "two values >= 1 left");
    v = result(rec, 7);
    CHECK(v.type == SJ_TYPE_NIL, "clear answers nil");
    sj_record_destroy(rec);

    /* The whole bin is a map {a: 11, c: 3}. */
    OK(sj_get(client, &err, NULL, key, NULL, 0, &rec));
    CHECK(sj_record_get(rec, "m", &v) == SJ_OK && v.type == SJ_TYPE_MAP && v.len == 2, "stored map");
    CHECK(is_int(sj_value_map_find(&v, &a), 11) && sj_value_map_find(&v, &b) == NULL, "a is 11, b is gone");
    CHECK(is_str(sj_value_map_key(&v, 1), "c") && is_int(sj_value_map_value(&v, 1), 3), "entry 1 is c: 3");
    sj_record_destroy(rec);

    /* Write flags: create-only on an existing key is ELEMENT_EXISTS; a map value in a list. */
    sj_map_policy create_only = {.order = SJ_MAP_UNORDERED, .flags = SJ_MAP_WRITE_CREATE_ONLY};
    ops = sj_operations_new();
    OK(sj_operations_map_put(&err, ops, "m", NULL, &a, &one, &create_only));
    CHECK(sj_operate(client, &err, NULL, key, ops, NULL) == SJ_ERR_ELEMENT_EXISTS, "create-only: %d", err.code);
    sj_operations_destroy(ops);
    sj_value nested = sj_value_map(entries, 2);
    ops = sj_operations_new();
    OK(sj_operations_list_append(&err, ops, "l", NULL, &nested, NULL));
    OK(sj_operations_list_get_by_index(&err, ops, "l", NULL, SJ_RETURN_VALUE, 0));
    OK(sj_operate(client, &err, NULL, key, ops, &rec));
    v = result(rec, 1);
    CHECK(v.type == SJ_TYPE_MAP && is_int(sj_value_map_find(&v, &b), 2), "a map inside a list");
    sj_record_destroy(rec);
    sj_operations_destroy(ops);
    sj_key_destroy(key);
}

/* Contexts: operations on a list and a map nested in a map. */
static void test_contexts(void) {
    sj_error err;
    sj_key *key = make_key("c", "contexts");
    /* bin "doc" = {"scores": [[1, 2], [3]]}. */
    sj_value first[] = {sj_value_int(1), sj_value_int(2)}, second[] = {sj_value_int(3)};
    sj_value lists[] = {sj_value_list(first, 2), sj_value_list(second, 1)};
    sj_value scores = sj_value_str("scores"), all = sj_value_list(lists, 2), four = sj_value_int(4);
    sj_value visits = sj_value_str("visits"), one = sj_value_int(1);
    /* Two levels down: the last list of "scores". */
    sj_ctx_item last_scores[] = {sj_ctx_map_key(scores), sj_ctx_list_index(-1)};
    sj_ctx in_last = {last_scores, 2};
    /* A map made at key "stats" (key-ordered) if missing. */
    sj_ctx_item stats[] = {sj_ctx_map_key_create(sj_value_str("stats"), SJ_MAP_KEY_ORDERED)};
    sj_ctx in_stats = {stats, 1};
    sj_operations *ops = sj_operations_new();
    OK(sj_operations_map_put(&err, ops, "doc", NULL, &scores, &all, NULL));
    OK(sj_operations_list_append(&err, ops, "doc", &in_last, &four, NULL));
    OK(sj_operations_list_get_by_rank(&err, ops, "doc", &in_last, SJ_RETURN_VALUE, -1));
    OK(sj_operations_map_increment(&err, ops, "doc", &in_stats, &visits, &one, NULL));
    sj_record *rec = NULL;
    OK(sj_operate(client, &err, NULL, key, ops, &rec));
    sj_operations_destroy(ops);
    sj_value v = result(rec, 1);
    CHECK(is_int(&v, 2), "appended to the nested list: size 2");
    v = result(rec, 2);
    CHECK(is_int(&v, 4), "largest of the nested list");
    v = result(rec, 3);
    CHECK(is_int(&v, 1), "incremented in the created map");
    sj_record_destroy(rec);
    OK(sj_get(client, &err, NULL, key, NULL, 0, &rec));
    CHECK(sj_record_get(rec, "doc", &v) == SJ_OK && v.type == SJ_TYPE_MAP && v.len == 2, "stored doc");
    const sj_value *lists_read = sj_value_map_find(&v, &scores);
    const int64_t want[] = {3, 4};
    CHECK(is_int_list(sj_value_list_get(lists_read, 1), want, 2), "scores[1] is [3, 4]");
    sj_value stats_key = sj_value_str("stats");
    CHECK(is_int(sj_value_map_find(sj_value_map_find(&v, &stats_key), &visits), 1), "stats.visits is 1");
    sj_record_destroy(rec);

    /* A missing level without a create flag: OP_NOT_APPLICABLE; a bad level: PARAM, not added. */
    sj_ctx_item missing[] = {sj_ctx_map_key(sj_value_str("missing"))};
    sj_ctx in_missing = {missing, 1};
    ops = sj_operations_new();
    OK(sj_operations_list_size(&err, ops, "doc", &in_missing));
    CHECK(sj_operate(client, &err, NULL, key, ops, NULL) == SJ_ERR_OP_NOT_APPLICABLE, "missing level: %d", err.code);
    sj_ctx_item bad[] = {sj_ctx_list_index_create(0, 7, false)};
    sj_ctx in_bad = {bad, 1};
    CHECK(sj_operations_list_size(&err, ops, "doc", &in_bad) == SJ_ERR_PARAM, "unknown order: %d", err.code);
    sj_operations_destroy(ops);
    sj_key_destroy(key);
}

static bool count_records(const sj_record *record, void *udata) {
    const sj_key *key = sj_record_key(record);
    if (key != NULL && strcmp(sj_key_set(key), "cscan") == 0) (*(int *)udata)++;
    return true;
}

static void test_batch_and_scan(void) {
    sj_error err;
    enum { N = 50 };
    sj_key *keys[N + 1];
    char set[80];
    snprintf(set, sizeof set, "cscan");
    for (int i = 0; i < N; i++) {
        char name[32];
        snprintf(name, sizeof name, "b%d", i);
        keys[i] = make_key(set, name);
        sj_record *bins = sj_record_new();
        OK(sj_record_set_int(&err, bins, "i", i));
        OK(sj_put(client, &err, NULL, keys[i], bins));
        sj_record_destroy(bins);
    }
    keys[N] = make_key(set, "missing");
    sj_record *records[N + 1];
    int32_t codes[N + 1];
    OK(sj_batch_get(client, &err, NULL, (const sj_key *const *)keys, N + 1, NULL, 0, records, codes));
    for (int i = 0; i < N; i++) {
        int64_t v = -1;
        CHECK(codes[i] == SJ_OK && records[i] != NULL && sj_record_get_int(records[i], "i", &v) == SJ_OK && v == i,
              "batch row %d: code %d value %lld", i, codes[i], (long long)v);
        sj_record_destroy(records[i]);
    }
    CHECK(codes[N] == SJ_ERR_RECORD_NOT_FOUND && records[N] == NULL, "missing row: %d", codes[N]);

    int seen = 0;
    OK(sj_scan(client, &err, NULL, "test", set, NULL, 0, count_records, &seen));
    CHECK(seen >= N, "scan saw %d of at least %d", seen, N);
    for (int i = 0; i <= N; i++) sj_key_destroy(keys[i]);
}

static void test_info(void) {
    sj_error err;
    char *names = NULL, *answer = NULL;
    OK(sj_node_names(client, &err, &names));
    CHECK(names != NULL && strlen(names) > 0, "node names");
    OK(sj_info(client, &err, names, "namespaces", 0, &answer));
    CHECK(answer != NULL && strstr(answer, "namespaces\ttest") != NULL, "answer: %s", answer);
    sj_string_destroy(answer);
    CHECK(sj_info(client, &err, "NOSUCHNODE", "namespaces", 0, &answer) == SJ_ERR_INVALID_NODE, "unknown node");
    sj_string_destroy(names);
}

enum { THREADS = 8, ROUNDS = 300 };

static void *worker(void *arg) {
    long id = (long)arg;
    sj_error err;
    long errors = 0;
    for (int i = 0; i < ROUNDS; i++) {
        char name[64];
        snprintf(name, sizeof name, "t%ld-%d", id, i % 20);
        sj_key *key = make_key("cthreads", name);
        sj_record *bins = sj_record_new();
        sj_record_set_int(&err, bins, "v", id * 1000 + i);
        if (sj_put(client, &err, NULL, key, bins) != SJ_OK) errors++;
        sj_record_destroy(bins);
        sj_record *rec = NULL;
        int64_t v = -1;
        if (sj_get(client, &err, NULL, key, NULL, 0, &rec) != SJ_OK || sj_record_get_int(rec, "v", &v) != SJ_OK ||
            v != id * 1000 + i)
            errors++;
        sj_record_destroy(rec);
        sj_key_destroy(key);
    }
    return (void *)errors;
}

static void test_threads(void) {
    pthread_t threads[THREADS];
    for (long t = 0; t < THREADS; t++) pthread_create(&threads[t], NULL, worker, (void *)t);
    long errors = 0;
    for (int t = 0; t < THREADS; t++) {
        void *result;
        pthread_join(threads[t], &result);
        errors += (long)result;
    }
    CHECK(errors == 0, "%ld errors across %d threads", errors, THREADS);
}

static void test_bad_hosts(void) {
    sj_error err;
    sj_client_config config;
    sj_client_config_init(&config);
    sj_client *other = NULL;
    config.hosts = "no-such-host.invalid:3000";
    CHECK(sj_client_new(&err, &config, &other) == SJ_ERR_INVALID_HOST && other == NULL, "%d %s", err.code, err.message);
    config.hosts = "127.0.0.1:1";
    CHECK(sj_client_new(&err, &config, &other) == SJ_ERR_CONNECTION, "%d %s", err.code, err.message);
    CHECK(strstr(err.message, "127.0.0.1:1") != NULL, "message names the seed: %s", err.message);
    config.hosts = "127.0.0.1:notaport";
    CHECK(sj_client_new(&err, &config, &other) == SJ_ERR_PARAM, "%d %s", err.code, err.message);
}

static bool count_all(const sj_record *record, void *udata) {
    (void)record;
    (*(int *)udata)++;
    return true;
}

/* Path select and modify (CDT op 0xFE): every path level, the select modes, a modify that
   replaces and one that removes leaves, and a refused empty path. */
static void test_paths(void) {
    sj_error err;
    sj_key *key = make_key("c", "paths");
    /* m = {"a": {"age": 30}, "b": {"age": 10}, "c": 7}, l = [5, 3, 9, 3, 8] */
    sj_value age30[] = {sj_value_str("age"), sj_value_int(30)}, age10[] = {sj_value_str("age"), sj_value_int(10)};
    sj_value people[] = {sj_value_str("a"), sj_value_map(age30, 1), sj_value_str("b"), sj_value_map(age10, 1),
                         sj_value_str("c"), sj_value_int(7)};
    sj_value m = sj_value_map(people, 3);
    sj_value items[] = {sj_value_int(5), sj_value_int(3), sj_value_int(9), sj_value_int(3), sj_value_int(8)};
    sj_value l = sj_value_list(items, 5);
    sj_record *bins = sj_record_new();
    OK(sj_record_set(&err, bins, "m", &m));
    OK(sj_record_set(&err, bins, "l", &l));
    OK(sj_put(client, &err, NULL, key, bins));
    sj_record_destroy(bins);

    sj_exp *gt4 = sj_exp_cmp_gt(sj_exp_loopvar(SJ_EXP_TYPE_INT, SJ_EXP_LOOPVAR_VALUE), sj_exp_int(4));
    sj_exp *is_b = sj_exp_cmp_eq(sj_exp_loopvar(SJ_EXP_TYPE_STR, SJ_EXP_LOOPVAR_KEY), sj_exp_str("b"));
    sj_ctx_item ages[] = {sj_ctx_all_children(), sj_ctx_map_key(sj_value_str("age"))};
    sj_ctx_item big[] = {sj_ctx_all_children_with_filter(gt4)};
    sj_ctx_item of_b[] = {sj_ctx_all_children_with_filter(is_b), sj_ctx_all_children()};
    sj_value wanted[] = {sj_value_str("c"), sj_value_str("z")};
    sj_ctx_item keys_in[] = {sj_ctx_map_keys_in(wanted, 2)};
    sj_ctx_item ranked[] = {sj_ctx_all_children(), sj_ctx_map_key(sj_value_str("age")), sj_ctx_and_filter(gt4)};
    sj_ctx ages_ctx = {ages, 2}, big_ctx = {big, 1}, of_b_ctx = {of_b, 2}, keys_ctx = {keys_in, 1},
           ranked_ctx = {ranked, 3};
    sj_operations *ops = sj_operations_new();
    OK(sj_operations_select_by_path(&err, ops, "m", &ages_ctx, SJ_PATH_SELECT_VALUE));
    OK(sj_operations_select_by_path(&err, ops, "l", &big_ctx, SJ_PATH_SELECT_VALUE));
    OK(sj_operations_select_by_path(&err, ops, "m", &of_b_ctx, SJ_PATH_SELECT_MAP_KEY_VALUE));
    OK(sj_operations_select_by_path(&err, ops, "m", &keys_ctx, SJ_PATH_SELECT_VALUE));
    OK(sj_operations_select_by_path(&err, ops, "m", &ranked_ctx, SJ_PATH_SELECT_MAP_KEY));
    sj_record *rec = NULL;
    OK(sj_operate(client, &err, NULL, key, ops, &rec));
    sj_operations_destroy(ops);
    const char *name = NULL;
    sj_value v;
    const int64_t ages_want[] = {30, 10}, big_want[] = {5, 9, 8}, c_want[] = {7};
    CHECK(rec && sj_record_bin_count(rec) == 5, "path results: %zu", rec ? sj_record_bin_count(rec) : 0);
    CHECK(sj_record_bin(rec, 0, &name, &v) == SJ_OK && is_int_list(&v, ages_want, 2), "ages");
    CHECK(sj_record_bin(rec, 1, &name, &v) == SJ_OK && is_int_list(&v, big_want, 3), "value > 4");
    CHECK(sj_record_bin(rec, 2, &name, &v) == SJ_OK && v.type == SJ_TYPE_LIST && v.len == 2 &&
              is_str(sj_value_list_get(&v, 0), "age") && is_int(sj_value_list_get(&v, 1), 10),
          "key/values of b");
    CHECK(sj_record_bin(rec, 3, &name, &v) == SJ_OK && is_int_list(&v, c_want, 1), "keys in");
    CHECK(sj_record_bin(rec, 4, &name, &v) == SJ_OK && v.type == SJ_TYPE_LIST && v.len == 2 &&
              is_str(sj_value_list_get(&v, 0), "age"),
          "and filter");
    sj_record_destroy(rec);

    /* Modify: the big elements times ten, then the small ones removed. */
    sj_exp *times10 = sj_exp_mul((sj_exp *[]){sj_exp_loopvar(SJ_EXP_TYPE_INT, SJ_EXP_LOOPVAR_VALUE), sj_exp_int(10)}, 2);
    ops = sj_operations_new();
    OK(sj_operations_modify_by_path(&err, ops, "l", &big_ctx, times10, SJ_PATH_MODIFY_DEFAULT));
    sj_exp *lt4 = sj_exp_cmp_lt(sj_exp_loopvar(SJ_EXP_TYPE_INT, SJ_EXP_LOOPVAR_VALUE), sj_exp_int(4));
    sj_exp *remove = sj_exp_remove_result();
    sj_ctx_item small[] = {sj_ctx_all_children_with_filter(lt4)};
    sj_ctx small_ctx = {small, 1};
    OK(sj_operations_modify_by_path(&err, ops, "l", &small_ctx, remove, SJ_PATH_MODIFY_DEFAULT));
    OK(sj_operate(client, &err, NULL, key, ops, NULL));
    sj_operations_destroy(ops);
    rec = NULL;
    OK(sj_get(client, &err, NULL, key, NULL, 0, &rec));
    const int64_t l_want[] = {50, 90, 80};
    CHECK(rec && sj_record_get(rec, "l", &v) == SJ_OK && is_int_list(&v, l_want, 3), "modified list");
    sj_record_destroy(rec);

    /* An empty path is refused by the library; keys of a list answer 12 (and none with NO_FAIL). */
    ops = sj_operations_new();
    sj_ctx none = {NULL, 0};
    CHECK(sj_operations_select_by_path(&err, ops, "l", &none, 0) == SJ_ERR_PARAM, "empty path");
    sj_ctx_item all[] = {sj_ctx_all_children()};
    sj_ctx all_ctx = {all, 1};
    OK(sj_operations_select_by_path(&err, ops, "l", &all_ctx, SJ_PATH_SELECT_MAP_KEY));
    CHECK(sj_operate(client, &err, NULL, key, ops, NULL) == SJ_ERR_BIN_INCOMPATIBLE_TYPE, "keys of a list: %d", err.code);
    sj_operations_destroy(ops);
    sj_exp_destroy(gt4);
    sj_exp_destroy(is_b);
    sj_exp_destroy(times10);
    sj_exp_destroy(lt4);
    sj_exp_destroy(remove);
    sj_key_destroy(key);
}

/* Expressions: filters on every command (a record left out answers SJ_ERR_FILTERED_OUT and is
   not changed), expression reads and writes, calls, and bad expressions. */
static void test_expressions(void) {
    sj_error err;
    char set[80];
    snprintf(set, sizeof set, "%s_exp", prefix);
    sj_key *big = make_key(set, "big"), *small = make_key(set, "small");
    sj_record *bins = sj_record_new();
    OK(sj_record_set_int(&err, bins, "a", 10));
    sj_value items[] = {sj_value_int(1), sj_value_int(2), sj_value_int(3)};
    sj_value list = sj_value_list(items, 3);
    OK(sj_record_set(&err, bins, "l", &list));
    OK(sj_put(client, &err, NULL, big, bins));
    OK(sj_record_set_int(&err, bins, "a", 1));
    OK(sj_put(client, &err, NULL, small, bins));
    sj_record_destroy(bins);

    /* a > 5 && list_size(l) == 3 && l[-1] == 3 */
    sj_exp *parts[] = {
        sj_exp_cmp_gt(sj_exp_bin_int("a"), sj_exp_int(5)),
        sj_exp_cmp_eq(sj_exp_list_size(NULL, sj_exp_bin_list("l")), sj_exp_int(3)),
        sj_exp_cmp_eq(sj_exp_list_get_by_index(NULL, SJ_RETURN_VALUE, SJ_EXP_TYPE_INT, sj_exp_int(-1),
                                               sj_exp_bin_list("l")), sj_exp_int(3)),
    };
    sj_exp *filter = sj_exp_and(parts, 3);
    CHECK(filter != NULL, "filter built");
    size_t len = 0;
    const uint8_t *packed = sj_exp_packed(filter, &len);
    CHECK(packed != NULL && len > 10 && packed[0] == 0x94 && packed[1] == 16, "packed as [16, ...]");

    sj_read_policy rp;
    sj_read_policy_init(&rp);
    sj_read_policy_set_filter(&rp, filter);
    sj_write_policy wp;
    sj_write_policy_init(&wp);
    sj_write_policy_set_filter(&wp, filter);
    sj_record *rec = NULL;
    OK(sj_get(client, &err, &rp, big, NULL, 0, &rec));
    sj_record_destroy(rec);
    rec = NULL;
    CHECK(sj_get(client, &err, &rp, small, NULL, 0, &rec) == SJ_ERR_FILTERED_OUT && rec == NULL, "get: %d", err.code);
    CHECK(sj_exists(client, &err, &rp, small, NULL) == SJ_ERR_FILTERED_OUT, "exists: %d", err.code);
    sj_record *change = sj_record_new();
    OK(sj_record_set_int(&err, change, "p", 1));
    CHECK(sj_put(client, &err, &wp, small, change) == SJ_ERR_FILTERED_OUT, "put: %d", err.code);
    OK(sj_put(client, &err, &wp, big, change));
    sj_record_destroy(change);
    CHECK(sj_touch(client, &err, &wp, small) == SJ_ERR_FILTERED_OUT, "touch: %d", err.code);
    CHECK(sj_remove(client, &err, &wp, small) == SJ_ERR_FILTERED_OUT, "remove: %d", err.code);

    /* Batch: the filter applies to every key. */
    const sj_key *keys[] = {big, small};
    sj_record *got[2];
    int32_t codes[2];
    OK(sj_batch_get(client, &err, &rp, keys, 2, NULL, 0, got, codes));
    CHECK(got[0] != NULL && codes[0] == SJ_OK, "batch big: %d", codes[0]);
    CHECK(got[1] == NULL && codes[1] == SJ_ERR_FILTERED_OUT, "batch small: %d", codes[1]);
    sj_record_destroy(got[0]);

    /* Scan: only the records that pass. */
    sj_scan_policy sp;
    sj_scan_policy_init(&sp);
    sj_scan_policy_set_filter(&sp, filter);
    int seen = 0;
    OK(sj_scan(client, &err, &sp, "test", set, NULL, 0, count_all, &seen));
    CHECK(seen == 1, "scan saw %d", seen);

    /* Operate: a filtered-out record is not changed; expression reads and writes. */
    sj_operations *ops = sj_operations_new();
    sj_exp *plus = sj_exp_add((sj_exp *[]){sj_exp_bin_int("a"), sj_exp_int(5)}, 2);
    OK(sj_operations_exp_write(&err, ops, "w", plus, SJ_EXP_WRITE_DEFAULT));
    OK(sj_operations_exp_read(&err, ops, "r", plus, SJ_EXP_READ_DEFAULT));
    sj_operations *size_op = sj_operations_new();
    OK(sj_operations_list_size(&err, size_op, "l", NULL));
    sj_exp *size = sj_exp_call(SJ_EXP_TYPE_INT, size_op, 0, sj_exp_bin_list("l"));
    OK(sj_operations_exp_read(&err, ops, "n", size, SJ_EXP_READ_DEFAULT));
    CHECK(sj_operate(client, &err, &wp, small, ops, NULL) == SJ_ERR_FILTERED_OUT, "operate: %d", err.code);
    rec = NULL;
    OK(sj_operate(client, &err, &wp, big, ops, &rec));
    int64_t v = 0;
    CHECK(rec && sj_record_get_int(rec, "r", &v) == SJ_OK && v == 15, "exp read %lld", (long long)v);
    CHECK(rec && sj_record_get_int(rec, "n", &v) == SJ_OK && v == 3, "list size call %lld", (long long)v);
    sj_record_destroy(rec);
    rec = NULL;
    OK(sj_get(client, &err, NULL, big, NULL, 0, &rec));
    CHECK(rec && sj_record_get_int(rec, "w", &v) == SJ_OK && v == 15, "exp write %lld", (long long)v);
    sj_record_destroy(rec);
    sj_operations_destroy(ops);
    ops = sj_operations_new();
    OK(sj_operations_exp_write(&err, ops, "a", plus, SJ_EXP_WRITE_CREATE_ONLY));
    CHECK(sj_operate(client, &err, NULL, big, ops, NULL) == SJ_ERR_BIN_EXISTS, "create-only: %d", err.code);
    sj_operations_destroy(ops);
    sj_operations_destroy(size_op);

    /* A filter that is not boolean: the server refuses it. Bad arguments give NULL. */
    sj_exp *bad = sj_exp_bin_int("a");
    sj_read_policy_set_filter(&rp, bad);
    CHECK(sj_get(client, &err, &rp, big, NULL, 0, &rec) == SJ_ERR_PARAMETER, "non-boolean filter: %d", err.code);
    CHECK(sj_exp_cmp_gt(NULL, sj_exp_int(1)) == NULL, "NULL operand");
    CHECK(sj_exp_bin(NULL, SJ_EXP_TYPE_INT) == NULL, "NULL bin name");
    CHECK(sj_operations_exp_read(&err, NULL, "r", plus, 0) == SJ_ERR_PARAM, "NULL operations");
    sj_exp_destroy(bad);
    sj_exp_destroy(size);
    sj_exp_destroy(plus);
    sj_exp_destroy(filter);
    sj_key_destroy(big);
    sj_key_destroy(small);
}

/* Secondary indexes and queries: create (waits until built), a range and an equality query,
   a list index, pagination with a partition filter that visits every record once, and drop. */
static bool sum_n(const sj_record *record, void *udata) {
    int64_t n = 0;
    if (sj_record_get_int(record, "n", &n) == SJ_OK) ((int64_t *)udata)[0] += n, ((int64_t *)udata)[1]++;
    return true;
}

static void test_queries(void) {
    sj_error err;
    char set[80], name[96], lname[96];
    snprintf(set, sizeof set, "%sq", prefix);
    snprintf(name, sizeof name, "%s_n", set);
    snprintf(lname, sizeof lname, "%s_l", set);
    enum { N = 200 };
    for (int i = 0; i < N; i++) {
        char k[16];
        snprintf(k, sizeof k, "%d", i);
        sj_key *key = make_key(set, k);
        sj_record *bins = sj_record_new();
        OK(sj_record_set_int(&err, bins, "n", i));
        OK(sj_record_set_str(&err, bins, "s", i % 2 ? "odd" : "even"));
        sj_value items[2] = {sj_value_int(i % 5), sj_value_int(100)};
        sj_value list = sj_value_list(items, 2);
        OK(sj_record_set(&err, bins, "l", &list));
        OK(sj_put(client, &err, NULL, key, bins));
        sj_record_destroy(bins);
        sj_key_destroy(key);
    }
    OK(sj_index_create(client, &err, "test", set, name, "n", NULL, SJ_INDEX_NUMERIC, SJ_INDEX_DEFAULT, NULL, 0));
    OK(sj_index_create(client, &err, "test", set, lname, "l", NULL, SJ_INDEX_NUMERIC, SJ_INDEX_LIST, NULL, 0));
    /* The same name for another definition: the server's 200. */
    CHECK(sj_index_create(client, &err, "test", set, name, "s", NULL, SJ_INDEX_STRING, SJ_INDEX_DEFAULT, NULL, 0) == 200,
          "name taken: %d %s", err.code, err.message);

    int64_t acc[2] = {0, 0};
    sj_index_filter *range = sj_index_filter_range("n", 10, 19);
    OK(sj_query(client, &err, NULL, "test", set, NULL, 0, range, NULL, sum_n, acc));
    CHECK(acc[1] == 10 && acc[0] == 145, "range: %lld records, sum %lld", (long long)acc[1], (long long)acc[0]);
    sj_index_filter *in_list = sj_index_filter_range("l", 3, 3);
    OK(sj_index_filter_set(&err, in_list, SJ_INDEX_LIST, NULL, NULL, NULL));
    acc[0] = acc[1] = 0;
    OK(sj_query(client, &err, NULL, "test", set, NULL, 0, in_list, NULL, sum_n, acc));
    CHECK(acc[1] == N / 5, "list contains 3: %lld records", (long long)acc[1]);

    /* Pages of 30: every record of the range once, then done. */
    sj_scan_policy sp;
    sj_scan_policy_init(&sp);
    sp.max_records = 30;
    sj_index_filter *all = sj_index_filter_range("n", 0, N);
    sj_partition_filter *parts = sj_partition_filter_all();
    acc[0] = acc[1] = 0;
    int pages = 0;
    while (!sj_partition_filter_is_done(parts) && pages < 50) {
        OK(sj_query(client, &err, &sp, "test", set, NULL, 0, all, parts, sum_n, acc));
        pages++;
    }
    CHECK(acc[1] == N && acc[0] == (int64_t)N * (N - 1) / 2, "pages saw %lld records, sum %lld",
          (long long)acc[1], (long long)acc[0]);
    CHECK(pages >= N / 30, "%d pages", pages);
    CHECK(sj_partition_filter_range(4000, 200) == NULL, "partition range past 4096");

    sj_index_filter *missing = sj_index_filter_range("nobin", 0, 1);
    CHECK(sj_query(client, &err, NULL, "test", set, NULL, 0, missing, NULL, sum_n, acc) == 201,
          "no index: %d", err.code);
    OK(sj_index_remove(client, &err, "test", name, 0));
    OK(sj_index_remove(client, &err, "test", lname, 0));
    CHECK(sj_query(client, &err, NULL, "test", set, NULL, 0, range, NULL, sum_n, acc) == 201,
          "dropped index: %d", err.code);
    sj_index_filter_destroy(range);
    sj_index_filter_destroy(in_list);
    sj_index_filter_destroy(all);
    sj_index_filter_destroy(missing);
    sj_partition_filter_destroy(parts);
}

static void test_udfs(void) {
    sj_error err;
    char set[80], module[96], file[100];
    snprintf(set, sizeof set, "%su", prefix);
    snprintf(module, sizeof module, "%sudf", prefix);
    snprintf(file, sizeof file, "%s.lua", module);
    const char *code =
        "function add(rec, bin, n)\n"
        "  rec[bin] = (rec[bin] or 0) + n\n"
        "  if aerospike:exists(rec) then aerospike:update(rec) else aerospike:create(rec) end\n"
        "  return rec[bin]\n"
        "end\n"
        "function oops(rec) error('no way') end\n"
        "local function plus(a, b) return a + b end\n"
        "function total(s, bin) return s : map(function(r) return r[bin] end) : reduce(plus) end\n";
    OK(sj_udf_put(client, &err, file, (const uint8_t *)code, strlen(code), 0));
    const char *broken = "function f(rec\n";
    CHECK(sj_udf_put(client, &err, "broken.lua", (const uint8_t *)broken, strlen(broken), 0) == SJ_ERR_UDF,
          "compile error: %d %s", err.code, err.message);
    sj_record *listed = NULL;
    OK(sj_udf_list(client, &err, 0, &listed));
    sj_value hash;
    CHECK(sj_record_get(listed, file, &hash) == SJ_OK && hash.len == 40, "module listed with its hash");
    sj_record_destroy(listed);

    enum { N = 50 };
    int64_t expected = 0;
    for (int i = 0; i < N; i++) {
        char k[16];
        snprintf(k, sizeof k, "%d", i);
        sj_key *key = make_key(set, k);
        sj_value args[2] = {sj_value_str("n"), sj_value_int(i)};
        sj_record *result = NULL;
        OK(sj_apply(client, &err, NULL, key, module, "add", args, 2, &result));
        int64_t got = -1;
        OK(sj_record_get_int(result, "SUCCESS", &got));
        CHECK(got == i, "apply returned %lld", (long long)got);
        sj_record_destroy(result);
        expected += i + 100;
        sj_key_destroy(key);
    }
    sj_key *key = make_key(set, "0");
    sj_record *result = NULL;
    CHECK(sj_apply(client, &err, NULL, key, module, "oops", NULL, 0, &result) == SJ_ERR_UDF &&
              strstr(err.message, "no way") != NULL,
          "lua error: %d %s", err.code, err.message);
    sj_key_destroy(key);

    /* A background UDF over the set, then an aggregation: the server's sum per batch. */
    sj_value bg_args[2] = {sj_value_str("n"), sj_value_int(100)};
    uint64_t job = 0;
    OK(sj_query_background_udf(client, &err, NULL, "test", set, NULL, module, "add", bg_args, 2, &job));
    bool done = false;
    for (int round = 0; round < 3000 && !done; round++) {
        OK(sj_job_done(client, &err, job, 0, &done));
        if (!done) {
            struct timespec pause = {0, 1000000};
            nanosleep(&pause, NULL);
        }
    }
    CHECK(done, "background job %llu finished", (unsigned long long)job);
    sj_value agg_args[1] = {sj_value_str("n")};
    sj_record *values = NULL;
    OK(sj_query_aggregate(client, &err, NULL, "test", set, NULL, module, "total", agg_args, 1, &values));
    sj_value list;
    OK(sj_record_get(values, "values", &list));
    int64_t sum = 0;
    for (size_t i = 0; i < list.len; i++) sum += sj_value_list_get(&list, i)->i;
    CHECK(sum == expected, "aggregate: %lld values summing to %lld, expected %lld", (long long)list.len,
          (long long)sum, (long long)expected);
    sj_record_destroy(values);
    OK(sj_udf_remove(client, &err, file, 0));
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s HOST PORT\n", argv[0]);
        return 2;
    }
    snprintf(prefix, sizeof prefix, "c%d", (int)getpid());
    char hosts[300];
    snprintf(hosts, sizeof hosts, "%s:%s", argv[1], argv[2]);
    sj_error err;
    sj_client_config config;
    sj_client_config_init(&config);
    config.hosts = hosts;
    if (sj_client_new(&err, &config, &client) != SJ_OK) {
        fprintf(stderr, "connect failed: %d %s\n", err.code, err.message);
        return 1;
    }
    test_values_round_trip();
    test_policies_and_codes();
    test_operate();
    test_lists();
    test_maps();
    test_bits();
    test_hll();
    test_contexts();
    test_batch_and_scan();
    test_expressions();
    test_paths();
    test_queries();
    test_udfs();
    test_info();
    test_threads();
    test_bad_hosts();
    sj_client_destroy(client);
    if (failures) {
        fprintf(stderr, "%d checks failed\n", failures);
        return 1;
    }
    printf("ALL PASSED\n");
    return 0;
}
