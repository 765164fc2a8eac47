/* test_data_tables.c - claims, series and records as the loaders return
 * them: fields, parsed spans, partial dates and decimal years, gaps, RFC
 * 4180 quoting with CRLF, lookups, and the file:line:col of load errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/data.h"

static void claims_fields(void **state) {
  (void)state;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_bib *bib = NULL;
  assert_int_equal(bp_bib_load(&ctx, "data/citations/nk-missions.json", &bib), BP_OK);
  assert_int_equal(bp_bib_add_file(&ctx, bib, "data/citations/sources.json"), BP_OK);
  bp_claims *c = NULL;
  assert_int_equal(bp_claims_load(&ctx, "data/claims/nk-missions.json", bib, &c), BP_OK);
  const bp_claim *k = bp_claims_lookup(c, "missions-53-to-44");
  assert_non_null(k);
  assert_string_equal(k->path, "data/claims/nk-missions.json");
  /* "cites" first, then the ids cited in the text */
  assert_int_equal(k->n_cites, 3);
  assert_string_equal(k->cites[0], "donga_20231031");
  assert_string_equal(k->cites[1], "koreaherald_20240130");
  assert_string_equal(k->cites[2], "kim2024yonhap");
  assert_int_equal(k->date.y, 2024);
  assert_int_equal(k->date.m, 1);
  assert_int_equal(k->date.d, 30);
  assert_int_equal(k->n_countries, 3);
  assert_string_equal(k->countries[1], "HK");
  assert_non_null(k->text_ko);
  /* "... to **44** by ..." */
  bool bold = false;
  for (size_t i = 0; i < k->spans.n; i++)
    if (k->spans.v[i].flags & BP_SPAN_BOLD) {
      assert_string_equal(k->spans.v[i].text, "44");
      bold = true;
    }
  assert_true(bold);
  assert_int_equal(k->spans.v[k->spans.n - 2].kind, BP_SPAN_CITE);
  const bp_claim *y = bp_claims_lookup(c, "un-membership-1991");
  assert_int_equal(y->date.y, 1991);
  assert_int_equal(y->date.m, 0);
  assert_null(bp_claims_lookup(c, "nope"));
  bp_claims_free(c);

  /* with the bibliography, unknown ids are errors; without it they are not checked */
  bp_bib *fbib = NULL;
  assert_int_equal(bp_bib_load(&ctx, "tests/fixtures/check/unknown_ids/citations/a.json", &fbib),
                   BP_OK);
  c = (bp_claims *)1;
  assert_int_equal(bp_claims_load(&ctx, "tests/fixtures/check/unknown_ids/claims/c.json", fbib, &c),
                   BP_ERR_DATA);
  bp_bib_free(fbib);
  assert_null(c);
  assert_string_equal(
      ctx.msg, "tests/fixtures/check/unknown_ids/claims/c.json:7:8: unknown citation 'nosuch'");
  bp_ctx_init(&ctx);
  assert_int_equal(bp_claims_load(&ctx, "tests/fixtures/check/unknown_ids/claims/c.json", NULL, &c),
                   BP_OK);
  assert_int_equal(c->n, 2);
  bp_claims_free(c);
  bp_ctx_init(&ctx);
  assert_int_equal(bp_claims_load(&ctx, "tests/fixtures/check/no_source/claims/c.json", NULL, &c),
                   BP_ERR_DATA);
  assert_string_equal(
      ctx.msg, "tests/fixtures/check/no_source/claims/c.json:7:11: claim 'c2' has no source (add "
               "\"cites\" or [@id] in its text)");
  bp_ctx_init(&ctx);
  assert_int_equal(
      bp_claims_load(&ctx, "tests/fixtures/check/deep_nesting/claims/c.json", NULL, &c),
      BP_ERR_DATA);
  assert_string_equal(
      ctx.msg,
      "tests/fixtures/check/deep_nesting/claims/c.json:1:2049: nesting too deep (more than "
      "2048 levels)");
  bp_ctx_init(&ctx);
  assert_int_equal(
      bp_claims_load(&ctx, "tests/fixtures/check/duplicate_keys/claims/c.json", NULL, &c),
      BP_ERR_DATA);
  assert_string_equal(
      ctx.msg, "tests/fixtures/check/duplicate_keys/claims/c.json:3:4: duplicate key \"id\"");
  bp_ctx_init(&ctx);
  assert_int_equal(bp_claims_load(&ctx, "tests/fixtures/check/empty/claims/c.json", NULL, &c),
                   BP_ERR_DATA);
  assert_string_equal(ctx.msg, "tests/fixtures/check/empty/claims/c.json:1:1: empty file");
  bp_ctx_init(&ctx);
  assert_int_equal(bp_claims_load(&ctx, "tests/fixtures/check/bom/claims/c.json", NULL, &c), BP_OK);
  assert_int_equal(c->n, 1);
  bp_claims_free(c);
  bp_bib_free(bib);
}

