/*
 * dia_peer.c — Diameter peer connections over TCP on libevent: capabilities
 * exchange (RFC 6733 §5.3), watchdog (RFC 6733 §5.5, RFC 3539 §3.4),
 * disconnect (RFC 6733 §5.4), hop-by-hop/end-to-end ids (§3), answers
 * matched to requests by hop-by-hop id, and the errors the base protocol
 * answers itself (§7: 3001, 3007, decoding errors with Failed-AVP).
 *
 * Servers and clients share a `struct node` (configuration, connection
 * lists, id generators). Every connection is a `struct dia_conn` owning its
 * socket, its capped input and output buffers, three events and a state:
 *
 *	client: CONNECTING -> WAIT_CEA -> OPEN
 *	server: WAIT_CER -> OPEN
 *	either: OPEN -> FLUSHING -> DRAINING -> CLOSED   (DPA, CEA refusal)
 *	        OPEN -> CLOSING -> FLUSHING -> ...       (our DPR, then DPA)
 *	        any  -> CLOSED                            (conn_close)
 *
 * conn_close() is the one teardown path: it closes the socket, moves the
 * connection to the node's `dead` list and activates the node's reap
 * event, which frees it from a fresh callback — so a connection is never
 * freed under a callback that still holds it. conn_close() never calls
 * application code: pending requests of a lost client connection are failed
 * from the client's `notify` event. Application callbacks are called from
 * three places only (conn_process, pending_timeout_cb, client_notify_cb),
 * each of which watches node->gone in case the application frees the
 * server or client from inside the callback.
 *
 * Output is coalesced: conn_queue() only appends to the connection's
 * output buffer. Messages queued while the connection's own input is being
 * processed (answers, and requests a client sends from an answer callback)
 * are written with one send() when conn_process() has handled every
 * complete message read; anything queued elsewhere (a timer, another
 * connection's callback, an HTTP request) activates the connection's
 * `ev_flush` event, which writes in the same pass of the event loop, before
 * it polls again. Order is that of the buffer; the output cap is checked
 * after writing what the socket takes, so only a peer that does not read
 * reaches it; and conn_close() makes one last non-blocking write of what is
 * still queued, as an immediate write would have done.
 *
 * Graceful shutdown (dia_*_shutdown, RFC 6733 §5.4 and the Closing state
 * of §5.6.1) moves the node RUNNING -> CLOSING -> CLOSED: DPR is queued
 * behind whatever is already queued on each open connection, which then
 * reads on (CLOSING) until the DPA, after which it ends like the receiver
 * of a DPR does (FLUSHING, DRAINING: half-close, wait for the peer's FIN),
 * so that neither side resets a connection with data in flight. The
 * node's `deadline` closes what is left when the peer does not answer.
 * `done` is called from the reap event (or a client's notify event) once
 * no connection is left — never from inside dia_*_shutdown().
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "buf.h"
#include "crypto.h"
#include "dia_peer.h"
#include "bytes.h"
#include "diameter.h"
#include "log.h"

#define ADDR_STRLEN		(INET6_ADDRSTRLEN + 10)	/* "[v6]:65535" */
#define LINGER_MS		2000	/* wait for the peer to close, at most */
#define ACCEPT_PAUSE_MS		1000	/* after EMFILE */
#define ACCEPT_BURST		32
#define SERVER_CONNS_MAX	1024	/* sockets per server, any state */
#define PENDING_BUCKETS		256
#define DUMP_MAX		(256 * 1024)
#define READ_CHUNK		16384

enum conn_state {
	CONN_CONNECTING,	/* client: non-blocking connect() in progress */
	CONN_WAIT_CEA,		/* client: CER sent */
	CONN_WAIT_CER,		/* server: accepted, nothing received yet */
	CONN_OPEN,		/* capabilities exchanged */
	CONN_CLOSING,		/* our DPR sent; reading until its DPA */
	CONN_FLUSHING,		/* last message queued; no more input read */
	CONN_DRAINING,		/* written, half-closed; input discarded */
	CONN_CLOSED,		/* socket closed; freed by the reap event */
};

static const char *const conn_state_names[] = {
	[CONN_CONNECTING] = "CONNECTING",
	[CONN_WAIT_CEA] = "WAIT_CEA",
	[CONN_WAIT_CER] = "WAIT_CER",
	[CONN_OPEN] = "OPEN",
	[CONN_CLOSING] = "CLOSING",
	[CONN_FLUSHING] = "FLUSHING",
	[CONN_DRAINING] = "DRAINING",
	[CONN_CLOSED] = "CLOSED",
};

/* RFC 3539 §3.4.1, within the open state: OKAY, or SUSPECT after a DWR
 * went unanswered for Tw (any message received makes it OKAY again). */
enum wd_state {
	WD_OKAY,
	WD_SUSPECT,
};

enum client_state {
	CLIENT_BACKOFF,		/* no connection; reconnect timer running */
	CLIENT_CONNECTING,	/* connection in CONNECTING or WAIT_CEA */
	CLIENT_OPEN,
	CLIENT_CLOSING,		/* dia_client_shutdown(): no reconnect */
	CLIENT_STOPPED,		/* dia_client_free() running */
};

static const char *const client_state_names[] = {
	[CLIENT_BACKOFF] = "BACKOFF",
	[CLIENT_CONNECTING] = "CONNECTING",
	[CLIENT_OPEN] = "OPEN",
	[CLIENT_CLOSING] = "CLOSING",
	[CLIENT_STOPPED] = "STOPPED",
};

/* Graceful shutdown of a server or client (dia_*_shutdown). */
enum node_state {
	NODE_RUNNING,
	NODE_CLOSING,		/* DPRs out; waiting for DPAs or the deadline */
	NODE_CLOSED,		/* nothing left open; `done` called */
};

static const char *const node_state_names[] = {
	[NODE_RUNNING] = "RUNNING",
	[NODE_CLOSING] = "CLOSING",
	[NODE_CLOSED] = "CLOSED",
};

enum role {
	ROLE_SERVER,
	ROLE_CLIENT,
};

TAILQ_HEAD(conn_list, dia_conn);

/* What servers and clients share; the first member of both. */
struct node {
	enum role		 role;
	struct event_base	*base;
	struct dia_local	 local;	/* copy; strings below owned */
	char			*product;
	char			**allow;
	struct conn_list	 conns;	/* every connection not CLOSED */
	struct conn_list	 dead;	/* CLOSED, freed by `reap` */
	struct event		*reap;
	int			*gone;	/* set by _free during a callback */
	uint64_t		 next_id;
	uint32_t		 hbh_next;
	uint32_t		 e2e_next;
	uint64_t		 rnd;	/* xorshift state for jitter */
	enum node_state		 state;
	struct event		*deadline;	/* shutdown: close what is left */
	unsigned		 shutdown_ms;
	dia_done_cb		 done;		/* shutdown finished */
	void			*done_arg;
};

struct dia_conn {
	TAILQ_ENTRY(dia_conn)	 entry;
	struct node		*node;
	uint64_t		 id;
	enum conn_state		 state;
	enum wd_state		 wd;
	int			 fd;
	struct event		*ev_read;
	struct event		*ev_write;
	struct event		*ev_timer;
	struct event		*ev_flush;	/* deferred write, see above */
	int			 in_read;	/* conn_process() running */
	struct buf		 in;
	struct buf		 out;
	uint64_t		 last_rx_ms;
	struct sockaddr_storage	 local_ss;	/* for Host-IP-Address */
	char			 addr[ADDR_STRLEN];
	char			 peer_host[256];
	uint32_t		 dpr_hbh;	/* CLOSING: the DPA to wait for */
};

struct dia_server {
	struct node		 node;
	int			 fd;
	uint16_t		 port;
	struct event		*ev_accept;
	struct event		*ev_pause;
	dia_request_cb		 cb;
	void			*arg;
};

struct pending {
	LIST_ENTRY(pending)	 hentry;	/* in a bucket, while in flight */
	TAILQ_ENTRY(pending)	 fentry;	/* in `failed`, after a loss */
	struct dia_client	*client;
	uint32_t		 hbh;
	uint32_t		 cmd;
	struct event		*timer;
	dia_answer_cb		 cb;
	void			*arg;
	char			 reason[128];
};

LIST_HEAD(pending_bucket, pending);
TAILQ_HEAD(pending_list, pending);

struct dia_client {
	struct node		 node;
	enum client_state	 state;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	char			 addr[ADDR_STRLEN];
	char			 peer_host[256];
	struct dia_conn		*conn;		/* current; NULL in BACKOFF */
	struct event		*ev_reconnect;
	struct event		*ev_notify;
	unsigned		 backoff_ms;	/* next reconnect delay */
	unsigned		 request_timeout_ms;
	struct pending_bucket	 pending[PENDING_BUCKETS];
	size_t			 npending;
	struct pending_list	 failed;	/* lost; cb from ev_notify */
	unsigned		 refusals;	/* CEA exchanges that failed */
};

