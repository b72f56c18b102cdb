/*
 * diameter.h — Diameter base protocol codec (RFC 6733 §3, §4) and the
 * dictionary of the base AVPs and the 3GPP Zh/Zn AVPs (TS 29.109,
 * TS 29.229). No I/O here: dia_peer.h runs connections on libevent.
 *
 * Decoding never trusts a length. dia_msg_decode() validates the whole
 * message (every AVP header, length, padding, grouped AVPs recursively up
 * to DIA_DEPTH_MAX) before anything reads it; on failure it says which
 * Result-Code the answer must carry and which AVP failed, so the caller
 * can answer with Failed-AVP (RFC 6733 §7.5) while framing is intact.
 */
#ifndef UTSTACK_DIAMETER_H
#define UTSTACK_DIAMETER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "buf.h"

#define DIA_VERSION		1
#define DIA_HDR_LEN		20
#define DIA_AVP_HDR_LEN		8
#define DIA_AVP_VHDR_LEN	12
#define DIA_MSG_MAX_DEFAULT	65536	/* size cap on one message, octets */
#define DIA_DEPTH_MAX		8	/* grouped AVP nesting */
#define DIA_AVPS_MAX		1024	/* AVPs (all levels) in one message */

/* Header flags (RFC 6733 §3) */
#define DIA_FLAG_R		0x80	/* request */
#define DIA_FLAG_P		0x40	/* proxiable */
#define DIA_FLAG_E		0x20	/* error */
#define DIA_FLAG_T		0x10	/* potentially retransmitted */
/* AVP flags (RFC 6733 §4.1) */
#define DIA_AVP_V		0x80	/* vendor-specific */
#define DIA_AVP_M		0x40	/* mandatory */
#define DIA_AVP_P		0x20	/* reserved (was end-to-end security) */

#define DIA_VENDOR_3GPP		10415
#define DIA_APP_COMMON		0
#define DIA_APP_ZN		16777220
#define DIA_APP_ZH		16777221
#define DIA_APP_RELAY		0xffffffffu

/* Command codes */
#define DIA_CMD_CE		257	/* Capabilities-Exchange */
#define DIA_CMD_DW		280	/* Device-Watchdog */
#define DIA_CMD_DP		282	/* Disconnect-Peer */
#define DIA_CMD_MA		303	/* Multimedia-Auth (Zh) */
#define DIA_CMD_BI		310	/* Bootstrapping-Info (Zn) */

/* Base AVP codes (vendor 0) */
#define DIA_AVP_USER_NAME		1
#define DIA_AVP_PROXY_STATE		33
#define DIA_AVP_HOST_IP_ADDRESS		257
#define DIA_AVP_AUTH_APPLICATION_ID	258
#define DIA_AVP_ACCT_APPLICATION_ID	259
#define DIA_AVP_VENDOR_SPECIFIC_APP_ID	260
#define DIA_AVP_SESSION_ID		263
#define DIA_AVP_ORIGIN_HOST		264
#define DIA_AVP_SUPPORTED_VENDOR_ID	265
#define DIA_AVP_VENDOR_ID		266
#define DIA_AVP_FIRMWARE_REVISION	267
#define DIA_AVP_RESULT_CODE		268
#define DIA_AVP_PRODUCT_NAME		269
#define DIA_AVP_DISCONNECT_CAUSE	273
#define DIA_AVP_AUTH_SESSION_STATE	277
#define DIA_AVP_ORIGIN_STATE_ID		278
#define DIA_AVP_FAILED_AVP		279
#define DIA_AVP_PROXY_HOST		280
#define DIA_AVP_ERROR_MESSAGE		281
#define DIA_AVP_ROUTE_RECORD		282
#define DIA_AVP_DESTINATION_REALM	283
#define DIA_AVP_PROXY_INFO		284
#define DIA_AVP_DESTINATION_HOST	293
#define DIA_AVP_ERROR_REPORTING_HOST	294
#define DIA_AVP_ORIGIN_REALM		296
#define DIA_AVP_EXPERIMENTAL_RESULT	297
#define DIA_AVP_EXPERIMENTAL_RESULT_CODE 298
#define DIA_AVP_INBAND_SECURITY_ID	299
/* 3GPP AVP codes (vendor 10415): TS 29.229 reused on Zh, TS 29.109 GBA */
#define DIA_AVP_PUBLIC_IDENTITY		601
#define DIA_AVP_SIP_NUMBER_AUTH_ITEMS	607
#define DIA_AVP_SIP_AUTH_SCHEME		608
#define DIA_AVP_SIP_AUTHENTICATE	609
#define DIA_AVP_SIP_AUTHORIZATION	610
#define DIA_AVP_SIP_AUTH_CONTEXT	611
#define DIA_AVP_SIP_AUTH_DATA_ITEM	612
#define DIA_AVP_SIP_ITEM_NUMBER		613
#define DIA_AVP_CONFIDENTIALITY_KEY	625
#define DIA_AVP_INTEGRITY_KEY		626
#define DIA_AVP_GBA_USERSECSETTINGS	400
#define DIA_AVP_TRANSACTION_IDENTIFIER	401
#define DIA_AVP_NAF_ID			402
#define DIA_AVP_GAA_SERVICE_IDENTIFIER	403
#define DIA_AVP_KEY_EXPIRYTIME		404
#define DIA_AVP_ME_KEY_MATERIAL		405
#define DIA_AVP_UICC_KEY_MATERIAL	406
#define DIA_AVP_GBA_U_AWARENESS_IND	407
#define DIA_AVP_BOOTSTRAPINFO_CREATION	408
#define DIA_AVP_GUSS_TIMESTAMP		409
#define DIA_AVP_GBA_TYPE		410

