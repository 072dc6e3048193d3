/* fs.c - tagged flash file system with capacity accounting and one atomic
 * blob per file.  See fs.h for the contract, docs/filesystem.md for the
 * on-disk layout. */
#include "fs.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "atomic.h"

#define BLOB_MAGIC "SARASIM-FS 1\n"
#define BLOB_SUFFIX ".f"
#define BLOB_NAME_LEN (64 + 2) /* sha-256 hex + ".f" */
#define HEADER_MAX 1024

/* ---------------- tags and names ---------------- */

static const struct {
    const char *name;
    int host; /* a host may name it in an AT command */
} tags[FS_TAG__COUNT] = {
    [FS_TAG_USER] = { "USER", 1 },
    [FS_TAG_FOAT] = { "FOAT", 1 },
    [FS_TAG_LWM2M] = { "XLWM2M", 1 },
    [FS_TAG_ROT] = { "ROT", 0 },
    [FS_TAG_SEC] = { "SEC", 0 },
};

const char *fs_tag_name(fs_tag tag) { return tag < FS_TAG__COUNT ? tags[tag].name : "?"; }

int fs_tag_parse(const char *s, size_t len, int host_only, fs_tag *out)
{
    for (int t = 0; t < FS_TAG__COUNT; t++) {
        if (host_only && !tags[t].host)
            continue;
        if (strlen(tags[t].name) == len && memcmp(tags[t].name, s, len) == 0) {
            *out = (fs_tag)t;
            return 0;
        }
    }
    return -EINVAL;
}

/* Length of the UTF-8 sequence at p (at most n bytes), 0 if it is not a
 * well-formed one: no overlong forms (0xC0 0xAF would be '/'), no
 * surrogates, nothing above U+10FFFF. */
