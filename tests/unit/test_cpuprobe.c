/*
 * Unit tests for lib/cpuprobe, linked as the servers are (libcrypto
 * statically, -Wl,--wrap=OPENSSL_cpuid_setup): no CPU probe at start,
 * and the probe made when each kind of crypto yubin uses is first used
 * (TLS set-up, an SRS HMAC, a DKIM key and signature), so OpenSSL never
 * runs its slow generic code for want of it. OpenSSL keeps what the
 * probe found in OPENSSL_ia32cap_P; it is zero until the probe ran.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "dkimkey.h"
#include "dkimsign.h"
#include "srs.h"
#include "testutil.h"
#include "tlsio.h"

extern unsigned int OPENSSL_ia32cap_P[4];

/* Runs use in a child; true when the child saw the probe made. */
static int
probed_after(void (*use)(void))
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		use();
		_exit(OPENSSL_ia32cap_P[0] != 0 ? 0 : 1);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void
nothing(void)
{
}

static void
tls_set_up(void)
{
	struct buf b;
	char err[256];
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		_exit(2);
	buf_init(&b, sv[0], sv[0], 5);
	close(sv[1]);
	/* no such certificate: TLS is initialized, then refused */
	if (tlsio_server(&b, "/nonexistent/cert", "/nonexistent/key", err,
		sizeof(err)) != -1)
		_exit(2);
}

static void
srs_hmac(void)
{
	struct srs s;
	char out[400];

	test_write("srs.secret", "tops3cret\n");
	if (srs_load(&s, testdir, "fwd.example") != 1 ||
	    srs_forward(
		&s, "taro@sender.example", time(NULL), out, sizeof(out)) != 0)
		_exit(2);
}

static void
dkim_key(void)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/dkim", testdir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/dkim/example.org", testdir);
	mkdir(path, 0700);
	if (dkimsign_key_path(
		path, sizeof(path), testdir, "example.org", "s", "rsa") != 0 ||
	    dkimkey_generate(path, "rsa") != 0)
		_exit(2);
}

static void
dkim_signature(void)
{
	static const char msg[] = "From: taro@example.org\n\nhi\n";
	char why[DKIMSIGN_WHY_MAX], *head = NULL;

	if (dkimsign(testdir, "s", "example.org", msg, sizeof(msg) - 1, &head,
		why, sizeof(why)) != 1)
		_exit(2);
	free(head);
}

static void
test_no_probe_at_start(void **state)
{
	(void)state;
	assert_int_equal(OPENSSL_ia32cap_P[0], 0);
	assert_false(probed_after(nothing));
}

static void
test_probe_at_first_use(void **state)
{
	(void)state;
	assert_true(probed_after(tls_set_up));
	assert_true(probed_after(srs_hmac));
	assert_true(probed_after(dkim_key));
	/* the key made above, in a process of its own, signs here */
	assert_true(probed_after(dkim_signature));
	assert_int_equal(OPENSSL_ia32cap_P[0], 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_probe_at_start),
		cmocka_unit_test(test_probe_at_first_use),
	};
	int rc;

	test_mkdir();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	test_rmdir();
	return rc;
}
