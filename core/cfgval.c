/* cfgval.c: configured values with their place. */
#include "core/cfgval.h"

#include <stdlib.h>

void qg_cfglist_free(qg_cfglist *l) {
  for (size_t i = 0; i < l->n; i++)
    free(l->items[i].s);
  free(l->items);
  l->items = NULL;
  l->n = 0;
}
