/*
 * test_milenage.c — Milenage against the 3GPP TS 35.207/35.208 test sets
 * 1 to 6 (tests/vectors/milenage_sets.h), one loop iteration per set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "milenage.h"
#include "suites.h"

#include "milenage_sets.h"

/* A test set decoded to octets. */
struct set_bin {
	uint8_t	k[16], rand[16], sqn[6], amf[2], op[16], opc[16];
	uint8_t	f1[8], f1_star[8], f2[8], f3[16], f4[16], f5[6], f5_star[6];
};

static void
set_load(int i, struct set_bin *b)
{
	const struct milenage_set *t;

	ck_assert_int_ge(i, 0);
	ck_assert_uint_lt((size_t)i, MILENAGE_SETS_N);
	t = &milenage_sets[i];
	test_unhex(t->k, b->k, sizeof(b->k));
	test_unhex(t->rand, b->rand, sizeof(b->rand));
	test_unhex(t->sqn, b->sqn, sizeof(b->sqn));
	test_unhex(t->amf, b->amf, sizeof(b->amf));
	test_unhex(t->op, b->op, sizeof(b->op));
	test_unhex(t->opc, b->opc, sizeof(b->opc));
	test_unhex(t->f1, b->f1, sizeof(b->f1));
	test_unhex(t->f1_star, b->f1_star, sizeof(b->f1_star));
	test_unhex(t->f2, b->f2, sizeof(b->f2));
	test_unhex(t->f3, b->f3, sizeof(b->f3));
	test_unhex(t->f4, b->f4, sizeof(b->f4));
	test_unhex(t->f5, b->f5, sizeof(b->f5));
	test_unhex(t->f5_star, b->f5_star, sizeof(b->f5_star));
}

/* OPc = E_K(OP) ^ OP */
START_TEST(test_set_opc)
{
	const struct milenage_set *t = &milenage_sets[_i];
	struct set_bin b;
	uint8_t opc[16];

	set_load(_i, &b);
	milenage_opc(b.k, b.op, opc);
	ck_assert_hex(opc, 16, t->opc);

	/* In place, as a provisioning tool converting OP to OPc would. */
	memcpy(opc, b.op, 16);
	milenage_opc(b.k, opc, opc);
	ck_assert_hex(opc, 16, t->opc);
}
END_TEST

/* f1, f1*, f2, f3, f4, f5, f5* one by one. */
START_TEST(test_set_functions)
{
	const struct milenage_set *t = &milenage_sets[_i];
	struct set_bin b;
	struct milenage m;
	uint8_t mac_a[8], mac_s[8], res[8], ck[16], ik[16], ak[6], ak_star[6];

	set_load(_i, &b);
	milenage_init(&m, b.k, b.opc);

	milenage_f1(&m, b.rand, b.sqn, b.amf, mac_a, mac_s);
	ck_assert_hex(mac_a, 8, t->f1);
	ck_assert_hex(mac_s, 8, t->f1_star);

	milenage_f2345(&m, b.rand, res, ck, ik, ak, ak_star);
	ck_assert_hex(res, 8, t->f2);
	ck_assert_hex(ck, 16, t->f3);
	ck_assert_hex(ik, 16, t->f4);
	ck_assert_hex(ak, 6, t->f5);
	ck_assert_hex(ak_star, 6, t->f5_star);

	milenage_clear(&m);
}
END_TEST

/* milenage_all agrees with the set and with f1/f2345. */
START_TEST(test_set_all)
{
	const struct milenage_set *t = &milenage_sets[_i];
	struct set_bin b;
	struct milenage m;
	struct milenage_out o;
	uint8_t mac_a[8], mac_s[8], res[8], ck[16], ik[16], ak[6], ak_star[6];

	set_load(_i, &b);
	milenage_init(&m, b.k, b.opc);
	memset(&o, 0xa5, sizeof(o));
	milenage_all(&m, b.rand, b.sqn, b.amf, &o);
	ck_assert_hex(o.mac_a, 8, t->f1);
	ck_assert_hex(o.mac_s, 8, t->f1_star);
	ck_assert_hex(o.res, 8, t->f2);
	ck_assert_hex(o.ck, 16, t->f3);
	ck_assert_hex(o.ik, 16, t->f4);
	ck_assert_hex(o.ak, 6, t->f5);
	ck_assert_hex(o.ak_star, 6, t->f5_star);

	milenage_f1(&m, b.rand, b.sqn, b.amf, mac_a, mac_s);
	milenage_f2345(&m, b.rand, res, ck, ik, ak, ak_star);
	ck_assert_mem_eq(o.mac_a, mac_a, 8);
	ck_assert_mem_eq(o.mac_s, mac_s, 8);
	ck_assert_mem_eq(o.res, res, 8);
	ck_assert_mem_eq(o.ck, ck, 16);
	ck_assert_mem_eq(o.ik, ik, 16);
	ck_assert_mem_eq(o.ak, ak, 6);
	ck_assert_mem_eq(o.ak_star, ak_star, 6);
	milenage_clear(&m);
}
END_TEST

