/*
 * test_ue_crypto.c — `build/ue crypto` as a user runs it: JSON outputs
 * against the spec vectors (GBA.md §5.4, §7), and every kind of bad input
 * answered with one line on stderr and exit status 2.
 *
 * The binary is found through $UTSTACK_BUILD (set by `make check`).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suites.h"

struct run {
	int	status;		/* exit status, or -1 if killed */
	char	out[8192];
	char	err[4096];
};

static void
slurp(int fd, char *buf, size_t size)
{
	ssize_t n;
	size_t len = 0;

	lseek(fd, 0, SEEK_SET);
	while (len + 1 < size && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
}

/* Run `ue` with the NULL-terminated argv (without argv[0]). */
static void
run_ue(struct run *r, const char *const *args)
{
	const char *build = getenv("UTSTACK_BUILD");
	char path[4096], *argv[64];
	char outp[] = "/tmp/ue-out-XXXXXX", errp[] = "/tmp/ue-err-XXXXXX";
	int outfd, errfd, st, i;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/ue", build != NULL ? build : "build");
	ck_assert_msg(access(path, X_OK) == 0, "%s not built", path);
	argv[0] = path;
	for (i = 0; args[i] != NULL && i < 62; i++)
		argv[i + 1] = (char *)(uintptr_t)args[i];
	argv[i + 1] = NULL;
	outfd = mkstemp(outp);
	errfd = mkstemp(errp);
	ck_assert(outfd >= 0 && errfd >= 0);
	unlink(outp);
	unlink(errp);
	pid = fork();
	ck_assert(pid >= 0);
	if (pid == 0) {
		dup2(outfd, 1);
		dup2(errfd, 2);
		execv(path, argv);
		_exit(127);
	}
	ck_assert(waitpid(pid, &st, 0) == pid);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	slurp(outfd, r->out, sizeof(r->out));
	slurp(errfd, r->err, sizeof(r->err));
	close(outfd);
	close(errfd);
}

/* The value of "key": "..." in a one-line JSON object (no escapes needed
 * for the values compared here). */
static const char *
json_get(const char *json, const char *key, char *buf, size_t size)
{
	char pat[128];
	const char *p, *e;

	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	if ((p = strstr(json, pat)) == NULL)
		return NULL;
	p += strlen(pat);
	if (*p == '"') {
		p++;
		e = strchr(p, '"');
	} else
		e = p + strcspn(p, ",}");
	if (e == NULL || (size_t)(e - p) >= size)
		return NULL;
	memcpy(buf, p, (size_t)(e - p));
	buf[e - p] = '\0';
	return buf;
}

#define ck_json(r, key, want) do {					\
	char ck_json_buf_[1024];					\
	const char *ck_json_v_ = json_get((r)->out, (key), ck_json_buf_, \
	    sizeof(ck_json_buf_));					\
	ck_assert_msg(ck_json_v_ != NULL, "no key %s in %s", (key), (r)->out); \
	ck_assert_str_eq(ck_json_v_, (want));				\
} while (0)

/* Exactly one line on stderr, nothing on stdout, exit 2. */
static void
ck_usage_error(const struct run *r, const char *fragment)
{
	const char *nl = strchr(r->err, '\n');

	ck_assert_int_eq(r->status, 2);
	ck_assert_str_eq(r->out, "");
	ck_assert_msg(nl != NULL && nl[1] == '\0', "not one line: '%s'", r->err);
	ck_assert_msg(strstr(r->err, fragment) != NULL,
	    "'%s' does not mention '%s'", r->err, fragment);
}

/* GBA.md §7.1: Test Set 1 */
#define K1	"465b5ce8b199b49faa5f0a2ee238a6bc"
#define OP1	"cdc202d5123e20f62b6d676ac72cb318"
#define OPC1	"cd63cb71954a9f4e48a5994e37a02baf"
#define RAND1	"23553cbe9637a89d218ae64dae47bf35"
#define RES1	"a54211d5e3ba50bf"
#define CK1	"b40ba9a3c58b2a05bbf0d987b21bf8cb"
#define IK1	"f769bcd751044604127672711c6d3441"
#define IMPI1	"user1_private@home1.net"
#define CHAL1(alg) "Digest realm=\"bsf.home1.net\", " \
	"nonce=\"I1U8vpY3qJ0hiuZNrke/NVXzKLQ1d7m5Sp/6w1Tfr7M=\", " \
	"qop=\"auth-int\", algorithm=" alg ", opaque=\"5ccc069c\""
