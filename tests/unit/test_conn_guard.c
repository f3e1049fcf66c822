/* The connection guard on real sockets (socket pairs: the guard holds one end as the server
 * would, the test reads the other): every deadline at its edge, the body rate, the
 * per-address limit and who makes room, the server nearly full, and the request rate. Times
 * are passed in, so every edge is exact; a cut is seen as end-of-file on the test's end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/conn_guard.h"

#define CONNS 32

struct conn {
    int server_end, client_end;
    struct conn_entry *entry;
};

struct fixture {
    struct conn_guard *guard;
    struct conn conns[CONNS];
    struct conn_guard_event events[16];
    size_t event_count;
};

static const struct conn_guard_config CONFIG = {
    .max_connections = 16,
    .per_address = 3,
    .header_timeout_ms = 20000,
    .body_window_ms = 60000,
    .body_min_rate = 100,
    .requests = {20, 600},
};

static void on_event(void *ctx, const struct conn_guard_event *ev)
{
    struct fixture *f = ctx;
    assert_true(f->event_count < 16);
    f->events[f->event_count++] = *ev;
}

static struct sockaddr_in address(unsigned last_byte)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(0x0a000000u + last_byte);
    return a;
}

static struct fixture *make(const struct conn_guard_config *config)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(conn_guard_create(config, &f->guard), 0);
    return f;
}

/* Connection i from 10.0.0.last_byte, opened at now. */
static void open_conn(struct fixture *f, int i, unsigned last_byte, int64_t now)
{
    int pair[2];
    struct sockaddr_in a = address(last_byte);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
    f->conns[i].server_end = pair[0];
    f->conns[i].client_end = pair[1];
    assert_int_equal(fcntl(pair[1], F_SETFL, O_NONBLOCK), 0);
    assert_int_equal(conn_guard_open(f->guard, pair[0], (const struct sockaddr *)&a, now,
                                     &f->conns[i].entry), 0);
}

static bool admit(struct fixture *f, unsigned last_byte, int64_t now)
{
    struct sockaddr_in a = address(last_byte);
    return conn_guard_admit(f->guard, (const struct sockaddr *)&a, now, on_event, f);
}

/* Whether the guard shut connection i down: its peer reads end-of-file. */
static bool was_cut(struct fixture *f, int i)
{
    char c;
    ssize_t n = read(f->conns[i].client_end, &c, 1);
    if (n < 0)
        assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
    return n == 0;
}

static void close_conn(struct fixture *f, int i)
{
    conn_guard_close(f->guard, f->conns[i].entry);
    close(f->conns[i].server_end);
    close(f->conns[i].client_end);
    f->conns[i].entry = NULL;
}

static void sweep(struct fixture *f, int64_t now)
{
    conn_guard_sweep(f->guard, now, on_event, f);
}

static void finish(struct fixture *f)
{
    for (int i = 0; i < CONNS; i++)
        if (f->conns[i].entry)
            close_conn(f, i);
    assert_int_equal(conn_guard_live(f->guard), 0);
    conn_guard_destroy(f->guard);
    free(f);
}

/* Below header_deadline_from open connections a slow sender costs a slot and nothing else:
 * with 2 open of 3, nobody is cut however late; the third brings the deadline back, and
 * every connection past it goes. */
static void test_header_deadline_only_under_pressure(void **state)
{
    (void)state;
    struct conn_guard_config config = CONFIG;
    config.header_deadline_from = 3;
    struct fixture *f = make(&config);
    open_conn(f, 0, 1, 1000);
    open_conn(f, 1, 2, 1000);
    sweep(f, 500000);
    assert_false(was_cut(f, 0));
    assert_false(was_cut(f, 1));
    assert_int_equal(f->event_count, 0);
    open_conn(f, 2, 3, 499000);
    sweep(f, 500000);
    assert_true(was_cut(f, 0));
    assert_true(was_cut(f, 1));
    assert_false(was_cut(f, 2)); /* 1 s old: within its 20 s */
    assert_int_equal(f->event_count, 2);
    assert_int_equal(f->events[0].action, CONN_GUARD_CUT_HEADERS);
    assert_int_equal(conn_guard_live(f->guard), 1);
    /* Back under the mark: the third may take its time too. */
    sweep(f, 600000);
    assert_false(was_cut(f, 2));
    finish(f);
}

