/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rule parser: Suricata's rule language (header + options) into struct rule.
 *
 *   action proto src_addr src_port -> | <> dst_addr dst_port (options)
 *
 * Each option is `name;` or `name:value;`; values may be quoted, and inside
 * them `\"`, `\;` and `\\` are escapes. Errors are precise and name the
 * option; an option Suricata knows but Vigil does not implement yields -2
 * ("unsupported option 'x'"), so that --test-rules can list them, and so
 * does an event of Suricata's that Vigil cannot raise (detect/events.c).
 * The options are one table (opt_defs), which --list-keywords prints.
 */
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "detect/events.h"
#include "detect/rule.h"
#include "proto/framing.h"
#include "proto/registry.h"
#include "util/jb.h"
#include "vigil/detect.h"

#define RULE_MAX_LEN 65536

/* Suricata options Vigil recognises but does not implement. */
static const char *const unsupported_opts[] = {
	"ttl", "itype", "icode", "icmp_id", "icmp_seq", "ack", "seq", "window", "ipopts",
	"fragbits", "fragoffset", "id", "tos", "ip_proto", "sameip", "tag", "xbits", "hostbits",
	"ipv4.hdr", "ipv6.hdr", "tcp.hdr", "udp.hdr", "tcp.mss", "stream_size",
	"base64_decode", "base64_data", "lua", "luajit", "filestore", "filemagic", "filename",
	"fileext", "filemd5", "filesha1", "filesha256", "filesize", "file.data", "file_data",
	"http_uri", "http_header", "http_method", "http_cookie", "http_user_agent",
	"http_host", "http_raw_uri", "http_stat_code", "http_client_body", "http_server_body",
	"http.uri", "http.header", "http.method", "http.host", "http.user_agent", "http.cookie",
	"http.request_body", "http.response_body", "http.stat_code", "http.request_line",
	"dns.query", "dns_query", "tls.sni", "tls_sni", "tls.cert_subject", "tls.cert_issuer",
	"ja3.hash", "ja3_hash", "ja3s.hash", "ssh.proto", "ssh_proto", "ssh.software",
	"krb5_msg_type", "snmp.community", "sip.method",
	"iprep", "geoip", "datarep", "dataset", "replace", "uricontent", "urilen",
	"rpc", "asn1", "ftpbounce", "ftpdata_command", "bypass", "prefilter", "config",
	"requires", "transform", "to_md5", "to_sha256", "to_lowercase", "pcrexform",
	"url_decode", "compress_whitespace", "strip_whitespace", "dotprefix", "entropy",
	"byte_math", "flow.age", "flow.pkts", "flow.bytes", "pkt_data_raw",
	"noalert_all", "template", "app-layer-state", "dce_iface", "dce_opnum", "dce_stub_data",
	"tcp.flags", "ipaddr", "stream-reassemble", "nfs_procedure", "http2.frametype",
	"smb.share", "ssl_version", "ssl_state", "tls.version", "l3_proto", "absent", "frame",
	NULL,
};

/* ---- small helpers ------------------------------------------------------ */

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static char *trim(char *s)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

/* Removes surrounding quotes and Suricata's escapes, in place. */
static char *unquote(char *s)
{
	s = trim(s);
	size_t n = strlen(s);
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		s[n - 1] = 0;
		s++;
	}
	char *w = s;
	for (char *r = s; *r; r++) {
		if (*r == '\\' && (r[1] == '"' || r[1] == ';' || r[1] == '\\' || r[1] == ':'))
			r++;
		*w++ = *r;
	}
	*w = 0;
	return s;
}

static int parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 0);
	if (errno || end == s || *trim(end) || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* Splits s at top-level commas into at most max parts (trimmed). */
static int split_commas(char *s, char **parts, int max)
{
	int n = 0;
	bool q = false;
	char *start = s;
	for (char *p = s;; p++) {
		if (*p == '"' && (p == s || p[-1] != '\\'))
			q = !q;
		if (*p == 0 || (*p == ',' && !q)) {
			bool end = *p == 0;
			*p = 0;
			if (n >= max)
				return -1;
			parts[n++] = trim(start);
			if (end)
				break;
			start = p + 1;
		}
	}
	return n;
}

/* ---- option state while parsing one rule -------------------------------- */

struct pstate {
	struct rule_parse_ctx *pc;
	struct rule *r;
	struct sm sms[RULE_MAX_SM];
	int n_sms;
	int last_content;  /* index of last content (for modifiers), -1 */
	int last_payload;  /* index of the last payload sm (for relative), -1 */
	uint8_t cur_buf;
	char var_names[RULE_MAX_VARS][32];
	int n_vars;
	struct fb_action fb[16];
	int n_fb;
	bool have_sid, have_msg, have_class, have_prio;
	char *err;
	size_t errlen;
};

static struct sm *new_sm(struct pstate *ps, uint8_t type)
{
	if (ps->n_sms >= RULE_MAX_SM) {
		seterr(ps->err, ps->errlen, "more than %d match options", RULE_MAX_SM);
		return NULL;
	}
	struct sm *m = &ps->sms[ps->n_sms++];
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->buf = ps->cur_buf;
	return m;
}

static int find_var(struct pstate *ps, const char *name)
{
	for (int i = 0; i < ps->n_vars; i++)
		if (strcmp(ps->var_names[i], name) == 0)
			return i;
	return -1;
}

/* A number or a byte_extract variable name. */
static int parse_dval(struct pstate *ps, const char *opt, const char *s, int64_t lo, int64_t hi,
		      struct dval *d)
{
	s = trim((char *)s);
	d->var = -1;
	if (*s && (isalpha((unsigned char)*s) || *s == '_')) {
		int v = find_var(ps, s);
		if (v < 0) {
			seterr(ps->err, ps->errlen, "%s: unknown variable '%s'", opt, s);
			return -1;
		}
		d->var = (int8_t)v;
		d->v = 0;
		return 0;
	}
	if (parse_int(s, lo, hi, &d->v) < 0) {
		seterr(ps->err, ps->errlen, "%s: invalid value '%s'", opt, s);
		return -1;
	}
	return 0;
}

/* Decodes a content string with |hex| sections. */
static int parse_content_bytes(struct pstate *ps, const char *s, uint8_t **out, uint32_t *outlen)
{
	size_t n = strlen(s);
	uint8_t *b = malloc(n + 1);
	if (!b) {
		seterr(ps->err, ps->errlen, "out of memory");
		return -1;
	}
	size_t o = 0;
	bool hex = false;
	int nib = -1;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '|') {
			if (hex && nib >= 0) {
				seterr(ps->err, ps->errlen, "content: odd number of hex digits");
				free(b);
				return -1;
			}
			hex = !hex;
			continue;
		}
		if (hex) {
			if (isspace((unsigned char)c))
				continue;
			if (!isxdigit((unsigned char)c)) {
				seterr(ps->err, ps->errlen, "content: invalid hex character '%c'", c);
				free(b);
				return -1;
			}
			int v = isdigit((unsigned char)c) ? c - '0' : (tolower((unsigned char)c) - 'a' + 10);
			if (nib < 0) {
				nib = v;
			} else {
				b[o++] = (uint8_t)(nib << 4 | v);
				nib = -1;
			}
			continue;
		}
		b[o++] = (uint8_t)c;
	}
	if (hex) {
		seterr(ps->err, ps->errlen, "content: unterminated hex section");
		free(b);
		return -1;
	}
	if (o == 0) {
		seterr(ps->err, ps->errlen, "content: empty pattern");
		free(b);
		return -1;
	}
	*out = b;
	*outlen = (uint32_t)o;
	return 0;
}

static int opt_content(struct pstate *ps, char *val)
{
	if (!val) {
		seterr(ps->err, ps->errlen, "content: missing value");
		return -1;
	}
	val = trim(val);
	bool neg = false;
	if (*val == '!') {
		neg = true;
		val = trim(val + 1);
	}
	size_t n = strlen(val);
	if (n < 2 || val[0] != '"' || val[n - 1] != '"') {
		seterr(ps->err, ps->errlen, "content: value must be quoted");
		return -1;
	}
	val = unquote(val);
	struct sm *m = new_sm(ps, SM_CONTENT);
	if (!m)
		return -1;
	if (parse_content_bytes(ps, val, &m->u.c.pat, &m->u.c.len) < 0) {
		ps->n_sms--;
		return -1;
	}
	m->u.c.flags = neg ? CF_NEGATED : 0;
	m->u.c.offset.var = m->u.c.depth.var = m->u.c.distance.var = m->u.c.within.var = -1;
	ps->last_content = ps->n_sms - 1;
	ps->last_payload = ps->n_sms - 1;
	return 0;
}

static struct sm_content *cur_content(struct pstate *ps, const char *opt)
{
	if (ps->last_content < 0) {
		seterr(ps->err, ps->errlen, "%s: no preceding content", opt);
		return NULL;
	}
	return &ps->sms[ps->last_content].u.c;
}

