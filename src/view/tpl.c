/* tpl — compiles Mustache-like templates once and renders them from JSON.
 *
 * Each template is compiled into a flat array of nodes.  A section node
 * holds the index just past its body, so rendering walks the array and
 * recurses only into section bodies and partials; names are split into
 * segments at compile time.  Everything compiled lives in one arena owned
 * by the engine, so freeing is one call.
 *
 *   load:   new -> add (compile each file) -> finish (sort, resolve
 *           partials, check depth) -> immutable
 *   render: read-only walk of the nodes; state lives on the caller's stack
 *
 * This module must not: change the engine after finish (renders run
 * concurrently without locks), change or ref-count the caller's JSON (also
 * shared between threads), allocate per node while rendering, or write
 * anything unescaped except through a {{raw}} node. */
#define _POSIX_C_SOURCE 200809L /* fileno, opendir under -std=c11 */

#include "util/errmsg.h"
#include "tpl.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/arena.h"
#include "util/fs.h"
#include "util/mem.h"
#include "util/sb.h"
#include "view/esc.h"

#define MAX_DIR_DEPTH 4
#define BODY_PREALLOC 8192 /* tpl_render_page: most pages fit */

enum op {
    OP_TEXT,     /* literal bytes */
    OP_VAR,      /* {{name}}, escaped */
    OP_RAW,      /* {{raw name}} */
    OP_SECTION,  /* {{#name}} */
    OP_INVERTED, /* {{^name}} */
    OP_PARTIAL,  /* {{> name}} */
};

enum name_kind {
    NAME_PATH,  /* a.b.c */
    NAME_DOT,   /* . */
    NAME_INDEX, /* @index */
    NAME_FIRST, /* @first */
    NAME_LAST,  /* @last */
};

struct tpl;

struct node {
    enum op op;
    unsigned line;
    union {
        struct {
            const char *p;
            size_t len;
        } text;
        struct {
            enum name_kind kind;
            size_t nseg;
            const char **seg; /* NUL-terminated segments */
            const char *src;  /* the name as written, for matching {{/x}} */
            size_t end;       /* sections: index of the first node after the body */
        } name;
        struct {
            const char *name;
            struct tpl *target; /* set by finish */
        } partial;
    } u;
};

struct tpl {
    const char *name;  /* "partials/header" */
    const char *label; /* file path or name, for messages */
    struct node *nodes;
    size_t n;
    int mark;   /* finish: 0 unvisited, 1 being visited, 2 done */
    int pdepth; /* finish: deepest chain of partials below this one */
};

struct tpl_engine {
    struct arena *arena;
    struct tpl **tpls; /* sorted by name after finish */
    size_t n, cap;
    int finished;
};

/* ---- compiling ---------------------------------------------------------- */

struct compiler {
    struct arena *arena;
    const char *label;
    struct node *nodes; /* heap while compiling, moved into the arena at the end */
    size_t n, cap;
    struct {
        size_t node;
        unsigned line;
    } open[TPL_MAX_SECTION_DEPTH];
    size_t depth;
    char *err;
    size_t errlen;
};

static struct node *push_node(struct compiler *c, enum op op, unsigned line)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 32;
        c->nodes = xrealloc(c->nodes, c->cap * sizeof *c->nodes);
    }
    struct node *n = &c->nodes[c->n++];
    memset(n, 0, sizeof *n);
    n->op = op;
    n->line = line;
    return n;
}

static int is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

static int is_seg_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '-';
}

static void trim(const char **p, size_t *len)
{
    while (*len && is_space(**p)) {
        (*p)++;
        (*len)--;
    }
    while (*len && is_space((*p)[*len - 1]))
        (*len)--;
}

static int span_eq(const char *p, size_t len, const char *lit)
{
    return strlen(lit) == len && memcmp(p, lit, len) == 0;
}