static void	conn_read_cb(evutil_socket_t, short, void *);
static void	conn_write_cb(evutil_socket_t, short, void *);
static void	conn_timer_cb(evutil_socket_t, short, void *);
static void	conn_flush_cb(evutil_socket_t, short, void *);
static void	node_deadline_cb(evutil_socket_t, short, void *);
static void	conn_close(struct dia_conn *, const char *);
static void	conn_finish(struct dia_conn *, const char *);
static int	conn_queue(struct dia_conn *, const uint8_t *, size_t);
static void	client_conn_lost(struct dia_client *, const char *);
static void	client_schedule(struct dia_client *, int);
static void	client_set_state(struct dia_client *, enum client_state);
static int	fail(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/* ---- small helpers --------------------------------------------------- */

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static struct timeval
tv_ms(unsigned ms)
{
	struct timeval tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	return tv;
}

static uint64_t
rnd_next(struct node *n)
{
	/* xorshift64: jitter only, nothing secret */
	n->rnd ^= n->rnd << 13;
	n->rnd ^= n->rnd >> 7;
	n->rnd ^= n->rnd << 17;
	return n->rnd;
}

/* `ms` +- up to `spread` ms, never below 1. */
static unsigned
jitter(struct node *n, unsigned ms, unsigned spread)
{
	int64_t v;

	if (spread == 0)
		return ms ? ms : 1;
	v = (int64_t)ms + (int64_t)(rnd_next(n) % (2 * (uint64_t)spread + 1)) -
	    (int64_t)spread;
	return v < 1 ? 1 : (unsigned)v;
}

static void
addr_format(const struct sockaddr *sa, char *out, size_t size)
{
	char host[INET6_ADDRSTRLEN];
	uint16_t port;

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		port = ntohs(s6->sin6_port);
		snprintf(out, size, "[%s]:%u", host, port);
	} else if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		port = ntohs(s4->sin_port);
		snprintf(out, size, "%s:%u", host, port);
	} else
		snprintf(out, size, "?");
}