static void series_crypto(void **state) {
  (void)state;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_series *s = NULL;
  /* from the metadata or from the CSV: the same series */
  assert_int_equal(bp_series_load(&ctx, "data/series/crypto_theft.json", &s), BP_OK);
  assert_string_equal(s->path, "data/series/crypto_theft.csv");
  assert_string_equal(s->meta_path, "data/series/crypto_theft.json");
  assert_string_equal(s->unit, "USD millions");
  assert_string_equal(s->source_id, "genews_20230203");
  assert_string_equal(s->x_name, "year");
  assert_int_equal(s->n_cols, 2);
  assert_int_equal(bp_series_column(s, "usd_millions"), 0);
  assert_int_equal(bp_series_column(s, "incidents"), 1);
  assert_int_equal(bp_series_column(s, "note"), -1);
  assert_string_equal(s->labels[0], "Stolen (USD millions)");
  assert_int_equal(s->n_points, 7); /* 2016-2022: one report's vintage */
  const bp_series_point *p2022 = NULL;
  for (size_t i = 0; i < s->n_points; i++)
    if (s->points[i].date.y == 2022) p2022 = &s->points[i];
  assert_non_null(p2022);
  assert_true(fabs(p2022->values[0] - 1650.5) < 1e-9); /* the $1.65 billion is 2022 */
  assert_true(fabs(p2022->values[1] - 15) < 1e-9);
  assert_true(fabs(p2022->x - 2022.5) < 1e-9);
  assert_string_equal(p2022->source_id, "genews_20230203");
  assert_true(isnan(s->points[0].values[1])); /* 2016: no incident count = gap */
  assert_int_equal(s->points[0].line, 2);
  bp_series_free(s);
  assert_int_equal(bp_series_load(&ctx, "data/series/mission_counts.csv", &s), BP_OK);
  assert_string_equal(s->meta_path, "data/series/mission_counts.json");
  assert_int_equal(s->n_points, 4);          /* one basis: no embassies-only 2017 count */
  assert_int_equal(s->points[0].date.m, 10); /* 2020-10 */
  assert_int_equal(s->points[0].date.d, 0);
  assert_true(s->points[0].x > 2020.75 && s->points[0].x < 2020.83);
  assert_true(fabs(s->points[3].values[0] - 44) < 1e-9);
  bp_series_free(s);

  s = (bp_series *)1;
  assert_int_equal(bp_series_load(&ctx, "tests/fixtures/check/non_numeric/series/s.csv", &s),
                   BP_ERR_DATA);
  assert_null(s);
  assert_string_equal(
      ctx.msg,
      "tests/fixtures/check/non_numeric/series/s.csv:3:6: non-numeric value '12x' in column 'usd'");
  bp_ctx_init(&ctx);
  assert_int_equal(bp_series_load(&ctx, "tests/fixtures/check/header_only/series/s.csv", &s),
                   BP_ERR_DATA);
  assert_string_equal(
      ctx.msg,
      "tests/fixtures/check/header_only/series/s.csv:1:6: series has no data rows (only a header)");
  bp_ctx_init(&ctx);
  assert_int_equal(bp_series_load(&ctx, "tests/fixtures/check/bad_dates/series/s.csv", &s),
                   BP_ERR_DATA);
  assert_string_equal(ctx.msg, "tests/fixtures/check/bad_dates/series/s.csv:3:1: invalid date "
                               "'2023-00': month 00 does not exist");
}

