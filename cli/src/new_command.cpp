// golo new NAME [DIR]: writes a plain-C plugin project (NAME.c, Makefile,
// NAME.conf, NAME.yaml) that builds and runs unedited.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "commands.h"
#include "new_project_files.h"

namespace golo::cli {
namespace {

namespace fs = std::filesystem;

// The job name is the file name and the prefix of a C type name, so it must
// be a C identifier; a bound keeps file names sane.
std::string name_problem(const std::string &name) {
  if (name.empty()) return "NAME is empty";
  if (name.size() > 64) return "NAME is over 64 characters";
  const auto ident = [](char c, bool first) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           (!first && c >= '0' && c <= '9');
  };
  for (std::size_t i = 0; i < name.size(); ++i)
    if (!ident(name[i], i == 0))
      return "NAME \"" + name +
             "\" is not a C identifier (letters, digits and '_', not "
             "starting with a digit): it names the job, the files and a C "
             "type";
  return "";
}

bool has_header(const fs::path &dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "golo" / "plugin.h", ec);
}

// Where golo/plugin.h is, for a Makefile on a machine without golo's
// pkg-config file: beside this golo when installed (PREFIX/bin/golo,
// PREFIX/include), else the source tree it was built from.
std::string header_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path installed = exe.parent_path().parent_path() / "include";
    if (has_header(installed)) return installed.string();
  }
#ifdef GOLO_SOURCE_INCLUDE_DIR
  if (has_header(GOLO_SOURCE_INCLUDE_DIR)) return GOLO_SOURCE_INCLUDE_DIR;
#endif
  return "";
}

// O_EXCL: never replaces a file, even one created since the check.
std::string write_new(const fs::path &path, const std::string &text) {
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    return "cannot write " + path.string() + ": " + std::strerror(errno);
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      return "cannot write " + path.string() + ": " + why;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0)
    return "cannot write " + path.string() + ": " + std::strerror(errno);
  return "";
}

}  // namespace

int new_command(const NewOptions &opts) {
  if (const auto problem = name_problem(opts.name); !problem.empty()) {
    std::cerr << "golo new: " << problem << "\n";
    return 2;
  }
  if (!opts.http.empty())
    if (const auto problem = http_url_problem(opts.http); !problem.empty()) {
      std::cerr << "golo new: " << problem << "\n";
      return 2;
    }
  const fs::path dir = fs::path(opts.dir.empty() ? opts.name : opts.dir);
  const auto files =
      opts.http.empty()
          ? new_project_files(opts.name, header_dir())
          : new_http_project_files(opts.name, header_dir(), opts.http);
  // Check every file first, so a refusal writes nothing.
  for (const auto &[file, text] : files) {
    std::error_code ec;
    if (fs::exists(fs::symlink_status(dir / file, ec))) {
      std::cerr << "golo new: " << (dir / file).string()
                << " already exists; nothing was written (give another NAME "
                   "or DIR)\n";
      return 2;
    }
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    std::cerr << "golo new: cannot create " << dir.string() << ": "
              << ec.message() << "\n";
    return 1;
  }
  for (const auto &[file, text] : files) {
    if (const auto error = write_new(dir / file, text); !error.empty()) {
      std::cerr << "golo new: " << error << "\n";
      return 1;
    }
    std::cout << "wrote " << (dir / file).string() << "\n";
  }
  const std::string d = dir.string();
  std::cout << "next:\n  cd " << dir.string()
            << " && make\n  make install PLUGINS=DIR   # DIR: a host's plugins "
               "directory\n  golo reload && golo run "
            << opts.name << ".yaml\n";
  return 0;
}

}  // namespace golo::cli
