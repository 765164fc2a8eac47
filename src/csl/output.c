/* output.c - the CSL processor's output: a tree of text and formatting
 * (co_node) that rendering builds, flattened into tokens where the
 * punctuation rules apply (a suffix's full stop after "Ed." drops, commas
 * and full stops move inside closing quotes when the locale says so), then
 * written as the test suite's HTML, as plain text or as bp_spans. Also
 * text-case and the rich text of CSL-JSON values (<i>, <b>, quotes). */
#define _GNU_SOURCE
#include <ctype.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "csl-imp.h"

/* ---------------------------------------------------------------- nodes */

co_node *co_text(const char *s) {
  co_node *n = bp_calloc(1, sizeof *n);
  n->text = bp_strdup(s ? s : "");
  return n;
}

co_node *co_affix(const char *s) {
  co_node *n = co_text(s);
  n->affix = true;
  return n;
}

co_node *co_group(void) { return bp_calloc(1, sizeof(co_node)); }

void co_add(co_node *g, co_node *kid) {
  if (!kid) return;
  BP_PUSH(g->kids, g->n_kids, g->cap_kids, kid);
}

void co_free(co_node *n) {
  if (!n) return;
  for (size_t i = 0; i < n->n_kids; i++) co_free(n->kids[i]);
  free(n->kids);
  free(n->text);
  free(n->prefix);
  free(n->suffix);
  free(n->link);
  free(n);
}

bool co_empty(const co_node *n) {
  if (!n) return true;
  if (n->text) return !*n->text;
  for (size_t i = 0; i < n->n_kids; i++)
    if (!co_empty(n->kids[i]) && !n->kids[i]->affix) return false;
  return true;
}

/* ------------------------------------------------------------ rich text */

static bool starts(const char *s, const char *p) { return !strncmp(s, p, strlen(p)); }

/* The ASCII letter of a superscript letter at p (ª º ʳ ᵉ ...), or 0;
 * *took is set true when there is one. */
static char sup_letter(const char *p, bool *took) {
  static const struct {
    uint32_t cp;
    char c;
  } SUP[] = {{0xAA, 'a'},   {0xBA, 'o'},  {0x2B3, 'r'},  {0x1D49, 'e'}, {0x2E2, 's'},
             {0x1D57, 't'}, {0x2B0, 'h'}, {0x207F, 'n'}, {0x1D48, 'd'}, {0x1D43, 'a'},
             {0x1D52, 'o'}, {0x2E1, 'l'}, {0x1D50, 'm'}, {0x1D49, 'e'}};
  int len;
  int32_t c = bp_utf8_decode(p, strnlen(p, 4), &len); /* a character is 4 bytes at most */
  for (size_t i = 0; i < sizeof SUP / sizeof *SUP; i++)
    if (c >= 0 && (uint32_t)c == SUP[i].cp) {
      *took = true;
      return SUP[i].c;
    }
  return 0;
}

/* True when a closing single quote follows in s (one not inside a word). */
static bool single_close(const char *s) {
  for (const char *q = strchr(s, '\''); q; q = strchr(q + 1, '\''))
    if (!isalnum((unsigned char)q[1])) return true;
  return false;
}

static co_node *rich(const char *s, bool smart, bool single);

/* A byte rich() copies as it is wherever it stands: none of < " ' and
 * no lead byte of a character above U+007F (quotes, superscript letters). */
static bool plain_byte(char c) {
  unsigned char u = (unsigned char)c;
  return u && u != '<' && u != '"' && u != '\'' && u < 0xC2;
}

co_node *co_rich(const char *s, bool smart) { return rich(s, smart, smart); }

/* smart: double quotes become quotes nodes; single: so do pairs of single
 * quotes, and apostrophes become ’. */
