/*
 * tls.c — TLS-PSK server on libevent with keys looked up asynchronously,
 * and a blocking client (GnuTLS), both also with X.509 server
 * certificates. See tls.h for the design; the
 * record inspection follows RFC 8446 §4.1.2 / §4.2.11 (ClientHello,
 * pre_shared_key), RFC 4279 §2 (ClientKeyExchange psk_identity), RFC 5246
 * §7.4.1.3 (ServerHello cipher_suite), RFC 6066 §3 (server_name).
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include <gnutls/gnutls.h>

#include "log.h"
#include "tls.h"
#include "tls_int.h"

const uint8_t tls_ua_id_tls13[TLS_UA_ID_LEN] = { 0x01, 0x00, 0x00, 0x00, 0x07 };

#define REC_HDR		5
#define REC_MAX		(16384 + 2048)	/* TLSCiphertext limit */
#define HS_CLIENT_HELLO	1
#define HS_SERVER_HELLO	2
#define HS_CKE		16
#define CT_CCS		20
#define CT_ALERT	21
#define CT_HANDSHAKE	22
#define CT_APPDATA	23
#define EXT_SNI		0
#define EXT_PSK		41
#define IO_CHUNK	16384
#define SOCK_OUT_HIWAT	65536	/* ciphertext queued before the plaintext
				 * side keeps its output (back-pressure) */

struct tls_server {
	struct event_base	*base;
	int			 refs;	/* 1 for the owner + 1 per conn */
	int			 dead;	/* tls_server_free() was called */
	gnutls_priority_t	 prio;
	gnutls_psk_server_credentials_t cred;
	gnutls_certificate_credentials_t xcred;	/* NULL: PSK only */
	gnutls_datum_t		*alpn;
	size_t			 nalpn;
	unsigned		 timeout_ms;
	tls_psk_lookup		 lookup;
	tls_ready_cb		 ready;
	tls_fail_cb		 fail;
	void			*arg;
	uint64_t		 next_id;
	struct tls_conn		*hs_head;	/* connections handshaking */
	size_t			 nhs;
	size_t			 nconns;	/* open, any state */
};

#define LINGER_MS	5000	/* most time given to flush after a free */

static const char *const conn_state_names[] = {
	"handshake", "lookup", "closing", "ready", "linger", "closed"
};

static void	conn_step(struct tls_conn *);
static void	conn_close(struct tls_conn *, const char *);

/* ---- helpers ------------------------------------------------------------ */

static void set_err(char *, size_t, const char *, ...)
	    __attribute__((format(printf, 3, 4)));

static void
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

/* Copy a counted name into `out` (size `outsz`) as a C string; refuses
 * NULs and oversize. */
static int
copy_name(char *out, size_t outsz, const uint8_t *p, size_t len)
{
	if (len == 0 || len >= outsz || memchr(p, 0, len) != NULL)
		return -1;
	memcpy(out, p, len);
	out[len] = '\0';
	return 0;
}

/*
 * ServerHello body: version(2) random(32) session_id<0..32> cipher_suite(2)
 * (RFC 5246 §7.4.1.3, RFC 8446 §4.1.3). Stores the suite; 0 or -1.
 */
static int
server_hello_suite(const uint8_t *p, size_t len, uint8_t suite[2])
{
	size_t off = 2 + 32;

	if (len < off + 1)
		return -1;
	off += 1 + p[off];
	if (len < off + 2)
		return -1;
	suite[0] = p[off];
	suite[1] = p[off + 1];
	return 0;
}

/* ---- server: connection states -------------------------------------------- */

static void
conn_set_state(struct tls_conn *c, enum conn_state st)
{
	if (c->state == st)
		return;
	log_debug("tls conn %llu %s: %s -> %s", (unsigned long long)c->id,
	    c->peer, conn_state_names[c->state], conn_state_names[st]);
	c->state = st;
}

static void
hs_unlink(struct tls_conn *c)
{
	struct tls_server *s = c->srv;

	if (c->prev != NULL)
		c->prev->next = c->next;
	else if (s->hs_head == c)
		s->hs_head = c->next;
	else
		return;	/* not linked */
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
	s->nhs--;
}

static void
server_unref(struct tls_server *s)
{
	size_t i;

	if (--s->refs > 0)
		return;
	gnutls_priority_deinit(s->prio);
	gnutls_psk_free_server_credentials(s->cred);
	if (s->xcred != NULL)
		gnutls_certificate_free_credentials(s->xcred);
	for (i = 0; i < s->nalpn; i++)
		free(s->alpn[i].data);
	free(s->alpn);
	free(s);
}

void
tls_conn_ref(struct tls_conn *c)
{
	c->refs++;
}

void
tls_conn_unref(struct tls_conn *c)
{
	if (c == NULL || --c->refs > 0)
		return;
	explicit_bzero(c->key, sizeof(c->key));
	free(c);
}

uint64_t
tls_conn_id(const struct tls_conn *c)
{
	return c->id;
}

const char *
tls_conn_peer(const struct tls_conn *c)
{
	return c->peer;
}

int
tls_conn_alive(const struct tls_conn *c)
{
	return c->state != CS_CLOSED;
}

int
tls_conn_version(const struct tls_conn *c)
{
	return c->version;
}

uint16_t
tls_conn_suite(const struct tls_conn *c)
{
	return c->version != 0 ? get16(c->suite) : 0;
}

int
tls_conn_is_psk(const struct tls_conn *c)
{
	return c->is_psk;
}

const char *
tls_conn_sni(const struct tls_conn *c)
{
	return c->sni[0] != '\0' ? c->sni : NULL;
}

/* Release what the handshake phase owns; the conn memory lives on while
 * referenced. */
static void
conn_release(struct tls_conn *c)
{
	struct tls_server *s = c->srv;

	if (c->timer != NULL)
		event_free(c->timer);
	if (c->kick != NULL)
		event_free(c->kick);
	c->timer = c->kick = NULL;
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	c->bev = NULL;
	if (c->sess != NULL)
		gnutls_deinit(c->sess);
	c->sess = NULL;
	explicit_bzero(c->key, sizeof(c->key));
	c->keylen = 0;
	conn_set_state(c, CS_CLOSED);
	s->nconns--;
	c->srv = NULL;
	server_unref(s);
	tls_conn_unref(c);
}

/* End a connection still handshaking, telling the application why. */
static void
conn_close(struct tls_conn *c, const char *reason)
{
	struct tls_server *s = c->srv;

	if (c->state == CS_CLOSED || c->state == CS_READY)
		return;
	log_debug("tls conn %llu %s: closed: %s", (unsigned long long)c->id,
	    c->peer, reason);
	hs_unlink(c);
	tls_conn_ref(c);
	if (s->fail != NULL && !s->dead)
		s->fail(c, reason, s->arg);
	conn_release(c);
	tls_conn_unref(c);
}

static void
closing_write_cb(struct bufferevent *bev, void *arg)
{
	struct tls_conn *c = arg;

	(void)bev;
	conn_close(c, c->fail_reason);
}

