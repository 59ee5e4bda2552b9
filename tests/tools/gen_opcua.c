/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigil-gen opcua: OPC UA binary (OPC 10000-6) between an HMI and SCADA
 * masters and an OPC UA server, every operation rules/opcua.rules describe
 * from a rogue host, a signed and an encrypted channel, reverse connect, a
 * non-standard port, a connection picked up mid-stream, and one flow per
 * group of the parser's events, hostile lengths included.
 *
 * Plant: masters 10.0.0.2-.4, OPC UA servers 10.0.0.60-.62, the rogue host
 * 10.0.1.66 (outside $ICS_NET and $ICS_MASTERS), an office host
 * 192.168.1.20. Test tool.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "gen.h"

/* one OPC UA connection as both ends see it */
struct ua {
	struct sess *s;
	int cdir;          /* direction of the UA client's chunks */
	uint32_t channel, token;
	uint32_t seq[2];   /* next sequence number per direction */
	uint32_t rid;      /* next request id */
	uint32_t handle;   /* next request handle */
	const char *policy;
};

#define POLICY(p) "http://opcfoundation.org/UA/SecurityPolicy#" p
#define DATETIME 0x01da1e5a3c000000ull /* 2023-11-14 in 100 ns since 1601 */

static struct buf body, resp, msg;

static void b_le64(struct buf *b, uint64_t v)
{
	b_le32(b, (uint32_t)v);
	b_le32(b, (uint32_t)(v >> 32));
}

static void b_double(struct buf *b, double d)
{
	uint64_t v;
	memcpy(&v, &d, 8);
	b_le64(b, v);
}

/* String: NULL is the null string (-1) */
static void b_ua_str(struct buf *b, const char *s)
{
	if (!s) {
		b_le32(b, 0xffffffffu);
		return;
	}
	b_le32(b, (uint32_t)strlen(s));
	b_str(b, s);
}

static void b_ua_bytes(struct buf *b, uint8_t fill, size_t n)
{
	b_le32(b, (uint32_t)n);
	for (size_t i = 0; i < n; i++)
		b_u8(b, (uint8_t)(fill + i * 7));
}

/* NodeId, numeric, in its shortest encoding (5.2.2.9) */
static void nid(struct buf *b, unsigned ns, uint32_t id)
{
	if (ns == 0 && id < 256) {
		b_u8(b, 0x00);
		b_u8(b, id);
	} else if (ns < 256 && id < 65536) {
		b_u8(b, 0x01);
		b_u8(b, ns);
		b_le16(b, id);
	} else {
		b_u8(b, 0x02);
		b_le16(b, ns);
		b_le32(b, id);
	}
}

static void nid_str(struct buf *b, unsigned ns, const char *s)
{
	b_u8(b, 0x03);
	b_le16(b, ns);
	b_ua_str(b, s);
}

/* the TypeId of a service's binary encoding */
static void type_id(struct buf *b, uint32_t id)
{
	nid(b, 0, id);
}

static void req_hdr(struct buf *b, struct ua *u)
{
	b_u8(b, 0x05); /* authenticationToken: an opaque NodeId */
	b_le16(b, 0);
	b_ua_bytes(b, 0xa0, 16);
	b_le64(b, DATETIME);
	b_le32(b, u->handle++);
	b_le32(b, 0);                /* returnDiagnostics */
	b_ua_str(b, NULL);           /* auditEntryId */
	b_le32(b, 10000);            /* timeoutHint */
	b_u8(b, 0); b_u8(b, 0); b_u8(b, 0); /* additionalHeader: none */
}

static void resp_hdr(struct buf *b, uint32_t handle, uint32_t status)
{
	b_le64(b, DATETIME + 10000);
	b_le32(b, handle);
	b_le32(b, status);
	b_u8(b, 0);                  /* serviceDiagnostics */
	b_le32(b, 0);                /* stringTable */
	b_u8(b, 0); b_u8(b, 0); b_u8(b, 0);
}

/* ---- chunks ------------------------------------------------------------------ */

static void put_size(struct buf *b)
{
	uint32_t n = (uint32_t)b->n;
	b->b[4] = (uint8_t)n;
	b->b[5] = (uint8_t)(n >> 8);
	b->b[6] = (uint8_t)(n >> 16);
	b->b[7] = (uint8_t)(n >> 24);
}

static void hdr(struct buf *b, const char *type, char chunk)
{
	b_reset(b);
	b_str(b, type);
	b_u8(b, (uint8_t)chunk);
	b_le32(b, 0);
}

/* MSG/CLO chunk around bd, sent in dir */
static void sym(struct ua *u, int dir, const char *type, char chunk, uint32_t rid,
		const struct buf *bd)
{
	hdr(&msg, type, chunk);
	b_le32(&msg, u->channel);
	b_le32(&msg, u->token);
	b_le32(&msg, u->seq[dir]++);
	b_le32(&msg, rid);
	b_bytes(&msg, bd->b, bd->n);
	put_size(&msg);
	tcp_send(u->s, dir, msg.b, msg.n);
}

