/*
 * test_conf.c — config files through one option table: defaults, a good
 * file with every type, quoting, CRLF, -o overrides, the dump, and each
 * error as its own case with the exact "file:line: message" text. Files
 * are written under a mkdtemp() directory removed after each case.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "hex.h"
#include "suites.h"

struct tconf {
	char			fqdn[32];
	long long		port;
	int			tls;
	uint8_t			k[4];
	uint8_t			opaque[8];
	size_t			opaque_len;
	struct conf_addr	listen;
	struct conf_addr	peer;
	char			password[16];
	char			realm[32];
	long long		offset;
	int			unrelated;	/* not an option */
};

static const struct conf_opt opts[] = {
	CONF_OPT_STR("bsf.fqdn", struct tconf, fqdn, NULL, CONF_F_REQUIRED,
	    "the BSF's name"),
	CONF_OPT_INT("ub.port", struct tconf, port, 0, 65535, "8080", 0,
	    "Ub port"),
	CONF_OPT_BOOL("ub.tls", struct tconf, tls, "no", 0, "TLS on Ub"),
	CONF_OPT_ADDR("ub.listen", struct tconf, listen, "127.0.0.1:8080", 0,
	    "Ub listener"),
	CONF_OPT_HEX("hss.k", struct tconf, k, "00112233", CONF_F_SECRET,
	    "a key"),
	CONF_OPT_HEXV("hss.opaque", struct tconf, opaque, opaque_len, 1, NULL,
	    0, "1 to 8 octets"),
	CONF_OPT_ADDR("hss.peer", struct tconf, peer, NULL, 0, "Zh peer"),
	CONF_OPT_STR("hss.password", struct tconf, password, NULL,
	    CONF_F_SECRET, "a secret string"),
	CONF_OPT_STR("realm", struct tconf, realm, "ims.example.org", 0,
	    "a key outside any section"),
	CONF_OPT_INT("offset", struct tconf, offset, -100, 100, "-5", 0,
	    "a signed integer"),
	CONF_OPT_END
};

static char tmpdir[256], path[300];
static char err[1024];

static void
setup(void)
{
	const char *t = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/utstack-conf-XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(path, sizeof(path), "%s/bsf.conf", tmpdir);
	err[0] = '\0';
}

static void
teardown(void)
{
	unlink(path);
	rmdir(tmpdir);
}

static void
write_raw(const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(p, 1, n, f), n);
	ck_assert_int_eq(fclose(f), 0);
}

/* Defaults, then `text` as the file; returns conf_load()'s result. */
static int
load(const char *text, struct tconf *c)
{
	write_raw(text, strlen(text));
	memset(c, 0x5a, sizeof(*c));
	ck_assert_int_eq(conf_defaults(opts, c, err, sizeof(err)), 0);
	return conf_load(opts, c, path, err, sizeof(err));
}

/* Loading `text` fails with "<path>:<want>". */
static void
expect_error(const char *text, const char *want)
{
	struct tconf c;
	char full[1024];

	ck_assert_int_eq(load(text, &c), -1);
	snprintf(full, sizeof(full), "%s:%s", path, want);
	ck_assert_str_eq(err, full);
}

START_TEST(conf_defaults_applied)
{
	struct tconf c;

	memset(&c, 0x5a, sizeof(c));
	ck_assert_int_eq(conf_defaults(opts, &c, err, sizeof(err)), 0);
	ck_assert_str_eq(c.fqdn, "");
	ck_assert_int_eq(c.port, 8080);
	ck_assert_int_eq(c.tls, 0);
	ck_assert_str_eq(c.listen.host, "127.0.0.1");
	ck_assert_uint_eq(c.listen.port, 8080);
	ck_assert_hex(c.k, 4, "00112233");
	ck_assert_uint_eq(c.opaque_len, 0);
	ck_assert_hex(c.opaque, 8, "0000000000000000");
	ck_assert_str_eq(c.peer.host, "");
	ck_assert_uint_eq(c.peer.port, 0);
	ck_assert_str_eq(c.password, "");
	ck_assert_str_eq(c.realm, "ims.example.org");
	ck_assert_int_eq(c.offset, -5);
	ck_assert_int_eq(c.unrelated, 0x5a5a5a5a);	/* not touched */
}
END_TEST