#define CNONCE1	"6629fae49393a05397450978507c4ef1"

START_TEST(milenage_set1_json)
{
	struct run r;

	run_ue(&r, (const char *[]){ "crypto", "milenage", "--json", "--k", K1,
	    "--op", OP1, "--rand", RAND1, "--sqn", "ff9bb4d0b607", "--amf",
	    "b9b9", NULL });
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out,
	    "{\"opc\": \"" OPC1 "\", \"mac_a\": \"4a9ffac354dfafb3\", "
	    "\"mac_s\": \"01cfaf9ec4e871e9\", \"res\": \"" RES1 "\", "
	    "\"ck\": \"" CK1 "\", \"ik\": \"" IK1 "\", "
	    "\"ak\": \"aa689c648370\", \"ak_star\": \"451e8beca43b\", "
	    "\"autn\": \"55f328b43577b9b94a9ffac354dfafb3\"}\n");
	ck_assert_str_eq(r.err, "");
}
END_TEST

/* Global --json before the command, OPc given, SQN and AMF default 0:
 * AUTN = AK || 0000 || MAC-A. */
START_TEST(milenage_defaults)
{
	struct run r;
	char ak[16], mac[32], autn[64];

	run_ue(&r, (const char *[]){ "--json", "crypto", "milenage", "--k", K1,
	    "--opc", OPC1, "--rand", RAND1, NULL });
	ck_assert_int_eq(r.status, 0);
	ck_json(&r, "ak", "aa689c648370");
	ck_assert_ptr_nonnull(json_get(r.out, "mac_a", mac, sizeof(mac)));
	ck_assert_ptr_nonnull(json_get(r.out, "ak", ak, sizeof(ak)));
	snprintf(autn, sizeof(autn), "%s0000%s", ak, mac);
	ck_json(&r, "autn", autn);
	ck_assert_str_ne(mac, "4a9ffac354dfafb3");	/* SQN/AMF did change it */
}
END_TEST

START_TEST(milenage_human)
{
	struct run r;

	run_ue(&r, (const char *[]){ "crypto", "milenage", "--k", K1, "--op",
	    OP1, "--rand", RAND1, NULL });
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "OPc"));
	ck_assert_ptr_nonnull(strstr(r.out, OPC1));
	ck_assert_ptr_nonnull(strstr(r.out, "AUTN"));
	ck_assert_ptr_null(strchr(r.out, '{'));
}
END_TEST

/* GBA.md §5.4: hostapd's AUTS vectors on Test Set 20. */
#define K20	"90dca4eda45b53cf0f12d7c9c3bc6a89"
#define OPC20	"cb9cccc4b9258e6dca4760379fb82581"
#define RAND20	"9fddc72092c6ad036b6e464789315b78"

START_TEST(auts_build)
{
	struct run r;

	run_ue(&r, (const char *[]){ "crypto", "auts", "--json", "--k", K20,
	    "--opc", OPC20, "--rand", RAND20, "--sqn-ms", "000000000001", NULL });
	ck_assert_int_eq(r.status, 0);
	ck_json(&r, "auts", "4f2039392ddd4bb4316ed4a14688");
	ck_json(&r, "auts_b64", "TyA5OS3dS7QxbtShRog=");
	ck_json(&r, "ak_star", "4f2039392ddc");
	ck_json(&r, "mac_s", "4bb4316ed4a14688");
}
END_TEST

START_TEST(auts_verify)
{
	struct run r;

	run_ue(&r, (const char *[]){ "crypto", "auts", "--json", "--k", K20,
	    "--opc", OPC20, "--rand", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    "--auts", "43681ad3daf006bcde405a207267", NULL });
	ck_assert_int_eq(r.status, 0);
	ck_json(&r, "mac_ok", "true");
	ck_json(&r, "sqn_ms", "00000000002a");
	/* One bit of MAC-S flipped: rejected with exit status 3. */
	run_ue(&r, (const char *[]){ "crypto", "auts", "--json", "--k", K20,
	    "--opc", OPC20, "--rand", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    "--auts", "43681ad3daf006bcde405a207266", NULL });
	ck_assert_int_eq(r.status, 3);
	ck_json(&r, "mac_ok", "false");
}
END_TEST