/* OPN in clear (policy None) */
static void opn(struct ua *u, int dir, uint32_t channel, uint32_t rid, const struct buf *bd)
{
	hdr(&msg, "OPN", 'F');
	b_le32(&msg, channel);
	b_ua_str(&msg, u->policy);
	b_le32(&msg, 0xffffffffu); /* senderCertificate */
	b_le32(&msg, 0xffffffffu); /* receiverCertificateThumbprint */
	b_le32(&msg, u->seq[dir]++);
	b_le32(&msg, rid);
	b_bytes(&msg, bd->b, bd->n);
	put_size(&msg);
	tcp_send(u->s, dir, msg.b, msg.n);
}

/* OPN of a secured policy: certificate, thumbprint, then n bytes of
 * ciphertext (sequence header and body, asymmetrically encrypted) */
static void opn_sealed(struct ua *u, int dir, uint32_t channel, size_t n)
{
	hdr(&msg, "OPN", 'F');
	b_le32(&msg, channel);
	b_ua_str(&msg, u->policy);
	b_ua_bytes(&msg, 0x30, 900);
	b_ua_bytes(&msg, 0x11, 20);
	for (size_t i = 0; i < n; i++)
		b_u8(&msg, (uint8_t)gen_rand(u->s->g));
	put_size(&msg);
	tcp_send(u->s, dir, msg.b, msg.n);
}

/* request from the client, then the server's response (resp built by the
 * caller, or none) */
static void xchg(struct ua *u, const struct buf *rq, const struct buf *rs)
{
	uint32_t rid = u->rid++;
	sym(u, u->cdir, "MSG", 'F', rid, rq);
	if (rs)
		sym(u, !u->cdir, "MSG", 'F', rid, rs);
	tcp_ack(u->s, rs ? u->cdir : !u->cdir);
}

/* ---- services (OPC 10000-4) ------------------------------------------------- */

static void hel(struct ua *u, uint32_t rbs, uint32_t sbs, uint32_t max_msg, uint32_t max_chunks,
		const char *url)
{
	hdr(&msg, "HEL", 'F');
	b_le32(&msg, 0);
	b_le32(&msg, rbs);
	b_le32(&msg, sbs);
	b_le32(&msg, max_msg);
	b_le32(&msg, max_chunks);
	b_ua_str(&msg, url);
	put_size(&msg);
	tcp_send(u->s, u->cdir, msg.b, msg.n);
}

static void ack(struct ua *u, uint32_t rbs, uint32_t sbs, uint32_t max_msg, uint32_t max_chunks)
{
	hdr(&msg, "ACK", 'F');
	b_le32(&msg, 0);
	b_le32(&msg, rbs);
	b_le32(&msg, sbs);
	b_le32(&msg, max_msg);
	b_le32(&msg, max_chunks);
	put_size(&msg);
	tcp_send(u->s, !u->cdir, msg.b, msg.n);
}

static void hello(struct ua *u, const char *url)
{
	hel(u, 65535, 65535, 0, 0, url);
	ack(u, 65535, 65535, 0, 0);
}

/* OpenSecureChannel with the policy None: request (issue or renew) and
 * the response issuing token */
static void open_none(struct ua *u, uint32_t request_type, uint32_t mode, uint32_t channel,
		      uint32_t token)
{
	uint32_t rid = u->rid++;
	uint32_t h = u->handle;
	b_reset(&body);
	type_id(&body, 446);
	req_hdr(&body, u);
	b_le32(&body, 0);            /* clientProtocolVersion */
	b_le32(&body, request_type); /* 0 issue, 1 renew */
	b_le32(&body, mode);
	b_le32(&body, 0);            /* clientNonce: empty */
	b_le32(&body, 600000);       /* requestedLifetime */
	opn(u, u->cdir, request_type ? u->channel : 0, rid, &body);
	b_reset(&body);
	type_id(&body, 449);
	resp_hdr(&body, h, 0);
	b_le32(&body, 0);            /* serverProtocolVersion */
	b_le32(&body, channel);
	b_le32(&body, token);
	b_le64(&body, DATETIME);
	b_le32(&body, 600000);
	b_le32(&body, 0);            /* serverNonce */
	opn(u, !u->cdir, channel, rid, &body);
	tcp_ack(u->s, u->cdir);
	u->channel = channel;
	u->token = token;
}

static void simple_resp(struct buf *b, uint32_t id, uint32_t handle, uint32_t status)
{
	b_reset(b);
	type_id(b, id);
	resp_hdr(b, handle, status);
	b_le32(b, 0); /* results, diagnosticInfos: empty */
	b_le32(b, 0);
}

static void get_endpoints(struct ua *u, const char *url)
{
	uint32_t h = u->handle;
	b_reset(&body);
	type_id(&body, 428);
	req_hdr(&body, u);
	b_ua_str(&body, url);
	b_le32(&body, 0xffffffffu);  /* localeIds */
	b_le32(&body, 0xffffffffu);  /* profileUris */
	b_reset(&resp);
	type_id(&resp, 431);
	resp_hdr(&resp, h, 0);
	b_le32(&resp, 1);            /* one EndpointDescription */
	b_ua_str(&resp, url);
	b_ua_str(&resp, "urn:vigil:plc-gateway");
	b_ua_str(&resp, NULL);
	b_u8(&resp, 0x02);
	b_ua_str(&resp, "PLC gateway");
	b_le32(&resp, 2);
	b_ua_str(&resp, NULL); b_ua_str(&resp, NULL); b_le32(&resp, 0);
	b_le32(&resp, 0xffffffffu);  /* serverCertificate */
	b_le32(&resp, 1);            /* securityMode None */
	b_ua_str(&resp, POLICY("None"));
	b_le32(&resp, 0);
	b_ua_str(&resp, "http://opcfoundation.org/UA-Profile/Transport/uatcp-uasc-uabinary");
	b_u8(&resp, 0);
	xchg(u, &body, &resp);
}

