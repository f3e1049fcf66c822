/* The console's JSON API (proto/CONSOLE_API.md): the session (sign in, who am I, sign out),
 * the password and the code of conduct. Bodies are JSON objects of known string fields only,
 * at most CONSOLE_API_BODY_BYTES; answers are JSON, errors {"error": CODE, "message": TEXT}. */
#include "api/console_internal.h"
#include "api/console_routes.h"

#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* Largest request body the API reads. */
#define CONSOLE_API_BODY_BYTES 16384u

int console_api_answer(struct console_exchange *x, unsigned status, json_t *value)
{
    if (!value)
        return SAE_ENOMEM;
    char *text = json_dumps(value, JSON_COMPACT);
    json_decref(value);
    if (!text)
        return SAE_ENOMEM;
    size_t len = strlen(text);
    uint8_t *body = malloc(len + 1);
    if (body) {
        memcpy(body, text, len);
        body[len] = '\n';
    }
    free(text);
    if (!body)
        return SAE_ENOMEM;
    return web_response_body(x->resp, status, "application/json", body, len + 1);
}

int console_api_error(struct console_exchange *x, unsigned status, const char *code,
                      const char *message)
{
    return console_api_answer(x, status, json_pack("{s:s, s:s}", "error", code, "message", message));
}

/* The request's JSON object with only the allowed string fields; answers 4xx itself and sets
 * *body NULL when it is not. */
int console_api_body(struct console_exchange *x, const char *const *allowed, json_t **body)
{
    *body = NULL;
    const char *type = x->req->content_type;
    if (!type || strncmp(type, "application/json", 16) != 0)
        return console_api_error(x, 415, "content-type", "send Content-Type: application/json");
    if (x->req->body_len > CONSOLE_API_BODY_BYTES)
        return console_api_error(x, 413, "too-large", "the body is over 16384 bytes");
    json_error_t error;
    json_t *value = x->req->body_len
                        ? json_loadb((const char *)x->req->body, x->req->body_len,
                                     JSON_REJECT_DUPLICATES, &error)
                        : NULL;
    if (!json_is_object(value)) {
        json_decref(value);
        return console_api_error(x, 400, "bad-json", "the body must be one JSON object");
    }
    const char *key;
    json_t *field;
    json_object_foreach(value, key, field) {
        bool known = false;
        for (const char *const *a = allowed; *a && !known; a++)
            known = strcmp(*a, key) == 0;
        if (!known || !json_is_string(field)) {
            json_decref(value);
            return console_api_error(x, 400, known ? "wrong-type" : "unknown-field",
                                known ? "every field is a string" : "the body has a field "
                                "this endpoint does not take");
        }
    }
    *body = value;
    return 0;
}

const char *console_api_text(json_t *body, const char *name)
{
    return json_string_value(json_object_get(body, name));
}

static json_t *account_json(const struct hub_account *a)
{
    return json_pack("{s:s, s:s, s:s?, s:b}", "name", a->name, "role", hub_role_name(a->role),
                     "agency", a->agency[0] ? a->agency : NULL, "conduct_accepted",
                     a->conduct_ms != 0);
}

static int sign_in(struct console_exchange *x)
{
    static const char *const allowed[] = {"name", "password", NULL};
    json_t *body = NULL;
    char token[SESSION_TOKEN_TEXT_BYTES], csrf[SESSION_TOKEN_TEXT_BYTES];
    int rc = console_api_body(x, allowed, &body);
    if (rc != 0 || !body)
        return rc;
    enum console_outcome outcome = CONSOLE_REFUSED;
    int64_t retry = 0;
    const char *name = console_api_text(body, "name");
    rc = console_sign_in(x, name, console_api_text(body, "password"), token, csrf, &outcome,
                         &retry);
    if (rc == 0 && outcome == CONSOLE_OK) {
        struct hub_account account;
        rc = hub_account_get(x->store, name, &account);
        if (rc == 0)
            rc = web_response_cookie(x->resp, SESSION_COOKIE, token, "/", 0);
        if (rc == 0)
            rc = console_api_answer(x, 200, json_pack("{s:o, s:s, s:b}", "account",
                                                      account_json(&account), "csrf", csrf,
                                                      "district_key", x->caller.holds_key));
    } else if (rc == 0 && outcome == CONSOLE_THROTTLED) {
        x->resp->retry_after_seconds = (unsigned)retry;
        rc = console_api_error(x, 429, "throttled", "too many failed sign-ins; try again later");
    } else if (rc == 0) {
        rc = console_api_error(x, 401, "sign-in-failed", "wrong account name or password");
    }
    sodium_memzero(token, sizeof token);
    json_decref(body);
    return rc;
}

