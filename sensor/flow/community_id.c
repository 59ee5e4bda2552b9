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
#include <openssl/evp.h>
#include <pthread.h>
#include <string.h>

/* SHA-1 fetched once: EVP_sha1() looks the algorithm up in the provider
 * store on every digest (about half the cost of one Community ID), and
 * the first lookup initialises OpenSSL (about 2 million instructions). The
 * reference is kept for the life of the process. */
static EVP_MD *sha1_md;
static pthread_once_t sha1_once = PTHREAD_ONCE_INIT;

static void sha1_fetch(void)
{
	sha1_md = EVP_MD_fetch(NULL, "SHA1", NULL);
}

void community_id_prepare(void)
{
	pthread_once(&sha1_once, sha1_fetch);
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
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	community_id_prepare();
	if (cap < 32 || !EVP_Digest(buf, n, md, &mdlen, sha1_md ? sha1_md : EVP_sha1(), NULL) ||
	    mdlen != 20) {
		if (cap)
			out[0] = '\0';
		return;
	}
	memcpy(out, "1:", 2);
	EVP_EncodeBlock((unsigned char *)out + 2, md, 20); /* 28 chars + NUL */
}

void flow_community_id(const struct flow *f, char *out, size_t cap)
{
	community_id_v1(&f->key, 0, out, cap);
}
