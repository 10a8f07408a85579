/* probe — the ceiling for bench/: a tiny libmicrohttpd server that answers
 * every request with one fixed 2 KB body, started the way Knead's server
 * starts its daemon (src/http/server.c srv_run: a thread pool of Knead's
 * default size, four per core and at least 8, epoll, keep-alive, the same
 * connection timeout, memory and per-address limits) and queueing its
 * answer on the second access-handler call as Knead does.  It reads no
 * database, builds no page and logs nothing, so what it reaches is what the
 * transport allows on this machine; `make bench` runs it first and prints
 * every other figure also as a share of it.
 *
 * Usage: probe [--listen 127.0.0.1:0] [--size BYTES] [--threads N]
 * prints "probe on http://HOST:PORT/" on stderr when it accepts
 * connections, and runs until SIGTERM or SIGINT.  --size (default 2048, at
 * most 1 MB): answer that many bytes instead, the ceiling for a larger
 * answer (a stylesheet); --threads: another pool size (Knead's
 * [server] threads).
 * Built by meson with the project, never installed, never in a release. */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PROBE_BODY 2048
#define PROBE_MAX (1024 * 1024)

static char body[PROBE_MAX];
static struct MHD_Response *answer;
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

/* First call: headers only; remember the request and return (as Knead does:
 * libmicrohttpd 0.9.75 closes a connection whose answer was queued here).
 * Second call: queue the one shared response. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **req_cls)
{
    static int seen;
    (void)cls;
    (void)url;
    (void)method;
    (void)version;
    (void)upload;
    if (!*req_cls) {
        *req_cls = &seen;
        return MHD_YES;
    }
    if (*upload_size) {
        *upload_size = 0;
        return MHD_YES;
    }
    return MHD_queue_response(conn, MHD_HTTP_OK, answer);
}

static int listener(const char *listen_addr, int *port)
{
    char host[64];
    const char *colon = strrchr(listen_addr, ':');
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    int fd = -1, one = 1;
    long p;
    char *end;

    if (!colon || (size_t)(colon - listen_addr) >= sizeof host)
        return -1;
    memcpy(host, listen_addr, (size_t)(colon - listen_addr));
    host[colon - listen_addr] = '\0';
    errno = 0;
    p = strtol(colon + 1, &end, 10);
    if (errno || *end || p < 0 || p > 65535)
        return -1;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)p);
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
        return -1;
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, SOMAXCONN) < 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(sa.sin_port);
    return fd;
}

int main(int argc, char **argv)
{
    const char *listen_addr = "127.0.0.1:0";
    struct MHD_Daemon *d = NULL;
    struct sigaction sa;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    /* Knead's default (src/main.c): four per core, at least 8 */
    unsigned threads = ncpu > 0 && ncpu < 16 ? 4 * (unsigned)ncpu : 64;
    if (threads < 8)
        threads = 8;
    int fd, port = 0, rc = 1;

    size_t size = PROBE_BODY;
    for (int i = 1; i < argc; i += 2) {
        char *end;
        long n;
        if (i + 1 < argc && strcmp(argv[i], "--listen") == 0) {
            listen_addr = argv[i + 1];
        } else if (i + 1 < argc && strcmp(argv[i], "--threads") == 0) {
            errno = 0;
            n = strtol(argv[i + 1], &end, 10);
            if (errno || *end || n < 1 || n > 64) {
                fprintf(stderr, "probe: --threads is a number from 1 to 64\n");
                return 2;
            }
            threads = (unsigned)n;
        } else if (i + 1 < argc && strcmp(argv[i], "--size") == 0) {
            errno = 0;
            n = strtol(argv[i + 1], &end, 10);
            if (errno || *end || n < 1 || n > PROBE_MAX) {
                fprintf(stderr, "probe: --size is a number of bytes from 1 to %d\n", PROBE_MAX);
                return 2;
            }
            size = (size_t)n;
        } else {
            fprintf(stderr,
                    "usage: probe [--listen 127.0.0.1:PORT] [--size BYTES] [--threads N]\n");
            return 2;
        }
    }
    /* printable text, a newline every 64 bytes */
    for (size_t i = 0; i < size; i++)
        body[i] = (i + 1) % 64 == 0 ? '\n' : (char)('a' + i % 26);
    answer = MHD_create_response_from_buffer(size, body, MHD_RESPMEM_PERSISTENT);
    if (!answer || MHD_add_response_header(answer, MHD_HTTP_HEADER_CONTENT_TYPE,
                                           "text/plain; charset=utf-8") != MHD_YES) {
        fprintf(stderr, "probe: cannot build the answer\n");
        goto done;
    }
    fd = listener(listen_addr, &port);
    if (fd < 0) {
        fprintf(stderr, "probe: cannot listen on %s: %s\n", listen_addr, strerror(errno));
        goto done;
    }
    /* The options of src/http/server.c srv_run, with the per-address limit
     * the benchmarks give Knead (bench/lib.sh: connections_per_address). */
    d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC, 0, NULL,
                         NULL, on_request, NULL, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
                         MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_TIMEOUT,
                         (unsigned)30, MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)1024,
                         MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024),
                         MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "probe: the HTTP library could not start\n");
        goto done;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    if (sigemptyset(&sa.sa_mask) < 0 || sigaction(SIGTERM, &sa, NULL) < 0 ||
        sigaction(SIGINT, &sa, NULL) < 0) {
        fprintf(stderr, "probe: cannot install signal handlers\n");
        goto done;
    }
    fprintf(stderr, "probe on http://127.0.0.1:%d/ (%u threads, %zu bytes)\n", port, threads, size);
    while (!stop)
        pause();
    rc = 0;
done:
    if (d)
        MHD_stop_daemon(d);
    if (answer)
        MHD_destroy_response(answer);
    return rc;
}
