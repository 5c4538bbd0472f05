/* Writes a record and reads it back, then changes a list and a map in place.
   Usage: ./example HOST PORT (exit status 0 on success). */
#include <stdio.h>
#include <string.h>

#include "scramjet.h"

static int fail(const char *what, const sj_error *err) {
    fprintf(stderr, "%s failed: error %d: %s\n", what, err->code, err->message);
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s HOST PORT\n", argv[0]);
        return 2;
    }
    char hosts[300];
    snprintf(hosts, sizeof hosts, "%s:%s", argv[1], argv[2]);

    sj_error err;
    sj_client_config config;
    sj_client_config_init(&config);
    config.hosts = hosts;
    sj_client *client = NULL;
    if (sj_client_new(&err, &config, &client) != SJ_OK) return fail("connect", &err);

    sj_key *key = NULL;
    if (sj_key_new_str(&err, "test", "demo", "hello", &key) != SJ_OK) return fail("key", &err);

    sj_record *bins = sj_record_new();
    sj_record_set_str(&err, bins, "greeting", "hello, world");
    sj_record_set_int(&err, bins, "count", 42);
    int rc = sj_put(client, &err, NULL, key, bins);
    sj_record_destroy(bins);
    if (rc != SJ_OK) return fail("put", &err);

    sj_record *record = NULL;
    if (sj_get(client, &err, NULL, key, NULL, 0, &record) != SJ_OK) return fail("get", &err);
    const char *greeting = NULL;
    int64_t count = 0;
    int ok = sj_record_get_str(record, "greeting", &greeting) == SJ_OK &&
             sj_record_get_int(record, "count", &count) == SJ_OK &&
             strcmp(greeting, "hello, world") == 0 && count == 42;
    printf("greeting=%s count=%lld generation=%u\n", greeting ? greeting : "(none)", (long long)count,
           sj_record_generation(record));
    sj_record_destroy(record);

    /* List and map operations change a bin in place (the NULL after the bin: no context, the
       bin's own list or map rather than one nested in it). Each operation that answers adds a
       result to the record, in order (with a map operation among them, every operation answers). */
    sj_value scores[] = {sj_value_int(70), sj_value_int(95), sj_value_int(80)};
    sj_value player = sj_value_str("alice"), one = sj_value_int(1);
    sj_operations *ops = sj_operations_new();
    sj_operations_list_append_items(&err, ops, "scores", NULL, scores, 3, NULL);     /* 0: new size */
    sj_operations_list_trim(&err, ops, "scores", NULL, -3, 3);                       /* 1: removed */
    sj_operations_list_get_by_rank(&err, ops, "scores", NULL, SJ_RETURN_VALUE, -1);  /* 2: the best */
    sj_operations_map_increment(&err, ops, "wins", NULL, &player, &one, NULL);       /* 3: new count */
    sj_operations_map_get_by_key(&err, ops, "wins", NULL, SJ_RETURN_VALUE, &player); /* 4: the count */
    rc = sj_operate(client, &err, NULL, key, ops, &record);
    sj_operations_destroy(ops);
    if (rc != SJ_OK) return fail("operate", &err);
    sj_value best, wins;
    sj_record_bin(record, 2, NULL, &best);
    sj_record_bin(record, 4, NULL, &wins);
    ok = ok && best.i == 95 && wins.i >= 1;
    sj_record_destroy(record);

    /* A list bin read back: `len` elements at `items` (a map: key, value, key, value...). */
    if (sj_get(client, &err, NULL, key, NULL, 0, &record) != SJ_OK) return fail("get", &err);
    sj_value list;
    if (sj_record_get(record, "scores", &list) == SJ_OK && list.type == SJ_TYPE_LIST) {
        printf("last scores:");
        for (size_t i = 0; i < list.len; i++) printf(" %lld", (long long)list.items[i].i);
    }
    printf(", best=%lld, alice's wins=%lld\n", (long long)best.i, (long long)wins.i);

    sj_record_destroy(record);
    sj_key_destroy(key);
    sj_client_destroy(client);
    return ok ? 0 : 1;
}