static co_node *rich(const char *s, bool smart, bool single) {
  co_node *root = co_group();
  co_node *stack[32];
  const char *closers[32];
  int depth = 0;
  stack[0] = root;
  bp_buf cur = {0};
  bool quote_open = false, sq_open = false;
  int quote_depth = -1, sq_depth = -1;
#define FLUSH()                                                                                    \
  do {                                                                                             \
    if (cur.len) {                                                                                 \
      co_add(stack[depth], co_text(cur.data));                                                     \
      bp_buf_free(&cur);                                                                           \
      cur = (bp_buf){0};                                                                           \
    }                                                                                              \
  } while (0)
  static const struct {
    const char *open, *close;
    int what;
  } TAGS[] = {{"<i>", "</i>", 1},
              {"<em>", "</em>", 1},
              {"<b>", "</b>", 2},
              {"<strong>", "</strong>", 2},
              {"<sup>", "</sup>", 3},
              {"<sub>", "</sub>", 4},
              {"<sc>", "</sc>", 5},
              {"<span style=\"font-variant:small-caps;\">", "</span>", 5},
              {"<span style=\"font-variant: small-caps;\">", "</span>", 5},
              {"<span class=\"nocase\">", "</span>", 6}};
  for (const char *p = s; *p;) {
    bool took = false;
    if (*p == '<') {
      if (depth > 0 && starts(p, closers[depth])) {
        FLUSH();
        p += strlen(closers[depth]);
        depth--;
        took = true;
      } else if (depth < 30) {
        for (size_t i = 0; i < sizeof TAGS / sizeof *TAGS && !took; i++) {
          if (!starts(p, TAGS[i].open)) continue;
          const char *rest = p + strlen(TAGS[i].open);
          if (!strstr(rest, TAGS[i].close)) continue;
          FLUSH();
          co_node *g = co_group();
          switch (TAGS[i].what) {
          case 1: g->font_style = FS_ITALIC; break;
          case 2: g->font_weight = FW_BOLD; break;
          /* superscript, subscript and small caps keep their case */
          case 3: g->valign = VA_SUP, g->nocase = true; break;
          case 4: g->valign = VA_SUB, g->nocase = true; break;
          case 5: g->font_variant = FV_SMALLCAPS, g->nocase = true; break;
          case 6: g->nocase = true; break;
          }
          co_add(stack[depth], g);
          stack[++depth] = g;
          closers[depth] = TAGS[i].close;
          p = rest;
          took = true;
        }
      }
    } else if (smart && depth < 30 && quote_open && quote_depth == depth &&
               starts(p, "\xE2\x80\x9D")) {
      FLUSH(); /* ” closing a “ */
      depth--;
      quote_open = false;
      p += 3;
      took = true;
    } else if (smart && depth < 30 && !quote_open && starts(p, "\xE2\x80\x9C") &&
               strstr(p + 3, "\xE2\x80\x9D")) {
      FLUSH(); /* “ opening quotes, as a straight " does */
      co_node *g = co_group();
      g->quotes = true;
      co_add(stack[depth], g);
      stack[++depth] = g;
      closers[depth] = "\x01";
      quote_open = true;
      quote_depth = depth;
      p += 3;
      took = true;
    } else if (*p == '"' && depth < 30 && smart) {
      if (quote_open && quote_depth == depth) {
        FLUSH();
        depth--;
        quote_open = false;
        p++;
        took = true;
      } else if (!quote_open && strchr(p + 1, '"')) {
        FLUSH();
        co_node *g = co_group();
        g->quotes = true;
        co_add(stack[depth], g);
        stack[++depth] = g;
        closers[depth] = "\x01"; /* only a '"' closes it */
        quote_open = true;
        quote_depth = depth;
        p++;
        took = true;
      }
    } else if ((unsigned char)*p >= 0xC2 && sup_letter(p, &took)) {
      /* superscript letters (1ʳᵉ, 1.ª) as superscript text */
      FLUSH();
      co_node *g = co_group();
      g->valign = VA_SUP;
      char l[2] = {sup_letter(p, &took), 0};
      co_add(g, co_text(l));
      co_add(stack[depth], g);
      int len;
      bp_utf8_decode(p, strnlen(p, 4), &len);
      p += len;
    } else if (*p == '\'' && single) {
      bool after_word = p > s && !strchr(" ([\"", p[-1]);
      if (sq_open && sq_depth == depth && !isalnum((unsigned char)p[1])) {
        FLUSH(); /* the closing one of a pair of single quotes */
        depth--;
        sq_open = false;
      } else if (!sq_open && !after_word && p[1] && p[1] != ' ' && depth < 30 &&
                 single_close(p + 1)) {
        FLUSH();
        co_node *g = co_group();
        g->quotes = true;
        co_add(stack[depth], g);
        stack[++depth] = g;
        closers[depth] = "\x01";
        sq_open = true;
        sq_depth = depth;
      } else {
        bp_buf_puts(&cur, "\xE2\x80\x99"); /* an apostrophe: ’ */
      }
      p++;
      took = true;
    }
    if (!took) { /* this byte and the plain ones after it, in one piece */
      const char *e = p + 1;
      while (plain_byte(*e)) e++;
      bp_buf_put(&cur, p, (size_t)(e - p));
      p = e;
    }
  }
  FLUSH();
#undef FLUSH
  return root;
}