/* The step-wise API (TEMP once) gives the same values. */
START_TEST(test_set_from_temp)
{
	const struct milenage_set *t = &milenage_sets[_i];
	struct set_bin b;
	struct milenage m;
	uint8_t temp[16], mac_a[8], mac_s[8], res[8], ck[16], ik[16];
	uint8_t ak[6], ak_star[6];

	set_load(_i, &b);
	milenage_init(&m, b.k, b.opc);
	milenage_temp(&m, b.rand, temp);
	milenage_f1_from_temp(&m, temp, b.sqn, b.amf, mac_a, mac_s);
	milenage_f2345_from_temp(&m, temp, res, ck, ik, ak, ak_star);
	ck_assert_hex(mac_a, 8, t->f1);
	ck_assert_hex(mac_s, 8, t->f1_star);
	ck_assert_hex(res, 8, t->f2);
	ck_assert_hex(ck, 16, t->f3);
	ck_assert_hex(ik, 16, t->f4);
	ck_assert_hex(ak, 6, t->f5);
	ck_assert_hex(ak_star, 6, t->f5_star);
	milenage_clear(&m);
}
END_TEST

/*
 * Each output alone (the others NULL) is still right: the AES operation of
 * every OUTk is skipped or done independently of the others.
 */
START_TEST(test_set_single_outputs)
{
	const struct milenage_set *t = &milenage_sets[_i];
	struct set_bin b;
	struct milenage m;
	uint8_t mac[8], res[8], ck[16], ik[16], ak[6], ak_star[6];

	set_load(_i, &b);
	milenage_init(&m, b.k, b.opc);

	milenage_f1(&m, b.rand, b.sqn, b.amf, mac, NULL);
	ck_assert_hex(mac, 8, t->f1);
	milenage_f1(&m, b.rand, b.sqn, b.amf, NULL, mac);
	ck_assert_hex(mac, 8, t->f1_star);

	milenage_f2345(&m, b.rand, res, NULL, NULL, NULL, NULL);
	ck_assert_hex(res, 8, t->f2);
	milenage_f2345(&m, b.rand, NULL, ck, NULL, NULL, NULL);
	ck_assert_hex(ck, 16, t->f3);
	milenage_f2345(&m, b.rand, NULL, NULL, ik, NULL, NULL);
	ck_assert_hex(ik, 16, t->f4);
	milenage_f2345(&m, b.rand, NULL, NULL, NULL, ak, NULL);
	ck_assert_hex(ak, 6, t->f5);
	milenage_f2345(&m, b.rand, NULL, NULL, NULL, NULL, ak_star);
	ck_assert_hex(ak_star, 6, t->f5_star);
	milenage_clear(&m);
}
END_TEST
/* The table's value for the vector file's field `name` (n octets), or NULL. */
static const char *
set_field(const struct milenage_set *t, const char *name, size_t n)
{
	static const char *const names[] = {
		"K", "RAND", "SQN", "AMF", "OP", "OPc",
		"f1", "f1*", "f2", "f3", "f4", "f5", "f5*"
	};
	const char *const vals[] = {
		t->k, t->rand, t->sqn, t->amf, t->op, t->opc,
		t->f1, t->f1_star, t->f2, t->f3, t->f4, t->f5, t->f5_star
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == n && strncmp(names[i], name, n) == 0)
			return vals[i];
	return NULL;
}

/*
 * The C table is a faithful copy of the vector file: every "NAME = hex" of
 * every "Test set N" block in milenage-sets-1-6.txt equals the table entry.
 * UTSTACK_VECTORS names the folder (make check sets it); the default is the
 * repository-relative path, for runs from the top of the tree.
 */