/* Numeric address only: AI_NUMERICHOST never touches DNS. */
static int
addr_parse(const char *addr, uint16_t port, struct sockaddr_storage *ss,
    socklen_t *sslen, char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL;
	char serv[8];
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	snprintf(serv, sizeof(serv), "%u", port);
	if (addr == NULL || *addr == '\0')
		return fail(err, errlen, "no address");
	if ((rc = getaddrinfo(addr, serv, &hints, &res)) != 0)
		return fail(err, errlen, "%s: not a numeric address: %s",
		    addr, gai_strerror(rc));
	if (res->ai_addrlen > sizeof(*ss)) {
		freeaddrinfo(res);
		return fail(err, errlen, "%s: address too long", addr);
	}
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sslen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static void
sock_nodelay(int fd)
{
	int one = 1;

	/* request/answer traffic: latency over coalescing */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* ---- the node: configuration and ids ---------------------------------- */

static int
node_init(struct node *n, enum role role, struct event_base *base,
    const struct dia_local *local, void (*reap_cb)(evutil_socket_t, short,
    void *), char *err, size_t errlen)
{
	uint64_t seed[2];
	size_t i, count = 0;

	n->role = role;
	n->base = base;
	TAILQ_INIT(&n->conns);
	TAILQ_INIT(&n->dead);
	n->next_id = 1;
	if (base == NULL || local == NULL)
		return fail(err, errlen, "no event base or configuration");
	if (memchr(local->origin_host, '\0', sizeof(local->origin_host)) ==
	    NULL || local->origin_host[0] == '\0')
		return fail(err, errlen, "Origin-Host not set");
	if (memchr(local->origin_realm, '\0', sizeof(local->origin_realm)) ==
	    NULL || local->origin_realm[0] == '\0')
		return fail(err, errlen, "Origin-Realm not set");
	if (local->app_id == 0)
		return fail(err, errlen, "no application id");

	n->local = *local;
	if (n->local.tw_ms == 0)
		n->local.tw_ms = DIA_TW_DEFAULT_MS;
	if (n->local.cer_timeout_ms == 0)
		n->local.cer_timeout_ms = DIA_CER_TIMEOUT_DEFAULT_MS;
	if (n->local.reconnect_min_ms == 0)
		n->local.reconnect_min_ms = DIA_RECONNECT_MIN_DEFAULT_MS;
	if (n->local.reconnect_max_ms == 0)
		n->local.reconnect_max_ms = DIA_RECONNECT_MAX_DEFAULT_MS;
	if (n->local.reconnect_max_ms < n->local.reconnect_min_ms)
		n->local.reconnect_max_ms = n->local.reconnect_min_ms;
	if (n->local.msg_max == 0)
		n->local.msg_max = DIA_MSG_MAX_DEFAULT;
	if (n->local.msg_max < DIA_HDR_LEN + DIA_AVP_HDR_LEN)
		return fail(err, errlen, "message cap %zu too small",
		    n->local.msg_max);
	if (n->local.out_max == 0)
		n->local.out_max = DIA_OUT_MAX_FACTOR * n->local.msg_max;
	if (n->local.out_max < n->local.msg_max)
		n->local.out_max = n->local.msg_max;
	if (n->local.origin_state_id == 0)
		n->local.origin_state_id = (uint32_t)time(NULL);

	n->local.product_name = NULL;
	n->local.allow = NULL;
	if ((n->product = strdup(local->product_name != NULL ?
	    local->product_name : "utstack")) == NULL)
		return fail(err, errlen, "out of memory");
	n->local.product_name = n->product;
	if (local->allow != NULL)
		while (local->allow[count] != NULL)
			count++;
	if ((n->allow = calloc(count + 1, sizeof(*n->allow))) == NULL)
		return fail(err, errlen, "out of memory");
	for (i = 0; i < count; i++)
		if ((n->allow[i] = strdup(local->allow[i])) == NULL)
			return fail(err, errlen, "out of memory");
	n->local.allow = (const char *const *)n->allow;

	if ((n->reap = event_new(base, -1, 0, reap_cb, n)) == NULL ||
	    (n->deadline = evtimer_new(base, node_deadline_cb, n)) == NULL)
		return fail(err, errlen, "event_new failed");

	if (crypto_random(seed, sizeof(seed), 0) == -1) {
		seed[0] = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
		seed[1] = seed[0] * 6364136223846793005ULL + 1;
	}
	n->rnd = seed[0] | 1;
	/* RFC 6733 §3: hop-by-hop starts anywhere; end-to-end has the low
	 * 12 bits of the time in its high 12 bits and a random low part */
	n->hbh_next = (uint32_t)seed[1];
	n->e2e_next = ((uint32_t)time(NULL) & 0xfff) << 20 |
	    ((uint32_t)(seed[1] >> 32) & 0xfffff);
	return 0;
}

static void
node_clear(struct node *n)
{
	size_t i;

	if (n->allow != NULL) {
		for (i = 0; n->allow[i] != NULL; i++)
			free(n->allow[i]);
		free(n->allow);
	}
	free(n->product);
	if (n->reap != NULL)
		event_free(n->reap);
	if (n->deadline != NULL)
		event_free(n->deadline);
}

static uint32_t
node_hbh(struct node *n)
{
	return n->hbh_next++;
}

static uint32_t
node_e2e(struct node *n)
{
	return n->e2e_next++;
}

/* Origin-Host allow-list: case-insensitive; "*" admits anyone. */
static int
node_allowed(const struct node *n, const char *host)
{
	size_t i;

	for (i = 0; n->allow[i] != NULL; i++)
		if (strcmp(n->allow[i], "*") == 0 ||
		    strcasecmp(n->allow[i], host) == 0)
			return 1;
	return 0;
}

static const char *
role_name(const struct node *n)
{
	return n->role == ROLE_SERVER ? "server" : "client";
}

/* ---- dumps at -vv -------------------------------------------------------- */

static void
dump_msg(const struct dia_conn *c, const char *dir, const struct dia_msg *m)
{
	struct buf out;
	const char *p, *nl, *end;

	if (log_verbose() < 2)
		return;
	buf_init(&out, DUMP_MAX);
	(void)dia_msg_dump(m, &out, log_show_keys());
	/* one log line per dump line: a log line never holds a newline */
	p = (const char *)out.data;
	end = p + out.len;
	while (p != NULL && p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		log_debug2("dia: %s %s: %.*s", c->addr, dir,
		    (int)((nl ? nl : end) - p), p);
		p = nl ? nl + 1 : NULL;
	}
	buf_clear(&out);
}

static void
dump_raw(const struct dia_conn *c, const char *dir, const uint8_t *p,
    size_t len)
{
	struct dia_msg *m = NULL;
	struct dia_error err;

	if (log_verbose() < 2)
		return;
	if (dia_msg_decode(p, len, &m, &err) == -1) {
		log_debug2("dia: %s %s %zu octets, undecodable: %s", c->addr,
		    dir, len, err.reason);
		return;
	}
	dump_msg(c, dir, m);
	dia_msg_free(m);
}

/* ---- connection life ------------------------------------------------------ */

static void
conn_set_state(struct dia_conn *c, enum conn_state state)
{
	log_debug("dia: %s conn %llu: %s -> %s", c->addr,
	    (unsigned long long)c->id, conn_state_names[c->state],
	    conn_state_names[state]);
	c->state = state;
}

static void
conn_arm(struct dia_conn *c, unsigned ms)
{
	struct timeval tv = tv_ms(ms);

	evtimer_add(c->ev_timer, &tv);
}

static unsigned
conn_tw(struct dia_conn *c)
{
	unsigned tw = c->node->local.tw_ms;
	unsigned spread = tw / 10 < 2000 ? tw / 10 : 2000;

	return jitter(c->node, tw, spread);
}

static struct dia_conn *
conn_new(struct node *n, int fd, enum conn_state state, const char *addr)
{
	struct dia_conn *c;
	size_t in_max;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->node = n;
	c->id = n->next_id++;
	c->state = state;
	c->fd = fd;
	snprintf(c->addr, sizeof(c->addr), "%s", addr);
	/* a smaller input cap until the peer is known (STYLE.md) */
	in_max = n->local.msg_max < DIA_PRE_CER_MAX ? n->local.msg_max :
	    DIA_PRE_CER_MAX;
	buf_init(&c->in, in_max);
	buf_init(&c->out, n->local.out_max);
	c->ev_read = event_new(n->base, fd, EV_READ | EV_PERSIST,
	    conn_read_cb, c);
	c->ev_write = event_new(n->base, fd, EV_WRITE | EV_PERSIST,
	    conn_write_cb, c);
	c->ev_timer = evtimer_new(n->base, conn_timer_cb, c);
	c->ev_flush = event_new(n->base, -1, 0, conn_flush_cb, c);
	if (c->ev_read == NULL || c->ev_write == NULL || c->ev_timer == NULL ||
	    c->ev_flush == NULL) {
		if (c->ev_read != NULL)
			event_free(c->ev_read);
		if (c->ev_write != NULL)
			event_free(c->ev_write);
		if (c->ev_timer != NULL)
			event_free(c->ev_timer);
		if (c->ev_flush != NULL)
			event_free(c->ev_flush);
		free(c);
		return NULL;
	}
	c->last_rx_ms = now_ms();
	TAILQ_INSERT_TAIL(&n->conns, c, entry);
	log_debug("dia: %s conn %llu: new (%s, %s)", c->addr,
	    (unsigned long long)c->id, role_name(n), conn_state_names[state]);
	return c;
}

static void
conn_free(struct dia_conn *c)
{
	event_free(c->ev_read);
	event_free(c->ev_write);
	event_free(c->ev_timer);
	event_free(c->ev_flush);
	if (c->fd != -1)
		close(c->fd);
	buf_clear(&c->in);
	buf_clear(&c->out);
	free(c);
}

/* "server :3868" or "client 127.0.0.1:3868", for log lines. */
static const char *
node_label(const struct node *n, char *out, size_t size)
{
	if (n->role == ROLE_SERVER)
		snprintf(out, size, "server :%u",
		    (unsigned)((const struct dia_server *)n)->port);
	else
		snprintf(out, size, "client %s",
		    ((const struct dia_client *)n)->addr);
	return out;
}

static void
node_set_state(struct node *n, enum node_state state)
{
	char label[ADDR_STRLEN + 16];

	log_debug("dia: %s: %s -> %s", node_label(n, label, sizeof(label)),
	    node_state_names[n->state], node_state_names[state]);
	n->state = state;
}

/*
 * Shutdown: once no connection is left (and, for a client, every failed
 * request has had its callback), the node is CLOSED and `done` is called.
 * Called last by the event callbacks that run it: `done` may free the
 * node.
 */
static void
node_check_closed(struct node *n)
{
	dia_done_cb done;
	char label[ADDR_STRLEN + 16];

	if (n->state != NODE_CLOSING || !TAILQ_EMPTY(&n->conns))
		return;
	if (n->role == ROLE_CLIENT &&
	    !TAILQ_EMPTY(&((struct dia_client *)n)->failed))
		return;		/* client_notify_cb comes back here */
	node_set_state(n, NODE_CLOSED);
	event_del(n->deadline);
	log_info("dia: %s: shutdown complete",
	    node_label(n, label, sizeof(label)));
	if ((done = n->done) != NULL)
		done(n->done_arg);
}

static void
node_reap_cb(evutil_socket_t fd, short what, void *arg)
{
	struct node *n = arg;
	struct dia_conn *c;

	(void)fd;
	(void)what;
	while ((c = TAILQ_FIRST(&n->dead)) != NULL) {
		TAILQ_REMOVE(&n->dead, c, entry);
		conn_free(c);
	}
	node_check_closed(n);
}

/* Serving: may queue messages, and leaves by conn_deactivate(). */
static int
conn_active(const struct dia_conn *c)
{
	return c->state == CONN_CONNECTING || c->state == CONN_WAIT_CEA ||
	    c->state == CONN_WAIT_CER || c->state == CONN_OPEN ||
	    c->state == CONN_CLOSING;
}

/* Reading and handling messages (conn_process). */
static int
conn_reading(const struct dia_conn *c)
{
	return c->state == CONN_WAIT_CER || c->state == CONN_WAIT_CEA ||
	    c->state == CONN_OPEN || c->state == CONN_CLOSING;
}

/*
 * The connection stops serving (leaves CONNECTING, WAIT_CEA, WAIT_CER,
 * OPEN or CLOSING): the event line, and for a client's current
 * connection, the client's reaction.
 */
static void
conn_deactivate(struct dia_conn *c, const char *reason)
{
	struct node *n = c->node;
	struct dia_client *cl;

	if (c->state == CONN_OPEN || c->state == CONN_CLOSING)
		log_event("DIA-PEER-DOWN", "peer", c->peer_host, "addr",
		    c->addr, "role", role_name(n), "reason", reason,
		    (char *)NULL);
	else if (n->role == ROLE_CLIENT && n->state == NODE_RUNNING)
		log_warnx("dia: %s: connection failed: %s", c->addr, reason);
	else if (n->role == ROLE_CLIENT)
		log_info("dia: %s: connection given up: %s", c->addr, reason);
	else
		log_info("dia: %s: closed before capabilities exchange: %s",
		    c->addr, reason);
	if (n->role == ROLE_CLIENT) {
		cl = (struct dia_client *)n;
		if (cl->conn == c) {
			cl->conn = NULL;
			client_conn_lost(cl, reason);
		}
	}
}

/*
 * Write as much of the output buffer as the socket takes now. Returns 1
 * when the buffer is empty, 0 when the socket is full (EAGAIN), -1 on a
 * write error (errno set).
 */
static int
out_write(struct dia_conn *c)
{
	ssize_t n;

	while (c->out.len > 0) {
		n = send(c->fd, c->out.data, c->out.len, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -1;
		}
		buf_consume(&c->out, (size_t)n);
	}
	return 1;
}

/* The one teardown path. Never calls application code. */
static void
conn_close(struct dia_conn *c, const char *reason)
{
	struct node *n = c->node;

	if (c->state == CONN_CLOSED)
		return;
	/* What was queued but not yet written (answers coalesced in this
	 * pass, a DPR on shutdown) gets the one non-blocking write it would
	 * have had when written at once; a write error emptied the buffer. */
	if (conn_active(c) && c->fd != -1 && c->out.len > 0)
		(void)out_write(c);
	if (conn_active(c))
		conn_deactivate(c, reason);
	else
		log_debug("dia: %s conn %llu: closed: %s", c->addr,
		    (unsigned long long)c->id, reason);
	conn_set_state(c, CONN_CLOSED);
	event_del(c->ev_read);
	event_del(c->ev_write);
	event_del(c->ev_timer);
	event_del(c->ev_flush);
	if (c->fd != -1) {
		close(c->fd);
		c->fd = -1;
	}
	buf_clear(&c->in);
	buf_clear(&c->out);
	TAILQ_REMOVE(&n->conns, c, entry);
	TAILQ_INSERT_TAIL(&n->dead, c, entry);
	event_active(n->reap, 0, 0);
}

/*
 * Graceful end after a last message (DPA, a refusing CEA) was queued: read
 * nothing more from the peer, write what is queued, half-close, then wait
 * (at most LINGER_MS) for the peer to close, so that the last message is
 * not lost to a reset.
 */
static void
conn_finish(struct dia_conn *c, const char *reason)
{
	unsigned linger;

	if (!conn_active(c))
		return;
	conn_deactivate(c, reason);
	conn_set_state(c, CONN_FLUSHING);
	event_del(c->ev_read);
	buf_reset(&c->in);
	linger = c->node->local.cer_timeout_ms < LINGER_MS ?
	    c->node->local.cer_timeout_ms : LINGER_MS;
	conn_arm(c, linger);
	event_add(c->ev_write, NULL);	/* conn_write_cb moves on */
}

/* Write what can be written now. Returns 0, or -1 if the connection was
 * closed (write error). */
static int
conn_flush(struct dia_conn *c)
{
	int rc, e;

	if ((rc = out_write(c)) == -1) {
		e = errno;
		buf_reset(&c->out);	/* nothing more to try in conn_close */
		conn_close(c, strerror(e));
		return -1;
	}
	if (rc == 0) {
		event_add(c->ev_write, NULL);
		return 0;
	}
	if (c->state == CONN_FLUSHING) {
		(void)shutdown(c->fd, SHUT_WR);
		conn_set_state(c, CONN_DRAINING);
		event_add(c->ev_read, NULL);
	}
	event_del(c->ev_write);
	return 0;
}

/* The deferred write of what was queued outside conn_process(). */
static void
conn_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dia_conn *c = arg;

	(void)fd;
	(void)what;
	if (conn_active(c) && c->out.len > 0)
		(void)conn_flush(c);
}

/*
 * Queue one message; it is written at the end of conn_process() when that
 * runs for `c`, else from ev_flush in this pass of the loop (or by ev_write
 * when the socket was full). Returns 0, or -1 when the connection is (now)
 * closed or closing.
 */
static int
conn_queue(struct dia_conn *c, const uint8_t *p, size_t len)
{
	if (!conn_active(c) || c->state == CONN_CONNECTING)
		return -1;
	/* The cap is for a peer that does not read: write what is pending
	 * before deciding that this message does not fit. */
	if (len > c->out.max - c->out.len && c->out.len > 0 &&
	    conn_flush(c) == -1)
		return -1;
	if (buf_append(&c->out, p, len) == -1) {
		conn_close(c, errno == EMSGSIZE ?
		    "output buffer full: peer not reading" : "out of memory");
		return -1;
	}
	dump_raw(c, "send", p, len);
	if (!c->in_read && !event_pending(c->ev_write, EV_WRITE, NULL))
		event_active(c->ev_flush, 0, 0);
	return 0;
}

/* Queue a message built in `b`, then release `b`. */
static int
conn_queue_build(struct dia_conn *c, struct dia_build *d, struct buf *b)
{
	int rc = -1;

	if (dia_build_end(d) == -1)
		log_warnx("dia: %s: cannot build a message (%zu octet cap)",
		    c->addr, b->max);
	else
		rc = conn_queue(c, b->data + d->start, b->len - d->start);
	buf_clear(b);
	return rc;
}

/* ---- building the base messages ----------------------------------------- */

static void
put_origin(struct dia_build *d, const struct node *n)
{
	dia_put_str(d, DIA_AVP_ORIGIN_HOST, DIA_AVP_M, 0, n->local.origin_host);
	dia_put_str(d, DIA_AVP_ORIGIN_REALM, DIA_AVP_M, 0,
	    n->local.origin_realm);
}

/* The capabilities part of CER and CEA (RFC 6733 §5.3.1, §5.3.2): after
 * Origin-Host/Realm, Host-IP-Address onwards. */
static void
put_caps(struct dia_build *d, const struct dia_conn *c)
{
	const struct node *n = c->node;

	if (c->local_ss.ss_family == AF_INET ||
	    c->local_ss.ss_family == AF_INET6)
		dia_put_address(d, DIA_AVP_HOST_IP_ADDRESS, DIA_AVP_M, 0,
		    (const struct sockaddr *)&c->local_ss);
	dia_put_u32(d, DIA_AVP_VENDOR_ID, DIA_AVP_M, 0, n->local.vendor_id);
	/* Product-Name: the M bit MUST NOT be set (RFC 6733 §5.3.7) */
	dia_put_str(d, DIA_AVP_PRODUCT_NAME, 0, 0, n->local.product_name);
	dia_put_u32(d, DIA_AVP_ORIGIN_STATE_ID, DIA_AVP_M, 0,
	    n->local.origin_state_id);
	dia_put_u32(d, DIA_AVP_SUPPORTED_VENDOR_ID, DIA_AVP_M, 0,
	    DIA_VENDOR_3GPP);
	dia_group_begin(d, DIA_AVP_VENDOR_SPECIFIC_APP_ID, DIA_AVP_M, 0);
	dia_put_u32(d, DIA_AVP_VENDOR_ID, DIA_AVP_M, 0, DIA_VENDOR_3GPP);
	dia_put_u32(d, DIA_AVP_AUTH_APPLICATION_ID, DIA_AVP_M, 0,
	    n->local.app_id);
	dia_group_end(d);
}

static int
send_cer(struct dia_conn *c)
{
	struct node *n = c->node;
	struct dia_build d;
	struct buf b;

	buf_init(&b, n->local.msg_max);
	dia_build_begin(&d, &b, DIA_FLAG_R, DIA_CMD_CE, DIA_APP_COMMON,
	    node_hbh(n), node_e2e(n));
	put_origin(&d, n);
	put_caps(&d, c);
	return conn_queue_build(c, &d, &b);
}

/* CEA with `result`; with `err` its Error-Message and Failed-AVP too. */
static int
send_cea(struct dia_conn *c, const struct dia_msg *cer, uint32_t result,
    const struct dia_error *err)
{
	struct node *n = c->node;
	struct dia_build d;
	struct buf b;

	buf_init(&b, n->local.msg_max);
	dia_build_answer(&d, &b, cer,
	    result >= 3000 && result < 4000 ? DIA_FLAG_E : 0);
	if (err != NULL)	/* Result-Code, Error-Message, Failed-AVP */
		dia_put_error(&d, err);
	else
		dia_put_result(&d, result);
	put_origin(&d, n);
	put_caps(&d, c);
	return conn_queue_build(c, &d, &b);
}

/*
 * Answer the request whose raw octets are `p` (`len`, framing intact,
 * maybe undecodable) with the error in `err` (RFC 6733 §7.2 answer-message:
 * Session-Id copied when it is the first AVP, Origin-Host/Realm,
 * Result-Code, Error-Message, Failed-AVP). The E bit is set for protocol
 * errors (3xxx) only: permanent failures (5xxx) use the command's own
 * answer format without it (§7.1).
 */
static int
send_error(struct dia_conn *c, const uint8_t *p, size_t len,
    const struct dia_error *err)
{
	struct node *n = c->node;
	struct dia_build d;
	struct buf b;
	uint32_t alen;
	uint8_t flags;

	flags = p[4] & DIA_FLAG_P;
	if (err->result >= 3000 && err->result < 4000)
		flags |= DIA_FLAG_E;
	buf_init(&b, n->local.msg_max);
	dia_build_begin(&d, &b, flags, be_get24(p + 5), be_get32(p + 8),
	    be_get32(p + 12), be_get32(p + 16));
	if (len >= DIA_HDR_LEN + DIA_AVP_HDR_LEN &&
	    be_get32(p + DIA_HDR_LEN) == DIA_AVP_SESSION_ID &&
	    (p[DIA_HDR_LEN + 4] & DIA_AVP_V) == 0) {
		alen = be_get24(p + DIA_HDR_LEN + 5);
		if (alen > DIA_AVP_HDR_LEN && alen <= len - DIA_HDR_LEN)
			dia_put_raw(&d, p + DIA_HDR_LEN, alen);
	}
	put_origin(&d, n);
	dia_put_error(&d, err);
	log_info("dia: %s: %s hbh=0x%08x answered %u (%s): %s", c->addr,
	    dia_cmd_name(be_get24(p + 5), 1), be_get32(p + 12), err->result,
	    dia_result_name(err->result), err->reason);
	return conn_queue_build(c, &d, &b);
}

static void
send_simple_error(struct dia_conn *c, const struct dia_msg *m,
    uint32_t result, const char *reason)
{
	struct dia_error err;

	memset(&err, 0, sizeof(err));
	err.result = result;
	snprintf(err.reason, sizeof(err.reason), "%s", reason);
	(void)send_error(c, m->octets, m->len, &err);
}

static int
send_dwr(struct dia_conn *c)
{
	struct node *n = c->node;
	struct dia_build d;
	struct buf b;

	buf_init(&b, n->local.msg_max);
	dia_build_begin(&d, &b, DIA_FLAG_R, DIA_CMD_DW, DIA_APP_COMMON,
	    node_hbh(n), node_e2e(n));
	put_origin(&d, n);
	dia_put_u32(&d, DIA_AVP_ORIGIN_STATE_ID, DIA_AVP_M, 0,
	    n->local.origin_state_id);
	return conn_queue_build(c, &d, &b);
}

/* DPR with `cause`; its hop-by-hop id into *hbh (may be NULL). */
static int
send_dpr(struct dia_conn *c, uint32_t cause, uint32_t *hbh)
{
	struct node *n = c->node;
	struct dia_build d;
	struct buf b;
	uint32_t id = node_hbh(n);

	if (hbh != NULL)
		*hbh = id;
	buf_init(&b, n->local.msg_max);
	dia_build_begin(&d, &b, DIA_FLAG_R, DIA_CMD_DP, DIA_APP_COMMON,
	    id, node_e2e(n));
	put_origin(&d, n);
	dia_put_u32(&d, DIA_AVP_DISCONNECT_CAUSE, DIA_AVP_M, 0, cause);
	return conn_queue_build(c, &d, &b);
}

/* DWA or DPA: Result-Code 2001 and our origin. */
static int
send_base_answer(struct dia_conn *c, const struct dia_msg *req)
{
	struct node *n = c->node;
	struct dia_build d;
	struct buf b;

	buf_init(&b, n->local.msg_max);
	dia_build_answer(&d, &b, req, 0);
	dia_put_result(&d, DIA_SUCCESS);
	put_origin(&d, n);
	if (req->cmd == DIA_CMD_DW)
		dia_put_u32(&d, DIA_AVP_ORIGIN_STATE_ID, DIA_AVP_M, 0,
		    n->local.origin_state_id);
	return conn_queue_build(c, &d, &b);
}

/* ---- capabilities exchange ----------------------------------------------- */

/* Does the CER/CEA advertise `app` or the Relay application? */
static int
common_app(const struct dia_msg *m, uint32_t app)
{
	static const uint32_t codes[] = {
		DIA_AVP_AUTH_APPLICATION_ID, DIA_AVP_ACCT_APPLICATION_ID,
	};
	const struct dia_avp *a, *g;
	uint32_t v;
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		for (a = dia_msg_find(m, NULL, codes[i], 0, NULL); a != NULL;
		    a = dia_msg_find(m, NULL, codes[i], 0, a))
			if (dia_avp_u32(a, &v, NULL) == 0 &&
			    (v == DIA_APP_RELAY ||
			    (v == app && codes[i] == DIA_AVP_AUTH_APPLICATION_ID)))
				return 1;
		for (g = dia_msg_find(m, NULL, DIA_AVP_VENDOR_SPECIFIC_APP_ID, 0,
		    NULL); g != NULL; g = dia_msg_find(m, NULL,
		    DIA_AVP_VENDOR_SPECIFIC_APP_ID, 0, g))
			for (a = dia_msg_find(m, g, codes[i], 0, NULL);
			    a != NULL; a = dia_msg_find(m, g, codes[i], 0, a))
				if (dia_avp_u32(a, &v, NULL) == 0 &&
				    (v == DIA_APP_RELAY || (v == app &&
				    codes[i] == DIA_AVP_AUTH_APPLICATION_ID)))
					return 1;
	}
	return 0;
}

