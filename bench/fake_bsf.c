/*
 * fake_bsf.c — a BSF of the AP bench's own on Zn (TS 29.109 §6: BIR →
 * BIA), and the keys its load client uses.
 *
 *   bench-fake-bsf serve --listen ADDR:PORT --secret HEX [--delay-ms N]
 *                  [--impu URI] [--lifetime S] [--origin-host H]
 *                  [--origin-realm R] [--allow HOST]... [-v]
 *   bench-fake-bsf keys --secret HEX --count N --naf-fqdn FQDN
 *                  --ua-id HEX [--bsf-fqdn F] [--seed N] [--first N]
 *
 * Why a fake. A cold-cache run of the AP makes every connection use a
 * B-TID the AP has not seen, so that it does one Zn round trip each: that
 * needs hundreds of thousands of B-TIDs the BSF knows, and the real BSF
 * learns a B-TID only from a whole Ub bootstrap (bench-ub loads its store
 * with bsf_store code, but the AP bench would then depend on the BSF's
 * storage and its CPU). This one knows every B-TID: it answers any BIR
 * with 2001 and a key both ends can compute,
 *
 *	ME-Key-Material = HMAC-SHA-256(secret, B-TID || NAF_Id)
 *
 * (NAF_Id exactly as the BIR carries it: FQDN || Ua security protocol id,
 * TS 33.220 H.1), Key-ExpiryTime now + --lifetime (default 3600 s),
 * BootstrapInfoCreationTime now, GBA-Type 3G GBA, and a
 * GBA-UserSecSettings ussList (29.109 §6.3.1.1, the element names of
 * hss-stub/hss_guss.c) with one uss whose uids hold --impu (default
 * sip:bench@ims.example.org). It is not a BSF: no Ub, no store, no
 * 5403; only what the AP's Zn client reads, made the way the real BSF
 * makes it (bsf/bsf_zn.c answer_key()).
 *
 * serve — a Diameter server (common/dia_peer: CER/CEA, DWR/DWA, DPR/DPA)
 * as bsf.ims.example.org, Zn application, admitting ap.ims.example.org
 * (and every --allow). With --delay-ms N each answer is held N ms on a
 * timer — the loop goes on, other BIRs are read and answered in their
 * turn — and sent if the AP's connection is still there: the "slow BSF"
 * of the AP's issue. At most PENDING_MAX answers wait; beyond, 3004
 * DIAMETER_TOO_BUSY. Event lines on stderr: LISTENING name=zn addr=...,
 * and at SIGTERM/SIGINT (after a graceful DPR; answers still held are
 * dropped) FAKE-BSF-STOPPED birs=N answered=N dropped=N refused=N.
 *
 * keys — the load client's keys file on stdout, one line per B-TID:
 * "3GPP-bootstrapping.<B-TID> <hex key>" for B-TIDs number --first ..
 * --first + --count - 1, B-TID = base64(RAND)@--bsf-fqdn with RAND the
 * first 16 octets of SHA-256("utstack bench-ap" || seed || i) (8 octets
 * each, big-endian), and the key above for NAF_Id = --naf-fqdn || --ua-id
 * (01 00 00 00 07 for TLS 1.3, 01 00 01 yy zz for the TLS 1.2 suite
 * yy zz). The file holds keys: the bench writes it mode 0600 in its own
 * directory and removes it.
 *
 * The secret is bench material, not a subscriber's key; it is still
 * wiped when done and never logged.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "b64.h"
#include "buf.h"
#include "crypto.h"
#include "dia_peer.h"
#include "diameter.h"
#include "gba.h"
#include "hex.h"
#include "log.h"
#include "secret.h"
#include "xml.h"

#define SECRET_MIN	16		/* octets */
#define SECRET_MAX	64
#define PENDING_MAX	65536		/* delayed answers at once */
#define DELAY_MAX_MS	60000
#define ANSWER_MAX	8192		/* one BIA; the ussList is small */
#define USS_MAX		2048
#define IMPU_MAX	256
#define KEYS_MAX	100000000L
#define NAF_ID_MAX	(255 + GBA_UA_ID_LEN)
#define GBA_TYPE_3G	0		/* GBA-Type (29.109 6.3.1.5) */
#define GUSS_NS		"urn:3gpp:gba:GBAGUSSSchema-R9:2010-02"
#define ALLOW_MAX	8

