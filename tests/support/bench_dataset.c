/* Realistic journals for the benchmarks (bench_dataset.h). */

#include "bench_dataset.h"

#define BENCH_COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define BENCH_PICK(d, table) bench_pick((d), (table), BENCH_COUNT(table))
#define BENCH_WEIGHTED(d, codes, weights) \
    bench_weighted((d), (codes), (weights), BENCH_COUNT(codes))

/* splitmix64: small, fast, and the same on every machine. */
static uint64_t bench_next(struct bench_dataset *d)
{
    uint64_t z = (d->rng += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

uint32_t bench_below(struct bench_dataset *d, uint32_t n)
{
    return (uint32_t)(bench_next(d) % n);
}

static bool bench_chance(struct bench_dataset *d, uint32_t percent)
{
    return bench_below(d, 100) < percent;
}

static const char *bench_pick(struct bench_dataset *d, const char *const *table, size_t n)
{
    return table[bench_below(d, (uint32_t)n)];
}

/* Weighted choice: weights in percent, summing to 100. */
static const char *bench_weighted(struct bench_dataset *d, const char *const *codes,
                                  const uint8_t *weights, size_t n)
{
    uint32_t roll = bench_below(d, 100), acc = 0;
    for (size_t i = 0; i < n; i++) {
        acc += weights[i];
        if (roll < acc)
            return codes[i];
    }
    return codes[n - 1];
}

/* Villages of the official list (data/villages/35.13.csv), one per few kecamatan. */
static const char *const bench_villages[] = {
    "Sumberanyar", "Wonokerso", "Patokan", "Clarak", "Gununggeni", "Rejing", "Seneng",
    "Mojolegi", "Glagah", "Kedungrejoso", "Randutatah", "Jambangan", "Kraksaan Wetan",
    "Asembagus", "Gebangan", "Brabe", "Suko", "Gending", "Malesanwetan", "Muneng Kidul",
    "Pohsangit Tengah", "Klampok",
};

/* The staff of a post: every change names who made it (schema 2). */
static const char *const bench_staff[] = {"Siti Rahayu", "Dewi Kusuma", "Nur Hasanah"};

static const char *const bench_female_first[] = {
    "Siti", "Nur", "Dewi", "Sri", "Rina", "Ayu", "Fitri", "Lestari", "Wahyuni", "Aminah",
    "Khotimah", "Maisaroh", "Rohmah", "Indah", "Putri", "Anisa", "Zahra", "Nabila", "Mutmainah",
    "Ummi", "Lailatul", "Dwi", "Eka", "Yuni", "Novi", "Hartini", "Suwarni", "Misnati",
};

static const char *const bench_male_first[] = {
    "Ahmad", "Muhammad", "Rizki", "Bayu", "Agus", "Fajar", "Dimas", "Hendra", "Slamet",
    "Abdul", "Imam", "Joko", "Yusuf", "Ilham", "Rafi",
};

static const char *const bench_last[] = {
    "Rahayu", "Handayani", "Wulandari", "Susanti", "Hasanah", "Fauziah", "Maulida",
    "Kurniawati", "Puspitasari", "Yuliani", "Sholihah", "Ningsih", "Saputra", "Hidayat",
    "Setiawan", "Prasetyo", "Romadhoni", "Safitri", "Anggraini", "Mahmudah",
};

static void bench_fill(struct bench_dataset *d, char *out, size_t size, const char *tpl);

/* Phrase tables. A sentence template names slots (%X) that bench_fill fills from the
 * tables below, so sentences rarely repeat word for word, as in real case notes. */
static const char *const bench_relations[] = {
    "suaminya", "ayah tirinya", "pamannya", "tetangganya", "pacarnya", "majikannya",
    "guru ngajinya", "kakak iparnya", "mantan suaminya", "teman sekolahnya", "kakeknya",
    "ayah kandungnya", "sepupunya", "mertuanya", "kenalan dari media sosial", "sopir angkot",
};

static const char *const bench_companions[] = {
    "ibunya", "kakaknya", "tetangganya", "kepala dusun", "bidan desa", "kader posyandu",
    "guru BK sekolahnya", "tantenya", "ketua RT", "neneknya", "teman kerjanya", "adik iparnya",
};

static const char *const bench_times[] = {
    "malam hari", "siang hari", "sore hari", "dini hari", "pagi hari", "waktu magrib",
    "selepas isya", "jam istirahat sekolah", "hari pasaran", "malam Jumat",
};

static const char *const bench_places[] = {
    "rumahnya sendiri", "rumah pelaku", "kebun tebu dekat rumah", "kamar kos", "sekolah",
    "pondok", "warung milik pelaku", "jalan pulang dari pasar", "rumah neneknya", "sawah",
    "musala dekat rumah", "gudang tembakau", "pinggir sungai", "tempat kerjanya di pabrik",
    "rumah kontrakan", "kamar mandi umum", "pos ronda", "kandang sapi di belakang rumah",
};

static const char *const bench_body[] = {
    "lengan kiri", "wajah", "punggung", "kaki kanan", "kepala", "pipi kanan", "leher", "perut",
    "paha", "pelipis", "bibir", "tangan kanan", "dada",
};

static const char *const bench_weekdays[] = {
    "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu",
};

static const char *const bench_months[] = {
    "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
    "Oktober", "November", "Desember",
};

static const char *const bench_jobs[] = {
    "buruh tani", "pedagang sayur", "buruh pabrik", "ibu rumah tangga", "penjahit",
    "pekerja migran", "nelayan", "tukang ojek", "kuli bangunan", "penjaga toko",
    "pembantu rumah tangga", "peternak sapi", "guru honorer", "pemetik tembakau",
};

static const char *const bench_hamlets[] = {
    "Krajan", "Karanganyar", "Sumberan", "Tegalrejo", "Gunungsari", "Pandean", "Sukorejo",
    "Bendungan", "Kedungsari", "Wonosari", "Tambakrejo", "Kebonagung", "Sidomulyo",
};

static const char *const bench_quarrels[] = {
    "uang belanja", "utang", "pekerjaan", "anak", "cemburu", "warisan", "ponsel korban",
    "judi", "minuman keras", "pembagian sawah", "biaya sekolah anak",
};

static const char *const bench_feelings[] = {
    "sulit tidur", "takut keluar rumah", "tidak nafsu makan", "sering menangis sendiri",
    "malu bertemu teman-teman", "gemetar jika mendengar suara motor pelaku",
    "tidak mau berbicara dengan orang lain", "sering melamun", "mimpi buruk hampir setiap malam",
    "ingin pergi jauh dari desa",
};

static const char *const bench_injuries[] = {
    "luka memar", "luka lecet", "bengkak", "luka robek", "bekas cakaran", "luka bakar ringan",
    "rasa nyeri",
};

static const char *const bench_acts[] = {
    "memukul korban dengan tangan kosong", "menampar korban berkali-kali",
    "menendang korban", "mendorong korban hingga terjatuh",
    "membentak dan mengancam akan membunuh korban", "memaksa korban melayani nafsunya",
    "meraba-raba tubuh korban", "mengunci korban di dalam kamar",
    "merampas telepon genggam korban", "tidak memberikan uang belanja",
    "mengusir korban dari rumah", "menyebarkan foto pribadi korban",
    "menjambak rambut korban", "melempar korban dengan piring", "memukul korban dengan sapu",
    "memaksa korban bekerja tanpa upah", "mengancam akan menceraikan korban",
    "melarang korban bertemu keluarganya", "mencekik leher korban",
};

static const char *const bench_complements[] = {
    "di %P", "hingga korban menangis", "di depan anak-anaknya", "sampai tetangga datang melerai",
    "tanpa alasan yang jelas", "karena cemburu", "setelah bertengkar soal %S",
    "ketika korban menolak permintaannya", "saat keadaan rumah sepi", "sambil membawa pisau",
    "dalam keadaan mabuk", "berulang kali dalam sebulan terakhir",
};

static const char *const bench_openers[] = {
    "Korban datang ke Rumah SAE Desa %V didampingi %C pada %W, %D.",
    "Pengaduan diterima melalui telepon dari %C korban pada %W pukul %H.%M WIB.",
    "Korban dirujuk oleh %C setelah terlihat murung selama %N minggu.",
    "Petugas menerima laporan dari %C bahwa korban sering terdengar menangis.",
    "Korban datang sendiri ke Rumah SAE Desa %V pada %D dan meminta bantuan.",
    "Laporan masuk lewat WhatsApp dari %C korban pada %D sekitar pukul %H.%M.",
    "Korban (%A tahun) warga Dusun %U RT 0%N RW 0%N diantar %C ke posko.",
    "Petugas penjangkauan menemukan korban di %P pada %D.",
};

static const char *const bench_events[] = {
    "Menurut keterangan korban, %R %Y %Z.",
    "Pada %W %T, pelaku berinisial %I (%A tahun) %Y %Z.",
    "Sekitar pukul %H.%M WIB pelaku %Y %Z.",
    "Korban menceritakan bahwa %R sudah %N kali %Y.",
    "Kejadian terakhir pada %D di %P, saat itu pelaku %Y %Z.",
    "Pelaku mengancam akan %Y jika korban melapor kepada %C.",
    "Korban tidak diberi nafkah oleh %R selama %N bulan terakhir dan harus berutang di warung.",
    "Kekerasan sudah berlangsung sekitar %N tahun dan makin sering sejak pelaku bekerja sebagai %J.",
    "Korban dijanjikan pekerjaan sebagai %J di Surabaya oleh %R namun ditahan dan tidak digaji.",
    "Korban menerima pesan-pesan bernada ancaman dari %R melalui WhatsApp sejak %D.",
    "Pelaku meminta korban tidak bercerita kepada siapa pun dan memberi uang %N0 ribu rupiah.",
    "Setelah bertengkar soal %S, %R %Y %Z.",
};

static const char *const bench_backgrounds[] = {
    "Korban tinggal bersama %C di Dusun %U RT 0%N RW 0%N.",
    "Korban adalah siswi kelas %N di sekolah dekat Dusun %U.",
    "Korban bekerja sebagai %J dan memiliki %N orang anak.",
    "Pelaku sehari-hari bekerja sebagai %J dan sering pulang larut malam.",
    "Korban menikah dengan pelaku sekitar %N tahun yang lalu.",
    "Orang tua korban bercerai dan korban diasuh oleh %C.",
};

static const char *const bench_conditions[] = {
    "Akibatnya korban mengalami %X di bagian %B.",
    "Korban mengaku %F sejak kejadian.",
    "Korban sedang hamil %N bulan.",
    "Korban tidak mau pulang ke rumah karena takut bertemu pelaku.",
    "Korban berhenti sekolah sejak %D dan jarang keluar rumah.",
    "Korban mengeluh %X di %B dan belum berobat.",
    "Anak-anak korban juga menyaksikan kejadian tersebut dan %F.",
    "Saat diwawancara korban tampak %F dan berbicara sangat pelan.",
};

static const char *const bench_actions[] = {
    "Petugas memberikan konseling awal dan menjelaskan hak-hak korban.",
    "Korban bersedia didampingi untuk visum di Puskesmas %V pada %D.",
    "Keluarga korban meminta kasus diselesaikan secara kekeluargaan.",
    "Korban ingin melapor ke Unit PPA Polres Probolinggo bersama %C.",
    "Direncanakan kunjungan rumah pada %W depan bersama kepala Dusun %U.",
    "Korban untuk sementara tinggal di rumah %C.",
    "Petugas berkoordinasi dengan UPT PPA Kabupaten Probolinggo untuk pendampingan psikolog.",
    "Korban belum bersedia melapor dan akan dihubungi kembali pada %D.",
    "Petugas menghubungi %C untuk memastikan keamanan korban malam ini.",
    "Jadwal konseling lanjutan disepakati setiap %W pukul %H.%M.",
    "Korban sudah diperiksa bidan desa; %X di %B dicatat dan difoto dengan persetujuan korban.",
};

static const char *const bench_providers[] = {
    "Bu Nurul (konselor)", "Puskesmas Kraksaan", "Bidan Desa Sri Wahyuni", "Psikolog UPT PPA",
    "LBH Probolinggo", "Aipda Hadi, Unit PPA", "Pak Samsul (pendamping)", "RSUD Waluyo Jati",
};

/* Appends a sentence with its slots filled: %V village, %C companion, %T time of day,
 * %R relation, %P place, %B body part, %N small number, %A adult age, %D date, %W weekday,
 * %H hour, %M minutes, %I initials, %J job, %U hamlet, %S quarrel, %F feeling, %X injury,
 * %Y violent act, %Z circumstance (itself a template). */
static void bench_fill(struct bench_dataset *d, char *out, size_t size, const char *tpl)
{
    size_t used = strlen(out);
    if (used > 0 && used + 1 < size && out[used - 1] != ' ')
        out[used++] = ' ';
    out[used] = '\0';
    for (const char *p = tpl; *p && used + 1 < size; p++) {
        char piece[64];
        const char *s = piece;
        piece[0] = *p;
        piece[1] = '\0';
        if (*p == '%' && p[1]) {
            switch (*++p) {
            case 'V': s = d->village; break;
            case 'C': s = BENCH_PICK(d, bench_companions); break;
            case 'T': s = BENCH_PICK(d, bench_times); break;
            case 'R': s = BENCH_PICK(d, bench_relations); break;
            case 'P': s = BENCH_PICK(d, bench_places); break;
            case 'B': s = BENCH_PICK(d, bench_body); break;
            case 'N': snprintf(piece, sizeof piece, "%u", 2 + bench_below(d, 9)); break;
            case 'A': snprintf(piece, sizeof piece, "%u", 19 + bench_below(d, 40)); break;
            case 'D':
                snprintf(piece, sizeof piece, "%u %s %u", 1 + bench_below(d, 28),
                         BENCH_PICK(d, bench_months), 2025 + bench_below(d, 2));
                break;
            case 'W': s = BENCH_PICK(d, bench_weekdays); break;
            case 'H': snprintf(piece, sizeof piece, "%02u", bench_below(d, 24)); break;
            case 'M': snprintf(piece, sizeof piece, "%02u", 5 * bench_below(d, 12)); break;
            case 'I':
                snprintf(piece, sizeof piece, "%c%c", 'A' + bench_below(d, 26),
                         'A' + bench_below(d, 26));
                break;
            case 'J': s = BENCH_PICK(d, bench_jobs); break;
            case 'U': s = BENCH_PICK(d, bench_hamlets); break;
            case 'S': s = BENCH_PICK(d, bench_quarrels); break;
            case 'F': s = BENCH_PICK(d, bench_feelings); break;
            case 'X': s = BENCH_PICK(d, bench_injuries); break;
            case 'Y': s = BENCH_PICK(d, bench_acts); break;
            case 'Z': /* a template inside the template: fill it in place */
                out[used] = '\0';
                bench_fill(d, out, size, BENCH_PICK(d, bench_complements));
                used = strlen(out);
                continue;
            default: piece[0] = *p; break;
            }
        }
        size_t n = strlen(s);
        if (used + n + 1 >= size)
            break;
        memcpy(out + used, s, n);
        used += n;
    }
    out[used] = '\0';
}

static void bench_narrative(struct bench_dataset *d, char *out, size_t size)
{
    out[0] = '\0';
    bench_fill(d, out, size, BENCH_PICK(d, bench_openers));
    if (bench_chance(d, 60))
        bench_fill(d, out, size, BENCH_PICK(d, bench_backgrounds));
    for (uint32_t i = 0, n = 1 + bench_below(d, 3); i < n; i++)
        bench_fill(d, out, size, BENCH_PICK(d, bench_events));
    for (uint32_t i = 0, n = bench_below(d, 3); i < n; i++)
        bench_fill(d, out, size, BENCH_PICK(d, bench_conditions));
    for (uint32_t i = 0, n = 1 + bench_below(d, 2); i < n; i++)
        bench_fill(d, out, size, BENCH_PICK(d, bench_actions));
}

static void bench_date(struct bench_dataset *d, char out[16], uint32_t days_back)
{
    /* The dataset's clock runs through 2026; dates are near it, at most days_back before. */
    uint64_t day = d->ms / 86400000u - bench_below(d, days_back + 1);
    int64_t z = (int64_t)day + 719468, era = z / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    unsigned dd = doy - (153 * mp + 2) / 5 + 1, mm = mp < 10 ? mp + 3 : mp - 9;
    int64_t yy = (int64_t)yoe + era * 400 + (mm <= 2);
    snprintf(out, 16, "%04d-%02u-%02u", (int)(yy % 10000), mm % 100, dd % 100);
}

/* One command's changes share a version, as in the node's journal. */
struct bench_command {
    struct bench_dataset *d;
    struct sae_change *out;
    size_t count, room;
    struct sae_id id;
    const char *kind;
    struct sae_version version, base;
};

void bench_dataset_init(struct bench_dataset *d, uint64_t seed, uint64_t origin)
{
    memset(d, 0, sizeof *d);
    d->rng = seed;
    d->origin = origin;
    d->ms = UINT64_C(1767225600000); /* 2026-01-01 */
    d->village = BENCH_PICK(d, bench_villages);
}

static void bench_set(struct bench_command *c, const char *field, const char *value)
{
    if (c->count == c->room)
        return;
    struct sae_change *ch = &c->out[c->count++];
    memset(ch, 0, sizeof *ch);
    ch->report_id = c->id;
    ch->kind = sae_borrow(c->kind);
    ch->field = sae_borrow(field);
    ch->value = value ? strdup(value) : NULL;
    if (value && !ch->value)
        abort();
    ch->version = c->version;
    ch->base = c->base;
    ch->seq = ++c->d->seq;
    /* From the command's time, not the generator: the same draws as before authors. */
    ch->author = sae_borrow(bench_staff[(c->version.hlc >> SAE_HLC_COUNTER_BITS) / 60000 % 3]);
}

static void bench_setf(struct bench_command *c, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void bench_setf(struct bench_command *c, const char *field, const char *fmt, ...)
{
    char buf[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    bench_set(c, field, buf);
}

static struct bench_report *bench_remember(struct bench_dataset *d, const struct sae_id *id,
                                           const char *kind, sae_hlc created)
{
    struct bench_report *r = &d->recent[d->recent_next];
    d->recent_next = (d->recent_next + 1) % BENCH_RECENT;
    if (d->recent_count < BENCH_RECENT)
        d->recent_count++;
    r->id = *id;
    r->kind = kind;
    r->created = created;
    r->narrative[0] = '\0';
    return r;
}

/* The most recent case, or NULL when none was recorded yet. */
static struct bench_report *bench_some_case(struct bench_dataset *d)
{
    for (size_t tries = 0; tries < 8 && d->recent_count > 0; tries++) {
        struct bench_report *r = &d->recent[bench_below(d, (uint32_t)d->recent_count)];
        if (strcmp(r->kind, "case") == 0)
            return r;
    }
    return NULL;
}

static void bench_new_case(struct bench_command *c)
{
    struct bench_dataset *d = c->d;
    static const char *const violence[] = {"psychological", "physical", "sexual", "neglect",
                                           "exploitation", "trafficking", "other"};
    static const uint8_t violence_w[] = {30, 30, 25, 8, 3, 2, 2};
    static const char *const channels[] = {"walk_in", "phone", "whatsapp", "referral_in",
                                           "outreach", "other"};
    static const uint8_t channels_w[] = {45, 15, 20, 10, 8, 2};
    static const char *const places[] = {"household", "workplace", "school", "public_facility",
                                         "boarding_school", "online", "other"};
    static const uint8_t places_w[] = {62, 5, 8, 9, 6, 8, 2};
    static const char *const relations[] = {"spouse", "parent", "step_parent", "partner",
                                            "relative", "neighbour", "teacher", "friend",
                                            "stranger", "employer", "unknown"};
    static const uint8_t relations_w[] = {30, 12, 8, 12, 10, 10, 4, 5, 4, 3, 2};
    static const char *const risks[] = {"high", "medium", "low"};
    static const uint8_t risks_w[] = {20, 45, 35};
    char date[16], name[64];
    bool female = bench_chance(d, 82), child = bench_chance(d, 58);
    struct bench_report *r = bench_remember(d, &c->id, "case", c->version.hlc);
    bench_set(c, "status", "new");
    bench_set(c, "violence_type", BENCH_WEIGHTED(d, violence, violence_w));
    snprintf(name, sizeof name, "%s %s",
             female ? BENCH_PICK(d, bench_female_first) : BENCH_PICK(d, bench_male_first),
             BENCH_PICK(d, bench_last));
    if (bench_chance(d, 90))
        bench_set(c, "victim_name", name);
    bench_set(c, "victim_sex", female ? "F" : "M");
    if (bench_chance(d, 85))
        bench_setf(c, "victim_age", "%u",
                   child ? 3 + bench_below(d, 15) : 18 + bench_below(d, 45));
    if (bench_chance(d, 40))
        bench_set(c, "victim_disability", bench_chance(d, 8) ? "true" : "false");
    bench_date(d, date, 3);
    bench_set(c, "intake_date", date);
    if (bench_chance(d, 70)) {
        bench_date(d, date, 60);
        bench_set(c, "incident_date", date);
    }
    bench_set(c, "intake_channel", BENCH_WEIGHTED(d, channels, channels_w));
    if (bench_chance(d, 80))
        bench_set(c, "location_type", BENCH_WEIGHTED(d, places, places_w));
    if (bench_chance(d, 85))
        bench_set(c, "perpetrator_relation", BENCH_WEIGHTED(d, relations, relations_w));
    if (bench_chance(d, 75))
        bench_set(c, "perpetrator_sex", bench_chance(d, 90) ? "M" : "F");
    if (bench_chance(d, 70))
        bench_set(c, "risk_level", BENCH_WEIGHTED(d, risks, risks_w));
    bench_set(c, "consent_services", bench_chance(d, 92) ? "true" : "false");
    if (bench_chance(d, 60))
        bench_set(c, "consent_share", bench_chance(d, 70) ? "true" : "false");
    if (bench_chance(d, 88)) {
        bench_narrative(d, r->narrative, sizeof r->narrative);
        bench_set(c, "narrative", r->narrative);
    }
}

static void bench_new_service(struct bench_command *c, const struct bench_report *of)
{
    struct bench_dataset *d = c->d;
    static const char *const types[] = {"counselling", "complaint_intake", "health_visum",
                                        "police_accompaniment", "psychologist", "shelter_in",
                                        "shelter_out", "legal_aid", "mediation",
                                        "court_accompaniment", "social_rehabilitation",
                                        "reintegration", "other"};
    static const uint8_t types_w[] = {28, 12, 10, 9, 9, 5, 4, 6, 6, 3, 3, 3, 2};
    char id[SAE_ID_TEXT_LEN + 1], date[16], notes[600] = "";
    sae_id_format(&of->id, id);
    bench_remember(d, &c->id, "service", c->version.hlc);
    bench_set(c, "case_id", id);
    bench_set(c, "service_type", BENCH_WEIGHTED(d, types, types_w));
    bench_date(d, date, 2);
    bench_set(c, "service_date", date);
    if (bench_chance(d, 55))
        bench_set(c, "provider", BENCH_PICK(d, bench_providers));
    if (bench_chance(d, 60)) {
        for (uint32_t i = 0, n = 1 + bench_below(d, 2); i < n; i++)
            bench_fill(d, notes, sizeof notes, BENCH_PICK(d, bench_actions));
        if (bench_chance(d, 40))
            bench_fill(d, notes, sizeof notes, BENCH_PICK(d, bench_conditions));
        bench_set(c, "notes", notes);
    }
}

static void bench_new_referral(struct bench_command *c, const struct bench_report *of)
{
    struct bench_dataset *d = c->d;
    static const char *const targets[] = {"police_ppa_unit", "puskesmas", "hospital", "uptd_ppa",
                                          "puspaga", "social_office", "legal_aid", "other"};
    static const uint8_t targets_w[] = {22, 25, 8, 20, 8, 8, 7, 2};
    char id[SAE_ID_TEXT_LEN + 1], date[16], notes[400] = "";
    sae_id_format(&of->id, id);
    bench_remember(d, &c->id, "referral", c->version.hlc);
    bench_set(c, "case_id", id);
    bench_set(c, "referred_to", BENCH_WEIGHTED(d, targets, targets_w));
    bench_date(d, date, 2);
    bench_set(c, "referral_date", date);
    bench_set(c, "referral_status", "sent");
    if (bench_chance(d, 40)) {
        bench_fill(d, notes, sizeof notes, BENCH_PICK(d, bench_actions));
        bench_set(c, "notes", notes);
    }
}

static void bench_edit(struct bench_command *c, struct bench_report *r)
{
    struct bench_dataset *d = c->d;
    static const char *const statuses[] = {"active", "referred", "closed"};
    static const uint8_t statuses_w[] = {50, 25, 25};
    static const char *const results[] = {"referred", "service_provided_by_agency",
                                          "already_received_elsewhere", "not_applicable",
                                          "declined_by_survivor", "service_unavailable"};
    static const uint8_t results_w[] = {45, 25, 8, 7, 10, 5};
    c->id = r->id;
    c->kind = r->kind;
    c->base.hlc = r->created;
    c->base.origin = d->origin;
    if (strcmp(r->kind, "referral") == 0) {
        bool done = bench_chance(d, 50);
        bench_set(c, "referral_status", done ? "completed" : "accepted");
        if (done)
            bench_set(c, "referral_result", BENCH_WEIGHTED(d, results, results_w));
        return;
    }
    bench_set(c, "status", BENCH_WEIGHTED(d, statuses, statuses_w));
    if (bench_chance(d, 30))
        bench_set(c, "risk_level", bench_chance(d, 50) ? "high" : "low");
    if (r->narrative[0] && bench_chance(d, 25)) {
        bench_fill(d, r->narrative, sizeof r->narrative, BENCH_PICK(d, bench_actions));
        bench_set(c, "narrative", r->narrative);
    }
}

size_t bench_command(struct bench_dataset *d, struct sae_change *out, size_t room)
{
    struct bench_command c = {.d = d, .out = out, .room = room};
    d->ms += 60000u * (1 + bench_below(d, 90)) + bench_below(d, 60000);
    c.version.hlc = d->ms << SAE_HLC_COUNTER_BITS;
    c.version.origin = d->origin;
    for (size_t i = 0; i < SAE_ID_BYTES; i++)
        c.id.bytes[i] = (uint8_t)bench_next(d);
    c.id.bytes[6] = (uint8_t)((c.id.bytes[6] & 0x0f) | 0x40); /* UUID version 4 */
    c.id.bytes[8] = (uint8_t)((c.id.bytes[8] & 0x3f) | 0x80);
    uint32_t roll = bench_below(d, 100);
    struct bench_report *some = bench_some_case(d);
    if (!some || roll < 28) {
        c.kind = "case";
        bench_new_case(&c);
    } else if (roll < 58) {
        c.kind = "service";
        bench_new_service(&c, some);
    } else if (roll < 68) {
        c.kind = "referral";
        bench_new_referral(&c, some);
    } else if (roll < 97) {
        struct bench_report *r = &d->recent[bench_below(d, (uint32_t)d->recent_count)];
        if (strcmp(r->kind, "service") == 0) { /* append-only: a new service instead */
            c.kind = "service";
            bench_new_service(&c, some);
        } else {
            bench_edit(&c, r);
        }
    } else {
        c.id = some->id;
        c.kind = "case";
        c.base.hlc = some->created;
        c.base.origin = d->origin;
        bench_set(&c, SAE_FIELD_TOMBSTONE, "1");
    }
    return c.count;
}

void bench_batch(struct bench_dataset *d, struct sae_change *out, size_t count)
{
    size_t used = 0;
    while (used < count)
        used += bench_command(d, out + used, count - used);
}

void bench_batch_clear(struct sae_change *changes, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(changes[i].value);
        changes[i].value = NULL;
    }
}