static void
conn_open(struct dia_conn *c)
{
	struct node *n = c->node;
	struct dia_client *cl;

	conn_set_state(c, CONN_OPEN);
	c->in.max = n->local.msg_max;	/* the peer is known now */
	c->wd = WD_OKAY;
	c->last_rx_ms = now_ms();
	conn_arm(c, conn_tw(c));
	log_event("DIA-PEER-UP", "peer", c->peer_host, "addr", c->addr,
	    "app", dia_app_name(n->local.app_id), "role", role_name(n),
	    (char *)NULL);
	if (n->role == ROLE_CLIENT) {
		cl = (struct dia_client *)n;
		snprintf(cl->peer_host, sizeof(cl->peer_host), "%s",
		    c->peer_host);
		cl->backoff_ms = n->local.reconnect_min_ms;
		client_set_state(cl, CLIENT_OPEN);
	}
}

static void
refused_event(struct dia_conn *c, const char *host, uint32_t result)
{
	char rc[16];

	snprintf(rc, sizeof(rc), "%u", result);
	if (c->node->role == ROLE_CLIENT)
		((struct dia_client *)c->node)->refusals++;
	log_event("DIA-PEER-REFUSED", "addr", c->addr, "origin_host", host,
	    "result", rc, "role", role_name(c->node), (char *)NULL);
}

