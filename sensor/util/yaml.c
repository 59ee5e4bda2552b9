/* SPDX-License-Identifier: BSD-3-Clause */
#include "util/yaml.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#define YAML_MAX_DEPTH 32
#define YAML_MAX_NODES 100000
#define YAML_MAX_FILE (1u << 20)

struct builder {
	struct ydoc *doc;
	yaml_parser_t parser;
	size_t nodes;
};

static void node_free(struct ynode *n)
{
	while (n) {
		struct ynode *next = n->next;
		node_free(n->child);
		free(n->key);
		free(n->value);
		free(n);
		n = next;
	}
}

void ydoc_free(struct ydoc *doc)
{
	if (!doc)
		return;
	node_free(doc->root);
	doc->root = NULL;
	free(doc->file);
	doc->file = NULL;
}

int ydoc_error(struct ydoc *d, const struct ynode *n, const char *key, const char *fmt, ...)
{
	char msg[384];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (key)
		snprintf(d->err, sizeof(d->err), "%s:%d: %s: %s", d->file ? d->file : "config",
			 n ? n->line : 0, key, msg);
	else
		snprintf(d->err, sizeof(d->err), "%s:%d: %s", d->file ? d->file : "config",
			 n ? n->line : 0, msg);
	return -1;
}

static int next_event(struct builder *b, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&b->parser, ev)) {
		snprintf(b->doc->err, sizeof(b->doc->err), "%s:%zu: %s%s%s", b->doc->file,
			 b->parser.problem_mark.line + 1,
			 b->parser.problem ? b->parser.problem : "syntax error",
			 b->parser.context ? " " : "", b->parser.context ? b->parser.context : "");
		return -1;
	}
	return 0;
}

static struct ynode *new_node(struct builder *b, enum ynode_type t, const yaml_event_t *ev)
{
	if (++b->nodes > YAML_MAX_NODES) {
		snprintf(b->doc->err, sizeof(b->doc->err), "%s:%zu: too many nodes (limit %d)",
			 b->doc->file, ev->start_mark.line + 1, YAML_MAX_NODES);
		return NULL;
	}
	struct ynode *n = calloc(1, sizeof(*n));
	if (!n) {
		snprintf(b->doc->err, sizeof(b->doc->err), "%s: out of memory", b->doc->file);
		return NULL;
	}
	n->type = t;
	n->line = (int)ev->start_mark.line + 1;
	return n;
}

static struct ynode *parse_node(struct builder *b, yaml_event_t *ev, int depth);

/* Parses members until the end event of a map or sequence. */
static int parse_children(struct builder *b, struct ynode *parent, int depth)
{
	struct ynode **tail = &parent->child;
	for (;;) {
		yaml_event_t ev;
		if (next_event(b, &ev) < 0)
			return -1;
		if (ev.type == YAML_MAPPING_END_EVENT || ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			return 0;
		}
		char *key = NULL;
		int key_line = 0;
		if (parent->type == YNODE_MAP) {
			if (ev.type != YAML_SCALAR_EVENT) {
				snprintf(b->doc->err, sizeof(b->doc->err),
					 "%s:%zu: map keys must be plain strings", b->doc->file,
					 ev.start_mark.line + 1);
				yaml_event_delete(&ev);
				return -1;
			}
			key = strdup((const char *)ev.data.scalar.value);
			key_line = (int)ev.start_mark.line + 1;
			yaml_event_delete(&ev);
			if (!key)
				return -1;
			for (struct ynode *s = parent->child; s; s = s->next) {
				if (s->key && strcmp(s->key, key) == 0) {
					snprintf(b->doc->err, sizeof(b->doc->err),
						 "%s:%d: %s: duplicate key (first at line %d)",
						 b->doc->file, key_line, key, s->line);
					free(key);
					return -1;
				}
			}
			if (next_event(b, &ev) < 0) {
				free(key);
				return -1;
			}
		}
		struct ynode *n = parse_node(b, &ev, depth + 1);
		yaml_event_delete(&ev);
		if (!n) {
			free(key);
			return -1;
		}
		n->key = key;
		if (key)
			n->line = key_line; /* report settings at their key */
		*tail = n;
		tail = &n->next;
	}
}

