// A private CA for node TLS tests, made with the openssl tool.
#pragma once

#include "support/server_process.hpp"

namespace troupe::test {

/// A private CA in `dir` and certificates it signs, for 127.0.0.1.
struct test_ca {
  test_ca(const scratch_dir& dir, const std::string& name) : dir(dir), name(name) {
    run("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=" + name + " -keyout " + key()
        + " -out " + cert());
  }

  /// Makes `who`.pem and `who`.key, signed by this CA.
  void issue(const std::string& who) const {
    auto ext = dir.file(who + ".ext");
    run("printf 'subjectAltName=IP:127.0.0.1\\n' > " + ext);
    run("openssl req -newkey rsa:2048 -nodes -subj /CN=" + who + " -keyout "
        + dir.file(who + ".key") + " -out " + dir.file(who + ".csr"));
    run("openssl x509 -req -days 1 -in " + dir.file(who + ".csr") + " -CA " + cert() + " -CAkey "
        + key() + " -CAcreateserial -extfile " + ext + " -out " + dir.file(who + ".pem"));
  }

  /// The node TLS flags of `who`, trusting this CA.
  std::vector<std::string> flags(const std::string& who) const {
    return {"--node-tls-cert",      dir.file(who + ".pem"), "--node-tls-key",
            dir.file(who + ".key"), "--node-tls-ca",        cert()};
  }

  std::string cert() const { return dir.file(name + ".pem"); }
  std::string key() const { return dir.file(name + ".key"); }

  static void run(const std::string& command) {
    INFO(command);
    REQUIRE(run_command(command + " 2>/dev/null").exit_code == 0);
  }

  const scratch_dir& dir;
  std::string name;
};

} // namespace troupe::test