static int opt_content_mod(struct pstate *ps, const char *name, char *val)
{
	struct sm_content *c = cur_content(ps, name);
	if (!c)
		return -1;
	if (strcmp(name, "nocase") == 0) {
		c->flags |= CF_NOCASE;
		return 0;
	}
	if (strcmp(name, "startswith") == 0) {
		if (c->flags & (CF_HAS_OFFSET | CF_HAS_DEPTH | CF_HAS_DISTANCE | CF_HAS_WITHIN)) {
			seterr(ps->err, ps->errlen, "startswith: cannot be mixed with offset/depth/distance/within");
			return -1;
		}
		c->flags |= CF_STARTSWITH;
		return 0;
	}
	if (strcmp(name, "endswith") == 0) {
		c->flags |= CF_ENDSWITH;
		return 0;
	}
	if (strcmp(name, "fast_pattern") == 0) {
		c->flags |= CF_FAST;
		if (c->flags & CF_NEGATED) {
			seterr(ps->err, ps->errlen, "fast_pattern: cannot be used on a negated content");
			return -1;
		}
		if (val) {
			val = trim(val);
			if (strcmp(val, "only") == 0) {
				c->flags |= CF_FAST_ONLY;
				return 0;
			}
			char *parts[3];
			int np = split_commas(val, parts, 3);
			int64_t o, l;
			if (np != 2 || parse_int(parts[0], 0, 65535, &o) < 0 ||
			    parse_int(parts[1], 1, 65535, &l) < 0 || (uint64_t)(o + l) > c->len) {
				seterr(ps->err, ps->errlen, "fast_pattern: expected 'only' or 'offset,length' within the content");
				return -1;
			}
			c->fp_off = (uint32_t)o;
			c->fp_len = (uint32_t)l;
		}
		return 0;
	}
	if (!val) {
		seterr(ps->err, ps->errlen, "%s: missing value", name);
		return -1;
	}
	if (c->flags & CF_STARTSWITH) {
		seterr(ps->err, ps->errlen, "%s: cannot be mixed with startswith", name);
		return -1;
	}
	if (strcmp(name, "offset") == 0) {
		c->flags |= CF_HAS_OFFSET;
		return parse_dval(ps, name, val, 0, 65535, &c->offset);
	}
	if (strcmp(name, "depth") == 0) {
		c->flags |= CF_HAS_DEPTH;
		if (parse_dval(ps, name, val, 1, 65535, &c->depth) < 0)
			return -1;
		if (c->depth.var < 0 && c->depth.v < (int64_t)c->len) {
			seterr(ps->err, ps->errlen, "depth: %lld is smaller than the content (%u bytes)",
			       (long long)c->depth.v, c->len);
			return -1;
		}
		return 0;
	}
	if (strcmp(name, "distance") == 0) {
		c->flags |= CF_HAS_DISTANCE | CF_RELATIVE;
		return parse_dval(ps, name, val, -65535, 65535, &c->distance);
	}
	if (strcmp(name, "within") == 0) {
		c->flags |= CF_HAS_WITHIN | CF_RELATIVE;
		if (parse_dval(ps, name, val, 1, 65535, &c->within) < 0)
			return -1;
		if (c->within.var < 0 && c->within.v < (int64_t)c->len) {
			seterr(ps->err, ps->errlen, "within: %lld is smaller than the content (%u bytes)",
			       (long long)c->within.v, c->len);
			return -1;
		}
		return 0;
	}
	seterr(ps->err, ps->errlen, "%s: unknown content modifier", name);
	return -1;
}

static int opt_pcre(struct pstate *ps, char *val)
{
	if (!val) {
		seterr(ps->err, ps->errlen, "pcre: missing value");
		return -1;
	}
	val = trim(val);
	bool neg = false;
	if (*val == '!') {
		neg = true;
		val = trim(val + 1);
	}
	val = unquote(val);
	size_t n = strlen(val);
	char *slash = strrchr(val, '/');
	if (n < 2 || val[0] != '/' || slash == val) {
		seterr(ps->err, ps->errlen, "pcre: expected \"/regex/flags\"");
		return -1;
	}
	uint32_t opts = 0;
	bool rel = false;
	for (char *f = slash + 1; *f; f++) {
		switch (*f) {
		case 'i': opts |= PCRE2_CASELESS; break;
		case 's': opts |= PCRE2_DOTALL; break;
		case 'm': opts |= PCRE2_MULTILINE; break;
		case 'x': opts |= PCRE2_EXTENDED; break;
		case 'A': opts |= PCRE2_ANCHORED; break;
		case 'E': opts |= PCRE2_DOLLAR_ENDONLY; break;
		case 'G': opts |= PCRE2_UNGREEDY; break;
		case 'R': rel = true; break;
		case 'O': break; /* match limits are always ours */
		default:
			if (strchr("UIPQHDMCSYBVWZ", *f))
				seterr(ps->err, ps->errlen, "pcre: unsupported modifier '%c' (HTTP buffers)", *f);
			else
				seterr(ps->err, ps->errlen, "pcre: unknown modifier '%c'", *f);
			return strchr("UIPQHDMCSYBVWZ", *f) ? -2 : -1;
		}
	}
	*slash = 0;
	int ec;
	PCRE2_SIZE eo;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)(val + 1), PCRE2_ZERO_TERMINATED, opts, &ec, &eo,
				       NULL);
	if (!re) {
		char msg[128];
		pcre2_get_error_message(ec, (PCRE2_UCHAR *)msg, sizeof(msg));
		seterr(ps->err, ps->errlen, "pcre: %s at offset %zu", msg, (size_t)eo);
		return -1;
	}
	pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* best effort */
	struct sm *m = new_sm(ps, SM_PCRE);
	if (!m) {
		pcre2_code_free(re);
		return -1;
	}
	m->u.re.re = re;
	m->u.re.relative = rel;
	m->u.re.negated = neg;
	m->u.re.src = strdup(val + 1);
	ps->last_payload = ps->n_sms - 1;
	return 0;
}

/* Common trailing flags of byte_test/byte_jump/byte_extract. */
static int byte_flags(struct pstate *ps, const char *opt, char **parts, int from, int n,
		      struct sm_byte *b, bool jump, bool extract)
{
	for (int i = from; i < n; i++) {
		char *p = parts[i];
		if (strcmp(p, "relative") == 0) {
			b->flags |= BF_RELATIVE;
		} else if (strcmp(p, "big") == 0) {
			b->flags &= (uint16_t)~BF_LITTLE;
		} else if (strcmp(p, "little") == 0) {
			b->flags |= BF_LITTLE;
		} else if (strcmp(p, "string") == 0) {
			b->flags |= BF_STRING;
			b->base = 10;
		} else if (strcmp(p, "hex") == 0 || strcmp(p, "dec") == 0 || strcmp(p, "oct") == 0) {
			if (!(b->flags & BF_STRING)) {
				seterr(ps->err, ps->errlen, "%s: '%s' needs 'string' before it", opt, p);
				return -1;
			}
			b->base = p[0] == 'h' ? 16 : p[0] == 'd' ? 10 : 8;
		} else if (strcmp(p, "dce") == 0) {
			seterr(ps->err, ps->errlen, "%s: 'dce' is not supported", opt);
			return -2;
		} else if (jump && strcmp(p, "align") == 0) {
			b->flags |= BF_ALIGN;
		} else if (jump && strcmp(p, "from_beginning") == 0) {
			b->flags |= BF_FROM_BEGINNING;
		} else if (jump && strcmp(p, "from_end") == 0) {
			b->flags |= BF_FROM_END;
		} else if (strncmp(p, "bitmask", 7) == 0) {
			int64_t v;
			if (parse_int(p + 7, 1, INT64_MAX, &v) < 0) {
				seterr(ps->err, ps->errlen, "%s: invalid bitmask '%s'", opt, p + 7);
				return -1;
			}
			b->flags |= BF_BITMASK;
			b->bitmask = (uint64_t)v;
		} else if ((jump || extract) && strncmp(p, "multiplier", 10) == 0) {
			int64_t v;
			if (parse_int(p + 10, 1, 65535, &v) < 0) {
				seterr(ps->err, ps->errlen, "%s: invalid multiplier '%s'", opt, p + 10);
				return -1;
			}
			b->multiplier = (int32_t)v;
		} else if (jump && strncmp(p, "post_offset", 11) == 0) {
			int64_t v;
			if (parse_int(p + 11, -65535, 65535, &v) < 0) {
				seterr(ps->err, ps->errlen, "%s: invalid post_offset '%s'", opt, p + 11);
				return -1;
			}
			b->post_offset = (int32_t)v;
		} else if (extract && strncmp(p, "align", 5) == 0) {
			int64_t v;
			if (parse_int(p + 5, 2, 4, &v) < 0 || v == 3) {
				seterr(ps->err, ps->errlen, "%s: align must be 2 or 4", opt);
				return -1;
			}
			b->align = (int32_t)v;
		} else {
			seterr(ps->err, ps->errlen, "%s: unknown argument '%s'", opt, p);
			return -1;
		}
	}
	if (b->flags & BF_STRING) {
		if (b->nbytes > 20) {
			seterr(ps->err, ps->errlen, "%s: at most 20 bytes as a string", opt);
			return -1;
		}
	} else if (b->nbytes > 8) {
		seterr(ps->err, ps->errlen, "%s: at most 8 bytes unless 'string'", opt);
		return -1;
	}
	return 0;
}

