/* test_dlist.c - the display list and the device interface: deep copies,
 * font de-duplication, the trace device's stable output, replay order, and
 * the sticky first error that stops a replay. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "draw/dlist.h"

static bp_dlist *sample(void) {
  bp_dlist *dl = bp_dlist_new();
  bp_dl_meta m = {0};
  m.title = "제목 Title";
  m.epoch = -1;
  bp_dl_set_meta(dl, &m);
  int f0 = bp_dlist_add_font(dl, "fonts/NotoSerif-Regular.ttf", 0, "Noto Serif", "Regular");
  int f1 = bp_dlist_add_font(dl, "fonts/NanumMyeongjo.ttf", 0, "NanumMyeongjo", "Regular");
  assert_int_equal(bp_dlist_add_font(dl, "fonts/NotoSerif-Regular.ttf", 0, "x", "y"), f0);
  assert_int_equal(f1, 1);
  bp_dl_page *pg = bp_dlist_add_page(dl, 595.276, 841.89);
  char text[] = "Hi 한";
  bp_dl_cluster cl[4] = {{0, 1, 10, 5}, {1, 1, 15, 4}, {2, 1, 19, 2.5}, {3, 3, 21.5, 9}};
  bp_dl_glyph gl[4] = {{43, 10, 0, 0}, {76, 15, 0, 1}, {3, 19, 0, 2}, {900, 21.5, 0, 3}};
  bp_dl_text t = {f0, 10.5, {0, 0, 0, 1}, 10, 20, 20.5, text, strlen(text), cl, 4, gl, 4, "", 0};
  bp_dl_add_text(pg, &t);
  memset(text, 'X', 3); /* the list keeps its own copy */
  cl[0].x_pt = 999;
  bp_path_seg segs[3] = {{BP_PATH_MOVE, {0, 0}}, {BP_PATH_LINE, {10, 10}}, {BP_PATH_CLOSE, {0}}};
  bp_dl_path p = {segs,           3,    true,         true,          false,  {1, 0, 0, 1},
                  {0, 0, 1, 0.5}, 0.75, BP_CAP_ROUND, BP_JOIN_ROUND, {2, 1}, 2};
  bp_dl_add_path(pg, &p);
  bp_dl_link l = {10, 10, 20, 12, "https://example.org/한", NULL};
  bp_dl_add_link(pg, &l);
  bp_dl_link l2 = {10, 30, 5, 5, NULL, "note-1"};
  bp_dl_add_link(pg, &l2);
  bp_dlist_add_page(dl, 612, 792);
  bp_dl_page *pg2 = &dl->pages[1];
  bp_dl_add_dest(pg2, "note-1", 100);
  bp_dl_add_outline(pg2, 1, "Notes", 90);
  return dl;
}

static void trace_is_stable_and_complete(void **state) {
  (void)state;
  bp_dlist *dl = sample();
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  char *out = NULL;
  assert_int_equal(bp_dlist_run(dl, bp_trace_device_new(NULL, &out), &ctx), BP_OK);
  const char *want =
      "document pages=2 fonts=2\n"
      "font 0 Noto Serif Regular\n"
      "font 1 NanumMyeongjo Regular\n"
      "meta title \"제목 Title\"\n"
      "page 1 595.28 x 841.89\n"
      "  text font=0 size=10.50 at=10.00,20.00 w=20.50 fill=#000000 \"Hi 한\"\n"
      "  path fill=#ff0000 stroke=#0000ff/0.50 lw=0.75 dash=2,1 : M0.00,0.00 L10.00,10.00 Z\n"
      "  link 10.00,10.00 20.00x12.00 -> https://example.org/한\n"
      "  link 10.00,30.00 5.00x5.00 -> #note-1\n"
      "page 2 612.00 x 792.00\n"
      "  dest note-1 y=100.00\n"
      "  outline 1 \"Notes\" y=90.00\n";
  assert_string_equal(out, want);
  assert_true(dl->pages[0].items[0].u.text.clusters[0].x_pt == 10);
  free(out);
  bp_dlist_free(dl);
}

/* A device that fails on its second text item and counts what it saw. */
typedef struct counting {
  bp_device super;
  int pages, texts, paths, links, closed;
} counting;