START_TEST(test_table_matches_file)
{
	const struct milenage_set *t = NULL;
	const char *dir, *p, *name, *want;
	char path[4096], line[512];
	size_t nfields = 0, nsets = 0, n;
	FILE *f;
	int set, r;

	if ((dir = getenv("UTSTACK_VECTORS")) == NULL)
		dir = "tests/vectors";
	r = snprintf(path, sizeof(path), "%s/milenage-sets-1-6.txt", dir);
	ck_assert(r > 0 && (size_t)r < sizeof(path));
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s (set UTSTACK_VECTORS)", path);

	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (sscanf(line, "Test set %d", &set) == 1) {
			ck_assert_int_ge(set, 1);
			ck_assert_uint_le((size_t)set, MILENAGE_SETS_N);
			t = &milenage_sets[set - 1];
			ck_assert_int_eq(t->set, set);
			nsets++;
			continue;
		}
		/* "  NAME  = hex" */
		p = line + strspn(line, " ");
		if (*p == '\0')
			continue;
		name = p;
		n = strcspn(p, " =");
		p += n;
		p += strspn(p, " ");
		ck_assert_msg(*p == '=', "unexpected line '%s'", line);
		ck_assert_msg(t != NULL, "value before a set header: '%s'", line);
		want = set_field(t, name, n);
		ck_assert_msg(want != NULL, "unknown field in '%s'", line);
		ck_assert_str_eq(p + 1 + strspn(p + 1, " "), want);
		nfields++;
	}
	fclose(f);
	ck_assert_uint_eq(nsets, MILENAGE_SETS_N);
	ck_assert_uint_eq(nfields, MILENAGE_SETS_N * 13);
	/* Set 2 is CryptoMobile's, not hostapd's copy of set 1. */
	ck_assert_str_ne(milenage_sets[0].k, milenage_sets[1].k);
}
END_TEST

/* milenage_clear wipes K's schedule and OPc, and takes NULL. */
START_TEST(test_clear)
{
	static const uint8_t zero[sizeof(struct milenage)];
	struct set_bin b;
	struct milenage m;

	set_load(0, &b);
	milenage_init(&m, b.k, b.opc);
	ck_assert(memcmp(&m, zero, sizeof(m)) != 0);
	milenage_clear(&m);
	ck_assert_mem_eq(&m, zero, sizeof(m));
	milenage_clear(NULL);
}
END_TEST

/*
 * TEMP = E_K(RAND ^ OPc), checked with AES straight from crypto.h; asking
 * for no output at all is allowed and harmless.
 */
START_TEST(test_temp)
{
	struct set_bin b;
	struct milenage m;
	struct crypto_aes128 aes;
	uint8_t temp[16], x[16], want[16];
	int i;

	set_load(0, &b);
	for (i = 0; i < 16; i++)
		x[i] = b.rand[i] ^ b.opc[i];
	crypto_aes128_init(&aes, b.k);
	crypto_aes128_encrypt(&aes, x, want);
	crypto_aes128_clear(&aes);

	milenage_init(&m, b.k, b.opc);
	milenage_temp(&m, b.rand, temp);
	ck_assert_mem_eq(temp, want, 16);

	milenage_f1(&m, b.rand, b.sqn, b.amf, NULL, NULL);
	milenage_f2345(&m, b.rand, NULL, NULL, NULL, NULL, NULL);
	milenage_f1_from_temp(&m, temp, b.sqn, b.amf, NULL, NULL);
	milenage_f2345_from_temp(&m, temp, NULL, NULL, NULL, NULL, NULL);
	milenage_clear(&m);
}
END_TEST

Suite *
suite_milenage(void)
{
	Suite *s = suite_create("milenage");
	TCase *tc;
	int n = (int)MILENAGE_SETS_N;

	/* One loop iteration per test set. */
	tc = tcase_create("sets");
	tcase_add_loop_test(tc, test_set_opc, 0, n);
	tcase_add_loop_test(tc, test_set_functions, 0, n);
	tcase_add_loop_test(tc, test_set_all, 0, n);
	tcase_add_loop_test(tc, test_set_from_temp, 0, n);
	tcase_add_loop_test(tc, test_set_single_outputs, 0, n);
	suite_add_tcase(s, tc);

	tc = tcase_create("vectors");
	tcase_add_test(tc, test_table_matches_file);
	suite_add_tcase(s, tc);

	tc = tcase_create("api");
	tcase_add_test(tc, test_clear);
	tcase_add_test(tc, test_temp);
	suite_add_tcase(s, tc);
	return s;
}
