/* md — Markdown to HTML for articles and recommendations, via md4c-html.
 *
 * CommonMark plus tables, ~~strikethrough~~ and bare URL / www. / e-mail
 * autolinks.  Raw HTML in the source is never passed through: it comes out
 * as escaped text.  Link and image targets are limited to relative URLs and
 * the schemes http, https, mailto and tel; any other ("javascript:",
 * "data:", ...) is replaced by "#".  The result is meant for {{raw name}}. */
#ifndef KNEAD_VIEW_MD_H
#define KNEAD_VIEW_MD_H

#include <stddef.h>

struct sb;

/* Largest input md_render accepts, in bytes. */
#define MD_MAX_INPUT (4u << 20)

/* Appends the HTML for the Markdown text[0..len) (UTF-8; need not be
 * NUL-terminated; a leading BOM is skipped) to out.  Returns 0.  Returns -1
 * when len exceeds MD_MAX_INPUT or md4c fails (out unchanged), or when out
 * hit its size limit (out->err set).  Thread-safe. */
int md_render(const char *text, size_t len, struct sb *out);

#endif