static void create_session(struct ua *u, const char *app_uri, const char *url, const char *name)
{
	uint32_t h = u->handle;
	b_reset(&body);
	type_id(&body, 461);
	req_hdr(&body, u);
	b_ua_str(&body, app_uri);
	b_ua_str(&body, "urn:vigil:product");
	b_u8(&body, 0x02);
	b_ua_str(&body, "HMI");
	b_le32(&body, 1);            /* applicationType Client */
	b_ua_str(&body, NULL);
	b_ua_str(&body, NULL);
	b_le32(&body, 0xffffffffu);
	b_ua_str(&body, NULL);       /* serverUri */
	b_ua_str(&body, url);
	b_ua_str(&body, name);
	b_ua_bytes(&body, 0x42, 32); /* clientNonce */
	b_le32(&body, 0xffffffffu);  /* clientCertificate */
	b_double(&body, 1200000.0);
	b_le32(&body, 0);
	b_reset(&resp);
	type_id(&resp, 464);
	resp_hdr(&resp, h, 0);
	nid(&resp, 1, 0x4000 + u->handle);  /* sessionId */
	b_u8(&resp, 0x05);                  /* authenticationToken */
	b_le16(&resp, 0);
	b_ua_bytes(&resp, 0xa0, 16);
	b_double(&resp, 1200000.0);
	b_ua_bytes(&resp, 0x55, 32);
	b_le32(&resp, 0xffffffffu);
	b_le32(&resp, 0);
	b_le32(&resp, 0);
	b_ua_str(&resp, NULL);
	b_le32(&resp, 0xffffffffu);
	b_le32(&resp, 0);
	xchg(u, &body, &resp);
}

enum { ID_ANON, ID_USER, ID_NULL };

/* ActivateSession; the answer: an ActivateSessionResponse when status is
 * Good, a ServiceFault otherwise */
static void activate(struct ua *u, int kind, const char *user, const char *password,
		     uint32_t status)
{
	uint32_t h = u->handle;
	b_reset(&body);
	type_id(&body, 467);
	req_hdr(&body, u);
	b_ua_str(&body, NULL);       /* clientSignature */
	b_le32(&body, 0xffffffffu);
	b_le32(&body, 0);            /* clientSoftwareCertificates */
	b_le32(&body, 1);            /* localeIds */
	b_ua_str(&body, "en");
	static struct buf tok;
	b_reset(&tok);
	if (kind == ID_ANON) {
		type_id(&body, 321);
		b_u8(&body, 1);
		b_ua_str(&tok, "anonymous");
	} else if (kind == ID_USER) {
		type_id(&body, 324);
		b_u8(&body, 1);
		b_ua_str(&tok, "username_basic256");
		b_ua_str(&tok, user);
		b_ua_str(&tok, password); /* a real client encrypts it; never logged */
		b_ua_str(&tok, NULL);
	} else {
		type_id(&body, 0);        /* a null token: anonymous too */
		b_u8(&body, 0);
	}
	if (tok.n) {
		b_le32(&body, (uint32_t)tok.n);
		b_bytes(&body, tok.b, tok.n);
	}
	b_ua_str(&body, NULL);       /* userTokenSignature */
	b_le32(&body, 0xffffffffu);
	if (status == 0) {
		b_reset(&resp);
		type_id(&resp, 470);
		resp_hdr(&resp, h, 0);
		b_ua_bytes(&resp, 0x66, 32);
		b_le32(&resp, 0);
		b_le32(&resp, 0);
	} else {
		simple_resp(&resp, 397, h, status);
		resp.n -= 8; /* a ServiceFault is its header alone */
	}
	xchg(u, &body, &resp);
}

struct node {
	unsigned ns;
	const char *s; /* string identifier, or NULL: numeric i */
	uint32_t i;
};

static void node(struct buf *b, const struct node *n)
{
	if (n->s)
		nid_str(b, n->ns, n->s);
	else
		nid(b, n->ns, n->i);
}

static void read_nodes(struct ua *u, const struct node *nodes, unsigned n)
{
	uint32_t h = u->handle;
	b_reset(&body);
	type_id(&body, 631);
	req_hdr(&body, u);
	b_double(&body, 0);
	b_le32(&body, 2);            /* timestampsToReturn Both */
	b_le32(&body, n);
	for (unsigned i = 0; i < n; i++) {
		node(&body, &nodes[i]);
		b_le32(&body, 13);   /* Value */
		b_ua_str(&body, NULL);
		b_le16(&body, 0);
		b_ua_str(&body, NULL);
	}
	b_reset(&resp);
	type_id(&resp, 634);
	resp_hdr(&resp, h, 0);
	b_le32(&resp, n);
	for (unsigned i = 0; i < n; i++) {
		b_u8(&resp, 0x05);   /* value and source timestamp */
		b_u8(&resp, 11);
		b_double(&resp, 10.0 + i);
		b_le64(&resp, DATETIME);
	}
	b_le32(&resp, 0);
	xchg(u, &body, &resp);
}