START_TEST(conf_good_file)
{
	struct tconf c;

	ck_assert_int_eq(load(
	    "# utstack test config\n"
	    "; another comment style\n"
	    "\n"
	    "realm = home.example.net\n"
	    "offset=-100\n"
	    "   \t\n"
	    "[bsf]\n"
	    "  fqdn   =   bsf.ims.example.org   \n"
	    "[ub]\n"
	    "port = 65535\n"
	    "tls = on\n"
	    "\tlisten = [::1]:0\n"
	    "[hss]\n"
	    "k = 0xDEADbeef\n"
	    "opaque = 0102\n"
	    "peer = hss.example.org:3868\n"
	    "password = \"  p#ss \\\"w\\\\ \"\n", &c), 0);
	ck_assert_str_eq(err, "");
	ck_assert_str_eq(c.realm, "home.example.net");
	ck_assert_int_eq(c.offset, -100);
	ck_assert_str_eq(c.fqdn, "bsf.ims.example.org");
	ck_assert_int_eq(c.port, 65535);
	ck_assert_int_eq(c.tls, 1);
	ck_assert_str_eq(c.listen.host, "::1");
	ck_assert_uint_eq(c.listen.port, 0);
	ck_assert_hex(c.k, 4, "deadbeef");
	ck_assert_uint_eq(c.opaque_len, 2);
	ck_assert_hex(c.opaque, 8, "0102000000000000");
	ck_assert_str_eq(c.peer.host, "hss.example.org");
	ck_assert_uint_eq(c.peer.port, 3868);
	ck_assert_str_eq(c.password, "  p#ss \"w\\ ");
}
END_TEST

START_TEST(conf_dotted_keys_and_unquoted_text)
{
	struct tconf c;

	/* Full names work outside sections; '#' and '"' inside a bare
	 * value are part of it (no trailing comments). */
	ck_assert_int_eq(load(
	    "bsf.fqdn = a#b\"c\n"
	    "ub.port = +80\n"
	    "hss.opaque = 0102030405060708\n"
	    "[ub]\n"
	    "tls = TRUE\n", &c), 0);
	ck_assert_str_eq(c.fqdn, "a#b\"c");
	ck_assert_int_eq(c.port, 80);
	ck_assert_int_eq(c.tls, 1);
	ck_assert_uint_eq(c.opaque_len, 8);
	ck_assert_hex(c.opaque, 8, "0102030405060708");
}
END_TEST

static const struct {
	const char	*text;
	int		 value;
} bools[] = {
	{ "yes", 1 }, { "no", 0 }, { "true", 1 }, { "false", 0 },
	{ "on", 1 }, { "off", 0 }, { "1", 1 }, { "0", 0 }, { "Yes", 1 },
	{ "OFF", 0 },
};

START_TEST(conf_bool_values)
{
	struct tconf c;
	char text[128];

	snprintf(text, sizeof(text), "bsf.fqdn = x\nub.tls = %s\n",
	    bools[_i].text);
	ck_assert_int_eq(load(text, &c), 0);
	ck_assert_int_eq(c.tls, bools[_i].value);
}
END_TEST

START_TEST(conf_crlf)
{
	struct tconf c;

	ck_assert_int_eq(load("# windows\r\n[bsf]\r\nfqdn = bsf.example\r\n"
	    "\r\n[ub]\r\nport = 81\r\nlisten = \"0.0.0.0:81\"\r\n", &c), 0);
	ck_assert_str_eq(c.fqdn, "bsf.example");
	ck_assert_int_eq(c.port, 81);
	ck_assert_str_eq(c.listen.host, "0.0.0.0");
	ck_assert_uint_eq(c.listen.port, 81);
}
END_TEST

START_TEST(conf_no_final_newline)
{
	struct tconf c;

	ck_assert_int_eq(load("bsf.fqdn = last", &c), 0);
	ck_assert_str_eq(c.fqdn, "last");
}
END_TEST