static void c_begin_page(bp_device *d, int no, const bp_dl_page *pg) {
  (void)no;
  (void)pg;
  ((counting *)d)->pages++;
}
static void c_text(bp_device *d, const bp_dl_text *t) {
  (void)t;
  if (++((counting *)d)->texts == 1) bp_device_fail(d, BP_ERR_RENDER, "first failure");
  bp_device_fail(d, BP_ERR_IO, "second failure is ignored");
}
static void c_path(bp_device *d, const bp_dl_path *p) {
  (void)p;
  ((counting *)d)->paths++;
}
static void c_close(bp_device *d) { ((counting *)d)->closed++; }

static const bp_device_ops counting_ops = {
    .begin_page = c_begin_page, .text = c_text, .path = c_path, .close = c_close};

static void first_error_stops_the_replay(void **state) {
  (void)state;
  bp_dlist *dl = sample();
  counting c = {0};
  c.super.ops = &counting_ops;
  bp_ctx_init(&c.super.ctx);
  bp_dlist_replay(dl, &c.super);
  assert_int_equal(c.pages, 1);
  assert_int_equal(c.texts, 1);
  assert_int_equal(c.paths, 0); /* nothing after the failure */
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  assert_int_equal(bp_device_close(&c.super, &ctx), BP_ERR_RENDER);
  assert_int_equal(c.closed, 0); /* a failed device is not closed as if it worked */
  assert_string_equal(ctx.msg, "first failure");
  bp_dlist_free(dl);
}

static void trace_file_is_written_atomically(void **state) {
  (void)state;
  bp_dlist *dl = sample();
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  assert_int_equal(bp_dlist_run(dl, bp_trace_device_new("/nonexistent-dir/x.trace", NULL), &ctx),
                   BP_ERR_IO);
  assert_non_null(strstr(ctx.msg, "/nonexistent-dir/x.trace"));
  bp_dlist_free(dl);
}

/* Structure: items belong to the element open on their page; furniture
 * nests as furniture; the trace names each element's roles. */
static void structure_nodes(void **state) {
  (void)state;
  bp_dlist *dl = bp_dlist_new();
  bp_dl_page *pg = bp_dlist_add_page(dl, 100, 100);
  assert_int_equal(pg->node, BP_DL_UNTAGGED);
  int was = bp_dl_begin(dl, pg, BP_ROLE_P);
  int para = pg->node;
  bp_dl_link l = {0, 0, 10, 10, "https://example.org", NULL};
  int in = bp_dl_begin(dl, pg, BP_ROLE_LINK);
  bp_dl_add_link(pg, &l);
  bp_dl_end(pg, in);
  bp_dl_add_dest(pg, "here", 5);
  bp_dl_end(pg, was);
  int furniture = bp_dl_begin(dl, pg, BP_ROLE_ARTIFACT);
  bp_dl_begin(dl, pg, BP_ROLE_P); /* inside furniture: furniture */
  bp_dl_add_dest(pg, "there", 5);
  bp_dl_end(pg, furniture);
  assert_int_equal(dl->n_nodes, 2);
  assert_int_equal(dl->nodes[1].parent, para);
  assert_int_equal(pg->items[0].node, 1);
  assert_int_equal(pg->items[1].node, para);
  assert_int_equal(pg->items[2].node, BP_DL_ARTIFACT);
  assert_int_equal(bp_dlist_node_role(dl, 1), BP_ROLE_LINK);
  assert_int_equal(bp_dlist_node_role(dl, BP_DL_ARTIFACT), BP_ROLE_ARTIFACT);
  assert_string_equal(bp_role_name(BP_ROLE_LBODY), "LBody");
  char *trace = NULL;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  assert_int_equal(bp_dlist_run(dl, bp_trace_device_new(NULL, &trace), &ctx), BP_OK);
  assert_non_null(strstr(trace, "  struct /P/Link #1\n  link "));
  assert_non_null(strstr(trace, "  struct artifact\n  dest there"));
  free(trace);
  bp_dlist_free(dl);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(trace_is_stable_and_complete),
      cmocka_unit_test(first_error_stops_the_replay),
      cmocka_unit_test(trace_file_is_written_atomically),
      cmocka_unit_test(structure_nodes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
