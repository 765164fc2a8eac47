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

/* ---- CSV dialects: what LibreOffice and Excel export ---------------------- */

static void check_number(const char *text, const char *dec, const char *th, bool ok, double want) {
  bp_csv_dialect d = {0};
  char why[200];
  if (dec) assert_true(bp_csv_dialect_set(&d, "decimal", dec, why, sizeof why));
  if (th) assert_true(bp_csv_dialect_set(&d, "thousands", th, why, sizeof why));
  double v = NAN;
  bool got = bp_csv_number(text, &d, &v);
  if (got != ok)
    fail_msg("'%s' (decimal %s, thousands %s): %s", text, dec ? dec : "(none)", th ? th : "(none)",
             got ? "read" : "refused");
  if (ok) assert_true(fabs(v - want) < 1e-9);
}

static void dialect_numbers(void **state) {
  (void)state;
  check_number("1.234,5", ",", ".", true, 1234.5);
  check_number("12.345.678,9", ",", ".", true, 12345678.9);
  check_number("-0,5", ",", ".", true, -0.5);
  check_number("987,25", ",", NULL, true, 987.25);
  check_number("1,234.5", NULL, ",", true, 1234.5);
  check_number("1\xe2\x80\xaf"
               "234,5",
               ",", "narrow-nbsp", true, 1234.5);
  check_number("1 234", NULL, "space", true, 1234);
  check_number("1'234'567", NULL, "'", true, 1234567);
  check_number("1,5e3", ",", NULL, true, 1500);
  check_number("1.23,5", ",", ".", false, 0);     /* a group of two */
  check_number("1234.567,5", ",", ".", false, 0); /* four digits before a separator */
  check_number(".234,5", ",", ".", false, 0);
  check_number("1.234", ",", NULL, false, 0); /* '.' is neither mark here */
  check_number("1,5", NULL, NULL, false, 0);  /* the default dialect: '.' only */
  check_number("1.5", NULL, NULL, true, 1.5);
  check_number("1,2,3", ",", NULL, false, 0);
  check_number("1.234,5.6", ",", ".", false, 0);
}

static void check_date(const char *text, const char *fmt, const char *want) {
  char iso[16] = "", why[160] = "";
  bool ok = bp_csv_date_to_iso(text, fmt, iso, sizeof iso, why, sizeof why);
  if (want) {
    if (!ok) fail_msg("'%s' as %s: %s", text, fmt, why);
    assert_string_equal(iso, want);
  } else {
    assert_false(ok);
    assert_true(why[0]);
  }
}

static void dialect_dates(void **state) {
  (void)state;
  check_date("05.12.2023", "DD.MM.YYYY", "2023-12-05");
  check_date("5.12.2023", "D.M.YYYY", "2023-12-05");
  check_date("05.12.2023", "D.M.YYYY", "2023-12-05");
  check_date("12/5/2023", "M/D/YYYY", "2023-12-05");
  check_date("2023/12/05", "YYYY/MM/DD", "2023-12-05");
  check_date("12.2023", "MM.YYYY", "2023-12");
  check_date("2023", "YYYY", "2023");
  check_date("5.12.2023", "DD.MM.YYYY", NULL);  /* DD wants two digits */
  check_date("31.02.2023", "DD.MM.YYYY", NULL); /* no such day */
  check_date("05.13.2023", "DD.MM.YYYY", NULL);
  check_date("2023-12-05", "DD.MM.YYYY", NULL);
  check_date("05.12.2023 10:00", "DD.MM.YYYY", NULL);
  check_date("05.12.23", "DD.MM.YYYY", NULL);

  bp_csv_dialect d = {0};
  char why[200];
  const char *bad[][2] = {
      {"delimiter", "x"},       {"delimiter", ";;"},         {"decimal", ";"},
      {"thousands", "_"},       {"date_format", "DD.MM.YY"}, {"date_format", "DD.YYYY"},
      {"date_format", "hh:mm"}, {"separator", ";"}};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    why[0] = '\0';
    assert_false(bp_csv_dialect_set(&d, bad[i][0], bad[i][1], why, sizeof why));
    assert_true(why[0]);
  }
  assert_true(bp_csv_dialect_set(&d, "delimiter", "tab", why, sizeof why));
  assert_int_equal(d.delimiter, '\t');
  d = (bp_csv_dialect){.delimiter = ',', .decimal = ','};
  assert_false(bp_csv_dialect_check(&d, why, sizeof why));
  assert_non_null(strstr(why, "both ','"));
  d = (bp_csv_dialect){.decimal = ',', .thousands = ","};
  assert_false(bp_csv_dialect_check(&d, why, sizeof why));
  d = (bp_csv_dialect){.delimiter = ';', .decimal = ',', .thousands = "."};
  assert_true(bp_csv_dialect_check(&d, why, sizeof why));
}

