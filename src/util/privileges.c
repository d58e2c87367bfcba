/* privileges.c - see privileges.h. */
#include "util/privileges.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

bool privileges_drop(const char *user, char *errbuf, size_t errlen)
{
	errno = 0;
	struct passwd *pw = getpwnam(user);
	if (!pw) {
		snprintf(errbuf, errlen, "-Z %s: no such user", user);
		return false;
	}
	if (getuid() == pw->pw_uid && geteuid() == pw->pw_uid)
		return true;
	/* Order matters: groups and gid while still privileged, uid last. */
	if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
	    setuid(pw->pw_uid) != 0) {
		snprintf(errbuf, errlen, "-Z %s: cannot switch to that user: %s", user,
			 strerror(errno));
		return false;
	}
	/* Root must be gone for good. */
	if (pw->pw_uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		snprintf(errbuf, errlen, "-Z %s: root privileges could be regained; refusing to go on",
			 user);
		return false;
	}
	return true;
}