static int opt_byte(struct pstate *ps, const char *opt, char *val)
{
	if (!val) {
		seterr(ps->err, ps->errlen, "%s: missing value", opt);
		return -1;
	}
	char *parts[16];
	int n = split_commas(val, parts, 16);
	bool test = strcmp(opt, "byte_test") == 0, jump = strcmp(opt, "byte_jump") == 0;
	bool extract = !test && !jump;
	int need = test ? 4 : extract ? 3 : 2;
	if (n < need) {
		seterr(ps->err, ps->errlen, "%s: expected at least %d arguments", opt, need);
		return -1;
	}
	struct sm *m = new_sm(ps, test ? SM_BYTE_TEST : jump ? SM_BYTE_JUMP : SM_BYTE_EXTRACT);
	if (!m)
		return -1;
	struct sm_byte *b = &m->u.b;
	b->var = -1;
	b->value.var = b->offset.var = -1;
	int64_t nb;
	if (parse_int(parts[0], 1, 20, &nb) < 0) {
		seterr(ps->err, ps->errlen, "%s: invalid byte count '%s'", opt, parts[0]);
		goto fail;
	}
	b->nbytes = (uint8_t)nb;
	int rest;
	if (test) {
		char *op = parts[1];
		if (*op == '!') {
			b->flags |= BF_NEGATE;
			op++;
		}
		if (strcmp(op, "<") == 0 || strcmp(op, ">") == 0 || strcmp(op, "=") == 0 ||
		    strcmp(op, "&") == 0 || strcmp(op, "^") == 0)
			b->op = (uint8_t)op[0];
		else if (strcmp(op, "<=") == 0)
			b->op = 'l';
		else if (strcmp(op, ">=") == 0)
			b->op = 'g';
		else {
			seterr(ps->err, ps->errlen, "%s: invalid operator '%s'", opt, parts[1]);
			goto fail;
		}
		if (parse_dval(ps, opt, parts[2], 0, INT64_MAX, &b->value) < 0 ||
		    parse_dval(ps, opt, parts[3], -65535, 65535, &b->offset) < 0)
			goto fail;
		rest = 4;
	} else {
		if (parse_dval(ps, opt, parts[1], -65535, 65535, &b->offset) < 0)
			goto fail;
		rest = 2;
		if (extract) {
			const char *name = parts[2];
			if (!*name || !(isalpha((unsigned char)*name) || *name == '_') || strlen(name) >= 32) {
				seterr(ps->err, ps->errlen, "%s: invalid variable name '%s'", opt, name);
				goto fail;
			}
			if (find_var(ps, name) >= 0) {
				seterr(ps->err, ps->errlen, "%s: variable '%s' defined twice", opt, name);
				goto fail;
			}
			if (ps->n_vars >= RULE_MAX_VARS) {
				seterr(ps->err, ps->errlen, "%s: more than %d variables", opt, RULE_MAX_VARS);
				goto fail;
			}
			snprintf(ps->var_names[ps->n_vars], sizeof(ps->var_names[0]), "%s", name);
			b->var = (int8_t)ps->n_vars++;
			rest = 3;
		}
	}
	int rc = byte_flags(ps, opt, parts, rest, n, b, jump, extract);
	if (rc < 0) {
		ps->n_sms--;
		return rc;
	}
	ps->last_payload = ps->n_sms - 1;
	return 0;
fail:
	ps->n_sms--;
	return -1;
}

static int opt_isdataat(struct pstate *ps, char *val)
{
	if (!val) {
		seterr(ps->err, ps->errlen, "isdataat: missing value");
		return -1;
	}
	char *parts[3];
	int n = split_commas(val, parts, 3);
	if (n < 1) {
		seterr(ps->err, ps->errlen, "isdataat: missing value");
		return -1;
	}
	struct sm *m = new_sm(ps, SM_ISDATAAT);
	if (!m)
		return -1;
	char *v = parts[0];
	if (*v == '!') {
		m->u.d.negated = true;
		v = trim(v + 1);
	}
	if (parse_dval(ps, "isdataat", v, 0, 65535, &m->u.d.pos) < 0) {
		ps->n_sms--;
		return -1;
	}
	for (int i = 1; i < n; i++) {
		if (strcmp(parts[i], "relative") == 0) {
			m->u.d.relative = true;
		} else if (strcmp(parts[i], "rawbytes") != 0) {
			seterr(ps->err, ps->errlen, "isdataat: unknown argument '%s'", parts[i]);
			ps->n_sms--;
			return -1;
		}
	}
	ps->last_payload = ps->n_sms - 1;
	return 0;
}

static int opt_uint(struct pstate *ps, const char *opt, char *val, uint8_t type, uint64_t max)
{
	struct sm *m = new_sm(ps, type);
	if (!m)
		return -1;
	char e[160];
	if (du_parse(val, max, NULL, 0, &m->u.u, e, sizeof(e)) < 0) {
		seterr(ps->err, ps->errlen, "%s: %s", opt, e);
		ps->n_sms--;
		return -1;
	}
	return 0;
}

static int opt_flow(struct pstate *ps, char *val)
{
	if (!val) {
		seterr(ps->err, ps->errlen, "flow: missing value");
		return -1;
	}
	char *parts[8];
	int n = split_commas(val, parts, 8);
	if (n < 0) {
		seterr(ps->err, ps->errlen, "flow: too many arguments");
		return -1;
	}
	for (int i = 0; i < n; i++) {
		const char *p = parts[i];
		uint8_t f;
		if (strcmp(p, "to_server") == 0 || strcmp(p, "from_client") == 0)
			f = FLF_TOSERVER;
		else if (strcmp(p, "to_client") == 0 || strcmp(p, "from_server") == 0)
			f = FLF_TOCLIENT;
		else if (strcmp(p, "established") == 0)
			f = FLF_ESTABLISHED;
		else if (strcmp(p, "not_established") == 0)
			f = FLF_NOT_ESTABLISHED;
		else if (strcmp(p, "stateless") == 0)
			f = FLF_STATELESS;
		else if (strcmp(p, "only_stream") == 0)
			f = FLF_ONLY_STREAM;
		else if (strcmp(p, "no_stream") == 0)
			f = FLF_NO_STREAM;
		else {
			seterr(ps->err, ps->errlen, "flow: unknown argument '%s'", p);
			return -1;
		}
		ps->r->flow |= f;
	}
	uint8_t fl = ps->r->flow;
	if ((fl & FLF_TOSERVER) && (fl & FLF_TOCLIENT)) {
		seterr(ps->err, ps->errlen, "flow: to_server and to_client exclude each other");
		return -1;
	}
	if ((fl & FLF_ESTABLISHED) && (fl & (FLF_NOT_ESTABLISHED | FLF_STATELESS))) {
		seterr(ps->err, ps->errlen, "flow: established excludes not_established and stateless");
		return -1;
	}
	if ((fl & FLF_ONLY_STREAM) && (fl & FLF_NO_STREAM)) {
		seterr(ps->err, ps->errlen, "flow: only_stream and no_stream exclude each other");
		return -1;
	}
	return 0;
}

static int flowbit_index(struct pstate *ps, const char *name)
{
	struct rule_parse_ctx *pc = ps->pc;
	if (!*name || strlen(name) >= sizeof(pc->fb_names[0])) {
		seterr(ps->err, ps->errlen, "flowbits: invalid name '%s'", name);
		return -1;
	}
	for (int i = 0; i < pc->n_fb; i++)
		if (strcmp(pc->fb_names[i], name) == 0)
			return i;
	if (pc->n_fb >= RULE_MAX_FLOWBITS) {
		seterr(ps->err, ps->errlen, "flowbits: more than %d distinct names in the rule set",
		       RULE_MAX_FLOWBITS);
		return -1;
	}
	snprintf(pc->fb_names[pc->n_fb], sizeof(pc->fb_names[0]), "%s", name);
	return pc->n_fb++;
}

static int opt_flowbits(struct pstate *ps, char *val)
{
	if (!val) {
		seterr(ps->err, ps->errlen, "flowbits: missing value");
		return -1;
	}
	char *parts[3];
	int n = split_commas(val, parts, 3);
	if (n == 1 && strcmp(parts[0], "noalert") == 0) {
		ps->r->noalert = true;
		return 0;
	}
	if (n != 2) {
		seterr(ps->err, ps->errlen, "flowbits: expected 'command,name'");
		return -1;
	}
	const char *cmd = parts[0];
	char *names = parts[1];
	if (strcmp(cmd, "isset") == 0 || strcmp(cmd, "isnotset") == 0) {
		struct sm *m = new_sm(ps, SM_FLOWBITS);
		if (!m)
			return -1;
		m->u.fb.op = cmd[2] == 's' ? FB_ISSET : FB_ISNOTSET;
		bool has_or = strchr(names, '|'), has_and = strchr(names, '&');
		if (has_or && has_and) {
			seterr(ps->err, ps->errlen, "flowbits: cannot mix '|' and '&'");
			ps->n_sms--;
			return -1;
		}
		m->u.fb.all = !has_or;
		char *save;
		for (char *t = strtok_r(names, "|&", &save); t; t = strtok_r(NULL, "|&", &save)) {
			int i = flowbit_index(ps, trim(t));
			if (i < 0) {
				ps->n_sms--;
				return -1;
			}
			m->u.fb.mask |= 1ull << i;
		}
		return 0;
	}
	uint8_t op;
	if (strcmp(cmd, "set") == 0)
		op = FB_SET;
	else if (strcmp(cmd, "unset") == 0)
		op = FB_UNSET;
	else if (strcmp(cmd, "toggle") == 0)
		op = FB_TOGGLE;
	else {
		seterr(ps->err, ps->errlen, "flowbits: unknown command '%s'", cmd);
		return -1;
	}
	char *save;
	for (char *t = strtok_r(names, "|&", &save); t; t = strtok_r(NULL, "|&", &save)) {
		int i = flowbit_index(ps, trim(t));
		if (i < 0)
			return -1;
		if (ps->n_fb >= 16) {
			seterr(ps->err, ps->errlen, "flowbits: too many actions in one rule");
			return -1;
		}
		ps->fb[ps->n_fb].op = op;
		ps->fb[ps->n_fb].bit = (uint8_t)i;
		ps->n_fb++;
	}
	return 0;
}

/* threshold: type limit|threshold|both|backoff, track by_src|by_dst|by_rule|
 * by_both|by_flow, count N, seconds T | multiplier M (backoff: by_flow only,
 * Suricata 7); detection_filter: the same without type. */
