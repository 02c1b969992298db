#include "server/host_service.h"

#include <spdlog/spdlog.h>

#include "golo/agent/utf8.h"
#include "security/grpc_auth.h"

namespace golo::host {

namespace {
// File names are bytes, and reasons quote them: a proto3 string must be
// UTF-8, or clients refuse the whole listing.
std::string wire(const std::string &s) {
  return agent::utf8_valid(s) ? s : agent::utf8_repair(s);
}

void fill(golo::FileOutcome &out, const FileReport &r) {
  out.set_file(wire(r.file));
  out.set_job(wire(r.job));
  out.set_outcome(static_cast<golo::FileOutcome::Outcome>(r.outcome));
  out.set_reason(wire(r.reason));
}

grpc::Status status_of(const ControlError &e) {
  using Kind = ControlError::Kind;
  switch (e.kind) {
    case Kind::kInvalid:
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, e.what());
    case Kind::kTooLarge:
      return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, e.what());
    case Kind::kCorrupt:
      return grpc::Status(grpc::StatusCode::DATA_LOSS, e.what());
    case Kind::kNotFound:
      return grpc::Status(grpc::StatusCode::NOT_FOUND, e.what());
    case Kind::kIo:
      break;
  }
  return grpc::Status(grpc::StatusCode::INTERNAL, e.what());
}

void fill(golo::FileOutcome &out, const InstallResult &r,
          const std::string &job) {
  out.set_job(wire(job));
  out.set_outcome(static_cast<golo::FileOutcome::Outcome>(r.outcome));
  out.set_reason(wire(r.reason));
  for (const auto &rep : r.reports)
    if (rep.job == job) out.set_file(wire(rep.file));
}
}  // namespace

grpc::Status HostService::ListPlugins(grpc::ServerContext *,
                                      const golo::ListPluginsRequest *,
                                      golo::ListPluginsResponse *resp) {
  for (const auto &[job, s] : registry_.status()) {
    const auto &m = s.current->meta();
    auto *p = resp->add_plugins();
    p->set_job(wire(job));
    p->set_file(wire(m.file));
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
  }
  for (const auto &f : registry_.failures()) {
    auto *out = resp->add_failures();
    out->set_file(wire(f.file));
    out->set_reason(wire(f.reason));
    out->set_quarantined(f.quarantined);
    out->set_job(wire(f.job));
  }
  resp->set_pluginsdir(registry_.dir().string());
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

grpc::Status HostService::Push(grpc::ServerContext *ctx,
                               grpc::ServerReader<golo::PushChunk> *reader,
                               golo::PushResponse *resp) {
  const std::string caller =
      security::describe_caller(*ctx, settings_.authorizer);
  golo::PushChunk chunk;
  if (!reader->Read(&chunk))
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "the push stream ended before its first message");
  const std::string job = chunk.job();
  spdlog::info("push of {} ({} bytes, sha256 {}) by {}", job, chunk.size(),
               chunk.sha256().substr(0, 12), caller);
  auto refused = [&](const grpc::Status &s) {
    spdlog::warn("push of {} by {} refused: {}", job, caller,
                 s.error_message());
    return s;
  };
  constexpr std::size_t kMaxSettingsBytes = 1024 * 1024;
  if (chunk.settings().size() > kMaxSettingsBytes)
    return refused(grpc::Status(
        grpc::StatusCode::RESOURCE_EXHAUSTED,
        "settings are " + std::to_string(chunk.settings().size()) +
            " bytes; the limit is " + std::to_string(kMaxSettingsBytes)));
  try {
    PluginUpload upload(registry_.dir(), job, chunk.size(), chunk.sha256(),
                        settings_.max_plugin_size);
    std::optional<std::string> settings;
    if (chunk.hassettings()) settings = chunk.settings();
    do {
      upload.append(chunk.data());
    } while (reader->Read(&chunk));
    if (ctx->IsCancelled())
      return refused(grpc::Status(grpc::StatusCode::CANCELLED,
                                  "the caller went away mid-upload"));
    upload.finish();
    const InstallResult r = installer_.install(upload, settings);
    fill(*resp->mutable_plugin(), r, job);
    resp->set_sha256(r.sha256);
    resp->set_generation(r.generation);
    for (const auto &rep : r.reports) fill(*resp->add_files(), rep);
    spdlog::info("push of {} by {}: {}{}{}", job, caller, to_string(r.outcome),
                 r.reason.empty() ? "" : ": ", r.reason);
    return grpc::Status::OK;
  } catch (const ControlError &e) {
    return refused(status_of(e));
  } catch (const std::exception &e) {
    return refused(grpc::Status(grpc::StatusCode::INTERNAL, e.what()));
  }
}

grpc::Status HostService::Remove(grpc::ServerContext *ctx,
                                 const golo::RemoveRequest *req,
                                 golo::RemoveResponse *resp) {
  const std::string caller =
      security::describe_caller(*ctx, settings_.authorizer);
  spdlog::info("remove of {} by {}", req->job(), caller);
  try {
    const InstallResult r = installer_.remove(req->job());
    fill(*resp->mutable_plugin(), r, req->job());
    for (const auto &rep : r.reports) fill(*resp->add_files(), rep);
    return grpc::Status::OK;
  } catch (const ControlError &e) {
    spdlog::warn("remove of {} by {} refused: {}", req->job(), caller,
                 e.what());
    return status_of(e);
  } catch (const std::exception &e) {
    return grpc::Status(grpc::StatusCode::INTERNAL, e.what());
  }
}

}  // namespace golo::host

static_assert(static_cast<int>(golo::host::Outcome::kFailed) ==
                      golo::FileOutcome::FAILED &&
                  static_cast<int>(golo::host::Outcome::kRemoved) ==
                      golo::FileOutcome::REMOVED &&
                  static_cast<int>(golo::host::Outcome::kReplaced) ==
                      golo::FileOutcome::REPLACED &&
                  static_cast<int>(golo::host::Outcome::kAdded) ==
                      golo::FileOutcome::ADDED &&
                  static_cast<int>(golo::host::Outcome::kUnchanged) ==
                      golo::FileOutcome::UNCHANGED,
              "Outcome mirrors FileOutcome.Outcome");
