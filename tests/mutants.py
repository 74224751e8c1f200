"""make mutants: each behaviour the tests claim to check is broken on
purpose in a scratch copy of the tree, and the tests that name it must
fail. A mutant is one exact text replacement in one file (the text must
occur exactly once, so a mutant that no longer applies is reported, not
silently skipped), the tests that must catch it, and what it breaks.

The scratch copy is built once without sanitizers; each mutant is
applied, rebuilt (only what changed), its tests run, and the file put
back. Its tests are first run on the unbroken build, so a mutant counts
as caught only by a test that passes without it. Mutants marked asan
run against a sanitizer build (the harness's leak and error checks).
Run as root inside tests/check.sh's kind of namespace (done here)."""
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
SCRATCH = os.environ.get("MUTANTS_DIR", "/tmp/yubin-mutants")
ASAN = ("-fsanitize=address,undefined -fno-omit-frame-pointer "
        "-fno-sanitize-recover=undefined")

# (name, file, text, replacement, tests, what it breaks); text may be a
# list of (text, replacement) pairs for a behaviour kept in two places
# tests: "unit:test_x" (a cmocka suite) or "e2e:test_file:test_name"
MUTANTS = [
    ("hops", "lib/intake.c",
     "if (in->trace.hops > INTAKE_HOPS_MAX)",
     "if (in->trace.hops > 10 * INTAKE_HOPS_MAX)",
     ["unit:test_intake", "e2e:test_smtp:test_too_many_hops_refused"],
     "more than 100 Received fields no longer refused"),
    ("loop-case", "lib/trace.c",
     "if (strcasecmp(value, t->locals[i]) == 0)",
     "if (strcmp(value, t->locals[i]) == 0)",
     ["unit:test_trace"],
     "a Delivered-To: loop missed when the case differs"),
    ("loop-check", "lib/intake.c",
     "if (in->trace.loop[0] != '\\0')",
     "if (0 && in->trace.loop[0] != '\\0')",
     ["unit:test_intake", "e2e:test_smtp:test_delivered_to_loop_is_refused"],
     "a message that was here before for the same recipient taken again"),
    ("smtp-timeout", "bin-src/smtp-in.c",
     [("io.timeout_ms = conf.timeout * 1000;",
       "io.timeout_ms = conf.timeout * 3000;"),
      ("loop.timeout = conf.timeout;", "loop.timeout = 3 * conf.timeout;")],
     ["e2e:test_smtp:test_idle_client_gets_421"],
     "smtp-in waits three times its timeout for a command"),
    ("data-timeout", "lib/reception.c",
     ": errno == ETIMEDOUT ? RECEPTION_TIMEOUT",
     ": errno == EAGAIN ? RECEPTION_TIMEOUT",
     ["unit:test_reception"],
     "a client silent in the middle of DATA not told 421 (timeout)"),
    ("data-read-on", "lib/reception.c",
     "\t\t\t*failed = 1;\n", "\t\t\t*failed = 1;\n\t\t\tbreak;\n",
     ["unit:test_reception"],
     "after a failed write the rest of the message read as commands"),
    ("auth-max-failures", "lib/server.c",
     "return *x->failures >= x->conf->max_login_failures;",
     "return *x->failures >= 10 * x->conf->max_login_failures;",
     ["unit:test_smtpauth", "unit:test_pop3login",
      "e2e:test_smtp:test_auth_failures"],
     "a client guessing passwords never sent away"),
    ("pop3-in-use", "lib/pop3login.c",
     "(e = maildrop_open(drop, dir)) == 0)",
     "((e = maildrop_open(drop, dir)) == 0 || e == 1))",
     ["unit:test_pop3login", "e2e:test_pop3:test_second_session_is_in_use"],
     "a second POP3 session gets the mailbox another one holds"),
    ("chain-height", "lib/alias.c", "if (h > USERS_ALIAS_DEPTH)",
     "if (h > 2 * USERS_ALIAS_DEPTH)",
     ["unit:test_alias", "unit:test_tables",
      "e2e:test_cdbmake:test_alias_chains_as_long_as_delivery_follows"],
     "an alias chain longer than delivery follows taken when the file "
     "lists it from its end"),
    ("chain-depth", "lib/alias.c", "if (depth > USERS_ALIAS_DEPTH)",
     "if (depth >= USERS_ALIAS_DEPTH)",
     ["unit:test_alias", "unit:test_deliver",
      "e2e:test_cdbmake:test_alias_chains_as_long_as_delivery_follows"],
     "the walk stops one hop short of USERS_ALIAS_DEPTH"),
    ("plan-full-partial", "lib/envelope.c",
     "deliver_plan_truncate(&t->plan, n0, l0); /* none of it */",
     "/* none of it */", ["unit:test_envelope"],
     "a recipient refused for too many destinations still gets some of "
     "the message (and again when the client resends it)"),
    ("reach-width", "lib/tabcheck.c",
     "if (r.n > DELIVER_TARGETS_MAX && !e->alias_reported++)",
     "if (r.n > 2 * DELIVER_TARGETS_MAX && !e->alias_reported++)",
     ["unit:test_tables",
      "e2e:test_cdbmake:test_a_list_wider_than_a_message_is_refused"],
     "a list no message can be delivered to in one piece taken"),
    ("reach-twice", "lib/tabcheck.c",
     "\t\tif (strcasecmp(r->d[i], where) == 0)\n\t\t\treturn 0;\n",
     "\t\tif (0 && strcasecmp(r->d[i], where) == 0)\n"
     "\t\t\treturn 0;\n",
     ["unit:test_tables",
      "e2e:test_cdbmake:test_a_list_wider_than_a_message_is_refused"],
     "a destination met two ways counted twice: a good list refused"),
    ("inject-sigpipe", "bin-src/queue-inject.c",
     "\tsignal(SIGPIPE, SIG_IGN);\n", "\n",
     ["e2e:test_inject:"
      "test_smtp_in_gone_during_the_message_is_a_temporary_failure"],
     "queue-inject killed by SIGPIPE, without a word, when smtp-in hangs up"),
    ("authres-obsolete", "lib/authres.c",
     "if (blank && st->name_at == NAME_LEN - 1)",
     "if (0 && blank && st->name_at == NAME_LEN - 1)",
     ["unit:test_authres",
      "e2e:test_dmarc:test_forged_verdicts_of_ours_are_taken_out"],
     "a forged verdict of ours kept when written with a blank before "
     "its colon"),
    ("auth-long", "lib/smtpauth.c", "else if (r == SASL_LONG) /* RFC 4954 4 */",
     "else if (0) /* RFC 4954 4 */", ["unit:test_smtpauth"],
     "an over-long AUTH answer told \"Authentication cancelled\""),
    ("killed-keeps-taken", "lib/destination.c",
     "\t\tif (t->res[i].o == DEST_PENDING)\n",
     "\t\tif (t->res[i].o != DEST_FAILED)\n",
     ["unit:test_destination"],
     "a delivery killed after the host took the message: sent again"),
    ("settled-before-quit", "lib/smtptx.c", "if (t->settled != NULL)",
     "if (0 && t->settled != NULL)", ["unit:test_destination"],
     "what a host took known only after its reply to QUIT"),
    ("relay-open", "lib/relay.c",
     "\t\t\treturn r == 1 ? val[0] == '+' : -1;\n\t}\n\treturn 0;",
     "\t\t\treturn r == 1 ? val[0] == '+' : -1;\n\t}\n\treturn 1;",
     ["e2e:test_smtp:test_relay_battery",
      "e2e:test_network:test_outsider_cannot_relay_or_send_a_password"],
     "a client outside every relay range may relay"),
    ("cleartext-off-loopback", "lib/server.c",
     "(p->known && cidr_is_loopback(&p->addr))", "(p->known)",
     ["e2e:test_network:test_pop3_refuses_clear_text_passwords_off_loopback"],
     "clear-text passwords accepted from any address"),
    ("dot-stuffing", "lib/smtpdata.c",
     "if (e->bol && c == '.') {", "if (0 && e->bol && c == '.') {",
     ["unit:test_smtpdata", "e2e:test_sink:test_what_goes_on_the_wire",
      "e2e:test_pop3:test_raw_retr_stuffs_dots_and_counts_octets"],
     "a leading dot is sent unstuffed (SMTP and POP3)"),
    ("dir-fsync", "lib/deliver.c",
     "if (fsync_dir(path) == -1) {\n\t\t\tfailed(m, \"fsync the directory",
     "if (0) {\n\t\t\tfailed(m, \"fsync the directory",
     ["e2e:test_smtp:test_250_only_after_the_mail_is_on_disk"],
     "250 before the Maildir's directory entry is on disk"),
    ("list-n", "bin-src/pop3-in.c",
     "(long long)maildrop_size(&s->drop, n));",
     "(long long)maildrop_size(&s->drop, 0));",
     ["e2e:test_pop3:test_list_and_uidl_of_one_message"],
     "LIST n answers the size of the first message"),
    ("pop3-timeout", "bin-src/pop3-in.c",
     [("io.timeout_ms = conf.timeout * 1000;",
       "io.timeout_ms = conf.timeout * 3000;"),
      ("loop.timeout = conf.timeout;", "loop.timeout = 3 * conf.timeout;")],
     ["e2e:test_pop3:test_idle_client_is_dropped"],
     "pop3-in waits three times its timeout for a command"),
    ("line-within", "lib/cmdloop.c",
     "\t\tr = buf_getline_within(\n\t\t    l->io, l->line, l->size, &len, "
     "l->timeout);",
     "\t\tr = buf_getline(l->io, l->line, l->size, &len);",
     ["unit:test_cmdloop"],
     "a client dripping a byte at a time holds a command open forever"),
    ("finger-timeout", "bin-src/finger-in.c",
     "out.timeout_ms = conf.timeout * 1000;",
     "out.timeout_ms = conf.timeout * 3000;",
     ["e2e:test_finger:test_silent_client_is_dropped"],
     "finger-in waits three times its timeout"),
    ("bcrypt-length", "lib/auth.c", "{ \"$2b$\", 53 },",
     "{ \"$2b$\", 54 },", ["unit:test_auth"],
     "a good $2b$ hash is taken for a cut-off one"),
    ("concurrency", "lib/round.c",
     "r->nflight < (size_t)job->concurrency &&",
     "r->nflight < (size_t)job->concurrency + 2 &&",
     ["unit:test_round",
      "e2e:test_hostile:test_remote_concurrency_bounds_the_deliveries"],
     "more deliveries in flight than remote_concurrency"),
    ("one-runner", "bin-src/remote-send.c",
     "\tif (flock(lock, LOCK_EX | LOCK_NB) == -1)",
     "\tif (0 && flock(lock, LOCK_EX | LOCK_NB) == -1)",
     ["e2e:test_hostile:test_one_runner_at_a_time"],
     "two queue runners at once"),
    ("retry-schedule", "bin-src/remote-send.c",
     "e->next = e->created + 400 * k * k;",
     "e->next = e->created + 300 * k * k;",
     ["e2e:test_remote:test_retry_schedule"],
     "retries at 300 k^2 s instead of 400 k^2 s"),
    ("ipv4-only", "lib/dns.c",
     "hints.ai_family = ipv4_only ? AF_INET : AF_UNSPEC;",
     "hints.ai_family = ipv4_only ? AF_UNSPEC : AF_UNSPEC;",
     ["e2e:test_remote:test_ipv6_delivery_and_ipv4_only"],
     "ipv4_only ignored"),
    ("nxdomain", "lib/dns.c",
     "if (status == ARES_ENOTFOUND || status == ARES_ENODATA)",
     "if (status == ARES_ENODATA)",
     ["e2e:test_remote:test_nxdomain_bounces_at_once"],
     "a domain that does not exist is a temporary failure"),
    ("srs-expiry", "lib/srs.c", "if (age > SRS_MAX_AGE)",
     "if (age > 100 * SRS_MAX_AGE)",
     ["unit:test_srs"], "expired SRS addresses accepted"),
    ("srs-hash", "lib/srs.c",
     "strcasecmp(hh, want) == 0)", "(strcasecmp(hh, want) == 0 || 1))",
     ["unit:test_srs", "e2e:test_srs"],
     "a forged SRS hash accepted"),
    ("sender-check", "lib/identity.c",
     "a->domain)) != 1)\n\t\treturn r;",
     "a->domain)) != 1)\n\t\treturn 1;",
     ["unit:test_identity", "e2e:test_submission:test_other_addresses_get_553"],
     "an authenticated user may send as any address outside our domains"),
    ("dmarc-reject", "lib/dmarc.c",
     "if (v->disposition == 'r' && reject)",
     "if (v->disposition == 'r' && !reject)",
     ["unit:test_dmarc", "e2e:test_dmarc"], "p=reject failures let in"),
    ("dmarc-retry", "lib/dmarc.c",
     "\t\t    ? DMARC_RETRY\n\t\t    : DMARC_ACCEPT;",
     "\t\t    ? DMARC_ACCEPT\n\t\t    : DMARC_ACCEPT;",
     ["unit:test_dmarc", "e2e:test_dmarc"],
     "no DNS answer under p=reject turns into a pass"),
    ("dkim-oversign", "lib/dkimsign.c",
     "oversign_fields[] = { \"from\", NULL };",
     "oversign_fields[] = { NULL };",
     ["e2e:test_dkim"], "From: is no longer oversigned"),
    ("lockout", "lib/lockout.c", "return r.failures >= max;",
     "return r.failures >= 10 * max;",
     ["e2e:test_lockout:test_three_failures_lock_both_services_then_it_ends"],
     "the login lockout never locks"),
    ("greylist", "lib/greylist.c",
     "} else if (now - first < delay) {",
     "} else if (now - first < 0) {",
     ["e2e:test_greylist"], "a greylisted sender retrying at once gets in"),
    ("queue-info-fsync", "lib/queue.c",
     "\tif (rename(tmp, final) == -1)\n\t\treturn -1;\n\treturn "
     "fsync_dir(final);",
     "\tif (rename(tmp, final) == -1)\n\t\treturn -1;\n\treturn 0;",
     ["e2e:test_smtp:test_a_queued_forward_is_on_disk_before_250"],
     "250 before the queue entry's name is on disk"),
    ("split-terminator", "lib/smtpdata.c",
     "\tfor (i = 0; i < len && d->state != DEC_END; i++) {",
     "\tif (d->state != DEC_BOL && d->state != DEC_END)\n\t\td->state = "
     "DEC_MID;\n\tfor (i = 0; i < len && d->state != DEC_END; i++) {",
     ["unit:test_smtpdata",
      "e2e:test_smtp:test_terminator_in_two_writes_with_a_pause"],
     "the DATA decoder forgets a terminator cut between two reads"),
    ("no-reply-after-data", "lib/smtptx.c",
     "\tset_accepted(t, c < 0 ? SMTPTX_DEFERRED : smtptx_outcome_of(c),\n"
     "\t    c < 0 ? \"connection lost after the data\" : r->text);",
     "\tset_accepted(t, c < 0 ? SMTPTX_DONE : smtptx_outcome_of(c),\n"
     "\t    c < 0 ? \"connection lost after the data\" : r->text);",
     ["unit:test_smtptx",
      "e2e:test_hostile:test_silence_after_data_holds_nothing_else"],
     "a host that hangs up before its reply to the data counts as done"),
    ("check-smarthost-port", "lib/netcheck.c",
     "n->sc->conf->smarthost[0] ? 587 : n->sc->conf->remote_port,",
     "n->sc->conf->smarthost[0] ? 25 : n->sc->conf->remote_port,",
     ["e2e:test_check:test_the_smarthost_on_its_submission_port"],
     "yubin-check tries a smarthost on another port than remote-send"),
    ("route-smarthost-port", "lib/route.c",
     "*port = 587; /* the provider's submission port (OP25B) */",
     "*port = 25;",
     ["unit:test_route"], "the smarthost dialled on port 25"),
    ("alias-domain", "lib/alias.c",
     "users_target_domain(at ? at + 1 : \"\", a->domain, ctx);",
     "users_target_domain(at ? at + 1 : \"\", a->domain, ctx + "
     "strlen(ctx));",
     ["unit:test_alias", "unit:test_users", "unit:test_tables"],
     "an all-domains alias's target not looked up in the recipient's "
     "domain first"),
    ("dkim-stale-key", "lib/dkimsign.c",
     "memcmp(key_cache[i].text, text, len) == 0)",
     "text != NULL)",
     ["unit:test_dkimsign",
      "e2e:test_dkim:test_a_key_replaced_mid_session_signs_the_next_message"],
     "a key replaced under the same name: the old one still signs"),
    ("dkim-stale-pubkey", "lib/dkimverify.c",
     "memcmp(pubkeys[i].der, der, (size_t)len) == 0 &&",
     "der != NULL &&",
     ["e2e:test_dmarc:test_each_signature_is_checked_with_its_own_key"],
     "a signature checked with another sender's key of the same size"),
    ("round-twice", "lib/round.c",
     "round_tried(r, id) || job->due(id, job->arg) != 1)",
     "(round_tried(r, id) && 0) || job->due(id, job->arg) != 1)",
     ["unit:test_round"],
     "an entry started twice in one round"),
    ("round-relist", "lib/round.c",
     "(fresh && started == 0 && r->pos == r->nids))",
     "((fresh || 1) && started == 0 && r->pos == r->nids))",
     ["unit:test_round"],
     "mail queued during a round left for the next run"),
    ("dnsbl-postmaster", "lib/rcptcheck.c",
     "strcasecmp(a->local, \"postmaster\") == 0 ||",
     "strcmp(a->local, \"postmaster\") == 0 ||",
     ["unit:test_rcptcheck"],
     "a listed client cannot write to PostMaster (RFC 5321 4.5.1)"),
    ("dnsbl-listed", "lib/rcptcheck.c",
     "if (!c->dnsbl.listed || strcasecmp",
     "if (c->dnsbl.listed || strcasecmp",
     ["unit:test_rcptcheck",
      "e2e:test_dnsbl:test_listed_client_reaches_only_postmaster_and_abuse"],
     "a listed client let in, an unlisted one refused"),
    ("smarthost-pw-mode", "lib/destination.c",
     "if (st.st_mode & 077) {", "if (st.st_mode & 0) {",
     ["unit:test_destination"],
     "a smarthost password file others may read is used"),
    ("op25b-hint", "lib/destination.c",
     "t->flags == 0 ? \"; if every domain", "t->flags != 0 ? \"; if every domain",
     ["unit:test_destination"],
     "no word of a blocked port 25 when no host answers"),
    ("from-own", "lib/msgcheck.c",
     "\tif (own == 0)\n", "\tif (0 && own == 0)\n",
     ["unit:test_msgcheck",
      "e2e:test_submission:test_from_field_must_be_own_too"],
     "a logged-in user's message with someone else's From: taken"),
    ("check-open-relay", "lib/netcheck.c",
     "if (r.code / 100 == 2) {", "if (r.code / 100 == 7) {",
     ["unit:test_netcheck",
      "e2e:test_check:test_dns_outbound_certificate_and_relay_problems"],
     "yubin-check calls an open relay closed"),
    ("authres-forged", "lib/authres.c",
     "if (st->mode == MODE_HOLD && claims_ours(st, whole)) {",
     "if (0 && st->mode == MODE_HOLD && claims_ours(st, whole)) {",
     ["unit:test_authres",
      "e2e:test_dmarc:test_forged_verdicts_of_ours_are_taken_out"],
     "forged Authentication-Results naming our host kept"),
    ("users-cdb-mode", "lib/tables.c",
     "tab_write(&t, &t.users, 0640, &st) == -1 ||",
     "tab_write(&t, &t.users, 0644, &st) == -1 ||",
     ["e2e:test_production:test_mail_in_out_and_read_as_an_unprivileged_user"],
     "users.cdb (password hashes) readable by everyone"),
    ("bounce-status", "lib/bounce.c",
     "snprintf(buf, size, \"%.*s\", (int)(p + n - (line + 4)), line + 4);",
     "(void)size;",
     ["unit:test_bounce",
      "e2e:test_remote:test_unknown_remote_user_bounces_in_rfc3464_form"],
     "bounces say 5.0.0 instead of the remote's 5.1.1"),
    ("vacation-once", "lib/vacation.c",
     "st.st_mtime > time(NULL) - days * 86400)",
     "st.st_mtime > time(NULL) + days * 86400)",
     ["unit:test_vacation",
      "e2e:test_vacation:test_one_reply_per_sender_with_the_rfc_3834_fields"],
     "an absence reply for every message, not once per sender"),
    ("vacation-to-lists", "lib/vacation.c", "\tif (sender[0] == '\\0' || in->automatic ||",
     "\tif (sender[0] == '\\0' ||", ["unit:test_vacation"],
     "absence replies to mailing lists and automatic mail"),
    ("inject-uid", "bin-src/queue-inject.c", "in.uid = getuid();",
     "in.uid = getuid() ? 65534 : 0;",
     ["e2e:test_inject:test_form_mail_as_www_data_reaches_the_mailbox"],
     "Received: names another uid than the real one"),
    ("cpuprobe-at-start", "lib/cpuprobe.c", "\tif (past_init)\n",
     "\tif (1 || past_init)\n", ["unit:test_cpuprobe"],
     "libcrypto's CPU probe made at every start of a server"),
    ("cpuprobe-never", "lib/cpuprobe.c", "\tif (past_init)\n",
     "\tif (0 && past_init)\n", ["unit:test_cpuprobe"],
     "OpenSSL's CPU probe never made: its generic, slow code in use"),
    ("leak-in-runner", "bin-src/remote-send.c",
     "main(int argc, char **argv)\n{\n",
     "main(int argc, char **argv)\n{\n\tchar *volatile leak = "
     "malloc(64);\n\tif (leak != NULL)\n\t\tleak[0] = 0;\n\tleak = "
     "NULL;\n",
     ["e2e:test_production:test_mail_in_out_and_read_as_an_unprivileged_user"],
     "a leak in remote-send started by smtp-in (detached, as nobody)"),
    ("conf-load-garbage", "lib/conf.c",
     "\tmemset(c, 0, sizeof(*c));\n\treturn conf_load_zeroed(",
     "\treturn conf_load_zeroed(", ["unit:test_conf"],
     "conf_load over a struct that is not zero keeps what was in it"),
    ("srs-read-again", "lib/srs.c", "\tif (state == 0) {\n",
     "\tif (1) {\n", ["unit:test_srs"],
     "srs.secret read again for every forward and SRS address"),
    ("relay-pop-ignored", "lib/server.c", "\tif (r == 0)\n\t\tr = popbsmtp_recent(",
     "\tif (0)\n\t\tr = popbsmtp_recent(", ["unit:test_server"],
     "POP-before-SMTP no longer lets a client relay"),
    ("fixed-answer-state", "lib/cmdloop.c",
     "\t\tif (!(c->states & *l->state))\n",
     "\t\tif (c->run != NULL && !(c->states & *l->state))\n",
     ["unit:test_cmdloop"],
     "a command with a fixed answer said in any state"),
    ("reply-over-512", "lib/smtpreply.c", "SMTP_REPLY_MAX - 4 - 2 + 1",
     "SMTP_REPLY_MAX - 4 + 1", ["unit:test_smtpreply"],
     "a reply line longer than RFC 5321's 512 octets"),
    ("textfile-cut-silently", "lib/textfile.c",
     "if (keep < take && result == TEXTFILE_LINE)",
     "if (0 && keep < take && result == TEXTFILE_LINE)",
     ["unit:test_textfile", "unit:test_peer"],
     "a line too long for its buffer taken as it was cut, without a word"),
    ("utc-march-year", "lib/utc.c", "(mp >= 10);", "(mp > 10);",
     ["unit:test_utc"],
     "the log's and Received:'s dates a year off in January and February"),
    ("log-pid", "lib/log.c", "put_pid(p, (unsigned long)getpid())",
     "put_pid(p, (unsigned long)getppid())", ["unit:test_log"],
     "log lines name another process than the one that wrote them"),
]