static size_t utf8_seq(const uint8_t *p, size_t n)
{
    uint8_t c = p[0];
    size_t len;
    uint32_t min, cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2, min = 0x80, cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3, min = 0x800, cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4, min = 0x10000, cp = c & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

int fs_name_check(const char *name, size_t len)
{
    const uint8_t *p = (const uint8_t *)name;
    if (len == 0 || len > FS_NAME_MAX)
        return -EINVAL;
    if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
        return -EINVAL;
    for (size_t i = 0; i < len;) {
        if (p[i] < 0x20 || p[i] == 0x7F || strchr("/\\*:%|\"<>?", p[i]))
            return -EINVAL; /* strchr also matches the NUL byte */
        size_t k = utf8_seq(p + i, len - i);
        if (!k)
            return -EINVAL;
        i += k;
    }
    return 0;
}

const char *fs_stored_name(fs_tag tag, const char *name)
{
    return tag == FS_TAG_FOAT ? FS_FOAT_NAME : name;
}

void fs_name_escape(const char *name, char *buf, size_t size)
{
    size_t o = 0;
    if (!size)
        return;
    for (const uint8_t *p = (const uint8_t *)name; *p; p++) {
        int plain = *p > 0x20 && *p < 0x7F && *p != '=';
        if (o + (plain ? 1 : 3) >= size)
            break;
        if (plain)
            buf[o++] = (char)*p;
        else
            o += (size_t)snprintf(buf + o, size - o, "%%%02X", *p);
    }
    buf[o] = 0;
}

/* ---------------- lifecycle ---------------- */

int fs_init(fs *f, const char *state_dir, size_t capacity)
{
    memset(f, 0, sizeof(*f));
    f->capacity = capacity;
    f->next_seq = 1;
    if (!state_dir)
        return 0;
    size_t n = strlen(state_dir) + 4;
    f->dir = malloc(n);
    if (!f->dir)
        return -ENOMEM;
    snprintf(f->dir, n, "%s/fs", state_dir);
    int rc = atomic_mkdirs(f->dir);
    struct stat st;
    /* the files stay inside the state dir: "fs" must be a directory there,
     * not a link to somewhere else */
    if (!rc && (lstat(f->dir, &st) || !S_ISDIR(st.st_mode)))
        rc = -ENOTDIR;
    if (rc) {
        free(f->dir);
        f->dir = NULL;
    }
    return rc;
}

static void file_free(fs_file *file)
{
    free(file->name);
    free(file->data);
    file->name = NULL;
    file->data = NULL;
}

static void forget_all(fs *f)
{
    for (size_t i = 0; i < f->count; i++)
        file_free(&f->files[i]);
    f->count = 0;
    f->used = 0;
}

void fs_free(fs *f)
{
    forget_all(f);
    free(f->files);
    free(f->dir);
    memset(f, 0, sizeof(*f));
}

size_t fs_free_space(const fs *f)
{
    size_t taken = f->used + f->reserved;
    return taken < f->capacity ? f->capacity - taken : 0;
}

/* ---------------- the in-memory index ---------------- */

static fs_file *find_file(const fs *f, fs_tag tag, const char *name)
{
    for (size_t i = 0; i < f->count; i++)
        if (f->files[i].tag == tag && strcmp(f->files[i].name, name) == 0)
            return &f->files[i];
    return NULL;
}

const fs_file *fs_find(const fs *f, fs_tag tag, const char *name) { return find_file(f, tag, name); }

const fs_file *fs_next(const fs *f, fs_tag tag, size_t *iter)
{
    while (*iter < f->count) {
        const fs_file *file = &f->files[(*iter)++];
        if (file->tag == tag)
            return file;
    }
    return NULL;
}

/* Insert keeping creation order (files arrive in order, except at load). */
static int index_add(fs *f, fs_file *file)
{
    if (f->count == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 16;
        fs_file *nf = realloc(f->files, cap * sizeof(*nf));
        if (!nf)
            return -ENOMEM;
        f->files = nf;
        f->cap = cap;
    }
    size_t at = f->count;
    while (at > 0 && f->files[at - 1].seq > file->seq)
        at--;
    memmove(&f->files[at + 1], &f->files[at], (f->count - at) * sizeof(*f->files));
    f->files[at] = *file;
    f->count++;
    f->used += file->len;
    if (file->seq >= f->next_seq)
        f->next_seq = file->seq + 1;
    return 0;
}

static void index_remove(fs *f, fs_file *file)
{
    size_t at = (size_t)(file - f->files);
    f->used -= file->len;
    file_free(file);
    memmove(&f->files[at], &f->files[at + 1], (f->count - at - 1) * sizeof(*f->files));
    f->count--;
}

/* ---------------- blobs on disk ---------------- */

/* "<sha-256 of tag NUL name>.f": fixed length whatever the name holds. */
static int blob_name(fs_tag tag, const char *name, char out[BLOB_NAME_LEN + 1])
{
    const char *t = fs_tag_name(tag);
    size_t tl = strlen(t), nl = strlen(name);
    uint8_t key[16 + FS_NAME_MAX + 1];
    if (tl + 1 + nl > sizeof(key))
        return -EINVAL;
    memcpy(key, t, tl + 1);
    memcpy(key + tl + 1, name, nl);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!EVP_Digest(key, tl + 1 + nl, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
        return -EIO;
    for (unsigned i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    memcpy(out + 64, BLOB_SUFFIX, sizeof(BLOB_SUFFIX));
    return 0;
}

/* The blob header, always HEADER_MAX bytes: a "pad=" line fills it, so a
 * download can write its data behind the header as it arrives and the header
 * once the size and CRC are known. */
static int blob_header(char hdr[HEADER_MAX], fs_tag tag, uint64_t seq, size_t size, unsigned long crc,
                       const char *name)
{
    int h = snprintf(hdr, HEADER_MAX, BLOB_MAGIC "tag=%s\nseq=%" PRIu64 "\nsize=%zu\ncrc32=%08lx\nname=",
                     fs_tag_name(tag), seq, size, crc);
    for (const uint8_t *p = (const uint8_t *)name; *p; p++)
        h += snprintf(hdr + h, HEADER_MAX - (size_t)h, "%02x", *p);
    h += snprintf(hdr + h, HEADER_MAX - (size_t)h, "\npad=");
    if (h + 2 > HEADER_MAX)
        return -EINVAL;
    memset(hdr + h, ' ', (size_t)(HEADER_MAX - h - 2));
    memcpy(hdr + HEADER_MAX - 2, "\n\n", 2);
    return 0;
}

static unsigned long crc_of(const void *p, size_t n)
{
    return crc32(crc32(0L, Z_NULL, 0), (const Bytef *)p, (uInt)n);
}

static int blob_write(const fs *f, const fs_file *file)
{
    if (!f->dir)
        return 0;
    char bn[BLOB_NAME_LEN + 1], hdr[HEADER_MAX];
    int rc = blob_name(file->tag, file->name, bn);
    if (!rc)
        rc = blob_header(hdr, file->tag, file->seq, file->len, crc_of(file->data, file->len), file->name);
    if (rc)
        return rc;
    atomic_file af;
    rc = atomic_file_open(&af, f->dir, bn, NULL);
    if (!rc)
        rc = atomic_file_append(&af, hdr, sizeof(hdr));
    if (!rc)
        rc = atomic_file_append(&af, file->data, file->len);
    if (rc) {
        atomic_file_abort(&af);
        return rc;
    }
    return atomic_file_commit(&af);
}

static int blob_remove(const fs *f, const fs_file *file)
{
    if (!f->dir)
        return 0;
    char bn[BLOB_NAME_LEN + 1];
    int rc = blob_name(file->tag, file->name, bn);
    return rc ? rc : atomic_remove_file(f->dir, bn);
}

/* One "key=value\n" header line; *p advances past it. */
static int header_field(const char **p, const char *end, const char *key, const char **val, size_t *vlen)
{
    size_t kl = strlen(key);
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    if (!nl || (size_t)(nl - *p) < kl + 1 || memcmp(*p, key, kl) || (*p)[kl] != '=')
        return -EINVAL;
    *val = *p + kl + 1;
    *vlen = (size_t)(nl - *val);
    *p = nl + 1;
    return 0;
}

static int parse_u64(const char *s, size_t n, uint64_t *out)
{
    if (n == 0 || n > 19)
        return -EINVAL;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -EINVAL;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Decode a blob into file (malloc'd name and data).  Any inconsistency, a
 * blob stored under another file's name included, is -EINVAL. */
static int blob_parse(const char *bn, const char *text, size_t len, fs_file *file)
{
    const char *p = text, *end = text + (len < HEADER_MAX ? len : HEADER_MAX), *v;
    size_t vl, ml = strlen(BLOB_MAGIC);
    uint64_t seq, size, crc;
    if (len < ml || memcmp(p, BLOB_MAGIC, ml))
        return -EINVAL;
    p += ml;
    fs_tag tag;
    if (header_field(&p, end, "tag", &v, &vl) || fs_tag_parse(v, vl, 0, &tag) ||
        header_field(&p, end, "seq", &v, &vl) || parse_u64(v, vl, &seq) ||
        header_field(&p, end, "size", &v, &vl) || parse_u64(v, vl, &size) ||
        header_field(&p, end, "crc32", &v, &vl) || vl != 8 || sscanf(v, "%8" SCNx64, &crc) != 1 ||
        header_field(&p, end, "name", &v, &vl) || vl % 2 || vl / 2 > FS_NAME_MAX)
        return -EINVAL;
    const char *pad;
    size_t padlen;
    if (p < end && *p == 'p' && header_field(&p, end, "pad", &pad, &padlen))
        return -EINVAL;
    if (p >= end || *p != '\n')
        return -EINVAL;
    p++;
    char name[FS_NAME_MAX + 1];
    for (size_t i = 0; i < vl / 2; i++) {
        int hi = hexval(v[2 * i]), lo = hexval(v[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -EINVAL;
        name[i] = (char)(hi << 4 | lo);
    }
    name[vl / 2] = 0;
    char expect[BLOB_NAME_LEN + 1];
    size_t data_len = len - (size_t)(p - text);
    if (fs_name_check(name, vl / 2) || blob_name(tag, name, expect) || strcmp(expect, bn) ||
        size != data_len || crc != crc_of(p, data_len))
        return -EINVAL;
    file->tag = tag;
    file->seq = seq;
    file->len = data_len;
    file->name = strdup(name);
    file->data = malloc(data_len ? data_len : 1);
    if (!file->name || !file->data) {
        file_free(file);
        return -ENOMEM;
    }
    memcpy(file->data, p, data_len);
    return 0;
}

static int is_blob_name(const char *s)
{
    if (strlen(s) != BLOB_NAME_LEN || strcmp(s + 64, BLOB_SUFFIX))
        return 0;
    for (int i = 0; i < 64; i++)
        if (hexval(s[i]) < 0)
            return 0;
    return 1;
}

int fs_load(fs *f)
{
    if (!f->dir)
        return 0;
    forget_all(f);
    f->next_seq = 1;
    atomic_clean_tmp(f->dir); /* a write cut short before its rename */
    DIR *d = opendir(f->dir);
    if (!d)
        return -errno;
    int skipped = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!is_blob_name(e->d_name))
            continue;
        char *text;
        size_t len;
        fs_file file = { 0 };
        /* no blob is larger than the flash: a bigger file is junk */
        if (atomic_read_file(f->dir, e->d_name, HEADER_MAX + f->capacity, &text, &len)) {
            skipped++;
            continue;
        }
        int rc = blob_parse(e->d_name, text, len, &file);
        free(text);
        if (rc || find_file(f, file.tag, file.name) || index_add(f, &file)) {
            file_free(&file);
            skipped++;
        }
    }
    closedir(d);
    return skipped;
}

/* ---------------- changing files ---------------- */

/* Swap a new version of a file into the index (its blob is already on disk). */
static int index_replace(fs *f, fs_file *old, fs_file *nf)
{
    if (old)
        index_remove(f, old);
    int rc = index_add(f, nf);
    if (rc)
        file_free(nf);
    return rc;
}

/* The file as it would be after appending (or replacing with) len bytes. */
static int new_version(fs *f, fs_file *old, fs_tag tag, const char *name, const void *data, size_t len,
                       int append, fs_file *nf)
{
    size_t keep = old && append ? old->len : 0;
    *nf = (fs_file){ tag, strdup(name), malloc(keep + len + 1), keep + len, old ? old->seq : f->next_seq };
    if (!nf->name || !nf->data) {
        file_free(nf);
        return -ENOMEM;
    }
    if (keep)
        memcpy(nf->data, old->data, keep);
    if (len)
        memcpy(nf->data + keep, data, len);
    return 0;
}

int fs_put(fs *f, fs_tag tag, const char *name, const void *data, size_t len, int append)
{
    if (tag >= FS_TAG__COUNT || fs_name_check(name, strlen(name)))
        return -EINVAL;
    name = fs_stored_name(tag, name);
    fs_file *old = find_file(f, tag, name);
    size_t freed = old && !append ? old->len : 0;
    if (len > fs_free_space(f) + freed)
        return -ENOSPC;
    fs_file nf;
    int rc = new_version(f, old, tag, name, data, len, append, &nf);
    if (rc)
        return rc;
    rc = blob_write(f, &nf); /* disk first: memory never runs ahead of flash */
    if (rc) {
        file_free(&nf);
        return rc;
    }
    return index_replace(f, old, &nf);
}

int fs_delete(fs *f, fs_tag tag, const char *name)
{
    fs_file *file = find_file(f, tag, name);
    if (!file)
        return -ENOENT;
    int rc = blob_remove(f, file);
    if (rc)
        return rc;
    index_remove(f, file);
    return 0;
}

int fs_erase_tag(fs *f, fs_tag tag)
{
    int n = 0;
    for (size_t i = f->count; i-- > 0;) {
        if (f->files[i].tag != tag)
            continue;
        int rc = blob_remove(f, &f->files[i]);
        if (rc)
            return rc;
        index_remove(f, &f->files[i]);
        n++;
    }
    return n;
}

int fs_apply_reboot(fs *f, fs_reboot_kind kind)
{
    static const fs_tag user_areas[] = { FS_TAG_USER, FS_TAG_LWM2M, FS_TAG_FOAT };
    if (kind == FS_KEEP_FOR_UFOTA || kind == FS_KEEP_FOR_UFWINSTALL)
        return 0;
    int total = 0;
    for (size_t i = 0; i < sizeof(user_areas) / sizeof(user_areas[0]); i++) {
        int n = fs_erase_tag(f, user_areas[i]);
        if (n < 0)
            return n;
        total += n;
    }
    return total;
}

/* ---------------- downloads ---------------- */

/* With a state dir the download streams into the blob's temp file as it
 * arrives (behind a header written last), so completing it costs a fsync
 * and a rename, not writing the whole file. */
static int writer_stream_open(fs_writer *w)
{
    fs *f = w->f;
    const fs_file *old = find_file(f, w->tag, w->name);
    char bn[BLOB_NAME_LEN + 1], hdr[HEADER_MAX], tag[24];
    memset(hdr, ' ', sizeof(hdr));
    snprintf(tag, sizeof(tag), "dl%llu", (unsigned long long)++f->downloads);
    int rc = blob_name(w->tag, w->name, bn);
    if (!rc)
        rc = atomic_file_open(&w->af, f->dir, bn, tag);
    if (!rc)
        rc = atomic_file_append(&w->af, hdr, sizeof(hdr)); /* placeholder */
    w->base_len = old ? old->len : 0;
    w->base_seq = old ? old->seq : 0;
    w->crc = crc32(0L, Z_NULL, 0);
    if (!rc && old && old->len) { /* +UDWNFILE appends to an existing file */
        rc = atomic_file_append(&w->af, old->data, old->len);
        w->crc = crc32(w->crc, old->data, (uInt)old->len);
    }
    if (rc)
        atomic_file_abort(&w->af);
    w->streaming = !rc;
    return rc;
}

int fs_writer_begin(fs_writer *w, fs *f, fs_tag tag, const char *name, size_t len, size_t size)
{
    memset(w, 0, sizeof(*w));
    if (tag >= FS_TAG__COUNT || fs_name_check(name, len))
        return -EINVAL;
    if (size > fs_free_space(f))
        return -ENOSPC;
    w->buf = malloc(size ? size : 1);
    if (!w->buf)
        return -ENOMEM;
    char given[FS_NAME_MAX + 1];
    memcpy(given, name, len);
    given[len] = 0;
    snprintf(w->name, sizeof(w->name), "%s", fs_stored_name(tag, given));
    w->f = f;
    w->tag = tag;
    w->want = size;
    w->cap = size;
    /* Streaming is an optimisation: when the temp file cannot be opened
     * the bytes are collected in memory and the store error comes at the
     * end, as it would on the module. */
    if (f->dir)
        writer_stream_open(w);
    w->active = 1;
    f->reserved += size;
    return 0;
}

#define WRITEBACK_STEP (256u << 10)

/* Write what has arrived since the last call to the temp file and start its
 * writeback; done in large steps so a download costs few system calls. */
static void writer_stream_push(fs_writer *w)
{
    size_t n = w->got - w->pushed;
    if (!n || w->stream_error)
        return;
    w->stream_error = atomic_file_append(&w->af, w->buf + w->pushed, n);
    w->crc = crc32(w->crc, w->buf + w->pushed, (uInt)n);
    w->pushed = w->got;
    atomic_file_writeback(&w->af);
}

int fs_writer_begin_unsized(fs_writer *w, fs *f, fs_tag tag, const char *name, size_t len)
{
    int rc = fs_writer_begin(w, f, tag, name, len, 0);
    if (rc == 0)
        w->unsized = 1;
    return rc;
}

/* Unsized: reserve room for n more bytes, as far as the flash has it. */
static size_t writer_grow(fs_writer *w, size_t n)
{
    size_t room = fs_free_space(w->f);
    if (n > room)
        n = room;
    if (w->got + n > w->cap) {
        size_t cap = w->cap ? w->cap : 4096;
        while (cap < w->got + n)
            cap *= 2;
        uint8_t *b = realloc(w->buf, cap);
        if (!b)
            return 0;
        w->buf = b;
        w->cap = cap;
    }
    w->want += n;
    w->f->reserved += n;
    return n;
}

size_t fs_writer_feed(fs_writer *w, const void *p, size_t n)
{
    if (!w->active)
        return 0;
    if (w->unsized)
        n = writer_grow(w, n);
    size_t take = w->want - w->got < n ? w->want - w->got : n;
    memcpy(w->buf + w->got, p, take);
    w->got += take;
    if (w->streaming && w->got - w->pushed >= WRITEBACK_STEP)
        writer_stream_push(w);
    return take;
}

static void writer_release(fs_writer *w)
{
    if (!w->active)
        return;
    if (w->streaming)
        atomic_file_abort(&w->af);
    w->streaming = 0;
    w->f->reserved -= w->want;
    free(w->buf);
    w->buf = NULL;
    w->active = 0;
}

/* Finish the streamed blob: header, fsync, rename. */
static int writer_stream_commit(fs_writer *w, const fs_file *nf)
{
    char hdr[HEADER_MAX];
    writer_stream_push(w);
    int rc = w->stream_error;
    if (!rc)
        rc = blob_header(hdr, nf->tag, nf->seq, nf->len, w->crc, nf->name);
    if (!rc)
        rc = atomic_file_pwrite(&w->af, hdr, sizeof(hdr), 0);
    if (rc) {
        atomic_file_abort(&w->af);
    } else {
        rc = atomic_file_commit(&w->af);
    }
    w->streaming = 0;
    return rc;
}

int fs_writer_commit(fs_writer *w)
{
    if (!fs_writer_complete(w))
        return -EINVAL;
    fs *f = w->f;
    fs_file *old = find_file(f, w->tag, w->name);
    int same_base = (old ? old->len : 0) == w->base_len && (!old || old->seq == w->base_seq);
    if (!w->streaming || !same_base) {
        /* memory only, or the file changed under the download (the other
         * UART): store the collected bytes the plain way */
        uint8_t *buf = w->buf;
        size_t got = w->got;
        w->buf = NULL; /* keep the bytes past the release */
        writer_release(w);
        int rc = fs_put(f, w->tag, w->name, buf, got, 1);
        free(buf);
        return rc;
    }
    writer_stream_push(w); /* everything on disk before the buffer changes hands */
    fs_file nf;
    int rc;
    if (!old) { /* a new file: its bytes are the download buffer itself */
        nf = (fs_file){ w->tag, strdup(w->name), w->buf, w->got, f->next_seq };
        w->buf = NULL;
        rc = nf.name ? 0 : -ENOMEM;
    } else {
        rc = new_version(f, old, w->tag, w->name, w->buf, w->got, 1, &nf);
    }
    if (!rc)
        rc = writer_stream_commit(w, &nf);
    else
        atomic_file_abort(&w->af);
    w->streaming = 0;
    writer_release(w);
    if (rc) {
        file_free(&nf);
        return rc;
    }
    return index_replace(f, old, &nf);
}

void fs_writer_abort(fs_writer *w) { writer_release(w); }
