/* csl_xml_diff.c - the CSL reader (expat, src/csl/style.c) against libxml2,
 * the reader it replaced: for every style, dependent style and locale
 * installed (Debian's citation-style-language-styles and -locales),
 * briefpress's own styles and a set of edge cases, both must make the same
 * node tree (kinds, attributes as written, the text of terms, children in
 * order), name the same independent parent, and fail on the same files.
 * Line numbers are not compared: libxml2 numbers an element by the line
 * its start tag ends on, expat by the line of its '<'.
 * Usage: csl_xml_diff [FILE...] (no argument: every file named above). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "csl/csl-imp.h"
#include "csl/csl.h"

/* ---- the reference: libxml2's tree, converted as style.c did */

static bool is_csl_ns(xmlNodePtr x) {
  return !x->ns || !x->ns->href ||
         !strcmp((const char *)x->ns->href, "http://purl.org/net/xbiblio/csl");
}

static const char *kind_name(cs_kind k) {
  static const struct {
    cs_kind k;
    const char *n;
  } M[] = {{CS_STYLE, "style"},
           {CS_INFO, "info"},
           {CS_LOCALE, "locale"},
           {CS_MACRO, "macro"},
           {CS_CITATION, "citation"},
           {CS_BIBLIOGRAPHY, "bibliography"},
           {CS_SORT, "sort"},
           {CS_KEY, "key"},
           {CS_LAYOUT, "layout"},
           {CS_TEXT, "text"},
           {CS_DATE, "date"},
           {CS_DATE_PART, "date-part"},
           {CS_NUMBER, "number"},
           {CS_NAMES, "names"},
           {CS_NAME, "name"},
           {CS_NAME_PART, "name-part"},
           {CS_ET_AL, "et-al"},
           {CS_SUBSTITUTE, "substitute"},
           {CS_LABEL, "label"},
           {CS_GROUP, "group"},
           {CS_CHOOSE, "choose"},
           {CS_IF, "if"},
           {CS_ELSE_IF, "else-if"},
           {CS_ELSE, "else"},
           {CS_TERMS, "terms"},
           {CS_TERM, "term"},
           {CS_SINGLE, "single"},
           {CS_MULTIPLE, "multiple"},
           {CS_STYLE_OPTIONS, "style-options"}};
  for (size_t i = 0; i < sizeof M / sizeof *M; i++)
    if (M[i].k == k) return M[i].n;
  return "?";
}

/* The kind's name as the reference knows it ("" when unknown). */
static const char *ref_kind(xmlNodePtr x) {
  if (!is_csl_ns(x)) return "";
  for (int k = 0; k < CS_N_KINDS; k++)
    if (!strcmp(kind_name((cs_kind)k), (const char *)x->name)) return kind_name((cs_kind)k);
  return "";
}

static int n_diffs;

static void diff(const char *file, const char *what, const char *a, const char *b) {
  if (n_diffs++ < 20) printf("%s: %s: libxml2 \"%s\", expat \"%s\"\n", file, what, a, b);
}

/* Compares the reference element x with node n, as the old convert made it. */
static void compare(const char *file, xmlNodePtr x, const cs_node *n) {
  const char *k = ref_kind(x);
  if (strcmp(k, kind_name(n->kind))) {
    diff(file, "element", k, kind_name(n->kind));
    return;
  }
  size_t i = 0;
  for (xmlAttrPtr a = x->properties; a; a = a->next, i++) {
    xmlChar *v = xmlNodeListGetString(x->doc, a->children, 1);
    char name[256];
    snprintf(name, sizeof name, "%s%s%s", a->ns && a->ns->prefix ? (const char *)a->ns->prefix : "",
             a->ns && a->ns->prefix ? ":" : "", (const char *)a->name);
    if (i >= n->n_attrs)
      diff(file, "attribute missing", name, "");
    else if (strcmp(name, n->attrs[2 * i]) || strcmp(v ? (const char *)v : "", n->attrs[2 * i + 1]))
      diff(file, name, v ? (const char *)v : "", n->attrs[2 * i + 1]);
    xmlFree(v);
  }
  if (i != n->n_attrs) diff(file, "attribute count", "", "differs");
  if (n->kind == CS_INFO) return;
  bp_buf text = {0};
  bool has_text = false;
  size_t j = 0;
  for (xmlNodePtr c = x->children; c; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) {
      if (j >= n->n_kids) {
        diff(file, "child missing", (const char *)c->name, "");
        break;
      }
      compare(file, c, n->kids[j++]);
    } else if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
      if (c->content) bp_buf_puts(&text, (const char *)c->content);
      has_text = true;
    }
  }
  if (j != n->n_kids) diff(file, "child count", kind_name(n->kind), "differs");
  bool keeps = n->kind == CS_TERM || n->kind == CS_SINGLE || n->kind == CS_MULTIPLE;
  const char *want = has_text && keeps ? (text.data ? text.data : "") : NULL;
  if ((want == NULL) != (n->text == NULL) || (want && strcmp(want, n->text)))
    diff(file, "text", want ? want : "(none)", n->text ? n->text : "(none)");
  bp_buf_free(&text);
}

/* Every element of the reference is known to the old reader (outside <info>). */
static bool ref_ok(xmlNodePtr x, int depth) {
  if (depth > 200 || !*ref_kind(x)) return false;
  if (!strcmp((const char *)x->name, "info")) return true;
  for (xmlNodePtr c = x->children; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE && !ref_ok(c, depth + 1)) return false;
  return true;
}

