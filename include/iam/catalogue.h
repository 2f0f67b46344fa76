/* iam/catalogue.h - the IAM action catalogue: every service prefix, action,
 * access level, resource type (with its ARN template) and condition key of
 * the AWS Service Authorization Reference, plus the global condition keys,
 * loaded from the data files iamd ships (data/action-catalogue.json and
 * data/global-condition-keys.json; format in data/SOURCES.md).
 * Uses: tell wildcard-only actions (evaluated against "*"), expand action
 * patterns ("s3:Get*"), type condition keys, warn on unknown actions.
 * Ownership: iam_catalogue_load*() returns an object the caller frees with
 * iam_catalogue_free(); every pointer and iam_str it hands out is borrowed
 * for the catalogue's life (strings are also NUL-terminated).
 * Threads: immutable after loading; any number of threads may read it. */
#ifndef IAM_CATALOGUE_H
#define IAM_CATALOGUE_H
#include <stdbool.h>
#include <stddef.h>
#include "iam/err.h"
#include "iam/str.h"

typedef struct iam_catalogue iam_catalogue;

/* The access levels of the Service Authorization Reference. */
typedef enum iam_access_level {
    IAM_ACCESS_UNKNOWN = 0,
    IAM_ACCESS_LIST,
    IAM_ACCESS_READ,
    IAM_ACCESS_WRITE,
    IAM_ACCESS_PERMISSIONS, /* "Permissions management" */
    IAM_ACCESS_TAGGING
} iam_access_level;

/* Condition key types. The ArrayOf variants follow their scalar type, so
 * iam_key_type_scalar() is one subtraction. */
typedef enum iam_key_type {
    IAM_KT_UNKNOWN = 0,
    IAM_KT_STRING,
    IAM_KT_ARN,
    IAM_KT_NUMERIC,
    IAM_KT_BOOL,
    IAM_KT_DATE,
    IAM_KT_IP,
    IAM_KT_BINARY,
    IAM_KT_ARRAY_OF_STRING,
    IAM_KT_ARRAY_OF_ARN,
    IAM_KT_ARRAY_OF_NUMERIC,
    IAM_KT_ARRAY_OF_BOOL,
    IAM_KT_ARRAY_OF_DATE,
    IAM_KT_ARRAY_OF_IP,
    IAM_KT_ARRAY_OF_BINARY
} iam_key_type;

/* A condition key as the catalogue defines it. Names may be templates:
 * "aws:RequestTag/${TagKey}", "s3:ExistingObjectTag/<key>" and the global
 * "aws:PrincipalTag/tag-key" stand for every key with that prefix. */
typedef struct iam_condition_key_info {
    iam_str name;       /* AWS's casing */
    iam_key_type type;
    bool is_template;   /* the part after '/' is a placeholder */
} iam_condition_key_info;

/* A resource type of a service. */
typedef struct iam_resource_type_info {
    iam_str name;       /* "user" */
    iam_str arn;        /* "arn:${Partition}:iam::${Account}:user/${UserNameWithPath}" */
    const iam_str *conditions;
    size_t n_conditions;
} iam_resource_type_info;

/* A resource type an action acts on; `required` = marked '*' in the SAR. */
typedef struct iam_action_resource {
    const iam_resource_type_info *type;
    bool required;
} iam_action_resource;

typedef struct iam_service_info {
    iam_str prefix;     /* "iam" (lower case, as AWS writes prefixes) */
    iam_str name;       /* "AWS Identity and Access Management (IAM)" */
    size_t n_actions, n_resource_types, n_condition_keys;
} iam_service_info;

/* One action. `conditions` lists every key the action supports (its own
 * keys and those of its resource-type rows). */
