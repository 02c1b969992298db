// The processes a worker leaves behind. Each worker runs in its own session
// (its pid is its process group), and the supervisor is a child subreaper,
// so whatever a plugin forks ends up as the supervisor's child once its
// parent dies: these functions kill it, so no orphan keeps the port, a pipe
// or the board, and tell a signal from a worker's tree from an operator's.
#pragma once

#include <sys/types.h>

#include <vector>

namespace golo::supervisor {

// Makes this process a child subreaper; false when the kernel refuses.
bool become_subreaper();

// SIGKILL to the worker's whole process group (it is the group leader).
void kill_tree(pid_t worker);

// Kills every child of this process that is not in workers (orphans left by
// a worker's plugins, reparented here); returns the pids first killed now
// (each is reported once, then only reaped).
std::vector<pid_t> kill_strays(const std::vector<pid_t> &workers);

// True while any child of this process is left (running or unreaped).
bool has_children();

// Whether sender is one of the workers or in one of their sessions.
bool in_worker_tree(pid_t sender, const std::vector<pid_t> &workers);

}  // namespace golo::supervisor
