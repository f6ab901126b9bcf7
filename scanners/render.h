/* render.h: Kustomize overlays and Helm charts, rendered by their own engines.
 *
 * A directory holding kustomization.yaml (.yml, Kustomization) is rendered
 * with `kubectl kustomize` (or `kustomize build`); one holding Chart.yaml with
 * `helm template`. Only the top-level ones of a walk are rendered: a
 * kustomization another one uses (a base, a component) is rendered as part of
 * it, a chart below another chart (charts/) as part of its parent. The files a
 * render reads (the kustomizations, their resources and patches, everything in
 * a chart) are not scanned again as manifests (the secrets scanner still
 * reads them). Every finding on a rendered object is put back where the
 * object or field is written in the repository (render.c says how).
 *
 * The engines run as separate programs (core/proc.h): argv, never a shell; a
 * minimal environment whose proxy points at a closed local port; a timeout
 * and an output cap. A kustomization that names a resource the checkout does
 * not hold (a remote base, an absolute path, a path outside the checkout) is
 * refused before anything runs. Prints nothing. */
#ifndef QG_RENDER_H
#define QG_RENDER_H

#include "core/cfgval.h"
#include "core/finding.h"
#include "core/yamldoc.h"
#include "scanners/k8s/k8s.h"

#include <stdbool.h>

typedef enum qg_render_kind { QG_RENDER_KUSTOMIZE, QG_RENDER_HELM } qg_render_kind;

/* One chart's settings (.qgate.yml `helm: charts: {DIR: {...}}`): how it is rendered. */
typedef struct qg_render_chart {
  char *dir;                     /* owned: the chart's directory, absolute and lexical */
  qg_cfgstr release, namespace_; /* s == NULL: release-name, no namespace */
  qg_cfglist values;             /* values files, relative to the chart (inside the checkout) */
  qg_cfglist set;                /* --set KEY=VALUE, each passed as one argument */
  bool ci_values;                /* also one render per ci/ *-values.yaml of the chart */
} qg_render_chart;

typedef struct qg_render_charts {
  qg_render_chart *items; /* owned */
  size_t n;
} qg_render_charts;

void qg_render_charts_cleanup(qg_render_charts *c);

/* How renders run; every string borrowed. */
typedef struct qg_render_settings {
  bool on;                        /* false: directories are walked as plain files */
  const char *path;               /* where the engines are looked for (PATH); NULL: nowhere */
  const char *kustomize;          /* "kubectl", "kustomize", or NULL/"": the first on path */
  unsigned timeout_ms;            /* per render; 0: 120 s */
  size_t max_output;              /* bytes of rendered output; 0: 64 MiB */
  const qg_render_charts *charts; /* per-chart settings (borrowed), or NULL */
} qg_render_settings;

/* What a walk found: the directories to render and the files renders read. */
typedef struct qg_render_plan {
  char **kdirs; /* owned: every kustomization directory found, as walked */
  bool *kused;  /* owned, parallel: used by another kustomization (not top-level) */
  size_t nk, kcap;
  char **charts;    /* owned: every chart directory found, as walked */
  char **chart_abs; /* owned, parallel: their absolute lexical paths (after finish) */
  size_t nc, ccap;
  char **consumed; /* owned: absolute lexical paths of the files renders read (sorted) */
  size_t ncons, conscap;
} qg_render_plan;

void qg_render_plan_init(qg_render_plan *p);
void qg_render_plan_cleanup(qg_render_plan *p);

/* Notes a file the walk met (its basename decides: kustomization.yaml,
 * kustomization.yml, Kustomization, Chart.yaml; others are ignored). */
void qg_render_plan_add(qg_render_plan *p, const char *path);
/* After every qg_render_plan_add: reads the kustomizations to find which are
 * used by others and which files they read (root: the checkout's real path). */
void qg_render_plan_finish(qg_render_plan *p, const char *root);
/* Is the file at path (as walked) read by a render (a kustomization's file, or
 * anything inside a chart)? Then it is not scanned as a manifest. */
bool qg_render_plan_consumed(const qg_render_plan *p, const char *path);
/* Is kustomization directory i, or chart i, the top-level one of its tree? */
bool qg_render_plan_top_chart(const qg_render_plan *p, size_t i);

/* Renders dir (as walked) with its engine and scans every object rendered
 * with the Kubernetes scanner; findings, at their source file and line, and
 * diagnostics (a render error, a missing engine, a refused resource: errors at
 * the kustomization file or Chart.yaml) go to r. root: the checkout's real
 * path. */
void qg_render_run(const qg_render_settings *s, qg_render_kind kind, const char *dir,
                   const char *root, const qg_k8s_opts *k8s, const qg_yaml_limits *yaml,
                   qg_result *r);

#endif
