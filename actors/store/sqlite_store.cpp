#include "store/sqlite_store.hpp"

#include "store/job_columns.hpp"
#include "store/sqlite_schema.hpp"
#include "store/sqlite_statement.hpp"
#include "store/stored_limit.hpp"
#include "troupe/errors.hpp"

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <variant>

namespace troupe::detail {

namespace {

class sqlite_store final : public store {
public:
  // -- constructors, destructors --

  /// Takes ownership of an open, prepared database.
  sqlite_store(std::string path, sqlite3* db)
      : path_(std::move(path)), db_(db), begin_(db, "BEGIN"), commit_(db, "COMMIT"),
        rollback_(db, "ROLLBACK"),
        insert_(db, std::string{"INSERT INTO jobs("} + job_columns
                      + ") VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,"
                        "?17,?18,?19)"),
        start_(db, "UPDATE jobs SET status=?2, attempts=?3, started_at_ms=?4, worker=?5 "
                   "WHERE seq=?1"),
        retry_(db, "UPDATE jobs SET status=?2, error=?3, ready_at_ms=?4 WHERE seq=?1"),
        finish_(db, "UPDATE jobs SET status=?2, result=?3, error=?4, finished_at_ms=?5, "
                    "attempts=?6, started_at_ms=?7, worker=?8 WHERE seq=?1"),
        request_cancel_(db, "UPDATE jobs SET cancel_requested=?2 WHERE seq=?1"),
        requeue_(db, "UPDATE jobs SET status=?2, attempts=?3, result=?4, error=?5, "
                     "created_at_ms=?6, started_at_ms=?7, finished_at_ms=?8, worker=?9, "
                     "cancel_requested=?10, ready_at_ms=?11 WHERE seq=?1"),
        purge_(db, "DELETE FROM jobs WHERE finished_at_ms IS NOT NULL AND finished_at_ms <= ?1"),
        find_(db, std::string{"SELECT "} + job_columns + " FROM jobs WHERE id=?1"),
        load_(db, std::string{"SELECT "} + job_columns + " FROM jobs ORDER BY seq"),
        list_finished_(db, std::string{"SELECT "} + job_columns
                             + " FROM jobs WHERE finished_at_ms IS NOT NULL "
                               "AND (?1 = '' OR status = ?1) AND (?2 = '' OR type = ?2) "
                               "AND (?5 = '' OR job_group = ?5) "
                               "AND seq < ?4 ORDER BY seq DESC LIMIT ?3"),
        count_(db, "SELECT count(*) FROM jobs"),
        set_limit_(db, "INSERT OR REPLACE INTO group_limits(job_group, rules) VALUES(?1, ?2)"),
        remove_limit_(db, "DELETE FROM group_limits WHERE job_group=?1"),
        load_limits_(db, "SELECT job_group, rules FROM group_limits ORDER BY job_group") {}

  // -- store --

  std::string name() const override { return "sqlite:" + path_; }

  bool durable() const override { return true; }

  caf::expected<std::vector<stored_job>> load() override {
    std::lock_guard<std::mutex> guard{mtx_};
    std::vector<stored_job> jobs;
    int rc;
    while ((rc = load_.step()) == SQLITE_ROW)
      jobs.push_back(read_row(load_));
    load_.reset();
    if (rc != SQLITE_DONE)
      return failure("cannot read the jobs");
    return jobs;
  }

  caf::expected<stored_limits> load_limits() override {
    std::lock_guard<std::mutex> guard{mtx_};
    stored_limits limits;
    int rc;
    while ((rc = load_limits_.step()) == SQLITE_ROW) {
      auto limit = read_stored_limit(name(), load_limits_.text_at(0), load_limits_.text_at(1));
      if (!limit) {
        load_limits_.reset();
        return limit.error();
      }
      limits.push_back(std::move(*limit));
    }
    load_limits_.reset();
    if (rc != SQLITE_DONE)
      return failure("cannot read the group limits");
    return limits;
  }

  caf::error apply(const std::vector<store_write>& writes) override {
    std::lock_guard<std::mutex> guard{mtx_};
    auto rc = begin_.run();
    for (size_t i = 0; rc == SQLITE_OK && i < writes.size(); ++i)
      rc = apply_one(writes[i]);
    if (rc == SQLITE_OK)
      rc = commit_.run();
    if (rc != SQLITE_OK) {
      auto err = failure("cannot write the jobs");
      if (!sqlite3_get_autocommit(db_.get()))
        rollback_.run();
      ++failures_;
      return err;
    }
    ++commits_;
    writes_ += writes.size();
    return {};
  }