/* Queue what is already queued (a fatal alert), then close with `reason`. */
static void
conn_close_after_flush(struct tls_conn *c, const char *reason)
{
	snprintf(c->fail_reason, sizeof(c->fail_reason), "%s", reason);
	conn_set_state(c, CS_CLOSING);
	if (c->kick != NULL)
		event_del(c->kick);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
		conn_close(c, c->fail_reason);
		return;
	}
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_setcb(c->bev, NULL, closing_write_cb, NULL, c);
	/* the event callback stays: an error while writing also closes */
}

/* ---- server: GnuTLS transport and hooks ----------------------------------- */

/*
 * Pull: serve the socket bufferevent's input, but during the handshake only
 * the records the scanner has cleared — the one carrying an identity whose
 * key is unknown stays in the buffer, and GnuTLS sees EAGAIN.
 */
static ssize_t
srv_pull(gnutls_transport_ptr_t ptr, void *data, size_t size)
{
	struct tls_conn *c = ptr;
	struct evbuffer *in = bufferevent_get_input(c->bev);
	size_t avail = evbuffer_get_length(in);
	int n;

	if (c->state != CS_READY && c->scan != SCAN_DONE && avail > c->scanned)
		avail = c->scanned;
	if (avail == 0) {
		gnutls_transport_set_errno(c->sess, EAGAIN);
		return -1;
	}
	if (size > avail)
		size = avail;
	n = evbuffer_remove(in, data, size);
	if (n <= 0) {
		gnutls_transport_set_errno(c->sess, EAGAIN);
		return -1;
	}
	c->scanned = (size_t)n <= c->scanned ? c->scanned - (size_t)n : 0;
	return n;
}

/* Push: append to the socket bufferevent's output; never blocks. */
static ssize_t
srv_push(gnutls_transport_ptr_t ptr, const void *data, size_t size)
{
	struct tls_conn *c = ptr;

	if (c->bev == NULL ||
	    evbuffer_add(bufferevent_get_output(c->bev), data, size) != 0) {
		gnutls_transport_set_errno(c->sess, ENOMEM);
		return -1;
	}
	return (ssize_t)size;
}

/* The TLS 1.2 suite is in the ServerHello we send; GnuTLS does not expose
 * it to the PSK callback (library facts). */
static int
srv_hook(gnutls_session_t sess, unsigned htype, unsigned when,
    unsigned incoming, const gnutls_datum_t *msg)
{
	struct tls_conn *c = gnutls_session_get_ptr(sess);

	(void)when;
	if (htype == GNUTLS_HANDSHAKE_SERVER_HELLO && !incoming &&
	    server_hello_suite(msg->data, msg->size, c->suite) == 0)
		c->have_suite = 1;
	return 0;
}

/* GnuTLS asks for the key only once the scanner has it for this identity. */
static int
srv_psk_creds(gnutls_session_t sess, const gnutls_datum_t *user,
    gnutls_datum_t *key)
{
	struct tls_conn *c = gnutls_session_get_ptr(sess);

	if (c->lk != LK_READY || user->size != strlen(c->identity) ||
	    memcmp(user->data, c->identity, user->size) != 0)
		return -1;
	key->data = gnutls_malloc(c->keylen);
	if (key->data == NULL)
		return -1;
	memcpy(key->data, c->key, c->keylen);
	key->size = (unsigned)c->keylen;
	return 0;
}

/* ---- server: record scanner ------------------------------------------------ */

/* The record may pass once the key of (identity, ua_id) is held; else a
 * lookup starts (the callback runs at the end of conn_step). */
static enum need
need_key(struct tls_conn *c, const uint8_t *id, size_t idlen,
    const uint8_t ua_id[TLS_UA_ID_LEN])
{
	char identity[TLS_IDENTITY_MAX + 1];

	if (copy_name(identity, sizeof(identity), id, idlen) != 0) {
		snprintf(c->fail_reason, sizeof(c->fail_reason),
		    "bad PSK identity (%zu octets)", idlen);
		return NEED_FAIL;
	}
	if (c->lk != LK_NONE && strcmp(identity, c->identity) == 0 &&
	    memcmp(ua_id, c->ua_id, TLS_UA_ID_LEN) == 0)
		return c->lk == LK_READY ? NEED_PASS : NEED_PARK;
	memcpy(c->identity, identity, idlen + 1);
	memcpy(c->ua_id, ua_id, TLS_UA_ID_LEN);
	explicit_bzero(c->key, sizeof(c->key));
	c->keylen = 0;
	c->lk = LK_PENDING;
	c->lk_asked = 1;
	return NEED_PARK;
}

struct hello_ctx {
	struct tls_conn	*c;
	const uint8_t	*id;
	size_t		 idlen;
	int		 bad;
};

static int
hello_ext(void *ctx, unsigned tls_id, const unsigned char *p, unsigned len)
{
	struct hello_ctx *h = ctx;

	if (tls_id == EXT_SNI) {
		/* server_name_list<1..>: type(1) host_name<1..> (RFC 6066 §3) */
		if (len < 5 || get16(p) != len - 2 || p[2] != 0 ||
		    (size_t)get16(p + 3) + 5 > len) {
			h->bad = 1;
			return 0;
		}
		if (copy_name(h->c->sni, sizeof(h->c->sni), p + 5,
		    get16(p + 3)) != 0)
			h->bad = 1;
	} else if (tls_id == EXT_PSK) {
		/* identities<7..>: identity<1..> obfuscated_ticket_age(4)
		 * (RFC 8446 §4.2.11); the first identity is used */
		if (len < 2 + 2 + 1 + 4 || (size_t)get16(p + 2) + 4 > len) {
			h->bad = 1;
			return 0;
		}
		h->id = p + 4;
		h->idlen = get16(p + 2);
	}
	return 0;
}

/* 1 when the TLS 1.2 suite `cs` has a PSK key exchange, whose
 * ClientKeyExchange starts with the identity. */
static int
suite_is_psk(const uint8_t cs[2])
{
	gnutls_kx_algorithm_t kx;
	gnutls_cipher_algorithm_t cipher;
	gnutls_mac_algorithm_t mac;
	gnutls_protocol_t minver;
	unsigned char id[2];
	size_t i;

	for (i = 0; gnutls_cipher_suite_info(i, id, &kx, &cipher, &mac,
	    &minver) != NULL; i++)
		if (id[0] == cs[0] && id[1] == cs[1])
			return kx == GNUTLS_KX_PSK || kx == GNUTLS_KX_DHE_PSK ||
			    kx == GNUTLS_KX_ECDHE_PSK || kx == GNUTLS_KX_RSA_PSK;
	return 0;
}

/*
 * One plaintext handshake record: walk its messages. The record is walked
 * again from its start once a key arrives, and only one key is held: a
 * second identity in the same record would make each answer ask for the
 * other key again, without end. No client sends two (a second
 * ClientHello follows a HelloRetryRequest, in a later record; the
 * ClientKeyExchange follows our ServerHello), so that is refused.
 */