/* ------------------------------------------------------------ text-case */

static locale_t utf8_locale(void) {
  static locale_t loc;
  static bool tried;
  if (!tried) { /* benign race: both threads compute the same value */
    locale_t l = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    loc = l;
    tried = true;
  }
  return loc;
}

static uint32_t cp_upper(uint32_t c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') ? c - 32 : c;
  locale_t l = utf8_locale();
  return l ? (uint32_t)towupper_l((wint_t)c, l) : c;
}

static uint32_t cp_lower(uint32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  locale_t l = utf8_locale();
  return l ? (uint32_t)towlower_l((wint_t)c, l) : c;
}

static bool cp_alpha(uint32_t c) {
  if (c < 0x80) return (c | 32) >= 'a' && (c | 32) <= 'z';
  locale_t l = utf8_locale();
  return l ? iswalpha_l((wint_t)c, l) : true;
}

/* Maps a string code point by code point: f(c, index in word, word index). */
typedef struct word {
  size_t start, end; /* byte offsets */
} word;

static char *recase(const char *s, uint32_t (*f)(uint32_t)) {
  bp_buf b = {0};
  size_t n = strlen(s);
  for (size_t i = 0; i < n;) {
    int len;
    int32_t c = bp_utf8_decode(s + i, n - i, &len);
    if (c < 0) {
      bp_buf_put(&b, s + i, 1);
    } else {
      char e[4];
      bp_buf_put(&b, e, (size_t)bp_utf8_encode(f((uint32_t)c), e));
    }
    i += (size_t)len;
  }
  if (!b.data) return bp_strdup("");
  return bp_buf_detach(&b);
}

static bool word_has_upper(const char *s, size_t a, size_t e) {
  for (size_t i = a; i < e;) {
    int len;
    int32_t c = bp_utf8_decode(s + i, e - i, &len);
    if (c > 0 && cp_lower((uint32_t)c) != (uint32_t)c) return true;
    i += (size_t)len;
  }
  return false;
}

static bool word_all_upper(const char *s, size_t a, size_t e) {
  bool any = false;
  for (size_t i = a; i < e;) {
    int len;
    int32_t c = bp_utf8_decode(s + i, e - i, &len);
    if (c > 0 && cp_upper((uint32_t)c) != (uint32_t)c) return false;
    if (c > 0 && cp_alpha((uint32_t)c)) any = true;
    i += (size_t)len;
  }
  return any;
}

static const char *const STOP_WORDS[] = {
    "a",       "an",    "and", "as",      "at",   "but",  "by",      "down",   "for", "from",
    "in",      "into",  "nor", "of",      "on",   "onto", "or",      "over",   "so",  "the",
    "till",    "to",    "up",  "via",     "with", "yet",  "versus",  "vs.",    "v.",  "about",
    "against", "among", "per", "between", "near", "upon", "without", "within", NULL};

static bool stop_word(const char *s, size_t a, size_t e) {
  for (const char *const *w = STOP_WORDS; *w; w++)
    if (strlen(*w) == e - a && !strncmp(*w, s + a, e - a)) return true;
  return false;
}

/* Upper-cases the first letter of s[a..e) in b (b holds s[0..a) already). */
static void put_cap(bp_buf *b, const char *s, size_t a, size_t e, bool lower_rest) {
  bool first = true;
  for (size_t i = a; i < e;) {
    int len;
    int32_t c = bp_utf8_decode(s + i, e - i, &len);
    if (c < 0) {
      bp_buf_put(b, s + i, 1);
      i++;
      continue;
    }
    uint32_t o = (uint32_t)c;
    if (first && cp_alpha(o)) {
      o = cp_upper(o);
      first = false;
    } else if (lower_rest && !first) {
      o = cp_lower(o);
    }
    char enc[4];
    bp_buf_put(b, enc, (size_t)bp_utf8_encode(o, enc));
    i += (size_t)len;
  }
}

typedef struct case_state {
  const char *tc;
  bool at_start; /* no word seen yet */
  bool after_colon;
  bool all_upper_input;
  size_t words, word; /* words under the node, and the current one's index */
} case_state;

/* The length of a word separator at s: spaces (also no-break), and for
 * title case hyphens, slashes and dashes; 0 when none. */
static size_t word_sep(const char *s, bool title) {
  if (*s == ' ') return 1;
  if (!strncmp(s, "\xC2\xA0", 2)) return 2;
  if (!title) return 0;
  if (*s == '-' || *s == '/') return 1;
  if (!strncmp(s, "\xE2\x80\x93", 3) || !strncmp(s, "\xE2\x80\x94", 3)) return 3;
  return 0;
}

