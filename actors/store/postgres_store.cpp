#include "store/postgres_store.hpp"

#include "store/job_columns.hpp"
#include "store/postgres_connection.hpp"
#include "store/postgres_leadership.hpp"
#include "store/stored_limit.hpp"
#include "troupe/errors.hpp"
#include "troupe/log.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <variant>

namespace troupe::detail {

using namespace std::chrono_literals;

namespace {

/// The statements of the store, prepared once per connection by name.
struct statement_text {
  const char* name;
  std::string sql;
};

std::vector<statement_text> statements() {
  std::string columns = job_columns;
  return {
    {"insert", "INSERT INTO troupe_jobs(" + columns
                 + ") VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19)"},
    {"start", "UPDATE troupe_jobs SET status=$2, attempts=$3, started_at_ms=$4, worker=$5 "
              "WHERE seq=$1"},
    {"retry", "UPDATE troupe_jobs SET status=$2, error=$3, ready_at_ms=$4 WHERE seq=$1"},
    {"finish", "UPDATE troupe_jobs SET status=$2, result=$3, error=$4, finished_at_ms=$5, "
               "attempts=$6, started_at_ms=$7, worker=$8 WHERE seq=$1"},
    {"request_cancel", "UPDATE troupe_jobs SET cancel_requested=1 WHERE seq=$1"},
    {"requeue", "UPDATE troupe_jobs SET status=$2, attempts=$3, result=$4, error=$5, "
                "created_at_ms=$6, started_at_ms=$7, finished_at_ms=$8, worker=$9, "
                "cancel_requested=$10, ready_at_ms=$11 WHERE seq=$1"},
    {"purge", "DELETE FROM troupe_jobs WHERE finished_at_ms IS NOT NULL AND finished_at_ms <= $1"},
    {"set_limit", "INSERT INTO troupe_group_limits(job_group, rules) VALUES($1, $2) "
                  "ON CONFLICT (job_group) DO UPDATE SET rules = EXCLUDED.rules"},
    {"remove_limit", "DELETE FROM troupe_group_limits WHERE job_group=$1"},
    {"find", "SELECT " + columns + " FROM troupe_jobs WHERE id=$1"},
    {"load", "SELECT " + columns + " FROM troupe_jobs ORDER BY seq"},
    {"list_finished", "SELECT " + columns
                        + " FROM troupe_jobs WHERE finished_at_ms IS NOT NULL "
                          "AND ($1 = '' OR status = $1) AND ($2 = '' OR type = $2) "
                          "AND ($5 = '' OR job_group = $5) "
                          "AND seq < $4 ORDER BY seq DESC LIMIT $3"},
    {"count", "SELECT count(*) FROM troupe_jobs"},
    {"load_limits", "SELECT job_group, rules FROM troupe_group_limits ORDER BY job_group"},
  };
}

std::optional<std::string> text_or_null(const std::string& text) {
  return text.empty() ? std::nullopt : std::optional<std::string>{text};
}

/// Appends a job's state, the columns from `status` to `ready_at_ms` in the
/// order of the schema.
pg_params& add_state(pg_params& p, const stored_job& job) {
  return p.add(std::string{to_string(job.status)})
    .add(int64_t{job.attempts})
    .add(text_or_null(job.result))
    .add(job.error)
    .add(job.created_at_ms)
    .add(job.started_at_ms)
    .add(job.finished_at_ms)
    .add(job.worker)
    .add(int64_t{job.cancel_requested ? 1 : 0})
    .add(job.ready_at_ms);
}

/// One call per change, in the statements' parameter order.
struct call_of {
  pg_call operator()(const job_inserted& w) const {
    auto& job = w.job;
    pg_params p;
    p.add(static_cast<int64_t>(job.seq))
      .add(job.id)
      .add(job.type)
      .add(job.payload)
      .add(int64_t{job.options.priority})
      .add(int64_t{job.options.max_attempts})
      .add(job.options.timeout_ms)
      .add(text_or_null(job.options.idempotency_key));
    add_state(p, job).add(text_or_null(job.options.group));
    return {"insert", std::move(p)};
  }
  pg_call operator()(const attempt_started& w) const {
    pg_params p;
    p.add(static_cast<int64_t>(w.seq))
      .add(std::string{to_string(job_status::running)})
      .add(int64_t{w.attempts})
      .add(w.started_at_ms)
      .add(w.worker);
    return {"start", std::move(p)};
  }
  pg_call operator()(const retry_scheduled& w) const {
    pg_params p;
    p.add(static_cast<int64_t>(w.seq))
      .add(std::string{to_string(job_status::pending)})
      .add(w.error)
      .add(w.ready_at_ms);
    return {"retry", std::move(p)};
  }
  pg_call operator()(const job_finished& w) const {
    pg_params p;
    p.add(static_cast<int64_t>(w.seq))
      .add(std::string{to_string(w.status)})
      .add(text_or_null(w.result))
      .add(w.error)
      .add(w.finished_at_ms)
      .add(int64_t{w.attempts})
      .add(w.started_at_ms)
      .add(w.worker);
    return {"finish", std::move(p)};
  }
  pg_call operator()(const cancel_arrived& w) const {
    pg_params p;
    p.add(static_cast<int64_t>(w.seq));
    return {"request_cancel", std::move(p)};
  }
  pg_call operator()(const job_requeued& w) const {
    pg_params p;
    p.add(static_cast<int64_t>(w.job.seq));
    add_state(p, w.job);
    return {"requeue", std::move(p)};
  }
  pg_call operator()(const results_purged& w) const {
    pg_params p;
    p.add(w.cutoff_ms);
    return {"purge", std::move(p)};
  }
  pg_call operator()(const limit_set& w) const {
    pg_params p;
    p.add(w.group).add(nlohmann::json(w.limit).dump());
    return {"set_limit", std::move(p)};
  }
  pg_call operator()(const limit_removed& w) const {
    pg_params p;
    p.add(w.group);
    return {"remove_limit", std::move(p)};
  }
};

stored_job read_row(const PGresult* res, int row) {
  auto text = [&](int col) { return std::string{PQgetvalue(res, row, col)}; };
  auto number = [&](int col) { return std::stoll(text(col)); };
  auto optional_text = [&](int col) {
    return PQgetisnull(res, row, col) ? std::nullopt : std::optional<std::string>{text(col)};
  };
  auto optional_number = [&](int col) {
    return PQgetisnull(res, row, col) ? std::nullopt : std::optional<int64_t>{number(col)};
  };
  stored_job job;
  job.seq = static_cast<uint64_t>(number(0));
  job.id = text(1);
  job.type = text(2);
  job.payload = text(3);
  job.options.priority = static_cast<int32_t>(number(4));
  job.options.max_attempts = static_cast<int32_t>(number(5));
  job.options.timeout_ms = number(6);
  job.options.idempotency_key = text(7);
  job.status = parse_job_status(text(8)).value_or(job_status::failed);
  job.attempts = static_cast<int32_t>(number(9));
  job.result = text(10);
  job.error = optional_text(11);
  job.created_at_ms = number(12);
  job.started_at_ms = optional_number(13);
  job.finished_at_ms = optional_number(14);
  job.worker = optional_text(15);
  job.cancel_requested = number(16) != 0;
  job.ready_at_ms = number(17);
  job.options.group = text(18);
  return job;
}

std::vector<stored_job> read_rows(const PGresult* res) {
  std::vector<stored_job> jobs;
  auto rows = PQntuples(res);
  jobs.reserve(static_cast<size_t>(rows));
  for (int row = 0; row < rows; ++row)
    jobs.push_back(read_row(res, row));
  return jobs;
}

class postgres_store final : public store {
public:
  /// Takes an open, prepared connection whose server is the active one, and
  /// keeps renewing its lease.
  postgres_store(std::unique_ptr<pg_connection> conn, postgres_leadership leadership,
                 std::function<void()> on_deposed)
      : conn_(std::move(conn)), leadership_(leadership), name_(conn_->describe()),
        on_deposed_(std::move(on_deposed)), renewer_([this] { renew_until_closed(); }) {}

