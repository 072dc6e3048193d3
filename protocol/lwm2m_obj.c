/* lwm2m_obj.c - the object tree (lwm2m_obj.h). */
#include "lwm2m_obj.h"

#include <string.h>

void lwm2m_tree_init(lwm2m_tree *t)
{
    memset(t, 0, sizeof *t);
    lwm2m_list_init(&t->values);
}

void lwm2m_tree_free(lwm2m_tree *t)
{
    lwm2m_list_free(&t->values);
    memset(t, 0, sizeof *t);
}

const lwm2m_obj_def *lwm2m_tree_obj_def(const lwm2m_tree *t, uint16_t obj)
{
    for (size_t i = 0; i < t->nobj; i++)
        if (t->obj[i]->id == obj)
            return t->obj[i];
    return NULL;
}

static long listing_index(const lwm2m_tree *t, const lwm2m_path *p)
{
    for (size_t i = 0; i < t->nlisting; i++)
        if (lwm2m_path_equal(&t->listing[i], p))
            return (long)i;
    return -1;
}

int lwm2m_tree_add_object(lwm2m_tree *t, const lwm2m_obj_def *def)
{
    if (!def)
        return LWM2M_E_INVALID;
    if (lwm2m_tree_obj_def(t, def->id))
        return LWM2M_E_FORMAT;
    if (t->nobj == LWM2M_TREE_MAX_OBJECTS || t->nlisting == LWM2M_TREE_MAX_INSTANCES)
        return LWM2M_E_LIMIT;
    t->obj[t->nobj++] = def;
    t->listing[t->nlisting++] = lwm2m_path_o(def->id);
    return LWM2M_OK;
}

bool lwm2m_tree_has_instance(const lwm2m_tree *t, uint16_t obj, uint16_t inst)
{
    lwm2m_path p = lwm2m_path_oi(obj, inst);
    return listing_index(t, &p) >= 0;
}

static size_t instance_count(const lwm2m_tree *t, uint16_t obj)
{
    size_t n = 0;
    for (size_t i = 0; i < t->nlisting; i++)
        if (t->listing[i].depth == 2 && t->listing[i].id[0] == obj)
            n++;
    return n;
}

int lwm2m_tree_add_instance(lwm2m_tree *t, uint16_t obj, uint16_t inst)
{
    const lwm2m_obj_def *d = lwm2m_tree_obj_def(t, obj);
    if (!d)
        return LWM2M_E_NOTFOUND;
    if (inst > LWM2M_ID_MAX)
        return LWM2M_E_PATH;
    if (lwm2m_tree_has_instance(t, obj, inst) || (!d->multiple && instance_count(t, obj) > 0))
        return LWM2M_E_FORMAT;
    lwm2m_path op = lwm2m_path_o(obj);
    long oi = listing_index(t, &op);
    if (oi >= 0) { /* the object's first instance takes its place */
        t->listing[oi] = lwm2m_path_oi(obj, inst);
        return LWM2M_OK;
    }
    if (t->nlisting == LWM2M_TREE_MAX_INSTANCES)
        return LWM2M_E_LIMIT;
    /* after the object's last instance: an object's instances stay together */
    size_t at = t->nlisting;
    for (size_t i = 0; i < t->nlisting; i++)
        if (t->listing[i].id[0] == obj)
            at = i + 1;
    memmove(&t->listing[at + 1], &t->listing[at], (t->nlisting - at) * sizeof t->listing[0]);
    t->listing[at] = lwm2m_path_oi(obj, inst);
    t->nlisting++;
    return LWM2M_OK;
}

const lwm2m_res_def *lwm2m_tree_res_def(const lwm2m_tree *t, const lwm2m_path *p)
{
    if (p->depth < 3)
        return NULL;
    return lwm2m_objdef_res(lwm2m_tree_obj_def(t, p->id[0]), p->id[2]);
}

int lwm2m_tree_type_of(void *tree, uint16_t obj, uint16_t res)
{
    const lwm2m_res_def *r = lwm2m_objdef_res(lwm2m_tree_obj_def(tree, obj), res);
    return r ? (int)r->type : LWM2M_E_NOTFOUND;
}

static long value_index(const lwm2m_tree *t, const lwm2m_path *p)
{
    for (size_t i = 0; i < t->values.len; i++)
        if (lwm2m_path_equal(&t->values.items[i].path, p))
            return (long)i;
    return -1;
}