struct opts {
	const char	*cmd;
	const char	*listen;
	uint8_t		 secret[SECRET_MAX];
	size_t		 secret_len;
	long		 delay_ms;
	const char	*impu;
	long		 lifetime;
	const char	*origin_host, *origin_realm;
	const char	*allow[ALLOW_MAX + 2];
	int		 nallow;
	long		 count, first, seed;
	const char	*naf_fqdn, *bsf_fqdn;
	uint8_t		 ua_id[GBA_UA_ID_LEN];
	int		 have_ua_id;
	int		 verbose;
};

/* An answer held back by --delay-ms. */
struct held {
	struct held	*prev, *next;
	struct fake	*f;
	uint64_t	 conn_id;
	struct event	*timer;
	struct buf	 msg;
};

struct fake {
	const struct opts	*o;
	struct event_base	*base;
	struct dia_server	*srv;
	struct held		*held;		/* doubly linked, any order */
	size_t			 nheld;
	char			 uss[USS_MAX];	/* the ussList of every BIA */
	size_t			 uss_len;
	uint64_t		 birs, answered, dropped, refused;
};

/*
 * Not linked with bench_util.o on purpose: that file holds the sanitizer
 * runtime's symbol names as strings (bench_proc_san() looks for them in a
 * process's executable), so a program linking it reads as a sanitizer
 * build to bench-ap's --pid check.
 */
static void die(const char *, ...)
    __attribute__((noreturn, format(printf, 1, 2)));

static void
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "bench-fake-bsf: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void	usage(void) __attribute__((noreturn));

/* `s` as a whole decimal number in lo..hi, else usage(). */
static long
arg_long(const char *s, long lo, long hi, void (*bad)(void))
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end != '\0' || v < lo || v > hi)
		bad();
	return v;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: bench-fake-bsf serve --listen ADDR:PORT --secret HEX "
	    "[--delay-ms N]\n"
	    "                      [--impu URI] [--lifetime S] "
	    "[--origin-host H] [--origin-realm R]\n"
	    "                      [--allow HOST]... [-v]\n"
	    "       bench-fake-bsf keys --secret HEX --count N --naf-fqdn "
	    "FQDN --ua-id HEX\n"
	    "                      [--bsf-fqdn F] [--seed N] [--first N]\n");
	exit(2);
}

/* HMAC-SHA-256(secret, btid || naf_id) into key[32]. */
static void
fake_key(const struct opts *o, const char *btid, size_t btid_len,
    const uint8_t *naf_id, size_t naf_id_len, uint8_t key[CRYPTO_SHA256_LEN])
{
	struct crypto_hmac_sha256_ctx ctx;

	crypto_hmac_sha256_init(&ctx, o->secret, o->secret_len);
	crypto_hmac_sha256_update(&ctx, btid, btid_len);
	crypto_hmac_sha256_update(&ctx, naf_id, naf_id_len);
	crypto_hmac_sha256_final(&ctx, key);
}

/* --- serve ---------------------------------------------------------------- */

static void
held_free(struct fake *f, struct held *h)
{
	if (h->prev != NULL)
		h->prev->next = h->next;
	else
		f->held = h->next;
	if (h->next != NULL)
		h->next->prev = h->prev;
	f->nheld--;
	event_free(h->timer);
	buf_clear(&h->msg);	/* wipes ME-Key-Material */
	free(h);
}

static void
on_held(evutil_socket_t fd, short what, void *arg)
{
	struct held *h = arg;
	struct fake *f = h->f;
	struct dia_conn *conn;

	(void)fd;
	(void)what;
	/* The AP may have gone (or timed the BIR out) meanwhile. */
	if ((conn = dia_server_conn(f->srv, h->conn_id)) != NULL &&
	    dia_conn_send(conn, h->msg.data, h->msg.len) == 0)
		f->answered++;
	else
		f->dropped++;
	held_free(f, h);
}

/* The BIA for `btid` and `naf_id` into `b`. 0, or -1 when it does not
 * build. */
