#!/bin/sh
# yubin-setup: a starting configuration for a new yubin site: one mail
# domain, one account (postmaster and abuse reach it), the run user, the
# spool, the inetd lines. It refuses to touch a site that is set up
# already. See yubin-setup(8).
#
# usage: yubin-setup [-r root] [-u user] domain account
#   the account's password is read from the terminal (or standard input)
set -eu

CONFDIR=@CONFDIR@
SBINDIR=@SBINDIR@
SPOOL=/var/yubin
root=""
user=yubin

usage() {
	echo "usage: yubin-setup [-r root] [-u user] domain account" >&2
	exit 100
}

die() {
	echo "yubin-setup: $*" >&2
	exit "${code:-111}"
}

while getopts r:u: opt; do
	case $opt in
	r) root=$OPTARG ;;
	u) user=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] || usage
domain=$(printf '%s' "$1" | tr '[:upper:]' '[:lower:]')
account=$2
printf '%s' "$domain" | grep -Eq '^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$' ||
	code=100 die "$domain: not a domain name"
printf '%s' "$account" | grep -Eq '^[a-z0-9][a-z0-9._+-]*$' ||
	code=100 die "$account: an account name is lower-case letters, digits, . _ + -"

conf=$root$CONFDIR
# a site that is set up already is the admin's: never overwritten (the
# samples make install put there are not a setup)
in_use=""
[ -e "$conf/users.cdb" ] && in_use="users.cdb"
grep -Eqs '^[a-z]' "$conf/yubin.conf" && in_use="settings in yubin.conf"
for f in users domains relay; do
	if [ -e "$conf/$f" ] && ! cmp -s "$conf/$f" "$conf/examples/$f"; then
		in_use="$f, edited"
	fi
done
[ -z "$in_use" ] ||
	code=100 die "$conf is in use already ($in_use): nothing changed; edit it by hand (see INSTALL)"
[ -x "$root$SBINDIR/cdbmake-users" ] ||
	die "$root$SBINDIR/cdbmake-users not found: run make install first"

# the user the servers run as, and the spool it owns
if ! id "$user" >/dev/null 2>&1; then
	[ -z "$root" ] || die "no user $user (with -r, make it first)"
	adduser --system --group --home "$SPOOL" --no-create-home "$user" ||
		die "cannot make the user $user"
fi
for d in "" /mail /queue /popbsmtp; do
	install -d -o "$user" -g "$(id -gn "$user")" -m 750 "$root$SPOOL$d"
done

# the password, hashed by cdbmake-users (yescrypt)
hash=$("$root$SBINDIR/cdbmake-users" --hash) || die "no password"

mkdir -p "$conf"
{
	cat "$conf/yubin.conf" 2>/dev/null || true
	echo ""
	echo "# written by yubin-setup for $domain"
	echo "hostname = mail.$domain"
	echo "spool = $SPOOL"
} >"$conf/yubin.conf.new"
mv "$conf/yubin.conf.new" "$conf/yubin.conf"
printf '%s\n' "$domain" >"$conf/domains"
printf '127.0.0.1\n::1\n# your LAN, e.g. 192.168.1.0/24 (never the Internet)\n' \
	>"$conf/relay"
umask 027
printf '%s:%s:\npostmaster::%s\nabuse::%s\n' "$account" "$hash" \
	"$account" "$account" >"$conf/users"
chgrp "$(id -gn "$user")" "$conf/users"
"$root$SBINDIR/cdbmake-users" -C "$conf" || die "cdbmake-users failed"

# the servers, under whichever inetd this host has
examples=$conf/examples
if [ -e "$root/etc/inetd.conf" ] && [ -e "$examples/inetd.conf" ]; then
	if ! grep -q smtp-in "$root/etc/inetd.conf"; then
		grep -v '^#' "$examples/inetd.conf" |
			sed "s/yubin\t/$user\t/" >>"$root/etc/inetd.conf"
	fi
	reload="service openbsd-inetd reload"
elif [ -d "$root/etc/xinetd.d" ] && [ -e "$examples/xinetd.d/yubin" ]; then
	sed "s/= yubin\$/= $user/" "$examples/xinetd.d/yubin" \
		>"$root/etc/xinetd.d/yubin"
	reload="service xinetd reload"
else
	reload="cp $examples/systemd/* /etc/systemd/system/ && systemctl enable --now yubin-smtp.socket yubin-submission.socket yubin-pop3.socket"
fi

cat <<EOF
yubin-setup: $domain is set up in $conf:
  account $account (postmaster@$domain and abuse@$domain reach it),
  spool $SPOOL owned by $user, hostname mail.$domain.
Next:
  $reload
  yubin-check --records      # the DNS records to publish for $domain
  yubin-check -a YOUR-PUBLIC-ADDRESS
EOF
