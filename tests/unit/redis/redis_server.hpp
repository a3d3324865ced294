#pragma once
// A real redis-server for the tests: on a free loopback port, in a temporary directory, without
// persistence. start() waits until it answers PING; stop() is SIGTERM, kill() is SIGKILL (both
// wait for the process); start() again reuses the port. The child dies with the test process
// (PR_SET_PDEATHSIG), so a crashed test leaves no server behind.

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "redis/client.hpp"

namespace minirtc::redis::test {

/// A port nothing listens on now (bound to 127.0.0.1:0, then closed).
inline std::uint16_t free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

class RedisServer {
 public:
  RedisServer() : port_(free_port()) {
    char dir[] = "/tmp/minirtc-redis-test-XXXXXX";
    if (!mkdtemp(dir)) throw std::runtime_error("mkdtemp failed");
    dir_ = dir;
  }
  ~RedisServer() {
    kill();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url(int db = 0) const {
    return "redis://127.0.0.1:" + std::to_string(port_) + (db ? "/" + std::to_string(db) : "");
  }

  void start() {
    const std::string port = std::to_string(port_), log = dir_ + "/redis.log";
    std::vector<std::string> args{"redis-server",
                                  "--port",
                                  port,
                                  "--bind",
                                  "127.0.0.1",
                                  "--save",
                                  "",
                                  "--appendonly",
                                  "no",
                                  "--dir",
                                  dir_,
                                  "--logfile",
                                  log,
                                  "--daemonize",
                                  "no"};
    std::vector<char*> argv;  // built before fork: the child only calls async-signal-safe code
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t parent = getpid();
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(1);
      execvp(argv[0], argv.data());
      _exit(127);
    }
    auto url = parse_url(this->url());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!check_reachable(*url, std::chrono::milliseconds(1000))) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("redis-server exited at start (installed? see " + log + ")");
      }
      if (std::chrono::steady_clock::now() > deadline)
        throw std::runtime_error("redis-server did not answer within 20 s");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  void stop() { signal_and_wait(SIGTERM); }
  void kill() { signal_and_wait(SIGKILL); }

 private:
  void signal_and_wait(int sig) {
    if (pid_ <= 0) return;
    ::kill(pid_, sig);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  std::uint16_t port_;
  std::string dir_;
  pid_t pid_ = -1;
};

}  // namespace minirtc::redis::test