static void records_csv(void **state) {
  (void)state;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_records *r = NULL;
  assert_int_equal(bp_records_load(&ctx, "tests/fixtures/check/csv_crlf_quoted/records.csv", &r),
                   BP_OK);
  assert_int_equal(r->n_cols, 5);
  assert_string_equal(r->names[0], "id");
  assert_int_equal(r->n_rows, 3);
  assert_string_equal(bp_records_field(r, 0, "name"), "Korea, North");
  assert_string_equal(bp_records_field(r, 0, "note"), "He said \"no\".");
  assert_string_equal(bp_records_field(r, 1, "note"), "two\r\nlines");
  assert_string_equal(bp_records_field(r, 2, "id"), "gn"); /* quoted id */
  assert_string_equal(bp_records_field(r, 2, "note"), "");
  assert_int_equal(r->rows[2].line, 5); /* after a record spanning two lines */
  assert_null(bp_records_field(r, 0, "nope"));
  assert_null(bp_records_field(r, 9, "id"));
  assert_int_equal(bp_records_column(r, "iso2"), 3);
  assert_ptr_equal(bp_records_lookup(r, "kr"), &r->rows[1]);
  bp_records_free(r);

  assert_int_equal(bp_records_load(&ctx, "data/countries.csv", &r), BP_OK);
  const bp_record *g = bp_records_lookup(r, "guinea");
  assert_non_null(g);
  int ko = bp_records_column(r, "name_ko");
  assert_string_equal(g->fields[ko], "기니");
  assert_string_equal(g->fields[bp_records_column(r, "iso2")], "GN");
  bp_records_free(r);

  struct {
    const char *path, *msg;
  } bad[] = {
      {"tests/fixtures/check/csv_errors/records.csv",
       "tests/fixtures/check/csv_errors/records.csv:3:8: unknown country code 'XX' (expected ISO "
       "3166-1 alpha-2, "
       "e.g. 'KP')"},
      {"tests/fixtures/check/csv_unterminated/records.csv",
       "tests/fixtures/check/csv_unterminated/records.csv:2:4: unterminated quoted field (the "
       "quote opened here is "
       "never closed)"},
      {"tests/fixtures/check/country_codes/records.csv",
       "tests/fixtures/check/country_codes/records.csv:3:9: unknown country code 'ZZ' (expected "
       "ISO 3166-1 alpha-2, "
       "e.g. 'KP')"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    bp_ctx_init(&ctx);
    r = (bp_records *)1;
    assert_int_equal(bp_records_load(&ctx, bad[i].path, &r), BP_ERR_DATA);
    assert_null(r);
    assert_string_equal(ctx.msg, bad[i].msg);
  }
  /* header only: loads, with a warning the checker shows */
  bp_ctx_init(&ctx);
  assert_int_equal(bp_records_load(&ctx, "tests/fixtures/check/header_only/records.csv", &r),
                   BP_OK);
  assert_int_equal(r->n_rows, 0);
  bp_records_free(r);
}

static void dates_urls_countries(void **state) {
  (void)state;
  bp_date d;
  char why[96];
  assert_true(bp_date_parse("2023", &d, why, sizeof why));
  assert_true(d.y == 2023 && d.m == 0 && d.d == 0);
  assert_true(bp_date_parse("2024-02-29", &d, why, sizeof why));
  assert_false(bp_date_parse("2023-02-29", &d, why, sizeof why));
  assert_string_equal(why, "February 2023 has 28 days");
  assert_false(bp_date_parse("2023-13", &d, why, sizeof why));
  assert_false(bp_date_parse("23-01-01", &d, why, sizeof why));
  assert_false(bp_date_parse("2023-1-1", &d, why, sizeof why));
  assert_false(bp_date_parse("", &d, why, sizeof why));
  assert_false(bp_date_parse("0000", &d, why, sizeof why));
  char out[11];
  d = (bp_date){2023, 5, 0};
  bp_date_format(&d, out);
  assert_string_equal(out, "2023-05");
  bp_date a = {2024, 1, 0}, b = {2023, 0, 0}, c = {2023, 12, 0}, e = {2023, 12, 31};
  assert_true(bp_date_after(&a, &b));
  assert_false(bp_date_after(&c, &b)); /* 2023-12 is inside 2023 */
  assert_false(bp_date_after(&e, &c));
  assert_true(bp_date_cmp(&b, &c) < 0);
  assert_true(fabs(bp_date_decimal_year(&b) - 2023.5) < 1e-9);

  size_t off;
  assert_true(
      bp_url_valid("https://www.yna.co.kr/view/AKR20240130144100504", &off, why, sizeof why));
  assert_true(bp_url_valid("https://wikimili.com/en/Hong_Kong–North_Korea_relations", &off, why,
                           sizeof why));
  assert_false(bp_url_valid("ftp://example.com", &off, why, sizeof why));
  assert_false(bp_url_valid("https://example.com/a b", &off, why, sizeof why));
  assert_int_equal(off, 21);
  assert_false(bp_url_valid("https://example.com/x\xEF\xBF\xBD", &off, why, sizeof why));
  assert_int_equal(off, 21);
  assert_false(bp_url_valid("https://", &off, why, sizeof why));

  assert_true(bp_country_valid("KP"));
  assert_true(bp_country_valid("ZW"));
  assert_true(bp_country_valid("AD"));
  assert_false(bp_country_valid("kp"));
  assert_false(bp_country_valid("XX"));
  assert_false(bp_country_valid("KOR"));
  assert_false(bp_country_valid(""));
  assert_false(bp_country_valid(NULL));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(claims_fields),
      cmocka_unit_test(series_crypto),
      cmocka_unit_test(records_csv),
      cmocka_unit_test(dates_urls_countries),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
