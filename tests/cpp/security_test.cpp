// The C++ wrapper's login and user/role calls against a node with access control (issue 20).
//
// Usage: security_test HOST PORT   (a node with a `security { }` stanza and namespace `test`;
// its default admin/admin user). Prints "ALL PASSED" and exits 0 on success; prints the
// failing check and exits 1 otherwise.

#include "scramjet.hpp"

#include <cstdio>
#include <string>

namespace {

int failures = 0;

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) {                                                       \
            std::printf("FAILED %s:%d: %s\n", __FILE__, __LINE__, #cond);    \
            ++failures;                                                      \
        }                                                                    \
    } while (0)

/// The code of the error `f` throws, or 0.
template <typename F>
int code_of(F f) {
    try {
        f();
    } catch (const scramjet::Error& e) {
        return e.code();
    }
    return 0;
}

scramjet::ClientConfig as(const std::string& user, const std::string& password) {
    scramjet::ClientConfig config;
    config.user = user;
    config.password = password;
    return config;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::printf("usage: %s HOST PORT\n", argv[0]);
        return 2;
    }
    const std::string hosts = std::string(argv[1]) + ":" + argv[2];
    // No user: every command is refused (80); a wrong password cannot connect (65).
    CHECK(code_of([&] { scramjet::Client(hosts).put(scramjet::Key("test", "cpp", 1), scramjet::Record().set("a", 1)); }) ==
          SJ_ERR_NOT_AUTHENTICATED);
    CHECK(code_of([&] { scramjet::Client(hosts, as("admin", "wrong")); }) == SJ_ERR_INVALID_CREDENTIAL);

    const scramjet::Client admin(hosts, as("admin", "admin"));
    admin.create_role("cpp-writer", {{SJ_PRIV_READ_WRITE, "test", "cpp"}}, {"127.0.0.0/8"});
    admin.create_user("cpp-user", "pw", {"cpp-writer"});
    CHECK(code_of([&] { admin.create_user("cpp-user", "pw", {"cpp-writer"}); }) == 61);
    CHECK(code_of([&] { admin.create_role("bad", {{SJ_PRIV_READ, "", "set-without-namespace"}}); }) == 72);
    CHECK(admin.query_users_json("cpp-user") == R"([{"name":"cpp-user","roles":["cpp-writer"],"connections":0}])");
    CHECK(admin.query_roles_json("cpp-writer").find(R"("privileges":[{"code":11,"ns":"test","set":"cpp"}])") !=
          std::string::npos);

    const scramjet::Client user(hosts, as("cpp-user", "pw"));
    const scramjet::Key key("test", "cpp", "k1");
    user.put(key, scramjet::Record().set("a", 1));
    CHECK(user.get(key).get_as<int64_t>("a") == 1);
    CHECK(code_of([&] { user.put(scramjet::Key("test", "other", "k1"), scramjet::Record().set("a", 1)); }) == SJ_ERR_ROLE_VIOLATION);
    CHECK(code_of([&] { user.create_user("x", "y", {}); }) == SJ_ERR_ROLE_VIOLATION);

    admin.change_privileges("cpp-writer", {{SJ_PRIV_READ, "test", ""}}, true);
    CHECK(code_of([&] { user.get(scramjet::Key("test", "other", "k1")); }) == SJ_ERR_RECORD_NOT_FOUND);
    admin.change_roles("cpp-user", {"cpp-writer"}, false);
    CHECK(code_of([&] { user.get(key); }) == SJ_ERR_ROLE_VIOLATION);
    admin.set_password("cpp-user", "pw2");
    CHECK(code_of([&] { scramjet::Client(hosts, as("cpp-user", "pw")); }) == SJ_ERR_INVALID_CREDENTIAL);
    admin.drop_user("cpp-user");
    admin.drop_role("cpp-writer");
    // Only the admin is left, with this client's connections to the node.
    const std::string users = admin.query_users_json();
    CHECK(users.rfind(R"([{"name":"admin","roles":["user-admin"],"connections":)", 0) == 0);
    CHECK(users.find(R"("connections":0)") == std::string::npos);
    CHECK(users.find("cpp-user") == std::string::npos);

    if (failures == 0) {
        std::printf("ALL PASSED\n");
        return 0;
    }
    return 1;
}