/* where write_body put the item count */
static size_t write_count_at;

/* WriteRequest of one Double per node to attribute attr */
static void write_body(struct buf *b, struct ua *u, const struct node *nodes, unsigned n,
		       uint32_t attr, double v)
{
	b_reset(b);
	type_id(b, 673);
	req_hdr(b, u);
	write_count_at = b->n;
	b_le32(b, n);
	for (unsigned i = 0; i < n; i++) {
		node(b, &nodes[i]);
		b_le32(b, attr);
		b_ua_str(b, NULL);
		b_u8(b, 0x01);       /* DataValue: value */
		if (attr == 13) {
			b_u8(b, 11); /* Double */
			b_double(b, v + i);
		} else {
			b_u8(b, 3);  /* Byte: AccessLevel and the like */
			b_u8(b, 3);
		}
	}
}

static void write_nodes(struct ua *u, const struct node *nodes, unsigned n, uint32_t attr,
			double v, uint32_t status)
{
	uint32_t h = u->handle;
	write_body(&body, u, nodes, n, attr, v);
	b_reset(&resp);
	type_id(&resp, 676);
	resp_hdr(&resp, h, status);
	b_le32(&resp, n);
	for (unsigned i = 0; i < n; i++)
		b_le32(&resp, status);
	b_le32(&resp, 0);
	xchg(u, &body, &resp);
}

static void call(struct ua *u, const struct node *obj, const struct node *method, uint32_t arg)
{
	uint32_t h = u->handle;
	b_reset(&body);
	type_id(&body, 712);
	req_hdr(&body, u);
	b_le32(&body, 1);
	node(&body, obj);
	node(&body, method);
	b_le32(&body, 1);            /* inputArguments */
	b_u8(&body, 7);              /* UInt32 */
	b_le32(&body, arg);
	b_reset(&resp);
	type_id(&resp, 715);
	resp_hdr(&resp, h, 0);
	b_le32(&resp, 1);
	b_le32(&resp, 0);            /* statusCode */
	b_le32(&resp, 0);            /* inputArgumentResults */
	b_le32(&resp, 0);
	b_le32(&resp, 0);            /* outputArguments */
	b_le32(&resp, 0);
	xchg(u, &body, &resp);
}

static void browse(struct ua *u, const struct node *n)
{
	uint32_t h = u->handle;
	b_reset(&body);
	type_id(&body, 527);
	req_hdr(&body, u);
	nid(&body, 0, 0);            /* view */
	b_le64(&body, 0);
	b_le32(&body, 0);
	b_le32(&body, 0);            /* requestedMaxReferencesPerNode */
	b_le32(&body, 1);
	node(&body, n);
	b_le32(&body, 0);            /* Forward */
	nid(&body, 0, 33);           /* HierarchicalReferences */
	b_u8(&body, 1);
	b_le32(&body, 0);
	b_le32(&body, 63);
	simple_resp(&resp, 530, h, 0);
	xchg(u, &body, &resp);
}

static void browse_next(struct ua *u, uint8_t cp)
{
	uint32_t h = u->handle;
	b_reset(&body);
	type_id(&body, 533);
	req_hdr(&body, u);
	b_u8(&body, 0);
	b_le32(&body, 1);
	b_ua_bytes(&body, cp, 8);
	simple_resp(&resp, 536, h, 0);
	xchg(u, &body, &resp);
}

static void add_nodes(struct ua *u, const char *name)
{
	uint32_t h = u->handle;
	b_reset(&body);
	type_id(&body, 488);
	req_hdr(&body, u);
	b_le32(&body, 1);
	nid(&body, 0, 85);           /* parentNodeId: Objects */
	nid(&body, 0, 35);           /* Organizes */
	nid_str(&body, 2, name);     /* requestedNewNodeId */
	b_le16(&body, 2);
	b_ua_str(&body, name);
	b_le32(&body, 2);            /* Variable */
	type_id(&body, 357);         /* VariableAttributes, no body */
	b_u8(&body, 0);
	nid(&body, 0, 63);           /* BaseDataVariableType */
	simple_resp(&resp, 491, h, 0);
	xchg(u, &body, &resp);
}

static void delete_nodes(struct ua *u, const struct node *n)
{
	uint32_t h = u->handle;
	b_reset(&body);
	type_id(&body, 500);
	req_hdr(&body, u);
	b_le32(&body, 1);
	node(&body, n);
	b_u8(&body, 1);
	simple_resp(&resp, 503, h, 0);
	xchg(u, &body, &resp);
}

