/* examples/render.c - lays out a brief or an article with libbriefpress and
 * writes the PDF three ways: to a file, into memory and through a callback
 * (all three give the same bytes as `briefpress render`).
 *   cc render.c $(pkg-config --cflags --libs briefpress) -o render
 *   ./render data/briefs/nk-missions.json brief.pdf */
#include <briefpress.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The write callback: appends to a FILE. */
static int to_file(void *user_data, const void *data, size_t len) {
  return fwrite(data, 1, len, user_data) == len ? 0 : -1;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s <brief.json|article.json> <out.pdf>\n", argv[0]);
    return 2;
  }
  briefpress_error err;
  briefpress_fonts *fonts = NULL;
  briefpress_doc *doc = NULL;
  unsigned char *pdf = NULL;
  size_t len = 0;
  if (briefpress_fonts_open(NULL, &fonts, &err) ||             /* the installed fonts */
      briefpress_doc_load(fonts, argv[1], NULL, &doc, &err) || /* its own template */
      briefpress_doc_render_file(doc, argv[2], &err) ||        /* 1: a file */
      briefpress_doc_render_memory(doc, &pdf, &len, &err)) {   /* 2: memory */
    fprintf(stderr, "render: %s\n", err.message);
    briefpress_doc_free(doc);
    briefpress_fonts_free(fonts);
    return 1;
  }
  /* 3: a callback, here into a temporary file, compared with the memory copy */
  FILE *tmp = tmpfile();
  int same = tmp && briefpress_doc_render_write(doc, to_file, tmp, &err) == BRIEFPRESS_OK &&
             (size_t)ftell(tmp) == len;
  if (same) {
    rewind(tmp);
    unsigned char *back = malloc(len ? len : 1);
    same = fread(back, 1, len, tmp) == len && memcmp(back, pdf, len) == 0;
    free(back);
  }
  if (tmp) fclose(tmp);
  printf("%s: \"%s\", %d page(s), %zu bytes (libbriefpress %s)%s\n", argv[2],
         briefpress_doc_title(doc) ? briefpress_doc_title(doc) : "", briefpress_doc_pages(doc), len,
         briefpress_version(), same ? "" : ": the callback's bytes differ!");
  briefpress_free(pdf);
  briefpress_doc_free(doc);
  briefpress_fonts_free(fonts);
  return same ? 0 : 1;
}