static enum need
inspect_handshake(struct tls_conn *c, const uint8_t *p, size_t len)
{
	struct hello_ctx h;
	gnutls_datum_t d;
	uint32_t ml;
	uint8_t ua[TLS_UA_ID_LEN] = { 0x01, 0x00, 0x01, 0, 0 };
	enum need r;
	int nid = 0;

	while (len > 0) {
		if (len < 4 || (ml = get24(p + 1)) > len - 4) {
			snprintf(c->fail_reason, sizeof(c->fail_reason),
			    "handshake message spans records");
			return NEED_FAIL;
		}
		if ((p[0] == HS_CLIENT_HELLO || p[0] == HS_CKE) && nid > 0) {
			snprintf(c->fail_reason, sizeof(c->fail_reason),
			    "two PSK identities in one record");
			return NEED_FAIL;
		}
		switch (p[0]) {
		case HS_CLIENT_HELLO:
			memset(&h, 0, sizeof(h));
			h.c = c;
			d.data = (unsigned char *)(uintptr_t)(p + 4);
			d.size = ml;
			if (gnutls_ext_raw_parse(&h, hello_ext, &d,
			    GNUTLS_EXT_RAW_FLAG_TLS_CLIENT_HELLO) < 0 || h.bad) {
				snprintf(c->fail_reason, sizeof(c->fail_reason),
				    "malformed ClientHello");
				return NEED_FAIL;
			}
			if (h.id != NULL) {
				nid++;
				r = need_key(c, h.id, h.idlen, tls_ua_id_tls13);
				if (r != NEED_PASS)
					return r;
			}
			break;
		case HS_CKE:
			if (!c->have_suite) {
				snprintf(c->fail_reason, sizeof(c->fail_reason),
				    "unexpected ClientKeyExchange");
				return NEED_FAIL;
			}
			if (!suite_is_psk(c->suite)) {
				/* a certificate key exchange: no key to
				 * wait for, encrypted records next */
				c->scan = SCAN_DONE;
				break;
			}
			/* psk_identity<0..2^16-1> leads every PSK key exchange
			 * (RFC 4279 §2, §3; RFC 5489 §2) */
			if (ml < 2 || (size_t)get16(p + 4) + 2 > ml) {
				snprintf(c->fail_reason, sizeof(c->fail_reason),
				    "unexpected ClientKeyExchange");
				return NEED_FAIL;
			}
			ua[3] = c->suite[0];
			ua[4] = c->suite[1];
			nid++;
			r = need_key(c, p + 6, get16(p + 4), ua);
			if (r != NEED_PASS)
				return r;
			/* next come ChangeCipherSpec and encrypted records */
			c->scan = SCAN_DONE;
			break;
		default:
			break;
		}
		p += 4 + ml;
		len -= 4 + ml;
	}
	return NEED_PASS;
}

/* Clear whole records for GnuTLS up to the first that needs a key
 * (tls_int.h). */
enum need
tls_scan_records(struct tls_conn *c, const uint8_t *p, size_t avail)
{
	size_t rl, total;
	const uint8_t *hdr;
	enum need r;

	while (c->scan != SCAN_DONE && c->scanned + REC_HDR <= avail) {
		hdr = p + c->scanned;
		rl = get16(hdr + 3);
		if (hdr[0] < CT_CCS || hdr[0] > CT_APPDATA || hdr[1] != 3 ||
		    rl > REC_MAX) {
			snprintf(c->fail_reason, sizeof(c->fail_reason),
			    "not a TLS record");
			return NEED_FAIL;
		}
		total = c->scanned + REC_HDR + rl;
		if (total > avail)
			break;
		if (hdr[0] == CT_HANDSHAKE) {
			r = inspect_handshake(c, hdr + REC_HDR, rl);
			if (r != NEED_PASS)
				return r;
		} else if (hdr[0] == CT_APPDATA) {
			/* TLS 1.3: encrypted from here on */
			c->scan = SCAN_DONE;
		}
		c->scanned = total;
	}
	return NEED_PASS;
}

/* The socket's input through tls_scan_records(), made contiguous: no more
 * than TLS_HS_IN_MAX during the handshake (conn_step()). */
static enum need
scan_input(struct tls_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	size_t avail = evbuffer_get_length(in);
	const uint8_t *p;

	if (c->scan == SCAN_DONE || c->scanned + REC_HDR > avail)
		return NEED_PASS;	/* nothing to look at (yet) */
	if ((p = evbuffer_pullup(in, -1)) == NULL)
		return NEED_FAIL;
	return tls_scan_records(c, p, avail);
}

/* ---- server: the handshake -------------------------------------------------- */

static enum bufferevent_filter_result
plain_in(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t lim,
    enum bufferevent_flush_mode mode, void *ctx)
{
	struct tls_conn *c = ctx;
	char tmp[IO_CHUNK];
	ssize_t n;
	ev_ssize_t got = 0;

	(void)src;
	(void)mode;
	while (lim < 0 || got < lim) {
		n = gnutls_record_recv(c->sess, tmp, sizeof(tmp));
		if (n > 0) {
			if (evbuffer_add(dst, tmp, (size_t)n) != 0)
				return BEV_ERROR;
			got += n;
			continue;
		}
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
			break;
		if (n == GNUTLS_E_REHANDSHAKE) {
			(void)gnutls_alert_send(c->sess, GNUTLS_AL_WARNING,
			    GNUTLS_A_NO_RENEGOTIATION);
			continue;
		}
		if (n < 0 && !gnutls_error_is_fatal((int)n))
			continue;
		/* close_notify (0) or a fatal error */
		log_debug("tls conn %llu %s: %s", (unsigned long long)c->id,
		    c->peer, n == 0 ? "close_notify" :
		    gnutls_strerror((int)n));
		return got > 0 ? BEV_OK : BEV_ERROR;
	}
	return got > 0 ? BEV_OK : BEV_NEED_MORE;
}

static enum bufferevent_filter_result
plain_out(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t lim,
    enum bufferevent_flush_mode mode, void *ctx)
{
	struct tls_conn *c = ctx;
	char tmp[IO_CHUNK];
	ssize_t n;
	ev_ssize_t sent = 0;
	size_t want;
	int len;

	(void)dst;	/* srv_push appends to it */
	(void)mode;
	/*
	 * No more than `lim` (the socket's SOCK_OUT_HIWAT less what it
	 * holds): the rest stays on the plaintext side, where the
	 * application sees it queued (a slow reader slows the writer); the
	 * filter comes back when the socket's output has drained.
	 */
	while (evbuffer_get_length(src) > 0 && (lim < 0 || sent < lim)) {
		want = sizeof(tmp);
		if (lim >= 0 && (size_t)(lim - sent) < want)
			want = (size_t)(lim - sent);
		len = (int)evbuffer_copyout(src, tmp, want);
		if (len <= 0)
			return BEV_ERROR;
		n = gnutls_record_send(c->sess, tmp, (size_t)len);
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
			continue;
		if (n <= 0)
			return BEV_ERROR;
		evbuffer_drain(src, (size_t)n);
		sent += n;
	}
	return BEV_OK;
}

/* The socket side after the plaintext side is gone: done writing. */
static void
linger_end(struct tls_conn *c)
{
	struct tls_server *s = c->srv;

	bufferevent_free(c->bev);	/* closes the socket */
	c->bev = NULL;
	event_free(c->timer);
	c->timer = NULL;
	conn_set_state(c, CS_CLOSED);
	s->nconns--;
	c->srv = NULL;
	server_unref(s);
	tls_conn_unref(c);
}

