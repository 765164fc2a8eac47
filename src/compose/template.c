/* template.c - loading templates (JSON) into page geometry, styles, colours,
 * fit limits and sections. Every value is checked for its type and range;
 * errors point at the value in the file. */
#include "template.h"

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

static bp_status get_color(bp_ctx *ctx, const bp_jdoc *jd, json_t *obj, const char *key,
                           bp_color *out) {
  json_t *v = json_object_get(obj, key);
  if (!v) return BP_OK;
  if (!json_is_string(v) || !bp_color_parse(json_string_value(v), out))
    return bp_jdoc_error(ctx, jd, obj, key, "'%s' must be a colour like \"#1f4e79\"", key);
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

static bp_status load_style(bp_ctx *ctx, const bp_jdoc *jd, json_t *obj, bp_tstyle *ts) {
  static const char *const keys[] = {"family", "size",           "leading", "bold",
                                     "italic", "color",          "align",   "hyphenate",
                                     "indent", "letter_spacing", NULL};
  if (!json_is_object(obj))
    return bp_jdoc_error(ctx, jd, obj, NULL, "style '%s' must be an object", ts->name);
  bp_status st = check_keys(ctx, jd, obj, "style", keys);
  if (!st) st = get_string(ctx, jd, obj, "family", &ts->family);
  if (!st) st = get_number(ctx, jd, obj, "size", 4, 96, &ts->style.size_pt);
  if (!st) st = get_number(ctx, jd, obj, "leading", 4, 144, &ts->style.leading_pt);
  if (!st) st = get_bool(ctx, jd, obj, "bold", &ts->style.bold);
  if (!st) st = get_bool(ctx, jd, obj, "italic", &ts->style.italic);
  if (!st) st = get_color(ctx, jd, obj, "color", &ts->style.color);
  if (!st) st = get_bool(ctx, jd, obj, "hyphenate", &ts->style.hyphenate);
  if (!st) st = get_number(ctx, jd, obj, "indent", 0, 200, &ts->style.indent_pt);
  if (!st) st = get_number(ctx, jd, obj, "letter_spacing", -5, 20, &ts->style.letter_spacing_pt);
  json_t *al = json_object_get(obj, "align");
  if (!st && al) {
    const char *a = json_is_string(al) ? json_string_value(al) : "";
    if (!strcmp(a, "left"))
      ts->style.align = BP_ALIGN_LEFT;
    else if (!strcmp(a, "center"))
      ts->style.align = BP_ALIGN_CENTER;
    else if (!strcmp(a, "right"))
      ts->style.align = BP_ALIGN_RIGHT;
    else if (!strcmp(a, "justify"))
      ts->style.align = BP_ALIGN_JUSTIFY;
    else
      st = bp_jdoc_error(ctx, jd, obj, "align", "'align' must be left, center, right or justify");
  }
  if (!ts->family) ts->family = bp_strdup(SERIF);
  ts->style.family = ts->family;
  return st;
}

static bp_status load_page(bp_ctx *ctx, const bp_jdoc *jd, json_t *page, bp_template *t) {
  static const char *const keys[] = {"size", "width", "height", "margins", "column_gap", NULL};
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
  json_t *m = json_object_get(page, "margins");
  if (!st && m) {
    if (json_is_number(m)) {
      double v = json_number_value(m);
      for (int i = 0; i < 4; i++) t->margin_pt[i] = v;
    } else if (json_is_object(m)) {
      static const char *const mk[] = {"top", "right", "bottom", "left", NULL};
      st = check_keys(ctx, jd, m, "margins", mk);
      for (int i = 0; i < 4 && !st; i++)
        st = get_number(ctx, jd, m, mk[i], 0, 1000, &t->margin_pt[i]);
    } else {
      st = bp_jdoc_error(ctx, jd, page, "margins", "'margins' must be a number or an object");
    }
  }
  if (!st && t->margin_pt[1] + t->margin_pt[3] >= t->page_w_pt - 72)
    st = bp_jdoc_error(ctx, jd, page, "margins", "the margins leave less than 1 inch of width");
  return st;
}

bp_status bp_template_load(bp_ctx *ctx, const char *path, bp_template **out) {
  *out = NULL;
  bp_jdoc *jd;
  bp_status st = bp_jdoc_load(ctx, path, &jd);
  if (st) return st;
  json_t *root = bp_jdoc_root(jd);
  bp_template *t = bp_calloc(1, sizeof *t);
  t->jd = jd;
  t->path = bp_strdup(path);
  t->page_w_pt = 595.276;
  t->page_h_pt = 841.89;
  for (int i = 0; i < 4; i++) t->margin_pt[i] = 56.7;
  t->column_gap_pt = 18;
  t->accent = (bp_color){0.0, 0.30, 0.55, 1};
  t->rule = (bp_color){0.75, 0.78, 0.82, 1};
  t->panel = (bp_color){0.93, 0.95, 0.97, 1};
  t->muted = (bp_color){0.35, 0.35, 0.38, 1};
  static const char *const keys[] = {"name",      "page",        "styles", "colors",
                                     "fit",       "header",      "footer", "sections",
                                     "max_pages", "description", NULL};
  if (!json_is_object(root)) st = bp_jdoc_error(ctx, jd, root, NULL, "a template is a JSON object");
  if (!st) st = check_keys(ctx, jd, root, "template", keys);
  if (!st) st = get_string(ctx, jd, root, "name", &t->name);
  if (!st && json_object_get(root, "page"))
    st = load_page(ctx, jd, json_object_get(root, "page"), t);
  json_t *styles = json_object_get(root, "styles");
  if (!st && styles) {
    if (!json_is_object(styles))
      st = bp_jdoc_error(ctx, jd, root, "styles", "'styles' must be an object");
    const char *name;
    json_t *v;
    if (!st) json_object_foreach(styles, name, v) {
        t->styles = bp_realloc(t->styles, (t->n_styles + 1) * sizeof *t->styles);
        bp_tstyle *ts = &t->styles[t->n_styles++];
        memset(ts, 0, sizeof *ts);
        ts->name = bp_strdup(name);
        ts->style.size_pt = 10;
        ts->style.color = (bp_color){0.1, 0.1, 0.12, 1};
        st = load_style(ctx, jd, v, ts);
        if (st) break;
      }
  }
  json_t *colors = json_object_get(root, "colors");
  if (!st && colors) {
    static const char *const ck[] = {"accent", "rule", "panel", "muted", NULL};
    st = json_is_object(colors)
             ? check_keys(ctx, jd, colors, "colors", ck)
             : bp_jdoc_error(ctx, jd, root, "colors", "'colors' must be an object");
    if (!st) st = get_color(ctx, jd, colors, "accent", &t->accent);
    if (!st) st = get_color(ctx, jd, colors, "rule", &t->rule);
    if (!st) st = get_color(ctx, jd, colors, "panel", &t->panel);
    if (!st) st = get_color(ctx, jd, colors, "muted", &t->muted);
  }
  json_t *fit = json_object_get(root, "fit");
  if (!st && fit) {
    static const char *const fk[] = {"body_min", "body_max", "leading_min", "leading_max", NULL};
    st = json_is_object(fit) ? check_keys(ctx, jd, fit, "fit", fk)
                             : bp_jdoc_error(ctx, jd, root, "fit", "'fit' must be an object");
    if (!st) st = get_number(ctx, jd, fit, "body_min", 5, 30, &t->body_min_pt);
    if (!st) st = get_number(ctx, jd, fit, "body_max", 5, 30, &t->body_max_pt);
    if (!st) st = get_number(ctx, jd, fit, "leading_min", 1, 2.5, &t->leading_min);
    if (!st) st = get_number(ctx, jd, fit, "leading_max", 1, 2.5, &t->leading_max);
    if (!st && t->body_min_pt > t->body_max_pt)
      st = bp_jdoc_error(ctx, jd, fit, "body_min", "'body_min' is larger than 'body_max'");
    if (!st && t->leading_min > t->leading_max)
      st = bp_jdoc_error(ctx, jd, fit, "leading_min", "'leading_min' is larger than 'leading_max'");
  }
  double mp = 0;
  if (!st) st = get_number(ctx, jd, root, "max_pages", 0, 10000, &mp);
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
  json_t *secs = json_object_get(root, "sections");
  if (!st && secs && !json_is_array(secs))
    st = bp_jdoc_error(ctx, jd, root, "sections", "'sections' must be an array");
  for (size_t i = 0; !st && secs && i < json_array_size(secs); i++) {
    json_t *s = json_array_get(secs, i);
    if (!json_is_object(s) || !json_is_string(json_object_get(s, "type"))) {
      st = bp_jdoc_error_elem(ctx, jd, secs, i, "a section is an object with a \"type\"");
      break;
    }
    t->sections = bp_realloc(t->sections, (t->n_sections + 1) * sizeof *t->sections);
    bp_tsection *ts = &t->sections[t->n_sections++];
    memset(ts, 0, sizeof *ts);
    ts->type = bp_strdup(json_string_value(json_object_get(s, "type")));
    ts->json = s;
    ts->columns = 1;
    double cols = 1;
    st = get_string(ctx, jd, s, "title", &ts->title);
    if (!st) st = get_number(ctx, jd, s, "columns", 1, 3, &cols);
    ts->columns = (int)cols;
    if (!st) st = get_number(ctx, jd, s, "height", 20, 2000, &ts->height_pt);
    if (!st) st = get_number(ctx, jd, s, "space_before", 0, 500, &ts->space_before_pt);
    if (!st) st = get_number(ctx, jd, s, "space_after", 0, 500, &ts->space_after_pt);
  }
  if (st) {
    bp_template_free(t);
    return st;
  }
  *out = t;
  return BP_OK;
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
  }
  free(t->sections);
  free(t->header_left);
  free(t->header_right);
  free(t->footer_left);
  free(t->footer_right);
  free(t->name);
  free(t->path);
  bp_jdoc_free(t->jd);
  free(t);
}

const bp_style *bp_template_style(const bp_template *t, const char *name) {
  for (size_t i = 0; i < t->n_styles; i++)
    if (!strcmp(t->styles[i].name, name)) return &t->styles[i].style;
  for (size_t i = 0; i < t->n_styles; i++)
    if (!strcmp(t->styles[i].name, "body")) return &t->styles[i].style;
  static const bp_style fallback = {SERIF,         10,    13.5, false, false, {0.1, 0.1, 0.12, 1},
                                    BP_ALIGN_LEFT, false, 0,    0,     false};
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