/* Server: the first message must be a CER from an allowed peer sharing
 * our application (RFC 6733 §5.3, ARCHITECTURE.md §4). */
static void
server_cer(struct dia_conn *c, const struct dia_msg *m)
{
	struct node *n = c->node;
	const struct dia_avp *a;
	struct dia_conn *o, *next;
	struct dia_error err;
	char host[256], realm[256];

	if ((m->flags & DIA_FLAG_R) == 0 || m->cmd != DIA_CMD_CE) {
		conn_close(c, "message before CER");
		return;
	}
	memset(&err, 0, sizeof(err));
	if ((a = dia_msg_require(m, NULL, DIA_AVP_ORIGIN_HOST, 0, &err)) ==
	    NULL || dia_avp_identity(a, host, sizeof(host), &err) == -1 ||
	    (a = dia_msg_require(m, NULL, DIA_AVP_ORIGIN_REALM, 0, &err)) ==
	    NULL || dia_avp_identity(a, realm, sizeof(realm), &err) == -1 ||
	    dia_msg_check_mandatory(m, &err) == -1) {
		(void)send_cea(c, m, err.result, &err);
		conn_finish(c, err.reason);
		return;
	}
	if (!node_allowed(n, host)) {
		refused_event(c, host, DIA_UNKNOWN_PEER);
		(void)send_cea(c, m, DIA_UNKNOWN_PEER, NULL);
		conn_finish(c, "unknown peer");
		return;
	}
	if (!common_app(m, n->local.app_id)) {
		refused_event(c, host, DIA_NO_COMMON_APPLICATION);
		(void)send_cea(c, m, DIA_NO_COMMON_APPLICATION, NULL);
		conn_finish(c, "no common application");
		return;
	}
	/* One connection per peer: a new CER from a peer we think is open
	 * means the old connection is dead (the peer restarted). */
	for (o = TAILQ_FIRST(&n->conns); o != NULL; o = next) {
		next = TAILQ_NEXT(o, entry);
		if (o != c && o->state == CONN_OPEN &&
		    strcasecmp(o->peer_host, host) == 0)
			conn_close(o, "replaced by a new connection");
	}
	snprintf(c->peer_host, sizeof(c->peer_host), "%s", host);
	if (send_cea(c, m, DIA_SUCCESS, NULL) == -1)
		return;
	conn_open(c);
}

/* Client: the CEA must say 2001, come from an allowed peer, and share our
 * application. */
static void
client_cea(struct dia_conn *c, const struct dia_msg *m)
{
	struct node *n = c->node;
	struct dia_client *cl = (struct dia_client *)n;
	const struct dia_avp *a;
	char host[256], why[160];
	uint32_t rc;

	if ((m->flags & DIA_FLAG_R) != 0 || m->cmd != DIA_CMD_CE) {
		conn_close(c, "message before CEA");
		return;
	}
	if ((a = dia_msg_find(m, NULL, DIA_AVP_ORIGIN_HOST, 0, NULL)) == NULL ||
	    dia_avp_identity(a, host, sizeof(host), NULL) == -1) {
		conn_close(c, "CEA without a valid Origin-Host");
		return;
	}
	if ((a = dia_msg_find(m, NULL, DIA_AVP_RESULT_CODE, 0, NULL)) == NULL ||
	    dia_avp_u32(a, &rc, NULL) == -1) {
		conn_close(c, "CEA without a valid Result-Code");
		return;
	}
	if (rc != DIA_SUCCESS) {
		refused_event(c, host, rc);
		snprintf(why, sizeof(why), "CEA Result-Code %u (%s)", rc,
		    dia_result_name(rc));
		/* refused by policy: no point knocking every second */
		if (rc == DIA_UNKNOWN_PEER || rc == DIA_NO_COMMON_APPLICATION)
			cl->backoff_ms = n->local.reconnect_max_ms;
		conn_close(c, why);
		return;
	}
	if (!node_allowed(n, host)) {
		refused_event(c, host, DIA_UNKNOWN_PEER);
		conn_close(c, "peer Origin-Host not allowed");
		return;
	}
	if (!common_app(m, n->local.app_id)) {
		refused_event(c, host, DIA_NO_COMMON_APPLICATION);
		conn_close(c, "no common application");
		return;
	}
	snprintf(c->peer_host, sizeof(c->peer_host), "%s", host);
	conn_open(c);
}

/* ---- messages in the open state ------------------------------------------- */

static void	client_answer(struct dia_client *, struct dia_conn *,
		    const struct dia_msg *);
static void	client_fail_hbh(struct dia_client *, uint32_t, uint32_t,
		    const char *);

static void
open_request(struct dia_conn *c, const struct dia_msg *m)
{
	struct node *n = c->node;
	struct dia_server *s;
	struct dia_error err;
	const struct dia_avp *a;
	uint32_t cause = DIA_DISCONNECT_REBOOTING;
	char why[96];

	switch (m->cmd) {
	case DIA_CMD_DW:
		(void)send_base_answer(c, m);
		return;
	case DIA_CMD_DP:
		if ((a = dia_msg_find(m, NULL, DIA_AVP_DISCONNECT_CAUSE, 0,
		    NULL)) != NULL)
			(void)dia_avp_u32(a, &cause, NULL);
		snprintf(why, sizeof(why), "DPR received (cause %s)",
		    cause == DIA_DISCONNECT_REBOOTING ? "REBOOTING" :
		    cause == DIA_DISCONNECT_BUSY ? "BUSY" :
		    cause == DIA_DISCONNECT_DO_NOT_WANT ?
		    "DO_NOT_WANT_TO_TALK_TO_YOU" : "unknown");
		if (n->role == ROLE_CLIENT &&
		    cause != DIA_DISCONNECT_REBOOTING)
			((struct dia_client *)n)->backoff_ms =
			    n->local.reconnect_max_ms;
		if (send_base_answer(c, m) == 0)
			conn_finish(c, why);
		return;
	case DIA_CMD_CE:
		conn_close(c, "CER on an open connection");
		return;
	}
	if (m->app == DIA_APP_COMMON) {
		send_simple_error(c, m, DIA_COMMAND_UNSUPPORTED,
		    "command not supported");
		return;
	}
	if (m->app != n->local.app_id) {
		send_simple_error(c, m, DIA_APPLICATION_UNSUPPORTED,
		    "application not supported");
		return;
	}
	memset(&err, 0, sizeof(err));
	if (dia_msg_check_mandatory(m, &err) == -1) {
		(void)send_error(c, m->octets, m->len, &err);
		return;
	}
	if (n->role != ROLE_SERVER) {
		send_simple_error(c, m, DIA_COMMAND_UNSUPPORTED,
		    "client takes no requests");
		return;
	}
	s = (struct dia_server *)n;
	s->cb(c, m, s->arg);
}

static void
open_message(struct dia_conn *c, const struct dia_msg *m)
{
	struct node *n = c->node;

	if (m->flags & DIA_FLAG_R) {
		open_request(c, m);
		return;
	}
	switch (m->cmd) {
	case DIA_CMD_DW:	/* wd already OKAY: any message does that */
		return;
	case DIA_CMD_CE:
	case DIA_CMD_DP:
		log_info("dia: %s: unexpected %s dropped", c->addr,
		    dia_cmd_name(m->cmd, 0));
		return;
	}
	if (n->role == ROLE_CLIENT)
		client_answer((struct dia_client *)n, c, m);
	else
		log_info("dia: %s: unexpected answer %s hbh=0x%08x dropped",
		    c->addr, dia_cmd_name(m->cmd, 0), m->hbh);
}

/*
 * A message while our DPR is out (RFC 6733 §5.6.1 Closing): its DPA ends
 * the connection the way a DPR received does (conn_finish); DWR and DPR
 * (both sides shutting down at once) are answered as when open; any other
 * request is answered DIAMETER_TOO_BUSY, which tells the peer to try
 * another (§7.1.3); answers go where they would have gone.
 */
static void
closing_message(struct dia_conn *c, const struct dia_msg *m)
{
	if ((m->flags & DIA_FLAG_R) == 0 && m->cmd == DIA_CMD_DP &&
	    m->hbh == c->dpr_hbh) {
		conn_finish(c, "DPA received");
		return;
	}
	if ((m->flags & DIA_FLAG_R) != 0 && m->cmd != DIA_CMD_DW &&
	    m->cmd != DIA_CMD_DP && m->cmd != DIA_CMD_CE) {
		send_simple_error(c, m, DIA_TOO_BUSY, "shutting down");
		return;
	}
	open_message(c, m);
}

/* One framed message of `len` octets at `p` (in c->in). */
static void
conn_message(struct dia_conn *c, const uint8_t *p, size_t len)
{
	struct node *n = c->node;
	struct dia_msg *m = NULL;
	struct dia_error err;
	char why[192];

	c->last_rx_ms = now_ms();
	c->wd = WD_OKAY;
	memset(&err, 0, sizeof(err));
	if (dia_msg_decode(p, len, &m, &err) == -1) {
		log_info("dia: %s: malformed %s (%zu octets): %u %s", c->addr,
		    dia_cmd_name(be_get24(p + 5), (p[4] & DIA_FLAG_R) != 0), len,
		    err.result, err.reason);
		if (c->state == CONN_WAIT_CER) {
			if ((p[4] & DIA_FLAG_R) && be_get24(p + 5) == DIA_CMD_CE) {
				(void)send_error(c, p, len, &err);
				conn_finish(c, "malformed CER");
			} else
				conn_close(c, "message before CER");
		} else if (c->state == CONN_WAIT_CEA)
			conn_close(c, "malformed CEA");
		else if (p[4] & DIA_FLAG_R)
			(void)send_error(c, p, len, &err);
		else if (n->role == ROLE_CLIENT) {
			snprintf(why, sizeof(why), "malformed answer: %s",
			    err.reason);
			client_fail_hbh((struct dia_client *)n, be_get32(p + 12),
			    be_get24(p + 5), why);
		}
		return;
	}
	dump_msg(c, "recv", m);
	switch (c->state) {
	case CONN_WAIT_CER:
		server_cer(c, m);
		break;
	case CONN_WAIT_CEA:
		client_cea(c, m);
		break;
	case CONN_OPEN:
		open_message(c, m);
		break;
	case CONN_CLOSING:
		closing_message(c, m);
		break;
	default:
		break;
	}
	dia_msg_free(m);
}