  ~postgres_store() override {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      closing_ = true;
    }
    wake_.notify_all();
    renewer_.join();
  }

  std::string name() const override { return name_; }

  bool durable() const override { return true; }

  caf::expected<std::vector<stored_job>> load() override {
    std::lock_guard<std::mutex> guard{mtx_};
    auto res = conn_->run("load");
    if (!res)
      return failure("cannot read the jobs");
    return read_rows(res->get());
  }

  caf::expected<stored_limits> load_limits() override {
    std::lock_guard<std::mutex> guard{mtx_};
    auto res = conn_->run("load_limits");
    if (!res)
      return failure("cannot read the group limits");
    stored_limits limits;
    for (int row = 0; row < PQntuples(res->get()); ++row) {
      auto limit =
        read_stored_limit(name(), PQgetvalue(res->get(), row, 0), PQgetvalue(res->get(), row, 1));
      if (!limit)
        return limit.error();
      limits.push_back(std::move(*limit));
    }
    return limits;
  }

  caf::error apply(const std::vector<store_write>& writes) override {
    std::vector<pg_call> calls;
    calls.reserve(writes.size() + 1);
    calls.push_back(leadership_.fence());
    for (auto& w : writes)
      calls.push_back(std::visit(call_of{}, w));
    std::lock_guard<std::mutex> guard{mtx_};
    if (deposed_ || !conn_->run_all(calls)) {
      ++failures_;
      if (!deposed_ && conn_->error().find("deposed") != std::string::npos)
        step_down();
      return deposed_ ? make_error(errc::store_unavailable, deposition())
                      : failure("cannot write the jobs");
    }
    ++commits_;
    writes_ += writes.size();
    return {};
  }

