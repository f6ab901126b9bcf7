/* escape.h: text from the scanned repository (file names, YAML values, rule ids of
 * its configuration) made inert for each place it is shown.
 *
 * The repository chooses those bytes: a file name can hold a newline followed by
 * "::error::" (a GitHub Actions workflow command once it starts a line of the job's
 * log), ESC sequences for the terminal, a backtick and HTML for a pull request
 * comment, or bytes that are not UTF-8 (which make a JSON document invalid). Each
 * sink escapes with one of these functions, once, where the text is written; the
 * model keeps the raw bytes (files are opened and fingerprints computed with them).
 *
 * One visible form is used wherever a character cannot be shown as itself:
 * "\n", "\r", "\t"; "\xNN" for the other C0 controls, DEL and each byte that is not
 * part of valid UTF-8 (so two names that differ in such a byte still read
 * differently); "\uNNNN" for the C1 controls (U+0080..U+009F), the line and
 * paragraph separators (U+2028, U+2029) and the bidirectional controls (U+061C,
 * U+200E, U+200F, U+202A..U+202E, U+2066..U+2069) that reorder what a reader sees,
 * and the noncharacters U+FFFE and U+FFFF (which XML forbids).
 * A backslash is left as it is: the form is for reading, not for decoding.
 *
 * Every function appends to a qg_buf (whose cap applies) and accepts NULL as "". */
#ifndef QG_ESCAPE_H
#define QG_ESCAPE_H

#include "core/mem.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Whether s needs qg_esc_text (holds a character it would change). */
bool qg_esc_text_needed(const char *s);

/* Text for a terminal or a CI log: every character above in its visible form, the
 * rest as it is; and, for GitHub Actions, which reads a line of the job's log that
 * starts with "::" (after blanks, Unicode ones too) or holds "##[" anywhere as a
 * workflow command, a leading "::" written "\x3a:" and each "##[" written "#\x23[".
 * The result is valid UTF-8 without any control character: it cannot end a line,
 * start a workflow command wherever it is placed, or move the cursor. */
void qg_esc_text(qg_buf *b, const char *s);

/* Lines of text for a CI log, as qg_esc_text treats one, except that a newline, a
 * CR before it and a tab stay as they are (a --fix --dry-run diff of the file's own
 * lines): no line can start a workflow command (a leading "::" after blanks and
 * tabs, which the runner skips, is written "\x3a:"), hold "##[" or a control
 * sequence. */
void qg_esc_lines(qg_buf *b, const char *s);
/* The same written to f (directly when nothing needs escaping). */
void qg_esc_fputs(FILE *f, const char *s);

/* Markdown flags. */
#define QG_MD_KEEP_LINES 1u /* a newline stays a newline (else a space; CR is dropped) */

/* Markdown text, for a comment or a report rendered by GitHub or GitLab: '<', '>'
 * and '&' as entities (no HTML, no entity), the punctuation that could open Markdown
 * structure (\ ` * _ [ ] | # ~ $) backslash-escaped ('!' needs no escape: '[' has one), '@' and '#' or '!' before a
 * digit followed by a zero-width joiner (no mention, no link to an issue, pull or
 * merge request), newlines as spaces (unless QG_MD_KEEP_LINES), other control
 * characters and invalid UTF-8 in their visible form. Never produces a line break of
 * its own, so the text cannot start a block (a heading, an HTML block, a list). */
void qg_md_escape(qg_buf *b, const char *s, unsigned flags);

/* s as a Markdown code span, literal on GitHub and GitLab whatever it holds:
 * control characters and invalid UTF-8 in their visible form, delimited by one more
 * backtick than the longest run of backticks in it (CommonMark: a span ends only at
 * a run of the same length), padded with a space on each side when it starts or ends
 * with a backtick or a space (one space is stripped from each side). Not for table
 * cells (a '|' there splits the cell). "" gives nothing. */
void qg_md_code(qg_buf *b, const char *s);

/* A JSON text (as cJSON prints it) made valid UTF-8 and inert in a CI log. cJSON
 * copies a string's bytes as they are (outside strings it writes only ASCII), so: each
 * byte that is not part of valid UTF-8 becomes the six characters \\xNN, which a
 * parser reads as the visible form "\xNN"; and, without changing what the document
 * means, the characters of the visible "\uNNNN" form as JSON escapes, and "##[" as
 * "##\u005b" (a JSON report printed in a GitHub Actions log cannot hold a workflow
 * command: the "::" form needs a line start, which JSON's lines never give). Returns
 * NULL when there is nothing to change (the common case, nothing copied), else a new
 * string the caller frees, its length in *outlen. */
char *qg_json_sanitize(const char *text, size_t len, size_t *outlen);

/* Where to cut len bytes of s to at most max: len itself when it fits, else the end of
 * the last whole word (a cut at a blank, never inside a run of non-blank bytes, so
 * never inside a UTF-8 character), 0 when the first max bytes are one word. A text
 * from a server is cut so before it is redacted (a reply can echo a credential):
 * cutting through the middle of one would leave a prefix no redaction recognises. */
size_t qg_text_cut(const char *s, size_t len, size_t max);

struct cJSON;
/* root printed (compact, or indented when pretty) and deleted, made valid UTF-8 and
 * inert in a CI log (qg_json_sanitize): every JSON text qgate sends or writes whole.
 * A new string the caller frees with free(); aborts when memory runs out, as the
 * qg_x* allocators do. */
char *qg_json_print(struct cJSON *root, bool pretty);
/* XML 1.0 character data or an attribute value (JUnit): qg_esc_text (so nothing XML
 * 1.0 forbids, even as a reference, is left: C0 controls, U+FFFE, U+FFFF, invalid
 * UTF-8; and a report printed in a CI log holds no workflow command), then '<' '>'
 * '&' '"' '\'' as entities. */
void qg_xml_escape(qg_buf *b, const char *s);

/* Text for a Slack message ("mrkdwn"): '&', '<' and '>' as Slack's entities (so no
 * <!channel>, <@user> or <url|label> can be formed), control characters other than
 * a newline and invalid UTF-8 in their visible form. */
void qg_slack_escape(qg_buf *b, const char *s);

#endif
