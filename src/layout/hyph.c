/* hyph.c - libhyphen's HyphenDict made from the tables the build compiled
 * from hyph_en_US.dic (hyph.h, scripts/hyph-compile.c) while a typesetter
 * holds it: the states point into the constant tables, so making it is one
 * allocation and a loop per level, and freeing it one free per level. Must
 * not change the tables: libhyphen only reads them, and the dictionary is
 * never given to hnj_hyphen_free. */
#include "hyph.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/bp.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static HyphenDict *dict; /* under lock, with its holders' count */
static int holders;

static char *string_at(const bp_hyph_level *lv, int off) {
  return off < 0 ? NULL : (char *)lv->strings + off; /* read-only to libhyphen */
}

static HyphenDict *make(void) {
  HyphenDict *next = NULL;
  for (int l = bp__hyph_en_us_levels - 1; l >= 0; l--) {
    const bp_hyph_level *lv = &bp__hyph_en_us[l];
    /* the dictionary and its states in one block */
    HyphenDict *d = bp_calloc(1, sizeof *d + (size_t)lv->num_states * sizeof(HyphenState));
    HyphenState *states = (HyphenState *)(d + 1);
    d->lhmin = lv->lhmin;
    d->rhmin = lv->rhmin;
    d->clhmin = lv->clhmin;
    d->crhmin = lv->crhmin;
    d->nohyphen = string_at(lv, lv->nohyphen);
    d->nohyphenl = lv->nohyphenl;
    d->num_states = lv->num_states;
    snprintf(d->cset, sizeof d->cset, "%s", lv->cset);
    d->utf8 = lv->utf8;
    d->states = states;
    d->nextlevel = next;
    for (int i = 0; i < lv->num_states; i++) {
      const bp_hyph_state *s = &lv->states[i];
      states[i].match = string_at(lv, s->match);
      states[i].repl = string_at(lv, s->repl);
      states[i].replindex = s->replindex;
      states[i].replcut = s->replcut;
      states[i].fallback_state = s->fallback_state;
      states[i].num_trans = s->num_trans;
      states[i].trans = s->num_trans ? (HyphenTrans *)&lv->trans[s->first_trans] : NULL;
    }
    next = d;
  }
  return next;
}

HyphenDict *bp__hyph_dict_keep(void) {
  pthread_mutex_lock(&lock);
  if (holders++ == 0) dict = make();
  HyphenDict *d = dict;
  pthread_mutex_unlock(&lock);
  return d;
}

void bp__hyph_dict_drop(HyphenDict *d) {
  if (!d) return;
  pthread_mutex_lock(&lock);
  if (--holders == 0) {
    /* each level is one block (make); the states are inside it */
    while (dict) {
      HyphenDict *next = dict->nextlevel;
      free(dict);
      dict = next;
    }
  }
  pthread_mutex_unlock(&lock);
}
