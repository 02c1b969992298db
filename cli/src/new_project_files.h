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

}  // namespace golo::cli
