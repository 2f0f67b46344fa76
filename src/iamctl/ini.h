/* ini.h - rewriting one section of an AWS CLI config or credentials file.
 * The AWS tools keep profiles as INI sections ("[default]", "[profile x]"
 * in config, "[x]" in credentials). iamctl replaces or appends exactly one
 * section and leaves every other line as it was, writing through a
 * temporary file and rename() so a crash never leaves half a file. */
#ifndef IAMCTL_INI_H
#define IAMCTL_INI_H
#include <stddef.h>

typedef struct cli_ini_kv {
    const char *key;
    const char *value;
} cli_ini_kv;

/* Replaces section `section` (without brackets) of `path` with the `n`
 * key/value lines, or appends it. Creates the file (and its directory) when
 * missing, with `mode`; keeps an existing file's mode. Returns 0, or -1
 * with a message printed. */
int cli_ini_put_section(const char *path, const char *section, const cli_ini_kv *kv, size_t n,
                        unsigned mode);

#endif /* IAMCTL_INI_H */
