/* fuzz_brief.c - libFuzzer target: a brief file through the public loader
 * (bp_brief_load: keys, fields, findings resolved against the claims,
 * citations in the summary and body, charts against the series, the
 * template's sections), over a small data folder and template in the
 * target's temporary folder (the brief is briefs/fuzz.json there, so
 * "template": "t.json" and the default data folder ".." resolve). */
#include "fuzz.h"

#include "compose/compose.h"

static const char TEMPLATE[] =
    "{\"name\": \"t\", \"page\": {\"size\": \"A5\", \"margins\": 30}, \"max_pages\": 1,\n"
    " \"fit\": {\"body_min\": 8, \"body_max\": 10, \"leading_min\": 1.2, \"leading_max\": 1.4},\n"
    " \"styles\": {\"body\": {\"family\": \"Noto Serif\", \"size\": 10, \"leading\": 13}},\n"
    " \"footer\": {\"left\": \"{series} No. {number}\"},\n"
    " \"sections\": [{\"type\": \"masthead\"}, {\"type\": \"title\"}, {\"type\": \"summary\"},\n"
    "  {\"type\": \"findings\", \"title\": \"Key findings\"}, {\"type\": \"body\"},\n"
    "  {\"type\": \"charts\", \"height\": 120}, {\"type\": \"endnotes\", \"columns\": 2},\n"
    "  {\"type\": \"disclaimer\"}]}\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int ready;
  if (!ready++) {
    fuzz_dataset();
    free(fuzz_put_str("briefs/t.json", TEMPLATE));
  }
  char *path = fuzz_put("briefs/fuzz.json", data, size);
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_brief *b = NULL;
  if (bp_brief_load(&ctx, path, &b) == BP_OK) {
    (void)b->title;
    size_t n = 0;
    char **v = bp_brief_chart_descriptions(b, &n);
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
  }
  fuzz_report(&ctx);
  bp_brief_free(b);
  free(path);
  return 0;
}
