/*
 * milenage_sets.h — Milenage test sets 1 to 6 of 3GPP TS 35.207/35.208
 * (document 3 "implementors' test data" / document 4 "design conformance
 * test data"), as hex text.
 *
 * Origin: the project's protocol digest GBA.md §5.2, whose vector file is
 * copied unchanged as milenage-sets-1-6.txt next to this file
 * (test_milenage.c checks that this table and that file agree). The
 * values come from two independent code bases: hostapd
 * tests/test-milenage.c ("3GPP TS 35.208 v6.0.0 - 4.3.x Test Set x") and
 * CryptoMobile test/test_Milenage.py ("testsets from 3GPP TS 35.207");
 * sets 1, 3, 4, 5 and 6 are identical in both.
 *
 * Set 2: hostapd's "4.3.2 Test Set 2" is a byte-for-byte copy of set 1 (a
 * copy-paste slip in hostapd). The set 2 below is CryptoMobile's, which
 * several other test suites agree with (GBA.md §5.2); it was not read from
 * the 3GPP document itself.
 *
 * Only included by the unit tests.
 */
#ifndef UTSTACK_TEST_MILENAGE_SETS_H
#define UTSTACK_TEST_MILENAGE_SETS_H

struct milenage_set {
	int		 set;		/* test set number */
	const char	*k;		/* K, 16 octets */
	const char	*rand;		/* RAND, 16 */
	const char	*sqn;		/* SQN, 6 */
	const char	*amf;		/* AMF, 2 */
	const char	*op;		/* OP, 16 */
	const char	*opc;		/* OPc, 16 */
	const char	*f1;		/* MAC-A, 8 */
	const char	*f1_star;	/* MAC-S, 8 */
	const char	*f2;		/* RES, 8 */
	const char	*f3;		/* CK, 16 */
	const char	*f4;		/* IK, 16 */
	const char	*f5;		/* AK, 6 */
	const char	*f5_star;	/* AK*, 6 */
};

static const struct milenage_set milenage_sets[] = {
	{
		.set = 1,
		.k = "465b5ce8b199b49faa5f0a2ee238a6bc",
		.rand = "23553cbe9637a89d218ae64dae47bf35",
		.sqn = "ff9bb4d0b607",
		.amf = "b9b9",
		.op = "cdc202d5123e20f62b6d676ac72cb318",
		.opc = "cd63cb71954a9f4e48a5994e37a02baf",
		.f1 = "4a9ffac354dfafb3",
		.f1_star = "01cfaf9ec4e871e9",
		.f2 = "a54211d5e3ba50bf",
		.f3 = "b40ba9a3c58b2a05bbf0d987b21bf8cb",
		.f4 = "f769bcd751044604127672711c6d3441",
		.f5 = "aa689c648370",
		.f5_star = "451e8beca43b",
	},
	{
		.set = 2,
		.k = "0396eb317b6d1c36f19c1c84cd6ffd16",
		.rand = "c00d603103dcee52c4478119494202e8",
		.sqn = "fd8eef40df7d",
		.amf = "af17",
		.op = "ff53bade17df5d4e793073ce9d7579fa",
		.opc = "53c15671c60a4b731c55b4a441c0bde2",
		.f1 = "5df5b31807e258b0",
		.f1_star = "a8c016e51ef4a343",
		.f2 = "d3a628ed988620f0",
		.f3 = "58c433ff7a7082acd424220f2b67c556",
		.f4 = "21a8c1f929702adb3e738488b9f5c5da",
		.f5 = "c47783995f72",
		.f5_star = "30f1197061c1",
	},
	{
		.set = 3,
		.k = "fec86ba6eb707ed08905757b1bb44b8f",
		.rand = "9f7c8d021accf4db213ccff0c7f71a6a",
		.sqn = "9d0277595ffc",
		.amf = "725c",
		.op = "dbc59adcb6f9a0ef735477b7fadf8374",
		.opc = "1006020f0a478bf6b699f15c062e42b3",
		.f1 = "9cabc3e99baf7281",
		.f1_star = "95814ba2b3044324",
		.f2 = "8011c48c0c214ed2",
		.f3 = "5dbdbb2954e8f3cde665b046179a5098",
		.f4 = "59a92d3b476a0443487055cf88b2307b",
		.f5 = "33484dc2136b",
		.f5_star = "deacdd848cc6",
	},
	{
		.set = 4,
		.k = "9e5944aea94b81165c82fbf9f32db751",
		.rand = "ce83dbc54ac0274a157c17f80d017bd6",
		.sqn = "0b604a81eca8",
		.amf = "9e09",
		.op = "223014c5806694c007ca1eeef57f004f",
		.opc = "a64a507ae1a2a98bb88eb4210135dc87",
		.f1 = "74a58220cba84c49",
		.f1_star = "ac2cc74a96871837",
		.f2 = "f365cd683cd92e96",
		.f3 = "e203edb3971574f5a94b0d61b816345d",
		.f4 = "0c4524adeac041c4dd830d20854fc46b",
		.f5 = "f0b9c08ad02e",
		.f5_star = "6085a86c6f63",
	},
	{
		.set = 5,
		.k = "4ab1deb05ca6ceb051fc98e77d026a84",
		.rand = "74b0cd6031a1c8339b2b6ce2b8c4a186",
		.sqn = "e880a1b580b6",
		.amf = "9f07",
		.op = "2d16c5cd1fdf6b22383584e3bef2a8d8",
		.opc = "dcf07cbd51855290b92a07a9891e523e",
		.f1 = "49e785dd12626ef2",
		.f1_star = "9e85790336bb3fa2",
		.f2 = "5860fc1bce351e7e",
		.f3 = "7657766b373d1c2138f307e3de9242f9",
		.f4 = "1c42e960d89b8fa99f2744e0708ccb53",
		.f5 = "31e11a609118",
		.f5_star = "fe2555e54aa9",
	},
	{
		.set = 6,
		.k = "6c38a116ac280c454f59332ee35c8c4f",
		.rand = "ee6466bc96202c5a557abbeff8babf63",
		.sqn = "414b98222181",
		.amf = "4464",
		.op = "1ba00a1a7c6700ac8c3ff3e96ad08725",
		.opc = "3803ef5363b947c6aaa225e58fae3934",
		.f1 = "078adfb488241a57",
		.f1_star = "80246b8d0186bcf1",
		.f2 = "16c8233f05a0ac28",
		.f3 = "3f8c7587fe8e4b233af676aede30ba3b",
		.f4 = "a7466cc1e6b2a1337d49d3b66e95d7b4",
		.f5 = "45b0f69ab06c",
		.f5_star = "1f53cd2b1113",
	},
};

#define MILENAGE_SETS_N	(sizeof(milenage_sets) / sizeof(milenage_sets[0]))

#endif