static void
linger_write_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	linger_end(arg);
}

static void
linger_event_cb(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)what;
	linger_end(arg);
}

/*
 * First run on the loop turn after the filter was freed (libevent has then
 * finished unlinking it from the socket bufferevent): send close_notify,
 * then close once the output is written, or after LINGER_MS.
 */
static void
linger_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tls_conn *c = arg;
	struct timeval tv = { LINGER_MS / 1000, (LINGER_MS % 1000) * 1000 };

	(void)fd;
	(void)what;
	if (c->sess == NULL) {	/* LINGER_MS passed */
		linger_end(c);
		return;
	}
	(void)gnutls_bye(c->sess, GNUTLS_SHUT_WR);
	gnutls_deinit(c->sess);
	c->sess = NULL;
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
		linger_end(c);
		return;
	}
	bufferevent_setcb(c->bev, NULL, linger_write_cb, linger_event_cb, c);
	bufferevent_disable(c->bev, EV_READ);
	(void)bufferevent_enable(c->bev, EV_WRITE);
	evtimer_add(c->timer, &tv);
}

/* The filter bufferevent is freed (without BEV_OPT_CLOSE_ON_FREE: the
 * socket bufferevent stays ours). */
static void
plain_free(void *ctx)
{
	struct tls_conn *c = ctx;

	log_debug("tls conn %llu %s: plaintext side freed",
	    (unsigned long long)c->id, c->peer);
	conn_set_state(c, CS_LINGER);
	c->timer = evtimer_new(c->srv->base, linger_cb, c);
	if (c->timer == NULL) {
		/* no way to wait: drop what is unsent */
		gnutls_deinit(c->sess);
		c->sess = NULL;
		bufferevent_free(c->bev);
		c->bev = NULL;
		conn_set_state(c, CS_CLOSED);
		c->srv->nconns--;
		server_unref(c->srv);
		c->srv = NULL;
		tls_conn_unref(c);
		return;
	}
	event_active(c->timer, EV_TIMEOUT, 0);
}

static void
conn_handover(struct tls_conn *c)
{
	struct tls_server *s = c->srv;
	struct bufferevent *plain;
	gnutls_datum_t proto;
	char alpn[64] = "";

	if (gnutls_alpn_get_selected_protocol(c->sess, &proto) == 0 &&
	    proto.size < sizeof(alpn))
		memcpy(alpn, proto.data, proto.size), alpn[proto.size] = '\0';
	event_free(c->timer);
	event_free(c->kick);
	c->timer = c->kick = NULL;
	bufferevent_setcb(c->bev, NULL, NULL, NULL, NULL);
	plain = bufferevent_filter_new(c->bev, plain_in, plain_out, 0,
	    plain_free, c);
	if (plain == NULL) {
		conn_close(c, "out of memory");
		return;
	}
	/* the filter writes to the socket up to this, then waits (plain_out) */
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, SOCK_OUT_HIWAT);
	hs_unlink(c);
	explicit_bzero(c->key, sizeof(c->key));
	c->keylen = 0;
	c->version = gnutls_protocol_get_version(c->sess) == GNUTLS_TLS1_3 ?
	    13 : 12;
	c->is_psk = gnutls_auth_get_type(c->sess) == GNUTLS_CRD_PSK;
	if (!c->is_psk)
		c->identity[0] = '\0';
	conn_set_state(c, CS_READY);
	log_debug("tls conn %llu %s: handshake done, %s, %s, suite %02x%02x, "
	    "alpn \"%s\"", (unsigned long long)c->id, c->peer,
	    gnutls_protocol_get_name(gnutls_protocol_get_version(c->sess)),
	    c->is_psk ? "PSK" : "certificate", c->suite[0], c->suite[1], alpn);
	tls_conn_ref(c);
	s->ready(c, plain, alpn, c->identity, s->arg);
	/* Octets already received (or decrypted and kept by GnuTLS) are
	 * delivered on the next loop turn, unless the application has freed
	 * `plain` meanwhile. */
	if (c->state == CS_READY)
		bufferevent_trigger(c->bev, EV_READ,
		    BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
	tls_conn_unref(c);
}

static void
conn_step(struct tls_conn *c)
{
	struct tls_server *s = c->srv;
	uint8_t ua_id[TLS_UA_ID_LEN];
	char identity[TLS_IDENTITY_MAX + 1];
	char reason[160];
	enum need r;
	int ret;

	if (c->state != CS_HANDSHAKE && c->state != CS_LOOKUP)
		return;
	if (evbuffer_get_length(bufferevent_get_input(c->bev)) >
	    TLS_HS_IN_MAX) {
		conn_close(c, "too much input during the handshake");
		return;
	}
	r = scan_input(c);
	if (r == NEED_FAIL) {
		conn_close(c, c->fail_reason[0] ? c->fail_reason :
		    "bad record");
		return;
	}
	conn_set_state(c, r == NEED_PARK ? CS_LOOKUP : CS_HANDSHAKE);
	for (;;) {
		ret = gnutls_handshake(c->sess);
		if (ret == 0) {
			conn_handover(c);
			return;
		}
		if (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED)
			break;
		if (!gnutls_error_is_fatal(ret))
			continue;
		snprintf(reason, sizeof(reason), "handshake: %s%s%s",
		    gnutls_strerror(ret),
		    ret == GNUTLS_E_FATAL_ALERT_RECEIVED ? ": " : "",
		    ret == GNUTLS_E_FATAL_ALERT_RECEIVED ?
		    gnutls_alert_get_name(gnutls_alert_get(c->sess)) : "");
		if (ret != GNUTLS_E_FATAL_ALERT_RECEIVED &&
		    ret != GNUTLS_E_PREMATURE_TERMINATION)
			(void)gnutls_alert_send_appropriate(c->sess, ret);
		conn_close_after_flush(c, reason);
		return;
	}
	if (c->lk_asked) {
		/* Copies: the application may answer at once, and a new
		 * answer must not change what it was asked. */
		c->lk_asked = 0;
		memcpy(identity, c->identity, sizeof(identity));
		memcpy(ua_id, c->ua_id, sizeof(ua_id));
		log_debug("tls conn %llu %s: key lookup, ua id "
		    "%02x%02x%02x%02x%02x", (unsigned long long)c->id,
		    c->peer, ua_id[0], ua_id[1], ua_id[2], ua_id[3], ua_id[4]);
		s->lookup(c, identity, c->sni[0] ? c->sni : NULL, ua_id,
		    s->arg);
	}
}

static void
sock_read_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	conn_step(arg);
}

static void
sock_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct tls_conn *c = arg;

	(void)bev;
	conn_close(c, (what & BEV_EVENT_EOF) ? "peer closed" :
	    "socket error");
}

static void
timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	conn_close(arg, "handshake timeout");
}