  caf::expected<std::optional<stored_job>> find(const std::string& id) override {
    std::lock_guard<std::mutex> guard{mtx_};
    find_.bind(1, id);
    auto rc = find_.step();
    std::optional<stored_job> job;
    if (rc == SQLITE_ROW)
      job = read_row(find_);
    find_.reset();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
      return failure("cannot read job " + id);
    return job;
  }

  caf::expected<std::vector<stored_job>> list_finished(const job_filter& filter,
                                                       uint64_t before_seq) override {
    std::lock_guard<std::mutex> guard{mtx_};
    // Sequences are stored as SQLite integers, which are signed.
    auto before = static_cast<int64_t>(std::min<uint64_t>(before_seq, INT64_MAX));
    list_finished_.bind(1, filter.status)
      .bind(2, filter.type)
      .bind(3, filter.limit)
      .bind(4, before)
      .bind(5, filter.group);
    std::vector<stored_job> jobs;
    int rc;
    while ((rc = list_finished_.step()) == SQLITE_ROW)
      jobs.push_back(read_row(list_finished_));
    list_finished_.reset();
    if (rc != SQLITE_DONE)
      return failure("cannot list the jobs");
    return jobs;
  }

  caf::expected<uint64_t> count() override {
    std::lock_guard<std::mutex> guard{mtx_};
    auto rc = count_.step();
    uint64_t n = rc == SQLITE_ROW ? static_cast<uint64_t>(count_.int_at(0)) : 0;
    count_.reset();
    if (rc != SQLITE_ROW)
      return failure("cannot count the jobs");
    return n;
  }

  store_counters counters() const override {
    return {commits_.load(), writes_.load(), failures_.load()};
  }

private:
  struct closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };

  caf::error failure(const std::string& what) const {
    return make_error(errc::store_unavailable,
                      name() + ": " + what + ": " + sqlite3_errmsg(db_.get()));
  }

  int apply_one(const store_write& w) {
    return std::visit([this](auto& change) { return run(change); }, w);
  }

  // One statement per change. Text is bound without a copy: whatever is
  // bound must outlive the statement's run, so no temporary string is.

  int run(const job_inserted& w) {
    const auto& job = w.job;
    std::optional<std::string> key;
    if (!job.options.idempotency_key.empty())
      key = job.options.idempotency_key;
    std::optional<std::string> group;
    if (!job.options.group.empty())
      group = job.options.group;
    auto status = std::string{to_string(job.status)};
    insert_.bind(1, static_cast<int64_t>(job.seq))
      .bind(2, job.id)
      .bind(3, job.type)
      .bind(4, job.payload)
      .bind(5, job.options.priority)
      .bind(6, job.options.max_attempts)
      .bind(7, job.options.timeout_ms)
      .bind(8, key);
    return bind_state(insert_, 9, status, job).bind(19, group).run();
  }

  int run(const attempt_started& w) {
    static const std::string running{to_string(job_status::running)};
    return start_.bind(1, static_cast<int64_t>(w.seq))
      .bind(2, running)
      .bind(3, w.attempts)
      .bind(4, w.started_at_ms)
      .bind(5, w.worker)
      .run();
  }

  int run(const retry_scheduled& w) {
    static const std::string pending{to_string(job_status::pending)};
    return retry_.bind(1, static_cast<int64_t>(w.seq))
      .bind(2, pending)
      .bind(3, w.error)
      .bind(4, w.ready_at_ms)
      .run();
  }

  int run(const job_finished& w) {
    auto status = std::string{to_string(w.status)};
    return finish_.bind(1, static_cast<int64_t>(w.seq))
      .bind(2, status)
      .bind(3, w.result.empty() ? std::optional<std::string>{} : w.result)
      .bind(4, w.error)
      .bind(5, w.finished_at_ms)
      .bind(6, w.attempts)
      .bind(7, w.started_at_ms)
      .bind(8, w.worker)
      .run();
  }

  int run(const cancel_arrived& w) {
    return request_cancel_.bind(1, static_cast<int64_t>(w.seq)).bind(2, 1).run();
  }