def sh(*args, **kw):
    return subprocess.run(args, capture_output=True, text=True, **kw)


def build(build_dir, extra=""):
    args = ["make", "-s", "-C", SCRATCH, f"BUILD={build_dir}", "STATIC=",
            "all", "units"]
    if extra:
        args += [f"EXTRA_CFLAGS={extra}", f"EXTRA_LDFLAGS={extra}"]
    return sh(*args, timeout=1800)


def run_test(test, build_dir):
    """True if the test passed."""
    kind, _, rest = test.partition(":")
    env = dict(os.environ, YUBIN_BIN=os.path.join(SCRATCH, build_dir, "bin"))
    if kind == "unit":
        r = sh(os.path.join(SCRATCH, build_dir, "tests", rest), env=env,
               timeout=600)
        return r.returncode == 0
    module, _, name = rest.partition(":")
    args = ["/usr/bin/python3", "-W", "ignore", "-m", "unittest", module]
    if name:
        args[-1:-1] = ["-k", name]
    r = sh(*args, cwd=os.path.join(SCRATCH, "tests", "e2e"), env=env,
           timeout=900)
    return r.returncode == 0


def scratch_tree():
    shutil.rmtree(SCRATCH, ignore_errors=True)
    files = sh("git", "ls-files", "-co", "--exclude-standard",
               cwd=TOP, check=True).stdout.split("\n")
    for f in filter(None, files):
        src = os.path.join(TOP, f)
        if os.path.isfile(src):
            dst = os.path.join(SCRATCH, f)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy2(src, dst)


