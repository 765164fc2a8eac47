/* test_core.c - error context, buffers, UTF-8, SHA-256 and atomic writes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/bp.h"
#include "core/lru.h"

static void first_error_wins(void **state) {
  (void)state;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  assert_int_equal(bp_error(&ctx, BP_ERR_DATA, "a.json:%d:%d: bad", 3, 7), BP_ERR_DATA);
  bp_error(&ctx, BP_ERR_IO, "second");
  assert_int_equal(ctx.status, BP_ERR_DATA);
  assert_string_equal(ctx.msg, "a.json:3:7: bad");
}

/* bp_error_wrap puts context before the first error, keeping its status. */
static void error_wrap_prefixes(void **state) {
  (void)state;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_error(&ctx, BP_ERR_FONT, "no glyph for U+1F600");
  assert_int_equal(bp_error_wrap(&ctx, BP_ERR_LAYOUT, "record '%s' (%s:%d): ", "ru", "c.csv", 3),
                   BP_ERR_FONT);
  assert_string_equal(ctx.msg, "record 'ru' (c.csv:3): no glyph for U+1F600");
  bp_ctx_clear(&ctx); /* no error yet: the fallback status, the prefix alone */
  assert_int_equal(bp_error_wrap(&ctx, BP_ERR_LAYOUT, "here: "), BP_ERR_LAYOUT);
  assert_string_equal(ctx.msg, "here: ");
  char longp[2000];
  memset(longp, 'x', sizeof longp - 1);
  longp[sizeof longp - 1] = '\0';
  bp_error_wrap(&ctx, BP_ERR_LAYOUT, "%s", longp); /* cut, never overrun */
  assert_int_equal(strlen(ctx.msg), sizeof ctx.msg - 1);
}

static void utf8_roundtrip(void **state) {
  (void)state;
  const char *s = "A한\xE2\x80\x9C\xF0\x9F\x98\x80";
  int len;
  assert_int_equal(bp_utf8_decode(s, strlen(s), &len), 'A');
  assert_int_equal(bp_utf8_decode(s + 1, strlen(s) - 1, &len), 0xD55C);
  assert_int_equal(len, 3);
  assert_int_equal(bp_utf8_decode(s + 4, 3, &len), 0x201C);
  assert_int_equal(bp_utf8_decode(s + 7, 4, &len), 0x1F600);
  char out[4];
  assert_int_equal(bp_utf8_encode(0xD55C, out), 3);
  assert_memory_equal(out, s + 1, 3);
  size_t bad = 0;
  assert_false(bp_utf8_valid("ok\xC3(", 4, &bad));
  assert_int_equal(bad, 2);
  assert_false(bp_utf8_valid("\xE2\x80", 2, &bad)); /* truncated */
  assert_false(bp_utf8_valid("\xC0\xAF", 2, &bad)); /* overlong */
  assert_true(bp_is_hangul(0xAC00));
  assert_false(bp_is_hangul('a'));
}

