/*
 * e2e.h — end-to-end test helpers: a whole stack started with
 * scripts/stack in a temporary folder (ephemeral ports, temporary
 * databases), its stack.env, programs run as a user runs them, event lines
 * waited for in the logs (never sleeps), and a Diameter client from
 * common/ for talking to Zh/Zn like a BSF or an AP.
 */
#ifndef UTSTACK_E2E_H
#define UTSTACK_E2E_H

#include <stddef.h>
#include <stdint.h>

#include <check.h>

#include "buf.h"
#include "diameter.h"

#define E2E_ENV_MAX	64
#define E2E_WAIT_MS	10000	/* longest wait for an event line */

struct e2e_stack {
	char	dir[256];
	int	n;
	char	key[E2E_ENV_MAX][32];
	char	val[E2E_ENV_MAX][512];
};

/* `scripts/stack up` in a new temporary folder, with the extra arguments
 * (NULL-terminated, may be NULL). Fails the test on error. */
void		 e2e_stack_up(struct e2e_stack *s, const char *const *args);
/*
 * Sweeping up after failed tests: a failed assertion ends the test process
 * at once (Check's fork mode), leaving its daemons running, perhaps
 * SIGSTOPped. Between e2e_sweep_setup() and e2e_sweep_teardown() (a
 * tcase's unchecked fixture, run by the parent process), every stack
 * e2e_stack_up() starts, and every daemon a test notes with
 * e2e_sweep_note(NULL, pid), is recorded; the teardown stops what is
 * still up and removes the stack folders.
 */
void		 e2e_sweep_setup(void);
void		 e2e_sweep_teardown(void);
/* Note a stack folder `dir`, or with dir NULL a daemon's `pid`. No-op
 * outside a sweep. */
void		 e2e_sweep_note(const char *dir, long pid);

/* `scripts/stack down` and remove the folder. */
void		 e2e_stack_down(struct e2e_stack *s);
/* A stack.env value (fails the test when missing). */
const char	*e2e_env(const struct e2e_stack *s, const char *key);
/* Re-read stack.env (after a test changed it). */
void		 e2e_stack_reload(struct e2e_stack *s);

/* The path of a built program: $UTSTACK_BUILD/name. Static storage. */
const char	*e2e_prog(const char *name);

struct e2e_run {
	int	status;		/* exit status, or -1 if killed */
	char	out[16384];
	char	err[8192];
};
/* Run argv (argv[0] a path) to completion, capturing output. */
void		 e2e_run(struct e2e_run *r, const char *const *argv);

/*
 * Wait until the log file `path` holds a line containing `needle` that
 * appears after byte offset `*from` (0: anywhere); on success *from moves
 * past that line and the line is copied into `line` (may be NULL).
 * Returns 0, or -1 after `ms` milliseconds (inotify; no sleeping loop).
 */
int		 e2e_wait_log(const char *path, const char *needle, long *from,
		    char *line, size_t linesz, int ms);
/* Current size of a file (to wait only for lines written after now). */
long		 e2e_log_size(const char *path);

/* JSON value of "key" in a one-line object printed by `ue --json`. */
int		 e2e_json(const char *json, const char *key, char *out,
		    size_t size);

/*
 * A Diameter client on its own event base, presenting Origin-Host `host`
 * (realm from the stack) for application `app`, connected to 127.0.0.1
 * `port`. e2e_dia_open returns NULL when the peer refused or did not open
 * within E2E_WAIT_MS.
 */
struct e2e_dia;
struct e2e_dia	*e2e_dia_open(const char *host, const char *realm, uint32_t app,
		    uint16_t port);
void		 e2e_dia_close(struct e2e_dia *d);
/* Send the request built in `msg`; return the decoded answer (caller frees
 * with dia_msg_free) or NULL on timeout/error. */
struct dia_msg	*e2e_dia_request(struct e2e_dia *d, struct buf *msg);
/* Result-Code, or the Experimental-Result-Code, of an answer (0 if none). */
uint32_t	 e2e_dia_result(const struct dia_msg *m);

/* A decoded BIA (Zn, TS 29.109 6.3.1.2). */
struct e2e_bia {
	uint32_t	result;
	uint32_t	vendor;		/* of the Experimental-Result */
	int		has_key;
	uint8_t		key[64];
	size_t		key_len;
	int		has_expiry, has_created, has_type, has_user, has_guss;
	time_t		expiry, created;
	uint32_t	gba_type;
	char		user[256];
	char		guss[16384];
};

/* A Zn client to the stack's BSF presenting Origin-Host `host`. */
struct e2e_dia	*e2e_zn_open(const struct e2e_stack *s, const char *host);
/*
 * BIR (TS 29.109 6.3.1.1, GBA.md §4.3) from `host` for `btid`, with NAF-Id
 * = `naf_fqdn` || `ua_hex` (none when naf_fqdn is NULL); the answer
 * decoded into `out`.
 */
void		 e2e_bir(struct e2e_dia *d, const struct e2e_stack *s,
		    const char *host, const char *btid, const char *naf_fqdn,
		    const char *ua_hex, struct e2e_bia *out);

/* ---- event lines with keys (tests of the AP and others) ---------------- */

#define E2E_LINE_MAX	4096

/* "key=value" as common/log writes it (quoted with \" and \\ escapes when
 * the value is empty or holds a space, '"', '=', '\' or a control
 * character). Static storage, eight at a time. */
const char	*e2e_kv(const char *key, const char *value);
/* 1 when `line` holds every string of the NULL-terminated `need`. */
int		 e2e_has_all(const char *line, const char *const *need);
/* Wait for a line of `log` after *pos holding every string of `need`
 * (need[0] the event name); *pos moves past it, the line into `line`.
 * 0, or -1 after E2E_WAIT_MS. */
int		 e2e_wait_ev(const char *log, long *pos, char *line, size_t size,
		    const char *const *need);
/* Lines of `log` after offset `from` holding every string of `need`. */
int		 e2e_count_ev(const char *log, long from,
		    const char *const *need);
/* The last line of `log` holding `what` (for failure messages); static. */
const char	*e2e_last_line(const char *log, const char *what);
/* 1 when the file holds `what` anywhere (case-insensitive). */
int		 e2e_file_has(const char *path, const char *what);

#define NEED(...)	((const char *const[]){ __VA_ARGS__, NULL })
#define ASSERT_EV(log, pos, line, ...) do {				\
	const char *const *need_ = NEED(__VA_ARGS__);			\
	ck_assert_msg(e2e_wait_ev((log), (pos), (line), sizeof(line),	\
	    need_) == 0, "no %s line with the expected keys in %s; "	\
	    "last one: %s", need_[0], (log),				\
	    e2e_last_line((log), need_[0]));				\
} while (0)

Suite		*suite_e2e_hss(void);
Suite		*suite_e2e_ue(void);
Suite		*suite_e2e_interop(void);
Suite		*suite_e2e_bsf(void);
Suite		*suite_e2e_conformance(void);
Suite		*suite_e2e_presence(void);
Suite		*suite_e2e_presence2(void);
Suite		*suite_e2e_ap(void);
Suite		*suite_e2e_ap2(void);
Suite		*suite_e2e_ue_xcap(void);

#endif