def main():
    if (os.getuid() == 0 and not os.environ.get("YUBIN_NETNS")
            and sh("unshare", "--net", "true").returncode == 0):
        os.execvp("unshare", ["unshare", "--net", "--mount", "env",
                              "YUBIN_NETNS=1", "sh", "-c",
                              "ip link set lo up && exec /usr/bin/python3 "
                              + " ".join(sys.argv)])
    only = set(sys.argv[1:])
    chosen = [m for m in MUTANTS if not only or m[0] in only]
    scratch_tree()
    builds = {}

    def ready(asan):
        d = "build/m-asan" if asan else "build/m"
        if d not in builds:
            r = build(d, ASAN if asan else "")
            if r.returncode != 0:
                sys.exit(f"mutants: the unbroken tree does not build:\n"
                         f"{r.stderr}")
            builds[d] = {}
        return d

    caught = missed = broken = 0
    for m in chosen:
        if isinstance(m[2], list):
            name, path, pairs, tests, what = m
        else:
            name, path, text, new, tests, what = m
            pairs = [(text, new)]
        asan = name.startswith("leak")
        d = ready(asan)
        t0 = time.monotonic()
        full = os.path.join(SCRATCH, path)
        with open(full) as f:
            original = f.read()
        counts = [original.count(text) for text, _ in pairs]
        if counts != [1] * len(pairs):
            print(f"mutant {name}: STALE ({path}: the texts occur "
                  f"{counts} times)", flush=True)
            broken += 1
            continue
        mutated = original
        for text, new in pairs:
            mutated = mutated.replace(text, new)
        baseline = [t for t in tests if t not in builds[d]]
        for t in baseline:
            builds[d][t] = run_test(t, d)
        if not all(builds[d][t] for t in tests):
            print(f"mutant {name}: BROKEN (a test fails without the "
                  f"mutant: {[t for t in tests if not builds[d][t]]})",
                  flush=True)
            broken += 1
            continue
        try:
            with open(full, "w") as f:
                f.write(mutated)
            r = build(d, ASAN if asan else "")
            if r.returncode != 0:
                print(f"mutant {name}: BROKEN (does not build)\n{r.stderr}",
                      flush=True)
                broken += 1
                continue
            failing = [t for t in tests if not run_test(t, d)]
        finally:
            with open(full, "w") as f:
                f.write(original)
            os.utime(full)
        secs = time.monotonic() - t0
        if failing:
            caught += 1
            print(f"mutant {name}: caught by {', '.join(failing)} "
                  f"({what}; {secs:.0f} s)", flush=True)
        else:
            missed += 1
            print(f"mutant {name}: MISSED by {', '.join(tests)} ({what})",
                  flush=True)
    print(f"mutants: {caught} caught, {missed} missed, {broken} broken")
    sys.exit(0 if missed == 0 and broken == 0 else 1)


if __name__ == "__main__":
    main()