static void sha256_known_vectors(void **state) {
  (void)state;
  char hex[65];
  bp_sha256_hex("", 0, hex);
  assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  bp_sha256_hex("abc", 3, hex);
  assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  bp_sha256_hex(m, strlen(m), hex);
  assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void atomic_write_leaves_no_temp(void **state) {
  (void)state;
  char dir[] = "/tmp/bp-core-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char path[256];
  snprintf(path, sizeof path, "%s/out.txt", dir);
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  assert_int_equal(bp_file_write_atomic(&ctx, path, "hello", 5), BP_OK);
  char *back = NULL;
  size_t n = 0;
  assert_int_equal(bp_file_read(&ctx, path, &back, &n), BP_OK);
  assert_int_equal(n, 5);
  assert_string_equal(back, "hello");
  free(back);
  /* a write into a missing folder fails with a message naming the file */
  char bad[300];
  snprintf(bad, sizeof bad, "%s/missing/out.txt", dir);
  assert_int_equal(bp_file_write_atomic(&ctx, bad, "x", 1), BP_ERR_IO);
  assert_non_null(strstr(ctx.msg, "missing/out.txt"));
  remove(path);
  assert_int_equal(rmdir(dir), 0); /* empty: no temporary file was left */
}

static void mkdir_p_makes_parents_and_refuses_files(void **state) {
  (void)state;
  char dir[] = "/tmp/bp-mkdir-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char path[256];
  snprintf(path, sizeof path, "%s/a/b/c", dir);
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bool created = false;
  assert_int_equal(bp_mkdir_p(&ctx, path, &created), BP_OK);
  assert_true(created);
  assert_int_equal(bp_mkdir_p(&ctx, path, &created), BP_OK); /* already there */
  assert_false(created);
  char file[300];
  snprintf(file, sizeof file, "%s/a/f", dir);
  FILE *f = fopen(file, "w");
  fclose(f);
  assert_int_equal(bp_mkdir_p(&ctx, file, NULL), BP_ERR_IO); /* a file in the way */
  assert_non_null(strstr(ctx.msg, "not a folder"));
  remove(file);
  rmdir(path);
  snprintf(path, sizeof path, "%s/a/b", dir);
  rmdir(path);
  snprintf(path, sizeof path, "%s/a", dir);
  rmdir(path);
  assert_int_equal(rmdir(dir), 0);
}

static void source_date_epoch_parses_or_is_unset(void **state) {
  (void)state;
  setenv("SOURCE_DATE_EPOCH", "1712102400", 1);
  assert_true(bp_source_date_epoch() == 1712102400LL);
  setenv("SOURCE_DATE_EPOCH", "12x", 1);
  assert_true(bp_source_date_epoch() == -1);
  unsetenv("SOURCE_DATE_EPOCH");
  assert_true(bp_source_date_epoch() == -1);
}

/* The arena: 16-byte aligned pieces that do not overlap, in blocks of
 * 256 bytes doubling to 64 KB (a piece larger than the next block gets a larger
 * one), a large piece a block of its own that does not end the block being
 * filled, and everything gone at the release (ASan and valgrind see the
 * blocks). */
static void arena_hands_out_and_releases(void **state) {
  (void)state;
  bp_arena a = {0};
  unsigned char *prev = NULL;
  size_t total = 0;
  for (int i = 0; i < 5000; i++) { /* ~900 KB: several blocks */
    size_t n = (size_t)(i % 300) + 1;
    unsigned char *p = bp_arena_alloc(&a, n);
    assert_int_equal((uintptr_t)p % 16, 0);
    memset(p, i & 0xFF, n);
    if (prev) assert_int_equal(prev[0], (i - 1) & 0xFF); /* not overwritten */
    prev = p;
    total += n;
  }
  assert_true(total > 600 * 1024);
  struct bp_arena_block *filling = a.head;
  unsigned char *big = bp_arena_alloc(&a, 200 * 1024); /* its own block */
  memset(big, 7, 200 * 1024);
  assert_ptr_equal(a.head, filling); /* the block being filled goes on */
  char *s = bp_arena_strndup(&a, "hello, world", 5);
  assert_string_equal(s, "hello");
  bp_arena_release(&a);
  assert_null(a.head);
  for (size_t n = 1000; n <= 16000; n += 5000) { /* larger than a first block */
    unsigned char *p = bp_arena_alloc(&a, n), *q = bp_arena_alloc(&a, 16);
    memset(p, 1, n);
    memset(q, 2, 16);
    assert_int_equal(p[n - 1], 1);
  }
  bp_arena_release(&a);
  bp_arena_release(&a);                   /* twice is fine */
  assert_non_null(bp_arena_alloc(&a, 1)); /* and usable again */
  bp_arena_release(&a);
}

static void buf_printf_grows(void **state) {
  (void)state;
  bp_buf b = {0};
  for (int i = 0; i < 1000; i++) bp_buf_printf(&b, "%d,", i);
  assert_int_equal(strncmp(b.data, "0,1,2,", 6), 0);
  assert_non_null(strstr(b.data, "999,"));
  char *s = bp_buf_detach(&b);
  assert_null(b.data);
  free(s);
  /* at the edges of the room a buffer has: one short, exactly full (the
   * terminator does not fit), far over; each time the whole text, ended */
  char want[200];
  for (size_t extra = 0; extra < 40; extra++) {
    bp_buf c = {0};
    bp_buf_puts(&c, "abc"); /* capacity 8: room for 4 more and the terminator */
    bp_buf_printf(&c, "%.*s|%zu", (int)extra, "0123456789012345678901234567890123456789", extra);
    snprintf(want, sizeof want, "abc%.*s|%zu", (int)extra,
             "0123456789012345678901234567890123456789", extra);
    assert_string_equal(c.data, want);
    assert_int_equal(c.len, strlen(want));
    bp_buf_free(&c);
  }
}

/* Escapes the five markup characters and passes every other byte, invalid
 * UTF-8 and all, as it came (watch's error page shows such file names). */
static void buf_put_markup_escapes_any_bytes(void **state) {
  (void)state;
  bp_buf b = {0};
  bp_buf_put_markup(&b, "a<b>&\"c\"'d'");
  assert_string_equal(b.data, "a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39;");
  b.len = 0;
  bp_buf_put_markup(&b, "\xff\xfe\xc3 \xea\xb0\x80<");
  assert_string_equal(b.data, "\xff\xfe\xc3 \xea\xb0\x80&lt;");
  b.len = 0;
  bp_buf_put_markup(&b, "");
  assert_int_equal(b.len, 0);
  bp_buf_free(&b);
}

static int dropped;
static void count_drop(void *v) {
  dropped++;
  free(v);
}

/* The map holds at most its cost, drops the least recently used first, and
 * keeps a lookup's entry as the most recent. */
static void lru_bounded_least_recent_out(void **state) {
  (void)state;
  dropped = 0;
  bp_lru *m = bp_lru_new(10, count_drop);
  size_t cost, n;
  for (int i = 0; i < 4; i++) {
    char key[8];
    snprintf(key, sizeof key, "k%d", i);
    bp_lru_insert(m, bp_strdup(key), bp_strdup(key), 3); /* k0..k3: 12 > 10, k0 goes */
  }
  bp_lru_size(m, &cost, &n);
  assert_int_equal(cost, 9);
  assert_int_equal(n, 3);
  assert_int_equal(dropped, 1);
  assert_null(bp_lru_lookup(m, "k0"));
  assert_string_equal(bp_lru_lookup(m, "k1"), "k1"); /* now the most recent: k2 is next out */
  bp_lru_insert(m, bp_strdup("k4"), bp_strdup("k4"), 3);
  assert_null(bp_lru_lookup(m, "k2"));
  assert_non_null(bp_lru_lookup(m, "k1"));
  assert_non_null(bp_lru_lookup(m, "k3"));
  bp_lru_insert(m, bp_strdup("big"), bp_strdup("big"), 25); /* alone over the bound: stays alone */
  bp_lru_size(m, &cost, &n);
  assert_int_equal(cost, 25);
  assert_int_equal(n, 1);
  assert_string_equal(bp_lru_lookup(m, "big"), "big");
  assert_int_equal(dropped, 5);
  bp_lru_free(m);
  assert_int_equal(dropped, 6);
  bp_lru_free(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(first_error_wins),
      cmocka_unit_test(lru_bounded_least_recent_out),
      cmocka_unit_test(error_wrap_prefixes),
      cmocka_unit_test(utf8_roundtrip),
      cmocka_unit_test(sha256_known_vectors),
      cmocka_unit_test(atomic_write_leaves_no_temp),
      cmocka_unit_test(buf_printf_grows),
      cmocka_unit_test(arena_hands_out_and_releases),
      cmocka_unit_test(buf_put_markup_escapes_any_bytes),
      cmocka_unit_test(mkdir_p_makes_parents_and_refuses_files),
      cmocka_unit_test(source_date_epoch_parses_or_is_unset),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