static void
kick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tls_conn *c = arg;
	/* alert(2): level fatal(2), unknown_psk_identity(115) (RFC 4279 §2);
	 * written raw: the held record never reached GnuTLS */
	static const uint8_t alert[] = { CT_ALERT, 3, 3, 0, 2, 2, 115 };
	char reason[192];

	(void)fd;
	(void)what;
	if (c->lk == LK_FAILED) {
		snprintf(reason, sizeof(reason), "PSK lookup failed: %s",
		    c->fail_reason);
		(void)bufferevent_write(c->bev, alert, sizeof(alert));
		conn_close_after_flush(c, reason);
		return;
	}
	conn_step(c);
}

/* ---- server: public API ------------------------------------------------------ */

struct tls_server *
tls_server_new(struct event_base *base, const struct tls_server_cfg *cfg,
    tls_psk_lookup lookup, tls_ready_cb ready, tls_fail_cb fail, void *arg,
    char *err, size_t errlen)
{
	static const char *const alpn_default[] = { "h2", "http/1.1" };
	const struct tls_server_cfg dflt = { 0 };
	const char *const *alpn;
	const char *errpos = NULL;
	struct tls_server *s;
	size_t i;
	int ret;

	if (cfg == NULL)
		cfg = &dflt;
	if (lookup == NULL || ready == NULL) {
		set_err(err, errlen, "%s", "lookup and ready callbacks needed");
		return NULL;
	}
	if ((cfg->cert_file == NULL) != (cfg->key_file == NULL)) {
		set_err(err, errlen, "%s",
		    "a server certificate needs both cert_file and key_file");
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		goto nomem;
	s->base = base;
	s->refs = 1;
	s->lookup = lookup;
	s->ready = ready;
	s->fail = fail;
	s->arg = arg;
	s->next_id = 1;
	s->timeout_ms = cfg->handshake_timeout_ms ? cfg->handshake_timeout_ms :
	    TLS_HANDSHAKE_TIMEOUT_DEFAULT_MS;
	ret = gnutls_priority_init2(&s->prio, cfg->priority ? cfg->priority :
	    cfg->cert_file ? TLS_PRIORITY_CERT_DEFAULT : TLS_PRIORITY_DEFAULT,
	    &errpos, 0);
	if (ret < 0) {
		s->prio = NULL;
		set_err(err, errlen, "bad TLS priority near \"%s\"",
		    errpos ? errpos : "?");
		goto fail;
	}
	if (gnutls_psk_allocate_server_credentials(&s->cred) < 0)
		goto nomem;
	gnutls_psk_set_server_credentials_function2(s->cred, srv_psk_creds);
	if (gnutls_psk_set_server_credentials_hint(s->cred,
	    cfg->hint ? cfg->hint : TLS_PSK_HINT_DEFAULT) < 0)
		goto nomem;
	/* DHE-PSK when the client names no FFDHE group (RFC 7919) */
	if (gnutls_psk_set_server_known_dh_params(s->cred,
	    GNUTLS_SEC_PARAM_MEDIUM) < 0)
		goto nomem;
	if (cfg->cert_file != NULL) {
		if (gnutls_certificate_allocate_credentials(&s->xcred) < 0) {
			s->xcred = NULL;
			goto nomem;
		}
		/* also checks that the key belongs to the certificate */
		ret = gnutls_certificate_set_x509_key_file2(s->xcred,
		    cfg->cert_file, cfg->key_file, GNUTLS_X509_FMT_PEM, NULL, 0);
		if (ret < 0) {
			set_err(err, errlen, "server certificate %s, key %s: %s",
			    cfg->cert_file, cfg->key_file, gnutls_strerror(ret));
			goto fail;
		}
	}
	alpn = cfg->alpn ? cfg->alpn : alpn_default;
	s->nalpn = cfg->alpn ? cfg->nalpn : 2;
	if (s->nalpn > 0 && (s->alpn = calloc(s->nalpn,
	    sizeof(*s->alpn))) == NULL)
		goto nomem;
	for (i = 0; i < s->nalpn; i++) {
		s->alpn[i].data = (unsigned char *)strdup(alpn[i]);
		if (s->alpn[i].data == NULL)
			goto nomem;
		s->alpn[i].size = (unsigned)strlen(alpn[i]);
	}
	return s;
nomem:
	set_err(err, errlen, "%s", "out of memory");
fail:
	if (s != NULL) {
		if (s->prio == NULL)	/* server_unref() deinits both */
			(void)gnutls_priority_init(&s->prio, "NORMAL", NULL);
		if (s->cred == NULL)
			(void)gnutls_psk_allocate_server_credentials(&s->cred);
		server_unref(s);
	}
	return NULL;
}

void
tls_server_free(struct tls_server *s)
{
	if (s == NULL)
		return;
	s->dead = 1;
	while (s->hs_head != NULL)
		conn_close(s->hs_head, "server shutting down");
	server_unref(s);
}

size_t
tls_server_handshaking(const struct tls_server *s)
{
	return s->nhs;
}

size_t
tls_server_conn_count(const struct tls_server *s)
{
	return s->nconns;
}

struct tls_conn *
tls_accept(struct tls_server *s, evutil_socket_t fd, const char *peer)
{
	struct tls_conn *c;
	struct timeval tv;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		evutil_closesocket(fd);
		return NULL;
	}
	c->srv = s;
	s->refs++;
	s->nconns++;
	c->refs = 1;
	c->id = s->next_id++;
	c->state = CS_HANDSHAKE;
	snprintf(c->peer, sizeof(c->peer), "%s", peer ? peer : "?");
	(void)evutil_make_socket_nonblocking(fd);
	c->bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		evutil_closesocket(fd);
		goto fail;
	}
	c->timer = evtimer_new(s->base, timeout_cb, c);
	c->kick = event_new(s->base, -1, 0, kick_cb, c);
	if (c->timer == NULL || c->kick == NULL)
		goto fail;
	if (gnutls_init(&c->sess, GNUTLS_SERVER | GNUTLS_NONBLOCK |
	    GNUTLS_NO_TICKETS) < 0) {
		c->sess = NULL;
		goto fail;
	}
	if (gnutls_priority_set(c->sess, s->prio) < 0 ||
	    gnutls_credentials_set(c->sess, GNUTLS_CRD_PSK, s->cred) < 0 ||
	    (s->xcred != NULL && gnutls_credentials_set(c->sess,
	    GNUTLS_CRD_CERTIFICATE, s->xcred) < 0) ||
	    (s->nalpn > 0 && gnutls_alpn_set_protocols(c->sess, s->alpn,
	    (unsigned)s->nalpn, GNUTLS_ALPN_SERVER_PRECEDENCE) < 0))
		goto fail;
	gnutls_session_set_ptr(c->sess, c);
	gnutls_transport_set_ptr(c->sess, c);
	gnutls_transport_set_pull_function(c->sess, srv_pull);
	gnutls_transport_set_push_function(c->sess, srv_push);
	gnutls_handshake_set_hook_function(c->sess, GNUTLS_HANDSHAKE_ANY,
	    GNUTLS_HOOK_POST, srv_hook);
	bufferevent_setcb(c->bev, sock_read_cb, NULL, sock_event_cb, c);
	if (bufferevent_enable(c->bev, EV_READ | EV_WRITE) != 0)
		goto fail;
	tv.tv_sec = s->timeout_ms / 1000;
	tv.tv_usec = (s->timeout_ms % 1000) * 1000;
	evtimer_add(c->timer, &tv);
	c->next = s->hs_head;
	if (c->next != NULL)
		c->next->prev = c;
	s->hs_head = c;
	s->nhs++;
	log_debug("tls conn %llu %s: accepted", (unsigned long long)c->id,
	    c->peer);
	return c;