static struct ynode *parse_node(struct builder *b, yaml_event_t *ev, int depth)
{
	if (depth > YAML_MAX_DEPTH) {
		snprintf(b->doc->err, sizeof(b->doc->err), "%s:%zu: nesting deeper than %d",
			 b->doc->file, ev->start_mark.line + 1, YAML_MAX_DEPTH);
		return NULL;
	}
	struct ynode *n;
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		if (ev->data.scalar.anchor) {
			snprintf(b->doc->err, sizeof(b->doc->err), "%s:%zu: anchors are not supported",
				 b->doc->file, ev->start_mark.line + 1);
			return NULL;
		}
		n = new_node(b, YNODE_SCALAR, ev);
		if (!n)
			return NULL;
		n->value = strdup((const char *)ev->data.scalar.value);
		n->quoted = ev->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
			    ev->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
		if (!n->value) {
			free(n);
			return NULL;
		}
		return n;
	case YAML_MAPPING_START_EVENT:
	case YAML_SEQUENCE_START_EVENT:
		if ((ev->type == YAML_MAPPING_START_EVENT && ev->data.mapping_start.anchor) ||
		    (ev->type == YAML_SEQUENCE_START_EVENT && ev->data.sequence_start.anchor)) {
			snprintf(b->doc->err, sizeof(b->doc->err), "%s:%zu: anchors are not supported",
				 b->doc->file, ev->start_mark.line + 1);
			return NULL;
		}
		n = new_node(b, ev->type == YAML_MAPPING_START_EVENT ? YNODE_MAP : YNODE_SEQ, ev);
		if (!n)
			return NULL;
		if (parse_children(b, n, depth) < 0) {
			node_free(n);
			return NULL;
		}
		return n;
	case YAML_ALIAS_EVENT:
		snprintf(b->doc->err, sizeof(b->doc->err), "%s:%zu: aliases are not supported",
			 b->doc->file, ev->start_mark.line + 1);
		return NULL;
	default:
		snprintf(b->doc->err, sizeof(b->doc->err), "%s:%zu: unexpected YAML event",
			 b->doc->file, ev->start_mark.line + 1);
		return NULL;
	}
}

int ydoc_load_string(struct ydoc *doc, const char *name, const char *text, size_t len)
{
	memset(doc, 0, sizeof(*doc));
	doc->file = strdup(name);
	if (!doc->file)
		return -1;
	struct builder b = { .doc = doc };
	if (!yaml_parser_initialize(&b.parser)) {
		snprintf(doc->err, sizeof(doc->err), "%s: cannot initialise the YAML parser", name);
		return -1;
	}
	yaml_parser_set_input_string(&b.parser, (const unsigned char *)text, len);
	int rc = -1;
	yaml_event_t ev;
	/* stream start, document start */
	if (next_event(&b, &ev) < 0)
		goto out;
	yaml_event_delete(&ev);
	if (next_event(&b, &ev) < 0)
		goto out;
	if (ev.type == YAML_STREAM_END_EVENT) {
		/* empty file: an empty map */
		yaml_event_delete(&ev);
		doc->root = calloc(1, sizeof(*doc->root));
		if (doc->root) {
			doc->root->type = YNODE_MAP;
			doc->root->line = 1;
			rc = 0;
		}
		goto out;
	}
	yaml_event_delete(&ev);
	if (next_event(&b, &ev) < 0)
		goto out;
	doc->root = parse_node(&b, &ev, 0);
	yaml_event_delete(&ev);
	if (!doc->root)
		goto out;
	if (doc->root->type != YNODE_MAP) {
		ydoc_error(doc, doc->root, NULL, "the configuration must be a map of settings");
		goto out;
	}
	rc = 0;
out:
	yaml_parser_delete(&b.parser);
	return rc;
}

int ydoc_load(struct ydoc *doc, const char *path)
{
	memset(doc, 0, sizeof(*doc));
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(doc->err, sizeof(doc->err), "%s: %s", path, strerror(errno));
		return -1;
	}
	char *buf = malloc(YAML_MAX_FILE + 1);
	if (!buf) {
		fclose(f);
		snprintf(doc->err, sizeof(doc->err), "%s: out of memory", path);
		return -1;
	}
	size_t n = fread(buf, 1, YAML_MAX_FILE + 1, f);
	bool rerr = ferror(f);
	fclose(f);
	if (rerr) {
		free(buf);
		snprintf(doc->err, sizeof(doc->err), "%s: read error", path);
		return -1;
	}
	if (n > YAML_MAX_FILE) {
		free(buf);
		snprintf(doc->err, sizeof(doc->err), "%s: larger than %u bytes", path, YAML_MAX_FILE);
		return -1;
	}
	int rc = ydoc_load_string(doc, path, buf, n);
	free(buf);
	return rc;
}

struct ynode *ynode_get(struct ynode *m, const char *key)
{
	if (!m || m->type != YNODE_MAP)
		return NULL;
	for (struct ynode *n = m->child; n; n = n->next) {
		if (n->key && strcmp(n->key, key) == 0) {
			n->used = true;
			return n;
		}
	}
	return NULL;
}

static int scalar(struct ydoc *d, struct ynode *m, const char *key, struct ynode **out)
{
	struct ynode *n = ynode_get(m, key);
	if (!n)
		return 0;
	if (n->type != YNODE_SCALAR)
		return ydoc_error(d, n, key, "expected a value, found a %s",
				  n->type == YNODE_MAP ? "map" : "list");
	*out = n;
	return 1;
}