static char *case_leaf(case_state *cs, const char *s) {
  const char *tc = cs->tc;
  if (!strcmp(tc, "uppercase")) return recase(s, cp_upper);
  if (!strcmp(tc, "lowercase")) return recase(s, cp_lower);
  bp_buf b = {0};
  size_t n = strlen(s), i = 0;
  bool title = !strcmp(tc, "title");
  while (i < n) {
    size_t a = i;
    size_t k;
    while (i < n && (k = word_sep(s + i, title))) i += k;
    bp_buf_put(&b, s + a, i - a);
    size_t ws = i;
    while (i < n && !word_sep(s + i, title)) i++;
    if (i == ws) continue;
    /* skip leading punctuation of the word for the capital */
    size_t core = ws;
    while (core < i && strchr("\"'([{\xE2", s[core]) && s[core] != '\xE2') core++;
    bool first = cs->at_start;
    cs->at_start = false;
    bool last_word = ++cs->word >= cs->words;
    if (!strcmp(tc, "capitalize-first")) {
      if (first)
        put_cap(&b, s, ws, i, false);
      else
        bp_buf_put(&b, s + ws, i - ws);
    } else if (!strcmp(tc, "capitalize-all")) {
      put_cap(&b, s, ws, i, false);
    } else if (!strcmp(tc, "sentence")) {
      bool lower = cs->all_upper_input;
      if (first)
        put_cap(&b, s, ws, i, lower);
      else if (lower) {
        char *w = bp_strndup(s + ws, i - ws);
        char *l = recase(w, cp_lower);
        bp_buf_puts(&b, l);
        free(w);
        free(l);
      } else
        bp_buf_put(&b, s + ws, i - ws);
    } else if (!strcmp(tc, "title")) {
      size_t we = i;
      while (we > core && strchr(".,;:!?)]\"'", s[we - 1])) we--;
      bool colon = cs->after_colon;
      cs->after_colon = i > ws && s[i - 1] == ':';
      if (word_has_upper(s, core, we) && !word_all_upper(s, core, we)) {
        bp_buf_put(&b, s + ws, i - ws); /* mixed case: leave it */
      } else if (!first && !colon && !last_word && stop_word(s, core, we)) {
        bp_buf_put(&b, s + ws, i - ws);
      } else if (word_all_upper(s, core, we)) {
        bp_buf_put(&b, s + ws, i - ws); /* acronyms stay */
      } else {
        put_cap(&b, s, ws, i, false);
      }
    } else {
      bp_buf_put(&b, s + ws, i - ws);
    }
  }
  if (!b.data) return bp_strdup("");
  return bp_buf_detach(&b);
}

static size_t count_words(const co_node *n) {
  size_t k = 0;
  if (n->text && !n->affix) {
    bool in = false;
    for (const char *p = n->text; *p;) {
      size_t sep = word_sep(p, true);
      if (!sep && !in) k++;
      in = !sep;
      p += sep ? sep : 1;
    }
  }
  for (size_t i = 0; i < n->n_kids; i++) k += count_words(n->kids[i]);
  return k;
}

static void case_walk(co_node *n, case_state *cs) {
  if (n->nocase) {
    size_t w = count_words(n);
    cs->at_start = false;
    if (w) cs->after_colon = false;
    cs->word += w;
    return;
  }
  if (n->text) {
    if (n->affix) return;
    char *t = case_leaf(cs, n->text);
    free(n->text);
    n->text = t;
    return;
  }
  for (size_t i = 0; i < n->n_kids; i++) case_walk(n->kids[i], cs);
}

static void upper_walk(const co_node *n, bool *all_upper, bool *any) {
  if (n->text && !n->affix) {
    size_t l = strlen(n->text);
    if (l) {
      if (!word_all_upper(n->text, 0, l)) {
        for (size_t i = 0; i < l;) {
          int len;
          int32_t c = bp_utf8_decode(n->text + i, l - i, &len);
          if (c > 0 && cp_alpha((uint32_t)c)) {
            *any = true;
            if (cp_upper((uint32_t)c) != (uint32_t)c) *all_upper = false;
          }
          i += (size_t)len;
        }
      } else {
        *any = true;
      }
    }
  }
  for (size_t i = 0; i < n->n_kids; i++) upper_walk(n->kids[i], all_upper, any);
}

