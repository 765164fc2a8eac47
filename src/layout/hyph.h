/* hyph.h - the English hyphenation dictionary compiled into the program:
 * scripts/hyph-compile.c loads libhyphen's hyph_en_US.dic at build time
 * and writes its state machine as constant tables (the build's
 * hyph_en_US.c); hyph.c makes libhyphen's HyphenDict from them while a
 * typesetter holds it. Loading the .dic file at run time (hnj_hyphen_load) was 38 M
 * instructions per typesetter, freeing it 7 M more: 9 % of a brief. */
#ifndef BP_HYPH_H
#define BP_HYPH_H

#include <hyphen.h>

/** One state: offsets into the level's strings (-1: NULL) and its
 * transitions, a slice of the level's `trans`. */
typedef struct bp_hyph_state {
  int match, repl;
  signed char replindex, replcut;
  int fallback_state;
  int first_trans, num_trans;
} bp_hyph_state;

/** One level of a HyphenDict (libhyphen chains a compound level before the
 * patterns' own), as hnj_hyphen_load built it. */
typedef struct bp_hyph_level {
  char lhmin, rhmin, clhmin, crhmin;
  int nohyphen;  /* offset into strings of the NUL-separated list, -1: none */
  int nohyphenl; /* its count */
  const char *cset;
  int utf8;
  int num_states;
  const bp_hyph_state *states;
  const HyphenTrans *trans;
  const char *strings;
} bp_hyph_level;

/* the generated tables (hyph_en_US.c in the build folder) */
extern const bp_hyph_level bp__hyph_en_us[];
extern const int bp__hyph_en_us_levels;

/** The dictionary, shared by every typesetter and thread (libhyphen only
 * reads it): made by the first keep, freed by the drop that balances the
 * last one. Its states are 625 KB (15,600 of libhyphen's 40-byte
 * HyphenState), which `render` then no longer holds while it writes the
 * PDF. Never fails (out of memory aborts). */
HyphenDict *bp__hyph_dict_keep(void);

/** Gives back a dictionary bp__hyph_dict_keep returned; NULL is ignored. */
void bp__hyph_dict_drop(HyphenDict *dict);

#endif
