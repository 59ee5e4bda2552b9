/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_DETECT_UINT_H
#define VIGIL_DETECT_UINT_H

/*
 * Suricata's integer keyword syntax (detect-engine-uint.c), shared by every
 * integer keyword (dsize, enip.status, iec104.cot, s7comm.db, ...):
 *
 *   5   =5   <5   >5   <=5   >=5   !5   !=5
 *   1-10  1<>10        exclusive range (1 < x < 10), as in Suricata
 *   !1-10              outside the range
 *   &0xf0=0x10  &0xf0!=0x10  &0x80   (mask, then =value / !=value / nonzero)
 *
 * Numbers are decimal or 0x hex. A name table lets keywords accept names
 * (C_SC_NA_1, plc_stop) wherever a number goes.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum du_op { DU_EQ, DU_NE, DU_LT, DU_GT, DU_LE, DU_GE, DU_RANGE, DU_NRANGE, DU_MASK_EQ,
	     DU_MASK_NE, DU_MASK_ANY };

struct du_match {
	uint8_t op;
	uint64_t a, b; /* value, or range ends, or mask (a) and value (b) */
};

struct du_name {
	const char *name;
	uint64_t value;
};

/* Parses s (leading/trailing blanks allowed). Values above max are an
 * error. names may be NULL (n_names 0); names match case-insensitively.
 * Returns 0, or -1 with a reason in err. */
int du_parse(const char *s, uint64_t max, const struct du_name *names, size_t n_names,
	     struct du_match *m, char *err, size_t errlen);

/* du_parse into a du_match of its own, stored in *out (a keyword's data,
 * released with free()). Returns 0, or -1 with a reason in err. */
int du_match_new(const char *s, uint64_t max, const struct du_name *names, size_t n_names,
		 void **out, char *err, size_t errlen);

bool du_match(const struct du_match *m, uint64_t v);

/* The single value m accepts (op DU_EQ), or -1. */
int64_t du_single(const struct du_match *m);

/* Sets bit v of set for every v in 0 .. max that m accepts (max below
 * APP_FUNC_BITS: a function-code index, see detect_kw.h); returns true. */
bool du_set(const struct du_match *m, uint64_t max, uint8_t *set);

/* Suricata's bitflag form of an integer keyword (dnp3_ind): any integer
 * form du_parse takes, or [modifier] flag[,flag...] with a flag negated by
 * '!': '*' any of the flags is set; '+' every listed flag set, every
 * negated one clear; '-' not that ('!' too when defmod is '='); '=' the
 * value is exactly the listed flags. defmod: the modifier when none is
 * given ('*' for dnp3_ind). Flag names match case-insensitively. */
int du_parse_flags(const char *s, uint64_t max, const struct du_name *flags, size_t n_flags,
		   char defmod, struct du_match *m, char *err, size_t errlen);

/* Parses one number or name into *v: 0, or -1. */
int du_parse_value(const char *s, uint64_t max, const struct du_name *names, size_t n_names,
		   uint64_t *v, char *err, size_t errlen);

#endif
