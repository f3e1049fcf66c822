/* HTML builder: allow-listed markup, escaped text (html.h). */
#include "app/html.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Elements the console's pages use. script takes only src (CSP forbids inline script). */
static const char *const TAGS[] = {
    "a", "body", "br", "button", "caption", "dd", "details", "div", "dl", "dt", "em",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "head", "header",
    "html", "img", "input", "label", "legend", "li", "link", "main", "meta", "nav", "ol",
    "option", "p", "script", "section", "select", "small", "span", "strong", "summary", "table",
    "tbody", "td", "textarea", "th", "thead", "title", "tr", "ul",
};
static const char *const VOID_TAGS[] = {"br", "img", "input", "link", "meta"};
static const char *const ATTRS[] = {
    "accept", "action", "alt", "aria-current", "aria-label", "autocomplete", "autofocus",
    "charset", "checked", "class", "content", "download", "enctype", "for", "height", "hidden", "href", "id", "lang",
    "maxlength", "media", "method", "minlength", "name", "rel", "required", "role", "scope",
    "selected", "src", "type", "value", "width",
};
/* Attributes whose value is a URL: only this site's paths. */
static const char *const URL_ATTRS[] = {"action", "href", "src"};

static bool in_list(const char *const *list, size_t n, const char *name)
{
    for (size_t i = 0; name && i < n; i++)
        if (strcmp(list[i], name) == 0)
            return true;
    return false;
}

#define IN(list, name) in_list(list, sizeof list / sizeof list[0], name)

int html_tag_allowed(const char *tag)
{
    return IN(TAGS, tag) ? 0 : SAE_EINVAL;
}

int html_attr_allowed(const char *name)
{
    return IN(ATTRS, name) ? 0 : SAE_EINVAL;
}

void html_init(struct html *h)
{
    memset(h, 0, sizeof *h);
}

void html_free(struct html *h)
{
    if (h->buf) {
        sodium_memzero(h->buf, h->cap);
        free(h->buf);
    }
    html_init(h);
}

static int fail(struct html *h, int code)
{
    if (h->error == 0)
        h->error = code;
    return h->error;
}

static int reserve(struct html *h, size_t more)
{
    if (h->error)
        return h->error;
    if (more > HTML_PAGE_BYTES_MAX - h->len)
        return fail(h, SAE_ETOOBIG);
    if (h->len + more <= h->cap)
        return 0;
    size_t cap = h->cap ? h->cap : 4096;
    while (cap < h->len + more)
        cap *= 2;
    char *grown = malloc(cap);
    if (!grown)
        return fail(h, SAE_ENOMEM);
    if (h->buf) {
        memcpy(grown, h->buf, h->len);
        sodium_memzero(h->buf, h->cap);
        free(h->buf);
    }
    h->buf = grown;
    h->cap = cap;
    return 0;
}

/* Markup from the allow-lists only: never called with caller bytes. */
static int put(struct html *h, const char *s, size_t n)
{
    int rc = reserve(h, n);
    if (rc == 0) {
        memcpy(h->buf + h->len, s, n);
        h->len += n;
    }
    return rc;
}

static int puts_lit(struct html *h, const char *s)
{
    return put(h, s, strlen(s));
}

/* Length of the well-formed UTF-8 sequence at s (0: not one), as sae_utf8_check judges. */
static size_t utf8_sequence(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned min;
    if (c >= 0x01 && c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    unsigned cp = c & (0x7Fu >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

static const char *entity(unsigned char c)
{
    switch (c) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '"': return "&quot;";
    case '\'': return "&#39;";
    default: return NULL;
    }
}

/* Printable ASCII that needs no entity: copied in runs. */
static bool plain_byte(unsigned char c)
{
    return c >= 0x20 && c < 0x80 && !entity(c);
}

/* The one path caller bytes take into the page. */
static int escaped(struct html *h, const char *text, size_t n)
{
    static const char REPLACEMENT[] = "\xEF\xBF\xBD";
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    while (i < n && h->error == 0) {
        size_t run = i;
        while (run < n && plain_byte(s[run]))
            run++;
        if (run > i) {
            put(h, text + i, run - i);
            i = run;
            continue;
        }
        const char *ent = entity(s[i]);
        size_t len = ent ? 1 : utf8_sequence(s + i, n - i);
        if (ent)
            puts_lit(h, ent);
        else if (len == 0)
            put(h, REPLACEMENT, sizeof REPLACEMENT - 1);
        else
            put(h, text + i, len);
        i += len ? len : 1;
    }
    return h->error;
}

int html_doctype(struct html *h)
{
    return puts_lit(h, "<!DOCTYPE html>\n");
}

static bool url_allowed(const char *value)
{
    return value && value[0] == '/' && value[1] != '/' && value[1] != '\\';
}

static int attribute(struct html *h, const struct html_attr *a)
{
    if (!IN(ATTRS, a->name))
        return fail(h, SAE_EINVAL);
    if (IN(URL_ATTRS, a->name) && !url_allowed(a->value))
        return fail(h, SAE_EINVAL);
    puts_lit(h, " ");
    puts_lit(h, a->name);
    if (a->value) {
        puts_lit(h, "=\"");
        escaped(h, a->value, strlen(a->value));
        puts_lit(h, "\"");
    }
    return h->error;
}

int html_open(struct html *h, const char *tag, const struct html_attr *attrs, size_t n)
{
    if (h->error)
        return h->error;
    if (!IN(TAGS, tag) || (n > 0 && !attrs))
        return fail(h, SAE_EINVAL);
    bool is_void = IN(VOID_TAGS, tag);
    if (!is_void && h->depth >= HTML_DEPTH_MAX)
        return fail(h, SAE_ETOOBIG);
    puts_lit(h, "<");
    puts_lit(h, tag);
    for (size_t i = 0; i < n; i++)
        attribute(h, &attrs[i]);
    puts_lit(h, ">");
    if (h->error == 0 && !is_void)
        h->open[h->depth++] = tag;
    return h->error;
}

int html_close(struct html *h, const char *tag)
{
    if (h->error)
        return h->error;
    if (h->depth == 0 || !tag || strcmp(h->open[h->depth - 1], tag) != 0)
        return fail(h, SAE_EINVAL);
    h->depth--;
    puts_lit(h, "</");
    puts_lit(h, h->open[h->depth]);
    return puts_lit(h, ">");
}

int html_text_n(struct html *h, const char *text, size_t len)
{
    if (h->error)
        return h->error;
    if (!text && len > 0)
        return fail(h, SAE_EINVAL);
    return escaped(h, text, len);
}

int html_text(struct html *h, const char *text)
{
    return text ? html_text_n(h, text, strlen(text)) : h->error;
}

int html_element(struct html *h, const char *tag, const struct html_attr *attrs, size_t n,
                 const char *text)
{
    html_open(h, tag, attrs, n);
    html_text(h, text);
    return html_close(h, tag);
}

int html_finish(struct html *h, uint8_t **out, size_t *len)
{
    int rc = h->error ? h->error : h->depth ? SAE_EINVAL : h->len == 0 ? SAE_EINVAL : 0;
    if (rc == 0) {
        *out = (uint8_t *)h->buf;
        *len = h->len;
        html_init(h);
        return 0;
    }
    html_free(h);
    return rc;
}