typedef struct iam_action_info {
    const iam_service_info *service;
    iam_str name;       /* "CreateUser" */
    iam_str full_name;  /* "iam:CreateUser" */
    iam_access_level access;
    const iam_action_resource *resources;
    size_t n_resources; /* 0: wildcard-only, see iam_catalogue_wildcard_only */
    const iam_str *conditions;
    size_t n_conditions;
    const iam_str *dependent; /* dependent actions, "iam:PassRole" ... */
    size_t n_dependent;
} iam_action_info;

/* Loads the catalogue from `actions_path` (action-catalogue.json) and,
 * when `globals_path` is not NULL, the global keys (global-condition-
 * keys.json). On failure *out is NULL and `diag` (may be NULL) says why:
 * IAM_E_NOTFOUND / IAM_E_IO for the files, IAM_E_SYNTAX for bad JSON,
 * IAM_E_MALFORMED for a shape the format does not allow, IAM_E_NOMEM. */
IAM_API IAM_NODISCARD iam_err iam_catalogue_load(const char *actions_path, const char *globals_path,
                                                 iam_catalogue **out, iam_diag *diag);
/* The same from a data directory holding both files by their shipped names. */
IAM_API IAM_NODISCARD iam_err iam_catalogue_load_dir(const char *dir, iam_catalogue **out, iam_diag *diag);
IAM_API void iam_catalogue_free(iam_catalogue *cat); /* NULL is a no-op */

/* Counts of what was loaded; `bytes` is the memory the catalogue holds. */
typedef struct iam_catalogue_stats {
    size_t services, actions, resource_types, condition_keys, global_keys;
    size_t bytes;
} iam_catalogue_stats;
IAM_API void iam_catalogue_stats_get(const iam_catalogue *cat, iam_catalogue_stats *out);

/* An action by "service:Action", case-insensitive; NULL when unknown. */
IAM_API const iam_action_info *iam_catalogue_action(const iam_catalogue *cat, iam_str action);
/* A service by prefix, case-insensitive; NULL when unknown. */
IAM_API const iam_service_info *iam_catalogue_service(const iam_catalogue *cat, iam_str prefix);
/* True when the action names no resource type: AWS then authorizes it on
 * "*" and a statement must say Resource "*" (or a pattern matching it). */
IAM_API bool iam_catalogue_wildcard_only(const iam_action_info *action);

/* A global condition key ("aws:SourceIp", "aws:PrincipalTag/dept"),
 * case-insensitive, templates matched by prefix; NULL when not global. */
IAM_API const iam_condition_key_info *iam_catalogue_global_key(const iam_catalogue *cat, iam_str key);
/* Any key: global first, then the service named by the key's prefix
 * ("s3:prefix" → s3's keys). NULL when the catalogue does not know it. */
IAM_API const iam_condition_key_info *iam_catalogue_key(const iam_catalogue *cat, iam_str key);
/* The key's type, IAM_KT_UNKNOWN when unknown. */
IAM_API iam_key_type iam_catalogue_key_type(const iam_catalogue *cat, iam_str key);

/* Visits every action matching `pattern` ("s3:Get*", "iam:*", "*",
 * "*:List*"; '*' and '?' wildcards, case-insensitive), services in file
 * order and actions in file order within each; stops early when `fn`
 * returns false. Returns how many actions were visited. */
typedef bool (*iam_catalogue_visit_fn)(const iam_action_info *action, void *ud);
IAM_API size_t iam_catalogue_match_actions(const iam_catalogue *cat, iam_str pattern, iam_catalogue_visit_fn fn,
                                           void *ud);

/* "List", "Read", "Write", "Permissions management", "Tagging", "" for unknown. */
IAM_API const char *iam_access_level_name(iam_access_level level);
/* "String", "ArrayOfString", "ARN", "Bool", "Numeric", "Date", "IPAddress",
 * "Binary" and their ArrayOf forms; "" for unknown. */
IAM_API const char *iam_key_type_name(iam_key_type type);
IAM_API bool iam_key_type_is_array(iam_key_type type);
IAM_API iam_key_type iam_key_type_scalar(iam_key_type type);

#endif /* IAM_CATALOGUE_H */
