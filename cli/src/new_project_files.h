// The files `golo new NAME` writes: a plain-C plugin project that builds
// with `make` and runs with `golo run NAME.yaml` unedited.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace golo::cli {

// {file name, contents} for the job name (a C identifier). include_dir is
// where golo/plugin.h is when pkg-config has no golo-plugin (the Makefile's
// GOLO_INCLUDE default); may be empty.
std::vector<std::pair<std::string, std::string>> new_project_files(
    const std::string &name, const std::string &include_dir);

// golo new NAME --http URL: a plugin of about twenty lines that GETs the
// schedule's env BASE_URL (set to url) through host->http, with thresholds
// on the request's p95 and error rate.
std::vector<std::pair<std::string, std::string>> new_http_project_files(
    const std::string &name, const std::string &include_dir,
    const std::string &url);
// "" when url may go into the schedule, else why not.
std::string http_url_problem(const std::string &url);

}  // namespace golo::cli