/* Checks that p names a resource (or resource instance) the tree can hold. */
static int check_res_path(const lwm2m_tree *t, const lwm2m_path *p, const lwm2m_res_def **out)
{
    if (p->depth < 3 || !lwm2m_path_valid(p))
        return LWM2M_E_PATH;
    if (!lwm2m_tree_has_instance(t, p->id[0], p->id[1]))
        return LWM2M_E_NOTFOUND;
    const lwm2m_res_def *r = lwm2m_tree_res_def(t, p);
    if (!r)
        return LWM2M_E_NOTFOUND;
    if (r->multiple != (p->depth == 4) || r->type == LWM2M_T_NONE)
        return LWM2M_E_PATH;
    *out = r;
    return LWM2M_OK;
}

int lwm2m_tree_set(lwm2m_tree *t, const lwm2m_path *p, const lwm2m_value *v)
{
    const lwm2m_res_def *r;
    int rc = check_res_path(t, p, &r);
    if (rc < 0)
        return rc;
    lwm2m_value conv;
    bytebuf scratch;
    bytebuf_init(&scratch);
    rc = lwm2m_value_coerce(v, r->type, &conv, &scratch);
    if (rc == LWM2M_OK) {
        long i = value_index(t, p);
        if (i >= 0) {
            rc = lwm2m_list_set_value(&t->values, (size_t)i, &conv);
        } else {
            if (p->depth == 4) { /* an empty multiple resource gets its first instance */
                lwm2m_path res = *p;
                res.depth = 3;
                res.id[3] = LWM2M_ID_NONE;
                if (value_index(t, &res) >= 0)
                    lwm2m_tree_remove(t, &res);
            }
            rc = lwm2m_list_add(&t->values, p, &conv);
        }
    }
    bytebuf_free(&scratch);
    return rc;
}

int lwm2m_tree_set_empty(lwm2m_tree *t, const lwm2m_path *res)
{
    lwm2m_path inst = *res;
    inst.depth = 4;
    inst.id[3] = 0;
    const lwm2m_res_def *r;
    int rc = check_res_path(t, &inst, &r);
    if (rc < 0)
        return rc;
    lwm2m_tree_remove(t, res);
    lwm2m_value none = lwm2m_v_none();
    return lwm2m_list_add(&t->values, res, &none);
}

void lwm2m_tree_remove(lwm2m_tree *t, const lwm2m_path *p)
{
    /* Rebuild without the entries under p: values are few (a few hundred),
     * and removal is rare (a write replacing a multiple resource). */
    lwm2m_list keep;
    lwm2m_list_init(&keep);
    lwm2m_list_set_limits(&keep, t->values.max_items, t->values.max_bytes);
    int removed = 0;
    for (size_t i = 0; i < t->values.len; i++) {
        const lwm2m_entry *e = &t->values.items[i];
        if (lwm2m_path_is_under(&e->path, p)) {
            removed = 1;
            continue;
        }
        if (lwm2m_list_add(&keep, &e->path, &e->value) < 0) {
            lwm2m_list_free(&keep); /* out of memory: leave the tree as it was */
            return;
        }
    }
    if (!removed) {
        lwm2m_list_free(&keep);
        return;
    }
    lwm2m_list_free(&t->values);
    t->values = keep;
}

const lwm2m_value *lwm2m_tree_get(const lwm2m_tree *t, const lwm2m_path *p)
{
    long i = value_index(t, p);
    return i >= 0 ? &t->values.items[i].value : NULL;
}

int64_t lwm2m_tree_get_int(const lwm2m_tree *t, const lwm2m_path *p, int64_t dflt)
{
    const lwm2m_value *v = lwm2m_tree_get(t, p);
    lwm2m_value out;
    if (!v || lwm2m_value_coerce(v, LWM2M_T_INTEGER, &out, NULL) != LWM2M_OK)
        return dflt;
    return out.v.i;
}

bool lwm2m_tree_get_bool(const lwm2m_tree *t, const lwm2m_path *p, bool dflt)
{
    const lwm2m_value *v = lwm2m_tree_get(t, p);
    return v && v->type == LWM2M_T_BOOLEAN ? v->v.b : dflt;
}

const char *lwm2m_tree_get_str(const lwm2m_tree *t, const lwm2m_path *p, char *buf, size_t size)
{
    const lwm2m_value *v = lwm2m_tree_get(t, p);
    if (size == 0)
        return buf;
    buf[0] = 0;
    if (v && (v->type == LWM2M_T_STRING || v->type == LWM2M_T_OPAQUE)) {
        size_t n = v->v.bytes.len < size - 1 ? v->v.bytes.len : size - 1;
        if (n)
            memcpy(buf, v->v.bytes.p, n);
        buf[n] = 0;
    }
    return buf;
}