  int run(const job_requeued& w) {
    auto status = std::string{to_string(w.job.status)};
    requeue_.bind(1, static_cast<int64_t>(w.job.seq));
    return bind_state(requeue_, 2, status, w.job).run();
  }

  int run(const results_purged& w) { return purge_.bind(1, w.cutoff_ms).run(); }

  int run(const limit_set& w) {
    auto rules = nlohmann::json(w.limit).dump();
    return set_limit_.bind(1, w.group).bind(2, rules).run();
  }

  int run(const limit_removed& w) { return remove_limit_.bind(1, w.group).run(); }

  /// Binds a job's state, the columns from `status` to `ready_at_ms` in the
  /// order of the schema, to the parameters from `first` on.
  static statement& bind_state(statement& s, int first, const std::string& status,
                               const stored_job& job) {
    s.bind(first, status).bind(first + 1, job.attempts);
    if (job.result.empty())
      s.bind(first + 2, std::optional<std::string>{});
    else
      s.bind(first + 2, job.result);
    return s.bind(first + 3, job.error)
      .bind(first + 4, job.created_at_ms)
      .bind(first + 5, job.started_at_ms)
      .bind(first + 6, job.finished_at_ms)
      .bind(first + 7, job.worker)
      .bind(first + 8, job.cancel_requested ? 1 : 0)
      .bind(first + 9, job.ready_at_ms);
  }

  static stored_job read_row(const statement& s) {
    stored_job job;
    job.seq = static_cast<uint64_t>(s.int_at(0));
    job.id = s.text_at(1);
    job.type = s.text_at(2);
    job.payload = s.text_at(3);
    job.options.priority = static_cast<int32_t>(s.int_at(4));
    job.options.max_attempts = static_cast<int32_t>(s.int_at(5));
    job.options.timeout_ms = s.int_at(6);
    job.options.idempotency_key = s.text_at(7);
    job.status = parse_job_status(s.text_at(8)).value_or(job_status::failed);
    job.attempts = static_cast<int32_t>(s.int_at(9));
    job.result = s.text_at(10);
    job.error = s.optional_text_at(11);
    job.created_at_ms = s.int_at(12);
    job.started_at_ms = s.optional_int_at(13);
    job.finished_at_ms = s.optional_int_at(14);
    job.worker = s.optional_text_at(15);
    job.cancel_requested = s.int_at(16) != 0;
    job.ready_at_ms = s.int_at(17);
    job.options.group = s.text_at(18);
    return job;
  }

  std::string path_;
  // Declared before the statements, so that it closes after they finalize:
  // a connection with unfinalized statements would stay open (and locked).
  std::unique_ptr<sqlite3, closer> db_;
  std::mutex mtx_;
  // Atomic, so that reading them never waits for a commit on the disk.
  std::atomic<uint64_t> commits_{0};
  std::atomic<uint64_t> writes_{0};
  std::atomic<uint64_t> failures_{0};
  statement begin_, commit_, rollback_;
  statement insert_, start_, retry_, finish_, request_cancel_, requeue_, purge_;
  statement find_, load_, list_finished_, count_;
  statement set_limit_, remove_limit_, load_limits_;
};

} // namespace

caf::expected<std::shared_ptr<store>> open_sqlite_store(const std::string& path,
                                                        const store_options& options) {
  auto unavailable = [](std::string message) {
    return make_error(errc::store_unavailable, std::move(message));
  };
  auto parent = std::filesystem::path{path}.parent_path();
  std::error_code ec;
  if (!parent.empty() && !std::filesystem::is_directory(parent, ec)) {
    std::filesystem::create_directories(parent, ec);
    if (ec)
      return unavailable("cannot create directory " + parent.string() + " for " + path + ": "
                         + ec.message());
  }
  sqlite3* raw = nullptr;
  auto rc =
    sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> db{raw, sqlite3_close_v2};
  if (rc != SQLITE_OK)
    return unavailable(explain_sqlite_failure(path, raw, rc));
  sqlite3_extended_result_codes(raw, 1);
  if (auto problem = prepare_sqlite_database(path, raw, options))
    return unavailable(std::move(*problem));
  try {
    return std::shared_ptr<store>{std::make_shared<sqlite_store>(path, db.release())};
  } catch (const std::runtime_error& e) {
    return unavailable("cannot prepare statements on " + path + ": " + e.what());
  }
}

} // namespace troupe::detail