static int opt_threshold(struct pstate *ps, const char *opt, char *val, struct thr_spec *t,
			 bool df)
{
	if (!val) {
		seterr(ps->err, ps->errlen, "%s: missing value", opt);
		return -1;
	}
	if (t->type != THR_NONE) {
		seterr(ps->err, ps->errlen, "%s: given twice", opt);
		return -1;
	}
	char *parts[8];
	int n = split_commas(val, parts, 8);
	if (n < 0) {
		seterr(ps->err, ps->errlen, "%s: too many arguments", opt);
		return -1;
	}
	bool have_track = false, have_count = false, have_secs = false, have_mult = false;
	t->type = df ? THR_DETECTION_FILTER : THR_NONE;
	for (int i = 0; i < n; i++) {
		char *k = parts[i], *v = k;
		while (*v && !isspace((unsigned char)*v))
			v++;
		if (*v)
			*v++ = 0;
		v = trim(v);
		int64_t x;
		if (!df && strcmp(k, "type") == 0) {
			if (strcmp(v, "limit") == 0)
				t->type = THR_LIMIT;
			else if (strcmp(v, "threshold") == 0)
				t->type = THR_THRESHOLD;
			else if (strcmp(v, "both") == 0)
				t->type = THR_BOTH;
			else if (strcmp(v, "backoff") == 0)
				t->type = THR_BACKOFF;
			else {
				seterr(ps->err, ps->errlen, "%s: unknown type '%s'", opt, v);
				return -1;
			}
		} else if (strcmp(k, "track") == 0) {
			if (strcmp(v, "by_src") == 0)
				t->track = TRK_SRC;
			else if (strcmp(v, "by_dst") == 0)
				t->track = TRK_DST;
			else if (strcmp(v, "by_rule") == 0)
				t->track = TRK_RULE;
			else if (strcmp(v, "by_both") == 0)
				t->track = TRK_BOTH;
			else if (strcmp(v, "by_flow") == 0)
				t->track = TRK_FLOW;
			else {
				seterr(ps->err, ps->errlen, "%s: unknown track '%s'", opt, v);
				return -1;
			}
			have_track = true;
		} else if (strcmp(k, "count") == 0) {
			if (parse_int(v, 1, UINT32_MAX, &x) < 0) {
				seterr(ps->err, ps->errlen, "%s: invalid count '%s'", opt, v);
				return -1;
			}
			t->count = (uint32_t)x;
			have_count = true;
		} else if (strcmp(k, "seconds") == 0) {
			if (parse_int(v, 1, UINT32_MAX, &x) < 0) {
				seterr(ps->err, ps->errlen, "%s: invalid seconds '%s'", opt, v);
				return -1;
			}
			t->seconds = (uint32_t)x;
			have_secs = true;
		} else if (!df && strcmp(k, "multiplier") == 0) {
			if (parse_int(v, 1, UINT32_MAX, &x) < 0) {
				seterr(ps->err, ps->errlen, "%s: invalid multiplier '%s'", opt, v);
				return -1;
			}
			t->multiplier = (uint32_t)x;
			have_mult = true;
		} else {
			seterr(ps->err, ps->errlen, "%s: unknown argument '%s'", opt, k);
			return -1;
		}
	}
	if (t->type == THR_BACKOFF) {
		if (!have_track || !have_count || !have_mult || have_secs) {
			seterr(ps->err, ps->errlen, "%s: backoff needs track, count and multiplier "
				"(no seconds)", opt);
			return -1;
		}
		if (t->track != TRK_FLOW) {
			seterr(ps->err, ps->errlen, "%s: backoff is tracked by_flow only", opt);
			return -1;
		}
		return 0;
	}
	if (t->type == THR_NONE || !have_track || !have_count || !have_secs || have_mult) {
		seterr(ps->err, ps->errlen, "%s: needs %strack, count and seconds", opt,
		       df ? "" : "type, ");
		return -1;
	}
	return 0;
}

static int opt_metadata(struct pstate *ps, char *val)
{
	if (!val)
		return 0;
	/* "k v, k v" into {"k":["v",...],...}, keys grouped in first-seen order */
	char *parts[64];
	int n = split_commas(val, parts, 64);
	if (n < 0) {
		seterr(ps->err, ps->errlen, "metadata: more than 64 entries");
		return -1;
	}
	bool used[64] = { false };
	struct jb out;
	jb_init(&out, 1 << 16);
	jb_open_object(&out, NULL);
	for (int i = 0; i < n; i++) {
		if (used[i] || !*parts[i])
			continue;
		char *k = parts[i], *v = k;
		while (*v && !isspace((unsigned char)*v))
			v++;
		size_t kl = (size_t)(v - k);
		char key[128];
		snprintf(key, sizeof(key), "%.*s", (int)(kl < 127 ? kl : 127), k);
		jb_open_array(&out, key);
		for (int j = i; j < n; j++) {
			if (used[j] || !*parts[j])
				continue;
			char *k2 = parts[j], *v2 = k2;
			while (*v2 && !isspace((unsigned char)*v2))
				v2++;
			if ((size_t)(v2 - k2) != kl || strncmp(k2, k, kl) != 0)
				continue;
			used[j] = true;
			jb_set_str(&out, NULL, trim(v2));
		}
		jb_close(&out);
	}
	jb_close(&out);
	if (!jb_ok(&out)) {
		jb_free(&out);
		seterr(ps->err, ps->errlen, "metadata: too long");
		return -1;
	}
	char *s = malloc(out.len + 1);
	if (!s) {
		jb_free(&out);
		seterr(ps->err, ps->errlen, "out of memory");
		return -1;
	}
	memcpy(s, out.buf, out.len);
	s[out.len] = 0;
	jb_free(&out);
	if (ps->r->metadata) {
		/* merge two metadata options: concatenate objects */
		size_t a = strlen(ps->r->metadata), b = strlen(s);
		char *m = malloc(a + b + 2);
		if (!m) {
			free(s);
			seterr(ps->err, ps->errlen, "out of memory");
			return -1;
		}
		if (b > 2) {
			memcpy(m, ps->r->metadata, a - 1);
			size_t o = a - 1;
			if (a > 2)
				m[o++] = ',';
			memcpy(m + o, s + 1, b - 1);
			m[o + b - 1] = 0;
		} else {
			memcpy(m, ps->r->metadata, a + 1);
		}
		free(ps->r->metadata);
		free(s);
		ps->r->metadata = m;
	} else {
		ps->r->metadata = s;
	}
	return 0;
}

/* Looks an application keyword up in every parser. */
static const struct app_keyword *find_app_keyword(const char *name, int *parser)
{
	for (size_t i = 0; i < app_n_parsers; i++) {
		const struct proto_parser *p = app_parsers[i];
		if (!p || !p->keywords)
			continue;
		for (uint16_t k = 0; k < p->n_keywords; k++)
			if (strcmp(p->keywords[k].name, name) == 0) {
				*parser = (int)i;
				return &p->keywords[k];
			}
	}
	return NULL;
}

static int bind_app(struct pstate *ps, int parser, const char *opt)
{
	struct rule *r = ps->r;
	if (r->proto == RP_APP) {
		if (r->app != parser) {
			seterr(ps->err, ps->errlen, "%s: keyword of %s used in a %s rule", opt,
			       app_parsers[parser]->name, app_parsers[r->app]->name);
			return -1;
		}
		return 0;
	}
	if (r->proto == RP_ICMP) {
		seterr(ps->err, ps->errlen, "%s: keyword of %s used in an icmp rule", opt,
		       app_parsers[parser]->name);
		return -1;
	}
	r->ipproto_hint = r->proto == RP_TCP ? IPPROTO_TCP : r->proto == RP_UDP ? IPPROTO_UDP : 0;
	r->proto = RP_APP;
	r->app = (int8_t)parser;
	return 0;
}

static int opt_app_keyword(struct pstate *ps, const struct app_keyword *kw, int parser,
			   char *val)
{
	if (bind_app(ps, parser, kw->name) < 0)
		return -1;
	if (kw->buffer) {
		if (val && *trim(val)) {
			seterr(ps->err, ps->errlen, "%s: takes no value (it is a sticky buffer)", kw->name);
			return -1;
		}
		struct rule *r = ps->r;
		int b;
		for (b = 1; b < r->n_bufs; b++)
			if (r->bufs[b].kw == kw)
				break;
		if (b == r->n_bufs) {
			if (r->n_bufs >= DETECT_MAX_BUF) {
				seterr(ps->err, ps->errlen, "%s: too many buffers", kw->name);
				return -1;
			}
			r->bufs[r->n_bufs++].kw = kw;
		}
		ps->cur_buf = (uint8_t)b;
		ps->last_content = -1;
		ps->last_payload = -1;
		return 0;
	}
	struct sm *m = new_sm(ps, SM_APPKW);
	if (!m)
		return -1;
	char e[200];
	e[0] = 0;
	if (kw->setup(val ? unquote(val) : NULL, &m->u.kw.data, e, sizeof(e)) < 0) {
		seterr(ps->err, ps->errlen, "%s: %s", kw->name, e[0] ? e : "invalid value");
		ps->n_sms--;
		return -1;
	}
	m->u.kw.kw = kw;
	if (kw->functions) {
		/* every keyword must match: the rule's index is the intersection */
		uint8_t set[APP_FUNC_BITS / 8];
		memset(set, 0, sizeof(set));
		if (kw->functions(m->u.kw.data, set)) {
			struct rule *r = ps->r;
			for (size_t i = 0; i < sizeof(set); i++)
				r->fset[i] = r->has_fset ? (uint8_t)(r->fset[i] & set[i]) : set[i];
			r->has_fset = true;
		}
	}
	return 0;
}

