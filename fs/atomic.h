/* atomic.h - crash-safe file replacement for everything the module keeps in
 * flash.  A file is written to "<name>.tmp", fsync'd, renamed over <name>
 * and the directory fsync'd: after a kill -9 at any instant the old or the
 * new content is there, never a mix.  Errors are returned as -errno. */
#ifndef SARASIM_ATOMIC_H
#define SARASIM_ATOMIC_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

int atomic_write_file(const char *dir, const char *name, const void *data, size_t len);

/* The same, written piece by piece (a download that arrives over minutes):
 * open, write / pwrite as the data comes, commit (fsync, rename, fsync of the
 * directory) or abort (the temp file goes).  atomic_file_writeback() starts
 * the kernel writing what is there so far, so the final fsync has little
 * left to do. */
typedef struct atomic_file {
    int fd;
    off_t end;        /* bytes written so far (append position) */
    off_t flushed;    /* writeback started up to here */
    char dir[PATH_MAX];
    char name[NAME_MAX + 1];
    char tmp[NAME_MAX + 1]; /* "<name>[.<tag>].tmp" */
} atomic_file;

/* tag (may be NULL) makes the temp name unique when several writes of the
 * same file can be in progress at once (two downloads on two UARTs). */
int atomic_file_open(atomic_file *af, const char *dir, const char *name, const char *tag);
int atomic_file_append(atomic_file *af, const void *data, size_t len);
int atomic_file_pwrite(atomic_file *af, const void *data, size_t len, off_t off);
void atomic_file_writeback(atomic_file *af);
int atomic_file_commit(atomic_file *af);
void atomic_file_abort(atomic_file *af);
/* Remove dir/name and fsync dir, so the removal survives a power cut.
 * A name that is already gone is not an error. */
int atomic_remove_file(const char *dir, const char *name);
/* Read a whole regular file of at most max bytes into a malloc'd
 * NUL-terminated buffer.  -ENOENT if absent; -EINVAL if it is not a regular
 * file (a FIFO, a device, a directory, a symlink: never followed); -EFBIG if
 * larger than max. */
int atomic_read_file(const char *dir, const char *name, size_t max, char **data, size_t *len);
/* mkdir -p for a directory path (mode 0700). */
int atomic_mkdirs(const char *path);
/* Remove stale "*.tmp" files left by an interrupted write. */
int atomic_clean_tmp(const char *dir);

#endif
