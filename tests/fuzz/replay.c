/* replay.c - a main for the fuzz targets where libFuzzer is not available
 * (gcc, the regular and ASan builds): runs LLVMFuzzerTestOneInput once on
 * every file named, and on every file of every folder named (in name order,
 * dot files skipped), so that ctest replays the committed corpora. Exits
 * non-zero when a file cannot be read; a crash is the sanitizer's to report. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    return 1;
  }
  size_t cap = 4096, len = 0;
  uint8_t *buf = malloc(cap);
  size_t n;
  while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
    len += n;
    if (len == cap) buf = realloc(buf, cap *= 2);
  }
  int bad = !buf || ferror(f);
  fclose(f);
  if (bad) {
    fprintf(stderr, "%s: read error\n", path);
    free(buf);
    return 1;
  }
  /* an exact-size copy, so that ASan sees reads past the end */
  uint8_t *in = malloc(len ? len : 1);
  memcpy(in, buf, len);
  free(buf);
  LLVMFuzzerTestOneInput(in, len);
  free(in);
  return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b) {
  return strcmp((*a)->d_name, (*b)->d_name);
}

static int no_dot(const struct dirent *e) { return e->d_name[0] != '.'; }

int main(int argc, char **argv) {
  int bad = 0;
  size_t runs = 0;
  for (int i = 1; i < argc; i++) {
    struct stat sb;
    if (stat(argv[i], &sb) != 0) {
      perror(argv[i]);
      bad = 1;
      continue;
    }
    if (!S_ISDIR(sb.st_mode)) {
      bad |= run_file(argv[i]);
      runs++;
      continue;
    }
    struct dirent **v;
    int n = scandir(argv[i], &v, no_dot, by_name);
    if (n < 0) {
      perror(argv[i]);
      bad = 1;
      continue;
    }
    for (int k = 0; k < n; k++) {
      size_t len = strlen(argv[i]) + strlen(v[k]->d_name) + 2;
      char *p = malloc(len);
      snprintf(p, len, "%s/%s", argv[i], v[k]->d_name);
      bad |= run_file(p);
      runs++;
      free(p);
      free(v[k]);
    }
    free(v);
  }
  printf("%s: %zu inputs replayed%s\n", argc > 0 ? argv[0] : "replay", runs,
         bad ? ", some unreadable" : "");
  return bad || runs == 0;
}