static int change_password(struct console_exchange *x)
{
    static const char *const allowed[] = {"current", "new", NULL};
    json_t *body = NULL;
    int rc = console_api_body(x, allowed, &body);
    if (rc != 0 || !body)
        return rc;
    enum console_outcome outcome = CONSOLE_OK;
    const char *fresh = console_api_text(body, "new");
    rc = console_change_password(x, console_api_text(body, "current"), fresh, fresh, &outcome);
    if (rc == 0 && outcome == CONSOLE_OK)
        rc = console_api_answer(x, 200, json_pack("{s:b}", "signed_out", 1));
    else if (rc == 0 && outcome == CONSOLE_REFUSED)
        rc = console_api_error(x, 403, "wrong-password", "the current password is wrong");
    else if (rc == 0)
        rc = console_api_error(x, 400, "weak-password", "a password is 12 to 256 bytes of UTF-8");
    json_decref(body);
    return rc;
}

static int signed_in_route(struct console_exchange *x, const char *path, const char *method)
{
    bool get = strcmp(method, "GET") == 0;
    bool session = strcmp(path, "/api/v1/session") == 0;
    int door_rc = 0;
    if (console_routes_serve(x, &door_rc))
        return door_rc;
    if (get && session)
        return console_api_answer(
            x, 200, json_pack("{s:o, s:s, s:b}", "account", account_json(&x->caller.account),
                              "csrf", x->caller.csrf, "district_key",
                              session_keys_held(x->console->keys, x->caller.token_hash)));
    if (get)
        return console_api_error(x, 404, "not-found", "no such endpoint");
    char given[WEB_HEADER_BYTES] = "";
    web_request_header(x->req, CSRF_HEADER, given, sizeof given);
    if (!console_csrf_ok(x, given))
        return console_csrf_refuse(x, true);
    if (session && strcmp(method, "DELETE") == 0) {
        int rc = console_sign_out(x);
        if (rc == 0)
            rc = web_response_cookie_clear(x->resp, SESSION_COOKIE, "/");
        return rc == 0 ? console_api_answer(x, 200, json_pack("{s:b}", "signed_out", 1)) : rc;
    }
    if (strcmp(path, "/api/v1/conduct") == 0 && strcmp(method, "POST") == 0) {
        int rc = console_accept_conduct(x);
        return rc == 0 ? console_api_answer(x, 200, json_pack("{s:o}", "account",
                                                       account_json(&x->caller.account)))
                       : rc;
    }
    if (x->caller.account.conduct_ms == 0)
        return console_api_error(x, 403, "conduct", "accept the code of conduct first: POST "
                            "/api/v1/conduct");
    if (strcmp(path, "/api/v1/password") == 0 && strcmp(method, "POST") == 0)
        return change_password(x);
    return console_api_error(x, 404, "not-found", "no such endpoint");
}

int console_api_handle(struct console_exchange *x)
{
    const char *path = x->req->path, *method = x->req->method;
    if (strcmp(path, "/api/v1/session") == 0 && strcmp(method, "POST") == 0)
        return sign_in(x);
    if (!x->signed_in)
        return console_api_error(x, 401, "signed-out", "sign in first: POST /api/v1/session");
    return signed_in_route(x, path, method);
}