static void references(struct ua *u, bool add, const struct node *src, const struct node *dst)
{
	uint32_t h = u->handle;
	b_reset(&body);
	type_id(&body, add ? 494 : 506);
	req_hdr(&body, u);
	b_le32(&body, 1);
	node(&body, src);
	nid(&body, 0, 47);           /* HasComponent */
	b_u8(&body, 1);
	if (add)
		b_ua_str(&body, NULL);
	node(&body, dst);
	if (add)
		b_le32(&body, 2);
	else
		b_u8(&body, 1);
	simple_resp(&resp, add ? 497 : 509, h, 0);
	xchg(u, &body, &resp);
}

static void subscribe(struct ua *u)
{
	uint32_t h = u->handle;
	b_reset(&body);
	type_id(&body, 787);
	req_hdr(&body, u);
	b_double(&body, 500.0);
	b_le32(&body, 60);
	b_le32(&body, 10);
	b_le32(&body, 0);
	b_u8(&body, 1);
	b_u8(&body, 0);
	b_reset(&resp);
	type_id(&resp, 790);
	resp_hdr(&resp, h, 0);
	b_le32(&resp, 1);
	b_double(&resp, 500.0);
	b_le32(&resp, 60);
	b_le32(&resp, 10);
	xchg(u, &body, &resp);
}

static void publish_req(struct buf *b, struct ua *u)
{
	b_reset(b);
	type_id(b, 826);
	req_hdr(b, u);
	b_le32(b, 0);                /* subscriptionAcknowledgements */
}

static void publish(struct ua *u)
{
	uint32_t h = u->handle;
	publish_req(&body, u);
	b_reset(&resp);
	type_id(&resp, 829);
	resp_hdr(&resp, h, 0);
	b_le32(&resp, 1);            /* subscriptionId */
	b_le32(&resp, 0);
	b_u8(&resp, 0);
	b_le32(&resp, 1);            /* NotificationMessage */
	b_le64(&resp, DATETIME);
	b_le32(&resp, 0);
	b_le32(&resp, 0);
	b_le32(&resp, 0);
	xchg(u, &body, &resp);
}

static void close_all(struct ua *u)
{
	uint32_t h = u->handle;
	b_reset(&body);
	type_id(&body, 473);
	req_hdr(&body, u);
	b_u8(&body, 1);
	simple_resp(&resp, 476, h, 0);
	xchg(u, &body, &resp);
	b_reset(&body);
	type_id(&body, 452);
	req_hdr(&body, u);
	sym(u, u->cdir, "CLO", 'F', u->rid++, &body);
	tcp_close(u->s);
}

static void ua_init(struct ua *u, struct sess *s, const char *policy)
{
	memset(u, 0, sizeof(*u));
	u->s = s;
	u->cdir = DIR_C2S;
	u->seq[0] = 1;
	u->seq[1] = 1;
	u->rid = 1;
	u->handle = 1;
	u->policy = policy;
}

/* HEL/ACK, OPN None, CreateSession, ActivateSession (anonymous) */
static void connect_none(struct ua *u, const char *url, uint32_t channel)
{
	hello(u, url);
	open_none(u, 0, 1, channel, 1);
	create_session(u, "urn:vigil:client", url, "session");
	activate(u, ID_ANON, NULL, NULL, 0);
}

/* ---- scenario ------------------------------------------------------------- */