/* Parses p[0..len) as a name into n->u.name.  Returns 0 or -1 (message set). */
static int compile_name(struct compiler *c, struct node *n, const char *p, size_t len)
{
    size_t nseg = 1;

    n->u.name.src = arena_strndup(c->arena, p, len);
    if (span_eq(p, len, ".")) {
        n->u.name.kind = NAME_DOT;
        return 0;
    }
    if (len && p[0] == '@') {
        if (span_eq(p, len, "@index"))
            n->u.name.kind = NAME_INDEX;
        else if (span_eq(p, len, "@first"))
            n->u.name.kind = NAME_FIRST;
        else if (span_eq(p, len, "@last"))
            n->u.name.kind = NAME_LAST;
        else
            goto bad;
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '.') {
            if (i == 0 || i + 1 == len || p[i - 1] == '.')
                goto bad;
            nseg++;
        } else if (!is_seg_char(p[i])) {
            goto bad;
        }
    }
    if (len == 0)
        goto bad;

    n->u.name.kind = NAME_PATH;
    n->u.name.nseg = nseg;
    n->u.name.seg = arena_array(c->arena, nseg, sizeof *n->u.name.seg);
    size_t start = 0, k = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || p[i] == '.') {
            n->u.name.seg[k++] = arena_strndup(c->arena, p + start, i - start);
            start = i + 1;
        }
    }
    return 0;

bad:
    errmsg_set(c->err, c->errlen,
           "%s:%u: bad name '%.*s' (use letters, digits, _ - joined by '.', "
           "or . @index @first @last)",
           c->label, n->line, (int)len, p);
    return -1;
}

static int compile_partial(struct compiler *c, unsigned line, const char *p, size_t len)
{
    int ok = len > 0 && p[0] != '/' && p[len - 1] != '/';

    for (size_t i = 0; ok && i < len; i++) {
        if (!is_seg_char(p[i]) && p[i] != '/')
            ok = 0;
        if (p[i] == '/' && i > 0 && p[i - 1] == '/')
            ok = 0;
    }
    if (!ok) {
        errmsg_set(c->err, c->errlen, "%s:%u: bad partial name '%.*s'", c->label, line, (int)len, p);
        return -1;
    }
    struct node *n = push_node(c, OP_PARTIAL, line);
    n->u.partial.name = arena_strndup(c->arena, p, len);
    return 0;
}

/* Compiles the tag whose content (between the braces) is p[0..len). */
static int compile_tag(struct compiler *c, unsigned line, const char *p, size_t len)
{
    struct node *n;

    trim(&p, &len);
    if (len == 0) {
        errmsg_set(c->err, c->errlen, "%s:%u: empty tag {{}}", c->label, line);
        return -1;
    }
    switch (p[0]) {
    case '!':
        return 0;
    case '{':
    case '&':
        errmsg_set(c->err, c->errlen,
               "%s:%u: {{%c is not supported; write {{raw name}} for unescaped output", c->label,
               line, p[0]);
        return -1;
    case '=':
        errmsg_set(c->err, c->errlen, "%s:%u: changing delimiters {{= is not supported", c->label,
               line);
        return -1;
    case '>':
        p++, len--;
        trim(&p, &len);
        return compile_partial(c, line, p, len);
    case '#':
    case '^':
        if (c->depth == TPL_MAX_SECTION_DEPTH) {
            errmsg_set(c->err, c->errlen, "%s:%u: sections nested deeper than %d", c->label, line,
                   TPL_MAX_SECTION_DEPTH);
            return -1;
        }
        n = push_node(c, p[0] == '#' ? OP_SECTION : OP_INVERTED, line);
        p++, len--;
        trim(&p, &len);
        if (compile_name(c, n, p, len) < 0)
            return -1;
        c->open[c->depth].node = c->n - 1;
        c->open[c->depth].line = line;
        c->depth++;
        return 0;
    case '/': {
        p++, len--;
        trim(&p, &len);
        if (c->depth == 0) {
            errmsg_set(c->err, c->errlen, "%s:%u: {{/%.*s}} closes a section that was never opened",
                   c->label, line, (int)len, p);
            return -1;
        }
        struct node *o = &c->nodes[c->open[c->depth - 1].node];
        if (!span_eq(p, len, o->u.name.src)) {
            errmsg_set(c->err, c->errlen, "%s:%u: {{/%.*s}} does not match {{%c%s}} opened at line %u",
                   c->label, line, (int)len, p, o->op == OP_SECTION ? '#' : '^', o->u.name.src,
                   o->line);
            return -1;
        }
        o->u.name.end = c->n;
        c->depth--;
        return 0;
    }
    default:
        break;
    }
    if (len >= 3 && memcmp(p, "raw", 3) == 0 && (len == 3 || is_space(p[3]))) {
        p += 3, len -= 3;
        trim(&p, &len);
        if (len == 0) {
            errmsg_set(c->err, c->errlen, "%s:%u: {{raw}} needs a name: {{raw name}}", c->label, line);
            return -1;
        }
        n = push_node(c, OP_RAW, line);
    } else {
        n = push_node(c, OP_VAR, line);
    }
    return compile_name(c, n, p, len);
}

