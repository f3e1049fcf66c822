/* The post app's messages (msg_post.h): Indonesian first, then English. */
#include "app/msg_post.h"

static const struct msg_pair POST_MESSAGES[MSG_COUNT] = {
    /* the frame, sign-in and staff (node/app/post_frame.c, page_sign_in.c, page_staff.c) */
    [MSG_POST_APP] = {"Pos Rumah SAE", "Rumah SAE post"},
    [MSG_POST_SIGN_IN_INTRO] = {"Masuk dengan nama dan frasa sandi Anda sebagai petugas pos.",
                                "Sign in with your name and passphrase as the post's staff."},
    [MSG_POST_NAME] = {"Nama", "Name"},
    [MSG_POST_PASSPHRASE] = {"Frasa sandi", "Passphrase"},
    [MSG_POST_MENU] = {"Menu", "Menu"},
    [MSG_POST_SIGNED_OUT] = {"Anda sudah keluar.", "You have signed out."},
    [MSG_POST_STAFF] = {"Petugas", "Staff"},
    [MSG_POST_STAFF_INTRO] = {"Petugas yang boleh masuk ke aplikasi pos ini. Hanya kepala pos "
                              "yang dapat menambah petugas atau mengatur ulang frasa sandi.",
                              "The staff who may sign in to this post's app. Only the post's "
                              "head can add staff or reset a passphrase."},
    [MSG_POST_ROLE_HEAD] = {"Kepala pos", "Head of post"},
    [MSG_POST_ROLE_STAFF] = {"Petugas", "Staff"},
    [MSG_POST_ADD_STAFF] = {"Tambah petugas", "Add staff"},
    [MSG_POST_STAFF_ADDED] = {"Petugas ditambahkan. Berikan frasa sandi sekali pakai ini "
                              "kepadanya secara langsung:",
                              "Staff added. Give them this one-time passphrase in person:"},
    [MSG_POST_STAFF_REFUSED] = {"Tidak disimpan: nama sudah dipakai atau tidak sah (1 sampai "
                                "100 karakter, satu baris).",
                                "Not saved: the name is taken or not valid (1 to 100 "
                                "characters, one line)."},
    [MSG_POST_RESET] = {"Atur ulang frasa sandi", "Reset passphrase"},
    [MSG_POST_RESET_DONE] = {"Frasa sandi diatur ulang dan sesinya diakhiri. Frasa sandi "
                             "sekali pakai yang baru:",
                             "Passphrase reset and their sessions ended. The new one-time "
                             "passphrase:"},
    [MSG_POST_HEAD_ONLY] = {"Hanya kepala pos yang dapat melakukan ini.",
                            "Only the post's head can do this."},
    /* Beranda (node/app/page_home.c) */
    [MSG_POST_NEEDS_ACTION] = {"Kasus yang perlu ditindaklanjuti", "Cases needing action"},
    [MSG_POST_NOTHING_NEEDED] = {"Tidak ada kasus yang perlu ditindaklanjuti sekarang.",
                                 "No case needs action now."},
    [MSG_POST_HIGH_RISK_NO_SERVICE] = {"Risiko tinggi, belum ada layanan dalam 7 hari",
                                       "High risk, no service in 7 days"},
    [MSG_POST_STAY_OVERDUE] = {"Tinggal di rumah aman melewati rencana selesai",
                               "Shelter stay past its planned end"},
    [MSG_POST_REFERRAL_WAITING] = {"Rujukan menunggu jawaban", "Referral waiting for an answer"},
    [MSG_POST_UNDER_REVIEW] = {"Isian sedang ditinjau kabupaten",
                               "Fields under district review"},
    [MSG_POST_SET_ASIDE] = {"Perubahan disisihkan kabupaten",
                            "Changes the district set aside"},
    [MSG_POST_CASE] = {"Kasus", "Case"},
    [MSG_POST_CLOCK_WRONG] = {"Tanggal atau jam di komputer ini salah. Betulkan tanggal dan "
                              "jam komputer; data tetap aman dan akan dikirim.",
                              "The date or time on this computer is wrong. Correct the "
                              "computer's date and time; the data stays safe and will be "
                              "sent."},
    /* Sinkronisasi (node/app/page_sync.c) */
    [MSG_POST_SYNC] = {"Sinkronisasi", "Sync"},
    [MSG_POST_SYNC_NOW] = {"Sinkronkan sekarang", "Sync now"},
    [MSG_POST_SYNC_ASKED] = {"Sinkronisasi dimulai. Muat ulang halaman ini sebentar lagi untuk "
                             "melihat hasilnya.",
                             "Sync started. Reload this page in a moment to see how it went."},
    [MSG_POST_LAST_SUCCESS] = {"Terakhir berhasil", "Last success"},
    [MSG_POST_PENDING] = {"Perubahan menunggu dikirim", "Changes waiting to be sent"},
    [MSG_POST_SET_ASIDE_COUNT] = {"Perubahan disisihkan", "Changes set aside"},
    [MSG_POST_LINK_STATE] = {"Keadaan sambungan", "State of the link"},
    [MSG_POST_LINK_OK] = {"Tersambung; sinkron berikutnya otomatis.",
                          "Connected; the next sync is automatic."},
    [MSG_POST_LINK_FAILING] = {"Tidak tersambung ke kabupaten; dicoba lagi otomatis. Data "
                               "tetap tersimpan di pos.",
                               "Not connected to the district; it tries again by itself. The "
                               "data stays stored at the post."},
    [MSG_POST_LINK_RUNNING] = {"Sedang sinkron\xE2\x80\xA6", "Syncing\xE2\x80\xA6"},
    [MSG_POST_LINK_NOT_ENROLLED] = {"Pos ini belum terdaftar di kabupaten. Unggah berkas "
                                    "bundel dari admin kabupaten di bawah.",
                                    "This post is not enrolled with the district yet. Upload "
                                    "the bundle file from the district's admin below."},
    [MSG_POST_LINK_WAITING] = {"Belum ada sinkron sejak aplikasi dimulai.",
                               "No sync yet since the app started."},
    [MSG_POST_LAST_ERROR] = {"Kesalahan terakhir", "Last error"},
    [MSG_POST_DEVICE_NAME] = {"Nama perangkat", "Device name"},
    [MSG_POST_ENROLL] = {"Daftarkan pos", "Enroll the post"},
    [MSG_POST_ENROLL_INTRO] = {"Pilih berkas bundel (.json) yang diberikan admin kabupaten "
                               "untuk pos ini.",
                               "Choose the bundle file (.json) the district's admin made for "
                               "this post."},
    [MSG_POST_BUNDLE_FILE] = {"Berkas bundel", "Bundle file"},
    [MSG_POST_ENROLLED] = {"Bundel disimpan. Pos akan terdaftar pada sinkron berikutnya.",
                           "Bundle saved. The post enrolls on the next sync."},
    [MSG_POST_ENROLL_REFUSED] = {"Bundel ditolak:", "Bundle refused:"},
    [MSG_POST_ALREADY_ENROLLED] = {"Pos ini sudah memiliki bundel; tidak ada yang diubah.",
                                   "This post already has a bundle; nothing was changed."},
    [MSG_POST_HUB] = {"Server kabupaten", "District server"},
    [MSG_POST_SET_ASIDE_LIST] = {"Perubahan yang disisihkan kabupaten",
                                 "Changes the district set aside"},
    [MSG_POST_REASON] = {"Alasan", "Reason"},
    [MSG_POST_ASIDE_CLOCK] = {"Ditahan kabupaten karena tanggal komputer salah saat dicatat; "
                              "dikirim ulang setelah jam dibetulkan.",
                              "Held by the district because the computer's date was wrong "
                              "when it was written; sent again once the clock is right."},
    [MSG_POST_ASIDE_INVALID] = {"Ditolak kabupaten: isian tidak sah. Periksa dan betulkan "
                                "kasusnya.",
                                "Refused by the district: the value is not valid. Check and "
                                "correct the case."},
    [MSG_POST_ASIDE_VILLAGE] = {"Ditolak kabupaten: bukan desa pos ini.",
                                "Refused by the district: not this post's village."},
    [MSG_POST_ASIDE_TOO_BIG] = {"Ditolak kabupaten: terlalu panjang.",
                                "Refused by the district: too long."},
    [MSG_POST_ASIDE_OTHER] = {"Disisihkan kabupaten.", "Set aside by the district."},
    [MSG_POST_FIELD] = {"Isian", "Field"},
    [MSG_POST_VILLAGE_NAME] = {"Desa", "Village"},
    [MSG_POST_MORE_ITEMS] = {"dan lainnya yang tidak ditampilkan", "and more not shown"},
    /* Daftar kasus and the printable letter and summary (node/app/page_cases.c,
     * page_letter.c, post_value.c) */
    [MSG_POST_VALUE_YES] = {"Ya", "Yes"},
    [MSG_POST_VALUE_NO] = {"Tidak", "No"},
    [MSG_POST_CASES] = {"Daftar kasus", "Cases"},
    [MSG_POST_CASES_SEARCH] = {"Cari nama, kronologi atau nomor",
                               "Search a name, the narrative or a number"},
    [MSG_POST_CASES_FROM] = {"Tanggal pengaduan dari", "Intake from"},
    [MSG_POST_CASES_TO] = {"Tanggal pengaduan sampai", "Intake to"},
    [MSG_POST_CASES_FIND] = {"Cari", "Search"},
    [MSG_POST_CASES_NONE] = {"Tidak ada kasus yang cocok.", "No case matches."},
    [MSG_POST_CASES_BAD_TERM] = {"Kata pencarian paling banyak 100 karakter dan harus dapat "
                                 "dibaca; persingkat lalu cari lagi.",
                                 "A search term is at most 100 characters of readable text; "
                                 "shorten it and search again."},
    [MSG_POST_CASES_BAD_FILTER] = {"Pilihan saringan tidak dikenal; pilih dari daftar lalu cari "
                                   "lagi.",
                                   "Unknown filter choice; pick one from the list and search "
                                   "again."},
    [MSG_POST_CASES_BAD_DATE] = {"Tanggal tidak dapat dibaca; tulis seperti 2026-11-30 atau "
                                 "30-11-2026.",
                                 "The date cannot be read; write it as 2026-11-30 or "
                                 "30-11-2026."},
    [MSG_POST_PRINT_HINT] = {"Untuk mencetak atau menyimpan PDF: menu Cetak peramban (Ctrl+P).",
                             "To print or save as PDF: the browser's Print (Ctrl+P)."},
    [MSG_POST_LETTER] = {"Surat rujukan", "Referral letter"},
    [MSG_POST_LETTER_SURVIVOR] = {"Data korban", "About the survivor"},
    [MSG_POST_LETTER_WITHHELD] = {"Data pribadi korban tidak dicantumkan karena korban belum "
                                  "menyetujui berbagi data dengan lembaga rujukan",
                                  "The survivor's personal details are left out: the survivor "
                                  "has not consented to sharing with referral agencies"},
    [MSG_POST_LETTER_BY] = {"Petugas yang merujuk", "Referred by"},
    [MSG_POST_SUMMARY] = {"Ringkasan kasus", "Case summary"},
    [MSG_POST_SUMMARY_EVENTS] = {"Layanan, rumah aman dan rujukan",
                                 "Services, shelter stays and referrals"},
};

const char *msg_post_text(enum msg_lang lang, enum msg_id id)
{
    if ((unsigned)id >= MSG_COUNT || !POST_MESSAGES[id].id)
        return "?";
    return lang == MSG_LANG_EN ? POST_MESSAGES[id].en : POST_MESSAGES[id].id;
}
