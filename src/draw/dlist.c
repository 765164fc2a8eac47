/* dlist.c - building, freeing and replaying the display list, and the
 * device base functions. Copies everything it records so that layout's
 * temporary objects can be freed as soon as an item is added. */
#include "dlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bp_dlist *bp_dlist_new(void) {
  bp_dlist *dl = bp_calloc(1, sizeof *dl);
  dl->meta.epoch = -1;
  return dl;
}

static void free_meta(bp_dl_meta *m) {
  free(m->title);
  free(m->author);
  free(m->subject);
  free(m->keywords);
  free(m->lang);
  free(m->creator);
}

void bp_dlist_free(bp_dlist *dl) {
  if (!dl) return;
  for (size_t i = 0; i < dl->n_fonts; i++) {
    free(dl->fonts[i].path);
    free(dl->fonts[i].family);
    free(dl->fonts[i].style);
  }
  free(dl->fonts);
  for (size_t i = 0; i < dl->n_rasters; i++) {
    free(dl->rasters[i].rgb);
    free(dl->rasters[i].alpha);
    free(dl->rasters[i].jpeg);
  }
  free(dl->rasters);
  for (size_t p = 0; p < dl->n_pages; p++) free(dl->pages[p].items);
  bp_arena_release(&dl->arena); /* the items' texts, glyphs, paths and names */
  free(dl->pages);
  for (size_t i = 0; i < dl->n_nodes; i++) {
    free(dl->nodes[i].alt);
    free(dl->nodes[i].lang);
    free(dl->nodes[i].actual_text);
  }
  free(dl->nodes);
  free_meta(&dl->meta);
  free(dl);
}

int bp_dlist_add_font(bp_dlist *dl, const char *path, int face_index, const char *family,
                      const char *style) {
  for (size_t i = 0; i < dl->n_fonts; i++)
    if (dl->fonts[i].face_index == face_index && strcmp(dl->fonts[i].path, path) == 0)
      return (int)i;
  bp_dl_font f = {bp_strdup(path), face_index, bp_strdup(family ? family : ""),
                  bp_strdup(style ? style : "")};
  BP_PUSH(dl->fonts, dl->n_fonts, dl->cap_fonts, f);
  return (int)dl->n_fonts - 1;
}

static void *dup_array(const void *src, size_t n, size_t size) {
  if (!n) return NULL;
  void *p = bp_malloc(n * size);
  memcpy(p, src, n * size);
  return p;
}

static bool same_bytes(const uint8_t *a, const uint8_t *b, size_t n) {
  return (!a && !b) || (a && b && memcmp(a, b, n) == 0);
}

int bp_dlist_add_raster(bp_dlist *dl, const bp_dl_raster *src) {
  size_t px = (size_t)src->width_px * (size_t)src->height_px;
  for (size_t i = 0; i < dl->n_rasters; i++) {
    const bp_dl_raster *r = &dl->rasters[i];
    if (r->width_px == src->width_px && r->height_px == src->height_px &&
        r->jpeg_len == src->jpeg_len && same_bytes(r->jpeg, src->jpeg, src->jpeg_len) &&
        same_bytes(r->alpha, src->alpha, px) && same_bytes(r->rgb, src->rgb, px * 3))
      return (int)i;
  }
  bp_dl_raster r = *src;
  r.rgb = src->rgb ? dup_array(src->rgb, px, 3) : NULL;
  r.alpha = src->alpha ? dup_array(src->alpha, px, 1) : NULL;
  r.jpeg = src->jpeg ? dup_array(src->jpeg, src->jpeg_len, 1) : NULL;
  BP_PUSH(dl->rasters, dl->n_rasters, dl->cap_rasters, r);
  return (int)dl->n_rasters - 1;
}

bp_dl_page *bp_dlist_add_page(bp_dlist *dl, double width_pt, double height_pt) {
  bp_dl_page pg = {
      .width_pt = width_pt, .height_pt = height_pt, .node = BP_DL_UNTAGGED, .arena = &dl->arena};
  BP_PUSH(dl->pages, dl->n_pages, dl->cap_pages, pg);
  return &dl->pages[dl->n_pages - 1];
}

static bp_dl_item *new_item(bp_dl_page *pg, bp_dl_kind kind) {
  bp_grow((void **)&pg->items, &pg->cap_items, pg->n_items + 1, sizeof *pg->items);
  bp_dl_item *it = &pg->items[pg->n_items++];
  memset(it, 0, sizeof *it);
  it->kind = kind;
  it->node = pg->node;
  return it;
}

/* ---- structure ---- */

