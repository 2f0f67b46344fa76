/* fuzz/replay_main.c - a main() for fuzz targets built without libFuzzer.
 *
 * Links with any fuzz_<target>.c in place of libFuzzer so that every compiler
 * (gcc included) can replay the checked-in corpora under ctest:
 *
 *     fuzz_policy_parse fuzz/corpus/policy_parse [more files or dirs...]
 *
 * Each argument is a file, run once through LLVMFuzzerTestOneInput(), or a
 * directory, whose regular files are run in byte-wise name order (not
 * recursively). Arguments starting with '-' are libFuzzer flags and are
 * ignored, so the same command line works with both builds. Each input is
 * passed in a heap buffer of exactly its size (no NUL after it), so that a
 * sanitizer catches a target that reads past the end.
 *
 * Prints "replayed N inputs" and exits 0, or exits 1 when a path cannot be
 * read (the inputs that could be read are still run). When an input crashes
 * the target, its path is printed on stderr before the process dies. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* CMake defines it; this is for a bare cc */
#endif
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional in a target; weak, so that it is NULL when the target has none. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));
/* Present only when a sanitizer runtime is linked in. */
void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

/* The input being run, for the crash report (read from a signal handler). */
static const char *volatile current_path;

static void report_current(void)
{
    static const char pre[] = "replay: the input that crashed: ";
    const char *p = current_path;
    ssize_t ignored;

    if (p == NULL)
        return;
    ignored = write(STDERR_FILENO, pre, sizeof pre - 1);
    ignored = write(STDERR_FILENO, p, strlen(p));
    ignored = write(STDERR_FILENO, "\n", 1);
    (void)ignored;
}

/* Without a sanitizer: name the input, then die of the same signal. */
static void on_fatal_signal(int sig)
{
    report_current();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void install_crash_report(void)
{
    static const int sigs[] = { SIGABRT, SIGBUS, SIGFPE, SIGILL, SIGSEGV };
    struct sigaction sa;
    size_t i;

    if (__sanitizer_set_death_callback != NULL) {
        /* The sanitizer owns the fatal signals; it calls us after its report. */
        __sanitizer_set_death_callback(report_current);
        return;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fatal_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], &sa, NULL);
}

/* Reads the whole file into a malloc'd buffer of exactly its size (at least
 * one byte is allocated so that an empty input has a valid pointer).
 * Returns 0, or -1 with errno set. */
static int read_file(const char *path, uint8_t **out, size_t *out_len)
{
    FILE *f;
    uint8_t *buf = NULL, *grown;
    size_t len = 0, cap = 0, n;
    int saved;

    *out = NULL;
    *out_len = 0;
    f = fopen(path, "rb");
    if (f == NULL)
        return -1;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 4096;
            grown = realloc(buf, cap);
            if (grown == NULL)
                goto fail;
            buf = grown;
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0) {
            if (ferror(f))
                goto fail;
            break;
        }
    }
    fclose(f);
    /* Trim to the exact size so that reads past the end are caught. */
    grown = malloc(len ? len : 1);
    if (grown == NULL) {
        free(buf);
        errno = ENOMEM;
        return -1;
    }
    if (len)
        memcpy(grown, buf, len);
    free(buf);
    *out = grown;
    *out_len = len;
    return 0;
fail:
    saved = errno ? errno : EIO;
    free(buf);
    fclose(f);
    errno = saved;
    return -1;
}

static int run_file(const char *path, size_t *count)
{
    uint8_t *data;
    size_t len;

    if (read_file(path, &data, &len) != 0) {
        fprintf(stderr, "replay: cannot read %s: %s\n", path, strerror(errno));
        return -1;
    }
    current_path = path;
    (void)LLVMFuzzerTestOneInput(data, len);
    current_path = NULL;
    free(data);
    (*count)++;
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs every regular file directly inside `dir`, sorted by name. */
static int run_dir(const char *dir, size_t *count)
{
    DIR *d;
    struct dirent *e;
    char **names = NULL, **grown, *path;
    size_t n = 0, cap = 0, i, dlen = strlen(dir), elen;
    struct stat st;
    int rc = 0;

    d = opendir(dir);
    if (d == NULL) {
        fprintf(stderr, "replay: cannot open directory %s: %s\n", dir, strerror(errno));
        return -1;
    }
    while ((errno = 0, e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            grown = realloc(names, cap * sizeof *names);
            if (grown == NULL) {
                rc = -1;
                break;
            }
            names = grown;
        }
        elen = strlen(e->d_name);
        path = malloc(dlen + 1 + elen + 1);
        if (path == NULL) {
            rc = -1;
            break;
        }
        memcpy(path, dir, dlen);
        path[dlen] = '/';
        memcpy(path + dlen + 1, e->d_name, elen + 1);
        names[n++] = path;
    }
    if (rc != 0 || errno != 0) {
        fprintf(stderr, "replay: cannot list %s: %s\n", dir,
                rc != 0 ? "out of memory" : strerror(errno));
        rc = -1;
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof *names, cmp_names);
    for (i = 0; i < n; i++) {
        if (stat(names[i], &st) != 0) {
            fprintf(stderr, "replay: cannot stat %s: %s\n", names[i], strerror(errno));
            rc = -1;
        } else if (S_ISREG(st.st_mode) && run_file(names[i], count) != 0) {
            rc = -1;
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    size_t count = 0;
    struct stat st;
    int i, failed = 0;

    if (LLVMFuzzerInitialize != NULL)
        (void)LLVMFuzzerInitialize(&argc, &argv);
    install_crash_report();
    for (i = 1; i < argc; i++) {
        const char *arg = argv[i];

        if (arg[0] == '-')
            continue; /* a libFuzzer flag */
        if (stat(arg, &st) != 0) {
            fprintf(stderr, "replay: cannot read %s: %s\n", arg, strerror(errno));
            failed = 1;
        } else if (S_ISDIR(st.st_mode)) {
            if (run_dir(arg, &count) != 0)
                failed = 1;
        } else if (run_file(arg, &count) != 0) {
            failed = 1;
        }
    }
    printf("replayed %zu inputs\n", count);
    return failed ? 1 : 0;
}
