#include "server/host_service.h"

#include <spdlog/spdlog.h>

#include "errors/grpc_status.h"
#include "golo/agent/utf8.h"
#include "golo/wire/file_outcome.h"
#include "golo/wire/text.h"
#include "security/grpc_auth.h"
#include "worker/call_board.h"

namespace golo::host {

namespace {
// The problem's parts apart, and joined in reason for older clients.
template <class Message>
void fill_problem(Message &out, const HostError &e) {
  if (e.primary.empty()) return;
  out.set_reason(wire::text(e.message()));
  auto *p = out.mutable_problem();
  p->set_primary(wire::text(e.primary));
  p->set_detail(wire::text(e.detail));
  p->set_hint(wire::text(e.hint));
}

void fill(golo::FileOutcome &out, const FileReport &r) {
  out.set_file(wire::text(r.file));
  out.set_job(wire::text(r.job));
  out.set_outcome(wire::to_wire(r.outcome));
  fill_problem(out, r.problem);
}

void fill(golo::FileOutcome &out, const InstallResult &r,
          const std::string &job) {
  out.set_job(wire::text(job));
  out.set_outcome(wire::to_wire(r.outcome));
  fill_problem(out, r.problem);
  for (const auto &rep : r.reports)
    if (rep.job == job) out.set_file(wire::text(rep.file));
}
}  // namespace

grpc::Status HostService::ListPlugins(grpc::ServerContext *,
                                      const golo::ListPluginsRequest *,
                                      golo::ListPluginsResponse *resp) {
  for (const auto &[job, s] : registry_.status()) {
    const auto &m = s.current->meta();
    auto *p = resp->add_plugins();
    p->set_job(wire::text(job));
    p->set_file(wire::text(m.file));
    p->set_name(m.name);
    p->set_version(m.version);
    p->set_abiversion(m.abi_version);
    p->set_sha256(m.sha256);
    p->set_loadedatunixms(std::chrono::duration_cast<std::chrono::milliseconds>(
                              m.loaded_at.time_since_epoch())
                              .count());
    p->set_calls(s.current->calls());
    p->set_errors(s.current->errors());
    p->set_inflight(s.current->in_flight());
    p->set_draining(static_cast<std::uint32_t>(s.draining));
    p->set_serial(m.serial);
    p->set_generation(m.generation);
    p->set_stuck(s.current->stuck_calls());
    p->set_fibers(m.fibers);
    p->set_stalledusers(s.current->stalled_users());
  }
  for (const auto &f : registry_.failures()) {
    auto *out = resp->add_failures();
    out->set_file(wire::text(f.file));
    fill_problem(*out, f.problem);
    out->set_quarantined(f.quarantined);
    out->set_job(wire::text(f.job));
  }
  resp->set_pluginsdir(registry_.dir().string());
  resp->set_workerstartedunixms(worker::board_started_unix_ms());
  resp->set_workerpreviousend(wire::text(worker::board_previous_end()));
  return grpc::Status::OK;
}

grpc::Status HostService::Reload(grpc::ServerContext *ctx,
                                 const golo::ReloadRequest *,
                                 golo::ReloadResponse *resp) {
  spdlog::info("reload requested over gRPC by {}",
               security::describe_caller(*ctx, settings_.authorizer));
  for (const auto &r : registry_.rescan()) fill(*resp->add_files(), r);
  return grpc::Status::OK;
}

grpc::Status HostService::insecure_refusal(const char *what,
                                           const std::string &caller) {
  spdlog::warn("{} by {} refused: --insecure without --insecure-allow-push",
               what, caller);
  return to_status(HostError::Code::kPermissionDenied,
                   std::string(what) +
                       " is refused on this golo-host: it serves with "
                       "--insecure (no tokens), so anyone who reaches its "
                       "port could run code here; its operator can allow it "
                       "with --insecure-allow-push");
}

grpc::Status HostService::Push(grpc::ServerContext *ctx,
                               grpc::ServerReader<golo::PushChunk> *reader,
                               golo::PushResponse *resp) {
  const std::string caller =
      security::describe_caller(*ctx, settings_.authorizer);
  if (settings_.push_refused) return insecure_refusal("push", caller);
  golo::PushChunk chunk;
  if (!reader->Read(&chunk))
    return to_status(HostError::Code::kInvalidArgument,
                     "the push stream ended before its first message");
  const std::string job = chunk.job();
  // Caller text: escaped and cut before it reaches the log.
  const std::string job_text = agent::printable(job, 64);
  spdlog::info("push of {} ({} bytes, sha256 {}) by {}", job_text, chunk.size(),
               agent::printable(chunk.sha256(), 12), caller);
  auto refused = [&](const grpc::Status &s) {
    spdlog::warn("push of {} by {} refused: {}", job_text, caller,
                 agent::printable(s.error_message(), 512));
    return s;
  };
  constexpr std::size_t kMaxSettingsBytes = 1024 * 1024;
  try {
    PluginUpload upload(registry_.dir(), job, chunk.size(), chunk.sha256(),
                        settings_.max_plugin_size);
    std::optional<std::string> settings;
    if (chunk.hassettings()) settings.emplace();
    do {
      upload.append(chunk.data());
      // Settings arrive in pieces too (every message is small), appended.
      if (!settings && !chunk.settings().empty())
        return refused(to_status(HostError::Code::kInvalidArgument,
                                 "settings sent without hasSettings in the "
                                 "first message"));
      if (settings) {
        if (settings->size() + chunk.settings().size() > kMaxSettingsBytes)
          return refused(to_status(HostError::Code::kResourceExhausted,
                                   "settings are over " +
                                       std::to_string(kMaxSettingsBytes) +
                                       " bytes, the limit"));
        settings->append(chunk.settings());
      }
    } while (reader->Read(&chunk));
    if (ctx->IsCancelled())
      return refused(to_status(HostError::Code::kCancelled,
                               "the caller went away mid-upload"));
    upload.finish();
    const InstallResult r = installer_.install(upload, settings);
    fill(*resp->mutable_plugin(), r, job);
    resp->set_sha256(r.sha256);
    resp->set_generation(r.generation);
    for (const auto &rep : r.reports) fill(*resp->add_files(), rep);
    spdlog::info("push of {} by {}: {}{}{}", job_text, caller,
                 wire::outcome_name(r.outcome), r.reason().empty() ? "" : ": ",
                 agent::printable(r.reason(), 1024));
    return grpc::Status::OK;
  } catch (const HostFailure &e) {
    return refused(to_status(e.error));
  } catch (const std::exception &e) {
    return refused(to_status(HostError::Code::kInternal, e.what()));
  }
}

grpc::Status HostService::Remove(grpc::ServerContext *ctx,
                                 const golo::RemoveRequest *req,
                                 golo::RemoveResponse *resp) {
  const std::string caller =
      security::describe_caller(*ctx, settings_.authorizer);
  if (settings_.push_refused) return insecure_refusal("remove", caller);
  const std::string job_text = agent::printable(req->job(), 64);
  spdlog::info("remove of {} by {}", job_text, caller);
  try {
    const InstallResult r = installer_.remove(req->job());
    fill(*resp->mutable_plugin(), r, req->job());
    for (const auto &rep : r.reports) fill(*resp->add_files(), rep);
    return grpc::Status::OK;
  } catch (const HostFailure &e) {
    spdlog::warn("remove of {} by {} refused: {}", job_text, caller,
                 agent::printable(e.what(), 512));
    return to_status(e.error);
  } catch (const std::exception &e) {
    return to_status(HostError::Code::kInternal, e.what());
  }
}

}  // namespace golo::host