/* Frame and handle every complete message in the input buffer. */
static void
conn_process(struct dia_conn *c)
{
	struct node *n = c->node;
	size_t off = 0;
	long len;
	int gone = 0;

	n->gone = &gone;
	c->in_read = 1;		/* conn_queue: written below, at once */
	while (conn_reading(c)) {
		len = dia_frame_len(c->in.data + off, c->in.len - off,
		    c->in.max);
		if (len < 0) {
			conn_close(c, "framing lost");
			break;
		}
		if (len == 0 || (size_t)len > c->in.len - off)
			break;
		conn_message(c, c->in.data + off, (size_t)len);
		if (gone)
			return;		/* node and c freed by the callback */
		off += (size_t)len;
	}
	n->gone = NULL;
	c->in_read = 0;
	if (conn_reading(c))
		buf_consume(&c->in, off);
	/* Every answer to what was read, in one write. FLUSHING (conn_finish)
	 * is written by ev_write. */
	if (conn_active(c) && c->out.len > 0)
		(void)conn_flush(c);
}

static void
conn_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dia_conn *c = arg;
	uint8_t tmp[READ_CHUNK];
	size_t room;
	ssize_t n;

	(void)what;
	if (c->state == CONN_DRAINING) {
		n = recv(fd, tmp, sizeof(tmp), 0);
		if (n > 0 || (n == -1 && (errno == EAGAIN ||
		    errno == EWOULDBLOCK || errno == EINTR)))
			return;
		conn_close(c, "closed after the last message");
		return;
	}
	room = c->in.max - c->in.len;
	if (room == 0) {
		/* cannot happen: a full buffer holds a whole message */
		conn_close(c, "input buffer full");
		return;
	}
	n = recv(fd, tmp, room < sizeof(tmp) ? room : sizeof(tmp), 0);
	if (n == 0) {
		conn_close(c, "peer closed the connection");
		return;
	}
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		conn_close(c, strerror(errno));
		return;
	}
	if (buf_append(&c->in, tmp, (size_t)n) == -1) {
		conn_close(c, "out of memory");
		return;
	}
	conn_process(c);
}

/* Client: the non-blocking connect() finished. */
static void
conn_connected(struct dia_conn *c)
{
	socklen_t len = sizeof(int);
	int soerr = 0;

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1)
		soerr = errno;
	if (soerr != 0) {
		conn_close(c, strerror(soerr));
		return;
	}
	len = sizeof(c->local_ss);
	if (getsockname(c->fd, (struct sockaddr *)&c->local_ss, &len) == -1)
		memset(&c->local_ss, 0, sizeof(c->local_ss));
	event_del(c->ev_write);
	conn_set_state(c, CONN_WAIT_CEA);
	event_add(c->ev_read, NULL);
	conn_arm(c, c->node->local.cer_timeout_ms);
	(void)send_cer(c);
}

static void
conn_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dia_conn *c = arg;

	(void)fd;
	(void)what;
	if (c->state == CONN_CONNECTING)
		conn_connected(c);
	else
		(void)conn_flush(c);
}

static void
conn_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dia_conn *c = arg;
	char why[96];
	uint64_t idle;
	unsigned tw = c->node->local.tw_ms;

	(void)fd;
	(void)what;
	switch (c->state) {
	case CONN_CONNECTING:
		conn_close(c, "connect timeout");
		return;
	case CONN_WAIT_CEA:
		snprintf(why, sizeof(why), "no CEA within %u ms",
		    c->node->local.cer_timeout_ms);
		conn_close(c, why);
		return;
	case CONN_WAIT_CER:
		snprintf(why, sizeof(why), "no CER within %u ms",
		    c->node->local.cer_timeout_ms);
		conn_close(c, why);
		return;
	case CONN_FLUSHING:
	case CONN_DRAINING:
		conn_close(c, "peer did not close in time");
		return;
	case CONN_CLOSING:	/* not armed: the node's deadline runs */
	case CONN_CLOSED:
		return;
	case CONN_OPEN:
		break;
	}
	/* RFC 3539 §3.4.1: Tw without traffic -> DWR; another Tw without
	 * any answer -> the connection is down. */
	if (c->wd == WD_SUSPECT) {
		log_event("DIA-WATCHDOG-TIMEOUT", "peer", c->peer_host, "addr",
		    c->addr, "role", role_name(c->node), (char *)NULL);
		conn_close(c, "watchdog timeout");
		return;
	}
	idle = now_ms() - c->last_rx_ms;
	if (idle + 1 < tw) {
		conn_arm(c, (unsigned)(tw - idle));
		return;
	}
	if (send_dwr(c) == -1)
		return;
	c->wd = WD_SUSPECT;
	conn_arm(c, conn_tw(c));
}

/* ---- server ------------------------------------------------------------- */

static void
server_accept_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dia_server *s = arg;
	struct sockaddr_storage ss;
	struct dia_conn *c, *o;
	char addr[ADDR_STRLEN];
	socklen_t len;
	size_t nconns;
	int cfd, i;

	(void)what;
	for (i = 0; i < ACCEPT_BURST; i++) {
		len = sizeof(ss);
		cfd = accept4(fd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd == -1) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				struct timeval tv = tv_ms(ACCEPT_PAUSE_MS);

				log_warn("dia: accept");
				event_del(s->ev_accept);
				evtimer_add(s->ev_pause, &tv);
			} else if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR && errno != ECONNABORTED)
				log_warn("dia: accept");
			return;
		}
		addr_format((struct sockaddr *)&ss, addr, sizeof(addr));
		nconns = 0;
		TAILQ_FOREACH(o, &s->node.conns, entry)
			nconns++;
		if (nconns >= SERVER_CONNS_MAX) {
			log_warnx("dia: %s: refused: %zu connections already",
			    addr, nconns);
			close(cfd);
			continue;
		}
		sock_nodelay(cfd);
		if ((c = conn_new(&s->node, cfd, CONN_WAIT_CER, addr)) ==
		    NULL) {
			log_warnx("dia: %s: out of memory", addr);
			close(cfd);
			continue;
		}
		len = sizeof(c->local_ss);
		if (getsockname(cfd, (struct sockaddr *)&c->local_ss, &len) ==
		    -1)
			memset(&c->local_ss, 0, sizeof(c->local_ss));
		event_add(c->ev_read, NULL);
		conn_arm(c, s->node.local.cer_timeout_ms);
	}
}

static void
server_pause_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dia_server *s = arg;

	(void)fd;
	(void)what;
	event_add(s->ev_accept, NULL);
}

struct dia_server *
dia_server_new(struct event_base *base, const struct dia_local *local,
    const char *addr, uint16_t port, dia_request_cb cb, void *arg,
    char *err, size_t errlen)
{
	struct dia_server *s;
	struct sockaddr_storage ss;
	socklen_t sslen;
	char astr[ADDR_STRLEN];
	int one = 1;

	if (cb == NULL) {
		fail(err, errlen, "no request callback");
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		fail(err, errlen, "out of memory");
		return NULL;
	}
	s->fd = -1;
	s->cb = cb;
	s->arg = arg;
	if (node_init(&s->node, ROLE_SERVER, base, local, node_reap_cb, err,
	    errlen) == -1)
		goto fail;
	if (addr_parse(addr, port, &ss, &sslen, err, errlen) == -1)
		goto fail;
	addr_format((struct sockaddr *)&ss, astr, sizeof(astr));
	if ((s->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		fail(err, errlen, "socket: %s", strerror(errno));
		goto fail;
	}
	(void)setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s->fd, (struct sockaddr *)&ss, sslen) == -1) {
		fail(err, errlen, "bind %s: %s", astr, strerror(errno));
		goto fail;
	}
	if (listen(s->fd, 128) == -1) {
		fail(err, errlen, "listen %s: %s", astr, strerror(errno));
		goto fail;
	}
	sslen = sizeof(ss);
	if (getsockname(s->fd, (struct sockaddr *)&ss, &sslen) == -1) {
		fail(err, errlen, "getsockname: %s", strerror(errno));
		goto fail;
	}
	s->port = ntohs(ss.ss_family == AF_INET6 ?
	    ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
	s->ev_accept = event_new(base, s->fd, EV_READ | EV_PERSIST,
	    server_accept_cb, s);
	s->ev_pause = evtimer_new(base, server_pause_cb, s);
	if (s->ev_accept == NULL || s->ev_pause == NULL ||
	    event_add(s->ev_accept, NULL) == -1) {
		fail(err, errlen, "event_new failed");
		goto fail;
	}
	return s;
fail:
	dia_server_free(s);
	return NULL;
}

uint16_t
dia_server_port(const struct dia_server *s)
{
	return s->port;
}

size_t
dia_server_npeers(const struct dia_server *s)
{
	const struct dia_conn *c;
	size_t count = 0;

	TAILQ_FOREACH(c, &s->node.conns, entry)
		if (c->state == CONN_OPEN)
			count++;
	return count;
}