/* Result codes (RFC 6733 §7.1; TS 29.109 §6.3 experimental, vendor 10415) */
#define DIA_SUCCESS			2001
#define DIA_COMMAND_UNSUPPORTED		3001
#define DIA_UNABLE_TO_DELIVER		3002
#define DIA_REALM_NOT_SERVED		3003
#define DIA_TOO_BUSY			3004
#define DIA_APPLICATION_UNSUPPORTED	3007
#define DIA_INVALID_HDR_BITS		3008
#define DIA_INVALID_AVP_BITS		3009
#define DIA_UNKNOWN_PEER		3010
#define DIA_AUTHENTICATION_REJECTED	4001
#define DIA_AVP_UNSUPPORTED		5001
#define DIA_INVALID_AVP_VALUE		5004
#define DIA_MISSING_AVP			5005
#define DIA_AVP_OCCURS_TOO_MANY_TIMES	5009
#define DIA_NO_COMMON_APPLICATION	5010
#define DIA_UNSUPPORTED_VERSION		5011
#define DIA_UNABLE_TO_COMPLY		5012
#define DIA_INVALID_AVP_LENGTH		5014
#define DIA_INVALID_MESSAGE_LENGTH	5015
#define DIA_ERROR_IDENTITY_UNKNOWN	5401	/* experimental, 10415 */
#define DIA_ERROR_NOT_AUTHORIZED	5402	/* experimental, 10415 */
#define DIA_ERROR_TRANSACTION_ID_INVALID 5403	/* experimental, 10415 */

/* AVP data types (RFC 6733 §4.2, §4.3) */
enum dia_type {
	DIA_T_OCTETS,
	DIA_T_UTF8,
	DIA_T_IDENTITY,		/* DiameterIdentity */
	DIA_T_URI,		/* DiameterURI */
	DIA_T_U32,
	DIA_T_U64,
	DIA_T_I32,
	DIA_T_I64,
	DIA_T_ENUM,		/* Enumerated (Integer32) */
	DIA_T_TIME,		/* Time: seconds since 1900-01-01, 32 bits */
	DIA_T_ADDRESS,		/* Address: 2-octet family + address */
	DIA_T_GROUPED,
};

/* Dictionary entry. DIA_DICT_SECRET: value hidden in dumps unless keys are
 * shown (CK, IK, XRES in SIP-Authorization, key material). */
#define DIA_DICT_SECRET	0x01
struct dia_dict_avp {
	uint32_t	 code;
	uint32_t	 vendor;
	const char	*name;
	enum dia_type	 type;
	uint8_t		 must;		/* flags that must be set (V, M) */
	uint8_t		 flags;		/* DIA_DICT_* */
};

/* Dictionary look-ups; NULL / "Unknown" when absent. Static storage. */
const struct dia_dict_avp *dia_dict_avp(uint32_t code, uint32_t vendor);
const char	*dia_cmd_name(uint32_t code, int request);	/* "MAR", "CEA" ... */
const char	*dia_result_name(uint32_t code);	/* "DIAMETER_SUCCESS" ... */
const char	*dia_app_name(uint32_t app);		/* "3GPP Zh" ... */
/* The i-th dictionary entry (0, 1, ...), NULL past the end: for listing
 * the dictionary and for tests. */