int ynode_bool(struct ydoc *d, struct ynode *m, const char *key, bool *out)
{
	struct ynode *n = NULL;
	int r = scalar(d, m, key, &n);
	if (r <= 0)
		return r;
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(n->value, yes[i]) == 0) {
			*out = true;
			return 1;
		}
		if (strcasecmp(n->value, no[i]) == 0) {
			*out = false;
			return 1;
		}
	}
	return ydoc_error(d, n, key, "expected yes or no, got \"%s\"", n->value);
}

static int parse_u64(const char *s, bool sizes, uint64_t *out)
{
	if (!*s || *s == '-' || *s == '+')
		return -1;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	uint64_t mul = 1;
	if (*end && sizes) {
		if (strcasecmp(end, "kb") == 0 || strcasecmp(end, "k") == 0)
			mul = 1024;
		else if (strcasecmp(end, "mb") == 0 || strcasecmp(end, "m") == 0)
			mul = 1024 * 1024;
		else if (strcasecmp(end, "gb") == 0 || strcasecmp(end, "g") == 0)
			mul = 1024ull * 1024 * 1024;
		else
			return -1;
	} else if (*end) {
		return -1;
	}
	if (v > UINT64_MAX / mul)
		return -1;
	*out = v * mul;
	return 0;
}

static int read_u64(struct ydoc *d, struct ynode *m, const char *key, uint64_t lo, uint64_t hi,
		    uint64_t *out, bool sizes)
{
	struct ynode *n = NULL;
	int r = scalar(d, m, key, &n);
	if (r <= 0)
		return r;
	uint64_t v;
	if (parse_u64(n->value, sizes, &v) < 0)
		return ydoc_error(d, n, key, "expected %s, got \"%s\"",
				  sizes ? "a size such as 65536, 64kb or 32mb" : "a whole number",
				  n->value);
	if (v < lo || v > hi)
		return ydoc_error(d, n, key, "%s is out of range %llu..%llu", n->value,
				  (unsigned long long)lo, (unsigned long long)hi);
	*out = v;
	return 1;
}

int ynode_u64(struct ydoc *d, struct ynode *m, const char *key, uint64_t lo, uint64_t hi,
	      uint64_t *out)
{
	return read_u64(d, m, key, lo, hi, out, false);
}

int ynode_size(struct ydoc *d, struct ynode *m, const char *key, uint64_t lo, uint64_t hi,
	       uint64_t *out)
{
	return read_u64(d, m, key, lo, hi, out, true);
}

int ynode_u32(struct ydoc *d, struct ynode *m, const char *key, uint32_t lo, uint32_t hi,
	      uint32_t *out)
{
	uint64_t v;
	int r = read_u64(d, m, key, lo, hi, &v, false);
	if (r == 1)
		*out = (uint32_t)v;
	return r;
}

int ynode_str(struct ydoc *d, struct ynode *m, const char *key, const char **out)
{
	struct ynode *n = NULL;
	int r = scalar(d, m, key, &n);
	if (r <= 0)
		return r;
	*out = n->value;
	return 1;
}

int ynode_map(struct ydoc *d, struct ynode *m, const char *key, struct ynode **out)
{
	struct ynode *n = ynode_get(m, key);
	if (!n)
		return 0;
	if (n->type != YNODE_MAP) {
		/* "key:" with nothing after it is an empty scalar: an empty map */
		if (n->type == YNODE_SCALAR && n->value[0] == '\0' && !n->quoted) {
			*out = NULL;
			return 1;
		}
		return ydoc_error(d, n, key, "expected a map of settings");
	}
	*out = n;
	return 1;
}

int ynode_seq(struct ydoc *d, struct ynode *m, const char *key, struct ynode **out)
{
	struct ynode *n = ynode_get(m, key);
	if (!n)
		return 0;
	if (n->type != YNODE_SEQ) {
		if (n->type == YNODE_SCALAR && n->value[0] == '\0' && !n->quoted) {
			*out = NULL;
			return 1;
		}
		return ydoc_error(d, n, key, "expected a list");
	}
	*out = n;
	return 1;
}

int ydoc_check_unknown(struct ydoc *d, struct ynode *m, const char *path)
{
	if (!m || m->type != YNODE_MAP)
		return 0;
	for (struct ynode *n = m->child; n; n = n->next) {
		char full[256];
		if (path && *path)
			snprintf(full, sizeof(full), "%s.%s", path, n->key);
		else
			snprintf(full, sizeof(full), "%s", n->key);
		if (!n->used)
			return ydoc_error(d, n, full, "unknown key");
		if (n->type == YNODE_MAP && ydoc_check_unknown(d, n, full) < 0)
			return -1;
	}
	return 0;
}
