/* atomic.h - crash-safe file replacement for everything the module keeps in
 * flash.  A file is written to "<name>.tmp", fsync'd, renamed over <name>
 * and the directory fsync'd: after a kill -9 at any instant the old or the
 * new content is there, never a mix.  Errors are returned as -errno. */
#ifndef SARASIM_ATOMIC_H
#define SARASIM_ATOMIC_H

#include <stddef.h>

int atomic_write_file(const char *dir, const char *name, const void *data, size_t len);
/* Remove dir/name and fsync dir, so the removal survives a power cut.
 * A name that is already gone is not an error. */
int atomic_remove_file(const char *dir, const char *name);
/* Read a whole file into a malloc'd NUL-terminated buffer.  -ENOENT if absent. */
int atomic_read_file(const char *dir, const char *name, char **data, size_t *len);
/* mkdir -p for a directory path (mode 0700). */
int atomic_mkdirs(const char *path);
/* Remove stale "*.tmp" files left by an interrupted write. */
int atomic_clean_tmp(const char *dir);

#endif
