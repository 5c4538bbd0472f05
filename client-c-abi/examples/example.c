/* Writes a record and reads it back. Usage: ./example HOST PORT (exit status 0 on success). */
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
    sj_key_destroy(key);
    sj_client_destroy(client);
    return ok ? 0 : 1;
}