static int
build_bia(struct fake *f, const struct dia_msg *req, const struct dia_avp *btid,
    const struct dia_avp *naf_id, struct buf *b)
{
	const struct opts *o = f->o;
	struct dia_build d;
	uint8_t key[CRYPTO_SHA256_LEN];
	time_t now = time(NULL);

	fake_key(o, (const char *)btid->data, btid->len, naf_id->data,
	    naf_id->len, key);
	dia_build_answer(&d, b, req, 0);
	dia_put_answer_header(&d, req, DIA_APP_ZN, o->origin_host,
	    o->origin_realm);
	dia_put_result(&d, DIA_SUCCESS);
	dia_put(&d, DIA_AVP_ME_KEY_MATERIAL, DIA_AVP_V | DIA_AVP_M,
	    DIA_VENDOR_3GPP, key, sizeof(key));
	dia_put_time(&d, DIA_AVP_KEY_EXPIRYTIME, DIA_AVP_V | DIA_AVP_M,
	    DIA_VENDOR_3GPP, now + (time_t)o->lifetime);
	dia_put_time(&d, DIA_AVP_BOOTSTRAPINFO_CREATION, DIA_AVP_V | DIA_AVP_M,
	    DIA_VENDOR_3GPP, now);
	dia_put(&d, DIA_AVP_GBA_USERSECSETTINGS, DIA_AVP_V | DIA_AVP_M,
	    DIA_VENDOR_3GPP, f->uss, f->uss_len);
	dia_put_u32(&d, DIA_AVP_GBA_TYPE, DIA_AVP_V | DIA_AVP_M,
	    DIA_VENDOR_3GPP, GBA_TYPE_3G);
	secret_wipe(key, sizeof(key));
	return dia_build_end(&d);
}

static void
on_request(struct dia_conn *conn, const struct dia_msg *req, void *arg)
{
	struct fake *f = arg;
	const struct dia_avp *btid, *naf_id;
	struct dia_error err;
	struct held *h;
	struct timeval tv;
	struct buf b;

	f->birs++;
	if (req->cmd != DIA_CMD_BI) {
		dia_error_set(&err, DIA_COMMAND_UNSUPPORTED, NULL,
		    "only Bootstrapping-Info here");
		dia_conn_answer_error(conn, req, &err);
		f->refused++;
		return;
	}
	btid = dia_msg_find(req, NULL, DIA_AVP_TRANSACTION_IDENTIFIER,
	    DIA_VENDOR_3GPP, NULL);
	naf_id = dia_msg_find(req, NULL, DIA_AVP_NAF_ID, DIA_VENDOR_3GPP,
	    NULL);
	if (btid == NULL || naf_id == NULL || btid->len == 0 ||
	    naf_id->len <= GBA_UA_ID_LEN || naf_id->len > NAF_ID_MAX) {
		dia_error_set(&err, DIA_MISSING_AVP, NULL, "BIR without a "
		    "Transaction-Identifier and a NAF-Id of FQDN + 5 octets");
		dia_conn_answer_error(conn, req, &err);
		f->refused++;
		return;
	}
	if (f->o->delay_ms > 0 && f->nheld >= PENDING_MAX) {
		dia_error_set(&err, DIA_TOO_BUSY, NULL, "too many answers "
		    "held");
		dia_conn_answer_error(conn, req, &err);
		f->refused++;
		return;
	}
	buf_init(&b, ANSWER_MAX);
	if (build_bia(f, req, btid, naf_id, &b) != 0) {
		buf_clear(&b);
		dia_error_set(&err, DIA_UNABLE_TO_COMPLY, NULL, "BIA does not "
		    "build");
		dia_conn_answer_error(conn, req, &err);
		f->refused++;
		return;
	}
	if (f->o->delay_ms == 0) {
		if (dia_conn_send(conn, b.data, b.len) == 0)
			f->answered++;
		else
			f->dropped++;
		buf_clear(&b);
		return;
	}
	if ((h = calloc(1, sizeof(*h))) == NULL ||
	    (h->timer = evtimer_new(f->base, on_held, h)) == NULL)
		die("out of memory");
	h->f = f;
	h->conn_id = dia_conn_id(conn);
	h->msg = b;	/* the buf's storage moves to h */
	h->next = f->held;
	if (f->held != NULL)
		f->held->prev = h;
	f->held = h;
	f->nheld++;
	tv.tv_sec = f->o->delay_ms / 1000;
	tv.tv_usec = (f->o->delay_ms % 1000) * 1000;
	/* From now, not from the loop's cached time of this turn: the delay
	 * is at least --delay-ms after the BIR was read. */
	event_base_update_cache_time(f->base);
	evtimer_add(h->timer, &tv);
}

