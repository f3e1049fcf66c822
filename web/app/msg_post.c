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
    /* A sensitive value read without the storage key (node store/value_seal.h). */
    [MSG_POST_MASKED] = {"\u2022\u2022\u2022\u2022 (masuk untuk melihat)",
                         "\u2022\u2022\u2022\u2022 (sign in to see)"},
    /* A sensitive value the district has not given this post (withheld, PROTOCOL.md
     * section 3): no key opens it here; a coordinator grants it. */
    [MSG_POST_WITHHELD] = {"\u2022\u2022\u2022\u2022 (belum diberikan distrik)",
                           "\u2022\u2022\u2022\u2022 (not given by the district yet)"},
    /* A sensitive value of a report the district erased (node store/erasure_apply.h). */
    [MSG_POST_ERASED] = {"dihapus", "erased"},
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
    /* whether a staff member's passphrase opens the post's storage key (page_staff.c) */
    [MSG_POST_KEY] = {"Kunci data", "Data key"},
    [MSG_POST_KEY_HELD] = {"Ya", "Yes"},
    [MSG_POST_KEY_NONE] = {"Belum: kepala pos mengatur ulang frasa sandinya",
                           "Not yet: the head resets their passphrase"},
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
    [MSG_POST_REVOKED] = {"Perangkat dicabut", "Device revoked"},
    [MSG_POST_REVOKED_TEXT] = {"Perangkat ini dicabut oleh kabupaten; data korban di dalamnya "
                               "telah dihapus. Sinkronisasi dan pencatatan berhenti. Hubungi "
                               "kabupaten.",
                               "This device was revoked by the district; survivors' data on it "
                               "was wiped. Syncing and recording have stopped. Contact the "
                               "district."},
    [MSG_POST_REVOKED_ON] = {"Dicabut pada", "Revoked on"},
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
    [MSG_POST_ASIDE_VILLAGE] = {"Ditolak kabupaten: laporan ini tercatat milik desa lain, "
                                "bukan desa pos ini. Isiannya tidak salah; tanyakan ke "
                                "kabupaten.",
                                "Refused by the district: this report is recorded as another "
                                "village's, not this post's. The entry is not wrong; ask the "
                                "district."},
    [MSG_POST_ASIDE_TOO_BIG] = {"Ditolak kabupaten: terlalu panjang.",
                                "Refused by the district: too long."},
    [MSG_POST_ASIDE_OTHER] = {"Disisihkan kabupaten.", "Set aside by the district."},
    [MSG_POST_FIELD] = {"Isian", "Field"},
    [MSG_POST_VILLAGE_NAME] = {"Desa", "Village"},
    [MSG_POST_MORE_ITEMS] = {"dan lainnya yang tidak ditampilkan", "and more not shown"},
    [MSG_POST_REENROLL] = {"Daftar ulang dengan bundel baru", "Enroll again with a new bundle"},
    [MSG_POST_REENROLL_INTRO] = {"Pakai ini hanya bila admin kabupaten memberi pos ini bundel "
                                 "baru, misalnya karena pos tidak bisa tersambung lagi setelah "
                                 "kunci server kabupaten diganti. Bundel lama diganti; data dan "
                                 "perubahan yang menunggu tetap di pos dan dikirim setelahnya.",
                                 "Use this only when the district's admin gave this post a new "
                                 "bundle, for instance because the post cannot connect since "
                                 "the district server's key changed. The old bundle is "
                                 "replaced; the data and the changes waiting stay at the post "
                                 "and are sent afterwards."},
    [MSG_POST_REENROLL_NOW] = {"Pos ini terdaftar sekarang sebagai",
                               "This post is enrolled now as"},
    [MSG_POST_REENROLL_CONFIRM] = {"Ya, ganti bundel pos ini dengan bundel baru ini.",
                                   "Yes, replace this post's bundle with this new one."},
    [MSG_POST_REENROLL_YES] = {"Daftar ulang", "Enroll again"},
    [MSG_POST_REENROLL_UNCONFIRMED] = {"Centang pernyataan di bawah untuk mengganti bundel; "
                                       "tidak ada yang diubah.",
                                       "Tick the statement below to replace the bundle; "
                                       "nothing was changed."},
    [MSG_POST_REENROLLED] = {"Bundel baru disimpan. Pos terdaftar ulang pada sinkron "
                             "berikutnya.",
                             "New bundle saved. The post enrolls again on the next sync."},
    /* the case form and the case file (node/app/page_case_new.c, page_case.c,
     * page_case_post.c, report_form_html.c, case_show.c) */
    [MSG_FORM_REQUIRED_MARK] = {"(wajib)", "(required)"},
    [MSG_FORM_CHOOSE] = {"— Pilih —", "— Choose —"},
    [MSG_FORM_NOT_FILLED] = {"Belum diisi", "Not filled in"},
    [MSG_FORM_YES] = {"Ya", "Yes"},
    [MSG_FORM_NO] = {"Tidak", "No"},
    [MSG_FORM_DATE_PLACEHOLDER] = {"HH-BB-TTTT", "DD-MM-YYYY"},
    [MSG_FORM_DATE_HINT] = {"Tulis tanggal HH-BB-TTTT, misalnya 05-03-2026.",
        "Write the date as DD-MM-YYYY, e.g. 05-03-2026."},
    [MSG_FORM_AREA_HINT] = {"Tulis nama desa atau kecamatan (atau kodenya).",
        "Write the village's or kecamatan's name (or its code)."},
    [MSG_FORM_HAS_ERRORS] = {"Belum disimpan. Perbaiki isian yang ditandai di bawah, lalu simpan lagi.",
        "Not saved yet. Correct the fields marked below, then save again."},
    [MSG_FORM_ERR_REQUIRED] = {"Wajib diisi.", "This field is required."},
    [MSG_FORM_ERR_DATE] = {"Tanggal tidak dikenali. Tulis HH-BB-TTTT, misalnya 05-03-2026.",
        "Not a date. Write DD-MM-YYYY, e.g. 05-03-2026."},
    [MSG_FORM_ERR_NUMBER] = {"Isi angka bulat dari", "Write a whole number from"},
    [MSG_FORM_ERR_NUMBER_TO] = {"sampai", "to"},
    [MSG_FORM_ERR_TOO_LONG] = {"Terlalu panjang. Paling banyak (bita):",
        "Too long. Most bytes allowed:"},
    [MSG_FORM_ERR_TEXT] = {"Ada tanda yang tidak bisa disimpan. Tulis ulang teksnya.",
        "It holds characters that cannot be stored. Type the text again."},
    [MSG_FORM_ERR_CHOICE] = {"Pilih salah satu pilihan yang tersedia.",
        "Choose one of the choices offered."},
    [MSG_FORM_ERR_AREA] = {"Tidak ada dalam daftar resmi desa dan kecamatan. Periksa ejaannya.",
        "Not in the official list of villages and kecamatan. Check the spelling."},
    [MSG_FORM_BAD_POST] = {"Formulir tidak dikenali. Muat ulang halaman lalu coba lagi.",
        "The form was not recognised. Reload the page and try again."},
    [MSG_CASE_NEW] = {"Kasus baru", "New case"},
    [MSG_CASE_NEW_INTRO] = {"Isi data pengaduan. Isian bertanda (wajib) harus diisi; yang lain boleh dilengkapi nanti.",
        "Fill in the complaint. Fields marked (required) must be filled; the others can be completed later."},
    [MSG_CASE_SAVE] = {"Simpan kasus", "Save the case"},
    [MSG_POST_CASE_FILE] = {"Berkas kasus", "Case file"},
    [MSG_CASE_FIELDS] = {"Data kasus", "Case details"},
    [MSG_CASE_TIMELINE] = {"Layanan, rumah aman dan rujukan", "Services, shelter and referrals"},
    [MSG_CASE_TIMELINE_EMPTY] = {"Belum ada layanan, rumah aman atau rujukan.",
        "No services, shelter stays or referrals yet."},
    [MSG_CASE_ADD_SERVICE] = {"Tambah layanan atau pendampingan", "Add a service or accompaniment"},
    [MSG_CASE_ADD_SHELTER] = {"Tambah tinggal di rumah aman", "Add a shelter stay"},
    [MSG_CASE_ADD_REFERRAL] = {"Buat rujukan", "Make a referral"},
    [MSG_CASE_EXTEND] = {"Perpanjang masa tinggal", "Extend the stay"},
    [MSG_CASE_DISCHARGE] = {"Catat keluar dari rumah aman", "Record the discharge"},
    [MSG_CASE_REFERRAL_UPDATE] = {"Perbarui status rujukan", "Update the referral's status"},
    [MSG_CASE_EDIT] = {"Ubah data kasus", "Edit the case"},
    [MSG_CASE_SAVE_CHANGES] = {"Simpan perubahan", "Save the changes"},
    [MSG_CASE_HISTORY] = {"Riwayat perubahan", "History of changes"},
    [MSG_CASE_HISTORY_WHO] = {"Oleh", "By"},
    [MSG_CASE_HISTORY_WHAT] = {"Isian", "Field"},
    [MSG_CASE_HISTORY_VALUE] = {"Nilai", "Value"},
    [MSG_CASE_HISTORY_UNSET] = {"(dikosongkan)", "(cleared)"},
    [MSG_CASE_DELETE] = {"Hapus kasus", "Delete the case"},
    [MSG_CASE_DELETE_CONFIRM] = {"Kasus ini akan dihapus dari daftar di pos dan di kabupaten. Riwayatnya tetap disimpan. Yakin ingin menghapus?",
        "This case will be removed from the lists at the post and the district. Its history is kept. Delete it?"},
    [MSG_CASE_DELETE_YES] = {"Ya, hapus kasus ini", "Yes, delete this case"},
    [MSG_CASE_DELETED] = {"Kasus ini sudah dihapus.", "This case was deleted."},
    [MSG_CASE_SAVED] = {"Tersimpan.", "Saved."},
    [MSG_CASE_BY_DISTRICT] = {"Diubah atau diputuskan kabupaten",
        "Changed or decided by the district"},
    [MSG_CASE_RESOLVED] = {"Catatan kabupaten", "The district's note"},
    [MSG_CASE_UNDER_REVIEW] = {"Sedang ditinjau kabupaten", "Under review by the district"},
    [MSG_CASE_HAS_ISSUES] = {"Kabupaten menemukan masalah pada kasus ini:",
        "The district found issues in this case:"},
    [MSG_CASE_UNKNOWN_AUTHOR] = {"tidak diketahui", "unknown"},
    [MSG_CASE_LETTER_LINK] = {"Cetak surat rujukan", "Print the referral letter"},
    [MSG_CASE_SUMMARY_LINK] = {"Cetak ringkasan kasus", "Print the case summary"},
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
