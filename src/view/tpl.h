/* tpl — Knead's template engine: Mustache-like, compiled once, HTML-escaping.
 *
 * Syntax (whitespace inside a tag is ignored: {{ name }} == {{name}}):
 *
 *   {{name}} {{a.b.c}}  value looked up in the context, HTML-escaped.  Strings
 *                       as they are, integers and reals as numbers, true as
 *                       "true"; false, null, missing, objects and arrays print
 *                       nothing.  Name segments: letters, digits, '_' and '-'.
 *   {{.}}               the current item (inside a section over a list).
 *   {{raw name}}        the value NOT escaped.  The only raw marker; grep for
 *                       "{{raw" to review every use.  ("raw" is reserved.)
 *   {{#name}}..{{/name}} section: non-empty array -> body once per element,
 *                       with the element pushed on the context stack; object
 *                       -> body once with it pushed; true, non-empty string,
 *                       non-zero number -> body once, nothing pushed; false,
 *                       null, missing, [], "" and 0 -> nothing.
 *   {{^name}}..{{/name}} inverted section: body once exactly when {{#name}}
 *                       would render nothing.
 *   {{@index}} {{@first}} {{@last}}  in the innermost list section: 1-based
 *                       position, and booleans usable as sections
 *                       ({{^@last}}, {{/@last}}).  Outside a list: missing.
 *   {{> name}}          partial: renders template "partials/name", else
 *                       "name", with the current context stack.
 *   {{! text }}         comment, produces nothing (may span lines, must not
 *                       contain "}}").
 *
 * Names are resolved from the innermost context outward: {{clinic.name}}
 * inside {{#therapists}} finds "clinic" in the root context when the
 * therapist object has no "clinic" key.  Only the FIRST segment searches
 * outward; once found, the rest of the path must exist below it.
 *
 * Not supported (a load error, so nobody relies on it): {{{x}}}, {{&x}},
 * delimiter changes {{=..=}}.  There is no way to write a literal "{{" in a
 * template except through a variable.  Whitespace is kept exactly as written.
 * Values in attributes must be quoted: href="{{url}}".  Escaping does not
 * validate URLs: a handler that puts user data in href must check the scheme.
 *
 * Lifecycle: tpl_engine_load() (or tpl_engine_new + tpl_engine_add... +
 * tpl_engine_finish) at start; after finish the engine is immutable and may
 * be rendered from any number of threads at once; tpl_engine_free at exit.
 * Rendering allocates nothing but the growth of the output builder (and one
 * temporary builder for the page body in tpl_render_page). */
#ifndef KNEAD_VIEW_TPL_H
#define KNEAD_VIEW_TPL_H

#include <jansson.h>
#include <stddef.h>

struct sb;
struct tpl_engine;

/* Limits checked at load time. */
#define TPL_MAX_PARTIAL_DEPTH 8    /* {{> a}} inside a inside ... */
#define TPL_MAX_SECTION_DEPTH 32   /* {{#a}}{{#b}}... within one template */
#define TPL_MAX_FILE_SIZE (1u << 20)

/* Reads every *.html file under dir, recursively (dir/partials/ included;
 * names starting with '.' are skipped), compiles each, resolves partials and
 * finishes the engine.  A file is named by its path relative to dir without
 * ".html": "home", "layout", "partials/header".
 * On success returns 0 and stores a new engine in *out (free it with
 * tpl_engine_free).  On failure returns -1, stores NULL in *out and writes a
 * message naming the file and line ("templates/home.html:12: section
 * {{#items}} is never closed") to err (if errlen > 0; err may be NULL when
 * errlen is 0).  Failures: unreadable directory or file, file larger than
 * TPL_MAX_FILE_SIZE, any compile or finish error below. */
int tpl_engine_load(const char *dir, struct tpl_engine **out, char *err, size_t errlen);

/* Reads dir/sub/NAME for each of names[0..n), compiles it as the template
 * NAME ("confirmation.txt") and finishes the engine: the mail workers' few
 * named files (templates/mail/).  On success returns 0 and stores a new
 * engine in *out; on failure returns -1, stores NULL and writes to err the
 * file that could not be read or compiled ("templates/mail/x.txt: ..."), or
 * "WHAT: " and finish's message. */
int tpl_engine_load_files(const char *dir, const char *sub, const char *const *names, size_t n,
                          const char *what, struct tpl_engine **out, char *err, size_t errlen);

/* Allocates an empty, unfinished engine.  Free with tpl_engine_free.
 * Can't fail (aborts on OOM). */
struct tpl_engine *tpl_engine_new(void);

/* Compiles text[0..len) as the template called name (copies both; the caller
 * keeps ownership).  Error messages use name as the file label ("name:LINE:
 * ...").  Returns 0, or -1 with a message in err and the engine unchanged:
 * unterminated "{{", empty tag, bad name, unsupported tag ({{{, {{&, {{=),
 * {{raw}} without a name, {{/x}} without or not matching its {{#x}}/{{^x}},
 * section never closed, sections nested deeper than TPL_MAX_SECTION_DEPTH,
 * engine already finished.  Partials are resolved later, by finish. */
int tpl_engine_add(struct tpl_engine *e, const char *name, const char *text, size_t len,
                   char *err, size_t errlen);

/* Ends loading: resolves every {{> name}} to a template and checks nesting.
 * Returns 0, or -1 with a message (the engine may then only be freed):
 * duplicate template name, unknown partial, partial recursion (a template
 * reaching itself) or partials nested deeper than TPL_MAX_PARTIAL_DEPTH. */
int tpl_engine_finish(struct tpl_engine *e, char *err, size_t errlen);

/* Frees the engine and everything compiled into it.  Accepts NULL.  No
 * render may be running. */
void tpl_engine_free(struct tpl_engine *e);

/* Returns 1 if the finished engine has a template called name, else 0. */
int tpl_engine_has(const struct tpl_engine *e, const char *name);

/* Appends the template called name, rendered with ctx (a JSON object; NULL
 * means empty), to out.  ctx is only read, never changed or ref-counted.
 * Thread-safe on a finished engine.  Returns 0; or -1 with a message in err
 * when the name is unknown or the engine is not finished (out unchanged), or
 * when out hit its size limit (out->err is set, out holds a truncated page). */
int tpl_render(const struct tpl_engine *e, const char *name, const json_t *ctx,
               struct sb *out, char *err, size_t errlen);

/* Renders like tpl_render but escapes nothing: for plain-text bodies (the
 * text part of an e-mail), never for anything a browser reads as HTML.
 * Grep for "tpl_render_text" to review every use. */
int tpl_render_text(const struct tpl_engine *e, const char *name, const json_t *ctx,
                    struct sb *out, char *err, size_t errlen);

/* Renders page with ctx into a temporary builder, then appends layout
 * rendered with the same ctx plus the key "body" holding the page's HTML
 * (use {{raw body}} in the layout).  "body" shadows a "body" key of ctx and
 * is visible only in the layout; ctx itself is not modified.  Returns and
 * fails as tpl_render (both names are checked before anything is written). */
int tpl_render_page(const struct tpl_engine *e, const char *page, const char *layout,
                    const json_t *ctx, struct sb *out, char *err, size_t errlen);

#endif
