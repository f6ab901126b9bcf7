/* yamlcanon.c: prints every document of a YAML file as "path=value" lines,
 * leaving out the keys given with --drop (and mappings left empty by that),
 * so that a file and its --fix'ed version can be compared object by object.
 *
 * yamlcanon --json FILE: prints the file's one document as JSON instead (plain
 * true/false, null and integers typed, every other scalar a string), to make
 * JSON manifests for tests/fix-roundtrip.sh; exit 3 when the file holds more or
 * fewer than one document, or a key that is not a scalar. */
#include "core/fs.h"
#include "core/yamldoc.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *g_drop;

static int dropped(const char *key) {
  size_t kl = strlen(key);
  for (const char *s = g_drop; s && *s;) {
    size_t n = strcspn(s, ",");
    if (n == kl && strncmp(s, key, n) == 0)
      return 1;
    s += n + (s[n] == ',');
  }
  return 0;
}

/* Prints n under prefix; returns the number of lines printed. */
static int dump(const qg_ynode *n, char *prefix, size_t plen, unsigned depth) {
  if (depth > 200)
    return 0;
  int lines = 0;
  if (n->kind == QG_Y_SCALAR) {
    printf("%.*s=%s\n", (int)plen, prefix, qg_ynode_is_null(n) ? "~" : n->u.s.str);
    return 1;
  }
  for (uint32_t i = 0; i < (n->kind == QG_Y_MAP ? n->u.map.n : n->u.seq.n); i++) {
    char seg[300];
    const qg_ynode *child;
    if (n->kind == QG_Y_MAP) {
      const char *k =
          n->u.map.pairs[i].key->kind == QG_Y_SCALAR ? n->u.map.pairs[i].key->u.s.str : "?";
      if (dropped(k))
        continue;
      snprintf(seg, sizeof(seg), ".%s", k);
      child = n->u.map.pairs[i].value;
    } else {
      snprintf(seg, sizeof(seg), "[%u]", i);
      child = n->u.seq.items[i];
    }
    size_t sl = strlen(seg);
    if (plen + sl >= 4096)
      continue;
    memcpy(prefix + plen, seg, sl);
    lines += dump(child, prefix, plen + sl, depth + 1);
  }
  return lines;
}

static bool is_int(const char *s) {
  s += *s == '-';
  if (!*s || (s[0] == '0' && s[1]))
    return false;
  for (; *s; s++)
    if (*s < '0' || *s > '9')
      return false;
  return true;
}

/* n as a cJSON value, or NULL (a key that is not a scalar). */
static cJSON *to_json(const qg_ynode *n, unsigned depth) {
  if (depth > 200)
    return NULL;
  if (n->kind == QG_Y_SCALAR) {
    if (qg_ynode_is_null(n))
      return cJSON_CreateNull();
    if (n->plain && !n->tag && (!strcmp(n->u.s.str, "true") || !strcmp(n->u.s.str, "false")))
      return cJSON_CreateBool(n->u.s.str[0] == 't');
    if (n->plain && !n->tag && is_int(n->u.s.str) && n->u.s.len < 16)
      return cJSON_CreateRaw(n->u.s.str);
    return cJSON_CreateString(n->u.s.str);
  }
  cJSON *out = n->kind == QG_Y_MAP ? cJSON_CreateObject() : cJSON_CreateArray();
  for (uint32_t i = 0; i < (n->kind == QG_Y_MAP ? n->u.map.n : n->u.seq.n); i++) {
    const qg_ynode *k = n->kind == QG_Y_MAP ? n->u.map.pairs[i].key : NULL;
    cJSON *v = to_json(k ? n->u.map.pairs[i].value : n->u.seq.items[i], depth + 1);
    if (!v || (k && k->kind != QG_Y_SCALAR)) {
      cJSON_Delete(v);
      cJSON_Delete(out);
      return NULL;
    }
    if (k)
      cJSON_AddItemToObject(out, k->u.s.str, v);
    else
      cJSON_AddItemToArray(out, v);
  }
  return out;
}

static bool g_json;
static int g_docs;
static char *g_json_text; /* the first document as JSON; NULL if it has none */

static qg_status on_doc(void *ud, const qg_ynode *root, unsigned index) {
  (void)ud;
  if (g_json) {
    if (g_docs++ == 0) {
      cJSON *j = to_json(root, 0);
      g_json_text = j ? cJSON_Print(j) : NULL;
      cJSON_Delete(j);
    }
    return QG_OK;
  }
  char prefix[4096];
  int len = snprintf(prefix, sizeof(prefix), "doc%u", index);
  dump(root, prefix, (size_t)len, 0);
  return QG_OK;
}

int main(int argc, char **argv) {
  int i = 1;
  if (argc > 2 && strcmp(argv[1], "--json") == 0) {
    g_json = true;
    i = 2;
  } else if (argc > 2 && strcmp(argv[1], "--drop") == 0) {
    g_drop = argv[2];
    i = 3;
  }
  if (i >= argc) {
    fprintf(stderr, "usage: yamlcanon [--drop k1,k2 | --json] FILE\n");
    return 2;
  }
  unsigned char *buf;
  size_t len;
  int err_no;
  if (qg_read_all(argv[i], NULL, 64u << 20, &buf, &len, &err_no) != QG_OK)
    return 2;
  qg_yaml_opts o = {{0}, on_doc, NULL, NULL, false, false};
  qg_yaml_error e;
  qg_status st = qg_yaml_load(buf, len, &o, &e);
  free(buf);
  if (g_json) {
    int rc = st == QG_OK && g_docs == 1 && g_json_text ? 0 : 3;
    if (!rc)
      printf("%s\n", g_json_text);
    cJSON_free(g_json_text);
    return rc;
  }
  if (st != QG_OK)
    printf("error %u:%u %s\n", e.line, e.col, e.message);
  return 0;
}
