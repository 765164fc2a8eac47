/* outfile.h - every file briefpress writes goes through this module: a
 * temporary file beside the target, checked writes, fsync, rename only on
 * success, then a read-back of the renamed file. Targets that are not regular
 * files (symlinks, devices, FIFOs, folders) and files this run has read (the
 * input registry) are refused before anything is created. */
#ifndef BP_OUTFILE_H
#define BP_OUTFILE_H

#include "bp.h"

/** What the file on disk holds after a commit (read back after the rename).
 * `sha256` is "" unless it was asked for (bp_outfile_commit with an info,
 * bp_outgroup_keep_sha256): the read-back itself compares a CRC-32. */
typedef struct bp_file_info {
  long long bytes;
  char sha256[65];
} bp_file_info;

/* ---- inputs: files this run has read (they are never written) ---- */

/** Registers `path` as an input of this run (by device and inode, so another
 * name or a hard link of it is refused too). Thread-safe; a path that does
 * not exist is ignored. bp_file_read registers every file it reads. */
void bp_inputs_add(const char *path);
/** The same for an open file descriptor (what bp_file_read uses). */
void bp_inputs_add_fd(int fd, const char *path);
/** Forgets every registered input (for tests and long-lived callers). */
void bp_inputs_clear(void);
/** The paths under which this run's inputs were registered so far, in the
 * order they were first read: an array of *n strings, all owned by the
 * caller (free each, then the array; NULL when there is none). */
char **bp_inputs_list(size_t *n);

/* ---- targets ---- */

/** How errors name standard output. */
#define BP_STDOUT_NAME "<stdout>"
/** Whether `path` names standard output: "-" or "/dev/stdout". Such a
 * target is written to descriptor 1 at the commit (never opened, created,
 * renamed or replaced by name), and errors name it "<stdout>". */
bool bp_output_is_stdout(const char *path);

/** BP_OK when `path` may be written: a new path or an existing regular file
 * that is none of this run's inputs, or standard output (unless it is a
 * file this run has read). A symlink, a device node, a FIFO, a socket or a
 * folder is refused with an error naming the path. */
bp_status bp_output_check(bp_ctx *ctx, const char *path);

/** Removes `path` when it is a regular file (a stale output of ours); leaves
 * anything else alone. */
void bp_output_remove(const char *path);

/* ---- one output file ---- */

/** A file being written: NAME.tmp.PID.N, created with O_EXCL beside `path`. */
typedef struct bp_outfile bp_outfile;

/** Checks the target (bp_output_check) and creates its temporary file.
 * On failure nothing is created and *out is NULL. */
bp_status bp_outfile_open(bp_ctx *ctx, const char *path, bp_outfile **out);
/** Writes all of data (short writes and EINTR retried); an error names the
 * target and the cause (ENOSPC, EFBIG, EIO...). */
bp_status bp_outfile_write(bp_ctx *ctx, bp_outfile *f, const void *data, size_t len);
/** fsync, checked close, the target checked again, rename, fsync of the
 * folder, then the renamed file read back and compared with what was
 * written. Frees f whatever happens; on failure the temporary file is gone
 * and a renamed file that does not match is removed. `info` may be NULL. */
bp_status bp_outfile_commit(bp_ctx *ctx, bp_outfile *f, bp_file_info *info);
/** Removes the temporary file and frees f (NULL is fine). */
void bp_outfile_discard(bp_outfile *f);

/* ---- several files, all or nothing ---- */

/** Files staged (written, synced, closed) and renamed together. */
typedef struct bp_outgroup bp_outgroup;

bp_outgroup *bp_outgroup_new(void);
/** Finishes f (fsync, checked close) and keeps it staged; takes f whatever
 * happens (on failure it is discarded). A target already in the group is
 * refused (two outputs of one run named alike). */
bp_status bp_outgroup_add(bp_ctx *ctx, bp_outgroup *g, bp_outfile *f);
/** The temporary file holding `path`'s staged bytes (borrowed), or NULL. */
const char *bp_outgroup_staged_path(const bp_outgroup *g, const char *path);
/** Renames every staged file into place, syncs the folders and reads each
 * back. On any failure the group's files (new ones and the renamed ones)
 * are all removed. */
bp_status bp_outgroup_commit(bp_ctx *ctx, bp_outgroup *g);
/** The group's files get their SHA-256 computed as they are read back
 * (bp_outgroup_info); by default they are checked by size and CRC-32 only. */