fail:
	log_debug("tls conn %s: cannot start: out of memory", c->peer);
	conn_release(c);
	return NULL;
}

int
tls_conn_psk_ready(struct tls_conn *c, const uint8_t *key, size_t keylen)
{
	if (c == NULL || (c->state != CS_LOOKUP && c->state != CS_HANDSHAKE) ||
	    c->lk != LK_PENDING || keylen == 0 || keylen > TLS_PSK_MAX)
		return -1;
	memcpy(c->key, key, keylen);
	c->keylen = keylen;
	c->lk = LK_READY;
	event_active(c->kick, 0, 0);
	return 0;
}

int
tls_conn_psk_fail(struct tls_conn *c, const char *reason)
{
	if (c == NULL || (c->state != CS_LOOKUP && c->state != CS_HANDSHAKE) ||
	    c->lk != LK_PENDING)
		return -1;
	snprintf(c->fail_reason, sizeof(c->fail_reason), "%s",
	    reason ? reason : "no key");
	c->lk = LK_FAILED;
	event_active(c->kick, 0, 0);
	return 0;
}

/* ---- client -------------------------------------------------------------------- */

struct tls_client {
	int			 fd;
	gnutls_session_t	 sess;
	gnutls_psk_client_credentials_t cred;
	unsigned		 timeout_ms;
	int			 have_suite;	/* a ServerHello was read */
	uint8_t			 suite[2];
	char			 alpn[64];
	/* key_cb mode: the identity and the application's callback */
	char			*identity;
	tls_client_key_cb	 key_cb;
	void			*key_arg;
	int			 key_failed;
	/* tls_client_cert_connect() */
	gnutls_certificate_credentials_t xcred;
	char			 verify_name[TLS_SNI_MAX + 1];
};

static int
cli_hook(gnutls_session_t sess, unsigned htype, unsigned when,
    unsigned incoming, const gnutls_datum_t *msg)
{
	struct tls_client *c = gnutls_session_get_ptr(sess);

	(void)when;
	if (htype == GNUTLS_HANDSHAKE_SERVER_HELLO && incoming &&
	    server_hello_suite(msg->data, msg->size, c->suite) == 0)
		c->have_suite = 1;
	return 0;
}

/*
 * GnuTLS asks for the PSK: for TLS 1.3 while writing the ClientHello
 * (pre_shared_key extension, RFC 8446 4.2.11), for TLS 1.2 while writing
 * the ClientKeyExchange (RFC 4279 2), after the POST hook above read the
 * suite from the ServerHello. Which one it is tells the Ua id.
 * `username` and `key` are the library's to free (gnutls_malloc).
 */
static int
cli_psk_cb(gnutls_session_t sess, gnutls_datum_t *username,
    gnutls_datum_t *key)
{
	struct tls_client *c = gnutls_session_get_ptr(sess);
	uint8_t ua[TLS_UA_ID_LEN], k[TLS_PSK_MAX];
	size_t klen = 0, idlen = strlen(c->identity);

	memcpy(ua, tls_ua_id_tls13, sizeof(ua));
	if (c->have_suite &&
	    gnutls_protocol_get_version(sess) != GNUTLS_TLS1_3) {
		ua[2] = 0x01;	/* 01 00 01 yy zz (TS 33.220 H.3) */
		ua[3] = c->suite[0];
		ua[4] = c->suite[1];
	}
	if (c->key_cb(ua, k, &klen, c->key_arg) != 0 || klen == 0 ||
	    klen > TLS_PSK_MAX) {
		gnutls_memset(k, 0, sizeof(k));
		c->key_failed = 1;
		return -1;
	}
	username->data = gnutls_malloc(idlen + 1);
	key->data = gnutls_malloc(klen);
	if (username->data == NULL || key->data == NULL) {
		gnutls_free(username->data);
		gnutls_free(key->data);
		username->data = key->data = NULL;
		gnutls_memset(k, 0, sizeof(k));
		return -1;
	}
	memcpy(username->data, c->identity, idlen + 1);
	username->size = (unsigned)idlen;
	memcpy(key->data, k, klen);
	key->size = (unsigned)klen;
	gnutls_memset(k, 0, sizeof(k));
	return 0;
}

static int
cli_connect(const struct tls_client_cfg *cfg, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t sl;
	struct pollfd pfd;
	int fd, soerr = 0, flags;
	socklen_t el = sizeof(soerr);

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, cfg->addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(cfg->port);
		sl = sizeof(*sin);
	} else if (inet_pton(AF_INET6, cfg->addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(cfg->port);
		sl = sizeof(*sin6);
	} else {
		set_err(err, errlen, "not a numeric address: %s", cfg->addr);
		return -1;
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		set_err(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	flags = fcntl(fd, F_GETFL);
	(void)fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	if (connect(fd, (struct sockaddr *)&ss, sl) != 0) {
		if (errno != EINPROGRESS)
			goto fail;
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, (int)cfg->timeout_ms) != 1) {
			errno = ETIMEDOUT;
			goto fail;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &el) != 0 ||
		    soerr != 0) {
			errno = soerr ? soerr : errno;
			goto fail;
		}
	}
	(void)fcntl(fd, F_SETFL, flags);
	return fd;
fail:
	set_err(err, errlen, "connect: %s", strerror(errno));
	close(fd);
	return -1;
}

/* Why the server's certificate was refused, in words: `status` is
 * gnutls_session_get_verify_cert_status(). */
static void
verify_status_text(unsigned status, char *buf, size_t len)
{
	static const struct {
		unsigned	 flag;
		const char	*text;
	} why[] = {
		{ GNUTLS_CERT_UNEXPECTED_OWNER,	"name mismatch" },
		{ GNUTLS_CERT_SIGNER_NOT_FOUND,	"unknown CA" },
		{ GNUTLS_CERT_SIGNER_NOT_CA,	"signer is not a CA" },
		{ GNUTLS_CERT_SIGNER_CONSTRAINTS_FAILURE,
						"CA constraints not met" },
		{ GNUTLS_CERT_EXPIRED,		"expired" },
		{ GNUTLS_CERT_NOT_ACTIVATED,	"not yet valid" },
		{ GNUTLS_CERT_REVOKED,		"revoked" },
		{ GNUTLS_CERT_SIGNATURE_FAILURE, "bad signature" },
		{ GNUTLS_CERT_INSECURE_ALGORITHM, "insecure algorithm" },
		{ GNUTLS_CERT_PURPOSE_MISMATCH,	"not a TLS server certificate" },
		{ GNUTLS_CERT_UNKNOWN_CRIT_EXTENSIONS,
						"unknown critical extension" },
	};
	size_t i, off = 0;
	int n;

	buf[0] = '\0';
	for (i = 0; i < sizeof(why) / sizeof(why[0]); i++) {
		if (!(status & why[i].flag))
			continue;
		n = snprintf(buf + off, len - off, "%s%s", off ? ", " : "",
		    why[i].text);
		if (n < 0 || (size_t)n >= len - off)
			return;
		off += (size_t)n;
	}
	if (off == 0)
		snprintf(buf, len, "status 0x%x", status);
}