static int opt_app_event(struct pstate *ps, char *val)
{
	if (!val) {
		seterr(ps->err, ps->errlen, "app-layer-event: missing value");
		return -1;
	}
	val = unquote(val);
	struct rule *r = ps->r;
	if (r->ev_parser != -2) {
		seterr(ps->err, ps->errlen, "app-layer-event: only one per rule");
		return -1;
	}
	for (uint16_t i = 0; i < APP_EV__COUNT; i++)
		if (strcmp(app_core_events[i], val) == 0) {
			r->ev_parser = -1;
			r->ev_mask = 1ull << i;
			return 0;
		}
	const char *dot = strchr(val, '.');
	for (size_t i = 0; dot && i < app_n_parsers; i++) {
		const struct proto_parser *p = app_parsers[i];
		if (!p || strncmp(p->name, val, (size_t)(dot - val)) != 0 ||
		    p->name[dot - val] != 0)
			continue;
		for (uint16_t e = 0; e < p->n_events && e < 64; e++)
			if (p->events[e] && strcmp(p->events[e], val) == 0) {
				if (bind_app(ps, (int)i, "app-layer-event") < 0)
					return -1;
				r->ev_parser = (int)i;
				r->ev_mask = 1ull << e;
				return 0;
			}
	}
	/* Suricata's names for events Vigil has, and those it cannot raise */
	const struct proto_parser *ap = NULL;
	const char *why = NULL;
	uint64_t mask = 0;
	int rc = event_lookup_app_alias(val, &ap, &mask, &why);
	if (rc == EVL_FOUND) {
		int i = app_parser_index_of(ap);
		if (bind_app(ps, i, "app-layer-event") < 0)
			return -1;
		r->ev_parser = i;
		r->ev_mask = mask;
		return 0;
	}
	if (rc == EVL_UNSUPPORTED) {
		seterr(ps->err, ps->errlen, "app-layer-event: unsupported event '%s' (%s)", val, why);
		return -2;
	}
	if (!dot) {
		seterr(ps->err, ps->errlen, "app-layer-event: expected 'protocol.event', got '%s'", val);
		return -1;
	}
	for (size_t i = 0; i < app_n_parsers; i++) {
		const struct proto_parser *p = app_parsers[i];
		if (p && strncmp(p->name, val, (size_t)(dot - val)) == 0 && p->name[dot - val] == 0) {
			seterr(ps->err, ps->errlen, "app-layer-event: %s has no event '%s'", p->name,
			       dot + 1);
			return -1;
		}
	}
	seterr(ps->err, ps->errlen, "app-layer-event: unknown protocol in '%s'", val);
	return -1;
}

static int opt_app_proto(struct pstate *ps, char *val)
{
	if (!val) {
		seterr(ps->err, ps->errlen, "app-layer-protocol: missing value");
		return -1;
	}
	val = unquote(val);
	bool neg = false;
	if (*val == '!') {
		neg = true;
		val = trim(val + 1);
	}
	int i = -1;
	if (strcmp(val, "failed") == 0 || strcmp(val, "unknown") == 0)
		i = -2;
	else
		i = app_parser_index(val);
	if (i == -1) {
		seterr(ps->err, ps->errlen, "app-layer-protocol: unknown protocol '%s'", val);
		return -1;
	}
	struct sm *m = new_sm(ps, SM_APP_PROTO);
	if (!m)
		return -1;
	m->u.ap.parser = i;
	m->u.ap.negated = neg;
	return 0;
}

static int opt_flags(struct pstate *ps, char *val)
{
	if (!val) {
		seterr(ps->err, ps->errlen, "flags: missing value");
		return -1;
	}
	char *parts[2];
	int n = split_commas(val, parts, 2);
	struct sm *m = new_sm(ps, SM_FLAGS);
	if (!m)
		return -1;
	uint8_t mode = 0; /* 0 exact, '+' all of and any other, '*' any of, '!' none of */
	const char *s = parts[0];
	uint8_t set = 0;
	for (; *s; s++) {
		uint8_t bit = 0;
		switch (*s) {
		case 'F': bit = 0x01; break;
		case 'S': bit = 0x02; break;
		case 'R': bit = 0x04; break;
		case 'P': bit = 0x08; break;
		case 'A': bit = 0x10; break;
		case 'U': bit = 0x20; break;
		case 'E': case '1': bit = 0x40; break;
		case 'C': case '2': bit = 0x80; break;
		case '0': break;
		case '+': case '*': case '!': mode = (uint8_t)*s; break;
		default:
			seterr(ps->err, ps->errlen, "flags: unknown flag '%c'", *s);
			ps->n_sms--;
			return -1;
		}
		set |= bit;
	}
	uint8_t mask = 0xff;
	if (n == 2) {
		for (s = parts[1]; *s; s++) {
			switch (*s) {
			case 'F': mask &= (uint8_t)~0x01; break;
			case 'S': mask &= (uint8_t)~0x02; break;
			case 'R': mask &= (uint8_t)~0x04; break;
			case 'P': mask &= (uint8_t)~0x08; break;
			case 'A': mask &= (uint8_t)~0x10; break;
			case 'U': mask &= (uint8_t)~0x20; break;
			case 'E': case '1': mask &= (uint8_t)~0x40; break;
			case 'C': case '2': mask &= (uint8_t)~0x80; break;
			default:
				seterr(ps->err, ps->errlen, "flags: unknown mask flag '%c'", *s);
				ps->n_sms--;
				return -1;
			}
		}
	}
	m->u.flags.set = set;
	m->u.flags.mask = mask;
	m->u.flags.mode = mode;
	return 0;
}

/* decode-event / stream-event: a packet event id (detect/events.c). */
static int opt_packet_event(struct pstate *ps, const char *opt, char *val)
{
	if (!val) {
		seterr(ps->err, ps->errlen, "%s: missing value", opt);
		return -1;
	}
	val = unquote(val);
	uint16_t id;
	const char *why = NULL;
	int rc = opt[0] == 'd' ? event_lookup_decode(val, &id, &why)
			       : event_lookup_stream(val, &id, &why);
	if (rc == EVL_UNSUPPORTED) {
		seterr(ps->err, ps->errlen, "%s: unsupported event '%s' (%s)", opt, val, why);
		return -2;
	}
	if (rc != EVL_FOUND) {
		seterr(ps->err, ps->errlen, "%s: unknown event '%s'", opt, val);
		return -1;
	}
	struct sm *m = new_sm(ps, SM_DECODE_EVENT);
	if (!m)
		return -1;
	m->u.dev.ev = id;
	return 0;
}

/* ipv4-csum, tcpv4-csum, ...: valid or invalid (quotes allowed). */
static int opt_csum(struct pstate *ps, const char *opt, char *val)
{
	static const char *const names[] = { NULL, "ipv4-csum", "tcpv4-csum", "tcpv6-csum",
					     "udpv4-csum", "udpv6-csum", "icmpv4-csum",
					     "icmpv6-csum" };
	uint8_t which = 0;
	for (uint8_t i = CSUM_IPV4; i <= CSUM_ICMPV6; i++)
		if (strcmp(names[i], opt) == 0)
			which = i;
	val = val ? unquote(val) : NULL;
	if (!val || (strcasecmp(val, "valid") != 0 && strcasecmp(val, "invalid") != 0)) {
		seterr(ps->err, ps->errlen, "%s: expected valid or invalid", opt);
		return -1;
	}
	struct sm *m = new_sm(ps, SM_CSUM);
	if (!m)
		return -1;
	m->u.csum.which = which;
	m->u.csum.valid = strcasecmp(val, "valid") == 0;
	return 0;
}

static int flowint_index(struct pstate *ps, const char *name)
{
	struct rule_parse_ctx *pc = ps->pc;
	if (!*name || strlen(name) >= sizeof(pc->fi_names[0]) ||
	    !(isalpha((unsigned char)*name) || *name == '_')) {
		seterr(ps->err, ps->errlen, "flowint: invalid name '%s'", name);
		return -1;
	}
	for (int i = 0; i < pc->n_fi; i++)
		if (strcmp(pc->fi_names[i], name) == 0)
			return i;
	if (pc->n_fi >= RULE_MAX_FLOWINTS) {
		seterr(ps->err, ps->errlen, "flowint: more than %d distinct names in the rule set",
		       RULE_MAX_FLOWINTS);
		return -1;
	}
	snprintf(pc->fi_names[pc->n_fi], sizeof(pc->fi_names[0]), "%s", name);
	return pc->n_fi++;
}

/* flowint: NAME, = | + | - | == | != | < | > | <= | >=, VALUE|NAME;
 * flowint: NAME, isset | notset | isnotset */
