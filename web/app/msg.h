/* The one message catalogue of the web pages: every word a page shows comes from here (or,
 * for a report's fields, from the catalogue's own labels through msg_field_label), in
 * Indonesian (the default) or English. The language is the browser's choice, kept in the
 * MSG_LANG_COOKIE cookie ("id" or "en"); anything else means Indonesian. */
#ifndef WEB_MSG_H
#define WEB_MSG_H

#include "sae/sae_catalogue.h"

#define MSG_LANG_COOKIE "sae_lang"

enum msg_lang { MSG_LANG_ID, MSG_LANG_EN };

enum msg_id {
    MSG_APP_NAME,
    MSG_CONSOLE,
    MSG_SIGN_IN,
    MSG_SIGN_IN_INTRO,
    MSG_SIGN_OUT,
    MSG_NAME,
    MSG_PASSWORD,
    MSG_SIGN_IN_FAILED,
    MSG_SIGN_IN_THROTTLED,
    MSG_CHANGE_PASSWORD,
    MSG_CURRENT_PASSWORD,
    MSG_NEW_PASSWORD,
    MSG_NEW_PASSWORD_AGAIN,
    MSG_PASSWORD_RULE,
    MSG_PASSWORD_CHANGED,
    MSG_PASSWORD_MISMATCH,
    MSG_PASSWORD_WRONG,
    MSG_CONDUCT_TITLE,
    MSG_CONDUCT_TEXT_1,
    MSG_CONDUCT_TEXT_2,
    MSG_CONDUCT_TEXT_3,
    MSG_CONDUCT_ACCEPT,
    MSG_HOME,
    MSG_WELCOME,
    MSG_ROLE,
    MSG_ROLE_OPERATOR,
    MSG_ROLE_COORDINATOR,
    MSG_ROLE_ADMIN,
    MSG_ROLE_PARTNER,
    MSG_AGENCY,
    MSG_SECTIONS,
    MSG_ACCOUNT_SECTION,
    MSG_LANGUAGE_SWITCH,
    MSG_NOT_FOUND,
    MSG_FORBIDDEN,
    MSG_BAD_REQUEST,
    MSG_SERVER_ERROR,
    MSG_SESSION_ENDED,
    MSG_SKIP_TO_CONTENT,
    MSG_POSTS,
    MSG_POSTS_INTRO,
    MSG_DEVICE,
    MSG_VILLAGE,
    MSG_STATE,
    MSG_LAST_CONTACT,
    MSG_LAST_BATCH,
    MSG_CHANGES_RECEIVED,
    MSG_CLOCK_OFFSET,
    MSG_STATE_ENROLLED,
    MSG_STATE_REVOKED,
    MSG_STATE_PENDING,
    MSG_STATE_EXPIRED,
    MSG_STATE_CANCELLED,
    MSG_NEVER,
    MSG_NOT_MEASURED,
    MSG_ACTIONS,
    MSG_REVOKE,
    MSG_REVOKE_TITLE,
    MSG_REVOKE_CONFIRM,
    MSG_REVOKE_YES,
    MSG_REVOKED_DONE,
    MSG_CANCEL,
    MSG_NO_DEVICES,
    MSG_ME,
    MSG_ME_INTRO,
    MSG_FROM_MONTH,
    MSG_TO_MONTH,
    MSG_SHOW,
    MSG_KECAMATAN,
    MSG_COUNTED,
    MSG_LEFT_OUT,
    MSG_LINKED,
    MSG_CONSENT_NOTE,
    MSG_DATE_BASIS,
    MSG_PLACE_BASIS,
    MSG_BASIS_CASE_DATE,
    MSG_BASIS_SERVICE_DATE,
    MSG_BASIS_STAY_DATE,
    MSG_BASIS_REFERRAL_DATE,
    MSG_BASIS_CASE_PLACE,
    MSG_BASIS_EVENT_PLACE,
    MSG_CATEGORY,
    MSG_DETAIL,
    MSG_TOTAL,
    MSG_DOWNLOAD_CSV,
    MSG_NO_ROWS,
    MSG_BAD_PERIOD,
    MSG_AUDIT,
    MSG_AUDIT_INTRO,
    MSG_WHEN,
    MSG_WHO,
    MSG_WHAT,
    MSG_TARGET,
    MSG_ADDRESS,
    MSG_TARGET_CONTAINS,
    MSG_FILTER,
    MSG_OLDER,
    MSG_COUNT
};

/* The message in lang; never NULL. */
const char *msg_get(enum msg_lang lang, enum msg_id id);
/* The language a cookie value names ("en": English; anything else, NULL included:
 * Indonesian). */
enum msg_lang msg_lang_from(const char *cookie_value);
/* "id" or "en", for the page's lang attribute and the cookie. */
const char *msg_lang_code(enum msg_lang lang);
/* A field's label from the catalogue (label_id / label_en). */
const char *msg_field_label(enum msg_lang lang, const struct sae_field *field);

#endif