static bool has_value_under(const lwm2m_tree *t, const lwm2m_path *p)
{
    for (size_t i = 0; i < t->values.len; i++)
        if (lwm2m_path_is_under(&t->values.items[i].path, p))
            return true;
    return false;
}

bool lwm2m_tree_exists(const lwm2m_tree *t, const lwm2m_path *p)
{
    if (p->depth == 0)
        return true;
    if (!lwm2m_path_valid(p) || !lwm2m_tree_obj_def(t, p->id[0]))
        return false;
    if (p->depth == 1)
        return true;
    if (!lwm2m_tree_has_instance(t, p->id[0], p->id[1]))
        return false;
    if (p->depth == 2)
        return true;
    const lwm2m_res_def *r = lwm2m_tree_res_def(t, p);
    if (!r)
        return false;
    if (p->depth == 3 && r->type == LWM2M_T_NONE)
        return true; /* executable */
    if (p->depth == 4 && !r->multiple)
        return false;
    return has_value_under(t, p);
}

int lwm2m_tree_read(const lwm2m_tree *t, const lwm2m_path *p, unsigned ops, lwm2m_list *out)
{
    if (!lwm2m_tree_exists(t, p))
        return LWM2M_E_NOTFOUND;
    size_t start = out->len;
    for (size_t i = 0; i < t->values.len; i++) {
        const lwm2m_entry *e = &t->values.items[i];
        if (!lwm2m_path_is_under(&e->path, p))
            continue;
        const lwm2m_res_def *r = lwm2m_tree_res_def(t, &e->path);
        if (ops && (!r || !(r->ops & ops)))
            continue;
        int rc = lwm2m_list_add(out, &e->path, &e->value);
        if (rc < 0) {
            lwm2m_list_truncate(out, start);
            return rc;
        }
    }
    return LWM2M_OK;
}

size_t lwm2m_tree_listing(const lwm2m_tree *t, const lwm2m_path **out)
{
    *out = t->listing;
    return t->nlisting;
}

static int add_link(lwm2m_links *out, const lwm2m_path *p, int dim)
{
    lwm2m_link k;
    memset(&k, 0, sizeof k);
    k.path = *p;
    if (dim >= 0) {
        k.attrs.set |= LWM2M_ATTR_DIM;
        k.attrs.dim = (uint16_t)dim;
    }
    return lwm2m_links_add(out, &k);
}

static int discover_instance(const lwm2m_tree *t, uint16_t obj, uint16_t inst, lwm2m_links *out)
{
    const lwm2m_obj_def *d = lwm2m_tree_obj_def(t, obj);
    for (size_t r = 0; r < d->nres; r++) {
        lwm2m_path rp = lwm2m_path_oir(obj, inst, d->res[r].id);
        if (!lwm2m_tree_exists(t, &rp))
            continue;
        int dim = -1;
        if (d->res[r].multiple) {
            dim = 0;
            for (size_t i = 0; i < t->values.len; i++)
                if (t->values.items[i].path.depth == 4 &&
                    lwm2m_path_is_under(&t->values.items[i].path, &rp))
                    dim++;
        }
        int rc = add_link(out, &rp, dim);
        if (rc < 0)
            return rc;
    }
    return LWM2M_OK;
}

int lwm2m_tree_discover(const lwm2m_tree *t, const lwm2m_path *p, lwm2m_links *out)
{
    if (p->depth == 0 || p->depth > 3 || !lwm2m_tree_exists(t, p))
        return LWM2M_E_NOTFOUND;
    size_t start = out->len;
    int rc = LWM2M_OK;
    if (p->depth == 3) {
        lwm2m_links one;
        lwm2m_links_init(&one);
        rc = discover_instance(t, p->id[0], p->id[1], &one);
        for (size_t i = 0; rc == LWM2M_OK && i < one.len; i++)
            if (lwm2m_path_equal(&one.items[i].path, p))
                rc = lwm2m_links_add(out, &one.items[i]);
        lwm2m_links_free(&one);
    } else {
        rc = add_link(out, p, -1);
        for (size_t i = 0; rc == LWM2M_OK && i < t->nlisting; i++) {
            const lwm2m_path *ip = &t->listing[i];
            if (ip->depth == 2 && lwm2m_path_is_under(ip, p)) {
                if (p->depth == 1)
                    rc = add_link(out, ip, -1);
                if (rc == LWM2M_OK)
                    rc = discover_instance(t, ip->id[0], ip->id[1], out);
            }
        }
    }
    if (rc < 0)
        out->len = start;
    return rc;
}
