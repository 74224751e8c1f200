/* spool: becoming the spool's owner; see spool.h. */
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spool.h"

int
spool_become_owner(const char *spool)
{
	struct stat st;

	if (geteuid() != 0)
		return 0;
	if (stat(spool, &st) == -1)
		return -1;
	if (st.st_uid == 0)
		return 0;
	if (setgroups(0, NULL) == -1 || setgid(st.st_gid) == -1 ||
	    setuid(st.st_uid) == -1)
		return -1;
	return 0;
}