START_TEST(conf_quoted_values)
{
	struct tconf c;

	ck_assert_int_eq(load("bsf.fqdn = \"\"\nrealm = \" # not a comment\"\n"
	    "ub.port = \"443\"\n", &c), 0);
	ck_assert_str_eq(c.fqdn, "");
	ck_assert_str_eq(c.realm, " # not a comment");
	ck_assert_int_eq(c.port, 443);
}
END_TEST

START_TEST(conf_err_out_of_range)
{
	expect_error("bsf.fqdn = x\n[ub]\n\n\n\n\n\n\n\n\n\nport = 70000\n",
	    "12: ub.port: 70000 is out of range 0..65535");
}
END_TEST

START_TEST(conf_err_out_of_range_negative)
{
	expect_error("offset = -101\n",
	    "1: offset: -101 is out of range -100..100");
}
END_TEST

START_TEST(conf_err_unknown_key)
{
	expect_error("bsf.fqdn = x\n[ub]\nprot = 80\n",
	    "3: unknown key 'ub.prot'");
}
END_TEST

START_TEST(conf_err_unknown_root_key)
{
	expect_error("fqdn = x\n", "1: unknown key 'fqdn'");
}
END_TEST

START_TEST(conf_err_duplicate_key)
{
	expect_error("bsf.fqdn = x\n[ub]\n# c\nport = 1\n\n\n"
	    "port = 2\n", "7: duplicate key 'ub.port' (first set on line 4)");
	/* The same key by its full name, and in a reopened section. */
	expect_error("ub.port = 1\n[ub]\nport = 2\n",
	    "3: duplicate key 'ub.port' (first set on line 1)");
	expect_error("[ub]\ntls = yes\n[hss]\n[ub]\ntls = no\n",
	    "5: duplicate key 'ub.tls' (first set on line 2)");
}
END_TEST

START_TEST(conf_err_expected_key_value)
{
	expect_error("bsf.fqdn = x\n\n\n\n\n\n\n\njust some words\n",
	    "9: expected 'key = value'");
}
END_TEST

START_TEST(conf_err_empty_key)
{
	expect_error(" = 5\n", "1: expected 'key = value'");
}
END_TEST

START_TEST(conf_err_key_with_space)
{
	expect_error("ub port = 5\n", "1: expected 'key = value'");
}
END_TEST

START_TEST(conf_err_unknown_section)
{
	expect_error("# x\n[nosuch]\nport = 1\n", "2: unknown section 'nosuch'");
}
END_TEST

START_TEST(conf_err_bad_section_header)
{
	expect_error("[ub\n", "1: bad section header");
	expect_error("[ub] x\n", "1: bad section header");
	expect_error("[]\n", "1: bad section header");
}
END_TEST

START_TEST(conf_err_string_too_long)
{
	/* fqdn is char[32]: 31 characters fit, 32 do not. */
	struct tconf c;

	ck_assert_int_eq(load("bsf.fqdn = 0123456789012345678901234567890\n",
	    &c), 0);
	ck_assert_uint_eq(strlen(c.fqdn), 31);
	expect_error("bsf.fqdn = 01234567890123456789012345678901\n",
	    "1: bsf.fqdn: value is too long (31 characters at most)");
}
END_TEST

START_TEST(conf_err_bad_hex)
{
	expect_error("hss.opaque = 01g2\n",
	    "1: hss.opaque: '01g2' is not 1 to 8 octets of hex");
	expect_error("hss.opaque = 012\n",
	    "1: hss.opaque: '012' is not 1 to 8 octets of hex");
	expect_error("hss.opaque = 010203040506070809\n",
	    "1: hss.opaque: '010203040506070809' is not 1 to 8 octets of hex");
	expect_error("hss.opaque =\n",
	    "1: hss.opaque: '' is not 1 to 8 octets of hex");
}
END_TEST

