/*
 * cpuprobe: OpenSSL's probe of the CPU, run when crypto is first used
 * instead of at every start.
 *
 * libcrypto linked statically puts a call to OPENSSL_cpuid_setup in the
 * program's .init section, so every process probes the CPU with cpuid
 * before main. In a virtual machine each cpuid is a trap to the
 * hypervisor: about 0.14 ms per process here, a tenth of what a server
 * started once per connection costs, spent even by a plain SMTP session
 * that never signs, verifies or encrypts. The static servers are linked
 * with -Wl,--wrap=OPENSSL_cpuid_setup and this object (Makefile
 * CPU_WRAP): the call from .init, which runs before any constructor, does
 * nothing; OpenSSL calls OPENSSL_cpuid_setup again itself when it
 * initializes (OPENSSL_init_crypto, reached by the first TLS set-up,
 * digest, HMAC or signature), and from then on the probe is passed on.
 * Tested by tests/unit/test_cpuprobe.c against the static build.
 */
void __wrap_OPENSSL_cpuid_setup(void);
void __real_OPENSSL_cpuid_setup(void);

static int past_init; /* set by the first constructor, after .init */

__attribute__((constructor)) static void
cpuprobe_past_init(void)
{
	past_init = 1;
}

void
__wrap_OPENSSL_cpuid_setup(void)
{
	if (past_init)
		__real_OPENSSL_cpuid_setup();
}
