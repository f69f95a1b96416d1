#ifndef KEEPALIVEDD_KAD_VRRP_SHELL_H
#define KEEPALIVEDD_KAD_VRRP_SHELL_H
/* VRRP shell shims: spawning notify / vrrp_script children without blocking and watching them
 * through a pidfd. Every function returns -errno on failure. */

/// Spawns `argv[0]` (searched in PATH when it has no slash) with `argv` (NULL-terminated), in a
/// new process group, with every signal back to its default disposition and an empty signal
/// mask, stdin/stdout/stderr on /dev/null. On success returns the pid and stores a pidfd
/// (readable once the child exits; -1 when the kernel has no pidfd_open) in `*pidfd`.
int kad_vrrp_spawn(const char *const *argv, int *pidfd);

/// waitpid(pid, WNOHANG): 0 while the child runs; 1 when reaped, with `*exit_code` (>= 0 when
/// it exited) or `*signal_number` (> 0 when a signal killed it); -errno on failure.
int kad_vrrp_reap(int pid, int *exit_code, int *signal_number);

/// Sends `signal_number` to the child's process group (falls back to the pid alone).
int kad_vrrp_kill_group(int pid, int signal_number);

#endif
