/* HTML built by construction. Markup comes only from the allow-lists below (tag and
 * attribute names are compared against them, so a name that is not in them is refused);
 * every text and attribute value goes through one escaping path that turns & < > " ' into
 * entities and every byte sequence that is not UTF-8 (or NUL) into U+FFFD. There is no
 * function that copies bytes into the page unescaped. URL attributes (href, src, action)
 * take only paths of this site ("/..." but not "//..."), so a stored value can never become
 * a javascript: or foreign link.
 *
 * Errors are sticky: after the first failure every call returns it and adds nothing, and
 * html_finish reports it, so a page is built with plain calls and checked once. */
#ifndef WEB_HTML_H
#define WEB_HTML_H

#include <stddef.h>
#include <stdint.h>

#include "sae/sae_error.h"

/* Largest page the builder makes (bytes); past it every call fails with SAE_ETOOBIG. */
#define HTML_PAGE_BYTES_MAX (4u * 1024u * 1024u)
/* Most elements open at once. */
#define HTML_DEPTH_MAX 32u

struct html {
    char *buf;
    size_t len, cap;
    int error;
    unsigned depth;
    const char *open[HTML_DEPTH_MAX];
};

/* An attribute: name from the allow-list, value any bytes (escaped). A NULL value writes
 * the attribute without a value (boolean attributes: required, selected). */
struct html_attr {
    const char *name;
    const char *value;
};

void html_init(struct html *h);
/* Wipes and frees what was built (when html_finish did not take it). */
void html_free(struct html *h);

/* <!DOCTYPE html> */
int html_doctype(struct html *h);
/* <tag attrs...>; attrs may be NULL when n is 0. Void elements (meta, link, input, br, img) are
 * not pushed and need no html_close. */
int html_open(struct html *h, const char *tag, const struct html_attr *attrs, size_t n);
/* </tag> of the element opened last; SAE_EINVAL when tag is not that one. */
int html_close(struct html *h, const char *tag);
/* Text, escaped: len bytes of text. */
int html_text_n(struct html *h, const char *text, size_t len);
/* Text, escaped: a NUL-terminated string (NULL writes nothing). */
int html_text(struct html *h, const char *text);
/* <tag attrs>text</tag>, the common case. */
int html_element(struct html *h, const char *tag, const struct html_attr *attrs, size_t n,
                 const char *text);

/* Hands the page over: *out (malloc'd, wipe before freeing), *len. SAE_EINVAL when an element
 * is still open, or the first error met while building; h is freed in every case. */
int html_finish(struct html *h, uint8_t **out, size_t *len);

/* Whether tag / attribute name is on the allow-lists (for tests and callers' checks). */
int html_tag_allowed(const char *tag);
int html_attr_allowed(const char *name);

#endif