static int opt_flowint(struct pstate *ps, char *val)
{
	static const struct { const char *s; uint8_t op; } ops[] = {
		{ "=", FI_SET }, { "+", FI_ADD }, { "-", FI_SUB }, { "==", FI_EQ },
		{ "!=", FI_NE }, { "<", FI_LT }, { ">", FI_GT }, { "<=", FI_LE },
		{ ">=", FI_GE }, { "isset", FI_ISSET }, { "notset", FI_NOTSET },
		{ "isnotset", FI_NOTSET },
	};
	char *parts[4];
	int n = val ? split_commas(val, parts, 4) : 0;
	if (n < 2 || n > 3) {
		seterr(ps->err, ps->errlen, "flowint: expected 'name, operator[, value]'");
		return -1;
	}
	struct sm_flowint fi = { .var = -1 };
	int op = -1;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(ops[i].s, parts[1]) == 0)
			op = ops[i].op;
	if (op < 0) {
		seterr(ps->err, ps->errlen, "flowint: unknown operator '%s'", parts[1]);
		return -1;
	}
	fi.op = (uint8_t)op;
	bool unary = op == FI_ISSET || op == FI_NOTSET;
	if (unary != (n == 2)) {
		seterr(ps->err, ps->errlen, "flowint: '%s' %s a value", parts[1],
		       unary ? "takes no" : "needs");
		return -1;
	}
	int idx = flowint_index(ps, parts[0]);
	if (idx < 0)
		return -1;
	fi.idx = (uint8_t)idx;
	if (!unary) {
		int64_t x;
		if (isdigit((unsigned char)*parts[2])) {
			if (parse_int(parts[2], 0, UINT32_MAX, &x) < 0) {
				seterr(ps->err, ps->errlen, "flowint: invalid value '%s'", parts[2]);
				return -1;
			}
			fi.val = (uint32_t)x;
		} else {
			int v = flowint_index(ps, parts[2]);
			if (v < 0)
				return -1;
			fi.var = (int8_t)v;
		}
	}
	if (op <= FI_SUB) { /* an action after the match */
		struct rule *r = ps->r;
		if (r->n_fi >= 16) {
			seterr(ps->err, ps->errlen, "flowint: too many actions in one rule");
			return -1;
		}
		struct sm_flowint *na = realloc(r->fi, ((size_t)r->n_fi + 1) * sizeof(*na));
		if (!na) {
			seterr(ps->err, ps->errlen, "out of memory");
			return -1;
		}
		r->fi = na;
		r->fi[r->n_fi++] = fi;
		return 0;
	}
	struct sm *m = new_sm(ps, SM_FLOWINT);
	if (!m)
		return -1;
	m->u.fi = fi;
	return 0;
}

static const struct class_entry *find_class(struct rule_parse_ctx *pc, const char *name)
{
	for (size_t i = 0; i < pc->n_classes; i++)
		if (strcmp(pc->classes[i].name, name) == 0)
			return &pc->classes[i];
	return NULL;
}

/* ---- the rule options, as one table ------------------------------------------ */

static int kw_msg(struct pstate *ps, const char *name, char *val)
{
	(void)name;
	if (!val) {
		seterr(ps->err, ps->errlen, "msg: missing value");
		return -1;
	}
	free(ps->r->msg);
	ps->r->msg = strdup(unquote(val));
	ps->have_msg = true;
	return ps->r->msg ? 0 : -1;
}

static int kw_id(struct pstate *ps, const char *name, char *val)
{
	struct rule *r = ps->r;
	int64_t x;
	if (!val || parse_int(val, name[0] == 's' ? 1 : 0, UINT32_MAX, &x) < 0) {
		seterr(ps->err, ps->errlen, "%s: invalid value '%s'", name, val ? trim(val) : "");
		return -1;
	}
	if (name[0] == 's') {
		r->sid = (uint32_t)x;
		ps->have_sid = true;
	} else if (name[0] == 'r') {
		r->rev = (uint32_t)x;
	} else {
		r->gid = (uint32_t)x;
	}
	return 0;
}

static int kw_classtype(struct pstate *ps, const char *name, char *val)
{
	(void)name;
	struct rule *r = ps->r;
	if (!val) {
		seterr(ps->err, ps->errlen, "classtype: missing value");
		return -1;
	}
	val = trim(val);
	const struct class_entry *c = find_class(ps->pc, val);
	if (!c) {
		seterr(ps->err, ps->errlen, "classtype: unknown class '%s'", val);
		return -1;
	}
	free(r->classtype);
	r->classtype = strdup(c->name);
	r->category = c->desc;
	if (!ps->have_prio)
		r->priority = c->priority;
	ps->have_class = true;
	return 0;
}

static int kw_priority(struct pstate *ps, const char *name, char *val)
{
	(void)name;
	int64_t x;
	if (!val || parse_int(val, 1, 255, &x) < 0) {
		seterr(ps->err, ps->errlen, "priority: invalid value '%s'", val ? trim(val) : "");
		return -1;
	}
	ps->r->priority = (int)x;
	ps->have_prio = true;
	return 0;
}

static int kw_reference(struct pstate *ps, const char *name, char *val)
{
	(void)name;
	if (!val || !strchr(val, ',')) {
		seterr(ps->err, ps->errlen, "reference: expected 'type,id'");
		return -1;
	}
	return 0;
}

static int kw_metadata(struct pstate *ps, const char *name, char *val)
{
	(void)name;
	return opt_metadata(ps, val);
}

static int kw_target(struct pstate *ps, const char *name, char *val)
{
	(void)name;
	val = val ? trim(val) : "";
	if (strcmp(val, "src_ip") == 0)
		ps->r->target = 1;
	else if (strcmp(val, "dest_ip") == 0)
		ps->r->target = 2;
	else {
		seterr(ps->err, ps->errlen, "target: expected src_ip or dest_ip");
		return -1;
	}
	return 0;
}

static int kw_content(struct pstate *ps, const char *name, char *val)
{
	(void)name;
	return opt_content(ps, val);
}

static int kw_rawbytes(struct pstate *ps, const char *name, char *val)
{
	(void)ps;
	(void)name;
	(void)val;
	return 0; /* no effect in Suricata either */
}

static int kw_pcre(struct pstate *ps, const char *name, char *val)
{
	(void)name;
	return opt_pcre(ps, val);
}

static int kw_isdataat(struct pstate *ps, const char *name, char *val)
{
	(void)name;
	return opt_isdataat(ps, val);
}

static int kw_dsize(struct pstate *ps, const char *name, char *val)
{
	return opt_uint(ps, name, val, SM_DSIZE, 65535);
}

static int kw_bsize(struct pstate *ps, const char *name, char *val)
{
	if (opt_uint(ps, name, val, SM_BSIZE, UINT32_MAX) < 0)
		return -1;
	ps->last_payload = ps->n_sms - 1;
	return 0;
}

static int kw_pkt_data(struct pstate *ps, const char *name, char *val)
{
	(void)name;
	(void)val;
	ps->cur_buf = 0;
	ps->last_content = ps->last_payload = -1;
	return 0;
}

static int kw_flow(struct pstate *ps, const char *name, char *val)
{
	(void)name;
	return opt_flow(ps, val);
}

static int kw_flowbits(struct pstate *ps, const char *name, char *val)
{
	(void)name;
	return opt_flowbits(ps, val);
}

static int kw_flowint(struct pstate *ps, const char *name, char *val)
{
	(void)name;
	return opt_flowint(ps, val);
}

static int kw_noalert(struct pstate *ps, const char *name, char *val)
{
	(void)name;
	(void)val;
	ps->r->noalert = true;
	return 0;
}

static int kw_threshold(struct pstate *ps, const char *name, char *val)
{
	return opt_threshold(ps, name, val, &ps->r->thr, false);
}

static int kw_detection_filter(struct pstate *ps, const char *name, char *val)
{
	return opt_threshold(ps, name, val, &ps->r->df, true);
}

static int kw_app_event(struct pstate *ps, const char *name, char *val)
{
	(void)name;
	return opt_app_event(ps, val);
}

static int kw_app_proto(struct pstate *ps, const char *name, char *val)
{
	(void)name;
	return opt_app_proto(ps, val);
}

static int kw_flags(struct pstate *ps, const char *name, char *val)
{
	(void)name;
	return opt_flags(ps, val);
}

static int kw_packet_event(struct pstate *ps, const char *name, char *val)
{
	return opt_packet_event(ps, name, val);
}

static int kw_csum(struct pstate *ps, const char *name, char *val)
{
	return opt_csum(ps, name, val);
}

static int kw_byte(struct pstate *ps, const char *name, char *val)
{
	return opt_byte(ps, name, val);
}

static int kw_content_mod(struct pstate *ps, const char *name, char *val)
{
	return opt_content_mod(ps, name, val);
}

/* Every rule option, in the order --list-keywords gives them. All of them
 * are Suricata's keywords with Suricata's meaning; the protocols' own
 * keywords come from the parsers' tables (detect_kw.h). */
static const struct opt_def {
	const char *name;
	int (*fn)(struct pstate *ps, const char *name, char *val);
	const char *desc;
} opt_defs[] = {
	{ "msg", kw_msg, "the alert's message" },
	{ "sid", kw_id, "the rule's id" },
	{ "rev", kw_id, "the rule's revision" },
	{ "gid", kw_id, "the rule's group id (1 by default)" },
	{ "classtype", kw_classtype, "the class of the alert (classification.config)" },
	{ "priority", kw_priority, "the alert's severity, 1 highest (overrides the class's)" },
	{ "reference", kw_reference, "a reference for the alert: type,id (not in records)" },
	{ "metadata", kw_metadata, "key value pairs copied into the alert record" },
	{ "target", kw_target, "which side is the target: src_ip or dest_ip" },
	{ "content", kw_content, "bytes to find in the current buffer (|hex|, ! negates)" },
	{ "nocase", kw_content_mod, "content modifier: case-insensitive" },
	{ "depth", kw_content_mod, "content modifier: within the first N bytes" },
	{ "offset", kw_content_mod, "content modifier: from byte N on" },
	{ "distance", kw_content_mod, "content modifier: N bytes after the previous match" },
	{ "within", kw_content_mod, "content modifier: within N bytes of the previous match" },
	{ "startswith", kw_content_mod, "content modifier: at the start of the buffer" },
	{ "endswith", kw_content_mod, "content modifier: at the end of the buffer" },
	{ "fast_pattern", kw_content_mod, "content modifier: the prefilter's pattern" },
	{ "rawbytes", kw_rawbytes, "content modifier without effect (as in Suricata)" },
	{ "pcre", kw_pcre, "a PCRE2 regular expression on the current buffer" },
	{ "byte_test", kw_byte, "compare bytes of the buffer read as a number" },
	{ "byte_jump", kw_byte, "move the buffer's cursor by a number read in it" },
	{ "byte_extract", kw_byte, "read a number of the buffer into a variable" },
	{ "isdataat", kw_isdataat, "is there data at this offset of the buffer" },
	{ "dsize", kw_dsize, "the packet's payload size (integer operators)" },
	{ "bsize", kw_bsize, "the current buffer's size (integer operators)" },
	{ "pkt_data", kw_pkt_data, "back to the packet's payload as the current buffer" },
	{ "flow", kw_flow, "direction and state: to_server, to_client, established, ..." },
	{ "flowbits", kw_flowbits, "per-flow flags: set, unset, toggle, isset, isnotset, noalert" },
	{ "flowint", kw_flowint, "per-flow integers: set, add, subtract, compare, isset" },
	{ "noalert", kw_noalert, "match without an alert (for flowbits and flowint)" },
	{ "threshold", kw_threshold, "limit, threshold, both or backoff the rule's alerts" },
	{ "detection_filter", kw_detection_filter, "alert only after N matches in T seconds" },
	{ "flags", kw_flags, "TCP flags (modifiers + * !, ignored flags after ',')" },
	{ "app-layer-protocol", kw_app_proto, "the flow's application protocol (or failed)" },
	{ "app-layer-event", kw_app_event, "an event of a protocol parser or of PDU framing" },
	{ "decode-event", kw_packet_event, "an event of the packet decoder (decoder.*)" },
	{ "stream-event", kw_packet_event, "an event of TCP reassembly (stream.*)" },
	{ "ipv4-csum", kw_csum, "the IPv4 header checksum is valid or invalid" },
	{ "tcpv4-csum", kw_csum, "the TCP checksum over IPv4 is valid or invalid" },
	{ "tcpv6-csum", kw_csum, "the TCP checksum over IPv6 is valid or invalid" },
	{ "udpv4-csum", kw_csum, "the UDP checksum over IPv4 is valid or invalid" },
	{ "udpv6-csum", kw_csum, "the UDP checksum over IPv6 is valid or invalid" },
	{ "icmpv4-csum", kw_csum, "the ICMPv4 checksum is valid or invalid" },
	{ "icmpv6-csum", kw_csum, "the ICMPv6 checksum is valid or invalid" },
};

