/* Error codes shared by every module of Rumah SAE Sync.
 *
 * Functions return 0 on success or one of these negative codes; results go through
 * out-parameters that stay untouched on failure. Only main() turns a code into a message
 * and an exit status. */
#ifndef SAE_ERROR_H
#define SAE_ERROR_H

enum sae_error {
    SAE_OK = 0,
    SAE_EINVAL = -1,      /* a value or argument is not acceptable (user input) */
    SAE_ENOMEM = -2,      /* an allocation failed */
    SAE_EIO = -3,         /* a file or system call failed */
    SAE_EDB = -4,         /* SQLite reported an unexpected error */
    SAE_ECORRUPT = -5,    /* a database file is damaged or not a database */
    SAE_EBUSY = -6,       /* another process holds the database for too long */
    SAE_ENOTFOUND = -7,   /* no such report, field, kind or file */
    SAE_EAMBIGUOUS = -8,  /* an id prefix matches more than one report */
    SAE_EEXIST = -9,      /* already exists (initialised directory, duplicate) */
    SAE_ENOTINIT = -10,   /* the directory has not been initialised */
    SAE_EDELETED = -11,   /* the report was deleted */
    SAE_ETOOBIG = -12,    /* a value is over its documented limit */
    SAE_ESCHEMA = -13,    /* the file was written by a newer schema version */
    SAE_ECLOCK = -14,     /* the clock is outside what a version can represent */
    SAE_ECRYPTO = -15,    /* libsodium failed */
    SAE_EPERM = -16,      /* unsafe file permissions or refused operation */
    SAE_ERANGE = -17,     /* a number is outside its allowed range */
    SAE_ECHANGED = -18,   /* what the caller saw changed since it read it (HTTP 409) */
    SAE_EREVOKED = -19,   /* the district revoked this device: its survivors' data was wiped */
};

/* A short English phrase for a code ("report not found"); never NULL. */
const char *sae_error_name(int code);

/* Room for a one-line explanation that a failing function hands back to main(). */
#define SAE_MESSAGE_BYTES 512
struct sae_message {
    char text[SAE_MESSAGE_BYTES];
};
/* printf-style setter; a NULL message is allowed and ignored. */
void sae_message_set(struct sae_message *message, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