/* Realistic exports (tests/fixtures/dialects/): BOM, CRLF, ';', 1.234,5,
 * 05.12.2023 (LibreOffice, German), "1,234.5" and 12/5/2023 (Excel, US),
 * U+202F thousands and 05/12/2022 (Excel, French) load as the same numbers
 * and dates. */
static void dialect_series(void **state) {
  (void)state;
  const char *paths[] = {"tests/fixtures/dialects/series/exports_de.csv",
                         "tests/fixtures/dialects/series/exports_us.json",
                         "tests/fixtures/dialects/series/exports_fr.csv"};
  for (size_t i = 0; i < 3; i++) {
    bp_ctx ctx;
    bp_ctx_init(&ctx);
    bp_series *s = NULL;
    if (bp_series_load(&ctx, paths[i], &s)) fail_msg("%s: %s", paths[i], ctx.msg);
    assert_true(s->n_points >= 2);
    assert_int_equal(s->points[0].date.y, 2022);
    assert_int_equal(s->points[0].date.m, 12);
    assert_int_equal(s->points[0].date.d, 5);
    assert_true(fabs(s->points[0].values[0] - 1234.5) < 1e-9);
    assert_true(fabs(s->points[1].values[0] - 987.25) < 1e-9);
    if (i < 2) {
      assert_true(fabs(s->points[2].values[0] - 12345678.9) < 1e-6);
      assert_true(fabs(s->points[2].values[1] + 0.5) < 1e-9);
    }
    if (i == 0) {
      assert_string_equal(s->points[1].note, "Halbjahr; vorläufig");
      assert_true(isnan(s->points[3].values[0])); /* an empty cell is a gap */
    }
    bp_series_free(s);
  }
}

static void dialect_records(void **state) {
  (void)state;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_records *r = NULL;
  const char *path = "tests/fixtures/dialects/records/missions_de.csv";
  if (bp_records_load(&ctx, path, &r)) fail_msg("%s", ctx.msg);
  assert_int_equal(r->n_rows, 3);
  assert_int_equal(r->n_cols, 6);
  assert_string_equal(bp_records_field(r, 0, "closed_on"), "2023-10-25"); /* as ISO 8601 */
  assert_string_equal(bp_records_field(r, 1, "closed_on"), "2023-11-01");
  assert_string_equal(bp_records_field(r, 2, "closed_on"), "");
  assert_string_equal(bp_records_field(r, 0, "note"), "Botschaft geschlossen; Personal abgezogen");
  assert_int_equal(r->n_warnings, 0);
  bp_records_free(r);

  /* a batch reads it the same way; the command line's dialect wins */
  bp_ctx_init(&ctx);
  assert_int_equal(bp_records_load_each(&ctx, path, &r), BP_OK);
  assert_null(r->rows[1].error);
  assert_string_equal(r->rows[1].fields[4], "2023-11-01");
  bp_records_free(r);
  bp_csv_dialect over = {.date_format = "YYYY-MM-DD"};
  bp_ctx_init(&ctx);
  assert_int_equal(bp_records_load_each_with(&ctx, path, &over, &r), BP_OK);
  assert_non_null(r->rows[0].error); /* 25.10.2023 is not YYYY-MM-DD: that record fails alone */
  assert_non_null(strstr(r->rows[0].error, "missions_de.csv:2:"));
  assert_non_null(strstr(r->rows[0].error, "field closed_on: invalid date '25.10.2023'"));
  assert_null(r->rows[2].error);
  bp_records_free(r);
  over = (bp_csv_dialect){.delimiter = ',', .decimal = ','};
  bp_ctx_init(&ctx);
  assert_int_equal(bp_records_load_each_with(&ctx, path, &over, &r), BP_ERR_DATA);
  assert_non_null(strstr(ctx.msg, "both ','"));

  /* no metadata: ';' detected from the header, with a warning saying how to declare it */
  bp_ctx_init(&ctx);
  assert_int_equal(bp_records_load_each(&ctx, "tests/fixtures/dialects/records/detected.csv", &r),
                   BP_OK);
  assert_int_equal(r->n_cols, 3);
  assert_string_equal(r->rows[0].fields[1], "Eins");
  assert_int_equal(r->n_warnings, 1);
  assert_non_null(
      strstr(r->warnings[0], "detected.csv:1:1: warning: columns are separated by ';'"));
  assert_non_null(strstr(r->warnings[0], "\"delimiter\": \";\""));
  bp_records_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(claims_fields),   cmocka_unit_test(series_crypto),
      cmocka_unit_test(records_csv),     cmocka_unit_test(dates_urls_countries),
      cmocka_unit_test(dialect_numbers), cmocka_unit_test(dialect_dates),
      cmocka_unit_test(dialect_series),  cmocka_unit_test(dialect_records),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