/* Suricata's protocol keywords (for the protocols Vigil and Suricata both
 * parse), with Suricata's descriptions; every other parser keyword is
 * Vigil's own. */
static const struct {
	const char *name;
	const char *desc;
} suricata_app_kws[] = {
	{ "modbus", "Modbus function, access type or unit id" },
	{ "dnp3_func", "DNP3 application function code" },
	{ "dnp3.func", "DNP3 application function code" },
	{ "dnp3_ind", "DNP3 internal indication flags" },
	{ "dnp3.ind", "DNP3 internal indication flags" },
	{ "dnp3_obj", "DNP3 object group and variation" },
	{ "dnp3.obj", "DNP3 object group and variation" },
	{ "dnp3_data", "sticky buffer: the DNP3 application data" },
	{ "dnp3.data", "sticky buffer: the DNP3 application data" },
	{ "enip_command", "ENIP encapsulation command" },
	{ "enip.command", "ENIP encapsulation command" },
	{ "cip_service", "CIP service, class and attribute" },
	{ "enip.status", "ENIP encapsulation status" },
	{ "enip.cip_status", "CIP general status" },
	{ "enip.cip_extendedstatus", "CIP extended status" },
	{ "enip.cip_class", "CIP class" },
	{ "enip.cip_instance", "CIP instance" },
	{ "enip.cip_attribute", "CIP attribute" },
	{ "enip.vendor_id", "ENIP identity: vendor id" },
	{ "enip.device_type", "ENIP identity: device type" },
	{ "enip.product_code", "ENIP identity: product code" },
	{ "enip.revision", "ENIP identity: revision" },
	{ "enip.serial", "ENIP identity: serial number" },
	{ "enip.state", "ENIP identity: state" },
	{ "enip.identity_status", "ENIP identity: status" },
	{ "enip.protocol_version", "ENIP protocol version" },
	{ "enip.capabilities", "ENIP list services: capabilities" },
	{ "enip.product_name", "sticky buffer: ENIP identity product name" },
	{ "enip.service_name", "sticky buffer: ENIP list services name" },
	{ "mqtt.type", "MQTT message type" },
	{ "mqtt.flags", "MQTT fixed header flags" },
	{ "mqtt.qos", "MQTT quality of service" },
	{ "mqtt.reason_code", "MQTT reason code" },
	{ "mqtt.connack.return_code", "MQTT CONNACK return code" },
	{ "mqtt.connack.session_present", "MQTT CONNACK session present flag" },
	{ "mqtt.connect.flags", "MQTT CONNECT flags" },
	{ "mqtt.protocol_version", "MQTT protocol version" },
	{ "mqtt.connect.clientid", "sticky buffer: MQTT CONNECT client id" },
	{ "mqtt.connect.username", "sticky buffer: MQTT CONNECT user name" },
	{ "mqtt.connect.password", "sticky buffer: MQTT CONNECT password" },
	{ "mqtt.connect.willtopic", "sticky buffer: MQTT CONNECT will topic" },
	{ "mqtt.connect.willmessage", "sticky buffer: MQTT CONNECT will message" },
	{ "mqtt.connect.protocol_string", "sticky buffer: MQTT CONNECT protocol name" },
	{ "mqtt.publish.topic", "sticky buffer: MQTT PUBLISH topic" },
	{ "mqtt.publish.message", "sticky buffer: MQTT PUBLISH message" },
	{ "mqtt.subscribe.topic", "multi-buffer: MQTT SUBSCRIBE topic filters" },
	{ "mqtt.unsubscribe.topic", "multi-buffer: MQTT UNSUBSCRIBE topic filters" },
};

static int opt_one(struct pstate *ps, char *name, char *val)
{
	for (size_t i = 0; i < sizeof(opt_defs) / sizeof(opt_defs[0]); i++)
		if (strcmp(opt_defs[i].name, name) == 0)
			return opt_defs[i].fn(ps, name, val);
	int parser;
	const struct app_keyword *kw = find_app_keyword(name, &parser);
	if (kw)
		return opt_app_keyword(ps, kw, parser, val);
	for (int i = 0; unsupported_opts[i]; i++)
		if (strcmp(unsupported_opts[i], name) == 0) {
			seterr(ps->err, ps->errlen, "unsupported option '%s'", name);
			return -2;
		}
	seterr(ps->err, ps->errlen, "unknown option '%s'", name);
	return -1;
}

void detect_keywords_foreach(void (*fn)(void *user, const struct detect_keyword_info *k),
			     void *user)
{
	for (size_t i = 0; i < sizeof(opt_defs) / sizeof(opt_defs[0]); i++) {
		struct detect_keyword_info k = { opt_defs[i].name, opt_defs[i].desc, true, true, NULL };
		fn(user, &k);
	}
	for (size_t i = 0; i < app_n_parsers; i++) {
		const struct proto_parser *p = app_parsers[i];
		for (uint16_t j = 0; p && p->keywords && j < p->n_keywords; j++) {
			const struct app_keyword *kw = &p->keywords[j];
			struct detect_keyword_info k = { kw->name, kw->desc, false, true, p->name };
			for (size_t s = 0; s < sizeof(suricata_app_kws) / sizeof(suricata_app_kws[0]); s++)
				if (strcmp(suricata_app_kws[s].name, kw->name) == 0) {
					k.suricata = true;
					if (!k.desc)
						k.desc = suricata_app_kws[s].desc;
				}
			char gen[160];
			if (!k.desc) {
				snprintf(gen, sizeof(gen), "%s %s", p->name,
					 kw->buffer_at ? "multi-buffer (content/pcre inspect each)"
					 : kw->buffer  ? "sticky buffer (content/pcre inspect it)"
						       : "transaction field (numbers or names)");
				k.desc = gen;
			}
			fn(user, &k);
		}
	}
	for (int i = 0; unsupported_opts[i]; i++) {
		int parser;
		if (find_app_keyword(unsupported_opts[i], &parser))
			continue; /* a parser has it after all */
		struct detect_keyword_info k = { unsupported_opts[i],
						 "Suricata keyword that Vigil does not implement",
						 true, false, NULL };
		fn(user, &k);
	}
}

/* ---- header --------------------------------------------------------------- */

/* Next header token; brackets may contain blanks. */
static char *next_tok(char **sp)
{
	char *s = *sp;
	while (*s && isspace((unsigned char)*s))
		s++;
	if (!*s)
		return NULL;
	char *start = s;
	int lvl = 0;
	while (*s && (lvl > 0 || !isspace((unsigned char)*s))) {
		if (*s == '[')
			lvl++;
		else if (*s == ']')
			lvl--;
		s++;
	}
	if (*s)
		*s++ = 0;
	*sp = s;
	return start;
}

