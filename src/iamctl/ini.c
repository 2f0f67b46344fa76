/* ini.c - one-section rewrite of AWS CLI INI files (see ini.h). */
#include "ini.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

/* A section header line "[name]" (surrounding blanks allowed) naming
 * `section`; sets *is_header for any header line. */
static bool header_is(const char *line, size_t len, const char *section, bool *is_header)
{
    size_t a = 0, b = len;
    while (a < b && (line[a] == ' ' || line[a] == '\t'))
        a++;
    while (b > a && (line[b - 1] == ' ' || line[b - 1] == '\t' || line[b - 1] == '\r' ||
                     line[b - 1] == '\n'))
        b--;
    *is_header = b - a >= 2 && line[a] == '[' && line[b - 1] == ']';
    if (!*is_header)
        return false;
    a++, b--;
    while (a < b && line[a] == ' ')
        a++;
    while (b > a && line[b - 1] == ' ')
        b--;
    return b - a == strlen(section) && memcmp(line + a, section, b - a) == 0;
}

static int mkdir_parent(const char *path)
{
    char *dir = cli_strdup(path);
    char *slash;
    int rc = 0;
    if (dir == NULL)
        return -1;
    slash = strrchr(dir, '/');
    if (slash != NULL && slash != dir) {
        *slash = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST)
            rc = -1;
    }
    free(dir);
    return rc;
}

static void put_section(FILE *out, const char *section, const cli_ini_kv *kv, size_t n)
{
    fprintf(out, "[%s]\n", section);
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%s = %s\n", kv[i].key, kv[i].value);
}

int cli_ini_put_section(const char *path, const char *section, const cli_ini_kv *kv, size_t n,
                        unsigned mode)
{
    cli_bytes old = {0};
    struct stat st;
    char tmp[4096];
    FILE *out = NULL;
    bool exists = stat(path, &st) == 0, written = false, skipping = false;
    int fd, len;

    if (exists) {
        if (cli_read_input(path, (size_t)1 << 20, &old) != 0)
            return -1;
        mode = st.st_mode & 07777;
    } else if (mkdir_parent(path) != 0) {
        cli_error("%s: cannot create its directory: %s", path, strerror(errno));
        return -1;
    }
    len = snprintf(tmp, sizeof tmp, "%s.iamctl-XXXXXX", path);
    if (len < 0 || (size_t)len >= sizeof tmp) {
        cli_error("%s: path too long", path);
        cli_bytes_free(&old);
        return -1;
    }
    fd = mkstemp(tmp);
    if (fd < 0 || fchmod(fd, (mode_t)mode) != 0 || (out = fdopen(fd, "w")) == NULL) {
        cli_error("%s: cannot write: %s", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(tmp);
        }
        cli_bytes_free(&old);
        return -1;
    }
    /* Copy line by line; the old body of our section is dropped and the new
     * one written where the section stood. */
    for (size_t pos = 0; pos < old.len;) {
        const char *line = old.data + pos;
        const char *nl = memchr(line, '\n', old.len - pos);
        size_t llen = nl ? (size_t)(nl - line) + 1 : old.len - pos;
        bool is_header;
        bool ours = header_is(line, llen, section, &is_header);
        pos += llen;
        if (is_header)
            skipping = false;
        if (ours) {
            put_section(out, section, kv, n);
            written = skipping = true;
            continue;
        }
        if (skipping)
            continue;
        fwrite(line, 1, llen, out);
        if (nl == NULL)
            fputc('\n', out);
    }
    if (!written) {
        if (old.len > 0)
            fputc('\n', out);
        put_section(out, section, kv, n);
    }
    cli_bytes_free(&old);
    if (fflush(out) != 0 || fsync(fileno(out)) != 0 || fclose(out) != 0) {
        cli_error("%s: cannot write: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, path) != 0) {
        cli_error("%s: cannot replace: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}