const struct dia_dict_avp *dia_dict_avp_at(size_t i);
/* Name of value `value` of an Enumerated (or enum-like Unsigned32) AVP,
 * e.g. Auth-Session-State 1 -> "NO_STATE_MAINTAINED"; NULL when unknown. */
const char	*dia_enum_name(uint32_t code, uint32_t vendor, uint32_t value);

/* One decoded AVP; `data` points into the message's own copy of the octets. */
struct dia_avp {
	uint32_t	 code;
	uint8_t		 flags;
	uint32_t	 vendor;	/* 0 without the V flag */
	const uint8_t	*data;		/* payload, `len` octets (no padding) */
	size_t		 len;
	const uint8_t	*raw;		/* the whole AVP, header included */
	size_t		 raw_len;	/* header + payload, without padding */
	int		 parent;	/* index of the enclosing grouped AVP, -1 */
	int		 depth;		/* 0 at top level */
};

/* A decoded message. Owns a copy of the octets; free with dia_msg_free(). */
struct dia_msg {
	uint8_t		 version;
	uint8_t		 flags;
	uint32_t	 cmd;
	uint32_t	 app;
	uint32_t	 hbh;		/* hop-by-hop id */
	uint32_t	 e2e;		/* end-to-end id */
	uint8_t		*octets;
	size_t		 len;
	struct dia_avp	*avps;		/* all AVPs, depth-first order */
	size_t		 n_avps;
};

/*
 * Why decoding or checking failed: the Result-Code for the answer, a
 * reason for logs and Error-Message (our own ASCII text, never peer
 * octets), and the failed AVP when there is one. `failed` points either
 *  - at an AVP that is well-formed in itself: into the caller's input
 *    after dia_msg_decode(), into msg->octets after
 *    dia_msg_check_mandatory() and the accessors (copy before that goes
 *    away), or
 *  - into `synth` of this same struct: an AVP rebuilt per RFC 6733 §7.1.5
 *    (5005, 5014) with the offending header and a zero-filled payload of
 *    the type's minimum length, for a missing AVP or a wrong AVP length
 *    (so do not copy the struct while using `failed`).
 * Either way the `failed_len` octets are one AVP whose length field
 * matches, ready for dia_put_error().
 */
#define DIA_SYNTH_MAX	(DIA_AVP_VHDR_LEN + 8)
struct dia_error {
	uint32_t	 result;
	char		 reason[128];
	const uint8_t	*failed;	/* raw AVP octets for Failed-AVP, or NULL */
	size_t		 failed_len;
	uint8_t		 synth[DIA_SYNTH_MAX];	/* see above */
};

/*
 * Framing: look at the first octets of a stream. Returns the length of the
 * next message when at least 4 octets are there and the header is sane, 0
 * when more octets are needed, or -1 when framing is lost (version not 1,
 * length < 20, not a multiple of 4, or over `max`): close the connection.
 */
long	dia_frame_len(const uint8_t *buf, size_t avail, size_t max);

/*
 * Decode one whole message of `len` octets (as framed above). Returns 0
 * and a new message in *out (caller frees with dia_msg_free), or -1 with
 * `err` filled: DIA_INVALID_MESSAGE_LENGTH (shorter than a header, length
 * field not `len` or not a multiple of 4), DIA_INVALID_AVP_LENGTH (AVP
 * shorter than its header, overrunning the message or its grouped parent,
 * non-zero padding), DIA_INVALID_HDR_BITS (reserved bits, R with E),
 * DIA_INVALID_AVP_BITS (reserved AVP flag bits), DIA_UNSUPPORTED_VERSION,
 * DIA_UNABLE_TO_COMPLY (nesting past DIA_DEPTH_MAX, more than
 * DIA_AVPS_MAX AVPs, out of memory). `err` may be NULL.
 * Known grouped AVPs (by dictionary) are decoded recursively; the
 * contents of a Failed-AVP that do not decode are kept as opaque octets
 * (no children) rather than failing the message, since a Failed-AVP
 * echoes what a peer found broken.
 */
int	dia_msg_decode(const uint8_t *buf, size_t len, struct dia_msg **out,
	    struct dia_error *err);
void	dia_msg_free(struct dia_msg *msg);	/* accepts NULL */

/*
 * Unknown AVPs with the M bit (not in the dictionary): returns 0 if none,
 * else -1 with DIA_AVP_UNSUPPORTED and the first such AVP in `err`. AVPs
 * inside a Failed-AVP are not checked. `err` may be NULL.
 */
