// SPDX-License-Identifier: GPL-2.0
/*
 * The report as JUnit XML, the format CI systems (GitLab, Jenkins, GitHub
 * test reporters) show per test: one test case per finding kind, plus one
 * for "the run saw everything" and one for CMD. A case fails as the exit
 * status would: per --fail-on.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "lib/json.h"
#include "output/report.h"

/* XML 1.0 text: escaped markup, valid UTF-8, no control characters it cannot hold. */
static void xml_text(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t len = strlen(str);

	for (size_t i = 0; i < len;) {
		unsigned char c = s[i];
		size_t n = dl_utf8_seq(s + i, len - i);

		if (c == '<')
			fputs("&lt;", f);
		else if (c == '>')
			fputs("&gt;", f);
		else if (c == '&')
			fputs("&amp;", f);
		else if (c == '"')
			fputs("&quot;", f);
		else if (c == '\n' || c == '\t')
			fputc(c, f);
		else if (c < 0x20 || c == 0x7f)
			fputc('?', f);
		else if (!n)
			fputs("\xef\xbf\xbd", f);	/* U+FFFD */
		else
			fwrite(s + i, 1, n, f);
		i += n ? n : 1;
	}
}

static void finding_line(FILE *f, const struct an_finding *v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return;
	dl_finding_line(m, v);
	fprintf(m, "    x%" PRIu64 ": %s\n", (uint64_t)v->count, v->note);
	fclose(m);
	xml_text(f, buf);
	free(buf);
}

static void kind_case(FILE *f, const struct dl_report *r, int kind, unsigned int fail_on)
{
	const struct an_results *an = &r->an;
	enum an_severity worst = AN_INFO;
	size_t n = 0;
	bool failed;

	for (size_t i = 0; i < an->nfindings; i++) {
		if (an->finding[i].kind != (enum an_kind)kind)
			continue;
		n++;
		if (an->finding[i].severity > worst)
			worst = an->finding[i].severity;
	}
	failed = n && ((worst == AN_ERROR && (fail_on & DL_FAIL_ERROR)) ||
		       (worst == AN_WARNING && (fail_on & DL_FAIL_WARNING)));
	fprintf(f, "    <testcase classname=\"diolock.findings\" name=\"%s\" time=\"0\">\n",
		an_kind_name(kind));
	if (failed) {
		fprintf(f, "      <failure type=\"%s\" message=\"%" PRIu64 " occurrences, worst severity %s\">",
			an_kind_name(kind), (uint64_t)an->summary[kind], an_severity_name(worst));
		for (size_t i = 0; i < an->nfindings; i++)
			if (an->finding[i].kind == (enum an_kind)kind && an->finding[i].severity == worst)
				finding_line(f, &an->finding[i]);
		fprintf(f, "</failure>\n");
	}
	if (n) {
		fprintf(f, "      <system-out>");
		for (size_t i = 0; i < an->nfindings; i++)
			if (an->finding[i].kind == (enum an_kind)kind)
				finding_line(f, &an->finding[i]);
		fprintf(f, "</system-out>\n");
	}
	fprintf(f, "    </testcase>\n");
}

void dl_report_junit(FILE *f, const struct dl_report *r, unsigned int fail_on)
{
	const char *why = dl_report_verdict(r) == DL_VERDICT_INCOMPLETE ? dl_report_why_incomplete(r) : NULL;
	bool complete_fails = why && (fail_on & DL_FAIL_LOST);
	bool cmd_fails = r->cmd_argv && dl_report_cmd_failed(r) && (fail_on & DL_FAIL_CMD);
	int tests = AN_KIND_MAX + 1 + (r->cmd_argv ? 1 : 0), failures = 0;

	for (int k = 0; k < AN_KIND_MAX; k++) {
		enum an_severity worst = AN_INFO;
		bool any = false;

		for (size_t i = 0; i < r->an.nfindings; i++)
			if (r->an.finding[i].kind == (enum an_kind)k) {
				any = true;
				if (r->an.finding[i].severity > worst)
					worst = r->an.finding[i].severity;
			}
		failures += any && ((worst == AN_ERROR && (fail_on & DL_FAIL_ERROR)) ||
				    (worst == AN_WARNING && (fail_on & DL_FAIL_WARNING)));
	}
	failures += complete_fails + cmd_fails;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(f, "<testsuites name=\"diolock\" tests=\"%d\" failures=\"%d\" errors=\"0\" time=\"%.3f\">\n",
		tests, failures, r->duration_s);
	fprintf(f, "  <testsuite name=\"diolock check\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"0\" "
		   "time=\"%.3f\"", tests, failures, r->duration_s);
	if (r->start_time && r->start_time[0]) {
		fprintf(f, " timestamp=\"");
		xml_text(f, r->start_time);
		fputc('"', f);
	}
	if (r->host && r->host[0]) {
		fprintf(f, " hostname=\"");
		xml_text(f, r->host);
		fputc('"', f);
	}
	fprintf(f, ">\n    <properties>\n");
	fprintf(f, "      <property name=\"kernel\" value=\"");
	xml_text(f, r->kernel ? r->kernel : "");
	fprintf(f, "\"/>\n      <property name=\"diolock.version\" value=\"");
	xml_text(f, r->version && r->version[0] ? r->version : "unknown");
	fprintf(f, "\"/>\n      <property name=\"diolock.git_rev\" value=\"");
	xml_text(f, r->git_rev && r->git_rev[0] ? r->git_rev : "unknown");
	fprintf(f, "\"/>\n      <property name=\"verdict\" value=\"%s\"/>\n    </properties>\n",
		dl_verdict_name(dl_report_verdict(r)));
	for (int k = 0; k < AN_KIND_MAX; k++)
		kind_case(f, r, k, fail_on);
	fprintf(f, "    <testcase classname=\"diolock.run\" name=\"complete\" time=\"0\">\n");
	if (complete_fails) {
		fprintf(f, "      <failure type=\"incomplete\" message=\"");
		xml_text(f, why);
		fprintf(f, "\"/>\n");
	}
	fprintf(f, "      <system-out>events %" PRIu64 ", lost %" PRIu64 "</system-out>\n    </testcase>\n",
		(uint64_t)r->an.events, (uint64_t)(r->lost_ringbuf + r->lost_map_full));
	if (r->cmd_argv) {
		fprintf(f, "    <testcase classname=\"diolock.run\" name=\"command\" time=\"%.3f\">\n",
			r->duration_s);
		if (cmd_fails) {
			fprintf(f, "      <failure type=\"command\" message=\"");
			xml_text(f, r->cmd_argv[0]);
			if (WIFEXITED(r->cmd_status))
				fprintf(f, " exited %d", WEXITSTATUS(r->cmd_status));
			else
				fprintf(f, " killed by signal %d", WTERMSIG(r->cmd_status));
			fprintf(f, "\"/>\n");
		}
		fprintf(f, "    </testcase>\n");
	}
	fprintf(f, "  </testsuite>\n</testsuites>\n");
}