void co_text_case(co_node *n, const char *tc, const char *lang) {
  if (!n || !tc) return;
  if ((!strcmp(tc, "title") || !strcmp(tc, "sentence")) && lang && *lang && strncmp(lang, "en", 2))
    return; /* title and sentence case are English rules */
  case_state cs = {tc, true, false, false, count_words(n), 0};
  if (!strcmp(tc, "sentence") || !strcmp(tc, "title")) {
    bool all = true, any = false;
    upper_walk(n, &all, &any);
    cs.all_upper_input = all && any;
    if (cs.all_upper_input && !strcmp(tc, "title")) {
      /* an all-caps title: lower-case it first, then title-case it */
      co_text_case(n, "lowercase", NULL);
    }
  }
  case_walk(n, &cs);
}

/* The first visible leaf under n, when nothing (no prefix, no affix)
 * comes before it; *term is set when it or a group around it is a term. */
static co_node *first_leaf(co_node *n, bool in_term, bool *term) {
  in_term = in_term || n->term;
  if (n->prefix && *n->prefix) return NULL;
  if (n->text) {
    if (n->affix || !*n->text) return NULL;
    *term = in_term;
    return n;
  }
  for (size_t i = 0; i < n->n_kids; i++) {
    co_node *k = n->kids[i];
    if (co_empty(k) && !(k->affix && k->text && *k->text)) continue;
    return first_leaf(k, in_term, term);
  }
  return NULL;
}

void co_capitalize_term(co_node *n) {
  bool term = false;
  co_node *leaf = n ? first_leaf(n, false, &term) : NULL;
  if (leaf && term) co_text_case(leaf, "capitalize-first", NULL);
}

void co_strip_periods(co_node *n) {
  if (!n) return;
  if (n->text) {
    char *w = n->text;
    for (char *r = n->text; *r; r++)
      if (*r != '.') *w++ = *r;
    *w = '\0';
  }
  for (size_t i = 0; i < n->n_kids; i++) co_strip_periods(n->kids[i]);
}

/* --------------------------------------------------------------- tokens */

enum { T_TEXT, T_OPEN, T_CLOSE, T_QOPEN, T_QCLOSE };
enum {
  F_ITALIC = 1,
  F_STYLE_NORMAL,
  F_OBLIQUE,
  F_BOLD,
  F_WEIGHT_NORMAL,
  F_LIGHT,
  F_SMALLCAPS,
  F_VARIANT_NORMAL,
  F_UNDERLINE,
  F_DECO_NONE,
  F_SUP,
  F_SUB,
  F_BASELINE,
  F_BLOCK,
  F_LEFT_MARGIN,
  F_RIGHT_INLINE,
  F_INDENT,
  F_N
};

static const char *const HTML_OPEN[F_N] = {
    [F_ITALIC] = "<i>",
    [F_STYLE_NORMAL] = "<span style=\"font-style:normal;\">",
    [F_OBLIQUE] = "<span style=\"font-style:oblique;\">",
    [F_BOLD] = "<b>",
    [F_WEIGHT_NORMAL] = "<span style=\"font-weight:normal;\">",
    [F_LIGHT] = "<span style=\"font-weight:light;\">",
    [F_SMALLCAPS] = "<span style=\"font-variant:small-caps;\">",
    [F_VARIANT_NORMAL] = "<span style=\"font-variant:normal;\">",
    [F_UNDERLINE] = "<span style=\"text-decoration:underline;\">",
    [F_DECO_NONE] = "<span style=\"text-decoration:none;\">",
    [F_SUP] = "<sup>",
    [F_SUB] = "<sub>",
    [F_BASELINE] = "<span style=\"baseline\">",
    [F_BLOCK] = "\n\n    <div class=\"csl-block\">",
    [F_LEFT_MARGIN] = "\n    <div class=\"csl-left-margin\">",
    [F_RIGHT_INLINE] = "<div class=\"csl-right-inline\">",
    [F_INDENT] = "<div class=\"csl-indent\">",
};
static const char *const HTML_CLOSE[F_N] = {
    [F_ITALIC] = "</i>",
    [F_STYLE_NORMAL] = "</span>",
    [F_OBLIQUE] = "</span>",
    [F_BOLD] = "</b>",
    [F_WEIGHT_NORMAL] = "</span>",
    [F_LIGHT] = "</span>",
    [F_SMALLCAPS] = "</span>",
    [F_VARIANT_NORMAL] = "</span>",
    [F_UNDERLINE] = "</span>",
    [F_DECO_NONE] = "</span>",
    [F_SUP] = "</sup>",
    [F_SUB] = "</sub>",
    [F_BASELINE] = "</span>",
    [F_BLOCK] = "</div>\n",
    [F_LEFT_MARGIN] = "</div>",
    [F_RIGHT_INLINE] = "</div>\n  ",
    [F_INDENT] = "</div>\n  ",
};