int	dia_msg_check_mandatory(const struct dia_msg *msg,
	    struct dia_error *err);

/*
 * Find AVPs. `parent` is NULL for the top level or a grouped AVP of `msg`;
 * `after` is NULL to start, or a previous result to continue. Only direct
 * children of `parent` are returned. A `parent` or `after` that is not an
 * AVP of `msg` gives NULL.
 */
const struct dia_avp *dia_msg_find(const struct dia_msg *msg,
	    const struct dia_avp *parent, uint32_t code, uint32_t vendor,
	    const struct dia_avp *after);

/*
 * Require an AVP: like dia_msg_find, but when absent fills `err` with
 * DIA_MISSING_AVP and a Failed-AVP example of the missing AVP: its code,
 * vendor and dictionary flags, and a zero-filled value of the type's
 * minimum length (RFC 6733 §7.1.5, 5005) — `err->failed` then points into
 * `err->synth`. Returns NULL when missing.
 */
const struct dia_avp *dia_msg_require(const struct dia_msg *msg,
	    const struct dia_avp *parent, uint32_t code, uint32_t vendor,
	    struct dia_error *err);

/* Typed accessors: 0, or -1 with DIA_INVALID_AVP_LENGTH (wrong size for
 * the type) / DIA_INVALID_AVP_VALUE in `err` (may be NULL), the AVP
 * itself as Failed-AVP. */
int	dia_avp_u32(const struct dia_avp *a, uint32_t *v, struct dia_error *err);
int	dia_avp_u64(const struct dia_avp *a, uint64_t *v, struct dia_error *err);
int	dia_avp_i32(const struct dia_avp *a, int32_t *v, struct dia_error *err);
/* Time: NTP seconds (1900 epoch) to Unix time; RFC 6733 §4.3.1 wrap rule
 * (values with the top bit clear are after 2036) applied. */
int	dia_avp_time(const struct dia_avp *a, time_t *v, struct dia_error *err);
/* Address: family 1 (IPv4, 4 octets) or 2 (IPv6, 16 octets) into `ss`
 * (port 0). Another family is DIA_INVALID_AVP_VALUE, a size that does not
 * fit the family DIA_INVALID_AVP_LENGTH. */
int	dia_avp_address(const struct dia_avp *a, struct sockaddr_storage *ss,
	    struct dia_error *err);
/* UTF8String / DiameterIdentity copied NUL-terminated into `out`
 * (`size` with NUL): invalid UTF-8 (overlong forms, surrogates, beyond
 * U+10FFFF), an embedded NUL, a value too long for `out`, or for
 * identities an empty value or anything but printable ASCII without
 * spaces → -1 with DIA_INVALID_AVP_VALUE (`out` then holds ""). */
int	dia_avp_utf8(const struct dia_avp *a, char *out, size_t size,
	    struct dia_error *err);
int	dia_avp_identity(const struct dia_avp *a, char *out, size_t size,
	    struct dia_error *err);

/*
 * Building. A builder writes into a capped struct buf owned by the caller.
 * Errors are sticky: check dia_build_end() once.
 */
struct dia_build {
	struct buf	*b;
	size_t		 start;		/* offset of the message header */
	size_t		 groups[DIA_DEPTH_MAX];	/* open grouped AVP offsets */
	int		 depth;
	int		 failed;
};
/* Start a request (DIA_FLAG_R set by the caller in `flags`). */
void	dia_build_begin(struct dia_build *d, struct buf *b, uint8_t flags,
	    uint32_t cmd, uint32_t app, uint32_t hbh, uint32_t e2e);
/* Start the answer to `req`: same command, application, ids; P copied, R
 * cleared; `flags` may add DIA_FLAG_E (dia_put_result() and
 * dia_put_error() set it for a 3xxx protocol error anyway). */
void	dia_build_answer(struct dia_build *d, struct buf *b,
	    const struct dia_msg *req, uint8_t flags);
/* Append an AVP; the V flag is set when `vendor` is not 0 (and cleared
 * when it is); flags other than V, M, P are dropped. */
void	dia_put(struct dia_build *d, uint32_t code, uint8_t flags,
	    uint32_t vendor, const void *data, size_t len);
void	dia_put_u32(struct dia_build *d, uint32_t code, uint8_t flags,
	    uint32_t vendor, uint32_t v);
void	dia_put_u64(struct dia_build *d, uint32_t code, uint8_t flags,
	    uint32_t vendor, uint64_t v);
