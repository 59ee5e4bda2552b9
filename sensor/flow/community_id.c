/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Community ID v1 (github.com/corelight/community-id-spec):
 *   "1:" base64(sha1(seed:2 saddr daddr proto:1 0:1 [sport:2 dport:2]))
 * with the endpoints ordered so that the smaller (addr, port) comes first,
 * except for one-way ICMP messages, which keep their direction. ICMP uses
 * (type, counterpart type) or (type, code) as ports.
 */
#include "flow/flow.h"

#include <netinet/in.h>
#include <string.h>

/* SHA-1 (FIPS 180-4, 6.1.2) of a message of at most 55 bytes: one block,
 * its padding and length included. A Community ID hashes 16 to 40 bytes;
 * this costs under a thousand instructions, where OpenSSL's EVP_Digest
 * took 2700 (a context allocated, provider dispatch, cleansing), once per
 * flow on its first alert or anomaly record and on its flow record. */
static void sha1_short(const uint8_t *msg, size_t n, uint8_t out[20])
{
	uint8_t blk[64];
	memset(blk, 0, sizeof(blk));
	memcpy(blk, msg, n);
	blk[n] = 0x80;
	blk[62] = (uint8_t)(n >> 5); /* the length in bits, big-endian */
	blk[63] = (uint8_t)(n << 3);
	uint32_t w[80];
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)blk[4 * i] << 24 | (uint32_t)blk[4 * i + 1] << 16 |
		       (uint32_t)blk[4 * i + 2] << 8 | blk[4 * i + 3];
	for (int i = 16; i < 80; i++) {
		uint32_t x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16];
		w[i] = x << 1 | x >> 31;
	}
	static const uint32_t h0[5] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0 };
	uint32_t a = h0[0], b = h0[1], c = h0[2], d = h0[3], e = h0[4];
	/* the four rounds of 20 steps, each with its own function and constant */
#define SHA1_STEP(f, k, i)                                                \
	do {                                                              \
		uint32_t t = (a << 5 | a >> 27) + (f) + e + (k) + w[i];   \
		e = d;                                                    \
		d = c;                                                    \
		c = b << 30 | b >> 2;                                     \
		b = a;                                                    \
		a = t;                                                    \
	} while (0)
	for (int i = 0; i < 20; i++)
		SHA1_STEP((b & c) | (~b & d), 0x5a827999u, i);
	for (int i = 20; i < 40; i++)
		SHA1_STEP(b ^ c ^ d, 0x6ed9eba1u, i);
	for (int i = 40; i < 60; i++)
		SHA1_STEP((b & c) | (b & d) | (c & d), 0x8f1bbcdcu, i);
	for (int i = 60; i < 80; i++)
		SHA1_STEP(b ^ c ^ d, 0xca62c1d6u, i);
#undef SHA1_STEP
	uint32_t h[5] = { h0[0] + a, h0[1] + b, h0[2] + c, h0[3] + d, h0[4] + e };
	for (int i = 0; i < 5; i++) {
		out[4 * i] = (uint8_t)(h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(h[i] >> 8);
		out[4 * i + 3] = (uint8_t)h[i];
	}
}

/* base64 (RFC 4648, 4) of 20 bytes: 28 characters, one '=', a NUL */
static void base64_20(const uint8_t in[20], char out[29])
{
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *o = out;
	for (int i = 0; i < 18; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		*o++ = tbl[v >> 18];
		*o++ = tbl[(v >> 12) & 63];
		*o++ = tbl[(v >> 6) & 63];
		*o++ = tbl[v & 63];
	}
	uint32_t v = (uint32_t)in[18] << 16 | (uint32_t)in[19] << 8;
	*o++ = tbl[v >> 18];
	*o++ = tbl[(v >> 12) & 63];
	*o++ = tbl[(v >> 6) & 63];
	*o++ = '=';
	*o = '\0';
}

/* Nothing to make ready any more (OpenSSL's SHA-1 was fetched here once):
 * kept for the pipeline, which calls it before the first record. */
void community_id_prepare(void)
{
}

void community_id_v1(const struct flow_key *k, uint16_t seed, char *out, size_t cap)
{
	size_t alen = k->ip_ver == 4 ? 4 : 16;
	const uint8_t *sa = k->addr[0].a, *da = k->addr[1].a;
	uint16_t sp = k->port[0], dp = k->port[1];
	bool ports = true, one_way = false;
	switch (k->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case 132: /* SCTP */
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6: {
		int cp = icmp_counterpart(k->ip_ver, (uint8_t)sp);
		if (cp >= 0 && sp == dp)
			dp = (uint16_t)cp;
		else
			one_way = true;
		break;
	}
	default:
		ports = false;
		break;
	}
	int c = memcmp(sa, da, alen);
	if (!(one_way || c < 0 || (c == 0 && ports && sp < dp))) {
		const uint8_t *t = sa;
		sa = da;
		da = t;
		uint16_t tp = sp;
		sp = dp;
		dp = tp;
	}
	uint8_t buf[2 + 16 + 16 + 2 + 4];
	size_t n = 0;
	buf[n++] = (uint8_t)(seed >> 8);
	buf[n++] = (uint8_t)seed;
	memcpy(buf + n, sa, alen);
	n += alen;
	memcpy(buf + n, da, alen);
	n += alen;
	buf[n++] = k->proto;
	buf[n++] = 0;
	if (ports) {
		buf[n++] = (uint8_t)(sp >> 8);
		buf[n++] = (uint8_t)sp;
		buf[n++] = (uint8_t)(dp >> 8);
		buf[n++] = (uint8_t)dp;
	}
	if (cap < 32) {
		if (cap)
			out[0] = '\0';
		return;
	}
	uint8_t md[20];
	sha1_short(buf, n, md);
	memcpy(out, "1:", 2);
	base64_20(md, out + 2);
}

void flow_community_id(const struct flow *f, char *out, size_t cap)
{
	community_id_v1(&f->key, 0, out, cap);
}