typedef struct tok {
  int kind;
  int fmt;     /* T_OPEN, T_CLOSE */
  size_t pair; /* T_OPEN: index of its T_CLOSE */
  char *text;  /* T_TEXT, T_QOPEN, T_QCLOSE (owned) */
  bool affix;
  unsigned flags; /* BP_SPAN_* for T_TEXT */
  const char *link;
  unsigned affix_id; /* the affix it comes from (0: none) */
} tok;

typedef struct toks {
  tok *v;
  size_t n, cap;
  unsigned affixes; /* affixes flattened so far */
} toks;

typedef struct fstate {
  bool italic, bold, smallcaps;
  bool affix; /* inside a prefix or suffix */
  unsigned affix_id;
  int qdepth;
  unsigned flags;
  const char *link;
} fstate;

static size_t push_tok(toks *t, int kind, int fmt, const char *text, bool affix, const fstate *fs) {
  tok k = {kind,
           fmt,
           0,
           text ? bp_strdup(text) : NULL,
           affix,
           fs ? fs->flags : 0,
           fs ? fs->link : NULL,
           fs ? fs->affix_id : 0};
  BP_PUSH(t->v, t->n, t->cap, k);
  return t->n - 1;
}

static void flatten(const bp_csl_style *st, const co_node *n, fstate fs, toks *t);

/* A prefix or suffix: plain, or rich text when it has markup or quotes. */
/* user: a cite's own prefix or suffix, where single quotes are quotes too
 * (a style's affixes keep ' as written). */
static void flatten_affix(const bp_csl_style *st, const char *a, fstate fs, toks *t, bool user) {
  fs.affix_id = ++t->affixes;
  bool smart = !st->keep_straight_quotes;
  if (!strpbrk(a, user && smart ? "<\"'" : "<\"")) {
    push_tok(t, T_TEXT, 0, a, true, &fs);
    return;
  }
  co_node *r = rich(a, smart, user && smart);
  fs.affix = true;
  flatten(st, r, fs, t);
  co_free(r);
}

static void flatten(const bp_csl_style *st, const co_node *n, fstate fs, toks *t) {
  if (!n) return;
  if (n->prefix && *n->prefix) flatten_affix(st, n->prefix, fs, t, n->user_affixes);
  int opens[8];
  size_t open_at[8];
  int no = 0;
#define OPEN(f)                                                                                    \
  do {                                                                                             \
    opens[no] = (f);                                                                               \
    open_at[no++] = push_tok(t, T_OPEN, (f), NULL, false, &fs);                                    \
  } while (0)
  if (n->display == DI_BLOCK) OPEN(F_BLOCK);
  if (n->display == DI_LEFT_MARGIN) OPEN(F_LEFT_MARGIN);
  if (n->display == DI_RIGHT_INLINE) OPEN(F_RIGHT_INLINE);
  if (n->display == DI_INDENT) OPEN(F_INDENT);
  if (n->font_style == FS_ITALIC) {
    OPEN(fs.italic ? F_STYLE_NORMAL : F_ITALIC);
    fs.italic = !fs.italic;
  } else if (n->font_style == FS_NORMAL && fs.italic) {
    OPEN(F_STYLE_NORMAL);
    fs.italic = false;
  } else if (n->font_style == FS_OBLIQUE) {
    OPEN(F_OBLIQUE);
  }
  if (n->font_variant == FV_SMALLCAPS) {
    OPEN(fs.smallcaps ? F_VARIANT_NORMAL : F_SMALLCAPS);
    fs.smallcaps = !fs.smallcaps;
  } else if (n->font_variant == FV_NORMAL && fs.smallcaps) {
    OPEN(F_VARIANT_NORMAL);
    fs.smallcaps = false;
  }
  if (n->font_weight == FW_BOLD) {
    OPEN(fs.bold ? F_WEIGHT_NORMAL : F_BOLD);
    fs.bold = !fs.bold;
  } else if (n->font_weight == FW_NORMAL && fs.bold) {
    OPEN(F_WEIGHT_NORMAL);
    fs.bold = false;
  } else if (n->font_weight == FW_LIGHT) {
    OPEN(F_LIGHT);
  }
  if (n->decoration == TD_UNDERLINE) OPEN(F_UNDERLINE);
  if (n->decoration == TD_NONE) OPEN(F_DECO_NONE);
  if (n->valign == VA_SUP) OPEN(F_SUP);
  if (n->valign == VA_SUB) OPEN(F_SUB);
  if (n->valign == VA_BASELINE) OPEN(F_BASELINE);
  fs.flags = (fs.italic ? BP_SPAN_ITALIC : 0) | (fs.bold ? BP_SPAN_BOLD : 0) |
             ((n->valign == VA_SUP || (fs.flags & BP_SPAN_SUPER)) && n->valign != VA_BASELINE
                  ? BP_SPAN_SUPER
                  : 0);
  if (n->link) fs.link = n->link;
  if (n->quotes) {
    bool inner = fs.qdepth % 2;
    const char *q =
        cs_term_lookup(st, inner ? "open-inner-quote" : "open-quote", "long", false, NULL);
    push_tok(t, T_QOPEN, 0, q ? q : (inner ? "\xE2\x80\x98" : "\xE2\x80\x9C"), false, &fs);
    fs.qdepth++;
  }
  if (n->text)
    push_tok(t, T_TEXT, 0, n->text, n->affix, &fs);
  else
    for (size_t i = 0; i < n->n_kids; i++) flatten(st, n->kids[i], fs, t);
  if (n->quotes) {
    fs.qdepth--;
    bool inner = fs.qdepth % 2;
    const char *q =
        cs_term_lookup(st, inner ? "close-inner-quote" : "close-quote", "long", false, NULL);
    push_tok(t, T_QCLOSE, 0, q ? q : (inner ? "\xE2\x80\x99" : "\xE2\x80\x9D"), false, &fs);
  }
  while (no > 0) {
    no--;
    size_t c = push_tok(t, T_CLOSE, opens[no], NULL, false, &fs);
    t->v[open_at[no]].pair = c;
  }
#undef OPEN
  if (n->suffix && *n->suffix) flatten_affix(st, n->suffix, fs, t, n->user_affixes);
}

