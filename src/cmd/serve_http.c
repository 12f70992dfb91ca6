// SPDX-License-Identifier: GPL-2.0
/*
 * serve's HTTP side (libmicrohttpd): /metrics on a numeric ADDR:PORT.
 * Static builds have no libmicrohttpd (Debian's needs GnuTLS, which needs
 * p11-kit, of which there is no static library): there serve writes a
 * textfile only, and these say why HTTP is missing.
 */
#include <stdio.h>
#include "cmd/serve.h"

#ifndef DL_NO_HTTP
#include <arpa/inet.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <microhttpd.h>
#include "lib/log.h"

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
			      const char *version, const char *upload, size_t *upload_size, void **req)
{
	struct serve_ctx *sc = cls;
	struct MHD_Response *resp;
	unsigned int status = MHD_HTTP_OK;
	enum MHD_Result ret;
	char *body = NULL;
	size_t len = 0;
	FILE *f;

	(void)version;
	(void)upload;
	(void)upload_size;
	(void)req;
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return MHD_NO;
	f = open_memstream(&body, &len);
	if (!f)
		return MHD_NO;
	if (!strcmp(url, "/metrics")) {
		serve_metrics(sc, f);
		sc->scrapes++;
	} else if (!strcmp(url, "/")) {
		fputs("diolock: metrics at /metrics\n", f);
	} else {
		fputs("not found: diolock serves /metrics\n", f);
		status = MHD_HTTP_NOT_FOUND;
	}
	fclose(f);
	resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* "HOST:PORT" or "[V6]:PORT" -> a numeric address. */
static int parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *sl, char *err, size_t errlen)
{
	char host[256];
	const char *colon = strrchr(s, ':');
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE };
	struct addrinfo *ai;
	size_t hl;
	int rc;

	if (!colon || !colon[1] || colon == s) {
		snprintf(err, errlen, "invalid --listen '%s': expected ADDR:PORT, e.g. %s", s, SERVE_DEFAULT_LISTEN);
		return -1;
	}
	hl = colon - s;
	if (s[0] == '[' && hl >= 2 && s[hl - 1] == ']') {
		s++;
		hl -= 2;
	}
	if (hl >= sizeof(host)) {
		snprintf(err, errlen, "invalid --listen: address too long");
		return -1;
	}
	memcpy(host, s, hl);
	host[hl] = '\0';
	rc = getaddrinfo(host, colon + 1, &hints, &ai);
	if (rc) {
		snprintf(err, errlen, "invalid --listen '%.64s': %s (a numeric address and port are needed)",
			 s, gai_strerror(rc));
		return -1;
	}
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*sl = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

static bool is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
	return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}


struct serve_http {
	struct MHD_Daemon *d;
};

int serve_http_check(const char *listen, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl;

	return parse_listen(listen, &ss, &sl, err, errlen);
}

int serve_http_start(struct serve_ctx *sc, struct serve_http **h, char *err, size_t errlen)
{
	struct sockaddr_storage ss = {};
	socklen_t sl;

	if (parse_listen(sc->o->listen, &ss, &sl, err, errlen))
		return -1;
	*h = calloc(1, sizeof(**h));
	if (!*h) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	(*h)->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
				   (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0), 0, NULL, NULL, answer, sc,
				   MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_END);
	if (!(*h)->d) {
		free(*h);
		*h = NULL;
		snprintf(err, errlen, "cannot listen on %s (address in use, or not an address of this host?)",
			 sc->o->listen);
		return -1;
	}
	if (is_loopback(&ss))
		fprintf(stderr, "diolock: serving metrics on http://%s/metrics (loopback only; --listen ADDR:PORT "
			"to serve other hosts)\n", sc->o->listen);
	else
		fprintf(stderr, "diolock: serving metrics on http://%s/metrics: NOT loopback, anyone who can reach "
			"this address can read them\n", sc->o->listen);
	return 0;
}

void serve_http_stop(struct serve_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->d);
	free(h);
}

#else /* DL_NO_HTTP */

int serve_http_check(const char *listen, char *err, size_t errlen)
{
	(void)listen;
	snprintf(err, errlen, "this static binary has no HTTP (no static libmicrohttpd): use --textfile FILE, "
		 "or a dynamic build for --listen");
	return -1;
}

int serve_http_start(struct serve_ctx *sc, struct serve_http **h, char *err, size_t errlen)
{
	*h = NULL;
	return serve_http_check(sc->o->listen, err, errlen);
}

void serve_http_stop(struct serve_http *h)
{
	(void)h;
}
#endif
