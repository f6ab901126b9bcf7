/* glob.h: gitignore-style path patterns (for .qgate.yml excludes). */
#ifndef QG_GLOB_H
#define QG_GLOB_H

#include <stdbool.h>
#include <stddef.h>

/* Does one pattern match a relative '/'-separated path? As in .gitignore:
 * '*', '?' and [...] match within a segment and '**' across segments; a
 * pattern with a '/' before its end is anchored at the root, one without
 * matches at any depth; a trailing '/' matches directories only; a pattern
 * that matches a directory matches everything under it. */
bool qg_glob_match(const char *pattern, const char *path, bool is_dir);

/* The verdict of a list read in order: the last matching pattern wins, and a
 * pattern starting with '!' re-includes. */
bool qg_glob_list_match(const char *const *patterns, size_t n, const char *path, bool is_dir);

#endif