static void
on_stopped(void *arg)
{
	event_base_loopbreak(arg);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct fake *f = arg;

	(void)sig;
	(void)what;
	/* Answers still held are dropped: the AP times them out. */
	while (f->held != NULL) {
		f->dropped++;
		held_free(f, f->held);
	}
	dia_server_shutdown(f->srv, 0, on_stopped, f->base);
}

/* The ussList every BIA carries: one uss, one uid. */
static void
make_uss(struct fake *f)
{
	struct buf b;

	buf_init(&b, USS_MAX - 1);
	if (buf_appendf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<ussList xmlns=\"" GUSS_NS "\"><uss id=\"1\" type=\"1\" "
	    "nafGroup=\"xcap\"><uids><uid>") != 0 ||
	    xml_append_escaped(&b, f->o->impu) != 0 ||
	    buf_appendf(&b, "</uid></uids></uss></ussList>") != 0)
		die("--impu too long for the ussList");
	memcpy(f->uss, b.data, b.len);
	f->uss_len = b.len;
	buf_clear(&b);
}

static int
cmd_serve(const struct opts *o)
{
	static struct fake f;
	struct dia_local local;
	struct event *sig_term, *sig_int;
	char host[64], err[256], addr[96];
	char n1[24], n2[24], n3[24], n4[24];
	const char *colon;
	long port;

	if (o->listen == NULL || o->secret_len == 0)
		usage();
	if ((colon = strrchr(o->listen, ':')) == NULL ||
	    (size_t)(colon - o->listen) >= sizeof(host))
		usage();
	snprintf(host, sizeof(host), "%.*s", (int)(colon - o->listen),
	    o->listen);
	port = arg_long(colon + 1, 0, 65535, usage);
	f.o = o;
	make_uss(&f);
	if ((f.base = event_base_new()) == NULL)
		die("event_base_new failed");
	log_init("bench-fake-bsf", 1, o->verbose);
	dia_local_set(&local, o->origin_host, o->origin_realm, DIA_APP_ZN, 0,
	    o->allow);
	f.srv = dia_server_new(f.base, &local, host, (uint16_t)port, on_request,
	    &f, err, sizeof(err));
	if (f.srv == NULL)
		die("%s", err);
	snprintf(addr, sizeof(addr), "%s:%u", host,
	    (unsigned)dia_server_port(f.srv));
	log_event("LISTENING", "name", "zn", "addr", addr, (char *)NULL);
	signal(SIGPIPE, SIG_IGN);
	sig_term = evsignal_new(f.base, SIGTERM, on_signal, &f);
	sig_int = evsignal_new(f.base, SIGINT, on_signal, &f);
	if (sig_term == NULL || sig_int == NULL ||
	    event_add(sig_term, NULL) != 0 || event_add(sig_int, NULL) != 0)
		die("evsignal_new failed");
	event_base_dispatch(f.base);
	snprintf(n1, sizeof(n1), "%llu", (unsigned long long)f.birs);
	snprintf(n2, sizeof(n2), "%llu", (unsigned long long)f.answered);
	snprintf(n3, sizeof(n3), "%llu", (unsigned long long)f.dropped);
	snprintf(n4, sizeof(n4), "%llu", (unsigned long long)f.refused);
	log_event("FAKE-BSF-STOPPED", "birs", n1, "answered", n2, "dropped", n3,
	    "refused", n4, (char *)NULL);
	dia_server_free(f.srv);
	event_free(sig_term);
	event_free(sig_int);
	event_base_free(f.base);
	return 0;
}

/* --- keys ----------------------------------------------------------------- */