void bp_outgroup_keep_sha256(bp_outgroup *g);
/** The group's folders are not synced at bp_outgroup_commit: the caller
 * syncs them (bp_outdir_sync) before it names the files anywhere that
 * says they are there (batch: the manifest), which makes their renames
 * durable together instead of one folder sync per file. Until then a
 * crash may undo a rename (the target keeps what it had before: a whole
 * file either way). */
void bp_outgroup_defer_folder_sync(bp_outgroup *g);
/** The group's files are not synced one by one as they are added: they
 * stay open until bp_outgroup_commit, which then fsyncs each before its
 * rename, unless the caller has made their data durable all at once
 * (bp_outsync_data) and said so with bp_outgroup_data_synced: then they are
 * only closed. Either way no file is renamed into place before its data is
 * on the disk. */
void bp_outgroup_defer_file_sync(bp_outgroup *g);
/** Says that the data of g's files is durable (bp_outsync_data succeeded
 * after they were written): bp_outgroup_commit does not fsync them. */
void bp_outgroup_data_synced(bp_outgroup *g);
/** The verified size (and SHA-256, see bp_outgroup_keep_sha256) of `path`
 * after bp_outgroup_commit. */
bool bp_outgroup_info(const bp_outgroup *g, const char *path, bp_file_info *out);
/** Discards the files not committed and frees g (NULL is fine). */
void bp_outgroup_free(bp_outgroup *g);

/** Writes bytes to `path`: into group `g` when not NULL (renamed by
 * bp_outgroup_commit), else committed at once. */
bp_status bp_file_write_to(bp_ctx *ctx, bp_outgroup *g, const char *path, const void *data,
                           size_t len, bp_file_info *info);

/* ---- folders and processes ---- */

/** The file system of folder `dir`, for making the data of many files
 * written in it durable at once (bp_outsync_data): a descriptor taken
 * before the files are written, so that a write-back error on them is
 * reported; -1 when it cannot be opened (sync each file instead). */
int bp_outsync_open(const char *dir);
/** Writes back and syncs the file system of `fd` (syncfs; Linux), then
 * closes fd. True when every file written in it since bp_outsync_open is
 * on the disk; false on any error since then (on any file of that file
 * system) or where there is no syncfs: the caller then syncs each file. */
bool bp_outsync_data(int fd);

/** Size and SHA-256 of a file as it is on disk (not registered as an input). */
bp_status bp_file_hash(bp_ctx *ctx, const char *path, bp_file_info *out);
/** fsyncs the folder `dir`, so that the renames into it are durable (a file
 * system that cannot sync a folder is not an error). */
bp_status bp_outdir_sync(bp_ctx *ctx, const char *dir);
/** Removes this module's temporary files (NAME.tmp.PID.N) left in `dir` by a
 * process that no longer runs (a killed batch). Call before this process
 * creates files in `dir`. *removed (may be NULL) counts them. */
bp_status bp_outdir_sweep(bp_ctx *ctx, const char *dir, size_t *removed);
/** bp_outdir_sweep of the folder that holds `path` (or of `path` itself when
 * `is_dir`); errors are ignored (a folder that cannot be listed is left). */
void bp_outdir_sweep_for(const char *path, bool is_dir);
/** Locks the folder `dir` (flock on the folder itself) for this process:
 * exclusive, or shared when `shared`. A folder another process holds is
 * waited for, `wait_s` seconds at most (< 0: as long as it takes; 0: not at
 * all), trying again every 100 ms; `on_wait` (may be NULL) is called once
 * when the wait begins, so that the caller can say why nothing happens.
 * Still held then: an error saying another batch is writing there. Returns
 * the lock's descriptor in *fd (-1 when the file system has no locks);
 * close it to unlock. */
bp_status bp_outdir_lock(bp_ctx *ctx, const char *dir, bool shared, double wait_s,
                         void (*on_wait)(const char *dir), int *fd);
/** Blocks SIGINT, SIGTERM and SIGHUP and starts a thread that waits for
 * them, removes this process's temporary files and then dies of the signal;
 * ignores SIGXFSZ so that a file-size limit is an EFBIG write error rather
 * than a silent death. Call it first in main(), before any thread exists
 * (threads inherit the mask). Signals ignored at start stay ignored. */
void bp_outfile_handle_signals(void);
/** For a program that stops cleanly by itself (briefpress watch): the next
 * SIGINT, SIGTERM or SIGHUP that bp_outfile_handle_signals's thread receives
 * calls fn(ud, sig) from that thread instead of ending the process; the one
 * after it ends the process as before. Without that thread, nothing. */
void bp_outfile_on_signal(void (*fn)(void *ud, int sig), void *ud);

#endif