static unsigned count_lines(const char *p, size_t len)
{
    unsigned k = 0;
    const char *end = p + len;

    while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        k++;
        p++;
    }
    return k;
}

/* Index of the first "ab" pair at or after from, or len if none. */
static size_t find2(const char *s, size_t len, size_t from, char a, char b)
{
    while (from + 1 < len) {
        const char *q = memchr(s + from, a, len - from - 1);
        if (!q)
            break;
        from = (size_t)(q - s);
        if (s[from + 1] == b)
            return from;
        from++;
    }
    return len;
}

/* Compiles src[0..len) (which must stay alive as long as the nodes) into t. */
static int compile(struct compiler *c, struct tpl *t, const char *src, size_t len)
{
    int rc = -1;
    size_t pos = 0;
    unsigned line = 1;

    while (pos < len) {
        size_t open = find2(src, len, pos, '{', '{');
        if (open > pos) {
            struct node *n = push_node(c, OP_TEXT, line);
            n->u.text.p = src + pos;
            n->u.text.len = open - pos;
            line += count_lines(src + pos, open - pos);
        }
        if (open == len)
            break;
        size_t close = find2(src, len, open + 2, '}', '}');
        if (close == len) {
            errmsg_set(c->err, c->errlen, "%s:%u: unterminated tag: '{{' without '}}'", c->label, line);
            goto done;
        }
        if (compile_tag(c, line, src + open + 2, close - open - 2) < 0)
            goto done;
        line += count_lines(src + open, close - open);
        pos = close + 2;
    }
    if (c->depth) {
        struct node *o = &c->nodes[c->open[c->depth - 1].node];
        errmsg_set(c->err, c->errlen, "%s:%u: section {{%c%s}} is never closed", c->label,
               c->open[c->depth - 1].line, o->op == OP_SECTION ? '#' : '^', o->u.name.src);
        goto done;
    }
    t->n = c->n;
    t->nodes = arena_array(c->arena, c->n ? c->n : 1, sizeof *t->nodes);
    if (c->n)
        memcpy(t->nodes, c->nodes, c->n * sizeof *t->nodes);
    rc = 0;
done:
    free(c->nodes);
    c->nodes = NULL;
    return rc;
}

static int add_labelled(struct tpl_engine *e, const char *name, const char *label,
                        const char *text, size_t len, char *err, size_t errlen)
{
    struct compiler c;
    struct tpl *t;
    char *src;

    if (e->finished) {
        errmsg_set(err, errlen, "%s: template engine already finished", label);
        return -1;
    }
    memset(&c, 0, sizeof c);
    c.arena = e->arena;
    c.label = label;
    c.err = err;
    c.errlen = errlen;

    /* The copy and the nodes stay in the arena even if compiling fails:
     * a failed load frees the whole engine anyway. */
    src = arena_alloc(e->arena, len + 1);
    if (len)
        memcpy(src, text, len);
    t = arena_alloc(e->arena, sizeof *t);
    if (compile(&c, t, src, len) < 0)
        return -1;
    t->name = arena_strdup(e->arena, name);
    t->label = arena_strdup(e->arena, label);
    if (e->n == e->cap) {
        e->cap = e->cap ? e->cap * 2 : 16;
        e->tpls = xrealloc(e->tpls, e->cap * sizeof *e->tpls);
    }
    e->tpls[e->n++] = t;
    return 0;
}