void	dia_put_str(struct dia_build *d, uint32_t code, uint8_t flags,
	    uint32_t vendor, const char *s);
/* Time: Unix time to NTP seconds; 1968-01-20 .. 2104-02-07 (the RFC 6733
 * §4.3.1 range, after 2036 with the top bit clear), else the build fails. */
void	dia_put_time(struct dia_build *d, uint32_t code, uint8_t flags,
	    uint32_t vendor, time_t t);
void	dia_put_address(struct dia_build *d, uint32_t code, uint8_t flags,
	    uint32_t vendor, const struct sockaddr *sa);
/* Copy raw AVP octets (e.g. Failed-AVP contents), padded: one whole AVP
 * whose length field is `len` (else the build fails). */
void	dia_put_raw(struct dia_build *d, const uint8_t *raw, size_t len);
/* Open a grouped AVP (at most DIA_DEPTH_MAX open at once) / close the
 * innermost one, patching its length. */
void	dia_group_begin(struct dia_build *d, uint32_t code, uint8_t flags,
	    uint32_t vendor);
void	dia_group_end(struct dia_build *d);
/* Patch the message length; returns 0 or -1 if any step failed (cap,
 * unbalanced groups, bad value). The message is b->data[start .. b->len).
 * On failure the partial message is wiped and b->len is back at start. */
int	dia_build_end(struct dia_build *d);

/* Auth-Session-State NO_STATE_MAINTAINED (RFC 6733 §8.11), as Zh/Zn use. */
#define DIA_AUTH_SESSION_NO_STATE	1

/* Fill `err` for an answer: Result-Code `result`, the AVP that failed (or
 * NULL) and a reason for Error-Message and logs. */
void	dia_error_set(struct dia_error *err, uint32_t result,
	    const struct dia_avp *failed, const char *reason);

/* The Result-Code of an answer, else its Experimental-Result-Code, else 0. */
uint32_t dia_msg_result(const struct dia_msg *m);

/*
 * The AVPs every Zh/Zn answer starts with: the request's Session-Id (first,
 * when it had one), Vendor-Specific-Application-Id {10415, app},
 * Auth-Session-State NO_STATE_MAINTAINED, Origin-Host, Origin-Realm.
 */
void	dia_put_answer_header(struct dia_build *d, const struct dia_msg *req,
	    uint32_t app, const char *origin_host, const char *origin_realm);

/* Common answer helpers: Result-Code / Experimental-Result { Vendor-Id,
 * Experimental-Result-Code }. A 3xxx Result-Code also sets the E bit in
 * the header (RFC 6733 §7.1.3). */
void	dia_put_result(struct dia_build *d, uint32_t result);
void	dia_put_experimental(struct dia_build *d, uint32_t vendor,
	    uint32_t result);
/* Error answer content for `err`: Result-Code, Error-Message, Failed-AVP
 * (when err->failed). The caller adds Origin-Host/Realm and Session-Id. */
void	dia_put_error(struct dia_build *d, const struct dia_error *err);

/*
 * Session-Id (RFC 6733 §8.8): "<origin-host>;<high 32>;<low 32>" with the
 * high part from the start time and the low part a counter (in decimal;
 * a low part that wraps bumps the high part). Process-wide counter, not
 * thread-safe. Writes a NUL-terminated string into `out`; returns 0 or -1
 * if it does not fit or origin_host is empty.
 */
int	dia_session_id(const char *origin_host, char *out, size_t size);

/*
 * Human-readable dump of a message for traces and debug logs: header, then
 * one line per AVP with name, flags, vendor and value by type, grouped AVPs
 * indented:
 *
 *	MAR (303) flags RP-- app 16777221 "3GPP Zh" hbh 0x00000001 ...
 *	  Session-Id (263) -M-: "bsf.home1.net;1700000000;1"
 *	  SIP-Auth-Data-Item (612/10415) VM-:
 *	    Confidentiality-Key (625/10415) VM-: [hidden] (16 octets)
 *
 * Text types quoted (non-printable octets as \xHH), numbers with enum
 * and result names, Time as ISO 8601 UTC, Address as IP text,
 * OctetString as hex (first 32 octets) or as quoted text when it is all
 * printable. DIA_DICT_SECRET values print as [hidden] unless `show_keys`.
 * Appends whole lines to `out` (capped); returns 0 or -1 when truncated.
 */
int	dia_msg_dump(const struct dia_msg *msg, struct buf *out, int show_keys);

#endif
