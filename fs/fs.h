/* fs.h - the module's flash file system: tagged files, capacity, atomic
 * persistence.  Sans-I/O towards the UART: the AT commands (sim/cmd_fs.c)
 * and the update engines call it; it only touches its own directory
 * <state_dir>/fs (or nothing at all with state_dir NULL).
 *
 * A file is identified by (tag, name).  Every file is held in memory (the
 * file system is about 1 MB) and, with a state dir, mirrored on disk the
 * moment it is complete: one blob per file, written atomically (temp file,
 * fsync, rename), so a kill -9 at any instant leaves each file either as it
 * was or as it became, never a mix.  docs/filesystem.md has the disk layout.
 *
 * Errors are -errno: -EINVAL bad name, -ENOSPC not enough free space,
 * -ENOENT no such file, -EPERM tag not usable here, -EIO/-ENOMEM/... disk or
 * memory trouble.
 */
#ifndef SARASIM_FS_H
#define SARASIM_FS_H

#include <stddef.h>
#include <stdint.h>

#include "atomic.h"

/* Longest file name the module takes, in bytes (ubxlib's
 * U_CELL_FILE_NAME_MAX_LENGTH, the u-blox manuals' 248 characters). */
#define FS_NAME_MAX 248
/* Name every FOAT-tagged download is stored under ([AN] Table 12). */
#define FS_FOAT_NAME "updatePackage.bin"

/* Tags.  The first three are what a host may write in an AT command; the
 * last two are the module's own areas, reachable only through this API
 * (the RoT firmware update file lives in "a protected folder not directly
 * accessible by the user", [AN] §8; certificates and keys belong to
 * +USECMNG), but they take space like any file. */
typedef enum fs_tag {
    FS_TAG_USER = 0, /* "USER": default when a command omits the tag */
    FS_TAG_FOAT,     /* "FOAT": firmware package for +UFWINSTALL */
    FS_TAG_LWM2M,    /* "XLWM2M": LwM2M client files */
    FS_TAG_ROT,      /* internal: RoT firmware update file */
    FS_TAG_SEC,      /* internal: user certificates and private keys */
    FS_TAG__COUNT
} fs_tag;

/* Canonical tag text ("USER", ...). */
const char *fs_tag_name(fs_tag tag);
/* Parse a tag as an AT command gives it (exact, upper case).  With
 * host_only, the internal tags are unknown too.  0 or -EINVAL. */
int fs_tag_parse(const char *s, size_t len, int host_only, fs_tag *out);

/* 0 if name (len bytes, no terminator needed) is a name the module accepts:
 * 1..FS_NAME_MAX bytes of valid UTF-8, none of / \ * : % | " < > ? nor
 * control characters, and not "." or "..".  -EINVAL otherwise. */
int fs_name_check(const char *name, size_t len);
/* The name a file written under (tag, name) is stored as. */
const char *fs_stored_name(fs_tag tag, const char *name);
/* name with bytes outside '!'..'~' and '=' written as %XX, for trace lines
 * whose values may not hold spaces ('%' never occurs in a valid name). */
void fs_name_escape(const char *name, char *buf, size_t size);

typedef struct fs_file {
    fs_tag tag;
    char *name;
    uint8_t *data;
    size_t len;
    uint64_t seq; /* creation order: listings keep it */
} fs_file;

typedef struct fs {
    char *dir;        /* <state_dir>/fs, or NULL: memory only */
    size_t capacity;  /* bytes of file data the flash holds */
    size_t used;      /* bytes held by files */
    size_t reserved;  /* bytes promised to downloads in progress */
    fs_file *files;   /* in creation order */
    size_t count, cap;
    uint64_t next_seq;
    uint64_t downloads;   /* numbers the temp files of downloads in progress */
} fs;