struct dia_conn *
dia_server_conn(struct dia_server *s, uint64_t id)
{
	struct dia_conn *c;

	TAILQ_FOREACH(c, &s->node.conns, entry)
		if (c->id == id)
			return c->state == CONN_OPEN ? c : NULL;
	return NULL;
}

/* Close everything a node holds; with `dpr`, say goodbye to open peers
 * first (one non-blocking write each). */
static void
node_close_all(struct node *n, int dpr)
{
	struct dia_conn *c;

	while ((c = TAILQ_FIRST(&n->conns)) != NULL) {
		if (dpr && c->state == CONN_OPEN)
			(void)send_dpr(c, DIA_DISCONNECT_REBOOTING, NULL);
		conn_close(c, "shutting down");
	}
	while ((c = TAILQ_FIRST(&n->dead)) != NULL) {
		TAILQ_REMOVE(&n->dead, c, entry);
		conn_free(c);
	}
}

/* Shutdown deadline: whatever is still open is closed now. */
static void
node_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct node *n = arg;
	struct dia_conn *c;
	char why[96];

	(void)fd;
	(void)what;
	snprintf(why, sizeof(why), "shutting down: no DPA within %u ms",
	    n->shutdown_ms);
	while ((c = TAILQ_FIRST(&n->conns)) != NULL)
		conn_close(c, c->state == CONN_CLOSING ? why :
		    "shutting down: peer did not close in time");
	/* conn_close activated `reap`, which calls node_check_closed() */
}

/*
 * Start the graceful shutdown of a node (the server or client part is
 * done by the caller): DPR to every open peer, queued behind what is
 * queued already; connections not open yet are closed; those already
 * closing finish on their own. The deadline bounds it all; `reap` runs at
 * least once, so `done` comes from the loop even when nothing was open.
 */
static void
node_shutdown(struct node *n, unsigned timeout_ms, dia_done_cb done,
    void *arg)
{
	struct dia_conn *c, *next;
	struct timeval tv;

	n->done = done;
	n->done_arg = arg;
	n->shutdown_ms = timeout_ms ? timeout_ms :
	    DIA_SHUTDOWN_TIMEOUT_DEFAULT_MS;
	node_set_state(n, NODE_CLOSING);
	for (c = TAILQ_FIRST(&n->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);	/* conn_close removes c only */
		switch (c->state) {
		case CONN_OPEN:
			if (send_dpr(c, DIA_DISCONNECT_REBOOTING,
			    &c->dpr_hbh) == -1) {
				conn_close(c, "shutting down: cannot send DPR");
				break;
			}
			/* no watchdog from now on: the deadline rules */
			event_del(c->ev_timer);
			conn_set_state(c, CONN_CLOSING);
			break;
		case CONN_CONNECTING:
		case CONN_WAIT_CEA:
		case CONN_WAIT_CER:
			conn_close(c, "shutting down");
			break;
		case CONN_CLOSING:
		case CONN_FLUSHING:
		case CONN_DRAINING:
		case CONN_CLOSED:
			break;
		}
	}
	tv = tv_ms(n->shutdown_ms);
	evtimer_add(n->deadline, &tv);
	event_active(n->reap, 0, 0);
}

void
dia_server_shutdown(struct dia_server *s, unsigned timeout_ms,
    dia_done_cb done, void *arg)
{
	if (s == NULL || s->node.state != NODE_RUNNING)
		return;
	/* no new peers: a connect is refused from now on */
	event_del(s->ev_accept);
	event_del(s->ev_pause);
	if (s->fd != -1) {
		close(s->fd);
		s->fd = -1;
	}
	log_info("dia: server :%u: shutting down", (unsigned)s->port);
	node_shutdown(&s->node, timeout_ms, done, arg);
}

void
dia_server_free(struct dia_server *s)
{
	if (s == NULL)
		return;
	if (s->node.gone != NULL)
		*s->node.gone = 1;
	if (s->ev_accept != NULL)
		event_free(s->ev_accept);
	if (s->ev_pause != NULL)
		event_free(s->ev_pause);
	if (s->fd != -1)
		close(s->fd);
	if (s->node.reap != NULL)	/* else node_init failed early */
		node_close_all(&s->node, 1);
	node_clear(&s->node);
	free(s);
}

uint64_t
dia_conn_id(const struct dia_conn *c)
{
	return c->id;
}

const char *
dia_conn_peer_host(const struct dia_conn *c)
{
	return c->peer_host;
}

const char *
dia_conn_peer_addr(const struct dia_conn *c)
{
	return c->addr;
}

const struct dia_local *
dia_conn_local(const struct dia_conn *c)
{
	return &c->node->local;
}

int
dia_conn_send(struct dia_conn *c, const uint8_t *msg, size_t len)
{
	if (c == NULL || c->state != CONN_OPEN)
		return -1;
	if (msg == NULL || dia_frame_len(msg, len, c->node->local.msg_max) !=
	    (long)len) {
		log_warnx("dia: %s: not sending a malformed message (%zu "
		    "octets)", c->addr, len);
		return -1;
	}
	return conn_queue(c, msg, len);
}

/* ---- client ------------------------------------------------------------- */

static void
client_set_state(struct dia_client *cl, enum client_state state)
{
	if (cl->state != state)
		log_debug("dia: client %s: %s -> %s", cl->addr,
		    client_state_names[cl->state], client_state_names[state]);
	cl->state = state;
}

static struct pending_bucket *
bucket(struct dia_client *cl, uint32_t hbh)
{
	return &cl->pending[hbh % PENDING_BUCKETS];
}

static struct pending *
pending_find(struct dia_client *cl, uint32_t hbh)
{
	struct pending *p;

	LIST_FOREACH(p, bucket(cl, hbh), hentry)
		if (p->hbh == hbh)
			return p;
	return NULL;
}

static void
pending_unlink(struct pending *p)
{
	LIST_REMOVE(p, hentry);
	p->client->npending--;
	event_free(p->timer);
	p->timer = NULL;
}

/* The current connection is gone (never calls application code): every
 * request in flight fails from the notify event; reconnect later. */
static void
client_conn_lost(struct dia_client *cl, const char *reason)
{
	struct pending *p;
	size_t i;

	cl->peer_host[0] = '\0';
	if (cl->state == CLIENT_STOPPED || cl->state == CLIENT_CLOSING)
		return;
	for (i = 0; i < PENDING_BUCKETS; i++)
		while ((p = LIST_FIRST(&cl->pending[i])) != NULL) {
			pending_unlink(p);
			snprintf(p->reason, sizeof(p->reason),
			    "connection lost: %s", reason);
			TAILQ_INSERT_TAIL(&cl->failed, p, fentry);
		}
	if (!TAILQ_EMPTY(&cl->failed))
		event_active(cl->ev_notify, 0, 0);
	client_schedule(cl, 0);
}

static void
client_notify_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dia_client *cl = arg;
	struct pending *p;
	dia_answer_cb cb;
	void *cbarg;
	char reason[sizeof(p->reason)];
	int gone = 0;

	(void)fd;
	(void)what;
	cl->node.gone = &gone;
	while ((p = TAILQ_FIRST(&cl->failed)) != NULL) {
		TAILQ_REMOVE(&cl->failed, p, fentry);
		cb = p->cb;
		cbarg = p->arg;
		memcpy(reason, p->reason, sizeof(reason));
		free(p);
		cb(cbarg, NULL, reason);
		if (gone)
			return;
	}
	cl->node.gone = NULL;
	node_check_closed(&cl->node);	/* last: `done` may free cl */
}

/* Reconnect after the back-off delay (`now`: at once). */
static void
client_schedule(struct dia_client *cl, int now)
{
	struct timeval tv;
	unsigned ms = 0;

	client_set_state(cl, CLIENT_BACKOFF);
	if (!now) {
		ms = jitter(&cl->node, cl->backoff_ms, cl->backoff_ms / 4);
		cl->backoff_ms = cl->backoff_ms * 2 >
		    cl->node.local.reconnect_max_ms ?
		    cl->node.local.reconnect_max_ms : cl->backoff_ms * 2;
		log_info("dia: %s: reconnecting in %u ms", cl->addr, ms);
	}
	tv = tv_ms(ms);
	evtimer_add(cl->ev_reconnect, &tv);
}

