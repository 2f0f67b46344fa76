/* cmd_policy_test.c - `iamctl policy test`: runs decision-case files, one
 * JSON case per line, as ../shared/spec/decision-cases.md describes. Each
 * case is evaluated once through casefile.c, exactly like `policy eval`.
 * Failing, skipped and malformed cases are reported (passing ones only with
 * --verbose); the last line is "N passed, N failed[, N skipped]", or with
 * --json a final {"passed","failed","skipped"} object. Exit status 0 only
 * when nothing failed, 2 when a file could not be read. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "casefile.h"
#include "commands.h"
#include "output.h"
#include "util.h"

static const char HELP[] =
    "usage: iamctl policy test [--json] [--verbose] FILE.jsonl... ('-' = standard input)\n"
    "\n"
    "Runs decision cases: one JSON object per line with id, name (optional),\n"
    "request, policies and expected.decision (see decision-cases.md). Each case\n"
    "is evaluated once, with policies compiled leniently; a policy iamd would\n"
    "refuse to store is still evaluated and a warning goes to stderr.\n"
    "\n"
    "A failing case prints its id, name, expected and actual decision and the\n"
    "statements that decided it. A case using a request or policies field this\n"
    "runner cannot evaluate is skipped with its reason (never counted as\n"
    "passed); other unknown fields (tags, origin, ...) are ignored. A line that\n"
    "is not a well-formed case is reported with its line number and counted as\n"
    "a failure. The last line is 'N passed, N failed' (', N skipped' when any).\n"
    "\n"
    "  --json      one JSON result per case (id, name, file, line, pass,\n"
    "              expected, decision, blockedBy, statements), then a final\n"
    "              {\"passed\":N,\"failed\":N,\"skipped\":N}\n"
    "  --verbose   also list passing cases\n"
    "  -h, --help  this help\n"
    "\n"
    "Exit status: 0 when no case failed, 1 when one did, 2 on a usage or input error.\n";

enum { OPT_JSON = 1, OPT_VERBOSE, OPT_HELP };

static const cli_opt OPTS[] = {
    { "json", false, OPT_JSON },
    { "verbose", false, OPT_VERBOSE },
    { "help", false, OPT_HELP },
};

#define CMD "policy test"

typedef struct run {
    bool json, verbose;
    size_t passed, failed, skipped;
    bool input_error; /* a file could not be read: exit 2 */
    bool fatal;       /* out of memory: stop */
} run;

/* Where one case is: its file and line, and its id once known. */
typedef struct where {
    const char *file;
    size_t line;
    const char *id;   /* NULL until read */
    const char *name; /* NULL when absent */
} where;

static void print_head(const char *tag, const where *w)
{
    fputs(tag, stdout);
    fputc(' ', stdout);
    cli_fput_escaped(stdout, iam_str_from_cstr(w->id));
    printf(" (%s:%zu)", w->file, w->line);
}