/* The handshake and headers must be in within 20 s: at 19,999 ms nothing happens. */
static void test_header_deadline_edge(void **state)
{
    (void)state;
    struct fixture *f = make(&CONFIG);
    open_conn(f, 0, 1, 1000);
    open_conn(f, 1, 2, 1500);
    sweep(f, 20999);
    assert_false(was_cut(f, 0));
    assert_int_equal(f->event_count, 0);
    sweep(f, 21000);
    assert_true(was_cut(f, 0));
    assert_false(was_cut(f, 1));
    assert_int_equal(f->event_count, 1);
    assert_int_equal(f->events[0].action, CONN_GUARD_CUT_HEADERS);
    assert_string_equal(f->events[0].peer, "10.0.0.1");
    assert_int_equal(f->events[0].age_ms, 20000);
    assert_int_equal(conn_guard_live(f->guard), 1); /* cut: no longer counted */
    /* A request begun in time is no longer under the header deadline. */
    unsigned retry = 0;
    assert_true(conn_guard_request(f->guard, f->conns[1].entry, 21499, &retry));
    conn_guard_handling(f->guard, f->conns[1].entry);
    sweep(f, 100000);
    assert_false(was_cut(f, 1));
    /* Once answered, the next request's headers have 20 s again. */
    conn_guard_request_done(f->guard, f->conns[1].entry, 100000);
    sweep(f, 119999);
    assert_false(was_cut(f, 1));
    sweep(f, 120000);
    assert_true(was_cut(f, 1));
    assert_string_equal(conn_guard_action_label(f->events[1].action), "headers");
    finish(f);
}

/* 100 bytes a second over each 60 s window: 6,000 bytes pass, 5,999 are cut. */
static void test_body_rate_edge(void **state)
{
    (void)state;
    struct fixture *f = make(&CONFIG);
    unsigned retry = 0;
    open_conn(f, 0, 1, 0);
    open_conn(f, 1, 2, 0);
    assert_true(conn_guard_request(f->guard, f->conns[0].entry, 0, &retry));
    assert_true(conn_guard_request(f->guard, f->conns[1].entry, 0, &retry));
    conn_guard_body(f->guard, f->conns[0].entry, 6000);
    conn_guard_body(f->guard, f->conns[1].entry, 5999);
    sweep(f, 59999); /* the first window is the grace period */
    assert_false(was_cut(f, 0));
    assert_false(was_cut(f, 1));
    sweep(f, 60000);
    assert_false(was_cut(f, 0));
    assert_true(was_cut(f, 1));
    assert_int_equal(f->events[0].action, CONN_GUARD_CUT_BODY_RATE);
    assert_int_equal(f->events[0].body_bytes, 5999);
    /* The next window starts where the last ended: a stall in it is judged on its own. */
    conn_guard_body(f->guard, f->conns[0].entry, 5999);
    sweep(f, 120000);
    assert_true(was_cut(f, 0));
    assert_int_equal(f->event_count, 2);
    finish(f);
}

/* At the address's limit a new connection takes the oldest waiting one's place; when every
 * one is in a request, it is refused. Other addresses are not touched. */
static void test_per_address_limit(void **state)
{
    (void)state;
    struct fixture *f = make(&CONFIG);
    unsigned retry = 0;
    open_conn(f, 9, 7, 0); /* another address */
    for (int i = 0; i < 3; i++) {
        assert_true(admit(f, 1, 10 + i));
        open_conn(f, i, 1, 10 + i);
    }
    assert_int_equal(f->event_count, 0);
    /* The fourth: conn 0, the oldest waiting, goes. */
    assert_true(admit(f, 1, 20));
    assert_true(was_cut(f, 0));
    assert_int_equal(f->event_count, 1);
    assert_int_equal(f->events[0].action, CONN_GUARD_EVICTED);
    assert_int_equal(f->events[0].age_ms, 10);
    open_conn(f, 3, 1, 20);
    /* Conns 1..3 all begin bodies: until one has arrived for 10 s, the fifth has no one to
     * replace. */
    for (int i = 1; i <= 3; i++)
        assert_true(conn_guard_request(f->guard, f->conns[i].entry, 30, &retry));
    conn_guard_body(f->guard, f->conns[1].entry, 5000);
    conn_guard_body(f->guard, f->conns[2].entry, 100);
    conn_guard_body(f->guard, f->conns[3].entry, 3000);
    assert_false(admit(f, 1, 10029));
    assert_int_equal(f->events[1].action, CONN_GUARD_REFUSED);
    assert_string_equal(f->events[1].peer, "10.0.0.1");
    for (int i = 1; i <= 3; i++)
        assert_false(was_cut(f, i));
    assert_false(was_cut(f, 9));
    /* From 10 s on, the slowest body gives its place. */
    assert_true(admit(f, 1, 10030));
    assert_true(was_cut(f, 2));
    assert_int_equal(f->events[2].action, CONN_GUARD_EVICTED);
    assert_true(f->events[2].in_body);
    assert_int_equal(f->events[2].body_bytes, 100);
    assert_false(was_cut(f, 1));
    assert_false(was_cut(f, 3));
    /* A cut one that libmicrohttpd closes later changes nothing twice; one that closes
     * makes room. */
    close_conn(f, 2);
    close_conn(f, 0);
    open_conn(f, 4, 1, 10030);
    conn_guard_handling(f->guard, f->conns[1].entry);
    conn_guard_handling(f->guard, f->conns[3].entry);
    assert_true(conn_guard_request(f->guard, f->conns[4].entry, 10030, &retry));
    assert_false(admit(f, 1, 20029)); /* two being handled, and a body younger than 10 s */
    close_conn(f, 1);
    assert_true(admit(f, 1, 20029));
    assert_int_equal(f->event_count, 4);
    assert_true(admit(f, 2, 20029));
    finish(f);
}