static int parse_header(struct pstate *ps, char *h)
{
	struct rule *r = ps->r;
	const struct detect_config *cfg = ps->pc->cfg;
	char *tok[8];
	int n = 0;
	char *t;
	while ((t = next_tok(&h)) && n < 8)
		tok[n++] = t;
	if (n != 7 || t) {
		seterr(ps->err, ps->errlen,
		       "header: expected 'action proto src sport -> dst dport', got %d fields", n + (t ? 1 : 0));
		return -1;
	}
	if (strcmp(tok[0], "alert") == 0)
		r->action = RA_ALERT;
	else if (strcmp(tok[0], "pass") == 0)
		r->action = RA_PASS;
	else if (strcmp(tok[0], "drop") == 0)
		r->action = RA_DROP;
	else if (strcmp(tok[0], "reject") == 0 || strcmp(tok[0], "rejectsrc") == 0 ||
		 strcmp(tok[0], "rejectdst") == 0 || strcmp(tok[0], "rejectboth") == 0)
		r->action = RA_REJECT;
	else {
		seterr(ps->err, ps->errlen, "header: unknown action '%s'", tok[0]);
		return -1;
	}
	const char *pr = tok[1];
	r->app = -1;
	if (strcmp(pr, "ip") == 0 || strcmp(pr, "any") == 0 || strcmp(pr, "pkthdr") == 0)
		r->proto = RP_IP;
	else if (strcmp(pr, "ipv4") == 0 || strcmp(pr, "ip4") == 0 || strcmp(pr, "ipv6") == 0 ||
		 strcmp(pr, "ip6") == 0) {
		/* IP of one version: checked as a match element, so that the
		 * rules of every other header pay nothing for it */
		r->proto = RP_IP;
		struct sm *m = new_sm(ps, SM_IPVER);
		if (!m)
			return -1;
		m->u.ipver.ver = strchr(pr, '6') ? 6 : 4;
	} else if (strcmp(pr, "tcp") == 0 || strcmp(pr, "tcp-pkt") == 0 || strcmp(pr, "tcp-stream") == 0)
		r->proto = RP_TCP;
	else if (strcmp(pr, "udp") == 0)
		r->proto = RP_UDP;
	else if (strcmp(pr, "icmp") == 0 || strcmp(pr, "icmpv4") == 0 || strcmp(pr, "icmpv6") == 0)
		r->proto = RP_ICMP;
	else {
		const char *name = strcmp(pr, "cip") == 0 ? "enip" : pr;
		int i = app_parser_index(name);
		if (i < 0) {
			seterr(ps->err, ps->errlen, "header: unknown protocol '%s'", pr);
			return -1;
		}
		r->proto = RP_APP;
		r->app = (int8_t)i;
	}
	char e[200];
	if (addrset_parse(cfg, tok[2], &r->src, e, sizeof(e)) < 0 ||
	    portset_parse(cfg, tok[3], &r->sp, e, sizeof(e)) < 0 ||
	    addrset_parse(cfg, tok[5], &r->dst, e, sizeof(e)) < 0 ||
	    portset_parse(cfg, tok[6], &r->dp, e, sizeof(e)) < 0) {
		seterr(ps->err, ps->errlen, "header: %s", e);
		return -1;
	}
	if (strcmp(tok[4], "->") == 0)
		r->bidir = false;
	else if (strcmp(tok[4], "<>") == 0)
		r->bidir = true;
	else {
		seterr(ps->err, ps->errlen, "header: direction must be -> or <>, got '%s'", tok[4]);
		return -1;
	}
	return 0;
}

/* ---- the rule ------------------------------------------------------------- */

static void choose_fast_pattern(struct rule *r)
{
	r->fp = -1;
	uint32_t best = 0;
	for (int i = 0; i < r->n_sms; i++) {
		const struct sm *m = &r->sms[i];
		if (m->type != SM_CONTENT || (m->u.c.flags & CF_NEGATED))
			continue;
		if (m->u.c.flags & CF_FAST) {
			r->fp = i;
			return;
		}
		if (m->u.c.len > best) {
			best = m->u.c.len;
			r->fp = i;
		}
	}
}

int rule_parse(struct rule_parse_ctx *pc, const char *text, struct rule *r, char *err,
	       size_t errlen)
{
	memset(r, 0, sizeof(*r));
	r->gid = 1;
	r->priority = 3;
	r->category = "";
	r->fp = -1;
	r->anchor = -1;
	r->ev_parser = -2;
	r->app = -1;
	err[0] = 0;
	size_t tl = strlen(text);
	if (tl > RULE_MAX_LEN) {
		seterr(err, errlen, "rule longer than %d bytes", RULE_MAX_LEN);
		return -1;
	}
	char *buf = strdup(text);
	if (!buf) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	struct pstate *ps = calloc(1, sizeof(*ps));
	if (!ps) {
		free(buf);
		seterr(err, errlen, "out of memory");
		return -1;
	}
	ps->pc = pc;
	ps->r = r;
	ps->err = err;
	ps->errlen = errlen;
	ps->last_content = ps->last_payload = -1;
	r->n_bufs = 1; /* buffer 0: packet payload */
	int rc = -1;

	char *open = strchr(buf, '(');
	char *close = strrchr(buf, ')');
	if (!open || !close || close < open) {
		seterr(err, errlen, "expected '(' options ')' after the header");
		goto out;
	}
	if (*trim(close + 1)) {
		seterr(err, errlen, "unexpected text after ')'");
		goto out;
	}
	*open = 0;
	*close = 0;
	if (parse_header(ps, buf) < 0)
		goto out;

	/* options */
	char *s = open + 1;
	while (*(s = trim(s))) {
		char *p = s;
		bool q = false;
		while (*p) {
			if (*p == '\\' && p[1]) {
				p += 2;
				continue;
			}
			if (*p == '"')
				q = !q;
			else if (*p == ';' && !q)
				break;
			p++;
		}
		if (!*p) {
			seterr(err, errlen, "option '%.40s' not terminated by ';'", s);
			goto out;
		}
		*p = 0;
		char *next = p + 1;
		char *colon = NULL;
		for (char *c = s; *c; c++)
			if (*c == ':') {
				colon = c;
				break;
			} else if (*c == '"') {
				break;
			}
		char *val = NULL;
		if (colon) {
			*colon = 0;
			val = colon + 1;
		}
		char *name = trim(s);
		int orc = opt_one(ps, name, val);
		if (orc < 0) {
			if (!strstr(err, name) && orc != -2) {
				char tmp[256];
				snprintf(tmp, sizeof(tmp), "%s: %s", name, err);
				snprintf(err, errlen, "%s", tmp);
			}
			rc = orc;
			goto out;
		}
		s = next;
	}
	if (!ps->have_sid) {
		seterr(err, errlen, "no sid");
		goto out;
	}
	/* relative modifiers need something before them in the same buffer */
	for (int i = 0; i < ps->n_sms; i++) {
		struct sm *m = &ps->sms[i];
		bool rel = (m->type == SM_CONTENT && (m->u.c.flags & CF_RELATIVE)) ||
			   (m->type == SM_PCRE && m->u.re.relative) ||
			   ((m->type == SM_BYTE_TEST || m->type == SM_BYTE_JUMP ||
			     m->type == SM_BYTE_EXTRACT) && (m->u.b.flags & BF_RELATIVE)) ||
			   (m->type == SM_ISDATAAT && m->u.d.relative);
		if (m->type == SM_CONTENT && (m->u.c.flags & CF_RELATIVE) &&
		    (m->u.c.flags & (CF_HAS_OFFSET | CF_HAS_DEPTH))) {
			seterr(err, errlen, "content: offset/depth cannot be mixed with distance/within");
			goto out;
		}
		(void)rel;
	}
	if (ps->n_sms) {
		r->sms = calloc((size_t)ps->n_sms, sizeof(struct sm));
		if (!r->sms) {
			seterr(err, errlen, "out of memory");
			goto out;
		}
		memcpy(r->sms, ps->sms, (size_t)ps->n_sms * sizeof(struct sm));
		r->n_sms = (uint16_t)ps->n_sms;
		ps->n_sms = 0; /* owned by r now */
	}
	if (ps->n_fb) {
		r->fb = calloc((size_t)ps->n_fb, sizeof(struct fb_action));
		if (!r->fb) {
			seterr(err, errlen, "out of memory");
			goto out;
		}
		memcpy(r->fb, ps->fb, (size_t)ps->n_fb * sizeof(struct fb_action));
		r->n_fb = (uint8_t)ps->n_fb;
	}
	r->n_vars = (uint8_t)ps->n_vars;
	for (int i = 0; i < r->n_sms; i++) {
		uint8_t t = r->sms[i].type;
		if (t == SM_CONTENT || t == SM_PCRE || t == SM_BYTE_TEST || t == SM_BYTE_JUMP ||
		    t == SM_BYTE_EXTRACT || t == SM_ISDATAAT || t == SM_BSIZE)
			r->has_payload_sm = true;
	}
	if (!r->msg)
		r->msg = strdup("");
	choose_fast_pattern(r);
	rc = 0;
out:
	for (int i = 0; i < ps->n_sms; i++) {
		struct sm *m = &ps->sms[i];
		if (m->type == SM_CONTENT)
			free(m->u.c.pat);
		else if (m->type == SM_PCRE) {
			pcre2_code_free(m->u.re.re);
			free(m->u.re.src);
		} else if (m->type == SM_APPKW && m->u.kw.kw) {
			if (m->u.kw.kw->free)
				m->u.kw.kw->free(m->u.kw.data);
			else
				free(m->u.kw.data);
		}
	}
	free(ps);
	free(buf);
	if (rc != 0)
		rule_free(r);
	return rc;
}

void rule_free(struct rule *r)
{
	for (int i = 0; i < r->n_sms; i++) {
		struct sm *m = &r->sms[i];
		if (m->type == SM_CONTENT)
			free(m->u.c.pat);
		else if (m->type == SM_PCRE) {
			pcre2_code_free(m->u.re.re);
			free(m->u.re.src);
		} else if (m->type == SM_APPKW && m->u.kw.kw) {
			if (m->u.kw.kw->free)
				m->u.kw.kw->free(m->u.kw.data);
			else
				free(m->u.kw.data);
		}
	}
	free(r->sms);
	free(r->alert_json);
	free(r->fb);
	free(r->fi);
	free(r->msg);
	free(r->classtype);
	free(r->metadata);
	free(r->references);
	free(r->file);
	addrset_free(&r->src);
	addrset_free(&r->dst);
	portset_free(&r->sp);
	portset_free(&r->dp);
	uint32_t sid = r->sid, gid = r->gid;
	memset(r, 0, sizeof(*r));
	r->sid = sid;
	r->gid = gid;
}