int sc_opcua(struct gen *g)
{
	uint8_t m1[16], m2[16], m3[16], srv[16], srv2[16], srv3[16], rogue[16], it[16];
	ip4(m1, 10, 0, 0, 2);
	ip4(m2, 10, 0, 0, 3);
	ip4(m3, 10, 0, 0, 4);
	ip4(srv, 10, 0, 0, 60);
	ip4(srv2, 10, 0, 0, 61);
	ip4(srv3, 10, 0, 0, 62);
	ip4(rogue, 10, 0, 1, 66);
	ip4(it, 192, 168, 1, 20);
	struct sess s;
	struct ua u;
	const char *url = "opc.tcp://10.0.0.60:4840/plc";
	static const struct node speed = { 2, "Pump1.Speed", 0 }, setpoint = { 2, "Pump1.Setpoint", 0 },
				  level = { 2, NULL, 1001 }, objects = { 0, NULL, 85 },
				  valve = { 2, "Valve7", 0 }, start = { 2, "Valve7.Open", 0 },
				  stop = { 3, "Line2/Stop", 0 };

	/* ---- the HMI master: user name session on a channel without
	 * security, reads, a write, a subscription, chunked messages ---- */
	sess_init(&s, g, 6, m1, 50100, srv, 4840, false);
	tcp_open(&s);
	ua_init(&u, &s, POLICY("None"));
	hel(&u, 65535, 65535, 4194304, 64, url);
	ack(&u, 65535, 65535, 4194304, 64);
	open_none(&u, 0, 1, 7, 1);
	get_endpoints(&u, url);
	create_session(&u, "urn:vigil:hmi", url, "HMI-1");
	activate(&u, ID_USER, "operator", "s3cret-never-logged", 0);
	{
		const struct node two[] = { speed, level };
		read_nodes(&u, two, 2);
		/* a poll of 12 tags: the record keeps 8 */
		struct node many[12];
		for (unsigned i = 0; i < 12; i++)
			many[i] = (struct node){ 2, NULL, 2000 + i };
		read_nodes(&u, many, 12);
		write_nodes(&u, &setpoint, 1, 13, 42.5, 0);
		browse(&u, &objects);
	}
	subscribe(&u);
	publish(&u);
	publish(&u);
	open_none(&u, 1, 1, 7, 2); /* renew: token 2 */
	publish(&u);
	{
		/* a Write of 3 nodes in three chunks (C, C, F), then its response */
		const struct node three[] = { setpoint, speed, level };
		static struct buf w, part;
		uint32_t h = u.handle;
		write_body(&w, &u, three, 3, 13, 7.0);
		uint32_t rid = u.rid++;
		size_t cut[4] = { 0, 40, 70, w.n };
		for (int i = 0; i < 3; i++) {
			b_reset(&part);
			b_bytes(&part, w.b + cut[i], cut[i + 1] - cut[i]);
			sym(&u, DIR_C2S, "MSG", i < 2 ? 'C' : 'F', rid, &part);
		}
		b_reset(&resp);
		type_id(&resp, 676);
		resp_hdr(&resp, h, 0);
		b_le32(&resp, 3);
		b_le32(&resp, 0); b_le32(&resp, 0); b_le32(&resp, 0);
		b_le32(&resp, 0);
		sym(&u, DIR_S2C, "MSG", 'F', rid, &resp);
		tcp_ack(&s, DIR_C2S);
		/* a large Read the client gives up on: a chunk, then abort */
		rid = u.rid++;
		b_reset(&part);
		type_id(&part, 631);
		req_hdr(&part, &u);
		b_double(&part, 0);
		b_le32(&part, 2);
		b_le32(&part, 500);
		sym(&u, DIR_C2S, "MSG", 'C', rid, &part);
		b_reset(&part);
		b_le32(&part, 0x802c0000u); /* Bad_RequestCancelledByClient */
		b_ua_str(&part, "operator cancelled");
		sym(&u, DIR_C2S, "MSG", 'A', rid, &part);
		tcp_ack(&s, DIR_S2C);
	}
	close_all(&u);

	/* ---- a signed channel (Basic256Sha256, Sign): OPN is encrypted, the
	 * MSG bodies are in clear with a signature after them ---- */
	sess_init(&s, g, 6, m2, 50110, srv, 4840, false);
	tcp_open(&s);
	ua_init(&u, &s, POLICY("Basic256Sha256"));
	hello(&u, url);
	opn_sealed(&u, DIR_C2S, 0, 512);
	opn_sealed(&u, DIR_S2C, 21, 512);
	u.channel = 21;
	u.token = 1;
	u.seq[0] = 52;
	u.seq[1] = 77;
	{
		uint32_t h = u.handle;
		const struct node one[] = { level };
		b_reset(&body);
		type_id(&body, 631);
		req_hdr(&body, &u);
		b_double(&body, 0);
		b_le32(&body, 0);
		b_le32(&body, 1);
		node(&body, &one[0]);
		b_le32(&body, 13);
		b_ua_str(&body, NULL);
		b_le16(&body, 0);
		b_ua_str(&body, NULL);
		for (int i = 0; i < 32; i++) /* signature */
			b_u8(&body, (uint8_t)gen_rand(g));
		simple_resp(&resp, 634, h, 0);
		for (int i = 0; i < 32; i++)
			b_u8(&resp, (uint8_t)gen_rand(g));
		xchg(&u, &body, &resp);
	}
	tcp_close(&s);

	/* ---- an encrypted channel (Aes128_Sha256_RsaOaep, SignAndEncrypt) ---- */
	sess_init(&s, g, 6, m3, 50120, srv, 4840, false);
	tcp_open(&s);
	ua_init(&u, &s, POLICY("Aes128_Sha256_RsaOaep"));
	hello(&u, url);
	opn_sealed(&u, DIR_C2S, 0, 256);
	opn_sealed(&u, DIR_S2C, 22, 256);
	for (int i = 0; i < 4; i++) {
		hdr(&msg, "MSG", 'F');
		b_le32(&msg, 22);
		b_le32(&msg, 1);
		for (int k = 0; k < 96; k++)
			b_u8(&msg, (uint8_t)gen_rand(g));
		put_size(&msg);
		tcp_send(&s, i & 1, msg.b, msg.n);
	}
	tcp_close(&s);

	/* ---- the rogue host: an anonymous session without security from
	 * outside the ICS network, discovery sweeps, writes, method calls,
	 * address-space changes, guessed passwords ---- */
	sess_init(&s, g, 6, rogue, 51000, srv, 4840, false);
	tcp_open(&s);
	ua_init(&u, &s, POLICY("None"));
	hello(&u, url);
	open_none(&u, 0, 1, 31, 1);
	create_session(&u, "urn:attacker:client", url, "x");
	activate(&u, ID_ANON, NULL, NULL, 0);
	for (uint32_t i = 0; i < 6; i++) {
		const struct node n = { 0, NULL, 85 + i };
		browse(&u, &n);
	}
	for (int i = 0; i < 6; i++)
		browse_next(&u, (uint8_t)(0x10 * i));
	write_nodes(&u, &setpoint, 1, 13, 9999.0, 0);
	write_nodes(&u, &setpoint, 1, 17, 0, 0); /* AccessLevel */
	call(&u, &valve, &start, 1);
	add_nodes(&u, "Backdoor");
	references(&u, true, &valve, &stop);
	references(&u, false, &valve, &stop);
	delete_nodes(&u, &stop);
	for (int i = 0; i < 4; i++)
		activate(&u, ID_USER, "admin", "admin", 0x801f0000u);  /* Bad_UserAccessDenied */
	for (int i = 0; i < 4; i++)
		activate(&u, ID_USER, "root", "toor", 0x80210000u);    /* Bad_IdentityTokenRejected */
	activate(&u, ID_NULL, NULL, NULL, 0);
	close_all(&u);

	/* an IT host: a channel without security into the ICS network */
	sess_init(&s, g, 6, it, 52000, srv, 4840, false);
	tcp_open(&s);
	ua_init(&u, &s, POLICY("None"));
	hello(&u, url);
	open_none(&u, 0, 1, 32, 1);
	get_endpoints(&u, url);
	close_all(&u);

	/* ---- OPC UA on a non-standard port ---- */
	sess_init(&s, g, 6, m1, 50130, srv2, 48010, false);
	tcp_open(&s);
	ua_init(&u, &s, POLICY("None"));
	connect_none(&u, "opc.tcp://10.0.0.61:48010", 41);
	{
		const struct node one[] = { level };
		read_nodes(&u, one, 1);
	}
	close_all(&u);

	/* ---- reverse connect (OPC 10000-6, 7.1.3): the server opens the
	 * connection to the client and says ReverseHello ---- */
	sess_init(&s, g, 6, srv3, 50140, m1, 4840, false);
	tcp_open(&s);
	ua_init(&u, &s, POLICY("None"));
	u.cdir = DIR_S2C;
	hdr(&msg, "RHE", 'F');
	b_ua_str(&msg, "urn:vigil:field-server");
	b_ua_str(&msg, "opc.tcp://10.0.0.62:4840");
	put_size(&msg);
	tcp_send(&s, DIR_C2S, msg.b, msg.n);
	connect_none(&u, "opc.tcp://10.0.0.62:4840", 42);
	{
		const struct node one[] = { speed };
		read_nodes(&u, one, 1);
	}
	close_all(&u);

	/* ---- a connection picked up mid-stream ---- */
	sess_init(&s, g, 6, m2, 50150, srv, 4840, false);
	tcp_open_nohs(&s);
	ua_init(&u, &s, POLICY("None"));
	u.channel = 7;
	u.token = 3;
	u.seq[0] = 900;
	u.seq[1] = 1900;
	u.rid = 400;
	u.handle = 500;
	{
		const struct node one[] = { speed };
		read_nodes(&u, one, 1);
		publish(&u);
	}
	tcp_close(&s);

	/* ==== anomalies: one flow per group of events ==== */

	/* a Hello with a buffer below 1024 bytes */
	sess_init(&s, g, 6, m2, 50200, srv, 4840, false);
	tcp_open(&s);
	ua_init(&u, &s, POLICY("None"));
	hel(&u, 512, 65535, 0, 0, url);
	hdr(&msg, "ERR", 'F');
	b_le32(&msg, 0x80800000u); /* Bad_TcpMessageTooLarge */
	b_ua_str(&msg, "receive buffer too small");
	put_size(&msg);
	tcp_send(&s, DIR_S2C, msg.b, msg.n);
	tcp_close(&s);

	/* an Acknowledge offering more than the Hello asked for */
	sess_init(&s, g, 6, m2, 50201, srv, 4840, false);
	tcp_open(&s);
	ua_init(&u, &s, POLICY("None"));
	hel(&u, 8192, 8192, 0, 0, url);
	ack(&u, 8192, 65536, 0, 0);
	tcp_close(&s);

	/* limits: the server takes chunks of 8192 bytes, messages of 2000
	 * bytes and 2 chunks; then everything a channel can get wrong */
	sess_init(&s, g, 6, m2, 50202, srv, 4840, false);
	tcp_open(&s);
	ua_init(&u, &s, POLICY("None"));
	hel(&u, 8192, 8192, 0, 0, url);
	ack(&u, 8192, 8192, 2000, 2);
	open_none(&u, 0, 3, 9, 3); /* SignAndEncrypt asked on the None policy */
	{
		static struct buf part;
		/* three chunks of 1000 bytes: the third is one too many and
		 * takes the message above 2000 bytes */
		uint32_t rid = u.rid++;
		for (int i = 0; i < 3; i++) {
			b_reset(&part);
			if (i == 0) {
				type_id(&part, 673);
				req_hdr(&part, &u);
				b_le32(&part, 50);
			}
			while (part.n < 1000)
				b_u8(&part, 0x00);
			sym(&u, DIR_C2S, "MSG", i < 2 ? 'C' : 'F', rid, &part);
		}
		/* a chunk of another request in the middle of a message */
		b_reset(&part);
		publish_req(&part, &u);
		sym(&u, DIR_C2S, "MSG", 'C', u.rid++, &part);
		sym(&u, DIR_C2S, "MSG", 'F', u.rid++, &part);
		/* a chunk of 9000 bytes: above the server's 8192 */
		b_reset(&part);
		publish_req(&part, &u);
		while (part.n < 9000 - 24)
			b_u8(&part, 0);
		sym(&u, DIR_C2S, "MSG", 'F', u.rid++, &part);
	}
	{
		/* a wrong channel, a token never issued, a sequence gap */
		publish_req(&body, &u);
		u.channel = 99;
		sym(&u, DIR_C2S, "MSG", 'F', u.rid++, &body);
		u.channel = 9;
		u.token = 77;
		sym(&u, DIR_C2S, "MSG", 'F', u.rid++, &body);
		u.token = 3;
		u.seq[DIR_C2S] += 5;
		sym(&u, DIR_C2S, "MSG", 'F', u.rid++, &body);
		/* a TypeId that is no service, one with an undefined encoding */
		b_reset(&body);
		type_id(&body, 9999);
		req_hdr(&body, &u);
		sym(&u, DIR_C2S, "MSG", 'F', u.rid++, &body);
		b_reset(&body);
		b_u8(&body, 0x3f);
		b_le16(&body, 631);
		sym(&u, DIR_C2S, "MSG", 'F', u.rid++, &body);
		/* a Write announcing 3 items and carrying 1 */
		write_body(&body, &u, &setpoint, 1, 13, 1.0);
		body.b[write_count_at] = 3;
		sym(&u, DIR_C2S, "MSG", 'F', u.rid++, &body);
		/* a Write whose node has an undefined encoding */
		write_body(&body, &u, &setpoint, 1, 13, 1.0);
		body.b[write_count_at + 4] = 0x3e;
		sym(&u, DIR_C2S, "MSG", 'F', u.rid++, &body);
		/* Publish requests left unanswered, with the 13 above the
		 * table's 16 */
		for (int i = 0; i < 4; i++) {
			publish_req(&body, &u);
			sym(&u, DIR_C2S, "MSG", 'F', u.rid++, &body);
		}
		tcp_ack(&s, DIR_S2C);
	}
	{
		/* a chunk byte that is none of F/C/A, C on an OPN */
		publish_req(&body, &u);
		sym(&u, DIR_C2S, "MSG", 'X', u.rid++, &body);
		hdr(&msg, "OPN", 'C');
		b_le32(&msg, 9);
		b_ua_str(&msg, POLICY("None"));
		b_le32(&msg, 0xffffffffu);
		b_le32(&msg, 0xffffffffu);
		b_le32(&msg, u.seq[0]++);
		b_le32(&msg, u.rid++);
		put_size(&msg);
		tcp_send(&s, DIR_C2S, msg.b, msg.n);
		/* garbage, then a message the parser finds again */
		tcp_send(&s, DIR_C2S, "GARBAGE!GARBAGE!", 16);
		publish_req(&body, &u);
		sym(&u, DIR_C2S, "MSG", 'F', u.rid++, &body);
		/* a size below the smallest MSG, then one of 2 GiB */
		hdr(&msg, "MSG", 'F');
		b_le32(&msg, 9);
		put_size(&msg);
		tcp_send(&s, DIR_C2S, msg.b, msg.n);
		sym(&u, DIR_C2S, "MSG", 'F', u.rid++, &body);
		hdr(&msg, "MSG", 'F');
		b_le32(&msg, 9);
		b_le32(&msg, 3);
		put_size(&msg);
		msg.b[4] = 0xff; msg.b[5] = 0xff; msg.b[6] = 0xff; msg.b[7] = 0x7f;
		tcp_send(&s, DIR_C2S, msg.b, msg.n);
		sym(&u, DIR_C2S, "MSG", 'F', u.rid++, &body);
		tcp_ack(&s, DIR_S2C);
	}
	/* the stream ends inside a chunk */
	{
		publish_req(&body, &u);
		sym(&u, DIR_C2S, "MSG", 'F', u.rid++, &body);
		hdr(&msg, "MSG", 'F');
		b_le32(&msg, 9);
		b_le32(&msg, 3);
		b_le32(&msg, u.seq[0]++);
		b_le32(&msg, u.rid++);
		b_bytes(&msg, body.b, body.n);
		put_size(&msg);
		tcp_send(&s, DIR_C2S, msg.b, msg.n / 2);
	}
	tcp_close(&s);

	/* a security policy nobody defined, and hostile String lengths */
	sess_init(&s, g, 6, m3, 50203, srv, 4840, false);
	tcp_open(&s);
	ua_init(&u, &s, "http://example.com/UA/SecurityPolicy#Rot13");
	hello(&u, url);
	opn_sealed(&u, DIR_C2S, 0, 128);
	hdr(&msg, "OPN", 'F');
	b_le32(&msg, 0);
	b_le32(&msg, 0x7fffffffu); /* a policy URI of 2 GiB */
	b_str(&msg, POLICY("None"));
	while (msg.n < 64)
		b_u8(&msg, 0);
	put_size(&msg);
	tcp_send(&s, DIR_C2S, msg.b, msg.n);
	hdr(&msg, "ERR", 'F');
	b_le32(&msg, 0x80550000u); /* Bad_SecurityPolicyRejected */
	b_le32(&msg, 0xfffffffeu); /* a reason of length -2 */
	put_size(&msg);
	tcp_send(&s, DIR_S2C, msg.b, msg.n);
	tcp_close(&s);
	return 0;
}
