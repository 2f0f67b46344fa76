/* file.c - reading a whole data file into memory, under a size cap.
 * Used by the loaders of the shipped data files (the action catalogue, the
 * AWS-managed policies): regular files only, never more than `max` bytes. */
#include <stdio.h>
#include <sys/stat.h>

#include "common/common_int.h"

iam_err iam__read_file(const char *path, size_t max, char **out, size_t *out_len, iam_diag *diag)
{
    FILE *f = fopen(path, "rb");
    struct stat sb;
    char *buf;
    size_t n;

    *out = NULL;
    *out_len = 0;
    if (f == NULL) {
        iam__diag_set(diag, "", 0, 0, "cannot open %s", path);
        return IAM_E_NOTFOUND;
    }
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size < 0 ||
        (unsigned long long)sb.st_size > max) {
        fclose(f);
        iam__diag_set(diag, "", 0, 0, "%s: not a regular file of at most %zu bytes", path, max);
        return IAM_E_IO;
    }
    n = (size_t)sb.st_size;
    buf = iam__malloc(n + 1);
    if (buf == NULL) {
        fclose(f);
        return IAM_E_NOMEM;
    }
    if (fread(buf, 1, n, f) != n) {
        fclose(f);
        iam__free(buf);
        iam__diag_set(diag, "", 0, 0, "cannot read %s", path);
        return IAM_E_IO;
    }
    fclose(f);
    buf[n] = '\0';
    *out = buf;
    *out_len = n;
    return IAM_OK;
}