/* A JSON result object pre-filled with the case's identity. */
static json_t *json_head(const where *w)
{
    json_t *o = json_object();
    int rc = 0;
    if (o == NULL)
        return NULL;
    if (w->id != NULL)
        rc |= json_object_set_new(o, "id", cli_json_str(w->id));
    if (w->name != NULL)
        rc |= json_object_set_new(o, "name", cli_json_str(w->name));
    rc |= json_object_set_new(o, "file", cli_json_str(w->file));
    rc |= json_object_set_new(o, "line", json_integer((json_int_t)w->line));
    if (rc != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static void emit_json(run *r, json_t *o, int rc)
{
    if (o == NULL || rc != 0 || cli_json_println(stdout, o) != 0) {
        cli_error(CMD ": out of memory");
        r->fatal = true;
    }
    json_decref(o);
}

/* A line that is not a case, or a case that cannot be evaluated: a failure. */
static void report_error(run *r, const where *w, bool malformed, const char *msg)
{
    r->failed++;
    if (r->json) {
        json_t *o = json_head(w);
        int rc = 0;
        if (o != NULL) {
            rc |= json_object_set_new(o, "pass", json_false());
            rc |= json_object_set_new(o, "error", cli_json_str(msg));
        }
        emit_json(r, o, rc);
        return;
    }
    if (malformed) {
        printf("%s:%zu: malformed case", w->file, w->line);
        if (w->id != NULL) {
            fputs(" \"", stdout);
            cli_fput_escaped(stdout, iam_str_from_cstr(w->id));
            fputc('"', stdout);
        }
        printf(": %s\n", msg);
    } else {
        print_head("ERROR", w);
        printf(": %s\n", msg);
    }
}

static void report_skip(run *r, const where *w, const char *reason)
{
    r->skipped++;
    if (r->json) {
        json_t *o = json_head(w);
        int rc = 0;
        if (o != NULL) {
            rc |= json_object_set_new(o, "skipped", json_true());
            rc |= json_object_set_new(o, "reason", cli_json_str(reason));
        }
        emit_json(r, o, rc);
        return;
    }
    print_head("SKIP", w);
    printf(": %s\n", reason);
}

static void report_result(run *r, const where *w, const cli_case *c, iam_decision expected,
                          const iam_eval_result *res)
{
    bool pass = res->decision == expected;

    if (pass)
        r->passed++;
    else
        r->failed++;
    if (r->json) {
        json_t *o = json_head(w);
        int rc = 0;
        if (o != NULL) {
            rc |= json_object_set_new(o, "pass", json_boolean(pass));
            rc |= json_object_set_new(o, "expected", json_string(cli_decision_name(expected)));
            rc |= cli_result_to_json(o, c, res, "path");
        }
        emit_json(r, o, rc);
        return;
    }
    if (pass) {
        if (r->verbose) {
            print_head("ok", w);
            fputc('\n', stdout);
        }
        return;
    }
    print_head("FAIL", w);
    if (w->name != NULL) {
        fputs(": ", stdout);
        cli_fput_escaped(stdout, iam_str_from_cstr(w->name));
    }
    printf("\n  expected %s, got %s\n", cli_decision_name(expected),
           cli_decision_name(res->decision));
    cli_print_reasons(stdout, c, res, "  ");
}

/* Evaluates one parsed case object. */
static void run_case(run *r, const where *w, json_t *root, iam_decision expected)
{
    char prefix[400], id[200];
    cli_case c;
    cli_why why;
    cli_warn warn;
    cli_status st;
    iam_eval_result res;
    iam_err err;

    if (cli_case_init(&c) != 0) {
        cli_error(CMD ": out of memory");
        r->fatal = true;
        return;
    }
    cli_sanitize(id, sizeof id, w->id);
    snprintf(prefix, sizeof prefix, "%s:%zu: case %s", w->file, w->line, id);
    warn = (cli_warn){ CLI_WARN_ERRORS, stderr, prefix };
    why.msg[0] = '\0';
    st = cli_case_load_json(&c, root, &warn, &why);
    switch (st) {
    case CLI_OK:
        break;
    case CLI_SKIP:
        report_skip(r, w, why.msg);
        goto done;
    case CLI_BAD:
        report_error(r, w, false, why.msg);
        goto done;
    case CLI_NOMEM:
        cli_error(CMD ": out of memory");
        r->fatal = true;
        goto done;
    }
    err = cli_case_build(&c);
    if (err != IAM_OK) {
        snprintf(why.msg, sizeof why.msg, "cannot index the policies: %s", iam_err_str(err));
        report_error(r, w, false, why.msg);
        goto done;
    }
    err = cli_case_authorize(&c, &res);
    if (err != IAM_OK) {
        snprintf(why.msg, sizeof why.msg, "evaluation failed: %s", iam_err_str(err));
        report_error(r, w, false, why.msg);
        goto done;
    }
    report_result(r, w, &c, expected, &res);
done:
    cli_case_free(&c);
}

static void malformedf(run *r, const where *w, const char *fmt, ...) CLI_PRINTF(3, 4);

static void malformedf(run *r, const where *w, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    report_error(r, w, true, msg);
}

/* Checks the envelope of one line (id, name, expected), then runs it.
 * `seen` maps the ids met so far in this file to their line. */
static void run_line(run *r, const char *file, size_t lineno, const char *p, size_t len,
                     json_t *seen)
{
    where w = { file, lineno, NULL, NULL };
    json_error_t jerr;
    json_t *root, *v, *prev;
    iam_decision expected;

    root = json_loadb(p, len, 0, &jerr);
    if (root == NULL) {
        malformedf(r, &w, "invalid JSON: %s (column %d)", jerr.text, jerr.column);
        return;
    }
    if (!json_is_object(root)) {
        malformedf(r, &w, "a case must be a JSON object");
        goto done;
    }
    v = json_object_get(root, "id");
    if (!json_is_string(v) || json_string_length(v) == 0) {
        malformedf(r, &w, "\"id\" must be a non-empty string");
        goto done;
    }
    w.id = json_string_value(v);
    v = json_object_get(root, "name");
    if (json_is_string(v)) {
        w.name = json_string_value(v);
    } else if (v != NULL && !json_is_null(v)) {
        malformedf(r, &w, "\"name\" must be a string");
        goto done;
    }
    prev = json_object_get(seen, w.id);
    if (prev != NULL) {
        malformedf(r, &w, "duplicate id (first on line %" JSON_INTEGER_FORMAT ")",
                   json_integer_value(prev));
        goto done;
    }
    if (json_object_set_new(seen, w.id, json_integer((json_int_t)lineno)) != 0) {
        cli_error(CMD ": out of memory");
        r->fatal = true;
        goto done;
    }
    v = json_object_get(json_object_get(root, "expected"), "decision");
    if (!json_is_string(v) || !cli_decision_parse(json_string_value(v), &expected)) {
        malformedf(r, &w, "expected.decision must be \"Allowed\", \"ExplicitlyDenied\" or "
                          "\"ImplicitlyDenied\"");
        goto done;
    }
    run_case(r, &w, root, expected);
done:
    json_decref(root);
}

static bool blank(const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
            return false;
    return true;
}

static void run_file(run *r, const char *path)
{
    const char *name = cli_display_name(path);
    cli_bytes b;
    json_t *seen;
    const char *p, *end;
    size_t lineno = 0, cases = 0;

    if (cli_read_input(path, CLI_CASEFILE_MAX, &b) != 0) {
        r->input_error = true;
        return;
    }
    seen = json_object();
    if (seen == NULL) {
        cli_bytes_free(&b);
        cli_error(CMD ": out of memory");
        r->fatal = true;
        return;
    }
    p = b.data;
    end = b.data + b.len;
    if (b.len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3; /* a UTF-8 byte order mark */
    while (p < end && !r->fatal) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = (size_t)((nl != NULL ? nl : end) - p);
        lineno++;
        if (!blank(p, len)) {
            if (p[len - 1] == '\r')
                len--;
            cases++;
            run_line(r, name, lineno, p, len, seen);
        }
        p = nl != NULL ? nl + 1 : end;
    }
    if (cases == 0 && !r->fatal)
        cli_warning("%s: no cases found", name);
    json_decref(seen);
    cli_bytes_free(&b);
}

int cli_cmd_policy_test(int argc, char **argv)
{
    run r;
    cli_args a;
    const char *val;
    const char **files;
    size_t nfiles = 0;
    bool stdin_used = false;
    int id, rc = CLI_EXIT_USAGE;

    memset(&r, 0, sizeof r);
    files = calloc((size_t)argc, sizeof *files);
    if (files == NULL) {
        cli_error(CMD ": out of memory");
        return CLI_EXIT_USAGE;
    }
    cli_args_init(&a, argc, argv, 1, CMD);
    while ((id = cli_args_next(&a, OPTS, sizeof OPTS / sizeof OPTS[0], &val)) != CLI_ARG_END) {
        switch (id) {
        case CLI_ARG_ERROR:
            goto done;
        case CLI_ARG_POSITIONAL:
            if (strcmp(val, "-") == 0) {
                if (stdin_used) {
                    cli_error(CMD ": standard input ('-') can be read only once");
                    goto done;
                }
                stdin_used = true;
            }
            files[nfiles++] = val;
            break;
        case OPT_JSON:
            r.json = true;
            break;
        case OPT_VERBOSE:
            r.verbose = true;
            break;
        case OPT_HELP:
            fputs(HELP, stdout);
            rc = CLI_EXIT_OK;
            goto done;
        default:
            break;
        }
    }
    if (nfiles == 0) {
        cli_error(CMD ": missing FILE.jsonl (see 'iamctl " CMD " --help')");
        goto done;
    }
    for (size_t i = 0; i < nfiles && !r.fatal; i++)
        run_file(&r, files[i]);
    if (r.fatal)
        goto done;
    if (r.json) {
        json_t *o = json_pack("{sIsIsI}", "passed", (json_int_t)r.passed, "failed",
                              (json_int_t)r.failed, "skipped", (json_int_t)r.skipped);
        emit_json(&r, o, 0);
    } else if (r.skipped > 0) {
        printf("%zu passed, %zu failed, %zu skipped\n", r.passed, r.failed, r.skipped);
    } else {
        printf("%zu passed, %zu failed\n", r.passed, r.failed);
    }
    if (r.fatal || r.input_error)
        rc = CLI_EXIT_USAGE;
    else
        rc = r.failed > 0 ? CLI_EXIT_FAIL : CLI_EXIT_OK;
done:
    free(files);
    return rc;
}