static int
cmd_keys(const struct opts *o)
{
	uint8_t in[16 + 8 + 8], md[CRYPTO_SHA256_LEN], key[CRYPTO_SHA256_LEN];
	uint8_t naf_id[NAF_ID_MAX];
	char btid[GBA_BTID_MAX], hex[2 * CRYPTO_SHA256_LEN + 1];
	size_t naf_id_len;
	long i;
	int k;

	if (o->secret_len == 0 || o->count <= 0 || o->naf_fqdn == NULL ||
	    !o->have_ua_id)
		usage();
	if (gba_naf_id(o->naf_fqdn, o->ua_id, naf_id, sizeof(naf_id),
	    &naf_id_len) != 0)
		die("--naf-fqdn '%s' does not make a NAF_Id",
		    o->naf_fqdn);
	memcpy(in, "utstack bench-ap", 16);
	for (i = o->first; i < o->first + o->count; i++) {
		for (k = 0; k < 8; k++) {
			in[16 + k] = (uint8_t)((uint64_t)o->seed >> (56 - 8 * k));
			in[24 + k] = (uint8_t)((uint64_t)i >> (56 - 8 * k));
		}
		crypto_sha256(in, sizeof(in), md);
		if (gba_btid_build(md, o->bsf_fqdn, btid, sizeof(btid)) != 0)
			die("--bsf-fqdn '%s' does not make a B-TID",
			    o->bsf_fqdn);
		fake_key(o, btid, strlen(btid), naf_id, naf_id_len, key);
		hex_encode(key, sizeof(key), hex);
		if (printf("3GPP-bootstrapping.%s %s\n", btid, hex) < 0)
			die("stdout: %s", strerror(errno));
	}
	secret_wipe(key, sizeof(key));
	secret_wipe(hex, sizeof(hex));
	if (fflush(stdout) != 0)
		die("stdout: %s", strerror(errno));
	return 0;
}

static void
parse_opts(int argc, char *argv[], struct opts *o)
{
	int i;
	ssize_t n;

	memset(o, 0, sizeof(*o));
	o->impu = "sip:bench@ims.example.org";
	o->lifetime = 3600;
	o->origin_host = "bsf.ims.example.org";
	o->origin_realm = "ims.example.org";
	o->bsf_fqdn = "bsf.ims.example.org";
	o->seed = 1;
	o->allow[o->nallow++] = "ap.ims.example.org";
	if (argc < 2)
		usage();
	o->cmd = argv[1];
	if (strcmp(o->cmd, "serve") != 0 && strcmp(o->cmd, "keys") != 0)
		usage();
	for (i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "-v") == 0) {
			o->verbose++;
			continue;
		}
		if (v == NULL)
			usage();
		i++;
		if (strcmp(a, "--listen") == 0)
			o->listen = v;
		else if (strcmp(a, "--secret") == 0) {
			n = hex_decode(v, o->secret, sizeof(o->secret));
			if (n < SECRET_MIN || strlen(v) != 2 * (size_t)n)
				die("--secret: %d to %d octets in hex",
				    SECRET_MIN, SECRET_MAX);
			o->secret_len = (size_t)n;
		} else if (strcmp(a, "--delay-ms") == 0)
			o->delay_ms = arg_long(v, 0, DELAY_MAX_MS, usage);
		else if (strcmp(a, "--impu") == 0) {
			if (strlen(v) == 0 || strlen(v) >= IMPU_MAX)
				usage();
			o->impu = v;
		} else if (strcmp(a, "--lifetime") == 0)
			o->lifetime = arg_long(v, 60, 10L * 365 * 86400,
			    usage);
		else if (strcmp(a, "--origin-host") == 0)
			o->origin_host = v;
		else if (strcmp(a, "--origin-realm") == 0)
			o->origin_realm = v;
		else if (strcmp(a, "--allow") == 0) {
			if (o->nallow >= ALLOW_MAX)
				usage();
			o->allow[o->nallow++] = v;
		} else if (strcmp(a, "--count") == 0)
			o->count = arg_long(v, 1, KEYS_MAX, usage);
		else if (strcmp(a, "--first") == 0)
			o->first = arg_long(v, 0, KEYS_MAX, usage);
		else if (strcmp(a, "--seed") == 0)
			o->seed = arg_long(v, 0, 0x7fffffffL, usage);
		else if (strcmp(a, "--naf-fqdn") == 0)
			o->naf_fqdn = v;
		else if (strcmp(a, "--bsf-fqdn") == 0)
			o->bsf_fqdn = v;
		else if (strcmp(a, "--ua-id") == 0) {
			if (hex_decode_exact(v, o->ua_id, GBA_UA_ID_LEN) != 0)
				die("--ua-id: %d octets in hex, e.g. "
				    "0100000007", GBA_UA_ID_LEN);
			o->have_ua_id = 1;
		} else
			usage();
	}
	o->allow[o->nallow] = NULL;
}

int
main(int argc, char *argv[])
{
	static struct opts o;
	int rc;

	parse_opts(argc, argv, &o);
	if (strcmp(o.cmd, "serve") == 0)
		rc = cmd_serve(&o);
	else
		rc = cmd_keys(&o);
	secret_wipe(o.secret, sizeof(o.secret));
	return rc;
}