START_TEST(conf_err_bad_hex_secret)
{
	/* A secret is never echoed, not even when it is malformed. */
	expect_error("hss.k = 001122\n",
	    "1: hss.k: value is not 4 octets of hex");
	ck_assert_ptr_null(strstr(err, "001122"));
	expect_error("hss.k = 0011223344\n",
	    "1: hss.k: value is not 4 octets of hex");
	expect_error("hss.k = 0011zz33\n",
	    "1: hss.k: value is not 4 octets of hex");
}
END_TEST

START_TEST(conf_err_bad_number)
{
	expect_error("ub.port = abc\n", "1: ub.port: 'abc' is not a number");
	expect_error("ub.port = 80abc\n", "1: ub.port: '80abc' is not a number");
	expect_error("ub.port =\n", "1: ub.port: '' is not a number");
	expect_error("ub.port = \" 80\"\n", "1: ub.port: ' 80' is not a number");
	expect_error("ub.port = 0x50\n", "1: ub.port: '0x50' is not a number");
	expect_error("ub.port = 8 0\n", "1: ub.port: '8 0' is not a number");
}
END_TEST

START_TEST(conf_err_number_overflow)
{
	expect_error("ub.port = 99999999999999999999\n",
	    "1: ub.port: 99999999999999999999 is out of range 0..65535");
	expect_error("offset = -99999999999999999999\n",
	    "1: offset: -99999999999999999999 is out of range -100..100");
}
END_TEST

START_TEST(conf_err_bad_bool)
{
	expect_error("ub.tls = maybe\n", "1: ub.tls: 'maybe' is not a boolean "
	    "(yes/no, true/false, on/off, 1/0)");
}
END_TEST

START_TEST(conf_err_bad_addr)
{
	expect_error("ub.listen = localhost\n",
	    "1: ub.listen: 'localhost' is not host:port");
	expect_error("ub.listen = localhost:\n",
	    "1: ub.listen: 'localhost:' is not host:port");
	expect_error("ub.listen = :80\n", "1: ub.listen: ':80' is not host:port");
	expect_error("ub.listen = ::1:80\n",
	    "1: ub.listen: '::1:80' is not host:port");
	expect_error("ub.listen = [::1]80\n",
	    "1: ub.listen: '[::1]80' is not host:port");
	expect_error("ub.listen = host:8o\n",
	    "1: ub.listen: 'host:8o' is not host:port");
	expect_error("ub.listen = host:70000\n",
	    "1: ub.listen: port 70000 is out of range 0..65535");
	expect_error("ub.listen = host:-1\n",
	    "1: ub.listen: 'host:-1' is not host:port");
}
END_TEST

START_TEST(conf_line_length)
{
	static char text[CONF_LINE_MAX + 64];
	struct tconf c;
	size_t n;

	/* Exactly CONF_LINE_MAX characters (a comment) is fine, CRLF or
	 * not; one more is not. */
	memset(text, 'x', sizeof(text));
	text[0] = '#';
	n = CONF_LINE_MAX;
	memcpy(text + n, "\r\nbsf.fqdn = y\n", sizeof("\r\nbsf.fqdn = y\n"));
	ck_assert_int_eq(load(text, &c), 0);
	ck_assert_str_eq(c.fqdn, "y");

	memset(text, 'x', sizeof(text));
	text[0] = '#';
	memcpy(text + n + 1, "\nbsf.fqdn = y\n", sizeof("\nbsf.fqdn = y\n"));
	expect_error(text, "1: line too long (4096 characters at most)");
}
END_TEST