/*
 * What the PSK and the certificate handshakes share, once `c` holds its
 * socket and its credentials (c->xcred: the server's certificate is
 * verified against it, no PSK offered; else the PSK of c->cred): the
 * session, with cfg->priority or else prio[] for cfg->version (0: either,
 * 12, 13), SNI, the ALPN offer, the blocking handshake within
 * cfg->timeout_ms and the protocol ALPN chose. Returns 0, or -1 with `err`
 * (and `*alert` when the server sent one); `c` is the caller's to free.
 */
static int
cli_handshake(struct tls_client *c, const struct tls_client_cfg *cfg,
    const char *const prio[3], int *alert, char *err, size_t errlen)
{
	gnutls_datum_t *protos, proto;
	const char *p;
	char why[160];
	size_t i;
	int ret;

	if (gnutls_init(&c->sess, GNUTLS_CLIENT) < 0) {
		c->sess = NULL;
		goto nomem;
	}
	if ((p = cfg->priority) == NULL)
		p = prio[cfg->version == 12 ? 1 : cfg->version == 13 ? 2 : 0];
	if ((ret = gnutls_priority_set_direct(c->sess, p, NULL)) < 0) {
		set_err(err, errlen, "priority: %s", gnutls_strerror(ret));
		return -1;
	}
	if (c->xcred != NULL) {
		if (gnutls_credentials_set(c->sess, GNUTLS_CRD_CERTIFICATE,
		    c->xcred) < 0)
			goto nomem;
		gnutls_session_set_verify_cert(c->sess, c->verify_name, 0);
	} else if (gnutls_credentials_set(c->sess, GNUTLS_CRD_PSK,
	    c->cred) < 0)
		goto nomem;
	if (cfg->sni != NULL && gnutls_server_name_set(c->sess,
	    GNUTLS_NAME_DNS, cfg->sni, strlen(cfg->sni)) < 0)
		goto nomem;
	if (cfg->nalpn > 0) {
		if ((protos = calloc(cfg->nalpn, sizeof(*protos))) == NULL)
			goto nomem;
		for (i = 0; i < cfg->nalpn; i++) {
			protos[i].data = (unsigned char *)(uintptr_t)
			    cfg->alpn[i];
			protos[i].size = (unsigned)strlen(cfg->alpn[i]);
		}
		ret = gnutls_alpn_set_protocols(c->sess, protos,
		    (unsigned)cfg->nalpn, 0);
		free(protos);
		if (ret < 0)
			goto nomem;
	}
	gnutls_session_set_ptr(c->sess, c);
	gnutls_handshake_set_hook_function(c->sess, GNUTLS_HANDSHAKE_ANY,
	    GNUTLS_HOOK_POST, cli_hook);
	gnutls_transport_set_int(c->sess, c->fd);
	gnutls_handshake_set_timeout(c->sess, cfg->timeout_ms);
	gnutls_record_set_timeout(c->sess, cfg->timeout_ms);
	do {
		ret = gnutls_handshake(c->sess);
	} while (ret < 0 && !gnutls_error_is_fatal(ret));
	if (ret == GNUTLS_E_FATAL_ALERT_RECEIVED) {
		if (alert != NULL)
			*alert = (int)gnutls_alert_get(c->sess);
		set_err(err, errlen, "handshake: alert %s",
		    gnutls_alert_get_name(gnutls_alert_get(c->sess)));
		return -1;
	}
	if (ret < 0) {
		if (c->key_failed)
			set_err(err, errlen, "%s", "handshake: no key for the "
			    "negotiated Ua security protocol");
		else if (ret == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
			verify_status_text(
			    gnutls_session_get_verify_cert_status(c->sess),
			    why, sizeof(why));
			set_err(err, errlen,
			    "certificate verification failed: %s", why);
		} else
			set_err(err, errlen, "handshake: %s",
			    gnutls_strerror(ret));
		/* A certificate session tells the server why, as a peer
		 * would (bad_certificate), and reads what it sent meanwhile:
		 * closing with unread input would reset the connection and
		 * lose the alert. */
		if (c->xcred != NULL &&
		    ret != GNUTLS_E_PREMATURE_TERMINATION &&
		    gnutls_alert_send_appropriate(c->sess, ret) == 0) {
			(void)shutdown(c->fd, SHUT_WR);
			while (recv(c->fd, why, sizeof(why), MSG_DONTWAIT) > 0)
				;
		}
		return -1;
	}
	if (gnutls_alpn_get_selected_protocol(c->sess, &proto) == 0 &&
	    proto.size < sizeof(c->alpn)) {
		memcpy(c->alpn, proto.data, proto.size);
		c->alpn[proto.size] = '\0';
	}
	return 0;
nomem:
	set_err(err, errlen, "%s", "out of memory");
	return -1;
}

/* A failed client handshake: no close_notify on a session that never
 * started, the rest as tls_client_free(). */
static struct tls_client *
cli_failed(struct tls_client *c)
{
	if (c->sess != NULL)
		gnutls_deinit(c->sess);
	c->sess = NULL;
	tls_client_free(c);
	return NULL;
}

/* tls_client_psk_start() and tls_client_cert_start() without a socket. */
static struct tls_client *
no_socket(int *alert, char *err, size_t errlen)
{
	if (alert != NULL)
		*alert = -1;
	set_err(err, errlen, "%s", "no socket");
	return NULL;
}

/*
 * The PSK handshake of tls_client_psk_connect() (fd < 0: connect first) and
 * tls_client_psk_start() (fd: a connected socket, the session's from now
 * on, closed on failure too).
 */