const char *bp_role_name(bp_role role) {
  static const char *const names[] = {[BP_ROLE_NONE] = "NonStruct",
                                      [BP_ROLE_P] = "P",
                                      [BP_ROLE_H1] = "H1",
                                      [BP_ROLE_H2] = "H2",
                                      [BP_ROLE_H3] = "H3",
                                      [BP_ROLE_L] = "L",
                                      [BP_ROLE_LI] = "LI",
                                      [BP_ROLE_LBL] = "Lbl",
                                      [BP_ROLE_LBODY] = "LBody",
                                      [BP_ROLE_NOTE] = "Note",
                                      [BP_ROLE_REFERENCE] = "Reference",
                                      [BP_ROLE_LINK] = "Link",
                                      [BP_ROLE_SPAN] = "Span",
                                      [BP_ROLE_FIGURE] = "Figure",
                                      [BP_ROLE_CAPTION] = "Caption",
                                      [BP_ROLE_TABLE] = "Table",
                                      [BP_ROLE_TR] = "TR",
                                      [BP_ROLE_TH] = "TH",
                                      [BP_ROLE_TD] = "TD",
                                      [BP_ROLE_BLOCKQUOTE] = "BlockQuote",
                                      [BP_ROLE_THEAD] = "THead",
                                      [BP_ROLE_TBODY] = "TBody",
                                      [BP_ROLE_ARTIFACT] = "Artifact"};
  return (unsigned)role < sizeof names / sizeof *names ? names[role] : "NonStruct";
}

int bp_dlist_add_node(bp_dlist *dl, bp_role role, int parent) {
  bp_dl_node n = {role, parent, NULL, NULL, NULL, {0, 0, 0, 0}, BP_SCOPE_NONE};
  BP_PUSH(dl->nodes, dl->n_nodes, dl->cap_nodes, n);
  return (int)dl->n_nodes - 1;
}

int bp_dl_begin(bp_dlist *dl, bp_dl_page *pg, bp_role role) {
  int was = pg->node;
  if (role == BP_ROLE_ARTIFACT || was == BP_DL_ARTIFACT)
    pg->node = BP_DL_ARTIFACT; /* inside furniture, all is furniture */
  else
    pg->node = bp_dlist_add_node(dl, role, was >= 0 ? was : -1);
  return was;
}

void bp_dl_end(bp_dl_page *pg, int was) { pg->node = was; }

bp_role bp_dlist_node_role(const bp_dlist *dl, int node) {
  if (node == BP_DL_ARTIFACT) return BP_ROLE_ARTIFACT;
  if (node < 0 || (size_t)node >= dl->n_nodes) return BP_ROLE_NONE;
  return dl->nodes[node].role;
}

/* An item's arrays and strings go into its display list's arena, freed
 * with the list: a profile's some thousand texts, glyph runs and paths
 * were a malloc and a free each (and again for every piece replayed). */
static void *arena_copy(bp_dl_page *pg, const void *src, size_t n, size_t size) {
  if (!n) return NULL;
  void *p = bp_arena_alloc(pg->arena, n * size);
  memcpy(p, src, n * size);
  return p;
}

static char *arena_strdup(bp_dl_page *pg, const char *s) {
  return s ? bp_arena_strndup(pg->arena, s, strlen(s)) : NULL;
}

void bp_dl_add_text(bp_dl_page *pg, const bp_dl_text *src) {
  bp_dl_text *t = &new_item(pg, BP_DL_TEXT)->u.text;
  *t = *src;
  t->text = bp_arena_strndup(pg->arena, src->text, src->text_len);
  t->clusters = arena_copy(pg, src->clusters, src->n_clusters, sizeof *src->clusters);
  t->glyphs = arena_copy(pg, src->glyphs, src->n_glyphs, sizeof *src->glyphs);
}

void bp_dl_add_path(bp_dl_page *pg, const bp_dl_path *src) {
  bp_dl_path *p = &new_item(pg, BP_DL_PATH)->u.path;
  *p = *src;
  p->segs = arena_copy(pg, src->segs, src->n_segs, sizeof *src->segs);
}

void bp_dl_add_link(bp_dl_page *pg, const bp_dl_link *src) {
  bp_dl_link *l = &new_item(pg, BP_DL_LINK)->u.link;
  *l = *src;
  l->uri = arena_strdup(pg, src->uri);
  l->dest = arena_strdup(pg, src->dest);
}

void bp_dl_add_image(bp_dl_page *pg, const bp_dl_image *src) {
  new_item(pg, BP_DL_IMAGE)->u.image = *src;
}

void bp_dl_add_dest(bp_dl_page *pg, const char *name, double y_pt) {
  bp_dl_dest *d = &new_item(pg, BP_DL_DEST)->u.dest;
  d->name = arena_strdup(pg, name);
  d->y_pt = y_pt;
}

void bp_dl_add_outline(bp_dl_page *pg, int level, const char *title, double y_pt) {
  bp_dl_outline *o = &new_item(pg, BP_DL_OUTLINE)->u.outline;
  o->level = level;
  o->title = arena_strdup(pg, title);
  o->y_pt = y_pt;
}

static bool has_dest(const bp_dlist *dl, const char *name) {
  for (size_t p = 0; p < dl->n_pages; p++)
    for (size_t i = 0; i < dl->pages[p].n_items; i++) {
      const bp_dl_item *it = &dl->pages[p].items[i];
      if (it->kind == BP_DL_DEST && !strcmp(it->u.dest.name, name)) return true;
    }
  return false;
}

