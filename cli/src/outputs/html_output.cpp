#include "html_output.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "report/html_report.h"

namespace golo::cli::outputs {

std::unique_ptr<Output> HtmlOutput::open(const std::string &path,
                                         std::string &error) {
  std::ofstream probe(path, std::ios::binary | std::ios::trunc);
  if (!probe) {
    error = "--out html=" + path + ": cannot write " + path + ": " +
            std::strerror(errno);
    return nullptr;
  }
  return std::unique_ptr<Output>(new HtmlOutput(path));
}

std::string HtmlOutput::finish(const Finished &run) {
  if (!run.results) return "";  // nothing was measured: no report
  std::string html;
  try {
    html = report::render_html_report({run.document()});
  } catch (const std::exception &e) {
    failed_ = true;
    return "cannot make the HTML report " + path_ + ": " + e.what();
  }
  std::ofstream f(path_, std::ios::binary | std::ios::trunc);
  f << html;
  f.close();
  if (!f) {
    failed_ = true;
    return "cannot write " + path_;
  }
  return "";
}

}  // namespace golo::cli::outputs