/* state_dir NULL: the files live in memory only (unit tests, fuzzing). */
int fs_init(fs *f, const char *state_dir, size_t capacity);
void fs_free(fs *f);
/* Power-on: forget what memory holds and read the flash (a memory-only fs
 * keeps its files).  Leftover temp files of an interrupted write are
 * removed; a damaged blob is skipped.  Returns how many blobs were skipped
 * (>= 0) or -errno when the directory cannot be read. */
int fs_load(fs *f);

size_t fs_free_space(const fs *f);
const fs_file *fs_find(const fs *f, fs_tag tag, const char *name);
/* Files of one tag in creation order: start with *iter = 0; NULL at the end. */
const fs_file *fs_next(const fs *f, fs_tag tag, size_t *iter);

/* Store a whole file (FOAT: under FS_FOAT_NAME), replacing it, or appending
 * to it when append is set.  The new bytes must fit in the free space. */
int fs_put(fs *f, fs_tag tag, const char *name, const void *data, size_t len, int append);
int fs_delete(fs *f, fs_tag tag, const char *name);
/* Delete every file of a tag; returns how many went (or -errno). */
int fs_erase_tag(fs *f, fs_tag tag);

/* Table 16 of [AN] §9: what the file system keeps across each kind of
 * update, applied by the update engines when the module reboots into the new
 * firmware.  USER and LwM2M files (and the FOAT area) are kept by uFOTA and
 * +UFWINSTALL and erased by FOAT (+UFWUPD) and EasyFlash; certificates, keys
 * and the RoT file are always kept (a new RoT file arrives with the firmware
 * through fs_put).  FS_ERASE_FOR_FACTORY is +UFACTORY's fs_op 2: every file a
 * host can reach goes. */
typedef enum fs_reboot_kind {
    FS_KEEP_FOR_UFOTA,
    FS_KEEP_FOR_UFWINSTALL,
    FS_ERASE_FOR_FOAT,
    FS_ERASE_FOR_EASYFLASH,
    FS_ERASE_FOR_FACTORY,
} fs_reboot_kind;
/* Returns how many files were erased, or -errno. */
int fs_apply_reboot(fs *f, fs_reboot_kind kind);

/* A download in progress (+UDWNFILE): space is reserved at begin, bytes are
 * collected in memory, and the file changes only at commit, so a download
 * that never completes leaves nothing behind. */
typedef struct fs_writer {
    fs *f;
    fs_tag tag;
    char name[FS_NAME_MAX + 1]; /* the stored name */
    uint8_t *buf;
    size_t want, got;
    size_t cap;           /* bytes buf holds */
    int unsized;          /* the size is not known up front (a chunked HTTP body, FTP without SIZE) */
    int active;
    /* with a state dir: the blob is written as the bytes arrive */
    int streaming;
    int stream_error;     /* first write error, reported at commit */
    size_t pushed;        /* bytes of buf already written to the temp file */
    atomic_file af;
    unsigned long crc;
    size_t base_len;      /* the file appended to, as it was at begin */
    uint64_t base_seq;
} fs_writer;

/* Checks the name and the free space, reserves size bytes.  0, -EINVAL,
 * -ENOSPC or -ENOMEM.  (name has len bytes.) */
int fs_writer_begin(fs_writer *w, fs *f, fs_tag tag, const char *name, size_t len, size_t size);
/* A download whose size is not known before its end: space is reserved as
 * the bytes arrive, and feed takes no more than the free space (a caller
 * that sees it take less than offered has filled the file system). */
int fs_writer_begin_unsized(fs_writer *w, fs *f, fs_tag tag, const char *name, size_t len);
/* Takes at most what is still missing; returns how many bytes it took. */
size_t fs_writer_feed(fs_writer *w, const void *p, size_t n);
static inline int fs_writer_complete(const fs_writer *w) { return w->active && w->got == w->want; }
/* Append the collected bytes to the file (creating it) and persist. */
int fs_writer_commit(fs_writer *w);
/* Drop the collected bytes; nothing changes. */
void fs_writer_abort(fs_writer *w);

#endif
