/*
 * tls_int.h — the TLS server's connection and its record scanner, shared
 * by tls.c and, for tests and fuzzing, tests/fuzz/tls_hello/ (the scanner
 * reads the PSK identity and SNI from plaintext a peer sends before any
 * authentication). Applications include tls.h.
 */
#ifndef UTSTACK_TLS_INT_H
#define UTSTACK_TLS_INT_H

#include <stddef.h>
#include <stdint.h>

#include <gnutls/gnutls.h>

#include "tls.h"

struct bufferevent;
struct event;
struct tls_server;

enum conn_state {
	CS_HANDSHAKE,	/* GnuTLS handshake running */
	CS_LOOKUP,	/* a record is held back until the key is known */
	CS_CLOSING,	/* fatal alert queued, closing once written */
	CS_READY,	/* handed over as a filter bufferevent */
	CS_LINGER,	/* filter freed: close_notify and the rest of the
			 * ciphertext still to write */
	CS_CLOSED
};

/* What the record scanner still looks for. */
enum scan_state {
	SCAN_HELLO,	/* ClientHello(s), then ClientKeyExchange (1.2) */
	SCAN_DONE	/* past the last plaintext handshake message */
};

enum lookup_state {
	LK_NONE,
	LK_PENDING,	/* asked, not answered */
	LK_READY,
	LK_FAILED
};

struct tls_conn {
	struct tls_server	*srv;
	struct tls_conn		*prev, *next;	/* srv->hs_head list */
	uint64_t		 id;
	int			 refs;	/* 1 while open + app references */
	enum conn_state		 state;
	char			 peer[64];
	struct bufferevent	*bev;	/* socket; under the filter once READY */
	gnutls_session_t	 sess;
	struct event		*timer;
	struct event		*kick;	/* resume after a lookup answer */

	enum scan_state		 scan;
	size_t			 scanned; /* input octets cleared for GnuTLS */
	int			 have_suite;
	uint8_t			 suite[2]; /* from our ServerHello */
	char			 sni[TLS_SNI_MAX + 1];
	int			 version;  /* 12 or 13 once handed over */
	int			 is_psk;   /* idem: a PSK handshake */

	enum lookup_state	 lk;
	int			 lk_asked; /* lookup callback still to run */
	char			 identity[TLS_IDENTITY_MAX + 1];
	uint8_t			 ua_id[TLS_UA_ID_LEN];
	uint8_t			 key[TLS_PSK_MAX];
	size_t			 keylen;
	char			 fail_reason[128];
};

/* What tls_scan_records() tells about the input. */
enum need {
	NEED_PASS,	/* every complete record cleared (c->scanned) */
	NEED_PARK,	/* a record waits for the key of c->identity, c->ua_id:
			 * c->lk is LK_PENDING, c->lk_asked set */
	NEED_FAIL	/* not TLS, or malformed: c->fail_reason */
};

/*
 * Walk the records at p[c->scanned..avail) (the connection's input, from
 * its first octet) while c->scan is SCAN_HELLO, clearing each whole record
 * for GnuTLS (c->scanned moves past it) up to the first that needs a key
 * not yet held (RFC 8446 §4.2.11 pre_shared_key of a ClientHello, RFC 4279
 * §2 psk_identity of a TLS 1.2 ClientKeyExchange once c->suite is known),
 * storing the SNI (RFC 6066 §3) into c->sni on the way. Reads nothing
 * outside p[0..avail); touches only the scanner's fields of `c`
 * (scan, scanned, sni, lk, lk_asked, identity, ua_id, key, keylen,
 * fail_reason).
 */
enum need	tls_scan_records(struct tls_conn *c, const uint8_t *p,
		    size_t avail);

#endif
