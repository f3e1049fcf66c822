/* The web pages' message catalogue (msg.h). */
#include "app/msg.h"

#include <string.h>

struct msg_pair {
    const char *id, *en;
};

static const struct msg_pair MESSAGES[MSG_COUNT] = {
    [MSG_APP_NAME] = {"Rumah SAE", "Rumah SAE"},
    [MSG_CONSOLE] = {"Konsol Kabupaten", "District console"},
    [MSG_SIGN_IN] = {"Masuk", "Sign in"},
    [MSG_SIGN_IN_INTRO] = {"Masuk dengan akun yang diberikan admin kabupaten.",
                           "Sign in with the account the district's admin gave you."},
    [MSG_SIGN_OUT] = {"Keluar", "Sign out"},
    [MSG_NAME] = {"Nama akun", "Account name"},
    [MSG_PASSWORD] = {"Kata sandi", "Password"},
    [MSG_SIGN_IN_FAILED] = {"Nama akun atau kata sandi salah.", "Wrong account name or password."},
    [MSG_SIGN_IN_THROTTLED] = {"Terlalu banyak percobaan gagal. Coba lagi nanti.",
                               "Too many failed attempts. Try again later."},
    [MSG_CHANGE_PASSWORD] = {"Ganti kata sandi", "Change password"},
    [MSG_CURRENT_PASSWORD] = {"Kata sandi sekarang", "Current password"},
    [MSG_NEW_PASSWORD] = {"Kata sandi baru", "New password"},
    [MSG_NEW_PASSWORD_AGAIN] = {"Ulangi kata sandi baru", "New password again"},
    [MSG_PASSWORD_RULE] = {"Paling sedikit 12 karakter.", "At least 12 characters."},
    [MSG_PASSWORD_CHANGED] = {"Kata sandi sudah diganti. Silakan masuk lagi.",
                              "Password changed. Please sign in again."},
    [MSG_PASSWORD_MISMATCH] = {"Kata sandi baru tidak sama atau terlalu pendek.",
                               "The new passwords differ or are too short."},
    [MSG_PASSWORD_WRONG] = {"Kata sandi sekarang salah.", "The current password is wrong."},
    [MSG_CONDUCT_TITLE] = {"Kode etik", "Code of conduct"},
    [MSG_CONDUCT_TEXT_1] = {"Data di konsol ini menyangkut korban kekerasan. Buka hanya yang "
                            "Anda perlukan untuk tugas Anda.",
                            "The data in this console concerns survivors of violence. Open "
                            "only what your work needs."},
    [MSG_CONDUCT_TEXT_2] = {"Jangan menyalin, memotret atau membagikan data korban di luar "
                            "jalur resmi.",
                            "Do not copy, photograph or share survivors' data outside the "
                            "official channels."},
    [MSG_CONDUCT_TEXT_3] = {"Setiap kali Anda masuk dan membuka data, tercatat atas nama Anda.",
                            "Every sign-in and every record you open is logged under your "
                            "name."},
    [MSG_CONDUCT_ACCEPT] = {"Saya mengerti dan setuju", "I understand and agree"},
    [MSG_HOME] = {"Beranda", "Home"},
    [MSG_WELCOME] = {"Selamat datang", "Welcome"},
    [MSG_ROLE] = {"Peran", "Role"},
    [MSG_ROLE_OPERATOR] = {"Operator", "Operator"},
    [MSG_ROLE_COORDINATOR] = {"Koordinator", "Coordinator"},
    [MSG_ROLE_ADMIN] = {"Admin", "Admin"},
    [MSG_ROLE_PARTNER] = {"Mitra", "Partner"},
    [MSG_AGENCY] = {"Lembaga", "Agency"},
    [MSG_SECTIONS] = {"Bagian", "Sections"},
    [MSG_ACCOUNT_SECTION] = {"Akun Anda", "Your account"},
    [MSG_LANGUAGE_SWITCH] = {"English", "Bahasa Indonesia"},
    [MSG_NOT_FOUND] = {"Halaman tidak ditemukan.", "Page not found."},
    [MSG_FORBIDDEN] = {"Permintaan ditolak.", "Request refused."},
    [MSG_BAD_REQUEST] = {"Permintaan tidak dapat dibaca.", "The request could not be read."},
    [MSG_SERVER_ERROR] = {"Terjadi kesalahan di server; tidak ada yang diubah.",
                          "The server failed; nothing was changed."},
    [MSG_SESSION_ENDED] = {"Sesi Anda sudah berakhir. Silakan masuk lagi.",
                           "Your session has ended. Please sign in again."},
    [MSG_SKIP_TO_CONTENT] = {"Langsung ke isi", "Skip to content"},
    [MSG_PAGES] = {"Halaman", "Pages"},
    [MSG_OF] = {"dari", "of"},
    [MSG_PREVIOUS] = {"\xE2\x80\xB9 Sebelumnya", "\xE2\x80\xB9 Previous"},
    [MSG_NEXT] = {"Berikutnya \xE2\x80\xBA", "Next \xE2\x80\xBA"},
    [MSG_ANY] = {"Semua", "Any"},
    [MSG_FILTER] = {"Saring", "Filter"},
};

const char *msg_get(enum msg_lang lang, enum msg_id id)
{
    if ((unsigned)id >= MSG_COUNT || !MESSAGES[id].id)
        return "?";
    return lang == MSG_LANG_EN ? MESSAGES[id].en : MESSAGES[id].id;
}

enum msg_lang msg_lang_from(const char *cookie_value)
{
    return cookie_value && strcmp(cookie_value, "en") == 0 ? MSG_LANG_EN : MSG_LANG_ID;
}

const char *msg_lang_code(enum msg_lang lang)
{
    return lang == MSG_LANG_EN ? "en" : "id";
}

const char *msg_field_label(enum msg_lang lang, const struct sae_field *field)
{
    if (!field)
        return "?";
    return lang == MSG_LANG_EN ? field->label_en : field->label_id;
}