static struct tls_client *
psk_client(int fd, const struct tls_client_cfg *cfgin, int *alert,
    char *err, size_t errlen)
{
	static const char *const prio[3] = {
		"NORMAL:-KX-ALL:+ECDHE-PSK:+DHE-PSK:+PSK",
		"NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+ECDHE-PSK:"
		    "+DHE-PSK:+PSK",
		"NORMAL:-VERS-ALL:+VERS-TLS1.3:-KX-ALL:+ECDHE-PSK:"
		    "+DHE-PSK:+PSK",
	};
	struct tls_client_cfg cfg = *cfgin;
	struct tls_client *c;
	gnutls_datum_t key;
	int ret;

	if (alert != NULL)
		*alert = -1;
	if (cfg.timeout_ms == 0)
		cfg.timeout_ms = 10000;
	if (cfg.identity == NULL || (cfg.key_cb == NULL && (cfg.key == NULL ||
	    cfg.keylen == 0))) {
		set_err(err, errlen, "%s", "PSK identity and key needed");
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		set_err(err, errlen, "%s", "out of memory");
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	c->fd = fd;
	c->timeout_ms = cfg.timeout_ms;
	if (c->fd < 0 && (c->fd = cli_connect(&cfg, err, errlen)) < 0)
		return cli_failed(c);
	if (gnutls_psk_allocate_client_credentials(&c->cred) < 0)
		goto nomem;
	if (cfg.key_cb != NULL) {
		if ((c->identity = strdup(cfg.identity)) == NULL)
			goto nomem;
		c->key_cb = cfg.key_cb;
		c->key_arg = cfg.key_arg;
		gnutls_psk_set_client_credentials_function2(c->cred,
		    cli_psk_cb);
	} else {
		key.data = (unsigned char *)(uintptr_t)cfg.key;
		key.size = (unsigned)cfg.keylen;
		if ((ret = gnutls_psk_set_client_credentials(c->cred,
		    cfg.identity, &key, GNUTLS_PSK_KEY_RAW)) < 0) {
			set_err(err, errlen, "PSK credentials: %s",
			    gnutls_strerror(ret));
			return cli_failed(c);
		}
	}
	if (cli_handshake(c, &cfg, prio, alert, err, errlen) != 0)
		return cli_failed(c);
	return c;
nomem:
	set_err(err, errlen, "%s", "out of memory");
	return cli_failed(c);
}

struct tls_client *
tls_client_psk_connect(const struct tls_client_cfg *cfg, int *alert,
    char *err, size_t errlen)
{
	return psk_client(-1, cfg, alert, err, errlen);
}

struct tls_client *
tls_client_psk_start(int fd, const struct tls_client_cfg *cfg, int *alert,
    char *err, size_t errlen)
{
	if (fd < 0)
		return no_socket(alert, err, errlen);
	return psk_client(fd, cfg, alert, err, errlen);
}

/*
 * The certificate handshake of tls_client_cert_connect() (fd < 0: connect
 * first) and tls_client_cert_start() (fd: a connected socket, the
 * session's from now on, closed on failure too).
 */
static struct tls_client *
cert_client(int fd, const struct tls_client_cfg *cfgin, int *alert,
    char *err, size_t errlen)
{
	static const char *const prio[3] = {
		"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2",
		"NORMAL:-VERS-ALL:+VERS-TLS1.2",
		"NORMAL:-VERS-ALL:+VERS-TLS1.3",
	};
	struct tls_client_cfg cfg = *cfgin;
	struct tls_client *c;
	const char *name;
	int ret;

	if (alert != NULL)
		*alert = -1;
	if (cfg.timeout_ms == 0)
		cfg.timeout_ms = 10000;
	name = cfg.verify_name != NULL ? cfg.verify_name : cfg.sni;
	if (cfg.ca_file == NULL || name == NULL || name[0] == '\0') {
		set_err(err, errlen, "%s",
		    "a CA file and a name to verify are needed");
		goto refuse;
	}
	if (strlen(name) > TLS_SNI_MAX) {
		set_err(err, errlen, "%s", "name to verify too long");
		goto refuse;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		set_err(err, errlen, "%s", "out of memory");
		goto refuse;
	}
	/* owned by `c` from here: tls_client_free() closes it */
	c->fd = fd;
	c->timeout_ms = cfg.timeout_ms;
	/* GnuTLS keeps the pointer given to gnutls_session_set_verify_cert() */
	snprintf(c->verify_name, sizeof(c->verify_name), "%s", name);
	if (gnutls_certificate_allocate_credentials(&c->xcred) < 0) {
		c->xcred = NULL;
		set_err(err, errlen, "%s", "out of memory");
		return cli_failed(c);
	}
	ret = gnutls_certificate_set_x509_trust_file(c->xcred, cfg.ca_file,
	    GNUTLS_X509_FMT_PEM);
	if (ret <= 0) {
		set_err(err, errlen, "CA file %s: %s", cfg.ca_file, ret < 0 ?
		    gnutls_strerror(ret) : "no certificate in it");
		return cli_failed(c);
	}
	if ((c->fd < 0 && (c->fd = cli_connect(&cfg, err, errlen)) < 0) ||
	    cli_handshake(c, &cfg, prio, alert, err, errlen) != 0)
		return cli_failed(c);
	return c;
refuse:
	if (fd >= 0)
		close(fd);
	return NULL;
}

struct tls_client *
tls_client_cert_connect(const struct tls_client_cfg *cfg, int *alert,
    char *err, size_t errlen)
{
	return cert_client(-1, cfg, alert, err, errlen);
}

struct tls_client *
tls_client_cert_start(int fd, const struct tls_client_cfg *cfg, int *alert,
    char *err, size_t errlen)
{
	if (fd < 0)
		return no_socket(alert, err, errlen);
	return cert_client(fd, cfg, alert, err, errlen);
}

int
tls_client_write(struct tls_client *c, const void *data, size_t len)
{
	const char *p = data;
	ssize_t n;

	while (len > 0) {
		n = gnutls_record_send(c->sess, p, len);
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t
tls_client_read(struct tls_client *c, void *data, size_t size)
{
	ssize_t n;

	do {
		n = gnutls_record_recv(c->sess, data, size);
	} while (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED ||
	    (n < 0 && !gnutls_error_is_fatal((int)n) &&
	    n != GNUTLS_E_TIMEDOUT));
	if (n == GNUTLS_E_PREMATURE_TERMINATION)
		return 0;
	return n < 0 ? -1 : n;
}

uint16_t
tls_client_suite(const struct tls_client *c)
{
	return get16(c->suite);
}

const char *
tls_alert_name(int alert)
{
	/* GnuTLS names some alerts in words ("Unknown PSK identity"); the
	 * RFC names are what a tester greps for */
	switch (alert) {
	case 10: return "unexpected_message";
	case 20: return "bad_record_mac";
	case 40: return "handshake_failure";
	case 47: return "illegal_parameter";
	case 50: return "decode_error";
	case 51: return "decrypt_error";
	case 70: return "protocol_version";
	case 71: return "insufficient_security";
	case 80: return "internal_error";
	case 86: return "inappropriate_fallback";
	case 109: return "missing_extension";
	case 110: return "unsupported_extension";
	case 112: return "unrecognized_name";
	case 115: return "unknown_psk_identity";
	case 120: return "no_application_protocol";
	default: return "alert";
	}
}

const char *
tls_client_suite_name(const struct tls_client *c)
{
	const char *n = gnutls_ciphersuite_get(c->sess);

	return n != NULL ? n : "?";
}

int
tls_client_version(const struct tls_client *c)
{
	return gnutls_protocol_get_version(c->sess) == GNUTLS_TLS1_3 ? 13 : 12;
}

const char *
tls_client_alpn(const struct tls_client *c)
{
	return c->alpn;
}

void
tls_client_free(struct tls_client *c)
{
	if (c == NULL)
		return;
	if (c->sess != NULL) {
		(void)gnutls_bye(c->sess, GNUTLS_SHUT_WR);
		gnutls_deinit(c->sess);
	}
	if (c->cred != NULL)
		gnutls_psk_free_client_credentials(c->cred);
	if (c->xcred != NULL)
		gnutls_certificate_free_credentials(c->xcred);
	if (c->fd >= 0)
		close(c->fd);
	free(c->identity);
	free(c);
}
