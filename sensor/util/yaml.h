/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_UTIL_YAML_H
#define VIGIL_UTIL_YAML_H

/*
 * A YAML document as a tree of maps, sequences and scalars, each with its
 * line number, plus typed readers that report "FILE:LINE: key: reason".
 * Anchors and aliases are refused (a config file has no need for them and
 * they are a classic way to make a parser blow up). Bounded: depth 32,
 * 100,000 nodes, 1 MiB file.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ynode_type { YNODE_SCALAR, YNODE_MAP, YNODE_SEQ };

struct ynode {
	enum ynode_type type;
	int line;
	char *key;          /* for map members: the key; else NULL */
	char *value;        /* scalars */
	bool quoted;        /* scalar was quoted (a string, never null/bool) */
	struct ynode *child; /* first member / element */
	struct ynode *next;  /* next sibling */
	bool used;          /* set by readers: unknown keys are those never used */
};

struct ydoc {
	struct ynode *root;
	char *file;
	char err[512];
};

/* Parses a file. 0, or -1 with doc->err set ("FILE:LINE: reason"). */
int ydoc_load(struct ydoc *doc, const char *path);
/* Parses a string (file name used in messages). */
int ydoc_load_string(struct ydoc *doc, const char *name, const char *text, size_t len);
void ydoc_free(struct ydoc *doc);

/* The member key of map m (marked used), or NULL. */
struct ynode *ynode_get(struct ynode *m, const char *key);

/* Typed readers: 0 when absent (out untouched), 1 when read, -1 on a bad
 * value with doc->err set. The node is marked used. */
int ynode_bool(struct ydoc *d, struct ynode *m, const char *key, bool *out);
int ynode_u64(struct ydoc *d, struct ynode *m, const char *key, uint64_t lo, uint64_t hi,
	      uint64_t *out);
int ynode_u32(struct ydoc *d, struct ynode *m, const char *key, uint32_t lo, uint32_t hi,
	      uint32_t *out);
/* Sizes: plain bytes or with kb/mb/gb (powers of 1024), e.g. "64mb". */
int ynode_size(struct ydoc *d, struct ynode *m, const char *key, uint64_t lo, uint64_t hi,
	       uint64_t *out);
/* A string (pointer into the tree, valid until ydoc_free). */
int ynode_str(struct ydoc *d, struct ynode *m, const char *key, const char **out);
/* A map or sequence node (type checked). */
int ynode_map(struct ydoc *d, struct ynode *m, const char *key, struct ynode **out);
int ynode_seq(struct ydoc *d, struct ynode *m, const char *key, struct ynode **out);

/* Reports the first member of m (recursively, for maps whose keys were all
 * described) that no reader asked for: "FILE:LINE: path.key: unknown key".
 * Returns -1 when one was found. */
int ydoc_check_unknown(struct ydoc *d, struct ynode *m, const char *path);

/* Formats an error at node n into d->err; returns -1. */
int ydoc_error(struct ydoc *d, const struct ynode *n, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