START_TEST(conf_err_nul_byte)
{
	static const char text[] = "bsf.fqdn = x\n# ok\nrealm = a\0b\n";
	struct tconf c;
	char want[1024];

	write_raw(text, sizeof(text) - 1);
	ck_assert_int_eq(conf_defaults(opts, &c, err, sizeof(err)), 0);
	ck_assert_int_eq(conf_load(opts, &c, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:3: NUL byte in line", path);
	ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(conf_err_control_char)
{
	expect_error("bsf.fqdn = x\x01y\n", "1: control character in line");
	expect_error("bsf.fqdn = x\ry\n", "1: control character in line");
}
END_TEST

START_TEST(conf_err_missing_required)
{
	expect_error("ub.port = 80\n", " missing required key 'bsf.fqdn'");
}
END_TEST

START_TEST(conf_err_quoting)
{
	expect_error("realm = \"open\n",
	    "1: realm: unterminated quoted value");
	expect_error("realm = \"a\\n\"\n",
	    "1: realm: bad escape in quoted value (only \\\" and \\\\)");
	expect_error("realm = \"a\" b\n",
	    "1: realm: unexpected text after quoted value");
}
END_TEST

START_TEST(conf_err_no_file)
{
	struct tconf c;
	char want[1024];

	ck_assert_int_eq(conf_defaults(opts, &c, err, sizeof(err)), 0);
	ck_assert_int_eq(conf_load(opts, &c, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(conf_err_file_too_large)
{
	struct tconf c;
	char want[1024], *text;
	size_t n = CONF_FILE_MAX + 1;

	text = malloc(n);
	ck_assert_ptr_nonnull(text);
	memset(text, '\n', n);
	write_raw(text, n);
	ck_assert_int_eq(conf_defaults(opts, &c, err, sizeof(err)), 0);
	ck_assert_int_eq(conf_load(opts, &c, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: file too large (%d octets at most)",
	    path, CONF_FILE_MAX);
	ck_assert_str_eq(err, want);

	/* Exactly the cap is accepted. */
	memcpy(text, "bsf.fqdn=z", 10);
	write_raw(text, n - 1);
	free(text);
	ck_assert_int_eq(conf_load(opts, &c, path, err, sizeof(err)), 0);
	ck_assert_str_eq(c.fqdn, "z");
}
END_TEST

START_TEST(conf_overrides)
{
	struct tconf c;

	ck_assert_int_eq(load("bsf.fqdn = file\nub.port = 1\n", &c), 0);
	ck_assert_int_eq(conf_set(opts, &c, "ub.port=2", err, sizeof(err)), 0);
	ck_assert_int_eq(c.port, 2);
	ck_assert_int_eq(conf_set(opts, &c, " ub.port = 3 ", err,
	    sizeof(err)), 0);
	ck_assert_int_eq(c.port, 3);	/* again: the last one wins */
	ck_assert_int_eq(conf_set(opts, &c, "bsf.fqdn=\" spaced \"", err,
	    sizeof(err)), 0);
	ck_assert_str_eq(c.fqdn, " spaced ");
	ck_assert_int_eq(conf_set(opts, &c, "realm=a=b", err, sizeof(err)), 0);
	ck_assert_str_eq(c.realm, "a=b");
	ck_assert_int_eq(conf_set(opts, &c, "hss.k=cafebabe", err,
	    sizeof(err)), 0);
	ck_assert_hex(c.k, 4, "cafebabe");
	ck_assert_int_eq(conf_set(opts, &c, "ub.listen=10.0.0.1:99", err,
	    sizeof(err)), 0);
	ck_assert_str_eq(c.listen.host, "10.0.0.1");
	ck_assert_uint_eq(c.listen.port, 99);
}
END_TEST

START_TEST(conf_override_errors)
{
	struct tconf c;

	ck_assert_int_eq(conf_defaults(opts, &c, err, sizeof(err)), 0);
	ck_assert_int_eq(conf_set(opts, &c, "ub.port=70000", err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "-o: ub.port: 70000 is out of range 0..65535");
	ck_assert_int_eq(c.port, 8080);	/* unchanged */
	ck_assert_int_eq(conf_set(opts, &c, "ub.prot=1", err, sizeof(err)),
	    -1);
	ck_assert_str_eq(err, "-o: unknown key 'ub.prot'");
	ck_assert_int_eq(conf_set(opts, &c, "ub.port", err, sizeof(err)), -1);
	ck_assert_str_eq(err, "-o: expected 'key=value'");
	ck_assert_int_eq(conf_set(opts, &c, "port=1", err, sizeof(err)), -1);
	ck_assert_str_eq(err, "-o: unknown key 'port'");
	ck_assert_int_eq(conf_set(opts, &c, "hss.k=00", err, sizeof(err)), -1);
	ck_assert_str_eq(err, "-o: hss.k: value is not 4 octets of hex");
	ck_assert_hex(c.k, 4, "00112233");	/* unchanged */
	ck_assert_int_eq(conf_set(opts, &c, "realm=\"x", err, sizeof(err)),
	    -1);
	ck_assert_str_eq(err, "-o: realm: unterminated quoted value");
	ck_assert_int_eq(conf_set(opts, &c, "realm=a\nb", err, sizeof(err)),
	    -1);
	ck_assert_str_eq(err, "-o: control character in value");
	ck_assert_str_eq(c.realm, "ims.example.org");
}
END_TEST

START_TEST(conf_hex_shrinks)
{
	struct tconf c;

	/* A shorter value leaves nothing of a longer one behind. */
	ck_assert_int_eq(load("bsf.fqdn = x\nhss.opaque = 0102030405060708\n",
	    &c), 0);
	ck_assert_int_eq(conf_set(opts, &c, "hss.opaque=ff", err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(c.opaque_len, 1);
	ck_assert_hex(c.opaque, 8, "ff00000000000000");
}
END_TEST

START_TEST(conf_dump_output)
{
	struct tconf c;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	ck_assert_int_eq(load("bsf.fqdn = bsf.example\nhss.opaque = abcd\n"
	    "hss.password = hunter2\nrealm = \" x\\\"y \"\n"
	    "hss.peer = [fe80::1]:3868\n", &c), 0);
	f = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(f);
	conf_dump(opts, &c, f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_str_eq(text,
	    "bsf.fqdn = bsf.example\n"
	    "ub.port = 8080\n"
	    "ub.tls = no\n"
	    "ub.listen = 127.0.0.1:8080\n"
	    "hss.k = [hidden]\n"
	    "hss.opaque = abcd\n"
	    "hss.peer = [fe80::1]:3868\n"
	    "hss.password = [hidden]\n"
	    "realm = \" x\\\"y \"\n"
	    "offset = -5\n");
	ck_assert_ptr_null(strstr(text, "hunter2"));
	ck_assert_ptr_null(strstr(text, "00112233"));
	free(text);
}
END_TEST

/* The dump of a table without secrets loads back to the same values. */
START_TEST(conf_dump_round_trip)
{
	static const struct conf_opt pub[] = {
		CONF_OPT_STR("a.s", struct tconf, fqdn, "\"q\" ", 0, NULL),
		CONF_OPT_STR("a.e", struct tconf, realm, NULL, 0, NULL),
		CONF_OPT_INT("a.i", struct tconf, port, -9, 9, "-9", 0, NULL),
		CONF_OPT_BOOL("a.b", struct tconf, tls, "yes", 0, NULL),
		CONF_OPT_HEXV("a.h", struct tconf, opaque, opaque_len, 0, NULL,
		    0, NULL),
		CONF_OPT_ADDR("a.l", struct tconf, listen, "[::]:1", 0, NULL),
		CONF_OPT_END
	};
	struct tconf c, d;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	ck_assert_int_eq(conf_defaults(pub, &c, err, sizeof(err)), 0);
	f = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(f);
	conf_dump(pub, &c, f);
	ck_assert_int_eq(fclose(f), 0);
	write_raw(text, len);
	free(text);
	memset(&d, 0, sizeof(d));
	ck_assert_int_eq(conf_load(pub, &d, path, err, sizeof(err)), 0);
	ck_assert_str_eq(d.fqdn, "\"q\" ");
	ck_assert_str_eq(d.realm, "");
	ck_assert_int_eq(d.port, -9);
	ck_assert_int_eq(d.tls, 1);
	ck_assert_uint_eq(d.opaque_len, 0);
	ck_assert_str_eq(d.listen.host, "::");
	ck_assert_uint_eq(d.listen.port, 1);
}
END_TEST

START_TEST(conf_bad_tables)
{
	static const struct conf_opt dup[] = {
		CONF_OPT_INT("a.x", struct tconf, port, 0, 1, NULL, 0, NULL),
		CONF_OPT_INT("a.x", struct tconf, offset, 0, 1, NULL, 0, NULL),
		CONF_OPT_END
	};
	static const struct conf_opt req_def[] = {
		CONF_OPT_STR("a.s", struct tconf, fqdn, "x", CONF_F_REQUIRED,
		    NULL),
		CONF_OPT_END
	};
	static const struct conf_opt wrong_size[] = {
		CONF_OPT_INT("a.t", struct tconf, tls, 0, 1, NULL, 0, NULL),
		CONF_OPT_END
	};
	static const struct conf_opt bad_name[] = {
		CONF_OPT_INT("a..t", struct tconf, port, 0, 1, NULL, 0, NULL),
		CONF_OPT_END
	};
	static const struct conf_opt bad_default[] = {
		CONF_OPT_INT("a.p", struct tconf, port, 0, 10, "11", 0, NULL),
		CONF_OPT_END
	};
	struct tconf c;

	ck_assert_int_eq(conf_defaults(dup, &c, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "option table: 'a.x': declared twice");
	ck_assert_int_eq(conf_defaults(req_def, &c, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "option table: 'a.s': required option with a "
	    "default");
	ck_assert_int_eq(conf_set(wrong_size, &c, "a.t=1", err, sizeof(err)),
	    -1);
	ck_assert_str_eq(err, "option table: 'a.t': integer member is not a "
	    "long long");
	ck_assert_int_eq(conf_load(bad_name, &c, path, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "option table: 'a..t': bad name");
	ck_assert_int_eq(conf_defaults(bad_default, &c, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "default: a.p: 11 is out of range 0..10");
}
END_TEST

Suite *
suite_conf(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("conf");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, conf_defaults_applied);
	tcase_add_test(tc, conf_good_file);
	tcase_add_test(tc, conf_dotted_keys_and_unquoted_text);
	tcase_add_loop_test(tc, conf_bool_values, 0,
	    (int)(sizeof(bools) / sizeof(bools[0])));
	tcase_add_test(tc, conf_crlf);
	tcase_add_test(tc, conf_no_final_newline);
	tcase_add_test(tc, conf_quoted_values);
	tcase_add_test(tc, conf_err_out_of_range);
	tcase_add_test(tc, conf_err_out_of_range_negative);
	tcase_add_test(tc, conf_err_unknown_key);
	tcase_add_test(tc, conf_err_unknown_root_key);
	tcase_add_test(tc, conf_err_duplicate_key);
	tcase_add_test(tc, conf_err_expected_key_value);
	tcase_add_test(tc, conf_err_empty_key);
	tcase_add_test(tc, conf_err_key_with_space);
	tcase_add_test(tc, conf_err_unknown_section);
	tcase_add_test(tc, conf_err_bad_section_header);
	tcase_add_test(tc, conf_err_string_too_long);
	tcase_add_test(tc, conf_err_bad_hex);
	tcase_add_test(tc, conf_err_bad_hex_secret);
	tcase_add_test(tc, conf_err_bad_number);
	tcase_add_test(tc, conf_err_number_overflow);
	tcase_add_test(tc, conf_err_bad_bool);
	tcase_add_test(tc, conf_err_bad_addr);
	tcase_add_test(tc, conf_line_length);
	tcase_add_test(tc, conf_err_nul_byte);
	tcase_add_test(tc, conf_err_control_char);
	tcase_add_test(tc, conf_err_missing_required);
	tcase_add_test(tc, conf_err_quoting);
	tcase_add_test(tc, conf_err_no_file);
	tcase_add_test(tc, conf_err_file_too_large);
	tcase_add_test(tc, conf_overrides);
	tcase_add_test(tc, conf_override_errors);
	tcase_add_test(tc, conf_hex_shrinks);
	tcase_add_test(tc, conf_dump_output);
	tcase_add_test(tc, conf_dump_round_trip);
	tcase_add_test(tc, conf_bad_tables);
	suite_add_tcase(s, tc);
	return s;
}