/* From 7/8 of max_connections (14 of 16) on, each admission takes the place of the oldest
 * waiting connection of any address. */
static void test_nearly_full_server(void **state)
{
    (void)state;
    struct fixture *f = make(&CONFIG);
    unsigned retry = 0;
    for (int i = 0; i < 13; i++) {
        assert_true(admit(f, 10 + (unsigned)i, i));
        open_conn(f, i, 10 + (unsigned)i, i);
    }
    assert_true(conn_guard_request(f->guard, f->conns[0].entry, 20, &retry)); /* busy */
    assert_true(admit(f, 50, 30));
    open_conn(f, 13, 50, 30);
    assert_int_equal(f->event_count, 0);
    assert_int_equal(conn_guard_live(f->guard), 14);
    assert_true(admit(f, 51, 40));
    assert_int_equal(f->event_count, 1);
    assert_int_equal(f->events[0].action, CONN_GUARD_EVICTED_FULL);
    assert_false(was_cut(f, 0)); /* a young body: not chosen */
    assert_true(was_cut(f, 1));  /* the oldest waiting one */
    assert_int_equal(conn_guard_live(f->guard), 13);
    /* With nobody waiting, the slowest body of 10 s or more goes. */
    open_conn(f, 14, 51, 40);
    for (int i = 2; i <= 14; i++)
        assert_true(conn_guard_request(f->guard, f->conns[i].entry, 50, &retry));
    conn_guard_handling(f->guard, f->conns[13].entry);
    for (int i = 2; i <= 14; i++)
        conn_guard_body(f->guard, f->conns[i].entry, 1000);
    conn_guard_body(f->guard, f->conns[0].entry, 10);
    assert_true(admit(f, 52, 10049)); /* only conn 0 is old enough */
    assert_true(was_cut(f, 0));
    assert_true(f->events[1].in_body);
    assert_true(admit(f, 53, 10049)); /* nobody can go: admitted all the same */
    assert_int_equal(f->event_count, 2);
    finish(f);
}

/* Requests take tokens from their address's bucket: 600 at once, then 20 a second. */
static void test_request_rate(void **state)
{
    (void)state;
    struct fixture *f = make(&CONFIG);
    unsigned retry = 0;
    open_conn(f, 0, 1, 0);
    open_conn(f, 1, 1, 0);
    open_conn(f, 2, 2, 0);
    for (int i = 0; i < 600; i++) {
        assert_true(conn_guard_request(f->guard, f->conns[i % 2].entry, 1000, &retry));
        conn_guard_request_done(f->guard, f->conns[i % 2].entry, 1000);
    }
    assert_false(conn_guard_request(f->guard, f->conns[0].entry, 1000, &retry));
    assert_int_equal(retry, 1);
    assert_false(conn_guard_request(f->guard, f->conns[1].entry, 1049, &retry));
    assert_true(conn_guard_request(f->guard, f->conns[1].entry, 1050, &retry));
    /* Another address has its own bucket. */
    assert_true(conn_guard_request(f->guard, f->conns[2].entry, 1000, &retry));
    finish(f);
}

static void test_config_refusals(void **state)
{
    (void)state;
    struct conn_guard *g = NULL;
    struct conn_guard_config c = CONFIG;
    c.per_address = c.max_connections + 1;
    assert_int_equal(conn_guard_create(&c, &g), SAE_EINVAL);
    c = CONFIG;
    c.header_timeout_ms = 0;
    assert_int_equal(conn_guard_create(&c, &g), SAE_EINVAL);
    c = CONFIG;
    c.requests.per_second = 0;
    assert_int_equal(conn_guard_create(&c, &g), SAE_EINVAL);
    assert_null(g);
    struct sockaddr unix_like = {.sa_family = AF_UNIX};
    struct conn_entry *e = NULL;
    assert_int_equal(conn_guard_create(&CONFIG, &g), 0);
    assert_int_equal(conn_guard_open(g, 0, &unix_like, 0, &e), SAE_EINVAL);
    assert_null(e);
    assert_true(conn_guard_admit(g, &unix_like, 0, NULL, NULL));
    conn_guard_close(g, NULL);
    conn_guard_destroy(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_deadline_edge),
        cmocka_unit_test(test_header_deadline_only_under_pressure),
        cmocka_unit_test(test_body_rate_edge),
        cmocka_unit_test(test_per_address_limit),
        cmocka_unit_test(test_nearly_full_server),
        cmocka_unit_test(test_request_rate),
        cmocka_unit_test(test_config_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
