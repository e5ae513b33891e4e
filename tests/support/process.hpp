// Runs a real process for black-box tests: its stdout can be read line by
// line with a deadline, it can be signalled, and its exit awaited (bounded).
// The destructor kills it if the test did not stop it.
#pragma once

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <optional>
#include <poll.h>
#include <stdexcept>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace troupe::test {

class child_process {
public:
  /// Starts `argv[0]` with `argv`, adding `env` (NAME=VALUE) to the
  /// environment; stderr is appended to `stderr_path` if given.
  explicit child_process(std::vector<std::string> argv, std::vector<std::string> env = {},
                         const std::string& stderr_path = {}) {
    int out[2];
    if (pipe(out) != 0)
      throw std::runtime_error("pipe failed");
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      close(out[1]);
      if (!stderr_path.empty())
        if (!freopen(stderr_path.c_str(), "a", stderr))
          _exit(126);
      for (auto& e : env)
        putenv(e.data());
      std::vector<char*> args;
      for (auto& a : argv)
        args.push_back(a.data());
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
    close(out[1]);
    stdout_ = out[0];
  }

  // The process is stopped by whoever owns it: a copy or a moved-from
  // object would kill it early.
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  ~child_process() {
    if (pid_ > 0 && !exit_code_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close(stdout_);
  }

  pid_t pid() const { return pid_; }

  /// Reads one line of stdout; nothing if none arrives within `timeout`.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        auto line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0)
        return std::nullopt;
      pollfd pfd{stdout_, POLLIN, 0};
      if (poll(&pfd, 1, static_cast<int>(left.count())) <= 0)
        return std::nullopt;
      char chunk[512];
      auto n = read(stdout_, chunk, sizeof(chunk));
      if (n <= 0)
        return std::nullopt;
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }

  void signal(int sig) { kill(pid_, sig); }

  /// Waits up to `timeout` for the exit; returns the exit code (128 + signal
  /// for a signal death), or nothing if still running.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!exit_code_) {
      int status = 0;
      auto r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_)
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      else if (std::chrono::steady_clock::now() > deadline)
        return std::nullopt;
      else
        std::this_thread::sleep_for(std::chrono::milliseconds{5});
    }
    return exit_code_;
  }

private:
  pid_t pid_ = -1;
  int stdout_ = -1;
  std::string buffer_;
  std::optional<int> exit_code_;
};

} // namespace troupe::test
