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
    [MSG_POSTS] = {"Pos dan perangkat",
        "Posts and devices"},
    [MSG_POSTS_INTRO] = {"Setiap perangkat pos desa: kapan terakhir menghubungi kabupaten dan apakah jamnya tepat.",
        "Every village post's device: when it last reached the district and whether its clock is right."},
    [MSG_DEVICE] = {"Perangkat",
        "Device"},
    [MSG_VILLAGE] = {"Desa",
        "Village"},
    [MSG_STATE] = {"Keadaan",
        "State"},
    [MSG_LAST_CONTACT] = {"Kontak terakhir",
        "Last contact"},
    [MSG_LAST_BATCH] = {"Kiriman terakhir",
        "Last batch"},
    [MSG_CHANGES_RECEIVED] = {"Kiriman diterima",
        "Batches received"},
    [MSG_CLOCK_OFFSET] = {"Selisih jam",
        "Clock offset"},
    [MSG_STATE_ENROLLED] = {"Terdaftar",
        "Enrolled"},
    [MSG_STATE_REVOKED] = {"Dicabut",
        "Revoked"},
    [MSG_STATE_PENDING] = {"Bundel belum dipakai",
        "Bundle not used yet"},
    [MSG_STATE_EXPIRED] = {"Bundel kedaluwarsa",
        "Bundle expired"},
    [MSG_STATE_CANCELLED] = {"Bundel dibatalkan",
        "Bundle cancelled"},
    [MSG_NEVER] = {"Belum pernah",
        "Never"},
    [MSG_NOT_MEASURED] = {"Belum diukur",
        "Not measured yet"},
    [MSG_ACTIONS] = {"Tindakan",
        "Actions"},
    [MSG_REVOKE] = {"Cabut",
        "Revoke"},
    [MSG_REVOKE_TITLE] = {"Cabut perangkat",
        "Revoke a device"},
    [MSG_REVOKE_CONFIRM] = {"Permintaan berikutnya dari perangkat ini akan ditolak. Data yang sudah dikirimnya tetap ada. Lanjutkan?",
        "The device's next request will be refused. What it has sent stays. Go ahead?"},
    [MSG_REVOKE_YES] = {"Ya, cabut perangkat ini",
        "Yes, revoke this device"},
    [MSG_REVOKED_DONE] = {"Perangkat sudah dicabut.",
        "The device has been revoked."},
    [MSG_CANCEL] = {"Batal",
        "Cancel"},
    [MSG_NO_DEVICES] = {"Belum ada perangkat.",
        "No devices yet."},
    [MSG_ME] = {"Monitoring dan evaluasi",
        "Monitoring and evaluation"},
    [MSG_ME_INTRO] = {"Angka kabupaten dari laporan pos yang sudah tersinkron.",
        "The district's figures from the posts' synced reports."},
    [MSG_FROM_MONTH] = {"Dari bulan (TTTT-BB)",
        "From month (YYYY-MM)"},
    [MSG_TO_MONTH] = {"Sampai bulan (TTTT-BB)",
        "To month (YYYY-MM)"},
    [MSG_KECAMATAN] = {"Kecamatan (kode atau nama)", "Kecamatan (code or name)"},
    [MSG_SHOW] = {"Tampilkan",
        "Show"},
    [MSG_COUNTED] = {"Kasus dihitung",
        "Cases counted"},
    [MSG_LEFT_OUT] = {"Tidak dihitung: tanpa persetujuan statistik",
        "Not counted: no consent to statistics"},
    [MSG_LINKED] = {"Tidak dihitung lagi: kasus kedua dari korban yang sama",
        "Not counted again: a survivor's later case"},
    [MSG_CONSENT_NOTE] = {"Hanya kasus yang korbannya setuju dihitung dalam statistik yang masuk angka ini.",
        "Only cases whose survivor agreed to be counted in statistics are in these figures."},
    [MSG_DATE_BASIS] = {"Bulan menurut",
        "Month by"},
    [MSG_PLACE_BASIS] = {"Angka untuk",
        "Credited to"},
    [MSG_BASIS_CASE_DATE] = {"tanggal pengaduan kasus",
        "the case's intake date"},
    [MSG_BASIS_SERVICE_DATE] = {"tanggal layanan",
        "the service's date"},
    [MSG_BASIS_STAY_DATE] = {"tanggal masuk rumah aman",
        "the shelter admission date"},
    [MSG_BASIS_REFERRAL_DATE] = {"tanggal rujukan",
        "the referral's date"},
    [MSG_BASIS_CASE_PLACE] = {"desa pos yang mencatat kasus, dan kecamatannya",
        "the village of the post that recorded the case, and its kecamatan"},
    [MSG_BASIS_EVENT_PLACE] = {"desa pos yang mencatat kasusnya",
        "the village of the post that recorded its case"},
    [MSG_CATEGORY] = {"Kategori",
        "Category"},
    [MSG_DETAIL] = {"Rincian",
        "Detail"},
    [MSG_TOTAL] = {"Jumlah",
        "Count"},
    [MSG_DOWNLOAD_CSV] = {"Unduh CSV",
        "Download CSV"},
    [MSG_NO_ROWS] = {"Tidak ada data.",
        "No data."},
    [MSG_BAD_PERIOD] = {"Periode tidak sah: tulis bulan sebagai TTTT-BB (misalnya 2026-11), paling panjang 120 bulan, dan 'sampai' tidak sebelum 'dari'.",
        "The period is not valid: write months as YYYY-MM (e.g. 2026-11), at most 120 months, 'to' not before 'from'."},
    [MSG_AUDIT] = {"Jejak audit",
        "Audit trail"},
    [MSG_AUDIT_INTRO] = {"Siapa melakukan apa, kapan, dari alamat mana. Nilai sensitif tidak pernah dicatat.",
        "Who did what, when, from which address. Sensitive values are never recorded."},
    [MSG_WHEN] = {"Waktu (UTC)",
        "When (UTC)"},
    [MSG_WHO] = {"Siapa",
        "Who"},
    [MSG_WHAT] = {"Tindakan",
        "Action"},
    [MSG_TARGET] = {"Sasaran",
        "Target"},
    [MSG_ADDRESS] = {"Alamat",
        "Address"},
    [MSG_TARGET_CONTAINS] = {"Sasaran memuat",
        "Target contains"},
    [MSG_FILTER] = {"Saring",
        "Filter"},
    [MSG_OLDER] = {"Baris lebih lama",
        "Older rows"},
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