/* GBA.md §7.3, first NAF_Id, through the generic KDF. */
START_TEST(kdf_json)
{
	struct run r;

	run_ue(&r, (const char *[]){ "crypto", "kdf", "--json",
	    "--key", CK1 IK1, "--fc", "01", "--param", "gba-me",
	    "--param", "0x" RAND1, "--param", IMPI1,
	    "--param", "0x6e6166312e686f6d65312e6e65740100000002", NULL });
	ck_assert_int_eq(r.status, 0);
	ck_json(&r, "s", "016762612d6d65000623553cbe9637a89d218ae64dae47bf350010"
	    "75736572315f7072697661746540686f6d65312e6e657400176e6166312e686f"
	    "6d65312e6e657401000000020013");
	ck_json(&r, "derived_key",
	    "7c351b69c4910d2da5a312ad73ce3ac7be6f46165fdb9ffc3494d874aca8a501");
}
END_TEST

static const struct {
	const char *ua_id, *ks_naf, *b64;
} ks_naf_cases[] = {
	{ "0100000002",
	  "7c351b69c4910d2da5a312ad73ce3ac7be6f46165fdb9ffc3494d874aca8a501",
	  "fDUbacSRDS2loxKtc846x75vRhZf25/8NJTYdKyopQE=" },
	{ "010001002f",
	  "b84c7addb52b27169b4415b71d4001af2f39e42b264ed896b098ee3bf8d0725f",
	  "uEx63bUrJxabRBW3HUABry855CsmTtiWsJjuO/jQcl8=" },
	{ "010001008C",
	  "a3c592c41b712a2f16b392811b666d5dcda02a29a27896db8b3ca3986997b323",
	  "o8WSxBtxKi8Ws5KBG2ZtXc2gKimieJbbizyjmGmXsyM=" },
};

START_TEST(ks_naf_json)
{
	struct run r;

	run_ue(&r, (const char *[]){ "crypto", "ks-naf", "--json", "--ck", CK1,
	    "--ik", IK1, "--rand", RAND1, "--impi", IMPI1,
	    "--naf-fqdn", "naf1.home1.net", "--ua-id", ks_naf_cases[_i].ua_id,
	    NULL });
	ck_assert_int_eq(r.status, 0);
	ck_json(&r, "ks", CK1 IK1);
	ck_json(&r, "ks_naf", ks_naf_cases[_i].ks_naf);
	ck_json(&r, "ks_naf_b64", ks_naf_cases[_i].b64);
}
END_TEST

START_TEST(digest_akav1)
{
	struct run r;

	run_ue(&r, (const char *[]){ "crypto", "digest", "--json",
	    "--challenge", CHAL1("AKAv1-MD5"), "--username", IMPI1,
	    "--res", RES1, "--cnonce", CNONCE1, NULL });
	ck_assert_int_eq(r.status, 0);
	ck_json(&r, "response", "c3010b8b0c8fe3d6425a4d50b6a66ba8");
	ck_json(&r, "qop", "auth-int");
	ck_assert_ptr_nonnull(strstr(r.out, "\"authorization\": \"Digest "
	    "username=\\\"user1_private@home1.net\\\", realm="));
}
END_TEST

START_TEST(digest_akav1_header)
{
	struct run r;

	run_ue(&r, (const char *[]){ "crypto", "digest",
	    "--challenge", CHAL1("AKAv1-MD5"), "--username", IMPI1,
	    "--res", RES1, "--cnonce", CNONCE1, "--nc", "1", NULL });
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out,
	    "Digest username=\"user1_private@home1.net\", realm=\"bsf.home1.net\", "
	    "nonce=\"I1U8vpY3qJ0hiuZNrke/NVXzKLQ1d7m5Sp/6w1Tfr7M=\", uri=\"/\", "
	    "response=\"c3010b8b0c8fe3d6425a4d50b6a66ba8\", algorithm=AKAv1-MD5, "
	    "qop=auth-int, nc=00000001, cnonce=\"" CNONCE1 "\", "
	    "opaque=\"5ccc069c\"\n"));
}
END_TEST