static bool visible(const tok *k) {
  return (k->kind == T_TEXT || k->kind == T_QOPEN || k->kind == T_QCLOSE) && k->text && *k->text;
}

static long prev_visible(const toks *t, size_t i) {
  for (long j = (long)i - 1; j >= 0; j--)
    if (visible(&t->v[j])) return j;
  return -1;
}

static char last_char(const tok *k) {
  size_t l = strlen(k->text);
  return l ? k->text[l - 1] : 0;
}

static void drop_first(tok *k) { memmove(k->text, k->text + 1, strlen(k->text)); }

/* Bytes of closing quotes (’ ”) at the end of s. */
static size_t closing_quotes(const char *s) {
  size_t l = strlen(s), k = 0;
  while (l - k >= 3 &&
         (!strncmp(s + l - k - 3, "\xE2\x80\x99", 3) || !strncmp(s + l - k - 3, "\xE2\x80\x9D", 3)))
    k += 3;
  return k;
}

/* The last character of s before any closing quotes. */
static char last_meaningful(const char *s) {
  size_t l = strlen(s) - closing_quotes(s);
  return l ? s[l - 1] : 0;
}

/* The punctuation rules at the joins of affixes and content. */
static void punctuate(const bp_csl_style *st, toks *t) {
  bool piq = cs_punct_in_quote(st);
  for (size_t i = 0; i < t->n; i++) {
    tok *k = &t->v[i];
    if (k->kind != T_TEXT || !k->text || !*k->text) continue;
    long j = prev_visible(t, i);
    if (j < 0) continue;
    tok *p = &t->v[j];
    char c = k->text[0];
    if (p->kind == T_QCLOSE && p->affix_id && p->affix_id == k->affix_id)
      continue; /* quotes and punctuation written so in one affix stay so */
    if (p->kind == T_QCLOSE &&
        (c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?')) {
      long q = prev_visible(t, (size_t)j);
      while (q >= 0 && t->v[q].kind == T_QCLOSE) q = prev_visible(t, (size_t)q); /* nested */
      char qc = q >= 0 && t->v[q].kind == T_TEXT ? last_meaningful(t->v[q].text) : 0;
      if (qc && strchr(".!?", qc) && (c == '.' || (piq && c == ','))) {
        drop_first(k);
        if (c == ',' && qc == '.') { /* "Title.," -> "Title," */
        }
        i--;
        continue;
      }
      if (piq && (c == '.' || c == ',') && q >= 0 && t->v[q].kind == T_TEXT) {
        char *old = t->v[q].text;
        size_t l = strlen(old), cq = closing_quotes(old);
        char *nt = bp_malloc(l + 2);
        memcpy(nt, old, l - cq);
        nt[l - cq] = c;
        memcpy(nt + l - cq + 1, old + l - cq, cq + 1);
        free(old);
        t->v[q].text = nt;
        drop_first(k);
        i--;
        continue;
      }
      continue;
    }
    if (p->kind != T_TEXT) continue;
    if (!k->affix && !p->affix) continue;
    char pc = last_char(p), pm = last_meaningful(p->text);
    if (c == '.' && (pm == '.' || pm == '!' || pm == '?') && k->affix) {
      drop_first(k);
      i--;
      continue;
    }
    if (c == pc && (c == ',' || c == ';' || c == ':' || c == '.')) {
      drop_first(k);
      i--;
      continue;
    }
    if (c == ' ' && pc == ' ' && k->affix) {
      drop_first(k);
      i--;
      continue;
    }
  }
}

static void toks_free(toks *t) {
  for (size_t i = 0; i < t->n; i++) free(t->v[i].text);
  free(t->v);
}

static void tokenize(const bp_csl_style *st, const co_node *n, toks *t) {
  fstate fs = {0};
  flatten(st, n, fs, t);
  punctuate(st, t);
}

/* True when the OPEN at i encloses nothing visible. */
static bool open_empty(const toks *t, size_t i) {
  for (size_t j = i + 1; j < t->v[i].pair && j < t->n; j++)
    if (visible(&t->v[j])) return false;
  return true;
}

static void put_escaped(bp_buf *b, const char *s) {
  for (; *s; s++) {
    if (*s == '&')
      bp_buf_puts(b, "&#38;");
    else if (*s == '<')
      bp_buf_puts(b, "&#60;");
    else if (*s == '>')
      bp_buf_puts(b, "&#62;");
    else
      bp_buf_putc(b, *s);
  }
}

char *co_html(const bp_csl_style *st, const co_node *n) {
  toks t = {0};
  tokenize(st, n, &t);
  bp_buf b = {0};
  bool *skip = bp_calloc(t.n + 1, sizeof *skip);
  for (size_t i = 0; i < t.n; i++) {
    tok *k = &t.v[i];
    if (k->kind == T_OPEN) {
      if (open_empty(&t, i)) {
        skip[i] = true;
        if (k->pair < t.n) skip[k->pair] = true;
        continue;
      }
      bp_buf_puts(&b, HTML_OPEN[k->fmt]);
    } else if (k->kind == T_CLOSE) {
      if (!skip[i]) bp_buf_puts(&b, HTML_CLOSE[k->fmt]);
    } else if (k->text) {
      put_escaped(&b, k->text);
    }
  }
  free(skip);
  toks_free(&t);
  return b.data ? bp_buf_detach(&b) : bp_strdup("");
}

static char *plain(const bp_csl_style *st, const co_node *n, bool quotes) {
  toks t = {0};
  tokenize(st, n, &t);
  bp_buf b = {0};
  for (size_t i = 0; i < t.n; i++)
    if ((t.v[i].kind == T_TEXT || (quotes && t.v[i].kind != T_OPEN && t.v[i].kind != T_CLOSE)) &&
        t.v[i].text)
      bp_buf_puts(&b, t.v[i].text);
  toks_free(&t);
  return b.data ? bp_buf_detach(&b) : bp_strdup("");
}

char *co_plain(const bp_csl_style *st, const co_node *n) { return plain(st, n, true); }

char *co_sort_text(const bp_csl_style *st, const co_node *n) { return plain(st, n, false); }

void co_spans(const bp_csl_style *st, const co_node *n, bp_spans *out) {
  toks t = {0};
  tokenize(st, n, &t);
  bp_buf run = {0};
  unsigned run_flags = 0;
  const char *run_link = NULL;
  for (size_t i = 0; i < t.n; i++) {
    tok *k = &t.v[i];
    if (!visible(k)) continue;
    if (run.len && (k->flags != run_flags || k->link != run_link)) {
      bp_spans_add_text(out, run.data, run.len, run_flags, run_link);
      run.len = 0;
    }
    run_flags = k->flags;
    run_link = k->link;
    bp_buf_puts(&run, k->text);
  }
  if (run.len) bp_spans_add_text(out, run.data, run.len, run_flags, run_link);
  bp_buf_free(&run);
  toks_free(&t);
}