bp_status bp_dlist_check(bp_ctx *ctx, const bp_dlist *dl) {
  const double tol = 0.5; /* rounding: half a point */
  for (size_t p = 0; p < dl->n_pages; p++) {
    const bp_dl_page *pg = &dl->pages[p];
    for (size_t i = 0; i < pg->n_items; i++) {
      const bp_dl_item *it = &pg->items[i];
      if (it->kind == BP_DL_LINK && it->u.link.dest && !has_dest(dl, it->u.link.dest))
        return bp_error(ctx, BP_ERR_LAYOUT, "page %zu: link to unknown destination \"%s\"", p + 1,
                        it->u.link.dest);
      if (it->kind != BP_DL_TEXT) continue;
      const bp_dl_text *t = &it->u.text;
      if (t->x_pt < -tol || t->x_pt + t->width_pt > pg->width_pt + tol ||
          t->y_pt - t->size_pt < -tol || t->y_pt > pg->height_pt + tol)
        return bp_error(ctx, BP_ERR_LAYOUT,
                        "page %zu: text \"%.40s\" at (%.1f, %.1f) pt is outside the %.0f x "
                        "%.0f pt page",
                        p + 1, t->text ? t->text : "", t->x_pt, t->y_pt, pg->width_pt,
                        pg->height_pt);
    }
  }
  return BP_OK;
}

void bp_dl_set_meta(bp_dlist *dl, const bp_dl_meta *m) {
  free_meta(&dl->meta);
  dl->meta.title = bp_strdup(m->title);
  dl->meta.author = bp_strdup(m->author);
  dl->meta.subject = bp_strdup(m->subject);
  dl->meta.keywords = bp_strdup(m->keywords);
  dl->meta.lang = bp_strdup(m->lang);
  dl->meta.creator = bp_strdup(m->creator);
  dl->meta.epoch = m->epoch;
}

/* ---- devices ---- */

void bp_device_fail(bp_device *dev, bp_status st, const char *fmt, ...) {
  if (dev->ctx.status != BP_OK) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(dev->ctx.msg, sizeof dev->ctx.msg, fmt, ap);
  va_end(ap);
  dev->ctx.status = st;
}

#define CALL(dev, op, ...)                                                                         \
  do {                                                                                             \
    if ((dev)->ctx.status == BP_OK && (dev)->ops->op) (dev)->ops->op(__VA_ARGS__);                 \
  } while (0)

void bp_dlist_replay(const bp_dlist *dl, bp_device *dev) {
  CALL(dev, begin_document, dev, dl);
  for (size_t p = 0; p < dl->n_pages && dev->ctx.status == BP_OK; p++) {
    const bp_dl_page *pg = &dl->pages[p];
    CALL(dev, begin_page, dev, (int)p, pg);
    for (size_t i = 0; i < pg->n_items && dev->ctx.status == BP_OK; i++) {
      const bp_dl_item *it = &pg->items[i];
      if (it->node >= (int)dl->n_nodes) {
        bp_device_fail(dev, BP_ERR_RENDER, "page %zu: item of unknown structure node %d", p + 1,
                       it->node);
        break;
      }
      CALL(dev, node, dev, it->node);
      switch (it->kind) {
      case BP_DL_TEXT: CALL(dev, text, dev, &it->u.text); break;
      case BP_DL_PATH: CALL(dev, path, dev, &it->u.path); break;
      case BP_DL_LINK: CALL(dev, link, dev, &it->u.link); break;
      case BP_DL_DEST: CALL(dev, dest, dev, &it->u.dest); break;
      case BP_DL_OUTLINE: CALL(dev, outline, dev, &it->u.outline); break;
      case BP_DL_IMAGE:
        if (it->u.image.raster < 0 || (size_t)it->u.image.raster >= dl->n_rasters) {
          bp_device_fail(dev, BP_ERR_RENDER, "page %zu: image of unknown raster %d", p + 1,
                         it->u.image.raster);
          break;
        }
        CALL(dev, image, dev, &it->u.image, &dl->rasters[it->u.image.raster]);
        break;
      }
    }
    CALL(dev, end_page, dev, (int)p);
  }
}

bp_status bp_device_close(bp_device *dev, bp_ctx *ctx) {
  CALL(dev, close, dev);
  if (dev->ctx.status != BP_OK) return bp_error(ctx, dev->ctx.status, "%s", dev->ctx.msg);
  return BP_OK;
}

void bp_device_free(bp_device *dev) {
  if (!dev) return;
  if (dev->ops->destroy)
    dev->ops->destroy(dev);
  else
    free(dev);
}

bp_status bp_dlist_run(const bp_dlist *dl, bp_device *dev, bp_ctx *ctx) {
  if (!dev) return bp_error(ctx, BP_ERR_RENDER, "no device");
  bp_dlist_replay(dl, dev);
  bp_status st = bp_device_close(dev, ctx);
  bp_device_free(dev);
  return st;
}
