# Rebuilds a yubin configuration's CDB files when their text has changed,
# so a cron job or an editor hook can simply run:
#   make -f /usr/local/share/yubin/rules.mk CONFDIR=/etc/yubin
# The demo (make demo) builds its databases with these same rules.

CONFDIR ?= /etc/yubin
CDBMAKE ?= cdbmake-users

all: $(CONFDIR)/domains.cdb $(CONFDIR)/relay.cdb $(CONFDIR)/users.cdb

$(CONFDIR)/domains.cdb: $(CONFDIR)/domains
	$(CDBMAKE) -C $(CONFDIR) domains

$(CONFDIR)/relay.cdb: $(CONFDIR)/relay
	$(CDBMAKE) -C $(CONFDIR) relay

# users is checked against domains, so a change to either rebuilds it.
$(CONFDIR)/users.cdb: $(CONFDIR)/users $(CONFDIR)/domains
	$(CDBMAKE) -C $(CONFDIR) users

.PHONY: all