static void
client_reconnect_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dia_client *cl = arg;
	struct dia_conn *c;
	int sfd;

	(void)fd;
	(void)what;
	if ((sfd = socket(cl->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		log_warn("dia: %s: socket", cl->addr);
		client_schedule(cl, 0);
		return;
	}
	sock_nodelay(sfd);
	if ((c = conn_new(&cl->node, sfd, CONN_CONNECTING, cl->addr)) ==
	    NULL) {
		log_warnx("dia: %s: out of memory", cl->addr);
		close(sfd);
		client_schedule(cl, 0);
		return;
	}
	cl->conn = c;
	client_set_state(cl, CLIENT_CONNECTING);
	conn_arm(c, cl->node.local.cer_timeout_ms);
	if (connect(sfd, (struct sockaddr *)&cl->ss, cl->sslen) == -1 &&
	    errno != EINPROGRESS) {
		conn_close(c, strerror(errno));	/* schedules the next try */
		return;
	}
	/* done or in progress: writable when connect() has finished */
	event_add(c->ev_write, NULL);
}

struct dia_client *
dia_client_new(struct event_base *base, const struct dia_local *local,
    const char *addr, uint16_t port, unsigned request_timeout_ms,
    char *err, size_t errlen)
{
	struct dia_client *cl;
	size_t i;

	if ((cl = calloc(1, sizeof(*cl))) == NULL) {
		fail(err, errlen, "out of memory");
		return NULL;
	}
	for (i = 0; i < PENDING_BUCKETS; i++)
		LIST_INIT(&cl->pending[i]);
	TAILQ_INIT(&cl->failed);
	cl->state = CLIENT_BACKOFF;
	if (node_init(&cl->node, ROLE_CLIENT, base, local, node_reap_cb, err,
	    errlen) == -1)
		goto fail;
	if (addr_parse(addr, port, &cl->ss, &cl->sslen, err, errlen) == -1)
		goto fail;
	if (port == 0) {
		fail(err, errlen, "no port");
		goto fail;
	}
	addr_format((struct sockaddr *)&cl->ss, cl->addr, sizeof(cl->addr));
	cl->backoff_ms = cl->node.local.reconnect_min_ms;
	cl->request_timeout_ms = request_timeout_ms ? request_timeout_ms :
	    DIA_REQUEST_TIMEOUT_DEFAULT_MS;
	cl->ev_reconnect = evtimer_new(base, client_reconnect_cb, cl);
	cl->ev_notify = event_new(base, -1, 0, client_notify_cb, cl);
	if (cl->ev_reconnect == NULL || cl->ev_notify == NULL) {
		fail(err, errlen, "event_new failed");
		goto fail;
	}
	client_schedule(cl, 1);
	return cl;
fail:
	dia_client_free(cl);
	return NULL;
}

static void
pending_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pending *p = arg;
	struct dia_client *cl = p->client;
	dia_answer_cb cb = p->cb;
	void *cbarg = p->arg;
	char hbh[16];

	(void)fd;
	(void)what;
	snprintf(hbh, sizeof(hbh), "0x%08x", p->hbh);
	log_event("DIA-REQUEST-TIMEOUT", "peer", cl->peer_host[0] ?
	    cl->peer_host : cl->addr, "cmd", dia_cmd_name(p->cmd, 1), "hbh",
	    hbh, (char *)NULL);
	pending_unlink(p);
	free(p);
	cb(cbarg, NULL, "timeout");
}

int
dia_client_request(struct dia_client *cl, struct buf *msg,
    unsigned timeout_ms, dia_answer_cb cb, void *arg)
{
	struct pending *p;
	struct timeval tv;
	uint32_t hbh;

	if (cl == NULL || cb == NULL || cl->state != CLIENT_OPEN ||
	    cl->conn == NULL || cl->conn->state != CONN_OPEN)
		return -1;
	if (msg == NULL || msg->data == NULL ||
	    dia_frame_len(msg->data, msg->len, cl->node.local.msg_max) !=
	    (long)msg->len || (msg->data[4] & DIA_FLAG_R) == 0) {
		log_warnx("dia: %s: not sending a malformed request",
		    cl->addr);
		return -1;
	}
	if (cl->npending >= DIA_PENDING_MAX) {
		log_warnx("dia: %s: %zu requests in flight already", cl->addr,
		    cl->npending);
		return -1;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return -1;
	if ((p->timer = evtimer_new(cl->node.base, pending_timeout_cb, p)) ==
	    NULL) {
		free(p);
		return -1;
	}
	do
		hbh = node_hbh(&cl->node);
	while (pending_find(cl, hbh) != NULL);
	be_put32(msg->data + 12, hbh);
	if (be_get32(msg->data + 16) == 0)
		be_put32(msg->data + 16, node_e2e(&cl->node));
	p->client = cl;
	p->hbh = hbh;
	p->cmd = be_get24(msg->data + 5);
	p->cb = cb;
	p->arg = arg;
	/* queue first: a write error closes the connection, and this
	 * request must not be among those failed later */
	if (conn_queue(cl->conn, msg->data, msg->len) == -1) {
		event_free(p->timer);
		free(p);
		return -1;
	}
	LIST_INSERT_HEAD(bucket(cl, hbh), p, hentry);
	cl->npending++;
	tv = tv_ms(timeout_ms ? timeout_ms : cl->request_timeout_ms);
	evtimer_add(p->timer, &tv);
	return 0;
}

static void
client_answer(struct dia_client *cl, struct dia_conn *c,
    const struct dia_msg *m)
{
	struct pending *p;
	dia_answer_cb cb;
	void *cbarg;

	if ((p = pending_find(cl, m->hbh)) == NULL) {
		log_info("dia: %s: %s hbh=0x%08x matches no request in "
		    "flight (late or unknown): dropped", c->addr,
		    dia_cmd_name(m->cmd, 0), m->hbh);
		return;
	}
	if (p->cmd != m->cmd) {
		log_info("dia: %s: %s hbh=0x%08x answers a %s: dropped",
		    c->addr, dia_cmd_name(m->cmd, 0), m->hbh,
		    dia_cmd_name(p->cmd, 1));
		return;
	}
	cb = p->cb;
	cbarg = p->arg;
	pending_unlink(p);
	free(p);
	cb(cbarg, m, NULL);
}

/* An undecodable answer: fail its request now rather than at timeout. */
static void
client_fail_hbh(struct dia_client *cl, uint32_t hbh, uint32_t cmd,
    const char *why)
{
	struct pending *p;
	dia_answer_cb cb;
	void *cbarg;

	if ((p = pending_find(cl, hbh)) == NULL || p->cmd != cmd)
		return;
	cb = p->cb;
	cbarg = p->arg;
	pending_unlink(p);
	free(p);
	cb(cbarg, NULL, why);
}

int
dia_client_is_open(const struct dia_client *cl)
{
	return cl != NULL && cl->state == CLIENT_OPEN;
}

const char *
dia_client_peer_host(const struct dia_client *cl)
{
	return cl->state == CLIENT_OPEN ? cl->peer_host : "";
}

size_t
dia_client_pending(const struct dia_client *cl)
{
	return cl->npending;
}

void
dia_client_free(struct dia_client *cl)
{
	struct pending *p;
	size_t i;

	if (cl == NULL || cl->state == CLIENT_STOPPED)
		return;		/* NULL, or again from a callback below */
	if (cl->node.gone != NULL)
		*cl->node.gone = 1;
	client_set_state(cl, CLIENT_STOPPED);
	if (cl->ev_reconnect != NULL)
		event_free(cl->ev_reconnect);
	if (cl->ev_notify != NULL)
		event_free(cl->ev_notify);
	if (cl->node.reap != NULL)
		node_close_all(&cl->node, 1);
	cl->conn = NULL;
	/* every request gets its callback, exactly once; a callback may
	 * call dia_client_request (-1) or dia_client_free (ignored) */
	for (i = 0; i < PENDING_BUCKETS; i++)
		while ((p = LIST_FIRST(&cl->pending[i])) != NULL) {
			pending_unlink(p);
			TAILQ_INSERT_TAIL(&cl->failed, p, fentry);
		}
	while ((p = TAILQ_FIRST(&cl->failed)) != NULL) {
		TAILQ_REMOVE(&cl->failed, p, fentry);
		p->cb(p->arg, NULL, "shutting down");
		free(p);
	}
	node_clear(&cl->node);
	free(cl);
}

void
dia_client_shutdown(struct dia_client *cl, unsigned timeout_ms,
    dia_done_cb done, void *arg)
{
	struct pending *p;
	size_t i;

	if (cl == NULL || cl->state == CLIENT_STOPPED ||
	    cl->node.state != NODE_RUNNING)
		return;
	client_set_state(cl, CLIENT_CLOSING);
	event_del(cl->ev_reconnect);
	/* the connection is no longer the client's: its loss, later, must
	 * not schedule a reconnect (conn_deactivate) */
	cl->conn = NULL;
	cl->peer_host[0] = '\0';
	/* every request in flight gets its callback from the loop */
	for (i = 0; i < PENDING_BUCKETS; i++)
		while ((p = LIST_FIRST(&cl->pending[i])) != NULL) {
			pending_unlink(p);
			snprintf(p->reason, sizeof(p->reason),
			    "shutting down");
			TAILQ_INSERT_TAIL(&cl->failed, p, fentry);
		}
	if (!TAILQ_EMPTY(&cl->failed))
		event_active(cl->ev_notify, 0, 0);
	log_info("dia: client %s: shutting down", cl->addr);
	node_shutdown(&cl->node, timeout_ms, done, arg);
}

unsigned
dia_client_refusals(const struct dia_client *c)
{
	return c->refusals;
}

#define ANSWER_MAX	8192

int
dia_conn_send_built(struct dia_conn *c, struct dia_build *d, struct buf *b)
{
	if (dia_build_end(d) != 0)
		return -1;
	return dia_conn_send(c, b->data + d->start, b->len - d->start);
}

static int
answer_with(struct dia_conn *c, const struct dia_msg *req,
    const struct dia_error *err, uint32_t experimental)
{
	const struct dia_local *l = dia_conn_local(c);
	struct dia_build d;
	struct buf b;
	int rc;

	buf_init(&b, ANSWER_MAX);
	dia_build_answer(&d, &b, req, 0);
	dia_put_answer_header(&d, req, l->app_id, l->origin_host,
	    l->origin_realm);
	if (err != NULL)
		dia_put_error(&d, err);
	else
		dia_put_experimental(&d, DIA_VENDOR_3GPP, experimental);
	rc = dia_conn_send_built(c, &d, &b);
	buf_clear(&b);
	return rc;
}

int
dia_conn_answer_error(struct dia_conn *c, const struct dia_msg *req,
    const struct dia_error *err)
{
	return answer_with(c, req, err, 0);
}

int
dia_conn_answer_experimental(struct dia_conn *c, const struct dia_msg *req,
    uint32_t result)
{
	return answer_with(c, req, NULL, result);
}

void
dia_local_set(struct dia_local *l, const char *origin_host,
    const char *origin_realm, uint32_t app_id, unsigned tw_ms,
    const char *const *allow)
{
	memset(l, 0, sizeof(*l));
	snprintf(l->origin_host, sizeof(l->origin_host), "%s", origin_host);
	snprintf(l->origin_realm, sizeof(l->origin_realm), "%s", origin_realm);
	l->app_id = app_id;
	l->tw_ms = tw_ms;
	l->allow = allow;
}