START_TEST(digest_akav2)
{
	struct run r;

	run_ue(&r, (const char *[]){ "crypto", "digest", "--json",
	    "--challenge", CHAL1("AKAv2-MD5"), "--username", IMPI1,
	    "--res", RES1, "--ik", IK1, "--ck", CK1, "--cnonce", CNONCE1, NULL });
	ck_assert_int_eq(r.status, 0);
	ck_json(&r, "password", "shzt3q8CWaZnCAWqs3WmEQ==");
	ck_json(&r, "response", "3a912f43f0f899c2bc13e4f80281f73d");
}
END_TEST

START_TEST(digest_resync)
{
	struct run r;

	run_ue(&r, (const char *[]){ "crypto", "digest", "--json",
	    "--challenge", CHAL1("AKAv1-MD5"), "--username", IMPI1,
	    "--auts", "ba853f3c123ccf44e93596e355c6", "--cnonce", CNONCE1, NULL });
	ck_assert_int_eq(r.status, 0);
	ck_json(&r, "response", "0c6b780251d1cc17f1efdcbe83e90720");
	ck_assert_ptr_nonnull(strstr(r.out, "auts=\\\"uoU/PBI8z0TpNZbjVcY=\\\""));
}
END_TEST

/* rspauth of GBA.md §7.2: empty method, XRES, over the exact body. */
START_TEST(digest_body_rspauth)
{
	static const char body[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<BootstrappingInfo xmlns=\"uri:3gpp-gba\">\n"
	    "  <btid>I1U8vpY3qJ0hiuZNrke/NQ==@bsf.home1.net</btid>\n"
	    "  <lifetime>2004-01-09T10:13:17Z</lifetime>\n"
	    "</BootstrappingInfo>\n";
	char path[] = "/tmp/ue-body-XXXXXX";
	struct run r;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_uint_eq(sizeof(body) - 1, 199);
	ck_assert_int_eq(write(fd, body, sizeof(body) - 1), 199);
	close(fd);
	run_ue(&r, (const char *[]){ "crypto", "digest", "--json",
	    "--challenge", CHAL1("AKAv1-MD5"), "--username", IMPI1,
	    "--res", RES1, "--cnonce", CNONCE1, "--method", "", "--body", path,
	    NULL });
	unlink(path);
	ck_assert_int_eq(r.status, 0);
	ck_json(&r, "ha_body", "5a404af9d31a8f5fa97fe5d3c0d34539");
	ck_json(&r, "response", "555af6499afdd4138f23c23ab0e0a81f");
}
END_TEST

/* RFC 2617 §3.5 */
START_TEST(digest_mufasa)
{
	struct run r;

	run_ue(&r, (const char *[]){ "crypto", "digest", "--json",
	    "--challenge", "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", "
	    "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
	    "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
	    "--username", "Mufasa", "--password", "Circle Of Life",
	    "--uri", "/dir/index.html", "--qop", "auth", "--cnonce", "0a4f113b",
	    "--nc", "00000001", NULL });
	ck_assert_int_eq(r.status, 0);
	ck_json(&r, "response", "6629fae49393a05397450978507c4ef1");
	ck_json(&r, "algorithm", "MD5");
}
END_TEST

/* Bad input: one line on stderr, exit 2, never a crash. */
static const struct {
	const char	*args[16];
	const char	*says;
} bad_cases[] = {
	{ { "crypto", "milenage", "--k", "465", "--opc", OPC1, "--rand", RAND1 }, "odd number" },
	{ { "crypto", "milenage", "--k", "465b", "--opc", OPC1, "--rand", RAND1 }, "expected 16 octets" },
	{ { "crypto", "milenage", "--k", K1, "--opc", OPC1, "--rand", "x3553cbe9637a89d218ae64dae47bf35" }, "not a hex digit" },
	{ { "crypto", "milenage", "--k", K1, "--opc", OPC1, "--rand", RAND1, "--sqn", "00" }, "expected 6 octets" },
	{ { "crypto", "milenage", "--k", K1, "--opc", OPC1, "--rand", RAND1, "--frobnicate" }, "unknown option" },
	{ { "crypto", "milenage", "--k", K1, "--opc", OPC1 }, "--rand is required" },
	{ { "crypto", "milenage", "--k", K1, "--op", OP1, "--opc", OPC1, "--rand", RAND1 }, "exactly one of --op" },
	{ { "crypto", "milenage", "--k" }, "needs a value" },
	{ { "crypto", "milenage", "--k", K1, "--opc", OPC1, "--rand", RAND1, "extra" }, "unexpected argument" },
	{ { "crypto", "frob" }, "unknown command" },
	{ { "frob" }, "unknown command" },
	{ { "--frob", "crypto" }, "unknown option" },
	{ { "crypto", "auts", "--k", K20, "--opc", OPC20, "--rand", RAND20 }, "exactly one of --sqn-ms" },
	{ { "crypto", "auts", "--k", K20, "--opc", OPC20, "--rand", RAND20, "--auts", "00" }, "expected 14 octets" },
	{ { "crypto", "kdf", "--key", K1, "--fc", "ff", "--param", "x" }, "FC" },
	{ { "crypto", "kdf", "--key", K1, "--fc", "01", "--param", "0x123" }, "odd hex" },
	{ { "crypto", "kdf", "--fc", "01" }, "--key and --fc are required" },
	{ { "crypto", "ks-naf", "--ck", CK1, "--ik", IK1, "--rand", RAND1, "--impi", "j\xc3\xbcrgen@x", "--naf-fqdn", "naf", "--ua-id", "0100000002" }, "NFKC" },
	{ { "crypto", "ks-naf", "--ck", CK1, "--ik", IK1, "--rand", RAND1, "--impi", IMPI1, "--naf-fqdn", "naf", "--ua-id", "01000000" }, "expected 5 octets" },
	{ { "crypto", "digest", "--challenge", "Digest realm=\"x", "--username", "u", "--password", "p" }, "--challenge" },
	{ { "crypto", "digest", "--challenge", CHAL1("AKAv1-MD5"), "--username", "u", "--password", "p" }, "needs --res" },
	{ { "crypto", "digest", "--challenge", CHAL1("AKAv2-MD5"), "--username", "u", "--res", RES1 }, "--ik and --ck" },
	{ { "crypto", "digest", "--challenge", CHAL1("AKAv1-MD5"), "--username", "u", "--res", RES1, "--nc", "zz" }, "--nc" },
	{ { "crypto", "digest", "--challenge", CHAL1("AKAv1-MD5"), "--username", "u", "--res", RES1, "--qop", "auth" }, "does not offer" },
	{ { "crypto", "digest", "--challenge", CHAL1("AKAv1-MD5"), "--username", "u", "--res", RES1, "--body", "/nonexistent/x" }, "--body" },
	{ { "crypto", "digest", "--challenge", CHAL1("SHA-1"), "--username", "u", "--password", "p" }, "algorithm" },
};

START_TEST(bad_input)
{
	struct run r;

	run_ue(&r, bad_cases[_i].args);
	ck_usage_error(&r, bad_cases[_i].says);
}
END_TEST

Suite *
suite_ue_crypto(void)
{
	Suite *s = suite_create("ue_crypto");
	TCase *tc;

	tc = tcase_create("vectors");
	tcase_add_test(tc, milenage_set1_json);
	tcase_add_test(tc, milenage_defaults);
	tcase_add_test(tc, milenage_human);
	tcase_add_test(tc, auts_build);
	tcase_add_test(tc, auts_verify);
	tcase_add_test(tc, kdf_json);
	tcase_add_loop_test(tc, ks_naf_json, 0,
	    sizeof(ks_naf_cases) / sizeof(ks_naf_cases[0]));
	tcase_add_test(tc, digest_akav1);
	tcase_add_test(tc, digest_akav1_header);
	tcase_add_test(tc, digest_akav2);
	tcase_add_test(tc, digest_resync);
	tcase_add_test(tc, digest_body_rspauth);
	tcase_add_test(tc, digest_mufasa);
	suite_add_tcase(s, tc);

	tc = tcase_create("bad_input");
	tcase_add_loop_test(tc, bad_input, 0,
	    sizeof(bad_cases) / sizeof(bad_cases[0]));
	suite_add_tcase(s, tc);
	return s;
}
