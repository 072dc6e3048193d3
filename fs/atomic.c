/* atomic.c - temp file, fsync, rename, fsync(dir). */
#include "atomic.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int join(char *out, size_t size, const char *dir, const char *name, const char *suffix)
{
    int n = snprintf(out, size, "%s/%s%s", dir, name, suffix);
    return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int rc = fsync(fd) ? -errno : 0;
    close(fd);
    return rc;
}

int atomic_file_open(atomic_file *af, const char *dir, const char *name, const char *tag)
{
    char tmp[PATH_MAX];
    af->fd = -1;
    af->end = af->flushed = 0;
    if (snprintf(af->dir, sizeof(af->dir), "%s", dir) >= (int)sizeof(af->dir) ||
        snprintf(af->name, sizeof(af->name), "%s", name) >= (int)sizeof(af->name) ||
        snprintf(af->tmp, sizeof(af->tmp), "%s%s%s.tmp", name, tag ? "." : "", tag ? tag : "") >=
            (int)sizeof(af->tmp))
        return -ENAMETOOLONG;
    int rc = join(tmp, sizeof(tmp), dir, af->tmp, "");
    if (rc)
        return rc;
    /* Never through a link: a planted "<name>.tmp" symlink would make the
     * write land on its target.  A leftover temp file (of any kind) goes;
     * unlink removes a link itself, not what it points at. */
    for (int tries = 0; tries < 2; tries++) {
        af->fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (af->fd >= 0 || errno != EEXIST)
            break;
        if (unlink(tmp) && errno != ENOENT)
            return -errno;
    }
    return af->fd < 0 ? -errno : 0;
}

int atomic_file_append(atomic_file *af, const void *data, size_t len)
{
    int rc = write_all(af->fd, data, len);
    if (!rc)
        af->end += (off_t)len;
    return rc;
}

int atomic_file_pwrite(atomic_file *af, const void *data, size_t len, off_t off)
{
    const char *p = data;
    while (len) {
        ssize_t w = pwrite(af->fd, p, len, off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += w;
        off += w;
        len -= (size_t)w;
    }
    return 0;
}

void atomic_file_writeback(atomic_file *af)
{
    if (af->end > af->flushed) {
        /* A hint only: when it fails, the final fsync does all the work. */
        sync_file_range(af->fd, af->flushed, af->end - af->flushed, SYNC_FILE_RANGE_WRITE);
        af->flushed = af->end;
    }
}

void atomic_file_abort(atomic_file *af)
{
    char tmp[PATH_MAX];
    if (af->fd >= 0)
        close(af->fd);
    af->fd = -1;
    if (!join(tmp, sizeof(tmp), af->dir, af->tmp, ""))
        unlink(tmp);
}

int atomic_file_commit(atomic_file *af)
{
    char tmp[PATH_MAX], dst[PATH_MAX];
    int rc = fsync(af->fd) ? -errno : 0;
    if (close(af->fd) && !rc)
        rc = -errno;
    af->fd = -1;
    if (!rc)
        rc = join(tmp, sizeof(tmp), af->dir, af->tmp, "");
    if (!rc)
        rc = join(dst, sizeof(dst), af->dir, af->name, "");
    if (!rc && rename(tmp, dst))
        rc = -errno;
    if (rc) {
        atomic_file_abort(af);
        return rc;
    }
    return fsync_dir(af->dir);
}

int atomic_write_file(const char *dir, const char *name, const void *data, size_t len)
{
    atomic_file af;
    int rc = atomic_file_open(&af, dir, name, NULL);
    if (!rc)
        rc = atomic_file_append(&af, data, len);
    if (rc) {
        atomic_file_abort(&af);
        return rc;
    }
    return atomic_file_commit(&af);
}

int atomic_remove_file(const char *dir, const char *name)
{
    char path[PATH_MAX];
    int rc = join(path, sizeof(path), dir, name, "");
    if (rc)
        return rc;
    if (unlink(path) && errno != ENOENT)
        return -errno;
    return fsync_dir(dir);
}

int atomic_read_file(const char *dir, const char *name, size_t max, char **data, size_t *len)
{
    char path[PATH_MAX];
    int rc = join(path, sizeof(path), dir, name, "");
    if (rc)
        return rc;
    /* O_NONBLOCK: a FIFO planted under this name must not hang the open;
     * O_NOFOLLOW: nor may a link lead the module out of its directory. */
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return errno == ELOOP ? -EINVAL : -errno;
    struct stat st;
    if (fstat(fd, &st))
        rc = -errno;
    else if (!S_ISREG(st.st_mode))
        rc = -EINVAL;
    else if ((uint64_t)st.st_size > max)
        rc = -EFBIG;
    if (rc) {
        close(fd);
        return rc;
    }
    size_t size = (size_t)st.st_size;
    char *buf = malloc(size + 1);
    if (!buf) {
        close(fd);
        return -ENOMEM;
    }
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    buf[got] = 0;
    *data = buf;
    *len = got;
    return 0;
}

int atomic_mkdirs(const char *path)
{
    char buf[PATH_MAX];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof(buf))
        return -ENAMETOOLONG;
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] == '/' || buf[i] == 0) {
            char saved = buf[i];
            buf[i] = 0;
            if (mkdir(buf, 0700) && errno != EEXIST)
                return -errno;
            buf[i] = saved;
        }
    }
    return 0;
}

int atomic_clean_tmp(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -errno;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l > 4 && strcmp(e->d_name + l - 4, ".tmp") == 0) {
            char path[PATH_MAX];
            if (!join(path, sizeof(path), dir, e->d_name, ""))
                unlink(path);
        }
    }
    closedir(d);
    return 0;
}
