#include "store/postgres_connection.hpp"

namespace troupe::detail {

namespace {

/// libpq's message without its trailing newline.
std::string trimmed(const char* message) {
  std::string text = message ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.pop_back();
  return text;
}

bool succeeded(const PGresult* res) {
  auto status = PQresultStatus(res);
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

} // namespace

std::vector<const char*> pg_params::pointers() const {
  std::vector<const char*> result;
  result.reserve(values_.size());
  for (auto& value : values_)
    result.push_back(value ? value->c_str() : nullptr);
  return result;
}

pg_connection::pg_connection(const std::string& uri) : conn_(PQconnectdb(uri.c_str()), &PQfinish) {
  if (!ok())
    last_error_ = trimmed(PQerrorMessage(conn_.get()));
}

std::string pg_connection::error() const {
  return last_error_;
}

bool pg_connection::exec(const std::string& sql) {
  pg_result res{PQexec(conn_.get(), sql.c_str()), &PQclear};
  if (succeeded(res.get()))
    return true;
  last_error_ = trimmed(PQerrorMessage(conn_.get()));
  return false;
}

bool pg_connection::prepare(const char* name, const std::string& sql) {
  pg_result res{PQprepare(conn_.get(), name, sql.c_str(), 0, nullptr), &PQclear};
  if (succeeded(res.get()))
    return true;
  last_error_ = trimmed(PQerrorMessage(conn_.get()));
  return false;
}

std::optional<pg_result> pg_connection::run(const char* name, const pg_params& params) {
  auto values = params.pointers();
  pg_result res{PQexecPrepared(conn_.get(), name, static_cast<int>(values.size()), values.data(),
                               nullptr, nullptr, 0),
                &PQclear};
  if (succeeded(res.get()))
    return res;
  last_error_ = trimmed(PQerrorMessage(conn_.get()));
  auto* state = PQresultErrorField(res.get(), PG_DIAG_SQLSTATE);
  last_sqlstate_ = state ? state : "";
  return std::nullopt;
}

bool pg_connection::run_all(const std::vector<pg_call>& calls) {
  auto* conn = conn_.get();
  last_error_.clear();
  if (PQenterPipelineMode(conn) != 1) {
    last_error_ = trimmed(PQerrorMessage(conn));
    return false;
  }
  bool applied = true;
  for (auto& call : calls) {
    auto values = call.params.pointers();
    if (PQsendQueryPrepared(conn, call.statement, static_cast<int>(values.size()), values.data(),
                            nullptr, nullptr, 0)
        != 1) {
      applied = false;
      break;
    }
  }
  // Nothing commits without the sync; a connection lost before it leaves
  // the server to roll the statements back.
  if (applied && PQpipelineSync(conn) == 1) {
    // One result per statement (each followed by a null), then the sync's.
    for (size_t i = 0; i < calls.size(); ++i) {
      pg_result res{PQgetResult(conn), &PQclear};
      if (!res) {
        applied = false;
        break;
      }
      if (!succeeded(res.get()) && applied) {
        // The first failure says why; the statements after it are skipped.
        last_error_ = trimmed(PQresultErrorMessage(res.get()));
        applied = false;
      }
      while (PGresult* rest = PQgetResult(conn))
        PQclear(rest);
    }
    pg_result sync{PQgetResult(conn), &PQclear};
    if (!sync || PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC)
      applied = false;
  } else {
    applied = false;
  }
  if (!applied && last_error_.empty())
    last_error_ = trimmed(PQerrorMessage(conn));
  PQexitPipelineMode(conn);
  return applied;
}

std::string pg_connection::describe() const {
  auto* conn = conn_.get();
  auto text = [](const char* s) { return std::string{s ? s : ""}; };
  return "postgres://" + text(PQuser(conn)) + "@" + text(PQhost(conn)) + ":" + text(PQport(conn))
         + "/" + text(PQdb(conn));
}

} // namespace troupe::detail