/* ---- engine lifecycle --------------------------------------------------- */

struct tpl_engine *tpl_engine_new(void)
{
    struct tpl_engine *e = xcalloc(1, sizeof *e);
    e->arena = arena_new();
    return e;
}

void tpl_engine_free(struct tpl_engine *e)
{
    if (!e)
        return;
    arena_free(e->arena);
    free(e->tpls);
    free(e);
}

int tpl_engine_add(struct tpl_engine *e, const char *name, const char *text, size_t len,
                   char *err, size_t errlen)
{
    return add_labelled(e, name, name, text, len, err, errlen);
}

static int cmp_tpl(const void *a, const void *b)
{
    const struct tpl *const *x = a, *const *y = b;
    return strcmp((*x)->name, (*y)->name);
}

static struct tpl *find(const struct tpl_engine *e, const char *name)
{
    size_t lo = 0, hi = e->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = strcmp(name, e->tpls[mid]->name);
        if (r == 0)
            return e->tpls[mid];
        if (r < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* Computes t->pdepth, failing on recursion or excessive depth. */
static int check_depth(struct tpl *t, char *err, size_t errlen)
{
    int d = 0;

    if (t->mark == 2)
        return 0;
    t->mark = 1;
    for (size_t i = 0; i < t->n; i++) {
        const struct node *n = &t->nodes[i];
        struct tpl *target;

        if (n->op != OP_PARTIAL)
            continue;
        target = n->u.partial.target;
        if (target->mark == 1) {
            errmsg_set(err, errlen, "%s:%u: partial recursion: {{> %s}} leads back to '%s'", t->label,
                   n->line, n->u.partial.name, target->name);
            return -1;
        }
        if (check_depth(target, err, errlen) < 0)
            return -1;
        if (target->pdepth + 1 > d)
            d = target->pdepth + 1;
        if (d > TPL_MAX_PARTIAL_DEPTH) {
            errmsg_set(err, errlen, "%s:%u: partials nested deeper than %d through {{> %s}}", t->label,
                   n->line, TPL_MAX_PARTIAL_DEPTH, n->u.partial.name);
            return -1;
        }
    }
    t->pdepth = d;
    t->mark = 2;
    return 0;
}

int tpl_engine_finish(struct tpl_engine *e, char *err, size_t errlen)
{
    struct sb key = SB_INIT;
    int rc = -1;

    if (e->finished) {
        errmsg_set(err, errlen, "template engine already finished");
        return -1;
    }
    if (e->n)
        qsort(e->tpls, e->n, sizeof *e->tpls, cmp_tpl);
    for (size_t i = 1; i < e->n; i++) {
        if (strcmp(e->tpls[i - 1]->name, e->tpls[i]->name) == 0) {
            errmsg_set(err, errlen, "%s: duplicate template name '%s' (also %s)", e->tpls[i]->label,
                   e->tpls[i]->name, e->tpls[i - 1]->label);
            goto done;
        }
    }
    for (size_t i = 0; i < e->n; i++) {
        struct tpl *t = e->tpls[i];
        for (size_t j = 0; j < t->n; j++) {
            struct node *n = &t->nodes[j];
            if (n->op != OP_PARTIAL)
                continue;
            sb_reset(&key);
            sb_addf(&key, "partials/%s", n->u.partial.name);
            n->u.partial.target = find(e, key.buf);
            if (!n->u.partial.target)
                n->u.partial.target = find(e, n->u.partial.name);
            if (!n->u.partial.target) {
                errmsg_set(err, errlen, "%s:%u: unknown partial {{> %s}} (no template '%s' or '%s')",
                       t->label, n->line, n->u.partial.name, key.buf, n->u.partial.name);
                goto done;
            }
        }
    }
    for (size_t i = 0; i < e->n; i++) {
        if (check_depth(e->tpls[i], err, errlen) < 0)
            goto done;
    }
    e->finished = 1;
    rc = 0;
done:
    sb_release(&key);
    return rc;
}

int tpl_engine_has(const struct tpl_engine *e, const char *name)
{
    return e->finished && find(e, name) != NULL;
}

/* ---- loading from a directory ------------------------------------------- */

static int read_file(const char *path, char **buf, size_t *len, char *err, size_t errlen)
{
    int rc = -1;
    FILE *f = NULL;
    struct stat st;
    char *data = NULL;

    f = fopen(path, "rb");
    if (!f) {
        errmsg_set(err, errlen, "%s: %s", path, strerror(errno));
        goto done;
    }
    if (fstat(fileno(f), &st) < 0) {
        errmsg_set(err, errlen, "%s: %s", path, strerror(errno));
        goto done;
    }
    if (st.st_size < 0 || (unsigned long long)st.st_size > TPL_MAX_FILE_SIZE) {
        errmsg_set(err, errlen, "%s: larger than %u bytes", path, TPL_MAX_FILE_SIZE);
        goto done;
    }
    size_t size = (size_t)st.st_size;
    data = xmalloc(size + 1);
    if (fread(data, 1, size, f) != size || ferror(f)) {
        errmsg_set(err, errlen, "%s: read error", path);
        goto done;
    }
    data[size] = '\0';
    *buf = data;
    *len = size;
    data = NULL;
    rc = 0;
done:
    free(data);
    if (f)
        (void)fclose(f); /* read-only: nothing to lose */
    return rc;
}

/* Adds every *.html under root/rel (rel "" for root itself). */
static int load_dir(struct tpl_engine *e, const char *root, const char *rel, int depth,
                    char *err, size_t errlen)
{
    int rc = -1;
    struct sb dirpath = SB_INIT, path = SB_INIT, sub = SB_INIT, name = SB_INIT;
    DIR *d = NULL;
    struct dirent *de;
    char *text = NULL;

    sb_adds(&dirpath, root);
    if (*rel) {
        sb_addc(&dirpath, '/');
        sb_adds(&dirpath, rel);
    }
    d = opendir(dirpath.buf);
    if (!d) {
        errmsg_set(err, errlen, "%s: %s", dirpath.buf, strerror(errno));
        goto done;
    }
    errno = 0;
    while ((de = readdir(d)) != NULL) {
        struct stat st;
        size_t nlen = strlen(de->d_name);

        if (de->d_name[0] == '.')
            continue;
        sb_reset(&path);
        sb_addf(&path, "%s/%s", dirpath.buf, de->d_name);
        sb_reset(&sub);
        if (*rel)
            sb_addf(&sub, "%s/", rel);
        sb_adds(&sub, de->d_name);
        if (stat(path.buf, &st) < 0) {
            errmsg_set(err, errlen, "%s: %s", path.buf, strerror(errno));
            goto done;
        }
        if (S_ISDIR(st.st_mode)) {
            if (depth >= MAX_DIR_DEPTH) {
                errmsg_set(err, errlen, "%s: directories nested deeper than %d", path.buf,
                       MAX_DIR_DEPTH);
                goto done;
            }
            if (load_dir(e, root, sub.buf, depth + 1, err, errlen) < 0)
                goto done;
        } else if (S_ISREG(st.st_mode) && nlen > 5 && strcmp(de->d_name + nlen - 5, ".html") == 0) {
            size_t len;
            sb_reset(&name);
            sb_add(&name, sub.buf, sub.len - 5);
            if (read_file(path.buf, &text, &len, err, errlen) < 0)
                goto done;
            if (add_labelled(e, name.buf, path.buf, text, len, err, errlen) < 0)
                goto done;
            free(text);
            text = NULL;
        }
        errno = 0;
    }
    if (errno) {
        errmsg_set(err, errlen, "%s: %s", dirpath.buf, strerror(errno));
        goto done;
    }
    rc = 0;
done:
    free(text);
    if (d)
        (void)closedir(d);
    sb_release(&dirpath);
    sb_release(&path);
    sb_release(&sub);
    sb_release(&name);
    return rc;
}

int tpl_engine_load(const char *dir, struct tpl_engine **out, char *err, size_t errlen)
{
    int rc = -1;
    struct tpl_engine *e = tpl_engine_new();

    *out = NULL;
    if (load_dir(e, dir, "", 0, err, errlen) < 0)
        goto done;
    if (tpl_engine_finish(e, err, errlen) < 0)
        goto done;
    *out = e;
    e = NULL;
    rc = 0;
done:
    tpl_engine_free(e);
    return rc;
}

int tpl_engine_load_files(const char *dir, const char *sub, const char *const *names, size_t n,
                          const char *what, struct tpl_engine **out, char *err, size_t errlen)
{
    int rc = -1;
    struct tpl_engine *e = tpl_engine_new();
    struct sb path = SB_INIT;
    char *text = NULL, msg[512];

    *out = NULL;
    for (size_t i = 0; i < n; i++) {
        size_t len;
        sb_reset(&path);
        sb_addf(&path, "%s/%s/%s", dir, sub, names[i]);
        if (!(text = fs_read_file(path.buf, TPL_MAX_FILE_SIZE, &len))) {
            errmsg_set(err, errlen, "%s: cannot read the template", path.buf);
            goto done;
        }
        if (tpl_engine_add(e, names[i], text, len, msg, sizeof msg) < 0) {
            errmsg_set(err, errlen, "%s: %s", path.buf, msg);
            goto done;
        }
        free(text);
        text = NULL;
    }
    if (tpl_engine_finish(e, msg, sizeof msg) < 0) {
        errmsg_set(err, errlen, "%s: %s", what, msg);
        goto done;
    }
    *out = e;
    e = NULL;
    rc = 0;
done:
    free(text);
    sb_release(&path);
    tpl_engine_free(e);
    return rc;
}

/* ---- rendering ---------------------------------------------------------- */

/* One entry of the context stack; lives on the C stack of the section that
 * pushed it. */
struct frame {
    const struct frame *up; /* NULL for the root */
    const json_t *val;
    size_t index, count; /* count > 0: an element of a list section */
};

struct render {
    struct sb *out;
    const char *body; /* tpl_render_page: the page, visible as "body" */
    size_t body_len;
    int plain;        /* tpl_render_text: no HTML escaping anywhere */
};

enum vkind { V_MISSING, V_JSON, V_STR, V_BOOL, V_NUM };

struct val {
    enum vkind kind;
    const json_t *j; /* V_JSON */
    const char *s;   /* V_STR */
    size_t len;      /* V_STR length, V_BOOL / V_NUM value */
};

static struct val lookup(const struct render *r, const struct frame *top, const struct node *n)
{
    struct val v = { V_MISSING, NULL, NULL, 0 };
    const struct frame *f;
    const json_t *j = NULL;

    switch (n->u.name.kind) {
    case NAME_DOT:
        if (top->val) {
            v.kind = V_JSON;
            v.j = top->val;
        }
        return v;
    case NAME_INDEX:
    case NAME_FIRST:
    case NAME_LAST:
        for (f = top; f && f->count == 0; f = f->up)
            ;
        if (!f)
            return v;
        v.kind = n->u.name.kind == NAME_INDEX ? V_NUM : V_BOOL;
        v.len = n->u.name.kind == NAME_INDEX ? f->index + 1
                : n->u.name.kind == NAME_FIRST ? f->index == 0
                : f->index + 1 == f->count;
        return v;
    case NAME_PATH:
        break;
    }
    for (f = top; f; f = f->up) {
        if (!f->up && r->body && strcmp(n->u.name.seg[0], "body") == 0) {
            if (n->u.name.nseg == 1) {
                v.kind = V_STR;
                v.s = r->body;
                v.len = r->body_len;
            }
            return v;
        }
        j = json_object_get(f->val, n->u.name.seg[0]); /* NULL if not an object */
        if (j)
            break;
    }
    for (size_t i = 1; j && i < n->u.name.nseg; i++)
        j = json_object_get(j, n->u.name.seg[i]);
    if (j) {
        v.kind = V_JSON;
        v.j = j;
    }
    return v;
}

/* Integers without printf: this runs for every number on every page. */
static void add_int(struct sb *out, long long v)
{
    char buf[24];
    size_t pos = sizeof buf;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

    do {
        buf[--pos] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        buf[--pos] = '-';
    sb_add(out, buf + pos, sizeof buf - pos);
}

/* Shortest of %.15g, %.16g, %.17g that reads back as the same double, so
 * 0.1 prints as "0.1" and 1/3 as "0.3333333333333333". */
static void add_real(struct sb *out, double d)
{
    char buf[64];
    int k = 0;

    for (int prec = 15; prec <= 17; prec++) {
        k = snprintf(buf, sizeof buf, "%.*g", prec, d);
        if (k <= 0 || (size_t)k >= sizeof buf)
            return;
        if (strtod(buf, NULL) == d)
            break;
    }
    sb_add(out, buf, (size_t)k);
}

static void emit(struct sb *out, struct val v, int raw)
{
    const char *s = NULL;
    size_t len = 0;

    switch (v.kind) {
    case V_MISSING:
        return;
    case V_STR:
        s = v.s;
        len = v.len;
        break;
    case V_BOOL:
        if (v.len)
            sb_add(out, "true", 4);
        return;
    case V_NUM:
        add_int(out, (long long)v.len);
        return;
    case V_JSON:
        switch (json_typeof(v.j)) {
        case JSON_STRING:
            s = json_string_value(v.j);
            len = json_string_length(v.j);
            break;
        case JSON_INTEGER:
            add_int(out, json_integer_value(v.j));
            return;
        case JSON_REAL:
            add_real(out, json_real_value(v.j));
            return;
        case JSON_TRUE:
            sb_add(out, "true", 4);
            return;
        default: /* false, null, object, array */
            return;
        }
        break;
    }
    if (raw)
        sb_add(out, s, len);
    else
        esc_html(out, s, len);
}

/* Truthiness of a scalar (arrays and objects are handled by the caller). */
static int truthy(struct val v)
{
    switch (v.kind) {
    case V_MISSING:
        return 0;
    case V_STR:
    case V_BOOL:
    case V_NUM:
        return v.len != 0;
    case V_JSON:
        switch (json_typeof(v.j)) {
        case JSON_STRING:
            return json_string_length(v.j) != 0;
        case JSON_INTEGER:
            return json_integer_value(v.j) != 0;
        case JSON_REAL:
            return json_real_value(v.j) != 0.0;
        case JSON_TRUE:
            return 1;
        default:
            return 0;
        }
    }
    return 0;
}

static void render_nodes(const struct render *r, const struct node *nodes, size_t begin,
                         size_t end, const struct frame *top)
{
    size_t i = begin;

    while (i < end) {
        const struct node *n = &nodes[i];
        struct val v;

        switch (n->op) {
        case OP_TEXT:
            sb_add(r->out, n->u.text.p, n->u.text.len);
            i++;
            break;
        case OP_VAR:
        case OP_RAW:
            emit(r->out, lookup(r, top, n), n->op == OP_RAW || r->plain);
            i++;
            break;
        case OP_PARTIAL:
            render_nodes(r, n->u.partial.target->nodes, 0, n->u.partial.target->n, top);
            i++;
            break;
        case OP_SECTION:
        case OP_INVERTED: {
            int show;
            v = lookup(r, top, n);
            if (v.kind == V_JSON && json_is_array(v.j)) {
                size_t count = json_array_size(v.j);
                show = count > 0;
                if (show && n->op == OP_SECTION) {
                    for (size_t k = 0; k < count; k++) {
                        struct frame f = { top, json_array_get(v.j, k), k, count };
                        render_nodes(r, nodes, i + 1, n->u.name.end, &f);
                    }
                    i = n->u.name.end;
                    break;
                }
            } else if (v.kind == V_JSON && json_is_object(v.j)) {
                show = 1;
                if (n->op == OP_SECTION) {
                    struct frame f = { top, v.j, 0, 0 };
                    render_nodes(r, nodes, i + 1, n->u.name.end, &f);
                    i = n->u.name.end;
                    break;
                }
            } else {
                show = truthy(v);
            }
            if (show == (n->op == OP_SECTION))
                render_nodes(r, nodes, i + 1, n->u.name.end, top);
            i = n->u.name.end;
            break;
        }
        }
    }
}

static const struct tpl *find_checked(const struct tpl_engine *e, const char *name, char *err,
                                      size_t errlen)
{
    const struct tpl *t;

    if (!e->finished) {
        errmsg_set(err, errlen, "template engine not finished");
        return NULL;
    }
    t = find(e, name);
    if (!t)
        errmsg_set(err, errlen, "unknown template '%s'", name);
    return t;
}

static int render_one(const struct tpl_engine *e, const char *name, const json_t *ctx,
                      struct sb *out, int plain, char *err, size_t errlen)
{
    const struct tpl *t = find_checked(e, name, err, errlen);
    struct render r = { out, NULL, 0, plain };
    struct frame root = { NULL, ctx, 0, 0 };

    if (!t)
        return -1;
    render_nodes(&r, t->nodes, 0, t->n, &root);
    if (out->err) {
        errmsg_set(err, errlen, "rendering '%s': output larger than its limit", name);
        return -1;
    }
    return 0;
}

int tpl_render(const struct tpl_engine *e, const char *name, const json_t *ctx,
               struct sb *out, char *err, size_t errlen)
{
    return render_one(e, name, ctx, out, 0, err, errlen);
}

int tpl_render_text(const struct tpl_engine *e, const char *name, const json_t *ctx,
                    struct sb *out, char *err, size_t errlen)
{
    return render_one(e, name, ctx, out, 1, err, errlen);
}

int tpl_render_page(const struct tpl_engine *e, const char *page, const char *layout,
                    const json_t *ctx, struct sb *out, char *err, size_t errlen)
{
    int rc = -1;
    const struct tpl *pt, *lt;
    struct sb body = SB_INIT;
    struct frame root = { NULL, ctx, 0, 0 };
    struct render r = { &body, NULL, 0, 0 };

    pt = find_checked(e, page, err, errlen);
    if (!pt)
        goto done;
    lt = find_checked(e, layout, err, errlen);
    if (!lt)
        goto done;
    sb_init(&body, out->max);
    if (!body.max || body.max >= BODY_PREALLOC)
        (void)sb_grow(&body, BODY_PREALLOC); /* can't fail here; saves a chain of reallocs */
    render_nodes(&r, pt->nodes, 0, pt->n, &root);
    if (body.err) {
        out->err = 1;
        errmsg_set(err, errlen, "rendering '%s': output larger than its limit", page);
        goto done;
    }
    r.out = out;
    r.body = body.buf;
    r.body_len = body.len;
    render_nodes(&r, lt->nodes, 0, lt->n, &root);
    if (out->err) {
        errmsg_set(err, errlen, "rendering '%s' in '%s': output larger than its limit", page, layout);
        goto done;
    }
    rc = 0;
done:
    sb_release(&body);
    return rc;
}