static char *ref_parent(xmlDocPtr doc) {
  xmlNodePtr root = xmlDocGetRootElement(doc);
  for (xmlNodePtr c = root ? root->children : NULL; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, "info")) continue;
    for (xmlNodePtr k = c->children; k; k = k->next) {
      if (k->type != XML_ELEMENT_NODE || strcmp((const char *)k->name, "link")) continue;
      xmlChar *rel = xmlGetProp(k, (const xmlChar *)"rel");
      xmlChar *href = xmlGetProp(k, (const xmlChar *)"href");
      char *out = NULL;
      if (rel && href && !strcmp((const char *)rel, "independent-parent")) {
        const char *slash = strrchr((const char *)href, '/');
        out = bp_strdup(slash ? slash + 1 : (const char *)href);
      }
      xmlFree(rel);
      xmlFree(href);
      if (out) return out;
    }
  }
  return NULL;
}

static void check(const char *file, const char *xml, size_t len) {
  xmlDocPtr doc = xmlReadMemory(xml, (int)len, file, NULL,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
  bool ref = root && ref_ok(root, 0);
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  char *parent = NULL;
  cs_node *n = cs_parse(&ctx, file, xml, len, &parent);
  if (ref != (n != NULL)) diff(file, "reads", ref ? "yes" : "no", n ? "yes" : ctx.msg);
  if (ref && n) {
    compare(file, root, n);
    char *rp = ref_parent(doc);
    if ((rp == NULL) != (parent == NULL) || (rp && strcmp(rp, parent)))
      diff(file, "independent parent", rp ? rp : "(none)", parent ? parent : "(none)");
    free(rp);
  }
  cs_node_free(n);
  free(parent);
  xmlFreeDoc(doc);
}

static int check_file(const char *path) {
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  char *xml = NULL;
  size_t len = 0;
  if (bp_file_read(&ctx, path, &xml, &len) != BP_OK) {
    printf("%s: cannot read\n", path);
    n_diffs++;
    return 0;
  }
  check(path, xml, len);
  free(xml);
  return 1;
}

static int check_dir(const char *dir, const char *suffix) {
  DIR *d = opendir(dir);
  if (!d) return 0;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    size_t l = strlen(e->d_name), s = strlen(suffix);
    if (l <= s || strcmp(e->d_name + l - s, suffix)) continue;
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    n += check_file(path);
  }
  closedir(d);
  return n;
}

/* What the installed files do not show: namespaces, prefixes, CDATA,
 * references, comments, empty texts, <info> anywhere, dependents. */
static const char *const EDGES[] = {
    "<style xmlns='http://purl.org/net/xbiblio/csl'><citation><layout/></citation></style>",
    "<cs:style xmlns:cs='http://purl.org/net/xbiblio/csl'><cs:citation/></cs:style>",
    "<style xmlns='urn:other'><citation/></style>",
    "<style xmlns:bp='urn:bp' bp:straight-quotes='keep' xml:lang='de'><citation/></style>",
    "<style><info><anything xmlns='urn:x'><deep/></anything><link rel='independent-parent' "
    "href='http://www.zotero.org/styles/apa'/></info></style>",
    "<style><info><link href='x/y' rel='independent-parent'/><link rel='independent-parent' "
    "href='z'/></info><info><link rel='independent-parent' href='w'/></info></style>",
    "<style><info/><info><link rel='independent-parent' href='w'/></info></style>",
    "<style><info><i:link xmlns:i='urn:i' i:rel='independent-parent' i:href='a/b'/></info></style>",
    "<style><citation><info><link rel='independent-parent' href='q'/></info></citation></style>",
    "<locale><terms><term name='a'>x &amp; y &#x41;&lt;</term><term name='b'><![CDATA[]]></term>"
    "<term name='c'></term><term name='d'/><term name='e'>a<!-- c -->b<?pi x?>c</term>"
    "<term name='f'><single>s</single> <multiple>m</multiple></term></terms></locale>",
    "<locale><terms><term name='a' form='short'>\n  x\t</term></terms></locale>",
    "<style><citation a='x&#10;y' b='x\ny\tz' c='&quot;&apos;'/></style>",
    "<style><unknown/></style>",
    "<style><citation><info><unknown/></info></citation></style>",
    "<?xml version='1.0' encoding='UTF-8'?>\n<!-- c -->\n<style><citation/></style>",
    "\xef\xbb\xbf<style><citation/></style>",
    "<style><citation></style>",
    "<style>&undefined;</style>",
    "",
    "<style/><style/>",
};

int main(int argc, char **argv) {
  xmlInitParser();
  int files = 0;
  if (argc > 1) {
    for (int i = 1; i < argc; i++) files += check_file(argv[i]);
  } else {
    files += check_dir(BP_CSL_STYLE_DIR, ".csl");
    files += check_dir(BP_CSL_STYLE_DIR "/dependent", ".csl");
    files += check_dir(BP_CSL_LOCALE_DIR, ".xml");
    files += check_dir(BP_SOURCE_DIR "/templates/csl", ".csl");
    files += check_dir(BP_SOURCE_DIR "/tests/fuzz/csl-locales", ".xml");
    for (size_t i = 0; i < sizeof EDGES / sizeof *EDGES; i++, files++) {
      char name[32];
      snprintf(name, sizeof name, "edge %zu", i);
      check(name, EDGES[i], strlen(EDGES[i]));
    }
  }
  xmlCleanupParser();
  printf("%d files, %d differences\n", files, n_diffs);
  return n_diffs || files < 2 + (argc > 1 ? 0 : 2000) ? 1 : 0;
}