  caf::expected<std::optional<stored_job>> find(const std::string& id) override {
    std::lock_guard<std::mutex> guard{mtx_};
    pg_params p;
    p.add(id);
    auto res = conn_->run("find", p);
    if (!res)
      return failure("cannot read job " + id);
    if (PQntuples(res->get()) == 0)
      return std::optional<stored_job>{};
    return std::optional<stored_job>{read_row(res->get(), 0)};
  }

  caf::expected<std::vector<stored_job>> list_finished(const job_filter& filter,
                                                       uint64_t before_seq) override {
    std::lock_guard<std::mutex> guard{mtx_};
    pg_params p;
    p.add(filter.status)
      .add(filter.type)
      .add(static_cast<int64_t>(filter.limit))
      .add(static_cast<int64_t>(std::min<uint64_t>(before_seq, INT64_MAX)))
      .add(filter.group);
    auto res = conn_->run("list_finished", p);
    if (!res)
      return failure("cannot list the jobs");
    return read_rows(res->get());
  }

  caf::expected<uint64_t> count() override {
    std::lock_guard<std::mutex> guard{mtx_};
    auto res = conn_->run("count");
    if (!res)
      return failure("cannot count the jobs");
    return static_cast<uint64_t>(std::stoull(PQgetvalue(res->get(), 0, 0)));
  }

  store_counters counters() const override {
    return {commits_.load(), writes_.load(), failures_.load()};
  }

  std::optional<store_leadership> leadership() const override { return leadership_.term(); }

private:
  caf::error failure(const std::string& what) const {
    return make_error(errc::store_unavailable, name() + ": " + what + ": " + conn_->error());
  }

  std::string deposition() const {
    return name() + ": this server was deposed (epoch " + std::to_string(leadership_.epoch())
           + " is over): it acknowledges nothing more";
  }

  /// Stops every write for good; the caller holds `mtx_`.
  void step_down() {
    deposed_ = true;
    log(log_level::error, deposition());
    if (on_deposed_)
      on_deposed_();
  }

  /// Renews the lease every third of it; a failed renewal (another epoch, or
  /// the database out of reach) deposes this server.
  void renew_until_closed() {
    std::unique_lock<std::mutex> guard{mtx_};
    while (!closing_ && !deposed_) {
      if (wake_.wait_for(guard, lease_ / 3, [this] { return closing_; }))
        break;
      if (!leadership_.renew(*conn_))
        step_down();
    }
  }

  std::unique_ptr<pg_connection> conn_;
  postgres_leadership leadership_;
  std::chrono::milliseconds lease_ = leadership_.lease();
  std::string name_;
  std::function<void()> on_deposed_;
  bool deposed_ = false;
  bool closing_ = false;
  std::condition_variable wake_;
  std::mutex mtx_;
  std::atomic<uint64_t> commits_{0};
  std::atomic<uint64_t> writes_{0};
  std::atomic<uint64_t> failures_{0};
  // Last: it starts in the constructor and uses everything above.
  std::thread renewer_;
};

} // namespace

caf::expected<std::shared_ptr<store>> open_postgres_store(const std::string& uri,
                                                          const store_options& options) {
  auto unavailable = [](std::string message) {
    return make_error(errc::store_unavailable, std::move(message));
  };
  postgres_leadership leadership{options.lease};
  auto active = become_active(uri, options, leadership);
  if (!active)
    return active.error();
  auto conn = std::move(*active);
  if (!conn->exec("SET lock_timeout = 0"))
    return unavailable(conn->describe() + ": " + conn->error());
  for (auto& s : statements())
    if (!conn->prepare(s.name, s.sql))
      return unavailable(conn->describe() + ": cannot prepare " + s.name + ": " + conn->error());
  log(log_level::info,
      "active on " + conn->describe() + " with epoch " + std::to_string(leadership.epoch()));
  return std::shared_ptr<store>{
    std::make_shared<postgres_store>(std::move(conn), leadership, options.on_deposed)};
}

} // namespace troupe::detail
