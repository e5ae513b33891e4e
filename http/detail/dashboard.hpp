// The web dashboard: plain HTML, CSS and JavaScript under http/dashboard/,
// compiled into the binary (cmake/EmbedFiles.cmake), so that a server needs
// no files beside it and no CDN. The page talks to the same /v1 API as any
// client, with the bearer token the user gives it.
#pragma once

#include <string_view>
#include <vector>

namespace troupe::http::detail {

/// One file of the dashboard, as the server answers it.
struct embedded_file {
  /// Where it is served: `/` for the page, `/dashboard/NAME` for the rest.
  std::string_view url;
  std::string_view body;
};

/// The dashboard's files (generated at build time).
const std::vector<embedded_file>& dashboard_files();

} // namespace troupe::http::detail
