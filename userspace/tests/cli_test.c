// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The dmabuf command over a fake tree (LDMA_*_ROOT): tables, JSON, and
 * error messages that say what exists. The binary comes from $DMABUF_CLI,
 * which `make host-test` sets.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "test_util.h"

struct cli_run {
	int status;		/* exit status, or -1 if it did not exit */
	char out[8192];
	char err[8192];
};

static void slurp(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
}

/* Run dmabuf with up to five arguments (NULL-terminated). */
static int cli(struct cli_run *r, const char *a0, const char *a1,
	       const char *a2, const char *a3, const char *a4)
{
	const char *argv[] = { "dmabuf", a0, a1, a2, a3, a4, NULL };
	int out[2], err[2], status;
	pid_t pid;

	if (pipe(out) || pipe(err))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		execv(getenv("DMABUF_CLI"), (char **)argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	slurp(out[0], r->out, sizeof(r->out));
	slurp(err[0], r->err, sizeof(r->err));
	close(out[0]);
	close(err[0]);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	return 0;
}

FIXTURE(cli) {
	char *root;
	struct cli_run r;
	char cam[4096];
};

FIXTURE_SETUP(cli)
{
	const char *bin = getenv("DMABUF_CLI");
	char path[4096];

	if (!bin || access(bin, X_OK))
		SKIP(return, "DMABUF_CLI does not name the dmabuf binary");
	self->root = tree_new();
	ASSERT_NE(NULL, self->root);
	ASSERT_EQ(0, tree_standard_heaps(self->root));
	ASSERT_EQ(0, tree_write(self->root, "proc/123/fdinfo/7",
				"size:\t1048576\ncount:\t1\nexp_name:\tvideo\nname:\tcamera 0\n"));
	ASSERT_EQ(0, tree_write(self->root, "proc/123/fdinfo/8", "pos:\t0\n"));
	snprintf(path, sizeof(path), "%s/dev", self->root);
	setenv("LDMA_DEV_ROOT", path, 1);
	snprintf(path, sizeof(path), "%s/sys", self->root);
	setenv("LDMA_SYSFS_ROOT", path, 1);
	snprintf(path, sizeof(path), "%s/proc", self->root);
	setenv("LDMA_PROC_ROOT", path, 1);
	snprintf(path, sizeof(path), "%s/sysfs", self->root);
	setenv("LDMA_SYS_ROOT", path, 1);
	/* video lies below 2^31; "cam" is a platform device without a DT node. */
	ASSERT_EQ(0, tree_write(self->root, "sys/video/addr_bits", "31\n"));
	ASSERT_EQ(0, tree_write(self->root, "sysfs/devices/platform/cam/uevent", ""));
	snprintf(self->cam, sizeof(self->cam), "%s/sysfs/devices/platform/cam", self->root);
}

FIXTURE_TEARDOWN(cli)
{
	tree_free(self->root);
}

/* The line of @out that starts with @first, in a static buffer, or "". */
static const char *line_of(const char *out, const char *first)
{
	static char line[512];
	const char *p, *end;

	line[0] = '\0';
	for (p = out; p && *p; p = end ? end + 1 : NULL) {
		end = strchr(p, '\n');
		if (!strncmp(p, first, strlen(first))) {
			snprintf(line, sizeof(line), "%.*s",
				 (int)(end ? end - p : (long)strlen(p)), p);
			break;
		}
	}
	return line;
}

TEST_F(cli, cli_list_table_shows_capabilities_and_unknown)
{
	const char *video, *system;

	ASSERT_EQ(0, cli(&self->r, "list", NULL, NULL, NULL, NULL));
	EXPECT_EQ(0, self->r.status);
	EXPECT_NE(NULL, strstr(line_of(self->r.out, "HEAP "), "CONTIGUOUS"));
	video = line_of(self->r.out, "video ");
	EXPECT_NE(NULL, strstr(video, " yes ")) TH_LOG("%s", self->r.out);
	EXPECT_NE(NULL, strstr(video, " no ")) TH_LOG("%s", self->r.out);
	EXPECT_NE(NULL, strstr(video, "64.0 MiB")) TH_LOG("%s", self->r.out);
	system = line_of(self->r.out, "system ");
	EXPECT_NE(NULL, strstr(system, "unknown")) TH_LOG("%s", self->r.out);
	EXPECT_EQ(NULL, strstr(system, "yes")) TH_LOG("%s", self->r.out);
	EXPECT_EQ(NULL, strstr(system, "MiB")) TH_LOG("%s", self->r.out);
}

TEST_F(cli, cli_list_json_reports_unknown_as_null)
{
	ASSERT_EQ(0, cli(&self->r, "list", "--json", NULL, NULL, NULL));
	EXPECT_EQ(0, self->r.status);
	EXPECT_NE(NULL, strstr(self->r.out,
		"{\"name\": \"system\", \"contiguous\": null, \"cached\": null, \"size\": null"))
		TH_LOG("%s", self->r.out);
	EXPECT_NE(NULL, strstr(self->r.out,
		"{\"name\": \"video\", \"contiguous\": true, \"cached\": false, \"size\": 67108864"))
		TH_LOG("%s", self->r.out);
}

TEST_F(cli, cli_list_shows_reach_and_node)
{
	ASSERT_EQ(0, cli(&self->r, "list", NULL, NULL, NULL, NULL));
	EXPECT_NE(NULL, strstr(line_of(self->r.out, "HEAP "), "BELOW")) TH_LOG("%s", self->r.out);
	EXPECT_NE(NULL, strstr(line_of(self->r.out, "video "), "2^31")) TH_LOG("%s", self->r.out);
	ASSERT_EQ(0, cli(&self->r, "list", "--json", NULL, NULL, NULL));
	EXPECT_NE(NULL, strstr(self->r.out, "\"addr_bits\": 31, \"node\": null}"))
		TH_LOG("%s", self->r.out);
	EXPECT_NE(NULL, strstr(self->r.out, "\"addr_bits\": null")) TH_LOG("%s", self->r.out);
}

TEST_F(cli, cli_which_ranks_heaps_with_reasons)
{
	ASSERT_EQ(0, cli(&self->r, "which", self->cam, NULL, NULL, NULL));
	EXPECT_EQ(0, self->r.status) TH_LOG("%s", self->r.err);
	EXPECT_NE(NULL, strstr(self->r.out, "no IOMMU")) TH_LOG("%s", self->r.out);
	EXPECT_NE(NULL, strstr(self->r.out, "assumed 32 bits")) TH_LOG("%s", self->r.out);
	EXPECT_NE(NULL, strstr(line_of(self->r.out, "   1  video "), "fits"))
		TH_LOG("%s", self->r.out);
	EXPECT_NE(NULL, strstr(line_of(self->r.out, "   2  "), "unsure")) TH_LOG("%s", self->r.out);
	EXPECT_NE(NULL, strstr(self->r.out, "choice: video\n")) TH_LOG("%s", self->r.out);

	ASSERT_EQ(0, cli(&self->r, "which", "--json", self->cam, NULL, NULL));
	EXPECT_EQ(0, self->r.status);
	EXPECT_NE(NULL, strstr(self->r.out, "\"dma_bits\": 32, \"dma_bits_assumed\": true"))
		TH_LOG("%s", self->r.out);
	EXPECT_NE(NULL, strstr(self->r.out, "\"choice\": \"video\"}")) TH_LOG("%s", self->r.out);

	/* The 1 GiB buffer fits nowhere known: video is refused, status 1. */
	ASSERT_EQ(0, tree_write(self->root, "dev/system", ""));
	ASSERT_EQ(0, cli(&self->r, "which", "--size", "1G", self->cam, NULL));
	EXPECT_NE(NULL, strstr(line_of(self->r.out, "   -  video "), "rejected"))
		TH_LOG("%s", self->r.out);
}

TEST_F(cli, cli_which_bad_devices_and_usage)
{
	char missing[4200];

	snprintf(missing, sizeof(missing), "%s/sysfs/devices/none", self->root);
	ASSERT_EQ(0, cli(&self->r, "which", missing, NULL, NULL, NULL));
	EXPECT_EQ(1, self->r.status);
	EXPECT_NE(NULL, strstr(self->r.err, "no such device in sysfs")) TH_LOG("%s", self->r.err);
	ASSERT_EQ(0, cli(&self->r, "which", "/dev/null", NULL, NULL, NULL));
	EXPECT_EQ(1, self->r.status);
	EXPECT_NE(NULL, strstr(self->r.err, "cannot tell what '/dev/null' needs"))
		TH_LOG("%s", self->r.err);
	ASSERT_EQ(0, cli(&self->r, "which", NULL, NULL, NULL, NULL));
	EXPECT_EQ(2, self->r.status);
	ASSERT_EQ(0, cli(&self->r, "which", "--size", "0", self->cam, NULL));
	EXPECT_EQ(2, self->r.status);
}

TEST_F(cli, cli_stats_shows_usage)
{
	ASSERT_EQ(0, cli(&self->r, "stats", NULL, NULL, NULL, NULL));
	EXPECT_EQ(0, self->r.status);
	EXPECT_NE(NULL, strstr(line_of(self->r.out, "video "), "16.0 MiB"))
		TH_LOG("%s", self->r.out);
	EXPECT_NE(NULL, strstr(line_of(self->r.out, "video "), "25%"))
		TH_LOG("%s", self->r.out);
	ASSERT_EQ(0, cli(&self->r, "stats", "--json", NULL, NULL, NULL));
	EXPECT_NE(NULL, strstr(self->r.out, "\"used\": 16777216")) TH_LOG("%s", self->r.out);
}

TEST_F(cli, cli_alloc_unknown_heap_lists_existing_heaps_and_fails)
{
	ASSERT_EQ(0, cli(&self->r, "alloc", "nope", "4K", NULL, NULL));
	EXPECT_EQ(1, self->r.status);
	EXPECT_NE(NULL, strstr(self->r.err, "no heap 'nope'")) TH_LOG("%s", self->r.err);
	EXPECT_NE(NULL, strstr(self->r.err, "linux,cma system video")) TH_LOG("%s", self->r.err);
}

TEST_F(cli, cli_alloc_bad_size_fails_with_message)
{
	ASSERT_EQ(0, cli(&self->r, "alloc", "system", "12Q", NULL, NULL));
	EXPECT_EQ(1, self->r.status);
	EXPECT_NE(NULL, strstr(self->r.err, "bad size '12Q'")) TH_LOG("%s", self->r.err);
	ASSERT_EQ(0, cli(&self->r, "alloc", "system", "0", NULL, NULL));
	EXPECT_EQ(1, self->r.status);
	ASSERT_EQ(0, cli(&self->r, "alloc", "system", "4K", "--count", "0"));
	EXPECT_EQ(2, self->r.status);
}

TEST_F(cli, cli_info_lists_dmabufs_of_a_process)
{
	ASSERT_EQ(0, cli(&self->r, "info", "123", NULL, NULL, NULL));
	EXPECT_EQ(0, self->r.status);
	EXPECT_NE(NULL, strstr(self->r.out, "process 123: 1 dma-buf descriptor, 1.0 MiB"))
		TH_LOG("%s", self->r.out);
	EXPECT_NE(NULL, strstr(self->r.out, "camera 0")) TH_LOG("%s", self->r.out);
	ASSERT_EQ(0, cli(&self->r, "info", "123", "--json", NULL, NULL));
	EXPECT_NE(NULL, strstr(self->r.out, "\"exp_name\": \"video\", \"name\": \"camera 0\""))
		TH_LOG("%s", self->r.out);
}

TEST_F(cli, cli_info_missing_process_fails_with_strerror)
{
	ASSERT_EQ(0, cli(&self->r, "info", "999", NULL, NULL, NULL));
	EXPECT_EQ(1, self->r.status);
	EXPECT_NE(NULL, strstr(self->r.err, "No such file or directory")) TH_LOG("%s", self->r.err);
	ASSERT_EQ(0, cli(&self->r, "info", "12x", NULL, NULL, NULL));
	EXPECT_EQ(2, self->r.status);
}

TEST_F(cli, cli_unknown_command_prints_usage)
{
	ASSERT_EQ(0, cli(&self->r, "frobnicate", NULL, NULL, NULL, NULL));
	EXPECT_EQ(2, self->r.status);
	EXPECT_NE(NULL, strstr(self->r.err, "usage: dmabuf")) TH_LOG("%s", self->r.err);
}

TEST_HARNESS_MAIN
