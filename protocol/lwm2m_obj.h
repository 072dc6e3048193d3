/* lwm2m_obj.h - LwM2M object definitions and an object tree, sans-I/O.
 *
 * Definitions (lwm2m_objdefs.c) are the OMA registry's description of the
 * objects a SARA-R5 exposes: for each resource its id, type, operations
 * (R, W, E) and whether it has instances.  They are constant data.
 *
 * A tree holds what a client has: which objects, which instances (in the
 * order they were added: the order +ULWM2MLIST and the registration payload
 * show) and the value of every resource (in the order they were set: the
 * order +ULWM2MREAD prints them, app note §3.6).  It knows nothing of CoAP,
 * servers or the module; the LwM2M client (lwm2m_client.h) serves it and
 * the module (sim/lwm2m.c) fills it.
 *
 * Errors are the LWM2M_E_* codes of lwm2m_data.h.
 */
#ifndef SARASIM_LWM2M_OBJ_H
#define SARASIM_LWM2M_OBJ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lwm2m_data.h"

/* Operations a resource allows (OMA object definitions). */
#define LWM2M_OP_R 1u
#define LWM2M_OP_W 2u
#define LWM2M_OP_E 4u
#define LWM2M_OP_RW (LWM2M_OP_R | LWM2M_OP_W)

typedef struct lwm2m_res_def {
    uint16_t id;
    lwm2m_type type; /* LWM2M_T_NONE for Execute resources */
    uint8_t ops;
    bool multiple;   /* the resource has resource instances */
    const char *name;
} lwm2m_res_def;

typedef struct lwm2m_obj_def {
    uint16_t id;
    const char *name;
    const char *ver;  /* object version ("1.1") or NULL for 1.0 */
    bool multiple;    /* more than one instance allowed */
    const lwm2m_res_def *res;
    size_t nres;
} lwm2m_obj_def;

/* The objects of the registry this project knows: 0 1 2 3 4 5 7 11 14 16
 * 10308.  NULL for any other id. */
const lwm2m_obj_def *lwm2m_objdef_find(uint16_t obj);
const lwm2m_res_def *lwm2m_objdef_res(const lwm2m_obj_def *o, uint16_t res);

/* ---- the tree ------------------------------------------------------------ */

typedef struct lwm2m_tree_obj {
    const lwm2m_obj_def *def;
} lwm2m_tree_obj;

#define LWM2M_TREE_MAX_OBJECTS 32
#define LWM2M_TREE_MAX_INSTANCES 128

typedef struct lwm2m_tree {
    const lwm2m_obj_def *obj[LWM2M_TREE_MAX_OBJECTS];
    size_t nobj;
    /* Object instances, and objects present without any (depth 1), in the
     * order they were added. */
    lwm2m_path listing[LWM2M_TREE_MAX_INSTANCES];
    size_t nlisting;
    lwm2m_list values; /* resource values in the order they were set */
} lwm2m_tree;

void lwm2m_tree_init(lwm2m_tree *t);
void lwm2m_tree_free(lwm2m_tree *t);

/* Adds an object (by definition) with no instance yet: it is listed as
 * "/<obj>" until an instance is added.  LWM2M_E_LIMIT, E_FORMAT (already
 * there). */
int lwm2m_tree_add_object(lwm2m_tree *t, const lwm2m_obj_def *def);
/* Adds instance /obj/inst (the object must be there).  LWM2M_E_NOTFOUND,
 * E_FORMAT (already there or a second instance of a single-instance
 * object), E_LIMIT. */
int lwm2m_tree_add_instance(lwm2m_tree *t, uint16_t obj, uint16_t inst);

const lwm2m_obj_def *lwm2m_tree_obj_def(const lwm2m_tree *t, uint16_t obj);
bool lwm2m_tree_has_instance(const lwm2m_tree *t, uint16_t obj, uint16_t inst);
/* The definition of the resource a path (depth 3 or 4) names, whether or
 * not it has a value; NULL if its object is not in the tree or defines no
 * such resource. */
const lwm2m_res_def *lwm2m_tree_res_def(const lwm2m_tree *t, const lwm2m_path *p);
/* A lwm2m_type_fn over the tree's objects, for the typed decoders. */
int lwm2m_tree_type_of(void *tree, uint16_t obj, uint16_t res);

/* Sets the value of a resource (depth 3) or of one instance of a multiple
 * resource (depth 4).  The instance must exist and the object define the
 * resource; the value is converted to the resource's type
 * (lwm2m_value_coerce).  A resource set for the first time goes after the
 * others.  LWM2M_E_NOTFOUND, E_PATH (depth 3 for a multiple resource or 4
 * for a single one), E_TYPE, E_RANGE, E_NOMEM. */
int lwm2m_tree_set(lwm2m_tree *t, const lwm2m_path *p, const lwm2m_value *v);
/* A multiple resource with no instance (an empty one). */
int lwm2m_tree_set_empty(lwm2m_tree *t, const lwm2m_path *res);
/* Removes every value at or below p. */
void lwm2m_tree_remove(lwm2m_tree *t, const lwm2m_path *p);
/* The value at exactly p (depth 3 or 4), or NULL. */
const lwm2m_value *lwm2m_tree_get(const lwm2m_tree *t, const lwm2m_path *p);
/* Convenience getters: the value converted, or dflt when absent/unfit. */
int64_t lwm2m_tree_get_int(const lwm2m_tree *t, const lwm2m_path *p, int64_t dflt);
bool lwm2m_tree_get_bool(const lwm2m_tree *t, const lwm2m_path *p, bool dflt);
/* A string value copied into buf (NUL-terminated, cut to fit); "" when
 * absent.  Returns buf. */
const char *lwm2m_tree_get_str(const lwm2m_tree *t, const lwm2m_path *p, char *buf, size_t size);

/* Does p (any depth >= 1) name something in the tree: an object, an
 * instance, a defined resource of an instance that has a value (or is
 * executable), a resource instance that has a value? */
bool lwm2m_tree_exists(const lwm2m_tree *t, const lwm2m_path *p);

/* Appends to out the values at or below p that a reader with `ops` rights
 * may see (resources whose definition has one of the ops bits; 0 = all),
 * in tree order.  Objects/instances without values give nothing.
 * LWM2M_E_NOTFOUND when p does not exist. */
int lwm2m_tree_read(const lwm2m_tree *t, const lwm2m_path *p, unsigned ops, lwm2m_list *out);

/* The listing (object instances and instance-less objects) for
 * +ULWM2MLIST and the registration payload.  Returns the count; *out
 * points into the tree. */
size_t lwm2m_tree_listing(const lwm2m_tree *t, const lwm2m_path **out);

/* Discover (OMA TS 1.0 §5.4.2) of p: links for the object or instance and
 * the resources under it, each resource with dim= for multiple resources.
 * Attributes are the caller's (it adds them to the links). */
int lwm2m_tree_discover(const lwm2m_tree *t, const lwm2m_path *p, lwm2m_links *out);

#endif
