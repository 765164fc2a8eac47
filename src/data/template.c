/* template.c - loading templates (JSON) into page geometry, styles, colours,
 * fit limits and sections. Every value is checked for its type and range;
 * errors point at the value in the file. */
#include "template.h"
#include "../csl/csl.h"

#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SERIF "Noto Serif, NanumMyeongjo"

bool bp_color_parse(const char *s, bp_color *out) {
  if (!s || s[0] != '#') return false;
  size_t n = strlen(s + 1);
  unsigned v[6];
  for (size_t i = 0; i < n; i++) {
    char c = s[1 + i];
    if (c >= '0' && c <= '9')
      v[i < 6 ? i : 5] = (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f')
      v[i < 6 ? i : 5] = (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      v[i < 6 ? i : 5] = (unsigned)(c - 'A' + 10);
    else
      return false;
  }
  if (n == 3) {
    *out = (bp_color){v[0] * 17 / 255.0, v[1] * 17 / 255.0, v[2] * 17 / 255.0, 1};
    return true;
  }
  if (n != 6) return false;
  *out = (bp_color){(v[0] * 16 + v[1]) / 255.0, (v[2] * 16 + v[3]) / 255.0,
                    (v[4] * 16 + v[5]) / 255.0, 1};
  return true;
}

static bp_status get_number(bp_ctx *ctx, const bp_jdoc *jd, json_t *obj, const char *key, double lo,
                            double hi, double *out) {
  json_t *v = json_object_get(obj, key);
  if (!v) return BP_OK;
  if (!json_is_number(v)) return bp_jdoc_error(ctx, jd, obj, key, "'%s' must be a number", key);
  double d = json_number_value(v);
  if (d < lo || d > hi)
    return bp_jdoc_error(ctx, jd, obj, key, "'%s' must be between %g and %g (is %g)", key, lo, hi,
                         d);
  *out = d;
  return BP_OK;
}

static bp_status get_string(bp_ctx *ctx, const bp_jdoc *jd, json_t *obj, const char *key,
                            char **out) {
  json_t *v = json_object_get(obj, key);
  if (!v) return BP_OK;
  if (!json_is_string(v)) return bp_jdoc_error(ctx, jd, obj, key, "'%s' must be a string", key);
  free(*out);
  *out = bp_strdup(json_string_value(v));
  return BP_OK;
}

static bp_status get_bool(bp_ctx *ctx, const bp_jdoc *jd, json_t *obj, const char *key, bool *out) {
  json_t *v = json_object_get(obj, key);
  if (!v) return BP_OK;
  if (!json_is_boolean(v))
    return bp_jdoc_error(ctx, jd, obj, key, "'%s' must be true or false", key);
  *out = json_is_true(v);
  return BP_OK;
}

/* A colour: "#rrggbb" or the name of a palette colour (t may be NULL while
 * the palette itself is read). */
static bp_status get_color(bp_ctx *ctx, const bp_jdoc *jd, const bp_template *t, json_t *obj,
                           const char *key, bp_color *out) {
  json_t *v = json_object_get(obj, key);
  if (!v) return BP_OK;
  const char *s = json_is_string(v) ? json_string_value(v) : "";
  if (s[0] != '#' && t) {
    if (bp_template_color(t, s, out)) return BP_OK;
    bp_buf b = {0};
    for (size_t i = 0; i < t->n_palette; i++)
      bp_buf_printf(&b, "%s%s", i ? ", " : "", t->palette[i].name);
    bp_status st = bp_jdoc_error(ctx, jd, obj, key,
                                 "'%s' names no colour of the palette (%s), nor is it a colour "
                                 "like \"#1f4e79\"",
                                 s, b.data ? b.data : "");
    bp_buf_free(&b);
    return st;
  }
  if (!bp_color_parse(s, out))
    return bp_jdoc_error(ctx, jd, obj, key, "'%s' must be a colour like \"#1f4e79\"%s", key,
                         t ? " or a palette name" : "");
  return BP_OK;
}

static bp_status check_keys(bp_ctx *ctx, const bp_jdoc *jd, json_t *obj, const char *what,
                            const char *const *known) {
  const char *key;
  json_t *v;
  json_object_foreach(obj, key, v) {
    bool ok = false;
    for (const char *const *k = known; *k && !ok; k++) ok = !strcmp(*k, key);
    if (!ok) {
      bp_buf b = {0};
      for (const char *const *k = known; *k; k++)
        bp_buf_printf(&b, "%s%s", k == known ? "" : ", ", *k);
      bp_status st =
          bp_jdoc_error(ctx, jd, obj, key, "unknown %s key '%s' (known: %s)", what, key, b.data);
      bp_buf_free(&b);
      return st;
    }
  }
  return BP_OK;
}

/* The styles the composers read; any other name is a misspelling. */
static const char *const STYLE_NAMES[] = {
    "masthead", "masthead_right", "header",  "title",   "title_ko",    "subtitle",
    "byline",   "label",          "heading", "summary", "finding",     "body",
    "value",    "claim",          "chart",   "note",    "note_number", "disclaimer",
    "footer",   "heading2",       "quote",   "caption", NULL};

/* The next family of a font stack ("Noto Serif, NanumMyeongjo") from *p,
 * owned; NULL at the stack's end. */
static char *next_family(const char **p) {
  while (**p) {
    while (**p == ' ' || **p == ',') (*p)++;
    const char *e = *p;
    while (*e && *e != ',') e++;
    const char *end = e;
    while (end > *p && end[-1] == ' ') end--;
    const char *start = *p;
    *p = e;
    if (end > start) return bp_strndup(start, (size_t)(end - start));
  }
  return NULL;
}

/* Every family of a font stack must be one the project ships
 * (fonts/MANIFEST.tsv): a fallback would change the look. */
static bp_status check_family(bp_ctx *ctx, const bp_jdoc *jd, json_t *obj, const char *stack) {
  const char *p = stack;
  bool any = false;
  for (char *fam; (fam = next_family(&p)); any = true) {
    bool known = bp_font_family_known(fam);
    if (!known) {
      bp_status st = bp_jdoc_error(ctx, jd, obj, "family",
                                   "unknown font family '%s' (the fonts of fonts/MANIFEST.tsv: "
                                   "%s)",
                                   fam, bp_font_families());
      free(fam);
      return st;
    }
    free(fam);
  }
  return any ? BP_OK
             : bp_jdoc_error(ctx, jd, obj, "family", "'family' names no font (%s)",
                             bp_font_families());
}

static void warn(bp_template *t, char *msg) {
  BP_PUSH(t->warnings, t->n_warnings, t->cap_warnings, msg);
}

/* Warnings for a style whose text fontconfig would set in a face it does
 * not name: its first family lacks the weight and slant asked for (the
 * text would come out in another face, or upright), or no family of the
 * stack has Hangul (Korean text would fall back to whatever fontconfig
 * sorts first). At the key that asks. */
static void font_warnings(bp_template *t, const bp_jdoc *jd, json_t *obj, const bp_tstyle *ts) {
  const char *p = ts->family;
  char *first = next_family(&p);
  bool hangul = first && bp_font_family_has_hangul(first);
  for (char *fam; (fam = next_family(&p)); free(fam)) hangul |= bp_font_family_has_hangul(fam);
  bool bold = ts->style.bold, italic = ts->style.italic;
  if (first && !bp_font_family_has_face(first, bold, italic))
    warn(t, bp_jdoc_message(jd, obj, italic ? "italic" : "bold",
                            "style '%s': %s has no %s face; fontconfig would set the text in "
                            "another one",
                            ts->name, first,
                            bold && italic ? "bold italic"
                            : italic       ? "italic"
                                           : "bold"));
  if (first && !hangul)
    warn(t, bp_jdoc_message(jd, obj, json_object_get(obj, "family") ? "family" : NULL,
                            "style '%s': no family of '%s' has Hangul; fontconfig would set "
                            "Korean text in a font of another family",
                            ts->name, ts->family));
  free(first);
}

static bp_status load_style(bp_ctx *ctx, const bp_jdoc *jd, bp_template *t, json_t *obj,
                            bp_tstyle *ts) {
  static const char *const keys[] = {"family",
                                     "size",
                                     "leading",
                                     "bold",
                                     "italic",
                                     "color",
                                     "align",
                                     "hyphenate",
                                     "indent",
                                     "letter_spacing",
                                     "smart_punctuation",
                                     "hang_punctuation",
                                     NULL};
  if (!json_is_object(obj))
    return bp_jdoc_error(ctx, jd, obj, NULL, "style '%s' must be an object", ts->name);
  bp_status st = check_keys(ctx, jd, obj, "style", keys);
  if (!st) st = get_string(ctx, jd, obj, "family", &ts->family);
  if (!st && ts->family) st = check_family(ctx, jd, obj, ts->family);
  if (!st) st = get_number(ctx, jd, obj, "size", 4, 96, &ts->style.size_pt);
  if (!st) st = get_number(ctx, jd, obj, "leading", 4, 144, &ts->style.leading_pt);
  if (!st && ts->style.leading_pt > 0 && ts->style.leading_pt < ts->style.size_pt)
    st = bp_jdoc_error(ctx, jd, obj, "leading",
                       "'leading' %g pt is less than the size %g pt: the lines would overlap",
                       ts->style.leading_pt, ts->style.size_pt);
  if (!st) st = get_bool(ctx, jd, obj, "bold", &ts->style.bold);
  if (!st) st = get_bool(ctx, jd, obj, "italic", &ts->style.italic);
  if (!st) st = get_color(ctx, jd, t, obj, "color", &ts->style.color);
  if (!st) st = get_bool(ctx, jd, obj, "hyphenate", &ts->style.hyphenate);
  if (!st) st = get_bool(ctx, jd, obj, "hang_punctuation", &ts->style.hang_punctuation);
  if (!st) st = get_number(ctx, jd, obj, "indent", 0, 200, &ts->style.indent_pt);
  if (!st) st = get_number(ctx, jd, obj, "letter_spacing", -5, 20, &ts->style.letter_spacing_pt);
  bool smart = true;
  if (!st) st = get_bool(ctx, jd, obj, "smart_punctuation", &smart);
  ts->style.straight_punct = !smart;
  json_t *al = json_object_get(obj, "align");
  if (!st && al) {
    static const char *const names[] = {"left", "center", "right", "justify"};
    const char *a = json_is_string(al) ? json_string_value(al) : "";
    size_t k = 0;
    while (k < 4 && strcmp(a, names[k])) k++;
    if (k < 4)
      ts->style.align = (bp_align)k;
    else
      st = bp_jdoc_error(ctx, jd, obj, "align", "'align' must be left, center, right or justify");
  }
  if (!ts->family) ts->family = bp_strdup(SERIF);
  ts->style.family = ts->family;
  if (!st) font_warnings(t, jd, obj, ts);
  return st;
}

static bp_status load_page(bp_ctx *ctx, const bp_jdoc *jd, json_t *page, bp_template *t) {
  static const char *const keys[] = {"size",       "width",           "height", "margins",
                                     "column_gap", "footer_baseline", "bleed",  NULL};
  if (!json_is_object(page)) return bp_jdoc_error(ctx, jd, page, NULL, "'page' must be an object");
  bp_status st = check_keys(ctx, jd, page, "page", keys);
  json_t *size = json_object_get(page, "size");
  if (!st && size) {
    const char *s = json_is_string(size) ? json_string_value(size) : "";
    if (!strcasecmp(s, "A4"))
      t->page_w_pt = 595.276, t->page_h_pt = 841.89;
    else if (!strcasecmp(s, "Letter") || !strcasecmp(s, "US Letter"))
      t->page_w_pt = 612, t->page_h_pt = 792;
    else if (!strcasecmp(s, "A5"))
      t->page_w_pt = 419.528, t->page_h_pt = 595.276;
    else
      st = bp_jdoc_error(ctx, jd, page, "size", "unknown page size '%s' (A4, A5, Letter)", s);
  }
  if (!st) st = get_number(ctx, jd, page, "width", 72, 5000, &t->page_w_pt);
  if (!st) st = get_number(ctx, jd, page, "height", 72, 5000, &t->page_h_pt);
  if (!st) st = get_number(ctx, jd, page, "column_gap", 0, 200, &t->column_gap_pt);
  if (!st) st = get_number(ctx, jd, page, "footer_baseline", 0, 200, &t->footer_baseline_pt);
  double bleed_mm = 0; /* millimetres, as print shops give it: 3 mm is usual */
  if (!st) st = get_number(ctx, jd, page, "bleed", -INFINITY, INFINITY, &bleed_mm);
  if (!st && !(bleed_mm >= 0 && bleed_mm <= 20))
    st = bp_jdoc_error(ctx, jd, page, "bleed",
                       "'bleed' is in millimetres, from 0 to 20 (3 is usual; is %g)", bleed_mm);
  t->bleed_pt = bleed_mm * 72 / 25.4;
  json_t *m = json_object_get(page, "margins");
  if (!st && m) {
    static const char *const mk[] = {"top", "right", "bottom", "left", NULL};
    if (json_is_number(m)) {
      double v = 0;
      st = get_number(ctx, jd, page, "margins", 0, 1000, &v);
      for (int i = 0; i < 4; i++) t->margin_pt[i] = v;
    } else if (json_is_object(m)) {
      st = check_keys(ctx, jd, m, "margins", mk);
      for (int i = 0; i < 4 && !st; i++)
        st = get_number(ctx, jd, m, mk[i], 0, 1000, &t->margin_pt[i]);
    } else {
      st = bp_jdoc_error(ctx, jd, page, "margins", "'margins' must be a number or an object");
    }
  }
  if (!st && t->margin_pt[1] + t->margin_pt[3] > t->page_w_pt - 72)
    st =
        bp_jdoc_error(ctx, jd, page, m ? "margins" : NULL,
                      "the margins leave less than 1 inch of the page's %g pt width", t->page_w_pt);
  if (!st && t->margin_pt[0] + t->margin_pt[2] > t->page_h_pt - 72)
    st = bp_jdoc_error(ctx, jd, page, m ? "margins" : NULL,
                       "the margins leave less than 1 inch of the page's %g pt height",
                       t->page_h_pt);
  return st;
}

static void palette_set(bp_template *t, const char *name, bp_color c) {
  for (size_t i = 0; i < t->n_palette; i++)
    if (!strcmp(t->palette[i].name, name)) {
      t->palette[i].color = c;
      return;
    }
  t->palette = bp_realloc(t->palette, (t->n_palette + 1) * sizeof *t->palette);
  t->palette[t->n_palette++] = (bp_tcolor){bp_strdup(name), c};
}

static bp_status load_palette(bp_ctx *ctx, const bp_jdoc *jd, json_t *root, bp_template *t) {
  json_t *pal = json_object_get(root, "palette");
  if (!pal) return BP_OK;
  if (!json_is_object(pal))
    return bp_jdoc_error(ctx, jd, root, "palette", "'palette' must be an object");
  const char *name;
  json_t *v;
  json_object_foreach(pal, name, v) {
    bool ok = *name && strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(name);
    if (!ok)
      return bp_jdoc_error(ctx, jd, pal, name,
                           "palette names are lower-case letters, digits and '_' ('%s')", name);
    bp_color c;
    bp_status st = get_color(ctx, jd, NULL, pal, name, &c);
    if (st) return st;
    palette_set(t, name, c);
  }
  return BP_OK;
}

static const char *const LABEL_KEYS[] = {"summary", "findings", "notes",  "source",
                                         "number",  "date",     "months", NULL};

static bp_status load_labels(bp_ctx *ctx, const bp_jdoc *jd, json_t *root, bp_template *t) {
  json_t *lab = json_object_get(root, "labels");
  if (!lab) return BP_OK;
  if (!json_is_object(lab))
    return bp_jdoc_error(ctx, jd, root, "labels", "'labels' must be an object");
  bp_status st = check_keys(ctx, jd, lab, "labels", LABEL_KEYS);
  for (int i = 0; i < BP_LABEL_COUNT && !st; i++)
    st = get_string(ctx, jd, lab, LABEL_KEYS[i], &t->labels[i]);
  json_t *m = json_object_get(lab, "months");
  if (!st && m) {
    if (!json_is_array(m) || json_array_size(m) != 12)
      return bp_jdoc_error(ctx, jd, lab, "months", "'months' must be the 12 month names");
    for (size_t i = 0; i < 12; i++) {
      json_t *e = json_array_get(m, i);
      if (!json_is_string(e) || !*json_string_value(e))
        return bp_jdoc_error_elem(ctx, jd, m, i, "a month name is a non-empty string");
      free(t->months[i]);
      t->months[i] = bp_strdup(json_string_value(e));
    }
  }
  return st;
}

/* An image section: "path" (relative to the template), "height" (the box,
 * pt; required), "width" (the widest, pt), "align" (left, center, right). */
static bp_status load_image(bp_ctx *ctx, const bp_jdoc *jd, const bp_template *t, json_t *s,
                            bp_tsection *ts) {
  static const char *const keys[] = {"type",  "path",         "height",      "width",
                                     "align", "space_before", "space_after", NULL};
  bp_status st = check_keys(ctx, jd, s, "image section", keys);
  json_t *p = json_object_get(s, "path");
  if (!st && !json_is_string(p))
    st = bp_jdoc_error(ctx, jd, s, p ? "path" : NULL, "an image section needs a \"path\"");
  if (!st && ts->height_pt <= 0)
    st = bp_jdoc_error(ctx, jd, s, NULL, "an image section needs a \"height\" (pt)");
  if (!st) st = get_number(ctx, jd, s, "width", 1, t->page_w_pt, &ts->width_pt);
  json_t *al = json_object_get(s, "align");
  if (!st && al) {
    const char *a = json_is_string(al) ? json_string_value(al) : "";
    ts->align = !strcmp(a, "left") ? 0 : !strcmp(a, "center") ? 1 : !strcmp(a, "right") ? 2 : -1;
    if (ts->align < 0)
      st = bp_jdoc_error(ctx, jd, s, "align", "'align' must be left, center or right");
  }
  if (st) return st;
  const char *name = json_string_value(p);
  const char *slash = strrchr(t->path, '/');
  bp_buf path = {0};
  if (name[0] != '/' && slash) bp_buf_put(&path, t->path, (size_t)(slash - t->path) + 1);
  bp_buf_puts(&path, name);
  st = bp_image_load(ctx, path.data, &ts->image);
  bp_buf_free(&path);
  if (st) { /* say where the template names it */
    char msg[sizeof ctx->msg];
    snprintf(msg, sizeof msg, "%s", ctx->msg);
    bp_ctx_clear(ctx);
    st = bp_jdoc_error(ctx, jd, s, "path", "%s", msg);
  }
  return st;
}

/* An endnotes section's citation style: "style" (a style id of Debian's
 * citation-style-language-styles, or a .csl path relative to the template;
 * absent: the house style) and "locale" ("ko-KR": one of the installed
 * locales), loaded once per process (bp_csl_style_shared). */
static bp_status load_notes_style(bp_ctx *ctx, const bp_jdoc *jd, const bp_template *t, json_t *s,
                                  bp_tsection *ts) {
  json_t *v = json_object_get(s, "style"), *l = json_object_get(s, "locale");
  if (v && (!json_is_string(v) || !*json_string_value(v)))
    return bp_jdoc_error(ctx, jd, s, "style",
                         "\"style\" is a citation style: an id (\"apa\") or a .csl file");
  const char *lang = json_is_string(l) ? json_string_value(l) : "";
  bp_buf b = {0};
  bp_buf_printf(&b, "%s/locales-%s%s.xml", BP_CSL_LOCALE_DIR, lang, strchr(lang, '-') ? "" : "-*");
  glob_t g;
  bool found = strlen(lang) < 12 && !strpbrk(lang, "/*?[") && !glob(b.data, 0, NULL, &g);
  if (found) globfree(&g);
  bp_buf_free(&b);
  if (l && !found)
    return bp_jdoc_error(ctx, jd, s, "locale", "unknown locale \"%s\" (none in %s)", lang,
                         BP_CSL_LOCALE_DIR);
  const char *name = v ? json_string_value(v) : NULL, *slash = strrchr(t->path, '/');
  if (name && name[0] != '/' && slash && (strchr(name, '/') || strstr(name, ".csl")))
    bp_buf_put(&b, t->path, (size_t)(slash - t->path) + 1);
  if (name) bp_buf_puts(&b, name);
  bp_status st = bp_csl_style_shared(ctx, b.data, l ? lang : NULL, &ts->csl);
  bp_buf_free(&b);
  if (st) { /* say where the template names it */
    char msg[sizeof ctx->msg];
    snprintf(msg, sizeof msg, "%s", ctx->msg);
    bp_ctx_clear(ctx);
    st = bp_jdoc_error(ctx, jd, s, v ? "style" : NULL, "citation style: %s", msg);
  }
  return st;
}

static bp_status load_sections(bp_ctx *ctx, const bp_jdoc *jd, json_t *root, bp_template *t) {
  json_t *secs = json_object_get(root, "sections");
  if (!secs || !json_is_array(secs) || !json_array_size(secs))
    return bp_jdoc_error(ctx, jd, root, secs ? "sections" : NULL,
                         "'sections' must be a non-empty array of sections");
  bp_status st = BP_OK; /* the composer checks their kinds and keys */
  for (size_t i = 0; !st && i < json_array_size(secs); i++) {
    json_t *s = json_array_get(secs, i);
    if (!json_is_object(s) || !json_is_string(json_object_get(s, "type")))
      return bp_jdoc_error_elem(ctx, jd, secs, i, "a section is an object with a \"type\"");
    const char *type = json_string_value(json_object_get(s, "type"));
    for (size_t j = 0; j < t->n_sections; j++)
      if (!strcmp(t->sections[j].type, type))
        return bp_jdoc_error(ctx, jd, s, "type",
                             "a second \"%s\" section (section %zu is one already)", type, j + 1);
    t->sections = bp_realloc(t->sections, (t->n_sections + 1) * sizeof *t->sections);
    bp_tsection *ts = &t->sections[t->n_sections++];
    memset(ts, 0, sizeof *ts);
    ts->type = bp_strdup(type);
    ts->json = s;
    double cols = 1;
    st = get_string(ctx, jd, s, "title", &ts->title);
    if (!st) st = get_number(ctx, jd, s, "columns", 1, 2, &cols);
    ts->columns = (int)cols;
    if (!st) st = get_number(ctx, jd, s, "height", 20, t->page_h_pt * 0.9, &ts->height_pt);
    if (!st) st = get_number(ctx, jd, s, "space_before", 0, 500, &ts->space_before_pt);
    if (!st) st = get_number(ctx, jd, s, "space_after", 0, 500, &ts->space_after_pt);
    if (!st && !strcmp(type, "image")) st = load_image(ctx, jd, t, s, ts);
    if (!st && !strcmp(type, "endnotes")) st = load_notes_style(ctx, jd, t, s, ts);
  }
  return st;
}

static bp_status load_styles(bp_ctx *ctx, const bp_jdoc *jd, json_t *root, bp_template *t) {
  json_t *styles = json_object_get(root, "styles");
  if (!styles) return BP_OK;
  if (!json_is_object(styles))
    return bp_jdoc_error(ctx, jd, root, "styles", "'styles' must be an object");
  const char *name;
  json_t *v;
  json_object_foreach(styles, name, v) {
    const char *const *k = STYLE_NAMES;
    while (*k && strcmp(*k, name)) k++;
    if (!*k) {
      bp_buf b = {0};
      for (k = STYLE_NAMES; *k; k++) bp_buf_printf(&b, "%s%s", k == STYLE_NAMES ? "" : ", ", *k);
      bp_status st =
          bp_jdoc_error(ctx, jd, styles, name, "unknown style '%s' (known: %s)", name, b.data);
      bp_buf_free(&b);
      return st;
    }
    t->styles = bp_realloc(t->styles, (t->n_styles + 1) * sizeof *t->styles);
    bp_tstyle *ts = &t->styles[t->n_styles++];
    memset(ts, 0, sizeof *ts);
    ts->name = bp_strdup(name);
    ts->style.size_pt = 10;
    bp_template_color(t, "ink", &ts->style.color);
    bp_status st = load_style(ctx, jd, t, v, ts);
    if (st) return st;
  }
  return BP_OK;
}

static bp_status load_fit(bp_ctx *ctx, const bp_jdoc *jd, json_t *root, bp_template *t) {
  json_t *fit = json_object_get(root, "fit");
  if (!fit) return BP_OK;
  static const char *const fk[] = {"body_min", "body_max", "leading_min", "leading_max", NULL};
  bp_status st = json_is_object(fit)
                     ? check_keys(ctx, jd, fit, "fit", fk)
                     : bp_jdoc_error(ctx, jd, root, "fit", "'fit' must be an object");
  if (!st) st = get_number(ctx, jd, fit, "body_min", 5, 30, &t->body_min_pt);
  if (!st) st = get_number(ctx, jd, fit, "body_max", 5, 30, &t->body_max_pt);
  if (!st) st = get_number(ctx, jd, fit, "leading_min", 1, 2.5, &t->leading_min);
  if (!st) st = get_number(ctx, jd, fit, "leading_max", 1, 2.5, &t->leading_max);
  if (!st && t->body_min_pt > t->body_max_pt)
    st = bp_jdoc_error(ctx, jd, fit, "body_min", "'body_min' is larger than 'body_max'");
  if (!st && t->leading_min > t->leading_max)
    st = bp_jdoc_error(ctx, jd, fit, "leading_min", "'leading_min' is larger than 'leading_max'");
  return st;
}

static bp_status load_spacing(bp_ctx *ctx, const bp_jdoc *jd, json_t *root, bp_template *t) {
  json_t *sp = json_object_get(root, "spacing");
  if (!sp) return BP_OK;
  static const char *const sk[] = {"paragraph", "panel_padding", "note_gap", NULL};
  bp_status st = json_is_object(sp)
                     ? check_keys(ctx, jd, sp, "spacing", sk)
                     : bp_jdoc_error(ctx, jd, root, "spacing", "'spacing' must be an object");
  if (!st) st = get_number(ctx, jd, sp, "paragraph", 0, 72, &t->paragraph_gap_pt);
  if (!st) st = get_number(ctx, jd, sp, "panel_padding", 0, 72, &t->panel_padding_pt);
  if (!st) st = get_number(ctx, jd, sp, "note_gap", 0, 72, &t->note_gap_pt);
  return st;
}

static const char *const MONTHS_EN[12] = {"January",   "February", "March",    "April",
                                          "May",       "June",     "July",     "August",
                                          "September", "October",  "November", "December"};
static const char *const LABELS_EN[BP_LABEL_COUNT] = {"SUMMARY", "Key findings", "Notes",
                                                      "Source:", "No. {number}", "{month} {year}"};

static bp_status parse_root(bp_ctx *ctx, bp_template *t) {
  const bp_jdoc *jd = t->jd;
  json_t *root = bp_jdoc_root(jd);
  static const char *const keys[] = {"name",   "description", "lang",      "page", "palette",
                                     "styles", "labels",      "spacing",   "fit",  "header",
                                     "footer", "sections",    "max_pages", NULL};
  if (!json_is_object(root))
    return bp_jdoc_error(ctx, jd, root, NULL, "a template is a JSON object");
  bp_status st = check_keys(ctx, jd, root, "template", keys);
  if (!st) st = get_string(ctx, jd, root, "name", &t->name);
  if (!st) st = get_string(ctx, jd, root, "lang", &t->lang);
  if (!st && json_object_get(root, "page"))
    st = load_page(ctx, jd, json_object_get(root, "page"), t);
  if (!st) st = load_palette(ctx, jd, root, t);
  if (!st) st = load_labels(ctx, jd, root, t);
  if (!st) st = load_styles(ctx, jd, root, t);
  if (!st) st = load_fit(ctx, jd, root, t);
  if (!st) st = load_spacing(ctx, jd, root, t);
  double mp = t->max_pages;
  if (!st) st = get_number(ctx, jd, root, "max_pages", 1, 1000, &mp);
  t->max_pages = (int)mp;
  for (int k = 0; k < 2 && !st; k++) {
    const char *key = k ? "footer" : "header";
    json_t *h = json_object_get(root, key);
    if (!h) continue;
    static const char *const hk[] = {"left", "right", NULL};
    st = json_is_object(h) ? check_keys(ctx, jd, h, key, hk)
                           : bp_jdoc_error(ctx, jd, root, key, "'%s' must be an object", key);
    if (!st) st = get_string(ctx, jd, h, "left", k ? &t->footer_left : &t->header_left);
    if (!st) st = get_string(ctx, jd, h, "right", k ? &t->footer_right : &t->header_right);
  }
  if (!st) st = load_sections(ctx, jd, root, t);
  return st;
}

static bp_status finish_load(bp_ctx *ctx, bp_jdoc *jd, bp_template **out) {
  bp_template *t = bp_calloc(1, sizeof *t);
  t->jd = jd;
  t->path = bp_strdup(bp_jdoc_path(jd));
  t->page_w_pt = 595.276;
  t->page_h_pt = 841.89;
  for (int i = 0; i < 4; i++) t->margin_pt[i] = 56.7;
  t->column_gap_pt = 18;
  t->panel_padding_pt = 9;
  palette_set(t, "accent", (bp_color){0.0, 0.30, 0.55, 1});
  palette_set(t, "rule", (bp_color){0.75, 0.78, 0.82, 1});
  palette_set(t, "panel", (bp_color){0.93, 0.95, 0.97, 1});
  palette_set(t, "muted", (bp_color){0.35, 0.35, 0.38, 1});
  palette_set(t, "ink", (bp_color){0.1, 0.1, 0.12, 1});
  bp_status st = parse_root(ctx, t);
  if (st) {
    bp_template_free(t);
    return st;
  }
  if (!t->footer_baseline_pt) t->footer_baseline_pt = t->margin_pt[2] * 0.5;
  bp_template_color(t, "accent", &t->accent);
  bp_template_color(t, "rule", &t->rule);
  bp_template_color(t, "panel", &t->panel);
  bp_template_color(t, "muted", &t->muted);
  for (int i = 0; i < BP_LABEL_COUNT; i++)
    if (!t->labels[i]) t->labels[i] = bp_strdup(LABELS_EN[i]);
  for (int i = 0; i < 12; i++)
    if (!t->months[i]) t->months[i] = bp_strdup(MONTHS_EN[i]);
  *out = t;
  return BP_OK;
}

bp_status bp_template_load(bp_ctx *ctx, const char *path, bp_template **out) {
  *out = NULL;
  bp_jdoc *jd;
  bp_status st = bp_jdoc_load(ctx, path, &jd);
  return st ? st : finish_load(ctx, jd, out);
}

bp_status bp_template_parse(bp_ctx *ctx, const char *name, const char *data, size_t len,
                            bp_template **out) {
  *out = NULL;
  bp_jdoc *jd;
  bp_status st = bp_jdoc_parse(ctx, name, data, len, &jd);
  return st ? st : finish_load(ctx, jd, out);
}

void bp_template_free(bp_template *t) {
  if (!t) return;
  for (size_t i = 0; i < t->n_styles; i++) {
    free(t->styles[i].name);
    free(t->styles[i].family);
  }
  free(t->styles);
  for (size_t i = 0; i < t->n_sections; i++) {
    free(t->sections[i].type);
    free(t->sections[i].title);
    bp_image_free(t->sections[i].image);
  }
  free(t->sections);
  for (size_t i = 0; i < t->n_palette; i++) free(t->palette[i].name);
  free(t->palette);
  for (int i = 0; i < BP_LABEL_COUNT; i++) free(t->labels[i]);
  for (int i = 0; i < 12; i++) free(t->months[i]);
  free(t->lang);
  free(t->header_left);
  free(t->header_right);
  free(t->footer_left);
  free(t->footer_right);
  free(t->name);
  free(t->path);
  bp_jdoc_free(t->jd);
  for (size_t i = 0; i < t->n_warnings; i++) free(t->warnings[i]);
  free(t->warnings);
  free(t);
}

bool bp_template_color(const bp_template *t, const char *name, bp_color *out) {
  for (size_t i = 0; i < t->n_palette; i++)
    if (!strcmp(t->palette[i].name, name)) {
      *out = t->palette[i].color;
      return true;
    }
  return false;
}

const char *bp_template_label(const bp_template *t, bp_label which) {
  return t->labels[which] ? t->labels[which] : LABELS_EN[which];
}

typedef struct date_fields {
  char year[16], month[64], m[8], d[8];
} date_fields;

static const char *date_field(void *ud, const char *name) {
  date_fields *f = ud;
  if (!strcmp(name, "year")) return f->year;
  if (!strcmp(name, "month")) return f->month;
  if (!strcmp(name, "m")) return f->m;
  if (!strcmp(name, "d")) return f->d[0] ? f->d : NULL;
  return NULL;
}

char *bp_template_format_date(const bp_template *t, const char *date) {
  if (!date) return NULL;
  int y = 0, m = 0, d = 0, n = 0;
  size_t len = strlen(date);
  bool ok = (sscanf(date, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && (size_t)n == len) ||
            (d = 0, sscanf(date, "%4d-%2d%n", &y, &m, &n) == 2 && (size_t)n == len);
  if (!ok || m < 1 || m > 12 || d < 0 || d > 31) return bp_strdup(date);
  date_fields f = {0};
  snprintf(f.year, sizeof f.year, "%d", y);
  snprintf(f.month, sizeof f.month, "%s", t->months[m - 1] ? t->months[m - 1] : MONTHS_EN[m - 1]);
  snprintf(f.m, sizeof f.m, "%d", m);
  if (d) snprintf(f.d, sizeof f.d, "%d", d);
  /* a date without a day drops the word holding {d} ("{d} {month} {year}",
   * "{year}년 {m}월 {d}일", "{month} {d}, {year}") and a space beside it */
  const char *label = bp_template_label(t, BP_LABEL_DATE), *at = strstr(label, "{d}");
  bp_buf lb = {0};
  if (!d && at) {
    const char *a = at, *b = at + 3;
    while (a > label && a[-1] != ' ') a--;
    while (*b && *b != ' ') b++;
    if (a > label)
      a--; /* the space before it, else the one after */
    else if (*b)
      b++;
    bp_buf_put(&lb, label, (size_t)(a - label));
    bp_buf_puts(&lb, b);
    label = lb.data ? lb.data : "";
  }
  char *out = bp_template_expand(label, date_field, &f);
  bp_buf_free(&lb);
  return out;
}

const char *bp_template_text(const bp_template *t, const char *text, const char *ko) {
  return t->lang && !strcmp(t->lang, "ko") && ko ? ko : text;
}

bool bp_template_has_style(const bp_template *t, const char *name) {
  for (size_t i = 0; i < t->n_styles; i++)
    if (!strcmp(t->styles[i].name, name)) return true;
  return false;
}

const bp_style *bp_template_style(const bp_template *t, const char *name) {
  for (size_t i = 0; i < t->n_styles; i++)
    if (!strcmp(t->styles[i].name, name)) return &t->styles[i].style;
  for (size_t i = 0; i < t->n_styles; i++)
    if (!strcmp(t->styles[i].name, "body")) return &t->styles[i].style;
  static const bp_style fallback = {
      .family = SERIF, .size_pt = 10, .leading_pt = 13.5, .color = {0.1, 0.1, 0.12, 1}};
  return &fallback;
}

char *bp_template_expand(const char *p, const char *(*lookup)(void *, const char *), void *ud) {
  bp_buf b = {0};
  while (*p) {
    const char *close = *p == '{' ? strchr(p, '}') : NULL;
    if (close && close - p < 64) {
      char name[64];
      memcpy(name, p + 1, (size_t)(close - p - 1));
      name[close - p - 1] = '\0';
      const char *v = lookup(ud, name);
      if (v) {
        bp_buf_puts(&b, v);
        p = close + 1;
        continue;
      }
    }
    bp_buf_putc(&b, *p++);
  }
  return bp_buf_detach(&b);
}

bp_status bp_article_template_load(bp_ctx *ctx, const bp_article *a, const char *override_path,
                                   bp_template **out) {
  bp_buf path = {0};
  const char *slash = strrchr(a->path, '/');
  if (override_path)
    bp_buf_puts(&path, override_path);
  else if (a->template_name) {
    if (a->template_name[0] != '/' && slash)
      bp_buf_put(&path, a->path, (size_t)(slash - a->path) + 1);
    bp_buf_puts(&path, a->template_name);
  } else
    bp_buf_printf(&path, "%s/article-a4.json", bp_data_templates_dir());
  bp_status st = bp_template_load(ctx, path.data, out);
  bp_buf_free(&path);
  return st;
}
